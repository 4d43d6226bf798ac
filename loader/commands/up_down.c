// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec up CONN [CHILD]: initiate a configured connection (every child,
 * or one); xdpsec down CONN: delete its IKE SAs and their Child SAs. Both
 * return once the first message is sent; `list-sas` shows the outcome.
 */
#include <stdio.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"

static int check_up(int argc, char **argv, char *why)
{
	if (argc < 1 || argc > 2)
		return xs_why(why, "up: want CONN [CHILD]");
	return 0;
}

static int check_down(int argc, char **argv, char *why)
{
	if (argc != 1)
		return xs_why(why, "down: want CONN");
	return 0;
}

static json_t *serve_up(struct xs_daemon *d, int argc, char **argv, char *why)
{
	if (check_up(argc, argv, why) ||
	    xs_ike_up(d, argv[0], argc > 1 ? argv[1] : NULL, why))
		return NULL;
	return json_pack("{s:s,s:s?}", "initiated", argv[0], "child",
			 argc > 1 ? argv[1] : NULL);
}

static json_t *serve_down(struct xs_daemon *d, int argc, char **argv,
			  char *why)
{
	if (check_down(argc, argv, why) || xs_ike_down(d, argv[0], why))
		return NULL;
	return json_pack("{s:s}", "terminated", argv[0]);
}

static void print_up(json_t *res)
{
	const char *child = json_string_value(json_object_get(res, "child"));

	printf("initiating %s%s%s (see: xdpsec list-sas)\n",
	       json_string_value(json_object_get(res, "initiated")),
	       child ? " child " : "", child ? child : "");
}

static void print_down(json_t *res)
{
	printf("terminating %s\n", json_string_value(json_object_get(res, "terminated")));
}

const struct xs_cmd xs_cmd_up = {
	.name = "up",
	.help = "up CONN [CHILD]: initiate an IKE connection",
	.check = check_up,
	.serve = serve_up,
	.print = print_up,
};

const struct xs_cmd xs_cmd_down = {
	.name = "down",
	.help = "down CONN: delete the IKE SAs of a connection",
	.check = check_down,
	.serve = serve_down,
	.print = print_down,
};
