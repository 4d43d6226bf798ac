// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * TC egress on the interfaces that carry locally generated traffic: the
 * outbound SPD decides (lib/out.h); PROTECT goes to the worker through the
 * internal veth (lib/worker_skb.h).
 */
#define XS_THIS_HOOK XS_HOOK_TC
#include "lib/ctx_skb.h"
#include "lib/out.h"

SEC("tc")
int tc_out(struct __sk_buff *ctx)
{
	return out_classify(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
