// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_pair_tool: two IKE cores (ike/ike.h) talking to each other in
 * memory on a virtual clock, for tests/test_ike_core.py:
 *
 *   ike_pair_tool [OPTION...] --i SETTING... --r SETTING...
 *
 * "i" initiates its connection at t=0 to "r" (192.0.2.1 -> 192.0.2.2,
 * SETTINGs of tests/ike/ike_tool_conf.h). Datagrams take 10 ms. Options:
 *   until=MS      stop at this virtual time (default 60000)
 *   drop=SIDEn    lose the n-th datagram SIDE (i or r) sends (repeatable)
 *   dup=SIDEn     deliver it twice
 *   flip=SIDEn    deliver it with its last byte changed
 *   dead=MS       from then on r neither receives nor sends
 *   alive=MS      ... until then (r is back, its state kept)
 *   down=MS:SIDE  `down` on SIDE at MS
 *   expire=MS:SIDE  hard expiry of SIDE's first Child SA at MS
 *   soft=MS:SIDE  soft expiry (the dataplane's rekey event) of it at MS
 *   rekeyike=MS:SIDE  SIDE's IKE SAs are due for a rekey at MS
 *   up=MS:SIDE    `up pair net` on SIDE at MS
 *   newike=SIDE:PROPOSALS  IKE proposals for reike=
 *   reike=MS:SIDE  SIDE's connection takes them at MS (test-only: as a
 *                 reload of the connection with its SAs up)
 *   stray=MS:SIDE  SIDE sends 15 INFORMATIONAL requests (message ID 7)
 *                 for IKE SPIs 5151...51/5252...52 at MS (not printed)
 *   dhpriv=SIDE:GROUP:HEX  the key pair (private value HEX) of SIDE's
 *                 next CREATE_CHILD_SA request, given at each soft or
 *                 rekeyike action of SIDE (test-only)
 * Every action first prints the keys of each side's IKE SAs (test-only:
 * for decrypting the CREATE_CHILD_SA exchanges that follow).
 *   natr=ADDR     r sees i's datagrams from ADDR:PORT+10000 (a NAT)
 *   v6            2001:db8::1 -> 2001:db8::2 instead
 *   cookies       r demands a COOKIE whatever its number of half-open SAs
 * Prints one JSON line per datagram, NAT keepalive, install and delete
 * (with the keys: test-only), then per side its IKE SAs (with SK_d,
 * test-only) and stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/crypto.h"
#include "ike/ccsa.h"
#include "ike/sa.h"
#include "tests/ike/ike_tool_conf.h"

enum { LATENCY_MS = 10, MAX_RULES = 16, MAX_QUEUE = 4096, STRAYS = 15 };

struct datagram {
	uint64_t at;
	int to;				/* 0: i, 1: r */
	struct ike_addr local, remote;	/* as the receiver sees them */
	size_t len;
	uint8_t *data;
};

struct rule {
	char kind[12];
	int side;
	unsigned int n;
	uint64_t at;
};

static struct ike_ctx *ctx[2];
static const char *const side_name[2] = { "i", "r" };
static struct datagram queue[MAX_QUEUE];
static size_t nqueue;
static unsigned int sent[2];
static struct rule rules[MAX_RULES];
static int nrules;
static uint64_t now, until = 60000, dead_at = UINT64_MAX;
static uint64_t alive_at = UINT64_MAX;
static struct ike_addr nat_addr;
static const char *addr_i = "192.0.2.1", *addr_r = "192.0.2.2";
static bool always_cookies;
static const char *new_ike[2] = { "", "" };
static uint32_t next_spi = 0xc0000000;
static uint16_t dh_group[2];
static uint8_t dh_priv[2][IKE_DH_MAX_SECRET_LEN];
static size_t dh_priv_len[2];

/* r is down (dead=) and not back yet (alive=). */
static bool r_dead(void)
{
	return now >= dead_at && now < alive_at;
}

static bool rule_hits(const char *kind, int side, unsigned int n)
{
	for (int i = 0; i < nrules; i++)
		if (!strcmp(rules[i].kind, kind) && rules[i].side == side &&
		    rules[i].n == n)
			return true;
	return false;
}

