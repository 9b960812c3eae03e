/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/config.c: the configuration file parser. Fixtures live in
 * tests/unit/configs/ (the directory is argv[1]); most cases parse text given
 * inline. Built twice: test_config (every behaviour), and test_config_mutate
 * (-DRC_CONFIG_TEST_MUTATE, under ASan/UBSan when available) which adds a
 * seeded mutation loop that must never crash or overrun.
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

/* ---- Whole files -------------------------------------------------------- */

static void test_full_file_parses_into_expected_values(void)
{
	const struct rc_totem_config *t = &cfg.totem;

	CU_ASSERT_EQUAL_FATAL(load("three-nodes.conf"), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(rc_config_warning_count(&cfg), 0);

	CU_ASSERT_STRING_EQUAL(cfg.cluster_name, "rc-test");
	CU_ASSERT_EQUAL(t->token_timeout_ns, 1000 * MS);
	CU_ASSERT_EQUAL(cfg.token_retransmits_before_loss_const, 4);
	CU_ASSERT_EQUAL(t->join_timeout_ns, 50 * MS);
	CU_ASSERT_EQUAL(t->consensus_timeout_ns, 1200 * MS);
	CU_ASSERT_EQUAL(t->merge_timeout_ns, 200 * MS);
	CU_ASSERT_EQUAL(t->srp.hold_ns, 8 * MS);
	CU_ASSERT_EQUAL(t->fail_recv_const, 2500);
	CU_ASSERT_EQUAL(t->srp.window_size, 256);
	CU_ASSERT_EQUAL(t->srp.max_messages, 64);
	CU_ASSERT_EQUAL(t->srp.accel_window, 16);
	CU_ASSERT_EQUAL(t->srp.netmtu, 1500);
	CU_ASSERT_EQUAL(t->srp.send_queue_len, 4096);
	CU_ASSERT_EQUAL(t->srp.max_msg_size, 1u << 20);
	CU_ASSERT_EQUAL(t->srp.nodeid, 0);	/* the daemon sets it */

	CU_ASSERT_EQUAL_FATAL(cfg.n_nodes, 3);
	for (uint32_t i = 0; i < 3; i++) {
		char name[16], addr[16];

		snprintf(name, sizeof(name), "node%u", i + 1);
		snprintf(addr, sizeof(addr), "10.77.0.%u", i + 1);
		CU_ASSERT_EQUAL(cfg.nodes[i].nodeid, i + 1);
		CU_ASSERT_STRING_EQUAL(cfg.nodes[i].name, name);
		CU_ASSERT_STRING_EQUAL(cfg.nodes[i].ring0_addr, addr);
	}

	CU_ASSERT_TRUE(cfg.logging.to_stderr);
	CU_ASSERT_FALSE(cfg.logging.to_logfile);
	CU_ASSERT_FALSE(cfg.logging.to_syslog);
	CU_ASSERT_EQUAL(cfg.logging.syslog_facility, LOG_DAEMON);
	CU_ASSERT_EQUAL(cfg.logging.debug, RC_LOG_DEBUG_OFF);
	CU_ASSERT_EQUAL(cfg.logging.timestamp, RC_LOG_TIMESTAMP_ON);
	CU_ASSERT_TRUE(cfg.logging.blackbox);

	CU_ASSERT_STRING_EQUAL(cfg.dataplane.eal_args, "--in-memory --no-pci --no-telemetry");
	CU_ASSERT_STRING_EQUAL(cfg.dataplane.port, "net_af_packet0,iface=veth0");
	CU_ASSERT_EQUAL(cfg.dataplane.ethertype, 0x88b5);
	CU_ASSERT_EQUAL(cfg.dataplane.lcore, 1);
	CU_ASSERT_EQUAL(cfg.dataplane.idle, RC_IDLE_ADAPTIVE);
	CU_ASSERT_EQUAL(cfg.dataplane.idle_spin, 256);
	CU_ASSERT_EQUAL(cfg.dataplane.idle_sleep_us, 50);

	CU_ASSERT_STRING_EQUAL(cfg.ringcast.runtime_dir, "/run/ringcast");
	CU_ASSERT_STRING_EQUAL(cfg.ringcast.state_dir, "/var/lib/ringcast");
	CU_ASSERT_EQUAL(cfg.ringcast.n_allow_uid, 1);
	CU_ASSERT_EQUAL(cfg.ringcast.allow_uid[0], 0);
	CU_ASSERT_EQUAL(cfg.ringcast.n_allow_gid, 1);
	CU_ASSERT_EQUAL(cfg.ringcast.max_rx_backlog, 64ull << 20);
}

static void test_defaults_apply_when_keys_are_absent(void)
{
	const struct rc_totem_config *t = &cfg.totem;

	CU_ASSERT_EQUAL_FATAL(load("minimal.conf"), 0);
	CU_ASSERT_EQUAL(t->token_timeout_ns, 160 * MS);
	CU_ASSERT_EQUAL(cfg.token_retransmits_before_loss_const, 4);
	CU_ASSERT_EQUAL(t->join_timeout_ns, 20 * MS);
	CU_ASSERT_EQUAL(t->consensus_timeout_ns, 192 * MS);	/* 1.2 x token */
	CU_ASSERT_EQUAL(t->merge_timeout_ns, 200 * MS);
	CU_ASSERT_EQUAL(t->srp.hold_ns, 8 * MS);
	CU_ASSERT_EQUAL(t->fail_recv_const, 2500);
	CU_ASSERT_EQUAL(t->srp.window_size, 256);
	CU_ASSERT_EQUAL(t->srp.max_messages, 64);
	CU_ASSERT_EQUAL(t->srp.netmtu, 1500);
	CU_ASSERT_EQUAL(t->srp.accel_window, 128);
	CU_ASSERT_EQUAL(t->srp.send_queue_len, 4096);
	CU_ASSERT_EQUAL(t->srp.max_msg_size, 64u << 20);
	CU_ASSERT_STRING_EQUAL(cfg.cluster_name, "");
	CU_ASSERT_TRUE(cfg.cluster_id_from_name);
	CU_ASSERT_NOT_EQUAL(t->srp.cluster_id, 0);

	CU_ASSERT_TRUE(cfg.logging.to_stderr);
	CU_ASSERT_TRUE(cfg.logging.to_syslog);
	CU_ASSERT_FALSE(cfg.logging.to_logfile);
	CU_ASSERT_TRUE(cfg.logging.blackbox);
	CU_ASSERT_EQUAL(cfg.logging.syslog_facility, LOG_DAEMON);
	CU_ASSERT_EQUAL(cfg.logging.debug, RC_LOG_DEBUG_OFF);
	CU_ASSERT_EQUAL(cfg.logging.timestamp, RC_LOG_TIMESTAMP_OFF);
	CU_ASSERT_STRING_EQUAL(cfg.logging.logfile, "");

	CU_ASSERT_STRING_EQUAL(cfg.dataplane.eal_args, "");
	CU_ASSERT_STRING_EQUAL(cfg.dataplane.port, "");
	CU_ASSERT_EQUAL(cfg.dataplane.ethertype, 0x88b5);
	CU_ASSERT_EQUAL(cfg.dataplane.lcore, RC_CONFIG_LCORE_ANY);
	CU_ASSERT_EQUAL(cfg.dataplane.idle, RC_IDLE_ADAPTIVE);
	CU_ASSERT_EQUAL(cfg.dataplane.idle_spin, 256);
	CU_ASSERT_EQUAL(cfg.dataplane.idle_sleep_us, 50);
	CU_ASSERT_EQUAL(cfg.dataplane.test_hooks, 0);	/* never on unless asked */

	CU_ASSERT_STRING_EQUAL(cfg.ringcast.runtime_dir, "/run/ringcast");
	CU_ASSERT_STRING_EQUAL(cfg.ringcast.state_dir, "/var/lib/ringcast");
	CU_ASSERT_EQUAL(cfg.ringcast.n_allow_uid, 0);
	CU_ASSERT_EQUAL(cfg.ringcast.n_allow_gid, 0);
	CU_ASSERT_EQUAL(cfg.ringcast.max_rx_backlog, 34ull << 20);
	CU_ASSERT_EQUAL(cfg.ringcast.zero_copy, RC_ZC_ROOT);
}

static void test_init_gives_the_same_defaults_as_an_empty_file(void)
{
	static struct rc_config init;

	rc_config_init(&init);
	CU_ASSERT_EQUAL_FATAL(parse(NODES), 0);
	/* the parse added the node; everything else must match */
	init.n_nodes = cfg.n_nodes;
	init.nodes[0] = cfg.nodes[0];
	CU_ASSERT_EQUAL(memcmp(&init, &cfg, sizeof(cfg)), 0);
}

/* rc_totem_create() wants send and deliver; nothing is started here. */
static void no_send(void *priv, uint32_t dst, const void *frame, size_t len)
{
}

static void no_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
}

