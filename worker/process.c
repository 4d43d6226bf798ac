// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * One frame from an AF_XDP socket: read the xs_meta BPF put in front of
 * it, then decrypt and deliver (INBOUND) or protect and send (OUTBOUND).
 *
 * Fragmentation (RFC 4301 section 8): a tunnel-mode packet too big for
 * the path is fragmented *before* encapsulation (8.1, the inner IPv4
 * packet), so every ESP packet on the wire is whole and the peer needs no
 * outer reassembly. Transport mode cannot do that (the engine refuses
 * fragments in transport mode), so its ESP packet is fragmented after
 * encapsulation as any IPv4 packet would be. DF set or IPv6 inside: an
 * ICMP "fragmentation needed" / ICMPv6 "packet too big" goes back to the
 * sender with the egress MTU minus what the SA adds.
 */
#include <string.h>
#include <time.h>

#include "../engine/ip.h"
#include "../maps/xsk.h"
#include "fwd.h"
#include "wk.h"

enum { ESP_HDR_LEN = 8, AH_FIXED_LEN = 12, ESP_TRAILER_LEN = 2 };

static bool read_meta(struct xs_wthread *t, uint64_t addr, uint32_t len,
		      struct xs_meta *m)
{
	if (addr - xs_frame_base(addr) < sizeof(*m))
		return false;
	memcpy(m, (uint8_t *)t->w->umem.area + addr - sizeof(*m), sizeof(*m));
	return m->magic == XS_META_MAGIC && m->l3_off >= XS_WK_ETH_HLEN &&
	       m->l3_off < len;
}

static void sa_lock(struct xs_wthread *t, struct xs_wsa *wsa)
{
	if (t->w->cfg.nqueues > 1)
		pthread_spin_lock(&wsa->lock);
}

static void sa_unlock(struct xs_wthread *t, struct xs_wsa *wsa)
{
	if (t->w->cfg.nqueues > 1)
		pthread_spin_unlock(&wsa->lock);
}

static void publish_one(struct xs_wthread *t, struct xs_wsa *wsa)
{
	struct xs_sad_entry *e = &t->w->cfg.sad[wsa->slot];
	struct xs_sa *sa = wsa->sa;
	uint64_t drops = 0;
	uint32_t ev = 0;
	int i;

	sa_lock(t, wsa);
	for (i = 0; i < XS_DROP__MAX; i++)
		drops += sa->stats.drops[i];
	e->seq = sa->seq;
	e->replay_top = sa->replay.top;
	e->packets = sa->stats.packets;
	e->bytes = sa->stats.bytes;
	e->drops = drops;
	if (!e->use_time && sa->stats.packets)
		e->use_time = (uint64_t)time(NULL);
	if (sa->events_pending)
		ev = xs_sa_take_events(sa);
	sa_unlock(t, wsa);
	if (ev)
		xs_wk_event(t->w, wsa->slot, ev);
}

void xs_wk_publish(struct xs_wthread *t)
{
	int i;

	for (i = 0; i < t->ntouched; i++)
		publish_one(t, t->touched[i]);
	t->ntouched = 0;
}

static void touch(struct xs_wthread *t, struct xs_wsa *wsa)
{
	int i;

	for (i = 0; i < t->ntouched; i++)
		if (t->touched[i] == wsa)
			return;
	if (t->ntouched == XS_WK_BATCH)
		xs_wk_publish(t);
	t->touched[t->ntouched++] = wsa;
}

static enum xs_drop decap(struct xs_wthread *t, struct xs_wsa *wsa,
			  struct xs_pkt *pkt)
{
	struct xs_rx_info info;
	enum xs_drop why;

	why = xs_rx_parse(pkt, &info);
	if (why)
		return why;
	sa_lock(t, wsa);
	if (info.proto == XS_PROTO_AH)
		why = xs_ah_in(wsa->sa, pkt, &info);
	else
		why = xs_esp_in(wsa->sa, pkt, &info);
	sa_unlock(t, wsa);
	touch(t, wsa);
	return why;
}

