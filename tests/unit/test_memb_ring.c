/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/memb/memb.c, split from test_memb.c by behaviour:
 * OPERATIONAL (token loss, failure to receive, leaves, foreign frames) and
 * COMMIT and RECOVERY (the commit token's rounds, recovery of the old
 * ring). The harness is memb_harness.h.
 */
#include "memb_harness.h"

/* ---- OPERATIONAL --------------------------------------------------------- */

/* A pair up and idle; its ring id in *r. Frames are injected by hand. */
static struct net *pair_idle(struct rc_ring_id *r)
{
	struct net *net = cluster_up(2);

	net_run(net, net->now + 30 * MS, NULL);
	*r = ring_id(net->node[1], NULL, NULL);
	out_clear(net->node[1]);
	out_clear(net->node[2]);
	return net;
}

/* A member of my ring that counts me failed: we part (and merge later). */
static void test_join_of_a_member_naming_me_failed_parts_us(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_frame_view v;
	size_t len;

	out_clear(n1);
	len = mk_join(fb, 2, r.rep, r.seq, r.seq, IDS(1, 2), IDS(1));
	feed(n1, fb, len, net->now + 1 * MS);
	CU_ASSERT_FATAL(out_find(n1, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.failed, v.join.n_failed, IDS(2)));
	net_free(net);
}

static void test_operational_ignores_member_join_older_than_the_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	size_t len;

	/* A leftover of the gather that formed this ring. */
	len = mk_join(fb, 2, 0, 0, r.seq - 1, IDS(1, 2), NONE);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n1).stale, ms.stale + 1);
	CU_ASSERT_EQUAL(mstats(n1).gathers, ms.gathers);
	CU_ASSERT_EQUAL(n1->n_out, 0);
	net_free(net);
}

static void test_operational_member_join_with_newer_ring_seq_starts_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_memb_stats ms = mstats(n2);
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 1, r.rep, r.seq, r.seq + 4, IDS(1, 2), NONE);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(n2).gathers, ms.gathers + 1);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale);
	CU_ASSERT_FATAL(out_find(n2, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	CU_ASSERT(v.join.ring_seq >= r.seq + 4);	/* it learnt the higher seq */
	CU_ASSERT_EQUAL(v.ring_rep, r.rep);		/* and names its last ring */
	CU_ASSERT_EQUAL(v.ring_seq, r.seq);
	net_free(net);
}

static void test_operational_join_from_non_member_starts_gather_with_it_in_proc(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 3, 0, 0, 0, IDS(3), NONE);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_FATAL(out_find(n1, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 3)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	net_free(net);
}

static void test_operational_merge_from_foreign_ring_starts_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	struct rc_frame_view v;
	size_t len;

	len = mk_bare(fb, RC_FT_MERGE, 3, 3, 40);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(n1).foreign, ms.foreign + 1);
	CU_ASSERT_FATAL(out_find(n1, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 3)));
	net_free(net);
}

static void test_operational_foreign_ordering_frames_start_gather(void)
{
	static const uint8_t types[] = { RC_FT_MCAST, RC_FT_TOKEN, RC_FT_WAKE };

	for (unsigned int k = 0; k < sizeof(types); k++) {
		struct rc_ring_id r;
		struct net *net = pair_idle(&r);
		struct node *n2 = net->node[2];
		struct rc_frame_view v;
		size_t len;

		len = mk_typed(fb, types[k], 4, 4, 9);
		feed(n2, fb, len, net->now);
		if (state(n2) != RC_MEMB_GATHER)
			fprintf(stderr, "\n    foreign %s left state %d\n",
				type_name(types[k]), (int)state(n2));
		CU_ASSERT_EQUAL(state(n2), RC_MEMB_GATHER);
		CU_ASSERT_FATAL(out_find(n2, RC_FT_JOIN, true, &v) >= 0);
		CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 4)));
		net_free(net);
	}
}

