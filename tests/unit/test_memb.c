/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/memb/memb.c, the membership half, through the public
 * rc_totem API only. One engine is fed hand-built frames (rc_wire_put_*) and
 * its sends are captured and parsed; or two or three engines are wired to
 * each other through a small in-test network (a FIFO of frames, 10 us per
 * hop) with virtual time, where frames can be dropped and a node crashed.
 * Every callback (ring_seq, confchg, deliver) is logged in order per node so
 * that tests can check what came before what.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "srp_int.h"
#include "totem.h"

#include "unit_test.h"

#define CLUSTER		7u
#define T0		1000000000ull	/* a "now" that is not 0 */
#define US		1000ull
#define MS		(1000ull * US)
#define LAT		(10 * US)	/* one network hop */

#define HDR		sizeof(struct rc_wire_hdr)
#define CHK		sizeof(struct rc_wire_chunk)
#define OVH		RC_WIRE_MCAST_OVERHEAD

#define FRAME_MAX	1536		/* >= default netmtu */
#define OUT_MAX		512
#define EV_MAX		4096
#define NET_MAX		3
#define QMAX		4096
#define POOL		1024
#define MSG_MAX		1024

/* Defaults from rc_totem_config_defaults(), read once. */
static struct rc_totem_config dflt;
static bool node_small_window;	/* node_new(): at most 64 frames a visit */

#define IDS(...)	(const uint32_t[]){ __VA_ARGS__ }, \
			(uint32_t)(sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))
#define NONE		NULL, 0

/* ---- Harness: nodes with captured sends and an ordered callback log ------ */

struct out_frame {
	uint32_t dst;
	uint32_t len;
	uint8_t buf[FRAME_MAX];
};

enum ev_kind {
	EV_RING_SEQ = 1,
	EV_CONFCHG,
	EV_DELIVER,
};

struct ev {
	enum ev_kind kind;
	uint64_t at;
	uint64_t ring_seq;		/* EV_RING_SEQ */
	struct rc_confchg c;		/* EV_CONFCHG */
	struct rc_srp_msg_info info;	/* EV_DELIVER */
	uint32_t len, from, tag;	/* EV_DELIVER: first 8 bytes of the message */
};

struct net;

struct node {
	struct rc_totem *t;
	uint32_t id;
	struct net *net;
	bool crashed;			/* the network neither calls nor hears it */
	unsigned int n_out, out_lost;
	struct out_frame *out;
	unsigned int n_ev, ev_lost;
	struct ev *ev;
};

static uint64_t g_now;			/* time of the call being served */

static void on_send(void *priv, uint32_t dst, const void *f, size_t len);

static void on_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
	struct node *nd = priv;
	struct ev *e;

	if (nd->n_ev == EV_MAX) {
		nd->ev_lost++;
		return;
	}
	e = &nd->ev[nd->n_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = EV_DELIVER;
	e->at = g_now;
	e->info = *info;
	e->len = (uint32_t)len;
	if (len >= 8) {
		memcpy(&e->from, msg, 4);
		memcpy(&e->tag, (const uint8_t *)msg + 4, 4);
		e->from = le32toh(e->from);
		e->tag = le32toh(e->tag);
	}
}