static void enqueue(int to, const struct ike_addr *local,
		    const struct ike_addr *remote, const uint8_t *msg,
		    size_t len, int copies)
{
	while (copies-- && nqueue < MAX_QUEUE) {
		struct datagram *d = &queue[nqueue++];

		d->at = now + LATENCY_MS;
		d->to = to;
		d->local = *local;
		d->remote = *remote;
		d->len = len;
		d->data = malloc(len);
		memcpy(d->data, msg, len);
	}
}

static int on_send(void *user, const struct ike_addr *local,
		   const struct ike_addr *remote, const uint8_t *msg,
		   size_t len)
{
	int from = (int)(long)user, to = !from;
	unsigned int n = ++sent[from];
	bool drop = rule_hits("drop", from, n) || r_dead();
	struct ike_addr src = *local, dst = *remote;

	printf("{\"event\": \"msg\", \"from\": \"%s\", \"n\": %u, \"t\": %llu, "
	       "\"dropped\": %s, \"sport\": %u, \"dport\": %u, ",
	       side_name[from], n, (unsigned long long)now,
	       drop ? "true" : "false", local->port, remote->port);
	tool_hex("hex", msg, len);
	printf("}\n");
	if (drop)
		return 0;
	if (from == 0 && nat_addr.len) {
		src = nat_addr;		/* the NAT rewrites i's source */
		src.port = (uint16_t)(local->port + 10000);
	} else if (from == 1 && nat_addr.len) {
		tool_addr(addr_i, &dst);	/* and back */
		dst.port = (uint16_t)(remote->port - 10000);
	}
	if (rule_hits("flip", from, n)) {
		uint8_t *copy = malloc(len);

		memcpy(copy, msg, len);
		copy[len - 1] ^= 0x5a;
		enqueue(to, &dst, &src, copy, len, 1);
		free(copy);
		return 0;
	}
	enqueue(to, &dst, &src, msg, len, rule_hits("dup", from, n) ? 2 : 1);
	return 0;
}

static int on_keepalive(void *user, const struct ike_addr *local,
			const struct ike_addr *remote)
{
	printf("{\"event\": \"keepalive\", \"side\": \"%s\", \"t\": %llu, "
	       "\"sport\": %u, \"dport\": %u}\n", side_name[(long)user],
	       (unsigned long long)now, local->port, remote->port);
	return 0;
}

static int on_spi(void *user, uint8_t proto, uint32_t *spi)
{
	*spi = next_spi++;
	return 0;
}

static int on_install(void *user, const struct ike_child_install *c,
		      char *why)
{
	tool_print_install(side_name[(long)user], c, true);
	return 0;
}

static void on_delete(void *user, uint8_t proto, uint32_t spi_in,
		      uint32_t spi_out)
{
	printf("{\"event\": \"delete\", \"side\": \"%s\", \"t\": %llu, "
	       "\"spi_in\": %u, \"spi_out\": %u}\n", side_name[(long)user],
	       (unsigned long long)now, spi_in, spi_out);
	fflush(stdout);		/* in order with the install lines */
}

static void on_log(void *user, int level, const char *conn, const char *msg)
{
	if (getenv("IKE_PAIR_LOG"))
		fprintf(stderr, "%s %llu %s: %s\n", side_name[(long)user],
			(unsigned long long)now, conn ? conn : "-", msg);
}

static int print_sa(void *arg, const struct ike_sa_info *si)
{
	struct ike_ctx *c = arg;
	struct ike_sa *sa;

	printf("{\"event\": \"sa\", \"side\": \"%s\", \"state\": \"%s\", "
	       "\"conn\": \"%s\", \"spi_i\": \"%016llx\", \"spi_r\": "
	       "\"%016llx\", \"children\": %u, \"nat_local\": %s, "
	       "\"nat_remote\": %s, \"remote_id\": \"%s\", \"proposal\": "
	       "\"%s\"", side_name[c == ctx[1]], si->state, si->conn,
	       (unsigned long long)si->spi_i, (unsigned long long)si->spi_r,
	       si->nchildren, si->nat_local ? "true" : "false",
	       si->nat_remote ? "true" : "false", si->remote_id,
	       si->proposal);
	for (sa = c->sas; sa; sa = sa->next)
		if (sa->unique_id == si->unique_id) {
			printf(", \"prf\": %u, ", sa->prf);
			tool_hex("sk_d", sa->keys.sk_d, sa->keys.prf_len);
		}
	printf("}\n");
	return 0;
}

