/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/totem/sendq.c: the send queue and framing. Messages
 * are queued with rc_srp_mcast() on node 2 of {1, 2, 3} (netmtu 1500, so
 * 1452 payload bytes per frame) and framed with rc_sendq_build_frame(); every
 * frame built must parse, and the chunks read back must give the messages
 * byte for byte.
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
#define PAYLOAD		(1500u - (uint32_t)OVH)	/* 1452 */
#define MIN_FRAG	256u			/* sendq.c */

/* ---- Harness ------------------------------------------------------------- */

#define MAX_COOKIES	256

struct capture {
	unsigned int n_send;
	uint32_t dst[64];
	uint8_t last[2048];	/* the last frame sent, as one buffer */
	size_t last_len;
	unsigned int n_send_zc;
	size_t zc_hdr_len, zc_data_len;
	const void *zc_data;
	unsigned int n_sent;
	void *cookie[MAX_COOKIES];
	unsigned int n_deliver;
	size_t dlen[64];
	uint8_t dbuf[64][64];
};

static struct capture cap;

static void cap_send(void *priv, uint32_t dst, const void *f, size_t len)
{
	struct capture *c = priv;

	if (c->n_send < 64)
		c->dst[c->n_send] = dst;
	c->n_send++;
	if (len <= sizeof(c->last)) {
		memcpy(c->last, f, len);
		c->last_len = len;
	}
}

static void cap_send_zc(void *priv, uint32_t dst, const void *hdr, size_t hdr_len,
			const void *data, size_t data_len)
{
	struct capture *c = priv;

	c->n_send_zc++;
	c->zc_hdr_len = hdr_len;
	c->zc_data = data;
	c->zc_data_len = data_len;
	if (hdr_len + data_len <= sizeof(c->last)) {
		memcpy(c->last, hdr, hdr_len);
		memcpy(c->last + hdr_len, data, data_len);
		c->last_len = hdr_len + data_len;
	}
}

static void cap_deliver(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len)
{
	struct capture *c = priv;

	if (c->n_deliver < 64) {
		c->dlen[c->n_deliver] = len;
		memcpy(c->dbuf[c->n_deliver], msg, len < 64 ? len : 64);
	}
	c->n_deliver++;
}

static void cap_sent(void *priv, void *cookie)
{
	struct capture *c = priv;

	CU_ASSERT_FATAL(c->n_sent < MAX_COOKIES);
	c->cookie[c->n_sent++] = cookie;
}

static const struct rc_srp_ops ops = {
	.send = cap_send,
	.deliver = cap_deliver,
	.sent = cap_sent,
};

#include "ring3.h"

static struct rc_srp *node_with(const struct rc_srp_config *cfg)
{
	struct rc_srp *srp = NULL;

	memset(&cap, 0, sizeof(cap));
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(cfg, &ops, &cap, &srp), 0);
	return srp;
}

static struct rc_srp *node2(void)
{
	struct rc_srp_config cfg;

	ring_config(&cfg, 2);
	return node_with(&cfg);
}

/* Message data: message i is `len` bytes at pool + 101 * i. */
static uint8_t pool[MAX_MSG + 101 * 64];

static void pool_init(void)
{
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(pool); i++) {
		x = x * 1103515245u + 12345u;
		pool[i] = (uint8_t)(x >> 16);
	}
}

static const uint8_t *msg(unsigned int i)
{
	return pool + 101 * i;
}

/* Queue message i; its cookie is its data pointer. */
static void queue(struct rc_srp *srp, unsigned int i, uint32_t len, enum rc_guarantee g)
{
	CU_ASSERT_EQUAL_FATAL(rc_srp_mcast(srp, msg(i), len, g, (void *)(uintptr_t)msg(i), T0), 0);
}

struct chunk {
	uint32_t len, msg_len, offset;
	uint16_t flags;
	const uint8_t *data;
};

struct built {
	uint32_t len;
	const uint8_t *f;
	struct rc_frame_view v;
	unsigned int n;
	struct chunk c[128];
};

/* Frame `seq` from the queue; it must parse and fit in netmtu. */
static uint32_t build(struct rc_srp *srp, uint32_t seq, struct built *b)
{
	enum rc_bad_reason why;
	const uint8_t *p;

	memset(b, 0, sizeof(*b));
	b->len = rc_sendq_build_frame(srp, seq);
	if (!b->len)
		return 0;
	CU_ASSERT_FATAL(b->len <= 1500);
	b->f = slot_frame(srp, seq);
	CU_ASSERT_EQUAL_FATAL(rc_wire_parse(b->f, b->len, MAX_MSG, &b->v, &why), 0);
	CU_ASSERT_EQUAL(b->v.type, RC_FT_MCAST);
	CU_ASSERT_EQUAL(b->v.seq, seq);
	CU_ASSERT_EQUAL(b->v.sender, 2);
	CU_ASSERT_FATAL(b->v.nchunks <= 128);
	p = b->f + OVH;
	for (unsigned int i = 0; i < b->v.nchunks; i++) {
		struct chunk *c = &b->c[i];

		rc_wire_get_chunk(p, &c->len, &c->msg_len, &c->offset, &c->flags);
		c->data = p + CHK;
		p += CHK + c->len;
	}
	b->n = b->v.nchunks;
	return b->len;
}

