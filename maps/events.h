/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Events from BPF to the daemon. XS_EV_ACQUIRE: a packet matched a PROTECT
 * policy that has no usable SA (as XFRM's acquire): the packet was dropped
 * and counted (no-sa); the daemon may start IKE for the policy's template.
 * One event per such packet; the daemon coalesces. If the ring is full the
 * event is lost but the drop is still counted.
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

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	XS_PIN_BY_NAME;
} xs_events SEC(".maps");
#endif

#endif
