/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The IKEv2 daemon core: every IKE SA and Child SA of an instance, driven
 * by received datagrams, a clock and commands, with no I/O of its own.
 * The daemon (loader/ike_glue.c) owns the UDP sockets (500 and 4500, the
 * non-ESP marker added/stripped there), the timer and the dataplane; the
 * core calls back through struct ike_ops to send, to allocate SPIs and to
 * install or remove Child SAs. All times are CLOCK_MONOTONIC milliseconds.
 *
 * Connections and secrets are the configured model of ike/conn.h.
 */
#ifndef XDPSEC_IKE_IKE_H
#define XDPSEC_IKE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/conn.h"
#include "ike/keys.h"

struct ike_ctx;

/*
 * Reqids of IKE's Child SAs and their policies, kept by rekeys, below 2^16
 * (the kernel backend's reqid space) and refused for hand-keyed SAs and
 * policies so that they never collide. A connection with a fixed remote
 * address uses its configured one, IKE_REQID_BASE + connection index (file
 * order) x IKE_CONN_MAX_CHILDREN + child index (its trap policies carry
 * it too); a `remote_addrs = %any` connection's Child SAs each get one of
 * IKE_REQID_DYNAMIC..IKE_REQID_END-1, shared only by Child SAs of the same
 * child, peer address and narrowed selectors (one set of policies), free
 * again when the last of them is gone.
 */
enum {
	IKE_CONNS_MAX = 256,
	IKE_REQID_BASE = 0xf000,
	IKE_REQID_DYNAMIC = IKE_REQID_BASE + IKE_CONNS_MAX * IKE_CONN_MAX_CHILDREN,
	IKE_REQID_END = 0x10000,
};
uint32_t ike_child_reqid(size_t conn_index, size_t child_index);

/*
 * A Child SA pair to put into the dataplane. The inbound SA (spi_in,
 * keys for traffic from the peer) and the outbound one (spi_out). The
 * keys are only valid during the call; the daemon copies and wipes them.
 */
struct ike_child_install {
	const char *conn, *child;	/* configured names */
	uint32_t unique_id;		/* of this Child SA, for listings */
	uint32_t reqid;			/* per set of policies: rekeys keep it */
	uint8_t proto;			/* IKEV2_PROTO_ESP / _AH */
	bool transport, esn;
	bool encap;			/* ESP in UDP, ports below */
	struct ike_addr local, remote;	/* outer addresses (and UDP ports) */
	uint32_t spi_in, spi_out;
	uint16_t encr, key_bits, integ;	/* IKEV2_ENCR_* (0 for AH), _INTEG_* */
	const uint8_t *encr_in, *integ_in, *encr_out, *integ_out;
	struct ike_key_lens lens;
	uint32_t replay_window;
	struct ike_ts_pld local_ts, remote_ts;	/* as narrowed */
	/* Hard limits for the dataplane (0: none); the core rekeys earlier. */
	uint64_t life_bytes, life_packets;
	uint32_t life_time;		/* seconds */
	uint32_t replaces_spi_in;	/* rekey: the Child SA this replaces
					 * (its inbound SPI), 0: new */
	/* Soft limits (0: none): the dataplane's soft event calls
	 * ike_child_expired(hard false), which rekeys. A non-ESN SA has
	 * them below 2^32 packets whatever is configured (ike/lifetime.h). */
	uint64_t rekey_bytes, rekey_packets;
};

struct ike_ops {
	void *user;
	/* Send one IKE message (without non-ESP marker). 0 or -errno. */
	int (*send)(void *user, const struct ike_addr *local,
		    const struct ike_addr *remote, const uint8_t *msg,
		    size_t len);
	/* A fresh inbound SPI for proto, unique in the instance. */
	int (*spi_alloc)(void *user, uint8_t proto, uint32_t *spi);
	/*
	 * Install a Child SA: inbound first, then outbound, then the
	 * policies of the narrowed selectors. For a rekey (replaces_spi_in)
	 * the new pair takes over make-before-break; the old one stays
	 * until child_delete. 0, or -1 with why (XS_WHY_MAX bytes) set.
	 */
	int (*child_install)(void *user, const struct ike_child_install *c,
			     char *why);
	/* Remove a Child SA pair (and its policies if nothing replaces it). */
	void (*child_delete)(void *user, uint8_t proto, uint32_t spi_in,
			     uint32_t spi_out);
	/* Log one line about an event in the peer's terms (never keys). */
	void (*log)(void *user, int level, const char *conn, const char *msg);
	/*
	 * Optional (NULL: none sent): a NAT keepalive, the one byte 0xff
	 * (RFC 3948 2.3) as a UDP datagram from local to remote (port 4500),
	 * without a non-ESP marker. Sent every 20 s while we are behind a NAT.
	 */
	int (*send_keepalive)(void *user, const struct ike_addr *local,
			      const struct ike_addr *remote);
};

enum ike_log_level { IKE_LOG_ERR = 3, IKE_LOG_INFO = 6, IKE_LOG_DEBUG = 7 };

