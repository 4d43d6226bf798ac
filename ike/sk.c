// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The Encrypted (SK) and Encrypted Fragment (SKF) payloads on the engine's
 * crypto objects (engine/crypto.c). Layout of the body in both cases:
 *
 *	IV | ciphertext of (inner chain | padding | pad length) | ICV
 *
 * Sealing uses no padding with an AEAD (a stream mode) and the fewest bytes
 * that fill the last block with AES-CBC; opening accepts any padding content
 * whose length fits the plaintext. A message is finalised (its lengths
 * written) before it is protected: the lengths are in the AAD or the MAC.
 */
#include <stdlib.h>
#include <string.h>

#include "ike/ikev2.h"
#include "ike/sk.h"

enum {
	AEAD_IV_LEN = 8,			/* RFC 5282 3.1, RFC 7634 2 */
	CBC_IV_LEN = XS_CBC_BLOCK_LEN,
};

struct ike_sk {
	struct xs_aead *aead;	/* AEAD, or */
	struct xs_cbc *cbc;	/* AES-CBC with */
	struct xs_hmac *hmac;	/* HMAC truncated to icv_len */
	size_t iv_len;
	size_t icv_len;
	size_t block;		/* ciphertext granularity: 1 for AEAD */
	uint64_t next_iv;	/* AEAD: the counter, never reused */
	uint8_t salt[IKE_SALT_LEN];
};

/* ---- transforms ---------------------------------------------------------- */

static int aead_params(uint16_t encr, enum xs_aead_alg *alg, size_t *tag)
{
	switch (encr) {
	case IKEV2_ENCR_AES_GCM_8: *alg = XS_AEAD_AES_GCM; *tag = 8; return 1;
	case IKEV2_ENCR_AES_GCM_12: *alg = XS_AEAD_AES_GCM; *tag = 12; return 1;
	case IKEV2_ENCR_AES_GCM_16: *alg = XS_AEAD_AES_GCM; *tag = 16; return 1;
	case IKEV2_ENCR_CHACHA20_POLY1305:
		*alg = XS_AEAD_CHACHA20_POLY1305;
		*tag = 16;
		return 1;
	}
	return 0;
}

static int integ_params(uint16_t integ, enum xs_hmac_alg *alg, size_t *icv)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_SHA1_96: *alg = XS_HMAC_SHA1; *icv = 12; return 1;
	case IKEV2_INTEG_HMAC_SHA2_256_128:
		*alg = XS_HMAC_SHA256; *icv = 16; return 1;
	case IKEV2_INTEG_HMAC_SHA2_384_192:
		*alg = XS_HMAC_SHA384; *icv = 24; return 1;
	case IKEV2_INTEG_HMAC_SHA2_512_256:
		*alg = XS_HMAC_SHA512; *icv = 32; return 1;
	}
	return 0;
}

/* The key lengths ike_key_lens() gives for these transforms and sk_e_len. */
static int lens_match(uint16_t encr, uint16_t integ, bool aead,
		      size_t sk_e_len, size_t sk_a_len)
{
	struct ike_key_lens lens;
	size_t key_len = sk_e_len - (aead ? IKE_SALT_LEN : 0);

	if (sk_e_len <= IKE_SALT_LEN || key_len > IKE_ENCR_KEY_MAX_LEN)
		return 0;
	return !ike_key_lens(encr, (uint16_t)(key_len * 8), integ, &lens) &&
	       lens.encr == sk_e_len && lens.integ == sk_a_len;
}

static int sk_init_aead(struct ike_sk *sk, enum xs_aead_alg alg, size_t tag,
			const uint8_t *sk_e, size_t sk_e_len)
{
	size_t key_len = sk_e_len - IKE_SALT_LEN;

	sk->aead = xs_aead_new(alg, sk_e, key_len, tag);
	memcpy(sk->salt, sk_e + key_len, IKE_SALT_LEN);
	sk->iv_len = AEAD_IV_LEN;
	sk->icv_len = tag;
	sk->block = 1;
	return sk->aead ? 0 : -1;
}

static int sk_init_cbc(struct ike_sk *sk, uint16_t integ, const uint8_t *sk_e,
		       size_t sk_e_len, const uint8_t *sk_a, size_t sk_a_len)
{
	enum xs_hmac_alg alg;
	size_t icv;

	if (!integ_params(integ, &alg, &icv))
		return -1;
	sk->cbc = xs_cbc_new(sk_e, sk_e_len);
	sk->hmac = xs_hmac_new(alg, sk_a, sk_a_len);
	sk->iv_len = CBC_IV_LEN;
	sk->icv_len = icv;
	sk->block = XS_CBC_BLOCK_LEN;
	return sk->cbc && sk->hmac ? 0 : -1;
}

