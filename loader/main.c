// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec [-i|--instance NAME] [--json] COMMAND [ARGS...]
 * One binary for the CLI and the daemon; commands live in commands/, one
 * file each, and are listed in the table below.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "loader/commands/commands.h"
#include "loader/xdpsec.h"

struct xs_opts xs_opts = { .instance = "default" };

static const struct xs_cmd *const cmds[] = {
	&xs_cmd_help, &xs_cmd_daemon, &xs_cmd_stop, &xs_cmd_attach,
	&xs_cmd_detach, &xs_cmd_state, &xs_cmd_policy, &xs_cmd_status,
	&xs_cmd_stats, &xs_cmd_load_conf, &xs_cmd_list_conns, &xs_cmd_list_sas,
	&xs_cmd_up, &xs_cmd_down,
};

const struct xs_cmd *xs_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i]->name, name))
			return cmds[i];
	return NULL;
}

void xs_cmd_list(void)
{
	size_t i;

	printf("usage: xdpsec [-i|--instance NAME] [--json] COMMAND [ARGS...]\n\n"
	       "commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-10s %s\n", cmds[i]->name, cmds[i]->help);
}

static int parse_opts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "instance", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			xs_opts.instance = optarg;
			break;
		case 'j':
			xs_opts.json = true;
			break;
		case 'h':
			xs_cmd_list();
			return -2;
		default:
			fprintf(stderr, "xdpsec: unknown option '%s' (see: xdpsec help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct xs_cmd *c;
	int ret = parse_opts(argc, argv);

	if (ret)
		return ret == -2 ? XS_EXIT_OK : XS_EXIT_USAGE;
	if (!xs_instance_valid(xs_opts.instance)) {
		fprintf(stderr, "xdpsec: bad instance name '%s' (want 1-15 of a-z 0-9 _ -)\n",
			xs_opts.instance);
		return XS_EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr, "xdpsec: missing command (see: xdpsec help)\n");
		return XS_EXIT_USAGE;
	}
	c = xs_cmd_find(argv[optind]);
	if (!c) {
		fprintf(stderr, "xdpsec: unknown command '%s' (see: xdpsec help)\n",
			argv[optind]);
		return XS_EXIT_USAGE;
	}
	argc -= optind + 1;
	argv += optind + 1;
	return c->run ? c->run(argc, argv) : xs_remote(c, argc, argv);
}
