/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for the split of Totem into a membership half (rc_memb, the
 * daemon's control thread) and an ordering half (rc_ord, the lcore): each
 * half alone, fed the other's messages (split.h) by hand, at times of the
 * test's choosing. They pin down the rules that make the halves safe when
 * their messages arrive late: no commit entry before FROZEN, stale ring
 * names ignored, OPERATIONAL taken even after the membership half moved on,
 * and what a freeze keeps. Also the membership half's ring-sequence checks:
 * implausible seqs in JOINs and COMMITs refused, a failed persist fails the
 * formation, a commit token never re-forms a ring already committed to.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "as_limit.h"
#include "split_harness.h"

static void test_memb_freezes_first_and_forms_only_after_frozen(void)
{
	struct rc_memb *m = memb_new(1);
	const struct rc_xmsg *in;

	rc_memb_start(m, T0);
	CU_ASSERT_EQUAL(cmds[0].type, RC_X_FREEZE);
	CU_ASSERT_EQUAL(count_sent(RC_FT_JOIN), 1);
	/* Alone far past every timer, but the ordering half has not answered. */
	run_timers(m, T0, T0 + 500 * MS);
	CU_ASSERT_EQUAL(count_cmd(RC_X_INSTALL), 0);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	send_frozen(m, T0 + 500 * MS, 0, 0);
	in = last_cmd(RC_X_INSTALL);
	CU_ASSERT_FATAL(in != NULL);
	CU_ASSERT_EQUAL(in->u.install.n_members, 1);
	CU_ASSERT_EQUAL(in->u.install.ring.rep, 1);
	CU_ASSERT_EQUAL(in->u.install.start, 1);	/* alone: no commit rotation */
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_RECOVERY);
	rc_memb_destroy(m);
}


static void test_memb_fills_its_commit_entry_only_after_frozen(void)
{
	struct rc_memb *m = memb_new(2);
	struct rc_xmsg j = { .type = RC_X_FRAME };

	rc_memb_start(m, T0);
	j.u.frame.type = RC_FT_JOIN;
	j.u.frame.sender = 1;
	j.u.frame.u.join.n_proc = 2;
	j.u.frame.u.join.proc[0] = 1;
	j.u.frame.u.join.proc[1] = 2;
	rc_memb_event(m, &j, T0 + MS);
	/* The representative's commit token comes before our FROZEN: not taken. */
	commit_from_1(m, T0 + 2 * MS, 8);
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 0);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	/* FROZEN says what we hold; the resent commit token is filled and passed on. */
	send_frozen(m, T0 + 3 * MS, 5, 4);
	commit_from_1(m, T0 + 4 * MS, 8);
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 1);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(last_cmd(RC_X_SEND)->u.send.dst, 1);
	rc_memb_destroy(m);
}

static void join_from(struct rc_memb *m, uint64_t now, uint32_t s, uint64_t ring_seq,
		      const uint32_t *proc, uint32_t n)
{
	struct rc_xmsg j = { .type = RC_X_FRAME };

	j.u.frame.type = RC_FT_JOIN;
	j.u.frame.sender = s;
	j.u.frame.u.join.ring_seq = ring_seq;
	j.u.frame.u.join.n_proc = (uint16_t)n;
	memcpy(j.u.frame.u.join.proc, proc, n * sizeof(uint32_t));
	rc_memb_event(m, &j, now);
}

/* The ring seq of the last JOIN this half sent. */
static uint64_t last_join_seq(void)
{
	for (unsigned int i = n_cmds; i-- > 0;) {
		struct rc_frame_view v;
		enum rc_bad_reason why;

		if (cmds[i].type != RC_X_SEND ||
		    rc_wire_parse(cmds[i].u.send.frame, cmds[i].u.send.len, 1 << 20, &v,
				  &why) < 0 || v.type != RC_FT_JOIN)
			continue;
		return v.join.ring_seq;
	}
	return UINT64_MAX;
}

/*
 * One forged JOIN with a ring seq near 2^64 used to be adopted by every node
 * that heard it (and spread through their JOINs): the next ring's seq + 4
 * wrapped. Refused now, whole, and counted; nothing of it is adopted.
 */
