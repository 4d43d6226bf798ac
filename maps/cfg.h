/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Settings the daemon may change while traffic flows (one entry, key 0).
 * All zero is the documented default: SPD generation 0, unmatched traffic
 * bypasses in every direction, IKE (UDP 500, and 4500 carrying IKE or a
 * NAT-keepalive) and IPv6 Neighbor Discovery bypass the SPD. ARP and
 * other non-IP frames always go to the stack. Per-program settings that
 * only change with a reload are `const volatile` in bpf/lib/config.h.
 */
#ifndef XDPSEC_MAPS_CFG_H
#define XDPSEC_MAPS_CFG_H

#include "types.h"

enum xs_cfg_flags {
	XS_CFG_NO_IKE_BYPASS = 1 << 0,	/* IKE goes through the SPD too */
	XS_CFG_NO_ND_BYPASS = 1 << 1,	/* ND goes through the SPD too */
};

struct xs_cfg {
	__u32 spd_gen;			/* active SPD generation, 0 or 1 */
	__u32 flags;			/* enum xs_cfg_flags */
	__u8 default_action[XS_SPD_DIRS];	/* enum xs_spd_action, unmatched */
	__u8 pad[5];
};
_Static_assert(sizeof(struct xs_cfg) == 16, "xs_cfg layout");

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_cfg);
	XS_PIN_BY_NAME;
} xs_cfg SEC(".maps");
#endif

#endif
