/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Cursor-based parsing of Ethernet (+ one VLAN tag), IPv4, IPv6 (+ up to
 * XS_IPV6_EXT_MAX extension headers) and the first bytes of TCP, UDP, SCTP,
 * ICMP and ICMPv6 into an xs_flow: what the SPD selects on, and where the
 * headers are. Every read is bounds-checked against the linear data; a
 * frame too short for what its headers announce is a counted drop.
 */
#ifndef XDPSEC_BPF_PARSE_H
#define XDPSEC_BPF_PARSE_H

#include "common.h"

enum {
	XS_PARSE_NON_IP = -1,		/* not IPv4/IPv6: ARP and friends */
	XS_IPV6_EXT_MAX = 8,		/* extension headers walked */
	XS_PROTO_SCTP = 132,
	XS_IPV6_HOPOPTS = 0,
	XS_IPV6_ROUTING = 43,
	XS_IPV6_FRAGMENT = 44,
	XS_IPV6_DSTOPTS = 60,
};

struct xs_flow {
	__u8 src[16];			/* IPv4 in the first 4 bytes */
	__u8 dst[16];
	__u8 family;			/* XS_AF_INET or XS_AF_INET6 */
	__u8 proto;			/* upper-layer protocol */
	__u8 opaque;			/* no ports: non-initial fragment or no L4 ports */
	__u8 frag;			/* any fragment, initial or not */
	__u16 sport;			/* host order; ICMP type */
	__u16 dport;			/* host order; ICMP code */
	__u16 l3_off;			/* offsets from the start of the frame */
	__u16 l4_off;
};

struct xs_cursor {
	void *pos;
	void *end;
};

struct xs_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct xs_ext_hdr {
	__u8 next;
	__u8 len;			/* 8-octet units, not counting the first */
};

struct xs_frag_hdr {
	__u8 next;
	__u8 reserved;
	__be16 frag_off;		/* offset << 3 | flags */
	__be32 id;
};

/* Pointer to len bytes at the cursor, and advance; NULL if short. */
static __always_inline void *cur_pull(struct xs_cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* len bytes at offset off of the frame, or NULL. */
static __always_inline void *pkt_ptr(xs_ctx_t *ctx, __u32 off, __u32 len)
{
	void *p;

	if (off > XS_MAX_L4_OFF)
		return NULL;
	p = ctx_data(ctx) + off;
	if (p + len > ctx_end(ctx))
		return NULL;
	return p;
}

static __always_inline int parse_eth(struct xs_cursor *c, __be16 *proto)
{
	struct ethhdr *eth = cur_pull(c, sizeof(*eth));
	struct xs_vlan_hdr *vlan;

	if (!eth)
		return XS_DROP_SHORT_PACKET;
	*proto = eth->h_proto;
	if (*proto != bpf_htons(XS_ETH_P_8021Q) &&
	    *proto != bpf_htons(XS_ETH_P_8021AD))
		return XS_OK;
	vlan = cur_pull(c, sizeof(*vlan));
	if (!vlan)
		return XS_DROP_SHORT_PACKET;
	*proto = vlan->proto;
	if (*proto == bpf_htons(XS_ETH_P_8021Q) ||
	    *proto == bpf_htons(XS_ETH_P_8021AD))
		return XS_DROP_VLAN_STACK;
	return XS_OK;
}

static __always_inline int parse_ipv4(struct xs_cursor *c, struct xs_flow *f,
				      __u32 room)
{
	struct iphdr *ip = c->pos;
	__u32 hl, tot, frag;

	if ((void *)(ip + 1) > c->end)
		return XS_DROP_SHORT_PACKET;
	hl = ip->ihl * 4;
	if (ip->version != 4 || hl < sizeof(*ip))
		return XS_DROP_BAD_IP_HEADER;
	if (!cur_pull(c, hl))
		return XS_DROP_SHORT_PACKET;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < hl)
		return XS_DROP_BAD_IP_HEADER;
	if (tot > room)
		return XS_DROP_SHORT_PACKET;
	frag = bpf_ntohs(ip->frag_off);
	f->frag = (frag & 0x3fff) != 0;		/* MF or an offset */
	f->opaque = (frag & 0x1fff) != 0;	/* not the first fragment */
	f->family = XS_AF_INET;
	f->proto = ip->protocol;
	__builtin_memcpy(f->src, &ip->saddr, 4);
	__builtin_memcpy(f->dst, &ip->daddr, 4);
	return XS_OK;
}

