/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/totem/srp.c, split from test_srp.c by behaviour: token
 * retransmission (when the forwarded token is resent, what disarms it) and
 * the membership half's side (frames handed over, a frozen engine, the old
 * ring kept and delivered in recovery, gaps that must not splice messages).
 * The harness is srp_harness.h.
 */
#include "as_limit.h"
#include "srp_harness.h"

/* ---- Token retransmission ------------------------------------------------ */

static void test_no_deadline_before_the_first_token(void)
{
	struct rc_srp *srp = node(2);

	CU_ASSERT_EQUAL(rc_srp_next_deadline(srp), UINT64_MAX);
	rc_srp_timer(srp, UINT64_MAX - 1);
	CU_ASSERT_EQUAL(cap.n_send, 0);
	rc_srp_destroy(srp);
}

static void test_forwarded_token_is_resent_after_the_retransmit_timeout(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1, .seq = 0 };
	uint64_t dl;

	ring_config(&c, 2);
	srp = node_with(&c);
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 1);
	dl = rc_srp_next_deadline(srp);
	CU_ASSERT_EQUAL(dl, T0 + c.token_retransmit_ns);
	rc_srp_timer(srp, dl - 1);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	rc_srp_timer(srp, dl);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 2);
	CU_ASSERT_EQUAL(cap.dst[1], 3);
	CU_ASSERT_EQUAL(cap.len[1], cap.len[0]);
	CU_ASSERT_EQUAL(memcmp(cap.buf[1], cap.buf[0], cap.len[0]), 0);
	CU_ASSERT_EQUAL(stats(srp).token_retransmits, 1);
	CU_ASSERT_EQUAL(rc_srp_next_deadline(srp), dl + c.token_retransmit_ns);
	rc_srp_destroy(srp);
}

static void test_returning_token_disarms_the_retransmit(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1 };

	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_NOT_EQUAL(rc_srp_next_deadline(srp), UINT64_MAX);
	t.token_seq = 4;
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, token(frame, 1, &t), T0 + 10), 0);
	/* re-armed from the second forward, not the first */
	CU_ASSERT_EQUAL(rc_srp_next_deadline(srp), T0 + 10 + 20 * 1000 * 1000ull);
	rc_srp_destroy(srp);
}

static void test_frame_past_forwarded_seq_disarms_the_retransmit(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1, .seq = 3, .aru = 0, .aru_addr = 3 };

	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_NOT_EQUAL(rc_srp_next_deadline(srp), UINT64_MAX);
	/* seq 3 was assigned before the token reached me: no sign of progress */
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, 3)), 0);
	CU_ASSERT_NOT_EQUAL(rc_srp_next_deadline(srp), UINT64_MAX);
	/* seq 4 was assigned after I passed the token on: it arrived */
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 4)), 0);
	CU_ASSERT_EQUAL(rc_srp_next_deadline(srp), UINT64_MAX);
	rc_srp_destroy(srp);
}

/*
 * Regression (found by this test, fixed in srp.c recv_mcast): the check that
 * disarms the token retransmit ran before the seq window check, so a frame
 * then dropped as RC_BAD_SEQ still stopped token retransmission.
 */
static void test_mcast_dropped_as_bad_seq_does_not_disarm_the_retransmit(void)
{
	struct rc_srp *srp = node(2);
	struct rc_token t = { .token_seq = 1, .seq = 3, .aru = 0, .aru_addr = 3 };
	uint64_t dl;

	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	dl = rc_srp_next_deadline(srp);
	CU_ASSERT_NOT_EQUAL(dl, UINT64_MAX);
	EXPECT_DROPPED(srp, frame, mcast(frame, 3, 100000), RC_BAD_SEQ);
	CU_ASSERT_EQUAL(rc_srp_next_deadline(srp), dl);
	rc_srp_destroy(srp);
}

/* ---- Membership half: hand-over and recovery ---------------------------- */

