// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKEv2 identities: strongSwan's string forms both ways, DNs through
 * OpenSSL's X509_NAME (DER in the ID, RFC 5280 7.1 comparison), and the
 * RFC 4945 3.1 rule that the peer's certificate must carry its ID.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/id.h"

/* ---- DNs -------------------------------------------------------------- */

static X509_NAME *dn_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);

	if (n && (size_t)(p - der) != len) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int dn_to_id(const X509_NAME *name, struct ike_id_cfg *id)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(name, &der);

	if (len <= 0 || len > IKE_ID_MAX) {
		OPENSSL_free(der);
		return -1;
	}
	id->type = IKEV2_ID_DER_ASN1_DN;
	id->len = (uint16_t)len;
	memcpy(id->data, der, (size_t)len);
	OPENSSL_free(der);
	return 0;
}

/* Two DER DNs are equal by RFC 5280 7.1 (OpenSSL's canonical form). */
static bool dn_equal(const uint8_t *a, size_t alen, const X509_NAME *b)
{
	X509_NAME *na = dn_from_der(a, alen);
	bool eq = na && b && !X509_NAME_cmp(na, b);

	X509_NAME_free(na);
	return eq;
}

/* Attribute names of a DN string, case-insensitive like strongSwan's. */
static int dn_attr_nid(const char *key)
{
	static const struct { const char *name; int nid; } attrs[] = {
		{ "C", NID_countryName }, { "ST", NID_stateOrProvinceName },
		{ "S", NID_stateOrProvinceName }, { "L", NID_localityName },
		{ "O", NID_organizationName },
		{ "OU", NID_organizationalUnitName }, { "CN", NID_commonName },
		{ "SN", NID_surname }, { "GN", NID_givenName },
		{ "DC", NID_domainComponent }, { "UID", NID_userId },
		{ "serialNumber", NID_serialNumber },
		{ "E", NID_pkcs9_emailAddress },
		{ "email", NID_pkcs9_emailAddress },
		{ "emailAddress", NID_pkcs9_emailAddress },
	};
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (!strcasecmp(key, attrs[i].name))
			return attrs[i].nid;
	return NID_undef;
}

/* PrintableString when the value allows it (as strongSwan encodes). */
static int dn_value_type(int nid, const char *v)
{
	if (nid == NID_pkcs9_emailAddress || nid == NID_domainComponent)
		return V_ASN1_IA5STRING;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr(" '()+,-./:=?", *v))
			return MBSTRING_UTF8;
	return V_ASN1_PRINTABLESTRING;
}

static char *trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		*--e = 0;
	return s;
}

/* One "key=value" (value possibly quoted) appended to name. */
static int dn_add_rdn(X509_NAME *name, char *rdn, struct ike_err *err)
{
	char *eq = strchr(rdn, '='), *key, *val;
	size_t vlen;
	int nid;

	if (!eq)
		return ike_fail(err, 0, "DN: '%s' is not attribute=value", rdn);
	*eq = 0;
	key = trim(rdn);
	val = trim(eq + 1);
	vlen = strlen(val);
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val[vlen - 1] = 0;
		val++;
	}
	nid = dn_attr_nid(key);
	if (nid == NID_undef || !*val)
		return ike_fail(err, 0, "DN: %s '%s'", nid == NID_undef ?
				"unknown attribute" : "empty value for", key);
	if (!X509_NAME_add_entry_by_NID(name, nid, dn_value_type(nid, val),
					(const unsigned char *)val, -1, -1, 0))
		return ike_fail(err, 0, "DN: bad value for %s", key);
	return 0;
}

/* "C=CH, O=x, CN=y" or "/C=CH/O=x": RDNs between ',' or '/' (unquoted). */
static int dn_parse(const char *s, struct ike_id_cfg *id, struct ike_err *err)
{
	char buf[IKE_ID_STR_MAX], *rdn = buf, *p;
	X509_NAME *name;
	bool quoted = false, end;
	int rc;

	if (strlen(s) >= sizeof(buf))
		return ike_fail(err, 0, "DN longer than %zu characters",
				sizeof(buf) - 1);
	strcpy(buf, s);
	name = X509_NAME_new();
	if (!name)
		return ike_fail(err, 0, "DN: out of memory");
	for (p = buf;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (*p && ((*p != ',' && *p != '/') || quoted))
			continue;
		end = !*p;
		*p = 0;
		if (quoted)
			rc = ike_fail(err, 0, "DN: unterminated quote");
		else	/* empty parts are skipped, as strongSwan does */
			rc = *trim(rdn) ? dn_add_rdn(name, rdn, err) : 0;
		if (rc || end)
			break;
		rdn = p + 1;
	}
	if (!rc && (!X509_NAME_entry_count(name) || dn_to_id(name, id)))
		rc = ike_fail(err, 0, "DN: empty or longer than %d bytes",
			      IKE_ID_MAX);
	X509_NAME_free(name);
	return rc;
}

