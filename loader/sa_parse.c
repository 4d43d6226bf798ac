// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* `ip xfrm state add` words -> struct xs_sa_req; algorithm name tables. */
#include <stdio.h>
#include <string.h>

#include "engine/crypto.h"
#include "loader/args.h"
#include "loader/sa_parse.h"
#include "loader/sel_parse.h"
#include "loader/xdpsec.h"
#include "maps/sad.h"
#include "maps/types.h"

/* Linux crypto names and truncations -> IKEv2 transforms. */
struct alg {
	const char *kw;			/* aead, enc, auth, auth-trunc */
	const char *name;
	unsigned icv_bits;		/* 0: none given */
	uint16_t enc, integ;
};

static const struct alg algs[] = {
	{ "aead", "rfc4106(gcm(aes))", 64, XS_ENC_AES_GCM_8, 0 },
	{ "aead", "rfc4106(gcm(aes))", 96, XS_ENC_AES_GCM_12, 0 },
	{ "aead", "rfc4106(gcm(aes))", 128, XS_ENC_AES_GCM_16, 0 },
	{ "aead", "rfc7539esp(chacha20,poly1305)", 128,
	  XS_ENC_CHACHA20_POLY1305, 0 },
	{ "aead", "rfc4543(gcm(aes))", 128, XS_ENC_NULL_AUTH_AES_GMAC, 0 },
	{ "enc", "cbc(aes)", 0, XS_ENC_AES_CBC, 0 },
	{ "enc", "cipher_null", 0, XS_ENC_NULL, 0 },
	{ "enc", "ecb(cipher_null)", 0, XS_ENC_NULL, 0 },
	{ "auth", "hmac(sha1)", 0, 0, XS_INTEG_HMAC_SHA1_96 },
	{ "auth", "hmac(sha384)", 0, 0, XS_INTEG_HMAC_SHA384_192 },
	{ "auth", "hmac(sha512)", 0, 0, XS_INTEG_HMAC_SHA512_256 },
	{ "auth-trunc", "hmac(sha1)", 96, 0, XS_INTEG_HMAC_SHA1_96 },
	{ "auth-trunc", "hmac(sha256)", 128, 0, XS_INTEG_HMAC_SHA256_128 },
	{ "auth-trunc", "hmac(sha384)", 192, 0, XS_INTEG_HMAC_SHA384_192 },
	{ "auth-trunc", "hmac(sha512)", 256, 0, XS_INTEG_HMAC_SHA512_256 },
};

static const struct alg *alg_find(const char *kw, const char *name,
				  unsigned bits)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (!strcmp(algs[i].kw, kw) && !strcmp(algs[i].name, name) &&
		    algs[i].icv_bits == bits)
			return &algs[i];
	return NULL;
}

static bool alg_known(const char *kw, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (!strcmp(algs[i].kw, kw) && !strcmp(algs[i].name, name))
			return true;
	return false;
}

/* A word to quote in an error: a misplaced key is not echoed. */
static const char *shown(const char *w)
{
	return strncmp(w, "0x", 2) || strlen(w) <= 10 ? w : "(hex value)";
}

struct sa_parse {
	struct xs_args a;
	struct xs_sa_req *r;
	bool src, dst, proto, spi, alg;
	char sel_why[XS_WHY_MAX];
};

/* AH with AES-GMAC: the AES key size picks the transform (RFC 4543). */
static uint16_t ah_gmac(uint8_t key_len)
{
	return key_len == 20 ? XS_INTEG_AES_128_GMAC :
	       key_len == 28 ? XS_INTEG_AES_192_GMAC : XS_INTEG_AES_256_GMAC;
}

static int put_key(struct sa_parse *p, const char *kw, const char *name,
		   const char *hex, const struct alg *al)
{
	struct xs_sa_cfg *c = &p->r->cfg;

	if (al->enc && strcmp(kw, "auth") && strcmp(kw, "auth-trunc")) {
		if (xs_parse_hex(hex, name, c->enc_key, sizeof(c->enc_key),
				 &c->enc_key_len, p->a.why))
			return -1;
		c->enc = al->enc;
		return 0;
	}
	if (xs_parse_hex(hex, name, c->integ_key, sizeof(c->integ_key),
			 &c->integ_key_len, p->a.why))
		return -1;
	c->integ = al->integ;
	return 0;
}

