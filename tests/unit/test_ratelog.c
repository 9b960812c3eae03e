/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/ratelog.h: at most RC_RATELOG_BURST lines a period, the
 * rest counted and reported with the next line that goes out.
 */
#include "ratelog.h"

#include "unit_test.h"

#define S	1000000000ull

static void test_a_flood_gives_a_burst_a_period(void)
{
	struct rc_ratelog r = { 0 };
	uint32_t held = 99, lines = 0;

	/* 1000 refusals in one second: 5 lines */
	for (int i = 0; i < 1000; i++)
		lines += rc_ratelog_ok(&r, 5 * S + (uint64_t)i * 1000000, &held);
	CU_ASSERT_EQUAL(lines, RC_RATELOG_BURST);
	CU_ASSERT_EQUAL(r.held, 1000 - RC_RATELOG_BURST);
	/* still inside the period: held back */
	CU_ASSERT_FALSE(rc_ratelog_ok(&r, 5 * S + RC_RATELOG_PERIOD_NS - 1, &held));
	/* the next period: a line, which says how many were not logged */
	CU_ASSERT_TRUE(rc_ratelog_ok(&r, 5 * S + RC_RATELOG_PERIOD_NS, &held));
	CU_ASSERT_EQUAL(held, 1000 - RC_RATELOG_BURST + 1);
	CU_ASSERT_TRUE(rc_ratelog_ok(&r, 5 * S + RC_RATELOG_PERIOD_NS + 1, &held));
	CU_ASSERT_EQUAL(held, 0);
}

static void test_occasional_events_are_all_logged(void)
{
	struct rc_ratelog r = { 0 };
	uint32_t held = 99;

	for (int i = 0; i < 100; i++) {
		CU_ASSERT_TRUE(rc_ratelog_ok(&r, (uint64_t)i * 3 * S, &held));
		CU_ASSERT_EQUAL(held, 0);
	}
}

static const struct unit_test tests[] = {
	T(test_a_flood_gives_a_burst_a_period),
	T(test_occasional_events_are_all_logged),
};

UNIT_TEST_MAIN("ratelog", tests)
