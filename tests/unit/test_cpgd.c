/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/cpg/ (the CPG group module): up to four rc_cpgd nodes
 * over a fake total order. Each node's ops.mcast appends to its queue (first:
 * ahead of it); run() takes queue heads round robin and delivers each to
 * every live node of the sender's partition in the same order, then gives the
 * buffer back (rc_cpgd_sent). form() plays Totem's transitional and regular
 * confchgs. Every callback is logged per node as text, checked in order.
 */
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

static struct node nodes[NN];
static unsigned int n_nodes;
static uint64_t ring_seq;
static uint64_t seq0;		/* partition 0's ring of the last form() */
static bool sent_first;		/* rc_cpgd_sent before delivery */

#define N(id)	(&nodes[(id) - 1])
#define C(id)	(N(id)->c)

/* ---- callbacks ---- */

static void ev_add(struct node *n, const char *s)
{
	CU_ASSERT_FATAL(n->nev < EVMAX);
	snprintf(n->ev[n->nev++], EVLEN, "%s", s);
}

static int cb_mcast(void *priv, const void *msg, size_t len, bool first, void *cookie)
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

static void cb_deliver(void *priv, uint32_t slot, uint32_t nodeid, uint32_t pid,
		       const void *data, size_t len)
{
	char s[EVLEN];

	snprintf(s, sizeof(s), "s%u dl %u:%u %.*s", slot, nodeid, pid, (int)len,
		 (const char *)data);
	ev_add(priv, s);
}

