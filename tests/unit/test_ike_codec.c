// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The IKEv2 codec (ike/ikev2_pld.c, ikev2_prop.c, ikev2_msg.c): messages
 * built with every payload type parse back to what was put in; every
 * truncation and every length off by one, at every nesting level, is
 * refused with the notify RFC 7296 asks for; payloads in the wrong place,
 * SK not last; the builder's limits and the header checks. The rules of
 * single payloads are in test_ike_rules.c.
 */
#include "ike_test.h"

static const uint8_t natd_src[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t natd_dst[20] = { 20, 19, 18, 17, 16, 15, 14, 13 };
static const uint8_t hash_algs[] = { 0, 2, 0, 3, 0, 4 };
static const uint8_t vendor[] = "xdpsec test vendor";
static const uint8_t ca_hash[20] = { 0xca };
static const uint8_t esp_spi[4] = { 0xc0, 0x01, 0xd0, 0x0d };
static const uint8_t del_spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t cp_body[] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0 };
static const uint8_t eap_body[] = { 1, 7, 0, 5, 1 };
#define SIG_BYTES 96
static uint8_t ke[64], nonce[32], cert[300];
static uint8_t auth14[1 + 13 + SIG_BYTES];

/* Two IKE proposals: AES-GCM-16/256 + PRF + ECP-256; AES-CBC/128 + HMAC. */
static void ike_proposals(struct ike_sa_pld *sa)
{
	static const struct ike_xform x[] = {
		{ IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256, false },
		{ IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0, false },
		{ IKEV2_XFORM_DH, IKEV2_DH_ECP_256, 0, false },
		{ IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128, false },
		{ IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0, false },
		{ IKEV2_XFORM_INTEG, IKEV2_INTEG_HMAC_SHA2_256_128, 0, false },
		{ IKEV2_XFORM_DH, IKEV2_DH_MODP_2048, 0, false },
	};

	memset(sa, 0, sizeof(*sa));
	memcpy(sa->xforms, x, sizeof(x));
	sa->nxforms = 7;
	sa->nprops = 2;
	sa->props[0] = (struct ike_proposal){ .num = 1, .proto =
		IKEV2_PROTO_IKE, .first = 0, .nxforms = 3 };
	sa->props[1] = (struct ike_proposal){ .num = 2, .proto =
		IKEV2_PROTO_IKE, .first = 3, .nxforms = 4 };
}

static void esp_proposal(struct ike_sa_pld *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->xforms[0] = (struct ike_xform){ .type = IKEV2_XFORM_ENCR,
					    .id = IKEV2_ENCR_CHACHA20_POLY1305 };
	sa->xforms[1] = (struct ike_xform){ .type = IKEV2_XFORM_ESN,
					    .id = IKEV2_ESN_YES };
	sa->nxforms = 2;
	sa->nprops = 1;
	sa->props[0] = (struct ike_proposal){ .num = 1, .proto =
		IKEV2_PROTO_ESP, .spi_size = 4, .nxforms = 2 };
	memcpy(sa->props[0].spi, esp_spi, 4);
}

static const struct ike_ts tsi[] = {
	{ IKEV2_TS_IPV4_ADDR_RANGE, 17, 500, 4500, { 10, 1, 0, 0 },
	  { 10, 1, 255, 255 } },
	{ IKEV2_TS_IPV6_ADDR_RANGE, 0, 0, 65535, { 0xfd, 0, 1 },
	  { 0xfd, 0, 1, [15] = 0xff } },
};
static const struct ike_ts tsr[] = {
	{ IKEV2_TS_IPV4_ADDR_RANGE, 6, 80, 80, { 10, 2, 0, 1 },
	  { 10, 2, 0, 1 } },
};