static void on_confchg(void *priv, const struct rc_confchg *c)
{
	struct node *nd = priv;
	struct ev *e;

	if (nd->n_ev == EV_MAX) {
		nd->ev_lost++;
		return;
	}
	e = &nd->ev[nd->n_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = EV_CONFCHG;
	e->at = g_now;
	e->c = *c;
}

static int on_ring_seq(void *priv, uint64_t seq)
{
	struct node *nd = priv;
	struct ev *e;

	if (nd->n_ev == EV_MAX) {
		nd->ev_lost++;
		return 0;
	}
	e = &nd->ev[nd->n_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = EV_RING_SEQ;
	e->at = g_now;
	e->ring_seq = seq;
	return 0;
}

static const struct rc_totem_ops ops = {
	.send = on_send,
	.deliver = on_deliver,
	.confchg = on_confchg,
	.ring_seq = on_ring_seq,
};

static struct node *node_new(uint32_t id, uint64_t last_ring_seq)
{
	struct rc_totem_config cfg;
	struct node *nd = calloc(1, sizeof(*nd));

	CU_ASSERT_PTR_NOT_NULL_FATAL(nd);
	nd->id = id;
	nd->out = calloc(OUT_MAX, sizeof(*nd->out));
	nd->ev = calloc(EV_MAX, sizeof(*nd->ev));
	CU_ASSERT_PTR_NOT_NULL_FATAL(nd->out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nd->ev);
	rc_totem_config_defaults(&cfg);
	if (node_small_window) {	/* a message takes more than one visit */
		cfg.srp.window_size = cfg.srp.max_messages = 64;
		cfg.srp.rtr_slots = 256;
		cfg.srp.accel_window = 0;
	}
	cfg.srp.cluster_id = CLUSTER;
	cfg.srp.nodeid = id;
	cfg.last_ring_seq = last_ring_seq;
	CU_ASSERT_EQUAL_FATAL(rc_totem_create(&cfg, &ops, nd, &nd->t), 0);
	return nd;
}

static void node_free(struct node *nd)
{
	if (!nd)
		return;
	rc_totem_destroy(nd->t);
	free(nd->ev);
	free(nd->out);
	free(nd);
}

static void out_clear(struct node *nd)
{
	nd->n_out = 0;
	nd->out_lost = 0;
}

static enum rc_memb_state state(const struct node *nd)
{
	return rc_totem_state(nd->t);
}

static struct rc_memb_stats mstats(const struct node *nd)
{
	struct rc_memb_stats ms;

	rc_totem_stats_get(nd->t, NULL, &ms);
	return ms;
}

static struct rc_srp_stats sstats(const struct node *nd)
{
	struct rc_srp_stats st;

	rc_totem_stats_get(nd->t, &st, NULL);
	return st;
}

static struct rc_ring_id ring_id(const struct node *nd, uint32_t *members, uint32_t *n)
{
	struct rc_ring_id id;
	uint32_t m[RC_TOTEM_MAX_NODES], k;

	rc_totem_ring(nd->t, &id, members ? members : m, n ? n : &k);
	return id;
}

/*
 * A running driver calls the engine at every deadline on the way to `now`;
 * time that jumps past them by more than token_timeout / 2 is a pause (the
 * membership half detects it). Shorter jumps are taken as they are.
 */
static void walk(struct node *nd, uint64_t now)
{
	uint64_t d;

	for (int i = 0; i < 100000 && now - g_now > dflt.token_timeout_ns / 4 &&
	     (d = rc_totem_next_deadline(nd->t)) < now; i++) {
		g_now = d;
		rc_totem_timer(nd->t, d);
	}
}

static int feed(struct node *nd, const uint8_t *f, size_t len, uint64_t now)
{
	walk(nd, now);
	g_now = now;
	return rc_totem_recv(nd->t, f, len, now);
}

static void tick(struct node *nd, uint64_t now)
{
	walk(nd, now);
	g_now = now;
	rc_totem_timer(nd->t, now);
}

static void start(struct node *nd, uint64_t now)
{
	g_now = now;
	rc_totem_start(nd->t, now);
}

/* A started node in GATHER, its start-up JOIN already cleared. */
static struct node *gathering(uint32_t id)
{
	struct node *nd = node_new(id, 0);

	start(nd, T0);
	out_clear(nd);
	return nd;
}

/* ---- Captured frames ----------------------------------------------------- */

static bool out_view(const struct node *nd, unsigned int i, struct rc_frame_view *v)
{
	enum rc_bad_reason why;

	return i < nd->n_out &&
	       rc_wire_parse(nd->out[i].buf, nd->out[i].len, 64u << 20, v, &why) == 0;
}

static unsigned int out_count(const struct node *nd, uint8_t type)
{
	struct rc_frame_view v;
	unsigned int n = 0;

	for (unsigned int i = 0; i < nd->n_out; i++)
		if (out_view(nd, i, &v) && v.type == type)
			n++;
	return n;
}

/* The first (or last) captured frame of `type`; index or -1. */
static int out_find(const struct node *nd, uint8_t type, bool last, struct rc_frame_view *v)
{
	int found = -1;

	for (unsigned int i = 0; i < nd->n_out; i++) {
		if (out_view(nd, i, v) && v->type == type) {
			found = (int)i;
			if (!last)
				break;
		}
	}
	if (found >= 0)
		out_view(nd, (unsigned int)found, v);
	return found;
}

static bool ids_eq(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na * sizeof(uint32_t)));
}

static bool ids_sorted(const uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (a[i] <= a[i - 1])
			return false;
	return true;
}

/* ---- Callback log -------------------------------------------------------- */

/* Index of the first event of `kind` at or after `from` (conf type, or -1 any). */
static int ev_find(const struct node *nd, enum ev_kind kind, int type, unsigned int from)
{
	for (unsigned int i = from; i < nd->n_ev; i++) {
		if (nd->ev[i].kind != kind)
			continue;
		if (kind == EV_CONFCHG && type >= 0 && nd->ev[i].c.type != (enum rc_conf_type)type)
			continue;
		return (int)i;
	}
	return -1;
}

static unsigned int ev_count(const struct node *nd, enum ev_kind kind)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nd->n_ev; i++)
		n += nd->ev[i].kind == kind;
	return n;
}

/* ---- Frame builders ------------------------------------------------------ */

static uint8_t fb[FRAME_MAX];

static size_t mk_join(uint8_t *f, uint32_t sender, uint32_t rep, uint64_t rseq,
		      uint64_t jseq, const uint32_t *proc, uint32_t np,
		      const uint32_t *failed, uint32_t nf)
{
	struct rc_join j;

	memset(&j, 0, sizeof(j));
	j.ring_seq = jseq;
	j.n_proc = (uint16_t)np;
	j.n_failed = (uint16_t)nf;
	if (np)
		memcpy(j.proc, proc, np * sizeof(uint32_t));
	if (nf)
		memcpy(j.failed, failed, nf * sizeof(uint32_t));
	rc_wire_put_hdr(f, RC_FT_JOIN, CLUSTER, sender, rep, rseq);
	return rc_wire_put_join(f, &j);
}

/* A commit of ring (memb[0], rseq); entries carry no old ring. */
static size_t mk_commit(uint8_t *f, uint32_t sender, uint64_t rseq, uint32_t hop,
			uint32_t filled, const uint32_t *memb, uint32_t n)
{
	struct rc_commit c;

	memset(&c, 0, sizeof(c));
	c.rep = memb[0];
	c.ring_seq = rseq;
	c.hop = hop;
	c.n_memb = (uint16_t)n;
	c.filled = filled;
	for (uint32_t i = 0; i < n; i++)
		c.e[i].nodeid = memb[i];
	rc_wire_put_hdr(f, RC_FT_COMMIT, CLUSTER, sender, c.rep, rseq);
	return rc_wire_put_commit(f, &c);
}

