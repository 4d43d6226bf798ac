/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Engine benchmark (make bench): ESP encap/decap through the engine against
 * plain OpenSSL EVP on the same payloads, on one pinned core.
 *
 * A batch is BENCH_BATCH packets, each in its own frame. One round copies the
 * plaintext into the frames (untimed), then times encap of the whole batch,
 * then decap of exactly the packets encap produced. Timing is TSC cycles
 * (rdtsc); ns come from the TSC frequency measured against CLOCK_MONOTONIC_RAW.
 */
#ifndef XDPSEC_BENCH_H
#define XDPSEC_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <x86intrin.h>

#include "engine/engine.h"

enum {
	BENCH_BATCH = 240,		/* packets per timed batch (20 IMIX cycles) */
	BENCH_FRAME = 2048,		/* bytes per frame */
	BENCH_HEADROOM = 128,		/* >= XS_PKT_MAX_HEADROOM */
	BENCH_MAX_ROUNDS = 5001,
};

enum bench_dir { BENCH_ENCAP, BENCH_DECAP, BENCH_NDIR };

/* One algorithm row. Keys are fixed test patterns. */
struct bench_alg {
	const char *name;		/* "aes-gcm-128" */
	uint16_t enc, integ;		/* enum xs_enc, enum xs_integ */
	uint8_t cipher_key_len;		/* without the salt */
	uint8_t salt_len;		/* 4 for AEADs, 0 otherwise */
	uint8_t integ_key_len;
	uint8_t align;			/* ESP payload + trailer alignment */
	uint8_t iv_len;			/* explicit IV on the wire */
	uint8_t icv_len;
	bool goals;			/* checked against the goals (AEADs) */
};

/* Inner IPv4+UDP packet sizes of one batch. */
struct bench_workload {
	const char *name;		/* "64", "imix" */
	uint16_t size[BENCH_BATCH];	/* IP length of each plaintext packet */
	uint64_t plain_bytes;		/* their sum */
};

struct bench_frames {
	const struct bench_workload *wl;
	uint8_t *mem;			/* BENCH_BATCH frames */
	uint8_t *plain;			/* the plaintext packets, same layout */
	struct xs_pkt pkt[BENCH_BATCH];
};

/* A way of processing a batch: the engine, or raw OpenSSL. */
struct bench_backend {
	const char *name;
	void *(*open)(const struct bench_alg *alg, struct bench_frames *f);
	/* Process every packet of the batch; return how many failed. */
	int (*encap)(void *ctx);
	int (*decap)(void *ctx);
	void (*close)(void *ctx);
};

extern const struct bench_backend bench_engine;
extern const struct bench_backend bench_raw;

struct bench_cost {
	double cycles, ns, gbps;	/* per packet; Gbit/s of plaintext */
	double cycles_p25, cycles_p75;	/* spread over the rounds */
};

struct bench_result {
	const struct bench_alg *alg;
	const struct bench_workload *wl;
	double esp_bytes;		/* mean ESP payload (plaintext + trailer) */
	struct bench_cost engine[BENCH_NDIR], raw[BENCH_NDIR];
};

struct bench_env {
	char date[32];			/* UTC, ISO 8601 */
	char cpu_model[128];
	char kernel[160];
	int cpu;			/* the core the run was pinned to */
	int ncpus;
	double tsc_hz;
	int rounds, warmup;
};

/* bench_clock.c APIs: */
static inline uint64_t bench_tsc(void)
{
	uint64_t t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
}
double bench_measure_tsc_hz(void);
int bench_pin(int cpu);
/* Sorts v; the q-quantile (0..1) by nearest rank. */
double bench_quantile(double *v, int n, double q);
void bench_describe_machine(struct bench_env *env);

/* bench_frames.c APIs: */
extern const struct bench_alg bench_algs[];
extern const int bench_nalgs;
extern const struct bench_workload *const bench_workloads[];
extern const int bench_nworkloads;
void bench_workloads_init(void);
int bench_frames_init(struct bench_frames *f, const struct bench_workload *wl);
void bench_frames_free(struct bench_frames *f);
/* Put the plaintext back in every frame and point pkt[] at it (untimed). */
void bench_frames_reset(struct bench_frames *f);
/* 0 if every pkt[] holds its original plaintext again. */
int bench_frames_check(const struct bench_frames *f);
/* Bytes of ESP payload + trailer (without IV and ICV) for a plaintext. */
uint32_t bench_esp_payload_len(const struct bench_alg *alg, uint32_t plain);
/* The fixed test key of an algorithm (cipher key then salt; integ key). */
void bench_enc_key(const struct bench_alg *alg, uint8_t *key);
void bench_integ_key(const struct bench_alg *alg, uint8_t *key);

/* bench_report.c APIs: */
void bench_print_table(const struct bench_env *env,
		       const struct bench_result *res, int n);
/* Prints PASS/FAIL lines; returns the number of goals missed. */
int bench_print_goals(const struct bench_result *res, int n);
int bench_write_json(const char *path, const struct bench_env *env,
		     const struct bench_result *res, int n);

#endif
