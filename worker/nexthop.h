/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Next hops from the kernel: routes (RTM_GETROUTE), neighbours
 * (RTM_GETNEIGH) and links (RTM_GETLINK) over rtnetlink, cached per
 * destination in a per-thread cache. One monitor socket subscribed to
 * link, address, route and neighbour changes bumps a generation number;
 * a cached entry of an older generation is looked up again. An unresolved
 * neighbour is handed to the kernel to resolve (RTM_NEWNEIGH with NTF_USE)
 * and the packet is dropped ("no-neighbour") until it resolves.
 */
#ifndef XDPSEC_WORKER_NEXTHOP_H
#define XDPSEC_WORKER_NEXTHOP_H

#include <stdatomic.h>
#include <stdint.h>

#include "../maps/drop_reasons.h"

enum xs_nh_kind {
	XS_NH_FORWARD = 1,	/* out of oif to mac */
	XS_NH_LOCAL = 2,	/* an address of this host */
};

struct xs_nh {
	uint8_t kind;		/* enum xs_nh_kind */
	uint8_t family;
	uint8_t mac[6];		/* next hop's link-layer address */
	uint8_t src_mac[6];	/* oif's own address */
	uint16_t mtu;		/* min(link MTU, FIB route MTU): no PMTU cache */
	int oif;
	uint8_t prefsrc[16];	/* the route's preferred source address */
};

struct xs_nl_route {
	uint8_t type;		/* RTN_* */
	uint8_t has_gw;
	int oif;
	uint32_t mtu;		/* RTAX_MTU, 0 if none */
	uint8_t gw[16];
	uint8_t prefsrc[16];
};

struct xs_nl_link {
	uint32_t mtu;
	int peer;		/* IFLA_LINK (veth peer), 0 if none */
	uint8_t mac[6];
};

struct xs_nh_monitor {
	int fd;
	atomic_uint gen;
};

struct xs_nh_cache;

/* nexthop.c APIs: */
/* A NETLINK_ROUTE socket for requests; fd or -errno. */
int xs_nl_open(void);
/*
 * The route to dst, as the stack would send to it (flags 0: PMTU exception
 * included) or as configured (RTM_F_FIB_MATCH); 0 or -errno
 * (e.g. -ENETUNREACH).
 */
int xs_nl_route_get(int fd, uint8_t family, const uint8_t *dst,
		    uint32_t flags, struct xs_nl_route *r);
int xs_nl_link_get(int fd, int ifindex, struct xs_nl_link *l);
/* NUD_* state (0 if none) and, if it has one, the address into mac. */
int xs_nl_neigh_get(int fd, int ifindex, uint8_t family, const uint8_t *addr,
		    uint8_t *mac);
/* Ask the kernel to resolve addr on ifindex; 0 or -errno. */
int xs_nl_neigh_resolve(int fd, int ifindex, uint8_t family,
			const uint8_t *addr);

int xs_nh_monitor_open(struct xs_nh_monitor *m);
/* Wait up to timeout_ms; 1 if something changed (gen bumped), 0, -errno. */
int xs_nh_monitor_poll(struct xs_nh_monitor *m, int timeout_ms);
void xs_nh_monitor_close(struct xs_nh_monitor *m);

int xs_nh_cache_new(struct xs_nh_monitor *m, struct xs_nh_cache **out);
void xs_nh_cache_free(struct xs_nh_cache *c);
/* XS_OK and *nh, or XS_DROP_NO_ROUTE / XS_DROP_NO_NEIGHBOUR. */
enum xs_drop xs_nh_lookup(struct xs_nh_cache *c, uint8_t family,
			  const uint8_t *dst, struct xs_nh *nh);

#endif
