/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/memb/memb.c, split from test_memb.c by behaviour: three
 * nodes (crashes, partitions, lost commit tokens) and merging rings. The
 * harness is memb_harness.h.
 */
#include "memb_harness.h"

/* ---- Three nodes --------------------------------------------------------- */

static void test_three_form_one_ring(void)
{
	struct net *net = cluster_up(3);
	struct rc_ring_id r = ring_id(net->node[1], NULL, NULL);

	for (uint32_t id = 1; id <= 3; id++) {
		const struct node *nd = net->node[id];
		int rg = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, 0);

		CU_ASSERT_FATAL(rg >= 0);
		CU_ASSERT(ids_eq(nd->ev[rg].c.members, nd->ev[rg].c.n_members, IDS(1, 2, 3)));
		CU_ASSERT_EQUAL(nd->ev[rg].c.n_joined, 2);
		CU_ASSERT_EQUAL(nd->ev[rg].c.ring.seq, r.seq);
		CU_ASSERT_EQUAL(nd->ev[rg].c.ring.rep, 1);
	}
	net_free(net);
}

/*
 * The victim (3, or the representative 1) queues five messages and crashes
 * as it passes the token on after sending them; survivors a < b. Which
 * survivor hears which of its frames depends on the mode.
 */
enum crash_mode {
	CRASH_HEARD_BY_A,	/* a got every frame, b none */
	CRASH_HEARD_BY_B,	/* b got every frame, a none */
	CRASH_SPLIT,		/* a got the even ones, b the odd ones */
	CRASH_GAP,		/* a got all but the second, b none */
};

static struct {
	bool armed, crashed, have_first;
	enum crash_mode mode;
	uint32_t victim, a, b;
	uint64_t at;
	uint32_t first_seq;
	unsigned int mcasts;	/* frames the victim sent while armed */
} plan;

static void crash_now(struct net *n)
{
	plan.crashed = true;
	plan.at = n->now;
	n->node[plan.victim]->crashed = true;
}

static bool crash_drop(struct net *n, uint32_t src, uint32_t dst, const uint8_t *f, uint32_t len)
{
	struct rc_frame_view v;
	enum rc_bad_reason why;
	uint32_t k;

	if (!plan.armed || plan.crashed || src != plan.victim)
		return false;
	if (rc_wire_parse(f, len, 64u << 20, &v, &why) < 0)
		return false;
	if (v.type == RC_FT_TOKEN && plan.mcasts) {
		crash_now(n);
		return true;
	}
	if (v.type != RC_FT_MCAST)
		return false;
	if (!plan.have_first) {
		plan.first_seq = v.seq;
		plan.have_first = true;
	}
	k = v.seq - plan.first_seq;
	if (k + 1 > plan.mcasts)
		plan.mcasts = k + 1;	/* frames, not copies */
	switch (plan.mode) {
	case CRASH_HEARD_BY_A:
		return dst == plan.b;
	case CRASH_HEARD_BY_B:
		return dst == plan.a;
	case CRASH_SPLIT:
		return (k % 2 == 0) ? dst == plan.b : dst == plan.a;
	case CRASH_GAP:
		return k == 1 || dst == plan.b;
	}
	return false;
}

static bool victim_crashed(struct net *n)
{
	return plan.crashed;
}

static void crash_plan(uint32_t victim, enum crash_mode mode)
{
	memset(&plan, 0, sizeof(plan));
	plan.victim = victim;
	plan.a = victim == 1 ? 2 : 1;
	plan.b = victim == 3 ? 2 : 3;
	plan.mode = mode;
}

