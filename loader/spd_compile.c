// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * SPD compiler (design and bounds: maps/spd.h). For one direction and
 * family, level_lists() finds the distinct prefixes of one selector (the
 * destination, then within a class the source), decides whether that level
 * goes to the hash (few distinct lengths) or to a trie, and emits for each
 * prefix the ranked list of policies whose prefix contains it: the
 * prefix's ancestors are found by binary search, one per shorter length,
 * so the work is O(prefixes * address bits * log prefixes) plus the lists
 * themselves.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "loader/spd_compile.h"
#include "maps/cfg.h"

enum field { FIELD_SRC, FIELD_DST };

struct compiler {
	struct xs_spd_policy *pol;	/* normalized copies (out->policies) */
	size_t *rank;			/* rank[i]: position in priority order */
	unsigned int gen;
	struct xs_spd_compiled *out;
	const char **why;
};

/* One distinct prefix: the sorted policies [first, first + count). */
struct run {
	const __u8 *addr;
	__u8 len;
	size_t first;
	size_t count;
};

/* Where one level's entries go: the hash or a trie, with which key. */
struct level {
	struct xs_spd_entries *to;
	__u32 scope;
	bool hashed;
};

typedef int (*emit_fn)(struct compiler *cc, const struct run *r, size_t *list,
		       size_t cnt, const struct level *lv);

static const __u8 *pol_addr(const struct xs_spd_policy *p, enum field f)
{
	return f == FIELD_DST ? p->dst : p->src;
}

static __u8 pol_len(const struct xs_spd_policy *p, enum field f)
{
	return f == FIELD_DST ? p->dst_len : p->src_len;
}

static void mask_addr(__u8 *a, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (len >= 8 * (i + 1))
			continue;
		a[i] &= len > 8 * i ? (__u8)(0xff00 >> (len - 8 * i)) : 0;
	}
}

static int pfx_cmp(const __u8 *a, __u8 alen, const __u8 *b, __u8 blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, 16);
}

struct sort_ctx {
	struct compiler *cc;
	enum field field;
};

static int by_prefix_rank(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *s = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const struct xs_spd_policy *pa = &s->cc->pol[ia], *pb = &s->cc->pol[ib];
	int c = pfx_cmp(pol_addr(pa, s->field), pol_len(pa, s->field),
			pol_addr(pb, s->field), pol_len(pb, s->field));

	if (c)
		return c;
	return s->cc->rank[ia] < s->cc->rank[ib] ? -1 : 1;
}

static int by_rank(const void *a, const void *b, void *arg)
{
	const size_t *rank = arg;
	size_t ra = rank[*(const size_t *)a], rb = rank[*(const size_t *)b];

	return ra < rb ? -1 : ra > rb;
}

static int run_cmp(const void *key, const void *elem)
{
	const struct run *k = key, *r = elem;

	return pfx_cmp(k->addr, k->len, r->addr, r->len);
}

/* Group the sorted indices into runs of one prefix; returns the count. */
static size_t make_runs(struct compiler *cc, const size_t *sorted, size_t n,
			enum field f, struct run *runs)
{
	size_t i, nr = 0;

	for (i = 0; i < n; i++) {
		const struct xs_spd_policy *p = &cc->pol[sorted[i]];

		if (nr && !pfx_cmp(runs[nr - 1].addr, runs[nr - 1].len,
				   pol_addr(p, f), pol_len(p, f))) {
			runs[nr - 1].count++;
			continue;
		}
		runs[nr++] = (struct run){ pol_addr(p, f), pol_len(p, f), i, 1 };
	}
	return nr;
}

/*
 * The ranked policies whose prefix contains r's (r's ancestors and r);
 * has_len[l]: some run has length l (no other length can hold one).
 */
static size_t ancestors(struct compiler *cc, const size_t *sorted,
			const struct run *runs, size_t nr, const struct run *r,
			const bool *has_len, size_t *list)
{
	struct run key;
	__u8 addr[16];
	size_t cnt = 0, k;
	unsigned int len;

	for (len = 0; len <= r->len; len++) {
		const struct run *a;

		if (!has_len[len])
			continue;
		memcpy(addr, r->addr, sizeof(addr));
		mask_addr(addr, len);
		key.addr = addr;
		key.len = len;
		a = bsearch(&key, runs, nr, sizeof(*runs), run_cmp);
		for (k = 0; a && k < a->count; k++)
			list[cnt++] = sorted[a->first + k];
	}
	qsort_r(list, cnt, sizeof(*list), by_rank, cc->rank);
	return cnt;
}

