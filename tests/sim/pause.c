/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long pauses and the healthy-pair property. A paused node runs nothing: its
 * timers and traffic wait, and frames for it wait in a bounded receive queue
 * that drops when full (as af_packet's ring does), all read at the resume.
 * Two healthy nodes (neither lost nor had cut a frame to or from any node,
 * neither paused, crashed, left or restarted) must never see each other
 * leave: a healthy peer reported gone is what a cluster stack fences. A fault
 * of either one with a third node excuses the pair: when node 3's frames to
 * node 1 are lost, no ring holds 1, 2 and 3, and 2 must part from one.
 *
 * So does a ring cut short: a ring R that one of the two installed and the
 * other, a member of R too, never did, when both meet again in the next
 * ring N and a node of R or of N had a fault. Members install R one after
 * the other as the token reaches them on its last rotation of recovery; a
 * fault in that window (R's representative pauses, or a node outside R, a
 * restarted one say, sends a JOIN that the members already operational in
 * R answer by gathering, which then ends the recovery of the others) leaves
 * R installed by some members only. The two then come to N from different
 * rings, R and the one before, and EVS has each report the other as left,
 * whichever of them installs N first (churn seed 2353, and a restart's JOIN
 * in that window with every member of R healthy). Both must be in N: a
 * healthy node missing from the next ring is a parting.
 *
 * The check runs at the regular configuration, right after the
 * transitional one, so that N's members are known.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define MS		1000000ull

/* --pauses: 1..3 pauses of 0.5..10 s, random nodes, random points of the run. */
void sim_pause_schedule(const struct sim_opts *o, struct sim_sched *sc)
{
	struct sim_fault f;
	struct sim_rng r;
	uint32_t n, i;

	sim_rng_seed(&r, sim_mix64(o->seed ^ 0x7061757365732121ull));
	n = (uint32_t)sim_rng_range(&r, 1, 3);
	for (i = 0; i < n && sc->n + 2 <= SIM_SCHED_MAX; i++) {
		memset(&f, 0, sizeof(f));
		f.kind = SIM_F_PAUSE;
		f.a = (uint8_t)sim_rng_range(&r, 1, o->nodes);
		f.t = sim_rng_range(&r, 5, 1500) * MS + sim_rng_below(&r, MS);
		f.dur = sim_rng_range(&r, 500, 10000) * MS + sim_rng_below(&r, MS);
		sc->f[sc->n++] = f;
	}
}

void sim_pair_break(struct sim *s, uint32_t a, uint32_t b)
{
	s->unhealthy |= (1u << a) | (1u << b);
}

void sim_node_unhealthy(struct sim *s, uint32_t idx)
{
	s->unhealthy |= 1u << idx;
}

void sim_pause_node(struct sim *s, struct sim_node *nd, uint64_t dur)
{
	if (!nd->up)
		return;
	if (s->now + dur > nd->paused_until)
		nd->paused_until = s->now + dur;
	s->pauses++;
	sim_node_unhealthy(s, nd->idx);
	if (s->o.verbose)
		sim_trace(s, "node %u pauses for %.3f ms", nd->id, (double)dur / 1e6);
}

void sim_pause_queue(struct sim *s, struct sim_node *nd, struct sim_buf *b)
{
	uint32_t len;
	const uint8_t *d = sim_buf_data(b, &len);
	struct rc_wire_hdr h;

	(void)len;
	if (nd->rxq_n >= s->o.rx_queue) {
		s->rx_dropped++;
		memcpy(&h, d, sizeof(h));	/* frames are never shorter */
		sim_node_unhealthy(s, nd->idx);	/* paused: it is already */
		if (s->o.verbose > 1)
			sim_trace(s, "node %u receive queue full: frame of %u dropped",
				  nd->id, h.sender);
		sim_buf_put(s, b);
		return;
	}
	nd->rxq_n++;
	sim_push(s, nd->paused_until, SIM_EV_FRAME, nd->idx, 1, b);
}

/*
 * Ring ri was cut short between a, who installed it, and b, a member of it
 * who never did; both are in the next ring (members `to`), and a node of ri
 * or of the next ring had a fault.
 */
static bool cut_short(const struct check *c, uint32_t unhealthy, uint32_t ri,
		      uint32_t a, uint32_t b, uint32_t to)
{
	const struct check_ring *r = &c->rings[ri];

	return r->have_members &&
	       (r->members & CHECK_BIT(a)) && (r->members & CHECK_BIT(b)) &&
	       (r->installed & CHECK_BIT(a)) && !(r->installed & CHECK_BIT(b)) &&
	       (to & CHECK_BIT(a)) && (to & CHECK_BIT(b)) &&
	       ((r->members | to) & unhealthy) != 0;
}

int sim_pair_judge(struct check *c, uint32_t unhealthy, uint32_t id,
		   uint32_t from, uint32_t to_ri, uint32_t to, uint32_t left)
{
	const struct check_ring *r, *x;
	uint32_t o, via;

	if (from == CHECK_NONE || from >= c->n_rings || to_ri >= c->n_rings)
		return 0;
	r = &c->rings[from];
	x = &c->rings[to_ri];
	for (o = 1; o <= c->n_nodes && o <= CHECK_MAX_NODES; o++) {
		if (!(left & CHECK_BIT(o)))
			continue;
		/* a fault of either with anyone excuses: with 3>1 lost, {1,2,3}
		   cannot be a ring and 2 must part from 1 or 3 (seed 282 --churn) */
		if (unhealthy & (CHECK_BIT(id) | CHECK_BIT(o)))
			continue;
		/* o never installed the ring this node leaves: it comes to the
		   next ring from an older one (the ring was cut short) */
		if (!(r->installed & CHECK_BIT(o)) &&
		    cut_short(c, unhealthy, from, id, o, to))
			continue;
		/* o installed it, then left it for a ring this node was a
		   member of and never installed (cut short): o comes from that
		   ring, this node from the older one (churn seed 2353) */
		via = r->trans_to[o];
		if ((r->installed & CHECK_BIT(o)) && via != CHECK_NONE &&
		    via != to_ri && via < c->n_rings &&
		    cut_short(c, unhealthy, via, o, id, to))
			continue;
		return sim_check_fail(c,
			"healthy pair parted: node %u saw node %u leave (transitional configuration of ring (%u, %" PRIu64 ")) though neither lost a frame or paused, crashed or restarted",
			id, o, x->rep, x->seq);
	}
	return 0;
}

/* The transitional configuration: remember what the node left. */
void sim_pair_leave(struct sim *s, struct sim_node *nd, const struct rc_confchg *cc)
{
	nd->pair_from = s->chk.node[nd->id].cur;
	nd->pair_left = 0;
	for (uint32_t i = 0; i < cc->n_left; i++)
		if (cc->left[i] >= 1 && cc->left[i] <= CHECK_MAX_NODES)
			nd->pair_left |= CHECK_BIT(cc->left[i]);
	nd->pair_pending = true;
}

/* The regular configuration that follows it: judge the nodes left. */
void sim_pair_check(struct sim *s, struct sim_node *nd, const struct rc_confchg *cc)
{
	uint32_t to = 0, to_ri;

	if (!nd->pair_pending)
		return;
	nd->pair_pending = false;
	for (uint32_t i = 0; i < cc->n_members; i++)
		if (cc->members[i] >= 1 && cc->members[i] <= CHECK_MAX_NODES)
			to |= CHECK_BIT(cc->members[i]);
	to_ri = sim_check_ring(&s->chk, cc->ring.rep, cc->ring.seq);
	if (to_ri == CHECK_NONE)
		return;
	/* s->unhealthy is by index: bit id - 1, as CHECK_BIT(id) */
	sim_pair_judge(&s->chk, s->unhealthy, nd->id, nd->pair_from, to_ri, to,
		       nd->pair_left);
}
