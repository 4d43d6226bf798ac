// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The kernel backend's XFRM netlink codec (loader/xfrm_nl.c) alone, for
 * tests/test_kernel_backend.py, which reads back what the kernel made of
 * it with ip(8):
 *
 *   xfrm_tool sa REQID STATE-WORDS...        XFRM_MSG_NEWSA (xdpsec state add
 *                                            syntax, offload included)
 *   xfrm_tool pol|polupd REQID SPI POLICY-WORDS...
 *                                            NEWPOLICY / UPDPOLICY, template
 *                                            from the policy's tmpl
 *   xfrm_tool poldel POLICY-WORDS...         DELPOLICY (selector and dir)
 *   xfrm_tool purge LO HI                    prints how many were deleted
 *   xfrm_tool dump                           one JSON line per SA
 *
 * Exit 0, or 1 with "errno-name: message" on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/args.h"
#include "loader/pol_parse.h"
#include "loader/sa_parse.h"
#include "loader/xdpsec.h"
#include "loader/xfrm_nl.h"

struct xs_opts xs_opts = { .instance = "xfrm-tool" };

static int fail(struct xs_xfrm *x, int err)
{
	fprintf(stderr, "%s: %s%s%s\n", strerrorname_np(-err), strerror(-err),
		x->ext[0] ? ": " : "", x->ext);
	return 1;
}

static int cmd_sa(struct xs_xfrm *x, int argc, char **argv)
{
	char why[XS_WHY_MAX];
	struct xs_sa_req r;
	struct xs_xfrm_sa sa = { .r = &r };
	uint32_t reqid;
	int ret;

	if (argc < 1 || xs_parse_u32(argv[0], "reqid", &reqid, why) ||
	    xs_sa_parse(argc - 1, argv + 1, &r, why)) {
		fprintf(stderr, "usage: %s\n", why);
		return 2;
	}
	if (r.cfg.dir == XS_DIR_AUTO)
		r.cfg.dir = XS_DIR_IN;
	sa.reqid = reqid;
	sa.offload_ifindex = r.offload ? (int)if_nametoindex(r.offload_dev) : 0;
	ret = xs_xfrm_sa_add(x, &sa);
	xs_sa_req_wipe(&r);
	return ret ? fail(x, ret) : 0;
}

static int cmd_pol(struct xs_xfrm *x, int argc, char **argv, bool update)
{
	struct xs_xfrm_pol pol = { 0 };
	char why[XS_WHY_MAX];
	struct xs_pol_req r;
	uint32_t reqid, spi;
	int ret;

	if (argc < 2 || xs_parse_u32(argv[0], "reqid", &reqid, why) ||
	    xs_parse_u32(argv[1], "spi", &spi, why) ||
	    xs_pol_parse(argc - 2, argv + 2, false, &r, why)) {
		fprintf(stderr, "usage: %s\n", argc < 2 ? "pol REQID SPI WORDS" : why);
		return 2;
	}
	pol.p = &r.pol;
	pol.tmpl_family = r.pol.tmpl_family ? r.pol.tmpl_family : r.pol.family;
	pol.tmpl_proto = r.pol.tmpl_proto;
	pol.tmpl_mode = r.pol.tmpl_mode;
	memcpy(pol.tmpl_src, r.pol.tmpl_src, 16);
	memcpy(pol.tmpl_dst, r.pol.tmpl_dst, 16);
	pol.tmpl_reqid = reqid;
	pol.tmpl_spi = spi;
	ret = xs_xfrm_pol_set(x, &pol, update);
	return ret ? fail(x, ret) : 0;
}

static int cmd_poldel(struct xs_xfrm *x, int argc, char **argv)
{
	char why[XS_WHY_MAX];
	struct xs_pol_req r;
	int ret;

	if (xs_pol_parse(argc, argv, true, &r, why)) {
		fprintf(stderr, "usage: %s\n", why);
		return 2;
	}
	ret = xs_xfrm_pol_del(x, &r.pol);
	return ret ? fail(x, ret) : 0;
}

static void print_sa(const struct xs_xfrm_cur *c, void *arg)
{
	char dst[64];

	(void)arg;
	xs_addr_str(c->id.family, c->id.dst, dst, sizeof(dst));
	printf("{\"dst\": \"%s\", \"proto\": %u, \"spi\": %" PRIu32
	       ", \"reqid\": %" PRIu32 ", \"packets\": %" PRIu64
	       ", \"bytes\": %" PRIu64 ", \"drops\": %" PRIu64
	       ", \"oseq\": %" PRIu64 ", \"seq\": %" PRIu64 "}\n",
	       dst, c->id.proto, c->id.spi, c->reqid, c->packets, c->bytes,
	       c->drops, c->oseq, c->seq);
}

static int cmd_purge(struct xs_xfrm *x, int argc, char **argv)
{
	char why[XS_WHY_MAX];
	uint32_t lo, hi;
	int n;

	if (argc != 2 || xs_parse_u32(argv[0], "lo", &lo, why) ||
	    xs_parse_u32(argv[1], "hi", &hi, why)) {
		fprintf(stderr, "usage: purge LO HI\n");
		return 2;
	}
	n = xs_xfrm_purge(x, lo, hi);
	if (n < 0)
		return fail(x, n);
	printf("%d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	struct xs_xfrm x;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: xfrm_tool sa|pol|polupd|poldel|purge|dump ...\n");
		return 2;
	}
	ret = xs_xfrm_open(&x);
	if (ret)
		return fail(&x, ret);
	if (!strcmp(argv[1], "sa"))
		ret = cmd_sa(&x, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "pol") || !strcmp(argv[1], "polupd"))
		ret = cmd_pol(&x, argc - 2, argv + 2, !strcmp(argv[1], "polupd"));
	else if (!strcmp(argv[1], "poldel"))
		ret = cmd_poldel(&x, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "purge"))
		ret = cmd_purge(&x, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "dump") && (ret = xs_xfrm_sa_dump(&x, print_sa, NULL)))
		ret = fail(&x, ret);
	else if (!strcmp(argv[1], "dump"))
		ret = 0;
	else
		ret = 2;
	xs_xfrm_close(&x);
	return ret;
}
