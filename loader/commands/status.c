// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* xdpsec status: interfaces, programs, SAs, policies, worker. */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>


#include "loader/backend_kernel.h"
#include "loader/commands/commands.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"

static const char *const roles[XS_ROLES] = { "wan", "lan", "internal" };

static json_t *ifaces_json(const struct xs_daemon *d)
{
	static const char *const progs[XS_ROLES] = { "xdp_wan", "xdp_lan", "xdp_lan" };
	json_t *a = json_array();
	int r;

	for (r = 0; r < XS_ROLES; r++) {
		const struct xs_iface *f = &d->ifs[r];

		if (!f->ifindex)
			continue;
		json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:s,s:s,s:s?}",
			"role", roles[r], "name", f->name, "ifindex", f->ifindex,
			"xdp", progs[r], "mode", f->generic ? "generic" : "native",
			"tc", f->tc ? "tc_out egress" : NULL));
	}
	return a;
}

static json_t *serve_status(struct xs_daemon *d, int argc, char **argv,
			    char *why)
{
	if (xs_check_no_args(argc, argv, why))
		return NULL;
	return json_pack("{s:s,s:i,s:s,s:o,s:i,s:i,s:i,s:i,s:i,s:I,s:o,s:o,s:o}",
			 "instance", xs_opts.instance, "pid", (int)getpid(),
			 "pins", d->pin_dir, "interfaces", ifaces_json(d),
			 "sas", (int)xs_sad_count(d), "sad_slots", (int)d->sad_slots,
			 "policies", (int)d->npols,
			 "policies_max", (int)d->limits.policies,
			 "spd_generation", (int)d->spd_gen,
			 "acquires", (json_int_t)d->acquires,
			 "worker", xs_glue_json(d), "backend", xs_kernel_json(d),
			 "ike", xs_ike_stats_json(d));
}

static void print_ike(json_t *ike)
{
	if (!json_is_object(ike))
		return;
	printf("  IKE: %" PRId64 " connection(s), %" PRId64 " Child SA(s); IKE SAs %"
	       PRId64 " established, %" PRId64 " failed; retransmits %" PRId64 "\n",
	       (int64_t)json_integer_value(json_object_get(ike, "connections")),
	       (int64_t)json_integer_value(json_object_get(ike, "child_sas")),
	       (int64_t)json_integer_value(json_object_get(ike, "sa_established")),
	       (int64_t)json_integer_value(json_object_get(ike, "sa_failed")),
	       (int64_t)json_integer_value(json_object_get(ike, "retransmits")));
}

static void print_backend(json_t *b)
{
	json_t *lack = json_object_get(b, "kernel_lacks"), *w;
	size_t i;

	printf("  backend %s (SAs' default); kernel: %" PRId64 " SAs, %" PRId64
	       " policies in XFRM%s",
	       json_string_value(json_object_get(b, "backend")),
	       (int64_t)json_integer_value(json_object_get(b, "kernel_sas")),
	       (int64_t)json_integer_value(json_object_get(b, "kernel_policies")),
	       json_is_true(json_object_get(b, "xfrm")) ? "" : ", no XFRM netlink");
	json_array_foreach(lack, i, w)
		printf("%s%s", i ? ", " : "; lacks ", json_string_value(w));
	printf("\n");
}

static void print_status(json_t *res)
{
	json_t *f, *w;
	size_t i;

	printf("instance %s (pid %" PRId64 "), maps pinned in %s\n",
	       json_string_value(json_object_get(res, "instance")),
	       (int64_t)json_integer_value(json_object_get(res, "pid")),
	       json_string_value(json_object_get(res, "pins")));
	json_array_foreach(json_object_get(res, "interfaces"), i, f) {
		const char *tc = json_string_value(json_object_get(f, "tc"));

		printf("  %-8s %-15s %s (%s)%s%s\n",
		       json_string_value(json_object_get(f, "role")),
		       json_string_value(json_object_get(f, "name")),
		       json_string_value(json_object_get(f, "xdp")),
		       json_string_value(json_object_get(f, "mode")),
		       tc ? ", " : "", tc ? tc : "");
	}
	if (!json_array_size(json_object_get(res, "interfaces")))
		printf("  no interfaces attached\n");
	printf("  SAs %" PRId64 " of %" PRId64 ", policies %" PRId64
	       ", acquires (PROTECT traffic without an SA) %" PRId64 "\n",
	       (int64_t)json_integer_value(json_object_get(res, "sas")),
	       (int64_t)json_integer_value(json_object_get(res, "sad_slots")),
	       (int64_t)json_integer_value(json_object_get(res, "policies")),
	       (int64_t)json_integer_value(json_object_get(res, "acquires")));
	w = json_object_get(res, "worker");
	if (json_is_object(w))
		printf("  worker: %" PRId64 " thread(s), rx %" PRId64 " tx %" PRId64 " frames%s\n",
		       (int64_t)json_integer_value(json_object_get(w, "threads")),
		       (int64_t)json_integer_value(json_object_get(w, "rx")),
		       (int64_t)json_integer_value(json_object_get(w, "tx")),
		       json_is_true(json_object_get(w, "no_crypto")) ?
		       ", NO CRYPTO (benchmark only: ESP without encryption or ICV)" : "");
	else
		printf("  worker: not running (PROTECT and ESP traffic is dropped: no-worker)\n");
	print_backend(json_object_get(res, "backend"));
	print_ike(json_object_get(res, "ike"));
}

const struct xs_cmd xs_cmd_status = {
	.name = "status",
	.help = "instance, interfaces, programs, SA and policy counts",
	.check = xs_check_no_args,
	.serve = serve_status,
	.print = print_status,
};