/* IKE_SA_INIT request with every payload IKE_SA_INIT may carry. */
static size_t build_init(void)
{
	struct ike_sa_pld sa;

	ike_proposals(&sa);
	ike_buf_init(&mb, SPI_I, 0, IKEV2_EXCHANGE_IKE_SA_INIT,
		     IKEV2_FLAG_INITIATOR, 0);
	assert_int_equal(ike_add_sa(&mb, &sa), 0);
	assert_int_equal(ike_add_ke(&mb, IKEV2_DH_ECP_256, ke, sizeof(ke)), 0);
	assert_int_equal(ike_add_nonce(&mb, nonce, sizeof(nonce)), 0);
	assert_int_equal(ike_add_notify(&mb, 0, NULL, 0,
		IKEV2_N_NAT_DETECTION_SOURCE_IP, natd_src, 20), 0);
	assert_int_equal(ike_add_notify(&mb, 0, NULL, 0,
		IKEV2_N_NAT_DETECTION_DESTINATION_IP, natd_dst, 20), 0);
	assert_int_equal(ike_add_notify(&mb, 0, NULL, 0,
		IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0), 0);
	assert_int_equal(ike_add_notify(&mb, 0, NULL, 0,
		IKEV2_N_SIGNATURE_HASH_ALGORITHMS, hash_algs,
		sizeof(hash_algs)), 0);
	assert_int_equal(ike_add_vendor(&mb, vendor, sizeof(vendor)), 0);
	assert_int_equal(ike_add_cert(&mb, IKEV2_PAYLOAD_CERTREQ,
		IKEV2_CERT_X509_SIGNATURE, ca_hash, sizeof(ca_hash)), 0);
	return (size_t)ike_msg_finalise(&mb);
}

/* The inside of an IKE_AUTH/CREATE_CHILD_SA SK: every other payload type. */
static size_t build_inner(void)
{
	struct ike_sa_pld sa;
	long off;

	esp_proposal(&sa);
	ike_buf_init_inner(&ib);
	assert_int_equal(ike_add_id(&ib, IKEV2_PAYLOAD_IDI, IKEV2_ID_FQDN,
				    "gw.example", 10), 0);
	assert_int_equal(ike_add_cert(&ib, IKEV2_PAYLOAD_CERT,
		IKEV2_CERT_X509_SIGNATURE, cert, sizeof(cert)), 0);
	assert_int_equal(ike_add_id(&ib, IKEV2_PAYLOAD_IDR,
		IKEV2_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4), 0);
	assert_int_equal(ike_add_auth(&ib, IKEV2_AUTH_DIGITAL_SIGNATURE,
				      auth14, sizeof(auth14)), 0);
	assert_int_equal(ike_add_notify(&ib, 0, NULL, 0,
		IKEV2_N_INITIAL_CONTACT, NULL, 0), 0);
	assert_int_equal(ike_add_notify(&ib, IKEV2_PROTO_ESP, esp_spi, 4,
		IKEV2_N_REKEY_SA, NULL, 0), 0);
	assert_int_equal(ike_add_sa(&ib, &sa), 0);
	assert_int_equal(ike_add_ts(&ib, IKEV2_PAYLOAD_TSI, tsi, 2), 0);
	assert_int_equal(ike_add_ts(&ib, IKEV2_PAYLOAD_TSR, tsr, 1), 0);
	assert_int_equal(ike_add_delete(&ib, IKEV2_PROTO_ESP, 4, del_spis, 2),
			 0);
	off = ike_add_payload(&ib, IKEV2_PAYLOAD_CP);
	assert_true(off > 0);
	assert_int_equal(ike_put(&ib, cp_body, sizeof(cp_body)), 0);
	off = ike_add_payload(&ib, IKEV2_PAYLOAD_EAP);
	assert_true(off > 0);
	assert_int_equal(ike_put(&ib, eap_body, sizeof(eap_body)), 0);
	return (size_t)ike_msg_finalise(&ib);
}

/* IKE_AUTH request whose SK "ciphertext" is the inner buffer verbatim. */
static size_t build_auth(uint8_t exchange)
{
	size_t ilen = build_inner();
	long body;

	ike_buf_init(&mb, SPI_I, 0x1111, exchange, IKEV2_FLAG_INITIATOR, 1);
	body = ike_add_sk(&mb, ib.first, ilen);
	assert_true(body > 0);
	memcpy(mb.data + body, ib.data, ilen);
	return (size_t)ike_msg_finalise(&mb);
}

/* Offset of the generic header of the nth payload of type in a chain. */
static size_t find_pld(const uint8_t *buf, size_t off, uint8_t type,
		       uint8_t want, int nth)
{
	while (type != IKEV2_PAYLOAD_NONE) {
		if (type == want && !nth--)
			return off;
		type = buf[off];
		off += (size_t)(buf[off + 2] << 8 | buf[off + 3]);
	}
	fail_msg("payload %u not found", want);
	return 0;
}

