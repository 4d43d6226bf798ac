// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The kernel backend's SAs (backend_kernel.h): the capability probe, SAs
 * into and out of XFRM, the ESP-in-UDP sockets the kernel decapsulates on,
 * counters and lifetimes back from XFRM once a second, and the clean-up of
 * the instance's reqid range at start and stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/udp.h>
#include <sys/socket.h>

#include "engine/crypto.h"
#include "loader/backend_kernel.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"
#include "maps/types.h"

/*
 * What the probe tries, each as an SA added to XFRM and deleted again.
 * The first four find the protocols: only EPROTONOSUPPORT means that one
 * is missing for that family (esp4, esp6, ah4, ah6). The others find the
 * transforms: any error means that one is missing.
 */
struct probe {
	const char *what;
	uint8_t family, proto;
	uint16_t enc, integ;
	uint8_t enc_len, integ_len;
};

enum { P_ESP4, P_ESP6, P_AH4, P_AH6, P_ALGS };

static const struct probe probes[] = {
	[P_ESP4] = { "ESP over IPv4 (esp4)", XS_AF_INET, XS_PROTO_ESP,
		     XS_ENC_AES_CBC, 0, 16, 0 },
	[P_ESP6] = { "ESP over IPv6 (esp6)", XS_AF_INET6, XS_PROTO_ESP,
		     XS_ENC_AES_CBC, 0, 16, 0 },
	[P_AH4] = { "AH over IPv4 (ah4)", XS_AF_INET, XS_PROTO_AH,
		    0, XS_INTEG_HMAC_SHA1_96, 0, 20 },
	[P_AH6] = { "AH over IPv6 (ah6)", XS_AF_INET6, XS_PROTO_AH,
		    0, XS_INTEG_HMAC_SHA1_96, 0, 20 },
	{ "rfc4106(gcm(aes))", XS_AF_INET, XS_PROTO_ESP, XS_ENC_AES_GCM_16, 0, 20, 0 },
	{ "rfc7539esp(chacha20,poly1305)", XS_AF_INET, XS_PROTO_ESP,
	  XS_ENC_CHACHA20_POLY1305, 0, 36, 0 },
	{ "rfc4543(gcm(aes))", XS_AF_INET, XS_PROTO_ESP, XS_ENC_NULL_AUTH_AES_GMAC,
	  0, 20, 0 },
	{ "cbc(aes)", XS_AF_INET, XS_PROTO_ESP, XS_ENC_AES_CBC, 0, 16, 0 },
	{ "ecb(cipher_null)", XS_AF_INET, XS_PROTO_ESP, XS_ENC_NULL, 0, 0, 0 },
	{ "hmac(sha1)", XS_AF_INET, XS_PROTO_ESP, XS_ENC_AES_CBC,
	  XS_INTEG_HMAC_SHA1_96, 16, 20 },
	{ "hmac(sha256)", XS_AF_INET, XS_PROTO_ESP, XS_ENC_AES_CBC,
	  XS_INTEG_HMAC_SHA256_128, 16, 32 },
	{ "hmac(sha384)", XS_AF_INET, XS_PROTO_ESP, XS_ENC_AES_CBC,
	  XS_INTEG_HMAC_SHA384_192, 16, 48 },
	{ "hmac(sha512)", XS_AF_INET, XS_PROTO_ESP, XS_ENC_AES_CBC,
	  XS_INTEG_HMAC_SHA512_256, 16, 64 },
};

enum { NPROBES = sizeof(probes) / sizeof(probes[0]) };

/* 8 bits of FNV-1a over the instance name. */
static uint32_t instance_tag(void)
{
	const char *s = xs_opts.instance;
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return (h ^ h >> 8 ^ h >> 16 ^ h >> 24) & 0xff;
}

uint32_t xs_kernel_reqid(const struct xs_daemon *d, uint32_t reqid)
{
	return d->kernel->reqid_lo | reqid;
}

static void purge(struct xs_kernel *k, const char *when)
{
	int n = xs_xfrm_purge(&k->x, k->reqid_lo, k->reqid_lo | XS_KREQID_USER_MAX);

	if (n > 0)
		pr_info("%s: deleted %d SAs and policies of this instance from XFRM",
			when, n);
	else if (n < 0)
		pr_warn("%s: cannot list XFRM: %s", when, strerror(-n));
}

