/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/totem/srp.c: configuration checks, creation, and the
 * receive path through the public API. Node 2 of the ring {1, 2, 3} is fed
 * valid and invalid frames; every drop must be counted under its own reason
 * (rc_srp_stats.bad[]) and leave the engine as it was. Token retransmission
 * and the hand-over to the membership half are in test_srp_recovery.c; the
 * harness both use is srp_harness.h.
 */
#include "srp_harness.h"

/* ---- Configuration ------------------------------------------------------- */

static void test_config_defaults_with_a_ring_pass_the_check(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	expect_config_accepted(&c);
	CU_ASSERT_EQUAL(rc_srp_config_check(&c, NULL), 0);
	c.n_members = 1;
	c.nodeid = 1;
	expect_config_accepted(&c);
}

static void test_config_check_rejects_nodeid_0(void)
{
	struct rc_srp_config c;

	ring_config(&c, 0);
	expect_config_rejected(&c, "nodeid");
}

static void test_config_check_rejects_node_not_a_member(void)
{
	struct rc_srp_config c;

	ring_config(&c, 4);
	expect_config_rejected(&c, "member");
}

static void test_config_check_rejects_duplicate_members(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.members[2] = 1;
	expect_config_rejected(&c, "duplicate");
	ring_config(&c, 2);
	c.members[2] = 2;
	expect_config_rejected(&c, "duplicate");
}

static void test_config_check_rejects_member_nodeid_0(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.members[2] = 0;
	expect_config_rejected(&c, "0");
}

static void test_config_check_rejects_member_count_out_of_range(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.n_members = 0;
	expect_config_rejected(&c, "member");
	ring_config(&c, 2);
	c.n_members = RC_SRP_MAX_NODES + 1;
	expect_config_rejected(&c, "member");
}

static void test_config_check_rejects_rtr_slots_not_power_of_two(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.rtr_slots = 4096 + 1024;
	expect_config_rejected(&c, "rtr_slots");
	c.rtr_slots = 4095;
	expect_config_rejected(&c, "rtr_slots");
	c.rtr_slots = 0;
	expect_config_rejected(&c, "rtr_slots");
}

static void test_config_check_rejects_window_over_quarter_of_rtr_slots(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.rtr_slots = 1024;
	c.window_size = 256;
	expect_config_accepted(&c);
	c.window_size = 257;
	expect_config_rejected(&c, "window_size");
}

static void test_config_check_rejects_hold_not_shorter_than_token_retransmit(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.token_retransmit_ns = 1000;
	c.hold_ns = 999;
	expect_config_accepted(&c);
	c.hold_ns = 1000;
	expect_config_rejected(&c, "hold");
	c.hold_ns = 5000;
	expect_config_rejected(&c, "hold");
}

static void test_config_check_rejects_accel_window_over_a_quarter_of_rtr_slots(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.accel_window = c.rtr_slots / 4;
	expect_config_accepted(&c);
	c.accel_window = c.rtr_slots / 4 + 1;
	expect_config_rejected(&c, "accel_window");
}

static void test_config_check_rejects_netmtu_out_of_range(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.netmtu = RC_NETMTU_MIN;
	expect_config_accepted(&c);
	c.netmtu = RC_NETMTU_MAX;
	expect_config_accepted(&c);
	c.netmtu = RC_NETMTU_MIN - 1;
	expect_config_rejected(&c, "netmtu");
	c.netmtu = RC_NETMTU_MAX + 1;
	expect_config_rejected(&c, "netmtu");
}

static void test_config_check_rejects_max_messages_out_of_range(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.max_messages = 0;
	expect_config_rejected(&c, "max_messages");
	ring_config(&c, 2);
	c.max_messages = c.window_size + 1;
	expect_config_rejected(&c, "max_messages");
}

static void test_config_check_rejects_send_queue_len_not_power_of_two(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.send_queue_len = 100;
	expect_config_rejected(&c, "send_queue_len");
	c.send_queue_len = 0;
	expect_config_rejected(&c, "send_queue_len");
}