static size_t fmt_list(char *p, size_t room, const struct cpg_address *a, size_t n,
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

static void cb_confchg(void *priv, uint32_t slot, const struct cpg_name *group,
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

static void cb_totem(void *priv, uint32_t slot, const struct rc_ring_id *ring,
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

static void cb_joined(void *priv, uint32_t slot, cs_error_t st)
{
	struct node *n = priv;

	if (slot < 4)
		n->joined_st[slot] = (int)st;
}

static const struct rc_cpgd_ops ops = {
	.mcast = cb_mcast,
	.deliver = cb_deliver,
	.confchg = cb_confchg,
	.totem = cb_totem,
	.joined = cb_joined,
};

/* ---- harness ---- */

static const char *ev_next(uint32_t id)
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

static void ev_skip(uint32_t id)
{
	N(id)->rd = N(id)->nev;
}

static struct cpg_name nm(const char *s)
{
	struct cpg_name n;

	memset(&n, 0, sizeof(n));
	n.length = (uint32_t)strlen(s);
	memcpy(n.value, s, n.length);
	return n;
}

static void node_create(uint32_t id)
{
	struct node *n = N(id);

	memset(n, 0, sizeof(*n));
	n->id = id;
	n->up = true;
	n->ring[0] = id;
	n->n_ring = 1;
	CU_ASSERT_FATAL(rc_cpgd_create(id, SLOTS, &ops, n, &n->c) == 0);
}

static void queue_drop(struct node *n)
{
	for (unsigned int i = 0; i < n->nq; i++)
		if (n->q[i].owned)
			free(n->q[i].owned);
	n->nq = 0;
}

static void crash(uint32_t id)
{
	struct node *n = N(id);

	queue_drop(n);
	rc_cpgd_destroy(n->c);
	n->c = NULL;
	n->up = false;
}

/* Transitional and regular confchgs on every live node, by partition. */
static void form(const int *part)
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
static bool step(uint32_t id)
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

static void run(void)
{
	bool any = true;

	while (any) {
		any = false;
		for (unsigned int i = 0; i < n_nodes; i++)
			any |= step(nodes[i].id);
	}
}

static void cluster(unsigned int n)
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

static void cluster_fini(void)
{
	for (unsigned int i = 0; i < n_nodes; i++)
		if (nodes[i].up)
			crash(nodes[i].id);
	n_nodes = 0;
}

/* Attach; the totem callback of a synchronised ring is dropped from the log
   (test_totem_only_after_every_sync_and_at_attach checks it). */
static void attach(uint32_t id, uint32_t slot, uint32_t pid)
{
	unsigned int nev = N(id)->nev;

	CU_ASSERT_EQUAL_FATAL(rc_cpgd_attach(C(id), slot, pid), 0);
	CU_ASSERT_FATAL(N(id)->nev <= nev + 1);
	N(id)->nev = nev;
}

static void join(uint32_t id, uint32_t slot, const char *g)
{
	struct cpg_name n = nm(g);

	CU_ASSERT_EQUAL_FATAL(rc_cpgd_join(C(id), slot, &n), CS_OK);
}

static void leave(uint32_t id, uint32_t slot, const char *g)
{
	struct cpg_name n = nm(g);

	CU_ASSERT_EQUAL_FATAL(rc_cpgd_leave(C(id), slot, &n), CS_OK);
}

/* A client mcast, header from rc_cpgd_mcast_hdr, queued on node id. */
static void client_send(uint32_t id, uint32_t slot, const char *payload)
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
static void inject(uint32_t sender, const void *msg, size_t len)
{
	for (unsigned int i = 0; i < n_nodes; i++)
		if (nodes[i].up && nodes[i].part == N(sender)->part)
			rc_cpgd_deliver(nodes[i].c, sender, msg, len);
}

static size_t put_msg(uint8_t *p, uint8_t type, const char *g, uint32_t pid)
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

static size_t put_sync(uint8_t *p, uint64_t seq, uint32_t rep, const struct ent *e,
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

static struct rc_cpgd_stats stats(uint32_t id)
{
	struct rc_cpgd_stats st;

	rc_cpgd_stats_get(C(id), &st);
	return st;
}

/* The whole table as text: "g:1:100,1:101 h:2:5". */
static void table_str(uint32_t id, char *s, size_t room)
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

/* ---- join, leave, procdown ---- */

static void test_join_confchg_reaches_every_member_sorted(void)
{
	cluster(3);
	attach(1, 0, 100);
	attach(2, 0, 60);
	attach(2, 1, 50);
	attach(3, 2, 7);
	join(3, 2, "g");
	EV_NONE(3);			/* nothing before delivery */
	run();
	EV(3, "s2 cc g m=3:7 l= j=3:7/1");
	EV_NONE(1);
	EV_NONE(2);
	join(2, 0, "g");		/* ordered: 1:100, 2:60, 2:50 */
	join(1, 0, "g");
	join(2, 1, "g");
	run();
	for (uint32_t id = 1; id <= 3; id++)
		TABLE(id, "g:1:100,2:50,2:60,3:7");
	EV(1, "s0 cc g m=1:100,3:7 l= j=1:100/1");
	EV(1, "s0 cc g m=1:100,2:60,3:7 l= j=2:60/1");
	EV(1, "s0 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV_NONE(1);
	EV(2, "s0 cc g m=1:100,2:60,3:7 l= j=2:60/1");
	EV(2, "s0 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV(2, "s1 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV_NONE(2);
	EV(3, "s2 cc g m=1:100,3:7 l= j=1:100/1");
	EV(3, "s2 cc g m=1:100,2:60,3:7 l= j=2:60/1");
	EV(3, "s2 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV_NONE(3);
	CU_ASSERT_EQUAL(stats(2).joins, 4);
	CU_ASSERT_EQUAL(stats(2).groups, 1);
	CU_ASSERT_EQUAL(stats(2).processes, 4);
	cluster_fini();
}

static void test_leave_confchg_goes_to_members_and_the_leaver(void)
{
	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 50);
	attach(2, 1, 51);
	join(1, 0, "g");
	join(2, 0, "g");
	join(2, 1, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	leave(2, 1, "g");
	EV_NONE(2);
	client_send(1, 0, "pre");	/* ordered before the LEAVE */
	CU_ASSERT_TRUE(step(1));
	EV(1, "s0 dl 1:100 pre");
	EV(2, "s0 dl 1:100 pre");
	EV(2, "s1 dl 1:100 pre");	/* a leaving member still hears */
	run();
	EV(1, "s0 cc g m=1:100,2:50 l=2:51/2 j=");
	EV_NONE(1);
	EV(2, "s0 cc g m=1:100,2:50 l=2:51/2 j=");
	EV(2, "s1 cc g m=1:100,2:50 l=2:51/2 j=");
	EV_NONE(2);
	TABLE(1, "g:1:100,2:50");
	CU_ASSERT_EQUAL(stats(1).leaves, 1);
	/* The leaver is back to NONE: it may join again, and gets no mcast. */
	client_send(1, 0, "x");
	run();
	EV(2, "s0 dl 1:100 x");
	EV_NONE(2);
	ev_skip(1);
	join(2, 1, "g");
	run();
	EV(2, "s0 cc g m=1:100,2:50,2:51 l= j=2:51/1");
	EV(2, "s1 cc g m=1:100,2:50,2:51 l= j=2:51/1");
	cluster_fini();
}

static void test_detach_of_joined_client_is_procdown_everywhere(void)
{
	cluster(3);
	attach(1, 0, 100);
	attach(2, 3, 50);
	attach(2, 4, 60);
	join(1, 0, "g");
	join(2, 3, "g");
	join(2, 4, "g");
	run();
	for (uint32_t id = 1; id <= 3; id++)
		ev_skip(id);
	rc_cpgd_detach(C(2), 3);
	run();
	EV(1, "s0 cc g m=1:100,2:60 l=2:50/5 j=");
	EV_NONE(1);
	EV(2, "s4 cc g m=1:100,2:60 l=2:50/5 j=");
	EV_NONE(2);			/* not to the detached slot */
	EV_NONE(3);
	TABLE(3, "g:1:100,2:60");
	CU_ASSERT_EQUAL(stats(3).procdowns, 1);
	/* A leaving slot detached and reused: its LEAVE is not the new client's. */
	leave(2, 4, "g");
	rc_cpgd_detach(C(2), 4);
	attach(2, 4, 61);
	join(2, 4, "g");
	run();
	EV(1, "s0 cc g m=1:100 l=2:60/2 j=");
	EV(1, "s0 cc g m=1:100,2:61 l= j=2:61/1");
	EV(2, "s4 cc g m=1:100,2:61 l= j=2:61/1");
	EV_NONE(2);
	/* A detached slot is free: attach again, nothing from its past. */
	attach(2, 3, 70);
	rc_cpgd_detach(C(2), 4);
	rc_cpgd_detach(C(1), 0);
	run();
	TABLE(3, "");
	CU_ASSERT_EQUAL(stats(3).groups, 0);
	CU_ASSERT_EQUAL(stats(3).procdowns, 3);
	EV_NONE(2);
	cluster_fini();
}

static void test_detach_while_joining_then_rejoin_with_same_pid(void)
{
	struct cpg_name g = nm("g");

	cluster(2);
	attach(2, 0, 9);
	join(2, 0, "g");
	run();
	ev_skip(2);
	attach(1, 0, 100);
	join(1, 0, "g");
	rc_cpgd_detach(C(1), 0);	/* JOIN and PROCDOWN both queued */
	attach(1, 0, 100);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_TRY_AGAIN);
	run();
	EV(2, "s0 cc g m=1:100,2:9 l= j=1:100/1");
	EV(2, "s0 cc g m=2:9 l=1:100/5 j=");
	EV_NONE(1);			/* the new client heard nothing */
	join(1, 0, "g");
	run();
	EV(1, "s0 cc g m=1:100,2:9 l= j=1:100/1");
	EV_NONE(1);
	client_send(2, 0, "hi");
	run();
	EV(1, "s0 dl 2:9 hi");
	cluster_fini();
}

static void test_leave_while_joining_gets_both_confchgs(void)
{
	cluster(1);
	attach(1, 0, 100);
	join(1, 0, "g");
	leave(1, 0, "g");
	run();
	EV(1, "s0 cc g m=1:100 l= j=1:100/1");
	EV(1, "s0 cc g m= l=1:100/2 j=");
	EV_NONE(1);
	TABLE(1, "");
	join(1, 0, "g");		/* NONE again */
	cluster_fini();
}

/* ---- mcast ---- */

static void test_mcast_reaches_only_joined_local_members(void)
{
	cluster(2);
	attach(1, 0, 1);
	attach(1, 1, 2);
	attach(1, 2, 3);
	attach(2, 0, 50);
	join(1, 0, "A");
	join(1, 1, "B");
	join(2, 0, "A");
	run();
	ev_skip(1);
	ev_skip(2);
	join(1, 2, "A");		/* queued on node 1, not delivered */
	client_send(2, 0, "hello");
	CU_ASSERT_TRUE(step(2));
	EV(1, "s0 dl 2:50 hello");	/* not slot 1 (B), not slot 2 (joining) */
	EV_NONE(1);
	EV(2, "s0 dl 2:50 hello");	/* the sender too */
	EV_NONE(2);
	run();
	ev_skip(1);
	ev_skip(2);
	client_send(1, 2, "again");
	run();
	EV(1, "s0 dl 1:3 again");
	EV(1, "s2 dl 1:3 again");
	EV_NONE(1);
	EV(2, "s0 dl 1:3 again");
	client_send(1, 1, "b");
	run();
	EV(1, "s1 dl 1:2 b");
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(2).no_member, 1);
	CU_ASSERT_EQUAL(stats(1).delivered, 4);
	CU_ASSERT_EQUAL(stats(2).delivered, 2);
	cluster_fini();
}

static void test_mcast_hdr_ends_at_room_end(void)
{
	uint8_t room[64];
	struct rc_cpg_hdr h;
	size_t hl;

	cluster(1);
	attach(1, 0, 0x01020304);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room)), 0);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 5, room, sizeof(room)), 0);
	join(1, 0, "grp");
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, 10), 0);	/* too small */
	memset(room, 0xee, sizeof(room));
	hl = rc_cpgd_mcast_hdr(C(1), 0, room, 11);			/* exact */
	CU_ASSERT_EQUAL(hl, 11);
	memcpy(&h, room, sizeof(h));
	CU_ASSERT_EQUAL(h.magic, RC_CPG_MAGIC);
	CU_ASSERT_EQUAL(h.type, RC_CPG_MCAST);
	CU_ASSERT_EQUAL(h.name_len, 3);
	CU_ASSERT_EQUAL(h.pid, 0x01020304);
	CU_ASSERT_EQUAL(memcmp(room + 8, "grp", 3), 0);
	CU_ASSERT_EQUAL(room[11], 0xee);
	hl = rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room));
	CU_ASSERT_EQUAL(hl, 11);
	CU_ASSERT_EQUAL(room[sizeof(room) - 11], RC_CPG_MAGIC);
	CU_ASSERT_EQUAL(memcmp(room + sizeof(room) - 3, "grp", 3), 0);
	run();
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room)), 11);
	leave(1, 0, "grp");
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room)), 0);
	cluster_fini();
}

