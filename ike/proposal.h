/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Proposals as configured and as negotiated (RFC 7296 2.7, 3.3).
 *
 * Configuration strings are written the way strongSwan users write them:
 * algorithm keywords joined by '-' make one proposal
 * ("aes256gcm16-prfsha384-x25519"), proposals are separated by ','. A
 * parsed list is a struct ike_sa_pld (ike/ikev2_pld.h): what the SA payload
 * builder sends and what the parser hands back, so selection compares like
 * with like. Transforms of a proposal are kept in the order ENCR, INTEG,
 * PRF, DH, ESN, each type in the order written (strongSwan's order on the
 * wire). As in strongSwan, an IKE proposal without a PRF gets the PRFs of
 * its integrity algorithms (sha256 -> prfsha256), and an ESP or AH proposal
 * without esn/noesn gets noesn; AES-GMAC in an AH proposal is the integrity
 * algorithm of that key size.
 */
#ifndef XDPSEC_IKE_PROPOSAL_H
#define XDPSEC_IKE_PROPOSAL_H

#include <stddef.h>
#include <stdint.h>

#include "ikev2_pld.h"

enum ike_prop_flag {
	/* Ignore DH transforms on both sides: the Child SA of IKE_AUTH,
	 * which has no key exchange of its own (RFC 7296 1.2). */
	IKE_PROP_SKIP_DH = 1 << 0,
};

/*
 * Parses str into out (proposals numbered from 1, SPIs empty) for proto
 * (IKEV2_PROTO_IKE, _ESP or _AH). On error returns -1 with a one-line
 * reason in err->reason that names the token at fault.
 */
int ike_prop_parse(const char *str, uint8_t proto, struct ike_sa_pld *out,
		   struct ike_err *err);

/*
 * The canonical string of sa: one keyword per transform, proposals joined
 * by ", " (ike_prop_parse() of it gives sa back). Transforms without a
 * keyword print as "unknown-<type>-<id>[_<bits>]". Returns the string's
 * length, or -1 if it does not fit in len bytes.
 */
int ike_prop_format(const struct ike_sa_pld *sa, char *buf, size_t len);

/*
 * Responder: the first of our proposals (our order) that one of the peer's
 * proposals matches: same protocol, every transform type of either side
 * present in both with a transform (id and key length) in common, no
 * transform type we do not know, transforms with unknown attributes
 * ignored; a Child SA proposal without DH matches one that offers NONE
 * among its groups (no PFS). In each type our first transform that the peer offers wins;
 * for DH, ke_group wins if both sides offer it (the group of the peer's
 * KE payload, 0 for none). chosen gets one proposal, numbered and with the
 * SPI as in the peer's. -1 with IKEV2_N_NO_PROPOSAL_CHOSEN if none matches.
 */
int ike_prop_select(const struct ike_sa_pld *ours,
		    const struct ike_sa_pld *peer, uint16_t ke_group,
		    unsigned int flags, struct ike_sa_pld *chosen,
		    struct ike_err *err);

/*
 * Initiator: the responder's reply must be one proposal, numbered as one
 * we offered, with the same protocol, exactly one transform of each type
 * that proposal has, each one we offered in it (RFC 7296 2.7). Returns the
 * index of our proposal; -1 with IKEV2_N_INVALID_SYNTAX for a malformed
 * reply, IKEV2_N_NO_PROPOSAL_CHOSEN for a suite we did not offer.
 */
int ike_prop_check_reply(const struct ike_sa_pld *offered,
			 const struct ike_sa_pld *reply, unsigned int flags,
			 struct ike_err *err);

/*
 * The transform of a type in proposal i of sa (the first one, for a list
 * of ours): its id, and its key length in *key_bits if not NULL. -1 if
 * the proposal has none of that type.
 */
int ike_prop_xform(const struct ike_sa_pld *sa, uint16_t i, uint8_t type,
		   uint16_t *key_bits);

/*
 * The group of the peer's KE payload against the chosen proposal's DH
 * group: 0 if they are the same; else -1 with IKEV2_N_INVALID_KE_PAYLOAD
 * and *request set to the group to ask for (RFC 7296 1.2, 2.7).
 */
int ike_prop_check_ke(uint16_t chosen_group, uint16_t ke_group,
		      uint16_t *request, struct ike_err *err);

#endif
