/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/totem/token.c: the token visit and flow control.
 * Node 2 of the ring {1, 2, 3} is handed tokens from its predecessor 1 and
 * frames from 1 and 3; the token it forwards to 3 is captured from ops.send
 * and parsed back. Flow control is checked on rc_flow_allowed() directly,
 * with engine state (my previous backlog report, gc_seq) reached through
 * token visits only.
 */
#include "token_harness.h"

/* ---- Forwarding, aru ----------------------------------------------------- */

static void test_token_goes_to_successor_with_token_seq_incremented(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 41, .seq = 0 }, out;

	give(srp, &t);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	CU_ASSERT_EQUAL(last_to(3), 0);
	out = forwarded();
	CU_ASSERT_EQUAL(out.token_seq, 42);
	CU_ASSERT_EQUAL(out.seq, 0);
	CU_ASSERT_EQUAL(stats(srp).tokens_tx, 1);
	rc_srp_destroy(srp);
}

static void test_aru_is_lowered_to_my_aru_and_aru_addr_set_to_me(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 8, .aru_addr = 3 }, out;

	feed(srp, 1, 3);
	feed(srp, 6, 6);
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.aru, 3);
	CU_ASSERT_EQUAL(out.aru_addr, 2);
	rc_srp_destroy(srp);
}

static void test_aru_is_set_to_my_aru_when_nobody_lowered_it(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 10, .aru_addr = 0 }, out;

	feed(srp, 1, 4);
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.aru, 4);
	CU_ASSERT_EQUAL(out.aru_addr, 2);
	rc_srp_destroy(srp);
}

static void test_aru_is_raised_when_i_lowered_it(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 10 }, out;

	feed(srp, 1, 3);
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.aru, 3);
	CU_ASSERT_EQUAL(out.aru_addr, 2);

	feed(srp, 4, 7);
	t = out;
	t.token_seq += 2;
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.aru, 7);
	CU_ASSERT_EQUAL(out.aru_addr, 2);

	/* caught up: nobody is behind any more */
	feed(srp, 8, 10);
	t = out;
	t.token_seq += 2;
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.aru, 10);
	CU_ASSERT_EQUAL(out.aru_addr, 0);
	rc_srp_destroy(srp);
}

static void test_aru_lowered_by_another_node_is_left_alone(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 4, .aru_addr = 3 }, out;

	feed(srp, 1, 10);
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.aru, 4);
	CU_ASSERT_EQUAL(out.aru_addr, 3);
	rc_srp_destroy(srp);
}

/* ---- Retransmission requests --------------------------------------------- */

static void test_missing_seqs_are_put_on_the_rtr_list(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 6, .aru = 0, .aru_addr = 3 }, out;

	feed(srp, 1, 2);
	feed(srp, 5, 5);
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, 3);
	CU_ASSERT(listed(&out, 3));
	CU_ASSERT(listed(&out, 4));
	CU_ASSERT(listed(&out, 6));
	CU_ASSERT_EQUAL(stats(srp).rtr_requested, 3);
	rc_srp_destroy(srp);
}

static void test_missing_seq_already_listed_is_not_listed_twice(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = {
		.token_seq = 1, .seq = 6, .aru = 0, .aru_addr = 3,
		.rtr_count = 2, .rtr = { 4, 6 },
	}, out;

	feed(srp, 1, 2);
	feed(srp, 5, 5);
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, 3);
	CU_ASSERT(listed(&out, 3));
	CU_ASSERT(listed(&out, 4));
	CU_ASSERT(listed(&out, 6));
	CU_ASSERT_EQUAL(stats(srp).rtr_requested, 1);
	rc_srp_destroy(srp);
}

static void test_rtr_list_is_capped_at_max(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 1000, .aru = 0, .aru_addr = 3 }, out;

	ring_ran_to(srp, 990, 0);
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, RC_RTR_MAX);
	for (uint32_t s = 1; s <= RC_RTR_MAX; s++)
		CU_ASSERT(listed(&out, s));
	CU_ASSERT_EQUAL(stats(srp).rtr_requested, RC_RTR_MAX);

	/* a list others nearly filled takes only what still fits */
	rc_srp_destroy(srp);
	srp = node2();
	ring_ran_to(srp, 990, 0);
	t.rtr_count = RC_RTR_MAX - 2;
	for (uint32_t i = 0; i < t.rtr_count; i++)
		t.rtr[i] = 1000 - i;
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, RC_RTR_MAX);
	CU_ASSERT(listed(&out, 1));
	CU_ASSERT(listed(&out, 2));
	CU_ASSERT(!listed(&out, 3));
	rc_srp_destroy(srp);
}

