// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec stop: the daemon detaches everything, unpins and exits. */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

enum { STOP_WAIT_MS = 15000 };

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

/* Returns once the daemon has cleaned up (it removes the lock file last). */
static int do_stop(int argc, char **argv)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	char path[128];
	int i, ret = xs_remote(&xs_cmd_stop, argc, argv);

	if (ret)
		return ret;
	xs_path(path, sizeof(path), XS_RUN_DIR, ".lock");
	for (i = 0; i < STOP_WAIT_MS / 20; i++) {
		if (access(path, F_OK) && errno == ENOENT)
			return XS_EXIT_OK;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "xdpsec: instance %s did not finish stopping within %d s\n",
		xs_opts.instance, STOP_WAIT_MS / 1000);
	return XS_EXIT_FAIL;
}

const struct xs_cmd xs_cmd_stop = {
	.name = "stop",
	.help = "stop the daemon: detach, unpin, exit",
	.run = do_stop,
	.check = xs_check_no_args,
	.serve = serve_stop,
	.print = print_stop,
};