static void test_parsed_config_creates_a_totem_engine(void)
{
	struct rc_totem_ops ops = { 0 };
	struct rc_totem_config t;
	struct rc_totem *engine = NULL;
	uint32_t self = 0;

	CU_ASSERT_EQUAL_FATAL(load("three-nodes.conf"), 0);
	CU_ASSERT_EQUAL_FATAL(rc_config_find_self(&cfg, "node2", 0, &self, err,
						  sizeof(err)), 0);
	t = cfg.totem;
	t.srp.nodeid = self;
	CU_ASSERT_EQUAL(rc_totem_config_check(&t, NULL), 0);
	ops.send = no_send;
	ops.deliver = no_deliver;
	CU_ASSERT_EQUAL(rc_totem_create(&t, &ops, NULL, &engine), 0);
	rc_totem_destroy(engine);
}

static void test_corosync_file_parses_with_warnings_for_what_ringcast_ignores(void)
{
	CU_ASSERT_EQUAL_FATAL(load("corosync-style.conf"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.cluster_name, "hacluster");
	CU_ASSERT_EQUAL(cfg.totem.token_timeout_ns, 3000 * MS);
	CU_ASSERT_EQUAL(cfg.n_nodes, 2);
	CU_ASSERT_STRING_EQUAL(cfg.nodes[1].name, "beta");
	CU_ASSERT_TRUE(cfg.logging.to_logfile);
	CU_ASSERT_STRING_EQUAL(cfg.logging.logfile, "/var/log/cluster/corosync.log");
	CU_ASSERT_EQUAL(cfg.logging.timestamp, RC_LOG_TIMESTAMP_HIRES);
	CU_ASSERT_TRUE(has_warning("corosync-style.conf:6: unknown key 'transport' in totem, ignored"));
	/* crypto_cipher: aes256, crypto_hash: sha256 mean frames encrypted here */
	CU_ASSERT_FALSE(has_warning("crypto_"));
	CU_ASSERT_EQUAL(cfg.crypto.mode, RC_AUTH_MODE_AEAD);
	CU_ASSERT_TRUE(has_warning(":10: unknown section 'interface' in totem, ignored"));
	CU_ASSERT_TRUE(has_warning(":29: unknown section 'quorum', ignored"));
	CU_ASSERT_TRUE(has_warning(":39: unknown section 'logger_subsys' in logging"));
	/* the contents of ignored sections do not warn again */
	CU_ASSERT_FALSE(has_warning("linknumber"));
	CU_ASSERT_FALSE(has_warning("provider"));
	CU_ASSERT_EQUAL(rc_config_warning_count(&cfg), 4);
}

/* ---- Derived values ----------------------------------------------------- */

static void test_token_retransmit_is_token_over_retransmits_plus_0_2(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(NODES), 0);
	/* 160 ms / 4.2 */
	CU_ASSERT_EQUAL(cfg.totem.srp.token_retransmit_ns, 38095238);

	CU_ASSERT_EQUAL_FATAL(parse("totem {\n token: 1000\n"
				    " token_retransmits_before_loss_const: 10\n}\n"
				    NODES), 0);
	/* 1000 ms / 10.2 */
	CU_ASSERT_EQUAL(cfg.totem.srp.token_retransmit_ns, 98039215);
}

