// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's indexes over its SAD slots (loader/sad.c), so that an SA
 * install or removal costs the same with 10 SAs or 60000:
 *
 *   id     (spi, proto) -> slots: state lookups, duplicates, free SPIs;
 *   reqid  (dir, proto, reqid) -> slots: templates with a reqid;
 *   addr   (dir, proto, family, src, dst) -> slots: templates by address;
 *   used   a bitmap of the slots holding an SA, for the lowest free slot.
 *
 * Chains run through per-slot arrays (XS_SA_NONE ends them). A slot is in
 * every index from xs_sai_insert() to xs_sai_remove(), with the fields it
 * had when inserted (the daemon never changes them in place). Slots are
 * inserted in install order, at the head: every chain runs from the newest
 * SA to the oldest, so a template's newest usable SA is the first that fits.
 */
#include <stdlib.h>
#include <string.h>

#include "loader/args.h"
#include "loader/daemon.h"

enum { IDX_ID, IDX_REQID, IDX_ADDR, IDX_N };

struct xs_sad_index {
	uint32_t nb;			/* buckets per index, power of 2 */
	uint32_t *head[IDX_N], *next[IDX_N];
	uint64_t *used;
	uint32_t nused;
	uint32_t free_hint;		/* no free slot in words below it */
};

static uint32_t mix(uint32_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;	/* FNV-1a */
	return h;
}

static uint32_t hash_of(int idx, const struct xs_sad_entry *e, uint8_t dir)
{
	uint32_t h = mix(2166136261u, &e->proto, 1);

	if (idx == IDX_ID)
		return mix(h, (const uint8_t *)&e->spi, 4);
	h = mix(h, &dir, 1);
	if (idx == IDX_REQID)
		return mix(h, (const uint8_t *)&e->reqid, 4);
	h = mix(mix(h, &e->family, 1), e->src, 16);
	return mix(h, e->dst, 16);
}

static uint32_t *bucket(struct xs_sad_index *x, int idx,
			const struct xs_sad_entry *e, uint8_t dir)
{
	return &x->head[idx][hash_of(idx, e, dir) & (x->nb - 1)];
}

static uint32_t next(const struct xs_sad_index *x, int idx, uint32_t s)
{
	return x->next[idx][s];
}

int xs_sai_init(struct xs_daemon *d)
{
	struct xs_sad_index *x = calloc(1, sizeof(*x));
	uint32_t words = (d->sad_slots + 63) / 64;
	int i;

	if (!x)
		return -1;
	d->sai = x;
	for (x->nb = 1; x->nb < d->sad_slots; x->nb *= 2)
		;
	x->used = calloc(words, sizeof(*x->used));
	for (i = 0; i < IDX_N; i++) {
		x->head[i] = malloc(x->nb * sizeof(uint32_t));
		x->next[i] = malloc(d->sad_slots * sizeof(uint32_t));
		if (!x->head[i] || !x->next[i] || !x->used)
			return -1;
		memset(x->head[i], 0xff, x->nb * sizeof(uint32_t));
	}
	return 0;
}

void xs_sai_fini(struct xs_daemon *d)
{
	struct xs_sad_index *x = d->sai;
	int i;

	if (!x)
		return;
	for (i = 0; i < IDX_N; i++) {
		free(x->head[i]);
		free(x->next[i]);
	}
	free(x->used);
	free(x);
	d->sai = NULL;
}

void xs_sai_insert(struct xs_daemon *d, uint32_t slot)
{
	struct xs_sad_index *x = d->sai;
	const struct xs_sad_entry *e = &d->sad[slot];
	uint32_t *h;
	int i;

	for (i = 0; i < IDX_N; i++) {
		h = bucket(x, i, e, e->dir);
		x->next[i][slot] = *h;
		*h = slot;
	}
	x->used[slot / 64] |= 1ull << (slot % 64);
	x->nused++;
}

void xs_sai_remove(struct xs_daemon *d, uint32_t slot)
{
	struct xs_sad_index *x = d->sai;
	const struct xs_sad_entry *e = &d->sad[slot];
	uint32_t *p;
	int i;

	for (i = 0; i < IDX_N; i++) {
		p = bucket(x, i, e, e->dir);
		while (*p != XS_SA_NONE && *p != slot)
			p = &x->next[i][*p];
		if (*p == slot)
			*p = x->next[i][slot];
	}
	x->used[slot / 64] &= ~(1ull << (slot % 64));
	x->nused--;
	if (slot / 64 < x->free_hint)
		x->free_hint = slot / 64;
}

uint32_t xs_sad_count(const struct xs_daemon *d)
{
	return d->sai->nused;
}

