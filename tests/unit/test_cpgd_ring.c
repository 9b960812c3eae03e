/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/cpg/, split from test_cpgd.c by behaviour: ring
 * changes (a crash is NODEDOWN, a merge NODEUP on both sides, SYNC and what
 * it settles), malformed messages, membership and iteration queries, table
 * limits, and the agreement of confchg sequences on every node. The
 * harness: cpgd_harness.h.
 */
#include "cpgd_harness.h"

/* ---- configuration changes ---- */

static void test_node_crash_is_nodedown_with_all_its_processes(void)
{
	int part[NN] = { 0 };

	cluster(3);
	attach(1, 0, 100);
	attach(2, 0, 50);
	attach(3, 0, 8);
	attach(3, 1, 7);
	attach(3, 2, 9);
	join(1, 0, "g");
	join(2, 0, "h");
	join(3, 0, "g");
	join(3, 1, "g");
	join(3, 2, "h");
	run();
	ev_skip(1);
	ev_skip(2);
	crash(3);
	form(part);
	EV(1, "s0 cc g m=1:100 l=3:7/3,3:8/3 j=");
	EV_NONE(1);
	EV(2, "s0 cc h m=2:50 l=3:9/3 j=");
	EV_NONE(2);
	TABLE(1, "g:1:100 h:2:50");
	TABLE(2, "g:1:100 h:2:50");
	run();
	EV(1, "s0 tt 1.5 1,2");
	EV(2, "s0 tt 1.5 1,2");
	EV_NONE(1);
	cluster_fini();
}

static void test_merge_is_nodeup_on_both_sides_with_same_lists(void)
{
	int split[NN] = { 0, 1 }, one[NN] = { 0 };
	struct cpg_address a[8], b[8];

	cluster(2);
	form(split);
	run();
	ev_skip(1);
	ev_skip(2);
	attach(1, 0, 100);
	attach(2, 0, 200);
	attach(2, 1, 201);
	join(1, 0, "g");
	join(2, 0, "g");
	join(2, 1, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	TABLE(1, "g:1:100");
	TABLE(2, "g:2:200,2:201");
	form(one);
	EV_NONE(1);
	EV_NONE(2);
	run();
	EV(1, "s0 cc g m=1:100,2:200,2:201 l= j=2:200/4,2:201/4");
	EV(1, "s0 tt 1.9 1,2");
	EV_NONE(1);
	EV(2, "s0 cc g m=1:100,2:200,2:201 l= j=1:100/4");
	EV(2, "s1 cc g m=1:100,2:200,2:201 l= j=1:100/4");
	EV(2, "s0 tt 1.9 1,2");
	EV(2, "s1 tt 1.9 1,2");
	EV_NONE(2);
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(1), &(struct cpg_name){ 1, "g" }, a, 8), 3);
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &(struct cpg_name){ 1, "g" }, b, 8), 3);
	CU_ASSERT_EQUAL(memcmp(a, b, 3 * sizeof(a[0])), 0);
	cluster_fini();
}

/*
 * A process gone with its PROCDOWN queued when the ring changes: node 2's
 * SYNC, sent ahead of that PROCDOWN, still lists it (the table's entry, not
 * the slot, which is gone), so it leaves when its PROCDOWN is ordered, after
 * the messages it sent before it went.
 */
static void test_process_gone_across_a_ring_change_leaves_at_its_procdown(void)
{
	int part[NN] = { 0 };

	cluster(3);
	attach(1, 0, 100);
	attach(2, 0, 50);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	client_send(2, 0, "last");
	rc_cpgd_detach(C(2), 0);	/* its PROCDOWN is queued behind it, not ordered */
	crash(3);
	form(part);
	EV_NONE(1);
	CU_ASSERT_TRUE(step(1));	/* node 1's SYNC */
	EV_NONE(1);
	CU_ASSERT_TRUE(step(2));	/* node 2's SYNC, ahead of both: it lists 2:50 */
	EV(1, "s0 tt 1.5 1,2");
	EV_NONE(1);
	TABLE(1, "g:1:100,2:50");
	TABLE(2, "g:1:100,2:50");
	run();				/* its message, then the PROCDOWN */
	EV(1, "s0 dl 2:50 last");
	EV(1, "s0 cc g m=1:100 l=2:50/5 j=");
	EV_NONE(1);
	TABLE(1, "g:1:100");
	TABLE(2, "g:1:100");
	CU_ASSERT_EQUAL(stats(1).procdowns, 1);
	CU_ASSERT_EQUAL(stats(1).bad, 0);
	CU_ASSERT_EQUAL(stats(1).stale_sync, 0);
	cluster_fini();
}

