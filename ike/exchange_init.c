// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKE_SA_INIT (RFC 7296 1.2, 2.6): the initiator's request, its restarts
 * for a COOKIE or INVALID_KE_PAYLOAD, and the response that makes the
 * IKE SA's keys; as the responder, the stateless cookie check, the choice
 * of a connection and ike_init_respond() (ike/ikev2_init.c), then a
 * half-open IKE SA waiting for IKE_AUTH.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/proposal.h"
#include "ike/sa.h"

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d)
		memcpy(d, p, len);
	return d;
}

int ike_init_derive(struct ike_sa *sa, const uint8_t *gir, size_t gir_len)
{
	struct xs_buf ni = ike_sa_ni(sa), nr = ike_sa_nr(sa);
	struct xs_buf g = { gir, gir_len };
	uint8_t seed[IKE_PRF_MAX_LEN];
	struct ike_key_lens lens;

	if (ike_key_lens(sa->encr, sa->key_bits, sa->integ, &lens) ||
	    ike_sa_keys_from_seed(sa->prf, seed,
				  ike_skeyseed(sa->prf, &ni, &nr, &g, seed),
				  &ni, &nr, sa->spi_i, sa->spi_r, &lens,
				  &sa->keys))
		return -1;
	return ike_init_sk(sa);
}

int ike_init_sk(struct ike_sa *sa)
{
	sa->sk_out = ike_sk_from_keys(sa->encr, sa->integ, &sa->keys,
				      sa->initiator);
	sa->sk_in = ike_sk_from_keys(sa->encr, sa->integ, &sa->keys,
				     !sa->initiator);
	return sa->sk_out && sa->sk_in ? 0 : -1;
}

/* ---- initiator ------------------------------------------------------- */

static int add_request_payloads(struct ike_sa *sa, struct ike_buf *b)
{
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN];
	size_t pub_len = ike_dh_public_len(sa->dh);
	int rc = 0;

	if (sa->cookie_len)
		rc = ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0,
				    IKEV2_N_COOKIE, sa->cookie,
				    sa->cookie_len);
	rc = rc || ike_dh_public(sa->dh, pub, sizeof(pub)) ||
	     ike_add_sa(b, &sa->conn->proposals) ||
	     ike_add_ke(b, sa->ke_group, pub, pub_len) ||
	     ike_add_nonce(b, sa->nonce_i, sa->nonce_i_len) ||
	     ike_nat_add_notifies(b, sa);
	if (!rc && sa->conn->fragmentation)
		rc = ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0,
				    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
				    NULL, 0);
	if (!rc)
		rc = ike_auth_add_init_notifies(sa, b);
	return rc;
}

/*
 * The request, again after a restart: with a fresh key pair when the
 * group is new; after a COOKIE everything but the cookie is unchanged
 * (RFC 7296 2.6).
 */
static int send_request(struct ike_sa *sa, uint64_t now)
{
	struct ike_buf *b = &sa->ctx->out;

	if (!sa->dh || ike_dh_group(sa->dh) != sa->ke_group) {
		ike_dh_free(sa->dh);
		sa->dh = ike_dh_new(sa->ke_group);
		if (!sa->dh || ike_dh_generate(sa->dh))
			return -1;
	}
	ike_buf_init(b, sa->spi_i, 0, IKEV2_EXCHANGE_IKE_SA_INIT,
		     IKEV2_FLAG_INITIATOR, 0);
	if (add_request_payloads(sa, b) || ike_msg_finalise(b) < 0)
		return -1;
	free(sa->init_msg_i);
	sa->init_msg_i = dup_bytes(b->data, b->len);
	sa->init_len_i = b->len;
	if (!sa->init_msg_i)
		return -1;
	return ike_send_init_request(sa, now);
}

int ike_init_initiate(struct ike_ctx *ctx, const struct ike_conn_cfg *conn,
		      const struct ike_child_cfg *child, uint32_t keyingtry,
		      uint64_t now)
{
	struct ike_addr local = conn->local, remote = conn->remote;
	struct ike_sa *sa;
	int group;

	if (!remote.len)
		return -1;
	remote.port = remote.port ? remote.port : 500;
	local.port = local.port ? local.port : 500;
	if (!local.len && ike_nat_source(&remote, &local))
		return -1;
	group = ike_prop_xform(&conn->proposals, 0, IKEV2_XFORM_DH, NULL);
	sa = ike_sa_new(ctx, true, &local, &remote, now);
	if (!sa)
		return -1;
	sa->conn = conn;
	sa->first_child = child;
	sa->keyingtry = keyingtry;
	sa->ke_group = group < 0 ? 0 : (uint16_t)group;
	sa->nonce_i_len = IKE_NONCE_LEN;
	if (xs_random(sa->nonce_i, IKE_NONCE_LEN) || ike_sa_state(sa,
	    IKE_SA_INIT_SENT) || send_request(sa, now)) {
		ike_sa_kill(sa, "cannot send IKE_SA_INIT");
		return -1;
	}
	ike_sa_log(sa, IKE_LOG_INFO, "initiating IKE SA #%u to peer",
		   sa->unique_id);
	return 0;
}

