// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The only file that talks to crypto libraries: OpenSSL 3.0 EVP for
 * everything, and for short AEAD packets, where EVP's per-call dispatch
 * costs more than the cipher itself, Nettle (AES-GCM) and libsodium
 * (ChaCha20-Poly1305) through their direct calls. Every object keeps its
 * keyed library contexts from _new to _free; a per-packet call only loads
 * the IV/nonce, feeds AAD and data, and sets or reads the tag. No context
 * is created and nothing of ours is allocated per call.
 */
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>

#include "engine/crypto.h"

/* ---- helpers ----------------------------------------------------------- */

/* A context keyed for cipher in one direction (1 = encrypt); padding 0 = off. */
static EVP_CIPHER_CTX *cipher_ctx_new(const char *name, const uint8_t *key,
				      int enc, int padding)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *ctx = cipher ? EVP_CIPHER_CTX_new() : NULL;

	if (ctx && (!EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc, NULL) ||
		    (!padding && !EVP_CIPHER_CTX_set_padding(ctx, 0)))) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_CIPHER_free(cipher);	/* ctx holds its own reference */
	return ctx;
}

/* A scattered-input piece: readable, and short enough for an int length. */
static int piece_ok(const struct xs_buf *b)
{
	return (b->p || !b->len) && b->len <= INT_MAX;
}

static int pieces_ok(const struct xs_buf *in, int n, int max)
{
	return n >= 0 && n <= max && (n == 0 || in);
}

/* ---- AEAD: AES-GCM, GMAC, ChaCha20-Poly1305 ----------------------------- */

/*
 * Up to these many bytes (AAD plus data) a call goes to Nettle or libsodium
 * instead of EVP. Measured on the 2-vCPU Xeon (AES-NI, VPCLMULQDQ, AVX-512;
 * OpenSSL 3.0.22, Nettle 3.8.1, libsodium 1.0.18), TSC cycles per seal of
 * 8 B AAD and 68 / 580 / 1404 B data:
 *   AES-128-GCM  EVP 587 / 788 / 1132, Nettle 228 / 683 / 1421
 *   ChaCha20-Poly1305  EVP 1941 / 2409 / 3165, libsodium 1140 / 2004 / 3536
 * The lines cross near 830 B (AES-GCM) and 1000 B (ChaCha20-Poly1305).
 */
enum {
	GCM_LITE_MAX = 768,
	CHACHA_LITE_MAX = 1024,
	AAD_GATHER_MAX = 16,	/* scattered AAD copied together up to this */
	CHACHA_KEY_LEN = 32,
};

struct xs_aead {
	EVP_CIPHER_CTX *ctx;	/* keyed once; direction chosen per call */
	int tag_len;
	enum xs_aead_alg alg;
	size_t lite_max;	/* AAD + data up to this go to the lite path */
	/* lite path: Nettle AES-GCM (key schedule, hash key, state) or the
	 * libsodium ChaCha20-Poly1305 key */
	union {
		struct {
			union {
				struct aes128_ctx a128;
				struct aes192_ctx a192;
				struct aes256_ctx a256;
			} aes;
			nettle_cipher_func *encrypt;
			struct gcm_key hkey;
			struct gcm_ctx state;
		} gcm;
		uint8_t chacha_key[CHACHA_KEY_LEN];
	} lite;
	uint8_t sink[XS_CBC_BLOCK_LEN];	/* final's output: stream modes write none */
};

static const char *aead_cipher_name(enum xs_aead_alg alg, size_t key_len,
				    size_t tag_len)
{
	if (alg == XS_AEAD_CHACHA20_POLY1305)	/* RFC 7634: 256-bit key, full tag */
		return key_len == CHACHA_KEY_LEN && tag_len == 16 ?
		       "ChaCha20-Poly1305" : NULL;
	if (alg != XS_AEAD_AES_GCM ||
	    (tag_len != 8 && tag_len != 12 && tag_len != 16))
		return NULL;
	switch (key_len) {
	case 16: return "AES-128-GCM";
	case 24: return "AES-192-GCM";
	case 32: return "AES-256-GCM";
	}
	return NULL;
}

