// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Router duties on forwarded packets (see fwd.h). Checksums are summed with
 * the engine's one's-complement helpers (engine/ip.h), which work on
 * native-order words; values written back keep that order.
 */
#include <string.h>

#include "../engine/ip.h"
#include "fwd.h"

enum {
	IPV4_DF = 0x4000,
	IPV4_MF = 0x2000,
	IPV4_OFF_MASK = 0x1fff,
	IPV4_OPT_COPIED = 0x80,
	IPV4_OPT_END = 0,
	IPV4_OPT_NOP = 1,
	TCP_SYN = 0x02,
	TCP_OPT_MSS = 2,
	TCP_CSUM_OFF = 16,
	UDP_CSUM_OFF = 6,
};

struct l4 {
	uint32_t off, len;
	uint8_t proto;
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* The upper-layer header of a whole (unfragmented) packet. */
static bool find_l4(const uint8_t *ip, uint32_t len, struct l4 *l)
{
	uint32_t plen = xs_ip_packet_len(ip, len);

	if (!plen)
		return false;
	if (xs_ip_version(ip, plen) == 4) {
		if (xs_ipv4_is_fragment(ip))
			return false;
		l->off = (ip[0] & 0x0f) * 4u;
		l->proto = ip[9];
	} else if (!xs_ipv6_skip_exthdrs(ip, plen, &l->off, &l->proto) ||
		   l->off > plen) {
		return false;
	}
	l->len = plen - l->off;
	return true;
}

/* Folded (not inverted) pseudo-header sum for TCP/UDP/ICMPv6. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	uint8_t tail[8] = { 0 };
	uint32_t sum;

	if (xs_ip_version(ip, 1) == 4)
		sum = xs_csum_add(0, ip + 12, 8);
	else
		sum = xs_csum_add(0, ip + 8, 32);
	xs_put32(tail, l4len);
	tail[7] = proto;
	return xs_csum_add(sum, tail, sizeof(tail));
}

/* One's-complement sum of two partial sums (end-around carry). */
static uint32_t csum_add32(uint32_t a, uint32_t b)
{
	uint64_t s = (uint64_t)a + b;

	return (uint32_t)s + (uint32_t)(s >> 32);
}

static uint32_t csum_off(uint8_t proto)
{
	return proto == XS_PROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF;
}

/*
 * check_all: also tell a complete checksum from a bad one (a pass over
 * L4); otherwise only a field holding the pseudo-header sum is summed.
 */
static enum xs_csum_state l4_csum(uint8_t *ip, uint32_t len, bool check_all)
{
	uint16_t field, partial, full;
	uint32_t ps, co, sum;
	bool pseudo_only;
	struct l4 l;

	if (!find_l4(ip, len, &l) ||
	    (l.proto != XS_PROTO_TCP && l.proto != XS_PROTO_UDP))
		return XS_CSUM_NONE;
	co = csum_off(l.proto);
	if (l.len < co + 2 || (l.proto == XS_PROTO_TCP && l.len < 20))
		return XS_CSUM_NONE;
	field = rd16(ip + l.off + co);
	if (l.proto == XS_PROTO_UDP && !field && xs_ip_version(ip, 1) == 4)
		return XS_CSUM_NONE;		/* IPv4 UDP without checksum */
	ps = pseudo_sum(ip, l.proto, l.len);
	partial = (uint16_t)~xs_csum_fold(ps);
	pseudo_only = field == partial || (field == 0 && partial == 0xffff);
	if (!pseudo_only && !check_all)
		return XS_CSUM_UNCHECKED;
	sum = xs_csum_add(0, ip + l.off, l.len);	/* one pass over L4 */
	if (!xs_csum_fold(csum_add32(ps, sum)))
		return XS_CSUM_VALID;
	if (!pseudo_only)
		return XS_CSUM_BAD;
	full = xs_csum_fold(sum);
	if (l.proto == XS_PROTO_UDP && !full)
		full = 0xffff;			/* RFC 768: 0 means none */
	memcpy(ip + l.off + co, &full, 2);
	return XS_CSUM_COMPLETED;
}

enum xs_csum_state xs_fwd_l4_csum(uint8_t *ip, uint32_t len)
{
	return l4_csum(ip, len, true);
}

enum xs_csum_state xs_fwd_l4_csum_finish(uint8_t *ip, uint32_t len)
{
	return l4_csum(ip, len, false);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), 16-bit words in wire order. */
static void csum_replace16(uint8_t *csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~xs_get16(csum) + (uint16_t)~old + new;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	xs_put16(csum, (uint16_t)~sum);
}

enum xs_drop xs_fwd_hop(uint8_t *ip, uint32_t len)
{
	uint16_t old;

