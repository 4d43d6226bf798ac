// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's IKE side: the connections and secrets of the loaded
 * configuration (docs/configuration.md).
 */
#include <stdlib.h>
#include <string.h>

#include "loader/daemon.h"
#include "loader/ike_glue.h"

int xs_ike_configure(struct xs_daemon *d, struct xs_ike_conf *ic, char *why)
{
	if (!d->ike && !(d->ike = calloc(1, sizeof(*d->ike))))
		return xs_why(why, "out of memory");
	xs_ike_conf_free(&d->ike->conf);
	d->ike->conf = *ic;
	memset(ic, 0, sizeof(*ic));
	return 0;
}

void xs_ike_close(struct xs_daemon *d)
{
	if (!d->ike)
		return;
	xs_ike_conf_free(&d->ike->conf);
	free(d->ike);
	d->ike = NULL;
}
