// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * IKEv2 fragmentation (RFC 7383). Splitting cuts the inner chain into equal
 * pieces (the last shorter), as many bytes as fit a fragment after the
 * headers and the protection's overhead. Reassembly keeps the decrypted
 * pieces in arrival order in one bounded buffer, with a bitmap of the
 * fragment numbers stored, and copies them out in order once all are here.
 * A fragment is checked for its numbers before it is decrypted, and only a
 * fragment that verifies changes the state.
 */
#include <string.h>

#include "ike/frag.h"

_Static_assert(IKE_FRAG_MAX == 64, "one bit per fragment in a uint64_t");
_Static_assert(IKEV2_MSG_MAX_BYTES <= UINT16_MAX, "offsets fit uint16_t");

/* ---- split --------------------------------------------------------------- */

int ike_frag_split(struct ike_sk *sk, const struct ike_frag_hdr *h,
		   struct ike_buf *inner, size_t max_msg,
		   struct ike_buf *scratch, ike_frag_emit_fn emit, void *arg)
{
	size_t per, len, done, n;
	uint16_t total, num;
	int rc;

	if (inner->has_hdr || !inner->len)
		return IKE_SK_E_ARG;
	ike_msg_finalise(inner);
	len = inner->len;
	per = max_msg > IKE_FRAG_HDR_BYTES ?
	      ike_sk_max_plain(sk, max_msg - IKE_FRAG_HDR_BYTES) : 0;
	if (!per)
		return IKE_FRAG_E_MTU;
	if ((len + per - 1) / per > IKE_FRAG_MAX)
		return IKE_FRAG_E_TOO_MANY;
	total = (uint16_t)((len + per - 1) / per);
	for (num = 1, done = 0; num <= total; num++, done += n) {
		n = len - done < per ? len - done : per;
		ike_buf_init(scratch, h->spi_i, h->spi_r, h->exchange,
			     h->flags, h->msgid);
		rc = ike_sk_seal_frag(sk, scratch,
				      num == 1 ? inner->first : 0, num, total,
				      inner->data + done, n);
		if (rc < 0)
			return rc;
		if (emit(arg, scratch->data, (size_t)rc))
			return IKE_FRAG_E_EMIT;
	}
	return total;
}

/* ---- reassembly ---------------------------------------------------------- */

static void reasm_clear(struct ike_frag_reasm *r)
{
	r->active = false;
	r->first = IKEV2_PAYLOAD_NONE;
	r->total = 0;
	r->have = 0;
	r->used = 0;
	/* the pieces are decrypted key-exchange data: do not leave them */
	xs_wipe(r->data, sizeof(r->data));
}

void ike_frag_reasm_init(struct ike_frag_reasm *r, size_t limit)
{
	r->limit = limit < sizeof(r->data) ? limit : sizeof(r->data);
	r->msgid = 0;
	r->deadline_ms = 0;
	reasm_clear(r);
}

bool ike_frag_reasm_expire(struct ike_frag_reasm *r, uint64_t now_ms)
{
	if (!r->active || now_ms < r->deadline_ms)
		return false;
	reasm_clear(r);
	return true;
}

static uint64_t frag_bit(uint16_t num)
{
	return 1ull << (num - 1);
}

static bool all_here(const struct ike_frag_reasm *r)
{
	uint64_t all = r->total == IKE_FRAG_MAX ? UINT64_MAX
						: frag_bit(r->total + 1) - 1;

	return r->active && r->total && r->have == all;
}

/* What the fragment's numbers say, before any crypto. */
static int check_numbers(const struct ike_frag_reasm *r,
			 const struct ike_msg *msg)
{
	uint16_t num = msg->sk.frag_num, total = msg->sk.frag_total;

	if (!ike_msg_has(msg, IKEV2_PAYLOAD_SKF))
		return IKE_FRAG_E_NOT_FRAG;
	if (!num || num > total)
		return IKE_FRAG_E_RANGE;
	if (total > IKE_FRAG_MAX)
		return IKE_FRAG_E_TOO_MANY;
	if (!r->active)
		return IKE_FRAG_MORE;
	if (msg->msgid != r->msgid)
		return IKE_FRAG_E_MSGID;
	if (total < r->total)
		return IKE_FRAG_E_TOTAL;
	if (total == r->total && (r->have & frag_bit(num)))
		return IKE_FRAG_DUPLICATE;
	return IKE_FRAG_MORE;
}

static int store(struct ike_frag_reasm *r, const struct ike_msg *msg,
		 const struct ike_span *piece, uint64_t now_ms)
{
	uint16_t num = msg->sk.frag_num;

	if (piece->len > r->limit - r->used)
		return IKE_FRAG_E_SIZE;
	if (!r->active) {
		r->active = true;
		r->msgid = msg->msgid;
		r->deadline_ms = now_ms + IKE_FRAG_TIMEOUT_MS;
	}
	r->total = msg->sk.frag_total;
	if (num == 1)
		r->first = msg->sk.inner;
	memcpy(r->data + r->used, piece->ptr, piece->len);
	r->off[num - 1] = (uint16_t)r->used;
	r->len[num - 1] = (uint16_t)piece->len;
	r->used += piece->len;
	r->have |= frag_bit(num);
	return all_here(r) ? IKE_FRAG_DONE : IKE_FRAG_MORE;
}

int ike_frag_add(struct ike_frag_reasm *r, struct ike_sk *sk,
		 const struct ike_msg *msg, uint8_t *buf, uint64_t now_ms)
{
	struct ike_span piece;
	int rc;

	ike_frag_reasm_expire(r, now_ms);
	rc = check_numbers(r, msg);
	if (rc != IKE_FRAG_MORE)
		return rc;
	rc = ike_sk_open(sk, msg, buf, &piece);
	if (rc)
		return rc;
	if (r->active && msg->sk.frag_total > r->total) {
		reasm_clear(r);		/* re-fragmented: start over */
		r->active = true;	/* same message ID and deadline */
	}
	return store(r, msg, &piece, now_ms);
}

long ike_frag_take(struct ike_frag_reasm *r, uint8_t *out, size_t cap,
		   uint8_t *first)
{
	size_t done = 0;
	uint16_t i;

	if (!all_here(r) || r->used > cap)
		return IKE_FRAG_E_STATE;
	for (i = 0; i < r->total; i++) {
		memcpy(out + done, r->data + r->off[i], r->len[i]);
		done += r->len[i];
	}
	*first = r->first;
	reasm_clear(r);
	return (long)done;
}
