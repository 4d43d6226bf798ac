// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The one UMEM all sockets of a worker share, and the free-frame stacks
 * that split it between threads. Frames are XS_WK_FRAME_SIZE bytes
 * (aligned mode): a frame address rounded down is the frame's base.
 *
 * The area is 2 MiB aligned and asks for transparent huge pages: every
 * packet touches another frame, and with 4 KiB pages each of them cost the
 * worker a TLB miss (huge pages took ~8% off its user time per packet,
 * docs/performance.md). It is mapped PROT_NONE and made writable after the
 * madvise, because the daemon's mlockall(MCL_FUTURE) faults a writable
 * mapping in at once, in small pages. XDP_UMEM_REG pins (and so faults in)
 * every page; where THP is off the area simply keeps small pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "wk.h"

enum { HUGE_PAGE = 2u << 20 };

/* size bytes, HUGE_PAGE aligned, read/write; NULL with errno on failure. */
static void *area_map(uint64_t size)
{
	uint8_t *raw, *al;
	int err;

	raw = mmap(NULL, size + HUGE_PAGE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	al = (uint8_t *)(((uintptr_t)raw + HUGE_PAGE - 1) &
			 ~(uintptr_t)(HUGE_PAGE - 1));
	if (al > raw)
		munmap(raw, (size_t)(al - raw));
	munmap(al + size, (size_t)(raw + HUGE_PAGE - al));
	madvise(al, size, MADV_HUGEPAGE);	/* a hint: THP may be off */
	if (mprotect(al, size, PROT_READ | PROT_WRITE)) {
		err = errno;
		munmap(al, size);
		errno = err;
		return NULL;
	}
	return al;
}

int xs_umem_create(struct xs_umem *u, uint32_t frames, const char **why)
{
	struct xsk_umem_config cfg = {
		.fill_size = XS_WK_RING,
		.comp_size = XS_WK_RING,
		.frame_size = XS_WK_FRAME_SIZE,
		.frame_headroom = 0,
	};
	int ret;

	memset(u, 0, sizeof(*u));
	u->size = (uint64_t)frames * XS_WK_FRAME_SIZE;
	u->area = area_map(u->size);
	if (!u->area) {
		*why = "UMEM: mmap of the frame area failed";
		return -errno;
	}
	ret = xsk_umem__create(&u->umem, u->area, u->size, &u->fill, &u->comp,
			       &cfg);
	if (ret) {
		*why = "UMEM: xsk_umem__create (XDP_UMEM_REG) failed";
		xs_umem_destroy(u);
		return ret < 0 ? ret : -ret;
	}
	return 0;
}

void xs_umem_destroy(struct xs_umem *u)
{
	if (u->umem)
		xsk_umem__delete(u->umem);
	if (u->area)
		munmap(u->area, u->size);
	memset(u, 0, sizeof(*u));
}

int xs_frames_init(struct xs_frames *f, uint64_t first, uint32_t n)
{
	uint32_t i;

	f->addr = calloc(n, sizeof(*f->addr));
	if (!f->addr)
		return -ENOMEM;
	f->cap = n;
	f->reserve = n / 8;
	for (i = 0; i < n; i++)
		f->addr[i] = (first + n - 1 - i) * XS_WK_FRAME_SIZE;
	f->n = n;
	return 0;
}

void xs_frames_fini(struct xs_frames *f)
{
	free(f->addr);
	memset(f, 0, sizeof(*f));
}