static void test_config_check_rejects_zero_timers_and_sizes(void)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.max_msg_size = 0;
	expect_config_rejected(&c, "max_msg_size");
	ring_config(&c, 2);
	c.token_retransmit_ns = 0;
	expect_config_rejected(&c, "token_retransmit");
}

static void test_create_needs_send_and_deliver_callbacks(void)
{
	struct rc_srp_config c;
	struct rc_srp_ops o = ops;
	struct rc_srp *srp = NULL;

	ring_config(&c, 2);
	o.send = NULL;
	CU_ASSERT_EQUAL(rc_srp_create(&c, &o, &cap, &srp), -EINVAL);
	o = ops;
	o.deliver = NULL;
	CU_ASSERT_EQUAL(rc_srp_create(&c, &o, &cap, &srp), -EINVAL);
	CU_ASSERT_EQUAL(rc_srp_create(&c, NULL, &cap, &srp), -EINVAL);
	CU_ASSERT_PTR_NULL(srp);
	o = ops;
	o.sent = NULL;		/* optional */
	CU_ASSERT_EQUAL(rc_srp_create(&c, &o, &cap, &srp), 0);
	rc_srp_destroy(srp);
	rc_srp_destroy(NULL);
}

static void test_bad_reasons_have_distinct_names(void)
{
	for (int i = 0; i < RC_BAD_REASONS_; i++) {
		const char *n = rc_srp_bad_reason_name((enum rc_bad_reason)i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_STRING_NOT_EQUAL(n, "unknown");
		for (int j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(n, rc_srp_bad_reason_name((enum rc_bad_reason)j));
	}
	CU_ASSERT_STRING_EQUAL(rc_srp_bad_reason_name(RC_BAD_REASONS_), "unknown");
	CU_ASSERT_STRING_EQUAL(rc_srp_bad_reason_name((enum rc_bad_reason)-1), "unknown");
}

/* ---- Receive path: accepted frames --------------------------------------- */

static void test_mcast_from_member_is_stored_and_delivered(void)
{
	struct rc_srp *srp = node(2);
	size_t len = mcast(frame, 3, 1);
	struct rc_srp_stats st;

	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	st = stats(srp);
	CU_ASSERT_EQUAL(st.frames_rx, 1);
	CU_ASSERT_EQUAL(st.bytes_rx, len);
	CU_ASSERT_EQUAL(bad_total(srp), 0);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 1);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.info[0].sender, 3);
	CU_ASSERT_EQUAL(cap.info[0].seq, 1);
	CU_ASSERT_EQUAL(cap.n_send, 0);
	rc_srp_destroy(srp);
}

static void test_token_from_predecessor_is_forwarded_to_successor(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };

	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 1);
	CU_ASSERT_EQUAL(stats(srp).tokens_tx, 1);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 1);
	CU_ASSERT_EQUAL(cap.dst[0], 3);
	CU_ASSERT_EQUAL(bad_total(srp), 0);
	rc_srp_destroy(srp);
}

static void test_wake_to_representative_is_accepted(void)
{
	struct rc_srp *srp = node(1);

	CU_ASSERT_EQUAL(recv(srp, frame, wake_in(frame, CLUSTER, 3, 1, RING_SEQ)), 0);
	CU_ASSERT_EQUAL(stats(srp).wakes_rx, 1);
	CU_ASSERT_EQUAL(bad_total(srp), 0);
	rc_srp_destroy(srp);
}

/* ---- Receive path: drops by reason --------------------------------------- */

static void test_frame_from_another_cluster_is_bad_cluster(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };

	EXPECT_DROPPED(srp, frame, mcast_in(frame, CLUSTER + 1, 1, 1, RING_SEQ, 1, 20),
		       RC_BAD_CLUSTER);
	EXPECT_DROPPED(srp, frame, token_in(frame, 0, 1, 1, RING_SEQ, &t), RC_BAD_CLUSTER);
	EXPECT_DROPPED(srp, frame, wake_in(frame, ~CLUSTER, 1, 1, RING_SEQ), RC_BAD_CLUSTER);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 0);
	rc_srp_destroy(srp);
}