static void test_membership_frames_without_a_membership_half_are_bad_type(void)
{
	struct rc_srp *srp = node(2);

	EXPECT_DROPPED(srp, frame, join(frame), RC_BAD_TYPE);
	EXPECT_DROPPED(srp, frame, commit(frame, 3), RC_BAD_TYPE);
	rc_wire_put_hdr(frame, RC_FT_MERGE, CLUSTER, 1, 1, RING_SEQ);
	EXPECT_DROPPED(srp, frame, HDR, RC_BAD_TYPE);
	rc_srp_destroy(srp);
}

static void test_membership_and_foreign_ring_frames_go_to_the_membership_half(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;

	ring_config(&c, 2);
	srp = node_ops(&c, &memb_ops);
	CU_ASSERT_EQUAL(recv(srp, frame, join(frame)), 0);
	CU_ASSERT_EQUAL(recv(srp, frame, commit(frame, 3)), 0);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast_in(frame, CLUSTER, 1, 1, RING_SEQ + 1, 1, 20)), 0);
	CU_ASSERT_EQUAL_FATAL(cap.n_memb, 3);
	CU_ASSERT_EQUAL(cap.memb_type[0], RC_FT_JOIN);
	CU_ASSERT_EQUAL(cap.memb_type[1], RC_FT_COMMIT);
	CU_ASSERT_EQUAL(cap.memb_type[2], RC_FT_MCAST);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	CU_ASSERT_EQUAL(bad_total(srp), 0);
	/* another cluster's frames are not the membership half's business */
	EXPECT_DROPPED(srp, frame, mcast_in(frame, CLUSTER + 1, 1, 1, RING_SEQ + 1, 1, 20),
		       RC_BAD_CLUSTER);
	CU_ASSERT_EQUAL(cap.n_memb, 3);
	/* nor are the current ring's ordering frames */
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, 1)), 0);
	CU_ASSERT_EQUAL(cap.n_memb, 3);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	rc_srp_destroy(srp);
}

static void test_commit_longer_than_a_small_netmtu_is_still_received(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	size_t len;

	ring_config(&c, 2);
	c.netmtu = RC_NETMTU_MIN;
	srp = node_ops(&c, &memb_ops);
	len = commit(frame, RC_MEMB_MAX);
	CU_ASSERT(len > RC_NETMTU_MIN);
	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	CU_ASSERT_EQUAL(cap.n_memb, 1);
	/* an ordering frame one byte over netmtu is not */
	len = mcast_in(frame, CLUSTER, 1, 1, RING_SEQ, 1, RC_NETMTU_MIN + 1 - (uint32_t)(OVH + CHK));
	CU_ASSERT_EQUAL(len, RC_NETMTU_MIN + 1);
	EXPECT_DROPPED(srp, frame, len, RC_BAD_LENGTH);
	CU_ASSERT_EQUAL(recv(srp, frame, len - 1), -EBADMSG);	/* payload_len now wrong */
	len = mcast_in(frame, CLUSTER, 1, 1, RING_SEQ, 1, RC_NETMTU_MIN - (uint32_t)(OVH + CHK));
	CU_ASSERT_EQUAL(recv(srp, frame, len), 0);
	rc_srp_destroy(srp);
}

static void test_frozen_engine_hands_over_every_frame_and_sends_nothing(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct rc_token t = { .token_seq = 1 };
	static const uint8_t m[4];

	ring_config(&c, 2);
	srp = node_ops(&c, &memb_ops);
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	rc_srp_freeze(srp, 1);
	CU_ASSERT_EQUAL(rc_srp_next_deadline(srp), UINT64_MAX);
	rc_srp_timer(srp, UINT64_MAX - 1);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, 1)), 0);
	t.token_seq = 4;
	CU_ASSERT_EQUAL(recv(srp, frame, token(frame, 1, &t)), 0);
	CU_ASSERT_EQUAL(cap.n_memb, 2);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	/* messages wait for the next ring */
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, m, sizeof(m), RC_GUARANTEE_AGREED, NULL, T0), 0);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 1);
	rc_srp_destroy(srp);

	/* a ring dropped without being kept: its own frames are handed over too */
	srp = node_ops(&c, &memb_ops);
	rc_srp_freeze(srp, 0);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, 1)), 0);
	CU_ASSERT_EQUAL(cap.n_memb, 1);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	rc_srp_destroy(srp);
}

