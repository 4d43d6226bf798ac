// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Building an IKEv2 message (RFC 7296 3) in a fixed-size buffer.
 *
 * ike_add_payload() closes the payload before it (its length), writes the
 * new type into the previous next-payload field (the header's for the
 * first) and appends a generic header; the body appenders follow it with
 * the payload's fixed part and data; ike_msg_finalise() closes the last
 * payload and writes the message length into the header. Every append is
 * checked against IKEV2_MSG_MAX_BYTES, which every 16-bit length field can
 * hold (checked at compile time).
 * A payload appender that fails leaves the message as it was before it.
 * An SK or SKF payload is last: its next field names the first payload
 * inside, which is built in a buffer of its own (ike_buf_init_inner()),
 * encrypted by the caller into the SK body once the message is finalised.
 */
#include <string.h>

#include "ikev2_pld.h"

#define NO_OFFSET SIZE_MAX

/* No payload or proposal can outgrow its 16-bit length field. */
_Static_assert(IKEV2_MSG_MAX_BYTES <= UINT16_MAX, "IKE message too large");

/* Where a failed appender puts the buffer back. */
struct mark {
	size_t len, link, open;
	uint8_t linked;		/* the type in the next field at link */
	bool sealed;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, (uint16_t)v);
}

static struct mark mark(const struct ike_buf *b)
{
	return (struct mark){
		.len = b->len, .link = b->link, .open = b->open,
		.linked = b->link == NO_OFFSET ? b->first : b->data[b->link],
		.sealed = b->sealed,
	};
}

static int rollback(struct ike_buf *b, const struct mark *m)
{
	b->len = m->len;
	b->link = m->link;
	b->open = m->open;
	b->sealed = m->sealed;
	if (b->link == NO_OFFSET)
		b->first = m->linked;
	else
		b->data[b->link] = m->linked;
	return -1;
}

void ike_buf_init(struct ike_buf *b, uint64_t spi_i, uint64_t spi_r,
		  uint8_t exchange, uint8_t flags, uint32_t msgid)
{
	uint8_t *h = b->data;

	put32(h, (uint32_t)(spi_i >> 32));
	put32(h + 4, (uint32_t)spi_i);
	put32(h + 8, (uint32_t)(spi_r >> 32));
	put32(h + 12, (uint32_t)spi_r);
	h[16] = IKEV2_PAYLOAD_NONE;
	h[17] = IKEV2_VERSION;
	h[18] = exchange;
	h[19] = flags;
	put32(h + 20, msgid);
	put32(h + 24, sizeof(struct ikev2_hdr));
	b->len = sizeof(struct ikev2_hdr);
	b->link = offsetof(struct ikev2_hdr, next);
	b->open = NO_OFFSET;
	b->has_hdr = true;
	b->sealed = false;
	b->first = IKEV2_PAYLOAD_NONE;
}

void ike_buf_init_inner(struct ike_buf *b)
{
	b->len = 0;
	b->link = NO_OFFSET;
	b->open = NO_OFFSET;
	b->has_hdr = false;
	b->sealed = false;
	b->first = IKEV2_PAYLOAD_NONE;
}

static int reserve(struct ike_buf *b, size_t n, size_t *off)
{
	if (n > IKEV2_MSG_MAX_BYTES - b->len)
		return -1;
	*off = b->len;
	b->len += n;
	return 0;
}

int ike_put(struct ike_buf *b, const void *data, size_t len)
{
	size_t off;

	if (reserve(b, len, &off))
		return -1;
	if (len)
		memcpy(b->data + off, data, len);
	return 0;
}

/* The open payload's length, now that its body is complete. */
static void close_payload(struct ike_buf *b)
{
	if (b->open == NO_OFFSET)
		return;
	put16(b->data + b->open + 2, (uint16_t)(b->len - b->open));
	b->open = NO_OFFSET;
}

long ike_add_payload(struct ike_buf *b, uint8_t type)
{
	static const uint8_t empty[sizeof(struct ikev2_pld_hdr)];
	size_t off = b->len;

	if (b->sealed)
		return -1;
	close_payload(b);
	if (ike_put(b, empty, sizeof(empty)))
		return -1;
	if (b->link == NO_OFFSET)
		b->first = type;
	else
		b->data[b->link] = type;
	b->link = off;
	b->open = off;
	return (long)off;
}

int ike_msg_finalise(struct ike_buf *b)
{
	close_payload(b);
	if (b->has_hdr)
		put32(b->data + offsetof(struct ikev2_hdr, length),
		      (uint32_t)b->len);
	return (int)b->len;
}

/* ---- SA ---------------------------------------------------------------- */

