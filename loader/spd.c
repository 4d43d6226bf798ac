// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's policy list. Every change recompiles the whole list into
 * the inactive SPD generation and switches to it (loader/spd_compile.c),
 * so a packet sees either the old or the new policy set; only the entries
 * that differ from what that generation held are written (it keeps the
 * list of two changes ago). An SA change only rewrites the sa_slot of the
 * PROTECT policies it affects, in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xdp_wan.skel.h"
#include "loader/args.h"
#include "loader/backend_kernel.h"
#include "loader/daemon.h"
#include "loader/spd_compile.h"

/* Kernel-backed SA: the XFRM policy first (or no SA, if XFRM refused). */
static void link_one(struct xs_daemon *d, uint32_t i)
{
	struct xs_spd_policy *p = &d->pols[i];

	if (p->action == XS_SPD_PROTECT)
		p->sa_slot = xs_kernel_pol_link(d, p, d->pol_spi[i],
						xs_sad_for_policy(d, p, d->pol_spi[i]));
}

static int install(struct xs_daemon *d, char *why)
{
	struct xs_spd_fds fds = {
		.spd = d->fd_spd, .spdd = d->fd_spdd, .spds = d->fd_spds,
		.cfg = d->fd_cfg, .spdh = bpf_map__fd(d->wan->maps.xs_spdh),
		.spdm = bpf_map__fd(d->wan->maps.xs_spdm),
	};
	unsigned int gen = d->spd_gen ^ 1;
	struct xs_spd_compiled c;
	const char *w = NULL;
	uint32_t i;
	int ret;

	xs_kernel_pol_begin(d);
	for (i = 0; i < d->npols; i++)
		link_one(d, i);
	ret = xs_spd_compile(d->pols, d->npols, gen, &c, &w);
	if (ret)
		return xs_why(why, "policy: %s", w ? w : strerror(-ret));
	ret = xs_spd_commit_diff(&c, d->spd_held_known[gen] ?
				 &d->spd_held[gen] : NULL, &fds, &w);
	xs_spd_compiled_free(&d->spd_held[gen]);
	d->spd_held[gen] = c;
	d->spd_held_known[gen] = !ret;	/* else: cleared next time */
	if (ret)
		return xs_why(why, "policy: %s: %s", w ? w : "commit", strerror(-ret));
	d->spd_gen = gen;
	xs_kernel_pol_prune(d);
	return 0;
}

static int grow(struct xs_daemon *d, char *why)
{
	uint32_t cap = d->pol_cap ? 2 * d->pol_cap : 64;
	struct xs_spd_policy *p;
	uint32_t *s;

	if (d->npols >= d->limits.policies)
		return xs_why(why, "policy add: the SPD is full (%u policies; limits policies)",
			      d->limits.policies);
	if (d->npols < d->pol_cap)
		return 0;
	p = realloc(d->pols, cap * sizeof(*p));
	if (p)
		d->pols = p;
	s = realloc(d->pol_spi, cap * sizeof(*s));
	if (s)
		d->pol_spi = s;
	if (!p || !s)
		return xs_why(why, "out of memory");
	d->pol_cap = cap;
	return 0;
}

static int find(const struct xs_daemon *d, const struct xs_spd_policy *sel)
{
	uint32_t i;

	for (i = 0; i < d->npols; i++)
		if (xs_pol_same_sel(&d->pols[i], sel))
			return i;
	return -1;
}

static void remove_at(struct xs_daemon *d, uint32_t i)
{
	memmove(&d->pols[i], &d->pols[i + 1],
		(d->npols - i - 1) * sizeof(*d->pols));
	memmove(&d->pol_spi[i], &d->pol_spi[i + 1],
		(d->npols - i - 1) * sizeof(*d->pol_spi));
	d->npols--;
}

int xs_spd_add(struct xs_daemon *d, const struct xs_pol_req *r, char *why)
{
	uint32_t i;

	if (find(d, &r->pol) >= 0)
		return xs_why(why, "policy add: a policy with this selector and dir exists already");
	if (grow(d, why))
		return -1;
	i = d->npols++;
	d->pols[i] = r->pol;
	d->pols[i].id = ++d->pol_next_id;
	d->pol_spi[i] = r->tmpl_spi;
	if (install(d, why)) {
		d->npols--;
		return -1;
	}
	return 0;
}

int xs_spd_delete(struct xs_daemon *d, const struct xs_spd_policy *sel,
		  char *why)
{
	struct xs_spd_policy saved;
	uint32_t spi;
	int i = find(d, sel);

	if (i < 0)
		return xs_why(why, "policy delete: no policy with this selector and dir");
	saved = d->pols[i];
	spi = d->pol_spi[i];
	remove_at(d, i);
	if (!install(d, why))
		return 0;
	memmove(&d->pols[i + 1], &d->pols[i], (d->npols - i) * sizeof(*d->pols));
	memmove(&d->pol_spi[i + 1], &d->pol_spi[i], (d->npols - i) * sizeof(*d->pol_spi));
	d->pols[i] = saved;
	d->pol_spi[i] = spi;
	d->npols++;
	return -1;
}

