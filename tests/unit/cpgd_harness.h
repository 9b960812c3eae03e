/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness of the CPG group module's tests (test_cpgd.c,
 * test_cpgd_ring.c): up to four rc_cpgd nodes over a fake total order. Each
 * node's ops.mcast appends to its queue (first: ahead of it); run() takes
 * queue heads round robin and delivers each to every live node of the
 * sender's partition in the same order, then gives the buffer back
 * (rc_cpgd_sent). form() plays Totem's transitional and regular confchgs.
 * Every callback is logged per node as text, checked in order (EV). All
 * static: each program has its own copy.
 */
#ifndef RC_CPGD_HARNESS_H
#define RC_CPGD_HARNESS_H

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/cpgmsg.h>

#include "cpgd.h"

#include "unit_test.h"

#if defined(__SANITIZE_ADDRESS__)
size_t __sanitizer_get_current_allocated_bytes(void);	/* the ASan runtime */
#endif

#define NN	4
#define SLOTS	8
#define QMAX	512
#define EVMAX	4096
#define EVLEN	240

struct qmsg {
	const uint8_t *buf;
	size_t len;
	void *cookie;
	uint8_t *owned;		/* a client mcast built by the test: free it */
};

struct node {
	uint32_t id;
	struct rc_cpgd *c;
	bool up;
	int part;
	uint32_t ring[NN], n_ring;
	struct qmsg q[QMAX];
	unsigned int nq;
	unsigned int mcasts;	/* accepted by ops.mcast */
	int fail_errno;		/* the next fail_count mcasts return this */
	int fail_count;
	char ev[EVMAX][EVLEN];
	unsigned int nev, rd;
	int joined_st[4];	/* last ops.joined status per slot 0..3; -1: none */
};

static struct node nodes[NN] __attribute__((unused));
static unsigned int n_nodes __attribute__((unused));
static uint64_t ring_seq __attribute__((unused));
static uint64_t seq0 __attribute__((unused));		/* partition 0's ring of the last form() */
static bool sent_first __attribute__((unused));		/* rc_cpgd_sent before delivery */

#define N(id)	(&nodes[(id) - 1])
#define C(id)	(N(id)->c)

/* ---- callbacks ---- */

static inline void ev_add(struct node *n, const char *s)
{
	CU_ASSERT_FATAL(n->nev < EVMAX);
	snprintf(n->ev[n->nev++], EVLEN, "%s", s);
}

static inline int cb_mcast(void *priv, const void *msg, size_t len, bool first, void *cookie)
{
	struct node *n = priv;

	if (n->fail_count > 0) {
		n->fail_count--;
		return -n->fail_errno;
	}
	CU_ASSERT_FATAL(n->nq < QMAX);
	if (first) {
		memmove(&n->q[1], &n->q[0], n->nq * sizeof(n->q[0]));
		n->q[0] = (struct qmsg){ msg, len, cookie, NULL };
	} else {
		n->q[n->nq] = (struct qmsg){ msg, len, cookie, NULL };
	}
	n->nq++;
	n->mcasts++;
	return 0;
}

static inline void cb_deliver(void *priv, uint32_t slot, uint32_t nodeid, uint32_t pid,
		       const void *data, size_t len)
{
	char s[EVLEN];

	snprintf(s, sizeof(s), "s%u dl %u:%u %.*s", slot, nodeid, pid, (int)len,
		 (const char *)data);
	ev_add(priv, s);
}

static inline size_t fmt_list(char *p, size_t room, const struct cpg_address *a, size_t n,
		       bool reason)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o < room; i++) {
		if (reason)
			o += (size_t)snprintf(p + o, room - o, "%s%u:%u/%u", i ? "," : "",
					      a[i].nodeid, a[i].pid, a[i].reason);
		else
			o += (size_t)snprintf(p + o, room - o, "%s%u:%u%s", i ? "," : "",
					      a[i].nodeid, a[i].pid, a[i].reason ? "!" : "");
	}
	return o < room ? o : room;
}

