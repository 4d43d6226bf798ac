// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * SK payload protection (ike/sk.c) and fragmentation (ike/frag.c): seal and
 * open round trips for every transform; every single-byte change of a
 * sealed message and every truncation (with the lengths fixed up so the
 * parser passes it on) refused; bad padding under a valid ICV; fragments at
 * several message sizes reassembled in order, reversed, shuffled with
 * duplicates; a missing fragment, bad totals, limits and the timeout.
 * Independent implementations check the bytes in tests/test_ike_sk.py.
 */
#include "ike_test.h"

#include "ike/frag.h"
#include "ike/sk.h"

struct xf {
	uint16_t encr, integ;
	size_t e_len, a_len;	/* SK_e with salt for AEAD; SK_a */
	size_t iv, icv, block;
};

static const struct xf xfs[] = {
	{ IKEV2_ENCR_AES_GCM_8, IKEV2_INTEG_NONE, 20, 0, 8, 8, 1 },
	{ IKEV2_ENCR_AES_GCM_12, IKEV2_INTEG_NONE, 28, 0, 8, 12, 1 },
	{ IKEV2_ENCR_AES_GCM_16, IKEV2_INTEG_NONE, 20, 0, 8, 16, 1 },
	{ IKEV2_ENCR_AES_GCM_16, IKEV2_INTEG_NONE, 36, 0, 8, 16, 1 },
	{ IKEV2_ENCR_CHACHA20_POLY1305, IKEV2_INTEG_NONE, 36, 0, 8, 16, 1 },
	{ IKEV2_ENCR_AES_CBC, IKEV2_INTEG_HMAC_SHA1_96, 16, 20, 16, 12, 16 },
	{ IKEV2_ENCR_AES_CBC, IKEV2_INTEG_HMAC_SHA2_256_128, 32, 32, 16, 16,
	  16 },
	{ IKEV2_ENCR_AES_CBC, IKEV2_INTEG_HMAC_SHA2_384_192, 24, 48, 16, 24,
	  16 },
	{ IKEV2_ENCR_AES_CBC, IKEV2_INTEG_HMAC_SHA2_512_256, 32, 64, 16, 32,
	  16 },
};
#define NXF (sizeof(xfs) / sizeof(xfs[0]))

static uint8_t key_e[IKE_ENCR_KEY_MAX_LEN], key_a[IKE_INTEG_KEY_MAX_LEN];
static uint8_t cert[900];
static const uint8_t id_data[] = "gw.example.net";
static const uint8_t auth_data[32] = { 0xa5, 1, 2, 3 };
static const uint8_t vendor[] = "xdpsec clear vendor";

static struct ike_sk *sk_for(const struct xf *x)
{
	struct ike_sk *sk = ike_sk_new(x->encr, x->integ, key_e, x->e_len,
				       key_a, x->a_len);

	assert_non_null(sk);
	return sk;
}

/* An IKE_AUTH-like inner chain; with_cert adds a large CERT. */
static void build_inner(bool with_cert)
{
	ike_buf_init_inner(&ib);
	assert_int_equal(ike_add_id(&ib, IKEV2_PAYLOAD_IDI, IKEV2_ID_FQDN,
				    id_data, sizeof(id_data) - 1), 0);
	if (with_cert)
		assert_int_equal(ike_add_cert(&ib, IKEV2_PAYLOAD_CERT,
					      IKEV2_CERT_X509_SIGNATURE, cert,
					      sizeof(cert)), 0);
	assert_int_equal(ike_add_auth(&ib, IKEV2_AUTH_SHARED_KEY_MIC,
				      auth_data, sizeof(auth_data)), 0);
	assert_int_equal(ike_add_notify(&ib, IKEV2_PROTO_NONE, NULL, 0,
					IKEV2_N_INITIAL_CONTACT, NULL, 0), 0);
	ike_msg_finalise(&ib);
}

