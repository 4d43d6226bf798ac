/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The daemon's state: its BPF objects and pinned maps, the interfaces it
 * attached, the SAs (configuration in the mmapped xs_sad, the rest here)
 * and the ordered policy list it compiles into the SPD.
 */
#ifndef XDPSEC_LOADER_DAEMON_H
#define XDPSEC_LOADER_DAEMON_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "loader/pol_parse.h"
#include "loader/sa_parse.h"
#include "loader/spd_compile.h"
#include "loader/xdpsec.h"
#include "maps/sad.h"
#include "maps/spd.h"

enum xs_role {
	XS_ROLE_WAN = 0,		/* wan */
	XS_ROLE_LAN = 1,		/* lan */
	XS_ROLE_INTERNAL = 2,		/* internal: veth peer the worker serves */
	XS_ROLES
};

struct xs_iface {
	char name[IF_NAMESIZE];
	int ifindex;			/* 0: not attached */
	bool generic;			/* XDP in generic (skb) mode */
	bool tc;			/* tc-out on its egress */
};

/* What the daemon keeps per SA besides the xs_sad slot (never keys). */
struct xs_sa_rec {
	uint64_t order;			/* install order; 0: slot unused */
	bool keyed;			/* the running worker has its keys */
	uint8_t nsel;			/* inbound selectors (worker/selector.h) */
	struct xs_sa_sel sel[XS_SA_SEL_MAX];
};

/* Map capacities (limits.c); 0: not given. */
struct xs_limits {
	uint32_t sas;			/* xs_sad / xs_sadi slots */
	uint32_t policies;		/* xs_spd: policies per generation */
};

struct xs_daemon {
	struct xdp_wan *wan;
	struct xdp_lan *lan, *internal;
	struct tc_out *tc;
	int fd_sad, fd_sadi, fd_spd, fd_spdd, fd_spds, fd_cfg, fd_stats,
	    fd_xsks;
	char pin_dir[128];
	struct xs_sad_entry *sad;	/* mmapped xs_sad */
	uint32_t sad_slots;
	struct xs_sa_rec *sas;		/* by slot */
	struct xs_sad_index *sai;	/* sad_index.c */
	uint64_t sa_order;

	struct xs_spd_policy *pols;	/* in insertion order; index = xs_spd */
	uint32_t *pol_spi;		/* template SPI per policy, 0: any */
	uint32_t npols, pol_cap, pol_next_id;
	struct xs_limits limits;	/* what the maps were sized for */
	unsigned int spd_gen;		/* active generation */
	/* What each generation holds in the maps, if known (spd.c). */
	struct xs_spd_compiled spd_held[2];
	bool spd_held_known[2];

	struct xs_iface ifs[XS_ROLES];
	char veth[IF_NAMESIZE];		/* internal pair: stack end */
	struct xs_worker *worker;	/* runs while a WAN is attached */
	int nqueues;
	bool no_crypto;			/* benchmark only: every SA gets
					 * XS_SA_BENCH_NO_CRYPTO */
	uint8_t backend;		/* SAs' default: enum xs_sa_backend */
	struct xs_kernel *kernel;	/* XFRM netlink, NULL: none
					 * (backend_kernel.h) */

	struct ring_buffer *events;	/* xs_events: acquires */
	uint64_t acquires;
	int64_t acquire_logged;		/* CLOCK_MONOTONIC seconds */

	struct xs_ike *ike;		/* loader/ike_glue.h */

	int listen_fd;
	bool stop;
};

/* bpfobj.c APIs: */
int xs_bpf_load(struct xs_daemon *d, char *why);
int xs_bpf_load_tc(struct xs_daemon *d, int tc_ifindex, char *why);
void xs_bpf_unload_tc(struct xs_daemon *d);
void xs_bpf_unload(struct xs_daemon *d);
/* Removes pins left by a previous daemon; how many (-1: error, why set). */
int xs_bpf_unpin_stale(const char *pin_dir, char *why);

/* events.c APIs: */
int xs_events_open(struct xs_daemon *d, char *why);
/* Consume pending events (acquires: counted, logged at most once a second). */
void xs_events_poll(struct xs_daemon *d);
void xs_events_close(struct xs_daemon *d);

/* veth.c APIs: */
/*
 * The internal veth pair, once xdp-lan is on the worker's end: TSO/GSO/GRO
 * off on both ends,
 * accept_local=1 and rp_filter=0 on the stack's end (see veth.c).
 */
int xs_veth_tune(const char *stack_end, const char *worker_end, char *why);

/* attach.c APIs: */
int xs_attach(struct xs_daemon *d, const char *wan, const char *lan,
	      char *why);
