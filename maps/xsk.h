/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * AF_XDP sockets of the workers, and what BPF tells a worker about each
 * frame it hands over.
 *
 * The kernel delivers a redirected frame only to a socket bound to the
 * device and queue it arrived on, so the slot is the program's
 * xs_xsk_base (one range of XS_QUEUES_MAX slots per interface, set by the
 * loader in rodata) plus the receive queue. An empty slot means no worker:
 * PROTECT and IPsec traffic is then dropped, never passed in plaintext.
 *
 * xs_meta sits in the XDP metadata area just before the frame (AF_XDP
 * copies it into the UMEM in front of the packet), so the worker starts
 * from the SA slot BPF found and does not look anything up again.
 */
#ifndef XDPSEC_MAPS_XSK_H
#define XDPSEC_MAPS_XSK_H

#include "types.h"

enum {
	XS_QUEUES_MAX = 64,		/* queues per interface */
	XS_XSK_SLOTS = 4 * XS_QUEUES_MAX,	/* four interfaces per instance */
	XS_META_MAGIC = 0x7853,		/* "xS" */
};

enum xs_meta_kind {
	XS_META_INBOUND = 1,		/* ESP/AH to decrypt with sa_slot */
	XS_META_OUTBOUND = 2,		/* plaintext to protect with sa_slot */
	XS_META_FRAGMENT = 3,		/* outer ESP/AH fragment: reassemble first */
};

struct xs_meta {
	__u32 sa_slot;			/* index in xs_sad */
	__u32 policy;			/* outbound: index in xs_spd */
	__u16 l3_off;			/* IP header offset in the frame */
	__u8 kind;			/* enum xs_meta_kind */
	__u8 hook;			/* enum xs_hook */
	__u16 l4_off;			/* ESP/AH (or UDP for ESP in UDP) offset */
	__u16 magic;			/* XS_META_MAGIC */
};
_Static_assert(sizeof(struct xs_meta) == 16, "xs_meta layout");

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XS_XSK_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	XS_PIN_BY_NAME;
} xs_xsks SEC(".maps");
#endif

#endif
