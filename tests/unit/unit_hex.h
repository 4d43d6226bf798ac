/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Test vectors written as hex strings, for the cmocka unit tests. */
#ifndef XDPSEC_TESTS_UNIT_UNIT_HEX_H
#define XDPSEC_TESTS_UNIT_UNIT_HEX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

struct hexbuf {
	uint8_t b[1024];
	size_t len;
};

/* Decode a vector; a malformed or oversized one fails the test. */
static inline void unhex(struct hexbuf *out, const char *hex)
{
	size_t n = strlen(hex), i;

	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= sizeof(out->b));
	for (i = 0; i < n / 2; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };
		char *end;

		out->b[i] = (uint8_t)strtoul(byte, &end, 16);
		assert_ptr_equal(end, byte + 2);
	}
	out->len = n / 2;
}

#endif
