/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The XDP side of the context abstraction (the TC side is ctx_skb.h): a
 * program includes exactly one of them before the classification headers.
 * Parsing only touches the linear part of an xdp.frags buffer; headers
 * are always there on the drivers we attach to.
 */
#ifndef XDPSEC_BPF_CTX_H
#define XDPSEC_BPF_CTX_H

#include "common.h"

#define xs_ctx_t struct xdp_md

#define CTX_PASS XDP_PASS
#define CTX_DROP XDP_DROP

/*
 * Context fields are read through this UAPI-stable mirror: vmlinux.h marks
 * struct xdp_md for CO-RE, and clang may then add a relocated offset to the
 * context pointer, which the verifier refuses.
 */
struct xs_xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
};
_Static_assert(__builtin_offsetof(struct xdp_md, rx_queue_index) ==
	       __builtin_offsetof(struct xs_xdp_md, rx_queue_index),
	       "xdp_md layout");

#define XS_MD(ctx) ((struct xs_xdp_md *)(ctx))

static __always_inline void *ctx_data(xs_ctx_t *ctx)
{
	return (void *)(long)XS_MD(ctx)->data;
}

static __always_inline void *ctx_end(xs_ctx_t *ctx)
{
	return (void *)(long)XS_MD(ctx)->data_end;
}

static __always_inline void *ctx_meta(xs_ctx_t *ctx)
{
	return (void *)(long)XS_MD(ctx)->data_meta;
}

static __always_inline __u32 ctx_rx_queue(xs_ctx_t *ctx)
{
	return XS_MD(ctx)->rx_queue_index;
}

/* Whole frame, fragments included. */
static __always_inline __u32 ctx_len(xs_ctx_t *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

/* XDP headers are linear already. */
static __always_inline void ctx_pull(xs_ctx_t *ctx)
{
}

#include "drop.h"
#include "worker_xdp.h"

#endif
