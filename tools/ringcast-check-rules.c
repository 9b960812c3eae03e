/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-check's rules across instances. A segment is the stretch of one
 * instance's deliveries between two boundaries (a confchg or a totem
 * confchg); its key is the boundary that opened it and the ring in force,
 * so segments with one key began at the same point of one ring's total
 * order. Within a key: one order; instances that leave it through the same
 * next boundary delivered the same set (virtual synchrony); a SAFE message
 * any of them delivered in the regular configuration (not marked "t",
 * transitional), every one that left through a boundary (not by dying)
 * delivered too. Across the run: one member list
 * per ring id; one group member list at each ring's totem confchg; one
 * member list per join or leave.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/ringcast/hash.h"
#include "ringcast-check.h"

static const struct rc_chk_ev *ev_of(const struct rc_chk *c, const struct rc_chk_seg *s,
				     uint32_t k)
{
	return &c->inst[s->inst].ev[k];
}

static uint32_t seg_stop(const struct rc_chk *c, const struct rc_chk_seg *s)
{
	return s->end == RC_CHK_NONE ? (uint32_t)c->inst[s->inst].n_ev : s->end;
}

/* The segment's deliveries: message key -> event index. */
static void seg_map(const struct rc_chk *c, const struct rc_chk_seg *s, struct rc_chk_map *m)
{
	rc_chk_map_init(m, 64);
	for (uint32_t k = s->start + 1; k < seg_stop(c, s); k++) {
		const struct rc_chk_ev *e = ev_of(c, s, k);

		if (e->kind == 'D')
			rc_chk_map_add(m, e->k0, e->k1, k, NULL);
	}
}

static const char *name_of(const struct rc_chk_ev *e, char *buf, size_t len)
{
	if (e->seq == RC_CHK_NOSEQ)
		snprintf(buf, len, "%u/%u (no seq, crc %08x)", e->nodeid, e->pid, e->crc);
	else
		snprintf(buf, len, "%u/%u seq %" PRIu64, e->nodeid, e->pid, e->seq);
	return buf;
}

static void where(struct rc_chk *c, const struct rc_chk_seg *s)
{
	rc_chk_context(c, s->inst, s->start, "the configuration began here");
}

/* b delivers the messages it shares with a in a's order. */
static void check_order(struct rc_chk *c, const struct rc_chk_seg *a, const struct rc_chk_map *ma,
			const struct rc_chk_seg *b)
{
	uint64_t pos, last = 0;
	uint32_t last_k = RC_CHK_NONE;
	char n1[80], n2[80];

	for (uint32_t k = b->start + 1; k < seg_stop(c, b); k++) {
		const struct rc_chk_ev *e = ev_of(c, b, k);

		if (e->kind != 'D' || rc_chk_map_get(ma, e->k0, e->k1, &pos) != 1)
			continue;
		if (last_k != RC_CHK_NONE && pos < last) {
			rc_chk_violation(c, RC_CHK_ORDER, "%s delivers %s before %s, %s after it "
					 "(one configuration, ring %s)", rc_chk_name(c, b->inst),
					 name_of(ev_of(c, b, last_k), n1, sizeof(n1)),
					 name_of(e, n2, sizeof(n2)), rc_chk_name(c, a->inst),
					 b->ring);
			where(c, b);
			rc_chk_context(c, b->inst, last_k, "first here");
			rc_chk_context(c, b->inst, k, "then this");
			rc_chk_context(c, a->inst, (uint32_t)pos, "first there");
			rc_chk_context(c, a->inst, (uint32_t)last, "then that");
			return;
		}
		last = pos;
		last_k = k;
	}
}

/* a message of a that b lacks: its event index in a, or RC_CHK_NONE */
static uint32_t missing(const struct rc_chk *c, const struct rc_chk_seg *a,
			const struct rc_chk_map *mb, bool safe_only)
{
	uint64_t v;

	for (uint32_t k = a->start + 1; k < seg_stop(c, a); k++) {
		const struct rc_chk_ev *e = ev_of(c, a, k);

		/* SAFE in the transitional configuration covers the members that
		   move on together, which virtual synchrony checks already */
		if (e->kind != 'D' || (safe_only && (e->g != 's' || e->trans)))
			continue;
		if (rc_chk_map_get(mb, e->k0, e->k1, &v) != 1)
			return k;
	}
	return RC_CHK_NONE;
}

