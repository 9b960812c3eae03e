/* SPDX-License-Identifier: BSD-3-Clause */
#include "memb_harness.h"

/* ---- GATHER -------------------------------------------------------------- */

static void test_start_enters_gather_and_sends_a_join_of_itself(void)
{
	struct node *nd = node_new(3, 77);
	struct rc_frame_view v;

	CU_ASSERT_EQUAL(state(nd), RC_MEMB_STOPPED);
	start(nd, T0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(nd->n_out, 1);
	CU_ASSERT_FATAL(out_view(nd, 0, &v));
	CU_ASSERT_EQUAL(nd->out[0].dst, 0);
	CU_ASSERT_EQUAL(v.type, RC_FT_JOIN);
	CU_ASSERT_EQUAL(v.cluster_id, CLUSTER);
	CU_ASSERT_EQUAL(v.sender, 3);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(3)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	CU_ASSERT_EQUAL(v.join.ring_seq, 77);	/* the persisted seq */
	CU_ASSERT_EQUAL(mstats(nd).joins_tx, 1);
	CU_ASSERT_EQUAL(mstats(nd).gathers, 1);
	/* Nothing happens before the JOIN is due again. */
	out_clear(nd);
	tick(nd, T0 + dflt.join_timeout_ns - 1);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	node_free(nd);
}

static void test_gather_merges_a_join_and_resends_with_both(void)
{
	struct node *nd = gathering(1);
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 2, 0, 0, 0, IDS(2), NONE);
	CU_ASSERT_EQUAL(feed(nd, fb, len, T0 + 1 * MS), 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_JOIN), 1);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_COMMIT), 0);	/* 2 has not agreed */
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	CU_ASSERT_EQUAL(mstats(nd).joins_rx, 1);

	/* The same join again changes nothing: no resend. */
	out_clear(nd);
	feed(nd, fb, len, T0 + 2 * MS);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_gather_lowest_node_with_consensus_sends_commit_to_successor(void)
{
	struct node *nd = gathering(1);
	struct rc_frame_view v;
	size_t len;
	int i;

	len = mk_join(fb, 2, 0, 0, 30, IDS(1, 2), NONE);
	feed(nd, fb, len, T0 + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	i = out_find(nd, RC_FT_COMMIT, false, &v);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(nd->out[i].dst, 2);
	CU_ASSERT_EQUAL(v.sender, 1);
	CU_ASSERT_EQUAL(v.commit.rep, 1);
	CU_ASSERT_EQUAL(v.commit.ring_seq, 34);		/* highest seen + 4 */
	CU_ASSERT_EQUAL(v.commit.n_memb, 2);
	CU_ASSERT_EQUAL(v.commit.e[0].nodeid, 1);
	CU_ASSERT_EQUAL(v.commit.e[1].nodeid, 2);
	CU_ASSERT_EQUAL(v.commit.filled, 0x1);		/* my entry only */
	CU_ASSERT_EQUAL(v.commit.e[0].old_rep, 0);	/* no ring before */
	CU_ASSERT_EQUAL(v.commit.hop, 1);
	CU_ASSERT_EQUAL(mstats(nd).commits_tx, 1);
	/* The new seq was handed out for persisting before use. */
	CU_ASSERT_EQUAL(ev_count(nd, EV_RING_SEQ), 1);
	CU_ASSERT_EQUAL(nd->ev[0].ring_seq, 34);
	node_free(nd);
}

static void test_gather_higher_node_with_consensus_waits_for_the_commit(void)
{
	struct node *nd = gathering(2);
	size_t len;

	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2), NONE);
	feed(nd, fb, len, T0 + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_COMMIT), 0);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_JOIN), 1);	/* proc grew: resent */
	/* Even past the singleton wait it does not form a ring of its own. */
	out_clear(nd);
	tick(nd, T0 + dflt.join_timeout_ns + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_COMMIT), 0);
	CU_ASSERT_EQUAL(ev_count(nd, EV_RING_SEQ), 0);
	node_free(nd);
}

