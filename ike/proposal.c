// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Proposal strings (strongSwan's keywords) to SA payload proposals and
 * back, and proposal selection for both ends of an exchange (RFC 7296
 * 2.7, 3.3.6).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dh.h"
#include "proposal.h"

#define NTYPES		(IKEV2_XFORM_ESN + 1)	/* indexed by transform type */
#define PER_TYPE	16			/* transforms of one type */

/* Transform types in the order strongSwan puts them on the wire. */
static const uint8_t wire_order[] = {
	IKEV2_XFORM_ENCR, IKEV2_XFORM_INTEG, IKEV2_XFORM_PRF, IKEV2_XFORM_DH,
	IKEV2_XFORM_ESN,
};

/* ---- keywords ------------------------------------------------------------ */

struct keyword {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t bits;
};

#define ENCR(n, i, b)	{ n, IKEV2_XFORM_ENCR, IKEV2_ENCR_##i, b }
#define INTEG(n, i)	{ n, IKEV2_XFORM_INTEG, IKEV2_INTEG_##i, 0 }
#define PRF(n, i)	{ n, IKEV2_XFORM_PRF, IKEV2_PRF_##i, 0 }
#define DH(n, i)	{ n, IKEV2_XFORM_DH, IKEV2_DH_##i, 0 }

/*
 * strongSwan's names (proposal_keywords_static.txt). A name is looked up
 * by its first entry; a transform prints as the first entry that has its
 * type, id and key length, so the canonical name of each comes first.
 */
static const struct keyword keywords[] = {
	ENCR("aes128", AES_CBC, 128), ENCR("aes192", AES_CBC, 192),
	ENCR("aes256", AES_CBC, 256), ENCR("aes", AES_CBC, 128),
	ENCR("aes128gcm8", AES_GCM_8, 128), ENCR("aes192gcm8", AES_GCM_8, 192),
	ENCR("aes256gcm8", AES_GCM_8, 256),
	ENCR("aes128gcm12", AES_GCM_12, 128),
	ENCR("aes192gcm12", AES_GCM_12, 192),
	ENCR("aes256gcm12", AES_GCM_12, 256),
	ENCR("aes128gcm16", AES_GCM_16, 128),
	ENCR("aes192gcm16", AES_GCM_16, 192),
	ENCR("aes256gcm16", AES_GCM_16, 256),
	ENCR("aes128gcm", AES_GCM_16, 128), ENCR("aes192gcm", AES_GCM_16, 192),
	ENCR("aes256gcm", AES_GCM_16, 256),
	ENCR("chacha20poly1305", CHACHA20_POLY1305, 0),
	ENCR("null", NULL, 0),
	ENCR("aes128gmac", NULL_AUTH_AES_GMAC, 128),
	ENCR("aes192gmac", NULL_AUTH_AES_GMAC, 192),
	ENCR("aes256gmac", NULL_AUTH_AES_GMAC, 256),
	INTEG("sha1", HMAC_SHA1_96), INTEG("sha", HMAC_SHA1_96),
	INTEG("sha256", HMAC_SHA2_256_128), INTEG("sha2_256", HMAC_SHA2_256_128),
	INTEG("sha384", HMAC_SHA2_384_192), INTEG("sha2_384", HMAC_SHA2_384_192),
	INTEG("sha512", HMAC_SHA2_512_256), INTEG("sha2_512", HMAC_SHA2_512_256),
	/* AH's AES-GMAC: written like ESP's, found by id when printing */
	INTEG("aes128gmac", AES_128_GMAC), INTEG("aes192gmac", AES_192_GMAC),
	INTEG("aes256gmac", AES_256_GMAC),
	PRF("prfsha1", HMAC_SHA1), PRF("prfsha256", HMAC_SHA2_256),
	PRF("prfsha384", HMAC_SHA2_384), PRF("prfsha512", HMAC_SHA2_512),
	DH("modp2048", MODP_2048), DH("modp3072", MODP_3072),
	DH("modp4096", MODP_4096), DH("ecp256", ECP_256), DH("ecp384", ECP_384),
	DH("ecp521", ECP_521), DH("curve25519", CURVE25519),
	DH("x25519", CURVE25519), DH("curve448", CURVE448),
	DH("x448", CURVE448),
	/* known to strongSwan, refused here as unsupported groups */
	DH("modp768", MODP_768), DH("modp1024", MODP_1024),
	DH("modp1536", MODP_1536), DH("modp6144", MODP_6144),
	DH("modp8192", MODP_8192), DH("ecp192", ECP_192), DH("ecp224", ECP_224),
	{ "noesn", IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0 },
	{ "esn", IKEV2_XFORM_ESN, IKEV2_ESN_YES, 0 },
};

