// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer harness for the IKEv2 parser: the input is one message for
 * ike_msg_parse(); when it carries an SK or SKF payload, that payload's
 * body is also parsed as the plaintext of the inner chain
 * (ike_msg_parse_inner()), so the seeds with a cleartext inner chain reach
 * every payload type.
 *
 * Invariants (trap on violation): a refusal names one of the notifies the
 * parser may answer with and a reason, UNSUPPORTED_CRITICAL_PAYLOAD names a
 * type the parser does not know; an accepted message has every view inside
 * the input, counts within their limits, proposals whose transforms are in
 * the array, an SK that ends the message; and what the builder makes of
 * the parsed SA and traffic selectors parses back to the same values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ikev2_pld.h"

static struct ike_msg msg, again;
static struct ike_buf out;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_ike_msg: %s (line %d)\n",	\
				#cond, __LINE__);			\
			__builtin_trap();				\
		}							\
	} while (0)

static bool inside(struct ike_span s, const uint8_t *buf, size_t len)
{
	return !s.len || (s.ptr >= buf && s.len <= len &&
			  (size_t)(s.ptr - buf) <= len - s.len);
}

static void check_refusal(const struct ike_err *err)
{
	switch (err->notify) {
	case IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD:
		CHECK(err->payload < IKEV2_PAYLOAD_SA ||
		      (err->payload > IKEV2_PAYLOAD_EAP &&
		       err->payload != IKEV2_PAYLOAD_SKF));
		break;
	case IKEV2_N_INVALID_SYNTAX:
	case IKEV2_N_INVALID_MAJOR_VERSION:
	case IKEV2_N_INVALID_IKE_SPI:
	case IKEV2_N_NO_PROPOSAL_CHOSEN:
	case IKEV2_N_TS_UNACCEPTABLE:
		break;
	default:
		CHECK(!"unexpected notify");
	}
	CHECK(err->reason[0]);
}

/* A view points into the message or into the SK plaintext (buf). */
static bool in_either(struct ike_span s, const uint8_t *buf, size_t len)
{
	return inside(s, msg.buf, msg.len) || inside(s, buf, len);
}

static void check_views(const uint8_t *buf, size_t len)
{
	uint8_t i;

	CHECK(in_either(msg.ke.data, buf, len) &&
	      in_either(msg.nonce, buf, len) &&
	      in_either(msg.idi.body, buf, len) &&
	      in_either(msg.idr.body, buf, len) &&
	      in_either(msg.auth.data, buf, len) &&
	      in_either(msg.cp, buf, len) && in_either(msg.eap, buf, len));
	for (i = 0; i < msg.nnotify; i++)
		CHECK(in_either(msg.notify[i].spi, buf, len) &&
		      in_either(msg.notify[i].data, buf, len));
	for (i = 0; i < msg.nvendor; i++)
		CHECK(in_either(msg.vendor[i], buf, len));
	for (i = 0; i < msg.ncert; i++)
		CHECK(in_either(msg.cert[i].data, buf, len));
	CHECK(msg.npayloads <= IKEV2_MAX_PAYLOADS);
	CHECK(msg.nnotify <= IKEV2_MAX_NOTIFIES &&
	      msg.nvendor <= IKEV2_MAX_VENDORS &&
	      msg.ncert <= IKEV2_MAX_CERTS &&
	      msg.ncertreq <= IKEV2_MAX_CERTREQS &&
	      msg.ndelete <= IKEV2_MAX_DELETES);
	CHECK(msg.sa.nprops <= IKEV2_MAX_PROPOSALS &&
	      msg.sa.nxforms <= IKEV2_MAX_XFORMS);
	for (i = 0; i < msg.sa.nprops; i++)
		CHECK(msg.sa.props[i].first + msg.sa.props[i].nxforms <=
		      msg.sa.nxforms);
	CHECK(msg.tsi.num <= IKEV2_MAX_TS && msg.tsr.num <= IKEV2_MAX_TS);
	if (msg.auth.method == IKEV2_AUTH_DIGITAL_SIGNATURE)
		CHECK(msg.auth.sig.len &&
		      msg.auth.sig.ptr + msg.auth.sig.len ==
		      msg.auth.data.ptr + msg.auth.data.len);
}

/* Traffic selectors rebuilt into an inner chain parse back the same. */
static void check_ts_rebuild(uint8_t pld, const struct ike_ts_pld *tsp)
{
	struct ike_err err;

	if (!tsp->num)
		return;
	ike_buf_init_inner(&out);
	CHECK(!ike_add_ts(&out, pld, tsp->ts, tsp->num));
	CHECK(ike_msg_finalise(&out) > 0);
	memset(&again, 0, sizeof(again));
	again.present = 1u << (IKEV2_PAYLOAD_SK - 32);
	again.sk.inner = pld;
	CHECK(!ike_msg_parse_inner(&again, out.data, out.len, &err));
	CHECK(!memcmp(pld == IKEV2_PAYLOAD_TSI ? &again.tsi : &again.tsr, tsp,
		      sizeof(*tsp)));
}

/* An SA payload rebuilt from what was parsed parses back the same. */
static void check_sa_rebuild(void)
{
	struct ike_err err;
	uint16_t i;

	if (!msg.sa.nprops)
		return;
	for (i = 0; i < msg.sa.nxforms; i++)
		if (msg.sa.xforms[i].unknown_attr)
			return;	/* the builder writes only key lengths */
	ike_buf_init(&out, 1, 0, IKEV2_EXCHANGE_IKE_SA_INIT, 0, 0);
	CHECK(!ike_add_sa(&out, &msg.sa));
	CHECK(ike_msg_finalise(&out) > 0);
	CHECK(!ike_msg_parse(out.data, out.len, &again, &err));
	CHECK(!memcmp(&again.sa, &msg.sa, sizeof(msg.sa)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_err err;

	if (ike_msg_parse(data, size, &msg, &err)) {
		check_refusal(&err);
		return 0;
	}
	CHECK(msg.buf == data && msg.len == size);
	check_views(data, size);
	if (ike_msg_has(&msg, IKEV2_PAYLOAD_SK) ||
	    ike_msg_has(&msg, IKEV2_PAYLOAD_SKF)) {
		CHECK(inside(msg.sk.data, data, size));
		CHECK(msg.sk.aad_len + msg.sk.data.len == size);
		if (ike_msg_parse_inner(&msg, msg.sk.data.ptr, msg.sk.data.len,
					&err)) {
			check_refusal(&err);
			return 0;
		}
		check_views(msg.sk.data.ptr, msg.sk.data.len);
	}
	check_sa_rebuild();
	check_ts_rebuild(IKEV2_PAYLOAD_TSI, &msg.tsi);
	check_ts_rebuild(IKEV2_PAYLOAD_TSR, &msg.tsr);
	return 0;
}
