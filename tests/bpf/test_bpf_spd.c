// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * SPD: the compiler's checks, hand-made overlaps, and differential tests of
 * the BPF lookup against the linear RFC 4301 scan (spd_ref.h) over
 * thousands of random policies and random packets, IPv4 and IPv6, with
 * many prefix lengths (LPM tries) and with few (hash probes), both with
 * source levels (classes).
 */
#include <errno.h>
#include <stdlib.h>

#include "loader/spd_compile.h"
#include "tests/bpf/spd_ref.h"
#include "tests/bpf/tcommon.h"

static struct xs_bpf B;

enum { N_POLICIES = 3000, N_PACKETS = 20000 };

static int setup(void **state)
{
	return xs_bpf_open(&B, &(struct xs_bpf_opts){ 0 }) ? -1 : 0;
}

static int teardown(void **state)
{
	xs_bpf_close(&B);
	return 0;
}

static void compiler_refuses_bad_policies(void **state)
{
	struct xs_spd_policy p[XS_SPD_LEAF_MAX + 1];
	struct xs_spd_compiled c;
	const char *why;
	int i;

	p[0] = xs_policy(XS_SPD_OUT, XS_AF_INET, XS_SPD_BYPASS);
	p[0].dst_len = 33;
	assert_int_equal(xs_spd_compile(p, 1, 0, &c, &why), -EINVAL);
	assert_non_null(why);
	p[0] = xs_policy(XS_SPD_OUT, 7, XS_SPD_BYPASS);
	assert_int_equal(xs_spd_compile(p, 1, 0, &c, &why), -EINVAL);
	p[0] = xs_policy(XS_SPD_OUT, XS_AF_INET, XS_SPD_BYPASS);
	p[0].sport_lo = 10;
	p[0].sport_hi = 9;
	assert_int_equal(xs_spd_compile(p, 1, 0, &c, &why), -EINVAL);
	assert_int_equal(xs_spd_compile(p, 1, 2, &c, &why), -EINVAL);
	/* 17 policies with one prefix pair, differing only in ports */
	for (i = 0; i <= XS_SPD_LEAF_MAX; i++) {
		p[i] = xs_policy(XS_SPD_OUT, XS_AF_INET, XS_SPD_DISCARD);
		p[i].dport_lo = p[i].dport_hi = 1000 + i;
	}
	assert_int_equal(xs_spd_compile(p, XS_SPD_LEAF_MAX + 1, 0, &c, &why),
			 -E2BIG);
	/* ...fine once a wildcard shadows the rest */
	p[3].dport_lo = 0;
	p[3].dport_hi = 0xffff;
	assert_int_equal(xs_spd_compile(p, XS_SPD_LEAF_MAX + 1, 0, &c, &why), 0);
	assert_int_equal(c.hash.n, 1);
	assert_int_equal(c.dst.n + c.src.n, 0);
	assert_int_equal(c.hash.e[0].leaf.count, 4);
	xs_spd_compiled_free(&c);
}

/* Run f through xdp-lan with only PROTECT policies and no SAs: the acquire
 * event names the policy that decided (the acquire rate limit reset before
 * each run); no policy -> default bypass. */
static long bpf_decides(const struct xs_tflow *f, unsigned int gen)
{
	uint8_t buf[XS_FRAME_MAX];
	size_t len = xs_frame(buf, f, "0123456789abcdef", 16);
	unsigned int n;
	int v;

	xs_bpf_acquire_reset(&B);
	v = xs_bpf_run(B.prog_lan, buf, len, 1, NULL);
	n = xs_bpf_events(&B);

	if (v == XDP_PASS && n == 0)
		return -1;
	assert_int_equal(v, XDP_DROP);
	assert_int_equal(n, 1);
	assert_int_equal(B.last_event.type, XS_EV_ACQUIRE);
	assert_memory_equal(B.last_event.dst, f->dst, 16);
	assert_int_equal(XS_SPD_IDX_GEN(B.last_event.policy), gen);
	return XS_SPD_IDX_POLICY(B.last_event.policy);
}

