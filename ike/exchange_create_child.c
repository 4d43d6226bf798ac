// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * CREATE_CHILD_SA for Child SAs (ike/ccsa.h): a new Child SA or the rekey
 * of one (RFC 7296 1.3.1-1.3.3, 2.8), as initiator and responder, with PFS
 * (2.17) and the 2.8.1 collision rule; the per-IKE-SA state, the timers
 * that start rekeys, and the dispatch to rekey_ike.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/ccsa.h"
#include "ike/lifetime.h"
#include "ike/proposal.h"

#define ERROR_NOTIFY_MAX 16383	/* error types are below 16384 (3.10.1) */

/* ---- state and helpers shared with rekey_ike.c ------------------------- */

struct ike_ccsa *ike_ccsa_get(struct ike_sa *sa)
{
	if (!sa->ccsa)
		sa->ccsa = calloc(1, sizeof(*sa->ccsa));
	return sa->ccsa;
}

void ike_ccsa_reset(struct ike_ccsa *x)
{
	ike_dh_free(x->dh);
	x->dh = NULL;
	x->kind = IKE_CCSA_NONE;
	x->group = 0;
	x->spi_in = x->old_spi_in = 0;
	x->new_spi = 0;
	x->collided = false;
	x->peer_spi_in = 0;
	x->peer_new_spi = 0;
	xs_wipe(x->nonce, sizeof(x->nonce));
}

void ike_ccsa_free(struct ike_sa *sa)
{
	struct ike_ccsa *x = sa->ccsa;
	struct ike_sa *n;

	if (!x)
		return;
	/* an IKE SA rekey of ours that never finished: its new SA goes too */
	if (x->kind == IKE_CCSA_REKEY_IKE) {
		n = ike_sa_by_spi(sa->ctx, x->new_spi, true);
		if (n && n->state == IKE_SA_IDLE)
			ike_sa_kill(n, "the IKE SA it rekeyed is gone");
	}
	ike_ccsa_reset(x);
	ike_dh_free(x->premade);
	xs_wipe(x, sizeof(*x));
	free(x);
	sa->ccsa = NULL;
}

int ike_ccsa_premake(struct ike_sa *sa, struct ike_dh *dh)
{
	struct ike_ccsa *x = ike_ccsa_get(sa);

	if (!x) {
		ike_dh_free(dh);
		return -1;
	}
	ike_dh_free(x->premade);
	x->premade = dh;
	return 0;
}

/* Our key pair for group: the premade one if it is of that group. */
static struct ike_dh *keypair(struct ike_ccsa *x, uint16_t group)
{
	struct ike_dh *dh = x->premade;

	if (dh && ike_dh_group(dh) == group) {
		x->premade = NULL;
		return dh;
	}
	dh = ike_dh_new(group);
	if (dh && ike_dh_generate(dh)) {
		ike_dh_free(dh);
		return NULL;
	}
	return dh;
}

int ike_ccsa_add_nonce_ke(struct ike_ccsa *x, uint16_t group,
			  struct ike_buf *b)
{
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN];
	size_t len;

	ike_dh_free(x->dh);
	x->dh = NULL;
	x->group = group;
	if (xs_random(x->nonce, sizeof(x->nonce)) ||
	    ike_add_nonce(b, x->nonce, sizeof(x->nonce)))
		return -1;
	if (!group)
		return 0;
	x->dh = keypair(x, group);
	if (!x->dh)
		return -1;
	len = ike_dh_public_len(x->dh);
	return ike_dh_public(x->dh, pub, sizeof(pub)) ||
	       ike_add_ke(b, group, pub, len);
}

size_t ike_ccsa_gir(struct ike_dh *dh, const struct ike_msg *m,
		    uint8_t gir[IKE_DH_MAX_SECRET_LEN])
{
	if (!dh || !ike_msg_has(m, IKEV2_PAYLOAD_KE) ||
	    m->ke.group != ike_dh_group(dh) ||
	    ike_dh_derive(dh, m->ke.data.ptr, m->ke.data.len, gir,
			  IKE_DH_MAX_SECRET_LEN))
		return 0;
	return ike_dh_secret_len(dh);
}

