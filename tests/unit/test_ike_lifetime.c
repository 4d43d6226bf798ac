// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike/lifetime.c: rekey points with their jitter bounds (time, bytes,
 * packets), hard limits, the 32-bit sequence number limit of non-ESN Child
 * SAs (soft below it by the margin, hard at the last number, also under a
 * larger configured limit), and the RFC 7296 2.8.1 collision rule.
 */
#include "ike/lifetime.h"
#include "unit_hex.h"

static struct ike_child_cfg cfg;

static void test_time(void **state)
{
	const uint32_t zero[3] = { 0 }, big[3] = { 0xffffffffu, 0, 0 };
	struct ike_life l;

	memset(&cfg, 0, sizeof(cfg));
	cfg.rekey_time = 3600;
	cfg.life_time = 3960;
	cfg.rand_time = 360;
	ike_life_child(&cfg, true, 5000, zero, &l);
	assert_int_equal(l.rekey_ms, 5000 + 3600000);
	assert_int_equal(l.expire_ms, 5000 + 3960000);
	assert_int_equal(l.soft_packets, 0);
	assert_int_equal(l.hard_packets, 0);
	/* the jitter stays within rand_time, and varies with rnd */
	for (uint32_t r = 0; r < 2000000000u; r += 99991) {
		const uint32_t rnd[3] = { r, 0, 0 };

		ike_life_child(&cfg, true, 5000, rnd, &l);
		assert_true(l.rekey_ms <= 5000 + 3600000);
		assert_true(l.rekey_ms >= 5000 + 3600000 - 360000);
		assert_int_equal(l.rekey_ms, 5000 + 3600000 - r % 360001);
	}
	ike_life_child(&cfg, true, 5000, big, &l);
	assert_true(l.rekey_ms < 5000 + 3600000);
	/* a rand_time above rekey_time never rekeys at once */
	cfg.rekey_time = 2;
	cfg.rand_time = 100;
	ike_life_child(&cfg, true, 5000, big, &l);
	assert_int_equal(l.rekey_ms, 6000);
	/* nothing configured: nothing scheduled */
	memset(&cfg, 0, sizeof(cfg));
	ike_life_child(&cfg, true, 5000, big, &l);
	assert_int_equal(l.rekey_ms, 0);
	assert_int_equal(l.expire_ms, 0);
	assert_int_equal(l.soft_bytes, 0);
}

static void test_traffic(void **state)
{
	const uint32_t zero[3] = { 0 };
	struct ike_life l;

	memset(&cfg, 0, sizeof(cfg));
	cfg.rekey_bytes = 1000000;
	cfg.life_bytes = 1200000;
	cfg.rekey_packets = 5000;
	cfg.life_packets = 6000;
	ike_life_child(&cfg, true, 0, zero, &l);
	assert_int_equal(l.soft_bytes, 1000000);
	assert_int_equal(l.hard_bytes, 1200000);
	assert_int_equal(l.soft_packets, 5000);
	assert_int_equal(l.hard_packets, 6000);
	for (uint32_t r = 0; r < 300000; r += 7) {
		const uint32_t rnd[3] = { 0, r * 13, r };

		ike_life_child(&cfg, true, 0, rnd, &l);
		assert_int_equal(l.soft_bytes, 1000000 - (r * 13) % 100001);
		assert_int_equal(l.soft_packets, 5000 - r % 501);
	}
	/* the whole range of jitter is reachable: 10% of it */
	{
		const uint32_t rnd[3] = { 0, 100000, 500 };

		ike_life_child(&cfg, true, 0, rnd, &l);
		assert_int_equal(l.soft_bytes, 900000);
		assert_int_equal(l.soft_packets, 4500);
	}
	/* a limit too small for 10% to be a packet gets none */
	cfg.rekey_packets = 9;
	{
		const uint32_t rnd[3] = { 0, 0, 12345 };

		ike_life_child(&cfg, true, 0, rnd, &l);
		assert_int_equal(l.soft_packets, 9);
	}
}