static void test_memb_refuses_a_join_with_an_implausible_ring_seq(void)
{
	static const uint64_t bad[] = {
		UINT64_MAX - 1, RC_RING_SEQ_MAX + 1, 30 + RC_RING_SEQ_JUMP_MAX + 1,
	};

	for (unsigned int k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct rc_memb *m = memb_new(1);
		struct rc_memb_stats ms;
		const struct rc_xmsg *c;

		rc_memb_start(m, T0);
		send_frozen(m, T0, 0, 0);
		join_from(m, T0 + MS, 2, 30, (uint32_t[]){ 2 }, 1);
		join_from(m, T0 + 2 * MS, 9, bad[k], (uint32_t[]){ 1, 2, 9 }, 3);
		CU_ASSERT_EQUAL(last_join_seq(), 30);
		rc_memb_stats_get(m, &ms);
		CU_ASSERT_EQUAL(ms.ring_seq_refused, 1);
		/* Node 2 agrees on {1, 2}: the ring takes 30 + 4, not a wrapped seq. */
		join_from(m, T0 + 3 * MS, 2, 30, (uint32_t[]){ 1, 2 }, 2);
		c = last_cmd(RC_X_SEND);
		CU_ASSERT_FATAL(c != NULL);
		CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_COMMIT);
		CU_ASSERT_EQUAL(n_persisted, 1);
		CU_ASSERT_EQUAL(persisted[0], 34);
		rc_memb_destroy(m);
	}
}

/* A JOIN within the bounds still raises the seq (a node that was away long). */
static void test_memb_adopts_a_plausible_higher_ring_seq(void)
{
	struct rc_memb *m = memb_new(1);

	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	join_from(m, T0 + MS, 2, RC_RING_SEQ_JUMP_MAX, (uint32_t[]){ 1, 2 }, 2);
	CU_ASSERT_EQUAL(n_persisted, 1);
	CU_ASSERT_EQUAL(persisted[0], RC_RING_SEQ_JUMP_MAX + 4);
	rc_memb_destroy(m);
}

/* A forged COMMIT used to be taken, and its seq persisted (fsynced) as is. */
static void test_memb_refuses_a_commit_with_an_implausible_ring_seq(void)
{
	struct rc_memb *m = memb_new(2);
	struct rc_memb_stats ms;

	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	join_from(m, T0 + MS, 1, 0, (uint32_t[]){ 1, 2 }, 2);
	commit_from_1(m, T0 + 2 * MS, UINT64_MAX - 3);
	commit_from_1(m, T0 + 3 * MS, RC_RING_SEQ_JUMP_MAX + 8);
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 0);
	CU_ASSERT_EQUAL(n_persisted, 0);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	rc_memb_stats_get(m, &ms);
	CU_ASSERT_EQUAL(ms.ring_seq_refused, 2);
	/* The genuine one is taken. */
	commit_from_1(m, T0 + 4 * MS, 4);
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 1);
	CU_ASSERT_EQUAL(n_persisted, 1);
	rc_memb_destroy(m);
}

/*
 * Time spent inside a call (the daemon's synced write of the ring sequence,
 * a wait for the lcore) is not a pause: the gap is measured from when the
 * previous call returned, as the caller reports it (rc_memb_returned).
 */
static void test_memb_time_inside_a_call_is_no_pause(void)
{
	struct rc_memb *m = memb_new(1);
	uint64_t tok = cfg.token_timeout_ns, now = T0 + 200 * MS, p0;
	struct rc_memb_stats ms;

	form_alone(m);
	rc_memb_timer(m, now);		/* a call at `now`, just after the last */
	rc_memb_stats_get(m, &ms);
	p0 = ms.pauses;
	/* that call returned 0.6 token timeouts later; the next call comes one
	   tick after: no pause */
	token_at = polled_at = now + tok * 6 / 10;
	rc_memb_returned(m, now + tok * 6 / 10);
	rc_memb_timer(m, now + tok * 6 / 10 + MS);
	rc_memb_stats_get(m, &ms);
	CU_ASSERT_EQUAL(ms.pauses, p0);
	/* a real gap of 0.6 token timeouts between two calls is one */
	now += tok * 6 / 10 + MS;
	token_at = polled_at = now + tok * 6 / 10;
	rc_memb_timer(m, now + tok * 6 / 10);
	rc_memb_stats_get(m, &ms);
	CU_ASSERT_EQUAL(ms.pauses, p0 + 1);
	rc_memb_destroy(m);
}


