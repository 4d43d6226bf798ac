/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * IKEv2 key derivation (RFC 7296 sections 2.13-2.18): the PRF, prf+,
 * SKEYSEED and SK_* for a new or rekeyed IKE SA, Child SA KEYMAT, and the
 * shared-key AUTH value. PRFs are named by their IKEV2_PRF_* ids, ciphers
 * and MACs by IKEV2_ENCR_* / IKEV2_INTEG_* (ike/ikev2.h). Key structs hold
 * their keys inline; wipe them with ike_*_keys_wipe() when done.
 */
#ifndef XDPSEC_IKE_KEYS_H
#define XDPSEC_IKE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/crypto.h"

enum {
	IKE_PRF_MAX_LEN = 64,		/* HMAC-SHA2-512 output */
	IKE_ENCR_KEY_MAX_LEN = 36,	/* AES-256 / ChaCha20 key + 4-byte salt */
	IKE_INTEG_KEY_MAX_LEN = 64,	/* HMAC-SHA2-512-256 key */
	IKE_SALT_LEN = 4,		/* RFC 5282 section 7.1, RFC 7634 */
	IKE_SPI_LEN = 8,
	IKE_NONCE_MIN_LEN = 16,		/* RFC 7296 section 3.9 */
	IKE_NONCE_MAX_LEN = 256,
};

/* Key lengths a pair of negotiated transforms needs, in bytes. */
struct ike_key_lens {
	size_t encr;	/* cipher key, plus the salt for AEAD ciphers */
	size_t integ;	/* 0 for AEAD ciphers */
};

struct ike_sa_keys {
	uint16_t prf;
	size_t prf_len;			/* length of SK_d, SK_pi, SK_pr */
	struct ike_key_lens lens;
	uint8_t sk_d[IKE_PRF_MAX_LEN];
	uint8_t sk_ai[IKE_INTEG_KEY_MAX_LEN];
	uint8_t sk_ar[IKE_INTEG_KEY_MAX_LEN];
	uint8_t sk_ei[IKE_ENCR_KEY_MAX_LEN];
	uint8_t sk_er[IKE_ENCR_KEY_MAX_LEN];
	uint8_t sk_pi[IKE_PRF_MAX_LEN];
	uint8_t sk_pr[IKE_PRF_MAX_LEN];
};

/* Child SA keys: _i protects initiator-to-responder traffic. */
struct ike_child_keys {
	struct ike_key_lens lens;
	uint8_t encr_i[IKE_ENCR_KEY_MAX_LEN];
	uint8_t integ_i[IKE_INTEG_KEY_MAX_LEN];
	uint8_t encr_r[IKE_ENCR_KEY_MAX_LEN];
	uint8_t integ_r[IKE_INTEG_KEY_MAX_LEN];
};

/* What the AUTH payload signs (RFC 7296 section 2.15). */
struct ike_signed_octets {
	struct xs_buf msg;	/* our first message (IKE_SA_INIT), as sent */
	struct xs_buf nonce;	/* the peer's nonce data */
	struct xs_buf id;	/* our ID payload after its generic header */
	const uint8_t *sk_p;	/* our SK_pi (initiator) or SK_pr */
	size_t sk_p_len;
};

/*
 * Key lengths for an encryption transform (key_bits from its Key Length
 * attribute, 0 if it had none) and an integrity transform. -1 if the
 * combination is not supported (AEAD with a MAC, CBC without one, ...).
 */
int ike_key_lens(uint16_t encr, uint16_t key_bits, uint16_t integ,
		 struct ike_key_lens *out);

/* Key length of an HMAC integrity transform (AH, or ESP with CBC); 0 if
 * unsupported. */
size_t ike_integ_key_len(uint16_t integ);
/* Output (and preferred key) length of a PRF, 0 if unsupported. */
size_t ike_prf_len(uint16_t prf);
/* prf(key, in...) with up to XS_HMAC_MAX_IN pieces; returns its length. */
size_t ike_prf(uint16_t prf, const uint8_t *key, size_t key_len,
	       const struct xs_buf *in, int nin, uint8_t out[IKE_PRF_MAX_LEN]);
/* prf+(key, seed) of out_len bytes (at most 255 PRF blocks); 0 on success. */
int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len,
		 const uint8_t *seed, size_t seed_len,
		 uint8_t *out, size_t out_len);

/* SKEYSEED = prf(Ni | Nr, g^ir); returns its length, 0 on error. */
size_t ike_skeyseed(uint16_t prf, const struct xs_buf *ni,
		    const struct xs_buf *nr, const struct xs_buf *gir,
		    uint8_t out[IKE_PRF_MAX_LEN]);
/* Rekey: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (2.18). */
size_t ike_skeyseed_rekey(const struct ike_sa_keys *old,
			  const struct xs_buf *gir, const struct xs_buf *ni,
			  const struct xs_buf *nr,
			  uint8_t out[IKE_PRF_MAX_LEN]);
/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr); 0 on success.
 */
int ike_sa_keys_derive(uint16_t prf, const uint8_t *skeyseed,
		       size_t skeyseed_len, const struct xs_buf *ni,
		       const struct xs_buf *nr,
		       const uint8_t spi_i[IKE_SPI_LEN],
		       const uint8_t spi_r[IKE_SPI_LEN],
		       const struct ike_key_lens *lens,
		       struct ike_sa_keys *out);
/*
 * The same for an IKE SA's SPIs, from a SKEYSEED of seed_len bytes (0: it
 * failed), which it wipes (IKE_PRF_MAX_LEN bytes); 0 on success.
 */
int ike_sa_keys_from_seed(uint16_t prf, uint8_t *seed, size_t seed_len,
			  const struct xs_buf *ni, const struct xs_buf *nr,
			  uint64_t spi_i, uint64_t spi_r,
			  const struct ike_key_lens *lens,
			  struct ike_sa_keys *out);
void ike_sa_keys_wipe(struct ike_sa_keys *k);

/*
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (2.17); gir NULL without
 * PFS. Taken in the order encr_i, integ_i, encr_r, integ_r. 0 on success.
 */
int ike_child_keys_derive(const struct ike_sa_keys *sa,
			  const struct xs_buf *gir, const struct xs_buf *ni,
			  const struct xs_buf *nr,
			  const struct ike_key_lens *lens,
			  struct ike_child_keys *out);
void ike_child_keys_wipe(struct ike_child_keys *k);

/* prf(SK_p, RestOfIDPayload): the MACedIDFor part of the signed octets. */
size_t ike_maced_id(uint16_t prf, const struct ike_signed_octets *so,
		    uint8_t out[IKE_PRF_MAX_LEN]);
/*
 * Shared-key AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"),
 * <SignedOctets>); returns its length (the PRF's), 0 on error.
 */
size_t ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
		    const struct ike_signed_octets *so,
		    uint8_t out[IKE_PRF_MAX_LEN]);
/* 1 if the peer's AUTH data matches (constant-time), 0 otherwise. */
int ike_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
			const struct ike_signed_octets *so,
			const uint8_t *auth, size_t auth_len);

#endif
