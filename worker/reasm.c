// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Reassembly of outer ESP/AH fragments (RFC 791, RFC 8200 4.5) before
 * decryption, for peers that fragment after encapsulation.
 *
 * Each thread keeps XS_REASM_SLOTS datagrams, keyed by addresses,
 * protocol and identification, each assembled in a UMEM frame of its own:
 * the unfragmentable part (from the offset-0 fragment) goes just before
 * XS_REASM_DATA, the payload at XS_REASM_DATA + offset. Received 8-byte
 * units are tracked in a bitmap; overlapping fragments (RFC 5722), a
 * length past XS_REASM_MAX, or a non-last fragment not a multiple of 8
 * drop the datagram ("reasm-bad"). Datagrams older than 5 s, or the
 * oldest when the table is full, are dropped ("reasm-timeout").
 *
 * A completed datagram has no SA slot from BPF (fragments are not looked
 * up there): its SPI is looked up in xs_sadi the way BPF does it (exact
 * destination, then any), and the slot must be a usable inbound SA. An SA
 * of the kernel backend is the kernel's to decrypt: the whole datagram
 * goes to the stack through the internal veth ("reasm_to_kernel"), where
 * XFRM takes ESP/AH to a local address whatever the ingress device.
 */
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "../engine/ip.h"
#include "wk.h"

enum {
	IPV6_HOPOPTS = 0, IPV6_ROUTING = 43, IPV6_FRAGMENT = 44, IPV6_DSTOPTS = 60,
	IPV4_MF = 0x2000, IPV4_OFF_MASK = 0x1fff,
	FRAG_HDR_LEN = 8,
};

