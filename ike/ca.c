// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Trust anchors in an OpenSSL X509_STORE (partial chains allowed, so that
 * a configured intermediate is an anchor too) and the peer's chain checked
 * with X509_verify_cert(); its error becomes one line naming the
 * certificate that failed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "ike/ca.h"
#include "ike/id.h"

struct ike_ca {
	X509_STORE *store;
	int n;
	struct ike_cert *certs[IKE_CA_MAX];
};

struct ike_ca *ike_ca_new(void)
{
	struct ike_ca *ca = calloc(1, sizeof(*ca));

	if (ca)
		ca->store = X509_STORE_new();
	if (ca && !ca->store) {
		free(ca);
		ca = NULL;
	}
	return ca;
}

void ike_ca_free(struct ike_ca *ca)
{
	if (!ca)
		return;
	while (ca->n)
		ike_cert_free(ca->certs[--ca->n]);
	X509_STORE_free(ca->store);
	free(ca);
}

int ike_ca_add(struct ike_ca *ca, struct ike_cert *c, struct ike_err *err)
{
	if (ca->n == IKE_CA_MAX || !X509_STORE_add_cert(ca->store,
							ike_cert_x509(c))) {
		ike_cert_free(c);
		return ike_fail(err, 0, "CA: %s", ca->n == IKE_CA_MAX ?
				"too many certificates" :
				"cannot add (duplicate?)");
	}
	ca->certs[ca->n++] = c;
	return 0;
}

int ike_ca_load(struct ike_ca *ca, const char *path, struct ike_err *err)
{
	struct ike_cert *c[IKE_CERT_FILE_MAX_CERTS];
	int n = ike_cert_load_file(path, c, IKE_CERT_FILE_MAX_CERTS, err);
	int i, rc = n < 0 ? -1 : 0;

	for (i = 0; i < n; i++)
		if (!rc)
			rc = ike_ca_add(ca, c[i], err);
		else
			ike_cert_free(c[i]);
	return rc;
}

size_t ike_ca_certreq(const struct ike_ca *ca, uint8_t *out, size_t size)
{
	size_t len = (size_t)ca->n * IKEV2_CERTREQ_HASH_BYTES;
	int i;

	if (!len || len > size)
		return 0;
	for (i = 0; i < ca->n; i++)
		memcpy(out + (size_t)i * IKEV2_CERTREQ_HASH_BYTES,
		       ike_cert_spki_sha1(ca->certs[i]),
		       IKEV2_CERTREQ_HASH_BYTES);
	return len;
}

int ike_ca_known(const struct ike_ca *ca,
		 const uint8_t hash[IKEV2_CERTREQ_HASH_BYTES])
{
	int i;

	for (i = 0; i < ca->n; i++)
		if (!memcmp(ike_cert_spki_sha1(ca->certs[i]), hash,
			    IKEV2_CERTREQ_HASH_BYTES))
			return 1;
	return 0;
}

/* ---- chain validation ------------------------------------------------ */

static const char *verify_reason(int code)
{
	switch (code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "not yet valid";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return "issuer unknown (no configured CA)";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
		return "bad signature";
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return "issued by a certificate that is not a CA";
	}
	return X509_verify_cert_error_string(code);
}

static int chain_fail(X509_STORE_CTX *ctx, struct ike_err *err)
{
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char subj[IKE_ID_STR_MAX] = "?";
	struct ike_id_cfg id;

	if (cur && !ike_id_of_dn(X509_get_subject_name(cur), &id))
		ike_id_format(&id, subj, sizeof(subj));
	return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
			"certificate '%.60s' %s", subj,
			verify_reason(X509_STORE_CTX_get_error(ctx)));
}

/* The end entity may sign: keyUsage absent or allowing it. */
static int ee_usage_ok(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	return ku == UINT32_MAX ||
	       (ku & (X509v3_KU_DIGITAL_SIGNATURE | X509v3_KU_NON_REPUDIATION));
}

static int verify_x509(const struct ike_ca *ca, X509 *ee,
		       STACK_OF(X509) *untrusted, time_t now,
		       struct ike_err *err)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *vp;
	int rc;

	if (!ctx || !X509_STORE_CTX_init(ctx, ca->store, ee, untrusted)) {
		X509_STORE_CTX_free(ctx);
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"certificate check: out of memory");
	}
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_depth(vp, IKEV2_MAX_CERTS + 1);
	if (now)
		X509_VERIFY_PARAM_set_time(vp, now);
	rc = X509_verify_cert(ctx) == 1 ? 0 : chain_fail(ctx, err);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (!rc && !ee_usage_ok(ee))
		rc = ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
			      "certificate keyUsage forbids signatures");
	return rc;
}

/* The intermediates: every other CERT payload of encoding 4. */
static int load_intermediates(const struct ike_cert_pld *certs, int ncerts,
			      struct ike_cert **im, STACK_OF(X509) *sk,
			      struct ike_err *err)
{
	int i, n = 0;

	for (i = 1; i < ncerts; i++) {
		if (certs[i].encoding != IKEV2_CERT_X509_SIGNATURE)
			continue;
		im[n] = ike_cert_from_der(certs[i].data.ptr, certs[i].data.len,
					  err);
		if (!im[n] || !sk_X509_push(sk, ike_cert_x509(im[n]))) {
			ike_cert_free(im[n]);
			while (n)
				ike_cert_free(im[--n]);
			return -1;
		}
		n++;
	}
	return n;
}

struct ike_cert *ike_ca_verify(const struct ike_ca *ca,
			       const struct ike_cert_pld *certs, int ncerts,
			       time_t now, struct ike_err *err)
{
	struct ike_cert *ee, *im[IKEV2_MAX_CERTS];
	STACK_OF(X509) *sk;
	int n;

	if (ncerts < 1 || certs[0].encoding != IKEV2_CERT_X509_SIGNATURE) {
		ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED, ncerts < 1 ?
			 "no certificate from the peer" :
			 "first CERT payload is not an X.509 certificate");
		return NULL;
	}
	ee = ike_cert_from_der(certs[0].data.ptr, certs[0].data.len, err);
	sk = ee ? sk_X509_new_null() : NULL;
	if (ee && !sk)
		ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
			 "certificate check: out of memory");
	n = sk ? load_intermediates(certs, ncerts > IKEV2_MAX_CERTS ?
				    IKEV2_MAX_CERTS : ncerts, im, sk, err) : -1;
	if (n < 0 || verify_x509(ca, ike_cert_x509(ee), sk, now, err)) {
		ike_cert_free(ee);
		ee = NULL;
	}
	while (n > 0)
		ike_cert_free(im[--n]);
	sk_X509_free(sk);
	return ee;
}
