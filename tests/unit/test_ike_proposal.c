// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Proposal strings (ike/proposal.c): every keyword, the issue's four
 * proposals transform by transform, canonical round trips, refused
 * strings, responder selection and the initiator's check of the reply.
 * Transform ids are the IANA registry's (RFC 7296 3.3.2, RFC 8247).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/proposal.h"

#define E IKEV2_XFORM_ENCR
#define I IKEV2_XFORM_INTEG
#define P IKEV2_XFORM_PRF
#define D IKEV2_XFORM_DH
#define N IKEV2_XFORM_ESN

struct want {
	uint8_t type;
	uint16_t id, bits;
};

static struct ike_err err;

static void parse_ok(const char *s, uint8_t proto, struct ike_sa_pld *sa)
{
	if (ike_prop_parse(s, proto, sa, &err))
		fail_msg("'%s': %s", s, err.reason);
}

static void expect_xforms(const struct ike_sa_pld *sa, uint16_t i,
			  const struct want *w, uint16_t n)
{
	const struct ike_proposal *p = &sa->props[i];
	uint16_t j;

	assert_int_equal(p->nxforms, n);
	for (j = 0; j < n; j++) {
		assert_int_equal(sa->xforms[p->first + j].type, w[j].type);
		assert_int_equal(sa->xforms[p->first + j].id, w[j].id);
		assert_int_equal(sa->xforms[p->first + j].key_bits, w[j].bits);
		assert_false(sa->xforms[p->first + j].unknown_attr);
	}
}

#define EXPECT(sa, i, ...) do { \
	static const struct want w_[] = { __VA_ARGS__ }; \
	expect_xforms(sa, i, w_, sizeof(w_) / sizeof(w_[0])); \
} while (0)

/* ---- the issue's proposals ------------------------------------------------ */

static void test_issue_proposals(void **state)
{
	struct ike_sa_pld sa;

	parse_ok("aes256gcm16-prfsha256-modp2048", IKEV2_PROTO_IKE, &sa);
	assert_int_equal(sa.nprops, 1);
	assert_int_equal(sa.props[0].num, 1);
	assert_int_equal(sa.props[0].proto, IKEV2_PROTO_IKE);
	assert_int_equal(sa.props[0].spi_size, 0);
	EXPECT(&sa, 0, { E, 20, 256 }, { P, 5, 0 }, { D, 14, 0 });
	parse_ok("aes128gcm16-prfsha256-ecp256", IKEV2_PROTO_IKE, &sa);
	EXPECT(&sa, 0, { E, 20, 128 }, { P, 5, 0 }, { D, 19, 0 });
	parse_ok("chacha20poly1305-prfsha256-x25519", IKEV2_PROTO_IKE, &sa);
	EXPECT(&sa, 0, { E, 28, 0 }, { P, 5, 0 }, { D, 31, 0 });
	/* no PRF: the integrity algorithm's (strongSwan's check_proposal) */
	parse_ok("aes256-sha256-modp3072", IKEV2_PROTO_IKE, &sa);
	EXPECT(&sa, 0, { E, 12, 256 }, { I, 12, 0 }, { P, 5, 0 }, { D, 15, 0 });
	parse_ok("aes256gcm16-prfsha384-x25519", IKEV2_PROTO_IKE, &sa);
	EXPECT(&sa, 0, { E, 20, 256 }, { P, 6, 0 }, { D, 31, 0 });
}

