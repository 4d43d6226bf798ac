// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Printable IKEv2 names, from the comments of the enums in ikev2.h. */
#include "ikev2_pld.h"
#include "gen/ikev2_names.h"

#define MAP(m, t) [m] = { t, sizeof(t) / sizeof(t[0]) }
static const struct {
	const char *const *names;
	size_t n;
} maps[] = {
	MAP(IKEV2_MAP_EXCHANGE, ikev2_exchange_names),
	MAP(IKEV2_MAP_PAYLOAD, ikev2_payload_names),
	MAP(IKEV2_MAP_PROTO, ikev2_proto_names),
	MAP(IKEV2_MAP_XFORM_TYPE, ikev2_xform_type_names),
	MAP(IKEV2_MAP_ENCR, ikev2_encr_names),
	MAP(IKEV2_MAP_PRF, ikev2_prf_names),
	MAP(IKEV2_MAP_INTEG, ikev2_integ_names),
	MAP(IKEV2_MAP_DH, ikev2_dh_names),
	MAP(IKEV2_MAP_ESN, ikev2_esn_names),
	MAP(IKEV2_MAP_NOTIFY, ikev2_notify_error_names),
	MAP(IKEV2_MAP_ID, ikev2_id_type_names),
	MAP(IKEV2_MAP_CERT, ikev2_cert_encoding_names),
	MAP(IKEV2_MAP_AUTH, ikev2_auth_method_names),
	MAP(IKEV2_MAP_HASH, ikev2_hash_names),
	MAP(IKEV2_MAP_TS, ikev2_ts_type_names),
};
/*
 * Notify types from 16384 (status) are rebased to 0 by the Makefile rule
 * that generates their table.
 */
const char *ikev2_name(enum ikev2_map map, unsigned int value)
{
	const char *const *names = ikev2_notify_status_names;
	size_t n = sizeof(ikev2_notify_status_names) / sizeof(names[0]);

	if ((unsigned int)map >= sizeof(maps) / sizeof(maps[0]))
		return "unknown";
	if (map == IKEV2_MAP_NOTIFY && value >= IKEV2_N_STATUS_MIN) {
		value -= IKEV2_N_STATUS_MIN;
	} else {
		names = maps[map].names;
		n = maps[map].n;
	}
	if (value >= n || !names[value])
		return "unknown";
	return names[value];
}
