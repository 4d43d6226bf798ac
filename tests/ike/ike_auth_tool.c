// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_auth_tool: the certificate authentication module (ike/auth_sig.c,
 * cred.c, ca.c, id.c, sig_alg.c) from the command line, for
 * tests/test_ike_auth.py. Bytes are hex; "-" is empty. SO stands for the
 * four signed-octets arguments MSG NONCE IDBODY SK_P.
 *
 *   sign KEY CERTS PRF HASHES PSS SO     -> METHOD AUTHDATA
 *   verify CACERTS REMOTEID PRF NOW IDBODY METHOD AUTHDATA SO CERT...
 *                                         -> ok PEERID (whole peer check)
 *   sigverify CERT PRF METHOD AUTHDATA SO -> ok (AUTH against a cert)
 *   load KEY CERTS...                     -> ok (ike_cred_check)
 *   id STRING                             -> TYPE DATA FORMATTED
 *   idcert CERTFILE IDSTRING              -> ok (ike_id_cert_match)
 *   idlocal CERTFILE IDSTRING             -> TYPE DATA
 *   idmatch PEERSTRING CFGSTRING          -> 1 / 0
 *   certreq CAFILE...                     -> hashes
 *   tosend KEY CERTREQ CERTS...           -> DER of each cert, one a line
 *   hashes NOTIFYDATA                     -> the set (decimal), and ours
 *
 * HASHES is a set of RFC 7427 hashes (bit n for hash n), PSS 0 or 1, NOW
 * seconds since the epoch (0: the current time). AUTH data is parsed by the
 * codec (an AUTH payload in an SK payload) before it is verified.
 * Exit status 0 on success, 1 when refused (with the reason), 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/auth_sig.h"
#include "ike/sig_alg.h"
#include "tests/ike/ike_tool_io.h"

static struct ike_buf mb, ib;
static struct ike_msg msg;
static struct ike_err err;
static uint8_t so_bytes[4][IKEV2_MSG_MAX_BYTES];

static int refused(void)
{
	printf("refused: %s\n", err.reason);
	return 1;
}

static void signed_octets(char **argv, struct ike_signed_octets *so)
{
	struct xs_buf *b[3] = { &so->msg, &so->nonce, &so->id };
	int i;

	for (i = 0; i < 3; i++) {
		b[i]->len = tool_unhex(argv[i], so_bytes[i], sizeof(so_bytes[i]));
		b[i]->p = so_bytes[i];
	}
	so->sk_p_len = tool_unhex(argv[3], so_bytes[3], IKE_PRF_MAX_LEN);
	so->sk_p = so_bytes[3];
}

/* The AUTH payload as the codec parses it from an IKE_AUTH message. */
static const struct ike_auth_pld *auth_arg(const char *method,
					   const char *hex)
{
	static uint8_t data[IKE_AUTH_SIG_MAX_LEN + 64];
	size_t len = tool_unhex(hex, data, sizeof(data));
	long body;

	ike_buf_init_inner(&ib);
	ike_buf_init(&mb, 1, 2, IKEV2_EXCHANGE_IKE_AUTH, IKEV2_FLAG_INITIATOR,
		     1);
	if (ike_add_auth(&ib, (uint8_t)atoi(method), data, len) ||
	    ike_msg_finalise(&ib) < 0)
		exit(2);
	body = ike_add_sk(&mb, ib.first, 32);
	if (body < 0 || ike_msg_finalise(&mb) < 0)
		exit(2);
	memset(mb.data + body, 0, 32);
	if (ike_msg_parse(mb.data, mb.len, &msg, &err) ||
	    ike_msg_parse_inner(&msg, ib.data, ib.len, &err))
		return NULL;
	return &msg.auth;
}

static struct ike_cred *cred_arg(const char *key, char **certs, int n)
{
	struct ike_cred *cred = ike_cred_new();
	int i;

	if (ike_cred_load_key(cred, key, &err))
		goto fail;
	for (i = 0; i < n; i++)
		if (ike_cred_load_certs(cred, certs[i], &err))
			goto fail;
	if (!ike_cred_check(cred, &err))
		return cred;
fail:
	ike_cred_free(cred);
	return NULL;
}