/* A list; several of a type; types in any order come out on wire order. */
static void test_lists_and_order(void **state)
{
	struct ike_sa_pld sa;

	parse_ok(" x25519-aes128-sha1-sha512-modp4096 ,aes256gcm16-prfsha512"
		 "-ecp384-ecp521,aes256-aes192-sha384-prfsha256-x448",
		 IKEV2_PROTO_IKE, &sa);
	assert_int_equal(sa.nprops, 3);
	EXPECT(&sa, 0, { E, 12, 128 }, { I, 2, 0 }, { I, 14, 0 }, { P, 2, 0 },
	       { P, 7, 0 }, { D, 31, 0 }, { D, 16, 0 });
	EXPECT(&sa, 1, { E, 20, 256 }, { P, 7, 0 }, { D, 20, 0 },
	       { D, 21, 0 });
	EXPECT(&sa, 2, { E, 12, 256 }, { E, 12, 192 }, { I, 13, 0 },
	       { P, 5, 0 }, { D, 32, 0 });
	assert_int_equal(sa.props[2].num, 3);
	assert_int_equal(sa.nxforms, 7 + 4 + 5);
	/* Child SAs: noesn unless told, DH for PFS, AH's GMAC */
	parse_ok("aes128gcm16-esn-noesn-ecp256, aes256-sha256", IKEV2_PROTO_ESP,
		 &sa);
	EXPECT(&sa, 0, { E, 20, 128 }, { D, 19, 0 }, { N, 1, 0 }, { N, 0, 0 });
	EXPECT(&sa, 1, { E, 12, 256 }, { I, 12, 0 }, { N, 0, 0 });
	parse_ok("aes256gmac-sha1-esn", IKEV2_PROTO_AH, &sa);
	EXPECT(&sa, 0, { I, 11, 0 }, { I, 2, 0 }, { N, 1, 0 });
	parse_ok("aes128gmac", IKEV2_PROTO_ESP, &sa);
	EXPECT(&sa, 0, { E, 21, 128 }, { N, 0, 0 });
}

/* ---- every keyword: what it parses to, how it prints ------------------- */

struct kw_case {
	const char *in;
	uint8_t proto;
	struct want x;		/* the proposal's first transform */
	const char *canonical;
};

#define IKE IKEV2_PROTO_IKE
#define ESP IKEV2_PROTO_ESP
#define AH IKEV2_PROTO_AH
static const struct kw_case kw_cases[] = {
	{ "aes128-sha1-modp2048", IKE, { E, 12, 128 },
	  "aes128-sha1-prfsha1-modp2048" },
	{ "aes192-sha256-modp2048", IKE, { E, 12, 192 },
	  "aes192-sha256-prfsha256-modp2048" },
	{ "aes256-sha384-modp2048", IKE, { E, 12, 256 },
	  "aes256-sha384-prfsha384-modp2048" },
	{ "aes-sha512-modp2048", IKE, { E, 12, 128 },
	  "aes128-sha512-prfsha512-modp2048" },
	{ "aes128gcm8-prfsha1-ecp256", IKE, { E, 18, 128 },
	  "aes128gcm8-prfsha1-ecp256" },
	{ "aes192gcm8-prfsha1-ecp256", IKE, { E, 18, 192 },
	  "aes192gcm8-prfsha1-ecp256" },
	{ "aes256gcm8-prfsha1-ecp256", IKE, { E, 18, 256 },
	  "aes256gcm8-prfsha1-ecp256" },
	{ "aes128gcm12-prfsha256-ecp384", IKE, { E, 19, 128 },
	  "aes128gcm12-prfsha256-ecp384" },
	{ "aes192gcm12-prfsha256-ecp384", IKE, { E, 19, 192 },
	  "aes192gcm12-prfsha256-ecp384" },
	{ "aes256gcm12-prfsha256-ecp384", IKE, { E, 19, 256 },
	  "aes256gcm12-prfsha256-ecp384" },
	{ "aes128gcm16-prfsha384-ecp521", IKE, { E, 20, 128 },
	  "aes128gcm16-prfsha384-ecp521" },
	{ "aes192gcm16-prfsha384-ecp521", IKE, { E, 20, 192 },
	  "aes192gcm16-prfsha384-ecp521" },
	{ "aes256gcm16-prfsha384-ecp521", IKE, { E, 20, 256 },
	  "aes256gcm16-prfsha384-ecp521" },
	{ "aes128gcm-prfsha512-curve25519", IKE, { E, 20, 128 },
	  "aes128gcm16-prfsha512-curve25519" },
	{ "aes192gcm-prfsha512-x25519", IKE, { E, 20, 192 },
	  "aes192gcm16-prfsha512-curve25519" },
	{ "aes256gcm-prfsha512-curve448", IKE, { E, 20, 256 },
	  "aes256gcm16-prfsha512-curve448" },
	{ "chacha20poly1305-prfsha256-x448", IKE, { E, 28, 0 },
	  "chacha20poly1305-prfsha256-curve448" },
	{ "aes128-sha-modp3072", IKE, { E, 12, 128 },
	  "aes128-sha1-prfsha1-modp3072" },
	{ "aes128-sha2_256-modp4096", IKE, { E, 12, 128 },
	  "aes128-sha256-prfsha256-modp4096" },
	{ "aes128-sha2_384-modp4096", IKE, { E, 12, 128 },
	  "aes128-sha384-prfsha384-modp4096" },
	{ "aes128-sha2_512-modp4096", IKE, { E, 12, 128 },
	  "aes128-sha512-prfsha512-modp4096" },
	{ "null-sha256", ESP, { E, 11, 0 }, "null-sha256-noesn" },
	{ "aes128-noesn", ESP, { E, 12, 128 }, "aes128-noesn" },
	{ "aes192gmac-esn", ESP, { E, 21, 192 }, "aes192gmac-esn" },
	{ "aes256gmac", ESP, { E, 21, 256 }, "aes256gmac-noesn" },
	{ "aes128gmac", AH, { I, 9, 0 }, "aes128gmac-noesn" },
	{ "aes192gmac", AH, { I, 10, 0 }, "aes192gmac-noesn" },
	{ "sha384-esn", AH, { I, 13, 0 }, "sha384-esn" },
};

