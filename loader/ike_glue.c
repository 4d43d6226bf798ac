// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's IKE side: the IKE core (ike/ike.h) with the connections and
 * secrets of the loaded configuration, its UDP sockets on 500 and 4500
 * (IPv4 and IPv6; on 4500 the non-ESP marker is added and stripped here,
 * NAT keepalives ignored; xdp-wan passes both ports to the stack), its
 * clock (CLOCK_MONOTONIC milliseconds), acquires of trap policies and the
 * commands up, down and list-sas. Child SAs reach the dataplane through
 * ike_install.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/udp.h>

#include "loader/backend_kernel.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"

enum {
	IKE_PORT = 500,
	IKE_NATT_PORT = 4500,
	NON_ESP_MARKER_LEN = 4,		/* RFC 3948 2.2 */
	INPUT_BATCH = 64,		/* datagrams per readable event */
};

static uint8_t rx_buf[NON_ESP_MARKER_LEN + IKEV2_MSG_MAX_BYTES];

uint64_t xs_ike_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sock_index(bool v6, uint16_t port)
{
	return (v6 ? 2 : 0) + (port == IKE_NATT_PORT);
}

/* Local addresses of received datagrams; 4500 as an ESP-in-UDP socket. */
static int sock_opts(int fd, bool v6, uint16_t port)
{
	int on = 1, encap = UDP_ENCAP_ESPINUDP;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on))) ||
	    (!v6 && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on))))
		return -1;
	return port == IKE_NATT_PORT ?
	       setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap, sizeof(encap)) : 0;
}

/*
 * On 4500 the kernel hands us what carries the non-ESP marker (and
 * anything too short for ESP) and decapsulates ESP itself, so the kernel
 * backend's ESP-in-UDP SAs share the socket: if the backend opened 4500
 * first, we use its socket (a duplicate descriptor of the same socket).
 */
static int sock_open(struct xs_daemon *d, bool v6, uint16_t port, char *why)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int on = 1, err;

	if (fd < 0)
		return xs_why(why, "IKE: socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if ((!v6 || !setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on))) &&
	    !sock_opts(fd, v6, port) &&
	    !bind(fd, v6 ? (struct sockaddr *)&s6 : (struct sockaddr *)&s4,
		  v6 ? sizeof(s6) : sizeof(s4)))
		return fd;
	err = errno;
	close(fd);
	fd = err == EADDRINUSE && port == IKE_NATT_PORT ?
	     xs_kernel_encap_dup(d, v6 ? AF_INET6 : AF_INET, port) : -1;
	if (fd >= 0 && !sock_opts(fd, v6, port))
		return fd;
	if (fd >= 0)
		close(fd);
	return xs_why(why, "IKE: cannot bind UDP %s port %u: %s", v6 ? "IPv6" : "IPv4",
		      port, strerror(err));
}

static void socks_close(struct xs_ike *ike)
{
	int i;

	for (i = 0; i < XS_IKE_SOCKS; i++) {
		if (ike->fds[i] >= 0)
			close(ike->fds[i]);
		ike->fds[i] = -1;
	}
}

/* IPv4 is required; IPv6 only where the namespace has it. */
static int socks_open(struct xs_daemon *d, char *why)
{
	struct xs_ike *ike = d->ike;
	static const uint16_t ports[2] = { IKE_PORT, IKE_NATT_PORT };
	char ignored[XS_WHY_MAX];
	int v6, p;

	for (v6 = 0; v6 < 2; v6++)
		for (p = 0; p < 2; p++) {
			int *fd = &ike->fds[sock_index(v6, ports[p])];

			if (*fd >= 0)
				continue;
			*fd = sock_open(d, v6, ports[p], v6 ? ignored : why);
			if (*fd < 0 && !v6) {
				socks_close(ike);
				return -1;
			}
			if (*fd < 0)
				pr_warn("%s: no IPv6 IKE", ignored);
		}
	return 0;
}