static int cmd_sign(char **argv)
{
	struct ike_cred *cred = cred_arg(argv[0], argv + 1, 1);
	struct ike_signed_octets so;
	struct ike_auth_data a;
	int rc;

	if (!cred)
		return refused();
	signed_octets(argv + 5, &so);
	rc = ike_auth_sig_make(cred, (uint16_t)atoi(argv[2]), &so,
			       (uint32_t)strtoul(argv[3], NULL, 0),
			       atoi(argv[4]), &a, &err);
	ike_cred_free(cred);
	if (rc)
		return refused();
	printf("%u ", a.method);
	tool_puthex(a.data, a.len);
	printf("\n");
	return 0;
}

static int cmd_verify(char **argv, int argc)
{
	struct ike_cert_pld certs[IKEV2_MAX_CERTS];
	static uint8_t der[IKEV2_MAX_CERTS][8192], idbody[512];
	struct ike_id_cfg remote, peer;
	struct ike_signed_octets so;
	const struct ike_auth_pld *auth = auth_arg(argv[5], argv[6]);
	struct ike_id_pld id;
	struct ike_ca *ca = ike_ca_new();
	char buf[IKE_ID_STR_MAX];
	int i, n = argc - 11, rc;

	if (!auth || ike_ca_load(ca, argv[0], &err) ||
	    ike_id_parse(argv[1], &remote, &err)) {
		ike_ca_free(ca);
		return refused();
	}
	for (i = 0; i < n && i < IKEV2_MAX_CERTS; i++) {
		certs[i].encoding = IKEV2_CERT_X509_SIGNATURE;
		certs[i].data.ptr = der[i];
		certs[i].data.len = tool_unhex(argv[11 + i], der[i], sizeof(der[i]));
	}
	id.body.ptr = idbody;
	id.body.len = tool_unhex(argv[4], idbody, sizeof(idbody));
	if (id.body.len < 4)
		exit(2);
	id.type = idbody[0];
	id.data.ptr = idbody + 4;
	id.data.len = id.body.len - 4;
	signed_octets(argv + 7, &so);
	rc = ike_auth_cert_verify(ca, &remote, certs, i, &id, auth,
				  (uint16_t)atoi(argv[2]), &so,
				  (time_t)atoll(argv[3]), &peer, &err);
	ike_ca_free(ca);
	if (rc)
		return refused();
	ike_id_format(&peer, buf, sizeof(buf));
	printf("ok %s\n", buf);
	return 0;
}

static struct ike_cert *cert_file(const char *path)
{
	struct ike_cert *c[IKE_CERT_FILE_MAX_CERTS];
	int n = ike_cert_load_file(path, c, IKE_CERT_FILE_MAX_CERTS, &err);

	if (n < 0)
		exit(refused());
	while (n > 1)
		ike_cert_free(c[--n]);
	return c[0];
}

static int cmd_sigverify(char **argv)
{
	struct ike_cert *c = cert_file(argv[0]);
	const struct ike_auth_pld *auth = auth_arg(argv[2], argv[3]);
	struct ike_signed_octets so;
	int rc = -1;

	signed_octets(argv + 4, &so);
	if (auth)
		rc = ike_auth_sig_verify(c, (uint16_t)atoi(argv[1]), &so, auth,
					 &err);
	ike_cert_free(c);
	if (rc)
		return refused();
	printf("ok\n");
	return 0;
}

static void print_id(const struct ike_id_cfg *id)
{
	char buf[IKE_ID_STR_MAX];

	ike_id_format(id, buf, sizeof(buf));
	printf("%u ", id->type);
	tool_puthex(id->data, id->len);
	printf(" %s\n", buf);
}

