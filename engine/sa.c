// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Security Associations: validation of a configuration, derivation of the
 * wire parameters (IV, ICV, alignment), crypto contexts, lifetimes and
 * events. Lifetimes are measured against sa->stats.packets/bytes, which the
 * protocol code (ESP, AH) bumps for every packet it delivers or sends.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ah.h"
#include "esp.h"
#include "sa.h"

enum {
	SALT_LEN = 4,
	KNOWN_FLAGS = XS_SA_ESN | XS_SA_UDP_ENCAP | XS_SA_DF_SET |
		      XS_SA_DF_CLEAR | XS_SA_NO_ECN | XS_SA_BENCH_NO_CRYPTO,
	AH_GMAC_ICV_LEN = 16,
};

/* Wire parameters and crypto recipe of one transform combination. */
struct xform {
	uint8_t iv_len, icv_len, align;
	bool aead;			/* GCM, ChaCha20-Poly1305, GMAC: key ends in salt */
	enum xs_aead_alg aead_alg;
	const uint8_t *aead_key;	/* cipher key followed by the salt */
	uint8_t aead_key_len;		/* without the salt */
	bool cbc;
	bool hmac;
	enum xs_hmac_alg hmac_alg;
};

static bool aes_key_len_ok(unsigned len)
{
	return len == 16 || len == 24 || len == 32;
}

/* HMAC transforms: RFC 2404 (SHA-1), RFC 4868 (SHA-2); key = digest size. */
static int hmac_xform(const struct xs_sa_cfg *c, struct xform *x,
		      const char **why)
{
	static const struct {
		uint16_t integ;
		enum xs_hmac_alg alg;
		uint8_t key_len, icv_len;
	} tab[] = {
		{ XS_INTEG_HMAC_SHA1_96, XS_HMAC_SHA1, 20, 12 },
		{ XS_INTEG_HMAC_SHA256_128, XS_HMAC_SHA256, 32, 16 },
		{ XS_INTEG_HMAC_SHA384_192, XS_HMAC_SHA384, 48, 24 },
		{ XS_INTEG_HMAC_SHA512_256, XS_HMAC_SHA512, 64, 32 },
	};
	unsigned i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (tab[i].integ != c->integ)
			continue;
		if (c->integ_key_len != tab[i].key_len) {
			*why = "HMAC key length does not match its hash size";
			return -EINVAL;
		}
		x->hmac = true;
		x->hmac_alg = tab[i].alg;
		x->icv_len = tab[i].icv_len;
		return 0;
	}
	*why = "integrity transform is not an HMAC";
	return -EINVAL;
}

/* AES-GCM (RFC 4106), ChaCha20-Poly1305 (RFC 7634), AES-GMAC (RFC 4543). */
static int esp_aead_xform(const struct xs_sa_cfg *c, struct xform *x,
			  const char **why)
{
	unsigned klen = c->enc_key_len;

	if (c->integ != XS_INTEG_NONE || c->integ_key_len) {
		*why = "combined-mode ESP transform takes no integrity transform";
		return -EINVAL;
	}
	if (c->enc == XS_ENC_CHACHA20_POLY1305 ? klen != 32 + SALT_LEN :
	    klen < SALT_LEN || !aes_key_len_ok(klen - SALT_LEN)) {
		*why = "AEAD key length is wrong (cipher key plus 4-byte salt)";
		return -EINVAL;
	}
	x->aead = true;
	x->aead_alg = c->enc == XS_ENC_CHACHA20_POLY1305 ?
		      XS_AEAD_CHACHA20_POLY1305 : XS_AEAD_AES_GCM;
	x->aead_key = c->enc_key;
	x->aead_key_len = klen - SALT_LEN;
	x->iv_len = XS_ESP_AEAD_IV_LEN;
	x->align = XS_ESP_AEAD_ALIGN;
	x->icv_len = c->enc == XS_ENC_AES_GCM_8 ? 8 :
		     c->enc == XS_ENC_AES_GCM_12 ? 12 : 16;
	return 0;
}

/* AES-CBC (RFC 3602) or NULL (RFC 2410), each with an HMAC. */
static int esp_hmac_xform(const struct xs_sa_cfg *c, struct xform *x,
			  const char **why)
{
	if (c->enc == XS_ENC_NULL) {
		if (c->integ == XS_INTEG_NONE) {
			*why = "ESP with NULL encryption needs integrity (RFC 4303 3.2)";
			return -EINVAL;
		}
		if (c->enc_key_len) {
			*why = "NULL encryption takes no key";
			return -EINVAL;
		}
		x->align = XS_ESP_AEAD_ALIGN;
	} else {
		if (!aes_key_len_ok(c->enc_key_len)) {
			*why = "AES-CBC key must be 16, 24 or 32 bytes";
			return -EINVAL;
		}
		x->cbc = true;
		x->iv_len = XS_CBC_BLOCK_LEN;
		x->align = XS_CBC_BLOCK_LEN;
	}
	return hmac_xform(c, x, why);
}

