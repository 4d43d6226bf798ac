// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Child SAs (RFC 7296 1.3, 2.9, 2.17, 3.3): our proposals with our SPI,
 * the responder's choice of a child configuration by its traffic
 * selectors and of a proposal, the initiator's check of the answer,
 * USE_TRANSPORT_MODE and ESN, KEYMAT, and installing into and removing
 * from the dataplane through struct ike_ops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/lifetime.h"
#include "ike/proposal.h"
#include "ike/sa.h"

static const char *const child_state_names[IKE_CHILD_STATE_COUNT] = {
	[IKE_CHILD_CREATING] = "CREATED",
	[IKE_CHILD_INSTALLED] = "INSTALLED",
	[IKE_CHILD_REKEYING] = "REKEYING",
	[IKE_CHILD_DELETING] = "DELETING",
	[IKE_CHILD_DEAD] = "DESTROYING",
};

#define TO(s) (1u << (s))
static const unsigned int child_moves[IKE_CHILD_STATE_COUNT] = {
	[IKE_CHILD_CREATING] = TO(IKE_CHILD_INSTALLED) |
			       TO(IKE_CHILD_DELETING) | TO(IKE_CHILD_DEAD),
	[IKE_CHILD_INSTALLED] = TO(IKE_CHILD_REKEYING) |
				TO(IKE_CHILD_DELETING) | TO(IKE_CHILD_DEAD),
	[IKE_CHILD_REKEYING] = TO(IKE_CHILD_INSTALLED) |
			       TO(IKE_CHILD_DELETING) | TO(IKE_CHILD_DEAD),
	[IKE_CHILD_DELETING] = TO(IKE_CHILD_DEAD),
	[IKE_CHILD_DEAD] = 0,
};

const char *ike_child_state_name(enum ike_child_state s)
{
	return s < IKE_CHILD_STATE_COUNT ? child_state_names[s] : "?";
}

int ike_child_state(struct ike_child *c, enum ike_child_state to)
{
	enum ike_child_state from = c->state;

	if (!(child_moves[from] & TO(to))) {
		ike_sa_log(c->sa, IKE_LOG_ERR, "Child SA #%u: refused %s -> %s",
			   c->unique_id, child_state_names[from],
			   child_state_names[to]);
		return -1;
	}
	c->state = to;
	ike_sa_log(c->sa, IKE_LOG_DEBUG, "Child SA #%u: %s -> %s",
		   c->unique_id, child_state_names[from],
		   child_state_names[to]);
	return 0;
}

struct ike_child *ike_child_new(struct ike_sa *sa,
				const struct ike_child_cfg *cfg)
{
	struct ike_child *c;

	if (sa->nchildren == UINT8_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->sa = sa;
	c->cfg = cfg;
	c->unique_id = ++sa->ctx->next_child_id;
	c->initiator = sa->initiator;
	c->proto = cfg->proto;
	c->next = sa->children;
	sa->children = c;
	sa->nchildren++;
	return c;
}

struct ike_child *ike_child_by_spi(struct ike_sa *sa, uint8_t proto,
				   uint32_t spi, bool inbound)
{
	struct ike_child *c;

	for (c = sa->children; c; c = c->next)
		if (c->proto == proto && (inbound ? c->spi_in : c->spi_out) == spi)
			return c;
	return NULL;
}

void ike_child_free(struct ike_child *c)
{
	struct ike_sa *sa = c->sa;
	struct ike_ctx *ctx = sa->ctx;
	struct ike_child **pp;

	if (c->installed) {
		ctx->ops.child_delete(ctx->ops.user, c->proto, c->spi_in,
				      c->spi_out);
		ctx->stats.child_deleted++;
		ike_sa_log(sa, IKE_LOG_INFO, "Child SA #%u %s removed "
			   "(SPIs %08x_i %08x_o)", c->unique_id, c->cfg ?
			   c->cfg->name : "", c->spi_in, c->spi_out);
	}
	for (pp = &sa->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	sa->nchildren--;
	xs_wipe(c, sizeof(*c));
	free(c);
}

static void set_spi(struct ike_sa_pld *p, uint32_t spi)
{
	uint16_t i;

	for (i = 0; i < p->nprops; i++) {
		p->props[i].spi_size = IKEV2_SPI_BYTES_CHILD;
		p->props[i].spi[0] = (uint8_t)(spi >> 24);
		p->props[i].spi[1] = (uint8_t)(spi >> 16);
		p->props[i].spi[2] = (uint8_t)(spi >> 8);
		p->props[i].spi[3] = (uint8_t)spi;
	}
}

int ike_child_proposals(const struct ike_child_cfg *cfg, uint32_t spi_in,
			struct ike_sa_pld *out)
{
	*out = cfg->proposals;
	set_spi(out, spi_in);
	return out->nprops ? 0 : -1;
}

int ike_child_key_lens(const struct ike_child *c, struct ike_key_lens *lens)
{
	if (c->proto == IKEV2_PROTO_ESP)
		return ike_key_lens(c->encr, c->key_bits, c->integ, lens);
	lens->encr = 0;		/* AH: integrity only */
	lens->integ = ike_integ_key_len(c->integ);
	return c->proto == IKEV2_PROTO_AH && lens->integ ? 0 : -1;
}

/* Transforms of the (one) chosen proposal, and the peer's SPI in it. */
static int take_chosen(struct ike_child *c, const struct ike_sa_pld *ch,
		       struct ike_err *err)
{
	const struct ike_proposal *p = &ch->props[0];
	struct ike_key_lens lens;
	int encr, integ, esn;

	if (p->spi_size != IKEV2_SPI_BYTES_CHILD || p->proto != c->proto)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"Child SA proposal with a %u-byte SPI",
				p->spi_size);
	c->chosen = *ch;
	c->spi_out = ike_get32(p->spi);
	encr = ike_prop_xform(ch, 0, IKEV2_XFORM_ENCR, &c->key_bits);
	c->encr = encr < 0 ? 0 : (uint16_t)encr;	/* AH: none */
	integ = ike_prop_xform(ch, 0, IKEV2_XFORM_INTEG, NULL);
	c->integ = integ < 0 ? IKEV2_INTEG_NONE : (uint16_t)integ;
	esn = ike_prop_xform(ch, 0, IKEV2_XFORM_ESN, NULL);
	c->esn = esn == IKEV2_ESN_YES;
	if (ike_child_key_lens(c, &lens))
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"Child SA transforms not supported");
	if (!c->spi_out)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX, "Child SPI 0");
	return 0;
}

