// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike/cookie.c: the cookie's bytes against HMAC-SHA2-256 computed with
 * Python's hmac/hashlib (secret 00..1f, Ni 10..2f, SPIi 0102030405060708,
 * IPi 192.0.2.7 and 2001:db8::7), refusal of any changed byte, input or
 * length, secret rotation with its grace period, and the responder's
 * check: below the threshold everything passes, at it a request without a
 * valid cookie gets exactly a COOKIE response with a zero responder SPI.
 */
#include "ike/cookie.h"
#include "ike/proposal.h"
#include "unit_hex.h"

static uint8_t ni_b[32];
static const struct ike_span ni = { ni_b, sizeof(ni_b) };
static const struct ike_addr ip4 = { .len = 4, .addr = { 192, 0, 2, 7 },
				     .port = 500 };
static const struct ike_addr ip6 = {
	.len = 16, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 }, .port = 500 };
static const uint64_t spi = 0x0102030405060708ull;
static struct ike_cookies jar;
static struct ike_buf req, resp;

static const char hash4_hex[] =
	"4e723865fcef8ccbbc184e6ab93d01756a1f6bda356c2ad8ba214f84fd427cb4";
static const char hash6_hex[] =
	"d05c57d3ee2e2ae8989c3233f8982e7251f20ae9ecdacf3dd8ab655a8630011c";

static int setup(void **state)
{
	for (int i = 0; i < 32; i++)
		ni_b[i] = (uint8_t)(0x10 + i);
	return 0;
}

/* A jar with the known secret 00..1f as version 5 at time 1000. */
static void known_jar(uint32_t threshold)
{
	assert_int_equal(ike_cookies_init(&jar, threshold, 60000, 10000, 1000),
			 0);
	for (int i = 0; i < IKE_COOKIE_SECRET_LEN; i++)
		jar.secret[i] = (uint8_t)i;
	jar.version = 5;
}

static void test_known_answer(void **state)
{
	uint8_t c[IKE_COOKIE_LEN];
	struct hexbuf want;

	known_jar(0);
	assert_int_equal(ike_cookie_make(&jar, &ni, &ip4, spi, c), 0);
	unhex(&want, hash4_hex);
	assert_int_equal(c[0], 5);
	assert_memory_equal(c + 1, want.b, IKE_COOKIE_HASH_LEN);
	assert_true(ike_cookie_valid(&jar, &ni, &ip4, spi, c, sizeof(c), 1000));
	assert_int_equal(ike_cookie_make(&jar, &ni, &ip6, spi, c), 0);
	unhex(&want, hash6_hex);
	assert_memory_equal(c + 1, want.b, IKE_COOKIE_HASH_LEN);
	assert_true(ike_cookie_valid(&jar, &ni, &ip6, spi, c, sizeof(c), 1000));
	ike_cookies_wipe(&jar);
}

static void test_refusals(void **state)
{
	uint8_t c[IKE_COOKIE_LEN], bad[IKE_COOKIE_LEN + 1];
	struct ike_span short_ni = { ni_b, 31 };
	struct ike_addr other = ip4;

	known_jar(0);
	assert_int_equal(ike_cookie_make(&jar, &ni, &ip4, spi, c), 0);
	for (size_t i = 0; i < sizeof(c); i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(bad, c, sizeof(c));
			bad[i] ^= (uint8_t)(1 << bit);
			assert_false(ike_cookie_valid(&jar, &ni, &ip4, spi, bad,
						      sizeof(c), 1000));
		}
	}
	memcpy(bad, c, sizeof(c));
	bad[sizeof(c)] = 0;
	assert_false(ike_cookie_valid(&jar, &ni, &ip4, spi, bad, sizeof(bad),
				      1000));
	assert_false(ike_cookie_valid(&jar, &ni, &ip4, spi, c, sizeof(c) - 1,
				      1000));
	assert_false(ike_cookie_valid(&jar, &ni, &ip4, spi + 1, c, sizeof(c),
				      1000));
	assert_false(ike_cookie_valid(&jar, &short_ni, &ip4, spi, c, sizeof(c),
				      1000));
	other.addr[3] = 8;
	assert_false(ike_cookie_valid(&jar, &ni, &other, spi, c, sizeof(c),
				      1000));
	assert_false(ike_cookie_valid(&jar, &ni, &ip6, spi, c, sizeof(c),
				      1000));
	/* The port is not part of it: a NAT may move the initiator. */
	other = ip4;
	other.port = 4500;
	assert_true(ike_cookie_valid(&jar, &ni, &other, spi, c, sizeof(c),
				     1000));
	ike_cookies_wipe(&jar);
}