static void test_frame_of_foreign_ring_rep_is_bad_ring(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };

	EXPECT_DROPPED(srp, frame, mcast_in(frame, CLUSTER, 1, 2, RING_SEQ, 1, 20), RC_BAD_RING);
	EXPECT_DROPPED(srp, frame, token_in(frame, CLUSTER, 1, 3, RING_SEQ, &t), RC_BAD_RING);
	EXPECT_DROPPED(srp, frame, wake_in(frame, CLUSTER, 1, 9, RING_SEQ), RC_BAD_RING);
	rc_srp_destroy(srp);
}

static void test_frame_of_other_ring_seq_is_bad_ring(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };

	EXPECT_DROPPED(srp, frame, mcast_in(frame, CLUSTER, 1, 1, RING_SEQ - 1, 1, 20), RC_BAD_RING);
	EXPECT_DROPPED(srp, frame, mcast_in(frame, CLUSTER, 1, 1, RING_SEQ + 1, 1, 20), RC_BAD_RING);
	EXPECT_DROPPED(srp, frame, token_in(frame, CLUSTER, 1, 1,
					    RING_SEQ | (1ull << 32), &t), RC_BAD_RING);
	rc_srp_destroy(srp);
}

static void test_frame_from_non_member_is_bad_sender(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };

	EXPECT_DROPPED(srp, frame, mcast(frame, 4, 1), RC_BAD_SENDER);
	EXPECT_DROPPED(srp, frame, token(frame, 4, &t), RC_BAD_SENDER);
	EXPECT_DROPPED(srp, frame, wake_in(frame, CLUSTER, 0xffffffff, 1, RING_SEQ), RC_BAD_SENDER);
	rc_srp_destroy(srp);
}

static void test_token_from_non_predecessor_is_bad_sender(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };

	EXPECT_DROPPED(srp, frame, token(frame, 3, &t), RC_BAD_SENDER);
	EXPECT_DROPPED(srp, frame, token(frame, 2, &t), RC_BAD_SENDER);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 0);
	/* the token_seq was not used up: the real token still gets in */
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 1);
	rc_srp_destroy(srp);
}

static void test_wake_to_non_representative_is_bad_sender(void)
{
	struct rc_srp *srp = node(2);

	EXPECT_DROPPED(srp, frame, wake_in(frame, CLUSTER, 3, 1, RING_SEQ), RC_BAD_SENDER);
	EXPECT_DROPPED(srp, frame, wake_in(frame, CLUSTER, 1, 1, RING_SEQ), RC_BAD_SENDER);
	rc_srp_destroy(srp);
}

static void test_frame_longer_than_netmtu_is_bad_length(void)
{
	struct rc_srp *srp = node(2);
	size_t len = mcast_in(frame, CLUSTER, 1, 1, RING_SEQ, 1, 1500 - (uint32_t)(OVH + CHK));

	CU_ASSERT_EQUAL(len, 1500);
	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	len = mcast_in(frame, CLUSTER, 1, 1, RING_SEQ, 2, 1501 - (uint32_t)(OVH + CHK));
	EXPECT_DROPPED(srp, frame, len, RC_BAD_LENGTH);
	rc_srp_destroy(srp);
}

