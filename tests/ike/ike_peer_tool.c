// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_peer_tool: the IKE core (ike/ike.h) on real UDP sockets, for the
 * interop tests against strongSwan (tests/test_ike_core_charon.py):
 *
 *   ike_peer_tool ADDR TIMEOUT_MS [initiate] [down] SETTING...
 *
 * binds ADDR (IPv4) UDP 500 and 4500 (non-ESP marker added and stripped
 * on 4500, ESP-in-UDP and keepalives ignored), loads one connection
 * "peer" from the SETTINGs (tests/ike/ike_tool_conf.h), initiates it if
 * asked, and prints one JSON line per installed or deleted Child SA
 * (SPIs, algorithms, selectors; no keys), then the IKE SAs and counters.
 * It stops 3 s after the first Child SA is installed, or with `down`
 * deletes the IKE SA then and stops 1 s after it is gone; or after
 * TIMEOUT_MS.
 * Exit status 0 if a Child SA was installed.
 */
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/crypto.h"
#include "ike/ike.h"
#include "tests/ike/ike_tool_conf.h"
#include "tests/ike/ike_tool_io.h"

enum { NATT_PORT = 4500 };

static int fds[2];		/* 500, 4500 */
static int installed, deleted;
static struct ike_ctx *ctx;
static uint8_t pkt[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];

static int on_send(void *user, const struct ike_addr *local,
		   const struct ike_addr *remote, const uint8_t *msg,
		   size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(remote->port) };
	bool natt = local->port == NATT_PORT;
	uint8_t out[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];
	size_t m = natt ? TOOL_MARKER_BYTES : 0;

	memcpy(&to.sin_addr, remote->addr, 4);
	memset(out, 0, m);
	memcpy(out + m, msg, len);
	return sendto(fds[natt], out, len + m, 0, (struct sockaddr *)&to,
		      sizeof(to)) < 0 ? -1 : 0;
}

static int on_spi(void *user, uint8_t proto, uint32_t *spi)
{
	do {
		if (xs_random(spi, sizeof(*spi)))
			return -1;
	} while (*spi < 256);
	return 0;
}

static int on_install(void *user, const struct ike_child_install *c,
		      char *why)
{
	tool_print_install("us", c, false);
	installed++;
	return 0;
}

static void on_delete(void *user, uint8_t proto, uint32_t spi_in,
		      uint32_t spi_out)
{
	printf("{\"event\": \"delete\", \"spi_in\": %u, \"spi_out\": %u}\n",
	       spi_in, spi_out);
	fflush(stdout);
	deleted++;
}

static void on_log(void *user, int level, const char *conn, const char *msg)
{
	fprintf(stderr, "[%d] %s: %s\n", level, conn ? conn : "-", msg);
}

static int print_sa(void *arg, const struct ike_sa_info *si)
{
	printf("{\"event\": \"sa\", \"state\": \"%s\", \"spi_i\": "
	       "\"%016llx\", \"spi_r\": \"%016llx\", \"children\": %u, "
	       "\"proposal\": \"%s\", \"remote_id\": \"%s\"}\n", si->state,
	       (unsigned long long)si->spi_i, (unsigned long long)si->spi_r,
	       si->nchildren, si->proposal, si->remote_id);
	(*(int *)arg)++;
	return 0;
}

/* One datagram on socket i (0: port 500, 1: 4500). */
static void receive(int i, const struct ike_addr *me)
{
	struct sockaddr_in from;
	struct ike_addr local = *me, remote;
	size_t len;
	uint8_t *m = tool_recv_ike(fds[i], pkt, sizeof(pkt),
				   i ? TOOL_MARKER_BYTES : 0, &from, &len);

	if (!m)
		return;		/* keepalive, runt, ESP in UDP */
	tool_to_addr(&from, &remote);
	local.port = i ? NATT_PORT : 500;
	ike_input(ctx, &local, &remote, m, len, tool_now_ms());
}

static void serve(const struct ike_addr *me, uint64_t end, bool down)
{
	struct pollfd pfd[2] = { { .fd = fds[0], .events = POLLIN },
				 { .fd = fds[1], .events = POLLIN } };
	uint64_t stop = 0, t, next;
	bool terminated = false;
	struct ike_err err;

	while ((t = tool_now_ms()) < end && (!stop || t < stop)) {
		next = ike_tick(ctx, t);
		next = next < end ? next : end;
		if (poll(pfd, 2, (int)(next > t ? next - t : 0)) > 0)
			for (int i = 0; i < 2; i++)
				if (pfd[i].revents & POLLIN)
					receive(i, me);
		if (installed && down && !terminated) {
			ike_terminate(ctx, "peer", tool_now_ms(), &err);
			terminated = true;
		}
		if (!stop && installed && (!down || deleted))
			stop = tool_now_ms() + (down ? 1000 : 3000);
	}
}

int main(int argc, char **argv)
{
	struct ike_ops ops = { .send = on_send, .spi_alloc = on_spi,
			       .child_install = on_install,
			       .child_delete = on_delete, .log = on_log };
	static struct ike_conn_cfg conn;
	static struct ike_secret_cfg sec;
	bool initiate = false, down = false;
	struct ike_addr me;
	struct in_addr me_in;
	struct ike_err err;
	uint64_t end;
	int i = 3;

	if (argc < 3 || tool_addr(argv[1], &me) || me.len != 4) {
		fprintf(stderr, "usage: %s ADDR TIMEOUT_MS [initiate] [down] "
			"SETTING...\n", argv[0]);
		return 2;
	}
	end = tool_now_ms() + strtoull(argv[2], NULL, 10);
	for (; i < argc && strchr(argv[i], '=') == NULL; i++) {
		initiate |= !strcmp(argv[i], "initiate");
		down |= !strcmp(argv[i], "down");
	}
	if (tool_conn(&conn, &sec, "peer", argv + i, argc - i))
		return 2;
	conn.local = me;
	memcpy(&me_in, me.addr, 4);
	fds[0] = tool_udp_socket(me_in, 500, 0);
	fds[1] = tool_udp_socket(me_in, NATT_PORT, 0);
	ctx = ike_ctx_new(&ops);
	if (!ctx || ike_load(ctx, &conn, 1, &sec, 1, &err) ||
	    (initiate && ike_initiate(ctx, "peer", NULL, tool_now_ms(), &err))) {
		fprintf(stderr, "setup: %s\n", ctx ? err.reason : "no memory");
		return 2;
	}
	serve(&me, end, down);
	ike_foreach_sa(ctx, print_sa, &i);
	ike_ctx_free(ctx, tool_now_ms());
	xs_wipe(&sec, sizeof(sec));
	return installed ? 0 : 1;
}
