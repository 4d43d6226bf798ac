// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The new outer IP header of tunnel mode (RFC 4301 5.1.2), shared by ESP and
 * AH. DSCP is copied from the inner header; ECN is copied too (RFC 6040
 * normal mode) unless XS_SA_NO_ECN asks for compatibility mode (ECN cleared).
 * IPv4 DF is copied from an inner IPv4 header and set for an inner IPv6
 * packet (IPv6 is never fragmented en route), unless XS_SA_DF_SET/CLEAR
 * decide. The IPv6 flow label is left zero.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "ip.h"
#include "sa.h"

enum {
	ECN_MASK = 0x03,
	IPV4_DF = 0x40,		/* in the high byte of flags/fragment offset */
};

uint32_t xs_outer_hdr_len(const struct xs_sa *sa)
{
	return sa->family == AF_INET6 ? XS_IPV6_HDR_LEN : XS_IPV4_HDR_LEN;
}

/* Traffic class byte (DSCP and ECN) of the inner IPv4 or IPv6 header. */
static uint8_t inner_tos(const uint8_t *inner)
{
	if (inner[0] >> 4 == 6)
		return (uint8_t)(inner[0] << 4 | inner[1] >> 4);
	return inner[1];
}

enum {
	ECN_NOT_ECT = 0x00,
	ECN_ECT1 = 0x01,
	ECN_ECT0 = 0x02,
	ECN_CE = 0x03,
};

enum xs_drop xs_outer_ecn_decap(const struct xs_sa *sa, const uint8_t *outer,
				uint8_t *inner)
{
	uint8_t out = inner_tos(outer) & ECN_MASK, in = inner_tos(inner) & ECN_MASK;
	uint8_t set;

	if (sa->flags & XS_SA_NO_ECN)
		return XS_OK;
	if (out == ECN_CE && in == ECN_NOT_ECT)
		return XS_DROP_ECN_MISMATCH;
	if (out == ECN_CE && in != ECN_CE)
		set = ECN_CE;
	else if (out == ECN_ECT1 && in == ECN_ECT0)
		set = ECN_ECT1;
	else
		return XS_OK;
	if (inner[0] >> 4 == 4) {
		inner[1] = (uint8_t)((inner[1] & ~ECN_MASK) | set);
		xs_ipv4_set_csum(inner);
	} else {
		inner[1] = (uint8_t)((inner[1] & ~(ECN_MASK << 4)) | set << 4);
	}
	return XS_OK;
}

static uint8_t outer_tos(const struct xs_sa *sa, const uint8_t *inner)
{
	uint8_t tos = inner_tos(inner);

	if (sa->flags & XS_SA_NO_ECN)
		tos &= (uint8_t)~ECN_MASK;
	return tos;
}

static bool outer_df(const struct xs_sa *sa, const uint8_t *inner)
{
	if (sa->flags & XS_SA_DF_SET)
		return true;
	if (sa->flags & XS_SA_DF_CLEAR)
		return false;
	return inner[0] >> 4 == 6 || (inner[6] & IPV4_DF);
}

static uint8_t outer_ttl(const struct xs_sa *sa)
{
	return sa->ttl ? sa->ttl : XS_DEFAULT_TTL;
}

/*
 * Written as whole 32-bit words: the checksum then reads back what it needs
 * without waiting on byte stores.
 */
static void build_ipv4(struct xs_sa *sa, uint8_t *h, uint32_t total_len,
		       uint8_t proto, const uint8_t *inner)
{
	uint32_t w[3] = {
		htonl(0x45u << 24 | (uint32_t)outer_tos(sa, inner) << 16 |
		      (uint16_t)total_len),
		htonl((uint32_t)sa->ip_id++ << 16 |
		      (outer_df(sa, inner) ? IPV4_DF << 8 : 0)),
		htonl((uint32_t)outer_ttl(sa) << 24 | (uint32_t)proto << 16),
	};

	memcpy(h, w, sizeof(w));
	memcpy(h + 12, sa->src, 4);
	memcpy(h + 16, sa->dst, 4);
	xs_ipv4_set_csum(h);
}

static void build_ipv6(struct xs_sa *sa, uint8_t *h, uint32_t total_len,
		       uint8_t proto, const uint8_t *inner)
{
	uint8_t tc = outer_tos(sa, inner);
	uint16_t plen = htons((uint16_t)(total_len - XS_IPV6_HDR_LEN));

	h[0] = (uint8_t)(0x60 | tc >> 4);
	h[1] = (uint8_t)(tc << 4);
	h[2] = h[3] = 0;
	memcpy(h + 4, &plen, 2);
	h[6] = proto;
	h[7] = outer_ttl(sa);
	memcpy(h + 8, sa->src, 16);
	memcpy(h + 24, sa->dst, 16);
}

void xs_outer_build(struct xs_sa *sa, uint8_t *hdr, uint32_t total_len,
		    uint8_t proto, const uint8_t *inner)
{
	if (sa->family == AF_INET6)
		build_ipv6(sa, hdr, total_len, proto, inner);
	else
		build_ipv4(sa, hdr, total_len, proto, inner);
}
