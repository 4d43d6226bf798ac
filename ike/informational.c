// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * INFORMATIONAL exchanges (RFC 7296 1.4, 2.4, 2.21): DELETE of the IKE SA
 * or of Child SAs either way, the liveness check (an empty request after
 * dpd_delay without traffic from the peer; no answer within dpd_timeout
 * or the retransmits means it is dead, and dpd_action applies),
 * INITIAL_CONTACT, and error notifies.
 */
#include <string.h>

#include "ike/sa.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- the peer's requests ---------------------------------------------- */

/* Child SAs named by their outbound SPIs: removed, our inbound SPIs of
 * them into the response's Delete payload (2.4: ours, per protocol). */
static int delete_children(struct ike_sa *sa, const struct ike_delete_pld *d,
			   struct ike_buf *b)
{
	uint8_t spis[4 * 256];
	struct ike_child *c;
	uint16_t i, n = 0;

	if (d->spi_size != IKEV2_SPI_BYTES_CHILD)
		return 0;
	for (i = 0; i < d->num_spi; i++) {
		c = ike_child_by_spi(sa, d->proto, ike_get32(d->spis + 4 * i),
				     false);
		if (!c)
			continue;
		if (n < sizeof(spis) / 4)
			put32(spis + 4 * n++, c->spi_in);
		ike_sa_log(sa, IKE_LOG_INFO, "peer deleted Child SA #%u",
			   c->unique_id);
		ike_child_free(c);
	}
	return n ? ike_add_delete(b, d->proto, IKEV2_SPI_BYTES_CHILD, spis, n)
		 : 0;
}

void ike_info_on_request(struct ike_sa *sa, const struct ike_msg *m,
			 uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;
	bool ike = ike_msg_notify(m, IKEV2_N_AUTHENTICATION_FAILED) != NULL;
	uint8_t i;
	int rc = 0;

	ike_buf_init_inner(b);
	for (i = 0; i < m->ndelete; i++) {
		if (m->del[i].proto == IKEV2_PROTO_IKE)
			ike = true;
		else
			rc |= delete_children(sa, &m->del[i], b);
	}
	for (i = 0; i < m->nnotify; i++)
		if (m->notify[i].type < IKEV2_N_STATUS_MIN)
			ike_sa_log(sa, IKE_LOG_INFO, "peer notifies %s",
				   ikev2_name(IKEV2_MAP_NOTIFY,
					      m->notify[i].type));
	/* a Delete of the IKE SA, or the initiator's refusal of our
	 * authentication (2.21.2): an empty answer, then it is gone */
	if (ike)
		ike_buf_init_inner(b);
	if (rc || ike_send_response(sa, IKEV2_EXCHANGE_INFORMATIONAL,
				    m->msgid, b))
		ike_sa_log(sa, IKE_LOG_ERR, "cannot answer INFORMATIONAL");
	if (ike) {
		sa->ctx->stats.sa_deleted++;
		ike_sa_kill(sa, "deleted by the peer");
	}
}

void ike_info_refuse(struct ike_sa *sa, const struct ike_msg *m,
		     uint16_t notify)
{
	struct ike_buf *b = &sa->ctx->inner;

	ike_buf_init_inner(b);
	if (ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0, notify, NULL, 0) ||
	    ike_send_response(sa, m->exchange, m->msgid, b))
		ike_sa_log(sa, IKE_LOG_ERR, "cannot answer with %s",
			   ikev2_name(IKEV2_MAP_NOTIFY, notify));
}

/* ---- our requests and their responses --------------------------------- */

void ike_info_on_response(struct ike_sa *sa, const struct ike_msg *m,
			  uint64_t now)
{
	enum ike_req_kind kind = sa->req.kind;
	uint32_t spi = sa->req.child_spi_in;
	struct ike_child *c;

	ike_req_done(sa);
	switch (kind) {
	case IKE_REQ_DELETE_IKE:
		sa->ctx->stats.sa_deleted++;
		ike_sa_kill(sa, "deleted");
		break;
	case IKE_REQ_DELETE_CHILD:
		for (c = sa->children; c; c = c->next)
			if (c->spi_in == spi) {
				ike_child_free(c);
				break;
			}
		break;
	default:
		break;		/* liveness: last_rx_ms moved */
	}
}

/* Build and send (as a request awaiting its response) a Delete. */
static int send_delete(struct ike_sa *sa, struct ike_child *c, uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;
	uint8_t spi[4];

	ike_buf_init_inner(b);
	if (!c) {
		if (ike_add_delete(b, IKEV2_PROTO_IKE, 0, NULL, 0))
			return -1;
		return ike_send_request(sa, IKEV2_EXCHANGE_INFORMATIONAL,
					IKE_REQ_DELETE_IKE, b, now);
	}
	put32(spi, c->spi_in);
	if (ike_add_delete(b, c->proto, IKEV2_SPI_BYTES_CHILD, spi, 1) ||
	    ike_send_request(sa, IKEV2_EXCHANGE_INFORMATIONAL,
			     IKE_REQ_DELETE_CHILD, b, now))
		return -1;
	sa->req.child_spi_in = c->spi_in;
	c->delete_sent = true;
	return 0;
}

