// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Message IDs, sending and retransmission (RFC 7296 2.1-2.3, RFC 7383).
 *
 * Window size one: a request of ours is numbered msgid_out, kept as sent
 * (struct ike_wire: the datagram, or every fragment) and retransmitted
 * after 0.5 s, then 1.8 times longer each time; after IKE_RETRANSMIT_TRIES
 * retransmits the peer is given up. Our last response is kept the same way
 * and sent again, unchanged, for a retransmitted request.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/ccsa.h"
#include "ike/sa.h"

enum { UDP_HDR = 8, IPV4_HDR = 20, IPV6_HDR = 40, MARKER = 4 };

void ike_wire_free(struct ike_wire *w)
{
	free(w->data);
	memset(w, 0, sizeof(*w));
}

/* Append one datagram (the emit callback of ike_frag_split()). */
static int wire_append(void *arg, const uint8_t *msg, size_t len)
{
	struct ike_wire *w = arg;
	size_t have = w->n ? w->off[w->n] : 0;
	uint8_t *p;

	if (w->n >= IKE_FRAG_MAX)
		return -1;
	p = realloc(w->data, have + len);
	if (!p)
		return -1;
	memcpy(p + have, msg, len);
	w->data = p;
	w->off[w->n] = (uint32_t)have;
	w->off[++w->n] = (uint32_t)(have + len);
	return 0;
}

int ike_wire_send(struct ike_sa *sa, const struct ike_wire *w)
{
	struct ike_ctx *ctx = sa->ctx;
	int rc = 0;
	uint16_t i;

	for (i = 0; i < w->n; i++)
		rc |= ctx->ops.send(ctx->ops.user, &sa->local, &sa->remote,
				    w->data + w->off[i],
				    w->off[i + 1] - w->off[i]);
	return rc ? -1 : 0;
}

/* The largest IKE message we send unfragmented to this peer. */
static size_t frag_limit(const struct ike_sa *sa)
{
	size_t hdrs = (sa->remote.len == 16 ? IPV6_HDR : IPV4_HDR) + UDP_HDR;

	return IKE_FRAG_MTU - hdrs - (sa->natt ? MARKER : 0);
}

/* Protect inner as message msgid with flags into w (empty before). */
static int seal(struct ike_sa *sa, uint8_t exchange, uint8_t flags,
		uint32_t msgid, struct ike_buf *inner, struct ike_wire *w)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_frag_hdr h = { sa->spi_i, sa->spi_r, exchange, flags,
				  msgid };
	size_t whole;
	int rc;

	ike_msg_finalise(inner);
	whole = sizeof(struct ikev2_hdr) + sizeof(struct ikev2_pld_hdr) +
		ike_sk_body_len(sa->sk_out, inner->len);
	w->msgid = msgid;
	if (sa->peer_frag && sa->conn && sa->conn->fragmentation &&
	    whole > frag_limit(sa)) {
		rc = ike_frag_split(sa->sk_out, &h, inner, frag_limit(sa),
				    &ctx->frag, wire_append, w);
		return rc < 0 ? -1 : 0;
	}
	ike_buf_init(&ctx->out, sa->spi_i, sa->spi_r, exchange, flags, msgid);
	rc = ike_sk_seal(sa->sk_out, &ctx->out, inner);
	if (rc < 0)
		return -1;
	return wire_append(w, ctx->out.data, (size_t)rc);
}

static uint8_t our_flags(const struct ike_sa *sa)
{
	return sa->initiator ? IKEV2_FLAG_INITIATOR : 0;
}

static void start_request(struct ike_sa *sa, uint8_t exchange,
			  enum ike_req_kind kind, uint64_t now)
{
	sa->req.kind = kind;
	sa->req.exchange = exchange;
	sa->req.tries = 0;
	sa->req.sent_ms = now;
	sa->req.next_ms = now + IKE_RETRANSMIT_BASE_MS;
	ike_wire_send(sa, &sa->req.wire);
}

int ike_send_request(struct ike_sa *sa, uint8_t exchange,
		     enum ike_req_kind kind, struct ike_buf *inner,
		     uint64_t now)
{
	if (sa->req.kind != IKE_REQ_NONE || !sa->sk_out)
		return -1;
	ike_wire_free(&sa->req.wire);
	if (seal(sa, exchange, our_flags(sa), sa->msgid_out, inner,
		 &sa->req.wire)) {
		ike_wire_free(&sa->req.wire);
		ike_sa_log(sa, IKE_LOG_ERR, "cannot build %s request",
			   ikev2_name(IKEV2_MAP_EXCHANGE, exchange));
		return -1;
	}
	start_request(sa, exchange, kind, now);
	return 0;
}

int ike_send_init_request(struct ike_sa *sa, uint64_t now)
{
	struct ike_buf *b = &sa->ctx->out;

	ike_wire_free(&sa->req.wire);
	sa->req.kind = IKE_REQ_NONE;
	if (ike_msg_finalise(b) < 0 || wire_append(&sa->req.wire, b->data,
						   b->len))
		return -1;
	sa->req.wire.msgid = 0;
	start_request(sa, IKEV2_EXCHANGE_IKE_SA_INIT, IKE_REQ_INIT, now);
	return 0;
}

int ike_send_response(struct ike_sa *sa, uint8_t exchange, uint32_t msgid,
		      struct ike_buf *inner)
{
	ike_wire_free(&sa->resp);
	if (seal(sa, exchange, our_flags(sa) | IKEV2_FLAG_RESPONSE, msgid,
		 inner, &sa->resp)) {
		ike_wire_free(&sa->resp);
		ike_sa_log(sa, IKE_LOG_ERR, "cannot build %s response",
			   ikev2_name(IKEV2_MAP_EXCHANGE, exchange));
		return -1;
	}
	return ike_wire_send(sa, &sa->resp);
}

void ike_req_done(struct ike_sa *sa)
{
	ike_wire_free(&sa->req.wire);
	sa->req.kind = IKE_REQ_NONE;
	sa->req.next_ms = 0;
	sa->req.child_spi_in = 0;
	sa->msgid_out++;
}

/* 0.5 s x 1.8^n */
static uint64_t backoff_ms(uint8_t tries)
{
	uint64_t t = IKE_RETRANSMIT_BASE_MS;

	while (tries--)
		t = t * 9 / 5;
	return t;
}

void ike_retransmit_tick(struct ike_sa *sa, uint64_t now)
{
	struct ike_out_req *r = &sa->req;

	if (!r->next_ms || now < r->next_ms)
		return;
	if (r->tries >= IKE_RETRANSMIT_TRIES) {
		sa->ctx->stats.give_ups++;
		r->next_ms = 0;
		ike_sa_gone(sa, now, "peer did not answer (retransmits "
			    "exhausted)");
		return;
	}
	r->tries++;
	r->next_ms = now + backoff_ms(r->tries);
	sa->ctx->stats.retransmits++;
	ike_sa_log(sa, IKE_LOG_DEBUG, "retransmit %u of %s request %u",
		   r->tries, ikev2_name(IKEV2_MAP_EXCHANGE, r->exchange),
		   r->wire.msgid);
	ike_wire_send(sa, &r->wire);
}

void ike_sa_kick(struct ike_sa *sa, uint64_t now)
{
	if (sa->req.kind != IKE_REQ_NONE ||
	    (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYING))
		return;
	if (!ike_info_kick(sa, now))
		ike_ccsa_kick(sa, now);
}