uint32_t xs_sai_next(const struct xs_daemon *d, uint32_t from)
{
	uint32_t w = from / 64, words = (d->sad_slots + 63) / 64;
	uint64_t bits;

	if (from >= d->sad_slots)
		return XS_SA_NONE;
	bits = d->sai->used[w] & (~0ull << (from % 64));
	while (!bits && ++w < words)
		bits = d->sai->used[w];
	return bits ? w * 64 + (uint32_t)__builtin_ctzll(bits) : XS_SA_NONE;
}

/* The lowest slot with no SA whose entry is empty, or XS_SA_NONE. */
uint32_t xs_sai_free_slot(struct xs_daemon *d)
{
	struct xs_sad_index *x = d->sai;
	uint32_t w, s, words = (d->sad_slots + 63) / 64;
	uint64_t avail;

	while (x->free_hint < words && !~x->used[x->free_hint])
		x->free_hint++;
	for (w = x->free_hint; w < words; w++) {
		for (avail = ~x->used[w]; avail; avail &= avail - 1) {
			s = w * 64 + (uint32_t)__builtin_ctzll(avail);
			if (s >= d->sad_slots)
				return XS_SA_NONE;
			if (d->sad[s].state == XS_SA_EMPTY)
				return s;
		}
	}
	return XS_SA_NONE;
}

bool xs_sad_spi_used(const struct xs_daemon *d, uint8_t proto, uint32_t spi)
{
	struct xs_sad_index *x = d->sai;
	struct xs_sad_entry k = { .spi = spi, .proto = proto };
	uint32_t s;

	for (s = *bucket(x, IDX_ID, &k, 0); s != XS_SA_NONE;
	     s = next(x, IDX_ID, s))
		if (d->sad[s].spi == spi && d->sad[s].proto == proto)
			return true;
	return false;
}

uint32_t xs_sad_find(const struct xs_daemon *d, const struct xs_sa_id *id)
{
	struct xs_sad_index *x = d->sai;
	struct xs_sad_entry k = { .spi = id->spi, .proto = id->proto };
	const struct xs_sad_entry *e;
	uint32_t s;

	for (s = *bucket(x, IDX_ID, &k, 0); s != XS_SA_NONE;
	     s = next(x, IDX_ID, s)) {
		e = &d->sad[s];
		if (e->spi == id->spi && e->proto == id->proto &&
		    e->family == id->family && !memcmp(e->dst, id->dst, 16) &&
		    (xs_addr_zero(id->src) || !memcmp(e->src, id->src, 16)))
			return s;
	}
	return XS_SA_NONE;
}

static uint8_t sa_dir(const struct xs_spd_policy *p)
{
	return p->dir == XS_SPD_OUT ? XS_DIR_OUT : XS_DIR_IN;
}

bool xs_sai_tmpl_match(const struct xs_daemon *d, uint32_t slot,
		       const struct xs_spd_policy *p, uint32_t spi)
{
	const struct xs_sad_entry *e = &d->sad[slot];

	if (e->dir != sa_dir(p) || e->proto != p->tmpl_proto ||
	    e->mode != p->tmpl_mode || (spi && e->spi != spi))
		return false;
	if (p->reqid)
		return e->reqid == p->reqid;
	return !p->tmpl_family ||
	       (e->family == p->tmpl_family &&
		!memcmp(e->src, p->tmpl_src, 16) &&
		!memcmp(e->dst, p->tmpl_dst, 16));
}

static bool better(const struct xs_daemon *d, uint32_t s, uint32_t best)
{
	return d->sad[s].state != XS_SA_DEAD &&
	       (best == XS_SA_NONE || d->sas[s].order > d->sas[best].order);
}

/* A template without reqid or addresses: any slot may match. */
static uint32_t scan_all(const struct xs_daemon *d,
			 const struct xs_spd_policy *p, uint32_t spi)
{
	uint32_t s, best = XS_SA_NONE;

	for (s = xs_sai_next(d, 0); s != XS_SA_NONE; s = xs_sai_next(d, s + 1))
		if (xs_sai_tmpl_match(d, s, p, spi) && better(d, s, best))
			best = s;
	return best;
}

uint32_t xs_sad_for_policy(const struct xs_daemon *d,
			   const struct xs_spd_policy *p, uint32_t spi)
{
	struct xs_sad_index *x = d->sai;
	struct xs_sad_entry k = { .proto = p->tmpl_proto, .reqid = p->reqid,
				  .family = p->tmpl_family };
	int idx = p->reqid ? IDX_REQID : IDX_ADDR;
	uint32_t s;

	if (!p->reqid && !p->tmpl_family)
		return scan_all(d, p, spi);
	memcpy(k.src, p->tmpl_src, 16);
	memcpy(k.dst, p->tmpl_dst, 16);
	for (s = *bucket(x, idx, &k, sa_dir(p)); s != XS_SA_NONE;
	     s = next(x, idx, s))
		if (xs_sai_tmpl_match(d, s, p, spi) &&
		    d->sad[s].state != XS_SA_DEAD)
			return s;
	return XS_SA_NONE;
}
