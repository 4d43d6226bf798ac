// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Distinguished-name identities (RFC 7296 3.5 ID_DER_ASN1_DN): the
 * strongSwan form "C=CH, O=Example, CN=moon.example" (',' or '/' between
 * the parts) to the DER of an X.501 RDNSequence, one attribute per RDN,
 * PrintableString where the value allows it, else UTF8String (IA5String
 * for E); and back to that form for listings.
 */
#include <stdio.h>
#include <string.h>

#include "loader/conf_ike.h"
#include "loader/xdpsec.h"

enum { ASN1_SEQ = 0x30, ASN1_SET = 0x31, ASN1_OID = 0x06,
       ASN1_UTF8 = 0x0c, ASN1_PRINTABLE = 0x13, ASN1_IA5 = 0x16 };

struct dn_attr {
	const char *name;
	uint8_t len;
	uint8_t oid[10];
};

static const struct dn_attr attrs[] = {
	{ "CN", 3, { 0x55, 0x04, 0x03 } },
	{ "C", 3, { 0x55, 0x04, 0x06 } },
	{ "L", 3, { 0x55, 0x04, 0x07 } },
	{ "ST", 3, { 0x55, 0x04, 0x08 } },
	{ "O", 3, { 0x55, 0x04, 0x0a } },
	{ "OU", 3, { 0x55, 0x04, 0x0b } },
	{ "SN", 3, { 0x55, 0x04, 0x04 } },
	{ "serialNumber", 3, { 0x55, 0x04, 0x05 } },
	{ "E", 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 } },
	{ "DC", 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 } },
	{ "UID", 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 } },
};

static const struct dn_attr *attr_by_name(const char *n)
{
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (!strcasecmp(attrs[i].name, n))
			return &attrs[i];
	return NULL;
}

static bool printable(const char *s, size_t n)
{
	static const char extra[] = " '()+,-./:=?";
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i])))
			return false;
	return true;
}

/* A DER TLV at out[*n], short or one/two-byte long length. */
static int put_tlv(uint8_t *out, size_t *n, uint8_t tag, const void *v,
		   size_t len)
{
	size_t hdr = len < 128 ? 2 : len < 256 ? 3 : 4;

	if (*n + hdr + len > IKE_ID_MAX)
		return -1;
	out[(*n)++] = tag;
	if (len >= 256)
		out[(*n)++] = 0x82, out[(*n)++] = len >> 8;
	else if (len >= 128)
		out[(*n)++] = 0x81;
	out[(*n)++] = len & 0xff;
	memmove(out + *n, v, len);
	*n += len;
	return 0;
}

/* One "NAME=value" as SET { SEQUENCE { OID, string } }. */
static int put_rdn(uint8_t *out, size_t *n, const struct dn_attr *a,
		   const char *val, size_t vlen)
{
	uint8_t seq[IKE_ID_MAX], set[IKE_ID_MAX];
	size_t sn = 0, tn = 0;
	uint8_t tag = a->len == 9 ? ASN1_IA5 :
		      printable(val, vlen) ? ASN1_PRINTABLE : ASN1_UTF8;

	if (put_tlv(seq, &sn, ASN1_OID, a->oid, a->len) ||
	    put_tlv(seq, &sn, tag, val, vlen) ||
	    put_tlv(set, &tn, ASN1_SEQ, seq, sn))
		return -1;
	return put_tlv(out, n, ASN1_SET, set, tn);
}