static void test_requested_frames_i_hold_are_resent_and_unlisted(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = {
		.token_seq = 1, .seq = 6, .aru = 2, .aru_addr = 3,
		.rtr_count = 3, .rtr = { 3, 6, 4 },
	}, out;
	struct rc_frame_view v;
	int tok_at;

	feed(srp, 1, 5);
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).retransmits, 2);
	tok_at = last_to(3);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 3);
	CU_ASSERT_EQUAL(tok_at, 2);
	/* the resent frames went to every node, before the token, byte-exact */
	for (int i = 0; i < 2; i++) {
		uint32_t want = i == 0 ? 3 : 4;

		CU_ASSERT_EQUAL(cap.dst[i], 0);
		parse_sent(i, &v);
		CU_ASSERT_EQUAL(v.type, RC_FT_MCAST);
		CU_ASSERT_EQUAL(v.seq, want);
		CU_ASSERT_EQUAL(v.sender, 1);	/* the originator, not me */
		CU_ASSERT_EQUAL(cap.len[i], mcast(frame, 1, want));
		CU_ASSERT_EQUAL(memcmp(cap.buf[i], frame, cap.len[i]), 0);
	}
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, 1);
	CU_ASSERT(listed(&out, 6));
	rc_srp_destroy(srp);
}

static void test_resends_per_visit_are_capped_at_max_messages(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 0, .aru_addr = 3, .rtr_count = 10 }, out;

	ring_config(&c, 2);
	c.max_messages = 4;
	srp = node_with(&c);
	ring_ran_to(srp, 2, 0);
	for (uint32_t i = 0; i < 10; i++)
		t.rtr[i] = i + 1;
	feed(srp, 1, 10);
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).retransmits, 4);
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, 6);
	for (uint32_t s = 5; s <= 10; s++)
		CU_ASSERT(listed(&out, s));
	rc_srp_destroy(srp);
}

static void test_request_for_a_seq_every_node_holds_is_dropped(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 5, .aru = 5 }, out;

	feed(srp, 1, 5);
	give(srp, &t);			/* I pass aru 5 on */
	t.token_seq = 4;
	give(srp, &t);			/* aru 5 came back: 1..5 are safe */
	t.token_seq = 7;
	t.rtr_count = 1;
	t.rtr[0] = 2;
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).retransmits, 0);
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, 0);
	rc_srp_destroy(srp);
}

/* ---- New frames and the accelerated ring --------------------------------- */

static void test_new_frames_take_the_seqs_after_the_token_seq(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 10 }, out;
	struct rc_frame_view v;

	feed(srp, 1, 10);
	queue_big(srp, 3);
	give(srp, &t);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 4);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(cap.dst[i], 0);
		parse_sent(i, &v);
		CU_ASSERT_EQUAL(v.type, RC_FT_MCAST);
		CU_ASSERT_EQUAL(v.sender, 2);
		CU_ASSERT_EQUAL(v.seq, 11u + (uint32_t)i);
	}
	out = forwarded();
	CU_ASSERT_EQUAL(out.seq, 13);
	CU_ASSERT_EQUAL(out.aru, 13);	/* I hold my own frames */
	CU_ASSERT_EQUAL(out.aru_addr, 0);
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 3);
	rc_srp_destroy(srp);
}

static void test_classic_ring_sends_every_new_frame_before_the_token(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1 };

	queue_big(srp, 5);
	give(srp, &t);
	CU_ASSERT_EQUAL(cap.n_send, 6);
	CU_ASSERT_EQUAL(last_to(3), 5);
	rc_srp_destroy(srp);
}

static void test_accel_sends_last_accel_window_frames_after_the_token(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1 };
	struct rc_frame_view v;

	ring_config(&c, 2);
	c.accel_window = 2;
	srp = node_with(&c);
	queue_big(srp, 5);
	give(srp, &t);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 6);
	CU_ASSERT_EQUAL(last_to(3), 3);
	for (int i = 0; i < 6; i++) {
		if (i == 3)
			continue;
		CU_ASSERT_EQUAL(cap.dst[i], 0);
		parse_sent(i, &v);
		CU_ASSERT_EQUAL(v.seq, (uint32_t)(i < 3 ? i + 1 : i));
	}
	CU_ASSERT_EQUAL(forwarded().seq, 5);
	rc_srp_destroy(srp);
}

