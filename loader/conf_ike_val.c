// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Values of the IKE sections (docs/configuration.md), as swanctl.conf
 * writes them: times with s/m/h/d units, yes/no, one address or %any,
 * identities (ike/id.c's parser, the type follows from the form), traffic
 * selector lists, proposal lists, shared secrets (string, 0x hex, 0s
 * base64).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/id.h"
#include "ike/proposal.h"
#include "loader/args.h"
#include "loader/conf_ike.h"
#include "loader/xdpsec.h"

/* Our `default` proposals: AEAD first, then AES-CBC with HMAC-SHA2. */
static const char *const default_ike =
	"aes256gcm16-aes128gcm16-chacha20poly1305-prfsha256-prfsha384-"
	"x25519-ecp256-modp3072-modp2048, "
	"aes256-aes128-sha256-sha384-x25519-ecp256-modp3072-modp2048";
static const char *const default_child =
	"aes256gcm16-aes128gcm16-chacha20poly1305, aes256-aes128-sha256-sha384";
static const char *const default_ah = "sha256-sha384";

enum { PROPS_STR_MAX = 2048 };

char *xs_ike_val_unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = 0;
		return v + 1;
	}
	return v;
}

int xs_ike_val_time(const char *v, uint32_t *sec, char *msg)
{
	static const struct { char unit; uint32_t mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long long n;
	uint32_t mul = 1;
	char *end;
	size_t i;

	errno = 0;
	n = isdigit((unsigned char)*v) ? strtoull(v, &end, 10) : 0;
	if (!isdigit((unsigned char)*v) || errno)
		return xs_why(msg, "bad time '%s': want N[s|m|h|d]", v);
	for (i = 0; *end && i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].unit && !end[1])
			mul = units[i].mul, end++;
	if (*end || n * mul > UINT32_MAX)
		return xs_why(msg, "bad time '%s': want N[s|m|h|d]", v);
	*sec = n * mul;
	return 0;
}

int xs_ike_val_u64(const char *v, uint64_t *n, char *msg)
{
	char why[XS_WHY_MAX];

	return xs_parse_u64(v, "number", n, why) ?
	       xs_why(msg, "bad number '%s'", v) : 0;
}

int xs_ike_val_bool(const char *v, bool *b, char *msg)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true"))
		*b = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false"))
		*b = false;
	else
		return xs_why(msg, "bad value '%s': want yes or no", v);
	return 0;
}

static int ip_of(const char *v, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, v, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, v, addr) == 1)
		return 16;
	return 0;
}

int xs_ike_val_addr(const char *v, struct ike_addr *a, char *msg)
{
	memset(a, 0, sizeof(*a));
	if (!strcmp(v, "%any") || !strcmp(v, "%any4") || !strcmp(v, "%any6"))
		return 0;
	if (strchr(v, ','))
		return xs_why(msg, "bad address '%s': one address (or %%any) only", v);
	a->len = ip_of(v, a->addr);
	if (!a->len)
		return xs_why(msg, "bad address '%s': want an IPv4 or IPv6 address or %%any",
			      v);
	return 0;
}

static int hex_bytes(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;

	if (!n || n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	for (i = 0; i < n / 2; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };

		out[i] = strtoul(b, NULL, 16);
	}
	*len = n / 2;
	return 0;
}

/* strongSwan's forms (ike/id.h); '#' starts a comment in the file, so no
 * @#hex key IDs. */
int xs_ike_val_id(const char *v, struct ike_id_cfg *id, char *msg)
{
	struct ike_err err = { 0 };

	if (ike_id_parse(v, id, &err))
		return xs_why(msg, "bad id '%s': %s", v, err.reason);
	return 0;
}

static int ts_proto(const char *p, uint8_t *proto)
{
	static const struct { const char *name; uint8_t num; } names[] = {
		{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "ipv6-icmp", 58 },
		{ "icmpv6", 58 }, { "sctp", 132 }, { "%any", 0 }, { "", 0 },
	};
	char why[XS_WHY_MAX];
	uint32_t n;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(p, names[i].name)) {
			*proto = names[i].num;
			return 0;
		}
	if (xs_parse_u32(p, "proto", &n, why) || n > 255)
		return -1;
	*proto = n;
	return 0;
}

/* "[proto/port]" after a selector: protocol and port range. */
static int ts_suffix(char *s, struct ike_ts *ts, const char *v, char *msg)
{
	char why[XS_WHY_MAX], *port, *end = s + strlen(s) - 1;

	ts->start_port = 0;
	ts->end_port = 65535;
	ts->proto = 0;
	if (!*s)
		return 0;
	if (*s != '[' || *end != ']')
		return xs_why(msg, "bad traffic selector '%s': want ADDR[/LEN][[PROTO/PORT]]", v);
	*end = 0;
	port = strchr(++s, '/');
	if (port)
		*port++ = 0;
	if (ts_proto(s, &ts->proto))
		return xs_why(msg, "bad traffic selector '%s': unknown protocol '%s'", v, s);
	if (port && strcmp(port, "%any") &&
	    xs_parse_ports(port, "port", &ts->start_port, &ts->end_port, why))
		return xs_why(msg, "bad traffic selector '%s': bad port '%s'", v, port);
	return 0;
}

/* start..end of a prefix: host bits cleared and set. */
static void prefix_range(struct ike_ts *ts, unsigned bits, unsigned plen)
{
	unsigned i;

	memcpy(ts->end, ts->start, 16);
	for (i = plen; i < bits; i++) {
		ts->start[i / 8] &= ~(0x80 >> (i % 8));
		ts->end[i / 8] |= 0x80 >> (i % 8);
	}
}

