/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * When a Child SA or an IKE SA is rekeyed and when it expires, from the
 * configured lifetimes (ike/conn.h): rekey at rekey_* minus a random part
 * (of rand_time for time, of 10% for bytes and packets) so that peers and
 * SAs configured alike do not all rekey at once; hard expiry at life_*.
 *
 * A Child SA without extended sequence numbers also has a hard packet
 * limit of its own: its 32-bit outbound counter must never wrap (RFC 4303
 * 3.3.3). It expires at IKE_SEQ32_HARD packets whatever the configuration
 * says and is rekeyed IKE_SEQ32_MARGIN packets before that, so that the
 * dataplane's soft packet event fires in time for a CREATE_CHILD_SA.
 *
 * And which of two colliding rekeys wins (RFC 7296 2.8.1): the exchange
 * that carried the lowest of the four nonces loses; its initiator deletes
 * the SA it made, the winner's initiator deletes the old one.
 */
#ifndef XDPSEC_IKE_LIFETIME_H
#define XDPSEC_IKE_LIFETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/conn.h"

#define IKE_SEQ32_HARD	0xffffffffull	/* the last usable number */
#define IKE_SEQ32_MARGIN	(1ull << 22)	/* ~4 s at 1 Mpps */
#define IKE_JITTER_PERCENT	10	/* bytes/packets: up to 10% */

/* When and after how much traffic: absolute ms, 0 for none. */
struct ike_life {
	uint64_t rekey_ms, expire_ms;
	uint64_t soft_bytes, hard_bytes;	/* for the dataplane */
	uint64_t soft_packets, hard_packets;
};

/*
 * The lifetimes of a Child SA of cfg installed at now; rnd supplies the
 * random parts (three values, from xs_random() outside of tests).
 */
void ike_life_child(const struct ike_child_cfg *cfg, bool esn, uint64_t now,
		    const uint32_t rnd[3], struct ike_life *out);
/* The rekey time of an IKE SA of conn established at now (0: none). */
uint64_t ike_life_ike_rekey(const struct ike_conn_cfg *conn, uint64_t now,
			    uint32_t rnd);

/* Orders two nonces as octet strings (memcmp(), a prefix first). */
int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
		  size_t blen);

/*
 * RFC 7296 2.8.1: true if our exchange (our nonce ni_ours, the peer's
 * answer nr_theirs) lost against the peer's (its ni_theirs, our answer
 * nr_ours), i.e. the lowest of the four nonces is one of ours'.
 */
bool ike_rekey_lost(const uint8_t *ni_ours, size_t ni_ours_len,
		    const uint8_t *nr_theirs, size_t nr_theirs_len,
		    const uint8_t *ni_theirs, size_t ni_theirs_len,
		    const uint8_t *nr_ours, size_t nr_ours_len);

#endif