/* The distinct lengths of the sorted runs, longest first, or the trie. */
static void choose_lens(const struct run *runs, size_t nr,
			struct xs_spd_lens *l)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = nr; i-- > 0;) {
		if (l->n && l->len[l->n - 1] == runs[i].len)
			continue;
		if (l->n == XS_SPD_HASH_LENS) {
			memset(l, 0, sizeof(*l));
			l->trie = 1;
			return;
		}
		l->len[l->n++] = runs[i].len;
	}
}

static int level_lists(struct compiler *cc, const size_t *idx, size_t n,
		       enum field f, emit_fn emit, __u32 scope,
		       struct xs_spd_lens *lens)
{
	struct level lv = { .scope = scope };
	struct sort_ctx sc = { cc, f };
	bool has_len[129] = { false };
	size_t *sorted = malloc(n * sizeof(*sorted));
	size_t *list = malloc(n * sizeof(*list));
	struct run *runs = malloc(n * sizeof(*runs));
	size_t nr, i;
	int ret = -ENOMEM;

	if (!sorted || !list || !runs)
		goto out;
	memcpy(sorted, idx, n * sizeof(*sorted));
	qsort_r(sorted, n, sizeof(*sorted), by_prefix_rank, &sc);
	nr = make_runs(cc, sorted, n, f, runs);
	for (i = 0; i < nr; i++)
		has_len[runs[i].len] = true;
	choose_lens(runs, nr, lens);
	lv.hashed = !lens->trie;
	lv.to = lv.hashed ? &cc->out->hash :
		f == FIELD_DST ? &cc->out->dst : &cc->out->src;
	ret = 0;
	for (i = 0; i < nr && !ret; i++)
		ret = emit(cc, &runs[i], list,
			   ancestors(cc, sorted, runs, nr, &runs[i], has_len,
				     list), &lv);
out:
	free(sorted);
	free(list);
	free(runs);
	return ret;
}

static bool rest_is_wild(const struct xs_spd_policy *p)
{
	return !p->proto && !p->sport_lo && p->sport_hi == 0xffff &&
	       !p->dport_lo && p->dport_hi == 0xffff;
}

/* Cut the list after the first policy that matches everything left. */
static size_t prune(struct compiler *cc, const size_t *list, size_t cnt,
		    enum field f)
{
	size_t i;

	for (i = 0; i < cnt; i++) {
		const struct xs_spd_policy *p = &cc->pol[list[i]];

		if (rest_is_wild(p) && (f == FIELD_SRC || !p->src_len))
			return i + 1;
	}
	return cnt;
}

/* Append r's entry to lv's vector; its index, or -1 with *why or ENOMEM. */
static long push(struct compiler *cc, const struct level *lv,
		 const struct run *r)
{
	struct xs_spd_entries *v = lv->to;
	struct xs_spd_entry *e;

	if (v->n >= XS_SPD_TRIE_MAX) {
		*cc->why = "too many SPD lookup entries";
		return -1;
	}
	if (!(v->n & (v->n + 1))) {	/* grow at 0, 1, 3, 7, ... */
		e = realloc(v->e, (2 * v->n + 1) * sizeof(*e));
		if (!e)
			return -1;
		v->e = e;
	}
	e = &v->e[v->n];
	memset(e, 0, sizeof(*e));
	e->key.prefixlen = (lv->hashed ? 0 : XS_SPD_SCOPE_BITS) + r->len;
	e->key.scope = lv->scope;
	memcpy(e->key.addr, r->addr, sizeof(e->key.addr));
	return (long)v->n++;
}

