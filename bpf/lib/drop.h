/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Verdicts that count: `return drop(ctx, REASON)` and
 * `return pass(ctx, XS_ACT_...)`. Counters are per CPU, per hook
 * (XS_THIS_HOOK, set by the entry file), per action and per drop reason;
 * a drop also records where it happened (XS_FILE_ID of the header that
 * dropped, and the line).
 */
#ifndef XDPSEC_BPF_DROP_H
#define XDPSEC_BPF_DROP_H

#include "common.h"

enum xs_file_id {
	XS_FILE_PARSE = 1,
	XS_FILE_WAN = 2,
	XS_FILE_OUT = 3,
	XS_FILE_WORKER = 4,
	XS_FILE_SPD = 5,
};

static __always_inline struct xs_stats *stats_get(void)
{
	__u32 hook = XS_THIS_HOOK;

	return bpf_map_lookup_elem(&xs_stats, &hook);
}

static __always_inline void count_action(enum xs_stat_action act)
{
	struct xs_stats *s = stats_get();

	if (s)
		s->actions[act]++;
}

static __always_inline int drop_at(__u32 reason, __u32 where)
{
	struct xs_stats *s = stats_get();

	if (s) {
		s->actions[XS_ACT_DROP]++;
		if (reason < XS_DROP__MAX) {
			s->drops[reason]++;
			s->drop_where[reason] = where;
		}
	}
	return CTX_DROP;
}

#define drop(ctx, reason) drop_at((reason), (XS_FILE_ID << 16) | __LINE__)

static __always_inline int pass(xs_ctx_t *ctx, enum xs_stat_action act)
{
	count_action(act);
	return CTX_PASS;
}

#endif