/* The same for a process that left, then went before its LEAVE was ordered:
   its reason is LEAVE, whatever ring change came between. */
static void test_process_left_then_gone_across_a_ring_change_is_leave(void)
{
	int part[NN] = { 0 };

	cluster(3);
	attach(1, 0, 100);
	attach(2, 0, 50);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	client_send(2, 0, "bye");
	leave(2, 0, "g");
	rc_cpgd_detach(C(2), 0);
	crash(3);
	form(part);
	run();
	EV(1, "s0 tt 1.5 1,2");
	EV(1, "s0 dl 2:50 bye");
	EV(1, "s0 cc g m=1:100 l=2:50/2 j=");
	EV_NONE(1);
	TABLE(1, "g:1:100");
	TABLE(2, "g:1:100");
	cluster_fini();
}

static void test_join_in_flight_across_a_ring_change_completes(void)
{
	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 200);
	join(2, 0, "g");
	run();
	ev_skip(2);
	join(1, 0, "g");		/* queued: not in the table, not in the SYNC */
	form(NULL);
	run();
	EV(1, "s0 tt 1.5 1,2");		/* the SYNCs go first */
	EV(1, "s0 cc g m=1:100,2:200 l= j=1:100/1");
	EV_NONE(1);
	EV(2, "s0 tt 1.5 1,2");
	EV(2, "s0 cc g m=1:100,2:200 l= j=1:100/1");
	EV_NONE(2);
	cluster_fini();
}

static void test_stale_sync_is_ignored(void)
{
	struct ent e[] = { { "g", 77 } };
	uint8_t b[128];
	uint64_t seq;

	cluster(2);
	attach(1, 0, 100);
	join(1, 0, "g");
	run();
	ev_skip(1);
	seq = seq0;			/* both nodes' ring: rep 1, seq */
	inject(2, b, put_sync(b, seq - 1, 1, e, 1));	/* an older ring */
	inject(2, b, put_sync(b, seq, 2, e, 1));	/* another rep */
	inject(2, b, put_sync(b, seq + 1, 1, e, 1));	/* a later one */
	rc_cpgd_deliver(C(1), 9, b, put_sync(b, seq, 1, e, 1));	/* not a member */
	inject(2, b, put_sync(b, seq, 1, e, 1));	/* node 2 synced already */
	CU_ASSERT_EQUAL(stats(1).stale_sync, 5);
	CU_ASSERT_EQUAL(stats(2).stale_sync, 4);
	CU_ASSERT_EQUAL(stats(1).bad, 0);
	EV_NONE(1);
	TABLE(1, "g:1:100");
	TABLE(2, "g:1:100");
	cluster_fini();
}

static void test_totem_only_after_every_sync_and_at_attach(void)
{
	cluster(3);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 100), 0);
	EV(1, "s0 tt 1.1 1,2,3");	/* a synchronised ring */
	attach(2, 0, 200);
	ev_skip(2);
	{
		struct rc_confchg t = { .type = RC_CONF_TRANSITIONAL, .ring = { 1, 1 },
					.n_members = 3, .members = { 1, 2, 3 } };

		rc_cpgd_confchg(C(3), &t);	/* the ring is going */
		CU_ASSERT_EQUAL(rc_cpgd_attach(C(3), 0, 300), 0);
		EV_NONE(3);
		rc_cpgd_detach(C(3), 0);
	}
	form(NULL);			/* same nodes, a new ring */
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 1, 101), 0);	/* not synchronised */
	EV_NONE(1);
	CU_ASSERT_TRUE(step(1));
	CU_ASSERT_TRUE(step(2));
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_TRUE(step(3));
	EV(1, "s0 tt 1.5 1,2,3");
	EV(1, "s1 tt 1.5 1,2,3");
	EV_NONE(1);
	EV(2, "s0 tt 1.5 1,2,3");
	EV_NONE(2);
	EV_NONE(3);			/* no client there */
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(3), 4, 300), 0);
	EV(3, "s4 tt 1.5 1,2,3");
	EV_NONE(3);
	CU_ASSERT_FALSE(step(1));	/* no second SYNC */
	cluster_fini();
}