static size_t mk_bare(uint8_t *f, uint8_t type, uint32_t sender, uint32_t rep, uint64_t rseq)
{
	rc_wire_put_hdr(f, type, CLUSTER, sender, rep, rseq);
	return HDR;
}

static size_t mk_token(uint8_t *f, uint32_t sender, uint32_t rep, uint64_t rseq)
{
	struct rc_token tok;

	memset(&tok, 0, sizeof(tok));
	tok.token_seq = 5;
	tok.seq = 3;
	tok.aru = 3;
	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, sender, rep, rseq);
	return rc_wire_put_token(f, &tok);
}

static size_t mk_mcast(uint8_t *f, uint32_t sender, uint32_t rep, uint64_t rseq, uint32_t seq)
{
	const uint32_t len = 20;

	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, rep, rseq);
	rc_wire_put_mcast(f, seq, 1, 0, CHK + len);
	rc_wire_put_chunk(f + OVH, len, len, 0, RC_CF_FIRST | RC_CF_LAST, 0);
	memset(f + OVH + CHK, 0x5a, len);
	return OVH + CHK + len;
}

/* One frame of any ordering/merge type, for table-driven tests. */
static size_t mk_typed(uint8_t *f, uint8_t type, uint32_t sender, uint32_t rep, uint64_t rseq)
{
	switch (type) {
	case RC_FT_MCAST:
		return mk_mcast(f, sender, rep, rseq, 1);
	case RC_FT_TOKEN:
		return mk_token(f, sender, rep, rseq);
	default:
		return mk_bare(f, type, sender, rep, rseq);
	}
}

static const char *type_name(uint8_t type)
{
	static const char *const names[] = { "?", "MCAST", "TOKEN", "WAKE", "JOIN",
					     "COMMIT", "MERGE" };

	return type < RC_FT_MAX_ ? names[type] : "?";
}

/* ---- Messages ------------------------------------------------------------ */

static uint8_t pool[POOL][MSG_MAX];
static unsigned int pool_next;

/* Queue a message tagged (node id, tag) of `len` bytes. */
static int send_msg(struct node *nd, uint32_t tag, uint32_t len)
{
	uint8_t *m = pool[pool_next++ % POOL];
	uint32_t w;

	if (len < 8 || len > MSG_MAX)
		return -EINVAL;
	memset(m, (int)(tag & 0xff), len);
	w = htole32(nd->id);
	memcpy(m, &w, 4);
	w = htole32(tag);
	memcpy(m + 4, &w, 4);
	return rc_totem_mcast(nd->t, m, len, RC_GUARANTEE_AGREED, m, g_now);
}

struct dl {
	uint32_t from, tag;
	int recovered;
	unsigned int ev;
};

/* Application deliveries of ring `r` (any ring if NULL), in order. */
static unsigned int deliveries(const struct node *nd, const struct rc_ring_id *r,
			       struct dl *out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nd->n_ev && n < max; i++) {
		const struct ev *e = &nd->ev[i];

		if (e->kind != EV_DELIVER)
			continue;
		if (r && (e->info.ring_rep != r->rep || e->info.ring_seq != r->seq))
			continue;
		out[n].from = e->from;
		out[n].tag = e->tag;
		out[n].recovered = e->info.recovered;
		out[n].ev = i;
		n++;
	}
	return n;
}

static bool same_order(const struct dl *a, unsigned int na, const struct dl *b, unsigned int nb)
{
	if (na != nb)
		return false;
	for (unsigned int i = 0; i < na; i++)
		if (a[i].from != b[i].from || a[i].tag != b[i].tag)
			return false;
	return true;
}

/* ---- The in-test network ------------------------------------------------- */

struct qent {
	uint64_t at;
	uint32_t src, dst, len;
	uint8_t buf[FRAME_MAX];
};

typedef bool (*drop_fn)(struct net *n, uint32_t src, uint32_t dst,
			const uint8_t *f, uint32_t len);

struct net {
	struct node *node[NET_MAX + 1];	/* by nodeid 1..n */
	uint32_t n;
	uint64_t now;
	struct qent *q;
	unsigned int head, tail;	/* free-running */
	drop_fn drop;
	uint64_t dropped, overflow;
	uint32_t want;			/* members the done() predicates look for */
	uint8_t rx[FRAME_MAX];
};

static void net_post(struct net *n, uint32_t src, uint32_t dst, const void *f, size_t len)
{
	for (uint32_t id = 1; id <= n->n; id++) {
		struct qent *e;

		if (id == src || (dst && id != dst) || n->node[id]->crashed)
			continue;
		if (n->drop && n->drop(n, src, id, f, (uint32_t)len)) {
			n->dropped++;
			continue;
		}
		if (n->tail - n->head == QMAX || len > FRAME_MAX) {
			n->overflow++;
			continue;
		}
		e = &n->q[n->tail++ % QMAX];
		e->at = n->now + LAT;
		e->src = src;
		e->dst = id;
		e->len = (uint32_t)len;
		memcpy(e->buf, f, len);
	}
}

