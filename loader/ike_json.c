// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The IKE model as JSON for the control protocol (docs/control-protocol.md):
 * addresses, identities, traffic selectors and proposals in swanctl's
 * words; the configured connections for `list-conns`. Never secrets.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ike/id.h"
#include "ike/proposal.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"
#include "loader/ike_json.h"
#include "maps/types.h"

void xs_ike_addr_str(const struct ike_addr *a, char *buf, size_t len)
{
	if (!a->len || !inet_ntop(a->len == 4 ? AF_INET : AF_INET6, a->addr, buf,
				  len))
		snprintf(buf, len, "%%any");
}

/* Leading ones of a mask that turns start into end, or -1 if none. */
static int range_prefix(const uint8_t *s, const uint8_t *e, int bytes)
{
	int bit, plen = -1;

	for (bit = 0; bit < bytes * 8; bit++) {
		int a = s[bit / 8] >> (7 - bit % 8) & 1;
		int b = e[bit / 8] >> (7 - bit % 8) & 1;

		if (plen < 0 && a != b)
			plen = bit;
		if (plen >= 0 && (a != 0 || b != 1))
			return -1;
	}
	return plen < 0 ? bytes * 8 : plen;
}

void xs_ike_ts_str(const struct ike_ts *ts, char *buf, size_t len)
{
	int bytes = ts->type == IKEV2_TS_IPV6_ADDR_RANGE ? 16 : 4, plen;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int n;

	if (!ts->type) {
		n = snprintf(buf, len, "dynamic");
	} else {
		inet_ntop(bytes == 4 ? AF_INET : AF_INET6, ts->start, a, sizeof(a));
		inet_ntop(bytes == 4 ? AF_INET : AF_INET6, ts->end, b, sizeof(b));
		plen = range_prefix(ts->start, ts->end, bytes);
		n = plen >= 0 ? snprintf(buf, len, "%s/%d", a, plen) :
				snprintf(buf, len, "%s-%s", a, b);
	}
	if (n < 0 || (size_t)n >= len || (!ts->proto && !ts->start_port &&
					  ts->end_port == 65535))
		return;
	if (ts->start_port == 0 && ts->end_port == 65535)
		snprintf(buf + n, len - n, "[%u]", ts->proto);
	else if (ts->start_port == ts->end_port)
		snprintf(buf + n, len - n, "[%u/%u]", ts->proto, ts->start_port);
	else
		snprintf(buf + n, len - n, "[%u/%u-%u]", ts->proto, ts->start_port,
			 ts->end_port);
}

