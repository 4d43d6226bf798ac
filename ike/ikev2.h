/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * IKEv2 on the wire: RFC 7296 (messages, payloads, registries), RFC 7383
 * (fragmentation), RFC 7427 (digital signature authentication). Multi-byte
 * fields are in network byte order. The comment on each enum constant is its
 * printable name: the Makefile turns every enum below into a name table
 * (build/gen/ikev2_names.h, printed by ikev2_name()).
 */
#ifndef XDPSEC_IKE_IKEV2_H
#define XDPSEC_IKE_IKEV2_H

#include <stdint.h>

/* ---- limits ------------------------------------------------------------ */
#define IKEV2_MSG_MAX_BYTES	65535	/* one IKE message in one UDP datagram */
#define IKEV2_MAX_PAYLOADS	64	/* payloads in one message (both passes) */
#define IKEV2_MAX_PROPOSALS	16	/* proposals in one SA payload */
#define IKEV2_MAX_XFORMS	128	/* transforms in one SA payload, all proposals */
#define IKEV2_MAX_TS		16	/* traffic selectors in one TS payload */
#define IKEV2_MAX_NOTIFIES	32	/* Notify payloads in one message */
#define IKEV2_MAX_CERTS		8	/* CERT payloads in one message */
#define IKEV2_MAX_CERTREQS	8	/* CERTREQ payloads in one message */
#define IKEV2_MAX_DELETES	8	/* Delete payloads in one message */
#define IKEV2_MAX_VENDORS	8	/* Vendor ID payloads in one message */
#define IKEV2_MAX_SPI_BYTES	8	/* an SPI in a proposal, notify or delete */
#define IKEV2_NONCE_MIN_BYTES	16	/* RFC 7296 3.9 */
#define IKEV2_NONCE_MAX_BYTES	256	/* RFC 7296 3.9 */
#define IKEV2_NATD_HASH_BYTES	20	/* SHA-1 of SPIs, address and port */
#define IKEV2_COOKIE_MAX_BYTES	64	/* RFC 7296 2.6 */
#define IKEV2_CRITICAL		0x80	/* generic payload header: critical bit */
#define IKEV2_ATTR_TV		0x8000	/* attribute format bit: type/value */
#define IKEV2_VERSION		0x20	/* major 2, minor 0 */
#define IKEV2_VERSION_MAJOR(v)	((v) >> 4)

/* ---- header flags -------------------------------------------------------- */
enum ikev2_flag {
	IKEV2_FLAG_INITIATOR = 0x08,
	IKEV2_FLAG_VERSION = 0x10,
	IKEV2_FLAG_RESPONSE = 0x20,
};

/* ---- registries ---------------------------------------------------------- */
enum ikev2_exchange {
	IKEV2_EXCHANGE_IKE_SA_INIT = 34,	/* ike-sa-init */
	IKEV2_EXCHANGE_IKE_AUTH = 35,		/* ike-auth */
	IKEV2_EXCHANGE_CREATE_CHILD_SA = 36,	/* create-child-sa */
	IKEV2_EXCHANGE_INFORMATIONAL = 37,	/* informational */
	IKEV2_EXCHANGE_IKE_INTERMEDIATE = 43,	/* ike-intermediate */
};

enum ikev2_payload {
	IKEV2_PAYLOAD_NONE = 0,		/* none */
	IKEV2_PAYLOAD_SA = 33,		/* sa */
	IKEV2_PAYLOAD_KE = 34,		/* ke */
	IKEV2_PAYLOAD_IDI = 35,		/* idi */
	IKEV2_PAYLOAD_IDR = 36,		/* idr */
	IKEV2_PAYLOAD_CERT = 37,	/* cert */
	IKEV2_PAYLOAD_CERTREQ = 38,	/* certreq */
	IKEV2_PAYLOAD_AUTH = 39,	/* auth */
	IKEV2_PAYLOAD_NONCE = 40,	/* nonce */
	IKEV2_PAYLOAD_NOTIFY = 41,	/* notify */
	IKEV2_PAYLOAD_DELETE = 42,	/* delete */
	IKEV2_PAYLOAD_VENDOR = 43,	/* vendor-id */
	IKEV2_PAYLOAD_TSI = 44,		/* tsi */
	IKEV2_PAYLOAD_TSR = 45,		/* tsr */
	IKEV2_PAYLOAD_SK = 46,		/* sk */
	IKEV2_PAYLOAD_CP = 47,		/* cp */
	IKEV2_PAYLOAD_EAP = 48,		/* eap */
	IKEV2_PAYLOAD_SKF = 53,		/* skf */
};
#define IKEV2_PAYLOAD_LAST	IKEV2_PAYLOAD_SKF

