/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Public-key authentication of IKE_AUTH (RFC 7296 2.15, RFC 7427, RFC
 * 4754): our AUTH payload signed with our private key, the peer's checked
 * against its certificate. No I/O; OpenSSL EVP signatures.
 *
 * How IKE_AUTH uses the certificate module (ike/cred.h, ike/ca.h, ike/id.h):
 *
 * Configuration (once): cred = ike_cred_new(); ike_cred_load_key(cred,
 *   local.key); ike_cred_load_certs(cred, local.certs); ike_cred_check().
 *   ca = ike_ca_new(); ike_ca_load(ca, remote.cacerts).
 * IKE_SA_INIT (both sides): send Notify SIGNATURE_HASH_ALGORITHMS with
 *   ike_sig_hash_notify() data. From the peer's (n = ike_msg_notify(&msg,
 *   IKEV2_N_SIGNATURE_HASH_ALGORITHMS)), ike_sig_hash_parse(&n->data,
 *   &peer_hashes, err) gives the hashes it accepts; without one,
 *   peer_hashes = 0 and classic methods are used. Send a CERTREQ:
 *   ike_add_cert(b, IKEV2_PAYLOAD_CERTREQ, IKEV2_CERT_X509_SIGNATURE, h,
 *   ike_ca_certreq(ca, h, sizeof(h))): the responder in its IKE_SA_INIT
 *   reply, the initiator in its IKE_AUTH request (strongSwan sends its
 *   certificate only when asked).
 * Our IKE_AUTH message, in payload order:
 *   ID    ike_id_local(ike_cred_ee(cred), &local.id, &id), then
 *         ike_add_id(b, IDi or IDr, id.type, id.data, id.len); its body
 *         for the signed octets: ike_id_body(&id, body, sizeof(body));
 *   CERT  n = ike_cred_certs_to_send(cred, msg.certreq, msg.ncertreq, c,
 *         max) (the peer's CERTREQs; none: the initiator still sends them,
 *         a responder may skip them), each ike_add_cert(b,
 *         IKEV2_PAYLOAD_CERT, IKEV2_CERT_X509_SIGNATURE, der.ptr, der.len)
 *         with der = ike_cert_der(c[i]);
 *   AUTH  ike_auth_sig_make(cred, prf, &so, peer_hashes, rsa_pss, &a),
 *         then ike_add_auth(b, a.method, a.data, a.len); so = { our first
 *         message as sent, the peer's nonce data, our ID payload body, our
 *         SK_pi / SK_pr }.
 *         rsa_pss false signs RSA like strongSwan's default (PKCS#1 v1.5);
 *         strongSwan 5.9 verifies either.
 * The peer's IKE_AUTH message (parsed, inner payloads included):
 *   ike_auth_cert_verify(ca, &remote.id, msg.cert, msg.ncert, id_pld,
 *   &msg.auth, prf, &so, now, &peer_id, err) with id_pld = &msg.idi (we are the
 *   responder) or &msg.idr, so = { the peer's first message as received,
 *   our nonce data, id_pld->body, the peer's SK_pi / SK_pr }. 0: the peer is
 *   authenticated as peer_id; -1: err->notify AUTHENTICATION_FAILED and
 *   err->reason says why (ID not the configured one, certificate expired /
 *   issuer unknown / bad signature, ID not in the certificate, AUTH method
 *   or algorithm not acceptable for the key, signature does not verify).
 */
#ifndef XDPSEC_IKE_AUTH_SIG_H
#define XDPSEC_IKE_AUTH_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ike/ca.h"
#include "ike/cred.h"
#include "ike/id.h"
#include "ike/keys.h"

enum {
	IKE_SIG_MAX_BYTES = 1024,	/* RSA-8192 */
	/* method 14: length byte, AlgorithmIdentifier, signature */
	IKE_AUTH_SIG_MAX_LEN = 1 + 255 + IKE_SIG_MAX_BYTES,
};

/* The AUTH payload's method and data (after the 4-byte method header). */
struct ike_auth_data {
	uint8_t method;		/* IKEV2_AUTH_* */
	size_t len;
	uint8_t data[IKE_AUTH_SIG_MAX_LEN];
};

/*
 * Signs the octets with our key. With peer_hashes (ike_sig_hash_parse())
 * holding a hash for our key (ike_sig_alg_choose()): RFC 7427 Digital
 * Signature (method 14), RSA as PSS if rsa_pss, else PKCS#1 v1.5. Without:
 * RSA Digital Signature (method 1, PKCS#1 v1.5 with SHA-1, RFC 7296 3.8),
 * ECDSA methods 9/10/11 by curve (RFC 4754: SHA-256/384/512, r || s);
 * Ed25519 needs method 14 with Identity. prf is the IKE SA's (MACedIDFor).
 * 0, or -1 with err set (notify 0: our side).
 */
int ike_auth_sig_make(const struct ike_cred *cred, uint16_t prf,
		      const struct ike_signed_octets *so, uint32_t peer_hashes,
		      bool rsa_pss, struct ike_auth_data *out,
		      struct ike_err *err);

/*
 * Checks the peer's AUTH payload with the public key of its end-entity
 * certificate (validated by the caller, ike_ca_verify()). Methods 1, 9,
 * 10, 11 and 14; the method or AlgorithmIdentifier must fit the key type
 * (and methods 9-11 its curve), lengths must be exact (r || s, the
 * modulus, nothing after a DER ECDSA signature), SHA-1 only in method 1.
 * 0 if it verifies, -1 with err (AUTHENTICATION_FAILED) saying why.
 */
int ike_auth_sig_verify(const struct ike_cert *peer, uint16_t prf,
			const struct ike_signed_octets *so,
			const struct ike_auth_pld *auth, struct ike_err *err);

/*
 * All of the peer's certificate authentication, cheapest check first: its
 * ID (id_pld) against the configured remote ID (type 0: any), its chain
 * (certs, as received) against ca at time now (0: the current time), the
 * ID in its certificate (ike_id_cert_match()), then AUTH. so.id must be
 * id_pld->body. On success peer_id holds the peer's identity.
 */
int ike_auth_cert_verify(const struct ike_ca *ca,
			 const struct ike_id_cfg *remote_id,
			 const struct ike_cert_pld *certs, int ncerts,
			 const struct ike_id_pld *id_pld,
			 const struct ike_auth_pld *auth, uint16_t prf,
			 const struct ike_signed_octets *so, time_t now,
			 struct ike_id_cfg *peer_id, struct ike_err *err);

#endif
