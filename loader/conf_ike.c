// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * `connections { }` and `secrets { }` of the configuration file
 * (docs/configuration.md), swanctl.conf's layout:
 *
 *   connections { NAME { KEY = VALUE  local { }  remote { }
 *                        children { NAME { KEY = VALUE } } } }
 *   secrets { ike-NAME { id = ID  secret = SECRET } }
 *
 * Values are checked as they are read (conf_ike_val.c); what depends on
 * other keys (`dynamic` selectors on the addresses, defaults of lifetimes)
 * is settled when a connection's section closes. Errors name the file, the
 * line and the key.
 */
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "loader/conf_ike.h"
#include "loader/xdpsec.h"

/* strongSwan's defaults (swanctl.conf(5)). */
enum {
	IKE_REKEY_SEC = 4 * 3600,
	CHILD_REKEY_SEC = 3600,
	REPLAY_WINDOW = 32,
	TS_STR_MAX = 1024,
};

/* What a child keeps until its connection closes. */
struct child_raw {
	char lts[TS_STR_MAX], rts[TS_STR_MAX];
	int lts_line, rts_line;
	bool life_time, rand_time, life_bytes, life_packets, props;
};

struct ike_parse {
	struct xs_conf_rd *rd;
	struct xs_ike_conf *ic;
	char path[3 * IKE_NAME_MAX + 32];	/* connections.gw.children.net */
	char msg[XS_WHY_MAX];
	struct child_raw raw[IKE_CONN_MAX_CHILDREN];
	int conn_line;
};

__attribute__((format(printf, 3, 4)))
static int perr_at(struct ike_parse *p, int line, const char *fmt, ...)
{
	char msg[XS_WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xs_why(p->rd->why, "%s:%d: %s", p->rd->file, line, msg);
}

#define perr(p, ...) perr_at(p, *(p)->rd->line, __VA_ARGS__)

/* A value error: "FILE:LINE: PATH: key: why". */
static int verr(struct ike_parse *p, const char *key)
{
	return perr(p, "%s: %s: %s", p->path, key, p->msg);
}

/* Runs fn over the lines of a section: kv for `key = value`, sub for
 * `name {`; returns at the section's closing brace. */
static int walk(struct ike_parse *p, void *arg,
		int (*kv)(struct ike_parse *, void *, const char *, char *),
		int (*sub)(struct ike_parse *, void *, const char *))
{
	char *s, *key, *val, *name;
	int r;

	while ((r = p->rd->next(p->rd->c, &s)) > 0) {
		if (!strcmp(s, "}"))
			return 0;
		name = p->rd->section(s);
		if (name) {
			if (!sub)
				return perr(p, "unexpected section '%s' in %s", name, p->path);
			if (sub(p, arg, name))
				return -1;
			continue;
		}
		if (p->rd->kv(p->rd->c, s, &key, &val))
			return -1;
		if (!*val)
			return perr(p, "missing value for '%s' in %s", key, p->path);
		if (kv(p, arg, key, xs_ike_val_unquote(val)))
			return -1;
	}
	return r < 0 ? -1 : perr(p, "missing '}' for %s", p->path);
}

/* Room for one more element: doubles *arr (zeroed); the old copy is wiped
 * (it may hold secrets). */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? 2 * *cap : 4;
	void *p;

	if (n < *cap)
		return 0;
	p = calloc(c, size);
	if (!p)
		return -1;
	if (*arr) {
		memcpy(p, *arr, n * size);
		xs_wipe(*arr, *cap * size);
		free(*arr);
	}
	*arr = p;
	*cap = c;
	return 0;
}

static int unknown_key(struct ike_parse *p, const char *key)
{
	return perr(p, "unknown key '%s' in %s", key, p->path);
}

/* Pushes ".name" onto the path; returns the old length to pop back to. */
static size_t path_push(struct ike_parse *p, const char *name)
{
	size_t n = strlen(p->path);

	snprintf(p->path + n, sizeof(p->path) - n, ".%s", name);
	return n;
}

