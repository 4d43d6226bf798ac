// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Unit tests of certificate authentication (ike/sig_alg.c, auth_sig.c,
 * cred.c, ca.c, id.c, cert.c) with the keys of ike_auth_pki.h: RFC 7427
 * AlgorithmIdentifiers both ways and refused ones, the hash notify, AUTH
 * round trips for every method with each key, every truncation and every
 * bit flip of an AUTH payload refused (each from an exact-size heap copy,
 * so ASan sees over-reads), chain checks at chosen times, identities.
 * Independent cross-checks (python3-cryptography) are in
 * tests/test_ike_auth.py.
 */
#include <stdio.h>
#include <unistd.h>

#include "ike/auth_sig.h"
#include "ike/sig_alg.h"
#include "ike_auth_pki.h"
#include "unit_hex.h"

enum { P256, RSA, ED25519, NKEYS };

static char dir[] = "/tmp/ike_auth_unit.XXXXXX";
static char key_path[NKEYS][64], crt_path[NKEYS][64];
static struct ike_cred *cred[NKEYS];
static struct ike_cert *crt[NKEYS];
static struct ike_err err;

static const uint8_t msg_b[] = "IKE_SA_INIT request as sent, some bytes";
static const uint8_t nonce_b[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t id_b[] = { IKEV2_ID_FQDN, 0, 0, 0, 'g', 'w' };
static const uint8_t skp_b[32] = { 0x5a, 0xa5 };
static const struct ike_signed_octets so = {
	{ msg_b, sizeof(msg_b) }, { nonce_b, sizeof(nonce_b) },
	{ id_b, sizeof(id_b) }, skp_b, sizeof(skp_b),
};

static void write_file(char *path, const char *name, const char *text)
{
	FILE *f;

	snprintf(path, 64, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
}

static int setup(void **state)
{
	static const char *const keys[NKEYS] = { p256_key, rsa_key, ed_key };
	static const char *const pems[NKEYS] = { p256_pem, rsa_pem, ed_pem };
	struct ike_cert *c[1];
	int i;

	if (!mkdtemp(dir))
		return -1;
	for (i = 0; i < NKEYS; i++) {
		char kn[16], cn[16];

		snprintf(kn, sizeof(kn), "%d.key", i);
		snprintf(cn, sizeof(cn), "%d.pem", i);
		write_file(key_path[i], kn, keys[i]);
		write_file(crt_path[i], cn, pems[i]);
		cred[i] = ike_cred_new();
		if (ike_cred_load_key(cred[i], key_path[i], &err) ||
		    ike_cred_load_certs(cred[i], crt_path[i], &err) ||
		    ike_cred_check(cred[i], &err) ||
		    ike_cert_load_file(crt_path[i], c, 1, &err) != 1)
			return -1;
		crt[i] = c[0];
	}
	return 0;
}

static int teardown(void **state)
{
	int i;

	for (i = 0; i < NKEYS; i++) {
		ike_cred_free(cred[i]);
		ike_cert_free(crt[i]);
		unlink(key_path[i]);
		unlink(crt_path[i]);
	}
	rmdir(dir);
	return 0;
}

/* ---- AlgorithmIdentifiers ------------------------------------------------ */

static void expect_decoded(const char *hex, enum ike_sig_scheme scheme,
			   uint8_t hash, uint16_t salt)
{
	struct ike_sig_alg alg;
	struct hexbuf h;
	uint8_t *copy;

	unhex(&h, hex);
	copy = malloc(h.len);
	memcpy(copy, h.b, h.len);
	assert_int_equal(ike_sig_alg_decode(copy, h.len, &alg, &err), 0);
	free(copy);
	assert_int_equal(alg.scheme, scheme);
	assert_int_equal(alg.hash, hash);
	assert_int_equal(alg.salt_len, salt);
}

static void expect_refused_alg(const char *hex)
{
	struct ike_sig_alg alg;
	struct hexbuf h;
	uint8_t *copy;

	unhex(&h, hex);
	copy = malloc(h.len ? h.len : 1);
	memcpy(copy, h.b, h.len);
	assert_int_equal(ike_sig_alg_decode(copy, h.len, &alg, &err), -1);
	free(copy);
	assert_int_equal(err.notify, IKEV2_N_AUTHENTICATION_FAILED);
	assert_non_null(strstr(err.reason, "not accepted"));
}

static void test_sig_alg_decode(void **state)
{
	/* sha256/384/512WithRSAEncryption, NULL and absent parameters */
	expect_decoded("300d06092a864886f70d01010b0500", IKE_SIG_RSA_PKCS1,
		       IKEV2_HASH_SHA2_256, 0);
	expect_decoded("300d06092a864886f70d01010c0500", IKE_SIG_RSA_PKCS1,
		       IKEV2_HASH_SHA2_384, 0);
	expect_decoded("300b06092a864886f70d01010d", IKE_SIG_RSA_PKCS1,
		       IKEV2_HASH_SHA2_512, 0);
	/* ecdsa-with-SHA256/384/512, Ed25519 */
	expect_decoded("300a06082a8648ce3d040302", IKE_SIG_ECDSA,
		       IKEV2_HASH_SHA2_256, 0);
	expect_decoded("300a06082a8648ce3d040304", IKE_SIG_ECDSA,
		       IKEV2_HASH_SHA2_512, 0);
	expect_decoded("300506032b6570", IKE_SIG_ED25519, IKEV2_HASH_IDENTITY,
		       0);
	/* PSS SHA-256, salt 32, trailer field written out (RFC 7427 A.4 style) */
	expect_decoded("304606092a864886f70d01010a3039a00f300d06096086480165030402"
		       "010500a11c301a06092a864886f70d010108300d060960864801650304"
		       "02010500a203020120a303020101", IKE_SIG_RSA_PSS,
		       IKEV2_HASH_SHA2_256, 32);
	/* PSS SHA-384 without NULLs, default salt length (20) */
	expect_decoded("303806092a864886f70d01010a302ba00d300b0609608648016503040202"
		       "a11a301806092a864886f70d010108300b0609608648016503040202",
		       IKE_SIG_RSA_PSS, IKEV2_HASH_SHA2_384, 20);
}

static void test_sig_alg_refused(void **state)
{
	/* RSASSA-PSS with default (SHA-1) parameters: RFC 7427 A.4.2, as
	 * quoted in RFC errata 4295; SHA-1 is not allowed (RFC 8247) */
	expect_refused_alg("303e06092a864886f70d01010a3031a00b300906052b0e03021a0500"
			   "a118301606092a864886f70d010108300906052b0e03021a0500"
			   "a203020114a303020101");
	expect_refused_alg("300d06092a864886f70d0101050500");	/* sha1WithRSA */
	expect_refused_alg("300c06082a8648ce3d0403020500");	/* ECDSA + NULL */
	expect_refused_alg("300706032b65700500");		/* Ed25519 + NULL */
	expect_refused_alg("300d06092a864886f70d01010a0500");	/* PSS + NULL */
	/* PSS, MGF1 over SHA-384 for SHA-256; trailer field 2 */
	expect_refused_alg("304106092a864886f70d01010a3034a00f300d0609608648016503"
			   "0402010500a11c301a06092a864886f70d010108300d0609608648"
			   "016503040202" "0500a203020120");
	expect_refused_alg("304606092a864886f70d01010a3039a00f300d0609608648016503"
			   "0402010500a11c301a06092a864886f70d010108300d0609608648"
			   "016503040201" "0500a203020120a303020102");
	expect_refused_alg("300406022a03");		/* unknown OID */
	expect_refused_alg("300d06092a864886f70d01010b050000");	/* trailing */
	expect_refused_alg("300d06092a864886f70d01010b05");	/* truncated */
	expect_refused_alg("");
}

static void test_sig_alg_encode(void **state)
{
	static const struct { enum ike_key_kind kind; bool pss; uint32_t peer;
			      const char *der; } cases[] = {
		{ IKE_KEY_RSA, false, IKE_HASHES_OURS,
		  "300d06092a864886f70d01010b0500" },
		{ IKE_KEY_RSA, false, IKE_HASH_BIT(IKEV2_HASH_SHA2_512),
		  "300d06092a864886f70d01010d0500" },
		{ IKE_KEY_RSA, true, IKE_HASHES_OURS,
		  "304106092a864886f70d01010a3034a00f300d06096086480165030402"
		  "010500a11c301a06092a864886f70d010108300d0609608648016503"
		  "0402010500a203020120" },
		{ IKE_KEY_P256, false, IKE_HASHES_OURS, "300a06082a8648ce3d040302" },
		{ IKE_KEY_P384, false, IKE_HASHES_OURS, "300a06082a8648ce3d040303" },
		{ IKE_KEY_P521, false, IKE_HASHES_OURS, "300a06082a8648ce3d040304" },
		{ IKE_KEY_P521, false, IKE_HASH_BIT(IKEV2_HASH_SHA2_256),
		  "300a06082a8648ce3d040302" },
		{ IKE_KEY_ED25519, false, IKE_HASHES_OURS, "300506032b6570" },
	};
	struct ike_sig_alg alg, back;
	uint8_t out[80];
	struct hexbuf want;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ike_sig_alg_choose(cases[i].kind, cases[i].peer,
						    cases[i].pss, &alg), 0);
		n = ike_sig_alg_encode(&alg, out, sizeof(out));
		unhex(&want, cases[i].der);
		assert_int_equal(n, want.len);
		assert_memory_equal(out, want.b, n);
		assert_int_equal(ike_sig_alg_decode(out, n, &back, &err), 0);
		assert_memory_equal(&alg, &back, sizeof(alg));
		assert_true(ike_sig_alg_fits(&alg, cases[i].kind));
		assert_int_equal(ike_sig_alg_encode(&alg, out, n - 1), 0);
	}
	assert_int_equal(ike_sig_alg_choose(IKE_KEY_ED25519,
					    IKE_HASH_BIT(IKEV2_HASH_SHA2_256),
					    false, &alg), -1);
	assert_int_equal(ike_sig_alg_choose(IKE_KEY_RSA,
					    IKE_HASH_BIT(IKEV2_HASH_SHA1), false,
					    &alg), -1);
	assert_int_equal(ike_sig_alg_choose(IKE_KEY_NONE, IKE_HASHES_OURS,
					    false, &alg), -1);
}

