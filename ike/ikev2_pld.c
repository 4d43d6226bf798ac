// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Parsing a received IKEv2 message (RFC 7296 3, RFC 7383 2.5, RFC 7427 3).
 *
 * ike_msg_parse() checks the header, then walks the cleartext payload chain;
 * the caller decrypts the SK payload and hands the plaintext to
 * ike_msg_parse_inner(), which walks the inner chain into the same message.
 * One loop dispatches every payload: the generic header is checked against
 * the bytes left, the payload's kind says where it may appear and whether it
 * may repeat, then its validate_<p>() checks the body's lengths (its minimum
 * first) and pld_<p>() records it, walking nested structures with their own
 * bounds. Nothing is read before the length that covers it has been checked;
 * results point into the buffers. A first fragment (SKF 1 of n) names the
 * inner chain: after reassembly its message is the one to parse into.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ikev2_pld.h"

/* Where a payload is: which chain of which exchange. */
enum pld_ctx {
	CTX_INIT = 1,		/* cleartext of IKE_SA_INIT */
	CTX_CLEAR = 2,		/* cleartext of any other exchange */
	CTX_INNER = 4,		/* inside SK or reassembled SKF */
};

/* One payload being parsed: its generic header, its body. */
struct pld {
	uint8_t type, next, critical;
	const uint8_t *body;
	size_t len;		/* body bytes, generic header excluded */
	size_t off;		/* of the generic header in the buffer */
	size_t total;		/* bytes of the chain's buffer */
};

/* ---- errors ------------------------------------------------------------ */

int ike_fail(struct ike_err *err, uint16_t notify, const char *fmt, ...)
{
	va_list ap;

	err->notify = notify;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -1;
}

int ike_malformed(struct ike_err *err, const char *what, size_t have,
		  size_t need)
{
	return ike_fail(err, IKEV2_N_INVALID_SYNTAX, "malformed %s (%zu < %zu)",
			what, have, need);
}

/* The body holds at least min bytes. */
static int need(const struct pld *p, size_t min, const char *what,
		struct ike_err *err)
{
	if (p->len < min)
		return ike_malformed(err, what, p->len, min);
	return 0;
}

/* ---- SA (its proposals: ikev2_prop.c) ---------------------------------- */

static int validate_sa(const struct pld *p, struct ike_err *err)
{
	return need(p, sizeof(struct ikev2_proposal) +
		    sizeof(struct ikev2_xform), "SA", err);
}

static int pld_sa(struct ike_msg *msg, const struct pld *p,
		  struct ike_err *err)
{
	return ike_parse_proposals(&msg->sa, p->body, p->len, err);
}

/* ---- KE, ID, CERT, CERTREQ, AUTH, Nonce -------------------------------- */

static int validate_ke(const struct pld *p, struct ike_err *err)
{
	return need(p, sizeof(struct ikev2_ke) + 1, "KE", err);
}

static int pld_ke(struct ike_msg *msg, const struct pld *p,
		  struct ike_err *err)
{
	msg->ke.group = ike_get16(p->body);
	msg->ke.data.ptr = p->body + sizeof(struct ikev2_ke);
	msg->ke.data.len = p->len - sizeof(struct ikev2_ke);
	return 0;
}

static int validate_id(const struct pld *p, struct ike_err *err)
{
	size_t dlen;

	if (need(p, sizeof(struct ikev2_id) + 1, "ID", err))
		return -1;
	dlen = p->len - sizeof(struct ikev2_id);
	if ((p->body[0] == IKEV2_ID_IPV4_ADDR && dlen != 4) ||
	    (p->body[0] == IKEV2_ID_IPV6_ADDR && dlen != 16))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"ID of type %s with %zu bytes",
				ikev2_name(IKEV2_MAP_ID, p->body[0]), dlen);
	return 0;
}

static int pld_id(struct ike_msg *msg, const struct pld *p,
		  struct ike_err *err)
{
	struct ike_id_pld *id = p->type == IKEV2_PAYLOAD_IDI ? &msg->idi
							     : &msg->idr;

