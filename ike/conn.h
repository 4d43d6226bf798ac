/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * IKE connections and secrets as configured: the model of swanctl.conf's
 * `connections { NAME { local { } remote { } children { NAME { } } } }`
 * and `secrets { ike-NAME { id = ..  secret = .. } }`. The daemon's config
 * parser (loader/conf_ike.c) fills these; the IKE core (ike/ike.h) only
 * reads them. Values are already validated and in wire form (proposals as
 * parsed by ike_prop_parse(), traffic selectors as struct ike_ts ranges).
 */
#ifndef XDPSEC_IKE_CONN_H
#define XDPSEC_IKE_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ikev2_init.h"
#include "ike/ikev2_pld.h"

enum {
	IKE_NAME_MAX = 64,
	IKE_ID_MAX = 256,		/* an ID's data (DN in DER, FQDN, ...) */
	IKE_PATH_MAX = 256,
	IKE_CONN_MAX_CHILDREN = 8,
	IKE_PSK_MAX = 256,
};

enum ike_auth_kind {
	IKE_AUTH_KIND_PSK = 1,		/* auth = psk */
	IKE_AUTH_KIND_PUBKEY = 2,	/* auth = pubkey (certificates) */
};

enum ike_start_action {
	IKE_START_NONE = 0,		/* start_action = none: wait for the peer */
	IKE_START_START = 1,		/* start: initiate when loaded */
	IKE_START_TRAP = 2,		/* trap: initiate on the first packet
					 * that hits the child's PROTECT policy */
};

enum ike_dpd_action {
	IKE_DPD_CLEAR = 0,		/* dpd_action = clear: delete the SAs */
	IKE_DPD_RESTART = 1,		/* restart: delete, then initiate again */
	IKE_DPD_TRAP = 2,		/* trap: delete, re-arm trap policies */
};

/* An identity (RFC 7296 3.5): type IKEV2_ID_* and its data as sent. */
struct ike_id_cfg {
	uint8_t type;			/* 0: %any (remote only) / from cert */
	uint16_t len;
	uint8_t data[IKE_ID_MAX];
};

/* One end's authentication (swanctl.conf local { } / remote { }). */
struct ike_end_cfg {
	enum ike_auth_kind auth;
	struct ike_id_cfg id;
	char certs[IKE_PATH_MAX];	/* local: our certificate (PEM/DER) */
	char key[IKE_PATH_MAX];		/* local: its private key */
	char cacerts[IKE_PATH_MAX];	/* remote: CA(s) the peer chains to */
};

/* A Child SA template (children { NAME { } }). */
struct ike_child_cfg {
	char name[IKE_NAME_MAX];
	/* proposed; narrowed down. Type 0: `dynamic`, the IKE SA's own
	 * local or remote address (ike_ts_dynamic()), as strongSwan has it */
	struct ike_ts_pld local_ts, remote_ts;
	struct ike_sa_pld proposals;	/* esp_proposals / ah_proposals */
	uint8_t proto;			/* IKEV2_PROTO_ESP or _AH */
	bool transport;			/* mode = transport */
	enum ike_start_action start_action;
	enum ike_dpd_action dpd_action;
	uint32_t replay_window;		/* packets; 0: off */
	/* Lifetimes (0: none). Rekey at rekey_* minus a random part of
	 * rand_time (time) or of 10% (bytes/packets); hard expiry at life_*. */
	uint32_t rekey_time, life_time, rand_time;	/* seconds */
	uint64_t rekey_bytes, life_bytes;
	uint64_t rekey_packets, life_packets;
};

/* A connection (connections { NAME { } }). */
struct ike_conn_cfg {
	char name[IKE_NAME_MAX];
	struct ike_addr local;		/* port 500 unless set; len 0: any */
	struct ike_addr remote;		/* len 0: %any (responder only) */
	struct ike_sa_pld proposals;	/* IKE proposals (IKEV2_PROTO_IKE) */
	struct ike_end_cfg local_auth, remote_auth;
	bool encap;			/* force UDP encapsulation (RFC 3948) */
	bool fragmentation;		/* offer/accept RFC 7383 */
	bool esn;			/* derived: some child proposal has esn */
	uint32_t rekey_time, rand_time;	/* IKE SA rekey, seconds; 0: none */
	uint32_t dpd_delay, dpd_timeout;	/* seconds; 0: no DPD */
	uint32_t keyingtries;		/* 0: forever */
	uint8_t nchildren;
	struct ike_child_cfg children[IKE_CONN_MAX_CHILDREN];
};

/* A shared key (secrets { ike-NAME { id-N = ... secret = ... } }). */
struct ike_secret_cfg {
	uint8_t nids;			/* 0: any peer */
	struct ike_id_cfg ids[4];
	uint16_t len;
	uint8_t psk[IKE_PSK_MAX];	/* wipe with xs_wipe() */
};

#endif