static void test_hash_notify(void **state)
{
	uint8_t out[8], odd[3] = { 0, 2, 0 };
	struct ike_span s = { out, 0 };
	uint32_t set;

	assert_int_equal(ike_sig_hash_notify(out, 7), 0);
	s.len = ike_sig_hash_notify(out, sizeof(out));
	assert_int_equal(s.len, 8);
	assert_int_equal(ike_sig_hash_parse(&s, &set, &err), 0);
	assert_int_equal(set, IKE_HASHES_OURS);
	s.ptr = odd;
	s.len = 3;
	assert_int_equal(ike_sig_hash_parse(&s, &set, &err), -1);
	assert_int_equal(err.notify, IKEV2_N_INVALID_SYNTAX);
}

/* ---- AUTH round trips and refusals ------------------------------------- */

/* The AUTH payload as the codec would see it, in exact-size heap copies. */
static int verify_copy(int k, uint8_t method, const uint8_t *data, size_t len)
{
	struct ike_auth_pld a = { .method = method };
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, data, len);
	a.data.ptr = copy;
	a.data.len = len;
	if (method == IKEV2_AUTH_DIGITAL_SIGNATURE &&
	    (!len || (size_t)copy[0] + 1 >= len)) {
		free(copy);	/* the codec refuses these (validate_auth) */
		return -1;
	}
	if (method == IKEV2_AUTH_DIGITAL_SIGNATURE) {
		a.sig_alg.ptr = copy + 1;
		a.sig_alg.len = copy[0];
		a.sig.ptr = copy + 1 + copy[0];
		a.sig.len = len - 1 - copy[0];
	}
	rc = ike_auth_sig_verify(crt[k], IKEV2_PRF_HMAC_SHA2_256, &so, &a, &err);
	free(copy);
	return rc;
}