struct frag {
	uint32_t id, off, len, ulen;	/* ulen: unfragmentable part */
	uint32_t nh_off;		/* IPv6: byte naming the fragment header */
	uint8_t family, proto, more;
	const uint8_t *src, *dst, *payload;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool parse4(const uint8_t *ip, uint32_t len, struct frag *f)
{
	uint32_t ihl = (ip[0] & 0x0f) * 4u, tot = xs_ip_packet_len(ip, len);
	uint16_t fo;

	if (!tot || tot <= ihl)
		return false;
	fo = xs_get16(ip + 6);
	f->family = XS_AF_INET;
	f->id = xs_get16(ip + 4);
	f->off = (fo & IPV4_OFF_MASK) * 8u;
	f->more = !!(fo & IPV4_MF);
	f->proto = ip[9];
	f->ulen = ihl;
	f->src = ip + 12;
	f->dst = ip + 16;
	f->payload = ip + ihl;
	f->len = tot - ihl;
	return true;
}

static bool parse6(const uint8_t *ip, uint32_t len, struct frag *f)
{
	uint32_t tot = xs_ip_packet_len(ip, len), o = XS_IPV6_HDR_LEN, nho = 6;
	uint8_t nh = ip[6];

	if (!tot)
		return false;
	while (nh == IPV6_HOPOPTS || nh == IPV6_ROUTING || nh == IPV6_DSTOPTS) {
		if (o + 2 > tot)
			return false;
		nho = o;
		nh = ip[o];
		o += (ip[o + 1] + 1u) * 8u;
	}
	if (nh != IPV6_FRAGMENT || o + FRAG_HDR_LEN >= tot || o > XS_REASM_HDR_MAX)
		return false;
	f->family = XS_AF_INET6;
	f->proto = ip[o];
	f->off = xs_get16(ip + o + 2) & 0xfff8u;
	f->more = ip[o + 3] & 1;
	f->id = xs_get32(ip + o + 4);
	f->ulen = o;
	f->nh_off = nho;
	f->src = ip + 8;
	f->dst = ip + 24;
	f->payload = ip + o + FRAG_HDR_LEN;
	f->len = tot - o - FRAG_HDR_LEN;
	return true;
}

void xs_reasm_init(struct xs_wthread *t)
{
	int i;

	memset(t->reasm, 0, sizeof(t->reasm));
	for (i = 0; i < XS_REASM_SLOTS; i++)
		t->reasm[i].frame = UINT64_MAX;
}

static void release(struct xs_wthread *t, struct xs_reasm *r, enum xs_drop why)
{
	if (r->frame == UINT64_MAX)
		return;
	if (why)
		t->st.drops[why]++;
	xs_frame_put(&t->frames, r->frame);
	r->frame = UINT64_MAX;
}

void xs_reasm_fini(struct xs_wthread *t)
{
	int i;

	for (i = 0; i < XS_REASM_SLOTS; i++)
		release(t, &t->reasm[i], XS_OK);
}

static bool same(const struct xs_reasm *r, const struct frag *f)
{
	int alen = f->family == XS_AF_INET ? 4 : 16;

	return r->frame != UINT64_MAX && r->id == f->id &&
	       r->family == f->family && r->proto == f->proto &&
	       !memcmp(r->src, f->src, alen) && !memcmp(r->dst, f->dst, alen);
}

/* The datagram's slot: found, or a new one (expired/oldest ones go). */
static struct xs_reasm *slot_for(struct xs_wthread *t, const struct frag *f,
				 uint64_t now)
{
	struct xs_reasm *r, *free_r = NULL, *oldest = &t->reasm[0];
	int i, alen = f->family == XS_AF_INET ? 4 : 16;

	for (i = 0; i < XS_REASM_SLOTS; i++) {
		r = &t->reasm[i];
		if (r->frame != UINT64_MAX && now >= r->expires)
			release(t, r, XS_DROP_REASM_TIMEOUT);
		if (same(r, f))
			return r;
		if (r->frame == UINT64_MAX && !free_r)
			free_r = r;
		if (r->expires < oldest->expires)
			oldest = r;
	}
	r = free_r ? free_r : oldest;
	release(t, r, XS_DROP_REASM_TIMEOUT);
	r->frame = xs_frame_get(&t->frames);
	if (r->frame == UINT64_MAX)
		return NULL;
	memset(r->units, 0, sizeof(r->units));
	r->expires = now + XS_REASM_TIMEOUT_NS;
	r->id = f->id;
	r->family = f->family;
	r->proto = f->proto;
	r->hlen = r->total = r->have = 0;
	memcpy(r->src, f->src, alen);
	memcpy(r->dst, f->dst, alen);
	return r;
}

/* Mark the fragment's 8-byte units; false if any was there already. */
static bool mark(struct xs_reasm *r, uint32_t off, uint32_t len)
{
	uint32_t u, first = off / 8, last = (off + len + 7) / 8;

	for (u = first; u < last; u++)
		if (r->units[u / 64] & (1ull << (u % 64)))
			return false;
	for (u = first; u < last; u++)
		r->units[u / 64] |= 1ull << (u % 64);
	return true;
}

static bool add(struct xs_wthread *t, struct xs_reasm *r, const struct frag *f,
		const uint8_t *ip)
{
	uint8_t *data = (uint8_t *)t->w->umem.area + r->frame + XS_REASM_DATA;
	uint32_t end = f->off + f->len;

	if (!f->len || end > XS_REASM_MAX || (f->more && f->len % 8) ||
	    (!f->more && r->total && r->total != end) ||
	    (r->total && end > r->total) || !mark(r, f->off, f->len))
		return false;
	if (!f->more)
		r->total = (uint16_t)end;
	if (f->off == 0) {
		memcpy(data - f->ulen, ip, f->ulen);
		if (f->family == XS_AF_INET6)
			(data - f->ulen)[f->nh_off] = f->proto;
		r->hlen = (uint16_t)f->ulen;
	}
	memcpy(data + f->off, f->payload, f->len);
	r->have = (uint16_t)(r->have + f->len);
	return true;
}

/* xs_sadi as BPF reads it: exact destination, then any destination. */
static uint32_t sadi_slot(struct xs_worker *w, const struct xs_rx_info *info,
			  uint8_t *backend)
{
	struct xs_sad_key k = { .spi = info->spi, .proto = info->proto,
				.family = info->family };
	const struct xs_sad_entry *e;
	uint32_t slot;

	memcpy(k.dst, info->dst, sizeof(k.dst));
	if (bpf_map_lookup_elem(w->cfg.sadi_map_fd, &k, &slot)) {
		memset(k.dst, 0, sizeof(k.dst));
		if (bpf_map_lookup_elem(w->cfg.sadi_map_fd, &k, &slot))
			return XS_SA_NONE;
	}
	if (slot >= w->cfg.sad_slots)
		return XS_SA_NONE;
	e = &w->cfg.sad[slot];
	if ((e->state != XS_SA_MATURE && e->state != XS_SA_DYING) ||
	    e->dir != XS_DIR_IN)
		return XS_SA_NONE;
	*backend = e->backend;
	return slot;
}

/* The whole datagram: header fixed up, SA found, on to decryption. */
static void complete(struct xs_wthread *t, struct xs_reasm *r)
{
	uint32_t off = XS_REASM_DATA - r->hlen, len = r->hlen + r->total;
	uint64_t frame = r->frame;
	const struct xs_nh to_stack = { .kind = XS_NH_LOCAL };
	struct xs_rx_info info;
	uint8_t backend = 0;
	struct xs_pkt pkt;
	uint32_t slot;

	r->frame = UINT64_MAX;
	xs_wk_pkt(t, frame, off, len, &pkt);
	if (r->family == XS_AF_INET) {
		xs_put16(pkt.data + 2, (uint16_t)len);
		xs_put16(pkt.data + 6, 0);
		xs_ipv4_set_csum(pkt.data);
	} else {
		xs_put16(pkt.data + 4, (uint16_t)(len - XS_IPV6_HDR_LEN));
	}
	if (xs_rx_parse(&pkt, &info)) {
		xs_wk_drop(t, frame, XS_DROP_NOT_IPSEC);
		return;
	}
	slot = sadi_slot(t->w, &info, &backend);
	if (slot == XS_SA_NONE) {
		xs_wk_drop(t, frame, XS_DROP_UNKNOWN_SPI);
	} else if (backend == XS_BACKEND_KERNEL) {
		t->st.reasm_to_kernel++;
		xs_wk_emit(t, frame, &pkt, &to_stack);
	} else {
		xs_wk_inbound(t, frame, &pkt, slot);
	}
}

void xs_reasm_fragment(struct xs_wthread *t, uint64_t base, struct xs_pkt *pkt)
{
	struct frag f = { 0 };
	struct xs_reasm *r;
	bool ok;

	if (t->w->cfg.sadi_map_fd <= 0) {
		xs_wk_drop(t, base, XS_DROP_OUTER_FRAGMENT);
		return;
	}
	ok = xs_ip_version(pkt->data, pkt->len) == 4 ?
	     parse4(pkt->data, pkt->len, &f) : parse6(pkt->data, pkt->len, &f);
	if (!ok) {
		xs_wk_drop(t, base, XS_DROP_REASM_BAD);
		return;
	}
	r = slot_for(t, &f, now_ns());
	if (!r) {
		xs_wk_drop(t, base, XS_DROP_NO_FRAME);
		return;
	}
	ok = add(t, r, &f, pkt->data);
	if (!ok) {
		xs_wk_drop(t, base, XS_DROP_REASM_BAD);
		release(t, r, XS_OK);
		return;
	}
	xs_frame_put(&t->frames, base);
	if (r->total && r->hlen && r->have == r->total)
		complete(t, r);
}