static void test_accel_sends_everything_after_the_token_when_within_window(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1 };

	ring_config(&c, 2);
	c.accel_window = 4;
	srp = node_with(&c);
	queue_big(srp, 3);
	give(srp, &t);
	CU_ASSERT_EQUAL(cap.n_send, 4);
	CU_ASSERT_EQUAL(last_to(3), 0);
	rc_srp_destroy(srp);
}

static void test_accel_does_not_request_seqs_past_my_last_forwarded_seq(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1, .seq = 3, .aru = 0, .aru_addr = 3 }, out;

	ring_config(&c, 2);
	c.accel_window = 2;
	srp = node_with(&c);
	give(srp, &t);		/* I pass seq 3 on */
	t.token_seq = 4;
	t.seq = 10;		/* 4..10 were sent since: some may be in flight */
	give(srp, &t);
	out = forwarded();
	CU_ASSERT_EQUAL(out.rtr_count, 3);
	CU_ASSERT(listed(&out, 1));
	CU_ASSERT(listed(&out, 2));
	CU_ASSERT(listed(&out, 3));
	CU_ASSERT(!listed(&out, 4));
	CU_ASSERT(!listed(&out, 10));

	/* the classic ring asks for all of them */
	rc_srp_destroy(srp);
	srp = node2();
	t.token_seq = 1;
	t.seq = 3;
	give(srp, &t);
	t.token_seq = 4;
	t.seq = 10;
	give(srp, &t);
	CU_ASSERT_EQUAL(forwarded().rtr_count, 10);
	rc_srp_destroy(srp);
}

/* ---- fcc and backlog ----------------------------------------------------- */

static void test_fcc_adds_this_visit_and_drops_my_previous_visit(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 0, .fcc = 10 };

	queue_big(srp, 3);
	give(srp, &t);
	CU_ASSERT_EQUAL(forwarded().fcc, 13);

	/* 2 new frames and 1 resent: 20 + 3 - 3 */
	feed(srp, 4, 5);
	t.token_seq = 4;
	t.seq = 5;
	t.aru = 3;
	t.aru_addr = 3;
	t.fcc = 20;
	t.rtr_count = 1;
	t.rtr[0] = 2;
	queue_big(srp, 2);
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).retransmits, 1);
	CU_ASSERT_EQUAL(forwarded().fcc, 20);
	CU_ASSERT_EQUAL(forwarded().seq, 7);

	/* nothing sent: my 3 leave the count, which does not go below 0 */
	t.token_seq = 7;
	t.seq = 7;
	t.fcc = 1;
	t.rtr_count = 0;
	give(srp, &t);
	CU_ASSERT_EQUAL(forwarded().fcc, 0);
	rc_srp_destroy(srp);
}

static void test_backlog_adds_my_queue_and_drops_my_previous_report(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	/* the others sent 252 of the window's 256 (which cannot grow: rtr_slots
	   1024), so each visit may send 4 */
	struct rc_token t = { .token_seq = 1, .backlog = 100, .fcc = 252 };

	ring_config(&c, 2);
	c.rtr_slots = 1024;
	srp = node_with(&c);
	queue_big(srp, 10);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 10);
	give(srp, &t);			/* sends 4, 6 left */
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 6);
	CU_ASSERT_EQUAL(forwarded().backlog, 106);

	t.token_seq = 4;
	t.seq = 4;
	t.aru = 4;
	t.backlog = 50;
	t.fcc = 256;			/* 252 + my 4 */
	give(srp, &t);			/* sends 4, 2 left */
	CU_ASSERT_EQUAL(forwarded().backlog, 50 - 6 + 2);

	t.token_seq = 7;
	t.seq = 8;
	t.aru = 8;
	t.backlog = 1;
	give(srp, &t);			/* sends 2, 0 left: 1 - 2 floors at 0 */
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 0);
	CU_ASSERT_EQUAL(forwarded().backlog, 0);
	rc_srp_destroy(srp);
}

/* ---- Flow control -------------------------------------------------------- */


static void test_flow_allows_the_whole_window_when_no_other_node_waits(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .fcc = 0 };

	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 100);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 0), 100);
	rc_srp_destroy(srp);
}