/*
 * Pauses that keep coming (every 0.6 token timeouts, an overloaded host)
 * restart the timers at most once a token timeout: a ring whose token
 * stopped is still given up within two token timeouts, not never.
 */
static void test_memb_pauses_that_keep_coming_do_not_stop_token_loss(void)
{
	struct rc_memb *m = memb_new(1);
	uint64_t tok = cfg.token_timeout_ns, now = T0 + 200 * MS;
	struct rc_memb_stats ms;

	form_alone(m);
	token_at = now;			/* the last token ever seen */
	rc_memb_timer(m, now);
	for (int i = 1; i <= 10 && rc_memb_state(m) == RC_MEMB_OPERATIONAL; i++) {
		now += tok * 6 / 10;
		polled_at = now;
		rc_memb_timer(m, now);
	}
	rc_memb_stats_get(m, &ms);
	CU_ASSERT(ms.pauses >= 2);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	CU_ASSERT(now - token_at <= 2 * tok + tok * 6 / 10);
	rc_memb_destroy(m);
}


/* The seq could not be made durable: no commit token goes out, no ring forms. */
static void test_memb_a_failed_persist_fails_the_formation(void)
{
	struct rc_memb *m = memb_new(1);
	struct rc_memb_stats ms;

	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	persist_ret = -EIO;
	join_from(m, T0 + MS, 2, 0, (uint32_t[]){ 1, 2 }, 2);
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 0);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	rc_memb_stats_get(m, &ms);
	CU_ASSERT(ms.ring_seq_persist_failed >= 1);
	/* Once the disk takes it again, the next try forms the ring. */
	persist_ret = 0;
	run_timers(m, T0 + 2 * MS, T0 + 40 * MS);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_COMMIT);
	CU_ASSERT(count_sent(RC_FT_COMMIT) >= 1);
	CU_ASSERT_EQUAL(n_persisted, 1);
	CU_ASSERT_EQUAL(persisted[0], 4);
	rc_memb_destroy(m);

	/* Not the representative: the commit token is not passed on either. */
	m = memb_new(2);
	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	join_from(m, T0 + MS, 1, 0, (uint32_t[]){ 1, 2 }, 2);
	persist_ret = -ENOSPC;
	commit_from_1(m, T0 + 2 * MS, 4);
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 0);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	rc_memb_destroy(m);
}

/*
 * Seed 9010 of the simulator: a late copy of a commit token for a ring this
 * node had committed to and left (back in gather before it ran) formed that
 * ring again under the same id. Refused: a ring id is used once.
 */
static void test_memb_never_reforms_a_ring_it_committed_to(void)
{
	struct rc_memb *m = memb_new(2);
	struct rc_memb_stats ms;

	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	join_from(m, T0 + MS, 1, 0, (uint32_t[]){ 1, 2 }, 2);
	commit_from_1(m, T0 + 2 * MS, 4);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_COMMIT);
	/* The commit token is lost: back to gather, agreeing on {1, 2} again. */
	run_timers(m, T0 + 3 * MS, T0 + 3 * MS + cfg.consensus_timeout_ns);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	send_frozen(m, T0 + 50 * MS, 0, 0);
	join_from(m, T0 + 51 * MS, 1, 4, (uint32_t[]){ 1, 2 }, 2);
	n_cmds = 0;
	rc_memb_stats_get(m, &ms);
	commit_from_1(m, T0 + 52 * MS, 4);	/* the old copy */
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 0);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	commit_from_1(m, T0 + 53 * MS, 8);	/* the new ring */
	CU_ASSERT_EQUAL(count_sent(RC_FT_COMMIT), 1);
	rc_memb_destroy(m);
}

