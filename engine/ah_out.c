// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Outbound AH (RFC 4302 3.3): insert the AH header after the IP header and
 * the extension headers that precede it (transport) or after a new outer
 * header (tunnel), then fill in the ICV. The packet grows into its headroom
 * in place.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ah.h"
#include "ah_icv.h"
#include "engine.h"
#include "ip.h"

enum { IP_MAX_LEN = 65535 };

/* Where AH goes and how much the packet grows. */
struct plan {
	bool ipv6;		/* the header in front of AH is IPv6 */
	uint32_t ah_off;	/* AH header offset in the result */
	uint32_t ah_len;
	uint32_t nh_off;	/* transport: byte that will name AH */
	uint32_t grow;
};

static enum xs_drop plan_transport(const struct xs_sa *sa,
				   const struct xs_pkt *pkt, struct plan *pl)
{
	const uint8_t *p = pkt->data;

	pl->ipv6 = xs_ip_version(p, pkt->len) == 6;
	if (pl->ipv6) {
		if (!xs_ipv6_insert_point(p, pkt->len, &pl->ah_off,
					  &pl->nh_off))
			return XS_DROP_BAD_IP_HEADER;
	} else {
		if (xs_ipv4_is_fragment(p))
			return XS_DROP_BAD_IP_HEADER;
		pl->ah_off = (p[0] & 0x0fu) * 4;
		pl->nh_off = 9;
	}
	pl->ah_len = xs_ah_hdr_len(sa, pl->ipv6);
	pl->grow = pl->ah_len;
	return XS_OK;
}

static void plan_tunnel(const struct xs_sa *sa, struct plan *pl)
{
	pl->ipv6 = sa->family == AF_INET6;
	pl->ah_off = xs_outer_hdr_len(sa);
	pl->ah_len = xs_ah_hdr_len(sa, pl->ipv6);
	pl->grow = pl->ah_off + pl->ah_len;
}

/* Check the packet and decide; trims link-layer padding. */
static enum xs_drop plan(const struct xs_sa *sa, struct xs_pkt *pkt,
			 struct plan *pl)
{
	uint32_t ip_len = xs_ip_packet_len(pkt->data, pkt->len);
	enum xs_drop why = XS_OK;
	uint32_t new_len;

	if (!ip_len)
		return XS_DROP_BAD_IP_HEADER;
	xs_pkt_trim(pkt, pkt->len - ip_len);
	if (sa->mode == XS_MODE_TUNNEL)
		plan_tunnel(sa, pl);
	else
		why = plan_transport(sa, pkt, pl);
	if (why != XS_OK)
		return why;
	new_len = pkt->len + pl->grow;
	if (new_len - (pl->ipv6 ? XS_IPV6_HDR_LEN : 0) > IP_MAX_LEN)
		return XS_DROP_BAD_LENGTH;
	if (pkt->headroom < pl->grow)
		return XS_DROP_NO_ROOM;
	return XS_OK;
}

/* Make room for AH behind the IP header; returns the displaced next header. */
static uint8_t insert_transport(struct xs_pkt *pkt, const struct plan *pl)
{
	uint8_t *p, nh;

	xs_pkt_push(pkt, pl->ah_len);
	p = pkt->data;
	memmove(p, p + pl->ah_len, pl->ah_off);
	nh = p[pl->nh_off];
	p[pl->nh_off] = IPPROTO_AH;
	xs_ip_set_len(p, pkt->len);
	return nh;
}

/* Put the outer header and room for AH in front; returns the next header. */
static uint8_t insert_tunnel(struct xs_sa *sa, struct xs_pkt *pkt,
			     const struct plan *pl)
{
	const uint8_t *inner = pkt->data;
	uint8_t nh = xs_ip_version(inner, pkt->len) == 6 ? IPPROTO_IPV6 :
							    IPPROTO_IPIP;

	xs_pkt_push(pkt, pl->grow);
	xs_outer_build(sa, pkt->data, pkt->len, IPPROTO_AH, inner);
	return nh;
}

static void fill_ah(const struct xs_sa *sa, uint8_t *ah, uint32_t ah_len,
		    uint8_t nh, uint64_t seq)
{
	struct xs_ah_hdr h = {
		.next_header = nh,
		.len = (uint8_t)(ah_len / 4 - 2),
		.spi = htonl(sa->spi),
		.seq = htonl((uint32_t)seq),
	};
	uint32_t iv[2] = { htonl((uint32_t)(seq >> 32)), htonl((uint32_t)seq) };

	memset(ah, 0, ah_len);
	memcpy(ah, &h, sizeof(h));
	/* RFC 4543 3.1: the GMAC IV is the 64-bit sequence number */
	if (sa->iv_len)
		memcpy(ah + XS_AH_HDR_LEN, iv, XS_AH_GMAC_IV_LEN);
}

enum xs_drop xs_ah_out(struct xs_sa *sa, struct xs_pkt *pkt)
{
	uint8_t icv[XS_AH_MAX_ICV];
	struct xs_ah_pkt a;
	struct plan pl;
	enum xs_drop why;
	uint32_t payload_len;
	uint64_t seq;
	uint8_t nh;

	if (sa->dir != XS_DIR_OUT)
		return xs_sa_drop(sa, XS_DROP_WRONG_SA);
	if (sa->proto != IPPROTO_AH)
		return xs_sa_drop(sa, XS_DROP_WRONG_PROTO);
	why = plan(sa, pkt, &pl);
	if (why == XS_OK)
		why = xs_sa_charge(sa, pkt->len);
	if (why == XS_OK)
		why = xs_sa_next_seq(sa, &seq);
	if (why != XS_OK)
		return xs_sa_drop(sa, why);
	payload_len = pkt->len;
	if (sa->mode == XS_MODE_TUNNEL)
		nh = insert_tunnel(sa, pkt, &pl);
	else
		nh = insert_transport(pkt, &pl);
	fill_ah(sa, pkt->data + pl.ah_off, pl.ah_len, nh, seq);
	a = (struct xs_ah_pkt){ .ip = pkt->data, .len = pkt->len,
				.ah_off = pl.ah_off };
	/* a refused header chain costs a sequence number: gaps are harmless */
	why = xs_ah_icv(sa, &a, seq, icv);
	if (why != XS_OK)
		return xs_sa_drop(sa, why);
	memcpy(pkt->data + pl.ah_off + xs_ah_icv_off(sa), icv, sa->icv_len);
	sa->stats.packets++;
	sa->stats.bytes += payload_len;
	return XS_OK;
}
