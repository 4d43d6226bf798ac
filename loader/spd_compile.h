/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * SPD compiler: turns an ordered policy list into the one- or two-level
 * lookup of maps/spd.h (design and bounds there) and installs it
 * atomically.
 */
#ifndef XDPSEC_LOADER_SPD_COMPILE_H
#define XDPSEC_LOADER_SPD_COMPILE_H

#include <stddef.h>

#include "maps/spd.h"

struct xs_spd_entry {
	struct xs_spd_key key;
	struct xs_spd_leaf leaf;
};

struct xs_spd_entries {
	struct xs_spd_entry *e;
	size_t n;
};

struct xs_spd_compiled {
	unsigned int gen;		/* generation written by commit */
	struct xs_spd_policy *policies;	/* xs_spd[XS_SPD_IDX(gen, i)] */
	size_t n_policies;
	struct xs_spd_entries hash;	/* xs_spdh entries, both levels */
	struct xs_spd_entries dst;	/* xs_spdd entries (level 1 trie) */
	struct xs_spd_entries src;	/* xs_spds entries (level 2 trie) */
	size_t n_classes;		/* split destination leaves */
	/* xs_spdm[gen * XS_SPD_SCOPES / 2 + i], i = XS_SPD_SCOPE_IDX(0, ..) */
	struct xs_spd_lens lens[XS_SPD_SCOPES / 2];
};

struct xs_spd_fds {
	int spd;			/* xs_spd */
	int spdd;			/* xs_spdd */
	int spds;			/* xs_spds */
	int cfg;			/* xs_cfg */
	int spdh;			/* xs_spdh */
	int spdm;			/* xs_spdm */
};

/*
 * Compile n policies (any order; priority decides, then id, then position)
 * for generation gen (0 or 1). Policy i keeps index i. 0 or -errno; on
 * error *why names the problem (-EINVAL: a bad policy, -E2BIG: a leaf
 * needs more than XS_SPD_LEAF_MAX candidates or a map would overflow).
 */
int xs_spd_compile(const struct xs_spd_policy *pols, size_t n,
		   unsigned int gen, struct xs_spd_compiled *out,
		   const char **why);
void xs_spd_compiled_free(struct xs_spd_compiled *c);

/*
 * Write c's generation, make it the active one (xs_cfg.spd_gen), then
 * delete every entry of the other generation. 0 or -errno with *why.
 */
int xs_spd_commit(const struct xs_spd_compiled *c,
		  const struct xs_spd_fds *fds, const char **why);
/*
 * The same, incrementally: c's generation still holds was (the commit
 * before the last one; NULL: unknown, cleared first), so only what differs
 * is written or deleted, then the generation switches. The other
 * generation is left as it is, for the next commit's diff. Sorts the
 * entries of c and was.
 */
int xs_spd_commit_diff(struct xs_spd_compiled *c, struct xs_spd_compiled *was,
		       const struct xs_spd_fds *fds, const char **why);

#endif
