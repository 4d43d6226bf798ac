// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec policy add|delete|list|flush, in `ip xfrm policy` syntax. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"

static int check_policy(int argc, char **argv, char *why)
{
	struct xs_pol_req r;

	if (!argc)
		return xs_why(why, "policy: want add|delete|list|flush");
	if (!strcmp(argv[0], "add") || !strcmp(argv[0], "delete"))
		return xs_pol_parse(argc - 1, argv + 1, !strcmp(argv[0], "delete"),
				    &r, why);
	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "flush"))
		return xs_check_no_args(argc - 1, argv + 1, why);
	return xs_why(why, "policy: unknown subcommand '%s' (want add|delete|list|flush)",
		      argv[0]);
}

static json_t *list(struct xs_daemon *d)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; i < d->npols; i++)
		json_array_append_new(a, xs_spd_json(d, i));
	return a;
}

static json_t *serve_policy(struct xs_daemon *d, int argc, char **argv,
			    char *why)
{
	struct xs_pol_req r;
	uint32_t n = d->npols;

	if (check_policy(argc, argv, why))
		return NULL;
	if (!strcmp(argv[0], "list"))
		return list(d);
	if (!strcmp(argv[0], "flush"))
		return xs_spd_flush(d, why) ? NULL :
		       json_pack("{s:i}", "deleted", (int)n);
	xs_pol_parse(argc - 1, argv + 1, !strcmp(argv[0], "delete"), &r, why);
	if (!strcmp(argv[0], "delete"))
		return xs_spd_delete(d, &r.pol, why) ? NULL :
		       json_pack("{s:i}", "deleted", 1);
	if (xs_spd_add(d, &r, why))
		return NULL;
	return xs_spd_json(d, d->npols - 1);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void print_pol(json_t *p)
{
	json_t *t = json_object_get(p, "tmpl"), *slot = json_object_get(p, "sa_slot");

	printf("src %s dst %s", str(p, "src"), str(p, "dst"));
	if (str(p, "proto"))
		printf(" proto %s", str(p, "proto"));
	if (str(p, "sport"))
		printf(" sport %s", str(p, "sport"));
	if (str(p, "dport"))
		printf(" dport %s", str(p, "dport"));
	printf("\n\tdir %s priority %" PRId64 " action %s id %" PRId64 "\n",
	       str(p, "dir"), (int64_t)json_integer_value(json_object_get(p, "priority")),
	       str(p, "action"), (int64_t)json_integer_value(json_object_get(p, "id")));
	if (!json_is_object(t))
		return;
	printf("\ttmpl");
	if (str(t, "src"))
		printf(" src %s dst %s", str(t, "src"), str(t, "dst"));
	printf(" proto %s mode %s reqid %" PRId64 "\n", str(t, "proto"),
	       str(t, "mode"), (int64_t)json_integer_value(json_object_get(t, "reqid")));
	if (json_is_integer(slot))
		printf("\tsa slot %" PRId64 "\n", (int64_t)json_integer_value(slot));
	else
		printf("\tsa none (acquire: traffic dropped as no-sa)\n");
}

static void print_policy(json_t *res)
{
	json_t *p;
	size_t i;

	if (json_is_array(res)) {
		json_array_foreach(res, i, p)
			print_pol(p);
	} else if (json_object_get(res, "src")) {
		print_pol(res);
	} else {
		printf("deleted %" PRId64 " policy(ies)\n",
		       (int64_t)json_integer_value(json_object_get(res, "deleted")));
	}
}

const struct xs_cmd xs_cmd_policy = {
	.name = "policy",
	.help = "policy add|delete|list|flush: SPD, `ip xfrm policy` syntax",
	.check = check_policy,
	.serve = serve_policy,
	.print = print_policy,
};
