// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Inbound SA selectors (worker/selector.c) against RFC 4301 sections
 * 4.4.1.1 (ANY/OPAQUE, ICMP type and code as ports) and 7 (fragments):
 * hand-built IPv4/IPv6 packets at the edges of prefixes and port ranges,
 * non-first fragments of both families, extension header chains, short
 * and malformed headers, several selectors per SA, and what xs_sel_valid
 * refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "maps/types.h"
#include "worker/selector.h"

enum { P_SCTP = 132, P_UDPLITE = 136, HOPOPTS = 0, FRAG = 44, DSTOPTS = 60 };

struct pkt {
	uint8_t b[128];
	uint32_t len;
};

/* IPv4 header (no options) + 4 bytes of L4 (ports or type/code). */
static struct pkt v4(const char *src, const char *dst, uint8_t proto,
		     uint16_t sp, uint16_t dp, uint16_t frag_off)
{
	struct pkt p = { .len = 28 };

	p.b[0] = 0x45;
	p.b[3] = 28;
	p.b[6] = frag_off >> 8;
	p.b[7] = (uint8_t)frag_off;
	p.b[8] = 64;
	p.b[9] = proto;
	inet_pton(AF_INET, src, p.b + 12);
	inet_pton(AF_INET, dst, p.b + 16);
	if (proto == XS_PROTO_ICMP) {
		p.b[20] = (uint8_t)sp;
		p.b[21] = (uint8_t)dp;
	} else {
		p.b[20] = sp >> 8;
		p.b[21] = (uint8_t)sp;
		p.b[22] = dp >> 8;
		p.b[23] = (uint8_t)dp;
	}
	return p;
}

/* IPv6 header, ext headers (8 bytes each; FRAG with frag_off), 4 bytes L4. */
static struct pkt v6(const char *src, const char *dst, const uint8_t *ext,
		     int next, uint8_t proto, uint16_t sp, uint16_t dp,
		     uint16_t frag_off)
{
	struct pkt p = { .len = 40 };
	uint8_t *nh = p.b + 6;
	int i;

	p.b[0] = 0x60;
	p.b[7] = 64;
	inet_pton(AF_INET6, src, p.b + 8);
	inet_pton(AF_INET6, dst, p.b + 24);
	for (i = 0; i < next; i++) {
		*nh = ext[i];
		nh = p.b + p.len;
		if (ext[i] == FRAG) {
			p.b[p.len + 2] = frag_off >> 8;
			p.b[p.len + 3] = (uint8_t)frag_off;
		}
		p.len += 8;
	}
	*nh = proto;
	if (proto == XS_PROTO_ICMPV6) {
		p.b[p.len] = (uint8_t)sp;
		p.b[p.len + 1] = (uint8_t)dp;
	} else {
		p.b[p.len] = sp >> 8;
		p.b[p.len + 1] = (uint8_t)sp;
		p.b[p.len + 2] = dp >> 8;
		p.b[p.len + 3] = (uint8_t)dp;
	}
	p.len += 4;
	p.b[5] = (uint8_t)(p.len - 40);
	return p;
}

static struct xs_sa_sel sel(const char *src, uint8_t sl, const char *dst,
			    uint8_t dl, uint8_t proto)
{
	bool six = strchr(src, ':') != NULL;
	struct xs_sa_sel s = {
		.family = six ? XS_AF_INET6 : XS_AF_INET,
		.src_len = sl, .dst_len = dl, .proto = proto,
		.sport_lo = XS_SEL_PORT_ANY_LO, .sport_hi = XS_SEL_PORT_ANY_HI,
		.dport_lo = XS_SEL_PORT_ANY_LO, .dport_hi = XS_SEL_PORT_ANY_HI,
	};

	inet_pton(six ? AF_INET6 : AF_INET, src, s.src);
	inet_pton(six ? AF_INET6 : AF_INET, dst, s.dst);
	return s;
}

static bool in(const struct xs_sa_sel *s, struct pkt p)
{
	return xs_sel_match(s, 1, p.b, p.len);
}

