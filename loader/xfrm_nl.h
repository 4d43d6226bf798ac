/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The kernel's XFRM over netlink (xfrm_user), for the kernel backend
 * (backend_kernel.c): SAs and policies in, counters out. One request at a
 * time on one socket; every answer is parsed with its lengths checked
 * against the message. Requests that carry keys are wiped once sent, and
 * errors come back without the request (NETLINK_CAP_ACK); SA dumps carry
 * every SA's keys (the kernel has no dump without them), so the receive
 * buffer is wiped as well.
 */
#ifndef XDPSEC_LOADER_XFRM_NL_H
#define XDPSEC_LOADER_XFRM_NL_H

#include <stdbool.h>
#include <stdint.h>

#include "loader/sa_parse.h"
#include "maps/spd.h"

enum {
	XS_XFRM_REPLAY_MAX = 4096,	/* XFRMA_REPLAY_ESN_MAX, in packets */
	XS_XFRM_EXT_MAX = 128,		/* the kernel's extended ack message */
};

struct xs_xfrm {
	int fd;
	uint32_t seq;
	char ext[XS_XFRM_EXT_MAX];	/* last error's message, "" if none */
};

/* An SA for XFRM_MSG_NEWSA. */
struct xs_xfrm_sa {
	const struct xs_sa_req *r;	/* configuration with keys, selector,
					 * time limits */
	uint32_t reqid;			/* the kernel's (backend_kernel.c) */
	int offload_ifindex;		/* r->offload: the device */
};

/* An SA's identity in XFRM. */
struct xs_xfrm_id {
	uint8_t family, proto;
	uint32_t spi;
	uint8_t dst[16];
};

/* What XFRM reports about one SA. */
struct xs_xfrm_cur {
	struct xs_xfrm_id id;
	uint32_t reqid;
	uint64_t packets, bytes;
	uint64_t use_time;		/* seconds; 0: never used */
	uint64_t drops;			/* replay, window and ICV failures */
	uint64_t oseq, seq;		/* last number sent, highest received */
};

/* A PROTECT policy for XFRM: selector, dir and priority, one template. */
struct xs_xfrm_pol {
	const struct xs_spd_policy *p;
	uint8_t tmpl_family, tmpl_proto, tmpl_mode;
	uint8_t tmpl_src[16], tmpl_dst[16];	/* tunnel endpoints */
	uint32_t tmpl_reqid, tmpl_spi;		/* 0: any */
	int offload_ifindex;			/* packet offload, 0: none */
	bool offload_in;
};

typedef void (*xs_xfrm_sa_cb)(const struct xs_xfrm_cur *c, void *arg);

/* 0 or -errno (-EPROTONOSUPPORT: no xfrm_user). */
int xs_xfrm_open(struct xs_xfrm *x);
void xs_xfrm_close(struct xs_xfrm *x);

/* 0 or -errno; -EOPNOTSUPP: Linux has no such transform (x->ext says). */
int xs_xfrm_sa_add(struct xs_xfrm *x, const struct xs_xfrm_sa *sa);
int xs_xfrm_sa_del(struct xs_xfrm *x, const struct xs_xfrm_id *id);
/* Every SA in XFRM (any owner) to cb: 0 or -errno. */
int xs_xfrm_sa_dump(struct xs_xfrm *x, xs_xfrm_sa_cb cb, void *arg);

/* update: replace the policy with the same selector and dir. -ERANGE: a
 * port range XFRM cannot express (a port with a prefix mask only). */
int xs_xfrm_pol_set(struct xs_xfrm *x, const struct xs_xfrm_pol *pol,
		    bool update);
int xs_xfrm_pol_del(struct xs_xfrm *x, const struct xs_spd_policy *p);

/*
 * Delete every SA whose reqid, and every policy with a template whose
 * reqid, is in [lo, hi]: how many were deleted, or -errno.
 */
int xs_xfrm_purge(struct xs_xfrm *x, uint32_t lo, uint32_t hi);

#endif
