// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * RFC 7427 signature algorithms. Our AlgorithmIdentifiers are fixed DER
 * (the byte strings below, as RFC 7427 appendix A lists them; PSS with the
 * hash's NULL parameters, MGF1 and the salt length, trailer field left at
 * its default). The peer's are parsed with OpenSSL's ASN.1 decoder, so any
 * valid encoding of an allowed algorithm is accepted, and checked
 * field by field.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ike/sig_alg.h"

enum { PSS_SALT_MAX = 512 };

/* ---- keys ------------------------------------------------------------- */

static enum ike_key_kind ec_kind(const EVP_PKEY *key)
{
	char group[32];

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), NULL))
		return IKE_KEY_NONE;
	if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))
		return IKE_KEY_P256;
	if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384"))
		return IKE_KEY_P384;
	if (!strcmp(group, "secp521r1") || !strcmp(group, "P-521"))
		return IKE_KEY_P521;
	return IKE_KEY_NONE;
}

enum ike_key_kind ike_key_kind(const EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return IKE_KEY_RSA;
	case EVP_PKEY_EC:
		return ec_kind(key);
	case EVP_PKEY_ED25519:
		return IKE_KEY_ED25519;
	}
	return IKE_KEY_NONE;
}

const char *ike_key_kind_name(enum ike_key_kind kind)
{
	static const char *const names[] = {
		[IKE_KEY_NONE] = "unsupported key", [IKE_KEY_RSA] = "RSA",
		[IKE_KEY_P256] = "ECDSA P-256", [IKE_KEY_P384] = "ECDSA P-384",
		[IKE_KEY_P521] = "ECDSA P-521", [IKE_KEY_ED25519] = "Ed25519",
	};

	return kind <= IKE_KEY_ED25519 ? names[kind] : names[0];
}

/* ---- SIGNATURE_HASH_ALGORITHMS ----------------------------------------- */

static const uint8_t our_hashes[] = {
	IKEV2_HASH_SHA2_256, IKEV2_HASH_SHA2_384, IKEV2_HASH_SHA2_512,
	IKEV2_HASH_IDENTITY,
};

size_t ike_sig_hash_notify(uint8_t *out, size_t size)
{
	size_t i;

	if (size < 2 * sizeof(our_hashes))
		return 0;
	for (i = 0; i < sizeof(our_hashes); i++) {
		out[2 * i] = 0;
		out[2 * i + 1] = our_hashes[i];
	}
	return 2 * sizeof(our_hashes);
}

int ike_sig_hash_parse(const struct ike_span *data, uint32_t *set,
		       struct ike_err *err)
{
	size_t i;

	*set = 0;
	if (!data->len || data->len % 2)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"SIGNATURE_HASH_ALGORITHMS of %zu bytes",
				data->len);
	for (i = 0; i < data->len; i += 2) {
		uint16_t h = ike_get16(data->ptr + i);

		if (h >= IKEV2_HASH_SHA1 && h <= IKEV2_HASH_IDENTITY)
			*set |= IKE_HASH_BIT(h);
	}
	return 0;
}

/* ---- our choice ------------------------------------------------------- */

static int first_sha2(uint32_t peer, uint8_t preferred, uint8_t *hash)
{
	static const uint8_t order[] = {
		IKEV2_HASH_SHA2_256, IKEV2_HASH_SHA2_384, IKEV2_HASH_SHA2_512,
	};
	size_t i;

	if (peer & IKE_HASH_BIT(preferred)) {
		*hash = preferred;
		return 0;
	}
	for (i = 0; i < sizeof(order); i++)
		if (peer & IKE_HASH_BIT(order[i])) {
			*hash = order[i];
			return 0;
		}
	return -1;
}

static uint16_t hash_len(uint8_t hash)
{
	switch (hash) {
	case IKEV2_HASH_SHA2_256: return 32;
	case IKEV2_HASH_SHA2_384: return 48;
	case IKEV2_HASH_SHA2_512: return 64;
	}
	return 0;
}

int ike_sig_alg_choose(enum ike_key_kind kind, uint32_t peer_hashes,
		       bool rsa_pss, struct ike_sig_alg *alg)
{
	memset(alg, 0, sizeof(*alg));
	switch (kind) {
	case IKE_KEY_RSA:
		alg->scheme = rsa_pss ? IKE_SIG_RSA_PSS : IKE_SIG_RSA_PKCS1;
		if (first_sha2(peer_hashes, IKEV2_HASH_SHA2_256, &alg->hash))
			return -1;
		if (rsa_pss)
			alg->salt_len = hash_len(alg->hash);
		return 0;
	case IKE_KEY_P256:
	case IKE_KEY_P384:
	case IKE_KEY_P521:
		alg->scheme = IKE_SIG_ECDSA;
		return first_sha2(peer_hashes, kind == IKE_KEY_P256 ?
				  IKEV2_HASH_SHA2_256 : kind == IKE_KEY_P384 ?
				  IKEV2_HASH_SHA2_384 : IKEV2_HASH_SHA2_512,
				  &alg->hash);
	case IKE_KEY_ED25519:
		alg->scheme = IKE_SIG_ED25519;
		alg->hash = IKEV2_HASH_IDENTITY;
		return peer_hashes & IKE_HASH_BIT(IKEV2_HASH_IDENTITY) ? 0 : -1;
	case IKE_KEY_NONE:
		break;
	}
	return -1;
}

