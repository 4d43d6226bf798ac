// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Inbound AH (RFC 4302 3.4): header sanity, the replay pre-check, the ICV
 * (compared in constant time), then lifetimes, the replay window and the
 * removal of AH (transport) or of the outer header (tunnel), in place.
 * The reserved field is not checked: it is covered by the ICV (RFC 4302 2.3).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "ah.h"
#include "ah_icv.h"
#include "engine.h"
#include "ip.h"

/* Find and check the AH header; trims link-layer padding. */
static enum xs_drop locate(const struct xs_sa *sa, struct xs_pkt *pkt,
			   const struct xs_rx_info *info, struct xs_ah_pkt *a,
			   uint32_t *ah_len)
{
	uint32_t ip_len = xs_ip_packet_len(pkt->data, pkt->len);
	const uint8_t *ah;

	if (!ip_len)
		return XS_DROP_BAD_IP_HEADER;
	xs_pkt_trim(pkt, pkt->len - ip_len);
	a->ip = pkt->data;
	a->len = pkt->len;
	a->ah_off = info->ipsec_off;
	if (a->ah_off + XS_AH_HDR_LEN > a->len)
		return XS_DROP_SHORT_PACKET;
	ah = a->ip + a->ah_off;
	*ah_len = (ah[1] + 2u) * 4;
	if (*ah_len != xs_ah_hdr_len(sa, xs_ip_version(a->ip, a->len) == 6))
		return XS_DROP_BAD_AH_HEADER;
	if (a->ah_off + *ah_len > a->len)
		return XS_DROP_SHORT_PACKET;
	return XS_OK;
}

/* Tunnel mode: the payload must be one whole IPv4 or IPv6 packet. */
static enum xs_drop check_inner(const struct xs_ah_pkt *a, uint32_t ah_len)
{
	const uint8_t *in = a->ip + a->ah_off + ah_len;
	uint32_t n = a->len - a->ah_off - ah_len;
	uint8_t nh = a->ip[a->ah_off];
	unsigned version = nh == IPPROTO_IPIP ? 4 : nh == IPPROTO_IPV6 ? 6 : 0;

	if (!version || xs_ip_version(in, n) != version)
		return XS_DROP_BAD_NEXT_HEADER;
	if (xs_ip_packet_len(in, n) != n)
		return XS_DROP_BAD_LENGTH;
	return XS_OK;
}

static enum xs_drop verify(struct xs_sa *sa, struct xs_ah_pkt *a,
			   uint64_t seq)
{
	uint8_t *field = a->ip + a->ah_off + xs_ah_icv_off(sa);
	uint8_t rx[XS_AH_MAX_ICV], icv[XS_AH_MAX_ICV];
	enum xs_drop why;

	memcpy(rx, field, sa->icv_len);
	why = xs_ah_icv(sa, a, seq, icv);
	if (why != XS_OK)
		return why;
	return xs_ct_equal(rx, icv, sa->icv_len) ? XS_OK : XS_DROP_ICV_FAIL;
}

/* Transport mode: close the gap AH leaves; the IP header moves up. */
static void remove_ah(struct xs_pkt *pkt, const struct xs_ah_pkt *a,
		      uint32_t ah_len)
{
	uint8_t nh = a->ip[a->ah_off];
	uint8_t *p;

	memmove(pkt->data + ah_len, pkt->data, a->ah_off);
	xs_pkt_pull(pkt, ah_len);
	p = pkt->data;
	p[a->nh_off] = nh;
	xs_ip_set_len(p, pkt->len);
}

static enum xs_drop check_sa(const struct xs_sa *sa,
			     const struct xs_rx_info *info)
{
	if (sa->proto != IPPROTO_AH || info->proto != IPPROTO_AH)
		return XS_DROP_WRONG_PROTO;
	if (sa->dir != XS_DIR_IN || info->spi != sa->spi)
		return XS_DROP_WRONG_SA;
	return XS_OK;
}

enum xs_drop xs_ah_in(struct xs_sa *sa, struct xs_pkt *pkt,
		      const struct xs_rx_info *info)
{
	struct xs_ah_pkt a;
	enum xs_drop why;
	uint32_t ah_len = 0, seq_lo, payload_len;
	uint64_t seq = 0;

	why = check_sa(sa, info);
	if (why == XS_OK)
		why = locate(sa, pkt, info, &a, &ah_len);
	if (why == XS_OK) {
		memcpy(&seq_lo, a.ip + a.ah_off + 8, 4);
		why = xs_replay_check(&sa->replay, ntohl(seq_lo), &seq);
	}
	if (why == XS_OK)
		why = verify(sa, &a, seq);
	if (why == XS_OK && sa->mode == XS_MODE_TUNNEL)
		why = check_inner(&a, ah_len);
	if (why == XS_OK && sa->mode == XS_MODE_TUNNEL)
		why = xs_outer_ecn_decap(sa, a.ip, a.ip + a.ah_off + ah_len);
	if (why != XS_OK)
		return xs_sa_drop(sa, why);
	payload_len = sa->mode == XS_MODE_TUNNEL ? a.len - a.ah_off - ah_len :
						   a.len - ah_len;
	why = xs_sa_charge(sa, payload_len);
	if (why != XS_OK)
		return xs_sa_drop(sa, why);
	xs_replay_advance(&sa->replay, seq);
	if (sa->mode == XS_MODE_TUNNEL)
		xs_pkt_pull(pkt, a.ah_off + ah_len);
	else
		remove_ah(pkt, &a, ah_len);
	sa->stats.packets++;
	sa->stats.bytes += payload_len;
	return XS_OK;
}
