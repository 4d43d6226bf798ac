/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the IKE codec's unit tests share: the message buffers, and parsing
 * from heap copies of the exact length, so that under ASan (make
 * unit-asan) any read past the end of an input aborts the test.
 */
#ifndef XDPSEC_TESTS_UNIT_IKE_TEST_H
#define XDPSEC_TESTS_UNIT_IKE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ikev2_pld.h"

#define SPI_I 0x0123456789abcdefull

static struct ike_buf mb, ib;	/* a message, the inside of its SK */
static struct ike_msg msg;
static struct ike_err err;

/*
 * A heap copy of exactly len bytes (so ASan sees any over-read), kept until
 * the next copy into the same slot: the parsed message points into it.
 */
static const uint8_t *exact_copy(int slot, const uint8_t *buf, size_t len)
{
	static uint8_t *copies[2];

	free(copies[slot]);
	copies[slot] = malloc(len ? len : 1);
	assert_non_null(copies[slot]);
	memcpy(copies[slot], buf, len);
	return copies[slot];
}

static int parse(const uint8_t *buf, size_t len)
{
	return ike_msg_parse(exact_copy(0, buf, len), len, &msg, &err);
}

static int parse_inner(const uint8_t *buf, size_t len)
{
	return ike_msg_parse_inner(&msg, exact_copy(1, buf, len), len, &err);
}

static void expect_refused(int rc, uint16_t notify)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err.notify, notify);
	assert_true(err.reason[0]);
}

#endif