/* Keys the lite path (the name check has vetted alg and key_len). */
static int aead_lite_setkey(struct xs_aead *a, const uint8_t *key,
			    size_t key_len)
{
	if (a->alg == XS_AEAD_CHACHA20_POLY1305) {
		if (sodium_init() < 0)
			return 0;
		memcpy(a->lite.chacha_key, key, CHACHA_KEY_LEN);
		a->lite_max = CHACHA_LITE_MAX;
		return 1;
	}
	if (key_len == 16) {
		aes128_set_encrypt_key(&a->lite.gcm.aes.a128, key);
		a->lite.gcm.encrypt = (nettle_cipher_func *)aes128_encrypt;
	} else if (key_len == 24) {
		aes192_set_encrypt_key(&a->lite.gcm.aes.a192, key);
		a->lite.gcm.encrypt = (nettle_cipher_func *)aes192_encrypt;
	} else {
		aes256_set_encrypt_key(&a->lite.gcm.aes.a256, key);
		a->lite.gcm.encrypt = (nettle_cipher_func *)aes256_encrypt;
	}
	gcm_set_key(&a->lite.gcm.hkey, &a->lite.gcm.aes, a->lite.gcm.encrypt);
	a->lite_max = GCM_LITE_MAX;
	return 1;
}

struct xs_aead *xs_aead_new(enum xs_aead_alg alg, const uint8_t *key,
			    size_t key_len, size_t tag_len)
{
	const char *name = aead_cipher_name(alg, key_len, tag_len);
	struct xs_aead *a;

	if (!name || !key)
		return NULL;
	a = OPENSSL_zalloc(sizeof(*a));
	if (!a)
		return NULL;
	a->tag_len = (int)tag_len;
	a->alg = alg;
	a->ctx = cipher_ctx_new(name, key, 1, 1);
	if (!a->ctx || !aead_lite_setkey(a, key, key_len)) {
		xs_aead_free(a);
		return NULL;
	}
	return a;
}

void xs_aead_free(struct xs_aead *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->ctx);	/* cleanses the key schedule */
	OPENSSL_clear_free(a, sizeof(*a));	/* and the lite path's keys */
}

/*
 * The AAD as one span for the lite path: the pieces when they lie back to
 * back, else copied into buf if short enough. NULL (use EVP) otherwise.
 */
static const uint8_t *aad_span(const struct xs_buf *aad, int naad,
			       uint8_t buf[AAD_GATHER_MAX], size_t *len)
{
	const uint8_t *p = NULL;
	bool contiguous = true;
	size_t n = 0;
	int i;

	for (i = 0; i < naad; i++) {
		if (!aad[i].len)
			continue;
		if (n && p + n != aad[i].p)
			contiguous = false;
		if (!n)
			p = aad[i].p;
		n += aad[i].len;
	}
	*len = n;
	if (contiguous)
		return n ? p : buf;
	if (n > AAD_GATHER_MAX)
		return NULL;
	for (i = 0, n = 0; i < naad; i++) {
		if (aad[i].len)
			memcpy(buf + n, aad[i].p, aad[i].len);
		n += aad[i].len;
	}
	return buf;
}

/* Nettle AES-GCM; open compares the (possibly truncated) tag in constant time. */
static int gcm_lite(struct xs_aead *a, const uint8_t *nonce, int enc,
		    const uint8_t *ad, size_t adlen, uint8_t *data,
		    size_t len, uint8_t *tag)
{
	struct gcm_ctx *st = &a->lite.gcm.state;
	const struct gcm_key *k = &a->lite.gcm.hkey;
	const void *aes = &a->lite.gcm.aes;
	nettle_cipher_func *f = a->lite.gcm.encrypt;
	uint8_t mac[GCM_DIGEST_SIZE];

	gcm_set_iv(st, k, XS_AEAD_NONCE_LEN, nonce);
	gcm_update(st, k, adlen, ad);
	if (enc) {
		gcm_encrypt(st, k, aes, f, len, data, data);
		gcm_digest(st, k, aes, f, (size_t)a->tag_len, tag);
		return 0;
	}
	gcm_decrypt(st, k, aes, f, len, data, data);
	gcm_digest(st, k, aes, f, (size_t)a->tag_len, mac);
	return CRYPTO_memcmp(mac, tag, (size_t)a->tag_len) ? -1 : 0;
}

