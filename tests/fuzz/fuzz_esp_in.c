// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer harness for the receive path: xs_rx_parse(), xs_esp_in() and
 * xs_ah_in() on the SAs of fuzz_esp_sas.h.
 *
 * Input: one selector byte, then an IP packet. The selector's low bits pick
 * the SA. Without FUZZ_ROUNDTRIP the packet is received by that inbound SA;
 * with it, the packet is a plaintext that the matching outbound SA
 * encapsulates and the inbound SA must give back byte for byte.
 *
 * Invariants (trap on violation): every result is a known reason; the frame
 * accounting (headroom + len + tailroom, data at headroom) never changes;
 * an accepted packet is an IPv4 or IPv6 packet inside the frame.
 *
 * Each input starts from a fresh replay window, so an input always means
 * the same thing. With XDPSEC_FUZZ_MUST_ACCEPT=1 in the environment every
 * packet must be accepted (received, or encapsulated for a round trip):
 * tests/test_fuzz.py uses it to prove the committed seeds get past the ICV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ip.h"
#include "fuzz_esp_sas.h"

enum {
	FRAME_LEN = 16384,
	FRAME_HEADROOM = 256,
	MAX_INPUT = FRAME_LEN - FRAME_HEADROOM - XS_PKT_MAX_TAILROOM,
};

static struct xs_sa *sa_in[FUZZ_NSA], *sa_out[FUZZ_NSA];
static int must_accept;
static uint8_t frame[FRAME_LEN];

static struct xs_sa *make_sa(int i, enum xs_dir dir)
{
	struct xs_sa_cfg cfg;
	struct xs_sa *sa = NULL;
	const char *why = "";

	fuzz_sa_cfg(i, dir, &cfg);
	if (xs_sa_new(&cfg, &sa, &why)) {
		fprintf(stderr, "fuzz: SA %s: %s\n", fuzz_sa_defs[i].name, why);
		abort();
	}
	return sa;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("XDPSEC_FUZZ_MUST_ACCEPT");
	int i;

	for (i = 0; i < FUZZ_NSA; i++) {
		sa_in[i] = make_sa(i, XS_DIR_IN);
		sa_out[i] = make_sa(i, XS_DIR_OUT);
	}
	must_accept = env && !strcmp(env, "1");
	return 0;
}

/* A fresh window, as if the SA had just been installed. */
static void reset_window(int i)
{
	struct xs_replay *r = &sa_in[i]->replay;

	xs_replay_destroy(r);
	if (xs_replay_init(r, fuzz_sa_defs[i].window,
			   fuzz_sa_defs[i].flags & XS_SA_ESN, 0))
		__builtin_trap();
}

static struct xs_pkt load(const uint8_t *data, size_t len)
{
	struct xs_pkt pkt = {
		.data = frame + FRAME_HEADROOM,
		.len = (uint32_t)len,
		.headroom = FRAME_HEADROOM,
		.tailroom = FRAME_LEN - FRAME_HEADROOM - (uint32_t)len,
	};

	memcpy(pkt.data, data, len);
	return pkt;
}

static void check(const struct xs_pkt *pkt, enum xs_drop why)
{
	if ((unsigned)why >= XS_DROP__MAX)
		__builtin_trap();
	if ((uint64_t)pkt->headroom + pkt->len + pkt->tailroom != FRAME_LEN ||
	    pkt->data != frame + pkt->headroom)
		__builtin_trap();
	if (why == XS_OK) {
		unsigned v = xs_ip_version(pkt->data, pkt->len);

		if (v != 4 && v != 6)
			__builtin_trap();
	}
}

/* Parse, then hand to the SA if the packet names it (SAD lookup). */
static enum xs_drop receive(int i, struct xs_pkt *pkt)
{
	struct xs_rx_info info;
	struct xs_sa *sa = sa_in[i];
	enum xs_drop why;

	why = xs_rx_parse(pkt, &info);
	check(pkt, why);
	if (why != XS_OK)
		return why;
	if (info.proto != IPPROTO_ESP && info.proto != IPPROTO_AH)
		__builtin_trap();
	if (info.spi != sa->spi || info.proto != sa->proto)
		return XS_DROP_UNKNOWN_SPI;
	reset_window(i);
	why = sa->proto == IPPROTO_ESP ? xs_esp_in(sa, pkt, &info) :
					 xs_ah_in(sa, pkt, &info);
	check(pkt, why);
	return why;
}

/*
 * The engine rewrites the IPv4 header checksum on the way back, so only a
 * correct one can come back unchanged.
 */
static void fix_ipv4_csum(uint8_t *p, size_t len)
{
	if (len >= XS_IPV4_HDR_LEN && p[0] >> 4 == 4 &&
	    (p[0] & 0x0f) * 4u >= XS_IPV4_HDR_LEN && (p[0] & 0x0f) * 4u <= len)
		xs_ipv4_set_csum(p);
}

static void round_trip(int i, const uint8_t *data, size_t len)
{
	struct xs_sa *out = sa_out[i];
	uint8_t plain[MAX_INPUT];
	struct xs_pkt pkt;
	enum xs_drop why;
	uint32_t ip_len;

	memcpy(plain, data, len);
	fix_ipv4_csum(plain, len);
	/* what comes back: the packet as its IP header declares it */
	ip_len = xs_ip_packet_len(plain, (uint32_t)len);
	pkt = load(plain, len);
	why = out->proto == IPPROTO_ESP ? xs_esp_out(out, &pkt) :
					  xs_ah_out(out, &pkt);
	check(&pkt, why);
	if (why != XS_OK && must_accept)
		__builtin_trap();
	if (why != XS_OK)
		return;
	if (!ip_len)
		__builtin_trap();
	why = receive(i, &pkt);
	/* RFC 4303 2.6: next header 59 is a dummy packet to the receiver */
	if (why == XS_DROP_DUMMY && fuzz_sa_defs[i].mode == XS_MODE_TRANSPORT)
		return;
	if (why != XS_OK || pkt.len != ip_len || memcmp(pkt.data, plain, ip_len))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_pkt pkt;
	enum xs_drop why;
	int i;

	if (size < 1 || size - 1 > MAX_INPUT)
		return 0;
	i = (data[0] & FUZZ_SA_MASK) % FUZZ_NSA;
	if (data[0] & FUZZ_ROUNDTRIP) {
		round_trip(i, data + 1, size - 1);
		return 0;
	}
	pkt = load(data + 1, size - 1);
	why = receive(i, &pkt);
	if (must_accept && why != XS_OK) {
		fprintf(stderr, "fuzz: %s dropped a seed: %s\n",
			fuzz_sa_defs[i].name, xs_drop_name(why));
		__builtin_trap();
	}
	return 0;
}
