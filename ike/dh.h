/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * IKEv2 key exchange groups (transform type 4): one object per exchange,
 * holding our private key. Values are in IKE wire format:
 *   MODP 14/15/16 (RFC 3526): y big-endian, zero-padded to the modulus
 *     length; shared secret g^ir the same (RFC 7296 section 2.14);
 *   ECP 19/20/21 (RFC 5903 section 7): x || y without the point-format
 *     byte; shared secret the x coordinate;
 *   Curve25519 / Curve448 (RFC 8031): the 32 / 56-byte u-coordinate;
 *     an all-zero shared secret is refused.
 * Groups are named by their IKEV2_DH_* ids (ike/ikev2.h).
 * The caller answers a group it has no object for (ike_dh_supported() 0)
 * with INVALID_KE_PAYLOAD and IKE_DH_ERR_LENGTH / IKE_DH_ERR_VALUE with INVALID_SYNTAX. The private key
 * lives only inside the object and is wiped with it.
 */
#ifndef XDPSEC_IKE_DH_H
#define XDPSEC_IKE_DH_H

#include <stddef.h>
#include <stdint.h>

enum {
	IKE_DH_MAX_PUBLIC_LEN = 512,	/* MODP 4096 */
	IKE_DH_MAX_SECRET_LEN = 512,
};

enum ike_dh_err {
	IKE_DH_OK = 0,
	IKE_DH_ERR_LENGTH = -2,		/* value of the wrong length */
	IKE_DH_ERR_VALUE = -3,		/* value out of range / not on curve */
	IKE_DH_ERR_STATE = -4,		/* no key pair yet, or buffer too small */
	IKE_DH_ERR_CRYPTO = -5,		/* library failure */
};

struct ike_dh;

/* 1 if the group id is one we implement. */
int ike_dh_supported(uint16_t group);
/* NULL for an unsupported group or on allocation failure. */
struct ike_dh *ike_dh_new(uint16_t group);
void ike_dh_free(struct ike_dh *dh);

uint16_t ike_dh_group(const struct ike_dh *dh);
const char *ike_dh_name(const struct ike_dh *dh);
/* Exact length of a public value (KE payload data) and of g^ir. */
size_t ike_dh_public_len(const struct ike_dh *dh);
size_t ike_dh_secret_len(const struct ike_dh *dh);

/* A fresh key pair. */
int ike_dh_generate(struct ike_dh *dh);
/*
 * A key pair from a given private value (big-endian for MODP and ECP, the
 * RFC 7748 scalar bytes for the curves): for known-answer tests.
 */
int ike_dh_set_private(struct ike_dh *dh, const uint8_t *priv, size_t len);
/* Writes ike_dh_public_len() bytes to out (out_len must be at least that). */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t out_len);
/*
 * Checks the peer's public value and writes ike_dh_secret_len() bytes of
 * g^ir to secret (secret_len must be at least that); on error nothing
 * usable is left in secret.
 */
int ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  uint8_t *secret, size_t secret_len);

const char *ike_dh_strerror(int err);

#endif