static int esp_xform(const struct xs_sa_cfg *c, struct xform *x,
		     const char **why)
{
	switch (c->enc) {
	case XS_ENC_AES_GCM_8:
	case XS_ENC_AES_GCM_12:
	case XS_ENC_AES_GCM_16:
	case XS_ENC_NULL_AUTH_AES_GMAC:
	case XS_ENC_CHACHA20_POLY1305:
		return esp_aead_xform(c, x, why);
	case XS_ENC_AES_CBC:
	case XS_ENC_NULL:
		return esp_hmac_xform(c, x, why);
	default:
		*why = "unsupported ESP encryption transform";
		return -EINVAL;
	}
}

/* AH: HMAC, or AES-GMAC with IV and tag in the ICV field (RFC 4543 3.2). */
static int ah_xform(const struct xs_sa_cfg *c, struct xform *x,
		    const char **why)
{
	unsigned aes_len;

	if (c->enc != XS_ENC_NONE || c->enc_key_len) {
		*why = "AH takes no encryption transform";
		return -EINVAL;
	}
	switch (c->integ) {
	case XS_INTEG_AES_128_GMAC:
	case XS_INTEG_AES_192_GMAC:
	case XS_INTEG_AES_256_GMAC:
		aes_len = c->integ == XS_INTEG_AES_128_GMAC ? 16 :
			  c->integ == XS_INTEG_AES_192_GMAC ? 24 : 32;
		if (c->integ_key_len != aes_len + SALT_LEN) {
			*why = "AES-GMAC key length is wrong (AES key plus 4-byte salt)";
			return -EINVAL;
		}
		x->aead = true;
		x->aead_alg = XS_AEAD_AES_GCM;
		x->aead_key = c->integ_key;
		x->aead_key_len = aes_len;
		x->iv_len = XS_AH_GMAC_IV_LEN;
		x->icv_len = AH_GMAC_ICV_LEN;
		return 0;
	default:
		return hmac_xform(c, x, why);
	}
}

static int check_header(const struct xs_sa_cfg *c, const char **why)
{
	if (c->proto != IPPROTO_ESP && c->proto != IPPROTO_AH)
		*why = "protocol must be ESP or AH";
	else if (c->dir != XS_DIR_IN && c->dir != XS_DIR_OUT)
		*why = "direction must be in or out";
	else if (c->mode != XS_MODE_TRANSPORT && c->mode != XS_MODE_TUNNEL)
		*why = "mode must be transport or tunnel";
	else if (c->family != AF_INET && c->family != AF_INET6)
		*why = "address family must be IPv4 or IPv6";
	else if (c->spi < XS_ESP_SPI_MIN)
		*why = "SPI values 0-255 are reserved (RFC 4303 2.1)";
	else
		return 0;
	return -EINVAL;
}

static int check_options(const struct xs_sa_cfg *c, const char **why)
{
	bool esn = c->flags & XS_SA_ESN;

	if (c->flags & ~(uint32_t)KNOWN_FLAGS)
		*why = "unknown SA flags";
	else if ((c->flags & XS_SA_DF_SET) && (c->flags & XS_SA_DF_CLEAR))
		*why = "DF cannot be both set and cleared";
	else if ((c->flags & XS_SA_UDP_ENCAP) && c->proto != IPPROTO_ESP)
		*why = "UDP encapsulation is for ESP only (RFC 3948)";
	else if ((c->flags & XS_SA_BENCH_NO_CRYPTO) && c->proto != IPPROTO_ESP)
		*why = "bench-no-crypto is for ESP only";
	else if (c->tfc_pad && (c->proto != IPPROTO_ESP || c->mode != XS_MODE_TUNNEL))
		*why = "TFC padding needs ESP in tunnel mode";
	else if (c->replay_window > XS_REPLAY_MAX_WINDOW)
		*why = "replay window is too large";
	else if (!esn && c->seq > UINT32_MAX)
		*why = "sequence number above 2^32-1 needs ESN";
	else
		return 0;
	return -EINVAL;
}

static int make_crypto(struct xs_sa *sa, const struct xs_sa_cfg *c,
		       const struct xform *x, const char **why)
{
	if (x->aead) {
		memcpy(sa->salt, x->aead_key + x->aead_key_len, SALT_LEN);
		sa->aead = xs_aead_new(x->aead_alg, x->aead_key,
				       x->aead_key_len, x->icv_len);
		if (!sa->aead)
			goto fail;
	}
	if (x->cbc) {
		sa->cbc = xs_cbc_new(c->enc_key, c->enc_key_len);
		if (!sa->cbc)
			goto fail;
	}
	if (x->hmac) {
		sa->hmac = xs_hmac_new(x->hmac_alg, c->integ_key,
				       c->integ_key_len);
		if (!sa->hmac)
			goto fail;
	}
	return 0;
fail:
	*why = "crypto context could not be created";
	return -ENOMEM;
}

