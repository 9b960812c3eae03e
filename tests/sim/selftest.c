/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --selftest-checker: proves the checker can fail. Each case feeds it a
 * fabricated run (no engine involved): configuration changes, frames as
 * their senders sent them, deliveries; then expects either no violation or
 * one whose text names the broken invariant.
 *
 * The world: nodes 1..3 install ring A = (1, 4) of all three; in ring A,
 * frame seq k (1-based) carries message (k odd: origin 1, even: origin 2,
 * index (k - 1) / 2), so the agreed order is 1/0 2/0 1/1 2/1 ...; each node
 * has forwarded A's token holding every frame (cases lower that).
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define ST_NODES	3
#define ST_SENDERS	2
#define ST_PER_SENDER	3
#define A_REP		1
#define A_SEQ		4
#define B_REP		1
#define B_SEQ		8
#define D_REP		1
#define D_SEQ		12

struct st {
	struct check c;
	uint8_t buf[4096];
};

static void ids(uint32_t mask, uint32_t *out, uint32_t *n)
{
	uint32_t id;

	*n = 0;
	for (id = 1; id <= 32; id++)
		if (mask & CHECK_BIT(id))
			out[(*n)++] = id;
}

static int conf(struct st *t, uint32_t node, enum rc_conf_type type,
		uint32_t rep, uint64_t seq, uint32_t mem, uint32_t left,
		uint32_t joined)
{
	struct rc_confchg cc;

	memset(&cc, 0, sizeof(cc));
	cc.type = type;
	cc.ring.rep = rep;
	cc.ring.seq = seq;
	ids(mem, cc.members, &cc.n_members);
	ids(left, cc.left, &cc.n_left);
	ids(joined, cc.joined, &cc.n_joined);
	return sim_check_confchg(&t->c, node, &cc);
}

/* Frame seq of ring (rep, rseq), sent by origin, carrying one message. */
static int frame(struct st *t, uint32_t rep, uint64_t rseq, uint32_t seq,
		 uint32_t origin, uint32_t index)
{
	struct check_msg m = { .index = index, .origin = (uint8_t)origin };

	return sim_check_framed(&t->c, origin, rep, rseq, seq, &m, 1);
}

/* Ring A: every node fresh, all three join; frames for per_sender each. */
static int world(struct st *t, uint64_t per_sender)
{
	uint32_t n, all = 7;
	uint64_t k;

	for (n = 1; n <= ST_NODES; n++)
		if (conf(t, n, RC_CONF_TRANSITIONAL, A_REP, A_SEQ, CHECK_BIT(n), 0, 0) ||
		    conf(t, n, RC_CONF_REGULAR, A_REP, A_SEQ, all, 0, all & ~CHECK_BIT(n)))
			return -1;
	for (k = 1; k <= ST_SENDERS * per_sender; k++)
		if (frame(t, A_REP, A_SEQ, (uint32_t)k, k % 2 ? 1 : 2,
			  (uint32_t)((k - 1) / 2)))
			return -1;
	for (n = 1; n <= ST_NODES; n++)
		if (sim_check_token(&t->c, n, A_REP, A_SEQ,
				    (uint32_t)(ST_SENDERS * per_sender)))
			return -1;
	return 0;
}

static int st_init(struct st *t, uint64_t per_sender, double safe)
{
	struct sim_payload pl;
	int ret;

	sim_payload_init(&pl, 0x5e1f7e57, 1, 200, safe);
	ret = sim_check_init(&t->c, ST_NODES, ST_SENDERS, per_sender, &pl, true);
	if (ret < 0)
		return ret;
	return world(t, per_sender);
}

/*
 * Node delivers message (origin, index) as seq of ring (rep, rseq);
 * flip/cut damage it, other_g claims the other guarantee.
 */
