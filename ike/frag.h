/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * IKEv2 message fragmentation (RFC 7383): splitting a message's inner
 * payload chain into Encrypted Fragment (SKF) messages that each fit a
 * datagram, and reassembling the fragments of one received message.
 * Every fragment is protected on its own with the SK functions (ike/sk.h).
 * A fragment carries only the SKF payload; the first names the inner
 * chain's first payload type, the others 0.
 */
#ifndef XDPSEC_IKE_FRAG_H
#define XDPSEC_IKE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ikev2_pld.h"
#include "ike/sk.h"

enum {
	IKE_FRAG_MAX = 64,		/* fragments of one message, either way */
	IKE_FRAG_TIMEOUT_MS = 30000,	/* a reassembly is dropped after this */
	IKE_FRAG_HDR_BYTES = sizeof(struct ikev2_hdr) +
			     sizeof(struct ikev2_pld_hdr) +
			     sizeof(struct ikev2_skf),
};

/* Results of ike_frag_add() (>= 0), and errors below the SK ones. */
enum ike_frag_status {
	IKE_FRAG_MORE = 0,		/* stored; fragments still missing */
	IKE_FRAG_DONE = 1,		/* all fragments here: take them */
	IKE_FRAG_DUPLICATE = 2,		/* already have it: ignored */
	IKE_FRAG_E_NOT_FRAG = -20,	/* no SKF payload */
	IKE_FRAG_E_RANGE = -21,		/* fragment number 0 or over total */
	IKE_FRAG_E_TOO_MANY = -22,	/* more than IKE_FRAG_MAX fragments */
	IKE_FRAG_E_TOTAL = -23,		/* fewer in total than seen before */
	IKE_FRAG_E_MSGID = -24,		/* not the message being reassembled */
	IKE_FRAG_E_SIZE = -25,		/* reassembled message over the limit */
	IKE_FRAG_E_MTU = -26,		/* split: no room for data in a fragment */
	IKE_FRAG_E_EMIT = -27,		/* split: the emit callback failed */
	IKE_FRAG_E_STATE = -28,		/* take: not complete, or no room */
};

/* The IKE header every fragment of a message repeats. */
struct ike_frag_hdr {
	uint64_t spi_i, spi_r;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
};

/* Called with each fragment message in order; 0 to go on. */
typedef int (*ike_frag_emit_fn)(void *arg, const uint8_t *msg, size_t len);

/*
 * Split inner (finalised here) into fragments of at most max_msg bytes of
 * IKE message each (the UDP payload, without a non-ESP marker), built one
 * by one in scratch and handed to emit. Returns the number of fragments or
 * an ike_frag_status / ike_sk_status error.
 */
int ike_frag_split(struct ike_sk *sk, const struct ike_frag_hdr *h,
		   struct ike_buf *inner, size_t max_msg,
		   struct ike_buf *scratch, ike_frag_emit_fn emit, void *arg);

/* Reassembly of one message ID, fragments in any order. */
struct ike_frag_reasm {
	bool active;
	uint8_t first;		/* inner chain's first type (fragment 1) */
	uint16_t total;
	uint32_t msgid;
	uint64_t have;		/* bit n - 1: fragment n stored */
	uint64_t deadline_ms;
	size_t limit;		/* most bytes of inner chain accepted */
	size_t used;
	uint16_t off[IKE_FRAG_MAX], len[IKE_FRAG_MAX];
	uint8_t data[IKEV2_MSG_MAX_BYTES];
};

/* Empty, accepting up to limit reassembled bytes (capped by data[]). */
void ike_frag_reasm_init(struct ike_frag_reasm *r, size_t limit);
/*
 * The timer hook: drops a reassembly older than IKE_FRAG_TIMEOUT_MS.
 * Returns true if it dropped one. ike_frag_add() calls it first.
 */
bool ike_frag_reasm_expire(struct ike_frag_reasm *r, uint64_t now_ms);
/*
 * Verify, decrypt and store the SKF fragment of msg, parsed from buf
 * (ike_sk_open() rules). A fragment with a greater total than the ones
 * before restarts the reassembly (the sender re-fragmented, RFC 7383
 * 2.6.2); a smaller total is refused. Nothing changes on an error.
 */
int ike_frag_add(struct ike_frag_reasm *r, struct ike_sk *sk,
		 const struct ike_msg *msg, uint8_t *buf, uint64_t now_ms);
/*
 * Once ike_frag_add() said IKE_FRAG_DONE: the inner chain in order into
 * out (cap bytes), its first payload type in *first, and the state emptied.
 * Parse it with ike_msg_parse_inner() after setting msg->sk.inner = *first.
 * Returns its length or IKE_FRAG_E_STATE.
 */
long ike_frag_take(struct ike_frag_reasm *r, uint8_t *out, size_t cap,
		   uint8_t *first);

#endif
