/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Events from BPF to the daemon. XS_EV_ACQUIRE: a packet matched a PROTECT
 * policy that has no usable SA (as XFRM's acquire): the packet was dropped
 * and counted (no-sa); the daemon may start IKE for the policy's template.
 *
 * Rate limit at the source: a flood of such packets must not cost a ring
 * buffer reservation and a daemon wakeup each, nor crowd out the acquires
 * of other policies. Each CPU sends at most XS_ACQ_BURST acquires per
 * policy per XS_ACQ_WINDOW_NS (state in xs_acqrl, an LRU per-CPU hash by
 * policy index, so any number of policies fits); the rest are counted in
 * xs_stats.acquires_limited of the hook, the packets still as no-sa drops.
 * The daemon coalesces what arrives. If the ring is full the event is lost
 * but the drop is still counted.
 */
#ifndef XDPSEC_MAPS_EVENTS_H
#define XDPSEC_MAPS_EVENTS_H

#include "types.h"

enum xs_event_type {
	XS_EV_ACQUIRE = 1,		/* acquire */
};

struct xs_event {
	__u32 type;			/* enum xs_event_type */
	__u32 policy;			/* index in xs_spd */
	__u8 hook;			/* enum xs_hook */
	__u8 family;
	__u8 proto;
	__u8 pad;
	__u16 sport;			/* host order; ICMP type */
	__u16 dport;			/* host order; ICMP code */
	__u8 src[16];
	__u8 dst[16];
};
_Static_assert(sizeof(struct xs_event) == 48, "xs_event layout");

enum {
	XS_ACQ_BURST = 4,		/* acquires per policy, CPU and window */
	XS_ACQ_WINDOW_NS = 1000000000,	/* 1 s */
	XS_ACQ_POLICIES = 4096,		/* policies tracked at once (LRU) */
};

/* Per CPU, per policy: the current window and what it sent in it. */
struct xs_acq_rate {
	__u64 window_start;		/* bpf_ktime_get_ns() */
	__u32 sent;
	__u32 pad;
};
_Static_assert(sizeof(struct xs_acq_rate) == 16, "xs_acq_rate layout");

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	XS_PIN_BY_NAME;
} xs_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, XS_ACQ_POLICIES);
	__type(key, __u32);		/* policy index in xs_spd */
	__type(value, struct xs_acq_rate);
	XS_PIN_BY_NAME;
} xs_acqrl SEC(".maps");
#endif

#endif