static int give_in(struct st *t, uint32_t node, uint32_t rep, uint64_t rseq,
		   uint32_t seq, uint32_t origin, uint64_t index, bool recovered,
		   int flip, int cut, int other_g)
{
	struct rc_srp_msg_info info;
	uint64_t key = sim_payload_key(&t->c.pl, origin, index);
	uint32_t len = sim_payload_len(&t->c.pl, key);

	sim_payload_fill(key, t->buf, len);
	if (flip >= 0 && (uint32_t)flip < len)
		t->buf[flip] ^= 0x40;
	memset(&info, 0, sizeof(info));
	info.sender = origin;
	info.seq = seq;
	info.ring_rep = rep;
	info.ring_seq = rseq;
	info.recovered = recovered;
	info.guarantee = sim_payload_guarantee(&t->c.pl, key);
	if (other_g)
		info.guarantee = info.guarantee == RC_GUARANTEE_SAFE ?
			RC_GUARANTEE_AGREED : RC_GUARANTEE_SAFE;
	return sim_check_deliver(&t->c, node, &info, t->buf,
				 len - (uint32_t)cut);
}

/* Node delivers frame k of ring A, as framed. */
static int give(struct st *t, uint32_t node, uint32_t k)
{
	return give_in(t, node, A_REP, A_SEQ, k, k % 2 ? 1 : 2, (k - 1) / 2,
		       false, -1, 0, 0);
}

static int give_all(struct st *t, uint32_t node, uint32_t frames)
{
	uint32_t k;

	for (k = 1; k <= frames; k++)
		if (give(t, node, k))
			return -1;
	return 0;
}

/* ---- cases that must pass ---- */

static int case_agreement_passes(struct st *t)
{
	uint32_t n;

	for (n = 1; n <= ST_NODES; n++)
		give_all(t, n, ST_SENDERS * ST_PER_SENDER);
	return sim_check_finish(&t->c);
}

static int case_long_run_passes(struct st *t)
{
	uint32_t k, n;

	/* nodes in lockstep: the reference is trimmed and grown */
	for (k = 1; k <= 40000; k++)
		for (n = 1; n <= ST_NODES; n++)
			if (give(t, n, k))
				return -1;
	return sim_check_finish(&t->c);
}

/* Ring B = {1, 2} from A; node 3 alone in C = (3, 8). */
static int split(struct st *t)
{
	return conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0) ||
	       conf(t, 2, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0) ||
	       conf(t, 1, RC_CONF_REGULAR, B_REP, B_SEQ, 3, 0, 0) ||
	       conf(t, 2, RC_CONF_REGULAR, B_REP, B_SEQ, 3, 0, 0) ||
	       conf(t, 3, RC_CONF_TRANSITIONAL, 3, 8, 4, 3, 0) ||
	       conf(t, 3, RC_CONF_REGULAR, 3, 8, 4, 0, 0);
}

static int case_recovery_evens_out_sets(struct st *t)
{
	give_all(t, 1, 4);
	give_all(t, 2, 3);
	give_in(t, 2, A_REP, A_SEQ, 4, 2, 1, true, -1, 0, 0);
	give_all(t, 3, 2);
	return split(t);
}

/* ---- cases that must fail ---- */

static int case_disagreement(struct st *t)
{
	give(t, 1, 1);
	give(t, 2, 2);
	return 0;
}

static int case_duplicate(struct st *t)
{
	give(t, 1, 1);
	give(t, 1, 1);
	return 0;
}

static int case_duplicate_later(struct st *t)
{
	give(t, 1, 1);
	give(t, 1, 2);
	give(t, 1, 1);
	return 0;
}

static int case_gap(struct st *t)
{
	give(t, 1, 3);
	return 0;
}

static int case_corrupt_byte(struct st *t)
{
	give_in(t, 1, A_REP, A_SEQ, 2, 2, 0, false, 0, 0, 0);
	return 0;
}

static int case_short_message(struct st *t)
{
	give_in(t, 1, A_REP, A_SEQ, 2, 2, 0, false, -1, 1, 0);
	return 0;
}

static int case_wrong_guarantee(struct st *t)
{
	give_in(t, 1, A_REP, A_SEQ, 1, 1, 0, false, -1, 0, 1);
	return 0;
}

static int case_safe_too_early(struct st *t)
{
	sim_check_token(&t->c, 3, A_REP, A_SEQ, 0);
	give(t, 1, 1);
	return 0;
}

/*
 * The review's case: node 3's token timer fires and it goes to gather
 * having forwarded A's token last with my_aru 1; node 1 then delivers SAFE
 * seq 2.. in agreed order, and node 3 is cut off alone. A check of only the
 * nodes still operational in A skipped node 3, and liveness excused it
 * ("left that ring for another ring than the sender").
 */