	if (len < 1)
		return XS_DROP_BAD_IP_HEADER;
	if (xs_ip_version(ip, len) == 6) {
		if (len < XS_IPV6_HDR_LEN)
			return XS_DROP_BAD_IP_HEADER;
		if (ip[7] <= 1)
			return XS_DROP_TTL_EXCEEDED;
		ip[7]--;
		return XS_OK;
	}
	if (len < XS_IPV4_HDR_LEN)
		return XS_DROP_BAD_IP_HEADER;
	if (ip[8] <= 1)
		return XS_DROP_TTL_EXCEEDED;
	old = xs_get16(ip + 8);
	ip[8]--;
	csum_replace16(ip + 10, old, xs_get16(ip + 8));
	return XS_OK;
}

static uint16_t bswap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* A 16-bit value at an odd offset sums as its byte-swapped self. */
static uint16_t word_at(const uint8_t *p, uint32_t o)
{
	return (o & 1) ? bswap16(xs_get16(p + o)) : xs_get16(p + o);
}

bool xs_fwd_mss_clamp(uint8_t *ip, uint32_t len, uint16_t mss)
{
	uint32_t doff, o, olen;
	uint8_t *th;
	struct l4 l;

	if (!mss || !find_l4(ip, len, &l) || l.proto != XS_PROTO_TCP ||
	    l.len < 20)
		return false;
	th = ip + l.off;
	doff = (th[12] >> 4) * 4u;
	if (!(th[13] & TCP_SYN) || doff < 20 || doff > l.len)
		return false;
	for (o = 20; o < doff; o += olen) {
		if (th[o] == IPV4_OPT_END)
			break;
		if (th[o] == IPV4_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (o + 1 >= doff || th[o + 1] < 2 || o + th[o + 1] > doff)
			break;
		olen = th[o + 1];
		if (th[o] != TCP_OPT_MSS || olen != 4 || xs_get16(th + o + 2) <= mss)
			continue;
		csum_replace16(th + TCP_CSUM_OFF, word_at(th, o + 2),
			       (o & 1) ? bswap16(mss) : mss);
		xs_put16(th + o + 2, mss);
		return true;
	}
	return false;
}

bool xs_fwd_dont_fragment(const uint8_t *ip, uint32_t len)
{
	return xs_ip_version(ip, len) == 6 ||
	       (len >= XS_IPV4_HDR_LEN && (xs_get16(ip + 6) & IPV4_DF));
}

/* RFC 1812 4.3.2.7 / RFC 4443 2.4 (e): never an error about these. */
static bool icmp4_allowed(const uint8_t *orig, uint32_t len)
{
	uint32_t ihl = (orig[0] & 0x0f) * 4u;
	uint8_t type;

	if (xs_get16(orig + 6) & IPV4_OFF_MASK)
		return false;			/* non-first fragment */
	if (!orig[12] || orig[12] >= 224 || orig[12] == 127)
		return false;			/* 0/8, multicast, class E, loopback */
	if (orig[9] != XS_PROTO_ICMP)
		return true;
	if (len < ihl + 1)
		return false;
	type = orig[ihl];
	return type == 0 || type == 8 || type == 13 || type == 14;
}

static bool icmp6_allowed(const uint8_t *orig, uint32_t len)
{
	static const uint8_t unspec[16];
	uint8_t proto;
	uint32_t off;

	if (orig[8] == 0xff || !memcmp(orig + 8, unspec, 16) ||
	    (orig[8] == 0xfe && (orig[9] & 0xc0) == 0x80))
		return false;			/* multicast, unspecified, link-local */
	if (!xs_ipv6_skip_exthdrs(orig, len, &off, &proto))
		return false;
	if (proto != XS_PROTO_ICMPV6)
		return true;
	return off < len && orig[off] >= 128;	/* informational only */
}

static uint32_t icmp4_error(uint8_t *out, uint32_t room, const uint8_t *orig,
			    uint32_t qlen, const uint8_t *hdr, const uint8_t *src)
{
	uint32_t total = XS_IPV4_HDR_LEN + 8 + qlen;
	uint16_t csum;

	if (total > room)
		return 0;
	memset(out, 0, XS_IPV4_HDR_LEN);
	out[0] = 0x45;
	out[1] = 0xc0;			/* internetwork control */
	xs_put16(out + 2, (uint16_t)total);
	out[8] = XS_DEFAULT_TTL;
	out[9] = XS_PROTO_ICMP;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, orig + 12, 4);
	xs_ipv4_set_csum(out);
	memcpy(out + XS_IPV4_HDR_LEN, hdr, 8);
	memmove(out + XS_IPV4_HDR_LEN + 8, orig, qlen);
	csum = xs_csum_fold(xs_csum_add(0, out + XS_IPV4_HDR_LEN, 8 + qlen));
	memcpy(out + XS_IPV4_HDR_LEN + 2, &csum, 2);
	return total;
}

static uint32_t icmp6_error(uint8_t *out, uint32_t room, const uint8_t *orig,
			    uint32_t qlen, const uint8_t *hdr, const uint8_t *src)
{
	uint32_t plen = 8 + qlen, total = XS_IPV6_HDR_LEN + plen;
	uint8_t *ih = out + XS_IPV6_HDR_LEN;
	uint16_t csum;

	if (total > room)
		return 0;
	memset(out, 0, XS_IPV6_HDR_LEN);
	out[0] = 0x60;
	xs_put16(out + 4, (uint16_t)plen);
	out[6] = XS_PROTO_ICMPV6;
	out[7] = XS_DEFAULT_TTL;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, orig + 8, 16);
	memmove(ih + 8, orig, qlen);
	memcpy(ih, hdr, 8);
	csum = xs_csum_fold(xs_csum_add(pseudo_sum(out, XS_PROTO_ICMPV6, plen),
					ih, plen));
	memcpy(ih + 2, &csum, 2);
	return total;
}

