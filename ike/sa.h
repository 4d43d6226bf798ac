/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The IKE core's state (ike/ike.h): one struct ike_ctx per instance, an
 * IKE SA per negotiation, its Child SAs, and the explicit state machines
 * both go through. Internal to ike/: the daemon only sees ike.h.
 *
 *   IKE SA (initiator)  IDLE -> INIT_SENT -> AUTH_SENT -> ESTABLISHED
 *   IKE SA (responder)  IDLE -> INIT_DONE ------------> ESTABLISHED
 *   any                 ... -> DELETING (our DELETE out) -> DEAD
 *                       ... -> DEAD (failed, deleted by the peer, gave up)
 *   ESTABLISHED <-> REKEYING (CREATE_CHILD_SA rekeying the IKE SA)
 *
 *   Child SA            CREATING -> INSTALLED -> REKEYING -> INSTALLED
 *                       any -> DELETING (our DELETE out) -> DEAD
 *                       (CREATING -> DELETING: the peer made a Child SA
 *                       we refuse, e.g. the wrong mode)
 *
 * Every state change goes through ike_sa_state() / ike_child_state(),
 * which log "old -> new" and refuse illegal moves. A DEAD IKE SA is freed
 * by the next ike_tick(). Message IDs use a window of one (RFC 7296 2.3):
 * one request of ours outstanding (struct ike_out_req) and the last
 * response we sent cached for retransmitted requests (struct ike_wire).
 */
#ifndef XDPSEC_IKE_SA_H
#define XDPSEC_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/dh.h"
#include "ike/cookie.h"
#include "ike/frag.h"
#include "ike/ike.h"
#include "ike/sk.h"

enum {
	IKE_RETRANSMIT_BASE_MS = 500,	/* first retransmit timeout */
	IKE_RETRANSMIT_TRIES = 5,	/* retransmits before giving up */
	IKE_HALF_OPEN_MAX = 1024,	/* responder SAs before IKE_AUTH */
	IKE_HALF_OPEN_TIMEOUT_MS = 30000,	/* waiting for IKE_AUTH */
	IKE_SA_MAX = 65536,		/* IKE SAs of an instance */
	IKE_KEEPALIVE_MS = 20000,	/* NAT keepalive interval (RFC 3948) */
	IKE_NONCE_LEN = 32,		/* our nonces */
	IKE_FRAG_MTU = 1280,		/* datagram size we fragment to */
	IKE_WHY_MAX = 256,		/* == XS_WHY_MAX of the daemon */
	IKE_INIT_RETRIES = 3,		/* INVALID_KE / COOKIE restarts */
	IKE_SA_HASH = 4096,		/* SPI hash buckets (a power of 2) */
	IKE_INVALID_SPI_PER_SEC = 10,	/* INVALID_IKE_SPI answers a second */
};

enum ike_sa_state {
	IKE_SA_IDLE = 0,	/* made, nothing sent */
	IKE_SA_INIT_SENT,	/* initiator: IKE_SA_INIT request out */
	IKE_SA_INIT_DONE,	/* responder: IKE_SA_INIT answered (half-open) */
	IKE_SA_AUTH_SENT,	/* initiator: IKE_AUTH request out */
	IKE_SA_ESTABLISHED,	/* authenticated both ways */
	IKE_SA_REKEYING,	/* a CREATE_CHILD_SA rekeying it is under way */
	IKE_SA_DELETING,	/* our DELETE of it is out */
	IKE_SA_DEAD,		/* to be freed at the next tick */
	IKE_SA_STATE_COUNT,
};

enum ike_child_state {
	IKE_CHILD_CREATING = 0,	/* negotiated by an exchange under way */
	IKE_CHILD_INSTALLED,	/* in the dataplane */
	IKE_CHILD_REKEYING,	/* a CREATE_CHILD_SA rekeying it is out */
	IKE_CHILD_DELETING,	/* our DELETE of it is out */
	IKE_CHILD_DEAD,		/* removed from the dataplane, to be freed */
	IKE_CHILD_STATE_COUNT,
};

