/*
 * Tests for dataplane/totem/token.c: the token visit and flow control.
 * Node 2 of the ring {1, 2, 3} is handed tokens from its predecessor 1 and
 * frames from 1 and 3; the token it forwards to 3 is captured from ops.send
 * and parsed back. Flow control is checked on rc_flow_allowed() directly,
 * with engine state (my previous backlog report, gc_seq) reached through
 * token visits only.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>


#include "srp_int.h"

#include "unit_test.h"

#define CLUSTER		7u
#define RING_SEQ	5u
#define MAX_MSG		(64u << 10)
#define T0		1000000000ull

#define HDR		sizeof(struct rc_wire_hdr)
#define CHK		sizeof(struct rc_wire_chunk)
#define OVH		RC_WIRE_MCAST_OVERHEAD

/* A message that fills one frame of netmtu 1500 on its own. */
#define BIG		1400u

/* ---- Harness ------------------------------------------------------------- */

#define CAP_MAX		512

struct capture {
	unsigned int n_send;
	uint32_t dst[CAP_MAX];
	uint32_t len[CAP_MAX];
	uint8_t buf[CAP_MAX][1500];
	unsigned int n_deliver;
};

static struct capture cap;

static void cap_send(void *priv, uint32_t dst, const void *f, size_t len)
{
	struct capture *c = priv;

	CU_ASSERT_FATAL(c->n_send < CAP_MAX && len <= sizeof(c->buf[0]));
	c->dst[c->n_send] = dst;
	c->len[c->n_send] = (uint32_t)len;
	memcpy(c->buf[c->n_send], f, len);
	c->n_send++;
}

static void cap_deliver(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len)
{
	struct capture *c = priv;

	c->n_deliver++;
}

static const struct rc_srp_ops ops = {
	.send = cap_send,
	.deliver = cap_deliver,
};

#include "ring3.h"

static struct rc_srp *node_with(const struct rc_srp_config *cfg)
{
	struct rc_srp *srp = NULL;

	cap.n_send = cap.n_deliver = 0;
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(cfg, &ops, &cap, &srp), 0);
	return srp;
}

static struct rc_srp *node2(void)
{
	struct rc_srp_config cfg;

	ring_config(&cfg, 2);
	return node_with(&cfg);
}

static struct rc_srp_stats stats(const struct rc_srp *srp)
{
	struct rc_srp_stats st;

	rc_srp_stats_get(srp, &st);
	return st;
}

static uint8_t frame[RC_NETMTU_MAX];
static uint8_t msgs[64][BIG];

/* A whole 20-byte message from `sender` in frame `seq`. */
static size_t mcast(uint8_t *f, uint32_t sender, uint32_t seq)
{
	rc_wire_put_chunk(f + OVH, 20, 20, 0, RC_CF_FIRST | RC_CF_LAST, 0);
	memset(f + OVH + CHK, (int)seq, 20);
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, 1, 0, CHK + 20);
	return OVH + CHK + 20;
}

static void feed(struct rc_srp *srp, uint32_t from, uint32_t to)
{
	for (uint32_t s = from; s <= to; s++)
		CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, mcast(frame, 1, s), T0), 0);
}

/* Hand node 2 a token from its predecessor; it must be accepted. */
static void give(struct rc_srp *srp, const struct rc_token *t)
{
	size_t len;

	rc_wire_put_hdr(frame, RC_FT_TOKEN, CLUSTER, 1, 1, RING_SEQ);
	len = rc_wire_put_token(frame, t);
	CU_ASSERT_EQUAL_FATAL(rc_srp_recv(srp, frame, len, T0), 0);
}

static void queue_big(struct rc_srp *srp, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(rc_srp_mcast(srp, msgs[i], BIG, RC_GUARANTEE_AGREED,
						   NULL, T0), 0);
}

/* Index of the last frame sent to `dst`, or -1. */
static int last_to(uint32_t dst)
{
	for (int i = (int)cap.n_send - 1; i >= 0; i--)
		if (cap.dst[i] == dst)
			return i;
	return -1;
}

static void parse_sent(int i, struct rc_frame_view *v)
{
	enum rc_bad_reason why;

	CU_ASSERT_FATAL(i >= 0 && (unsigned int)i < cap.n_send);
	CU_ASSERT_EQUAL_FATAL(rc_wire_parse(cap.buf[i], cap.len[i], MAX_MSG, v, &why), 0);
}

/* The token node 2 forwarded last, parsed. */
static struct rc_token forwarded(void)
{
	struct rc_frame_view v;

	parse_sent(last_to(3), &v);
	CU_ASSERT_EQUAL(v.type, RC_FT_TOKEN);
	CU_ASSERT_EQUAL(v.sender, 2);
	return v.tok;
}

static bool listed(const struct rc_token *t, uint32_t seq)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->rtr_count; i++)
		n += t->rtr[i] == seq;
	CU_ASSERT(n <= 1);
	return n == 1;
}

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

/* window 100, max_messages 20, rtr_slots 4096: room for 2048 in flight. */
static struct rc_srp *flow_node(uint32_t max_messages)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.window_size = 100;
	c.max_messages = max_messages;
	c.rtr_slots = 4096;
	return node_with(&c);
}

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
	/* the ring's 300 include my 6: my share is 100 * 6 / 300, not / 306 */
	t.fcc = 0;
	t.backlog = 300;
	CU_ASSERT_EQUAL(rc_flow_allowed(srp, &t, 0, 6), 2);
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

/* ---- What a token may say (srp.c recv_token) ----------------------------- */

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
	T(test_flow_is_bounded_by_window_minus_fcc),
	T(test_flow_is_zero_once_fcc_reaches_the_window),
	T(test_token_seq_jumping_past_a_rotation_is_dropped),
	T(test_token_seq_beyond_what_a_rotation_can_frame_is_dropped),
	T(test_token_below_a_frame_already_seen_is_dropped),
	T(test_token_aru_above_its_seq_is_dropped),
	T(test_token_fcc_beyond_the_last_rotation_is_dropped),
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