/* The header's length field says len. */
static void set_hdr_len(uint8_t *buf, size_t len)
{
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
}

static void add16(uint8_t *p, int delta)
{
	uint16_t v = (uint16_t)((p[0] << 8 | p[1]) + delta);

	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static int setup(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(ke); i++)
		ke[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < sizeof(cert); i++)
		cert[i] = (uint8_t)i;
	auth14[0] = 13;	/* sha256WithRSAEncryption AlgorithmIdentifier */
	memcpy(auth14 + 1, "\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01"
	       "\x0b", 13);
	memset(auth14 + 14, 0x5a, SIG_BYTES);
	return 0;
}

/* ---- round trips -------------------------------------------------------- */

static void test_init_round_trip(void **state)
{
	size_t len = build_init();
	static const uint8_t chain[] = { 33, 34, 40, 41, 41, 41, 41, 43, 38 };

	assert_int_equal(parse(mb.data, len), 0);
	assert_int_equal(msg.spi_i, SPI_I);
	assert_int_equal(msg.spi_r, 0);
	assert_int_equal(msg.exchange, IKEV2_EXCHANGE_IKE_SA_INIT);
	assert_int_equal(msg.flags, IKEV2_FLAG_INITIATOR);
	assert_int_equal(msg.npayloads, sizeof(chain));
	assert_memory_equal(msg.chain, chain, sizeof(chain));
	assert_int_equal(msg.sa.nprops, 2);
	assert_int_equal(msg.sa.props[1].num, 2);
	assert_int_equal(msg.sa.props[1].nxforms, 4);
	assert_int_equal(msg.sa.xforms[0].id, IKEV2_ENCR_AES_GCM_16);
	assert_int_equal(msg.sa.xforms[0].key_bits, 256);
	assert_int_equal(msg.sa.xforms[3].key_bits, 128);
	assert_int_equal(msg.sa.xforms[6].id, IKEV2_DH_MODP_2048);
	assert_int_equal(msg.ke.group, IKEV2_DH_ECP_256);
	assert_int_equal(msg.ke.data.len, sizeof(ke));
	assert_memory_equal(msg.ke.data.ptr, ke, sizeof(ke));
	assert_int_equal(msg.nonce.len, sizeof(nonce));
	assert_memory_equal(msg.nonce.ptr, nonce, sizeof(nonce));
	assert_int_equal(msg.nnotify, 4);
	assert_memory_equal(ike_msg_notify(&msg,
		IKEV2_N_NAT_DETECTION_DESTINATION_IP)->data.ptr, natd_dst, 20);
	assert_int_equal(ike_msg_notify(&msg,
		IKEV2_N_SIGNATURE_HASH_ALGORITHMS)->data.len, 6);
	assert_non_null(ike_msg_notify(&msg,
		IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED));
	assert_null(ike_msg_notify(&msg, IKEV2_N_COOKIE));
	assert_int_equal(msg.nvendor, 1);
	assert_memory_equal(msg.vendor[0].ptr, vendor, sizeof(vendor));
	assert_int_equal(msg.ncertreq, 1);
	assert_int_equal(msg.certreq[0].data.len, 20);
	assert_true(ike_msg_has(&msg, IKEV2_PAYLOAD_KE));
	assert_false(ike_msg_has(&msg, IKEV2_PAYLOAD_SK));
}