static void test_gather_consensus_timeout_moves_a_silent_node_to_failed(void)
{
	struct node *nd = gathering(1);
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 2, 0, 0, 0, IDS(2), NONE);
	feed(nd, fb, len, T0 + 1 * MS);
	out_clear(nd);
	/* The timeout counts from the last change of the sets (T0 + 1 ms). */
	tick(nd, T0 + 1 * MS + dflt.consensus_timeout_ns - 1);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	CU_ASSERT_EQUAL(mstats(nd).consensus_timeouts, 0);

	out_clear(nd);
	tick(nd, T0 + 1 * MS + dflt.consensus_timeout_ns);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, false, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT(ids_eq(v.join.failed, v.join.n_failed, IDS(2)));
	CU_ASSERT_EQUAL(mstats(nd).consensus_timeouts, 1);
	/* Alone among the living, past the wait: it forms a ring of itself. */
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_COMMIT), 0);
	CU_ASSERT_NOT_EQUAL(state(nd), RC_MEMB_GATHER);
	node_free(nd);
}

/*
 * A node that was never in a ring with me and still counts me failed: its
 * view is stale, so it is neither failed nor believed; it joins proc. (Failing
 * it at once left a node alone, forming a ring of one per join it got: the
 * livelock seen with 8 daemons after a kill.)
 */
static void test_gather_join_naming_me_failed_from_a_non_member_only_adds_it(void)
{
	struct node *nd = gathering(1);
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 2, 0, 0, 0, IDS(1, 2), IDS(1));
	feed(nd, fb, len, T0 + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	CU_ASSERT_EQUAL(mstats(nd).leaves_rx, 0);
	node_free(nd);
}


static void test_gather_join_naming_its_sender_failed_is_a_leave(void)
{
	struct node *nd = gathering(1);
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 2, 0, 0, 0, IDS(1, 2), IDS(2));
	feed(nd, fb, len, T0 + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT(ids_eq(v.join.failed, v.join.n_failed, IDS(2)));
	CU_ASSERT_EQUAL(mstats(nd).leaves_rx, 1);
	node_free(nd);
}

static void test_gather_ignores_join_from_a_failed_node(void)
{
	struct node *nd = gathering(1);
	struct rc_frame_view v;
	uint64_t rx;
	size_t len;

	len = mk_join(fb, 2, 0, 0, 0, IDS(1, 2), IDS(2));	/* 2 leaves */
	feed(nd, fb, len, T0 + 1 * MS);
	rx = mstats(nd).joins_rx;
	out_clear(nd);
	/* 2 speaks again, listing 3 as well: nothing of it is taken. */
	len = mk_join(fb, 2, 0, 0, 0, IDS(1, 2, 3), NONE);
	feed(nd, fb, len, T0 + 2 * MS);
	CU_ASSERT_EQUAL(mstats(nd).joins_rx, rx + 1);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	tick(nd, T0 + 2 * MS + dflt.join_timeout_ns);		/* resend shows the sets */
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT(ids_eq(v.join.failed, v.join.n_failed, IDS(2)));
	node_free(nd);
}