/* ---- error codes ---- */

static void test_join_error_codes(void)
{
	struct cpg_name g = nm("g"), h = nm("h"), big = nm("g");

	big.length = 129;
	cluster(1);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), SLOTS, &g), CS_ERR_BAD_HANDLE);
	attach(1, 0, 100);
	attach(1, 1, 100);
	attach(1, 2, 200);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &big), CS_ERR_NAME_TOO_LONG);
	big.length = 128;
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 2, &big), CS_OK);
	N(1)->fail_errno = EAGAIN;
	N(1)->fail_count = 1;
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, (uint8_t[16]){ 0 }, 16), 0);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_OK);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_EXIST);	/* joining */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &h), CS_ERR_EXIST);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_EXIST);	/* same pid */
	run();
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_EXIST);	/* joined */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_EXIST);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &h), CS_OK);		/* other name */
	leave(1, 0, "g");
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_TRY_AGAIN);	/* leaving */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &h), CS_ERR_TRY_AGAIN);
	rc_cpgd_detach(C(1), 1);
	attach(1, 1, 100);
	/* the slot's LEAVE of (g, 100) is in flight, whatever the slot */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_TRY_AGAIN);
	run();
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_OK);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_EXIST);
	N(1)->fail_errno = EBUSY;
	N(1)->fail_count = 1;
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &h), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, NULL), CS_ERR_INVALID_PARAM);
	cluster_fini();
}

static void test_leave_error_codes(void)
{
	struct cpg_name g = nm("g"), h = nm("h"), gg = nm("gg");

	cluster(1);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_BAD_HANDLE);
	attach(1, 0, 100);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_NOT_EXIST);	/* none */
	join(1, 0, "g");
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &h), CS_ERR_NOT_EXIST);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &gg), CS_ERR_NOT_EXIST);
	run();
	N(1)->fail_errno = EAGAIN;
	N(1)->fail_count = 1;
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_OK);	/* still joined */
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_NOT_EXIST);	/* leaving */
	run();
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_NOT_EXIST);	/* left */
	cluster_fini();
}

static void test_attach_errors(void)
{
	cluster(1);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), SLOTS, 1), -EINVAL);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 1), 0);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 1), -EBUSY);
	rc_cpgd_detach(C(1), 0);
	rc_cpgd_detach(C(1), 0);	/* harmless */
	rc_cpgd_detach(C(1), SLOTS);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 1), 0);
	CU_ASSERT_EQUAL(rc_cpgd_create(1, 0, &ops, NULL, &(struct rc_cpgd *){ NULL }), -EINVAL);
	cluster_fini();
}

