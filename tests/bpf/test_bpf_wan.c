// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdp-wan through BPF_PROG_TEST_RUN: IPsec to the worker, IKE, inbound SPD. */
#include "tests/bpf/tcommon.h"

static struct xs_bpf B;
static uint8_t GW4[16], PEER4[16], GW6[16], PEER6[16], HOST4[16];

#define WAN(frame, len, verdict, act, reason) \
	expect_run(&B, B.prog_wan, XS_HOOK_WAN, frame, len, verdict, act, reason)

enum { SPI_AFXDP = 0x1001, SPI_KERNEL = 0x1002, SPI_ANYDST = 0x1003,
       SPI_GROUP = 0x1004, SPI_DEAD = 0x1005, SPI_LARVAL = 0x1006,
       SPI_OUT = 0x1007, SPI_V6 = 0x1008, SPI_AH = 0x1009 };

static void sa(uint32_t slot, uint32_t spi, uint8_t proto, uint8_t family,
	       const uint8_t *dst, uint8_t backend, uint8_t state, uint8_t dir)
{
	struct xs_sad_entry e = { .spi = spi, .state = state, .dir = dir,
				  .proto = proto, .family = family,
				  .backend = backend, .mode = 1 };
	struct xs_sad_key k = { .spi = spi, .proto = proto, .family = family };

	if (dst)
		memcpy(k.dst, dst, 16);
	assert_int_equal(xs_bpf_sa_add(&B, slot, &e, &k), 0);
}

static int setup(void **state)
{
	addr4(GW4, 192, 0, 2, 1);
	addr4(PEER4, 192, 0, 2, 2);
	addr4(HOST4, 198, 51, 100, 7);
	addr6(GW6, 0, 1);
	addr6(PEER6, 0, 2);
	if (xs_bpf_open(&B, &(struct xs_bpf_opts){ 0 }))
		return -1;
	sa(1, SPI_AFXDP, XS_PROTO_ESP, XS_AF_INET, GW4, 0, XS_SA_MATURE, 0);
	sa(2, SPI_KERNEL, XS_PROTO_ESP, XS_AF_INET, GW4, 1, XS_SA_DYING, 0);
	sa(3, SPI_ANYDST, XS_PROTO_ESP, XS_AF_INET, NULL, 1, XS_SA_MATURE, 0);
	sa(4, SPI_GROUP, XS_PROTO_ESP, XS_AF_INET, GW4, 1, XS_SA_MATURE, 0);
	sa(5, SPI_GROUP, XS_PROTO_ESP, XS_AF_INET, HOST4, 0, XS_SA_MATURE, 0);
	sa(6, SPI_DEAD, XS_PROTO_ESP, XS_AF_INET, GW4, 0, XS_SA_DEAD, 0);
	sa(7, SPI_LARVAL, XS_PROTO_ESP, XS_AF_INET, GW4, 0, XS_SA_LARVAL, 0);
	sa(8, SPI_OUT, XS_PROTO_ESP, XS_AF_INET, GW4, 0, XS_SA_MATURE, 1);
	sa(9, SPI_V6, XS_PROTO_ESP, XS_AF_INET6, GW6, 1, XS_SA_MATURE, 0);
	sa(10, SPI_AH, XS_PROTO_AH, XS_AF_INET, GW4, 1, XS_SA_MATURE, 0);
	*state = &B;
	return 0;
}

static int teardown(void **state)
{
	xs_bpf_close(&B);
	return 0;
}

/* ESP (or ESP in UDP to 4500) from PEER4 to dst with spi. */
static size_t esp4(uint8_t *buf, const uint8_t *dst, uint32_t spi, int udp)
{
	struct xs_tflow f = { .family = XS_AF_INET,
			      .proto = udp ? XS_PROTO_UDP : XS_PROTO_ESP,
			      .sport = XS_PORT_NATT, .dport = XS_PORT_NATT };
	uint8_t pl[40] = { 0 };

	memcpy(f.src, PEER4, 16);
	memcpy(f.dst, dst, 16);
	put32(pl, spi);
	put32(pl + 4, 1);
	return xs_frame(buf, &f, pl, sizeof(pl));
}

