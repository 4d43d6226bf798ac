// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec daemon [-c FILE] [--foreground] [--bench-no-crypto]
 *
 * --bench-no-crypto is for benchmarks only (make bench-e2e): every SA the
 * daemon gives the worker gets XS_SA_BENCH_NO_CRYPTO (engine/sa.h), so
 * traffic takes the same path as with crypto (ESP framing, sequence
 * numbers, replay window, both gateways' workers) but is not encrypted or
 * authenticated: the baseline that measures what the cryptography costs.
 * status says so.
 */
#include <stdio.h>
#include <string.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

static int do_daemon(int argc, char **argv)
{
	const char *conf = NULL;
	bool fg = false, no_crypto = false;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--foreground") || !strcmp(argv[i], "-f")) {
			fg = true;
		} else if (!strcmp(argv[i], "--bench-no-crypto")) {
			no_crypto = true;
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (++i >= argc) {
				fprintf(stderr, "xdpsec: daemon: missing file after '%s'\n",
					argv[i - 1]);
				return XS_EXIT_USAGE;
			}
			conf = argv[i];
		} else {
			fprintf(stderr, "xdpsec: daemon: unknown option '%s' (want [-c FILE] [--foreground] [--bench-no-crypto])\n",
				argv[i]);
			return XS_EXIT_USAGE;
		}
	}
	return xs_daemon_main(conf, fg, no_crypto);
}

const struct xs_cmd xs_cmd_daemon = {
	.name = "daemon",
	.help = "daemon [-c FILE] [--foreground] [--bench-no-crypto]: run the instance's daemon (the last: benchmarks only, no encryption)",
	.run = do_daemon,
};