static void no_selector_and_family_any(void **state)
{
	struct xs_sa_sel any = { 0 };
	uint8_t junk[3] = { 0xff, 1, 2 };

	assert_true(xs_sel_match(NULL, 0, junk, sizeof(junk)));
	assert_true(xs_sel_match(&any, 1, junk, sizeof(junk)));
	assert_true(xs_sel_match(&any, 1, junk, 0));
}

static void prefix_edges(void **state)
{
	struct xs_sa_sel s = sel("10.2.0.0", 23, "10.3.0.128", 25, 0);

	assert_true(in(&s, v4("10.2.0.0", "10.3.0.128", 17, 1, 2, 0)));
	assert_true(in(&s, v4("10.2.1.255", "10.3.0.255", 17, 1, 2, 0)));
	assert_false(in(&s, v4("10.2.2.0", "10.3.0.200", 17, 1, 2, 0)));
	assert_false(in(&s, v4("10.1.255.255", "10.3.0.200", 17, 1, 2, 0)));
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.127", 17, 1, 2, 0)));
	s = sel("0.0.0.0", 0, "10.3.0.7", 32, 0);
	assert_true(in(&s, v4("192.0.2.99", "10.3.0.7", 6, 1, 2, 0)));
	assert_false(in(&s, v4("192.0.2.99", "10.3.0.6", 6, 1, 2, 0)));
	s = sel("2001:db8:2::", 63, "::", 0, 0);
	assert_true(in(&s, v6("2001:db8:2:1::9", "2001:db8:ff::1", NULL, 0,
			      17, 1, 2, 0)));
	assert_false(in(&s, v6("2001:db8:2:2::9", "2001:db8:ff::1", NULL, 0,
			       17, 1, 2, 0)));
}

static void port_range_edges(void **state)
{
	struct xs_sa_sel s = sel("10.2.0.0", 24, "10.3.0.0", 24, XS_PROTO_UDP);

	s.sport_lo = 4000;
	s.sport_hi = 4000;
	s.dport_lo = 1000;
	s.dport_hi = 2000;
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 17, 4000, 999, 0)));
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 17, 4000, 1000, 0)));
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 17, 4000, 2000, 0)));
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 17, 4000, 2001, 0)));
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 17, 3999, 1500, 0)));
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 17, 4001, 1500, 0)));
	/* the same ports under another protocol */
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 6, 4000, 1500, 0)));
	s.proto = XS_PROTO_TCP;
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 6, 4000, 1500, 0)));
	s.proto = P_SCTP;
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", P_SCTP, 4000, 1500, 0)));
	s.proto = P_UDPLITE;
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", P_UDPLITE, 4000, 2000, 0)));
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", P_UDPLITE, 4000, 0, 0)));
	s.sport_lo = 0;
	s.sport_hi = 65535;
	s.dport_lo = s.dport_hi = 65535;
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", P_UDPLITE, 0, 65535, 0)));
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", P_UDPLITE, 0, 65534, 0)));
}

/* proto 0 (any): ports not looked at; a protocol without ports: ANY only. */
static void any_proto_and_portless_proto(void **state)
{
	struct xs_sa_sel s = sel("10.2.0.0", 24, "10.3.0.0", 24, 0);

	s.dport_lo = s.dport_hi = 53;
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 17, 9, 9, 0)));
	s = sel("10.2.0.0", 24, "10.3.0.0", 24, 47);	/* GRE */
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 47, 9, 9, 0)));
	s.dport_lo = s.dport_hi = 9;
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 47, 9, 9, 0)));
}

