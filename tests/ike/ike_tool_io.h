/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the IKE test tools (tests/ike/ike_*_tool.c) share besides their
 * configuration (ike_tool_conf.h): the clock, hex in and out, bound UDP
 * sockets, and the poll loop of the tools that answer on UDP 500 and 4500.
 * Test-only. static inline: each tool uses only some of it.
 */
#ifndef XDPSEC_TESTS_IKE_TOOL_IO_H
#define XDPSEC_TESTS_IKE_TOOL_IO_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ike/ikev2.h"
#include "ike/ikev2_init.h"
#include "ike/proposal.h"

/* The non-ESP marker before an IKE message on UDP 4500 (RFC 3948 2.2). */
enum { TOOL_MARKER_BYTES = 4 };

static inline uint64_t tool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A hex argument ("-": empty) into out; exit status 2 if it is not hex. */
static inline size_t tool_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strcmp(s, "-") ? strlen(s) : 0, i;

	if (n % 2 || n / 2 > cap) {
		fprintf(stderr, "bad hex argument\n");
		exit(2);
	}
	for (i = 0; i < n / 2; i++) {
		char byte[3] = { s[2 * i], s[2 * i + 1], 0 };

		out[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	return n / 2;
}

static inline void tool_puthex(const uint8_t *p, size_t len)
{
	while (len--)
		printf("%02x", *p++);
}

/* A JSON member "key": "HEX" (without separator). */
static inline void tool_hex(const char *key, const uint8_t *p, size_t len)
{
	printf("\"%s\": \"", key);
	tool_puthex(p, len);
	printf("\"");
}

static inline void tool_to_addr(const struct sockaddr_in *sin,
				struct ike_addr *a)
{
	a->len = 4;
	memcpy(a->addr, &sin->sin_addr, 4);
	a->port = ntohs(sin->sin_port);
}

/* A UDP socket bound to addr:port (rcvbuf bytes of receive buffer unless
 * 0); exit status 1 if that fails. */
static inline int tool_udp_socket(struct in_addr addr, uint16_t port,
				  int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = addr,
				   .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one)) ||
	    (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				  sizeof(rcvbuf))) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("udp socket");
		exit(1);
	}
	return fd;
}

/*
 * One datagram from fd into buf (cap bytes): the IKE message in it, its
 * length in *len and its sender in *from; NULL if it is too short for an
 * IKE header or, on port 4500 (marker), ESP rather than IKE.
 */
static inline uint8_t *tool_recv_ike(int fd, uint8_t *buf, size_t cap,
				     size_t marker, struct sockaddr_in *from,
				     size_t *len)
{
	socklen_t flen = sizeof(*from);
	ssize_t n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &flen);

	if (n < (ssize_t)(marker + sizeof(struct ikev2_hdr)))
		return NULL;
	if (marker && memcmp(buf, "\0\0\0\0", TOOL_MARKER_BYTES))
		return NULL;
	*len = (size_t)n - marker;
	return buf + marker;
}

/*
 * The arguments the IKE_SA_INIT responder tools start with, PROPOSALS ADDR
 * (IPv4), into ours and addr, with argc nargs in all (usage: the rest of
 * the usage line); 0, or 2 (the exit status) after saying what is wrong.
 */
static inline int tool_responder_args(int argc, char **argv, int nargs,
				      const char *usage, struct in_addr *addr,
				      struct ike_sa_pld *ours)
{
	struct ike_err err;

	if (argc != nargs || inet_pton(AF_INET, argv[2], addr) != 1) {
		fprintf(stderr, "usage: %s PROPOSALS ADDR %s\n", argv[0],
			usage);
		return 2;
	}
	if (ike_prop_parse(argv[1], IKEV2_PROTO_IKE, ours, &err)) {
		fprintf(stderr, "proposals: %s\n", err.reason);
		return 2;
	}
	return 0;
}

/* fd received a datagram addressed to local (port 4500 when marker):
 * 0 to go on, 1 to stop, -1 on failure. */
typedef int (*tool_datagram_fn)(int fd, const struct sockaddr_in *local,
				size_t marker);

/*
 * Listen on addr UDP 500 and 4500 and hand each datagram to on_datagram
 * until it says stop or nothing arrives for timeout_ms: 0 when it stopped
 * with 1, else 1 (the tools' exit status).
 */
static inline int tool_serve(struct in_addr addr, int timeout_ms,
			     tool_datagram_fn on_datagram)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr = addr };
	struct pollfd pfd[2] = {
		{ .fd = tool_udp_socket(addr, 500, 0), .events = POLLIN },
		{ .fd = tool_udp_socket(addr, 4500, 0), .events = POLLIN },
	};
	int rc = 0;

	while (!rc) {
		if (poll(pfd, 2, timeout_ms) <= 0) {
			fprintf(stderr, "nothing for %d ms\n", timeout_ms);
			rc = -1;
		}
		for (int i = 0; !rc && i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			local.sin_port = htons(i ? 4500 : 500);
			rc = on_datagram(pfd[i].fd, &local,
					 i ? TOOL_MARKER_BYTES : 0);
		}
	}
	close(pfd[0].fd);
	close(pfd[1].fd);
	return rc < 0;
}

#endif