/* Protocol ID in proposals, notifies and deletes. */
enum ikev2_proto {
	IKEV2_PROTO_NONE = 0,	/* none */
	IKEV2_PROTO_IKE = 1,	/* ike */
	IKEV2_PROTO_AH = 2,	/* ah */
	IKEV2_PROTO_ESP = 3,	/* esp */
};
#define IKEV2_SPI_BYTES_IKE	8
#define IKEV2_SPI_BYTES_CHILD	4

enum ikev2_xform_type {
	IKEV2_XFORM_ENCR = 1,	/* encr */
	IKEV2_XFORM_PRF = 2,	/* prf */
	IKEV2_XFORM_INTEG = 3,	/* integ */
	IKEV2_XFORM_DH = 4,	/* dh */
	IKEV2_XFORM_ESN = 5,	/* esn */
};

/* "last" byte of proposal and transform substructures */
#define IKEV2_PROP_LAST		0
#define IKEV2_PROP_MORE		2
#define IKEV2_XFORM_LAST	0
#define IKEV2_XFORM_MORE	3

enum ikev2_encr {
	IKEV2_ENCR_3DES = 3,			/* 3des */
	IKEV2_ENCR_NULL = 11,			/* null */
	IKEV2_ENCR_AES_CBC = 12,		/* aes-cbc */
	IKEV2_ENCR_AES_CTR = 13,		/* aes-ctr */
	IKEV2_ENCR_AES_CCM_8 = 14,		/* aes-ccm-8 */
	IKEV2_ENCR_AES_CCM_12 = 15,		/* aes-ccm-12 */
	IKEV2_ENCR_AES_CCM_16 = 16,		/* aes-ccm-16 */
	IKEV2_ENCR_AES_GCM_8 = 18,		/* aes-gcm-8 */
	IKEV2_ENCR_AES_GCM_12 = 19,		/* aes-gcm-12 */
	IKEV2_ENCR_AES_GCM_16 = 20,		/* aes-gcm-16 */
	IKEV2_ENCR_NULL_AUTH_AES_GMAC = 21,	/* null-auth-aes-gmac */
	IKEV2_ENCR_CAMELLIA_CBC = 23,		/* camellia-cbc */
	IKEV2_ENCR_CHACHA20_POLY1305 = 28,	/* chacha20-poly1305 */
};

enum ikev2_prf {
	IKEV2_PRF_HMAC_MD5 = 1,		/* hmac-md5 */
	IKEV2_PRF_HMAC_SHA1 = 2,	/* hmac-sha1 */
	IKEV2_PRF_AES128_XCBC = 4,	/* aes128-xcbc */
	IKEV2_PRF_HMAC_SHA2_256 = 5,	/* hmac-sha2-256 */
	IKEV2_PRF_HMAC_SHA2_384 = 6,	/* hmac-sha2-384 */
	IKEV2_PRF_HMAC_SHA2_512 = 7,	/* hmac-sha2-512 */
	IKEV2_PRF_AES128_CMAC = 8,	/* aes128-cmac */
};

enum ikev2_integ {
	IKEV2_INTEG_NONE = 0,			/* none */
	IKEV2_INTEG_HMAC_MD5_96 = 1,		/* hmac-md5-96 */
	IKEV2_INTEG_HMAC_SHA1_96 = 2,		/* hmac-sha1-96 */
	IKEV2_INTEG_AES_XCBC_96 = 5,		/* aes-xcbc-96 */
	IKEV2_INTEG_HMAC_SHA1_160 = 7,		/* hmac-sha1-160 */
	IKEV2_INTEG_AES_CMAC_96 = 8,		/* aes-cmac-96 */
	IKEV2_INTEG_AES_128_GMAC = 9,		/* aes-128-gmac */
	IKEV2_INTEG_AES_192_GMAC = 10,		/* aes-192-gmac */
	IKEV2_INTEG_AES_256_GMAC = 11,		/* aes-256-gmac */
	IKEV2_INTEG_HMAC_SHA2_256_128 = 12,	/* hmac-sha2-256-128 */
	IKEV2_INTEG_HMAC_SHA2_384_192 = 13,	/* hmac-sha2-384-192 */
	IKEV2_INTEG_HMAC_SHA2_512_256 = 14,	/* hmac-sha2-512-256 */
};

