// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * NAT traversal (RFC 7296 2.23, RFC 3948): the NAT_DETECTION_SOURCE_IP /
 * _DESTINATION_IP hashes of IKE_SA_INIT, the move of IKE to port 4500 when
 * a NAT is found (or `encap` forces it: like strongSwan we then send a
 * source hash that cannot match, so the peer sees a NAT too), following a
 * NAT's mapping from authenticated messages, and keepalives while we are
 * behind a NAT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/crypto.h"
#include "ike/sa.h"

enum { NATT_PORT = 4500 };

int ike_nat_add_notifies(struct ike_buf *b, const struct ike_sa *sa)
{
	uint8_t src[IKEV2_NATD_HASH_BYTES], dst[IKEV2_NATD_HASH_BYTES];
	bool fake = sa->conn && sa->conn->encap;

	if ((fake ? xs_random(src, sizeof(src)) :
		    ike_natd_hash(sa->spi_i, sa->spi_r, &sa->local, src)) ||
	    ike_natd_hash(sa->spi_i, sa->spi_r, &sa->remote, dst))
		return -1;
	return ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0,
			      IKEV2_N_NAT_DETECTION_SOURCE_IP, src,
			      sizeof(src)) ||
	       ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0,
			      IKEV2_N_NAT_DETECTION_DESTINATION_IP, dst,
			      sizeof(dst));
}

/* true if one of the notifies of type carries the hash of a. */
static bool natd_matches(const struct ike_msg *m, uint16_t type,
			 const struct ike_addr *a)
{
	uint8_t want[IKEV2_NATD_HASH_BYTES];
	uint8_t i;

	if (ike_natd_hash(m->spi_i, m->spi_r, a, want))
		return false;
	for (i = 0; i < m->nnotify; i++)
		if (m->notify[i].type == type &&
		    m->notify[i].data.len == sizeof(want) &&
		    !memcmp(m->notify[i].data.ptr, want, sizeof(want)))
			return true;
	return false;
}

int ike_nat_fake_source(struct ike_buf *b)
{
	const struct ike_notify_pld *n;
	struct ike_msg m;
	struct ike_err err;

	if (ike_msg_parse(b->data, b->len, &m, &err))
		return -1;
	n = ike_msg_notify(&m, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	if (!n || n->data.len != IKEV2_NATD_HASH_BYTES)
		return -1;
	return xs_random(b->data + (n->data.ptr - b->data), n->data.len);
}

void ike_nat_detect(struct ike_sa *sa, const struct ike_msg *m)
{
	bool src = ike_msg_notify(m, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	bool dst = ike_msg_notify(m, IKEV2_N_NAT_DETECTION_DESTINATION_IP);

	if (!src || !dst)
		return;		/* the peer does not do NAT traversal */
	sa->nat_remote = !natd_matches(m, IKEV2_N_NAT_DETECTION_SOURCE_IP,
				       &sa->remote);
	sa->nat_local = !natd_matches(m, IKEV2_N_NAT_DETECTION_DESTINATION_IP,
				      &sa->local);
	sa->natt = sa->nat_local || sa->nat_remote ||
		   (sa->conn && sa->conn->encap);
	if (sa->nat_local || sa->nat_remote)
		ike_sa_log(sa, IKE_LOG_INFO, "NAT detected:%s%s",
			   sa->nat_local ? " we are behind one" : "",
			   sa->nat_remote ? " the peer is behind one" : "");
}

void ike_nat_float(struct ike_sa *sa)
{
	if (!sa->natt || sa->local.port != 500 || sa->remote.port != 500)
		return;
	sa->local.port = NATT_PORT;
	sa->remote.port = NATT_PORT;
}

void ike_nat_update(struct ike_sa *sa, const struct ike_addr *local,
		    const struct ike_addr *remote)
{
	if (local->port != sa->local.port) {
		/* the peer moved to port 4500 (it found a NAT, or forced) */
		sa->natt = true;
		sa->local = *local;
		sa->remote.port = remote->port;
	}
	if (sa->nat_remote && (remote->port != sa->remote.port ||
			       memcmp(remote->addr, sa->remote.addr,
				      sa->remote.len))) {
		ike_sa_log(sa, IKE_LOG_INFO, "peer's NAT mapping changed");
		sa->remote = *remote;
	}
}

void ike_nat_keepalive_tick(struct ike_sa *sa, uint64_t now)
{
	struct ike_ctx *ctx = sa->ctx;

	if (!sa->nat_local || !sa->natt || !ctx->ops.send_keepalive ||
	    sa->state != IKE_SA_ESTABLISHED)
		return;
	if (!sa->keepalive_ms) {
		sa->keepalive_ms = now + IKE_KEEPALIVE_MS;
		return;
	}
	if (now < sa->keepalive_ms)
		return;
	ctx->ops.send_keepalive(ctx->ops.user, &sa->local, &sa->remote);
	sa->keepalive_ms = now + IKE_KEEPALIVE_MS;
}

/* The source address the kernel would use towards remote (a route lookup
 * through an unbound UDP socket's connect(); nothing is sent). */
int ike_nat_source(const struct ike_addr *remote, struct ike_addr *local)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int fd, rc;

	if (remote->len == 4) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(remote->port);
		memcpy(&s4->sin_addr, remote->addr, 4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(remote->port);
		memcpy(&s6->sin6_addr, remote->addr, 16);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (struct sockaddr *)&ss, remote->len == 4 ?
		     sizeof(*s4) : sizeof(*s6)) ||
	     getsockname(fd, (struct sockaddr *)&ss, &len);
	close(fd);
	if (rc)
		return -1;
	local->len = remote->len;
	memcpy(local->addr, remote->len == 4 ? (void *)&s4->sin_addr
					     : (void *)&s6->sin6_addr,
	       remote->len);
	return 0;
}