static void test_gather_commit_with_other_members_is_stale(void)
{
	struct node *nd = gathering(2);
	uint64_t stale = mstats(nd).stale;
	size_t len;

	/* 2 knows only itself; a commit for {1, 2} is not what it agreed to. */
	len = mk_commit(fb, 1, 4, 1, 0x1, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, T0 + 1 * MS), 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 1);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(ev_count(nd, EV_RING_SEQ), 0);

	/* Nor one for {1, 2, 3} once it knows {1, 2}. */
	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2), NONE);
	feed(nd, fb, len, T0 + 2 * MS);
	out_clear(nd);
	len = mk_commit(fb, 1, 4, 1, 0x1, IDS(1, 2, 3));
	feed(nd, fb, len, T0 + 3 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 2);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_gather_commit_without_the_rep_entry_is_stale(void)
{
	struct node *nd = gathering(2);
	uint64_t stale;
	size_t len;

	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2), NONE);
	feed(nd, fb, len, T0 + 1 * MS);
	out_clear(nd);
	stale = mstats(nd).stale;
	len = mk_commit(fb, 1, 4, 1, 0x0, IDS(1, 2));
	feed(nd, fb, len, T0 + 2 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 1);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_gather_commit_from_a_non_predecessor_is_stale(void)
{
	struct node *nd = gathering(2);
	uint64_t stale;
	size_t len;

	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2, 3), NONE);
	feed(nd, fb, len, T0 + 1 * MS);
	len = mk_join(fb, 3, 0, 0, 0, IDS(1, 2, 3), NONE);
	feed(nd, fb, len, T0 + 1 * MS);
	out_clear(nd);
	stale = mstats(nd).stale;
	/* In ring 1 -> 2 -> 3 the commit reaches 2 from 1, never from 3. */
	len = mk_commit(fb, 3, 4, 2, 0x5, IDS(1, 2, 3));
	feed(nd, fb, len, T0 + 2 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 1);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_gather_commit_matching_my_sets_is_filled_and_forwarded(void)
{
	struct node *nd = node2_in_commit(T0 + 2 * MS);
	struct rc_frame_view v;
	int i;

	CU_ASSERT_EQUAL(nd->n_out, 1);
	i = out_find(nd, RC_FT_COMMIT, false, &v);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(nd->out[i].dst, 1);		/* successor in {1, 2} */
	CU_ASSERT_EQUAL(v.sender, 2);
	CU_ASSERT_EQUAL(v.commit.rep, 1);
	CU_ASSERT_EQUAL(v.commit.ring_seq, 4);
	CU_ASSERT_EQUAL(v.commit.hop, 2);
	CU_ASSERT_EQUAL(v.commit.filled, 0x3);
	CU_ASSERT_EQUAL(v.commit.e[1].nodeid, 2);
	CU_ASSERT_EQUAL(v.commit.e[1].old_rep, 0);
	CU_ASSERT_EQUAL(v.commit.e[1].old_seq, 0);
	CU_ASSERT_EQUAL(ev_count(nd, EV_RING_SEQ), 1);
	CU_ASSERT_EQUAL(nd->ev[0].ring_seq, 4);
	node_free(nd);
}

static void test_gather_frames_of_a_foreign_ring_add_their_sender(void)
{
	static const uint8_t types[] = { RC_FT_MCAST, RC_FT_TOKEN, RC_FT_WAKE, RC_FT_MERGE };

	for (unsigned int k = 0; k < sizeof(types); k++) {
		struct node *nd = gathering(1);
		struct rc_frame_view v;
		size_t len;

		len = mk_typed(fb, types[k], 5, 5, 100);
		CU_ASSERT_EQUAL(feed(nd, fb, len, T0 + 1 * MS), 0);
		if (state(nd) != RC_MEMB_GATHER || out_count(nd, RC_FT_JOIN) != 1)
			fprintf(stderr, "\n    foreign %s: state %d, %u joins\n",
				type_name(types[k]), (int)state(nd), out_count(nd, RC_FT_JOIN));
		CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
		CU_ASSERT_EQUAL(out_count(nd, RC_FT_JOIN), 1);
		CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
		CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 5)));
		CU_ASSERT_EQUAL(v.join.n_failed, 0);
		/* Heard once, merged once. */
		out_clear(nd);
		feed(nd, fb, len, T0 + 2 * MS);
		CU_ASSERT_EQUAL(nd->n_out, 0);
		node_free(nd);
	}
}

static void test_gather_malformed_or_foreign_cluster_join_changes_nothing(void)
{
	struct node *nd = gathering(1);
	struct rc_srp_stats st;
	size_t len;

	/* n_proc 0 */
	len = mk_join(fb, 2, 0, 0, 0, NONE, IDS(2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, T0 + 1 * MS), -EBADMSG);
	/* another cluster's join */
	len = mk_join(fb, 2, 0, 0, 0, IDS(1, 2), NONE);
	fb[offsetof(struct rc_wire_hdr, cluster_id)] ^= 1;
	CU_ASSERT_EQUAL(feed(nd, fb, len, T0 + 1 * MS), -EBADMSG);
	/* a commit from the right node whose first member is not the header's rep */
	len = mk_commit(fb, 2, 4, 1, 0x1, IDS(1, 2));
	fb[offsetof(struct rc_wire_hdr, ring_rep)] = 2;
	CU_ASSERT_EQUAL(feed(nd, fb, len, T0 + 1 * MS), -EBADMSG);

	st = sstats(nd);
	CU_ASSERT_EQUAL(st.bad[RC_BAD_MEMB], 2);
	CU_ASSERT_EQUAL(st.bad[RC_BAD_CLUSTER], 1);
	CU_ASSERT_EQUAL(mstats(nd).joins_rx, 0);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	node_free(nd);
}