static void test_operational_ignores_merge_of_its_own_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_memb_stats ms = mstats(n2);
	size_t len;

	/* The representative's own announcement, heard by a member. */
	len = mk_bare(fb, RC_FT_MERGE, 1, r.rep, r.seq);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n2).gathers, ms.gathers);
	CU_ASSERT_EQUAL(mstats(n2).foreign, ms.foreign);
	CU_ASSERT_EQUAL(n2->n_out, 0);
	net_free(net);
}

/*
 * recv_foreign() tests "member sender with ring_seq <= mine: stale" before
 * "our own ring's MERGE: ignore", so every member counts the representative's
 * periodic MERGE under memb stats `stale`, and the own-ring branch is dead
 * for members. Minor: a diagnostics counter that grows on a healthy ring.
 */
static void test_own_ring_merge_is_not_counted_stale(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	uint64_t stale = mstats(n2).stale;
	size_t len;

	/* A current announcement is not a leftover of an old ring. */
	len = mk_bare(fb, RC_FT_MERGE, 1, r.rep, r.seq);
	feed(n2, fb, len, net->now);
	CU_ASSERT_EQUAL(mstats(n2).stale, stale);
	net_free(net);
}

static void test_operational_member_frames_of_an_older_ring_are_stale(void)
{
	static const uint8_t types[] = { RC_FT_MCAST, RC_FT_TOKEN, RC_FT_WAKE, RC_FT_MERGE };
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];

	for (unsigned int k = 0; k < sizeof(types); k++) {
		struct rc_memb_stats ms = mstats(n1);
		size_t len;

		/* Same representative, earlier seq; then another rep, earlier seq. */
		len = mk_typed(fb, types[k], 2, r.rep, r.seq - 4);
		CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
		len = mk_typed(fb, types[k], 2, 2, r.seq - 1);
		CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
		if (mstats(n1).stale != ms.stale + 2)
			fprintf(stderr, "\n    old-ring %s: stale %llu -> %llu\n",
				type_name(types[k]), (unsigned long long)ms.stale,
				(unsigned long long)mstats(n1).stale);
		CU_ASSERT_EQUAL(mstats(n1).stale, ms.stale + 2);
		CU_ASSERT_EQUAL(mstats(n1).gathers, ms.gathers);
		CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
		CU_ASSERT_EQUAL(n1->n_out, 0);
	}
	net_free(net);
}

/*
 * A node's own frames of an older ring come back: the survivors retransmit
 * them, and an MCAST keeps its originator in `sender`. They are not a
 * forgery or a nodeid clash (RC_BAD_SENDER, an operator's alarm), which
 * every ring change with loss counted.
 */
static void test_own_mcast_of_an_older_ring_is_not_bad_sender(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	uint64_t bad = sstats(n1).bad[RC_BAD_SENDER];
	size_t len;

	len = mk_mcast(fb, 1, r.rep, r.seq - 4, 3);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(sstats(n1).bad[RC_BAD_SENDER], bad);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	/* its own token or join is still one nobody else may send */
	len = mk_token(fb, 1, r.rep, r.seq - 4);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(sstats(n1).bad[RC_BAD_SENDER], bad + 1);
	net_free(net);
}

static void test_operational_member_token_of_a_newer_ring_starts_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	size_t len;

	/* 2 is in a ring after ours: ours is gone. */
	len = mk_token(fb, 2, 2, r.seq + 4);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(n1).foreign, ms.foreign + 1);
	CU_ASSERT_EQUAL(mstats(n1).stale, ms.stale);
	net_free(net);
}

static void test_operational_commit_is_stale(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_memb_stats ms = mstats(n2);
	size_t len;

	/* Older ring, this ring (a late copy), and one never agreed to. */
	len = mk_commit(fb, 1, r.seq - 4, 1, 0x1, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale + 1);
	len = mk_commit(fb, 1, r.seq, 3, 0x3, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale + 2);
	len = mk_commit(fb, 1, r.seq + 4, 1, 0x1, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale + 3);

	CU_ASSERT_EQUAL(state(n2), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n2).gathers, ms.gathers);
	CU_ASSERT_EQUAL(n2->n_out, 0);
	CU_ASSERT_EQUAL(ev_count(n2, EV_RING_SEQ), 1);
	net_free(net);
}

