// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Numbers, addresses, prefixes, port ranges and hex keys from words. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "loader/args.h"
#include "loader/xdpsec.h"
#include "maps/types.h"

bool xs_arg_more(const struct xs_args *a)
{
	return a->i < a->argc;
}

const char *xs_arg_word(struct xs_args *a)
{
	return a->i < a->argc ? a->argv[a->i++] : NULL;
}

const char *xs_arg_value(struct xs_args *a)
{
	if (a->i >= a->argc) {
		xs_why(a->why, "missing value after '%s'", a->argv[a->i - 1]);
		return NULL;
	}
	return a->argv[a->i++];
}

int xs_parse_u64(const char *s, const char *what, uint64_t *v, char *why)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return xs_why(why, "bad %s '%s': not a number", what, s);
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		return xs_why(why, "bad %s '%s': not a number", what, s);
	return 0;
}

int xs_parse_u32(const char *s, const char *what, uint32_t *v, char *why)
{
	uint64_t x;

	if (xs_parse_u64(s, what, &x, why))
		return -1;
	if (x > UINT32_MAX)
		return xs_why(why, "bad %s '%s': above 2^32-1", what, s);
	*v = x;
	return 0;
}

int xs_parse_reqid(const char *s, uint32_t *v, char *why)
{
	if (xs_parse_u32(s, "reqid", v, why))
		return -1;
	if (*v >= IKE_REQID_BASE && *v < IKE_REQID_END)
		return xs_why(why, "reqid %u: %u-%u are IKE's", *v,
			      IKE_REQID_BASE, IKE_REQID_END - 1);
	return 0;
}

int xs_parse_addr(const char *s, const char *what, uint8_t *family,
		  uint8_t addr[16], char *why)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = XS_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = XS_AF_INET6;
		return 0;
	}
	return xs_why(why, "bad %s address '%s'", what, s);
}

/* Host bits beyond the prefix must be zero, as ip xfrm requires. */
static bool host_bits_clear(const uint8_t addr[16], unsigned len)
{
	unsigned i;

	for (i = len; i < 128; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int xs_parse_prefix(const char *s, const char *what, uint8_t *family,
		    uint8_t addr[16], uint8_t *len, char *why)
{
	char buf[64], *slash;
	uint32_t plen, max;

	if (strlen(s) >= sizeof(buf))
		return xs_why(why, "bad %s prefix '%s'", what, s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (xs_parse_addr(buf, what, family, addr, why))
		return -1;
	max = *family == XS_AF_INET ? 32 : 128;
	plen = max;
	if (slash && (xs_parse_u32(slash + 1, "prefix length", &plen, why) ||
		      plen > max))
		return xs_why(why, "bad %s prefix '%s': length must be 0-%u",
			      what, s, max);
	if (!host_bits_clear(addr, plen))
		return xs_why(why, "bad %s prefix '%s': host bits set", what, s);
	*len = plen;
	return 0;
}

int xs_parse_ports(const char *s, const char *what, uint16_t *lo,
		   uint16_t *hi, char *why)
{
	char buf[32], *dash;
	uint32_t a, b;

	if (strlen(s) >= sizeof(buf))
		return xs_why(why, "bad %s '%s'", what, s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	if (xs_parse_u32(buf, what, &a, why))
		return -1;
	b = a;
	if (dash && xs_parse_u32(dash + 1, what, &b, why))
		return -1;
	if (a > 65535 || b > 65535 || a > b)
		return xs_why(why, "bad %s '%s': want N or N-M within 0-65535, N <= M",
			      what, s);
	*lo = a;
	*hi = b;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int xs_parse_hex(const char *s, const char *what, uint8_t *out, size_t max,
		 uint8_t *len, char *why)
{
	size_t n, i;

	*len = 0;
	if (!*s)
		return 0;
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return xs_why(why, "bad %s key: want 0x followed by hex digits", what);
	s += 2;
	n = strlen(s);
	if (!n || n % 2)
		return xs_why(why, "bad %s key: odd or zero number of hex digits", what);
	if (n / 2 > max)
		return xs_why(why, "bad %s key: longer than %zu bytes", what, max);
	for (i = 0; i < n / 2; i++) {
		int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);

		if (h < 0 || l < 0)
			return xs_why(why, "bad %s key: '%c' is not a hex digit",
				      what, h < 0 ? s[2 * i] : s[2 * i + 1]);
		out[i] = h << 4 | l;
	}
	*len = n / 2;
	return 0;
}

void xs_addr_str(uint8_t family, const uint8_t addr[16], char *buf,
		 size_t len)
{
	if (!inet_ntop(family == XS_AF_INET6 ? AF_INET6 : AF_INET, addr, buf,
		       len))
		snprintf(buf, len, "?");
}

bool xs_addr_zero(const uint8_t addr[16])
{
	static const uint8_t zero[16];

	return !memcmp(addr, zero, 16);
}
