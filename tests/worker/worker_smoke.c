// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The worker with real BPF programs and real AF_XDP sockets, for
 * tests/test_worker_smoke.py: loads the skeletons (tests/bpf/harness.c),
 * attaches xdp-wan to WAN and xdp-lan to LAN, installs one inbound SA
 * (slot 0, SPI 0x1001, 192.0.2.2 -> 192.0.2.1) and one outbound SA
 * (slot 1, SPI 0x2002, 192.0.2.1 -> 192.0.2.2), both AES-GCM-16 tunnel,
 * and PROTECT-everything IPv4 and IPv6 outbound policies using slot 1; the inbound
 * SA has a soft limit of 2 packets. Starts the worker, prints READY, runs
 * until stdin closes, then prints its counters, the live SAD fields and
 * the SA events as "name value" lines. With sel4 (sel6) the inbound SA
 * carries the selector 10.2.0.0/24 -> 10.3.0.0/24 (2001:db8:2::/64 ->
 * 2001:db8:3::/64). With nocrypto both SAs carry XS_SA_BENCH_NO_CRYPTO
 * (benchmark only: ESP with plaintext payload, zero IV and ICV).
 *
 *   worker_smoke WAN LAN INTERNAL KEYHEX(36 bytes) [nocrypto|sel4|sel6]
 */
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/engine.h"
#include "tests/bpf/harness.h"
#include "worker/worker.h"

enum { SLOT_IN = 0, SLOT_OUT = 1, SAD_SLOTS = 16, LAN_BASE = 64,
       INT_BASE = 128 };

static const char *GW = "192.0.2.1", *PEER = "192.0.2.2";

static void sa_cfg(struct xs_sa_cfg *c, uint32_t spi, uint8_t dir,
		   const char *src, const char *dst, const uint8_t *key)
{
	memset(c, 0, sizeof(*c));
	c->spi = spi;
	c->proto = XS_PROTO_ESP;
	c->mode = XS_MODE_TUNNEL;
	c->dir = dir;
	c->family = AF_INET;
	inet_pton(AF_INET, src, c->src);
	inet_pton(AF_INET, dst, c->dst);
	c->enc = XS_ENC_AES_GCM_16;
	c->enc_key_len = 36;
	memcpy(c->enc_key, key, 36);
	c->replay_window = dir == XS_DIR_IN ? 64 : 0;
	c->soft_packets = dir == XS_DIR_IN ? 2 : 0;
}

static void sad_entry(struct xs_sad_entry *e, const struct xs_sa_cfg *c)
{
	memset(e, 0, sizeof(*e));
	e->spi = c->spi;
	e->state = XS_SA_MATURE;
	e->dir = c->dir;
	e->proto = c->proto;
	e->mode = c->mode;
	e->family = XS_AF_INET;
	e->enc = c->enc;
	e->replay_window = c->replay_window;
	memcpy(e->src, c->src, 16);
	memcpy(e->dst, c->dst, 16);
}

static int install(struct xs_bpf *b, struct xs_worker *w,
		   const struct xs_sa_cfg *c, uint32_t slot,
		   const struct xs_sa_sel *sel)
{
	struct xs_sad_key k = { .spi = c->spi, .proto = XS_PROTO_ESP,
				.family = XS_AF_INET };
	struct xs_sad_entry e;
	const char *why;
	int ret;

	sad_entry(&e, c);
	memcpy(k.dst, c->dst, 4);
	ret = xs_bpf_sa_add(b, slot, &e, c->dir == XS_DIR_IN ? &k : NULL);
	if (!ret)
		ret = xs_worker_sa_set(w, slot, c, sel, sel ? 1 : 0, &why);
	if (ret)
		fprintf(stderr, "install slot %u: %d\n", slot, ret);
	return ret;
}

static int parse_key(const char *hex, uint8_t *key)
{
	int i;

	if (strlen(hex) != 72)
		return -1;
	for (i = 0; i < 36; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &key[i]) != 1)
			return -1;
	return 0;
}

static void report(struct xs_worker *w, const struct xs_sad_entry *sad)
{
	uint32_t slots[8], ev[8];
	struct xs_worker_stats st;
	int i, s, n;

	xs_worker_stats(w, &st);
	printf("rx %llu\ntx %llu\n", (unsigned long long)st.rx,
	       (unsigned long long)st.tx);
	for (i = 0; i < XS_DROP__MAX; i++)
		if (st.drops[i])
			printf("drop.%s %llu\n", xs_drop_name(i),
			       (unsigned long long)st.drops[i]);
	for (s = SLOT_IN; s <= SLOT_OUT; s++)
		printf("sad%d.seq %llu\nsad%d.replay_top %llu\nsad%d.packets %llu\n"
		       "sad%d.bytes %llu\nsad%d.use_time %llu\n",
		       s, (unsigned long long)sad[s].seq,
		       s, (unsigned long long)sad[s].replay_top,
		       s, (unsigned long long)sad[s].packets,
		       s, (unsigned long long)sad[s].bytes,
		       s, (unsigned long long)sad[s].use_time);
	n = xs_worker_take_events(w, slots, ev, 8);
	for (i = 0; i < n; i++)
		printf("event.%u %u\n", slots[i], ev[i]);
	printf("sa_events %llu\n", (unsigned long long)st.sa_events);
}

