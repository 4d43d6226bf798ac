// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKEv2 key derivation on the engine's HMAC object (engine/crypto.c).
 * Intermediate buffers that held key material are wiped before return.
 */
#include <string.h>

#include "ike/dh.h"
#include "ike/ikev2.h"
#include "ike/ikev2_pld.h"
#include "ike/keys.h"

enum {
	PRF_PLUS_MAX_BLOCKS = 255,	/* the counter is one octet */
	/* [g^ir |] Ni | Nr | SPIi | SPIr at most */
	SEED_MAX_LEN = IKE_DH_MAX_SECRET_LEN + 2 * IKE_NONCE_MAX_LEN + 2 * IKE_SPI_LEN,
	SA_KEYMAT_MAX_LEN = 3 * IKE_PRF_MAX_LEN + 2 * IKE_INTEG_KEY_MAX_LEN +
			    2 * IKE_ENCR_KEY_MAX_LEN,
	CHILD_KEYMAT_MAX_LEN = 2 * (IKE_ENCR_KEY_MAX_LEN +
				    IKE_INTEG_KEY_MAX_LEN),
};

static const char key_pad[] = "Key Pad for IKEv2";	/* no NUL (2.15) */

/* ---- transform key lengths ------------------------------------------- */

static size_t integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_SHA1_96: return 20;
	case IKEV2_INTEG_HMAC_SHA2_256_128: return 32;
	case IKEV2_INTEG_HMAC_SHA2_384_192: return 48;
	case IKEV2_INTEG_HMAC_SHA2_512_256: return 64;
	}
	return 0;
}

size_t ike_integ_key_len(uint16_t integ)
{
	return integ_key_len(integ);
}

static int aes_key_bits_ok(uint16_t key_bits)
{
	return key_bits == 128 || key_bits == 192 || key_bits == 256;
}

int ike_key_lens(uint16_t encr, uint16_t key_bits, uint16_t integ,
		 struct ike_key_lens *out)
{
	switch (encr) {
	case IKEV2_ENCR_AES_CBC:
		if (!aes_key_bits_ok(key_bits) || !integ_key_len(integ))
			return -1;
		out->encr = key_bits / 8;
		out->integ = integ_key_len(integ);
		return 0;
	case IKEV2_ENCR_AES_GCM_8:
	case IKEV2_ENCR_AES_GCM_12:
	case IKEV2_ENCR_AES_GCM_16:
		if (!aes_key_bits_ok(key_bits) || integ != IKEV2_INTEG_NONE)
			return -1;
		out->encr = key_bits / 8 + IKE_SALT_LEN;
		out->integ = 0;
		return 0;
	case IKEV2_ENCR_CHACHA20_POLY1305:
		/* RFC 7634 section 2: no Key Length attribute (256 bits) */
		if ((key_bits && key_bits != 256) ||
		    integ != IKEV2_INTEG_NONE)
			return -1;
		out->encr = 32 + IKE_SALT_LEN;
		out->integ = 0;
		return 0;
	}
	return -1;
}

/* ---- PRF and prf+ ---------------------------------------------------- */

static int prf_alg(uint16_t prf, enum xs_hmac_alg *alg)
{
	switch (prf) {
	case IKEV2_PRF_HMAC_SHA1: *alg = XS_HMAC_SHA1; return 1;
	case IKEV2_PRF_HMAC_SHA2_256: *alg = XS_HMAC_SHA256; return 1;
	case IKEV2_PRF_HMAC_SHA2_384: *alg = XS_HMAC_SHA384; return 1;
	case IKEV2_PRF_HMAC_SHA2_512: *alg = XS_HMAC_SHA512; return 1;
	}
	return 0;
}

static struct xs_hmac *prf_new(uint16_t prf, const uint8_t *key,
			       size_t key_len)
{
	enum xs_hmac_alg alg;

	if (!prf_alg(prf, &alg))
		return NULL;
	return xs_hmac_new(alg, key, key_len);
}

size_t ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case IKEV2_PRF_HMAC_SHA1: return 20;
	case IKEV2_PRF_HMAC_SHA2_256: return 32;
	case IKEV2_PRF_HMAC_SHA2_384: return 48;
	case IKEV2_PRF_HMAC_SHA2_512: return 64;
	}
	return 0;
}

size_t ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
	       const struct xs_buf *in, int nin, uint8_t out[IKE_PRF_MAX_LEN])
{
	struct xs_hmac *h = prf_new(prf, key, key_len);
	size_t n;

	if (!h)
		return 0;
	n = xs_hmac(h, in, nin, out);
	xs_hmac_free(h);
	return n;
}

