// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Writes the seed corpus of fuzz_esp_in (`make fuzz-seeds`): for every SA of
 * fuzz_esp_sas.h a few plaintext packets (IPv4/IPv6 UDP, small and larger,
 * with IPv4 options or an IPv6 hop-by-hop header where the mode keeps the
 * header), each as
 *   <sa>-<n>-rx: selector, then the packet encapsulated by the outbound SA
 *                (checked to decapsulate with the inbound SA first), and
 *   <sa>-<n>-rt: selector | FUZZ_ROUNDTRIP, then the plaintext.
 * Without valid packets the fuzzer would never get past the ICV.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine/ip.h"
#include "fuzz_esp_sas.h"

enum { FRAME_LEN = 4096, HEADROOM = 256, HOP_BY_HOP_LEN = 8 };

struct plain_spec {
	uint8_t version;	/* of the packet */
	uint16_t payload;	/* UDP payload bytes */
	bool extra;		/* IPv4 options (4 bytes) / IPv6 hop-by-hop */
};

static const struct plain_spec tunnel_specs[] = {
	{ 4, 16, false }, { 4, 300, false }, { 6, 16, false }, { 6, 200, false },
};
static const struct plain_spec transport4_specs[] = {
	{ 4, 16, false }, { 4, 300, false }, { 4, 40, true },
};
static const struct plain_spec transport6_specs[] = {
	{ 6, 16, false }, { 6, 300, false }, { 6, 40, true },
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void udp_fill(uint8_t *u, uint32_t payload)
{
	uint32_t k;

	put16(u, 5000);
	put16(u + 2, 6000);
	put16(u + 4, XS_UDP_HDR_LEN + payload);
	u[6] = u[7] = 0;
	for (k = 0; k < payload; k++)
		u[XS_UDP_HDR_LEN + k] = (uint8_t)(k * 13 + 1);
}

/* IPv4 UDP, optional NOP,NOP,NOP,EOL options; UDP checksum 0 (allowed). */
static uint32_t build_v4(uint8_t *p, const struct plain_spec *s)
{
	uint32_t hl = XS_IPV4_HDR_LEN + (s->extra ? 4 : 0);
	uint32_t len = hl + XS_UDP_HDR_LEN + s->payload;

	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | hl / 4);
	put16(p + 2, len);
	put16(p + 4, 0x1234);
	p[8] = XS_DEFAULT_TTL;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, fuzz_addr4[0], 4);
	memcpy(p + 16, fuzz_addr4[1], 4);
	if (s->extra)
		memcpy(p + XS_IPV4_HDR_LEN, "\x01\x01\x01\x00", 4);
	xs_ipv4_set_csum(p);
	udp_fill(p + hl, s->payload);
	return len;
}

/* IPv6 UDP, optional hop-by-hop header (PadN); UDP checksum computed. */
static uint32_t build_v6(uint8_t *p, const struct plain_spec *s)
{
	uint32_t hl = XS_IPV6_HDR_LEN + (s->extra ? HOP_BY_HOP_LEN : 0);
	uint32_t ulen = XS_UDP_HDR_LEN + s->payload, sum;
	uint8_t pseudo[8] = { 0, 0, (uint8_t)(ulen >> 8), (uint8_t)ulen,
			      0, 0, 0, IPPROTO_UDP };
	uint16_t csum;

	memset(p, 0, hl);
	p[0] = 0x60;
	put16(p + 4, hl - XS_IPV6_HDR_LEN + ulen);
	p[6] = s->extra ? IPPROTO_HOPOPTS : IPPROTO_UDP;
	p[7] = XS_DEFAULT_TTL;
	memcpy(p + 8, fuzz_addr6[0], 16);
	memcpy(p + 24, fuzz_addr6[1], 16);
	if (s->extra)
		memcpy(p + XS_IPV6_HDR_LEN, "\x11\x00\x01\x04\x00\x00\x00\x00",
		       HOP_BY_HOP_LEN);
	udp_fill(p + hl, s->payload);
	sum = xs_csum_add(0, p + 8, 32);
	sum = xs_csum_add(sum, pseudo, sizeof(pseudo));
	csum = xs_csum_fold(xs_csum_add(sum, p + hl, ulen));
	memcpy(p + hl + 6, csum ? &csum : &(uint16_t){ 0xffff }, 2);
	return hl + ulen;
}