/* ---- A node alone -------------------------------------------------------- */

static void test_alone_forms_singleton_ring_after_join_timeout(void)
{
	const uint64_t persisted = 100;
	struct net *net = net_new(1, &persisted);
	struct node *nd = net->node[1];
	struct rc_ring_id r;
	uint32_t m[RC_TOTEM_MAX_NODES], k;
	int rs, tr, rg;

	net_start(net);
	net->want = 1;
	CU_ASSERT_FALSE(net_run(net, T0 + dflt.join_timeout_ns - 1, all_operational));
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(ev_count(nd, EV_RING_SEQ), 0);
	CU_ASSERT_FATAL(net_run(net, T0 + dflt.join_timeout_ns + 50 * MS, all_operational));

	rs = ev_find(nd, EV_RING_SEQ, -1, 0);
	tr = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, 0);
	rg = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, 0);
	CU_ASSERT_FATAL(rs >= 0 && tr >= 0 && rg >= 0);
	CU_ASSERT(rs < tr);		/* persisted before anyone hears of it */
	CU_ASSERT(tr < rg);
	CU_ASSERT(nd->ev[rs].at >= T0 + dflt.join_timeout_ns);
	CU_ASSERT(nd->ev[rs].ring_seq > persisted);
	CU_ASSERT_EQUAL(ev_count(nd, EV_CONFCHG), 2);
	CU_ASSERT_EQUAL(ev_count(nd, EV_RING_SEQ), 1);

	CU_ASSERT(ids_eq(nd->ev[tr].c.members, nd->ev[tr].c.n_members, IDS(1)));
	CU_ASSERT_EQUAL(nd->ev[tr].c.n_left, 0);
	CU_ASSERT_EQUAL(nd->ev[tr].c.n_joined, 0);
	CU_ASSERT(ids_eq(nd->ev[rg].c.members, nd->ev[rg].c.n_members, IDS(1)));
	CU_ASSERT_EQUAL(nd->ev[rg].c.n_left, 0);
	CU_ASSERT_EQUAL(nd->ev[rg].c.n_joined, 0);
	CU_ASSERT_EQUAL(nd->ev[rg].c.ring.rep, 1);
	CU_ASSERT_EQUAL(nd->ev[rg].c.ring.seq, nd->ev[rs].ring_seq);
	CU_ASSERT_EQUAL(nd->ev[tr].c.ring.seq, nd->ev[rs].ring_seq);

	r = ring_id(nd, m, &k);
	CU_ASSERT_EQUAL(r.rep, 1);
	CU_ASSERT_EQUAL(r.seq, nd->ev[rs].ring_seq);
	CU_ASSERT(ids_eq(m, k, IDS(1)));
	CU_ASSERT_EQUAL(mstats(nd).rings, 1);
	net_free(net);
}

static void test_alone_node_delivers_its_own_messages_after_the_confchg(void)
{
	struct net *net = net_new(1, NULL);
	struct node *nd = net->node[1];
	struct dl d[8];
	int rg;

	net_start(net);
	net->want = 1;
	CU_ASSERT_FATAL(net_run(net, T0 + 100 * MS, all_operational));
	CU_ASSERT_EQUAL(send_msg(nd, 1, 40), 0);
	CU_ASSERT_EQUAL(send_msg(nd, 2, 40), 0);
	net_run(net, net->now + 50 * MS, NULL);
	rg = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, 0);
	CU_ASSERT_EQUAL_FATAL(deliveries(nd, NULL, d, 8), 2);
	CU_ASSERT_EQUAL(d[0].tag, 1);
	CU_ASSERT_EQUAL(d[1].tag, 2);
	CU_ASSERT((int)d[0].ev > rg);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_OPERATIONAL);
	net_free(net);
}

/* ---- Two nodes ----------------------------------------------------------- */

