/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/config.c, its refusals: every bad file is an error that
 * names the file, the line and the key (or the section), with the range or
 * the choices where there are some; the first error stops the parse; a
 * load that cannot read says why. Split from test_config.c (which keeps what
 * parses) by behaviour; fixtures in tests/unit/configs/ (argv[1]).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "totem.h"

#include "unit_test.h"
#include "config_test.h"

/* ---- Errors ------------------------------------------------------------- */

static void test_not_a_number_names_file_line_and_key(void)
{
	EXPECT_ERROR("totem {\n version: 2\n token: fast\n}\n" NODES,
		     "t.conf:3: key 'token' in totem: 'fast' is not a number");
	EXPECT_ERROR("totem {\n token: -5\n}\n" NODES, "t.conf:2:", "'token'",
		     "not a number");
	EXPECT_ERROR("totem {\n token: 12ms\n}\n" NODES, "t.conf:2:", "not a number");
	EXPECT_ERROR("totem {\n token: 1.5\n}\n" NODES, "t.conf:2:", "not a number");
	EXPECT_ERROR("totem {\n window_size: \"\"\n}\n" NODES, "t.conf:2:",
		     "'window_size'", "not a number");
	EXPECT_ERROR(NODES "dataplane {\n lcore: one\n}\n", "t.conf:7:",
		     "key 'lcore' in dataplane");
}

/* The client socket, runtime_dir/ringcastd.sock, must fit a unix socket's
   path (108 bytes): a longer runtime_dir passed -t and failed at start. */
static void test_runtime_dir_too_long_for_the_socket_is_an_error(void)
{
	char text[512], dir[128];

	memset(dir, 'r', sizeof(dir));
	dir[0] = '/';
	dir[RC_CONFIG_RUNTIME_DIR_MAX] = '\0';
	snprintf(text, sizeof(text), NODES "ringcast {\n runtime_dir: %s\n}\n", dir);
	CU_ASSERT_EQUAL(parse(text), 0);
	dir[RC_CONFIG_RUNTIME_DIR_MAX] = 'r';
	dir[RC_CONFIG_RUNTIME_DIR_MAX + 1] = '\0';
	snprintf(text, sizeof(text), NODES "ringcast {\n runtime_dir: %s\n}\n", dir);
	EXPECT_ERROR(text, "t.conf:7:", "key 'runtime_dir' in ringcast",
		     "93 characters, at most 92", "ringcastd.sock");
}

static void test_out_of_range_names_the_range(void)
{
	EXPECT_ERROR("totem {\n token: 0\n}\n" NODES,
		     "t.conf:2: key 'token' in totem: '0' is out of range 1..600000 "
		     "(milliseconds)");
	EXPECT_ERROR("totem {\n version: 1\n}\n" NODES, "t.conf:2:", "'version'",
		     "out of range 2..2");
	EXPECT_ERROR("totem {\n netmtu: 500\n}\n" NODES, "t.conf:2:", "'netmtu'",
		     "out of range");
	EXPECT_ERROR("totem {\n token: 99999999999999999999999\n}\n" NODES,
		     "t.conf:2:", "'token'", "out of range");
	EXPECT_ERROR(NODES "dataplane {\n lcore: 1024\n}\n", "t.conf:7:",
		     "'lcore'", "out of range 0..1023");
	EXPECT_ERROR("nodelist {\n node {\n  nodeid: 0\n }\n}\n", "t.conf:3:",
		     "key 'nodeid' in nodelist.node", "out of range");
	EXPECT_ERROR("nodelist {\n node {\n  nodeid: 4294967296\n }\n}\n",
		     "t.conf:3:", "'nodeid'", "out of range");
}

static void test_wrong_enum_word_lists_the_choices(void)
{
	EXPECT_ERROR(NODES "logging {\n to_stderr: maybe\n}\n",
		     "t.conf:7: key 'to_stderr' in logging: 'maybe' is not one of: "
		     "yes, no, on, off");
	EXPECT_ERROR(NODES "logging {\n syslog_facility: local8\n}\n", "t.conf:7:",
		     "'syslog_facility'", "daemon, local0");
	EXPECT_ERROR(NODES "logging {\n debug: verbose\n}\n", "t.conf:7:",
		     "'debug'", "off, on, trace");
	EXPECT_ERROR(NODES "dataplane {\n idle: sleepy\n}\n", "t.conf:7:",
		     "'idle'", "busy, adaptive");
	EXPECT_ERROR(NODES "ringcast {\n zero_copy: yes\n}\n", "t.conf:7:",
		     "'zero_copy'", "off, root, all");
	/* words are case-sensitive, like corosync's */
	EXPECT_ERROR(NODES "logging {\n to_syslog: Yes\n}\n", "t.conf:7:", "'to_syslog'");
}

