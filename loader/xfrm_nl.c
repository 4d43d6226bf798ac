// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xfrm_user messages (linux/xfrm.h): encode SAs and policies, decode SA
 * dumps and policy templates. Requests are built in a fixed buffer by
 * put_attr(), which refuses to write past it; answers are walked with
 * every length checked against what was received.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <sys/socket.h>

#include "engine/crypto.h"
#include "loader/xfrm_nl.h"
#include "maps/types.h"

enum {
	REQ_MAX = 2048,			/* the largest request (keys, bitmap) */
	RCV_MAX = 65536,		/* one recv() of a dump */
	ALG_NAME_MAX = 64,		/* struct xfrm_algo alg_name */
	PURGE_MAX = 4096,		/* entries deleted per dump pass */
};

struct req {
	struct nlmsghdr nh;
	char body[REQ_MAX];
};

/* Append one attribute; NULL (nothing written) if it does not fit. */
static void *put_attr(struct req *m, uint16_t type, const void *data,
		      size_t len)
{
	size_t off = NLMSG_ALIGN(m->nh.nlmsg_len);
	struct nlattr *a = (struct nlattr *)((char *)m + off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(*m))
		return NULL;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (data)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	else
		memset((char *)a + NLA_HDRLEN, 0, len);
	m->nh.nlmsg_len = off + NLA_ALIGN(a->nla_len);
	return (char *)a + NLA_HDRLEN;
}

static void *req_init(struct req *m, uint16_t type, uint16_t flags,
		      size_t hdr_len)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->nh.nlmsg_len = NLMSG_LENGTH(hdr_len);
	return NLMSG_DATA(&m->nh);
}