static void test_failed_sync_is_sent_when_no_control_message_is_in_flight(void)
{
	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 200);
	ev_skip(1);
	ev_skip(2);
	join(2, 0, "g");		/* queued before the ring changes */
	N(2)->fail_errno = EBUSY;
	N(2)->fail_count = 1;
	form(NULL);
	CU_ASSERT_EQUAL(N(2)->nq, 1);	/* the JOIN only */
	run();
	/* JOIN applied before node 2's SYNC, which lists it: no PROCDOWN. */
	EV(1, "s0 tt 1.5 1,2");
	EV_NONE(1);
	EV(2, "s0 cc g m=2:200 l= j=2:200/1");
	EV(2, "s0 tt 1.5 1,2");
	EV_NONE(2);
	TABLE(1, "g:2:200");
	TABLE(2, "g:2:200");
	/* A later retry (of a PROCDOWN) sends no second SYNC. */
	attach(2, 1, 201);
	join(2, 1, "g");
	run();
	N(2)->fail_errno = EAGAIN;
	N(2)->fail_count = 1;
	rc_cpgd_detach(C(2), 1);
	client_send(2, 0, "x");
	run();
	CU_ASSERT_EQUAL(stats(1).stale_sync, 0);
	CU_ASSERT_EQUAL(stats(1).procdowns, 1);
	TABLE(1, "g:2:200");
	cluster_fini();
}

static void test_failed_procdown_is_sent_later(void)
{
	struct cpg_name g = nm("g");

	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 50);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	N(2)->fail_errno = EAGAIN;
	N(2)->fail_count = 1;
	rc_cpgd_detach(C(2), 0);
	CU_ASSERT_EQUAL(N(2)->nq, 0);
	attach(2, 0, 50);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(2), 0, &g), CS_ERR_TRY_AGAIN);
	client_send(1, 0, "tick");	/* any delivery retries it */
	run();
	EV(1, "s0 dl 1:100 tick");
	EV(1, "s0 cc g m=1:100 l=2:50/5 j=");
	EV_NONE(1);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(2), 0, &g), CS_OK);
	run();
	ev_skip(1);
	/* So does a buffer given back, with nothing delivered. */
	attach(2, 1, 51);
	join(2, 1, "h");
	CU_ASSERT_EQUAL_FATAL(N(2)->nq, 1);
	N(2)->fail_count = 1;
	rc_cpgd_detach(C(2), 0);
	CU_ASSERT_EQUAL(N(2)->nq, 1);
	rc_cpgd_sent(C(2), N(2)->q[0].cookie);
	CU_ASSERT_EQUAL(N(2)->nq, 2);
	run();
	EV(1, "s0 cc g m=1:100 l=2:50/5 j=");
	EV_NONE(1);
	cluster_fini();
}

/* ---- malformed messages ---- */

