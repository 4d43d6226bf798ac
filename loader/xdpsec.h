/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The xdpsec CLI and daemon: one binary. Shared by main.c, the daemon and
 * the command files in commands/: the command table, the instance paths,
 * logging and exit codes.
 */
#ifndef XDPSEC_LOADER_XDPSEC_H
#define XDPSEC_LOADER_XDPSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum {
	XS_EXIT_OK = 0,
	XS_EXIT_FAIL = 1,		/* the operation failed */
	XS_EXIT_USAGE = 2,		/* bad command line */
	XS_WHY_MAX = 256,		/* one-line error messages */
	XS_INSTANCE_MAX = 15,
};

#define XS_RUN_DIR "/run/xdpsec"
#define XS_PIN_DIR "/sys/fs/bpf/xdpsec"

struct xs_daemon;

/* Options before the command. */
struct xs_opts {
	const char *instance;		/* validated: [a-z0-9_-]{1,15} */
	bool json;			/* print the raw JSON result */
};
extern struct xs_opts xs_opts;

/*
 * One command (xdp-tools style). Local commands have run(); the others are
 * served by the daemon: check() (may be NULL) validates the arguments in
 * the CLI so that syntax errors exit 2 without a daemon, serve() runs in
 * the daemon and returns the JSON result (NULL: *why says why), print()
 * shows the result as text.
 */
struct xs_cmd {
	const char *name;
	const char *help;
	int (*run)(int argc, char **argv);
	int (*check)(int argc, char **argv, char *why);
	json_t *(*serve)(struct xs_daemon *d, int argc, char **argv,
			 char *why);
	void (*print)(json_t *result);
};

/* main.c APIs: */
const struct xs_cmd *xs_cmd_find(const char *name);
void xs_cmd_list(void);

/* util.c APIs: */
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xs_log_to_syslog(void);
int xs_why(char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool xs_instance_valid(const char *name);
void xs_path(char *buf, size_t len, const char *dir, const char *suffix);
/* check() of the commands that take no arguments. */
int xs_check_no_args(int argc, char **argv, char *why);
/* label, then the strings of array a, "," between them, on one line. */
void xs_print_strings(const char *label, json_t *a);

/* client.c APIs: */
/* Send cmd with args to the instance's daemon; exit code, result printed. */
int xs_remote(const struct xs_cmd *c, int argc, char **argv);

#endif