/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) (RFC 7296 2.13). */
int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
		 const uint8_t *seed, size_t seed_len,
		 uint8_t *out, size_t out_len)
{
	size_t blk = ike_prf_len(prf);
	struct xs_hmac *h;
	uint8_t t[IKE_PRF_MAX_LEN];
	uint8_t n = 1;
	size_t done = 0;
	int err = 0;

	if (!blk || out_len > blk * PRF_PLUS_MAX_BLOCKS)
		return -1;
	h = prf_new(prf, key, key_len);
	if (!h)
		return -1;
	while (done < out_len && !err) {
		struct xs_buf in[3] = {
			{ t, n > 1 ? blk : 0 }, { seed, seed_len }, { &n, 1 },
		};
		size_t take = out_len - done < blk ? out_len - done : blk;

		err = xs_hmac(h, in, 3, t) != blk;
		memcpy(out + done, t, take);
		done += take;
		n++;
	}
	xs_hmac_free(h);
	xs_wipe(t, sizeof(t));
	if (err)
		xs_wipe(out, out_len);
	return err ? -1 : 0;
}

/* ---- IKE SA keys ----------------------------------------------------- */

static int nonces_ok(const struct xs_buf *ni, const struct xs_buf *nr)
{
	return ni->p && nr->p &&
	       ni->len >= IKE_NONCE_MIN_LEN && ni->len <= IKE_NONCE_MAX_LEN &&
	       nr->len >= IKE_NONCE_MIN_LEN && nr->len <= IKE_NONCE_MAX_LEN;
}

size_t ike_skeyseed(uint16_t prf, const struct xs_buf *ni,
		    const struct xs_buf *nr, const struct xs_buf *gir,
		    uint8_t out[IKE_PRF_MAX_LEN])
{
	uint8_t key[2 * IKE_NONCE_MAX_LEN];
	size_t n;

	if (!nonces_ok(ni, nr) || !gir->p || !gir->len)
		return 0;
	memcpy(key, ni->p, ni->len);
	memcpy(key + ni->len, nr->p, nr->len);
	n = ike_prf(prf, key, ni->len + nr->len, gir, 1, out);
	xs_wipe(key, sizeof(key));
	return n;
}

size_t ike_skeyseed_rekey(const struct ike_sa_keys *old,
			  const struct xs_buf *gir, const struct xs_buf *ni,
			  const struct xs_buf *nr,
			  uint8_t out[IKE_PRF_MAX_LEN])
{
	struct xs_buf in[3] = { *gir, *ni, *nr };

	if (!nonces_ok(ni, nr) || !gir->p || !gir->len)
		return 0;
	return ike_prf(old->prf, old->sk_d, old->prf_len, in, 3, out);
}

/* Copies the next len bytes of keying material to dst. */
static const uint8_t *take(uint8_t *dst, const uint8_t *src, size_t len)
{
	memcpy(dst, src, len);
	return src + len;
}

static size_t concat(uint8_t *dst, const struct xs_buf *pieces, int n)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (pieces[i].len)	/* an absent g^ir is { NULL, 0 } */
			memcpy(dst + off, pieces[i].p, pieces[i].len);
		off += pieces[i].len;
	}
	return off;
}

static int lens_ok(const struct ike_key_lens *lens)
{
	return lens->encr && lens->encr <= IKE_ENCR_KEY_MAX_LEN &&
	       lens->integ <= IKE_INTEG_KEY_MAX_LEN;
}

/* A Child SA may have no cipher key (AH), but needs some key. */
static int child_lens_ok(const struct ike_key_lens *lens)
{
	return (lens->encr || lens->integ) &&
	       lens->encr <= IKE_ENCR_KEY_MAX_LEN &&
	       lens->integ <= IKE_INTEG_KEY_MAX_LEN;
}

static void split_sa_keys(struct ike_sa_keys *k, const uint8_t *km)
{
	km = take(k->sk_d, km, k->prf_len);
	km = take(k->sk_ai, km, k->lens.integ);
	km = take(k->sk_ar, km, k->lens.integ);
	km = take(k->sk_ei, km, k->lens.encr);
	km = take(k->sk_er, km, k->lens.encr);
	km = take(k->sk_pi, km, k->prf_len);
	take(k->sk_pr, km, k->prf_len);
}

int ike_sa_keys_derive(uint16_t prf, const uint8_t *skeyseed,
		       size_t skeyseed_len, const struct xs_buf *ni,
		       const struct xs_buf *nr,
		       const uint8_t spi_i[IKE_SPI_LEN],
		       const uint8_t spi_r[IKE_SPI_LEN],
		       const struct ike_key_lens *lens,
		       struct ike_sa_keys *out)
{
	struct xs_buf parts[4] = {
		*ni, *nr, { spi_i, IKE_SPI_LEN }, { spi_r, IKE_SPI_LEN },
	};
	uint8_t seed[SEED_MAX_LEN], km[SA_KEYMAT_MAX_LEN];
	size_t plen = ike_prf_len(prf), seed_len, km_len;
	int err;

