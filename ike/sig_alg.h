/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Signature algorithms of IKEv2 public-key authentication: the key types we
 * sign and verify with, the RFC 7427 SIGNATURE_HASH_ALGORITHMS notify, the
 * choice of scheme and hash for our AUTH payload, and the ASN.1
 * AlgorithmIdentifier of an RFC 7427 Digital Signature (method 14), built
 * and checked. RFC 8247 3.2 guides what is offered and accepted: SHA-2 only
 * in method 14 (never SHA-1), RSASSA-PSS or PKCS#1 v1.5, ECDSA, Ed25519.
 */
#ifndef XDPSEC_IKE_SIG_ALG_H
#define XDPSEC_IKE_SIG_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ikev2_pld.h"

enum ike_key_kind {
	IKE_KEY_NONE = 0,	/* unsupported */
	IKE_KEY_RSA,
	IKE_KEY_P256,		/* ECDSA on secp256r1 */
	IKE_KEY_P384,
	IKE_KEY_P521,
	IKE_KEY_ED25519,
};

enum ike_sig_scheme {
	IKE_SIG_RSA_PKCS1 = 1,	/* RSASSA-PKCS1-v1_5 */
	IKE_SIG_RSA_PSS,	/* RSASSA-PSS, MGF1 with the same hash */
	IKE_SIG_ECDSA,		/* Ecdsa-Sig-Value (DER) in method 14 */
	IKE_SIG_ED25519,	/* PureEdDSA: hash IKEV2_HASH_IDENTITY */
};

struct ike_sig_alg {
	enum ike_sig_scheme scheme;
	uint8_t hash;		/* IKEV2_HASH_* */
	uint16_t salt_len;	/* PSS only */
};

/* A set of RFC 7427 hash algorithms: bit IKEV2_HASH_* for each. */
#define IKE_HASH_BIT(h)	(1u << (h))
#define IKE_HASHES_OURS	(IKE_HASH_BIT(IKEV2_HASH_SHA2_256) | \
			 IKE_HASH_BIT(IKEV2_HASH_SHA2_384) | \
			 IKE_HASH_BIT(IKEV2_HASH_SHA2_512) | \
			 IKE_HASH_BIT(IKEV2_HASH_IDENTITY))

struct evp_pkey_st;	/* OpenSSL's EVP_PKEY */

/* What kind of key this is (RSA of any size, the three curves, Ed25519). */
enum ike_key_kind ike_key_kind(const struct evp_pkey_st *key);
/* Printable: "RSA", "ECDSA P-256", ... */
const char *ike_key_kind_name(enum ike_key_kind kind);

/*
 * The data of our SIGNATURE_HASH_ALGORITHMS notify (send it in
 * IKE_SA_INIT, RFC 7427 4): SHA2-256, SHA2-384, SHA2-512, Identity, two
 * bytes each. Returns its length (0 if size is too small).
 */
size_t ike_sig_hash_notify(uint8_t *out, size_t size);
/*
 * The peer's notify data as a set (IKE_HASH_BIT); unknown values are
 * ignored. -1 with err (INVALID_SYNTAX) if empty or of odd length.
 */
int ike_sig_hash_parse(const struct ike_span *data, uint32_t *set,
		       struct ike_err *err);

/*
 * Scheme and hash for our signature with a key of this kind, given the
 * hashes the peer announced: RSA SHA2-256, then 384, 512 (PKCS#1 v1.5, or
 * PSS with a salt of the hash's length when rsa_pss); ECDSA the curve's
 * hash (P-256 SHA2-256, P-384 SHA2-384, P-521 SHA2-512) else another
 * SHA-2; Ed25519 Identity. -1 if the peer announced none of them.
 */
int ike_sig_alg_choose(enum ike_key_kind kind, uint32_t peer_hashes,
		       bool rsa_pss, struct ike_sig_alg *alg);
/* The DER AlgorithmIdentifier of alg; its length, 0 if size is too small. */
size_t ike_sig_alg_encode(const struct ike_sig_alg *alg, uint8_t *out,
			  size_t size);
/*
 * An AlgorithmIdentifier from a method-14 AUTH payload: exactly len bytes
 * of DER, of a scheme and hash above (PSS: explicit SHA-2 hash, MGF1 with
 * the same hash, any salt length up to 512, trailer field 1). -1 with err
 * (AUTHENTICATION_FAILED) otherwise.
 */
int ike_sig_alg_decode(const uint8_t *der, size_t len, struct ike_sig_alg *alg,
		       struct ike_err *err);
/* The scheme works with that kind of key (ECDSA: any of the curves). */
bool ike_sig_alg_fits(const struct ike_sig_alg *alg, enum ike_key_kind kind);

#endif