struct ike_ctx *ike_ctx_new(const struct ike_ops *ops);
/* Deletes every IKE SA (sends DELETEs, removes Child SAs) and frees. */
void ike_ctx_free(struct ike_ctx *ctx, uint64_t now);

/*
 * Replace the configuration. Connections that vanish or change are torn
 * down; start_action start/trap of new ones takes effect at the next
 * ike_tick(). 0, or -1 with err->reason set.
 */
int ike_load(struct ike_ctx *ctx, const struct ike_conn_cfg *conns,
	     size_t nconns, const struct ike_secret_cfg *secrets,
	     size_t nsecrets, struct ike_err *err);

/* A datagram received on local from remote (marker already stripped). */
void ike_input(struct ike_ctx *ctx, const struct ike_addr *local,
	       const struct ike_addr *remote, const uint8_t *msg, size_t len,
	       uint64_t now);

/* Run due timers (retransmits, DPD, rekeys, expiries); next deadline. */
uint64_t ike_tick(struct ike_ctx *ctx, uint64_t now);

/* `xdpsec up CONN [CHILD]`: initiate (child NULL: every child). */
int ike_initiate(struct ike_ctx *ctx, const char *conn, const char *child,
		 uint64_t now, struct ike_err *err);
/* `xdpsec down CONN`: delete its IKE SAs (and with them the Child SAs). */
int ike_terminate(struct ike_ctx *ctx, const char *conn, uint64_t now,
		  struct ike_err *err);
/*
 * The dataplane saw traffic for a trap policy of (conn, child) without an
 * SA (an acquire): initiate unless a negotiation is under way.
 */
void ike_acquire(struct ike_ctx *ctx, uint32_t reqid, uint64_t now);
/* The dataplane's soft (rekey) or hard (delete) limit of a Child SA. */
void ike_child_expired(struct ike_ctx *ctx, uint8_t proto, uint32_t spi_in,
		       bool hard, uint64_t now);

/* What `xdpsec list-sas` shows, like `swanctl --list-sas`. */
struct ike_child_info {
	char name[IKE_NAME_MAX];
	uint32_t unique_id, reqid;
	const char *state;		/* "INSTALLED", "REKEYING", ... */
	uint8_t proto;
	bool transport, encap, esn;
	uint32_t spi_in, spi_out;
	char proposal[128];		/* "AES_GCM_16_256/..." form */
	struct ike_ts_pld local_ts, remote_ts;
	uint64_t installed_ms, rekey_ms, expire_ms;	/* monotonic */
};

struct ike_sa_info {
	char conn[IKE_NAME_MAX];
	uint32_t unique_id;
	const char *state;		/* "CONNECTING", "ESTABLISHED", ... */
	bool initiator;
	uint64_t spi_i, spi_r;
	struct ike_addr local, remote;
	char local_id[IKE_ID_MAX], remote_id[IKE_ID_MAX];	/* printable */
	char proposal[128];
	bool nat_local, nat_remote;
	uint64_t established_ms, rekey_ms;
	uint8_t nchildren;
	struct ike_child_info children[IKE_CONN_MAX_CHILDREN];
};

/* Counted reasons a received datagram was dropped (struct ike_stats). */
enum ike_drop {
	IKE_DROP_MALFORMED = 0,	/* the codec refused it */
	IKE_DROP_NO_SA,		/* SPIs of no IKE SA of ours */
	IKE_DROP_STATE,		/* exchange not expected in this state */
	IKE_DROP_MSGID,		/* request/response with a wrong message ID */
	IKE_DROP_FLAGS,		/* I/R flags wrong for the SA */
	IKE_DROP_DECRYPT,	/* SK/SKF failed (ICV, length, padding) */
	IKE_DROP_FRAG,		/* fragment refused by the reassembly */
	IKE_DROP_HALF_OPEN,	/* too many half-open SAs */
	IKE_DROP_NO_CONN,	/* IKE_SA_INIT for no configured connection */
	IKE_DROP_LIMIT,		/* IKE SA table full */
	IKE_DROP_COUNT,
};

/* Counters of an instance since ike_ctx_new(). */
struct ike_stats {
	uint64_t drops[IKE_DROP_COUNT];
	uint64_t sa_established, sa_failed, sa_deleted;
	uint64_t child_installed, child_failed, child_deleted;
	uint64_t retransmits, give_ups, dup_requests;
	uint64_t auth_failed, no_proposal, ts_unacceptable;
	uint64_t cookies_sent;
	uint64_t invalid_spi_sent;	/* INVALID_IKE_SPI answers (RFC 7296 2.21.4) */
};

void ike_get_stats(const struct ike_ctx *ctx, struct ike_stats *out);
/* "malformed", "no-sa", ... for an enum ike_drop. */
const char *ike_drop_name(unsigned int why);

/* Call fn for every IKE SA; stops early if fn returns non-zero. */
int ike_foreach_sa(struct ike_ctx *ctx,
		   int (*fn)(void *arg, const struct ike_sa_info *sa),
		   void *arg);

#endif
