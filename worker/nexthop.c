// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The per-thread next-hop cache and the change monitor (nexthop.h).
 *
 * The cache is direct-mapped by destination. An entry holds a next hop or
 * a drop reason; it is good while its generation equals the monitor's and
 * it has not expired (a second for a next hop, a few milliseconds for a
 * miss, so a resolution whose notification was lost is retried soon).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nexthop.h"

enum {
	NH_SLOTS = 4096,		/* power of two */
	NH_HIT_NS = 1000000000,		/* a next hop is re-read after 1 s */
	NH_MISS_NS = 20000000,		/* a miss is retried after 20 ms */
	NUD_USABLE = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
		     NUD_PERMANENT | NUD_NOARP,
};

struct nh_entry {
	uint32_t gen;
	uint8_t used;
	uint8_t family;
	uint16_t drop;			/* enum xs_drop, XS_OK: nh is valid */
	uint8_t dst[16];
	uint64_t expires;		/* CLOCK_MONOTONIC ns */
	struct xs_nh nh;
};

struct xs_nh_cache {
	struct xs_nh_monitor *mon;
	int fd;
	struct nh_entry e[NH_SLOTS];
};

/*
 * Read once per packet: the coarse clock (a few ms of resolution, plenty
 * for 1 s and 20 ms expiries) is a plain load from the vDSO page, where
 * CLOCK_MONOTONIC reads the TSC (~0.4% of all CPU time in bench-e2e).
 */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int xs_nh_monitor_open(struct xs_nh_monitor *m)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE |
			     RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_IFADDR |
			     RTMGRP_IPV6_IFADDR,
	};

	atomic_init(&m->gen, 1);
	m->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       NETLINK_ROUTE);
	if (m->fd < 0)
		return -errno;
	if (bind(m->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(m->fd);
		m->fd = -1;
		return err;
	}
	return 0;
}

/*
 * Any notification (or an overrun, ENOBUFS, which means some were lost)
 * makes every cached entry stale.
 */
int xs_nh_monitor_poll(struct xs_nh_monitor *m, int timeout_ms)
{
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	char buf[8192];
	int changed = 0;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	for (;;) {
		n = recv(m->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno != ENOBUFS)
			break;
		changed = 1;
	}
	if (changed)
		atomic_fetch_add_explicit(&m->gen, 1, memory_order_release);
	return changed;
}

void xs_nh_monitor_close(struct xs_nh_monitor *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

int xs_nh_cache_new(struct xs_nh_monitor *m, struct xs_nh_cache **out)
{
	struct xs_nh_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->mon = m;
	c->fd = xs_nl_open();
	if (c->fd < 0) {
		int err = c->fd;

		free(c);
		return err;
	}
	*out = c;
	return 0;
}

void xs_nh_cache_free(struct xs_nh_cache *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

static uint32_t hash_dst(uint8_t family, const uint8_t *dst)
{
	uint32_t h = 2166136261u;
	int i, n = family == AF_INET ? 4 : 16;

	for (i = 0; i < n; i++)
		h = (h ^ dst[i]) * 16777619u;
	return h & (NH_SLOTS - 1);
}

/* The neighbour part: link-layer address of hop on nh->oif. */
static enum xs_drop resolve_neigh(int fd, struct xs_nh *nh, const uint8_t *hop)
{
	int state = xs_nl_neigh_get(fd, nh->oif, nh->family, hop, nh->mac);

	if (state < 0 || !(state & NUD_USABLE)) {
		xs_nl_neigh_resolve(fd, nh->oif, nh->family, hop);
		return XS_DROP_NO_NEIGHBOUR;
	}
	if (state & NUD_STALE)		/* usable; have the kernel confirm it */
		xs_nl_neigh_resolve(fd, nh->oif, nh->family, hop);
	return XS_OK;
}

/*
 * The link's MTU, or the FIB route's MTU metric if lower: the route as
 * configured (RTM_F_FIB_MATCH), without the PMTU exceptions the stack
 * learnt for dst. Those are about packets the stack itself sent to dst in
 * clear (it learns none from an ICMP error about ESP, having no xfrm
 * state of its own). In transport mode that is the inner traffic, and its
 * exception holds the worker's own Packet Too Big: this MTU minus the SA's
 * overhead. Read back as the outer MTU it would fall by that overhead at
 * every lookup until below what the stack accepts (1280 for IPv6). The
 * kernel's own forwarding ignores exceptions too (ip_forward_use_pmtu).
 */
static uint32_t route_mtu(int fd, uint8_t family, const uint8_t *dst,
			  uint32_t link_mtu)
{
	struct xs_nl_route fib;

	if (xs_nl_route_get(fd, family, dst, RTM_F_FIB_MATCH, &fib) ||
	    !fib.mtu || fib.mtu > link_mtu)
		return link_mtu;
	return fib.mtu;
}

static enum xs_drop resolve(int fd, uint8_t family, const uint8_t *dst,
			    struct xs_nh *nh)
{
	struct xs_nl_route r;
	struct xs_nl_link l;

	memset(nh, 0, sizeof(*nh));
	nh->family = family;
	if (xs_nl_route_get(fd, family, dst, 0, &r))
		return XS_DROP_NO_ROUTE;
	memcpy(nh->prefsrc, r.prefsrc, sizeof(nh->prefsrc));
	nh->oif = r.oif;
	if (r.type == RTN_LOCAL) {
		nh->kind = XS_NH_LOCAL;
		return XS_OK;
	}
	if (r.type != RTN_UNICAST || !r.oif || xs_nl_link_get(fd, r.oif, &l))
		return XS_DROP_NO_ROUTE;
	nh->kind = XS_NH_FORWARD;
	nh->mtu = (uint16_t)route_mtu(fd, family, dst, l.mtu);
	memcpy(nh->src_mac, l.mac, 6);
	return resolve_neigh(fd, nh, r.has_gw ? r.gw : dst);
}

enum xs_drop xs_nh_lookup(struct xs_nh_cache *c, uint8_t family,
			  const uint8_t *dst, struct xs_nh *nh)
{
	struct nh_entry *e = &c->e[hash_dst(family, dst)];
	uint32_t gen = atomic_load_explicit(&c->mon->gen, memory_order_acquire);
	int alen = family == AF_INET ? 4 : 16;
	uint64_t now = now_ns();

	if (e->used && e->gen == gen && e->family == family &&
	    now < e->expires && !memcmp(e->dst, dst, alen)) {
		*nh = e->nh;
		return e->drop;
	}
	e->used = 1;
	e->gen = gen;
	e->family = family;
	memcpy(e->dst, dst, alen);
	e->drop = resolve(c->fd, family, dst, &e->nh);
	e->expires = now + (e->drop ? NH_MISS_NS : NH_HIT_NS);
	*nh = e->nh;
	return e->drop;
}
