/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * CREATE_CHILD_SA (RFC 7296 1.3, 2.8, 2.17, 2.18, 2.25) in the IKE core:
 * a new Child SA, a Child SA rekey (REKEY_SA, make-before-break: the new
 * pair is installed with replaces_spi_in, the initiator then deletes the
 * old one), an IKE SA rekey (new SPIs, SKEYSEED from the old SK_d, the
 * children moved over, the old IKE SA deleted by the initiator), PFS
 * (a KE payload of the child proposal's group; INVALID_KE_PAYLOAD asks
 * for another), simultaneous rekeys (2.8.1: the exchange with the lowest
 * nonce loses and its initiator deletes what it made), TEMPORARY_FAILURE
 * and CHILD_SA_NOT_FOUND both ways.
 *
 * exchange_create_child.c holds the Child SA side and the plumbing,
 * rekey_ike.c the IKE SA rekey. Hooks the rest of the core calls:
 *   input.c        ike_ccsa_on_request() / ike_ccsa_on_response()
 *   retransmit.c   ike_ccsa_kick() from ike_sa_kick() when idle
 *   control.c      ike_ccsa_deadline() in ike_sa_next_deadline(),
 *                  ike_ccsa_add_child() for `up` on an established SA
 *   ctx.c          ike_ccsa_free() when an IKE SA is freed
 */
#ifndef XDPSEC_IKE_CCSA_H
#define XDPSEC_IKE_CCSA_H

#include "ike/sa.h"

enum ike_ccsa_kind {
	IKE_CCSA_NONE = 0,
	IKE_CCSA_NEW_CHILD,
	IKE_CCSA_REKEY_CHILD,
	IKE_CCSA_REKEY_IKE,
};

enum {
	IKE_CCSA_RETRY_MS = 2000,	/* after TEMPORARY_FAILURE, + jitter */
	IKE_CCSA_FAIL_RETRY_MS = 30000,	/* after a refused rekey */
	IKE_CCSA_KE_TRIES = 2,		/* INVALID_KE_PAYLOAD restarts */
};

/* An IKE SA's CREATE_CHILD_SA state (allocated on first use). */
struct ike_ccsa {
	/* Our request under way. */
	enum ike_ccsa_kind kind;
	uint8_t proto;			/* of the Child SAs below */
	uint32_t spi_in;		/* the Child SA it makes */
	uint32_t old_spi_in;		/* REKEY_CHILD: what it replaces */
	uint64_t new_spi;		/* REKEY_IKE: ours of the new IKE SA */
	struct ike_dh *dh;		/* our key pair (PFS, IKE rekey) */
	struct ike_dh *premade;		/* ike_ccsa_premake()'s */
	uint16_t group;			/* its group, 0: no KE sent */
	uint8_t ke_tries;
	uint8_t nonce[IKE_NONCE_LEN];	/* our Ni */
	/* New Child SAs to make (`up` on an established IKE SA). */
	const struct ike_child_cfg *queue[IKE_CONN_MAX_CHILDREN];
	uint8_t nqueue;
	uint64_t retry_ms;		/* none before (TEMPORARY_FAILURE) */
	/* The peer's rekey of what ours rekeys, answered meanwhile. */
	bool collided;
	uint32_t peer_spi_in;		/* child: ours of the SA it made */
	uint64_t peer_new_spi;		/* IKE: ours of its new IKE SA */
	/* the lower of its Ni and our Nr */
	uint8_t peer_low[IKEV2_NONCE_MAX_BYTES];
	size_t peer_low_len;
};

/* ---- hooks (see above) ------------------------------------------------ */
void ike_ccsa_on_request(struct ike_sa *sa, const struct ike_msg *m,
			 uint64_t now);
void ike_ccsa_on_response(struct ike_sa *sa, const struct ike_msg *m,
			  uint64_t now);
/* Start a due rekey or a queued Child SA; true if a request went out. */
bool ike_ccsa_kick(struct ike_sa *sa, uint64_t now);
/* The earliest rekey or retry time (0: none). */
uint64_t ike_ccsa_deadline(const struct ike_sa *sa);
/* Queue a new Child SA of cfg on an established IKE SA; 0 or -1. */
int ike_ccsa_add_child(struct ike_sa *sa, const struct ike_child_cfg *cfg,
		       uint64_t now);
void ike_ccsa_free(struct ike_sa *sa);
/*
 * A key pair made ahead of time for this IKE SA's next CREATE_CHILD_SA
 * request of its group (a precomputed one; tests give a known one to
 * check g^ir independently). Takes dh; 0, or -1 (then dh is freed).
 */
int ike_ccsa_premake(struct ike_sa *sa, struct ike_dh *dh);

/* ---- shared by exchange_create_child.c and rekey_ike.c ---------------- */
struct ike_ccsa *ike_ccsa_get(struct ike_sa *sa);
/* Forget our request's key pair and kind (not the queue). */
void ike_ccsa_reset(struct ike_ccsa *x);
/* A fresh nonce and, for group (0: none), a key pair, into b. */
int ike_ccsa_add_nonce_ke(struct ike_ccsa *x, uint16_t group,
			  struct ike_buf *b);
/* g^ir of dh and the peer's KE payload; its length, 0 on error. */
size_t ike_ccsa_gir(struct ike_dh *dh, const struct ike_msg *m,
		    uint8_t gir[IKE_DH_MAX_SECRET_LEN]);
/* Answer the request m with an error notify (data: INVALID_KE group). */
void ike_ccsa_refuse(struct ike_sa *sa, const struct ike_msg *m,
		     uint16_t notify, uint16_t group);
/* The error notify of a response (0: none) and its 16-bit data. */
uint16_t ike_ccsa_error(const struct ike_msg *m, uint16_t *group);
/* The lower of two nonces into x->peer_low (2.8.1 bookkeeping). */
void ike_ccsa_note_peer(struct ike_ccsa *x, const struct ike_span *ni,
			const uint8_t *nr, size_t nr_len);
/* Did our exchange (our x->nonce, the peer's nr) lose against theirs? */
bool ike_ccsa_lost(const struct ike_ccsa *x, const struct ike_span *nr);
void ike_ccsa_retry_later(struct ike_ccsa *x, uint64_t now);
/* true if some proposal of sa offers DH group g (INVALID_KE retries). */
bool ike_ccsa_offers_group(const struct ike_sa_pld *sa, uint16_t g);

/* rekey_ike.c */
/* The IKE SA's rekey time (rekey_time less up to rand_time), set when it
 * is established: the timers and the listings read sa->rekey_ms. */
void ike_rekey_ike_schedule(struct ike_sa *sa, uint64_t now);
int ike_rekey_ike_start(struct ike_sa *sa, uint64_t now);
void ike_rekey_ike_on_request(struct ike_sa *sa, const struct ike_msg *m,
			      uint64_t now);
void ike_rekey_ike_on_response(struct ike_sa *sa, const struct ike_msg *m,
			       uint64_t now);

#endif
