/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Hand a frame to the AF_XDP worker of the queue it arrived on, with an
 * xs_meta in front of it. Fails closed: no socket in the slot, no room for
 * the metadata -> counted drop.
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
	__u32 q = ctx_rx_queue(ctx), slot = xs_xsk_base + q;
	struct xs_meta *meta;

	if (q >= XS_QUEUES_MAX || !bpf_map_lookup_elem(&xs_xsks, &slot))
		return drop(ctx, XS_DROP_NO_WORKER);
	/*
	 * Frames arrive without metadata. One that has room already (only
	 * when the same buffer runs again, as in a repeated test run) keeps
	 * it: the area stays exactly one xs_meta in front of the frame.
	 */
	meta = ctx_meta(ctx);
	if ((void *)(meta + 1) > ctx_data(ctx)) {
		if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
			return drop(ctx, XS_DROP_NO_ROOM);
		meta = ctx_meta(ctx);
		if ((void *)(meta + 1) > ctx_data(ctx))
			return drop(ctx, XS_DROP_NO_ROOM);
	}
	meta->sa_slot = sa_slot;
	meta->policy = policy;
	meta->l3_off = f->l3_off;
	meta->kind = kind;
	meta->hook = XS_THIS_HOOK;
	meta->l4_off = f->l4_off;
	meta->magic = XS_META_MAGIC;
	count_action(XS_ACT_WORKER);
	return bpf_redirect_map(&xs_xsks, slot, XDP_DROP);
}

#endif