static int name_ok(struct ike_parse *p, const char *name, const char *what)
{
	if (strlen(name) >= IKE_NAME_MAX)
		return perr(p, "%s name '%s' longer than %d bytes", what, name,
			    IKE_NAME_MAX - 1);
	return 0;
}

/* ---- local { } and remote { } ------------------------------------------ */

static int abs_path(struct ike_parse *p, const char *key, const char *v,
		    char *out)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", p->rd->file);
	if (snprintf(out, IKE_PATH_MAX, "%s%s%s", v[0] == '/' ? "" : dirname(dir),
		     v[0] == '/' ? "" : "/", v) >= IKE_PATH_MAX)
		return perr(p, "%s: %s: path longer than %d bytes", p->path, key,
			    IKE_PATH_MAX - 1);
	return 0;
}

static int end_kv(struct ike_parse *p, void *arg, const char *key, char *v)
{
	struct ike_end_cfg *e = arg;
	size_t n = strlen(p->path);
	bool local = n > 6 && !strcmp(p->path + n - 6, ".local");

	if (!strcmp(key, "auth")) {
		if (!strcmp(v, "psk"))
			e->auth = IKE_AUTH_KIND_PSK;
		else if (!strcmp(v, "pubkey"))
			e->auth = IKE_AUTH_KIND_PUBKEY;
		else
			return perr(p, "%s: auth: '%s' is not supported (want psk or pubkey)",
				    p->path, v);
		return 0;
	}
	if (!strcmp(key, "id"))
		return xs_ike_val_id(v, &e->id, p->msg) ? verr(p, key) : 0;
	if (local && !strcmp(key, "certs"))
		return abs_path(p, key, v, e->certs);
	if (local && !strcmp(key, "key"))
		return abs_path(p, key, v, e->key);
	if (!local && !strcmp(key, "cacerts"))
		return abs_path(p, key, v, e->cacerts);
	return unknown_key(p, key);
}

/* ---- children { NAME { } } --------------------------------------------- */

static int child_mode(struct ike_parse *p, struct ike_child_cfg *ch,
		      const char *v)
{
	if (strcmp(v, "tunnel") && strcmp(v, "transport"))
		return perr(p, "%s: mode: '%s' is not supported (want tunnel or transport)",
			    p->path, v);
	ch->transport = !strcmp(v, "transport");
	return 0;
}

static int child_action(struct ike_parse *p, struct ike_child_cfg *ch,
			const char *key, const char *v)
{
	static const char *const starts[] = { "none", "start", "trap" };
	static const char *const dpds[] = { "clear", "restart", "trap" };
	bool start = !strcmp(key, "start_action");
	unsigned i;

	for (i = 0; i < 3; i++)
		if (!strcmp(v, start ? starts[i] : dpds[i])) {
			if (start)
				ch->start_action = i;
			else
				ch->dpd_action = i;
			return 0;
		}
	return perr(p, "%s: %s: '%s' is not supported (want %s)", p->path, key, v,
		    start ? "none, start or trap" : "clear, restart or trap");
}

static int child_props(struct ike_parse *p, struct ike_child_cfg *ch,
		       struct child_raw *raw, const char *key, const char *v)
{
	uint8_t proto = !strcmp(key, "ah_proposals") ? IKEV2_PROTO_AH :
			IKEV2_PROTO_ESP;

	if (raw->props)
		return perr(p, "%s: %s: only one of esp_proposals and ah_proposals",
			    p->path, key);
	raw->props = true;
	ch->proto = proto;
	return xs_ike_val_props(v, proto, &ch->proposals, p->msg) ? verr(p, key) : 0;
}

static int child_ts(struct ike_parse *p, struct child_raw *raw,
		    const char *key, const char *v)
{
	bool local = !strcmp(key, "local_ts");

	if (strlen(v) >= TS_STR_MAX)
		return perr(p, "%s: %s: longer than %d bytes", p->path, key,
			    TS_STR_MAX - 1);
	strcpy(local ? raw->lts : raw->rts, v);
	*(local ? &raw->lts_line : &raw->rts_line) = *p->rd->line;
	return 0;
}

