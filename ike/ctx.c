// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The IKE core's instance (ike/sa.h): the table of IKE SAs (hashed by our
 * SPI, responders also by the initiator's), the configuration, the state
 * machine's one writer and logging. Nothing here sends or parses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/ccsa.h"
#include "ike/sa.h"

static const char *const sa_state_names[IKE_SA_STATE_COUNT] = {
	[IKE_SA_IDLE] = "CREATED",
	[IKE_SA_INIT_SENT] = "CONNECTING",
	[IKE_SA_INIT_DONE] = "CONNECTING",
	[IKE_SA_AUTH_SENT] = "CONNECTING",
	[IKE_SA_ESTABLISHED] = "ESTABLISHED",
	[IKE_SA_REKEYING] = "REKEYING",
	[IKE_SA_DELETING] = "DELETING",
	[IKE_SA_DEAD] = "DESTROYING",
};

#define TO(s) (1u << (s))
/* The moves each state allows (ike_sa_state()). */
static const unsigned int sa_moves[IKE_SA_STATE_COUNT] = {
	[IKE_SA_IDLE] = TO(IKE_SA_INIT_SENT) | TO(IKE_SA_INIT_DONE) |
			TO(IKE_SA_ESTABLISHED) | TO(IKE_SA_DEAD),	/* rekey */
	[IKE_SA_INIT_SENT] = TO(IKE_SA_INIT_SENT) | TO(IKE_SA_AUTH_SENT) |
			     TO(IKE_SA_DEAD),
	[IKE_SA_INIT_DONE] = TO(IKE_SA_ESTABLISHED) | TO(IKE_SA_DEAD),
	[IKE_SA_AUTH_SENT] = TO(IKE_SA_ESTABLISHED) | TO(IKE_SA_DELETING) |
			     TO(IKE_SA_DEAD),
	[IKE_SA_ESTABLISHED] = TO(IKE_SA_REKEYING) | TO(IKE_SA_DELETING) |
			       TO(IKE_SA_DEAD),
	[IKE_SA_REKEYING] = TO(IKE_SA_ESTABLISHED) | TO(IKE_SA_DELETING) |
			    TO(IKE_SA_DEAD),
	[IKE_SA_DELETING] = TO(IKE_SA_DEAD),
	[IKE_SA_DEAD] = 0,
};

/* ---- logging ------------------------------------------------------------ */

static void vlog(struct ike_ctx *ctx, int level, const char *conn,
		 const char *fmt, va_list ap)
{
	char line[512];

	if (!ctx->ops.log)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	ctx->ops.log(ctx->ops.user, level, conn, line);
}

void ike_log(struct ike_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ctx, level, NULL, fmt, ap);
	va_end(ap);
}

void ike_sa_log(const struct ike_sa *sa, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(sa->ctx, level, sa->conn ? sa->conn->name : NULL, fmt, ap);
	va_end(ap);
}

void ike_drop(struct ike_ctx *ctx, enum ike_drop why)
{
	ctx->stats.drops[why]++;
}

/* ---- the table ---------------------------------------------------------- */

static unsigned int bucket(uint64_t spi)
{
	return (unsigned int)((spi ^ spi >> 29 ^ spi >> 47) & (IKE_SA_HASH - 1));
}