static void test_auth_round_trip(void **state)
{
	size_t len = build_auth(IKEV2_EXCHANGE_IKE_AUTH), ilen = ib.len;

	assert_int_equal(parse(mb.data, len), 0);
	assert_int_equal(msg.sk.inner, IKEV2_PAYLOAD_IDI);
	assert_int_equal(msg.sk.aad_len, 32);
	assert_int_equal(msg.sk.data.len, ilen);
	assert_int_equal(parse_inner(ib.data, ilen), 0);
	assert_int_equal(msg.npayloads, 13);
	assert_int_equal(msg.idi.type, IKEV2_ID_FQDN);
	assert_memory_equal(msg.idi.data.ptr, "gw.example", 10);
	assert_int_equal(msg.idi.body.len, 14);
	assert_int_equal(msg.idr.type, IKEV2_ID_IPV4_ADDR);
	assert_int_equal(msg.ncert, 1);
	assert_int_equal(msg.cert[0].data.len, sizeof(cert));
	assert_int_equal(msg.auth.method, IKEV2_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(msg.auth.sig_alg.len, 13);
	assert_int_equal(msg.auth.sig.len, SIG_BYTES);
	assert_int_equal(msg.auth.sig.ptr[0], 0x5a);
	assert_int_equal(msg.nnotify, 2);
	assert_memory_equal(ike_msg_notify(&msg, IKEV2_N_REKEY_SA)->spi.ptr,
			    esp_spi, 4);
	assert_int_equal(msg.sa.props[0].proto, IKEV2_PROTO_ESP);
	assert_memory_equal(msg.sa.props[0].spi, esp_spi, 4);
	assert_int_equal(msg.sa.xforms[1].type, IKEV2_XFORM_ESN);
	assert_int_equal(msg.tsi.num, 2);
	assert_memory_equal(&msg.tsi.ts[0], &tsi[0], sizeof(tsi[0]));
	assert_memory_equal(&msg.tsi.ts[1], &tsi[1], sizeof(tsi[1]));
	assert_memory_equal(&msg.tsr.ts[0], &tsr[0], sizeof(tsr[0]));
	assert_int_equal(msg.ndelete, 1);
	assert_int_equal(msg.del[0].num_spi, 2);
	assert_memory_equal(msg.del[0].spis, del_spis, 8);
	assert_int_equal(msg.cp.len, sizeof(cp_body));
	assert_int_equal(msg.eap.len, sizeof(eap_body));
}

static void test_skf_round_trip(void **state)
{
	long body;
	size_t len;

	ike_buf_init(&mb, SPI_I, 2, IKEV2_EXCHANGE_IKE_AUTH, 0, 1);
	body = ike_add_skf(&mb, IKEV2_PAYLOAD_IDI, 1, 3, 40);
	assert_int_equal(body, 28 + 4 + 4);
	len = (size_t)ike_msg_finalise(&mb);
	assert_int_equal(parse(mb.data, len), 0);
	assert_int_equal(msg.sk.frag_num, 1);
	assert_int_equal(msg.sk.frag_total, 3);
	assert_int_equal(msg.sk.inner, IKEV2_PAYLOAD_IDI);
	assert_int_equal(msg.sk.aad_len, 36);
	assert_int_equal(msg.sk.data.len, 40);
	/* later fragments name no inner payload (RFC 7383 2.5) */
	ike_buf_init(&mb, SPI_I, 2, IKEV2_EXCHANGE_IKE_AUTH, 0, 1);
	assert_int_equal(ike_add_skf(&mb, IKEV2_PAYLOAD_IDI, 2, 3, 40), -1);
	assert_int_equal(ike_add_skf(&mb, 0, 4, 3, 40), -1);
	assert_true(ike_add_skf(&mb, 0, 2, 3, 40) > 0);
	len = (size_t)ike_msg_finalise(&mb);
	mb.data[28] = IKEV2_PAYLOAD_IDI;
	expect_refused(parse(mb.data, len), IKEV2_N_INVALID_SYNTAX);
	mb.data[28] = 0;
	mb.data[32 + 1] = 4;	/* fragment 4 of 3 */
	expect_refused(parse(mb.data, len), IKEV2_N_INVALID_SYNTAX);
}

/* ---- truncation and off-by-one lengths ---------------------------------- */

static void test_every_truncation(void **state)
{
	size_t len = build_init(), n;
	uint8_t *buf = malloc(len);

	memcpy(buf, mb.data, len);
	for (n = 0; n < len; n++) {
		expect_refused(parse(buf, n), IKEV2_N_INVALID_SYNTAX);
		if (n < sizeof(struct ikev2_hdr))
			continue;
		/* and with the header saying the truncated length */
		set_hdr_len(buf, n);
		expect_refused(parse(buf, n), IKEV2_N_INVALID_SYNTAX);
		set_hdr_len(buf, len);
	}
	assert_int_equal(parse(buf, len), 0);
	free(buf);
	len = build_auth(IKEV2_EXCHANGE_IKE_AUTH);
	for (n = sizeof(struct ikev2_hdr); n < len; n++) {
		set_hdr_len(mb.data, n);
		expect_refused(parse(mb.data, n), IKEV2_N_INVALID_SYNTAX);
	}
	set_hdr_len(mb.data, len);
	for (n = 0; n < ib.len; n++) {
		assert_int_equal(parse(mb.data, len), 0);
		expect_refused(parse_inner(ib.data, n),
			       IKEV2_N_INVALID_SYNTAX);
	}
}

/*
 * Add delta to the 16-bit (wide) or 8-bit field at off of a fresh message
 * (or of the chain inside its SK): it must be refused, with notify if given.
 */
static void bad(bool inner, size_t off, int wide, int delta, uint16_t notify)
{
	size_t len = inner ? build_auth(IKEV2_EXCHANGE_IKE_AUTH) : build_init();
	uint8_t *p = (inner ? ib.data : mb.data) + off;

	if (wide)
		add16(p, delta);
	else
		*p = (uint8_t)(*p + delta);
	if (inner) {
		assert_int_equal(parse(mb.data, len), 0);
		len = ib.len;
	}
	assert_int_equal(inner ? parse_inner(ib.data, len) : parse(mb.data, len),
			 -1);
	if (notify)
		assert_int_equal(err.notify, notify);
}

static void test_off_by_one_outer(void **state)
{
	const uint16_t SYN = IKEV2_N_INVALID_SYNTAX;
	size_t last, prop2;
	int d;

	build_init();
	last = find_pld(mb.data, 28, mb.data[16], IKEV2_PAYLOAD_CERTREQ, 0);
	prop2 = 32 + (size_t)(mb.data[34] << 8 | mb.data[35]);
	for (d = -1; d <= 1; d += 2) {
		bad(false, 26, 1, d, SYN);		/* header length */
		bad(false, 28 + 2, 1, d, SYN);		/* SA payload */
		bad(false, 32 + 2, 1, d, SYN);		/* proposal 1 */
		bad(false, prop2 + 2, 1, d, SYN);	/* proposal 2 */
		bad(false, 32 + 4, 0, d, SYN);		/* proposal number */
		bad(false, 32 + 7, 0, d, SYN);		/* transform count */
		bad(false, 40 + 2, 1, d, SYN);		/* transform 1 */
		bad(false, last + 2, 1, d, SYN);		/* last payload */
		bad(false, find_pld(mb.data, 28, 33, IKEV2_PAYLOAD_NONCE, 0)
			  + 2, 1, d, 0);		/* a middle payload */
	}
	bad(false, 32, 0, 1, SYN);		/* "last" value 3 */
	assert_non_null(strstr(err.reason, "bad last-substructure value 3"));
	bad(false, 40 + 2, 1, 7 - 12, SYN);	/* transform below its header */
	assert_string_equal(err.reason, "malformed transform (7 < 8)");
	bad(false, 32, 0, -2, SYN);		/* proposal 1 says last */
	bad(false, prop2, 0, 2, SYN);		/* last proposal says more */
	bad(false, 40, 0, -3, SYN);		/* transform 1 says last */
	bad(false, 48, 1, -0x8000, SYN);		/* key length as TLV */
	bad(false, find_pld(mb.data, 28, 33, IKEV2_PAYLOAD_NOTIFY, 0) + 5, 0,
		  1, SYN);			/* notify SPI size */
	bad(false, find_pld(mb.data, 28, 33, IKEV2_PAYLOAD_NOTIFY, 1) + 6, 1,
		  IKEV2_N_INVALID_KE_PAYLOAD - IKEV2_N_NAT_DETECTION_DESTINATION_IP,
		  SYN);		/* 20 bytes of data for INVALID_KE_PAYLOAD */
}

static void test_off_by_one_inner(void **state)
{
	const uint16_t SYN = IKEV2_N_INVALID_SYNTAX;
	size_t ts, del, n2, cp, eap, auth, sa;
	int d;

	build_inner();
	ts = find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_TSI, 0);
	del = find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_DELETE, 0);
	n2 = find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_NOTIFY, 1);
	cp = find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_CP, 0);
	eap = find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_EAP, 0);
	auth = find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_AUTH, 0);
	sa = find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_SA, 0);
	for (d = -1; d <= 1; d += 2) {
		bad(true, ts + 2, 1, d, SYN);		/* TSi payload */
		bad(true, ts + 4, 0, d, SYN);		/* TS count */
		bad(true, ts + 8 + 2, 1, d, SYN);	/* first selector */
		bad(true, ts + 8 + 16 + 2, 1, d, SYN);	/* IPv6 selector */
		bad(true, del + 6, 1, d, SYN);		/* delete SPI count */
		bad(true, del + 5, 0, d, SYN);		/* delete SPI size */
		bad(true, n2 + 5, 0, d, SYN);		/* REKEY_SA SPI size */
		bad(true, cp + 8 + 2, 1, d, SYN);	/* CP attribute */
		bad(true, eap + 4 + 2, 1, d, SYN);	/* EAP length */
		bad(true, eap + 2, 1, d, SYN);		/* last payload */
		bad(true, sa + 4 + 2, 1, d, SYN);	/* ESP proposal */
		bad(true, sa + 4 + 6, 0, d, SYN);	/* ESP SPI size */
	}
	bad(true, ts + 8, 0, 2, IKEV2_N_TS_UNACCEPTABLE);	/* type 9 */
	/* RFC 7427: the AlgorithmIdentifier must leave a signature */
	bad(true, auth + 8, 0, SIG_BYTES, SYN);
	assert_int_equal(parse(mb.data, build_auth(IKEV2_EXCHANGE_IKE_AUTH)),
			 0);
	ib.data[auth + 8] += SIG_BYTES - 1;
	assert_int_equal(parse_inner(ib.data, ib.len), 0);
	assert_int_equal(msg.auth.sig.len, 1);
}