/* corosync's rule: consensus = 1.2 x token unless it is given. */
static void test_consensus_follows_token_unless_given(void)
{
	rc_config_init(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n token: 1000\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.consensus_timeout_ns, 1200 * MS);
	rc_config_init(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n token: 1000\n consensus: 300\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.consensus_timeout_ns, 300 * MS);
}

static void test_explicit_token_retransmit_is_kept(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n token: 1000\n token_retransmit: 100\n}\n"
				    NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.token_retransmit_ns, 100 * MS);
}

static void test_default_hold_shrinks_below_a_short_token_retransmit(void)
{
	/* token 20 ms: retransmit 4.76 ms, so the default 8 ms hold is 0.8 of it */
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n token: 20\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.token_retransmit_ns, 4761904);
	CU_ASSERT_EQUAL(cfg.totem.srp.hold_ns, 4761904 * 4 / 5);
	/* but a hold the file gives is checked, not changed */
	EXPECT_ERROR("totem {\n token: 20\n hold: 8\n}\n" NODES,
		     "t.conf:1: section 'totem':", "hold");
}

static void test_cluster_id_is_derived_from_cluster_name_and_stable(void)
{
	uint32_t a, b;

	CU_ASSERT_EQUAL_FATAL(parse("totem {\n cluster_name: alpha\n}\n" NODES), 0);
	a = cfg.totem.srp.cluster_id;
	CU_ASSERT_TRUE(cfg.cluster_id_from_name);
	CU_ASSERT_NOT_EQUAL(a, 0);
	/* FNV-1a of "alpha": stable across runs, builds and hosts */
	CU_ASSERT_EQUAL(a, 0x5d8b6dabu);
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n cluster_name: alpha\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.cluster_id, a);
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n cluster_name: beta\n}\n" NODES), 0);
	b = cfg.totem.srp.cluster_id;
	CU_ASSERT_NOT_EQUAL(b, a);
	CU_ASSERT_NOT_EQUAL(b, 0);
	/* given explicitly, it wins */
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n cluster_name: alpha\n cluster_id: 7\n}\n"
				    NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.cluster_id, 7);
	CU_ASSERT_FALSE(cfg.cluster_id_from_name);
	EXPECT_ERROR("totem {\n cluster_id: 0\n}\n" NODES, "t.conf:2:",
		     "key 'cluster_id' in totem", "out of range");
}

