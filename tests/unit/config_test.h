/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness of the configuration parser's tests (test_config.c,
 * test_config_crypto.c): one parsed struct, its error, parse and load
 * helpers, error and warning matchers. Included once per test program.
 */
#ifndef RC_CONFIG_TEST_H
#define RC_CONFIG_TEST_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "unit_test.h"

#define MS		1000000ull

static const char *configs_dir = "tests/unit/configs";
static struct rc_config cfg;	/* ~50 KiB: not on the stack */
static char err[RC_CONFIG_MSG_MAX];

/* ---- Helpers ------------------------------------------------------------ */

/* One node, so that a snippet under test is a whole valid file. */
#define NODES	"nodelist {\n node {\n  nodeid: 1\n }\n}\n"

static int parse(const char *text)
{
	return rc_config_parse(text, strlen(text), "t.conf", &cfg, err, sizeof(err));
}

static int load(const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", configs_dir, file);
	return rc_config_load(path, &cfg, err, sizeof(err));
}

/* The parse fails with -EINVAL and err holds every given substring. */
static void expect_error(const char *text, ...)
{
	const char *want;
	va_list ap;
	int ret;

	ret = parse(text);
	CU_ASSERT_EQUAL(ret, -EINVAL);
	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (!strstr(err, want)) {
			fprintf(stderr, "\n  error '%s' lacks '%s'\n", err, want);
			CU_FAIL("error message lacks an expected part");
		}
	}
	va_end(ap);
}
#define EXPECT_ERROR(text, ...)	expect_error(text, __VA_ARGS__, (const char *)NULL)

static inline int has_warning(const char *want)
{
	for (uint32_t i = 0; i < rc_config_warning_count(&cfg); i++)
		if (strstr(rc_config_warning(&cfg, i), want))
			return 1;
	return 0;
}

#endif /* RC_CONFIG_TEST_H */