static void test_placement(void **state)
{
	size_t len = build_init();

	/* SA only in IKE_SA_INIT's cleartext, SK never in it, nor inside SK */
	mb.data[18] = IKEV2_EXCHANGE_CREATE_CHILD_SA;
	expect_refused(parse(mb.data, len), IKEV2_N_INVALID_SYNTAX);
	assert_string_equal(err.reason, "sa payload outside SK");
	len = build_auth(IKEV2_EXCHANGE_IKE_SA_INIT);
	expect_refused(parse(mb.data, len), IKEV2_N_INVALID_SYNTAX);
	assert_string_equal(err.reason, "sk payload in IKE_SA_INIT");
	len = build_auth(IKEV2_EXCHANGE_IKE_AUTH);
	assert_int_equal(parse(mb.data, len), 0);
	ib.data[find_pld(ib.data, 0, ib.first, IKEV2_PAYLOAD_TSR, 0)] =
		IKEV2_PAYLOAD_SK;	/* the payload after TSr is "SK" */
	expect_refused(parse_inner(ib.data, ib.len), IKEV2_N_INVALID_SYNTAX);
	assert_string_equal(err.reason, "sk payload inside SK");
}

static void test_sk_last(void **state)
{
	size_t len = build_auth(IKEV2_EXCHANGE_IKE_AUTH);

	/* 8 bytes after SK, counted in the header */
	memset(mb.data + len, 0, 8);
	set_hdr_len(mb.data, len + 8);
	expect_refused(parse(mb.data, len + 8), IKEV2_N_INVALID_SYNTAX);
	assert_non_null(strstr(err.reason, "after the encrypted payload"));
	/* bytes after the last payload of a chain, cleartext or inner */
	len = build_init();
	memset(mb.data + len, 0, 3);
	set_hdr_len(mb.data, len + 3);
	expect_refused(parse(mb.data, len + 3), IKEV2_N_INVALID_SYNTAX);
	assert_non_null(strstr(err.reason, "after the last payload"));
	assert_int_equal(parse(mb.data, build_auth(IKEV2_EXCHANGE_IKE_AUTH)),
			 0);
	memset(ib.data + ib.len, 0, 1);
	expect_refused(parse_inner(ib.data, ib.len + 1),
		       IKEV2_N_INVALID_SYNTAX);
	assert_non_null(strstr(err.reason, "after the last payload"));
	/* nothing can be added after SK; its next field stays the inner's */
	build_auth(IKEV2_EXCHANGE_IKE_AUTH);
	assert_int_equal(ike_add_vendor(&mb, vendor, 4), -1);
	assert_int_equal(ike_add_nonce(&mb, nonce, 16), -1);
	assert_int_equal(mb.data[28], IKEV2_PAYLOAD_IDI);
	assert_int_equal(parse(mb.data, (size_t)ike_msg_finalise(&mb)), 0);
	assert_int_equal(msg.sk.inner, IKEV2_PAYLOAD_IDI);
}