/* ---- duplicates ---- */

static void test_duplicate_join_and_leave_messages_are_ignored(void)
{
	uint8_t b[64];
	size_t len;

	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 50);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	len = put_msg(b, RC_CPG_JOIN, "g", 50);
	inject(2, b, len);		/* (2, 50) is a member already */
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(1).joins, 2);
	len = put_msg(b, RC_CPG_LEAVE, "g", 51);
	inject(2, b, len);		/* not a member */
	len = put_msg(b, RC_CPG_PROCDOWN, "h", 50);
	inject(2, b, len);		/* no such group */
	EV_NONE(1);
	TABLE(1, "g:1:100,2:50");
	len = put_msg(b, RC_CPG_LEAVE, "g", 50);
	inject(2, b, len);
	EV(1, "s0 cc g m=1:100 l=2:50/2 j=");
	EV(2, "s0 cc g m=1:100 l=2:50/2 j=");
	inject(2, b, len);		/* again */
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(1).leaves, 1);
	TABLE(2, "g:1:100");
	CU_ASSERT_EQUAL(stats(1).bad, 0);
	cluster_fini();
}

/* ---- configuration changes ---- */

static void test_node_crash_is_nodedown_with_all_its_processes(void)
{
	int part[NN] = { 0 };

	cluster(3);
	attach(1, 0, 100);
	attach(2, 0, 50);
	attach(3, 0, 8);
	attach(3, 1, 7);
	attach(3, 2, 9);
	join(1, 0, "g");
	join(2, 0, "h");
	join(3, 0, "g");
	join(3, 1, "g");
	join(3, 2, "h");
	run();
	ev_skip(1);
	ev_skip(2);
	crash(3);
	form(part);
	EV(1, "s0 cc g m=1:100 l=3:7/3,3:8/3 j=");
	EV_NONE(1);
	EV(2, "s0 cc h m=2:50 l=3:9/3 j=");
	EV_NONE(2);
	TABLE(1, "g:1:100 h:2:50");
	TABLE(2, "g:1:100 h:2:50");
	run();
	EV(1, "s0 tt 1.5 1,2");
	EV(2, "s0 tt 1.5 1,2");
	EV_NONE(1);
	cluster_fini();
}

static void test_merge_is_nodeup_on_both_sides_with_same_lists(void)
{
	int split[NN] = { 0, 1 }, one[NN] = { 0 };
	struct cpg_address a[8], b[8];

	cluster(2);
	form(split);
	run();
	ev_skip(1);
	ev_skip(2);
	attach(1, 0, 100);
	attach(2, 0, 200);
	attach(2, 1, 201);
	join(1, 0, "g");
	join(2, 0, "g");
	join(2, 1, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	TABLE(1, "g:1:100");
	TABLE(2, "g:2:200,2:201");
	form(one);
	EV_NONE(1);
	EV_NONE(2);
	run();
	EV(1, "s0 cc g m=1:100,2:200,2:201 l= j=2:200/4,2:201/4");
	EV(1, "s0 tt 1.9 1,2");
	EV_NONE(1);
	EV(2, "s0 cc g m=1:100,2:200,2:201 l= j=1:100/4");
	EV(2, "s1 cc g m=1:100,2:200,2:201 l= j=1:100/4");
	EV(2, "s0 tt 1.9 1,2");
	EV(2, "s1 tt 1.9 1,2");
	EV_NONE(2);
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(1), &(struct cpg_name){ 1, "g" }, a, 8), 3);
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &(struct cpg_name){ 1, "g" }, b, 8), 3);
	CU_ASSERT_EQUAL(memcmp(a, b, 3 * sizeof(a[0])), 0);
	cluster_fini();
}

static void test_process_gone_across_a_ring_change_is_procdown_at_sync(void)
{
	int part[NN] = { 0 };

	cluster(3);
	attach(1, 0, 100);
	attach(2, 0, 50);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	rc_cpgd_detach(C(2), 0);	/* its PROCDOWN is queued, not ordered */
	crash(3);
	form(part);
	EV_NONE(1);
	CU_ASSERT_TRUE(step(1));	/* node 1's SYNC */
	EV_NONE(1);
	CU_ASSERT_TRUE(step(2));	/* node 2's SYNC, ahead of its PROCDOWN */
	EV(1, "s0 cc g m=1:100 l=2:50/5 j=");
	EV(1, "s0 tt 1.5 1,2");
	TABLE(2, "g:1:100");
	run();				/* the PROCDOWN: nothing more */
	EV_NONE(1);
	CU_ASSERT_EQUAL(stats(1).procdowns, 1);
	CU_ASSERT_EQUAL(stats(1).bad, 0);
	cluster_fini();
}

static void test_join_in_flight_across_a_ring_change_completes(void)
{
	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 200);
	join(2, 0, "g");
	run();
	ev_skip(2);
	join(1, 0, "g");		/* queued: not in the table, not in the SYNC */
	form(NULL);
	run();
	EV(1, "s0 tt 1.5 1,2");		/* the SYNCs go first */
	EV(1, "s0 cc g m=1:100,2:200 l= j=1:100/1");
	EV_NONE(1);
	EV(2, "s0 tt 1.5 1,2");
	EV(2, "s0 cc g m=1:100,2:200 l= j=1:100/1");
	EV_NONE(2);
	cluster_fini();
}

