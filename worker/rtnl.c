// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * rtnetlink requests of the next-hop cache (nexthop.h): one request, one
 * answer, on a socket of the calling thread. Answers are parsed attribute
 * by attribute with lengths checked against the message.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <sys/socket.h>

#include "nexthop.h"

enum { NL_BUF = 8192, NL_REQ = 256 };

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct rtmsg rt;
		struct ndmsg nd;
		struct ifinfomsg ifi;
	};
	char attrs[NL_REQ];
};

int xs_nl_open(void)
{
	struct timeval tv = { .tv_sec = 1 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int one = 1;

	if (fd < 0)
		return -errno;
	/* errors come back with the request only, not the whole message */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void add_attr(struct nl_req *r, uint16_t type, const void *data,
		     uint16_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static uint8_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/*
 * Send r and receive its answer into buf: the answer's length, 0 for a
 * bare acknowledgement, or -errno (the kernel's error included).
 */
static int nl_call(int fd, struct nl_req *r, char *buf)
{
	static _Thread_local uint32_t seq;
	struct nlmsghdr *h;
	ssize_t n;

	r->nh.nlmsg_seq = ++seq;
	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, NL_BUF, 0);
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ?
				       -EBADMSG : e->error;
			}
			memmove(buf, h, h->nlmsg_len);
			return (int)h->nlmsg_len;
		}
	}
}

static void route_metrics(struct rtattr *m, struct xs_nl_route *r)
{
	int len = RTA_PAYLOAD(m);
	struct rtattr *a;

	for (a = RTA_DATA(m); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == RTAX_MTU && RTA_PAYLOAD(a) >= 4)
			memcpy(&r->mtu, RTA_DATA(a), 4);
}

static void route_attr(struct rtattr *a, uint8_t alen, struct xs_nl_route *r)
{
	if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= 4) {
		memcpy(&r->oif, RTA_DATA(a), 4);
	} else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) >= alen) {
		memcpy(r->gw, RTA_DATA(a), alen);
		r->has_gw = 1;
	} else if (a->rta_type == RTA_PREFSRC && RTA_PAYLOAD(a) >= alen) {
		memcpy(r->prefsrc, RTA_DATA(a), alen);
	} else if (a->rta_type == RTA_METRICS) {
		route_metrics(a, r);
	}
}

int xs_nl_route_get(int fd, uint8_t family, const uint8_t *dst,
		    uint32_t flags, struct xs_nl_route *r)
{
	struct nl_req q = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		.nh.nlmsg_type = RTM_GETROUTE,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.rt.rtm_family = family,
		.rt.rtm_dst_len = (uint8_t)(addr_len(family) * 8),
		.rt.rtm_flags = flags,
	};
	char buf[NL_BUF];
	struct rtmsg *rt;
	struct rtattr *a;
	int n, len;

	add_attr(&q, RTA_DST, dst, addr_len(family));
	n = nl_call(fd, &q, buf);
	if (n <= 0)
		return n ? n : -EBADMSG;
	rt = NLMSG_DATA((struct nlmsghdr *)buf);
	len = n - NLMSG_LENGTH(sizeof(*rt));
	if (len < 0)
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	r->type = rt->rtm_type;
	for (a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len))
		route_attr(a, addr_len(family), r);
	return 0;
}

int xs_nl_link_get(int fd, int ifindex, struct xs_nl_link *l)
{
	struct nl_req q = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_GETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_index = ifindex,
	};
	char buf[NL_BUF];
	struct ifinfomsg *ifi;
	struct rtattr *a;
	int n, len;

	n = nl_call(fd, &q, buf);
	if (n <= 0)
		return n ? n : -EBADMSG;
	ifi = NLMSG_DATA((struct nlmsghdr *)buf);
	len = n - NLMSG_LENGTH(sizeof(*ifi));
	if (len < 0)
		return -EBADMSG;
	memset(l, 0, sizeof(*l));
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_MTU && RTA_PAYLOAD(a) >= 4)
			memcpy(&l->mtu, RTA_DATA(a), 4);
		else if (a->rta_type == IFLA_LINK && RTA_PAYLOAD(a) >= 4)
			memcpy(&l->peer, RTA_DATA(a), 4);
		else if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6)
			memcpy(l->mac, RTA_DATA(a), 6);
	}
	return 0;
}

int xs_nl_neigh_get(int fd, int ifindex, uint8_t family, const uint8_t *addr,
		    uint8_t *mac)
{
	struct nl_req q = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
		.nh.nlmsg_type = RTM_GETNEIGH,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.nd.ndm_family = family,
		.nd.ndm_ifindex = ifindex,
	};
	char buf[NL_BUF];
	struct ndmsg *nd;
	struct rtattr *a;
	int n, len;

	add_attr(&q, NDA_DST, addr, addr_len(family));
	n = nl_call(fd, &q, buf);
	if (n == -ENOENT)
		return 0;
	if (n <= 0)
		return n ? n : -EBADMSG;
	nd = NLMSG_DATA((struct nlmsghdr *)buf);
	len = n - NLMSG_LENGTH(sizeof(*nd));
	if (len < 0)
		return -EBADMSG;
	for (a = RTM_RTA(nd); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			memcpy(mac, RTA_DATA(a), 6);
	return nd->ndm_state;
}

int xs_nl_neigh_resolve(int fd, int ifindex, uint8_t family,
			const uint8_t *addr)
{
	struct nl_req q = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
		.nh.nlmsg_type = RTM_NEWNEIGH,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE,
		.nd.ndm_family = family,
		.nd.ndm_ifindex = ifindex,
		.nd.ndm_state = NUD_NONE,
		.nd.ndm_flags = NTF_USE,
	};
	char buf[NL_BUF];

	add_attr(&q, NDA_DST, addr, addr_len(family));
	return nl_call(fd, &q, buf);
}
