// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKE_SA_INIT as the responder (ike/ikev2_init.h): check the request,
 * select a proposal, do the key exchange, derive the IKE SA keys and
 * build the response, or build the error response that says why not.
 */
#include <string.h>

#include "engine/crypto.h"
#include "ike/dh.h"
#include "ike/ikev2_init.h"
#include "ike/proposal.h"

#define HDR_BYTES sizeof(struct ikev2_hdr)

int ike_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *a,
		  uint8_t out[IKEV2_NATD_HASH_BYTES])
{
	uint8_t spis[16], port[2] = { (uint8_t)(a->port >> 8),
				      (uint8_t)a->port };
	struct xs_buf in[3] = {
		{ spis, sizeof(spis) }, { a->addr, a->len }, { port, 2 },
	};

	if (a->len != 4 && a->len != 16)
		return -1;
	ike_put64(spis, spi_i);
	ike_put64(spis + 8, spi_r);
	return xs_sha1(in, 3, out) == IKEV2_NATD_HASH_BYTES ? 0 : -1;
}

/* What must hold of an IKE_SA_INIT request beyond what the parser checks. */
static int check_request(const struct ike_msg *msg, struct ike_err *err)
{
	if (msg->msgid != 0)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"IKE_SA_INIT with message ID %u", msg->msgid);
	if (msg->spi_i == 0 || msg->spi_r != 0)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"IKE_SA_INIT with SPIs %016llx/%016llx",
				(unsigned long long)msg->spi_i,
				(unsigned long long)msg->spi_r);
	if (!ike_msg_has(msg, IKEV2_PAYLOAD_SA) ||
	    !ike_msg_has(msg, IKEV2_PAYLOAD_KE) ||
	    !ike_msg_has(msg, IKEV2_PAYLOAD_NONCE))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"IKE_SA_INIT without SA, KE or Nonce");
	if (ike_msg_has(msg, IKEV2_PAYLOAD_SK) ||
	    ike_msg_has(msg, IKEV2_PAYLOAD_SKF))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"IKE_SA_INIT with an Encrypted payload");
	return 0;
}

/* The proposal, its transforms, and the KE group check. */
static int choose(const struct ike_init_req *req, const struct ike_msg *msg,
		  struct ike_init_sa *sa, uint16_t *want, struct ike_err *err)
{
	struct ike_key_lens lens;
	int id;

	if (ike_prop_select(req->ours, &msg->sa, msg->ke.group, 0,
			    &sa->chosen, err))
		return -1;
	sa->encr = (uint16_t)ike_prop_xform(&sa->chosen, 0, IKEV2_XFORM_ENCR,
					    &sa->key_bits);
	sa->prf = (uint16_t)ike_prop_xform(&sa->chosen, 0, IKEV2_XFORM_PRF,
					   NULL);
	sa->group = (uint16_t)ike_prop_xform(&sa->chosen, 0, IKEV2_XFORM_DH,
					     NULL);
	id = ike_prop_xform(&sa->chosen, 0, IKEV2_XFORM_INTEG, NULL);
	sa->integ = id < 0 ? IKEV2_INTEG_NONE : (uint16_t)id;
	if (ike_key_lens(sa->encr, sa->key_bits, sa->integ, &lens) ||
	    !ike_prf_len(sa->prf) || !ike_dh_supported(sa->group))
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"configured proposal not usable");
	return ike_prop_check_ke(sa->group, msg->ke.group, want, err);
}

/* Our KE value into pub, g^ir into gir; the private key dies here. */
static int key_exchange(const struct ike_msg *msg, uint16_t group,
			uint8_t *pub, size_t *pub_len, uint8_t *gir,
			size_t *gir_len, struct ike_err *err)
{
	struct ike_dh *dh = ike_dh_new(group);
	int rc = dh ? ike_dh_generate(dh) : IKE_DH_ERR_CRYPTO;

	if (!rc) {
		*pub_len = ike_dh_public_len(dh);
		*gir_len = ike_dh_secret_len(dh);
		rc = ike_dh_public(dh, pub, IKE_DH_MAX_PUBLIC_LEN);
	}
	if (!rc)
		rc = ike_dh_derive(dh, msg->ke.data.ptr, msg->ke.data.len, gir,
				   IKE_DH_MAX_SECRET_LEN);
	ike_dh_free(dh);
	if (rc == IKE_DH_ERR_LENGTH || rc == IKE_DH_ERR_VALUE)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX, "KE payload: %s",
				ike_dh_strerror(rc));
	if (rc)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"key exchange failed: %s", ike_dh_strerror(rc));
	return 0;
}

/* SKEYSEED and SK_* (RFC 7296 2.14); wipes g^ir. */
static int derive(const struct ike_init_req *req, const struct ike_msg *msg,
		  struct ike_init_sa *sa, uint8_t *gir, size_t gir_len,
		  struct ike_err *err)
{
	struct xs_buf ni = { msg->nonce.ptr, msg->nonce.len };
	struct xs_buf nr = { req->nonce_r, req->nonce_len };
	struct xs_buf g = { gir, gir_len };
	uint8_t seed[IKE_PRF_MAX_LEN];
	struct ike_key_lens lens;
	size_t seed_len = ike_skeyseed(sa->prf, &ni, &nr, &g, seed);
	int rc;