uint32_t xs_fwd_icmp_error(uint8_t *out, uint32_t room, const uint8_t *orig,
			   uint32_t orig_len, uint8_t type, uint8_t code,
			   uint32_t info, const uint8_t *src)
{
	uint8_t hdr[8] = { type, code, 0, 0 };
	uint32_t plen = xs_ip_packet_len(orig, orig_len);

	if (!plen)
		return 0;
	xs_put32(hdr + 4, info);
	if (xs_ip_version(orig, plen) == 4) {
		if (!icmp4_allowed(orig, plen))
			return 0;
		if (plen > XS_ICMP4_QUOTE_MAX - XS_IPV4_HDR_LEN - 8)
			plen = XS_ICMP4_QUOTE_MAX - XS_IPV4_HDR_LEN - 8;
		return icmp4_error(out, room, orig, plen, hdr, src);
	}
	if (!icmp6_allowed(orig, plen))
		return 0;
	if (plen > XS_ICMP6_QUOTE_MAX - XS_IPV6_HDR_LEN - 8)
		plen = XS_ICMP6_QUOTE_MAX - XS_IPV6_HDR_LEN - 8;
	return icmp6_error(out, room, orig, plen, hdr, src);
}

/* The options a later fragment carries (copied flag, RFC 791); padded. */
static uint32_t copied_options(const uint8_t *ip, uint8_t *opts)
{
	uint32_t ihl = (ip[0] & 0x0f) * 4u, o, n = 0, olen;

	for (o = XS_IPV4_HDR_LEN; o < ihl; o += olen) {
		if (ip[o] == IPV4_OPT_END)
			break;
		if (ip[o] == IPV4_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (o + 1 >= ihl || ip[o + 1] < 2 || o + ip[o + 1] > ihl)
			break;
		olen = ip[o + 1];
		if (ip[o] & IPV4_OPT_COPIED) {
			memcpy(opts + n, ip + o, olen);
			n += olen;
		}
	}
	while (n % 4)
		opts[n++] = IPV4_OPT_END;
	return n;
}

static void fragment_header(uint8_t *out, const uint8_t *ip, const uint8_t *opts,
			    uint32_t hl, uint32_t total, uint16_t frag)
{
	memcpy(out, ip, XS_IPV4_HDR_LEN);
	memcpy(out + XS_IPV4_HDR_LEN, opts, hl - XS_IPV4_HDR_LEN);
	out[0] = (uint8_t)(0x40 | hl / 4);
	xs_put16(out + 2, (uint16_t)total);
	xs_put16(out + 6, frag);
	xs_ipv4_set_csum(out);
}

int xs_fwd_fragment(const uint8_t *ip, uint32_t len, uint32_t mtu,
		    uint8_t *const *out, uint32_t room, uint32_t *lens, int max)
{
	uint32_t plen = xs_ip_packet_len(ip, len), ihl, hl, data, off, chunk;
	uint16_t fo, mf;
	uint8_t opts[40];
	int n;

	if (!plen || xs_ip_version(ip, plen) != 4 || xs_fwd_dont_fragment(ip, plen))
		return 0;
	ihl = (ip[0] & 0x0f) * 4u;
	fo = xs_get16(ip + 6) & IPV4_OFF_MASK;
	mf = xs_get16(ip + 6) & IPV4_MF;
	memcpy(opts, ip + XS_IPV4_HDR_LEN, ihl - XS_IPV4_HDR_LEN);
	hl = ihl;
	data = plen - ihl;
	for (n = 0, off = 0; off < data; n++) {
		chunk = mtu > hl + 8 ? (mtu - hl) & ~7u : 0;
		if (n == max || !chunk || hl + chunk > room)
			return 0;
		if (chunk >= data - off)
			chunk = data - off;
		fragment_header(out[n], ip, opts, hl, hl + chunk,
				(uint16_t)(fo + off / 8) |
				(off + chunk < data ? IPV4_MF : mf));
		memcpy(out[n] + hl, ip + ihl + off, chunk);
		lens[n] = hl + chunk;
		off += chunk;
		if (n == 0)
			hl = XS_IPV4_HDR_LEN + copied_options(ip, opts);
	}
	return n;
}
