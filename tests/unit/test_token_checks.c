/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for what a token may say (dataplane/totem/srp.c, recv_token): a
 * token that could not follow the one this node passed on is dropped and
 * counted, never acted on (docs/protocol.md, "What a receiver checks").
 */
#include "token_harness.h"


/* Offer node 2 a token from its predecessor: 0 or -EBADMSG. */
static int offer(struct rc_srp *srp, const struct rc_token *t)
{
	size_t len;

	rc_wire_put_hdr(frame, RC_FT_TOKEN, CLUSTER, 1, 1, RING_SEQ);
	len = rc_wire_put_token(frame, t);
	return rc_srp_recv(srp, frame, len, T0);
}

/* A visit adds one to token_seq: a rotation of 3 adds 3, never more. */
static void test_token_seq_jumping_past_a_rotation_is_dropped(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 7 };

	CU_ASSERT_EQUAL(offer(srp, &t), 0);
	t.token_seq = 7 + 4;
	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	t.token_seq = 0x80000000u;	/* the forged one that made the real token a "dup" */
	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_TOKEN], 2);
	t.token_seq = 7 + 3;
	CU_ASSERT_EQUAL(offer(srp, &t), 0);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 2);
	rc_srp_destroy(srp);
}

/*
 * The most one member may frame in a visit: max_messages, or its whole
 * flow-control window when no other node waits (token.c), plus its
 * accelerated frames.
 */
static uint32_t visit_max(const struct rc_srp *srp)
{
	uint32_t m = srp->cfg.max_messages, w = rc_flow_win_max(&srp->cfg);

	return (m > w ? m : w) + srp->cfg.accel_window;
}

/* The two others frame at most visit_max() each in a rotation. */
static void test_token_seq_beyond_what_a_rotation_can_frame_is_dropped(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .aru = 0, .aru_addr = 3 };

	t.seq = 2 * visit_max(srp) + 1;
	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_TOKEN], 1);
	CU_ASSERT_EQUAL(cap.n_send, 0);
	t.seq = 2 * visit_max(srp);
	CU_ASSERT_EQUAL(offer(srp, &t), 0);
	rc_srp_destroy(srp);
}

/*
 * A frame of the ring exists only once a token passed its seq: a token
 * below a frame already seen is forged or corrupt. Taken, it would have
 * this node frame new messages at seqs that already carry others' (nodes
 * then delivered different messages at one position).
 */
static void test_token_below_a_frame_already_seen_is_dropped(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 20, .aru = 20 };

	queue_big(srp, 1);
	feed(srp, 1, 30);
	t.seq = 29;
	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 0);	/* nothing framed at 30 */
	t.seq = 30;
	t.aru = 30;
	CU_ASSERT_EQUAL(offer(srp, &t), 0);
	CU_ASSERT_EQUAL(forwarded().seq, 31);
	rc_srp_destroy(srp);
}

/* aru above seq would pull the safe line (and collection) past what exists. */
static void test_token_aru_above_its_seq_is_dropped(void)
{
	struct rc_srp *srp = node2();
	struct rc_token t = { .token_seq = 1, .seq = 5, .aru = 6, .aru_addr = 3 };

	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	t.aru = 0x7fffffffu;
	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_TOKEN], 2);
	t.aru = 5;
	CU_ASSERT_EQUAL(offer(srp, &t), 0);
	rc_srp_destroy(srp);
}

/*
 * fcc is what each member sent on its last visit: at most my last visit,
 * the new frames, and visit_max() retransmissions per other member. A
 * forged huge fcc stopped every node sending, for good.
 */
static void test_token_fcc_beyond_the_last_rotation_is_dropped(void)
{
	struct rc_srp *srp = flow_node(20);
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 10, .fcc = 0xffffff };

	ring_ran_to(srp, 0, 5);
	feed(srp, 1, 10);
	queue_big(srp, 2);
	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	t.fcc = 5 + 10 + 2 * visit_max(srp) + 1;
	CU_ASSERT_EQUAL(offer(srp, &t), -EBADMSG);
	CU_ASSERT_EQUAL(stats(srp).frames_tx, 0);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_TOKEN], 2);
	t.fcc = 5 + 10 + 2 * visit_max(srp);
	CU_ASSERT_EQUAL(offer(srp, &t), 0);	/* taken: a full window, nothing sent */
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_TOKEN], 2);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 1);
	rc_srp_destroy(srp);
}

static const struct unit_test tests[] = {
	T(test_token_seq_jumping_past_a_rotation_is_dropped),
	T(test_token_seq_beyond_what_a_rotation_can_frame_is_dropped),
	T(test_token_below_a_frame_already_seen_is_dropped),
	T(test_token_aru_above_its_seq_is_dropped),
	T(test_token_fcc_beyond_the_last_rotation_is_dropped),
};

UNIT_TEST_MAIN("token-checks", tests)
