/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The TC (sk_buff) side of the context abstraction; see ctx_xdp.h. */
#ifndef XDPSEC_BPF_CTX_H
#define XDPSEC_BPF_CTX_H

#include "common.h"

#define xs_ctx_t struct __sk_buff

#define CTX_PASS XS_TC_ACT_OK
#define CTX_DROP XS_TC_ACT_SHOT

enum { XS_SKB_PULL_LEN = 128 };	/* enough for any header we parse */

/* UAPI-stable mirror of the fields we read; see ctx_xdp.h for why. */
struct xs_skb {
	__u32 len;
	__u32 unused[18];
	__u32 data;
	__u32 data_end;
};
_Static_assert(__builtin_offsetof(struct __sk_buff, data_end) ==
	       __builtin_offsetof(struct xs_skb, data_end), "__sk_buff layout");

#define XS_SKB(ctx) ((struct xs_skb *)(ctx))

static __always_inline void *ctx_data(xs_ctx_t *ctx)
{
	return (void *)(long)XS_SKB(ctx)->data;
}

static __always_inline void *ctx_end(xs_ctx_t *ctx)
{
	return (void *)(long)XS_SKB(ctx)->data_end;
}

static __always_inline __u32 ctx_len(xs_ctx_t *ctx)
{
	return XS_SKB(ctx)->len;
}

/* Make the headers linear; invalidates packet pointers taken before. */
static __always_inline void ctx_pull(xs_ctx_t *ctx)
{
	__u32 len = ctx_len(ctx), want = len < XS_SKB_PULL_LEN ? len : XS_SKB_PULL_LEN;

	if (ctx_data(ctx) + want > ctx_end(ctx))
		bpf_skb_pull_data(ctx, want);
}

#include "drop.h"
#include "worker_skb.h"

#endif
