/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rc_totem: the two halves of Totem (split.h) joined in one thread, for
 * callers that run both together — the simulator and the tests. The halves'
 * messages go through two in-process queues, in order; by default each is
 * taken as soon as the call that made it returns, and rc_totem_set_xdelay()
 * holds each back a random while, as the daemon's two threads would.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"
#include "totem.h"

/* A growable FIFO of messages, each due at a time. */
struct xq {
	struct rc_xmsg *m;
	uint64_t *due;
	uint32_t cap, head, n;
	uint64_t last_due;
};

struct rc_totem {
	struct rc_memb *m;
	struct rc_ord *o;
	struct rc_totem_ops ops;
	void *priv;
	struct xq to_ord, to_memb;
	uint64_t now;
	uint64_t xdelay_max, rng;
	bool pumping;
	struct rc_xmsg cur;		/* the message being handled */
};

static void xq_free(struct xq *q)
{
	free(q->m);
	free(q->due);
}

static int xq_grow(struct xq *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : 16;
	struct rc_xmsg *m = malloc(cap * sizeof(*m));
	uint64_t *due = malloc(cap * sizeof(*due));

	if (!m || !due) {
		free(m);
		free(due);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < q->n; i++) {
		m[i] = q->m[(q->head + i) % q->cap];
		due[i] = q->due[(q->head + i) % q->cap];
	}
	xq_free(q);
	q->m = m;
	q->due = due;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static uint64_t xdelay(struct rc_totem *t)
{
	if (!t->xdelay_max)
		return 0;
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return (t->rng * 0x2545f4914f6cdd1dull) % (t->xdelay_max + 1);
}

/* In order: a message is never due before the one ahead of it. */
static void xq_push(struct rc_totem *t, struct xq *q, const struct rc_xmsg *msg)
{
	uint64_t due = t->now + xdelay(t);

	if (q->n == q->cap && xq_grow(q) < 0)
		abort();	/* a lost command would split the halves for good */
	if (due < q->last_due)
		due = q->last_due;
	q->m[(q->head + q->n) % q->cap] = *msg;
	q->due[(q->head + q->n) % q->cap] = due;
	q->n++;
	q->last_due = due;
}

static bool xq_pop(struct xq *q, uint64_t now, struct rc_xmsg *out)
{
	if (!q->n || q->due[q->head] > now)
		return false;
	*out = q->m[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return true;
}

static uint64_t xq_next(const struct xq *q)
{
	return q->n ? q->due[q->head] : UINT64_MAX;
}

/* Hand over every message that is due, until neither half makes more. */
static void pump(struct rc_totem *t)
{
	bool more = true;

	if (t->pumping)
		return;		/* a callback called back in: the outer pump goes on */
	t->pumping = true;
	while (more) {
		more = false;
		while (xq_pop(&t->to_ord, t->now, &t->cur)) {
			rc_ord_command(t->o, &t->cur, t->now);
			more = true;
		}
		while (xq_pop(&t->to_memb, t->now, &t->cur)) {
			rc_memb_event(t->m, &t->cur, t->now);
			more = true;
		}
	}
	t->pumping = false;
}

static void to_ord(void *priv, const struct rc_xmsg *c)
{
	struct rc_totem *t = priv;

	xq_push(t, &t->to_ord, c);
}

static void to_memb(void *priv, const struct rc_xmsg *e)
{
	struct rc_totem *t = priv;

	xq_push(t, &t->to_memb, e);
}

static uint64_t last_token(void *priv)
{
	struct rc_totem *t = priv;

	return rc_ord_last_token(t->o);
}

static int ring_seq(void *priv, uint64_t seq)
{
	struct rc_totem *t = priv;

	return t->ops.ring_seq ? t->ops.ring_seq(t->priv, seq) : 0;
}

/* ---- API ---- */

int rc_totem_create(const struct rc_totem_config *cfg, const struct rc_totem_ops *ops,
		    void *priv, struct rc_totem **out)
{
	struct rc_memb_ops mo = { .cmd = to_ord, .last_token = last_token, .ring_seq = ring_seq };
	struct rc_ord_ops oo;
	struct rc_totem *t;
	int ret;

	if (!ops || !out)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ops = *ops;
	t->priv = priv;
	oo = (struct rc_ord_ops){
		.send = ops->send,
		.send_zc = ops->send_zc,
		.deliver = ops->deliver,
		.sent = ops->sent,
		.refused = ops->refused,
		.confchg = ops->confchg,
		.evt = to_memb,
		.evt_priv = t,
	};
	ret = rc_ord_create(cfg, &oo, priv, &t->o);
	if (ret == 0)
		ret = rc_memb_create(cfg, &mo, t, &t->m);
	if (ret < 0) {
		rc_totem_destroy(t);
		return ret;
	}
	*out = t;
	return 0;
}

void rc_totem_destroy(struct rc_totem *t)
{
	if (!t)
		return;
	rc_memb_destroy(t->m);
	rc_ord_destroy(t->o);
	xq_free(&t->to_ord);
	xq_free(&t->to_memb);
	free(t);
}

void rc_totem_set_xdelay(struct rc_totem *t, uint64_t max_ns, uint64_t seed)
{
	t->xdelay_max = max_ns;
	t->rng = seed | 1;
}

void rc_totem_start(struct rc_totem *t, uint64_t now)
{
	t->now = now;
	rc_memb_start(t->m, now);
	pump(t);
}

void rc_totem_leave(struct rc_totem *t, uint64_t now)
{
	t->now = now;
	rc_memb_leave(t->m, now);
	/* Leaving is immediate: the leave frames go out now, whatever the delay. */
	t->xdelay_max = 0;
	t->to_ord.last_due = 0;
	for (uint32_t i = 0; i < t->to_ord.n; i++)
		t->to_ord.due[(t->to_ord.head + i) % t->to_ord.cap] = now;
	pump(t);
}

int rc_totem_recv(struct rc_totem *t, const void *frame, size_t len, uint64_t now)
{
	int ret;

	t->now = now;
	if (rc_memb_state(t->m) == RC_MEMB_STOPPED)
		return 0;
	ret = rc_ord_recv(t->o, frame, len, now);
	pump(t);
	return ret;
}

static int stopped(const struct rc_totem *t)
{
	return rc_memb_state(t->m) == RC_MEMB_STOPPED ? -ENOTCONN : 0;
}

int rc_totem_mcast(struct rc_totem *t, const void *msg, size_t len,
		   enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	return rc_totem_mcast_pre(t, NULL, 0, msg, len, guarantee, false, cookie, now);
}

int rc_totem_mcast_pre(struct rc_totem *t, const void *pre, size_t pre_len,
		       const void *msg, size_t len, enum rc_guarantee guarantee, bool zc,
		       void *cookie, uint64_t now)
{
	t->now = now;
	return stopped(t) ?: rc_ord_mcast_pre(t->o, pre, pre_len, msg, len, guarantee, zc,
					      cookie, now);
}

int rc_totem_mcast_zc(struct rc_totem *t, const void *msg, size_t len,
		      enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	return rc_totem_mcast_pre(t, NULL, 0, msg, len, guarantee, true, cookie, now);
}

int rc_totem_mcast_first(struct rc_totem *t, const void *msg, size_t len,
			 enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	t->now = now;
	return stopped(t) ?: rc_ord_mcast_first(t->o, msg, len, guarantee, cookie, now);
}

void rc_totem_timer(struct rc_totem *t, uint64_t now)
{
	t->now = now;
	pump(t);
	if (now >= rc_memb_next_deadline(t->m))
		rc_memb_timer(t->m, now);
	pump(t);
	if (now >= rc_ord_next_deadline(t->o))
		rc_ord_timer(t->o, now);
	pump(t);
}

uint64_t rc_totem_next_deadline(const struct rc_totem *t)
{
	uint64_t d = rc_memb_next_deadline(t->m), x;

	x = rc_ord_next_deadline(t->o);
	if (x < d)
		d = x;
	x = xq_next(&t->to_ord);
	if (x < d)
		d = x;
	x = xq_next(&t->to_memb);
	return x < d ? x : d;
}

enum rc_memb_state rc_totem_state(const struct rc_totem *t)
{
	return rc_memb_state(t->m);
}

void rc_totem_ring(const struct rc_totem *t, struct rc_ring_id *id,
		   uint32_t *members, uint32_t *n_members)
{
	rc_memb_ring(t->m, id, members, n_members);
}

uint32_t rc_totem_ring_msg_limit(const struct rc_totem *t)
{
	return rc_ord_msg_limit(t->o);
}

uint32_t rc_totem_my_aru(const struct rc_totem *t)
{
	return rc_ord_my_aru(t->o);
}

void rc_totem_stats_get(const struct rc_totem *t, struct rc_srp_stats *st,
			struct rc_memb_stats *ms)
{
	if (st)
		rc_ord_stats_get(t->o, st);
	if (ms)
		rc_memb_stats_get(t->m, ms);
}
