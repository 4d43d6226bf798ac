// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The engine under test: an outbound and an inbound ESP tunnel SA with the
 * same keys (IPv4 outer, no lifetimes). Encap is xs_esp_out(); decap is what
 * a receiver runs once the SA is known: xs_rx_parse() then xs_esp_in(). The
 * inbound replay window accepts the batch because its sequence numbers only
 * grow from round to round.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine/crypto.h"

struct engine_ctx {
	struct bench_frames *f;
	struct xs_sa *out, *in;
};

enum { BENCH_SPI = 0x1000, BENCH_REPLAY_WINDOW = 1024 };

static struct xs_sa *engine_sa(const struct bench_alg *alg, enum xs_dir dir)
{
	struct xs_sa_cfg cfg = {
		.spi = BENCH_SPI,
		.proto = IPPROTO_ESP,
		.mode = XS_MODE_TUNNEL,
		.dir = (uint8_t)dir,
		.family = AF_INET,
		.src = { 192, 0, 2, 1 },
		.dst = { 192, 0, 2, 2 },
		.enc = alg->enc,
		.integ = alg->integ,
		.enc_key_len = alg->cipher_key_len + alg->salt_len,
		.integ_key_len = alg->integ_key_len,
		.replay_window = BENCH_REPLAY_WINDOW,
	};
	struct xs_sa *sa = NULL;
	const char *why = "";

	bench_enc_key(alg, cfg.enc_key);
	bench_integ_key(alg, cfg.integ_key);
	if (xs_sa_new(&cfg, &sa, &why))
		fprintf(stderr, "bench: %s SA: %s\n", alg->name, why);
	xs_wipe(&cfg, sizeof(cfg));
	return sa;
}

static void engine_close(void *ctx)
{
	struct engine_ctx *c = ctx;

	if (c->out)
		xs_sa_free(c->out);
	if (c->in)
		xs_sa_free(c->in);
	free(c);
}

static void *engine_open(const struct bench_alg *alg, struct bench_frames *f)
{
	struct engine_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->f = f;
	c->out = engine_sa(alg, XS_DIR_OUT);
	c->in = engine_sa(alg, XS_DIR_IN);
	if (!c->out || !c->in) {
		engine_close(c);
		return NULL;
	}
	return c;
}

static int engine_encap(void *ctx)
{
	struct engine_ctx *c = ctx;
	int i, bad = 0;

	for (i = 0; i < BENCH_BATCH; i++)
		bad += xs_esp_out(c->out, &c->f->pkt[i]) != XS_OK;
	return bad;
}

static int engine_decap(void *ctx)
{
	struct engine_ctx *c = ctx;
	struct xs_rx_info info;
	int i, bad = 0;

	for (i = 0; i < BENCH_BATCH; i++) {
		struct xs_pkt *p = &c->f->pkt[i];

		bad += xs_rx_parse(p, &info) != XS_OK ||
		       xs_esp_in(c->in, p, &info) != XS_OK;
	}
	return bad;
}

const struct bench_backend bench_engine = {
	.name = "engine",
	.open = engine_open,
	.encap = engine_encap,
	.decap = engine_decap,
	.close = engine_close,
};
