// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer harness for certificate authentication: the first input byte
 * picks the target, the rest is its hostile input.
 *   0  an AUTH payload (next byte: method) in an IKE_AUTH message, parsed
 *      by the codec, verified against each test certificate
 *   1  a method-14 AlgorithmIdentifier (ike_sig_alg_decode())
 *   2  a CERT payload's DER: the certificate, its subject printed and
 *      matched, the test certificates' subjects matched against it
 *   3  an ID payload (next byte: type): printed and matched
 *   4  SIGNATURE_HASH_ALGORITHMS notify data
 * Invariants (trap on violation): no signature ever verifies (the signed
 * octets are secret to the harness: a fresh SK_p); every refusal has a
 * reason and the notify of its kind; decoded algorithms fit some key;
 * printed IDs are NUL-terminated within their buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike/auth_sig.h"
#include "ike/sig_alg.h"
#include "../unit/ike_auth_pki.h"

enum { NCERTS = 3 };

static struct ike_cert *certs[NCERTS];
static struct ike_buf mb, ib;
static struct ike_msg msg;
static struct ike_err err;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_ike_auth: %s (line %d)\n",	\
				#cond, __LINE__);			\
			__builtin_trap();				\
		}							\
	} while (0)

static struct ike_cert *load_pem(const char *pem)
{
	char path[] = "/tmp/fuzz_ike_auth.XXXXXX";
	struct ike_cert *c[1];
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, pem, strlen(pem)) == (ssize_t)strlen(pem));
	close(fd);
	CHECK(ike_cert_load_file(path, c, 1, &err) == 1);
	unlink(path);
	return c[0];
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	certs[0] = load_pem(p256_pem);
	certs[1] = load_pem(rsa_pem);
	certs[2] = load_pem(ed_pem);
	return 0;
}

static void check_refused(uint16_t notify)
{
	CHECK(err.notify == notify);
	CHECK(err.reason[0]);
}

static void fuzz_auth(const uint8_t *d, size_t len)
{
	static const uint8_t m[] = "first message", n[16] = { 1 }, id[] = {
		IKEV2_ID_FQDN, 0, 0, 0, 'x' };
	uint8_t skp[32];
	struct ike_signed_octets so = {
		{ m, sizeof(m) }, { n, sizeof(n) }, { id, sizeof(id) },
		skp, sizeof(skp),
	};
	long body;
	int i;

	if (len < 1 || xs_random(skp, sizeof(skp)))
		return;
	ike_buf_init_inner(&ib);
	ike_buf_init(&mb, 1, 2, IKEV2_EXCHANGE_IKE_AUTH, IKEV2_FLAG_INITIATOR,
		     1);
	if (ike_add_auth(&ib, d[0], d + 1, len - 1) || ike_msg_finalise(&ib) < 0)
		return;
	body = ike_add_sk(&mb, ib.first, 16);
	if (body < 0 || ike_msg_finalise(&mb) < 0)
		return;
	memset(mb.data + body, 0, 16);
	if (ike_msg_parse(mb.data, mb.len, &msg, &err) ||
	    ike_msg_parse_inner(&msg, ib.data, ib.len, &err))
		return;
	for (i = 0; i < NCERTS; i++) {
		CHECK(ike_auth_sig_verify(certs[i], IKEV2_PRF_HMAC_SHA2_256,
					  &so, &msg.auth, &err) == -1);
		check_refused(IKEV2_N_AUTHENTICATION_FAILED);
	}
}

static void fuzz_sig_alg(const uint8_t *d, size_t len)
{
	static const enum ike_key_kind kinds[] = {
		IKE_KEY_RSA, IKE_KEY_P256, IKE_KEY_ED25519,
	};
	struct ike_sig_alg alg;
	bool fits = false;
	size_t i;

	if (ike_sig_alg_decode(d, len, &alg, &err)) {
		check_refused(IKEV2_N_AUTHENTICATION_FAILED);
		return;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		fits |= ike_sig_alg_fits(&alg, kinds[i]);
	CHECK(fits);
}

static void check_printed(const struct ike_id_cfg *id)
{
	char buf[IKE_ID_STR_MAX], small[8];

	ike_id_format(id, buf, sizeof(buf));
	CHECK(memchr(buf, 0, sizeof(buf)));
	ike_id_format(id, small, sizeof(small));
	CHECK(memchr(small, 0, sizeof(small)));
}

static void fuzz_cert(const uint8_t *d, size_t len)
{
	struct ike_cert *c = ike_cert_from_der(d, len, &err);
	struct ike_id_cfg id;
	int i;

	if (!c) {
		check_refused(IKEV2_N_AUTHENTICATION_FAILED);
		return;
	}
	if (!ike_id_of_cert(c, &id)) {
		check_printed(&id);
		if (ike_id_cert_match(c, &id, &err))
			check_refused(IKEV2_N_AUTHENTICATION_FAILED);
	}
	for (i = 0; i < NCERTS; i++)
		if (!ike_id_of_cert(certs[i], &id) &&
		    ike_id_cert_match(c, &id, &err))
			check_refused(IKEV2_N_AUTHENTICATION_FAILED);
	ike_cert_free(c);
}

static void fuzz_id(const uint8_t *d, size_t len)
{
	struct ike_id_pld pld;
	struct ike_id_cfg id, any = { 0 };
	int i;

	if (len < 1)
		return;
	pld.type = d[0];
	pld.data.ptr = d + 1;
	pld.data.len = len - 1;
	if (ike_id_from_pld(&pld, &id, &err)) {
		check_refused(IKEV2_N_AUTHENTICATION_FAILED);
		return;
	}
	check_printed(&id);
	CHECK(ike_id_match(&id, &any));
	CHECK(ike_id_match(&id, &id));
	for (i = 0; i < NCERTS; i++)
		if (ike_id_cert_match(certs[i], &id, &err))
			check_refused(IKEV2_N_AUTHENTICATION_FAILED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d;
	uint32_t set;
	struct ike_span s;

	if (!size)
		return 0;
	/* an exact-size copy: reads past the input are caught */
	d = malloc(size - 1 ? size - 1 : 1);
	memcpy(d, data + 1, size - 1);
	s.ptr = d;
	s.len = size - 1;
	switch (data[0] % 5) {
	case 0: fuzz_auth(d, size - 1); break;
	case 1: fuzz_sig_alg(d, size - 1); break;
	case 2: fuzz_cert(d, size - 1); break;
	case 3: fuzz_id(d, size - 1); break;
	case 4:
		if (ike_sig_hash_parse(&s, &set, &err))
			check_refused(IKEV2_N_INVALID_SYNTAX);
		else
			CHECK(!(set & ~0x3eu));
		break;
	}
	free(d);
	return 0;
}