/* with_src: the candidates still need their source prefix checked. */
static int fill_leaf(struct compiler *cc, struct xs_spd_leaf *leaf,
		     const size_t *list, size_t cnt, bool with_src)
{
	size_t i;

	if (cnt > XS_SPD_LEAF_MAX) {
		*cc->why = "more SPD policies share prefixes than a leaf holds";
		return -E2BIG;
	}
	leaf->count = cnt;
	for (i = 0; i < cnt; i++) {
		const struct xs_spd_policy *p = &cc->pol[list[i]];
		struct xs_spd_cand *c = &leaf->cand[i];

		c->policy = XS_SPD_IDX(cc->gen, list[i]);
		c->action = p->action;
		c->proto = p->proto;
		c->sport_lo = p->sport_lo;
		c->sport_hi = p->sport_hi;
		c->dport_lo = p->dport_lo;
		c->dport_hi = p->dport_hi;
		if (with_src) {
			c->src_len = p->src_len;
			memcpy(c->src, p->src, sizeof(c->src));
		}
	}
	return 0;
}

static int emit_src(struct compiler *cc, const struct run *r, size_t *list,
		    size_t cnt, const struct level *lv)
{
	long at = push(cc, lv, r);

	if (at < 0)
		return *cc->why ? -E2BIG : -ENOMEM;
	return fill_leaf(cc, &lv->to->e[at].leaf, list,
			 prune(cc, list, cnt, FIELD_SRC), false);
}

/* Short lists keep their source prefixes; long ones get a source level. */
static int emit_dst(struct compiler *cc, const struct run *r, size_t *list,
		    size_t cnt, const struct level *lv)
{
	long at = push(cc, lv, r);
	struct xs_spd_lens lens;
	__u32 class;
	int ret;

	if (at < 0)
		return *cc->why ? -E2BIG : -ENOMEM;
	cnt = prune(cc, list, cnt, FIELD_DST);
	if (cnt <= XS_SPD_LEAF_MAX)
		return fill_leaf(cc, &lv->to->e[at].leaf, list, cnt, true);
	class = (cc->gen ? XS_SPD_CLASS_GEN : 0) | XS_SPD_CLASS |
		(__u32)++cc->out->n_classes;
	ret = level_lists(cc, list, cnt, FIELD_SRC, emit_src, class, &lens);
	/* the source level may have moved lv->to's vector */
	lv->to->e[at].leaf.src_class = class;
	lv->to->e[at].leaf.src_lens = lens;
	return ret;
}

static int check_policy(const struct xs_spd_policy *p, const char **why)
{
	unsigned int max = p->family == XS_AF_INET ? 32 : 128;

	if (p->family != XS_AF_INET && p->family != XS_AF_INET6)
		*why = "SPD policy: bad address family";
	else if (p->dir >= XS_SPD_DIRS)
		*why = "SPD policy: bad direction";
	else if (p->action > XS_SPD_PROTECT)
		*why = "SPD policy: bad action";
	else if (p->src_len > max || p->dst_len > max)
		*why = "SPD policy: prefix longer than the address";
	else if (p->sport_lo > p->sport_hi || p->dport_lo > p->dport_hi)
		*why = "SPD policy: empty port range";
	else
		return 0;
	return -EINVAL;
}

static int by_priority(const void *a, const void *b, void *arg)
{
	const struct xs_spd_policy *pol = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;

	if (pol[ia].priority != pol[ib].priority)
		return pol[ia].priority < pol[ib].priority ? -1 : 1;
	if (pol[ia].id != pol[ib].id)
		return pol[ia].id < pol[ib].id ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* Validate and normalize the policies, and rank them. */
static int prepare(struct compiler *cc, const struct xs_spd_policy *pols,
		   size_t n, size_t *order)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = check_policy(&pols[i], cc->why);
		if (ret)
			return ret;
		cc->pol[i] = pols[i];
		mask_addr(cc->pol[i].src, cc->pol[i].src_len);
		mask_addr(cc->pol[i].dst, cc->pol[i].dst_len);
		order[i] = i;
	}
	qsort_r(order, n, sizeof(*order), by_priority, cc->pol);
	for (i = 0; i < n; i++)
		cc->rank[order[i]] = i;
	return 0;
}