static void test_window_size_over_1024_grows_the_retransmit_buffer(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n window_size: 5000\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.window_size, 5000);
	CU_ASSERT_EQUAL(cfg.totem.srp.rtr_slots, 32768);
}

static void test_sizes_accept_k_m_g_suffixes(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n max_msg_size: 512K\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.max_msg_size, 512u << 10);
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n max_msg_size: 1GiB\n}\n"
				    "ringcast {\n max_rx_backlog: 2G\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.max_msg_size, 1u << 30);
	CU_ASSERT_EQUAL(cfg.ringcast.max_rx_backlog, 2ull << 30);
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n max_msg_size: 262144\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.totem.srp.max_msg_size, 262144);
	/* below it, a peer's group-table SYNC might not fit: refused */
	EXPECT_ERROR("totem {\n max_msg_size: 4096\n}\n" NODES, "t.conf:2:",
		     "'max_msg_size'", "out of range 262144..");
	EXPECT_ERROR("totem {\n max_msg_size: 2T\n}\n" NODES, "t.conf:2:",
		     "key 'max_msg_size' in totem", "not a size");
	EXPECT_ERROR("totem {\n max_msg_size: 2G\n}\n" NODES, "t.conf:2:",
		     "out of range");
	EXPECT_ERROR("totem {\n max_msg_size: 99999999999999999999G\n}\n" NODES,
		     "t.conf:2:", "out of range");
}

