/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/totem/deliver.c: agreed order, reassembly and safe
 * delivery on node 2 of {1, 2, 3}. Frames come from the builders in wire.c
 * or, for fragmented messages, from a sender engine's own framing
 * (rc_sendq_build_frame()), and are fed through rc_srp_recv().
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "unit_test.h"

#include "srp_int.h"

#define CLUSTER		7u
#define RING_SEQ	5u
#define MAX_MSG		(2u << 20)
#define T0		1000000000ull
#define MIB		(1u << 20)

#define HDR		sizeof(struct rc_wire_hdr)
#define CHK		sizeof(struct rc_wire_chunk)
#define OVH		RC_WIRE_MCAST_OVERHEAD

/* ---- Harness ------------------------------------------------------------- */

#define DL_MAX		64

struct delivery {
	struct rc_srp_msg_info info;
	size_t len;
	uint8_t head[16];
};

struct capture {
	unsigned int n_deliver;
	struct delivery d[DL_MAX];
	uint8_t *last;			/* copy of the last message, MAX_MSG bytes */
	size_t last_len;
	/* feed this frame from inside the first delivery */
	struct rc_srp *reenter;
	const uint8_t *reenter_frame;
	size_t reenter_len;
};

static struct capture cap;

static void cap_send(void *priv, uint32_t dst, const void *f, size_t len)
{
}

static void cap_deliver(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len)
{
	struct capture *c = priv;
	struct rc_srp *srp = c->reenter;

	if (c->n_deliver < DL_MAX) {
		struct delivery *d = &c->d[c->n_deliver];

		d->info = *info;
		d->len = len;
		memcpy(d->head, msg, len < sizeof(d->head) ? len : sizeof(d->head));
	}
	c->n_deliver++;
	CU_ASSERT_FATAL(len <= MAX_MSG);
	memcpy(c->last, msg, len);
	c->last_len = len;
	if (srp) {
		c->reenter = NULL;
		CU_ASSERT_EQUAL(rc_srp_recv(srp, c->reenter_frame, c->reenter_len, T0), 0);
	}
}

static unsigned int n_ctrl;
static uint8_t ctrl_head;

static void cap_deliver_ctrl(void *priv, const struct rc_srp_msg_info *info,
			     const void *msg, size_t len)
{
	n_ctrl++;
	if (len)
		ctrl_head = *(const uint8_t *)msg;
}

static const struct rc_srp_ops ops = {
	.send = cap_send,
	.deliver = cap_deliver,
};

static const struct rc_srp_ops ctrl_ops = {
	.send = cap_send,
	.deliver = cap_deliver,
	.deliver_ctrl = cap_deliver_ctrl,
};

#include "ring3.h"

static struct rc_srp *node_ops(uint32_t nodeid, const struct rc_srp_ops *o)
{
	struct rc_srp_config cfg;
	struct rc_srp *srp = NULL;
	uint8_t *last = cap.last;

	ring_config(&cfg, nodeid);
	memset(&cap, 0, sizeof(cap));
	cap.last = last;
	n_ctrl = 0;
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(&cfg, o, &cap, &srp), 0);
	return srp;
}

static struct rc_srp *node(uint32_t nodeid)
{
	return node_ops(nodeid, &ops);
}

static struct rc_srp_stats stats(const struct rc_srp *srp)
{
	struct rc_srp_stats st;

	rc_srp_stats_get(srp, &st);
	return st;
}

static uint8_t frame[RC_NETMTU_MAX];

/* A frame of whole messages, one per entry of `lens`, data byte = seq + i. */
static size_t whole(uint8_t *f, uint32_t sender, uint32_t seq, bool safe,
		    const uint32_t *lens, unsigned int n)
{
	uint32_t pos = 0;
	uint16_t cf = RC_CF_FIRST | RC_CF_LAST | (safe ? RC_CF_SAFE : 0);

	for (unsigned int i = 0; i < n; i++) {
		rc_wire_put_chunk(f + OVH + pos, lens[i], lens[i], 0, cf, 0);
		memset(f + OVH + pos + CHK, (int)(seq + i), lens[i]);
		pos += CHK + lens[i];
	}
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, (uint16_t)n, safe ? RC_MF_HAS_SAFE : 0, pos);
	return OVH + pos;
}

