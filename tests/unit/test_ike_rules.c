// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The IKEv2 parser's rules, one payload at a time: the critical bit of
 * unknown payloads, duplicates, transform attributes, each payload's own
 * length rules (nonce, notify data, CERTREQ hashes, IDs, TS, delete) and
 * the counts over the limits of ike/ikev2.h; the printable names.
 */
#include "ike_test.h"

static const uint8_t filler[300];

/* IKE_SA_INIT with the nonce followed by one payload of type/flags. */
static size_t init_plus(uint8_t type, uint8_t critical, size_t body)
{
	static const uint8_t zeros[64];
	long off;

	ike_buf_init(&mb, SPI_I, 0, IKEV2_EXCHANGE_IKE_SA_INIT, 0, 0);
	assert_int_equal(ike_add_nonce(&mb, filler, 32), 0);
	off = ike_add_payload(&mb, type);
	assert_true(off > 0);
	mb.data[off + 1] = critical;
	assert_int_equal(ike_put(&mb, zeros, body), 0);
	assert_int_equal(ike_add_vendor(&mb, "vndr", 4), 0);
	return (size_t)ike_msg_finalise(&mb);
}

/* One payload of type with body; in an IKE_SA_INIT or inside an SK. */
static int one_pld(bool inner, uint8_t type, const void *body, size_t len,
		   int copies)
{
	struct ike_buf *b = inner ? &ib : &mb;

	if (inner)
		ike_buf_init_inner(b);
	else
		ike_buf_init(b, SPI_I, 0, IKEV2_EXCHANGE_IKE_SA_INIT, 0, 0);
	while (copies--) {
		assert_true(ike_add_payload(b, type) >= 0);
		assert_int_equal(ike_put(b, body, len), 0);
	}
	ike_msg_finalise(b);
	if (!inner)
		return parse(b->data, b->len);
	memset(&msg, 0, sizeof(msg));	/* as if an SK had been parsed */
	msg.present = 1u << (IKEV2_PAYLOAD_SK - 32);
	msg.sk.inner = b->first;
	return parse_inner(b->data, b->len);
}

