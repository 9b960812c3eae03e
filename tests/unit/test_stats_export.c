/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/stats_export.c, what /ringcast/stats and ringcastctl
 * stats show: every field of every counter struct reaches the operator
 * once, under a unique name, with the names operators and scripts already
 * read kept, and every name documented in docs/operations.md (argv[1]).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_export.h"

#include "unit_test.h"

#define WORDS(st)	(sizeof(st) / sizeof(uint64_t))
#define MARK(i)		((1ull << (i)) * 1000000ull)	/* distinct; no sum of two is one */
#define RING_NAMES	4	/* state, ring_rep, ring_seq, members: added by telemetry.c */

static const char *ops_md = "docs/operations.md";

/* ---- the sources, and a recorder of what the export emits ---- */

static struct rc_srp_stats srp;
static struct rc_memb_stats memb;
static struct rc_dp_stats dpst;
static struct rc_cpgd_stats cpg;
static uint64_t bad_auth[RC_AUTH_DROPS_];
static uint64_t cmd_lost;

static struct {
	char name[64];
	uint64_t value;
} out[2 * RC_STATS_MAX];
static unsigned int n_out;

static void record(void *arg, const char *name, uint64_t value)
{
	(void)arg;
	if (n_out == sizeof(out) / sizeof(out[0])) {
		CU_FAIL("more names than the recorder holds");
		return;
	}
	snprintf(out[n_out].name, sizeof(out[n_out].name), "%s", name);
	out[n_out++].value = value;
}

static void clear_sources(void)
{
	memset(&srp, 0, sizeof(srp));
	memset(&memb, 0, sizeof(memb));
	memset(&dpst, 0, sizeof(dpst));
	memset(&cpg, 0, sizeof(cpg));
	memset(bad_auth, 0, sizeof(bad_auth));
	cmd_lost = 0;
}

static void export(void)
{
	struct rc_stats_src src = {
		.srp = &srp, .dp = &dpst, .cpg = &cpg, .bad_auth = bad_auth,
		.memb = &memb, .memb_cmd_lost = cmd_lost,
	};

	n_out = 0;
	rc_stats_export(&src, record, NULL);
}

static int find(const char *name)
{
	for (unsigned int i = 0; i < n_out; i++)
		if (!strcmp(out[i].name, name))
			return (int)i;
	return -1;
}

static uint64_t value_of(const char *name)
{
	int i = find(name);

	CU_ASSERT_TRUE_FATAL(i >= 0);
	return out[i].value;
}

/*
 * Word i of `words` holds MARK(i), every other source 0: each word must
 * show up exactly once, as itself or divided by a list's divisor (1000,
 * 1000000). A field left out of the export, or exported twice, fails; so
 * does a field that is not a whole uint64_t (its word is not emitted whole).
 */
static void check_each_word_once(uint64_t *words, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		words[i] = MARK(i);
	export();
	for (size_t i = 0; i < n; i++) {
		uint64_t m = MARK(i);
		unsigned int seen = 0;

		for (unsigned int k = 0; k < n_out; k++)
			if (out[k].value == m || out[k].value == m / 1000 ||
			    out[k].value == m / 1000000)
				seen++;
		if (seen != 1)
			printf("\n  %s: word %zu exported %u times", what, i, seen);
		CU_ASSERT_EQUAL(seen, 1);
	}
	clear_sources();
}

/* ---- every field, once ---- */

static void test_every_field_of_every_struct_is_exported_once(void)
{
	clear_sources();
	check_each_word_once((uint64_t *)&srp, WORDS(srp), "rc_srp_stats");
	check_each_word_once((uint64_t *)&memb, WORDS(memb), "rc_memb_stats");
	check_each_word_once((uint64_t *)&dpst, WORDS(dpst), "rc_dp_stats");
	check_each_word_once((uint64_t *)&cpg, WORDS(cpg), "rc_cpgd_stats");
	check_each_word_once(bad_auth, RC_AUTH_DROPS_, "bad_auth");
	check_each_word_once(&cmd_lost, 1, "memb_cmd_lost");
}

