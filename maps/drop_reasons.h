/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Why a packet was not delivered. Shared by the BPF programs, the packet
 * engine and the CLI. Numbers are stable: a retired reason keeps its number
 * as XS_DROP_UNUSEDn and is never reused. The comment on each line is its
 * printable name (tests/gen_names.py turns them into the name table).
 */
#ifndef XDPSEC_MAPS_DROP_REASONS_H
#define XDPSEC_MAPS_DROP_REASONS_H

enum xs_drop {
	XS_OK = 0,			/* ok */
	XS_DROP_SHORT_PACKET = 1,	/* short-packet */
	XS_DROP_BAD_IP_HEADER = 2,	/* bad-ip-header */
	XS_DROP_UNKNOWN_SPI = 3,	/* unknown-spi */
	XS_DROP_REPLAY = 4,		/* replay */
	XS_DROP_TOO_OLD = 5,		/* too-old */
	XS_DROP_ICV_FAIL = 6,		/* icv-fail */
	XS_DROP_BAD_PADDING = 7,	/* bad-padding */
	XS_DROP_BAD_NEXT_HEADER = 8,	/* bad-next-header */
	XS_DROP_LIFETIME_EXPIRED = 9,	/* lifetime-expired */
	XS_DROP_SEQ_EXHAUSTED = 10,	/* seq-exhausted */
	XS_DROP_DUMMY = 11,		/* dummy */
	XS_DROP_NAT_KEEPALIVE = 12,	/* nat-keepalive */
	XS_DROP_NO_ROOM = 13,		/* no-room */
	XS_DROP_BAD_LENGTH = 14,	/* bad-length */
	XS_DROP_WRONG_PROTO = 15,	/* wrong-proto */
	XS_DROP_WRONG_SA = 16,		/* wrong-sa */
	XS_DROP_BAD_ENCAP = 17,		/* bad-encap */
	XS_DROP_BAD_AH_HEADER = 18,	/* bad-ah-header */
	XS_DROP_CRYPTO_ERROR = 19,	/* crypto-error */
	XS_DROP_NOT_IPSEC = 20,		/* not-ipsec */
	XS_DROP_NO_WORKER = 21,		/* no-worker */
	XS_DROP_NO_SA = 22,		/* no-sa */
	XS_DROP_POLICY_DISCARD = 23,	/* policy-discard */
	XS_DROP_UNPROTECTED = 24,	/* unprotected */
	XS_DROP_NO_POLICY = 25,		/* no-policy */
	XS_DROP_BAD_EXT_HEADER = 26,	/* bad-ext-header */
	XS_DROP_VLAN_STACK = 27,	/* vlan-stack */
	XS_DROP_BAD_META = 28,		/* bad-meta */
	XS_DROP_NO_ROUTE = 29,		/* no-route */
	XS_DROP_NO_NEIGHBOUR = 30,	/* no-neighbour */
	XS_DROP_TTL_EXCEEDED = 31,	/* ttl-exceeded */
	XS_DROP_TOO_BIG = 32,		/* too-big */
	XS_DROP_OUTER_FRAGMENT = 33,	/* outer-fragment */
	XS_DROP_NO_FRAME = 34,		/* no-frame */
	XS_DROP_TX_FULL = 35,		/* tx-full */
	XS_DROP_REASM_TIMEOUT = 36,	/* reasm-timeout */
	XS_DROP_REASM_BAD = 37,		/* reasm-bad */
	XS_DROP_ECN_MISMATCH = 38,	/* ecn-mismatch */
	XS_DROP_SELECTOR_MISMATCH = 39,	/* selector-mismatch */
	XS_DROP__MAX
};

#endif
