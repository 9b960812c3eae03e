/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded mutation loop over the CPG group table: valid CPG messages of every
 * type (JOIN, LEAVE, PROCDOWN, MCAST, SYNC) are bit-flipped, cut, extended
 * and have their length fields set to edge values, ITERATIONS times, and the
 * same stream goes to two rc_cpgd instances (nodes 1 and 2 of one ring) with
 * local clients joined. Built with ASan/UBSan where available. Checks after
 * every step: the two tables are identical (iteration of ALL), member lists
 * are sorted and within the limits, every confchg a client gets is sorted
 * and consistent; and the mutator both got messages rejected (stats.bad) and
 * accepted, so it is known to reach the parser's depths.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/cpgmsg.h>

#include "cpgd.h"
#include "unit_test.h"

#define ITERATIONS	300000u
#define SEED		0x2545f4914f6cdd1dull
#define SLOTS		4
#define MAXMSG		2048
#define SNAP_MAX	4096

#include "xorshift.h"

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

struct node {
	struct rc_cpgd *c;
	uint32_t id;
	uint64_t confchgs, bad_lists;
	void *cookies[64];	/* handed back after the call (no re-entry) */
	uint32_t n_cookies;
	uint8_t out[64][MAXMSG];	/* what it sent, delivered to both by flush() */
	size_t out_len[64];
	uint32_t n_out;
};

static struct node nodes[2];

/* Nothing is sent on: the loop is the only source of the stream. */
static int cb_mcast(void *priv, const void *msg, size_t len, bool first, void *cookie)
{
	struct node *n = priv;

	if (n->n_cookies == 64 || n->n_out == 64 || len > MAXMSG)
		return -EAGAIN;
	n->cookies[n->n_cookies++] = cookie;
	memcpy(n->out[n->n_out], msg, len);
	n->out_len[n->n_out++] = len;
	return 0;
}

static void sent_all(struct node *n)
{
	while (n->n_cookies)
		rc_cpgd_sent(n->c, n->cookies[--n->n_cookies]);
}

/* A total order of what the nodes sent: node 1's, then node 2's. */
static void flush(void)
{
	for (uint32_t k = 0; k < 2; k++) {
		struct node *n = &nodes[k];

		sent_all(n);
		for (uint32_t m = 0; m < n->n_out; m++)
			for (uint32_t i = 0; i < 2; i++) {
				rc_cpgd_deliver(nodes[i].c, n->id, n->out[m], n->out_len[m]);
				sent_all(&nodes[i]);
			}
		n->n_out = 0;
	}
}

static void cb_deliver(void *priv, uint32_t slot, uint32_t nodeid, uint32_t pid,
		       const void *data, size_t len)
{
}

static bool sorted(const struct cpg_address *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (a[i - 1].nodeid > a[i].nodeid ||
		    (a[i - 1].nodeid == a[i].nodeid && a[i - 1].pid >= a[i].pid))
			return false;
	return true;
}

static void cb_confchg(void *priv, uint32_t slot, const struct cpg_name *group,
		       const struct cpg_address *m, size_t nm, const struct cpg_address *l,
		       size_t nl, const struct cpg_address *j, size_t nj)
{
	struct node *n = priv;

	n->confchgs++;
	if (group->length > CPG_MAX_NAME_LENGTH || !sorted(m, nm) || !sorted(l, nl) ||
	    !sorted(j, nj) || (nl == 0 && nj == 0))
		n->bad_lists++;
}

static void cb_totem(void *priv, uint32_t slot, const struct rc_ring_id *ring,
		     const uint32_t *members, size_t n)
{
}

static const struct rc_cpgd_ops ops = {
	.mcast = cb_mcast,
	.deliver = cb_deliver,
	.confchg = cb_confchg,
	.totem = cb_totem,
};

/* ---- valid messages ---- */

static const char *const groups[] = { "a", "bb", "group-c" };

static size_t put_hdr(uint8_t *p, uint8_t type, const char *g, uint32_t pid)
{
	struct rc_cpg_hdr h = {
		.magic = RC_CPG_MAGIC,
		.type = type,
		.name_len = (uint16_t)strlen(g),
		.pid = pid,
	};

	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), g, h.name_len);
	return sizeof(h) + h.name_len;
}