static int case_safe_past_a_member_in_gather(struct st *t)
{
	sim_check_token(&t->c, 3, A_REP, A_SEQ, 1);
	give(t, 3, 1);
	give_all(t, 1, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 2, ST_SENDERS * ST_PER_SENDER);
	split(t);
	return sim_check_finish(&t->c);
}

/* Ring B = {1, 2}: node 2 never forwarded its token, node 1 delivers SAFE. */
static int case_safe_before_a_member_forwarded(struct st *t)
{
	give_all(t, 1, 2);
	give_all(t, 2, 2);
	give_all(t, 3, 2);
	split(t);
	frame(t, B_REP, B_SEQ, 1, 1, 1);
	sim_check_token(&t->c, 1, B_REP, B_SEQ, 1);
	give_in(t, 1, B_REP, B_SEQ, 1, 1, 1, false, -1, 0, 0);
	return 0;
}

/*
 * Node 3 held all of A (its token said so), nodes 1 and 2 delivered it all
 * SAFE in agreed order, node 3 only the first two before it was cut off
 * alone: recovery owed it the rest, which it holds. Parting from the sender
 * does not excuse a SAFE message.
 */
static int case_safe_held_by_parted_member_is_owed(struct st *t)
{
	give_all(t, 1, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 2, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 3, 2);
	split(t);
	return sim_check_finish(&t->c);
}

/* The same with node 3 delivering the rest by recovery: right. */
static int case_safe_recovered_by_parted_member_passes(struct st *t)
{
	uint32_t k;

	give_all(t, 1, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 2, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 3, 2);
	for (k = 3; k <= ST_SENDERS * ST_PER_SENDER; k++)
		give_in(t, 3, A_REP, A_SEQ, k, k % 2 ? 1 : 2, (k - 1) / 2,
			true, -1, 0, 0);
	split(t);
	return sim_check_finish(&t->c);
}

/* ---- restart epochs ---- */

/*
 * Node 1 crashes after A's first two frames and restarts (its new engine is
 * handed 1/1 on); ring D = (1, 12) of all three frames 1/1 2/1 1/2 2/2, all
 * deliver the first two in agreed order, then D ends and recovery, at every
 * member alike, skips seq 3 (1/2) and delivers 2/2. Counts and hashes agree;
 * only node 1's own obligation finds 1/2 lost, and "never down" skipped it.
 */
static int lose_in_recovery_after_restart(struct st *t)
{
	uint32_t n, k;

	give_all(t, 1, 2);
	give_all(t, 2, 2);
	give_all(t, 3, 2);
	sim_check_node_down(&t->c, 1);
	sim_check_node_restart(&t->c, 1, 1);
	for (k = 1; k <= 4; k++)
		frame(t, D_REP, D_SEQ, k, k % 2 ? 1 : 2, (k + 1) / 2);
	for (n = 1; n <= ST_NODES; n++)
		sim_check_token(&t->c, n, D_REP, D_SEQ, 4);
	if (conf(t, 1, RC_CONF_TRANSITIONAL, D_REP, D_SEQ, 1, 0, 0) ||
	    conf(t, 1, RC_CONF_REGULAR, D_REP, D_SEQ, 7, 0, 6))
		return -1;
	for (n = 2; n <= ST_NODES; n++)
		if (conf(t, n, RC_CONF_TRANSITIONAL, D_REP, D_SEQ, 6, 1, 0) ||
		    conf(t, n, RC_CONF_REGULAR, D_REP, D_SEQ, 7, 0, 1))
			return -1;
	for (n = 1; n <= ST_NODES; n++) {
		for (k = 1; k <= 2; k++)
			give_in(t, n, D_REP, D_SEQ, k, k % 2 ? 1 : 2, (k + 1) / 2,
				false, -1, 0, 0);
		give_in(t, n, D_REP, D_SEQ, 4, 2, 2, true, -1, 0, 0);
	}
	for (n = 1; n <= ST_NODES; n++)
		if (conf(t, n, RC_CONF_TRANSITIONAL, 1, 16, 7, 0, 0) ||
		    conf(t, n, RC_CONF_REGULAR, 1, 16, 7, 0, 0))
			return -1;
	return 0;
}