/* a and b left the configuration through the same boundary: the same set. */
static void check_vsync(struct rc_chk *c, const struct rc_chk_seg *a, const struct rc_chk_map *ma,
			const struct rc_chk_seg *b, const struct rc_chk_map *mb)
{
	const struct rc_chk_seg *has = a, *lacks = b;
	uint32_t k = missing(c, a, mb, false);
	char n[80];

	if (k == RC_CHK_NONE) {
		k = missing(c, b, ma, false);
		has = b;
		lacks = a;
	}
	if (k == RC_CHK_NONE)
		return;
	rc_chk_violation(c, RC_CHK_VSYNC, "%s and %s moved together to the next configuration, "
			 "but only %s delivered %s in the one they left (ring %s)",
			 rc_chk_name(c, a->inst), rc_chk_name(c, b->inst), rc_chk_name(c, has->inst),
			 name_of(ev_of(c, has, k), n, sizeof(n)), a->ring);
	where(c, a);
	rc_chk_context(c, has->inst, k, "delivered here");
	rc_chk_context(c, lacks->inst, lacks->end, "not before this");
}

/*
 * Agreed order, open segments too: b delivered x in the regular
 * configuration, so it delivered every message ordered before x in it.
 * The last message of b's that a delivered too (regular in both): every
 * regular delivery of a before it must be in b. A segment that never
 * closes (the run's last, an instance that died) is not compared by
 * virtual synchrony; this catches a message lost in its middle.
 */
static void check_prefix(struct rc_chk *c, const struct rc_chk_seg *a, const struct rc_chk_map *ma,
			 const struct rc_chk_seg *b, const struct rc_chk_map *mb)
{
	uint64_t pos, v;
	uint32_t x = RC_CHK_NONE, xb = RC_CHK_NONE;
	char n1[80], n2[80];

	for (uint32_t k = seg_stop(c, b); k-- > b->start + 1;) {
		const struct rc_chk_ev *e = ev_of(c, b, k);

		if (e->kind != 'D' || e->trans || rc_chk_map_get(ma, e->k0, e->k1, &pos) != 1 ||
		    ev_of(c, a, (uint32_t)pos)->trans)
			continue;
		x = (uint32_t)pos;
		xb = k;
		break;
	}
	if (x == RC_CHK_NONE)
		return;
	for (uint32_t k = a->start + 1; k < x; k++) {
		const struct rc_chk_ev *e = ev_of(c, a, k);

		if (e->kind != 'D' || e->trans || rc_chk_map_get(mb, e->k0, e->k1, &v) == 1)
			continue;
		rc_chk_violation(c, RC_CHK_VSYNC, "%s delivered %s and then %s; %s delivered the "
				 "second but never the first (one configuration, ring %s)",
				 rc_chk_name(c, a->inst), name_of(e, n1, sizeof(n1)),
				 name_of(ev_of(c, a, x), n2, sizeof(n2)), rc_chk_name(c, b->inst),
				 a->ring);
		where(c, a);
		rc_chk_context(c, a->inst, k, "delivered here");
		rc_chk_context(c, b->inst, xb, "the second, without the first");
		return;
	}
}