/* One trie scope per direction and family. */
static int compile_groups(struct compiler *cc, size_t n, size_t *idx)
{
	static const __u8 families[] = { XS_AF_INET, XS_AF_INET6 };
	unsigned int dir, fi;
	size_t i, cnt;
	int ret;

	for (dir = 0; dir < XS_SPD_DIRS; dir++) {
		for (fi = 0; fi < 2; fi++) {
			for (i = 0, cnt = 0; i < n; i++)
				if (cc->pol[i].dir == dir &&
				    cc->pol[i].family == families[fi])
					idx[cnt++] = i;
			if (!cnt)
				continue;
			ret = level_lists(cc, idx, cnt, FIELD_DST, emit_dst,
					  XS_SPD_SCOPE(cc->gen, families[fi], dir),
					  &cc->out->lens[XS_SPD_SCOPE_IDX(0, families[fi], dir)]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int xs_spd_compile(const struct xs_spd_policy *pols, size_t n,
		   unsigned int gen, struct xs_spd_compiled *out,
		   const char **why)
{
	struct compiler cc = { .gen = gen, .out = out, .why = why };
	size_t *idx = NULL;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (gen > 1 || n > XS_SPD_LIMIT_MAX) {
		*why = gen > 1 ? "SPD generation is 0 or 1" : "too many SPD policies";
		return -EINVAL;
	}
	out->gen = gen;
	out->n_policies = n;
	out->policies = cc.pol = calloc(n + 1, sizeof(*cc.pol));
	cc.rank = calloc(n + 1, sizeof(*cc.rank));
	idx = calloc(n + 1, sizeof(*idx));
	if (cc.pol && cc.rank && idx) {
		ret = prepare(&cc, pols, n, idx);
		if (!ret)
			ret = compile_groups(&cc, n, idx);
	}
	free(cc.rank);
	free(idx);
	if (ret) {
		if (!*why)
			*why = "out of memory compiling the SPD";
		xs_spd_compiled_free(out);
	}
	return ret;
}

void xs_spd_compiled_free(struct xs_spd_compiled *c)
{
	free(c->policies);
	free(c->hash.e);
	free(c->dst.e);
	free(c->src.e);
	memset(c, 0, sizeof(*c));
}

static int write_entries(int fd, const struct xs_spd_entries *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (bpf_map_update_elem(fd, &v->e[i].key, &v->e[i].leaf, BPF_ANY))
			return -errno;
	return 0;
}

/* The key belongs to the other generation (a level-1 scope or a class). */
static bool stale(const struct xs_spd_key *k, unsigned int gen)
{
	if (k->scope & XS_SPD_CLASS)
		return !!(k->scope & XS_SPD_CLASS_GEN) != !!gen;
	return (k->scope >> 16) != gen;
}

/* Delete every key of the other generation: collect first, then delete. */
static int delete_stale(int fd, unsigned int gen)
{
	struct xs_spd_key key, *prev = NULL, *doomed = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int ret = 0;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		if (stale(&key, gen)) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				grown = realloc(doomed, cap * sizeof(*doomed));
				if (!grown) {
					ret = -ENOMEM;
					goto out;
				}
				doomed = grown;
			}
			doomed[n++] = key;
		}
		prev = &key;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &doomed[i]) && errno != ENOENT)
			ret = -errno;
out:
	free(doomed);
	return ret;
}

int xs_spd_commit(const struct xs_spd_compiled *c,
		  const struct xs_spd_fds *fds, const char **why)
{
	struct xs_cfg cfg;
	__u32 zero = 0, i, slot;
	int ret;

	*why = "writing the SPD maps";
	for (i = 0; i < c->n_policies; i++) {
		slot = XS_SPD_IDX(c->gen, i);
		if (bpf_map_update_elem(fds->spd, &slot, &c->policies[i], BPF_ANY))
			return -errno;
	}
	ret = write_entries(fds->spds, &c->src);
	if (!ret)
		ret = write_entries(fds->spdd, &c->dst);
	if (!ret)
		ret = write_entries(fds->spdh, &c->hash);
	if (ret)
		return ret;
	for (i = 0; i < XS_SPD_SCOPES / 2; i++) {
		slot = c->gen * (XS_SPD_SCOPES / 2) + i;
		if (bpf_map_update_elem(fds->spdm, &slot, &c->lens[i], BPF_ANY))
			return -errno;
	}
	*why = "switching the SPD generation";
	if (bpf_map_lookup_elem(fds->cfg, &zero, &cfg))
		return -errno;
	cfg.spd_gen = c->gen;
	if (bpf_map_update_elem(fds->cfg, &zero, &cfg, BPF_ANY))
		return -errno;
	*why = "deleting the previous SPD generation";
	ret = delete_stale(fds->spdd, c->gen);
	if (!ret)
		ret = delete_stale(fds->spds, c->gen);
	if (!ret)
		ret = delete_stale(fds->spdh, c->gen);
	if (!ret)
		*why = NULL;
	return ret;
}