static int case_restarted_sender_owes_its_new_messages(struct st *t)
{
	if (lose_in_recovery_after_restart(t) < 0)
		return -1;
	return sim_check_finish(&t->c);
}

/*
 * A: all deliver 1/0 2/0, then move on together to B' = (1, 8) of all
 * three, recovery delivering 2/1 1/2 2/2 and skipping 1/1 everywhere alike;
 * then node 1 crashes and restarts with nothing left to send. Nodes 2 and 3
 * moved on with the sender and never crashed: 1/1 is owed to them, though
 * its sender went down later.
 */
static int case_message_of_a_sender_that_crashed_later_is_owed(struct st *t)
{
	uint32_t n, k;

	for (n = 1; n <= ST_NODES; n++) {
		give_all(t, n, 2);
		for (k = 4; k <= 6; k++)
			give_in(t, n, A_REP, A_SEQ, k, k % 2 ? 1 : 2, (k - 1) / 2,
				true, -1, 0, 0);
	}
	for (n = 1; n <= ST_NODES; n++)
		if (conf(t, n, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 7, 0, 0) ||
		    conf(t, n, RC_CONF_REGULAR, B_REP, B_SEQ, 7, 0, 0))
			return -1;
	sim_check_node_down(&t->c, 1);
	sim_check_node_restart(&t->c, 1, ST_PER_SENDER);
	return sim_check_finish(&t->c);
}

/*
 * Node 3 crashes in A after two deliveries and restarts alone in C = (3, 8);
 * 1 and 2 deliver the rest of A and go on to B: what node 3 lost with its
 * crash, in a ring born before it, is excused (4 pairs).
 */
static int case_crash_excuses_its_ring(struct st *t)
{
	give_all(t, 1, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 2, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 3, 2);
	sim_check_node_down(&t->c, 3);
	sim_check_node_restart(&t->c, 3, 0);
	if (conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0) ||
	    conf(t, 2, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0) ||
	    conf(t, 1, RC_CONF_REGULAR, B_REP, B_SEQ, 3, 0, 0) ||
	    conf(t, 2, RC_CONF_REGULAR, B_REP, B_SEQ, 3, 0, 0) ||
	    conf(t, 3, RC_CONF_TRANSITIONAL, 3, 8, 4, 0, 0) ||
	    conf(t, 3, RC_CONF_REGULAR, 3, 8, 4, 0, 0))
		return -1;
	if (sim_check_finish(&t->c) < 0)
		return -1;
	return t->c.excused == 4 ? 0 : sim_check_fail(&t->c, "excused %llu, expected 4",
				(unsigned long long)t->c.excused);
}

static int case_wrong_frame(struct st *t)
{
	give_in(t, 1, A_REP, A_SEQ, 2, 1, 0, false, -1, 0, 0);
	return 0;
}

static int case_seq_backwards(struct st *t)
{
	give(t, 2, 2);
	give(t, 2, 1);
	return 0;
}

static int case_missing_message(struct st *t)
{
	give_all(t, 1, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 2, ST_SENDERS * ST_PER_SENDER);
	give_all(t, 3, ST_SENDERS * ST_PER_SENDER - 1);
	return sim_check_finish(&t->c);
}

static int case_never_sent(struct st *t)
{
	give_in(t, 1, A_REP, A_SEQ, 100, 1, 0, false, -1, 0, 0);
	return 0;
}

static int case_unknown_ring(struct st *t)
{
	give_in(t, 1, 2, 12, 1, 1, 0, false, -1, 0, 0);
	return 0;
}

static int case_evs_different_sets(struct st *t)
{
	give_all(t, 1, 4);
	give_all(t, 2, 3);
	split(t);
	return 0;
}

static int case_old_ring_after_transitional(struct st *t)
{
	give_all(t, 1, 2);
	conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0);
	give(t, 1, 3);
	return 0;
}

static int case_old_ring_after_regular(struct st *t)
{
	give_all(t, 1, 2);
	give_all(t, 2, 2);
	split(t);
	give_in(t, 1, A_REP, A_SEQ, 3, 1, 1, true, -1, 0, 0);
	return 0;
}

static int case_regular_members_disagree(struct st *t)
{
	conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0);
	conf(t, 1, RC_CONF_REGULAR, B_REP, B_SEQ, 3, 0, 0);
	conf(t, 2, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0);
	conf(t, 2, RC_CONF_REGULAR, B_REP, B_SEQ, 7, 0, 4);
	return 0;
}