	id->type = p->body[0];
	id->data.ptr = p->body + sizeof(struct ikev2_id);
	id->data.len = p->len - sizeof(struct ikev2_id);
	id->body.ptr = p->body;
	id->body.len = p->len;
	return 0;
}

static int validate_cert(const struct pld *p, struct ike_err *err)
{
	return need(p, sizeof(struct ikev2_cert) + 1, "CERT", err);
}

static int pld_cert(struct ike_msg *msg, const struct pld *p,
		    struct ike_err *err)
{
	struct ike_cert_pld *c;

	if (msg->ncert == IKEV2_MAX_CERTS)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"more than %d CERT payloads", IKEV2_MAX_CERTS);
	c = &msg->cert[msg->ncert++];
	c->encoding = p->body[0];
	c->data.ptr = p->body + 1;
	c->data.len = p->len - 1;
	return 0;
}

static int validate_certreq(const struct pld *p, struct ike_err *err)
{
	if (need(p, sizeof(struct ikev2_cert), "CERTREQ", err))
		return -1;
	if (p->body[0] == IKEV2_CERT_X509_SIGNATURE &&
	    (p->len - 1) % IKEV2_CERTREQ_HASH_BYTES)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"CERTREQ: %zu bytes of CA hashes", p->len - 1);
	return 0;
}

static int pld_certreq(struct ike_msg *msg, const struct pld *p,
		       struct ike_err *err)
{
	struct ike_cert_pld *c;

	if (msg->ncertreq == IKEV2_MAX_CERTREQS)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"more than %d CERTREQ payloads",
				IKEV2_MAX_CERTREQS);
	c = &msg->certreq[msg->ncertreq++];
	c->encoding = p->body[0];
	c->data.ptr = p->body + 1;
	c->data.len = p->len - 1;
	return 0;
}

/* RFC 7427 3: one length byte, the AlgorithmIdentifier, the signature. */
static int validate_auth(const struct pld *p, struct ike_err *err)
{
	const uint8_t *d;
	size_t dlen;

	if (need(p, sizeof(struct ikev2_auth) + 1, "AUTH", err))
		return -1;
	if (p->body[0] != IKEV2_AUTH_DIGITAL_SIGNATURE)
		return 0;
	d = p->body + sizeof(struct ikev2_auth);
	dlen = p->len - sizeof(struct ikev2_auth);
	if (!d[0] || (size_t)d[0] + 1 >= dlen)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"AUTH: AlgorithmIdentifier of %u bytes in %zu",
				d[0], dlen);
	return 0;
}

static int pld_auth(struct ike_msg *msg, const struct pld *p,
		    struct ike_err *err)
{
	struct ike_auth_pld *a = &msg->auth;

	a->method = p->body[0];
	a->data.ptr = p->body + sizeof(struct ikev2_auth);
	a->data.len = p->len - sizeof(struct ikev2_auth);
	if (a->method == IKEV2_AUTH_DIGITAL_SIGNATURE) {
		a->sig_alg.ptr = a->data.ptr + 1;
		a->sig_alg.len = a->data.ptr[0];
		a->sig.ptr = a->sig_alg.ptr + a->sig_alg.len;
		a->sig.len = a->data.len - 1 - a->sig_alg.len;
	}
	return 0;
}

static int validate_nonce(const struct pld *p, struct ike_err *err)
{
	if (need(p, IKEV2_NONCE_MIN_BYTES, "nonce", err))
		return -1;
	if (p->len > IKEV2_NONCE_MAX_BYTES)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"nonce of %zu bytes (> %d)", p->len,
				IKEV2_NONCE_MAX_BYTES);
	return 0;
}

static int pld_nonce(struct ike_msg *msg, const struct pld *p,
		     struct ike_err *err)
{
	msg->nonce.ptr = p->body;
	msg->nonce.len = p->len;
	return 0;
}

/* ---- Notify, Delete, Vendor ID ----------------------------------------- */

