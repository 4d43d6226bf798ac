/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* IPv4/IPv6 header helpers shared by ESP and AH. */
#ifndef XDPSEC_ENGINE_IP_H
#define XDPSEC_ENGINE_IP_H

#include <stdbool.h>
#include <stdint.h>

#include "../maps/drop_reasons.h"

enum {
	XS_IPV4_HDR_LEN = 20,
	XS_IPV6_HDR_LEN = 40,
	XS_UDP_HDR_LEN = 8,
	XS_DEFAULT_TTL = 64,
	XS_IPV4_FRAG_MASK = 0x3fff,	/* MF | fragment offset */
	XS_IPV6_FRAG_MASK = 0xfff9,	/* fragment offset | M */
};

static inline uint16_t xs_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t xs_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void xs_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static inline void xs_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An IPv4 fragment: MF set or a non-zero offset. */
static inline bool xs_ipv4_is_fragment(const uint8_t *iph)
{
	return xs_get16(iph + 6) & XS_IPV4_FRAG_MASK;
}

/*
 * Length of the IPv4/IPv6 packet at p as its header declares it (IPv6:
 * header plus payload length), or 0 if the header is malformed or claims
 * more than len bytes. Bytes past it (link-layer padding) are not part of
 * the packet.
 */
uint32_t xs_ip_packet_len(const uint8_t *p, uint32_t len);

/*
 * Make the IPv4/IPv6 header at p declare a packet of len bytes: IPv4 total
 * length and header checksum, or IPv6 payload length.
 */
void xs_ip_set_len(uint8_t *p, uint32_t len);

/* One's-complement sum of len bytes folded to 16 bits, added to sum. */
uint32_t xs_csum_add(uint32_t sum, const void *data, uint32_t len);
uint16_t xs_csum_fold(uint32_t sum);
/* Recompute the IPv4 header checksum of a header of ihl*4 bytes. */
void xs_ipv4_set_csum(uint8_t *iph);
/* Version nibble of the packet at p (0 if len is 0). */
static inline unsigned xs_ip_version(const uint8_t *p, uint32_t len)
{
	return len ? p[0] >> 4 : 0;
}

/*
 * Where ESP/AH goes in an IPv6 packet in transport mode (RFC 4303 3.1.1,
 * RFC 4302 3.1.1): after hop-by-hop, routing and fragment headers and any
 * destination options header that precedes a routing header. Sets *off to
 * that offset and *nh_off to the offset of the next-header byte that must
 * name the inserted header. Returns false if the chain is malformed, runs
 * past len, or holds a fragment header of a real fragment (transport mode
 * protects whole datagrams only).
 */
bool xs_ipv6_insert_point(const uint8_t *p, uint32_t len, uint32_t *off,
			  uint32_t *nh_off);

/*
 * Walk every IPv6 extension header up to the upper-layer header (or ESP/AH).
 * Sets *off to its start and *proto to its type. false if malformed.
 */
bool xs_ipv6_skip_exthdrs(const uint8_t *p, uint32_t len, uint32_t *off,
			  uint8_t *proto);
/*
 * The same, but stop after the fragment header of a non-first fragment
 * (*later_frag set): what follows it is data, not the next header.
 */
bool xs_ipv6_upper_layer(const uint8_t *p, uint32_t len, uint32_t *off,
			 uint8_t *proto, bool *later_frag);

struct xs_sa;
/* outer.c APIs: */
/* Length of the tunnel-mode outer header of sa (IPv4 or IPv6, no options). */
uint32_t xs_outer_hdr_len(const struct xs_sa *sa);
/*
 * Write the tunnel-mode outer header of sa at hdr for a packet of total_len
 * bytes (outer header included, at most 65535 for IPv4, 65535 + 40 for IPv6)
 * whose next protocol is proto. inner is the inner IPv4/IPv6 header, whose
 * DSCP/ECN and DF the outer header copies; it must not overlap hdr. IPv4
 * takes its identification from sa->ip_id++.
 */
void xs_outer_build(struct xs_sa *sa, uint8_t *hdr, uint32_t total_len,
		    uint8_t proto, const uint8_t *inner);
/*
 * Tunnel decapsulation of ECN (RFC 6040 4.2, normal mode): a CE mark on the
 * outer header reaches an ECN-capable inner packet, an outer ECT(1) turns an
 * inner ECT(0) into ECT(1), and an outer CE over a Not-ECT inner packet is
 * XS_DROP_ECN_MISMATCH (the congestion signal could not be passed on).
 * Nothing changes with XS_SA_NO_ECN. Fixes the inner IPv4 checksum.
 */
enum xs_drop xs_outer_ecn_decap(const struct xs_sa *sa, const uint8_t *outer,
				uint8_t *inner);

#endif
