// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_init_tool: the IKE_SA_INIT responder (ike/ikev2_init.c) on real
 * sockets, for tests/test_ike_init.py:
 *
 *   ike_init_tool PROPOSALS ADDR TIMEOUT_MS
 *
 * listens on ADDR (IPv4) UDP 500 and 4500 (non-ESP marker stripped),
 * answers each IKE_SA_INIT request with ike_init_respond() and prints one
 * JSON line per answer. After an accepted one it waits for the initiator's
 * IKE_AUTH, opens its SK payload with the derived SK_ei/SK_ai (ike/sk.c)
 * and prints the message and its decrypted inner chain in hex, for
 * tests/ike/ike_decode. It stops after that, after an error response other
 * than INVALID_KE_PAYLOAD, or when nothing arrives for TIMEOUT_MS.
 * Exit status 0 when it stopped on a message, 1 on timeout or a failure.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/crypto.h"
#include "ike/ikev2_init.h"
#include "ike/proposal.h"
#include "ike/sk.h"
#include "tests/ike/ike_tool_io.h"

enum { NONCE_BYTES = 32 };

static struct ike_sa_pld ours;
static struct ike_buf resp;
static struct ike_init_sa sa;
static struct ike_msg msg;
static struct ike_err err;
static uint8_t pkt[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];

/* One IKE_SA_INIT request: answer it; 1 if the tool should stop. */
static int on_init(int fd, const struct sockaddr_in *from,
		   const struct sockaddr_in *local, const uint8_t *m,
		   size_t len, size_t marker)
{
	uint8_t nonce[NONCE_BYTES], out[IKEV2_MSG_MAX_BYTES + TOOL_MARKER_BYTES];
	struct ike_init_req req = { .msg = m, .len = len, .ours = &ours,
				    .nonce_r = nonce, .nonce_len = sizeof(nonce) };
	struct ike_err perr;
	int rc;

	if (xs_random(&req.spi_r, sizeof(req.spi_r)) ||
	    xs_random(nonce, sizeof(nonce)) || !req.spi_r)
		exit(1);
	tool_to_addr(local, &req.local);
	tool_to_addr(from, &req.remote);
	rc = ike_init_respond(&req, &resp, &sa, &err);
	printf("{\"event\": \"init\", \"result\": %d, \"notify\": %u, "
	       "\"reason\": \"%s\", \"peer_ke\": %d", rc, err.notify,
	       rc == IKE_INIT_ACCEPT ? "" : err.reason,
	       ike_msg_parse(m, len, &msg, &perr) ? -1 : msg.ke.group);
	if (rc == IKE_INIT_ACCEPT)
		printf(", \"encr\": %u, \"key_bits\": %u, \"integ\": %u, "
		       "\"prf\": %u, \"group\": %u, \"peer_frag\": %s",
		       sa.encr, sa.key_bits, sa.integ, sa.prf, sa.group,
		       sa.peer_frag ? "true" : "false");
	if (rc != IKE_INIT_DROP) {
		memset(out, 0, marker);
		memcpy(out + marker, resp.data, resp.len);
		printf(", ");
		tool_hex("response", resp.data, resp.len);
		if (sendto(fd, out, resp.len + marker, 0,
			   (const struct sockaddr *)from, sizeof(*from)) < 0)
			perror("sendto");
	}
	printf("}\n");
	fflush(stdout);
	return rc == IKE_INIT_REFUSE && err.notify != IKEV2_N_INVALID_KE_PAYLOAD;
}

/* The initiator's IKE_AUTH: open it with our keys, print it and the
 * decrypted chain; 0 on success. */
static int on_auth(uint8_t *m, size_t len)
{
	struct ike_sk *sk;
	struct ike_span inner = { 0 };
	int rc;

	if (ike_msg_parse(m, len, &msg, &err)) {
		fprintf(stderr, "IKE_AUTH: %s\n", err.reason);
		return 1;
	}
	printf("{\"event\": \"auth\", ");
	tool_hex("msg", m, len);
	sk = ike_sk_from_keys(sa.encr, sa.integ, &sa.keys, true);
	rc = sk ? ike_sk_open(sk, &msg, m, &inner) : IKE_SK_E_CRYPTO;
	ike_sk_free(sk);
	printf(", \"open\": \"%s\", ", rc ? ike_sk_strerror(rc) : "ok");
	tool_hex("inner", inner.ptr, inner.len);
	printf("}\n");
	fflush(stdout);
	return rc != 0;
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
		return on_init(fd, &from, local, m, len, marker);
	if (m[18] == IKEV2_EXCHANGE_IKE_AUTH && sa.spi_r &&
	    ike_get64(m + 8) == sa.spi_r)
		return on_auth(m, len) ? -1 : 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct in_addr addr;
	int rc;

	rc = tool_responder_args(argc, argv, 4, "TIMEOUT_MS", &addr, &ours);
	if (rc)
		return rc;
	rc = tool_serve(addr, atoi(argv[3]), on_datagram);
	ike_init_sa_wipe(&sa);
	return rc;
}