static bool whole(const struct chunk *c, unsigned int i, uint32_t len)
{
	return c->len == len && c->msg_len == len && c->offset == 0 &&
	       (c->flags & (RC_CF_FIRST | RC_CF_LAST)) == (RC_CF_FIRST | RC_CF_LAST) &&
	       memcmp(c->data, msg(i), len) == 0;
}

/* ---- Packing ------------------------------------------------------------- */

static void test_small_messages_share_a_frame_up_to_netmtu(void)
{
	struct rc_srp *srp = node2();
	struct built b;
	unsigned int m = 0;

	pool_init();
	for (unsigned int i = 0; i < 30; i++)
		queue(srp, i, 100, RC_GUARANTEE_AGREED);
	/* 116 bytes a message: 12 fit in 1452 */
	CU_ASSERT_EQUAL(build(srp, 1, &b), OVH + 12 * 116);
	CU_ASSERT_EQUAL(b.n, 12);
	for (unsigned int i = 0; i < b.n; i++)
		CU_ASSERT(whole(&b.c[i], m++, 100));
	CU_ASSERT_EQUAL(build(srp, 2, &b), OVH + 12 * 116);
	for (unsigned int i = 0; i < b.n; i++)
		CU_ASSERT(whole(&b.c[i], m++, 100));
	CU_ASSERT_EQUAL(build(srp, 3, &b), OVH + 6 * 116);
	for (unsigned int i = 0; i < b.n; i++)
		CU_ASSERT(whole(&b.c[i], m++, 100));
	CU_ASSERT_EQUAL(m, 30);
	CU_ASSERT_EQUAL(build(srp, 4, &b), 0);
	rc_srp_destroy(srp);
}

static void test_frame_is_filled_to_exactly_netmtu(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 700, RC_GUARANTEE_AGREED);
	queue(srp, 1, PAYLOAD - 2 * CHK - 700, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(build(srp, 1, &b), 1500);
	CU_ASSERT_EQUAL(b.n, 2);
	CU_ASSERT(whole(&b.c[1], 1, PAYLOAD - 2 * CHK - 700));
	rc_srp_destroy(srp);
}

static void test_empty_queue_builds_no_frame(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	CU_ASSERT_EQUAL(build(srp, 1, &b), 0);
	rc_srp_destroy(srp);
}

static void test_message_that_fits_a_frame_goes_whole_to_the_next_frame(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 1000, RC_GUARANTEE_AGREED);
	queue(srp, 1, 1000, RC_GUARANTEE_AGREED);		/* 436 bytes left: no */
	queue(srp, 2, 100, RC_GUARANTEE_AGREED);
	queue(srp, 3, PAYLOAD - CHK, RC_GUARANTEE_AGREED);	/* a frame of its own */
	CU_ASSERT_EQUAL(build(srp, 1, &b), OVH + CHK + 1000);
	CU_ASSERT_EQUAL_FATAL(b.n, 1);
	CU_ASSERT(whole(&b.c[0], 0, 1000));
	CU_ASSERT_EQUAL(build(srp, 2, &b), OVH + 2 * CHK + 1100);
	CU_ASSERT_EQUAL_FATAL(b.n, 2);
	CU_ASSERT(whole(&b.c[0], 1, 1000));
	CU_ASSERT(whole(&b.c[1], 2, 100));
	CU_ASSERT_EQUAL(build(srp, 3, &b), 1500);
	CU_ASSERT_EQUAL_FATAL(b.n, 1);
	CU_ASSERT(whole(&b.c[0], 3, PAYLOAD - CHK));
	rc_srp_destroy(srp);
}

/* ---- Fragmentation ------------------------------------------------------- */

/* Frame message 0 (len bytes, queued alone) and check the fragments. */
static unsigned int check_fragments(struct rc_srp *srp, uint32_t len, uint32_t first_seq)
{
	struct built b;
	uint32_t off = 0, seq = first_seq;
	unsigned int frames = 0;

	while (off < len) {
		const struct chunk *c;

		CU_ASSERT_FATAL(build(srp, seq++, &b) > 0);
		frames++;
		c = &b.c[0];
		if (off > 0) {	/* a continuation opens its frame */
			CU_ASSERT_EQUAL(b.n, 1);
		} else {
			c = &b.c[b.n - 1];
		}
		CU_ASSERT_EQUAL(c->msg_len, len);
		CU_ASSERT_EQUAL(c->offset, off);
		CU_ASSERT_EQUAL(!!(c->flags & RC_CF_FIRST), off == 0);
		CU_ASSERT_EQUAL(!!(c->flags & RC_CF_LAST), off + c->len == len);
		CU_ASSERT(c->len > 0);
		CU_ASSERT_EQUAL(memcmp(c->data, msg(0) + off, c->len), 0);
		if (!(c->flags & RC_CF_LAST))
			CU_ASSERT_EQUAL(b.len, 1500);	/* a fragment fills its frame */
		off += c->len;
	}
	CU_ASSERT_EQUAL(off, len);
	return frames;
}