static void test_malformed_frames_are_counted_under_the_parser_reason(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };
	size_t len;

	len = mcast(frame, 1, 1);
	frame[0] ^= 0xff;
	EXPECT_DROPPED(srp, frame, len, RC_BAD_MAGIC);
	EXPECT_DROPPED(srp, frame, HDR - 1, RC_BAD_SHORT);
	len = mcast(frame, 1, 1);
	frame[offsetof(struct rc_wire_hdr, version)] = 9;
	EXPECT_DROPPED(srp, frame, len, RC_BAD_VERSION);
	len = mcast(frame, 1, 1);
	frame[offsetof(struct rc_wire_hdr, type)] = 0;
	EXPECT_DROPPED(srp, frame, len, RC_BAD_TYPE);
	len = mcast(frame, 1, 1);
	EXPECT_DROPPED(srp, frame, len - 1, RC_BAD_LENGTH);
	wr32(frame + OVH + offsetof(struct rc_wire_chunk, offset), 1);
	EXPECT_DROPPED(srp, frame, len, RC_BAD_CHUNK);
	len = token(frame, 1, &t);
	wr32(frame + HDR + offsetof(struct rc_wire_token, aru), 1);
	EXPECT_DROPPED(srp, frame, len, RC_BAD_TOKEN);
	rc_srp_destroy(srp);
}

static void test_duplicate_token_is_counted_and_not_visited_twice(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 10 };
	size_t len = token(frame, 1, &t);

	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	CU_ASSERT_EQUAL(stats(srp).dup_tokens, 1);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 1);
	CU_ASSERT_EQUAL(stats(srp).tokens_tx, 1);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	/* an older one too */
	t.token_seq = 9;
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_EQUAL(stats(srp).dup_tokens, 2);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	CU_ASSERT_EQUAL(bad_total(srp), 0);
	rc_srp_destroy(srp);
}

static void test_token_seq_wrapping_is_not_a_duplicate(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 0xfffffffe };

	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	t.token_seq = 1;	/* three hops later, wrapped */
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_EQUAL(stats(srp).tokens_rx, 2);
	CU_ASSERT_EQUAL(stats(srp).dup_tokens, 0);
	rc_srp_destroy(srp);
}

static void test_token_with_seq_going_back_is_bad_token(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1, .seq = 10, .aru = 0, .aru_addr = 3 };

	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	t.token_seq = 4;
	t.seq = 9;
	EXPECT_DROPPED(srp, frame, token(frame, 1, &t), RC_BAD_TOKEN);
	t.seq = 10;
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	rc_srp_destroy(srp);
}

static void test_token_with_seq_beyond_twice_the_buffer_is_bad_token(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1, .aru_addr = 3 };

	ring_config(&c, 2);
	c.rtr_slots = 1024;
	srp = node_with(&c);
	ring_ran_to(srp, 2 * 1024 - 1, 0);
	t.seq = 2 * 1024 + 1;
	EXPECT_DROPPED(srp, frame, token(frame, 1, &t), RC_BAD_TOKEN);
	t.seq = 2 * 1024;
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	rc_srp_destroy(srp);
}

static void test_token_with_non_member_aru_addr_is_bad_token(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1, .seq = 5, .aru = 2, .aru_addr = 4 };

	EXPECT_DROPPED(srp, frame, token(frame, 1, &t), RC_BAD_TOKEN);
	t.aru_addr = 3;
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	rc_srp_destroy(srp);
}

static void test_mcast_far_beyond_the_window_is_bad_seq(void)
{
	struct rc_srp *srp = node(2);
	struct rc_srp_config c;
	uint32_t edge;

	ring_config(&c, 2);
	/* no token seen yet: seqs up to one rotation's worth may arrive */
	edge = c.rtr_slots / 4 + c.max_messages;	/* the largest window + a visit */
	EXPECT_DROPPED(srp, frame, mcast(frame, 1, edge + 1), RC_BAD_SEQ);
	EXPECT_DROPPED(srp, frame, mcast(frame, 3, 0x7fffffff), RC_BAD_SEQ);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, edge)), 0);
	CU_ASSERT_EQUAL(stats(srp).window_drops, 0);
	CU_ASSERT_EQUAL(bad_total(srp), 2);
	rc_srp_destroy(srp);
}