static void on_send(void *priv, uint32_t dst, const void *f, size_t len)
{
	struct node *nd = priv;

	if (nd->n_out < OUT_MAX && len <= FRAME_MAX) {
		nd->out[nd->n_out].dst = dst;
		nd->out[nd->n_out].len = (uint32_t)len;
		memcpy(nd->out[nd->n_out].buf, f, len);
		nd->n_out++;
	} else {
		nd->out_lost++;
	}
	if (nd->net && !nd->crashed)
		net_post(nd->net, nd->id, dst, f, len);
}

static struct net *net_new(uint32_t n, const uint64_t *last_ring_seq)
{
	struct net *net = calloc(1, sizeof(*net));

	CU_ASSERT_PTR_NOT_NULL_FATAL(net);
	net->q = calloc(QMAX, sizeof(*net->q));
	CU_ASSERT_PTR_NOT_NULL_FATAL(net->q);
	net->n = n;
	net->now = T0;
	g_now = T0;
	for (uint32_t id = 1; id <= n; id++) {
		net->node[id] = node_new(id, last_ring_seq ? last_ring_seq[id - 1] : 0);
		net->node[id]->net = net;
	}
	return net;
}

static void net_free(struct net *net)
{
	if (!net)
		return;
	for (uint32_t id = 1; id <= net->n; id++)
		node_free(net->node[id]);
	free(net->q);
	free(net);
}

static void net_start(struct net *net)
{
	g_now = net->now;
	for (uint32_t id = 1; id <= net->n; id++)
		rc_totem_start(net->node[id]->t, net->now);
}

static bool live(const struct node *nd)
{
	return !nd->crashed && rc_totem_state(nd->t) != RC_MEMB_STOPPED;
}

/*
 * Run the network until `done` holds (checked after every event) or until
 * t_end. Frames go first at equal times, then due timers. Returns done().
 */
static bool net_run(struct net *n, uint64_t t_end, bool (*done)(struct net *))
{
	unsigned long iter = 0;

	for (;;) {
		uint64_t next = UINT64_MAX;

		if (done && done(n))
			return true;
		if (n->head != n->tail)
			next = n->q[n->head % QMAX].at;
		for (uint32_t id = 1; id <= n->n; id++) {
			uint64_t d;

			if (n->node[id]->crashed)
				continue;
			d = rc_totem_next_deadline(n->node[id]->t);
			if (d < next)
				next = d;
		}
		if (next > t_end)
			break;
		if (next > n->now)
			n->now = next;
		g_now = n->now;
		if (++iter > 5000000ul) {
			CU_FAIL("network does not settle");
			return false;
		}
		if (n->head != n->tail && n->q[n->head % QMAX].at <= n->now) {
			struct qent *e = &n->q[n->head++ % QMAX];
			struct node *dst = n->node[e->dst];
			uint32_t len = e->len;

			memcpy(n->rx, e->buf, len);
			if (!dst->crashed)
				rc_totem_recv(dst->t, n->rx, len, n->now);
			continue;
		}
		for (uint32_t id = 1; id <= n->n; id++) {
			struct node *nd = n->node[id];

			if (!nd->crashed && rc_totem_next_deadline(nd->t) <= n->now)
				rc_totem_timer(nd->t, n->now);
		}
	}
	if (t_end > n->now)
		n->now = t_end;
	g_now = n->now;
	return done ? done(n) : true;
}

/* Every live node operational in one ring of `want` members. */
static bool all_operational(struct net *n)
{
	struct rc_ring_id first = { 0, 0 };
	bool have = false;

	for (uint32_t id = 1; id <= n->n; id++) {
		const struct node *nd = n->node[id];
		struct rc_ring_id r;
		uint32_t m[RC_TOTEM_MAX_NODES], k;

		if (!live(nd))
			continue;
		if (rc_totem_state(nd->t) != RC_MEMB_OPERATIONAL)
			return false;
		rc_totem_ring(nd->t, &r, m, &k);
		if (k != n->want)
			return false;
		if (have && (r.rep != first.rep || r.seq != first.seq))
			return false;
		first = r;
		have = true;
	}
	return have;
}

static bool node1_not_operational(struct net *n)
{
	return rc_totem_state(n->node[1]->t) != RC_MEMB_OPERATIONAL;
}

/* n nodes started together, run until they share one operational ring. */
static struct net *cluster_up(uint32_t n)
{
	struct net *net = net_new(n, NULL);

	net_start(net);
	net->want = n;
	CU_ASSERT_FATAL(net_run(net, T0 + 1000 * MS, all_operational));
	return net;
}

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

/* Node 2 has agreed on {1, 2} and accepted 1's commit of ring (1, 4). */
static struct node *node2_in_commit(uint64_t at)
{
	struct node *nd = gathering(2);
	size_t len;

	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2), NONE);
	feed(nd, fb, len, at - 1 * MS);
	out_clear(nd);
	len = mk_commit(fb, 1, 4, 1, 0x1, IDS(1, 2));
	feed(nd, fb, len, at);
	CU_ASSERT_EQUAL_FATAL(state(nd), RC_MEMB_COMMIT);
	return nd;
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

/* ---- OPERATIONAL --------------------------------------------------------- */

/* A pair up and idle; its ring id in *r. Frames are injected by hand. */
static struct net *pair_idle(struct rc_ring_id *r)
{
	struct net *net = cluster_up(2);

	net_run(net, net->now + 30 * MS, NULL);
	*r = ring_id(net->node[1], NULL, NULL);
	out_clear(net->node[1]);
	out_clear(net->node[2]);
	return net;
}

