// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The AF_XDP sockets of a thread: one per interface on the thread's queue,
 * all on the worker's UMEM (XDP_SHARED_UMEM, a fill and completion ring
 * each), registered in xs_xsks at the interface's xsk_base + queue.
 *
 * The bind asks for no mode: the kernel takes zero-copy where the driver
 * has it and falls back to copy mode (veth). Copy-mode TX moves frames
 * only inside sendto(), at most 32 per call unless the kernel (6.17+)
 * takes a larger XDP_MAX_TX_SKB_BUDGET, which the socket asks for: fewer
 * system calls per batch. A flush kicks until the kernel has taken every
 * queued descriptor, reaping completions between kicks (a full completion
 * ring makes sendto() fail with EAGAIN).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <sys/socket.h>

#include "wk.h"

/* uapi <linux/if_xdp.h> since Linux 6.17; Debian 12's headers lack it. */
enum { XS_XDP_MAX_TX_SKB_BUDGET = 9 };

static _Thread_local char why_buf[160];

static const char *why_sock(const struct xs_worker_if *wif, int q,
			    const char *what)
{
	snprintf(why_buf, sizeof(why_buf), "%s queue %d: %s", wif->name, q, what);
	return why_buf;
}

/* Own MAC, and for the internal veth the MAC of its stack-side peer. */
static int sock_macs(struct xs_wsock *s, const struct xs_worker_if *wif)
{
	struct xs_nl_link l, peer;
	int fd = xs_nl_open(), ret;

	if (fd < 0)
		return fd;
	ret = xs_nl_link_get(fd, wif->ifindex, &l);
	if (!ret) {
		memcpy(s->mac, l.mac, 6);
		memcpy(s->peer_mac, l.mac, 6);
	}
	if (!ret && wif->role == XS_IF_INTERNAL && l.peer &&
	    !xs_nl_link_get(fd, l.peer, &peer))
		memcpy(s->peer_mac, peer.mac, 6);
	close(fd);
	return ret;
}

static int sock_create(struct xs_worker *w, struct xs_wsock *s,
		       const struct xs_worker_if *wif, int q)
{
	struct xsk_socket_config cfg = {
		.rx_size = XS_WK_RING,
		.tx_size = XS_WK_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = 0,
	};
	int ret = xsk_socket__create_shared(&s->xsk, wif->name, (uint32_t)q,
					    w->umem.umem, &s->rx, &s->tx,
					    &s->fill, &s->comp, &cfg);

	return ret < 0 ? ret : -ret;
}

/* Older kernels refuse the option (ENOPROTOOPT): they keep 32 a call. */
static void tx_budget(struct xs_wsock *s)
{
	unsigned int budget = XS_WK_RING / 2;

	setsockopt(s->fd, SOL_XDP, XS_XDP_MAX_TX_SKB_BUDGET, &budget,
		   sizeof(budget));
}

int xs_wsock_open(struct xs_worker *w, struct xs_wthread *t, int i,
		  const char **why)
{
	const struct xs_worker_if *wif = &w->cfg.ifs[i];
	struct xs_wsock *s = &t->socks[i];
	uint32_t slot = wif->xsk_base + (uint32_t)t->queue;
	int ret;

	memset(s, 0, sizeof(*s));
	s->slot = UINT32_MAX;
	s->fd = -1;
	s->ifindex = wif->ifindex;
	s->role = wif->role;
	ret = sock_macs(s, wif);
	if (ret) {
		*why = why_sock(wif, t->queue, "cannot read the link (RTM_GETLINK)");
		return ret;
	}
	ret = sock_create(w, s, wif, t->queue);
	if (ret) {
		*why = why_sock(wif, t->queue, "AF_XDP socket creation/bind refused");
		return ret;
	}
	s->fd = xsk_socket__fd(s->xsk);
	tx_budget(s);
	if (bpf_map_update_elem(w->cfg.xsks_map_fd, &slot, &s->fd, BPF_ANY)) {
		ret = -errno;
		*why = why_sock(wif, t->queue, "cannot put the socket in xs_xsks");
		return ret;
	}
	s->slot = slot;
	xs_wsock_refill(t, s);
	return 0;
}

void xs_wsock_close(struct xs_worker *w, struct xs_wsock *s)
{
	if (s->slot != UINT32_MAX)
		bpf_map_delete_elem(w->cfg.xsks_map_fd, &s->slot);
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->slot = UINT32_MAX;
}

/*
 * Top the fill ring up to full while the thread keeps its reserve of
 * frames: after a pause of the thread the kernel may have taken most of
 * it, and each frame missing there is a packet dropped on the next burst.
 */
void xs_wsock_refill(struct xs_wthread *t, struct xs_wsock *s)
{
	struct xs_frames *f = &t->frames;
	uint32_t n, i, idx;

	if (f->n <= f->reserve)
		return;
	n = xsk_prod_nb_free(&s->fill, XS_WK_RING);
	if (n > f->n - f->reserve)
		n = f->n - f->reserve;
	if (!n || xsk_ring_prod__reserve(&s->fill, n, &idx) != n)
		return;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&s->fill, idx + i) = xs_frame_get(f);
	xsk_ring_prod__submit(&s->fill, n);
}

void xs_wsock_complete(struct xs_wthread *t, struct xs_wsock *s)
{
	uint32_t n, i, idx;

	n = xsk_ring_cons__peek(&s->comp, XS_WK_RING, &idx);
	for (i = 0; i < n; i++)
		xs_frame_put(&t->frames,
			     *xsk_ring_cons__comp_addr(&s->comp, idx + i));
	if (n)
		xsk_ring_cons__release(&s->comp, n);
}

bool xs_wsock_tx(struct xs_wthread *t, struct xs_wsock *s, uint64_t addr,
		 uint32_t len)
{
	struct xdp_desc *d;
	uint32_t idx;

	if (xsk_ring_prod__reserve(&s->tx, 1, &idx) != 1) {
		xs_wsock_flush(t, s);
		if (xsk_ring_prod__reserve(&s->tx, 1, &idx) != 1) {
			xs_wk_drop(t, xs_frame_base(addr), XS_DROP_TX_FULL);
			return false;
		}
	}
	d = xsk_ring_prod__tx_desc(&s->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	xsk_ring_prod__submit(&s->tx, 1);
	s->tx_queued++;
	t->st.tx++;
	return true;
}

void xs_wsock_kstats(const struct xs_wsock *s, struct xs_worker_stats *st)
{
	struct xdp_statistics x;
	socklen_t len = sizeof(x);

	if (s->fd < 0 || getsockopt(s->fd, SOL_XDP, XDP_STATISTICS, &x, &len))
		return;
	st->xsk_rx_dropped += x.rx_dropped;
	st->xsk_rx_ring_full += x.rx_ring_full;
}

static bool tx_pending(const struct xs_wsock *s)
{
	return __atomic_load_n(s->tx.consumer, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(s->tx.producer, __ATOMIC_RELAXED);
}

void xs_wsock_flush(struct xs_wthread *t, struct xs_wsock *s)
{
	int kicks;

	if (!s->tx_queued)
		return;
	for (kicks = 0; kicks < XS_WK_KICKS_MAX && tx_pending(s); kicks++) {
		if (sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS &&
		    errno != EINTR)
			break;
		xs_wsock_complete(t, s);
	}
	s->tx_queued = 0;
}