static void test_pair_forms_one_ring_with_agreeing_confchgs(void)
{
	struct net *net = cluster_up(2);
	struct rc_ring_id r1, r2;
	uint32_t m[RC_TOTEM_MAX_NODES], k;

	r1 = ring_id(net->node[1], m, &k);
	CU_ASSERT(ids_eq(m, k, IDS(1, 2)));
	r2 = ring_id(net->node[2], m, &k);
	CU_ASSERT(ids_eq(m, k, IDS(1, 2)));
	CU_ASSERT_EQUAL(r1.rep, 1);
	CU_ASSERT_EQUAL(r1.rep, r2.rep);
	CU_ASSERT_EQUAL(r1.seq, r2.seq);

	for (uint32_t id = 1; id <= 2; id++) {
		const struct node *nd = net->node[id];
		int tr = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, 0);
		int rg = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, 0);
		const struct rc_confchg *t, *g;
		uint32_t other = 3 - id;

		CU_ASSERT_FATAL(tr >= 0 && rg > tr);
		CU_ASSERT_EQUAL(ev_count(nd, EV_CONFCHG), 2);
		t = &nd->ev[tr].c;
		g = &nd->ev[rg].c;
		/* No old ring: each came alone; the other one joined. */
		CU_ASSERT(ids_eq(t->members, t->n_members, &id, 1));
		CU_ASSERT_EQUAL(t->n_left, 0);
		CU_ASSERT_EQUAL(t->n_joined, 0);
		CU_ASSERT(ids_eq(g->members, g->n_members, IDS(1, 2)));
		CU_ASSERT(ids_sorted(g->members, g->n_members));
		CU_ASSERT_EQUAL(g->n_left, 0);
		CU_ASSERT(ids_eq(g->joined, g->n_joined, &other, 1));
		CU_ASSERT_EQUAL(g->ring.rep, r1.rep);
		CU_ASSERT_EQUAL(g->ring.seq, r1.seq);
		CU_ASSERT_EQUAL(t->ring.seq, r1.seq);
		CU_ASSERT_EQUAL(mstats(nd).rings, 1);
		/* Both persisted the seq before the configuration was delivered. */
		CU_ASSERT(ev_find(nd, EV_RING_SEQ, -1, 0) >= 0);
		CU_ASSERT(ev_find(nd, EV_RING_SEQ, -1, 0) < tr);
	}
	net_free(net);
}

static void test_pair_ring_seq_exceeds_every_persisted_seq(void)
{
	const uint64_t persisted[2] = { 3, 50 };
	struct net *net = net_new(2, persisted);
	struct rc_ring_id r;

	net_start(net);
	net->want = 2;
	CU_ASSERT_FATAL(net_run(net, T0 + 1000 * MS, all_operational));
	r = ring_id(net->node[1], NULL, NULL);
	CU_ASSERT(r.seq > 50);
	CU_ASSERT_EQUAL(r.rep, 1);	/* 1 forms it though 2 had the higher seq */
	for (uint32_t id = 1; id <= 2; id++) {
		int i = ev_find(net->node[id], EV_RING_SEQ, -1, 0);

		CU_ASSERT_FATAL(i >= 0);
		CU_ASSERT_EQUAL(net->node[id]->ev[i].ring_seq, r.seq);
	}
	net_free(net);
}