static int kw_alg(struct sa_parse *p, const char *kw)
{
	const char *name, *key, *bits_s = NULL;
	uint32_t bits = 0;
	const struct alg *al;

	if (!(name = xs_arg_value(&p->a)) || !(key = xs_arg_value(&p->a)))
		return -1;
	if (!alg_known(kw, name))
		return xs_why(p->a.why, "unknown %s algorithm '%s'%s", kw, shown(name),
			      !strcmp(kw, "auth") && !strcmp(name, "hmac(sha256)") ?
			      " (Linux truncates it to 96 bits; use auth-trunc 'hmac(sha256)' KEY 128)" : "");
	if (!strcmp(kw, "aead") || !strcmp(kw, "auth-trunc")) {
		if (!xs_arg_more(&p->a))	/* never echo the key word */
			return xs_why(p->a.why, "%s '%s': missing the ICV length after the key",
				      kw, name);
		if (!(bits_s = xs_arg_value(&p->a)) ||
		    xs_parse_u32(bits_s, "ICV length", &bits, p->a.why))
			return -1;
	}
	al = alg_find(kw, name, bits);
	if (!al)
		return xs_why(p->a.why, "%s '%s' does not support a %u-bit ICV",
			      kw, name, bits);
	p->alg = true;
	if (put_key(p, kw, name, key, al))
		return -1;
	if (al->enc == XS_ENC_NULL_AUTH_AES_GMAC &&
	    p->r->cfg.proto == XS_PROTO_AH) {
		/* AH carries GMAC as integrity: move the key over. */
		struct xs_sa_cfg *c = &p->r->cfg;

		memcpy(c->integ_key, c->enc_key, c->enc_key_len);
		c->integ_key_len = c->enc_key_len;
		c->integ = ah_gmac(c->enc_key_len);
		c->enc = XS_ENC_NONE;
		xs_wipe(c->enc_key, sizeof(c->enc_key));
		c->enc_key_len = 0;
	}
	return 0;
}

static int addr_kw(struct sa_parse *p, const char *what, uint8_t *addr,
		   bool *seen)
{
	const char *v = xs_arg_value(&p->a);
	uint8_t fam;

	if (!v || xs_parse_addr(v, what, &fam, addr, p->a.why))
		return -1;
	if (p->r->cfg.family && p->r->cfg.family != fam)
		return xs_why(p->a.why, "'%s %s': src and dst families differ",
			      what, v);
	p->r->cfg.family = fam;
	*seen = true;
	return 0;
}

static int kw_proto(struct sa_parse *p)
{
	const char *v = xs_arg_value(&p->a);

	if (!v)
		return -1;
	if (!strcmp(v, "esp"))
		p->r->cfg.proto = XS_PROTO_ESP;
	else if (!strcmp(v, "ah"))
		p->r->cfg.proto = XS_PROTO_AH;
	else
		return xs_why(p->a.why, "unknown proto '%s' (want esp or ah)", v);
	if (p->alg)
		return xs_why(p->a.why, "'proto' must come before the algorithms");
	p->proto = true;
	return 0;
}

static int kw_mode(struct sa_parse *p)
{
	const char *v = xs_arg_value(&p->a);

	if (!v)
		return -1;
	if (!strcmp(v, "tunnel"))
		p->r->cfg.mode = XS_MODE_TUNNEL;
	else if (!strcmp(v, "transport"))
		p->r->cfg.mode = XS_MODE_TRANSPORT;
	else
		return xs_why(p->a.why, "unknown mode '%s' (want tunnel or transport)", v);
	return 0;
}

