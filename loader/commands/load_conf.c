// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec load-conf FILE: the daemon reads FILE (docs/configuration.md),
 * attaches its interfaces and replaces all SAs and policies with its own.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

static int check_load(int argc, char **argv, char *why)
{
	if (argc != 1)
		return xs_why(why, "load-conf: want exactly one FILE");
	return 0;
}

/* The daemon does not share our working directory: send a full path. */
static int do_load(int argc, char **argv)
{
	char why[XS_WHY_MAX], path[PATH_MAX], *args[1];

	if (check_load(argc, argv, why)) {
		fprintf(stderr, "xdpsec: %s\n", why);
		return XS_EXIT_USAGE;
	}
	if (!realpath(argv[0], path)) {
		fprintf(stderr, "xdpsec: load-conf: %s: no such file\n", argv[0]);
		return XS_EXIT_FAIL;
	}
	args[0] = path;
	return xs_remote(&xs_cmd_load_conf, 1, args);
}

static json_t *serve_load(struct xs_daemon *d, int argc, char **argv,
			  char *why)
{
	if (check_load(argc, argv, why) || xs_conf_load(d, argv[0], why))
		return NULL;
	return json_pack("{s:s,s:i,s:i}", "loaded", argv[0],
			 "sas", (int)xs_sad_count(d), "policies", (int)d->npols);
}

static void print_load(json_t *res)
{
	printf("loaded %s: %d SAs, %d policies\n",
	       json_string_value(json_object_get(res, "loaded")),
	       (int)json_integer_value(json_object_get(res, "sas")),
	       (int)json_integer_value(json_object_get(res, "policies")));
}

const struct xs_cmd xs_cmd_load_conf = {
	.name = "load-conf",
	.help = "load-conf FILE: apply a configuration file",
	.run = do_load,
	.check = check_load,
	.serve = serve_load,
	.print = print_load,
};