static void test_memb_ignores_fail_recv_of_another_ring(void)
{
	struct rc_memb *m = memb_new(1);
	struct rc_ring_id r = form_alone(m), old = r;
	unsigned int freezes = count_cmd(RC_X_FREEZE);
	struct rc_memb_stats ms;

	old.seq -= 4;
	send_ring_evt(m, T0 + 201 * MS, RC_X_FAIL_RECV, old, 0, NULL);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(count_cmd(RC_X_FREEZE), freezes);
	send_ring_evt(m, T0 + 202 * MS, RC_X_FAIL_RECV, r, 0, NULL);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(count_cmd(RC_X_FREEZE), freezes + 1);
	rc_memb_stats_get(m, &ms);
	CU_ASSERT_EQUAL(ms.fail_recv, 1);
	rc_memb_destroy(m);
}

/* The token-loss timer reads the ordering half's last token time. */
static void test_memb_token_loss_follows_the_last_token(void)
{
	struct rc_memb *m = memb_new(1);
	uint64_t now;

	form_alone(m);
	now = T0 + 200 * MS;
	for (int i = 0; i < 10; i++) {		/* tokens keep coming: no loss */
		now += cfg.token_timeout_ns / 2;
		token_at = now;
		run_timers(m, now, now + MS);
	}
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_OPERATIONAL);
	run_timers(m, now, now + cfg.token_timeout_ns + 2 * MS);	/* they stop */
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	rc_memb_destroy(m);
}

/*
 * A descheduled lcore has not read its port: a token may be waiting there.
 * No token loss until the ordering half has looked past the deadline, and
 * no timer spinning meanwhile.
 */
static void test_memb_token_loss_waits_for_the_ordering_half_to_look(void)
{
	struct rc_memb *m = memb_new(1);
	uint64_t now = T0 + 200 * MS, stall = now + 10 * MS;

	form_alone(m);
	polled_at = stall;
	run_timers(m, now, now + 2 * cfg.token_timeout_ns);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_OPERATIONAL);
	CU_ASSERT(rc_memb_next_deadline(m) > now + 2 * cfg.token_timeout_ns);
	/* It looks again and there was no token: lost. */
	polled_at = now + 2 * cfg.token_timeout_ns;
	run_timers(m, polled_at, polled_at + 2 * MS);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	rc_memb_destroy(m);
}

/* OPERATIONAL after this half left the ring: it is still the last ring. */
static void test_memb_takes_operational_after_it_moved_on(void)
{
	struct rc_memb *m = memb_new(1);
	const struct rc_xmsg *in;
	struct rc_memb_stats ms;
	struct rc_ring_id r, id;
	uint32_t ids[RC_MEMB_MAX], n = 0;

	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	run_timers(m, T0, T0 + 100 * MS);
	in = last_cmd(RC_X_INSTALL);
	CU_ASSERT_FATAL(in != NULL);
	r = in->u.install.ring;
	/* No token within the timeout: back to gather before OPERATIONAL came. */
	run_timers(m, T0 + 100 * MS, T0 + 100 * MS + cfg.token_timeout_ns + 2 * MS);
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	send_ring_evt(m, T0 + 300 * MS, RC_X_OPERATIONAL, r, 1, (uint32_t[]){ 1 });
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_GATHER);
	rc_memb_ring(m, &id, ids, &n);
	CU_ASSERT_EQUAL(id.rep, r.rep);
	CU_ASSERT_EQUAL(id.seq, r.seq);
	CU_ASSERT_EQUAL(n, 1);
	rc_memb_stats_get(m, &ms);
	CU_ASSERT_EQUAL(ms.rings, 1);
	/* The next ring has a higher sequence than the one the ordering half ran. */
	send_frozen(m, T0 + 301 * MS, r.rep, r.seq);
	run_timers(m, T0 + 301 * MS, T0 + 500 * MS);
	in = last_cmd(RC_X_INSTALL);
	CU_ASSERT_FATAL(in != NULL);
	CU_ASSERT(in->u.install.ring.seq > r.seq);
	rc_memb_destroy(m);
}