static void dn_format(const struct ike_id_cfg *id, char *buf, size_t size)
{
	X509_NAME *name = dn_from_der(id->data, id->len);
	BIO *bio = name ? BIO_new(BIO_s_mem()) : NULL;
	int n = 0;

	if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_SEP_CPLUS_SPC |
				      XN_FLAG_FN_SN | ASN1_STRFLGS_ESC_CTRL |
				      ASN1_STRFLGS_UTF8_CONVERT |
				      XN_FLAG_DUMP_UNKNOWN_FIELDS |
				      ASN1_STRFLGS_DUMP_DER) >= 0)
		n = BIO_read(bio, buf, (int)size - 1);
	if (n > 0)
		buf[n] = 0;
	else
		snprintf(buf, size, "(invalid DN)");
	BIO_free(bio);
	X509_NAME_free(name);
}

/* ---- string forms ----------------------------------------------------- */

static int id_set(struct ike_id_cfg *id, uint8_t type, const void *data,
		  size_t len, struct ike_err *err)
{
	if (!len || len > IKE_ID_MAX)
		return ike_fail(err, 0, "ID of %zu bytes (1 to %d)", len,
				IKE_ID_MAX);
	id->type = type;
	id->len = (uint16_t)len;
	memcpy(id->data, data, len);
	return 0;
}

int ike_id_parse(const char *s, struct ike_id_cfg *id, struct ike_err *err)
{
	uint8_t addr[16];

	memset(id, 0, sizeof(*id));
	if (!*s || !strcmp(s, "%any"))
		return 0;
	if (inet_pton(AF_INET, s, addr) == 1)
		return id_set(id, IKEV2_ID_IPV4_ADDR, addr, 4, err);
	if (inet_pton(AF_INET6, s, addr) == 1)
		return id_set(id, IKEV2_ID_IPV6_ADDR, addr, 16, err);
	if (strchr(s, '='))
		return dn_parse(s, id, err);
	if (!strncmp(s, "@@", 2))
		return id_set(id, IKEV2_ID_RFC822_ADDR, s + 2, strlen(s + 2),
			      err);
	if (s[0] == '@')
		return id_set(id, IKEV2_ID_FQDN, s + 1, strlen(s + 1), err);
	return id_set(id, strchr(s, '@') ? IKEV2_ID_RFC822_ADDR : IKEV2_ID_FQDN,
		      s, strlen(s), err);
}

/* Printable bytes as they are, anything else as '?'. */
static void text_format(const struct ike_id_cfg *id, char *buf, size_t size)
{
	size_t i, n = id->len < size - 1 ? id->len : size - 1;

	for (i = 0; i < n; i++)
		buf[i] = isprint(id->data[i]) ? (char)id->data[i] : '?';
	buf[n] = 0;
}

static void hex_format(const struct ike_id_cfg *id, char *buf, size_t size)
{
	size_t i, off = (size_t)snprintf(buf, size, "%s:",
					 ikev2_name(IKEV2_MAP_ID, id->type));

	for (i = 0; i < id->len && off + 3 <= size; i++, off += 2)
		snprintf(buf + off, 3, "%02x", id->data[i]);
}

void ike_id_format(const struct ike_id_cfg *id, char *buf, size_t size)
{
	if (!size)
		return;
	switch (id->type) {
	case 0:
		snprintf(buf, size, "%%any");
		break;
	case IKEV2_ID_IPV4_ADDR:
	case IKEV2_ID_IPV6_ADDR:
		if (id->len == 4 || id->len == 16) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(id->len == 4 ? AF_INET : AF_INET6, id->data,
				  a, sizeof(a));
			snprintf(buf, size, "%s", a);
		} else {
			hex_format(id, buf, size);
		}
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		text_format(id, buf, size);
		break;
	case IKEV2_ID_DER_ASN1_DN:
		dn_format(id, buf, size);
		break;
	default:
		hex_format(id, buf, size);
	}
}

size_t ike_id_body(const struct ike_id_cfg *id, uint8_t *out, size_t size)
{
	if (size < sizeof(struct ikev2_id) + id->len)
		return 0;
	memset(out, 0, sizeof(struct ikev2_id));
	out[0] = id->type;
	memcpy(out + sizeof(struct ikev2_id), id->data, id->len);
	return sizeof(struct ikev2_id) + id->len;
}

int ike_id_from_pld(const struct ike_id_pld *pld, struct ike_id_cfg *id,
		    struct ike_err *err)
{
	X509_NAME *dn;

	memset(id, 0, sizeof(*id));
	if (pld->type == IKEV2_ID_DER_ASN1_DN) {
		dn = dn_from_der(pld->data.ptr, pld->data.len);
		X509_NAME_free(dn);
		if (!dn)
			return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
					"ID: not a DER distinguished name");
	}
	if (id_set(id, pld->type, pld->data.ptr, pld->data.len, err))
		return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
				"ID of %zu bytes (at most %d)", pld->data.len,
				IKE_ID_MAX);
	return 0;
}