static void test_stale_sync_is_ignored(void)
{
	struct ent e[] = { { "g", 77 } };
	uint8_t b[128];
	uint64_t seq;

	cluster(2);
	attach(1, 0, 100);
	join(1, 0, "g");
	run();
	ev_skip(1);
	seq = seq0;			/* both nodes' ring: rep 1, seq */
	inject(2, b, put_sync(b, seq - 1, 1, e, 1));	/* an older ring */
	inject(2, b, put_sync(b, seq, 2, e, 1));	/* another rep */
	inject(2, b, put_sync(b, seq + 1, 1, e, 1));	/* a later one */
	rc_cpgd_deliver(C(1), 9, b, put_sync(b, seq, 1, e, 1));	/* not a member */
	inject(2, b, put_sync(b, seq, 1, e, 1));	/* node 2 synced already */
	CU_ASSERT_EQUAL(stats(1).stale_sync, 5);
	CU_ASSERT_EQUAL(stats(2).stale_sync, 4);
	CU_ASSERT_EQUAL(stats(1).bad, 0);
	EV_NONE(1);
	TABLE(1, "g:1:100");
	TABLE(2, "g:1:100");
	cluster_fini();
}

static void test_totem_only_after_every_sync_and_at_attach(void)
{
	cluster(3);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 100), 0);
	EV(1, "s0 tt 1.1 1,2,3");	/* a synchronised ring */
	attach(2, 0, 200);
	ev_skip(2);
	{
		struct rc_confchg t = { .type = RC_CONF_TRANSITIONAL, .ring = { 1, 1 },
					.n_members = 3, .members = { 1, 2, 3 } };

		rc_cpgd_confchg(C(3), &t);	/* the ring is going */
		CU_ASSERT_EQUAL(rc_cpgd_attach(C(3), 0, 300), 0);
		EV_NONE(3);
		rc_cpgd_detach(C(3), 0);
	}
	form(NULL);			/* same nodes, a new ring */
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 1, 101), 0);	/* not synchronised */
	EV_NONE(1);
	CU_ASSERT_TRUE(step(1));
	CU_ASSERT_TRUE(step(2));
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_TRUE(step(3));
	EV(1, "s0 tt 1.5 1,2,3");
	EV(1, "s1 tt 1.5 1,2,3");
	EV_NONE(1);
	EV(2, "s0 tt 1.5 1,2,3");
	EV_NONE(2);
	EV_NONE(3);			/* no client there */
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(3), 4, 300), 0);
	EV(3, "s4 tt 1.5 1,2,3");
	EV_NONE(3);
	CU_ASSERT_FALSE(step(1));	/* no second SYNC */
	cluster_fini();
}

static void test_failed_sync_is_sent_when_no_control_message_is_in_flight(void)
{
	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 200);
	ev_skip(1);
	ev_skip(2);
	join(2, 0, "g");		/* queued before the ring changes */
	N(2)->fail_errno = EBUSY;
	N(2)->fail_count = 1;
	form(NULL);
	CU_ASSERT_EQUAL(N(2)->nq, 1);	/* the JOIN only */
	run();
	/* JOIN applied before node 2's SYNC, which lists it: no PROCDOWN. */
	EV(1, "s0 tt 1.5 1,2");
	EV_NONE(1);
	EV(2, "s0 cc g m=2:200 l= j=2:200/1");
	EV(2, "s0 tt 1.5 1,2");
	EV_NONE(2);
	TABLE(1, "g:2:200");
	TABLE(2, "g:2:200");
	/* A later retry (of a PROCDOWN) sends no second SYNC. */
	attach(2, 1, 201);
	join(2, 1, "g");
	run();
	N(2)->fail_errno = EAGAIN;
	N(2)->fail_count = 1;
	rc_cpgd_detach(C(2), 1);
	client_send(2, 0, "x");
	run();
	CU_ASSERT_EQUAL(stats(1).stale_sync, 0);
	CU_ASSERT_EQUAL(stats(1).procdowns, 1);
	TABLE(1, "g:2:200");
	cluster_fini();
}

static void test_failed_procdown_is_sent_later(void)
{
	struct cpg_name g = nm("g");

	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 50);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	N(2)->fail_errno = EAGAIN;
	N(2)->fail_count = 1;
	rc_cpgd_detach(C(2), 0);
	CU_ASSERT_EQUAL(N(2)->nq, 0);
	attach(2, 0, 50);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(2), 0, &g), CS_ERR_TRY_AGAIN);
	client_send(1, 0, "tick");	/* any delivery retries it */
	run();
	EV(1, "s0 dl 1:100 tick");
	EV(1, "s0 cc g m=1:100 l=2:50/5 j=");
	EV_NONE(1);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(2), 0, &g), CS_OK);
	run();
	ev_skip(1);
	/* So does a buffer given back, with nothing delivered. */
	attach(2, 1, 51);
	join(2, 1, "h");
	CU_ASSERT_EQUAL_FATAL(N(2)->nq, 1);
	N(2)->fail_count = 1;
	rc_cpgd_detach(C(2), 0);
	CU_ASSERT_EQUAL(N(2)->nq, 1);
	rc_cpgd_sent(C(2), N(2)->q[0].cookie);
	CU_ASSERT_EQUAL(N(2)->nq, 2);
	run();
	EV(1, "s0 cc g m=1:100 l=2:50/5 j=");
	EV_NONE(1);
	cluster_fini();
}

/* ---- malformed messages ---- */