#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

static const struct keyword *keyword_by_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (strlen(keywords[i].name) == len &&
		    !memcmp(keywords[i].name, s, len))
			return &keywords[i];
	return NULL;
}

static const struct keyword *keyword_by_xform(const struct ike_xform *x)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (keywords[i].type == x->type && keywords[i].id == x->id &&
		    keywords[i].bits == x->key_bits)
			return &keywords[i];
	return NULL;
}

static bool is_aead(uint16_t encr)
{
	return encr == IKEV2_ENCR_AES_GCM_8 || encr == IKEV2_ENCR_AES_GCM_12 ||
	       encr == IKEV2_ENCR_AES_GCM_16 ||
	       encr == IKEV2_ENCR_CHACHA20_POLY1305 ||
	       encr == IKEV2_ENCR_NULL_AUTH_AES_GMAC;
}

/* strongSwan's PRF for an IKE proposal that names none: its MAC's hash. */
static uint16_t prf_of_integ(uint16_t integ)
{
	switch (integ) {
	case IKEV2_INTEG_HMAC_SHA1_96: return IKEV2_PRF_HMAC_SHA1;
	case IKEV2_INTEG_HMAC_SHA2_256_128: return IKEV2_PRF_HMAC_SHA2_256;
	case IKEV2_INTEG_HMAC_SHA2_384_192: return IKEV2_PRF_HMAC_SHA2_384;
	case IKEV2_INTEG_HMAC_SHA2_512_256: return IKEV2_PRF_HMAC_SHA2_512;
	}
	return 0;
}

/* AH's integrity algorithm for "aesNNNgmac" (strongSwan's mapping). */
static uint16_t gmac_integ(uint16_t bits)
{
	return bits == 128 ? IKEV2_INTEG_AES_128_GMAC :
	       bits == 192 ? IKEV2_INTEG_AES_192_GMAC :
			     IKEV2_INTEG_AES_256_GMAC;
}

/* ---- parsing ------------------------------------------------------------- */

/* One proposal being read: its transforms by type, with the words. */
struct draft {
	uint8_t proto;
	const char *text;	/* the proposal, for messages */
	int text_len;
	uint8_t n[NTYPES];
	struct ike_xform x[NTYPES][PER_TYPE];
	const char *tok[NTYPES][PER_TYPE];
	int tok_len[NTYPES][PER_TYPE];
};

static int add(struct draft *d, uint8_t type, uint16_t id, uint16_t bits,
	       const char *tok, int tok_len, struct ike_err *err)
{
	uint8_t i;

	for (i = 0; i < d->n[type]; i++)
		if (d->x[type][i].id == id && d->x[type][i].key_bits == bits)
			return ike_fail(err, 0, "'%.*s' twice in '%.*s'",
					tok_len, tok, d->text_len, d->text);
	if (d->n[type] == PER_TYPE)
		return ike_fail(err, 0, "more than %d %s algorithms in '%.*s'",
				PER_TYPE, ikev2_name(IKEV2_MAP_XFORM_TYPE, type),
				d->text_len, d->text);
	i = d->n[type]++;
	d->x[type][i] = (struct ike_xform){ .type = type, .id = id,
					    .key_bits = bits };
	d->tok[type][i] = tok;
	d->tok_len[type][i] = tok_len;
	return 0;
}

static int add_token(struct draft *d, const char *tok, int len,
		     struct ike_err *err)
{
	const struct keyword *k = keyword_by_name(tok, (size_t)len);
	const char *proto = ikev2_name(IKEV2_MAP_PROTO, d->proto);

