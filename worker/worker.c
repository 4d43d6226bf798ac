// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The worker's threads and its API (worker.h).
 *
 * Each thread loops: top up the fill rings, take up to XS_WK_BATCH frames
 * from each socket, kick TX and reap completions, publish the SAs it used,
 * then bump its quiescent counter. When a pass found nothing it sleeps in
 * poll() for at most XS_WK_POLL_MS, so stop and grace periods are prompt.
 *
 * SA replacement: the control side swaps the slot's pointer, waits until
 * every running thread's quiescent counter has moved (no thread can still
 * hold the old SA: they take it at most once per pass), collects the old
 * SA's last events and frees it. A thread sleeping in poll() between passes
 * is quiescent already (its idle flag), so the wait only lasts while some
 * thread is in the middle of a pass.
 *
 * A monitor thread turns rtnetlink notifications into a new next-hop
 * generation (nexthop.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wk.h"

static _Thread_local char why_buf[160];

static int thread_pass(struct xs_wthread *t)
{
	uint32_t n, i, idx, got = 0;
	struct xs_wsock *s;
	int k;

	for (k = 0; k < t->nsocks; k++)
		xs_wsock_refill(t, &t->socks[k]);
	for (k = 0; k < t->nsocks; k++) {
		s = &t->socks[k];
		n = xsk_ring_cons__peek(&s->rx, XS_WK_BATCH, &idx);
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);

			xs_wk_frame(t, s, d->addr, d->len);
		}
		if (n)
			xsk_ring_cons__release(&s->rx, n);
		got += n;
	}
	for (k = 0; k < t->nsocks; k++) {
		xs_wsock_flush(t, &t->socks[k]);
		xs_wsock_complete(t, &t->socks[k]);
	}
	xs_wk_publish(t);
	return (int)got;
}

static void thread_idle(struct xs_wthread *t)
{
	struct pollfd p[XS_WORKER_MAX_IFS];
	int k;

	for (k = 0; k < t->nsocks; k++) {
		p[k].fd = t->socks[k].fd;
		p[k].events = POLLIN;
	}
	poll(p, (nfds_t)t->nsocks, XS_WK_POLL_MS);
}

static void *thread_main(void *arg)
{
	struct xs_wthread *t = arg;

	while (!atomic_load_explicit(&t->w->stop, memory_order_relaxed)) {
		int got = thread_pass(t);

		atomic_fetch_add_explicit(&t->quiescent, 1, memory_order_release);
		if (got)
			continue;
		atomic_store_explicit(&t->idle, true, memory_order_release);
		thread_idle(t);
		/* Pairs with grace()'s fence: see the new slots, or be waited for. */
		atomic_store_explicit(&t->idle, false, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
	}
	return NULL;
}

static void *monitor_main(void *arg)
{
	struct xs_worker *w = arg;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed))
		xs_nh_monitor_poll(&w->mon, XS_WK_POLL_MS * 10);
	return NULL;
}

/*
 * Wait until no thread can still hold an SA it read before the call: each
 * running thread is idle (after the fence: it reads the slots anew when it
 * wakes up) or has finished the pass it was in.
 */
static void grace(struct xs_worker *w)
{
	struct timespec pause = { .tv_nsec = 50000 };
	uint64_t seen[XS_QUEUES_MAX];
	bool busy[XS_QUEUES_MAX];
	int q;

	atomic_thread_fence(memory_order_seq_cst);
	for (q = 0; q < w->cfg.nqueues; q++) {
		seen[q] = atomic_load_explicit(&w->th[q].quiescent,
					       memory_order_acquire);
		busy[q] = !atomic_load_explicit(&w->th[q].idle,
						memory_order_acquire);
	}
	for (q = 0; q < w->cfg.nqueues; q++)
		while (busy[q] && w->th[q].running &&
		       atomic_load_explicit(&w->th[q].quiescent,
					    memory_order_acquire) == seen[q])
			nanosleep(&pause, NULL);
}

void xs_wk_event(struct xs_worker *w, uint32_t slot, uint32_t bits)
{
	int i;

	atomic_fetch_add_explicit(&w->sa_events, 1, memory_order_relaxed);
	pthread_mutex_lock(&w->ctl);
	for (i = 0; i < w->nev && w->ev_slot[i] != slot; i++)
		;
	if (i < w->nev) {
		w->ev_bits[i] |= bits;
	} else if (w->nev < XS_WK_EVENTS) {
		w->ev_slot[w->nev] = slot;
		w->ev_bits[w->nev++] = bits;
	}
	pthread_mutex_unlock(&w->ctl);
}

/* Swap a slot under the control lock, free the old SA after a grace. */
static void replace(struct xs_worker *w, uint32_t slot, struct xs_wsa *nw)
{
	struct xs_wsa *old;
	uint32_t ev;

	pthread_mutex_lock(&w->ctl);
	old = xs_sat_swap(&w->sat, slot, nw);
	pthread_mutex_unlock(&w->ctl);
	if (!old)
		return;
	grace(w);
	ev = xs_sa_take_events(old->sa);
	if (ev)
		xs_wk_event(w, slot, ev);
	xs_wsa_free(old);
}