json_t *xs_ike_ts_json(const struct ike_ts_pld *ts)
{
	json_t *a = json_array();
	char buf[128];
	unsigned i;

	for (i = 0; i < ts->num; i++) {
		xs_ike_ts_str(&ts->ts[i], buf, sizeof(buf));
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

json_t *xs_ike_props_json(const struct ike_sa_pld *sa)
{
	char buf[1024];

	return ike_prop_format(sa, buf, sizeof(buf)) < 0 ? json_null() :
	       json_string(buf);
}

json_t *xs_ike_id_json(const struct ike_id_cfg *id)
{
	char buf[IKE_ID_STR_MAX];

	ike_id_format(id, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *end_json(const struct ike_end_cfg *e, bool local)
{
	json_t *o = json_pack("{s:s,s:o}", "auth",
			      e->auth == IKE_AUTH_KIND_PSK ? "psk" : "pubkey",
			      "id", xs_ike_id_json(&e->id));

	if (local) {
		json_object_set_new(o, "certs", e->certs[0] ? json_string(e->certs) : json_null());
		json_object_set_new(o, "key", e->key[0] ? json_string(e->key) : json_null());
	} else {
		json_object_set_new(o, "cacerts", e->cacerts[0] ? json_string(e->cacerts) :
				    json_null());
	}
	return o;
}

static json_t *child_json(const struct ike_child_cfg *ch)
{
	static const char *const starts[] = { "none", "start", "trap" };
	static const char *const dpds[] = { "clear", "restart", "trap" };

	return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:I,s:I,s:I,s:I,"
			 "s:I,s:I,s:I,s:I}",
		"name", ch->name, "mode", ch->transport ? "transport" : "tunnel",
		"proto", ch->proto == IKEV2_PROTO_AH ? "ah" : "esp",
		"proposals", xs_ike_props_json(&ch->proposals),
		"local_ts", xs_ike_ts_json(&ch->local_ts),
		"remote_ts", xs_ike_ts_json(&ch->remote_ts),
		"start_action", starts[ch->start_action % 3],
		"dpd_action", dpds[ch->dpd_action % 3],
		"replay_window", (json_int_t)ch->replay_window,
		"rekey_time", (json_int_t)ch->rekey_time,
		"life_time", (json_int_t)ch->life_time,
		"rand_time", (json_int_t)ch->rand_time,
		"rekey_bytes", (json_int_t)ch->rekey_bytes,
		"life_bytes", (json_int_t)ch->life_bytes,
		"rekey_packets", (json_int_t)ch->rekey_packets,
		"life_packets", (json_int_t)ch->life_packets);
}

static json_t *conn_json(const struct ike_conn_cfg *c)
{
	char la[64], ra[64];
	json_t *kids = json_array();
	int i;

	xs_ike_addr_str(&c->local, la, sizeof(la));
	xs_ike_addr_str(&c->remote, ra, sizeof(ra));
	for (i = 0; i < c->nchildren; i++)
		json_array_append_new(kids, child_json(&c->children[i]));
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:o,s:b,s:b,s:b,s:I,s:I,s:I,s:I,"
			 "s:I,s:o,s:o,s:o}",
		"name", c->name, "local_addrs", la, "remote_addrs", ra,
		"local_port", c->local.port, "remote_port", c->remote.port,
		"proposals", xs_ike_props_json(&c->proposals),
		"encap", c->encap, "fragmentation", c->fragmentation, "esn", c->esn,
		"rekey_time", (json_int_t)c->rekey_time,
		"rand_time", (json_int_t)c->rand_time,
		"dpd_delay", (json_int_t)c->dpd_delay,
		"dpd_timeout", (json_int_t)c->dpd_timeout,
		"keyingtries", (json_int_t)c->keyingtries,
		"local", end_json(&c->local_auth, true),
		"remote", end_json(&c->remote_auth, false), "children", kids);
}

json_t *xs_ike_conns_json(const struct xs_daemon *d)
{
	const struct xs_ike_conf *ic = d->ike ? &d->ike->conf : NULL;
	json_t *a = json_array();
	size_t i;

	for (i = 0; ic && i < ic->nconns; i++)
		json_array_append_new(a, conn_json(&ic->conns[i]));
	return json_pack("{s:o,s:i}", "connections", a, "secrets",
			 ic ? (int)ic->nsecrets : 0);
}

/* ---- list-sas ----------------------------------------------------------- */

struct sas_walk {
	struct xs_daemon *d;
	json_t *list;
	uint64_t now;
};

static json_t *ago(uint64_t now, uint64_t t)
{
	return t && t <= now ? json_integer((now - t) / 1000) : json_null();
}

static json_t *until(uint64_t now, uint64_t t)
{
	return t ? json_integer(t > now ? (t - now) / 1000 : 0) : json_null();
}

static json_t *spi32(uint32_t spi)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%08x", spi);
	return json_string(buf);
}

static json_t *spi64(uint64_t spi)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)spi);
	return json_string(buf);
}

/* Live counters of one direction from the SAD (none: zeros). */
static void counters(const struct xs_daemon *d, const struct ike_child_info *c,
		     bool in, const struct ike_sa_info *sa, json_t *o)
{
	uint8_t proto = c->proto == IKEV2_PROTO_AH ? XS_PROTO_AH : XS_PROTO_ESP;
	const struct ike_addr *dst = in ? &sa->local : &sa->remote;
	struct xs_sa_id id = { .family = dst->len == 16 ? XS_AF_INET6 : XS_AF_INET,
			       .proto = proto, .spi = in ? c->spi_in : c->spi_out };
	uint32_t slot;

	memcpy(id.dst, dst->addr, 16);
	slot = xs_sad_find(d, &id);
	json_object_set_new(o, in ? "bytes_in" : "bytes_out",
			    json_integer(slot == XS_SA_NONE ? 0 : d->sad[slot].bytes));
	json_object_set_new(o, in ? "packets_in" : "packets_out",
			    json_integer(slot == XS_SA_NONE ? 0 : d->sad[slot].packets));
}