static int add_xform(struct ike_buf *b, const struct ike_xform *x, bool last)
{
	uint8_t t[sizeof(struct ikev2_xform) + sizeof(struct ikev2_attribute)];
	size_t len = sizeof(struct ikev2_xform);

	if (x->key_bits) {
		put16(t + len, IKEV2_ATTR_TV | IKEV2_ATTR_KEY_LENGTH);
		put16(t + len + 2, x->key_bits);
		len += sizeof(struct ikev2_attribute);
	}
	t[0] = last ? IKEV2_XFORM_LAST : IKEV2_XFORM_MORE;
	t[1] = 0;
	put16(t + 2, (uint16_t)len);
	t[4] = x->type;
	t[5] = 0;
	put16(t + 6, x->id);
	return ike_put(b, t, len);
}

/* Proposal i (numbered i + 1) and its transforms, then its length. */
static int add_proposal(struct ike_buf *b, const struct ike_sa_pld *sa,
			uint16_t i)
{
	const struct ike_proposal *p = &sa->props[i];
	uint8_t h[sizeof(struct ikev2_proposal)];
	size_t start = b->len;
	uint16_t j;

	if (!p->nxforms || p->nxforms > UINT8_MAX ||
	    p->first + p->nxforms > sa->nxforms ||
	    p->spi_size > IKEV2_MAX_SPI_BYTES)
		return -1;
	h[0] = i + 1 == sa->nprops ? IKEV2_PROP_LAST : IKEV2_PROP_MORE;
	h[1] = 0;
	h[4] = (uint8_t)(i + 1);
	h[5] = p->proto;
	h[6] = p->spi_size;
	h[7] = (uint8_t)p->nxforms;
	if (ike_put(b, h, sizeof(h)) || ike_put(b, p->spi, p->spi_size))
		return -1;
	for (j = 0; j < p->nxforms; j++)
		if (add_xform(b, &sa->xforms[p->first + j],
			      j + 1 == p->nxforms))
			return -1;
	put16(b->data + start + 2, (uint16_t)(b->len - start));
	return 0;
}

int ike_add_sa(struct ike_buf *b, const struct ike_sa_pld *sa)
{
	struct mark m = mark(b);
	uint16_t i;

	if (!sa->nprops || sa->nprops > IKEV2_MAX_PROPOSALS ||
	    sa->nxforms > IKEV2_MAX_XFORMS ||
	    ike_add_payload(b, IKEV2_PAYLOAD_SA) < 0)
		goto done;
	for (i = 0; i < sa->nprops; i++)
		if (add_proposal(b, sa, i))
			goto done;
	return 0;
done:
	return rollback(b, &m);
}

/* ---- payloads with a fixed part and data ------------------------------- */

/* A payload of type, its fixed part (fixed_len bytes), then data. */
static int add_simple(struct ike_buf *b, uint8_t type, const uint8_t *fixed,
		      size_t fixed_len, const void *data, size_t len)
{
	struct mark m = mark(b);

	if (ike_add_payload(b, type) < 0 || ike_put(b, fixed, fixed_len) ||
	    ike_put(b, data, len))
		goto done;
	return 0;
done:
	return rollback(b, &m);
}

int ike_add_ke(struct ike_buf *b, uint16_t group, const void *data,
	       size_t len)
{
	uint8_t f[sizeof(struct ikev2_ke)] = { group >> 8, (uint8_t)group };

	if (!len)
		return -1;
	return add_simple(b, IKEV2_PAYLOAD_KE, f, sizeof(f), data, len);
}

int ike_add_nonce(struct ike_buf *b, const void *nonce, size_t len)
{
	if (len < IKEV2_NONCE_MIN_BYTES || len > IKEV2_NONCE_MAX_BYTES)
		return -1;
	return add_simple(b, IKEV2_PAYLOAD_NONCE, NULL, 0, nonce, len);
}

int ike_add_notify(struct ike_buf *b, uint8_t proto, const void *spi,
		   uint8_t spi_size, uint16_t type, const void *data,
		   size_t len)
{
	uint8_t f[sizeof(struct ikev2_notify) + IKEV2_MAX_SPI_BYTES] = {
		proto, spi_size, type >> 8, (uint8_t)type
	};

	if (spi_size > IKEV2_MAX_SPI_BYTES)
		return -1;
	if (spi_size)
		memcpy(f + sizeof(struct ikev2_notify), spi, spi_size);
	return add_simple(b, IKEV2_PAYLOAD_NOTIFY, f,
			  sizeof(struct ikev2_notify) + spi_size, data, len);
}