/* A member of my ring that counts me failed: we part (and merge later). */
static void test_join_of_a_member_naming_me_failed_parts_us(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_frame_view v;
	size_t len;

	out_clear(n1);
	len = mk_join(fb, 2, r.rep, r.seq, r.seq, IDS(1, 2), IDS(1));
	feed(n1, fb, len, net->now + 1 * MS);
	CU_ASSERT_FATAL(out_find(n1, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.failed, v.join.n_failed, IDS(2)));
	net_free(net);
}

static void test_operational_ignores_member_join_older_than_the_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	size_t len;

	/* A leftover of the gather that formed this ring. */
	len = mk_join(fb, 2, 0, 0, r.seq - 1, IDS(1, 2), NONE);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n1).stale, ms.stale + 1);
	CU_ASSERT_EQUAL(mstats(n1).gathers, ms.gathers);
	CU_ASSERT_EQUAL(n1->n_out, 0);
	net_free(net);
}

static void test_operational_member_join_with_newer_ring_seq_starts_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_memb_stats ms = mstats(n2);
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 1, r.rep, r.seq, r.seq + 4, IDS(1, 2), NONE);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(n2).gathers, ms.gathers + 1);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale);
	CU_ASSERT_FATAL(out_find(n2, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	CU_ASSERT(v.join.ring_seq >= r.seq + 4);	/* it learnt the higher seq */
	CU_ASSERT_EQUAL(v.ring_rep, r.rep);		/* and names its last ring */
	CU_ASSERT_EQUAL(v.ring_seq, r.seq);
	net_free(net);
}

static void test_operational_join_from_non_member_starts_gather_with_it_in_proc(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_frame_view v;
	size_t len;

	len = mk_join(fb, 3, 0, 0, 0, IDS(3), NONE);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_FATAL(out_find(n1, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 3)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	net_free(net);
}

static void test_operational_merge_from_foreign_ring_starts_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	struct rc_frame_view v;
	size_t len;

	len = mk_bare(fb, RC_FT_MERGE, 3, 3, 40);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(n1).foreign, ms.foreign + 1);
	CU_ASSERT_FATAL(out_find(n1, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 3)));
	net_free(net);
}

static void test_operational_foreign_ordering_frames_start_gather(void)
{
	static const uint8_t types[] = { RC_FT_MCAST, RC_FT_TOKEN, RC_FT_WAKE };

	for (unsigned int k = 0; k < sizeof(types); k++) {
		struct rc_ring_id r;
		struct net *net = pair_idle(&r);
		struct node *n2 = net->node[2];
		struct rc_frame_view v;
		size_t len;

		len = mk_typed(fb, types[k], 4, 4, 9);
		feed(n2, fb, len, net->now);
		if (state(n2) != RC_MEMB_GATHER)
			fprintf(stderr, "\n    foreign %s left state %d\n",
				type_name(types[k]), (int)state(n2));
		CU_ASSERT_EQUAL(state(n2), RC_MEMB_GATHER);
		CU_ASSERT_FATAL(out_find(n2, RC_FT_JOIN, true, &v) >= 0);
		CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 4)));
		net_free(net);
	}
}

static void test_operational_ignores_merge_of_its_own_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_memb_stats ms = mstats(n2);
	size_t len;

	/* The representative's own announcement, heard by a member. */
	len = mk_bare(fb, RC_FT_MERGE, 1, r.rep, r.seq);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n2).gathers, ms.gathers);
	CU_ASSERT_EQUAL(mstats(n2).foreign, ms.foreign);
	CU_ASSERT_EQUAL(n2->n_out, 0);
	net_free(net);
}

/*
 * recv_foreign() tests "member sender with ring_seq <= mine: stale" before
 * "our own ring's MERGE: ignore", so every member counts the representative's
 * periodic MERGE under memb stats `stale`, and the own-ring branch is dead
 * for members. Minor: a diagnostics counter that grows on a healthy ring.
 */
static void test_own_ring_merge_is_not_counted_stale(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	uint64_t stale = mstats(n2).stale;
	size_t len;

	/* A current announcement is not a leftover of an old ring. */
	len = mk_bare(fb, RC_FT_MERGE, 1, r.rep, r.seq);
	feed(n2, fb, len, net->now);
	CU_ASSERT_EQUAL(mstats(n2).stale, stale);
	net_free(net);
}

static void test_operational_member_frames_of_an_older_ring_are_stale(void)
{
	static const uint8_t types[] = { RC_FT_MCAST, RC_FT_TOKEN, RC_FT_WAKE, RC_FT_MERGE };
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];

	for (unsigned int k = 0; k < sizeof(types); k++) {
		struct rc_memb_stats ms = mstats(n1);
		size_t len;

		/* Same representative, earlier seq; then another rep, earlier seq. */
		len = mk_typed(fb, types[k], 2, r.rep, r.seq - 4);
		CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
		len = mk_typed(fb, types[k], 2, 2, r.seq - 1);
		CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
		if (mstats(n1).stale != ms.stale + 2)
			fprintf(stderr, "\n    old-ring %s: stale %llu -> %llu\n",
				type_name(types[k]), (unsigned long long)ms.stale,
				(unsigned long long)mstats(n1).stale);
		CU_ASSERT_EQUAL(mstats(n1).stale, ms.stale + 2);
		CU_ASSERT_EQUAL(mstats(n1).gathers, ms.gathers);
		CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
		CU_ASSERT_EQUAL(n1->n_out, 0);
	}
	net_free(net);
}