static void test_large_message_is_split_into_contiguous_fragments(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 10000, RC_GUARANTEE_AGREED);
	/* 1436 data bytes a frame: 7 frames */
	CU_ASSERT_EQUAL(check_fragments(srp, 10000, 1), 7);
	CU_ASSERT_EQUAL(build(srp, 8, &b), 0);
	rc_srp_destroy(srp);
}

static void test_message_one_byte_over_a_frame_is_split_in_two(void)
{
	struct rc_srp *srp = node2();

	pool_init();
	queue(srp, 0, PAYLOAD - CHK + 1, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(check_fragments(srp, PAYLOAD - CHK + 1, 1), 2);
	rc_srp_destroy(srp);
}

static void test_large_message_starts_in_the_tail_of_a_partly_filled_frame(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 5, 100, RC_GUARANTEE_AGREED);
	queue(srp, 0, 10000, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(build(srp, 1, &b), 1500);
	CU_ASSERT_EQUAL_FATAL(b.n, 2);
	CU_ASSERT(whole(&b.c[0], 5, 100));
	CU_ASSERT_EQUAL(b.c[1].offset, 0);
	CU_ASSERT_EQUAL(b.c[1].len, PAYLOAD - 116 - CHK);
	CU_ASSERT_EQUAL(b.c[1].flags, RC_CF_FIRST);
	CU_ASSERT_EQUAL(memcmp(b.c[1].data, msg(0), b.c[1].len), 0);
	rc_srp_destroy(srp);
}

static void test_large_message_does_not_start_in_a_small_tail(void)
{
	struct rc_srp *srp = node2();
	struct built b;
	/* leaves CHK + MIN_FRAG - 1 bytes of room */
	uint32_t small = PAYLOAD - CHK - (CHK + MIN_FRAG - 1);

	pool_init();
	queue(srp, 5, small, RC_GUARANTEE_AGREED);
	queue(srp, 0, 10000, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(build(srp, 1, &b), OVH + CHK + small);
	CU_ASSERT_EQUAL(b.n, 1);
	CU_ASSERT_EQUAL(check_fragments(srp, 10000, 2), 7);
	rc_srp_destroy(srp);
}

static void test_next_messages_follow_the_last_fragment_in_its_frame(void)
{
	struct rc_srp *srp = node2();
	struct built b;
	uint32_t tail = 3000 - 2 * (PAYLOAD - CHK);

	pool_init();
	queue(srp, 0, 3000, RC_GUARANTEE_AGREED);
	queue(srp, 7, 10, RC_GUARANTEE_AGREED);
	build(srp, 1, &b);
	build(srp, 2, &b);
	CU_ASSERT_EQUAL(build(srp, 3, &b), OVH + 2 * CHK + tail + 10);
	CU_ASSERT_EQUAL_FATAL(b.n, 2);
	CU_ASSERT_EQUAL(b.c[0].flags, RC_CF_LAST);
	CU_ASSERT_EQUAL(b.c[0].offset, 3000 - tail);
	CU_ASSERT(whole(&b.c[1], 7, 10));
	rc_srp_destroy(srp);
}

static void test_message_of_max_msg_size_frames_completely(void)
{
	struct rc_srp *srp = node2();

	pool_init();
	queue(srp, 0, MAX_MSG, RC_GUARANTEE_SAFE);
	CU_ASSERT_EQUAL(check_fragments(srp, MAX_MSG, 1),
			(MAX_MSG + PAYLOAD - CHK - 1) / (PAYLOAD - CHK));
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 0);
	rc_srp_destroy(srp);
}

/* ---- Buffers back, guarantees -------------------------------------------- */

static void test_sent_is_called_once_per_message_after_its_last_byte(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 10000, RC_GUARANTEE_AGREED);
	queue(srp, 1, 10, RC_GUARANTEE_AGREED);
	queue(srp, 2, 10, RC_GUARANTEE_AGREED);
	for (uint32_t s = 1; s <= 6; s++) {
		build(srp, s, &b);
		CU_ASSERT_EQUAL(cap.n_sent, 0);
		CU_ASSERT_EQUAL(rc_srp_backlog(srp), 3);
	}
	build(srp, 7, &b);
	CU_ASSERT_EQUAL_FATAL(cap.n_sent, 3);
	CU_ASSERT_PTR_EQUAL(cap.cookie[0], msg(0));
	CU_ASSERT_PTR_EQUAL(cap.cookie[1], msg(1));
	CU_ASSERT_PTR_EQUAL(cap.cookie[2], msg(2));
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 0);
	CU_ASSERT_EQUAL(build(srp, 8, &b), 0);
	CU_ASSERT_EQUAL(cap.n_sent, 3);
	rc_srp_destroy(srp);
}