/* Decrypt, check the selector, then deliver or forward. */
void xs_wk_inbound(struct xs_wthread *t, uint64_t base, struct xs_pkt *pkt,
		   uint32_t slot)
{
	struct xs_wsa *wsa = xs_sat_get(&t->w->sat, slot);
	enum xs_drop why;
	struct xs_nh nh;

	if (!wsa || wsa->sa->dir != XS_DIR_IN)
		why = XS_DROP_NO_SA;
	else
		why = decap(t, wsa, pkt);
	if (!why && !xs_sel_match(wsa->sel, wsa->nsel, pkt->data, pkt->len))
		why = XS_DROP_SELECTOR_MISMATCH;
	if (!why)
		why = xs_nh_lookup(t->nh, xs_ip_version(pkt->data, 1) == 6 ?
				   XS_AF_INET6 : XS_AF_INET,
				   pkt->data + (xs_ip_version(pkt->data, 1) == 6 ?
						24 : 16), &nh);
	if (!why && nh.kind == XS_NH_FORWARD)
		why = xs_fwd_hop(pkt->data, pkt->len);
	if (why)
		xs_wk_drop(t, base, why);
	else
		xs_wk_emit(t, base, pkt, &nh);
}

/* The largest inner packet that still fits mtu once sa has added to it. */
static uint32_t max_inner(const struct xs_sa *sa, uint32_t mtu)
{
	uint32_t ip = sa->family == XS_AF_INET6 ? XS_IPV6_HDR_LEN : XS_IPV4_HDR_LEN;
	uint32_t hdr = sa->mode == XS_MODE_TUNNEL ? xs_outer_hdr_len(sa) : ip;
	uint32_t keep = sa->mode == XS_MODE_TUNNEL ? 0 : ip, ah, room;

	if (sa->flags & XS_SA_UDP_ENCAP)
		hdr += XS_UDP_HDR_LEN;
	if (sa->proto == XS_PROTO_AH) {
		ah = AH_FIXED_LEN + sa->icv_len;
		ah = (ah + (sa->family == XS_AF_INET6 ? 7 : 3)) &
		     ~(sa->family == XS_AF_INET6 ? 7u : 3u);
		return mtu > hdr + ah ? mtu - hdr - ah + keep : 0;
	}
	if (mtu < hdr + ESP_HDR_LEN + sa->iv_len + sa->icv_len + sa->align)
		return 0;
	room = mtu - hdr - ESP_HDR_LEN - sa->iv_len - sa->icv_len;
	return keep + room / sa->align * sa->align - ESP_TRAILER_LEN;
}

static void protect(struct xs_wthread *t, struct xs_wsa *wsa, uint64_t base,
		    struct xs_pkt *pkt, const struct xs_nh *nh)
{
	enum xs_drop why;

	sa_lock(t, wsa);
	if (wsa->sa->proto == XS_PROTO_AH)
		why = xs_ah_out(wsa->sa, pkt);
	else
		why = xs_esp_out(wsa->sa, pkt);
	sa_unlock(t, wsa);
	touch(t, wsa);
	if (why)
		xs_wk_drop(t, base, why);
	else
		xs_wk_emit(t, base, pkt, nh);
}

/* Too big for the path: ICMP for DF/IPv6, else fragment (see the top). */
static void too_big(struct xs_wthread *t, struct xs_wsa *wsa, uint64_t base,
		    struct xs_pkt *pkt, const struct xs_nh *nh, uint32_t max)
{
	uint64_t frames[XS_FRAG_MAX];
	struct xs_pkt pkts[XS_FRAG_MAX];
	int i, n;

