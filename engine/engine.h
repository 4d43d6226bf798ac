/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The packet engine: ESP (RFC 4303, RFC 3948) and AH (RFC 4302) on one IP
 * packet at a time, in place. Every function returns XS_OK or the reason the
 * packet must be dropped (maps/drop_reasons.h); drops that belong to an SA
 * are also counted in its stats. XS_DROP_DUMMY and XS_DROP_NAT_KEEPALIVE are
 * silent drops by design.
 */
#ifndef XDPSEC_ENGINE_ENGINE_H
#define XDPSEC_ENGINE_ENGINE_H

#include <stdint.h>

#include "../maps/drop_reasons.h"
#include "pkt.h"
#include "sa.h"

/* What the outer headers of a received packet say. */
struct xs_rx_info {
	uint32_t spi;		/* host byte order */
	uint8_t proto;		/* IPPROTO_ESP or IPPROTO_AH */
	uint8_t family;		/* AF_INET / AF_INET6 of the outer header */
	uint8_t udp_encap;	/* ESP arrived inside UDP (RFC 3948) */
	uint8_t pad0;
	uint16_t l3_len;	/* outer IP header incl. extension headers */
	uint16_t ipsec_off;	/* offset of the ESP/AH header from pkt->data */
	uint16_t sport, dport;	/* UDP ports when udp_encap (host order) */
	uint8_t src[16];	/* outer addresses, IPv4 in the first 4 bytes */
	uint8_t dst[16];
};

/* rx.c APIs: */
/*
 * Parse outer IPv4/IPv6 (+ extension headers), then ESP, AH or UDP. UDP on
 * any port is taken as RFC 3948 encapsulation: a single 0xff byte is a NAT
 * keepalive (XS_DROP_NAT_KEEPALIVE), a zero non-ESP marker is IKE
 * (XS_DROP_NOT_IPSEC), anything else is ESP with its SPI.
 */
enum xs_drop xs_rx_parse(const struct xs_pkt *pkt, struct xs_rx_info *info);

/* esp_out.c APIs: */
/* Encapsulate the IP packet in pkt per the outbound ESP SA. */
enum xs_drop xs_esp_out(struct xs_sa *sa, struct xs_pkt *pkt);

/* esp_in.c APIs: */
/*
 * Verify and decapsulate; info comes from xs_rx_parse() and its SPI selected
 * sa. On XS_OK pkt holds the inner packet (tunnel) or the original packet
 * (transport).
 */
enum xs_drop xs_esp_in(struct xs_sa *sa, struct xs_pkt *pkt,
		       const struct xs_rx_info *info);

/* ah_out.c / ah_in.c APIs: */
enum xs_drop xs_ah_out(struct xs_sa *sa, struct xs_pkt *pkt);
enum xs_drop xs_ah_in(struct xs_sa *sa, struct xs_pkt *pkt,
		      const struct xs_rx_info *info);

/* harden.c APIs: */
/*
 * Lock all memory of the process (mlockall, current and future) and make
 * it non-dumpable, so keys in the crypto contexts never reach swap or a core
 * file. Call once, before the first SA, in any process that holds SAs.
 * 0 or -errno (EPERM/ENOMEM without CAP_IPC_LOCK or enough RLIMIT_MEMLOCK).
 */
int xs_engine_harden(void);

/* Printable name of a drop reason ("icv-fail"). */
const char *xs_drop_name(enum xs_drop why);

#endif