static void test_critical_bit(void **state)
{
	size_t len = init_plus(50, 0, 12);
	static const uint8_t chain[] = { 40, 50, 43 };

	assert_int_equal(parse(mb.data, len), 0);
	assert_memory_equal(msg.chain, chain, 3);
	assert_int_equal(msg.nvendor, 1);
	len = init_plus(50, IKEV2_CRITICAL, 12);
	expect_refused(parse(mb.data, len),
		       IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_int_equal(err.payload, 50);
	len = init_plus(50, 0x7f, 0);	/* reserved bits are ignored */
	assert_int_equal(parse(mb.data, len), 0);
	len = init_plus(IKEV2_PAYLOAD_NOTIFY, IKEV2_CRITICAL, 4);
	assert_int_equal(parse(mb.data, len), 0);	/* known type */
}

static void test_duplicates(void **state)
{
	expect_refused(one_pld(false, IKEV2_PAYLOAD_NONCE, filler, 16, 2),
		       IKEV2_N_INVALID_SYNTAX);
	assert_string_equal(err.reason, "duplicate nonce payload");
	expect_refused(one_pld(false, IKEV2_PAYLOAD_KE, filler, 8, 2),
		       IKEV2_N_INVALID_SYNTAX);
	expect_refused(one_pld(true, IKEV2_PAYLOAD_AUTH, filler, 8, 2),
		       IKEV2_N_INVALID_SYNTAX);
	assert_string_equal(err.reason, "duplicate auth payload");
	assert_int_equal(one_pld(false, IKEV2_PAYLOAD_NOTIFY, filler, 4, 2), 0);
	/* IDi only inside SK */
	expect_refused(parse(mb.data, init_plus(IKEV2_PAYLOAD_IDI, 0, 8)),
		       IKEV2_N_INVALID_SYNTAX);
	assert_string_equal(err.reason, "idi payload in IKE_SA_INIT");
}

/* One IKE proposal, one PRF transform with the attribute attr (alen bytes). */
static size_t sa_with_attr(const uint8_t *attr, size_t alen)
{
	uint8_t p[16] = { 0, 0, 0, 0, 1, IKEV2_PROTO_IKE, 0, 1,
			  0, 0, 0, 0, IKEV2_XFORM_PRF, 0, 0, 5 };

	p[3] = (uint8_t)(16 + alen);
	p[11] = (uint8_t)(8 + alen);
	ike_buf_init(&mb, SPI_I, 0, IKEV2_EXCHANGE_IKE_SA_INIT, 0, 0);
	assert_true(ike_add_payload(&mb, IKEV2_PAYLOAD_SA) > 0);
	assert_int_equal(ike_put(&mb, p, sizeof(p)), 0);
	assert_int_equal(ike_put(&mb, attr, alen), 0);
	return (size_t)ike_msg_finalise(&mb);
}

static void test_attributes(void **state)
{
	static const uint8_t tlv[] = { 0x00, 0x01, 0, 2, 0xab, 0xcd };
	static const uint8_t tv[] = { 0x80, 0x02, 0x12, 0x34 };
	static const uint8_t two_keys[] = { 0x80, 14, 0, 128, 0x80, 14, 1, 0 };
	static const uint8_t zero_key[] = { 0x80, 14, 0, 0 };
	uint8_t bad[sizeof(tlv)];

	/* unknown attributes mark the transform unusable, no key length */
	assert_int_equal(parse(mb.data, sa_with_attr(tlv, sizeof(tlv))), 0);
	assert_true(msg.sa.xforms[0].unknown_attr);
	assert_int_equal(msg.sa.xforms[0].key_bits, 0);
	assert_int_equal(parse(mb.data, sa_with_attr(tv, sizeof(tv))), 0);
	assert_true(msg.sa.xforms[0].unknown_attr);
	/* a TLV length one off either way */
	memcpy(bad, tlv, sizeof(bad));
	bad[3] = 1;
	expect_refused(parse(mb.data, sa_with_attr(bad, sizeof(bad))),
		       IKEV2_N_INVALID_SYNTAX);
	bad[3] = 3;
	expect_refused(parse(mb.data, sa_with_attr(bad, sizeof(bad))),
		       IKEV2_N_INVALID_SYNTAX);
	expect_refused(parse(mb.data, sa_with_attr(tlv, 3)),
		       IKEV2_N_INVALID_SYNTAX);	/* half an attribute header */
	expect_refused(parse(mb.data, sa_with_attr(two_keys, 8)),
		       IKEV2_N_INVALID_SYNTAX);
	expect_refused(parse(mb.data, sa_with_attr(zero_key, 4)),
		       IKEV2_N_INVALID_SYNTAX);
}

/* A raw SA payload of nprops IKE proposals with nx transforms each. */
static size_t raw_sa(unsigned int nprops, unsigned int nx)
{
	uint8_t p[8], t[8] = { 3, 0, 0, 8, IKEV2_XFORM_PRF, 0, 0, 5 };
	unsigned int i, j;

	ike_buf_init(&mb, SPI_I, 0, IKEV2_EXCHANGE_IKE_SA_INIT, 0, 0);
	assert_true(ike_add_payload(&mb, IKEV2_PAYLOAD_SA) > 0);
	for (i = 0; i < nprops; i++) {
		p[0] = i + 1 == nprops ? 0 : 2;
		p[1] = 0;
		p[2] = (uint8_t)((8 + 8 * nx) >> 8);
		p[3] = (uint8_t)(8 + 8 * nx);
		p[4] = (uint8_t)(i + 1);
		p[5] = IKEV2_PROTO_IKE;
		p[6] = 0;
		p[7] = (uint8_t)nx;
		assert_int_equal(ike_put(&mb, p, 8), 0);
		for (j = 0; j < nx; j++) {
			t[0] = j + 1 == nx ? 0 : 3;
			assert_int_equal(ike_put(&mb, t, 8), 0);
		}
	}
	return (size_t)ike_msg_finalise(&mb);
}

static void test_limits(void **state)
{
	static const uint8_t sel[16] = { 7, 0, 0, 16, 0, 0, 0xff, 0xff,
					 10, 0, 0, 1, 10, 0, 0, 2 };
	static const uint8_t cookie[5] = { 0, 0, 0x40, 0x06, 'c' };
	uint8_t ts[4 + (IKEV2_MAX_TS + 1) * 16] = { IKEV2_MAX_TS + 1 };
	struct ike_ts many[IKEV2_MAX_TS + 1];
	size_t i;

	assert_int_equal(parse(mb.data, raw_sa(IKEV2_MAX_PROPOSALS, 8)), 0);
	expect_refused(parse(mb.data, raw_sa(IKEV2_MAX_PROPOSALS + 1, 1)),
		       IKEV2_N_NO_PROPOSAL_CHOSEN);
	assert_int_equal(parse(mb.data, raw_sa(1, IKEV2_MAX_XFORMS)), 0);
	expect_refused(parse(mb.data, raw_sa(2, IKEV2_MAX_XFORMS / 2 + 1)),
		       IKEV2_N_NO_PROPOSAL_CHOSEN);
	/* traffic selectors: the builder refuses 17, a peer may send them */
	for (i = 0; i <= IKEV2_MAX_TS; i++) {
		many[i] = (struct ike_ts){ .type = IKEV2_TS_IPV4_ADDR_RANGE };
		memcpy(ts + 4 + i * 16, sel, 16);
	}
	ike_buf_init_inner(&ib);
	assert_int_equal(ike_add_ts(&ib, IKEV2_PAYLOAD_TSI, many,
				    IKEV2_MAX_TS + 1), -1);
	assert_int_equal(ib.len, 0);
	expect_refused(one_pld(true, IKEV2_PAYLOAD_TSI, ts, sizeof(ts), 1),
		       IKEV2_N_TS_UNACCEPTABLE);
	ts[0] = IKEV2_MAX_TS;
	assert_int_equal(one_pld(true, IKEV2_PAYLOAD_TSI, ts, sizeof(ts) - 16,
				 1), 0);
	/* notifies, vendor IDs, payloads */
	assert_int_equal(one_pld(false, IKEV2_PAYLOAD_NOTIFY, cookie, 5,
				 IKEV2_MAX_NOTIFIES), 0);
	expect_refused(one_pld(false, IKEV2_PAYLOAD_NOTIFY, cookie, 5,
			       IKEV2_MAX_NOTIFIES + 1), IKEV2_N_INVALID_SYNTAX);
	assert_int_equal(one_pld(false, IKEV2_PAYLOAD_VENDOR, "v", 1,
				 IKEV2_MAX_VENDORS), 0);
	expect_refused(one_pld(false, IKEV2_PAYLOAD_VENDOR, "v", 1,
			       IKEV2_MAX_VENDORS + 1), IKEV2_N_INVALID_SYNTAX);
	assert_int_equal(one_pld(false, 50, NULL, 0, IKEV2_MAX_PAYLOADS), 0);
	expect_refused(one_pld(false, 50, NULL, 0, IKEV2_MAX_PAYLOADS + 1),
		       IKEV2_N_INVALID_SYNTAX);
}

static void test_payload_rules(void **state)
{
	static const uint8_t big[300], v6[4 + 15] = { IKEV2_ID_IPV6_ADDR };
	static const uint8_t sha[4 + 3] = { 0, 0, 0x40, 0x2f, 0, 2, 0 };
	static const uint8_t creq[1 + 19] = { IKEV2_CERT_X509_SIGNATURE };
	static const uint8_t del[8] = { IKEV2_PROTO_ESP, 4, 0, 1, 1, 2, 3, 4 };
	static const uint8_t no_ts[4 + 16] = { 0 }, crt[3] = { 4, 1, 2 };
	const uint16_t SYN = IKEV2_N_INVALID_SYNTAX;

	assert_int_equal(one_pld(false, IKEV2_PAYLOAD_NONCE, big, 16, 1), 0);
	expect_refused(one_pld(false, IKEV2_PAYLOAD_NONCE, big, 15, 1), SYN);
	assert_int_equal(one_pld(false, IKEV2_PAYLOAD_NONCE, big, 256, 1), 0);
	expect_refused(one_pld(false, IKEV2_PAYLOAD_NONCE, big, 257, 1), SYN);
	expect_refused(one_pld(false, IKEV2_PAYLOAD_NOTIFY, sha, 7, 1), SYN);
	assert_int_equal(one_pld(false, IKEV2_PAYLOAD_NOTIFY, sha, 6, 1), 0);
	expect_refused(one_pld(false, IKEV2_PAYLOAD_CERTREQ, creq, 20, 1),
		       SYN);
	assert_int_equal(one_pld(false, IKEV2_PAYLOAD_CERTREQ, creq, 1, 8), 0);
	expect_refused(one_pld(false, IKEV2_PAYLOAD_CERTREQ, creq, 1, 9), SYN);
	expect_refused(one_pld(true, IKEV2_PAYLOAD_IDI, v6, sizeof(v6), 1),
		       SYN);
	expect_refused(one_pld(true, IKEV2_PAYLOAD_TSI, no_ts, sizeof(no_ts),
			       1), SYN);
	assert_string_equal(err.reason, "TS with 0 selectors");
	expect_refused(one_pld(true, IKEV2_PAYLOAD_CP, filler, 3, 1), SYN);
	assert_int_equal(one_pld(true, IKEV2_PAYLOAD_CP, filler, 4, 1), 0);
	assert_int_equal(one_pld(true, IKEV2_PAYLOAD_DELETE, del, 8, 8), 0);
	expect_refused(one_pld(true, IKEV2_PAYLOAD_DELETE, del, 8, 9), SYN);
	assert_int_equal(one_pld(true, IKEV2_PAYLOAD_CERT, crt, 3, 8), 0);
	expect_refused(one_pld(true, IKEV2_PAYLOAD_CERT, crt, 3, 9), SYN);
}

static void test_names(void **state)
{
	assert_string_equal(ikev2_name(IKEV2_MAP_EXCHANGE, 34), "ike-sa-init");
	assert_string_equal(ikev2_name(IKEV2_MAP_PAYLOAD, 53), "skf");
	assert_string_equal(ikev2_name(IKEV2_MAP_NOTIFY, 14),
			    "no-proposal-chosen");
	assert_string_equal(ikev2_name(IKEV2_MAP_NOTIFY, 16430),
			    "ikev2-fragmentation-supported");
	assert_string_equal(ikev2_name(IKEV2_MAP_NOTIFY, 16390), "cookie");
	assert_string_equal(ikev2_name(IKEV2_MAP_DH, 31), "curve25519");
	assert_string_equal(ikev2_name(IKEV2_MAP_AUTH, 14),
			    "digital-signature");
	assert_string_equal(ikev2_name(IKEV2_MAP_ENCR, 20), "aes-gcm-16");
	assert_string_equal(ikev2_name(IKEV2_MAP_NOTIFY, 16383), "unknown");
	assert_string_equal(ikev2_name(IKEV2_MAP_NOTIFY, 65535), "unknown");
	assert_string_equal(ikev2_name(IKEV2_MAP_TS, 9), "unknown");
	assert_string_equal(ikev2_name((enum ikev2_map)99, 1), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_critical_bit),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_payload_rules),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
