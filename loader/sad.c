// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's side of the SAD (maps/sad.h): slots in the mmapped xs_sad,
 * the inbound index xs_sadi, the install/delete order the BPF programs and
 * the worker rely on. Keys pass through to the worker and are wiped by the
 * caller; nothing here stores them.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "loader/args.h"
#include "loader/backend_kernel.h"
#include "loader/daemon.h"
#include "maps/types.h"

/* Is addr one of this host's addresses (in this network namespace)? */
static bool addr_is_local(uint8_t family, const uint8_t *addr)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		if (family == XS_AF_INET)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
					addr, 4);
		else
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					addr, 16);
	}
	freeifaddrs(ifa);
	return found;
}

static void fill_slot(struct xs_sad_entry *e, const struct xs_sa_req *r,
		      uint8_t backend)
{
	const struct xs_sa_cfg *c = &r->cfg;

	memset(e, 0, sizeof(*e));
	e->spi = c->spi;
	e->state = XS_SA_LARVAL;
	e->dir = c->dir;
	e->proto = c->proto;
	e->mode = c->mode;
	e->family = c->family;
	e->backend = backend;
	e->encap_sport = c->encap_sport;
	e->encap_dport = c->encap_dport;
	e->enc = c->enc;
	e->integ = c->integ;
	e->flags = c->flags;
	e->reqid = r->reqid;
	e->replay_window = c->replay_window;
	memcpy(e->src, c->src, 16);
	memcpy(e->dst, c->dst, 16);
	e->add_time = time(NULL);
	e->soft_add_sec = r->soft_add_sec;
	e->hard_add_sec = r->hard_add_sec;
	e->soft_bytes = c->soft_bytes;
	e->hard_bytes = c->hard_bytes;
	e->soft_packets = c->soft_packets;
	e->hard_packets = c->hard_packets;
}

static void keep_rec(struct xs_daemon *d, uint32_t slot,
		     const struct xs_sa_req *r)
{
	struct xs_sa_rec *rec = &d->sas[slot];

	rec->order = ++d->sa_order;
	rec->nsel = r->nsel;
	memcpy(rec->sel, r->sel, sizeof(rec->sel));
}

static int index_add(struct xs_daemon *d, uint32_t slot, char *why)
{
	const struct xs_sad_entry *e = &d->sad[slot];
	struct xs_sad_key k = { .spi = e->spi, .proto = e->proto,
				.family = e->family };

	memcpy(k.dst, e->dst, 16);
	if (bpf_map_update_elem(d->fd_sadi, &k, &slot, BPF_NOEXIST))
		return xs_why(why, "state add: cannot index the SA in xs_sadi: %s",
			      strerror(errno));
	return 0;
}

static void index_del(struct xs_daemon *d, uint32_t slot)
{
	const struct xs_sad_entry *e = &d->sad[slot];
	struct xs_sad_key k = { .spi = e->spi, .proto = e->proto,
				.family = e->family };

	memcpy(k.dst, e->dst, 16);
	bpf_map_delete_elem(d->fd_sadi, &k);
}

/* Keys to the worker, or the SA into XFRM (kernel backend). */
static int keys_set(struct xs_daemon *d, uint32_t slot,
		    const struct xs_sa_req *r, char *why)
{
	if (d->sad[slot].backend == XS_BACKEND_KERNEL)
		return xs_kernel_sa_add(d, slot, r, why);
	return xs_glue_sa_set(d, slot, r, why);
}

static void keys_clear(struct xs_daemon *d, uint32_t slot)
{
	if (d->sad[slot].backend == XS_BACKEND_KERNEL)
		xs_kernel_sa_del(d, slot);
	else
		xs_glue_sa_clear(d, slot);
}

