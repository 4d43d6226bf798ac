// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Settings of the internal veth pair (xsi-NAME, the local stack's end;
 * xsp-NAME, the worker's end), made once xdp-lan is on xsp-NAME (attaching
 * XDP to a veth turns GRO back on):
 *
 * - TSO, GSO and GRO off on both ends. tc-out redirects locally generated
 *   PROTECT traffic into xsi-NAME; the kernel segments a large TCP skb
 *   there only if xsi-NAME cannot offload it. The worker takes
 *   single-buffer frames of at most the MTU, so a 64 KB segment reaching
 *   xdp-lan on xsp-NAME would be lost. GRO off keeps the frames the
 *   worker delivers to the stack as they were.
 * - accept_local=1 and rp_filter=0 on xsi-NAME (IPv4; IPv6 has neither
 *   check): the worker delivers decrypted packets and ICMP errors whose
 *   source is an address of this host (transport mode between local
 *   addresses, "fragmentation needed" for local TCP), which the stack
 *   would otherwise drop as martians.
 * - MTU 3504 on xsi-NAME (the most veth allows beside XDP on its peer:
 *   a page less XDP's headroom, the Ethernet header and skb_shared_info),
 *   the size veth checks the worker's frames to the stack against: ESP
 *   the worker reassembled for a kernel-backend SA (worker/reasm.c) is
 *   delivered whole for XFRM, and may pass the WAN's MTU. The stack sends
 *   nothing bigger for it: tc-out's redirects are sized by the WAN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>

#include "loader/daemon.h"

static int ethtool(int sock, const char *dev, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	return ioctl(sock, SIOCETHTOOL, &ifr) < 0 ? -1 : 0;
}

/* Segmentation and GRO offloads, by their ethtool feature names. */
static bool offload(const char *name)
{
	size_t n = strlen(name);

	return (!strncmp(name, "tx-", 3) && n > 13 &&
		!strcmp(name + n - 13, "-segmentation")) ||
	       !strncmp(name, "rx-gro", 6) || !strcmp(name, "rx-udp-gro-forwarding");
}

/* The feature names of dev (ETH_SS_FEATURES); NULL on failure. */
static struct ethtool_gstrings *feature_names(int sock, const char *dev)
{
	uint64_t buf[3] = { 0 };	/* the header and one count */
	struct ethtool_sset_info *info = (void *)buf;
	struct ethtool_gstrings *g;

	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ull << ETH_SS_FEATURES;
	if (ethtool(sock, dev, info) || !info->sset_mask)
		return NULL;
	g = calloc(1, sizeof(*g) + (size_t)info->data[0] * ETH_GSTRING_LEN);
	if (!g)
		return NULL;
	g->cmd = ETHTOOL_GSTRINGS;
	g->string_set = ETH_SS_FEATURES;
	g->len = info->data[0];
	if (ethtool(sock, dev, g)) {
		free(g);
		return NULL;
	}
	return g;
}

/*
 * Every segmentation offload (TSO of all kinds, GSO, UDP GSO, ...) and GRO
 * off. A feature the kernel fixed (a veth whose peer has XDP cannot offload
 * segmentation at all) is left as it is.
 */
static int offloads_off(int sock, const char *dev, char *why)
{
	struct ethtool_gstrings *g = feature_names(sock, dev);
	struct ethtool_sfeatures *sf;
	uint32_t i, blocks;
	int ret;

	if (!g)
		return xs_why(why, "attach: cannot read the offload features of %s: %s",
			      dev, strerror(errno));
	blocks = (g->len + 31) / 32;
	sf = calloc(1, sizeof(*sf) + blocks * sizeof(sf->features[0]));
	if (!sf) {
		free(g);
		return xs_why(why, "attach: out of memory");
	}
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = blocks;
	for (i = 0; i < g->len; i++)
		if (offload((const char *)g->data + i * ETH_GSTRING_LEN))
			sf->features[i / 32].valid |= 1u << (i % 32);
	ret = ethtool(sock, dev, sf);
	free(sf);
	free(g);
	if (ret)
		return xs_why(why, "attach: cannot turn the offloads off on %s: %s",
			      dev, strerror(errno));
	return 0;
}

enum { STACK_END_MTU = 3504 };

static void stack_end_mtu(int sock, const char *dev)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_mtu = STACK_END_MTU;
	if (ioctl(sock, SIOCSIFMTU, &ifr) < 0)
		pr_warn("attach: MTU %d on %s: %s; reassembled ESP for kernel SAs stops at its MTU",
			STACK_END_MTU, dev, strerror(errno));
}

static int sysctl_set(const char *dev, const char *key, const char *val,
		      char *why)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", dev, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return xs_why(why, "attach: cannot set %s on %s: %s", key, dev,
			      strerror(errno));
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	if (!ok)
		return xs_why(why, "attach: cannot set %s on %s: %s", key, dev,
			      strerror(errno));
	return 0;
}

/* rp_filter acts as max(all, the interface's): all must be 0 too. */
static void rp_filter_all_check(void)
{
	char v = '0';
	int fd = open("/proc/sys/net/ipv4/conf/all/rp_filter", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (read(fd, &v, 1) == 1 && v != '0')
		pr_warn("net.ipv4.conf.all.rp_filter is %c: the stack may drop what the worker delivers with local source addresses; set it to 0",
			v);
	close(fd);
}

int xs_veth_tune(const char *stack_end, const char *worker_end, char *why)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	if (sock < 0)
		return xs_why(why, "attach: no socket for ethtool: %s", strerror(errno));
	ret = offloads_off(sock, stack_end, why);
	if (!ret)
		ret = offloads_off(sock, worker_end, why);
	if (!ret)
		stack_end_mtu(sock, stack_end);
	close(sock);
	if (!ret)
		ret = sysctl_set(stack_end, "accept_local", "1", why);
	if (!ret)
		ret = sysctl_set(stack_end, "rp_filter", "0", why);
	if (!ret)
		rp_filter_all_check();
	return ret;
}
