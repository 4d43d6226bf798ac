/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * One X.509 certificate (RFC 5280) as IKEv2 uses it: ours, our
 * intermediates and our CAs come from files (PEM, possibly several in one
 * file, or DER), the peer's from CERT payloads (encoding 4: DER). An
 * ike_cert is immutable once made; it keeps its DER (what a CERT payload
 * carries) and the SHA-1 of its SubjectPublicKeyInfo (what a CERTREQ names,
 * RFC 7296 3.7). Errors are one line in err->reason (err->notify 0 for
 * local problems, AUTHENTICATION_FAILED for the peer's).
 *
 * The OpenSSL object is reachable through ike_cert_x509() for the files of
 * the certificate module only (ca.c, cred.c, id.c, auth_sig.c).
 */
#ifndef XDPSEC_IKE_CERT_H
#define XDPSEC_IKE_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "ike/ikev2.h"
#include "ike/ikev2_pld.h"

enum {
	IKE_CERT_FILE_MAX_BYTES = 1 << 20,	/* a certificate or key file */
	IKE_CERT_FILE_MAX_CERTS = 8,		/* certificates in one file */
};

struct ike_cert;
struct x509_st;		/* OpenSSL's X509 */

/* A certificate from DER (a CERT payload's data); NULL with err set. */
struct ike_cert *ike_cert_from_der(const uint8_t *der, size_t len,
				   struct ike_err *err);
/*
 * Every certificate of a PEM file (in file order) or the one of a DER
 * file, at most max; returns how many, -1 with err set (nothing kept).
 */
int ike_cert_load_file(const char *path, struct ike_cert **out, int max,
		       struct ike_err *err);
void ike_cert_free(struct ike_cert *c);

/* Its DER encoding: the data of a CERT payload of encoding 4. */
struct ike_span ike_cert_der(const struct ike_cert *c);
/* SHA-1 of its SubjectPublicKeyInfo (a CERTREQ entry, RFC 7296 3.7). */
const uint8_t *ike_cert_spki_sha1(const struct ike_cert *c);

struct x509_st *ike_cert_x509(const struct ike_cert *c);

/* ---- for the module's files: reading a whole file -------------------- */
/*
 * Reads a file of at most IKE_CERT_FILE_MAX_BYTES into a new buffer (free
 * with ike_file_free(), which wipes it: it may hold a private key).
 */
uint8_t *ike_file_read(const char *path, size_t *len, struct ike_err *err);
void ike_file_free(uint8_t *buf, size_t len);

#endif
