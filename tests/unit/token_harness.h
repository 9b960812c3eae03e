/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness of the token tests (test_token.c, test_token_checks.c): node 2
 * of the ring {1, 2, 3} is handed tokens from its predecessor 1 and frames
 * from 1 and 3; the token it forwards to 3 is captured from ops.send and
 * parsed back. Private to those two files.
 */
#ifndef RC_TOKEN_HARNESS_H
#define RC_TOKEN_HARNESS_H

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

static __attribute__((unused)) struct capture cap;

static __attribute__((unused)) void cap_send(void *priv, uint32_t dst, const void *f, size_t len)
{
	struct capture *c = priv;

	CU_ASSERT_FATAL(c->n_send < CAP_MAX && len <= sizeof(c->buf[0]));
	c->dst[c->n_send] = dst;
	c->len[c->n_send] = (uint32_t)len;
	memcpy(c->buf[c->n_send], f, len);
	c->n_send++;
}

static __attribute__((unused)) void cap_deliver(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len)
{
	struct capture *c = priv;

	c->n_deliver++;
}

static __attribute__((unused)) const struct rc_srp_ops ops = {
	.send = cap_send,
	.deliver = cap_deliver,
};

#include "ring3.h"

static __attribute__((unused)) struct rc_srp *node_with(const struct rc_srp_config *cfg)
{
	struct rc_srp *srp = NULL;

	cap.n_send = cap.n_deliver = 0;
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(cfg, &ops, &cap, &srp), 0);
	return srp;
}

static __attribute__((unused)) struct rc_srp *node2(void)
{
	struct rc_srp_config cfg;

	ring_config(&cfg, 2);
	return node_with(&cfg);
}

static __attribute__((unused)) struct rc_srp_stats stats(const struct rc_srp *srp)
{
	struct rc_srp_stats st;

	rc_srp_stats_get(srp, &st);
	return st;
}

static __attribute__((unused)) uint8_t frame[RC_NETMTU_MAX];
static __attribute__((unused)) uint8_t msgs[64][BIG];

/* A whole 20-byte message from `sender` in frame `seq`. */
static __attribute__((unused)) size_t mcast(uint8_t *f, uint32_t sender, uint32_t seq)
{
	rc_wire_put_chunk(f + OVH, 20, 20, 0, RC_CF_FIRST | RC_CF_LAST, 0);
	memset(f + OVH + CHK, (int)seq, 20);
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, 1, 0, CHK + 20);
	return OVH + CHK + 20;
}

static __attribute__((unused)) void feed(struct rc_srp *srp, uint32_t from, uint32_t to)
{
	for (uint32_t s = from; s <= to; s++)
		CU_ASSERT_EQUAL(rc_srp_recv(srp, frame, mcast(frame, 1, s), T0), 0);
}

/* Hand node 2 a token from its predecessor; it must be accepted. */
static __attribute__((unused)) void give(struct rc_srp *srp, const struct rc_token *t)
{
	size_t len;

	rc_wire_put_hdr(frame, RC_FT_TOKEN, CLUSTER, 1, 1, RING_SEQ);
	len = rc_wire_put_token(frame, t);
	CU_ASSERT_EQUAL_FATAL(rc_srp_recv(srp, frame, len, T0), 0);
}

static __attribute__((unused)) void queue_big(struct rc_srp *srp, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(rc_srp_mcast(srp, msgs[i], BIG, RC_GUARANTEE_AGREED,
						   NULL, T0), 0);
}

/* Index of the last frame sent to `dst`, or -1. */
static __attribute__((unused)) int last_to(uint32_t dst)
{
	for (int i = (int)cap.n_send - 1; i >= 0; i--)
		if (cap.dst[i] == dst)
			return i;
	return -1;
}

static __attribute__((unused)) void parse_sent(int i, struct rc_frame_view *v)
{
	enum rc_bad_reason why;

	CU_ASSERT_FATAL(i >= 0 && (unsigned int)i < cap.n_send);
	CU_ASSERT_EQUAL_FATAL(rc_wire_parse(cap.buf[i], cap.len[i], MAX_MSG, v, &why), 0);
}

/* The token node 2 forwarded last, parsed. */
static __attribute__((unused)) struct rc_token forwarded(void)
{
	struct rc_frame_view v;

	parse_sent(last_to(3), &v);
	CU_ASSERT_EQUAL(v.type, RC_FT_TOKEN);
	CU_ASSERT_EQUAL(v.sender, 2);
	return v.tok;
}

static __attribute__((unused)) bool listed(const struct rc_token *t, uint32_t seq)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->rtr_count; i++)
		n += t->rtr[i] == seq;
	CU_ASSERT(n <= 1);
	return n == 1;
}

/* window 100, max_messages 20, rtr_slots 4096: room for 2048 in flight. */
static __attribute__((unused)) struct rc_srp *flow_node(uint32_t max_messages)
{
	struct rc_srp_config c;

	ring_config(&c, 2);
	c.window_size = 100;
	c.max_messages = max_messages;
	c.rtr_slots = 4096;
	return node_with(&c);
}

#endif /* RC_TOKEN_HARNESS_H */