static void test_frozen_ring_is_kept_for_recovery(void)
{
	struct rc_srp *srp = node(2);
	struct rc_srp_old_ring o;

	rc_srp_old_ring_get(srp, &o);
	CU_ASSERT_FALSE(o.valid);
	for (uint32_t s = 1; s <= 3; s++)
		CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, s)), 0);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 5)), 0);
	rc_srp_freeze(srp, 1);
	rc_srp_old_ring_get(srp, &o);
	CU_ASSERT_TRUE(o.valid);
	CU_ASSERT_EQUAL(o.rep, 1);
	CU_ASSERT_EQUAL(o.seq, RING_SEQ);
	CU_ASSERT_EQUAL(o.n_members, 3);
	CU_ASSERT_EQUAL(o.members[2], 3);
	CU_ASSERT_EQUAL(o.my_aru, 3);
	CU_ASSERT_EQUAL(o.high_seq, 5);
	rc_srp_destroy(srp);
}

static void test_recovery_finish_delivers_old_frames_held_and_skips_gaps(void)
{
	static const uint32_t next[] = { 2, 3 };
	struct rc_srp *srp = node(2);
	uint8_t f4[200];
	size_t len4;

	for (uint32_t s = 1; s <= 2; s++)
		CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, s)), 0);
	CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 3, 5)), 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 2);
	rc_srp_freeze(srp, 1);
	CU_ASSERT_EQUAL(rc_srp_install(srp, RING_SEQ + 4, next, 2, 0, 0), 0);
	/* seq 4 comes by recovery, from a survivor; the new ring's frames are not old */
	len4 = mcast(f4, 1, 4);
	CU_ASSERT_EQUAL(rc_srp_old_store(srp, f4, len4, true), 0);
	CU_ASSERT_EQUAL(rc_srp_old_store(srp, frame,
					 mcast_in(frame, CLUSTER, 2, 2, RING_SEQ + 4, 1, 20), true),
			-EINVAL);
	/* nor are those of an earlier ring of the same representative */
	CU_ASSERT_EQUAL(rc_srp_old_store(srp, frame,
					 mcast_in(frame, CLUSTER, 1, 1, RING_SEQ - 1, 6, 20), true),
			-EINVAL);
	rc_srp_recovery_finish(srp, 6, next, 2);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 4);
	CU_ASSERT_EQUAL(cap.info[2].seq, 4);
	CU_ASSERT_EQUAL(cap.info[3].seq, 5);
	CU_ASSERT_EQUAL(cap.info[3].sender, 3);
	CU_ASSERT_EQUAL(cap.info[3].ring_rep, 1);
	CU_ASSERT_EQUAL(cap.info[3].ring_seq, RING_SEQ);
	CU_ASSERT_TRUE(cap.info[3].recovered);
	CU_ASSERT_FALSE(cap.info[0].recovered);
	CU_ASSERT_EQUAL(stats(srp).recovery_gaps, 2);	/* 3 and 6: nobody had them */
	/* operational in the new ring: its token comes from 3 */
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 0);
	rc_wire_put_hdr(frame, RC_FT_TOKEN, CLUSTER, 3, 2, RING_SEQ + 4);
	{
		struct rc_token t = { .token_seq = 1 };

		CU_ASSERT_EQUAL(recv(srp, frame, rc_wire_put_token(frame, &t)), 0);
	}
	CU_ASSERT_EQUAL(cap.dst[cap.n_send - 1], 3);
	rc_srp_destroy(srp);
}

/*
 * EVS: node 2 froze holding 1, 2 of its ring; nobody held 3. Seq 3 then
 * arrives late, from the network, after the new ring is installed. Taken,
 * node 2 alone delivered it in recovery while the other survivor recorded
 * a gap there: two nodes with the same transitional configuration
 * delivered different messages. It is dropped and counted instead; a late
 * frame before install (frozen, nothing re-sent yet) is still kept.
 */
