// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Time base, CPU pinning and statistics for the engine benchmark. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* TSC ticks per second over one busy interval of about 100 ms. */
static double tsc_hz_once(void)
{
	uint64_t t0 = mono_ns(), c0 = bench_tsc(), t1, c1;

	do
		t1 = mono_ns();
	while (t1 - t0 < 100000000ull);
	c1 = bench_tsc();
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

/* The median of five measurements, so one preemption cannot skew it. */
double bench_measure_tsc_hz(void)
{
	double hz[5];
	int i;

	for (i = 0; i < 5; i++)
		hz[i] = tsc_hz_once();
	return bench_quantile(hz, 5, 0.5);
}

int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_quantile(double *v, int n, double q)
{
	int i;

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	i = (int)(q * (n - 1) + 0.5);
	return v[i];
}

static void read_cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		snprintf(out, len, "%s", colon + 2);
		out[strcspn(out, "\n")] = '\0';
		break;
	}
	fclose(f);
}

void bench_describe_machine(struct bench_env *env)
{
	struct utsname u;
	time_t now = time(NULL);

	strftime(env->date, sizeof(env->date), "%Y-%m-%dT%H:%M:%SZ",
		 gmtime(&now));
	read_cpu_model(env->cpu_model, sizeof(env->cpu_model));
	if (uname(&u) == 0)
		snprintf(env->kernel, sizeof(env->kernel), "%s %s", u.sysname,
			 u.release);
}
