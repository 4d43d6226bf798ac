// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Events from BPF (maps/events.h). An acquire means a packet matched a
 * PROTECT policy without a usable SA and was dropped (no-sa). The daemon
 * counts acquires (status), hands those of trap policies to IKE (which
 * starts the negotiation once) and logs them, coalesced to one line a
 * second so that a flow without an SA cannot flood the log.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "loader/args.h"
#include "bpf/xdp_wan.skel.h"
#include "loader/daemon.h"
#include "loader/ike_glue.h"
#include "maps/events.h"

static int64_t now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct xs_daemon *d = ctx;
	const struct xs_event *ev = data;
	char src[64], dst[64];
	int64_t now;

	if (len < sizeof(*ev) || ev->type != XS_EV_ACQUIRE)
		return 0;
	d->acquires++;
	xs_ike_acquire(d, XS_SPD_IDX_POLICY(ev->policy));
	now = now_sec();
	if (now == d->acquire_logged)
		return 0;
	d->acquire_logged = now;
	xs_addr_str(ev->family, ev->src, src, sizeof(src));
	xs_addr_str(ev->family, ev->dst, dst, sizeof(dst));
	pr_info("acquire: %s -> %s proto %u matched PROTECT policy slot %u without an SA; dropped as no-sa (%llu so far)",
		src, dst, ev->proto, XS_SPD_IDX_POLICY(ev->policy),
		(unsigned long long)d->acquires);
	return 0;
}

int xs_events_open(struct xs_daemon *d, char *why)
{
	d->events = ring_buffer__new(bpf_map__fd(d->wan->maps.xs_events),
				     on_event, d, NULL);
	if (!d->events)
		return xs_why(why, "cannot open the xs_events ring buffer: %s",
			      strerror(errno));
	return 0;
}

void xs_events_poll(struct xs_daemon *d)
{
	if (d->events)
		ring_buffer__consume(d->events);
}

void xs_events_close(struct xs_daemon *d)
{
	ring_buffer__free(d->events);
	d->events = NULL;
}
