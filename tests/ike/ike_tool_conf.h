/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Command-line configuration for the IKE core's test tools
 * (ike_pair_tool, ike_peer_tool): one connection with one child and one
 * shared key from strings, and the JSON printing of what the core
 * installs. Test-only: the daemon has its own configuration parser.
 *
 *   ike=PROPOSALS esp=PROPOSALS (or ah=PROPOSALS) psk=SECRET lid=ID rid=ID
 *   lts=TS[,TS] rts=TS[,TS]   (TS: CIDR, optionally "[proto/port]")
 *   mode=transport encap=yes frag=no dpd=DELAY/TIMEOUT action=restart
 *   local=ADDR remote=ADDR keyingtries=N
 *   lauth=pubkey|psk rauth=pubkey|psk cert=PEM key=PEM ca=PEM
 * IDs: "fqdn:x", "email:x", "ipv4:a.b.c.d", "" or "any" (type 0).
 */
#ifndef XDPSEC_TESTS_IKE_TOOL_CONF_H
#define XDPSEC_TESTS_IKE_TOOL_CONF_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "ike/proposal.h"
#include "tests/ike/ike_tool_io.h"

static int tool_addr(const char *s, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1)
		a->len = 4;
	else if (inet_pton(AF_INET6, s, a->addr) == 1)
		a->len = 16;
	return a->len ? 0 : -1;
}

/* "10.1.0.0/16" or "10.1.2.3/32[17/53]" */
static int tool_one_ts(const char *s, struct ike_ts *t)
{
	char buf[128], *slash, *br;
	struct ike_addr a;
	unsigned int plen, proto = 0, port = 0, i, bits;

	snprintf(buf, sizeof(buf), "%s", s);
	memset(t, 0, sizeof(*t));
	t->end_port = 0xffff;
	br = strchr(buf, '[');
	if (br) {
		*br = 0;
		if (sscanf(br + 1, "%u/%u", &proto, &port) == 2) {
			t->start_port = t->end_port = (uint16_t)port;
		} else if (sscanf(br + 1, "%u", &proto) != 1) {
			return -1;
		}
		t->proto = (uint8_t)proto;
	}
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	plen = (unsigned int)atoi(slash + 1);
	if (tool_addr(buf, &a) || plen > a.len * 8u)
		return -1;
	t->type = a.len == 4 ? IKEV2_TS_IPV4_ADDR_RANGE
			     : IKEV2_TS_IPV6_ADDR_RANGE;
	bits = a.len * 8u;
	for (i = 0; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if (i < plen) {
			t->start[i / 8] |= a.addr[i / 8] & m;
			t->end[i / 8] |= a.addr[i / 8] & m;
		} else {
			t->end[i / 8] |= m;
		}
	}
	return 0;
}

static int tool_ts(const char *s, struct ike_ts_pld *ts)
{
	char buf[1024], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	memset(ts, 0, sizeof(*ts));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (ts->num >= IKEV2_MAX_TS || tool_one_ts(tok, &ts->ts[ts->num++]))
			return -1;
	return ts->num ? 0 : -1;
}

static int tool_id(const char *s, struct ike_id_cfg *id)
{
	struct ike_addr a;

	memset(id, 0, sizeof(*id));
	if (!*s || !strcmp(s, "any"))
		return 0;
	if (!strncmp(s, "ipv4:", 5)) {
		if (tool_addr(s + 5, &a) || a.len != 4)
			return -1;
		id->type = IKEV2_ID_IPV4_ADDR;
		id->len = 4;
		memcpy(id->data, a.addr, 4);
		return 0;
	}
	if (!strncmp(s, "fqdn:", 5))
		id->type = IKEV2_ID_FQDN;
	else if (!strncmp(s, "email:", 6))
		id->type = IKEV2_ID_RFC822_ADDR;
	else
		return -1;
	s = strchr(s, ':') + 1;
	id->len = (uint16_t)strlen(s);
	memcpy(id->data, s, id->len);
	return 0;
}

#define KEY(k) (!strncmp(kv, k "=", strlen(k) + 1))
#define UNKNOWN 1