static void test_ord_freeze_keeps_the_operational_ring_not_a_recovering_one(void)
{
	struct rc_ord *o = ord_new();
	const struct rc_xmsg *f;

	cmd_simple(o, RC_X_FREEZE, T0);
	f = last_evt(RC_X_FROZEN);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FALSE(f->u.frozen.valid);
	install_alone(o, 8, true, T0);
	CU_ASSERT_FATAL(ord_until_operational(o, T0));
	CU_ASSERT_EQUAL(n_confchg, 2);		/* transitional, regular */
	CU_ASSERT_EQUAL(confchgs[1].type, RC_CONF_REGULAR);
	CU_ASSERT_EQUAL(confchgs[1].ring.seq, 8);
	cmd_simple(o, RC_X_FREEZE, T0 + 200 * MS);
	f = last_evt(RC_X_FROZEN);
	CU_ASSERT_TRUE(f->u.frozen.valid);
	CU_ASSERT_EQUAL(f->u.frozen.seq, 8);
	/* A ring that never finished recovery is not what a freeze keeps. */
	install_alone(o, 12, false, T0 + 201 * MS);
	cmd_simple(o, RC_X_FREEZE, T0 + 202 * MS);
	f = last_evt(RC_X_FROZEN);
	CU_ASSERT_TRUE(f->u.frozen.valid);
	CU_ASSERT_EQUAL(f->u.frozen.seq, 8);
	rc_ord_destroy(o);
}

static void test_ord_ignores_start_of_another_ring(void)
{
	struct rc_ord *o = ord_new();
	struct rc_xmsg c = { .type = RC_X_START };

	cmd_simple(o, RC_X_FREEZE, T0);
	install_alone(o, 16, false, T0);
	c.u.ring.ring.rep = 1;
	c.u.ring.ring.seq = 12;
	rc_ord_command(o, &c, T0);
	CU_ASSERT_FALSE(ord_until_operational(o, T0));
	c.u.ring.ring.seq = 16;
	rc_ord_command(o, &c, T0 + 100 * MS);
	CU_ASSERT_TRUE(ord_until_operational(o, T0 + 100 * MS));
	rc_ord_destroy(o);
}

static uint32_t join_frame(uint8_t *f, uint32_t sender)
{
	struct rc_join j;

	memset(&j, 0, sizeof(j));
	j.ring_seq = 4;
	j.n_proc = 2;
	j.proc[0] = 1;
	j.proc[1] = 2;
	rc_wire_put_hdr(f, RC_FT_JOIN, CLUSTER, sender, sender, 4);
	return rc_wire_put_join(f, &j);
}

static void test_ord_passes_joins_up_but_not_its_own_name(void)
{
	struct rc_ord *o = ord_new();
	uint8_t f[RC_WIRE_JOIN_MAX];
	struct rc_srp_stats st;
	uint32_t len;

	len = join_frame(f, 2);
	CU_ASSERT_EQUAL(rc_ord_recv(o, f, len, T0), 0);
	CU_ASSERT_EQUAL(n_evts, 1);
	CU_ASSERT_EQUAL(evts[0].type, RC_X_FRAME);
	CU_ASSERT_EQUAL(evts[0].u.frame.type, RC_FT_JOIN);
	CU_ASSERT_EQUAL(evts[0].u.frame.sender, 2);
	CU_ASSERT_EQUAL(evts[0].u.frame.u.join.n_proc, 2);
	len = join_frame(f, 1);		/* "from" this node: forged or a clash */
	rc_ord_recv(o, f, len, T0);
	CU_ASSERT_EQUAL(n_evts, 1);
	rc_ord_stats_get(o, &st);
	CU_ASSERT_EQUAL(st.bad[RC_BAD_SENDER], 1);
	/* Stopped: nothing goes up any more. */
	cmd_simple(o, RC_X_STOP, T0);
	len = join_frame(f, 2);
	rc_ord_recv(o, f, len, T0);
	CU_ASSERT_EQUAL(n_evts, 1);
	rc_ord_destroy(o);
}

