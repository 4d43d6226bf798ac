// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Classification cost of the XDP programs, ns/packet via the
 * BPF_PROG_TEST_RUN repeat count: xdp-wan on ESP with a known SPI and
 * xdp-lan on plaintext matching a PROTECT policy, both ending in a redirect
 * to a real AF_XDP socket, for 1, 1k, 100k and 1M SAs and 10 and 10k
 * policies. Two policy sets of each size: a hub (distinct /24 sources and
 * destinations: one hash probe) and the SPD's worst shape (five
 * destination and five source prefix lengths, every policy's destination
 * containing every packet's: LPM tries on both levels). Each figure averages FLOWS different packets (SPIs, policies)
 * so that not one hash bucket or trie path stays hot.
 *
 *   xdpsec-bpf-bench [--json FILE] [--repeat N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "tests/bpf/harness.h"

enum { FLOWS = 64, BATCH = 65536 };

static const uint32_t sa_counts[] = { 1, 1000, 100000, 1000000 };
static const uint32_t policy_counts[] = { 10, 10000 };

/* Inbound ESP SAs with SPI 0x100 + i in slots 0..n-1 (batched). */
static int add_sas(struct xs_bpf *b, uint32_t n)
{
	struct xs_sad_entry *e = calloc(BATCH, sizeof(*e));
	struct xs_sad_key *k = calloc(BATCH, sizeof(*k));
	uint32_t *slot = calloc(BATCH, sizeof(*slot)), i, j, cnt;
	int ret = e && k && slot ? 0 : -1;

	for (i = 0; !ret && i < n; i += cnt) {
		cnt = n - i < BATCH ? n - i : BATCH;
		for (j = 0; j < cnt; j++) {
			slot[j] = i + j;
			e[j] = (struct xs_sad_entry){ .spi = 0x100 + i + j,
				.state = XS_SA_MATURE, .proto = XS_PROTO_ESP,
				.family = XS_AF_INET, .mode = 1 };
			k[j] = (struct xs_sad_key){ .spi = 0x100 + i + j,
				.proto = XS_PROTO_ESP, .family = XS_AF_INET,
				.dst = { 192, 0, 2, 1 } };
		}
		ret = bpf_map_update_batch(b->sad, slot, e, &cnt, NULL) ||
		      bpf_map_update_batch(b->sadi, k, slot, &cnt, NULL);
	}
	free(e);
	free(k);
	free(slot);
	return ret;
}

/*
 * Policy i: 10.a.b.0/24 -> 10.(128 + a).b.0/24 PROTECT with SA out_slot;
 * worst: 10.a.b.0/(24 + i % 5) -> 10.0.0.0/(1 + i % 5).
 */
static int add_policies(struct xs_bpf *b, uint32_t n, uint32_t out_slot,
			int worst)
{
	struct xs_spd_policy *p = calloc(n, sizeof(*p));
	struct xs_sad_entry out = { .state = XS_SA_MATURE, .dir = 1,
				    .proto = XS_PROTO_ESP,
				    .family = XS_AF_INET, .mode = 1 };
	uint32_t i;
	int ret;

	if (!p || xs_bpf_sa_add(b, out_slot, &out, NULL))
		return -1;
	for (i = 0; i < n; i++) {
		p[i] = xs_policy(XS_SPD_OUT, XS_AF_INET, XS_SPD_PROTECT);
		p[i].src[0] = 10;
		p[i].src[1] = i >> 8;
		p[i].src[2] = i;
		p[i].src_len = 24;
		p[i].dst[0] = 10;
		p[i].dst[1] = 128 + (i >> 8);
		p[i].dst[2] = i;
		p[i].dst_len = 24;
		p[i].id = i;
		p[i].sa_slot = out_slot;
		if (worst) {
			p[i].src_len = 24 + i % 5;
			p[i].dst[1] = p[i].dst[2] = 0;
			p[i].dst_len = 1 + i % 5;
		}
	}
	ret = xs_bpf_spd_set(b, p, n);
	free(p);
	return ret;
}

/* Average ns/packet of FLOWS frames, each run repeat times; -1 on error. */
static double measure(int prog, uint8_t frames[][128], const size_t *len,
		      uint32_t repeat, int verdict)
{
	uint64_t total = 0;
	uint32_t ns;
	int i;

	for (i = 0; i < FLOWS; i++) {
		if (xs_bpf_run(prog, frames[i], len[i], repeat, &ns) != verdict)
			return -1;
		total += ns;
	}
	return (double)total / FLOWS;
}

static double bench_wan(struct xs_bpf *b, uint32_t nsa, uint32_t repeat)
{
	uint8_t frames[FLOWS][128], pl[32] = { 0 };
	struct xs_tflow f = { .family = XS_AF_INET, .proto = XS_PROTO_ESP,
			      .src = { 192, 0, 2, 2 }, .dst = { 192, 0, 2, 1 } };
	size_t len[FLOWS];
	int i;

	for (i = 0; i < FLOWS; i++) {
		uint32_t spi = 0x100 + (uint32_t)((uint64_t)i * nsa / FLOWS);

		pl[0] = spi >> 24;
		pl[1] = spi >> 16;
		pl[2] = spi >> 8;
		pl[3] = spi;
		len[i] = xs_frame(frames[i], &f, pl, sizeof(pl));
	}
	return measure(b->prog_wan, frames, len, repeat, 4 /* XDP_REDIRECT */);
}

static double bench_lan(struct xs_bpf *b, uint32_t npol, uint32_t repeat)
{
	struct xs_tflow f = { .family = XS_AF_INET, .proto = XS_PROTO_UDP,
			      .sport = 1234, .dport = 5678 };
	uint8_t frames[FLOWS][128];
	size_t len[FLOWS];
	int i;

	for (i = 0; i < FLOWS; i++) {
		uint32_t p = (uint32_t)((uint64_t)i * npol / FLOWS);

		memcpy(f.src, (uint8_t[]){ 10, p >> 8, p, 9 }, 4);
		memcpy(f.dst, (uint8_t[]){ 10, 128 + (p >> 8), p, 9 }, 4);
		len[i] = xs_frame(frames[i], &f, "payload!", 8);
	}
	return measure(b->prog_lan, frames, len, repeat, 4 /* XDP_REDIRECT */);
}

static int run(FILE *json, uint32_t repeat)
{
	struct xs_bpf b;
	unsigned int s, p;
	int first = 1;

	printf("%10s %9s %14s %18s %16s\n", "SAs", "policies", "wan-esp ns/pkt",
	       "lan-protect ns/pkt", "lan-worst ns/pkt");
	for (s = 0; s < sizeof(sa_counts) / sizeof(*sa_counts); s++) {
		uint32_t nsa = sa_counts[s];

		if (xs_bpf_open(&b, &(struct xs_bpf_opts){ .sad_max = nsa + 1 }) ||
		    add_sas(&b, nsa) || xs_bpf_xsk_open(&b, 0)) {
			fprintf(stderr, "setup for %u SAs failed\n", nsa);
			return 1;
		}
		for (p = 0; p < sizeof(policy_counts) / sizeof(*policy_counts); p++) {
			uint32_t npol = policy_counts[p];
			double wan, lan, worst;

			if (add_policies(&b, npol, nsa, 1))
				return 1;
			worst = bench_lan(&b, npol, repeat);
			if (add_policies(&b, npol, nsa, 0))
				return 1;
			wan = bench_wan(&b, nsa, repeat);
			lan = bench_lan(&b, npol, repeat);
			printf("%10u %9u %14.1f %18.1f %16.1f\n", nsa, npol, wan,
			       lan, worst);
			if (json)
				fprintf(json, "%s\n  {\"sas\": %u, \"policies\": %u, "
					"\"wan_esp_ns\": %.1f, \"lan_protect_ns\": %.1f, "
					"\"lan_worst_ns\": %.1f}",
					first ? "" : ",", nsa, npol, wan, lan, worst);
			first = 0;
		}
		xs_bpf_close(&b);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t repeat = 100000;
	FILE *json = NULL;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = fopen(argv[++i], "w");
			if (!json) {
				perror(argv[i]);
				return 1;
			}
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			repeat = strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--json FILE] [--repeat N]\n",
				argv[0]);
			return 2;
		}
	}
	if (json)
		fprintf(json, "{\"unit\": \"ns/packet\", \"repeat\": %u, "
			"\"classify\": [", repeat);
	ret = run(json, repeat);
	if (json) {
		fprintf(json, "\n]}\n");
		fclose(json);
	}
	return ret;
}