static void feed_whole(struct rc_srp *srp, uint32_t sender, uint32_t seq, bool safe)
{
	static const uint32_t len = 10;

	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, whole(frame, sender, seq, safe, &len, 1), T0), 0);
}

static void give_token(struct rc_srp *srp, uint32_t token_seq, uint32_t seq,
		       uint32_t aru, uint32_t aru_addr)
{
	struct rc_token t = {
		.token_seq = token_seq, .seq = seq, .aru = aru, .aru_addr = aru_addr,
	};
	uint8_t f[RC_WIRE_TOKEN_MAX];
	size_t len;

	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, 1, 1, RING_SEQ);
	len = rc_wire_put_token(f, &t);
	CU_ASSERT_EQUAL_FATAL(rc_srp_recv(srp, f, len, T0), 0);
}

/* Frames a sender engine builds for its queue, from seq `first` on. */
struct frames {
	unsigned int n;
	uint32_t *len;
	uint8_t (*f)[1500];
};

static void frames_fini(struct frames *fr)
{
	free(fr->len);
	free(fr->f);
}

/* Have node `sender` frame one message into frames at seqs first, first+step, ... */
static void frames_of(struct frames *fr, uint32_t sender, const uint8_t *m, uint32_t len,
		      uint32_t first, uint32_t step)
{
	struct rc_srp_config cfg;
	struct rc_srp *tx = NULL;
	struct capture save = cap;
	unsigned int cap_n = len / 1000 + 2;
	uint32_t l;

	ring_config(&cfg, sender);
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(&cfg, &ops, &cap, &tx), 0);
	CU_ASSERT_EQUAL_FATAL(rc_srp_mcast(tx, m, len, RC_GUARANTEE_AGREED, NULL, T0), 0);
	fr->n = 0;
	fr->len = calloc(cap_n, sizeof(*fr->len));
	fr->f = calloc(cap_n, sizeof(*fr->f));
	CU_ASSERT_FATAL(fr->len && fr->f);
	while ((l = rc_sendq_build_frame(tx, first + fr->n * step)) != 0) {
		CU_ASSERT_FATAL(fr->n < cap_n);
		memcpy(fr->f[fr->n], slot_frame(tx, first + fr->n * step), l);
		fr->len[fr->n++] = l;
	}
	rc_srp_destroy(tx);
	cap = save;
}

static void fill(uint8_t *m, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1664525u + 1013904223u;
		m[i] = (uint8_t)(seed >> 24);
	}
}

/* ---- Agreed order -------------------------------------------------------- */

static void test_frames_in_order_are_delivered_in_order(void)
{
	struct rc_srp *srp = node(2);

	for (uint32_t s = 1; s <= 5; s++)
		feed_whole(srp, s % 2 ? 1 : 3, s, false);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 5);
	for (uint32_t s = 1; s <= 5; s++) {
		CU_ASSERT_EQUAL(cap.d[s - 1].info.seq, s);
		CU_ASSERT_EQUAL(cap.d[s - 1].info.sender, s % 2 ? 1u : 3u);
		CU_ASSERT_EQUAL(cap.d[s - 1].info.guarantee, RC_GUARANTEE_AGREED);
		CU_ASSERT_EQUAL(cap.d[s - 1].info.ring_rep, 1);
		CU_ASSERT_EQUAL(cap.d[s - 1].info.ring_seq, RING_SEQ);
		CU_ASSERT_FALSE(cap.d[s - 1].info.recovered);
		CU_ASSERT_EQUAL(cap.d[s - 1].len, 10);
		CU_ASSERT_EQUAL(cap.d[s - 1].head[0], s);
	}
	CU_ASSERT_EQUAL(stats(srp).msgs_delivered, 5);
	CU_ASSERT_EQUAL(stats(srp).bytes_delivered, 50);
	rc_srp_destroy(srp);
}

