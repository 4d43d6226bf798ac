// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Map capacities (daemon --sas/--policies, config `limits { }`): how many
 * SAs xs_sad/xs_sadi and how many policies xs_spd hold. Set on every BPF
 * object before load (the objects share the pinned maps, whose sizes must
 * agree); they change only with a daemon restart.
 */
#include <string.h>

#include "loader/args.h"
#include "loader/daemon.h"

int xs_limits_parse(const char *key, const char *val, struct xs_limits *l,
		    char *why)
{
	bool sas = !strcmp(key, "sas");
	uint32_t max = sas ? XS_SAD_LIMIT_MAX : XS_SPD_LIMIT_MAX, n;

	if (!sas && strcmp(key, "policies"))
		return xs_why(why, "unknown limit '%s' (want sas or policies)", key);
	if (xs_parse_u32(val, key, &n, why) || !n || n > max)
		return xs_why(why, "limits: bad %s '%s': want 1-%u", key, val, max);
	*(sas ? &l->sas : &l->policies) = n;
	return 0;
}

int xs_limits_merge(struct xs_limits *l, const struct xs_limits *conf,
		    char *why)
{
	if (conf->sas && l->sas && conf->sas != l->sas)
		return xs_why(why, "limits: sas = %u in the configuration, %u on the command line",
			      conf->sas, l->sas);
	if (conf->policies && l->policies && conf->policies != l->policies)
		return xs_why(why, "limits: policies = %u in the configuration, %u on the command line",
			      conf->policies, l->policies);
	l->sas = l->sas ? l->sas : conf->sas ? conf->sas : XS_SAD_MAX;
	l->policies = l->policies ? l->policies :
		      conf->policies ? conf->policies : XS_SPD_MAX;
	return 0;
}

int xs_limits_running(const struct xs_limits *run, const struct xs_limits *conf,
		      char *why)
{
	if (conf->sas && conf->sas != run->sas)
		return xs_why(why, "limits: sas = %u, but the daemon runs with %u (restart it to resize)",
			      conf->sas, run->sas);
	if (conf->policies && conf->policies != run->policies)
		return xs_why(why, "limits: policies = %u, but the daemon runs with %u (restart it to resize)",
			      conf->policies, run->policies);
	return 0;
}
