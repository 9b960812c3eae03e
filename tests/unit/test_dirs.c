/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/dirs.c: the daemon's directories are made with parents,
 * and refused when another user could change them (group- or
 * world-writable, owned by someone else), when they are symlinks or not
 * directories; each refusal says what to change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirs.h"

#include "unit_test.h"

static char top[64];

static void setup(void)
{
	snprintf(top, sizeof(top), "/tmp/rc-dirs-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(top) != NULL);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_made_with_parents_and_accepted(void)
{
	char p[128], why[256] = "";
	struct stat st;

	setup();
	snprintf(p, sizeof(p), "%s/a/b/run", top);
	CU_ASSERT_EQUAL(rc_dir_make(p), 0);
	CU_ASSERT_EQUAL(rc_dir_make(p), 0);	/* again: it exists */
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(rc_dir_check(top, why, sizeof(why)), 0);	/* 0700 */
	teardown();
}

static void test_writable_by_others_is_refused(void)
{
	char p[128], why[256] = "";

	setup();
	snprintf(p, sizeof(p), "%s/run", top);
	CU_ASSERT_EQUAL(rc_dir_make(p), 0);
	CU_ASSERT_EQUAL(chmod(p, 0777), 0);
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "writable by its other users (mode 0777)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "chmod go-w"));
	CU_ASSERT_EQUAL(chmod(p, 0775), 0);
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "writable by its group"));
	CU_ASSERT_EQUAL(chmod(p, 0755), 0);
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), 0);
	/* /tmp itself: sticky, but anyone can create names in it */
	CU_ASSERT_EQUAL(rc_dir_check("/tmp", why, sizeof(why)), -EPERM);
	teardown();
}

static void test_symlink_file_and_missing_are_refused(void)
{
	char d[128], l[160], f[128], why[256] = "";
	FILE *fp;

	setup();
	snprintf(d, sizeof(d), "%s/real", top);
	snprintf(l, sizeof(l), "%s/link", top);
	snprintf(f, sizeof(f), "%s/file", top);
	CU_ASSERT_EQUAL(rc_dir_make(d), 0);
	CU_ASSERT_EQUAL(symlink(d, l), 0);
	CU_ASSERT_EQUAL(rc_dir_check(l, why, sizeof(why)), -ELOOP);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "symbolic link"));
	/* a trailing slash would make lstat follow it */
	strcat(l, "//");
	CU_ASSERT_EQUAL(rc_dir_check(l, why, sizeof(why)), -ELOOP);
	CU_ASSERT_EQUAL(rc_dir_check("/", why, sizeof(why)), 0);
	fp = fopen(f, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fclose(fp);
	CU_ASSERT_EQUAL(rc_dir_check(f, why, sizeof(why)), -ENOTDIR);
	/* making it "succeeds" (mkdir's EEXIST): the check is what refuses it */
	CU_ASSERT_EQUAL(rc_dir_make(f), 0);
	snprintf(f, sizeof(f), "%s/none", top);
	CU_ASSERT_EQUAL(rc_dir_check(f, why, sizeof(why)), -ENOENT);
	teardown();
}

static void test_owned_by_another_user_is_refused(void)
{
	char p[128], why[256] = "";

	if (geteuid() != 0) {
		printf("(not root: chown cannot be tried) ");
		return;
	}
	setup();
	snprintf(p, sizeof(p), "%s/state", top);
	CU_ASSERT_EQUAL(rc_dir_make(p), 0);
	CU_ASSERT_EQUAL(chown(p, 65534, 65534), 0);
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "owned by uid 65534"));
	teardown();
}

/* A parent another user can write (and not sticky) could have the
   directory renamed away and replaced; a sticky one (/tmp) cannot. */
static void test_a_parent_others_can_write_is_refused_unless_sticky(void)
{
	char p[128], up[128], why[256] = "";

	setup();
	snprintf(up, sizeof(up), "%s/shared", top);
	snprintf(p, sizeof(p), "%s/shared/run", top);
	CU_ASSERT_EQUAL(rc_dir_make(p), 0);
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(chmod(up, 0777), 0);
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "above"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not sticky"));
	CU_ASSERT_EQUAL(chmod(up, 01777), 0);
	CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), 0);
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chmod(up, 0755), 0);
		CU_ASSERT_EQUAL(chown(up, 65534, 65534), 0);
		CU_ASSERT_EQUAL(rc_dir_check(p, why, sizeof(why)), -EPERM);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "owned by uid 65534"));
	}
	teardown();
}

static const struct unit_test tests[] = {
	T(test_made_with_parents_and_accepted),
	T(test_writable_by_others_is_refused),
	T(test_symlink_file_and_missing_are_refused),
	T(test_owned_by_another_user_is_refused),
	T(test_a_parent_others_can_write_is_refused_unless_sticky),
};

UNIT_TEST_MAIN("dirs", tests)