struct ike_sk *ike_sk_new(uint16_t encr, uint16_t integ, const uint8_t *sk_e,
			  size_t sk_e_len, const uint8_t *sk_a,
			  size_t sk_a_len)
{
	enum xs_aead_alg alg = XS_AEAD_AES_GCM;
	size_t tag = 0;
	bool aead = aead_params(encr, &alg, &tag);
	struct ike_sk *sk;
	int rc;

	if (!sk_e || (sk_a_len && !sk_a) ||
	    !lens_match(encr, integ, aead, sk_e_len, sk_a_len))
		return NULL;
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return NULL;
	if (aead)
		rc = sk_init_aead(sk, alg, tag, sk_e, sk_e_len);
	else
		rc = sk_init_cbc(sk, integ, sk_e, sk_e_len, sk_a, sk_a_len);
	if (rc) {
		ike_sk_free(sk);
		return NULL;
	}
	return sk;
}

struct ike_sk *ike_sk_from_keys(uint16_t encr, uint16_t integ,
				const struct ike_sa_keys *keys, bool use_i)
{
	return ike_sk_new(encr, integ, use_i ? keys->sk_ei : keys->sk_er,
			  keys->lens.encr, use_i ? keys->sk_ai : keys->sk_ar,
			  keys->lens.integ);
}

void ike_sk_free(struct ike_sk *sk)
{
	if (!sk)
		return;
	xs_aead_free(sk->aead);
	xs_cbc_free(sk->cbc);
	xs_hmac_free(sk->hmac);
	xs_wipe(sk, sizeof(*sk));
	free(sk);
}

/* ---- lengths ------------------------------------------------------------- */

/* Ciphertext bytes for plain_len bytes and the pad length byte. */
static size_t ct_len(const struct ike_sk *sk, size_t plain_len)
{
	return (plain_len + 1 + sk->block - 1) / sk->block * sk->block;
}

size_t ike_sk_body_len(const struct ike_sk *sk, size_t plain_len)
{
	return sk->iv_len + ct_len(sk, plain_len) + sk->icv_len;
}

size_t ike_sk_max_plain(const struct ike_sk *sk, size_t body_len)
{
	size_t ct;

	if (body_len < sk->iv_len + sk->icv_len + sk->block)
		return 0;
	ct = (body_len - sk->iv_len - sk->icv_len) / sk->block * sk->block;
	return ct - 1;
}

/* ---- seal ---------------------------------------------------------------- */

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int make_iv(struct ike_sk *sk, uint8_t *iv)
{
	if (!sk->aead)
		return xs_random(iv, CBC_IV_LEN) ? IKE_SK_E_CRYPTO : 0;
	if (sk->next_iv == UINT64_MAX)
		return IKE_SK_E_IV;
	put64(iv, sk->next_iv++);
	return 0;
}

static void aead_nonce(const struct ike_sk *sk, const uint8_t *iv,
		       uint8_t nonce[XS_AEAD_NONCE_LEN])
{
	memcpy(nonce, sk->salt, IKE_SALT_LEN);
	memcpy(nonce + IKE_SALT_LEN, iv, AEAD_IV_LEN);
}

/* The truncated HMAC of msg[0, len) written to icv. */
static int cbc_icv(struct ike_sk *sk, const uint8_t *msg, size_t len,
		   uint8_t *icv)
{
	struct xs_buf in = { msg, len };
	uint8_t mac[XS_HMAC_MAX_LEN];

	if (xs_hmac(sk->hmac, &in, 1, mac) < sk->icv_len)
		return IKE_SK_E_CRYPTO;
	memcpy(icv, mac, sk->icv_len);
	xs_wipe(mac, sizeof(mac));
	return 0;
}

/* Fill the body at off of finalised message b with plain, protected. */
static int seal_body(struct ike_sk *sk, struct ike_buf *b, size_t off,
		     const uint8_t *plain, size_t len)
{
	uint8_t *body = b->data + off, *ct = body + sk->iv_len;
	size_t n = ct_len(sk, len);
	uint8_t nonce[XS_AEAD_NONCE_LEN];
	struct xs_buf aad = { b->data, off };
	int rc = make_iv(sk, body);

	if (rc)
		return rc;
	if (len)
		memcpy(ct, plain, len);
	memset(ct + len, 0, n - len - 1);
	ct[n - 1] = (uint8_t)(n - len - 1);
	if (sk->aead) {
		aead_nonce(sk, body, nonce);
		if (xs_aead_seal(sk->aead, nonce, &aad, 1, ct, n, ct + n))
			return IKE_SK_E_CRYPTO;
	} else {
		if (xs_cbc_encrypt(sk->cbc, body, ct, n))
			return IKE_SK_E_CRYPTO;
		rc = cbc_icv(sk, b->data, off + sk->iv_len + n, ct + n);
		if (rc)
			return rc;
	}
	return (int)b->len;
}