static void print_stats(int side)
{
	struct ike_stats st;
	unsigned int i;

	ike_get_stats(ctx[side], &st);
	printf("{\"event\": \"stats\", \"side\": \"%s\", \"established\": "
	       "%llu, \"failed\": %llu, \"deleted\": %llu, \"installed\": "
	       "%llu, \"child_failed\": %llu, \"retransmits\": %llu, "
	       "\"give_ups\": %llu, \"dup_requests\": %llu, \"auth_failed\": "
	       "%llu, \"no_proposal\": %llu, \"ts_unacceptable\": %llu, "
	       "\"invalid_spi_sent\": %llu",
	       side_name[side], (unsigned long long)st.sa_established,
	       (unsigned long long)st.sa_failed,
	       (unsigned long long)st.sa_deleted,
	       (unsigned long long)st.child_installed,
	       (unsigned long long)st.child_failed,
	       (unsigned long long)st.retransmits,
	       (unsigned long long)st.give_ups,
	       (unsigned long long)st.dup_requests,
	       (unsigned long long)st.auth_failed,
	       (unsigned long long)st.no_proposal,
	       (unsigned long long)st.ts_unacceptable,
	       (unsigned long long)st.invalid_spi_sent);
	for (i = 0; i < IKE_DROP_COUNT; i++)
		printf(", \"drop_%s\": %llu", ike_drop_name(i),
		       (unsigned long long)st.drops[i]);
	printf("}\n");
}

static int parse_rule(const char *opt)
{
	struct rule *r = &rules[nrules];
	const char *v = strchr(opt, '=') + 1;
	char side;

	if (nrules == MAX_RULES)
		return -1;
	snprintf(r->kind, sizeof(r->kind), "%.*s", (int)(v - opt - 1), opt);
	if (!strcmp(r->kind, "down") || !strcmp(r->kind, "expire") ||
	    !strcmp(r->kind, "soft") || !strcmp(r->kind, "rekeyike") ||
	    !strcmp(r->kind, "up") || !strcmp(r->kind, "stray") ||
	    !strcmp(r->kind, "reike")) {
		unsigned long long at;

		if (sscanf(v, "%llu:%c", &at, &side) != 2)
			return -1;
		r->at = at;
	} else if (sscanf(v, "%c%u", &side, &r->n) != 2) {
		return -1;
	}
	r->side = side == 'r';
	nrules++;
	return 0;
}

/* dhpriv=SIDE:GROUP:HEX */
static int parse_dhpriv(const char *v)
{
	unsigned int g, n = 0, byte;
	char side;
	int s;

	if (sscanf(v, "%c:%u:%n", &side, &g, &n) != 2 || !n)
		return -1;
	s = side == 'r';
	dh_group[s] = (uint16_t)g;
	for (v += n; sscanf(v, "%2x", &byte) == 1 &&
	     dh_priv_len[s] < sizeof(dh_priv[s]); v += 2)
		dh_priv[s][dh_priv_len[s]++] = (uint8_t)byte;
	return dh_priv_len[s] ? 0 : -1;
}

static int parse_opt(const char *opt)
{
	if (!strncmp(opt, "dhpriv=", 7))
		return parse_dhpriv(opt + 7);
	if (!strncmp(opt, "newike=", 7) && strlen(opt) > 9 && opt[8] == ':')
		return (new_ike[opt[7] == 'r'] = opt + 9), 0;
	if (!strncmp(opt, "until=", 6))
		return (until = strtoull(opt + 6, NULL, 10)), 0;
	if (!strncmp(opt, "dead=", 5))
		return (dead_at = strtoull(opt + 5, NULL, 10)), 0;
	if (!strcmp(opt, "cookies"))
		return (always_cookies = true), 0;
	if (!strcmp(opt, "v6")) {
		addr_i = "2001:db8::1";
		addr_r = "2001:db8::2";
		return 0;
	}
	if (!strncmp(opt, "alive=", 6))
		return (alive_at = strtoull(opt + 6, NULL, 10)), 0;
	if (!strncmp(opt, "natr=", 5))
		return tool_addr(opt + 5, &nat_addr);
	if (strchr(opt, '='))
		return parse_rule(opt);
	return -1;
}

