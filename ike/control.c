// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's side of ike/ike.h besides input and configuration: the
 * timer (retransmits, liveness checks, NAT keepalives, half-open and
 * Child SA expiry, start actions), `up` / `down`, acquires from trap
 * policies, the dataplane's lifetime events, and the listing.
 *
 * Timers, all per IKE SA:
 *   retransmit   0.5 s x 1.8^n after our request, IKE_RETRANSMIT_TRIES
 *   liveness     dpd_delay after the last message from the peer
 *   dpd timeout  dpd_timeout after our liveness check
 *   keepalive    every IKE_KEEPALIVE_MS while behind a NAT
 *   half-open    IKE_HALF_OPEN_TIMEOUT_MS for IKE_AUTH after IKE_SA_INIT
 *   fragments    IKE_FRAG_TIMEOUT_MS for a reassembly
 *   child expiry life_time after installation: DELETE
 */
#include <stdio.h>
#include <string.h>

#include "ike/ccsa.h"
#include "ike/proposal.h"
#include "ike/sa.h"

static const char *const drop_names[IKE_DROP_COUNT] = {
	[IKE_DROP_MALFORMED] = "malformed",
	[IKE_DROP_NO_SA] = "no-sa",
	[IKE_DROP_STATE] = "unexpected",
	[IKE_DROP_MSGID] = "message-id",
	[IKE_DROP_FLAGS] = "flags",
	[IKE_DROP_DECRYPT] = "decrypt",
	[IKE_DROP_FRAG] = "fragment",
	[IKE_DROP_HALF_OPEN] = "half-open-limit",
	[IKE_DROP_NO_CONN] = "no-connection",
	[IKE_DROP_LIMIT] = "sa-limit",
};

const char *ike_drop_name(unsigned int why)
{
	return why < IKE_DROP_COUNT ? drop_names[why] : "?";
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return b && b < a ? b : a;
}

uint64_t ike_sa_next_deadline(const struct ike_sa *sa)
{
	const struct ike_conn_cfg *conn = sa->conn;
	const struct ike_child *c;
	uint64_t t = UINT64_MAX;

	if (sa->state == IKE_SA_DEAD)
		return t;
	t = earliest(t, sa->req.next_ms);
	t = earliest(t, sa->keepalive_ms);
	if (sa->state == IKE_SA_INIT_DONE)
		t = earliest(t, sa->created_ms + IKE_HALF_OPEN_TIMEOUT_MS);
	if (conn && conn->dpd_delay && sa->state == IKE_SA_ESTABLISHED)
		t = earliest(t, sa->last_rx_ms + conn->dpd_delay * 1000ull);
	if (conn && conn->dpd_timeout && sa->req.kind == IKE_REQ_DPD)
		t = earliest(t, sa->req.sent_ms + conn->dpd_timeout * 1000ull);
	if (sa->reasm_req && sa->reasm_req->active)
		t = earliest(t, sa->reasm_req->deadline_ms);
	if (sa->reasm_resp && sa->reasm_resp->active)
		t = earliest(t, sa->reasm_resp->deadline_ms);
	for (c = sa->children; c; c = c->next)
		if (c->state == IKE_CHILD_INSTALLED)
			t = earliest(t, c->expire_ms);
	return earliest(t, ike_ccsa_deadline(sa));
}

static void child_tick(struct ike_sa *sa, uint64_t now)
{
	struct ike_child *c;

	for (c = sa->children; c; c = c->next)
		if (c->state == IKE_CHILD_INSTALLED && c->expire_ms &&
		    now >= c->expire_ms) {
			ike_sa_log(sa, IKE_LOG_INFO, "Child SA #%u expired",
				   c->unique_id);
			ike_info_delete_child(c, now);
		}
}

static void sa_tick(struct ike_sa *sa, uint64_t now)
{
	if (sa->state == IKE_SA_INIT_DONE &&
	    now >= sa->created_ms + IKE_HALF_OPEN_TIMEOUT_MS) {
		ike_sa_kill(sa, "no IKE_AUTH from the peer");
		return;
	}
	if (sa->reasm_req)
		ike_frag_reasm_expire(sa->reasm_req, now);
	if (sa->reasm_resp)
		ike_frag_reasm_expire(sa->reasm_resp, now);
	ike_retransmit_tick(sa, now);
	if (sa->state == IKE_SA_DEAD)
		return;
	ike_dpd_tick(sa, now);
	if (sa->state == IKE_SA_DEAD)
		return;
	ike_nat_keepalive_tick(sa, now);
	child_tick(sa, now);
	ike_sa_kick(sa, now);
}

static bool conn_busy(struct ike_ctx *ctx, const struct ike_conn_cfg *conn,
		      const struct ike_child_cfg *child)
{
	const struct ike_child *c;
	struct ike_sa *sa;

	for (sa = ctx->sas; sa; sa = sa->next) {
		if (sa->conn != conn || sa->state == IKE_SA_DEAD ||
		    sa->state == IKE_SA_DELETING)
			continue;
		if (sa->state != IKE_SA_ESTABLISHED &&
		    sa->state != IKE_SA_REKEYING && sa->first_child == child)
			return true;
		for (c = sa->children; c; c = c->next)
			if (c->cfg == child)
				return true;
	}
	return false;
}

