// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_foreach_sa() of ike/ike.h: each IKE SA and its Child SAs in the
 * terms of `swanctl --list-sas` (struct ike_sa_info). No key material.
 */
#include <stdio.h>
#include <string.h>

#include "ike/id.h"
#include "ike/proposal.h"
#include "ike/sa.h"

static void child_info(const struct ike_child *c, struct ike_child_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->name, sizeof(ci->name), "%s", c->cfg ? c->cfg->name : "");
	ci->unique_id = c->unique_id;
	ci->reqid = c->reqid;
	ci->state = ike_child_state_name(c->state);
	ci->proto = c->proto;
	ci->transport = c->transport;
	ci->encap = c->sa->natt;
	ci->esn = c->esn;
	ci->spi_in = c->spi_in;
	ci->spi_out = c->spi_out;
	if (ike_prop_format(&c->chosen, ci->proposal, sizeof(ci->proposal)) < 0)
		ci->proposal[0] = 0;
	ci->local_ts = c->local_ts;
	ci->remote_ts = c->remote_ts;
	ci->installed_ms = c->installed_ms;
	ci->rekey_ms = c->rekey_ms;
	ci->expire_ms = c->expire_ms;
}

static void sa_info(const struct ike_sa *sa, struct ike_sa_info *si)
{
	const struct ike_child *c;

	memset(si, 0, sizeof(*si));
	snprintf(si->conn, sizeof(si->conn), "%s",
		 sa->conn ? sa->conn->name : "");
	si->unique_id = sa->unique_id;
	si->state = ike_sa_state_name(sa->state);
	si->initiator = sa->initiator;
	si->spi_i = sa->spi_i;
	si->spi_r = sa->spi_r;
	si->local = sa->local;
	si->remote = sa->remote;
	ike_id_format(&sa->local_id, si->local_id, sizeof(si->local_id));
	ike_id_format(&sa->remote_id, si->remote_id, sizeof(si->remote_id));
	if (sa->chosen.nprops &&
	    ike_prop_format(&sa->chosen, si->proposal, sizeof(si->proposal)) < 0)
		si->proposal[0] = 0;
	si->nat_local = sa->nat_local;
	si->nat_remote = sa->nat_remote;
	si->established_ms = sa->established_ms;
	si->rekey_ms = sa->rekey_ms;
	for (c = sa->children; c && si->nchildren < IKE_CONN_MAX_CHILDREN;
	     c = c->next)
		child_info(c, &si->children[si->nchildren++]);
}

int ike_foreach_sa(struct ike_ctx *ctx,
		   int (*fn)(void *arg, const struct ike_sa_info *sa),
		   void *arg)
{
	struct ike_sa_info si;
	struct ike_sa *sa;
	int rc;

	for (sa = ctx->sas; sa; sa = sa->next) {
		if (sa->state == IKE_SA_DEAD)
			continue;
		sa_info(sa, &si);
		rc = fn(arg, &si);
		if (rc)
			return rc;
	}
	return 0;
}
