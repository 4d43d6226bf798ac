/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Between ike_install.c (Child SAs) and ike_policy.c (their policies):
 * traffic selectors as prefixes, the policy table of struct xs_ike.
 */
#ifndef XDPSEC_LOADER_IKE_POLICY_H
#define XDPSEC_LOADER_IKE_POLICY_H

#include "loader/daemon.h"
#include "loader/ike_glue.h"

enum {
	XS_IKE_TS_PREFIXES_MAX = 16,	/* prefixes one selector may need */
};

struct xs_ike_pfx {
	uint8_t addr[16];
	uint8_t len;
};

/* What the policies of one Child SA (or trap) share. */
struct xs_ike_pol_tmpl {
	uint8_t proto, mode, family;	/* family: of the outer addresses */
	const uint8_t *local, *remote;	/* outer addresses */
	uint32_t reqid;
	bool trap;
};

/* The prefixes that cover a TS range exactly; count, -1 if too many. */
int xs_ike_range_prefixes(const struct ike_ts *ts, struct xs_ike_pfx *out);
/* XS_AF_INET / _INET6 of a TS, 0 for none (dynamic). */
uint8_t xs_ike_ts_family(const struct ike_ts *ts);
/* The protocol of a TS pair: one side's if the other says any; -1. */
int xs_ike_pair_proto(const struct ike_ts *l, const struct ike_ts *r);
/* IKEV2_PROTO_ESP/_AH -> XS_PROTO_ESP/_AH. */
uint8_t xs_ike_dp_proto(uint8_t ike_proto);
/* Room for one more of n elements of size in *arr (doubling). 0 or -1. */
int xs_ike_grow(void **arr, size_t *cap, size_t n, size_t size);
bool xs_ike_reqid_in_use(const struct xs_ike *ike, uint32_t reqid);

const struct xs_ike_pol *xs_ike_pol_find(const struct xs_ike *ike,
					 const struct xs_spd_policy *sel);
/* Deletes the policies of reqid (trap ones only if traps too). */
void xs_ike_pols_delete(struct xs_daemon *d, uint32_t reqid, bool traps);
/* PROTECT policies for every pair of lts x rts (existing ones kept). */
int xs_ike_ts_policies_add(struct xs_daemon *d, const struct xs_ike_pol_tmpl *t,
			   const struct ike_ts_pld *lts,
			   const struct ike_ts_pld *rts, char *why);

#endif
