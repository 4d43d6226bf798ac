// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The benchmark's output: a readable table, the goals, and JSON. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

static const char *const dir_names[BENCH_NDIR] = { "encap", "decap" };

struct bench_goal {
	char what[96];
	double value, limit;
	const char *unit;
	bool pass;
};

enum { BENCH_MAX_GOALS = 64 };

static void goal_add(struct bench_goal *g, int *n, double value, double limit,
		     const char *unit, bool pass, const char *what)
{
	if (*n >= BENCH_MAX_GOALS)
		return;
	snprintf(g[*n].what, sizeof(g[*n].what), "%s", what);
	g[*n].value = value;
	g[*n].limit = limit;
	g[*n].unit = unit;
	g[*n].pass = pass;
	(*n)++;
}

/*
 * Goals: at 1400 B the engine costs at most 1.10 x raw OpenSSL; at 64 B at
 * most 60 ns more than raw; AES-GCM-128 IMIX encap under 500 cycles/packet.
 */
static int goals_eval(const struct bench_result *res, int n,
		      struct bench_goal *g)
{
	char what[96];
	int i, d, ng = 0;

	for (i = 0; i < n; i++) {
		const struct bench_result *r = &res[i];

		for (d = 0; r->alg->goals && d < BENCH_NDIR; d++) {
			const struct bench_cost *e = &r->engine[d], *w = &r->raw[d];

			snprintf(what, sizeof(what), "%s %s B %s", r->alg->name,
				 r->wl->name, dir_names[d]);
			if (!strcmp(r->wl->name, "1400"))
				goal_add(g, &ng, e->ns / w->ns, 1.10, "x raw",
					 e->ns <= 1.10 * w->ns, what);
			if (!strcmp(r->wl->name, "64"))
				goal_add(g, &ng, e->ns - w->ns, 60, "ns over raw",
					 e->ns - w->ns <= 60, what);
		}
		if (!strcmp(r->alg->name, "aes-gcm-128") &&
		    !strcmp(r->wl->name, "imix")) {
			const struct bench_cost *e = &r->engine[BENCH_ENCAP];

			goal_add(g, &ng, e->cycles, 500, "cycles/packet",
				 e->cycles < 500, "aes-gcm-128 imix encap");
		}
	}
	return ng;
}

void bench_print_table(const struct bench_env *env,
		       const struct bench_result *res, int n)
{
	int i, d;

	printf("ESP engine benchmark, tunnel mode (inner IPv4+UDP, outer IPv4), %s\n",
	       env->date);
	printf("%s, %d CPUs, pinned to CPU %d, TSC %.3f GHz (measured against CLOCK_MONOTONIC_RAW)\n",
	       env->cpu_model, env->ncpus, env->cpu, env->tsc_hz / 1e9);
	printf("median of %d rounds x %d packets after %d warm-up rounds; cycles are TSC cycles per packet\n\n",
	       env->rounds, BENCH_BATCH, env->warmup);
	printf("%-19s %5s %-5s | %8s %7s %6s | %8s %7s %6s | %7s %7s\n",
	       "algorithm", "size", "dir", "eng ns", "eng cyc", "Gbit/s",
	       "raw ns", "raw cyc", "Gbit/s", "eng/raw", "+ns");
	for (i = 0; i < n; i++) {
		const struct bench_result *r = &res[i];

		for (d = 0; d < BENCH_NDIR; d++) {
			const struct bench_cost *e = &r->engine[d], *w = &r->raw[d];

			printf("%-19s %5s %-5s | %8.1f %7.0f %6.2f | %8.1f %7.0f %6.2f | %7.3f %7.1f\n",
			       r->alg->name, r->wl->name, dir_names[d], e->ns,
			       e->cycles, e->gbps, w->ns, w->cycles, w->gbps,
			       e->ns / w->ns, e->ns - w->ns);
		}
	}
	printf("\n");
}

