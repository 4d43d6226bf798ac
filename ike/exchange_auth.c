// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKE_AUTH (RFC 7296 1.2, 2.15): identities, authentication and the first
 * Child SA, as initiator and responder. The authentication method is one
 * small switch (make_auth() / verify_auth()) over the configured kind;
 * which connection, identity and secret apply is ike/auth_match.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/ccsa.h"
#include "ike/id.h"
#include "ike/proposal.h"
#include "ike/sa.h"

/* Octets an end signs (2.15): its IKE_SA_INIT message, the other's nonce,
 * prf(SK_p, its ID body). */
static void signed_octets(const struct ike_sa *sa, bool of_initiator,
			  const uint8_t *body, size_t body_len,
			  struct ike_signed_octets *so)
{
	so->msg.p = of_initiator ? sa->init_msg_i : sa->init_msg_r;
	so->msg.len = of_initiator ? sa->init_len_i : sa->init_len_r;
	so->nonce.p = of_initiator ? sa->nonce_r : sa->nonce_i;
	so->nonce.len = of_initiator ? sa->nonce_r_len : sa->nonce_i_len;
	so->id.p = body;
	so->id.len = body_len;
	so->sk_p = of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr;
	so->sk_p_len = sa->keys.prf_len;
}

/* Our AUTH payload; 0 or -1. */
static int make_auth(struct ike_sa *sa, const struct ike_signed_octets *so,
		     struct ike_buf *b)
{
	uint8_t out[IKE_PRF_MAX_LEN];
	const struct ike_secret_cfg *s;
	size_t n = 0;

	switch (sa->conn->local_auth.auth) {
	case IKE_AUTH_KIND_PSK:
		s = ike_psk_find(sa->ctx, &sa->local_id, &sa->remote_id);
		if (s)
			n = ike_auth_psk(sa->prf, s->psk, s->len, so, out);
		if (!n || ike_add_auth(b, IKEV2_AUTH_SHARED_KEY_MIC, out, n)) {
			ike_sa_log(sa, IKE_LOG_ERR, "no shared key for us");
			n = 0;
		}
		xs_wipe(out, sizeof(out));
		return n ? 0 : -1;
	case IKE_AUTH_KIND_PUBKEY:
		return ike_pubkey_add_auth(sa, so, b);
	default:
		ike_sa_log(sa, IKE_LOG_ERR, "local authentication method %u "
			   "not available", sa->conn->local_auth.auth);
		return -1;
	}
}

/* The peer's AUTH payload (m's, for its ID payload id) against what it
 * should have signed; with a certificate, its chain and the ID in it. */
static bool verify_auth(struct ike_sa *sa, const struct ike_msg *m,
			const struct ike_id_pld *id,
			const struct ike_signed_octets *so)
{
	const struct ike_auth_pld *a = &m->auth;
	const struct ike_secret_cfg *s;

	switch (sa->conn->remote_auth.auth) {
	case IKE_AUTH_KIND_PSK:
		s = ike_psk_find(sa->ctx, &sa->local_id, &sa->remote_id);
		return s && a->method == IKEV2_AUTH_SHARED_KEY_MIC &&
		       ike_auth_psk_verify(sa->prf, s->psk, s->len, so,
					   a->data.ptr, a->data.len);
	case IKE_AUTH_KIND_PUBKEY:
		return ike_pubkey_verify(sa, m, id, so);
	default:
		return false;
	}
}

static bool uses_pubkey(const struct ike_conn_cfg *c)
{
	return c->local_auth.auth == IKE_AUTH_KIND_PUBKEY ||
	       c->remote_auth.auth == IKE_AUTH_KIND_PUBKEY;
}

int ike_auth_add_init_notifies(const struct ike_sa *sa, struct ike_buf *b)
{
	if (!uses_pubkey(sa->conn))
		return 0;
	if (!sa->initiator && ike_pubkey_add_certreq(sa, b))
		return -1;
	return ike_pubkey_add_hashes(b);
}

void ike_auth_read_init_notifies(struct ike_sa *sa, const struct ike_msg *m)
{
	ike_pubkey_read_hashes(sa, m);
}

/* Our ID, CERT and CERTREQ with a certificate, IDr for the initiator if
 * it names the peer, AUTH. peer: the message with the peer's CERTREQs. */