/* An established IKE SA of conn (a new Child SA goes there), or NULL. */
static struct ike_sa *established(struct ike_ctx *ctx,
				  const struct ike_conn_cfg *conn)
{
	struct ike_sa *sa;

	for (sa = ctx->sas; sa; sa = sa->next)
		if (sa->conn == conn && sa->state == IKE_SA_ESTABLISHED)
			return sa;
	return NULL;
}

/* Initiate child of conn (NULL: each child; none: a childless SA) unless
 * it is up or on its way: with CREATE_CHILD_SA on an established IKE SA
 * of conn, else with a new IKE SA. */
static int start(struct ike_ctx *ctx, const struct ike_conn_cfg *conn,
		 const struct ike_child_cfg *child, uint64_t now)
{
	struct ike_sa *sa;
	int rc = 0;
	uint8_t i;

	if (child && conn_busy(ctx, conn, child))
		return 0;
	sa = child ? established(ctx, conn) : NULL;
	if (sa)
		return ike_ccsa_add_child(sa, child, now);
	if (child)
		return ike_init_initiate(ctx, conn, child, 0, now);
	if (!conn->nchildren)
		return ike_init_initiate(ctx, conn, NULL, 0, now);
	for (i = 0; i < conn->nchildren; i++)
		rc |= start(ctx, conn, &conn->children[i], now);
	return rc;
}

static void start_actions(struct ike_ctx *ctx, uint64_t now)
{
	size_t i;
	uint8_t j;

	ctx->start_pending = false;
	for (i = 0; i < ctx->nconns; i++)
		for (j = 0; j < ctx->conns[i].nchildren; j++)
			if (ctx->conns[i].children[j].start_action ==
			    IKE_START_START && ctx->conns[i].remote.len)
				start(ctx, &ctx->conns[i],
				      &ctx->conns[i].children[j], now);
}

uint64_t ike_tick(struct ike_ctx *ctx, uint64_t now)
{
	struct ike_sa *sa;
	uint64_t next = UINT64_MAX;

	if (ctx->start_pending)
		start_actions(ctx, now);
	for (sa = ctx->sas; sa; sa = sa->next)
		if (sa->state != IKE_SA_DEAD)
			sa_tick(sa, now);
	ike_reap(ctx);
	for (sa = ctx->sas; sa; sa = sa->next)
		next = earliest(next, ike_sa_next_deadline(sa));
	return next;
}

int ike_initiate(struct ike_ctx *ctx, const char *conn, const char *child,
		 uint64_t now, struct ike_err *err)
{
	const struct ike_conn_cfg *c = ike_conn_by_name(ctx, conn);
	const struct ike_child_cfg *ch = NULL;
	uint8_t i;
	int rc;

	memset(err, 0, sizeof(*err));
	if (!c)
		return ike_fail(err, 0, "no connection '%s'", conn);
	if (!c->remote.len)
		return ike_fail(err, 0, "connection '%s' has no remote "
				"address to initiate to", conn);
	for (i = 0; child && i < c->nchildren; i++)
		if (!strcmp(c->children[i].name, child))
			ch = &c->children[i];
	if (child && !ch)
		return ike_fail(err, 0, "no child '%s' in '%s'", child, conn);
	rc = start(ctx, c, ch, now);
	ike_reap(ctx);
	return rc ? ike_fail(err, 0, "cannot initiate '%s'", conn) : 0;
}

int ike_terminate(struct ike_ctx *ctx, const char *conn, uint64_t now,
		  struct ike_err *err)
{
	const struct ike_conn_cfg *c = ike_conn_by_name(ctx, conn);
	struct ike_sa *sa;
	int n = 0;

	memset(err, 0, sizeof(*err));
	if (!c)
		return ike_fail(err, 0, "no connection '%s'", conn);
	for (sa = ctx->sas; sa; sa = sa->next)
		if (sa->conn == c && sa->state != IKE_SA_DEAD) {
			ike_info_delete_ike(sa, now);
			n++;
		}
	ike_reap(ctx);
	return n ? 0 : ike_fail(err, 0, "no IKE SA of '%s'", conn);
}

void ike_acquire(struct ike_ctx *ctx, uint32_t reqid, uint64_t now)
{
	size_t i;
	uint8_t j;

	for (i = 0; i < ctx->nconns; i++)
		for (j = 0; j < ctx->conns[i].nchildren; j++)
			if (ike_reqid(ctx, &ctx->conns[i],
				      &ctx->conns[i].children[j]) == reqid &&
			    ctx->conns[i].remote.len)
				start(ctx, &ctx->conns[i],
				      &ctx->conns[i].children[j], now);
	ike_reap(ctx);
}

void ike_child_expired(struct ike_ctx *ctx, uint8_t proto, uint32_t spi_in,
		       bool hard, uint64_t now)
{
	struct ike_child *c = NULL;
	struct ike_sa *sa;

	for (sa = ctx->sas; sa && !c; sa = sa->next)
		c = ike_child_by_spi(sa, proto, spi_in, true);
	if (!c)
		return;
	if (hard)
		ike_info_delete_child(c, now);
	else if (!c->rekey_ms || c->rekey_ms > now)
		c->rekey_ms = now;	/* due: the rekeying code acts on it */
	ike_reap(ctx);
}
