// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ESP decapsulation (RFC 4303), also from UDP (RFC 3948), in place. Order
 * matters: cheap checks and the replay pre-check first, then the ICV, and
 * only for an authentic packet the window, the lifetimes and the contents.
 * Whatever fails after decryption leaves a buffer the caller must drop.
 */
#include <sys/socket.h>

#include "engine.h"
#include "esp_common.h"

/* One received ESP packet as the checks see it. */
struct esp_rx {
	uint8_t *esp;		/* ESP header */
	uint8_t *data;		/* payload, then padding and trailer */
	uint32_t ct_len;	/* bytes from data up to the ICV */
	uint32_t payload_len;	/* after the trailer is removed */
	uint64_t seq;		/* full sequence number */
	uint8_t next_header;
};

static enum xs_drop check_sa(const struct xs_sa *sa,
			     const struct xs_rx_info *info)
{
	if (sa->dir != XS_DIR_IN || sa->proto != IPPROTO_ESP ||
	    sa->spi != info->spi)
		return XS_DROP_WRONG_SA;
	if (info->proto != IPPROTO_ESP)
		return XS_DROP_WRONG_PROTO;
	if (!info->udp_encap != !(sa->flags & XS_SA_UDP_ENCAP))
		return XS_DROP_BAD_ENCAP;
	if (sa->expired)
		return XS_DROP_LIFETIME_EXPIRED;
	return XS_OK;
}

/*
 * Cut the packet to the outer IP length and find the ciphertext: ESP header,
 * IV, at least one alignment unit, ICV; whole alignment units only (cipher
 * blocks for CBC, 32-bit words otherwise: RFC 4303 2.4).
 */
static enum xs_drop locate(const struct xs_sa *sa, struct xs_pkt *pkt,
			   const struct xs_rx_info *info, struct esp_rx *rx)
{
	const uint8_t *p = pkt->data;
	uint32_t ip_len, esp_len, min;

	if (pkt->len < XS_IPV6_HDR_LEN && info->family == AF_INET6)
		return XS_DROP_SHORT_PACKET;
	if (pkt->len < XS_IPV4_HDR_LEN)
		return XS_DROP_SHORT_PACKET;
	ip_len = info->family == AF_INET6 ? XS_IPV6_HDR_LEN + xs_get16(p + 4) :
					     xs_get16(p + 2);
	if (ip_len > pkt->len || info->ipsec_off < info->l3_len ||
	    (uint32_t)info->ipsec_off + XS_ESP_HDR_LEN > ip_len)
		return XS_DROP_BAD_LENGTH;
	xs_pkt_trim(pkt, pkt->len - ip_len);
	esp_len = ip_len - info->ipsec_off;
	min = XS_ESP_HDR_LEN + sa->iv_len + sa->align + sa->icv_len;
	if (esp_len < min)
		return XS_DROP_SHORT_PACKET;
	rx->esp = pkt->data + info->ipsec_off;
	rx->data = rx->esp + XS_ESP_HDR_LEN + sa->iv_len;
	rx->ct_len = esp_len - XS_ESP_HDR_LEN - sa->iv_len - sa->icv_len;
	if (rx->ct_len % sa->align)
		return XS_DROP_BAD_LENGTH;
	return XS_OK;
}

/* Verify the ICV (constant time) and decrypt in place. */
static enum xs_drop verify_decrypt(struct xs_sa *sa, struct esp_rx *rx)
{
	uint8_t *iv = rx->esp + XS_ESP_HDR_LEN, *icv = rx->data + rx->ct_len;
	uint8_t mac[XS_HMAC_MAX_LEN];

	if (sa->flags & XS_SA_BENCH_NO_CRYPTO) {	/* benchmark only (sa.h) */
		memset(mac, 0, sa->icv_len);
		return xs_ct_equal(mac, icv, sa->icv_len) ? XS_OK : XS_DROP_ICV_FAIL;
	}
	if (sa->aead) {
		uint8_t nonce[XS_AEAD_NONCE_LEN], hi[4];
		struct xs_buf aad[3];
		bool gmac = sa->enc == XS_ENC_NULL_AUTH_AES_GMAC;
		int n;

		xs_esp_nonce(sa, iv, nonce);
		n = xs_esp_aad(sa, rx->esp, rx->seq, rx->ct_len, hi, aad);
		return xs_aead_open(sa->aead, nonce, aad, n, rx->data,
				    gmac ? 0 : rx->ct_len, icv) ?
		       XS_DROP_ICV_FAIL : XS_OK;
	}
	if (!xs_esp_hmac(sa, rx->esp, XS_ESP_HDR_LEN + sa->iv_len + rx->ct_len,
			 rx->seq, mac))
		return XS_DROP_CRYPTO_ERROR;
	if (!xs_ct_equal(mac, icv, sa->icv_len))
		return XS_DROP_ICV_FAIL;
	if (sa->cbc && xs_cbc_decrypt(sa->cbc, iv, rx->data, rx->ct_len))
		return XS_DROP_CRYPTO_ERROR;
	return XS_OK;
}