/* The first child of the connection whose selectors fit the peer's. */
static const struct ike_child_cfg *
pick_child(const struct ike_sa *sa, const struct ike_msg *req,
	   struct ike_ts_pld *tsi, struct ike_ts_pld *tsr)
{
	const struct ike_conn_cfg *conn = sa->conn;
	struct ike_ts_pld ours_l, ours_r;
	uint8_t i;

	for (i = 0; i < conn->nchildren; i++) {
		ike_ts_dynamic(&conn->children[i].local_ts, &sa->local, &ours_l);
		ike_ts_dynamic(&conn->children[i].remote_ts, &sa->remote,
			       &ours_r);
		if (!ike_ts_narrow(&req->tsi, &ours_r, tsi) &&
		    !ike_ts_narrow(&req->tsr, &ours_l, tsr))
			return &conn->children[i];
	}
	return NULL;
}

int ike_child_respond(struct ike_sa *sa, const struct ike_msg *req,
		      struct ike_child **out, struct ike_err *err)
{
	const struct ike_child_cfg *cfg;
	struct ike_ts_pld tsi, tsr;
	struct ike_sa_pld chosen;
	struct ike_child *c;
	uint32_t spi;

	*out = NULL;
	cfg = pick_child(sa, req, &tsi, &tsr);
	if (!cfg) {
		sa->ctx->stats.ts_unacceptable++;
		return ike_fail(err, IKEV2_N_TS_UNACCEPTABLE,
				"no child matches the peer's selectors");
	}
	if (ike_prop_select(&cfg->proposals, &req->sa, 0, IKE_PROP_SKIP_DH,
			    &chosen, err)) {
		sa->ctx->stats.no_proposal++;
		return -1;
	}
	c = ike_child_new(sa, cfg);
	if (!c)
		return ike_fail(err, IKEV2_N_NO_ADDITIONAL_SAS, "no memory");
	c->local_ts = tsr;
	c->remote_ts = tsi;
	c->transport = cfg->transport &&
		ike_msg_notify(req, IKEV2_N_USE_TRANSPORT_MODE);
	if (take_chosen(c, &chosen, err) ||
	    sa->ctx->ops.spi_alloc(sa->ctx->ops.user, c->proto, &spi)) {
		ike_child_free(c);
		return err->notify ? -1 : ike_fail(err,
			IKEV2_N_NO_ADDITIONAL_SAS, "no SPI");
	}
	c->spi_in = spi;
	set_spi(&c->chosen, spi);
	*out = c;
	return 0;
}

int ike_child_check_reply(struct ike_child *c, const struct ike_sa_pld *sent,
			  const struct ike_msg *resp, struct ike_err *err)
{
	bool transport = ike_msg_notify(resp, IKEV2_N_USE_TRANSPORT_MODE);
	struct ike_ts_pld ours_l, ours_r;

	if (!ike_msg_has(resp, IKEV2_PAYLOAD_SA) ||
	    !ike_msg_has(resp, IKEV2_PAYLOAD_TSI) ||
	    !ike_msg_has(resp, IKEV2_PAYLOAD_TSR))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"Child SA answer without SA, TSi or TSr");
	if (ike_prop_check_reply(sent, &resp->sa, IKE_PROP_SKIP_DH, err) < 0 ||
	    take_chosen(c, &resp->sa, err))
		return -1;
	ike_ts_dynamic(&c->cfg->local_ts, &c->sa->local, &ours_l);
	ike_ts_dynamic(&c->cfg->remote_ts, &c->sa->remote, &ours_r);
	if (!ike_ts_subset(&resp->tsi, &ours_l) ||
	    !ike_ts_subset(&resp->tsr, &ours_r))
		return ike_fail(err, IKEV2_N_TS_UNACCEPTABLE,
				"peer's selectors are not inside ours");
	if (transport != c->cfg->transport)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"peer chose %s mode", transport ? "transport"
								: "tunnel");
	c->transport = transport;
	c->local_ts = resp->tsi;
	c->remote_ts = resp->tsr;
	return 0;
}

