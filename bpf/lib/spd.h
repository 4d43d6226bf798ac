/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * SPD lookup (design and bounds: maps/spd.h): destination trie, then the
 * source trie if the leaf says so, then the first of at most
 * XS_SPD_LEAF_MAX candidates whose protocol and ports match.
 */
#ifndef XDPSEC_BPF_SPD_H
#define XDPSEC_BPF_SPD_H

#include "drop.h"
#include "parse.h"

#undef XS_FILE_ID
#define XS_FILE_ID XS_FILE_SPD

struct xs_spd_hit {
	__u32 policy;			/* index in xs_spd */
	__u32 action;			/* enum xs_spd_action */
};

/* Ports unknown (OPAQUE, RFC 4301 4.4.1.1) match only "any" port ranges. */
static __always_inline int cand_match(const struct xs_spd_cand *c,
				      const struct xs_flow *f)
{
	if (c->proto && c->proto != f->proto)
		return 0;
	if (f->opaque)
		return c->sport_lo == 0 && c->sport_hi == 0xffff &&
		       c->dport_lo == 0 && c->dport_hi == 0xffff;
	return f->sport >= c->sport_lo && f->sport <= c->sport_hi &&
	       f->dport >= c->dport_lo && f->dport <= c->dport_hi;
}

static __always_inline struct xs_spd_leaf *spd_leaf(const struct xs_flow *f,
						    __u32 scope)
{
	struct xs_spd_key k = {};
	struct xs_spd_leaf *leaf;

	k.prefixlen = XS_SPD_SCOPE_BITS + (f->family == XS_AF_INET ? 32 : 128);
	k.scope = scope;
	__builtin_memcpy(k.addr, f->dst, sizeof(k.addr));
	leaf = bpf_map_lookup_elem(&xs_spdd, &k);
	if (!leaf || !leaf->src_class)
		return leaf;
	k.scope = leaf->src_class;
	__builtin_memcpy(k.addr, f->src, sizeof(k.addr));
	return bpf_map_lookup_elem(&xs_spds, &k);
}

/* 1 with *hit filled if a policy of direction dir matches, else 0. */
static __always_inline int spd_lookup(const struct xs_flow *f, __u32 dir,
				      __u32 gen, struct xs_spd_hit *hit)
{
	struct xs_spd_leaf *leaf = spd_leaf(f, XS_SPD_SCOPE(gen, f->family, dir));
	int i;

	if (!leaf)
		return 0;
	for (i = 0; i < XS_SPD_LEAF_MAX; i++) {
		if (i >= leaf->count)
			break;
		if (cand_match(&leaf->cand[i], f)) {
			hit->policy = leaf->cand[i].policy;
			hit->action = leaf->cand[i].action;
			return 1;
		}
	}
	return 0;
}

/* No policy matched: the configured default (xs_cfg), bypass or drop. */
static __always_inline int spd_default(xs_ctx_t *ctx, __u8 action)
{
	if (action == XS_SPD_BYPASS)
		return pass(ctx, XS_ACT_DEFAULT);
	return drop(ctx, XS_DROP_NO_POLICY);
}

#endif
