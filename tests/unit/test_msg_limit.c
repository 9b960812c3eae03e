/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ring's message limit (docs/protocol.md, "The ring's message limit"):
 * each member lowers the commit token's max_msg to its own limit when it
 * fills its entry, never raises it; the ordering half installs what the
 * filled token says (never above its own), reports it in both
 * configuration changes, and refuses larger application messages when they
 * are queued, or, queued under an older and larger limit, before their
 * first frame. Each half alone, through split_harness.h.
 */
#include "split_harness.h"

/* The last commit token this membership half sent, parsed. */
static bool last_commit(struct rc_commit *c)
{
	for (unsigned int i = n_cmds; i-- > 0;) {
		struct rc_frame_view v;
		enum rc_bad_reason why;

		if (cmds[i].type != RC_X_SEND ||
		    rc_wire_parse(cmds[i].u.send.frame, cmds[i].u.send.len, 1 << 20, &v,
				  &why) < 0 || v.type != RC_FT_COMMIT)
			continue;
		*c = v.commit;
		return true;
	}
	return false;
}

static void join_of_1_and_2(struct rc_memb *m, uint32_t from, uint64_t now)
{
	struct rc_xmsg j = { .type = RC_X_FRAME };

	j.u.frame.type = RC_FT_JOIN;
	j.u.frame.sender = from;
	j.u.frame.u.join.n_proc = 2;
	j.u.frame.u.join.proc[0] = 1;
	j.u.frame.u.join.proc[1] = 2;
	rc_memb_event(m, &j, now);
}

/* Node 2 of {1, 2} with this max_msg_size, in gather, frozen with nothing held. */
static struct rc_memb *member_2(uint32_t max_msg_size)
{
	struct rc_memb *m;

	cfg.srp.max_msg_size = max_msg_size;
	m = memb_new(2);
	cfg.srp.max_msg_size = 64u << 20;
	rc_memb_start(m, T0);
	join_of_1_and_2(m, 1, T0 + MS);
	send_frozen(m, T0 + 2 * MS, 0, 0);
	return m;
}

static void test_representative_starts_the_token_at_its_own_limit(void)
{
	struct rc_commit c;
	struct rc_memb *m;

	cfg.srp.max_msg_size = 8192;
	m = memb_new(1);
	cfg.srp.max_msg_size = 64u << 20;
	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	join_of_1_and_2(m, 2, T0 + MS);
	run_timers(m, T0 + MS, T0 + 50 * MS);
	CU_ASSERT_FATAL(last_commit(&c));
	CU_ASSERT_EQUAL(c.filled, 0x1);
	CU_ASSERT_EQUAL(c.max_msg, 8192);
	rc_memb_destroy(m);
}

static void test_member_lowers_the_limit_to_its_own_when_it_fills(void)
{
	struct rc_memb *m = member_2(4096);
	struct rc_commit c;

	commit_from_1_limit(m, T0 + 3 * MS, 8, 1, 1u << 20);
	CU_ASSERT_FATAL(last_commit(&c));
	CU_ASSERT_EQUAL(c.filled, 0x3);
	CU_ASSERT_EQUAL(c.max_msg, 4096);
	rc_memb_destroy(m);
}

/* What the engine reassembles (a frame's worth at least), and no more than
   its receivers take. */
static void test_own_limit_is_at_least_a_frame_and_at_most_what_receivers_take(void)
{
	struct rc_srp_config s;

	rc_srp_config_defaults(&s);
	s.max_msg_size = 100;
	CU_ASSERT_EQUAL(rc_totem_msg_limit(&s), s.netmtu);
	s.max_msg_size = 1u << 20;
	CU_ASSERT_EQUAL(rc_totem_msg_limit(&s), 1u << 20);
	s.rx_msg_max = 300000;
	CU_ASSERT_EQUAL(rc_totem_msg_limit(&s), 300000);
	s.rx_msg_max = 2u << 20;
	CU_ASSERT_EQUAL(rc_totem_msg_limit(&s), 1u << 20);
	/* 0 (no receivers' limit) or at least a frame's worth, as on the wire */
	s.nodeid = 1;
	s.n_members = 1;
	s.members[0] = 1;
	s.rx_msg_max = RC_WIRE_MAX_MSG_MIN - 1;
	CU_ASSERT_EQUAL(rc_srp_config_check(&s, NULL), -EINVAL);
	s.rx_msg_max = RC_WIRE_MAX_MSG_MIN;
	CU_ASSERT_EQUAL(rc_srp_config_check(&s, NULL), 0);
}

