// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The SPD's incremental commit (xs_spd_commit_diff, loader/spd.c's way):
 * after every one of a few hundred policy list changes (adds at the end,
 * deletes from the middle, priority changes, a flush), what the maps hold
 * for the active generation (xs_spdh, xs_spdd, xs_spds, xs_spd) must be
 * exactly a fresh compile of the list, nothing more, nothing less, in
 * hash mode (IKE-like /32s) and trie mode (many prefix lengths), and
 * starting from maps that a full commit left.
 */
#include <errno.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "bpf/xdp_wan.skel.h"
#include "loader/spd_compile.h"
#include "tests/bpf/tcommon.h"

static struct xs_bpf B;

enum { STEPS = 300, MAX_POLS = 400 };

static int setup(void **state)
{
	return xs_bpf_open(&B, &(struct xs_bpf_opts){ 0 }) ? -1 : 0;
}

static int teardown(void **state)
{
	xs_bpf_close(&B);
	return 0;
}

static struct xs_spd_fds fds(void)
{
	return (struct xs_spd_fds){
		.spd = B.spd, .spdd = B.spdd, .spds = B.spds, .cfg = B.cfg,
		.spdh = bpf_map__fd(B.wan->maps.xs_spdh),
		.spdm = bpf_map__fd(B.wan->maps.xs_spdm),
	};
}

static unsigned int active_gen(void)
{
	struct xs_cfg cfg;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(B.cfg, &zero, &cfg), 0);
	return cfg.spd_gen;
}

static bool of_gen(const struct xs_spd_key *k, unsigned int gen)
{
	if (k->scope & XS_SPD_CLASS)
		return !!(k->scope & XS_SPD_CLASS_GEN) == !!gen;
	return (k->scope >> 16) == gen;
}

static int by_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xs_spd_key));
}

/* fd's entries of gen, sorted, must be want's (sorted here too). */
static void map_is(int fd, unsigned int gen, struct xs_spd_entries *want)
{
	struct xs_spd_entry *got = calloc(want->n + 1, sizeof(*got));
	struct xs_spd_key key, *prev = NULL;
	size_t n = 0;

	assert_non_null(got);
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		if (of_gen(&key, gen)) {
			assert_true(n < want->n);	/* no extra entry */
			got[n].key = key;
			assert_int_equal(bpf_map_lookup_elem(fd, &key, &got[n].leaf), 0);
			n++;
		}
		prev = &key;
	}
	assert_int_equal(n, want->n);
	qsort(got, n, sizeof(*got), by_key);
	qsort(want->e, want->n, sizeof(*want->e), by_key);
	assert_memory_equal(got, want->e, n * sizeof(*got));
	free(got);
}

static void maps_are(const struct xs_spd_policy *p, size_t n)
{
	unsigned int gen = active_gen();
	struct xs_spd_compiled c;
	struct xs_spd_policy got;
	const char *why;
	__u32 i, slot;

	assert_int_equal(xs_spd_compile(p, n, gen, &c, &why), 0);
	map_is(B.spdd, gen, &c.dst);
	map_is(B.spds, gen, &c.src);
	map_is(bpf_map__fd(B.wan->maps.xs_spdh), gen, &c.hash);
	for (i = 0; i < n; i++) {
		slot = XS_SPD_IDX(gen, i);
		assert_int_equal(bpf_map_lookup_elem(B.spd, &slot, &got), 0);
		assert_memory_equal(&got, &c.policies[i], sizeof(got));
	}
	xs_spd_compiled_free(&c);
}

static void rand_policy(struct xs_spd_policy *p, int host_only, uint32_t id)
{
	static const uint8_t lens[] = { 8, 16, 20, 24, 28, 32 };

	*p = xs_policy(rand() % 2 ? XS_SPD_OUT : XS_SPD_IN, XS_AF_INET,
		       XS_SPD_PROTECT);
	addr4(p->dst, 10, rand() % 4, rand() % 8, rand() % 64);
	addr4(p->src, 10, 100 + rand() % 2, rand() % 4, 0);
	p->dst_len = host_only ? 32 : lens[rand() % 6];
	p->src_len = host_only ? 24 : lens[rand() % 4];
	p->priority = rand() % 32;
	p->sa_slot = rand() % 8;
	p->id = id;
}

/* One change to the list: mostly adds, some deletes, a priority change. */
static size_t change(struct xs_spd_policy *p, size_t n, int host_only,
		     uint32_t *id)
{
	size_t i = n ? (size_t)rand() % n : 0;
	int r = rand() % 10;

	if (n < 8 || (r < 6 && n < MAX_POLS)) {
		rand_policy(&p[n], host_only, ++*id);
		return n + 1;
	}
	if (r < 9) {
		memmove(&p[i], &p[i + 1], (n - i - 1) * sizeof(*p));
		return n - 1;
	}
	p[i].priority ^= 1;
	return n;
}

static void commit_diffs(int host_only)
{
	struct xs_spd_policy *p = calloc(MAX_POLS + 1, sizeof(*p));
	struct xs_spd_compiled held[2] = { 0 }, c;
	struct xs_spd_fds f = fds();
	bool known[2] = { false, false };
	unsigned int gen;
	const char *why;
	uint32_t id = 0;
	size_t n = 0;
	int step;

	assert_non_null(p);
	assert_int_equal(xs_bpf_spd_set(&B, p, 0), 0);	/* a full commit first */
	for (step = 0; step < STEPS; step++) {
		n = step == STEPS / 2 ? 0 : change(p, n, host_only, &id);
		gen = !active_gen();
		assert_int_equal(xs_spd_compile(p, n, gen, &c, &why), 0);
		assert_int_equal(xs_spd_commit_diff(&c, known[gen] ? &held[gen] : NULL,
						    &f, &why), 0);
		xs_spd_compiled_free(&held[gen]);
		held[gen] = c;
		known[gen] = true;
		assert_int_equal(active_gen(), gen);
		maps_are(p, n);
	}
	xs_spd_compiled_free(&held[0]);
	xs_spd_compiled_free(&held[1]);
	free(p);
}

static void diff_hash_mode(void **state)
{
	srand(4301);
	commit_diffs(1);
}

static void diff_trie_mode(void **state)
{
	srand(2401);
	commit_diffs(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diff_hash_mode),
		cmocka_unit_test(diff_trie_mode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
