// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * AUTH payload signatures on OpenSSL EVP: the signed octets assembled once
 * (first message | nonce | prf(SK_p, ID body)), signed or verified in one
 * EVP_DigestSign/Verify call (Ed25519 needs the whole input), ECDSA
 * converted between DER and RFC 4754's fixed-length r || s.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ike/auth_sig.h"
#include "ike/sig_alg.h"

/* How one signature is made: scheme and hash, raw r || s or DER. */
struct sig_op {
	struct ike_sig_alg alg;
	size_t raw_ecdsa;	/* methods 9-11: bytes of r (and of s); 0: DER */
};

/* ---- the signed octets ------------------------------------------------ */

static uint8_t *signed_octets(uint16_t prf, const struct ike_signed_octets *so,
			      size_t *len)
{
	uint8_t maced[IKE_PRF_MAX_LEN], *buf = NULL;
	size_t mlen = ike_maced_id(prf, so, maced);

	if (mlen && so->msg.p && so->msg.len && so->nonce.p && so->nonce.len)
		buf = malloc(so->msg.len + so->nonce.len + mlen);
	if (buf) {
		memcpy(buf, so->msg.p, so->msg.len);
		memcpy(buf + so->msg.len, so->nonce.p, so->nonce.len);
		memcpy(buf + so->msg.len + so->nonce.len, maced, mlen);
		*len = so->msg.len + so->nonce.len + mlen;
	}
	xs_wipe(maced, sizeof(maced));
	return buf;
}

static void octets_free(uint8_t *buf, size_t len)
{
	if (buf)
		xs_wipe(buf, len);
	free(buf);
}

/* ---- EVP -------------------------------------------------------------- */

static const EVP_MD *hash_md(uint8_t hash)
{
	switch (hash) {
	case IKEV2_HASH_SHA1: return EVP_sha1();
	case IKEV2_HASH_SHA2_256: return EVP_sha256();
	case IKEV2_HASH_SHA2_384: return EVP_sha384();
	case IKEV2_HASH_SHA2_512: return EVP_sha512();
	}
	return NULL;	/* Identity */
}

/* A digest-sign or -verify context for the operation. */
static EVP_MD_CTX *op_ctx(EVP_PKEY *key, const struct sig_op *op, bool sign)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = hash_md(op->alg.hash);
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	if (!ctx)
		return NULL;
	ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, key)
		  : EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key);
	if (ok > 0 && op->alg.scheme == IKE_SIG_RSA_PKCS1)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
	if (ok > 0 && op->alg.scheme == IKE_SIG_RSA_PSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
						  RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
						      op->alg.salt_len) > 0;
	if (ok <= 0) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* DER Ecdsa-Sig-Value to r || s of n bytes each, in place; its length. */
static size_t ecdsa_der_to_raw(uint8_t *sig, size_t len, size_t n)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	size_t out = 0;

	if (es) {
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, sig, (int)n) == (int)n &&
		    BN_bn2binpad(s, sig + n, (int)n) == (int)n)
			out = 2 * n;
	}
	ECDSA_SIG_free(es);
	return out;
}

/* r || s (2n bytes) to DER in der (IKE_SIG_MAX_BYTES); its length. */
static size_t ecdsa_raw_to_der(const uint8_t *raw, size_t n, uint8_t *der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)n, NULL);
	BIGNUM *s = BN_bin2bn(raw + n, (int)n, NULL);
	unsigned char *p = der;
	int len = 0;

	if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
		r = s = NULL;	/* owned by es now */
		if (i2d_ECDSA_SIG(es, NULL) <= IKE_SIG_MAX_BYTES)
			len = i2d_ECDSA_SIG(es, &p);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return len > 0 ? (size_t)len : 0;
}

/* ---- making ours ---------------------------------------------------- */

static size_t ec_coord_len(enum ike_key_kind kind)
{
	switch (kind) {
	case IKE_KEY_P256: return 32;
	case IKE_KEY_P384: return 48;
	case IKE_KEY_P521: return 66;
	default: return 0;
	}
}

static uint8_t classic_method(enum ike_key_kind kind)
{
	switch (kind) {
	case IKE_KEY_RSA: return IKEV2_AUTH_RSA_SIG;
	case IKE_KEY_P256: return IKEV2_AUTH_ECDSA_SHA256_P256;
	case IKE_KEY_P384: return IKEV2_AUTH_ECDSA_SHA384_P384;
	case IKE_KEY_P521: return IKEV2_AUTH_ECDSA_SHA512_P521;
	default: return 0;
	}
}