void ike_ccsa_refuse(struct ike_sa *sa, const struct ike_msg *m,
		     uint16_t notify, uint16_t group)
{
	struct ike_buf *b = &sa->ctx->inner;
	uint8_t data[2] = { (uint8_t)(group >> 8), (uint8_t)group };
	size_t len = notify == IKEV2_N_INVALID_KE_PAYLOAD ? 2 : 0;

	ike_sa_log(sa, IKE_LOG_INFO, "CREATE_CHILD_SA refused with %s",
		   ikev2_name(IKEV2_MAP_NOTIFY, notify));
	ike_buf_init_inner(b);
	if (ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0, notify, data, len) ||
	    ike_send_response(sa, m->exchange, m->msgid, b))
		ike_sa_log(sa, IKE_LOG_ERR, "cannot answer with %s",
			   ikev2_name(IKEV2_MAP_NOTIFY, notify));
}

uint16_t ike_ccsa_error(const struct ike_msg *m, uint16_t *group)
{
	const struct ike_notify_pld *n;
	uint8_t i;

	*group = 0;
	for (i = 0; i < m->nnotify; i++) {
		n = &m->notify[i];
		if (n->type > ERROR_NOTIFY_MAX)
			continue;
		if (n->type == IKEV2_N_INVALID_KE_PAYLOAD && n->data.len == 2)
			*group = ike_get16(n->data.ptr);
		return n->type;
	}
	return 0;
}

void ike_ccsa_note_peer(struct ike_ccsa *x, const struct ike_span *ni,
			const uint8_t *nr, size_t nr_len)
{
	bool theirs = ike_nonce_cmp(ni->ptr, ni->len, nr, nr_len) <= 0;
	size_t len = theirs ? ni->len : nr_len;

	x->collided = true;
	x->peer_low_len = len;
	memcpy(x->peer_low, theirs ? ni->ptr : nr, len);
}

bool ike_ccsa_lost(const struct ike_ccsa *x, const struct ike_span *nr)
{
	return ike_rekey_lost(x->nonce, sizeof(x->nonce), nr->ptr, nr->len,
			      x->peer_low, x->peer_low_len, x->peer_low,
			      x->peer_low_len);
}

void ike_ccsa_retry_later(struct ike_ccsa *x, uint64_t now)
{
	uint32_t r = 0;

	xs_random(&r, sizeof(r));
	x->retry_ms = now + IKE_CCSA_RETRY_MS + r % 1000;
}

/* ---- initiator ----------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The group for PFS: the old SA's, else the config's first (0: none). */
static uint16_t pfs_group(const struct ike_child_cfg *cfg,
			  const struct ike_child *old)
{
	int g = ike_prop_xform(&cfg->proposals, 0, IKEV2_XFORM_DH, NULL);

	if (old && old->dh)
		return old->dh;
	return g > 0 ? (uint16_t)g : 0;
}

bool ike_ccsa_offers_group(const struct ike_sa_pld *sa, uint16_t g)
{
	const struct ike_xform *x;
	uint16_t i, j;

	for (i = 0; i < sa->nprops; i++)
		for (j = 0; j < sa->props[i].nxforms; j++) {
			x = &sa->xforms[sa->props[i].first + j];
			if (x->type == IKEV2_XFORM_DH && x->id == g && g)
				return true;
		}
	return false;
}

static int send_child_request(struct ike_sa *sa, struct ike_child *c,
			      const struct ike_child *old, uint16_t group,
			      uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;
	struct ike_sa_pld props;
	uint8_t spi[4];

	ike_buf_init_inner(b);
	put32(spi, old ? old->spi_in : 0);
	if (old && ike_add_notify(b, old->proto, spi, sizeof(spi),
				  IKEV2_N_REKEY_SA, NULL, 0))
		return -1;
	if (ike_child_proposals(c->cfg, c->spi_in, &props) ||
	    ike_child_add_payloads(b, c, &props, true) ||
	    ike_ccsa_add_nonce_ke(sa->ccsa, group, b) ||
	    ike_send_request(sa, IKEV2_EXCHANGE_CREATE_CHILD_SA,
			     IKE_REQ_CREATE_CHILD, b, now))
		return -1;
	sa->req.child_spi_in = c->spi_in;
	return 0;
}