static void test_keywords(void **state)
{
	struct ike_sa_pld sa, again;
	const struct ike_xform *x;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(kw_cases) / sizeof(kw_cases[0]); i++) {
		const struct kw_case *c = &kw_cases[i];

		parse_ok(c->in, c->proto, &sa);
		assert_int_equal(sa.nprops, 1);
		assert_int_equal(sa.props[0].proto, c->proto);
		x = &sa.xforms[0];
		assert_int_equal(x->type, c->x.type);
		assert_int_equal(x->id, c->x.id);
		assert_int_equal(x->key_bits, c->x.bits);
		assert_int_equal(ike_prop_format(&sa, buf, sizeof(buf)),
				 strlen(c->canonical));
		assert_string_equal(buf, c->canonical);
		/* the canonical string parses back to the same proposal */
		parse_ok(buf, c->proto, &again);
		assert_memory_equal(&sa, &again, sizeof(sa));
	}
}

static void test_format(void **state)
{
	static const char list[] =
		"aes256gcm16-prfsha384-curve25519, "
		"aes128-sha256-prfsha256-modp3072, "
		"aes256-aes128-sha512-sha1-prfsha512-prfsha1-ecp384-modp2048";
	struct ike_sa_pld sa, again;
	char buf[sizeof(list)], big[256];

	parse_ok(list, IKEV2_PROTO_IKE, &sa);
	assert_int_equal(ike_prop_format(&sa, buf, sizeof(buf)),
			 sizeof(list) - 1);
	assert_string_equal(buf, list);
	parse_ok(buf, IKEV2_PROTO_IKE, &again);
	assert_memory_equal(&sa, &again, sizeof(sa));
	/* one byte short: refused, not cut */
	assert_int_equal(ike_prop_format(&sa, buf, sizeof(buf) - 1), -1);
	assert_int_equal(ike_prop_format(&sa, buf, 0), -1);
	/* a peer's transform without a keyword */
	sa.xforms[1] = (struct ike_xform){ .type = P, .id = 99 };
	sa.xforms[0].key_bits = 512;
	assert_true(ike_prop_format(&sa, big, sizeof(big)) > 0);
	assert_memory_equal(big, "unknown-1-20_512-unknown-2-99-curve25519, ",
			    42);
}