	if (xs_fwd_dont_fragment(pkt->data, pkt->len)) {
		xs_wk_icmp(t, pkt->data, pkt->len, XS_ICMP_DEST_UNREACH,
			   XS_ICMP6_PACKET_TOO_BIG, xs_ip_version(pkt->data, 1) == 6 ?
			   0 : XS_ICMP_FRAG_NEEDED, max);
		xs_wk_drop(t, base, XS_DROP_TOO_BIG);
		return;
	}
	if (wsa->sa->mode != XS_MODE_TUNNEL) {
		protect(t, wsa, base, pkt, nh);	/* emit fragments the result */
		return;
	}
	n = xs_wk_fragment(t, pkt, max, frames, pkts);
	if (!n) {
		xs_wk_drop(t, base, XS_DROP_TOO_BIG);
		return;
	}
	xs_frame_put(&t->frames, base);
	for (i = 0; i < n; i++)
		protect(t, wsa, frames[i], &pkts[i], nh);
}

/* Router duties before protection; false if the packet was dropped. */
static bool outbound_prepare(struct xs_wthread *t, struct xs_wsock *s,
			     uint64_t base, struct xs_pkt *pkt)
{
	uint32_t plen = xs_ip_packet_len(pkt->data, pkt->len);
	enum xs_drop why;

	if (!plen) {
		xs_wk_drop(t, base, XS_DROP_BAD_IP_HEADER);
		return false;
	}
	xs_pkt_trim(pkt, pkt->len - plen);
	if (s->role == XS_IF_LAN) {
		why = xs_fwd_hop(pkt->data, pkt->len);
		if (why == XS_DROP_TTL_EXCEEDED)
			xs_wk_icmp(t, pkt->data, pkt->len, XS_ICMP_TIME_EXCEEDED,
				   XS_ICMP6_TIME_EXCEEDED, 0, 0);
		if (why) {
			xs_wk_drop(t, base, why);
			return false;
		}
	}
	xs_fwd_l4_csum_finish(pkt->data, pkt->len);
	xs_fwd_mss_clamp(pkt->data, pkt->len, t->w->cfg.mss_clamp);
	return true;
}

static void outbound(struct xs_wthread *t, struct xs_wsock *s, uint64_t base,
		     struct xs_pkt *pkt, const struct xs_meta *m)
{
	struct xs_wsa *wsa = xs_sat_get(&t->w->sat, m->sa_slot);
	enum xs_drop why;
	struct xs_nh nh;
	uint32_t max;

	if (!outbound_prepare(t, s, base, pkt))
		return;
	if (!wsa || wsa->sa->dir != XS_DIR_OUT) {
		xs_wk_drop(t, base, XS_DROP_NO_SA);
		return;
	}
	why = xs_nh_lookup(t->nh, wsa->sa->family, wsa->sa->dst, &nh);
	if (!why && nh.kind != XS_NH_FORWARD)
		why = XS_DROP_NO_ROUTE;
	if (why) {
		xs_wk_drop(t, base, why);
		return;
	}
	max = max_inner(wsa->sa, nh.mtu);
	if (pkt->len <= max)
		protect(t, wsa, base, pkt, &nh);
	else
		too_big(t, wsa, base, pkt, &nh, max);
}

void xs_wk_frame(struct xs_wthread *t, struct xs_wsock *s, uint64_t addr,
		 uint32_t len)
{
	uint64_t base = xs_frame_base(addr);
	struct xs_pkt pkt;
	struct xs_meta m;

	t->st.rx++;
	if (!read_meta(t, addr, len, &m)) {
		xs_wk_drop(t, base, XS_DROP_BAD_META);
		return;
	}
	xs_wk_pkt(t, base, (uint32_t)(addr - base) + m.l3_off, len - m.l3_off,
		  &pkt);
	if (m.kind == XS_META_INBOUND)
		xs_wk_inbound(t, base, &pkt, m.sa_slot);
	else if (m.kind == XS_META_OUTBOUND)
		outbound(t, s, base, &pkt, &m);
	else if (m.kind == XS_META_FRAGMENT)
		xs_reasm_fragment(t, base, &pkt);
	else
		xs_wk_drop(t, base, XS_DROP_BAD_META);
}
