// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Slot -> engine SA. Threads read a slot with one acquire load and use
 * the SA until the end of their batch; the control side swaps a slot's
 * pointer and frees the old SA only after every thread has passed a
 * quiescent point (worker.c, grace()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wk.h"

int xs_sat_init(struct xs_sa_table *t, uint32_t n)
{
	uint32_t i;

	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		atomic_init(&t->slots[i], NULL);
	t->n = n;
	return 0;
}

/* Only once no thread runs. */
void xs_sat_fini(struct xs_sa_table *t)
{
	uint32_t i;

	for (i = 0; t->slots && i < t->n; i++)
		xs_wsa_free(atomic_load(&t->slots[i]));
	free(t->slots);
	t->slots = NULL;
	t->n = 0;
}

struct xs_wsa *xs_sat_swap(struct xs_sa_table *t, uint32_t slot,
			   struct xs_wsa *w)
{
	return atomic_exchange_explicit(&t->slots[slot], w,
					memory_order_acq_rel);
}

int xs_wsa_new(const struct xs_sa_cfg *cfg, const struct xs_sa_sel *sel,
	       unsigned int nsel, uint32_t slot, struct xs_wsa **out,
	       const char **why)
{
	struct xs_wsa *w = calloc(1, sizeof(*w));
	int ret;

	if (!w) {
		*why = "out of memory";
		return -ENOMEM;
	}
	ret = xs_sa_new(cfg, &w->sa, why);
	if (ret) {
		free(w);
		return ret;
	}
	memcpy(w->sel, sel, nsel * sizeof(*sel));
	w->nsel = nsel;
	w->slot = slot;
	pthread_spin_init(&w->lock, PTHREAD_PROCESS_PRIVATE);
	*out = w;
	return 0;
}

void xs_wsa_free(struct xs_wsa *w)
{
	if (!w)
		return;
	xs_sa_free(w->sa);
	pthread_spin_destroy(&w->lock);
	free(w);
}
