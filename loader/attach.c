// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Attaching and detaching. XDP with bpf_xdp_attach() and TC with a clsact
 * filter, not with bpf_links: the programs must stay attached if the daemon
 * dies, so that traffic fails closed (no worker -> counted drops). The WAN
 * gets xdp-wan and, on egress, tc-out, which hands locally generated
 * PROTECT traffic to the worker through an internal veth pair
 * (xsi-NAME -> xsp-NAME, xdp-lan on xsp-NAME; offloads and sysctls set
 * in veth.c). What is attached is
 * recorded in /run/xdpsec/NAME.ifs so a restarted daemon can clean up.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bpf/tc_out.skel.h"
#include "bpf/xdp_lan.skel.h"
#include "bpf/xdp_wan.skel.h"
#include "loader/daemon.h"

enum { TC_HANDLE = 0x5853, TC_PRIO = 1 };

static const char *const role_names[XS_ROLES] = { "wan", "lan", "internal" };

static void detach_role(struct xs_daemon *d, enum xs_role r);

static void veth_names(char *stack_end, char *worker_end)
{
	snprintf(stack_end, IF_NAMESIZE, "xsi-%.11s", xs_opts.instance);
	snprintf(worker_end, IF_NAMESIZE, "xsp-%.11s", xs_opts.instance);
}

/* Runs ip(8) with argv, quietly; its exit status. */
static int run_ip(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp("ip", argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int veth_create(struct xs_daemon *d, char *peer, char *why)
{
	char *add[] = { "ip", "link", "add", d->veth, "type", "veth", "peer",
			"name", peer, NULL };
	char *up1[] = { "ip", "link", "set", d->veth, "up", NULL };
	char *up2[] = { "ip", "link", "set", peer, "up", NULL };

	if (run_ip(add))
		return xs_why(why, "attach: cannot create the internal veth pair %s/%s (does it exist already?)",
			      d->veth, peer);
	if (run_ip(up1) || run_ip(up2))
		return xs_why(why, "attach: cannot set %s/%s up", d->veth, peer);
	return 0;
}

static void veth_delete(const char *name)
{
	char *del[] = { "ip", "link", "del", (char *)name, NULL };

	if (if_nametoindex(name))
		run_ip(del);
}

static int xdp_attach(struct xs_iface *f, int prog_fd, char *why)
{
	int ret = bpf_xdp_attach(f->ifindex, prog_fd, XDP_FLAGS_DRV_MODE |
				 XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);

	f->generic = false;
	if (ret == -EBUSY || ret == -EEXIST)
		return xs_why(why, "attach %s: another XDP program is attached", f->name);
	if (!ret)
		return 0;
	ret = bpf_xdp_attach(f->ifindex, prog_fd, XDP_FLAGS_SKB_MODE |
			     XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (ret)
		return xs_why(why, "attach %s: the kernel refused the XDP program: %s",
			      f->name, strerror(-ret));
	pr_warn("%s: native XDP failed, attached in generic (skb) mode", f->name);
	f->generic = true;
	return 0;
}

static void xdp_detach(struct xs_iface *f)
{
	if (f->ifindex)
		bpf_xdp_detach(f->ifindex, f->generic ? XDP_FLAGS_SKB_MODE :
			       XDP_FLAGS_DRV_MODE, NULL);
}

static int tc_attach(struct xs_iface *f, int prog_fd, char *why)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = f->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIO, .prog_fd = prog_fd);
	int ret = bpf_tc_hook_create(&hook);

	if (ret && ret != -EEXIST)
		return xs_why(why, "attach %s: cannot create the clsact qdisc: %s",
			      f->name, strerror(-ret));
	ret = bpf_tc_attach(&hook, &opts);
	if (ret)
		return xs_why(why, "attach %s: the kernel refused the TC program: %s",
			      f->name, strerror(-ret));
	f->tc = true;
	return 0;
}

static void tc_detach(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIO);

	bpf_tc_detach(&hook, &opts);
}

static void record_write(const struct xs_daemon *d)
{
	char path[128];
	FILE *f;
	int r;

	xs_path(path, sizeof(path), XS_RUN_DIR, ".ifs");
	f = fopen(path, "w");
	if (!f)
		return;
	for (r = 0; r < XS_ROLES; r++)
		if (d->ifs[r].ifindex)
			fprintf(f, "%s %s\n", role_names[r], d->ifs[r].name);
	fclose(f);
}

static int iface_init(struct xs_iface *f, const char *name, char *why)
{
	memset(f, 0, sizeof(*f));
	if (strlen(name) >= IF_NAMESIZE)
		return xs_why(why, "attach: interface name '%s' is too long", name);
	f->ifindex = if_nametoindex(name);
	if (!f->ifindex)
		return xs_why(why, "attach: interface '%s' does not exist", name);
	strcpy(f->name, name);
	return 0;
}

