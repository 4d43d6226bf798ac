// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_decode MSG [INNER]: parse one IKEv2 message (a UDP payload, file MSG)
 * with ike_msg_parse(), and the plaintext of its SK payload (file INNER)
 * with ike_msg_parse_inner(); print what the parser found as one JSON
 * object. Exit status 0 when it parsed, 1 when it was refused (the JSON
 * then says why), 2 on usage or I/O errors. Used by tests/test_ike_codec.py.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ike/ikev2_pld.h"

static uint8_t msgbuf[IKEV2_MSG_MAX_BYTES + 1];
static uint8_t innerbuf[IKEV2_MSG_MAX_BYTES + 1];
static struct ike_msg msg;

static size_t load(const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, IKEV2_MSG_MAX_BYTES + 1, f);
	fclose(f);
	return n;
}

static void hex(const char *key, const uint8_t *p, size_t len)
{
	printf("\"%s\": \"", key);
	while (len--)
		printf("%02x", *p++);
	printf("\"");
}

static void print_sa(const struct ike_sa_pld *sa)
{
	uint16_t i, j;

	printf(", \"sa\": [");
	for (i = 0; i < sa->nprops; i++) {
		const struct ike_proposal *p = &sa->props[i];

		printf("%s{\"num\": %u, \"proto\": %u, ", i ? ", " : "",
		       p->num, p->proto);
		hex("spi", p->spi, p->spi_size);
		printf(", \"xforms\": [");
		for (j = 0; j < p->nxforms; j++) {
			const struct ike_xform *x = &sa->xforms[p->first + j];

			printf("%s[%u, %u, %u]", j ? ", " : "", x->type, x->id,
			       x->key_bits);
		}
		printf("]}");
	}
	printf("]");
}

static void print_notifies(void)
{
	uint8_t i;

	printf(", \"notify\": [");
	for (i = 0; i < msg.nnotify; i++) {
		const struct ike_notify_pld *n = &msg.notify[i];

		printf("%s{\"type\": %u, \"name\": \"%s\", \"proto\": %u, ",
		       i ? ", " : "", n->type,
		       ikev2_name(IKEV2_MAP_NOTIFY, n->type), n->proto);
		hex("spi", n->spi.ptr, n->spi.len);
		printf(", ");
		hex("data", n->data.ptr, n->data.len);
		printf("}");
	}
	printf("]");
}

static void print_ts(const char *key, const struct ike_ts_pld *tsp)
{
	uint8_t i;

	printf(", \"%s\": [", key);
	for (i = 0; i < tsp->num; i++) {
		const struct ike_ts *t = &tsp->ts[i];
		size_t alen = t->type == IKEV2_TS_IPV4_ADDR_RANGE ? 4 : 16;

		printf("%s{\"type\": %u, \"proto\": %u, \"ports\": [%u, %u], ",
		       i ? ", " : "", t->type, t->proto, t->start_port,
		       t->end_port);
		hex("start", t->start, alen);
		printf(", ");
		hex("end", t->end, alen);
		printf("}");
	}
	printf("]");
}

static void print_spans(void)
{
	uint8_t i;

	printf(", \"ke\": {\"group\": %u, \"len\": %zu}", msg.ke.group,
	       msg.ke.data.len);
	printf(", \"nonce_len\": %zu, ", msg.nonce.len);
	hex("nonce", msg.nonce.ptr, msg.nonce.len);
	printf(", \"vendor\": [");
	for (i = 0; i < msg.nvendor; i++) {
		printf("%s{", i ? ", " : "");
		hex("id", msg.vendor[i].ptr, msg.vendor[i].len);
		printf("}");
	}
	printf("], \"certreq\": [");
	for (i = 0; i < msg.ncertreq; i++)
		printf("%s[%u, %zu]", i ? ", " : "", msg.certreq[i].encoding,
		       msg.certreq[i].data.len);
	printf("], \"idi\": {\"type\": %u, ", msg.idi.type);
	hex("data", msg.idi.data.ptr, msg.idi.data.len);
	printf("}, \"auth\": {\"method\": %u, \"len\": %zu}", msg.auth.method,
	       msg.auth.data.len);
	printf(", \"delete\": [");
	for (i = 0; i < msg.ndelete; i++)
		printf("%s[%u, %u, %u]", i ? ", " : "", msg.del[i].proto,
		       msg.del[i].spi_size, msg.del[i].num_spi);
	printf("], \"sk\": {\"inner\": %u, \"len\": %zu, \"frag\": [%u, %u]}",
	       msg.sk.inner, msg.sk.data.len, msg.sk.frag_num,
	       msg.sk.frag_total);
}

static void print_msg(void)
{
	uint8_t i;

	printf("\"spi_i\": \"%016llx\", \"spi_r\": \"%016llx\", "
	       "\"exchange\": %u, \"exchange_name\": \"%s\", \"flags\": %u, "
	       "\"msgid\": %u, \"chain\": [",
	       (unsigned long long)msg.spi_i, (unsigned long long)msg.spi_r,
	       msg.exchange, ikev2_name(IKEV2_MAP_EXCHANGE, msg.exchange),
	       msg.flags, msg.msgid);
	for (i = 0; i < msg.npayloads; i++)
		printf("%s%u", i ? ", " : "", msg.chain[i]);
	printf("]");
	print_sa(&msg.sa);
	print_notifies();
	print_spans();
	print_ts("tsi", &msg.tsi);
	print_ts("tsr", &msg.tsr);
}

int main(int argc, char **argv)
{
	struct ike_err err;
	size_t len, ilen = 0;
	int rc;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s MSG [INNER]\n", argv[0]);
		return 2;
	}
	len = load(argv[1], msgbuf);
	if (argc == 3)
		ilen = load(argv[2], innerbuf);
	rc = ike_msg_parse(msgbuf, len, &msg, &err);
	if (!rc && argc == 3)
		rc = ike_msg_parse_inner(&msg, innerbuf, ilen, &err);
	printf("{\"ok\": %s, ", rc ? "false" : "true");
	if (rc)
		printf("\"error\": %u, \"error_name\": \"%s\", "
		       "\"payload\": %u, \"reason\": \"%s\", ", err.notify,
		       ikev2_name(IKEV2_MAP_NOTIFY, err.notify), err.payload,
		       err.reason);
	print_msg();
	printf("}\n");
	return rc ? 1 : 0;
}
