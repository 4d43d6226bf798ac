/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The IKEv2 message codec: parsing a received message into views of its
 * payloads (ikev2_pld.c), building a message by appending payloads and
 * back-patching lengths (ikev2_msg.c). Neither allocates: a parsed message
 * points into the caller's buffer and keeps bounded arrays.
 */
#ifndef XDPSEC_IKE_IKEV2_PLD_H
#define XDPSEC_IKE_IKEV2_PLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikev2.h"

/* Bytes of a payload body inside the message (or the decrypted SK body). */
struct ike_span {
	const uint8_t *ptr;
	size_t len;
};

struct ike_xform {
	uint8_t type;		/* enum ikev2_xform_type */
	uint16_t id;
	uint16_t key_bits;	/* Key Length attribute, 0 when absent */
	bool unknown_attr;	/* an attribute we do not know: unusable */
};

struct ike_proposal {
	uint8_t num;
	uint8_t proto;		/* enum ikev2_proto */
	uint8_t spi_size;
	uint8_t spi[IKEV2_MAX_SPI_BYTES];
	uint16_t first;		/* its first transform in xforms[] */
	uint16_t nxforms;
};

struct ike_sa_pld {
	uint16_t nprops;
	uint16_t nxforms;
	struct ike_proposal props[IKEV2_MAX_PROPOSALS];
	struct ike_xform xforms[IKEV2_MAX_XFORMS];
};

struct ike_ke_pld {
	uint16_t group;		/* enum ikev2_dh */
	struct ike_span data;
};

struct ike_id_pld {
	uint8_t type;		/* enum ikev2_id_type */
	struct ike_span data;
	struct ike_span body;	/* type, reserved, data: what AUTH signs */
};

struct ike_cert_pld {
	uint8_t encoding;	/* enum ikev2_cert_encoding */
	struct ike_span data;
};

struct ike_auth_pld {
	uint8_t method;		/* enum ikev2_auth_method */
	struct ike_span data;
	struct ike_span sig_alg;	/* method 14: AlgorithmIdentifier */
	struct ike_span sig;		/* method 14: the signature */
};

struct ike_notify_pld {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;		/* enum ikev2_notify_error / _status */
	struct ike_span spi;
	struct ike_span data;
};

struct ike_delete_pld {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t num_spi;
	const uint8_t *spis;	/* num_spi * spi_size bytes */
};

struct ike_ts {
	uint8_t type;		/* enum ikev2_ts_type */
	uint8_t proto;
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16];	/* IPv4 in the first 4 bytes */
	uint8_t end[16];
};

struct ike_ts_pld {
	uint8_t num;
	struct ike_ts ts[IKEV2_MAX_TS];
};

/* SK or SKF: the encrypted part, decrypted by the caller. */
struct ike_sk_pld {
	uint8_t inner;		/* type of the first payload inside */
	uint16_t frag_num;	/* SKF only; 0 for SK */
	uint16_t frag_total;
	size_t aad_len;		/* message start to the SK(F) body */
	struct ike_span data;	/* IV, ciphertext, ICV */
};

struct ike_msg {
	const uint8_t *buf;
	size_t len;
	uint64_t spi_i, spi_r;	/* host byte order */
	uint8_t first;		/* first payload type in the header */
	uint8_t version;
	uint8_t exchange;	/* enum ikev2_exchange */
	uint8_t flags;		/* enum ikev2_flag bits */
	uint32_t msgid;

	uint32_t present;	/* 1u << (type - 32) for each payload seen */
	uint8_t npayloads;
	uint8_t chain[IKEV2_MAX_PAYLOADS];	/* payload types in order */

	struct ike_sa_pld sa;
	struct ike_ke_pld ke;
	struct ike_id_pld idi, idr;
	struct ike_auth_pld auth;
	struct ike_span nonce;
	struct ike_ts_pld tsi, tsr;
	struct ike_sk_pld sk;
	struct ike_span cp, eap;
	uint8_t nnotify, ncert, ncertreq, ndelete, nvendor;
	struct ike_notify_pld notify[IKEV2_MAX_NOTIFIES];
	struct ike_cert_pld cert[IKEV2_MAX_CERTS];
	struct ike_cert_pld certreq[IKEV2_MAX_CERTREQS];
	struct ike_delete_pld del[IKEV2_MAX_DELETES];
	struct ike_span vendor[IKEV2_MAX_VENDORS];
};