static void test_pair_delivers_messages_from_both_in_the_same_order(void)
{
	struct net *net = cluster_up(2);
	struct dl d1[64], d2[64];
	unsigned int n1, n2;
	uint32_t last[3] = { 0, 0, 0 };

	for (uint32_t i = 1; i <= 12; i++) {
		CU_ASSERT_EQUAL(send_msg(net->node[1], i, 24 + 40 * (i % 5)), 0);
		CU_ASSERT_EQUAL(send_msg(net->node[2], 100 + i, 500), 0);
		if (i % 3 == 0)
			net_run(net, net->now + 137 * US, NULL);
	}
	net_run(net, net->now + 100 * MS, NULL);
	n1 = deliveries(net->node[1], NULL, d1, 64);
	n2 = deliveries(net->node[2], NULL, d2, 64);
	CU_ASSERT_EQUAL(n1, 24);
	CU_ASSERT(same_order(d1, n1, d2, n2));
	/* Each sender's messages keep their own order. */
	for (unsigned int i = 0; i < n1; i++) {
		CU_ASSERT_FATAL(d1[i].from == 1 || d1[i].from == 2);
		CU_ASSERT(d1[i].tag > last[d1[i].from]);
		last[d1[i].from] = d1[i].tag;
	}
	CU_ASSERT_EQUAL(state(net->node[1]), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(state(net->node[2]), RC_MEMB_OPERATIONAL);
	net_free(net);
}

static void test_pair_messages_queued_before_the_ring_come_after_regular_confchg(void)
{
	struct net *net = net_new(2, NULL);
	struct dl d1[16], d2[16];
	unsigned int n1, n2;

	net_start(net);
	net->want = 2;
	/* Queued in GATHER: accepted, held back. */
	for (uint32_t i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(send_msg(net->node[1], i, 64), 0);
		CU_ASSERT_EQUAL(send_msg(net->node[2], 10 + i, 64), 0);
	}
	CU_ASSERT_FATAL(net_run(net, T0 + 1000 * MS, all_operational));
	net_run(net, net->now + 50 * MS, NULL);

	n1 = deliveries(net->node[1], NULL, d1, 16);
	n2 = deliveries(net->node[2], NULL, d2, 16);
	CU_ASSERT_EQUAL(n1, 6);
	CU_ASSERT(same_order(d1, n1, d2, n2));
	for (uint32_t id = 1; id <= 2; id++) {
		const struct node *nd = net->node[id];
		const struct dl *d = id == 1 ? d1 : d2;
		unsigned int n = id == 1 ? n1 : n2;
		int rg = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, 0);

		CU_ASSERT_FATAL(rg >= 0);
		for (unsigned int i = 0; i < n; i++) {
			CU_ASSERT((int)d[i].ev > rg);
			CU_ASSERT_FALSE(d[i].recovered);
		}
		CU_ASSERT_EQUAL(sstats(nd).bad[RC_BAD_STREAM], 0);
	}
	net_free(net);
}

static void test_idle_pair_stays_operational_across_merge_announcements(void)
{
	struct net *net = cluster_up(2);
	struct rc_ring_id before = ring_id(net->node[1], NULL, NULL), after;

	net_run(net, net->now + 5 * dflt.merge_timeout_ns + 1 * MS, NULL);
	CU_ASSERT(mstats(net->node[1]).merges_tx >= 4);
	for (uint32_t id = 1; id <= 2; id++) {
		CU_ASSERT_EQUAL(state(net->node[id]), RC_MEMB_OPERATIONAL);
		CU_ASSERT_EQUAL(mstats(net->node[id]).rings, 1);
		CU_ASSERT_EQUAL(mstats(net->node[id]).gathers, 1);
		CU_ASSERT_EQUAL(mstats(net->node[id]).token_losses, 0);
	}
	after = ring_id(net->node[2], NULL, NULL);
	CU_ASSERT_EQUAL(after.rep, before.rep);
	CU_ASSERT_EQUAL(after.seq, before.seq);
	net_free(net);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_start_enters_gather_and_sends_a_join_of_itself),
	T(test_gather_merges_a_join_and_resends_with_both),
	T(test_gather_lowest_node_with_consensus_sends_commit_to_successor),
	T(test_gather_higher_node_with_consensus_waits_for_the_commit),
	T(test_gather_consensus_timeout_moves_a_silent_node_to_failed),
	T(test_gather_join_naming_me_failed_from_a_non_member_only_adds_it),
	T(test_gather_join_naming_its_sender_failed_is_a_leave),
	T(test_gather_ignores_join_from_a_failed_node),
	T(test_gather_commit_with_other_members_is_stale),
	T(test_gather_commit_without_the_rep_entry_is_stale),
	T(test_gather_commit_from_a_non_predecessor_is_stale),
	T(test_gather_commit_matching_my_sets_is_filled_and_forwarded),
	T(test_gather_frames_of_a_foreign_ring_add_their_sender),
	T(test_gather_malformed_or_foreign_cluster_join_changes_nothing),
	T(test_alone_forms_singleton_ring_after_join_timeout),
	T(test_alone_node_delivers_its_own_messages_after_the_confchg),
	T(test_pair_forms_one_ring_with_agreeing_confchgs),
	T(test_pair_ring_seq_exceeds_every_persisted_seq),
	T(test_pair_delivers_messages_from_both_in_the_same_order),
	T(test_pair_messages_queued_before_the_ring_come_after_regular_confchg),
	T(test_idle_pair_stays_operational_across_merge_announcements),
};

int main(void)
{
	rc_totem_config_defaults(&dflt);
	return unit_test_run("memb", tests, sizeof(tests) / sizeof(tests[0]));
}