static void test_seq32(void **state)
{
	const uint32_t zero[3] = { 0 };
	struct ike_life l;

	memset(&cfg, 0, sizeof(cfg));
	/* nothing configured: a non-ESN SA still rekeys before wrapping */
	ike_life_child(&cfg, false, 0, zero, &l);
	assert_int_equal(l.hard_packets, 0xffffffffull);
	assert_int_equal(l.soft_packets, 0xffffffffull - (1ull << 22));
	/* configured limits beyond 2^32 are cut down to it */
	cfg.rekey_packets = 1ull << 40;
	cfg.life_packets = 1ull << 41;
	ike_life_child(&cfg, false, 0, zero, &l);
	assert_int_equal(l.hard_packets, 0xffffffffull);
	assert_int_equal(l.soft_packets, 0xffffffffull - (1ull << 22));
	/* with ESN they stand */
	ike_life_child(&cfg, true, 0, zero, &l);
	assert_int_equal(l.hard_packets, 1ull << 41);
	assert_int_equal(l.soft_packets, 1ull << 40);
	/* smaller configured limits stand without ESN too */
	cfg.rekey_packets = 1000;
	cfg.life_packets = 2000;
	ike_life_child(&cfg, false, 0, zero, &l);
	assert_int_equal(l.hard_packets, 2000);
	assert_int_equal(l.soft_packets, 1000);
}

static void test_ike_rekey(void **state)
{
	struct ike_conn_cfg conn = { .rekey_time = 14400, .rand_time = 1440 };

	assert_int_equal(ike_life_ike_rekey(&conn, 77, 0), 77 + 14400000);
	assert_int_equal(ike_life_ike_rekey(&conn, 77, 1440000),
			 77 + 14400000 - 1440000);
	assert_int_equal(ike_life_ike_rekey(&conn, 77, 1440001), 77 + 14400000);
	conn.rekey_time = 0;
	assert_int_equal(ike_life_ike_rekey(&conn, 77, 5), 0);
}

static void test_collision(void **state)
{
	static const uint8_t n1[] = { 0x01, 0xff }, n2[] = { 0x02, 0x00 },
			     n3[] = { 0x03 }, n4[] = { 0x04 },
			     n1p[] = { 0x01 };

	assert_true(ike_nonce_cmp(n1, 2, n2, 2) < 0);
	assert_true(ike_nonce_cmp(n2, 2, n1, 2) > 0);
	assert_true(ike_nonce_cmp(n1p, 1, n1, 2) < 0);
	assert_int_equal(ike_nonce_cmp(n1, 2, n1, 2), 0);
	/* the lowest nonce in either position of our exchange: we lose */
	assert_true(ike_rekey_lost(n1, 2, n3, 1, n2, 2, n4, 1));
	assert_true(ike_rekey_lost(n3, 1, n1, 2, n4, 1, n2, 2));
	/* in the peer's exchange: we win */
	assert_false(ike_rekey_lost(n2, 2, n3, 1, n1, 2, n4, 1));
	assert_false(ike_rekey_lost(n3, 1, n4, 1, n2, 2, n1, 2));
	/* exactly one side loses for every arrangement of four nonces */
	{
		const uint8_t *n[4] = { n1, n2, n3, n4 };
		const size_t l[4] = { 2, 2, 1, 1 };
		static const int perm[6][4] = {
			{ 0, 1, 2, 3 }, { 0, 2, 1, 3 }, { 0, 3, 1, 2 },
			{ 1, 2, 0, 3 }, { 1, 3, 0, 2 }, { 2, 3, 0, 1 },
		};

		for (int i = 0; i < 6; i++) {
			const int *p = perm[i];
			bool a = ike_rekey_lost(n[p[0]], l[p[0]], n[p[1]],
						l[p[1]], n[p[2]], l[p[2]],
						n[p[3]], l[p[3]]);
			bool b = ike_rekey_lost(n[p[2]], l[p[2]], n[p[3]],
						l[p[3]], n[p[0]], l[p[0]],
						n[p[1]], l[p[1]]);

			assert_true(a != b);
			assert_int_equal(a, p[0] == 0 || p[1] == 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_traffic),
		cmocka_unit_test(test_seq32),
		cmocka_unit_test(test_ike_rekey),
		cmocka_unit_test(test_collision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
