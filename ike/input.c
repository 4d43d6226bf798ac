// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A received datagram (ike_input() of ike/ike.h): the header checks, the
 * IKE SA it belongs to, the message ID window, retransmitted requests,
 * decryption and fragment reassembly, then the exchange's handler. Every
 * refusal is a counted drop (struct ike_stats); nothing is answered that
 * could not be authenticated, except IKE_SA_INIT (ike/exchange_init.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ike/ccsa.h"
#include "ike/sa.h"

/* What the peer's flags must be: it is the original initiator iff we
 * are not, and a response iff it answers one of ours. */
static bool flags_ok(const struct ike_sa *sa, const struct ike_msg *m)
{
	bool from_initiator = m->flags & IKEV2_FLAG_INITIATOR;

	return from_initiator != sa->initiator;
}

static struct ike_sa *find_sa(struct ike_ctx *ctx, const struct ike_msg *m)
{
	bool from_initiator = m->flags & IKEV2_FLAG_INITIATOR;
	struct ike_sa *sa;

	/* the original initiator's messages name our (responder) SPI */
	sa = from_initiator ? ike_sa_by_spi(ctx, m->spi_r, false)
			    : ike_sa_by_spi(ctx, m->spi_i, true);
	if (!sa || sa->spi_i != m->spi_i || sa->spi_r != m->spi_r ||
	    sa->state == IKE_SA_DEAD)
		return NULL;
	return sa;
}

/* Which messages an SA in its state reads (RFC 7296 2.3, 1.2). */
static bool exchange_ok(const struct ike_sa *sa, const struct ike_msg *m,
			bool response)
{
	uint8_t x = m->exchange;

	switch (sa->state) {
	case IKE_SA_INIT_DONE:
		return !response && x == IKEV2_EXCHANGE_IKE_AUTH;
	case IKE_SA_AUTH_SENT:
		return response && x == IKEV2_EXCHANGE_IKE_AUTH;
	case IKE_SA_ESTABLISHED:
	case IKE_SA_REKEYING:
	case IKE_SA_DELETING:
		return x == IKEV2_EXCHANGE_INFORMATIONAL ||
		       x == IKEV2_EXCHANGE_CREATE_CHILD_SA ||
		       (response && x == IKEV2_EXCHANGE_IKE_AUTH);
	default:
		return false;
	}
}

/* Reassembly buffer of requests or responses, made on first use. */
static struct ike_frag_reasm *reasm_of(struct ike_sa *sa, bool response)
{
	struct ike_frag_reasm **r = response ? &sa->reasm_resp : &sa->reasm_req;

	if (!*r) {
		*r = malloc(sizeof(**r));
		if (*r)
			ike_frag_reasm_init(*r, IKEV2_MSG_MAX_BYTES);
	}
	return *r;
}

/*
 * Decrypt the SK payload, or add the SKF fragment (1 when more are
 * needed); then parse the inner chain into m. 0, 1 or -1 (dropped).
 */
static int open_msg(struct ike_sa *sa, struct ike_msg *m, bool response,
		    uint64_t now)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_frag_reasm *r;
	struct ike_span in;
	struct ike_err err;
	uint8_t first;
	long n;
	int rc;

	if (ike_msg_has(m, IKEV2_PAYLOAD_SK)) {
		if (ike_sk_open(sa->sk_in, m, ctx->scratch, &in)) {
			ike_drop(ctx, IKE_DROP_DECRYPT);
			return -1;
		}
		rc = ike_msg_parse_inner(m, in.ptr, in.len, &err);
	} else {
		r = reasm_of(sa, response);
		rc = r ? ike_frag_add(r, sa->sk_in, m, ctx->scratch, now) : -1;
		if (rc == IKE_FRAG_MORE || rc == IKE_FRAG_DUPLICATE)
			return 1;
		if (rc != IKE_FRAG_DONE) {
			ike_drop(ctx, rc == IKE_SK_E_ICV ? IKE_DROP_DECRYPT
							  : IKE_DROP_FRAG);
			return -1;
		}
		/* the chain goes where the fragment was: scratch is ours */
		n = ike_frag_take(r, ctx->scratch, sizeof(ctx->scratch), &first);
		if (n < 0)
			return -1;
		m->sk.inner = first;
		rc = ike_msg_parse_inner(m, ctx->scratch, (size_t)n, &err);
	}
	if (rc) {
		ike_drop(ctx, IKE_DROP_MALFORMED);
		ike_sa_log(sa, IKE_LOG_INFO, "malformed %s: %s",
			   ikev2_name(IKEV2_MAP_EXCHANGE, m->exchange),
			   err.reason);
		return -1;
	}
	return 0;
}

