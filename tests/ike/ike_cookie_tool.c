// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_cookie_tool: an IKE_SA_INIT responder with cookies (ike/cookie.c in
 * front of ike/ikev2_init.c) on real sockets, for tests/test_ike_cookie.py:
 *
 *   ike_cookie_tool PROPOSALS ADDR THRESHOLD TIMEOUT_MS
 *
 * listens on ADDR (IPv4) UDP 500 and 4500 (non-ESP marker stripped). Every
 * accepted IKE_SA_INIT makes a half-open IKE SA (kept until its IKE_AUTH
 * arrives); from THRESHOLD of them on, ike_cookie_check() decides whether a
 * request goes on to ike_init_respond() or gets only a COOKIE response.
 * One JSON line per answer ("cookie" or "init", with the half-open count
 * after it). The first IKE_AUTH for a half-open SA is opened with that
 * SA's SK_ei/SK_ai ("auth" line) and the tool stops: exit status 0 if it
 * opened, 1 on failure or when nothing arrives for TIMEOUT_MS.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/crypto.h"
#include "ike/cookie.h"
#include "ike/ikev2_init.h"
#include "ike/proposal.h"
#include "ike/sk.h"
#include "tests/ike/ike_tool_io.h"

enum { NONCE_BYTES = 32, MAX_HALF_OPEN = 4096 };

struct half_open {
	uint64_t spi_r;
	struct ike_sk *sk;	/* opens the initiator's messages */
};

static struct ike_sa_pld ours;
static struct ike_cookies jar;
static struct half_open half[MAX_HALF_OPEN];
static unsigned int nhalf;
static struct ike_buf resp;
static struct ike_init_sa sa;
static struct ike_msg msg;
static struct ike_err err;
static uint8_t pkt[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];

static void send_resp(int fd, const struct sockaddr_in *to, size_t marker)
{
	uint8_t out[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];

	memset(out, 0, marker);
	memcpy(out + marker, resp.data, resp.len);
	printf(", ");
	tool_hex("response", resp.data, resp.len);
	if (sendto(fd, out, resp.len + marker, 0,
		   (const struct sockaddr *)to, sizeof(*to)) < 0)
		perror("sendto");
}

/* ike_init_respond() for a request that got past the cookie check. */
static void respond(const struct ike_init_req *req)
{
	int rc = ike_init_respond(req, &resp, &sa, &err);

	if (rc == IKE_INIT_ACCEPT && nhalf < MAX_HALF_OPEN) {
		half[nhalf].spi_r = sa.spi_r;
		half[nhalf].sk = ike_sk_from_keys(sa.encr, sa.integ, &sa.keys,
						  true);
		nhalf += half[nhalf].sk != NULL;
	}
	printf("\"event\": \"init\", \"result\": %d, \"notify\": %u, "
	       "\"reason\": \"%s\", \"half_open\": %u", rc, err.notify,
	       rc == IKE_INIT_ACCEPT ? "" : err.reason, nhalf);
	ike_init_sa_wipe(&sa);
}

static void on_init(int fd, const struct sockaddr_in *from,
		    const struct sockaddr_in *local, const uint8_t *m,
		    size_t len, size_t marker)
{
	uint8_t nonce[NONCE_BYTES];
	struct ike_init_req req = { .msg = m, .len = len, .ours = &ours,
				    .nonce_r = nonce, .nonce_len = sizeof(nonce) };
	bool had_cookie = !ike_msg_parse(m, len, &msg, &err) &&
			  ike_msg_notify(&msg, IKEV2_N_COOKIE);

	if (xs_random(&req.spi_r, sizeof(req.spi_r)) ||
	    xs_random(nonce, sizeof(nonce)) || !req.spi_r)
		exit(1);
	tool_to_addr(local, &req.local);
	tool_to_addr(from, &req.remote);
	printf("{\"from\": \"%s\", \"had_cookie\": %s, ",
	       inet_ntoa(from->sin_addr), had_cookie ? "true" : "false");
	if (ike_cookie_check(&jar, m, len, &req.remote, nhalf, tool_now_ms(),
			     &resp) == IKE_COOKIE_DEMAND) {
		printf("\"event\": \"cookie\", \"half_open\": %u", nhalf);
		send_resp(fd, from, marker);
	} else {
		respond(&req);
		if (resp.len)
			send_resp(fd, from, marker);
	}
	printf("}\n");
	fflush(stdout);
	resp.len = 0;
}

/* The initiator's IKE_AUTH for a half-open SA: 0 if it opened. */
static int on_auth(uint8_t *m, size_t len)
{
	struct ike_span inner = { 0 };
	uint64_t spi_r = ike_get64(m + 8);
	int rc = IKE_SK_E_ARG;

	if (ike_msg_parse(m, len, &msg, &err))
		return -1;
	for (unsigned int i = 0; i < nhalf; i++)
		if (half[i].spi_r == spi_r)
			rc = ike_sk_open(half[i].sk, &msg, m, &inner);
	printf("{\"event\": \"auth\", \"open\": \"%s\", \"inner_len\": %zu}\n",
	       rc ? ike_sk_strerror(rc) : "ok", inner.len);
	fflush(stdout);
	return rc;
}

/* One datagram on fd (port 4500 when marker); 1 to stop, -1 on failure. */
static int on_datagram(int fd, const struct sockaddr_in *local, size_t marker)
{
	struct sockaddr_in from;
	size_t len;
	uint8_t *m = tool_recv_ike(fd, pkt, sizeof(pkt), marker, &from, &len);

	if (!m)
		return 0;
	if (m[18] == IKEV2_EXCHANGE_IKE_SA_INIT)
		on_init(fd, &from, local, m, len, marker);
	else if (m[18] == IKEV2_EXCHANGE_IKE_AUTH)
		return on_auth(m, len) ? -1 : 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct in_addr addr;
	int rc;

	rc = tool_responder_args(argc, argv, 5, "THRESHOLD TIMEOUT_MS", &addr, &ours);
	if (rc)
		return rc;
	if (ike_cookies_init(&jar, (uint32_t)atoi(argv[3]),
			     IKE_COOKIE_ROTATE_MS, IKE_COOKIE_GRACE_MS,
			     tool_now_ms()))
		return 1;
	rc = tool_serve(addr, atoi(argv[4]), on_datagram);
	for (unsigned int i = 0; i < nhalf; i++)
		ike_sk_free(half[i].sk);
	ike_cookies_wipe(&jar);
	return rc;
}