/* What our outstanding request is for: how to read its response. */
enum ike_req_kind {
	IKE_REQ_NONE = 0,
	IKE_REQ_INIT,		/* IKE_SA_INIT */
	IKE_REQ_AUTH,		/* IKE_AUTH (with the first Child SA) */
	IKE_REQ_DELETE_IKE,	/* INFORMATIONAL: Delete of the IKE SA */
	IKE_REQ_DELETE_CHILD,	/* INFORMATIONAL: Delete of Child SAs */
	IKE_REQ_DPD,		/* INFORMATIONAL: empty (liveness check) */
	IKE_REQ_NOTIFY,		/* INFORMATIONAL: an error notify */
	IKE_REQ_CREATE_CHILD,	/* CREATE_CHILD_SA (new, rekey: ccsa files) */
};

/* One message as datagrams (one, or its RFC 7383 fragments). */
struct ike_wire {
	uint32_t msgid;
	uint16_t n;			/* datagrams; 0: none */
	uint32_t off[IKE_FRAG_MAX + 1];	/* datagram i: data[off[i]..off[i+1]) */
	uint8_t *data;			/* malloc'd */
};

/* Our outstanding request: retransmitted until answered or given up. */
struct ike_out_req {
	enum ike_req_kind kind;
	uint8_t exchange;
	uint8_t tries;			/* retransmits so far */
	uint64_t sent_ms;		/* first sent */
	uint64_t next_ms;		/* next retransmit (0: none out) */
	struct ike_wire wire;
	/* What the request was about, for its response. */
	uint32_t child_spi_in;		/* DELETE_CHILD / CREATE_CHILD */
};

struct ike_sa;

struct ike_child {
	struct ike_child *next;
	struct ike_sa *sa;
	const struct ike_child_cfg *cfg;	/* in sa->conn */
	enum ike_child_state state;
	uint32_t unique_id, reqid;
	uint8_t proto;			/* IKEV2_PROTO_ESP / _AH */
	bool transport, esn, encap;
	bool installed;			/* in the dataplane */
	bool delete_sent;		/* DELETING: our Delete is out */
	bool initiator;			/* we sent the request that made it:
					 * KEYMAT order (RFC 7296 2.17) */
	uint32_t spi_in, spi_out;
	uint16_t encr, key_bits, integ, dh;	/* dh: PFS group, 0 none */
	struct ike_sa_pld chosen;	/* the proposal agreed on */
	struct ike_ts_pld local_ts, remote_ts;	/* as narrowed */
	uint64_t installed_ms, rekey_ms, expire_ms;	/* 0: none */
};

struct ike_sa {
	struct ike_sa *next;		/* every SA of the ctx */
	struct ike_sa *hnext;		/* chain by our SPI */
	struct ike_sa *inext;		/* responder: chain by the peer's SPI */
	struct ike_ctx *ctx;
	const struct ike_conn_cfg *conn;	/* in ctx; NULL: none yet */
	enum ike_sa_state state;
	bool initiator;
	uint32_t unique_id;
	uint64_t spi_i, spi_r;		/* ours is spi_i if initiator */
	struct ike_addr local, remote;	/* current, ports included */

	/* Negotiated IKE SA transforms and keys. */
	struct ike_sa_pld chosen;
	uint16_t encr, key_bits, integ, prf, group;
	struct ike_sa_keys keys;
	struct ike_sk *sk_out, *sk_in;	/* sealing ours, opening theirs */

	/* IKE_SA_INIT, kept until IKE_AUTH is done (AUTH signs them). */
	struct ike_dh *dh;		/* initiator: our key pair */
	uint16_t ke_group;		/* initiator: group of our KE */
	uint8_t init_tries;		/* initiator: restarts so far */
	uint32_t keyingtry;		/* initiator: attempt of the conn, from 1 */
	uint8_t cookie[IKEV2_COOKIE_MAX_BYTES];	/* initiator: to echo */
	uint8_t cookie_len;
	uint8_t *init_msg_i, *init_msg_r;	/* malloc'd, as on the wire */
	size_t init_len_i, init_len_r;
	uint8_t nonce_i[IKEV2_NONCE_MAX_BYTES], nonce_r[IKEV2_NONCE_MAX_BYTES];
	size_t nonce_i_len, nonce_r_len;
	const struct ike_child_cfg *first_child;	/* for IKE_AUTH */
	uint32_t first_spi_in;		/* initiator: its SPI in IKE_AUTH */