/* The structs are their lists: nothing declared beside them but bad[]. */
static void test_structs_hold_only_their_lists(void)
{
	size_t n;

#define X(field, name, div) + 1
	n = 0 RC_SRP_STATS(X);
	CU_ASSERT_EQUAL(WORDS(srp), n + RC_BAD_REASONS_);
	n = 0 RC_MEMB_STATS(X);
	CU_ASSERT_EQUAL(WORDS(memb), n);
	n = 0 RC_DP_STATS(X);
	CU_ASSERT_EQUAL(WORDS(dpst), n);
	n = 0 RC_CPGD_STATS(X);
	CU_ASSERT_EQUAL(WORDS(cpg), n);
#undef X
}

static void test_names_are_unique_and_fit_one_telemetry_reply(void)
{
	clear_sources();
	export();
	CU_ASSERT(n_out <= RC_STATS_MAX);
	for (unsigned int i = 0; i < n_out; i++) {
		CU_ASSERT(out[i].name[0] != '\0');
		for (unsigned int k = i + 1; k < n_out; k++)
			if (!strcmp(out[i].name, out[k].name)) {
				printf("\n  %s exported twice", out[i].name);
				CU_FAIL("a name exported twice");
			}
		CU_ASSERT(strcmp(out[i].name, "state") && strcmp(out[i].name, "ring_rep") &&
			  strcmp(out[i].name, "ring_seq") && strcmp(out[i].name, "members"));
	}
}

/* ---- names ---- */

static void check_names_present(const char *const *names, size_t n)
{
	clear_sources();
	export();
	for (size_t i = 0; i < n; i++) {
		if (find(names[i]) < 0)
			printf("\n  %s is not exported", names[i]);
		CU_ASSERT(find(names[i]) >= 0);
	}
}

/* What ringcastctl stats printed before the lists: operators, tests/cluster
   and scripts/ read these. */
static void test_names_already_read_are_kept(void)
{
	static const char *const names[] = {
		"frames_rx", "frames_tx", "bytes_rx", "bytes_tx", "tokens_rx", "tokens_tx",
		"rotations", "retransmits", "token_retransmits", "holds", "wakes_rx",
		"dup_tokens", "old_late", "msg_too_big", "delivered", "delivered_bytes",
		"tx_drops", "rx_not_mine", "rx_runt", "bad_frames", "bad_short", "bad_magic",
		"bad_version", "bad_type", "bad_cluster", "bad_sender", "bad_ring",
		"bad_length", "bad_chunk", "bad_token", "bad_seq", "bad_stream",
		"bad_membership", "bad_auth", "bad_auth_short", "bad_auth_version",
		"bad_auth_mode", "bad_auth_key_slot", "bad_auth_unknown_node",
		"bad_auth_old_incarnation", "bad_auth_replay", "bad_auth_bad_tag", "gathers",
		"rings", "token_losses", "stale_frames", "consensus_timeouts", "fail_recv",
		"joins_rx", "foreign_frames", "ring_seq_refused", "ring_seq_persist_failed",
		"memb_event_drops", "lcore_max_gap_us", "lcore_pauses", "lcore_pause_flushed",
		"memb_pauses", "memb_pause_max_ms", "failed_ignored", "memb_cmd_lost",
		"frames_per_s", "bytes_per_s", "tokens_per_s", "rotations_per_s", "clients",
		"client_kicks", "client_bad_mcast", "client_wakes", "cpg_groups", "cpg_processes", "cpg_joins",
		"cpg_leaves", "cpg_procdowns", "cpg_delivered", "cpg_bad", "cpg_full",
	};

	check_names_present(names, sizeof(names) / sizeof(names[0]));
}

/* Counted and never exported before the lists. */
static void test_counters_once_hidden_are_exported(void)
{
	static const char *const names[] = {
		"rtr_requested", "dup_frames", "window_drops", "wakes_tx", "msgs_sent",
		"recovery_gaps", "reasm_nomem", "mcast_frames_tx", "joins_tx", "commits_tx",
		"merges_tx", "leaves_rx", "memb_pause_last_ms", "cpg_stale_sync",
		"cpg_no_member",
	};

	check_names_present(names, sizeof(names) / sizeof(names[0]));
}