/* ---- refused strings ---------------------------------------------------- */

struct bad_case {
	const char *in;
	uint8_t proto;
	const char *reason;
};

static const struct bad_case bad_cases[] = {
	{ "aes256-sha256-modp3072-foo", IKE,
	  "unknown algorithm 'foo' in 'aes256-sha256-modp3072-foo'" },
	{ "aes256gcm16-sha256-prfsha256-ecp256", IKE,
	  "integrity 'sha256' with AEAD 'aes256gcm16'" },
	{ "aes256gcm16-ecp256", IKE,
	  "no PRF in 'aes256gcm16-ecp256' (add prfsha256, ...)" },
	{ "sha256-prfsha256-ecp256", IKE,
	  "no encryption algorithm in 'sha256-prfsha256-ecp256'" },
	{ "aes128-prfsha256-ecp256", IKE, "no integrity algorithm for 'aes128'" },
	{ "aes128-sha256", IKE, "no DH group in 'aes128-sha256'" },
	{ "aes128-sha256-modp1024", IKE, "unsupported DH group 'modp1024'" },
	{ "aes128-sha256-ecp224", IKE, "unsupported DH group 'ecp224'" },
	{ "aes128-aes256gcm16-sha256-modp2048", IKE,
	  "'aes256gcm16': AEAD and classic encryption in one proposal" },
	{ "aes128-sha256-modp2048-esn", IKE, "'esn' is not for ike proposals" },
	{ "null-sha256-modp2048", IKE, "'null' is not for ike proposals" },
	{ "aes128gmac-prfsha256-modp2048", IKE,
	  "'aes128gmac' is not for ike proposals" },
	{ "aes128-sha256-aes128-modp2048", IKE,
	  "'aes128' twice in 'aes128-sha256-aes128-modp2048'" },
	{ "aes128--sha256-modp2048", IKE,
	  "empty algorithm in 'aes128--sha256-modp2048'" },
	{ "aes128-sha256-modp2048-", IKE,
	  "empty algorithm in 'aes128-sha256-modp2048-'" },
	{ "aes128-sha256-modp2048,, aes256-sha256-modp2048", IKE,
	  "empty proposal in the list" },
	{ "", IKE, "empty proposal in the list" },
	{ "AES128-sha256-modp2048", IKE,
	  "unknown algorithm 'AES128' in 'AES128-sha256-modp2048'" },
	{ "aes128-sha256-prfsha256", ESP, "'prfsha256' is not for esp proposals" },
	{ "sha256", ESP, "no encryption algorithm in 'sha256'" },
	{ "null", ESP, "no integrity algorithm for 'null'" },
	{ "aes128gcm16-sha1", ESP, "integrity 'sha1' with AEAD 'aes128gcm16'" },
	{ "aes128-sha256", AH, "encryption 'aes128' in an ah proposal" },
	{ "esn", AH, "no integrity algorithm in 'esn'" },
};

static void test_errors(void **state)
{
	struct ike_sa_pld sa;
	char many[20 * 24 + 1] = "";
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		memset(&err, 0, sizeof(err));
		assert_int_equal(ike_prop_parse(c->in, c->proto, &sa, &err), -1);
		assert_string_equal(err.reason, c->reason);
		assert_null(strchr(err.reason, '\n'));
	}
	assert_int_equal(ike_prop_parse("aes128-sha1", IKEV2_PROTO_NONE, &sa,
					&err), -1);
	/* 17 proposals: one more than an SA payload may carry */
	for (i = 0; i < IKEV2_MAX_PROPOSALS + 1; i++)
		strcat(many, i ? ",aes128-sha256-x25519" : "aes128-sha256-x25519");
	assert_int_equal(ike_prop_parse(many, IKEV2_PROTO_IKE, &sa, &err), -1);
	assert_non_null(strstr(err.reason, "too many proposals"));
	many[strlen(many) - strlen(",aes128-sha256-x25519")] = '\0';
	parse_ok(many, IKEV2_PROTO_IKE, &sa);
	assert_int_equal(sa.nprops, IKEV2_MAX_PROPOSALS);
}