/* COOKIE or INVALID_KE_PAYLOAD: 1 if the request went out again. */
static int restart(struct ike_sa *sa, const struct ike_msg *m, uint64_t now)
{
	const struct ike_notify_pld *c = ike_msg_notify(m, IKEV2_N_COOKIE);
	const struct ike_notify_pld *k =
		ike_msg_notify(m, IKEV2_N_INVALID_KE_PAYLOAD);

	if ((!c && !k) || ++sa->init_tries > IKE_INIT_RETRIES)
		return 0;
	if (c) {
		if (!c->data.len || c->data.len > IKEV2_COOKIE_MAX_BYTES)
			return 0;
		memcpy(sa->cookie, c->data.ptr, c->data.len);
		sa->cookie_len = (uint8_t)c->data.len;
	} else {
		uint16_t want = k->data.len == 2 ? ike_get16(k->data.ptr) : 0;

		if (!ike_init_group_offered(sa->conn, want) ||
		    want == sa->ke_group)
			return 0;
		ike_sa_log(sa, IKE_LOG_INFO, "peer wants DH group %s",
			   ikev2_name(IKEV2_MAP_DH, want));
		sa->ke_group = want;
	}
	return send_request(sa, now) ? 0 : 1;
}

bool ike_init_group_offered(const struct ike_conn_cfg *conn, uint16_t g)
{
	const struct ike_sa_pld *p = &conn->proposals;
	uint16_t i;

	for (i = 0; i < p->nxforms; i++)
		if (p->xforms[i].type == IKEV2_XFORM_DH &&
		    p->xforms[i].id == g && g != IKEV2_DH_NONE)
			return ike_dh_supported(g);
	return false;
}

/* The chosen transforms of the responder's SA payload; 0 or -1. */
static int take_reply(struct ike_sa *sa, const struct ike_msg *m,
		      struct ike_err *err)
{
	int integ;

	if (ike_prop_check_reply(&sa->conn->proposals, &m->sa, 0, err) < 0)
		return -1;
	sa->chosen = m->sa;
	sa->encr = (uint16_t)ike_prop_xform(&m->sa, 0, IKEV2_XFORM_ENCR,
					    &sa->key_bits);
	sa->prf = (uint16_t)ike_prop_xform(&m->sa, 0, IKEV2_XFORM_PRF, NULL);
	sa->group = (uint16_t)ike_prop_xform(&m->sa, 0, IKEV2_XFORM_DH, NULL);
	integ = ike_prop_xform(&m->sa, 0, IKEV2_XFORM_INTEG, NULL);
	sa->integ = integ < 0 ? IKEV2_INTEG_NONE : (uint16_t)integ;
	if (sa->group != sa->ke_group || m->ke.group != sa->ke_group)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"KE of group %u, chose %u, we sent %u",
				m->ke.group, sa->group, sa->ke_group);
	if (m->nonce.len < IKEV2_NONCE_MIN_BYTES || !m->spi_r)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"short nonce or zero responder SPI");
	return 0;
}

static int accept_response(struct ike_sa *sa, const struct ike_msg *m,
			   struct ike_err *err)
{
	uint8_t gir[IKE_DH_MAX_SECRET_LEN];
	size_t gir_len = ike_dh_secret_len(sa->dh);
	int rc;

	if (!ike_msg_has(m, IKEV2_PAYLOAD_SA) ||
	    !ike_msg_has(m, IKEV2_PAYLOAD_KE) ||
	    !ike_msg_has(m, IKEV2_PAYLOAD_NONCE))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"IKE_SA_INIT response without SA, KE, Nonce");
	if (take_reply(sa, m, err))
		return -1;
	rc = ike_dh_derive(sa->dh, m->ke.data.ptr, m->ke.data.len, gir,
			   sizeof(gir));
	if (rc)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX, "KE: %s",
				ike_dh_strerror(rc));
	sa->spi_r = m->spi_r;
	memcpy(sa->nonce_r, m->nonce.ptr, m->nonce.len);
	sa->nonce_r_len = m->nonce.len;
	rc = ike_init_derive(sa, gir, gir_len);
	xs_wipe(gir, sizeof(gir));
	sa->init_msg_r = dup_bytes(m->buf, m->len);
	sa->init_len_r = m->len;
	if (rc || !sa->init_msg_r)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"IKE SA keys cannot be made");
	return 0;
}

void ike_init_on_response(struct ike_sa *sa, const struct ike_msg *m,
			  uint64_t now)
{
	const struct ike_notify_pld *n = m->nnotify ? &m->notify[0] : NULL;
	struct ike_err err = { 0 };

	if (restart(sa, m, now))
		return;
	if (n && n->type < IKEV2_N_STATUS_MIN && !m->sa.nprops) {
		if (n->type == IKEV2_N_NO_PROPOSAL_CHOSEN)
			sa->ctx->stats.no_proposal++;
		sa->ctx->stats.sa_failed++;
		ike_sa_log(sa, IKE_LOG_ERR, "peer refused IKE_SA_INIT: %s",
			   ikev2_name(IKEV2_MAP_NOTIFY, n->type));
		ike_sa_kill(sa, "IKE_SA_INIT refused");
		return;
	}
	if (accept_response(sa, m, &err)) {
		sa->ctx->stats.sa_failed++;
		ike_sa_log(sa, IKE_LOG_ERR, "IKE_SA_INIT response: %s",
			   err.reason);
		ike_sa_kill(sa, "bad IKE_SA_INIT response");
		return;
	}
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	sa->peer_frag = sa->conn->fragmentation &&
		ike_msg_notify(m, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED);
	ike_auth_read_init_notifies(sa, m);
	ike_nat_detect(sa, m);
	ike_req_done(sa);
	ike_nat_float(sa);
	if (ike_auth_initiate(sa, m, now))
		ike_sa_kill(sa, "cannot send IKE_AUTH");
}
