/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness of the srp.c tests (test_srp.c, test_srp_recovery.c): node 2
 * of the ring {1, 2, 3} as one engine whose sends, deliveries and
 * membership hand-overs are captured, frame builders for what the other
 * nodes would send, and the checks every drop goes through. Everything is
 * static: each test program has its own copy.
 */
#ifndef RC_SRP_HARNESS_H
#define RC_SRP_HARNESS_H

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "srp_int.h"

#include "unit_test.h"

#define CLUSTER		7u
#define RING_SEQ	5u
#define MAX_MSG		(64u << 10)
#define T0		1000000000ull	/* a "now" that is not 0 */

#define HDR		sizeof(struct rc_wire_hdr)
#define CHK		sizeof(struct rc_wire_chunk)
#define OVH		RC_WIRE_MCAST_OVERHEAD

/* ---- Harness: one engine, its sends and deliveries captured -------------- */

#define CAP_MAX		256

struct capture {
	unsigned int n_send;
	uint32_t dst[CAP_MAX];
	uint32_t len[CAP_MAX];
	uint8_t buf[CAP_MAX][RC_NETMTU_MAX];
	unsigned int n_deliver;
	struct rc_srp_msg_info info[CAP_MAX];
	unsigned int n_sent;
	unsigned int n_memb;		/* frames handed to the membership half */
	uint8_t memb_type[CAP_MAX];
};

static struct capture cap __attribute__((unused));

static inline void cap_send(void *priv, uint32_t dst, const void *f, size_t len)
{
	struct capture *c = priv;

	CU_ASSERT_FATAL(c->n_send < CAP_MAX);
	CU_ASSERT_FATAL(len <= RC_NETMTU_MAX);
	c->dst[c->n_send] = dst;
	c->len[c->n_send] = (uint32_t)len;
	memcpy(c->buf[c->n_send], f, len);
	c->n_send++;
}

static inline void cap_deliver(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len)
{
	struct capture *c = priv;

	if (c->n_deliver < CAP_MAX)
		c->info[c->n_deliver] = *info;
	c->n_deliver++;
}

static inline void cap_sent(void *priv, void *cookie)
{
	struct capture *c = priv;

	c->n_sent++;
}

static inline void cap_memb_frame(void *priv, const struct rc_frame_view *v,
			   const void *frame, size_t len, uint64_t now)
{
	struct capture *c = priv;

	if (c->n_memb < CAP_MAX)
		c->memb_type[c->n_memb] = v->type;
	c->n_memb++;
}

static const struct rc_srp_ops ops __attribute__((unused)) = {
	.send = cap_send,
	.deliver = cap_deliver,
	.sent = cap_sent,
};

/* The same, with a membership half attached. */
static const struct rc_srp_ops memb_ops __attribute__((unused)) = {
	.send = cap_send,
	.deliver = cap_deliver,
	.sent = cap_sent,
	.memb_frame = cap_memb_frame,
};

#include "ring3.h"

static inline struct rc_srp *node_ops(const struct rc_srp_config *cfg, const struct rc_srp_ops *o)
{
	struct rc_srp *srp = NULL;

	cap.n_send = cap.n_deliver = cap.n_sent = cap.n_memb = 0;
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(cfg, o, &cap, &srp), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srp);
	return srp;
}

static inline struct rc_srp *node_with(const struct rc_srp_config *cfg)
{
	struct rc_srp *srp = NULL;

	cap.n_send = cap.n_deliver = cap.n_sent = cap.n_memb = 0;
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(cfg, &ops, &cap, &srp), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srp);
	return srp;
}

static inline struct rc_srp *node(uint32_t nodeid)
{
	struct rc_srp_config cfg;

	ring_config(&cfg, nodeid);
	return node_with(&cfg);
}

static inline struct rc_srp_stats stats(const struct rc_srp *srp)
{
	struct rc_srp_stats st;

	rc_srp_stats_get(srp, &st);
	return st;
}

static inline uint64_t bad_total(const struct rc_srp *srp)
{
	struct rc_srp_stats st = stats(srp);
	uint64_t n = 0;

	for (int i = 0; i < RC_BAD_REASONS_; i++)
		n += st.bad[i];
	return n;
}

/* ---- Frame builders ------------------------------------------------------ */

static uint8_t frame[RC_NETMTU_MAX + 64] __attribute__((unused));

static inline void wr32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