/* Install: slot LARVAL, keys to the worker or XFRM, MATURE, the index. */
int xs_sad_add(struct xs_daemon *d, struct xs_sa_req *r, char *why)
{
	struct xs_sa_id id = { .family = r->cfg.family, .proto = r->cfg.proto,
			       .spi = r->cfg.spi };
	struct xs_sad_entry *e;
	uint32_t slot;

	if (r->cfg.dir == XS_DIR_AUTO)
		r->cfg.dir = addr_is_local(r->cfg.family, r->cfg.src) ?
			     XS_DIR_OUT : XS_DIR_IN;
	if (xs_sa_validate(r, why) || xs_kernel_sa_check(d, r, d->backend, why))
		return -1;
	memcpy(id.dst, r->cfg.dst, 16);
	if (xs_sad_find(d, &id) != XS_SA_NONE)
		return xs_why(why, "state add: an SA with this dst, proto and spi 0x%x exists already",
			      id.spi);
	slot = xs_sai_free_slot(d);
	if (slot == XS_SA_NONE)
		return xs_why(why, "state add: the SAD is full (%u slots; limits sas)", d->sad_slots);
	e = &d->sad[slot];
	fill_slot(e, r, r->backend_set ? r->backend : d->backend);
	if (keys_set(d, slot, r, why)) {
		memset(e, 0, sizeof(*e));
		return -1;
	}
	__atomic_store_n(&e->state, XS_SA_MATURE, __ATOMIC_RELEASE);
	if (r->cfg.dir == XS_DIR_IN && index_add(d, slot, why)) {
		keys_clear(d, slot);
		memset(e, 0, sizeof(*e));
		return -1;
	}
	keep_rec(d, slot, r);
	xs_sai_insert(d, slot);
	xs_spd_relink_slot(d, slot);
	return 0;
}

static void remove_slot(struct xs_daemon *d, uint32_t slot)
{
	xs_sai_remove(d, slot);
	if (d->sad[slot].dir == XS_DIR_IN)
		index_del(d, slot);
	keys_clear(d, slot);
	memset(&d->sad[slot], 0, sizeof(d->sad[slot]));
	memset(&d->sas[slot], 0, sizeof(d->sas[slot]));
}

/* Delete: the index entry first, then the slot. */
int xs_sad_delete(struct xs_daemon *d, const struct xs_sa_id *id, char *why)
{
	uint32_t slot = xs_sad_find(d, id);

	if (slot == XS_SA_NONE)
		return xs_why(why, "state: no such SA (proto %s spi 0x%x)",
			      id->proto == XS_PROTO_AH ? "ah" : "esp", id->spi);
	remove_slot(d, slot);
	xs_spd_relink_slot(d, slot);
	return 0;
}

void xs_sad_flush(struct xs_daemon *d)
{
	uint32_t s;

	for (s = xs_sai_next(d, 0); s != XS_SA_NONE; s = xs_sai_next(d, s + 1))
		remove_slot(d, s);
	xs_spd_relink(d);
}

/*
 * Time lifetimes (the worker counts bytes and packets, XFRM those of
 * kernel-backed SAs): DYING, DEAD.
 */
void xs_sad_tick(struct xs_daemon *d)
{
	uint64_t now = time(NULL);
	bool changed = xs_glue_events(d);
	uint32_t s;

	if (xs_kernel_tick(d))	/* kernel SAs: counters and limits from XFRM */
		changed = true;
	for (s = xs_sai_next(d, 0); s != XS_SA_NONE; s = xs_sai_next(d, s + 1)) {
		struct xs_sad_entry *e = &d->sad[s];
		uint8_t st = e->state;

		if (st == XS_SA_DEAD)
			continue;
		if (e->hard_add_sec && now >= e->add_time + e->hard_add_sec)
			st = XS_SA_DEAD;
		else if (e->soft_add_sec && now >= e->add_time + e->soft_add_sec)
			st = XS_SA_DYING;
		if (st == e->state)
			continue;
		__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
		pr_info("SA spi 0x%x: %s", e->spi, st == XS_SA_DEAD ?
			"hard lifetime reached, dead" : "soft lifetime reached, dying");
		changed = true;
	}
	if (changed)
		xs_spd_relink(d);
}