/*
 * Starting a non-representative's ring is not a token: the membership half
 * keeps resending its commit token until a real one comes ("a token after
 * my commit"), or one lost copy costs a whole new formation.
 */
static void test_ord_install_is_not_a_token(void)
{
	struct rc_ord *o = ord_new_as(2);
	struct rc_xmsg c = { .type = RC_X_INSTALL };
	struct rc_x_install *in = &c.u.install;

	cmd_simple(o, RC_X_FREEZE, T0);
	in->ring.rep = 1;
	in->ring.seq = 8;
	in->n_members = 2;
	in->members[0] = 1;
	in->members[1] = 2;
	in->commit.rep = 1;
	in->commit.ring_seq = 8;
	in->commit.n_memb = 2;
	in->commit.filled = 3;
	in->commit.e[0].nodeid = 1;
	in->commit.e[1].nodeid = 2;
	in->start = 1;
	rc_ord_command(o, &c, T0 + 5 * MS);
	CU_ASSERT(rc_ord_last_token(o) < T0 + 5 * MS);
	rc_ord_destroy(o);
}

/*
 * A ring whose reassembly buffers (one per member, max_msg_size of address
 * space each) cannot be mapped here is not installed, and the ordering
 * half says so (RC_X_NO_BUFFERS: the daemon stops) instead of leaving the
 * membership half a member of a ring this node takes no part in (the
 * others lost the token to it at every formation). In a child, under an
 * address-space limit.
 */
static void test_ord_a_ring_without_buffers_says_no_buffers(void)
{
	pid_t pid = fork();

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct rc_ord *o;

		cfg.srp.max_msg_size = 256u << 20;
		o = ord_new_as(1);
		/* a first ring, operational: kept (swapped out) at the freeze, so
		   the next one needs buffers of its own */
		cmd_simple(o, RC_X_FREEZE, T0);
		install_alone(o, 8, true, T0);
		if (!ord_until_operational(o, T0))
			_exit(12);
		cmd_simple(o, RC_X_FREEZE, T0 + 200 * MS);
		if (as_limit_now_plus(64ul << 20) < 0)
			_exit(11);
		n_evts = 0;
		install_alone(o, 12, true, T0 + 201 * MS);
		if (last_evt(RC_X_NO_BUFFERS) == NULL)
			_exit(20);
		if (ord_until_operational(o, T0 + 202 * MS))
			_exit(21);
		_exit(0);
	}
	CU_ASSERT_EQUAL(child_status(pid), 0);
}

static const struct unit_test tests[] = {
	T(test_memb_freezes_first_and_forms_only_after_frozen),
	T(test_ord_a_ring_without_buffers_says_no_buffers),
	T(test_memb_fills_its_commit_entry_only_after_frozen),
	T(test_memb_ignores_fail_recv_of_another_ring),
	T(test_memb_refuses_a_join_with_an_implausible_ring_seq),
	T(test_memb_adopts_a_plausible_higher_ring_seq),
	T(test_memb_refuses_a_commit_with_an_implausible_ring_seq),
	T(test_memb_a_failed_persist_fails_the_formation),
	T(test_memb_time_inside_a_call_is_no_pause),
	T(test_memb_pauses_that_keep_coming_do_not_stop_token_loss),
	T(test_memb_never_reforms_a_ring_it_committed_to),
	T(test_memb_token_loss_follows_the_last_token),
	T(test_memb_token_loss_waits_for_the_ordering_half_to_look),
	T(test_memb_takes_operational_after_it_moved_on),
	T(test_ord_freeze_keeps_the_operational_ring_not_a_recovering_one),
	T(test_ord_ignores_start_of_another_ring),
	T(test_ord_passes_joins_up_but_not_its_own_name),
	T(test_ord_install_is_not_a_token),
};

int main(void)
{
	rc_totem_config_defaults(&cfg);
	cfg.srp.cluster_id = CLUSTER;
	return unit_test_run("split", tests, sizeof(tests) / sizeof(tests[0]));
}