static void test_malformed_messages_are_counted_and_change_nothing(void)
{
	struct ent e[] = { { "g", 7 }, { "h", 8 } };
	uint8_t b[512], big[300];
	struct rc_cpg_hdr h;
	uint64_t seq;
	size_t len;
	unsigned int bad = 0;
	uint32_t v32;

#define BAD(buf, l)							\
	do {								\
		rc_cpgd_deliver(C(1), 2, buf, l);			\
		bad++;							\
		CU_ASSERT_EQUAL(stats(1).bad, bad);			\
	} while (0)

	cluster(2);
	attach(1, 0, 100);
	join(1, 0, "g");
	run();
	ev_skip(1);
	form(NULL);			/* node 2's SYNC not delivered yet */
	CU_ASSERT_TRUE(step(1));
	ev_skip(1);
	seq = seq0;

	BAD(NULL, 0);
	BAD(b, 0);
	len = put_msg(b, RC_CPG_JOIN, "g", 5);
	BAD(b, 7);			/* short header */
	BAD(b, len - 1);		/* truncated name */
	b[0] = 0xC6;
	BAD(b, len);			/* magic */
	put_msg(b, 0, "g", 5);
	BAD(b, len);			/* type 0 */
	put_msg(b, RC_CPG_TYPE_MAX_, "g", 5);
	BAD(b, len);
	memset(big, 'x', sizeof(big));
	h = (struct rc_cpg_hdr){ RC_CPG_MAGIC, RC_CPG_JOIN, 129, 5 };
	memcpy(big, &h, sizeof(h));
	BAD(big, sizeof(h) + 129);	/* name_len 129 */
	h.type = RC_CPG_MCAST;
	memcpy(big, &h, sizeof(h));
	BAD(big, sizeof(big));
	for (uint8_t t = RC_CPG_JOIN; t <= RC_CPG_PROCDOWN; t++) {
		len = put_msg(b, t, "g", 100);
		b[len] = 0;
		BAD(b, len + 1);	/* a body */
	}
	len = put_sync(b, seq, 1, e, 2);
	b[2] = 1;			/* name_len 1 */
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	b[4] = 1;			/* pid */
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	BAD(b, RC_CPG_HDR_LEN(0) + 15);	/* no room for the sync header */
	v32 = 0xffffffffu;		/* count overflow */
	memcpy(b + RC_CPG_HDR_LEN(0) + 12, &v32, 4);
	BAD(b, len);
	v32 = 3;			/* more entries than bytes */
	memcpy(b + RC_CPG_HDR_LEN(0) + 12, &v32, 4);
	BAD(b, len);
	v32 = 1;			/* fewer: trailing bytes */
	memcpy(b + RC_CPG_HDR_LEN(0) + 12, &v32, 4);
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	BAD(b, len + 1);		/* trailing byte */
	BAD(b, len - 1);		/* truncated name */
	b[RC_CPG_HDR_LEN(0) + 16 + 6] = 1;	/* reserved */
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	b[RC_CPG_HDR_LEN(0) + 16 + 4] = 129;	/* entry name_len */
	BAD(b, len);
	len = put_sync(b, seq, 1, (struct ent[]){ { "g", 7 }, { "g", 7 } }, 2);
	BAD(b, len);			/* a duplicate */
	len = put_sync(b, seq, 1, e, 0);
	BAD(b, len - 1);
	{
		/* More entries than a table holds, every byte present. */
		uint32_t n = RC_CPGD_MAX_PROCESSES + 1;
		size_t hl = put_sync(b, seq, 1, e, 0);
		uint8_t *huge = calloc(1, hl + (size_t)n * sizeof(struct rc_cpg_sync_ent));

		CU_ASSERT_FATAL(huge != NULL);
		memcpy(huge, b, hl);
		memcpy(huge + RC_CPG_HDR_LEN(0) + 12, &n, 4);
		for (uint32_t i = 0; i < n; i++)
			memcpy(huge + hl + i * sizeof(struct rc_cpg_sync_ent), &i, 4);
		BAD(huge, hl + (size_t)n * sizeof(struct rc_cpg_sync_ent));
		free(huge);
	}
	EV_NONE(1);
	TABLE(1, "g:1:100");
	CU_ASSERT_EQUAL(stats(1).stale_sync, 0);
	CU_ASSERT_EQUAL(stats(1).joins, 1);
	/* The ring is still waiting for node 2: its real SYNC completes it. */
	CU_ASSERT_TRUE(step(2));
	EV(1, "s0 tt 1.5 1,2");
	len = put_sync(b, seq, 1, e, 2);
	BAD(b, len - 1);		/* bad beats stale */
	cluster_fini();
#undef BAD
}

/* ---- queries ---- */

