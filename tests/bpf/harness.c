// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <xdp/xsk.h>

#include "bpf/tc_out.skel.h"
#include "bpf/xdp_lan.skel.h"
#include "bpf/xdp_wan.skel.h"
#include "loader/spd_compile.h"
#include "tests/bpf/harness.h"

/* Tests do not pin: the maps live as long as the harness. */
static void no_pinning(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
}

/* Give obj the maps of first (same names), so all programs share them. */
static int share_maps(struct bpf_object *first, struct bpf_object *obj)
{
	struct bpf_map *m, *src;
	int ret;

	bpf_object__for_each_map(m, obj) {
		if (strchr(bpf_map__name(m), '.'))
			continue;		/* .rodata and friends */
		src = bpf_object__find_map_by_name(first, bpf_map__name(m));
		if (!src)
			return -ENOENT;
		ret = bpf_map__reuse_fd(m, bpf_map__fd(src));
		if (ret)
			return ret;
	}
	return 0;
}

static int open_wan(struct xs_bpf *b, const struct xs_bpf_opts *o)
{
	int ret;

	b->wan = xdp_wan__open();
	if (!b->wan)
		return -errno;
	no_pinning(b->wan->obj);
	if (o->sad_max) {
		bpf_map__set_max_entries(b->wan->maps.xs_sad, o->sad_max);
		bpf_map__set_max_entries(b->wan->maps.xs_sadi, o->sad_max);
	}
	ret = xdp_wan__load(b->wan);
	if (ret)
		return ret;
	b->prog_wan = bpf_program__fd(b->wan->progs.xdp_wan);
	b->sad = bpf_map__fd(b->wan->maps.xs_sad);
	b->sadi = bpf_map__fd(b->wan->maps.xs_sadi);
	b->spd = bpf_map__fd(b->wan->maps.xs_spd);
	b->spdd = bpf_map__fd(b->wan->maps.xs_spdd);
	b->spds = bpf_map__fd(b->wan->maps.xs_spds);
	b->cfg = bpf_map__fd(b->wan->maps.xs_cfg);
	b->stats = bpf_map__fd(b->wan->maps.xs_stats);
	b->xsks = bpf_map__fd(b->wan->maps.xs_xsks);
	b->events = bpf_map__fd(b->wan->maps.xs_events);
	b->acqrl = bpf_map__fd(b->wan->maps.xs_acqrl);
	return 0;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct xs_bpf *b = ctx;

	if (len >= sizeof(b->last_event))
		memcpy(&b->last_event, data, sizeof(b->last_event));
	b->n_events++;
	return 0;
}

int xs_bpf_open(struct xs_bpf *b, const struct xs_bpf_opts *o)
{
	int ret;

	memset(b, 0, sizeof(*b));
	ret = open_wan(b, o);
	if (ret)
		return ret;
	b->lan = xdp_lan__open();
	b->tc = tc_out__open();
	if (!b->lan || !b->tc)
		return -errno;
	b->tc->rodata->xs_tc_ifindex = o->tc_ifindex;
	b->lan->rodata->xs_xsk_base = o->lan_xsk_base;
	no_pinning(b->lan->obj);
	no_pinning(b->tc->obj);
	ret = share_maps(b->wan->obj, b->lan->obj);
	if (!ret)
		ret = share_maps(b->wan->obj, b->tc->obj);
	if (!ret)
		ret = xdp_lan__load(b->lan);
	if (!ret)
		ret = tc_out__load(b->tc);
	if (ret)
		return ret;
	b->prog_lan = bpf_program__fd(b->lan->progs.xdp_lan);
	b->prog_tc = bpf_program__fd(b->tc->progs.tc_out);
	b->rb = ring_buffer__new(b->events, on_event, b, NULL);
	return b->rb ? 0 : -errno;
}