int xs_ike_encap_dup(const struct xs_daemon *d, int family, uint16_t port)
{
	int fd;

	if (!d->ike || port != IKE_NATT_PORT)
		return -1;
	fd = d->ike->fds[sock_index(family == AF_INET6, port)];
	return fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
}

int xs_ike_pollfds(const struct xs_daemon *d, int *fds)
{
	int i;

	for (i = 0; i < XS_IKE_SOCKS; i++)
		fds[i] = d->ike && d->ike->ctx ? d->ike->fds[i] : -1;
	return XS_IKE_SOCKS;
}

/* ---- datagrams ---------------------------------------------------------- */

static void addr_of(const struct sockaddr_storage *ss, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		a->len = 16;
		memcpy(a->addr, &s6->sin6_addr, 16);
		a->port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		a->len = 4;
		memcpy(a->addr, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
	}
}

/* The local address a datagram came to, from IP(V6)_PKTINFO. */
static void local_of(struct msghdr *mh, struct ike_addr *a)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			const struct in_pktinfo *pi = (const void *)CMSG_DATA(c);

			a->len = 4;
			memcpy(a->addr, &pi->ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			const struct in6_pktinfo *pi = (const void *)CMSG_DATA(c);

			a->len = 16;
			memcpy(a->addr, &pi->ipi6_addr, 16);
		}
	}
}

static int fd_slot(const struct xs_ike *ike, int fd)
{
	int i;

	for (i = 0; i < XS_IKE_SOCKS; i++)
		if (ike->fds[i] == fd)
			return i;
	return -1;
}

