// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * XDP on the plaintext (LAN) interface, and on the peer of the internal
 * veth that tc-out redirects locally generated PROTECT traffic to: the
 * outbound SPD decides (lib/out.h).
 */
#define XS_THIS_HOOK XS_HOOK_LAN
#include "lib/ctx_xdp.h"
#include "lib/out.h"

SEC("xdp.frags")
int xdp_lan(struct xdp_md *ctx)
{
	return out_classify(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
