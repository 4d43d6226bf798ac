/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Helpers shared by rx.c, esp_out.c and esp_in.c: byte-order access, the
 * IPv6 extension header chain in front of ESP, and the inputs of the ICV
 * (RFC 4106 5, RFC 4543 3.1, RFC 7634 2.1, RFC 4303 3.3.2.1 / Appendix A).
 */
#ifndef XDPSEC_ENGINE_ESP_COMMON_H
#define XDPSEC_ENGINE_ESP_COMMON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "esp.h"
#include "ip.h"
#include "sa.h"


/*
 * Walk an IPv6 extension header chain that ends at l3_len (already checked
 * by xs_ipv6_skip_exthdrs()): the offset of the next-header byte naming what
 * follows the chain, and whether a fragment header makes it a real fragment.
 */
static inline uint32_t xs_ipv6_last_nh(const uint8_t *p, uint32_t l3_len,
				       bool *fragment)
{
	uint32_t o = XS_IPV6_HDR_LEN, nh_off = 6;
	uint8_t type = p[6];

	*fragment = false;
	while (o < l3_len) {
		if (type == IPPROTO_FRAGMENT)
			*fragment |= (xs_get16(p + o + 2) & XS_IPV6_FRAG_MASK) != 0;
		nh_off = o;
		o += type == IPPROTO_FRAGMENT ? 8 : (p[o + 1] + 1u) * 8;
		type = p[nh_off];
	}
	return nh_off;
}

/* Bytes of UDP header in front of ESP for this SA. */
static inline uint32_t xs_esp_encap_len(const struct xs_sa *sa)
{
	return sa->flags & XS_SA_UDP_ENCAP ? XS_UDP_HDR_LEN : 0;
}

/* Nonce of AES-GCM, AES-GMAC and ChaCha20-Poly1305: salt || explicit IV. */
static inline void xs_esp_nonce(const struct xs_sa *sa, const uint8_t *iv,
				uint8_t nonce[XS_AEAD_NONCE_LEN])
{
	memcpy(nonce, sa->salt, sizeof(sa->salt));
	memcpy(nonce + sizeof(sa->salt), iv, XS_ESP_AEAD_IV_LEN);
}

/*
 * AAD of a combined-mode transform for the ESP header at esp: SPI, then the
 * high sequence bits when ESN is on (into hi), then the low bits. GMAC also
 * authenticates IV, payload, padding and trailer (RFC 4543 3.1), which
 * follow the header in the packet: payload_len covers them.
 */
static inline int xs_esp_aad(const struct xs_sa *sa, const uint8_t *esp,
			     uint64_t seq, uint32_t payload_len,
			     uint8_t hi[4], struct xs_buf aad[3])
{
	int n = 0;

	aad[n++] = (struct xs_buf){ esp, 4 };
	if (sa->flags & XS_SA_ESN) {
		xs_put32(hi, (uint32_t)(seq >> 32));
		aad[n++] = (struct xs_buf){ hi, 4 };
	}
	aad[n++] = (struct xs_buf){ esp + 4, 4 + (sa->enc == XS_ENC_NULL_AUTH_AES_GMAC ?
						  sa->iv_len + payload_len : 0) };
	return n;
}

/*
 * HMAC ICV of ESP (RFC 4303 3.3.2.1): over header, IV and ciphertext
 * (len bytes from esp), followed by the high sequence bits with ESN
 * (Appendix A2.1). Returns the full digest length, 0 on error.
 */
static inline size_t xs_esp_hmac(struct xs_sa *sa, const uint8_t *esp,
				 uint32_t len, uint64_t seq,
				 uint8_t out[XS_HMAC_MAX_LEN])
{
	uint8_t hi[4];
	struct xs_buf in[2] = { { esp, len }, { hi, 4 } };

	xs_put32(hi, (uint32_t)(seq >> 32));
	return xs_hmac(sa->hmac, in, sa->flags & XS_SA_ESN ? 2 : 1, out);
}

#endif