void xs_kernel_open(struct xs_daemon *d)
{
	struct xs_kernel *k = calloc(1, sizeof(*k));
	int i;

	if (!k)
		return;
	for (i = 0; i < XS_KERNEL_SOCKS; i++)
		k->socks[i].fd = -1;
	k->reqid_lo = XS_KREQID_BASE | instance_tag() << 16;
	if (xs_xfrm_open(&k->x)) {
		free(k);	/* no xfrm_user: nothing to clean either */
		return;
	}
	d->kernel = k;
	purge(k, "start");
}

static void socks_close(struct xs_kernel *k)
{
	int i;

	for (i = 0; i < XS_KERNEL_SOCKS; i++)
		if (k->socks[i].fd >= 0)
			close(k->socks[i].fd);
}

void xs_kernel_close(struct xs_daemon *d)
{
	struct xs_kernel *k = d->kernel;

	if (!k)
		return;
	purge(k, "stop");
	socks_close(k);
	xs_xfrm_close(&k->x);
	free(k->slots);
	free(k->pols);
	free(k);
	d->kernel = NULL;
}

static void probe_cfg(const struct probe *p, uint32_t n, struct xs_sa_req *r)
{
	memset(r, 0, sizeof(*r));
	r->cfg.family = p->family;
	r->cfg.proto = p->proto;
	r->cfg.spi = 0x5ec0de00 + n;
	r->cfg.mode = XS_MODE_TRANSPORT;
	r->cfg.dir = XS_DIR_IN;
	r->cfg.enc = p->enc;
	r->cfg.integ = p->integ;
	r->cfg.enc_key_len = p->enc_len;
	r->cfg.integ_key_len = p->integ_len;
	/* 127.0.0.1 or ::1 both ways: nothing ever uses it */
	if (p->family == XS_AF_INET) {
		r->cfg.src[0] = r->cfg.dst[0] = 127;
		r->cfg.src[3] = r->cfg.dst[3] = 1;
	} else {
		r->cfg.src[15] = r->cfg.dst[15] = 1;
	}
}

/* Try each probe SA once (keys all zero), then delete it. */
static void probe(struct xs_kernel *k)
{
	struct xs_sa_req r;
	struct xs_xfrm_sa sa = { .r = &r, .reqid = k->reqid_lo };
	struct xs_xfrm_id id;
	uint32_t i;

	for (i = 0; i < NPROBES; i++) {
		probe_cfg(&probes[i], i, &r);
		k->probe_err[i] = xs_xfrm_sa_add(&k->x, &sa);
		if (!k->probe_err[i] ||
		    (i < P_ALGS && k->probe_err[i] != -EPROTONOSUPPORT))
			k->have |= 1u << i;
		id = (struct xs_xfrm_id){ .family = r.cfg.family,
					  .proto = r.cfg.proto, .spi = r.cfg.spi };
		memcpy(id.dst, r.cfg.dst, 16);
		if (!k->probe_err[i] && xs_xfrm_sa_del(&k->x, &id))
			pr_warn("probe: cannot delete probe SA spi 0x%x", id.spi);
	}
	k->probed = true;
}

static bool esp_missing(const struct xs_kernel *k)
{
	return !(k->have & (1u << P_ESP4 | 1u << P_ESP6));
}

/* The kernel backend is usable at all (why: what is missing). */
static int kernel_ready(struct xs_daemon *d, char *why)
{
	if (!d->kernel)
		return xs_why(why, "kernel backend: this kernel has no XFRM netlink (xfrm_user missing): use backend afxdp");
	if (!d->kernel->probed)
		probe(d->kernel);
	if (esp_missing(d->kernel))
		return xs_why(why, "kernel backend: this kernel has no ESP (esp4/esp6 or xfrm_user missing): use backend afxdp");
	return 0;
}

int xs_kernel_backend_set(struct xs_daemon *d, uint8_t backend, char *why)
{
	if (backend == XS_BACKEND_KERNEL && kernel_ready(d, why))
		return -1;
	d->backend = backend;
	return 0;
}