/* Message mb: header, a cleartext Vendor ID (in the AAD), SK(ib). */
static int seal_msg(struct ike_sk *sk)
{
	ike_buf_init(&mb, SPI_I, 0x1122334455667788ull,
		     IKEV2_EXCHANGE_IKE_AUTH, IKEV2_FLAG_INITIATOR, 1);
	assert_int_equal(ike_add_vendor(&mb, vendor, sizeof(vendor)), 0);
	return ike_sk_seal(sk, &mb, &ib);
}

/* Parse a heap copy of exactly len bytes; returns the mutable copy. */
static uint8_t *parse_mut(const uint8_t *buf, size_t len, int *rc)
{
	uint8_t *copy = (uint8_t *)exact_copy(0, buf, len);

	*rc = ike_msg_parse(copy, len, &msg, &err);
	return copy;
}

/* Parse and open; returns the open status, or 100 if parsing refused. */
static int parse_open(struct ike_sk *sk, const uint8_t *buf, size_t len,
		      struct ike_span *inner)
{
	int rc;
	uint8_t *copy = parse_mut(buf, len, &rc);

	if (rc)
		return 100;
	return ike_sk_open(sk, &msg, copy, inner);
}

static void test_round_trip(void **state)
{
	struct ike_span inner = { 0 };
	size_t i;

	for (i = 0; i < NXF; i++) {
		struct ike_sk *out = sk_for(&xfs[i]), *in = sk_for(&xfs[i]);
		uint8_t first_iv[16];
		int len;

		build_inner(i % 2);
		len = seal_msg(out);
		assert_int_equal((size_t)len, 28 + 4 + sizeof(vendor) + 4 +
				 ike_sk_body_len(out, ib.len));
		assert_int_equal((len - 36 - (int)sizeof(vendor) -
				  (int)xfs[i].iv - (int)xfs[i].icv) %
				 (int)xfs[i].block, 0);
		memcpy(first_iv, mb.data + 36 + sizeof(vendor), xfs[i].iv);
		assert_int_equal(parse_open(in, mb.data, len, &inner), 0);
		assert_int_equal(inner.len, ib.len);
		assert_memory_equal(inner.ptr, ib.data, ib.len);
		assert_int_equal(parse_inner(inner.ptr, inner.len), 0);
		assert_true(ike_msg_has(&msg, IKEV2_PAYLOAD_AUTH));
		assert_int_equal(msg.idi.data.len, sizeof(id_data) - 1);
		assert_int_equal(msg.ncert, i % 2);
		/* a second seal never reuses the IV */
		len = seal_msg(out);
		assert_memory_not_equal(first_iv, mb.data + 36 + sizeof(vendor),
					xfs[i].iv);
		assert_int_equal(parse_open(in, mb.data, len, &inner), 0);
		ike_sk_free(out);
		ike_sk_free(in);
	}
}

/* Each byte with each of two bit flips: parse or open refuses. */
static void test_every_byte(void **state)
{
	struct ike_span inner = { 0 };
	uint8_t copy[2048];
	size_t i, j, b;

	build_inner(false);
	for (i = 0; i < NXF; i++) {
		struct ike_sk *sk = sk_for(&xfs[i]);
		int len = seal_msg(sk);

		memcpy(copy, mb.data, (size_t)len);
		for (j = 0; j < (size_t)len; j++)
			for (b = 0; b < 2; b++) {
				copy[j] ^= b ? 0x80 : 0x01;
				assert_int_not_equal(
					parse_open(sk, copy, len, &inner), 0);
				assert_null(inner.ptr);
				copy[j] = mb.data[j];
			}
		assert_int_equal(parse_open(sk, copy, len, &inner), 0);
		ike_sk_free(sk);
	}
}

static void put_len(uint8_t *m, size_t len, size_t sk_off)
{
	m[24] = (uint8_t)(len >> 24);
	m[25] = (uint8_t)(len >> 16);
	m[26] = (uint8_t)(len >> 8);
	m[27] = (uint8_t)len;
	m[sk_off + 2] = (uint8_t)((len - sk_off) >> 8);
	m[sk_off + 3] = (uint8_t)(len - sk_off);
}

/*
 * Every shorter message: as cut (the parser refuses it), and with the
 * header and SK lengths fixed up so that only open can refuse it.
 */