static inline void cb_confchg(void *priv, uint32_t slot, const struct cpg_name *group,
		       const struct cpg_address *m, size_t nm, const struct cpg_address *l,
		       size_t nl, const struct cpg_address *j, size_t nj)
{
	char s[EVLEN];
	size_t o;

	o = (size_t)snprintf(s, sizeof(s), "s%u cc %.*s m=", slot, (int)group->length,
			     group->value);
	o += fmt_list(s + o, sizeof(s) - o, m, nm, false);
	o += (size_t)snprintf(s + o, sizeof(s) - o, " l=");
	o += fmt_list(s + o, sizeof(s) - o, l, nl, true);
	o += (size_t)snprintf(s + o, sizeof(s) - o, " j=");
	fmt_list(s + o, sizeof(s) - o, j, nj, true);
	ev_add(priv, s);
}

static inline void cb_totem(void *priv, uint32_t slot, const struct rc_ring_id *ring,
		     const uint32_t *members, size_t n)
{
	char s[EVLEN];
	size_t o;

	o = (size_t)snprintf(s, sizeof(s), "s%u tt %u.%llu ", slot, ring->rep,
			     (unsigned long long)ring->seq);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "%s%u", i ? "," : "", members[i]);
	ev_add(priv, s);
}

static inline void cb_joined(void *priv, uint32_t slot, cs_error_t st)
{
	struct node *n = priv;

	if (slot < 4)
		n->joined_st[slot] = (int)st;
}

static const struct rc_cpgd_ops ops __attribute__((unused)) = {
	.mcast = cb_mcast,
	.deliver = cb_deliver,
	.confchg = cb_confchg,
	.totem = cb_totem,
	.joined = cb_joined,
};

/* ---- harness ---- */

static inline const char *ev_next(uint32_t id)
{
	struct node *n = N(id);

	return n->rd < n->nev ? n->ev[n->rd++] : "(none)";
}

#define EV(id, s)							\
	do {								\
		const char *got_ = ev_next(id);				\
		if (strcmp(got_, s))					\
			fprintf(stderr, "\n    node %u: got  \"%s\"\n"	\
				"            want \"%s\"\n",		\
				(unsigned int)(id), got_, s);		\
		CU_ASSERT_STRING_EQUAL(got_, s);			\
	} while (0)
#define EV_NONE(id)	EV(id, "(none)")

static inline void ev_skip(uint32_t id)
{
	N(id)->rd = N(id)->nev;
}

static inline struct cpg_name nm(const char *s)
{
	struct cpg_name n;

	memset(&n, 0, sizeof(n));
	n.length = (uint32_t)strlen(s);
	memcpy(n.value, s, n.length);
	return n;
}

static inline void node_create(uint32_t id)
{
	struct node *n = N(id);

	memset(n, 0, sizeof(*n));
	n->id = id;
	n->up = true;
	n->ring[0] = id;
	n->n_ring = 1;
	CU_ASSERT_FATAL(rc_cpgd_create(id, SLOTS, &ops, n, &n->c) == 0);
}

static inline void queue_drop(struct node *n)
{
	for (unsigned int i = 0; i < n->nq; i++)
		if (n->q[i].owned)
			free(n->q[i].owned);
	n->nq = 0;
}

static inline void crash(uint32_t id)
{
	struct node *n = N(id);

	queue_drop(n);
	rc_cpgd_destroy(n->c);
	n->c = NULL;
	n->up = false;
}