static void test_flow_caps_a_visit_while_another_node_has_a_backlog(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .backlog = 30 };

	/* an even part of the window (100 / 3 nodes) beats max_messages 20 */
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 33);
	rc_srp_destroy(srp);
	srp = flow_node(50);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 50);
	rc_srp_destroy(srp);
}

static void test_flow_does_not_count_my_own_last_visit_against_me(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .token_seq = 1 };

	queue_big(srp, 10);
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 10);
	/* the ring sent 95 in the last rotation, 10 of them mine */
	t.token_seq = 4;
	t.seq = 95;
	t.fcc = 95;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 15);
	rc_srp_destroy(srp);
}

/* window 20, max_messages 10: the window starts at 20 and grows to 1024. */
static struct rc_srp *adapt_node(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.window_size = 20;
	c.max_messages = 10;
	c.rtr_slots = 4096;
	return node_with(&c);
}

static void test_window_grows_after_a_visit_that_used_all_it_may(void)
{
	struct rc_srp *srp = adapt_node();
	struct rc_token t = { .token_seq = 1 }, fresh = { 0 };

	queue_big(srp, 40);
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 20);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &fresh, 0, 0), 30);	/* + half */
	rc_srp_destroy(srp);
}

static void test_window_stays_after_a_visit_that_did_not_need_it(void)
{
	struct rc_srp *srp = adapt_node();
	struct rc_token t = { .token_seq = 1 }, fresh = { 0 };

	queue_big(srp, 5);
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 5);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &fresh, 0, 0), 20);
	rc_srp_destroy(srp);
}

static void test_window_halves_on_retransmission_requests_down_to_window_size(void)
{
	struct rc_srp *srp = adapt_node();
	struct rc_token t = { .token_seq = 1 }, fresh = { 0 };

	queue_big(srp, 64);
	give(srp, &t);				/* 20 sent: 30 */
	t.token_seq = 4;
	t.seq = 20;
	t.fcc = 20;
	give(srp, &t);				/* 30 sent: 45 */
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 50);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &fresh, 0, 0), 45);
	t.token_seq = 7;
	t.seq = 50;
	t.fcc = 30;
	t.rtr_count = 1;
	t.rtr[0] = 49;				/* mine: served */
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).retransmits, 1);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &fresh, 0, 0), 22);	/* 45 / 2 */
	t.token_seq = 10;
	t.seq = forwarded().seq;
	t.fcc = 0;
	t.rtr[0] = 49;
	give(srp, &t);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &fresh, 0, 0), 20);	/* not below */
	rc_srp_destroy(srp);
}

/*
 * Another node, its window grown (it floods alone), sends more per rotation
 * than this node's window: this node's allowance was 0 at every visit, and
 * its window, grown only by a visit that used all it was allowed, never
 * grew. A message queued here (a client's, a cpg_join) waited for the whole
 * flood (seconds, measured). A visit that may send nothing while it has a
 * backlog grows the window too, so it gets its share within a few.
 */
static void test_a_node_starved_by_a_larger_window_grows_its_own(void)
{
	struct rc_srp *srp = adapt_node();
	struct rc_token t = { .token_seq = 1, .fcc = 30 };

	queue_big(srp, 5);
	for (int visit = 0; visit < 6 && stats(srp).frames_tx == 0; visit++) {
		t.fcc = 30;		/* the other node, every rotation */
		give(srp, &t);
		t.seq = forwarded().seq;
		t.token_seq += 3;
	}
	CU_ASSERT(stats(srp).frames_tx > 0);
	rc_srp_destroy(srp);
}

static void test_flow_is_bounded_by_window_minus_fcc(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .fcc = 90 };

	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 10);
	t.fcc = 85;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 15);
	t.fcc = 80;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 20);
	t.fcc = 99;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 1);
	rc_srp_destroy(srp);
}

static void test_flow_is_zero_once_fcc_reaches_the_window(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .fcc = 100 };

	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 0);
	t.fcc = 150;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 0);
	t.fcc = UINT32_MAX;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 0);
	rc_srp_destroy(srp);
}

static void test_flow_subtracts_retransmissions(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .fcc = 0 };

	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 5, 5), 95);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 100, 5), 0);
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 130, 5), 0);
	t.fcc = 90;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 4, 5), 6);
	rc_srp_destroy(srp);
}

