/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Cryptographic primitives used by ESP and AH. crypto.c is the only file that
 * talks to the crypto libraries: OpenSSL 3 EVP, with Nettle (AES-GCM) and
 * libsodium (ChaCha20-Poly1305) for short packets, where they are measured
 * faster (docs/performance.md). Every object is created once per SA (never
 * per packet), keeps its key only in the library contexts and its own
 * struct, and is wiped when freed. An object is used by one thread at a time.
 */
#ifndef XDPSEC_ENGINE_CRYPTO_H
#define XDPSEC_ENGINE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* One piece of a scattered input (AAD or MAC input). */
struct xs_buf {
	const uint8_t *p;
	size_t len;
};

enum xs_aead_alg {
	XS_AEAD_AES_GCM,		/* RFC 4106 / RFC 4543 (GMAC: no plaintext) */
	XS_AEAD_CHACHA20_POLY1305,	/* RFC 7634 */
};

enum xs_hmac_alg {
	XS_HMAC_SHA1,
	XS_HMAC_SHA256,
	XS_HMAC_SHA384,
	XS_HMAC_SHA512,
};

enum {
	XS_AEAD_NONCE_LEN = 12,		/* salt (4) || explicit IV (8) */
	XS_HMAC_MAX_LEN = 64,		/* full SHA-512 output */
	XS_CBC_BLOCK_LEN = 16,
};

struct xs_aead;
struct xs_hmac;
struct xs_cbc;

/*
 * AEAD. key is the cipher key only (no salt): 16/24/32 bytes for AES-GCM,
 * 32 for ChaCha20-Poly1305. tag_len is 8, 12 or 16. seal encrypts data in
 * place and writes tag_len bytes to tag; open decrypts in place and returns
 * 0 only if the tag verifies (compared in constant time), -1 otherwise.
 * AAD may come in up to XS_AEAD_MAX_AAD pieces; len 0 data is valid (GMAC).
 */
enum { XS_AEAD_MAX_AAD = 4 };
struct xs_aead *xs_aead_new(enum xs_aead_alg alg, const uint8_t *key,
			    size_t key_len, size_t tag_len);
void xs_aead_free(struct xs_aead *a);
int xs_aead_seal(struct xs_aead *a, const uint8_t nonce[XS_AEAD_NONCE_LEN],
		 const struct xs_buf *aad, int naad,
		 uint8_t *data, size_t len, uint8_t *tag);
int xs_aead_open(struct xs_aead *a, const uint8_t nonce[XS_AEAD_NONCE_LEN],
		 const struct xs_buf *aad, int naad,
		 uint8_t *data, size_t len, const uint8_t *tag);

/*
 * HMAC over up to XS_HMAC_MAX_IN pieces. Writes the full digest to out and
 * returns its length (0 on error). Truncation is the caller's business.
 */
enum { XS_HMAC_MAX_IN = 4 };
struct xs_hmac *xs_hmac_new(enum xs_hmac_alg alg, const uint8_t *key,
			    size_t key_len);
void xs_hmac_free(struct xs_hmac *h);
size_t xs_hmac_len(const struct xs_hmac *h);
size_t xs_hmac(struct xs_hmac *h, const struct xs_buf *in, int nin,
	       uint8_t out[XS_HMAC_MAX_LEN]);

/*
 * AES-CBC without padding (len is a multiple of 16), in place. make_iv gives
 * an unpredictable IV for a sequence number (RFC 3602 section 3: the IV must
 * not be predictable): the counter encrypted under a random per-object key.
 */
struct xs_cbc *xs_cbc_new(const uint8_t *key, size_t key_len);
void xs_cbc_free(struct xs_cbc *c);
int xs_cbc_encrypt(struct xs_cbc *c, const uint8_t iv[XS_CBC_BLOCK_LEN],
		   uint8_t *data, size_t len);
int xs_cbc_decrypt(struct xs_cbc *c, const uint8_t iv[XS_CBC_BLOCK_LEN],
		   uint8_t *data, size_t len);
int xs_cbc_make_iv(struct xs_cbc *c, uint64_t seq,
		   uint8_t iv[XS_CBC_BLOCK_LEN]);

/* Constant-time comparison: 1 if equal. */
int xs_ct_equal(const void *a, const void *b, size_t len);
/* Zeroing the compiler may not remove. */
void xs_wipe(void *p, size_t len);
/* Cryptographically random bytes; 0 on success. */
int xs_random(void *p, size_t len);
/* SHA-1 of the concatenated pieces (IKEv2 NAT detection hashes, RFC 7296
 * 2.23); returns XS_SHA1_LEN, 0 on error. */
enum { XS_SHA1_LEN = 20 };
size_t xs_sha1(const struct xs_buf *in, int nin, uint8_t out[XS_SHA1_LEN]);

#endif