/* Transitional and regular confchgs on every live node, by partition. */
static inline void form(const int *part)
{
	uint32_t ids[NN], n_ids;
	uint64_t seqs[NN];

	for (int p = 0; p < NN; p++)
		seqs[p] = ++ring_seq;
	seq0 = seqs[0];
	for (unsigned int i = 0; i < n_nodes; i++)
		if (nodes[i].up)
			nodes[i].part = part ? part[i] : 0;
	for (unsigned int i = 0; i < n_nodes; i++) {
		struct node *n = &nodes[i];
		struct rc_confchg t = { .type = RC_CONF_TRANSITIONAL };
		struct rc_confchg r = { .type = RC_CONF_REGULAR };

		if (!n->up)
			continue;
		n_ids = 0;
		for (unsigned int k = 0; k < n_nodes; k++)
			if (nodes[k].up && nodes[k].part == n->part)
				ids[n_ids++] = nodes[k].id;
		t.ring = (struct rc_ring_id){ ids[0], seqs[n->part] };
		r.ring = (struct rc_ring_id){ ids[0], seqs[n->part] };
		for (uint32_t k = 0; k < n->n_ring; k++) {
			bool stays = false;

			for (uint32_t x = 0; x < n_ids; x++)
				stays |= ids[x] == n->ring[k];
			if (stays)
				t.members[t.n_members++] = n->ring[k];
			else
				t.left[t.n_left++] = n->ring[k];
		}
		for (uint32_t x = 0; x < n_ids; x++) {
			r.members[r.n_members++] = ids[x];
			bool was = false;

			for (uint32_t k = 0; k < n->n_ring; k++)
				was |= ids[x] == n->ring[k];
			if (!was)
				r.joined[r.n_joined++] = ids[x];
		}
		rc_cpgd_confchg(n->c, &t);
		rc_cpgd_confchg(n->c, &r);
		memcpy(n->ring, ids, sizeof(ids));
		n->n_ring = n_ids;
	}
}

/* Deliver the head of node id's queue to its partition. */
static inline bool step(uint32_t id)
{
	struct node *s = N(id);
	struct qmsg m;
	uint8_t *copy;

	if (!s->up || !s->nq)
		return false;
	m = s->q[0];
	memmove(&s->q[0], &s->q[1], --s->nq * sizeof(s->q[0]));
	copy = malloc(m.len ? m.len : 1);
	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, m.buf, m.len);
	if (m.owned)
		free(m.owned);
	else if (sent_first)
		rc_cpgd_sent(s->c, m.cookie);
	for (unsigned int i = 0; i < n_nodes; i++)
		if (nodes[i].up && nodes[i].part == s->part)
			rc_cpgd_deliver(nodes[i].c, id, copy, m.len);
	if (!m.owned && !sent_first && s->up)
		rc_cpgd_sent(s->c, m.cookie);
	free(copy);
	return true;
}

static inline void run(void)
{
	bool any = true;

	while (any) {
		any = false;
		for (unsigned int i = 0; i < n_nodes; i++)
			any |= step(nodes[i].id);
	}
}

static inline void cluster(unsigned int n)
{
	memset(nodes, 0, sizeof(nodes));
	n_nodes = n;
	sent_first = false;
	ring_seq = 0;
	for (uint32_t id = 1; id <= n; id++)
		node_create(id);
	form(NULL);
	run();
	for (uint32_t id = 1; id <= n; id++)
		ev_skip(id);
}

static inline void cluster_fini(void)
{
	for (unsigned int i = 0; i < n_nodes; i++)
		if (nodes[i].up)
			crash(nodes[i].id);
	n_nodes = 0;
}

/* Attach; the totem callback of a synchronised ring is dropped from the log
   (test_totem_only_after_every_sync_and_at_attach checks it). */
static inline void attach(uint32_t id, uint32_t slot, uint32_t pid)
{
	unsigned int nev = N(id)->nev;

	CU_ASSERT_EQUAL_FATAL(rc_cpgd_attach(C(id), slot, pid), 0);
	CU_ASSERT_FATAL(N(id)->nev <= nev + 1);
	N(id)->nev = nev;
}

static inline void join(uint32_t id, uint32_t slot, const char *g)
{
	struct cpg_name n = nm(g);

	CU_ASSERT_EQUAL_FATAL(rc_cpgd_join(C(id), slot, &n), CS_OK);
}

