// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdp-lan and tc-out: the outbound SPD, PROTECT to the worker, acquire. */
#include <time.h>

#include "tests/bpf/tcommon.h"

static struct xs_bpf B;		/* tc-out with an internal veth (ifindex 1) */
static struct xs_bpf NOVETH;	/* tc-out without one */
static uint8_t LAN_A[16], LAN_B[16], OTHER[16];

enum { SLOT_OK = 1, SLOT_DYING = 2, SLOT_DEAD = 3, SLOT_KERNEL = 4,
       SLOT_IN = 5 };

#define LAN(frame, len, verdict, act, reason) \
	expect_run(&B, B.prog_lan, XS_HOOK_LAN, frame, len, verdict, act, reason)
#define TC(b, frame, len, verdict, act, reason) \
	expect_run(b, (b)->prog_tc, XS_HOOK_TC, frame, len, verdict, act, reason)

static void out_sa(struct xs_bpf *b, uint32_t slot, uint8_t state,
		   uint8_t backend, uint8_t dir)
{
	struct xs_sad_entry e = { .spi = 0x2000 + slot, .state = state,
				  .dir = dir, .proto = XS_PROTO_ESP,
				  .family = XS_AF_INET, .backend = backend };

	assert_int_equal(xs_bpf_sa_add(b, slot, &e, NULL), 0);
}

/* 10.1.0.0/16 -> 10.2.0.0/16: tcp 22 BYPASS, tcp 23 DISCARD, rest PROTECT
 * with the SA in slot; and 10.1.0.0/16 -> 10.3.0.0/16 PROTECT, no SA. */
static void policies(struct xs_bpf *b, uint32_t slot)
{
	struct xs_spd_policy p[4];
	int i;

	for (i = 0; i < 4; i++) {
		p[i] = xs_policy(XS_SPD_OUT, XS_AF_INET, XS_SPD_PROTECT);
		addr4(p[i].src, 10, 1, 0, 0);
		addr4(p[i].dst, 10, 2, 0, 0);
		p[i].src_len = p[i].dst_len = 16;
		p[i].priority = 10;
		p[i].sa_slot = slot;
	}
	p[0].action = XS_SPD_BYPASS;
	p[1].action = XS_SPD_DISCARD;
	p[0].proto = p[1].proto = XS_PROTO_TCP;
	p[0].dport_lo = p[0].dport_hi = 22;
	p[1].dport_lo = p[1].dport_hi = 23;
	p[0].priority = p[1].priority = 1;
	p[3].dst[1] = 3;
	p[3].sa_slot = XS_SA_NONE;
	assert_int_equal(xs_bpf_spd_set(b, p, 4), 0);
}

static int setup(void **state)
{
	addr4(LAN_A, 10, 1, 0, 5);
	addr4(LAN_B, 10, 2, 0, 6);
	addr4(OTHER, 10, 3, 0, 7);
	if (xs_bpf_open(&B, &(struct xs_bpf_opts){ .tc_ifindex = 1 }) ||
	    xs_bpf_open(&NOVETH, &(struct xs_bpf_opts){ 0 }))
		return -1;
	out_sa(&B, SLOT_OK, XS_SA_MATURE, XS_BACKEND_AFXDP, 1);
	out_sa(&B, SLOT_DYING, XS_SA_DYING, XS_BACKEND_AFXDP, 1);
	out_sa(&B, SLOT_DEAD, XS_SA_DEAD, XS_BACKEND_AFXDP, 1);
	out_sa(&B, SLOT_KERNEL, XS_SA_MATURE, XS_BACKEND_KERNEL, 1);
	out_sa(&B, SLOT_IN, XS_SA_MATURE, XS_BACKEND_AFXDP, 0);
	out_sa(&NOVETH, SLOT_OK, XS_SA_MATURE, XS_BACKEND_AFXDP, 1);
	policies(&B, SLOT_OK);
	policies(&NOVETH, SLOT_OK);
	return 0;
}

static int teardown(void **state)
{
	xs_bpf_close(&B);
	xs_bpf_close(&NOVETH);
	return 0;
}

static size_t flow(uint8_t *buf, const uint8_t *dst, uint8_t proto,
		   uint16_t sport, uint16_t dport)
{
	struct xs_tflow f = { .family = XS_AF_INET, .proto = proto,
			      .sport = sport, .dport = dport };

	memcpy(f.src, LAN_A, 16);
	memcpy(f.dst, dst, 16);
	return xs_frame(buf, &f, "plaintext", 9);
}

