// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xs_worker_start() errors and the control API without traffic, in a
 * network namespace of this process with one veth (xst0, one queue):
 * a missing interface, a queue the device does not have (the socket of
 * queue 0 must be gone afterwards: the queue binds again), bad configurations, bad
 * SA slots and SA configurations, install/replace/clear while the threads
 * run.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "engine/engine.h"
#include "tests/bpf/harness.h"
#include "worker/worker.h"

enum { SAD_SLOTS = 16 };

static struct xs_bpf B;
static struct xs_sad_entry *SAD;

static int setup(void **state)
{
	struct xs_bpf_opts o = { .sad_max = SAD_SLOTS };

	if (unshare(CLONE_NEWNET) ||
	    system("ip link add xst0 type veth peer name xst1 && "
		   "ip link set xst0 up && ip link set xst1 up && "
		   "ip link add xst2 numrxqueues 2 numtxqueues 2 type veth "
		   "peer name xst3 numrxqueues 2 numtxqueues 2 && "
		   "ip link set xst2 up && ip link set xst3 up") ||
	    xs_bpf_open(&B, &o))
		return -1;
	SAD = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, B.sad, 0);
	return SAD == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	munmap(SAD, 4096);
	xs_bpf_close(&B);
	return 0;
}

static struct xs_worker_cfg cfg_one(const char *ifname, int nqueues)
{
	struct xs_worker_cfg c = { .nifs = 1, .nqueues = nqueues,
				   .xsks_map_fd = B.xsks, .sad = SAD,
				   .sad_slots = SAD_SLOTS };

	strcpy(c.ifs[0].name, ifname);
	c.ifs[0].role = XS_IF_WAN;
	return c;
}

static void no_such_interface(void **state)
{
	struct xs_worker_cfg c = cfg_one("nosuch0", 1);
	struct xs_worker *w = (void *)1;
	const char *why = NULL;

	assert_int_equal(xs_worker_start(&c, &w, &why), -ENODEV);
	assert_null(w);
	assert_non_null(strstr(why, "nosuch0"));
}

static void missing_queue_undoes_everything(void **state)
{
	struct xs_worker_cfg c = cfg_one("xst0", 2);
	struct xs_worker *w;
	const char *why = NULL;

	assert_true(xs_worker_start(&c, &w, &why) < 0);
	assert_null(w);
	assert_non_null(strstr(why, "xst0 queue 1"));
	/* queue 0's socket is gone: the queue can be bound again at once */
	c.nqueues = 1;
	assert_int_equal(xs_worker_start(&c, &w, &why), 0);
	xs_worker_stop(w);
}

static void bad_configurations(void **state)
{
	struct xs_worker_cfg c = cfg_one("xst0", 1);
	struct xs_worker *w;
	const char *why;

	c.nifs = 0;
	assert_int_equal(xs_worker_start(&c, &w, &why), -EINVAL);
	c = cfg_one("xst0", 0);
	assert_int_equal(xs_worker_start(&c, &w, &why), -EINVAL);
	c = cfg_one("xst0", 1);
	c.sad = NULL;
	assert_int_equal(xs_worker_start(&c, &w, &why), -EINVAL);
	c = cfg_one("xst0", 1);
	c.ifs[0].xsk_base = XS_XSK_SLOTS;
	assert_int_equal(xs_worker_start(&c, &w, &why), -EINVAL);
	assert_non_null(strstr(why, "xst0"));
}

static struct xs_sa_cfg sa_in(uint32_t spi)
{
	struct xs_sa_cfg s = { .spi = spi, .proto = XS_PROTO_ESP,
			       .mode = XS_MODE_TUNNEL, .dir = XS_DIR_IN,
			       .family = XS_AF_INET,
			       .enc = XS_ENC_AES_GCM_16, .enc_key_len = 36,
			       .replay_window = 64 };

	memset(s.enc_key, 0x42, sizeof(s.enc_key));
	return s;
}

static void start_sa_set_clear_stop(void **state)
{
	struct xs_worker_cfg c = cfg_one("xst0", 1);
	struct xs_sa_cfg s = sa_in(0x1001);
	struct xs_sa_sel sel = { .family = XS_AF_INET, .src_len = 24,
				 .dst_len = 33 };
	struct xs_worker_stats st;
	uint32_t slots[4], ev[4];
	struct xs_worker *w;
	const char *why;

	assert_int_equal(xs_worker_start(&c, &w, &why), 0);
	assert_int_equal(xs_worker_sa_set(w, SAD_SLOTS, &s, NULL, 0, &why), -ERANGE);
	assert_int_equal(xs_worker_sa_set(w, 3, &s, &sel, 1, &why), -EINVAL);
	sel.family = 7;
	sel.dst_len = 24;
	assert_int_equal(xs_worker_sa_set(w, 3, &s, &sel, 1, &why), -EINVAL);
	sel.family = XS_AF_INET;
	sel.proto = XS_PROTO_UDP;
	sel.sport_lo = 10;
	sel.sport_hi = 9;
	assert_int_equal(xs_worker_sa_set(w, 3, &s, &sel, 1, &why), -EINVAL);
	sel.sport_hi = 10;
	assert_int_equal(xs_worker_sa_set(w, 3, &s, &sel,
					  XS_SA_SEL_MAX + 1, &why), -EINVAL);
	assert_int_equal(xs_worker_sa_set(w, 3, &s, &sel, 1, &why), 0);
	s.spi = 0x1002;			/* replace while the thread runs */
	assert_int_equal(xs_worker_sa_set(w, 3, &s, NULL, 0, &why), 0);
	s.enc_key_len = 7;
	why = NULL;
	assert_true(xs_worker_sa_set(w, 4, &s, NULL, 0, &why) < 0);
	assert_non_null(why);
	xs_worker_sa_clear(w, 3);
	xs_worker_sa_clear(w, 3);
	xs_worker_sa_clear(w, SAD_SLOTS + 5);
	assert_int_equal(xs_worker_take_events(w, slots, ev, 4), 0);
	xs_worker_stats(w, &st);
	assert_int_equal(st.rx, 0);
	xs_worker_stop(w);
}

/* Two threads, two interfaces each: grace periods wait for both. */
static void two_queues_two_interfaces(void **state)
{
	struct xs_worker_cfg c = cfg_one("xst2", 2);
	struct xs_sa_cfg s = sa_in(0x1001);
	struct xs_worker *w;
	const char *why;
	int i;

	strcpy(c.ifs[1].name, "xst3");
	c.ifs[1].role = XS_IF_LAN;
	c.ifs[1].xsk_base = XS_QUEUES_MAX;
	c.nifs = 2;
	assert_int_equal(xs_worker_start(&c, &w, &why), 0);
	for (i = 0; i < 50; i++) {
		s.spi = 0x1000 + (uint32_t)i;
		assert_int_equal(xs_worker_sa_set(w, (uint32_t)i % 4, &s, NULL,
						  0, &why), 0);
	}
	xs_worker_sa_clear(w, 1);
	xs_worker_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_such_interface),
		cmocka_unit_test(missing_queue_undoes_everything),
		cmocka_unit_test(bad_configurations),
		cmocka_unit_test(start_sa_set_clear_stop),
		cmocka_unit_test(two_queues_two_interfaces),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
