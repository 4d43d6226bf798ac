// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Public-key authentication in the exchanges, on the certificate module
 * (ike/auth_sig.h spells out the sequence): each connection's credentials
 * (our key and chain, the CAs we accept the peer's chain from) loaded with
 * the configuration; SIGNATURE_HASH_ALGORITHMS and CERTREQ in IKE_SA_INIT;
 * our ID from our certificate, CERT, CERTREQ and the signature in IKE_AUTH;
 * the peer's chain, ID and signature checked in one call.
 */
#include <stdlib.h>
#include <string.h>

#include "ike/auth_sig.h"
#include "ike/sa.h"
#include "ike/sig_alg.h"

struct ike_pubkey {
	struct ike_cred *cred;		/* local auth = pubkey */
	struct ike_ca *ca;		/* remote auth = pubkey */
};

void ike_pubkey_free(struct ike_pubkey *p, size_t n)
{
	size_t i;

	for (i = 0; p && i < n; i++) {
		ike_cred_free(p[i].cred);
		ike_ca_free(p[i].ca);
	}
	free(p);
}

static int load_one(const struct ike_conn_cfg *c, struct ike_pubkey *p,
		    struct ike_err *err)
{
	if (c->local_auth.auth == IKE_AUTH_KIND_PUBKEY) {
		p->cred = ike_cred_new();
		if (!p->cred)
			return ike_fail(err, 0, "out of memory");
		if (ike_cred_load_key(p->cred, c->local_auth.key, err) ||
		    ike_cred_load_certs(p->cred, c->local_auth.certs, err) ||
		    ike_cred_check(p->cred, err))
			return -1;
	}
	if (c->remote_auth.auth == IKE_AUTH_KIND_PUBKEY) {
		p->ca = ike_ca_new();
		if (!p->ca)
			return ike_fail(err, 0, "out of memory");
		if (ike_ca_load(p->ca, c->remote_auth.cacerts, err))
			return -1;
	}
	return 0;
}

int ike_pubkey_load(const struct ike_conn_cfg *conns, size_t n,
		    struct ike_pubkey **out, struct ike_err *err)
{
	struct ike_pubkey *p = calloc(n ? n : 1, sizeof(*p));
	char why[sizeof(err->reason)];
	size_t i;

	*out = NULL;
	if (!p)
		return ike_fail(err, 0, "out of memory");
	for (i = 0; i < n; i++)
		if (load_one(&conns[i], &p[i], err)) {
			memcpy(why, err->reason, sizeof(why));
			ike_fail(err, 0, "connection '%s': %.90s",
				 conns[i].name, why);
			ike_pubkey_free(p, n);
			return -1;
		}
	*out = p;
	return 0;
}

static const struct ike_pubkey *of(const struct ike_sa *sa)
{
	return &sa->ctx->pubkeys[sa->conn - sa->ctx->conns];
}

int ike_pubkey_local_id(const struct ike_sa *sa, struct ike_id_cfg *out)
{
	struct ike_err err;

	if (!ike_id_local(ike_cred_ee(of(sa)->cred),
			  &sa->conn->local_auth.id, out, &err))
		return 0;
	ike_sa_log(sa, IKE_LOG_ERR, "our identity: %s", err.reason);
	return -1;
}

int ike_pubkey_add_hashes(struct ike_buf *b)
{
	uint8_t data[16];
	size_t len = ike_sig_hash_notify(data, sizeof(data));

	return ike_add_notify(b, IKEV2_PROTO_NONE, NULL, 0,
			      IKEV2_N_SIGNATURE_HASH_ALGORITHMS, data, len);
}

void ike_pubkey_read_hashes(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify_pld *n =
		ike_msg_notify(m, IKEV2_N_SIGNATURE_HASH_ALGORITHMS);
	struct ike_err err;

	sa->peer_sig_hashes = 0;
	if (n && ike_sig_hash_parse(&n->data, &sa->peer_sig_hashes, &err))
		sa->peer_sig_hashes = 0;
}

int ike_pubkey_add_certreq(const struct ike_sa *sa, struct ike_buf *b)
{
	uint8_t data[IKE_CA_MAX * IKEV2_CERTREQ_HASH_BYTES];
	size_t len;

	if (sa->conn->remote_auth.auth != IKE_AUTH_KIND_PUBKEY)
		return 0;
	len = ike_ca_certreq(of(sa)->ca, data, sizeof(data));
	return len ? ike_add_cert(b, IKEV2_PAYLOAD_CERTREQ,
				  IKEV2_CERT_X509_SIGNATURE, data, len) : 0;
}

int ike_pubkey_add_certs(const struct ike_sa *sa, struct ike_buf *b,
			 const struct ike_cert_pld *certreq, int ncertreq)
{
	const struct ike_cert *c[IKE_CRED_MAX_CERTS];
	struct ike_span der;
	int i, n;

	n = ike_cred_certs_to_send(of(sa)->cred, certreq, ncertreq, c,
				   IKE_CRED_MAX_CERTS);
	for (i = 0; i < n; i++) {
		der = ike_cert_der(c[i]);
		if (ike_add_cert(b, IKEV2_PAYLOAD_CERT,
				 IKEV2_CERT_X509_SIGNATURE, der.ptr, der.len))
			return -1;
	}
	return n > 0 ? 0 : -1;
}

int ike_pubkey_add_auth(const struct ike_sa *sa,
			const struct ike_signed_octets *so, struct ike_buf *b)
{
	struct ike_auth_data *a = malloc(sizeof(*a));
	struct ike_err err;
	int rc = -1;

	if (a && !ike_auth_sig_make(of(sa)->cred, sa->prf, so,
				    sa->peer_sig_hashes, false, a, &err))
		rc = ike_add_auth(b, a->method, a->data, a->len);
	else if (a)
		ike_sa_log(sa, IKE_LOG_ERR, "cannot sign: %s", err.reason);
	free(a);
	return rc;
}

bool ike_pubkey_verify(struct ike_sa *sa, const struct ike_msg *m,
		       const struct ike_id_pld *id,
		       const struct ike_signed_octets *so)
{
	struct ike_id_cfg peer;
	struct ike_err err;

	if (!ike_auth_cert_verify(of(sa)->ca, &sa->conn->remote_auth.id,
				  m->cert, m->ncert, id, &m->auth, sa->prf, so,
				  0, &peer, &err))
		return true;
	ike_sa_log(sa, IKE_LOG_ERR, "peer's certificate authentication: %s",
		   err.reason);
	return false;
}
