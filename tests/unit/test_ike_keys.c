// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Known answers for ike/keys.c. The expected bytes were computed with an
 * independent Python implementation of the RFC 7296 formulas (hmac and
 * hashlib, the reference in tests/test_ike_keys.py, which cross-checks
 * many more cases) from the patterned inputs below: IKE SA keys for
 * aes256gcm16-prfsha384, Child SA keys with PFS, and the PSK AUTH value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ikev2.h"
#include "ike/keys.h"
#include "unit_hex.h"

/* Ni = 10..2f, Nr = 80..9f, g^ir = 32 x 5a, SPIs below. */
static uint8_t ni_b[32], nr_b[32], gir_b[32];
static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t spi_r[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				  0xa8 };
static struct xs_buf ni = { ni_b, 32 }, nr = { nr_b, 32 }, gir = { gir_b, 32 };

static const char skeyseed_hex[] =
	"36a2d27519601190cbda835f00b0974cecb67835daaef68eba1f2961466a7e73"
	"54309c7d616abccc9f68a388a0ff002b";
/* SK_d (48) | SK_ei (36) | SK_er (36) | SK_pi (48) | SK_pr (48) */
static const char sa_keymat_hex[] =
	"3e34de87c1f6f857e3b33cb011124786f5b844277cb0b18b8dadb63b7526647c"
	"4806110cbe4193648de056e3ea2a24a9f7799d713bac8562dbfb6e39520b5c76"
	"62bb343b8df0e2a2cfcdeb90ac82f6e561a82dc5973fdad9e0a7f57b3094e5ed"
	"7d9b42ed9998786aa61695af6b93ba6828bc02cfef80a775fff7561807c48a28"
	"b1916c3a73959afbb8343a02d4a1dd568f67c9d78448a3cd0cccd2f326bb3eb6"
	"f0ed451f0d8ae5ec239d6b40f135defa88bab2c411aa12e80845fb5d63d0080f"
	"a3f63af4d0ce9ad751f2a4763cd5ec73eff7a67a7ec4b145";
/* KEYMAT = prf+(SK_d, g^ir | Ni | Nr): encr_i (36) | encr_r (36) */
static const char child_pfs_hex[] =
	"65fbb6278cef02e596a09301dc3d77a5eac235b5461248244c903f85ebc09707"
	"a84f1f850e20c0733373ab1d118a2613a316076da1e9e9ebab07368652a46e43"
	"9de11a5be7501cb3";
/* PSK "secret", message "IKE_SA_INIT" x 3, ID_IPV4_ADDR 192.0.2.1 */
static const char auth_hex[] =
	"0106ca6ff3bd649ec65ff4cff9d43ea6c8c839e773de057b6bc23c5a73f50156"
	"a79d55a265d4395c14e90d3a8a251b74";

static int setup(void **state)
{
	int i;

	for (i = 0; i < 32; i++) {
		ni_b[i] = (uint8_t)(0x10 + i);
		nr_b[i] = (uint8_t)(0x80 + i);
		gir_b[i] = 0x5a;
	}
	return 0;
}

static void derive_gcm_sha384(struct ike_sa_keys *k)
{
	struct ike_key_lens lens;
	uint8_t seed[IKE_PRF_MAX_LEN];
	struct hexbuf want;

	assert_int_equal(ike_key_lens(IKEV2_ENCR_AES_GCM_16, 256,
				      IKEV2_INTEG_NONE, &lens), 0);
	assert_int_equal(lens.encr, 36);
	assert_int_equal(lens.integ, 0);
	assert_int_equal(ike_skeyseed(IKEV2_PRF_HMAC_SHA2_384, &ni, &nr, &gir,
				      seed), 48);
	unhex(&want, skeyseed_hex);
	assert_memory_equal(seed, want.b, 48);
	assert_int_equal(ike_sa_keys_derive(IKEV2_PRF_HMAC_SHA2_384, seed, 48,
					    &ni, &nr, spi_i, spi_r, &lens, k),
			 0);
}

static void test_sa_keys(void **state)
{
	struct ike_sa_keys k;
	struct hexbuf km;

	derive_gcm_sha384(&k);
	unhex(&km, sa_keymat_hex);
	assert_int_equal(k.prf_len, 48);
	assert_memory_equal(k.sk_d, km.b, 48);
	assert_memory_equal(k.sk_ei, km.b + 48, 36);
	assert_memory_equal(k.sk_er, km.b + 84, 36);
	assert_memory_equal(k.sk_pi, km.b + 120, 48);
	assert_memory_equal(k.sk_pr, km.b + 168, 48);
	ike_sa_keys_wipe(&k);
	assert_int_equal(k.sk_d[0] | k.sk_pr[47] | k.sk_ei[35], 0);
}

