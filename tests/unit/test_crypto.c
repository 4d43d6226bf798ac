// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Known-answer tests for engine/crypto.c. Every vector below is published
 * data (source cited at each table) and was re-computed with
 * python3-cryptography 38 before being pasted here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/crypto.h"
#include "unit_hex.h"

enum { MAX_BYTES = 512 };

/* A hex string decoded into a buffer with its length. */
static void repeat(struct hexbuf *out, uint8_t byte, size_t len)
{
	memset(out->b, byte, len);
	out->len = len;
}

static void text(struct hexbuf *out, const char *s)
{
	out->len = strlen(s);
	memcpy(out->b, s, out->len);
}

/* ---- AES-GCM ----------------------------------------------------------- */

/*
 * D. McGrew, J. Viega, "The Galois/Counter Mode of Operation (GCM)",
 * submission to NIST, 2005, appendix B: test cases with 96-bit IVs
 * (1-4 AES-128, 7-10 AES-192, 13-16 AES-256). Cases 4, 10 and 16 are the
 * 60-byte plaintext with 20-byte AAD.
 */
#define MV_K "feffe9928665731c6d6a8f9467308308"
#define MV_IV "cafebabefacedbaddecaf888"
#define MV_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define MV_P60 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da" \
	"2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define Z12 "000000000000000000000000"
#define Z16 "00000000000000000000000000000000"

struct gcm_vec {
	int tc;
	const char *key, *iv, *aad, *pt, *ct, *tag;
};

