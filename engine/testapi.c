// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Accessors for the Python tests (tests/lib/xsengine.py), which reach the
 * engine through ctypes and must not depend on struct xs_sa's layout.
 */
#include <string.h>

#include "engine.h"

const struct xs_sa_stats *xs_test_sa_stats(const struct xs_sa *sa)
{
	return &sa->stats;
}

/* sizeof of the structs the binding mirrors, so a test can catch drift. */
size_t xs_test_sizeof(const char *name)
{
	if (!strcmp(name, "xs_sa_cfg"))
		return sizeof(struct xs_sa_cfg);
	if (!strcmp(name, "xs_pkt"))
		return sizeof(struct xs_pkt);
	if (!strcmp(name, "xs_rx_info"))
		return sizeof(struct xs_rx_info);
	if (!strcmp(name, "xs_sa_stats"))
		return sizeof(struct xs_sa_stats);
	return 0;
}
