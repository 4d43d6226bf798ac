// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_load_tool: IKE SA setups per second against a responder, for
 * tests/bench_ike/bench_ike.py (`make bench-ike`). The IKE core (ike/ike.h)
 * is the initiator, on real UDP sockets (500, and 4500 with the non-ESP
 * marker), with a fake dataplane: like strongSwan's load-tester plugin with
 * delete_after_established, which Debian's strongSwan does not ship.
 *
 *   ike_load_tool LOCAL REMOTE IKE_PROPOSAL ESP_PROPOSAL PSK TOTAL WINDOW
 *                 TIMEOUT_S keep|delete
 *
 * Connections with their own identities (cN.load.example) and /32
 * selectors of 10.100.0.0/16 against 10.2.0.0/24; WINDOW IKE SAs are under
 * way at any time. An IKE SA counts as set up when its Child SA is
 * installed (IKE_SA_INIT and IKE_AUTH done). keep: TOTAL connections, one
 * IKE SA each, all kept (deleted after the measurement); delete: 2 x WINDOW
 * connections take turns and each IKE SA is deleted (INFORMATIONAL) once
 * set up, as load-tester's delete_after_established does. Prints one JSON
 * line: total, established, failed, seconds (first request to last setup),
 * rate, retransmits.
 * IKE_LOAD_LOG=1 prints the core's errors and each install on stderr/stdout.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/ike/ike_tool_conf.h"
#include "tests/ike/ike_tool_io.h"

enum { MAX_CONNS = 2048, SCAN_MS = 500, RCVBUF_BYTES = 4 << 20 };

static struct ike_ctx *ctx;
static struct ike_addr local_addr;
static int fds[2];			/* UDP 500, 4500 */
static struct ike_conn_cfg conns[MAX_CONNS];
static bool busy[MAX_CONNS], has_sa[MAX_CONNS], childless[MAX_CONNS];
static bool to_delete[MAX_CONNS];
static unsigned int nconns, inflight, started, established, failed;
static bool delete_after;
static uint64_t first_ms, last_ms;
static uint32_t next_spi = 0x10000000;
static uint8_t pkt[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];

static void to_sin(const struct ike_addr *a, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, a->addr, 4);
	sin->sin_port = htons(a->port);
}

static int on_send(void *user, const struct ike_addr *local,
		   const struct ike_addr *remote, const uint8_t *msg,
		   size_t len)
{
	uint8_t out[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];
	size_t marker = local->port == 4500 ? TOOL_MARKER_BYTES : 0;
	struct sockaddr_in to;

	to_sin(remote, &to);
	memset(out, 0, marker);
	memcpy(out + marker, msg, len);
	if (fds[marker != 0] < 0)
		return -1;
	return sendto(fds[marker != 0], out, len + marker, 0,
		      (struct sockaddr *)&to, sizeof(to)) < 0 ? -1 : 0;
}

static int on_spi(void *user, uint8_t proto, uint32_t *spi)
{
	*spi = next_spi++;
	return 0;
}

/* A Child SA installed: its IKE SA is set up; delete it after this call. */
static int on_install(void *user, const struct ike_child_install *c,
		      char *why)
{
	unsigned int k = (unsigned int)atoi(c->conn + 1);

	if (getenv("IKE_LOAD_LOG"))
		tool_print_install("load", c, false);
	if (k < nconns && busy[k]) {
		busy[k] = false;
		to_delete[k] = delete_after;
		inflight--;
		established++;
		last_ms = tool_now_ms();
	}
	return 0;
}

static void on_delete(void *user, uint8_t proto, uint32_t spi_in,
		      uint32_t spi_out)
{
}

static void on_log(void *user, int level, const char *conn, const char *msg)
{
	if (level <= IKE_LOG_ERR && getenv("IKE_LOAD_LOG"))
		fprintf(stderr, "%s: %s\n", conn ? conn : "-", msg);
}

/* Connection k: its own identity and selector, the shared key. */
static int make_conn(unsigned int k, char **argv, struct ike_secret_cfg *sec)
{
	char ike[128], esp[128], psk[IKE_PSK_MAX + 8], lid[64], lts[64];
	char local[64], remote[64];
	char *kv[] = { ike, esp, psk, lid, "rid=any", lts, "rts=10.2.0.0/24",
		       local, remote };

	snprintf(ike, sizeof(ike), "ike=%s", argv[3]);
	snprintf(esp, sizeof(esp), "esp=%s", argv[4]);
	snprintf(psk, sizeof(psk), "psk=%s", argv[5]);
	snprintf(lid, sizeof(lid), "lid=fqdn:c%u.load.example", k);
	snprintf(lts, sizeof(lts), "lts=10.100.%u.%u/32", k / 250, k % 250 + 1);
	snprintf(local, sizeof(local), "local=%s", argv[1]);
	snprintf(remote, sizeof(remote), "remote=%s", argv[2]);
	if (tool_conn(&conns[k], sec, "", kv, sizeof(kv) / sizeof(kv[0])))
		return -1;
	snprintf(conns[k].name, IKE_NAME_MAX, "c%u", k);
	conns[k].remote.port = 500;
	return 0;
}

