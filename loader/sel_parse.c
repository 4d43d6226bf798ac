// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* `sel` words of `state add` <-> struct xs_sa_sel (sel_parse.h). */
#include <stdio.h>
#include <string.h>

#include "loader/pol_parse.h"
#include "loader/sel_parse.h"
#include "loader/xdpsec.h"
#include "maps/types.h"

struct sel_words {
	bool ports, icmp;		/* sport/dport, type/code given */
};

static bool is_icmp(uint8_t proto)
{
	return proto == XS_PROTO_ICMP || proto == XS_PROTO_ICMPV6;
}

static int sel_prefix(struct xs_args *a, struct xs_sa_sel *s, bool src)
{
	const char *v = xs_arg_value(a);
	uint8_t fam;

	if (!v || xs_parse_prefix(v, src ? "sel src" : "sel dst", &fam,
				  src ? s->src : s->dst,
				  src ? &s->src_len : &s->dst_len, a->why))
		return -1;
	if (s->family && s->family != fam)
		return xs_why(a->why, "sel: src and dst families differ");
	s->family = fam;
	return 0;
}

/* ICMP type or code: one byte, the whole range of the other left ANY. */
static int sel_icmp(struct xs_args *a, struct xs_sa_sel *s, bool type)
{
	const char *v = xs_arg_value(a);
	uint32_t n;

	if (!v || xs_parse_u32(v, type ? "sel type" : "sel code", &n, a->why))
		return -1;
	if (n > 255)
		return xs_why(a->why, "bad sel %s '%s': want 0-255",
			      type ? "type" : "code", v);
	*(type ? &s->sport_lo : &s->dport_lo) = (uint16_t)n;
	*(type ? &s->sport_hi : &s->dport_hi) = (uint16_t)n;
	return 0;
}

static int sel_word(struct xs_args *a, struct xs_sa_sel *s,
		    struct sel_words *sw, const char *w)
{
	const char *v;

	if (!strcmp(w, "src") || !strcmp(w, "dst"))
		return sel_prefix(a, s, !strcmp(w, "src"));
	if (!strcmp(w, "proto"))
		return (v = xs_arg_value(a)) ?
		       xs_proto_parse(v, "sel proto", &s->proto, a->why) : -1;
	if (!strcmp(w, "type") || !strcmp(w, "code")) {
		sw->icmp = true;
		return sel_icmp(a, s, !strcmp(w, "type"));
	}
	sw->ports = true;
	v = xs_arg_value(a);
	return v ? xs_parse_ports(v, !strcmp(w, "sport") ? "sel sport" : "sel dport",
				  !strcmp(w, "sport") ? &s->sport_lo : &s->dport_lo,
				  !strcmp(w, "sport") ? &s->sport_hi : &s->dport_hi,
				  a->why) : -1;
}

static bool is_sel_word(const char *w)
{
	static const char *const words[] = {
		"src", "dst", "proto", "sport", "dport", "type", "code", NULL
	};
	const char *const *k;

	for (k = words; *k; k++)
		if (!strcmp(*k, w))
			return true;
	return false;
}

static int sel_check(struct xs_args *a, const struct xs_sa_sel *s,
		     const struct sel_words *sw)
{
	if (!s->family)
		return xs_why(a->why, "'sel' wants src PREFIX and/or dst PREFIX");
	if (sw->ports && (!xs_sel_proto_has_ports(s->proto) || is_icmp(s->proto)))
		return xs_why(a->why, "sel: sport/dport need proto tcp, udp, sctp or udplite");
	if (sw->icmp && !is_icmp(s->proto))
		return xs_why(a->why, "sel: type/code need proto icmp or ipv6-icmp");
	return 0;
}

int xs_sel_parse(struct xs_args *a, struct xs_sa_sel *sels, uint8_t *nsel)
{
	struct sel_words sw = { 0 };
	struct xs_sa_sel s = {
		.sport_lo = XS_SEL_PORT_ANY_LO, .sport_hi = XS_SEL_PORT_ANY_HI,
		.dport_lo = XS_SEL_PORT_ANY_LO, .dport_hi = XS_SEL_PORT_ANY_HI,
	};

	if (*nsel >= XS_SA_SEL_MAX)
		return xs_why(a->why, "too many 'sel' (at most %d)", XS_SA_SEL_MAX);
	while (xs_arg_more(a) && is_sel_word(a->argv[a->i]))
		if (sel_word(a, &s, &sw, xs_arg_word(a)))
			return -1;
	if (sel_check(a, &s, &sw))
		return -1;
	sels[(*nsel)++] = s;
	return 0;
}

/* key "N", "N-M" or "opaque"; nothing for ANY. */
static void range_json(json_t *o, const char *key, uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (lo == XS_SEL_PORT_ANY_LO && hi == XS_SEL_PORT_ANY_HI)
		return;
	if (lo == XS_SEL_PORT_OPAQUE_LO && hi == XS_SEL_PORT_OPAQUE_HI)
		snprintf(buf, sizeof(buf), "opaque");
	else if (lo == hi)
		snprintf(buf, sizeof(buf), "%u", lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	json_object_set_new(o, key, json_string(buf));
}

static json_t *prefix_json(uint8_t fam, const uint8_t *addr, uint8_t len)
{
	char a[64], buf[80];

	xs_addr_str(fam, addr, a, sizeof(a));
	snprintf(buf, sizeof(buf), "%s/%u", a, len);
	return json_string(buf);
}

static json_t *one_json(const struct xs_sa_sel *s)
{
	bool icmp = is_icmp(s->proto);
	json_t *o = json_object();
	char num[8];

	json_object_set_new(o, "src", prefix_json(s->family, s->src, s->src_len));
	json_object_set_new(o, "dst", prefix_json(s->family, s->dst, s->dst_len));
	if (!s->proto)
		return o;
	json_object_set_new(o, "proto", json_string(
		xs_pol_proto_name(s->proto, num, sizeof(num))));
	range_json(o, icmp ? "type" : "sport", s->sport_lo, s->sport_hi);
	range_json(o, icmp ? "code" : "dport", s->dport_lo, s->dport_hi);
	return o;
}

json_t *xs_sel_json(const struct xs_sa_sel *sels, unsigned int n)
{
	json_t *arr;
	unsigned int i;

	if (!n)
		return json_null();
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, one_json(&sels[i]));
	return arr;
}

void xs_sel_json_words(json_t *sel, char *buf, size_t len)
{
	static const char *const keys[] = {
		"src", "dst", "proto", "sport", "dport", "type", "code", NULL
	};
	const char *const *k;
	size_t at = 0;
	json_t *v;

	buf[0] = 0;
	for (k = keys; *k && at < len; k++)
		if (json_is_string(v = json_object_get(sel, *k)))
			at += snprintf(buf + at, len - at, "%s%s %s",
				       at ? " " : "", *k, json_string_value(v));
}