static json_t *child_sa_json(const struct sas_walk *w, const struct ike_sa_info *sa,
			     const struct ike_child_info *c)
{
	json_t *o = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:b,s:b,s:o,s:o,s:s,s:o,s:o,"
			      "s:o,s:o,s:o}",
		"name", c->name, "uniqueid", (json_int_t)c->unique_id,
		"reqid", (json_int_t)c->reqid, "state", c->state ? c->state : "?",
		"mode", c->transport ? "TRANSPORT" : "TUNNEL",
		"protocol", c->proto == IKEV2_PROTO_AH ? "AH" : "ESP",
		"encap", c->encap, "esn", c->esn,
		"spi_in", spi32(c->spi_in), "spi_out", spi32(c->spi_out),
		"proposal", c->proposal,
		"local_ts", xs_ike_ts_json(&c->local_ts),
		"remote_ts", xs_ike_ts_json(&c->remote_ts),
		"installed", ago(w->now, c->installed_ms),
		"rekey_time", until(w->now, c->rekey_ms),
		"life_time", until(w->now, c->expire_ms));

	counters(w->d, c, true, sa, o);
	counters(w->d, c, false, sa, o);
	return o;
}

static int sa_json(void *arg, const struct ike_sa_info *sa)
{
	struct sas_walk *w = arg;
	char la[64], ra[64];
	json_t *kids = json_array();
	int i;

	xs_ike_addr_str(&sa->local, la, sizeof(la));
	xs_ike_addr_str(&sa->remote, ra, sizeof(ra));
	for (i = 0; i < sa->nchildren; i++)
		json_array_append_new(kids, child_sa_json(w, sa, &sa->children[i]));
	json_array_append_new(w->list, json_pack(
		"{s:s,s:I,s:i,s:s,s:s,s:i,s:s,s:s,s:i,s:s,s:b,s:o,s:o,s:b,s:b,s:s,"
		"s:o,s:o,s:o}",
		"name", sa->conn, "uniqueid", (json_int_t)sa->unique_id, "version", 2,
		"state", sa->state ? sa->state : "?",
		"local_host", la, "local_port", sa->local.port, "local_id", sa->local_id,
		"remote_host", ra, "remote_port", sa->remote.port,
		"remote_id", sa->remote_id, "initiator", sa->initiator,
		"initiator_spi", spi64(sa->spi_i), "responder_spi", spi64(sa->spi_r),
		"nat_local", sa->nat_local, "nat_remote", sa->nat_remote,
		"proposal", sa->proposal,
		"established", ago(w->now, sa->established_ms),
		"rekey_time", until(w->now, sa->rekey_ms), "child_sas", kids));
	return 0;
}

json_t *xs_ike_sas_json(struct xs_daemon *d)
{
	struct sas_walk w = { .d = d, .list = json_array(), .now = xs_ike_now_ms() };

	if (d->ike && d->ike->ctx)
		ike_foreach_sa(d->ike->ctx, sa_json, &w);
	return w.list;
}

/* ---- status ------------------------------------------------------------- */

json_t *xs_ike_stats_json(const struct xs_daemon *d)
{
	struct ike_stats st;
	json_t *drops;
	unsigned int i;

	if (!d->ike || !d->ike->ctx)
		return json_null();
	ike_get_stats(d->ike->ctx, &st);
	drops = json_object();
	for (i = 0; i < IKE_DROP_COUNT; i++)
		json_object_set_new(drops, ike_drop_name(i), json_integer(st.drops[i]));
	return json_pack("{s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
			 "s:I,s:I,s:o}",
		"connections", (int)d->ike->conf.nconns,
		"child_sas", (int)d->ike->nchildren,
		"sa_established", (json_int_t)st.sa_established,
		"sa_failed", (json_int_t)st.sa_failed,
		"sa_deleted", (json_int_t)st.sa_deleted,
		"child_installed", (json_int_t)st.child_installed,
		"child_failed", (json_int_t)st.child_failed,
		"child_deleted", (json_int_t)st.child_deleted,
		"retransmits", (json_int_t)st.retransmits,
		"give_ups", (json_int_t)st.give_ups,
		"auth_failed", (json_int_t)st.auth_failed,
		"no_proposal", (json_int_t)st.no_proposal,
		"ts_unacceptable", (json_int_t)st.ts_unacceptable,
		"cookies_sent", (json_int_t)st.cookies_sent,
		"invalid_spi_sent", (json_int_t)st.invalid_spi_sent,
		"dup_requests", (json_int_t)st.dup_requests, "drops", drops);
}