static unsigned int active_gen(void)
{
	struct xs_cfg c;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(B.cfg, &zero, &c), 0);
	return c.spd_gen;
}

static void set_addr(uint8_t family, uint8_t *a, uint8_t x, uint8_t y, uint8_t z)
{
	if (family == XS_AF_INET)
		addr4(a, 10, x, y, z);
	else {
		addr6(a, x, z);
		a[7] = y;
	}
}

static void overlapping_prefixes_and_ports(void **state)
{
	struct xs_spd_policy p[5];
	struct xs_tflow f = { .family = XS_AF_INET, .proto = XS_PROTO_TCP,
			      .sport = 1000, .dport = 80 };
	unsigned int gen;

	p[0] = xs_policy(XS_SPD_OUT, XS_AF_INET, XS_SPD_PROTECT);	/* 10/8 */
	set_addr(XS_AF_INET, p[0].dst, 0, 0, 0);
	p[0].dst_len = 8;
	p[0].priority = 50;
	p[1] = p[0];						/* 10.1.2/24 tcp 80-90 */
	set_addr(XS_AF_INET, p[1].dst, 1, 2, 0);
	p[1].dst_len = 24;
	p[1].proto = XS_PROTO_TCP;
	p[1].dport_lo = 80;
	p[1].dport_hi = 90;
	p[1].priority = 10;
	p[2] = p[1];						/* same, from 10.9/16, first */
	set_addr(XS_AF_INET, p[2].src, 9, 0, 0);
	p[2].src_len = 16;
	p[2].priority = 5;
	p[3] = p[0];						/* 10.1/16 after 10/8 */
	p[3].dst_len = 16;
	set_addr(XS_AF_INET, p[3].dst, 1, 0, 0);
	p[3].priority = 60;
	p[4] = p[0];						/* 10.1.2.3/32 */
	set_addr(XS_AF_INET, p[4].dst, 1, 2, 3);
	p[4].dst_len = 32;
	p[4].priority = 70;
	assert_int_equal(xs_bpf_spd_set(&B, p, 5), 0);
	gen = active_gen();
	set_addr(XS_AF_INET, f.dst, 1, 2, 3);
	set_addr(XS_AF_INET, f.src, 9, 1, 1);
	assert_int_equal(bpf_decides(&f, gen), 2);
	set_addr(XS_AF_INET, f.src, 8, 1, 1);
	assert_int_equal(bpf_decides(&f, gen), 1);
	f.dport = 91;
	assert_int_equal(bpf_decides(&f, gen), 0);
	set_addr(XS_AF_INET, f.dst, 1, 7, 3);
	assert_int_equal(bpf_decides(&f, gen), 0);
	addr4(f.dst, 11, 1, 2, 3);
	assert_int_equal(bpf_decides(&f, gen), -1);
	/* a second generation replaces the first entirely */
	p[0].priority = 100;
	assert_int_equal(xs_bpf_spd_set(&B, p, 1), 0);
	assert_int_equal(active_gen(), !gen);
	set_addr(XS_AF_INET, f.dst, 1, 2, 3);
	assert_int_equal(bpf_decides(&f, !gen), 0);
}

/* 1: at most XS_SPD_HASH_LENS prefix lengths, so no level needs a trie. */
static int few_lens;

/* Prefix length: mostly long, sometimes short, rarely 0. */
static uint8_t rand_len(uint8_t family)
{
	static const uint8_t v4[] = { 24, 24, 24, 24, 28, 28, 32, 32 };
	static const uint8_t v4_few[] = { 16, 24, 24, 24, 24, 32, 32, 32 };
	unsigned int r = rand() % 1000;
	uint8_t len = few_lens ? v4_few[rand() % 8] :
		      r == 0 ? 0 : r < 5 ? 8 : v4[rand() % 8];

	return family == XS_AF_INET ? len : len == 0 ? 0 : len + 96;
}

static void rand_ports(uint16_t *lo, uint16_t *hi)
{
	if (rand() % 3 == 0) {
		*lo = 0;
		*hi = 0xffff;
		return;
	}
	*lo = 1000 + rand() % 40;
	*hi = *lo + rand() % 20;
}