static void test_safe_message_marks_its_frames_has_safe(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 10, RC_GUARANTEE_AGREED);
	CU_ASSERT(build(srp, 1, &b) > 0);
	CU_ASSERT_EQUAL(b.v.mflags, 0);
	CU_ASSERT_EQUAL(b.c[0].flags & RC_CF_SAFE, 0);

	queue(srp, 0, 10, RC_GUARANTEE_AGREED);
	queue(srp, 1, 10, RC_GUARANTEE_SAFE);
	CU_ASSERT(build(srp, 2, &b) > 0);
	CU_ASSERT_EQUAL(b.v.mflags, RC_MF_HAS_SAFE);
	CU_ASSERT_EQUAL(b.c[0].flags & RC_CF_SAFE, 0);
	CU_ASSERT_EQUAL(b.c[1].flags & RC_CF_SAFE, RC_CF_SAFE);

	/* every fragment of a SAFE message carries it */
	queue(srp, 0, 3000, RC_GUARANTEE_SAFE);
	for (uint32_t s = 3; s <= 5; s++) {
		CU_ASSERT(build(srp, s, &b) > 0);
		CU_ASSERT_EQUAL(b.v.mflags, RC_MF_HAS_SAFE);
		CU_ASSERT_EQUAL(b.c[0].flags & RC_CF_SAFE, RC_CF_SAFE);
	}
	rc_srp_destroy(srp);
}

static void test_mcast_returns_eagain_when_the_queue_is_full(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct built b;

	ring_config(&c, 2);
	c.send_queue_len = 4;
	srp = node_with(&c);
	pool_init();
	/* one of the 4 entries is kept for rc_srp_mcast_first */
	for (unsigned int i = 0; i < 3; i++)
		queue(srp, i, 1000, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, msg(4), 10, RC_GUARANTEE_AGREED, NULL, T0), -EAGAIN);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 3);
	build(srp, 1, &b);		/* frames message 0: one place frees */
	queue(srp, 4, 10, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, msg(5), 10, RC_GUARANTEE_AGREED, NULL, T0), -EAGAIN);
	rc_srp_destroy(srp);
}

static void test_mcast_returns_emsgsize_over_max_msg_size(void)
{
	struct rc_srp *srp = node2();

	pool_init();
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, pool, MAX_MSG + 1, RC_GUARANTEE_AGREED, NULL, T0),
			-EMSGSIZE);
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, pool, SIZE_MAX, RC_GUARANTEE_SAFE, NULL, T0),
			-EMSGSIZE);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 0);
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, pool, MAX_MSG, RC_GUARANTEE_AGREED, NULL, T0), 0);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 1);
	rc_srp_destroy(srp);
}

static void test_mcast_returns_einval_for_a_bad_guarantee(void)
{
	static const int bad[] = { 0, 2, 4, -1, 0x7fffffff };
	struct rc_srp *srp = node2();

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(rc_srp_mcast(srp, pool, 10, (enum rc_guarantee)bad[i], NULL, T0),
				-EINVAL);
	/* and for bytes without a buffer */
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, NULL, 10, RC_GUARANTEE_AGREED, NULL, T0), -EINVAL);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 0);
	CU_ASSERT_EQUAL(cap.n_sent, 0);
	rc_srp_destroy(srp);
}

static void test_zero_length_message_is_framed_and_delivered(void)
{
	struct rc_srp *srp = node2(), *other;
	struct rc_srp_config c;
	struct built b;
	struct rc_token t = { .token_seq = 1 };
	uint8_t f[RC_WIRE_TOKEN_MAX];
	uint8_t copy[1500];
	size_t len;

	CU_ASSERT_EQUAL(rc_srp_mcast(srp, NULL, 0, RC_GUARANTEE_AGREED, &cap, T0), 0);
	CU_ASSERT_EQUAL(rc_srp_backlog(srp), 1);
	CU_ASSERT_EQUAL(build(srp, 1, &b), OVH + CHK);
	CU_ASSERT_EQUAL_FATAL(b.n, 1);
	CU_ASSERT_EQUAL(b.c[0].len, 0);
	CU_ASSERT_EQUAL(b.c[0].msg_len, 0);
	CU_ASSERT_EQUAL(b.c[0].flags, RC_CF_FIRST | RC_CF_LAST);
	CU_ASSERT_EQUAL(cap.n_sent, 1);
	CU_ASSERT_PTR_EQUAL(cap.cookie[0], &cap);
	memcpy(copy, b.f, b.len);
	len = b.len;
	rc_srp_destroy(srp);

	/* another node delivers it, empty */
	ring_config(&c, 3);
	other = node_with(&c);
	CU_ASSERT_EQUAL(rc_srp_recv(other, copy, len, T0), 0);
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.dlen[0], 0);
	rc_srp_destroy(other);

	/* and so does its sender, once the token has taken it out */
	srp = node2();
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, NULL, 0, RC_GUARANTEE_AGREED, NULL, T0), 0);
	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, 1, 1, RING_SEQ);
	len = rc_wire_put_token(f, &t);
	CU_ASSERT_EQUAL(rc_srp_recv(srp, f, len, T0), 0);
	CU_ASSERT_EQUAL(cap.n_send, 2);		/* the frame, the token */
	CU_ASSERT_EQUAL(cap.n_deliver, 1);
	CU_ASSERT_EQUAL(cap.dlen[0], 0);
	rc_srp_destroy(srp);
}