/* Notify data whose length RFC 7296 and companions fix. */
static const struct {
	uint16_t type;
	uint8_t min, max;
} notify_data[] = {
	{ IKEV2_N_INVALID_KE_PAYLOAD, 2, 2 },
	{ IKEV2_N_INITIAL_CONTACT, 0, 0 },
	{ IKEV2_N_SET_WINDOW_SIZE, 4, 4 },
	{ IKEV2_N_NAT_DETECTION_SOURCE_IP, IKEV2_NATD_HASH_BYTES,
	  IKEV2_NATD_HASH_BYTES },
	{ IKEV2_N_NAT_DETECTION_DESTINATION_IP, IKEV2_NATD_HASH_BYTES,
	  IKEV2_NATD_HASH_BYTES },
	{ IKEV2_N_COOKIE, 1, IKEV2_COOKIE_MAX_BYTES },
	{ IKEV2_N_USE_TRANSPORT_MODE, 0, 0 },
	{ IKEV2_N_REKEY_SA, 0, 0 },
	{ IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, 0, 0 },
	{ IKEV2_N_SIGNATURE_HASH_ALGORITHMS, 2, 254 },
};

static int validate_notify(const struct pld *p, struct ike_err *err)
{
	uint8_t spi_size;
	uint16_t type;
	size_t dlen, i;

	if (need(p, sizeof(struct ikev2_notify), "notify", err))
		return -1;
	spi_size = p->body[1];
	type = ike_get16(p->body + 2);
	if (spi_size > IKEV2_MAX_SPI_BYTES ||
	    need(p, sizeof(struct ikev2_notify) + spi_size, "notify SPI", err))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"notify: SPI of %u bytes in %zu", spi_size,
				p->len);
	dlen = p->len - sizeof(struct ikev2_notify) - spi_size;
	for (i = 0; i < sizeof(notify_data) / sizeof(notify_data[0]); i++)
		if (notify_data[i].type == type &&
		    (dlen < notify_data[i].min || dlen > notify_data[i].max))
			return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
					"notify %s with %zu bytes of data",
					ikev2_name(IKEV2_MAP_NOTIFY, type),
					dlen);
	if ((type == IKEV2_N_SIGNATURE_HASH_ALGORITHMS && dlen % 2) ||
	    (type == IKEV2_N_REKEY_SA && spi_size != IKEV2_SPI_BYTES_CHILD))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"notify %s: SPI size %u, %zu bytes of data",
				ikev2_name(IKEV2_MAP_NOTIFY, type), spi_size,
				dlen);
	return 0;
}

static int pld_notify(struct ike_msg *msg, const struct pld *p,
		      struct ike_err *err)
{
	struct ike_notify_pld *n;
	size_t hlen = sizeof(struct ikev2_notify);

	if (msg->nnotify == IKEV2_MAX_NOTIFIES)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"more than %d notify payloads",
				IKEV2_MAX_NOTIFIES);
	n = &msg->notify[msg->nnotify++];
	n->proto = p->body[0];
	n->spi_size = p->body[1];
	n->type = ike_get16(p->body + 2);
	n->spi.ptr = p->body + hlen;
	n->spi.len = n->spi_size;
	n->data.ptr = p->body + hlen + n->spi_size;
	n->data.len = p->len - hlen - n->spi_size;
	return 0;
}

static int validate_delete(const struct pld *p, struct ike_err *err)
{
	uint8_t proto, spi_size;
	size_t num, want;

	if (need(p, sizeof(struct ikev2_delete), "delete", err))
		return -1;
	proto = p->body[0];
	spi_size = p->body[1];
	num = ike_get16(p->body + 2);
	want = sizeof(struct ikev2_delete) + num * spi_size;
	if (!((proto == IKEV2_PROTO_IKE && !spi_size && !num) ||
	      ((proto == IKEV2_PROTO_ESP || proto == IKEV2_PROTO_AH) &&
	       spi_size == IKEV2_SPI_BYTES_CHILD)))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"delete: protocol %u, SPI size %u, %zu SPIs",
				proto, spi_size, num);
	if (p->len != want)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"delete: %zu bytes for %zu SPIs (need %zu)",
				p->len, num, want);
	return 0;
}