	memset(out, 0, sizeof(*out));
	if (!plen || !nonces_ok(ni, nr) || !lens_ok(lens))
		return -1;
	seed_len = concat(seed, parts, 4);
	km_len = 3 * plen + 2 * lens->integ + 2 * lens->encr;
	err = ike_prf_plus(prf, skeyseed, skeyseed_len, seed, seed_len,
			   km, km_len);
	if (!err) {
		out->prf = prf;
		out->prf_len = plen;
		out->lens = *lens;
		split_sa_keys(out, km);
	}
	xs_wipe(km, sizeof(km));
	return err;
}

int ike_sa_keys_from_seed(uint16_t prf, uint8_t *seed, size_t seed_len,
			  const struct xs_buf *ni, const struct xs_buf *nr,
			  uint64_t spi_i, uint64_t spi_r,
			  const struct ike_key_lens *lens,
			  struct ike_sa_keys *out)
{
	uint8_t si[IKE_SPI_LEN], sr[IKE_SPI_LEN];
	int rc;

	ike_put64(si, spi_i);
	ike_put64(sr, spi_r);
	rc = !seed_len || ike_sa_keys_derive(prf, seed, seed_len, ni, nr, si,
					     sr, lens, out);
	xs_wipe(seed, IKE_PRF_MAX_LEN);
	return rc ? -1 : 0;
}

void ike_sa_keys_wipe(struct ike_sa_keys *k)
{
	xs_wipe(k, sizeof(*k));
}

/* ---- Child SA keys --------------------------------------------------- */

int ike_child_keys_derive(const struct ike_sa_keys *sa,
			  const struct xs_buf *gir, const struct xs_buf *ni,
			  const struct xs_buf *nr,
			  const struct ike_key_lens *lens,
			  struct ike_child_keys *out)
{
	struct xs_buf parts[3] = { { NULL, 0 }, *ni, *nr };
	uint8_t seed[SEED_MAX_LEN], km[CHILD_KEYMAT_MAX_LEN];
	const uint8_t *p = km;
	size_t seed_len;
	int err;

	memset(out, 0, sizeof(*out));
	if (!sa->prf_len || !nonces_ok(ni, nr) || !child_lens_ok(lens) ||
	    (gir && (!gir->p || !gir->len || gir->len > IKE_DH_MAX_SECRET_LEN)))
		return -1;
	if (gir)
		parts[0] = *gir;
	seed_len = concat(seed, parts, 3);
	err = ike_prf_plus(sa->prf, sa->sk_d, sa->prf_len, seed, seed_len,
			   km, 2 * (lens->encr + lens->integ));
	if (!err) {
		out->lens = *lens;
		p = take(out->encr_i, p, lens->encr);
		p = take(out->integ_i, p, lens->integ);
		p = take(out->encr_r, p, lens->encr);
		take(out->integ_r, p, lens->integ);
	}
	xs_wipe(seed, sizeof(seed));
	xs_wipe(km, sizeof(km));
	return err;
}

void ike_child_keys_wipe(struct ike_child_keys *k)
{
	xs_wipe(k, sizeof(*k));
}

/* ---- AUTH (shared key) ----------------------------------------------- */

size_t ike_maced_id(uint16_t prf, const struct ike_signed_octets *so,
		    uint8_t out[IKE_PRF_MAX_LEN])
{
	if (!so->sk_p || !so->sk_p_len || !so->id.p)
		return 0;
	return ike_prf(prf, so->sk_p, so->sk_p_len, &so->id, 1, out);
}

size_t ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
		    const struct ike_signed_octets *so,
		    uint8_t out[IKE_PRF_MAX_LEN])
{
	struct xs_buf pad = { (const uint8_t *)key_pad, sizeof(key_pad) - 1 };
	uint8_t padded[IKE_PRF_MAX_LEN], maced[IKE_PRF_MAX_LEN];
	size_t plen = 0, mlen, n = 0;

	if (psk && psk_len && so->msg.p && so->nonce.p)
		plen = ike_prf(prf, psk, psk_len, &pad, 1, padded);
	mlen = plen ? ike_maced_id(prf, so, maced) : 0;
	if (mlen) {
		struct xs_buf in[3] = { so->msg, so->nonce, { maced, mlen } };

		n = ike_prf(prf, padded, plen, in, 3, out);
	}
	xs_wipe(padded, sizeof(padded));
	xs_wipe(maced, sizeof(maced));
	return n;
}

int ike_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
			const struct ike_signed_octets *so,
			const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	size_t n = ike_auth_psk(prf, psk, psk_len, so, want);
	int ok = n && auth && auth_len == n && xs_ct_equal(want, auth, n);

	xs_wipe(want, sizeof(want));
	return ok;
}
