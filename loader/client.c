// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The CLI half of the control protocol (docs/control-protocol.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/crypto.h"
#include "loader/xdpsec.h"

static int connect_daemon(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	xs_path(sun.sun_path, sizeof(sun.sun_path), XS_RUN_DIR, ".sock");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_request(int fd, const char *name, int argc, char **argv)
{
	json_t *args = json_array(), *req;
	char *s;
	int i, ret = -1;

	for (i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	req = json_pack("{s:s,s:o}", "cmd", name, "args", args);
	s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (s) {
		size_t len = strlen(s), off = 0;
		ssize_t w;

		while (off < len && (w = write(fd, s + off, len - off)) > 0)
			off += w;
		ret = off == len ? 0 : -1;
		xs_wipe(s, len);
	}
	free(s);
	json_decref(req);
	shutdown(fd, SHUT_WR);
	return ret;
}

static json_t *read_reply(int fd)
{
	json_error_t err;

	return json_loadfd(fd, 0, &err);
}

static int show(const struct xs_cmd *c, json_t *rep)
{
	json_t *res = json_object_get(rep, "result");
	char *s;

	if (!json_is_true(json_object_get(rep, "ok"))) {
		fprintf(stderr, "xdpsec: %s\n",
			json_string_value(json_object_get(rep, "error")) ?: "failed");
		return XS_EXIT_FAIL;
	}
	if (xs_opts.json) {
		s = json_dumps(res, JSON_INDENT(2) | JSON_ENCODE_ANY);
		if (s)
			puts(s);
		free(s);
	} else if (c->print) {
		c->print(res);
	}
	return XS_EXIT_OK;
}

int xs_remote(const struct xs_cmd *c, int argc, char **argv)
{
	char why[XS_WHY_MAX];
	json_t *rep;
	int fd, ret, i;

	if (c->check && c->check(argc, argv, why)) {
		fprintf(stderr, "xdpsec: %s\n", why);
		return XS_EXIT_USAGE;
	}
	fd = connect_daemon();
	if (fd < 0) {
		fprintf(stderr, "xdpsec: instance %s is not running (start it with: xdpsec -i %s daemon)\n",
			xs_opts.instance, xs_opts.instance);
		return XS_EXIT_FAIL;
	}
	ret = send_request(fd, c->name, argc, argv);
	for (i = 0; i < argc; i++)	/* the words may hold keys */
		xs_wipe(argv[i], strlen(argv[i]));
	if (ret || !(rep = read_reply(fd))) {
		fprintf(stderr, "xdpsec: no valid reply from instance %s\n",
			xs_opts.instance);
		close(fd);
		return XS_EXIT_FAIL;
	}
	close(fd);
	ret = show(c, rep);
	json_decref(rep);
	return ret;
}