static void test_rx_backlog_is_independent_of_max_msg_size(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n max_msg_size: 512M\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.ringcast.max_rx_backlog, 34ull << 20);
	CU_ASSERT_EQUAL_FATAL(parse("ringcast {\n max_rx_backlog: 4M\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.ringcast.max_rx_backlog, 4ull << 20);
	EXPECT_ERROR("ringcast {\n max_rx_backlog: 1M\n}\n" NODES,
		     "t.conf:2:", "key 'max_rx_backlog' in ringcast", "out of range");
}

static void test_ethertype_takes_hex_or_decimal_in_range(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("dataplane {\n ethertype: 0x88b6\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.dataplane.ethertype, 0x88b6);
	CU_ASSERT_EQUAL_FATAL(parse("dataplane {\n ethertype: 1536\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.dataplane.ethertype, 0x0600);
	CU_ASSERT_EQUAL_FATAL(parse("dataplane {\n ethertype: 0xFFFF\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.dataplane.ethertype, 0xffff);
	EXPECT_ERROR("dataplane {\n ethertype: 0x05ff\n}\n" NODES, "t.conf:2:",
		     "key 'ethertype' in dataplane", "out of range 0x0600..0xffff");
	EXPECT_ERROR("dataplane {\n ethertype: 0x10000\n}\n" NODES, "t.conf:2:",
		     "out of range");
	EXPECT_ERROR("dataplane {\n ethertype: 0x\n}\n" NODES, "t.conf:2:",
		     "not a number");
}

static void test_allow_uid_repeats_up_to_32_without_duplicates(void)
{
	char text[4096];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "ringcast {\n");
	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      " allow_uid: %d\n allow_uid: %d\n", 1000 + i, 1000 + i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, " allow_gid: 5\n}\n" NODES);
	CU_ASSERT_EQUAL_FATAL(parse(text), 0);
	CU_ASSERT_EQUAL(cfg.ringcast.n_allow_uid, 32);
	CU_ASSERT_EQUAL(cfg.ringcast.allow_uid[31], 1031);
	CU_ASSERT_EQUAL(cfg.ringcast.n_allow_gid, 1);

	n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "ringcast {\n");
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " allow_gid: %d\n", i);
	snprintf(text + n, sizeof(text) - n, "}\n" NODES);
	EXPECT_ERROR(text, "t.conf:34:", "key 'allow_gid' in ringcast", "more than 32");
	EXPECT_ERROR("ringcast {\n allow_uid: 4294967295\n}\n" NODES, "t.conf:2:",
		     "key 'allow_uid'", "out of range");
}

/* ---- Syntax ------------------------------------------------------------- */

static void test_comments_blank_lines_and_quoting(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(
		"# a comment\n"
		"\n"
		"   # an indented comment\n"
		"totem { # after a brace\n"
		"\tcluster_name: \"two words\"   # after a quoted value\n"
		"\ttoken: 200# no space needed\n"
		"\tnetmtu:\"9000\"\n"
		"}\n"
		"dataplane {\n"
		"\teal_args: \"--vdev=net_tap0 # not a comment\"\n"
		"\tport: net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap\n"
		"}\n"
		"nodelist {\n"
		"\tnode {\n"
		"\t\tnodeid :  1  \n"
		"\t\tname: \"\"\n"
		"\t\tring0_addr: fe80::1\n"
		"\t}\n"
		"} # the end\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.cluster_name, "two words");
	CU_ASSERT_EQUAL(cfg.totem.token_timeout_ns, 200 * MS);
	CU_ASSERT_EQUAL(cfg.totem.srp.netmtu, 9000);
	CU_ASSERT_STRING_EQUAL(cfg.dataplane.eal_args, "--vdev=net_tap0 # not a comment");
	CU_ASSERT_STRING_EQUAL(cfg.dataplane.port,
			       "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap");
	CU_ASSERT_EQUAL(cfg.nodes[0].nodeid, 1);
	CU_ASSERT_STRING_EQUAL(cfg.nodes[0].name, "");
	CU_ASSERT_STRING_EQUAL(cfg.nodes[0].ring0_addr, "fe80::1");
}

static void test_unquoted_value_runs_to_end_of_line_trimmed(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("dataplane {\n eal_args:   -l 2-3  --in-memory \t\n}\n"
				    NODES), 0);
	CU_ASSERT_STRING_EQUAL(cfg.dataplane.eal_args, "-l 2-3  --in-memory");
}

static void test_nested_sections_and_reopened_sections(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(
		"totem {\n"
		" interface {\n"		/* corosync's; ignored */
		"  ringnumber: 0\n"
		"  deeper {\n"
		"   x: y\n"
		"  }\n"
		" }\n"
		" token: 300\n"
		"}\n"
		"nodelist {\n"
		" node {\n  nodeid: 4\n  name: d\n }\n"
		"}\n"
		"nodelist {\n"			/* a second nodelist adds nodes */
		" node {\n  nodeid: 5\n  name: e\n }\n"
		"}\n"
		"totem {\n"			/* and a second totem adds keys */
		" join: 30\n"
		"}\n"), 0);
	CU_ASSERT_EQUAL(cfg.totem.token_timeout_ns, 300 * MS);
	CU_ASSERT_EQUAL(cfg.totem.join_timeout_ns, 30 * MS);
	CU_ASSERT_EQUAL(cfg.n_nodes, 2);
	CU_ASSERT_EQUAL(cfg.nodes[1].nodeid, 5);
	CU_ASSERT_EQUAL(rc_config_warning_count(&cfg), 1);
	CU_ASSERT_TRUE(has_warning("t.conf:2: unknown section 'interface' in totem"));
	/* reopening a section does not make a key given twice legal */
	EXPECT_ERROR("totem {\n token: 300\n}\ntotem {\n token: 400\n}\n" NODES,
		     "t.conf:5:", "key 'token' in totem", "duplicate", "line 2");
}

static void test_crlf_line_endings_are_accepted(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("totem {\r\n token: 500\r\n cluster_name: x\r\n}\r\n"
				    "nodelist {\r\n node {\r\n nodeid: 9\r\n }\r\n}\r\n"), 0);
	CU_ASSERT_EQUAL(cfg.totem.token_timeout_ns, 500 * MS);
	CU_ASSERT_STRING_EQUAL(cfg.cluster_name, "x");
	CU_ASSERT_EQUAL(cfg.nodes[0].nodeid, 9);
}