static int case_transitional_without_self(struct st *t)
{
	conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 2, 5, 0);
	return 0;
}

static int case_wrong_left(struct st *t)
{
	conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 0, 0);
	return 0;
}

static int case_wrong_joined(struct st *t)
{
	conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0);
	conf(t, 1, RC_CONF_REGULAR, B_REP, B_SEQ, 3, 0, 2);
	return 0;
}

static int case_ring_id_reused(struct st *t)
{
	conf(t, 1, RC_CONF_TRANSITIONAL, A_REP, A_SEQ, 7, 0, 0);
	return 0;
}

static int case_parted_node_is_excused(struct st *t)
{
	uint32_t k;

	/* A: all deliver 1/0, 2/0; then 3 parts; B carries the rest */
	give_all(t, 1, 2);
	give_all(t, 2, 2);
	give_all(t, 3, 2);
	split(t);
	for (k = 1; k <= 4; k++)
		frame(t, B_REP, B_SEQ, k, k % 2 ? 1 : 2, (k + 1) / 2);
	for (k = 1; k <= 4; k++) {
		give_in(t, 1, B_REP, B_SEQ, k, k % 2 ? 1 : 2, (k + 1) / 2, false, -1, 0, 0);
		give_in(t, 2, B_REP, B_SEQ, k, k % 2 ? 1 : 2, (k + 1) / 2, false, -1, 0, 0);
	}
	if (sim_check_finish(&t->c) < 0)
		return -1;
	return t->c.excused == 4 ? 0 : sim_check_fail(&t->c, "excused %llu, expected 4",
				(unsigned long long)t->c.excused);
}

/* ---- the healthy-pair property (pause.c) ---- */

/*
 * Node 3 crashes in A; ring B = (1, 8) of {1, 2} is cut short: node 1
 * installs it, node 2 never does (node 3, restarted, sent a JOIN while B's
 * token made its last rotation of recovery: node 1, already operational,
 * gathered, and so did node 2, still recovering). All meet in ring
 * D = (1, 12) of members `d`: node 1 comes from B, node 2 from A, and each
 * reports the other as left. `fault`: the nodes with a fault (mask).
 */
static int cut_short(struct st *t, uint32_t fault, uint32_t d)
{
	uint32_t a = sim_check_ring(&t->c, A_REP, A_SEQ), b, x;

	sim_check_node_down(&t->c, 3);
	sim_check_node_restart(&t->c, 3, 0);
	if (conf(t, 1, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 3, 4, 0) ||
	    conf(t, 1, RC_CONF_REGULAR, B_REP, B_SEQ, 3, 0, 0))
		return -1;
	b = sim_check_ring(&t->c, B_REP, B_SEQ);
	x = sim_check_ring(&t->c, D_REP, D_SEQ);
	/* node 2, from A: node 1 installed B, which 2 never did */
	if (conf(t, 2, RC_CONF_TRANSITIONAL, D_REP, D_SEQ, 2, 5, 0) ||
	    sim_pair_judge(&t->c, fault, 2, a, x, d, 5))
		return -1;
	/* node 1, from B: node 2 never installed it */
	if (conf(t, 1, RC_CONF_TRANSITIONAL, D_REP, D_SEQ, 1, 2, 0) ||
	    sim_pair_judge(&t->c, fault, 1, b, x, d, 2))
		return -1;
	return 0;
}

/* The restarted node, outside B, explains it: before, node 2 saw 1 leave. */
static int case_ring_cut_short_by_a_restart_passes(struct st *t)
{
	return cut_short(t, CHECK_BIT(3), 7);
}

/* With no fault anywhere a ring some members never installed is wrong. */
static int case_ring_cut_short_without_fault_is_a_parting(struct st *t)
{
	return cut_short(t, 0, 7);
}

/* Node 1, healthy, is not in the next ring: that is a parting. */
static int case_healthy_node_missing_from_next_ring_is_a_parting(struct st *t)
{
	return cut_short(t, CHECK_BIT(3), 6);
}

/* ---- message limits (limit.c) ---- */

