// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Keep key material out of swap and core dumps. The keys live inside
 * OpenSSL's cipher and digest contexts on the ordinary heap, where no
 * allocator option can pin them, so the process that holds SAs locks all
 * of its memory, present and future, and makes itself non-dumpable (no
 * core files, no ptrace attach by other users, /proc/PID/mem root-only).
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "engine.h"

int xs_engine_harden(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return -errno;
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return -errno;
	return 0;
}
