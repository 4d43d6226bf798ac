// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKE_SA_INIT as the responder, around ike_init_respond()
 * (ike/ikev2_init.c): a retransmitted request gets the same response, the
 * cookie check (ike/cookie.c) runs before any state or DH, the number of
 * half-open SAs is bounded, and the connection is the first whose
 * addresses and proposals fit. An accepted request makes a half-open
 * IKE SA (IKE_SA_INIT_DONE) waiting for IKE_AUTH.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/sa.h"

static bool addr_fits(const struct ike_addr *cfg, const struct ike_addr *a)
{
	return !cfg->len || (cfg->len == a->len &&
			     !memcmp(cfg->addr, a->addr, a->len));
}

static bool conn_fits(const struct ike_conn_cfg *c,
		      const struct ike_addr *local,
		      const struct ike_addr *remote)
{
	return addr_fits(&c->local, local) && addr_fits(&c->remote, remote);
}

/* Send what is in ctx->out from local to remote, no SA kept. */
static void send_stateless(struct ike_ctx *ctx, const struct ike_addr *local,
			   const struct ike_addr *remote)
{
	ctx->ops.send(ctx->ops.user, local, remote, ctx->out.data,
		      ctx->out.len);
}

static void refused(struct ike_ctx *ctx, const struct ike_err *err)
{
	if (err->notify == IKEV2_N_NO_PROPOSAL_CHOSEN)
		ctx->stats.no_proposal++;
	ike_log(ctx, IKE_LOG_INFO, "IKE_SA_INIT refused with %s: %s",
		ikev2_name(IKEV2_MAP_NOTIFY, err->notify), err->reason);
}

/* The SA takes what ike_init_respond() negotiated, and the messages. */
static int adopt(struct ike_sa *sa, struct ike_init_sa *is,
		 const struct ike_init_req *req, const struct ike_msg *m,
		 const struct ike_buf *resp)
{
	sa->spi_i = is->spi_i;
	sa->chosen = is->chosen;
	sa->encr = is->encr;
	sa->key_bits = is->key_bits;
	sa->integ = is->integ;
	sa->prf = is->prf;
	sa->group = is->group;
	sa->keys = is->keys;
	sa->peer_frag = is->peer_frag && sa->conn->fragmentation;
	memcpy(sa->nonce_i, m->nonce.ptr, m->nonce.len);
	sa->nonce_i_len = m->nonce.len;
	memcpy(sa->nonce_r, req->nonce_r, req->nonce_len);
	sa->nonce_r_len = req->nonce_len;
	sa->init_msg_i = malloc(req->len);
	sa->init_msg_r = malloc(resp->len);
	if (!sa->init_msg_i || !sa->init_msg_r)
		return -1;
	memcpy(sa->init_msg_i, req->msg, req->len);
	sa->init_len_i = req->len;
	memcpy(sa->init_msg_r, resp->data, resp->len);
	sa->init_len_r = resp->len;
	return ike_init_sk(sa);
}

/* Keep the response as the cached answer to message 0 and send it. */
static int answer(struct ike_sa *sa, const struct ike_buf *resp)
{
	sa->resp.data = malloc(resp->len);
	if (!sa->resp.data)
		return -1;
	memcpy(sa->resp.data, resp->data, resp->len);
	sa->resp.msgid = 0;
	sa->resp.n = 1;
	sa->resp.off[0] = 0;
	sa->resp.off[1] = (uint32_t)resp->len;
	sa->msgid_in = 1;
	return ike_wire_send(sa, &sa->resp);
}

/* ike_init_respond() with each fitting connection until one accepts. */
static int respond(struct ike_sa *sa, struct ike_init_req *req,
		   struct ike_init_sa *is, struct ike_err *err)
{
	struct ike_ctx *ctx = sa->ctx;
	int rc = IKE_INIT_DROP, r;
	size_t i;

