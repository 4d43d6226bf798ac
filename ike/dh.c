// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKEv2 key exchange groups on OpenSSL 3 EVP_PKEY. Each group is a table
 * row pointing at the operations of its family (MODP, ECP, Montgomery
 * curves); key generation, the peer's key, checking and derivation are
 * shared, the families only convert between wire format and OpenSSL keys.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "engine/crypto.h"
#include "ike/dh.h"
#include "ike/ikev2.h"

struct dh_group;

struct dh_ops {
	/* Builds the OpenSSL key pair for a private value. */
	EVP_PKEY *(*from_private)(const struct dh_group *g,
				  const uint8_t *priv, size_t len);
	/* Writes g->pub_len bytes of our public value. */
	int (*export_public)(const struct dh_group *g, EVP_PKEY *key,
			     uint8_t *out);
	/* The peer's public value (g->pub_len bytes) as an OpenSSL key. */
	EVP_PKEY *(*import_peer)(const struct dh_group *g, const uint8_t *peer);
	/* Sets derivation options (MODP: fixed-length output). */
	int (*derive_options)(EVP_PKEY_CTX *ctx);
};

struct dh_group {
	uint16_t id;
	const char *name;	/* IANA name */
	const char *keytype;	/* OpenSSL key type */
	const char *ossl_group;	/* OpenSSL group name, NULL for the curves */
	size_t pub_len;
	size_t secret_len;
	int zero_secret_bad;	/* RFC 8031 section 2.3 */
	const struct dh_ops *ops;
};

struct ike_dh {
	const struct dh_group *grp;
	EVP_PKEY *key;
};

/* ---- shared helpers -------------------------------------------------- */

/* Builds a key from a parameter builder's contents; selection as fromdata. */
static EVP_PKEY *key_from_bld(const struct dh_group *g, OSSL_PARAM_BLD *bld,
			      int selection)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->keytype, NULL);
	EVP_PKEY *key = NULL;

	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* clears the secure part (private BNs) */
	return key;
}

/* A builder holding the group name (if the family has one). */
static OSSL_PARAM_BLD *bld_with_group(const struct dh_group *g)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

	if (bld && g->ossl_group &&
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     g->ossl_group, 0)) {
		OSSL_PARAM_BLD_free(bld);
		return NULL;
	}
	return bld;
}

static int no_derive_options(EVP_PKEY_CTX *ctx)
{
	return 1;
}

/* ---- MODP (RFC 3526) ------------------------------------------------- */

/* y = g^x mod p from the group's domain parameters. */
static BIGNUM *modp_public_of(const struct dh_group *g, const BIGNUM *x)
{
	OSSL_PARAM_BLD *bld = bld_with_group(g);
	EVP_PKEY *dom = bld ? key_from_bld(g, bld, EVP_PKEY_KEY_PARAMETERS)
			    : NULL;
	BIGNUM *p = NULL, *gen = NULL, *y = BN_new();
	BN_CTX *bnctx = BN_CTX_secure_new();
	int ok = dom && y && bnctx &&
		 EVP_PKEY_get_bn_param(dom, OSSL_PKEY_PARAM_FFC_P, &p) &&
		 EVP_PKEY_get_bn_param(dom, OSSL_PKEY_PARAM_FFC_G, &gen) &&
		 BN_mod_exp(y, gen, x, p, bnctx);

	BN_CTX_free(bnctx);
	BN_free(p);
	BN_free(gen);
	EVP_PKEY_free(dom);
	OSSL_PARAM_BLD_free(bld);
	if (!ok) {
		BN_free(y);
		return NULL;
	}
	return y;
}

static EVP_PKEY *modp_from_private(const struct dh_group *g,
				   const uint8_t *priv, size_t len)
{
	BIGNUM *x = BN_secure_new();
	BIGNUM *y = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *key = NULL;

	if (x && BN_bin2bn(priv, (int)len, x) && !BN_is_zero(x))
		y = modp_public_of(g, x);
	if (y)
		bld = bld_with_group(g);
	if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		key = key_from_bld(g, bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(x);
	BN_free(y);
	return key;
}

static int modp_export_public(const struct dh_group *g, EVP_PKEY *key,
			      uint8_t *out)
{
	BIGNUM *y = NULL;
	int ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
		 BN_bn2binpad(y, out, (int)g->pub_len) == (int)g->pub_len;

	BN_free(y);
	return ok;
}

static EVP_PKEY *modp_import_peer(const struct dh_group *g,
				  const uint8_t *peer)
{
	BIGNUM *y = BN_bin2bn(peer, (int)g->pub_len, NULL);
	OSSL_PARAM_BLD *bld = y ? bld_with_group(g) : NULL;
	EVP_PKEY *key = NULL;

	if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		key = key_from_bld(g, bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return key;
}

/* g^ir zero-padded to the modulus length (RFC 7296 section 2.14). */
static int modp_derive_options(EVP_PKEY_CTX *ctx)
{
	return EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0;
}

static const struct dh_ops modp_ops = {
	.from_private = modp_from_private,
	.export_public = modp_export_public,
	.import_peer = modp_import_peer,
	.derive_options = modp_derive_options,
};

/* ---- ECP (RFC 5903): wire x || y, OpenSSL 0x04 || x || y ------------- */

enum { ECP_MAX_POINT = 1 + 2 * 66 };	/* uncompressed P-521 point */

/* The uncompressed point x*G of the group. */
static int ecp_point_of(const struct dh_group *g, const BIGNUM *x,
			uint8_t point[ECP_MAX_POINT])
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(
				EC_curve_nist2nid(g->ossl_group));
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	BN_CTX *bnctx = BN_CTX_secure_new();
	int ok = pt && bnctx &&
		 EC_POINT_mul(grp, pt, x, NULL, NULL, bnctx) &&
		 EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED,
				    point, ECP_MAX_POINT, bnctx) ==
			1 + g->pub_len;

	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return ok;
}