static uint64_t *child_u64(struct ike_child_cfg *ch, struct child_raw *raw,
			   const char *key)
{
	if (!strcmp(key, "rekey_bytes"))
		return &ch->rekey_bytes;
	if (!strcmp(key, "life_bytes"))
		return raw->life_bytes = true, &ch->life_bytes;
	if (!strcmp(key, "rekey_packets"))
		return &ch->rekey_packets;
	if (!strcmp(key, "life_packets"))
		return raw->life_packets = true, &ch->life_packets;
	return NULL;
}

static uint32_t *child_time(struct ike_child_cfg *ch, struct child_raw *raw,
			    const char *key)
{
	if (!strcmp(key, "rekey_time"))
		return &ch->rekey_time;
	if (!strcmp(key, "life_time"))
		return raw->life_time = true, &ch->life_time;
	if (!strcmp(key, "rand_time"))
		return raw->rand_time = true, &ch->rand_time;
	return NULL;
}

static int child_kv(struct ike_parse *p, void *arg, const char *key, char *v)
{
	struct ike_child_cfg *ch = arg;
	struct child_raw *raw = &p->raw[ch - p->ic->conns[p->ic->nconns - 1].children];
	uint64_t *u64, n;
	uint32_t *t;

	if (!strcmp(key, "local_ts") || !strcmp(key, "remote_ts"))
		return child_ts(p, raw, key, v);
	if (!strcmp(key, "esp_proposals") || !strcmp(key, "ah_proposals"))
		return child_props(p, ch, raw, key, v);
	if (!strcmp(key, "mode"))
		return child_mode(p, ch, v);
	if (!strcmp(key, "start_action") || !strcmp(key, "dpd_action"))
		return child_action(p, ch, key, v);
	if ((t = child_time(ch, raw, key)))
		return xs_ike_val_time(v, t, p->msg) ? verr(p, key) : 0;
	if ((u64 = child_u64(ch, raw, key)))
		return xs_ike_val_u64(v, u64, p->msg) ? verr(p, key) : 0;
	if (!strcmp(key, "replay_window")) {
		if (xs_ike_val_u64(v, &n, p->msg))
			return verr(p, key);
		if (n > 65536)
			return perr(p, "%s: replay_window: %s is above 65536", p->path, v);
		ch->replay_window = n;
		return 0;
	}
	return unknown_key(p, key);
}

static int child_sect(struct ike_parse *p, void *arg, const char *name)
{
	struct ike_conn_cfg *cc = arg;
	struct ike_child_cfg *ch;
	size_t old;
	int i, ret;

	if (name_ok(p, name, "child"))
		return -1;
	for (i = 0; i < cc->nchildren; i++)
		if (!strcmp(cc->children[i].name, name))
			return perr(p, "child '%s' defined twice in %s", name, p->path);
	if (cc->nchildren >= IKE_CONN_MAX_CHILDREN)
		return perr(p, "more than %d children in %s", IKE_CONN_MAX_CHILDREN,
			    p->path);
	ch = &cc->children[cc->nchildren];
	memset(&p->raw[cc->nchildren++], 0, sizeof(p->raw[0]));
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->proto = IKEV2_PROTO_ESP;
	ch->rekey_time = CHILD_REKEY_SEC;
	ch->replay_window = REPLAY_WINDOW;
	old = path_push(p, name);
	ret = walk(p, ch, child_kv, NULL);
	p->path[old] = 0;
	return ret;
}

static int children_kv(struct ike_parse *p, void *arg, const char *key,
		       char *v)
{
	return perr(p, "expected 'name {' in %s, got '%s'", p->path, key);
}

/* ---- connections { NAME { } } ------------------------------------------ */

static int conn_sub(struct ike_parse *p, void *arg, const char *name)
{
	struct ike_conn_cfg *cc = arg;
	size_t old = path_push(p, name);
	int ret;

	if (!strcmp(name, "local") || !strcmp(name, "remote"))
		ret = walk(p, !strcmp(name, "local") ? &cc->local_auth :
			   &cc->remote_auth, end_kv, NULL);
	else if (!strcmp(name, "children"))
		ret = walk(p, cc, children_kv, child_sect);
	else
		ret = perr(p, "unknown section '%s' in %.*s (want local, remote or children)",
			   name, (int)old, p->path);
	p->path[old] = 0;
	return ret;
}

