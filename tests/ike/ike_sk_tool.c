// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_sk_tool: ike/sk.c and ike/frag.c from the command line, for
 * tests/test_ike_sk.py (keys, messages and chains in hex):
 *
 *   seal  ENCR INTEG SK_E SK_A FIRST INNER       -> the protected message
 *   open  ENCR INTEG SK_E SK_A MSG               -> FIRST INNER TYPES...
 *   frag  ENCR INTEG SK_E SK_A FIRST INNER MAX   -> one fragment a line
 *   reasm ENCR INTEG SK_E SK_A FRAG...           -> a status per fragment,
 *                                                   then FIRST INNER once
 *                                                   one said done (1)
 *
 * ENCR and INTEG are IKEV2_ENCR_* / IKEV2_INTEG_* numbers, FIRST the type of
 * the chain's first payload. Messages carry the header below (IKE_AUTH,
 * message ID 1, from the initiator) and the SK or SKF payload only.
 * Exit status 0 on success, 1 when refused (with the reason), 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/frag.h"
#include "ike/sk.h"
#include "tests/ike/ike_tool_io.h"

#define SPI_I 0x0123456789abcdefull
#define SPI_R 0xfedcba9876543210ull

static struct ike_buf mb, ib;
static struct ike_msg msg;
static struct ike_err err;
static struct ike_frag_reasm reasm;
static uint8_t bytes[IKEV2_MSG_MAX_BYTES];

static struct ike_sk *sk_arg(char **argv)
{
	static uint8_t e[IKE_ENCR_KEY_MAX_LEN], a[IKE_INTEG_KEY_MAX_LEN];
	size_t e_len = tool_unhex(argv[2], e, sizeof(e));
	size_t a_len = tool_unhex(argv[3], a, sizeof(a));
	struct ike_sk *sk = ike_sk_new((uint16_t)atoi(argv[0]),
				       (uint16_t)atoi(argv[1]), e, e_len, a,
				       a_len);

	xs_wipe(e, sizeof(e));
	xs_wipe(a, sizeof(a));
	if (!sk) {
		fprintf(stderr, "transforms or key lengths refused\n");
		exit(2);
	}
	return sk;
}

/* The chain FIRST INNER as an inner buffer. */
static void inner_arg(char **argv)
{
	ike_buf_init_inner(&ib);
	ib.len = tool_unhex(argv[1], ib.data, sizeof(ib.data));
	ib.first = (uint8_t)atoi(argv[0]);
}

static int refused(const char *what, int rc)
{
	printf("ERR %d %s: %s\n", rc, what,
	       rc == -100 ? err.reason : ike_sk_strerror(rc));
	return 1;
}

static int cmd_seal(struct ike_sk *sk, char **argv)
{
	int rc;

	inner_arg(argv);
	ike_buf_init(&mb, SPI_I, SPI_R, IKEV2_EXCHANGE_IKE_AUTH,
		     IKEV2_FLAG_INITIATOR, 1);
	rc = ike_sk_seal(sk, &mb, &ib);
	if (rc < 0)
		return refused("seal", rc);
	tool_puthex(mb.data, (size_t)rc);
	printf("\n");
	return 0;
}

static int parse_arg(const char *hex)
{
	size_t len = tool_unhex(hex, bytes, sizeof(bytes));

	return ike_msg_parse(bytes, len, &msg, &err) ? -100 : 0;
}

static int cmd_open(struct ike_sk *sk, char **argv)
{
	struct ike_span inner;
	int rc = parse_arg(argv[0]);
	uint8_t i;

	if (!rc)
		rc = ike_sk_open(sk, &msg, bytes, &inner);
	if (rc)
		return refused("open", rc);
	printf("%u ", msg.sk.inner);
	tool_puthex(inner.ptr, inner.len);
	if (ike_msg_parse_inner(&msg, inner.ptr, inner.len, &err))
		return refused("inner", -100);
	for (i = 0; i < msg.npayloads; i++)
		printf(" %u", msg.chain[i]);
	printf("\n");
	return 0;
}

static int emit(void *arg, const uint8_t *m, size_t len)
{
	tool_puthex(m, len);
	printf("\n");
	return 0;
}

static int cmd_frag(struct ike_sk *sk, char **argv)
{
	static struct ike_buf scratch;
	const struct ike_frag_hdr h = {
		SPI_I, SPI_R, IKEV2_EXCHANGE_IKE_AUTH, IKEV2_FLAG_INITIATOR, 1
	};
	int rc;

	inner_arg(argv);
	rc = ike_frag_split(sk, &h, &ib, (size_t)atol(argv[2]), &scratch,
			    emit, NULL);
	return rc < 0 ? refused("frag", rc) : 0;
}

static int cmd_reasm(struct ike_sk *sk, int argc, char **argv)
{
	uint8_t first;
	long len;
	int i, rc = IKE_FRAG_MORE, done = 0;

	ike_frag_reasm_init(&reasm, sizeof(reasm.data));
	for (i = 0; i < argc; i++) {
		rc = parse_arg(argv[i]);
		if (!rc)
			rc = ike_frag_add(&reasm, sk, &msg, bytes, 0);
		printf("%d\n", rc);
		done |= rc == IKE_FRAG_DONE;
	}
	if (!done)
		return refused("reasm", rc);
	len = ike_frag_take(&reasm, ib.data, sizeof(ib.data), &first);
	if (len < 0)
		return refused("take", (int)len);
	printf("%u ", first);
	tool_puthex(ib.data, (size_t)len);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct ike_sk *sk;
	int rc;

	if (argc < 7) {
		fprintf(stderr, "usage: see the comment in ike_sk_tool.c\n");
		return 2;
	}
	sk = sk_arg(argv + 2);
	if (!strcmp(argv[1], "seal") && argc == 8)
		rc = cmd_seal(sk, argv + 6);
	else if (!strcmp(argv[1], "open") && argc == 7)
		rc = cmd_open(sk, argv + 6);
	else if (!strcmp(argv[1], "frag") && argc == 9)
		rc = cmd_frag(sk, argv + 6);
	else if (!strcmp(argv[1], "reasm"))
		rc = cmd_reasm(sk, argc - 6, argv + 6);
	else
		rc = 2;
	ike_sk_free(sk);
	return rc;
}