static int add_id_auth(struct ike_sa *sa, struct ike_buf *b,
		       const struct ike_msg *peer)
{
	uint8_t body[4 + IKE_ID_MAX];
	struct ike_signed_octets so;
	size_t len;

	if (ike_local_id(sa, &sa->local_id))
		return -1;
	len = ike_id_body(&sa->local_id, body, sizeof(body));
	signed_octets(sa, sa->initiator, body, len, &so);
	if (ike_add_id(b, sa->initiator ? IKEV2_PAYLOAD_IDI : IKEV2_PAYLOAD_IDR,
		       sa->local_id.type, sa->local_id.data, sa->local_id.len))
		return -1;
	if (sa->conn->local_auth.auth == IKE_AUTH_KIND_PUBKEY &&
	    ike_pubkey_add_certs(sa, b, peer->certreq, peer->ncertreq))
		return -1;
	if (sa->initiator && ike_pubkey_add_certreq(sa, b))
		return -1;
	if (sa->initiator && sa->conn->remote_auth.id.type &&
	    ike_add_id(b, IKEV2_PAYLOAD_IDR, sa->conn->remote_auth.id.type,
		       sa->conn->remote_auth.id.data,
		       sa->conn->remote_auth.id.len))
		return -1;
	return make_auth(sa, &so, b);
}

/* The peer's ID (as sent) and AUTH; false, logged, if they fail. */
static bool peer_authentic(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_id_pld *id = sa->initiator ? &m->idr : &m->idi;
	struct ike_signed_octets so;
	struct ike_err err;

	if (!ike_msg_has(m, IKEV2_PAYLOAD_AUTH) ||
	    !ike_msg_has(m, sa->initiator ? IKEV2_PAYLOAD_IDR
					  : IKEV2_PAYLOAD_IDI) ||
	    ike_id_from_pld(id, &sa->remote_id, &err))
		return false;
	if (!ike_id_match(&sa->remote_id, &sa->conn->remote_auth.id)) {
		ike_sa_log(sa, IKE_LOG_ERR, "peer's identity is not the "
			   "configured one");
		return false;
	}
	signed_octets(sa, !sa->initiator, id->body.ptr, id->body.len, &so);
	if (!verify_auth(sa, m, id, &so)) {
		ike_sa_log(sa, IKE_LOG_ERR, "peer's AUTH does not verify");
		return false;
	}
	return true;
}

static void established(struct ike_sa *sa, const struct ike_msg *m,
			uint64_t now)
{
	struct ike_ctx *ctx = sa->ctx;

	ike_sa_state(sa, IKE_SA_ESTABLISHED);
	ctx->stats.sa_established++;
	sa->established_ms = now;
	ike_rekey_ike_schedule(sa, now);
	sa->dpd_ms = sa->conn->dpd_delay ?
		     now + (uint64_t)sa->conn->dpd_delay * 1000 : 0;
	ike_sa_log(sa, IKE_LOG_INFO, "IKE SA #%u established (%s)",
		   sa->unique_id, sa->initiator ? "initiator" : "responder");
	if (ike_msg_notify(m, IKEV2_N_INITIAL_CONTACT))
		ike_info_initial_contact(sa, now);
	free(sa->init_msg_i);
	free(sa->init_msg_r);
	sa->init_msg_i = sa->init_msg_r = NULL;
}

/* ---- initiator --------------------------------------------------------- */

static int add_first_child(struct ike_sa *sa, struct ike_buf *b)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_child *c;
	uint32_t spi;

	if (!sa->first_child)
		return 0;
	c = ike_child_new(sa, sa->first_child);
	if (!c || ctx->ops.spi_alloc(ctx->ops.user, c->proto, &spi))
		return -1;
	c->spi_in = spi;
	/* what we offer stays in chosen until the answer replaces it */
	return ike_child_proposals(c->cfg, spi, &c->chosen) ||
	       ike_child_add_payloads(b, c, &c->chosen, true);
}

int ike_auth_initiate(struct ike_sa *sa, const struct ike_msg *init_resp,
		      uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;

	ike_buf_init_inner(b);
	if (add_id_auth(sa, b, init_resp))
		return -1;
	if (ike_first_contact(sa) &&
	    ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0,
			   IKEV2_N_INITIAL_CONTACT, NULL, 0))
		return -1;
	if (add_first_child(sa, b) || ike_sa_state(sa, IKE_SA_AUTH_SENT))
		return -1;
	return ike_send_request(sa, IKEV2_EXCHANGE_IKE_AUTH, IKE_REQ_AUTH, b,
				now);
}

/* The error notify of a response (the first one), or 0. */
static uint16_t error_notify(const struct ike_msg *m)
{
	uint8_t i;

	for (i = 0; i < m->nnotify; i++)
		if (m->notify[i].type < IKEV2_N_STATUS_MIN)
			return m->notify[i].type;
	return 0;
}