int ike_add_id(struct ike_buf *b, uint8_t pld, uint8_t id_type,
	       const void *data, size_t len)
{
	uint8_t f[sizeof(struct ikev2_id)] = { id_type };

	if ((pld != IKEV2_PAYLOAD_IDI && pld != IKEV2_PAYLOAD_IDR) || !len)
		return -1;
	return add_simple(b, pld, f, sizeof(f), data, len);
}

int ike_add_cert(struct ike_buf *b, uint8_t pld, uint8_t encoding,
		 const void *data, size_t len)
{
	if ((pld != IKEV2_PAYLOAD_CERT || !len) &&
	    pld != IKEV2_PAYLOAD_CERTREQ)
		return -1;
	return add_simple(b, pld, &encoding, 1, data, len);
}

int ike_add_auth(struct ike_buf *b, uint8_t method, const void *data,
		 size_t len)
{
	uint8_t f[sizeof(struct ikev2_auth)] = { method };

	if (!len)
		return -1;
	return add_simple(b, IKEV2_PAYLOAD_AUTH, f, sizeof(f), data, len);
}

int ike_add_delete(struct ike_buf *b, uint8_t proto, uint8_t spi_size,
		   const void *spis, uint16_t num_spi)
{
	uint8_t f[sizeof(struct ikev2_delete)] = {
		proto, spi_size, num_spi >> 8, (uint8_t)num_spi
	};

	return add_simple(b, IKEV2_PAYLOAD_DELETE, f, sizeof(f), spis,
			  (size_t)num_spi * spi_size);
}

int ike_add_vendor(struct ike_buf *b, const void *data, size_t len)
{
	if (!len)
		return -1;
	return add_simple(b, IKEV2_PAYLOAD_VENDOR, NULL, 0, data, len);
}

/* ---- traffic selectors --------------------------------------------------- */

static int add_one_ts(struct ike_buf *b, const struct ike_ts *ts)
{
	uint8_t t[IKEV2_TS_IPV6_BYTES];
	size_t hlen = sizeof(struct ikev2_ts), alen;

	if (ts->type == IKEV2_TS_IPV4_ADDR_RANGE)
		alen = 4;
	else if (ts->type == IKEV2_TS_IPV6_ADDR_RANGE)
		alen = 16;
	else
		return -1;
	t[0] = ts->type;
	t[1] = ts->proto;
	put16(t + 2, (uint16_t)(hlen + 2 * alen));
	put16(t + 4, ts->start_port);
	put16(t + 6, ts->end_port);
	memcpy(t + hlen, ts->start, alen);
	memcpy(t + hlen + alen, ts->end, alen);
	return ike_put(b, t, hlen + 2 * alen);
}

int ike_add_ts(struct ike_buf *b, uint8_t pld, const struct ike_ts *ts,
	       uint8_t num)
{
	struct mark m = mark(b);
	uint8_t f[sizeof(struct ikev2_tsp)] = { num };
	uint8_t i;

	if ((pld != IKEV2_PAYLOAD_TSI && pld != IKEV2_PAYLOAD_TSR) || !num ||
	    num > IKEV2_MAX_TS || ike_add_payload(b, pld) < 0 ||
	    ike_put(b, f, sizeof(f)))
		goto done;
	for (i = 0; i < num; i++)
		if (add_one_ts(b, &ts[i]))
			goto done;
	return 0;
done:
	return rollback(b, &m);
}

/* ---- SK, SKF ----------------------------------------------------------- */

/* The encrypted payload, last: returns the offset of its body_len bytes. */
static long add_encrypted(struct ike_buf *b, uint8_t type, uint8_t inner,
			  const uint8_t *fixed, size_t fixed_len,
			  size_t body_len)
{
	struct mark m = mark(b);
	long off;
	size_t body;

	if (!b->has_hdr || !body_len)
		return -1;
	off = ike_add_payload(b, type);
	if (off < 0 || ike_put(b, fixed, fixed_len) ||
	    reserve(b, body_len, &body))
		goto done;
	memset(b->data + body, 0, body_len);
	b->data[off] = inner;
	b->sealed = true;
	return (long)body;
done:
	return rollback(b, &m);
}

long ike_add_sk(struct ike_buf *b, uint8_t inner, size_t body_len)
{
	return add_encrypted(b, IKEV2_PAYLOAD_SK, inner, NULL, 0, body_len);
}

long ike_add_skf(struct ike_buf *b, uint8_t inner, uint16_t frag_num,
		 uint16_t total, size_t body_len)
{
	uint8_t f[sizeof(struct ikev2_skf)] = {
		frag_num >> 8, (uint8_t)frag_num, total >> 8, (uint8_t)total
	};

	if (!frag_num || frag_num > total || (frag_num != 1 && inner))
		return -1;
	return add_encrypted(b, IKEV2_PAYLOAD_SKF, inner, f, sizeof(f),
			     body_len);
}