static void test_every_truncation(void **state)
{
	struct ike_span inner = { 0 };
	uint8_t copy[2048];
	size_t i, cut, sk_off = 28 + 4 + sizeof(vendor);

	build_inner(false);
	for (i = 0; i < NXF; i++) {
		const struct xf *x = &xfs[i];
		struct ike_sk *sk = sk_for(x);
		size_t len = (size_t)seal_msg(sk), body, ct;

		for (cut = 1; cut < len; cut++) {
			expect_refused(parse(mb.data, len - cut),
				       IKEV2_N_INVALID_SYNTAX);
			if (len - cut <= sk_off + 4)
				continue;	/* an SK body of 0 bytes */
			memcpy(copy, mb.data, len - cut);
			put_len(copy, len - cut, sk_off);
			body = len - cut - sk_off - 4;
			ct = body > x->iv + x->icv ? body - x->iv - x->icv : 0;
			assert_int_equal(parse_open(sk, copy, len - cut, &inner),
					 !ct || ct % x->block ?
					 IKE_SK_E_LENGTH : IKE_SK_E_ICV);
			assert_null(inner.ptr);
		}
		ike_sk_free(sk);
	}
}

/*
 * Re-protect a sealed message after setting its last plaintext byte (the
 * pad length) and the padding content, with the test's own crypto objects.
 */
static void reseal_aead(const struct xf *x, uint8_t *m, size_t body,
			size_t n, uint8_t pad_len)
{
	uint8_t *iv = m + body, *ct = iv + x->iv, nonce[12];
	struct xs_buf aad = { m, body };
	struct xs_aead *a = xs_aead_new(
		x->encr == IKEV2_ENCR_CHACHA20_POLY1305 ?
		XS_AEAD_CHACHA20_POLY1305 : XS_AEAD_AES_GCM,
		key_e, x->e_len - 4, x->icv);

	memcpy(nonce, key_e + x->e_len - 4, 4);
	memcpy(nonce + 4, iv, 8);
	assert_int_equal(xs_aead_open(a, nonce, &aad, 1, ct, n, ct + n), 0);
	ct[n - 1] = pad_len;
	assert_int_equal(xs_aead_seal(a, nonce, &aad, 1, ct, n, ct + n), 0);
	xs_aead_free(a);
}

static void reseal_cbc(const struct xf *x, uint8_t *m, size_t body, size_t n,
		       uint8_t pad_len, uint8_t pad_fill)
{
	uint8_t *iv = m + body, *ct = iv + x->iv, mac[64];
	struct xs_buf in = { m, body + x->iv + n };
	struct xs_cbc *c = xs_cbc_new(key_e, x->e_len);
	struct xs_hmac *h = xs_hmac_new(
		x->integ == IKEV2_INTEG_HMAC_SHA1_96 ? XS_HMAC_SHA1 :
		x->integ == IKEV2_INTEG_HMAC_SHA2_256_128 ? XS_HMAC_SHA256 :
		x->integ == IKEV2_INTEG_HMAC_SHA2_384_192 ? XS_HMAC_SHA384 :
		XS_HMAC_SHA512, key_a, x->a_len);
	size_t fill = pad_len < n ? pad_len : 0;

	assert_int_equal(xs_cbc_decrypt(c, iv, ct, n), 0);
	memset(ct + n - 1 - fill, pad_fill, fill);
	ct[n - 1] = pad_len;
	assert_int_equal(xs_cbc_encrypt(c, iv, ct, n), 0);
	assert_true(xs_hmac(h, &in, 1, mac) >= x->icv);
	memcpy(ct + n, mac, x->icv);
	xs_cbc_free(c);
	xs_hmac_free(h);
}

static void reseal(const struct xf *x, uint8_t *m, size_t len, size_t body,
		   uint8_t pad_len, uint8_t pad_fill)
{
	size_t n = len - body - x->iv - x->icv;

	if (x->block == 1)
		reseal_aead(x, m, body, n, pad_len);
	else
		reseal_cbc(x, m, body, n, pad_len, pad_fill);
}