/* ---- responder selection ------------------------------------------------ */

static struct ike_sa_pld ours, peer, chosen;

static void select_ok(const char *o, const char *p, uint8_t proto,
		      uint16_t ke, unsigned int flags)
{
	parse_ok(o, proto, &ours);
	parse_ok(p, proto, &peer);
	if (ike_prop_select(&ours, &peer, ke, flags, &chosen, &err))
		fail_msg("'%s' vs '%s': %s", o, p, err.reason);
	assert_int_equal(chosen.nprops, 1);
	assert_int_equal(chosen.props[0].proto, proto);
	assert_int_equal(chosen.props[0].first, 0);
}

static void select_none(const char *o, const char *p, uint8_t proto)
{
	parse_ok(o, proto, &ours);
	parse_ok(p, proto, &peer);
	assert_int_equal(ike_prop_select(&ours, &peer, 0, 0, &chosen, &err),
			 -1);
	assert_int_equal(err.notify, IKEV2_N_NO_PROPOSAL_CHOSEN);
	assert_int_equal(chosen.nprops, 0);
}

static void test_select_order(void **state)
{
	/* our first proposal wins, numbered as the peer numbered it */
	select_ok("aes256gcm16-prfsha256-x25519, aes128-sha256-modp3072",
		  "aes128-sha256-modp3072, aes256gcm16-prfsha256-x25519",
		  IKE, 0, 0);
	assert_int_equal(chosen.props[0].num, 2);
	EXPECT(&chosen, 0, { E, 20, 256 }, { P, 5, 0 }, { D, 31, 0 });
	/* and within a type, our first transform the peer offers */
	select_ok("aes256-aes128-sha256-sha1-modp2048-ecp256",
		  "aes128-aes256-sha1-sha256-ecp256-modp2048", IKE, 0, 0);
	assert_int_equal(chosen.props[0].num, 1);
	EXPECT(&chosen, 0, { E, 12, 256 }, { I, 12, 0 }, { P, 5, 0 },
	       { D, 14, 0 });
	/* except the group of the peer's KE payload, if both offer it */
	select_ok("aes256-sha256-modp2048-ecp256",
		  "aes256-sha256-ecp256-modp2048", IKE, 19, 0);
	EXPECT(&chosen, 0, { E, 12, 256 }, { I, 12, 0 }, { P, 5, 0 },
	       { D, 19, 0 });
	select_ok("aes256-sha256-modp2048-ecp256",
		  "aes256-sha256-ecp256-modp2048-x25519", IKE, 31, 0);
	assert_int_equal(ike_prop_xform(&chosen, 0, D, NULL), 14);
	/* a later proposal of ours when the first has no partner */
	select_ok("aes256gcm16-prfsha384-x448, chacha20poly1305-prfsha256-x25519",
		  "aes128gcm16-prfsha256-x25519, chacha20poly1305-prfsha256-x25519",
		  IKE, 0, 0);
	assert_int_equal(chosen.props[0].num, 2);
	EXPECT(&chosen, 0, { E, 28, 0 }, { P, 5, 0 }, { D, 31, 0 });
}

static void test_select_key_lengths(void **state)
{
	select_none("aes256-sha256-modp2048", "aes128-sha256-modp2048", IKE);
	select_none("aes256gcm16-prfsha256-ecp256",
		    "aes256gcm12-prfsha256-ecp256", IKE);
	select_none("aes256gcm16-prfsha256-ecp256",
		    "aes192gcm16-prfsha256-ecp256", IKE);
	select_ok("aes192gcm16-prfsha256-ecp256",
		  "aes256gcm16-aes192gcm16-prfsha256-ecp256", IKE, 0, 0);
	EXPECT(&chosen, 0, { E, 20, 192 }, { P, 5, 0 }, { D, 19, 0 });
	/* and every type must meet: PRF, DH, integrity */
	select_none("aes256-sha256-prfsha384-modp2048",
		    "aes256-sha256-modp2048", IKE);
	select_none("aes256-sha256-modp2048", "aes256-sha256-modp3072", IKE);
	select_none("aes256-sha384-prfsha256-modp2048",
		    "aes256-sha256-modp2048", IKE);
}