/* Settings of the authentication (and the shared key). */
static int tool_set_auth(struct ike_conn_cfg *c, struct ike_secret_cfg *sec,
			 const char *kv, const char *v)
{
	if (KEY("psk")) {
		sec->len = (uint16_t)strlen(v);
		memcpy(sec->psk, v, sec->len);
		return 0;
	}
	if (KEY("lid"))
		return tool_id(v, &c->local_auth.id);
	if (KEY("rid"))
		return tool_id(v, &c->remote_auth.id);
	if (KEY("lauth"))
		return (c->local_auth.auth = !strcmp(v, "pubkey") ?
			IKE_AUTH_KIND_PUBKEY : IKE_AUTH_KIND_PSK), 0;
	if (KEY("rauth"))
		return (c->remote_auth.auth = !strcmp(v, "pubkey") ?
			IKE_AUTH_KIND_PUBKEY : IKE_AUTH_KIND_PSK), 0;
	if (KEY("cert"))
		return snprintf(c->local_auth.certs, IKE_PATH_MAX, "%s", v) < 0;
	if (KEY("key"))
		return snprintf(c->local_auth.key, IKE_PATH_MAX, "%s", v) < 0;
	if (KEY("ca"))
		return snprintf(c->remote_auth.cacerts, IKE_PATH_MAX, "%s",
				v) < 0;
	return UNKNOWN;
}

/* Settings of the (one) child. */
static int tool_set_child(struct ike_child_cfg *ch, const char *kv,
			  const char *v)
{
	struct ike_err err;

	if (KEY("esp"))
		return ike_prop_parse(v, IKEV2_PROTO_ESP, &ch->proposals, &err);
	if (KEY("ah"))
		return (ch->proto = IKEV2_PROTO_AH),
		       ike_prop_parse(v, IKEV2_PROTO_AH, &ch->proposals, &err);
	if (KEY("lts"))
		return tool_ts(v, &ch->local_ts);
	if (KEY("rts"))
		return tool_ts(v, &ch->remote_ts);
	if (KEY("mode"))
		return (ch->transport = !strcmp(v, "transport")), 0;
	if (KEY("action"))
		return (ch->dpd_action = !strcmp(v, "restart") ?
			IKE_DPD_RESTART : IKE_DPD_CLEAR), 0;
	if (KEY("lifetime"))
		return (ch->life_time = (uint32_t)atoi(v)), 0;
	if (KEY("rekey"))
		return (ch->rekey_time = (uint32_t)atoi(v)), 0;
	if (KEY("rand"))
		return (ch->rand_time = (uint32_t)atoi(v)), 0;
	if (KEY("rekeypackets"))
		return (ch->rekey_packets = strtoull(v, NULL, 10)), 0;
	if (KEY("lifepackets"))
		return (ch->life_packets = strtoull(v, NULL, 10)), 0;
	return UNKNOWN;
}

/* Settings of the connection itself. */
static int tool_set_conn(struct ike_conn_cfg *c, const char *kv,
			 const char *v)
{
	struct ike_err err;
	unsigned int a, b;

	if (KEY("ike"))
		return ike_prop_parse(v, IKEV2_PROTO_IKE, &c->proposals, &err);
	if (KEY("encap"))
		return (c->encap = !strcmp(v, "yes")), 0;
	if (KEY("frag"))
		return (c->fragmentation = strcmp(v, "no") != 0), 0;
	if (KEY("keyingtries"))
		return (c->keyingtries = (uint32_t)atoi(v)), 0;
	if (KEY("ikerekey"))
		return (c->rekey_time = (uint32_t)atoi(v)), 0;
	if (KEY("local"))
		return tool_addr(v, &c->local);
	if (KEY("remote"))
		return tool_addr(v, &c->remote);
	if (KEY("dpd") && sscanf(v, "%u/%u", &a, &b) == 2) {
		c->dpd_delay = a;
		c->dpd_timeout = b;
		return 0;
	}
	return UNKNOWN;
}
#undef KEY

/* One key=value setting into conn / secret; -1 if unknown or bad. */
static int tool_set(struct ike_conn_cfg *c, struct ike_secret_cfg *sec,
		    const char *kv)
{
	const char *v = strchr(kv, '=');
	int rc;

	if (!v)
		return -1;
	v++;
	rc = tool_set_auth(c, sec, kv, v);
	if (rc == UNKNOWN)
		rc = tool_set_child(&c->children[0], kv, v);
	if (rc == UNKNOWN)
		rc = tool_set_conn(c, kv, v);
	return rc ? -1 : 0;
}
#undef UNKNOWN

