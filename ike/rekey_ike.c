// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Rekeying an IKE SA with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.8, 2.18):
 * SA (new SPI) + Ni + KEi, answered by SA (new SPI) + Nr + KEr. The new
 * IKE SA's SKEYSEED is prf(SK_d (old), g^ir (new) | Ni | Nr), its keys
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) with the new SPIs, the exchange's
 * initiator its initiator. The Child SAs move over; the initiator deletes
 * the old IKE SA. Simultaneous rekeys (2.8.2): both are answered, the
 * exchange with the lowest nonce loses and its initiator deletes the IKE
 * SA it made; the children go to the winner's.
 */
#include <string.h>

#include "engine/crypto.h"
#include "ike/ccsa.h"
#include "ike/lifetime.h"
#include "ike/proposal.h"

/* Our IKE proposals with spi (ours, of the new SA) in each. */
static void our_proposals(const struct ike_conn_cfg *conn, uint64_t spi,
			  struct ike_sa_pld *out)
{
	*out = conn->proposals;
	for (uint16_t i = 0; i < out->nprops; i++) {
		out->props[i].spi_size = IKEV2_SPI_BYTES_IKE;
		ike_put64(out->props[i].spi, spi);
	}
}

/* The transforms of the one proposal chosen, into the new SA n. */
static int take_xforms(struct ike_sa *n, const struct ike_sa_pld *chosen)
{
	struct ike_key_lens lens;
	int integ;

	n->chosen = *chosen;
	n->encr = (uint16_t)ike_prop_xform(chosen, 0, IKEV2_XFORM_ENCR,
					   &n->key_bits);
	n->prf = (uint16_t)ike_prop_xform(chosen, 0, IKEV2_XFORM_PRF, NULL);
	n->group = (uint16_t)ike_prop_xform(chosen, 0, IKEV2_XFORM_DH, NULL);
	integ = ike_prop_xform(chosen, 0, IKEV2_XFORM_INTEG, NULL);
	n->integ = integ < 0 ? IKEV2_INTEG_NONE : (uint16_t)integ;
	if (ike_key_lens(n->encr, n->key_bits, n->integ, &lens) ||
	    !ike_prf_len(n->prf) || !ike_dh_supported(n->group))
		return -1;
	return 0;
}

/* SKEYSEED from the old SK_d, SK_* for the new SPIs, the SK contexts. */
static int derive(const struct ike_sa *old, struct ike_sa *n,
		  const uint8_t *gir, size_t gir_len, const struct xs_buf *ni,
		  const struct xs_buf *nr)
{
	struct xs_buf g = { gir, gir_len };
	uint8_t seed[IKE_PRF_MAX_LEN];
	struct ike_key_lens lens;

	if (ike_key_lens(n->encr, n->key_bits, n->integ, &lens) ||
	    ike_sa_keys_from_seed(n->prf, seed,
				  ike_skeyseed_rekey(&old->keys, &g, ni, nr,
						     seed),
				  ni, nr, n->spi_i, n->spi_r, &lens, &n->keys))
		return -1;
	return ike_init_sk(n);
}

void ike_rekey_ike_schedule(struct ike_sa *sa, uint64_t now)
{
	uint32_t r = 0;

	xs_random(&r, sizeof(r));
	sa->rekey_ms = ike_life_ike_rekey(sa->conn, now, r);
}

/* The new SA n takes over what the old one knew, established now. */
static void adopt(const struct ike_sa *old, struct ike_sa *n, uint64_t now)
{
	n->conn = old->conn;
	n->local_id = old->local_id;
	n->remote_id = old->remote_id;
	n->peer_frag = old->peer_frag;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->natt = old->natt;
	n->established_ms = n->last_rx_ms = now;
	ike_rekey_ike_schedule(n, now);
	ike_sa_state(n, IKE_SA_ESTABLISHED);
	n->ctx->stats.sa_established++;
	ike_sa_log(n, IKE_LOG_INFO, "IKE SA #%u rekeyed into #%u (%s)",
		   old->unique_id, n->unique_id,
		   n->initiator ? "initiator" : "responder");
}

/* The Child SAs queued to be made (no kick: to's timer starts them). */
static void move_queue(struct ike_ccsa *x, struct ike_sa *to)
{
	struct ike_ccsa *y = ike_ccsa_get(to);
	uint8_t i;

	for (i = 0; y && i < x->nqueue && y->nqueue < IKE_CONN_MAX_CHILDREN;
	     i++)
		y->queue[y->nqueue++] = x->queue[i];
	x->nqueue = 0;
}

static void move_children(struct ike_sa *from, struct ike_sa *to)
{
	struct ike_child *c;

	while ((c = from->children)) {
		from->children = c->next;
		from->nchildren--;
		c->sa = to;
		c->next = to->children;
		to->children = c;
		to->nchildren++;
	}
	if (from->ccsa && from->ccsa->nqueue)
		move_queue(from->ccsa, to);
}

/* ---- initiator ----------------------------------------------------------- */