static void test_select_esn(void **state)
{
	select_none("aes128gcm16-esn", "aes128gcm16", ESP);
	select_none("aes128gcm16", "aes128gcm16-esn", ESP);
	select_ok("aes128gcm16-noesn-esn", "aes128gcm16-esn-noesn", ESP, 0, 0);
	EXPECT(&chosen, 0, { E, 20, 128 }, { N, 0, 0 });
	select_ok("aes128gcm16-esn-noesn", "aes128gcm16-noesn-esn", ESP, 0, 0);
	EXPECT(&chosen, 0, { E, 20, 128 }, { N, 1, 0 });
	select_ok("sha256-esn", "sha256-noesn-esn", AH, 0, 0);
	EXPECT(&chosen, 0, { I, 12, 0 }, { N, 1, 0 });
}

static void test_select_unusable(void **state)
{
	/* a transform with an attribute we do not know is not offered */
	parse_ok("aes256gcm16-aes128gcm16-prfsha256-x25519", IKE, &ours);
	parse_ok("aes256gcm16-aes128gcm16-prfsha256-x25519", IKE, &peer);
	peer.xforms[0].unknown_attr = true;
	assert_int_equal(ike_prop_select(&ours, &peer, 0, 0, &chosen, &err), 0);
	EXPECT(&chosen, 0, { E, 20, 128 }, { P, 5, 0 }, { D, 31, 0 });
	peer.xforms[1].unknown_attr = true;
	assert_int_equal(ike_prop_select(&ours, &peer, 0, 0, &chosen, &err),
			 -1);
	assert_int_equal(err.notify, IKEV2_N_NO_PROPOSAL_CHOSEN);
	/* a transform type we do not know: that whole proposal is out */
	parse_ok("aes256gcm16-prfsha256-x25519, aes128gcm16-prfsha256-x25519",
		 IKE, &ours);
	parse_ok("aes256gcm16-prfsha256-x25519, aes128gcm16-prfsha256-x25519",
		 IKE, &peer);
	peer.xforms[1].type = 6;
	assert_int_equal(ike_prop_select(&ours, &peer, 0, 0, &chosen, &err), 0);
	assert_int_equal(chosen.props[0].num, 2);
	EXPECT(&chosen, 0, { E, 20, 128 }, { P, 5, 0 }, { D, 31, 0 });
	/* protocols must agree */
	parse_ok("sha256", AH, &ours);
	parse_ok("aes128-sha256", ESP, &peer);
	assert_int_equal(ike_prop_select(&ours, &peer, 0, 0, &chosen, &err),
			 -1);
	select_none("aes128-sha256-x25519", "aes128-sha256-x448", IKE);
}

