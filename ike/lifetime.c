// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Rekey and expiry points with jitter, the 32-bit sequence number limit,
 * and the rekey collision rule (ike/lifetime.h).
 */
#include <string.h>

#include "ike/lifetime.h"

/* rekey (seconds) minus up to rand (seconds) as absolute ms, 0: none. */
static uint64_t rekey_at(uint64_t now, uint32_t rekey, uint32_t rand,
			 uint32_t rnd)
{
	uint64_t ms = (uint64_t)rekey * 1000, jitter = 0;

	if (!rekey)
		return 0;
	if (rand)
		jitter = rnd % ((uint64_t)rand * 1000 + 1);
	/* never at once: at least a second after installing */
	return now + (jitter + 1000 < ms ? ms - jitter : 1000);
}

/* A traffic limit minus up to IKE_JITTER_PERCENT of it, 0: none. */
static uint64_t soft_limit(uint64_t limit, uint32_t rnd)
{
	uint64_t span = limit / 100 * IKE_JITTER_PERCENT +
			limit % 100 * IKE_JITTER_PERCENT / 100;

	if (!limit)
		return 0;
	return limit - (span ? rnd % (span + 1) : 0);
}

static uint64_t min_set(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

void ike_life_child(const struct ike_child_cfg *cfg, bool esn, uint64_t now,
		    const uint32_t rnd[3], struct ike_life *out)
{
	memset(out, 0, sizeof(*out));
	out->rekey_ms = rekey_at(now, cfg->rekey_time, cfg->rand_time, rnd[0]);
	if (cfg->life_time)
		out->expire_ms = now + (uint64_t)cfg->life_time * 1000;
	out->soft_bytes = soft_limit(cfg->rekey_bytes, rnd[1]);
	out->hard_bytes = cfg->life_bytes;
	out->soft_packets = soft_limit(cfg->rekey_packets, rnd[2]);
	out->hard_packets = cfg->life_packets;
	if (!esn) {
		out->hard_packets = min_set(out->hard_packets, IKE_SEQ32_HARD);
		out->soft_packets = min_set(out->soft_packets,
					    IKE_SEQ32_HARD - IKE_SEQ32_MARGIN);
	}
}

uint64_t ike_life_ike_rekey(const struct ike_conn_cfg *conn, uint64_t now,
			    uint32_t rnd)
{
	return rekey_at(now, conn->rekey_time, conn->rand_time, rnd);
}

int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
		  size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* The lower of two nonces. */
static const uint8_t *lower(const uint8_t *a, size_t alen, const uint8_t *b,
			    size_t blen, size_t *len)
{
	bool first = ike_nonce_cmp(a, alen, b, blen) <= 0;

	*len = first ? alen : blen;
	return first ? a : b;
}

bool ike_rekey_lost(const uint8_t *ni_ours, size_t ni_ours_len,
		    const uint8_t *nr_theirs, size_t nr_theirs_len,
		    const uint8_t *ni_theirs, size_t ni_theirs_len,
		    const uint8_t *nr_ours, size_t nr_ours_len)
{
	size_t ol, tl;
	const uint8_t *o = lower(ni_ours, ni_ours_len, nr_theirs,
				 nr_theirs_len, &ol);
	const uint8_t *t = lower(ni_theirs, ni_theirs_len, nr_ours,
				 nr_ours_len, &tl);

	return ike_nonce_cmp(o, ol, t, tl) < 0;
}