static int conn_port(struct ike_parse *p, const char *key, const char *v,
		     uint16_t *port)
{
	uint64_t n;

	if (xs_ike_val_u64(v, &n, p->msg) || !n || n > 65535)
		return perr(p, "%s: %s: bad port '%s'", p->path, key, v);
	*port = n;
	return 0;
}

static int conn_frag(struct ike_parse *p, struct ike_conn_cfg *cc,
		     const char *v)
{
	if (!strcmp(v, "yes") || !strcmp(v, "accept") || !strcmp(v, "force"))
		cc->fragmentation = true;
	else if (!strcmp(v, "no"))
		cc->fragmentation = false;
	else
		return perr(p, "%s: fragmentation: bad value '%s' (want yes, accept, force or no)",
			    p->path, v);
	return 0;
}

static uint32_t *conn_time(struct ike_conn_cfg *cc, const char *key)
{
	return !strcmp(key, "rekey_time") ? &cc->rekey_time :
	       !strcmp(key, "rand_time") ? &cc->rand_time :
	       !strcmp(key, "dpd_delay") ? &cc->dpd_delay :
	       !strcmp(key, "dpd_timeout") ? &cc->dpd_timeout : NULL;
}

static int conn_kv(struct ike_parse *p, void *arg, const char *key, char *v)
{
	struct ike_conn_cfg *cc = arg;
	uint32_t *t;
	uint64_t n;

	if (!strcmp(key, "local_addrs") || !strcmp(key, "remote_addrs")) {
		struct ike_addr *a = key[0] == 'l' ? &cc->local : &cc->remote;
		uint16_t port = a->port;

		if (xs_ike_val_addr(v, a, p->msg))
			return verr(p, key);
		a->port = port;
		return 0;
	}
	if (!strcmp(key, "local_port") && strcmp(v, "500"))
		return perr(p, "%s: local_port: only 500 (the daemon listens on 500 and 4500)",
			    p->path);
	if (!strcmp(key, "local_port") || !strcmp(key, "remote_port"))
		return conn_port(p, key, v, key[0] == 'l' ? &cc->local.port :
				 &cc->remote.port);
	if (!strcmp(key, "version"))
		return strcmp(v, "2") && strcmp(v, "0") ?
		       perr(p, "%s: version: '%s' is not supported (IKEv2 only: 2 or 0)",
			    p->path, v) : 0;
	if (!strcmp(key, "proposals"))
		return xs_ike_val_props(v, IKEV2_PROTO_IKE, &cc->proposals, p->msg) ?
		       verr(p, key) : 0;
	if (!strcmp(key, "encap"))
		return xs_ike_val_bool(v, &cc->encap, p->msg) ? verr(p, key) : 0;
	if (!strcmp(key, "fragmentation"))
		return conn_frag(p, cc, v);
	if ((t = conn_time(cc, key)))
		return xs_ike_val_time(v, t, p->msg) ? verr(p, key) : 0;
	if (!strcmp(key, "keyingtries")) {
		if (xs_ike_val_u64(v, &n, p->msg) || n > UINT32_MAX)
			return perr(p, "%s: keyingtries: bad number '%s'", p->path, v);
		cc->keyingtries = n;
		return 0;
	}
	return unknown_key(p, key);
}

static void conn_defaults(struct ike_conn_cfg *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->local.port = cc->remote.port = 500;
	cc->fragmentation = true;
	cc->rekey_time = IKE_REKEY_SEC;
	cc->rand_time = UINT32_MAX;		/* unset: 10% of rekey_time */
	cc->keyingtries = 1;
	cc->local_auth.auth = cc->remote_auth.auth = IKE_AUTH_KIND_PUBKEY;
}

/* life = rekey + 10% (of a time: at least a second) unless set;
 * rand_time = life - rekey unless set. */