static void test_select_child_dh(void **state)
{
	static const uint8_t spi[4] = { 0xc0, 0x01, 0xd0, 0x0d };

	/* PFS on one side only: no match, unless DH is skipped (IKE_AUTH) */
	select_none("aes128gcm16", "aes128gcm16-ecp256", ESP);
	select_none("aes128gcm16-ecp256", "aes128gcm16", ESP);
	parse_ok("aes128gcm16", ESP, &ours);
	parse_ok("aes128gcm16-ecp256", ESP, &peer);
	peer.props[0].spi_size = 4;
	memcpy(peer.props[0].spi, spi, 4);
	assert_int_equal(ike_prop_select(&ours, &peer, 0, IKE_PROP_SKIP_DH,
					 &chosen, &err), 0);
	EXPECT(&chosen, 0, { E, 20, 128 }, { N, 0, 0 });
	assert_int_equal(chosen.props[0].spi_size, 4);
	assert_memory_equal(chosen.props[0].spi, spi, 4);
	/* a peer offering DH NONE takes "no PFS" */
	parse_ok("aes128gcm16-ecp256", ESP, &peer);
	peer.xforms[3] = peer.xforms[2];
	peer.xforms[2] = peer.xforms[1];
	peer.xforms[1] = (struct ike_xform){ .type = D, .id = IKEV2_DH_NONE };
	peer.props[0].nxforms = 4;
	peer.nxforms = 4;
	assert_int_equal(ike_prop_select(&ours, &peer, 0, 0, &chosen, &err), 0);
	EXPECT(&chosen, 0, { E, 20, 128 }, { N, 0, 0 });
	select_ok("aes128gcm16-x25519-ecp256", "aes128gcm16-ecp256-x25519",
		  ESP, 0, 0);
	EXPECT(&chosen, 0, { E, 20, 128 }, { D, 31, 0 }, { N, 0, 0 });
}

/* Our list sent through the SA payload builder and parser, then chosen. */
static void test_select_wire(void **state)
{
	static struct ike_buf b;
	static struct ike_msg m;
	int len;

	parse_ok("aes256gcm16-prfsha256-modp2048, aes128gcm16-prfsha256-ecp256,"
		 "chacha20poly1305-prfsha256-x25519, aes256-sha256-modp3072",
		 IKE, &peer);
	ike_buf_init(&b, 0x0123456789abcdefull, 0, IKEV2_EXCHANGE_IKE_SA_INIT,
		     IKEV2_FLAG_INITIATOR, 0);
	assert_int_equal(ike_add_sa(&b, &peer), 0);
	len = ike_msg_finalise(&b);
	assert_int_equal(ike_msg_parse(b.data, (size_t)len, &m, &err), 0);
	assert_int_equal(m.sa.nprops, 4);
	assert_memory_equal(m.sa.xforms, peer.xforms,
			    peer.nxforms * sizeof(peer.xforms[0]));
	parse_ok("aes256-sha256-modp3072, chacha20poly1305-prfsha256-x25519",
		 IKE, &ours);
	assert_int_equal(ike_prop_select(&ours, &m.sa, 0, 0, &chosen, &err), 0);
	assert_int_equal(chosen.props[0].num, 4);
	EXPECT(&chosen, 0, { E, 12, 256 }, { I, 12, 0 }, { P, 5, 0 },
	       { D, 15, 0 });
}

/* ---- the initiator's check of the reply --------------------------------- */

static void reply_refused(const char *r, uint8_t num, uint16_t notify)
{
	struct ike_sa_pld reply;

	parse_ok(r, ours.props[0].proto, &reply);
	reply.props[0].num = num;
	assert_int_equal(ike_prop_check_reply(&ours, &reply, 0, &err), -1);
	assert_int_equal(err.notify, notify);
}