/* The method-specific operation of a classic method (1, 9, 10, 11). */
static int classic_op(uint8_t method, struct sig_op *op)
{
	memset(op, 0, sizeof(*op));
	switch (method) {
	case IKEV2_AUTH_RSA_SIG:
		op->alg.scheme = IKE_SIG_RSA_PKCS1;
		op->alg.hash = IKEV2_HASH_SHA1;
		return 0;
	case IKEV2_AUTH_ECDSA_SHA256_P256:
		op->alg.hash = IKEV2_HASH_SHA2_256;
		op->raw_ecdsa = ec_coord_len(IKE_KEY_P256);
		break;
	case IKEV2_AUTH_ECDSA_SHA384_P384:
		op->alg.hash = IKEV2_HASH_SHA2_384;
		op->raw_ecdsa = ec_coord_len(IKE_KEY_P384);
		break;
	case IKEV2_AUTH_ECDSA_SHA512_P521:
		op->alg.hash = IKEV2_HASH_SHA2_512;
		op->raw_ecdsa = ec_coord_len(IKE_KEY_P521);
		break;
	default:
		return -1;
	}
	op->alg.scheme = IKE_SIG_ECDSA;
	return 0;
}

/* Signs tbs into sig (room: IKE_SIG_MAX_BYTES); the signature's length. */
static size_t sign(EVP_PKEY *key, const struct sig_op *op, const uint8_t *tbs,
		   size_t tbs_len, uint8_t *sig)
{
	EVP_MD_CTX *ctx = op_ctx(key, op, true);
	size_t len = 0;

	if (ctx && EVP_DigestSign(ctx, NULL, &len, tbs, tbs_len) > 0 &&
	    len <= IKE_SIG_MAX_BYTES &&
	    EVP_DigestSign(ctx, sig, &len, tbs, tbs_len) > 0) {
		if (op->raw_ecdsa)
			len = ecdsa_der_to_raw(sig, len, op->raw_ecdsa);
	} else {
		len = 0;
	}
	EVP_MD_CTX_free(ctx);
	return len;
}

/* Method and, for method 14, the length byte and AlgorithmIdentifier. */
static int choose(enum ike_key_kind kind, uint32_t peer_hashes, bool rsa_pss,
		  struct sig_op *op, struct ike_auth_data *out)
{
	size_t alen;

	memset(op, 0, sizeof(*op));
	if (peer_hashes &&
	    !ike_sig_alg_choose(kind, peer_hashes, rsa_pss, &op->alg)) {
		alen = ike_sig_alg_encode(&op->alg, out->data + 1,
					  sizeof(out->data) - 1);
		if (!alen)
			return -1;
		out->method = IKEV2_AUTH_DIGITAL_SIGNATURE;
		out->data[0] = (uint8_t)alen;
		out->len = 1 + alen;
		return 0;
	}
	out->method = classic_method(kind);
	out->len = 0;
	return classic_op(out->method, op);
}

int ike_auth_sig_make(const struct ike_cred *cred, uint16_t prf,
		      const struct ike_signed_octets *so, uint32_t peer_hashes,
		      bool rsa_pss, struct ike_auth_data *out,
		      struct ike_err *err)
{
	EVP_PKEY *key = ike_cred_key(cred);
	enum ike_key_kind kind = key ? ike_key_kind(key) : IKE_KEY_NONE;
	struct sig_op op;
	uint8_t *tbs;
	size_t tbs_len = 0, sig_len = 0;

	memset(out, 0, sizeof(*out));
	if (!key || choose(kind, peer_hashes, rsa_pss, &op, out))
		return ike_fail(err, 0, "AUTH: no signature method for %s "
				"with the peer's hash algorithms",
				ike_key_kind_name(kind));
	tbs = signed_octets(prf, so, &tbs_len);
	if (tbs)
		sig_len = sign(key, &op, tbs, tbs_len, out->data + out->len);
	octets_free(tbs, tbs_len);
	if (!sig_len)
		return ike_fail(err, 0, "AUTH: signing with %s failed",
				ike_key_kind_name(kind));
	out->len += sig_len;
	return 0;
}

/* ---- checking the peer's ------------------------------------------------ */

