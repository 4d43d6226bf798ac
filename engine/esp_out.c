// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ESP encapsulation (RFC 4303), optionally inside UDP (RFC 3948), in place:
 * headers grow into the headroom, padding, trailer and ICV into the
 * tailroom. Tunnel mode wraps the whole packet in a new outer header;
 * transport mode slides the IP header (and the IPv6 extension headers that
 * stay in front, RFC 4303 3.1.1) down and inserts ESP behind it.
 */
#include <sys/socket.h>

#include "engine.h"
#include "esp_common.h"

/* Where things go: decided before anything is written. */
struct out_plan {
	uint32_t keep;		/* transport: IP header bytes kept in front */
	uint32_t nh_off;	/* transport: byte that will name ESP/UDP */
	uint32_t outer_len;	/* tunnel: new outer IP header */
	uint32_t push;		/* bytes added in front */
	uint32_t payload;	/* bytes protected before TFC padding */
	uint32_t tfc;		/* zero bytes of TFC padding */
	uint32_t pad;		/* ESP padding */
	uint8_t next_header;	/* named by the ESP trailer */
};

static enum xs_drop plan_tunnel(const struct xs_sa *sa, const struct xs_pkt *pkt,
				struct out_plan *pl)
{
	pl->next_header = xs_ip_version(pkt->data, pkt->len) == 4 ?
			  IPPROTO_IPIP : IPPROTO_IPV6;
	pl->outer_len = xs_outer_hdr_len(sa);
	pl->payload = pkt->len;
	pl->tfc = sa->tfc_pad > pkt->len ? sa->tfc_pad - pkt->len : 0;
	return XS_OK;
}

static enum xs_drop plan_transport(const struct xs_sa *sa,
				   const struct xs_pkt *pkt,
				   struct out_plan *pl)
{
	const uint8_t *p = pkt->data;

	if (sa->family == AF_INET) {
		if (xs_ip_version(p, pkt->len) != 4 || xs_ipv4_is_fragment(p))
			return XS_DROP_BAD_IP_HEADER;
		pl->keep = (p[0] & 0x0f) * 4u;
		pl->nh_off = 9;
	} else if (xs_ip_version(p, pkt->len) != 6 ||
		   !xs_ipv6_insert_point(p, pkt->len, &pl->keep, &pl->nh_off)) {
		return XS_DROP_BAD_IP_HEADER;
	}
	if (pl->keep > pkt->len)
		return XS_DROP_BAD_IP_HEADER;
	pl->next_header = p[pl->nh_off];
	/* what the receiver refuses (esp_in.c): hop-by-hop behind ESP */
	if (pl->next_header == IPPROTO_HOPOPTS)
		return XS_DROP_BAD_IP_HEADER;
	pl->payload = pkt->len - pl->keep;
	return XS_OK;
}

/*
 * Check the packet (trimming link-layer padding past its IP length) and
 * decide where everything goes. Tunnel mode carries fragments as they are;
 * transport mode protects whole datagrams only.
 */
static enum xs_drop plan(const struct xs_sa *sa, struct xs_pkt *pkt,
			 struct out_plan *pl)
{
	uint32_t plain, tail, ip_len = xs_ip_packet_len(pkt->data, pkt->len);
	enum xs_drop why;

	if (!ip_len)
		return XS_DROP_BAD_IP_HEADER;
	xs_pkt_trim(pkt, pkt->len - ip_len);
	why = sa->mode == XS_MODE_TUNNEL ? plan_tunnel(sa, pkt, pl) :
					   plan_transport(sa, pkt, pl);
	if (why != XS_OK)
		return why;
	plain = pl->payload + pl->tfc + XS_ESP_TRAILER_LEN;
	pl->pad = (sa->align - plain % sa->align) % sa->align;
	pl->push = pl->outer_len + xs_esp_encap_len(sa) + XS_ESP_HDR_LEN +
		   sa->iv_len;
	tail = pl->tfc + pl->pad + XS_ESP_TRAILER_LEN + sa->icv_len;
	if (pkt->headroom < pl->push || pkt->tailroom < tail)
		return XS_DROP_NO_ROOM;
	if (pkt->len + pl->push + tail > UINT16_MAX)
		return XS_DROP_BAD_LENGTH;
	return XS_OK;
}

/* TFC zeros, the monotonic padding 1, 2, 3, ... (RFC 4303 2.4), trailer. */
static void write_trailer(uint8_t *t, const struct out_plan *pl)
{
	uint32_t i;

	if (pl->tfc) {	/* rare: skip the library call */
		memset(t, 0, pl->tfc);
		t += pl->tfc;
	}
	for (i = 0; i < pl->pad; i++)
		t[i] = (uint8_t)(i + 1);
	t[pl->pad] = (uint8_t)pl->pad;
	t[pl->pad + 1] = pl->next_header;
}