/* A new Child SA of cfg, or the rekey of old (then cfg is old's). */
static int start_child(struct ike_sa *sa, const struct ike_child_cfg *cfg,
		       struct ike_child *old, uint64_t now)
{
	struct ike_ccsa *x = ike_ccsa_get(sa);
	struct ike_ctx *ctx = sa->ctx;
	struct ike_child *c = x ? ike_child_new(sa, cfg) : NULL;
	uint32_t spi = 0;

	if (!c)
		return -1;
	c->initiator = true;
	c->reqid = old ? old->reqid : 0;
	ike_ccsa_reset(x);
	if (ctx->ops.spi_alloc(ctx->ops.user, c->proto, &spi) || !spi)
		goto fail;
	c->spi_in = spi;
	x->kind = old ? IKE_CCSA_REKEY_CHILD : IKE_CCSA_NEW_CHILD;
	x->proto = c->proto;
	x->spi_in = spi;
	x->old_spi_in = old ? old->spi_in : 0;
	x->ke_tries = 0;
	if (send_child_request(sa, c, old, pfs_group(cfg, old), now))
		goto fail;
	if (old)
		ike_child_state(old, IKE_CHILD_REKEYING);
	ike_sa_log(sa, IKE_LOG_INFO, "%s Child SA %s%s (SPI %08x_i)",
		   old ? "rekeying" : "creating", cfg->name,
		   x->group ? " with PFS" : "", spi);
	return 0;
fail:
	ike_child_free(c);
	ike_ccsa_reset(x);
	return -1;
}

/* The peer's answer has what we asked for: SA, TS, mode, and KE. */
static int check_child_reply(struct ike_child *c, const struct ike_ccsa *x,
			     const struct ike_msg *m, struct ike_err *err)
{
	struct ike_sa_pld sent;
	int g;

	if (!m->nonce.len)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX, "no nonce");
	if (ike_child_proposals(c->cfg, c->spi_in, &sent) ||
	    ike_child_check_reply(c, &sent, m, err))
		return -1;
	g = ike_prop_xform(&m->sa, 0, IKEV2_XFORM_DH, NULL);
	if (x->group ? g != x->group : g > 0)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"peer chose DH group %d, we sent %u", g,
				x->group);
	c->dh = x->group;
	return 0;
}

/* Install c from the answer m; then the old SA (or c) is deleted. */
static int child_done(struct ike_sa *sa, struct ike_child *c,
		      struct ike_child *old, const struct ike_msg *m,
		      uint64_t now)
{
	struct ike_ccsa *x = sa->ccsa;
	uint8_t gir[IKE_DH_MAX_SECRET_LEN];
	struct xs_buf g = { gir, 0 }, ni = { x->nonce, sizeof(x->nonce) };
	struct xs_buf nr = { m->nonce.ptr, m->nonce.len };
	struct ike_err err = { 0 };
	int rc;

	if (check_child_reply(c, x, m, &err)) {
		ike_sa_log(sa, IKE_LOG_ERR, "Child SA answer refused: %s",
			   err.reason);
		return -1;
	}
	g.len = x->group ? ike_ccsa_gir(x->dh, m, gir) : 0;
	if (x->group && !g.len)
		return -1;
	rc = ike_child_install(c, x->group ? &g : NULL, &ni, &nr,
			       old ? old->spi_in : 0, now);
	xs_wipe(gir, sizeof(gir));
	if (rc || !old)
		return rc;
	if (x->collided && ike_ccsa_lost(x, &m->nonce)) {
		ike_sa_log(sa, IKE_LOG_INFO, "rekey collision lost: deleting "
			   "Child SA #%u made by our exchange", c->unique_id);
		ike_info_delete_child(c, now);
	} else {
		ike_info_delete_child(old, now);
	}
	return 0;
}

