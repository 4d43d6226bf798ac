/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Pieces of the IKE model in swanctl's words, for JSON listings. */
#ifndef XDPSEC_LOADER_IKE_JSON_H
#define XDPSEC_LOADER_IKE_JSON_H

#include <jansson.h>

#include "ike/conn.h"

void xs_ike_addr_str(const struct ike_addr *a, char *buf, size_t len);
/* "10.1.0.0/24", "10.1.0.5-10.1.0.9", "dynamic", with "[6/80]" if narrowed. */
void xs_ike_ts_str(const struct ike_ts *ts, char *buf, size_t len);
json_t *xs_ike_ts_json(const struct ike_ts_pld *ts);
json_t *xs_ike_props_json(const struct ike_sa_pld *sa);
json_t *xs_ike_id_json(const struct ike_id_cfg *id);

#endif
