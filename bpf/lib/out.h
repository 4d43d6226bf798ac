/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The plaintext side, shared by xdp-lan (forwarded traffic) and tc-out
 * (locally generated traffic): the outbound SPD decides. PROTECT goes to
 * the worker if the policy has a usable SA, else the packet is dropped
 * (fail closed) and an acquire event asks the daemon for one; BYPASS
 * passes; DISCARD drops; unmatched traffic takes xs_cfg's default. IKE
 * (UDP 500/4500 either way) and IPv6 ND bypass the SPD unless xs_cfg says
 * otherwise.
 */
#ifndef XDPSEC_BPF_OUT_H
#define XDPSEC_BPF_OUT_H

#include "drop.h"
#include "parse.h"
#include "sad.h"
#include "spd.h"

#undef XS_FILE_ID
#define XS_FILE_ID XS_FILE_OUT

static __always_inline int out_is_ike(const struct xs_flow *f)
{
	return f->proto == XS_PROTO_UDP && !f->opaque &&
	       (f->sport == XS_PORT_IKE || f->dport == XS_PORT_IKE ||
		f->sport == XS_PORT_NATT || f->dport == XS_PORT_NATT);
}

/* May this CPU send an acquire for policy now (maps/events.h)? */
static __always_inline int acquire_allowed(__u32 policy)
{
	struct xs_acq_rate fresh = { .window_start = bpf_ktime_get_ns(), .sent = 1 };
	struct xs_acq_rate *r = bpf_map_lookup_elem(&xs_acqrl, &policy);
	struct xs_stats *s;

	if (!r) {
		bpf_map_update_elem(&xs_acqrl, &policy, &fresh, BPF_ANY);
		return 1;
	}
	if (fresh.window_start - r->window_start >= XS_ACQ_WINDOW_NS) {
		r->window_start = fresh.window_start;
		r->sent = 0;
	}
	if (r->sent < XS_ACQ_BURST) {
		r->sent++;
		return 1;
	}
	s = stats_get();
	if (s)
		s->acquires_limited++;
	return 0;
}

static __always_inline void out_acquire(const struct xs_flow *f, __u32 policy)
{
	struct xs_event *ev;

	if (!acquire_allowed(policy))
		return;
	ev = bpf_ringbuf_reserve(&xs_events, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->type = XS_EV_ACQUIRE;
	ev->policy = policy;
	ev->hook = XS_THIS_HOOK;
	ev->family = f->family;
	ev->proto = f->proto;
	ev->pad = 0;
	ev->sport = f->sport;
	ev->dport = f->dport;
	__builtin_memcpy(ev->src, f->src, sizeof(ev->src));
	__builtin_memcpy(ev->dst, f->dst, sizeof(ev->dst));
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline int out_protect(xs_ctx_t *ctx, const struct xs_flow *f,
				       __u32 policy)
{
	struct xs_spd_policy *pol = bpf_map_lookup_elem(&xs_spd, &policy);
	__u32 slot = pol ? pol->sa_slot : XS_SA_NONE;
	struct xs_sad_entry *e = sad_slot(slot);

	if (!e || !sa_usable(e, XS_SA_DIR_OUT)) {
		out_acquire(f, policy);
		return drop(ctx, XS_DROP_NO_SA);
	}
	if (e->backend == XS_BACKEND_KERNEL)
		return pass(ctx, XS_ACT_KERNEL);
	return to_worker(ctx, f, XS_META_OUTBOUND, slot, policy);
}

static __always_inline int out_classify(xs_ctx_t *ctx)
{
	struct xs_flow f = {};
	struct xs_spd_hit hit;
	struct xs_cfg *cfg;
	int ret;

	ret = parse_packet(ctx, &f);
	if (ret == XS_PARSE_NON_IP)
		return pass(ctx, XS_ACT_NON_IP);
	if (ret)
		return drop(ctx, ret);
	cfg = cfg_get();
	if (!cfg)
		return drop(ctx, XS_DROP_NO_POLICY);
	if ((!(cfg->flags & XS_CFG_NO_IKE_BYPASS) && out_is_ike(&f)) ||
	    (!(cfg->flags & XS_CFG_NO_ND_BYPASS) && flow_is_nd(&f)))
		return pass(ctx, XS_ACT_IKE);
	if (!spd_lookup(&f, XS_SPD_OUT, cfg->spd_gen, &hit))
		return spd_default(ctx, cfg->default_action[XS_SPD_OUT]);
	if (hit.action == XS_SPD_BYPASS)
		return pass(ctx, XS_ACT_BYPASS);
	if (hit.action == XS_SPD_PROTECT)
		return out_protect(ctx, &f, hit.policy);
	return drop(ctx, XS_DROP_POLICY_DISCARD);
}

#endif
