/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The ciphertext (WAN) side. ESP, AH and ESP in UDP with a known SPI go to
 * the worker (or to the stack for kernel-backend SAs); unknown SPIs are
 * dropped unless an explicit BYPASS policy lets them through. IKE (UDP 500,
 * UDP 4500 with the non-ESP marker) and NAT-keepalives go to the stack.
 * Everything else is plaintext and is checked against the inbound SPD
 * ("in", then "fwd"): BYPASS passes, DISCARD drops, and plaintext that a
 * PROTECT policy says should have been protected is dropped (kernel-backed
 * SA: left to the kernel's XFRM policy check, see wan_protected()).
 */
#ifndef XDPSEC_BPF_WAN_H
#define XDPSEC_BPF_WAN_H

#include "drop.h"
#include "parse.h"
#include "sad.h"
#include "spd.h"

#undef XS_FILE_ID
#define XS_FILE_ID XS_FILE_WAN

enum {
	XS_NATT_BODY_MIN = 8,		/* ESP in UDP: SPI and sequence number */
	XS_NATT_KEEPALIVE_BYTE = 0xff,	/* RFC 3948 2.3 */
};

/*
 * Plaintext a PROTECT policy covers is dropped, unless the policy's SA is
 * kernel-backed: then the stack checks it against the XFRM policy the
 * daemon installed before linking that SA (unprotected packets are dropped
 * there, packets XFRM decrypted pass; generic XDP sees those again).
 */
static __always_inline int wan_protected(xs_ctx_t *ctx, __u32 policy)
{
	struct xs_spd_policy *pol = bpf_map_lookup_elem(&xs_spd, &policy);
	struct xs_sad_entry *e = pol ? sad_slot(pol->sa_slot) : NULL;

	if (e && e->backend == XS_BACKEND_KERNEL)
		return pass(ctx, XS_ACT_KERNEL);
	return drop(ctx, XS_DROP_UNPROTECTED);
}

static __always_inline int wan_plaintext(xs_ctx_t *ctx, const struct xs_flow *f)
{
	struct xs_cfg *cfg = cfg_get();
	struct xs_spd_hit hit;

	if (!cfg)
		return drop(ctx, XS_DROP_NO_POLICY);
	if (!spd_lookup(f, XS_SPD_IN, cfg->spd_gen, &hit) &&
	    !spd_lookup(f, XS_SPD_FWD, cfg->spd_gen, &hit))
		return spd_default(ctx, cfg->default_action[XS_SPD_IN]);
	if (hit.action == XS_SPD_BYPASS)
		return pass(ctx, XS_ACT_BYPASS);
	if (hit.action == XS_SPD_PROTECT)
		return wan_protected(ctx, hit.policy);
	return drop(ctx, XS_DROP_POLICY_DISCARD);
}

/* IKE, keepalives and ND go to the stack unless xs_cfg sets no_bypass. */
static __always_inline int wan_stack(xs_ctx_t *ctx, const struct xs_flow *f,
				     __u32 no_bypass)
{
	struct xs_cfg *cfg = cfg_get();

	if (cfg && (cfg->flags & no_bypass))
		return wan_plaintext(ctx, f);
	return pass(ctx, XS_ACT_IKE);
}

static __always_inline int wan_unknown_spi(xs_ctx_t *ctx,
					   const struct xs_flow *f)
{
	struct xs_cfg *cfg = cfg_get();
	struct xs_spd_hit hit;

	if (cfg && spd_lookup(f, XS_SPD_IN, cfg->spd_gen, &hit) &&
	    hit.action == XS_SPD_BYPASS)
		return pass(ctx, XS_ACT_BYPASS);
	return drop(ctx, XS_DROP_UNKNOWN_SPI);
}

static __always_inline int wan_ipsec(xs_ctx_t *ctx, const struct xs_flow *f,
				     __u8 proto, __be32 spi)
{
	struct xs_sad_entry *e;
	__u32 slot = XS_SA_NONE;

	e = sad_in(f, proto, bpf_ntohl(spi), &slot);
	if (!e)
		return wan_unknown_spi(ctx, f);
	if (e->state == XS_SA_DEAD)
		return drop(ctx, XS_DROP_LIFETIME_EXPIRED);
	if (!sa_usable(e, XS_SA_DIR_IN))
		return drop(ctx, XS_DROP_WRONG_SA);
	if (e->backend == XS_BACKEND_KERNEL)
		return pass(ctx, XS_ACT_KERNEL);
	return to_worker(ctx, f, XS_META_INBOUND, slot, XS_SA_NONE);
}

/* UDP to port 4500 (RFC 3948 2.2, 2.3): keepalive, IKE or ESP. */
static __always_inline int wan_natt(xs_ctx_t *ctx, const struct xs_flow *f)
{
	struct udphdr *uh = pkt_ptr(ctx, f->l4_off, sizeof(*uh));
	__u8 *body;
	__u32 ulen;

	if (!uh)
		return drop(ctx, XS_DROP_SHORT_PACKET);
	ulen = bpf_ntohs(uh->len);
	if (ulen == sizeof(*uh) + 1) {
		body = pkt_ptr(ctx, f->l4_off + sizeof(*uh), 1);
		if (body && body[0] == XS_NATT_KEEPALIVE_BYTE)
			return wan_stack(ctx, f, XS_CFG_NO_IKE_BYPASS);
		return drop(ctx, XS_DROP_BAD_ENCAP);
	}
	if (ulen < sizeof(*uh) + XS_NATT_BODY_MIN)
		return drop(ctx, XS_DROP_BAD_ENCAP);
	body = pkt_ptr(ctx, f->l4_off + sizeof(*uh), XS_NATT_BODY_MIN);
	if (!body)
		return drop(ctx, XS_DROP_SHORT_PACKET);
	if (*(__u32 *)body == 0)	/* non-ESP marker: IKE */
		return wan_stack(ctx, f, XS_CFG_NO_IKE_BYPASS);
	return wan_ipsec(ctx, f, XS_PROTO_ESP, *(__be32 *)body);
}

static __always_inline int wan_classify(xs_ctx_t *ctx)
{
	struct xs_flow f = {};
	__be32 *spi;
	int ret;

	ret = parse_packet(ctx, &f);
	if (ret == XS_PARSE_NON_IP)
		return pass(ctx, XS_ACT_NON_IP);
	if (ret)
		return drop(ctx, ret);
	if ((f.proto == XS_PROTO_ESP || f.proto == XS_PROTO_AH) && f.frag)
		return to_worker(ctx, &f, XS_META_FRAGMENT, XS_SA_NONE, XS_SA_NONE);
	if (f.proto == XS_PROTO_ESP || f.proto == XS_PROTO_AH) {
		/* ESP: SPI, sequence; AH: next, length, reserved, SPI, sequence */
		spi = pkt_ptr(ctx, f.l4_off + (f.proto == XS_PROTO_AH ? 4 : 0), 8);
		if (!spi)
			return drop(ctx, XS_DROP_SHORT_PACKET);
		return wan_ipsec(ctx, &f, f.proto, *spi);
	}
	if (f.proto == XS_PROTO_UDP && f.dport == XS_PORT_NATT)
		return wan_natt(ctx, &f);
	if (f.proto == XS_PROTO_UDP && f.dport == XS_PORT_IKE)
		return wan_stack(ctx, &f, XS_CFG_NO_IKE_BYPASS);
	if (flow_is_nd(&f))
		return wan_stack(ctx, &f, XS_CFG_NO_ND_BYPASS);
	return wan_plaintext(ctx, &f);
}

#endif