static void test_enum_words_are_stored(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(NODES "logging {\n syslog_facility: local5\n"
				    " debug: trace\n to_stderr: off\n}\n"
				    "dataplane {\n idle: busy\n}\n"), 0);
	CU_ASSERT_EQUAL(cfg.logging.syslog_facility, LOG_LOCAL5);
	CU_ASSERT_EQUAL(cfg.logging.debug, RC_LOG_DEBUG_TRACE);
	CU_ASSERT_FALSE(cfg.logging.to_stderr);
	CU_ASSERT_EQUAL(cfg.dataplane.idle, RC_IDLE_BUSY);
}

static void test_duplicate_key_is_an_error_naming_the_first(void)
{
	EXPECT_ERROR("totem {\n token: 100\n join: 10\n token: 200\n}\n" NODES,
		     "t.conf:4: key 'token' in totem: duplicate key (first set at line 2)");
	EXPECT_ERROR("nodelist {\n node {\n  nodeid: 1\n  nodeid: 2\n }\n}\n",
		     "t.conf:4:", "key 'nodeid' in nodelist.node", "duplicate");
	/* the same key in two nodes is not a duplicate */
	CU_ASSERT_EQUAL(parse("nodelist {\n node {\n  nodeid: 1\n }\n"
			      " node {\n  nodeid: 2\n }\n}\n"), 0);
}

static void test_unterminated_section_is_reported_where_it_opens(void)
{
	EXPECT_ERROR("totem {\n token: 100\n\n" NODES,
		     "t.conf:1: section 'totem' is not closed at end of file");
	EXPECT_ERROR("nodelist {\n node {\n  nodeid: 1\n", "t.conf:2:",
		     "section 'node' is not closed");
}

static void test_close_brace_without_section_is_an_error(void)
{
	EXPECT_ERROR(NODES "}\n", "t.conf:6: '}' without an open section");
	EXPECT_ERROR("}\n" NODES, "t.conf:1:", "without an open section");
}

static void test_line_that_is_neither_is_an_error(void)
{
	EXPECT_ERROR("totem {\n token 100\n}\n" NODES,
		     "t.conf:2: expected ':' or '{' after 'token'");
	EXPECT_ERROR("totem {\n = 100\n}\n" NODES, "t.conf:2:",
		     "expected 'key: value', 'section {' or '}'");
	EXPECT_ERROR("totem { token: 100 }\n" NODES, "t.conf:1:", "text after 'totem {'");
	EXPECT_ERROR("totem {\n} x\n" NODES, "t.conf:2:", "text after '}'");
	EXPECT_ERROR("\"totem\" {\n}\n" NODES, "t.conf:1:", "expected");
	EXPECT_ERROR("totem\n{\n}\n" NODES, "t.conf:1:", "after 'totem'");
}

static void test_missing_nodelist_is_an_error(void)
{
	EXPECT_ERROR("totem {\n token: 100\n}\n",
		     "t.conf: section 'nodelist' missing");
	EXPECT_ERROR("", "t.conf:", "nodelist");
	EXPECT_ERROR("totem {\n}\n\nnodelist {\n}\n",
		     "t.conf:4: section 'nodelist' has no node");
	/* a node outside a nodelist is not a node */
	EXPECT_ERROR("node {\n nodeid: 1\n}\n", "nodelist");
}

static void test_node_without_nodeid_is_an_error_at_the_node(void)
{
	EXPECT_ERROR("nodelist {\n node {\n  nodeid: 1\n }\n node {\n  name: b\n }\n}\n",
		     "t.conf:5: section 'node' in nodelist: key 'nodeid' missing");
}

static void test_duplicate_nodeid_or_name_is_an_error(void)
{
	EXPECT_ERROR("nodelist {\n"
		     " node {\n  nodeid: 1\n  name: a\n }\n"
		     " node {\n  name: b\n  nodeid: 1\n }\n"
		     "}\n",
		     "t.conf:8: key 'nodeid' in nodelist.node: 1 is already the "
		     "nodeid of the node at line 2");
	EXPECT_ERROR("nodelist {\n"
		     " node {\n  nodeid: 1\n  name: a\n }\n"
		     " node {\n  nodeid: 2\n  name: a\n }\n"
		     "}\n",
		     "t.conf:8: key 'name' in nodelist.node: 'a' is already the "
		     "name of the node at line 2");
	EXPECT_ERROR("nodelist {\n"
		     " node {\n  nodeid: 1\n  ring0_addr: 10.0.0.1\n }\n"
		     " node {\n  nodeid: 2\n  ring0_addr: 10.0.0.1\n }\n"
		     "}\n",
		     "t.conf:8: key 'ring0_addr' in nodelist.node: '10.0.0.1' is "
		     "already the ring0_addr of the node at line 2");
	/* nodes without a name do not clash */
	CU_ASSERT_EQUAL(parse("nodelist {\n node {\n  nodeid: 1\n }\n"
			      " node {\n  nodeid: 2\n }\n}\n"), 0);
}

