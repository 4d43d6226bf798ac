/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * SPD lookup (design and bounds: maps/spd.h): the destination level (hash
 * probes or trie, as xs_spdm says), then the source level if the leaf says
 * so, then the first of at most XS_SPD_LEAF_MAX candidates whose source
 * prefix, protocol and ports match.
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

/* Network-order mask of word w (0..3) of a 128-bit prefix of len bits. */
static __always_inline __u32 spd_word_mask(__u32 len, int w)
{
	int bits = (int)len - 32 * w;

	bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
	return bpf_htonl((__u32)(0xffffffff00000000ULL >> bits));
}

static __always_inline __u32 spd_word(const __u8 *a, int w)
{
	__u32 v;

	__builtin_memcpy(&v, a + 4 * w, sizeof(v));
	return v;
}

/* 1 if addr lies in the prefix pfx/len (pfx masked). */
static __always_inline int spd_in_prefix(const __u8 *pfx, __u32 len,
					 const __u8 *addr)
{
	int w;

	for (w = 0; w < 4; w++)
		if ((spd_word(pfx, w) ^ spd_word(addr, w)) & spd_word_mask(len, w))
			return 0;
	return 1;
}

/* Ports unknown (OPAQUE, RFC 4301 4.4.1.1) match only "any" port ranges. */
static __always_inline int cand_match(const struct xs_spd_cand *c,
				      const struct xs_flow *f)
{
	if (c->proto && c->proto != f->proto)
		return 0;
	if (c->src_len && !spd_in_prefix(c->src, c->src_len, f->src))
		return 0;
	if (f->opaque)
		return c->sport_lo == 0 && c->sport_hi == 0xffff &&
		       c->dport_lo == 0 && c->dport_hi == 0xffff;
	return f->sport >= c->sport_lo && f->sport <= c->sport_hi &&
	       f->dport >= c->dport_lo && f->dport <= c->dport_hi;
}

/* Longest prefix of addr in one level: hash probes or the trie. */
static __always_inline struct xs_spd_leaf *
spd_level(const struct xs_spd_lens *l, void *trie, __u32 scope,
	  const __u8 *addr, __u32 addr_bits)
{
	struct xs_spd_key k = { .scope = scope };
	struct xs_spd_leaf *leaf;
	int i, w;

	if (l->trie) {
		k.prefixlen = XS_SPD_SCOPE_BITS + addr_bits;
		__builtin_memcpy(k.addr, addr, sizeof(k.addr));
		return bpf_map_lookup_elem(trie, &k);
	}
	for (i = 0; i < XS_SPD_HASH_LENS; i++) {
		if (i >= l->n)
			break;
		k.prefixlen = l->len[i];
		for (w = 0; w < 4; w++) {
			__u32 v = spd_word(addr, w) & spd_word_mask(k.prefixlen, w);

			__builtin_memcpy(k.addr + 4 * w, &v, sizeof(v));
		}
		leaf = bpf_map_lookup_elem(&xs_spdh, &k);
		if (leaf)
			return leaf;
	}
	return NULL;
}

static __always_inline struct xs_spd_leaf *spd_leaf(const struct xs_flow *f,
						    __u32 gen, __u32 dir)
{
	__u32 idx = XS_SPD_SCOPE_IDX(gen, f->family, dir);
	__u32 bits = f->family == XS_AF_INET ? 32 : 128;
	struct xs_spd_lens *l = bpf_map_lookup_elem(&xs_spdm, &idx);
	struct xs_spd_leaf *leaf;

	if (!l)
		return NULL;
	leaf = spd_level(l, &xs_spdd, XS_SPD_SCOPE(gen, f->family, dir),
			 f->dst, bits);
	if (!leaf || !leaf->src_class)
		return leaf;
	return spd_level(&leaf->src_lens, &xs_spds, leaf->src_class, f->src,
			 bits);
}

/*
 * 1 with *hit filled if a policy of direction dir matches, else 0. A global
 * function: the verifier checks it once, not at every call site.
 */
__noinline int spd_lookup(const struct xs_flow *f, __u32 dir, __u32 gen,
			  struct xs_spd_hit *hit)
{
	struct xs_spd_leaf *leaf;
	int i;

	if (!f || !hit)
		return 0;
	leaf = spd_leaf(f, gen, dir);
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