	/* Identities as sent / as received and authenticated. */
	struct ike_id_cfg local_id, remote_id;

	/* Capabilities and NAT (RFC 7296 2.23, RFC 7383). */
	bool peer_frag;			/* it supports fragmentation */
	uint32_t peer_sig_hashes;	/* ike_sig_hash_parse(): RFC 7427 */
	bool nat_local;			/* we are behind a NAT */
	bool nat_remote;		/* the peer is behind a NAT */
	bool natt;			/* IKE (and ESP) on port 4500 */

	/* Message IDs and retransmission (window size 1). */
	uint32_t msgid_out;		/* of our next request */
	uint32_t msgid_in;		/* of the peer's next request */
	struct ike_out_req req;
	struct ike_wire resp;		/* our last response (msgid_in - 1) */
	struct ike_frag_reasm *reasm_req, *reasm_resp;	/* malloc'd lazily */

	/* Queued work for when no request is outstanding. */
	bool want_dpd, want_delete;

	/* Timers (monotonic ms; 0: off). */
	uint64_t created_ms, established_ms, rekey_ms;
	uint64_t last_rx_ms;		/* last authenticated message in */
	uint64_t dpd_ms;		/* next liveness check */
	uint64_t keepalive_ms;		/* next NAT keepalive */

	struct ike_child *children;
	uint8_t nchildren;
	struct ike_ccsa *ccsa;		/* CREATE_CHILD_SA state (ike/ccsa.h) */
};

struct ike_ctx {
	struct ike_ops ops;
	struct ike_conn_cfg *conns;
	size_t nconns;
	struct ike_secret_cfg *secrets;
	size_t nsecrets;
	bool start_pending;		/* start_action = start: at next tick */
	struct ike_sa *sas;
	struct ike_sa *by_spi[IKE_SA_HASH];	/* by our SPI */
	struct ike_sa *by_peer_spi[IKE_SA_HASH];	/* responders, by SPIi */
	unsigned int nsas, half_open;
	uint32_t next_sa_id, next_child_id;
	uint32_t next_reqid;		/* from IKE_REQID_DYNAMIC on */
	uint64_t invalid_spi_sec;	/* the second now/1000 counted in */
	unsigned int invalid_spi_n;	/* INVALID_IKE_SPI answers in it */
	struct ike_stats stats;
	struct ike_cookies cookies;
	struct ike_pubkey *pubkeys;	/* per connection (auth_pubkey.c) */
	uint8_t scratch[IKEV2_MSG_MAX_BYTES];	/* a received message */
	struct ike_msg msg;			/* the one being read */
	struct ike_buf out, inner, frag;	/* messages being built */
};