/* Transform type 4 (Diffie-Hellman group, "Key Exchange Method") */
enum ikev2_dh {
	IKEV2_DH_NONE = 0,		/* none */
	IKEV2_DH_MODP_768 = 1,		/* modp-768 */
	IKEV2_DH_MODP_1024 = 2,		/* modp-1024 */
	IKEV2_DH_MODP_1536 = 5,		/* modp-1536 */
	IKEV2_DH_MODP_2048 = 14,	/* modp-2048 */
	IKEV2_DH_MODP_3072 = 15,	/* modp-3072 */
	IKEV2_DH_MODP_4096 = 16,	/* modp-4096 */
	IKEV2_DH_MODP_6144 = 17,	/* modp-6144 */
	IKEV2_DH_MODP_8192 = 18,	/* modp-8192 */
	IKEV2_DH_ECP_256 = 19,		/* ecp-256 */
	IKEV2_DH_ECP_384 = 20,		/* ecp-384 */
	IKEV2_DH_ECP_521 = 21,		/* ecp-521 */
	IKEV2_DH_ECP_192 = 25,		/* ecp-192 */
	IKEV2_DH_ECP_224 = 26,		/* ecp-224 */
	IKEV2_DH_BRAINPOOL_P256 = 28,	/* brainpool-p256 */
	IKEV2_DH_CURVE25519 = 31,	/* curve25519 */
	IKEV2_DH_CURVE448 = 32,		/* curve448 */
};

enum ikev2_esn {
	IKEV2_ESN_NO = 0,	/* no-esn */
	IKEV2_ESN_YES = 1,	/* esn */
};

enum ikev2_attr {
	IKEV2_ATTR_KEY_LENGTH = 14,	/* key-length */
};

/* Notify message types below 16384: errors (RFC 7296 3.10.1) */
enum ikev2_notify_error {
	IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,	/* unsupported-critical-payload */
	IKEV2_N_INVALID_IKE_SPI = 4,			/* invalid-ike-spi */
	IKEV2_N_INVALID_MAJOR_VERSION = 5,		/* invalid-major-version */
	IKEV2_N_INVALID_SYNTAX = 7,			/* invalid-syntax */
	IKEV2_N_INVALID_MESSAGE_ID = 9,			/* invalid-message-id */
	IKEV2_N_INVALID_SPI = 11,			/* invalid-spi */
	IKEV2_N_NO_PROPOSAL_CHOSEN = 14,		/* no-proposal-chosen */
	IKEV2_N_INVALID_KE_PAYLOAD = 17,		/* invalid-ke-payload */
	IKEV2_N_AUTHENTICATION_FAILED = 24,		/* authentication-failed */
	IKEV2_N_SINGLE_PAIR_REQUIRED = 34,		/* single-pair-required */
	IKEV2_N_NO_ADDITIONAL_SAS = 35,			/* no-additional-sas */
	IKEV2_N_INTERNAL_ADDRESS_FAILURE = 36,		/* internal-address-failure */
	IKEV2_N_FAILED_CP_REQUIRED = 37,		/* failed-cp-required */
	IKEV2_N_TS_UNACCEPTABLE = 38,			/* ts-unacceptable */
	IKEV2_N_INVALID_SELECTORS = 39,			/* invalid-selectors */
	IKEV2_N_TEMPORARY_FAILURE = 43,			/* temporary-failure */
	IKEV2_N_CHILD_SA_NOT_FOUND = 44,		/* child-sa-not-found */
};

