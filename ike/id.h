/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * IKEv2 identities (RFC 7296 3.5) in struct ike_id_cfg (ike/conn.h): read
 * from strongSwan-style strings, printed the same way, taken from an ID
 * payload or a certificate, matched against a certificate (RFC 4945 3.1:
 * the subject DN or a subjectAltName) and against a configured remote ID.
 *
 * String forms (strongSwan's identification_create_from_string()):
 *   "%any" or ""          type 0: any peer (remote), from the cert (local)
 *   "192.0.2.1"           ID_IPV4_ADDR      "2001:db8::1"   ID_IPV6_ADDR
 *   "C=CH, O=x, CN=y"     ID_DER_ASN1_DN (any '=': RDNs in the given order,
 *                         between ',' or '/', a value "quoted" to hold
 *                         them, empty parts skipped; names in any case:
 *                         C, ST, L, O, OU, CN, SN, GN, DC, UID,
 *                         serialNumber, E/emailAddress)
 *   "user@example.org"    ID_RFC822_ADDR    "@@user@x"      ID_RFC822_ADDR
 *   "@gw.example.org"     ID_FQDN (the '@' forces FQDN, it is dropped)
 *   "gw.example.org"      ID_FQDN (anything else)
 */
#ifndef XDPSEC_IKE_ID_H
#define XDPSEC_IKE_ID_H

#include <stdbool.h>
#include <stddef.h>

#include "ike/cert.h"
#include "ike/conn.h"

enum { IKE_ID_STR_MAX = 512 };	/* a printed ID, NUL included */

/* A configured identity from its string form; -1 with err set. */
int ike_id_parse(const char *s, struct ike_id_cfg *id, struct ike_err *err);
/* The string form ("%any" for type 0); truncated to size. */
void ike_id_format(const struct ike_id_cfg *id, char *buf, size_t size);
/*
 * The body of the ID payload for an identity (type, 3 reserved bytes,
 * data): what the signed octets MAC (RFC 7296 2.15). Its length, 0 if size
 * is too small.
 */
size_t ike_id_body(const struct ike_id_cfg *id, uint8_t *out, size_t size);
/* The identity a received ID payload carries; -1 with err set. */
int ike_id_from_pld(const struct ike_id_pld *pld, struct ike_id_cfg *id,
		    struct ike_err *err);
/* A certificate's subject DN as an ID_DER_ASN1_DN identity. */
int ike_id_of_cert(const struct ike_cert *c, struct ike_id_cfg *id);
/* The same for an OpenSSL X509_NAME (for the certificate module). */
struct X509_name_st;
int ike_id_of_dn(const struct X509_name_st *name, struct ike_id_cfg *id);

/*
 * 0 if the certificate vouches for the identity: a DN equal to its subject
 * (RFC 5280 7.1 comparison) or to a directoryName, an FQDN equal to a
 * dNSName, an RFC 822 address equal to an rfc822Name (both ASCII
 * case-insensitive), an address equal to an iPAddress subjectAltName.
 * -1 otherwise, with err (AUTHENTICATION_FAILED) saying which.
 */
int ike_id_cert_match(const struct ike_cert *c, const struct ike_id_cfg *id,
		      struct ike_err *err);

/*
 * Our ID payload for certificate authentication: the configured identity,
 * or with type 0 the subject DN of our end-entity certificate. A DN equal
 * to the subject is sent in the certificate's own encoding. -1 (err set)
 * if the certificate does not vouch for the configured identity.
 */
int ike_id_local(const struct ike_cert *ee, const struct ike_id_cfg *cfg,
		 struct ike_id_cfg *out, struct ike_err *err);

/*
 * The peer's ID against the configured remote ID: true for type 0
 * (%any), else the same type and value (DNs by RFC 5280 7.1, FQDN and
 * RFC 822 names ASCII case-insensitive, addresses and others bytewise).
 */
bool ike_id_match(const struct ike_id_cfg *peer,
		  const struct ike_id_cfg *cfg);

#endif
