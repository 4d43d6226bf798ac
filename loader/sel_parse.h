/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The `sel` words of `state add` (ip xfrm syntax, several allowed):
 *   sel [src PREFIX] [dst PREFIX] [proto P [sport N[-M]] [dport N[-M]]]
 *   sel ... proto icmp|ipv6-icmp [type N] [code N]
 * -> struct xs_sa_sel (worker/selector.h), and back for listings.
 */
#ifndef XDPSEC_LOADER_SEL_PARSE_H
#define XDPSEC_LOADER_SEL_PARSE_H

#include <jansson.h>

#include "loader/args.h"
#include "worker/selector.h"

/*
 * Parse the words after one `sel` into sels[*nsel], then count it:
 * 0, or -1 with a->why set (also when XS_SA_SEL_MAX are there already).
 */
int xs_sel_parse(struct xs_args *a, struct xs_sa_sel *sels, uint8_t *nsel);
/* The selectors as a JSON array (null if there are none). */
json_t *xs_sel_json(const struct xs_sa_sel *sels, unsigned int n);
/* One selector of that array back as ip xfrm words, for `state list`. */
void xs_sel_json_words(json_t *sel, char *buf, size_t len);

#endif