static void esp_known_spi_goes_to_worker(void **state)
{
	uint8_t buf[XS_FRAME_MAX];
	size_t len = esp4(buf, GW4, SPI_AFXDP, 0);

	/* no AF_XDP socket yet: fail closed, counted */
	WAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_NO_WORKER);
	assert_int_equal(xs_bpf_xsk_open(&B, 0), 0);
	WAN(buf, len, XDP_REDIRECT, XS_ACT_WORKER, 0);
	len = esp4(buf, GW4, SPI_AFXDP, 1);
	WAN(buf, len, XDP_REDIRECT, XS_ACT_WORKER, 0);
	xs_bpf_xsk_close(&B);
	WAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_NO_WORKER);
}

static void esp_unknown_spi_is_dropped(void **state)
{
	uint8_t buf[XS_FRAME_MAX];

	WAN(buf, esp4(buf, GW4, 0xdead, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_UNKNOWN_SPI);
	WAN(buf, esp4(buf, GW4, 0xdead, 1), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_UNKNOWN_SPI);
	/* the right SPI for another protocol is unknown too */
	buf[14 + 9] = XS_PROTO_AH;
	WAN(buf, esp4(buf, GW4, SPI_AH, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_UNKNOWN_SPI);
}

static void sad_by_destination(void **state)
{
	uint8_t buf[XS_FRAME_MAX];

	WAN(buf, esp4(buf, GW4, SPI_KERNEL, 0), XDP_PASS, XS_ACT_KERNEL, 0);
	/* any-destination entry */
	WAN(buf, esp4(buf, HOST4, SPI_ANYDST, 0), XDP_PASS, XS_ACT_KERNEL, 0);
	/* one SPI, two destinations, two SAs (kernel vs worker) */
	WAN(buf, esp4(buf, GW4, SPI_GROUP, 0), XDP_PASS, XS_ACT_KERNEL, 0);
	WAN(buf, esp4(buf, HOST4, SPI_GROUP, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_NO_WORKER);
	WAN(buf, esp4(buf, PEER4, SPI_GROUP, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_UNKNOWN_SPI);
}

static void sa_state_is_checked(void **state)
{
	uint8_t buf[XS_FRAME_MAX];

	WAN(buf, esp4(buf, GW4, SPI_DEAD, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_LIFETIME_EXPIRED);
	WAN(buf, esp4(buf, GW4, SPI_LARVAL, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_WRONG_SA);
	WAN(buf, esp4(buf, GW4, SPI_OUT, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_WRONG_SA);
}

static void ah_known_spi(void **state)
{
	struct xs_tflow f = { .family = XS_AF_INET, .proto = XS_PROTO_AH };
	uint8_t buf[XS_FRAME_MAX], pl[24] = { XS_PROTO_TCP, 4 };
	size_t len;

	memcpy(f.src, PEER4, 16);
	memcpy(f.dst, GW4, 16);
	put32(pl + 4, SPI_AH);
	len = xs_frame(buf, &f, pl, sizeof(pl));
	WAN(buf, len, XDP_PASS, XS_ACT_KERNEL, 0);
	put32(pl + 4, SPI_AFXDP);	/* an ESP SA's SPI */
	len = xs_frame(buf, &f, pl, sizeof(pl));
	WAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_UNKNOWN_SPI);
	/* AH header cut before the SPI */
	len = xs_frame(buf, &f, pl, 6);
	WAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_SHORT_PACKET);
}

static size_t udp4(uint8_t *buf, uint16_t dport, const uint8_t *pl, size_t n)
{
	struct xs_tflow f = { .family = XS_AF_INET, .proto = XS_PROTO_UDP,
			      .sport = 4500, .dport = dport };

	memcpy(f.src, PEER4, 16);
	memcpy(f.dst, GW4, 16);
	return xs_frame(buf, &f, pl, n);
}

static void ike_and_keepalives_go_to_the_stack(void **state)
{
	uint8_t buf[XS_FRAME_MAX], ike[36] = { 0 }, ka[1] = { 0xff };

	ike[4 + 17] = 0x20;	/* IKE header after the non-ESP marker */
	WAN(buf, udp4(buf, 500, ike + 4, 32), XDP_PASS, XS_ACT_IKE, 0);
	WAN(buf, udp4(buf, 4500, ike, 36), XDP_PASS, XS_ACT_IKE, 0);
	WAN(buf, udp4(buf, 4500, ka, 1), XDP_PASS, XS_ACT_IKE, 0);
	ka[0] = 0xfe;
	WAN(buf, udp4(buf, 4500, ka, 1), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_BAD_ENCAP);
	WAN(buf, udp4(buf, 4500, ike, 3), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_BAD_ENCAP);
	WAN(buf, udp4(buf, 4500, ike, 0), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_BAD_ENCAP);
	/* other UDP ports are plaintext: default bypass */
	WAN(buf, udp4(buf, 4501, ike, 36), XDP_PASS, XS_ACT_DEFAULT, 0);
}

static void set_cfg(uint32_t flags, uint8_t def_in)
{
	struct xs_cfg c;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(B.cfg, &zero, &c), 0);
	c.flags = flags;
	c.default_action[XS_SPD_IN] = def_in;
	assert_int_equal(bpf_map_update_elem(B.cfg, &zero, &c, 0), 0);
}

static size_t tcp4(uint8_t *buf, const uint8_t *src, uint16_t dport)
{
	struct xs_tflow f = { .family = XS_AF_INET, .proto = XS_PROTO_TCP,
			      .sport = 40000, .dport = dport };

	memcpy(f.src, src, 16);
	memcpy(f.dst, GW4, 16);
	return xs_frame(buf, &f, "data", 4);
}

static void inbound_spd_on_plaintext(void **state)
{
	struct xs_spd_policy p[4];
	uint8_t buf[XS_FRAME_MAX];

	p[0] = xs_policy(XS_SPD_IN, XS_AF_INET, XS_SPD_BYPASS);
	p[0].proto = XS_PROTO_TCP;
	p[0].dport_lo = p[0].dport_hi = 22;
	p[1] = xs_policy(XS_SPD_IN, XS_AF_INET, XS_SPD_PROTECT);
	p[1].priority = 2;
	memcpy(p[1].src, PEER4, 16);
	p[1].src_len = 24;
	p[2] = xs_policy(XS_SPD_FWD, XS_AF_INET, XS_SPD_DISCARD);
	p[2].proto = XS_PROTO_TCP;
	p[2].dport_lo = 80;
	p[2].dport_hi = 90;
	p[3] = xs_policy(XS_SPD_IN, XS_AF_INET, XS_SPD_BYPASS);	/* SPI_GROUP transit */
	p[3].proto = XS_PROTO_ESP;
	p[3].priority = 1;
	assert_int_equal(xs_bpf_spd_set(&B, p, 4), 0);
	WAN(buf, tcp4(buf, PEER4, 22), XDP_PASS, XS_ACT_BYPASS, 0);
	WAN(buf, tcp4(buf, PEER4, 23), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_UNPROTECTED);
	WAN(buf, tcp4(buf, HOST4, 85), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_POLICY_DISCARD);
	WAN(buf, tcp4(buf, HOST4, 95), XDP_PASS, XS_ACT_DEFAULT, 0);
	/* unknown SPI with an explicit BYPASS policy: transit ESP */
	WAN(buf, esp4(buf, HOST4, 0xbeef, 0), XDP_PASS, XS_ACT_BYPASS, 0);
	set_cfg(0, XS_SPD_DISCARD);
	WAN(buf, tcp4(buf, HOST4, 95), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_NO_POLICY);
	set_cfg(0, XS_SPD_BYPASS);
	assert_int_equal(xs_bpf_spd_set(&B, NULL, 0), 0);
	WAN(buf, tcp4(buf, PEER4, 23), XDP_PASS, XS_ACT_DEFAULT, 0);
}

static void nd_and_ike_bypass_can_be_turned_off(void **state)
{
	struct xs_tflow f = { .family = XS_AF_INET6, .proto = XS_PROTO_ICMPV6,
			      .sport = 135 };
	struct xs_spd_policy p = xs_policy(XS_SPD_IN, XS_AF_INET6,
					   XS_SPD_DISCARD);
	uint8_t buf[XS_FRAME_MAX], ike[32] = { 0 };
	size_t len;

	memcpy(f.src, PEER6, 16);
	memcpy(f.dst, GW6, 16);
	len = xs_frame(buf, &f, "nd", 2);
	assert_int_equal(xs_bpf_spd_set(&B, &p, 1), 0);
	WAN(buf, len, XDP_PASS, XS_ACT_IKE, 0);
	set_cfg(XS_CFG_NO_ND_BYPASS, XS_SPD_BYPASS);
	WAN(buf, len, XDP_DROP, XS_ACT_DROP, XS_DROP_POLICY_DISCARD);
	WAN(buf, udp4(buf, 500, ike, 32), XDP_PASS, XS_ACT_IKE, 0);
	set_cfg(XS_CFG_NO_IKE_BYPASS, XS_SPD_DISCARD);
	WAN(buf, udp4(buf, 500, ike, 32), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_NO_POLICY);
	set_cfg(0, XS_SPD_BYPASS);
	assert_int_equal(xs_bpf_spd_set(&B, NULL, 0), 0);
}

/* An 8-byte IPv6 extension header naming next. */
static uint8_t *ext6(uint8_t *p, uint8_t next)
{
	memset(p, 0, 8);
	p[0] = next;
	return p + 8;
}

static void ipv6_extension_headers(void **state)
{
	struct xs_tflow f = { .family = XS_AF_INET6, .proto = 0 };
	uint8_t buf[XS_FRAME_MAX], pl[200], *p = pl;
	int i;

	memcpy(f.src, PEER6, 16);
	memcpy(f.dst, GW6, 16);
	p = ext6(p, 60);		/* hop-by-hop -> dst opts */
	p = ext6(p, 43);		/* dst opts -> routing */
	p = ext6(p, XS_PROTO_ESP);	/* routing -> ESP */
	put32(p, SPI_V6);
	WAN(buf, xs_frame(buf, &f, pl, p - pl + 24), XDP_PASS, XS_ACT_KERNEL, 0);
	/* fragment header, first fragment: still classified by SPI... */
	p = ext6(pl, 44);
	p = ext6(p, XS_PROTO_ESP);
	put32(p, SPI_V6);
	pl[8 + 3] = 1;			/* M flag */
	WAN(buf, xs_frame(buf, &f, pl, p - pl + 24), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_NO_WORKER);		/* ...but fragments go to the worker */
	/* nine extension headers: more than we walk */
	for (p = pl, i = 0; i < 9; i++)
		p = ext6(p, i < 8 ? 60 : XS_PROTO_ESP);
	WAN(buf, xs_frame(buf, &f, pl, p - pl + 8), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_BAD_EXT_HEADER);
	/* extension header running past the end */
	ext6(pl, XS_PROTO_ESP)[-7] = 3;
	WAN(buf, xs_frame(buf, &f, pl, 16), XDP_DROP, XS_ACT_DROP,
	    XS_DROP_SHORT_PACKET);
}

static void vlan_and_non_ip(void **state)
{
	uint8_t buf[XS_FRAME_MAX + 8];
	size_t len = esp4(buf, GW4, SPI_KERNEL, 0);

	memmove(buf + 16, buf + 12, len - 12);
	buf[12] = 0x81;
	buf[13] = 0x00;
	buf[14] = 0;
	buf[15] = 7;
	WAN(buf, len + 4, XDP_PASS, XS_ACT_KERNEL, 0);
	memmove(buf + 16, buf + 12, len + 4 - 12);
	WAN(buf, len + 8, XDP_DROP, XS_ACT_DROP, XS_DROP_VLAN_STACK);
	buf[12] = 0x08;
	buf[13] = 0x06;			/* ARP */
	WAN(buf, 60, XDP_PASS, XS_ACT_NON_IP, 0);
	buf[12] = 0x08;
	buf[13] = 0x00;
	buf[14] = 0x46;			/* IPv4 header with options, cut */
	WAN(buf, 14 + 20, XDP_DROP, XS_ACT_DROP, XS_DROP_SHORT_PACKET);
	buf[14] = 0x44;			/* IHL 4 */
	WAN(buf, 60, XDP_DROP, XS_ACT_DROP, XS_DROP_BAD_IP_HEADER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(esp_unknown_spi_is_dropped),
		cmocka_unit_test(sad_by_destination),
		cmocka_unit_test(sa_state_is_checked),
		cmocka_unit_test(ah_known_spi),
		cmocka_unit_test(ike_and_keepalives_go_to_the_stack),
		cmocka_unit_test(inbound_spd_on_plaintext),
		cmocka_unit_test(nd_and_ike_bypass_can_be_turned_off),
		cmocka_unit_test(ipv6_extension_headers),
		cmocka_unit_test(vlan_and_non_ip),
		cmocka_unit_test(esp_known_spi_goes_to_worker),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
