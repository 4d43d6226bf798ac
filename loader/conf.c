// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The configuration file (docs/configuration.md), swanctl.conf style:
 *
 *   backend = afxdp|kernel		(the SAs' default)
 *   interfaces { wan = IF  lan = IF }
 *   limits { sas = N  policies = N }	(map sizes, read before the maps
 *					 exist: loader/limits.c)
 *   sas { NAME { KEY = VALUE ... } ... }
 *   policies { NAME { KEY = VALUE ... } ... }
 *   connections { NAME { ... } }  secrets { ike-NAME { ... } }
 *				(IKE: loader/conf_ike.c)
 *
 * A strict recursive-descent parser over lines: every error names the file
 * and line. Each `key = value` of an SA or policy becomes the words
 * "key value..." of the command-line syntax, so both share one parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/crypto.h"
#include "loader/backend_kernel.h"
#include "loader/conf_ike.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"

enum { LINE_MAX_LEN = 4096, WORDS_MAX = 64, ITEMS_MAX = 4096 };

struct item {
	char name[64];
	int line;
	bool sa;
	int argc;
	char *argv[WORDS_MAX];
	int lines[WORDS_MAX];		/* where each word came from */
};

struct conf {
	const char *file;
	FILE *f;
	int line;
	char buf[LINE_MAX_LEN];
	char *why;
	char wan[IF_NAMESIZE], lan[IF_NAMESIZE];
	struct item *items;
	int nitems;
	bool has_keys;
	struct xs_ike_conf ike;
	int backend;			/* enum xs_sa_backend, -1: not given */
	struct xs_limits limits;	/* limits { }, 0: not given */
};

static const char *const sa_keys[] = {
	"src", "dst", "proto", "spi", "mode", "reqid", "replay-window", "aead",
	"enc", "auth", "auth-trunc", "flag", "encap", "sel", "limit", "dir",
	"tfcpad", "backend", "offload", NULL
};
static const char *const pol_keys[] = {
	"src", "dst", "proto", "sport", "dport", "dir", "priority", "action",
	"tmpl", NULL
};

static bool in_list(const char *const *l, const char *k)
{
	for (; *l; l++)
		if (!strcmp(*l, k))
			return true;
	return false;
}

static int err(struct conf *c, const char *fmt, const char *a, const char *b)
{
	char msg[XS_WHY_MAX];

	snprintf(msg, sizeof(msg), fmt, a, b);
	return xs_why(c->why, "%s:%d: %s", c->file, c->line, msg);
}

/* The next meaningful line, trimmed, comments removed: 1, 0 at EOF, -1. */
static int next_line(struct conf *c, char **line)
{
	char *s, *e;

	while (fgets(c->buf, sizeof(c->buf), c->f)) {
		c->line++;
		if (!strchr(c->buf, '\n') && !feof(c->f))
			return err(c, "line longer than %s bytes%s", "4095", "");
		if ((s = strchr(c->buf, '#')))
			*s = 0;
		for (s = c->buf; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strlen(s);
		while (e > s && strchr(" \t\r\n", e[-1]))
			*--e = 0;
		if (*s) {
			*line = s;
			return 1;
		}
	}
	return 0;
}

/* "NAME {" -> NAME (in place); NULL if the line is not a section start. */
static char *section_name(char *s)
{
	size_t n = strlen(s);
	char *e;

	if (n < 2 || s[n - 1] != '{')
		return NULL;
	s[n - 1] = 0;
	for (e = s + strlen(s); e > s && strchr(" \t", e[-1]); )
		*--e = 0;
	return *s && !strpbrk(s, " \t={}") ? s : NULL;
}

/* Split a value into words; '...' and "..." quote (may be empty). */
static int split(struct conf *c, char *v, struct item *it)
{
	while (*v) {
		char q, *w;

		while (*v == ' ' || *v == '\t')
			v++;
		if (!*v)
			break;
		if (it->argc >= WORDS_MAX)
			return err(c, "too many words in a value%s%s", "", "");
		q = (*v == '\'' || *v == '"') ? *v++ : 0;
		w = v;
		while (*v && (q ? *v != q : (*v != ' ' && *v != '\t')))
			v++;
		if (q && !*v)
			return err(c, "unterminated quote%s%s", "", "");
		if (*v)
			*v++ = 0;
		it->lines[it->argc] = c->line;
		if (!(it->argv[it->argc++] = strdup(w)))
			return err(c, "out of memory%s%s", "", "");
	}
	return 0;
}

static int kv_split(struct conf *c, char *s, char **key, char **val)
{
	char *eq = strchr(s, '='), *e;

	if (!eq)
		return err(c, "expected 'key = value', '}' or 'name {', got '%s'%s", s, "");
	*eq = 0;
	for (e = eq; e > s && strchr(" \t", e[-1]); )
		*--e = 0;
	for (*val = eq + 1; **val == ' ' || **val == '\t'; (*val)++)
		;
	*key = s;
	return 0;
}

static bool is_key_word(const char *k)
{
	return !strcmp(k, "aead") || !strcmp(k, "enc") || !strcmp(k, "auth") ||
	       !strcmp(k, "auth-trunc");
}

static int item_kv(struct conf *c, struct item *it, struct item *tmpl,
		   const char *sect, char *s)
{
	const char *const *keys = it->sa ? sa_keys : pol_keys;
	char *key, *val, path[160];
	struct item *dst;

	if (kv_split(c, s, &key, &val))
		return -1;
	snprintf(path, sizeof(path), "%s.%s", sect, it->name);
	if (!in_list(keys, key))
		return err(c, "unknown key '%s' in %s", key, path);
	if (!*val)
		return err(c, "missing value for '%s' in %s", key, path);
	dst = !strcmp(key, "tmpl") && !it->sa ? tmpl : it;
	if (dst->argc < WORDS_MAX)
		dst->lines[dst->argc] = c->line;
	if (dst->argc >= WORDS_MAX || !(dst->argv[dst->argc++] = strdup(key)))
		return err(c, "too many words in %s%s", path, "");
	if (it->sa && is_key_word(key) && strstr(val, "0x"))
		c->has_keys = true;
	return split(c, val, dst);
}

/* tmpl takes every word after it: move it to the end. */
static int join_tmpl(struct conf *c, struct item *it, struct item *tmpl)
{
	int i;

	if (it->argc + tmpl->argc > WORDS_MAX)
		return err(c, "too many words in %s%s", it->name, "");
	for (i = 0; i < tmpl->argc; i++) {
		it->lines[it->argc] = tmpl->lines[i];
		it->argv[it->argc++] = tmpl->argv[i];
	}
	return 0;
}

static int parse_item(struct conf *c, const char *sect, const char *name,
		      bool sa)
{
	struct item *it, tmpl = { .argc = 0 };
	char *s;
	int r;

	if (c->nitems >= ITEMS_MAX)
		return err(c, "more than %s entries%s", "4096", "");
	it = &c->items[c->nitems++];
	memset(it, 0, sizeof(*it));
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->line = c->line;
	it->sa = sa;
	while ((r = next_line(c, &s)) > 0) {
		if (!strcmp(s, "}"))
			return join_tmpl(c, it, &tmpl);
		if (item_kv(c, it, &tmpl, sect, s))
			return -1;
	}
	return r < 0 ? -1 : err(c, "missing '}' for %s.%s", sect, it->name);
}

static int parse_list(struct conf *c, const char *sect)
{
	char *s, *name;
	int r;

	while ((r = next_line(c, &s)) > 0) {
		if (!strcmp(s, "}"))
			return 0;
		name = section_name(s);
		if (!name)
			return err(c, "expected 'name {' or '}' in %s, got '%s'", sect, s);
		if (parse_item(c, sect, name, !strcmp(sect, "sas")))
			return -1;
	}
	return r < 0 ? -1 : err(c, "missing '}' for %s%s", sect, "");
}

static int parse_interfaces(struct conf *c)
{
	char *s, *key, *val;
	int r;

	while ((r = next_line(c, &s)) > 0) {
		if (!strcmp(s, "}"))
			return 0;
		if (kv_split(c, s, &key, &val))
			return -1;
		if (strcmp(key, "wan") && strcmp(key, "lan"))
			return err(c, "unknown key '%s' in interfaces%s", key, "");
		if (!*val || strlen(val) >= IF_NAMESIZE || strpbrk(val, " \t"))
			return err(c, "bad interface name '%s'%s", val, "");
		strcpy(!strcmp(key, "wan") ? c->wan : c->lan, val);
	}
	return r < 0 ? -1 : err(c, "missing '}' for interfaces%s%s", "", "");
}

/* limits { sas = N  policies = N } (limits.c) */
static int parse_limits(struct conf *c)
{
	char *s, *key, *val, msg[XS_WHY_MAX];
	int r;

	while ((r = next_line(c, &s)) > 0) {
		if (!strcmp(s, "}"))
			return 0;
		if (kv_split(c, s, &key, &val))
			return -1;
		if (xs_limits_parse(key, val, &c->limits, msg))
			return err(c, "%s%s", msg, "");
	}
	return r < 0 ? -1 : err(c, "missing '}' for limits%s%s", "", "");
}

static int rd_next(void *c, char **line)
{
	return next_line(c, line);
}

static int rd_kv(void *c, char *s, char **key, char **val)
{
	return kv_split(c, s, key, val);
}

/* connections { } and secrets { }: conf_ike.c reads them with our reader. */
static int parse_ike(struct conf *c, const char *sect)
{
	struct xs_conf_rd rd = { .c = c, .next = rd_next, .section = section_name,
				 .kv = rd_kv, .file = c->file, .line = &c->line,
				 .why = c->why };

	if (xs_conf_ike_section(&c->ike, sect, &rd))
		return -1;
	c->has_keys |= c->ike.nsecrets > 0;
	return 0;
}

/* backend = afxdp|kernel, outside the sections. */
static int parse_backend(struct conf *c, char *s)
{
	char *key, *val;

	if (!strchr(s, '='))
		return err(c, "expected a section ('name {') or 'backend = ...', got '%s'%s", s, "");
	if (kv_split(c, s, &key, &val))
		return -1;
	if (strcmp(key, "backend"))
		return err(c, "unknown key '%s' outside the sections%s", key, "");
	if (strcmp(val, "kernel") && strcmp(val, "afxdp"))
		return err(c, "unknown backend '%s' (want afxdp or kernel)%s", val, "");
	c->backend = strcmp(val, "kernel") ? XS_BACKEND_AFXDP : XS_BACKEND_KERNEL;
	return 0;
}

static int parse_top(struct conf *c)
{
	char *s, *name;
	int r;

	while ((r = next_line(c, &s)) > 0) {
		name = section_name(s);
		if (!name && parse_backend(c, s))
			return -1;
		if (!name)
			continue;
		if (!strcmp(name, "interfaces"))
			r = parse_interfaces(c);
		else if (!strcmp(name, "limits"))
			r = parse_limits(c);
		else if (!strcmp(name, "sas") || !strcmp(name, "policies"))
			r = parse_list(c, !strcmp(name, "sas") ? "sas" : "policies");
		else if (!strcmp(name, "connections") || !strcmp(name, "secrets"))
			r = parse_ike(c, !strcmp(name, "secrets") ? "secrets" :
				      "connections");
		else
			return err(c, "unknown section '%s'%s", name, "");
		if (r)
			return -1;
	}
	return r;
}

/* c and all it holds, secrets wiped; NULL: nothing. */
static void conf_free(struct conf *c)
{
	int i, j;

	if (!c)
		return;
	for (i = 0; i < c->nitems; i++)
		for (j = 0; j < c->items[i].argc; j++) {
			xs_wipe(c->items[i].argv[j], strlen(c->items[i].argv[j]));
			free(c->items[i].argv[j]);
		}
	free(c->items);
	xs_ike_conf_free(&c->ike);
	xs_wipe(c->buf, sizeof(c->buf));
	if (c->f)
		fclose(c->f);
	free(c);
}

/* ret: a parser's -(1 + word index), or -1 for the SA as a whole. */
static int item_err(struct conf *c, const struct item *it, int ret,
		    const char *why)
{
	int w = -ret - 1, line = ret < -1 && w < it->argc ? it->lines[w] : it->line;
	char msg[XS_WHY_MAX];

	snprintf(msg, sizeof(msg), "%s", why);
	return xs_why(c->why, "%s:%d: %s.%s: %s", c->file, line,
		      it->sa ? "sas" : "policies", it->name, msg);
}

/* Parse every SA and policy before changing anything. */
static int check_items(struct xs_daemon *d, struct conf *c)
{
	char why[XS_WHY_MAX];
	struct xs_sa_req r;
	struct xs_pol_req p;
	int i, ret;

	for (i = 0; i < c->nitems; i++) {
		struct item *it = &c->items[i];

		if (it->sa) {
			ret = xs_sa_parse(it->argc, it->argv, &r, why);
			if (!ret && (xs_sa_validate(&r, why) ||
				     xs_kernel_sa_check(d, &r, c->backend >= 0 ?
							c->backend : d->backend, why)))
				ret = -1;
			xs_sa_req_wipe(&r);
		} else {
			ret = xs_pol_parse(it->argc, it->argv, false, &p, why);
		}
		if (ret)
			return item_err(c, it, ret, why);
	}
	return 0;
}

static int apply_items(struct xs_daemon *d, struct conf *c)
{
	char why[XS_WHY_MAX];
	struct xs_sa_req r;
	struct xs_pol_req p;
	int i, pass, ret;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < c->nitems; i++) {
			struct item *it = &c->items[i];

			if (it->sa != !pass)
				continue;
			if (it->sa) {
				ret = xs_sa_parse(it->argc, it->argv, &r, why);
				ret = ret ? ret : -!!xs_sad_add(d, &r, why);
				xs_sa_req_wipe(&r);
			} else {
				ret = xs_pol_parse(it->argc, it->argv, false, &p, why);
				ret = ret ? ret : -!!xs_spd_add(d, &p, why);
			}
			if (ret)
				return item_err(c, it, ret, why);
		}
	return 0;
}

static int open_conf(struct conf *c)
{
	struct stat st;

	c->f = fopen(c->file, "r");
	if (!c->f)
		return xs_why(c->why, "%s: %s", c->file, strerror(errno));
	if (fstat(fileno(c->f), &st) || !S_ISREG(st.st_mode))
		return xs_why(c->why, "%s: not a regular file", c->file);
	c->items = calloc(ITEMS_MAX, sizeof(*c->items));
	return c->items ? 0 : xs_why(c->why, "out of memory");
}

static int keys_private(struct conf *c)
{
	struct stat st;

	if (!c->has_keys || (!fstat(fileno(c->f), &st) && !(st.st_mode & 077)))
		return 0;
	return xs_why(c->why, "%s: holds keys but is readable by group or others (chmod 600 %s)",
		      c->file, c->file);
}

static int attach_conf(struct xs_daemon *d, struct conf *c)
{
	const char *wan = c->wan[0] && strcmp(c->wan, d->ifs[XS_ROLE_WAN].name) ?
			  c->wan : NULL;
	const char *lan = c->lan[0] && strcmp(c->lan, d->ifs[XS_ROLE_LAN].name) ?
			  c->lan : NULL;

	return wan || lan ? xs_attach(d, wan, lan, c->why) : 0;
}

/* file parsed into a new *cp (NULL if out of memory); conf_free() it. */
static int conf_read(const char *file, char *why, struct conf **cp)
{
	struct conf *c = calloc(1, sizeof(*c));
	int ret;

	*cp = c;
	if (!c)
		return xs_why(why, "out of memory");
	c->file = file;
	c->why = why;
	c->backend = -1;
	ret = open_conf(c);
	if (!ret)
		ret = parse_top(c);
	return ret;
}

int xs_conf_load(struct xs_daemon *d, const char *file, char *why)
{
	struct conf *c;
	int ret = conf_read(file, why, &c);

	if (!ret)
		ret = keys_private(c);
	if (!ret)
		ret = xs_limits_running(&d->limits, &c->limits, why);
	if (!ret)
		ret = check_items(d, c);
	if (!ret)
		ret = xs_ike_check(&c->ike, file, why);
	if (!ret && c->backend >= 0)
		ret = xs_kernel_backend_set(d, c->backend, why);
	if (!ret)
		ret = attach_conf(d, c);
	if (!ret)
		ret = xs_ike_flush_manual(d, why);
	if (!ret)
		ret = apply_items(d, c);
	if (!ret)
		ret = xs_ike_configure(d, &c->ike, why);
	conf_free(c);
	return ret;
}

int xs_conf_limits(const char *file, struct xs_limits *l, char *why)
{
	struct conf *c;
	int ret = conf_read(file, why, &c);

	if (!ret)
		*l = c->limits;
	conf_free(c);
	return ret;
}