/* The two survivors' transitional and regular configurations after the crash. */
static void check_survivor_confchgs(struct net *net, const struct rc_ring_id *old,
				    unsigned int *tr)
{
	const uint32_t pair[2] = { plan.a, plan.b };
	struct rc_ring_id nr[2];

	for (uint32_t i = 0; i < 2; i++) {
		const struct node *nd = net->node[pair[i]];
		int t, g;

		nr[i] = ring_id(nd, NULL, NULL);
		t = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, 0);	/* ring of three */
		CU_ASSERT_FATAL(t >= 0);
		t = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, (unsigned int)t + 1);
		CU_ASSERT_FATAL(t >= 0);
		tr[pair[i]] = (unsigned int)t;
		g = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, (unsigned int)t);
		CU_ASSERT_FATAL(g > t);
		CU_ASSERT(ids_eq(nd->ev[t].c.members, nd->ev[t].c.n_members, pair, 2));
		CU_ASSERT(ids_eq(nd->ev[t].c.left, nd->ev[t].c.n_left, &plan.victim, 1));
		CU_ASSERT_EQUAL(nd->ev[t].c.n_joined, 0);
		CU_ASSERT(ids_eq(nd->ev[g].c.members, nd->ev[g].c.n_members, pair, 2));
		CU_ASSERT_EQUAL(nd->ev[g].c.n_left, 0);
		CU_ASSERT_EQUAL(nd->ev[g].c.n_joined, 0);
		CU_ASSERT_EQUAL(nd->ev[t].c.ring.seq, nr[i].seq);
		CU_ASSERT_EQUAL(nd->ev[g].c.ring.seq, nr[i].seq);
		CU_ASSERT_EQUAL(nr[i].rep, plan.a);
		if (old)
			CU_ASSERT(nr[i].seq > old->seq);
	}
	CU_ASSERT_EQUAL(nr[0].seq, nr[1].seq);
}

static void crash_scenario(uint32_t victim, enum crash_mode mode)
{
	struct net *net = cluster_up(3);
	struct rc_ring_id old = ring_id(net->node[1], NULL, NULL);
	struct dl d[NET_MAX + 1][64];
	unsigned int n[NET_MAX + 1], from_v[NET_MAX + 1], rec[NET_MAX + 1], tr[NET_MAX + 1];
	const unsigned int expect_v = mode == CRASH_GAP ? 4 : 5;
	uint64_t deadline;

	/* Some traffic everyone has. */
	for (uint32_t id = 1; id <= 3; id++)
		CU_ASSERT_EQUAL(send_msg(net->node[id], id * 10, 100), 0);
	net_run(net, net->now + 30 * MS, NULL);

	crash_plan(victim, mode);
	net->drop = crash_drop;
	for (uint32_t k = 0; k < 5; k++)
		CU_ASSERT_EQUAL(send_msg(net->node[victim], 100 + k, 1000), 0);
	/* (a representative holding the idle token sends the first one at once) */
	plan.armed = true;
	net->want = 2;
	CU_ASSERT_FATAL(net_run(net, net->now + 100 * MS, victim_crashed));
	CU_ASSERT(plan.mcasts >= 4);

	deadline = plan.at + dflt.token_timeout_ns + dflt.consensus_timeout_ns + 50 * MS;
	CU_ASSERT_FATAL(net_run(net, deadline, all_operational));
	check_survivor_confchgs(net, &old, tr);

	for (uint32_t id = 1; id <= 3; id++) {
		const struct node *nd = net->node[id];

		if (id == victim)
			continue;
		/* Every message of the old ring comes before the transitional conf. */
		n[id] = deliveries(nd, &old, d[id], 64);
		from_v[id] = rec[id] = 0;
		for (unsigned int i = 0; i < n[id]; i++) {
			CU_ASSERT(d[id][i].ev < tr[id]);
			if (d[id][i].from == victim && d[id][i].tag >= 100)
				from_v[id]++;
			rec[id] += d[id][i].recovered != 0;
		}
		if (from_v[id] != expect_v)
			fprintf(stderr, "\n    victim %u mode %d node %u: %u of its messages, want %u\n",
				victim, (int)mode, id, from_v[id], expect_v);
		CU_ASSERT_EQUAL(from_v[id], expect_v);
		CU_ASSERT_EQUAL(sstats(nd).recovery_gaps, mode == CRASH_GAP ? 1 : 0);
		CU_ASSERT_EQUAL(sstats(nd).bad[RC_BAD_STREAM], 0);
	}
	CU_ASSERT(same_order(d[plan.a], n[plan.a], d[plan.b], n[plan.b]));
	CU_ASSERT_EQUAL(n[plan.a], 3 + expect_v);
	/* What only one survivor had reached the other through recovery. */
	if (mode == CRASH_HEARD_BY_A) {
		CU_ASSERT_EQUAL(rec[plan.a], 0);
		CU_ASSERT_EQUAL(rec[plan.b], plan.mcasts);
	} else if (mode == CRASH_HEARD_BY_B) {
		CU_ASSERT_EQUAL(rec[plan.a], plan.mcasts);
		CU_ASSERT_EQUAL(rec[plan.b], 0);
	}
	net_free(net);
}