static const uint8_t protos[] = { 0, 0, XS_PROTO_TCP, XS_PROTO_UDP,
				  XS_PROTO_ICMP, 47 };

static void rand_flow_addr(uint8_t family, uint8_t *a)
{
	set_addr(family, a, rand() % 16, rand() % 16, rand() % 64);
}

static void rand_policy(struct xs_spd_policy *p, uint8_t family, uint8_t dir,
			int mixed)
{
	static const uint8_t actions[] = { XS_SPD_BYPASS, XS_SPD_DISCARD,
					   XS_SPD_PROTECT };

	*p = xs_policy(dir, family,
		       mixed ? actions[rand() % 3] : XS_SPD_PROTECT);
	rand_flow_addr(family, p->src);
	rand_flow_addr(family, p->dst);
	p->src_len = rand_len(family);
	p->dst_len = rand_len(family);
	p->proto = protos[rand() % sizeof(protos)];
	if (family == XS_AF_INET6 && p->proto == XS_PROTO_ICMP)
		p->proto = XS_PROTO_ICMPV6;
	if (p->proto != 47)
		rand_ports(&p->sport_lo, &p->sport_hi);
	if (p->proto != 47)
		rand_ports(&p->dport_lo, &p->dport_hi);
	p->priority = rand() % 64;
	p->id = rand() % 1024;
}

static void rand_flow(struct xs_tflow *f, uint8_t family)
{
	memset(f, 0, sizeof(*f));
	f->family = family;
	rand_flow_addr(family, f->src);
	rand_flow_addr(family, f->dst);
	f->proto = protos[2 + rand() % 4];
	if (family == XS_AF_INET6 && f->proto == XS_PROTO_ICMP)
		f->proto = XS_PROTO_ICMPV6;
	f->sport = 995 + rand() % 70;
	f->dport = 995 + rand() % 70;
	if (f->proto == XS_PROTO_ICMP || f->proto == XS_PROTO_ICMPV6) {
		f->sport = rand() % 16;		/* type: not ND */
		f->dport = rand() % 4;		/* code */
	}
}

/* Half of the packets fall inside a random policy's selectors. */
static void rand_flow_near(struct xs_tflow *f, const struct xs_spd_policy *p,
			   size_t n, uint8_t family)
{
	const struct xs_spd_policy *q = &p[rand() % n];
	unsigned int b;

	rand_flow(f, family);
	if (rand() % 2 || q->family != family)
		return;
	for (b = 0; b < q->src_len; b++)
		f->src[b / 8] = (f->src[b / 8] & ~(0x80 >> b % 8)) |
				(q->src[b / 8] & (0x80 >> b % 8));
	for (b = 0; b < q->dst_len; b++)
		f->dst[b / 8] = (f->dst[b / 8] & ~(0x80 >> b % 8)) |
				(q->dst[b / 8] & (0x80 >> b % 8));
	if (q->proto && q->proto != 47)
		f->proto = q->proto;
	if (f->proto == XS_PROTO_ICMP || f->proto == XS_PROTO_ICMPV6) {
		f->sport = rand() % 16;		/* type: not ND */
		f->dport = rand() % 4;		/* code */
	} else {
		f->sport = q->sport_lo + rand() % (q->sport_hi - q->sport_lo + 1);
		f->dport = q->dport_lo + rand() % (q->dport_hi - q->dport_lo + 1);
	}
	if (f->sport == XS_PORT_IKE || f->sport == XS_PORT_NATT)
		f->sport++;			/* IKE bypasses the SPD */
	if (f->dport == XS_PORT_IKE || f->dport == XS_PORT_NATT)
		f->dport++;
}

/* The set exercises the lookup paths it should: hash, or the dst trie. */
static void check_paths(const struct xs_spd_policy *p)
{
	struct xs_spd_compiled c;
	const char *why;

	assert_int_equal(xs_spd_compile(p, N_POLICIES, 0, &c, &why), 0);
	print_message("hash %zu, dst trie %zu, src trie %zu entries, "
		      "%zu classes\n", c.hash.n, c.dst.n, c.src.n, c.n_classes);
	assert_true(c.hash.n > 0);
	if (few_lens)
		assert_int_equal(c.dst.n + c.src.n, 0);
	else
		assert_true(c.dst.n > 0);
	xs_spd_compiled_free(&c);
}