static void test_out_of_order_frames_wait_for_the_gap_then_deliver_in_seq_order(void)
{
	static const uint32_t order[] = { 3, 5, 4, 2 };
	struct rc_srp *srp = node(2);

	for (unsigned int i = 0; i < 4; i++)
		feed_whole(srp, 3, order[i], false);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 0);
	feed_whole(srp, 1, 1, false);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 5);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 5);
	for (uint32_t s = 1; s <= 5; s++)
		CU_ASSERT_EQUAL(cap.d[s - 1].info.seq, s);
	/* a later gap holds back only what follows it */
	feed_whole(srp, 3, 7, false);
	CU_ASSERT_EQUAL(cap.n_deliver, 5);
	feed_whole(srp, 3, 6, false);
	CU_ASSERT_EQUAL(cap.n_deliver, 7);
	rc_srp_destroy(srp);
}

static void test_messages_sharing_a_frame_are_delivered_in_chunk_order(void)
{
	static const uint32_t lens[] = { 5, 0, 300, 1 };
	struct rc_srp *srp = node(2);

	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, whole(frame, 3, 1, false, lens, 4), T0), 0);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 4);
	for (unsigned int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(cap.d[i].len, lens[i]);
		CU_ASSERT_EQUAL(cap.d[i].info.seq, 1);
		CU_ASSERT_EQUAL(cap.d[i].info.sender, 3);
		if (lens[i])
			CU_ASSERT_EQUAL(cap.d[i].head[0], 1 + i);
	}
	rc_srp_destroy(srp);
}

static void test_own_messages_take_their_place_in_the_order(void)
{
	struct rc_srp *srp = node(2);
	static const uint8_t mine[3] = { 'a', 'b', 'c' };

	CU_ASSERT_EQUAL(rc_srp_mcast(srp, mine, 3, RC_GUARANTEE_AGREED, NULL, T0), 0);
	feed_whole(srp, 1, 1, false);
	give_token(srp, 1, 1, 1, 0);		/* I send seq 2 */
	feed_whole(srp, 3, 3, false);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 3);
	CU_ASSERT_EQUAL(cap.d[1].info.sender, 2);
	CU_ASSERT_EQUAL(cap.d[1].info.seq, 2);
	CU_ASSERT_EQUAL(cap.d[1].len, 3);
	CU_ASSERT_EQUAL(memcmp(cap.d[1].head, mine, 3), 0);
	CU_ASSERT_EQUAL(cap.d[2].info.seq, 3);
	rc_srp_destroy(srp);
}

static void test_frame_fed_from_inside_deliver_is_delivered_after_in_order(void)
{
	struct rc_srp *srp = node(2);
	static const uint32_t len = 10;
	uint8_t f2[200];

	cap.reenter = srp;
	cap.reenter_frame = f2;
	cap.reenter_len = whole(f2, 3, 2, false, &len, 1);
	feed_whole(srp, 1, 1, false);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 2);
	CU_ASSERT_EQUAL(cap.d[0].info.seq, 1);
	CU_ASSERT_EQUAL(cap.d[1].info.seq, 2);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 2);
	rc_srp_destroy(srp);
}

/* ---- Reassembly ---------------------------------------------------------- */

/* Pages of sender's reassembly buffer still resident (mincore). */
static size_t resident_reasm(const struct rc_srp *srp, uint32_t sender)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n = 0, pages = (srp->msg_max + (size_t)page - 1) / (size_t)page;
	unsigned char *vec = malloc(pages);

	CU_ASSERT_PTR_NOT_NULL_FATAL(vec);
	for (uint32_t i = 0; i < RC_MEMB_MAX; i++) {
		const struct rc_reasm *e = &srp->r->reasm[i];

		if (e->nodeid != sender || !e->buf)
			continue;
		CU_ASSERT_EQUAL_FATAL(mincore(e->buf, srp->msg_max, vec), 0);
		for (size_t p = 0; p < pages; p++)
			n += vec[p] & 1;
	}
	free(vec);
	return n;
}

/*
 * A message above this node's max_msg_size (its sender allows more): its
 * frames keep their place (no bad frame, the aru moves on, later messages
 * are delivered), the message itself is counted and not delivered. Its
 * frames used to be dropped as bad: this node never held those seqs, and
 * gave up on the ring (fail_recv) while the others delivered the message.
 */