static EVP_PKEY *ecp_from_private(const struct dh_group *g,
				  const uint8_t *priv, size_t len)
{
	uint8_t point[ECP_MAX_POINT];
	BIGNUM *x = BN_secure_new();
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *key = NULL;

	if (x && BN_bin2bn(priv, (int)len, x) && !BN_is_zero(x) &&
	    ecp_point_of(g, x, point))
		bld = bld_with_group(g);
	if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     point, 1 + g->pub_len))
		key = key_from_bld(g, bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(x);
	return key;
}

static int ecp_export_public(const struct dh_group *g, EVP_PKEY *key,
			     uint8_t *out)
{
	uint8_t point[ECP_MAX_POINT];
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
					     point, sizeof(point), &n) ||
	    n != 1 + g->pub_len || point[0] != POINT_CONVERSION_UNCOMPRESSED)
		return 0;
	memcpy(out, point + 1, g->pub_len);
	return 1;
}

/* OpenSSL refuses a point that is not on the curve here already. */
static EVP_PKEY *ecp_import_peer(const struct dh_group *g,
				 const uint8_t *peer)
{
	uint8_t point[ECP_MAX_POINT];
	OSSL_PARAM_BLD *bld = bld_with_group(g);
	EVP_PKEY *key = NULL;

	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, peer, g->pub_len);
	if (bld && OSSL_PARAM_BLD_push_octet_string(bld,
			OSSL_PKEY_PARAM_PUB_KEY, point, 1 + g->pub_len))
		key = key_from_bld(g, bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

static const struct dh_ops ecp_ops = {
	.from_private = ecp_from_private,
	.export_public = ecp_export_public,
	.import_peer = ecp_import_peer,
	.derive_options = no_derive_options,
};

/* ---- Curve25519 / Curve448 (RFC 8031, RFC 7748) ---------------------- */

static EVP_PKEY *ecx_from_private(const struct dh_group *g,
				  const uint8_t *priv, size_t len)
{
	if (len != g->secret_len)
		return NULL;
	return EVP_PKEY_new_raw_private_key_ex(NULL, g->keytype, NULL,
					       priv, len);
}

static int ecx_export_public(const struct dh_group *g, EVP_PKEY *key,
			     uint8_t *out)
{
	size_t n = g->pub_len;

	return EVP_PKEY_get_raw_public_key(key, out, &n) && n == g->pub_len;
}

static EVP_PKEY *ecx_import_peer(const struct dh_group *g,
				 const uint8_t *peer)
{
	return EVP_PKEY_new_raw_public_key_ex(NULL, g->keytype, NULL,
					      peer, g->pub_len);
}

static const struct dh_ops ecx_ops = {
	.from_private = ecx_from_private,
	.export_public = ecx_export_public,
	.import_peer = ecx_import_peer,
	.derive_options = no_derive_options,
};

/* ---- the groups ------------------------------------------------------ */

static const struct dh_group groups[] = {
	{ IKEV2_DH_MODP_2048, "modp2048", "DH", "modp_2048", 256, 256, 0,
	  &modp_ops },
	{ IKEV2_DH_MODP_3072, "modp3072", "DH", "modp_3072", 384, 384, 0,
	  &modp_ops },
	{ IKEV2_DH_MODP_4096, "modp4096", "DH", "modp_4096", 512, 512, 0,
	  &modp_ops },
	{ IKEV2_DH_ECP_256, "ecp256", "EC", "P-256", 64, 32, 0, &ecp_ops },
	{ IKEV2_DH_ECP_384, "ecp384", "EC", "P-384", 96, 48, 0, &ecp_ops },
	{ IKEV2_DH_ECP_521, "ecp521", "EC", "P-521", 132, 66, 0, &ecp_ops },
	{ IKEV2_DH_CURVE25519, "curve25519", "X25519", NULL, 32, 32, 1,
	  &ecx_ops },
	{ IKEV2_DH_CURVE448, "curve448", "X448", NULL, 56, 56, 1, &ecx_ops },
};

static const struct dh_group *group_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

int ike_dh_supported(uint16_t group)
{
	return group_by_id(group) != NULL;
}

struct ike_dh *ike_dh_new(uint16_t group)
{
	const struct dh_group *g = group_by_id(group);
	struct ike_dh *dh;

	if (!g)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (dh)
		dh->grp = g;
	return dh;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);	/* OpenSSL clears private key material */
	free(dh);
}