static void test_malformed_messages_are_counted_and_change_nothing(void)
{
	struct ent e[] = { { "g", 7 }, { "h", 8 } };
	uint8_t b[512], big[300];
	struct rc_cpg_hdr h;
	uint64_t seq;
	size_t len;
	unsigned int bad = 0;
	uint32_t v32;

#define BAD(buf, l)							\
	do {								\
		rc_cpgd_deliver(C(1), 2, buf, l);			\
		bad++;							\
		CU_ASSERT_EQUAL(stats(1).bad, bad);			\
	} while (0)

	cluster(2);
	attach(1, 0, 100);
	join(1, 0, "g");
	run();
	ev_skip(1);
	form(NULL);			/* node 2's SYNC not delivered yet */
	CU_ASSERT_TRUE(step(1));
	ev_skip(1);
	seq = seq0;

	BAD(NULL, 0);
	BAD(b, 0);
	len = put_msg(b, RC_CPG_JOIN, "g", 5);
	BAD(b, 7);			/* short header */
	BAD(b, len - 1);		/* truncated name */
	b[0] = 0xC6;
	BAD(b, len);			/* magic */
	put_msg(b, 0, "g", 5);
	BAD(b, len);			/* type 0 */
	put_msg(b, RC_CPG_TYPE_MAX_, "g", 5);
	BAD(b, len);
	memset(big, 'x', sizeof(big));
	h = (struct rc_cpg_hdr){ RC_CPG_MAGIC, RC_CPG_JOIN, 129, 5 };
	memcpy(big, &h, sizeof(h));
	BAD(big, sizeof(h) + 129);	/* name_len 129 */
	h.type = RC_CPG_MCAST;
	memcpy(big, &h, sizeof(h));
	BAD(big, sizeof(big));
	for (uint8_t t = RC_CPG_JOIN; t <= RC_CPG_PROCDOWN; t++) {
		len = put_msg(b, t, "g", 100);
		b[len] = 0;
		BAD(b, len + 1);	/* a body */
	}
	len = put_sync(b, seq, 1, e, 2);
	b[2] = 1;			/* name_len 1 */
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	b[4] = 1;			/* pid */
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	BAD(b, RC_CPG_HDR_LEN(0) + 15);	/* no room for the sync header */
	v32 = 0xffffffffu;		/* count overflow */
	memcpy(b + RC_CPG_HDR_LEN(0) + 12, &v32, 4);
	BAD(b, len);
	v32 = 3;			/* more entries than bytes */
	memcpy(b + RC_CPG_HDR_LEN(0) + 12, &v32, 4);
	BAD(b, len);
	v32 = 1;			/* fewer: trailing bytes */
	memcpy(b + RC_CPG_HDR_LEN(0) + 12, &v32, 4);
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	BAD(b, len + 1);		/* trailing byte */
	BAD(b, len - 1);		/* truncated name */
	b[RC_CPG_HDR_LEN(0) + 16 + 6] = 1;	/* reserved */
	BAD(b, len);
	len = put_sync(b, seq, 1, e, 2);
	b[RC_CPG_HDR_LEN(0) + 16 + 4] = 129;	/* entry name_len */
	BAD(b, len);
	len = put_sync(b, seq, 1, (struct ent[]){ { "g", 7 }, { "g", 7 } }, 2);
	BAD(b, len);			/* a duplicate */
	len = put_sync(b, seq, 1, e, 0);
	BAD(b, len - 1);
	{
		/* More entries than a table holds, every byte present. */
		uint32_t n = RC_CPGD_MAX_PROCESSES + 1;
		size_t hl = put_sync(b, seq, 1, e, 0);
		uint8_t *huge = calloc(1, hl + (size_t)n * sizeof(struct rc_cpg_sync_ent));

		CU_ASSERT_FATAL(huge != NULL);
		memcpy(huge, b, hl);
		memcpy(huge + RC_CPG_HDR_LEN(0) + 12, &n, 4);
		for (uint32_t i = 0; i < n; i++)
			memcpy(huge + hl + i * sizeof(struct rc_cpg_sync_ent), &i, 4);
		BAD(huge, hl + (size_t)n * sizeof(struct rc_cpg_sync_ent));
		free(huge);
	}
	EV_NONE(1);
	TABLE(1, "g:1:100");
	CU_ASSERT_EQUAL(stats(1).stale_sync, 0);
	CU_ASSERT_EQUAL(stats(1).joins, 1);
	/* The ring is still waiting for node 2: its real SYNC completes it. */
	CU_ASSERT_TRUE(step(2));
	EV(1, "s0 tt 1.5 1,2");
	len = put_sync(b, seq, 1, e, 2);
	BAD(b, len - 1);		/* bad beats stale */
	cluster_fini();
#undef BAD
}

/* ---- queries ---- */

static void test_membership_and_iterate_contents_and_truncation(void)
{
	struct cpg_iteration_description_t d[8];
	struct cpg_address a[4];
	struct cpg_name b = nm("b"), none = nm("zz");
	uint8_t m[64];

	cluster(2);
	inject(2, m, put_msg(m, RC_CPG_JOIN, "b", 5));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "b", 9));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "ab", 3));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "a", 3));
	memset(a, 0xff, sizeof(a));
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &b, a, 4), 2);
	CU_ASSERT_EQUAL(a[0].nodeid, 1);
	CU_ASSERT_EQUAL(a[0].pid, 9);
	CU_ASSERT_EQUAL(a[0].reason, 0);
	CU_ASSERT_EQUAL(a[1].nodeid, 2);
	CU_ASSERT_EQUAL(a[1].pid, 5);
	CU_ASSERT_EQUAL(a[2].nodeid, 0xffffffffu);
	memset(a, 0xff, sizeof(a));
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &b, a, 1), 2);
	CU_ASSERT_EQUAL(a[0].pid, 9);
	CU_ASSERT_EQUAL(a[1].nodeid, 0xffffffffu);
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(2), &none, a, 4), 0);

	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_NAME_ONLY, NULL, d, 8), 3);
	CU_ASSERT_EQUAL(d[0].group.length, 1);
	CU_ASSERT_EQUAL(d[0].group.value[0], 'a');
	CU_ASSERT_EQUAL(d[1].group.length, 2);
	CU_ASSERT_EQUAL(memcmp(d[1].group.value, "ab", 2), 0);
	CU_ASSERT_EQUAL(d[2].group.value[0], 'b');
	CU_ASSERT_EQUAL(d[2].nodeid, 0);
	CU_ASSERT_EQUAL(d[2].pid, 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ONE_GROUP, &b, d, 8), 2);
	CU_ASSERT_EQUAL(d[0].nodeid, 1);
	CU_ASSERT_EQUAL(d[0].pid, 9);
	CU_ASSERT_EQUAL(d[1].nodeid, 2);
	CU_ASSERT_EQUAL(d[1].group.value[0], 'b');
	TABLE(1, "a:1:3 ab:1:3 b:1:9,2:5");
	TABLE(2, "a:1:3 ab:1:3 b:1:9,2:5");
	memset(d, 0xff, sizeof(d));
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ALL, NULL, d, 2), 4);
	CU_ASSERT_EQUAL(d[1].group.length, 2);
	CU_ASSERT_EQUAL(d[2].group.length, 0xffffffffu);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ONE_GROUP, &none, d, 8), 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ONE_GROUP, NULL, d, 8), 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), 9, NULL, d, 8), 0);
	CU_ASSERT_EQUAL(rc_cpgd_iterate(C(1), CPG_ITERATION_ALL, NULL, NULL, 0), 4);
	cluster_fini();
}