int xs_xfrm_open(struct xs_xfrm *x)
{
	struct timeval tv = { .tv_sec = 2 };
	int one = 1;

	memset(x, 0, sizeof(*x));
	x->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (x->fd < 0)
		return -errno;
	setsockopt(x->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(x->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(x->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

void xs_xfrm_close(struct xs_xfrm *x)
{
	if (x->fd > 0)
		close(x->fd);
	x->fd = -1;
}

/* The message of an extended ack, if the kernel sent one. */
static void ext_ack(struct xs_xfrm *x, const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_LENGTH(sizeof(*e));
	const struct nlattr *a;

	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		a = (const struct nlattr *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return;
		if (a->nla_type == NLMSGERR_ATTR_MSG && a->nla_len > NLA_HDRLEN) {
			snprintf(x->ext, sizeof(x->ext), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* One answer message: 1 done (*ret set), 0 more to come. */
static int one_answer(struct xs_xfrm *x, const struct nlmsghdr *h,
		      int (*cb)(const struct nlmsghdr *h, void *arg),
		      void *arg, int *ret)
{
	const struct nlmsgerr *e;

	if (h->nlmsg_seq != x->seq)
		return 0;
	if (h->nlmsg_type == NLMSG_DONE) {
		*ret = 0;
		return 1;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
			*ret = -EBADMSG;
			return 1;
		}
		e = NLMSG_DATA(h);
		if (e->error && (h->nlmsg_flags & NLM_F_ACK_TLVS))
			ext_ack(x, h);
		*ret = e->error;
		return 1;
	}
	if (cb && cb(h, arg)) {
		*ret = -EBADMSG;
		return 1;
	}
	return 0;
}

/*
 * Send m (wiped afterwards: it may hold keys) and read answers until the
 * acknowledgement or the end of a dump; cb sees each data message.
 */
static int call(struct xs_xfrm *x, struct req *m,
		int (*cb)(const struct nlmsghdr *h, void *arg), void *arg)
{
	char *buf = malloc(RCV_MAX);
	struct nlmsghdr *h;
	int ret = -EIO;
	ssize_t n;

	x->ext[0] = 0;
	m->nh.nlmsg_seq = ++x->seq;
	m->nh.nlmsg_flags |= NLM_F_ACK;
	n = buf ? send(x->fd, m, m->nh.nlmsg_len, 0) : -1;
	if (n < 0)
		ret = buf ? -errno : -ENOMEM;
	xs_wipe(m, sizeof(*m));
	while (n >= 0) {
		n = recv(x->fd, buf, RCV_MAX, 0);
		if (n < 0) {
			ret = -errno;
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			if (one_answer(x, h, cb, arg, &ret))
				goto out;
	}
out:
	if (buf)
		xs_wipe(buf, RCV_MAX);	/* SA dumps carry every SA's keys */
	free(buf);
	return ret;
}

static uint8_t addr_len(uint8_t family)
{
	return family == XS_AF_INET ? 4 : 16;
}

static void lft_init(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = l->hard_packet_limit = XFRM_INF;
}

static uint64_t limit(uint64_t v)
{
	return v ? v : XFRM_INF;
}

/* An inclusive port range as XFRM's port and mask, if it is one. */
static int port_mask(uint16_t lo, uint16_t hi, __be16 *port, __be16 *mask)
{
	uint32_t size = (uint32_t)hi - lo + 1;

	if (lo == 0 && hi == 65535) {
		*port = *mask = 0;
		return 0;
	}
	if (hi < lo || (size & (size - 1)) || (lo & (size - 1)))
		return -ERANGE;
	*port = htons(lo);
	*mask = htons((uint16_t)~(size - 1));
	return 0;
}

/* XFRM has one selector per SA: none (any) or exactly one. */
static int sa_selector(struct xs_xfrm *x, struct xfrm_usersa_info *u,
		       const struct xs_sa_req *r)
{
	const struct xs_sa_sel *sel = &r->sel[0];

	if (!r->nsel || !sel->family) {
		/* tunnel: both inner families (XFRM_STATE_AF_UNSPEC) */
		if (r->cfg.mode == XS_MODE_TUNNEL)
			u->flags |= XFRM_STATE_AF_UNSPEC;
		return 0;
	}
	if (r->nsel > 1)
		goto bad;
	u->sel.family = sel->family;
	memcpy(&u->sel.saddr, sel->src, addr_len(sel->family));
	memcpy(&u->sel.daddr, sel->dst, addr_len(sel->family));
	u->sel.prefixlen_s = sel->src_len;
	u->sel.prefixlen_d = sel->dst_len;
	u->sel.proto = sel->proto;
	if (!sel->proto ||
	    (!port_mask(sel->sport_lo, sel->sport_hi, &u->sel.sport, &u->sel.sport_mask) &&
	     !port_mask(sel->dport_lo, sel->dport_hi, &u->sel.dport, &u->sel.dport_mask)))
		return 0;
bad:
	snprintf(x->ext, sizeof(x->ext), "Linux XFRM takes one selector per SA, its ports a single port or an aligned power-of-two block");
	return -ERANGE;
}

static int sa_info(struct xs_xfrm *x, struct xfrm_usersa_info *u,
		   const struct xs_xfrm_sa *sa)
{
	const struct xs_sa_req *r = sa->r;
	const struct xs_sa_cfg *c = &r->cfg;

	memcpy(&u->id.daddr, c->dst, addr_len(c->family));
	memcpy(&u->saddr, c->src, addr_len(c->family));
	u->id.spi = htonl(c->spi);
	u->id.proto = c->proto;
	u->family = c->family;
	u->mode = c->mode == XS_MODE_TUNNEL ? XFRM_MODE_TUNNEL :
		  XFRM_MODE_TRANSPORT;
	u->reqid = sa->reqid;
	lft_init(&u->lft);
	u->lft.soft_byte_limit = limit(c->soft_bytes);
	u->lft.hard_byte_limit = limit(c->hard_bytes);
	u->lft.soft_packet_limit = limit(c->soft_packets);
	u->lft.hard_packet_limit = limit(c->hard_packets);
	u->lft.soft_add_expires_seconds = r->soft_add_sec;
	u->lft.hard_add_expires_seconds = r->hard_add_sec;
	if (c->flags & XS_SA_NO_ECN)
		u->flags |= XFRM_STATE_NOECN;
	if (c->flags & XS_SA_ESN)
		u->flags |= XFRM_STATE_ESN;
	return sa_selector(x, u, r);
}

struct alg_map {
	uint16_t id;			/* enum xs_enc or enum xs_integ */
	const char *name;
	unsigned icv_bits;		/* AEAD ICV or HMAC truncation */
};

static const struct alg_map aeads[] = {
	{ XS_ENC_AES_GCM_8, "rfc4106(gcm(aes))", 64 },
	{ XS_ENC_AES_GCM_12, "rfc4106(gcm(aes))", 96 },
	{ XS_ENC_AES_GCM_16, "rfc4106(gcm(aes))", 128 },
	{ XS_ENC_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)", 128 },
	{ XS_ENC_NULL_AUTH_AES_GMAC, "rfc4543(gcm(aes))", 128 },
};

static const struct alg_map ciphers[] = {
	{ XS_ENC_AES_CBC, "cbc(aes)", 0 },
	{ XS_ENC_NULL, "ecb(cipher_null)", 0 },
};

static const struct alg_map auths[] = {
	{ XS_INTEG_HMAC_SHA1_96, "hmac(sha1)", 96 },
	{ XS_INTEG_HMAC_SHA256_128, "hmac(sha256)", 128 },
	{ XS_INTEG_HMAC_SHA384_192, "hmac(sha384)", 192 },
	{ XS_INTEG_HMAC_SHA512_256, "hmac(sha512)", 256 },
};

static const struct alg_map *alg_of(const struct alg_map *t, size_t n,
				    uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

#define ALG_OF(t, id) alg_of(t, sizeof(t) / sizeof(t[0]), id)

/* struct xfrm_algo_aead, xfrm_algo or xfrm_algo_auth with its key. */
static int put_alg(struct req *m, uint16_t type, const struct alg_map *a,
		   const uint8_t *key, uint8_t key_len)
{
	size_t head = type == XFRMA_ALG_CRYPT ? sizeof(struct xfrm_algo) :
		      type == XFRMA_ALG_AEAD ? sizeof(struct xfrm_algo_aead) :
		      sizeof(struct xfrm_algo_auth);
	char *p = put_attr(m, type, NULL, head + key_len);

	if (!p)
		return -EMSGSIZE;
	snprintf(p, ALG_NAME_MAX, "%s", a->name);
	/* alg_key_len, then the ICV or truncation length, in bits */
	*(uint32_t *)(p + ALG_NAME_MAX) = key_len * 8u;
	if (type != XFRMA_ALG_CRYPT)
		*(uint32_t *)(p + ALG_NAME_MAX + 4) = a->icv_bits;
	memcpy(p + head, key, key_len);
	return 0;
}

static int put_algs(struct xs_xfrm *x, struct req *m, const struct xs_sa_cfg *c)
{
	const struct alg_map *a;
	int ret = 0;

	if (c->enc && (a = ALG_OF(aeads, c->enc)))
		ret = put_alg(m, XFRMA_ALG_AEAD, a, c->enc_key, c->enc_key_len);
	else if (c->enc && (a = ALG_OF(ciphers, c->enc)))
		ret = put_alg(m, XFRMA_ALG_CRYPT, a, c->enc_key, c->enc_key_len);
	else if (c->enc)
		goto unsupported;
	if (!ret && c->integ && (a = ALG_OF(auths, c->integ)))
		ret = put_alg(m, XFRMA_ALG_AUTH_TRUNC, a, c->integ_key,
			      c->integ_key_len);
	else if (!ret && c->integ)
		goto unsupported;
	return ret;
unsupported:
	snprintf(x->ext, sizeof(x->ext), "Linux XFRM has no %s transform %u",
		 c->enc ? "encryption" : "integrity", c->enc ? c->enc : c->integ);
	return -EOPNOTSUPP;
}

/* XFRMA_REPLAY_ESN_VAL: any window (also above 255) and ESN. */
static int put_replay(struct xs_xfrm *x, struct req *m,
		      const struct xs_sa_cfg *c)
{
	struct xfrm_replay_state_esn *rs;
	uint32_t win = c->replay_window, words;

	/* Linux wants a window with ESN, also outbound where it is unused */
	if (!win && (c->flags & XS_SA_ESN) && c->dir == XS_DIR_OUT)
		win = 32;
	if (!win && !(c->flags & XS_SA_ESN))
		return 0;
	if (!win || win > XS_XFRM_REPLAY_MAX) {
		snprintf(x->ext, sizeof(x->ext), win ?
			 "Linux XFRM takes a replay window of at most %u" :
			 "Linux XFRM wants a replay window with ESN",
			 XS_XFRM_REPLAY_MAX);
		return -ERANGE;
	}
	words = (win + 31) / 32;
	rs = put_attr(m, XFRMA_REPLAY_ESN_VAL, NULL,
		      sizeof(*rs) + words * sizeof(rs->bmp[0]));
	if (!rs)
		return -EMSGSIZE;
	rs->bmp_len = words;
	rs->replay_window = win;
	return 0;
}

static int put_sa_extras(struct req *m, const struct xs_xfrm_sa *sa)
{
	const struct xs_sa_cfg *c = &sa->r->cfg;
	struct xfrm_encap_tmpl enc = { .encap_type = UDP_ENCAP_ESPINUDP };
	struct xfrm_user_offload off = { .ifindex = sa->offload_ifindex };
	uint32_t tfc = c->tfc_pad;

	if (c->flags & XS_SA_UDP_ENCAP) {
		enc.encap_sport = htons(c->encap_sport);
		enc.encap_dport = htons(c->encap_dport);
		if (!put_attr(m, XFRMA_ENCAP, &enc, sizeof(enc)))
			return -EMSGSIZE;
	}
	if (tfc && !put_attr(m, XFRMA_TFCPAD, &tfc, sizeof(tfc)))
		return -EMSGSIZE;
	if (!sa->r->offload)
		return 0;
	off.flags = (c->family == XS_AF_INET6 ? XFRM_OFFLOAD_IPV6 : 0) |
		    (sa->r->offload_dir == XS_DIR_IN ? XFRM_OFFLOAD_INBOUND : 0) |
		    (sa->r->offload == XS_OFFLOAD_PACKET ? XFRM_OFFLOAD_PACKET : 0);
	return put_attr(m, XFRMA_OFFLOAD_DEV, &off, sizeof(off)) ? 0 : -EMSGSIZE;
}

int xs_xfrm_sa_add(struct xs_xfrm *x, const struct xs_xfrm_sa *sa)
{
	struct req m;
	struct xfrm_usersa_info *u = req_init(&m, XFRM_MSG_NEWSA,
					      NLM_F_CREATE | NLM_F_EXCL,
					      sizeof(*u));
	int ret;

	x->ext[0] = 0;
	ret = sa_info(x, u, sa);
	if (!ret)
		ret = put_algs(x, &m, &sa->r->cfg);
	if (!ret)
		ret = put_replay(x, &m, &sa->r->cfg);
	if (!ret)
		ret = put_sa_extras(&m, sa);
	if (ret) {
		xs_wipe(&m, sizeof(m));
		return ret;
	}
	return call(x, &m, NULL, NULL);
}

int xs_xfrm_sa_del(struct xs_xfrm *x, const struct xs_xfrm_id *id)
{
	struct req m;
	struct xfrm_usersa_id *u = req_init(&m, XFRM_MSG_DELSA, 0, sizeof(*u));

	memcpy(&u->daddr, id->dst, addr_len(id->family));
	u->spi = htonl(id->spi);
	u->family = id->family;
	u->proto = id->proto;
	return call(x, &m, NULL, NULL);
}

/* The attributes after a message's fixed header: what follows in h. */
static const struct nlattr *attr_find(const struct nlmsghdr *h, size_t hdr,
				      uint16_t type, size_t min)
{
	size_t off = NLMSG_LENGTH(hdr);
	const struct nlattr *a;

	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		a = (const struct nlattr *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return (size_t)(a->nla_len - NLA_HDRLEN) >= min ? a : NULL;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static void cur_replay(const struct nlmsghdr *h, struct xs_xfrm_cur *c)
{
	const struct nlattr *a;

	a = attr_find(h, sizeof(struct xfrm_usersa_info), XFRMA_REPLAY_ESN_VAL,
		      sizeof(struct xfrm_replay_state_esn));
	if (a) {
		const struct xfrm_replay_state_esn *rs = (const void *)(a + 1);

		c->oseq = (uint64_t)rs->oseq_hi << 32 | rs->oseq;
		c->seq = (uint64_t)rs->seq_hi << 32 | rs->seq;
		return;
	}
	a = attr_find(h, sizeof(struct xfrm_usersa_info), XFRMA_REPLAY_VAL,
		      sizeof(struct xfrm_replay_state));
	if (a) {
		const struct xfrm_replay_state *rs = (const void *)(a + 1);

		c->oseq = rs->oseq;
		c->seq = rs->seq;
	}
}

struct sa_dump {
	xs_xfrm_sa_cb cb;
	void *arg;
};

static int sa_dump_one(const struct nlmsghdr *h, void *arg)
{
	const struct xfrm_usersa_info *u = NLMSG_DATA(h);
	struct sa_dump *sd = arg;
	struct xs_xfrm_cur c;

	if (h->nlmsg_type != XFRM_MSG_NEWSA)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*u)))
		return -1;
	if (u->family != XS_AF_INET && u->family != XS_AF_INET6)
		return 0;
	memset(&c, 0, sizeof(c));
	c.id.family = u->family;
	c.id.proto = u->id.proto;
	c.id.spi = ntohl(u->id.spi);
	memcpy(c.id.dst, &u->id.daddr, addr_len(u->family));
	c.reqid = u->reqid;
	c.packets = u->curlft.packets;
	c.bytes = u->curlft.bytes;
	c.use_time = u->curlft.use_time;
	c.drops = (uint64_t)u->stats.replay_window + u->stats.replay +
		  u->stats.integrity_failed;
	cur_replay(h, &c);
	sd->cb(&c, sd->arg);
	return 0;
}

int xs_xfrm_sa_dump(struct xs_xfrm *x, xs_xfrm_sa_cb cb, void *arg)
{
	struct sa_dump sd = { cb, arg };
	struct req m;

	req_init(&m, XFRM_MSG_GETSA, NLM_F_DUMP, sizeof(struct xfrm_usersa_info));
	return call(x, &m, sa_dump_one, &sd);
}

static int pol_selector(struct xfrm_selector *s, const struct xs_spd_policy *p)
{
	s->family = p->family;
	memcpy(&s->saddr, p->src, addr_len(p->family));
	memcpy(&s->daddr, p->dst, addr_len(p->family));
	s->prefixlen_s = p->src_len;
	s->prefixlen_d = p->dst_len;
	s->proto = p->proto;
	if (port_mask(p->sport_lo, p->sport_hi, &s->sport, &s->sport_mask) ||
	    port_mask(p->dport_lo, p->dport_hi, &s->dport, &s->dport_mask))
		return -ERANGE;
	return 0;
}

static void pol_tmpl(struct xfrm_user_tmpl *t, const struct xs_xfrm_pol *pol)
{
	t->family = pol->tmpl_family;
	t->id.proto = pol->tmpl_proto;
	t->id.spi = htonl(pol->tmpl_spi);
	t->mode = pol->tmpl_mode == XS_MODE_TUNNEL ? XFRM_MODE_TUNNEL :
		  XFRM_MODE_TRANSPORT;
	if (t->mode == XFRM_MODE_TUNNEL) {
		memcpy(&t->saddr, pol->tmpl_src, addr_len(pol->tmpl_family));
		memcpy(&t->id.daddr, pol->tmpl_dst, addr_len(pol->tmpl_family));
	}
	t->reqid = pol->tmpl_reqid;
	t->share = XFRM_SHARE_ANY;
	t->aalgos = t->ealgos = t->calgos = ~0u;
}

int xs_xfrm_pol_set(struct xs_xfrm *x, const struct xs_xfrm_pol *pol,
		    bool update)
{
	struct req m;
	struct xfrm_userpolicy_info *u;
	struct xfrm_user_tmpl *t;
	struct xfrm_user_offload off = { .ifindex = pol->offload_ifindex };

	x->ext[0] = 0;
	u = req_init(&m, update ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY,
		     update ? 0 : NLM_F_CREATE | NLM_F_EXCL, sizeof(*u));
	if (pol_selector(&u->sel, pol->p)) {
		snprintf(x->ext, sizeof(x->ext), "XFRM selector ports are a single port or an aligned power-of-two block");
		return -ERANGE;
	}
	lft_init(&u->lft);
	u->priority = pol->p->priority;
	u->dir = pol->p->dir;		/* XS_SPD_IN/OUT/FWD = XFRM's */
	u->action = XFRM_POLICY_ALLOW;
	u->share = XFRM_SHARE_ANY;
	t = put_attr(&m, XFRMA_TMPL, NULL, sizeof(*t));
	if (!t)
		return -EMSGSIZE;
	pol_tmpl(t, pol);
	off.flags = XFRM_OFFLOAD_PACKET |
		    (pol->p->family == XS_AF_INET6 ? XFRM_OFFLOAD_IPV6 : 0) |
		    (pol->offload_in ? XFRM_OFFLOAD_INBOUND : 0);
	if (pol->offload_ifindex &&
	    !put_attr(&m, XFRMA_OFFLOAD_DEV, &off, sizeof(off)))
		return -EMSGSIZE;
	return call(x, &m, NULL, NULL);
}

int xs_xfrm_pol_del(struct xs_xfrm *x, const struct xs_spd_policy *p)
{
	struct req m;
	struct xfrm_userpolicy_id *u = req_init(&m, XFRM_MSG_DELPOLICY, 0,
						sizeof(*u));

	if (pol_selector(&u->sel, p))
		return -ERANGE;
	u->dir = p->dir;
	return call(x, &m, NULL, NULL);
}

/* What a purge deletes, collected during the dump. */
struct purge {
	uint32_t lo, hi;
	struct xs_xfrm_id sa[PURGE_MAX];
	uint32_t nsa;
	struct { uint32_t index; uint8_t dir; } pol[PURGE_MAX];
	uint32_t npol;
};

static void purge_sa(const struct xs_xfrm_cur *c, void *arg)
{
	struct purge *pg = arg;

	if (c->reqid >= pg->lo && c->reqid <= pg->hi && pg->nsa < PURGE_MAX)
		pg->sa[pg->nsa++] = c->id;
}

/* A policy is ours if one of its templates carries one of our reqids. */
static int purge_pol(const struct nlmsghdr *h, void *arg)
{
	const struct xfrm_userpolicy_info *u = NLMSG_DATA(h);
	const struct xfrm_user_tmpl *t;
	const struct nlattr *a;
	struct purge *pg = arg;
	size_t i, n;

	if (h->nlmsg_type != XFRM_MSG_NEWPOLICY)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*u)))
		return -1;
	a = attr_find(h, sizeof(*u), XFRMA_TMPL, 0);
	if (!a)
		return 0;
	t = (const void *)(a + 1);
	n = (a->nla_len - NLA_HDRLEN) / sizeof(*t);
	for (i = 0; i < n; i++)
		if (t[i].reqid >= pg->lo && t[i].reqid <= pg->hi)
			break;
	if (i < n && pg->npol < PURGE_MAX) {
		pg->pol[pg->npol].index = u->index;
		pg->pol[pg->npol++].dir = u->dir;
	}
	return 0;
}

static int pol_del_index(struct xs_xfrm *x, uint32_t index, uint8_t dir)
{
	struct req m;
	struct xfrm_userpolicy_id *u = req_init(&m, XFRM_MSG_DELPOLICY, 0,
						sizeof(*u));

	u->index = index;
	u->dir = dir;
	return call(x, &m, NULL, NULL);
}

static int purge_delete(struct xs_xfrm *x, const struct purge *pg)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < pg->npol; i++)
		n += !pol_del_index(x, pg->pol[i].index, pg->pol[i].dir);
	for (i = 0; i < pg->nsa; i++)
		n += !xs_xfrm_sa_del(x, &pg->sa[i]);
	return n;
}

int xs_xfrm_purge(struct xs_xfrm *x, uint32_t lo, uint32_t hi)
{
	struct purge *pg = calloc(1, sizeof(*pg));
	struct req m;
	int ret;

	if (!pg)
		return -ENOMEM;
	pg->lo = lo;
	pg->hi = hi;
	req_init(&m, XFRM_MSG_GETPOLICY, NLM_F_DUMP,
		 sizeof(struct xfrm_userpolicy_info));
	ret = call(x, &m, purge_pol, pg);
	if (!ret)
		ret = xs_xfrm_sa_dump(x, purge_sa, pg);
	if (!ret)
		ret = purge_delete(x, pg);
	free(pg);
	return ret;
}