static void test_old_frame_from_the_network_after_install_is_not_delivered(void)
{
	static const uint32_t next[] = { 2, 3 };
	struct rc_srp *srp = node(2);

	for (uint32_t s = 1; s <= 2; s++)
		CU_ASSERT_EQUAL(recv(srp, frame, mcast(frame, 1, s)), 0);
	rc_srp_freeze(srp, 1);
	/* frozen: seq 5 late from the network is kept (before the entries are read) */
	CU_ASSERT_EQUAL(rc_srp_old_store(srp, frame, mcast(frame, 1, 5), false), 0);
	CU_ASSERT_EQUAL(stats(srp).old_late, 0);
	CU_ASSERT_EQUAL(rc_srp_install(srp, RING_SEQ + 4, next, 2, 0, 0), 0);
	CU_ASSERT_EQUAL(rc_srp_old_store(srp, frame, mcast(frame, 1, 3), false), 0);
	CU_ASSERT_EQUAL(stats(srp).old_late, 1);
	rc_srp_recovery_finish(srp, 5, next, 2);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 3);	/* 1, 2 and the frozen-time 5 */
	CU_ASSERT_EQUAL(cap.info[2].seq, 5);
	CU_ASSERT_EQUAL(stats(srp).recovery_gaps, 2);	/* 3 (as at the other survivor), 4 */
	rc_srp_destroy(srp);
}

/* One fragment of a 40-byte message from node 3: 20 bytes at `off`. */
static size_t half_msg(uint8_t *f, uint32_t seq, uint32_t off, uint16_t flags, uint16_t id)
{
	rc_wire_put_chunk(f + OVH, 20, 40, off, flags, id);
	memset(f + OVH + CHK, (int)id, 20);
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, 3, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, 1, 0, CHK + 20);
	return OVH + CHK + 20;
}

/*
 * Message A's head in seq 1, the frame with A's tail and B's head lost by
 * every survivor (seq 2), B's tail in seq 3. Same sender, same length, same
 * offsets: only the message id stops recovery from delivering A's head
 * spliced to B's tail (found by ringcast-sim --churn, seed 89).
 */
static void gap_between_halves(uint16_t id_a, uint16_t id_b)
{
	static const uint32_t next[] = { 2, 3 };
	struct rc_srp *srp = node(2);

	CU_ASSERT_EQUAL(recv(srp, frame, half_msg(frame, 1, 0, RC_CF_FIRST, id_a)), 0);
	CU_ASSERT_EQUAL(recv(srp, frame, half_msg(frame, 3, 20, RC_CF_LAST, id_b)), 0);
	rc_srp_freeze(srp, 1);
	CU_ASSERT_EQUAL(rc_srp_install(srp, RING_SEQ + 4, next, 2, 0, 0), 0);
	/* node 3 did not survive (it comes from another ring) */
	rc_srp_recovery_finish(srp, 3, (const uint32_t[]){ 2 }, 1);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	CU_ASSERT_EQUAL(stats(srp).recovery_gaps, 1);
	rc_srp_destroy(srp);
}

static void test_recovery_gap_does_not_splice_two_messages(void)
{
	gap_between_halves(7, 8);
}

/*
 * The same with the ids equal: the sender's message counter is 16 bits, so
 * B may carry A's id when 65 536 messages lay between them, all lost with
 * the gap (small ones fill a recovery window that long). A gap skipped in
 * recovery ends the messages of every member that did not survive,
 * whatever the ids say: all survivors skip the same gaps, so all drop the
 * same messages.
 */
static void test_recovery_gap_ends_messages_even_with_equal_ids(void)
{
	gap_between_halves(7, 7);
}

/*
 * Reassembly buffers are mapped for every member when a ring is installed.
 * Mapped on a message's first fragment instead, a failure (address space
 * limit, strict overcommit) made this node alone skip a message the others
 * delivered, and go on. Now the ring fails to install here: this node takes
 * no part in it (counted in reasm_nomem). Run in a child, under an address
 * space limit that leaves no room for the second ring's buffers.
 */
