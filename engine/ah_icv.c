// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The AH ICV (RFC 4302 3.3.3): computed over the whole IP packet with the
 * mutable fields zeroed, the ICV field zeroed and, with ESN, the high 32 bits
 * of the sequence number appended (RFC 4302 2.5.1). Mutable fields are saved
 * into a small scratch area, zeroed in place, hashed and put back, so the
 * packet is never copied.
 *
 * Mutable fields (RFC 4302 3.3.3.1 and Appendix A):
 * - IPv4: TOS (DSCP/ECN), flags and fragment offset, TTL, header checksum;
 *   options other than EOL, NOP, Security (130), Extended Security (133),
 *   Commercial Security (134), Router Alert (148) and SDMD (149) are zeroed
 *   whole, unknown ones included. Loose/strict source routes (131, 137) are
 *   refused: their destination is only predictable with route rewriting we
 *   do not do, and RFC 7126 has routers drop them anyway.
 * - IPv6: traffic class, flow label, hop limit; in hop-by-hop and
 *   destination options headers in front of AH, the data of every option
 *   whose type has the "may change en route" bit (0x20). Extension headers
 *   after AH are payload. A routing header in front of AH is included as it
 *   is when its segments-left is 0 (the destination sees exactly that);
 *   with segments left it is refused, because the addresses would be
 *   reordered en route (type 0 is deprecated by RFC 5095, type 2 and
 *   segment routing are not supported). A fragment header in front of AH is
 *   refused: AH applies to whole packets (RFC 4302 3.3.4, 3.4.1).
 *
 * AES-GMAC (RFC 4543): the tag is GMAC with nonce salt||IV over the same
 * bytes as the HMAC: the IV stays in the packet, the tag field is zeroed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "ah.h"
#include "ah_icv.h"
#include "ip.h"

enum {
	MAX_RANGES = 32,		/* mutable options in one packet */
	MAX_SAVED = 512,		/* bytes of mutable option data */
	HDR_SAVED = 12,			/* IP header bytes holding fixed mutable fields */
	IPV6_OPT_MUTABLE = 0x20,	/* option type bit: may change en route */
	IPV6_OPT_PAD1 = 0,
	IPV4_OPT_EOL = 0,
	IPV4_OPT_NOP = 1,
	IPV4_OPT_LSRR = 131,
	IPV4_OPT_SSRR = 137,
};

/* The scratch copy of what was zeroed. */
struct mutable {
	uint8_t hdr[HDR_SAVED];
	uint32_t hdr_len;
	uint16_t off[MAX_RANGES];
	uint16_t len[MAX_RANGES];
	uint32_t n;
	uint32_t nsaved;
	uint8_t saved[MAX_SAVED];
};

uint32_t xs_ah_hdr_len(const struct xs_sa *sa, bool ipv6)
{
	uint32_t align = ipv6 ? 8 : 4;

	return (XS_AH_HDR_LEN + sa->iv_len + sa->icv_len + align - 1) &
	       ~(align - 1);
}

static bool zero_range(struct mutable *m, uint8_t *p, uint32_t off,
		       uint32_t len)
{
	if (m->n == MAX_RANGES || m->nsaved + len > MAX_SAVED)
		return false;
	m->off[m->n] = (uint16_t)off;
	m->len[m->n++] = (uint16_t)len;
	memcpy(m->saved + m->nsaved, p + off, len);
	m->nsaved += len;
	memset(p + off, 0, len);
	return true;
}

static void restore(const struct mutable *m, uint8_t *p)
{
	uint32_t i, s = 0;

	for (i = 0; i < m->n; s += m->len[i], i++)
		memcpy(p + m->off[i], m->saved + s, m->len[i]);
	memcpy(p, m->hdr, m->hdr_len);
}

static bool ipv4_option_immutable(uint8_t type)
{
	switch (type) {
	case 130:	/* Security */
	case 133:	/* Extended Security */
	case 134:	/* Commercial Security */
	case 148:	/* Router Alert */
	case 149:	/* Sender Directed Multi-Destination Delivery */
		return true;
	default:
		return false;
	}
}

static enum xs_drop zero_ipv4_options(struct mutable *m, uint8_t *p,
				      uint32_t ihl)
{
	uint32_t i = XS_IPV4_HDR_LEN;

	while (i < ihl && p[i] != IPV4_OPT_EOL) {
		uint8_t type = p[i], olen;

		if (type == IPV4_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 2 > ihl)
			return XS_DROP_BAD_IP_HEADER;
		olen = p[i + 1];
		if (olen < 2 || i + olen > ihl ||
		    type == IPV4_OPT_LSRR || type == IPV4_OPT_SSRR)
			return XS_DROP_BAD_IP_HEADER;
		if (!ipv4_option_immutable(type) && !zero_range(m, p, i, olen))
			return XS_DROP_BAD_IP_HEADER;
		i += olen;
	}
	/* after End of List comes padding, covered as it is */
	return XS_OK;
}

static enum xs_drop zero_ipv4(struct mutable *m, struct xs_ah_pkt *a)
{
	uint8_t *p = a->ip;
	uint32_t ihl = (p[0] & 0x0fu) * 4;