static void test_crash_survivors_recover_what_only_the_rep_heard(void)
{
	crash_scenario(3, CRASH_HEARD_BY_A);
}

static void test_crash_survivors_recover_what_only_the_other_heard(void)
{
	crash_scenario(3, CRASH_HEARD_BY_B);
}

static void test_crash_survivors_merge_frames_split_between_them(void)
{
	crash_scenario(3, CRASH_SPLIT);
}

static void test_crash_survivors_skip_a_frame_nobody_holds_alike(void)
{
	crash_scenario(3, CRASH_GAP);
}

static void test_crash_of_the_representative_is_recovered_by_the_others(void)
{
	crash_scenario(1, CRASH_HEARD_BY_A);
	crash_scenario(1, CRASH_HEARD_BY_B);
	crash_scenario(1, CRASH_SPLIT);
	crash_scenario(1, CRASH_GAP);
}

/* 3 crashes as it should forward the first commit token of the ring of three. */
static bool crash_in_commit(struct net *n, uint32_t src, uint32_t dst, const uint8_t *f,
			    uint32_t len)
{
	if (plan.crashed || src != 3 || f[offsetof(struct rc_wire_hdr, type)] != RC_FT_COMMIT)
		return false;
	crash_now(n);
	return true;
}

static void test_crash_during_commit_is_survived(void)
{
	struct net *net = net_new(3, NULL);

	crash_plan(3, CRASH_HEARD_BY_A);
	net->drop = crash_in_commit;
	net_start(net);
	CU_ASSERT_FATAL(net_run(net, T0 + 100 * MS, victim_crashed));
	CU_ASSERT_EQUAL(state(net->node[1]), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(state(net->node[2]), RC_MEMB_COMMIT);
	net->want = 2;
	CU_ASSERT_FATAL(net_run(net, plan.at + dflt.token_timeout_ns +
				dflt.consensus_timeout_ns + 50 * MS, all_operational));
	CU_ASSERT(mstats(net->node[1]).token_losses >= 1 ||
		  mstats(net->node[2]).token_losses >= 1);
	/* Their first ring: the transitional conf is each alone, the other joins. */
	for (uint32_t id = 1; id <= 2; id++) {
		const struct node *nd = net->node[id];
		int t = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, 0);
		int g = t < 0 ? -1 : ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, (unsigned int)t);
		uint32_t other = 3 - id;

		CU_ASSERT_FATAL(t >= 0 && g > t);
		CU_ASSERT_EQUAL(ev_count(nd, EV_CONFCHG), 2);
		CU_ASSERT(ids_eq(nd->ev[t].c.members, nd->ev[t].c.n_members, &id, 1));
		CU_ASSERT_EQUAL(nd->ev[t].c.n_left, 0);
		CU_ASSERT(ids_eq(nd->ev[g].c.members, nd->ev[g].c.n_members, IDS(1, 2)));
		CU_ASSERT(ids_eq(nd->ev[g].c.joined, nd->ev[g].c.n_joined, &other, 1));
	}
	net_free(net);
}

/*
 * 1 sends one message of ~70 frames; 3 crashes while it is half framed. The
 * fragments of the old ring never make a message: it is sent again, whole, in
 * the new ring, and delivered once, after the regular configuration.
 */
#define BIG_LEN		(100u * 1000u)

static uint8_t big_msg[BIG_LEN];

static bool crash_mid_message(struct net *n, uint32_t src, uint32_t dst, const uint8_t *f,
			      uint32_t len)
{
	uint8_t type = f[offsetof(struct rc_wire_hdr, type)];

	if (plan.crashed)
		return false;
	if (src == 1 && dst == 2 && type == RC_FT_MCAST)
		plan.mcasts++;
	if (src == 3 && type == RC_FT_TOKEN && plan.mcasts) {
		crash_now(n);
		return true;
	}
	return false;
}