/*
 * The lite path: seal (enc 1) or open (enc 0) as xs_aead_seal/open
 * describe. Returns 1 when it took the call (*rc: 0 or -1), 0 when the call
 * is too long for it or its scattered AAD too long to gather: EVP does it.
 */
static int aead_lite(struct xs_aead *a, const uint8_t *nonce, int enc,
		     const struct xs_buf *aad, int naad, uint8_t *data,
		     size_t len, uint8_t *tag, int *rc)
{
	uint8_t buf[AAD_GATHER_MAX];
	const uint8_t *ad;
	size_t adlen;

	if (len > a->lite_max)
		return 0;
	ad = aad_span(aad, naad, buf, &adlen);
	if (!ad || adlen > a->lite_max - len)
		return 0;
	if (a->alg == XS_AEAD_CHACHA20_POLY1305)
		*rc = enc ? crypto_aead_chacha20poly1305_ietf_encrypt_detached(
				data, tag, NULL, data, len, ad, adlen, NULL,
				nonce, a->lite.chacha_key) :
			    crypto_aead_chacha20poly1305_ietf_decrypt_detached(
				data, NULL, data, len, tag, ad, adlen, nonce,
				a->lite.chacha_key);
	else
		*rc = gcm_lite(a, nonce, enc, ad, adlen, data, len, tag);
	return 1;
}

/* Arguments of seal and open, every AAD piece included. */
static int aead_args_ok(const struct xs_aead *a, const uint8_t *nonce,
			const struct xs_buf *aad, int naad,
			const uint8_t *data, size_t len, const uint8_t *tag)
{
	int i;

	if (!a || !nonce || !tag || (len && !data) || len > INT_MAX ||
	    !pieces_ok(aad, naad, XS_AEAD_MAX_AAD))
		return 0;
	for (i = 0; i < naad; i++)
		if (!piece_ok(&aad[i]))
			return 0;
	return 1;
}

/*
 * EVP: feeds the AAD pieces, merging pieces that lie back to back in memory
 * (SPI and sequence number without ESN) into one update: each EVP call
 * costs 40-130 cycles of dispatch.
 */
static int aead_feed_aad(struct xs_aead *a, const struct xs_buf *aad,
			 int naad)
{
	const uint8_t *p = NULL;
	size_t len = 0;
	int i, outl;

	for (i = 0; i < naad; i++) {
		if (!aad[i].len)
			continue;
		if (len && p + len == aad[i].p) {
			len += aad[i].len;
		} else {
			if (len && !EVP_CipherUpdate(a->ctx, NULL, &outl, p,
						     (int)len))
				return 0;
			p = aad[i].p;
			len = aad[i].len;
		}
		if (len > INT_MAX)
			return 0;
	}
	return !len || EVP_CipherUpdate(a->ctx, NULL, &outl, p, (int)len);
}

/*
 * EVP: loads the nonce, feeds the AAD and en/decrypts data in place. The
 * GCM and ChaCha20-Poly1305 key schedules do not depend on the direction,
 * so one context serves both seal and open. A failed call leaves nothing
 * behind: the next call re-initialises.
 */
static int aead_run(struct xs_aead *a, const uint8_t *nonce, int enc,
		    const struct xs_buf *aad, int naad, uint8_t *data,
		    size_t len)
{
	int outl;

	if (!EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, enc, NULL) ||
	    !aead_feed_aad(a, aad, naad))
		return 0;
	return !len || EVP_CipherUpdate(a->ctx, data, &outl, data, (int)len);
}

/*
 * The tag through the provider parameter: EVP_CIPHER_CTX_ctrl() would
 * translate to the same parameter through a slower generic path.
 */