/* Notify message types from 16384: status (RFC 7296 3.10.1 and others) */
#define IKEV2_N_STATUS_MIN	16384
enum ikev2_notify_status {
	IKEV2_N_INITIAL_CONTACT = 16384,		/* initial-contact */
	IKEV2_N_SET_WINDOW_SIZE = 16385,		/* set-window-size */
	IKEV2_N_ADDITIONAL_TS_POSSIBLE = 16386,		/* additional-ts-possible */
	IKEV2_N_IPCOMP_SUPPORTED = 16387,		/* ipcomp-supported */
	IKEV2_N_NAT_DETECTION_SOURCE_IP = 16388,	/* nat-detection-source-ip */
	IKEV2_N_NAT_DETECTION_DESTINATION_IP = 16389,	/* nat-detection-destination-ip */
	IKEV2_N_COOKIE = 16390,				/* cookie */
	IKEV2_N_USE_TRANSPORT_MODE = 16391,		/* use-transport-mode */
	IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,	/* http-cert-lookup-supported */
	IKEV2_N_REKEY_SA = 16393,			/* rekey-sa */
	IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,	/* esp-tfc-padding-not-supported */
	IKEV2_N_NON_FIRST_FRAGMENTS_ALSO = 16395,	/* non-first-fragments-also */
	IKEV2_N_MOBIKE_SUPPORTED = 16396,		/* mobike-supported */
	IKEV2_N_MULTIPLE_AUTH_SUPPORTED = 16404,	/* multiple-auth-supported */
	IKEV2_N_ANOTHER_AUTH_FOLLOWS = 16405,		/* another-auth-follows */
	IKEV2_N_REDIRECT_SUPPORTED = 16406,		/* redirect-supported */
	IKEV2_N_EAP_ONLY_AUTHENTICATION = 16417,	/* eap-only-authentication */
	IKEV2_N_CHILDLESS_IKEV2_SUPPORTED = 16418,	/* childless-ikev2-supported */
	IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,	/* ikev2-fragmentation-supported */
	IKEV2_N_SIGNATURE_HASH_ALGORITHMS = 16431,	/* signature-hash-algorithms */
};

enum ikev2_id_type {
	IKEV2_ID_IPV4_ADDR = 1,		/* ipv4-addr */
	IKEV2_ID_FQDN = 2,		/* fqdn */
	IKEV2_ID_RFC822_ADDR = 3,	/* rfc822-addr */
	IKEV2_ID_IPV6_ADDR = 5,		/* ipv6-addr */
	IKEV2_ID_DER_ASN1_DN = 9,	/* der-asn1-dn */
	IKEV2_ID_DER_ASN1_GN = 10,	/* der-asn1-gn */
	IKEV2_ID_KEY_ID = 11,		/* key-id */
};

enum ikev2_cert_encoding {
	IKEV2_CERT_X509_SIGNATURE = 4,	/* x509-signature */
	IKEV2_CERT_CRL = 7,		/* crl */
	IKEV2_CERT_HASH_URL_X509 = 12,	/* hash-url-x509 */
	IKEV2_CERT_HASH_URL_BUNDLE = 13,	/* hash-url-bundle */
};
#define IKEV2_CERTREQ_HASH_BYTES	20	/* SHA-1 of a CA's public key */

enum ikev2_auth_method {
	IKEV2_AUTH_RSA_SIG = 1,			/* rsa-sig */
	IKEV2_AUTH_SHARED_KEY_MIC = 2,		/* shared-key-mic */
	IKEV2_AUTH_DSS_SIG = 3,			/* dss-sig */
	IKEV2_AUTH_ECDSA_SHA256_P256 = 9,	/* ecdsa-sha256-p256 */
	IKEV2_AUTH_ECDSA_SHA384_P384 = 10,	/* ecdsa-sha384-p384 */
	IKEV2_AUTH_ECDSA_SHA512_P521 = 11,	/* ecdsa-sha512-p521 */
	IKEV2_AUTH_DIGITAL_SIGNATURE = 14,	/* digital-signature */
};

/* RFC 7427 hash algorithms (SIGNATURE_HASH_ALGORITHMS notify data) */
enum ikev2_hash {
	IKEV2_HASH_SHA1 = 1,		/* sha1 */
	IKEV2_HASH_SHA2_256 = 2,	/* sha2-256 */
	IKEV2_HASH_SHA2_384 = 3,	/* sha2-384 */
	IKEV2_HASH_SHA2_512 = 4,	/* sha2-512 */
	IKEV2_HASH_IDENTITY = 5,	/* identity */
};

enum ikev2_ts_type {
	IKEV2_TS_IPV4_ADDR_RANGE = 7,	/* ipv4-addr-range */
	IKEV2_TS_IPV6_ADDR_RANGE = 8,	/* ipv6-addr-range */
};

