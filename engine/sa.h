/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A Security Association as the packet engine holds it: configuration,
 * crypto contexts, sequence state, lifetimes and counters. One direction per
 * SA (RFC 4301). Transform numbers are IKEv2's (IANA "Transform Type 1/3").
 */
#ifndef XDPSEC_ENGINE_SA_H
#define XDPSEC_ENGINE_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "../maps/drop_reasons.h"
#include "crypto.h"
#include "replay.h"

enum xs_mode {
	XS_MODE_TRANSPORT = 0,	/* transport */
	XS_MODE_TUNNEL = 1,	/* tunnel */
};

enum xs_dir {
	XS_DIR_IN = 0,		/* in */
	XS_DIR_OUT = 1,		/* out */
};

/* ESP encryption transforms (IKEv2 transform type 1). */
enum xs_enc {
	XS_ENC_NONE = 0,			/* none (AH) */
	XS_ENC_AES_CBC = 12,			/* aes-cbc */
	XS_ENC_NULL = 11,			/* null */
	XS_ENC_AES_GCM_8 = 18,			/* aes-gcm-8 */
	XS_ENC_AES_GCM_12 = 19,			/* aes-gcm-12 */
	XS_ENC_AES_GCM_16 = 20,			/* aes-gcm-16 */
	XS_ENC_NULL_AUTH_AES_GMAC = 21,		/* aes-gmac */
	XS_ENC_CHACHA20_POLY1305 = 28,		/* chacha20-poly1305 */
};

/* Integrity transforms (IKEv2 transform type 3). */
enum xs_integ {
	XS_INTEG_NONE = 0,			/* none */
	XS_INTEG_HMAC_SHA1_96 = 2,		/* hmac-sha1-96 */
	XS_INTEG_AES_128_GMAC = 9,		/* aes128-gmac */
	XS_INTEG_AES_192_GMAC = 10,		/* aes192-gmac */
	XS_INTEG_AES_256_GMAC = 11,		/* aes256-gmac */
	XS_INTEG_HMAC_SHA256_128 = 12,		/* hmac-sha256-128 */
	XS_INTEG_HMAC_SHA384_192 = 13,		/* hmac-sha384-192 */
	XS_INTEG_HMAC_SHA512_256 = 14,		/* hmac-sha512-256 */
};

enum xs_sa_flags {
	XS_SA_ESN = 1 << 0,		/* 64-bit sequence numbers (RFC 4303 2.2.1) */
	XS_SA_UDP_ENCAP = 1 << 1,	/* ESP in UDP (RFC 3948) */
	XS_SA_DF_SET = 1 << 2,		/* tunnel: set DF on outer IPv4 (default: copy) */
	XS_SA_DF_CLEAR = 1 << 3,	/* tunnel: clear DF on outer IPv4 */
	XS_SA_NO_ECN = 1 << 4,		/* tunnel: do not propagate ECN (RFC 6040 off) */
	/*
	 * BENCHMARK ONLY, never for real traffic (xdpsec daemon
	 * --bench-no-crypto): ESP framing, sequence numbers, replay window,
	 * lifetimes and counters as usual, but no cipher and no integrity:
	 * the payload travels in plaintext, IV and ICV are zero bytes and
	 * inbound accepts any packet whose ICV is zero. ESP only; nothing
	 * sets it unless a caller asks for it by name.
	 */
	XS_SA_BENCH_NO_CRYPTO = 1 << 5,	/* bench-no-crypto */
};

enum xs_sa_event {
	XS_EV_SOFT_BYTES = 1 << 0,	/* soft byte limit reached: rekey */
	XS_EV_SOFT_PACKETS = 1 << 1,	/* soft packet limit reached: rekey */
	XS_EV_HARD_BYTES = 1 << 2,	/* hard byte limit: SA expired */
	XS_EV_HARD_PACKETS = 1 << 3,	/* hard packet limit: SA expired */
	XS_EV_SEQ_EXHAUSTED = 1 << 4,	/* outbound counter would wrap: rekey */
};

enum {
	XS_SA_MAX_ENC_KEY = 36,		/* AES-256 + 4-byte salt */
	XS_SA_MAX_INTEG_KEY = 64,	/* HMAC-SHA-512 */
};

/*
 * What it takes to create an SA. Keys are copied into the crypto contexts by
 * xs_sa_new(); the caller wipes its copy. Keys of AES-GCM, AES-GMAC and
 * ChaCha20-Poly1305 end with their 4-byte salt (RFC 4106 8.1, RFC 7634 2).
 * Addresses: IPv4 in the first 4 bytes. Ports and spi in host byte order.
 * Fixed-width fields only: the layout is also used from Python (ctypes).
 */