static void test_flow_gives_a_backlog_share_when_ring_backlog_exceeds_window(void)
{
	struct rc_srp *srp = flow_node(100);
	struct rc_token t = { .backlog = 300 };

	/* 100 * 100 / 400 */
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 100), 25);
	/* 100 * 10 / 1000 */
	t.backlog = 990;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 10), 1);
	/* the share never cuts a node to nothing */
	t.backlog = 100000;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 1), 1);
	/* but does not lift the other bounds either */
	t.fcc = 100;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 1), 0);
	rc_srp_destroy(srp);
}

static void test_flow_gives_no_share_while_ring_backlog_fits_the_window(void)
{
	struct rc_srp *srp = flow_node(100);
	struct rc_token t = { .backlog = 50 };

	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 50), 100);
	t.backlog = 51;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 50), 49);	/* 100 * 50 / 101 */
	/* without a backlog of my own there is no share to take */
	t.backlog = 100000;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 0), 100);
	rc_srp_destroy(srp);
}

static void test_flow_share_does_not_count_my_previous_report_twice(void)
{
	struct rc_srp *srp = flow_node(100);
	struct rc_token t = { .token_seq = 1, .fcc = 100 };

	/* a visit with a full window sends nothing and reports 6 frames queued */
	queue_big(srp, 6);
	give(srp, &t);
	CU_ASSERT_EQUAL(forwarded().backlog, 6);
	/* the ring's 300 include my 6: my share is 150 * 6 / 300 (3), not
	   / 306 (2); 150: a visit that could send nothing of its backlog grew
	   the window by half */
	t.fcc = 0;
	t.backlog = 300;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 6), 3);
	rc_srp_destroy(srp);
}

static void test_flow_is_bounded_by_receive_buffer_room(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .seq = 2040 };

	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 8);
	t.seq = 2048;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 0);
	t.seq = 3000;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 0);
	rc_srp_destroy(srp);
}

static void test_flow_room_is_counted_from_the_collected_seq(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 10 };

	/* two rotations with aru 10: 1..10 are delivered and safe everywhere */
	feed(srp, 1, 10);
	give(srp, &t);
	t.token_seq = 4;
	give(srp, &t);
	t.seq = 2050;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 5), 8);
	rc_srp_destroy(srp);
}

static void test_visit_sends_no_more_than_flow_allows(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .token_seq = 1, .seq = 17, .aru = 17, .fcc = 97 };

	/* this node sent nothing on its last visit (its own last visit does not
	   count against it); the others framed 17 and retransmitted 80 */
	ring_ran_to(srp, 0, 0);
	feed(srp, 1, 17);
	queue_big(srp, 10);
	give(srp, &t);
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 3);
	CU_ASSERT_EQUAL(forwarded().seq, 20);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 7);
	rc_srp_destroy(srp);
}

/* ---- Idle hold at the representative ------------------------------------- */

/* Node 1 after rotations of an idle ring: it holds the token. */
static struct rc_srp *holding_rep(struct rc_token *t)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	size_t len;

	ring_config(&c, 1);
	c.idle_rotations = 2;
	srp = node_with(&c);
	rc_srp_start(srp, T0);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 1);
	CU_ASSERT_EQUAL(cap.dst[0], 2);
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < 2; i++) {
		struct rc_frame_view v;

		parse_sent(last_to(2), &v);
		*t = v.tok;
		t->token_seq += 2;
		rc_wire_put_hdr(frame, RC_FT_TOKEN, CLUSTER, 3, 1, RING_SEQ);
		len = rc_wire_put_token(frame, t);
		CU_ASSERT_EQUAL_FATAL(rc_srp_recv(srp, frame, len, T0), 0);
	}
	CU_ASSERT_EQUAL(stats(srp).holds, 1);
	CU_ASSERT_EQUAL(cap.n_send, 2);		/* the second return was held */
	return srp;
}

static void test_representative_holds_an_idle_token_until_hold_ends(void)
{
	struct rc_token t;
	struct rc_srp *srp = holding_rep(&t);
	struct rc_srp_config c;
	uint64_t dl = rc_srp_next_deadline(srp);

	ring_config(&c, 1);
	CU_ASSERT_EQUAL(dl, T0 + c.hold_ns);
	rc_srp_timer(srp, dl - 1);
	CU_ASSERT_EQUAL(cap.n_send, 2);
	rc_srp_timer(srp, dl);
	CU_ASSERT_EQUAL(cap.n_send, 3);
	CU_ASSERT_EQUAL(cap.dst[2], 2);
	rc_srp_destroy(srp);
}

