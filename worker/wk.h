/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The worker's insides, shared by its files (not part of the API in
 * worker.h): the UMEM and its frames, the sockets of a thread, the SA
 * table with its grace periods, and the per-thread state of the loop.
 *
 * Threads: one per queue. Thread q owns the sockets of queue q on every
 * interface, its own slice of the one UMEM (a stack of free frames), its
 * own next-hop cache and counters: nothing on its hot path is shared
 * except the SA objects. An SA is used by one thread when its traffic
 * arrives on one queue; with more than one queue, two threads may hit the
 * same SA, so each engine call runs under the SA's spinlock
 * (xs_wsa.lock, taken only when nqueues > 1): sequence numbers stay unique
 * and in order, the replay window stays consistent.
 */
#ifndef XDPSEC_WORKER_WK_H
#define XDPSEC_WORKER_WK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <xdp/xsk.h>

#include "../engine/engine.h"
#include "../maps/xsk.h"
#include "nexthop.h"
#include "worker.h"

enum {
	XS_WK_FRAME_SIZE = XSK_UMEM__DEFAULT_FRAME_SIZE,	/* 4096 */
	XS_WK_FRAME_HEADROOM = 256,	/* where new packets start (= XDP's) */
	XS_WK_FRAMES_PER_SOCK = 4096,	/* default UMEM share of a socket */
	/*
	 * Fill/completion/RX/TX descriptors. A thread that is not running
	 * (2 cores shared with the traffic's own endpoints) finds what
	 * arrived meanwhile here: with 1024, TCP bursts overflowed the RX
	 * and fill rings (docs/performance.md).
	 */
	XS_WK_RING = 4096,
	/*
	 * RX descriptors per socket and pass. What a pass costs besides its
	 * frames (fill/completion ring pointers, the SAs' live fields written
	 * to xs_sad, the TX kicks) is paid once per batch: 1024 took ~25% off
	 * the worker's user time per packet against 64 when it runs behind.
	 */
	XS_WK_BATCH = 1024,
	XS_WK_KICKS_MAX = 64,		/* sendto() calls per flush */
	XS_WK_POLL_MS = 10,		/* idle wait: bounds stop and grace */
	XS_WK_ETH_HLEN = 14,
	XS_WK_EVENTS = 1024,		/* pending SA events kept */
	XS_WK_BUSY_TRIES = 100,		/* bind EBUSY retries, 10 ms apart */
	XS_REASM_SLOTS = 64,		/* datagrams being reassembled, a thread */
	XS_REASM_DATA = 512,		/* payload offset in the assembly frame */
	XS_REASM_MAX = XS_WK_FRAME_SIZE - XS_REASM_DATA,	/* payload bytes */
	XS_REASM_HDR_MAX = 256,		/* unfragmentable part */
	XS_REASM_TIMEOUT_NS = 5000000000ull,
};

/* umem.c: the one UMEM and each thread's free frames. */
struct xs_umem {
	void *area;
	uint64_t size;
	struct xsk_umem *umem;
	struct xsk_ring_prod fill;	/* handed to the first socket */
	struct xsk_ring_cons comp;
};

struct xs_frames {
	uint64_t *addr;			/* stack of free frame addresses */
	uint32_t n, cap, reserve;	/* reserve: kept for TX of new packets */
};

/* umem.c APIs: */
int xs_umem_create(struct xs_umem *u, uint32_t frames, const char **why);
void xs_umem_destroy(struct xs_umem *u);
int xs_frames_init(struct xs_frames *f, uint64_t first, uint32_t n);
void xs_frames_fini(struct xs_frames *f);
static inline uint64_t xs_frame_base(uint64_t addr)
{
	return addr & ~(uint64_t)(XS_WK_FRAME_SIZE - 1);
}
static inline void xs_frame_put(struct xs_frames *f, uint64_t addr)
{
	f->addr[f->n++] = xs_frame_base(addr);
}
/* A free frame's address, or UINT64_MAX if none is left. */
static inline uint64_t xs_frame_get(struct xs_frames *f)
{
	return f->n ? f->addr[--f->n] : UINT64_MAX;
}

/* sa_table.c: slot -> engine SA, replaced under grace periods. */
struct xs_wsa {
	struct xs_sa *sa;
	struct xs_sa_sel sel[XS_SA_SEL_MAX];
	uint8_t nsel;			/* 0: any packet */
	uint32_t slot;
	pthread_spinlock_t lock;
};

struct xs_sa_table {
	_Atomic(struct xs_wsa *) *slots;
	uint32_t n;
};

/* sa_table.c APIs: */
int xs_sat_init(struct xs_sa_table *t, uint32_t n);
void xs_sat_fini(struct xs_sa_table *t);
/* Publish w (or NULL) in slot; returns what was there. */
struct xs_wsa *xs_sat_swap(struct xs_sa_table *t, uint32_t slot,
			   struct xs_wsa *w);
int xs_wsa_new(const struct xs_sa_cfg *cfg, const struct xs_sa_sel *sel,
	       unsigned int nsel, uint32_t slot, struct xs_wsa **out,
	       const char **why);
void xs_wsa_free(struct xs_wsa *w);
static inline struct xs_wsa *xs_sat_get(struct xs_sa_table *t, uint32_t slot)
{
	if (slot >= t->n)
		return NULL;
	return atomic_load_explicit(&t->slots[slot], memory_order_acquire);
}