static int pld_delete(struct ike_msg *msg, const struct pld *p,
		      struct ike_err *err)
{
	struct ike_delete_pld *d;

	if (msg->ndelete == IKEV2_MAX_DELETES)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"more than %d delete payloads",
				IKEV2_MAX_DELETES);
	d = &msg->del[msg->ndelete++];
	d->proto = p->body[0];
	d->spi_size = p->body[1];
	d->num_spi = ike_get16(p->body + 2);
	d->spis = p->body + sizeof(struct ikev2_delete);
	return 0;
}

static int validate_vendor(const struct pld *p, struct ike_err *err)
{
	return need(p, 1, "vendor ID", err);
}

static int pld_vendor(struct ike_msg *msg, const struct pld *p,
		      struct ike_err *err)
{
	if (msg->nvendor == IKEV2_MAX_VENDORS)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"more than %d vendor ID payloads",
				IKEV2_MAX_VENDORS);
	msg->vendor[msg->nvendor].ptr = p->body;
	msg->vendor[msg->nvendor++].len = p->len;
	return 0;
}

/* ---- TSi, TSr ----------------------------------------------------------- */

static int one_ts(struct ike_ts *t, const uint8_t *p, size_t left,
		  size_t *used, struct ike_err *err)
{
	size_t hlen = sizeof(struct ikev2_ts), want, alen;

	if (left < hlen)
		return ike_malformed(err, "traffic selector", left, hlen);
	if (p[0] == IKEV2_TS_IPV4_ADDR_RANGE)
		want = IKEV2_TS_IPV4_BYTES;
	else if (p[0] == IKEV2_TS_IPV6_ADDR_RANGE)
		want = IKEV2_TS_IPV6_BYTES;
	else
		return ike_fail(err, IKEV2_N_TS_UNACCEPTABLE,
				"traffic selector of unknown type %u", p[0]);
	if (ike_get16(p + 2) != want)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"%s traffic selector of %u bytes, not %zu",
				ikev2_name(IKEV2_MAP_TS, p[0]),
				ike_get16(p + 2), want);
	if (left < want)
		return ike_malformed(err, "traffic selector", left, want);
	alen = (want - hlen) / 2;
	memset(t, 0, sizeof(*t));
	t->type = p[0];
	t->proto = p[1];
	t->start_port = ike_get16(p + 4);
	t->end_port = ike_get16(p + 6);
	memcpy(t->start, p + hlen, alen);
	memcpy(t->end, p + hlen + alen, alen);
	*used = want;
	return 0;
}

static int validate_ts(const struct pld *p, struct ike_err *err)
{
	if (need(p, sizeof(struct ikev2_tsp) + sizeof(struct ikev2_ts),
		 "TS", err))
		return -1;
	if (!p->body[0])
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"TS with 0 selectors");
	if (p->body[0] > IKEV2_MAX_TS)
		return ike_fail(err, IKEV2_N_TS_UNACCEPTABLE,
				"%u traffic selectors (> %d)", p->body[0],
				IKEV2_MAX_TS);
	return 0;
}

static int pld_ts(struct ike_msg *msg, const struct pld *p,
		  struct ike_err *err)
{
	struct ike_ts_pld *tsp = p->type == IKEV2_PAYLOAD_TSI ? &msg->tsi
							      : &msg->tsr;
	size_t off = sizeof(struct ikev2_tsp), used = 0;
	uint8_t i;

	tsp->num = p->body[0];
	for (i = 0; i < tsp->num; i++, off += used)
		if (one_ts(&tsp->ts[i], p->body + off, p->len - off, &used,
			   err))
			return -1;
	if (off != p->len)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"TS: %zu bytes after %u selectors",
				p->len - off, tsp->num);
	return 0;
}

/* ---- SK, SKF ------------------------------------------------------------ */

