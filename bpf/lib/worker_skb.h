/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * TC egress hands PROTECT traffic to the worker by redirecting it to the
 * internal veth (xs_tc_ifindex); the XDP program on its peer (xdp-lan)
 * classifies it again and redirects it into the worker's AF_XDP socket.
 * The SA slot is found again there, so nothing is passed along here. No
 * internal veth configured -> counted drop (fail closed).
 */
#ifndef XDPSEC_BPF_WORKER_H
#define XDPSEC_BPF_WORKER_H

#include "drop.h"
#include "parse.h"

#undef XS_FILE_ID
#define XS_FILE_ID XS_FILE_WORKER

static __always_inline int to_worker(xs_ctx_t *ctx, const struct xs_flow *f,
				     __u8 kind, __u32 sa_slot, __u32 policy)
{
	if (!xs_tc_ifindex)
		return drop(ctx, XS_DROP_NO_WORKER);
	count_action(XS_ACT_WORKER);
	return bpf_redirect(xs_tc_ifindex, 0);
}

#endif