static void differential(uint8_t family)
{
	struct xs_spd_policy *p = calloc(N_POLICIES, sizeof(*p));
	struct xs_tflow f;
	unsigned int gen, hits = 0;
	long want;
	int i;

	assert_non_null(p);
	for (i = 0; i < N_POLICIES; i++)
		rand_policy(&p[i], family, rand() % 5 ? XS_SPD_OUT : XS_SPD_IN, 0);
	check_paths(p);
	assert_int_equal(xs_bpf_spd_set(&B, p, N_POLICIES), 0);
	gen = active_gen();
	for (i = 0; i < N_PACKETS; i++) {
		rand_flow_near(&f, p, N_POLICIES, family);
		want = ref_lookup(p, N_POLICIES, XS_SPD_OUT, &f);
		hits += want >= 0;
		assert_int_equal(bpf_decides(&f, gen), want);
	}
	print_message("%u of %u packets matched a policy\n", hits, N_PACKETS);
	assert_true(hits > N_PACKETS / 10);	/* the test exercises matches */
	free(p);
}

static void differential_ipv4(void **state)
{
	srand(4301);
	differential(XS_AF_INET);
}

static void differential_ipv6(void **state)
{
	srand(6);
	differential(XS_AF_INET6);
}

static void differential_ipv4_hash(void **state)
{
	srand(4302);
	few_lens = 1;
	differential(XS_AF_INET);
	few_lens = 0;
}

static void differential_ipv6_hash(void **state)
{
	srand(7);
	few_lens = 1;
	differential(XS_AF_INET6);
	few_lens = 0;
}

/* Mixed actions, inbound, through xdp-wan: the verdict and its counter. */
static void differential_actions_inbound(void **state)
{
	struct xs_spd_policy *p = calloc(N_POLICIES, sizeof(*p));
	uint8_t buf[XS_FRAME_MAX];
	struct xs_tflow f;
	long want;
	int i;

	assert_non_null(p);
	srand(4303);
	for (i = 0; i < N_POLICIES; i++)
		rand_policy(&p[i], XS_AF_INET, XS_SPD_IN, 1);
	assert_int_equal(xs_bpf_spd_set(&B, p, N_POLICIES), 0);
	for (i = 0; i < N_PACKETS / 4; i++) {
		rand_flow_near(&f, p, N_POLICIES, XS_AF_INET);
		want = ref_lookup(p, N_POLICIES, XS_SPD_IN, &f);
		xs_frame(buf, &f, "0123456789abcdef", 16);
		if (want < 0)
			expect_run(&B, B.prog_wan, XS_HOOK_WAN, buf,
				   xs_frame(buf, &f, "x", 1), XDP_PASS,
				   XS_ACT_DEFAULT, 0);
		else if (p[want].action == XS_SPD_BYPASS)
			expect_run(&B, B.prog_wan, XS_HOOK_WAN, buf,
				   xs_frame(buf, &f, "x", 1), XDP_PASS,
				   XS_ACT_BYPASS, 0);
		else
			expect_run(&B, B.prog_wan, XS_HOOK_WAN, buf,
				   xs_frame(buf, &f, "x", 1), XDP_DROP,
				   XS_ACT_DROP,
				   p[want].action == XS_SPD_PROTECT ?
				   XS_DROP_UNPROTECTED : XS_DROP_POLICY_DISCARD);
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compiler_refuses_bad_policies),
		cmocka_unit_test(overlapping_prefixes_and_ports),
		cmocka_unit_test(differential_ipv4),
		cmocka_unit_test(differential_ipv6),
		cmocka_unit_test(differential_ipv4_hash),
		cmocka_unit_test(differential_ipv6_hash),
		cmocka_unit_test(differential_actions_inbound),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