static void test_backlog_frames_estimate_covers_queued_bytes(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	CU_ASSERT_EQUAL(rc_sendq_backlog_frames(srp), 0);
	for (unsigned int i = 0; i < 30; i++)
		queue(srp, i, 100, RC_GUARANTEE_AGREED);
	/* 30 * 116 bytes: 3 frames */
	CU_ASSERT_EQUAL(rc_sendq_backlog_frames(srp), 3);
	build(srp, 1, &b);
	CU_ASSERT_EQUAL(rc_sendq_backlog_frames(srp), 2);
	rc_srp_destroy(srp);

	srp = node2();
	queue(srp, 0, 10000, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(rc_sendq_backlog_frames(srp), 7);
	build(srp, 1, &b);
	CU_ASSERT_EQUAL(rc_sendq_backlog_frames(srp), 6);
	rc_srp_destroy(srp);
}

/* ---- WAKE ---------------------------------------------------------------- */

static void give_token(struct rc_srp *srp, uint32_t token_seq, uint16_t flags)
{
	struct rc_token t = { .token_seq = token_seq, .flags = flags };
	uint8_t f[RC_WIRE_TOKEN_MAX];
	size_t len;

	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, 1, 1, RING_SEQ);
	len = rc_wire_put_token(f, &t);
	CU_ASSERT_EQUAL_FATAL(rc_srp_recv(srp, f, len, T0), 0);
}