static void test_message_above_my_limit_keeps_its_place_and_is_counted(void)
{
	struct rc_srp_config cfg;
	struct rc_srp *srp = NULL;
	struct frames fr;
	uint8_t *m = malloc(MIB);
	uint8_t last[RC_NETMTU_MAX];
	static const uint32_t len = 10;
	size_t ll;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	fill(m, MIB, 3);
	frames_of(&fr, 1, m, MIB, 1, 1);
	ring_config(&cfg, 2);
	cfg.max_msg_size = 64u << 10;
	cap.n_deliver = 0;
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(&cfg, &ops, &cap, &srp), 0);
	ring_ran_to(srp, fr.n, 0);
	for (unsigned int i = 0; i < fr.n; i++)
		CU_ASSERT_EQUAL(rc_srp_recv(srp, fr.f[i], fr.len[i], T0), 0);
	ll = whole(last, 3, fr.n + 1, false, &len, 1);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, last, ll, T0), 0);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), fr.n + 1);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.d[0].info.sender, 3);
	CU_ASSERT_EQUAL(stats(srp).msg_too_big, 1);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_CHUNK], 0);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_STREAM], 0);
	frames_fini(&fr);
	free(m);
	rc_srp_destroy(srp);
}

static void test_fragmented_1mib_message_is_delivered_whole_once(void)
{
	struct rc_srp *srp;
	struct frames fr;
	uint8_t *m = malloc(MIB);
	unsigned int *order;
	uint32_t x = 99;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	fill(m, MIB, 7);
	frames_of(&fr, 1, m, MIB, 1, 1);
	/* 1436 data bytes a frame */
	CU_ASSERT_EQUAL_FATAL(fr.n, (MIB + 1435) / 1436);
	srp = node(2);
	/* the token that went round after node 1 sent them */
	ring_ran_to(srp, fr.n - 1, 0);
	give_token(srp, 1, fr.n, 0, 1);
	/* every frame once, in a shuffled order */
	order = calloc(fr.n, sizeof(*order));
	CU_ASSERT_PTR_NOT_NULL_FATAL(order);
	for (unsigned int i = 0; i < fr.n; i++)
		order[i] = i;
	for (unsigned int i = fr.n - 1; i > 0; i--) {
		unsigned int j, tmp;

		x = x * 1664525u + 1013904223u;
		j = (x >> 8) % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (unsigned int i = 0; i + 1 < fr.n; i++)
		CU_ASSERT_EQUAL(rc_srp_recv(srp, fr.f[order[i]], fr.len[order[i]], T0), 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);	/* not before the last frame is in */
	CU_ASSERT_EQUAL(rc_srp_recv(srp, fr.f[order[fr.n - 1]], fr.len[order[fr.n - 1]], T0), 0);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), fr.n);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.d[0].info.sender, 1);
	CU_ASSERT_EQUAL(cap.d[0].info.seq, fr.n);
	CU_ASSERT_EQUAL_FATAL(cap.last_len, MIB);
	CU_ASSERT_EQUAL(memcmp(cap.last, m, MIB), 0);
	/* all of it again: duplicates, no second delivery */
	for (unsigned int i = 0; i < fr.n; i++)
		CU_ASSERT_EQUAL(rc_srp_recv(srp, fr.f[i], fr.len[i], T0), 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(stats(srp).dup_frames, fr.n);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_STREAM], 0);
	CU_ASSERT_EQUAL(resident_reasm(srp, 1), 0);	/* given back after use */
	free(order);
	frames_fini(&fr);
	free(m);
	rc_srp_destroy(srp);
}