static void test_more_than_32_nodes_is_an_error(void)
{
	char text[8192];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "nodelist {\n");
	for (int i = 1; i <= 33; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      " node {\n  nodeid: %d\n }\n", i);
	snprintf(text + n, sizeof(text) - n, "}\n");
	/* node 33 opens on line 2 + 32 * 3 */
	EXPECT_ERROR(text, "t.conf:98:", "more than 32 nodes");
	/* 32 is fine */
	n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "nodelist {\n");
	for (int i = 1; i <= 32; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      " node {\n  nodeid: %d\n }\n", i);
	snprintf(text + n, sizeof(text) - n, "}\n");
	CU_ASSERT_EQUAL(parse(text), 0);
	CU_ASSERT_EQUAL(cfg.n_nodes, 32);
}

static void test_value_too_long_is_an_error(void)
{
	char text[2048];

	snprintf(text, sizeof(text), "totem {\n cluster_name: %0256d\n}\n" NODES, 0);
	EXPECT_ERROR(text, "t.conf:2: key 'cluster_name' in totem: value too long "
		     "(256 characters, at most 255)");
	snprintf(text, sizeof(text), "totem {\n cluster_name: %0255d\n}\n" NODES, 0);
	CU_ASSERT_EQUAL(parse(text), 0);
	CU_ASSERT_EQUAL(strlen(cfg.cluster_name), 255);
}

static void test_line_too_long_is_an_error(void)
{
	size_t len = RC_CONFIG_LINE_MAX + 64;
	char *text = malloc(len + 64);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memcpy(text, "# ok\n#", 6);
	memset(text + 6, 'x', len);
	memcpy(text + 6 + len, "\n", 2);
	EXPECT_ERROR(text, "t.conf:2: line too long");
	/* exactly RC_CONFIG_LINE_MAX characters is fine, in a comment */
	text[5 + RC_CONFIG_LINE_MAX] = '\n';
	memcpy(text + 6 + RC_CONFIG_LINE_MAX, NODES, sizeof(NODES));
	CU_ASSERT_EQUAL(parse(text), 0);
	free(text);
}

static void test_unterminated_quote_is_an_error(void)
{
	EXPECT_ERROR("totem {\n cluster_name: \"abc\n}\n" NODES,
		     "t.conf:2: key 'cluster_name' in totem: unterminated quoted value");
	EXPECT_ERROR("totem {\n cluster_name: \"abc\" def\n}\n" NODES,
		     "t.conf:2:", "text after the quoted value");
}

static void test_missing_value_is_an_error(void)
{
	EXPECT_ERROR("totem {\n cluster_name:\n}\n" NODES,
		     "t.conf:2: key 'cluster_name' in totem: missing value");
	EXPECT_ERROR("totem {\n token:   # none\n}\n" NODES, "t.conf:2:", "missing value");
}

static void test_relative_path_is_an_error(void)
{
	EXPECT_ERROR(NODES "ringcast {\n state_dir: var/lib\n}\n",
		     "t.conf:7: key 'state_dir' in ringcast: 'var/lib' is not an "
		     "absolute path");
	EXPECT_ERROR(NODES "logging {\n logfile: \"\"\n}\n", "t.conf:7:", "'logfile'");
}

static void test_to_logfile_without_logfile_is_an_error(void)
{
	EXPECT_ERROR(NODES "logging {\n to_logfile: yes\n}\n",
		     "t.conf:7: key 'logfile' in logging: missing");
}

static void test_totem_check_failure_is_reported_on_the_totem_section(void)
{
	EXPECT_ERROR("# x\ntotem {\n window_size: 8\n max_messages: 64\n}\n" NODES,
		     "t.conf:2: section 'totem': max_messages must be 1..window_size");
	EXPECT_ERROR("totem {\n accelerated_window: 2000\n}\n" NODES,
		     "t.conf:1: section 'totem':", "accel_window");
	EXPECT_ERROR("totem {\n join: 80\n consensus: 80\n}\n" NODES,
		     "t.conf:1: section 'totem':", "join timeout");
	EXPECT_ERROR("totem {\n token: 100\n token_retransmit: 100\n}\n" NODES,
		     "t.conf:1: section 'totem':", "token timeout");
}