bool ike_sig_alg_fits(const struct ike_sig_alg *alg, enum ike_key_kind kind)
{
	switch (alg->scheme) {
	case IKE_SIG_RSA_PKCS1:
	case IKE_SIG_RSA_PSS:
		return kind == IKE_KEY_RSA;
	case IKE_SIG_ECDSA:
		return kind == IKE_KEY_P256 || kind == IKE_KEY_P384 ||
		       kind == IKE_KEY_P521;
	case IKE_SIG_ED25519:
		return kind == IKE_KEY_ED25519;
	}
	return false;
}

/* ---- our AlgorithmIdentifiers ------------------------------------------ */

#define OID_PKCS1(n)	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, \
			0x01, (n)
#define OID_NIST_HASH(n) 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, \
			0x04, 0x02, (n)
#define HASH_ALGID(n)	0x30, 0x0d, OID_NIST_HASH(n), 0x05, 0x00
/* RSASSA-PSS-params: [0] hash, [1] MGF1(hash), [2] salt length */
#define PSS_ALGID(n, salt) \
	0x30, 0x41, OID_PKCS1(0x0a), 0x30, 0x34, \
	0xa0, 0x0f, HASH_ALGID(n), \
	0xa1, 0x1c, 0x30, 0x1a, OID_PKCS1(0x08), HASH_ALGID(n), \
	0xa2, 0x03, 0x02, 0x01, (salt)
#define ECDSA_ALGID(n)	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, \
			0x04, 0x03, (n)

struct algid {
	enum ike_sig_scheme scheme;
	uint8_t hash;
	uint8_t len;
	uint8_t der[67];
};

static const struct algid algids[] = {
	{ IKE_SIG_RSA_PKCS1, IKEV2_HASH_SHA2_256, 15,
	  { 0x30, 0x0d, OID_PKCS1(0x0b), 0x05, 0x00 } },
	{ IKE_SIG_RSA_PKCS1, IKEV2_HASH_SHA2_384, 15,
	  { 0x30, 0x0d, OID_PKCS1(0x0c), 0x05, 0x00 } },
	{ IKE_SIG_RSA_PKCS1, IKEV2_HASH_SHA2_512, 15,
	  { 0x30, 0x0d, OID_PKCS1(0x0d), 0x05, 0x00 } },
	{ IKE_SIG_RSA_PSS, IKEV2_HASH_SHA2_256, 67, { PSS_ALGID(1, 32) } },
	{ IKE_SIG_RSA_PSS, IKEV2_HASH_SHA2_384, 67, { PSS_ALGID(2, 48) } },
	{ IKE_SIG_RSA_PSS, IKEV2_HASH_SHA2_512, 67, { PSS_ALGID(3, 64) } },
	{ IKE_SIG_ECDSA, IKEV2_HASH_SHA2_256, 12, { ECDSA_ALGID(2) } },
	{ IKE_SIG_ECDSA, IKEV2_HASH_SHA2_384, 12, { ECDSA_ALGID(3) } },
	{ IKE_SIG_ECDSA, IKEV2_HASH_SHA2_512, 12, { ECDSA_ALGID(4) } },
	{ IKE_SIG_ED25519, IKEV2_HASH_IDENTITY, 7,
	  { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 } },
};

size_t ike_sig_alg_encode(const struct ike_sig_alg *alg, uint8_t *out,
			  size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(algids) / sizeof(algids[0]); i++) {
		const struct algid *a = &algids[i];

		if (a->scheme != alg->scheme || a->hash != alg->hash ||
		    (alg->scheme == IKE_SIG_RSA_PSS &&
		     alg->salt_len != hash_len(alg->hash)))
			continue;
		if (a->len > size)
			return 0;
		memcpy(out, a->der, a->len);
		return a->len;
	}
	return 0;
}

/* ---- the peer's AlgorithmIdentifier ------------------------------------ */

/* A SHA-2 hash AlgorithmIdentifier (parameters absent or NULL). */
static int hash_of(const X509_ALGOR *a, uint8_t *hash)
{
	int ptype;

	X509_ALGOR_get0(NULL, &ptype, NULL, a);
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL)
		return -1;
	switch (OBJ_obj2nid(a->algorithm)) {
	case NID_sha256: *hash = IKEV2_HASH_SHA2_256; return 0;
	case NID_sha384: *hash = IKEV2_HASH_SHA2_384; return 0;
	case NID_sha512: *hash = IKEV2_HASH_SHA2_512; return 0;
	}
	return -1;
}

