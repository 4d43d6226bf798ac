// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Tests for ike/dh.c: published known answers (RFC 5903 section 8 for the
 * ECP groups, RFC 7748 sections 6.1/6.2 for X25519/X448), a key exchange
 * in every group, and rejection of invalid peer values. The MODP groups
 * are cross-checked against python3-cryptography in tests/test_ike_keys.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/dh.h"
#include "ike/ikev2.h"
#include "unit_hex.h"

/* One side's private value, its public value, and the shared secret. */
struct kat {
	uint16_t group;
	const char *priv_i, *pub_i, *priv_r, *pub_r, *shared;
};

/*
 * RFC 5903 section 8.1 (256-bit), 8.2 (384-bit), 8.3 (521-bit): i, gi =
 * gix || giy, r, gr = grx || gry, girx. The 521-bit public values were
 * re-computed from i and r with python3-cryptography 38 (the RFC lists
 * them too); the shared secrets are the RFC's.
 * RFC 7748 section 6.1 (X25519) and 6.2 (X448): Alice's private and
 * public key, Bob's, and K.
 */
static const struct kat kats[] = {
	{ IKEV2_DH_ECP_256,
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ IKEV2_DH_ECP_384,
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	  "E35B538041E649EE3FAEF896783AB194",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	  "DE3AC808ACB4BDB4C88732AEE95F41AA9482ED1FC0EEB9CAFC4984625CCFC23F"
	  "65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	  "E0308312916B8ED2960E4BD55A7448FC",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	  "0D1AC43A0336DEF96FDA41D0774A3571DCFBEC7AACF3196472169E838430367F"
	  "66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	  "D603135569B9E9D09CF5D4A270F59746" },
	{ IKEV2_DH_ECP_521,
	  "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
	  "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D"
	  "4A52",
	  "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
	  "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
	  "ed3e017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4"
	  "a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3"
	  "926f9582",
	  "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
	  "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB15168"
	  "5EB9",
	  "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
	  "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
	  "460f015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d985207"
	  "7b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd1"
	  "7f0fc56a",
	  "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
	  "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3"
	  "DDEA" },
	{ IKEV2_DH_CURVE25519,
	  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	{ IKEV2_DH_CURVE448,
	  "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5"
	  "74a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
	  "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bb"
	  "c836647241d953d40c5b12da88120d53177f80e532c41fa0",
	  "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120"
	  "bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
	  "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972"
	  "fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
	  "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56"
	  "fd2464c335543936521c24403085d59a449a5037514a879d" },
};

/* RFC 3526 section 3: the 2048-bit MODP prime. */
static const char modp2048_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D"
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
	"15728E5A8AACAA68FFFFFFFFFFFFFFFF";

static const uint16_t all_groups[] = {
	IKEV2_DH_MODP_2048, IKEV2_DH_MODP_3072, IKEV2_DH_MODP_4096,
	IKEV2_DH_ECP_256, IKEV2_DH_ECP_384, IKEV2_DH_ECP_521,
	IKEV2_DH_CURVE25519, IKEV2_DH_CURVE448,
};

static struct ike_dh *dh_from(uint16_t group, const char *priv_hex,
			      const char *pub_hex)
{
	struct ike_dh *dh = ike_dh_new(group);
	struct hexbuf priv, pub;
	uint8_t got[IKE_DH_MAX_PUBLIC_LEN];

	assert_non_null(dh);
	unhex(&priv, priv_hex);
	unhex(&pub, pub_hex);
	assert_int_equal(ike_dh_set_private(dh, priv.b, priv.len), IKE_DH_OK);
	assert_int_equal(ike_dh_public_len(dh), pub.len);
	assert_int_equal(ike_dh_public(dh, got, sizeof(got)), IKE_DH_OK);
	assert_memory_equal(got, pub.b, pub.len);
	return dh;
}

static void expect_shared(struct ike_dh *dh, const char *peer_hex,
			  const char *shared_hex)
{
	struct hexbuf peer, want;
	uint8_t got[IKE_DH_MAX_SECRET_LEN];

	unhex(&peer, peer_hex);
	unhex(&want, shared_hex);
	assert_int_equal(ike_dh_secret_len(dh), want.len);
	assert_int_equal(ike_dh_derive(dh, peer.b, peer.len, got, sizeof(got)),
			 IKE_DH_OK);
	assert_memory_equal(got, want.b, want.len);
}

static void test_published_vectors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *k = &kats[i];
		struct ike_dh *a = dh_from(k->group, k->priv_i, k->pub_i);
		struct ike_dh *b = dh_from(k->group, k->priv_r, k->pub_r);

		expect_shared(a, k->pub_r, k->shared);
		expect_shared(b, k->pub_i, k->shared);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

/* Fresh key pairs in every group agree, and differ from run to run. */
static void test_generate_every_group(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(all_groups) / sizeof(all_groups[0]); i++) {
		struct ike_dh *a = ike_dh_new(all_groups[i]);
		struct ike_dh *b = ike_dh_new(all_groups[i]);
		uint8_t pa[IKE_DH_MAX_PUBLIC_LEN], pb[IKE_DH_MAX_PUBLIC_LEN];
		uint8_t sa[IKE_DH_MAX_SECRET_LEN], sb[IKE_DH_MAX_SECRET_LEN];
		size_t pl, sl;

		assert_true(ike_dh_supported(all_groups[i]));
		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(ike_dh_group(a), all_groups[i]);
		assert_non_null(ike_dh_name(a));
		pl = ike_dh_public_len(a);
		sl = ike_dh_secret_len(a);
		assert_int_equal(ike_dh_generate(a), IKE_DH_OK);
		assert_int_equal(ike_dh_generate(b), IKE_DH_OK);
		assert_int_equal(ike_dh_public(a, pa, sizeof(pa)), IKE_DH_OK);
		assert_int_equal(ike_dh_public(b, pb, sizeof(pb)), IKE_DH_OK);
		assert_memory_not_equal(pa, pb, pl);
		assert_int_equal(ike_dh_derive(a, pb, pl, sa, sizeof(sa)), 0);
		assert_int_equal(ike_dh_derive(b, pa, pl, sb, sizeof(sb)), 0);
		assert_memory_equal(sa, sb, sl);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

static void test_unsupported_and_state(void **state)
{
	static const uint16_t unsupported[] = { 0, 1, 2, 5, 17, 18, 25, 26,
						28, 33, 0xffff };
	struct ike_dh *dh = ike_dh_new(IKEV2_DH_ECP_256);
	uint8_t buf[IKE_DH_MAX_SECRET_LEN];
	struct hexbuf peer;
	size_t i;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		assert_false(ike_dh_supported(unsupported[i]));
		assert_null(ike_dh_new(unsupported[i]));
	}
	unhex(&peer, kats[0].pub_r);
	/* no key pair yet */
	assert_int_equal(ike_dh_public(dh, buf, sizeof(buf)), IKE_DH_ERR_STATE);
	assert_int_equal(ike_dh_derive(dh, peer.b, peer.len, buf, sizeof(buf)),
			 IKE_DH_ERR_STATE);
	assert_int_equal(ike_dh_generate(dh), IKE_DH_OK);
	/* buffers too small */
	assert_int_equal(ike_dh_public(dh, buf, 63), IKE_DH_ERR_STATE);
	assert_int_equal(ike_dh_derive(dh, peer.b, peer.len, buf, 31),
			 IKE_DH_ERR_STATE);
	/* a private value of the wrong size for a curve, and zero */
	ike_dh_free(dh);
	dh = ike_dh_new(IKEV2_DH_CURVE25519);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(ike_dh_set_private(dh, buf, 31), IKE_DH_ERR_VALUE);
	assert_int_equal(ike_dh_set_private(dh, buf, 0), IKE_DH_ERR_LENGTH);
	ike_dh_free(dh);
	dh = ike_dh_new(IKEV2_DH_MODP_2048);
	assert_int_equal(ike_dh_set_private(dh, buf, 32), IKE_DH_ERR_VALUE);
	ike_dh_free(dh);
	assert_string_equal(ike_dh_strerror(IKE_DH_ERR_VALUE),
			    "invalid key exchange value");
	ike_dh_free(NULL);
}

/* Derives with a bad peer value: err expected, the output wiped. */
static void expect_reject(struct ike_dh *dh, const uint8_t *peer,
			  size_t len, int err)
{
	uint8_t out[IKE_DH_MAX_SECRET_LEN];

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(ike_dh_derive(dh, peer, len, out, sizeof(out)), err);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[ike_dh_secret_len(dh) - 1], 0);
}

static void test_wrong_lengths(void **state)
{
	uint8_t peer[IKE_DH_MAX_PUBLIC_LEN + 1] = { 0 };
	size_t i;

	for (i = 0; i < sizeof(all_groups) / sizeof(all_groups[0]); i++) {
		struct ike_dh *dh = ike_dh_new(all_groups[i]);
		size_t len = ike_dh_public_len(dh);

		assert_int_equal(ike_dh_generate(dh), IKE_DH_OK);
		assert_int_equal(ike_dh_public(dh, peer, sizeof(peer)), 0);
		expect_reject(dh, peer, len - 1, IKE_DH_ERR_LENGTH);
		expect_reject(dh, peer, len + 1, IKE_DH_ERR_LENGTH);
		expect_reject(dh, peer, 0, IKE_DH_ERR_LENGTH);
		ike_dh_free(dh);
	}
}

static void test_modp_range(void **state)
{
	struct ike_dh *dh = ike_dh_new(IKEV2_DH_MODP_2048);
	struct hexbuf p, y;

	assert_int_equal(ike_dh_generate(dh), IKE_DH_OK);
	unhex(&p, modp2048_p);
	assert_int_equal(p.len, 256);
	memset(y.b, 0, 256);
	expect_reject(dh, y.b, 256, IKE_DH_ERR_VALUE);		/* 0 */
	y.b[255] = 1;
	expect_reject(dh, y.b, 256, IKE_DH_ERR_VALUE);		/* 1 */
	memcpy(y.b, p.b, 256);
	y.b[255] -= 1;
	expect_reject(dh, y.b, 256, IKE_DH_ERR_VALUE);		/* p - 1 */
	y.b[255] += 1;
	expect_reject(dh, y.b, 256, IKE_DH_ERR_VALUE);		/* p */
	memset(y.b, 0xff, 256);
	expect_reject(dh, y.b, 256, IKE_DH_ERR_VALUE);		/* > p */
	memset(y.b, 0, 256);
	y.b[255] = 2;						/* g: valid */
	assert_int_equal(ike_dh_derive(dh, y.b, 256, p.b, sizeof(p.b)), 0);
	ike_dh_free(dh);
}

static void test_ecp_not_on_curve(void **state)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		struct ike_dh *dh = ike_dh_new(kats[i].group);
		struct hexbuf peer;

		assert_int_equal(ike_dh_generate(dh), IKE_DH_OK);
		unhex(&peer, kats[i].pub_r);
		peer.b[peer.len - 1] ^= 1;		/* y off by one bit */
		expect_reject(dh, peer.b, peer.len, IKE_DH_ERR_VALUE);
		peer.b[peer.len - 1] ^= 1;
		peer.b[0] ^= 0x10;			/* x changed */
		expect_reject(dh, peer.b, peer.len, IKE_DH_ERR_VALUE);
		memset(peer.b, 0, peer.len);		/* (0, 0) */
		expect_reject(dh, peer.b, peer.len, IKE_DH_ERR_VALUE);
		memset(peer.b, 0xff, peer.len);		/* coordinates >= p */
		expect_reject(dh, peer.b, peer.len, IKE_DH_ERR_VALUE);
		ike_dh_free(dh);
	}
}