static void set_sa(uint32_t slot)
{
	struct xs_cfg c;
	struct xs_spd_policy p;
	__u32 zero = 0, i;

	assert_int_equal(bpf_map_lookup_elem(B.cfg, &zero, &c), 0);
	for (i = 0; i < 4; i++) {
		__u32 idx = XS_SPD_IDX(c.spd_gen, i);

		assert_int_equal(bpf_map_lookup_elem(B.spd, &idx, &p), 0);
		if (p.action == XS_SPD_PROTECT && p.sa_slot != XS_SA_NONE) {
			p.sa_slot = slot;
			assert_int_equal(bpf_map_update_elem(B.spd, &idx, &p, 0), 0);
		}
	}
}

static void lan_protect_goes_to_the_worker(void **state)
{
	uint8_t buf[XS_FRAME_MAX];
	size_t len = flow(buf, LAN_B, XS_PROTO_UDP, 1000, 2000);

	LAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_NO_WORKER);
	assert_int_equal(xs_bpf_xsk_open(&B, 0), 0);
	LAN(buf, len, XDP_REDIRECT, XS_ACT_WORKER, 0);
	set_sa(SLOT_DYING);
	LAN(buf, len, XDP_REDIRECT, XS_ACT_WORKER, 0);
	set_sa(SLOT_KERNEL);
	LAN(buf, len, XDP_PASS, XS_ACT_KERNEL, 0);
	xs_bpf_xsk_close(&B);
	set_sa(SLOT_OK);
	LAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_NO_WORKER);
}

static void protect_without_sa_acquires(void **state)
{
	uint8_t buf[XS_FRAME_MAX];
	size_t len = flow(buf, OTHER, XS_PROTO_TCP, 3333, 443);

	xs_bpf_events(&B);
	LAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_NO_SA);
	assert_int_equal(xs_bpf_events(&B), 1);
	assert_int_equal(B.last_event.type, XS_EV_ACQUIRE);
	assert_int_equal(XS_SPD_IDX_POLICY(B.last_event.policy), 3);
	assert_int_equal(B.last_event.hook, XS_HOOK_LAN);
	assert_int_equal(B.last_event.proto, XS_PROTO_TCP);
	assert_int_equal(B.last_event.sport, 3333);
	assert_int_equal(B.last_event.dport, 443);
	assert_memory_equal(B.last_event.src, LAN_A, 16);
	assert_memory_equal(B.last_event.dst, OTHER, 16);
	/* an SA that is dead, or inbound, is no SA */
	len = flow(buf, LAN_B, XS_PROTO_UDP, 1000, 2000);
	set_sa(SLOT_DEAD);
	TC(&B, buf, len, TC_SHOT, XS_ACT_DROP, XS_DROP_NO_SA);
	set_sa(SLOT_IN);
	LAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_NO_SA);
	assert_int_equal(xs_bpf_events(&B), 2);
	assert_int_equal(B.last_event.hook, XS_HOOK_LAN);
	set_sa(SLOT_OK);
}

/*
 * A flood without an SA: in one window each CPU sends XS_ACQ_BURST
 * acquires per policy and counts the rest; the packets are all no-sa
 * drops. Another policy still gets its acquire; the next window sends again.
 */