static void test_membership_and_iterate_contents_and_truncation(void)
{
	struct cpg_iteration_description_t d[8];
	struct cpg_address a[4];
	struct cpg_name b = nm("b"), none = nm("zz");
	uint8_t m[64];

	cluster(2);
	inject(2, m, put_msg(m, RC_CPG_JOIN, "b", 5));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "b", 9));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "ab", 3));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "a", 3));
	memset(a, 0xff, sizeof(a));
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &b, a, 4), 2);
	CU_ASSERT_EQUAL(a[0].nodeid, 1);
	CU_ASSERT_EQUAL(a[0].pid, 9);
	CU_ASSERT_EQUAL(a[0].reason, 0);
	CU_ASSERT_EQUAL(a[1].nodeid, 2);
	CU_ASSERT_EQUAL(a[1].pid, 5);
	CU_ASSERT_EQUAL(a[2].nodeid, 0xffffffffu);
	memset(a, 0xff, sizeof(a));
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &b, a, 1), 2);
	CU_ASSERT_EQUAL(a[0].pid, 9);
	CU_ASSERT_EQUAL(a[1].nodeid, 0xffffffffu);
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &none, a, 4), 0);

	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_NAME_ONLY, NULL, d, 8), 3);
	CU_ASSERT_EQUAL(d[0].group.length, 1);
	CU_ASSERT_EQUAL(d[0].group.value[0], 'a');
	CU_ASSERT_EQUAL(d[1].group.length, 2);
	CU_ASSERT_EQUAL(memcmp(d[1].group.value, "ab", 2), 0);
	CU_ASSERT_EQUAL(d[2].group.value[0], 'b');
	CU_ASSERT_EQUAL(d[2].nodeid, 0);
	CU_ASSERT_EQUAL(d[2].pid, 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ONE_GROUP, &b, d, 8), 2);
	CU_ASSERT_EQUAL(d[0].nodeid, 1);
	CU_ASSERT_EQUAL(d[0].pid, 9);
	CU_ASSERT_EQUAL(d[1].nodeid, 2);
	CU_ASSERT_EQUAL(d[1].group.value[0], 'b');
	TABLE(1, "a:1:3 ab:1:3 b:1:9,2:5");
	TABLE(2, "a:1:3 ab:1:3 b:1:9,2:5");
	memset(d, 0xff, sizeof(d));
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ALL, NULL, d, 2), 4);
	CU_ASSERT_EQUAL(d[1].group.length, 2);
	CU_ASSERT_EQUAL(d[2].group.length, 0xffffffffu);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ONE_GROUP, &none, d, 8), 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ONE_GROUP, NULL, d, 8), 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), 9, NULL, d, 8), 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ALL, NULL, NULL, 0), 4);
	cluster_fini();
}

/* A long answer in pages: from `from` on; the generation moves with the table */
static void test_iterate_pages_and_generation(void)
{
	struct cpg_iteration_description_t d[8];
	uint64_t gen;
	uint8_t m[64];

	cluster(1);
	inject(1, m, put_msg(m, RC_CPG_JOIN, "a", 3));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "b", 4));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "b", 5));
	gen = rc_cpgd_gen(C(1));
	memset(d, 0xff, sizeof(d));
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_ALL, NULL, 1, d, 1), 3);
	CU_ASSERT_EQUAL(d[0].group.value[0], 'b');
	CU_ASSERT_EQUAL(d[0].pid, 4);
	CU_ASSERT_EQUAL(d[1].group.length, 0xffffffffu);
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_ALL, NULL, 2, d, 8), 3);
	CU_ASSERT_EQUAL(d[0].pid, 5);
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_ALL, NULL, 3, d, 8), 3);
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_NAME_ONLY, NULL, 1, d, 8), 2);
	CU_ASSERT_EQUAL(d[0].group.value[0], 'b');
	CU_ASSERT_EQUAL(rc_cpgd_gen(C(1)), gen);	/* queries change nothing */
	inject(1, m, put_msg(m, RC_CPG_LEAVE, "b", 4));
	CU_ASSERT_NOT_EQUAL(rc_cpgd_gen(C(1)), gen);
	cluster_fini();
}

/* ---- limits ---- */

