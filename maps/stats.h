/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Per-CPU counters of the BPF programs, one xs_stats per hook (enum
 * xs_hook): what they did with each packet and, for drops, why (indexed by
 * enum xs_drop of maps/drop_reasons.h). `xdpsec stats` and bpftool sum
 * the CPUs. drop_where[] keeps, per reason, the file id and line of the last
 * drop (file id << 16 | line), to tell apart the places that share a reason.
 */
#ifndef XDPSEC_MAPS_STATS_H
#define XDPSEC_MAPS_STATS_H

#include "types.h"
#include "drop_reasons.h"

enum xs_stat_action {
	XS_ACT_NON_IP = 0,		/* non-ip: ARP and others, to the stack */
	XS_ACT_IKE = 1,			/* ike: IKE, NAT-keepalive, ND, to the stack */
	XS_ACT_BYPASS = 2,		/* bypass: BYPASS policy, to the stack */
	XS_ACT_DEFAULT = 3,		/* default: no policy, default bypass */
	XS_ACT_WORKER = 4,		/* worker: to the AF_XDP worker */
	XS_ACT_KERNEL = 5,		/* kernel: SA with kernel backend */
	XS_ACT_DROP = 6,		/* drop: any drop reason */
	XS_ACT__MAX
};

struct xs_stats {
	__u64 actions[XS_ACT__MAX];
	__u64 drops[XS_DROP__MAX];
	__u32 drop_where[XS_DROP__MAX];
	__u64 acquires_limited;		/* acquire events not sent (maps/events.h) */
};

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_HOOKS);
	__type(key, __u32);
	__type(value, struct xs_stats);
	XS_PIN_BY_NAME;
} xs_stats SEC(".maps");
#endif

#endif