static void test_message_cut_by_a_crash_is_delivered_whole_in_the_new_ring(void)
{
	struct net *net;
	struct rc_ring_id nr;
	uint32_t w;

	node_small_window = true;
	net = cluster_up(3);
	node_small_window = false;
	memset(big_msg, 0x77, sizeof(big_msg));
	w = htole32(1);
	memcpy(big_msg, &w, 4);
	w = htole32(4242);
	memcpy(big_msg + 4, &w, 4);
	net_run(net, net->now + 30 * MS, NULL);

	crash_plan(3, CRASH_HEARD_BY_A);
	net->drop = crash_mid_message;
	CU_ASSERT_EQUAL(rc_totem_mcast(net->node[1]->t, big_msg, BIG_LEN,
				       RC_GUARANTEE_AGREED, big_msg, net->now), 0);
	CU_ASSERT_FATAL(net_run(net, net->now + 100 * MS, victim_crashed));
	/* Cut: some frames of it went out, not all. */
	CU_ASSERT(plan.mcasts >= 1);
	CU_ASSERT(plan.mcasts < BIG_LEN / (dflt.srp.netmtu - OVH - CHK));
	net->want = 2;
	CU_ASSERT_FATAL(net_run(net, plan.at + dflt.token_timeout_ns +
				dflt.consensus_timeout_ns + 50 * MS, all_operational));
	net_run(net, net->now + 50 * MS, NULL);
	nr = ring_id(net->node[1], NULL, NULL);

	for (uint32_t id = 1; id <= 2; id++) {
		const struct node *nd = net->node[id];
		int rg = -1, k = 0;

		for (int i = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, 0); i >= 0;
		     i = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, (unsigned int)i + 1))
			rg = i;
		for (unsigned int i = 0; i < nd->n_ev; i++) {
			const struct ev *e = &nd->ev[i];

			if (e->kind != EV_DELIVER || e->tag != 4242)
				continue;
			k++;
			CU_ASSERT_EQUAL(e->len, BIG_LEN);
			CU_ASSERT_EQUAL(e->info.ring_seq, nr.seq);
			CU_ASSERT((int)i > rg);
		}
		if (k != 1)
			fprintf(stderr, "\n    node %u delivered the cut message %d times\n", id, k);
		CU_ASSERT_EQUAL(k, 1);
		CU_ASSERT_EQUAL(sstats(nd).bad[RC_BAD_STREAM], 0);
	}
	net_free(net);
}

/* ---- Merging ------------------------------------------------------------- */

static uint32_t side[NET_MAX + 1];	/* partition: frames cross only within a side */

static bool drop_across(struct net *n, uint32_t src, uint32_t dst, const uint8_t *f, uint32_t len)
{
	return side[src] != side[dst];
}

static void test_partitioned_singletons_merge_when_healed(void)
{
	struct net *net = net_new(2, NULL);
	uint64_t healed;

	side[1] = 1;
	side[2] = 2;
	net->drop = drop_across;
	net_start(net);
	net_run(net, T0 + 100 * MS, NULL);
	CU_ASSERT_EQUAL_FATAL(state(net->node[1]), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL_FATAL(state(net->node[2]), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(ring_id(net->node[1], NULL, NULL).rep, 1);
	CU_ASSERT_EQUAL(ring_id(net->node[2], NULL, NULL).rep, 2);

	/* Healed: the representatives' MERGE announcements bring them together. */
	healed = net->now;
	net->drop = NULL;
	net->want = 2;
	CU_ASSERT_FATAL(net_run(net, healed + dflt.merge_timeout_ns + 50 * MS, all_operational));
	for (uint32_t id = 1; id <= 2; id++) {
		const struct node *nd = net->node[id];
		uint32_t other = 3 - id;
		int t0 = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, 0);
		int t = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, (unsigned int)t0 + 1);
		int g = t < 0 ? -1 : ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, (unsigned int)t);

		CU_ASSERT_FATAL(t0 >= 0 && t > t0 && g > t);
		CU_ASSERT(ids_eq(nd->ev[t].c.members, nd->ev[t].c.n_members, &id, 1));
		CU_ASSERT_EQUAL(nd->ev[t].c.n_left, 0);
		CU_ASSERT(ids_eq(nd->ev[g].c.members, nd->ev[g].c.n_members, IDS(1, 2)));
		CU_ASSERT(ids_eq(nd->ev[g].c.joined, nd->ev[g].c.n_joined, &other, 1));
	}
	CU_ASSERT(mstats(net->node[1]).foreign + mstats(net->node[2]).foreign >= 1);
	net_free(net);
}