static int cmd_id(char **argv, const char *cmd)
{
	struct ike_id_cfg a, b;
	struct ike_cert *c;
	int rc;

	if (!strcmp(cmd, "idmatch")) {
		if (ike_id_parse(argv[0], &a, &err) ||
		    ike_id_parse(argv[1], &b, &err))
			return refused();
		printf("%d\n", ike_id_match(&a, &b));
		return 0;
	}
	if (ike_id_parse(argv[strcmp(cmd, "id") ? 1 : 0], &a, &err))
		return refused();
	if (!strcmp(cmd, "id")) {
		print_id(&a);
		return 0;
	}
	c = cert_file(argv[0]);
	rc = !strcmp(cmd, "idcert") ? ike_id_cert_match(c, &a, &err)
				     : ike_id_local(c, &a, &b, &err);
	ike_cert_free(c);
	if (rc)
		return refused();
	if (!strcmp(cmd, "idlocal"))
		print_id(&b);
	else
		printf("ok\n");
	return 0;
}

static int cmd_certreq(char **argv, int argc)
{
	struct ike_ca *ca = ike_ca_new();
	uint8_t out[IKE_CA_MAX * IKEV2_CERTREQ_HASH_BYTES];
	size_t n;
	int i;

	for (i = 0; i < argc; i++)
		if (ike_ca_load(ca, argv[i], &err)) {
			ike_ca_free(ca);
			return refused();
		}
	n = ike_ca_certreq(ca, out, sizeof(out));
	for (i = 0; i * IKEV2_CERTREQ_HASH_BYTES < (int)n; i++)
		printf("%d", ike_ca_known(ca, out + i * IKEV2_CERTREQ_HASH_BYTES));
	printf(" ");
	tool_puthex(out, n);
	printf("\n");
	ike_ca_free(ca);
	return 0;
}

static int cmd_tosend(char **argv, int argc)
{
	static uint8_t req[IKE_CA_MAX * IKEV2_CERTREQ_HASH_BYTES];
	struct ike_cred *cred = cred_arg(argv[0], argv + 2, argc - 2);
	const struct ike_cert *out[IKE_CRED_MAX_CERTS];
	struct ike_cert_pld certreq = { .encoding = IKEV2_CERT_X509_SIGNATURE };
	int i, n;

	if (!cred)
		return refused();
	certreq.data.ptr = req;
	certreq.data.len = tool_unhex(argv[1], req, sizeof(req));
	n = ike_cred_certs_to_send(cred, &certreq, 1, out, IKE_CRED_MAX_CERTS);
	for (i = 0; i < n; i++) {
		struct ike_span der = ike_cert_der(out[i]);

		tool_puthex(der.ptr, der.len);
		printf("\n");
	}
	ike_cred_free(cred);
	return 0;
}

static int cmd_hashes(char **argv)
{
	uint8_t data[256], ours[16];
	struct ike_span s = { data, tool_unhex(argv[0], data, sizeof(data)) };
	uint32_t set;
	size_t n = ike_sig_hash_notify(ours, sizeof(ours));

	if (ike_sig_hash_parse(&s, &set, &err))
		return refused();
	printf("%u ", set);
	tool_puthex(ours, n);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	struct ike_cred *cred;
	int nargs = argc - 2;

	argv += 2;
	if (!strcmp(cmd, "sign") && nargs == 9)
		return cmd_sign(argv);
	if (!strcmp(cmd, "verify") && nargs >= 11)
		return cmd_verify(argv, nargs);
	if (!strcmp(cmd, "sigverify") && nargs == 8)
		return cmd_sigverify(argv);
	if (!strcmp(cmd, "load") && nargs >= 1) {
		cred = cred_arg(argv[0], argv + 1, nargs - 1);
		ike_cred_free(cred);
		return cred ? (printf("ok\n"), 0) : refused();
	}
	if ((!strcmp(cmd, "id") && nargs == 1) ||
	    ((!strcmp(cmd, "idcert") || !strcmp(cmd, "idlocal") ||
	      !strcmp(cmd, "idmatch")) && nargs == 2))
		return cmd_id(argv, cmd);
	if (!strcmp(cmd, "certreq") && nargs >= 1)
		return cmd_certreq(argv, nargs);
	if (!strcmp(cmd, "tosend") && nargs >= 3)
		return cmd_tosend(argv, nargs);
	if (!strcmp(cmd, "hashes") && nargs == 1)
		return cmd_hashes(argv);
	fprintf(stderr, "usage: see the comment in tests/ike/ike_auth_tool.c\n");
	return 2;
}