static void test_table_limits_drop_and_count(void)
{
	struct cpg_name g = nm("g0");
	uint8_t m[64];
	char name[16];

	cluster(1);
	for (uint32_t i = 0; i <= RC_CPGD_MAX_GROUPS; i++) {
		snprintf(name, sizeof(name), "g%u", i);
		rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, name, 1));
	}
	CU_ASSERT_EQUAL(stats(1).groups, RC_CPGD_MAX_GROUPS);
	CU_ASSERT_EQUAL(stats(1).full, 1);
	/* A local join past the limit: dropped, the slot may try again. Its
	   joiner is told (it used to be left "joined", its sends vanishing). */
	attach(1, 0, 5);
	N(1)->joined_st[0] = -1;
	join(1, 0, "new");
	run();
	CU_ASSERT_EQUAL(stats(1).full, 2);
	CU_ASSERT_EQUAL(N(1)->joined_st[0], CS_ERR_NO_RESOURCES);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, m, sizeof(m)), 0);	/* not joined */
	EV_NONE(1);
	join(1, 0, "new");
	leave(1, 0, "new");		/* dropped too, then its LEAVE: NONE */
	run();
	CU_ASSERT_EQUAL(stats(1).full, 3);
	EV_NONE(1);
	join(1, 0, "new");
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_EXIST);
	for (uint32_t pid = 2; pid <= RC_CPGD_MAX_MEMBERS + 1; pid++)
		rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, "g0", pid));
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(1), &g, NULL, 0), RC_CPGD_MAX_MEMBERS);
	CU_ASSERT_EQUAL(stats(1).full, 4);
	CU_ASSERT_EQUAL(stats(1).processes, RC_CPGD_MAX_GROUPS - 1 + RC_CPGD_MAX_MEMBERS);
	/* Fill other groups up to the process limit, then one more. */
	for (uint32_t i = 1, pid = 2; stats(1).processes < RC_CPGD_MAX_PROCESSES; pid++) {
		if (pid > RC_CPGD_MAX_MEMBERS) {
			pid = 2;
			i++;
		}
		snprintf(name, sizeof(name), "g%u", i);
		rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, name, pid));
	}
	CU_ASSERT_EQUAL(stats(1).full, 4);
	rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, "g4000", 2));
	CU_ASSERT_EQUAL(stats(1).full, 5);
	CU_ASSERT_EQUAL(stats(1).processes, RC_CPGD_MAX_PROCESSES);
	cluster_fini();
}

/* cpg_join is answered when its JOIN is applied: CS_OK once in the group. */
static void test_join_is_answered_once_applied(void)
{
	cluster(2);
	attach(1, 0, 5);
	N(1)->joined_st[0] = -1;
	join(1, 0, "g");
	CU_ASSERT_EQUAL(N(1)->joined_st[0], -1);	/* not before it comes back */
	run();
	CU_ASSERT_EQUAL(N(1)->joined_st[0], CS_OK);
	cluster_fini();
}