static void test_padding(void **state)
{
	struct ike_span inner = { 0 };
	uint8_t copy[2048];
	size_t i, body = 28 + 4 + sizeof(vendor) + 4, len, n;

	build_inner(false);
	for (i = 0; i < NXF; i++) {
		const struct xf *x = &xfs[i];
		struct ike_sk *sk = sk_for(x);

		len = (size_t)seal_msg(sk);
		n = len - body - x->iv - x->icv;
		/* a pad length one past the plaintext, under a valid ICV */
		memcpy(copy, mb.data, len);
		reseal(x, copy, len, body, (uint8_t)n, 0);
		assert_int_equal(parse_open(sk, copy, len, &inner),
				 IKE_SK_E_PADDING);
		assert_null(inner.ptr);
		/* all of it padding (of any content): an empty chain */
		memcpy(copy, mb.data, len);
		reseal(x, copy, len, body, (uint8_t)(n - 1), 0xee);
		assert_int_equal(parse_open(sk, copy, len, &inner), 0);
		assert_int_equal(inner.len, 0);
		ike_sk_free(sk);
	}
}

static void test_keys_and_args(void **state)
{
	struct ike_sk *a = sk_for(&xfs[2]), *b;
	struct ike_span inner = { 0 };
	struct ike_sa_keys keys;
	int len;

	/* wrong lengths and combinations */
	assert_null(ike_sk_new(IKEV2_ENCR_AES_GCM_16, IKEV2_INTEG_NONE, key_e,
			       16, NULL, 0));
	assert_null(ike_sk_new(IKEV2_ENCR_AES_GCM_16,
			       IKEV2_INTEG_HMAC_SHA2_256_128, key_e, 20,
			       key_a, 32));
	assert_null(ike_sk_new(IKEV2_ENCR_AES_CBC, IKEV2_INTEG_NONE, key_e, 16,
			       NULL, 0));
	assert_null(ike_sk_new(IKEV2_ENCR_AES_CBC,
			       IKEV2_INTEG_HMAC_SHA2_256_128, key_e, 16,
			       key_a, 20));
	assert_null(ike_sk_new(IKEV2_ENCR_CHACHA20_POLY1305, IKEV2_INTEG_NONE,
			       key_e, 20, NULL, 0));
	assert_null(ike_sk_new(IKEV2_ENCR_3DES, IKEV2_INTEG_HMAC_SHA1_96,
			       key_e, 24, key_a, 20));
	/* SK_ei seals what an opener on SK_ei opens, not one on SK_er */
	memset(&keys, 0, sizeof(keys));
	keys.lens.encr = 20;
	memcpy(keys.sk_ei, key_e, 20);
	memset(keys.sk_er, 0x77, 20);
	b = ike_sk_from_keys(IKEV2_ENCR_AES_GCM_16, IKEV2_INTEG_NONE, &keys,
			     false);
	build_inner(false);
	len = seal_msg(a);
	assert_int_equal(parse_open(b, mb.data, len, &inner), IKE_SK_E_ICV);
	ike_sk_free(b);
	b = ike_sk_from_keys(IKEV2_ENCR_AES_GCM_16, IKEV2_INTEG_NONE, &keys,
			     true);
	assert_int_equal(parse_open(b, mb.data, len, &inner), 0);
	/* a message without SK; a buffer that is not the parsed one */
	ike_buf_init(&mb, SPI_I, 0, IKEV2_EXCHANGE_INFORMATIONAL, 0, 2);
	assert_int_equal(ike_add_vendor(&mb, vendor, sizeof(vendor)), 0);
	len = ike_msg_finalise(&mb);
	assert_int_equal(parse_open(b, mb.data, len, &inner), IKE_SK_E_ARG);
	len = seal_msg(a);
	assert_int_equal(ike_msg_parse(mb.data, len, &msg, &err), 0);
	assert_int_equal(ike_sk_open(b, &msg, ib.data, &inner), IKE_SK_E_ARG);
	/* nothing after an SK; no room for a body */
	assert_int_equal(ike_sk_seal(a, &mb, &ib), IKE_SK_E_ARG);
	ike_buf_init(&mb, SPI_I, 0, IKEV2_EXCHANGE_IKE_AUTH, 0, 1);
	mb.len = IKEV2_MSG_MAX_BYTES - 40;
	assert_int_equal(ike_sk_seal(a, &mb, &ib), IKE_SK_E_SPACE);
	assert_string_equal(ike_sk_strerror(IKE_SK_E_ICV),
			    "integrity check failed");
	ike_sk_free(a);
	ike_sk_free(b);
	ike_sa_keys_wipe(&keys);
}