static void test_message_on_an_idle_ring_wakes_the_representative_once(void)
{
	struct rc_srp *srp = node2();
	struct rc_srp_stats st;

	pool_init();
	give_token(srp, 1, RC_TF_IDLE);
	CU_ASSERT_EQUAL(cap.n_send, 1);
	queue(srp, 0, 10, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL_FATAL(cap.n_send, 2);
	CU_ASSERT_EQUAL(cap.dst[1], 1);
	queue(srp, 1, 10, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(cap.n_send, 2);
	rc_srp_stats_get(srp, &st);
	CU_ASSERT_EQUAL(st.wakes_tx, 1);
	rc_srp_destroy(srp);
}

static void test_message_on_a_busy_ring_sends_no_wake(void)
{
	struct rc_srp *srp = node2();

	pool_init();
	queue(srp, 0, 10, RC_GUARANTEE_AGREED);
	give_token(srp, 1, 0);
	CU_ASSERT_EQUAL(cap.n_send, 2);		/* the frame, the token */
	queue(srp, 1, 10, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(cap.n_send, 2);
	rc_srp_destroy(srp);
}

static void test_mcast_first_goes_ahead_of_queued_messages(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 10, RC_GUARANTEE_AGREED);
	queue(srp, 1, 10, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL_FATAL(rc_srp_mcast_first(srp, msg(2), 20, RC_GUARANTEE_AGREED,
						 (void *)(uintptr_t)msg(2), T0), 0);
	build(srp, 1, &b);
	CU_ASSERT_EQUAL_FATAL(b.n, 3);
	CU_ASSERT_EQUAL(b.c[0].len, 20);	/* the first-queued one leads */
	CU_ASSERT_EQUAL(memcmp(b.c[0].data, msg(2), 20), 0);
	CU_ASSERT_EQUAL(memcmp(b.c[1].data, msg(0), 10), 0);
	CU_ASSERT_EQUAL(memcmp(b.c[2].data, msg(1), 10), 0);
	CU_ASSERT_EQUAL_FATAL(cap.n_sent, 3);
	CU_ASSERT_PTR_EQUAL(cap.cookie[0], msg(2));
	rc_srp_destroy(srp);
}

/*
 * A partly framed head keeps its place, and the first message goes right
 * after it, ahead of the rest. It used to be refused (-EBUSY), and the
 * daemon then queued the CPG group sync at the tail, behind client messages
 * it must precede.
 */
static void test_mcast_first_goes_right_after_a_partly_sent_message(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 4000, RC_GUARANTEE_AGREED);
	queue(srp, 1, 10, RC_GUARANTEE_AGREED);
	build(srp, 1, &b);			/* message 0 is now partly framed */
	CU_ASSERT_EQUAL(rc_srp_mcast_first(srp, msg(2), 20, RC_GUARANTEE_AGREED, NULL, T0), 0);
	build(srp, 2, &b);
	CU_ASSERT_EQUAL_FATAL(b.n, 1);		/* more of 0 */
	CU_ASSERT_EQUAL(b.c[0].flags & RC_CF_LAST, 0);
	build(srp, 3, &b);
	CU_ASSERT_EQUAL_FATAL(b.n, 3);		/* the rest of 0, then 2, then 1 */
	CU_ASSERT_EQUAL(b.c[0].flags & RC_CF_LAST, RC_CF_LAST);
	CU_ASSERT_EQUAL(b.c[1].len, 20);
	CU_ASSERT_EQUAL(memcmp(b.c[1].data, msg(2), 20), 0);
	CU_ASSERT_EQUAL(memcmp(b.c[2].data, msg(1), 10), 0);
	CU_ASSERT_EQUAL(rc_srp_mcast_first(srp, msg(1), 10, (enum rc_guarantee)9, NULL, T0),
			-EINVAL);
	CU_ASSERT_EQUAL(rc_srp_mcast_first(srp, pool, MAX_MSG + 1, RC_GUARANTEE_AGREED,
					   NULL, T0), -EMSGSIZE);
	rc_srp_destroy(srp);
}

static void test_mcast_first_on_an_empty_or_full_queue(void)
{
	struct rc_srp_config c;
	struct rc_srp *srp;
	struct built b;

	ring_config(&c, 2);
	c.send_queue_len = 16;
	srp = node_with(&c);
	pool_init();
	CU_ASSERT_EQUAL(rc_srp_mcast_first(srp, msg(0), 10, RC_GUARANTEE_SAFE, NULL, T0), 0);
	/* ordinary messages fill the queue but for the entries kept for "first" */
	for (unsigned int i = 1; i < 12; i++)
		queue(srp, i, 10, RC_GUARANTEE_AGREED);
	CU_ASSERT_EQUAL(rc_srp_mcast(srp, msg(12), 10, RC_GUARANTEE_AGREED, NULL, T0), -EAGAIN);
	/* a full queue for clients still takes the group sync, first */
	CU_ASSERT_EQUAL(rc_srp_mcast_first(srp, msg(13), 10, RC_GUARANTEE_AGREED, NULL, T0), 0);
	for (unsigned int i = 14; i < 17; i++)
		CU_ASSERT_EQUAL(rc_srp_mcast_first(srp, msg(i), 10, RC_GUARANTEE_AGREED,
						   NULL, T0), 0);
	CU_ASSERT_EQUAL(rc_srp_mcast_first(srp, msg(17), 10, RC_GUARANTEE_AGREED, NULL, T0),
			-EAGAIN);
	build(srp, 1, &b);
	CU_ASSERT_EQUAL_FATAL(b.n, 16);
	CU_ASSERT_EQUAL(memcmp(b.c[0].data, msg(16), 10), 0);
	CU_ASSERT_EQUAL(memcmp(b.c[3].data, msg(13), 10), 0);
	CU_ASSERT_EQUAL(b.c[4].flags & RC_CF_SAFE, RC_CF_SAFE);
	CU_ASSERT_EQUAL(memcmp(b.c[4].data, msg(0), 10), 0);
	rc_srp_destroy(srp);
}

/* ---- Zero copy ----------------------------------------------------------- */

static void queue_zc(struct rc_srp *srp, unsigned int i, uint32_t len)
{
	CU_ASSERT_EQUAL_FATAL(rc_srp_mcast_zc(srp, msg(i), len, RC_GUARANTEE_AGREED,
					      (void *)(uintptr_t)msg(i), T0), 0);
}

/* The frame as the network sees it must parse and carry msg(i) from off. */
static void check_sent_frame(unsigned int i, uint32_t off, uint32_t take)
{
	struct rc_frame_view v;
	enum rc_bad_reason why;
	struct chunk c;

	CU_ASSERT_EQUAL_FATAL(rc_wire_parse(cap.last, cap.last_len, MAX_MSG, &v, &why), 0);
	CU_ASSERT_EQUAL_FATAL(v.nchunks, 1);
	rc_wire_get_chunk(cap.last + OVH, &c.len, &c.msg_len, &c.offset, &c.flags);
	CU_ASSERT_EQUAL(c.len, take);
	CU_ASSERT_EQUAL(c.offset, off);
	CU_ASSERT_EQUAL(memcmp(cap.last + OVH + CHK, msg(i) + off, take), 0);
}

static void test_zc_frames_point_into_the_buffer_and_release_later(void)
{
	struct rc_srp *srp = node2();
	uint32_t take = PAYLOAD - CHK;

	pool_init();
	queue_zc(srp, 0, 4000);
	for (uint32_t s = 1; s <= 3; s++) {
		uint32_t want = s < 3 ? take : 4000 - 2 * take;

		CU_ASSERT_EQUAL(rc_sendq_build_frame(srp, s), RC_ZC_HDR + want);
		CU_ASSERT_PTR_EQUAL(srp->r->slot_ext[slot_idx(srp, s)], msg(0) + (s - 1) * take);
		/* no send_zc: the engine copies the frame into one buffer */
		rc_srp_send_slot(srp, s);
		check_sent_frame(0, (s - 1) * take, want);
	}
	CU_ASSERT_EQUAL(cap.n_sent, 0);		/* every node must have it first */
	CU_ASSERT_EQUAL(rc_sendq_build_frame(srp, 4), 0);
	rc_srp_destroy(srp);
}

static void test_zc_frames_go_to_send_zc_as_header_and_data(void)
{
	struct rc_srp_ops o = ops;
	struct rc_srp_config c;
	struct rc_srp *srp = NULL;

	o.send_zc = cap_send_zc;
	ring_config(&c, 2);
	memset(&cap, 0, sizeof(cap));
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(&c, &o, &cap, &srp), 0);
	pool_init();
	queue_zc(srp, 1, 2000);
	CU_ASSERT_EQUAL(rc_sendq_build_frame(srp, 1), RC_ZC_HDR + PAYLOAD - CHK);
	rc_srp_send_slot(srp, 1);
	CU_ASSERT_EQUAL(cap.n_send_zc, 1);
	CU_ASSERT_EQUAL(cap.n_send, 0);
	CU_ASSERT_EQUAL(cap.zc_hdr_len, RC_ZC_HDR);
	CU_ASSERT_PTR_EQUAL(cap.zc_data, msg(1));
	CU_ASSERT_EQUAL(cap.zc_data_len, PAYLOAD - CHK);
	check_sent_frame(1, 0, PAYLOAD - CHK);
	rc_srp_destroy(srp);
}

static void test_zc_small_message_is_copied_and_packed(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 100, RC_GUARANTEE_AGREED);
	queue_zc(srp, 1, RC_SRP_ZC_MIN - 1);
	CU_ASSERT_EQUAL(build(srp, 1, &b), OVH + 2 * CHK + 100 + RC_SRP_ZC_MIN - 1);
	CU_ASSERT_EQUAL(b.n, 2);
	CU_ASSERT(whole(&b.c[1], 1, RC_SRP_ZC_MIN - 1));
	CU_ASSERT_PTR_NULL(srp->r->slot_ext[slot_idx(srp, 1)]);
	CU_ASSERT_EQUAL(cap.n_sent, 2);
	rc_srp_destroy(srp);
}

