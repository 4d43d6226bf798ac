/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * `ip xfrm state` syntax -> an engine SA configuration (engine/sa.h) plus
 * what the daemon keeps besides it. Linux algorithm names map to IKEv2
 * transform numbers here and only here (also the other way, for listings).
 */
#ifndef XDPSEC_LOADER_SA_PARSE_H
#define XDPSEC_LOADER_SA_PARSE_H

#include "engine/sa.h"
#include "worker/selector.h"

enum { XS_DIR_AUTO = 0xff };		/* decide by the local addresses */

/* Kernel backend: hand the SA's crypto (or whole packets) to a NIC. */
enum xs_offload {
	XS_OFFLOAD_NONE = 0,
	XS_OFFLOAD_CRYPTO = 1,		/* offload crypto dev IF dir D */
	XS_OFFLOAD_PACKET = 2,		/* offload packet dev IF dir D */
};

struct xs_sa_req {
	struct xs_sa_cfg cfg;		/* dir may be XS_DIR_AUTO */
	uint32_t reqid;
	uint64_t soft_add_sec, hard_add_sec;
	uint8_t nsel;			/* 0: no selector */
	struct xs_sa_sel sel[XS_SA_SEL_MAX];
	bool backend_set;		/* false: the instance's backend */
	uint8_t backend;		/* enum xs_sa_backend (maps/sad.h) */
	uint8_t offload;		/* enum xs_offload */
	uint8_t offload_dir;		/* XS_DIR_IN or XS_DIR_OUT */
	char offload_dev[16];		/* IF_NAMESIZE */
};

/* The SA's identity, as in `ip xfrm state delete|get`. */
struct xs_sa_id {
	uint8_t family, proto;
	uint32_t spi;
	uint8_t dst[16];
	uint8_t src[16];		/* all zero: not given */
};

/*
 * Parse a whole `state add` argument list (keys end up in r->cfg): 0, or
 * -(1 + index of the word it stopped at) with why set.
 */
int xs_sa_parse(int argc, char **argv, struct xs_sa_req *r, char *why);
/* Validate by creating the engine SA once (with dir, in if automatic). */
int xs_sa_validate(const struct xs_sa_req *r, char *why);
int xs_sa_parse_id(int argc, char **argv, struct xs_sa_id *id, char *why);
/* Wipe the keys of r. */
void xs_sa_req_wipe(struct xs_sa_req *r);

/* The ip-xfrm words for a transform pair: "aead rfc4106(gcm(aes)) 128" */
void xs_sa_alg_str(uint8_t proto, uint16_t enc, uint16_t integ, char *buf,
		   size_t len);

#endif
