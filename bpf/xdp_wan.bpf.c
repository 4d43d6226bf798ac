// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* XDP on the ciphertext (WAN) interface: see lib/wan.h. */
#define XS_THIS_HOOK XS_HOOK_WAN
#include "lib/ctx_xdp.h"
#include "lib/wan.h"

SEC("xdp.frags")
int xdp_wan(struct xdp_md *ctx)
{
	return wan_classify(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
