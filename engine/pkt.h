/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A packet buffer as the engine sees it: an IP packet (no link-layer header)
 * inside a larger frame, with room before and after it. Encapsulation grows
 * the packet into the headroom and tailroom in place; decapsulation shrinks
 * it. Nothing is ever allocated per packet.
 */
#ifndef XDPSEC_ENGINE_PKT_H
#define XDPSEC_ENGINE_PKT_H

#include <stdint.h>

struct xs_pkt {
	uint8_t *data;		/* first byte of the IP header */
	uint32_t len;		/* bytes from data on that belong to the packet */
	uint32_t headroom;	/* usable bytes before data */
	uint32_t tailroom;	/* usable bytes after data + len */
};

/* Worst-case growth of one encapsulation, for sizing frames. */
enum {
	XS_PKT_MAX_HEADROOM = 40 + 8 + 8 + 16 + 8,	/* IPv6 + UDP + ESP + IV, AH slack */
	XS_PKT_MAX_TAILROOM = 255 + 2 + 32,		/* max padding + trailer + ICV */
};

static inline void xs_pkt_push(struct xs_pkt *p, uint32_t n)
{
	p->data -= n;
	p->len += n;
	p->headroom -= n;
}

static inline void xs_pkt_pull(struct xs_pkt *p, uint32_t n)
{
	p->data += n;
	p->len -= n;
	p->headroom += n;
}

static inline void xs_pkt_put(struct xs_pkt *p, uint32_t n)
{
	p->len += n;
	p->tailroom -= n;
}

static inline void xs_pkt_trim(struct xs_pkt *p, uint32_t n)
{
	p->len -= n;
	p->tailroom += n;
}

#endif