static int dn_parts(char *s, uint8_t *rdns, size_t *n, const char *v,
		    char *msg)
{
	char *save = NULL, *part, *eq, *val, *e;
	const struct dn_attr *a;

	for (part = strtok_r(s, ",/", &save); part; part = strtok_r(NULL, ",/", &save)) {
		while (*part == ' ')
			part++;
		eq = strchr(part, '=');
		if (!eq)
			return xs_why(msg, "bad id '%s': want NAME=value parts", v);
		*eq = 0;
		for (e = eq; e > part && e[-1] == ' '; )
			*--e = 0;
		for (val = eq + 1; *val == ' '; val++)
			;
		for (e = val + strlen(val); e > val && e[-1] == ' '; )
			*--e = 0;
		if (!(a = attr_by_name(part)))
			return xs_why(msg, "bad id '%s': unknown DN attribute '%s'", v, part);
		if (!*val || put_rdn(rdns, n, a, val, strlen(val)))
			return xs_why(msg, "bad id '%s': empty value or longer than %d bytes",
				      v, IKE_ID_MAX);
	}
	return 0;
}

int xs_ike_dn_encode(const char *v, struct ike_id_cfg *id, char *msg)
{
	uint8_t rdns[IKE_ID_MAX];
	char buf[1024];
	size_t n = 0, len = 0;

	if (strlen(v) >= sizeof(buf))
		return xs_why(msg, "bad id: longer than %zu bytes", sizeof(buf) - 1);
	strcpy(buf, v);
	if (dn_parts(*buf == '/' ? buf + 1 : buf, rdns, &n, v, msg))
		return -1;
	if (!n || put_tlv(id->data, &len, ASN1_SEQ, rdns, n))
		return xs_why(msg, "bad id '%s': empty or longer than %d bytes", v,
			      IKE_ID_MAX);
	id->type = IKEV2_ID_DER_ASN1_DN;
	id->len = len;
	return 0;
}

/* Read a TLV header at p (within end): tag, body and its length. */
static const uint8_t *get_tlv(const uint8_t *p, const uint8_t *end,
			      uint8_t *tag, size_t *len)
{
	size_t l;

	if (end - p < 2)
		return NULL;
	*tag = p[0];
	l = p[1];
	p += 2;
	if (l == 0x81 || l == 0x82) {
		size_t k = l - 0x80;

		if ((size_t)(end - p) < k)
			return NULL;
		l = k == 1 ? p[0] : (size_t)p[0] << 8 | p[1];
		p += k;
	} else if (l & 0x80) {
		return NULL;
	}
	if ((size_t)(end - p) < l)
		return NULL;
	*len = l;
	return p;
}

static const char *attr_name(const uint8_t *oid, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (attrs[i].len == len && !memcmp(attrs[i].oid, oid, len))
			return attrs[i].name;
	return "?";
}

/* One RDN's attributes appended to buf as "NAME=value". */
static int rdn_str(const uint8_t *p, const uint8_t *end, char *buf,
		   size_t len, size_t *n)
{
	const uint8_t *oid, *val;
	size_t sl, ol, vl;
	uint8_t tag;

	while (p < end) {
		if (!(p = get_tlv(p, end, &tag, &sl)) || tag != ASN1_SEQ ||
		    !(oid = get_tlv(p, p + sl, &tag, &ol)) || tag != ASN1_OID ||
		    !(val = get_tlv(oid + ol, p + sl, &tag, &vl)))
			return -1;
		*n += snprintf(buf + *n, *n < len ? len - *n : 0, "%s%s=%.*s",
			       *n ? ", " : "", attr_name(oid, ol), (int)vl,
			       (const char *)val);
		p += sl;
	}
	return 0;
}

void xs_ike_dn_str(const struct ike_id_cfg *id, char *buf, size_t len)
{
	const uint8_t *p, *end, *set;
	size_t l, n = 0;
	uint8_t tag;

	buf[0] = 0;
	p = get_tlv(id->data, id->data + id->len, &tag, &l);
	if (!p || tag != ASN1_SEQ) {
		snprintf(buf, len, "(malformed DN)");
		return;
	}
	for (end = p + l; p < end; p = set + l) {
		set = get_tlv(p, end, &tag, &l);
		if (!set || tag != ASN1_SET || rdn_str(set, set + l, buf, len, &n)) {
			snprintf(buf, len, "(malformed DN)");
			return;
		}
	}
}