uint64_t ike_sa_spi_ours(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

struct ike_sa *ike_sa_by_spi(struct ike_ctx *ctx, uint64_t spi,
			     bool ours_initiator)
{
	struct ike_sa *sa;

	if (!spi)
		return NULL;
	for (sa = ctx->by_spi[bucket(spi)]; sa; sa = sa->hnext)
		if (ike_sa_spi_ours(sa) == spi && sa->initiator == ours_initiator)
			return sa;
	return NULL;
}

static bool same_addr(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->len == b->len && !memcmp(a->addr, b->addr, a->len);
}

struct ike_sa *ike_sa_by_init(struct ike_ctx *ctx, uint64_t spi_i,
			      const struct ike_addr *remote)
{
	struct ike_sa *sa;

	for (sa = ctx->by_peer_spi[bucket(spi_i)]; sa; sa = sa->inext)
		if (sa->spi_i == spi_i && same_addr(&sa->remote, remote))
			return sa;
	return NULL;
}

static uint64_t fresh_spi(struct ike_ctx *ctx, bool initiator)
{
	uint64_t spi = 0;

	while (!spi || ike_sa_by_spi(ctx, spi, initiator))
		if (xs_random(&spi, sizeof(spi)))
			return 0;
	return spi;
}

struct ike_sa *ike_sa_new(struct ike_ctx *ctx, bool initiator,
			  const struct ike_addr *local,
			  const struct ike_addr *remote, uint64_t now)
{
	struct ike_sa *sa;
	uint64_t spi;

	if (ctx->nsas >= IKE_SA_MAX) {
		ike_drop(ctx, IKE_DROP_LIMIT);
		return NULL;
	}
	spi = fresh_spi(ctx, initiator);
	sa = spi ? calloc(1, sizeof(*sa)) : NULL;
	if (!sa)
		return NULL;
	sa->ctx = ctx;
	sa->initiator = initiator;
	sa->unique_id = ++ctx->next_sa_id;
	if (initiator)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	sa->local = *local;
	sa->remote = *remote;
	sa->created_ms = now;
	sa->last_rx_ms = now;
	sa->next = ctx->sas;
	ctx->sas = sa;
	sa->hnext = ctx->by_spi[bucket(spi)];
	ctx->by_spi[bucket(spi)] = sa;
	ctx->nsas++;
	return sa;
}

/* Responders are also found by the initiator's SPI (retransmissions of
 * IKE_SA_INIT): called once it is known. */
void ike_sa_index_peer(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;
	unsigned int b = bucket(sa->spi_i);

	sa->inext = ctx->by_peer_spi[b];
	ctx->by_peer_spi[b] = sa;
}

static void unlink_sa(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_sa **pp;

	for (pp = &ctx->sas; *pp; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	for (pp = &ctx->by_spi[bucket(ike_sa_spi_ours(sa))]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == sa) {
			*pp = sa->hnext;
			break;
		}
	for (pp = &ctx->by_peer_spi[bucket(sa->spi_i)]; *pp;
	     pp = &(*pp)->inext)
		if (*pp == sa) {
			*pp = sa->inext;
			break;
		}
	ctx->nsas--;
}

/* Everything an SA holds: SK contexts, keys, buffers, Child SAs. */
static void sa_free(struct ike_sa *sa)
{
	while (sa->children)
		ike_child_free(sa->children);
	ike_ccsa_free(sa);
	if (sa->state == IKE_SA_INIT_DONE)
		sa->ctx->half_open--;
	unlink_sa(sa);
	ike_sk_free(sa->sk_in);
	ike_sk_free(sa->sk_out);
	ike_dh_free(sa->dh);
	free(sa->init_msg_i);
	free(sa->init_msg_r);
	ike_wire_free(&sa->req.wire);
	ike_wire_free(&sa->resp);
	if (sa->reasm_req)
		xs_wipe(sa->reasm_req, sizeof(*sa->reasm_req));
	if (sa->reasm_resp)
		xs_wipe(sa->reasm_resp, sizeof(*sa->reasm_resp));
	free(sa->reasm_req);
	free(sa->reasm_resp);
	xs_wipe(sa, sizeof(*sa));
	free(sa);
}

/* Frees the DEAD SAs: only at the end of an API call, never mid-walk. */
void ike_reap(struct ike_ctx *ctx)
{
	struct ike_sa *sa = ctx->sas, *next;

	for (; sa; sa = next) {
		next = sa->next;
		if (sa->state == IKE_SA_DEAD)
			sa_free(sa);
	}
}

/* ---- state -------------------------------------------------------------- */

const char *ike_sa_state_name(enum ike_sa_state s)
{
	return s < IKE_SA_STATE_COUNT ? sa_state_names[s] : "?";
}

static const char *const raw_names[IKE_SA_STATE_COUNT] = {
	"idle", "init-sent", "init-done", "auth-sent", "established",
	"rekeying", "deleting", "dead",
};

int ike_sa_state(struct ike_sa *sa, enum ike_sa_state to)
{
	enum ike_sa_state from = sa->state;

	if (!(sa_moves[from] & TO(to))) {
		ike_sa_log(sa, IKE_LOG_ERR, "IKE SA #%u: refused %s -> %s",
			   sa->unique_id, raw_names[from], raw_names[to]);
		return -1;
	}
	if (from == IKE_SA_INIT_DONE)
		sa->ctx->half_open--;
	if (to == IKE_SA_INIT_DONE)
		sa->ctx->half_open++;
	sa->state = to;
	ike_sa_log(sa, IKE_LOG_DEBUG, "IKE SA #%u: %s -> %s", sa->unique_id,
		   raw_names[from], raw_names[to]);
	return 0;
}

void ike_sa_kill(struct ike_sa *sa, const char *why)
{
	if (sa->state == IKE_SA_DEAD)
		return;
	ike_sa_log(sa, IKE_LOG_INFO, "IKE SA #%u %s: %s", sa->unique_id,
		   ike_sa_state_name(sa->state), why);
	while (sa->children)
		ike_child_free(sa->children);
	sa->req.next_ms = 0;
	ike_sa_state(sa, IKE_SA_DEAD);
}

/* ---- configuration ------------------------------------------------------ */

const struct ike_conn_cfg *ike_conn_by_name(struct ike_ctx *ctx,
					    const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nconns; i++)
		if (!strcmp(ctx->conns[i].name, name))
			return &ctx->conns[i];
	return NULL;
}

uint32_t ike_child_reqid(size_t conn_index, size_t child_index)
{
	return (uint32_t)(IKE_REQID_BASE + conn_index * IKE_CONN_MAX_CHILDREN +
			  child_index);
}

uint32_t ike_reqid(const struct ike_ctx *ctx, const struct ike_conn_cfg *c,
		   const struct ike_child_cfg *child)
{
	return ike_child_reqid((size_t)(c - ctx->conns),
			       (size_t)(child - c->children));
}

static bool ts_pld_same(const struct ike_ts_pld *a, const struct ike_ts_pld *b)
{
	uint8_t i;

	if (a->num != b->num)
		return false;
	for (i = 0; i < a->num; i++)
		if (a->ts[i].type != b->ts[i].type ||
		    a->ts[i].proto != b->ts[i].proto ||
		    a->ts[i].start_port != b->ts[i].start_port ||
		    a->ts[i].end_port != b->ts[i].end_port ||
		    memcmp(a->ts[i].start, b->ts[i].start, 16) ||
		    memcmp(a->ts[i].end, b->ts[i].end, 16))
			return false;
	return true;
}

/* The same configured child, peer address and selectors: one policy set. */
static bool same_policies(const struct ike_child *a, const struct ike_child *b)
{
	const struct ike_addr *ra = &a->sa->remote, *rb = &b->sa->remote;

	return a->cfg == b->cfg && ra->len == rb->len &&
	       !memcmp(ra->addr, rb->addr, ra->len) &&
	       ts_pld_same(&a->local_ts, &b->local_ts) &&
	       ts_pld_same(&a->remote_ts, &b->remote_ts);
}

enum { REQIDS_DYNAMIC = IKE_REQID_END - IKE_REQID_DYNAMIC };

/* A free reqid of the dynamic range, round robin from the last one. */
static int reqid_fresh(struct ike_ctx *ctx, const uint8_t *used,
		       uint32_t *reqid)
{
	uint32_t i, r;

	for (i = 0; i < REQIDS_DYNAMIC; i++) {
		r = (ctx->next_reqid + i) % REQIDS_DYNAMIC;
		if (!(used[r / 8] >> (r % 8) & 1)) {
			ctx->next_reqid = (r + 1) % REQIDS_DYNAMIC;
			*reqid = IKE_REQID_DYNAMIC + r;
			return 0;
		}
	}
	return -1;
}

int ike_child_reqid_assign(struct ike_child *c)
{
	uint8_t used[REQIDS_DYNAMIC / 8] = { 0 };
	struct ike_ctx *ctx = c->sa->ctx;
	const struct ike_child *o;
	const struct ike_sa *sa;
	uint32_t r;

	if (c->reqid)
		return 0;
	if (c->sa->conn->remote.len) {
		c->reqid = ike_reqid(ctx, c->sa->conn, c->cfg);
		return 0;
	}
	for (sa = ctx->sas; sa; sa = sa->next)
		for (o = sa->children; o; o = o->next) {
			if (o == c || o->reqid < IKE_REQID_DYNAMIC)
				continue;
			if (same_policies(o, c)) {
				c->reqid = o->reqid;
				return 0;
			}
			r = o->reqid - IKE_REQID_DYNAMIC;
			used[r / 8] |= (uint8_t)(1 << (r % 8));
		}
	return reqid_fresh(ctx, used, &c->reqid);
}

struct xs_buf ike_sa_ni(const struct ike_sa *sa)
{
	return (struct xs_buf){ sa->nonce_i, sa->nonce_i_len };
}

struct xs_buf ike_sa_nr(const struct ike_sa *sa)
{
	return (struct xs_buf){ sa->nonce_r, sa->nonce_r_len };
}

static int check_child(const struct ike_child_cfg *ch, struct ike_err *err)
{
	if (!ch->name[0] || !ch->proposals.nprops)
		return ike_fail(err, 0, "child '%s' without proposals",
				ch->name);
	if (ch->proto != IKEV2_PROTO_ESP && ch->proto != IKEV2_PROTO_AH)
		return ike_fail(err, 0, "child '%s': protocol %u", ch->name,
				ch->proto);
	if (!ch->local_ts.num || !ch->remote_ts.num ||
	    ch->local_ts.num > IKEV2_MAX_TS || ch->remote_ts.num > IKEV2_MAX_TS)
		return ike_fail(err, 0, "child '%s' without traffic selectors",
				ch->name);
	return 0;
}

static int check_conn(const struct ike_conn_cfg *c,
		      const struct ike_conn_cfg *all, size_t i,
		      struct ike_err *err)
{
	size_t j;

	if (!c->name[0] || memchr(c->name, 0, IKE_NAME_MAX) == NULL)
		return ike_fail(err, 0, "connection without a name");
	for (j = 0; j < i; j++)
		if (!strcmp(all[j].name, c->name))
			return ike_fail(err, 0, "connection '%s' twice",
					c->name);
	if (!c->proposals.nprops)
		return ike_fail(err, 0, "connection '%s' without proposals",
				c->name);
	if (c->nchildren > IKE_CONN_MAX_CHILDREN)
		return ike_fail(err, 0, "connection '%s': %u children",
				c->name, c->nchildren);
	for (j = 0; j < c->nchildren; j++)
		if (check_child(&c->children[j], err))
			return -1;
	return 0;
}

static const struct ike_child_cfg *child_in(const struct ike_conn_cfg *c,
					    const char *name)
{
	uint8_t i;

	for (i = 0; i < c->nchildren; i++)
		if (!strcmp(c->children[i].name, name))
			return &c->children[i];
	return NULL;
}

/* An SA of a connection that is unchanged follows it into the new array;
 * one whose connection vanished or changed is deleted. */
static void carry_over(struct ike_ctx *ctx, struct ike_sa *sa,
		       const struct ike_conn_cfg *now)
{
	struct ike_child *c;

	if (!sa->conn)
		return;
	if (!now || memcmp(now, sa->conn, sizeof(*now))) {
		ike_info_delete_now(sa);
		ike_sa_kill(sa, "connection unloaded or changed");
		sa->conn = NULL;
		return;
	}
	if (sa->first_child)
		sa->first_child = child_in(now, sa->first_child->name);
	for (c = sa->children; c; c = c->next)
		c->cfg = child_in(now, c->cfg->name);
	sa->conn = now;
}

static int copy_config(struct ike_ctx *ctx, const struct ike_conn_cfg *conns,
		       size_t nconns, const struct ike_secret_cfg *secrets,
		       size_t nsecrets, struct ike_conn_cfg **c,
		       struct ike_secret_cfg **s)
{
	*c = calloc(nconns ? nconns : 1, sizeof(**c));
	*s = calloc(nsecrets ? nsecrets : 1, sizeof(**s));
	if (!*c || !*s) {
		free(*c);
		free(*s);
		return -1;
	}
	if (nconns)
		memcpy(*c, conns, nconns * sizeof(**c));
	if (nsecrets)
		memcpy(*s, secrets, nsecrets * sizeof(**s));
	return 0;
}

static void free_secrets(struct ike_ctx *ctx)
{
	if (ctx->secrets)
		xs_wipe(ctx->secrets, ctx->nsecrets * sizeof(*ctx->secrets));
	free(ctx->secrets);
	ctx->secrets = NULL;
	ctx->nsecrets = 0;
}

int ike_load(struct ike_ctx *ctx, const struct ike_conn_cfg *conns,
	     size_t nconns, const struct ike_secret_cfg *secrets,
	     size_t nsecrets, struct ike_err *err)
{
	struct ike_conn_cfg *nc, *old = ctx->conns;
	size_t old_n = ctx->nconns;
	struct ike_pubkey *pk;
	struct ike_secret_cfg *ns;
	struct ike_sa *sa;
	size_t i;

	memset(err, 0, sizeof(*err));
	if (nconns > IKE_CONNS_MAX)
		return ike_fail(err, 0, "more than %d connections",
				IKE_CONNS_MAX);
	for (i = 0; i < nconns; i++)
		if (check_conn(&conns[i], conns, i, err))
			return -1;
	for (i = 0; i < nsecrets; i++)
		if (secrets[i].len > IKE_PSK_MAX || secrets[i].nids > 4)
			return ike_fail(err, 0, "secret %zu malformed", i);
	if (ike_pubkey_load(conns, nconns, &pk, err))
		return -1;
	if (copy_config(ctx, conns, nconns, secrets, nsecrets, &nc, &ns)) {
		ike_pubkey_free(pk, nconns);
		return ike_fail(err, 0, "out of memory");
	}
	ctx->conns = nc;
	ctx->nconns = nconns;
	for (sa = ctx->sas; sa; sa = sa->next)
		carry_over(ctx, sa, sa->conn ?
			   ike_conn_by_name(ctx, sa->conn->name) : NULL);
	ike_pubkey_free(ctx->pubkeys, old_n);
	ctx->pubkeys = pk;
	free(old);
	free_secrets(ctx);
	ctx->secrets = ns;
	ctx->nsecrets = nsecrets;
	ctx->start_pending = true;
	ike_reap(ctx);
	ike_log(ctx, IKE_LOG_INFO, "loaded %zu connections, %zu secrets",
		nconns, nsecrets);
	return 0;
}

/* ---- the instance ------------------------------------------------------- */

struct ike_ctx *ike_ctx_new(const struct ike_ops *ops)
{
	struct ike_ctx *ctx;

	if (!ops || !ops->send || !ops->spi_alloc || !ops->child_install ||
	    !ops->child_delete)
		return NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->ops = *ops;
	if (ike_cookies_init(&ctx->cookies, IKE_COOKIE_THRESHOLD,
			     IKE_COOKIE_ROTATE_MS, IKE_COOKIE_GRACE_MS, 0)) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void ike_ctx_free(struct ike_ctx *ctx, uint64_t now)
{
	struct ike_sa *sa;

	if (!ctx)
		return;
	for (sa = ctx->sas; sa; sa = sa->next) {
		if (sa->state != IKE_SA_DEAD)
			ike_info_delete_now(sa);
		ike_sa_kill(sa, "shutting down");
	}
	ike_reap(ctx);
	ike_pubkey_free(ctx->pubkeys, ctx->nconns);
	free(ctx->conns);
	free_secrets(ctx);
	ike_cookies_wipe(&ctx->cookies);
	xs_wipe(ctx, sizeof(*ctx));
	free(ctx);
}

void ike_get_stats(const struct ike_ctx *ctx, struct ike_stats *out)
{
	*out = ctx->stats;
}