static void test_child_keys_pfs(void **state)
{
	struct ike_sa_keys sa;
	struct ike_child_keys c;
	struct ike_key_lens lens = { 36, 0 };
	struct hexbuf want;

	derive_gcm_sha384(&sa);
	assert_int_equal(ike_child_keys_derive(&sa, &gir, &ni, &nr, &lens, &c),
			 0);
	unhex(&want, child_pfs_hex);
	assert_memory_equal(c.encr_i, want.b, 36);
	assert_memory_equal(c.encr_r, want.b + 36, 36);
	ike_child_keys_wipe(&c);
	ike_sa_keys_wipe(&sa);
}

static void test_psk_auth(void **state)
{
	static const uint8_t id[] = { 1, 0, 0, 0, 192, 0, 2, 1 };
	static const char msg[] = "IKE_SA_INITIKE_SA_INITIKE_SA_INIT";
	struct ike_sa_keys sa;
	struct ike_signed_octets so;
	uint8_t out[IKE_PRF_MAX_LEN];
	struct hexbuf want;

	derive_gcm_sha384(&sa);
	so.msg = (struct xs_buf){ (const uint8_t *)msg, sizeof(msg) - 1 };
	so.nonce = nr;
	so.id = (struct xs_buf){ id, sizeof(id) };
	so.sk_p = sa.sk_pi;
	so.sk_p_len = sa.prf_len;
	assert_int_equal(ike_auth_psk(IKEV2_PRF_HMAC_SHA2_384,
				      (const uint8_t *)"secret", 6, &so, out),
			 48);
	unhex(&want, auth_hex);
	assert_memory_equal(out, want.b, 48);
	assert_true(ike_auth_psk_verify(IKEV2_PRF_HMAC_SHA2_384,
					(const uint8_t *)"secret", 6, &so,
					want.b, 48));
	want.b[47] ^= 0x80;
	assert_false(ike_auth_psk_verify(IKEV2_PRF_HMAC_SHA2_384,
					 (const uint8_t *)"secret", 6, &so,
					 want.b, 48));
	assert_false(ike_auth_psk_verify(IKEV2_PRF_HMAC_SHA2_384,
					 (const uint8_t *)"secret", 6, &so,
					 NULL, 0));
	so.sk_p = NULL;
	assert_int_equal(ike_auth_psk(IKEV2_PRF_HMAC_SHA2_384,
				      (const uint8_t *)"secret", 6, &so, out),
			 0);
	ike_sa_keys_wipe(&sa);
}

static void test_invalid(void **state)
{
	struct ike_key_lens lens = { 36, 0 }, big = { 37, 0 };
	struct ike_sa_keys sa;
	struct ike_child_keys c;
	struct xs_buf short_nonce = { ni_b, 15 }, empty = { gir_b, 0 };
	uint8_t out[255 * 20 + 1];

	assert_int_equal(ike_prf_len(IKEV2_PRF_AES128_XCBC), 0);
	assert_int_equal(ike_prf_plus(IKEV2_PRF_HMAC_SHA1, gir_b, 32, ni_b, 32,
				      out, sizeof(out)), -1);
	assert_int_equal(ike_prf_plus(IKEV2_PRF_HMAC_SHA1, gir_b, 32, ni_b, 32,
				      out, sizeof(out) - 1), 0);
	assert_int_equal(ike_skeyseed(IKEV2_PRF_HMAC_SHA2_256, &short_nonce,
				      &nr, &gir, out), 0);
	assert_int_equal(ike_skeyseed(IKEV2_PRF_HMAC_SHA2_256, &ni, &nr,
				      &empty, out), 0);
	assert_int_equal(ike_sa_keys_derive(IKEV2_PRF_HMAC_SHA2_256, gir_b, 32,
					    &ni, &nr, spi_i, spi_r, &big, &sa),
			 -1);
	derive_gcm_sha384(&sa);
	assert_int_equal(ike_child_keys_derive(&sa, &empty, &ni, &nr, &lens,
					       &c), -1);
	assert_int_equal(ike_child_keys_derive(&sa, NULL, &short_nonce, &nr,
					       &lens, &c), -1);
	ike_sa_keys_wipe(&sa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_keys),
		cmocka_unit_test(test_child_keys_pfs),
		cmocka_unit_test(test_psk_auth),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
