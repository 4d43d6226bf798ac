// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's BPF objects, libbpf-bootstrap order: open -> rodata ->
 * load. Every map is pinned by name under /sys/fs/bpf/xdpsec/NAME/ and
 * the objects share them through the pins: one xdp-wan, one xdp-lan per
 * plaintext side (the LAN and the internal veth; xs_xsk_base differs) and,
 * once the WAN is attached, tc-out (xs_tc_ifindex = the internal veth).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tc_out.skel.h"
#include "bpf/xdp_lan.skel.h"
#include "bpf/xdp_wan.skel.h"
#include "loader/daemon.h"
#include "maps/xsk.h"

enum { BPF_FS_MAGIC_NUM = 0xcafe4a11 };

/* The xs_xsks range of each role (maps/xsk.h). */
static uint32_t xsk_base(enum xs_role role)
{
	return role * XS_QUEUES_MAX;
}

/* /sys/fs/bpf must be a BPF filesystem (not so under `ip netns exec`). */
static int bpffs_ready(char *why)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC_NUM)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return xs_why(why, "cannot mount the BPF filesystem on /sys/fs/bpf: %s",
			      strerror(errno));
	return 0;
}

static int mkdirs(const char *dir, char *why)
{
	if ((mkdir(XS_PIN_DIR, 0700) && errno != EEXIST) ||
	    (mkdir(dir, 0700) && errno != EEXIST))
		return xs_why(why, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

/*
 * d->limits on obj's maps, before load: every object declares the shared
 * maps and must agree with the pinned ones on their size.
 */
static void size_maps(struct bpf_object *obj, const struct xs_limits *l)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);

		if (!strcmp(n, "xs_sad") || !strcmp(n, "xs_sadi"))
			bpf_map__set_max_entries(m, l->sas);
		else if (!strcmp(n, "xs_spd"))
			bpf_map__set_max_entries(m, 2 * l->policies);
	}
}

static int load_lan(struct xs_daemon *d, struct xdp_lan **out,
		    enum xs_role role, char *why)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = d->pin_dir);
	struct xdp_lan *s = xdp_lan__open_opts(&o);

	if (!s)
		return xs_why(why, "cannot open xdp_lan: %s", strerror(errno));
	*out = s;
	s->rodata->xs_xsk_base = xsk_base(role);
	size_maps(s->obj, &d->limits);
	if (xdp_lan__load(s))
		return xs_why(why, "cannot load xdp_lan: %s", strerror(errno));
	return 0;
}

static int map_sad(struct xs_daemon *d, char *why)
{
	size_t len;
	void *p;

	d->sad_slots = bpf_map__max_entries(d->wan->maps.xs_sad);
	len = (size_t)d->sad_slots * sizeof(struct xs_sad_entry);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd_sad, 0);
	if (p == MAP_FAILED)
		return xs_why(why, "cannot mmap xs_sad: %s", strerror(errno));
	d->sad = p;
	d->sas = calloc(d->sad_slots, sizeof(*d->sas));
	if (!d->sas || xs_sai_init(d))
		return xs_why(why, "out of memory");
	return 0;
}

int xs_bpf_load(struct xs_daemon *d, char *why)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = d->pin_dir);

	if (bpffs_ready(why) || mkdirs(d->pin_dir, why))
		return -1;
	d->wan = xdp_wan__open_opts(&o);
	if (!d->wan)
		return xs_why(why, "cannot open xdp_wan: %s", strerror(errno));
	d->wan->rodata->xs_xsk_base = xsk_base(XS_ROLE_WAN);
	size_maps(d->wan->obj, &d->limits);
	if (xdp_wan__load(d->wan))
		return xs_why(why, "cannot load xdp_wan (verifier, pins, or map sizes: limits sas %u policies %u): %s",
			      d->limits.sas, d->limits.policies, strerror(errno));
	if (load_lan(d, &d->lan, XS_ROLE_LAN, why) ||
	    load_lan(d, &d->internal, XS_ROLE_INTERNAL, why))
		return -1;
	d->fd_sad = bpf_map__fd(d->wan->maps.xs_sad);
	d->fd_sadi = bpf_map__fd(d->wan->maps.xs_sadi);
	d->fd_spd = bpf_map__fd(d->wan->maps.xs_spd);
	d->fd_spdd = bpf_map__fd(d->wan->maps.xs_spdd);
	d->fd_spds = bpf_map__fd(d->wan->maps.xs_spds);
	d->fd_cfg = bpf_map__fd(d->wan->maps.xs_cfg);
	d->fd_stats = bpf_map__fd(d->wan->maps.xs_stats);
	d->fd_xsks = bpf_map__fd(d->wan->maps.xs_xsks);
	return map_sad(d, why);
}

int xs_bpf_load_tc(struct xs_daemon *d, int tc_ifindex, char *why)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = d->pin_dir);

	d->tc = tc_out__open_opts(&o);
	if (!d->tc)
		return xs_why(why, "cannot open tc_out: %s", strerror(errno));
	d->tc->rodata->xs_tc_ifindex = tc_ifindex;
	size_maps(d->tc->obj, &d->limits);
	if (tc_out__load(d->tc)) {
		tc_out__destroy(d->tc);
		d->tc = NULL;
		return xs_why(why, "cannot load tc_out: %s", strerror(errno));
	}
	return 0;
}

void xs_bpf_unload_tc(struct xs_daemon *d)
{
	tc_out__destroy(d->tc);
	d->tc = NULL;
}

void xs_bpf_unload(struct xs_daemon *d)
{
	char why[XS_WHY_MAX];

	if (d->sad)
		munmap(d->sad, (size_t)d->sad_slots * sizeof(*d->sad));
	d->sad = NULL;
	free(d->sas);
	d->sas = NULL;
	xs_sai_fini(d);
	xs_bpf_unload_tc(d);
	xdp_lan__destroy(d->internal);
	xdp_lan__destroy(d->lan);
	xdp_wan__destroy(d->wan);
	d->wan = NULL;
	d->lan = d->internal = NULL;
	if (xs_bpf_unpin_stale(d->pin_dir, why) < 0)
		pr_warn("%s", why);
}

int xs_bpf_unpin_stale(const char *pin_dir, char *why)
{
	char path[sizeof(((struct xs_daemon *)0)->pin_dir) + 258];
	struct dirent *e;
	int n = 0;
	DIR *dir = opendir(pin_dir);

	if (!dir)
		return errno == ENOENT ? 0 :
		       xs_why(why, "cannot open %s: %s", pin_dir, strerror(errno));
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, e->d_name);
		if (unlink(path))
			pr_warn("cannot unpin %s: %s", path, strerror(errno));
		n++;
	}
	closedir(dir);
	if (rmdir(pin_dir) && errno != ENOENT)
		return xs_why(why, "cannot remove %s: %s", pin_dir, strerror(errno));
	return n;
}