/* ---- builder, header ------------------------------------------------ */

static void test_builder_limits(void **state)
{
	static const uint8_t big[60000];
	struct ike_sa_pld sa;
	size_t len;

	ike_buf_init(&mb, SPI_I, 0, IKEV2_EXCHANGE_IKE_SA_INIT, 0, 0);
	assert_int_equal(ike_add_nonce(&mb, nonce, IKEV2_NONCE_MIN_BYTES - 1),
			 -1);
	assert_int_equal(ike_add_nonce(&mb, big, IKEV2_NONCE_MAX_BYTES + 1),
			 -1);
	assert_int_equal(ike_add_nonce(&mb, nonce, sizeof(nonce)), 0);
	len = mb.len;
	/* a failed SA leaves the message as it was: nonce's next is none */
	ike_proposals(&sa);
	sa.props[1].nxforms = 5;	/* past the transforms given */
	assert_int_equal(ike_add_sa(&mb, &sa), -1);
	assert_int_equal(mb.len, len);
	assert_int_equal(mb.data[28], IKEV2_PAYLOAD_NONE);
	assert_int_equal(ike_add_vendor(&mb, big, sizeof(big)), 0);
	len = mb.len;
	assert_int_equal(ike_add_vendor(&mb, big, sizeof(big)), -1);
	assert_int_equal(ike_add_cert(&mb, IKEV2_PAYLOAD_CERTREQ, 4, big,
				      IKEV2_MSG_MAX_BYTES), -1);
	assert_int_equal(mb.len, len);
	assert_int_equal(ike_msg_finalise(&mb), (int)len);
	assert_int_equal(parse(mb.data, len), 0);
	assert_int_equal(msg.nvendor, 1);
	assert_int_equal(msg.vendor[0].len, sizeof(big));
	/* nothing to build an SK around without a header */
	ike_buf_init_inner(&ib);
	assert_int_equal(ike_add_sk(&ib, IKEV2_PAYLOAD_IDI, 32), -1);
	assert_int_equal(ike_add_id(&ib, IKEV2_PAYLOAD_AUTH, 1, "a", 1), -1);
	assert_int_equal(ike_add_ts(&ib, IKEV2_PAYLOAD_TSI, tsi, 0), -1);
	assert_int_equal(ib.len, 0);
}