static void test_zc_message_starts_its_own_frame(void)
{
	struct rc_srp *srp = node2();
	struct built b;

	pool_init();
	queue(srp, 0, 100, RC_GUARANTEE_AGREED);
	queue_zc(srp, 1, 1200);
	CU_ASSERT_EQUAL(build(srp, 1, &b), OVH + CHK + 100);	/* the copy alone */
	CU_ASSERT_EQUAL(rc_sendq_build_frame(srp, 2), RC_ZC_HDR + 1200);
	CU_ASSERT_PTR_EQUAL(srp->r->slot_ext[slot_idx(srp, 2)], msg(1));
	rc_srp_destroy(srp);
}

static void test_zc_ring_change_copies_payloads_and_releases(void)
{
	struct rc_srp *srp = node2();
	const uint8_t *f;

	pool_init();
	queue_zc(srp, 2, 1300);
	CU_ASSERT_EQUAL(rc_sendq_build_frame(srp, 1), RC_ZC_HDR + 1300);
	CU_ASSERT_EQUAL(cap.n_sent, 0);
	rc_srp_freeze(srp, 1);
	CU_ASSERT_EQUAL_FATAL(cap.n_sent, 1);
	CU_ASSERT_PTR_EQUAL(cap.cookie[0], msg(2));
	/* the old ring's slot holds the whole frame now */
	CU_ASSERT_PTR_NULL(srp->old->slot_ext[slot_idx(srp, 1)]);
	f = rc_ring_frame(srp, srp->old, 1);
	CU_ASSERT_EQUAL(memcmp(f + RC_ZC_HDR, msg(2), 1300), 0);
	rc_srp_destroy(srp);
}

