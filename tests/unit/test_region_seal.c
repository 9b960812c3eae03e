/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What control/attach.c relies on from the kernel to keep a client from
 * punching holes in its region (a hole in a hugetlb region can SIGBUS the
 * daemon; docs/architecture.md, "Hostile regions"): after F_SEAL_FUTURE_WRITE
 * the mappings made before still write, a new writable mapping is refused,
 * fallocate(PUNCH_HOLE) and madvise(MADV_REMOVE) fail with EPERM, and
 * fallocate() still refills what was punched before the seal. Checked on a
 * normal memfd and, when one huge page is free, on a hugetlb one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unit_test.h"

#define HUGE_PAGE	(2ul << 20)

/* A 2 MiB sealable memfd mapped writable; false when hugetlb is unavailable. */
static bool region(bool huge, int *fd, char **map)
{
	*fd = memfd_create("rc-seal-test", MFD_CLOEXEC | MFD_ALLOW_SEALING |
			   (huge ? MFD_HUGETLB | MFD_HUGE_2MB : 0));
	if (*fd < 0)
		return false;
	if (ftruncate(*fd, HUGE_PAGE) < 0 ||
	    fcntl(*fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0 ||
	    (*map = mmap(NULL, HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0)) ==
	    MAP_FAILED) {
		close(*fd);
		return false;
	}
	return true;
}

static void check(bool huge)
{
	int fd, want;
	char *map;
	void *late;

	if (!region(huge, &fd, &map)) {
		CU_ASSERT_FALSE_FATAL(!huge);	/* a normal memfd always works */
		fprintf(stderr, "(no free huge page: hugetlb case not checked) ");
		return;
	}
	memset(map, 1, HUGE_PAGE);
	/* before the seal: a punch works, and fallocate refills it */
	CU_ASSERT_EQUAL(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, HUGE_PAGE), 0);
	CU_ASSERT_EQUAL(map[0], 0);
	CU_ASSERT_EQUAL(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL), 0);
	CU_ASSERT_EQUAL(fallocate(fd, 0, 0, HUGE_PAGE), 0);
	/* after it: no hole either way, no new writer, the old mapping writes */
	map[7] = 7;
	CU_ASSERT_EQUAL(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, HUGE_PAGE), -1);
	CU_ASSERT_EQUAL(errno, EPERM);
	CU_ASSERT_EQUAL(madvise(map, HUGE_PAGE, MADV_REMOVE), -1);
	CU_ASSERT_EQUAL(errno, EPERM);
	CU_ASSERT_EQUAL(map[7], 7);
	late = mmap(NULL, HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CU_ASSERT_EQUAL(late, MAP_FAILED);
	if (late != MAP_FAILED)
		munmap(late, HUGE_PAGE);
	want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL;
	CU_ASSERT_EQUAL(fcntl(fd, F_GET_SEALS) & want, want);
	munmap(map, HUGE_PAGE);
	close(fd);
}

static void test_sealed_memfd_refuses_holes(void)
{
	check(false);
}

static void test_sealed_hugetlb_memfd_refuses_holes(void)
{
	check(true);
}

static const struct unit_test tests[] = {
	T(test_sealed_memfd_refuses_holes),
	T(test_sealed_hugetlb_memfd_refuses_holes),
};

UNIT_TEST_MAIN("region-seal", tests)