/* ---- fragmentation ------------------------------------------------------- */

struct frags {
	int n;
	uint8_t *m[IKE_FRAG_MAX];
	size_t len[IKE_FRAG_MAX];
};

static struct frags fr;
static struct ike_frag_reasm reasm;
static struct ike_buf scratch;
static uint8_t joined[IKEV2_MSG_MAX_BYTES];

static int emit(void *arg, const uint8_t *m, size_t len)
{
	struct frags *f = arg;

	assert_true(f->n < IKE_FRAG_MAX);
	f->m[f->n] = malloc(len);
	assert_non_null(f->m[f->n]);
	memcpy(f->m[f->n], m, len);
	f->len[f->n++] = len;
	return 0;
}

static void frags_free(struct frags *f)
{
	while (f->n)
		free(f->m[--f->n]);
}

static int split(struct ike_sk *sk, uint32_t msgid, size_t max_msg)
{
	const struct ike_frag_hdr h = {
		SPI_I, 0x1122334455667788ull, IKEV2_EXCHANGE_IKE_AUTH,
		IKEV2_FLAG_INITIATOR, msgid
	};

	frags_free(&fr);
	build_inner(true);
	return ike_frag_split(sk, &h, &ib, max_msg, &scratch, emit, &fr);
}

/* Parse fragment k of f and add it to the reassembly. */
static int feed(struct ike_sk *sk, const struct frags *f, int k,
		uint64_t now)
{
	int rc;
	uint8_t *copy = parse_mut(f->m[k], f->len[k], &rc);

	assert_int_equal(rc, 0);
	return ike_frag_add(&reasm, sk, &msg, copy, now);
}

/* Take the reassembled chain: it is ib's, and parses. */
static void expect_joined(void)
{
	uint8_t first = 0;
	long len = ike_frag_take(&reasm, joined, sizeof(joined), &first);

	assert_int_equal(len, ib.len);
	assert_memory_equal(joined, ib.data, ib.len);
	assert_int_equal(first, IKEV2_PAYLOAD_IDI);
	msg.sk.inner = first;
	assert_int_equal(parse_inner(joined, (size_t)len), 0);
	assert_int_equal(msg.ncert, 1);
	assert_true(ike_msg_has(&msg, IKEV2_PAYLOAD_AUTH));
	assert_false(reasm.active);
}

/* The fragments' sizes, numbers and headers. */
static void check_frags(struct ike_sk *sk, size_t max_msg, int n)
{
	size_t per = ike_sk_max_plain(sk, max_msg - IKE_FRAG_HDR_BYTES);
	int k;

	assert_int_equal(n, (int)((ib.len + per - 1) / per));
	assert_int_equal(fr.n, n);
	for (k = 0; k < n; k++) {
		assert_true(fr.len[k] <= max_msg);
		assert_int_equal(parse(fr.m[k], fr.len[k]), 0);
		assert_true(ike_msg_has(&msg, IKEV2_PAYLOAD_SKF));
		assert_int_equal(msg.first, IKEV2_PAYLOAD_SKF);
		assert_int_equal(msg.msgid, 7);
		assert_int_equal(msg.sk.frag_num, k + 1);
		assert_int_equal(msg.sk.frag_total, n);
		assert_int_equal(msg.sk.inner, k ? 0 : IKEV2_PAYLOAD_IDI);
	}
}

