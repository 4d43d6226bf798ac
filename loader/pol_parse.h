/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * `ip xfrm policy` syntax -> struct xs_spd_policy (maps/spd.h).
 * action allow + tmpl = PROTECT, allow alone = BYPASS, block = DISCARD.
 */
#ifndef XDPSEC_LOADER_POL_PARSE_H
#define XDPSEC_LOADER_POL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps/sad.h"
#include "maps/spd.h"

struct xs_pol_req {
	struct xs_spd_policy pol;	/* id and sa_slot left to the daemon */
	bool tmpl;
	uint32_t tmpl_spi;		/* 0: any */
};

/*
 * add: the whole argument list. sel_only: delete (selector and dir).
 * 0, or -(1 + index of the word it stopped at) with why set.
 */
int xs_pol_parse(int argc, char **argv, bool sel_only, struct xs_pol_req *r,
		 char *why);
/* Same selector and direction (what `policy delete` matches). */
bool xs_pol_same_sel(const struct xs_spd_policy *a,
		     const struct xs_spd_policy *b);
const char *xs_pol_dir_name(unsigned dir);
const char *xs_pol_proto_name(unsigned proto, char *buf, size_t len);
/* A protocol name (icmp, tcp, udp, sctp, udplite, ipv6-icmp, esp, ah),
 * "any" (0) or number 0-255. */
int xs_proto_parse(const char *v, const char *what, uint8_t *proto,
		   char *why);

#endif