/* WAN: xdp-wan, the internal veth with xdp-lan, tc-out on egress. */
static int attach_wan(struct xs_daemon *d, const char *name, char *why)
{
	struct xs_iface *w = &d->ifs[XS_ROLE_WAN], *in = &d->ifs[XS_ROLE_INTERNAL];
	char peer[IF_NAMESIZE];

	veth_names(d->veth, peer);
	if (iface_init(w, name, why))
		return -1;
	if (xdp_attach(w, bpf_program__fd(d->wan->progs.xdp_wan), why))
		goto fail_wan;
	if (veth_create(d, peer, why))
		goto fail_veth;
	if (iface_init(in, peer, why) ||
	    xdp_attach(in, bpf_program__fd(d->internal->progs.xdp_lan), why) ||
	    xs_veth_tune(d->veth, peer, why) ||
	    xs_bpf_load_tc(d, if_nametoindex(d->veth), why))
		goto fail_internal;
	if (tc_attach(w, bpf_program__fd(d->tc->progs.tc_out), why))
		goto fail_tc;
	return 0;
fail_tc:
	xs_bpf_unload_tc(d);
fail_internal:
	xdp_detach(in);
	memset(in, 0, sizeof(*in));
fail_veth:
	veth_delete(d->veth);
	xdp_detach(w);
fail_wan:
	memset(w, 0, sizeof(*w));
	return -1;
}

static bool keyed_sas(const struct xs_daemon *d)
{
	uint32_t s;

	for (s = 0; s < d->sad_slots; s++)
		if (d->sas[s].order && d->sas[s].keyed)
			return true;
	return false;
}

int xs_attach(struct xs_daemon *d, const char *wan, const char *lan,
	      char *why)
{
	struct xs_iface *l = &d->ifs[XS_ROLE_LAN];

	if (wan && d->ifs[XS_ROLE_WAN].ifindex)
		return xs_why(why, "attach: a WAN is attached already (%s); detach it first",
			      d->ifs[XS_ROLE_WAN].name);
	if (lan && l->ifindex)
		return xs_why(why, "attach: a LAN is attached already (%s); detach it first",
			      l->name);
	if (wan && lan && !strcmp(wan, lan))
		return xs_why(why, "attach: WAN and LAN must differ");
	if (d->worker && keyed_sas(d))
		return xs_why(why, "attach: the worker would restart and lose the keys of the installed SAs; attach WAN and LAN in one command, or flush the SAs first");
	if (wan && attach_wan(d, wan, why))
		return -1;
	if (lan && (iface_init(l, lan, why) ||
		    xdp_attach(l, bpf_program__fd(d->lan->progs.xdp_lan), why))) {
		memset(l, 0, sizeof(*l));
		if (wan)
			detach_role(d, XS_ROLE_WAN);
		return -1;
	}
	record_write(d);
	return xs_glue_restart(d, why);
}

static void detach_role(struct xs_daemon *d, enum xs_role r)
{
	struct xs_iface *f = &d->ifs[r];

	if (f->tc)
		tc_detach(f->ifindex);
	xdp_detach(f);
	memset(f, 0, sizeof(*f));
	if (r == XS_ROLE_WAN) {
		detach_role(d, XS_ROLE_INTERNAL);
		xs_bpf_unload_tc(d);
		veth_delete(d->veth);
	}
}

int xs_detach(struct xs_daemon *d, const char *name, char *why)
{
	char path[128];
	int r, n = 0;

	for (r = 0; r < XS_ROLES; r++) {
		if (!d->ifs[r].ifindex || r == XS_ROLE_INTERNAL ||
		    (name && strcmp(name, d->ifs[r].name)))
			continue;
		if (!n)
			xs_glue_stop(d);
		detach_role(d, r);
		n++;
	}
	if (name && !n)
		return xs_why(why, "detach: '%s' is not attached to this instance", name);
	record_write(d);
	if (!d->ifs[XS_ROLE_WAN].ifindex && !d->ifs[XS_ROLE_LAN].ifindex) {
		xs_path(path, sizeof(path), XS_RUN_DIR, ".ifs");
		unlink(path);
	}
	return xs_glue_restart(d, why);
}

/* Is an xdpsec program (by name) attached to ifindex? Its mode flags. */
static uint32_t ours_attached(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);
	int fd;

	if (bpf_xdp_query(ifindex, 0, &q) || !q.prog_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.name[0] = 0;
	close(fd);
	if (strcmp(info.name, "xdp_wan") && strcmp(info.name, "xdp_lan"))
		return 0;
	return q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
	       XDP_FLAGS_DRV_MODE;
}

static void stale_iface(const char *role, const char *name)
{
	int ifindex = if_nametoindex(name);
	uint32_t mode;

	if (!ifindex)
		return;
	mode = ours_attached(ifindex);
	if (mode) {
		bpf_xdp_detach(ifindex, mode, NULL);
		pr_info("stale: detached XDP from %s (%s)", name, role);
	}
	if (!strcmp(role, "wan"))
		tc_detach(ifindex);
}

void xs_detach_stale(void)
{
	char path[128], role[16], name[IF_NAMESIZE + 1], veth[IF_NAMESIZE];
	char peer[IF_NAMESIZE];
	bool had_wan = false;
	FILE *f;

	xs_path(path, sizeof(path), XS_RUN_DIR, ".ifs");
	f = fopen(path, "r");
	if (!f)
		return;
	pr_info("instance %s was not stopped cleanly: cleaning up its attachments",
		xs_opts.instance);
	while (fscanf(f, "%15s %16s", role, name) == 2) {
		stale_iface(role, name);
		had_wan |= !strcmp(role, "wan");
	}
	fclose(f);
	unlink(path);
	veth_names(veth, peer);
	if (had_wan && if_nametoindex(veth)) {
		pr_info("stale: deleting the internal veth %s", veth);
		veth_delete(veth);
	}
}