static void dispatch_request(struct ike_sa *sa, const struct ike_msg *m,
			     uint64_t now)
{
	switch (m->exchange) {
	case IKEV2_EXCHANGE_IKE_AUTH:
		ike_auth_on_request(sa, m, now);
		break;
	case IKEV2_EXCHANGE_INFORMATIONAL:
		ike_info_on_request(sa, m, now);
		break;
	default:
		ike_ccsa_on_request(sa, m, now);
		break;
	}
}

static void dispatch_response(struct ike_sa *sa, const struct ike_msg *m,
			      uint64_t now)
{
	enum ike_req_kind kind = sa->req.kind;

	if (m->exchange != sa->req.exchange) {
		ike_drop(sa->ctx, IKE_DROP_STATE);
		return;
	}
	if (kind == IKE_REQ_AUTH)
		ike_auth_on_response(sa, m, now);
	else if (kind == IKE_REQ_CREATE_CHILD)
		ike_ccsa_on_response(sa, m, now);
	else
		ike_info_on_response(sa, m, now);
}

/* A request: the next one in sequence, or a retransmission of the last. */
static int request_window(struct ike_sa *sa, const struct ike_msg *m)
{
	if (m->msgid == sa->msgid_in)
		return 0;
	if (sa->resp.n && m->msgid == sa->resp.msgid &&
	    m->msgid + 1 == sa->msgid_in) {
		/* RFC 7383 2.6.1: resend once per retransmitted message */
		if (!ike_msg_has(m, IKEV2_PAYLOAD_SKF) || m->sk.frag_num == 1) {
			sa->ctx->stats.dup_requests++;
			ike_wire_send(sa, &sa->resp);
		}
		return 1;
	}
	ike_drop(sa->ctx, IKE_DROP_MSGID);
	return -1;
}

static void on_protected(struct ike_sa *sa, struct ike_msg *m,
			 const struct ike_addr *local,
			 const struct ike_addr *remote, uint64_t now)
{
	bool response = m->flags & IKEV2_FLAG_RESPONSE;

	if (!flags_ok(sa, m)) {
		ike_drop(sa->ctx, IKE_DROP_FLAGS);
		return;
	}
	if (response ? (sa->req.kind == IKE_REQ_NONE ||
			m->msgid != sa->req.wire.msgid)
		     : request_window(sa, m)) {
		if (response)
			ike_drop(sa->ctx, IKE_DROP_MSGID);
		return;
	}
	if (!exchange_ok(sa, m, response)) {
		ike_drop(sa->ctx, IKE_DROP_STATE);
		return;
	}
	if (open_msg(sa, m, response, now))
		return;
	sa->last_rx_ms = now;
	ike_nat_update(sa, local, remote);
	if (response) {
		dispatch_response(sa, m, now);
	} else {
		sa->msgid_in++;
		dispatch_request(sa, m, now);
	}
	ike_sa_kick(sa, now);
}