static void copy_cfg(struct xs_sa *sa, const struct xs_sa_cfg *c,
		     const struct xform *x)
{
	sa->spi = c->spi;
	sa->proto = c->proto;
	sa->mode = c->mode;
	sa->dir = c->dir;
	sa->family = c->family;
	memcpy(sa->src, c->src, sizeof(sa->src));
	memcpy(sa->dst, c->dst, sizeof(sa->dst));
	sa->enc = c->enc;
	sa->integ = c->integ;
	sa->flags = c->flags;
	sa->encap_sport = c->encap_sport;
	sa->encap_dport = c->encap_dport;
	sa->tfc_pad = c->tfc_pad;
	sa->ttl = c->ttl;
	sa->iv_len = x->iv_len;
	sa->icv_len = x->icv_len;
	sa->align = x->align;
	sa->seq = c->seq;
	sa->seq_max = c->flags & XS_SA_ESN ? UINT64_MAX : UINT32_MAX;
	sa->soft_bytes = c->soft_bytes;
	sa->hard_bytes = c->hard_bytes;
	sa->soft_packets = c->soft_packets;
	sa->hard_packets = c->hard_packets;
}

int xs_sa_new(const struct xs_sa_cfg *cfg, struct xs_sa **out,
	      const char **why)
{
	struct xform x = { 0 };
	struct xs_sa *sa;
	int err;

	err = check_header(cfg, why);
	if (!err)
		err = check_options(cfg, why);
	if (!err)
		err = cfg->proto == IPPROTO_ESP ? esp_xform(cfg, &x, why) :
						  ah_xform(cfg, &x, why);
	if (err)
		return err;
	sa = calloc(1, sizeof(*sa));
	if (!sa) {
		*why = "out of memory";
		return -ENOMEM;
	}
	copy_cfg(sa, cfg, &x);
	err = make_crypto(sa, cfg, &x, why);
	if (!err && sa->dir == XS_DIR_IN) {
		err = xs_replay_init(&sa->replay, cfg->replay_window,
				     cfg->flags & XS_SA_ESN, cfg->seq);
		if (err) {
			*why = "replay window could not be set up";
			/* xs_sa_free() must not destroy a window that never was */
			sa->dir = XS_DIR_OUT;
		}
	}
	if (err) {
		xs_sa_free(sa);
		return err;
	}
	*out = sa;
	return 0;
}

void xs_sa_free(struct xs_sa *sa)
{
	if (!sa)
		return;
	xs_aead_free(sa->aead);
	xs_cbc_free(sa->cbc);
	xs_hmac_free(sa->hmac);
	if (sa->dir == XS_DIR_IN)
		xs_replay_destroy(&sa->replay);
	xs_wipe(sa, sizeof(*sa));
	free(sa);
}

static void raise_event(struct xs_sa *sa, uint32_t ev)
{
	sa->events_pending |= ev & ~sa->events_raised;
	sa->events_raised |= ev;
}

uint32_t xs_sa_take_events(struct xs_sa *sa)
{
	uint32_t ev = sa->events_pending;

	sa->events_pending = 0;
	return ev;
}

/* Does count + add reach limit (0 = none)? */
static bool reaches(uint64_t count, uint64_t add, uint64_t limit)
{
	return limit && count + add >= limit;
}

/* Does count + add go past limit (0 = none)? */
static bool passes(uint64_t count, uint64_t add, uint64_t limit)
{
	return limit && count + add > limit;
}

enum xs_drop xs_sa_charge(struct xs_sa *sa, uint32_t payload_len)
{
	const struct xs_sa_stats *s = &sa->stats;
	uint32_t hard = 0;

	if (sa->expired)
		return XS_DROP_LIFETIME_EXPIRED;
	if (passes(s->bytes, payload_len, sa->hard_bytes))
		hard |= XS_EV_HARD_BYTES;
	if (passes(s->packets, 1, sa->hard_packets))
		hard |= XS_EV_HARD_PACKETS;
	if (hard) {
		raise_event(sa, hard);
		sa->expired = true;
		return XS_DROP_LIFETIME_EXPIRED;
	}
	if (reaches(s->bytes, payload_len, sa->soft_bytes))
		raise_event(sa, XS_EV_SOFT_BYTES);
	if (reaches(s->packets, 1, sa->soft_packets))
		raise_event(sa, XS_EV_SOFT_PACKETS);
	return XS_OK;
}

enum xs_drop xs_sa_next_seq(struct xs_sa *sa, uint64_t *seq)
{
	if (sa->seq >= sa->seq_max) {
		raise_event(sa, XS_EV_SEQ_EXHAUSTED);
		sa->expired = true;
		return XS_DROP_SEQ_EXHAUSTED;
	}
	*seq = ++sa->seq;
	return XS_OK;
}