	if (ihl != a->ah_off || p[9] != IPPROTO_AH || xs_ipv4_is_fragment(p))
		return XS_DROP_BAD_IP_HEADER;
	memcpy(m->hdr, p, HDR_SAVED);
	m->hdr_len = HDR_SAVED;
	p[1] = 0;		/* TOS */
	p[6] = p[7] = 0;	/* flags, fragment offset */
	p[8] = 0;		/* TTL */
	p[10] = p[11] = 0;	/* header checksum */
	a->nh_off = 9;
	return zero_ipv4_options(m, p, ihl);
}

static enum xs_drop zero_ipv6_options(struct mutable *m, uint8_t *p,
				      uint32_t i, uint32_t end)
{
	while (i < end) {
		uint8_t type = p[i], olen;

		if (type == IPV6_OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > end || i + 2 + p[i + 1] > end)
			return XS_DROP_BAD_IP_HEADER;
		olen = p[i + 1];
		if ((type & IPV6_OPT_MUTABLE) && olen &&
		    !zero_range(m, p, i + 2, olen))
			return XS_DROP_BAD_IP_HEADER;
		i += 2u + olen;
	}
	return XS_OK;
}

/* One extension header in front of AH, at off, n bytes long. */
static enum xs_drop zero_ipv6_exthdr(struct mutable *m, uint8_t *p,
				     uint8_t type, uint32_t off, uint32_t n)
{
	switch (type) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_DSTOPTS:
		return zero_ipv6_options(m, p, off + 2, off + n);
	case IPPROTO_ROUTING:
		/* byte 3: segments left */
		return p[off + 3] ? XS_DROP_BAD_IP_HEADER : XS_OK;
	default:
		/* a fragment header, or something that is not one */
		return XS_DROP_BAD_IP_HEADER;
	}
}

static enum xs_drop zero_ipv6(struct mutable *m, struct xs_ah_pkt *a)
{
	uint8_t *p = a->ip;
	uint32_t off = XS_IPV6_HDR_LEN, nh_off = 6;
	enum xs_drop why;

	memcpy(m->hdr, p, 8);
	m->hdr_len = 8;
	p[0] &= 0xf0;		/* traffic class and flow label */
	p[1] = p[2] = p[3] = 0;
	p[7] = 0;		/* hop limit */
	while (off < a->ah_off) {
		uint32_t n;

		if (off + 8 > a->ah_off)
			return XS_DROP_BAD_IP_HEADER;
		n = (p[off + 1] + 1u) * 8;
		if (off + n > a->ah_off)
			return XS_DROP_BAD_IP_HEADER;
		why = zero_ipv6_exthdr(m, p, p[nh_off], off, n);
		if (why != XS_OK)
			return why;
		nh_off = off;
		off += n;
	}
	if (off != a->ah_off || p[nh_off] != IPPROTO_AH)
		return XS_DROP_BAD_IP_HEADER;
	a->nh_off = nh_off;
	return XS_OK;
}

static enum xs_drop compute(struct xs_sa *sa, const struct xs_ah_pkt *a,
			    uint64_t seq, uint8_t icv[XS_AH_MAX_ICV])
{
	uint32_t seq_hi = htonl((uint32_t)(seq >> 32));
	struct xs_buf in[2] = {
		{ a->ip, a->len },
		{ (const uint8_t *)&seq_hi, sizeof(seq_hi) },
	};
	int nin = sa->flags & XS_SA_ESN ? 2 : 1;
	uint8_t md[XS_HMAC_MAX_LEN];
	uint8_t nonce[XS_AEAD_NONCE_LEN];

	if (sa->aead) {
		memcpy(nonce, sa->salt, sizeof(sa->salt));
		memcpy(nonce + sizeof(sa->salt),
		       a->ip + a->ah_off + XS_AH_HDR_LEN, XS_AH_GMAC_IV_LEN);
		/* GMAC: nothing to encrypt, the packet is all AAD */
		if (xs_aead_seal(sa->aead, nonce, in, nin, icv, 0, icv))
			return XS_DROP_CRYPTO_ERROR;
		return XS_OK;
	}
	if (!sa->hmac || xs_hmac(sa->hmac, in, nin, md) < sa->icv_len)
		return XS_DROP_CRYPTO_ERROR;
	memcpy(icv, md, sa->icv_len);
	return XS_OK;
}

enum xs_drop xs_ah_icv(struct xs_sa *sa, struct xs_ah_pkt *a, uint64_t seq,
		       uint8_t icv[XS_AH_MAX_ICV])
{
	struct mutable m;
	enum xs_drop why;

	m.hdr_len = 0;
	m.n = 0;
	m.nsaved = 0;
	memset(a->ip + a->ah_off + xs_ah_icv_off(sa), 0, sa->icv_len);
	if (xs_ip_version(a->ip, a->len) == 6)
		why = zero_ipv6(&m, a);
	else
		why = zero_ipv4(&m, a);
	if (why == XS_OK)
		why = compute(sa, a, seq, icv);
	restore(&m, a->ip);
	return why;
}