/* Feed all fragments in order[] (each twice if dup), expect DONE last. */
static void feed_all(struct ike_sk *sk, const int *order, bool dup)
{
	int k;

	for (k = 0; k < fr.n; k++) {
		assert_int_equal(feed(sk, &fr, order[k], 1000),
				 k + 1 == fr.n ? IKE_FRAG_DONE : IKE_FRAG_MORE);
		if (dup)
			assert_int_equal(feed(sk, &fr, order[k], 1000),
					 IKE_FRAG_DUPLICATE);
	}
	expect_joined();
}

static void test_frag_round_trip(void **state)
{
	static const size_t sizes[] = { 100, 150, 300, 576, 1280, 1500 };
	static const int which[] = { 0, 2, 4, 5, 6 };
	int order[IKE_FRAG_MAX], k, n;
	size_t i, s;

	ike_frag_reasm_init(&reasm, sizeof(reasm.data));
	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		struct ike_sk *out = sk_for(&xfs[which[i]]);
		struct ike_sk *in = sk_for(&xfs[which[i]]);

		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			n = split(out, 7, sizes[s]);
			check_frags(out, sizes[s], n);
			for (k = 0; k < n; k++)
				order[k] = k;
			feed_all(in, order, false);
			for (k = 0; k < n; k++)
				order[k] = n - 1 - k;
			feed_all(in, order, true);
			for (k = 0; k < n; k++)	/* 5 is prime to 64 */
				order[k] = (k * 5 + 3) % n;
			if (n % 5)
				feed_all(in, order, true);
		}
		ike_sk_free(out);
		ike_sk_free(in);
	}
	frags_free(&fr);
}

static void test_frag_missing(void **state)
{
	struct ike_sk *sk = sk_for(&xfs[2]);
	uint8_t first;
	int k, n = split(sk, 7, 200);

	assert_true(n > 3);
	ike_frag_reasm_init(&reasm, sizeof(reasm.data));
	for (k = 0; k < n; k++)
		if (k != 2)
			assert_int_equal(feed(sk, &fr, k, 5000), IKE_FRAG_MORE);
	assert_int_equal(ike_frag_take(&reasm, joined, sizeof(joined),
				       &first), IKE_FRAG_E_STATE);
	assert_false(ike_frag_reasm_expire(&reasm,
					   1000 + IKE_FRAG_TIMEOUT_MS));
	assert_true(ike_frag_reasm_expire(&reasm,
					  5000 + IKE_FRAG_TIMEOUT_MS));
	assert_false(reasm.active);
	assert_int_equal(reasm.used, 0);
	/* the late fragment starts a new reassembly */
	assert_int_equal(feed(sk, &fr, 2, 40000), IKE_FRAG_MORE);
	assert_int_equal(reasm.have, 1u << 2);
	/* and add() runs the timeout itself */
	assert_int_equal(feed(sk, &fr, 0, 40000 + IKE_FRAG_TIMEOUT_MS),
			 IKE_FRAG_MORE);
	assert_int_equal(reasm.have, 1u);
	ike_sk_free(sk);
	frags_free(&fr);
}

static void test_frag_totals(void **state)
{
	struct ike_sk *sk = sk_for(&xfs[6]);
	struct ike_sk *other = ike_sk_new(xfs[6].encr, xfs[6].integ, key_a,
					  32, key_e, 32);	/* keys swapped */
	struct frags big = { 0 }, msgid2 = { 0 };
	int k, n;

	ike_frag_reasm_init(&reasm, sizeof(reasm.data));
	n = split(sk, 7, 700);
	big = fr;
	fr.n = 0;
	assert_true(split(sk, 8, 150) > 2);
	msgid2 = fr;
	fr.n = 0;
	n = split(sk, 7, 150);
	assert_true(big.n < n);
	assert_int_equal(feed(sk, &big, 0, 0), IKE_FRAG_MORE);
	/* more fragments than before: the sender re-fragmented */
	assert_int_equal(feed(sk, &fr, 1, 0), IKE_FRAG_MORE);
	assert_int_equal(reasm.have, 2u);
	assert_int_equal(reasm.total, n);
	/* fewer: refused; another message ID: refused; a bad ICV: refused */
	assert_int_equal(feed(sk, &big, 1, 0), IKE_FRAG_E_TOTAL);
	assert_int_equal(feed(sk, &msgid2, 2, 0), IKE_FRAG_E_MSGID);
	assert_int_equal(feed(other, &fr, 2, 0), IKE_SK_E_ICV);
	assert_int_equal(reasm.have, 2u);
	for (k = 0; k < n; k++)
		if (k != 1)
			assert_int_equal(feed(sk, &fr, k, 0), k + 1 == n ?
					 IKE_FRAG_DONE : IKE_FRAG_MORE);
	expect_joined();
	frags_free(&big);
	frags_free(&msgid2);
	ike_sk_free(other);
	ike_sk_free(sk);
	frags_free(&fr);
}

