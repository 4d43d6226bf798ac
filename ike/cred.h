/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Our credentials for certificate authentication (swanctl.conf `local {
 * certs = }` and the private key of secrets/private/): the private key
 * (PEM or DER; PKCS#8 or traditional; not encrypted) of type RSA (2048 bits
 * or more), ECDSA P-256/P-384/P-521 or Ed25519, our end-entity certificate
 * and the intermediates up to our CA. Which CERT payloads to send for a
 * peer's CERTREQ. The key never leaves the struct (auth_sig.c signs with
 * it); OpenSSL clears it when the credentials are freed.
 */
#ifndef XDPSEC_IKE_CRED_H
#define XDPSEC_IKE_CRED_H

#include "ike/cert.h"

enum {
	IKE_CRED_MAX_CERTS = 1 + 4,	/* end entity and intermediates */
	IKE_RSA_MIN_BITS = 2048,	/* RFC 8247 4 */
};

struct ike_cred;
struct evp_pkey_st;	/* OpenSSL's EVP_PKEY */

struct ike_cred *ike_cred_new(void);
void ike_cred_free(struct ike_cred *cred);

/* The private key; -1 with err set (unsupported type, encrypted, ...). */
int ike_cred_load_key(struct ike_cred *cred, const char *path,
		      struct ike_err *err);
/*
 * Certificates of a PEM or DER file. The first one ever loaded is our end
 * entity, the others intermediates, in order towards the root (as in a
 * PEM "fullchain" file, or one file per `certs` entry). -1 with err set.
 */
int ike_cred_load_certs(struct ike_cred *cred, const char *path,
			struct ike_err *err);
/*
 * 0 if usable: a supported key and an end-entity certificate holding its
 * public key; -1 with err saying what is missing or wrong.
 */
int ike_cred_check(const struct ike_cred *cred, struct ike_err *err);

/* Our end-entity certificate (NULL before one is loaded). */
const struct ike_cert *ike_cred_ee(const struct ike_cred *cred);

/*
 * The certificates for our CERT payloads (encoding 4, in this order): the
 * end entity, then the intermediates, stopping after the one issued by a
 * CA the peer's X.509 CERTREQ payloads name (it has that one). Returns
 * their number (>= 1 once ike_cred_check() passed), at most max.
 */
int ike_cred_certs_to_send(const struct ike_cred *cred,
			   const struct ike_cert_pld *certreq, int ncertreq,
			   const struct ike_cert **out, int max);

/* The private key, for auth_sig.c. */
struct evp_pkey_st *ike_cred_key(const struct ike_cred *cred);

#endif