/* One whole message of `len` bytes in one frame. */
static inline size_t mcast_in(uint8_t *f, uint32_t cluster, uint32_t sender, uint32_t rep,
		       uint64_t ring_seq, uint32_t seq, uint32_t len)
{
	rc_wire_put_chunk(f + OVH, len, len, 0, RC_CF_FIRST | RC_CF_LAST, 0);
	memset(f + OVH + CHK, (int)(seq & 0xff), len);
	rc_wire_put_hdr(f, RC_FT_MCAST, cluster, sender, rep, ring_seq);
	rc_wire_put_mcast(f, seq, 1, 0, CHK + len);
	return OVH + CHK + len;
}

static inline size_t mcast(uint8_t *f, uint32_t sender, uint32_t seq)
{
	return mcast_in(f, CLUSTER, sender, 1, RING_SEQ, seq, 20);
}

static inline size_t token_in(uint8_t *f, uint32_t cluster, uint32_t sender, uint32_t rep,
		       uint64_t ring_seq, const struct rc_token *t)
{
	rc_wire_put_hdr(f, RC_FT_TOKEN, cluster, sender, rep, ring_seq);
	return rc_wire_put_token(f, t);
}

static inline size_t token(uint8_t *f, uint32_t sender, const struct rc_token *t)
{
	return token_in(f, CLUSTER, sender, 1, RING_SEQ, t);
}

static inline size_t wake_in(uint8_t *f, uint32_t cluster, uint32_t sender, uint32_t rep,
		      uint64_t ring_seq)
{
	rc_wire_put_hdr(f, RC_FT_WAKE, cluster, sender, rep, ring_seq);
	return HDR;
}

static inline size_t join(uint8_t *f)
{
	struct rc_join j = { .ring_seq = RING_SEQ, .n_proc = 3, .proc = { 1, 2, 3 } };

	rc_wire_put_hdr(f, RC_FT_JOIN, CLUSTER, 3, 1, RING_SEQ);
	return rc_wire_put_join(f, &j);
}

static inline size_t commit(uint8_t *f, uint16_t n)
{
	struct rc_commit c = { .rep = 1, .ring_seq = RING_SEQ + 1, .n_memb = n,
			       .max_msg = 1u << 20, .netmtu = RC_NETMTU_MAX };

	for (uint16_t i = 0; i < n; i++)
		c.e[i].nodeid = 1u + i;
	rc_wire_put_hdr(f, RC_FT_COMMIT, CLUSTER, 1, 1, RING_SEQ + 1);
	return rc_wire_put_commit(f, &c);
}

static inline int recv(struct rc_srp *srp, const uint8_t *f, size_t len)
{
	return rc_srp_recv(srp, f, len, T0);
}

/* A bad frame is dropped, counted once under `reason`, and changes nothing. */
#define EXPECT_DROPPED(srp, f, len, reason) do {			\
	uint64_t before_ = stats(srp).bad[reason];			\
	uint64_t total_ = bad_total(srp);				\
	unsigned int sends_ = cap.n_send, dl_ = cap.n_deliver;		\
	uint32_t aru_ = rc_srp_my_aru(srp);				\
	CU_ASSERT_EQUAL(recv((srp), (f), (len)), -EBADMSG);		\
	CU_ASSERT_EQUAL(stats(srp).bad[reason], before_ + 1);		\
	CU_ASSERT_EQUAL(bad_total(srp), total_ + 1);			\
	CU_ASSERT_EQUAL(cap.n_send, sends_);				\
	CU_ASSERT_EQUAL(cap.n_deliver, dl_);				\
	CU_ASSERT_EQUAL(rc_srp_my_aru(srp), aru_);			\
} while (0)



static inline void expect_config_rejected(const struct rc_srp_config *cfg, const char *word)
{
	const char *why = NULL;
	struct rc_srp *srp = NULL;

	CU_ASSERT_EQUAL(rc_srp_config_check(cfg, &why), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (!strstr(why, word))
		fprintf(stderr, "\n    why \"%s\" does not mention \"%s\"\n", why, word);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, word));
	CU_ASSERT_EQUAL(rc_srp_create(cfg, &ops, &cap, &srp), -EINVAL);
	CU_ASSERT_PTR_NULL(srp);
}

static inline void expect_config_accepted(const struct rc_srp_config *cfg)
{
	const char *why = "not written";

	CU_ASSERT_EQUAL(rc_srp_config_check(cfg, &why), 0);
	CU_ASSERT_PTR_NULL(why);
}

#endif /* RC_SRP_HARNESS_H */