static bool drop_all(struct net *n, uint32_t src, uint32_t dst, const uint8_t *f, uint32_t len)
{
	return true;
}

static void test_operational_token_loss_enters_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	uint64_t cut = net->now;
	struct rc_frame_view v;

	net->drop = drop_all;
	CU_ASSERT_FATAL(net_run(net, cut + dflt.token_timeout_ns + 5 * MS,
				node1_not_operational));
	/* The last token came at most one idle hold before the cut. */
	CU_ASSERT(net->now <= cut + dflt.token_timeout_ns);
	CU_ASSERT(net->now >= cut + dflt.token_timeout_ns - dflt.srp.hold_ns - 2 * MS);
	CU_ASSERT_EQUAL(state(net->node[1]), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(net->node[1]).token_losses, 1);
	CU_ASSERT_FATAL(out_find(net->node[1], RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.ring_seq, r.seq);
	net_free(net);
}

static void test_operational_gather_stores_no_token_of_the_old_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	uint64_t stale;
	size_t len;

	net->drop = drop_all;
	CU_ASSERT_FATAL(net_run(net, net->now + dflt.token_timeout_ns + 5 * MS,
				node1_not_operational));
	out_clear(n1);
	stale = mstats(n1).stale;
	/* A late token of the ring just left, from its member: history. */
	len = mk_token(fb, 2, r.rep, r.seq);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n1).stale, stale + 1);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(n1->n_out, 0);
	net_free(net);
}

static void test_leave_sends_join_failing_itself_and_stops(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_srp_stats st;
	size_t len;

	g_now = net->now;
	rc_totem_leave(n2->t, net->now);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_STOPPED);
	CU_ASSERT(n2->n_out >= 1);
	CU_ASSERT_EQUAL(out_count(n2, RC_FT_JOIN), n2->n_out);
	for (unsigned int i = 0; i < n2->n_out; i++) {
		struct rc_frame_view v;

		CU_ASSERT_FATAL(out_view(n2, i, &v));
		CU_ASSERT_EQUAL(n2->out[i].dst, 0);
		CU_ASSERT_EQUAL(v.sender, 2);
		CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
		CU_ASSERT(ids_eq(v.join.failed, v.join.n_failed, IDS(2)));
		CU_ASSERT(v.join.ring_seq >= r.seq);
	}

	/* Stopped: deaf, mute, and no more timers. */
	out_clear(n2);
	st = sstats(n2);
	len = mk_bare(fb, RC_FT_MERGE, 3, 3, 1000);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now + 1 * MS), 0);
	len = mk_join(fb, 1, r.rep, r.seq, r.seq + 10, IDS(1), NONE);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now + 1 * MS), 0);
	CU_ASSERT_EQUAL(sstats(n2).frames_rx, st.frames_rx);
	CU_ASSERT_EQUAL(rc_totem_mcast(n2->t, "x", 1, RC_GUARANTEE_AGREED, NULL, net->now),
			-ENOTCONN);
	CU_ASSERT_EQUAL(rc_totem_next_deadline(n2->t), UINT64_MAX);
	tick(n2, net->now + 10 * dflt.token_timeout_ns);
	rc_totem_leave(n2->t, net->now + 10 * dflt.token_timeout_ns);
	CU_ASSERT_EQUAL(n2->n_out, 0);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_STOPPED);
	net_free(net);
}

