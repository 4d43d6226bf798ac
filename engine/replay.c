// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Anti-replay window (RFC 4303 section 3.4.3) kept as a ring of 64-bit
 * words in the manner of RFC 6479: bit (seq % ring_bits) says whether seq
 * was received. The ring has one word more than the window needs, rounded
 * up to a power of two, so moving the top clears whole words and a word
 * that holds part of the window is never shared with the next turn of the
 * ring. Checking is O(1); moving costs one store per word passed, at most
 * the ring size. ESN high bits are inferred per RFC 4303 Appendix A2.2.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

enum {
	WORD_BITS = 64,
	WORD_SHIFT = 6,
	NO_WINDOW_SPAN = 1u << 31,	/* window 0: half the 32-bit space back */
};

static uint32_t ring_words(uint32_t window)
{
	uint32_t need = (window + WORD_BITS - 1) / WORD_BITS + 1;
	uint32_t n = 1;

	while (n < need)
		n <<= 1;
	return n;
}

int xs_replay_init(struct xs_replay *r, uint32_t window, bool esn,
		   uint64_t top)
{
	memset(r, 0, sizeof(*r));
	if (window > XS_REPLAY_MAX_WINDOW || (!esn && top > UINT32_MAX))
		return -EINVAL;
	r->top = top;
	r->window = window;
	r->esn = esn;
	if (!window)
		return 0;
	r->nwords = ring_words(window);
	r->bitmap = calloc(r->nwords, sizeof(*r->bitmap));
	if (!r->bitmap) {
		r->nwords = 0;
		return -ENOMEM;
	}
	if (top)
		xs_replay_advance(r, top);
	return 0;
}

void xs_replay_destroy(struct xs_replay *r)
{
	free(r->bitmap);
	memset(r, 0, sizeof(*r));
}

/*
 * RFC 4303 A2.2 with a window of span packets below top: the low bits at or
 * above the window bottom belong to the subspace that holds the bottom, the
 * ones below it to the next. At the ends of the 64-bit space the only
 * representable candidate is kept (there is no subspace before 0 or after
 * 2^64 - 2^32).
 */
static uint64_t infer_esn(uint64_t top, uint32_t span, uint32_t seq_lo)
{
	uint32_t tl = (uint32_t)top, th = (uint32_t)(top >> 32);
	uint32_t bottom_lo = tl - span + 1;
	uint32_t hi = th;

	if (tl >= span - 1) {
		if (seq_lo < bottom_lo && th != UINT32_MAX)
			hi = th + 1;
	} else {
		if (seq_lo >= bottom_lo && th != 0)
			hi = th - 1;
	}
	return (uint64_t)hi << 32 | seq_lo;
}

static bool bit_is_set(const struct xs_replay *r, uint64_t seq)
{
	uint64_t word = r->bitmap[(seq >> WORD_SHIFT) & (r->nwords - 1)];

	return word >> (seq & (WORD_BITS - 1)) & 1;
}

enum xs_drop xs_replay_check(const struct xs_replay *r, uint32_t seq_lo,
			     uint64_t *seq)
{
	uint64_t s = seq_lo;

	if (r->esn)
		s = infer_esn(r->top, r->window ? r->window : NO_WINDOW_SPAN,
			      seq_lo);
	*seq = s;
	if (!r->window)
		return s ? XS_OK : XS_DROP_REPLAY;
	if (s > r->top)
		return XS_OK;
	if (r->top - s >= r->window)
		return XS_DROP_TOO_OLD;
	if (!s || bit_is_set(r, s))
		return XS_DROP_REPLAY;
	return XS_OK;
}

/* Clear the words top passes on its way up to seq, at most the whole ring. */
static void slide(struct xs_replay *r, uint64_t seq)
{
	uint64_t from = r->top >> WORD_SHIFT;
	uint64_t words = (seq >> WORD_SHIFT) - from;
	uint32_t mask = r->nwords - 1;

	if (words > r->nwords)
		words = r->nwords;
	for (uint64_t i = 1; i <= words; i++)
		r->bitmap[(from + i) & mask] = 0;
	r->top = seq;
}

void xs_replay_advance(struct xs_replay *r, uint64_t seq)
{
	if (!r->window) {
		if (seq > r->top)
			r->top = seq;
		return;
	}
	if (seq > r->top)
		slide(r, seq);
	else if (r->top - seq >= r->window)
		return;
	r->bitmap[(seq >> WORD_SHIFT) & (r->nwords - 1)] |=
		1ull << (seq & (WORD_BITS - 1));
}