void xs_bpf_close(struct xs_bpf *b)
{
	xs_bpf_xsk_close(b);
	ring_buffer__free(b->rb);
	tc_out__destroy(b->tc);
	xdp_lan__destroy(b->lan);
	xdp_wan__destroy(b->wan);
	memset(b, 0, sizeof(*b));
}

enum { XSK_FRAMES = 64 };

int xs_bpf_xsk_open(struct xs_bpf *b, uint32_t slot)
{
	static struct xsk_ring_prod fill, tx;
	static struct xsk_ring_cons comp, rx;
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	size_t size = XSK_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE;
	int ret, fd;

	if (unshare(CLONE_NEWNET) ||
	    system("ip link add xst0 type veth peer name xst1 && "
		   "ip link set xst0 up && ip link set xst1 up"))
		return -EIO;
	b->umem_area = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->umem_area == MAP_FAILED) {
		b->umem_area = NULL;
		return -errno;
	}
	ret = xsk_umem__create(&b->umem, b->umem_area, size, &fill, &comp, NULL);
	if (!ret)
		ret = xsk_socket__create(&b->xsk, "xst0", 0, b->umem, &rx, &tx,
					 &cfg);
	if (ret)
		return ret;
	fd = xsk_socket__fd(b->xsk);
	return bpf_map_update_elem(b->xsks, &slot, &fd, BPF_ANY) ? -errno : 0;
}

void xs_bpf_xsk_close(struct xs_bpf *b)
{
	if (b->xsk)
		xsk_socket__delete(b->xsk);
	if (b->umem)
		xsk_umem__delete(b->umem);
	if (b->umem_area)
		munmap(b->umem_area, XSK_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE);
	b->xsk = NULL;
	b->umem = NULL;
	b->umem_area = NULL;
}

int xs_bpf_run(int prog, const void *frame, size_t len, uint32_t repeat,
	       uint32_t *ns)
{
	uint8_t out[XS_FRAME_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .repeat = repeat);
	int ret = bpf_prog_test_run_opts(prog, &opts);

	if (ret)
		return ret < 0 ? ret : -ret;
	if (ns)
		*ns = opts.duration;
	return opts.retval;
}

static uint64_t stat_sum(struct xs_bpf *b, unsigned int hook, size_t off)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct xs_stats *s = calloc(ncpu, sizeof(*s));
	uint64_t sum = 0;

	if (s && !bpf_map_lookup_elem(b->stats, &hook, s))
		for (i = 0; i < ncpu; i++)
			sum += *(uint64_t *)((char *)&s[i] + off);
	free(s);
	return sum;
}

uint64_t xs_bpf_action(struct xs_bpf *b, unsigned int hook, unsigned int act)
{
	return stat_sum(b, hook, offsetof(struct xs_stats, actions) + 8 * act);
}

uint64_t xs_bpf_drop(struct xs_bpf *b, unsigned int hook, unsigned int reason)
{
	return stat_sum(b, hook, offsetof(struct xs_stats, drops) + 8 * reason);
}

uint64_t xs_bpf_acquires_limited(struct xs_bpf *b, unsigned int hook)
{
	return stat_sum(b, hook, offsetof(struct xs_stats, acquires_limited));
}

void xs_bpf_acquire_reset(struct xs_bpf *b)
{
	__u32 key;

	while (!bpf_map_get_next_key(b->acqrl, NULL, &key))
		if (bpf_map_delete_elem(b->acqrl, &key))
			break;
}

unsigned int xs_bpf_events(struct xs_bpf *b)
{
	unsigned int before = b->n_events;

	ring_buffer__consume(b->rb);
	return b->n_events - before;
}

int xs_bpf_sa_add(struct xs_bpf *b, uint32_t slot,
		  const struct xs_sad_entry *e, const struct xs_sad_key *key)
{
	if (bpf_map_update_elem(b->sad, &slot, e, BPF_ANY))
		return -errno;
	if (key && bpf_map_update_elem(b->sadi, key, &slot, BPF_ANY))
		return -errno;
	return 0;
}