static int case_refused_is_owed_to_nobody(struct st *t)
{
	uint32_t n;

	/* 1/2 (frame 5) was refused at its sender; the rest reach everyone */
	if (sim_check_refused(&t->c, 1, 2, 5000, 4096) < 0)
		return -1;
	for (n = 1; n <= ST_NODES; n++)
		if (give_all(t, n, 4) || give(t, n, 6))
			return -1;
	return sim_check_finish(&t->c);
}

static int case_refused_delivered(struct st *t)
{
	sim_check_refused(&t->c, 1, 0, 5000, 4096);
	give(t, 2, 1);
	return 0;
}

static int case_refused_within_limit(struct st *t)
{
	sim_check_refused(&t->c, 1, 0, 100, 4096);
	return 0;
}

static int case_delivery_above_own_limit(struct st *t)
{
	uint32_t k, len;

	for (k = 1; k <= 6; k++) {
		len = sim_payload_len(&t->c.pl, sim_payload_key(&t->c.pl, k % 2 ? 1 : 2,
								(k - 1) / 2));
		if (len > 1)
			break;
	}
	t->c.limit[3] = len - 1;
	give(t, 3, k);
	return 0;
}

static int case_limit_not_the_least(struct st *t)
{
	struct rc_confchg cc;
	uint32_t n;

	t->c.limit[1] = t->c.limit[2] = 4096;
	t->c.limit[3] = 2048;
	for (n = 1; n <= 2; n++) {
		conf(t, n, RC_CONF_TRANSITIONAL, B_REP, B_SEQ, 7, 0, 0);
		memset(&cc, 0, sizeof(cc));
		cc.type = RC_CONF_REGULAR;
		cc.ring.rep = B_REP;
		cc.ring.seq = B_SEQ;
		ids(7, cc.members, &cc.n_members);
		cc.msg_limit = n == 1 ? 2048 : 4096;	/* node 2 disagrees */
		if (sim_check_confchg(&t->c, n, &cc) < 0)
			return -1;
	}
	return 0;
}

struct st_case {
	const char *name;
	int (*run)(struct st *t);
	uint64_t per_sender;
	double safe;
	const char *expect;	/* NULL: no violation */
};