/* The IKE SA keys of both sides, for decrypting what follows. */
static void print_keys(void)
{
	const struct ike_sa *sa;

	for (int s = 0; s < 2; s++)
		for (sa = ctx[s]->sas; sa; sa = sa->next) {
			if (sa->state != IKE_SA_ESTABLISHED)
				continue;
			printf("{\"event\": \"keys\", \"side\": \"%s\", "
			       "\"t\": %llu, \"initiator\": %s, \"spi_i\": "
			       "\"%016llx\", \"spi_r\": \"%016llx\", "
			       "\"encr\": %u, \"integ\": %u, \"prf\": %u, ",
			       side_name[s], (unsigned long long)now,
			       sa->initiator ? "true" : "false",
			       (unsigned long long)sa->spi_i,
			       (unsigned long long)sa->spi_r, sa->encr,
			       sa->integ, sa->prf);
			tool_hex("sk_d", sa->keys.sk_d, sa->keys.prf_len);
			printf(", ");
			tool_hex("sk_ei", sa->keys.sk_ei, sa->keys.lens.encr);
			printf(", ");
			tool_hex("sk_er", sa->keys.sk_er, sa->keys.lens.encr);
			printf("}\n");
		}
}

/* dhpriv's key pair for SIDE's next request on sa. */
static void premake(int side, struct ike_sa *sa)
{
	struct ike_dh *dh;

	if (!dh_priv_len[side])
		return;
	dh = ike_dh_new(dh_group[side]);
	if (!dh || ike_dh_set_private(dh, dh_priv[side], dh_priv_len[side]))
		ike_dh_free(dh);
	else
		ike_ccsa_premake(sa, dh);
}

/* soft / rekeyike on SIDE's established IKE SAs. */
static void rekey_action(const struct rule *r)
{
	struct ike_sa *sa;

	for (sa = ctx[r->side]->sas; sa; sa = sa->next) {
		if (sa->state != IKE_SA_ESTABLISHED)
			continue;
		premake(r->side, sa);
		if (!strcmp(r->kind, "rekeyike"))
			sa->rekey_ms = now;
		else if (sa->children)
			ike_child_expired(ctx[r->side], sa->children->proto,
					  sa->children->spi_in, false, now);
	}
}

/* SIDE's IKE proposals become those of newike= (a reload of the conn). */
static void reload_ike_proposals(int side)
{
	struct ike_err err;

	if (ike_prop_parse(new_ike[side], IKEV2_PROTO_IKE,
			   &ctx[side]->conns[0].proposals, &err))
		fprintf(stderr, "reike: %s\n", err.reason);
}

/* STRAYS header-only INFORMATIONAL requests for IKE SPIs nobody has. */
static void send_strays(int from)
{
	uint8_t msg[28] = { 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51,
			    0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52,
			    0, 0x20, IKEV2_EXCHANGE_INFORMATIONAL,
			    IKEV2_FLAG_INITIATOR, 0, 0, 0, 7, 0, 0, 0, 28 };
	struct ike_addr src, dst;

	tool_addr(from ? addr_r : addr_i, &src);
	tool_addr(from ? addr_i : addr_r, &dst);
	src.port = dst.port = 500;
	enqueue(!from, &dst, &src, msg, sizeof(msg), STRAYS);
}