static void on_init(struct ike_ctx *ctx, const struct ike_msg *m,
		    const struct ike_addr *local,
		    const struct ike_addr *remote, size_t len, uint64_t now)
{
	struct ike_sa *sa;

	if (!(m->flags & IKEV2_FLAG_RESPONSE)) {
		ike_init_on_request(ctx, local, remote, ctx->scratch, len,
				    now);
		return;
	}
	sa = ike_sa_by_spi(ctx, m->spi_i, true);
	if (!sa || sa->state != IKE_SA_INIT_SENT || m->msgid != 0 ||
	    (m->flags & IKEV2_FLAG_INITIATOR)) {
		ike_drop(ctx, sa ? IKE_DROP_STATE : IKE_DROP_NO_SA);
		return;
	}
	ike_init_on_response(sa, m, now);
}

/*
 * A request for no IKE SA of ours: RFC 7296 2.21.4's unprotected answer
 * with INVALID_IKE_SPI (SPIs and message ID copied, back to where it came
 * from), at most IKE_INVALID_SPI_PER_SEC a second; responses get nothing.
 */
static void answer_unknown_spi(struct ike_ctx *ctx, const struct ike_msg *m,
			       const struct ike_addr *local,
			       const struct ike_addr *remote, uint64_t now)
{
	struct ike_buf *b = &ctx->out;
	uint8_t flags = IKEV2_FLAG_RESPONSE;

	if (m->flags & IKEV2_FLAG_RESPONSE)
		return;
	if (ctx->invalid_spi_sec != now / 1000) {
		ctx->invalid_spi_sec = now / 1000;
		ctx->invalid_spi_n = 0;
	}
	if (ctx->invalid_spi_n >= IKE_INVALID_SPI_PER_SEC)
		return;
	if (!(m->flags & IKEV2_FLAG_INITIATOR))
		flags |= IKEV2_FLAG_INITIATOR;
	ike_buf_init(b, m->spi_i, m->spi_r, m->exchange, flags, m->msgid);
	if (ike_add_notify(b, 0, NULL, 0, IKEV2_N_INVALID_IKE_SPI, NULL, 0) ||
	    ike_msg_finalise(b) < 0)
		return;
	ctx->invalid_spi_n++;
	ctx->stats.invalid_spi_sent++;
	ctx->ops.send(ctx->ops.user, local, remote, b->data, b->len);
}

void ike_input(struct ike_ctx *ctx, const struct ike_addr *local,
	       const struct ike_addr *remote, const uint8_t *msg, size_t len,
	       uint64_t now)
{
	struct ike_msg *m = &ctx->msg;
	struct ike_err err;
	struct ike_sa *sa;

	if (len < sizeof(struct ikev2_hdr) || len > sizeof(ctx->scratch)) {
		ike_drop(ctx, IKE_DROP_MALFORMED);
		return;
	}
	memcpy(ctx->scratch, msg, len);
	if (ike_msg_parse(ctx->scratch, len, m, &err)) {
		/* an IKE_SA_INIT request gets its INVALID_SYNTAX answer */
		if (ctx->scratch[18] == IKEV2_EXCHANGE_IKE_SA_INIT)
			ike_init_on_request(ctx, local, remote, ctx->scratch,
					    len, now);
		else
			ike_drop(ctx, IKE_DROP_MALFORMED);
		ike_reap(ctx);
		return;
	}
	if (m->exchange == IKEV2_EXCHANGE_IKE_SA_INIT) {
		on_init(ctx, m, local, remote, len, now);
	} else if ((sa = find_sa(ctx, m)) == NULL) {
		ike_drop(ctx, IKE_DROP_NO_SA);
		answer_unknown_spi(ctx, m, local, remote, now);
	} else if (!sa->sk_in || (!ike_msg_has(m, IKEV2_PAYLOAD_SK) &&
				  !ike_msg_has(m, IKEV2_PAYLOAD_SKF))) {
		ike_drop(ctx, IKE_DROP_STATE);
	} else {
		on_protected(sa, m, local, remote, now);
	}
	ike_reap(ctx);
}
