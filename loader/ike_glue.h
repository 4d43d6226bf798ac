/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The daemon's IKE side (loader/ike_glue.c): the connections and secrets
 * of the configuration file and, from them, the IKE core of ike/ike.h.
 */
#ifndef XDPSEC_LOADER_IKE_GLUE_H
#define XDPSEC_LOADER_IKE_GLUE_H

#include "loader/conf_ike.h"
#include "loader/xdpsec.h"

struct xs_ike {
	struct xs_ike_conf conf;	/* as loaded */
};

/*
 * Take the connections and secrets of a loaded file (ic is emptied) in
 * place of the previous ones. 0, or -1 with why set.
 */
int xs_ike_configure(struct xs_daemon *d, struct xs_ike_conf *ic, char *why);
void xs_ike_close(struct xs_daemon *d);

/* list-conns: the configured connections as JSON (never secrets). */
json_t *xs_ike_conns_json(const struct xs_daemon *d);

#endif
