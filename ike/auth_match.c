// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Which connection, identity and shared key apply in IKE_AUTH: our ID (the
 * configured one, else our address like strongSwan, or with a certificate
 * its subject), the peer's ID against the configured remote ID
 * (ike_id_match() of ike/id.c), the secret whose IDs match best (swanctl's
 * rule: a secret naming both ends beats one naming one end, which beats
 * one naming none), and the responder's switch to the connection the
 * peer's identity selects.
 */
#include <string.h>

#include "ike/id.h"
#include "ike/sa.h"

int ike_local_id(const struct ike_sa *sa, struct ike_id_cfg *out)
{
	const struct ike_id_cfg *cfg = &sa->conn->local_auth.id;

	if (sa->conn->local_auth.auth == IKE_AUTH_KIND_PUBKEY)
		return ike_pubkey_local_id(sa, out);
	if (cfg->type) {
		*out = *cfg;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->type = sa->local.len == 16 ? IKEV2_ID_IPV6_ADDR
					: IKEV2_ID_IPV4_ADDR;
	out->len = sa->local.len;
	memcpy(out->data, sa->local.addr, sa->local.len);
	return 0;
}

/* How many of the two IDs the secret names; -1 if it names others only. */
static int secret_score(const struct ike_secret_cfg *s,
			const struct ike_id_cfg *local,
			const struct ike_id_cfg *remote)
{
	bool l = false, r = false;
	uint8_t i;

	if (!s->nids)
		return 0;
	for (i = 0; i < s->nids && i < 4; i++) {
		l = l || (s->ids[i].type && ike_id_match(local, &s->ids[i]));
		r = r || (s->ids[i].type && ike_id_match(remote, &s->ids[i]));
	}
	return l || r ? l + r : -1;
}

const struct ike_secret_cfg *ike_psk_find(const struct ike_ctx *ctx,
					  const struct ike_id_cfg *local,
					  const struct ike_id_cfg *remote)
{
	const struct ike_secret_cfg *best = NULL;
	int best_score = -1, score;
	size_t i;

	for (i = 0; i < ctx->nsecrets; i++) {
		score = secret_score(&ctx->secrets[i], local, remote);
		if (score > best_score && ctx->secrets[i].len) {
			best = &ctx->secrets[i];
			best_score = score;
		}
	}
	return best;
}

static bool addr_fits(const struct ike_addr *cfg, const struct ike_addr *a)
{
	return !cfg->len || (cfg->len == a->len &&
			     !memcmp(cfg->addr, a->addr, a->len));
}

static bool conn_takes(const struct ike_sa *sa, const struct ike_conn_cfg *c,
		       const struct ike_msg *m, const struct ike_id_cfg *idi)
{
	struct ike_id_cfg idr = { .type = m->idr.type };

	if (!addr_fits(&c->local, &sa->local) ||
	    !addr_fits(&c->remote, &sa->remote) ||
	    !ike_id_match(idi, &c->remote_auth.id))
		return false;
	if (!ike_msg_has(m, IKEV2_PAYLOAD_IDR) || !c->local_auth.id.type)
		return true;
	idr.len = (uint16_t)m->idr.data.len;
	memcpy(idr.data, m->idr.data.ptr, idr.len);
	return ike_id_match(&idr, &c->local_auth.id);
}

const struct ike_conn_cfg *ike_auth_pick_conn(struct ike_sa *sa,
					      const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_id_cfg idi = { .type = m->idi.type };
	size_t i;

	if (!ike_msg_has(m, IKEV2_PAYLOAD_IDI) ||
	    m->idi.data.len > IKE_ID_MAX)
		return NULL;
	idi.len = (uint16_t)m->idi.data.len;
	memcpy(idi.data, m->idi.data.ptr, idi.len);
	if (sa->conn && conn_takes(sa, sa->conn, m, &idi))
		return sa->conn;
	for (i = 0; i < ctx->nconns; i++)
		if (conn_takes(sa, &ctx->conns[i], m, &idi)) {
			sa->conn = &ctx->conns[i];
			return sa->conn;
		}
	ike_sa_log(sa, IKE_LOG_ERR, "no connection for the peer's identity");
	return NULL;
}

bool ike_first_contact(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	for (o = sa->ctx->sas; o; o = o->next)
		if (o != sa && o->conn == sa->conn &&
		    o->state != IKE_SA_DEAD && o->remote.len == sa->remote.len &&
		    !memcmp(o->remote.addr, sa->remote.addr, sa->remote.len))
			return false;
	return true;
}