static void test_partition_heals_into_one_ring_with_the_right_lists(void)
{
	struct net *net = cluster_up(3);
	struct rc_ring_id three = ring_id(net->node[1], NULL, NULL), big, small, merged;
	uint64_t cut = net->now;
	struct dl d[3][64];
	unsigned int n[3];

	side[1] = side[2] = 1;
	side[3] = 3;
	net->drop = drop_across;
	/* Partitioned, each side goes on; 3 forms a ring of its own. */
	net_run(net, cut + 500 * MS, NULL);
	for (uint32_t id = 1; id <= 3; id++)
		CU_ASSERT_EQUAL_FATAL(state(net->node[id]), RC_MEMB_OPERATIONAL);
	big = ring_id(net->node[1], NULL, NULL);
	small = ring_id(net->node[3], NULL, NULL);
	CU_ASSERT_EQUAL(ring_id(net->node[2], NULL, NULL).seq, big.seq);
	CU_ASSERT_EQUAL(big.rep, 1);
	CU_ASSERT_EQUAL(small.rep, 3);
	CU_ASSERT(big.seq > three.seq && small.seq > three.seq);
	/* Each side's traffic stays on its side. */
	CU_ASSERT_EQUAL(send_msg(net->node[2], 500, 64), 0);
	CU_ASSERT_EQUAL(send_msg(net->node[3], 600, 64), 0);
	net_run(net, net->now + 20 * MS, NULL);

	net->drop = NULL;
	net->want = 3;
	CU_ASSERT_FATAL(net_run(net, net->now + dflt.merge_timeout_ns + 100 * MS,
				all_operational));
	merged = ring_id(net->node[1], NULL, NULL);
	CU_ASSERT(merged.seq > big.seq && merged.seq > small.seq);

	for (uint32_t id = 1; id <= 3; id++) {
		const struct node *nd = net->node[id];
		int t = -1, g;

		/* The last transitional configuration: into the merged ring. */
		for (int i = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, 0); i >= 0;
		     i = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, (unsigned int)i + 1))
			t = i;
		CU_ASSERT_FATAL(t >= 0);
		g = ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, (unsigned int)t);
		CU_ASSERT_FATAL(g > t);
		CU_ASSERT_EQUAL(nd->ev[t].c.ring.seq, merged.seq);
		CU_ASSERT(ids_eq(nd->ev[g].c.members, nd->ev[g].c.n_members, IDS(1, 2, 3)));
		CU_ASSERT_EQUAL(nd->ev[t].c.n_left, 0);
		if (id == 3) {
			CU_ASSERT(ids_eq(nd->ev[t].c.members, nd->ev[t].c.n_members, IDS(3)));
			CU_ASSERT(ids_eq(nd->ev[g].c.joined, nd->ev[g].c.n_joined, IDS(1, 2)));
		} else {
			CU_ASSERT(ids_eq(nd->ev[t].c.members, nd->ev[t].c.n_members, IDS(1, 2)));
			CU_ASSERT(ids_eq(nd->ev[g].c.joined, nd->ev[g].c.n_joined, IDS(3)));
		}
		n[id - 1] = deliveries(nd, NULL, d[id - 1], 64);
	}
	/* 1 and 2 saw 2's message, 3 saw its own, nobody the other side's. */
	CU_ASSERT_EQUAL(n[0], 1);
	CU_ASSERT(same_order(d[0], n[0], d[1], n[1]));
	CU_ASSERT_EQUAL(n[2], 1);
	CU_ASSERT_EQUAL(d[0][0].tag, 500);
	CU_ASSERT_EQUAL(d[2][0].tag, 600);
	net_free(net);
}