int ike_id_of_dn(const X509_NAME *name, struct ike_id_cfg *id)
{
	memset(id, 0, sizeof(*id));
	return dn_to_id(name, id);
}

int ike_id_of_cert(const struct ike_cert *c, struct ike_id_cfg *id)
{
	return ike_id_of_dn(X509_get_subject_name(ike_cert_x509(c)), id);
}

/* ---- matching --------------------------------------------------------- */

/* ASCII case-insensitive equality of an FQDN or RFC 822 identity. */
static bool text_equal(const struct ike_id_cfg *id, const uint8_t *s,
		       size_t len)
{
	size_t i;

	if (id->len != len)
		return false;
	for (i = 0; i < len; i++)
		if (tolower(id->data[i]) != tolower(s[i]))
			return false;
	return true;
}

/* One subjectAltName against the identity. */
static bool san_match(const GENERAL_NAME *gn, const struct ike_id_cfg *id)
{
	const ASN1_STRING *s;

	switch (gn->type) {
	case GEN_DNS:
	case GEN_EMAIL:
		if (id->type != (gn->type == GEN_DNS ? IKEV2_ID_FQDN
						     : IKEV2_ID_RFC822_ADDR))
			return false;
		s = gn->d.ia5;
		return text_equal(id, ASN1_STRING_get0_data(s),
				  (size_t)ASN1_STRING_length(s));
	case GEN_IPADD:
		s = gn->d.iPAddress;
		return (id->type == IKEV2_ID_IPV4_ADDR ||
			id->type == IKEV2_ID_IPV6_ADDR) &&
		       (size_t)ASN1_STRING_length(s) == id->len &&
		       !memcmp(ASN1_STRING_get0_data(s), id->data, id->len);
	case GEN_DIRNAME:
		return id->type == IKEV2_ID_DER_ASN1_DN &&
		       dn_equal(id->data, id->len, gn->d.directoryName);
	}
	return false;
}

static bool cert_has_id(X509 *x, const struct ike_id_cfg *id)
{
	GENERAL_NAMES *sans;
	bool found = false;
	int i;

	if (id->type == IKEV2_ID_DER_ASN1_DN &&
	    dn_equal(id->data, id->len, X509_get_subject_name(x)))
		return true;
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans && !found && i < sk_GENERAL_NAME_num(sans); i++)
		found = san_match(sk_GENERAL_NAME_value(sans, i), id);
	GENERAL_NAMES_free(sans);
	return found;
}

int ike_id_cert_match(const struct ike_cert *c, const struct ike_id_cfg *id,
		      struct ike_err *err)
{
	char ids[IKE_ID_STR_MAX], subjs[IKE_ID_STR_MAX] = "?";
	struct ike_id_cfg subj;

	if (cert_has_id(ike_cert_x509(c), id))
		return 0;
	ike_id_format(id, ids, sizeof(ids));
	if (!ike_id_of_cert(c, &subj))
		ike_id_format(&subj, subjs, sizeof(subjs));
	return ike_fail(err, IKEV2_N_AUTHENTICATION_FAILED,
			"ID mismatch: '%.40s' not in certificate '%.50s'", ids,
			subjs);
}

int ike_id_local(const struct ike_cert *ee, const struct ike_id_cfg *cfg,
		 struct ike_id_cfg *out, struct ike_err *err)
{
	struct ike_id_cfg subj;

	if (ike_id_of_cert(ee, &subj))
		return ike_fail(err, 0, "certificate subject longer than %d",
				IKE_ID_MAX);
	if (!cfg->type || (cfg->type == IKEV2_ID_DER_ASN1_DN &&
			   dn_equal(cfg->data, cfg->len,
				    X509_get_subject_name(ike_cert_x509(ee))))) {
		*out = subj;
		return 0;
	}
	if (ike_id_cert_match(ee, cfg, err)) {
		err->notify = 0;	/* our configuration, not the peer */
		return -1;
	}
	*out = *cfg;
	return 0;
}

bool ike_id_match(const struct ike_id_cfg *peer, const struct ike_id_cfg *cfg)
{
	X509_NAME *dn;
	bool eq;

	if (!cfg->type)
		return true;
	if (peer->type != cfg->type)
		return false;
	switch (cfg->type) {
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		return text_equal(peer, cfg->data, cfg->len);
	case IKEV2_ID_DER_ASN1_DN:
		dn = dn_from_der(cfg->data, cfg->len);
		eq = dn && dn_equal(peer->data, peer->len, dn);
		X509_NAME_free(dn);
		return eq;
	}
	return peer->len == cfg->len && !memcmp(peer->data, cfg->data, cfg->len);
}
