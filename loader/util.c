// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Logging, one-line errors, instance names and paths, printing results. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "loader/xdpsec.h"

static bool use_syslog;

void xs_log_to_syslog(void)
{
	openlog("xdpsec", LOG_PID, LOG_DAEMON);
	use_syslog = true;
}

static void vlog(int prio, const char *fmt, va_list ap)
{
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
		return;
	}
	fprintf(stderr, "xdpsec: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* Format a one-line error into why (XS_WHY_MAX bytes); returns -1. */
int xs_why(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, XS_WHY_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

bool xs_instance_valid(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= XS_INSTANCE_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* dir/INSTANCE + suffix, e.g. /run/xdpsec/default.sock */
void xs_path(char *buf, size_t len, const char *dir, const char *suffix)
{
	snprintf(buf, len, "%s/%s%s", dir, xs_opts.instance, suffix);
}

int xs_check_no_args(int argc, char **argv, char *why)
{
	return argc ? xs_why(why, "unexpected argument '%s'", argv[0]) : 0;
}

void xs_print_strings(const char *label, json_t *a)
{
	json_t *v;
	size_t i;

	printf("%s", label);
	json_array_foreach(a, i, v)
		printf("%s%s", i ? ", " : " ", json_string_value(v));
	printf("\n");
}