static void test_leave_lets_the_other_node_reform_at_once(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	uint64_t at = net->now;
	unsigned int mark = n1->n_ev;
	int tr, rg;

	g_now = at;
	rc_totem_leave(net->node[2]->t, at);
	net->want = 1;
	CU_ASSERT_FATAL(net_run(net, at + dflt.token_timeout_ns, all_operational));
	CU_ASSERT(net->now < at + dflt.join_timeout_ns);	/* no timeout waited for */
	tr = ev_find(n1, EV_CONFCHG, RC_CONF_TRANSITIONAL, mark);
	rg = ev_find(n1, EV_CONFCHG, RC_CONF_REGULAR, mark);
	CU_ASSERT_FATAL(tr >= 0 && rg > tr);
	CU_ASSERT(ids_eq(n1->ev[tr].c.members, n1->ev[tr].c.n_members, IDS(1)));
	CU_ASSERT(ids_eq(n1->ev[tr].c.left, n1->ev[tr].c.n_left, IDS(2)));
	CU_ASSERT_EQUAL(n1->ev[tr].c.n_joined, 0);
	CU_ASSERT(ids_eq(n1->ev[rg].c.members, n1->ev[rg].c.n_members, IDS(1)));
	CU_ASSERT_EQUAL(n1->ev[rg].c.n_joined, 0);
	CU_ASSERT_EQUAL(n1->ev[rg].c.n_left, 0);
	CU_ASSERT(n1->ev[rg].c.ring.seq > r.seq);
	CU_ASSERT(mstats(n1).leaves_rx >= 1);
	CU_ASSERT_EQUAL(mstats(n1).token_losses, 0);
	net_run(net, net->now + 50 * MS, NULL);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(ev_count(n1, EV_CONFCHG), 4);		/* two rings, two each */
	net_free(net);
}

/*
 * rc_totem_leave() sends its JOIN twice so that one lost copy costs nothing.
 * A lone survivor forms its new ring inside the first copy's call; the second
 * copy then comes from a node that is no longer a member, so recv_join()
 * gathers again, aborts that ring in RECOVERY and forms another one (two ring
 * seqs persisted, gathers +2). It should be ignored like any repeated leave.
 */
static void test_duplicate_leave_does_not_form_a_second_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	unsigned int mark = n1->n_ev;

	g_now = net->now;
	rc_totem_leave(net->node[2]->t, net->now);	/* sends its JOIN twice */
	net_run(net, net->now + 50 * MS, NULL);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	/* One gather, one new ring seq: the second copy says nothing new. */
	if (ev_count(n1, EV_RING_SEQ) != 2)
		fprintf(stderr, "\n    %u ring seqs handed out after the leave, want 1\n",
			ev_count(n1, EV_RING_SEQ) - 1);
	CU_ASSERT_EQUAL(ev_count(n1, EV_RING_SEQ), 2);
	CU_ASSERT_EQUAL(mstats(n1).gathers, 2);
	CU_ASSERT_EQUAL(ev_find(n1, EV_RING_SEQ, -1, mark + 1), -1);
	net_free(net);
}

/*
 * Same cause as above, on a ring of two: a leave JOIN (its sender lists
 * itself failed) from a node outside the ring, from before this ring, makes
 * recv_join() gather; the ring re-forms with the same members and delivers an
 * empty transitional/regular configuration pair.
 */
static void test_operational_ignores_a_late_leave_of_a_non_member(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	size_t len;

	/* 3 left the ring before this one (its ring seq is older) and said so. */
	len = mk_join(fb, 3, 1, r.seq - 4, r.seq - 4, IDS(1, 2, 3), IDS(3));
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n1).gathers, ms.gathers);
	net_free(net);
}

/* ---- COMMIT and RECOVERY ------------------------------------------------- */