/* Walk the extension headers to the upper layer (or ESP/AH). */
static __always_inline int parse_ipv6_ext(struct xs_cursor *c,
					  struct xs_flow *f, __u8 next)
{
	struct xs_frag_hdr *fh;
	struct xs_ext_hdr *eh;
	int i;

	for (i = 0; i < XS_IPV6_EXT_MAX; i++) {
		if (next == XS_IPV6_FRAGMENT) {
			fh = cur_pull(c, sizeof(*fh));
			if (!fh)
				return XS_DROP_SHORT_PACKET;
			f->frag = 1;
			f->opaque = (bpf_ntohs(fh->frag_off) & 0xfff8) != 0;
			next = fh->next;
			if (f->opaque)
				break;
			continue;
		}
		if (next != XS_IPV6_HOPOPTS && next != XS_IPV6_ROUTING &&
		    next != XS_IPV6_DSTOPTS)
			break;
		eh = c->pos;
		if ((void *)(eh + 1) > c->end)
			return XS_DROP_SHORT_PACKET;
		next = eh->next;
		if (!cur_pull(c, (eh->len + 1) * 8))
			return XS_DROP_SHORT_PACKET;
	}
	if (i == XS_IPV6_EXT_MAX)
		return XS_DROP_BAD_EXT_HEADER;
	f->proto = next;
	return XS_OK;
}

static __always_inline int parse_ipv6(struct xs_cursor *c, struct xs_flow *f,
				      __u32 room)
{
	struct ipv6hdr *ip6 = cur_pull(c, sizeof(*ip6));

	if (!ip6)
		return XS_DROP_SHORT_PACKET;
	if (ip6->version != 6)
		return XS_DROP_BAD_IP_HEADER;
	if (sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > room)
		return XS_DROP_SHORT_PACKET;
	f->family = XS_AF_INET6;
	__builtin_memcpy(f->src, &ip6->saddr, 16);
	__builtin_memcpy(f->dst, &ip6->daddr, 16);
	return parse_ipv6_ext(c, f, ip6->nexthdr);
}

/* Ports (ICMP: type and code) of the first fragment; others are opaque. */
static __always_inline int parse_l4(struct xs_cursor *c, struct xs_flow *f)
{
	__u32 need = 4;
	__u8 *p = c->pos;

	if (f->opaque)
		return XS_OK;
	switch (f->proto) {
	case XS_PROTO_ICMP:
	case XS_PROTO_ICMPV6:
		need = 2;
		break;
	case XS_PROTO_UDP:
		need = 8;
		break;
	case XS_PROTO_TCP:
	case XS_PROTO_SCTP:
		break;
	default:
		f->opaque = 1;
		return XS_OK;
	}
	if ((void *)(p + need) > c->end)
		return XS_DROP_SHORT_PACKET;
	if (need == 2) {
		f->sport = p[0];
		f->dport = p[1];
	} else {
		f->sport = (__u16)p[0] << 8 | p[1];
		f->dport = (__u16)p[2] << 8 | p[3];
	}
	return XS_OK;
}

/* XS_OK, XS_PARSE_NON_IP, or the drop reason of a malformed frame. */
static __always_inline int parse_packet(xs_ctx_t *ctx, struct xs_flow *f)
{
	struct xs_cursor c;
	__u32 len, l3;
	__be16 proto;
	int ret;

	ctx_pull(ctx);
	c.pos = ctx_data(ctx);
	c.end = ctx_end(ctx);
	len = ctx_len(ctx);
	ret = parse_eth(&c, &proto);
	if (ret)
		return ret;
	l3 = c.pos - ctx_data(ctx);
	f->l3_off = l3;
	if (proto == bpf_htons(XS_ETH_P_IP))
		ret = parse_ipv4(&c, f, len - l3);
	else if (proto == bpf_htons(XS_ETH_P_IPV6))
		ret = parse_ipv6(&c, f, len - l3);
	else
		return XS_PARSE_NON_IP;
	if (ret)
		return ret;
	f->l4_off = c.pos - ctx_data(ctx);
	return parse_l4(&c, f);
}

/* IPv6 Neighbor Discovery (RFC 4861): router/neighbor messages, redirect. */
static __always_inline int flow_is_nd(const struct xs_flow *f)
{
	return f->proto == XS_PROTO_ICMPV6 && !f->opaque &&
	       f->sport >= 133 && f->sport <= 137;
}

#endif
