// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Child SAs from the IKE core into the dataplane (ike/ike.h ops): the
 * inbound SA first, then the outbound one (xs_sad_add, keys to the worker,
 * wiped here), then the policies of ike_policy.c. A rekey's new inbound SA
 * is installed at once, its outbound one when the SA it replaces is
 * deleted (ike_glue.h). The worker's soft and hard limits of our SAs go
 * back to the core (xs_ike_lifetimes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "engine/crypto.h"
#include "loader/ike_policy.h"
#include "maps/types.h"

enum {
	SPI_MIN = 256,			/* 1-255 are reserved (RFC 4303) */
	PENDING_OUT_MS = 2000,		/* a rekey's outbound SA waits at most */
	RETIRED_IN_MS = 3000,		/* a rekeyed inbound SA stays this long */
	RETIRED_MAX = 256,
};

static struct xs_ike_child *child_find(struct xs_ike *ike, uint8_t proto,
				       uint32_t spi_in)
{
	size_t i;

	for (i = 0; i < ike->nchildren; i++)
		if (ike->children[i].proto == proto &&
		    ike->children[i].spi_in == spi_in)
			return &ike->children[i];
	return NULL;
}

/* One inbound selector: from a remote prefix to a local one. */
static void sel_fill(struct xs_sa_sel *s, const struct xs_ike_pfx *rp,
		     const struct xs_ike_pfx *lp, const struct ike_ts *rt,
		     const struct ike_ts *l, uint8_t proto)
{
	*s = (struct xs_sa_sel){ .family = xs_ike_ts_family(l), .src_len = rp->len,
				 .dst_len = lp->len, .proto = proto,
				 .sport_lo = rt->start_port, .sport_hi = rt->end_port,
				 .dport_lo = l->start_port, .dport_hi = l->end_port };
	memcpy(s->src, rp->addr, 16);
	memcpy(s->dst, lp->addr, 16);
}

/* Inbound selectors: a TS pair's prefixes crossed; none (any packet) if
 * that takes more than XS_SA_SEL_MAX. */
static void in_selectors(struct xs_sa_req *r, const struct ike_child_install *c)
{
	struct xs_ike_pfx lp[XS_IKE_TS_PREFIXES_MAX], rp[XS_IKE_TS_PREFIXES_MAX];
	int i, j, k, m, nl, nr, proto;

	r->nsel = 0;
	for (i = 0; i < c->local_ts.num; i++)
		for (j = 0; j < c->remote_ts.num; j++) {
			const struct ike_ts *l = &c->local_ts.ts[i], *rt = &c->remote_ts.ts[j];

			proto = xs_ike_pair_proto(l, rt);
			if (!xs_ike_ts_family(l) || xs_ike_ts_family(l) != xs_ike_ts_family(rt) || proto < 0)
				continue;
			nl = xs_ike_range_prefixes(l, lp);
			nr = xs_ike_range_prefixes(rt, rp);
			if (nl < 0 || nr < 0 || r->nsel + nl * nr > XS_SA_SEL_MAX) {
				r->nsel = 0;
				return;
			}
			for (k = 0; k < nl; k++)
				for (m = 0; m < nr; m++)
					sel_fill(&r->sel[r->nsel++], &rp[m], &lp[k], rt, l,
						 proto);
		}
}

static void sa_limits(struct xs_sa_req *r, const struct ike_child_install *c)
{
	/* the core expires it on time; the dataplane's whole-second clock
	 * is a backstop a second later */
	r->hard_add_sec = c->life_time ? c->life_time + 1 : 0;
	r->cfg.hard_bytes = c->life_bytes;
	r->cfg.hard_packets = c->life_packets;
	/* the core rekeys by time itself; bytes and packets it learns from
	 * the dataplane's soft limits (xs_ike_lifetimes): the core's
	 * jittered ones, with a non-ESN SA's rekey before its 32-bit
	 * sequence number wraps */
	r->cfg.soft_bytes = c->rekey_bytes;
	r->cfg.soft_packets = c->rekey_packets;
}

static void sa_req(struct xs_sa_req *r, const struct ike_child_install *c,
		   bool in)
{
	struct xs_sa_cfg *k = &r->cfg;

	memset(r, 0, sizeof(*r));
	k->spi = in ? c->spi_in : c->spi_out;
	k->proto = c->proto == IKEV2_PROTO_AH ? XS_PROTO_AH : XS_PROTO_ESP;
	k->mode = c->transport ? XS_MODE_TRANSPORT : XS_MODE_TUNNEL;
	k->dir = in ? XS_DIR_IN : XS_DIR_OUT;
	k->family = c->local.len == 16 ? XS_AF_INET6 : XS_AF_INET;
	memcpy(k->src, in ? c->remote.addr : c->local.addr, 16);
	memcpy(k->dst, in ? c->local.addr : c->remote.addr, 16);
	k->enc = c->encr;
	k->integ = c->integ;
	k->enc_key_len = c->lens.encr;
	k->integ_key_len = c->lens.integ;
	memcpy(k->enc_key, in ? c->encr_in : c->encr_out, c->lens.encr);
	memcpy(k->integ_key, in ? c->integ_in : c->integ_out, c->lens.integ);
	if (c->esn)
		k->flags |= XS_SA_ESN;
	if (c->encap) {
		k->flags |= XS_SA_UDP_ENCAP;
		k->encap_sport = in ? c->remote.port : c->local.port;
		k->encap_dport = in ? c->local.port : c->remote.port;
	}
	k->replay_window = in ? c->replay_window : 0;
	r->reqid = c->reqid;
	sa_limits(r, c);
	if (in)
		in_selectors(r, c);
}

static void sa_id(struct xs_sa_id *id, const struct xs_ike_child *ch, bool in)
{
	memset(id, 0, sizeof(*id));
	id->family = ch->family;
	id->proto = ch->proto;
	id->spi = in ? ch->spi_in : ch->spi_out;
	memcpy(id->dst, in ? ch->local : ch->remote, 16);
}

/* Adds a request (keys wiped) and returns its slot, XS_SA_NONE if refused. */
static uint32_t sa_add_req(struct xs_daemon *d, struct xs_sa_req *r, char *why)
{
	struct xs_sa_id id = { .family = r->cfg.family, .proto = r->cfg.proto,
			       .spi = r->cfg.spi };
	int ret;

	memcpy(id.dst, r->cfg.dst, 16);
	ret = xs_sad_add(d, r, why);
	xs_sa_req_wipe(r);
	xs_wipe(r, sizeof(*r));
	return ret ? XS_SA_NONE : xs_sad_find(d, &id);
}

static uint32_t sa_add(struct xs_daemon *d, const struct ike_child_install *c,
		       bool in, char *why)
{
	struct xs_sa_req r;

	sa_req(&r, c, in);
	return sa_add_req(d, &r, why);
}

static void sa_del(struct xs_daemon *d, const struct xs_ike_child *ch, bool in)
{
	char why[XS_WHY_MAX];
	struct xs_sa_id id;

	sa_id(&id, ch, in);
	if (xs_sad_find(d, &id) != XS_SA_NONE && xs_sad_delete(d, &id, why))
		pr_warn("IKE: %s", why);
}

/* Undo a failed install: its SAs and the policies it added. */
static void install_undo(struct xs_daemon *d, const struct xs_ike_child *ch,
			 size_t npols)
{
	struct xs_ike *ike = d->ike;
	char why[XS_WHY_MAX];

	while (ike->npols > npols)
		if (xs_spd_delete(d, &ike->pols[--ike->npols].sel, why))
			pr_warn("IKE: %s", why);
	sa_del(d, ch, false);
	sa_del(d, ch, true);
}

/* A rekey's outbound SA, kept until the old pair goes (see ike_glue.h). */
static int defer_out(struct xs_daemon *d, struct xs_ike_child *ch,
		     const struct ike_child_install *c, char *why)
{
	ch->pending_out = malloc(sizeof(*ch->pending_out));
	if (!ch->pending_out)
		return xs_why(why, "out of memory");
	sa_req(ch->pending_out, c, false);
	ch->pending_until = xs_ike_now_ms() + PENDING_OUT_MS;
	return 0;
}

static void pending_drop(struct xs_ike_child *ch)
{
	if (!ch->pending_out)
		return;
	xs_sa_req_wipe(ch->pending_out);
	xs_wipe(ch->pending_out, sizeof(*ch->pending_out));
	free(ch->pending_out);
	ch->pending_out = NULL;
}

/* Install the waiting outbound SA: the policies switch to it. */
static void pending_install(struct xs_daemon *d, struct xs_ike_child *ch)
{
	char why[XS_WHY_MAX];

	if (!ch->pending_out)
		return;
	ch->slot_out = sa_add_req(d, ch->pending_out, why);
	if (ch->slot_out == XS_SA_NONE)
		pr_warn("IKE: rekeyed outbound SA 0x%x: %s", ch->spi_out, why);
	free(ch->pending_out);
	ch->pending_out = NULL;
}

int xs_ike_child_install(void *user, const struct ike_child_install *c,
			 char *why)
{
	struct xs_daemon *d = user;
	struct xs_ike *ike = d->ike;
	struct xs_ike_child ch = { .proto = xs_ike_dp_proto(c->proto),
				   .family = c->local.len == 16 ? XS_AF_INET6 : XS_AF_INET,
				   .spi_in = c->spi_in, .spi_out = c->spi_out,
				   .reqid = c->reqid, .slot_out = XS_SA_NONE };
	struct xs_ike_pol_tmpl t = { .proto = ch.proto, .mode = !c->transport,
			      .family = ch.family, .local = c->local.addr,
			      .remote = c->remote.addr, .reqid = c->reqid };
	bool rekey = c->replaces_spi_in &&
		     child_find(ike, ch.proto, c->replaces_spi_in);
	size_t npols = ike->npols;

	memcpy(ch.local, c->local.addr, 16);
	memcpy(ch.remote, c->remote.addr, 16);
	if (xs_ike_grow((void **)&ike->children, &ike->child_cap, ike->nchildren,
		 sizeof(ch)))
		return xs_why(why, "out of memory");
	ch.slot_in = sa_add(d, c, true, why);
	if (ch.slot_in == XS_SA_NONE)
		return -1;
	ch.replaces_spi_in = rekey ? c->replaces_spi_in : 0;
	if ((rekey ? defer_out(d, &ch, c, why) :
	     (ch.slot_out = sa_add(d, c, false, why)) == XS_SA_NONE) ||
	    xs_ike_ts_policies_add(d, &t, &c->local_ts, &c->remote_ts, why)) {
		pending_drop(&ch);
		install_undo(d, &ch, npols);
		return -1;
	}
	ike->children[ike->nchildren++] = ch;
	return 0;
}

/*
 * The inbound SA of a rekeyed Child SA stays RETIRED_IN_MS after its
 * delete (strongSwan's delete_rekeyed_delay): the peer's last packets
 * with it may still be on the way, queued behind the DELETE's exchange.
 * false if the list is full (the SA then goes at once).
 */
static bool retire_in(struct xs_ike *ike, const struct xs_ike_child *ch)
{
	if (ike->nretired >= RETIRED_MAX ||
	    xs_ike_grow((void **)&ike->retired, &ike->retired_cap,
			ike->nretired, sizeof(*ike->retired)))
		return false;
	ike->retired[ike->nretired].ch = *ch;
	ike->retired[ike->nretired].ch.pending_out = NULL;
	ike->retired[ike->nretired++].until = xs_ike_now_ms() + RETIRED_IN_MS;
	return true;
}

/* Delete the retired inbound SAs whose time is up (all: now UINT64_MAX). */
static void retired_expire(struct xs_daemon *d, uint64_t now)
{
	struct xs_ike *ike = d->ike;
	size_t i = 0;

	while (i < ike->nretired) {
		if (now < ike->retired[i].until) {
			i++;
			continue;
		}
		sa_del(d, &ike->retired[i].ch, true);
		ike->retired[i] = ike->retired[--ike->nretired];
	}
}

void xs_ike_child_delete(void *user, uint8_t proto, uint32_t spi_in,
			 uint32_t spi_out)
{
	struct xs_daemon *d = user;
	struct xs_ike *ike = d->ike;
	struct xs_ike_child *ch = child_find(ike, xs_ike_dp_proto(proto), spi_in);
	bool rekeyed = false;
	uint32_t reqid;
	size_t i;

	if (!ch)
		return;
	for (i = 0; i < ike->nchildren; i++)	/* its successor takes over */
		if (ike->children[i].replaces_spi_in == spi_in &&
		    ike->children[i].proto == ch->proto) {
			pending_install(d, &ike->children[i]);
			rekeyed = true;
		}
	if (!(rekeyed && retire_in(ike, ch)))
		sa_del(d, ch, true);
	sa_del(d, ch, false);
	pending_drop(ch);
	reqid = ch->reqid;
	*ch = ike->children[--ike->nchildren];
	if (!xs_ike_reqid_in_use(ike, reqid))
		xs_ike_pols_delete(d, reqid, false);
}

static bool spi_used(const struct xs_daemon *d, uint8_t proto, uint32_t spi)
{
	return xs_sad_spi_used(d, proto, spi) ||
	       child_find(d->ike, proto, spi) != NULL;
}

int xs_ike_spi_alloc(void *user, uint8_t proto, uint32_t *spi)
{
	struct xs_daemon *d = user;
	uint32_t v;
	int tries;

	for (tries = 0; tries < 64; tries++) {
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			return -1;
		if (v >= SPI_MIN && !spi_used(d, xs_ike_dp_proto(proto), v)) {
			*spi = v;
			return 0;
		}
	}
	return -1;
}

/* ---- load-conf, lifetimes ---------------------------------------------- */

/* Is slot one of our Child SAs' (the SA there is still theirs)? */
static bool slot_ours(const struct xs_daemon *d, uint32_t slot)
{
	const struct xs_ike *ike = d->ike;
	size_t i;

	for (i = 0; i < ike->nchildren; i++) {
		const struct xs_ike_child *ch = &ike->children[i];

		if ((ch->slot_in == slot && d->sad[slot].spi == ch->spi_in) ||
		    (ch->slot_out == slot && d->sad[slot].spi == ch->spi_out))
			return true;
	}
	return false;
}

static int flush_manual_sas(struct xs_daemon *d, char *why)
{
	struct xs_sa_id id;
	uint32_t s;

	for (s = 0; s < d->sad_slots; s++) {
		const struct xs_sad_entry *e = &d->sad[s];

		if (!d->sas[s].order || slot_ours(d, s))
			continue;
		id = (struct xs_sa_id){ .family = e->family, .proto = e->proto,
					.spi = e->spi };
		memcpy(id.dst, e->dst, 16);
		memcpy(id.src, e->src, 16);
		if (xs_sad_delete(d, &id, why))
			return -1;
	}
	return 0;
}

int xs_ike_flush_manual(struct xs_daemon *d, char *why)
{
	struct xs_spd_policy sel;
	uint32_t i;

	if (!d->ike || (!d->ike->nchildren && !d->ike->npols)) {
		xs_sad_flush(d);
		return xs_spd_flush(d, why);
	}
	if (flush_manual_sas(d, why))
		return -1;
	for (i = d->npols; i-- > 0; ) {
		if (xs_ike_pol_find(d->ike, &d->pols[i]))
			continue;
		sel = d->pols[i];
		if (xs_spd_delete(d, &sel, why))
			return -1;
	}
	return 0;
}

void xs_ike_forget(struct xs_daemon *d)
{
	struct xs_ike *ike = d->ike;
	size_t i;

	retired_expire(d, UINT64_MAX);
	for (i = 0; i < ike->nchildren; i++)
		pending_drop(&ike->children[i]);
	ike->nchildren = 0;
	ike->npols = 0;
}

/*
 * An SA's state by its slot (0 while a rekey's outbound one waits). One
 * the running worker has no keys for (it was restarted: attach) counts as
 * dying, so that the core rekeys it into keyed SAs.
 */
static uint8_t sa_state(const struct xs_daemon *d, uint32_t slot, uint32_t spi)
{
	const struct xs_sad_entry *e;

	if (slot == XS_SA_NONE)
		return 0;
	e = &d->sad[slot];
	if (!d->sas[slot].order || e->spi != spi)
		return XS_SA_DEAD;
	if (d->worker && e->backend == XS_BACKEND_AFXDP && !d->sas[slot].keyed &&
	    e->state < XS_SA_DYING)
		return XS_SA_DYING;
	return e->state;
}

void xs_ike_lifetimes(struct xs_daemon *d, uint64_t now)
{
	struct { uint8_t proto; uint32_t spi; bool hard; } ev[64];
	struct xs_ike *ike = d->ike;
	size_t i, n = 0;

	retired_expire(d, now);
	for (i = 0; i < ike->nchildren && n < 64; i++) {
		struct xs_ike_child *ch = &ike->children[i];
		uint8_t in, out, worst;

		if (ch->pending_out && now >= ch->pending_until)
			pending_install(d, ch);
		in = sa_state(d, ch->slot_in, ch->spi_in);
		out = sa_state(d, ch->slot_out, ch->spi_out);
		worst = in > out ? in : out;

		if (worst < XS_SA_DYING || worst == (ch->seen_in > ch->seen_out ?
						       ch->seen_in : ch->seen_out))
			continue;
		ch->seen_in = in;
		ch->seen_out = out;
		ev[n].proto = ch->proto == XS_PROTO_AH ? IKEV2_PROTO_AH : IKEV2_PROTO_ESP;
		ev[n].spi = ch->spi_in;
		ev[n++].hard = worst == XS_SA_DEAD;
	}
	for (i = 0; i < n; i++)	/* the core may delete children meanwhile */
		ike_child_expired(ike->ctx, ev[i].proto, ev[i].spi, ev[i].hard, now);
}
