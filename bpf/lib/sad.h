/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* SAD lookups (maps/sad.h): inbound by SPI and destination, outbound by slot. */
#ifndef XDPSEC_BPF_SAD_H
#define XDPSEC_BPF_SAD_H

#include "parse.h"

enum {
	XS_SA_DIR_IN = 0,
	XS_SA_DIR_OUT = 1,
};

static __always_inline struct xs_sad_entry *sad_slot(__u32 slot)
{
	return bpf_map_lookup_elem(&xs_sad, &slot);
}

/* The packet's destination first, then the any-destination entry. */
static __always_inline struct xs_sad_entry *sad_in(const struct xs_flow *f,
						   __u8 proto, __u32 spi,
						   __u32 *slot)
{
	struct xs_sad_key k = {};
	__u32 *s;

	k.spi = spi;
	k.proto = proto;
	k.family = f->family;
	__builtin_memcpy(k.dst, f->dst, sizeof(k.dst));
	s = bpf_map_lookup_elem(&xs_sadi, &k);
	if (!s) {
		__builtin_memset(k.dst, 0, sizeof(k.dst));
		s = bpf_map_lookup_elem(&xs_sadi, &k);
		if (!s)
			return NULL;
	}
	*slot = *s;
	return sad_slot(*slot);
}

static __always_inline int sa_usable(const struct xs_sad_entry *e, __u8 dir)
{
	return (e->state == XS_SA_MATURE || e->state == XS_SA_DYING) &&
	       e->dir == dir;
}

#endif
