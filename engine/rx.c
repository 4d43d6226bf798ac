// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Outer header parsing of received packets: IPv4 or IPv6 (with extension
 * headers), then ESP, AH or ESP-in-UDP (RFC 3948). Every length is checked
 * before the bytes it covers are read.
 */
#include <string.h>
#include <sys/socket.h>

#include "ah.h"
#include "engine.h"
#include "esp_common.h"

/*
 * IPv4: version, header length, total length. Fragments (MF or an offset)
 * are refused: the ICV covers the whole ESP packet, so reassembly must happen
 * before this point, in the dataplane.
 */
static enum xs_drop parse_ipv4(const uint8_t *p, uint32_t len,
			       struct xs_rx_info *info, uint32_t *ip_len)
{
	uint32_t ihl, tot;

	if (len < XS_IPV4_HDR_LEN)
		return XS_DROP_SHORT_PACKET;
	ihl = (p[0] & 0x0f) * 4u;
	tot = xs_get16(p + 2);
	if (ihl < XS_IPV4_HDR_LEN || tot < ihl || tot > len)
		return XS_DROP_BAD_IP_HEADER;
	if (xs_ipv4_is_fragment(p))
		return XS_DROP_BAD_IP_HEADER;
	info->family = AF_INET;
	info->proto = p[9];
	info->l3_len = (uint16_t)ihl;
	memcpy(info->src, p + 12, 4);
	memcpy(info->dst, p + 16, 4);
	*ip_len = tot;
	return XS_OK;
}

/* IPv6: payload length (no jumbograms), extension headers, no fragments. */
static enum xs_drop parse_ipv6(const uint8_t *p, uint32_t len,
			       struct xs_rx_info *info, uint32_t *ip_len)
{
	uint32_t tot, off;
	uint8_t proto;
	bool fragment;

	if (len < XS_IPV6_HDR_LEN)
		return XS_DROP_SHORT_PACKET;
	tot = XS_IPV6_HDR_LEN + xs_get16(p + 4);
	if (tot == XS_IPV6_HDR_LEN || tot > len ||
	    !xs_ipv6_skip_exthdrs(p, tot, &off, &proto))
		return XS_DROP_BAD_IP_HEADER;
	xs_ipv6_last_nh(p, off, &fragment);
	if (fragment)
		return XS_DROP_BAD_IP_HEADER;
	info->family = AF_INET6;
	info->proto = proto;
	info->l3_len = (uint16_t)off;
	memcpy(info->src, p + 8, 16);
	memcpy(info->dst, p + 24, 16);
	*ip_len = tot;
	return XS_OK;
}

/* UDP on any port: keepalive, IKE (non-ESP marker) or ESP (RFC 3948 2.2). */
static enum xs_drop parse_udp(const uint8_t *p, uint32_t off, uint32_t ip_len,
			      struct xs_rx_info *info)
{
	uint32_t ulen;
	const uint8_t *pl = p + off + XS_UDP_HDR_LEN;

	if (off + XS_UDP_HDR_LEN > ip_len)
		return XS_DROP_SHORT_PACKET;
	ulen = xs_get16(p + off + 4);
	if (ulen != ip_len - off)
		return XS_DROP_BAD_LENGTH;
	ulen -= XS_UDP_HDR_LEN;
	if (ulen == 1 && pl[0] == XS_NATT_KEEPALIVE)
		return XS_DROP_NAT_KEEPALIVE;
	if (ulen >= XS_NATT_NON_ESP_MARKER_LEN && !xs_get32(pl))
		return XS_DROP_NOT_IPSEC;
	if (ulen < XS_ESP_HDR_LEN)
		return XS_DROP_SHORT_PACKET;
	info->udp_encap = 1;
	info->sport = xs_get16(p + off);
	info->dport = xs_get16(p + off + 2);
	info->proto = IPPROTO_ESP;
	info->ipsec_off = (uint16_t)(off + XS_UDP_HDR_LEN);
	info->spi = xs_get32(pl);
	return XS_OK;
}

enum xs_drop xs_rx_parse(const struct xs_pkt *pkt, struct xs_rx_info *info)
{
	const uint8_t *p = pkt->data;
	uint32_t ip_len = 0, need;
	enum xs_drop why;

	memset(info, 0, sizeof(*info));
	switch (xs_ip_version(p, pkt->len)) {
	case 4:
		why = parse_ipv4(p, pkt->len, info, &ip_len);
		break;
	case 6:
		why = parse_ipv6(p, pkt->len, info, &ip_len);
		break;
	default:
		why = pkt->len ? XS_DROP_BAD_IP_HEADER : XS_DROP_SHORT_PACKET;
	}
	if (why != XS_OK)
		return why;
	if (info->proto == IPPROTO_UDP)
		return parse_udp(p, info->l3_len, ip_len, info);
	if (info->proto != IPPROTO_ESP && info->proto != IPPROTO_AH)
		return XS_DROP_NOT_IPSEC;
	need = info->proto == IPPROTO_ESP ? XS_ESP_HDR_LEN : XS_AH_HDR_LEN;
	if (info->l3_len + need > ip_len)
		return XS_DROP_SHORT_PACKET;
	info->ipsec_off = info->l3_len;
	info->spi = xs_get32(p + info->l3_len + 4 * (info->proto == IPPROTO_AH));
	return XS_OK;
}