static int send_ike_request(struct ike_sa *sa, uint16_t group, uint64_t now)
{
	struct ike_buf *b = &sa->ctx->inner;
	struct ike_sa_pld props;

	ike_buf_init_inner(b);
	our_proposals(sa->conn, sa->ccsa->new_spi, &props);
	return ike_add_sa(b, &props) ||
	       ike_ccsa_add_nonce_ke(sa->ccsa, group, b) ||
	       ike_send_request(sa, IKEV2_EXCHANGE_CREATE_CHILD_SA,
				IKE_REQ_CREATE_CHILD, b, now);
}

int ike_rekey_ike_start(struct ike_sa *sa, uint64_t now)
{
	struct ike_ccsa *x = ike_ccsa_get(sa);
	struct ike_sa *n;

	if (!x || !sa->conn)
		return -1;
	n = ike_sa_new(sa->ctx, true, &sa->local, &sa->remote, now);
	if (!n)
		return -1;
	n->conn = sa->conn;
	ike_ccsa_reset(x);
	x->kind = IKE_CCSA_REKEY_IKE;
	x->new_spi = n->spi_i;
	x->ke_tries = 0;
	if (send_ike_request(sa, sa->group, now)) {
		ike_sa_kill(n, "rekey request not sent");
		ike_ccsa_reset(x);
		return -1;
	}
	ike_sa_state(sa, IKE_SA_REKEYING);
	ike_sa_log(sa, IKE_LOG_INFO, "rekeying IKE SA #%u", sa->unique_id);
	return 0;
}

/* The answer's SA, nonce and KE; then n gets its SPI and keys. */
static int ike_reply(struct ike_sa *sa, struct ike_sa *n,
		     const struct ike_msg *m, struct ike_err *err)
{
	struct ike_ccsa *x = sa->ccsa;
	struct xs_buf ni = { x->nonce, sizeof(x->nonce) };
	struct xs_buf nr = { m->nonce.ptr, m->nonce.len };
	uint8_t gir[IKE_DH_MAX_SECRET_LEN];
	struct ike_sa_pld sent;
	size_t gir_len;
	int rc;

	our_proposals(sa->conn, x->new_spi, &sent);
	if (!m->nonce.len || ike_prop_check_reply(&sent, &m->sa, 0, err) < 0)
		return -1;
	if (m->sa.props[0].spi_size != IKEV2_SPI_BYTES_IKE ||
	    take_xforms(n, &m->sa) || n->group != x->group)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"unusable IKE SA rekey answer");
	n->spi_r = ike_get64(m->sa.props[0].spi);
	gir_len = ike_ccsa_gir(x->dh, m, gir);
	rc = !gir_len || !n->spi_r || derive(sa, n, gir, gir_len, &ni, &nr);
	xs_wipe(gir, sizeof(gir));
	return rc ? ike_fail(err, IKEV2_N_INVALID_SYNTAX, "KE or keys") : 0;
}

static void ike_refused(struct ike_sa *sa, struct ike_sa *n, uint16_t notify,
			uint16_t group, uint64_t now)
{
	struct ike_ccsa *x = sa->ccsa;

	if (notify == IKEV2_N_INVALID_KE_PAYLOAD &&
	    x->ke_tries < IKE_CCSA_KE_TRIES &&
	    ike_ccsa_offers_group(&sa->conn->proposals, group)) {
		x->ke_tries++;
		if (!send_ike_request(sa, group, now))
			return;
	}
	ike_sa_log(sa, IKE_LOG_ERR, "IKE SA rekey refused by the peer: %s",
		   ikev2_name(IKEV2_MAP_NOTIFY, notify));
	ike_sa_kill(n, "rekey refused");
	if (sa->state == IKE_SA_REKEYING && !x->collided)
		ike_sa_state(sa, IKE_SA_ESTABLISHED);
	if (notify == IKEV2_N_TEMPORARY_FAILURE)
		ike_ccsa_retry_later(x, now);
	else
		sa->rekey_ms = now + IKE_CCSA_FAIL_RETRY_MS;
	ike_ccsa_reset(x);
}

void ike_rekey_ike_on_response(struct ike_sa *sa, const struct ike_msg *m,
			       uint64_t now)
{
	struct ike_ccsa *x = sa->ccsa;
	struct ike_sa *n = ike_sa_by_spi(sa->ctx, x->new_spi, true), *peer_n;
	struct ike_err err = { 0 };
	uint16_t group, notify = ike_ccsa_error(m, &group);

	if (!n || n->state != IKE_SA_IDLE) {
		ike_ccsa_reset(x);
		return;
	}
	if (notify || ike_reply(sa, n, m, &err)) {
		if (!notify)
			ike_sa_log(sa, IKE_LOG_ERR, "IKE SA rekey answer "
				   "refused: %s", err.reason);
		ike_refused(sa, n, notify ? notify : err.notify, group, now);
		return;
	}
	adopt(sa, n, now);
	if (x->collided && ike_ccsa_lost(x, &m->nonce)) {
		ike_sa_log(sa, IKE_LOG_INFO, "IKE SA rekey collision lost: "
			   "deleting IKE SA #%u", n->unique_id);
		peer_n = ike_sa_by_spi(sa->ctx, x->peer_new_spi, false);
		if (peer_n)
			move_children(sa, peer_n);
		ike_info_delete_ike(n, now);
	} else {
		move_children(sa, n);
		ike_info_delete_ike(sa, now);
	}
	ike_ccsa_reset(x);
}

