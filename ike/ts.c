// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Traffic selectors (RFC 7296 2.9): narrowing the peer's proposal to our
 * policy (every non-empty intersection of one of theirs with one of ours,
 * in their order), the initiator's check that the responder's answer lies
 * inside what it proposed, `dynamic` selectors as the IKE SA's addresses,
 * and the printable form.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ike/sa.h"

static size_t addr_len(const struct ike_ts *t)
{
	return t->type == IKEV2_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

static const uint8_t *max_addr(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) >= 0 ? a : b;
}

static const uint8_t *min_addr(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) <= 0 ? a : b;
}

/* a ∩ b into out; false if empty. */
static bool intersect(const struct ike_ts *a, const struct ike_ts *b,
		      struct ike_ts *out)
{
	size_t n = addr_len(a);

	if (a->type != b->type || (a->proto && b->proto && a->proto != b->proto))
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->proto = a->proto ? a->proto : b->proto;
	out->start_port = a->start_port > b->start_port ? a->start_port
							: b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (out->start_port > out->end_port)
		return false;
	memcpy(out->start, max_addr(a->start, b->start, n), n);
	memcpy(out->end, min_addr(a->end, b->end, n), n);
	return memcmp(out->start, out->end, n) <= 0;
}

static bool same_ts(const struct ike_ts *a, const struct ike_ts *b)
{
	return a->type == b->type && a->proto == b->proto &&
	       a->start_port == b->start_port && a->end_port == b->end_port &&
	       !memcmp(a->start, b->start, addr_len(a)) &&
	       !memcmp(a->end, b->end, addr_len(a));
}

static void add_unique(struct ike_ts_pld *out, const struct ike_ts *t)
{
	uint8_t i;

	for (i = 0; i < out->num; i++)
		if (same_ts(&out->ts[i], t))
			return;
	if (out->num < IKEV2_MAX_TS)
		out->ts[out->num++] = *t;
}

int ike_ts_narrow(const struct ike_ts_pld *theirs,
		  const struct ike_ts_pld *ours, struct ike_ts_pld *out)
{
	struct ike_ts x;
	uint8_t i, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < theirs->num && i < IKEV2_MAX_TS; i++)
		for (j = 0; j < ours->num && j < IKEV2_MAX_TS; j++)
			if (intersect(&theirs->ts[i], &ours->ts[j], &x))
				add_unique(out, &x);
	return out->num ? 0 : -1;
}

static bool inside(const struct ike_ts *s, const struct ike_ts *p)
{
	size_t n = addr_len(s);

	return s->type == p->type && (!p->proto || p->proto == s->proto) &&
	       p->start_port <= s->start_port && s->end_port <= p->end_port &&
	       s->start_port <= s->end_port &&
	       memcmp(p->start, s->start, n) <= 0 &&
	       memcmp(s->start, s->end, n) <= 0 &&
	       memcmp(s->end, p->end, n) <= 0;
}

bool ike_ts_subset(const struct ike_ts_pld *sub,
		   const struct ike_ts_pld *sup)
{
	uint8_t i, j;

	if (!sub->num || sub->num > IKEV2_MAX_TS)
		return false;
	for (i = 0; i < sub->num; i++) {
		for (j = 0; j < sup->num && j < IKEV2_MAX_TS; j++)
			if (inside(&sub->ts[i], &sup->ts[j]))
				break;
		if (j == sup->num || j == IKEV2_MAX_TS)
			return false;
	}
	return true;
}

void ike_ts_dynamic(const struct ike_ts_pld *cfg, const struct ike_addr *host,
		    struct ike_ts_pld *out)
{
	struct ike_ts *t;
	uint8_t i;

	*out = *cfg;
	for (i = 0; i < out->num && i < IKEV2_MAX_TS; i++) {
		t = &out->ts[i];
		if (t->type)
			continue;
		t->type = host->len == 16 ? IKEV2_TS_IPV6_ADDR_RANGE
					  : IKEV2_TS_IPV4_ADDR_RANGE;
		memcpy(t->start, host->addr, sizeof(t->start));
		memcpy(t->end, host->addr, sizeof(t->end));
	}
}

/* The prefix length if start..end is one CIDR block, else -1. */
static int prefix_of(const uint8_t *s, const uint8_t *e, size_t n)
{
	size_t bit, bits = n * 8;
	int plen = -1;

	for (bit = 0; bit < bits; bit++) {
		int sb = s[bit / 8] >> (7 - bit % 8) & 1;
		int eb = e[bit / 8] >> (7 - bit % 8) & 1;

		if (plen < 0 && sb != eb) {
			if (sb || !eb)
				return -1;
			plen = (int)bit;
		} else if (plen >= 0 && (sb || !eb)) {
			return -1;
		}
	}
	return plen < 0 ? (int)bits : plen;
}

static int format_one(const struct ike_ts *t, char *buf, size_t len)
{
	int af = t->type == IKEV2_TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], port[32] = "";
	int plen = prefix_of(t->start, t->end, addr_len(t));

	inet_ntop(af, t->start, a, sizeof(a));
	inet_ntop(af, t->end, b, sizeof(b));
	if (t->proto || t->start_port || t->end_port != 0xffff) {
		if (t->start_port == t->end_port)
			snprintf(port, sizeof(port), "[%u/%u]", t->proto,
				 t->start_port);
		else if (!t->start_port && t->end_port == 0xffff)
			snprintf(port, sizeof(port), "[%u]", t->proto);
		else
			snprintf(port, sizeof(port), "[%u/%u-%u]", t->proto,
				 t->start_port, t->end_port);
	}
	if (plen >= 0)
		return snprintf(buf, len, "%s/%d%s", a, plen, port);
	return snprintf(buf, len, "%s..%s%s", a, b, port);
}

int ike_ts_format(const struct ike_ts_pld *ts, char *buf, size_t len)
{
	size_t used = 0;
	uint8_t i;
	int n;

	if (len)
		buf[0] = 0;
	for (i = 0; i < ts->num && i < IKEV2_MAX_TS; i++) {
		n = format_one(&ts->ts[i], buf + used, len - used);
		if (n < 0 || (size_t)n + 1 >= len - used)
			return -1;
		used += (size_t)n;
		if (i + 1 < ts->num) {
			buf[used++] = ' ';
			buf[used] = 0;
		}
	}
	return (int)used;
}
