// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec stats: what each BPF hook did (actions) and why it dropped
 * (maps/drop_reasons.h names), summed over the CPUs from xs_stats.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/engine.h"
#include "loader/commands/commands.h"
#include "loader/daemon.h"
#include "maps/stats.h"

static const char *const hook_names[XS_HOOKS] = { "xdp-wan", "xdp-lan", "tc-out" };
static const char *const act_names[XS_ACT__MAX] = {
	"non-ip", "ike", "bypass", "default", "worker", "kernel", "drop"
};

static json_t *hook_json(const struct xs_stats *s, int ncpu)
{
	json_t *acts = json_object(), *drops = json_object();
	uint64_t sum;
	int i, c;

	for (i = 0; i < XS_ACT__MAX; i++) {
		for (sum = 0, c = 0; c < ncpu; c++)
			sum += s[c].actions[i];
		json_object_set_new(acts, act_names[i], json_integer(sum));
	}
	for (i = 1; i < XS_DROP__MAX; i++) {
		for (sum = 0, c = 0; c < ncpu; c++)
			sum += s[c].drops[i];
		json_object_set_new(drops, xs_drop_name(i), json_integer(sum));
	}
	for (sum = 0, c = 0; c < ncpu; c++)
		sum += s[c].acquires_limited;
	return json_pack("{s:o,s:o,s:I}", "actions", acts, "drops", drops,
			 "acquires_limited", (json_int_t)sum);
}

static json_t *serve_stats(struct xs_daemon *d, int argc, char **argv,
			   char *why)
{
	int ncpu = libbpf_num_possible_cpus();
	json_t *hooks = json_object();
	struct xs_stats *s;
	uint32_t h;

	if (xs_check_no_args(argc, argv, why))
		return NULL;
	s = ncpu > 0 ? calloc(ncpu, sizeof(*s)) : NULL;
	if (!s) {
		xs_why(why, "stats: out of memory");
		return NULL;
	}
	for (h = 0; h < XS_HOOKS; h++) {
		if (bpf_map_lookup_elem(d->fd_stats, &h, s))
			memset(s, 0, ncpu * sizeof(*s));
		json_object_set_new(hooks, hook_names[h], hook_json(s, ncpu));
	}
	free(s);
	return json_pack("{s:o,s:o}", "hooks", hooks, "worker", xs_glue_json(d));
}

static void print_counters(const char *title, json_t *o)
{
	const char *k;
	json_t *v;
	int n = 0;

	json_object_foreach(o, k, v) {
		if (!json_integer_value(v))
			continue;
		printf("%s%s %" PRId64, n++ ? ", " : title, k,
		       (int64_t)json_integer_value(v));
	}
	if (n)
		printf("\n");
}

static void print_stats(json_t *res)
{
	const char *name;
	json_t *h;

	json_object_foreach(json_object_get(res, "hooks"), name, h) {
		printf("%s:\n", name);
		print_counters("  actions: ", json_object_get(h, "actions"));
		print_counters("  drops: ", json_object_get(h, "drops"));
		printf("  acquires limited: %" PRId64 "\n", (int64_t)
		       json_integer_value(json_object_get(h, "acquires_limited")));
	}
	h = json_object_get(res, "worker");
	if (json_is_object(h)) {
		printf("worker: rx %" PRId64 ", tx %" PRId64 "\n",
		       (int64_t)json_integer_value(json_object_get(h, "rx")),
		       (int64_t)json_integer_value(json_object_get(h, "tx")));
		print_counters("  drops: ", json_object_get(h, "drops"));
		printf("  acquires limited: %" PRId64 "\n", (int64_t)
		       json_integer_value(json_object_get(h, "acquires_limited")));
	}
}

const struct xs_cmd xs_cmd_stats = {
	.name = "stats",
	.help = "counters: actions and drop reasons per hook",
	.check = xs_check_no_args,
	.serve = serve_stats,
	.print = print_stats,
};
