// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec stop: the daemon detaches everything, unpins and exits. */
#include <stdio.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

static json_t *serve_stop(struct xs_daemon *d, int argc, char **argv,
			  char *why)
{
	d->stop = true;
	return json_pack("{s:s}", "instance", xs_opts.instance);
}

static void print_stop(json_t *res)
{
	printf("instance %s stopping\n", xs_opts.instance);
}

const struct xs_cmd xs_cmd_stop = {
	.name = "stop",
	.help = "stop the daemon: detach, unpin, exit",
	.check = xs_check_no_args,
	.serve = serve_stop,
	.print = print_stop,
};