static size_t heap_bytes(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

static void test_sent_and_delivered_messages_are_freed(void)
{
	size_t before;

	cluster(2);
	attach(1, 0, 100);
	attach(1, 1, 101);
	join(1, 1, "h");
	run();
	before = heap_bytes();
	for (int i = 0; i < 2000; i++) {
		sent_first = i & 1;
		join(1, 0, "g");
		run();
		leave(1, 0, "g");
		run();
	}
	CU_ASSERT(heap_bytes() < before + 4096);
	ev_skip(1);
	/* Destroy with buffers outstanding: LeakSanitizer checks the rest. */
	join(1, 0, "g");
	rc_cpgd_detach(C(1), 1);
	form(NULL);
	CU_ASSERT(N(1)->nq >= 3);
	cluster_fini();
}

/* ---- agreement ---- */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Node id's "obs" events seen by slot 0, without the slot. */
static size_t obs_log(uint32_t id, char (*out)[EVLEN], size_t max)
{
	size_t n = 0;

	for (unsigned int i = 0; i < N(id)->nev && n < max; i++)
		if (!strncmp(N(id)->ev[i], "s0 cc obs ", 10) ||
		    !strncmp(N(id)->ev[i], "s0 dl ", 6))
			snprintf(out[n++], EVLEN, "%s", N(id)->ev[i] + 3);
	return n;
}

static void test_confchg_sequences_agree_on_every_node(void)
{
	static char logs[3][EVMAX][EVLEN];
	size_t n[3];
	struct cpg_name obs = nm("obs");
	bool attached[3][SLOTS] = { { false } };

	cluster(3);
	for (uint32_t id = 1; id <= 3; id++) {
		attach(id, 0, 1000 + id);
		join(id, 0, "obs");
		attached[id - 1][0] = true;
		run();
	}
	for (uint32_t id = 1; id <= 3; id++)
		N(id)->nev = N(id)->rd = 0;
	for (int round = 0; round < 1500; round++) {
		uint32_t id = 1 + rnd(3), slot = 1 + rnd(SLOTS - 1);
		struct rc_cpgd *c = C(id);

		sent_first = rnd(2);
		switch (rnd(7)) {
		case 0:
			if (!attached[id - 1][slot]) {
				attach(id, slot, 10 * slot + rnd(3));
				attached[id - 1][slot] = true;
			}
			break;
		case 1:
		case 2:
			if (attached[id - 1][slot])
				rc_cpgd_join(c, slot, &obs);
			break;
		case 3:
			if (attached[id - 1][slot])
				rc_cpgd_leave(c, slot, &obs);
			break;
		case 4:
			rc_cpgd_detach(c, slot);
			attached[id - 1][slot] = false;
			break;
		case 5:
			if (rc_cpgd_mcast_hdr(c, slot, (uint8_t[64]){ 0 }, 64))
				client_send(id, slot, "m");
			break;
		default:
			if (rnd(8) == 0)
				form(NULL);	/* a ring change with messages queued */
			for (int k = rnd(4); k >= 0; k--)
				step(1 + rnd(3));
			break;
		}
	}
	run();
	for (uint32_t id = 1; id <= 3; id++)
		n[id - 1] = obs_log(id, logs[id - 1], EVMAX);
	CU_ASSERT(n[0] > 50);
	CU_ASSERT_EQUAL(n[0], n[1]);
	CU_ASSERT_EQUAL(n[0], n[2]);
	for (size_t i = 0; i < n[0] && i < n[1] && i < n[2]; i++) {
		CU_ASSERT_STRING_EQUAL(logs[0][i], logs[1][i]);
		CU_ASSERT_STRING_EQUAL(logs[0][i], logs[2][i]);
		if (strcmp(logs[0][i], logs[1][i]) || strcmp(logs[0][i], logs[2][i]))
			break;
	}
	for (uint32_t id = 2; id <= 3; id++) {
		char a[1024], b[1024];

		table_str(1, a, sizeof(a));
		table_str(id, b, sizeof(b));
		CU_ASSERT_STRING_EQUAL(a, b);
		CU_ASSERT_EQUAL(stats(id).bad, 0);
	}
	cluster_fini();
}

static const struct unit_test tests[] = {
	T(test_node_crash_is_nodedown_with_all_its_processes),
	T(test_merge_is_nodeup_on_both_sides_with_same_lists),
	T(test_process_gone_across_a_ring_change_leaves_at_its_procdown),
	T(test_process_left_then_gone_across_a_ring_change_is_leave),
	T(test_join_in_flight_across_a_ring_change_completes),
	T(test_stale_sync_is_ignored),
	T(test_totem_only_after_every_sync_and_at_attach),
	T(test_failed_sync_is_sent_when_no_control_message_is_in_flight),
	T(test_failed_procdown_is_sent_later),
	T(test_malformed_messages_are_counted_and_change_nothing),
	T(test_membership_and_iterate_contents_and_truncation),
	T(test_iterate_pages_and_generation),
	T(test_table_limits_drop_and_count),
	T(test_join_is_answered_once_applied),
	T(test_sent_and_delivered_messages_are_freed),
	T(test_confchg_sequences_agree_on_every_node),
};

UNIT_TEST_MAIN("cpgd-ring", tests)
