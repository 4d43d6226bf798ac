/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Security Association Database (RFC 4301 4.4.2), as two maps:
 *
 *   xs_sad   an mmapable array of SA slots. The daemon writes the
 *            configuration part of a slot; the worker maps the array into
 *            its address space and keeps the live part (sequence numbers,
 *            counters) current with plain stores, so the hot path makes no
 *            syscall and `bpftool map dump pinned .../xs_sad` shows live
 *            values. Keys are never stored here: they live only in the
 *            worker's crypto contexts.
 *   xs_sadi  the inbound index: (SPI, protocol, family, destination) -> slot.
 *            BPF looks up the packet's destination first, then the
 *            any-destination key (dst all zero), so unicast SAs may be
 *            installed either way and group SAs (RFC 4301 4.1, multicast)
 *            are told apart by their destination.
 *
 * Outbound SAs are not indexed: an outbound policy names its SA slot
 * (maps/spd.h, xs_spd_policy.sa_slot).
 *
 * Install: write the slot (state LARVAL), then set state MATURE, then add
 * the index entry. Replace (rekey): fill a new slot, point the index entry
 * (inbound) or the policy (outbound) at it, then retire the old slot.
 * Delete: remove the index entry first, then zero the slot.
 */
#ifndef XDPSEC_MAPS_SAD_H
#define XDPSEC_MAPS_SAD_H

#include "types.h"

enum {
	XS_SAD_MAX = 65536,		/* default slots; the loader may resize */
	XS_SAD_LIMIT_MAX = 1 << 22,	/* largest slots limit */
	XS_SA_NONE = 0xffffffff,	/* "no SA" in a slot reference */
};

enum xs_sa_state {
	XS_SA_EMPTY = 0,		/* empty: unused slot */
	XS_SA_LARVAL = 1,		/* larval: being installed, not used */
	XS_SA_MATURE = 2,		/* mature: in use */
	XS_SA_DYING = 3,		/* dying: soft limit passed, still used */
	XS_SA_DEAD = 4,			/* dead: hard limit passed, drops traffic */
};

enum xs_sa_backend {
	XS_BACKEND_AFXDP = 0,		/* afxdp: the xdpsec worker */
	XS_BACKEND_KERNEL = 1,		/* kernel: XFRM in the stack (XDP_PASS) */
};

struct xs_sad_key {
	__u32 spi;			/* host byte order */
	__u8 proto;			/* XS_PROTO_ESP or XS_PROTO_AH */
	__u8 family;			/* XS_AF_INET or XS_AF_INET6 */
	__u16 pad;
	__u8 dst[16];			/* IPv4 in the first 4 bytes; 0 = any */
};
_Static_assert(sizeof(struct xs_sad_key) == 24, "xs_sad_key layout");

struct xs_sad_entry {
	/* Written by the daemon; read by BPF and the worker. */
	__u32 spi;			/* host byte order */
	__u8 state;			/* enum xs_sa_state */
	__u8 dir;			/* 0 in, 1 out (engine/sa.h enum xs_dir) */
	__u8 proto;			/* XS_PROTO_ESP or XS_PROTO_AH */
	__u8 mode;			/* 0 transport, 1 tunnel (enum xs_mode) */
	__u8 family;			/* of src/dst: XS_AF_INET or XS_AF_INET6 */
	__u8 backend;			/* enum xs_sa_backend */
	__u16 queue;			/* worker queue that owns the SA state */
	__u16 encap_sport;		/* ESP in UDP (RFC 3948), host order */
	__u16 encap_dport;
	__u16 enc;			/* enum xs_enc (IKEv2 transform ids) */
	__u16 integ;			/* enum xs_integ */
	__u32 flags;			/* enum xs_sa_flags */
	__u32 reqid;			/* ties SAs to policies, as in XFRM */
	__u32 replay_window;		/* inbound, packets; 0 = off */
	__u8 src[16];			/* outer (tunnel) or endpoint addresses */
	__u8 dst[16];
	__u64 add_time;			/* CLOCK_REALTIME seconds at install */
	__u64 soft_add_sec;		/* lifetimes, 0 = none */
	__u64 hard_add_sec;
	__u64 soft_bytes;
	__u64 hard_bytes;
	__u64 soft_packets;
	__u64 hard_packets;
	__u64 pad0;
	/* Written by the worker in place (own cache line); read by anyone. */
	__u64 seq;			/* out: last sequence number sent */
	__u64 replay_top;		/* in: highest authenticated number */
	__u64 packets;			/* processed successfully */
	__u64 bytes;			/* payload bytes */
	__u64 drops;			/* all reasons; per reason in xdpsec stats */
	__u64 use_time;			/* CLOCK_REALTIME seconds of first use */
	__u64 pad1[2];
};
_Static_assert(sizeof(struct xs_sad_entry) == 192, "xs_sad_entry layout");
_Static_assert(__builtin_offsetof(struct xs_sad_entry, seq) == 128,
	       "worker-written fields start a cache line");

#ifdef __bpf__
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XS_SAD_MAX);
	__type(key, __u32);
	__type(value, struct xs_sad_entry);
	XS_PIN_BY_NAME;
} xs_sad SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_SAD_MAX);
	__type(key, struct xs_sad_key);
	__type(value, __u32);
	XS_PIN_BY_NAME;
} xs_sadi SEC(".maps");
#endif

#endif