uint16_t ike_dh_group(const struct ike_dh *dh)
{
	return dh->grp->id;
}

const char *ike_dh_name(const struct ike_dh *dh)
{
	return dh->grp->name;
}

size_t ike_dh_public_len(const struct ike_dh *dh)
{
	return dh->grp->pub_len;
}

size_t ike_dh_secret_len(const struct ike_dh *dh)
{
	return dh->grp->secret_len;
}

/* ---- key pairs ------------------------------------------------------- */

static void set_key(struct ike_dh *dh, EVP_PKEY *key)
{
	EVP_PKEY_free(dh->key);
	dh->key = key;
}

int ike_dh_generate(struct ike_dh *dh)
{
	const struct dh_group *g = dh->grp;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->keytype, NULL);
	OSSL_PARAM params[2] = { OSSL_PARAM_END, OSSL_PARAM_END };
	EVP_PKEY *key = NULL;

	if (g->ossl_group)
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->ossl_group, 0);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_params(ctx, params) <= 0 ||
	    EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	if (!key)
		return IKE_DH_ERR_CRYPTO;
	set_key(dh, key);
	return IKE_DH_OK;
}

int ike_dh_set_private(struct ike_dh *dh, const uint8_t *priv, size_t len)
{
	EVP_PKEY *key;

	if (!priv || !len || len > IKE_DH_MAX_SECRET_LEN)
		return IKE_DH_ERR_LENGTH;
	key = dh->grp->ops->from_private(dh->grp, priv, len);
	if (!key)
		return IKE_DH_ERR_VALUE;
	set_key(dh, key);
	return IKE_DH_OK;
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t out_len)
{
	const struct dh_group *g = dh->grp;

	if (!dh->key || out_len < g->pub_len)
		return IKE_DH_ERR_STATE;
	if (!g->ops->export_public(g, dh->key, out))
		return IKE_DH_ERR_CRYPTO;
	return IKE_DH_OK;
}

/* ---- derivation ------------------------------------------------------ */

/* The peer's value as a key that passed the group's range/curve checks. */
static int peer_key(const struct dh_group *g, const uint8_t *peer,
		    EVP_PKEY **out)
{
	EVP_PKEY *key = g->ops->import_peer(g, peer);
	EVP_PKEY_CTX *ctx = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)
				: NULL;
	/* MODP: 1 < y < p-1; ECP: on the curve, not the point at infinity */
	int ok = ctx && EVP_PKEY_public_check_quick(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		EVP_PKEY_free(key);
		return IKE_DH_ERR_VALUE;
	}
	*out = key;
	return IKE_DH_OK;
}

static int all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

static int derive_with(struct ike_dh *dh, EVP_PKEY *peer, uint8_t *secret)
{
	const struct dh_group *g = dh->grp;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	size_t n = g->secret_len;
	int ok, err;

	ok = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	     g->ops->derive_options(ctx) &&
	     EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) > 0;
	if (!ok)
		err = IKE_DH_ERR_CRYPTO;
	else if (EVP_PKEY_derive(ctx, secret, &n) <= 0 || n != g->secret_len)
		/* X25519/X448: OpenSSL refuses an all-zero result itself */
		err = g->zero_secret_bad ? IKE_DH_ERR_VALUE : IKE_DH_ERR_CRYPTO;
	else if (g->zero_secret_bad && all_zero(secret, n))
		err = IKE_DH_ERR_VALUE;
	else
		err = IKE_DH_OK;
	EVP_PKEY_CTX_free(ctx);
	return err;
}

int ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  uint8_t *secret, size_t secret_len)
{
	const struct dh_group *g = dh->grp;
	EVP_PKEY *pk = NULL;
	int err;

	if (!dh->key || !secret || secret_len < g->secret_len)
		err = IKE_DH_ERR_STATE;
	else if (!peer || peer_len != g->pub_len)
		err = IKE_DH_ERR_LENGTH;
	else
		err = peer_key(g, peer, &pk);
	if (err == IKE_DH_OK)
		err = derive_with(dh, pk, secret);
	EVP_PKEY_free(pk);
	if (err != IKE_DH_OK && secret)
		xs_wipe(secret, secret_len < g->secret_len ? secret_len
							    : g->secret_len);
	return err;
}

const char *ike_dh_strerror(int err)
{
	switch (err) {
	case IKE_DH_OK: return "success";
	case IKE_DH_ERR_LENGTH: return "key exchange value of the wrong length";
	case IKE_DH_ERR_VALUE: return "invalid key exchange value";
	case IKE_DH_ERR_STATE: return "no key pair or buffer too small";
	case IKE_DH_ERR_CRYPTO: return "crypto library failure";
	}
	return "unknown error";
}