static int pss_mgf1_hash(const RSA_PSS_PARAMS *pp, uint8_t *hash)
{
	const ASN1_TYPE *param = pp->maskGenAlgorithm->parameter;
	X509_ALGOR *mh;
	int rc;

	if (OBJ_obj2nid(pp->maskGenAlgorithm->algorithm) != NID_mgf1 ||
	    !param || param->type != V_ASN1_SEQUENCE)
		return -1;
	mh = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), param);
	rc = mh ? hash_of(mh, hash) : -1;
	X509_ALGOR_free(mh);
	return rc;
}

static int pss_params(const ASN1_TYPE *param, struct ike_sig_alg *alg)
{
	RSA_PSS_PARAMS *pp = NULL;
	uint8_t mgf_hash = 0;
	long salt = 20, trailer = 1;	/* RFC 4055 3.1 defaults */
	int rc = -1;

	if (param && param->type == V_ASN1_SEQUENCE)
		pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
					       param);
	if (!pp || !pp->hashAlgorithm || !pp->maskGenAlgorithm)
		goto done;	/* absent: SHA-1, not allowed (RFC 8247) */
	if (pp->saltLength)
		salt = ASN1_INTEGER_get(pp->saltLength);
	if (pp->trailerField)
		trailer = ASN1_INTEGER_get(pp->trailerField);
	if (hash_of(pp->hashAlgorithm, &alg->hash) ||
	    pss_mgf1_hash(pp, &mgf_hash) || mgf_hash != alg->hash ||
	    salt < 0 || salt > PSS_SALT_MAX || trailer != 1)
		goto done;
	alg->scheme = IKE_SIG_RSA_PSS;
	alg->salt_len = (uint16_t)salt;
	rc = 0;
done:
	RSA_PSS_PARAMS_free(pp);
	return rc;
}

/* Schemes named by their OID alone. */
static int simple_alg(int nid, int ptype, struct ike_sig_alg *alg)
{
	static const struct {
		int nid;
		enum ike_sig_scheme scheme;
		uint8_t hash;
	} oids[] = {
		{ NID_sha256WithRSAEncryption, IKE_SIG_RSA_PKCS1, IKEV2_HASH_SHA2_256 },
		{ NID_sha384WithRSAEncryption, IKE_SIG_RSA_PKCS1, IKEV2_HASH_SHA2_384 },
		{ NID_sha512WithRSAEncryption, IKE_SIG_RSA_PKCS1, IKEV2_HASH_SHA2_512 },
		{ NID_ecdsa_with_SHA256, IKE_SIG_ECDSA, IKEV2_HASH_SHA2_256 },
		{ NID_ecdsa_with_SHA384, IKE_SIG_ECDSA, IKEV2_HASH_SHA2_384 },
		{ NID_ecdsa_with_SHA512, IKE_SIG_ECDSA, IKEV2_HASH_SHA2_512 },
		{ NID_ED25519, IKE_SIG_ED25519, IKEV2_HASH_IDENTITY },
	};
	size_t i;

	for (i = 0; i < sizeof(oids) / sizeof(oids[0]); i++) {
		if (oids[i].nid != nid)
			continue;
		alg->scheme = oids[i].scheme;
		alg->hash = oids[i].hash;
		/* parameters: RSA NULL or absent (RFC 4055 5), ECDSA and
		 * Ed25519 absent (RFC 5758 3.2, RFC 8410 3) */
		return ptype == V_ASN1_UNDEF ||
		       (ptype == V_ASN1_NULL &&
			alg->scheme == IKE_SIG_RSA_PKCS1) ? 0 : -1;
	}
	return -1;
}

int ike_sig_alg_decode(const uint8_t *der, size_t len, struct ike_sig_alg *alg,
		       struct ike_err *err)
{
	const unsigned char *p = der;
	X509_ALGOR *a = len ? d2i_X509_ALGOR(NULL, &p, (long)len) : NULL;
	const char *why = "not a DER AlgorithmIdentifier";
	const ASN1_OBJECT *obj;
	const void *pval;
	char name[64];
	int ptype, rc = -1;

	memset(alg, 0, sizeof(*alg));
	if (a && (size_t)(p - der) != len) {
		why = "data after the AlgorithmIdentifier";
	} else if (a) {
		X509_ALGOR_get0(&obj, &ptype, &pval, a);
		rc = OBJ_obj2nid(obj) == NID_rsassaPss ?
		     pss_params(a->parameter, alg) :
		     simple_alg(OBJ_obj2nid(obj), ptype, alg);
		OBJ_obj2txt(name, sizeof(name), obj, 0);
		why = name;
	}
	if (rc) {
		ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
			 "AUTH: signature algorithm not accepted: %s", why);
		ERR_clear_error();
	}
	X509_ALGOR_free(a);
	return rc;
}