static int write_seed(const char *dir, int sa, int n, const char *kind,
		      uint8_t selector, const uint8_t *p, uint32_t len)
{
	char path[512];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/%s-%d-%s", dir, fuzz_sa_defs[sa].name,
		 n, kind);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	err = fwrite(&selector, 1, 1, f) != 1 || fwrite(p, 1, len, f) != len;
	return fclose(f) || err ? -1 : 0;
}

/* Encapsulate with out, check that in takes it back; 0 and the wire bytes. */
static int encap_checked(struct xs_sa *out, struct xs_sa *in,
			 const uint8_t *plain, uint32_t len, uint8_t *frame,
			 struct xs_pkt *wire)
{
	uint8_t copy[FRAME_LEN];
	struct xs_pkt pkt;
	struct xs_rx_info info;
	enum xs_drop why;

	*wire = (struct xs_pkt){ frame + HEADROOM, len, HEADROOM,
				 FRAME_LEN - HEADROOM - len };
	memcpy(wire->data, plain, len);
	why = out->proto == IPPROTO_ESP ? xs_esp_out(out, wire) :
					  xs_ah_out(out, wire);
	if (why != XS_OK)
		return fprintf(stderr, "encap: %s\n", xs_drop_name(why)), -1;
	memcpy(copy + HEADROOM, wire->data, wire->len);
	pkt = (struct xs_pkt){ copy + HEADROOM, wire->len, HEADROOM,
			       FRAME_LEN - HEADROOM - wire->len };
	why = xs_rx_parse(&pkt, &info);
	if (why == XS_OK)
		why = in->proto == IPPROTO_ESP ? xs_esp_in(in, &pkt, &info) :
						 xs_ah_in(in, &pkt, &info);
	if (why != XS_OK || pkt.len != len || memcmp(pkt.data, plain, len))
		return fprintf(stderr, "decap: %s\n", xs_drop_name(why)), -1;
	return 0;
}

static const struct plain_spec *specs_for(int sa, int *n)
{
	const struct fuzz_sa_def *d = &fuzz_sa_defs[sa];

	if (d->mode == XS_MODE_TUNNEL) {
		*n = sizeof(tunnel_specs) / sizeof(tunnel_specs[0]);
		return tunnel_specs;
	}
	*n = sizeof(transport4_specs) / sizeof(transport4_specs[0]);
	_Static_assert(sizeof(transport4_specs) == sizeof(transport6_specs),
		       "as many IPv4 as IPv6 transport seeds");
	return d->family == AF_INET ? transport4_specs : transport6_specs;
}

static int seeds_for_sa(const char *dir, int sa, struct xs_sa *out,
			struct xs_sa *in)
{
	uint8_t plain[FRAME_LEN], frame[FRAME_LEN];
	const struct plain_spec *specs;
	struct xs_pkt wire;
	int k, n;

	specs = specs_for(sa, &n);
	for (k = 0; k < n; k++) {
		uint32_t len = specs[k].version == 4 ? build_v4(plain, &specs[k]) :
						       build_v6(plain, &specs[k]);

		if (encap_checked(out, in, plain, len, frame, &wire) ||
		    write_seed(dir, sa, k, "rx", (uint8_t)sa, wire.data, wire.len) ||
		    write_seed(dir, sa, k, "rt", (uint8_t)(sa | FUZZ_ROUNDTRIP),
			       plain, len)) {
			fprintf(stderr, "gen: %s seed %d failed\n",
				fuzz_sa_defs[sa].name, k);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s EXISTING_OUTPUT_DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < FUZZ_NSA && !err; i++) {
		struct xs_sa_cfg cfg;
		struct xs_sa *out = NULL, *in = NULL;
		const char *why = "";

		fuzz_sa_cfg(i, XS_DIR_OUT, &cfg);
		err = xs_sa_new(&cfg, &out, &why);
		fuzz_sa_cfg(i, XS_DIR_IN, &cfg);
		err = err || xs_sa_new(&cfg, &in, &why);
		xs_wipe(&cfg, sizeof(cfg));
		if (err)
			fprintf(stderr, "gen: SA %s: %s\n", fuzz_sa_defs[i].name, why);
		else
			err = seeds_for_sa(argv[1], i, out, in);
		if (out)
			xs_sa_free(out);
		if (in)
			xs_sa_free(in);
	}
	return err ? 1 : 0;
}
