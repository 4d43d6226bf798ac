/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The kernel backend: SAs whose crypto the kernel's XFRM does. Their SAD
 * slots carry XS_BACKEND_KERNEL, so the BPF programs hand their packets to
 * the stack (ESP in, PROTECT traffic out), where XFRM transforms them. The
 * SA goes into XFRM before its slot becomes usable; a PROTECT policy whose
 * SA is kernel-backed goes into XFRM before the SPD points at that SA, and
 * leaves XFRM after the SPD stopped pointing at it: the stack never sees
 * traffic to protect without its XFRM policy.
 *
 * Everything the daemon puts into XFRM carries a reqid of the instance's
 * own range (XS_KREQID_*), which is how a restarted daemon finds and
 * deletes what a killed one left, and never touches anyone else's state.
 */
#ifndef XDPSEC_LOADER_BACKEND_KERNEL_H
#define XDPSEC_LOADER_BACKEND_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "loader/sa_parse.h"
#include "loader/xfrm_nl.h"
#include "maps/spd.h"

struct xs_daemon;

/*
 * Kernel reqid = XS_KREQID_BASE | instance tag << 16 | our reqid, the tag
 * a hash of the instance name (8 bits): reqids of kernel SAs are at most
 * XS_KREQID_USER_MAX.
 */
enum {
	XS_KREQID_BASE = 0x58000000,
	XS_KREQID_USER_MAX = 0xffff,
};

/* What is installed in XFRM for one policy. */
struct xs_kpol {
	struct xs_spd_policy sel;	/* selector, dir, priority */
	struct xs_xfrm_pol x;		/* its template (x.p: &sel) */
	bool used;			/* still linked in this round */
};

struct xs_kslot {
	uint32_t slot;
	int sock;			/* encap socket index, -1: none */
	bool seen;			/* in this tick's dump */
	bool packet_offload;		/* its policies need the device too */
	bool offload_in;
	int offload_ifindex;
};

struct xs_encap_sock {
	int fd;
	uint8_t family;
	uint16_t port;
	uint32_t refs;
};

enum { XS_KERNEL_SOCKS = 16 };

struct xs_kernel {
	struct xs_xfrm x;
	uint32_t reqid_lo;		/* the instance's range */
	bool probed;
	uint32_t have;			/* probe results, bits of probes[] */
	int probe_err[32];		/* -errno per probe */
	struct xs_kslot *slots;		/* kernel-backed SAs */
	uint32_t nslots, slot_cap;
	struct xs_kpol *pols;		/* XFRM policies we installed */
	uint32_t npols, pol_cap;
	struct xs_encap_sock socks[XS_KERNEL_SOCKS];
};

/* backend_kernel.c APIs: */
/* A duplicate descriptor of our ESP-in-UDP socket of family on port (for
 * IKE, which then shares it), -1 if we have none. */
int xs_kernel_encap_dup(const struct xs_daemon *d, int family, uint16_t port);
/*
 * At start: open XFRM netlink (if the kernel has it) and delete what a
 * killed predecessor of this instance left there.
 */
void xs_kernel_open(struct xs_daemon *d);
/* At stop: delete all our SAs and policies from XFRM. */
void xs_kernel_close(struct xs_daemon *d);
/* The instance's backend; kernel: probe the kernel first (why: what lacks). */
int xs_kernel_backend_set(struct xs_daemon *d, uint8_t backend, char *why);
/* The kernel's reqid for ours. */
uint32_t xs_kernel_reqid(const struct xs_daemon *d, uint32_t reqid);
/*
 * Can SA r go in, its backend r's own or else backend? kernel: the probe
 * found what it needs and XFRM can express it; afxdp: no offload.
 */
int xs_kernel_sa_check(struct xs_daemon *d, const struct xs_sa_req *r,
		       uint8_t backend, char *why);
/* Install r (keys included, checked) in XFRM for slot. */
int xs_kernel_sa_add(struct xs_daemon *d, uint32_t slot,
		     const struct xs_sa_req *r, char *why);
void xs_kernel_sa_del(struct xs_daemon *d, uint32_t slot);
/* The record of a kernel-backed slot, NULL if it is not one. */
struct xs_kslot *xs_kernel_slot(struct xs_kernel *k, uint32_t slot);
/* Once a second: counters and lifetimes from XFRM. true: a state changed. */
bool xs_kernel_tick(struct xs_daemon *d);
json_t *xs_kernel_json(const struct xs_daemon *d);

/* kernel_pol.c APIs: */
/* Before linking every policy anew. */
void xs_kernel_pol_begin(struct xs_daemon *d);
/*
 * PROTECT policy p (template SPI spi) is to use slot: if the slot is
 * kernel-backed, have the policy in XFRM; the slot to link, XS_SA_NONE if
 * XFRM refused (traffic is dropped, not leaked).
 */
uint32_t xs_kernel_pol_link(struct xs_daemon *d, const struct xs_spd_policy *p,
			    uint32_t spi, uint32_t slot);
/* After the SPD no longer points at them: delete the unlinked ones. */
void xs_kernel_pol_prune(struct xs_daemon *d);

#endif