int xs_worker_sa_set(struct xs_worker *w, uint32_t slot,
		     const struct xs_sa_cfg *cfg, const struct xs_sa_sel *sel,
		     unsigned int nsel, const char **why)
{
	struct xs_wsa *nw;
	unsigned int i;
	int ret;

	if (slot >= w->sat.n) {
		*why = "SA slot out of range";
		return -ERANGE;
	}
	if (nsel > XS_SA_SEL_MAX) {
		*why = "too many selectors";
		return -EINVAL;
	}
	for (i = 0; i < nsel; i++)
		if (!xs_sel_valid(&sel[i], why))
			return -EINVAL;
	ret = xs_wsa_new(cfg, sel, nsel, slot, &nw, why);
	if (ret)
		return ret;
	replace(w, slot, nw);
	return 0;
}

void xs_worker_sa_clear(struct xs_worker *w, uint32_t slot)
{
	if (slot < w->sat.n)
		replace(w, slot, NULL);
}

int xs_worker_take_events(struct xs_worker *w, uint32_t *slots,
			  uint32_t *events, int max)
{
	int n;

	pthread_mutex_lock(&w->ctl);
	n = w->nev < max ? w->nev : max;
	memcpy(slots, w->ev_slot, (size_t)n * sizeof(*slots));
	memcpy(events, w->ev_bits, (size_t)n * sizeof(*events));
	memmove(w->ev_slot, w->ev_slot + n, (size_t)(w->nev - n) * sizeof(*slots));
	memmove(w->ev_bits, w->ev_bits + n, (size_t)(w->nev - n) * sizeof(*events));
	w->nev -= n;
	pthread_mutex_unlock(&w->ctl);
	return n;
}

void xs_worker_stats(struct xs_worker *w, struct xs_worker_stats *out)
{
	int q, i;

	memset(out, 0, sizeof(*out));
	for (q = 0; q < w->cfg.nqueues; q++) {
		const struct xs_wstats *s = &w->th[q].st;

		out->rx += __atomic_load_n(&s->rx, __ATOMIC_RELAXED);
		out->tx += __atomic_load_n(&s->tx, __ATOMIC_RELAXED);
		out->reasm_to_kernel += __atomic_load_n(&s->reasm_to_kernel,
							__ATOMIC_RELAXED);
		for (i = 0; i < XS_DROP__MAX; i++)
			out->drops[i] += __atomic_load_n(&s->drops[i],
							 __ATOMIC_RELAXED);
		for (i = 0; i < w->th[q].nsocks; i++)
			xs_wsock_kstats(&w->th[q].socks[i], out);
	}
	out->sa_events = atomic_load(&w->sa_events);
}

static int check_cfg(const struct xs_worker_cfg *c, const char **why)
{
	int i;

	if (c->nifs < 1 || c->nifs > XS_WORKER_MAX_IFS) {
		*why = "worker: 1 to 4 interfaces";
		return -EINVAL;
	}
	if (c->nqueues < 1 || c->nqueues > XS_QUEUES_MAX) {
		*why = "worker: 1 to 64 queues";
		return -EINVAL;
	}
	if (!c->sad || !c->sad_slots || c->xsks_map_fd < 0) {
		*why = "worker: no SAD mapping or no xs_xsks map";
		return -EINVAL;
	}
	for (i = 0; i < c->nifs; i++) {
		if (c->ifs[i].xsk_base + (uint32_t)c->nqueues > XS_XSK_SLOTS ||
		    c->ifs[i].role > XS_IF_INTERNAL) {
			snprintf(why_buf, sizeof(why_buf),
				 "%s: bad xsk_base or role", c->ifs[i].name);
			*why = why_buf;
			return -EINVAL;
		}
	}
	return 0;
}

static int resolve_ifs(struct xs_worker *w, const char **why)
{
	struct xs_worker_if *wif;
	int i;

	for (i = 0; i < w->cfg.nifs; i++) {
		wif = &w->cfg.ifs[i];
		wif->name[IF_NAMESIZE - 1] = 0;
		if (!wif->ifindex)
			wif->ifindex = (int)if_nametoindex(wif->name);
		else if (!wif->name[0])
			if_indextoname((unsigned)wif->ifindex, wif->name);
		if (!wif->ifindex || !wif->name[0]) {
			snprintf(why_buf, sizeof(why_buf), "%s: no such interface",
				 wif->name[0] ? wif->name : "(unnamed)");
			*why = why_buf;
			return -ENODEV;
		}
	}
	return 0;
}

static int setup_thread(struct xs_worker *w, int q, uint32_t per_thread,
			const char **why)
{
	struct xs_wthread *t = &w->th[q];
	int i, ret;

	t->w = w;
	t->queue = q;
	xs_reasm_init(t);
	ret = xs_frames_init(&t->frames, (uint64_t)q * per_thread, per_thread);
	if (!ret)
		ret = xs_nh_cache_new(&w->mon, &t->nh);
	if (ret) {
		*why = "worker: out of memory or no rtnetlink socket";
		return ret;
	}
	for (i = 0; i < w->cfg.nifs; i++) {
		ret = xs_wsock_open(w, t, i, why);
		t->nsocks = i + 1;		/* closed by xs_worker_stop */
		if (ret)
			return ret;
	}
	return 0;
}