	if (!len)
		return ike_fail(err, 0, "empty algorithm in '%.*s'",
				d->text_len, d->text);
	if (!k)
		return ike_fail(err, 0, "unknown algorithm '%.*s' in '%.*s'",
				len, tok, d->text_len, d->text);
	if (k->type == IKEV2_XFORM_DH && !ike_dh_supported(k->id))
		return ike_fail(err, 0, "unsupported DH group '%.*s'", len,
				tok);
	if (k->type == IKEV2_XFORM_ENCR && d->proto == IKEV2_PROTO_AH) {
		if (k->id != IKEV2_ENCR_NULL_AUTH_AES_GMAC)
			return ike_fail(err, 0, "encryption '%.*s' in an ah "
					"proposal", len, tok);
		return add(d, IKEV2_XFORM_INTEG, gmac_integ(k->bits), 0, tok,
			   len, err);
	}
	if ((k->type == IKEV2_XFORM_PRF && d->proto != IKEV2_PROTO_IKE) ||
	    (k->type == IKEV2_XFORM_ESN && d->proto == IKEV2_PROTO_IKE) ||
	    (d->proto == IKEV2_PROTO_IKE && k->type == IKEV2_XFORM_ENCR &&
	     (k->id == IKEV2_ENCR_NULL ||
	      k->id == IKEV2_ENCR_NULL_AUTH_AES_GMAC)))
		return ike_fail(err, 0, "'%.*s' is not for %s proposals", len,
				tok, proto);
	return add(d, k->type, k->id, k->bits, tok, len, err);
}

/* Encryption: present, all AEAD or none, AEAD without integrity. */
static int check_encr(struct draft *d, struct ike_err *err)
{
	uint8_t i, aead = 0, ne = d->n[IKEV2_XFORM_ENCR];
	uint8_t ni = d->n[IKEV2_XFORM_INTEG];

	if (!ne)
		return ike_fail(err, 0, "no encryption algorithm in '%.*s'",
				d->text_len, d->text);
	for (i = 0; i < ne; i++)
		aead += is_aead(d->x[IKEV2_XFORM_ENCR][i].id);
	for (i = 1; aead && aead != ne && i < ne; i++)
		if (is_aead(d->x[IKEV2_XFORM_ENCR][i].id) !=
		    is_aead(d->x[IKEV2_XFORM_ENCR][0].id))
			return ike_fail(err, 0, "'%.*s': AEAD and classic "
					"encryption in one proposal",
					d->tok_len[IKEV2_XFORM_ENCR][i],
					d->tok[IKEV2_XFORM_ENCR][i]);
	if (aead && ni)
		return ike_fail(err, 0, "integrity '%.*s' with AEAD '%.*s'",
				d->tok_len[IKEV2_XFORM_INTEG][0],
				d->tok[IKEV2_XFORM_INTEG][0],
				d->tok_len[IKEV2_XFORM_ENCR][0],
				d->tok[IKEV2_XFORM_ENCR][0]);
	for (i = 0; !aead && !ni && i < ne; i++)
		if (d->proto == IKEV2_PROTO_IKE ||
		    d->x[IKEV2_XFORM_ENCR][i].id == IKEV2_ENCR_NULL)
			return ike_fail(err, 0, "no integrity algorithm for "
					"'%.*s'", d->tok_len[IKEV2_XFORM_ENCR][i],
					d->tok[IKEV2_XFORM_ENCR][i]);
	return 0;
}

/* IKE: a PRF (given or from the MACs) and a DH group. */
static int check_ike(struct draft *d, struct ike_err *err)
{
	uint8_t i;

	if (check_encr(d, err))
		return -1;
	if (!d->n[IKEV2_XFORM_PRF])
		for (i = 0; i < d->n[IKEV2_XFORM_INTEG]; i++)
			if (add(d, IKEV2_XFORM_PRF,
				prf_of_integ(d->x[IKEV2_XFORM_INTEG][i].id), 0,
				d->tok[IKEV2_XFORM_INTEG][i],
				d->tok_len[IKEV2_XFORM_INTEG][i], err))
				return -1;
	if (!d->n[IKEV2_XFORM_PRF])
		return ike_fail(err, 0, "no PRF in '%.*s' (add prfsha256, "
				"...)", d->text_len, d->text);
	if (!d->n[IKEV2_XFORM_DH])
		return ike_fail(err, 0, "no DH group in '%.*s'", d->text_len,
				d->text);
	return 0;
}

