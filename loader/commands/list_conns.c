// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec list-conns: the IKE connections of the loaded configuration, as
 * `swanctl --list-conns` shows them (never a secret).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"

static json_t *serve_list_conns(struct xs_daemon *d, int argc, char **argv,
				char *why)
{
	if (xs_check_no_args(argc, argv, why))
		return NULL;
	return xs_ike_conns_json(d);
}

static void print_end(const char *side, json_t *e)
{
	const char *file = json_string_value(json_object_get(e, "certs")) ?:
			   json_string_value(json_object_get(e, "cacerts"));

	printf("  %s %s authentication:\n    id: %s\n", side,
	       json_string_value(json_object_get(e, "auth")),
	       json_string_value(json_object_get(e, "id")));
	if (file)
		printf("    %s: %s\n", json_object_get(e, "certs") ? "certs" : "cacerts", file);
}

static void print_child(json_t *ch)
{
	const char *mode = json_string_value(json_object_get(ch, "mode"));

	printf("  %s: %s, rekeying every %" PRId64 "s, %s\n",
	       json_string_value(json_object_get(ch, "name")),
	       !strcmp(mode, "tunnel") ? "TUNNEL" : "TRANSPORT",
	       (int64_t)json_integer_value(json_object_get(ch, "rekey_time")),
	       json_string_value(json_object_get(ch, "start_action")));
	printf("    %s proposals: %s\n", json_string_value(json_object_get(ch, "proto")),
	       json_string_value(json_object_get(ch, "proposals")));
	xs_print_strings("    local: ", json_object_get(ch, "local_ts"));
	xs_print_strings("    remote:", json_object_get(ch, "remote_ts"));
}

static void print_list_conns(json_t *res)
{
	json_t *c, *ch;
	size_t i, j;

	json_array_foreach(json_object_get(res, "connections"), i, c) {
		printf("%s: IKEv2, reauthentication disabled, rekeying every %" PRId64 "s\n",
		       json_string_value(json_object_get(c, "name")),
		       (int64_t)json_integer_value(json_object_get(c, "rekey_time")));
		printf("  local:  %s\n  remote: %s\n  proposals: %s\n",
		       json_string_value(json_object_get(c, "local_addrs")),
		       json_string_value(json_object_get(c, "remote_addrs")),
		       json_string_value(json_object_get(c, "proposals")));
		print_end("local", json_object_get(c, "local"));
		print_end("remote", json_object_get(c, "remote"));
		json_array_foreach(json_object_get(c, "children"), j, ch)
			print_child(ch);
	}
}

const struct xs_cmd xs_cmd_list_conns = {
	.name = "list-conns",
	.help = "the configured IKE connections (like swanctl --list-conns)",
	.check = xs_check_no_args,
	.serve = serve_list_conns,
	.print = print_list_conns,
};
