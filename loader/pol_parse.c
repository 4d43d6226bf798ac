// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* `ip xfrm policy add|delete` words -> struct xs_pol_req. */
#include <stdio.h>
#include <string.h>

#include "loader/args.h"
#include "loader/pol_parse.h"
#include "loader/xdpsec.h"
#include "maps/types.h"

static const char *const dir_names[XS_SPD_DIRS] = { "in", "out", "fwd" };

static const struct { const char *name; uint8_t num; } protos[] = {
	{ "icmp", XS_PROTO_ICMP }, { "tcp", XS_PROTO_TCP },
	{ "udp", XS_PROTO_UDP }, { "ipv6-icmp", XS_PROTO_ICMPV6 },
	{ "icmpv6", XS_PROTO_ICMPV6 }, { "esp", XS_PROTO_ESP },
	{ "ah", XS_PROTO_AH }, { "sctp", 132 }, { "udplite", 136 },
};

const char *xs_pol_dir_name(unsigned dir)
{
	return dir < XS_SPD_DIRS ? dir_names[dir] : "?";
}

const char *xs_pol_proto_name(unsigned proto, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

struct pol_parse {
	struct xs_args a;
	struct xs_pol_req *r;
	bool src, dst, dir, ports;
};

static int kw_prefix(struct pol_parse *p, bool src)
{
	struct xs_spd_policy *pol = &p->r->pol;
	const char *v = xs_arg_value(&p->a);
	uint8_t fam;

	if (!v || xs_parse_prefix(v, src ? "src" : "dst", &fam,
				  src ? pol->src : pol->dst,
				  src ? &pol->src_len : &pol->dst_len,
				  p->a.why))
		return -1;
	if (pol->family && pol->family != fam)
		return xs_why(p->a.why, "'%s %s': src and dst families differ",
			      src ? "src" : "dst", v);
	pol->family = fam;
	*(src ? &p->src : &p->dst) = true;
	return 0;
}

int xs_proto_parse(const char *v, const char *what, uint8_t *proto,
		   char *why)
{
	uint32_t n;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(protos[i].name, v)) {
			*proto = protos[i].num;
			return 0;
		}
	if (!strcmp(v, "any")) {
		*proto = 0;
		return 0;
	}
	if (xs_parse_u32(v, what, &n, why) || n > 255)
		return xs_why(why, "unknown %s '%s'", what, v);
	*proto = n;
	return 0;
}

static int kw_proto(struct pol_parse *p)
{
	const char *v = xs_arg_value(&p->a);

	return v ? xs_proto_parse(v, "proto", &p->r->pol.proto, p->a.why) : -1;
}

static int kw_dir(struct pol_parse *p)
{
	const char *v = xs_arg_value(&p->a);
	unsigned i;

	if (!v)
		return -1;
	for (i = 0; i < XS_SPD_DIRS; i++)
		if (!strcmp(v, dir_names[i])) {
			p->r->pol.dir = i;
			p->dir = true;
			return 0;
		}
	return xs_why(p->a.why, "unknown dir '%s' (want in, out or fwd)", v);
}

static int kw_action(struct pol_parse *p)
{
	const char *v = xs_arg_value(&p->a);

	if (!v)
		return -1;
	if (!strcmp(v, "allow"))
		p->r->pol.action = XS_SPD_BYPASS;
	else if (!strcmp(v, "block"))
		p->r->pol.action = XS_SPD_DISCARD;
	else
		return xs_why(p->a.why, "unknown action '%s' (want allow or block)", v);
	return 0;
}

static int kw_ports(struct pol_parse *p, bool src)
{
	struct xs_spd_policy *pol = &p->r->pol;
	const char *v = xs_arg_value(&p->a);

	p->ports = true;
	return v ? xs_parse_ports(v, src ? "sport" : "dport",
				  src ? &pol->sport_lo : &pol->dport_lo,
				  src ? &pol->sport_hi : &pol->dport_hi,
				  p->a.why) : -1;
}

static int tmpl_addr(struct pol_parse *p, const char *what, uint8_t *addr)
{
	struct xs_spd_policy *pol = &p->r->pol;
	const char *v = xs_arg_value(&p->a);
	uint8_t fam;

	if (!v || xs_parse_addr(v, what, &fam, addr, p->a.why))
		return -1;
	if (pol->tmpl_family && pol->tmpl_family != fam)
		return xs_why(p->a.why, "'%s': tmpl src and dst families differ", v);
	pol->tmpl_family = fam;
	return 0;
}

