/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The SPD as RFC 4301 states it, for the differential tests: scan every
 * policy in order (priority, then id, then position) and take the first
 * whose selectors all match. Ports of a flow without ports (non-initial
 * fragment, protocol without ports) are OPAQUE and match only "any".
 */
#ifndef XDPSEC_TESTS_BPF_SPD_REF_H
#define XDPSEC_TESTS_BPF_SPD_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "tests/bpf/harness.h"

static bool ref_prefix(const uint8_t *pfx, unsigned int len, const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if ((pfx[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static bool ref_has_ports(uint8_t proto)
{
	return proto == XS_PROTO_TCP || proto == XS_PROTO_UDP ||
	       proto == XS_PROTO_ICMP || proto == XS_PROTO_ICMPV6 ||
	       proto == 132;
}

static bool ref_match(const struct xs_spd_policy *p, uint8_t dir,
		      const struct xs_tflow *f)
{
	if (p->dir != dir || p->family != f->family ||
	    !ref_prefix(p->src, p->src_len, f->src) ||
	    !ref_prefix(p->dst, p->dst_len, f->dst) ||
	    (p->proto && p->proto != f->proto))
		return false;
	if (f->opaque || !ref_has_ports(f->proto))
		return !p->sport_lo && p->sport_hi == 0xffff &&
		       !p->dport_lo && p->dport_hi == 0xffff;
	return f->sport >= p->sport_lo && f->sport <= p->sport_hi &&
	       f->dport >= p->dport_lo && f->dport <= p->dport_hi;
}

static bool ref_before(const struct xs_spd_policy *a, size_t ia,
		       const struct xs_spd_policy *b, size_t ib)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	if (a->id != b->id)
		return a->id < b->id;
	return ia < ib;
}

/* Index of the policy that decides, or -1. */
static long ref_lookup(const struct xs_spd_policy *p, size_t n, uint8_t dir,
		       const struct xs_tflow *f)
{
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (ref_match(&p[i], dir, f) &&
		    (best < 0 || ref_before(&p[i], i, &p[best], best)))
			best = i;
	return best;
}

#endif
