/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Inbound SA selectors (RFC 4301 section 4.4.1.1, checked in section 5.2
 * step 4): what a decrypted packet may carry. An SA has up to
 * XS_SA_SEL_MAX selectors (an IKEv2 Child SA may negotiate several
 * traffic selector pairs); a packet passes if it is inside any of them.
 *
 * A selector is an address family, a source and a destination prefix, an
 * IP protocol and a source and a destination port range, as in an IKEv2
 * traffic selector pair (RFC 7296 section 3.13.1):
 *  - family 0: any packet (the rest is not looked at);
 *  - a prefix length 0: any address of that family;
 *  - proto 0: any protocol, and the port ranges are not looked at;
 *  - ports are inclusive ranges, host order; 0-65535 is ANY, and
 *    lo 65535 / hi 0 is OPAQUE (as IKEv2 encodes it).
 * The protocol is the upper layer after IPv6 extension headers. TCP, UDP,
 * SCTP and UDP-Lite have ports; for ICMP and ICMPv6 the message type
 * stands in the source port and the code in the destination port, as
 * ip xfrm and the SPD (bpf/lib/parse.h) do. A packet without ports (a
 * non-first IPv4 or IPv6 fragment, a protocol without ports, an L4 header
 * cut short) matches only a selector whose port ranges are ANY or OPAQUE
 * (RFC 4301 sections 4.4.1.1 and 7); a packet with ports never matches
 * OPAQUE.
 *
 * From IKEv2: one selector per pair of traffic selectors, src from the
 * peer's (initiator: TSr; responder: TSi), dst from ours. An ICMP TS
 * carries type << 8 | code in its port range (RFC 7296 section 3.13.1,
 * after RFC 4301 4.4.1.1); it maps exactly when it covers one type
 * (sport = type, dport = the code range) or whole types (sport = the type
 * range, dport 0-255).
 */
#ifndef XDPSEC_WORKER_SELECTOR_H
#define XDPSEC_WORKER_SELECTOR_H

#include <stdbool.h>
#include <stdint.h>

enum {
	XS_SA_SEL_MAX = 4,		/* selectors per SA */
	XS_SEL_PORT_ANY_LO = 0,
	XS_SEL_PORT_ANY_HI = 65535,
	XS_SEL_PORT_OPAQUE_LO = 65535,
	XS_SEL_PORT_OPAQUE_HI = 0,
};

/*
 * The addresses (and protocol, ports) an inbound SA may carry after
 * decryption: the inner source in src/src_len, the inner destination in
 * dst/dst_len (IPv4 in the first 4 bytes).
 */
struct xs_sa_sel {
	uint8_t family;			/* XS_AF_INET, XS_AF_INET6 or 0 (any) */
	uint8_t src_len, dst_len;	/* prefix lengths */
	uint8_t src[16], dst[16];
	uint8_t proto;			/* 0: any protocol, ports unchecked */
	uint16_t sport_lo, sport_hi;	/* ICMP: type */
	uint16_t dport_lo, dport_hi;	/* ICMP: code */
};

/* selector.c APIs: */
/* Family, prefix lengths and port ranges make sense; why names what not. */
bool xs_sel_valid(const struct xs_sa_sel *sel, const char **why);
/* Does IP protocol proto carry ports (ICMP: type and code)? */
bool xs_sel_proto_has_ports(uint8_t proto);
/*
 * Is the IPv4/IPv6 packet at ip (len bytes, the inner packet in tunnel
 * mode) inside one of the n selectors? n == 0: no selector, any packet.
 */
bool xs_sel_match(const struct xs_sa_sel *sels, unsigned int n,
		  const uint8_t *ip, uint32_t len);

#endif