/* The peer refused our request with notify (group: INVALID_KE's). */
static void child_refused(struct ike_sa *sa, struct ike_child *c,
			  struct ike_child *old, uint16_t notify,
			  uint16_t group, uint64_t now)
{
	struct ike_ccsa *x = sa->ccsa;
	const struct ike_child_cfg *cfg = c->cfg;

	if (notify == IKEV2_N_INVALID_KE_PAYLOAD &&
	    x->ke_tries < IKE_CCSA_KE_TRIES &&
	    ike_ccsa_offers_group(&cfg->proposals, group)) {
		x->ke_tries++;
		if (!send_child_request(sa, c, old, group, now))
			return;
	}
	ike_sa_log(sa, IKE_LOG_ERR, "Child SA %s refused by the peer: %s",
		   cfg->name, ikev2_name(IKEV2_MAP_NOTIFY, notify));
	ike_child_free(c);
	if (old && old->state == IKE_CHILD_REKEYING && !x->collided)
		ike_child_state(old, IKE_CHILD_INSTALLED);
	if (notify == IKEV2_N_TEMPORARY_FAILURE) {
		ike_ccsa_retry_later(x, now);
		if (!old && x->nqueue < IKE_CONN_MAX_CHILDREN)
			x->queue[x->nqueue++] = cfg;
	} else if (old && notify == IKEV2_N_CHILD_SA_NOT_FOUND) {
		/* the peer has no such SA: drop ours, make a new one */
		ike_child_free(old);
		if (x->nqueue < IKE_CONN_MAX_CHILDREN)
			x->queue[x->nqueue++] = cfg;
	} else if (old) {
		old->rekey_ms = now + IKE_CCSA_FAIL_RETRY_MS;
	}
	ike_ccsa_reset(x);
}

static void child_response(struct ike_sa *sa, const struct ike_msg *m,
			   uint64_t now)
{
	struct ike_ccsa *x = sa->ccsa;
	struct ike_child *c = ike_child_by_spi(sa, x->proto, x->spi_in, true);
	struct ike_child *old = x->old_spi_in ?
		ike_child_by_spi(sa, x->proto, x->old_spi_in, true) : NULL;
	uint16_t group, notify = ike_ccsa_error(m, &group);

	if (!c) {
		ike_ccsa_reset(x);
		return;
	}
	if (notify) {
		child_refused(sa, c, old, notify, group, now);
		return;
	}
	if (child_done(sa, c, old, m, now)) {
		if (old && old->state == IKE_CHILD_REKEYING && !x->collided) {
			ike_child_state(old, IKE_CHILD_INSTALLED);
			old->rekey_ms = now + IKE_CCSA_FAIL_RETRY_MS;
		}
		ike_ccsa_reset(x);
		/* the peer made its half of the answer we refused: delete it */
		if (ike_msg_has(m, IKEV2_PAYLOAD_SA))
			ike_info_delete_child(c, now);
		else
			ike_child_free(c);
		return;
	}
	ike_ccsa_reset(x);
}

/* ---- responder ----------------------------------------------------------- */

/* Proposal with DH (PFS) and the KE check, then the Child SA itself. */
static int child_choose(struct ike_sa *sa, const struct ike_msg *m,
			struct ike_child *old, struct ike_child **out,
			uint16_t *want, struct ike_err *err)
{
	uint16_t ke = ike_msg_has(m, IKEV2_PAYLOAD_KE) ? m->ke.group : 0;
	struct ike_sa_pld chosen;
	struct ike_child *c;
	int g;

	if (ike_child_respond(sa, m, &c, err))
		return -1;
	*out = c;
	if (old) {
		c->cfg = old->cfg;
		c->reqid = old->reqid;
	}
	if (ike_prop_select(&c->cfg->proposals, &m->sa, ke, 0, &chosen, err))
		return -1;
	g = ike_prop_xform(&chosen, 0, IKEV2_XFORM_DH, NULL);
	if (g > 0 && ike_prop_check_ke((uint16_t)g, ke, want, err))
		return -1;
	if (chosen.props[0].num != c->chosen.props[0].num)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"no proposal with an acceptable DH group");
	memcpy(chosen.props[0].spi, c->chosen.props[0].spi,
	       IKEV2_SPI_BYTES_CHILD);
	chosen.props[0].spi_size = IKEV2_SPI_BYTES_CHILD;
	c->chosen = chosen;
	c->dh = g > 0 ? (uint16_t)g : 0;
	c->initiator = false;
	return 0;
}