static int verify(EVP_PKEY *key, const struct sig_op *op, const uint8_t *sig,
		  size_t sig_len, uint16_t prf,
		  const struct ike_signed_octets *so)
{
	uint8_t der[IKE_SIG_MAX_BYTES];
	EVP_MD_CTX *ctx;
	uint8_t *tbs;
	size_t tbs_len = 0;
	int ok = 0;

	if (op->raw_ecdsa) {
		sig_len = ecdsa_raw_to_der(sig, op->raw_ecdsa, der);
		sig = der;
	}
	tbs = sig_len ? signed_octets(prf, so, &tbs_len) : NULL;
	ctx = tbs ? op_ctx(key, op, false) : NULL;
	if (ctx)
		ok = EVP_DigestVerify(ctx, sig, sig_len, tbs, tbs_len) == 1;
	EVP_MD_CTX_free(ctx);
	octets_free(tbs, tbs_len);
	if (!ok)
		ERR_clear_error();	/* nothing for later callers to find */
	return ok ? 0 : -1;
}

/* Method 14: the AlgorithmIdentifier fits the key. */
static int method14_op(const struct ike_auth_pld *auth, enum ike_key_kind kind,
		       struct sig_op *op, struct ike_err *err)
{
	memset(op, 0, sizeof(*op));
	if (!auth->sig_alg.ptr || !auth->sig.len)
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"AUTH: digital signature without signature");
	if (ike_sig_alg_decode(auth->sig_alg.ptr, auth->sig_alg.len, &op->alg,
			       err))
		return -1;
	if (!ike_sig_alg_fits(&op->alg, kind))
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"AUTH: signature algorithm %s does not fit "
				"the certificate's %s key",
				ikev2_name(IKEV2_MAP_HASH, op->alg.hash),
				ike_key_kind_name(kind));
	return 0;
}

/* Methods 1 and 9-11: the method fits the key (and curve), length exact. */
static int classic_check(const struct ike_auth_pld *auth,
			 enum ike_key_kind kind, struct sig_op *op,
			 struct ike_err *err)
{
	if (classic_op(auth->method, op))
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"AUTH method %s not supported with "
				"certificates",
				ikev2_name(IKEV2_MAP_AUTH, auth->method));
	if (classic_method(kind) != auth->method)
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"AUTH method %s does not fit the "
				"certificate's %s key",
				ikev2_name(IKEV2_MAP_AUTH, auth->method),
				ike_key_kind_name(kind));
	if (op->raw_ecdsa && auth->data.len != 2 * op->raw_ecdsa)
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"AUTH: ECDSA signature of %zu bytes (not %zu)",
				auth->data.len, 2 * op->raw_ecdsa);
	return 0;
}

int ike_auth_sig_verify(const struct ike_cert *peer, uint16_t prf,
			const struct ike_signed_octets *so,
			const struct ike_auth_pld *auth, struct ike_err *err)
{
	EVP_PKEY *key = X509_get0_pubkey(ike_cert_x509(peer));
	enum ike_key_kind kind = key ? ike_key_kind(key) : IKE_KEY_NONE;
	struct ike_span sig = auth->data;
	struct sig_op op;

	if (kind == IKE_KEY_NONE)
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"certificate key type not supported");
	if (auth->method == IKEV2_AUTH_DIGITAL_SIGNATURE) {
		if (method14_op(auth, kind, &op, err))
			return -1;
		sig = auth->sig;
	} else if (classic_check(auth, kind, &op, err)) {
		return -1;
	}
	if (sig.len > IKE_SIG_MAX_BYTES ||
	    verify(key, &op, sig.ptr, sig.len, prf, so))
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"AUTH: %s signature (%s) does not verify",
				ike_key_kind_name(kind),
				ikev2_name(IKEV2_MAP_HASH, op.alg.hash));
	return 0;
}

/* ---- the whole check ---------------------------------------------------- */

int ike_auth_cert_verify(const struct ike_ca *ca,
			 const struct ike_id_cfg *remote_id,
			 const struct ike_cert_pld *certs, int ncerts,
			 const struct ike_id_pld *id_pld,
			 const struct ike_auth_pld *auth, uint16_t prf,
			 const struct ike_signed_octets *so, time_t now,
			 struct ike_id_cfg *peer_id, struct ike_err *err)
{
	char want[IKE_ID_STR_MAX], got[IKE_ID_STR_MAX];
	struct ike_cert *ee;
	int rc;

	if (ike_id_from_pld(id_pld, peer_id, err))
		return -1;
	if (!ike_id_match(peer_id, remote_id)) {
		ike_id_format(peer_id, got, sizeof(got));
		ike_id_format(remote_id, want, sizeof(want));
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"peer ID '%.50s' is not the configured "
				"'%.50s'", got, want);
	}
	ee = ike_ca_verify(ca, certs, ncerts, now, err);
	if (!ee)
		return -1;
	rc = ike_id_cert_match(ee, peer_id, err);
	if (!rc)
		rc = ike_auth_sig_verify(ee, prf, so, auth, err);
	ike_cert_free(ee);
	return rc;
}