/* A larger member never raises it; the filled token's value is installed. */
static void test_member_never_raises_it_and_installs_the_filled_tokens(void)
{
	struct rc_memb *m = member_2(64u << 20);
	struct rc_xmsg e = { .type = RC_X_FRAME };
	const struct rc_xmsg *in;
	struct rc_commit c;

	commit_from_1_limit(m, T0 + 3 * MS, 8, 1, 4096);
	CU_ASSERT_FATAL(last_commit(&c));
	CU_ASSERT_EQUAL(c.max_msg, 4096);
	CU_ASSERT_EQUAL(count_cmd(RC_X_INSTALL), 0);
	/* back from the representative with every entry filled */
	e.u.frame.type = RC_FT_COMMIT;
	e.u.frame.sender = 1;
	e.u.frame.ring.rep = 1;
	e.u.frame.ring.seq = 8;
	e.u.frame.u.commit = c;
	e.u.frame.u.commit.hop = c.hop + 1;
	rc_memb_event(m, &e, T0 + 4 * MS);
	in = last_cmd(RC_X_INSTALL);
	CU_ASSERT_FATAL(in != NULL);
	CU_ASSERT_EQUAL(in->u.install.commit.max_msg, 4096);
	rc_memb_destroy(m);
}

static void test_ord_installs_the_agreed_limit_and_reports_it_in_both_confchgs(void)
{
	struct rc_ord *o = ord_new();

	CU_ASSERT_EQUAL(rc_ord_msg_limit(o), 64u << 20);	/* its own, before a ring */
	cmd_simple(o, RC_X_FREEZE, T0);
	install_limit = 2048;
	install_alone(o, 8, true, T0);
	install_limit = 0;
	CU_ASSERT_FATAL(ord_until_operational(o, T0));
	CU_ASSERT_EQUAL(rc_ord_msg_limit(o), 2048);
	CU_ASSERT_EQUAL_FATAL(n_confchg, 2);
	CU_ASSERT_EQUAL(confchgs[0].msg_limit, 2048);
	CU_ASSERT_EQUAL(confchgs[1].msg_limit, 2048);
	rc_ord_destroy(o);
}

static void test_ord_never_installs_above_its_own_limit(void)
{
	struct rc_ord *o = ord_new();

	cmd_simple(o, RC_X_FREEZE, T0);
	install_limit = 1u << 30;
	install_alone(o, 8, true, T0);
	install_limit = 0;
	CU_ASSERT_EQUAL(rc_ord_msg_limit(o), 64u << 20);
	rc_ord_destroy(o);
}

static uint8_t big[8192], small[100];

/* The ring's netmtu too: each member lowers it to its own when it fills. */
static void test_member_lowers_the_netmtu_to_its_own_when_it_fills(void)
{
	uint32_t was = cfg.srp.netmtu;
	struct rc_memb *m;
	struct rc_commit c;

	cfg.srp.netmtu = 1436;
	m = member_2(64u << 20);
	cfg.srp.netmtu = 8936;
	commit_from_1_limit(m, T0 + 3 * MS, 8, 1, 1u << 20);	/* netmtu 9000 */
	CU_ASSERT_FATAL(last_commit(&c));
	CU_ASSERT_EQUAL(c.filled, 0x3);
	CU_ASSERT_EQUAL(c.netmtu, 1436);
	rc_memb_destroy(m);
	/* and never raises it */
	m = member_2(64u << 20);
	commit_from_1_limit(m, T0 + 3 * MS, 8, 1, 1u << 20);
	CU_ASSERT_FATAL(last_commit(&c));
	CU_ASSERT_EQUAL(c.netmtu, 8936);
	rc_memb_destroy(m);
	cfg.srp.netmtu = was;
}

/*
 * The ordering half frames no larger than the ring's netmtu: a node whose
 * own is 8936 in a ring whose least is 1436 (a member on a 1500 link) sends
 * a 8000-byte message in frames of at most 1436 bytes, and reports the
 * ring's in both confchgs. Framed at its own, every frame would be lost at
 * that member, and the ring with it.
 */
