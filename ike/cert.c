// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * X.509 certificates on OpenSSL 3: parsing DER strictly (the whole input,
 * nothing after it), loading PEM or DER files, the SubjectPublicKeyInfo
 * hash CERTREQ uses and the subject in strongSwan's notation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "engine/crypto.h"
#include "ike/cert.h"

struct ike_cert {
	X509 *x509;
	uint8_t *der;
	size_t der_len;
	uint8_t spki_sha1[IKEV2_CERTREQ_HASH_BYTES];
};

/* ---- files ------------------------------------------------------------- */

uint8_t *ike_file_read(const char *path, size_t *len, struct ike_err *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f) {
		ike_fail(err, 0, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(IKE_CERT_FILE_MAX_BYTES + 1);
	n = buf ? fread(buf, 1, IKE_CERT_FILE_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (!buf || !n || n > IKE_CERT_FILE_MAX_BYTES) {
		ike_fail(err, 0, "%s: %s", path, !buf ? "out of memory" :
			 !n ? "empty or unreadable" : "larger than 1 MiB");
		ike_file_free(buf, n);
		return NULL;
	}
	*len = n;
	return buf;
}

void ike_file_free(uint8_t *buf, size_t len)
{
	if (!buf)
		return;
	xs_wipe(buf, len);
	free(buf);
}

/* ---- one certificate ----------------------------------------------- */

static int spki_sha1(X509 *x, uint8_t out[IKEV2_CERTREQ_HASH_BYTES])
{
	unsigned char *spki = NULL;
	unsigned int n = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	int ok = len > 0 &&
		 EVP_Digest(spki, (size_t)len, out, &n, EVP_sha1(), NULL) &&
		 n == IKEV2_CERTREQ_HASH_BYTES;

	OPENSSL_free(spki);
	return ok ? 0 : -1;
}

/* Takes ownership of x. */
static struct ike_cert *cert_new(X509 *x)
{
	struct ike_cert *c = calloc(1, sizeof(*c));
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);

	if (!c || len <= 0 || spki_sha1(x, c->spki_sha1)) {
		OPENSSL_free(der);
		free(c);
		X509_free(x);
		return NULL;
	}
	c->x509 = x;
	c->der = der;
	c->der_len = (size_t)len;
	return c;
}

struct ike_cert *ike_cert_from_der(const uint8_t *der, size_t len,
				   struct ike_err *err)
{
	const unsigned char *p = der;
	X509 *x = len < (size_t)IKE_CERT_FILE_MAX_BYTES ?
		  d2i_X509(NULL, &p, (long)len) : NULL;
	struct ike_cert *c;

	if (!x || (size_t)(p - der) != len) {
		X509_free(x);
		ERR_clear_error();
		ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
			 "certificate: %s", x ? "data after the DER"
					       : "not a DER X.509 certificate");
		return NULL;
	}
	c = cert_new(x);
	if (!c)
		ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
			 "certificate: unusable public key");
	return c;
}

void ike_cert_free(struct ike_cert *c)
{
	if (!c)
		return;
	X509_free(c->x509);
	OPENSSL_free(c->der);
	free(c);
}

/* ---- files of certificates ------------------------------------------ */

static int is_pem(const uint8_t *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN", 10) != NULL;
}

/* The PEM reader stopped at the end of the data, not at a broken block. */
static int pem_ended(void)
{
	unsigned long e = ERR_peek_last_error();

	ERR_clear_error();
	return !e || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
		      ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

static int load_pem(const uint8_t *buf, size_t len, struct ike_cert **out,
		    int max)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	X509 *x = NULL;
	int n = 0;

	ERR_clear_error();
	while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (n == max) {
			X509_free(x);
			break;
		}
		out[n] = cert_new(x);
		if (!out[n])
			break;
		n++;
	}
	BIO_free(bio);
	if (x || !pem_ended()) {	/* stopped early: keep nothing */
		while (n)
			ike_cert_free(out[--n]);
		return -1;
	}
	return n;
}

int ike_cert_load_file(const char *path, struct ike_cert **out, int max,
		       struct ike_err *err)
{
	size_t len;
	uint8_t *buf = ike_file_read(path, &len, err);
	int n;

	if (!buf)
		return -1;
	if (is_pem(buf, len)) {
		n = load_pem(buf, len, out, max);
	} else {
		out[0] = max > 0 ? ike_cert_from_der(buf, len, err) : NULL;
		n = out[0] ? 1 : 0;
	}
	ike_file_free(buf, len);
	if (n > 0)
		return n;
	return ike_fail(err, 0, "%s: %s", path, n < 0 ?
			"too many, broken or unusable certificates" :
			"no X.509 certificate (PEM or DER)");
}

/* ---- accessors ------------------------------------------------------- */

struct ike_span ike_cert_der(const struct ike_cert *c)
{
	struct ike_span s = { c->der, c->der_len };

	return s;
}

const uint8_t *ike_cert_spki_sha1(const struct ike_cert *c)
{
	return c->spki_sha1;
}

struct x509_st *ike_cert_x509(const struct ike_cert *c)
{
	return c->x509;
}