static int by_key(const void *a, const void *b)
{
	return memcmp(&((const struct xs_spd_entry *)a)->key,
		      &((const struct xs_spd_entry *)b)->key,
		      sizeof(struct xs_spd_key));
}

/* fd holds was's entries: make them v's (both sorted here). */
static int write_diff(int fd, struct xs_spd_entries *v,
		      struct xs_spd_entries *was)
{
	size_t i = 0, j = 0;
	int c;

	qsort(v->e, v->n, sizeof(*v->e), by_key);
	qsort(was->e, was->n, sizeof(*was->e), by_key);
	while (i < v->n || j < was->n) {
		c = i == v->n ? 1 : j == was->n ? -1 : by_key(&v->e[i], &was->e[j]);
		if (c > 0) {
			if (bpf_map_delete_elem(fd, &was->e[j++].key) && errno != ENOENT)
				return -errno;
			continue;
		}
		if ((c < 0 || memcmp(&v->e[i].leaf, &was->e[j].leaf,
				     sizeof(v->e[i].leaf))) &&
		    bpf_map_update_elem(fd, &v->e[i].key, &v->e[i].leaf, BPF_ANY))
			return -errno;
		j += !c;
		i++;
	}
	return 0;
}

/* No record of c's generation: clear it (the other one stays), write c. */
static int write_all(struct xs_spd_compiled *c, const struct xs_spd_fds *fds)
{
	struct xs_spd_entries none = { 0 };
	int ret;

	ret = delete_stale(fds->spdd, !c->gen);
	if (!ret)
		ret = delete_stale(fds->spds, !c->gen);
	if (!ret)
		ret = delete_stale(fds->spdh, !c->gen);
	if (!ret)
		ret = write_diff(fds->spds, &c->src, &none);
	if (!ret)
		ret = write_diff(fds->spdd, &c->dst, &none);
	if (!ret)
		ret = write_diff(fds->spdh, &c->hash, &none);
	return ret;
}

static int write_policies(const struct xs_spd_compiled *c,
			  const struct xs_spd_compiled *was, int fd)
{
	__u32 i, slot;

	for (i = 0; i < c->n_policies; i++) {
		if (was && i < was->n_policies &&
		    !memcmp(&c->policies[i], &was->policies[i], sizeof(*c->policies)))
			continue;
		slot = XS_SPD_IDX(c->gen, i);
		if (bpf_map_update_elem(fd, &slot, &c->policies[i], BPF_ANY))
			return -errno;
	}
	return 0;
}

int xs_spd_commit_diff(struct xs_spd_compiled *c, struct xs_spd_compiled *was,
		       const struct xs_spd_fds *fds, const char **why)
{
	struct xs_cfg cfg;
	__u32 zero = 0, i, slot;
	int ret;

	*why = "writing the SPD maps";
	ret = write_policies(c, was, fds->spd);
	if (!ret && was)
		ret = write_diff(fds->spds, &c->src, &was->src);
	if (!ret && was)
		ret = write_diff(fds->spdd, &c->dst, &was->dst);
	if (!ret && was)
		ret = write_diff(fds->spdh, &c->hash, &was->hash);
	if (!ret && !was)
		ret = write_all(c, fds);
	for (i = 0; !ret && i < XS_SPD_SCOPES / 2; i++) {
		slot = c->gen * (XS_SPD_SCOPES / 2) + i;
		if (bpf_map_update_elem(fds->spdm, &slot, &c->lens[i], BPF_ANY))
			ret = -errno;
	}
	if (ret)
		return ret;
	*why = "switching the SPD generation";
	if (bpf_map_lookup_elem(fds->cfg, &zero, &cfg))
		return -errno;
	cfg.spd_gen = c->gen;
	if (bpf_map_update_elem(fds->cfg, &zero, &cfg, BPF_ANY))
		return -errno;
	*why = NULL;
	return 0;
}