/* rekey_* minus a random part, life_* (ike/lifetime.h, RFC 7296 2.8). */
static void lifetimes(const struct ike_child *c, uint64_t now,
		      struct ike_life *l)
{
	uint32_t rnd[3] = { 0 };

	xs_random(rnd, sizeof(rnd));
	ike_life_child(c->cfg, c->esn, now, rnd, l);
}

static void fill_install(const struct ike_child *c, bool initiator,
			 const struct ike_child_keys *k,
			 const struct ike_life *l, struct ike_child_install *in)
{
	const struct ike_sa *sa = c->sa;

	memset(in, 0, sizeof(*in));
	in->conn = sa->conn->name;
	in->child = c->cfg->name;
	in->unique_id = c->unique_id;
	in->reqid = c->reqid;
	in->proto = c->proto;
	in->transport = c->transport;
	in->esn = c->esn;
	in->encap = sa->natt;
	in->local = sa->local;
	in->remote = sa->remote;
	in->spi_in = c->spi_in;
	in->spi_out = c->spi_out;
	in->encr = c->encr;
	in->key_bits = c->key_bits;
	in->integ = c->integ;
	in->encr_in = initiator ? k->encr_r : k->encr_i;
	in->integ_in = initiator ? k->integ_r : k->integ_i;
	in->encr_out = initiator ? k->encr_i : k->encr_r;
	in->integ_out = initiator ? k->integ_i : k->integ_r;
	in->lens = k->lens;
	in->replay_window = c->cfg->replay_window;
	in->local_ts = c->local_ts;
	in->remote_ts = c->remote_ts;
	in->life_bytes = l->hard_bytes;
	in->life_packets = l->hard_packets;
	in->life_time = c->cfg->life_time;
	in->rekey_bytes = l->soft_bytes;
	in->rekey_packets = l->soft_packets;
}

int ike_child_install(struct ike_child *c, const struct xs_buf *gir,
		      const struct xs_buf *ni, const struct xs_buf *nr,
		      uint32_t replaces_spi_in, uint64_t now)
{
	struct ike_sa *sa = c->sa;
	struct ike_ctx *ctx = sa->ctx;
	struct ike_child_install in;
	struct ike_child_keys k;
	struct ike_key_lens lens;
	char why[IKE_WHY_MAX] = "";
	struct ike_life l;
	int rc;

	lifetimes(c, now, &l);
	if (ike_child_reqid_assign(c))
		snprintf(why, sizeof(why), "no free reqid");
	rc = why[0] || ike_child_key_lens(c, &lens) ||
	     ike_child_keys_derive(&sa->keys, gir, ni, nr, &lens, &k);
	if (!rc) {
		fill_install(c, c->initiator, &k, &l, &in);
		in.replaces_spi_in = replaces_spi_in;
		rc = ctx->ops.child_install(ctx->ops.user, &in, why);
	}
	ike_child_keys_wipe(&k);
	xs_wipe(&in, sizeof(in));
	if (rc) {
		ctx->stats.child_failed++;
		ike_sa_log(sa, IKE_LOG_ERR, "Child SA #%u not installed: %s",
			   c->unique_id, why[0] ? why : "no keys");
		return -1;
	}
	c->installed = true;
	c->installed_ms = now;
	c->rekey_ms = l.rekey_ms;
	c->expire_ms = l.expire_ms;
	ctx->stats.child_installed++;
	ike_sa_log(sa, IKE_LOG_INFO, "Child SA #%u %s installed (SPIs %08x_i "
		   "%08x_o, %s%s)", c->unique_id, c->cfg->name, c->spi_in,
		   c->spi_out, c->transport ? "transport" : "tunnel",
		   sa->natt ? ", UDP-encapsulated" : "");
	return ike_child_state(c, IKE_CHILD_INSTALLED);
}

int ike_child_add_payloads(struct ike_buf *b, const struct ike_child *c,
			   const struct ike_sa_pld *sa, bool initiator)
{
	struct ike_ts_pld ours_l, ours_r;
	const struct ike_ts_pld *tsi = initiator ? &ours_l : &c->remote_ts;
	const struct ike_ts_pld *tsr = initiator ? &ours_r : &c->local_ts;
	int rc = 0;

	ike_ts_dynamic(&c->cfg->local_ts, &c->sa->local, &ours_l);
	ike_ts_dynamic(&c->cfg->remote_ts, &c->sa->remote, &ours_r);
	if (c->transport || (initiator && c->cfg->transport))
		rc = ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0,
				    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	return rc || ike_add_sa(b, sa) ||
	       ike_add_ts(b, IKEV2_PAYLOAD_TSI, tsi->ts, tsi->num) ||
	       ike_add_ts(b, IKEV2_PAYLOAD_TSR, tsr->ts, tsr->num);
}
