/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The responder's side of IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.10, 2.23),
 * without I/O: one received datagram in, the response to send out and, when
 * the exchange succeeds, the new IKE SA's negotiated transforms and keys.
 * The caller supplies the randomness (our SPI and nonce; the DH private
 * value comes from ike/dh.c) and the addresses the datagram travelled
 * between, for the NAT detection hashes.
 */
#ifndef XDPSEC_IKE_IKEV2_INIT_H
#define XDPSEC_IKE_IKEV2_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ikev2_pld.h"
#include "ike/keys.h"

/* One end of the datagram: an IPv4 (len 4) or IPv6 (len 16) address. */
struct ike_addr {
	uint8_t len;
	uint8_t addr[16];
	uint16_t port;		/* host byte order */
};

struct ike_init_req {
	const uint8_t *msg;		/* the IKE message (no non-ESP marker) */
	size_t len;
	const struct ike_sa_pld *ours;	/* ike_prop_parse(..., IKEV2_PROTO_IKE) */
	uint64_t spi_r;			/* fresh, random, not 0 */
	const uint8_t *nonce_r;		/* fresh, random, 16..256 bytes */
	size_t nonce_len;
	struct ike_addr local, remote;	/* we received on local from remote */
};

/* The IKE SA an accepted request makes. Wipe with ike_init_sa_wipe(). */
struct ike_init_sa {
	uint64_t spi_i, spi_r;
	struct ike_sa_pld chosen;	/* the proposal we answered with */
	uint16_t encr, key_bits, integ, prf, group;
	bool peer_frag;			/* it sent IKEV2_FRAGMENTATION_SUPPORTED */
	struct ike_sa_keys keys;	/* SK_d, SK_ai/ar, SK_ei/er, SK_pi/pr */
};

enum ike_init_result {
	IKE_INIT_DROP = -1,	/* not an IKE_SA_INIT request: send nothing */
	IKE_INIT_ACCEPT = 0,	/* resp is the response, sa is filled in */
	IKE_INIT_REFUSE = 1,	/* resp carries the error notify err->notify */
};

/*
 * Answers the IKE_SA_INIT request req->msg: SA (the selected proposal), KE
 * (of its group), Nr, NAT_DETECTION_SOURCE_IP / _DESTINATION_IP and, if the
 * peer sent it, IKEV2_FRAGMENTATION_SUPPORTED; or an error response with a
 * zero responder SPI: NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD naming the
 * group we want, INVALID_SYNTAX (or what the parser found) for a malformed
 * request. err->reason says why in every case but ACCEPT.
 */
int ike_init_respond(const struct ike_init_req *req, struct ike_buf *resp,
		     struct ike_init_sa *sa, struct ike_err *err);
void ike_init_sa_wipe(struct ike_init_sa *sa);

/* The NAT detection hash SHA-1(SPIi | SPIr | address | port) of 2.23. */
int ike_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *a,
		  uint8_t out[IKEV2_NATD_HASH_BYTES]);

#endif