static int check_child(struct draft *d, struct ike_err *err)
{
	if (d->proto == IKEV2_PROTO_ESP && check_encr(d, err))
		return -1;
	if (d->proto == IKEV2_PROTO_AH && !d->n[IKEV2_XFORM_INTEG])
		return ike_fail(err, 0, "no integrity algorithm in '%.*s'",
				d->text_len, d->text);
	if (!d->n[IKEV2_XFORM_ESN])
		return add(d, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0, "noesn", 5,
			   err);
	return 0;
}

/* The draft as proposal number nprops + 1 of out. */
static int emit(const struct draft *d, struct ike_sa_pld *out,
		struct ike_err *err)
{
	struct ike_proposal *p;
	uint8_t t, i;
	unsigned int n = 0;

	for (t = IKEV2_XFORM_ENCR; t < NTYPES; t++)
		n += d->n[t];
	if (out->nprops == IKEV2_MAX_PROPOSALS ||
	    out->nxforms + n > IKEV2_MAX_XFORMS)
		return ike_fail(err, 0, "too many proposals or algorithms at "
				"'%.*s'", d->text_len, d->text);
	p = &out->props[out->nprops++];
	*p = (struct ike_proposal){ .num = (uint8_t)out->nprops,
				    .proto = d->proto,
				    .first = out->nxforms,
				    .nxforms = (uint16_t)n };
	for (t = 0; t < sizeof(wire_order); t++)
		for (i = 0; i < d->n[wire_order[t]]; i++)
			out->xforms[out->nxforms++] = d->x[wire_order[t]][i];
	return 0;
}

static int parse_one(const char *s, size_t len, uint8_t proto,
		     struct ike_sa_pld *out, struct ike_err *err)
{
	struct draft d = { .proto = proto };
	const char *end, *dash;

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len || len > 256)
		return ike_fail(err, 0, "%s proposal in the list",
				len ? "overlong" : "empty");
	d.text = s;
	d.text_len = (int)len;
	for (end = s + len; s <= end; s = dash + 1) {
		dash = memchr(s, '-', (size_t)(end - s));
		if (!dash)
			dash = end;
		if (add_token(&d, s, (int)(dash - s), err))
			return -1;
	}
	if (proto == IKEV2_PROTO_IKE ? check_ike(&d, err) :
				       check_child(&d, err))
		return -1;
	return emit(&d, out, err);
}

int ike_prop_parse(const char *str, uint8_t proto, struct ike_sa_pld *out,
		   struct ike_err *err)
{
	const char *comma;

	memset(out, 0, sizeof(*out));
	if (proto != IKEV2_PROTO_IKE && proto != IKEV2_PROTO_ESP &&
	    proto != IKEV2_PROTO_AH)
		return ike_fail(err, 0, "proposals for protocol %u", proto);
	for (;; str = comma + 1) {
		comma = strchr(str, ',');
		if (parse_one(str, comma ? (size_t)(comma - str) : strlen(str),
			      proto, out, err))
			return -1;
		if (!comma)
			return 0;
	}
}

/* ---- formatting ---------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += (size_t)n;
	return 0;
}

static int format_xform(const struct ike_xform *x, bool first, char *buf,
			size_t len, size_t *off)
{
	const struct keyword *k = keyword_by_xform(x);
	const char *sep = first ? "" : "-";

	if (k)
		return append(buf, len, off, "%s%s", sep, k->name);
	if (append(buf, len, off, "%sunknown-%u-%u", sep, x->type, x->id))
		return -1;
	return x->key_bits ? append(buf, len, off, "_%u", x->key_bits) : 0;
}

int ike_prop_format(const struct ike_sa_pld *sa, char *buf, size_t len)
{
	size_t off = 0;
	uint16_t i, j;

	if (!len)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < sa->nprops; i++) {
		const struct ike_proposal *p = &sa->props[i];

		if (i && append(buf, len, &off, ", "))
			return -1;
		for (j = 0; j < p->nxforms; j++)
			if (format_xform(&sa->xforms[p->first + j], !j, buf,
					 len, &off))
				return -1;
	}
	return (int)off;
}

/* ---- selection ------------------------------------------------------------ */