/* Low-order points give an all-zero X25519/X448 result (RFC 8031 2.3). */
static void test_curve_zero_result(void **state)
{
	struct ike_dh *x25519 = ike_dh_new(IKEV2_DH_CURVE25519);
	struct ike_dh *x448 = ike_dh_new(IKEV2_DH_CURVE448);
	uint8_t u[56] = { 0 };

	assert_int_equal(ike_dh_generate(x25519), IKE_DH_OK);
	assert_int_equal(ike_dh_generate(x448), IKE_DH_OK);
	expect_reject(x25519, u, 32, IKE_DH_ERR_VALUE);		/* u = 0 */
	expect_reject(x448, u, 56, IKE_DH_ERR_VALUE);
	u[0] = 1;						/* u = 1 */
	expect_reject(x25519, u, 32, IKE_DH_ERR_VALUE);
	expect_reject(x448, u, 56, IKE_DH_ERR_VALUE);
	ike_dh_free(x25519);
	ike_dh_free(x448);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_vectors),
		cmocka_unit_test(test_generate_every_group),
		cmocka_unit_test(test_unsupported_and_state),
		cmocka_unit_test(test_wrong_lengths),
		cmocka_unit_test(test_modp_range),
		cmocka_unit_test(test_ecp_not_on_curve),
		cmocka_unit_test(test_curve_zero_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