static int kw_dir(struct sa_parse *p)
{
	const char *v = xs_arg_value(&p->a);

	if (!v)
		return -1;
	if (!strcmp(v, "in"))
		p->r->cfg.dir = XS_DIR_IN;
	else if (!strcmp(v, "out"))
		p->r->cfg.dir = XS_DIR_OUT;
	else
		return xs_why(p->a.why, "unknown dir '%s' (want in or out)", v);
	return 0;
}

static bool is_flag(const char *w)
{
	return w && (!strcmp(w, "esn") || !strcmp(w, "noecn"));
}

static int kw_flag(struct sa_parse *p)
{
	const char *v = xs_arg_value(&p->a);

	if (!v)
		return -1;
	if (!is_flag(v))
		return xs_why(p->a.why, "unknown flag '%s' (want esn or noecn)", v);
	for (;;) {
		p->r->cfg.flags |= !strcmp(v, "esn") ? XS_SA_ESN : XS_SA_NO_ECN;
		if (!xs_arg_more(&p->a) || !is_flag(p->a.argv[p->a.i]))
			return 0;
		v = xs_arg_word(&p->a);
	}
}

static int kw_encap(struct sa_parse *p)
{
	const char *type = xs_arg_value(&p->a), *sp, *dp, *oa;
	struct xs_sa_cfg *c = &p->r->cfg;
	uint32_t s, d;
	uint8_t fam, addr[16];

	if (!type)
		return -1;
	if (strcmp(type, "espinudp"))
		return xs_why(p->a.why, "unknown encap '%s' (want espinudp)", type);
	if (!(sp = xs_arg_value(&p->a)) || !(dp = xs_arg_value(&p->a)) ||
	    !(oa = xs_arg_value(&p->a)))
		return -1;
	if (xs_parse_u32(sp, "encap source port", &s, p->a.why) ||
	    xs_parse_u32(dp, "encap destination port", &d, p->a.why) ||
	    xs_parse_addr(oa, "encap original", &fam, addr, p->a.why))
		return -1;
	if (!s || !d || s > 65535 || d > 65535)
		return xs_why(p->a.why, "bad encap ports '%s %s'", sp, dp);
	c->encap_sport = s;
	c->encap_dport = d;
	c->flags |= XS_SA_UDP_ENCAP;
	return 0;
}

static uint64_t *limit_field(struct xs_sa_req *r, const char *w)
{
	struct xs_sa_cfg *c = &r->cfg;

	return !strcmp(w, "time-soft") ? &r->soft_add_sec :
	       !strcmp(w, "time-hard") ? &r->hard_add_sec :
	       !strcmp(w, "byte-soft") ? &c->soft_bytes :
	       !strcmp(w, "byte-hard") ? &c->hard_bytes :
	       !strcmp(w, "packet-soft") ? &c->soft_packets :
	       !strcmp(w, "packet-hard") ? &c->hard_packets : NULL;
}

static int kw_limit(struct sa_parse *p)
{
	const char *w, *v;
	uint64_t *f;
	int n = 0;

	while (xs_arg_more(&p->a) &&
	       (f = limit_field(p->r, p->a.argv[p->a.i]))) {
		w = xs_arg_word(&p->a);
		if (!(v = xs_arg_value(&p->a)) ||
		    xs_parse_u64(v, w, f, p->a.why))
			return -1;
		n++;
	}
	return n ? 0 : xs_why(p->a.why, "'limit' wants time-soft|time-hard|byte-soft|byte-hard|packet-soft|packet-hard N");
}

static int kw_u32(struct sa_parse *p, const char *what, uint32_t *out)
{
	const char *v = xs_arg_value(&p->a);

	return v ? xs_parse_u32(v, what, out, p->a.why) : -1;
}

static int kw_tfcpad(struct sa_parse *p)
{
	uint32_t v;

	if (kw_u32(p, "tfcpad", &v))
		return -1;
	if (v > 65535)
		return xs_why(p->a.why, "bad tfcpad '%u': above 65535", v);
	p->r->cfg.tfc_pad = v;
	return 0;
}