static int aead_tag(struct xs_aead *a, uint8_t *tag, int set)
{
	OSSL_PARAM p[] = {
		OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag,
					(size_t)a->tag_len),
		OSSL_PARAM_END,
	};

	return set ? EVP_CIPHER_CTX_set_params(a->ctx, p) :
		     EVP_CIPHER_CTX_get_params(a->ctx, p);
}

int xs_aead_seal(struct xs_aead *a, const uint8_t nonce[XS_AEAD_NONCE_LEN],
		 const struct xs_buf *aad, int naad,
		 uint8_t *data, size_t len, uint8_t *tag)
{
	int outl, rc;

	if (!aead_args_ok(a, nonce, aad, naad, data, len, tag))
		return -1;
	if (aead_lite(a, nonce, 1, aad, naad, data, len, tag, &rc))
		return rc ? -1 : 0;
	if (!aead_run(a, nonce, 1, aad, naad, data, len) ||
	    EVP_CipherFinal_ex(a->ctx, a->sink, &outl) <= 0 ||
	    aead_tag(a, tag, 0) <= 0)
		return -1;
	return 0;
}

/*
 * Both paths compare the (possibly truncated) tag in constant time. On
 * mismatch data may hold unauthenticated plaintext: the caller must discard
 * it.
 */
int xs_aead_open(struct xs_aead *a, const uint8_t nonce[XS_AEAD_NONCE_LEN],
		 const struct xs_buf *aad, int naad,
		 uint8_t *data, size_t len, const uint8_t *tag)
{
	uint8_t *t = (uint8_t *)tag;	/* read only, on both paths */
	int outl, rc;

	if (!aead_args_ok(a, nonce, aad, naad, data, len, tag))
		return -1;
	if (aead_lite(a, nonce, 0, aad, naad, data, len, t, &rc))
		return rc ? -1 : 0;
	if (!aead_run(a, nonce, 0, aad, naad, data, len) ||
	    aead_tag(a, t, 1) <= 0 ||
	    EVP_CipherFinal_ex(a->ctx, a->sink, &outl) <= 0)
		return -1;
	return 0;
}

/* ---- HMAC (RFC 2104) ----------------------------------------------------- */

/*
 * The inner and outer hash states after absorbing key^ipad and key^opad are
 * computed once; a call copies them into a work context. Measured with
 * OpenSSL 3.0.22 on the 2-vCPU EPYC (2M calls, two AAD-like pieces,
 * 64 B / 1400 B input):
 *   EVP_MAC "HMAC" re-init with NULL key: SHA-1 462/1295 ns,
 *     SHA-256 311/1238 ns, SHA-512 670/2933 ns
 *   EVP_MD_CTX_copy_ex of the pad states: SHA-1 318/1335 ns,
 *     SHA-256 255/1164 ns, SHA-512 602/2872 ns
 *   re-init plus re-hashing the pad blocks: SHA-256 364/1289 ns
 * The copy is fastest for short packets and equal for long ones. In 3.0 the
 * copy still duplicates the provider state (one library allocation), as the
 * EVP_MAC re-init does internally.
 */
struct xs_hmac {
	EVP_MD_CTX *inner;	/* state after key ^ ipad */
	EVP_MD_CTX *outer;	/* state after key ^ opad */
	EVP_MD_CTX *work;
	unsigned int len;
};

enum { HMAC_MAX_BLOCK = 128 };	/* SHA-384/512 */

static const char *hmac_md_name(enum xs_hmac_alg alg)
{
	switch (alg) {
	case XS_HMAC_SHA1: return "SHA1";
	case XS_HMAC_SHA256: return "SHA256";
	case XS_HMAC_SHA384: return "SHA384";
	case XS_HMAC_SHA512: return "SHA512";
	}
	return NULL;
}

/* Starts ctx with md and absorbs the key block xored with pad. */
static int hmac_pad_state(EVP_MD_CTX *ctx, const EVP_MD *md,
			  const uint8_t *kb, int bs, uint8_t pad)
{
	uint8_t block[HMAC_MAX_BLOCK];
	int i, ok;

	for (i = 0; i < bs; i++)
		block[i] = kb[i] ^ pad;
	ok = EVP_DigestInit_ex2(ctx, md, NULL) &&
	     EVP_DigestUpdate(ctx, block, (size_t)bs);
	OPENSSL_cleanse(block, sizeof(block));
	return ok;
}

