// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The control socket (docs/control-protocol.md): a root-only Unix stream
 * socket, one JSON request per connection {"cmd":..., "args":[...]}, one
 * reply {"ok":true,"result":...} or {"ok":false,"error":"..."}. The client
 * half-closes after its request; the daemon answers and closes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/crypto.h"
#include "loader/daemon.h"

enum { MSG_MAX = 1 << 20, ARGS_MAX = 256, IO_TIMEOUT_SEC = 5 };

static int sun_of(const char *path, struct sockaddr_un *sun, char *why)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return xs_why(why, "socket path too long: %s", path);
	strcpy(sun->sun_path, path);
	return 0;
}

int xs_ctl_listen(const char *path, char *why)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, ret;

	if (sun_of(path, &sun, why))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xs_why(why, "socket: %s", strerror(errno));
	unlink(path);
	old = umask(0077);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ret || chmod(path, 0600) || listen(fd, 16)) {
		xs_why(why, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_SEC };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Everything until EOF, NUL-terminated; NULL if too long or broken. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;

	while (buf) {
		if (n + 1 >= cap) {
			nb = cap < MSG_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r == 0) {
			buf[n] = 0;
			*len = n;
			return buf;
		}
		if (r < 0 && errno != EINTR)
			break;
		n += r > 0 ? r : 0;
	}
	if (buf)
		xs_wipe(buf, n);
	free(buf);
	return NULL;
}

static int write_all(int fd, const char *s, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		len -= w;
	}
	return 0;
}

static void reply(int fd, json_t *result, const char *error)
{
	json_t *r = result ? json_pack("{s:b,s:o}", "ok", 1, "result", result) :
			     json_pack("{s:b,s:s}", "ok", 0, "error", error);
	char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;

	if (s)
		write_all(fd, s, strlen(s));
	free(s);
	json_decref(r);
}

/* Argument strings may hold keys: wipe them in the parsed request. */
static void wipe_args(json_t *args)
{
	size_t i;
	json_t *v;

	json_array_foreach(args, i, v)
		if (json_is_string(v))
			xs_wipe((char *)json_string_value(v), json_string_length(v));
}

static json_t *dispatch(struct xs_daemon *d, json_t *req, char *why)
{
	const char *name = json_string_value(json_object_get(req, "cmd"));
	json_t *args = json_object_get(req, "args"), *v;
	char *argv[ARGS_MAX];
	const struct xs_cmd *c;
	size_t i;

	if (!name || !json_is_array(args) || json_array_size(args) > ARGS_MAX) {
		xs_why(why, "bad request: want {\"cmd\": NAME, \"args\": [STRING...]}");
		return NULL;
	}
	c = xs_cmd_find(name);
	if (!c || !c->serve) {
		xs_why(why, "unknown command '%s'", name);
		return NULL;
	}
	json_array_foreach(args, i, v) {
		if (!json_is_string(v)) {
			xs_why(why, "bad request: argument %zu is not a string", i);
			return NULL;
		}
		argv[i] = (char *)json_string_value(v);
	}
	return c->serve(d, json_array_size(args), argv, why);
}

static bool peer_is_root(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) && !cr.uid;
}

void xs_ctl_serve(struct xs_daemon *d, int lfd)
{
	char why[XS_WHY_MAX] = "";
	json_t *req, *res = NULL;
	json_error_t jerr;
	size_t len = 0;
	char *buf;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	set_timeouts(fd);
	if (!peer_is_root(fd)) {
		reply(fd, NULL, "permission denied: the control socket is root-only");
		close(fd);
		return;
	}
	buf = read_all(fd, &len);
	req = buf ? json_loadb(buf, len, 0, &jerr) : NULL;
	if (buf)
		xs_wipe(buf, len);
	free(buf);
	if (!req)
		xs_why(why, "bad request: not JSON");
	else
		res = dispatch(d, req, why);
	reply(fd, res, why);
	wipe_args(json_object_get(req, "args"));
	json_decref(req);
	close(fd);
}
