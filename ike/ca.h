/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Trust anchors (swanctl.conf `remote { cacerts = }`) and the validation
 * of a peer's certificate chain against them (RFC 5280 6, RFC 7296 3.6):
 * the end entity of the first CERT payload, up through the intermediates of
 * the other X.509 CERT payloads (any order), to a configured CA, every
 * certificate's signature and validity period checked at the given time,
 * CA certificates by basicConstraints/keyUsage, the end entity's keyUsage
 * (if present) allowing digitalSignature or nonRepudiation. Any configured
 * certificate is an anchor, a root or an intermediate. The CAs also give
 * the data of our CERTREQ payload. No revocation checking (CRL, OCSP).
 */
#ifndef XDPSEC_IKE_CA_H
#define XDPSEC_IKE_CA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ike/cert.h"

enum { IKE_CA_MAX = 16 };	/* configured CA certificates */

struct ike_ca;

struct ike_ca *ike_ca_new(void);
void ike_ca_free(struct ike_ca *ca);
/* Adds every certificate of a PEM or DER file; -1 with err set. */
int ike_ca_load(struct ike_ca *ca, const char *path, struct ike_err *err);
/* Adds one certificate (the CA takes it over, also on error). */
int ike_ca_add(struct ike_ca *ca, struct ike_cert *c, struct ike_err *err);

/*
 * The data of our CERTREQ payload (encoding IKEV2_CERT_X509_SIGNATURE):
 * the SHA-1 of each CA's SubjectPublicKeyInfo, IKEV2_CERTREQ_HASH_BYTES
 * each (RFC 7296 3.7). Returns its length; 0 without CAs or room.
 */
size_t ike_ca_certreq(const struct ike_ca *ca, uint8_t *out, size_t size);
/* True if a CERTREQ hash names one of the configured CAs. */
int ike_ca_known(const struct ike_ca *ca,
		 const uint8_t hash[IKEV2_CERTREQ_HASH_BYTES]);

/*
 * Validates the peer's CERT payloads (certs[0] holds the end entity; other
 * payloads of encoding 4 are intermediates, others are ignored) at time now
 * (seconds since the epoch; 0: the current time). Returns the end entity
 * (the caller frees it) or NULL with err->notify AUTHENTICATION_FAILED and
 * a reason such as "certificate 'CN=x' expired", "... issuer unknown (no
 * configured CA)", "... bad signature", "... not yet valid".
 */
struct ike_cert *ike_ca_verify(const struct ike_ca *ca,
			       const struct ike_cert_pld *certs, int ncerts,
			       time_t now, struct ike_err *err);

#endif