static int policy(struct xs_bpf *b)
{
	struct xs_spd_policy p[2] = {
		xs_policy(XS_SPD_OUT, XS_AF_INET, XS_SPD_PROTECT),
		xs_policy(XS_SPD_OUT, XS_AF_INET6, XS_SPD_PROTECT),
	};

	p[0].id = 1;
	p[1].id = 2;
	p[0].sa_slot = p[1].sa_slot = SLOT_OUT;
	return xs_bpf_spd_set(b, p, 2);
}

/* The inbound SA's selector for mode sel4 or sel6 (false: none). */
static bool selector(const char *mode, struct xs_sa_sel *sel)
{
	bool six = !strcmp(mode, "sel6");
	int af = six ? AF_INET6 : AF_INET;

	if (!six && strcmp(mode, "sel4"))
		return false;
	sel->family = six ? XS_AF_INET6 : XS_AF_INET;
	sel->src_len = sel->dst_len = six ? 64 : 24;
	inet_pton(af, six ? "2001:db8:2::" : "10.2.0.0", sel->src);
	inet_pton(af, six ? "2001:db8:3::" : "10.3.0.0", sel->dst);
	return true;
}

static int run(struct xs_bpf *b, struct xs_worker_cfg *cfg, const uint8_t *key,
	       const char *mode)
{
	struct xs_sa_sel sel = { 0 };
	bool has_sel = selector(mode, &sel);
	struct xs_worker *w;
	struct xs_sa_cfg in, out;
	const char *why = "";
	char line[64];
	int ret;

	ret = xs_worker_start(cfg, &w, &why);
	if (ret) {
		fprintf(stderr, "xs_worker_start: %d: %s\n", ret, why);
		return 1;
	}
	sa_cfg(&in, 0x1001, XS_DIR_IN, PEER, GW, key);
	sa_cfg(&out, 0x2002, XS_DIR_OUT, GW, PEER, key);
	if (!strcmp(mode, "nocrypto")) {
		in.flags |= XS_SA_BENCH_NO_CRYPTO;
		out.flags |= XS_SA_BENCH_NO_CRYPTO;
	}
	ret = install(b, w, &in, SLOT_IN, has_sel ? &sel : NULL) ||
	      install(b, w, &out, SLOT_OUT, NULL) || policy(b);
	if (!ret) {
		printf("READY\n");
		fflush(stdout);
		while (fgets(line, sizeof(line), stdin))
			;
		report(w, cfg->sad);
	}
	xs_worker_stop(w);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct xs_bpf_opts o = { .sad_max = SAD_SLOTS, .lan_xsk_base = LAN_BASE };
	struct xs_worker_cfg cfg = { .nifs = 3, .nqueues = 1 };
	const char *names[3] = { argv[1], argv[2], argv[3] };
	const uint8_t roles[3] = { XS_IF_WAN, XS_IF_LAN, XS_IF_INTERNAL };
	const uint32_t bases[3] = { 0, LAN_BASE, INT_BASE };
	const char *mode = argc > 5 ? argv[5] : "";
	struct xs_bpf b;
	uint8_t key[36];
	int i, ret;

	if (argc < 5 || parse_key(argv[4], key)) {
		fprintf(stderr, "usage: worker_smoke WAN LAN INTERNAL KEYHEX [nocrypto|sel4|sel6]\n");
		return 2;
	}
	if (xs_bpf_open(&b, &o)) {
		fprintf(stderr, "cannot load the BPF programs\n");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		snprintf(cfg.ifs[i].name, IF_NAMESIZE, "%s", names[i]);
		cfg.ifs[i].role = roles[i];
		cfg.ifs[i].xsk_base = bases[i];
	}
	cfg.xsks_map_fd = b.xsks;
	cfg.sadi_map_fd = b.sadi;
	cfg.sad_slots = SAD_SLOTS;
	cfg.sad = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, b.sad, 0);
	if (cfg.sad == MAP_FAILED ||
	    bpf_xdp_attach((int)if_nametoindex(argv[1]), b.prog_wan,
			   XDP_FLAGS_DRV_MODE, NULL) ||
	    bpf_xdp_attach((int)if_nametoindex(argv[2]), b.prog_lan,
			   XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "cannot map the SAD or attach XDP\n");
		xs_bpf_close(&b);
		return 1;
	}
	ret = run(&b, &cfg, key, mode);
	bpf_xdp_detach((int)if_nametoindex(argv[1]), XDP_FLAGS_DRV_MODE, NULL);
	bpf_xdp_detach((int)if_nametoindex(argv[2]), XDP_FLAGS_DRV_MODE, NULL);
	munmap(cfg.sad, 4096);
	xs_bpf_close(&b);
	return ret;
}