static void child_lifetimes(struct ike_child_cfg *ch,
			    const struct child_raw *raw)
{
	if (!raw->life_time)
		ch->life_time = ch->rekey_time + (ch->rekey_time + 9) / 10;
	if (!raw->rand_time)
		ch->rand_time = ch->life_time > ch->rekey_time ?
				ch->life_time - ch->rekey_time : 0;
	if (!raw->life_bytes)
		ch->life_bytes = ch->rekey_bytes + ch->rekey_bytes / 10;
	if (!raw->life_packets)
		ch->life_packets = ch->rekey_packets + ch->rekey_packets / 10;
}

static bool child_esn(const struct ike_child_cfg *ch)
{
	unsigned i;

	for (i = 0; i < ch->proposals.nxforms; i++)
		if (ch->proposals.xforms[i].type == IKEV2_XFORM_ESN &&
		    ch->proposals.xforms[i].id == IKEV2_ESN_YES)
			return true;
	return false;
}

static int child_finish(struct ike_parse *p, struct ike_conn_cfg *cc, int i)
{
	struct ike_child_cfg *ch = &cc->children[i];
	struct child_raw *raw = &p->raw[i];
	int n;

	if (!raw->props && xs_ike_val_props("default", IKEV2_PROTO_ESP,
					    &ch->proposals, p->msg))
		return perr_at(p, p->conn_line, "%s: %s", p->path, p->msg);
	if (xs_ike_val_ts(raw->lts_line ? raw->lts : "dynamic", &cc->local,
			  &ch->local_ts, p->msg))
		return perr_at(p, raw->lts_line, "%s.children.%s: local_ts: %s",
			       p->path, ch->name, p->msg);
	if (xs_ike_val_ts(raw->rts_line ? raw->rts : "dynamic", &cc->remote,
			  &ch->remote_ts, p->msg))
		return perr_at(p, raw->rts_line, "%s.children.%s: remote_ts: %s",
			       p->path, ch->name, p->msg);
	n = xs_ike_ts_policies(&ch->local_ts, &ch->remote_ts);
	if (ch->start_action == IKE_START_TRAP &&
	    (n < 0 || n > XS_IKE_CHILD_POLICIES_MAX))
		return perr_at(p, p->conn_line, "%s.children.%s: start_action = trap: local_ts and remote_ts need more than %d policies",
			       p->path, ch->name, XS_IKE_CHILD_POLICIES_MAX);
	child_lifetimes(ch, raw);
	if (ch->rekey_time && ch->life_time && ch->life_time < ch->rekey_time)
		return perr_at(p, p->conn_line, "%s.children.%s: life_time is below rekey_time",
			       p->path, ch->name);
	cc->esn |= child_esn(ch);
	return 0;
}

static int conn_finish(struct ike_parse *p, struct ike_conn_cfg *cc)
{
	int i;

	if (!cc->proposals.nprops &&
	    xs_ike_val_props("default", IKEV2_PROTO_IKE, &cc->proposals, p->msg))
		return perr_at(p, p->conn_line, "%s: %s", p->path, p->msg);
	if (cc->rand_time == UINT32_MAX)
		cc->rand_time = cc->rekey_time / 10;
	for (i = 0; i < cc->nchildren; i++)
		if (child_finish(p, cc, i))
			return -1;
	if (cc->local.len && cc->remote.len && cc->local.len != cc->remote.len)
		return perr_at(p, p->conn_line, "%s: local_addrs and remote_addrs are of different families",
			       p->path);
	if (!cc->local_auth.id.type && cc->local_auth.auth == IKE_AUTH_KIND_PSK) {
		if (!cc->local.len)
			return perr_at(p, p->conn_line, "%s: local.id is needed with auth = psk when local_addrs is %%any",
				       p->path);
		cc->local_auth.id.type = cc->local.len == 4 ? IKEV2_ID_IPV4_ADDR :
					 IKEV2_ID_IPV6_ADDR;
		cc->local_auth.id.len = cc->local.len;
		memcpy(cc->local_auth.id.data, cc->local.addr, cc->local.len);
	}
	if (cc->local_auth.auth == IKE_AUTH_KIND_PUBKEY && !cc->local_auth.certs[0])
		return perr_at(p, p->conn_line, "%s: local.certs is needed with auth = pubkey",
			       p->path);
	return 0;
}

