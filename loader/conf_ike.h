/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The IKE sections of the configuration file, swanctl.conf style
 * (docs/configuration.md): `connections { NAME { ... } }` and
 * `secrets { ike-NAME { ... } }` into the model of ike/conn.h. conf.c reads
 * the lines and hands the two sections over; every error names the file,
 * the line and the key.
 */
#ifndef XDPSEC_LOADER_CONF_IKE_H
#define XDPSEC_LOADER_CONF_IKE_H

#include <stdbool.h>
#include <stddef.h>

#include "ike/conn.h"
#include "ike/ike.h"

enum {
	XS_IKE_CONNS_MAX = IKE_CONNS_MAX,	/* ike/ike.h: the reqid range */
	XS_IKE_SECRETS_MAX = 256,
};

/* What conf.c lends the IKE parser: its line reader and splitters. */
struct xs_conf_rd {
	void *c;
	/* The next meaningful line, trimmed: 1, 0 at EOF, -1 (why set). */
	int (*next)(void *c, char **line);
	/* "NAME {" -> NAME (in place), NULL if not a section start. */
	char *(*section)(char *s);
	/* "key = value" -> key, value (in place); -1 (why set) if not. */
	int (*kv)(void *c, char *s, char **key, char **val);
	const char *file;
	const int *line;		/* of the last line read */
	char *why;			/* XS_WHY_MAX bytes */
};

/* Connections and secrets of one file; keys inside are wiped on free. */
struct xs_ike_conf {
	struct ike_conn_cfg *conns;
	size_t nconns, conn_cap;
	struct ike_secret_cfg *secrets;
	size_t nsecrets, secret_cap;
};

/*
 * Parse the body of a `connections {` or `secrets {` section (sect names
 * it), up to its closing brace. 0, or -1 with rd->why set.
 */
int xs_conf_ike_section(struct xs_ike_conf *ic, const char *sect,
			struct xs_conf_rd *rd);
void xs_ike_conf_free(struct xs_ike_conf *ic);

/* conf_ike_val.c APIs: values of the IKE sections. Each returns 0, or -1
 * with a short reason in msg (XS_WHY_MAX bytes) naming the value. */
int xs_ike_val_time(const char *v, uint32_t *sec, char *msg);
int xs_ike_val_u64(const char *v, uint64_t *n, char *msg);
int xs_ike_val_bool(const char *v, bool *b, char *msg);
int xs_ike_val_addr(const char *v, struct ike_addr *a, char *msg);
/* An identity by ike_id_parse() (ike/id.h). */
int xs_ike_val_id(const char *v, struct ike_id_cfg *id, char *msg);
/* A TS list; `dynamic` becomes the address a (type 0 if a is %any). */
int xs_ike_val_ts(const char *v, const struct ike_addr *a,
		  struct ike_ts_pld *ts, char *msg);
/* A proposals list for proto; `default` stands for our defaults. */
int xs_ike_val_props(const char *v, uint8_t proto, struct ike_sa_pld *out,
		     char *msg);
int xs_ike_val_secret(const char *v, struct ike_secret_cfg *s, char *msg);
/* A value without its enclosing quotes (in place). */
char *xs_ike_val_unquote(char *v);

/* ike_install.c: the PROTECT policies a child's selectors take (both
 * directions), -1 if one selector needs too many prefixes. */
int xs_ike_ts_policies(const struct ike_ts_pld *lts, const struct ike_ts_pld *rts);
enum { XS_IKE_CHILD_POLICIES_MAX = 64 };

#endif
