// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Printable drop reasons, from the comments in maps/drop_reasons.h. */
#include "engine.h"
#include "gen/drop_names.h"

const char *xs_drop_name(enum xs_drop why)
{
	if ((unsigned)why >= sizeof(xs_drop_names) / sizeof(xs_drop_names[0]) ||
	    !xs_drop_names[why])
		return "unknown";
	return xs_drop_names[why];
}
