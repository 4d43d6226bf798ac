// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The proposals of an SA payload (RFC 7296 3.3): proposal, transform and
 * attribute substructures, each checked against the bytes that hold it.
 */
#include <string.h>

#include "ikev2_pld.h"

/* ---- substructure lists: proposals, transforms ------------------------- */

typedef int (*sub_fn)(void *ctx, const uint8_t *p, size_t len,
		      struct ike_err *err);

/*
 * Proposals and transforms start with last (1), reserved (1), length (2).
 * Each must fit in what is left and be at least min long; "more" on every
 * one but the last, which must end exactly at the end of the list.
 */
static int walk_subs(const uint8_t *p, size_t len, size_t min, uint8_t more,
		     const char *what, sub_fn fn, void *ctx,
		     struct ike_err *err)
{
	size_t off = 0, slen;
	uint8_t last = more;

	while (off < len) {
		if (last != more)
			return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
					"%s after the last one", what);
		if (len - off < min)
			return ike_malformed(err, what, len - off, min);
		slen = ike_get16(p + off + 2);
		if (slen < min)
			return ike_malformed(err, what, slen, min);
		if (slen > len - off)
			return ike_malformed(err, what, len - off, slen);
		last = p[off];
		if (last != more && last != 0)
			return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
					"%s: bad last-substructure value %u",
					what, last);
		if (fn(ctx, p + off, slen, err))
			return -1;
		off += slen;
	}
	if (last != 0)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"%s list ends on one marked more", what);
	return 0;
}

/* ---- SA ---------------------------------------------------------------- */

static int attribute(struct ike_xform *x, const uint8_t *p, size_t len,
		     size_t *used, struct ike_err *err)
{
	uint16_t type;
	size_t alen = sizeof(struct ikev2_attribute);

	if (len < alen)
		return ike_malformed(err, "transform attribute", len, alen);
	type = ike_get16(p);
	if (!(type & IKEV2_ATTR_TV)) {
		alen += ike_get16(p + 2);
		if (alen > len)
			return ike_malformed(err, "transform attribute", len,
					     alen);
	}
	*used = alen;
	if ((type & ~IKEV2_ATTR_TV) != IKEV2_ATTR_KEY_LENGTH) {
		x->unknown_attr = true;
		return 0;
	}
	if (!(type & IKEV2_ATTR_TV) || x->key_bits || !ike_get16(p + 2))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"bad or repeated key length attribute");
	x->key_bits = ike_get16(p + 2);
	return 0;
}

static int xform(void *ctx, const uint8_t *p, size_t len, struct ike_err *err)
{
	struct ike_sa_pld *sa = ctx;
	struct ike_xform *x;
	size_t off = sizeof(struct ikev2_xform), used = 0;

	if (sa->nxforms == IKEV2_MAX_XFORMS)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"more than %d transforms", IKEV2_MAX_XFORMS);
	x = &sa->xforms[sa->nxforms++];
	x->type = p[4];
	x->id = ike_get16(p + 6);
	for (; off < len; off += used)
		if (attribute(x, p + off, len - off, &used, err))
			return -1;
	return 0;
}

static int proposal(void *ctx, const uint8_t *p, size_t len,
		    struct ike_err *err)
{
	struct ike_sa_pld *sa = ctx;
	struct ike_proposal *pr;
	size_t hlen = sizeof(struct ikev2_proposal);
	uint8_t proto = p[5], spi_size = p[6];

	if (sa->nprops == IKEV2_MAX_PROPOSALS)
		return ike_fail(err, IKEV2_N_NO_PROPOSAL_CHOSEN,
				"more than %d proposals", IKEV2_MAX_PROPOSALS);
	if (p[4] != sa->nprops + 1)
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"proposal number %u, expected %u", p[4],
				sa->nprops + 1);
	if (spi_size > IKEV2_MAX_SPI_BYTES ||
	    (proto == IKEV2_PROTO_IKE && spi_size != 0 &&
	     spi_size != IKEV2_SPI_BYTES_IKE) ||
	    ((proto == IKEV2_PROTO_ESP || proto == IKEV2_PROTO_AH) &&
	     spi_size != IKEV2_SPI_BYTES_CHILD))
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"proposal: SPI size %u for protocol %u",
				spi_size, proto);
	if (len < hlen + spi_size)
		return ike_malformed(err, "proposal", len, hlen + spi_size);
	pr = &sa->props[sa->nprops++];
	pr->num = p[4];
	pr->proto = proto;
	pr->spi_size = spi_size;
	memcpy(pr->spi, p + hlen, spi_size);
	pr->first = sa->nxforms;
	if (walk_subs(p + hlen + spi_size, len - hlen - spi_size,
		      sizeof(struct ikev2_xform), IKEV2_XFORM_MORE,
		      "transform", xform, sa, err))
		return -1;
	pr->nxforms = sa->nxforms - pr->first;
	if (pr->nxforms != p[7])
		return ike_fail(err, IKEV2_N_INVALID_SYNTAX,
				"proposal %u says %u transforms, has %u",
				pr->num, p[7], pr->nxforms);
	return 0;
}

int ike_parse_proposals(struct ike_sa_pld *sa, const uint8_t *p, size_t len,
			struct ike_err *err)
{
	return walk_subs(p, len, sizeof(struct ikev2_proposal),
			 IKEV2_PROP_MORE, "proposal", proposal, sa, err);
}