static void test_a_started_node_joins_a_running_ring(void)
{
	struct net *net = net_new(3, NULL);
	struct node *n3 = net->node[3];
	struct dl d[64];

	net->want = 2;
	g_now = net->now;
	rc_totem_start(net->node[1]->t, net->now);
	rc_totem_start(net->node[2]->t, net->now);
	CU_ASSERT_FATAL(net_run(net, T0 + 100 * MS, all_operational));
	CU_ASSERT_EQUAL(send_msg(net->node[1], 1, 64), 0);	/* before 3 is there */
	net_run(net, net->now + 20 * MS, NULL);

	start(n3, net->now);
	net->want = 3;
	CU_ASSERT_FATAL(net_run(net, net->now + 100 * MS, all_operational));
	for (uint32_t id = 1; id <= 2; id++) {
		const struct node *nd = net->node[id];
		int t = ev_find(nd, EV_CONFCHG, RC_CONF_TRANSITIONAL, 3);
		int g = t < 0 ? -1 : ev_find(nd, EV_CONFCHG, RC_CONF_REGULAR, (unsigned int)t);

		CU_ASSERT_FATAL(t >= 0 && g > t);
		CU_ASSERT(ids_eq(nd->ev[t].c.members, nd->ev[t].c.n_members, IDS(1, 2)));
		CU_ASSERT_EQUAL(nd->ev[t].c.n_left, 0);
		CU_ASSERT(ids_eq(nd->ev[g].c.members, nd->ev[g].c.n_members, IDS(1, 2, 3)));
		CU_ASSERT(ids_eq(nd->ev[g].c.joined, nd->ev[g].c.n_joined, IDS(3)));
	}
	CU_ASSERT_EQUAL(ev_count(n3, EV_CONFCHG), 2);
	CU_ASSERT_EQUAL(deliveries(n3, NULL, d, 64), 0);	/* ring {1, 2}'s is not its */
	CU_ASSERT_EQUAL(send_msg(n3, 2, 64), 0);
	net_run(net, net->now + 20 * MS, NULL);
	for (uint32_t id = 1; id <= 3; id++) {
		unsigned int k = deliveries(net->node[id], NULL, d, 64);

		CU_ASSERT_FATAL(k >= 1);
		CU_ASSERT_EQUAL(d[k - 1].from, 3);
		CU_ASSERT_EQUAL(d[k - 1].tag, 2);
	}
	net_free(net);
}

static uint32_t commit_hops_dropped;	/* bit h: the first copy of hop h went */

static bool drop_first_commit_of_each_hop(struct net *n, uint32_t src, uint32_t dst,
					  const uint8_t *f, uint32_t len)
{
	struct rc_frame_view v;
	enum rc_bad_reason why;

	if (rc_wire_parse(f, len, 64u << 20, &v, &why) < 0 || v.type != RC_FT_COMMIT ||
	    v.commit.hop >= 32 || (commit_hops_dropped & (1u << v.commit.hop)))
		return false;
	commit_hops_dropped |= 1u << v.commit.hop;
	return true;
}

static void test_pair_forms_despite_lost_commit_tokens(void)
{
	struct net *net = net_new(2, NULL);

	commit_hops_dropped = 0;
	net->drop = drop_first_commit_of_each_hop;
	net_start(net);
	net->want = 2;
	CU_ASSERT_FATAL(net_run(net, T0 + 1000 * MS, all_operational));
	/* Hops 1..4 of the one commit token each lost once, then resent. */
	CU_ASSERT_EQUAL(commit_hops_dropped, 0x1e);
	CU_ASSERT(net->now < T0 + 4 * dflt.srp.token_retransmit_ns + 10 * MS);
	for (uint32_t id = 1; id <= 2; id++) {
		CU_ASSERT_EQUAL(mstats(net->node[id]).rings, 1);
		CU_ASSERT_EQUAL(mstats(net->node[id]).token_losses, 0);
	}
	net_free(net);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_three_form_one_ring),
	T(test_crash_survivors_recover_what_only_the_rep_heard),
	T(test_crash_survivors_recover_what_only_the_other_heard),
	T(test_crash_survivors_merge_frames_split_between_them),
	T(test_crash_survivors_skip_a_frame_nobody_holds_alike),
	T(test_crash_of_the_representative_is_recovered_by_the_others),
	T(test_crash_during_commit_is_survived),
	T(test_message_cut_by_a_crash_is_delivered_whole_in_the_new_ring),
	T(test_partitioned_singletons_merge_when_healed),
	T(test_partition_heals_into_one_ring_with_the_right_lists),
	T(test_a_started_node_joins_a_running_ring),
	T(test_pair_forms_despite_lost_commit_tokens),
};

int main(void)
{
	rc_totem_config_defaults(&dflt);
	return unit_test_run("memb-merge", tests, sizeof(tests) / sizeof(tests[0]));
}
