/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Security Policy Database (RFC 4301 4.4.1): ordered policies per direction
 * (in, out, fwd), selectors on source and destination prefix (IPv4/IPv6),
 * IP protocol and source/destination port ranges, actions PROTECT, BYPASS,
 * DISCARD. ICMP and ICMPv6 use type as source "port" and code as
 * destination "port", as XFRM does.
 *
 * Lookup, not a linear scan. loader/spd_compile.c turns the ordered list
 * into two LPM tries whose leaves carry short candidate lists:
 *
 *   xs_spdd  key (scope = generation, family, direction; dst prefix).
 *            One entry per distinct destination prefix P of the policies of
 *            that direction and family. Its leaf lists, by priority, every
 *            policy whose destination contains P: prefixes nest or are
 *            disjoint, so once the trie has returned the longest prefix P
 *            that holds the packet's destination, no other policy can
 *            match on destination.
 *   xs_spds  key (scope = class; src prefix). If those candidates differ in
 *            source prefix, the destination leaf holds no list but a class
 *            number, and the same construction is repeated on the source:
 *            one entry per distinct source prefix S of the class's
 *            candidates, listing those whose source contains S.
 *
 * A leaf reached this way holds only policies whose prefixes both contain
 * the packet's addresses; BPF checks protocol and port ranges of at most
 * XS_SPD_LEAF_MAX candidates in order and takes the first match. The
 * compiler drops candidates shadowed by an earlier one whose remaining
 * selectors are wildcards.
 *
 * Bounds, per packet: two LPM lookups (each at most 32 + 128 + 32 bits
 * deep), XS_SPD_LEAF_MAX candidate checks, two array reads (xs_cfg and, for
 * PROTECT, the policy). Independent of the number of policies.
 * Bounds, memory: destination entries = distinct destination prefixes;
 * source entries = sum over split destination leaves of the distinct source
 * prefixes among their candidates (product of the two in the worst case).
 * The compiler refuses (E2BIG) a policy set that needs more than
 * XS_SPD_LEAF_MAX candidates in one leaf (more than that many policies with
 * the same prefixes differing only in protocol/ports) or more trie entries
 * than the maps hold.
 *
 * Atomic replacement: everything exists in two generations. The compiler
 * writes the inactive generation (policies at gen * XS_SPD_MAX + i in
 * xs_spd, trie scopes carrying the generation), flips xs_cfg.spd_gen, then
 * deletes the old generation. A packet sees one whole policy set.
 *
 * The SA of a PROTECT policy is xs_spd[i].sa_slot, changed in place by the
 * daemon when an SA is installed or rekeyed; XS_SA_NONE means "acquire":
 * the packet is dropped and an event is sent (maps/events.h).
 */
#ifndef XDPSEC_MAPS_SPD_H
#define XDPSEC_MAPS_SPD_H

#include "types.h"

enum xs_spd_action {
	XS_SPD_BYPASS = 0,		/* bypass */
	XS_SPD_DISCARD = 1,		/* discard */
	XS_SPD_PROTECT = 2,		/* protect */
};

enum {
	XS_SPD_MAX = 65536,		/* policies per generation */
	XS_SPD_TRIE_MAX = 1 << 20,	/* entries per trie */
	XS_SPD_LEAF_MAX = 16,		/* candidates per leaf */
	XS_SPD_SCOPE_BITS = 32,		/* prefix bits taken by the scope */
	XS_SPD_CLASS_GEN = 1u << 31,	/* generation bit of a class number */
};

/* dst trie scope: generation, family, direction */
#define XS_SPD_SCOPE(gen, family, dir) \
	(((__u32)(gen) << 16) | ((__u32)(family) << 8) | (__u32)(dir))

/* prefixlen counts the scope's 32 bits, then the address prefix. */
struct xs_spd_key {
	__u32 prefixlen;
	__u32 scope;			/* always matched in full */
	__u8 addr[16];			/* IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct xs_spd_key) == 24, "xs_spd_key layout");

struct xs_spd_cand {
	__u32 policy;			/* index in xs_spd */
	__u8 action;			/* enum xs_spd_action */
	__u8 proto;			/* 0 = any */
	__u16 pad;
	__u16 sport_lo;			/* inclusive ranges, host order */
	__u16 sport_hi;
	__u16 dport_lo;
	__u16 dport_hi;
};
_Static_assert(sizeof(struct xs_spd_cand) == 16, "xs_spd_cand layout");

struct xs_spd_leaf {
	__u32 count;			/* valid entries in cand[] */
	__u32 src_class;		/* != 0: look up (class, src) in xs_spds */
	struct xs_spd_cand cand[XS_SPD_LEAF_MAX];
};
_Static_assert(sizeof(struct xs_spd_leaf) == 8 + 16 * XS_SPD_LEAF_MAX,
	       "xs_spd_leaf layout");

/* One policy, readable in xs_spd; the tries refer to it by index. */
struct xs_spd_policy {
	__u32 id;			/* the daemon's policy number */
	__u32 priority;			/* lower wins; ties: lower id */
	__u8 dir;			/* enum xs_spd_dir */
	__u8 action;			/* enum xs_spd_action */
	__u8 family;			/* XS_AF_INET or XS_AF_INET6 */
	__u8 proto;			/* 0 = any */
	__u8 src_len;			/* prefix lengths */
	__u8 dst_len;
	__u16 pad0;
	__u8 src[16];
	__u8 dst[16];
	__u16 sport_lo;			/* inclusive, host order; 0-65535 = any */
	__u16 sport_hi;
	__u16 dport_lo;
	__u16 dport_hi;
	/* PROTECT only */
	__u32 sa_slot;			/* outbound SA in xs_sad, XS_SA_NONE: none */
	__u32 reqid;			/* template: SAs with this reqid */
	__u8 tmpl_proto;		/* template: XS_PROTO_ESP or XS_PROTO_AH */
	__u8 tmpl_mode;			/* template: 0 transport, 1 tunnel */
	__u8 tmpl_family;
	__u8 pad1;
	__u8 tmpl_src[16];		/* template: tunnel endpoints */
	__u8 tmpl_dst[16];
	__u32 pad2;
};
_Static_assert(sizeof(struct xs_spd_policy) == 104, "xs_spd_policy layout");

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XS_SPD_TRIE_MAX);
	__type(key, struct xs_spd_key);
	__type(value, struct xs_spd_leaf);
	XS_PIN_BY_NAME;
} xs_spdd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XS_SPD_TRIE_MAX);
	__type(key, struct xs_spd_key);
	__type(value, struct xs_spd_leaf);
	XS_PIN_BY_NAME;
} xs_spds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * XS_SPD_MAX);
	__type(key, __u32);
	__type(value, struct xs_spd_policy);
	XS_PIN_BY_NAME;
} xs_spd SEC(".maps");
#endif

#endif
