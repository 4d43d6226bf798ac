// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdpsec state add|delete|get|list|flush, in `ip xfrm state` syntax.
 * Listings never show keys: the daemon has none to show.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loader/args.h"
#include "loader/commands/commands.h"
#include "loader/daemon.h"
#include "loader/sel_parse.h"
#include "maps/types.h"

static const char *const state_names[] = {
	"empty", "larval", "mature", "dying", "dead"
};

static int check_state(int argc, char **argv, char *why)
{
	struct xs_sa_req r;
	struct xs_sa_id id;
	int ret;

	if (!argc)
		return xs_why(why, "state: want add|delete|get|list|flush");
	if (!strcmp(argv[0], "add")) {
		ret = xs_sa_parse(argc - 1, argv + 1, &r, why);
		if (!ret)
			ret = xs_sa_validate(&r, why);
		xs_sa_req_wipe(&r);
		return ret;
	}
	if (!strcmp(argv[0], "delete") || !strcmp(argv[0], "get"))
		return xs_sa_parse_id(argc - 1, argv + 1, &id, why);
	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "flush"))
		return xs_check_no_args(argc - 1, argv + 1, why);
	return xs_why(why, "state: unknown subcommand '%s' (want add|delete|get|list|flush)",
		      argv[0]);
}

static json_t *addr_json(uint8_t fam, const uint8_t *a)
{
	char buf[64];

	xs_addr_str(fam, a, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *limits_json(const struct xs_sad_entry *e)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
			 "time-soft", (json_int_t)e->soft_add_sec,
			 "time-hard", (json_int_t)e->hard_add_sec,
			 "byte-soft", (json_int_t)e->soft_bytes,
			 "byte-hard", (json_int_t)e->hard_bytes,
			 "packet-soft", (json_int_t)e->soft_packets,
			 "packet-hard", (json_int_t)e->hard_packets);
}

static json_t *flags_json(uint32_t f)
{
	json_t *a = json_array();

	if (f & XS_SA_ESN)
		json_array_append_new(a, json_string("esn"));
	if (f & XS_SA_NO_ECN)
		json_array_append_new(a, json_string("noecn"));
	return a;
}

static json_t *sa_json(const struct xs_daemon *d, uint32_t slot)
{
	const struct xs_sad_entry *e = &d->sad[slot];
	char alg[128];

	xs_sa_alg_str(e->proto, e->enc, e->integ, alg, sizeof(alg));
	return json_pack("{s:i,s:o,s:o,s:s,s:I,s:s,s:s,s:I,s:s,s:I,s:o,s:s,"
			 "s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:s}",
		"slot", (int)slot, "src", addr_json(e->family, e->src),
		"dst", addr_json(e->family, e->dst),
		"proto", e->proto == XS_PROTO_AH ? "ah" : "esp",
		"spi", (json_int_t)e->spi, "mode", e->mode ? "tunnel" : "transport",
		"dir", e->dir == XS_DIR_OUT ? "out" : "in",
		"reqid", (json_int_t)e->reqid,
		"state", state_names[e->state % 5],
		"replay_window", (json_int_t)e->replay_window,
		"flags", flags_json(e->flags), "alg", alg,
		"encap", e->flags & XS_SA_UDP_ENCAP ?
			json_pack("{s:s,s:i,s:i}", "type", "espinudp",
				  "sport", e->encap_sport, "dport", e->encap_dport) :
			json_null(),
		"sel", xs_sel_json(d->sas[slot].sel, d->sas[slot].nsel), "limit", limits_json(e),
		"add_time", (json_int_t)e->add_time, "seq", (json_int_t)e->seq,
		"replay_top", (json_int_t)e->replay_top,
		"packets", (json_int_t)e->packets, "bytes", (json_int_t)e->bytes,
		"drops", (json_int_t)e->drops, "keys", d->sas[slot].keyed,
		"backend", e->backend == XS_BACKEND_KERNEL ? "kernel" : "afxdp");
}

static json_t *list(struct xs_daemon *d)
{
	json_t *a = json_array();
	uint32_t s;

	for (s = 0; s < d->sad_slots; s++)
		if (d->sas[s].order)
			json_array_append_new(a, sa_json(d, s));
	return a;
}

