/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What a router does to an IP packet it forwards, as pure functions on
 * bytes (no worker state): hop limit, L4 checksum completion, ICMP errors,
 * IPv4 fragmentation, TCP MSS clamping. Packets start at the IP header.
 */
#ifndef XDPSEC_WORKER_FWD_H
#define XDPSEC_WORKER_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include "../maps/drop_reasons.h"
#include "../maps/types.h"

enum xs_csum_state {
	XS_CSUM_NONE = 0,	/* no TCP/UDP checksum to look at */
	XS_CSUM_VALID = 1,	/* complete and correct: left alone */
	XS_CSUM_COMPLETED = 2,	/* held only the pseudo-header sum: completed */
	XS_CSUM_BAD = 3,	/* genuinely wrong: left alone for the receiver */
	XS_CSUM_UNCHECKED = 4,	/* not a pseudo-header sum: left alone unread */
};

enum {
	XS_ICMP_DEST_UNREACH = 3,	/* ICMPv4 types and codes (RFC 792) */
	XS_ICMP_FRAG_NEEDED = 4,
	XS_ICMP_TIME_EXCEEDED = 11,
	XS_ICMP6_PACKET_TOO_BIG = 2,	/* ICMPv6 (RFC 4443) */
	XS_ICMP6_TIME_EXCEEDED = 3,
	XS_ICMP4_QUOTE_MAX = 576,	/* RFC 1812 4.3.2.3: whole error */
	XS_ICMP6_QUOTE_MAX = 1280,	/* RFC 4443 2.4 (c) */
	XS_IPV6_MIN_MTU = 1280,
	XS_FRAG_MAX = 48,		/* fragments of one packet */
};

/* fwd.c APIs: */
/*
 * A TCP/UDP checksum that holds only the folded pseudo-header sum (what a
 * CHECKSUM_PARTIAL skb carries) is completed; a correct one is left alone,
 * and so is a genuinely bad one.
 */
enum xs_csum_state xs_fwd_l4_csum(uint8_t *ip, uint32_t len);
/*
 * The same for forwarding, without the cost of checking what it leaves
 * alone: a field that does not hold the pseudo-header sum is complete or
 * genuinely bad, either way not the router's to change, so the payload is
 * not summed (XS_CSUM_UNCHECKED). The bytes written are those of
 * xs_fwd_l4_csum() in every case.
 */
enum xs_csum_state xs_fwd_l4_csum_finish(uint8_t *ip, uint32_t len);
/* Decrement TTL / hop limit (IPv4 checksum updated incrementally). */
enum xs_drop xs_fwd_hop(uint8_t *ip, uint32_t len);
/* Clamp the MSS option of a TCP SYN to mss; true if it changed. */
bool xs_fwd_mss_clamp(uint8_t *ip, uint32_t len, uint16_t mss);
/*
 * Build an ICMP/ICMPv6 error about orig (type, code, and info in the
 * 4 bytes after the checksum: the MTU for frag-needed / packet-too-big)
 * from src (4 or 16 bytes, by orig's version) into out. Returns its length,
 * or 0 if no error may be sent about orig (an ICMP error, a non-first
 * fragment, a multicast/unspecified source) or out is too small.
 */
uint32_t xs_fwd_icmp_error(uint8_t *out, uint32_t room, const uint8_t *orig,
			   uint32_t orig_len, uint8_t type, uint8_t code,
			   uint32_t info, const uint8_t *src);
/*
 * Fragment the IPv4 packet ip (DF clear) into pieces of at most mtu bytes,
 * written to out[i] (room bytes each) with lengths in lens[]. Returns how
 * many (at most max), or 0 if it cannot be done.
 */
int xs_fwd_fragment(const uint8_t *ip, uint32_t len, uint32_t mtu,
		    uint8_t *const *out, uint32_t room, uint32_t *lens, int max);
/* IPv4 with DF set, or IPv6 (never fragmented by routers). */
bool xs_fwd_dont_fragment(const uint8_t *ip, uint32_t len);

#endif