/* body: offset from ike_add_sk() or ike_add_skf(), negative if refused. */
static int seal_at(struct ike_sk *sk, struct ike_buf *b, long body,
		   const uint8_t *plain, size_t len)
{
	if (body < 0)
		return IKE_SK_E_SPACE;
	ike_msg_finalise(b);
	return seal_body(sk, b, (size_t)body, plain, len);
}

int ike_sk_seal(struct ike_sk *sk, struct ike_buf *b, struct ike_buf *inner)
{
	size_t body_len;

	if (!b->has_hdr || b->sealed || inner->has_hdr)
		return IKE_SK_E_ARG;
	ike_msg_finalise(inner);
	body_len = ike_sk_body_len(sk, inner->len);
	return seal_at(sk, b, ike_add_sk(b, inner->first, body_len),
		       inner->data, inner->len);
}

int ike_sk_seal_frag(struct ike_sk *sk, struct ike_buf *b, uint8_t inner,
		     uint16_t num, uint16_t total, const uint8_t *plain,
		     size_t len)
{
	if (!b->has_hdr || b->sealed || !num || num > total ||
	    (num == 1) != (inner != IKEV2_PAYLOAD_NONE))
		return IKE_SK_E_ARG;
	return seal_at(sk, b, ike_add_skf(b, inner, num, total,
					  ike_sk_body_len(sk, len)),
		       plain, len);
}

/* ---- open ---------------------------------------------------------------- */

static int open_ct(struct ike_sk *sk, uint8_t *buf, size_t off, size_t n)
{
	uint8_t *body = buf + off, *ct = body + sk->iv_len;
	uint8_t nonce[XS_AEAD_NONCE_LEN], icv[XS_HMAC_MAX_LEN];
	struct xs_buf aad = { buf, off };
	int rc;

	if (sk->aead) {
		aead_nonce(sk, body, nonce);
		if (xs_aead_open(sk->aead, nonce, &aad, 1, ct, n, ct + n))
			return IKE_SK_E_ICV;
		return 0;
	}
	rc = cbc_icv(sk, buf, off + sk->iv_len + n, icv);
	if (rc)
		return rc;
	if (!xs_ct_equal(icv, ct + n, sk->icv_len))
		return IKE_SK_E_ICV;
	return xs_cbc_decrypt(sk->cbc, body, ct, n) ? IKE_SK_E_CRYPTO : 0;
}

int ike_sk_open(struct ike_sk *sk, const struct ike_msg *msg, uint8_t *buf,
		struct ike_span *inner)
{
	size_t off = msg->sk.aad_len, len = msg->sk.data.len, n;
	uint8_t *ct, pad;
	int rc;

	inner->ptr = NULL;
	inner->len = 0;
	if (msg->buf != buf || (!ike_msg_has(msg, IKEV2_PAYLOAD_SK) &&
				!ike_msg_has(msg, IKEV2_PAYLOAD_SKF)) ||
	    msg->sk.data.ptr != buf + off || off + len != msg->len)
		return IKE_SK_E_ARG;
	if (len < sk->iv_len + sk->block + sk->icv_len)
		return IKE_SK_E_LENGTH;
	n = len - sk->iv_len - sk->icv_len;
	if (n % sk->block)
		return IKE_SK_E_LENGTH;
	rc = open_ct(sk, buf, off, n);
	if (rc)
		return rc;
	ct = buf + off + sk->iv_len;
	pad = ct[n - 1];
	if ((size_t)pad + 1 > n)
		return IKE_SK_E_PADDING;
	inner->ptr = ct;
	inner->len = n - pad - 1;
	return 0;
}

const char *ike_sk_strerror(int status)
{
	switch (status) {
	case 0: return "ok";
	case IKE_SK_E_LENGTH: return "bad encrypted payload length";
	case IKE_SK_E_PADDING: return "bad pad length";
	case IKE_SK_E_ICV: return "integrity check failed";
	case IKE_SK_E_SPACE: return "message too large";
	case IKE_SK_E_IV: return "IV counter exhausted";
	case IKE_SK_E_CRYPTO: return "crypto library failure";
	case IKE_SK_E_ARG: return "no encrypted payload to process";
	}
	return status > 0 ? "ok" : "unknown error";
}