/* The encrypted payload ends the message: its next field is the inside's. */
static int validate_sk(const struct pld *p, struct ike_err *err)
{
	size_t end = p->off + sizeof(struct ikev2_pld_hdr) + p->len;

	if (need(p, 1, "SK", err))
		return -1;
	if (end != p->total)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"%zu bytes after the encrypted payload",
				p->total - end);
	return 0;
}

/* Only one SK or SKF: each must end the chain, and neither is inside. */
static int pld_sk(struct ike_msg *msg, const struct pld *p,
		  struct ike_err *err)
{
	msg->sk.inner = p->next;
	msg->sk.aad_len = p->off + sizeof(struct ikev2_pld_hdr);
	msg->sk.data.ptr = p->body;
	msg->sk.data.len = p->len;
	return 0;
}

/* RFC 7383 2.5: fragment numbers from 1; only the first names the inside. */
static int validate_skf(const struct pld *p, struct ike_err *err)
{
	uint16_t num, total;

	if (validate_sk(p, err) ||
	    need(p, sizeof(struct ikev2_skf) + 1, "SKF", err))
		return -1;
	num = ike_get16(p->body);
	total = ike_get16(p->body + 2);
	if (!num || num > total || (num != 1 && p->next))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"fragment %u of %u, next payload %u", num,
				total, p->next);
	return 0;
}

static int pld_skf(struct ike_msg *msg, const struct pld *p,
		   struct ike_err *err)
{
	if (pld_sk(msg, p, err))
		return -1;
	msg->sk.frag_num = ike_get16(p->body);
	msg->sk.frag_total = ike_get16(p->body + 2);
	msg->sk.aad_len += sizeof(struct ikev2_skf);
	msg->sk.data.ptr += sizeof(struct ikev2_skf);
	msg->sk.data.len -= sizeof(struct ikev2_skf);
	return 0;
}

/* ---- CP, EAP (carried for the exchanges, checked for their lengths) ----- */

static int validate_cp(const struct pld *p, struct ike_err *err)
{
	size_t off = sizeof(struct ikev2_cp), alen;

	if (need(p, sizeof(struct ikev2_cp), "CP", err))
		return -1;
	for (; off < p->len; off += alen) {
		alen = sizeof(struct ikev2_cp_attr);
		if (p->len - off < alen)
			return ike_malformed(err, "CP attribute", p->len - off,
					     alen);
		alen += ike_get16(p->body + off + 2);
		if (p->len - off < alen)
			return ike_malformed(err, "CP attribute", p->len - off,
					     alen);
	}
	return 0;
}

static int pld_cp(struct ike_msg *msg, const struct pld *p,
		  struct ike_err *err)
{
	msg->cp.ptr = p->body;
	msg->cp.len = p->len;
	return 0;
}

static int validate_eap(const struct pld *p, struct ike_err *err)
{
	if (need(p, sizeof(struct ikev2_eap), "EAP", err))
		return -1;
	if (ike_get16(p->body + 2) != p->len)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"EAP message says %u bytes, payload has %zu",
				ike_get16(p->body + 2), p->len);
	return 0;
}

