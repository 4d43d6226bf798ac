// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The policies IKE puts into the SPD (loader/spd.c): PROTECT policies for
 * the narrowed selectors of each Child SA with its reqid, `out` local ->
 * remote and `fwd` (tunnel) or `in` (transport) remote -> local, so that
 * plaintext which should have come protected is dropped; the trap
 * policies of `start_action = trap` children; BYPASS for IKE's own
 * datagrams. Traffic selectors are address ranges, policies prefixes: a
 * range becomes the prefixes that cover it exactly.
 *
 * Policies are kept per reqid: a rekey's new Child SA finds them in place
 * (they switch to the newest outbound SA by themselves, xs_spd_relink);
 * they go when the last Child SA of their reqid goes, unless they are
 * trap policies, which stay while the configuration does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "loader/ike_policy.h"
#include "maps/types.h"

enum {
	PRIO_BASE = 10000,		/* longer prefixes get lower numbers */
};

static bool bit(const uint8_t *a, int i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

/* Is [a with bits from len on cleared, ... set] inside [a, end]? */
static bool block_fits(const uint8_t *a, const uint8_t *end, int len,
		       int bits)
{
	uint8_t top[16];
	int i;

	for (i = len; i < bits; i++)
		if (bit(a, i))
			return false;
	memcpy(top, a, 16);
	for (i = len; i < bits; i++)
		top[i / 8] |= 0x80 >> (i % 8);
	return memcmp(top, end, bits / 8) <= 0;
}

/* a = a | host mask of len, plus one; false when it wraps. */
static bool next_block(uint8_t *a, int len, int bits)
{
	int i;

	for (i = len; i < bits; i++)
		a[i / 8] |= 0x80 >> (i % 8);
	for (i = bits / 8 - 1; i >= 0; i--)
		if (++a[i])
			return true;
	return false;
}

/* The prefixes that cover [start, end] exactly; count, -1 if too many. */
int xs_ike_range_prefixes(const struct ike_ts *ts, struct xs_ike_pfx *out)
{
	int bits = ts->type == IKEV2_TS_IPV6_ADDR_RANGE ? 128 : 32, n = 0, len;
	uint8_t cur[16] = { 0 };

	memcpy(cur, ts->start, bits / 8);
	for (;;) {
		if (n >= XS_IKE_TS_PREFIXES_MAX)
			return -1;
		for (len = 0; !block_fits(cur, ts->end, len, bits); len++)
			;
		memcpy(out[n].addr, cur, 16);
		out[n++].len = len;
		if (!next_block(cur, len, bits) || memcmp(cur, ts->end, bits / 8) > 0)
			return n;
	}
}

uint8_t xs_ike_ts_family(const struct ike_ts *ts)
{
	return ts->type == IKEV2_TS_IPV6_ADDR_RANGE ? XS_AF_INET6 :
	       ts->type == IKEV2_TS_IPV4_ADDR_RANGE ? XS_AF_INET : 0;
}

/* The protocol of a TS pair: one side's, if the other says any. */
int xs_ike_pair_proto(const struct ike_ts *l, const struct ike_ts *r)
{
	if (l->proto && r->proto && l->proto != r->proto)
		return -1;
	return l->proto ? l->proto : r->proto;
}
/* ---- the policy table --------------------------------------------------- */

bool xs_ike_reqid_in_use(const struct xs_ike *ike, uint32_t reqid)
{
	size_t i;

	for (i = 0; i < ike->nchildren; i++)
		if (ike->children[i].reqid == reqid)
			return true;
	return false;
}

int xs_ike_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? 2 * *cap : 16;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, c * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

const struct xs_ike_pol *xs_ike_pol_find(const struct xs_ike *ike,
					 const struct xs_spd_policy *sel)
{
	size_t i;

	for (i = 0; i < ike->npols; i++)
		if (xs_pol_same_sel(&ike->pols[i].sel, sel))
			return &ike->pols[i];
	return NULL;
}

/* Deletes the policies of reqid (trap ones only if traps too). */
void xs_ike_pols_delete(struct xs_daemon *d, uint32_t reqid, bool traps)
{
	struct xs_ike *ike = d->ike;
	char why[XS_WHY_MAX];
	size_t i = 0;

	while (i < ike->npols) {
		struct xs_ike_pol *p = &ike->pols[i];

		if (p->reqid != reqid || (p->trap && !traps)) {
			i++;
			continue;
		}
		if (xs_spd_delete(d, &p->sel, why))
			pr_warn("IKE: reqid %u: %s", reqid, why);
		*p = ike->pols[--ike->npols];
	}
}

/* ---- policies ---------------------------------------------------------- */


static void pol_fill(struct xs_spd_policy *p, const struct xs_ike_pol_tmpl *t,
		     const struct xs_ike_pfx *src, const struct xs_ike_pfx *dst,
		     const struct ike_ts *ts_src, const struct ike_ts *ts_dst,
		     uint8_t proto, uint8_t dir)
{
	bool out = dir == XS_SPD_OUT;

	memset(p, 0, sizeof(*p));
	p->family = xs_ike_ts_family(ts_src);
	memcpy(p->src, src->addr, 16);
	memcpy(p->dst, dst->addr, 16);
	p->src_len = src->len;
	p->dst_len = dst->len;
	p->proto = proto;
	p->sport_lo = proto ? ts_src->start_port : 0;
	p->sport_hi = proto ? ts_src->end_port : 65535;
	p->dport_lo = proto ? ts_dst->start_port : 0;
	p->dport_hi = proto ? ts_dst->end_port : 65535;
	p->dir = dir;
	p->priority = PRIO_BASE - 2 * (src->len + dst->len) - !!proto;
	p->action = XS_SPD_PROTECT;
	p->tmpl_proto = t->proto;
	p->tmpl_mode = t->mode;
	p->tmpl_family = t->family;
	memcpy(p->tmpl_src, out ? t->local : t->remote, 16);
	memcpy(p->tmpl_dst, out ? t->remote : t->local, 16);
	p->reqid = t->reqid;
	p->sa_slot = XS_SA_NONE;
}

static int pol_add(struct xs_daemon *d, const struct xs_ike_pol_tmpl *t,
		   const struct xs_spd_policy *p, char *why)
{
	struct xs_ike *ike = d->ike;
	const struct xs_ike_pol *have = xs_ike_pol_find(ike, p);
	struct xs_pol_req r = { .pol = *p, .tmpl = true };

	if (have && have->reqid == t->reqid)
		return 0;
	if (xs_ike_grow((void **)&ike->pols, &ike->pol_cap, ike->npols, sizeof(*ike->pols)))
		return xs_why(why, "out of memory");
	if (xs_spd_add(d, &r, why))
		return -1;
	ike->pols[ike->npols++] = (struct xs_ike_pol){ .sel = *p, .reqid = t->reqid,
						       .trap = t->trap };
	return 0;
}

/* out local -> remote, and fwd (tunnel) or in (transport) back. */
static int pair_policies(struct xs_daemon *d, const struct xs_ike_pol_tmpl *t,
			 const struct ike_ts *l, const struct ike_ts *r,
			 char *why)
{
	struct xs_ike_pfx lp[XS_IKE_TS_PREFIXES_MAX], rp[XS_IKE_TS_PREFIXES_MAX];
	int nl = xs_ike_range_prefixes(l, lp), nr = xs_ike_range_prefixes(r, rp), i, j;
	int proto = xs_ike_pair_proto(l, r);
	struct xs_spd_policy p;

	if (nl < 0 || nr < 0 || nl * nr * 2 > XS_IKE_CHILD_POLICIES_MAX)
		return xs_why(why, "traffic selectors need more than %d policies",
			      XS_IKE_CHILD_POLICIES_MAX);
	for (i = 0; i < nl; i++)
		for (j = 0; j < nr; j++) {
			pol_fill(&p, t, &lp[i], &rp[j], l, r, proto, XS_SPD_OUT);
			if (pol_add(d, t, &p, why))
				return -1;
			pol_fill(&p, t, &rp[j], &lp[i], r, l, proto,
				 t->mode ? XS_SPD_FWD : XS_SPD_IN);
			if (pol_add(d, t, &p, why))
				return -1;
		}
	return 0;
}

/* A local and a remote selector that make policies: one family, and
 * protocols that agree. */
static bool pair_usable(const struct ike_ts *l, const struct ike_ts *r)
{
	return xs_ike_ts_family(l) && xs_ike_ts_family(l) == xs_ike_ts_family(r) &&
	       xs_ike_pair_proto(l, r) >= 0;
}

int xs_ike_ts_policies(const struct ike_ts_pld *lts, const struct ike_ts_pld *rts)
{
	struct xs_ike_pfx lp[XS_IKE_TS_PREFIXES_MAX], rp[XS_IKE_TS_PREFIXES_MAX];
	int i, j, nl, nr, n = 0;

	for (i = 0; i < lts->num; i++)
		for (j = 0; j < rts->num; j++) {
			const struct ike_ts *l = &lts->ts[i], *r = &rts->ts[j];

			if (!pair_usable(l, r))
				continue;
			nl = xs_ike_range_prefixes(l, lp);
			nr = xs_ike_range_prefixes(r, rp);
			if (nl < 0 || nr < 0)
				return -1;
			n += 2 * nl * nr;
		}
	return n;
}

int xs_ike_ts_policies_add(struct xs_daemon *d, const struct xs_ike_pol_tmpl *t,
		       const struct ike_ts_pld *lts,
		       const struct ike_ts_pld *rts, char *why)
{
	int i, j;

	for (i = 0; i < lts->num; i++)
		for (j = 0; j < rts->num; j++) {
			const struct ike_ts *l = &lts->ts[i], *r = &rts->ts[j];

			if (pair_usable(l, r) && pair_policies(d, t, l, r, why))
				return -1;
		}
	return 0;
}

/* ---- the configuration's policies: traps, IKE bypass -------------------- */

uint8_t xs_ike_dp_proto(uint8_t ike_proto)
{
	return ike_proto == IKEV2_PROTO_AH ? XS_PROTO_AH : XS_PROTO_ESP;
}

static int trap_child(struct xs_daemon *d, const struct ike_conn_cfg *cc,
		      size_t ci, int j, char *why)
{
	const struct ike_child_cfg *ch = &cc->children[j];
	struct xs_ike_pol_tmpl t = { .proto = xs_ike_dp_proto(ch->proto), .mode = !ch->transport,
			      .family = cc->local.len == 16 ? XS_AF_INET6 : XS_AF_INET,
			      .local = cc->local.addr, .remote = cc->remote.addr,
			      .reqid = ike_child_reqid(ci, (size_t)j), .trap = true };

	if (!cc->local.len || !cc->remote.len)
		return xs_why(why, "connections.%s.children.%s: start_action = trap needs local_addrs and remote_addrs",
			      cc->name, ch->name);
	return xs_ike_ts_policies_add(d, &t, &ch->local_ts, &ch->remote_ts, why);
}

/* IKE's own datagrams from a local address never go into a tunnel. */
static int ike_bypass(struct xs_daemon *d, const struct ike_addr *local,
		      char *why)
{
	static const uint16_t ports[] = { 500, 4500 };
	struct xs_pol_req r;
	size_t i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.pol.family = local->len == 16 ? XS_AF_INET6 : XS_AF_INET;
		memcpy(r.pol.src, local->addr, 16);
		r.pol.src_len = local->len * 8;
		r.pol.proto = XS_PROTO_UDP;
		r.pol.sport_lo = r.pol.sport_hi = ports[i];
		r.pol.dport_hi = 65535;
		r.pol.dir = XS_SPD_OUT;
		r.pol.action = XS_SPD_BYPASS;
		r.pol.sa_slot = XS_SA_NONE;
		if (xs_ike_pol_find(d->ike, &r.pol))
			continue;
		if (xs_ike_grow((void **)&d->ike->pols, &d->ike->pol_cap, d->ike->npols,
			 sizeof(*d->ike->pols)))
			return xs_why(why, "out of memory");
		if (xs_spd_add(d, &r, why))
			return -1;
		d->ike->pols[d->ike->npols++] = (struct xs_ike_pol){ .sel = r.pol,
								     .trap = true };
	}
	return 0;
}