static void icmp_type_code(void **state)
{
	struct xs_sa_sel s = sel("10.2.0.0", 24, "10.3.0.0", 24, XS_PROTO_ICMP);
	uint8_t hbh[1] = { HOPOPTS };

	s.sport_lo = s.sport_hi = 8;		/* echo request, any code */
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 1, 8, 0, 0)));
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 1, 8, 255, 0)));
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 1, 0, 0, 0)));
	s.dport_lo = s.dport_hi = 0;		/* code 0 only */
	assert_false(in(&s, v4("10.2.0.1", "10.3.0.1", 1, 8, 1, 0)));
	assert_true(in(&s, v4("10.2.0.1", "10.3.0.1", 1, 8, 0, 0)));
	s = sel("2001:db8:2::", 64, "2001:db8:3::", 64, XS_PROTO_ICMPV6);
	s.sport_lo = 128;			/* echo request and reply */
	s.sport_hi = 129;
	assert_true(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", hbh, 1, 58,
			      129, 0, 0)));
	assert_false(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", hbh, 1, 58,
			       135, 0, 0)));
}

/* RFC 4301 section 7: later fragments have no ports: ANY and OPAQUE only. */
static void ipv4_fragments(void **state)
{
	struct xs_sa_sel s = sel("10.2.0.0", 24, "10.3.0.0", 24, XS_PROTO_UDP);
	struct pkt later = v4("10.2.0.1", "10.3.0.1", 17, 4000, 53, 185);
	struct pkt first = v4("10.2.0.1", "10.3.0.1", 17, 4000, 53, 0x2000);

	assert_true(in(&s, later));		/* ANY */
	s.sport_lo = XS_SEL_PORT_OPAQUE_LO;
	s.sport_hi = XS_SEL_PORT_OPAQUE_HI;
	s.dport_lo = XS_SEL_PORT_OPAQUE_LO;
	s.dport_hi = XS_SEL_PORT_OPAQUE_HI;
	assert_true(in(&s, later));		/* OPAQUE */
	assert_false(in(&s, first));		/* has ports: not OPAQUE */
	s.sport_lo = 0;
	s.sport_hi = 65535;
	s.dport_lo = s.dport_hi = 53;
	assert_false(in(&s, later));		/* the bytes look like 53 */
	assert_true(in(&s, first));		/* MF, offset 0: ports */
	later.b[7] = 1;				/* offset 1 (8 bytes), DF */
	later.b[6] = 0x40;
	assert_false(in(&s, later));
}

static void ipv6_fragments_and_ext_headers(void **state)
{
	struct xs_sa_sel s = sel("2001:db8:2::", 64, "2001:db8:3::", 64,
				 XS_PROTO_TCP);
	uint8_t frag[1] = { FRAG }, chain[3] = { HOPOPTS, DSTOPTS, FRAG };
	uint8_t dst[1] = { DSTOPTS };

	s.dport_lo = s.dport_hi = 443;
	/* offset 0, M set: the first fragment has the ports */
	assert_true(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", frag, 1, 6,
			      5000, 443, 1)));
	assert_true(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", chain, 3, 6,
			      5000, 443, 1)));
	assert_true(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", dst, 1, 6,
			      5000, 443, 0)));
	assert_false(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", dst, 1, 6,
			       5000, 444, 0)));
	/* offset 8 bytes: no ports, even if the data looks like them */
	assert_false(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", frag, 1, 6,
			       5000, 443, 8)));
	s.dport_lo = 0;
	s.dport_hi = 65535;
	assert_true(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", chain, 3, 6,
			      5000, 443, 8)));
	/* the protocol after the fragment header still has to match */
	assert_false(in(&s, v6("2001:db8:2::1", "2001:db8:3::1", frag, 1, 17,
			       5000, 443, 8)));
}