static void test_commit_duplicate_hop_is_ignored(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	size_t len;

	out_clear(nd);
	/* The representative retransmits what 2 already handled. */
	len = mk_commit(fb, 1, 4, 1, 0x1, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	len = mk_commit(fb, 1, 4, 2, 0x3, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(mstats(nd).commits_tx, 1);
	node_free(nd);
}

static void test_commit_second_rotation_installs_and_forwards(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct rc_frame_view v;
	size_t len;
	int i;

	out_clear(nd);
	len = mk_commit(fb, 1, 4, 3, 0x3, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	i = out_find(nd, RC_FT_COMMIT, false, &v);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(nd->out[i].dst, 1);
	CU_ASSERT_EQUAL(v.commit.hop, 4);
	CU_ASSERT_EQUAL(v.commit.filled, 0x3);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_COMMIT), 1);
	/* No confchg yet: that waits for recovery in the new ring. */
	CU_ASSERT_EQUAL(ev_count(nd, EV_CONFCHG), 0);

	/* Its copy again: already handled. */
	out_clear(nd);
	feed(nd, fb, len, at + 2 * MS);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	node_free(nd);
}

static void test_commit_second_rotation_needs_every_entry_filled(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	size_t len;

	out_clear(nd);
	len = mk_commit(fb, 1, 4, 3, 0x1, IDS(1, 2));
	feed(nd, fb, len, at + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_commit_is_retransmitted_until_progress(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct out_frame first = nd->out[0];
	int i;

	const uint64_t rtr = dflt.consensus_timeout_ns / 8;	/* a quarter of the commit timeout */

	out_clear(nd);
	tick(nd, at + rtr - 1);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	tick(nd, at + rtr);
	CU_ASSERT_EQUAL_FATAL(nd->n_out, 1);
	CU_ASSERT_EQUAL(nd->out[0].dst, 1);
	CU_ASSERT_EQUAL(nd->out[0].len, first.len);
	CU_ASSERT_EQUAL(memcmp(nd->out[0].buf, first.buf, first.len), 0);
	/* Progress (the second rotation) ends it. */
	i = (int)mk_commit(fb, 1, 4, 3, 0x3, IDS(1, 2));
	feed(nd, fb, (size_t)i, at + rtr + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	node_free(nd);
}

static void test_commit_state_times_out_to_gather(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct rc_frame_view v;

	out_clear(nd);
	/* A commit without progress for half a consensus timeout is dead. */
	tick(nd, at + dflt.consensus_timeout_ns / 2 - 1);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_JOIN), 0);
	tick(nd, at + dflt.consensus_timeout_ns / 2);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).token_losses, 1);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	node_free(nd);
}

/*
 * A restarted node has no ring yet, but it persisted the last one it
 * formed: a commit of that ring or an older one (a late copy from before
 * the restart, or a capture replayed) is stale. Adopting it would store the
 * older seq, and a later ring of this node could use a ring id again.
 */
static void test_restarted_node_refuses_commit_of_a_ring_it_used(void)
{
	struct node *nd = node_new(2, 100);
	uint64_t stale;
	size_t len;

	start(nd, T0);
	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2), NONE);
	feed(nd, fb, len, T0 + 1 * MS);
	stale = mstats(nd).stale;
	out_clear(nd);
	len = mk_commit(fb, 1, 50, 1, 0x1, IDS(1, 2));
	feed(nd, fb, len, T0 + 2 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 1);
	CU_ASSERT_EQUAL(ev_count(nd, EV_RING_SEQ), 0);
	len = mk_commit(fb, 1, 100, 1, 0x1, IDS(1, 2));
	feed(nd, fb, len, T0 + 2 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 2);
	/* A newer one is taken. */
	len = mk_commit(fb, 1, 104, 1, 0x1, IDS(1, 2));
	feed(nd, fb, len, T0 + 3 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	node_free(nd);
}

/*
 * Every copy of a commit names the members the node agreed to: a later
 * copy (a higher hop) of the same ring with other members is not taken,
 * in COMMIT or in RECOVERY (its entries would build this node's
 * transitional configuration).
 */