	for (i = 0; i < ctx->nconns; i++) {
		if (!conn_fits(&ctx->conns[i], &req->local, &req->remote))
			continue;
		req->ours = &ctx->conns[i].proposals;
		r = ike_init_respond(req, &ctx->out, is, err);
		if (r == IKE_INIT_ACCEPT) {
			sa->conn = &ctx->conns[i];
			return r;
		}
		/* the answer of the first connection that refused */
		if (rc == IKE_INIT_DROP && r == IKE_INIT_REFUSE) {
			memcpy(ctx->frag.data, ctx->out.data, ctx->out.len);
			ctx->frag.len = ctx->out.len;
		}
		if (rc == IKE_INIT_DROP)
			rc = r;
	}
	if (rc == IKE_INIT_REFUSE) {
		memcpy(ctx->out.data, ctx->frag.data, ctx->frag.len);
		ctx->out.len = ctx->frag.len;
	}
	return rc;
}

static void accept_sa(struct ike_sa *sa, struct ike_init_req *req,
		      struct ike_init_sa *is, uint64_t now)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_msg m;
	struct ike_err err;

	if (ike_msg_parse(req->msg, req->len, &m, &err) ||
	    ike_auth_add_init_notifies(sa, &ctx->out) ||
	    ike_msg_finalise(&ctx->out) < 0 ||
	    (sa->conn->encap && ike_nat_fake_source(&ctx->out)) ||
	    adopt(sa, is, req, &m, &ctx->out) ||
	    ike_sa_state(sa, IKE_SA_INIT_DONE) || answer(sa, &ctx->out)) {
		ike_sa_kill(sa, "cannot keep the IKE SA");
		return;
	}
	ike_sa_index_peer(sa);
	ike_nat_detect(sa, &m);
	ike_auth_read_init_notifies(sa, &m);
	ike_sa_log(sa, IKE_LOG_INFO, "IKE SA #%u: answered IKE_SA_INIT",
		   sa->unique_id);
}

void ike_init_on_request(struct ike_ctx *ctx, const struct ike_addr *local,
			 const struct ike_addr *remote, const uint8_t *msg,
			 size_t len, uint64_t now)
{
	uint8_t nonce[IKE_NONCE_LEN];
	struct ike_init_req req = { .msg = msg, .len = len,
				    .nonce_r = nonce, .nonce_len = sizeof(nonce),
				    .local = *local, .remote = *remote };
	struct ike_init_sa is = { 0 };
	struct ike_err err;
	struct ike_sa *sa;
	int rc;

	if (len >= sizeof(struct ikev2_hdr) &&
	    (sa = ike_sa_by_init(ctx, ike_get64(msg), remote)) != NULL) {
		if (sa->state == IKE_SA_INIT_DONE && sa->init_len_i == len &&
		    !memcmp(sa->init_msg_i, msg, len)) {
			ctx->stats.dup_requests++;
			ike_wire_send(sa, &sa->resp);
		} else {
			ike_drop(ctx, IKE_DROP_STATE);
		}
		return;
	}
	if (ike_cookie_check(&ctx->cookies, msg, len, remote, ctx->half_open,
			     now, &ctx->out) == IKE_COOKIE_DEMAND) {
		ctx->stats.cookies_sent++;
		send_stateless(ctx, local, remote);
		return;
	}
	if (ctx->half_open >= IKE_HALF_OPEN_MAX) {
		ike_drop(ctx, IKE_DROP_HALF_OPEN);
		return;
	}
	sa = ike_sa_new(ctx, false, local, remote, now);
	if (!sa || xs_random(nonce, sizeof(nonce))) {
		if (sa)
			ike_sa_kill(sa, "no randomness");
		return;
	}
	req.spi_r = sa->spi_r;
	rc = respond(sa, &req, &is, &err);
	if (rc == IKE_INIT_ACCEPT)
		accept_sa(sa, &req, &is, now);
	else
		ike_sa_state(sa, IKE_SA_DEAD);
	ike_init_sa_wipe(&is);
	xs_wipe(nonce, sizeof(nonce));
	if (rc == IKE_INIT_REFUSE) {
		refused(ctx, &err);
		send_stateless(ctx, local, remote);
	} else if (rc == IKE_INIT_DROP) {
		ike_drop(ctx, IKE_DROP_NO_CONN);
	}
}