int bench_print_goals(const struct bench_result *res, int n)
{
	struct bench_goal g[BENCH_MAX_GOALS];
	int i, ng = goals_eval(res, n, g), missed = 0;

	for (i = 0; i < ng; i++) {
		printf("%s: %-36s %8.2f %s (goal %s %.2f)\n",
		       g[i].pass ? "PASS" : "FAIL", g[i].what, g[i].value,
		       g[i].unit, strcmp(g[i].unit, "cycles/packet") ? "<=" : "<",
		       g[i].limit);
		missed += !g[i].pass;
	}
	return missed;
}

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(const char *path)
{
	char dir[4096];
	char *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static void json_cost(FILE *f, const char *name, const struct bench_cost *c)
{
	fprintf(f, "\"%s\": {\"ns\": %.2f, \"cycles\": %.1f, \"cycles_p25\": %.1f, \"cycles_p75\": %.1f, \"gbps\": %.3f}",
		name, c->ns, c->cycles, c->cycles_p25, c->cycles_p75, c->gbps);
}

static void json_result(FILE *f, const struct bench_result *r)
{
	int d;

	fprintf(f, "    {\"alg\": \"%s\", \"size\": \"%s\", \"plain_bytes\": %.1f, \"esp_payload_bytes\": %.1f",
		r->alg->name, r->wl->name,
		(double)r->wl->plain_bytes / BENCH_BATCH, r->esp_bytes);
	for (d = 0; d < BENCH_NDIR; d++) {
		fprintf(f, ",\n     \"%s\": {", dir_names[d]);
		json_cost(f, "engine", &r->engine[d]);
		fprintf(f, ", ");
		json_cost(f, "raw", &r->raw[d]);
		fprintf(f, ", \"ratio\": %.4f, \"extra_ns\": %.2f}",
			r->engine[d].ns / r->raw[d].ns,
			r->engine[d].ns - r->raw[d].ns);
	}
	fprintf(f, "}");
}

static void json_goals(FILE *f, const struct bench_result *res, int n)
{
	struct bench_goal g[BENCH_MAX_GOALS];
	int i, ng = goals_eval(res, n, g);

	fprintf(f, "  \"goals\": [\n");
	for (i = 0; i < ng; i++)
		fprintf(f, "    {\"goal\": \"%s\", \"value\": %.3f, \"limit\": %.2f, \"unit\": \"%s\", \"pass\": %s}%s\n",
			g[i].what, g[i].value, g[i].limit, g[i].unit,
			g[i].pass ? "true" : "false", i + 1 < ng ? "," : "");
	fprintf(f, "  ]\n");
}

int bench_write_json(const char *path, const struct bench_env *env,
		     const struct bench_result *res, int n)
{
	FILE *f;
	int i;

	if (make_parent_dirs(path) || !(f = fopen(path, "w"))) {
		perror(path);
		return -1;
	}
	fprintf(f, "{\n  \"date\": \"%s\",\n  \"cpu_model\": \"%s\",\n  \"kernel\": \"%s\",\n",
		env->date, env->cpu_model, env->kernel);
	fprintf(f, "  \"ncpus\": %d,\n  \"pinned_cpu\": %d,\n  \"tsc_hz\": %.0f,\n",
		env->ncpus, env->cpu, env->tsc_hz);
	fprintf(f, "  \"rounds\": %d,\n  \"warmup_rounds\": %d,\n  \"batch\": %d,\n",
		env->rounds, env->warmup, BENCH_BATCH);
	fprintf(f, "  \"mode\": \"esp tunnel, inner ipv4+udp, outer ipv4\",\n  \"cycles\": \"tsc\",\n");
	fprintf(f, "  \"results\": [\n");
	for (i = 0; i < n; i++) {
		json_result(f, &res[i]);
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ],\n");
	json_goals(f, res, n);
	fprintf(f, "}\n");
	return fclose(f) ? -1 : 0;
}