bool ike_info_kick(struct ike_sa *sa, uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;
	struct ike_child *c;

	if (sa->want_delete) {
		sa->want_delete = false;
		if (ike_sa_state(sa, IKE_SA_DELETING) ||
		    send_delete(sa, NULL, now))
			ike_sa_kill(sa, "deleted (not told)");
		return true;
	}
	for (c = sa->children; c; c = c->next)
		if (c->state == IKE_CHILD_DELETING && !c->delete_sent)
			return !send_delete(sa, c, now);
	if (sa->want_dpd) {
		sa->want_dpd = false;
		ike_buf_init_inner(b);
		return !ike_send_request(sa, IKEV2_EXCHANGE_INFORMATIONAL,
					 IKE_REQ_DPD, b, now);
	}
	return false;
}

void ike_info_delete_ike(struct ike_sa *sa, uint64_t now)
{
	if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYING) {
		if (sa->state != IKE_SA_DELETING)
			ike_sa_kill(sa, "closed before it was established");
		return;
	}
	sa->want_delete = true;
	ike_sa_kick(sa, now);
}

void ike_info_delete_child(struct ike_child *c, uint64_t now)
{
	if (c->state == IKE_CHILD_DELETING || ike_child_state(c,
	    IKE_CHILD_DELETING))
		return;
	ike_sa_kick(c->sa, now);
}

/* One INFORMATIONAL request that is sent once and not waited for. */
static void send_once(struct ike_sa *sa, struct ike_buf *b)
{
	struct ike_wire w = { 0 };

	if (!sa->sk_out || sa->req.kind != IKE_REQ_NONE)
		return;
	if (!ike_send_request(sa, IKEV2_EXCHANGE_INFORMATIONAL, IKE_REQ_NOTIFY,
			      b, 0)) {
		w = sa->req.wire;
		sa->req.wire.data = NULL;
		ike_req_done(sa);
		ike_wire_free(&w);
	}
}

void ike_info_delete_now(struct ike_sa *sa)
{
	struct ike_buf *b = &sa->ctx->inner;

	if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYING)
		return;
	ike_buf_init_inner(b);
	if (!ike_add_delete(b, IKEV2_PROTO_IKE, 0, NULL, 0))
		send_once(sa, b);
}

int ike_info_notify(struct ike_sa *sa, uint16_t type, uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;

	ike_buf_init_inner(b);
	if (ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0, type, NULL, 0))
		return -1;
	send_once(sa, b);
	return 0;
}

/* ---- liveness, dead peers, INITIAL_CONTACT ----------------------------- */

void ike_dpd_tick(struct ike_sa *sa, uint64_t now)
{
	const struct ike_conn_cfg *conn = sa->conn;
	uint64_t delay, timeout;

	if (!conn || !conn->dpd_delay || sa->state != IKE_SA_ESTABLISHED)
		return;
	delay = (uint64_t)conn->dpd_delay * 1000;
	timeout = (uint64_t)conn->dpd_timeout * 1000;
	if (sa->req.kind == IKE_REQ_DPD && timeout &&
	    now >= sa->req.sent_ms + timeout) {
		sa->ctx->stats.give_ups++;
		ike_sa_gone(sa, now, "no answer to the liveness check");
		return;
	}
	sa->dpd_ms = sa->last_rx_ms + delay;
	if (now < sa->dpd_ms || sa->req.kind != IKE_REQ_NONE)
		return;
	sa->want_dpd = true;
	ike_sa_kick(sa, now);
}

/* What dpd_action (or keyingtries, before establishment) says to do. */
static const struct ike_child_cfg *restart_child(const struct ike_sa *sa)
{
	const struct ike_child *c;
	uint8_t i;

	if (sa->state == IKE_SA_DELETING)
		return NULL;	/* we were closing it anyway */
	if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYING)
		return sa->initiator ? sa->first_child : NULL;
	for (c = sa->children; c; c = c->next)
		if (c->cfg && c->cfg->dpd_action == IKE_DPD_RESTART)
			return c->cfg;
	for (i = 0; sa->conn && !sa->children && i < sa->conn->nchildren; i++)
		if (sa->conn->children[i].dpd_action == IKE_DPD_RESTART)
			return &sa->conn->children[i];
	return NULL;
}

void ike_sa_gone(struct ike_sa *sa, uint64_t now, const char *why)
{
	const struct ike_conn_cfg *conn = sa->conn;
	const struct ike_child_cfg *child = restart_child(sa);
	bool connecting = sa->state == IKE_SA_INIT_SENT ||
			  sa->state == IKE_SA_AUTH_SENT;
	uint32_t tries = sa->keyingtry;

	ike_sa_log(sa, IKE_LOG_INFO, "IKE SA #%u: %s", sa->unique_id, why);
	if (connecting)
		sa->ctx->stats.sa_failed++;
	ike_sa_kill(sa, why);
	if (!conn || !child || (connecting && conn->keyingtries &&
				tries + 1 >= conn->keyingtries))
		return;
	ike_sa_log(sa, IKE_LOG_INFO, "restarting %s", conn->name);
	ike_init_initiate(sa->ctx, conn, child, connecting ? tries + 1 : 0,
			  now);
}

void ike_info_initial_contact(struct ike_sa *sa, uint64_t now)
{
	struct ike_sa *o;

	for (o = sa->ctx->sas; o; o = o->next)
		if (o != sa && o->state != IKE_SA_DEAD && o->conn == sa->conn &&
		    o->remote_id.type == sa->remote_id.type &&
		    o->remote_id.len == sa->remote_id.len &&
		    !memcmp(o->remote_id.data, sa->remote_id.data,
			    sa->remote_id.len))
			ike_sa_kill(o, "replaced (INITIAL_CONTACT)");
}