static void test_ord_frames_no_larger_than_the_ring_netmtu(void)
{
	uint32_t was = cfg.srp.netmtu;
	struct rc_ord *o;

	cfg.srp.netmtu = 8936;
	o = ord_new();
	cmd_simple(o, RC_X_FREEZE, T0);
	install_netmtu = 1436;
	install_alone(o, 8, true, T0);
	install_netmtu = 0;
	CU_ASSERT_FATAL(ord_until_operational(o, T0));
	CU_ASSERT_EQUAL_FATAL(n_confchg, 2);
	CU_ASSERT_EQUAL(confchgs[0].netmtu, 1436);
	CU_ASSERT_EQUAL(confchgs[1].netmtu, 1436);
	max_frame = 0;
	CU_ASSERT_EQUAL(rc_ord_mcast_pre(o, NULL, 0, big, 8000, RC_GUARANTEE_AGREED, false,
					 big, T0 + MS), 0);
	for (uint64_t now = T0 + 2 * MS; now < T0 + 100 * MS && n_sent == 0; now += MS)
		if (now >= rc_ord_next_deadline(o))
			rc_ord_timer(o, now);
	CU_ASSERT_EQUAL(n_sent, 1);
	CU_ASSERT(max_frame > 1000);
	CU_ASSERT(max_frame <= 1436);
	rc_ord_destroy(o);
	/* a token that says more than its own: its own */
	o = ord_new();
	n_confchg = 0;
	cmd_simple(o, RC_X_FREEZE, T0);
	install_netmtu = RC_NETMTU_MAX;
	install_alone(o, 8, true, T0);
	install_netmtu = 0;
	CU_ASSERT_FATAL(ord_until_operational(o, T0));
	CU_ASSERT_EQUAL(confchgs[1].netmtu, 8936);
	rc_ord_destroy(o);
	cfg.srp.netmtu = was;
}

static void test_ord_refuses_a_message_above_the_limit_when_it_is_queued(void)
{
	struct rc_ord *o = ord_new();
	struct rc_srp_stats st;
	uint8_t pre[16] = { 0 };

	cmd_simple(o, RC_X_FREEZE, T0);
	install_limit = 2048;
	install_alone(o, 8, true, T0);
	install_limit = 0;
	CU_ASSERT_FATAL(ord_until_operational(o, T0));
	/* the prefix counts: the limit is on the whole message */
	CU_ASSERT_EQUAL(rc_ord_mcast_pre(o, pre, sizeof(pre), big, 2048 - 15,
					 RC_GUARANTEE_AGREED, false, big, T0 + MS), -EMSGSIZE);
	CU_ASSERT_EQUAL(rc_ord_mcast_pre(o, pre, sizeof(pre), big, 2048 - 16,
					 RC_GUARANTEE_AGREED, false, big, T0 + MS), 0);
	/* the group sync is held only to max_msg_size: never refused for the ring */
	CU_ASSERT_EQUAL(rc_ord_mcast_first(o, big, 4000, RC_GUARANTEE_AGREED, small,
					   T0 + MS), 0);
	rc_ord_stats_get(o, &st);
	CU_ASSERT_EQUAL(st.msg_refused_limit, 1);
	CU_ASSERT_EQUAL(n_refused, 0);		/* refused at the call: nothing to hand back */
	rc_ord_destroy(o);
}

/*
 * Queued under ring 8's 8 KiB limit, framed in ring 12 whose limit is 2 KiB:
 * 3000 bytes copied (big), then, with zc_big, 3000 bytes zero-copy, then 100
 * bytes (small); then timers for `ms`, or until something was sent.
 */
