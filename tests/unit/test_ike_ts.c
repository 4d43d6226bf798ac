// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike/ts.c (RFC 7296 2.9): narrowing the peer's traffic selectors to ours
 * (address, port and protocol intersections, IPv4 and IPv6 apart,
 * duplicates once, nothing left refused), the subset check of the
 * initiator, the printable form; and ike/ctx.c's state machine: the moves
 * it refuses and the half-open count it keeps.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "ike/sa.h"
#include "unit_hex.h"

/* "a.b.c.d-e.f.g.h" or IPv6 likewise, proto, ports */
static struct ike_ts ts(const char *start, const char *end, uint8_t proto,
			uint16_t sp, uint16_t ep)
{
	struct ike_ts t = { .proto = proto, .start_port = sp, .end_port = ep };
	bool v6 = strchr(start, ':') != NULL;

	t.type = v6 ? IKEV2_TS_IPV6_ADDR_RANGE : IKEV2_TS_IPV4_ADDR_RANGE;
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, start, t.start), 1);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, end, t.end), 1);
	return t;
}

static struct ike_ts_pld one(struct ike_ts t)
{
	struct ike_ts_pld p = { .num = 1 };

	p.ts[0] = t;
	return p;
}

static void assert_fmt(const struct ike_ts_pld *p, const char *want)
{
	char buf[512];

	assert_true(ike_ts_format(p, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, want);
}

static void test_narrow_addresses(void **state)
{
	struct ike_ts_pld theirs = one(ts("10.0.0.0", "10.255.255.255", 0, 0,
					  65535));
	struct ike_ts_pld ours = one(ts("10.1.0.0", "10.1.255.255", 0, 0,
					65535)), out;

	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_fmt(&out, "10.1.0.0/16");
	/* partial overlap: 10.1.128.0 .. 10.2.0.255 with 10.1.0.0/16 */
	theirs = one(ts("10.1.128.0", "10.2.0.255", 0, 0, 65535));
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_fmt(&out, "10.1.128.0/17");
	theirs = one(ts("10.1.0.5", "10.2.0.255", 0, 0, 65535));
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_fmt(&out, "10.1.0.5..10.1.255.255");
	/* disjoint, and IPv6 against IPv4 */
	theirs = one(ts("10.2.0.0", "10.2.255.255", 0, 0, 65535));
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), -1);
	assert_int_equal(out.num, 0);
	theirs = one(ts("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0,
			0, 65535));
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), -1);
}

static void test_narrow_ports_protocols(void **state)
{
	struct ike_ts_pld theirs = one(ts("10.1.2.3", "10.1.2.3", 6, 80, 80));
	struct ike_ts_pld ours = one(ts("10.1.0.0", "10.1.255.255", 0, 0,
					65535)), out;

	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_fmt(&out, "10.1.2.3/32[6/80]");
	ours = one(ts("10.1.0.0", "10.1.255.255", 17, 0, 65535));
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), -1);
	theirs = one(ts("10.1.0.0", "10.1.0.255", 0, 1000, 3000));
	ours = one(ts("10.1.0.0", "10.1.255.255", 17, 2000, 65535));
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_fmt(&out, "10.1.0.0/24[17/2000-3000]");
	ours = one(ts("10.1.0.0", "10.1.255.255", 0, 3001, 65535));
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), -1);
}

static void test_narrow_many(void **state)
{
	struct ike_ts_pld theirs = { 0 }, ours = { 0 }, out;
	char a[32], b[32];
	int i;

	/* 3 x 3 overlapping selectors give 9 different intersections */
	for (i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "10.%d.0.0", i);
		snprintf(b, sizeof(b), "10.%d.255.255", i);
		theirs.ts[theirs.num++] = ts(a, b, 0, 0, 65535);
		ours.ts[ours.num++] = ts("0.0.0.0", "255.255.255.255",
					 (uint8_t)(6 + 11 * (i > 0)), 0,
					 (uint16_t)(100 * (i + 1)));
	}
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_int_equal(out.num, 9);
	/* a selector twice comes out once */
	theirs.ts[1] = theirs.ts[0];
	theirs.ts[2] = theirs.ts[0];
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_int_equal(out.num, 3);
	/* 16 x 16 distinct results are capped at IKEV2_MAX_TS */
	theirs.num = ours.num = IKEV2_MAX_TS;
	for (i = 0; i < IKEV2_MAX_TS; i++) {
		theirs.ts[i] = ts("10.0.0.0", "10.255.255.255", 0, 0, 65535);
		theirs.ts[i].start_port = (uint16_t)i;
		ours.ts[i] = ts("10.0.0.0", "10.255.255.255", 0, 0, 65535);
		ours.ts[i].end_port = (uint16_t)(1000 + i);
	}
	assert_int_equal(ike_ts_narrow(&theirs, &ours, &out), 0);
	assert_int_equal(out.num, IKEV2_MAX_TS);
}