static void test_last_line_needs_no_newline(void)
{
	CU_ASSERT_EQUAL(parse("nodelist {\n node {\n  nodeid: 1\n }\n}"), 0);
	CU_ASSERT_EQUAL(cfg.n_nodes, 1);
}

/* ---- Warnings ----------------------------------------------------------- */

static void test_unknown_key_warns_with_its_line_and_parse_succeeds(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("totem {\n token: 200\n foo: 1\n}\n"
				    "logging {\n colour: yes\n}\n"
				    "stray: 1\n" NODES), 0);
	CU_ASSERT_EQUAL(rc_config_warning_count(&cfg), 3);
	CU_ASSERT_STRING_EQUAL(rc_config_warning(&cfg, 0),
			       "t.conf:3: unknown key 'foo' in totem, ignored");
	CU_ASSERT_STRING_EQUAL(rc_config_warning(&cfg, 1),
			       "t.conf:6: unknown key 'colour' in logging, ignored");
	CU_ASSERT_STRING_EQUAL(rc_config_warning(&cfg, 2),
			       "t.conf:8: unknown key 'stray' outside any section, ignored");
	CU_ASSERT_PTR_NULL(rc_config_warning(&cfg, 3));
	/* the keys around it were read */
	CU_ASSERT_EQUAL(cfg.totem.token_timeout_ns, 200 * MS);
}

static void test_unknown_key_in_a_node_warns(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("nodelist {\n node {\n  nodeid: 1\n  ring1_addr: x\n"
				    " }\n}\n"), 0);
	CU_ASSERT_TRUE(has_warning("t.conf:4: unknown key 'ring1_addr' in nodelist.node"));
}

static void test_warnings_are_bounded_and_the_rest_counted(void)
{
	char text[8192];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "totem {\n");
	for (int i = 0; i < RC_CONFIG_MAX_WARNINGS + 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " unknown%d: 1\n", i);
	snprintf(text + n, sizeof(text) - n, "}\n" NODES);
	CU_ASSERT_EQUAL_FATAL(parse(text), 0);
	CU_ASSERT_EQUAL(rc_config_warning_count(&cfg), RC_CONFIG_MAX_WARNINGS);
	CU_ASSERT_EQUAL(cfg.warnings_lost, 10);
	CU_ASSERT_STRING_EQUAL(rc_config_warning(&cfg, RC_CONFIG_MAX_WARNINGS - 1),
			       "t.conf:33: unknown key 'unknown31' in totem, ignored");
}

/* ---- This node ---------------------------------------------------------- */

static void test_find_self_by_nodeid_then_name(void)
{
	uint32_t self = 0;

	CU_ASSERT_EQUAL_FATAL(load("three-nodes.conf"), 0);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, NULL, 3, &self, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(self, 3);
	/* an explicit nodeid wins over the name */
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "node1", 2, &self, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(self, 2);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "node1", 0, &self, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(self, 1);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "10.77.0.3", 0, &self, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(self, 3);
	/* a fully qualified hostname finds its short name */
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "node2.example.com", 0, &self, err,
					    sizeof(err)), 0);
	CU_ASSERT_EQUAL(self, 2);
	CU_ASSERT_PTR_NOT_NULL(rc_config_node_get(&cfg, 2));
	CU_ASSERT_PTR_NULL(rc_config_node_get(&cfg, 4));
}

static void test_find_self_fails_for_unknown_node(void)
{
	uint32_t self = 77;

	CU_ASSERT_EQUAL_FATAL(load("three-nodes.conf"), 0);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, NULL, 9, &self, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nodeid 9"));
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "node4", 0, &self, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'node4'"));
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "node", 0, &self, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, NULL, 0, &self, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "", 0, &self, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(self, 77);
}

static void test_find_self_does_not_match_nodes_without_a_name(void)
{
	uint32_t self = 0;

	CU_ASSERT_EQUAL_FATAL(load("minimal.conf"), 0);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "", 1, &self, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(self, 1);
	CU_ASSERT_EQUAL(rc_config_find_self(&cfg, "host", 0, &self, err, sizeof(err)),
			-ENOENT);
}

/* ---- Mutations ---------------------------------------------------------- */

#ifdef RC_CONFIG_TEST_MUTATE

#define ITERATIONS	20000
#define MUT_MAX		(RC_CONFIG_LINE_MAX * 2 + 4096)

#include "xorshift.h"

static size_t below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