	xs_wipe(gir, gir_len);
	rc = ike_key_lens(sa->encr, sa->key_bits, sa->integ, &lens);
	if (rc)
		xs_wipe(seed, sizeof(seed));
	if (rc || ike_sa_keys_from_seed(sa->prf, seed, seed_len, &ni, &nr,
					sa->spi_i, sa->spi_r, &lens, &sa->keys))
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"IKE SA key derivation failed");
	return 0;
}

static int add_natd(struct ike_buf *b, const struct ike_init_sa *sa,
		    const struct ike_addr *a, uint16_t type)
{
	uint8_t hash[IKEV2_NATD_HASH_BYTES];

	if (ike_natd_hash(sa->spi_i, sa->spi_r, a, hash))
		return -1;
	return ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0, type, hash,
			      sizeof(hash));
}

static int build_response(const struct ike_init_req *req,
			  const struct ike_init_sa *sa, const uint8_t *pub,
			  size_t pub_len, struct ike_buf *resp,
			  struct ike_err *err)
{
	int rc;

	ike_buf_init(resp, sa->spi_i, sa->spi_r, IKEV2_EXCHANGE_IKE_SA_INIT,
		     IKEV2_FLAG_RESPONSE, 0);
	rc = ike_add_sa(resp, &sa->chosen) ||
	     ike_add_ke(resp, sa->group, pub, pub_len) ||
	     ike_add_nonce(resp, req->nonce_r, req->nonce_len) ||
	     add_natd(resp, sa, &req->local,
		      IKEV2_N_NAT_DETECTION_SOURCE_IP) ||
	     add_natd(resp, sa, &req->remote,
		      IKEV2_N_NAT_DETECTION_DESTINATION_IP);
	if (!rc && sa->peer_frag)
		rc = ike_add_notify(resp, IKEV2_PROTO_NONE, NULL, 0,
				    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
				    NULL, 0);
	if (rc || ike_msg_finalise(resp) < 0)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"response does not fit");
	return 0;
}

/* An error response (2.6: responder SPI zero) carrying err->notify. */
static int refuse(uint64_t spi_i, uint16_t want_group, struct ike_buf *resp,
		  const struct ike_err *err)
{
	uint8_t data[2] = { (uint8_t)(want_group >> 8), (uint8_t)want_group };
	size_t len = 0;

	if (err->notify == IKEV2_N_INVALID_KE_PAYLOAD) {
		len = 2;
	} else if (err->notify == IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD) {
		data[0] = err->payload;
		len = 1;
	}
	ike_buf_init(resp, spi_i, 0, IKEV2_EXCHANGE_IKE_SA_INIT,
		     IKEV2_FLAG_RESPONSE, 0);
	if (ike_add_notify(resp, IKEV2_PROTO_NONE, NULL, 0, err->notify, data,
			   len) || ike_msg_finalise(resp) < 0)
		return IKE_INIT_DROP;
	return IKE_INIT_REFUSE;
}

/* Accept the parsed request into sa and resp, or fail with err. */
static int accept_request(const struct ike_init_req *req,
			  const struct ike_msg *msg, struct ike_buf *resp,
			  struct ike_init_sa *sa, uint16_t *want,
			  struct ike_err *err)
{
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN], gir[IKE_DH_MAX_SECRET_LEN];
	size_t pub_len = 0, gir_len = 0;

	sa->spi_i = msg->spi_i;
	sa->spi_r = req->spi_r;
	sa->peer_frag = ike_msg_notify(msg,
			IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	if (check_request(msg, err) || choose(req, msg, sa, want, err) ||
	    key_exchange(msg, sa->group, pub, &pub_len, gir, &gir_len, err))
		return -1;
	if (derive(req, msg, sa, gir, gir_len, err))
		return -1;
	return build_response(req, sa, pub, pub_len, resp, err);
}

/* A datagram that is no IKE_SA_INIT request gets no answer (2.21.1). */
static bool is_init_request(const uint8_t *m, size_t len)
{
	return len >= HDR_BYTES && m[18] == IKEV2_EXCHANGE_IKE_SA_INIT &&
	       (m[19] & IKEV2_FLAG_INITIATOR) && !(m[19] & IKEV2_FLAG_RESPONSE);
}

int ike_init_respond(const struct ike_init_req *req, struct ike_buf *resp,
		     struct ike_init_sa *sa, struct ike_err *err)
{
	struct ike_msg msg;
	uint16_t want = 0;

	memset(sa, 0, sizeof(*sa));
	memset(err, 0, sizeof(*err));
	if (!is_init_request(req->msg, req->len)) {
		ike_fail(err, IKEV2_N_INVALID_SYNTAX, "not an IKE_SA_INIT request");
		return IKE_INIT_DROP;
	}
	if (!req->spi_r || req->nonce_len < IKEV2_NONCE_MIN_BYTES ||
	    req->nonce_len > IKEV2_NONCE_MAX_BYTES) {
		ike_fail(err, IKEV2_N_INVALID_SYNTAX, "bad responder SPI or nonce");
		return IKE_INIT_DROP;
	}
	if (!ike_msg_parse(req->msg, req->len, &msg, err) &&
	    !accept_request(req, &msg, resp, sa, &want, err))
		return IKE_INIT_ACCEPT;
	ike_init_sa_wipe(sa);
	return refuse(ike_get64(req->msg), want, resp, err);
}

void ike_init_sa_wipe(struct ike_init_sa *sa)
{
	ike_sa_keys_wipe(&sa->keys);
	xs_wipe(sa, sizeof(*sa));
}
