/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The SAs fuzz_esp_in.c fuzzes and gen_esp_in_seeds.c writes seeds for, with
 * fixed test keys. An input's first byte picks one: FUZZ_SA_MASK bits modulo
 * FUZZ_NSA; FUZZ_ROUNDTRIP selects the round-trip mode. Inbound and outbound
 * SAs of one row share everything but the direction.
 */
#ifndef XDPSEC_FUZZ_ESP_SAS_H
#define XDPSEC_FUZZ_ESP_SAS_H

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/engine.h"

struct fuzz_sa_def {
	const char *name;
	uint8_t proto, mode, family;
	uint16_t enc, integ;
	uint8_t enc_key_len, integ_key_len;	/* AEAD/GMAC: with the salt */
	uint32_t flags;
	uint32_t window;
};

static const struct fuzz_sa_def fuzz_sa_defs[] = {
	{ "esp-aes-gcm-tunnel-v4", IPPROTO_ESP, XS_MODE_TUNNEL, AF_INET,
	  XS_ENC_AES_GCM_16, XS_INTEG_NONE, 20, 0, 0, 64 },
	{ "esp-chacha20-transport-v6-esn", IPPROTO_ESP, XS_MODE_TRANSPORT,
	  AF_INET6, XS_ENC_CHACHA20_POLY1305, XS_INTEG_NONE, 36, 0,
	  XS_SA_ESN, 4096 },
	{ "esp-aes-cbc-sha256-udp-tunnel-v4", IPPROTO_ESP, XS_MODE_TUNNEL,
	  AF_INET, XS_ENC_AES_CBC, XS_INTEG_HMAC_SHA256_128, 16, 32,
	  XS_SA_UDP_ENCAP, 64 },
	{ "esp-null-sha1-transport-v4", IPPROTO_ESP, XS_MODE_TRANSPORT, AF_INET,
	  XS_ENC_NULL, XS_INTEG_HMAC_SHA1_96, 0, 20, 0, 4096 },
	{ "ah-sha256-transport-v4", IPPROTO_AH, XS_MODE_TRANSPORT, AF_INET,
	  XS_ENC_NONE, XS_INTEG_HMAC_SHA256_128, 0, 32, 0, 64 },
	{ "ah-gmac-tunnel-v6", IPPROTO_AH, XS_MODE_TUNNEL, AF_INET6,
	  XS_ENC_NONE, XS_INTEG_AES_128_GMAC, 0, 20, 0, 4096 },
};

enum {
	FUZZ_NSA = sizeof(fuzz_sa_defs) / sizeof(fuzz_sa_defs[0]),
	FUZZ_SA_MASK = 0x7f,
	FUZZ_ROUNDTRIP = 0x80,
	FUZZ_SPI_BASE = 0x1001,		/* row i has SPI FUZZ_SPI_BASE + i */
	FUZZ_NATT_PORT = 4500,
};

static const uint8_t fuzz_addr4[2][4] = { { 192, 0, 2, 1 }, { 192, 0, 2, 2 } };
static const uint8_t fuzz_addr6[2][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
};

/* The configuration of row i in direction dir. Keys: fixed patterns. */
static inline void fuzz_sa_cfg(int i, enum xs_dir dir, struct xs_sa_cfg *c)
{
	const struct fuzz_sa_def *d = &fuzz_sa_defs[i];
	int k;

	memset(c, 0, sizeof(*c));
	c->spi = FUZZ_SPI_BASE + (uint32_t)i;
	c->proto = d->proto;
	c->mode = d->mode;
	c->dir = (uint8_t)dir;
	c->family = d->family;
	if (d->family == AF_INET) {
		memcpy(c->src, fuzz_addr4[0], 4);
		memcpy(c->dst, fuzz_addr4[1], 4);
	} else {
		memcpy(c->src, fuzz_addr6[0], 16);
		memcpy(c->dst, fuzz_addr6[1], 16);
	}
	c->enc = d->enc;
	c->integ = d->integ;
	c->enc_key_len = d->enc_key_len;
	c->integ_key_len = d->integ_key_len;
	for (k = 0; k < d->enc_key_len; k++)
		c->enc_key[k] = (uint8_t)(0x40 + 16 * i + k);
	for (k = 0; k < d->integ_key_len; k++)
		c->integ_key[k] = (uint8_t)(0xa0 + 16 * i + k);
	c->flags = d->flags;
	if (d->flags & XS_SA_UDP_ENCAP)
		c->encap_sport = c->encap_dport = FUZZ_NATT_PORT;
	c->replay_window = d->window;
}

#endif