static int setup(char **argv)
{
	static const struct ike_ops ops = {
		.send = on_send, .spi_alloc = on_spi,
		.child_install = on_install, .child_delete = on_delete,
		.log = on_log,
	};
	static struct ike_secret_cfg sec;
	struct ike_err err;
	struct in_addr addr;
	unsigned int k;

	if (tool_addr(argv[1], &local_addr) || local_addr.len != 4)
		return -1;
	for (k = 0; k < nconns; k++)
		if (make_conn(k, argv, &sec))
			return -1;
	ctx = ike_ctx_new(&ops);
	if (!ctx || ike_load(ctx, conns, nconns, &sec, 1, &err)) {
		fprintf(stderr, "load: %s\n", ctx ? err.reason : "no memory");
		return -1;
	}
	memcpy(&addr, local_addr.addr, 4);
	fds[0] = tool_udp_socket(addr, 500, RCVBUF_BYTES);
	fds[1] = tool_udp_socket(addr, 4500, RCVBUF_BYTES);
	return 0;
}

static void receive(int i, uint64_t now)
{
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	struct ike_addr local = local_addr, remote = { .len = 4 };
	size_t marker = i ? TOOL_MARKER_BYTES : 0;
	ssize_t n = recvfrom(fds[i], pkt, sizeof(pkt), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);

	if (n <= (ssize_t)marker || (marker && memcmp(pkt, "\0\0\0\0", 4)))
		return;
	local.port = i ? 4500 : 500;
	memcpy(remote.addr, &from.sin_addr, 4);
	remote.port = ntohs(from.sin_port);
	ike_input(ctx, &local, &remote, pkt + marker, (size_t)n - marker, now);
}

static int mark_sa(void *arg, const struct ike_sa_info *sa)
{
	unsigned int k = (unsigned int)atoi(sa->conn + 1);

	if (k >= nconns)
		return 0;
	has_sa[k] = true;
	childless[k] |= !strcmp(sa->state, "ESTABLISHED") && !sa->nchildren;
	return 0;
}

/* A connection still busy without an IKE SA, or with one that is up but
 * whose Child SA was refused, has failed (the latter is deleted). */
static void scan_failures(void)
{
	unsigned int k;

	memset(has_sa, 0, sizeof(has_sa));
	memset(childless, 0, sizeof(childless));
	ike_foreach_sa(ctx, mark_sa, NULL);
	for (k = 0; k < nconns; k++)
		if (busy[k] && (!has_sa[k] || childless[k])) {
			busy[k] = false;
			to_delete[k] = childless[k];
			inflight--;
			failed++;
		}
}

/* Start setups up to the window, delete what got set up. */
static void drive(unsigned int total, unsigned int window, uint64_t now)
{
	struct ike_err err;
	unsigned int k;

	for (k = 0; k < nconns; k++)
		if (to_delete[k]) {
			to_delete[k] = false;
			ike_terminate(ctx, conns[k].name, now, &err);
		}
	for (k = 0; k < nconns && inflight < window && started < total; k++) {
		/* keep: connection k is started once, in order */
		if (busy[k] || to_delete[k] || (!delete_after && k < started))
			continue;
		started++;
		if (ike_initiate(ctx, conns[k].name, NULL, now, &err)) {
			failed++;
			continue;
		}
		busy[k] = true;
		inflight++;
	}
}

static void run(unsigned int total, unsigned int window, uint64_t deadline)
{
	struct pollfd pfd[2] = { { .fd = fds[0], .events = POLLIN },
				 { .fd = fds[1], .events = POLLIN } };
	uint64_t now = tool_now_ms(), next, scan = now + SCAN_MS;

	first_ms = now;
	while (established + failed < total && now < deadline) {
		drive(total, window, now);
		next = ike_tick(ctx, now);
		poll(pfd, 2, next > now + 20 ? 20 :
			     next > now ? (int)(next - now) : 0);
		now = tool_now_ms();
		for (int i = 0; i < 2; i++)
			while (pfd[i].revents & POLLIN) {
				receive(i, now);
				pfd[i].revents = poll(&pfd[i], 1, 0) > 0 ?
						 pfd[i].revents : 0;
			}
		if (now >= scan) {
			scan_failures();
			scan = now + SCAN_MS;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned int total, window;
	struct ike_stats st;
	double secs;

	if (argc != 10) {
		fprintf(stderr, "usage: %s LOCAL REMOTE IKE_PROPOSAL "
			"ESP_PROPOSAL PSK TOTAL WINDOW TIMEOUT_S keep|delete\n",
			argv[0]);
		return 2;
	}
	total = (unsigned int)atoi(argv[6]);
	window = (unsigned int)atoi(argv[7]);
	delete_after = !strcmp(argv[9], "delete");
	nconns = delete_after ? 2 * window : total;
	if (!window || nconns > MAX_CONNS || setup(argv))
		return 2;
	run(total, window, tool_now_ms() + (uint64_t)atoi(argv[8]) * 1000);
	secs = last_ms > first_ms ? (double)(last_ms - first_ms) / 1000 : 0;
	ike_get_stats(ctx, &st);
	printf("{\"total\": %u, \"established\": %u, \"failed\": %u, "
	       "\"seconds\": %.3f, \"rate\": %.1f, \"retransmits\": %llu}\n",
	       total, established, failed, secs,
	       secs > 0 ? established / secs : 0.0,
	       (unsigned long long)st.retransmits);
	/* sockets closed first: the responder is not told (it may be slow to
	 * delete), the SAs are just freed here */
	close(fds[0]);
	close(fds[1]);
	fds[0] = fds[1] = -1;
	ike_ctx_free(ctx, tool_now_ms());
	return established ? 0 : 1;
}