static void test_a_ring_whose_buffers_cannot_be_mapped_is_not_installed(void)
{
	static const uint32_t next[] = { 2, 3 };
	struct rc_srp_config c;
	pid_t pid;

	ring_config(&c, 2);
	c.max_msg_size = 256u << 20;
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct rc_srp *srp = NULL;

		if (rc_srp_create(&c, &ops, &cap, &srp) < 0)
			_exit(11);
		rc_srp_freeze(srp, 1);
		/* what is mapped now (the first ring's 3 x 256 MiB too) + 64 MiB */
		if (as_limit_now_plus(64ul << 20) < 0)
			_exit(12);
		if (rc_srp_install(srp, RING_SEQ + 4, next, 2, 0, 0) != -ENOMEM)
			_exit(20);	/* installed: a fragment would find no buffer */
		if (stats(srp).reasm_nomem == 0)
			_exit(21);
		_exit(0);
	}
	CU_ASSERT_EQUAL(child_status(pid), 0);
}

/* One fragment of a 40-byte message from sender: 20 bytes at `off`. */
static size_t half_msg_of(uint8_t *f, uint32_t sender, uint32_t seq, uint32_t off,
			  uint16_t flags, uint16_t id)
{
	half_msg(f, seq, off, flags, id);
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, 1, RING_SEQ);
	return OVH + CHK + 20;
}

/*
 * A survivor's message whose fragments lie on both sides of a gap (a frame
 * of a member that did not survive, in between) is whole: every frame of a
 * survivor is held after recovery. It must be delivered: its sender got
 * CS_OK and delivers it too. Only the messages of members that did not
 * survive end at a gap.
 */
static void test_recovery_gap_keeps_a_survivors_message_whole(void)
{
	static const uint32_t next[] = { 2, 3 };
	struct rc_srp *srp = node(2);

	CU_ASSERT_EQUAL(recv(srp, frame, half_msg_of(frame, 3, 1, 0, RC_CF_FIRST, 7)), 0);
	/* seq 2: node 1's, lost with node 1 */
	CU_ASSERT_EQUAL(recv(srp, frame, half_msg_of(frame, 3, 3, 20, RC_CF_LAST, 7)), 0);
	rc_srp_freeze(srp, 1);
	CU_ASSERT_EQUAL(rc_srp_install(srp, RING_SEQ + 4, next, 2, 0, 0), 0);
	rc_srp_recovery_finish(srp, 3, next, 2);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.info[0].sender, 3);
	CU_ASSERT_EQUAL(cap.info[0].seq, 3);
	CU_ASSERT_EQUAL(stats(srp).recovery_gaps, 1);
	rc_srp_destroy(srp);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_no_deadline_before_the_first_token),
	T(test_forwarded_token_is_resent_after_the_retransmit_timeout),
	T(test_returning_token_disarms_the_retransmit),
	T(test_frame_past_forwarded_seq_disarms_the_retransmit),
	T(test_mcast_dropped_as_bad_seq_does_not_disarm_the_retransmit),
	T(test_membership_frames_without_a_membership_half_are_bad_type),
	T(test_membership_and_foreign_ring_frames_go_to_the_membership_half),
	T(test_commit_longer_than_a_small_netmtu_is_still_received),
	T(test_frozen_engine_hands_over_every_frame_and_sends_nothing),
	T(test_frozen_ring_is_kept_for_recovery),
	T(test_recovery_finish_delivers_old_frames_held_and_skips_gaps),
	T(test_old_frame_from_the_network_after_install_is_not_delivered),
	T(test_recovery_gap_does_not_splice_two_messages),
	T(test_recovery_gap_ends_messages_even_with_equal_ids),
	T(test_recovery_gap_keeps_a_survivors_message_whole),
	T(test_a_ring_whose_buffers_cannot_be_mapped_is_not_installed),
};

UNIT_TEST_MAIN("srp-recovery", tests)