static const char interesting[] = "{}:#\"\n\r\t \0\a0123456789-xX.aAzZ\xff\x80";
static const char *const tokens[] = {
	"totem {\n", "nodelist {\n", " node {\n", "}\n", "nodeid: ", "token: ",
	"4294967296", "18446744073709551616", "0x", "\"", "#", "name: a\n",
	"max_msg_size: 1G", "window_size: 65536\n", "allow_uid: 1\n", "logging {\n",
	"dataplane {\n", "ringcast {\n", "netmtu: 816\n", "\r\n", "x {\n",
};

/* Apply one random edit to buf[0..*len). */
static void mutate(char *buf, size_t *len)
{
	size_t n = *len, at = below(n + 1), k;

	switch (below(8)) {
	case 0:		/* flip a byte */
		if (n)
			buf[below(n)] ^= (char)(1u << below(8));
		break;
	case 1:		/* overwrite with an interesting byte */
		if (n)
			buf[below(n)] = interesting[below(sizeof(interesting) - 1)];
		break;
	case 2:		/* insert an interesting byte */
		if (n + 1 <= MUT_MAX) {
			memmove(buf + at + 1, buf + at, n - at);
			buf[at] = interesting[below(sizeof(interesting) - 1)];
			*len = n + 1;
		}
		break;
	case 3:		/* delete a run */
		k = below(n - at + 1);
		if (k > 64)
			k = below(64);
		memmove(buf + at, buf + at + k, n - at - k);
		*len = n - k;
		break;
	case 4:		/* insert a token */
	{
		const char *t = tokens[below(sizeof(tokens) / sizeof(tokens[0]))];

		k = strlen(t);
		if (n + k <= MUT_MAX) {
			memmove(buf + at + k, buf + at, n - at);
			memcpy(buf + at, t, k);
			*len = n + k;
		}
		break;
	}
	case 5:		/* duplicate a run */
		k = below(n - at + 1);
		if (k > 256)
			k = below(256);
		if (n + k <= MUT_MAX) {
			/* [at, at + k) stays: those bytes now appear twice */
			memmove(buf + at + k, buf + at, n - at);
			*len = n + k;
		}
		break;
	case 6:		/* a long run of one byte: long lines and values */
		k = below(2) ? 300 : RC_CONFIG_LINE_MAX + below(4);
		if (n + k <= MUT_MAX) {
			memmove(buf + at + k, buf + at, n - at);
			memset(buf + at, below(2) ? 'a' : ' ', k);
			*len = n + k;
		}
		break;
	default:	/* truncate */
		*len = at;
		break;
	}
}

static void check_result(int ret, const char *e, const struct rc_config *c)
{
	CU_ASSERT_TRUE(ret == 0 || ret == -EINVAL);
	CU_ASSERT_TRUE(memchr(e, '\0', RC_CONFIG_MSG_MAX) != NULL);
	for (uint32_t i = 0; i < rc_config_warning_count(c); i++)
		CU_ASSERT_TRUE(memchr(c->warnings[i], '\0', RC_CONFIG_MSG_MAX) != NULL);
	if (ret < 0) {
		CU_ASSERT_EQUAL(strncmp(e, "m.conf", 6), 0);
		return;
	}
	CU_ASSERT_STRING_EQUAL(e, "");
	CU_ASSERT_TRUE(c->n_nodes >= 1 && c->n_nodes <= RC_CONFIG_MAX_NODES);
	CU_ASSERT_NOT_EQUAL(c->totem.srp.cluster_id, 0);
	for (uint32_t i = 0; i < c->n_nodes && i < RC_CONFIG_MAX_NODES; i++) {
		CU_ASSERT_NOT_EQUAL(c->nodes[i].nodeid, 0);
		CU_ASSERT_TRUE(memchr(c->nodes[i].name, '\0', RC_CONFIG_STR_MAX) != NULL);
	}
	CU_ASSERT_TRUE(memchr(c->dataplane.eal_args, '\0', RC_CONFIG_ARGS_MAX) != NULL);
	CU_ASSERT_TRUE(c->ringcast.n_allow_uid <= RC_CONFIG_MAX_IDS);
	CU_ASSERT_TRUE(c->ringcast.n_allow_gid <= RC_CONFIG_MAX_IDS);
}

