// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon of one instance: lock, clean up after a predecessor that
 * died, load the BPF objects with their maps pinned, listen on the control
 * socket, apply the configuration, serve until SIGTERM/SIGINT or `stop`,
 * then detach everything, unpin, and remove the socket and the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "engine/engine.h"
#include "loader/backend_kernel.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return getenv("XDPSEC_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

/* The lock stays held as long as the daemon (or its child) has the fd. */
static int take_lock(char *why)
{
	char path[128], pid[32] = "";
	int fd;

	if (mkdir(XS_RUN_DIR, 0700) && errno != EEXIST)
		return xs_why(why, "cannot create %s: %s", XS_RUN_DIR, strerror(errno));
	xs_path(path, sizeof(path), XS_RUN_DIR, ".lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return xs_why(why, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (read(fd, pid, sizeof(pid) - 1) < 0)
			pid[0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		close(fd);
		return xs_why(why, "instance %s is already running%s%s%s",
			      xs_opts.instance, *pid ? " (pid " : "", pid,
			      *pid ? ")" : "");
	}
	return fd;
}

static void write_pid(int lock_fd)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

	if (ftruncate(lock_fd, 0) || pwrite(lock_fd, pid, n, 0) != n)
		pr_warn("cannot write the pid into the lock file");
}

static int start(struct xs_daemon *d, const char *conf, char *why)
{
	struct xs_limits conf_limits = { 0 };
	char path[128];
	int n;

	if ((conf && xs_conf_limits(conf, &conf_limits, why)) ||
	    xs_limits_merge(&d->limits, &conf_limits, why))
		return -1;
	xs_path(d->pin_dir, sizeof(d->pin_dir), XS_PIN_DIR, "");
	xs_detach_stale();
	n = xs_bpf_unpin_stale(d->pin_dir, why);
	if (n < 0)
		return -1;
	if (n)
		pr_info("removed %d stale pins in %s", n, d->pin_dir);
	/* after the stale programs: they may pass traffic for XFRM to protect */
	xs_kernel_open(d);
	if (xs_kernel_backend_set(d, d->backend, why))
		return -1;
	if (xs_bpf_load(d, why) || xs_events_open(d, why))
		return -1;
	xs_path(path, sizeof(path), XS_RUN_DIR, ".sock");
	d->listen_fd = xs_ctl_listen(path, why);
	if (d->listen_fd < 0)
		return -1;
	return conf ? xs_conf_load(d, conf, why) : 0;
}

static void teardown(struct xs_daemon *d, int lock_fd)
{
	char why[XS_WHY_MAX], path[128];

	xs_ike_close(d);
	xs_detach(d, NULL, why);
	xs_kernel_close(d);
	xs_events_close(d);
	xs_bpf_unload(d);
	free(d->pols);
	free(d->pol_spi);
	xs_spd_compiled_free(&d->spd_held[0]);
	xs_spd_compiled_free(&d->spd_held[1]);
	if (d->listen_fd > 0) {
		close(d->listen_fd);
		xs_path(path, sizeof(path), XS_RUN_DIR, ".sock");
		unlink(path);
	}
	xs_path(path, sizeof(path), XS_RUN_DIR, ".lock");
	unlink(path);
	close(lock_fd);
}

static int signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

enum { POLL_FIXED = 3, TICK_MS = 1000 };

/* Control socket, signals, BPF events, the IKE sockets; timers. */
static void serve(struct xs_daemon *d, int sfd)
{
	struct pollfd p[POLL_FIXED + XS_IKE_SOCKS] = {
		{ .fd = d->listen_fd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
		{ .fd = ring_buffer__epoll_fd(d->events), .events = POLLIN } };
	int ike[XS_IKE_SOCKS], timeout = TICK_MS, i;

	while (!d->stop) {
		int n;

		xs_ike_pollfds(d, ike);
		for (i = 0; i < XS_IKE_SOCKS; i++)
			p[POLL_FIXED + i] = (struct pollfd){ .fd = ike[i], .events = POLLIN };
		n = poll(p, POLL_FIXED + XS_IKE_SOCKS, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && p[1].revents)
			break;
		if (n > 0 && p[0].revents)
			xs_ctl_serve(d, d->listen_fd);
		if (n > 0 && p[2].revents)
			xs_events_poll(d);
		for (i = 0; n > 0 && i < XS_IKE_SOCKS; i++)
			if (p[POLL_FIXED + i].revents)
				xs_ike_input(d, p[POLL_FIXED + i].fd);
		xs_sad_tick(d);
		timeout = xs_ike_tick(d, TICK_MS);
	}
}

/* Background: the parent waits for the child's "ready" or its error. */
static int background(int *report_fd)
{
	char msg[XS_WHY_MAX + 1] = "";
	int pfd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		*report_fd = pfd[1];
		setsid();
		return 0;
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	if (n > 0 && msg[0] == '+')
		exit(XS_EXIT_OK);
	fprintf(stderr, "xdpsec: %s\n", n > 1 ? msg + 1 : "the daemon died while starting");
	exit(XS_EXIT_FAIL);
}

static void report(int fd, bool ok, const char *why)
{
	char msg[XS_WHY_MAX + 1];
	int n;

	if (fd < 0)
		return;
	n = snprintf(msg, sizeof(msg), "%c%s", ok ? '+' : '-', ok ? "" : why);
	if (write(fd, msg, n) != n)
		pr_warn("cannot report to the starting process");
	close(fd);
	if (ok && (!freopen("/dev/null", "r", stdin) ||
		   !freopen("/dev/null", "w", stdout) ||
		   !freopen("/dev/null", "w", stderr)))
		pr_warn("cannot detach from the terminal");
}

int xs_daemon_main(const char *conf, bool foreground, bool no_crypto,
		   uint8_t backend, const struct xs_limits *limits)
{
	struct xs_daemon d = { .listen_fd = -1, .no_crypto = no_crypto,
			       .backend = backend, .limits = *limits };
	char why[XS_WHY_MAX] = "";
	int lock_fd, sfd, report_fd = -1;

	libbpf_set_print(libbpf_quiet);
	lock_fd = take_lock(why);
	if (lock_fd < 0) {
		fprintf(stderr, "xdpsec: %s\n", why);
		return XS_EXIT_FAIL;
	}
	if (!foreground && background(&report_fd))
		return XS_EXIT_FAIL;
	write_pid(lock_fd);
	if (xs_engine_harden())
		pr_warn("cannot lock memory (mlockall): keys may reach swap");
	sfd = signals();
	if (sfd < 0 || start(&d, conf, why)) {
		if (!why[0])
			xs_why(why, "signalfd: %s", strerror(errno));
		if (report_fd < 0)
			pr_warn("%s", why);
		report(report_fd, false, why);
		teardown(&d, lock_fd);
		return XS_EXIT_FAIL;
	}
	pr_info("instance %s running, maps in %s", xs_opts.instance, d.pin_dir);
	report(report_fd, true, NULL);
	if (report_fd >= 0)
		xs_log_to_syslog();
	serve(&d, sfd);
	pr_info("instance %s stopping", xs_opts.instance);
	teardown(&d, lock_fd);
	return XS_EXIT_OK;
}