static size_t put_sync(uint8_t *p, uint64_t seq, uint32_t rep)
{
	struct rc_cpg_sync s = { .ring_seq = seq, .ring_rep = rep, .count = below(4) };
	size_t len = put_hdr(p, RC_CPG_SYNC, "", 0);

	memcpy(p + len, &s, sizeof(s));
	len += sizeof(s);
	for (uint32_t i = 0; i < s.count; i++) {
		const char *g = groups[below(3)];
		struct rc_cpg_sync_ent e = { .pid = 100 + below(4), .name_len = (uint16_t)strlen(g) };

		memcpy(p + len, &e, sizeof(e));
		memcpy(p + len + sizeof(e), g, e.name_len);
		len += sizeof(e) + e.name_len;
	}
	return len;
}

static size_t valid(uint8_t *p, const struct rc_ring_id *ring)
{
	const char *g = groups[below(3)];
	uint32_t pid = 100 + below(4);
	size_t len;

	switch (below(6)) {
	case 5:			/* a batch of 1..4 messages of 0..20 bytes */
		len = put_hdr(p, RC_CPG_MCAST_BATCH, g, pid);
		for (uint32_t k = 1 + below(4); k--;) {
			uint32_t n = below(21);

			memcpy(p + len, &n, 4);
			memset(p + len + 4, 0x5b, n);
			len += 4 + n;
		}
		return len;
	case 0:
		return put_hdr(p, RC_CPG_JOIN, g, pid);
	case 1:
		return put_hdr(p, RC_CPG_LEAVE, g, pid);
	case 2:
		return put_hdr(p, RC_CPG_PROCDOWN, g, pid);
	case 3:
		len = put_hdr(p, RC_CPG_MCAST, g, pid);
		memset(p + len, 0x5a, 32);
		return len + below(33);
	default:
		return put_sync(p, ring->seq, ring->rep);
	}
}

/* ---- mutations ---- */

static size_t mutate(uint8_t *p, size_t len)
{
	static const uint32_t edges[] = { 0, 1, 127, 128, 129, 255, 256, 0xffff,
					  0x7fffffff, 0xffffffff };
	uint32_t v;

	switch (below(6)) {
	case 0:				/* flip bits */
		for (uint32_t k = 1 + below(4); k--;)
			if (len)
				p[below((uint32_t)len)] ^= (uint8_t)(1u << below(8));
		return len;
	case 1:				/* cut */
		return len ? below((uint32_t)len) : 0;
	case 2:				/* extend with junk */
		for (uint32_t k = below(64); k-- && len < MAXMSG;)
			p[len++] = (uint8_t)rng();
		return len;
	case 3:				/* name_len to an edge */
		v = edges[below(10)];
		if (len >= 4) {
			uint16_t s = (uint16_t)v;

			memcpy(p + 2, &s, 2);
		}
		return len;
	case 4:				/* a 32-bit field after the header to an edge */
		v = edges[below(10)];
		if (len >= 8) {
			size_t at = 8 + 4 * below((uint32_t)((len - 4) / 4 > 8 ? 8 : (len - 4) / 4));

			if (at + 4 <= len)
				memcpy(p + at, &v, 4);
		}
		return len;
	default:			/* type or magic */
		if (len >= 2)
			p[below(2)] = (uint8_t)rng();
		return len;
	}
}

/* ---- checks ---- */

static uint32_t snapshot(const struct node *n, struct cpg_iteration_description_t *d)
{
	return rc_cpgd_iterate(n->c, CPG_ITERATION_ALL, NULL, d, SNAP_MAX);
}

static void check_tables_agree(uint32_t iter)
{
	static struct cpg_iteration_description_t a[SNAP_MAX], b[SNAP_MAX];
	uint32_t na = snapshot(&nodes[0], a), nb = snapshot(&nodes[1], b);

	if (na != nb || memcmp(a, b, sizeof(a[0]) * (na < SNAP_MAX ? na : SNAP_MAX))) {
		fprintf(stderr, "tables differ after iteration %u (%u vs %u entries)\n", iter, na, nb);
		CU_FAIL_FATAL("the two nodes' tables differ");
	}
}