/* Probe index of an SA's protocol+family or of one of its transforms. */
static int probe_index(uint8_t proto, uint8_t family, uint16_t enc,
		       uint16_t integ)
{
	uint32_t i;

	if (!enc && !integ)
		return proto == XS_PROTO_AH ? (family == XS_AF_INET ? P_AH4 : P_AH6) :
		       (family == XS_AF_INET ? P_ESP4 : P_ESP6);
	for (i = P_ALGS; i < NPROBES; i++)
		if ((enc && probes[i].enc == enc && !probes[i].integ) ||
		    (integ && probes[i].integ == integ))
			return i;
	/* the GCM ICV lengths share one probe */
	return enc == XS_ENC_AES_GCM_8 || enc == XS_ENC_AES_GCM_12 ? P_ALGS : -1;
}

static int lacks(const struct xs_kernel *k, int i, const char *what,
		 char *why)
{
	if (i < 0)
		return xs_why(why, "kernel backend: Linux XFRM has no %s: use backend afxdp for this SA",
			      what);
	if (k->have & (1u << i))
		return 0;
	return xs_why(why, "kernel backend: this kernel has no %s (probe: %s): use backend afxdp for this SA",
		      probes[i].what, strerror(-k->probe_err[i]));
}

/* Refuse what the probe found missing, with what it is. */
static int sa_supported(const struct xs_kernel *k, const struct xs_sa_cfg *c,
			char *why)
{
	if (lacks(k, probe_index(c->proto, c->family, 0, 0), "", why))
		return -1;
	if (c->enc && lacks(k, probe_index(c->proto, c->family, c->enc, 0),
			    "such encryption", why))
		return -1;
	if (c->integ && lacks(k, probe_index(c->proto, c->family, 0, c->integ),
			      c->proto == XS_PROTO_AH ? "AH with AES-GMAC" :
			      "such integrity", why))
		return -1;
	return 0;
}

int xs_kernel_sa_check(struct xs_daemon *d, const struct xs_sa_req *r,
		       uint8_t backend, char *why)
{
	if (r->backend_set)
		backend = r->backend;
	if (backend != XS_BACKEND_KERNEL)
		return r->offload ? xs_why(why, "offload needs backend kernel") : 0;
	if (kernel_ready(d, why) || sa_supported(d->kernel, &r->cfg, why))
		return -1;
	if (r->reqid > XS_KREQID_USER_MAX)
		return xs_why(why, "kernel backend: reqid %u above %u", r->reqid,
			      XS_KREQID_USER_MAX);
	if (d->no_crypto)
		return xs_why(why, "kernel backend: not in a --bench-no-crypto daemon (XFRM would encrypt)");
	return 0;
}

/* A UDP socket with UDP_ENCAP_ESPINUDP on the port, shared by SAs: IKE's
 * if IKE has the port (4500), else our own. */