static int kw_backend(struct sa_parse *p)
{
	const char *v = xs_arg_value(&p->a);

	if (!v)
		return -1;
	if (strcmp(v, "kernel") && strcmp(v, "afxdp"))
		return xs_why(p->a.why, "unknown backend '%s' (want kernel or afxdp)", v);
	p->r->backend_set = true;
	p->r->backend = strcmp(v, "kernel") ? XS_BACKEND_AFXDP : XS_BACKEND_KERNEL;
	return 0;
}

static bool offload_kind(struct xs_sa_req *r, const char *w)
{
	if (strcmp(w, "crypto") && strcmp(w, "packet"))
		return false;
	r->offload = strcmp(w, "packet") ? XS_OFFLOAD_CRYPTO : XS_OFFLOAD_PACKET;
	return true;
}

/* offload [crypto|packet] dev IF dir in|out [crypto|packet] (iproute2). */
static int kw_offload(struct sa_parse *p)
{
	struct xs_sa_req *r = p->r;
	const char *dev, *dir;

	r->offload = XS_OFFLOAD_CRYPTO;
	if (xs_arg_more(&p->a) && offload_kind(r, p->a.argv[p->a.i]))
		xs_arg_word(&p->a);
	if (!xs_arg_more(&p->a) || strcmp(xs_arg_word(&p->a), "dev"))
		return xs_why(p->a.why, "'offload' wants [crypto|packet] dev IF dir in|out");
	if (!(dev = xs_arg_value(&p->a)))
		return -1;
	if (!*dev || strlen(dev) >= sizeof(r->offload_dev))
		return xs_why(p->a.why, "bad offload device '%s'", dev);
	snprintf(r->offload_dev, sizeof(r->offload_dev), "%s", dev);
	if (!xs_arg_more(&p->a) || strcmp(xs_arg_word(&p->a), "dir") ||
	    !(dir = xs_arg_value(&p->a)))
		return xs_why(p->a.why, "'offload dev %s' wants dir in|out", dev);
	if (strcmp(dir, "in") && strcmp(dir, "out"))
		return xs_why(p->a.why, "unknown offload dir '%s' (want in or out)", dir);
	r->offload_dir = strcmp(dir, "in") ? XS_DIR_OUT : XS_DIR_IN;
	if (xs_arg_more(&p->a) && offload_kind(r, p->a.argv[p->a.i]))
		xs_arg_word(&p->a);
	return 0;
}

static int one_keyword(struct sa_parse *p, const char *w)
{
	struct xs_sa_cfg *c = &p->r->cfg;
	const char *v;

	if (!strcmp(w, "src"))
		return addr_kw(p, "src", c->src, &p->src);
	if (!strcmp(w, "dst"))
		return addr_kw(p, "dst", c->dst, &p->dst);
	if (!strcmp(w, "proto"))
		return kw_proto(p);
	if (!strcmp(w, "spi"))
		return p->spi = true, kw_u32(p, "spi", &c->spi);
	if (!strcmp(w, "mode"))
		return kw_mode(p);
	if (!strcmp(w, "reqid"))
		return (v = xs_arg_value(&p->a)) ?
		       xs_parse_reqid(v, &p->r->reqid, p->a.why) : -1;
	if (!strcmp(w, "replay-window"))
		return kw_u32(p, "replay-window", &c->replay_window);
	if (!strcmp(w, "aead") || !strcmp(w, "enc") || !strcmp(w, "auth") ||
	    !strcmp(w, "auth-trunc"))
		return kw_alg(p, w);
	if (!strcmp(w, "flag"))
		return kw_flag(p);
	if (!strcmp(w, "encap"))
		return kw_encap(p);
	if (!strcmp(w, "sel"))
		return xs_sel_parse(&p->a, p->r->sel, &p->r->nsel);
	if (!strcmp(w, "limit"))
		return kw_limit(p);
	if (!strcmp(w, "dir"))
		return kw_dir(p);
	if (!strcmp(w, "tfcpad"))
		return kw_tfcpad(p);
	if (!strcmp(w, "backend"))
		return kw_backend(p);
	if (!strcmp(w, "offload"))
		return kw_offload(p);
	return xs_why(p->a.why, "unknown keyword '%s'", shown(w));
}