static int tmpl_word(struct pol_parse *p, const char *w, bool *mode)
{
	struct xs_spd_policy *pol = &p->r->pol;
	const char *v;

	if (!strcmp(w, "src"))
		return tmpl_addr(p, "tmpl src", pol->tmpl_src);
	if (!strcmp(w, "dst"))
		return tmpl_addr(p, "tmpl dst", pol->tmpl_dst);
	if (!strcmp(w, "reqid"))
		return (v = xs_arg_value(&p->a)) ?
		       xs_parse_reqid(v, &pol->reqid, p->a.why) : -1;
	if (!strcmp(w, "spi"))
		return (v = xs_arg_value(&p->a)) ?
		       xs_parse_u32(v, "spi", &p->r->tmpl_spi, p->a.why) : -1;
	if (!(v = xs_arg_value(&p->a)))
		return -1;
	if (!strcmp(w, "proto")) {
		if (strcmp(v, "esp") && strcmp(v, "ah"))
			return xs_why(p->a.why, "unknown tmpl proto '%s' (want esp or ah)", v);
		pol->tmpl_proto = !strcmp(v, "esp") ? XS_PROTO_ESP : XS_PROTO_AH;
		return 0;
	}
	if (strcmp(v, "tunnel") && strcmp(v, "transport"))
		return xs_why(p->a.why, "unknown tmpl mode '%s' (want tunnel or transport)", v);
	pol->tmpl_mode = !strcmp(v, "tunnel");
	*mode = true;
	return 0;
}

static bool is_tmpl_word(const char *w)
{
	return !strcmp(w, "src") || !strcmp(w, "dst") || !strcmp(w, "proto") ||
	       !strcmp(w, "mode") || !strcmp(w, "reqid") || !strcmp(w, "spi");
}

/* tmpl is last: every remaining word belongs to it. */
static int kw_tmpl(struct pol_parse *p)
{
	struct xs_spd_policy *pol = &p->r->pol;
	bool mode = false;
	const char *w;

	while ((w = xs_arg_word(&p->a))) {
		if (!is_tmpl_word(w))
			return xs_why(p->a.why, "unknown tmpl keyword '%s'", w);
		if (tmpl_word(p, w, &mode))
			return -1;
	}
	if (!pol->tmpl_proto)
		return xs_why(p->a.why, "tmpl: missing proto");
	if (pol->tmpl_mode == 1 && !pol->tmpl_family)
		return xs_why(p->a.why, "tmpl: tunnel mode needs src and dst");
	if (!mode)
		return xs_why(p->a.why, "tmpl: missing mode");
	p->r->tmpl = true;
	return 0;
}

static int one_keyword(struct pol_parse *p, const char *w, bool sel_only)
{
	uint32_t prio;
	const char *v;

	if (!strcmp(w, "src") || !strcmp(w, "dst"))
		return kw_prefix(p, !strcmp(w, "src"));
	if (!strcmp(w, "proto"))
		return kw_proto(p);
	if (!strcmp(w, "sport") || !strcmp(w, "dport"))
		return kw_ports(p, !strcmp(w, "sport"));
	if (!strcmp(w, "dir"))
		return kw_dir(p);
	if (!sel_only && !strcmp(w, "priority"))
		return (v = xs_arg_value(&p->a)) &&
		       !xs_parse_u32(v, "priority", &prio, p->a.why) ?
		       (p->r->pol.priority = prio, 0) : -1;
	if (!sel_only && !strcmp(w, "action"))
		return kw_action(p);
	if (!sel_only && !strcmp(w, "tmpl"))
		return kw_tmpl(p);
	return xs_why(p->a.why, "unknown keyword '%s'", w);
}

static int finish(struct pol_parse *p)
{
	struct xs_spd_policy *pol = &p->r->pol;

	if (!p->src || !p->dst || !p->dir)
		return xs_why(p->a.why, "missing %s", !p->src ? "src" :
			      !p->dst ? "dst" : "dir");
	if (p->ports && pol->proto != XS_PROTO_TCP && pol->proto != XS_PROTO_UDP &&
	    pol->proto != XS_PROTO_ICMP && pol->proto != XS_PROTO_ICMPV6 &&
	    pol->proto != 132)
		return xs_why(p->a.why, "sport/dport need proto tcp, udp, sctp, icmp or ipv6-icmp");
	if (p->r->tmpl && pol->action == XS_SPD_DISCARD)
		return xs_why(p->a.why, "action block takes no tmpl");
	if (p->r->tmpl)
		pol->action = XS_SPD_PROTECT;
	pol->sa_slot = XS_SA_NONE;
	return 0;
}

int xs_pol_parse(int argc, char **argv, bool sel_only, struct xs_pol_req *r,
		 char *why)
{
	struct pol_parse p = { .a = { argc, argv, 0, why }, .r = r };
	const char *w;

	memset(r, 0, sizeof(*r));
	r->pol.sport_hi = r->pol.dport_hi = 65535;
	while ((w = xs_arg_word(&p.a)))
		if (one_keyword(&p, w, sel_only))
			return -(p.a.i > 0 ? p.a.i : 1);
	return finish(&p) ? -(p.a.i > 0 ? p.a.i : 1) : 0;
}

bool xs_pol_same_sel(const struct xs_spd_policy *a,
		     const struct xs_spd_policy *b)
{
	return a->dir == b->dir && a->family == b->family &&
	       a->proto == b->proto && a->src_len == b->src_len &&
	       a->dst_len == b->dst_len && !memcmp(a->src, b->src, 16) &&
	       !memcmp(a->dst, b->dst, 16) && a->sport_lo == b->sport_lo &&
	       a->sport_hi == b->sport_hi && a->dport_lo == b->dport_lo &&
	       a->dport_hi == b->dport_hi;
}