static const struct st_case cases[] = {
	{ "agreeing_sequences_pass", case_agreement_passes, ST_PER_SENDER, 0.5, NULL },
	{ "long_run_trims_reference_and_passes", case_long_run_passes, 20000, 0.3, NULL },
	{ "recovered_messages_even_out_evs_sets", case_recovery_evens_out_sets, ST_PER_SENDER, 0, NULL },
	{ "parted_node_is_excused_from_liveness", case_parted_node_is_excused, ST_PER_SENDER, 0, NULL },
	{ "disagreement_is_total_order_violation", case_disagreement, ST_PER_SENDER, 0, "total order" },
	{ "repeated_message_is_duplicate", case_duplicate, ST_PER_SENDER, 0, "duplicate" },
	{ "message_again_later_is_duplicate", case_duplicate_later, ST_PER_SENDER, 0, "duplicate" },
	{ "skipped_message_is_gap", case_gap, ST_PER_SENDER, 0, "gap" },
	{ "flipped_byte_is_payload_violation", case_corrupt_byte, ST_PER_SENDER, 0, "payload" },
	{ "short_message_is_length_violation", case_short_message, ST_PER_SENDER, 0, "length" },
	{ "wrong_guarantee_is_caught", case_wrong_guarantee, ST_PER_SENDER, 0.5, "guarantee" },
	{ "safe_before_every_aru_is_caught", case_safe_too_early, ST_PER_SENDER, 1, "SAFE delivered early" },
	{ "safe_past_a_member_in_gather_is_caught", case_safe_past_a_member_in_gather, ST_PER_SENDER, 1, "SAFE delivered early" },
	{ "safe_before_a_member_forwarded_the_token_is_caught", case_safe_before_a_member_forwarded, ST_PER_SENDER, 1, "SAFE delivered early" },
	{ "safe_held_by_a_parted_member_is_owed_to_it", case_safe_held_by_parted_member_is_owed, ST_PER_SENDER, 1, "liveness" },
	{ "safe_recovered_by_a_parted_member_passes", case_safe_recovered_by_parted_member_passes, ST_PER_SENDER, 1, NULL },
	{ "restarted_sender_owes_its_new_messages", case_restarted_sender_owes_its_new_messages, ST_PER_SENDER, 0, "liveness" },
	{ "message_of_a_sender_that_crashed_later_is_owed", case_message_of_a_sender_that_crashed_later_is_owed, ST_PER_SENDER, 0, "liveness" },
	{ "crash_excuses_what_was_lost_in_its_ring", case_crash_excuses_its_ring, ST_PER_SENDER, 0, NULL },
	{ "message_of_another_frame_is_caught", case_wrong_frame, ST_PER_SENDER, 0, "origin" },
	{ "seq_going_back_is_caught", case_seq_backwards, ST_PER_SENDER, 0, "seq order" },
	{ "undelivered_message_is_liveness_violation", case_missing_message, ST_PER_SENDER, 0, "liveness" },
	{ "message_never_sent_is_phantom", case_never_sent, ST_PER_SENDER, 0, "phantom" },
	{ "message_of_unknown_ring_is_phantom", case_unknown_ring, ST_PER_SENDER, 0, "phantom" },
	{ "same_transitional_different_sets_is_evs_violation", case_evs_different_sets, ST_PER_SENDER, 0, "EVS" },
	{ "old_ring_after_transitional_is_caught", case_old_ring_after_transitional, ST_PER_SENDER, 0, "old ring" },
	{ "old_ring_after_regular_is_caught", case_old_ring_after_regular, ST_PER_SENDER, 0, "old ring" },
	{ "regular_member_lists_disagree", case_regular_members_disagree, ST_PER_SENDER, 0, "membership agreement" },
	{ "transitional_without_self_is_caught", case_transitional_without_self, ST_PER_SENDER, 0, "confchg" },
	{ "wrong_left_list_is_caught", case_wrong_left, ST_PER_SENDER, 0, "confchg" },
	{ "wrong_joined_list_is_caught", case_wrong_joined, ST_PER_SENDER, 0, "confchg" },
	{ "ring_id_not_growing_is_caught", case_ring_id_reused, ST_PER_SENDER, 0, "confchg" },
	{ "ring_cut_short_by_a_restart_is_not_a_parting", case_ring_cut_short_by_a_restart_passes, ST_PER_SENDER, 0, NULL },
	{ "ring_cut_short_without_fault_is_a_healthy_parting", case_ring_cut_short_without_fault_is_a_parting, ST_PER_SENDER, 0, "healthy pair parted" },
	{ "healthy_node_missing_from_next_ring_is_a_parting", case_healthy_node_missing_from_next_ring_is_a_parting, ST_PER_SENDER, 0, "healthy pair parted" },
	{ "refused_message_is_owed_to_nobody", case_refused_is_owed_to_nobody, ST_PER_SENDER, 0, NULL },
	{ "refused_message_delivered_is_caught", case_refused_delivered, ST_PER_SENDER, 0, "refused" },
	{ "refusal_within_the_limit_is_caught", case_refused_within_limit, ST_PER_SENDER, 0, "refused" },
	{ "delivery_above_own_limit_is_caught", case_delivery_above_own_limit, ST_PER_SENDER, 0, "limit" },
	{ "ring_limit_not_the_least_is_caught", case_limit_not_the_least, ST_PER_SENDER, 0, "limit" },
};

int sim_selftest_checker(void)
{
	static struct st t;
	const struct st_case *k;
	size_t i, failed = 0;
	bool ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = &cases[i];
		memset(&t, 0, sizeof(t));
		if (st_init(&t, k->per_sender, k->safe) < 0) {
			printf("FAIL %s: could not set up%s%s\n", k->name,
			       t.c.violated ? ": " : "", t.c.violated ? t.c.what : "");
			return 1;
		}
		k->run(&t);
		if (k->expect == NULL)
			ok = !t.c.violated;
		else
			ok = t.c.violated && strstr(t.c.what, k->expect) != NULL;
		printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", k->name,
		       t.c.violated ? ": " : "", t.c.violated ? t.c.what : "");
		if (!ok)
			failed++;
		sim_check_fini(&t.c);
	}
	printf("selftest-checker: %zu of %zu cases passed\n",
	       sizeof(cases) / sizeof(cases[0]) - failed,
	       sizeof(cases) / sizeof(cases[0]));
	return failed ? 1 : 0;
}
