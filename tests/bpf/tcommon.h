/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Shared by the cmocka BPF tests: one harness per test binary, and
 * expect(), which runs a frame once and checks the verdict together with
 * the counter that must have moved (exactly one action per packet, and
 * the drop reason for drops).
 */
#ifndef XDPSEC_TESTS_BPF_TCOMMON_H
#define XDPSEC_TESTS_BPF_TCOMMON_H

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "tests/bpf/harness.h"

enum { TC_OK = 0, TC_SHOT = 2, TC_REDIRECT = 7 };

static uint64_t all_actions(struct xs_bpf *b, unsigned int hook)
{
	uint64_t n = 0;
	unsigned int a;

	for (a = 0; a < XS_ACT__MAX; a++)
		n += xs_bpf_action(b, hook, a);
	return n;
}

/* Run frame once through prog; check verdict, action and drop reason. */
#define expect_run(...) expect_at(__FILE__, __LINE__, __VA_ARGS__)
static inline void expect_at(const char *file, int line, struct xs_bpf *b,
			     int prog, unsigned int hook, const uint8_t *frame,
			     size_t len, int verdict, unsigned int act,
			     unsigned int reason)
{
	uint64_t acts = all_actions(b, hook);
	uint64_t a0 = xs_bpf_action(b, hook, act);
	uint64_t r0 = xs_bpf_drop(b, hook, reason);

	_assert_int_equal(xs_bpf_run(prog, frame, len, 1, NULL), verdict,
			  file, line);
	_assert_int_equal(all_actions(b, hook) - acts, 1, file, line);
	_assert_int_equal(xs_bpf_action(b, hook, act) - a0, 1, file, line);
	if (act == XS_ACT_DROP)
		_assert_int_equal(xs_bpf_drop(b, hook, reason) - r0, 1, file,
				  line);
}

static inline void addr4(uint8_t *a, uint8_t x, uint8_t y, uint8_t z,
			 uint8_t w)
{
	memset(a, 0, 16);
	a[0] = x;
	a[1] = y;
	a[2] = z;
	a[3] = w;
}

/* 2001:db8:x::y */
static inline void addr6(uint8_t *a, uint8_t x, uint8_t y)
{
	static const uint8_t base[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	memcpy(a, base, 16);
	a[5] = x;
	a[15] = y;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

#endif