/* ---- ctx.c: the SA table, configuration, logging ---------------------- */
__attribute__((format(printf, 3, 4)))
void ike_log(struct ike_ctx *ctx, int level, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void ike_sa_log(const struct ike_sa *sa, int level, const char *fmt, ...);
void ike_drop(struct ike_ctx *ctx, enum ike_drop why);

/* Frees the DEAD SAs: at the end of an API call, never mid-walk. */
void ike_reap(struct ike_ctx *ctx);
/* Index a responder SA by the initiator's SPI too (IKE_SA_INIT resends). */
void ike_sa_index_peer(struct ike_sa *sa);
/* A new SA in state IDLE with a fresh random SPI of ours; NULL if full. */
struct ike_sa *ike_sa_new(struct ike_ctx *ctx, bool initiator,
			  const struct ike_addr *local,
			  const struct ike_addr *remote, uint64_t now);
/* The SA whose SPI of ours (spi_i as initiator, else spi_r) is spi. */
struct ike_sa *ike_sa_by_spi(struct ike_ctx *ctx, uint64_t spi,
			     bool ours_initiator);
/* A half-open responder SA for a retransmitted IKE_SA_INIT. */
struct ike_sa *ike_sa_by_init(struct ike_ctx *ctx, uint64_t spi_i,
			      const struct ike_addr *remote);
/* Refuses (and logs) an illegal move; 0 if done. */
int ike_sa_state(struct ike_sa *sa, enum ike_sa_state to);
const char *ike_sa_state_name(enum ike_sa_state s);
/* Removes its Child SAs from the dataplane and marks it DEAD. */
void ike_sa_kill(struct ike_sa *sa, const char *why);
const struct ike_conn_cfg *ike_conn_by_name(struct ike_ctx *ctx,
					    const char *name);
uint32_t ike_reqid(const struct ike_ctx *ctx, const struct ike_conn_cfg *c,
		   const struct ike_child_cfg *child);
/* Gives c (narrowed, about to be installed) its reqid unless it has one
 * (a rekey's): ike/ike.h. -1 if the dynamic range is exhausted. */
int ike_child_reqid_assign(struct ike_child *c);
/* Our IKE SA SPI and the peer's, by role. */
uint64_t ike_sa_spi_ours(const struct ike_sa *sa);
/* Nonces as xs_bufs. */
struct xs_buf ike_sa_ni(const struct ike_sa *sa);
struct xs_buf ike_sa_nr(const struct ike_sa *sa);

/* ---- child.c: Child SAs ---------------------------------------------- */
struct ike_child *ike_child_new(struct ike_sa *sa,
				const struct ike_child_cfg *cfg);
int ike_child_state(struct ike_child *c, enum ike_child_state to);
const char *ike_child_state_name(enum ike_child_state s);
struct ike_child *ike_child_by_spi(struct ike_sa *sa, uint8_t proto,
				   uint32_t spi, bool inbound);
/* Removes it from the dataplane (if installed) and frees it. */
void ike_child_free(struct ike_child *c);
/* Key lengths of its transforms (ESP, or AH with HMAC); 0 or -1. */
int ike_child_key_lens(const struct ike_child *c, struct ike_key_lens *lens);
/* Our proposals for cfg with our SPI spi_in in each; 0 or -1. */
int ike_child_proposals(const struct ike_child_cfg *cfg, uint32_t spi_in,
			struct ike_sa_pld *out);
/*
 * Responder: choose a child config and proposal for the peer's SA, TSi,
 * TSr (and USE_TRANSPORT_MODE), narrow the selectors. 0, or -1 with the
 * notify (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE) in err.
 */
int ike_child_respond(struct ike_sa *sa, const struct ike_msg *req,
		      struct ike_child **out, struct ike_err *err);
/* Initiator: check the responder's SA/TS reply for c; 0 or -1 (err). */
int ike_child_check_reply(struct ike_child *c, const struct ike_sa_pld *sent,
			  const struct ike_msg *resp, struct ike_err *err);
/* KEYMAT (gir NULL: no PFS) and ops->child_install; 0 or -1. */
int ike_child_install(struct ike_child *c, const struct xs_buf *gir,
		      const struct xs_buf *ni, const struct xs_buf *nr,
		      uint32_t replaces_spi_in, uint64_t now);
/* The SA, TS (and mode) payloads of a Child SA in a message being built. */
int ike_child_add_payloads(struct ike_buf *b, const struct ike_child *c,
			   const struct ike_sa_pld *sa, bool initiator);

/* ---- ts.c: traffic selectors (RFC 7296 2.9) -------------------------- */
/* Narrow theirs to ours into out (every non-empty intersection); -1 if
 * nothing is left. */
int ike_ts_narrow(const struct ike_ts_pld *theirs,
		  const struct ike_ts_pld *ours, struct ike_ts_pld *out);
/* true if every selector of sub lies inside one of sup. */
bool ike_ts_subset(const struct ike_ts_pld *sub,
		   const struct ike_ts_pld *sup);
int ike_ts_format(const struct ike_ts_pld *ts, char *buf, size_t len);
/* A configured list with each type 0 (`dynamic`) selector as host's
 * address, its protocol and ports kept. */
void ike_ts_dynamic(const struct ike_ts_pld *cfg, const struct ike_addr *host,
		    struct ike_ts_pld *out);

/* ---- retransmit.c: message IDs, sending, retransmission --------------- */
/* Seal inner into our next request (fragmented if needed) and send it. */
int ike_send_request(struct ike_sa *sa, uint8_t exchange,
		     enum ike_req_kind kind, struct ike_buf *inner,
		     uint64_t now);
/* The IKE_SA_INIT request in ctx->out, unprotected. */
int ike_send_init_request(struct ike_sa *sa, uint64_t now);
/* Seal inner as the response to the request msgid; cache and send it. */
int ike_send_response(struct ike_sa *sa, uint8_t exchange, uint32_t msgid,
		      struct ike_buf *inner);
/* Send every datagram of w (a retransmission or the first time). */
int ike_wire_send(struct ike_sa *sa, const struct ike_wire *w);
void ike_wire_free(struct ike_wire *w);
/* The outstanding request is answered: stop retransmitting it. */
void ike_req_done(struct ike_sa *sa);
/* Retransmit if due; gives up (ike_sa_gone) after the last try. */
void ike_retransmit_tick(struct ike_sa *sa, uint64_t now);
/* Start queued work if no request is outstanding. */
void ike_sa_kick(struct ike_sa *sa, uint64_t now);

/* ---- input.c: received datagrams -------------------------------------- */
/* (ike_input() of ike.h) */

/* ---- exchange_init.c: IKE_SA_INIT ------------------------------------- */
/* A new IKE SA for conn carrying child (NULL: none) in IKE_AUTH;
 * keyingtry counts the attempts (keyingtries) from 0. */
int ike_init_initiate(struct ike_ctx *ctx, const struct ike_conn_cfg *conn,
		      const struct ike_child_cfg *child, uint32_t keyingtry,
		      uint64_t now);
void ike_init_on_request(struct ike_ctx *ctx, const struct ike_addr *local,
			 const struct ike_addr *remote, const uint8_t *msg,
			 size_t len, uint64_t now);
void ike_init_on_response(struct ike_sa *sa, const struct ike_msg *msg,
			  uint64_t now);
/* Derive SK_* from g^ir and the nonces, make sk_in/sk_out; 0 or -1. */
int ike_init_derive(struct ike_sa *sa, const uint8_t *gir, size_t gir_len);
/* sk_in/sk_out from sa->keys (by role); 0 or -1. */
int ike_init_sk(struct ike_sa *sa);
/* A DH group (not NONE) of the connection's IKE proposals, supported. */
bool ike_init_group_offered(const struct ike_conn_cfg *conn, uint16_t g);

/* ---- exchange_auth.c: IKE_AUTH ---------------------------------------- */
/* What IKE_SA_INIT carries for public-key authentication: our
 * SIGNATURE_HASH_ALGORITHMS, and the responder's CERTREQ. */
int ike_auth_add_init_notifies(const struct ike_sa *sa, struct ike_buf *b);
/* The peer's IKE_SA_INIT notifies for authentication. */
void ike_auth_read_init_notifies(struct ike_sa *sa, const struct ike_msg *m);
/* init_resp: the IKE_SA_INIT response (its CERTREQs). */
int ike_auth_initiate(struct ike_sa *sa, const struct ike_msg *init_resp,
		      uint64_t now);
void ike_auth_on_request(struct ike_sa *sa, const struct ike_msg *msg,
			 uint64_t now);
void ike_auth_on_response(struct ike_sa *sa, const struct ike_msg *msg,
			  uint64_t now);

/* ---- auth_match.c: connections, identities and secrets for IKE_AUTH --- */
/* Our identity: the configured one, else our IP address (PSK) or our
 * certificate's subject (public key); 0 or -1. */
int ike_local_id(const struct ike_sa *sa, struct ike_id_cfg *out);
/* The best shared key for the pair of identities (most IDs matched). */
const struct ike_secret_cfg *ike_psk_find(const struct ike_ctx *ctx,
					  const struct ike_id_cfg *local,
					  const struct ike_id_cfg *remote);
/* Responder: the connection for the peer's IDi (and IDr); NULL if none. */
const struct ike_conn_cfg *ike_auth_pick_conn(struct ike_sa *sa,
					      const struct ike_msg *m);
/* Initiator: no other IKE SA of ours with this peer (INITIAL_CONTACT). */
bool ike_first_contact(const struct ike_sa *sa);

/* ---- auth_pubkey.c: certificates and signatures in the exchanges ----- */
struct ike_pubkey;
/* Credentials of each connection (n of them); -1 with err set. */
int ike_pubkey_load(const struct ike_conn_cfg *conns, size_t n,
		    struct ike_pubkey **out, struct ike_err *err);
void ike_pubkey_free(struct ike_pubkey *p, size_t n);
int ike_pubkey_local_id(const struct ike_sa *sa, struct ike_id_cfg *out);
int ike_pubkey_add_hashes(struct ike_buf *b);
void ike_pubkey_read_hashes(struct ike_sa *sa, const struct ike_msg *m);
/* CERTREQ naming our CAs (if the peer authenticates with a key). */
int ike_pubkey_add_certreq(const struct ike_sa *sa, struct ike_buf *b);
/* Our CERT payloads for the peer's CERTREQs. */
int ike_pubkey_add_certs(const struct ike_sa *sa, struct ike_buf *b,
			 const struct ike_cert_pld *certreq, int ncertreq);
int ike_pubkey_add_auth(const struct ike_sa *sa,
			const struct ike_signed_octets *so, struct ike_buf *b);
/* The peer's chain, its ID in it and its AUTH; false (logged) if not. */
bool ike_pubkey_verify(struct ike_sa *sa, const struct ike_msg *m,
		       const struct ike_id_pld *id,
		       const struct ike_signed_octets *so);

/* ---- informational.c: DELETE, liveness, notifies ---------------------- */
void ike_info_on_request(struct ike_sa *sa, const struct ike_msg *msg,
			 uint64_t now);
void ike_info_on_response(struct ike_sa *sa, const struct ike_msg *msg,
			  uint64_t now);
/* Our DELETE of the IKE SA sent once, not waited for (shutdown, reload). */
void ike_info_delete_now(struct ike_sa *sa);
/* Queue our DELETE of the IKE SA (or of one Child SA). */
void ike_info_delete_ike(struct ike_sa *sa, uint64_t now);
void ike_info_delete_child(struct ike_child *c, uint64_t now);
/* Send the next queued INFORMATIONAL; true if one went out. */
bool ike_info_kick(struct ike_sa *sa, uint64_t now);
/* The peer stopped answering, or the SA is gone: dpd_action. */
void ike_sa_gone(struct ike_sa *sa, uint64_t now, const char *why);
/* Other IKE SAs with the same peer identity (INITIAL_CONTACT). */
void ike_info_initial_contact(struct ike_sa *sa, uint64_t now);
void ike_dpd_tick(struct ike_sa *sa, uint64_t now);
/* Answer the request m with just an error notify. */
void ike_info_refuse(struct ike_sa *sa, const struct ike_msg *m,
		     uint16_t notify);
/* An error notify as an INFORMATIONAL request (unanswered errors). */
int ike_info_notify(struct ike_sa *sa, uint16_t type, uint64_t now);

/* ---- nat.c: NAT detection and traversal ------------------------------- */
/* NAT_DETECTION_SOURCE_IP / _DESTINATION_IP into an IKE_SA_INIT message. */
int ike_nat_add_notifies(struct ike_buf *b, const struct ike_sa *sa);
/* Responder with `encap`: replace the NAT_DETECTION_SOURCE_IP hash of
 * the built IKE_SA_INIT response b by one that cannot match. */
int ike_nat_fake_source(struct ike_buf *b);
/* Read the peer's NAT-D notifies: sets nat_local / nat_remote / natt. */
void ike_nat_detect(struct ike_sa *sa, const struct ike_msg *msg);
/* After IKE_SA_INIT: move to port 4500 if a NAT was found or forced. */
void ike_nat_float(struct ike_sa *sa);
/* An authenticated message came from remote: follow a NAT's mapping. */
void ike_nat_update(struct ike_sa *sa, const struct ike_addr *local,
		    const struct ike_addr *remote);
void ike_nat_keepalive_tick(struct ike_sa *sa, uint64_t now);
/* The source address a route to remote would use (port untouched). */
int ike_nat_source(const struct ike_addr *remote, struct ike_addr *local);

/* ---- ctx.c (timers) --------------------------------------------------- */
uint64_t ike_sa_next_deadline(const struct ike_sa *sa);

#endif