static void test_mutated_messages_keep_tables_sane_and_alike(void)
{
	struct rc_confchg cc = { .type = RC_CONF_REGULAR, .ring = { 1, 8 }, .n_members = 2,
				 .members = { 1, 2 } };
	struct rc_cpgd_stats st[2];
	uint8_t msg[MAXMSG];
	uint64_t accepted = 0;

	rng_state = SEED;
	for (uint32_t i = 0; i < 2; i++) {
		nodes[i].id = i + 1;
		CU_ASSERT_EQUAL_FATAL(rc_cpgd_create(i + 1, SLOTS, &ops, &nodes[i], &nodes[i].c), 0);
		for (uint32_t s = 0; s < SLOTS; s++)
			CU_ASSERT_EQUAL_FATAL(rc_cpgd_attach(nodes[i].c, s, 100 + s), 0);
		rc_cpgd_confchg(nodes[i].c, &cc);
	}
	flush();
	for (uint32_t i = 0; i < 2; i++)
		for (uint32_t s = 0; s < SLOTS; s++) {
			struct cpg_name g = { .length = (uint32_t)strlen(groups[s % 3]) };

			memcpy(g.value, groups[s % 3], g.length);
			CU_ASSERT_EQUAL(rc_cpgd_join(nodes[i].c, s, &g), CS_OK);
		}
	flush();
	for (uint32_t iter = 0; iter < ITERATIONS; iter++) {
		size_t len = valid(msg, &cc.ring);
		uint32_t sender = 1 + below(2);
		uint64_t bad_before = 0, bad_after = 0;

		if (below(4))
			len = mutate(msg, len);
		for (uint32_t i = 0; i < 2; i++) {
			rc_cpgd_stats_get(nodes[i].c, &st[i]);
			bad_before += st[i].bad + st[i].stale_sync;
			rc_cpgd_deliver(nodes[i].c, sender, msg, len);
			rc_cpgd_stats_get(nodes[i].c, &st[i]);
			bad_after += st[i].bad + st[i].stale_sync;
		}
		if (bad_after == bad_before)
			accepted++;
		/* Clients rejoin now and then, so confchgs keep coming. */
		if (below(50) == 0) {
			uint32_t i = below(2), sl = below(SLOTS);
			struct cpg_name g = { .length = (uint32_t)strlen(groups[sl % 3]) };

			memcpy(g.value, groups[sl % 3], g.length);
			(void)rc_cpgd_join(nodes[i].c, sl, &g);
		}
		/* Now and then a new ring: NODEDOWN, SYNC paths. */
		if (below(2000) == 0) {
			cc.ring.seq += 4;
			cc.type = RC_CONF_TRANSITIONAL;
			for (uint32_t i = 0; i < 2; i++)
				rc_cpgd_confchg(nodes[i].c, &cc);
			cc.type = RC_CONF_REGULAR;
			for (uint32_t i = 0; i < 2; i++)
				rc_cpgd_confchg(nodes[i].c, &cc);
		}
		flush();
		if (iter % 64 == 0)
			check_tables_agree(iter);
	}
	check_tables_agree(ITERATIONS);
	for (uint32_t i = 0; i < 2; i++) {
		rc_cpgd_stats_get(nodes[i].c, &st[i]);
		printf("\n  node %u: bad %llu stale %llu joins %llu leaves %llu procdowns %llu "
		       "confchgs %llu groups %llu processes %llu", i + 1,
		       (unsigned long long)st[i].bad, (unsigned long long)st[i].stale_sync,
		       (unsigned long long)st[i].joins, (unsigned long long)st[i].leaves,
		       (unsigned long long)st[i].procdowns, (unsigned long long)nodes[i].confchgs,
		       (unsigned long long)st[i].groups, (unsigned long long)st[i].processes);
		CU_ASSERT_EQUAL(nodes[i].bad_lists, 0);
		CU_ASSERT(st[i].bad > ITERATIONS / 10);	/* the mutator is rejected often */
		CU_ASSERT(st[i].joins > 100);			/* and gets through often */
		CU_ASSERT(nodes[i].confchgs > 100);
	}
	CU_ASSERT(accepted > ITERATIONS / 10);
	for (uint32_t i = 0; i < 2; i++)
		rc_cpgd_destroy(nodes[i].c);
}

static const struct unit_test tests[] = {
	T(test_mutated_messages_keep_tables_sane_and_alike),
};

UNIT_TEST_MAIN("cpgd-mutate", tests)