static void test_operational_member_token_of_a_newer_ring_starts_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	size_t len;

	/* 2 is in a ring after ours: ours is gone. */
	len = mk_token(fb, 2, 2, r.seq + 4);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(n1).foreign, ms.foreign + 1);
	CU_ASSERT_EQUAL(mstats(n1).stale, ms.stale);
	net_free(net);
}

static void test_operational_commit_is_stale(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_memb_stats ms = mstats(n2);
	size_t len;

	/* Older ring, this ring (a late copy), and one never agreed to. */
	len = mk_commit(fb, 1, r.seq - 4, 1, 0x1, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale + 1);
	len = mk_commit(fb, 1, r.seq, 3, 0x3, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale + 2);
	len = mk_commit(fb, 1, r.seq + 4, 1, 0x1, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n2).stale, ms.stale + 3);

	CU_ASSERT_EQUAL(state(n2), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n2).gathers, ms.gathers);
	CU_ASSERT_EQUAL(n2->n_out, 0);
	CU_ASSERT_EQUAL(ev_count(n2, EV_RING_SEQ), 1);
	net_free(net);
}

static bool drop_all(struct net *n, uint32_t src, uint32_t dst, const uint8_t *f, uint32_t len)
{
	return true;
}

static void test_operational_token_loss_enters_gather(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	uint64_t cut = net->now;
	struct rc_frame_view v;

	net->drop = drop_all;
	CU_ASSERT_FATAL(net_run(net, cut + dflt.token_timeout_ns + 5 * MS,
				node1_not_operational));
	/* The last token came at most one idle hold before the cut. */
	CU_ASSERT(net->now <= cut + dflt.token_timeout_ns);
	CU_ASSERT(net->now >= cut + dflt.token_timeout_ns - dflt.srp.hold_ns - 2 * MS);
	CU_ASSERT_EQUAL(state(net->node[1]), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(net->node[1]).token_losses, 1);
	CU_ASSERT_FATAL(out_find(net->node[1], RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.ring_seq, r.seq);
	net_free(net);
}

static void test_operational_gather_stores_no_token_of_the_old_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	uint64_t stale;
	size_t len;

	net->drop = drop_all;
	CU_ASSERT_FATAL(net_run(net, net->now + dflt.token_timeout_ns + 5 * MS,
				node1_not_operational));
	out_clear(n1);
	stale = mstats(n1).stale;
	/* A late token of the ring just left, from its member: history. */
	len = mk_token(fb, 2, r.rep, r.seq);
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(mstats(n1).stale, stale + 1);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(n1->n_out, 0);
	net_free(net);
}

static void test_leave_sends_join_failing_itself_and_stops(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n2 = net->node[2];
	struct rc_srp_stats st;
	size_t len;

	g_now = net->now;
	rc_totem_leave(n2->t, net->now);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_STOPPED);
	CU_ASSERT(n2->n_out >= 1);
	CU_ASSERT_EQUAL(out_count(n2, RC_FT_JOIN), n2->n_out);
	for (unsigned int i = 0; i < n2->n_out; i++) {
		struct rc_frame_view v;

		CU_ASSERT_FATAL(out_view(n2, i, &v));
		CU_ASSERT_EQUAL(n2->out[i].dst, 0);
		CU_ASSERT_EQUAL(v.sender, 2);
		CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
		CU_ASSERT(ids_eq(v.join.failed, v.join.n_failed, IDS(2)));
		CU_ASSERT(v.join.ring_seq >= r.seq);
	}

	/* Stopped: deaf, mute, and no more timers. */
	out_clear(n2);
	st = sstats(n2);
	len = mk_bare(fb, RC_FT_MERGE, 3, 3, 1000);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now + 1 * MS), 0);
	len = mk_join(fb, 1, r.rep, r.seq, r.seq + 10, IDS(1), NONE);
	CU_ASSERT_EQUAL(feed(n2, fb, len, net->now + 1 * MS), 0);
	CU_ASSERT_EQUAL(sstats(n2).frames_rx, st.frames_rx);
	CU_ASSERT_EQUAL(rc_totem_mcast(n2->t, "x", 1, RC_GUARANTEE_AGREED, NULL, net->now),
			-ENOTCONN);
	CU_ASSERT_EQUAL(rc_totem_next_deadline(n2->t), UINT64_MAX);
	tick(n2, net->now + 10 * dflt.token_timeout_ns);
	rc_totem_leave(n2->t, net->now + 10 * dflt.token_timeout_ns);
	CU_ASSERT_EQUAL(n2->n_out, 0);
	CU_ASSERT_EQUAL(state(n2), RC_MEMB_STOPPED);
	net_free(net);
}

