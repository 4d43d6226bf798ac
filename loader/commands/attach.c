// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec attach --wan IF [--lan IF] */
#include <stdio.h>
#include <string.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

static int parse(int argc, char **argv, const char **wan, const char **lan,
		 char *why)
{
	int i;

	*wan = *lan = NULL;
	for (i = 0; i < argc; i += 2) {
		const char **slot = !strcmp(argv[i], "--wan") ? wan :
				    !strcmp(argv[i], "--lan") ? lan : NULL;

		if (!slot)
			return xs_why(why, "attach: unknown option '%s' (want --wan IF [--lan IF])",
				      argv[i]);
		if (i + 1 >= argc)
			return xs_why(why, "attach: missing interface after '%s'", argv[i]);
		*slot = argv[i + 1];
	}
	return *wan || *lan ? 0 :
	       xs_why(why, "attach: want --wan IF and/or --lan IF");
}

static int check_attach(int argc, char **argv, char *why)
{
	const char *wan, *lan;

	return parse(argc, argv, &wan, &lan, why);
}

static json_t *serve_attach(struct xs_daemon *d, int argc, char **argv,
			    char *why)
{
	const char *wan, *lan;

	if (parse(argc, argv, &wan, &lan, why) || xs_attach(d, wan, lan, why))
		return NULL;
	return json_pack("{s:s?,s:s?}", "wan", wan, "lan", lan);
}

static void print_attach(json_t *res)
{
	const char *wan = json_string_value(json_object_get(res, "wan"));
	const char *lan = json_string_value(json_object_get(res, "lan"));

	if (wan)
		printf("attached wan %s\n", wan);
	if (lan)
		printf("attached lan %s\n", lan);
}

const struct xs_cmd xs_cmd_attach = {
	.name = "attach",
	.help = "attach --wan IF [--lan IF]: attach the XDP/TC programs",
	.check = check_attach,
	.serve = serve_attach,
	.print = print_attach,
};
