/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness of the membership half's tests (test_memb.c,
 * test_memb_ring.c, test_memb_merge.c), through the public rc_totem API
 * only: one engine fed hand-built frames (rc_wire_put_*) with its sends
 * captured and parsed, or two or three engines wired through a small
 * in-test network (a FIFO of frames, 10 us per hop) in virtual time, where
 * frames can be dropped and a node crashed. Every callback (ring_seq,
 * confchg, deliver) is logged in order per node. All static: each program
 * has its own copy; memb_harness_init() runs before the tests.
 */
#ifndef RC_MEMB_HARNESS_H
#define RC_MEMB_HARNESS_H

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
static struct rc_totem_config dflt __attribute__((unused));
static bool node_small_window __attribute__((unused));	/* node_new(): at most 64 frames a visit */

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

static uint64_t g_now __attribute__((unused));	/* time of the call being served */

static inline void on_send(void *priv, uint32_t dst, const void *f, size_t len);

/* The next entry of nd's callback log, cleared and stamped; NULL (counted
   as lost) once the log is full. */
static inline struct ev *ev_new(struct node *nd, enum ev_kind kind)
{
	struct ev *e;

	if (nd->n_ev == EV_MAX) {
		nd->ev_lost++;
		return NULL;
	}
	e = &nd->ev[nd->n_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->at = g_now;
	return e;
}

static inline void on_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
	struct ev *e = ev_new(priv, EV_DELIVER);

	if (!e)
		return;
	e->info = *info;
	e->len = (uint32_t)len;
	if (len >= 8) {
		memcpy(&e->from, msg, 4);
		memcpy(&e->tag, (const uint8_t *)msg + 4, 4);
		e->from = le32toh(e->from);
		e->tag = le32toh(e->tag);
	}
}

static inline void on_confchg(void *priv, const struct rc_confchg *c)
{
	struct ev *e = ev_new(priv, EV_CONFCHG);

	if (e)
		e->c = *c;
}

static inline int on_ring_seq(void *priv, uint64_t seq)
{
	struct ev *e = ev_new(priv, EV_RING_SEQ);

	if (e)
		e->ring_seq = seq;
	return 0;
}

static const struct rc_totem_ops ops __attribute__((unused)) = {
	.send = on_send,
	.deliver = on_deliver,
	.confchg = on_confchg,
	.ring_seq = on_ring_seq,
};

static inline struct node *node_new(uint32_t id, uint64_t last_ring_seq)
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

static inline void node_free(struct node *nd)
{
	if (!nd)
		return;
	rc_totem_destroy(nd->t);
	free(nd->ev);
	free(nd->out);
	free(nd);
}

static inline void out_clear(struct node *nd)
{
	nd->n_out = 0;
	nd->out_lost = 0;
}

static inline enum rc_memb_state state(const struct node *nd)
{
	return rc_totem_state(nd->t);
}

static inline struct rc_memb_stats mstats(const struct node *nd)
{
	struct rc_memb_stats ms;

	rc_totem_stats_get(nd->t, NULL, &ms);
	return ms;
}

static inline struct rc_srp_stats sstats(const struct node *nd)
{
	struct rc_srp_stats st;

	rc_totem_stats_get(nd->t, &st, NULL);
	return st;
}

static inline struct rc_ring_id ring_id(const struct node *nd, uint32_t *members, uint32_t *n)
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
static inline void walk(struct node *nd, uint64_t now)
{
	uint64_t d;

	for (int i = 0; i < 100000 && now - g_now > dflt.token_timeout_ns / 4 &&
	     (d = rc_totem_next_deadline(nd->t)) < now; i++) {
		g_now = d;
		rc_totem_timer(nd->t, d);
	}
}

static inline int feed(struct node *nd, const uint8_t *f, size_t len, uint64_t now)
{
	walk(nd, now);
	g_now = now;
	return rc_totem_recv(nd->t, f, len, now);
}

static inline void tick(struct node *nd, uint64_t now)
{
	walk(nd, now);
	g_now = now;
	rc_totem_timer(nd->t, now);
}

static inline void start(struct node *nd, uint64_t now)
{
	g_now = now;
	rc_totem_start(nd->t, now);
}

/* A started node in GATHER, its start-up JOIN already cleared. */
static inline struct node *gathering(uint32_t id)
{
	struct node *nd = node_new(id, 0);

	start(nd, T0);
	out_clear(nd);
	return nd;
}

/* ---- Captured frames ----------------------------------------------------- */

static inline bool out_view(const struct node *nd, unsigned int i, struct rc_frame_view *v)
{
	enum rc_bad_reason why;

	return i < nd->n_out &&
	       rc_wire_parse(nd->out[i].buf, nd->out[i].len, 64u << 20, v, &why) == 0;
}

static inline unsigned int out_count(const struct node *nd, uint8_t type)
{
	struct rc_frame_view v;
	unsigned int n = 0;

	for (unsigned int i = 0; i < nd->n_out; i++)
		if (out_view(nd, i, &v) && v.type == type)
			n++;
	return n;
}

/* The first (or last) captured frame of `type`; index or -1. */
static inline int out_find(const struct node *nd, uint8_t type, bool last, struct rc_frame_view *v)
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

static inline bool ids_eq(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na * sizeof(uint32_t)));
}

static inline bool ids_sorted(const uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (a[i] <= a[i - 1])
			return false;
	return true;
}

/* ---- Callback log -------------------------------------------------------- */

