/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The daemon's IKE side: the connections and secrets of the configuration
 * file, the IKE core (ike/ike.h) driven by them, its UDP sockets and timer
 * (ike_glue.c), and the Child SAs and policies it put into the dataplane
 * (ike_install.c, ike_policy.c).
 */
#ifndef XDPSEC_LOADER_IKE_GLUE_H
#define XDPSEC_LOADER_IKE_GLUE_H

#include "ike/ike.h"
#include "loader/conf_ike.h"
#include "loader/xdpsec.h"
#include "maps/events.h"
#include "maps/spd.h"

enum {
	XS_IKE_SOCKS = 4,		/* IPv4 500, 4500; IPv6 500, 4500 */
};

/*
 * A Child SA pair the core installed. The outbound SA of a rekey waits
 * (pending_out, keys inside: wiped when used or dropped) until the SA it
 * replaces is deleted, or PENDING_OUT_MS: the peer must have its new
 * inbound SA before we send on it (RFC 7296 2.8).
 */
struct xs_ike_child {
	uint8_t proto;			/* XS_PROTO_ESP / _AH */
	uint8_t family;
	uint32_t spi_in, spi_out, reqid;
	uint32_t replaces_spi_in;	/* rekey of; 0: none */
	uint8_t local[16], remote[16];	/* outer addresses */
	uint8_t seen_in, seen_out;	/* last xs_sad states reported */
	uint32_t slot_in, slot_out;	/* in xs_sad; XS_SA_NONE: not there */
	struct xs_sa_req *pending_out;
	uint64_t pending_until;		/* CLOCK_MONOTONIC ms */
};

/* A rekeyed Child SA whose inbound SA stays until `until` (ms). */
struct xs_ike_retired {
	struct xs_ike_child ch;
	uint64_t until;
};

/* A policy added for a reqid (trap: by the configuration; reqid 0: the
 * BYPASS of IKE's own datagrams). */
struct xs_ike_pol {
	struct xs_spd_policy sel;
	uint32_t reqid;
	bool trap;
};

struct xs_ike {
	struct xs_ike_conf conf;	/* as loaded */
	struct ike_ctx *ctx;
	struct ike_ops ops;		/* user: the daemon */
	int fds[XS_IKE_SOCKS];		/* -1: not open */
	uint64_t next_ms;		/* ike_tick() deadline */
	struct xs_ike_child *children;
	size_t nchildren, child_cap;
	struct xs_ike_retired *retired;	/* rekeyed inbound SAs kept a while */
	size_t nretired, retired_cap;
	struct xs_ike_pol *pols;
	size_t npols, pol_cap;
};

/* ike_glue.c APIs: */
/*
 * Take the connections and secrets of a loaded file (ic is emptied) in
 * place of the previous ones: IKE SAs of unchanged connections stay, those
 * of changed or vanished ones are deleted. 0, or -1 with why set.
 */
int xs_ike_configure(struct xs_daemon *d, struct xs_ike_conf *ic, char *why);
/*
 * What the core would refuse in ic (certificate and key files, ...),
 * before anything changes: 0, or -1 with why ("FILE: ...") set.
 */
int xs_ike_check(const struct xs_ike_conf *ic, const char *file, char *why);
void xs_ike_close(struct xs_daemon *d);
/*
 * A duplicate descriptor of IKE's UDP socket of family (AF_INET/AF_INET6)
 * on port if IKE has one there (4500 only: UDP_ENCAP_ESPINUDP is set on
 * it, the kernel decapsulates ESP in UDP on it), else -1.
 */
int xs_ike_encap_dup(const struct xs_daemon *d, int family, uint16_t port);
/* The IKE sockets for poll() (fds of -1 are to be skipped); how many. */
int xs_ike_pollfds(const struct xs_daemon *d, int *fds);
/* A socket is readable: read and hand to the core what is waiting. */
void xs_ike_input(struct xs_daemon *d, int fd);
/* Run the core's timers if due and dataplane lifetime events; the
 * milliseconds until the next deadline (at most max_ms). */
int xs_ike_tick(struct xs_daemon *d, int max_ms);
/* An acquire event for policy index pol: start its Child SA if trapped. */
void xs_ike_acquire(struct xs_daemon *d, uint32_t pol);
uint64_t xs_ike_now_ms(void);
int xs_ike_up(struct xs_daemon *d, const char *conn, const char *child,
	      char *why);
int xs_ike_down(struct xs_daemon *d, const char *conn, char *why);

/* ike_install.c and ike_policy.c APIs: what touches the dataplane. */
int xs_ike_spi_alloc(void *user, uint8_t proto, uint32_t *spi);
int xs_ike_child_install(void *user, const struct ike_child_install *c,
			 char *why);
void xs_ike_child_delete(void *user, uint8_t proto, uint32_t spi_in,
			 uint32_t spi_out);
/*
 * The configuration's policies: BYPASS for IKE (UDP 500/4500 from our
 * addresses) and the trap policies of start_action = trap children.
 */
int xs_ike_policies_install(struct xs_daemon *d, char *why);
/* Forget every Child SA and policy of ours (the maps were flushed). */
void xs_ike_forget(struct xs_daemon *d);
/*
 * load-conf's flush: every SA and policy but IKE's own Child SAs and
 * policies, which the new configuration keeps or tears down. 0 or -1.
 */
int xs_ike_flush_manual(struct xs_daemon *d, char *why);
void xs_ike_config_policies_drop(struct xs_daemon *d);
/* Report dataplane lifetime events of our Child SAs to the core. */
void xs_ike_lifetimes(struct xs_daemon *d, uint64_t now);

/* ike_json.c APIs: */
/* list-conns: the configured connections (never secrets). */
json_t *xs_ike_conns_json(const struct xs_daemon *d);
/* list-sas: the IKE SAs and their Child SAs. */
json_t *xs_ike_sas_json(struct xs_daemon *d);
/* status: the core's counters (null without connections). */
json_t *xs_ike_stats_json(const struct xs_daemon *d);

#endif
