// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Truncated, mutated and random frames through every program: the
 * verifier-accepted code never faults, every packet moves exactly one
 * action counter, the verdict agrees with that counter, and xdp-lan's
 * verdict agrees with an independent reference (a byte-level parser here
 * plus the linear SPD scan of spd_ref.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "tests/bpf/spd_ref.h"
#include "tests/bpf/tcommon.h"

static struct xs_bpf B;
static struct xs_spd_policy POL[64];
enum { N_POL = 64, N_MUTATIONS = 30000 };

struct seed {
	uint8_t frame[256];
	size_t len;
};
static struct seed SEEDS[8];

static size_t seed_frame(uint8_t *buf, uint8_t family, uint8_t proto,
			 uint16_t sport, uint16_t dport, const void *pl,
			 size_t plen)
{
	struct xs_tflow f = { .family = family, .proto = proto,
			      .sport = sport, .dport = dport };

	if (family == XS_AF_INET) {
		addr4(f.src, 10, 1, 0, 1);
		addr4(f.dst, 10, 2, 0, 2);
	} else {
		addr6(f.src, 1, 1);
		addr6(f.dst, 2, 2);
	}
	return xs_frame(buf, &f, pl, plen);
}

static void make_seeds(void)
{
	uint8_t esp[24] = { 0, 0, 0x10, 0x01, 0, 0, 0, 1 }, ext[40] = { 0 };
	uint8_t ka = 0xff, ike[32] = { 0 };
	struct seed *s = SEEDS;

	s->len = seed_frame(s->frame, XS_AF_INET, XS_PROTO_ESP, 0, 0, esp, 24), s++;
	s->len = seed_frame(s->frame, XS_AF_INET, XS_PROTO_UDP, 4500, 4500, esp, 24), s++;
	s->len = seed_frame(s->frame, XS_AF_INET, XS_PROTO_UDP, 4500, 4500, ike, 32), s++;
	s->len = seed_frame(s->frame, XS_AF_INET, XS_PROTO_UDP, 4500, 4500, &ka, 1), s++;
	s->len = seed_frame(s->frame, XS_AF_INET, XS_PROTO_TCP, 1000, 1010, "abc", 3), s++;
	s->len = seed_frame(s->frame, XS_AF_INET6, XS_PROTO_ICMPV6, 135, 0, "nd", 2), s++;
	ext[0] = 44;			/* hop-by-hop -> fragment -> UDP */
	ext[8] = XS_PROTO_UDP;
	ext[16] = 0x03;			/* UDP ports 1000 -> 1010 */
	ext[17] = 0xe8;
	ext[18] = 0x03;
	ext[19] = 0xf2;
	ext[21] = 16;
	s->len = seed_frame(s->frame, XS_AF_INET6, 0, 0, 0, ext, 32), s++;
	s->len = seed_frame(s->frame, XS_AF_INET6, XS_PROTO_TCP, 1000, 1010, "abc", 3);
}

static int setup(void **state)
{
	int i;

	if (xs_bpf_open(&B, &(struct xs_bpf_opts){ .tc_ifindex = 1 }))
		return -1;
	srand(9);
	for (i = 0; i < N_POL; i++) {
		uint8_t fam = i % 2 ? XS_AF_INET : XS_AF_INET6;

		POL[i] = xs_policy(XS_SPD_OUT, fam, rand() % 3);
		if (fam == XS_AF_INET)
			addr4(POL[i].dst, 10, rand() % 4, 0, 0);
		else
			addr6(POL[i].dst, rand() % 4, 0);
		POL[i].dst_len = fam == XS_AF_INET ? 16 : 48;
		POL[i].proto = (uint8_t[]){ 0, 6, 17, 58 }[rand() % 4];
		POL[i].dport_lo = 1000 + rand() % 8;
		POL[i].dport_hi = POL[i].dport_lo + rand() % 8;
		POL[i].priority = rand() % 16;
	}
	make_seeds();
	return xs_bpf_spd_set(&B, POL, N_POL) ? -1 : 0;
}

static int teardown(void **state)
{
	xs_bpf_close(&B);
	return 0;
}

/* Run once; check exactly one action moved and agrees with the verdict. */
static int run_checked(int prog, unsigned int hook, const uint8_t *f,
		       size_t len, unsigned int *act)
{
	uint64_t before[XS_ACT__MAX];
	unsigned int a, moved = 0;
	int v;

	for (a = 0; a < XS_ACT__MAX; a++)
		before[a] = xs_bpf_action(&B, hook, a);
	v = xs_bpf_run(prog, f, len, 1, NULL);
	if (v == -EINVAL && prog == B.prog_tc)
		return v;		/* the kernel refused a bad skb */
	for (a = 0; a < XS_ACT__MAX; a++)
		if (xs_bpf_action(&B, hook, a) != before[a]) {
			assert_int_equal(xs_bpf_action(&B, hook, a) - before[a], 1);
			*act = a;
			moved++;
		}
	assert_int_equal(moved, 1);
	if (*act == XS_ACT_DROP)
		assert_int_equal(v, prog == B.prog_tc ? TC_SHOT : XDP_DROP);
	else if (*act == XS_ACT_WORKER)
		assert_int_equal(v, prog == B.prog_tc ? TC_REDIRECT : XDP_REDIRECT);
	else
		assert_int_equal(v, prog == B.prog_tc ? TC_OK : XDP_PASS);
	return v;
}

static void truncated_frames_are_dropped(void **state)
{
	unsigned int s, act;
	size_t len;

	for (s = 0; s < sizeof(SEEDS) / sizeof(*SEEDS); s++) {
		for (len = 14; len < SEEDS[s].len; len++) {
			uint64_t d0 = xs_bpf_drop(&B, XS_HOOK_WAN, XS_DROP_SHORT_PACKET);

			run_checked(B.prog_wan, XS_HOOK_WAN, SEEDS[s].frame, len, &act);
			assert_int_equal(act, XS_ACT_DROP);
			assert_int_equal(xs_bpf_drop(&B, XS_HOOK_WAN,
						     XS_DROP_SHORT_PACKET) - d0, 1);
			run_checked(B.prog_lan, XS_HOOK_LAN, SEEDS[s].frame, len, &act);
			assert_int_equal(act, XS_ACT_DROP);
			if (run_checked(B.prog_tc, XS_HOOK_TC, SEEDS[s].frame, len,
					&act) != -EINVAL)
				assert_int_equal(act, XS_ACT_DROP);
		}
	}
}

/* IPv6 header and extension headers at off; 0 or -1 if malformed. */
static int ref_ipv6(const uint8_t *p, size_t len, size_t off,
		    struct xs_tflow *f, size_t *l4_out)
{
	unsigned int i, nh;
	size_t l4;

	if (len < off + 40 || p[off] >> 4 != 6 ||
	    40 + (size_t)(p[off + 4] << 8 | p[off + 5]) > len - off)
		return -1;
	f->family = XS_AF_INET6;
	memcpy(f->src, p + off + 8, 16);
	memcpy(f->dst, p + off + 24, 16);
	nh = p[off + 6];
	l4 = off + 40;
	for (i = 0; i < 8; i++) {
		if (nh == 44) {
			if (len < l4 + 8)
				return -1;
			f->opaque = ((p[l4 + 2] << 8 | p[l4 + 3]) & 0xfff8) != 0;
			nh = p[l4];
			l4 += 8;
			if (f->opaque)
				break;
		} else if (nh == 0 || nh == 43 || nh == 60) {
			if (len < l4 + 2 || len < l4 + (p[l4 + 1] + 1) * 8)
				return -1;
			nh = p[l4];
			l4 += (p[l4 + 1] + 1) * 8;
		} else {
			break;
		}
	}
	f->proto = nh;
	*l4_out = l4;
	return i == 8 ? -1 : 0;
}

/* Independent parse of a frame for xdp-lan: -1 malformed, 0 non-IP, 1 IP. */
static int ref_parse(const uint8_t *p, size_t len, struct xs_tflow *f)
{
	size_t off = 14, l4, hl;
	unsigned int type;

	memset(f, 0, sizeof(*f));
	if (len < 14)
		return -1;
	type = p[12] << 8 | p[13];
	if (type == 0x8100 || type == 0x88a8) {
		if (len < 18)
			return -1;
		type = p[16] << 8 | p[17];
		off = 18;
		if (type == 0x8100 || type == 0x88a8)
			return -1;
	}
	if (type == 0x0800) {
		if (len < off + 20 || p[off] >> 4 != 4 || (p[off] & 15) < 5)
			return -1;
		hl = (p[off] & 15) * 4;
		if (len < off + hl || (size_t)(p[off + 2] << 8 | p[off + 3]) < hl ||
		    (size_t)(p[off + 2] << 8 | p[off + 3]) > len - off)
			return -1;
		f->family = XS_AF_INET;
		f->opaque = ((p[off + 6] << 8 | p[off + 7]) & 0x1fff) != 0;
		f->proto = p[off + 9];
		memcpy(f->src, p + off + 12, 4);
		memcpy(f->dst, p + off + 16, 4);
		l4 = off + hl;
	} else if (type == 0x86dd) {
		if (ref_ipv6(p, len, off, f, &l4))
			return -1;
	} else {
		return 0;
	}
	if (f->opaque)
		return 1;
	switch (f->proto) {
	case XS_PROTO_ICMP:
	case XS_PROTO_ICMPV6:
		if (len < l4 + 2)
			return -1;
		f->sport = p[l4];
		f->dport = p[l4 + 1];
		return 1;
	case XS_PROTO_TCP:
	case XS_PROTO_UDP:
	case 132:
		if (len < l4 + (f->proto == XS_PROTO_UDP ? 8 : 4))
			return -1;
		f->sport = p[l4] << 8 | p[l4 + 1];
		f->dport = p[l4 + 2] << 8 | p[l4 + 3];
		return 1;
	}
	f->opaque = 1;
	return 1;
}

/* What xdp-lan must do with the frame, as an action counter. */
static unsigned int ref_lan(const uint8_t *p, size_t len)
{
	struct xs_tflow f;
	int r = ref_parse(p, len, &f);
	long i;

	if (r <= 0)
		return r < 0 ? XS_ACT_DROP : XS_ACT_NON_IP;
	if (!f.opaque && f.proto == XS_PROTO_UDP &&
	    (f.sport == 500 || f.dport == 500 || f.sport == 4500 || f.dport == 4500))
		return XS_ACT_IKE;
	if (!f.opaque && f.proto == XS_PROTO_ICMPV6 && f.sport >= 133 &&
	    f.sport <= 137)
		return XS_ACT_IKE;
	i = ref_lookup(POL, N_POL, XS_SPD_OUT, &f);
	if (i < 0)
		return XS_ACT_DEFAULT;
	return POL[i].action == XS_SPD_BYPASS ? XS_ACT_BYPASS : XS_ACT_DROP;
}

static void mutate(uint8_t *f, size_t *len)
{
	int n = 1 + rand() % 4;

	while (n--) {
		size_t at = rand() % 3 ? rand() % (*len < 80 ? *len : 80)
				       : rand() % *len;

		f[at] = rand() % 4 ? rand() : f[at] ^ (1 << rand() % 8);
	}
	if (rand() % 8 == 0)
		*len = 14 + rand() % (*len - 13);
}

static void mutated_and_random_frames(void **state)
{
	uint8_t f[256];
	unsigned int act, checked = 0;
	size_t len;
	int i;

	srand(3948);
	for (i = 0; i < N_MUTATIONS; i++) {
		if (i % 10 == 0) {
			len = 14 + rand() % 200;
			for (size_t k = 0; k < len; k++)
				f[k] = rand();
			f[12] = (uint8_t[]){ 0x08, 0x86, 0x81 }[rand() % 3];
			f[13] = f[12] == 0x08 ? 0x00 : f[12] == 0x86 ? 0xdd : 0x00;
		} else {
			const struct seed *s = &SEEDS[rand() % 8];

			memcpy(f, s->frame, s->len);
			len = s->len;
			mutate(f, &len);
		}
		run_checked(B.prog_wan, XS_HOOK_WAN, f, len, &act);
		run_checked(B.prog_tc, XS_HOOK_TC, f, len, &act);
		run_checked(B.prog_lan, XS_HOOK_LAN, f, len, &act);
		assert_int_equal(act, ref_lan(f, len));
		checked += act != XS_ACT_DROP;
	}
	assert_true(checked > N_MUTATIONS / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(truncated_frames_are_dropped),
		cmocka_unit_test(mutated_and_random_frames),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