/* ---- wire structures --------------------------------------------------- */
struct ikev2_hdr {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t next;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;	/* of the whole message, header included */
} __attribute__((packed));

struct ikev2_pld_hdr {
	uint8_t next;
	uint8_t critical;	/* IKEV2_CRITICAL; other bits reserved */
	uint16_t length;	/* of the payload, this header included */
} __attribute__((packed));

struct ikev2_proposal {
	uint8_t last;		/* IKEV2_PROP_LAST / IKEV2_PROP_MORE */
	uint8_t reserved;
	uint16_t length;	/* transforms included */
	uint8_t num;
	uint8_t proto;		/* enum ikev2_proto */
	uint8_t spi_size;
	uint8_t xforms;		/* followed by the SPI, then the transforms */
} __attribute__((packed));

struct ikev2_xform {
	uint8_t last;		/* IKEV2_XFORM_LAST / IKEV2_XFORM_MORE */
	uint8_t reserved;
	uint16_t length;	/* attributes included */
	uint8_t type;		/* enum ikev2_xform_type */
	uint8_t reserved2;
	uint16_t id;
} __attribute__((packed));

struct ikev2_attribute {
	uint16_t type;		/* IKEV2_ATTR_TV | enum ikev2_attr */
	uint16_t value;		/* TV: the value; TLV: the value's length */
} __attribute__((packed));

struct ikev2_ke {
	uint16_t group;		/* enum ikev2_dh */
	uint16_t reserved;
} __attribute__((packed));

struct ikev2_id {
	uint8_t type;		/* enum ikev2_id_type */
	uint8_t reserved[3];
} __attribute__((packed));

struct ikev2_cert {
	uint8_t encoding;	/* enum ikev2_cert_encoding (CERT and CERTREQ) */
} __attribute__((packed));

struct ikev2_auth {
	uint8_t method;		/* enum ikev2_auth_method */
	uint8_t reserved[3];
} __attribute__((packed));

struct ikev2_notify {
	uint8_t proto;		/* enum ikev2_proto */
	uint8_t spi_size;
	uint16_t type;		/* followed by the SPI, then the data */
} __attribute__((packed));

struct ikev2_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t num_spi;	/* followed by num_spi SPIs */
} __attribute__((packed));

struct ikev2_tsp {
	uint8_t num;		/* followed by num traffic selectors */
	uint8_t reserved[3];
} __attribute__((packed));

struct ikev2_ts {
	uint8_t type;		/* enum ikev2_ts_type */
	uint8_t proto;		/* IP protocol, 0 for any */
	uint16_t length;	/* 16 (IPv4) or 40 (IPv6) */
	uint16_t start_port;
	uint16_t end_port;	/* followed by start and end address */
} __attribute__((packed));
#define IKEV2_TS_IPV4_BYTES	(sizeof(struct ikev2_ts) + 2 * 4)
#define IKEV2_TS_IPV6_BYTES	(sizeof(struct ikev2_ts) + 2 * 16)

struct ikev2_cp {
	uint8_t type;		/* CFG_REQUEST 1, CFG_REPLY 2, CFG_SET 3, CFG_ACK 4 */
	uint8_t reserved[3];	/* followed by attributes */
} __attribute__((packed));

struct ikev2_cp_attr {
	uint16_t type;		/* high bit reserved */
	uint16_t length;	/* of the value */
} __attribute__((packed));

struct ikev2_eap {
	uint8_t code;
	uint8_t id;
	uint16_t length;	/* of the whole EAP message */
} __attribute__((packed));

/* The SK payload has no fixed part: IV, ciphertext (with padding and pad
 * length), ICV. The SKF payload (RFC 7383 2.5) puts this before them. */
struct ikev2_skf {
	uint16_t frag_num;	/* 1 ... total */
	uint16_t total;
} __attribute__((packed));

_Static_assert(sizeof(struct ikev2_hdr) == 28, "IKE header");
_Static_assert(sizeof(struct ikev2_pld_hdr) == 4, "generic payload header");
_Static_assert(sizeof(struct ikev2_proposal) == 8, "proposal");
_Static_assert(sizeof(struct ikev2_xform) == 8, "transform");
_Static_assert(sizeof(struct ikev2_ts) == 8, "traffic selector");

#endif
