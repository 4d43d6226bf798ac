/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* AH wire format: RFC 4302; AES-GMAC in AH: RFC 4543 section 3.2. */
#ifndef XDPSEC_ENGINE_AH_H
#define XDPSEC_ENGINE_AH_H

#include <stdint.h>

struct xs_ah_hdr {
	uint8_t next_header;
	uint8_t len;		/* AH length in 32-bit words, minus 2 */
	uint16_t reserved;	/* zero */
	uint32_t spi;		/* network byte order */
	uint32_t seq;		/* low 32 bits */
	/* ICV (for GMAC: 8-byte IV, then the 16-byte tag), padded to 4 (IPv4) or 8 (IPv6) */
} __attribute__((packed));

enum {
	XS_AH_HDR_LEN = 12,
	XS_AH_GMAC_IV_LEN = 8,
};

#endif