int xs_spd_flush(struct xs_daemon *d, char *why)
{
	d->npols = 0;
	return install(d, why);
}

/*
 * Policy i to its current SA, in place in the active generation (and in
 * the record of what that generation holds: it was compiled from d->pols).
 */
static void relink_at(struct xs_daemon *d, uint32_t i)
{
	struct xs_spd_compiled *held = &d->spd_held[d->spd_gen];
	uint32_t old = d->pols[i].sa_slot, key;

	link_one(d, i);
	if (d->pols[i].sa_slot == old)
		return;
	key = XS_SPD_IDX(d->spd_gen, i);
	if (bpf_map_update_elem(d->fd_spd, &key, &d->pols[i], BPF_EXIST))
		pr_warn("policy %u: cannot update its SA: %s",
			d->pols[i].id, strerror(errno));
	else if (i < held->n_policies)
		held->policies[i].sa_slot = d->pols[i].sa_slot;
}

void xs_spd_relink(struct xs_daemon *d)
{
	uint32_t i;

	xs_kernel_pol_begin(d);
	for (i = 0; i < d->npols; i++)
		relink_at(d, i);
	xs_kernel_pol_prune(d);
}

/*
 * An SA added can only become the SA of the policies whose template it
 * fits, one removed only stop being that of those using it. XFRM policies
 * (kernel backend) are pruned by a full relink only.
 */
void xs_spd_relink_slot(struct xs_daemon *d, uint32_t slot)
{
	const struct xs_spd_policy *p;
	uint32_t i;

	if (d->kernel && (d->kernel->npols ||
			  d->sad[slot].backend == XS_BACKEND_KERNEL)) {
		xs_spd_relink(d);
		return;
	}
	for (i = 0; i < d->npols; i++) {
		p = &d->pols[i];
		if (p->action == XS_SPD_PROTECT &&
		    (p->sa_slot == slot || (d->sas[slot].order &&
					    xs_sai_tmpl_match(d, slot, p, d->pol_spi[i]))))
			relink_at(d, i);
	}
}

static void prefix_str(uint8_t fam, const uint8_t *a, uint8_t len, char *buf,
		       size_t n)
{
	char addr[64];

	xs_addr_str(fam, a, addr, sizeof(addr));
	snprintf(buf, n, "%s/%u", addr, len);
}

static json_t *ports_json(uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (lo == 0 && hi == 65535)
		return json_null();
	snprintf(buf, sizeof(buf), lo == hi ? "%u" : "%u-%u", lo, hi);
	return json_string(buf);
}

static json_t *tmpl_json(const struct xs_daemon *d, uint32_t i)
{
	const struct xs_spd_policy *p = &d->pols[i];
	char src[64] = "", dst[64] = "";

	if (p->tmpl_family) {
		xs_addr_str(p->tmpl_family, p->tmpl_src, src, sizeof(src));
		xs_addr_str(p->tmpl_family, p->tmpl_dst, dst, sizeof(dst));
	}
	return json_pack("{s:s?,s:s?,s:s,s:s,s:i,s:I}",
			 "src", p->tmpl_family ? src : NULL,
			 "dst", p->tmpl_family ? dst : NULL,
			 "proto", p->tmpl_proto == 51 ? "ah" : "esp",
			 "mode", p->tmpl_mode ? "tunnel" : "transport",
			 "reqid", (int)p->reqid, "spi", (json_int_t)d->pol_spi[i]);
}

json_t *xs_spd_json(const struct xs_daemon *d, uint32_t i)
{
	static const char *const acts[] = { "bypass", "discard", "protect" };
	const struct xs_spd_policy *p = &d->pols[i];
	char src[80], dst[80], pbuf[8];
	json_t *o;

	prefix_str(p->family, p->src, p->src_len, src, sizeof(src));
	prefix_str(p->family, p->dst, p->dst_len, dst, sizeof(dst));
	o = json_pack("{s:i,s:s,s:s,s:s?,s:o,s:o,s:s,s:I,s:s}",
		      "id", (int)p->id, "src", src, "dst", dst,
		      "proto", p->proto ? xs_pol_proto_name(p->proto, pbuf, sizeof(pbuf)) : NULL,
		      "sport", ports_json(p->sport_lo, p->sport_hi),
		      "dport", ports_json(p->dport_lo, p->dport_hi),
		      "dir", xs_pol_dir_name(p->dir),
		      "priority", (json_int_t)p->priority,
		      "action", acts[p->action % 3]);
	if (o && p->action == XS_SPD_PROTECT) {
		json_object_set_new(o, "tmpl", tmpl_json(d, i));
		json_object_set_new(o, "sa_slot", p->sa_slot == XS_SA_NONE ?
				    json_null() : json_integer(p->sa_slot));
	}
	return o;
}
