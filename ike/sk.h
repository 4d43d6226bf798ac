/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Protecting the Encrypted payload (RFC 7296 3.14) and the Encrypted
 * Fragment payload (RFC 7383 2.5) of IKEv2 messages.
 *
 * AEAD (AES-GCM-8/12/16 per RFC 5282, ChaCha20-Poly1305 per RFC 7634): an
 * 8-byte IV from a per-direction counter, nonce = salt (the last 4 bytes of
 * SK_e) || IV, AAD = the IKE header through the SK(F) payload's fixed part,
 * the ICV (the AEAD tag) at the end of the payload. AES-CBC with HMAC: a
 * random 16-byte IV, the ICV (truncated HMAC) over the message from the IKE
 * header to the end of the ciphertext.
 *
 * One struct ike_sk per direction of an IKE SA: the initiator seals with
 * SK_ei/SK_ai and opens with SK_er/SK_ar, the responder the other way. It
 * holds only the crypto objects and the salt, never the caller's key bytes.
 */
#ifndef XDPSEC_IKE_SK_H
#define XDPSEC_IKE_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ikev2_pld.h"
#include "ike/keys.h"

/* Results of the SK functions: 0 or a length, or one of these. */
enum ike_sk_status {
	IKE_SK_E_LENGTH = -1,	/* body too short, or not whole blocks */
	IKE_SK_E_PADDING = -2,	/* pad length beyond the plaintext */
	IKE_SK_E_ICV = -3,	/* integrity check failed */
	IKE_SK_E_SPACE = -4,	/* the sealed message would not fit */
	IKE_SK_E_IV = -5,	/* AEAD IV counter exhausted: rekey */
	IKE_SK_E_CRYPTO = -6,	/* the crypto library failed */
	IKE_SK_E_ARG = -7,	/* no SK(F) payload, buffer mismatch, ... */
};

struct ike_sk;

/*
 * A context for encr (IKEV2_ENCR_*) and integ (IKEV2_INTEG_*, NONE for
 * AEAD) keyed with sk_e (cipher key, plus the 4-byte salt for AEAD) and
 * sk_a (empty for AEAD); the lengths must be what ike_key_lens() gives.
 * NULL if the combination or a length is wrong. The caller wipes its keys.
 */
struct ike_sk *ike_sk_new(uint16_t encr, uint16_t integ, const uint8_t *sk_e,
			  size_t sk_e_len, const uint8_t *sk_a,
			  size_t sk_a_len);
/* The context for one direction from derived IKE SA keys: sealing as the
 * initiator or opening as the responder uses SK_ei/SK_ai (use_i true). */
struct ike_sk *ike_sk_from_keys(uint16_t encr, uint16_t integ,
				const struct ike_sa_keys *keys, bool use_i);
void ike_sk_free(struct ike_sk *sk);

/* SK body bytes (IV, ciphertext, ICV) for plain_len inner bytes. */
size_t ike_sk_body_len(const struct ike_sk *sk, size_t plain_len);
/* The most inner bytes a body of body_len bytes can carry (0: none). */
size_t ike_sk_max_plain(const struct ike_sk *sk, size_t body_len);

/*
 * Append an SK payload carrying inner's chain (finalised here) to message
 * b (which must have a header and no SK yet), finalise the message and
 * protect it. Returns the message length or an ike_sk_status.
 */
int ike_sk_seal(struct ike_sk *sk, struct ike_buf *b, struct ike_buf *inner);
/* The same for fragment num of total (RFC 7383) carrying plain; the first
 * fragment names the inner chain's first payload type, the others 0. */
int ike_sk_seal_frag(struct ike_sk *sk, struct ike_buf *b, uint8_t inner,
		     uint16_t num, uint16_t total, const uint8_t *plain,
		     size_t len);

/*
 * Verify (constant time) and decrypt, in place, the SK or SKF payload of
 * msg, parsed by ike_msg_parse() from buf (msg->buf == buf). On success
 * inner is the decrypted chain inside buf, to give to ike_msg_parse_inner().
 * Returns 0 or an ike_sk_status; nothing outside the payload is read or
 * written, and a failure leaves inner empty.
 */
int ike_sk_open(struct ike_sk *sk, const struct ike_msg *msg, uint8_t *buf,
		struct ike_span *inner);

/* A printable name for an ike_sk_status. */
const char *ike_sk_strerror(int status);

#endif