/* Builds both pad states; keys longer than a block are hashed first. */
static int hmac_setkey(struct xs_hmac *h, const EVP_MD *md,
		       const uint8_t *key, size_t key_len)
{
	uint8_t kb[HMAC_MAX_BLOCK] = { 0 };
	int bs = EVP_MD_get_block_size(md);
	unsigned int dl;
	int ok = bs > 0 && bs <= HMAC_MAX_BLOCK;

	if (ok && key_len > (size_t)bs)
		ok = EVP_Digest(key, key_len, kb, &dl, md, NULL);
	else if (ok && key_len)
		memcpy(kb, key, key_len);
	ok = ok && hmac_pad_state(h->inner, md, kb, bs, 0x36) &&
	     hmac_pad_state(h->outer, md, kb, bs, 0x5c) &&
	     EVP_DigestInit_ex2(h->work, md, NULL);
	OPENSSL_cleanse(kb, sizeof(kb));
	return ok;
}

struct xs_hmac *xs_hmac_new(enum xs_hmac_alg alg, const uint8_t *key,
			    size_t key_len)
{
	const char *name = hmac_md_name(alg);
	EVP_MD *md = NULL;
	struct xs_hmac *h;

	if (!name || (!key && key_len))
		return NULL;
	h = OPENSSL_zalloc(sizeof(*h));
	if (!h)
		return NULL;
	md = EVP_MD_fetch(NULL, name, NULL);
	h->inner = EVP_MD_CTX_new();
	h->outer = EVP_MD_CTX_new();
	h->work = EVP_MD_CTX_new();
	if (md && h->inner && h->outer && h->work &&
	    hmac_setkey(h, md, key, key_len)) {
		h->len = (unsigned int)EVP_MD_get_size(md);
		EVP_MD_free(md);	/* the contexts hold references */
		return h;
	}
	EVP_MD_free(md);
	xs_hmac_free(h);
	return NULL;
}

void xs_hmac_free(struct xs_hmac *h)
{
	if (!h)
		return;
	/* EVP_MD_CTX_free cleanses the provider states (keyed pads) */
	EVP_MD_CTX_free(h->inner);
	EVP_MD_CTX_free(h->outer);
	EVP_MD_CTX_free(h->work);
	OPENSSL_clear_free(h, sizeof(*h));
}

size_t xs_hmac_len(const struct xs_hmac *h)
{
	return h ? h->len : 0;
}

size_t xs_hmac(struct xs_hmac *h, const struct xs_buf *in, int nin,
	       uint8_t out[XS_HMAC_MAX_LEN])
{
	uint8_t inner[XS_HMAC_MAX_LEN];
	unsigned int dl;
	int i, ok;

	if (!h || !out || !pieces_ok(in, nin, XS_HMAC_MAX_IN))
		return 0;
	ok = EVP_MD_CTX_copy_ex(h->work, h->inner);
	for (i = 0; ok && i < nin; i++)
		ok = piece_ok(&in[i]) &&
		     EVP_DigestUpdate(h->work, in[i].p, in[i].len);
	ok = ok && EVP_DigestFinal_ex(h->work, inner, &dl) &&
	     EVP_MD_CTX_copy_ex(h->work, h->outer) &&
	     EVP_DigestUpdate(h->work, inner, dl) &&
	     EVP_DigestFinal_ex(h->work, out, &dl);
	OPENSSL_cleanse(inner, sizeof(inner));
	return ok ? h->len : 0;
}

/* ---- AES-CBC (RFC 3602) ------------------------------------------------- */

struct xs_cbc {
	EVP_CIPHER_CTX *enc;	/* CBC decryption needs its own key schedule */
	EVP_CIPHER_CTX *dec;
	EVP_CIPHER_CTX *ivgen;	/* AES-128-ECB under a random key */
};