static inline void leave(uint32_t id, uint32_t slot, const char *g)
{
	struct cpg_name n = nm(g);

	CU_ASSERT_EQUAL_FATAL(rc_cpgd_leave(C(id), slot, &n), CS_OK);
}

/* A client mcast, header from rc_cpgd_mcast_hdr, queued on node id. */
static inline void client_send(uint32_t id, uint32_t slot, const char *payload)
{
	struct node *n = N(id);
	uint8_t room[200];
	size_t pl = strlen(payload), hl;
	uint8_t *buf;

	hl = rc_cpgd_mcast_hdr(n->c, slot, room, sizeof(room));
	CU_ASSERT_FATAL(hl > 0);
	buf = malloc(hl + pl);
	CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, room + sizeof(room) - hl, hl);
	memcpy(buf + hl, payload, pl);
	CU_ASSERT_FATAL(n->nq < QMAX);
	n->q[n->nq++] = (struct qmsg){ buf, hl + pl, NULL, buf };
}

/* Deliver a hand-built message to every live node of sender's partition. */
static inline void inject(uint32_t sender, const void *msg, size_t len)
{
	for (unsigned int i = 0; i < n_nodes; i++)
		if (nodes[i].up && nodes[i].part == N(sender)->part)
			rc_cpgd_deliver(nodes[i].c, sender, msg, len);
}

static inline size_t put_msg(uint8_t *p, uint8_t type, const char *g, uint32_t pid)
{
	struct rc_cpg_hdr h = { RC_CPG_MAGIC, type, (uint16_t)strlen(g), pid };

	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), g, strlen(g));
	return RC_CPG_HDR_LEN(strlen(g));
}

struct ent {
	const char *g;
	uint32_t pid;
};

static inline size_t put_sync(uint8_t *p, uint64_t seq, uint32_t rep, const struct ent *e,
		       uint32_t n)
{
	struct rc_cpg_sync sh = { seq, rep, n };
	size_t o = put_msg(p, RC_CPG_SYNC, "", 0);

	memcpy(p + o, &sh, sizeof(sh));
	o += sizeof(sh);
	for (uint32_t i = 0; i < n; i++) {
		struct rc_cpg_sync_ent w = { e[i].pid, (uint16_t)strlen(e[i].g), 0 };

		memcpy(p + o, &w, sizeof(w));
		o += sizeof(w);
		memcpy(p + o, e[i].g, strlen(e[i].g));
		o += strlen(e[i].g);
	}
	return o;
}

static inline struct rc_cpgd_stats stats(uint32_t id)
{
	struct rc_cpgd_stats st;

	rc_cpgd_stats_get(C(id), &st);
	return st;
}

/* The whole table as text: "g:1:100,1:101 h:2:5". */
static inline void table_str(uint32_t id, char *s, size_t room)
{
	struct cpg_iteration_description_t d[64];
	uint32_t n = rc_cpgd_iterate(C(id), CPG_ITERATION_ALL, NULL, d, 64);
	size_t o = 0;

	CU_ASSERT_FATAL(n <= 64);
	s[0] = 0;
	for (uint32_t i = 0; i < n && o < room; i++) {
		bool same = i && d[i].group.length == d[i - 1].group.length &&
			    !memcmp(d[i].group.value, d[i - 1].group.value, d[i].group.length);

		if (same)
			o += (size_t)snprintf(s + o, room - o, ",%u:%u", d[i].nodeid, d[i].pid);
		else
			o += (size_t)snprintf(s + o, room - o, "%s%.*s:%u:%u", i ? " " : "",
					      (int)d[i].group.length, d[i].group.value,
					      d[i].nodeid, d[i].pid);
	}
}

#define TABLE(id, expect)						\
	do {								\
		char t_[1024];						\
		table_str(id, t_, sizeof(t_));				\
		CU_ASSERT_STRING_EQUAL(t_, expect);			\
	} while (0)

#endif /* RC_CPGD_HARNESS_H */