/* A long answer in pages: from `from` on; the generation moves with the table */
static void test_iterate_pages_and_generation(void)
{
	struct cpg_iteration_description_t d[8];
	uint64_t gen;
	uint8_t m[64];

	cluster(1);
	inject(1, m, put_msg(m, RC_CPG_JOIN, "a", 3));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "b", 4));
	inject(1, m, put_msg(m, RC_CPG_JOIN, "b", 5));
	gen = rc_cpgd_gen(C(1));
	memset(d, 0xff, sizeof(d));
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_ALL, NULL, 1, d, 1), 3);
	CU_ASSERT_EQUAL(d[0].group.value[0], 'b');
	CU_ASSERT_EQUAL(d[0].pid, 4);
	CU_ASSERT_EQUAL(d[1].group.length, 0xffffffffu);
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_ALL, NULL, 2, d, 8), 3);
	CU_ASSERT_EQUAL(d[0].pid, 5);
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_ALL, NULL, 3, d, 8), 3);
	CU_ASSERT_EQUAL(rc_cpgd_iterate_from(C(1), CPG_ITERATION_NAME_ONLY, NULL, 1, d, 8), 2);
	CU_ASSERT_EQUAL(d[0].group.value[0], 'b');
	CU_ASSERT_EQUAL(rc_cpgd_gen(C(1)), gen);	/* queries change nothing */
	inject(1, m, put_msg(m, RC_CPG_LEAVE, "b", 4));
	CU_ASSERT_NOT_EQUAL(rc_cpgd_gen(C(1)), gen);
	cluster_fini();
}

/* ---- limits ---- */

static void test_table_limits_drop_and_count(void)
{
	struct cpg_name g = nm("g0");
	uint8_t m[64];
	char name[16];

	cluster(1);
	for (uint32_t i = 0; i <= RC_CPGD_MAX_GROUPS; i++) {
		snprintf(name, sizeof(name), "g%u", i);
		rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, name, 1));
	}
	CU_ASSERT_EQUAL(stats(1).groups, RC_CPGD_MAX_GROUPS);
	CU_ASSERT_EQUAL(stats(1).full, 1);
	/* A local join past the limit: dropped, the slot may try again. Its
	   joiner is told (it used to be left "joined", its sends vanishing). */
	attach(1, 0, 5);
	N(1)->joined_st[0] = -1;
	join(1, 0, "new");
	run();
	CU_ASSERT_EQUAL(stats(1).full, 2);
	CU_ASSERT_EQUAL(N(1)->joined_st[0], CS_ERR_NO_RESOURCES);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, m, sizeof(m)), 0);	/* not joined */
	EV_NONE(1);
	join(1, 0, "new");
	leave(1, 0, "new");		/* dropped too, then its LEAVE: NONE */
	run();
	CU_ASSERT_EQUAL(stats(1).full, 3);
	EV_NONE(1);
	join(1, 0, "new");
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_EXIST);
	for (uint32_t pid = 2; pid <= RC_CPGD_MAX_MEMBERS + 1; pid++)
		rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, "g0", pid));
	CU_ASSERT_EQUAL(rc_cpgd_membership(C(1), &g, NULL, 0), RC_CPGD_MAX_MEMBERS);
	CU_ASSERT_EQUAL(stats(1).full, 4);
	CU_ASSERT_EQUAL(stats(1).processes, RC_CPGD_MAX_GROUPS - 1 + RC_CPGD_MAX_MEMBERS);
	/* Fill other groups up to the process limit, then one more. */
	for (uint32_t i = 1, pid = 2; stats(1).processes < RC_CPGD_MAX_PROCESSES; pid++) {
		if (pid > RC_CPGD_MAX_MEMBERS) {
			pid = 2;
			i++;
		}
		snprintf(name, sizeof(name), "g%u", i);
		rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, name, pid));
	}
	CU_ASSERT_EQUAL(stats(1).full, 4);
	rc_cpgd_deliver(C(1), 2, m, put_msg(m, RC_CPG_JOIN, "g4000", 2));
	CU_ASSERT_EQUAL(stats(1).full, 5);
	CU_ASSERT_EQUAL(stats(1).processes, RC_CPGD_MAX_PROCESSES);
	cluster_fini();
}

/* cpg_join is answered when its JOIN is applied: CS_OK once in the group. */
static void test_join_is_answered_once_applied(void)
{
	cluster(2);
	attach(1, 0, 5);
	N(1)->joined_st[0] = -1;
	join(1, 0, "g");
	CU_ASSERT_EQUAL(N(1)->joined_st[0], -1);	/* not before it comes back */
	run();
	CU_ASSERT_EQUAL(N(1)->joined_st[0], CS_OK);
	cluster_fini();
}