static void test_mcast_beyond_the_receive_buffer_is_a_window_drop(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1, .seq = 1500, .aru_addr = 3 };
	unsigned int dl;

	ring_config(&c, 2);
	c.rtr_slots = 1024;
	srp = node_with(&c);
	ring_ran_to(srp, 1499, 0);
	/* a token far ahead lets frames through the seq check ... */
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	/* ... but the buffer holds only gc_seq + 1 .. gc_seq + rtr_slots */
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 1025)), 0);
	CU_ASSERT_EQUAL(stats(srp).window_drops, 1);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 1024)), 0);
	CU_ASSERT_EQUAL(stats(srp).window_drops, 1);
	CU_ASSERT_EQUAL(bad_total(srp), 0);
	/* the dropped frame was not stored: 1025 does not count as held */
	dl = cap.n_deliver;
	for (uint32_t s = 1; s < 1024; s++)
		CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, s)), 0);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 1024);
	CU_ASSERT_EQUAL(cap.n_deliver, dl + 1024);
	rc_srp_destroy(srp);
}

static void test_duplicate_mcast_is_counted_and_delivered_once(void)
{
	struct rc_srp *srp = node(2);
	size_t len = mcast(frame, 1, 2);

	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	CU_ASSERT_EQUAL(stats(srp).dup_frames, 1);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);	/* seq 1 still missing */
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 1)), 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 2);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 1)), 0);
	CU_ASSERT_EQUAL(stats(srp).dup_frames, 2);
	CU_ASSERT_EQUAL(cap.n_deliver, 2);
	/* seq 0 is at or below gc_seq: old news */
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 0)), 0);
	CU_ASSERT_EQUAL(stats(srp).dup_frames, 3);
	CU_ASSERT_EQUAL(bad_total(srp), 0);
	rc_srp_destroy(srp);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_config_defaults_with_a_ring_pass_the_check),
	T(test_config_check_rejects_nodeid_0),
	T(test_config_check_rejects_node_not_a_member),
	T(test_config_check_rejects_duplicate_members),
	T(test_config_check_rejects_member_nodeid_0),
	T(test_config_check_rejects_member_count_out_of_range),
	T(test_config_check_rejects_rtr_slots_not_power_of_two),
	T(test_config_check_rejects_window_over_quarter_of_rtr_slots),
	T(test_config_check_rejects_hold_not_shorter_than_token_retransmit),
	T(test_config_check_rejects_accel_window_over_a_quarter_of_rtr_slots),
	T(test_config_check_rejects_netmtu_out_of_range),
	T(test_config_check_rejects_max_messages_out_of_range),
	T(test_config_check_rejects_send_queue_len_not_power_of_two),
	T(test_config_check_rejects_zero_timers_and_sizes),
	T(test_create_needs_send_and_deliver_callbacks),
	T(test_bad_reasons_have_distinct_names),
	T(test_mcast_from_member_is_stored_and_delivered),
	T(test_token_from_predecessor_is_forwarded_to_successor),
	T(test_wake_to_representative_is_accepted),
	T(test_frame_from_another_cluster_is_bad_cluster),
	T(test_frame_of_foreign_ring_rep_is_bad_ring),
	T(test_frame_of_other_ring_seq_is_bad_ring),
	T(test_frame_from_non_member_is_bad_sender),
	T(test_token_from_non_predecessor_is_bad_sender),
	T(test_wake_to_non_representative_is_bad_sender),
	T(test_frame_longer_than_netmtu_is_bad_length),
	T(test_malformed_frames_are_counted_under_the_parser_reason),
	T(test_duplicate_token_is_counted_and_not_visited_twice),
	T(test_token_seq_wrapping_is_not_a_duplicate),
	T(test_token_with_seq_going_back_is_bad_token),
	T(test_token_with_seq_beyond_twice_the_buffer_is_bad_token),
	T(test_token_with_non_member_aru_addr_is_bad_token),
	T(test_mcast_far_beyond_the_window_is_bad_seq),
	T(test_mcast_beyond_the_receive_buffer_is_a_window_drop),
	T(test_duplicate_mcast_is_counted_and_delivered_once),
};

UNIT_TEST_MAIN("srp", tests)