static void check_group(struct rc_chk *c, const struct rc_chk_group *g)
{
	struct rc_chk_map *maps = calloc(g->n, sizeof(*maps));
	char n[80];

	if (maps == NULL) {
		fprintf(stderr, "ringcast-check: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < g->n; i++)
		seg_map(c, &c->seg[g->seg[i]], &maps[i]);
	for (size_t i = 0; i < g->n; i++) {
		const struct rc_chk_seg *a = &c->seg[g->seg[i]];

		for (size_t j = i + 1; j < g->n; j++) {
			const struct rc_chk_seg *b = &c->seg[g->seg[j]];

			if (a->inst == b->inst)
				continue;
			check_order(c, a, &maps[i], b);
			check_prefix(c, a, &maps[i], b, &maps[j]);
			check_prefix(c, b, &maps[j], a, &maps[i]);
			if (a->end != RC_CHK_NONE && b->end != RC_CHK_NONE &&
			    a->next0 == b->next0 && a->next1 == b->next1)
				check_vsync(c, a, &maps[i], b, &maps[j]);
		}
	}
	/* SAFE: delivered by one, delivered by all that installed the next */
	for (size_t i = 0; i < g->n; i++) {
		const struct rc_chk_seg *a = &c->seg[g->seg[i]];

		for (size_t j = 0; j < g->n; j++) {
			const struct rc_chk_seg *b = &c->seg[g->seg[j]];
			uint32_t k;

			if (i == j || b->end == RC_CHK_NONE || a->inst == b->inst)
				continue;
			k = missing(c, a, &maps[j], true);
			if (k == RC_CHK_NONE)
				continue;
			rc_chk_violation(c, RC_CHK_SAFE, "%s delivered SAFE %s; %s, a member of "
					 "that configuration, installed the next one without it "
					 "(ring %s)", rc_chk_name(c, a->inst),
					 name_of(ev_of(c, a, k), n, sizeof(n)),
					 rc_chk_name(c, b->inst), a->ring);
			where(c, a);
			rc_chk_context(c, a->inst, k, "delivered here");
			rc_chk_context(c, b->inst, b->end, "the next configuration, without it");
		}
	}
	for (size_t i = 0; i < g->n; i++)
		rc_chk_map_fini(&maps[i]);
	free(maps);
}

static uint64_t members_hash(const char *line)
{
	const char *rest = strchr(line + 2, ' ');

	return rc_chk_hash(0x84222325cbf29ce4ull, line, rest ? (size_t)(rest - line) : strlen(line));
}

/* Every reason in the left and joined lists is a join (1) or a leave (2). */
static bool ordered_change(const char *rest)
{
	unsigned int n, p, r;
	int used;

	for (const char *q = rest; *q; q++) {
		if (*q != ' ' && *q != ',')
			continue;
		if (sscanf(q + 1, "%u:%u:%u%n", &n, &p, &r, &used) == 3 && r != 1 && r != 2)
			return false;
	}
	return true;
}

/*
 * Confchgs agree. (a) At a ring's totem confchg every instance of it has the
 * same group members (every SYNC is in: the tables agree). (b) A join or a
 * leave is one ordered event: the same left and joined lists between the
 * same two totem confchgs come with one member list. Both rings name it: a
 * ring change's confchgs come before the new ring's totem confchg, so two
 * sides of a split see theirs under one old ring, and a join delivered in a
 * ring of one can be carried into the merged ring and shown there again
 * (seen: nemesis seed 4) under one next ring.
 * After an instance's last totem confchg the second ring is "end": the
 * joins and leaves of the run's last ring (all of them, in a run without
 * faults) are compared too.
 * NODEDOWN, NODEUP and PROCDOWN changes are each side's own view and are
 * judged by (a) and by virtual synchrony.
 */
static void check_confchgs(struct rc_chk *c)
{
	struct rc_chk_map confs, at_totem;
	const struct rc_chk_ev *last_c;
	char ring[48];
	uint64_t v, h;

	rc_chk_map_init(&confs, 1024);
	rc_chk_map_init(&at_totem, 256);
	for (uint32_t i = 0; i < c->n_inst; i++) {
		uint64_t *prev = calloc(c->inst[i].n_ev + 1, sizeof(*prev));

		if (prev == NULL) {
			fprintf(stderr, "ringcast-check: out of memory\n");
			exit(2);
		}
		last_c = NULL;
		for (uint32_t k = 0; k < c->inst[i].n_ev; k++) {
			const struct rc_chk_ev *e = &c->inst[i].ev[k], *r;

			if (e->kind == 'C')
				last_c = e;
			if (e->kind != 'T' || last_c == NULL || sscanf(e->line, "T %47s", ring) != 1)
				continue;
			h = rc_chk_hash(RC_FNV1A64_OFFSET, ring, strlen(ring)) | 1;
			if (rc_chk_map_add(&at_totem, h, 2, (uint64_t)(last_c - c->inst[i].ev) |
					   (uint64_t)i << 32, &v) == 0)
				continue;
			r = &c->inst[v >> 32].ev[(uint32_t)v];
			if (members_hash(r->line) == members_hash(last_c->line))
				continue;
			rc_chk_violation(c, RC_CHK_CONFCHG, "at the totem confchg of ring %s, two "
					 "group member lists", ring);
			rc_chk_context(c, (uint32_t)(v >> 32), (uint32_t)v, "one (the last confchg)");
			rc_chk_context(c, i, (uint32_t)(last_c - c->inst[i].ev), "the other");
			rc_chk_context(c, i, k, "the totem confchg");
		}
		/* the ring in force before each confchg: prev[k] */
		ring[0] = '\0';
		for (uint32_t k = 0; k < c->inst[i].n_ev; k++) {
			const struct rc_chk_ev *e = &c->inst[i].ev[k];

			if (e->kind == 'T' && sscanf(e->line, "T %47s", ring) != 1)
				ring[0] = '\0';
			prev[k] = e->kind == 'C' ? rc_chk_hash(RC_FNV1A64_OFFSET, ring,
							     strlen(ring)) : 0;
		}
		ring[0] = '\0';
		for (uint32_t k = (uint32_t)c->inst[i].n_ev; k-- > 0;) {
			const struct rc_chk_ev *e = &c->inst[i].ev[k], *r;
			const char *rest;

			if (e->kind == 'T' && sscanf(e->line, "T %47s", ring) != 1)
				snprintf(ring, sizeof(ring), "?");
			if (e->kind != 'C' || !strcmp(ring, "?") ||
			    (rest = strchr(e->line + 2, ' ')) == NULL || !ordered_change(rest))
				continue;
			/* after the history's last totem confchg: "end" (every
			   instance still in that ring when its run ended) */
			h = rc_chk_hash(rc_chk_hash(prev[k], ring[0] ? ring : "end",
						    ring[0] ? strlen(ring) : 3), rest,
					strlen(rest)) | 1;
			if (rc_chk_map_add(&confs, h, 1, (uint64_t)i << 32 | k, &v) == 0)
				continue;
			r = &c->inst[v >> 32].ev[(uint32_t)v];
			if (members_hash(r->line) == members_hash(e->line))
				continue;
			rc_chk_violation(c, RC_CHK_CONFCHG, "one join or leave (between the same "
					 "two totem confchgs, the second of ring %s) with two member "
					 "lists", ring[0] ? ring : "none: the run's last");
			rc_chk_context(c, (uint32_t)(v >> 32), (uint32_t)v, "one");
			rc_chk_context(c, i, k, "the other");
		}
		free(prev);
	}
	rc_chk_map_fini(&confs);
	rc_chk_map_fini(&at_totem);
}

/* One member list per ring id, across every instance. */
static void check_rings(struct rc_chk *c)
{
	struct rc_chk_map rings;
	char ring[48];
	uint64_t v;

	rc_chk_map_init(&rings, 256);
	for (uint32_t i = 0; i < c->n_inst; i++) {
		for (uint32_t k = 0; k < c->inst[i].n_ev; k++) {
			const struct rc_chk_ev *e = &c->inst[i].ev[k], *r;
			uint64_t h;

			if (e->kind != 'T' || sscanf(e->line, "T %47s", ring) != 1)
				continue;
			h = rc_chk_hash(RC_FNV1A64_OFFSET, ring, strlen(ring)) | 1;
			if (rc_chk_map_add(&rings, h, 0, (uint64_t)i << 32 | k, &v) == 0) {
				c->n_rings++;
				continue;
			}
			r = &c->inst[v >> 32].ev[(uint32_t)v];
			if (r->k0 == e->k0 && r->k1 == e->k1)
				continue;
			rc_chk_violation(c, RC_CHK_CONFCHG, "two member lists for ring %s", ring);
			rc_chk_context(c, (uint32_t)(v >> 32), (uint32_t)v, "one");
			rc_chk_context(c, i, k, "the other");
		}
	}
	rc_chk_map_fini(&rings);
}

int rc_chk_rules(struct rc_chk *c)
{
	check_rings(c);
	check_confchgs(c);
	for (size_t g = 0; g < c->n_group; g++)
		check_group(c, &c->group[g]);
	return 0;
}