int xs_bpf_spd_set(struct xs_bpf *b, const struct xs_spd_policy *p, size_t n)
{
	struct xs_spd_fds fds = {
		.spd = b->spd, .spdd = b->spdd, .spds = b->spds, .cfg = b->cfg,
		.spdh = bpf_map__fd(b->wan->maps.xs_spdh),
		.spdm = bpf_map__fd(b->wan->maps.xs_spdm),
	};
	struct xs_spd_compiled c;
	struct xs_cfg cfg;
	const char *why;
	__u32 zero = 0;
	int ret;

	if (bpf_map_lookup_elem(b->cfg, &zero, &cfg))
		return -errno;
	ret = xs_spd_compile(p, n, !cfg.spd_gen, &c, &why);
	if (ret) {
		fprintf(stderr, "spd compile: %s\n", why);
		return ret;
	}
	ret = xs_spd_commit(&c, &fds, &why);
	if (ret)
		fprintf(stderr, "spd commit: %s\n", why);
	xs_spd_compiled_free(&c);
	return ret;
}

size_t xs_frame_l4(const struct xs_tflow *f)
{
	return 14 + (f->family == XS_AF_INET ? 20 : 40);
}

static size_t l4_header(uint8_t *p, const struct xs_tflow *f, size_t plen)
{
	switch (f->proto) {
	case XS_PROTO_TCP:
		memset(p, 0, 20);
		p[12] = 5 << 4;
		break;
	case XS_PROTO_UDP:
		memset(p, 0, 8);
		p[4] = (8 + plen) >> 8;
		p[5] = 8 + plen;
		break;
	case XS_PROTO_ICMP:
	case XS_PROTO_ICMPV6:
		memset(p, 0, 8);
		p[0] = f->sport;
		p[1] = f->dport;
		return 8;
	default:
		return 0;
	}
	p[0] = f->sport >> 8;
	p[1] = f->sport;
	p[2] = f->dport >> 8;
	p[3] = f->dport;
	return f->proto == XS_PROTO_TCP ? 20 : 8;
}

static void ip_header(uint8_t *p, const struct xs_tflow *f, size_t l4len)
{
	if (f->family == XS_AF_INET) {
		memset(p, 0, 20);
		p[0] = 0x45;
		p[2] = (20 + l4len) >> 8;
		p[3] = 20 + l4len;
		p[8] = 64;
		p[9] = f->proto;
		memcpy(p + 12, f->src, 4);
		memcpy(p + 16, f->dst, 4);
		return;
	}
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = l4len >> 8;
	p[5] = l4len;
	p[6] = f->proto;
	p[7] = 64;
	memcpy(p + 8, f->src, 16);
	memcpy(p + 24, f->dst, 16);
}

size_t xs_frame(uint8_t *buf, const struct xs_tflow *f, const void *pl,
		size_t plen)
{
	size_t l4 = xs_frame_l4(f), hl;
	uint16_t type = htons(f->family == XS_AF_INET ? 0x0800 : 0x86dd);

	memset(buf, 0, 12);
	buf[0] = 0x02;
	buf[6] = 0x02;
	buf[11] = 1;
	memcpy(buf + 12, &type, 2);
	hl = l4_header(buf + l4, f, plen);
	memcpy(buf + l4 + hl, pl, plen);
	ip_header(buf + 14, f, hl + plen);
	return l4 + hl + plen;
}

struct xs_spd_policy xs_policy(uint8_t dir, uint8_t family, uint8_t action)
{
	struct xs_spd_policy p;

	memset(&p, 0, sizeof(p));
	p.dir = dir;
	p.family = family;
	p.action = action;
	p.sport_hi = 0xffff;
	p.dport_hi = 0xffff;
	p.sa_slot = XS_SA_NONE;
	return p;
}
