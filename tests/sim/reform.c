/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Re-formation time: from a fault to the first moment every node it affects
 * is operational in a ring that reflects it. crash/leave of X: every node
 * whose ring held X runs a ring without X; partition: every node whose ring
 * is not exactly the live nodes of its side runs that ring; merge (heal,
 * restart, end of faults): likewise, with the sides joined. A measurement
 * still open when the next fault comes is superseded, not counted. Checked
 * after every call that installed a regular configuration.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static const char *const kind_names[SIM_RF_KINDS_] = {
	[SIM_RF_CRASH] = "crash",
	[SIM_RF_PARTITION] = "partition",
	[SIM_RF_MERGE] = "merge",
	[SIM_RF_LEAVE] = "leave",
};

const char *sim_reform_kind_name(int kind)
{
	return kind >= 0 && kind < SIM_RF_KINDS_ ? kind_names[kind] : "?";
}

/* The live nodes node idx can reach: its side of the partition. */
static uint32_t side(const struct sim *s, uint32_t idx)
{
	uint32_t m = 0, j;

	for (j = 0; j < s->o.nodes; j++)
		if (s->node[j].up && sim_net_reaches(s, idx, j))
			m |= CHECK_BIT(j + 1);
	return m;
}

/* Node idx runs, right now, the ring measurement rf expects of it. */
static bool reflects(const struct sim *s, const struct sim_reform *rf,
		     uint32_t idx)
{
	const struct sim_node *nd = &s->node[idx];
	struct rc_ring_id r;

	if (!nd->up || !nd->in_ring ||
	    rc_totem_state(nd->t) != RC_MEMB_OPERATIONAL)
		return false;
	rc_totem_ring(nd->t, &r, NULL, NULL);
	if (r.rep != nd->ring.rep || r.seq != nd->ring.seq)
		return false;
	if (rf->kind == SIM_RF_CRASH || rf->kind == SIM_RF_LEAVE)
		return !(nd->ring_members & CHECK_BIT(rf->node));
	return nd->ring_members == side(s, idx);
}

static int over_bound(struct sim *s, const struct sim_reform *rf, uint64_t took,
		      const char *how)
{
	if (!s->o.expect_reform_ns || took <= s->o.expect_reform_ns)
		return 0;
	return sim_check_fail(&s->chk,
		"reform: %s at %.3f ms (node %u) %s %.3f ms, over --expect-reform-under %.3f ms",
		sim_reform_kind_name(rf->kind), (double)rf->t / 1e6, rf->node,
		how, (double)took / 1e6, (double)s->o.expect_reform_ns / 1e6);
}

void sim_reform_fault(struct sim *s, const struct sim_fault *f)
{
	struct sim_reform *rf;
	uint32_t i, x = f->a;

	/* whatever was still open is no longer one fault's doing */
	for (i = 0; i < s->n_rf; i++) {
		rf = &s->rf[i];
		if (rf->dur != UINT64_MAX || rf->superseded)
			continue;
		rf->superseded = s->now;
		over_bound(s, rf, s->now - rf->t, "was not reflected after");
	}
	if (s->n_rf == SIM_MAX_REFORMS)
		return;
	rf = &s->rf[s->n_rf];
	memset(rf, 0, sizeof(*rf));
	rf->t = s->now;
	rf->dur = UINT64_MAX;
	rf->node = (uint8_t)x;
	switch (f->kind) {
	case SIM_F_CRASH:
	case SIM_F_LEAVE:
		rf->kind = f->kind == SIM_F_CRASH ? SIM_RF_CRASH : SIM_RF_LEAVE;
		for (i = 0; i < s->o.nodes; i++)
			if (s->node[i].up && s->node[i].in_ring &&
			    (s->node[i].ring_members & CHECK_BIT(x)))
				rf->affected |= CHECK_BIT(i + 1);
		break;
	case SIM_F_PARTITION:
	case SIM_F_HEAL:
	case SIM_F_RESTART:
	case SIM_F_END:
		rf->kind = f->kind == SIM_F_PARTITION ? SIM_RF_PARTITION :
			SIM_RF_MERGE;
		for (i = 0; i < s->o.nodes; i++)
			if (s->node[i].up && !reflects(s, rf, i))
				rf->affected |= CHECK_BIT(i + 1);
		break;
	default:
		return;		/* asymmetric loss, storms: not measured */
	}
	for (i = 0; i < s->o.nodes; i++)
		rf->grp[i] = s->node[i].group;
	if (rf->affected)
		s->n_rf++;
}

void sim_reform_update(struct sim *s)
{
	struct sim_reform *rf;
	uint32_t i, j;

	for (i = 0; i < s->n_rf; i++) {
		rf = &s->rf[i];
		if (rf->dur != UINT64_MAX || rf->superseded)
			continue;
		for (j = 0; j < s->o.nodes; j++)
			if ((rf->affected & CHECK_BIT(j + 1)) && !reflects(s, rf, j))
				break;
		if (j < s->o.nodes)
			continue;
		rf->dur = s->now - rf->t;
		over_bound(s, rf, rf->dur, "took");
	}
}