/* xsk.c: one AF_XDP socket of a thread. */
struct xs_wsock {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx, comp;
	struct xsk_ring_prod tx, fill;
	int fd, ifindex;
	uint8_t role;			/* enum xs_if_role */
	uint8_t mac[6];			/* the interface's own address */
	uint8_t peer_mac[6];		/* INTERNAL: the stack side's address */
	uint32_t slot;			/* in xs_xsks, UINT32_MAX if not set */
	uint32_t tx_queued;		/* submitted, not yet kicked */
};

struct xs_wstats {
	uint64_t rx, tx;
	uint64_t reasm_to_kernel;	/* reassembled, for a kernel-backend SA */
	uint64_t drops[XS_DROP__MAX];
};

/* reasm.c: one datagram being reassembled in a frame of its own. */
struct xs_reasm {
	uint64_t frame;			/* UINT64_MAX: slot free */
	uint64_t expires;		/* CLOCK_MONOTONIC ns */
	uint32_t id;
	uint8_t family, proto;
	uint16_t hlen;			/* unfragmentable part, 0 until offset 0 */
	uint16_t total;			/* payload length, 0 until the last */
	uint16_t have;			/* payload bytes received */
	uint8_t src[16], dst[16];
	uint64_t units[XS_REASM_MAX / 8 / 64];	/* 8-byte units received */
};

struct xs_worker;

struct xs_wthread {
	struct xs_worker *w;
	int queue;
	pthread_t tid;
	bool running;
	struct xs_wsock socks[XS_WORKER_MAX_IFS];
	int nsocks;
	struct xs_frames frames;
	struct xs_nh_cache *nh;
	struct xs_reasm reasm[XS_REASM_SLOTS];
	struct xs_wsa *touched[XS_WK_BATCH];
	int ntouched;
	struct xs_wstats st;
	_Alignas(64) atomic_uint_fast64_t quiescent;
	atomic_bool idle;		/* in poll() between passes: holds no SA */
};

struct xs_worker {
	struct xs_worker_cfg cfg;
	struct xs_umem umem;
	struct xs_sa_table sat;
	struct xs_nh_monitor mon;
	pthread_t mon_tid;
	bool mon_running;
	atomic_bool stop;
	struct xs_wthread *th;
	pthread_mutex_t ctl;		/* sa_set/clear, events */
	uint32_t ev_slot[XS_WK_EVENTS], ev_bits[XS_WK_EVENTS];
	int nev;
	atomic_uint_fast64_t sa_events;
};

/* xsk.c APIs: */
int xs_wsock_open(struct xs_worker *w, struct xs_wthread *t, int i,
		  const char **why);
void xs_wsock_close(struct xs_worker *w, struct xs_wsock *s);
void xs_wsock_refill(struct xs_wthread *t, struct xs_wsock *s);
void xs_wsock_complete(struct xs_wthread *t, struct xs_wsock *s);
/* Queue frame bytes at addr for TX (ownership passes on); false: dropped. */
bool xs_wsock_tx(struct xs_wthread *t, struct xs_wsock *s, uint64_t addr,
		 uint32_t len);
void xs_wsock_flush(struct xs_wthread *t, struct xs_wsock *s);
/* Add the kernel's drop counts of the socket (XDP_STATISTICS) to st. */
void xs_wsock_kstats(const struct xs_wsock *s, struct xs_worker_stats *st);

/* process.c APIs: */
/* One received frame (UMEM address and length) from socket s. */
void xs_wk_frame(struct xs_wthread *t, struct xs_wsock *s, uint64_t addr,
		 uint32_t len);
/* A whole inbound IPsec packet for the SA in slot: decrypt, deliver. */
void xs_wk_inbound(struct xs_wthread *t, uint64_t base, struct xs_pkt *pkt,
		   uint32_t slot);
/* Write the touched SAs' live fields into xs_sad, collect their events. */
void xs_wk_publish(struct xs_wthread *t);

/* emit.c APIs: */
struct xs_pkt;
/*
 * Send the IP packet pkt (inside the frame at base) towards nh: Ethernet
 * header from the neighbour table, IPv4 fragmentation past the MTU when
 * DF is clear. Takes the frame in every case.
 */
void xs_wk_emit(struct xs_wthread *t, uint64_t base, struct xs_pkt *pkt,
		const struct xs_nh *nh);
/*
 * Split the IPv4 packet pkt (DF clear) into fragments of at most mtu bytes
 * in new frames (frames[i], views pkts[i]); returns how many, 0 if it
 * cannot (nothing is then taken). pkt's frame stays the caller's.
 */
int xs_wk_fragment(struct xs_wthread *t, const struct xs_pkt *pkt,
		   uint32_t mtu, uint64_t *frames, struct xs_pkt *pkts);
/* An ICMP error about orig to its sender, in a new frame. */
void xs_wk_icmp(struct xs_wthread *t, const uint8_t *orig, uint32_t len,
		uint8_t type4, uint8_t type6, uint8_t code, uint32_t info);
/* Count a drop and give the frame back. */
void xs_wk_drop(struct xs_wthread *t, uint64_t base, enum xs_drop why);
/* A packet view of the frame at base with data at off (headroom kept). */
void xs_wk_pkt(struct xs_wthread *t, uint64_t base, uint32_t off, uint32_t len,
	       struct xs_pkt *pkt);

/* reasm.c APIs: */
void xs_reasm_init(struct xs_wthread *t);
/* Give back the frames of unfinished datagrams. */
void xs_reasm_fini(struct xs_wthread *t);
/* One outer ESP/AH fragment (BPF's XS_META_FRAGMENT); takes the frame. */
void xs_reasm_fragment(struct xs_wthread *t, uint64_t base, struct xs_pkt *pkt);

/* worker.c APIs: */
void xs_wk_event(struct xs_worker *w, uint32_t slot, uint32_t bits);

#endif
