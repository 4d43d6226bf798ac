// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's use of the AF_XDP worker (worker/worker.h). The worker runs
 * while a WAN is attached, on the WAN, the LAN (if any) and the worker end
 * of the internal veth, each with its role's xs_xsks range. Keys go to it
 * once, at `state add`; the daemon keeps none, so SAs installed while no
 * worker ran (or before it was restarted) stay keyless until added again.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "loader/daemon.h"
#include "maps/xsk.h"
#include "worker/worker.h"

enum { EVENTS_MAX = 256 };

static const uint8_t if_roles[XS_ROLES] = { XS_IF_WAN, XS_IF_LAN, XS_IF_INTERNAL };

/* Active RX queues of an interface (/sys/class/net/IF/queues/rx-N). */
static int rx_queues(const char *name)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	dir = opendir(path);
	if (!dir)
		return 1;
	while ((e = readdir(dir)))
		n += !strncmp(e->d_name, "rx-", 3);
	closedir(dir);
	return n ? n : 1;
}

static void build_cfg(struct xs_daemon *d, struct xs_worker_cfg *c)
{
	int r, q;

	memset(c, 0, sizeof(*c));
	c->nqueues = XS_QUEUES_MAX;
	for (r = 0; r < XS_ROLES; r++) {
		const struct xs_iface *f = &d->ifs[r];
		struct xs_worker_if *wi = &c->ifs[c->nifs];

		if (!f->ifindex)
			continue;
		snprintf(wi->name, sizeof(wi->name), "%s", f->name);
		wi->ifindex = f->ifindex;
		wi->role = if_roles[r];
		wi->xsk_base = r * XS_QUEUES_MAX;
		c->nifs++;
		q = rx_queues(f->name);
		if (q < c->nqueues)
			c->nqueues = q;
	}
	c->xsks_map_fd = d->fd_xsks;
	c->sadi_map_fd = d->fd_sadi;
	c->sad = d->sad;
	c->sad_slots = d->sad_slots;
}

void xs_glue_stop(struct xs_daemon *d)
{
	uint32_t s;

	if (!d->worker)
		return;
	xs_worker_stop(d->worker);
	d->worker = NULL;
	d->nqueues = 0;
	for (s = 0; s < d->sad_slots; s++)
		d->sas[s].keyed = false;
}

int xs_glue_restart(struct xs_daemon *d, char *why)
{
	struct xs_worker_cfg c;
	const char *w = NULL;
	int ret;

	xs_glue_stop(d);
	if (!d->ifs[XS_ROLE_WAN].ifindex)
		return 0;
	build_cfg(d, &c);
	ret = xs_worker_start(&c, &d->worker, &w);
	if (ret)
		return xs_why(why, "attach: the worker did not start: %s",
			      w ? w : strerror(-ret));
	d->nqueues = c.nqueues;
	pr_info("worker running: %d queue(s) on %d interface(s)%s", c.nqueues, c.nifs,
		d->no_crypto ? ", NO CRYPTO (benchmark only: ESP without encryption or ICV)" : "");
	return 0;
}

int xs_glue_sa_set(struct xs_daemon *d, uint32_t slot,
		   const struct xs_sa_req *r, char *why)
{
	struct xs_sa_cfg cfg;
	const char *w = NULL;
	int ret;

	d->sas[slot].keyed = false;
	if (!d->worker)
		return 0;
	cfg = r->cfg;
	if (d->no_crypto)
		cfg.flags |= XS_SA_BENCH_NO_CRYPTO;
	ret = xs_worker_sa_set(d->worker, slot, &cfg, r->sel, r->nsel, &w);
	xs_wipe(&cfg, sizeof(cfg));
	if (ret)
		return xs_why(why, "state add: the worker refused the SA: %s",
			      w ? w : strerror(-ret));
	d->sas[slot].keyed = true;
	return 0;
}

void xs_glue_sa_clear(struct xs_daemon *d, uint32_t slot)
{
	if (d->worker)
		xs_worker_sa_clear(d->worker, slot);
	d->sas[slot].keyed = false;
}

static uint8_t event_state(uint32_t ev)
{
	if (ev & (XS_EV_HARD_BYTES | XS_EV_HARD_PACKETS | XS_EV_SEQ_EXHAUSTED))
		return XS_SA_DEAD;
	return ev ? XS_SA_DYING : 0;
}

bool xs_glue_events(struct xs_daemon *d)
{
	uint32_t slots[EVENTS_MAX], evs[EVENTS_MAX];
	bool changed = false;
	int i, n;

	if (!d->worker)
		return false;
	n = xs_worker_take_events(d->worker, slots, evs, EVENTS_MAX);
	for (i = 0; i < n; i++) {
		struct xs_sad_entry *e;
		uint8_t st = event_state(evs[i]);

		if (slots[i] >= d->sad_slots || !d->sas[slots[i]].order || !st)
			continue;
		e = &d->sad[slots[i]];
		if (e->state == XS_SA_DEAD || e->state == st)
			continue;
		__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
		pr_info("SA spi 0x%x: %s", e->spi, st == XS_SA_DEAD ?
			"hard limit reached, dead" : "soft limit reached, dying");
		changed = true;
	}
	return changed;
}

json_t *xs_glue_json(struct xs_daemon *d)
{
	struct xs_worker_stats st;
	json_t *drops;
	int i;

	if (!d->worker)
		return json_null();
	xs_worker_stats(d->worker, &st);
	drops = json_object();
	for (i = 1; i < XS_DROP__MAX; i++)
		json_object_set_new(drops, xs_drop_name(i), json_integer(st.drops[i]));
	return json_pack("{s:i,s:b,s:I,s:I,s:I,s:o,s:I,s:I,s:I}",
			 "threads", d->nqueues,
			 "no_crypto", d->no_crypto,
			 "rx", (json_int_t)st.rx, "tx", (json_int_t)st.tx,
			 "sa_events", (json_int_t)st.sa_events, "drops", drops,
			 "xsk_rx_dropped", (json_int_t)st.xsk_rx_dropped,
			 "xsk_rx_ring_full", (json_int_t)st.xsk_rx_ring_full,
			 "reasm_to_kernel", (json_int_t)st.reasm_to_kernel);
}