int sim_reform_finish(struct sim *s)
{
	uint32_t i;

	for (i = 0; i < s->n_rf; i++)
		if (s->rf[i].dur == UINT64_MAX && !s->rf[i].superseded &&
		    over_bound(s, &s->rf[i], s->now - s->rf[i].t,
			       "was not reflected by the end, after") < 0)
			return -1;
	return 0;
}

static void fmt_nodes(char *buf, size_t n, uint32_t mask)
{
	size_t l = 0;
	uint32_t id;

	buf[0] = '\0';
	for (id = 1; id <= SIM_MAX_NODES && l + 4 < n; id++)
		if (mask & CHECK_BIT(id))
			l += (size_t)snprintf(buf + l, n - l, "%s%u", l ? "," : "", id);
}

/* ---- aggregate over runs ---- */

struct sim_reform_agg {
	uint64_t *v[SIM_RF_KINDS_];
	size_t n[SIM_RF_KINDS_], cap[SIM_RF_KINDS_];
	uint64_t superseded[SIM_RF_KINDS_];
};

struct sim_reform_agg *sim_reform_agg_new(void)
{
	return calloc(1, sizeof(struct sim_reform_agg));
}

void sim_reform_agg_free(struct sim_reform_agg *a)
{
	int k;

	if (a == NULL)
		return;
	for (k = 0; k < SIM_RF_KINDS_; k++)
		free(a->v[k]);
	free(a);
}

void sim_reform_agg_add(struct sim_reform_agg *a, const struct sim_result *r)
{
	const struct sim_reform *rf;
	uint32_t i;
	uint64_t *p;

	for (i = 0; i < r->n_rf; i++) {
		rf = &r->rf[i];
		if (rf->dur == UINT64_MAX) {
			a->superseded[rf->kind]++;
			continue;
		}
		if (a->n[rf->kind] == a->cap[rf->kind]) {
			size_t cap = a->cap[rf->kind] ? 2 * a->cap[rf->kind] : 64;

			p = realloc(a->v[rf->kind], cap * sizeof(*p));
			if (p == NULL)
				continue;
			a->v[rf->kind] = p;
			a->cap[rf->kind] = cap;
		}
		a->v[rf->kind][a->n[rf->kind]++] = rf->dur;
	}
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Nearest rank: the smallest value with at least p of them at or below. */
static uint64_t pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t k = (n * p + 99) / 100;

	return v[k ? k - 1 : 0];
}

void sim_reform_agg_print(const struct sim_reform_agg *a, FILE *f)
{
	int k;

	for (k = 0; k < SIM_RF_KINDS_; k++) {
		size_t n = a->n[k];

		if (n == 0) {
			fprintf(f, "reform %-9s: none measured (%" PRIu64 " superseded)\n",
				kind_names[k], a->superseded[k]);
			continue;
		}
		qsort(a->v[k], n, sizeof(uint64_t), cmp_u64);
		fprintf(f, "reform %-9s: %zu measured, p50 %.3f ms, p99 %.3f ms, max %.3f ms (%" PRIu64 " superseded by a later fault)\n",
			kind_names[k], n, (double)pct(a->v[k], n, 50) / 1e6,
			(double)pct(a->v[k], n, 99) / 1e6,
			(double)a->v[k][n - 1] / 1e6, a->superseded[k]);
	}
}

/* One run: each measurement, then the per-kind summary. */
void sim_reform_print(const struct sim_result *r, FILE *f)
{
	struct sim_reform_agg *a;
	const struct sim_reform *rf;
	char who[64], g[80];
	uint32_t i;

	for (i = 0; i < r->n_rf; i++) {
		rf = &r->rf[i];
		fmt_nodes(who, sizeof(who), rf->affected);
		if (rf->kind == SIM_RF_PARTITION) {
			uint8_t grp[SIM_MAX_NODES];

			memset(grp, SIM_GRP_NONE, sizeof(grp));
			memcpy(grp, rf->grp, r->nodes);
			sim_groups_format(g, sizeof(g), grp);
			fprintf(f, "reform t=%.3fms partition %s", (double)rf->t / 1e6, g);
		} else if (rf->kind == SIM_RF_MERGE && rf->node == 0) {
			fprintf(f, "reform t=%.3fms merge (heal or end of faults)",
				(double)rf->t / 1e6);
		} else {
			fprintf(f, "reform t=%.3fms %s node %u", (double)rf->t / 1e6,
				rf->kind == SIM_RF_MERGE ? "restart" :
				kind_names[rf->kind], rf->node);
		}
		if (rf->dur != UINT64_MAX)
			fprintf(f, ": %.3f ms (nodes %s)\n", (double)rf->dur / 1e6, who);
		else if (rf->superseded)
			fprintf(f, ": superseded at t=%.3fms (nodes %s)\n",
				(double)rf->superseded / 1e6, who);
		else
			fprintf(f, ": not reflected (nodes %s)\n", who);
	}
	a = sim_reform_agg_new();
	if (a == NULL)
		return;
	sim_reform_agg_add(a, r);
	sim_reform_agg_print(a, f);
	sim_reform_agg_free(a);
}
