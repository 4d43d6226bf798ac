/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Included first by every program: kernel types, libbpf helpers, the map
 * schemas (which declare the maps when compiled for BPF) and the wire
 * constants that vmlinux.h lacks (they are macros in the uapi headers).
 */
#ifndef XDPSEC_BPF_COMMON_H
#define XDPSEC_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "maps/types.h"
#include "maps/drop_reasons.h"
#include "maps/cfg.h"
#include "maps/events.h"
#include "maps/sad.h"
#include "maps/spd.h"
#include "maps/stats.h"
#include "maps/xsk.h"

enum {
	XS_ETH_P_IP = 0x0800,
	XS_ETH_P_IPV6 = 0x86dd,
	XS_ETH_P_8021Q = 0x8100,
	XS_ETH_P_8021AD = 0x88a8,
	XS_TC_ACT_OK = 0,
	XS_TC_ACT_SHOT = 2,
	XS_TC_ACT_REDIRECT = 7,
	XS_MAX_L4_OFF = 2048,		/* eth + vlan + IPv6 + extension headers */
};

/* Per-program settings, set by the loader in rodata before load. */
const volatile __u32 xs_xsk_base = 0;	/* first xs_xsks slot of this interface */
const volatile __u32 xs_tc_ifindex = 0;	/* tc-out: internal veth to the worker */

static __always_inline struct xs_cfg *cfg_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xs_cfg, &zero);
}

#endif
