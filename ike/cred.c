// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Our private key and certificates, loaded from files with OpenSSL's
 * decoders (never prompting for a passphrase: encrypted keys are refused).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/cred.h"
#include "ike/sig_alg.h"

struct ike_cred {
	EVP_PKEY *key;
	int ncerts;
	struct ike_cert *certs[IKE_CRED_MAX_CERTS];	/* [0] end entity */
};

struct ike_cred *ike_cred_new(void)
{
	return calloc(1, sizeof(struct ike_cred));
}

void ike_cred_free(struct ike_cred *cred)
{
	if (!cred)
		return;
	EVP_PKEY_free(cred->key);	/* clears the private key */
	while (cred->ncerts)
		ike_cert_free(cred->certs[--cred->ncerts]);
	free(cred);
}

/* ---- the private key -------------------------------------------------- */

/* Refuses to ask for a passphrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static EVP_PKEY *decode_key(const uint8_t *buf, size_t len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	const unsigned char *p = buf;
	EVP_PKEY *key = NULL;

	if (bio && memmem(buf, len, "-----BEGIN", 10))
		key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	else if (bio)
		key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	BIO_free(bio);
	return key;
}

static int key_usable(EVP_PKEY *key, const char *path, struct ike_err *err)
{
	enum ike_key_kind kind = ike_key_kind(key);

	if (kind == IKE_KEY_NONE)
		return ike_fail(err, 0, "%s: unsupported key type (RSA, ECDSA "
				"P-256/384/521 or Ed25519)", path);
	if (kind == IKE_KEY_RSA && EVP_PKEY_get_bits(key) < IKE_RSA_MIN_BITS)
		return ike_fail(err, 0, "%s: RSA key of %d bits (< %d)", path,
				EVP_PKEY_get_bits(key), IKE_RSA_MIN_BITS);
	return 0;
}

/* The end entity's public key is the private key's. */
static int key_matches(const struct ike_cred *cred, struct ike_err *err)
{
	EVP_PKEY *pub;

	if (!cred->key || !cred->ncerts)
		return 0;
	pub = X509_get0_pubkey(ike_cert_x509(cred->certs[0]));
	if (!pub || EVP_PKEY_eq(cred->key, pub) != 1)
		return ike_fail(err, 0, "private key does not belong to the "
				"certificate");
	return 0;
}

int ike_cred_load_key(struct ike_cred *cred, const char *path,
		      struct ike_err *err)
{
	size_t len;
	uint8_t *buf = ike_file_read(path, &len, err);
	EVP_PKEY *key;

	if (!buf)
		return -1;
	key = decode_key(buf, len);
	ike_file_free(buf, len);
	ERR_clear_error();
	if (!key)
		return ike_fail(err, 0, "%s: no private key (PEM or DER, not "
				"encrypted)", path);
	if (key_usable(key, path, err)) {
		EVP_PKEY_free(key);
		return -1;
	}
	EVP_PKEY_free(cred->key);
	cred->key = key;
	return key_matches(cred, err);
}

/* ---- certificates ----------------------------------------------------- */

int ike_cred_load_certs(struct ike_cred *cred, const char *path,
			struct ike_err *err)
{
	struct ike_cert *c[IKE_CERT_FILE_MAX_CERTS];
	int n = ike_cert_load_file(path, c, IKE_CERT_FILE_MAX_CERTS, err);
	int i;

	if (n < 0)
		return -1;
	if (cred->ncerts + n > IKE_CRED_MAX_CERTS) {
		while (n)
			ike_cert_free(c[--n]);
		return ike_fail(err, 0, "%s: more than %d certificates in all",
				path, IKE_CRED_MAX_CERTS);
	}
	for (i = 0; i < n; i++)
		cred->certs[cred->ncerts++] = c[i];
	return key_matches(cred, err);
}

int ike_cred_check(const struct ike_cred *cred, struct ike_err *err)
{
	if (!cred->key)
		return ike_fail(err, 0, "no private key loaded");
	if (!cred->ncerts)
		return ike_fail(err, 0, "no certificate loaded");
	return key_matches(cred, err);
}

const struct ike_cert *ike_cred_ee(const struct ike_cred *cred)
{
	return cred->ncerts ? cred->certs[0] : NULL;
}

struct evp_pkey_st *ike_cred_key(const struct ike_cred *cred)
{
	return cred->key;
}

/* ---- CERT payloads for a CERTREQ --------------------------------------- */

static int requested(const struct ike_cert_pld *certreq, int ncertreq,
		     const struct ike_cert *ca)
{
	const uint8_t *h = ike_cert_spki_sha1(ca);
	size_t off;
	int i;

	for (i = 0; i < ncertreq; i++) {
		if (certreq[i].encoding != IKEV2_CERT_X509_SIGNATURE)
			continue;
		for (off = 0; off + IKEV2_CERTREQ_HASH_BYTES <=
			      certreq[i].data.len;
		     off += IKEV2_CERTREQ_HASH_BYTES)
			if (!memcmp(certreq[i].data.ptr + off, h,
				    IKEV2_CERTREQ_HASH_BYTES))
				return 1;
	}
	return 0;
}

int ike_cred_certs_to_send(const struct ike_cred *cred,
			   const struct ike_cert_pld *certreq, int ncertreq,
			   const struct ike_cert **out, int max)
{
	int n = 0;

	while (n < cred->ncerts && n < max) {
		out[n] = cred->certs[n];
		n++;
		/* the peer trusts the issuer of the one just added */
		if (n < cred->ncerts &&
		    X509_check_issued(ike_cert_x509(cred->certs[n]),
				      ike_cert_x509(cred->certs[n - 1])) ==
		    X509_V_OK &&
		    requested(certreq, ncertreq, cred->certs[n]))
			break;
	}
	return n;
}
