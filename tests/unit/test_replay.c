// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Anti-replay window and ESN inference (engine/replay.c) against RFC 4303
 * section 3.4.3 and Appendix A2.2, hand-worked cases, and a reference model
 * that keeps every accepted 64-bit number in a set.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/replay.h"

#define TWO32 (1ull << 32)

static const uint32_t sizes[] = { 1, 32, 63, 64, 65, 128, 1024, 4096, 65536 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void replay_new(struct xs_replay *r, uint32_t window, bool esn,
		       uint64_t top)
{
	assert_int_equal(xs_replay_init(r, window, esn, top), 0);
}

/* Check the 32 bits seq_lo, expecting the full number want_seq and want. */
static void expect(const struct xs_replay *r, uint32_t seq_lo,
		   uint64_t want_seq, enum xs_drop want)
{
	uint64_t seq = 0xdeadbeefdeadbeefull;

	assert_int_equal(xs_replay_check(r, seq_lo, &seq), want);
	assert_int_equal(seq, want_seq);
}

/* A packet with these low bits passes the check and the ICV. */
static void receive(struct xs_replay *r, uint32_t seq_lo, uint64_t want_seq)
{
	expect(r, seq_lo, want_seq, XS_OK);
	xs_replay_advance(r, want_seq);
	expect(r, seq_lo, want_seq, XS_DROP_REPLAY);
}

/*
 * What the SA says when the full number n is sent. With ESN a number left of
 * the window is taken as one in the next 2^32 (RFC 4303 A2.2): it passes the
 * check and only the ICV can reject it.
 */
static void expect_n(const struct xs_replay *r, uint64_t n, enum xs_drop want)
{
	if (r->esn && want == XS_DROP_TOO_OLD)
		expect(r, (uint32_t)n, n + TWO32, XS_OK);
	else
		expect(r, (uint32_t)n, n, want);
}

/* ---- init, geometry, destroy ------------------------------------------- */

static void test_init_errors(void **state)
{
	static const struct xs_replay zero;
	struct xs_replay r;

	assert_int_equal(xs_replay_init(&r, XS_REPLAY_MAX_WINDOW + 1, false, 0),
			 -EINVAL);
	assert_memory_equal(&r, &zero, sizeof(r));
	assert_int_equal(xs_replay_init(&r, UINT32_MAX, true, 0), -EINVAL);
	assert_null(r.bitmap);
	assert_int_equal(xs_replay_init(&r, 64, false, TWO32), -EINVAL);
	assert_null(r.bitmap);
	replay_new(&r, 64, false, TWO32 - 1);
	xs_replay_destroy(&r);
	replay_new(&r, 64, true, TWO32);
	xs_replay_destroy(&r);
	replay_new(&r, XS_REPLAY_MAX_WINDOW, true, UINT64_MAX);
	expect(&r, UINT32_MAX, UINT64_MAX, XS_DROP_REPLAY);
	/* no subspace after the last one: left of the window is too old */
	expect(&r, 0, UINT64_MAX - UINT32_MAX, XS_DROP_TOO_OLD);
	xs_replay_destroy(&r);
}

static void test_geometry(void **state)
{
	static const uint32_t want_words[NSIZES] = {
		2, 2, 2, 2, 4, 4, 32, 128, 2048
	};
	struct xs_replay r;

	for (size_t i = 0; i < NSIZES; i++) {
		replay_new(&r, sizes[i], false, 0);
		assert_int_equal(r.window, sizes[i]);
		assert_int_equal(r.nwords, want_words[i]);
		/* one spare word beyond what the window covers */
		assert_true((uint64_t)(r.nwords - 1) * 64 >= sizes[i]);
		assert_non_null(r.bitmap);
		xs_replay_destroy(&r);
	}
	replay_new(&r, 0, true, 7);
	assert_int_equal(r.nwords, 0);
	assert_null(r.bitmap);
	xs_replay_destroy(&r);
}

static void test_destroy_zeroes(void **state)
{
	static const struct xs_replay zero;
	struct xs_replay r;

	replay_new(&r, 1024, true, 5000);
	xs_replay_destroy(&r);
	assert_memory_equal(&r, &zero, sizeof(r));
	replay_new(&r, 0, false, 0);
	xs_replay_destroy(&r);
	assert_memory_equal(&r, &zero, sizeof(r));
}

/* top itself is seen; the numbers below it in the window are not. */
static void test_init_top_seen(void **state)
{
	struct xs_replay r;

	for (int esn = 0; esn <= 1; esn++) {
		replay_new(&r, 64, esn, 1000);
		expect_n(&r, 1000, XS_DROP_REPLAY);
		expect_n(&r, 999, XS_OK);
		expect_n(&r, 937, XS_OK);
		expect_n(&r, 936, XS_DROP_TOO_OLD);
		expect_n(&r, 1001, XS_OK);
		xs_replay_destroy(&r);

		replay_new(&r, 64, esn, 0);
		expect_n(&r, 0, XS_DROP_REPLAY);
		receive(&r, 1, 1);
		receive(&r, 3, 3);
		receive(&r, 2, 2);
		expect_n(&r, 0, XS_DROP_REPLAY);
		xs_replay_destroy(&r);
	}
}

/* ---- window edges, duplicates, jumps ------------------------------------ */

static void check_edges(uint32_t w, bool esn, uint64_t t)
{
	struct xs_replay r;

	replay_new(&r, w, esn, t);
	expect_n(&r, t, XS_DROP_REPLAY);
	expect_n(&r, t + 1, XS_OK);
	expect_n(&r, t - w, XS_DROP_TOO_OLD);
	expect_n(&r, t - w - 1, XS_DROP_TOO_OLD);
	if (w > 1) {
		expect_n(&r, t - w + 1, XS_OK);
		receive(&r, (uint32_t)(t - w + 1), t - w + 1);
		expect_n(&r, t - w + 2, w > 2 ? XS_OK : XS_DROP_REPLAY);
	}
	xs_replay_destroy(&r);
}

static void test_window_edges(void **state)
{
	for (size_t i = 0; i < NSIZES; i++) {
		uint64_t base = 64ull * (sizes[i] / 64 + 5) * 3;

		for (uint64_t off = 0; off < 3; off++) {
			uint64_t t = base + (off == 2 ? 63 : off);

			check_edges(sizes[i], false, t);
			check_edges(sizes[i], true, t);
			check_edges(sizes[i], true, 5 * TWO32 + t);
		}
	}
}

/* Receive every third number of the window, then look at all of them. */
static void test_duplicates_in_window(void **state)
{
	struct xs_replay r;

	for (size_t i = 0; i < NSIZES; i++) {
		uint32_t w = sizes[i];
		uint64_t t = 3ull * w + 101;

		replay_new(&r, w, false, t);
		for (uint64_t n = t - w + 1; n < t; n++)
			if (n % 3 == 0)
				xs_replay_advance(&r, n);
		for (uint64_t n = t - w + 1; n <= t; n++)
			expect_n(&r, n, n % 3 == 0 || n == t ?
				 XS_DROP_REPLAY : XS_OK);
		expect_n(&r, t - w, XS_DROP_TOO_OLD);
		xs_replay_destroy(&r);
	}
}

/*
 * Receive every number up to t (so every ring slot has held a 1), jump by
 * j, then every number of the new window must read as what really happened:
 * nothing from before the jump may show through as seen.
 */
static void check_jump(uint32_t w, bool esn, uint64_t t, uint64_t j)
{
	struct xs_replay r;
	uint64_t from, top = t + j;

	replay_new(&r, w, esn, 0);
	from = t - 2 * 64 * (uint64_t)r.nwords;
	for (uint64_t n = from; n <= t; n++)
		xs_replay_advance(&r, n);
	receive(&r, (uint32_t)top, top);
	assert_int_equal(r.top, top);
	for (uint64_t n = top - w - 2; n <= top + 2; n++) {
		enum xs_drop want = XS_OK;

		if (n <= top && top - n >= w)
			want = XS_DROP_TOO_OLD;
		else if (n <= t || n == top)
			want = XS_DROP_REPLAY;
		expect_n(&r, n, want);
	}
	xs_replay_destroy(&r);
}

static void test_jumps(void **state)
{
	for (size_t i = 0; i < NSIZES; i++) {
		uint64_t w = sizes[i];
		const uint64_t jumps[] = { w - 1, w, w + 1, 63, 64, 65, 10 * w,
					   1, 2 * 64 * 2048 + 1 };

		for (size_t k = 0; k < sizeof(jumps) / sizeof(jumps[0]); k++) {
			if (!jumps[k])
				continue;
			check_jump(sizes[i], false, 300000, jumps[k]);
			check_jump(sizes[i], false, 300063, jumps[k]);
			check_jump(sizes[i], true, 8 * TWO32 + 300000,
				   jumps[k]);
		}
	}
}

/* Sliding costs at most one pass over the ring, however far top moves. */
static void test_huge_jump(void **state)
{
	struct xs_replay r;

	replay_new(&r, 65536, true, 1);
	for (uint64_t n = 2; n < 70000; n++)
		xs_replay_advance(&r, n);
	xs_replay_advance(&r, 1ull << 62);
	assert_int_equal(r.top, 1ull << 62);
	for (uint32_t k = 0; k < r.nwords; k++)
		assert_int_equal(r.bitmap[k], k ? 0 : 1);
	expect(&r, 0xffffffff, (1ull << 62) - 1, XS_OK);
	xs_replay_destroy(&r);
}

/* A number left of the window changes nothing, even given to advance. */
static void test_advance_too_old_ignored(void **state)
{
	struct xs_replay r;
	uint64_t *copy;

	replay_new(&r, 128, false, 1000);
	copy = malloc(r.nwords * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, r.bitmap, r.nwords * sizeof(*copy));
	xs_replay_advance(&r, 1000 - 128);
	xs_replay_advance(&r, 1000 - 256);
	assert_int_equal(r.top, 1000);
	assert_memory_equal(copy, r.bitmap, r.nwords * sizeof(*copy));
	free(copy);
	xs_replay_destroy(&r);
}

/* ---- ESN: RFC 4303 Appendix A2.2 ---------------------------------------- */

static void test_esn_rollover(void **state)
{
	struct xs_replay r;

	replay_new(&r, 64, true, TWO32 - 5);
	receive(&r, 3, TWO32 + 3);
	/* window now spans the boundary: 0xfffffffe is still inside */
	receive(&r, 0xfffffffe, TWO32 - 2);
	expect(&r, 0xfffffffb, TWO32 - 5, XS_DROP_REPLAY);
	/* low bits 0 are a real number past the first 2^32 */
	receive(&r, 0, TWO32);
	/* window bottom is 2^32 + 3 - 63 */
	receive(&r, 0xffffffc4, TWO32 - 60);
	expect(&r, 0xffffffc3, 2 * TWO32 - 61, XS_OK);
	assert_int_equal(r.top, TWO32 + 3);
	xs_replay_destroy(&r);
}

/* Case A: Tl >= W - 1, the window lies inside one 2^32 subspace. */
static void test_esn_case_a(void **state)
{
	struct xs_replay r;

	replay_new(&r, 1024, true, TWO32 + 5000);
	expect(&r, 3977, TWO32 + 3977, XS_OK);		/* bottom */
	expect(&r, 3976, 2 * TWO32 + 3976, XS_OK);	/* below: next */
	expect(&r, 5000, TWO32 + 5000, XS_DROP_REPLAY);
	expect(&r, 6000, TWO32 + 6000, XS_OK);
	expect(&r, UINT32_MAX, TWO32 + UINT32_MAX, XS_OK);
	xs_replay_destroy(&r);
	/* Tl == W - 1 exactly is still case A */
	replay_new(&r, 1024, true, 3 * TWO32 + 1023);
	expect(&r, 0, 3 * TWO32, XS_OK);
	expect(&r, UINT32_MAX, 3 * TWO32 + UINT32_MAX, XS_OK);
	xs_replay_destroy(&r);
}

/* Case B: Tl < W - 1, the window spans a 2^32 boundary. */
static void test_esn_case_b(void **state)
{
	struct xs_replay r;

	replay_new(&r, 1024, true, TWO32 + 100);
	expect(&r, 0xfffffc65, TWO32 - 923, XS_OK);		/* bottom */
	expect(&r, 0xfffffc64, 2 * TWO32 - 924, XS_OK);	/* below: ahead */
	expect(&r, 50, TWO32 + 50, XS_OK);
	expect(&r, 100, TWO32 + 100, XS_DROP_REPLAY);
	expect(&r, 101, TWO32 + 101, XS_OK);
	receive(&r, 0xfffffc65, TWO32 - 923);
	receive(&r, UINT32_MAX, TWO32 - 1);
	receive(&r, 0, TWO32);
	xs_replay_destroy(&r);
	/* first subspace: there is nothing before 0, so the high bits stay 0 */
	replay_new(&r, 64, true, 0);
	expect(&r, 0, 0, XS_DROP_REPLAY);
	expect(&r, UINT32_MAX, UINT32_MAX, XS_OK);
	receive(&r, 1, 1);
	xs_replay_destroy(&r);
}

static void test_esn_near_2_33(void **state)
{
	struct xs_replay r;

	replay_new(&r, 128, true, 2 * TWO32 + 5);
	receive(&r, 0xfffffff0, 2 * TWO32 - 16);
	receive(&r, 10, 2 * TWO32 + 10);
	expect(&r, 5, 2 * TWO32 + 5, XS_DROP_REPLAY);
	expect(&r, 0xffffff8b, 2 * TWO32 - 117, XS_OK);	/* bottom */
	expect(&r, 0xffffff8a, 3 * TWO32 - 118, XS_OK);
	xs_replay_destroy(&r);
	replay_new(&r, 128, true, 2 * TWO32 - 3);
	receive(&r, 2, 2 * TWO32 + 2);
	receive(&r, 0xfffffffe, 2 * TWO32 - 2);
	expect(&r, 0xfffffffd, 2 * TWO32 - 3, XS_DROP_REPLAY);
	xs_replay_destroy(&r);
}

/* Window 0: no replay check, but the high bits still follow top. */
static void test_esn_window0_inference(void **state)
{
	struct xs_replay r;

	replay_new(&r, 0, true, 2 * TWO32 + 5);
	expect(&r, 0xfffffff0, 2 * TWO32 - 16, XS_OK);
	expect(&r, 5, 2 * TWO32 + 5, XS_OK);
	expect(&r, 0x80000004, 2 * TWO32 + 0x80000004, XS_OK);
	expect(&r, 0x80000005, 2 * TWO32 + 0x80000005, XS_OK);	/* tie */
	expect(&r, 0x80000006, TWO32 + 0x80000006, XS_OK);
	xs_replay_advance(&r, 2 * TWO32 + 0x80000005);
	assert_int_equal(r.top, 2 * TWO32 + 0x80000005);
	xs_replay_advance(&r, 2 * TWO32);
	assert_int_equal(r.top, 2 * TWO32 + 0x80000005);
	expect(&r, 0, 3 * TWO32, XS_OK);
	xs_replay_destroy(&r);

	replay_new(&r, 0, true, TWO32 - 1);
	expect(&r, 0, TWO32, XS_OK);
	expect(&r, 0x7fffffff, TWO32 + 0x7fffffff, XS_OK);	/* tie */
	expect(&r, 0x80000000, 0x80000000, XS_OK);
	xs_replay_destroy(&r);

	replay_new(&r, 0, true, 5);
	expect(&r, 0xfffffff0, 0xfffffff0, XS_OK);
	expect(&r, 0, 0, XS_DROP_REPLAY);
	expect(&r, 1, 1, XS_OK);
	xs_replay_destroy(&r);

	replay_new(&r, 0, true, UINT64_MAX - 10);
	expect(&r, 0x10, UINT64_MAX - UINT32_MAX + 0x10, XS_OK);
	xs_replay_destroy(&r);
}

/* ---- without ESN -------------------------------------------------------- */

static void test_non_esn_zero_and_max(void **state)
{
	struct xs_replay r;

	replay_new(&r, 64, false, 0);
	expect(&r, 0, 0, XS_DROP_REPLAY);
	xs_replay_destroy(&r);
	replay_new(&r, 64, false, 1000000);
	expect(&r, 0, 0, XS_DROP_TOO_OLD);
	xs_replay_destroy(&r);

	replay_new(&r, 64, false, 0xfffffff0);
	receive(&r, UINT32_MAX, UINT32_MAX);
	expect(&r, 0, 0, XS_DROP_TOO_OLD);		/* no wrap */
	expect(&r, 0xffffffc0, 0xffffffc0, XS_OK);	/* bottom */
	expect(&r, 0xffffffbf, 0xffffffbf, XS_DROP_TOO_OLD);
	receive(&r, 0xfffffff1, 0xfffffff1);
	expect(&r, 0xfffffff0, 0xfffffff0, XS_DROP_REPLAY);
	xs_replay_destroy(&r);

	/* window 0: only 0 is refused, duplicates pass, top still moves */
	replay_new(&r, 0, false, 0);
	expect(&r, 0, 0, XS_DROP_REPLAY);
	expect(&r, 7, 7, XS_OK);
	xs_replay_advance(&r, 7);
	assert_int_equal(r.top, 7);
	expect(&r, 7, 7, XS_OK);
	expect(&r, 3, 3, XS_OK);
	xs_replay_advance(&r, 3);
	assert_int_equal(r.top, 7);
	expect(&r, UINT32_MAX, UINT32_MAX, XS_OK);
	xs_replay_destroy(&r);
}

/* ---- the check is read-only --------------------------------------------- */

static void check_leaves_state(uint32_t w, bool esn, uint64_t top)
{
	struct xs_replay r, before;
	size_t bytes;
	uint64_t *bits, seq;

	replay_new(&r, w, esn, top);
	for (uint64_t n = top - w / 2; n > top - w && n < top; n += 3)
		xs_replay_advance(&r, n);
	before = r;
	bytes = r.nwords * sizeof(*bits);
	bits = malloc(bytes + 1);
	assert_non_null(bits);
	if (bytes)
		memcpy(bits, r.bitmap, bytes);
	for (uint64_t d = 0; d < 3ull * w + 300; d++) {
		xs_replay_check(&r, (uint32_t)(top - w - 100 + d), &seq);
		xs_replay_check(&r, (uint32_t)(d * 0x9e3779b9u), &seq);
	}
	xs_replay_check(&r, 0, &seq);
	assert_memory_equal(&r, &before, sizeof(r));
	if (bytes)
		assert_memory_equal(bits, r.bitmap, bytes);
	free(bits);
	xs_replay_destroy(&r);
}

static void test_check_read_only(void **state)
{
	for (size_t i = 0; i < NSIZES; i++) {
		check_leaves_state(sizes[i], false, 200000);
		check_leaves_state(sizes[i], true, TWO32 + 10);
	}
	check_leaves_state(0, true, 3 * TWO32 + 1);
	check_leaves_state(0, false, 77);
}

/* ---- differential test against a reference model ------------------------ */

/*
 * The model: the set of every number accepted (0 and the initial top are in
 * it from the start) and the highest one. ESN high bits: the candidate in
 * subspace Th-1, Th or Th+1 that is the first at or above the window bottom
 * (top - W + 1; window 0 looks 2^31 back), never below 0 or above 2^64 - 1.
 */
enum { SET_BITS = 18, SET_SIZE = 1 << SET_BITS, RECENT = 64 };

struct model {
	uint64_t top;
	uint32_t window;
	bool esn;
	bool jumps;		/* traffic may leap ahead, not just trickle */
	uint64_t *keys;
	bool *used;
};

static bool model_slot(const struct model *m, uint64_t n, size_t *slot)
{
	size_t i = (size_t)((n * 0x9e3779b97f4a7c15ull) >> (64 - SET_BITS));

	while (m->used[i] && m->keys[i] != n)
		i = (i + 1) & (SET_SIZE - 1);
	*slot = i;
	return m->used[i];
}

static void model_add(struct model *m, uint64_t n)
{
	size_t i;

	if (!model_slot(m, n, &i)) {
		m->used[i] = true;
		m->keys[i] = n;
	}
	if (n > m->top)
		m->top = n;
}

static uint64_t model_infer(const struct model *m, uint32_t lo)
{
	__int128 span = m->window ? m->window : (__int128)1 << 31;
	__int128 bottom = (__int128)m->top - span + 1;
	int64_t th = (int64_t)(m->top >> 32);

	if (!m->esn)
		return lo;
	if (bottom < 0)
		bottom = 0;
	for (int64_t h = th - 1; h <= th + 1; h++) {
		__int128 c = (__int128)h * TWO32 + lo;

		if (h >= 0 && h <= UINT32_MAX && c >= bottom)
			return (uint64_t)c;
	}
	return (uint64_t)th << 32 | lo;
}

static enum xs_drop model_verdict(const struct model *m, uint64_t n)
{
	size_t slot;

	if (!m->window)
		return n ? XS_OK : XS_DROP_REPLAY;
	if ((unsigned __int128)n + m->window <= m->top)
		return XS_DROP_TOO_OLD;
	return model_slot(m, n, &slot) ? XS_DROP_REPLAY : XS_OK;
}

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

/* d before t; nothing is sent before 0, so that one stands for them all. */
static uint64_t back(uint64_t t, uint64_t d)
{
	return d > t ? 0 : t - d;
}

/*
 * The number a peer sends next: mostly in order, some late, some replays,
 * some random bits that an attacker made up (*forged: the ICV will fail).
 */
static uint64_t next_number(const struct model *m, const uint64_t *recent,
			    uint64_t nbits, bool *forged)
{
	uint64_t t = m->top, w = m->window;

	*forged = false;
	switch (rnd() % 20) {
	case 0 ... 7:	return t + 1 + rnd() % 4;
	case 8 ... 11:	return back(t, rnd() % (w + 16));
	case 12 ... 13:	return recent[rnd() % RECENT];
	case 14 ... 15:	return t + rnd() % (m->jumps ? 2 * w + 2 : 4);
	case 16:	return t + rnd() % (m->jumps ? 3 * nbits + 1 : 4);
	case 17:	return back(t, w + rnd() % (4 * w + 64));
	case 18:	*forged = true;
			return rnd();
	default:	if (m->jumps && rnd() % 4096 == 0)
				return t + rnd() % (1u << 31);
			return t + 1;
	}
}

static void state_unchanged(const struct xs_replay *r,
			    const struct xs_replay *before, uint64_t *bits)
{
	size_t bytes = r->nwords * sizeof(*bits);

	assert_memory_equal(r, before, sizeof(*r));
	if (bytes)
		assert_memory_equal(r->bitmap, bits, bytes);
}

struct diff_run {
	uint64_t accepted;	/* packets that passed and were advanced */
	uint64_t late_across;	/* checked below 2^32 while top was above */
};

/* One check against the model; on XS_OK, advance nine times out of ten. */
static void diff_step(struct xs_replay *r, struct model *m, uint64_t *recent,
		      uint64_t *bits, bool snapshot, struct diff_run *run)
{
	bool forged;
	uint64_t sent = next_number(m, recent, 64ull * r->nwords, &forged);
	uint64_t want_seq = model_infer(m, (uint32_t)sent), seq;
	enum xs_drop want = model_verdict(m, want_seq), got;
	struct xs_replay before = *r;

	/* wrong high bits fail the ESN ICV; non-ESN peers stop at 2^32 - 1 */
	forged |= want_seq != sent;

	if (snapshot && r->nwords)
		memcpy(bits, r->bitmap, r->nwords * sizeof(*bits));
	got = xs_replay_check(r, (uint32_t)sent, &seq);
	if (snapshot)
		state_unchanged(r, &before, bits);
	assert_int_equal(seq, want_seq);
	assert_int_equal(got, want);
	if (seq < TWO32 && m->top >= TWO32)
		run->late_across++;
	if (got != XS_OK || forged || rnd() % 10 == 0)
		return;
	xs_replay_advance(r, seq);
	model_add(m, seq);
	recent[rnd() % RECENT] = seq;
	run->accepted++;
	assert_int_equal(r->top, m->top);
}

static struct diff_run differential(uint32_t w, bool esn, bool jumps,
				    uint64_t start, uint64_t seed, int ops)
{
	struct model m = {
		.top = start, .window = w, .esn = esn, .jumps = jumps
	};
	struct diff_run run = { 0 };
	uint64_t recent[RECENT], *bits;
	struct xs_replay r;

	replay_new(&r, w, esn, start);
	m.keys = calloc(SET_SIZE, sizeof(*m.keys));
	m.used = calloc(SET_SIZE, sizeof(*m.used));
	bits = calloc(r.nwords + 1, sizeof(*bits));
	assert_true(m.keys && m.used && bits);
	model_add(&m, 0);
	model_add(&m, start);
	for (int i = 0; i < RECENT; i++)
		recent[i] = start;
	rnd_state = seed;
	for (int i = 0; i < ops; i++)
		diff_step(&r, &m, recent, bits, i % 512 == 0, &run);
	free(bits);
	free(m.used);
	free(m.keys);
	xs_replay_destroy(&r);
	return run;
}

enum { DIFF_OPS = 100000 };

static void test_differential(void **state)
{
	uint64_t seed = 0x5eed0001;

	for (size_t i = 0; i <= NSIZES; i++) {
		uint32_t w = i < NSIZES ? sizes[i] : 0;
		uint64_t late = 0;
		struct diff_run run;

		run = differential(w, false, true, 0, seed++, DIFF_OPS);
		assert_true(run.accepted > DIFF_OPS / 4);
		differential(w, false, true, TWO32 - w - 3000, seed++,
			     DIFF_OPS);
		run = differential(w, true, true, 0, seed++, DIFF_OPS);
		assert_true(run.accepted > DIFF_OPS / 4);
		run = differential(w, true, true, TWO32 - w, seed++, DIFF_OPS);
		assert_true(run.accepted > DIFF_OPS / 4);
		differential(w, true, true, 2 * TWO32 - w / 2 - 1, seed++,
			     DIFF_OPS);
		/* trickling across 2^32, many times: late packets from below */
		for (int done = 0; done < DIFF_OPS; done += 2 * w + 400)
			late += differential(w, true, false, TWO32 - w, seed++,
					     2 * w + 400).late_across;
		if (w >= 32)
			assert_true(late > 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_destroy_zeroes),
		cmocka_unit_test(test_init_top_seen),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_duplicates_in_window),
		cmocka_unit_test(test_jumps),
		cmocka_unit_test(test_huge_jump),
		cmocka_unit_test(test_advance_too_old_ignored),
		cmocka_unit_test(test_esn_rollover),
		cmocka_unit_test(test_esn_case_a),
		cmocka_unit_test(test_esn_case_b),
		cmocka_unit_test(test_esn_near_2_33),
		cmocka_unit_test(test_esn_window0_inference),
		cmocka_unit_test(test_non_esn_zero_and_max),
		cmocka_unit_test(test_check_read_only),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
