// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec daemon [-c FILE] [--foreground] */
#include <stdio.h>
#include <string.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

static int do_daemon(int argc, char **argv)
{
	const char *conf = NULL;
	bool fg = false;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--foreground") || !strcmp(argv[i], "-f")) {
			fg = true;
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (++i >= argc) {
				fprintf(stderr, "xdpsec: daemon: missing file after '%s'\n",
					argv[i - 1]);
				return XS_EXIT_USAGE;
			}
			conf = argv[i];
		} else {
			fprintf(stderr, "xdpsec: daemon: unknown option '%s' (want [-c FILE] [--foreground])\n",
				argv[i]);
			return XS_EXIT_USAGE;
		}
	}
	return xs_daemon_main(conf, fg);
}

const struct xs_cmd xs_cmd_daemon = {
	.name = "daemon",
	.help = "daemon [-c FILE] [--foreground]: run the instance's daemon",
	.run = do_daemon,
};