static json_t *serve_add(struct xs_daemon *d, int argc, char **argv,
			 char *why)
{
	struct xs_sa_req r;
	struct xs_sa_id id;
	uint32_t slot;
	int ret;

	if (xs_sa_parse(argc, argv, &r, why))
		return NULL;
	ret = xs_sad_add(d, &r, why);
	xs_sa_req_wipe(&r);
	if (ret)
		return NULL;
	id = (struct xs_sa_id){ .family = r.cfg.family, .proto = r.cfg.proto,
				.spi = r.cfg.spi };
	memcpy(id.dst, r.cfg.dst, 16);
	slot = xs_sad_find(d, &id);
	return sa_json(d, slot);
}

static json_t *serve_state(struct xs_daemon *d, int argc, char **argv,
			   char *why)
{
	struct xs_sa_id id;
	uint32_t n;

	if (check_state(argc, argv, why))
		return NULL;
	if (!strcmp(argv[0], "add"))
		return serve_add(d, argc - 1, argv + 1, why);
	if (!strcmp(argv[0], "list"))
		return list(d);
	if (!strcmp(argv[0], "flush")) {
		n = xs_sad_count(d);
		xs_sad_flush(d);
		return json_pack("{s:i}", "deleted", (int)n);
	}
	xs_sa_parse_id(argc - 1, argv + 1, &id, why);
	if (!strcmp(argv[0], "get")) {
		n = xs_sad_find(d, &id);
		if (n == XS_SA_NONE) {
			xs_why(why, "state get: no such SA (spi 0x%x)", id.spi);
			return NULL;
		}
		return sa_json(d, n);
	}
	return xs_sad_delete(d, &id, why) ? NULL : json_pack("{s:i}", "deleted", 1);
}

static void print_sa(json_t *sa)
{
	json_t *encap = json_object_get(sa, "encap"), *sel = json_object_get(sa, "sel");
	bool kernel = !strcmp(json_string_value(json_object_get(sa, "backend")), "kernel");
	char words[160];
	json_t *f;
	size_t i;

	printf("src %s dst %s\n", json_string_value(json_object_get(sa, "src")),
	       json_string_value(json_object_get(sa, "dst")));
	printf("\tproto %s spi 0x%08" PRIx64 " reqid %" PRId64 " mode %s dir %s\n",
	       json_string_value(json_object_get(sa, "proto")),
	       (uint64_t)json_integer_value(json_object_get(sa, "spi")),
	       (int64_t)json_integer_value(json_object_get(sa, "reqid")),
	       json_string_value(json_object_get(sa, "mode")),
	       json_string_value(json_object_get(sa, "dir")));
	printf("\tbackend %s\n", kernel ? "kernel (keys and crypto in XFRM)" : "afxdp");
	printf("\treplay-window %" PRId64,
	       (int64_t)json_integer_value(json_object_get(sa, "replay_window")));
	json_array_foreach(json_object_get(sa, "flags"), i, f)
		printf("%s%s", i ? " " : " flag ", json_string_value(f));
	printf("\n\t%s\n", json_string_value(json_object_get(sa, "alg")));
	if (json_is_object(encap))
		printf("\tencap espinudp %" PRId64 " %" PRId64 "\n",
		       (int64_t)json_integer_value(json_object_get(encap, "sport")),
		       (int64_t)json_integer_value(json_object_get(encap, "dport")));
	json_array_foreach(sel, i, f) {
		xs_sel_json_words(f, words, sizeof(words));
		printf("\tsel %s\n", words);
	}
	if (!kernel && !json_is_true(json_object_get(sa, "keys")))
		printf("\tkeys none: no worker had them (add the SA again after attach)\n");
	printf("\tstate %s seq 0x%" PRIx64 " packets %" PRId64 " bytes %" PRId64
	       " drops %" PRId64 "\n",
	       json_string_value(json_object_get(sa, "state")),
	       (uint64_t)json_integer_value(json_object_get(sa, "seq")),
	       (int64_t)json_integer_value(json_object_get(sa, "packets")),
	       (int64_t)json_integer_value(json_object_get(sa, "bytes")),
	       (int64_t)json_integer_value(json_object_get(sa, "drops")));
}

static void print_state(json_t *res)
{
	json_t *sa;
	size_t i;

	if (json_is_array(res)) {
		json_array_foreach(res, i, sa)
			print_sa(sa);
	} else if (json_object_get(res, "spi")) {
		print_sa(res);
	} else {
		printf("deleted %" PRId64 " SA(s)\n",
		       (int64_t)json_integer_value(json_object_get(res, "deleted")));
	}
}

const struct xs_cmd xs_cmd_state = {
	.name = "state",
	.help = "state add|delete|get|list|flush: SAs, `ip xfrm state` syntax",
	.check = check_state,
	.serve = serve_state,
	.print = print_state,
};