static void test_interleaved_fragmented_messages_are_reassembled_per_sender(void)
{
	struct rc_srp *srp;
	struct frames a, b;
	uint8_t *ma = malloc(5000), *mb = malloc(5000);

	CU_ASSERT_FATAL(ma && mb);
	fill(ma, 5000, 1);
	fill(mb, 5000, 2);
	frames_of(&a, 1, ma, 5000, 1, 2);	/* seqs 1, 3, 5, 7 */
	frames_of(&b, 3, mb, 5000, 2, 2);	/* seqs 2, 4, 6, 8 */
	CU_ASSERT_EQUAL_FATAL(a.n, 4);
	CU_ASSERT_EQUAL_FATAL(b.n, 4);
	srp = node(2);
	for (unsigned int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(rc_srp_recv(srp, a.f[i], a.len[i], T0), 0);
		CU_ASSERT_EQUAL(rc_srp_recv(srp, b.f[i], b.len[i], T0), 0);
		if (i < 3)
			CU_ASSERT_EQUAL(cap.n_deliver, 0);
		if (i == 3) {
			CU_ASSERT_EQUAL(cap.last_len, 5000);
			CU_ASSERT_EQUAL(memcmp(cap.last, mb, 5000), 0);
		}
	}
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 2);
	CU_ASSERT_EQUAL(cap.d[0].info.sender, 1);
	CU_ASSERT_EQUAL(cap.d[0].info.seq, 7);
	CU_ASSERT_EQUAL(memcmp(cap.d[0].head, ma, 16), 0);
	CU_ASSERT_EQUAL(cap.d[1].info.sender, 3);
	CU_ASSERT_EQUAL(cap.d[1].info.seq, 8);
	frames_fini(&a);
	frames_fini(&b);
	free(ma);
	free(mb);
	rc_srp_destroy(srp);
}

/* Frame `seq` from node 1 with one fragment chunk. */
static size_t fragment(uint8_t *f, uint32_t seq, uint32_t len, uint32_t msg_len,
		       uint32_t offset)
{
	uint16_t cf = (offset == 0 ? RC_CF_FIRST : 0) |
		      (offset + len == msg_len ? RC_CF_LAST : 0);

	rc_wire_put_chunk(f + OVH, len, msg_len, offset, cf, 0);
	memset(f + OVH + CHK, 0x5a, len);
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, 1, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, 1, 0, CHK + len);
	return OVH + CHK + len;
}

static void test_fragment_that_does_not_continue_its_message_is_bad_stream(void)
{
	struct rc_srp *srp = node(2);

	/* a gap inside the message */
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 1, 1000, 3000, 0), T0), 0);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 2, 1000, 3000, 2000), T0), 0);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_STREAM], 1);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	/* a continuation without a start */
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 3, 1000, 3000, 1000), T0), 0);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_STREAM], 2);
	/* a different message length mid-stream */
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 4, 1000, 3000, 0), T0), 0);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 5, 1000, 4000, 1000), T0), 0);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_STREAM], 3);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	/* the stream recovers with the next whole message */
	feed_whole(srp, 1, 6, false);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 6);
	rc_srp_destroy(srp);
}

static void test_new_message_start_abandons_an_unfinished_one(void)
{
	struct rc_srp *srp = node(2);

	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 1, 1000, 3000, 0), T0), 0);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 2, 1000, 2000, 0), T0), 0);
	CU_ASSERT_EQUAL(stats(srp).bad[RC_BAD_STREAM], 1);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, fragment(frame, 3, 1000, 2000, 1000), T0), 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.d[0].len, 2000);
	CU_ASSERT_EQUAL(cap.d[0].info.seq, 3);
	rc_srp_destroy(srp);
}

/* ---- Safe delivery ------------------------------------------------------- */

static void test_safe_frame_waits_for_the_safe_line_and_holds_back_later_frames(void)
{
	struct rc_srp *srp = node(2);

	feed_whole(srp, 1, 1, false);
	feed_whole(srp, 1, 2, true);
	feed_whole(srp, 3, 3, false);
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), 3);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);

	/* every node has 1..3, but I have not seen that for a rotation */
	give_token(srp, 1, 3, 3, 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	/* the aru I passed on came back at 2 or more: safe up to 2 */
	give_token(srp, 4, 3, 2, 3);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 3);
	CU_ASSERT_EQUAL(cap.d[1].info.seq, 2);
	CU_ASSERT_EQUAL(cap.d[1].info.guarantee, RC_GUARANTEE_SAFE);
	CU_ASSERT_EQUAL(cap.d[2].info.seq, 3);
	CU_ASSERT_EQUAL(cap.d[2].info.guarantee, RC_GUARANTEE_AGREED);
	rc_srp_destroy(srp);
}

