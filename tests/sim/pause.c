/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long pauses and the healthy-pair property. A paused node runs nothing: its
 * timers and traffic wait, and frames for it wait in a bounded receive queue
 * that drops when full (as af_packet's ring does), all read at the resume.
 * Two healthy nodes (neither lost nor had cut a frame to or from any node,
 * neither paused, crashed, left or restarted) must never see each other
 * leave: a healthy peer reported gone is what a cluster stack fences. A fault
 * of either one with a third node excuses the pair: when node 3's frames to
 * node 1 are lost, no ring holds 1, 2 and 3, and 2 must part from one. So
 * does a ring the other never installed when one of that ring's members was
 * unhealthy: when a ring's representative pauses during recovery, members
 * that had not yet delivered its configuration come to the next ring from an
 * older one, and EVS reports them as left.
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

/* Some member of the ring (by its regular configuration) was not healthy. */
static bool ring_had_fault(const struct sim *s, const struct check_ring *r)
{
	for (uint32_t id = 1; id <= s->o.nodes && id <= CHECK_MAX_NODES; id++)
		if ((r->members & CHECK_BIT(id)) && (s->unhealthy & (1u << (id - 1))))
			return true;
	return false;
}

void sim_pair_check(struct sim *s, const struct sim_node *nd, const struct rc_confchg *cc)
{
	uint32_t cur = s->chk.node[nd->id].cur;

	if (cur == CHECK_NONE)
		return;
	for (uint32_t i = 0; i < cc->n_left; i++) {
		uint32_t o = cc->left[i];

		/* a member that never installed the ring did not come from it:
		   not a parting, if a fault explains it (a member of that ring,
		   its representative say, paused mid-recovery); with every
		   member healthy, a ring some never installed is itself wrong */
		if (o >= 1 && o <= CHECK_MAX_NODES &&
		    !(s->chk.rings[cur].installed & CHECK_BIT(o)) &&
		    ring_had_fault(s, &s->chk.rings[cur]))
			continue;

		/* a fault of either with anyone excuses: with 3>1 lost, {1,2,3}
		   cannot be a ring and 2 must part from 1 or 3 (seed 282 --churn) */
		if (o < 1 || o > s->o.nodes ||
		    (s->unhealthy & ((1u << nd->idx) | (1u << (o - 1)))))
			continue;
		sim_check_fail(&s->chk,
			"healthy pair parted: node %u saw node %u leave (transitional configuration of ring (%u, %" PRIu64 ")) though neither lost a frame or paused, crashed or restarted",
			nd->id, o, cc->ring.rep, cc->ring.seq);
		return;
	}
}