static void run_actions(uint64_t from, uint64_t to)
{
	struct ike_err err;
	struct ike_sa *sa;

	for (int i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];

		if (r->at <= from || r->at > to)
			continue;
		print_keys();
		if (!strcmp(r->kind, "down"))
			ike_terminate(ctx[r->side], "pair", now, &err);
		if (!strcmp(r->kind, "up"))
			ike_initiate(ctx[r->side], "pair", "net", now, &err);
		if (!strcmp(r->kind, "soft") || !strcmp(r->kind, "rekeyike"))
			rekey_action(r);
		if (!strcmp(r->kind, "stray"))
			send_strays(r->side);
		if (!strcmp(r->kind, "reike"))
			reload_ike_proposals(r->side);
		for (sa = ctx[r->side]->sas; !strcmp(r->kind, "expire") && sa;
		     sa = sa->next)
			if (sa->children)
				ike_child_expired(ctx[r->side],
						  sa->children->proto,
						  sa->children->spi_in, true,
						  now);
	}
}

/* Deliver what is due, in order; true if something was. */
static bool deliver(void)
{
	bool any = false;

	for (size_t i = 0; i < nqueue; i++) {
		struct datagram d = queue[i];

		if (d.at > now)
			continue;
		memmove(&queue[i], &queue[i + 1],
			(nqueue - i - 1) * sizeof(queue[0]));
		nqueue--;
		i--;
		if (!(d.to == 1 && r_dead()))
			ike_input(ctx[d.to], &d.local, &d.remote, d.data, d.len,
				  now);
		free(d.data);
		any = true;
	}
	return any;
}

static uint64_t next_event(uint64_t t)
{
	for (size_t i = 0; i < nqueue; i++)
		if (queue[i].at < t)
			t = queue[i].at;
	for (int i = 0; i < nrules; i++)
		if (rules[i].at > now && rules[i].at < t)
			t = rules[i].at;
	return t;
}

static void run(void)
{
	uint64_t t, prev = 0;
	struct ike_err err;

	if (ike_initiate(ctx[0], "pair", NULL, 0, &err))
		fprintf(stderr, "initiate: %s\n", err.reason);
	while (now <= until) {
		run_actions(prev, now);
		prev = now;
		while (deliver())
			;
		t = ike_tick(ctx[0], now);
		t = t < ike_tick(ctx[1], now) ? t : ike_tick(ctx[1], now);
		t = next_event(t);
		t = t < until + 1 ? t : until + 1;
		now = t > now ? t : now + 1;
	}
}

static int setup(int side, char **kv, int n)
{
	static struct ike_conn_cfg conn[2];
	static struct ike_secret_cfg sec[2];
	struct ike_ops ops = {
		.user = (void *)(long)side, .send = on_send,
		.spi_alloc = on_spi, .child_install = on_install,
		.child_delete = on_delete, .log = on_log,
		.send_keepalive = on_keepalive,
	};
	struct ike_err err;

	if (tool_conn(&conn[side], &sec[side], "pair", kv, n))
		return -1;
	tool_addr(side ? addr_r : addr_i, &conn[side].local);
	tool_addr(side ? addr_i : addr_r, &conn[side].remote);
	if (side)	/* the responder takes any address (a NAT) */
		conn[side].remote.len = 0;
	ctx[side] = ike_ctx_new(&ops);
	if (!ctx[side] || ike_load(ctx[side], &conn[side], 1, &sec[side], 1,
				   &err)) {
		fprintf(stderr, "load: %s\n", ctx[side] ? err.reason : "");
		return -1;
	}
	if (side && always_cookies)
		ctx[side]->cookies.threshold = 0;
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, si, ri;

	for (; i < argc && strcmp(argv[i], "--i"); i++)
		if (parse_opt(argv[i])) {
			fprintf(stderr, "bad option '%s'\n", argv[i]);
			return 2;
		}
	si = ++i;
	for (; i < argc && strcmp(argv[i], "--r"); i++)
		;
	ri = i + 1;
	if (si > argc || ri > argc || setup(0, argv + si, ri - 1 - si) ||
	    setup(1, argv + ri, argc - ri))
		return 2;
	run();
	for (i = 0; i < 2; i++) {
		ike_foreach_sa(ctx[i], print_sa, ctx[i]);
		print_stats(i);
	}
	ike_ctx_free(ctx[0], now);
	ike_ctx_free(ctx[1], now);
	return 0;
}
