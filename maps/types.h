/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What every map schema needs, in BPF (after vmlinux.h) and in userspace:
 * fixed-width types, the address families and IP protocols as numbers, and
 * XS_MAP_DECL, which declares a map only when compiled for BPF so that the
 * daemon, the worker and the tests can include the same header for the
 * key/value structs.
 */
#ifndef XDPSEC_MAPS_TYPES_H
#define XDPSEC_MAPS_TYPES_H

#ifdef __bpf__
#include <bpf/bpf_helpers.h>
#else
#include <linux/types.h>
#endif

enum {
	XS_AF_INET = 2,			/* AF_INET */
	XS_AF_INET6 = 10,		/* AF_INET6 */
	XS_PROTO_ICMP = 1,		/* IPPROTO_ICMP */
	XS_PROTO_TCP = 6,		/* IPPROTO_TCP */
	XS_PROTO_UDP = 17,		/* IPPROTO_UDP */
	XS_PROTO_ESP = 50,		/* IPPROTO_ESP */
	XS_PROTO_AH = 51,		/* IPPROTO_AH */
	XS_PROTO_ICMPV6 = 58,		/* IPPROTO_ICMPV6 */
	XS_PORT_IKE = 500,		/* IKE (RFC 7296) */
	XS_PORT_NATT = 4500,		/* IKE and ESP behind NAT (RFC 3948) */
};

/* SPD directions, as in RFC 4301 and `ip xfrm policy ... dir`. */
enum xs_spd_dir {
	XS_SPD_IN = 0,			/* in */
	XS_SPD_OUT = 1,			/* out */
	XS_SPD_FWD = 2,			/* fwd */
	XS_SPD_DIRS
};

/* Where a BPF program runs: the index of its counters. */
enum xs_hook {
	XS_HOOK_WAN = 0,		/* xdp-wan: ciphertext side */
	XS_HOOK_LAN = 1,		/* xdp-lan: plaintext side */
	XS_HOOK_TC = 2,			/* tc-out: locally generated */
	XS_HOOKS
};

#ifdef __bpf__
#define XS_PIN_BY_NAME __uint(pinning, LIBBPF_PIN_BY_NAME)
#endif

#endif