static size_t heap_bytes(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

static void test_sent_and_delivered_messages_are_freed(void)
{
	size_t before;

	cluster(2);
	attach(1, 0, 100);
	attach(1, 1, 101);
	join(1, 1, "h");
	run();
	before = heap_bytes();
	for (int i = 0; i < 2000; i++) {
		sent_first = i & 1;
		join(1, 0, "g");
		run();
		leave(1, 0, "g");
		run();
	}
	CU_ASSERT(heap_bytes() < before + 4096);
	ev_skip(1);
	/* Destroy with buffers outstanding: LeakSanitizer checks the rest. */
	join(1, 0, "g");
	rc_cpgd_detach(C(1), 1);
	form(NULL);
	CU_ASSERT(N(1)->nq >= 3);
	cluster_fini();
}

/* ---- agreement ---- */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Node id's "obs" events seen by slot 0, without the slot. */
static size_t obs_log(uint32_t id, char (*out)[EVLEN], size_t max)
{
	size_t n = 0;

	for (unsigned int i = 0; i < N(id)->nev && n < max; i++)
		if (!strncmp(N(id)->ev[i], "s0 cc obs ", 10) ||
		    !strncmp(N(id)->ev[i], "s0 dl ", 6))
			snprintf(out[n++], EVLEN, "%s", N(id)->ev[i] + 3);
	return n;
}

static void test_confchg_sequences_agree_on_every_node(void)
{
	static char logs[3][EVMAX][EVLEN];
	size_t n[3];
	struct cpg_name obs = nm("obs");
	bool attached[3][SLOTS] = { { false } };

	cluster(3);
	for (uint32_t id = 1; id <= 3; id++) {
		attach(id, 0, 1000 + id);
		join(id, 0, "obs");
		attached[id - 1][0] = true;
		run();
	}
	for (uint32_t id = 1; id <= 3; id++)
		N(id)->nev = N(id)->rd = 0;
	for (int round = 0; round < 1500; round++) {
		uint32_t id = 1 + rnd(3), slot = 1 + rnd(SLOTS - 1);
		struct rc_cpgd *c = C(id);

		sent_first = rnd(2);
		switch (rnd(7)) {
		case 0:
			if (!attached[id - 1][slot]) {
				attach(id, slot, 10 * slot + rnd(3));
				attached[id - 1][slot] = true;
			}
			break;
		case 1:
		case 2:
			if (attached[id - 1][slot])
				rc_cpgd_join(c, slot, &obs);
			break;
		case 3:
			if (attached[id - 1][slot])
				rc_cpgd_leave(c, slot, &obs);
			break;
		case 4:
			rc_cpgd_detach(c, slot);
			attached[id - 1][slot] = false;
			break;
		case 5:
			if (rc_cpgd_mcast_hdr(c, slot, (uint8_t[64]){ 0 }, 64))
				client_send(id, slot, "m");
			break;
		default:
			if (rnd(8) == 0)
				form(NULL);	/* a ring change with messages queued */
			for (int k = rnd(4); k >= 0; k--)
				step(1 + rnd(3));
			break;
		}
	}
	run();
	for (uint32_t id = 1; id <= 3; id++)
		n[id - 1] = obs_log(id, logs[id - 1], EVMAX);
	CU_ASSERT(n[0] > 50);
	CU_ASSERT_EQUAL(n[0], n[1]);
	CU_ASSERT_EQUAL(n[0], n[2]);
	for (size_t i = 0; i < n[0] && i < n[1] && i < n[2]; i++) {
		CU_ASSERT_STRING_EQUAL(logs[0][i], logs[1][i]);
		CU_ASSERT_STRING_EQUAL(logs[0][i], logs[2][i]);
		if (strcmp(logs[0][i], logs[1][i]) || strcmp(logs[0][i], logs[2][i]))
			break;
	}
	for (uint32_t id = 2; id <= 3; id++) {
		char a[1024], b[1024];

		table_str(1, a, sizeof(a));
		table_str(id, b, sizeof(b));
		CU_ASSERT_STRING_EQUAL(a, b);
		CU_ASSERT_EQUAL(stats(id).bad, 0);
	}
	cluster_fini();
}

static const struct unit_test tests[] = {
	T(test_join_confchg_reaches_every_member_sorted),
	T(test_leave_confchg_goes_to_members_and_the_leaver),
	T(test_detach_of_joined_client_is_procdown_everywhere),
	T(test_detach_while_joining_then_rejoin_with_same_pid),
	T(test_leave_while_joining_gets_both_confchgs),
	T(test_mcast_reaches_only_joined_local_members),
	T(test_mcast_hdr_ends_at_room_end),
	T(test_join_error_codes),
	T(test_leave_error_codes),
	T(test_attach_errors),
	T(test_duplicate_join_and_leave_messages_are_ignored),
	T(test_node_crash_is_nodedown_with_all_its_processes),
	T(test_merge_is_nodeup_on_both_sides_with_same_lists),
	T(test_process_gone_across_a_ring_change_is_procdown_at_sync),
	T(test_join_in_flight_across_a_ring_change_completes),
	T(test_stale_sync_is_ignored),
	T(test_totem_only_after_every_sync_and_at_attach),
	T(test_failed_sync_is_sent_when_no_control_message_is_in_flight),
	T(test_failed_procdown_is_sent_later),
	T(test_malformed_messages_are_counted_and_change_nothing),
	T(test_membership_and_iterate_contents_and_truncation),
	T(test_iterate_pages_and_generation),
	T(test_table_limits_drop_and_count),
	T(test_join_is_answered_once_applied),
	T(test_sent_and_delivered_messages_are_freed),
	T(test_confchg_sequences_agree_on_every_node),
};

UNIT_TEST_MAIN("cpgd", tests)