static void test_rotation(void **state)
{
	uint8_t old[IKE_COOKIE_LEN], cur[IKE_COOKIE_LEN];

	known_jar(0);
	assert_int_equal(ike_cookie_make(&jar, &ni, &ip4, spi, old), 0);
	assert_int_equal(ike_cookies_rotate(&jar, 60999), 0);
	assert_int_equal(jar.version, 5);
	assert_int_equal(ike_cookies_rotate(&jar, 61000), 0);
	assert_int_equal(jar.version, 6);
	assert_memory_not_equal(jar.secret, jar.prev, IKE_COOKIE_SECRET_LEN);
	assert_int_equal(ike_cookie_make(&jar, &ni, &ip4, spi, cur), 0);
	assert_int_equal(cur[0], 6);
	assert_memory_not_equal(cur + 1, old + 1, IKE_COOKIE_HASH_LEN);
	/* the previous secret within its grace period, not after */
	assert_true(ike_cookie_valid(&jar, &ni, &ip4, spi, old, sizeof(old),
				     70999));
	assert_false(ike_cookie_valid(&jar, &ni, &ip4, spi, old, sizeof(old),
				      71000));
	assert_true(ike_cookie_valid(&jar, &ni, &ip4, spi, cur, sizeof(cur),
				     71000));
	/* a cookie naming a version never issued */
	cur[0] = 7;
	assert_false(ike_cookie_valid(&jar, &ni, &ip4, spi, cur, sizeof(cur),
				      61000));
	/* idle past rotation and grace: both secrets are new */
	cur[0] = 6;
	assert_int_equal(ike_cookies_rotate(&jar, 61000 + 70000), 0);
	assert_int_equal(jar.version, 8);
	assert_false(ike_cookie_valid(&jar, &ni, &ip4, spi, cur, sizeof(cur),
				      131000));
	ike_cookies_wipe(&jar);
}

/* An IKE_SA_INIT request (SA, KE, Ni), with a COOKIE first if given. */
static void make_request(const uint8_t *cookie, size_t cookie_len)
{
	static const uint8_t ke[64] = { 1 };
	struct ike_sa_pld sa;
	struct ike_err err;

	assert_int_equal(ike_prop_parse("aes128gcm16-prfsha256-ecp256",
					IKEV2_PROTO_IKE, &sa, &err), 0);
	ike_buf_init(&req, spi, 0, IKEV2_EXCHANGE_IKE_SA_INIT,
		     IKEV2_FLAG_INITIATOR, 0);
	if (cookie)
		assert_int_equal(ike_add_notify(&req, IKEV2_PROTO_NONE, NULL,
						0, IKEV2_N_COOKIE, cookie,
						cookie_len), 0);
	assert_int_equal(ike_add_sa(&req, &sa), 0);
	assert_int_equal(ike_add_ke(&req, IKEV2_DH_ECP_256, ke, sizeof(ke)),
			 0);
	assert_int_equal(ike_add_nonce(&req, ni_b, sizeof(ni_b)), 0);
	assert_true(ike_msg_finalise(&req) > 0);
}

/* resp must be the COOKIE response to make_request() and nothing else. */
static void check_cookie_response(uint8_t cookie[IKE_COOKIE_LEN])
{
	struct ike_msg m;
	struct ike_err err;

	assert_int_equal(ike_msg_parse(resp.data, resp.len, &m, &err), 0);
	assert_int_equal(m.exchange, IKEV2_EXCHANGE_IKE_SA_INIT);
	assert_int_equal(m.flags, IKEV2_FLAG_RESPONSE);
	assert_true(m.spi_i == spi && m.spi_r == 0 && m.msgid == 0);
	assert_int_equal(m.npayloads, 1);
	assert_int_equal(m.nnotify, 1);
	assert_int_equal(m.notify[0].type, IKEV2_N_COOKIE);
	assert_int_equal(m.notify[0].data.len, IKE_COOKIE_LEN);
	assert_int_equal(ike_cookie_make(&jar, &ni, &ip4, spi, cookie), 0);
	assert_memory_equal(m.notify[0].data.ptr, cookie, IKE_COOKIE_LEN);
}

static void test_check(void **state)
{
	uint8_t cookie[IKE_COOKIE_LEN];

	known_jar(3);
	make_request(NULL, 0);
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 2,
					  1000, &resp), IKE_COOKIE_PASS);
	resp.len = 0;
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 3,
					  1000, &resp), IKE_COOKIE_DEMAND);
	check_cookie_response(cookie);
	/* the same request with the cookie passes, from that address only */
	make_request(cookie, sizeof(cookie));
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 100,
					  1000, &resp), IKE_COOKIE_PASS);
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip6, 100,
					  1000, &resp), IKE_COOKIE_DEMAND);
	/* a wrong cookie is ignored: a fresh one is demanded */
	cookie[10] ^= 1;
	make_request(cookie, sizeof(cookie));
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 100,
					  1000, &resp), IKE_COOKIE_DEMAND);
	check_cookie_response(cookie);
	assert_int_equal(jar.demanded, 3);
	assert_int_equal(jar.accepted, 1);
	ike_cookies_wipe(&jar);
}

static void test_check_not_init(void **state)
{
	known_jar(0);
	make_request(NULL, 0);
	/* a response, another exchange, a non-zero SPIr, a truncation */
	req.data[19] = IKEV2_FLAG_RESPONSE;
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 9,
					  1000, &resp), IKE_COOKIE_PASS);
	req.data[19] = IKEV2_FLAG_INITIATOR;
	req.data[18] = IKEV2_EXCHANGE_INFORMATIONAL;
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 9,
					  1000, &resp), IKE_COOKIE_PASS);
	req.data[18] = IKEV2_EXCHANGE_IKE_SA_INIT;
	req.data[15] = 1;
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 9,
					  1000, &resp), IKE_COOKIE_PASS);
	req.data[15] = 0;
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len - 1, &ip4, 9,
					  1000, &resp), IKE_COOKIE_PASS);
	assert_int_equal(ike_cookie_check(&jar, req.data, 10, &ip4, 9, 1000,
					  &resp), IKE_COOKIE_PASS);
	assert_int_equal(jar.demanded, 0);
	assert_int_equal(ike_cookie_check(&jar, req.data, req.len, &ip4, 9,
					  1000, &resp), IKE_COOKIE_DEMAND);
	ike_cookies_wipe(&jar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_not_init),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
