// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec list-sas [--json]: the IKE SAs and their Child SAs, as
 * `swanctl --list-sas` shows them (--json, here or before the command:
 * docs/control-protocol.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loader/commands/commands.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"

static json_t *serve_list_sas(struct xs_daemon *d, int argc, char **argv,
			      char *why)
{
	if (xs_check_no_args(argc, argv, why))
		return NULL;
	return xs_ike_sas_json(d);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

static int64_t num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void print_times(const char *first, json_t *o, const char *k1,
			const char *k2, const char *k3)
{
	printf("%s %" PRId64 "s ago", first, num(o, k1));
	if (json_is_integer(json_object_get(o, k2)))
		printf(", rekeying in %" PRId64 "s", num(o, k2));
	if (k3 && json_is_integer(json_object_get(o, k3)))
		printf(", expires in %" PRId64 "s", num(o, k3));
	printf("\n");
}

static void print_child(json_t *c)
{
	printf("  %s: #%" PRId64 ", reqid %" PRId64 ", %s, %s%s, %s:%s\n",
	       str(c, "name"), num(c, "uniqueid"), num(c, "reqid"), str(c, "state"),
	       str(c, "mode"), json_is_true(json_object_get(c, "encap")) ? "-in-UDP" : "",
	       str(c, "protocol"), str(c, "proposal"));
	print_times("    installed", c, "installed", "rekey_time", "life_time");
	printf("    in  %s, %7" PRId64 " bytes, %5" PRId64 " packets\n",
	       str(c, "spi_in"), num(c, "bytes_in"), num(c, "packets_in"));
	printf("    out %s, %7" PRId64 " bytes, %5" PRId64 " packets\n",
	       str(c, "spi_out"), num(c, "bytes_out"), num(c, "packets_out"));
	xs_print_strings("    local ", json_object_get(c, "local_ts"));
	xs_print_strings("    remote", json_object_get(c, "remote_ts"));
}

static void print_list_sas(json_t *res)
{
	json_t *sa, *c;
	size_t i, j;
	bool ini;

	json_array_foreach(res, i, sa) {
		ini = json_is_true(json_object_get(sa, "initiator"));
		printf("%s: #%" PRId64 ", %s, IKEv2, %s_i%s %s_r%s\n", str(sa, "name"),
		       num(sa, "uniqueid"), str(sa, "state"), str(sa, "initiator_spi"),
		       ini ? "*" : "", str(sa, "responder_spi"), ini ? "" : "*");
		printf("  local  '%s' @ %s[%" PRId64 "]%s\n", str(sa, "local_id"),
		       str(sa, "local_host"), num(sa, "local_port"),
		       json_is_true(json_object_get(sa, "nat_local")) ? " [NAT]" : "");
		printf("  remote '%s' @ %s[%" PRId64 "]%s\n", str(sa, "remote_id"),
		       str(sa, "remote_host"), num(sa, "remote_port"),
		       json_is_true(json_object_get(sa, "nat_remote")) ? " [NAT]" : "");
		printf("  %s\n", str(sa, "proposal"));
		if (json_is_integer(json_object_get(sa, "established")))
			print_times("  established", sa, "established", "rekey_time", NULL);
		json_array_foreach(json_object_get(sa, "child_sas"), j, c)
			print_child(c);
	}
}

/* swanctl's habit: --json after the command too. */
static int do_list_sas(int argc, char **argv)
{
	if (argc == 1 && !strcmp(argv[0], "--json")) {
		xs_opts.json = true;
		argc = 0;
	}
	return xs_remote(&xs_cmd_list_sas, argc, argv);
}

const struct xs_cmd xs_cmd_list_sas = {
	.name = "list-sas",
	.help = "[--json]: IKE and Child SAs (like swanctl --list-sas)",
	.run = do_list_sas,
	.check = xs_check_no_args,
	.serve = serve_list_sas,
	.print = print_list_sas,
};