static int pld_eap(struct ike_msg *msg, const struct pld *p,
		   struct ike_err *err)
{
	msg->eap.ptr = p->body;
	msg->eap.len = p->len;
	return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

#define ANY_CLEAR	(CTX_INIT | CTX_CLEAR | CTX_INNER)
#define INIT_OR_INNER	(CTX_INIT | CTX_INNER)

static const struct pld_kind {
	uint8_t where;		/* enum pld_ctx bits */
	bool repeats;		/* may appear more than once */
	int (*validate)(const struct pld *p, struct ike_err *err);
	int (*parse)(struct ike_msg *msg, const struct pld *p,
		     struct ike_err *err);
} kinds[IKEV2_PAYLOAD_LAST + 1] = {
	[IKEV2_PAYLOAD_SA] = { INIT_OR_INNER, false, validate_sa, pld_sa },
	[IKEV2_PAYLOAD_KE] = { INIT_OR_INNER, false, validate_ke, pld_ke },
	[IKEV2_PAYLOAD_IDI] = { CTX_INNER, false, validate_id, pld_id },
	[IKEV2_PAYLOAD_IDR] = { CTX_INNER, false, validate_id, pld_id },
	[IKEV2_PAYLOAD_CERT] = { CTX_INNER, true, validate_cert, pld_cert },
	[IKEV2_PAYLOAD_CERTREQ] = { INIT_OR_INNER, true, validate_certreq,
				    pld_certreq },
	[IKEV2_PAYLOAD_AUTH] = { CTX_INNER, false, validate_auth, pld_auth },
	[IKEV2_PAYLOAD_NONCE] = { INIT_OR_INNER, false, validate_nonce,
				  pld_nonce },
	[IKEV2_PAYLOAD_NOTIFY] = { ANY_CLEAR, true, validate_notify,
				   pld_notify },
	[IKEV2_PAYLOAD_DELETE] = { CTX_INNER, true, validate_delete,
				   pld_delete },
	[IKEV2_PAYLOAD_VENDOR] = { ANY_CLEAR, true, validate_vendor,
				   pld_vendor },
	[IKEV2_PAYLOAD_TSI] = { CTX_INNER, false, validate_ts, pld_ts },
	[IKEV2_PAYLOAD_TSR] = { CTX_INNER, false, validate_ts, pld_ts },
	[IKEV2_PAYLOAD_SK] = { CTX_CLEAR, false, validate_sk, pld_sk },
	[IKEV2_PAYLOAD_CP] = { CTX_INNER, false, validate_cp, pld_cp },
	[IKEV2_PAYLOAD_EAP] = { CTX_INNER, false, validate_eap, pld_eap },
	[IKEV2_PAYLOAD_SKF] = { CTX_CLEAR, false, validate_skf, pld_skf },
};

static const char *const ctx_names[] = {
	[CTX_INIT] = "in IKE_SA_INIT",
	[CTX_CLEAR] = "outside SK",
	[CTX_INNER] = "inside SK",
};

/* The generic header at off: what is left, the header, the declared length. */
static int read_pld(const uint8_t *buf, size_t len, size_t off, uint8_t type,
		    struct pld *p, struct ike_err *err)
{
	size_t left = len - off, hlen = sizeof(struct ikev2_pld_hdr), plen;

	if (left < hlen)
		return ike_malformed(err, "payload header", left, hlen);
	plen = ike_get16(buf + off + 2);
	if (plen < hlen)
		return ike_malformed(err, "payload length", plen, hlen);
	if (plen > left)
		return ike_malformed(err, "payload", left, plen);
	p->type = type;
	p->next = buf[off];
	p->critical = buf[off + 1] & IKEV2_CRITICAL;
	p->body = buf + off + hlen;
	p->len = plen - hlen;
	p->off = off;
	p->total = len;
	return 0;
}

static int one_payload(struct ike_msg *msg, const struct pld *p,
		       enum pld_ctx ctx, struct ike_err *err)
{
	const struct pld_kind *k = NULL;
	uint32_t bit = 0;

	if (msg->npayloads == IKEV2_MAX_PAYLOADS)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"more than %d payloads", IKEV2_MAX_PAYLOADS);
	if (p->type <= IKEV2_PAYLOAD_LAST && kinds[p->type].parse) {
		k = &kinds[p->type];
		bit = 1u << (p->type - 32);
	}
	if (!k && p->critical) {
		err->payload = p->type;
		return ike_fail(err, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD,
				"unsupported critical payload %u", p->type);
	}
	msg->chain[msg->npayloads++] = p->type;
	if (!k)
		return 0;	/* unknown, not critical: skipped */
	if (!(k->where & ctx))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX, "%s payload %s",
				ikev2_name(IKEV2_MAP_PAYLOAD, p->type),
				ctx_names[ctx]);
	if (!k->repeats && (msg->present & bit))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"duplicate %s payload",
				ikev2_name(IKEV2_MAP_PAYLOAD, p->type));
	if (k->validate(p, err) || k->parse(msg, p, err))
		return -1;
	msg->present |= bit;
	return 0;
}

