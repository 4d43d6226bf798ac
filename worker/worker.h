/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The AF_XDP crypto worker: threads that take frames the XDP programs
 * redirect into AF_XDP sockets (maps/xsk.h), run them through the packet
 * engine (engine/engine.h) and transmit the result on the right interface
 * with a next hop from the kernel's routing and neighbour tables.
 *
 * The daemon (loader/) owns the BPF objects and the SAD: it writes the
 * configuration part of a slot in xs_sad (maps/sad.h), then gives the
 * worker the keys for that slot with xs_worker_sa_set(). The worker keeps
 * the live part of the slot (seq, replay_top, packets, bytes, drops,
 * use_time) current in the mmapped array.
 *
 * Inbound selectors (RFC 4301 section 5.2, step 4): an inbound SA may
 * carry the traffic selectors it was negotiated for (struct xs_sa_sel,
 * selector.h: addresses, protocol, ports). A packet that decrypts under
 * the SA but falls outside all of them (tunnel mode: the inner packet;
 * transport mode: the packet itself) is dropped as
 * XS_DROP_SELECTOR_MISMATCH: a peer may only send what the SA was set up
 * to carry.
 *
 * Frames: the worker takes single-buffer frames only (no XDP multi-buffer).
 * Every interface it serves must deliver frames no larger than its MTU: the
 * daemon turns TSO/GSO/GRO off on the internal veth, the operator turns
 * LRO/hardware GRO off on the WAN and LAN (docs/operations.md).
 */
#ifndef XDPSEC_WORKER_WORKER_H
#define XDPSEC_WORKER_WORKER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "../engine/sa.h"
#include "../maps/drop_reasons.h"
#include "../maps/sad.h"
#include "selector.h"

enum xs_if_role {
	XS_IF_WAN = 0,		/* wan: ciphertext side */
	XS_IF_LAN = 1,		/* lan: plaintext side, forwarded traffic */
	XS_IF_INTERNAL = 2,	/* internal: veth to the local stack */
};

struct xs_worker_if {
	char name[IF_NAMESIZE];
	int ifindex;
	uint8_t role;			/* enum xs_if_role */
	uint32_t xsk_base;		/* first xs_xsks slot of this interface */
};

enum { XS_WORKER_MAX_IFS = 4 };

struct xs_worker_cfg {
	struct xs_worker_if ifs[XS_WORKER_MAX_IFS];
	int nifs;
	int nqueues;			/* queues 0..n-1 per interface, a thread each */
	int xsks_map_fd;		/* xs_xsks */
	struct xs_sad_entry *sad;	/* mmapped xs_sad */
	uint32_t sad_slots;
	uint32_t frames;		/* UMEM frames (0: default) */
	uint16_t mss_clamp;		/* 0: off */
	int sadi_map_fd;		/* xs_sadi, to find the SA of a reassembled
					 * outer fragment; <= 0: drop fragments */
};

struct xs_worker;

/* worker.c APIs: */
/* 0 or -errno with *why naming the problem (an interface, a ring, ...). */
int xs_worker_start(const struct xs_worker_cfg *cfg, struct xs_worker **out,
		    const char **why);
/* Stops the threads, removes the sockets from xs_xsks, frees everything. */
void xs_worker_stop(struct xs_worker *w);

/*
 * Install (or replace) the engine SA of a slot whose xs_sad configuration
 * the daemon has written, with its nsel selectors (at most XS_SA_SEL_MAX;
 * 0: any packet; used inbound only). Safe while traffic flows: a replaced
 * SA is freed only once no thread can still use it. The caller wipes
 * cfg's keys.
 */
int xs_worker_sa_set(struct xs_worker *w, uint32_t slot,
		     const struct xs_sa_cfg *cfg, const struct xs_sa_sel *sel,
		     unsigned int nsel, const char **why);
/*
 * Remove a slot's engine SA (after the daemon unlinked it from the maps).
 * Returns once no thread uses it: the daemon may then zero or reuse the
 * slot, the worker writes its live fields no more.
 */
void xs_worker_sa_clear(struct xs_worker *w, uint32_t slot);

struct xs_worker_stats {
	uint64_t rx, tx;			/* frames */
	uint64_t drops[XS_DROP__MAX];		/* by reason, all threads */
	uint64_t sa_events;			/* lifetime events raised */
	/* Frames the kernel dropped before the worker saw them: */
	uint64_t xsk_rx_dropped;		/* no free frame in a fill ring */
	uint64_t xsk_rx_ring_full;		/* an RX ring was full */
	/* Reassembled outer fragments handed to the stack (kernel SA): */
	uint64_t reasm_to_kernel;
};
void xs_worker_stats(struct xs_worker *w, struct xs_worker_stats *out);

/*
 * Lifetime events (soft/hard, counter exhausted) raised since the last
 * call: fills up to max slots and their enum xs_sa_event bits, returns how
 * many. The daemon turns them into SA state changes (and later, IKE rekeys).
 */
int xs_worker_take_events(struct xs_worker *w, uint32_t *slots,
			  uint32_t *events, int max);

#endif
