// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * PROTECT policies of kernel-backed SAs, mirrored into XFRM
 * (backend_kernel.h). spd.c links every policy anew after each change:
 * xs_kernel_pol_begin(), then xs_kernel_pol_link() per policy (installs or
 * updates the XFRM policy before the SPD may point at the SA), then, once
 * the SPD is written, xs_kernel_pol_prune() deletes the XFRM policies no
 * policy links to a kernel SA any more. The template comes from the linked
 * SA: its endpoints, mode, protocol and (our range's) reqid. Inbound
 * policies go in as both `in` and `fwd` (link_twin()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/backend_kernel.h"
#include "loader/daemon.h"

void xs_kernel_pol_begin(struct xs_daemon *d)
{
	uint32_t i;

	if (d->kernel)
		for (i = 0; i < d->kernel->npols; i++)
			d->kernel->pols[i].used = false;
}

static struct xs_kpol *kpol_find(struct xs_kernel *k,
				 const struct xs_spd_policy *p)
{
	uint32_t i;

	for (i = 0; i < k->npols; i++)
		if (xs_pol_same_sel(&k->pols[i].sel, p))
			return &k->pols[i];
	return NULL;
}

static struct xs_kpol *kpol_new(struct xs_kernel *k)
{
	struct xs_kpol *p;

	if (k->npols == k->pol_cap) {
		p = realloc(k->pols, (k->pol_cap ? 2 * k->pol_cap : 16) * sizeof(*p));
		if (!p)
			return NULL;
		k->pols = p;
		k->pol_cap = k->pol_cap ? 2 * k->pol_cap : 16;
	}
	p = &k->pols[k->npols++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* The XFRM template for policy p on the SA of slot (x->p left NULL). */
static void tmpl_of(struct xs_daemon *d, uint32_t slot, uint32_t spi,
		    struct xs_xfrm_pol *x)
{
	const struct xs_sad_entry *e = &d->sad[slot];
	const struct xs_kslot *ks = xs_kernel_slot(d->kernel, slot);

	memset(x, 0, sizeof(*x));
	x->tmpl_family = e->family;
	x->tmpl_proto = e->proto;
	x->tmpl_mode = e->mode;
	if (e->mode == XS_MODE_TUNNEL) {
		memcpy(x->tmpl_src, e->src, 16);
		memcpy(x->tmpl_dst, e->dst, 16);
	}
	x->tmpl_reqid = xs_kernel_reqid(d, e->reqid);
	x->tmpl_spi = spi;
	if (ks && ks->packet_offload) {
		x->offload_ifindex = ks->offload_ifindex;
		x->offload_in = ks->offload_in;
	}
}

static bool kpol_current(const struct xs_kpol *kp, const struct xs_spd_policy *p,
			 const struct xs_xfrm_pol *want)
{
	return kp->sel.priority == p->priority &&
	       !memcmp(&kp->x, want, sizeof(*want));
}

/* Install or update (kp: what XFRM has) the policy: 0 or -errno. */
static int kpol_write(struct xs_kernel *k, struct xs_kpol *kp,
		      const struct xs_spd_policy *p,
		      const struct xs_xfrm_pol *want)
{
	struct xs_xfrm_pol x = *want;
	struct xs_spd_policy sel = *p;
	int ret;

	x.p = &sel;
	ret = xs_xfrm_pol_set(&k->x, &x, kp != NULL);
	if (ret)
		return ret;
	if (!kp && !(kp = kpol_new(k))) {
		xs_xfrm_pol_del(&k->x, &sel);
		return -ENOMEM;
	}
	kp->sel = sel;
	memcpy(&kp->x, want, sizeof(*want));
	kp->used = true;
	return 0;
}

/* Have p in XFRM with template want: 0 or -errno. */
static int kpol_ensure(struct xs_kernel *k, const struct xs_spd_policy *p,
		       const struct xs_xfrm_pol *want)
{
	struct xs_kpol *kp = kpol_find(k, p);

	if (kp && kpol_current(kp, p, want)) {
		kp->used = true;
		return 0;
	}
	return kpol_write(k, kp, p, want);
}

/*
 * xdpsec looks inbound plaintext up in `in`, then `fwd`; XFRM checks `in`
 * on local delivery and `fwd` on forwarding. So an inbound policy goes
 * into XFRM both ways (as strongSwan installs them), unless xdpsec has a
 * policy of its own for the other direction.
 */
static void link_twin(struct xs_daemon *d, const struct xs_spd_policy *p,
		      const struct xs_xfrm_pol *want)
{
	struct xs_spd_policy twin = *p;
	uint32_t i;
	int ret;

	twin.dir = p->dir == XS_SPD_IN ? XS_SPD_FWD : XS_SPD_IN;
	for (i = 0; i < d->npols; i++)
		if (xs_pol_same_sel(&d->pols[i], &twin))
			return;
	ret = kpol_ensure(d->kernel, &twin, want);
	if (ret)
		pr_warn("kernel backend: XFRM refused policy %u as %s: %s%s%s", p->id,
			xs_pol_dir_name(twin.dir), strerror(-ret),
			d->kernel->x.ext[0] ? ": " : "", d->kernel->x.ext);
}

uint32_t xs_kernel_pol_link(struct xs_daemon *d, const struct xs_spd_policy *p,
			    uint32_t spi, uint32_t slot)
{
	struct xs_xfrm_pol want;
	int ret;

	if (slot == XS_SA_NONE || d->sad[slot].backend != XS_BACKEND_KERNEL ||
	    !d->kernel)
		return slot;
	tmpl_of(d, slot, spi, &want);
	ret = kpol_ensure(d->kernel, p, &want);
	if (ret) {
		pr_warn("kernel backend: XFRM refused policy %u (its traffic is dropped): %s%s%s",
			p->id, strerror(-ret), d->kernel->x.ext[0] ? ": " : "",
			d->kernel->x.ext);
		return XS_SA_NONE;
	}
	if (p->dir != XS_SPD_OUT)
		link_twin(d, p, &want);
	return slot;
}

void xs_kernel_pol_prune(struct xs_daemon *d)
{
	struct xs_kernel *k = d->kernel;
	uint32_t i = 0;
	int ret;

	if (!k)
		return;
	while (i < k->npols) {
		if (k->pols[i].used) {
			i++;
			continue;
		}
		ret = xs_xfrm_pol_del(&k->x, &k->pols[i].sel);
		if (ret && ret != -ENOENT)
			pr_warn("kernel backend: cannot delete policy %u from XFRM: %s",
				k->pols[i].sel.id, strerror(-ret));
		k->pols[i] = k->pols[--k->npols];
	}
}