static void test_subset(void **state)
{
	struct ike_ts_pld sup = one(ts("10.1.0.0", "10.1.255.255", 0, 0,
				       65535));
	struct ike_ts_pld sub = one(ts("10.1.2.0", "10.1.2.255", 6, 22, 22));

	assert_true(ike_ts_subset(&sub, &sup));
	sub = one(ts("10.1.2.0", "10.2.0.0", 0, 0, 65535));
	assert_false(ike_ts_subset(&sub, &sup));
	sup = one(ts("10.1.0.0", "10.1.255.255", 6, 0, 65535));
	sub = one(ts("10.1.2.0", "10.1.2.255", 0, 0, 65535));
	assert_false(ike_ts_subset(&sub, &sup));	/* any protocol */
	sub = one(ts("10.1.2.0", "10.1.2.255", 6, 0, 65535));
	assert_true(ike_ts_subset(&sub, &sup));
	/* reversed ranges, none at all, IPv6 in IPv4 */
	sub = one(ts("10.1.3.0", "10.1.2.0", 6, 0, 65535));
	assert_false(ike_ts_subset(&sub, &sup));
	sub.num = 0;
	assert_false(ike_ts_subset(&sub, &sup));
	sub = one(ts("::1", "::1", 6, 0, 65535));
	assert_false(ike_ts_subset(&sub, &sup));
}

static void test_format(void **state)
{
	struct ike_ts_pld p = one(ts("2001:db8::", "2001:db8::ffff", 17, 500,
				     500));

	assert_fmt(&p, "2001:db8::/112[17/500]");
	p.ts[p.num++] = ts("0.0.0.0", "255.255.255.255", 1, 0, 65535);
	assert_fmt(&p, "2001:db8::/112[17/500] 0.0.0.0/0[1]");
	{
		char small[10];

		assert_int_equal(ike_ts_format(&p, small, sizeof(small)), -1);
	}
}

/* ---- the IKE SA state machine ---------------------------------------- */

static int nop_send(void *u, const struct ike_addr *l,
		    const struct ike_addr *r, const uint8_t *m, size_t n)
{
	return 0;
}

static int nop_spi(void *u, uint8_t proto, uint32_t *spi)
{
	*spi = 0x100;
	return 0;
}

static int nop_install(void *u, const struct ike_child_install *c,
		       char *why)
{
	return 0;
}

static void nop_delete(void *u, uint8_t p, uint32_t i, uint32_t o)
{
}

static void test_sa_states(void **state)
{
	struct ike_ops ops = { .send = nop_send, .spi_alloc = nop_spi,
			       .child_install = nop_install,
			       .child_delete = nop_delete };
	struct ike_addr a = { .len = 4, .addr = { 192, 0, 2, 1 }, .port = 500 };
	struct ike_ctx *ctx = ike_ctx_new(&ops);
	struct ike_sa *sa;

	assert_non_null(ctx);
	sa = ike_sa_new(ctx, false, &a, &a, 0);
	assert_non_null(sa);
	assert_ptr_equal(ike_sa_by_spi(ctx, sa->spi_r, false), sa);
	assert_null(ike_sa_by_spi(ctx, sa->spi_r, true));
	assert_int_equal(ike_sa_state(sa, IKE_SA_AUTH_SENT), -1);
	assert_int_equal(ike_sa_state(sa, IKE_SA_INIT_DONE), 0);
	assert_int_equal(ctx->half_open, 1);
	assert_int_equal(ike_sa_state(sa, IKE_SA_DELETING), -1);
	assert_int_equal(ike_sa_state(sa, IKE_SA_ESTABLISHED), 0);
	assert_int_equal(ctx->half_open, 0);
	assert_string_equal(ike_sa_state_name(sa->state), "ESTABLISHED");
	assert_int_equal(ike_sa_state(sa, IKE_SA_INIT_SENT), -1);
	assert_int_equal(ike_sa_state(sa, IKE_SA_DELETING), 0);
	assert_int_equal(ike_sa_state(sa, IKE_SA_ESTABLISHED), -1);
	assert_int_equal(ike_sa_state(sa, IKE_SA_DEAD), 0);
	assert_int_equal(ike_sa_state(sa, IKE_SA_IDLE), -1);
	assert_int_equal(ctx->nsas, 1);
	ike_reap(ctx);
	assert_int_equal(ctx->nsas, 0);
	ike_ctx_free(ctx, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_narrow_addresses),
		cmocka_unit_test(test_narrow_ports_protocols),
		cmocka_unit_test(test_narrow_many),
		cmocka_unit_test(test_subset),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_sa_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