static void test_commit_copy_with_other_members_is_stale(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	uint64_t stale = mstats(nd).stale;
	size_t len;

	out_clear(nd);
	len = mk_commit(fb, 1, 4, 3, 0x7, IDS(1, 2, 3));
	feed(nd, fb, len, at + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 1);
	/* The right one still goes on. */
	len = mk_commit(fb, 1, 4, 3, 0x3, IDS(1, 2));
	feed(nd, fb, len, at + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	len = mk_commit(fb, 1, 4, 5, 0x7, IDS(1, 2, 3));
	feed(nd, fb, len, at + 2 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 2);
	node_free(nd);
}

static void test_commit_state_ignores_stale_joins_and_foreign_frames(void)
{
	static const uint8_t types[] = { RC_FT_MERGE, RC_FT_MCAST, RC_FT_TOKEN, RC_FT_WAKE };
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	uint64_t stale = mstats(nd).stale;
	size_t len;

	out_clear(nd);
	/* 1's join from the gather that led to this commit. */
	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2), NONE);
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 1);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	/* Another ring is merged once this one is up, not now. */
	for (unsigned int k = 0; k < sizeof(types); k++) {
		len = mk_typed(fb, types[k], 5, 5, 100);
		CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
		CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	}
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_commit_state_join_from_non_member_starts_gather(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct rc_frame_view v;
	size_t len;

	out_clear(nd);
	len = mk_join(fb, 3, 0, 0, 0, IDS(3), NONE);
	feed(nd, fb, len, at + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 3)));
	node_free(nd);
}

static void test_recovery_without_a_token_goes_back_to_gather(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	const uint64_t rec = at + 1 * MS;
	size_t len;

	len = mk_commit(fb, 1, 4, 3, 0x3, IDS(1, 2));
	feed(nd, fb, len, rec);
	CU_ASSERT_EQUAL_FATAL(state(nd), RC_MEMB_RECOVERY);
	tick(nd, rec + dflt.token_timeout_ns - 1);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	tick(nd, rec + dflt.token_timeout_ns);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).token_losses, 1);
	CU_ASSERT_EQUAL(ev_count(nd, EV_CONFCHG), 0);
	node_free(nd);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_join_of_a_member_naming_me_failed_parts_us),
	T(test_operational_ignores_member_join_older_than_the_ring),
	T(test_operational_member_join_with_newer_ring_seq_starts_gather),
	T(test_operational_join_from_non_member_starts_gather_with_it_in_proc),
	T(test_operational_merge_from_foreign_ring_starts_gather),
	T(test_operational_foreign_ordering_frames_start_gather),
	T(test_operational_ignores_merge_of_its_own_ring),
	T(test_own_ring_merge_is_not_counted_stale),
	T(test_operational_member_frames_of_an_older_ring_are_stale),
	T(test_own_mcast_of_an_older_ring_is_not_bad_sender),
	T(test_operational_member_token_of_a_newer_ring_starts_gather),
	T(test_operational_commit_is_stale),
	T(test_operational_token_loss_enters_gather),
	T(test_operational_gather_stores_no_token_of_the_old_ring),
	T(test_leave_sends_join_failing_itself_and_stops),
	T(test_leave_lets_the_other_node_reform_at_once),
	T(test_duplicate_leave_does_not_form_a_second_ring),
	T(test_operational_ignores_a_late_leave_of_a_non_member),
	T(test_commit_duplicate_hop_is_ignored),
	T(test_commit_second_rotation_installs_and_forwards),
	T(test_commit_second_rotation_needs_every_entry_filled),
	T(test_commit_is_retransmitted_until_progress),
	T(test_commit_state_times_out_to_gather),
	T(test_commit_state_ignores_stale_joins_and_foreign_frames),
	T(test_restarted_node_refuses_commit_of_a_ring_it_used),
	T(test_commit_copy_with_other_members_is_stale),
	T(test_commit_state_join_from_non_member_starts_gather),
	T(test_recovery_without_a_token_goes_back_to_gather),
};

int main(void)
{
	rc_totem_config_defaults(&dflt);
	return unit_test_run("memb-ring", tests, sizeof(tests) / sizeof(tests[0]));
}
