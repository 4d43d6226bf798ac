/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ESP wire format: RFC 4303, UDP encapsulation RFC 3948. */
#ifndef XDPSEC_ENGINE_ESP_H
#define XDPSEC_ENGINE_ESP_H

#include <stdint.h>

struct xs_esp_hdr {
	uint32_t spi;		/* network byte order */
	uint32_t seq;		/* low 32 bits of the sequence number */
} __attribute__((packed));

struct xs_esp_trailer {
	uint8_t pad_len;
	uint8_t next_header;
} __attribute__((packed));

enum {
	XS_ESP_HDR_LEN = 8,
	XS_ESP_TRAILER_LEN = 2,
	XS_ESP_MAX_PAD = 255,
	XS_ESP_NEXT_DUMMY = 59,		/* "no next header": a TFC dummy packet (RFC 4303 2.6) */
	XS_ESP_AEAD_IV_LEN = 8,		/* GCM, GMAC, ChaCha20-Poly1305 */
	XS_ESP_AEAD_ALIGN = 4,		/* 32-bit alignment of payload + trailer */
	XS_ESP_SPI_MIN = 256,		/* 1..255 reserved by IANA (RFC 4303 2.1) */
	XS_NATT_PORT = 4500,		/* RFC 3948 */
	XS_NATT_KEEPALIVE = 0xff,	/* one-byte NAT-keepalive payload */
	XS_NATT_NON_ESP_MARKER_LEN = 4,	/* zero SPI: IKE on port 4500 */
};

#endif