static void test_frag_limits(void **state)
{
	struct ike_sk *sk = sk_for(&xfs[2]);
	uint8_t *copy;
	size_t per;
	int rc, k;

	/* no room for data, more than IKE_FRAG_MAX fragments */
	assert_int_equal(split(sk, 7, 60), IKE_FRAG_E_MTU);
	assert_int_equal(split(sk, 7, IKE_FRAG_HDR_BYTES), IKE_FRAG_E_MTU);
	assert_int_equal(split(sk, 7, 70), IKE_FRAG_E_TOO_MANY);
	/* a fragment that says 65 in total */
	ike_frag_reasm_init(&reasm, sizeof(reasm.data));
	ike_buf_init(&mb, SPI_I, 1, IKEV2_EXCHANGE_IKE_AUTH, 0, 7);
	rc = ike_sk_seal_frag(sk, &mb, IKEV2_PAYLOAD_IDI, 1, IKE_FRAG_MAX + 1,
			      cert, 10);
	copy = parse_mut(mb.data, (size_t)rc, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(ike_frag_add(&reasm, sk, &msg, copy, 0),
			 IKE_FRAG_E_TOO_MANY);
	/* an SK message is no fragment */
	build_inner(false);
	rc = seal_msg(sk);
	copy = parse_mut(mb.data, (size_t)rc, &rc);
	assert_int_equal(ike_frag_add(&reasm, sk, &msg, copy, 0),
			 IKE_FRAG_E_NOT_FRAG);
	/* fragments that add up to more than the limit */
	ike_frag_reasm_init(&reasm, 300);
	assert_true(split(sk, 7, 150) > 4);
	per = ike_sk_max_plain(sk, 150 - IKE_FRAG_HDR_BYTES);
	for (k = 0; reasm.used + per <= 300; k++)
		assert_int_equal(feed(sk, &fr, k, 0), IKE_FRAG_MORE);
	assert_int_equal(feed(sk, &fr, k, 0), IKE_FRAG_E_SIZE);
	assert_false(reasm.have & (1ull << k));
	/* fragment numbers the sealer refuses */
	ike_buf_init(&mb, SPI_I, 1, IKEV2_EXCHANGE_IKE_AUTH, 0, 7);
	assert_int_equal(ike_sk_seal_frag(sk, &mb, 0, 0, 3, cert, 10),
			 IKE_SK_E_ARG);
	assert_int_equal(ike_sk_seal_frag(sk, &mb, 0, 4, 3, cert, 10),
			 IKE_SK_E_ARG);
	assert_int_equal(ike_sk_seal_frag(sk, &mb, IKEV2_PAYLOAD_IDI, 2, 3,
					  cert, 10), IKE_SK_E_ARG);
	assert_int_equal(ike_sk_seal_frag(sk, &mb, 0, 1, 3, cert, 10),
			 IKE_SK_E_ARG);
	ike_sk_free(sk);
	frags_free(&fr);
}

static int setup(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(key_e); i++)
		key_e[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < sizeof(key_a); i++)
		key_a[i] = (uint8_t)(0x90 + i);
	for (i = 0; i < sizeof(cert); i++)
		cert[i] = (uint8_t)(i * 7);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_keys_and_args),
		cmocka_unit_test(test_frag_round_trip),
		cmocka_unit_test(test_frag_missing),
		cmocka_unit_test(test_frag_totals),
		cmocka_unit_test(test_frag_limits),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