static const struct ike_xform *xf(const struct ike_sa_pld *sa,
				  const struct ike_proposal *p, uint16_t j)
{
	return &sa->xforms[p->first + j];
}

/* Transforms of a type in a proposal, usable or not. */
static unsigned int count(const struct ike_sa_pld *sa,
			  const struct ike_proposal *p, uint8_t type)
{
	unsigned int n = 0;
	uint16_t j;

	for (j = 0; j < p->nxforms; j++)
		n += xf(sa, p, j)->type == type;
	return n;
}

static bool offers(const struct ike_sa_pld *sa, const struct ike_proposal *p,
		   uint8_t type, uint16_t id, uint16_t bits)
{
	const struct ike_xform *x;
	uint16_t j;

	for (j = 0; j < p->nxforms; j++) {
		x = xf(sa, p, j);
		if (x->type == type && x->id == id && x->key_bits == bits &&
		    !x->unknown_attr)
			return true;
	}
	return false;
}

static bool known_types(const struct ike_sa_pld *sa,
			const struct ike_proposal *p)
{
	uint16_t j;

	for (j = 0; j < p->nxforms; j++)
		if (xf(sa, p, j)->type < IKEV2_XFORM_ENCR ||
		    xf(sa, p, j)->type > IKEV2_XFORM_ESN)
			return false;
	return true;
}

/* A Child SA proposal may do without DH if the other side offers NONE. */
static bool dh_optional(const struct ike_sa_pld *sa,
			const struct ike_proposal *p)
{
	return p->proto != IKEV2_PROTO_IKE &&
	       offers(sa, p, IKEV2_XFORM_DH, IKEV2_DH_NONE, 0);
}

/*
 * The transform of one type for the chosen proposal: 1 with *out set, 0
 * for a type neither side has (or DH left out), -1 for no match.
 */
static int pick(const struct ike_sa_pld *ours, const struct ike_proposal *op,
		const struct ike_sa_pld *peer, const struct ike_proposal *pp,
		uint8_t type, uint16_t prefer, struct ike_xform *out)
{
	unsigned int a = count(ours, op, type), b = count(peer, pp, type);
	const struct ike_xform *x;
	uint16_t j;

	if (!a && !b)
		return 0;
	if (type == IKEV2_XFORM_DH &&
	    ((!a && dh_optional(peer, pp)) || (!b && dh_optional(ours, op))))
		return 0;
	if (prefer && offers(ours, op, type, prefer, 0) &&
	    offers(peer, pp, type, prefer, 0)) {
		*out = (struct ike_xform){ .type = type, .id = prefer };
		return 1;
	}
	for (j = 0; j < op->nxforms; j++) {
		x = xf(ours, op, j);
		if (x->type == type &&
		    offers(peer, pp, type, x->id, x->key_bits)) {
			*out = (struct ike_xform){ .type = type, .id = x->id,
						    .key_bits = x->key_bits };
			return 1;
		}
	}
	return -1;
}

/* Our proposal op against the peer's pp: chosen gets the result. */
static bool match(const struct ike_sa_pld *ours, const struct ike_proposal *op,
		  const struct ike_sa_pld *peer, const struct ike_proposal *pp,
		  uint16_t ke_group, unsigned int flags,
		  struct ike_sa_pld *chosen)
{
	struct ike_xform x;
	uint8_t t, type;
	int rc;

	if (op->proto != pp->proto || !known_types(peer, pp))
		return false;
	memset(chosen, 0, sizeof(*chosen));
	for (t = 0; t < sizeof(wire_order); t++) {
		type = wire_order[t];
		if (type == IKEV2_XFORM_DH && (flags & IKE_PROP_SKIP_DH))
			continue;
		rc = pick(ours, op, peer, pp, type,
			  type == IKEV2_XFORM_DH ? ke_group : 0, &x);
		if (rc < 0)
			return false;
		if (rc)
			chosen->xforms[chosen->nxforms++] = x;
	}
	chosen->nprops = 1;
	chosen->props[0] = (struct ike_proposal){
		.num = pp->num, .proto = pp->proto, .spi_size = pp->spi_size,
		.nxforms = chosen->nxforms,
	};
	memcpy(chosen->props[0].spi, pp->spi, sizeof(pp->spi));
	return true;
}

