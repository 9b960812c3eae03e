/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/numa.c: a client region's pages prefer the node they are
 * asked for, both ways the daemon asks (the mapping's policy for pages
 * faulted in later; the thread's for what it allocates itself). This
 * machine may have one node: node 0 is then the only one that can be
 * checked, and a node that does not exist must be an error, not a silent
 * success.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <numaif.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "numa.h"

#include "unit_test.h"

#define LEN	(4u << 20)

static void test_a_mapping_prefers_node_0(void)
{
	int mode = -1;
	unsigned long mask[16] = { 0 };
	uint8_t *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ret;

	CU_ASSERT_FATAL(p != MAP_FAILED);
	ret = rc_numa_prefer(p, LEN, 0);
	if (ret == -ENOSYS) {
		printf("(no NUMA support in this kernel: nothing to place) ");
		munmap(p, LEN);
		return;
	}
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(get_mempolicy(&mode, mask, 16 * 8 * sizeof(long), p, MPOL_F_ADDR), 0);
	CU_ASSERT_EQUAL(mode, MPOL_PREFERRED);
	CU_ASSERT_EQUAL(mask[0] & 1, 1);
	memset(p, 1, LEN);	/* faulted in: on node 0 */
	CU_ASSERT_EQUAL(rc_numa_node_of(p), 0);
	CU_ASSERT_EQUAL(rc_numa_node_of(p + LEN - 1), 0);
	munmap(p, LEN);
}

static void test_no_node_changes_nothing_and_a_bad_one_is_an_error(void)
{
	uint8_t *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int mode = -1;

	CU_ASSERT_FATAL(p != MAP_FAILED);
	CU_ASSERT_EQUAL(rc_numa_prefer(p, LEN, -1), 0);
	if (get_mempolicy(&mode, NULL, 0, p, MPOL_F_ADDR) == 0)
		CU_ASSERT_EQUAL(mode, MPOL_DEFAULT);
	/* beyond what a mask names: refused by us; offline: by the kernel */
	CU_ASSERT_EQUAL(rc_numa_prefer(p, LEN, 5000), -EINVAL);
	if (rc_numa_node_of(p) != -ENOSYS && access("/sys/devices/system/node/node63", F_OK) < 0)
		CU_ASSERT(rc_numa_prefer(p, LEN, 63) < 0);
	munmap(p, LEN);
}

static void test_the_thread_policy_is_set_and_restored(void)
{
	int mode = -1;
	int ret = rc_numa_thread_prefer(0);

	if (ret == -ENOSYS)
		return;
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(get_mempolicy(&mode, NULL, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(mode, MPOL_PREFERRED);
	rc_numa_thread_restore();
	CU_ASSERT_EQUAL(get_mempolicy(&mode, NULL, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(mode, MPOL_DEFAULT);	/* what it was */
	/* a policy of the caller's own (numactl --membind, say) comes back */
	{
		unsigned long m = 1;

		CU_ASSERT_EQUAL_FATAL(set_mempolicy(MPOL_BIND, &m, 8 * sizeof(m) + 1), 0);
		CU_ASSERT_EQUAL(rc_numa_thread_prefer(0), 0);
		CU_ASSERT_EQUAL(get_mempolicy(&mode, NULL, 0, NULL, 0), 0);
		CU_ASSERT_EQUAL(mode, MPOL_PREFERRED);
		rc_numa_thread_restore();
		CU_ASSERT_EQUAL(get_mempolicy(&mode, NULL, 0, NULL, 0), 0);
		CU_ASSERT_EQUAL(mode, MPOL_BIND);
		set_mempolicy(MPOL_DEFAULT, NULL, 0);
		/* nothing asked (no node): nothing to restore, nothing changed */
		CU_ASSERT_EQUAL(rc_numa_thread_prefer(-1), 0);
		rc_numa_thread_restore();
		CU_ASSERT_EQUAL(get_mempolicy(&mode, NULL, 0, NULL, 0), 0);
		CU_ASSERT_EQUAL(mode, MPOL_DEFAULT);
	}
}

static const struct unit_test tests[] = {
	T(test_a_mapping_prefers_node_0),
	T(test_no_node_changes_nothing_and_a_bad_one_is_an_error),
	T(test_the_thread_policy_is_set_and_restored),
};

UNIT_TEST_MAIN("numa", tests)
