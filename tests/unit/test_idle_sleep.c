/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for rc_dp_idle_poll_sleep_ns() (dataplane/dp_params.h): an
 * adaptive idle sleep on a port whose frames cannot wake the lcore is
 * idle_sleep_us, twice that once the port stayed quiet, and never longer
 * than the cap the lcore is given (token_timeout / 8).
 */
#include "dp_params.h"

#include "unit_test.h"

#define US	1000ull
#define MS	1000000ull

static void test_the_sleep_doubles_once_while_quiet(void)
{
	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(50, 0, 125 * MS / 8), 50 * US);
	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(50, 1, 125 * MS / 8), 100 * US);
	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(50, 1000, 125 * MS / 8), 100 * US);
	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(0, 7, 125 * MS / 8), 0);
}

/* idle_sleep_us may be up to a second: a token would wait that long at
   each hop, more than the token timeout, and the ring would keep
   re-forming. The cap holds it to token_timeout / 8. */
static void test_a_long_idle_sleep_is_held_to_the_cap(void)
{
	uint64_t cap = 1000 * MS / 8;	/* token 1000 ms */

	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(1000000, 0, cap), cap);
	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(1000000, 1, cap), cap);
	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(50000, 1, 160 * MS / 8), 20 * MS);
	CU_ASSERT_EQUAL(rc_dp_idle_poll_sleep_ns(50000, 0, 0), 0);
}

static const struct unit_test tests[] = {
	T(test_the_sleep_doubles_once_while_quiet),
	T(test_a_long_idle_sleep_is_held_to_the_cap),
};

int main(void)
{
	return unit_test_run("idle-sleep", tests, sizeof(tests) / sizeof(tests[0]));
}