/* Why a message was refused, and the notify to answer a request with. */
struct ike_err {
	uint16_t notify;	/* IKEV2_N_INVALID_SYNTAX, ... */
	uint8_t payload;	/* UNSUPPORTED_CRITICAL_PAYLOAD: its type */
	char reason[120];
};

/* Big-endian fields of a buffer whose length has been checked. */
static inline uint16_t ike_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t ike_get64(const uint8_t *p)
{
	return (uint64_t)ike_get32(p) << 32 | ike_get32(p + 4);
}

static inline void ike_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* ikev2_pld.c APIs: */
__attribute__((format(printf, 3, 4)))
int ike_fail(struct ike_err *err, uint16_t notify, const char *fmt, ...);
int ike_malformed(struct ike_err *err, const char *what, size_t have,
		  size_t need);
int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *msg,
		  struct ike_err *err);
int ike_msg_parse_inner(struct ike_msg *msg, const uint8_t *plain,
			size_t len, struct ike_err *err);
bool ike_msg_has(const struct ike_msg *msg, uint8_t type);
const struct ike_notify_pld *ike_msg_notify(const struct ike_msg *msg,
					    uint16_t type);

/* ikev2_prop.c APIs: */
int ike_parse_proposals(struct ike_sa_pld *sa, const uint8_t *p, size_t len,
			struct ike_err *err);

/* ikev2_names.c APIs: */
enum ikev2_map {
	IKEV2_MAP_EXCHANGE, IKEV2_MAP_PAYLOAD, IKEV2_MAP_PROTO,
	IKEV2_MAP_XFORM_TYPE, IKEV2_MAP_ENCR, IKEV2_MAP_PRF, IKEV2_MAP_INTEG,
	IKEV2_MAP_DH, IKEV2_MAP_ESN, IKEV2_MAP_NOTIFY, IKEV2_MAP_ID,
	IKEV2_MAP_CERT, IKEV2_MAP_AUTH, IKEV2_MAP_HASH, IKEV2_MAP_TS,
};
const char *ikev2_name(enum ikev2_map map, unsigned int value);

/* ikev2_msg.c APIs: */
struct ike_buf {
	size_t len;
	size_t link;		/* where the next payload's type goes */
	size_t open;		/* header of the payload being written */
	bool has_hdr;		/* a message; else the inside of an SK */
	bool sealed;		/* an SK(F) was added: nothing may follow */
	uint8_t first;		/* no header: the first payload type */
	uint8_t data[IKEV2_MSG_MAX_BYTES];
};

void ike_buf_init(struct ike_buf *b, uint64_t spi_i, uint64_t spi_r,
		  uint8_t exchange, uint8_t flags, uint32_t msgid);
void ike_buf_init_inner(struct ike_buf *b);
long ike_add_payload(struct ike_buf *b, uint8_t type);
int ike_put(struct ike_buf *b, const void *data, size_t len);
int ike_msg_finalise(struct ike_buf *b);

int ike_add_sa(struct ike_buf *b, const struct ike_sa_pld *sa);
int ike_add_ke(struct ike_buf *b, uint16_t group, const void *data,
	       size_t len);
int ike_add_nonce(struct ike_buf *b, const void *nonce, size_t len);
int ike_add_notify(struct ike_buf *b, uint8_t proto, const void *spi,
		   uint8_t spi_size, uint16_t type, const void *data,
		   size_t len);
int ike_add_id(struct ike_buf *b, uint8_t pld, uint8_t id_type,
	       const void *data, size_t len);
int ike_add_cert(struct ike_buf *b, uint8_t pld, uint8_t encoding,
		 const void *data, size_t len);
int ike_add_auth(struct ike_buf *b, uint8_t method, const void *data,
		 size_t len);
int ike_add_ts(struct ike_buf *b, uint8_t pld, const struct ike_ts *ts,
	       uint8_t num);
int ike_add_delete(struct ike_buf *b, uint8_t proto, uint8_t spi_size,
		   const void *spis, uint16_t num_spi);
int ike_add_vendor(struct ike_buf *b, const void *data, size_t len);
long ike_add_sk(struct ike_buf *b, uint8_t inner, size_t body_len);
long ike_add_skf(struct ike_buf *b, uint8_t inner, uint16_t frag_num,
		 uint16_t total, size_t body_len);

#endif