/* ---- responder ----------------------------------------------------------- */

/* Why a rekey of this IKE SA cannot be answered now (0: it can). */
static uint16_t ike_busy(const struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_ccsa *x = sa->ccsa;
	bool ours_out = x && x->kind == IKE_CCSA_REKEY_IKE;

	if (!m->nonce.len || !ike_msg_has(m, IKEV2_PAYLOAD_KE))
		return IKEV2_N_INVALID_SYNTAX;
	if (!x || !sa->conn)
		return IKEV2_N_TEMPORARY_FAILURE;
	if (sa->state == IKE_SA_ESTABLISHED)
		return sa->req.kind == IKE_REQ_CREATE_CHILD ?
		       IKEV2_N_TEMPORARY_FAILURE : 0;
	return sa->state == IKE_SA_REKEYING && ours_out && !x->collided ?
	       0 : IKEV2_N_TEMPORARY_FAILURE;
}

/* Choose, make the new SA, key it and answer; the new SA or NULL. */
static struct ike_sa *ike_answer(struct ike_sa *sa, const struct ike_msg *m,
				 uint8_t nr[IKE_NONCE_LEN], uint16_t *want,
				 struct ike_err *err, uint64_t now)
{
	struct ike_ccsa tmp = { 0 };
	struct ike_buf *b = &sa->ctx->inner;
	struct xs_buf ni = { m->nonce.ptr, m->nonce.len }, n_r = { nr, 0 };
	uint8_t gir[IKE_DH_MAX_SECRET_LEN];
	struct ike_sa_pld chosen;
	struct ike_sa *n;
	size_t gir_len = 0;
	int rc;

	if (ike_prop_select(&sa->conn->proposals, &m->sa, m->ke.group, 0,
			    &chosen, err) ||
	    ike_prop_check_ke((uint16_t)ike_prop_xform(&chosen, 0,
				IKEV2_XFORM_DH, NULL), m->ke.group, want, err))
		return NULL;
	if (chosen.props[0].spi_size != IKEV2_SPI_BYTES_IKE) {
		ike_fail(err, IKEV2_N_INVALID_SYNTAX, "IKE SPI size");
		return NULL;
	}
	n = ike_sa_new(sa->ctx, false, &sa->local, &sa->remote, now);
	if (!n) {
		ike_fail(err, IKEV2_N_TEMPORARY_FAILURE, "no room");
		return NULL;
	}
	n->spi_i = ike_get64(chosen.props[0].spi);
	ike_put64(chosen.props[0].spi, n->spi_r);
	ike_buf_init_inner(b);
	rc = take_xforms(n, &chosen) || ike_add_sa(b, &chosen) ||
	     ike_ccsa_add_nonce_ke(&tmp, n->group, b);
	memcpy(nr, tmp.nonce, IKE_NONCE_LEN);
	n_r.len = IKE_NONCE_LEN;
	gir_len = rc ? 0 : ike_ccsa_gir(tmp.dh, m, gir);
	rc = rc || !gir_len || !n->spi_i ||
	     derive(sa, n, gir, gir_len, &ni, &n_r) ||
	     ike_send_response(sa, m->exchange, m->msgid, b);
	xs_wipe(gir, sizeof(gir));
	ike_ccsa_reset(&tmp);
	if (!rc)
		return n;
	ike_sa_kill(n, "rekey not answered");
	ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN, "rekey failed");
	return NULL;
}

void ike_rekey_ike_on_request(struct ike_sa *sa, const struct ike_msg *m,
			      uint64_t now)
{
	struct ike_ccsa *x = ike_ccsa_get(sa);
	struct ike_err err = { 0 };
	uint8_t nr[IKE_NONCE_LEN];
	uint16_t want = 0, notify = ike_busy(sa, m);
	struct ike_sa *n = NULL;

	if (!notify) {
		n = ike_answer(sa, m, nr, &want, &err, now);
		notify = n ? 0 : err.notify;
	}
	if (notify) {
		ike_ccsa_refuse(sa, m, notify, want);
		return;
	}
	adopt(sa, n, now);
	if (sa->state == IKE_SA_REKEYING) {
		/* ours is out too: who keeps what waits for our answer */
		ike_ccsa_note_peer(x, &m->nonce, nr, sizeof(nr));
		x->peer_new_spi = n->spi_r;
		return;
	}
	move_children(sa, n);
	ike_sa_state(sa, IKE_SA_REKEYING);	/* the peer deletes it */
}
