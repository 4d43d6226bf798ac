// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKE_SA_INIT cookies (ike/cookie.h): make, verify, rotate the secret, and
 * the responder's stateless check in front of ike_init_respond().
 */
#include <string.h>

#include "engine/crypto.h"
#include "ike/cookie.h"
#include "ike/keys.h"

int ike_cookies_init(struct ike_cookies *c, uint32_t threshold,
		     uint32_t rotate_ms, uint32_t grace_ms, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->threshold = threshold;
	c->rotate_ms = rotate_ms;
	c->grace_ms = grace_ms;
	c->rotated_at = now;
	return xs_random(c->secret, sizeof(c->secret)) ? -1 : 0;
}

void ike_cookies_wipe(struct ike_cookies *c)
{
	xs_wipe(c, sizeof(*c));
}

static int next_secret(struct ike_cookies *c, uint64_t now)
{
	memcpy(c->prev, c->secret, sizeof(c->prev));
	c->has_prev = true;
	c->version++;
	c->rotated_at = now;
	return xs_random(c->secret, sizeof(c->secret)) ? -1 : 0;
}

int ike_cookies_rotate(struct ike_cookies *c, uint64_t now)
{
	uint64_t age = now - c->rotated_at;

	if (now < c->rotated_at || age < c->rotate_ms)
		return 0;
	/* Idle past rotation and grace: the old secret must not live on. */
	if (age >= (uint64_t)c->rotate_ms + c->grace_ms && next_secret(c, now))
		return -1;
	return next_secret(c, now);
}

static int cookie_hash(const uint8_t *secret, const struct ike_span *ni,
		       const struct ike_addr *ipi, uint64_t spi_i,
		       uint8_t out[IKE_PRF_MAX_LEN])
{
	uint8_t spi[IKE_SPI_LEN];
	struct xs_buf in[3] = {
		{ ni->ptr, ni->len }, { ipi->addr, ipi->len },
		{ spi, sizeof(spi) },
	};
	size_t n;

	for (int i = IKE_SPI_LEN - 1; i >= 0; i--, spi_i >>= 8)
		spi[i] = (uint8_t)spi_i;
	n = ike_prf(IKEV2_PRF_HMAC_SHA2_256, secret, IKE_COOKIE_SECRET_LEN,
		    in, 3, out);
	return n == IKE_COOKIE_HASH_LEN ? 0 : -1;
}

int ike_cookie_make(const struct ike_cookies *c, const struct ike_span *ni,
		    const struct ike_addr *ipi, uint64_t spi_i,
		    uint8_t out[IKE_COOKIE_LEN])
{
	uint8_t hash[IKE_PRF_MAX_LEN];

	if (cookie_hash(c->secret, ni, ipi, spi_i, hash))
		return -1;
	out[0] = c->version;
	memcpy(out + 1, hash, IKE_COOKIE_HASH_LEN);
	xs_wipe(hash, sizeof(hash));
	return 0;
}

bool ike_cookie_valid(const struct ike_cookies *c, const struct ike_span *ni,
		      const struct ike_addr *ipi, uint64_t spi_i,
		      const uint8_t *cookie, size_t len, uint64_t now)
{
	uint8_t hash[IKE_PRF_MAX_LEN];
	const uint8_t *secret;
	bool ok;

	if (len != IKE_COOKIE_LEN)
		return false;
	if (cookie[0] == c->version)
		secret = c->secret;
	else if (c->has_prev && cookie[0] == (uint8_t)(c->version - 1) &&
		 now - c->rotated_at < c->grace_ms)
		secret = c->prev;
	else
		return false;
	ok = !cookie_hash(secret, ni, ipi, spi_i, hash) &&
	     xs_ct_equal(hash, cookie + 1, IKE_COOKIE_HASH_LEN);
	xs_wipe(hash, sizeof(hash));
	return ok;
}

static int demand(struct ike_cookies *c, const struct ike_msg *msg,
		  const struct ike_addr *remote, struct ike_buf *resp)
{
	uint8_t cookie[IKE_COOKIE_LEN];

	if (ike_cookie_make(c, &msg->nonce, remote, msg->spi_i, cookie))
		return IKE_COOKIE_PASS;
	ike_buf_init(resp, msg->spi_i, 0, IKEV2_EXCHANGE_IKE_SA_INIT,
		     IKEV2_FLAG_RESPONSE, 0);
	if (ike_add_notify(resp, IKEV2_PROTO_NONE, NULL, 0, IKEV2_N_COOKIE,
			   cookie, sizeof(cookie)) ||
	    ike_msg_finalise(resp) < 0)
		return IKE_COOKIE_PASS;
	c->demanded++;
	return IKE_COOKIE_DEMAND;
}

static bool is_init_request(const struct ike_msg *msg)
{
	return msg->exchange == IKEV2_EXCHANGE_IKE_SA_INIT &&
	       (msg->flags & IKEV2_FLAG_INITIATOR) &&
	       !(msg->flags & IKEV2_FLAG_RESPONSE) && msg->spi_r == 0 &&
	       msg->nonce.len;
}

int ike_cookie_check(struct ike_cookies *c, const uint8_t *buf, size_t len,
		     const struct ike_addr *remote, unsigned int half_open,
		     uint64_t now, struct ike_buf *resp)
{
	const struct ike_notify_pld *n;
	struct ike_msg msg;
	struct ike_err err;

	if (half_open < c->threshold)
		return IKE_COOKIE_PASS;
	if (ike_msg_parse(buf, len, &msg, &err) || !is_init_request(&msg))
		return IKE_COOKIE_PASS;
	ike_cookies_rotate(c, now);
	n = ike_msg_notify(&msg, IKEV2_N_COOKIE);
	if (n && ike_cookie_valid(c, &msg.nonce, remote, msg.spi_i,
				  n->data.ptr, n->data.len, now)) {
		c->accepted++;
		return IKE_COOKIE_PASS;
	}
	return demand(c, &msg, remote, resp);
}