static int setup(struct xs_worker *w, const char **why)
{
	uint32_t total = w->cfg.frames, per_thread;
	int q, ret;

	if (!total)
		total = (uint32_t)(w->cfg.nifs * w->cfg.nqueues) *
			XS_WK_FRAMES_PER_SOCK;
	per_thread = total / (uint32_t)w->cfg.nqueues;
	if (per_thread < (uint32_t)w->cfg.nifs * XS_WK_RING) {
		*why = "worker: too few UMEM frames for the rings";
		return -EINVAL;
	}
	ret = xs_umem_create(&w->umem, per_thread * (uint32_t)w->cfg.nqueues, why);
	if (ret)
		return ret;
	for (q = 0; q < w->cfg.nqueues; q++) {
		ret = setup_thread(w, q, per_thread, why);
		if (ret)
			return ret;
	}
	return 0;
}

/* Undo setup(): sockets (out of xs_xsks), caches, frames, the UMEM. */
static void teardown(struct xs_worker *w)
{
	int q, k;

	for (q = 0; q < w->cfg.nqueues; q++) {
		struct xs_wthread *t = &w->th[q];

		for (k = 0; k < t->nsocks; k++)
			xs_wsock_close(w, &t->socks[k]);
		t->nsocks = 0;
		if (t->frames.addr)
			xs_reasm_fini(t);
		xs_nh_cache_free(t->nh);
		t->nh = NULL;
		xs_frames_fini(&t->frames);
	}
	xs_umem_destroy(&w->umem);
}

/*
 * A queue whose socket was closed a moment ago (a restart) stays busy
 * until the kernel's deferred buffer-pool release has run: on EBUSY, undo
 * everything (libxdp cannot retry a bind on the UMEM's own socket) and
 * try again a little later.
 */
static int setup_retry(struct xs_worker *w, const char **why)
{
	struct timespec pause = { .tv_nsec = 10000000 };
	int ret, tries;

	for (tries = 0; tries < XS_WK_BUSY_TRIES; tries++) {
		ret = setup(w, why);
		if (ret != -EBUSY)
			break;
		teardown(w);
		nanosleep(&pause, NULL);
	}
	return ret;
}

static int start_threads(struct xs_worker *w, const char **why)
{
	int q, ret;

	ret = pthread_create(&w->mon_tid, NULL, monitor_main, w);
	if (ret) {
		*why = "worker: cannot start the next-hop monitor thread";
		return -ret;
	}
	w->mon_running = true;
	for (q = 0; q < w->cfg.nqueues; q++) {
		ret = pthread_create(&w->th[q].tid, NULL, thread_main, &w->th[q]);
		if (ret) {
			*why = "worker: cannot start a queue thread";
			return -ret;
		}
		w->th[q].running = true;
	}
	return 0;
}

int xs_worker_start(const struct xs_worker_cfg *cfg, struct xs_worker **out,
		    const char **why)
{
	struct xs_worker *w;
	int ret;

	*out = NULL;
	ret = check_cfg(cfg, why);
	if (ret)
		return ret;
	w = calloc(1, sizeof(*w));
	if (w)
		w->th = calloc((size_t)cfg->nqueues, sizeof(*w->th));
	if (!w || !w->th) {
		free(w);
		*why = "worker: out of memory";
		return -ENOMEM;
	}
	w->cfg = *cfg;
	w->mon.fd = -1;
	pthread_mutex_init(&w->ctl, NULL);
	ret = resolve_ifs(w, why);
	if (!ret && xs_sat_init(&w->sat, cfg->sad_slots)) {
		*why = "worker: out of memory for the SA table";
		ret = -ENOMEM;
	}
	if (!ret && (ret = xs_nh_monitor_open(&w->mon)))
		*why = "worker: cannot subscribe to rtnetlink changes";
	if (!ret)
		ret = setup_retry(w, why);
	if (!ret)
		ret = start_threads(w, why);
	if (ret) {
		xs_worker_stop(w);
		return ret;
	}
	*out = w;
	return 0;
}

void xs_worker_stop(struct xs_worker *w)
{
	int q;

	if (!w)
		return;
	atomic_store(&w->stop, true);
	for (q = 0; q < w->cfg.nqueues; q++)
		if (w->th[q].running)
			pthread_join(w->th[q].tid, NULL);
	for (q = 0; q < w->cfg.nqueues; q++)
		w->th[q].running = false;
	if (w->mon_running)
		pthread_join(w->mon_tid, NULL);
	teardown(w);
	xs_sat_fini(&w->sat);
	xs_nh_monitor_close(&w->mon);
	pthread_mutex_destroy(&w->ctl);
	free(w->th);
	free(w);
}