int xs_ike_policies_install(struct xs_daemon *d, char *why)
{
	const struct xs_ike_conf *ic = &d->ike->conf;
	struct ike_addr any6 = { .len = 16 };
	size_t i;
	int j;

	for (i = 0; i < ic->nconns; i++)
		if (ike_bypass(d, ic->conns[i].local.len ? &ic->conns[i].local : &any6, why) ||
		    (!ic->conns[i].local.len && ike_bypass(d, &(struct ike_addr){ .len = 4 },
							  why)))
			return -1;
	for (i = 0; i < ic->nconns; i++)
		for (j = 0; j < ic->conns[i].nchildren; j++)
			if (ic->conns[i].children[j].start_action == IKE_START_TRAP &&
			    trap_child(d, &ic->conns[i], i, j, why))
				return -1;
	return 0;
}

/*
 * Before a new configuration: its BYPASS and trap policies go unless a
 * Child SA still uses them (those then go with it).
 */
void xs_ike_config_policies_drop(struct xs_daemon *d)
{
	struct xs_ike *ike = d->ike;
	char why[XS_WHY_MAX];
	size_t i = 0;

	while (i < ike->npols) {
		struct xs_ike_pol *p = &ike->pols[i];

		if (!p->trap || (p->reqid && xs_ike_reqid_in_use(ike, p->reqid))) {
			p->trap = false;
			i++;
			continue;
		}
		if (xs_spd_delete(d, &p->sel, why))
			pr_warn("IKE: %s", why);
		*p = ike->pols[--ike->npols];
	}
}
