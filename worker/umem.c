// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The one UMEM all sockets of a worker share, and the free-frame stacks
 * that split it between threads. Frames are XS_WK_FRAME_SIZE bytes
 * (aligned mode): a frame address rounded down is the frame's base.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "wk.h"

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
	u->area = mmap(NULL, u->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->area == MAP_FAILED) {
		u->area = NULL;
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