/* One datagram; false when none is left. */
static bool input_one(struct xs_daemon *d, int fd, int slot)
{
	char ctl[256];
	struct sockaddr_storage from;
	struct iovec iov = { rx_buf, sizeof(rx_buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct ike_addr local = { 0 }, remote;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	const uint8_t *msg = rx_buf;
	bool natt = slot & 1;

	if (n < 0)
		return errno == EINTR;
	addr_of(&from, &remote);
	local_of(&mh, &local);
	local.port = natt ? IKE_NATT_PORT : IKE_PORT;
	if (natt) {
		/* keepalives (0xff) and anything without the marker */
		if (n < NON_ESP_MARKER_LEN || memcmp(rx_buf, "\0\0\0\0", 4))
			return true;
		msg += NON_ESP_MARKER_LEN;
		n -= NON_ESP_MARKER_LEN;
	}
	if (local.len)
		ike_input(d->ike->ctx, &local, &remote, msg, n, xs_ike_now_ms());
	return true;
}

void xs_ike_input(struct xs_daemon *d, int fd)
{
	int slot = d->ike ? fd_slot(d->ike, fd) : -1, i;

	for (i = 0; slot >= 0 && d->ike->ctx && i < INPUT_BATCH; i++)
		if (!input_one(d, fd, slot))
			break;
}

static void pktinfo(struct msghdr *mh, char *ctl, size_t len,
		    const struct ike_addr *local)
{
	struct cmsghdr *c;

	mh->msg_control = ctl;
	mh->msg_controllen = local->len == 16 ? CMSG_SPACE(sizeof(struct in6_pktinfo)) :
			     CMSG_SPACE(sizeof(struct in_pktinfo));
	memset(ctl, 0, len);
	c = CMSG_FIRSTHDR(mh);
	if (local->len == 16) {
		struct in6_pktinfo pi = { 0 };

		memcpy(&pi.ipi6_addr, local->addr, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in_pktinfo pi = { 0 };

		memcpy(&pi.ipi_spec_dst, local->addr, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

/* From the 4500 socket if natt or local->port is 4500, with the marker
 * if marker. */
static int send_raw(struct xs_daemon *d, const struct ike_addr *local,
		    const struct ike_addr *remote, const uint8_t *msg,
		    size_t len, bool marked)
{
	bool v6 = remote->len == 16, natt = !marked || local->port == IKE_NATT_PORT;
	int fd = d->ike->fds[sock_index(v6, natt ? IKE_NATT_PORT : IKE_PORT)];
	static const uint8_t marker[NON_ESP_MARKER_LEN];
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(remote->port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(remote->port) };
	struct iovec iov[2] = { { (void *)marker, sizeof(marker) },
				{ (void *)msg, len } };
	bool mark = marked && natt;
	struct msghdr mh = { .msg_iov = mark ? iov : iov + 1, .msg_iovlen = mark ? 2 : 1 };
	char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))];

	if (fd < 0)
		return -EAFNOSUPPORT;
	memcpy(&s6.sin6_addr, remote->addr, 16);
	memcpy(&s4.sin_addr, remote->addr, 4);
	mh.msg_name = v6 ? (void *)&s6 : (void *)&s4;
	mh.msg_namelen = v6 ? sizeof(s6) : sizeof(s4);
	if (local->len == remote->len)
		pktinfo(&mh, ctl, sizeof(ctl), local);
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

static int ike_send(void *user, const struct ike_addr *local,
		    const struct ike_addr *remote, const uint8_t *msg,
		    size_t len)
{
	return send_raw(user, local, remote, msg, len, true);
}

/* RFC 3948 2.3: one 0xff byte from port 4500, no marker. */
static int ike_keepalive(void *user, const struct ike_addr *local,
			 const struct ike_addr *remote)
{
	static const uint8_t ka = 0xff;

	return send_raw(user, local, remote, &ka, sizeof(ka), false);
}

static void ike_log_line(void *user, int level, const char *conn,
			 const char *msg)
{
	if (level <= IKE_LOG_ERR)
		pr_warn("IKE %s: %s", conn ? conn : "-", msg);
	else if (level <= IKE_LOG_INFO || getenv("XDPSEC_DEBUG"))
		pr_info("IKE %s: %s", conn ? conn : "-", msg);
}

/* ---- configuration and lifetime of the core ------------------------------ */

static struct xs_ike *ike_new(struct xs_daemon *d)
{
	struct xs_ike *ike = calloc(1, sizeof(*ike));
	int i;

	if (!ike)
		return NULL;
	for (i = 0; i < XS_IKE_SOCKS; i++)
		ike->fds[i] = -1;
	ike->ops = (struct ike_ops){ .user = d, .send = ike_send,
				     .spi_alloc = xs_ike_spi_alloc,
				     .child_install = xs_ike_child_install,
				     .child_delete = xs_ike_child_delete,
				     .log = ike_log_line,
				     .send_keepalive = ike_keepalive };
	return ike;
}

/* Deletes every IKE SA (DELETEs to the peers) and the core with them. */
static void core_stop(struct xs_ike *ike)
{
	if (ike->ctx)
		ike_ctx_free(ike->ctx, xs_ike_now_ms());
	ike->ctx = NULL;
}

static int core_start(struct xs_daemon *d, char *why)
{
	struct xs_ike *ike = d->ike;

	if (socks_open(d, why))
		return -1;
	ike->ctx = ike_ctx_new(&ike->ops);
	if (!ike->ctx)
		return xs_why(why, "IKE: out of memory");
	return 0;
}

/* The ops of a core that only checks a configuration: no I/O at all. */
static int check_send(void *user, const struct ike_addr *local,
		      const struct ike_addr *remote, const uint8_t *msg,
		      size_t len)
{
	return -ENOTCONN;
}

static int check_spi(void *user, uint8_t proto, uint32_t *spi)
{
	return -1;
}

static int check_install(void *user, const struct ike_child_install *c,
			 char *why)
{
	return xs_why(why, "configuration check only");
}

static void check_delete(void *user, uint8_t proto, uint32_t spi_in,
			 uint32_t spi_out)
{
}

/* A core of its own, without I/O, loads the configuration once. */
int xs_ike_check(const struct xs_ike_conf *ic, const char *file, char *why)
{
	static const struct ike_ops ops = { .send = check_send,
					    .spi_alloc = check_spi,
					    .child_install = check_install,
					    .child_delete = check_delete };
	struct ike_err err = { 0 };
	struct ike_ctx *ctx;
	int ret;

	if (!ic->nconns)
		return 0;
	ctx = ike_ctx_new(&ops);
	if (!ctx)
		return xs_why(why, "out of memory");
	ret = ike_load(ctx, ic->conns, ic->nconns, ic->secrets, ic->nsecrets, &err);
	ike_ctx_free(ctx, xs_ike_now_ms());
	return ret ? xs_why(why, "%s: %s", file, err.reason) : 0;
}

int xs_ike_configure(struct xs_daemon *d, struct xs_ike_conf *ic, char *why)
{
	struct xs_ike *ike = d->ike;
	struct ike_err err = { 0 };

	if (!ike && !ic->nconns)
		return 0;
	if (!ike && !(ike = d->ike = ike_new(d)))
		return xs_why(why, "out of memory");
	xs_ike_config_policies_drop(d);
	if (!ic->nconns) {
		core_stop(ike);		/* its Child SAs leave the maps */
		socks_close(ike);
	} else if (!ike->ctx && core_start(d, why)) {
		return -1;
	}
	if (ike->ctx && ike_load(ike->ctx, ic->conns, ic->nconns, ic->secrets,
				 ic->nsecrets, &err))
		return xs_why(why, "IKE: %s", err.reason);
	xs_ike_conf_free(&ike->conf);
	ike->conf = *ic;
	memset(ic, 0, sizeof(*ic));
	return ike->ctx ? xs_ike_policies_install(d, why) : 0;
}

void xs_ike_close(struct xs_daemon *d)
{
	struct xs_ike *ike = d->ike;

	if (!ike)
		return;
	core_stop(ike);
	xs_ike_forget(d);
	socks_close(ike);
	xs_ike_conf_free(&ike->conf);
	free(ike->children);
	free(ike->retired);
	free(ike->pols);
	free(ike);
	d->ike = NULL;
}

int xs_ike_tick(struct xs_daemon *d, int max_ms)
{
	uint64_t now = xs_ike_now_ms(), next;

	if (!d->ike || !d->ike->ctx)
		return max_ms;
	xs_ike_lifetimes(d, now);
	next = ike_tick(d->ike->ctx, now);
	if (!next || next >= now + (uint64_t)max_ms)
		return max_ms;
	return next > now ? (int)(next - now) : 0;
}

void xs_ike_acquire(struct xs_daemon *d, uint32_t pol)
{
	struct xs_ike *ike = d->ike;
	size_t i;

	if (!ike || !ike->ctx || pol >= d->npols)
		return;
	for (i = 0; i < ike->npols; i++)
		if (ike->pols[i].trap && ike->pols[i].reqid == d->pols[pol].reqid) {
			ike_acquire(ike->ctx, d->pols[pol].reqid, xs_ike_now_ms());
			return;
		}
}

static int no_conns(const char *conn, char *why)
{
	return xs_why(why, "unknown connection '%s' (no connections loaded)", conn);
}

int xs_ike_up(struct xs_daemon *d, const char *conn, const char *child,
	      char *why)
{
	struct ike_err err = { 0 };

	if (!d->ike || !d->ike->ctx)
		return no_conns(conn, why);
	if (ike_initiate(d->ike->ctx, conn, child, xs_ike_now_ms(), &err))
		return xs_why(why, "%s", err.reason);
	return 0;
}

int xs_ike_down(struct xs_daemon *d, const char *conn, char *why)
{
	struct ike_err err = { 0 };

	if (!d->ike || !d->ike->ctx)
		return no_conns(conn, why);
	if (ike_terminate(d->ike->ctx, conn, xs_ike_now_ms(), &err))
		return xs_why(why, "%s", err.reason);
	return 0;
}