static void test_leave_lets_the_other_node_reform_at_once(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	uint64_t at = net->now;
	unsigned int mark = n1->n_ev;
	int tr, rg;

	g_now = at;
	rc_totem_leave(net->node[2]->t, at);
	net->want = 1;
	CU_ASSERT_FATAL(net_run(net, at + dflt.token_timeout_ns, all_operational));
	CU_ASSERT(net->now < at + dflt.join_timeout_ns);	/* no timeout waited for */
	tr = ev_find(n1, EV_CONFCHG, RC_CONF_TRANSITIONAL, mark);
	rg = ev_find(n1, EV_CONFCHG, RC_CONF_REGULAR, mark);
	CU_ASSERT_FATAL(tr >= 0 && rg > tr);
	CU_ASSERT(ids_eq(n1->ev[tr].c.members, n1->ev[tr].c.n_members, IDS(1)));
	CU_ASSERT(ids_eq(n1->ev[tr].c.left, n1->ev[tr].c.n_left, IDS(2)));
	CU_ASSERT_EQUAL(n1->ev[tr].c.n_joined, 0);
	CU_ASSERT(ids_eq(n1->ev[rg].c.members, n1->ev[rg].c.n_members, IDS(1)));
	CU_ASSERT_EQUAL(n1->ev[rg].c.n_joined, 0);
	CU_ASSERT_EQUAL(n1->ev[rg].c.n_left, 0);
	CU_ASSERT(n1->ev[rg].c.ring.seq > r.seq);
	CU_ASSERT(mstats(n1).leaves_rx >= 1);
	CU_ASSERT_EQUAL(mstats(n1).token_losses, 0);
	net_run(net, net->now + 50 * MS, NULL);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(ev_count(n1, EV_CONFCHG), 4);		/* two rings, two each */
	net_free(net);
}

/*
 * rc_totem_leave() sends its JOIN twice so that one lost copy costs nothing.
 * A lone survivor forms its new ring inside the first copy's call; the second
 * copy then comes from a node that is no longer a member, so recv_join()
 * gathers again, aborts that ring in RECOVERY and forms another one (two ring
 * seqs persisted, gathers +2). It should be ignored like any repeated leave.
 */
static void test_duplicate_leave_does_not_form_a_second_ring(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	unsigned int mark = n1->n_ev;

	g_now = net->now;
	rc_totem_leave(net->node[2]->t, net->now);	/* sends its JOIN twice */
	net_run(net, net->now + 50 * MS, NULL);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	/* One gather, one new ring seq: the second copy says nothing new. */
	if (ev_count(n1, EV_RING_SEQ) != 2)
		fprintf(stderr, "\n    %u ring seqs handed out after the leave, want 1\n",
			ev_count(n1, EV_RING_SEQ) - 1);
	CU_ASSERT_EQUAL(ev_count(n1, EV_RING_SEQ), 2);
	CU_ASSERT_EQUAL(mstats(n1).gathers, 2);
	CU_ASSERT_EQUAL(ev_find(n1, EV_RING_SEQ, -1, mark + 1), -1);
	net_free(net);
}

/*
 * Same cause as above, on a ring of two: a leave JOIN (its sender lists
 * itself failed) from a node outside the ring, from before this ring, makes
 * recv_join() gather; the ring re-forms with the same members and delivers an
 * empty transitional/regular configuration pair.
 */
static void test_operational_ignores_a_late_leave_of_a_non_member(void)
{
	struct rc_ring_id r;
	struct net *net = pair_idle(&r);
	struct node *n1 = net->node[1];
	struct rc_memb_stats ms = mstats(n1);
	size_t len;

	/* 3 left the ring before this one (its ring seq is older) and said so. */
	len = mk_join(fb, 3, 1, r.seq - 4, r.seq - 4, IDS(1, 2, 3), IDS(3));
	CU_ASSERT_EQUAL(feed(n1, fb, len, net->now), 0);
	CU_ASSERT_EQUAL(state(n1), RC_MEMB_OPERATIONAL);
	CU_ASSERT_EQUAL(mstats(n1).gathers, ms.gathers);
	net_free(net);
}

/* ---- COMMIT and RECOVERY ------------------------------------------------- */

static void test_commit_duplicate_hop_is_ignored(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	size_t len;

	out_clear(nd);
	/* The representative retransmits what 2 already handled. */
	len = mk_commit(fb, 1, 4, 1, 0x1, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	len = mk_commit(fb, 1, 4, 2, 0x3, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(mstats(nd).commits_tx, 1);
	node_free(nd);
}

static void test_commit_second_rotation_installs_and_forwards(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct rc_frame_view v;
	size_t len;
	int i;

	out_clear(nd);
	len = mk_commit(fb, 1, 4, 3, 0x3, IDS(1, 2));
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	i = out_find(nd, RC_FT_COMMIT, false, &v);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(nd->out[i].dst, 1);
	CU_ASSERT_EQUAL(v.commit.hop, 4);
	CU_ASSERT_EQUAL(v.commit.filled, 0x3);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_COMMIT), 1);
	/* No confchg yet: that waits for recovery in the new ring. */
	CU_ASSERT_EQUAL(ev_count(nd, EV_CONFCHG), 0);

	/* Its copy again: already handled. */
	out_clear(nd);
	feed(nd, fb, len, at + 2 * MS);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	node_free(nd);
}

static void test_commit_second_rotation_needs_every_entry_filled(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	size_t len;

	out_clear(nd);
	len = mk_commit(fb, 1, 4, 3, 0x1, IDS(1, 2));
	feed(nd, fb, len, at + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_commit_is_retransmitted_until_progress(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct out_frame first = nd->out[0];
	int i;

	const uint64_t rtr = dflt.consensus_timeout_ns / 8;	/* a quarter of the commit timeout */

	out_clear(nd);
	tick(nd, at + rtr - 1);
	CU_ASSERT_EQUAL(nd->n_out, 0);
	tick(nd, at + rtr);
	CU_ASSERT_EQUAL_FATAL(nd->n_out, 1);
	CU_ASSERT_EQUAL(nd->out[0].dst, 1);
	CU_ASSERT_EQUAL(nd->out[0].len, first.len);
	CU_ASSERT_EQUAL(memcmp(nd->out[0].buf, first.buf, first.len), 0);
	/* Progress (the second rotation) ends it. */
	i = (int)mk_commit(fb, 1, 4, 3, 0x3, IDS(1, 2));
	feed(nd, fb, (size_t)i, at + rtr + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	node_free(nd);
}

static void test_commit_state_times_out_to_gather(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct rc_frame_view v;

	out_clear(nd);
	/* A commit without progress for half a consensus timeout is dead. */
	tick(nd, at + dflt.consensus_timeout_ns / 2 - 1);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	CU_ASSERT_EQUAL(out_count(nd, RC_FT_JOIN), 0);
	tick(nd, at + dflt.consensus_timeout_ns / 2);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).token_losses, 1);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2)));
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
	node_free(nd);
}

