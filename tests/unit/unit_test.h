/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one runner every CUnit test program here uses: a table of named tests,
 * one suite, verbose output, exit status 1 if any assertion failed.
 */
#ifndef RC_UNIT_TEST_H
#define RC_UNIT_TEST_H

#include <stddef.h>

#include <CUnit/Basic.h>

struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

#define T(fn)	{ #fn, fn }

static inline int unit_test_run(const char *suite_name, const struct unit_test *tests,
				size_t n)
{
	unsigned int failed;
	CU_pSuite suite;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite(suite_name, NULL, NULL);
	if (suite == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
fail:
	CU_cleanup_registry();
	return 1;
}

#define UNIT_TEST_MAIN(suite_name, tests)					\
	int main(void)								\
	{									\
		return unit_test_run(suite_name, tests,				\
				     sizeof(tests) / sizeof(tests[0]));		\
	}

#endif /* RC_UNIT_TEST_H */