/* Defaults, then the settings; the secret names no IDs (any peer). */
static int tool_conn(struct ike_conn_cfg *c, struct ike_secret_cfg *sec,
		     const char *name, char **kv, int n)
{
	struct ike_err err;
	int i;

	memset(c, 0, sizeof(*c));
	memset(sec, 0, sizeof(*sec));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->nchildren = 1;
	c->fragmentation = true;
	c->local_auth.auth = c->remote_auth.auth = IKE_AUTH_KIND_PSK;
	snprintf(c->children[0].name, IKE_NAME_MAX, "net");
	c->children[0].proto = IKEV2_PROTO_ESP;
	c->children[0].replay_window = 128;
	if (ike_prop_parse("aes256gcm16-prfsha256-x25519", IKEV2_PROTO_IKE,
			   &c->proposals, &err) ||
	    ike_prop_parse("aes256gcm16", IKEV2_PROTO_ESP,
			   &c->children[0].proposals, &err))
		return -1;
	for (i = 0; i < n; i++)
		if (tool_set(c, sec, kv[i])) {
			fprintf(stderr, "bad setting '%s'\n", kv[i]);
			return -1;
		}
	return 0;
}

static void tool_print_ts(const char *key, const struct ike_ts_pld *ts)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint8_t i;

	printf("\"%s\": [", key);
	for (i = 0; i < ts->num; i++) {
		int af = ts->ts[i].type == IKEV2_TS_IPV6_ADDR_RANGE ? AF_INET6
								    : AF_INET;

		inet_ntop(af, ts->ts[i].start, a, sizeof(a));
		inet_ntop(af, ts->ts[i].end, b, sizeof(b));
		printf("%s[\"%s\", \"%s\", %u, %u, %u]", i ? ", " : "", a, b,
		       ts->ts[i].proto, ts->ts[i].start_port,
		       ts->ts[i].end_port);
	}
	printf("]");
}

/* One JSON line for an installed Child SA; keys only if with_keys. */
static void tool_print_install(const char *side,
			       const struct ike_child_install *c,
			       bool with_keys)
{
	printf("{\"event\": \"install\", \"side\": \"%s\", \"conn\": \"%s\", "
	       "\"child\": \"%s\", \"reqid\": %u, \"spi_in\": %u, "
	       "\"spi_out\": %u, \"encr\": %u, \"key_bits\": %u, "
	       "\"integ\": %u, \"esn\": %s, \"transport\": %s, "
	       "\"encap\": %s, \"local_port\": %u, \"remote_port\": %u, "
	       "\"replay_window\": %u, ", side, c->conn, c->child, c->reqid,
	       c->spi_in, c->spi_out, c->encr, c->key_bits, c->integ,
	       c->esn ? "true" : "false", c->transport ? "true" : "false",
	       c->encap ? "true" : "false", c->local.port, c->remote.port,
	       c->replay_window);
	printf("\"replaces\": %u, \"life_time\": %u, \"life_bytes\": %llu, "
	       "\"life_packets\": %llu, \"rekey_bytes\": %llu, "
	       "\"rekey_packets\": %llu, ", c->replaces_spi_in, c->life_time,
	       (unsigned long long)c->life_bytes,
	       (unsigned long long)c->life_packets,
	       (unsigned long long)c->rekey_bytes,
	       (unsigned long long)c->rekey_packets);
	tool_print_ts("local_ts", &c->local_ts);
	printf(", ");
	tool_print_ts("remote_ts", &c->remote_ts);
	if (with_keys) {
		printf(", ");
		tool_hex("encr_in", c->encr_in, c->lens.encr);
		printf(", ");
		tool_hex("integ_in", c->integ_in, c->lens.integ);
		printf(", ");
		tool_hex("encr_out", c->encr_out, c->lens.encr);
		printf(", ");
		tool_hex("integ_out", c->integ_out, c->lens.integ);
	}
	printf("}\n");
	fflush(stdout);
}

#endif