static int sock_get(struct xs_daemon *d, uint8_t family, uint16_t port,
		    char *why)
{
	struct xs_kernel *k = d->kernel;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int i, fd, free_i = -1, encap = UDP_ENCAP_ESPINUDP, one = 1;

	for (i = 0; i < XS_KERNEL_SOCKS; i++) {
		if (k->socks[i].fd >= 0 && k->socks[i].family == family &&
		    k->socks[i].port == port) {
			k->socks[i].refs++;
			return i;
		}
		if (k->socks[i].fd < 0 && free_i < 0)
			free_i = i;
	}
	if (free_i < 0)
		return xs_why(why, "kernel backend: more than %d ESP-in-UDP ports",
			      XS_KERNEL_SOCKS);
	fd = xs_ike_encap_dup(d, family, port);
	if (fd >= 0) {
		k->socks[free_i] = (struct xs_encap_sock){ fd, family, port, 1 };
		return free_i;
	}
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || (family == AF_INET6 &&
		       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, family == AF_INET ? (struct sockaddr *)&a4 : (struct sockaddr *)&a6,
		 family == AF_INET ? sizeof(a4) : sizeof(a6)) ||
	    setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &encap, sizeof(encap))) {
		xs_why(why, "kernel backend: cannot open the ESP-in-UDP socket on port %u: %s",
		       port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	k->socks[free_i] = (struct xs_encap_sock){ fd, family, port, 1 };
	return free_i;
}

static void sock_put(struct xs_kernel *k, int i)
{
	if (i < 0 || --k->socks[i].refs)
		return;
	close(k->socks[i].fd);
	k->socks[i].fd = -1;
}

int xs_kernel_encap_dup(const struct xs_daemon *d, int family, uint16_t port)
{
	const struct xs_kernel *k = d->kernel;
	int i;

	for (i = 0; k && i < XS_KERNEL_SOCKS; i++)
		if (k->socks[i].fd >= 0 && k->socks[i].family == family &&
		    k->socks[i].port == port)
			return fcntl(k->socks[i].fd, F_DUPFD_CLOEXEC, 0);
	return -1;
}

static int slot_keep(struct xs_kernel *k, uint32_t slot, int sock,
		     const struct xs_xfrm_sa *sa)
{
	struct xs_kslot *s;

	if (k->nslots == k->slot_cap) {
		s = realloc(k->slots, (k->slot_cap ? 2 * k->slot_cap : 16) * sizeof(*s));
		if (!s)
			return -1;
		k->slots = s;
		k->slot_cap = k->slot_cap ? 2 * k->slot_cap : 16;
	}
	k->slots[k->nslots++] = (struct xs_kslot){
		.slot = slot, .sock = sock, .seen = true,
		.packet_offload = sa->r->offload == XS_OFFLOAD_PACKET,
		.offload_in = sa->r->offload_dir == XS_DIR_IN,
		.offload_ifindex = sa->offload_ifindex,
	};
	return 0;
}

static int offload_dev(const struct xs_sa_req *r, int *ifindex, char *why)
{
	*ifindex = 0;
	if (!r->offload)
		return 0;
	*ifindex = if_nametoindex(r->offload_dev);
	return *ifindex ? 0 : xs_why(why, "kernel backend: offload device '%s': %s",
				    r->offload_dev, strerror(errno));
}

static int sa_add_err(struct xs_kernel *k, const struct xs_sa_req *r, int err,
		      char *why)
{
	return xs_why(why, "kernel backend: XFRM refused SA spi 0x%x: %s%s%s",
		      r->cfg.spi, strerror(-err), k->x.ext[0] ? ": " : "", k->x.ext);
}

int xs_kernel_sa_add(struct xs_daemon *d, uint32_t slot,
		     const struct xs_sa_req *r, char *why)
{
	struct xs_xfrm_sa sa = { .r = r };
	struct xs_kernel *k;
	int sock = -1, ret;

	if (offload_dev(r, &sa.offload_ifindex, why))
		return -1;
	k = d->kernel;
	sa.reqid = xs_kernel_reqid(d, r->reqid);
	if (r->cfg.dir == XS_DIR_IN && (r->cfg.flags & XS_SA_UDP_ENCAP)) {
		sock = sock_get(d, r->cfg.family, r->cfg.encap_dport, why);
		if (sock < 0)
			return -1;
	}
	ret = xs_xfrm_sa_add(&k->x, &sa);
	if (!ret && slot_keep(k, slot, sock, &sa)) {
		xs_kernel_sa_del(d, slot);
		ret = -ENOMEM;
	}
	if (ret) {
		sock_put(k, sock);
		return sa_add_err(k, r, ret, why);
	}
	return 0;
}

struct xs_kslot *xs_kernel_slot(struct xs_kernel *k, uint32_t slot)
{
	uint32_t i;

	for (i = 0; i < k->nslots; i++)
		if (k->slots[i].slot == slot)
			return &k->slots[i];
	return NULL;
}

void xs_kernel_sa_del(struct xs_daemon *d, uint32_t slot)
{
	const struct xs_sad_entry *e = &d->sad[slot];
	struct xs_xfrm_id id = { .family = e->family, .proto = e->proto,
				 .spi = e->spi };
	struct xs_kernel *k = d->kernel;
	struct xs_kslot *s;
	int ret;

	if (!k)
		return;
	memcpy(id.dst, e->dst, 16);
	ret = xs_xfrm_sa_del(&k->x, &id);
	if (ret && ret != -ESRCH && ret != -ENOENT)
		pr_warn("kernel backend: cannot delete SA spi 0x%x from XFRM: %s",
			e->spi, strerror(-ret));
	s = xs_kernel_slot(k, slot);
	if (!s)
		return;
	sock_put(k, s->sock);
	*s = k->slots[--k->nslots];
}

struct tick {
	struct xs_daemon *d;
	uint32_t ours;
};

static bool same_sa(const struct xs_sad_entry *e, const struct xs_xfrm_id *id)
{
	return e->spi == id->spi && e->proto == id->proto &&
	       e->family == id->family && !memcmp(e->dst, id->dst, 16);
}

/* One SA of the dump: counters into its slot. */
static void tick_sa(const struct xs_xfrm_cur *c, void *arg)
{
	struct tick *t = arg;
	struct xs_kernel *k = t->d->kernel;
	struct xs_sad_entry *e;
	uint32_t i;

	if (c->reqid < k->reqid_lo || c->reqid > (k->reqid_lo | XS_KREQID_USER_MAX))
		return;
	for (i = 0; i < k->nslots; i++) {
		e = &t->d->sad[k->slots[i].slot];
		if (!same_sa(e, &c->id))
			continue;
		k->slots[i].seen = true;
		e->packets = c->packets;
		e->bytes = c->bytes;
		e->drops = c->drops;
		e->use_time = c->use_time;
		e->seq = c->oseq;
		e->replay_top = c->seq;
		return;
	}
}

/* The byte and packet lifetimes (XFRM enforces them too). */
static uint8_t lifetime_state(const struct xs_sad_entry *e, bool seen)
{
	if (!seen || (e->hard_packets && e->packets >= e->hard_packets) ||
	    (e->hard_bytes && e->bytes >= e->hard_bytes))
		return XS_SA_DEAD;
	if ((e->soft_packets && e->packets >= e->soft_packets) ||
	    (e->soft_bytes && e->bytes >= e->soft_bytes))
		return e->state == XS_SA_MATURE ? XS_SA_DYING : e->state;
	return e->state;
}

bool xs_kernel_tick(struct xs_daemon *d)
{
	struct tick t = { .d = d };
	struct xs_kernel *k = d->kernel;
	bool changed = false;
	uint32_t i;
	uint8_t st;

	if (!k || !k->nslots)
		return false;
	for (i = 0; i < k->nslots; i++)
		k->slots[i].seen = false;
	if (xs_xfrm_sa_dump(&k->x, tick_sa, &t))
		return false;
	for (i = 0; i < k->nslots; i++) {
		struct xs_sad_entry *e = &d->sad[k->slots[i].slot];

		st = lifetime_state(e, k->slots[i].seen);
		if (st == e->state || e->state == XS_SA_DEAD)
			continue;
		__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
		pr_info("SA spi 0x%x: %s", e->spi, st == XS_SA_DEAD ?
			"gone from XFRM or hard limit reached, dead" :
			"soft limit reached, dying");
		changed = true;
	}
	return changed;
}

json_t *xs_kernel_json(const struct xs_daemon *d)
{
	const struct xs_kernel *k = d->kernel;
	json_t *o = json_object(), *lack = json_array();
	uint32_t i;

	json_object_set_new(o, "backend", json_string(d->backend == XS_BACKEND_KERNEL ?
						      "kernel" : "afxdp"));
	json_object_set_new(o, "xfrm", json_boolean(k != NULL));
	if (k && k->probed)
		for (i = 0; i < NPROBES; i++)
			if (!(k->have & (1u << i)))
				json_array_append_new(lack, json_string(probes[i].what));
	json_object_set_new(o, "kernel_lacks", k && k->probed ? lack : json_null());
	if (!k || !k->probed)
		json_decref(lack);
	json_object_set_new(o, "kernel_sas", json_integer(k ? k->nslots : 0));
	json_object_set_new(o, "kernel_policies", json_integer(k ? k->npols : 0));
	return o;
}