static void test_safe_line_is_the_lower_of_aru_passed_on_and_aru_returned(void)
{
	struct rc_srp *srp = node(2);

	feed_whole(srp, 1, 1, false);
	feed_whole(srp, 1, 2, true);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);

	/* node 3 lacks 2: I pass on aru 1 */
	give_token(srp, 1, 2, 1, 3);
	/* node 3 caught up and raised it to 2: but I passed on 1 */
	give_token(srp, 4, 2, 2, 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	/* aru 2 passed on and aru 2 returned */
	give_token(srp, 7, 2, 2, 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 2);
	rc_srp_destroy(srp);
}

static void test_safe_frame_is_not_delivered_while_a_node_lacks_it(void)
{
	struct rc_srp *srp = node(2);

	feed_whole(srp, 1, 1, true);
	for (uint32_t ts = 1; ts < 30; ts += 3)
		give_token(srp, ts, 1, 0, 3);	/* node 3 keeps lowering to 0 */
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	give_token(srp, 31, 1, 1, 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 0);
	give_token(srp, 34, 1, 1, 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	rc_srp_destroy(srp);
}

/* ---- Internal messages --------------------------------------------------- */

/* A frame from node 1: an internal message 'c', then an application one 'a'. */
static size_t ctrl_then_app(uint8_t *f, uint32_t seq)
{
	rc_wire_put_chunk(f + OVH, 1, 1, 0, RC_CF_FIRST | RC_CF_LAST | RC_CF_CTRL, 0);
	f[OVH + CHK] = 'c';
	rc_wire_put_chunk(f + OVH + CHK + 1, 1, 1, 0, RC_CF_FIRST | RC_CF_LAST, 0);
	f[OVH + 2 * CHK + 1] = 'a';
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, 1, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, 2, 0, 2 * (CHK + 1));
	return OVH + 2 * (CHK + 1);
}

static void test_internal_chunks_go_to_the_membership_half_only(void)
{
	struct rc_srp *srp = node_ops(2, &ctrl_ops);

	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, ctrl_then_app(frame, 1), T0), 0);
	CU_ASSERT_EQUAL(n_ctrl, 1);
	CU_ASSERT_EQUAL(ctrl_head, 'c');
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.d[0].head[0], 'a');
	CU_ASSERT_EQUAL(stats(srp).msgs_delivered, 1);
	rc_srp_destroy(srp);

	/* without a membership half they are dropped, not delivered */
	srp = node(2);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, ctrl_then_app(frame, 1), T0), 0);
	CU_ASSERT_EQUAL_FATAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.d[0].head[0], 'a');
	rc_srp_destroy(srp);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_frames_in_order_are_delivered_in_order),
	T(test_out_of_order_frames_wait_for_the_gap_then_deliver_in_seq_order),
	T(test_messages_sharing_a_frame_are_delivered_in_chunk_order),
	T(test_own_messages_take_their_place_in_the_order),
	T(test_frame_fed_from_inside_deliver_is_delivered_after_in_order),
	T(test_fragmented_1mib_message_is_delivered_whole_once),
	T(test_message_above_my_limit_keeps_its_place_and_is_counted),
	T(test_interleaved_fragmented_messages_are_reassembled_per_sender),
	T(test_fragment_that_does_not_continue_its_message_is_bad_stream),
	T(test_new_message_start_abandons_an_unfinished_one),
	T(test_safe_frame_waits_for_the_safe_line_and_holds_back_later_frames),
	T(test_safe_line_is_the_lower_of_aru_passed_on_and_aru_returned),
	T(test_safe_frame_is_not_delivered_while_a_node_lacks_it),
	T(test_internal_chunks_go_to_the_membership_half_only),
};

int main(void)
{
	int ret;

	cap.last = malloc(MAX_MSG);
	if (!cap.last)
		return 1;
	ret = unit_test_run("deliver", tests, sizeof(tests) / sizeof(tests[0]));
	free(cap.last);
	return ret;
}