/* IV, encryption and ICV of the ESP packet at esp; len: payload..trailer. */
static enum xs_drop protect(struct xs_sa *sa, uint8_t *esp, uint32_t len,
			    uint64_t seq)
{
	uint8_t *iv = esp + XS_ESP_HDR_LEN, *data = iv + sa->iv_len;
	uint8_t mac[XS_HMAC_MAX_LEN];

	if (sa->flags & XS_SA_BENCH_NO_CRYPTO) {	/* benchmark only (sa.h) */
		memset(iv, 0, sa->iv_len);
		memset(data + len, 0, sa->icv_len);
		return XS_OK;
	}
	if (sa->aead) {
		uint8_t nonce[XS_AEAD_NONCE_LEN], hi[4];
		struct xs_buf aad[3];
		int n;

		/* the counter never repeats under one key: a unique nonce */
		xs_put32(iv, (uint32_t)(seq >> 32));
		xs_put32(iv + 4, (uint32_t)seq);
		xs_esp_nonce(sa, iv, nonce);
		n = xs_esp_aad(sa, esp, seq, len, hi, aad);
		if (sa->enc == XS_ENC_NULL_AUTH_AES_GMAC)
			return xs_aead_seal(sa->aead, nonce, aad, n, data, 0,
					    data + len) ? XS_DROP_CRYPTO_ERROR : XS_OK;
		return xs_aead_seal(sa->aead, nonce, aad, n, data, len,
				    data + len) ? XS_DROP_CRYPTO_ERROR : XS_OK;
	}
	if (sa->cbc && (xs_cbc_make_iv(sa->cbc, seq, iv) ||
			xs_cbc_encrypt(sa->cbc, iv, data, len)))
		return XS_DROP_CRYPTO_ERROR;
	if (!xs_esp_hmac(sa, esp, XS_ESP_HDR_LEN + sa->iv_len + len, seq, mac))
		return XS_DROP_CRYPTO_ERROR;
	memcpy(data + len, mac, sa->icv_len);
	return XS_OK;
}

/* Transport mode: lengths, the byte naming ESP, the IPv4 checksum. */
static void fix_transport_header(const struct xs_sa *sa, uint8_t *p,
				 uint32_t len, const struct out_plan *pl)
{
	p[pl->nh_off] = sa->flags & XS_SA_UDP_ENCAP ? IPPROTO_UDP : IPPROTO_ESP;
	xs_ip_set_len(p, len);
}

/*
 * RFC 3948 UDP header in front of ESP. IPv4: checksum zero (RFC 3948 2.1).
 * IPv6: a zero UDP checksum is only allowed under RFC 6935/6936 rules that
 * a peer need not implement, so it is computed (over the IPv6 destination
 * field; no routing header is expected on an ESP-in-UDP packet).
 */
static void write_udp(const struct xs_sa *sa, uint8_t *ip, uint32_t ip_hl,
		      uint32_t ip_len)
{
	uint8_t *u = ip + ip_hl;
	uint32_t ulen = ip_len - ip_hl, sum;
	uint8_t pseudo[8] = { 0, 0, (uint8_t)(ulen >> 8), (uint8_t)ulen,
			      0, 0, 0, IPPROTO_UDP };
	uint16_t csum;

	xs_put16(u, sa->encap_sport);
	xs_put16(u + 2, sa->encap_dport);
	xs_put16(u + 4, (uint16_t)ulen);
	u[6] = u[7] = 0;
	if (sa->family != AF_INET6)
		return;
	sum = xs_csum_add(0, ip + 8, 32);
	sum = xs_csum_add(sum, pseudo, sizeof(pseudo));
	csum = xs_csum_fold(xs_csum_add(sum, u, ulen));
	if (!csum)
		csum = 0xffff;
	memcpy(u + 6, &csum, 2);
}

/* IP header: before encryption, as the outer header copies the inner one. */
static void write_ip_header(struct xs_sa *sa, uint8_t *p, uint32_t len,
			    const struct out_plan *pl)
{
	if (sa->mode == XS_MODE_TRANSPORT)
		fix_transport_header(sa, p, len, pl);
	else
		xs_outer_build(sa, p, len, sa->flags & XS_SA_UDP_ENCAP ?
			       IPPROTO_UDP : IPPROTO_ESP, p + pl->push);
}

enum xs_drop xs_esp_out(struct xs_sa *sa, struct xs_pkt *pkt)
{
	struct out_plan pl = { 0 };
	uint32_t orig_len, plain;
	uint64_t seq = 0;
	enum xs_drop why;
	uint8_t *esp;

	if (sa->dir != XS_DIR_OUT || sa->proto != IPPROTO_ESP)
		return xs_sa_drop(sa, XS_DROP_WRONG_SA);
	why = plan(sa, pkt, &pl);
	orig_len = pkt->len;
	if (why == XS_OK)
		why = xs_sa_next_seq(sa, &seq);
	if (why == XS_OK)
		why = xs_sa_charge(sa, orig_len);
	if (why != XS_OK)
		return xs_sa_drop(sa, why);

	plain = pl.payload + pl.tfc + pl.pad + XS_ESP_TRAILER_LEN;
	write_trailer(pkt->data + pkt->len, &pl);
	xs_pkt_put(pkt, plain - pl.payload);
	if (sa->mode == XS_MODE_TRANSPORT)
		memmove(pkt->data - pl.push, pkt->data, pl.keep);
	xs_pkt_push(pkt, pl.push);
	esp = pkt->data + pl.outer_len + pl.keep + xs_esp_encap_len(sa);
	xs_put32(esp, sa->spi);
	xs_put32(esp + 4, (uint32_t)seq);
	write_ip_header(sa, pkt->data, pkt->len + sa->icv_len, &pl);
	why = protect(sa, esp, plain, seq);
	if (why != XS_OK)
		return xs_sa_drop(sa, why);
	xs_pkt_put(pkt, sa->icv_len);
	if (sa->flags & XS_SA_UDP_ENCAP)
		write_udp(sa, pkt->data, pl.outer_len + pl.keep, pkt->len);
	sa->stats.packets++;
	sa->stats.bytes += orig_len;
	return XS_OK;
}
