/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Inbound sequence numbers: anti-replay window (RFC 4303 section 3.4.3) and
 * extended sequence number inference (RFC 4303 Appendix A). The check is
 * cheap and changes nothing, so it runs before the ICV; the window moves only
 * in xs_replay_advance(), after the ICV has verified.
 */
#ifndef XDPSEC_ENGINE_REPLAY_H
#define XDPSEC_ENGINE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "../maps/drop_reasons.h"

enum {
	XS_REPLAY_MAX_WINDOW = 65536,	/* packets; 0 turns the check off */
};

struct xs_replay {
	uint64_t top;		/* highest sequence number accepted (64 bits) */
	uint32_t window;	/* configured size in packets, 0 = off */
	uint32_t nwords;	/* bitmap words, a power of two */
	bool esn;		/* 64-bit sequence numbers */
	uint64_t *bitmap;	/* ring: bit (seq % (nwords*64)); NULL if off */
};

/*
 * window: 0..XS_REPLAY_MAX_WINDOW. top: highest number already received
 * (0 = none yet; without ESN at most 2^32 - 1). top itself counts as seen,
 * the numbers below it inside the window as not seen (an SA picked up in the
 * middle of a stream). Number 0 is never valid: it counts as seen from the
 * start. 0, -EINVAL for a bad window or top, -ENOMEM; the bitmap is the only
 * allocation.
 */
int xs_replay_init(struct xs_replay *r, uint32_t window, bool esn,
		   uint64_t top);
void xs_replay_destroy(struct xs_replay *r);

/*
 * Given the 32 bits on the wire, infer the full sequence number (high bits
 * from the window position when ESN is on) into *seq and say whether it may
 * be accepted: XS_OK, XS_DROP_REPLAY (seen already) or XS_DROP_TOO_OLD
 * (left of the window). Without ESN, sequence number 0 is never valid; with
 * ESN only the 64-bit number 0 is invalid (low bits 0 are fine past the first
 * 2^32). With window 0 nothing is checked except number 0, and the ESN
 * high bits put the number within 2^31 of top (a tie, exactly 2^31 away,
 * goes forward). Changes nothing in r.
 */
enum xs_drop xs_replay_check(const struct xs_replay *r, uint32_t seq_lo,
			     uint64_t *seq);

/*
 * Record seq as received (after the ICV verified; seq came from check). A
 * number above top becomes the new top; one left of the window is ignored.
 */
void xs_replay_advance(struct xs_replay *r, uint64_t seq);

#endif
