// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer harness for the IKE core (ike/ike.h) under hostile datagrams.
 * Per input: a responder instance with a PSK connection and an initiator
 * instance that has sent its IKE_SA_INIT request to it; the input is a
 * sequence of records
 *   flags (1 byte) | length (2, big-endian) | datagram
 * flags bit 0: deliver to the initiator (else the responder); bit 1: write
 * the initiator's SPI into the datagram's first 8 bytes (so it reaches the
 * initiator's IKE SA: forged IKE_SA_INIT responses, COOKIE, INVALID_KE);
 * bit 2: write the responder's last SPI into bytes 8..15; bit 3: let 1 s
 * pass and run the timers. Invariants (trap on violation): nothing is
 * ever authenticated or installed (no datagram can be authentic), no more
 * IKE SAs than datagrams (plus the initiator's own), every datagram sent
 * within the message limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/proposal.h"
#include "ike/sa.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_ike_core: %s (line %d)\n",	\
				#cond, __LINE__);			\
			__builtin_trap();				\
		}							\
	} while (0)

static struct ike_conn_cfg conn[2];
static struct ike_secret_cfg secret = { .len = 6, .psk = "fuzzed" };
static uint64_t spi_init, spi_resp, now;

static int on_send(void *user, const struct ike_addr *local,
		   const struct ike_addr *remote, const uint8_t *msg,
		   size_t len)
{
	CHECK(len >= sizeof(struct ikev2_hdr) && len <= IKEV2_MSG_MAX_BYTES);
	if (user)
		spi_resp = ike_get64(msg + 8) ? ike_get64(msg + 8) : spi_resp;
	else if (!spi_init)
		spi_init = ike_get64(msg);
	return 0;
}

static int on_spi(void *user, uint8_t proto, uint32_t *spi)
{
	*spi = 0x1000;
	return 0;
}

static int on_install(void *user, const struct ike_child_install *c,
		      char *why)
{
	CHECK(!"a Child SA from forged datagrams");
	return -1;
}

static void on_delete(void *user, uint8_t proto, uint32_t in, uint32_t out)
{
}

static void setup_conn(struct ike_conn_cfg *c, bool responder)
{
	struct ike_child_cfg *ch = &c->children[0];
	struct ike_err err;
	struct ike_ts *t;

	snprintf(c->name, sizeof(c->name), "fuzz");
	c->local.len = c->remote.len = 4;
	memcpy(c->local.addr, responder ? "\xc0\x00\x02\x02" :
					  "\xc0\x00\x02\x01", 4);
	memcpy(c->remote.addr, responder ? "\xc0\x00\x02\x01" :
					   "\xc0\x00\x02\x02", 4);
	c->fragmentation = true;
	c->dpd_delay = 1;
	c->local_auth.auth = c->remote_auth.auth = IKE_AUTH_KIND_PSK;
	c->nchildren = 1;
	snprintf(ch->name, sizeof(ch->name), "net");
	ch->proto = IKEV2_PROTO_ESP;
	ch->local_ts.num = ch->remote_ts.num = 1;
	t = &ch->local_ts.ts[0];
	t->type = IKEV2_TS_IPV4_ADDR_RANGE;
	t->end_port = 0xffff;
	memset(t->end, 0xff, 4);
	ch->remote_ts.ts[0] = *t;
	if (ike_prop_parse("aes128gcm16-prfsha256-x25519-ecp256",
			   IKEV2_PROTO_IKE, &c->proposals, &err) ||
	    ike_prop_parse("aes128gcm16", IKEV2_PROTO_ESP, &ch->proposals,
			   &err))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setup_conn(&conn[0], false);
	setup_conn(&conn[1], true);
	return 0;
}

static struct ike_ctx *make(long responder)
{
	struct ike_ops ops = { .user = (void *)responder, .send = on_send,
			       .spi_alloc = on_spi, .child_install = on_install,
			       .child_delete = on_delete };
	struct ike_ctx *ctx = ike_ctx_new(&ops);
	struct ike_err err;

	if (!ctx || ike_load(ctx, &conn[responder], 1, &secret, 1, &err))
		abort();
	return ctx;
}

/* After n datagrams: nothing authenticated, at most one SA each. */
static void check(struct ike_ctx *ctx, unsigned int n)
{
	struct ike_stats st;

	ike_get_stats(ctx, &st);
	CHECK(st.sa_established == 0 && st.child_installed == 0);
	CHECK(ctx->nsas <= n + 1 && ctx->half_open <= ctx->nsas);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t dgram[IKEV2_MSG_MAX_BYTES];
	struct ike_addr a = { .len = 4, .addr = { 192, 0, 2, 1 }, .port = 500 };
	struct ike_addr b = { .len = 4, .addr = { 192, 0, 2, 2 }, .port = 500 };
	struct ike_ctx *ctx[2] = { make(0), make(1) };
	unsigned int n = 0;
	struct ike_err err;
	size_t len;

	now = 1000;
	spi_init = spi_resp = 0;
	CHECK(!ike_initiate(ctx[0], "fuzz", NULL, now, &err) && spi_init);
	while (size >= 3) {
		uint8_t flags = data[0];
		int to = !(flags & 1);

		len = (size_t)(data[1] << 8 | data[2]);
		len = len < size - 3 ? len : size - 3;
		memcpy(dgram, data + 3, len);
		data += 3 + len;
		size -= 3 + len;
		for (int i = 0; i < 8 && (flags & 2) && len >= 16; i++)
			dgram[i] = (uint8_t)(spi_init >> (56 - 8 * i));
		for (int i = 0; i < 8 && (flags & 4) && len >= 16; i++)
			dgram[8 + i] = (uint8_t)(spi_resp >> (56 - 8 * i));
		ike_input(ctx[to], to ? &b : &a, to ? &a : &b, dgram, len, now);
		if (flags & 8) {
			now += 1000;
			ike_tick(ctx[0], now);
			ike_tick(ctx[1], now);
		}
		n++;
		check(ctx[0], n);
		check(ctx[1], n);
	}
	ike_ctx_free(ctx[0], now);
	ike_ctx_free(ctx[1], now);
	return 0;
}
