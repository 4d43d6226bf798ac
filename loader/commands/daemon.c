// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec daemon [-c FILE] [--foreground] [--backend afxdp|kernel]
 *		 [--sas N] [--policies N] [--bench-no-crypto]
 *
 * --sas, --policies: map capacities, as `limits { }` in the configuration
 * (loader/limits.c); both given must agree.
 *
 * --backend: the SAs' default (docs/configuration.md); kernel probes the
 * kernel's XFRM first and refuses to start without ESP.
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

#define DAEMON_USAGE "[-c FILE] [--foreground] [--backend afxdp|kernel] [--sas N] [--policies N] [--bench-no-crypto]"

static int backend_arg(const char *v, uint8_t *backend)
{
	if (v && (!strcmp(v, "kernel") || !strcmp(v, "afxdp"))) {
		*backend = strcmp(v, "kernel") ? XS_BACKEND_AFXDP : XS_BACKEND_KERNEL;
		return 0;
	}
	fprintf(stderr, "xdpsec: daemon: --backend wants afxdp or kernel\n");
	return -1;
}

static int limit_arg(const char *opt, const char *v, struct xs_limits *l)
{
	char why[XS_WHY_MAX];

	if (v && !xs_limits_parse(opt + 2, v, l, why))
		return 0;
	fprintf(stderr, "xdpsec: daemon: %s\n",
		v ? why : "--sas/--policies want a number");
	return -1;
}

static int do_daemon(int argc, char **argv)
{
	const char *conf = NULL;
	bool fg = false, no_crypto = false;
	uint8_t backend = XS_BACKEND_AFXDP;
	struct xs_limits limits = { 0 };
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--foreground") || !strcmp(argv[i], "-f")) {
			fg = true;
		} else if (!strcmp(argv[i], "--bench-no-crypto")) {
			no_crypto = true;
		} else if (!strcmp(argv[i], "--sas") || !strcmp(argv[i], "--policies")) {
			i++;
			if (limit_arg(argv[i - 1], i < argc ? argv[i] : NULL, &limits))
				return XS_EXIT_USAGE;
		} else if (!strcmp(argv[i], "--backend")) {
			if (backend_arg(++i < argc ? argv[i] : NULL, &backend))
				return XS_EXIT_USAGE;
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (++i >= argc) {
				fprintf(stderr, "xdpsec: daemon: missing file after '%s'\n",
					argv[i - 1]);
				return XS_EXIT_USAGE;
			}
			conf = argv[i];
		} else {
			fprintf(stderr, "xdpsec: daemon: unknown option '%s' (want " DAEMON_USAGE ")\n",
				argv[i]);
			return XS_EXIT_USAGE;
		}
	}
	return xs_daemon_main(conf, fg, no_crypto, backend, &limits);
}

const struct xs_cmd xs_cmd_daemon = {
	.name = "daemon",
	.help = "daemon " DAEMON_USAGE ": run the instance's daemon (the last: benchmarks only, no encryption)",
	.run = do_daemon,
};