static int conn_sect(struct ike_parse *p, void *arg, const char *name)
{
	struct xs_ike_conf *ic = p->ic;
	struct ike_conn_cfg *cc;
	size_t i, old;
	int ret;

	if (name_ok(p, name, "connection"))
		return -1;
	for (i = 0; i < ic->nconns; i++)
		if (!strcmp(ic->conns[i].name, name))
			return perr(p, "connection '%s' defined twice", name);
	if (ic->nconns >= XS_IKE_CONNS_MAX)
		return perr(p, "more than %d connections", XS_IKE_CONNS_MAX);
	if (grow((void **)&ic->conns, &ic->conn_cap, ic->nconns, sizeof(*cc)))
		return perr(p, "out of memory");
	cc = &ic->conns[ic->nconns++];
	conn_defaults(cc);
	snprintf(cc->name, sizeof(cc->name), "%s", name);
	p->conn_line = *p->rd->line;
	old = path_push(p, name);
	ret = walk(p, cc, conn_kv, conn_sub);
	if (!ret)
		ret = conn_finish(p, cc);
	p->path[old] = 0;
	return ret;
}

static int top_kv(struct ike_parse *p, void *arg, const char *key, char *v)
{
	return perr(p, "expected 'name {' or '}' in %s, got '%s'", p->path, key);
}

/* ---- secrets { ike-NAME { } } ------------------------------------------ */

static int secret_kv(struct ike_parse *p, void *arg, const char *key, char *v)
{
	struct ike_secret_cfg *s = arg;

	if (!strcmp(key, "secret")) {
		if (s->len)
			return perr(p, "%s: secret given twice", p->path);
		return xs_ike_val_secret(v, s, p->msg) ? verr(p, key) : 0;
	}
	if (!strcmp(key, "id") || !strncmp(key, "id-", 3)) {
		if (s->nids >= sizeof(s->ids) / sizeof(s->ids[0]))
			return perr(p, "%s: more than %zu ids", p->path,
				    sizeof(s->ids) / sizeof(s->ids[0]));
		return xs_ike_val_id(v, &s->ids[s->nids++], p->msg) ? verr(p, key) : 0;
	}
	return unknown_key(p, key);
}

static int secret_sect(struct ike_parse *p, void *arg, const char *name)
{
	struct xs_ike_conf *ic = p->ic;
	struct ike_secret_cfg *s;
	size_t old;
	int ret;

	if (strncmp(name, "ike", 3))
		return perr(p, "secrets.%s: only ike-NAME (shared key) secrets are supported",
			    name);
	if (ic->nsecrets >= XS_IKE_SECRETS_MAX)
		return perr(p, "more than %d secrets", XS_IKE_SECRETS_MAX);
	if (grow((void **)&ic->secrets, &ic->secret_cap, ic->nsecrets, sizeof(*s)))
		return perr(p, "out of memory");
	s = &ic->secrets[ic->nsecrets++];
	memset(s, 0, sizeof(*s));
	p->conn_line = *p->rd->line;
	old = path_push(p, name);
	ret = walk(p, s, secret_kv, NULL);
	if (!ret && !s->len)
		ret = perr_at(p, p->conn_line, "%s: missing secret", p->path);
	p->path[old] = 0;
	return ret;
}

int xs_conf_ike_section(struct xs_ike_conf *ic, const char *sect,
			struct xs_conf_rd *rd)
{
	struct ike_parse *p = calloc(1, sizeof(*p));
	bool secrets = !strcmp(sect, "secrets");
	int ret;

	if (!p)
		return xs_why(rd->why, "out of memory");
	p->rd = rd;
	p->ic = ic;
	snprintf(p->path, sizeof(p->path), "%s", sect);
	ret = walk(p, NULL, top_kv, secrets ? secret_sect : conn_sect);
	xs_wipe(p, sizeof(*p));
	free(p);
	return ret;
}

void xs_ike_conf_free(struct xs_ike_conf *ic)
{
	if (ic->secrets)
		xs_wipe(ic->secrets, ic->secret_cap * sizeof(*ic->secrets));
	free(ic->secrets);
	free(ic->conns);
	memset(ic, 0, sizeof(*ic));
}
