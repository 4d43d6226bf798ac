/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Stateless cookies against IKE_SA_INIT floods (RFC 7296 2.6).
 *
 * While the responder holds at least `threshold` half-open IKE SAs, an
 * IKE_SA_INIT request that does not carry a valid COOKIE notify is answered
 * with a COOKIE response only, and nothing is kept: the initiator must
 * prove it receives at the address it claims before any DH is done or any
 * state is made. A cookie is
 *
 *   version (1 byte) | HMAC-SHA2-256(secret, Ni | IPi | SPIi)
 *
 * where version names the secret; the secret is replaced every rotate_ms
 * and the previous one is still accepted for grace_ms after that. Checks
 * are constant-time. The core calls ike_cookie_check() before
 * ike_init_respond() (ike/ikev2_init.h) for every IKE_SA_INIT request.
 */
#ifndef XDPSEC_IKE_COOKIE_H
#define XDPSEC_IKE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ikev2_init.h"
#include "ike/ikev2_pld.h"

enum {
	IKE_COOKIE_SECRET_LEN = 32,
	IKE_COOKIE_HASH_LEN = 32,			/* HMAC-SHA2-256 */
	IKE_COOKIE_LEN = 1 + IKE_COOKIE_HASH_LEN,	/* version | hash */
	IKE_COOKIE_THRESHOLD = 64,	/* half-open SAs (default) */
	IKE_COOKIE_ROTATE_MS = 60000,	/* secret lifetime (default) */
	IKE_COOKIE_GRACE_MS = 10000,	/* previous secret accepted */
};

/* The responder's cookie state: secrets and when to demand cookies. */
struct ike_cookies {
	uint32_t threshold;	/* demand cookies from this many half-open */
	uint32_t rotate_ms;	/* a new secret this often */
	uint32_t grace_ms;	/* the previous one is accepted this long */
	uint8_t version;	/* of secret; prev is version - 1 */
	bool has_prev;
	uint64_t rotated_at;	/* when secret became current */
	uint8_t secret[IKE_COOKIE_SECRET_LEN];
	uint8_t prev[IKE_COOKIE_SECRET_LEN];
	uint64_t demanded, accepted;	/* COOKIE answers; good cookies */
};

enum ike_cookie_verdict {
	IKE_COOKIE_PASS = 0,	/* go on with ike_init_respond() */
	IKE_COOKIE_DEMAND = 1,	/* send resp (COOKIE), keep nothing */
};

/* A fresh random secret; 0, or -1 if no randomness. */
int ike_cookies_init(struct ike_cookies *c, uint32_t threshold,
		     uint32_t rotate_ms, uint32_t grace_ms, uint64_t now);
void ike_cookies_wipe(struct ike_cookies *c);

/* Replace the secret if it is due (called by ike_cookie_check() too). */
int ike_cookies_rotate(struct ike_cookies *c, uint64_t now);

/* The cookie for (Ni, IPi, SPIi) under the current secret. */
int ike_cookie_make(const struct ike_cookies *c, const struct ike_span *ni,
		    const struct ike_addr *ipi, uint64_t spi_i,
		    uint8_t out[IKE_COOKIE_LEN]);
/* true if cookie is one we made for (Ni, IPi, SPIi) with a live secret. */
bool ike_cookie_valid(const struct ike_cookies *c, const struct ike_span *ni,
		      const struct ike_addr *ipi, uint64_t spi_i,
		      const uint8_t *cookie, size_t len, uint64_t now);

/*
 * For a datagram from remote, with half_open half-open IKE SAs now: PASS
 * (not an IKE_SA_INIT request, below the threshold, or a valid cookie) or
 * DEMAND with resp holding the COOKIE response (responder SPI zero). A
 * request the parser refuses passes: ike_init_respond() answers it
 * statelessly.
 */
int ike_cookie_check(struct ike_cookies *c, const uint8_t *msg, size_t len,
		     const struct ike_addr *remote, unsigned int half_open,
		     uint64_t now, struct ike_buf *resp);

#endif