/* Detach one interface (by name) or, name NULL, everything. */
int xs_detach(struct xs_daemon *d, const char *name, char *why);
/*
 * Clean up after a daemon that died: detach what its record
 * (/run/xdpsec/NAME.ifs) lists and delete its internal veth.
 */
void xs_detach_stale(void);

/* sad.c APIs: */
int xs_sad_add(struct xs_daemon *d, struct xs_sa_req *r, char *why);
int xs_sad_delete(struct xs_daemon *d, const struct xs_sa_id *id,
		  char *why);
void xs_sad_flush(struct xs_daemon *d);
/* Once a second: apply the time lifetimes. */
void xs_sad_tick(struct xs_daemon *d);

/* sad_index.c APIs (indexes over the slots holding an SA): */
int xs_sai_init(struct xs_daemon *d);
void xs_sai_fini(struct xs_daemon *d);
/* Slot's SA (entry and record filled in) in, out (before it is cleared). */
void xs_sai_insert(struct xs_daemon *d, uint32_t slot);
void xs_sai_remove(struct xs_daemon *d, uint32_t slot);
/* The lowest slot with no SA and an empty entry, or XS_SA_NONE. */
uint32_t xs_sai_free_slot(struct xs_daemon *d);
/* The first slot from `from` on that holds an SA, or XS_SA_NONE. */
uint32_t xs_sai_next(const struct xs_daemon *d, uint32_t from);
/* Does an SA of proto use spi (any destination)? */
bool xs_sad_spi_used(const struct xs_daemon *d, uint8_t proto, uint32_t spi);
/* Does slot's SA fit PROTECT policy p's template (SPI spi, 0: any)? */
bool xs_sai_tmpl_match(const struct xs_daemon *d, uint32_t slot,
		       const struct xs_spd_policy *p, uint32_t spi);
/* The slot of SA id (src, if given, must match too), or XS_SA_NONE. */
uint32_t xs_sad_find(const struct xs_daemon *d, const struct xs_sa_id *id);
uint32_t xs_sad_count(const struct xs_daemon *d);
/* The newest usable SA for a PROTECT policy's template, or XS_SA_NONE. */
uint32_t xs_sad_for_policy(const struct xs_daemon *d,
			   const struct xs_spd_policy *p, uint32_t spi);

/* spd.c APIs: */
int xs_spd_add(struct xs_daemon *d, const struct xs_pol_req *r, char *why);
int xs_spd_delete(struct xs_daemon *d, const struct xs_spd_policy *sel,
		  char *why);
int xs_spd_flush(struct xs_daemon *d, char *why);
/* After an SA change: point every PROTECT policy at its current SA. */
void xs_spd_relink(struct xs_daemon *d);
/* After slot's SA was added or removed: only the policies it may concern. */
void xs_spd_relink_slot(struct xs_daemon *d, uint32_t slot);
json_t *xs_spd_json(const struct xs_daemon *d, uint32_t i);

/* worker_glue.c APIs: */
/* (Re)start the worker on the attached interfaces (stop it if no WAN). */
int xs_glue_restart(struct xs_daemon *d, char *why);
void xs_glue_stop(struct xs_daemon *d);
/*
 * Give a slot's keys and selector to the worker (none running: the SA
 * stays keyless).
 */
int xs_glue_sa_set(struct xs_daemon *d, uint32_t slot,
		   const struct xs_sa_req *r, char *why);
void xs_glue_sa_clear(struct xs_daemon *d, uint32_t slot);
/* Lifetime events of the worker -> slot states DYING/DEAD. */
bool xs_glue_events(struct xs_daemon *d);
json_t *xs_glue_json(struct xs_daemon *d);

/* conf.c APIs: */
/* Apply a configuration file: attach, then replace SAs and policies. */
int xs_conf_load(struct xs_daemon *d, const char *file, char *why);
/* Only the file's limits (before the maps exist); all of it is checked. */
int xs_conf_limits(const char *file, struct xs_limits *l, char *why);

/* limits.c APIs: */
/* key sas or policies, val 1 to the largest allowed. */
int xs_limits_parse(const char *key, const char *val, struct xs_limits *l,
		    char *why);
/* Command line l and config conf must agree; then fill in the defaults. */
int xs_limits_merge(struct xs_limits *l, const struct xs_limits *conf,
		    char *why);
/* A configuration loaded later must not ask for other sizes. */
int xs_limits_running(const struct xs_limits *run, const struct xs_limits *conf,
		      char *why);

/* daemon.c APIs: */
/* no_crypto: benchmark only (daemon --bench-no-crypto), see struct xs_daemon. */
int xs_daemon_main(const char *conf, bool foreground, bool no_crypto,
		   uint8_t backend, const struct xs_limits *limits);

/* control.c APIs (daemon side): */
int xs_ctl_listen(const char *path, char *why);
void xs_ctl_serve(struct xs_daemon *d, int lfd);

#endif