static int ts_addrs(char *s, struct ike_ts *ts, const char *v, char *msg)
{
	char *dash = strchr(s, '-'), *slash = strchr(s, '/'), *end;
	unsigned long plen;
	int a;

	if (dash || slash)
		*(dash ? dash : slash) = 0;
	a = ip_of(s, ts->start);
	if (!a || (dash && slash))
		return xs_why(msg, "bad traffic selector '%s': want ADDR, ADDR/LEN or FROM-TO", v);
	ts->type = a == 4 ? IKEV2_TS_IPV4_ADDR_RANGE : IKEV2_TS_IPV6_ADDR_RANGE;
	if (dash) {
		if (ip_of(dash + 1, ts->end) != a || memcmp(ts->start, ts->end, a) > 0)
			return xs_why(msg, "bad traffic selector '%s': want FROM-TO of one family, FROM <= TO",
				      v);
		return 0;
	}
	plen = a * 8;
	if (slash && (!isdigit((unsigned char)slash[1]) ||
		      (plen = strtoul(slash + 1, &end, 10)) > (unsigned long)a * 8 || *end))
		return xs_why(msg, "bad traffic selector '%s': prefix length 0-%d", v, a * 8);
	prefix_range(ts, a * 8, plen);
	return 0;
}

static void ts_host(struct ike_ts *ts, const struct ike_addr *a)
{
	ts->type = a->len == 4 ? IKEV2_TS_IPV4_ADDR_RANGE :
		   a->len == 16 ? IKEV2_TS_IPV6_ADDR_RANGE : 0;
	memcpy(ts->start, a->addr, 16);
	memcpy(ts->end, a->addr, 16);
}

/* One selector: ADDR, ADDR/LEN, FROM-TO or dynamic, then [PROTO/PORT]. */
static int ts_one(char *s, const struct ike_addr *a, struct ike_ts *ts,
		  char *msg)
{
	char v[128], *br;

	snprintf(v, sizeof(v), "%s", s);
	memset(ts, 0, sizeof(*ts));
	br = strchr(s, '[');
	if (ts_suffix(br ? br : s + strlen(s), ts, v, msg))
		return -1;
	if (br)
		*br = 0;
	if (!strcmp(s, "dynamic") || !strcmp(s, "%dynamic")) {
		ts_host(ts, a);
		return 0;
	}
	return ts_addrs(s, ts, v, msg);
}

int xs_ike_val_ts(const char *v, const struct ike_addr *a,
		  struct ike_ts_pld *ts, char *msg)
{
	char buf[1024], *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf))
		return xs_why(msg, "traffic selector list longer than %zu bytes",
			      sizeof(buf) - 1);
	strcpy(buf, v);
	memset(ts, 0, sizeof(*ts));
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (ts->num >= IKEV2_MAX_TS)
			return xs_why(msg, "more than %d traffic selectors", IKEV2_MAX_TS);
		if (ts_one(tok, a, &ts->ts[ts->num++], msg))
			return -1;
	}
	return ts->num ? 0 : xs_why(msg, "empty traffic selector list");
}

/* Replace each `default` in a comma list by the defaults of proto. */
static int expand_default(const char *v, uint8_t proto, char *out, size_t len)
{
	const char *def = proto == IKEV2_PROTO_IKE ? default_ike :
			  proto == IKEV2_PROTO_AH ? default_ah : default_child;
	char buf[PROPS_STR_MAX], *save = NULL, *tok;
	size_t n = 0;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	out[0] = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		n += snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
			      strcmp(tok, "default") ? tok : def);
		if (n >= len)
			return -1;
	}
	return 0;
}

int xs_ike_val_props(const char *v, uint8_t proto, struct ike_sa_pld *out,
		     char *msg)
{
	char str[PROPS_STR_MAX];
	struct ike_err err = { 0 };

	if (expand_default(v, proto, str, sizeof(str)))
		return xs_why(msg, "proposals list too long");
	if (ike_prop_parse(str, proto, out, &err))
		return xs_why(msg, "bad proposals '%s': %s", v, err.reason);
	return 0;
}

static int b64val(char c)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(t, c) : NULL;

	return p ? (int)(p - t) : -1;
}

static int base64_bytes(const char *s, uint8_t *out, size_t max, size_t *len)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t n = 0;

	for (; *s && *s != '='; s++) {
		if ((v = b64val(*s)) < 0)
			return -1;
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= max)
				return -1;
			out[n++] = acc >> bits;
		}
	}
	while (*s == '=')
		s++;
	xs_wipe(&acc, sizeof(acc));
	*len = n;
	return *s || !n ? -1 : 0;
}

int xs_ike_val_secret(const char *v, struct ike_secret_cfg *s, char *msg)
{
	size_t n = strlen(v);

	if (!strncmp(v, "0x", 2)) {
		if (hex_bytes(v + 2, s->psk, IKE_PSK_MAX, &n))
			return xs_why(msg, "bad secret: 0x wants an even number of hex digits (at most %d bytes)",
				      IKE_PSK_MAX);
	} else if (!strncmp(v, "0s", 2)) {
		if (base64_bytes(v + 2, s->psk, IKE_PSK_MAX, &n))
			return xs_why(msg, "bad secret: 0s wants base64 (at most %d bytes)",
				      IKE_PSK_MAX);
	} else {
		if (!n || n > IKE_PSK_MAX)
			return xs_why(msg, "bad secret: empty or longer than %d bytes",
				      IKE_PSK_MAX);
		memcpy(s->psk, v, n);
	}
	s->len = n;
	return 0;
}
