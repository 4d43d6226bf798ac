/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Security Policy Database (RFC 4301 4.4.1): ordered policies per direction
 * (in, out, fwd), selectors on source and destination prefix (IPv4/IPv6),
 * IP protocol and source/destination port ranges, actions PROTECT, BYPASS,
 * DISCARD. ICMP and ICMPv6 use type as source "port" and code as
 * destination "port", as XFRM does.
 *
 * Lookup, not a linear scan. loader/spd_compile.c turns the ordered list
 * into at most two longest-prefix levels whose leaves carry short
 * candidate lists:
 *
 *   level 1  scope = (generation, family, direction), key = dst prefix.
 *            One entry per distinct destination prefix P of the policies of
 *            that scope. Its leaf lists, by priority, every policy whose
 *            destination contains P, each with its source prefix: prefixes
 *            nest or are disjoint, so once the lookup has returned the
 *            longest prefix P that holds the packet's destination, no other
 *            policy can match on destination. BPF checks source prefix,
 *            protocol and ports of the candidates in order.
 *   level 2  Only when a destination leaf would need more than
 *            XS_SPD_LEAF_MAX candidates (e.g. one destination shared by
 *            many sources): the leaf holds a class number instead, and the
 *            same construction is repeated on the source: one entry per
 *            distinct source prefix S of the class's candidates, listing
 *            those whose source contains S (no source check left to do).
 *
 * Longest-prefix match of one level, chosen by the compiler per scope (and
 * per class):
 *   hash     if the scope's entries have at most XS_SPD_HASH_LENS distinct
 *            prefix lengths: xs_spdh, key (scope, length, masked address),
 *            probed longest length first; the lengths are in xs_spdm[scope]
 *            for level 1 and in the destination leaf for level 2. A hub
 *            with thousands of /24 or /32 spokes needs one probe.
 *   trie     otherwise: the LPM tries xs_spdd (level 1) and xs_spds
 *            (level 2), prefixlen = 32 scope bits + address prefix.
 * The compiler drops candidates shadowed by an earlier one whose remaining
 * selectors are wildcards.
 *
 * Bounds, per packet: one xs_spdm read, then per level either at most
 * XS_SPD_HASH_LENS hash probes or one LPM lookup (at most 32 + 128 bits
 * deep), at most two levels, then at most XS_SPD_LEAF_MAX candidate checks,
 * then for PROTECT the policy read (xs_spd). Independent of the number of
 * policies. Measured (tests/bpf/bench_classify.c, whole xdp-lan PROTECT
 * path to an AF_XDP socket): hub of 10 or 10k /24 -> /24 policies, one
 * probe, 50-55 ns (two 10k-entry tries before: 190 ns); worst shape (five
 * lengths on both levels, 10k policies: both tries) 135-150 ns.
 * Bounds, memory: level-1 entries = distinct destination prefixes; level-2
 * entries = sum over split destination leaves of the distinct source
 * prefixes among their candidates (product of the two in the worst case).
 * The compiler refuses (E2BIG) a policy set that needs more than
 * XS_SPD_LEAF_MAX candidates in one level-2 leaf (more than that many
 * policies with the same prefixes differing only in protocol/ports) or
 * more entries than a map holds.
 *
 * Atomic replacement: everything exists in two generations. The compiler
 * writes the inactive generation (policies at XS_SPD_IDX(gen, i) in
 * xs_spd, scopes and classes carrying the generation, xs_spdm of that
 * generation), flips xs_cfg.spd_gen, then deletes the old generation's
 * entries. A packet sees one whole policy set.
 *
 * Capacity: xs_spd holds 2 * XS_SPD_MAX entries by default (two
 * generations, interleaved); the daemon may set another number of policies
 * (limits, docs/configuration.md) with bpf_map__set_max_entries before
 * load, up to XS_SPD_LIMIT_MAX. BPF only follows the indexes the compiler
 * wrote, so nothing else depends on it.
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
	XS_SPD_MAX = 65536,		/* policies per generation, default */
	XS_SPD_LIMIT_MAX = 1 << 20,	/* largest policies limit */
	XS_SPD_TRIE_MAX = 1 << 20,	/* entries per trie / the hash */
	XS_SPD_LEAF_MAX = 16,		/* candidates per leaf */
	XS_SPD_HASH_LENS = 4,		/* prefix lengths probed in xs_spdh */
	XS_SPD_SCOPE_BITS = 32,		/* trie prefix bits taken by the scope */
	XS_SPD_CLASS_GEN = 1u << 31,	/* generation bit of a class number */
	XS_SPD_CLASS = 1u << 30,	/* set in every class number */
	XS_SPD_SCOPES = 2 * 2 * XS_SPD_DIRS,	/* generation, family, dir */
};