static void short_and_malformed(void **state)
{
	struct xs_sa_sel s = sel("10.2.0.0", 24, "10.3.0.0", 24, XS_PROTO_UDP);
	struct pkt p = v4("10.2.0.1", "10.3.0.1", 17, 4000, 53, 0);
	uint8_t frag[1] = { FRAG };
	struct pkt q;

	p.len = 22;				/* UDP cut to 2 bytes: no ports */
	assert_true(in(&s, p));
	s.dport_lo = s.dport_hi = 53;
	assert_false(in(&s, p));
	p.len = 19;				/* not even an IPv4 header */
	s.dport_lo = 0;
	s.dport_hi = 65535;
	assert_false(in(&s, p));
	p.len = 28;
	p.b[0] = 0x4f;				/* IHL 60 > 28 bytes */
	assert_false(in(&s, p));
	p.b[0] = 0x44;				/* IHL 16 < 20 */
	assert_false(in(&s, p));
	q = v6("2001:db8:2::1", "2001:db8:3::1", frag, 1, 17, 1, 2, 0);
	s = sel("2001:db8:2::", 64, "2001:db8:3::", 64, XS_PROTO_UDP);
	q.len = 44;				/* ext header runs past the end */
	assert_false(in(&s, q));
	q.b[0] = 0x50;				/* version 5 */
	q.len = 52;
	assert_false(in(&s, q));
}

static void several_selectors_and_families(void **state)
{
	struct xs_sa_sel s[3] = {
		sel("10.2.0.0", 24, "10.3.0.0", 24, XS_PROTO_TCP),
		sel("10.2.0.0", 24, "10.3.0.0", 24, XS_PROTO_UDP),
		sel("2001:db8:2::", 64, "2001:db8:3::", 64, 0),
	};
	struct pkt u = v4("10.2.0.1", "10.3.0.1", 17, 1, 53, 0);
	struct pkt g = v4("10.2.0.1", "10.3.0.1", 47, 1, 53, 0);
	struct pkt six = v6("2001:db8:2::1", "2001:db8:3::1", NULL, 0, 47,
			    1, 2, 0);

	s[0].dport_lo = s[0].dport_hi = 443;
	s[1].dport_lo = s[1].dport_hi = 53;
	assert_true(xs_sel_match(s, 3, u.b, u.len));
	assert_false(xs_sel_match(s, 1, u.b, u.len));	/* TCP only */
	assert_false(xs_sel_match(s, 3, g.b, g.len));
	assert_true(xs_sel_match(s, 3, six.b, six.len));
	assert_false(xs_sel_match(s, 2, six.b, six.len));
	assert_false(xs_sel_match(&s[2], 1, u.b, u.len));
}

static void validity(void **state)
{
	struct xs_sa_sel s = sel("10.2.0.0", 24, "10.3.0.0", 32, 17);
	const char *why = NULL;

	assert_true(xs_sel_valid(&s, &why));
	s.dst_len = 33;
	assert_false(xs_sel_valid(&s, &why));
	assert_non_null(why);
	s = sel("2001:db8::", 128, "::", 0, 17);
	assert_true(xs_sel_valid(&s, &why));
	s.src_len = 129;
	assert_false(xs_sel_valid(&s, &why));
	s.src_len = 64;
	s.dport_lo = 2;
	s.dport_hi = 1;
	assert_false(xs_sel_valid(&s, &why));
	s.dport_lo = XS_SEL_PORT_OPAQUE_LO;
	s.dport_hi = XS_SEL_PORT_OPAQUE_HI;
	assert_true(xs_sel_valid(&s, &why));
	s.family = 7;
	assert_false(xs_sel_valid(&s, &why));
	s.family = 0;				/* any: nothing else checked */
	assert_true(xs_sel_valid(&s, &why));
	assert_true(xs_sel_proto_has_ports(P_UDPLITE));
	assert_true(xs_sel_proto_has_ports(XS_PROTO_ICMPV6));
	assert_false(xs_sel_proto_has_ports(XS_PROTO_ESP));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_selector_and_family_any),
		cmocka_unit_test(prefix_edges),
		cmocka_unit_test(port_range_edges),
		cmocka_unit_test(any_proto_and_portless_proto),
		cmocka_unit_test(icmp_type_code),
		cmocka_unit_test(ipv4_fragments),
		cmocka_unit_test(ipv6_fragments_and_ext_headers),
		cmocka_unit_test(short_and_malformed),
		cmocka_unit_test(several_selectors_and_families),
		cmocka_unit_test(validity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
