/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/ringseq.c: the persisted ring sequence is read strictly
 * (an implausible, empty or non-numeric file is refused with a reason, a
 * symlink is not followed) and written atomically (no temporary file left,
 * a failed write reported and the old value intact).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "ringseq.h"

#include "unit_test.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rc-ringseq-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ringseq", dir);
}

static void teardown(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s.tmp", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s/target", dir);
	unlink(p);
	rmdir(dir);
}

static void put(const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void test_missing_file_is_a_first_start(void)
{
	char why[256] = "";
	uint64_t seq = 99;

	setup();
	CU_ASSERT_EQUAL(rc_ringseq_load(path, &seq, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(seq, 0);
	teardown();
}

static void test_store_then_load_round_trips_and_leaves_no_temporary(void)
{
	char why[256] = "", tmp[160];
	uint64_t seq = 0;

	setup();
	CU_ASSERT_EQUAL(rc_ringseq_store(path, 1234), 0);
	CU_ASSERT_EQUAL(rc_ringseq_store(path, 1238), 0);
	CU_ASSERT_EQUAL(rc_ringseq_load(path, &seq, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(seq, 1238);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	CU_ASSERT_EQUAL(rc_ringseq_store(path, RC_RING_SEQ_MAX), 0);
	CU_ASSERT_EQUAL(rc_ringseq_load(path, &seq, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(seq, RC_RING_SEQ_MAX);
	teardown();
}

/* What a forged COMMIT used to leave behind: refused at start, with the reason. */
static void test_an_implausible_value_is_refused(void)
{
	static const char *const poisoned[] = {
		"18446744073709551612\n",	/* 2^64 - 4: the old failure */
		"4611686018427387905\n",	/* RC_RING_SEQ_MAX + 1 */
		"99999999999999999999999\n",	/* past uint64 */
	};
	char why[256];
	uint64_t seq;

	setup();
	for (unsigned int i = 0; i < sizeof(poisoned) / sizeof(poisoned[0]); i++) {
		put(poisoned[i]);
		why[0] = '\0';
		seq = 7;
		CU_ASSERT(rc_ringseq_load(path, &seq, why, sizeof(why)) < 0);
		CU_ASSERT_EQUAL(seq, 0);
		CU_ASSERT(why[0] != '\0');
	}
	put("4611686018427387905\n");
	CU_ASSERT_EQUAL(rc_ringseq_load(path, &seq, why, sizeof(why)), -ERANGE);
	CU_ASSERT(strstr(why, "4611686018427387905") != NULL);
	teardown();
}

static void test_a_torn_or_foreign_file_is_refused(void)
{
	static const char *const bad[] = { "", "\n", "abc\n", "12 34\n", "-4\n", "12x\n", " 8\n" };
	char why[256];
	uint64_t seq;

	setup();
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i]);
		CU_ASSERT_EQUAL(rc_ringseq_load(path, &seq, why, sizeof(why)), -EINVAL);
	}
	put("40");		/* no newline is fine */
	CU_ASSERT_EQUAL(rc_ringseq_load(path, &seq, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(seq, 40);
	teardown();
}

static void test_a_symlink_is_not_followed(void)
{
	char target[160], why[256];
	uint64_t seq;

	setup();
	snprintf(target, sizeof(target), "%s/target", dir);
	CU_ASSERT_FATAL(symlink(target, path) == 0);
	CU_ASSERT(rc_ringseq_load(path, &seq, why, sizeof(why)) < 0);
	unlink(path);
	/* the temporary file is not followed either */
	snprintf(why, sizeof(why), "%s.tmp", path);
	CU_ASSERT_FATAL(symlink(target, why) == 0);
	CU_ASSERT(rc_ringseq_store(path, 8) < 0);
	CU_ASSERT_EQUAL(access(target, F_OK), -1);
	unlink(why);
	teardown();
}

static void test_a_failed_write_is_reported_and_keeps_the_old_value(void)
{
	char why[256], sub[160];
	uint64_t seq;

	setup();
	CU_ASSERT_EQUAL(rc_ringseq_store(path, 16), 0);
	/* the directory holding the file is gone: nothing can be written */
	snprintf(sub, sizeof(sub), "%s/gone/ringseq", dir);
	CU_ASSERT_EQUAL(rc_ringseq_store(sub, 20), -ENOENT);
	CU_ASSERT(rc_ringseq_store(path, RC_RING_SEQ_MAX + 4) < 0);
	CU_ASSERT_EQUAL(rc_ringseq_load(path, &seq, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(seq, 16);
	teardown();
}

static const struct unit_test tests[] = {
	T(test_missing_file_is_a_first_start),
	T(test_store_then_load_round_trips_and_leaves_no_temporary),
	T(test_an_implausible_value_is_refused),
	T(test_a_torn_or_foreign_file_is_refused),
	T(test_a_symlink_is_not_followed),
	T(test_a_failed_write_is_reported_and_keeps_the_old_value),
};

UNIT_TEST_MAIN("ringseq", tests)