static void test_wake_releases_a_held_token_at_once(void)
{
	struct rc_token t;
	struct rc_srp *srp = holding_rep(&t);

	rc_wire_put_hdr(frame, RC_FT_WAKE, CLUSTER, 3, 1, RING_SEQ);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, HDR, T0 + 1), 0);
	CU_ASSERT_EQUAL(cap.n_send, 3);
	CU_ASSERT_EQUAL(cap.dst[2], 2);
	rc_srp_destroy(srp);
}

static void test_local_message_releases_a_held_token_and_is_sent(void)
{
	struct rc_token t;
	struct rc_srp *srp = holding_rep(&t);
	struct rc_frame_view v;

	CU_ASSERT_EQUAL(rc_srp_mcast(srp, msgs[0], 10, RC_GUARANTEE_AGREED, NULL, T0 + 1), 0);
	CU_ASSERT_EQUAL(cap.n_send, 2);		/* not from inside the call */
	CU_ASSERT_EQUAL(rc_srp_next_deadline(srp), T0 + 1);
	rc_srp_timer(srp, T0 + 1);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 4);
	CU_ASSERT_EQUAL(cap.dst[2], 0);
	parse_sent(2, &v);
	CU_ASSERT_EQUAL(v.type, RC_FT_MCAST);
	CU_ASSERT_EQUAL(cap.dst[3], 2);
	rc_srp_destroy(srp);
}

/* ---- Runner -------------------------------------------------------------- */


static const struct unit_test tests[] = {
	T(test_token_goes_to_successor_with_token_seq_incremented),
	T(test_aru_is_lowered_to_my_aru_and_aru_addr_set_to_me),
	T(test_aru_is_set_to_my_aru_when_nobody_lowered_it),
	T(test_aru_is_raised_when_i_lowered_it),
	T(test_aru_lowered_by_another_node_is_left_alone),
	T(test_missing_seqs_are_put_on_the_rtr_list),
	T(test_missing_seq_already_listed_is_not_listed_twice),
	T(test_rtr_list_is_capped_at_max),
	T(test_requested_frames_i_hold_are_resent_and_unlisted),
	T(test_resends_per_visit_are_capped_at_max_messages),
	T(test_request_for_a_seq_every_node_holds_is_dropped),
	T(test_new_frames_take_the_seqs_after_the_token_seq),
	T(test_classic_ring_sends_every_new_frame_before_the_token),
	T(test_accel_sends_last_accel_window_frames_after_the_token),
	T(test_accel_sends_everything_after_the_token_when_within_window),
	T(test_accel_does_not_request_seqs_past_my_last_forwarded_seq),
	T(test_fcc_adds_this_visit_and_drops_my_previous_visit),
	T(test_backlog_adds_my_queue_and_drops_my_previous_report),
	T(test_flow_allows_the_whole_window_when_no_other_node_waits),
	T(test_flow_caps_a_visit_while_another_node_has_a_backlog),
	T(test_flow_does_not_count_my_own_last_visit_against_me),
	T(test_window_grows_after_a_visit_that_used_all_it_may),
	T(test_window_stays_after_a_visit_that_did_not_need_it),
	T(test_window_halves_on_retransmission_requests_down_to_window_size),
	T(test_a_node_starved_by_a_larger_window_grows_its_own),
	T(test_flow_is_bounded_by_window_minus_fcc),
	T(test_flow_is_zero_once_fcc_reaches_the_window),
	T(test_flow_subtracts_retransmissions),
	T(test_flow_gives_a_backlog_share_when_ring_backlog_exceeds_window),
	T(test_flow_gives_no_share_while_ring_backlog_fits_the_window),
	T(test_flow_share_does_not_count_my_previous_report_twice),
	T(test_flow_is_bounded_by_receive_buffer_room),
	T(test_flow_room_is_counted_from_the_collected_seq),
	T(test_visit_sends_no_more_than_flow_allows),
	T(test_representative_holds_an_idle_token_until_hold_ends),
	T(test_wake_releases_a_held_token_at_once),
	T(test_local_message_releases_a_held_token_and_is_sent),
};

UNIT_TEST_MAIN("token", tests)