struct xs_sa_cfg {
	uint32_t spi;
	uint8_t proto;			/* IPPROTO_ESP or IPPROTO_AH */
	uint8_t mode;			/* enum xs_mode */
	uint8_t dir;			/* enum xs_dir */
	uint8_t family;			/* AF_INET / AF_INET6 of src and dst */
	uint8_t src[16];		/* tunnel: outer source; transport: local/peer */
	uint8_t dst[16];
	uint16_t enc;			/* enum xs_enc (ESP only) */
	uint16_t integ;			/* enum xs_integ */
	uint8_t enc_key_len;
	uint8_t integ_key_len;
	uint8_t enc_key[XS_SA_MAX_ENC_KEY];
	uint8_t integ_key[XS_SA_MAX_INTEG_KEY];
	uint16_t encap_sport;		/* XS_SA_UDP_ENCAP: outer UDP ports */
	uint16_t encap_dport;
	uint32_t flags;			/* enum xs_sa_flags */
	uint32_t replay_window;		/* inbound, packets; 0 = off */
	uint16_t tfc_pad;		/* outbound ESP tunnel: pad inner to this size */
	uint8_t ttl;			/* tunnel: outer TTL / hop limit (0: 64) */
	uint8_t pad0;
	uint64_t seq;			/* out: last number sent; in: highest seen */
	uint64_t soft_bytes;		/* limits on payload bytes/packets, 0 = none */
	uint64_t hard_bytes;
	uint64_t soft_packets;
	uint64_t hard_packets;
};

struct xs_sa_stats {
	uint64_t packets;		/* processed successfully */
	uint64_t bytes;			/* payload (inner packet) bytes */
	uint64_t drops[XS_DROP__MAX];	/* by reason */
};

struct xs_sa {
	uint32_t spi;
	uint8_t proto, mode, dir, family;
	uint8_t src[16], dst[16];
	uint16_t enc, integ;
	uint32_t flags;
	uint16_t encap_sport, encap_dport;
	uint16_t tfc_pad;
	uint8_t ttl;

	/* derived from the transforms */
	uint8_t iv_len;			/* explicit IV on the wire */
	uint8_t icv_len;		/* integrity check value on the wire */
	uint8_t align;			/* ESP payload+trailer alignment */
	uint8_t salt[4];		/* AEAD/GMAC nonce salt */
	struct xs_aead *aead;		/* GCM, ChaCha20-Poly1305, GMAC */
	struct xs_cbc *cbc;		/* AES-CBC */
	struct xs_hmac *hmac;		/* HMAC integrity */

	uint64_t seq;			/* outbound: last number sent */
	uint64_t seq_max;		/* outbound: last number allowed */
	struct xs_replay replay;	/* inbound */
	uint16_t ip_id;			/* tunnel IPv4 outer identification */

	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
	uint32_t events_raised;		/* every event is raised once */
	uint32_t events_pending;	/* raised, not yet taken */
	bool expired;			/* hard limit reached or counter exhausted */

	struct xs_sa_stats stats;
};

/* sa.c APIs: */
/* 0 or -errno; on error *why names the problem (never a key). */
int xs_sa_new(const struct xs_sa_cfg *cfg, struct xs_sa **out,
	      const char **why);
void xs_sa_free(struct xs_sa *sa);
/* Events raised since the last call, cleared by the call. */
uint32_t xs_sa_take_events(struct xs_sa *sa);
/*
 * Account one packet of payload_len bytes against the lifetimes: XS_OK, or
 * XS_DROP_LIFETIME_EXPIRED if the SA has expired or this packet would pass a
 * hard limit (the SA then expires). Raises the soft/hard events. Outbound
 * calls it before encrypting; inbound only after the ICV has verified, so
 * forged packets cannot use up an SA. The limits are compared with
 * sa->stats.packets/bytes, which the caller bumps for each packet it sends
 * or delivers.
 */
enum xs_drop xs_sa_charge(struct xs_sa *sa, uint32_t payload_len);
/*
 * Outbound: the next sequence number into *seq, or XS_DROP_SEQ_EXHAUSTED
 * once it would pass seq_max (never wraps; raises XS_EV_SEQ_EXHAUSTED and
 * expires the SA).
 */
enum xs_drop xs_sa_next_seq(struct xs_sa *sa, uint64_t *seq);
/* Count a drop against the SA and return the reason (for `return drop(...)`). */
static inline enum xs_drop xs_sa_drop(struct xs_sa *sa, enum xs_drop why)
{
	sa->stats.drops[why]++;
	return why;
}

#endif