static struct rc_ord *queued_then_shrunk(bool refused_op, uint8_t *zc_big,
					 uint64_t ms, bool until_sent)
{
	struct rc_ord *o;

	no_refused_op = !refused_op;
	o = ord_new();
	no_refused_op = false;
	cmd_simple(o, RC_X_FREEZE, T0);
	install_limit = 8192;
	install_alone(o, 8, true, T0);
	CU_ASSERT_FATAL(ord_until_operational(o, T0));
	cmd_simple(o, RC_X_FREEZE, T0 + 200 * MS);
	CU_ASSERT_EQUAL(rc_ord_mcast_pre(o, NULL, 0, big, 3000, RC_GUARANTEE_AGREED, false,
					 big, T0 + 201 * MS), 0);
	if (zc_big)
		CU_ASSERT_EQUAL(rc_ord_mcast_pre(o, NULL, 0, zc_big, 3000, RC_GUARANTEE_AGREED,
						 true, zc_big, T0 + 201 * MS), 0);
	CU_ASSERT_EQUAL(rc_ord_mcast_pre(o, NULL, 0, small, sizeof(small),
					 RC_GUARANTEE_AGREED, false, small, T0 + 201 * MS), 0);
	install_limit = 2048;
	install_alone(o, 12, true, T0 + 202 * MS);
	install_limit = 0;
	CU_ASSERT_FATAL(ord_until_operational(o, T0 + 202 * MS));
	for (uint64_t now = T0 + 300 * MS; now < T0 + (300 + ms) * MS && !(until_sent && n_sent);
	     now += MS)
		if (now >= rc_ord_next_deadline(o))
			rc_ord_timer(o, now);
	return o;
}

/* The large one is handed back through ops.refused before any frame
   carries it; the small one after it goes out as usual. */
static void test_ord_refuses_at_its_first_frame_a_message_queued_under_a_larger_limit(void)
{
	struct rc_ord *o = queued_then_shrunk(true, NULL, 100, true);
	struct rc_srp_stats st;

	CU_ASSERT_EQUAL_FATAL(n_refused, 1);
	CU_ASSERT_PTR_EQUAL(refused_ck[0], big);
	CU_ASSERT_EQUAL_FATAL(n_sent, 1);
	CU_ASSERT_PTR_EQUAL(sent_ck[0], small);
	rc_ord_stats_get(o, &st);
	CU_ASSERT_EQUAL(st.msg_refused_limit, 1);
	CU_ASSERT_EQUAL(st.msgs_sent, 1);
	rc_ord_destroy(o);
}

/*
 * The daemon sets no ops.refused: a message refused at its first frame then
 * comes back through ops.sent, exactly once (its client's completion; without
 * it the client's buffer, and its slot, would never be let go), a zero-copy
 * one too, and with no release of its buffer left for later.
 */
static void test_ord_hands_a_refused_message_back_through_sent_without_refused_op(void)
{
	static uint8_t zc_big[3000];
	struct rc_ord *o = queued_then_shrunk(false, zc_big, 300, false);
	struct rc_srp_stats st;

	CU_ASSERT_EQUAL(n_refused, 0);
	CU_ASSERT_EQUAL_FATAL(n_sent, 3);	/* each once, in their order */
	CU_ASSERT_PTR_EQUAL(sent_ck[0], big);
	CU_ASSERT_PTR_EQUAL(sent_ck[1], zc_big);
	CU_ASSERT_PTR_EQUAL(sent_ck[2], small);
	rc_ord_stats_get(o, &st);
	CU_ASSERT_EQUAL(st.msg_refused_limit, 2);
	CU_ASSERT_EQUAL(st.msgs_sent, 1);
	rc_ord_destroy(o);
}

static const struct unit_test tests[] = {
	T(test_member_lowers_the_netmtu_to_its_own_when_it_fills),
	T(test_ord_frames_no_larger_than_the_ring_netmtu),
	T(test_own_limit_is_at_least_a_frame_and_at_most_what_receivers_take),
	T(test_representative_starts_the_token_at_its_own_limit),
	T(test_member_lowers_the_limit_to_its_own_when_it_fills),
	T(test_member_never_raises_it_and_installs_the_filled_tokens),
	T(test_ord_installs_the_agreed_limit_and_reports_it_in_both_confchgs),
	T(test_ord_never_installs_above_its_own_limit),
	T(test_ord_refuses_a_message_above_the_limit_when_it_is_queued),
	T(test_ord_refuses_at_its_first_frame_a_message_queued_under_a_larger_limit),
	T(test_ord_hands_a_refused_message_back_through_sent_without_refused_op),
};

int main(void)
{
	rc_totem_config_defaults(&cfg);
	cfg.srp.cluster_id = CLUSTER;
	return unit_test_run("msg_limit", tests, sizeof(tests) / sizeof(tests[0]));
}
