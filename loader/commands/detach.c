// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec detach [IF]: one interface, or all. */
#include <stdio.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

static int check_detach(int argc, char **argv, char *why)
{
	return argc > 1 ? xs_why(why, "detach: unexpected argument '%s'", argv[1]) : 0;
}

static json_t *serve_detach(struct xs_daemon *d, int argc, char **argv,
			    char *why)
{
	if (check_detach(argc, argv, why) ||
	    xs_detach(d, argc ? argv[0] : NULL, why))
		return NULL;
	return json_pack("{s:s}", "detached", argc ? argv[0] : "all");
}

static void print_detach(json_t *res)
{
	printf("detached %s\n", json_string_value(json_object_get(res, "detached")));
}

const struct xs_cmd xs_cmd_detach = {
	.name = "detach",
	.help = "detach [IF]: detach one interface or all",
	.check = check_detach,
	.serve = serve_detach,
	.print = print_detach,
};