/* Index of the first event of `kind` at or after `from` (conf type, or -1 any). */
static inline int ev_find(const struct node *nd, enum ev_kind kind, int type, unsigned int from)
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

static inline unsigned int ev_count(const struct node *nd, enum ev_kind kind)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nd->n_ev; i++)
		n += nd->ev[i].kind == kind;
	return n;
}

/* ---- Frame builders ------------------------------------------------------ */

static uint8_t fb[FRAME_MAX] __attribute__((unused));

static inline size_t mk_join(uint8_t *f, uint32_t sender, uint32_t rep, uint64_t rseq,
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

/* A commit's message limit so far (filled entries lowered it to this). */
#define MK_COMMIT_MAX_MSG	(1u << 20)

/* A commit of ring (memb[0], rseq); entries carry no old ring. */
static inline size_t mk_commit(uint8_t *f, uint32_t sender, uint64_t rseq, uint32_t hop,
			uint32_t filled, const uint32_t *memb, uint32_t n)
{
	struct rc_commit c;

	memset(&c, 0, sizeof(c));
	c.rep = memb[0];
	c.ring_seq = rseq;
	c.hop = hop;
	c.n_memb = (uint16_t)n;
	c.filled = filled;
	c.max_msg = MK_COMMIT_MAX_MSG;
	c.netmtu = RC_NETMTU_MAX;
	for (uint32_t i = 0; i < n; i++)
		c.e[i].nodeid = memb[i];
	rc_wire_put_hdr(f, RC_FT_COMMIT, CLUSTER, sender, c.rep, rseq);
	return rc_wire_put_commit(f, &c);
}

static inline size_t mk_bare(uint8_t *f, uint8_t type, uint32_t sender, uint32_t rep, uint64_t rseq)
{
	rc_wire_put_hdr(f, type, CLUSTER, sender, rep, rseq);
	return HDR;
}

static inline size_t mk_token(uint8_t *f, uint32_t sender, uint32_t rep, uint64_t rseq)
{
	struct rc_token tok;

	memset(&tok, 0, sizeof(tok));
	tok.token_seq = 5;
	tok.seq = 3;
	tok.aru = 3;
	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, sender, rep, rseq);
	return rc_wire_put_token(f, &tok);
}

static inline size_t mk_mcast(uint8_t *f, uint32_t sender, uint32_t rep, uint64_t rseq, uint32_t seq)
{
	const uint32_t len = 20;

	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, rep, rseq);
	rc_wire_put_mcast(f, seq, 1, 0, CHK + len);
	rc_wire_put_chunk(f + OVH, len, len, 0, RC_CF_FIRST | RC_CF_LAST, 0);
	memset(f + OVH + CHK, 0x5a, len);
	return OVH + CHK + len;
}

/* One frame of any ordering/merge type, for table-driven tests. */
static inline size_t mk_typed(uint8_t *f, uint8_t type, uint32_t sender, uint32_t rep, uint64_t rseq)
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

static inline const char *type_name(uint8_t type)
{
	static const char *const names[] = { "?", "MCAST", "TOKEN", "WAKE", "JOIN",
					     "COMMIT", "MERGE" };

	return type < RC_FT_MAX_ ? names[type] : "?";
}

/* ---- Messages ------------------------------------------------------------ */

static uint8_t pool[POOL][MSG_MAX] __attribute__((unused));
static unsigned int pool_next __attribute__((unused));

/* Queue a message tagged (node id, tag) of `len` bytes. */
static inline int send_msg(struct node *nd, uint32_t tag, uint32_t len)
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
static inline unsigned int deliveries(const struct node *nd, const struct rc_ring_id *r,
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

static inline bool same_order(const struct dl *a, unsigned int na, const struct dl *b, unsigned int nb)
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

static inline void net_post(struct net *n, uint32_t src, uint32_t dst, const void *f, size_t len)
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

static inline void on_send(void *priv, uint32_t dst, const void *f, size_t len)
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

static inline struct net *net_new(uint32_t n, const uint64_t *last_ring_seq)
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

static inline void net_free(struct net *net)
{
	if (!net)
		return;
	for (uint32_t id = 1; id <= net->n; id++)
		node_free(net->node[id]);
	free(net->q);
	free(net);
}

static inline void net_start(struct net *net)
{
	g_now = net->now;
	for (uint32_t id = 1; id <= net->n; id++)
		rc_totem_start(net->node[id]->t, net->now);
}

static inline bool live(const struct node *nd)
{
	return !nd->crashed && rc_totem_state(nd->t) != RC_MEMB_STOPPED;
}

/*
 * Run the network until `done` holds (checked after every event) or until
 * t_end. Frames go first at equal times, then due timers. Returns done().
 */
static inline bool net_run(struct net *n, uint64_t t_end, bool (*done)(struct net *))
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
static inline bool all_operational(struct net *n)
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

static inline bool node1_not_operational(struct net *n)
{
	return rc_totem_state(n->node[1]->t) != RC_MEMB_OPERATIONAL;
}

/* n nodes started together, run until they share one operational ring. */
static inline struct net *cluster_up(uint32_t n)
{
	struct net *net = net_new(n, NULL);

	net_start(net);
	net->want = n;
	CU_ASSERT_FATAL(net_run(net, T0 + 1000 * MS, all_operational));
	return net;
}

/* Node 2 has agreed on {1, 2} and accepted 1's commit of ring (1, 4). */
static inline struct node *node2_in_commit(uint64_t at)
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

#endif /* RC_MEMB_HARNESS_H */