/* level-1 scope: generation, family, direction */
#define XS_SPD_SCOPE(gen, family, dir) \
	(((__u32)(gen) << 16) | ((__u32)(family) << 8) | (__u32)(dir))

/* index in xs_spd of policy i of generation gen, and back */
#define XS_SPD_IDX(gen, i)	((__u32)(i) * 2 + (__u32)(gen))
#define XS_SPD_IDX_POLICY(idx)	((idx) / 2)
#define XS_SPD_IDX_GEN(idx)	((idx) % 2)

/* index of a level-1 scope in xs_spdm */
#define XS_SPD_SCOPE_IDX(gen, family, dir) \
	((((gen) * 2 + ((family) == XS_AF_INET6)) * XS_SPD_DIRS) + (dir))

/*
 * Tries: prefixlen counts the scope's 32 bits, then the address prefix.
 * xs_spdh: prefixlen is the address prefix alone, addr is masked to it.
 */
struct xs_spd_key {
	__u32 prefixlen;
	__u32 scope;			/* always matched in full */
	__u8 addr[16];			/* IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct xs_spd_key) == 24, "xs_spd_key layout");

/* How one level of one scope or class is looked up. */
struct xs_spd_lens {
	__u8 trie;			/* 1: LPM trie, else xs_spdh */
	__u8 n;				/* xs_spdh: lengths in len[] */
	__u8 len[XS_SPD_HASH_LENS];	/* xs_spdh: longest first */
	__u16 pad;
};
_Static_assert(sizeof(struct xs_spd_lens) == 8, "xs_spd_lens layout");

struct xs_spd_cand {
	__u32 policy;			/* index in xs_spd */
	__u8 action;			/* enum xs_spd_action */
	__u8 proto;			/* 0 = any */
	__u8 src_len;			/* source prefix still to check, 0: none */
	__u8 pad;
	__u16 sport_lo;			/* inclusive ranges, host order */
	__u16 sport_hi;
	__u16 dport_lo;
	__u16 dport_hi;
	__u8 src[16];			/* masked to src_len */
};
_Static_assert(sizeof(struct xs_spd_cand) == 32, "xs_spd_cand layout");

struct xs_spd_leaf {
	__u32 count;			/* valid entries in cand[] */
	__u32 src_class;		/* != 0: level 2, scope src_class */
	struct xs_spd_lens src_lens;	/* level 2: how to look it up */
	struct xs_spd_cand cand[XS_SPD_LEAF_MAX];
};
_Static_assert(sizeof(struct xs_spd_leaf) == 16 + 32 * XS_SPD_LEAF_MAX,
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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XS_SPD_TRIE_MAX);
	__type(key, struct xs_spd_key);
	__type(value, struct xs_spd_leaf);
	XS_PIN_BY_NAME;
} xs_spdh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_SPD_SCOPES);
	__type(key, __u32);
	__type(value, struct xs_spd_lens);
	XS_PIN_BY_NAME;
} xs_spdm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * XS_SPD_MAX);
	__type(key, __u32);
	__type(value, struct xs_spd_policy);
	XS_PIN_BY_NAME;
} xs_spd SEC(".maps");
#endif

#endif