static const struct gcm_vec gcm_vecs[] = {
	{ 1, Z16, Z12, "", "", "", "58e2fccefa7e3061367f1d57a4e7455a" },
	{ 2, Z16, Z12, "", Z16, "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	{ 3, MV_K, MV_IV, "", MV_P60 "1aafd255",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ 4, MV_K, MV_IV, MV_AAD, MV_P60,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ 7, Z16 "0000000000000000", Z12, "", "", "",
	  "cd33b28ac773f74ba00ed1f312572435" },
	{ 8, Z16 "0000000000000000", Z12, "", Z16,
	  "98e7247c07f0fe411c267e4384b0f600",
	  "2ff58d80033927ab8ef4d4587514f0fb" },
	{ 9, MV_K "feffe9928665731c", MV_IV, "", MV_P60 "1aafd255",
	  "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
	  "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256",
	  "9924a7c8587336bfb118024db8674a14" },
	{ 10, MV_K "feffe9928665731c", MV_IV, MV_AAD, MV_P60,
	  "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
	  "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
	  "2519498e80f1478f37ba55bd6d27618c" },
	{ 13, Z16 Z16, Z12, "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
	{ 14, Z16 Z16, Z12, "", Z16, "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919" },
	{ 15, MV_K MV_K, MV_IV, "", MV_P60 "1aafd255",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ 16, MV_K MV_K, MV_IV, MV_AAD, MV_P60,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

/* Decoded inputs of one AEAD vector. */
struct aead_case {
	struct hexbuf key, iv, aad, pt, ct, tag;
};

static void aead_case_load(struct aead_case *c, const char *key,
			   const char *iv, const char *aad, const char *pt,
			   const char *ct, const char *tag)
{
	unhex(&c->key, key);
	unhex(&c->iv, iv);
	unhex(&c->aad, aad);
	unhex(&c->pt, pt);
	unhex(&c->ct, ct);
	unhex(&c->tag, tag);
	assert_int_equal(c->iv.len, XS_AEAD_NONCE_LEN);
	assert_int_equal(c->pt.len, c->ct.len);
}

/*
 * Seals the plaintext and checks ciphertext and the first tag_len tag bytes,
 * then opens the result on the same object and checks the plaintext.
 */
static void aead_check(enum xs_aead_alg alg, const struct aead_case *c,
		       size_t tag_len)
{
	struct xs_aead *a = xs_aead_new(alg, c->key.b, c->key.len, tag_len);
	struct xs_buf aad = { c->aad.b, c->aad.len };
	uint8_t data[MAX_BYTES], tag[16];

	assert_non_null(a);
	memcpy(data, c->pt.b, c->pt.len);
	assert_int_equal(xs_aead_seal(a, c->iv.b, &aad, 1, data, c->pt.len,
				      tag), 0);
	assert_memory_equal(data, c->ct.b, c->ct.len);
	assert_memory_equal(tag, c->tag.b, tag_len);
	assert_int_equal(xs_aead_open(a, c->iv.b, &aad, 1, data, c->ct.len,
				      tag), 0);
	assert_memory_equal(data, c->pt.b, c->pt.len);
	xs_aead_free(a);
}

static void test_gcm_spec_vectors(void **state)
{
	static const size_t tag_lens[] = { 16, 12, 8 };
	struct aead_case c;
	size_t i, t;

	for (i = 0; i < sizeof(gcm_vecs) / sizeof(gcm_vecs[0]); i++) {
		const struct gcm_vec *v = &gcm_vecs[i];

		print_message("GCM spec test case %d\n", v->tc);
		aead_case_load(&c, v->key, v->iv, v->aad, v->pt, v->ct, v->tag);
		/* truncated tags (RFC 4106: 8, 12, 16) are prefixes of the full one */
		for (t = 0; t < sizeof(tag_lens) / sizeof(tag_lens[0]); t++)
			aead_check(XS_AEAD_AES_GCM, &c, tag_lens[t]);
	}
}

/* Test case 16 with its AAD cut into 2 and 3 pieces (one of them empty). */
static void test_gcm_aad_pieces(void **state)
{
	const struct gcm_vec *v = &gcm_vecs[11];
	struct aead_case c;
	struct xs_aead *a;
	uint8_t data[MAX_BYTES], tag[16];

	assert_int_equal(v->tc, 16);
	aead_case_load(&c, v->key, v->iv, v->aad, v->pt, v->ct, v->tag);
	a = xs_aead_new(XS_AEAD_AES_GCM, c.key.b, c.key.len, 16);
	assert_non_null(a);
	{
		struct xs_buf two[] = { { c.aad.b, 8 },
					{ c.aad.b + 8, c.aad.len - 8 } };
		struct xs_buf three[] = { { c.aad.b, 3 }, { NULL, 0 },
					  { c.aad.b + 3, c.aad.len - 3 } };
		struct xs_buf four[] = { { c.aad.b, 4 }, { c.aad.b + 4, 4 },
					 { c.aad.b + 8, 8 },
					 { c.aad.b + 16, 4 } };

		memcpy(data, c.pt.b, c.pt.len);
		assert_int_equal(xs_aead_seal(a, c.iv.b, two, 2, data,
					      c.pt.len, tag), 0);
		assert_memory_equal(data, c.ct.b, c.ct.len);
		assert_memory_equal(tag, c.tag.b, 16);
		/* opened with a different cut of the same AAD */
		assert_int_equal(xs_aead_open(a, c.iv.b, three, 3, data,
					      c.ct.len, tag), 0);
		assert_memory_equal(data, c.pt.b, c.pt.len);
		memcpy(data, c.pt.b, c.pt.len);
		assert_int_equal(xs_aead_seal(a, c.iv.b, four, 4, data,
					      c.pt.len, tag), 0);
		assert_memory_equal(tag, c.tag.b, 16);
	}
	xs_aead_free(a);
}

/* Flips one bit of ciphertext, AAD or tag in turn: open must fail. */
static void tamper_check(enum xs_aead_alg alg, const struct aead_case *c,
			 size_t tag_len)
{
	struct xs_aead *a = xs_aead_new(alg, c->key.b, c->key.len, tag_len);
	uint8_t data[MAX_BYTES], aadb[MAX_BYTES], tag[16];
	struct xs_buf aad = { aadb, c->aad.len };
	int what;

	assert_non_null(a);
	for (what = 0; what < 3; what++) {
		memcpy(aadb, c->aad.b, c->aad.len);
		memcpy(data, c->pt.b, c->pt.len);
		assert_int_equal(xs_aead_seal(a, c->iv.b, &aad, 1, data,
					      c->pt.len, tag), 0);
		if (what == 0)
			data[c->ct.len / 2] ^= 0x01;
		else if (what == 1)
			aadb[c->aad.len - 1] ^= 0x80;
		else
			tag[tag_len - 1] ^= 0x10;
		assert_int_equal(xs_aead_open(a, c->iv.b, &aad, 1, data,
					      c->ct.len, tag), -1);
	}
	/* the object still works after a failed open */
	memcpy(aadb, c->aad.b, c->aad.len);
	memcpy(data, c->ct.b, c->ct.len);
	memcpy(tag, c->tag.b, tag_len);
	assert_int_equal(xs_aead_open(a, c->iv.b, &aad, 1, data, c->ct.len,
				      tag), 0);
	assert_memory_equal(data, c->pt.b, c->pt.len);
	xs_aead_free(a);
}

static void test_gcm_tamper(void **state)
{
	const struct gcm_vec *v = &gcm_vecs[3];
	struct aead_case c;

	assert_int_equal(v->tc, 4);
	aead_case_load(&c, v->key, v->iv, v->aad, v->pt, v->ct, v->tag);
	tamper_check(XS_AEAD_AES_GCM, &c, 16);
	tamper_check(XS_AEAD_AES_GCM, &c, 12);
	tamper_check(XS_AEAD_AES_GCM, &c, 8);
}

/* ---- GMAC (RFC 4543: AES-GCM, no plaintext, everything in AAD) ---------- */

/* Runs GMAC over pieces, checks the tag, verifies it and a forged one. */
static void gmac_check(const char *key, const char *iv,
		       const struct xs_buf *aad, int naad, const char *tag)
{
	struct hexbuf k, n, t;
	struct xs_aead *a;
	uint8_t out[16];

	unhex(&k, key);
	unhex(&n, iv);
	unhex(&t, tag);
	a = xs_aead_new(XS_AEAD_AES_GCM, k.b, k.len, 16);
	assert_non_null(a);
	assert_int_equal(xs_aead_seal(a, n.b, aad, naad, NULL, 0, out), 0);
	assert_memory_equal(out, t.b, 16);
	assert_int_equal(xs_aead_open(a, n.b, aad, naad, NULL, 0, t.b), 0);
	out[0] ^= 1;
	assert_int_equal(xs_aead_open(a, n.b, aad, naad, NULL, 0, out), -1);
	xs_aead_free(a);
}

/*
 * NIST CAVP GCMVS gcmEncryptExtIV128.rsp, [Keylen = 128] [IVlen = 96]
 * [PTlen = 0] [AADlen = 128] [Taglen = 128], Count = 0.
 */
static void test_gmac_nist(void **state)
{
	struct hexbuf aad;

	unhex(&aad, "7a43ec1d9c0a5a78a0b16533a6213cab");
	{
		struct xs_buf one = { aad.b, aad.len };
		struct xs_buf three[] = { { aad.b, 5 }, { aad.b + 5, 6 },
					  { aad.b + 11, 5 } };

		gmac_check("77be63708971c4e240d1cb79e8d77feb",
			   "e0e00f19fed7ba0136a797f3", &one, 1,
			   "209fcc8d3675ed938e9c7166709dd946");
		gmac_check("77be63708971c4e240d1cb79e8d77feb",
			   "e0e00f19fed7ba0136a797f3", three, 3,
			   "209fcc8d3675ed938e9c7166709dd946");
	}
}

/*
 * AES-256 GMAC over an ESP-like AAD (SPI || seq, IV, 37-byte payload), tag
 * computed independently with python3-cryptography 38:
 * AESGCM(bytes(range(0x40, 0x60))).encrypt(
 *     bytes.fromhex("deadbeef0001020304050607"), b"", aad).
 */
static void test_gmac_python(void **state)
{
	static const uint8_t hdr[] = { 0, 0, 0xa5, 0xf8, 0, 0, 0, 1 };
	static const uint8_t iv[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	uint8_t payload[37];
	size_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(0x80 + i);
	{
		struct xs_buf aad[] = { { hdr, sizeof(hdr) }, { iv, sizeof(iv) },
					{ payload, sizeof(payload) } };

		gmac_check("404142434445464748494a4b4c4d4e4f"
			   "505152535455565758595a5b5c5d5e5f",
			   "deadbeef0001020304050607", aad, 3,
			   "c7939ca6456f6fffc05aa887c67c4184");
	}
}

/* ---- ChaCha20-Poly1305 (RFC 8439, RFC 7634) ----------------------------- */

/* RFC 8439 section 2.8.2: AEAD_CHACHA20_POLY1305 example. */
static void test_chacha_rfc8439_2_8_2(void **state)
{
	struct aead_case c;
	char pt[2 * 114 + 1];
	const char *s = "Ladies and Gentlemen of the class of '99: If I could "
			"offer you only one tip for the future, sunscreen "
			"would be it.";
	size_t i;

	assert_int_equal(strlen(s), 114);
	for (i = 0; i < 114; i++)
		snprintf(pt + 2 * i, 3, "%02x", (unsigned char)s[i]);
	aead_case_load(&c,
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
		"070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", pt,
		"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		"3ff4def08e4b7a9de576d26586cec64b6116",
		"1ae10b594f09e26a7e902ecbd0600691");
	aead_check(XS_AEAD_CHACHA20_POLY1305, &c, 16);
	tamper_check(XS_AEAD_CHACHA20_POLY1305, &c, 16);
}

/* RFC 8439 appendix A.5: ChaCha20-Poly1305 AEAD decryption. */
static void test_chacha_rfc8439_a5(void **state)
{
	struct aead_case c;
	struct xs_buf aad[2];

	aead_case_load(&c,
		"1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
		"000000000102030405060708", "f33388860000000000004e91",
		"496e7465726e65742d4472616674732061726520647261667420646f63756d65"
		"6e74732076616c696420666f722061206d6178696d756d206f6620736978206d"
		"6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
		"65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65"
		"6e747320617420616e792074696d652e20497420697320696e617070726f7072"
		"6961746520746f2075736520496e7465726e65742d4472616674732061732072"
		"65666572656e6365206d6174657269616c206f7220746f206369746520746865"
		"6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67"
		"726573732e2fe2809d",
		"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
		"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
		"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
		"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
		"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
		"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
		"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
		"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
		"a6ad5cb4022b02709b",
		"eead9d67890cbb22392336fea1851f38");
	assert_int_equal(c.pt.len, 265);
	aead_check(XS_AEAD_CHACHA20_POLY1305, &c, 16);
	/* the RFC 7634 AAD shape: SPI || 64-bit seq as two pieces */
	{
		struct xs_aead *a = xs_aead_new(XS_AEAD_CHACHA20_POLY1305,
						c.key.b, c.key.len, 16);
		uint8_t data[MAX_BYTES];

		aad[0] = (struct xs_buf){ c.aad.b, 4 };
		aad[1] = (struct xs_buf){ c.aad.b + 4, 8 };
		memcpy(data, c.ct.b, c.ct.len);
		assert_int_equal(xs_aead_open(a, c.iv.b, aad, 2, data,
					      c.ct.len, c.tag.b), 0);
		assert_memory_equal(data, c.pt.b, c.pt.len);
		xs_aead_free(a);
	}
}

/* ---- HMAC --------------------------------------------------------------- */

struct hmac_vec {
	int tc;
	size_t cmp_len;		/* 0: full digest */
	const char *sha256, *sha384, *sha512;
};

/* RFC 4231 section 4.2-4.8, test cases 1-7 (case 5 truncated to 128 bits). */
static const struct hmac_vec rfc4231[] = {
	{ 1, 0, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ 2, 0, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ 3, 0, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ 4, 0, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	  "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	  "6801dd23c4a7d679ccf8a386c674cffb",
	  "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ 5, 16, "a3b6167473100ee06e0c796c2955552b",
	  "3abf34c3503b2a23a46efc619baef897", "415fad6271580a531d4179bc891d87a6" },
	{ 6, 0, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ 7, 0, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

/* Key and data of RFC 4231 / RFC 2202 case tc; long_key is the case 6/7 length. */
static void hmac_inputs(int tc, size_t long_key, struct hexbuf *key,
			struct hexbuf *data, int rfc2202)
{
	size_t i;

	switch (tc) {
	case 1: repeat(key, 0x0b, 20); text(data, "Hi There"); break;
	case 2: text(key, "Jefe"); text(data, "what do ya want for nothing?");
		break;
	case 3: repeat(key, 0xaa, 20); repeat(data, 0xdd, 50); break;
	case 4:
		for (i = 0; i < 25; i++)
			key->b[i] = (uint8_t)(i + 1);
		key->len = 25;
		repeat(data, 0xcd, 50);
		break;
	case 5: repeat(key, 0x0c, 20); text(data, "Test With Truncation");
		break;
	case 6:
		repeat(key, 0xaa, long_key);
		text(data, "Test Using Larger Than Block-Size Key - Hash Key First");
		break;
	default:
		repeat(key, 0xaa, long_key);
		text(data, rfc2202 ? "Test Using Larger Than Block-Size Key and "
				     "Larger Than One Block-Size Data" :
		     "This is a test using a larger than block-size key and a "
		     "larger than block-size data. The key needs to be hashed "
		     "before being used by the HMAC algorithm.");
	}
}

/* One HMAC over data in one piece and in three pieces, against expect. */
static void hmac_check(enum xs_hmac_alg alg, size_t dlen,
		       const struct hexbuf *key, const struct hexbuf *data,
		       const char *expect, size_t cmp_len)
{
	struct xs_hmac *h = xs_hmac_new(alg, key->b, key->len);
	struct xs_buf one = { data->b, data->len };
	struct xs_buf three[] = { { data->b, 1 }, { data->b + 1, 0 },
				  { data->b + 1, data->len - 1 } };
	uint8_t out[XS_HMAC_MAX_LEN];
	struct hexbuf t;

	assert_non_null(h);
	unhex(&t, expect);
	assert_int_equal(xs_hmac_len(h), dlen);
	assert_int_equal(xs_hmac(h, &one, 1, out), dlen);
	assert_memory_equal(out, t.b, cmp_len ? cmp_len : dlen);
	memset(out, 0, sizeof(out));
	assert_int_equal(xs_hmac(h, three, 3, out), dlen);
	assert_memory_equal(out, t.b, cmp_len ? cmp_len : dlen);
	xs_hmac_free(h);
}

static void test_hmac_rfc4231(void **state)
{
	struct hexbuf key, data;
	size_t i;

	for (i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		const struct hmac_vec *v = &rfc4231[i];

		print_message("RFC 4231 test case %d\n", v->tc);
		hmac_inputs(v->tc, 131, &key, &data, 0);
		hmac_check(XS_HMAC_SHA256, 32, &key, &data, v->sha256,
			   v->cmp_len);
		hmac_check(XS_HMAC_SHA384, 48, &key, &data, v->sha384,
			   v->cmp_len);
		hmac_check(XS_HMAC_SHA512, 64, &key, &data, v->sha512,
			   v->cmp_len);
	}
}

/* RFC 2202 section 3, HMAC-SHA-1 test cases 1-7 (6 and 7: 80-byte key). */
static void test_hmac_rfc2202(void **state)
{
	static const char *const sha1[] = {
		"b617318655057264e28bc0b6fb378c8ef146be00",
		"effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
		"125d7342b9ac11cd91a39af48aa17b4f63f175d3",
		"4c9007f4026250c6bc8414f9bf50c86c2d7235da",
		"4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
		"aa4ae5e15272d00e95705637ce8a3b55ed402112",
		"e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
	};
	struct hexbuf key, data;
	int tc;

	for (tc = 1; tc <= 7; tc++) {
		hmac_inputs(tc, 80, &key, &data, 1);
		hmac_check(XS_HMAC_SHA1, 20, &key, &data, sha1[tc - 1], 0);
	}
}

/* ---- AES-CBC ------------------------------------------------------------ */

struct cbc_vec {
	const char *key, *iv, *pt, *ct;
};

/*
 * RFC 3602 section 4, cases 1-4 (AES-128; plaintexts "Single block msg",
 * 00..1f, "This is a 48-byte message (exactly 3 AES blocks)", a0..df), and
 * NIST SP 800-38A F.2.3 / F.2.5 (CBC-AES192/256.Encrypt).
 */
#define SP_PT "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
static const struct cbc_vec cbc_vecs[] = {
	{ "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
	  "53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a" },
	{ "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	  "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1" },
	{ "6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
	  "5468697320697320612034382d62797465206d657373616765202865786163746c7920"
	  "332041455320626c6f636b7329",
	  "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
	  "021c19216bad525c8579695d83ba2684" },
	{ "56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9",
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
	  "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
	  "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55" },
	{ "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
	  "000102030405060708090a0b0c0d0e0f", SP_PT,
	  "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
	  "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd" },
	{ "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	  "000102030405060708090a0b0c0d0e0f", SP_PT,
	  "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	  "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b" },
};

static void test_cbc_vectors(void **state)
{
	struct hexbuf k, iv, pt, ct;
	uint8_t data[MAX_BYTES];
	struct xs_cbc *c;
	size_t i;

	for (i = 0; i < sizeof(cbc_vecs) / sizeof(cbc_vecs[0]); i++) {
		unhex(&k, cbc_vecs[i].key);
		unhex(&iv, cbc_vecs[i].iv);
		unhex(&pt, cbc_vecs[i].pt);
		unhex(&ct, cbc_vecs[i].ct);
		c = xs_cbc_new(k.b, k.len);
		assert_non_null(c);
		memcpy(data, pt.b, pt.len);
		assert_int_equal(xs_cbc_encrypt(c, iv.b, data, pt.len), 0);
		assert_memory_equal(data, ct.b, ct.len);
		assert_int_equal(xs_cbc_decrypt(c, iv.b, data, ct.len), 0);
		assert_memory_equal(data, pt.b, pt.len);
		/* a second encryption restarts from the given IV */
		assert_int_equal(xs_cbc_encrypt(c, iv.b, data, pt.len), 0);
		assert_memory_equal(data, ct.b, ct.len);
		/* whole blocks only */
		assert_int_equal(xs_cbc_encrypt(c, iv.b, data, pt.len - 1), -1);
		assert_int_equal(xs_cbc_decrypt(c, iv.b, data, 17), -1);
		xs_cbc_free(c);
	}
}

static void test_cbc_make_iv(void **state)
{
	static const uint8_t key[16] = { 1, 2, 3 };
	uint8_t a1[16], a2[16], a1again[16], b1[16];
	static const uint8_t plain1[16] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	struct xs_cbc *a = xs_cbc_new(key, sizeof(key));
	struct xs_cbc *b = xs_cbc_new(key, sizeof(key));

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(xs_cbc_make_iv(a, 1, a1), 0);
	assert_int_equal(xs_cbc_make_iv(a, 2, a2), 0);
	assert_int_equal(xs_cbc_make_iv(a, 1, a1again), 0);
	assert_int_equal(xs_cbc_make_iv(b, 1, b1), 0);
	assert_memory_not_equal(a1, a2, 16);	/* different seqs */
	assert_memory_equal(a1, a1again, 16);	/* a permutation of seq */
	assert_memory_not_equal(a1, b1, 16);	/* per-object random key */
	assert_memory_not_equal(a1, plain1, 16); /* not the counter itself */
	assert_int_equal(xs_cbc_make_iv(NULL, 1, a1), -1);
	assert_int_equal(xs_cbc_make_iv(a, 1, NULL), -1);
	xs_cbc_free(a);
	xs_cbc_free(b);
}

/* ---- invalid arguments and small primitives ---------------------------- */

static void test_aead_invalid(void **state)
{
	uint8_t key[32] = { 0 }, nonce[12] = { 0 }, data[16] = { 0 }, tag[16];
	struct xs_buf aad[XS_AEAD_MAX_AAD + 1] = { { key, 4 }, { key, 4 },
						   { key, 4 }, { key, 4 },
						   { key, 4 } };
	struct xs_buf bad_piece = { NULL, 4 };
	struct xs_aead *a;

	assert_null(xs_aead_new(XS_AEAD_AES_GCM, key, 20, 16));
	assert_null(xs_aead_new(XS_AEAD_AES_GCM, key, 16, 4));
	assert_null(xs_aead_new(XS_AEAD_AES_GCM, key, 16, 17));
	assert_null(xs_aead_new(XS_AEAD_AES_GCM, NULL, 16, 16));
	assert_null(xs_aead_new(XS_AEAD_CHACHA20_POLY1305, key, 16, 16));
	assert_null(xs_aead_new(XS_AEAD_CHACHA20_POLY1305, key, 32, 12));
	assert_null(xs_aead_new(XS_AEAD_CHACHA20_POLY1305, key, 32, 8));
	assert_null(xs_aead_new((enum xs_aead_alg)7, key, 32, 16));
	xs_aead_free(NULL);

	a = xs_aead_new(XS_AEAD_AES_GCM, key, 32, 16);
	assert_non_null(a);
	assert_int_equal(xs_aead_seal(NULL, nonce, aad, 1, data, 16, tag), -1);
	assert_int_equal(xs_aead_seal(a, NULL, aad, 1, data, 16, tag), -1);
	assert_int_equal(xs_aead_seal(a, nonce, aad, 1, data, 16, NULL), -1);
	assert_int_equal(xs_aead_seal(a, nonce, aad, XS_AEAD_MAX_AAD + 1,
				      data, 16, tag), -1);
	assert_int_equal(xs_aead_seal(a, nonce, aad, -1, data, 16, tag), -1);
	assert_int_equal(xs_aead_seal(a, nonce, NULL, 1, data, 16, tag), -1);
	assert_int_equal(xs_aead_seal(a, nonce, &bad_piece, 1, data, 16, tag),
			 -1);
	assert_int_equal(xs_aead_seal(a, nonce, aad, 1, NULL, 16, tag), -1);
	assert_int_equal(xs_aead_open(a, nonce, aad, 1, data, 16, NULL), -1);
	assert_int_equal(xs_aead_open(NULL, nonce, aad, 1, data, 16, tag), -1);
	assert_int_equal(xs_aead_open(a, nonce, aad, XS_AEAD_MAX_AAD + 1,
				      data, 16, tag), -1);
	/* XS_AEAD_MAX_AAD pieces and no AAD at all are both fine */
	assert_int_equal(xs_aead_seal(a, nonce, aad, XS_AEAD_MAX_AAD, data, 16,
				      tag), 0);
	assert_int_equal(xs_aead_open(a, nonce, aad, XS_AEAD_MAX_AAD, data, 16,
				      tag), 0);
	assert_int_equal(xs_aead_seal(a, nonce, NULL, 0, data, 16, tag), 0);
	xs_aead_free(a);
}

static void test_hmac_cbc_invalid(void **state)
{
	uint8_t key[32] = { 0 }, out[XS_HMAC_MAX_LEN], iv[16] = { 0 };
	struct xs_buf in[XS_HMAC_MAX_IN + 1] = { { key, 1 }, { key, 1 },
						 { key, 1 }, { key, 1 },
						 { key, 1 } };
	struct xs_hmac *h;
	struct xs_cbc *c;

	assert_null(xs_hmac_new((enum xs_hmac_alg)9, key, 32));
	assert_null(xs_hmac_new(XS_HMAC_SHA256, NULL, 32));
	xs_hmac_free(NULL);
	assert_int_equal(xs_hmac_len(NULL), 0);
	h = xs_hmac_new(XS_HMAC_SHA256, key, 32);
	assert_non_null(h);
	assert_int_equal(xs_hmac(NULL, in, 1, out), 0);
	assert_int_equal(xs_hmac(h, in, 1, NULL), 0);
	assert_int_equal(xs_hmac(h, in, XS_HMAC_MAX_IN + 1, out), 0);
	assert_int_equal(xs_hmac(h, NULL, 1, out), 0);
	assert_int_equal(xs_hmac(h, in, XS_HMAC_MAX_IN, out), 32);
	xs_hmac_free(h);

	assert_null(xs_cbc_new(key, 15));
	assert_null(xs_cbc_new(key, 0));
	assert_null(xs_cbc_new(NULL, 16));
	xs_cbc_free(NULL);
	c = xs_cbc_new(key, 16);
	assert_non_null(c);
	assert_int_equal(xs_cbc_encrypt(NULL, iv, out, 16), -1);
	assert_int_equal(xs_cbc_encrypt(c, NULL, out, 16), -1);
	assert_int_equal(xs_cbc_decrypt(c, iv, NULL, 16), -1);
	assert_int_equal(xs_cbc_decrypt(NULL, iv, out, 16), -1);
	xs_cbc_free(c);
}

static void test_primitives(void **state)
{
	uint8_t a[32], b[32];
	size_t i;
	int same = 1;

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(xs_ct_equal(a, b, sizeof(a)), 1);
	b[31] ^= 1;
	assert_int_equal(xs_ct_equal(a, b, sizeof(a)), 0);
	assert_int_equal(xs_ct_equal(a, b, 31), 1);
	assert_int_equal(xs_ct_equal(NULL, b, 4), 0);

	xs_wipe(a, sizeof(a));
	for (i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0);
	xs_wipe(NULL, 4);

	assert_int_equal(xs_random(a, sizeof(a)), 0);
	assert_int_equal(xs_random(b, sizeof(b)), 0);
	for (i = 0; i < sizeof(a); i++)
		same &= a[i] == b[i];
	assert_false(same);
	assert_int_equal(xs_random(NULL, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_spec_vectors),
		cmocka_unit_test(test_gcm_aad_pieces),
		cmocka_unit_test(test_gcm_tamper),
		cmocka_unit_test(test_gmac_nist),
		cmocka_unit_test(test_gmac_python),
		cmocka_unit_test(test_chacha_rfc8439_2_8_2),
		cmocka_unit_test(test_chacha_rfc8439_a5),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_rfc2202),
		cmocka_unit_test(test_cbc_vectors),
		cmocka_unit_test(test_cbc_make_iv),
		cmocka_unit_test(test_aead_invalid),
		cmocka_unit_test(test_hmac_cbc_invalid),
		cmocka_unit_test(test_primitives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
