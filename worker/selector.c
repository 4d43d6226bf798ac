// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Inbound SA selectors (selector.h): the RFC 4301 section 5.2 step 4
 * check of a decrypted packet against the selectors of its SA.
 */
#include <string.h>

#include "../engine/ip.h"
#include "../maps/types.h"
#include "selector.h"

enum { PROTO_SCTP = 132, PROTO_UDPLITE = 136 };

/* What the check looks at in a packet; ports only if has_ports. */
struct sel_pkt {
	uint8_t family;
	const uint8_t *src, *dst;
	uint8_t proto;
	bool has_ports;
	uint16_t sport, dport;
};

bool xs_sel_proto_has_ports(uint8_t proto)
{
	return proto == XS_PROTO_TCP || proto == XS_PROTO_UDP ||
	       proto == PROTO_SCTP || proto == PROTO_UDPLITE ||
	       proto == XS_PROTO_ICMP || proto == XS_PROTO_ICMPV6;
}

static bool range_valid(uint16_t lo, uint16_t hi)
{
	return lo <= hi ||
	       (lo == XS_SEL_PORT_OPAQUE_LO && hi == XS_SEL_PORT_OPAQUE_HI);
}

bool xs_sel_valid(const struct xs_sa_sel *sel, const char **why)
{
	uint8_t bits = sel->family == XS_AF_INET6 ? 128 : 32;

	if (!sel->family)
		return true;
	if (sel->family != XS_AF_INET && sel->family != XS_AF_INET6)
		*why = "bad selector family";
	else if (sel->src_len > bits || sel->dst_len > bits)
		*why = "bad selector prefix length";
	else if (!range_valid(sel->sport_lo, sel->sport_hi) ||
		 !range_valid(sel->dport_lo, sel->dport_hi))
		*why = "bad selector port range (lo > hi, not OPAQUE)";
	else
		return true;
	return false;
}

/* Are the first len bits of addr those of prefix? */
static bool prefix_match(const uint8_t *addr, const uint8_t *prefix,
			 uint8_t len)
{
	uint8_t n = len / 8, rest = len % 8;

	if (memcmp(addr, prefix, n))
		return false;
	return !rest || !((addr[n] ^ prefix[n]) & (uint8_t)(0xff << (8 - rest)));
}

/* Ports (ICMP: type, code) of the L4 header at l4, if they are there. */
static void read_ports(struct sel_pkt *sp, const uint8_t *l4, uint32_t room)
{
	bool icmp = sp->proto == XS_PROTO_ICMP || sp->proto == XS_PROTO_ICMPV6;

	if (!xs_sel_proto_has_ports(sp->proto) || room < (icmp ? 2u : 4u))
		return;
	sp->has_ports = true;
	sp->sport = icmp ? l4[0] : xs_get16(l4);
	sp->dport = icmp ? l4[1] : xs_get16(l4 + 2);
}

static bool parse_ipv4(struct sel_pkt *sp, const uint8_t *ip, uint32_t len)
{
	uint32_t hl = (ip[0] & 0x0f) * 4u;

	if (len < XS_IPV4_HDR_LEN || hl < XS_IPV4_HDR_LEN || hl > len)
		return false;
	sp->family = XS_AF_INET;
	sp->src = ip + 12;
	sp->dst = ip + 16;
	sp->proto = ip[9];
	if (!(xs_get16(ip + 6) & 0x1fff))	/* not a later fragment */
		read_ports(sp, ip + hl, len - hl);
	return true;
}

static bool parse_ipv6(struct sel_pkt *sp, const uint8_t *ip, uint32_t len)
{
	bool later_frag;
	uint32_t off;

	if (!xs_ipv6_upper_layer(ip, len, &off, &sp->proto, &later_frag))
		return false;
	sp->family = XS_AF_INET6;
	sp->src = ip + 8;
	sp->dst = ip + 24;
	if (!later_frag)
		read_ports(sp, ip + off, len - off);
	return true;
}

/* A packet without ports matches ANY and OPAQUE only; with, the range. */
static bool port_match(uint16_t lo, uint16_t hi, bool has, uint16_t port)
{
	if (!has)
		return (lo == XS_SEL_PORT_ANY_LO && hi == XS_SEL_PORT_ANY_HI) ||
		       (lo == XS_SEL_PORT_OPAQUE_LO && hi == XS_SEL_PORT_OPAQUE_HI);
	return lo <= port && port <= hi;
}

static bool one_match(const struct xs_sa_sel *sel, const struct sel_pkt *sp)
{
	if (sel->family != sp->family ||
	    !prefix_match(sp->src, sel->src, sel->src_len) ||
	    !prefix_match(sp->dst, sel->dst, sel->dst_len))
		return false;
	if (!sel->proto)
		return true;
	return sel->proto == sp->proto &&
	       port_match(sel->sport_lo, sel->sport_hi, sp->has_ports, sp->sport) &&
	       port_match(sel->dport_lo, sel->dport_hi, sp->has_ports, sp->dport);
}

bool xs_sel_match(const struct xs_sa_sel *sels, unsigned int n,
		  const uint8_t *ip, uint32_t len)
{
	unsigned int v = xs_ip_version(ip, len), i;
	struct sel_pkt sp = { 0 };
	bool ip_ok;

	if (!n)
		return true;
	ip_ok = v == 4 ? parse_ipv4(&sp, ip, len) :
		v == 6 ? parse_ipv6(&sp, ip, len) : false;
	for (i = 0; i < n; i++)
		if (!sels[i].family || (ip_ok && one_match(&sels[i], &sp)))
			return true;
	return false;
}