static void test_commit_state_ignores_stale_joins_and_foreign_frames(void)
{
	static const uint8_t types[] = { RC_FT_MERGE, RC_FT_MCAST, RC_FT_TOKEN, RC_FT_WAKE };
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	uint64_t stale = mstats(nd).stale;
	size_t len;

	out_clear(nd);
	/* 1's join from the gather that led to this commit. */
	len = mk_join(fb, 1, 0, 0, 0, IDS(1, 2), NONE);
	CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
	CU_ASSERT_EQUAL(mstats(nd).stale, stale + 1);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	/* Another ring is merged once this one is up, not now. */
	for (unsigned int k = 0; k < sizeof(types); k++) {
		len = mk_typed(fb, types[k], 5, 5, 100);
		CU_ASSERT_EQUAL(feed(nd, fb, len, at + 1 * MS), 0);
		CU_ASSERT_EQUAL(state(nd), RC_MEMB_COMMIT);
	}
	CU_ASSERT_EQUAL(nd->n_out, 0);
	node_free(nd);
}

static void test_commit_state_join_from_non_member_starts_gather(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	struct rc_frame_view v;
	size_t len;

	out_clear(nd);
	len = mk_join(fb, 3, 0, 0, 0, IDS(3), NONE);
	feed(nd, fb, len, at + 1 * MS);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_FATAL(out_find(nd, RC_FT_JOIN, true, &v) >= 0);
	CU_ASSERT(ids_eq(v.join.proc, v.join.n_proc, IDS(1, 2, 3)));
	node_free(nd);
}

static void test_recovery_without_a_token_goes_back_to_gather(void)
{
	const uint64_t at = T0 + 2 * MS;
	struct node *nd = node2_in_commit(at);
	const uint64_t rec = at + 1 * MS;
	size_t len;

	len = mk_commit(fb, 1, 4, 3, 0x3, IDS(1, 2));
	feed(nd, fb, len, rec);
	CU_ASSERT_EQUAL_FATAL(state(nd), RC_MEMB_RECOVERY);
	tick(nd, rec + dflt.token_timeout_ns - 1);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_RECOVERY);
	tick(nd, rec + dflt.token_timeout_ns);
	CU_ASSERT_EQUAL(state(nd), RC_MEMB_GATHER);
	CU_ASSERT_EQUAL(mstats(nd).token_losses, 1);
	CU_ASSERT_EQUAL(ev_count(nd, EV_CONFCHG), 0);
	node_free(nd);
}

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
	T(test_start_enters_gather_and_sends_a_join_of_itself),
	T(test_gather_merges_a_join_and_resends_with_both),
	T(test_gather_lowest_node_with_consensus_sends_commit_to_successor),
	T(test_gather_higher_node_with_consensus_waits_for_the_commit),
	T(test_gather_consensus_timeout_moves_a_silent_node_to_failed),
	T(test_gather_join_naming_me_failed_from_a_non_member_only_adds_it),
	T(test_join_of_a_member_naming_me_failed_parts_us),
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
	T(test_operational_ignores_member_join_older_than_the_ring),
	T(test_operational_member_join_with_newer_ring_seq_starts_gather),
	T(test_operational_join_from_non_member_starts_gather_with_it_in_proc),
	T(test_operational_merge_from_foreign_ring_starts_gather),
	T(test_operational_foreign_ordering_frames_start_gather),
	T(test_operational_ignores_merge_of_its_own_ring),
	T(test_own_ring_merge_is_not_counted_stale),
	T(test_operational_member_frames_of_an_older_ring_are_stale),
	T(test_operational_member_token_of_a_newer_ring_starts_gather),
	T(test_operational_commit_is_stale),
	T(test_operational_token_loss_enters_gather),
	T(test_operational_gather_stores_no_token_of_the_old_ring),
	T(test_leave_sends_join_failing_itself_and_stops),
	T(test_leave_lets_the_other_node_reform_at_once),
	T(test_duplicate_leave_does_not_form_a_second_ring),
	T(test_operational_ignores_a_late_leave_of_a_non_member),
	T(test_commit_duplicate_hop_is_ignored),
	T(test_commit_second_rotation_installs_and_forwards),
	T(test_commit_second_rotation_needs_every_entry_filled),
	T(test_commit_is_retransmitted_until_progress),
	T(test_commit_state_times_out_to_gather),
	T(test_commit_state_ignores_stale_joins_and_foreign_frames),
	T(test_commit_state_join_from_non_member_starts_gather),
	T(test_recovery_without_a_token_goes_back_to_gather),
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
	return unit_test_run("memb", tests, sizeof(tests) / sizeof(tests[0]));
}
