// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec-bench: command line and the measurement loop. For every algorithm
 * and workload the engine and the raw OpenSSL baseline run in alternating
 * rounds on the same pinned core, so both see the same noise; the median
 * round is reported.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct bench_opts {
	const char *json;
	const char *alg, *size;		/* only these rows (for profiling) */
	int cpu;
	int rounds, warmup;
};

struct bench_samples {
	double *cycles[BENCH_NDIR];	/* per packet, one per round */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdpsec-bench [--json PATH] [--cpu N] [--rounds N] [--warmup N]\n"
		"  --json PATH  also write the figures as JSON (directories are created)\n"
		"  --cpu N      pin to CPU N (default: the last online CPU)\n"
		"  --rounds N   timed rounds of %d packets per figure (default 1001)\n"
		"  --warmup N   untimed rounds first (default 50)\n"
		"  --alg NAME, --size NAME  only that algorithm / size (64, 512, 1400, imix)\n",
		BENCH_BATCH);
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "alg", required_argument, NULL, 'a' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	o->rounds = 1001;
	o->warmup = 50;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'j')
			o->json = optarg;
		else if (c == 'c')
			o->cpu = atoi(optarg);
		else if (c == 'r')
			o->rounds = atoi(optarg);
		else if (c == 'w')
			o->warmup = atoi(optarg);
		else if (c == 'a')
			o->alg = optarg;
		else if (c == 's')
			o->size = optarg;
		else {
			usage(c == 'h' ? stdout : stderr);
			exit(c == 'h' ? 0 : 2);
		}
	}
	if (o->rounds < 1 || o->rounds > BENCH_MAX_ROUNDS || o->warmup < 0) {
		fprintf(stderr, "bench: --rounds 1..%d, --warmup >= 0\n",
			BENCH_MAX_ROUNDS);
		return -1;
	}
	return 0;
}

/*
 * One round: plaintext in (untimed), encap the batch, decap the batch, then
 * check (untimed) that decap gave back every original packet.
 */
static int round_once(const struct bench_backend *b, void *ctx,
		      struct bench_frames *f, double cyc[BENCH_NDIR])
{
	uint64_t t0, t1, t2;
	int bad;

	bench_frames_reset(f);
	t0 = bench_tsc();
	bad = b->encap(ctx);
	t1 = bench_tsc();
	bad += b->decap(ctx);
	t2 = bench_tsc();
	if (bad || bench_frames_check(f)) {
		fprintf(stderr, "bench: %s: %d packets failed, or decap did not restore the plaintext\n",
			b->name, bad);
		return -1;
	}
	cyc[BENCH_ENCAP] = (double)(t1 - t0) / BENCH_BATCH;
	cyc[BENCH_DECAP] = (double)(t2 - t1) / BENCH_BATCH;
	return 0;
}

static void summarize(const struct bench_env *env,
		      const struct bench_workload *wl, struct bench_samples *s,
		      struct bench_cost cost[BENCH_NDIR])
{
	double bytes = (double)wl->plain_bytes / BENCH_BATCH;
	int d;

	for (d = 0; d < BENCH_NDIR; d++) {
		struct bench_cost *c = &cost[d];

		c->cycles = bench_quantile(s->cycles[d], env->rounds, 0.5);
		c->cycles_p25 = bench_quantile(s->cycles[d], env->rounds, 0.25);
		c->cycles_p75 = bench_quantile(s->cycles[d], env->rounds, 0.75);
		c->ns = c->cycles * 1e9 / env->tsc_hz;
		c->gbps = bytes * 8 / c->ns;
	}
}

struct bench_side {
	const struct bench_backend *b;
	struct bench_frames f;
	void *ctx;
	struct bench_samples s;
};

static int side_open(struct bench_side *sd, const struct bench_backend *b,
		     const struct bench_alg *alg,
		     const struct bench_workload *wl, int rounds)
{
	int d;

	sd->b = b;
	if (bench_frames_init(&sd->f, wl))
		return -1;
	for (d = 0; d < BENCH_NDIR; d++)
		if (!(sd->s.cycles[d] = calloc((size_t)rounds, sizeof(double))))
			return -1;
	sd->ctx = b->open(alg, &sd->f);
	return sd->ctx ? 0 : -1;
}

static void side_close(struct bench_side *sd)
{
	int d;

	if (sd->ctx)
		sd->b->close(sd->ctx);
	for (d = 0; d < BENCH_NDIR; d++)
		free(sd->s.cycles[d]);
	bench_frames_free(&sd->f);
}

static int side_round(struct bench_side *sd, int round)
{
	double cyc[BENCH_NDIR];
	int d;

	if (round_once(sd->b, sd->ctx, &sd->f, cyc))
		return -1;
	for (d = 0; round >= 0 && d < BENCH_NDIR; d++)
		sd->s.cycles[d][round] = cyc[d];
	return 0;
}

static int measure(const struct bench_env *env, const struct bench_alg *alg,
		   const struct bench_workload *wl, struct bench_result *res)
{
	struct bench_side eng = { 0 }, raw = { 0 };
	int r, err;

	err = side_open(&eng, &bench_engine, alg, wl, env->rounds) ||
	      side_open(&raw, &bench_raw, alg, wl, env->rounds);
	for (r = -env->warmup; !err && r < env->rounds; r++) {
		struct bench_side *first = r & 1 ? &raw : &eng;
		struct bench_side *second = r & 1 ? &eng : &raw;

		err = side_round(first, r) || side_round(second, r);
	}
	if (!err) {
		int i;

		res->alg = alg;
		res->wl = wl;
		res->esp_bytes = 0;
		for (i = 0; i < BENCH_BATCH; i++)
			res->esp_bytes += bench_esp_payload_len(alg, wl->size[i]);
		res->esp_bytes /= BENCH_BATCH;
		summarize(env, wl, &eng.s, res->engine);
		summarize(env, wl, &raw.s, res->raw);
	}
	side_close(&eng);
	side_close(&raw);
	return err ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct bench_result *res;
	struct bench_opts o = { 0 };
	struct bench_env env = { 0 };
	int a, w, n = 0;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (bench_pin(o.cpu)) {
		perror("bench: sched_setaffinity");
		return 1;
	}
	env.cpu = o.cpu;
	env.ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	env.rounds = o.rounds;
	env.warmup = o.warmup;
	bench_describe_machine(&env);
	env.tsc_hz = bench_measure_tsc_hz();
	bench_workloads_init();
	res = calloc((size_t)(bench_nalgs * bench_nworkloads), sizeof(*res));
	if (!res)
		return 1;
	for (a = 0; a < bench_nalgs; a++)
		for (w = 0; w < bench_nworkloads; w++) {
			if ((o.alg && strcmp(o.alg, bench_algs[a].name)) ||
			    (o.size && strcmp(o.size, bench_workloads[w]->name)))
				continue;
			if (measure(&env, &bench_algs[a], bench_workloads[w],
				    &res[n++])) {
				fprintf(stderr, "bench: %s %s B failed\n",
					bench_algs[a].name,
					bench_workloads[w]->name);
				free(res);
				return 1;
			}
		}
	bench_print_table(&env, res, n);
	bench_print_goals(res, n);
	a = o.json ? bench_write_json(o.json, &env, res, n) : 0;
	free(res);
	return a ? 1 : 0;
}