/* Our nonce (and KE) into b, g^ir into gir (len 0 without PFS). */
static int respond_ke(struct ike_child *c, const struct ike_msg *m,
		      struct ike_buf *b, uint8_t *nr, uint8_t *gir,
		      size_t *gir_len)
{
	struct ike_ccsa tmp = { 0 };
	int rc = ike_ccsa_add_nonce_ke(&tmp, c->dh, b);

	memcpy(nr, tmp.nonce, IKE_NONCE_LEN);
	if (!rc && c->dh) {
		*gir_len = ike_ccsa_gir(tmp.dh, m, gir);
		rc = !*gir_len;
	}
	ike_ccsa_reset(&tmp);
	return rc;
}

/* Install the Child SA c the request m made and answer it. */
static int child_answer(struct ike_sa *sa, struct ike_child *c,
			const struct ike_child *old, const struct ike_msg *m,
			uint64_t now, uint8_t nr[IKE_NONCE_LEN])
{
	struct ike_buf *b = &sa->ctx->inner;
	uint8_t gir_b[IKE_DH_MAX_SECRET_LEN];
	struct xs_buf gir = { gir_b, 0 }, ni = { m->nonce.ptr, m->nonce.len };
	struct xs_buf n = { nr, IKE_NONCE_LEN };
	int rc;

	ike_buf_init_inner(b);
	rc = ike_child_add_payloads(b, c, &c->chosen, false) ||
	     respond_ke(c, m, b, nr, gir_b, &gir.len);
	rc = rc || ike_child_install(c, c->dh ? &gir : NULL, &ni, &n,
				     old ? old->spi_in : 0, now);
	xs_wipe(gir_b, sizeof(gir_b));
	if (rc)
		return -1;
	return ike_send_response(sa, m->exchange, m->msgid, b);
}

/* What the request m rekeys (REKEY_SA), or why it cannot be rekeyed. */
static uint16_t child_old(struct ike_sa *sa, const struct ike_msg *m,
			  struct ike_child **old)
{
	const struct ike_notify_pld *rk = ike_msg_notify(m, IKEV2_N_REKEY_SA);

	*old = NULL;
	if (!rk)
		return 0;
	if (rk->spi.len == IKEV2_SPI_BYTES_CHILD)
		*old = ike_child_by_spi(sa, rk->proto, ike_get32(rk->spi.ptr),
					false);
	if (!*old)
		return IKEV2_N_CHILD_SA_NOT_FOUND;
	if ((*old)->state != IKE_CHILD_INSTALLED &&
	    (*old)->state != IKE_CHILD_REKEYING)
		return IKEV2_N_TEMPORARY_FAILURE;
	return 0;
}

static void child_request(struct ike_sa *sa, const struct ike_msg *m,
			  uint64_t now)
{
	struct ike_ccsa *x = ike_ccsa_get(sa);
	struct ike_child *old = NULL, *c = NULL;
	struct ike_err err = { 0 };
	uint8_t nr[IKE_NONCE_LEN];
	uint16_t want = 0, notify;

	if (!ike_msg_has(m, IKEV2_PAYLOAD_SA) || !m->nonce.len ||
	    !ike_msg_has(m, IKEV2_PAYLOAD_TSI) ||
	    !ike_msg_has(m, IKEV2_PAYLOAD_TSR))
		notify = IKEV2_N_INVALID_SYNTAX;
	else if (!x || sa->state != IKE_SA_ESTABLISHED)
		notify = IKEV2_N_TEMPORARY_FAILURE;
	else
		notify = child_old(sa, m, &old);
	if (!notify && (child_choose(sa, m, old, &c, &want, &err) ||
			child_answer(sa, c, old, m, now, nr)))
		notify = err.notify ? err.notify : IKEV2_N_NO_ADDITIONAL_SAS;
	if (notify) {
		if (c)
			ike_child_free(c);
		ike_ccsa_refuse(sa, m, notify, want);
		return;
	}
	if (!old)
		return;
	if (old->state == IKE_CHILD_REKEYING &&
	    x->kind == IKE_CCSA_REKEY_CHILD && x->old_spi_in == old->spi_in) {
		ike_ccsa_note_peer(x, &m->nonce, nr, sizeof(nr));
		x->peer_spi_in = c->spi_in;
	}
	old->rekey_ms = 0;	/* the peer deletes it */
}