static void test_check_reply(void **state)
{
	struct ike_sa_pld reply;

	parse_ok("aes256gcm16-prfsha256-x25519-ecp256, "
		 "aes128-aes256-sha256-modp3072", IKE, &ours);
	parse_ok("aes256-sha256-modp3072", IKE, &reply);
	reply.props[0].num = 2;
	assert_int_equal(ike_prop_check_reply(&ours, &reply, 0, &err), 1);
	parse_ok("aes256gcm16-prfsha256-ecp256", IKE, &reply);
	assert_int_equal(ike_prop_check_reply(&ours, &reply, 0, &err), 0);
	/* what a selection of ours returns passes our own check */
	parse_ok("aes256-sha256-modp3072", IKE, &peer);
	assert_int_equal(ike_prop_select(&ours, &peer, 0, 0, &chosen, &err), 0);
	chosen.props[0].num = 2;
	assert_int_equal(ike_prop_check_reply(&ours, &chosen, 0, &err), 1);
	/* malformed: two proposals, two of a type, a number never sent,
	 * a type missing */
	parse_ok("aes256gcm16-prfsha256-x25519, aes128-sha256-modp3072", IKE,
		 &reply);
	assert_int_equal(ike_prop_check_reply(&ours, &reply, 0, &err), -1);
	assert_int_equal(err.notify, IKEV2_N_INVALID_SYNTAX);
	reply_refused("aes256gcm16-prfsha256-x25519-ecp256", 1,
		      IKEV2_N_INVALID_SYNTAX);
	reply_refused("aes256gcm16-prfsha256-x25519", 3,
		      IKEV2_N_INVALID_SYNTAX);
	parse_ok("aes128-sha256-modp3072", IKE, &reply);
	reply.props[0].num = 2;
	reply.props[0].nxforms--;	/* no DH */
	assert_int_equal(ike_prop_check_reply(&ours, &reply, 0, &err), -1);
	assert_int_equal(err.notify, IKEV2_N_INVALID_SYNTAX);
	/* a suite we did not offer */
	reply_refused("aes192-sha256-modp3072", 2, IKEV2_N_NO_PROPOSAL_CHOSEN);
	reply_refused("aes128-sha384-prfsha256-modp3072", 2,
		      IKEV2_N_NO_PROPOSAL_CHOSEN);
	reply_refused("aes256gcm16-prfsha256-x448", 1,
		      IKEV2_N_NO_PROPOSAL_CHOSEN);
	reply_refused("aes256gcm16-prfsha256-ecp256", 2,
		      IKEV2_N_NO_PROPOSAL_CHOSEN);
	/* another protocol */
	parse_ok("aes128gcm16", ESP, &reply);
	assert_int_equal(ike_prop_check_reply(&ours, &reply, 0, &err), -1);
	assert_int_equal(err.notify, IKEV2_N_INVALID_SYNTAX);
	/* a Child SA: ESN as offered, DH ignored in IKE_AUTH */
	parse_ok("aes128gcm16-ecp256-esn-noesn", ESP, &ours);
	parse_ok("aes128gcm16-esn", ESP, &reply);
	assert_int_equal(ike_prop_check_reply(&ours, &reply, IKE_PROP_SKIP_DH,
					      &err), 0);
	reply_refused("aes128gcm16-esn", 1, IKEV2_N_INVALID_SYNTAX);
	reply_refused("aes128gcm16-ecp256-esn-noesn", 1,
		      IKEV2_N_INVALID_SYNTAX);
}

static void test_check_ke(void **state)
{
	uint16_t request = 0;

	assert_int_equal(ike_prop_check_ke(31, 31, &request, &err), 0);
	assert_int_equal(request, 0);
	assert_int_equal(ike_prop_check_ke(19, 14, &request, &err), -1);
	assert_int_equal(err.notify, IKEV2_N_INVALID_KE_PAYLOAD);
	assert_int_equal(request, 19);
	assert_string_equal(err.reason,
			    "KE payload of group modp-2048, the proposal's is ecp-256");
	/* with a chosen proposal's group */
	select_ok("aes256-sha256-modp3072-x25519", "aes256-sha256-x25519-modp3072",
		  IKE, 32, 0);
	assert_int_equal(ike_prop_check_ke((uint16_t)ike_prop_xform(&chosen, 0,
				D, NULL), 32, &request, &err), -1);
	assert_int_equal(request, 15);
	assert_int_equal(ike_prop_xform(&chosen, 1, D, NULL), -1);
	assert_int_equal(ike_prop_xform(&chosen, 0, N, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_proposals),
		cmocka_unit_test(test_lists_and_order),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_select_order),
		cmocka_unit_test(test_select_key_lengths),
		cmocka_unit_test(test_select_esn),
		cmocka_unit_test(test_select_unusable),
		cmocka_unit_test(test_select_child_dh),
		cmocka_unit_test(test_select_wire),
		cmocka_unit_test(test_check_reply),
		cmocka_unit_test(test_check_ke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
