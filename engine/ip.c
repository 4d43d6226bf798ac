// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* IPv4/IPv6 header helpers shared by ESP and AH. */
#include <netinet/in.h>
#include <string.h>

#include "ip.h"

uint32_t xs_csum_add(uint32_t sum, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len >= 8; p += 8, len -= 8) {
		uint32_t w[2];

		memcpy(w, p, 8);
		s += (uint64_t)w[0] + w[1];
	}
	for (; len >= 2; p += 2, len -= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		s += w;
	}
	if (len) {
		uint16_t w = 0;

		memcpy(&w, p, 1);
		s += w;
	}
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t xs_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Sum of a 20-byte header (no options, every header of tunnel mode) without
 * its checksum field: five loads, no loops, and nothing written before the
 * loads (a byte store under a word load stalls store forwarding). Same
 * result as xs_csum_add() over the header with a zero checksum field.
 */
static uint32_t ipv4_hdr20_sum(const uint8_t *iph)
{
	uint32_t w0, w1, w3, w4;
	uint16_t w2;
	uint64_t s;

	memcpy(&w0, iph, 4);
	memcpy(&w1, iph + 4, 4);
	memcpy(&w2, iph + 8, 2);	/* TTL, protocol; not the checksum */
	memcpy(&w3, iph + 12, 4);
	memcpy(&w4, iph + 16, 4);
	s = (uint64_t)w0 + w1 + w2 + w3 + w4;
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)((s & 0xffffffff) + (s >> 32));
}

void xs_ipv4_set_csum(uint8_t *iph)
{
	uint32_t ihl = (iph[0] & 0x0f) * 4u;
	uint16_t csum;

	if (ihl == XS_IPV4_HDR_LEN) {
		csum = xs_csum_fold(ipv4_hdr20_sum(iph));
	} else {
		iph[10] = iph[11] = 0;
		csum = xs_csum_fold(xs_csum_add(0, iph, ihl));
	}
	memcpy(iph + 10, &csum, 2);
}

uint32_t xs_ip_packet_len(const uint8_t *p, uint32_t len)
{
	uint32_t ihl, n;

	switch (xs_ip_version(p, len)) {
	case 4:
		ihl = (p[0] & 0x0fu) * 4;
		if (len < XS_IPV4_HDR_LEN || ihl < XS_IPV4_HDR_LEN)
			return 0;
		n = xs_get16(p + 2);
		return n >= ihl && n <= len ? n : 0;
	case 6:
		if (len < XS_IPV6_HDR_LEN)
			return 0;
		n = XS_IPV6_HDR_LEN + xs_get16(p + 4);
		return n <= len ? n : 0;
	default:
		return 0;
	}
}

void xs_ip_set_len(uint8_t *p, uint32_t len)
{
	if (p[0] >> 4 == 6) {
		xs_put16(p + 4, (uint16_t)(len - XS_IPV6_HDR_LEN));
		return;
	}
	xs_put16(p + 2, (uint16_t)len);
	xs_ipv4_set_csum(p);
}

static bool is_ipv6_exthdr(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS;
}

/* Length of the extension header at p[off], or 0 if it runs past len. */
static uint32_t exthdr_len(const uint8_t *p, uint32_t len, uint32_t off,
			   uint8_t type)
{
	uint32_t n;

	if (off + 8 > len)
		return 0;
	n = type == IPPROTO_FRAGMENT ? 8 : (p[off + 1] + 1u) * 8;
	return off + n > len ? 0 : n;
}

bool xs_ipv6_upper_layer(const uint8_t *p, uint32_t len, uint32_t *off,
			 uint8_t *proto, bool *later_frag)
{
	uint32_t o = XS_IPV6_HDR_LEN;
	uint8_t nh;

	*later_frag = false;
	if (len < XS_IPV6_HDR_LEN)
		return false;
	nh = p[6];
	while (is_ipv6_exthdr(nh)) {
		uint32_t n = exthdr_len(p, len, o, nh);

		if (!n)
			return false;
		*later_frag = nh == IPPROTO_FRAGMENT &&
			      (xs_get16(p + o + 2) & 0xfff8);
		nh = p[o];
		o += n;
		if (*later_frag)
			break;
	}
	*off = o;
	*proto = nh;
	return true;
}

bool xs_ipv6_skip_exthdrs(const uint8_t *p, uint32_t len, uint32_t *off,
			  uint8_t *proto)
{
	bool later_frag;

	return xs_ipv6_upper_layer(p, len, off, proto, &later_frag);
}

bool xs_ipv6_insert_point(const uint8_t *p, uint32_t len, uint32_t *off,
			  uint32_t *nh_off)
{
	uint32_t o = XS_IPV6_HDR_LEN, nho = 6;
	uint8_t nh;

	if (len < XS_IPV6_HDR_LEN)
		return false;
	nh = p[6];
	while (is_ipv6_exthdr(nh)) {
		uint32_t n = exthdr_len(p, len, o, nh);

		if (!n)
			return false;
		/* destination options stay before ESP/AH only ahead of a routing header */
		if (nh == IPPROTO_DSTOPTS && p[o] != IPPROTO_ROUTING)
			break;
		if (nh == IPPROTO_FRAGMENT && xs_get16(p + o + 2) & XS_IPV6_FRAG_MASK)
			return false;
		/* hop-by-hop options may only follow the IPv6 header itself */
		if (nh == IPPROTO_HOPOPTS && o != XS_IPV6_HDR_LEN)
			return false;
		nho = o;
		nh = p[o];
		o += n;
	}
	*off = o;
	*nh_off = nho;
	return true;
}