/* ---- hooks --------------------------------------------------------------- */

void ike_ccsa_on_request(struct ike_sa *sa, const struct ike_msg *m,
			 uint64_t now)
{
	if (ike_msg_has(m, IKEV2_PAYLOAD_SA) && m->sa.nprops &&
	    m->sa.props[0].proto == IKEV2_PROTO_IKE)
		ike_rekey_ike_on_request(sa, m, now);
	else
		child_request(sa, m, now);
}

void ike_ccsa_on_response(struct ike_sa *sa, const struct ike_msg *m,
			  uint64_t now)
{
	struct ike_ccsa *x = sa->ccsa;

	ike_req_done(sa);
	if (!x || x->kind == IKE_CCSA_NONE)
		return;
	if (x->kind == IKE_CCSA_REKEY_IKE)
		ike_rekey_ike_on_response(sa, m, now);
	else
		child_response(sa, m, now);
}

bool ike_ccsa_kick(struct ike_sa *sa, uint64_t now)
{
	struct ike_ccsa *x = sa->ccsa;
	const struct ike_child_cfg *cfg;
	struct ike_child *c;
	uint64_t t;

	if (sa->state != IKE_SA_ESTABLISHED || sa->req.kind != IKE_REQ_NONE ||
	    (x && x->retry_ms > now))
		return false;
	t = sa->rekey_ms;
	if (t && now >= t) {
		if (!ike_rekey_ike_start(sa, now))
			return true;
		sa->rekey_ms = now + IKE_CCSA_FAIL_RETRY_MS;
	}
	for (c = sa->children; c; c = c->next) {
		if (c->state != IKE_CHILD_INSTALLED || !c->rekey_ms ||
		    now < c->rekey_ms)
			continue;
		if (!start_child(sa, c->cfg, c, now))
			return true;
		c->rekey_ms = now + IKE_CCSA_FAIL_RETRY_MS;
	}
	if (!x || !x->nqueue)
		return false;
	cfg = x->queue[0];
	memmove(x->queue, x->queue + 1, --x->nqueue * sizeof(x->queue[0]));
	return !start_child(sa, cfg, NULL, now);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return b && (!a || b < a) ? b : a;
}

uint64_t ike_ccsa_deadline(const struct ike_sa *sa)
{
	const struct ike_ccsa *x = sa->ccsa;
	const struct ike_child *c;
	uint64_t t = 0;

	/* busy: the response (or the state change) kicks us again */
	if (sa->state != IKE_SA_ESTABLISHED || sa->req.kind != IKE_REQ_NONE)
		return 0;
	t = earliest(t, sa->rekey_ms);
	for (c = sa->children; c; c = c->next)
		if (c->state == IKE_CHILD_INSTALLED)
			t = earliest(t, c->rekey_ms);
	if (x && x->nqueue)
		t = earliest(t, 1);
	if (t && x && x->retry_ms > t)
		t = x->retry_ms;
	return t;
}

int ike_ccsa_add_child(struct ike_sa *sa, const struct ike_child_cfg *cfg,
		       uint64_t now)
{
	struct ike_ccsa *x = ike_ccsa_get(sa);

	if (!x || x->nqueue >= IKE_CONN_MAX_CHILDREN)
		return -1;
	x->queue[x->nqueue++] = cfg;
	ike_sa_kick(sa, now);
	return 0;
}
