/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Test harness for the BPF programs: loads the three skeletons with shared
 * maps (no attach), runs frames through BPF_PROG_TEST_RUN, reads counters,
 * installs SAs and policies, builds frames. Used by tests/bpf/test_*.c and
 * the classification benchmark.
 */
#ifndef XDPSEC_TESTS_BPF_HARNESS_H
#define XDPSEC_TESTS_BPF_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "maps/cfg.h"
#include "maps/events.h"
#include "maps/sad.h"
#include "maps/spd.h"
#include "maps/stats.h"
#include "maps/xsk.h"

struct xdp_wan;
struct xdp_lan;
struct tc_out;
struct ring_buffer;
struct xsk_socket;
struct xsk_umem;

struct xs_bpf {
	struct xdp_wan *wan;
	struct xdp_lan *lan;
	struct tc_out *tc;
	int prog_wan, prog_lan, prog_tc;
	int sad, sadi, spd, spdd, spds, cfg, stats, xsks, events;
	int acqrl;			/* acquire rate limit state */
	struct ring_buffer *rb;
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	void *umem_area;
	struct xs_event last_event;
	unsigned int n_events;
};

struct xs_bpf_opts {
	uint32_t sad_max;		/* 0: the default XS_SAD_MAX */
	uint32_t tc_ifindex;		/* tc-out's internal veth */
	uint32_t lan_xsk_base;		/* xdp-lan's xs_xsk_base (xdp-wan: 0) */
};

int xs_bpf_open(struct xs_bpf *b, const struct xs_bpf_opts *o);
void xs_bpf_close(struct xs_bpf *b);

/* One test run: the verdict, or -errno. *ns (if not NULL): ns per run. */
int xs_bpf_run(int prog, const void *frame, size_t len, uint32_t repeat,
	       uint32_t *ns);
/* Counters summed over the CPUs. */
uint64_t xs_bpf_action(struct xs_bpf *b, unsigned int hook, unsigned int act);
uint64_t xs_bpf_drop(struct xs_bpf *b, unsigned int hook, unsigned int reason);
/* Acquire events the rate limit held back (maps/events.h). */
uint64_t xs_bpf_acquires_limited(struct xs_bpf *b, unsigned int hook);
/* Forget the acquire rate limit state: every policy's budget is full. */
void xs_bpf_acquire_reset(struct xs_bpf *b);
/*
 * A real AF_XDP socket (copy mode) on a veth in a fresh network namespace
 * of this process, put in xs_xsks[slot]; 0 or -errno.
 */
int xs_bpf_xsk_open(struct xs_bpf *b, uint32_t slot);
void xs_bpf_xsk_close(struct xs_bpf *b);

/* Consume pending events; returns how many (the last in b->last_event). */
unsigned int xs_bpf_events(struct xs_bpf *b);

/* SAD: write slot, then its inbound index entry (if key != NULL). */
int xs_bpf_sa_add(struct xs_bpf *b, uint32_t slot,
		  const struct xs_sad_entry *e, const struct xs_sad_key *key);
/* Compile and commit the policies into the inactive generation. */
int xs_bpf_spd_set(struct xs_bpf *b, const struct xs_spd_policy *p, size_t n);

/* A frame to build: addresses as in the maps (IPv4 in the first 4 bytes). */
struct xs_tflow {
	uint8_t family;
	uint8_t proto;
	uint16_t sport;			/* ICMP: type */
	uint16_t dport;			/* ICMP: code */
	uint8_t opaque;			/* reference only: ports unknown */
	uint8_t src[16];
	uint8_t dst[16];
};

enum { XS_FRAME_MAX = 2048 };

/* Ethernet + IP + L4 header (+ payload bytes pl of plen); returns length. */
size_t xs_frame(uint8_t *buf, const struct xs_tflow *f, const void *pl,
		size_t plen);
/* Offset of the L4 header in frames made by xs_frame. */
size_t xs_frame_l4(const struct xs_tflow *f);

/* A policy with every selector wide open. */
struct xs_spd_policy xs_policy(uint8_t dir, uint8_t family, uint8_t action);

#endif