static void child_answer(struct ike_sa *sa, const struct ike_msg *m,
			 uint64_t now)
{
	struct ike_child *c = sa->children;
	struct xs_buf ni = ike_sa_ni(sa), nr = ike_sa_nr(sa);
	uint16_t notify = error_notify(m);
	struct ike_err err = { 0 };

	if (!c)
		return;
	if (notify)
		ike_fail(&err, notify, "peer refused the Child SA");
	if (notify || ike_child_check_reply(c, &c->chosen, m, &err) ||
	    ike_child_install(c, NULL, &ni, &nr, 0, now)) {
		if (err.notify == IKEV2_N_TS_UNACCEPTABLE)
			sa->ctx->stats.ts_unacceptable++;
		if (err.notify == IKEV2_N_NO_PROPOSAL_CHOSEN)
			sa->ctx->stats.no_proposal++;
		sa->ctx->stats.child_failed++;
		ike_sa_log(sa, IKE_LOG_ERR, "Child SA %s failed: %s (%s)",
			   c->cfg->name, err.reason,
			   ikev2_name(IKEV2_MAP_NOTIFY, err.notify));
		/* the peer made its half unless it refused: delete that */
		if (!notify && ike_msg_has(m, IKEV2_PAYLOAD_SA))
			ike_info_delete_child(c, now);
		else
			ike_child_free(c);
	}
}

void ike_auth_on_response(struct ike_sa *sa, const struct ike_msg *m,
			  uint64_t now)
{
	uint16_t notify = error_notify(m);

	ike_req_done(sa);
	if (!peer_authentic(sa, m)) {
		sa->ctx->stats.sa_failed++;
		if (notify == IKEV2_N_AUTHENTICATION_FAILED ||
		    ike_msg_has(m, IKEV2_PAYLOAD_AUTH))
			sa->ctx->stats.auth_failed++;
		ike_sa_log(sa, IKE_LOG_ERR, "IKE_AUTH failed%s%s", notify ?
			   ": peer says " : "", notify ?
			   ikev2_name(IKEV2_MAP_NOTIFY, notify) : "");
		if (ike_msg_has(m, IKEV2_PAYLOAD_AUTH))
			ike_info_notify(sa, IKEV2_N_AUTHENTICATION_FAILED, now);
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	established(sa, m, now);
	child_answer(sa, m, now);
}

/* ---- responder --------------------------------------------------------- */

/* The first Child SA, installed, into the response; or its error notify. */
static int respond_child(struct ike_sa *sa, const struct ike_msg *m,
			 struct ike_buf *b, uint64_t now)
{
	struct xs_buf ni = ike_sa_ni(sa), nr = ike_sa_nr(sa);
	struct ike_child *c;
	struct ike_err err = { 0 };

	if (!ike_msg_has(m, IKEV2_PAYLOAD_SA))
		return 0;		/* childless (RFC 6023) */
	if (!ike_msg_has(m, IKEV2_PAYLOAD_TSI) ||
	    !ike_msg_has(m, IKEV2_PAYLOAD_TSR)) {
		ike_fail(&err, IKEV2_N_INVALID_SYNTAX, "SA without TSi/TSr");
	} else if (!ike_child_respond(sa, m, &c, &err)) {
		if (!ike_child_install(c, NULL, &ni, &nr, 0, now))
			return ike_child_add_payloads(b, c, &c->chosen, false);
		ike_child_free(c);
		ike_fail(&err, IKEV2_N_NO_PROPOSAL_CHOSEN, "not installed");
	}
	sa->ctx->stats.child_failed++;
	ike_sa_log(sa, IKE_LOG_ERR, "no Child SA for the peer: %s (%s)",
		   err.reason, ikev2_name(IKEV2_MAP_NOTIFY, err.notify));
	return ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0, err.notify, NULL,
			      0);
}

void ike_auth_on_request(struct ike_sa *sa, const struct ike_msg *m,
			 uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;

	if (!ike_auth_pick_conn(sa, m) || !peer_authentic(sa, m)) {
		sa->ctx->stats.sa_failed++;
		sa->ctx->stats.auth_failed++;
		ike_sa_log(sa, IKE_LOG_ERR, "IKE_AUTH from peer failed");
		ike_info_refuse(sa, m, IKEV2_N_AUTHENTICATION_FAILED);
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	ike_buf_init_inner(b);
	if (add_id_auth(sa, b, m)) {
		ike_info_refuse(sa, m, IKEV2_N_AUTHENTICATION_FAILED);
		ike_sa_kill(sa, "cannot authenticate ourselves");
		return;
	}
	established(sa, m, now);
	if (respond_child(sa, m, b, now) ||
	    ike_send_response(sa, IKEV2_EXCHANGE_IKE_AUTH, m->msgid, b))
		ike_sa_kill(sa, "cannot answer IKE_AUTH");
}