static const char *cbc_cipher_name(size_t key_len)
{
	switch (key_len) {
	case 16: return "AES-128-CBC";
	case 24: return "AES-192-CBC";
	case 32: return "AES-256-CBC";
	}
	return NULL;
}

struct xs_cbc *xs_cbc_new(const uint8_t *key, size_t key_len)
{
	const char *name = cbc_cipher_name(key_len);
	uint8_t ivkey[16];
	struct xs_cbc *c;

	if (!name || !key)
		return NULL;
	c = OPENSSL_zalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->enc = cipher_ctx_new(name, key, 1, 0);
	c->dec = cipher_ctx_new(name, key, 0, 0);
	if (RAND_bytes(ivkey, sizeof(ivkey)) == 1)
		c->ivgen = cipher_ctx_new("AES-128-ECB", ivkey, 1, 0);
	OPENSSL_cleanse(ivkey, sizeof(ivkey));
	if (!c->enc || !c->dec || !c->ivgen) {
		xs_cbc_free(c);
		return NULL;
	}
	return c;
}

void xs_cbc_free(struct xs_cbc *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->enc);
	EVP_CIPHER_CTX_free(c->dec);
	EVP_CIPHER_CTX_free(c->ivgen);
	OPENSSL_clear_free(c, sizeof(*c));
}

/* Whole blocks only, no padding: in place with a fresh IV. */
static int cbc_run(EVP_CIPHER_CTX *ctx, const uint8_t *iv, uint8_t *data,
		   size_t len)
{
	int outl;

	if (!iv || (len && !data) || len % XS_CBC_BLOCK_LEN || len > INT_MAX)
		return -1;
	if (!EVP_CipherInit_ex2(ctx, NULL, NULL, iv, -1, NULL) ||
	    (len && !EVP_CipherUpdate(ctx, data, &outl, data, (int)len)))
		return -1;
	return 0;
}

int xs_cbc_encrypt(struct xs_cbc *c, const uint8_t iv[XS_CBC_BLOCK_LEN],
		   uint8_t *data, size_t len)
{
	return c ? cbc_run(c->enc, iv, data, len) : -1;
}

int xs_cbc_decrypt(struct xs_cbc *c, const uint8_t iv[XS_CBC_BLOCK_LEN],
		   uint8_t *data, size_t len)
{
	return c ? cbc_run(c->dec, iv, data, len) : -1;
}

/* IV = AES-ECB_k'(seq as 8 big-endian bytes || 8 zero bytes). */
int xs_cbc_make_iv(struct xs_cbc *c, uint64_t seq,
		   uint8_t iv[XS_CBC_BLOCK_LEN])
{
	uint8_t block[XS_CBC_BLOCK_LEN] = { 0 };
	int i, outl;

	if (!c || !iv)
		return -1;
	for (i = 0; i < 8; i++)
		block[i] = (uint8_t)(seq >> (56 - 8 * i));
	if (!EVP_CipherUpdate(c->ivgen, iv, &outl, block, sizeof(block)) ||
	    outl != XS_CBC_BLOCK_LEN)
		return -1;
	return 0;
}

/* ---- small primitives --------------------------------------------------- */

int xs_ct_equal(const void *a, const void *b, size_t len)
{
	if (!a || !b)
		return 0;
	return CRYPTO_memcmp(a, b, len) == 0;
}

void xs_wipe(void *p, size_t len)
{
	if (p)
		OPENSSL_cleanse(p, len);
}

int xs_random(void *p, size_t len)
{
	if (!p || len > INT_MAX)
		return -1;
	return RAND_bytes(p, (int)len) == 1 ? 0 : -1;
}

size_t xs_sha1(const struct xs_buf *in, int nin, uint8_t out[XS_SHA1_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int dl = 0;
	int ok = ctx && nin >= 0 && EVP_DigestInit_ex2(ctx, EVP_sha1(), NULL);

	for (int i = 0; ok && i < nin; i++)
		ok = EVP_DigestUpdate(ctx, in[i].p, in[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &dl);
	EVP_MD_CTX_free(ctx);
	return ok ? dl : 0;
}