static int require(struct sa_parse *p)
{
	const char *miss = !p->src ? "src" : !p->dst ? "dst" :
			   !p->proto ? "proto" : !p->spi ? "spi" :
			   !p->alg ? "an algorithm (aead, enc or auth)" : NULL;

	return miss ? xs_why(p->a.why, "missing %s", miss) : 0;
}

int xs_sa_parse(int argc, char **argv, struct xs_sa_req *r, char *why)
{
	struct sa_parse p = { .a = { argc, argv, 0, why }, .r = r };
	const char *w;

	memset(r, 0, sizeof(*r));
	r->cfg.dir = XS_DIR_AUTO;
	while ((w = xs_arg_word(&p.a)))
		if (one_keyword(&p, w))
			goto bad;
	if (!require(&p))
		return 0;
bad:
	xs_sa_req_wipe(r);
	return -(p.a.i > 0 ? p.a.i : 1);
}

int xs_sa_validate(const struct xs_sa_req *r, char *why)
{
	struct xs_sa_cfg c = r->cfg;
	const char *reason = NULL;
	struct xs_sa *sa;
	int ret;

	if (c.dir == XS_DIR_AUTO)
		c.dir = XS_DIR_IN;
	ret = xs_sa_new(&c, &sa, &reason);
	xs_wipe(&c, sizeof(c));
	if (ret)
		return xs_why(why, "invalid SA: %s", reason ? reason : "rejected");
	xs_sa_free(sa);
	return 0;
}

void xs_sa_req_wipe(struct xs_sa_req *r)
{
	xs_wipe(r->cfg.enc_key, sizeof(r->cfg.enc_key));
	xs_wipe(r->cfg.integ_key, sizeof(r->cfg.integ_key));
	r->cfg.enc_key_len = r->cfg.integ_key_len = 0;
}

int xs_sa_parse_id(int argc, char **argv, struct xs_sa_id *id, char *why)
{
	struct xs_sa_req r;
	struct sa_parse p = { .a = { argc, argv, 0, why }, .r = &r };
	const char *w;

	memset(&r, 0, sizeof(r));
	while ((w = xs_arg_word(&p.a))) {
		if (strcmp(w, "src") && strcmp(w, "dst") && strcmp(w, "proto") &&
		    strcmp(w, "spi"))
			return xs_why(why, "unknown keyword '%s' (want [src A] dst A proto esp|ah spi N)", w);
		if (one_keyword(&p, w))
			return -1;
	}
	if (!p.dst || !p.proto || !p.spi)
		return xs_why(why, "missing %s", !p.dst ? "dst" :
			      !p.proto ? "proto" : "spi");
	memset(id, 0, sizeof(*id));
	id->family = r.cfg.family;
	id->proto = r.cfg.proto;
	id->spi = r.cfg.spi;
	memcpy(id->dst, r.cfg.dst, 16);
	memcpy(id->src, r.cfg.src, 16);
	return 0;
}

void xs_sa_alg_str(uint8_t proto, uint16_t enc, uint16_t integ, char *buf,
		   size_t len)
{
	size_t i, n = 0;

	buf[0] = 0;
	if (proto == XS_PROTO_AH && integ >= XS_INTEG_AES_128_GMAC &&
	    integ <= XS_INTEG_AES_256_GMAC) {
		snprintf(buf, len, "aead rfc4543(gcm(aes)) 128");
		return;
	}
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]) && n < len; i++) {
		const struct alg *a = &algs[i];

		if (!strcmp(a->kw, "auth") || !strcmp(a->name, "ecb(cipher_null)"))
			continue;
		if ((a->enc && a->enc == enc) || (a->integ && a->integ == integ))
			n += snprintf(buf + n, len - n, a->icv_bits ? "%s%s %s %u" :
				      "%s%s %s", n ? " " : "", a->kw, a->name,
				      a->icv_bits);
	}
}