int ike_prop_select(const struct ike_sa_pld *ours,
		    const struct ike_sa_pld *peer, uint16_t ke_group,
		    unsigned int flags, struct ike_sa_pld *chosen,
		    struct ike_err *err)
{
	uint16_t i, j;

	for (i = 0; i < ours->nprops; i++)
		for (j = 0; j < peer->nprops; j++)
			if (match(ours, &ours->props[i], peer, &peer->props[j],
				  ke_group, flags, chosen))
				return 0;
	memset(chosen, 0, sizeof(*chosen));
	return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
			"none of the peer's %u proposals matches ours",
			peer->nprops);
}

/* ---- the responder's choice, at the initiator ---------------------------- */

static int check_reply_type(const struct ike_sa_pld *offered,
			    const struct ike_proposal *op,
			    const struct ike_sa_pld *reply,
			    const struct ike_proposal *rp, uint8_t type,
			    struct ike_err *err)
{
	unsigned int a = count(offered, op, type), b = count(reply, rp, type);
	const char *name = ikev2_name(IKEV2_MAP_XFORM_TYPE, type);
	uint16_t j;

	if (b > 1)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"reply has %u %s transforms", b, name);
	if (!a && !b)
		return 0;
	if (type == IKEV2_XFORM_DH && !b && dh_optional(offered, op))
		return 0;
	if (!b)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"reply has no %s transform", name);
	for (j = 0; j < rp->nxforms; j++)
		if (xf(reply, rp, j)->type == type &&
		    !offers(offered, op, type, xf(reply, rp, j)->id,
			    xf(reply, rp, j)->key_bits))
			return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
					"reply's %s %u was not offered", name,
					xf(reply, rp, j)->id);
	return 0;
}

int ike_prop_check_reply(const struct ike_sa_pld *offered,
			 const struct ike_sa_pld *reply, unsigned int flags,
			 struct ike_err *err)
{
	const struct ike_proposal *rp = &reply->props[0], *op;
	uint16_t i;
	uint8_t t;

	if (reply->nprops != 1)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"reply has %u proposals", reply->nprops);
	for (i = 0; i < offered->nprops; i++)
		if (offered->props[i].num == rp->num)
			break;
	if (i == offered->nprops || offered->props[i].proto != rp->proto)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"reply's proposal %u (%s) was not offered",
				rp->num, ikev2_name(IKEV2_MAP_PROTO, rp->proto));
	op = &offered->props[i];
	if (!known_types(reply, rp))
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"reply has a transform type we did not offer");
	for (t = 0; t < sizeof(wire_order); t++)
		if (!(wire_order[t] == IKEV2_XFORM_DH &&
		      (flags & IKE_PROP_SKIP_DH)) &&
		    check_reply_type(offered, op, reply, rp, wire_order[t],
				     err))
			return -1;
	return i;
}

int ike_prop_xform(const struct ike_sa_pld *sa, uint16_t i, uint8_t type,
		   uint16_t *key_bits)
{
	const struct ike_proposal *p;
	uint16_t j;

	if (i >= sa->nprops)
		return -1;
	p = &sa->props[i];
	for (j = 0; j < p->nxforms; j++)
		if (xf(sa, p, j)->type == type) {
			if (key_bits)
				*key_bits = xf(sa, p, j)->key_bits;
			return xf(sa, p, j)->id;
		}
	return -1;
}

int ike_prop_check_ke(uint16_t chosen_group, uint16_t ke_group,
		      uint16_t *request, struct ike_err *err)
{
	if (chosen_group == ke_group)
		return 0;
	*request = chosen_group;
	return ike_fail(err, IKEV2_N_INVALID_KE_PAYLOAD,
			"KE payload of group %s, the proposal's is %s",
			ikev2_name(IKEV2_MAP_DH, ke_group),
			ikev2_name(IKEV2_MAP_DH, chosen_group));
}