/* Each field under its own name, sums and units as documented. */
static void test_values_reach_their_names(void)
{
	clear_sources();
	srp.dup_frames = 7;
	srp.frames_tx = 100;
	srp.tokens_tx = 20;
	srp.bad[RC_BAD_SEQ] = 2;
	srp.bad[RC_BAD_MAGIC] = 3;
	memb.fail_recv = 4;
	memb.pause_max_ns = 3500000;
	cpg.full = 5;
	cpg.stale_sync = 6;
	dpst.max_gap_ns = 12345;
	bad_auth[RC_AUTH_DROP_REPLAY] = 8;
	cmd_lost = 9;
	export();
	CU_ASSERT_EQUAL(value_of("dup_frames"), 7);
	CU_ASSERT_EQUAL(value_of("mcast_frames_tx"), 100);
	CU_ASSERT_EQUAL(value_of("frames_tx"), 120);
	CU_ASSERT_EQUAL(value_of("bad_seq"), 2);
	CU_ASSERT_EQUAL(value_of("bad_frames"), 5);
	CU_ASSERT_EQUAL(value_of("fail_recv"), 4);
	CU_ASSERT_EQUAL(value_of("memb_pause_max_ms"), 3);
	CU_ASSERT_EQUAL(value_of("cpg_full"), 5);
	CU_ASSERT_EQUAL(value_of("cpg_stale_sync"), 6);
	CU_ASSERT_EQUAL(value_of("lcore_max_gap_us"), 12);
	CU_ASSERT_EQUAL(value_of("bad_auth_replay"), 8);
	CU_ASSERT_EQUAL(value_of("bad_auth"), 8);
	CU_ASSERT_EQUAL(value_of("memb_cmd_lost"), 9);
}

/* ---- the documentation ---- */

#define DOC_MAX	512

/* Every `name` in the first column of the table under "## Reading `stats`". */
static unsigned int documented(char names[][64])
{
	FILE *f = fopen(ops_md, "r");
	char line[2048];
	bool in = false;
	unsigned int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		char *p, *q, *end;

		if (!strncmp(line, "## ", 3)) {
			in = !strncmp(line, "## Reading `stats`", 18);
			continue;
		}
		if (!in || strncmp(line, "| `", 3))
			continue;
		end = strchr(line + 1, '|');	/* the first column ends there */
		for (p = line + 1; end && (p = strchr(p, '`')) && p < end; p = q + 1) {
			size_t len;

			q = strchr(p + 1, '`');
			if (!q)
				break;
			len = (size_t)(q - p - 1);
			CU_ASSERT(n < DOC_MAX && len < 64);
			if (n < DOC_MAX && len < 64) {
				memcpy(names[n], p + 1, len);
				names[n++][len] = '\0';
			}
		}
	}
	fclose(f);
	return n;
}

static bool is_ring_name(const char *s)
{
	return !strcmp(s, "state") || !strcmp(s, "ring_rep") || !strcmp(s, "ring_seq") ||
	       !strcmp(s, "members");
}

static void test_every_name_is_documented_and_nothing_else(void)
{
	static char doc[DOC_MAX][64];
	unsigned int n_doc = documented(doc), ring = 0;

	CU_ASSERT(n_doc > 0);
	clear_sources();
	export();
	for (unsigned int i = 0; i < n_out; i++) {
		bool found = false;

		for (unsigned int k = 0; k < n_doc && !found; k++)
			found = !strcmp(out[i].name, doc[k]);
		if (!found)
			printf("\n  %s is not in the stats table of %s", out[i].name, ops_md);
		CU_ASSERT(found);
	}
	for (unsigned int k = 0; k < n_doc; k++) {
		if (is_ring_name(doc[k])) {
			ring++;
			continue;
		}
		if (find(doc[k]) < 0)
			printf("\n  %s is documented, not exported", doc[k]);
		CU_ASSERT(find(doc[k]) >= 0);
	}
	CU_ASSERT_EQUAL(ring, RING_NAMES);
}

static const struct unit_test tests[] = {
	T(test_every_field_of_every_struct_is_exported_once),
	T(test_structs_hold_only_their_lists),
	T(test_names_are_unique_and_fit_one_telemetry_reply),
	T(test_names_already_read_are_kept),
	T(test_counters_once_hidden_are_exported),
	T(test_values_reach_their_names),
	T(test_every_name_is_documented_and_nothing_else),
};

int main(int argc, char **argv)
{
	if (argc > 1)
		ops_md = argv[1];
	return unit_test_run("stats-export", tests, sizeof(tests) / sizeof(tests[0]));
}