static int walk(struct ike_msg *msg, const uint8_t *buf, size_t len,
		size_t off, uint8_t type, enum pld_ctx ctx, struct ike_err *err)
{
	struct pld p;

	while (type != IKEV2_PAYLOAD_NONE) {
		if (read_pld(buf, len, off, type, &p, err) ||
		    one_payload(msg, &p, ctx, err))
			return -1;
		if (type == IKEV2_PAYLOAD_SK || type == IKEV2_PAYLOAD_SKF)
			return 0;	/* validate_sk(): it is the last */
		off += sizeof(struct ikev2_pld_hdr) + p.len;
		type = p.next;
	}
	if (off != len)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"%zu bytes after the last payload", len - off);
	return 0;
}

/* ---- header and API ----------------------------------------------------- */

static int validate_hdr(const uint8_t *buf, size_t len, struct ike_err *err)
{
	size_t hlen = sizeof(struct ikev2_hdr);

	if (len < hlen)
		return ike_malformed(err, "IKE header", len, hlen);
	if (len > IKEV2_MSG_MAX_BYTES)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"message of %zu bytes (> %d)", len,
				IKEV2_MSG_MAX_BYTES);
	if (IKEV2_VERSION_MAJOR(buf[17]) != IKEV2_VERSION_MAJOR(IKEV2_VERSION))
		return ike_fail(err, IKEV2_N_INVALID_MAJOR_VERSION,
				"IKE version %u.%u", buf[17] >> 4,
				buf[17] & 0xf);
	if (ike_get32(buf + 24) != len)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"header says %u bytes, datagram has %zu",
				ike_get32(buf + 24), len);
	if (!ike_get64(buf))
		return ike_fail(err, IKEV2_N_INVALID_IKE_SPI,
				"initiator SPI is zero");
	return 0;
}

/*
 * The minor version and unknown flag bits are ignored (RFC 7296 3.1); the
 * exchange decides what the I and R flags must be.
 */
int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *msg,
		  struct ike_err *err)
{
	enum pld_ctx ctx;

	memset(msg, 0, sizeof(*msg));
	memset(err, 0, sizeof(*err));
	if (validate_hdr(buf, len, err))
		return -1;
	msg->buf = buf;
	msg->len = len;
	msg->spi_i = ike_get64(buf);
	msg->spi_r = ike_get64(buf + 8);
	msg->first = buf[16];
	msg->version = buf[17];
	msg->exchange = buf[18];
	msg->flags = buf[19] & (IKEV2_FLAG_INITIATOR | IKEV2_FLAG_VERSION |
				IKEV2_FLAG_RESPONSE);
	msg->msgid = ike_get32(buf + 20);
	ctx = msg->exchange == IKEV2_EXCHANGE_IKE_SA_INIT ? CTX_INIT
							 : CTX_CLEAR;
	return walk(msg, buf, len, sizeof(struct ikev2_hdr), msg->first, ctx,
		    err);
}

int ike_msg_parse_inner(struct ike_msg *msg, const uint8_t *plain,
			size_t len, struct ike_err *err)
{
	memset(err, 0, sizeof(*err));
	if (!ike_msg_has(msg, IKEV2_PAYLOAD_SK) &&
	    !ike_msg_has(msg, IKEV2_PAYLOAD_SKF))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"no encrypted payload");
	return walk(msg, plain, len, 0, msg->sk.inner, CTX_INNER, err);
}

bool ike_msg_has(const struct ike_msg *msg, uint8_t type)
{
	return type >= 32 && type < 64 && (msg->present & (1u << (type - 32)));
}

const struct ike_notify_pld *ike_msg_notify(const struct ike_msg *msg,
					    uint16_t type)
{
	uint8_t i;

	for (i = 0; i < msg->nnotify; i++)
		if (msg->notify[i].type == type)
			return &msg->notify[i];
	return NULL;
}
