// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The way out of the worker: pick the socket of the interface the FIB
 * named (or the internal veth for this host's own addresses), write the
 * Ethernet header from the neighbour table, fragment IPv4 past the MTU,
 * and build ICMP errors in fresh frames.
 */
#include <string.h>

#include "../engine/ip.h"
#include "fwd.h"
#include "wk.h"

enum { ETHERTYPE_V4 = 0x0800, ETHERTYPE_V6 = 0x86dd };

static uint8_t *umem_at(struct xs_wthread *t, uint64_t addr)
{
	return (uint8_t *)t->w->umem.area + addr;
}

void xs_wk_drop(struct xs_wthread *t, uint64_t base, enum xs_drop why)
{
	t->st.drops[why]++;
	xs_frame_put(&t->frames, base);
}

void xs_wk_pkt(struct xs_wthread *t, uint64_t base, uint32_t off, uint32_t len,
	       struct xs_pkt *pkt)
{
	pkt->data = umem_at(t, base + off);
	pkt->len = len;
	pkt->headroom = off - XS_WK_ETH_HLEN;	/* Ethernet goes in front */
	pkt->tailroom = XS_WK_FRAME_SIZE - off - len;
}

static struct xs_wsock *sock_by_ifindex(struct xs_wthread *t, int ifindex)
{
	int i;

	for (i = 0; i < t->nsocks; i++)
		if (t->socks[i].ifindex == ifindex)
			return &t->socks[i];
	return NULL;
}

static struct xs_wsock *sock_internal(struct xs_wthread *t)
{
	int i;

	for (i = 0; i < t->nsocks; i++)
		if (t->socks[i].role == XS_IF_INTERNAL)
			return &t->socks[i];
	return NULL;
}

static void tx_eth(struct xs_wthread *t, struct xs_wsock *s,
		   const struct xs_pkt *pkt, const uint8_t *dst,
		   const uint8_t *src)
{
	uint8_t *eth = pkt->data - XS_WK_ETH_HLEN;
	uint16_t type = xs_ip_version(pkt->data, pkt->len) == 6 ?
			ETHERTYPE_V6 : ETHERTYPE_V4;

	memcpy(eth, dst, 6);
	memcpy(eth + 6, src, 6);
	xs_put16(eth + 12, type);
	xs_wsock_tx(t, s, (uint64_t)(eth - umem_at(t, 0)),
		    pkt->len + XS_WK_ETH_HLEN);
}

int xs_wk_fragment(struct xs_wthread *t, const struct xs_pkt *pkt,
		   uint32_t mtu, uint64_t *frames, struct xs_pkt *pkts)
{
	uint8_t *outs[XS_FRAG_MAX];
	uint32_t lens[XS_FRAG_MAX];
	int i, n;

	if (t->frames.n < XS_FRAG_MAX)
		return 0;
	for (i = 0; i < XS_FRAG_MAX; i++) {
		frames[i] = xs_frame_get(&t->frames);
		outs[i] = umem_at(t, frames[i] + XS_WK_FRAME_HEADROOM);
	}
	n = xs_fwd_fragment(pkt->data, pkt->len, mtu, outs,
			    XS_WK_FRAME_SIZE - XS_WK_FRAME_HEADROOM -
			    XS_PKT_MAX_TAILROOM, lens, XS_FRAG_MAX);
	for (i = XS_FRAG_MAX - 1; i >= n; i--)
		xs_frame_put(&t->frames, frames[i]);
	for (i = 0; i < n; i++)
		xs_wk_pkt(t, frames[i], XS_WK_FRAME_HEADROOM, lens[i], &pkts[i]);
	return n;
}

static void emit_fragments(struct xs_wthread *t, uint64_t base,
			   struct xs_pkt *pkt, struct xs_wsock *s,
			   const struct xs_nh *nh)
{
	uint64_t frames[XS_FRAG_MAX];
	struct xs_pkt pkts[XS_FRAG_MAX];
	int i, n = xs_wk_fragment(t, pkt, nh->mtu, frames, pkts);

	if (!n) {
		xs_wk_drop(t, base, XS_DROP_TOO_BIG);
		return;
	}
	xs_frame_put(&t->frames, base);
	for (i = 0; i < n; i++)
		tx_eth(t, s, &pkts[i], nh->mac, nh->src_mac);
}

void xs_wk_emit(struct xs_wthread *t, uint64_t base, struct xs_pkt *pkt,
		const struct xs_nh *nh)
{
	struct xs_wsock *s;

	if (nh->kind == XS_NH_LOCAL) {
		s = sock_internal(t);
		if (!s)
			xs_wk_drop(t, base, XS_DROP_NO_ROUTE);
		else
			tx_eth(t, s, pkt, s->peer_mac, s->mac);
		return;
	}
	s = sock_by_ifindex(t, nh->oif);
	if (!s)
		xs_wk_drop(t, base, XS_DROP_NO_ROUTE);
	else if (pkt->len <= nh->mtu)
		tx_eth(t, s, pkt, nh->mac, nh->src_mac);
	else if (!xs_fwd_dont_fragment(pkt->data, pkt->len))
		emit_fragments(t, base, pkt, s, nh);
	else
		xs_wk_drop(t, base, XS_DROP_TOO_BIG);
}

static const uint8_t *ip_addr(const uint8_t *ip, bool dst)
{
	if (xs_ip_version(ip, 1) == 6)
		return ip + (dst ? 24 : 8);
	return ip + (dst ? 16 : 12);
}

static uint8_t ip_family(const uint8_t *ip)
{
	return xs_ip_version(ip, 1) == 6 ? XS_AF_INET6 : XS_AF_INET;
}

void xs_wk_icmp(struct xs_wthread *t, const uint8_t *orig, uint32_t len,
		uint8_t type4, uint8_t type6, uint8_t code, uint32_t info)
{
	bool v6 = ip_family(orig) == XS_AF_INET6;
	struct xs_pkt pkt;
	struct xs_nh nh;
	uint64_t frame;
	uint32_t n;

	if (xs_nh_lookup(t->nh, ip_family(orig), ip_addr(orig, false), &nh))
		return;
	frame = xs_frame_get(&t->frames);
	if (frame == UINT64_MAX) {
		t->st.drops[XS_DROP_NO_FRAME]++;
		return;
	}
	n = xs_fwd_icmp_error(umem_at(t, frame + XS_WK_FRAME_HEADROOM),
			      XS_WK_FRAME_SIZE - XS_WK_FRAME_HEADROOM, orig, len,
			      v6 ? type6 : type4, code, info, nh.prefsrc);
	if (!n) {
		xs_frame_put(&t->frames, frame);
		return;
	}
	xs_wk_pkt(t, frame, XS_WK_FRAME_HEADROOM, n, &pkt);
	xs_wk_emit(t, frame, &pkt, &nh);
}