static void test_random_mutations_never_crash_or_overrun(void)
{
	static char base[RC_CONFIG_FILE_MAX];
	static char work[MUT_MAX];
	char path[PATH_MAX];
	unsigned int ok = 0, bad = 0;
	size_t base_len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/three-nodes.conf", configs_dir);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	base_len = fread(base, 1, sizeof(base), f);
	fclose(f);
	CU_ASSERT_FATAL(base_len > 0 && base_len < MUT_MAX);

	rng_state = 0x5eed0fc0f16ull;
	for (int it = 0; it < ITERATIONS; it++) {
		size_t len = base_len;
		int edits = 1 + (int)below(4), ret;
		char *exact;

		memcpy(work, base, base_len);
		for (int e = 0; e < edits; e++)
			mutate(work, &len);
		/* an exact-size copy: any read past len is caught by ASan */
		exact = malloc(len ? len : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
		memcpy(exact, work, len);
		memset(err, 'E', sizeof(err));
		ret = rc_config_parse(exact, len, "m.conf", &cfg, err, sizeof(err));
		check_result(ret, err, &cfg);
		if (ret == 0)
			ok++;
		else
			bad++;
		free(exact);
	}
	/* the mutations must exercise both outcomes */
	CU_ASSERT_TRUE(ok > 100);
	CU_ASSERT_TRUE(bad > 100);
	printf("\n    %u accepted, %u rejected ", ok, bad);
}

#endif /* RC_CONFIG_TEST_MUTATE */

/* ---- Runner ------------------------------------------------------------- */


/* The test hooks are one switch, off by default; the old name is gone. */
static void test_test_hooks_switch(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("dataplane {\n test_hooks: on\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.dataplane.test_hooks, 1);
	CU_ASSERT_EQUAL_FATAL(parse("dataplane {\n test_hooks: no\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.dataplane.test_hooks, 0);
	/* unknown keys are warnings, as corosync's are: it turns nothing on */
	CU_ASSERT_EQUAL_FATAL(parse("dataplane {\n test_stall: on\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.dataplane.test_hooks, 0);
	CU_ASSERT_EQUAL_FATAL(rc_config_warning_count(&cfg), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(rc_config_warning(&cfg, 0), "test_stall"));
}

static void test_zero_copy_words(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("ringcast {\n zero_copy: off\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.ringcast.zero_copy, RC_ZC_OFF);
	CU_ASSERT_EQUAL_FATAL(parse("ringcast {\n zero_copy: all\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.ringcast.zero_copy, RC_ZC_ALL);
	CU_ASSERT_EQUAL_FATAL(parse("ringcast {\n zero_copy: root\n}\n" NODES), 0);
	CU_ASSERT_EQUAL(cfg.ringcast.zero_copy, RC_ZC_ROOT);
}

static const struct unit_test tests[] = {
	T(test_full_file_parses_into_expected_values),
	T(test_defaults_apply_when_keys_are_absent),
	T(test_init_gives_the_same_defaults_as_an_empty_file),
	T(test_test_hooks_switch),
	T(test_zero_copy_words),
	T(test_parsed_config_creates_a_totem_engine),
	T(test_corosync_file_parses_with_warnings_for_what_ringcast_ignores),
	T(test_token_retransmit_is_token_over_retransmits_plus_0_2),
	T(test_explicit_token_retransmit_is_kept),
	T(test_consensus_follows_token_unless_given),
	T(test_default_hold_shrinks_below_a_short_token_retransmit),
	T(test_cluster_id_is_derived_from_cluster_name_and_stable),
	T(test_window_size_over_1024_grows_the_retransmit_buffer),
	T(test_sizes_accept_k_m_g_suffixes),
	T(test_rx_backlog_is_independent_of_max_msg_size),
	T(test_ethertype_takes_hex_or_decimal_in_range),
	T(test_allow_uid_repeats_up_to_32_without_duplicates),
	T(test_comments_blank_lines_and_quoting),
	T(test_unquoted_value_runs_to_end_of_line_trimmed),
	T(test_nested_sections_and_reopened_sections),
	T(test_crlf_line_endings_are_accepted),
	T(test_last_line_needs_no_newline),
	T(test_unknown_key_warns_with_its_line_and_parse_succeeds),
	T(test_unknown_key_in_a_node_warns),
	T(test_warnings_are_bounded_and_the_rest_counted),
	T(test_find_self_by_nodeid_then_name),
	T(test_find_self_fails_for_unknown_node),
	T(test_find_self_does_not_match_nodes_without_a_name),
#ifdef RC_CONFIG_TEST_MUTATE
	T(test_random_mutations_never_crash_or_overrun),
#endif
};

int main(int argc, char **argv)
{
	if (argc > 1)
		configs_dir = argv[1];
	return unit_test_run("config", tests, sizeof(tests) / sizeof(tests[0]));
}