/* Trailer: pad length that fits, padding 1, 2, 3, ... (RFC 4303 2.4). */
static enum xs_drop check_trailer(struct esp_rx *rx)
{
	uint32_t pad = rx->data[rx->ct_len - 2], start, i;
	uint8_t bad = 0;

	if (pad + XS_ESP_TRAILER_LEN > rx->ct_len)
		return XS_DROP_BAD_PADDING;
	rx->payload_len = rx->ct_len - XS_ESP_TRAILER_LEN - pad;
	rx->next_header = rx->data[rx->ct_len - 1];
	start = rx->payload_len;
	for (i = 0; i < pad; i++)
		bad |= rx->data[start + i] ^ (uint8_t)(i + 1);
	if (bad)
		return XS_DROP_BAD_PADDING;
	return rx->next_header == XS_ESP_NEXT_DUMMY ? XS_DROP_DUMMY : XS_OK;
}

/* Length of the inner packet per its own header (TFC padding follows it). */
static enum xs_drop inner_len(const struct esp_rx *rx, uint32_t *len)
{
	const uint8_t *p = rx->data;
	uint32_t n = rx->payload_len;

	if (rx->next_header == IPPROTO_IPIP) {
		if (n < XS_IPV4_HDR_LEN || p[0] >> 4 != 4 || (p[0] & 0x0f) < 5)
			return XS_DROP_BAD_IP_HEADER;
		*len = xs_get16(p + 2);
		if (*len < (p[0] & 0x0fu) * 4)
			return XS_DROP_BAD_IP_HEADER;
	} else if (rx->next_header == IPPROTO_IPV6) {
		if (n < XS_IPV6_HDR_LEN || p[0] >> 4 != 6)
			return XS_DROP_BAD_IP_HEADER;
		*len = XS_IPV6_HDR_LEN + xs_get16(p + 4);
	} else {
		return XS_DROP_BAD_NEXT_HEADER;
	}
	return *len > n ? XS_DROP_BAD_IP_HEADER : XS_OK;
}

static enum xs_drop decap_tunnel(const struct xs_sa *sa, struct xs_pkt *pkt,
				 const struct esp_rx *rx)
{
	uint32_t len = 0;
	enum xs_drop why = inner_len(rx, &len);

	if (why == XS_OK)
		why = xs_outer_ecn_decap(sa, pkt->data, rx->data);
	if (why != XS_OK)
		return why;
	xs_pkt_pull(pkt, (uint32_t)(rx->data - pkt->data));
	xs_pkt_trim(pkt, pkt->len - len);
	return XS_OK;
}

/*
 * Transport: the IP header (with the extension headers in front of ESP)
 * names the ESP next header, gets its lengths fixed and slides up over
 * UDP, ESP header and IV.
 */
static enum xs_drop decap_transport(struct xs_pkt *pkt,
				    const struct xs_rx_info *info,
				    const struct esp_rx *rx)
{
	uint8_t *p = pkt->data;
	uint32_t l3 = info->l3_len, gap = (uint32_t)(rx->data - p) - l3;
	bool fragment;

	/* a hop-by-hop header is only valid right after the IPv6 header */
	if (rx->next_header == IPPROTO_HOPOPTS)
		return XS_DROP_BAD_NEXT_HEADER;
	if (info->family == AF_INET)
		p[9] = rx->next_header;
	else
		p[xs_ipv6_last_nh(p, l3, &fragment)] = rx->next_header;
	xs_ip_set_len(p, l3 + rx->payload_len);
	memmove(p + gap, p, l3);
	xs_pkt_pull(pkt, gap);
	xs_pkt_trim(pkt, pkt->len - l3 - rx->payload_len);
	return XS_OK;
}

static enum xs_drop esp_in(struct xs_sa *sa, struct xs_pkt *pkt,
			   const struct xs_rx_info *info)
{
	struct esp_rx rx = { 0 };
	enum xs_drop why;

	why = check_sa(sa, info);
	if (why == XS_OK)
		why = locate(sa, pkt, info, &rx);
	if (why == XS_OK)
		why = xs_replay_check(&sa->replay, xs_get32(rx.esp + 4), &rx.seq);
	if (why == XS_OK)
		why = verify_decrypt(sa, &rx);
	if (why != XS_OK)
		return why;
	/* authentic: the window moves even if the contents turn out bad */
	xs_replay_advance(&sa->replay, rx.seq);
	why = check_trailer(&rx);
	if (why == XS_OK)
		why = sa->mode == XS_MODE_TUNNEL ? decap_tunnel(sa, pkt, &rx) :
						   decap_transport(pkt, info, &rx);
	if (why == XS_OK)
		why = xs_sa_charge(sa, pkt->len);
	return why;
}

enum xs_drop xs_esp_in(struct xs_sa *sa, struct xs_pkt *pkt,
		       const struct xs_rx_info *info)
{
	enum xs_drop why = esp_in(sa, pkt, info);

	if (why != XS_OK)
		return xs_sa_drop(sa, why);
	sa->stats.packets++;
	sa->stats.bytes += pkt->len;
	return XS_OK;
}