static void round_trip(int k, uint32_t peer, bool pss, uint8_t want_method)
{
	struct ike_auth_data a;
	size_t i;

	assert_int_equal(ike_auth_sig_make(cred[k], IKEV2_PRF_HMAC_SHA2_256,
					   &so, peer, pss, &a, &err), 0);
	assert_int_equal(a.method, want_method);
	assert_int_equal(verify_copy(k, a.method, a.data, a.len), 0);
	for (i = 0; i < a.len; i++)
		assert_int_equal(verify_copy(k, a.method, a.data, i), -1);
	for (i = 0; i < a.len * 8; i += 7) {
		a.data[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_equal(verify_copy(k, a.method, a.data, a.len), -1);
		a.data[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	/* another key's certificate */
	assert_int_equal(verify_copy((k + 1) % NKEYS, a.method, a.data, a.len),
			 -1);
	assert_int_equal(err.notify, IKEV2_N_AUTHENTICATION_FAILED);
}

static void test_auth_round_trips(void **state)
{
	round_trip(P256, IKE_HASHES_OURS, false, IKEV2_AUTH_DIGITAL_SIGNATURE);
	round_trip(P256, 0, false, IKEV2_AUTH_ECDSA_SHA256_P256);
	round_trip(RSA, IKE_HASHES_OURS, false, IKEV2_AUTH_DIGITAL_SIGNATURE);
	round_trip(RSA, IKE_HASH_BIT(IKEV2_HASH_SHA2_384), true,
		   IKEV2_AUTH_DIGITAL_SIGNATURE);
	round_trip(RSA, 0, false, IKEV2_AUTH_RSA_SIG);
	round_trip(ED25519, IKE_HASHES_OURS, false,
		   IKEV2_AUTH_DIGITAL_SIGNATURE);
}

static void test_auth_refusals(void **state)
{
	struct ike_auth_data a;
	struct ike_auth_pld p = { .method = IKEV2_AUTH_SHARED_KEY_MIC };

	assert_int_equal(ike_auth_sig_make(cred[ED25519], IKEV2_PRF_HMAC_SHA2_256,
					   &so, 0, false, &a, &err), -1);
	assert_non_null(strstr(err.reason, "no signature method for Ed25519"));
	/* a PSK payload against a certificate */
	p.data.ptr = skp_b;
	p.data.len = 32;
	assert_int_equal(ike_auth_sig_verify(crt[P256], IKEV2_PRF_HMAC_SHA2_256,
					     &so, &p, &err), -1);
	assert_non_null(strstr(err.reason, "not supported"));
	/* a P-256 signature presented with method 10 (P-384) */
	assert_int_equal(ike_auth_sig_make(cred[P256], IKEV2_PRF_HMAC_SHA2_256,
					   &so, 0, false, &a, &err), 0);
	assert_int_equal(verify_copy(P256, IKEV2_AUTH_ECDSA_SHA384_P384, a.data,
				     a.len), -1);
	assert_non_null(strstr(err.reason, "does not fit"));
	/* the unknown PRF: nothing to sign */
	assert_int_equal(ike_auth_sig_make(cred[P256], 99, &so, 0, false, &a,
					   &err), -1);
}

/* ---- chains and identities ------------------------------------------------ */

static struct ike_cert *chain(int k, time_t now)
{
	struct ike_cert_pld pld = { .encoding = IKEV2_CERT_X509_SIGNATURE };
	struct ike_ca *ca = ike_ca_new();
	struct ike_cert *c;

	assert_int_equal(ike_ca_load(ca, crt_path[k], &err), 0);
	pld.data = ike_cert_der(crt[k]);
	c = ike_ca_verify(ca, &pld, 1, now, &err);
	ike_ca_free(ca);
	return c;
}

static void test_chain_times(void **state)
{
	struct ike_cert *c = chain(P256, 0);

	assert_non_null(c);
	ike_cert_free(c);
	assert_null(chain(P256, 1000000000));	/* 2001 */
	assert_non_null(strstr(err.reason, "not yet valid"));
	assert_null(chain(RSA, (time_t)5000000000LL));	/* 2128 */
	assert_non_null(strstr(err.reason, "expired"));
	assert_non_null(strstr(err.reason, "CN=rsa.example.org"));
}

static void test_identities(void **state)
{
	struct ike_id_cfg id, cfg;
	char buf[IKE_ID_STR_MAX];
	uint8_t body[8];

	assert_int_equal(ike_id_local(crt[P256], &(struct ike_id_cfg){ 0 }, &id,
				      &err), 0);
	ike_id_format(&id, buf, sizeof(buf));
	assert_string_equal(buf, "C=CH, O=xdpsec unit, CN=p256.example.org");
	assert_int_equal(ike_id_parse("192.0.2.9", &cfg, &err), 0);
	assert_int_equal(ike_id_cert_match(crt[P256], &cfg, &err), 0);
	assert_int_equal(ike_id_body(&cfg, body, 7), 0);
	assert_int_equal(ike_id_body(&cfg, body, sizeof(body)), 8);
	assert_memory_equal(body, ((uint8_t[]){ 1, 0, 0, 0, 192, 0, 2, 9 }), 8);
	assert_int_equal(ike_id_parse("rsa@example.org", &cfg, &err), 0);
	assert_int_equal(ike_id_cert_match(crt[RSA], &cfg, &err), 0);
	assert_int_equal(ike_id_cert_match(crt[P256], &cfg, &err), -1);
	assert_non_null(strstr(err.reason, "ID mismatch"));
	/* a tiny buffer still ends in a NUL */
	ike_id_format(&id, buf, 5);
	assert_string_equal(buf, "C=CH");
	assert_true(ike_id_match(&id, &(struct ike_id_cfg){ 0 }));
	assert_false(ike_id_match(&cfg, &id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_alg_decode),
		cmocka_unit_test(test_sig_alg_refused),
		cmocka_unit_test(test_sig_alg_encode),
		cmocka_unit_test(test_hash_notify),
		cmocka_unit_test(test_auth_round_trips),
		cmocka_unit_test(test_auth_refusals),
		cmocka_unit_test(test_chain_times),
		cmocka_unit_test(test_identities),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