static void test_prefix_is_the_engines_copy_and_comes_first(void)
{
	struct rc_srp *srp = node2();
	uint8_t pre[20], want[120];
	struct built b;

	pool_init();
	memset(pre, 0xab, sizeof(pre));
	CU_ASSERT_EQUAL_FATAL(rc_srp_mcast_pre(srp, pre, sizeof(pre), msg(0), 100,
					       RC_GUARANTEE_AGREED, false, NULL, T0), 0);
	memset(pre, 0, sizeof(pre));		/* the caller's copy no longer matters */
	memset(want, 0xab, 20);
	memcpy(want + 20, msg(0), 100);
	CU_ASSERT_EQUAL(build(srp, 1, &b), OVH + CHK + 120);
	CU_ASSERT_EQUAL_FATAL(b.n, 1);
	CU_ASSERT_EQUAL(b.c[0].msg_len, 120);
	CU_ASSERT_EQUAL(memcmp(b.c[0].data, want, 120), 0);
	CU_ASSERT_EQUAL(rc_srp_mcast_pre(srp, pre, RC_SRP_PRE_MAX + 1, msg(0), 10,
					 RC_GUARANTEE_AGREED, false, NULL, T0), -EINVAL);
	rc_srp_destroy(srp);
}

static void test_zc_with_prefix_copies_the_first_frame_only(void)
{
	struct rc_srp *srp = node2();
	uint32_t take = PAYLOAD - CHK;
	uint8_t pre[16];
	const uint8_t *f;

	pool_init();
	memset(pre, 0x5c, sizeof(pre));
	CU_ASSERT_EQUAL_FATAL(rc_srp_mcast_pre(srp, pre, sizeof(pre), msg(3), 4000,
					       RC_GUARANTEE_AGREED, true, NULL, T0), 0);
	CU_ASSERT_EQUAL(rc_sendq_build_frame(srp, 1), RC_ZC_HDR + take);
	CU_ASSERT_PTR_NULL(srp->r->slot_ext[slot_idx(srp, 1)]);	/* holds the prefix */
	f = slot_frame(srp, 1);
	CU_ASSERT_EQUAL(memcmp(f + RC_ZC_HDR, pre, sizeof(pre)), 0);
	CU_ASSERT_EQUAL(memcmp(f + RC_ZC_HDR + sizeof(pre), msg(3), take - sizeof(pre)), 0);
	CU_ASSERT_EQUAL(rc_sendq_build_frame(srp, 2), RC_ZC_HDR + take);
	CU_ASSERT_PTR_EQUAL(srp->r->slot_ext[slot_idx(srp, 2)], msg(3) + take - sizeof(pre));
	rc_srp_send_slot(srp, 2);
	/* on the wire: logical offset `take` (the prefix counts), the caller's bytes */
	CU_ASSERT_EQUAL_FATAL(cap.last_len, RC_ZC_HDR + take);
	CU_ASSERT_EQUAL(memcmp(cap.last + RC_ZC_HDR, msg(3) + take - sizeof(pre), take), 0);
	rc_srp_destroy(srp);
}

/* ---- Runner -------------------------------------------------------------- */


static const struct unit_test tests[] = {
	T(test_small_messages_share_a_frame_up_to_netmtu),
	T(test_frame_is_filled_to_exactly_netmtu),
	T(test_empty_queue_builds_no_frame),
	T(test_message_that_fits_a_frame_goes_whole_to_the_next_frame),
	T(test_large_message_is_split_into_contiguous_fragments),
	T(test_message_one_byte_over_a_frame_is_split_in_two),
	T(test_large_message_starts_in_the_tail_of_a_partly_filled_frame),
	T(test_large_message_does_not_start_in_a_small_tail),
	T(test_next_messages_follow_the_last_fragment_in_its_frame),
	T(test_message_of_max_msg_size_frames_completely),
	T(test_sent_is_called_once_per_message_after_its_last_byte),
	T(test_safe_message_marks_its_frames_has_safe),
	T(test_mcast_returns_eagain_when_the_queue_is_full),
	T(test_mcast_returns_emsgsize_over_max_msg_size),
	T(test_mcast_returns_einval_for_a_bad_guarantee),
	T(test_zero_length_message_is_framed_and_delivered),
	T(test_backlog_frames_estimate_covers_queued_bytes),
	T(test_message_on_an_idle_ring_wakes_the_representative_once),
	T(test_message_on_a_busy_ring_sends_no_wake),
	T(test_mcast_first_goes_ahead_of_queued_messages),
	T(test_mcast_first_goes_right_after_a_partly_sent_message),
	T(test_mcast_first_on_an_empty_or_full_queue),
	T(test_zc_frames_point_into_the_buffer_and_release_later),
	T(test_zc_frames_go_to_send_zc_as_header_and_data),
	T(test_zc_small_message_is_copied_and_packed),
	T(test_zc_message_starts_its_own_frame),
	T(test_zc_ring_change_copies_payloads_and_releases),
	T(test_prefix_is_the_engines_copy_and_comes_first),
	T(test_zc_with_prefix_copies_the_first_frame_only),
};

UNIT_TEST_MAIN("sendq", tests)
