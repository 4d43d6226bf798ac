/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The AH integrity check value (RFC 4302 3.3.3), shared by ah_out.c and
 * ah_in.c: layout of the AH header for an SA and the ICV over the whole IP
 * packet with its mutable fields zeroed.
 */
#ifndef XDPSEC_ENGINE_AH_ICV_H
#define XDPSEC_ENGINE_AH_ICV_H

#include <stdbool.h>
#include <stdint.h>

#include "ah.h"
#include "sa.h"

enum {
	XS_AH_MAX_ICV = 32,		/* HMAC-SHA-512-256 */
};

/* An IP packet that carries an AH header. */
struct xs_ah_pkt {
	uint8_t *ip;		/* IPv4/IPv6 header */
	uint32_t len;		/* whole IP packet */
	uint32_t ah_off;	/* AH header, from ip */
	uint32_t nh_off;	/* set by xs_ah_icv: the byte that names AH */
};

/*
 * Bytes of the AH header (fixed part, GMAC IV, ICV and padding to 4 bytes
 * in IPv4 or 8 in IPv6, RFC 4302 2.6) for sa.
 */
uint32_t xs_ah_hdr_len(const struct xs_sa *sa, bool ipv6);

/* Offset of the ICV (the GMAC tag) from the AH header. */
static inline uint32_t xs_ah_icv_off(const struct xs_sa *sa)
{
	return XS_AH_HDR_LEN + sa->iv_len;
}

/*
 * Compute the ICV of a for sequence number seq into icv (sa->icv_len
 * bytes). The ICV field is zeroed and left zeroed; the mutable fields of the
 * IP header and the extension headers in front of AH are zeroed for the
 * computation and then restored. XS_OK, XS_DROP_BAD_IP_HEADER if the headers
 * in front of AH cannot be protected (malformed, fragment, source route,
 * unfinished routing header), or XS_DROP_CRYPTO_ERROR.
 */
enum xs_drop xs_ah_icv(struct xs_sa *sa, struct xs_ah_pkt *a, uint64_t seq,
		       uint8_t icv[XS_AH_MAX_ICV]);

#endif