static void test_header(void **state)
{
	size_t len = build_init();
	uint8_t *big;

	mb.data[17] = 0x21;	/* minor version ignored (RFC 7296 3.1) */
	mb.data[19] = 0xff;	/* unknown flags ignored */
	assert_int_equal(parse(mb.data, len), 0);
	assert_int_equal(msg.flags, IKEV2_FLAG_INITIATOR | IKEV2_FLAG_VERSION |
			 IKEV2_FLAG_RESPONSE);
	mb.data[17] = 0x30;
	expect_refused(parse(mb.data, len), IKEV2_N_INVALID_MAJOR_VERSION);
	mb.data[17] = 0x10;
	expect_refused(parse(mb.data, len), IKEV2_N_INVALID_MAJOR_VERSION);
	mb.data[17] = IKEV2_VERSION;
	memset(mb.data, 0, 8);
	expect_refused(parse(mb.data, len), IKEV2_N_INVALID_IKE_SPI);
	assert_int_equal(ike_msg_parse_inner(&msg, ib.data, 0, &err), -1);
	/* one byte over the maximum, header and datagram agreeing */
	len = IKEV2_MSG_MAX_BYTES + 1;
	big = calloc(1, len);
	memcpy(big, mb.data, 28);
	big[16] = IKEV2_PAYLOAD_NONE;
	set_hdr_len(big, len);
	assert_int_equal(ike_msg_parse(big, len, &msg, &err), -1);
	assert_string_equal(err.reason, "message of 65536 bytes (> 65535)");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_round_trip),
		cmocka_unit_test(test_auth_round_trip),
		cmocka_unit_test(test_skf_round_trip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_off_by_one_outer),
		cmocka_unit_test(test_off_by_one_inner),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_sk_last),
		cmocka_unit_test(test_builder_limits),
		cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