static void test_send_queue_len_must_be_a_power_of_two(void)
{
	EXPECT_ERROR("totem {\n send_queue_len: 1000\n}\n" NODES,
		     "t.conf:2: key 'send_queue_len' in totem: 1000 is not a power of two");
	CU_ASSERT_EQUAL(parse("totem {\n send_queue_len: 1024\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.send_queue_len, 1024);
}

static void test_nul_and_control_characters_are_errors(void)
{
	static const char nul[] = "totem {\n tok\0en: 1\n}\n" NODES;
	static const char bell[] = "totem {\n token: 1\a\n}\n" NODES;

	CU_ASSERT_EQUAL(rc_config_parse(nul, sizeof(nul) - 1, "t.conf", &cfg, err,
					sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:2: NUL byte"));
	CU_ASSERT_EQUAL(rc_config_parse(bell, sizeof(bell) - 1, "t.conf", &cfg, err,
					sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:2: control character 0x07"));
}

static void test_nesting_deeper_than_16_is_an_error(void)
{
	char text[4096];
	size_t n = 0;

	for (int i = 0; i < 17; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "s%d {\n", i);
	EXPECT_ERROR(text, "t.conf:17:", "nested too deeply");
}

static void test_first_error_stops_the_parse(void)
{
	EXPECT_ERROR("totem {\n token: x\n join: y\n}\n", "t.conf:2:", "'token'");
	CU_ASSERT_PTR_NULL(strstr(err, "join"));
	CU_ASSERT_PTR_NULL(strstr(err, "nodelist"));
}

static void test_error_message_is_truncated_to_the_buffer(void)
{
	static const char text[] = "totem {\n token: x\n}\n" NODES;
	char small[16];

	memset(small, '#', sizeof(small));
	CU_ASSERT_EQUAL(rc_config_parse(text, strlen(text), "t.conf", &cfg, small, 8),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(small, "t.conf:");
	CU_ASSERT_EQUAL(small[8], '#');
	CU_ASSERT_EQUAL(rc_config_parse(text, strlen(text), "t.conf", &cfg, NULL, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(rc_config_parse(NULL, 0, "t.conf", &cfg, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nodelist"));
	CU_ASSERT_EQUAL(rc_config_parse(NULL, 5, "t.conf", &cfg, err, sizeof(err)),
			-EINVAL);
}

/* ---- Loading ------------------------------------------------------------ */

static void test_load_error_names_the_file_and_line(void)
{
	char want[PATH_MAX + 32];

	CU_ASSERT_EQUAL(load("bad-token.conf"), -EINVAL);
	snprintf(want, sizeof(want), "%s/bad-token.conf:4: key 'token' in totem",
		 configs_dir);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

static void test_load_of_a_missing_file_returns_errno_naming_it(void)
{
	CU_ASSERT_EQUAL(load("no-such-file.conf"), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-file.conf"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
}

static void test_load_of_a_directory_is_an_error(void)
{
	CU_ASSERT_EQUAL(rc_config_load(configs_dir, &cfg, err, sizeof(err)), -EISDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, configs_dir));
}

static const struct unit_test tests[] = {
	T(test_not_a_number_names_file_line_and_key),
	T(test_out_of_range_names_the_range),
	T(test_runtime_dir_too_long_for_the_socket_is_an_error),
	T(test_wrong_enum_word_lists_the_choices),
	T(test_enum_words_are_stored),
	T(test_duplicate_key_is_an_error_naming_the_first),
	T(test_unterminated_section_is_reported_where_it_opens),
	T(test_close_brace_without_section_is_an_error),
	T(test_line_that_is_neither_is_an_error),
	T(test_missing_nodelist_is_an_error),
	T(test_node_without_nodeid_is_an_error_at_the_node),
	T(test_duplicate_nodeid_or_name_is_an_error),
	T(test_more_than_32_nodes_is_an_error),
	T(test_value_too_long_is_an_error),
	T(test_line_too_long_is_an_error),
	T(test_unterminated_quote_is_an_error),
	T(test_missing_value_is_an_error),
	T(test_relative_path_is_an_error),
	T(test_to_logfile_without_logfile_is_an_error),
	T(test_totem_check_failure_is_reported_on_the_totem_section),
	T(test_send_queue_len_must_be_a_power_of_two),
	T(test_nul_and_control_characters_are_errors),
	T(test_nesting_deeper_than_16_is_an_error),
	T(test_first_error_stops_the_parse),
	T(test_error_message_is_truncated_to_the_buffer),
	T(test_load_error_names_the_file_and_line),
	T(test_load_of_a_missing_file_returns_errno_naming_it),
	T(test_load_of_a_directory_is_an_error),
};

int main(int argc, char **argv)
{
	if (argc > 1)
		configs_dir = argv[1];
	return unit_test_run("config-errors", tests, sizeof(tests) / sizeof(tests[0]));
}