static void acquires_rate_limited(void **state)
{
	const struct timespec window = { 1, 100000000 };	/* > 1 s */
	uint64_t lim0 = xs_bpf_acquires_limited(&B, XS_HOOK_LAN);
	uint64_t drop0 = xs_bpf_drop(&B, XS_HOOK_LAN, XS_DROP_NO_SA);
	uint8_t buf[XS_FRAME_MAX];
	size_t len = flow(buf, OTHER, XS_PROTO_UDP, 5555, 53);
	enum { FLOOD = 64 };

	xs_bpf_events(&B);
	xs_bpf_acquire_reset(&B);	/* a fresh window for policy 3 */
	/* repeat runs on one CPU: one policy's budget on one CPU */
	assert_int_equal(xs_bpf_run(B.prog_lan, buf, len, FLOOD, NULL), XDP_DROP);
	assert_int_equal(xs_bpf_events(&B), XS_ACQ_BURST);
	assert_int_equal(XS_SPD_IDX_POLICY(B.last_event.policy), 3);
	assert_int_equal(xs_bpf_acquires_limited(&B, XS_HOOK_LAN) - lim0,
			 FLOOD - XS_ACQ_BURST);
	assert_int_equal(xs_bpf_drop(&B, XS_HOOK_LAN, XS_DROP_NO_SA) - drop0,
			 FLOOD);
	/* policy 2 (its SA dead) has its own budget */
	set_sa(SLOT_DEAD);
	len = flow(buf, LAN_B, XS_PROTO_UDP, 1000, 2000);
	TC(&B, buf, len, TC_SHOT, XS_ACT_DROP, XS_DROP_NO_SA);
	assert_int_equal(xs_bpf_events(&B), 1);
	assert_int_equal(XS_SPD_IDX_POLICY(B.last_event.policy), 2);
	set_sa(SLOT_OK);
	nanosleep(&window, NULL);
	len = flow(buf, OTHER, XS_PROTO_UDP, 5555, 53);
	LAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_NO_SA);
	assert_int_equal(xs_bpf_events(&B), 1);
}

static void bypass_discard_default(void **state)
{
	uint8_t buf[XS_FRAME_MAX];
	struct xs_cfg c = { 0 };
	__u32 zero = 0;

	LAN(buf, flow(buf, LAN_B, XS_PROTO_TCP, 999, 22), XDP_PASS,
	    XS_ACT_BYPASS, 0);
	TC(&B, buf, flow(buf, LAN_B, XS_PROTO_TCP, 999, 23), TC_SHOT,
	   XS_ACT_DROP, XS_DROP_POLICY_DISCARD);
	LAN(buf, flow(buf, LAN_A, XS_PROTO_TCP, 999, 22), XDP_PASS,
	    XS_ACT_DEFAULT, 0);
	/* IKE bypasses even a PROTECT policy, unless told otherwise */
	LAN(buf, flow(buf, LAN_B, XS_PROTO_UDP, 500, 500), XDP_PASS,
	    XS_ACT_IKE, 0);
	TC(&B, buf, flow(buf, LAN_B, XS_PROTO_UDP, 4500, 4500), TC_OK,
	   XS_ACT_IKE, 0);
	assert_int_equal(bpf_map_lookup_elem(B.cfg, &zero, &c), 0);
	c.flags = XS_CFG_NO_IKE_BYPASS;
	c.default_action[XS_SPD_OUT] = XS_SPD_DISCARD;
	assert_int_equal(bpf_map_update_elem(B.cfg, &zero, &c, 0), 0);
	LAN(buf, flow(buf, LAN_B, XS_PROTO_UDP, 500, 500), XDP_DROP,
	    XS_ACT_DROP, XS_DROP_NO_WORKER);
	LAN(buf, flow(buf, LAN_A, XS_PROTO_TCP, 999, 22), XDP_DROP,
	    XS_ACT_DROP, XS_DROP_NO_POLICY);
	c.flags = 0;
	c.default_action[XS_SPD_OUT] = XS_SPD_BYPASS;
	assert_int_equal(bpf_map_update_elem(B.cfg, &zero, &c, 0), 0);
}

static void tc_redirects_to_the_internal_veth(void **state)
{
	uint8_t buf[XS_FRAME_MAX];
	size_t len = flow(buf, LAN_B, XS_PROTO_UDP, 1000, 2000);

	TC(&B, buf, len, TC_REDIRECT, XS_ACT_WORKER, 0);
	/* no internal veth: fail closed */
	TC(&NOVETH, buf, len, TC_SHOT, XS_ACT_DROP, XS_DROP_NO_WORKER);
	/* non-IP and malformed */
	buf[12] = 0x08;
	buf[13] = 0x06;
	TC(&B, buf, len, TC_OK, XS_ACT_NON_IP, 0);
	buf[13] = 0x00;
	TC(&B, buf, len - 2, TC_SHOT, XS_ACT_DROP, XS_DROP_SHORT_PACKET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lan_protect_goes_to_the_worker),
		cmocka_unit_test(protect_without_sa_acquires),
		cmocka_unit_test(acquires_rate_limited),
		cmocka_unit_test(bypass_discard_default),
		cmocka_unit_test(tc_redirects_to_the_internal_veth),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
