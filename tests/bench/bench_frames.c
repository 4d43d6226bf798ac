// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * What the benchmark processes: the algorithm rows, the packet-size
 * workloads, and the frames holding one batch of inner IPv4+UDP packets.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine/esp.h"
#include "engine/ip.h"

const struct bench_alg bench_algs[] = {
	{ "aes-gcm-128", XS_ENC_AES_GCM_16, XS_INTEG_NONE, 16, 4, 0,
	  XS_ESP_AEAD_ALIGN, XS_ESP_AEAD_IV_LEN, 16, true },
	{ "aes-gcm-256", XS_ENC_AES_GCM_16, XS_INTEG_NONE, 32, 4, 0,
	  XS_ESP_AEAD_ALIGN, XS_ESP_AEAD_IV_LEN, 16, true },
	{ "chacha20-poly1305", XS_ENC_CHACHA20_POLY1305, XS_INTEG_NONE, 32, 4,
	  0, XS_ESP_AEAD_ALIGN, XS_ESP_AEAD_IV_LEN, 16, true },
	{ "aes-cbc-128/sha256", XS_ENC_AES_CBC, XS_INTEG_HMAC_SHA256_128, 16, 0,
	  32, XS_CBC_BLOCK_LEN, XS_CBC_BLOCK_LEN, 16, false },
};
const int bench_nalgs = sizeof(bench_algs) / sizeof(bench_algs[0]);

static struct bench_workload wl_64 = { .name = "64" };
static struct bench_workload wl_512 = { .name = "512" };
static struct bench_workload wl_1400 = { .name = "1400" };
static struct bench_workload wl_imix = { .name = "imix" };

const struct bench_workload *const bench_workloads[] = {
	&wl_64, &wl_512, &wl_1400, &wl_imix,
};
const int bench_nworkloads = 4;

/* Simple IMIX, 7 x 64, 4 x 576, 1 x 1500, interleaved. */
static const uint16_t imix_cycle[12] = {
	64, 576, 64, 1500, 64, 576, 64, 64, 576, 64, 576, 64,
};

static void workload_fill(struct bench_workload *wl, const uint16_t *cycle,
			  int ncycle)
{
	int i;

	wl->plain_bytes = 0;
	for (i = 0; i < BENCH_BATCH; i++) {
		wl->size[i] = cycle[i % ncycle];
		wl->plain_bytes += wl->size[i];
	}
}

void bench_workloads_init(void)
{
	static const uint16_t s64 = 64, s512 = 512, s1400 = 1400;

	_Static_assert(BENCH_BATCH % 12 == 0, "whole IMIX cycles per batch");
	workload_fill(&wl_64, &s64, 1);
	workload_fill(&wl_512, &s512, 1);
	workload_fill(&wl_1400, &s1400, 1);
	workload_fill(&wl_imix, imix_cycle, 12);
}

uint32_t bench_esp_payload_len(const struct bench_alg *alg, uint32_t plain)
{
	uint32_t n = plain + XS_ESP_TRAILER_LEN;

	return (n + alg->align - 1) / alg->align * alg->align;
}

void bench_enc_key(const struct bench_alg *alg, uint8_t *key)
{
	int i;

	for (i = 0; i < alg->cipher_key_len + alg->salt_len; i++)
		key[i] = (uint8_t)(0x10 + i);
}

void bench_integ_key(const struct bench_alg *alg, uint8_t *key)
{
	int i;

	for (i = 0; i < alg->integ_key_len; i++)
		key[i] = (uint8_t)(0x80 + i);
}

/* An IPv4/UDP packet of len bytes, 10.0.0.1:1000 -> 10.0.1.1:2000. */
static void build_inner(uint8_t *p, uint16_t len, uint16_t id)
{
	static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 1, 1 };
	uint16_t udp_len = len - XS_IPV4_HDR_LEN;
	uint32_t i;

	memset(p, 0, XS_IPV4_HDR_LEN + XS_UDP_HDR_LEN);
	p[0] = 0x45;
	p[2] = len >> 8, p[3] = len & 0xff;
	p[4] = id >> 8, p[5] = id & 0xff;
	p[8] = XS_DEFAULT_TTL;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	xs_ipv4_set_csum(p);
	p[20] = 1000 >> 8, p[21] = 1000 & 0xff;
	p[22] = 2000 >> 8, p[23] = 2000 & 0xff;
	p[24] = udp_len >> 8, p[25] = udp_len & 0xff;
	for (i = XS_IPV4_HDR_LEN + XS_UDP_HDR_LEN; i < len; i++)
		p[i] = (uint8_t)(i * 7 + id);
}

int bench_frames_init(struct bench_frames *f, const struct bench_workload *wl)
{
	size_t bytes = (size_t)BENCH_BATCH * BENCH_FRAME;
	int i;

	f->wl = wl;
	f->mem = aligned_alloc(64, bytes);
	f->plain = aligned_alloc(64, bytes);
	if (!f->mem || !f->plain) {
		bench_frames_free(f);
		return -1;
	}
	memset(f->mem, 0, bytes);
	for (i = 0; i < BENCH_BATCH; i++)
		build_inner(f->plain + (size_t)i * BENCH_FRAME + BENCH_HEADROOM,
			    wl->size[i], (uint16_t)i);
	bench_frames_reset(f);
	return 0;
}

void bench_frames_free(struct bench_frames *f)
{
	free(f->mem);
	free(f->plain);
	f->mem = f->plain = NULL;
}

void bench_frames_reset(struct bench_frames *f)
{
	int i;

	for (i = 0; i < BENCH_BATCH; i++) {
		size_t off = (size_t)i * BENCH_FRAME + BENCH_HEADROOM;
		struct xs_pkt *p = &f->pkt[i];

		memcpy(f->mem + off, f->plain + off, f->wl->size[i]);
		p->data = f->mem + off;
		p->len = f->wl->size[i];
		p->headroom = BENCH_HEADROOM;
		p->tailroom = BENCH_FRAME - BENCH_HEADROOM - p->len;
	}
}

int bench_frames_check(const struct bench_frames *f)
{
	int i;

	for (i = 0; i < BENCH_BATCH; i++) {
		const uint8_t *want = f->plain + (size_t)i * BENCH_FRAME +
				      BENCH_HEADROOM;

		if (f->pkt[i].len != f->wl->size[i] ||
		    memcmp(f->pkt[i].data, want, f->pkt[i].len))
			return -1;
	}
	return 0;
}
