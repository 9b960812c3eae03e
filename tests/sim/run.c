/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One simulated run: create the engines (rc_totem: membership and ordering),
 * start them all at t=0, then pop events in (time, counter) order until the
 * run is done (faults over, one ring of every node, every message framed in
 * it delivered everywhere) plus a short settle, the checker reports a
 * violation, or the liveness deadline passes. After every call into a node
 * its deadline is re-read and, if it changed, a timer event of a new
 * generation is queued; older ones, and a crashed node's, are dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/wire.h>

#include "sim.h"

#define TIMER_LIVELOCK	100000		/* rc_totem_timer calls at one instant */
#define TIME_STUCK	50000000ull	/* events at one instant */

void sim_trace(const struct sim *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%12.6f ms  ", (double)s->now / 1e6);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int sim_push(struct sim *s, uint64_t t, uint8_t type, uint16_t node,
	     uint32_t arg, struct sim_buf *buf)
{
	if (sim_evq_push(&s->q, t, type, node, arg, buf) == 0)
		return 0;
	return sim_check_fail(&s->chk, "simulator out of memory");
}

/* Everything delivered by then: liveness after faults stop and traffic ends. */
static uint64_t liveness_deadline(const struct sim *s, uint64_t fault_end)
{
	uint64_t last_due = 0;

	if (s->interval_ns && s->o.messages)
		last_due = (s->o.messages - 1) * s->interval_ns;
	return (fault_end > last_due ? fault_end : last_due) + s->o.liveness_ns;
}

void sim_end_faults(struct sim *s)
{
	struct sim_fault f = { .kind = SIM_F_END };
	uint64_t resumed = s->now;

	if (!s->faults)
		return;
	/* a pause cannot be cut short: the deadlines count from the last resume */
	for (uint32_t i = 0; i < s->o.nodes; i++)
		if (s->node[i].up && s->node[i].paused_until > resumed)
			resumed = s->node[i].paused_until;
	s->faults = false;
	s->fault_end = s->now;
	s->deadline = liveness_deadline(s, resumed);
	s->converge_at = resumed + s->converge_ns;
	sim_push(s, s->converge_at, SIM_EV_CONVERGE, 0, 0, NULL);
	if (s->o.verbose)
		sim_trace(s, "faults stop; network perfect from now");
	f.t = s->now;
	sim_fault_apply(s, &f);
	sim_update_converged(s);
}

/* Every node up and operational in one ring of all of them. */
static bool one_ring(const struct sim *s, struct rc_ring_id *id)
{
	struct rc_ring_id r0 = { 0, 0 }, r;
	uint32_t m[RC_TOTEM_MAX_NODES], n, i;

	for (i = 0; i < s->o.nodes; i++) {
		const struct sim_node *nd = &s->node[i];

		if (!nd->up || rc_totem_state(nd->t) != RC_MEMB_OPERATIONAL)
			return false;
		rc_totem_ring(nd->t, &r, m, &n);
		if (n != s->o.nodes)
			return false;
		if (i == 0)
			r0 = r;
		else if (r.rep != r0.rep || r.seq != r0.seq)
			return false;
	}
	if (id)
		*id = r0;
	return true;
}

/* Done: faults over, one ring, every sender drained, all of it delivered. */
static bool all_done(struct sim *s)
{
	struct rc_ring_id f;
	uint32_t i, ri;

	if (s->faults || !one_ring(s, &f))
		return false;
	for (i = 0; i < s->o.nodes; i++)
		if (!sim_traffic_drained(s, &s->node[i]))
			return false;
	ri = sim_check_ring(&s->chk, f.rep, f.seq);
	if (ri == CHECK_NONE)
		return false;
	for (i = 1; i <= s->o.nodes; i++)
		if (s->chk.node[i].cur != ri ||
		    s->chk.node[i].pos != s->chk.rings[ri].msgs)
			return false;
	return true;
}

/* Once faults are over: the first moment every node is in one ring. */
void sim_update_converged(struct sim *s)
{
	if (!s->faults && !s->converged && one_ring(s, &s->final_ring)) {
		s->converged = true;
		if (s->o.verbose)
			sim_trace(s, "converged: every node in ring (%u, %" PRIu64 ")",
				  s->final_ring.rep, s->final_ring.seq);
	}
}

/* A regular configuration was installed during the last call. */
static void after_confchg(struct sim *s)
{
	s->confchg_flag = false;
	sim_reform_update(s);
	sim_update_converged(s);
}

/* After any call into nd: keep its traffic going and its timer armed. */
void sim_after_call(struct sim *s, struct sim_node *nd)
{
	uint64_t d;

	if (s->confchg_flag)
		after_confchg(s);
	if (!s->faults && s->done_t == UINT64_MAX && all_done(s))
		s->done_t = s->now;
	if (!nd->up)
		return;
	if (nd->sender && nd->next_index < s->o.messages)
		sim_traffic_pump(s, nd);
	d = rc_totem_next_deadline(nd->t);
	if (d == nd->timer_at)
		return;
	nd->timer_at = d;
	nd->timer_gen++;
	if (d != UINT64_MAX)
		sim_push(s, d < s->now ? s->now : d, SIM_EV_TIMER, nd->idx,
			 nd->timer_gen, NULL);
}


static void sim_fini(struct sim *s)
{
	struct sim_ev ev;
	uint32_t i;

	while (sim_evq_pop(&s->q, &ev))
		if (ev.type == SIM_EV_FRAME)
			sim_buf_put(s, ev.buf);
	sim_evq_fini(&s->q);
	if (s->node != NULL) {
		for (i = 0; i < s->o.nodes; i++) {
			if (s->node[i].t != NULL)
				rc_totem_destroy(s->node[i].t);
			sim_traffic_fini(&s->node[i]);
			free(s->node[i].sent_idx);
		}
	}
	free(s->node);
	free(s->link_mem);
	free(s->fmsg);
	sim_net_fini(s);
	sim_check_fini(&s->chk);
}

static int sim_init(struct sim *s, const struct sim_opts *o)
{
	struct sim_node *nd;
	const char *why = NULL;
	uint32_t i, n = o->nodes;
	int ret;

	memset(s, 0, sizeof(*s));
	s->o = *o;
	sim_rng_seed(&s->rng, o->seed);
	sim_payload_init(&s->pl, sim_mix64(o->seed ^ 0x7261666669630000ull),
			 o->size_min, o->size_max, o->safe);
	s->total_msgs = (uint64_t)o->senders * o->messages;
	s->fault_end = UINT64_MAX;
	s->done_t = UINT64_MAX;
	s->interval_ns = 0;
	if (o->rate > 0) {
		s->interval_ns = (uint64_t)(1e9 / o->rate + 0.5);
		if (s->interval_ns == 0)
			s->interval_ns = 1;
	}
	s->ps_per_byte = o->bandwidth_gbps > 0 ?
		(uint64_t)(8000.0 / o->bandwidth_gbps + 0.5) : 0;

	ret = sim_schedule_build(o, &s->sched);
	if (ret < 0)
		return ret;
	s->faults = s->sched.end > 0;
	sim_make_config(o, &s->cfg, 1, 0);
	ret = rc_totem_config_check(&s->cfg, &why);
	if (ret < 0) {
		fprintf(stderr, "ringcast-sim: engine configuration rejected: %s\n",
			why ? why : "?");
		return -EINVAL;
	}
	s->converge_ns = o->converge_ns ? o->converge_ns :
		sim_converge_default(&s->cfg);
	s->frame_max = s->cfg.srp.netmtu;
	for (uint32_t id = 1; id <= n && id <= SIM_MAX_NODES; id++)
		if (o->node_netmtu[id] > s->frame_max)
			s->frame_max = o->node_netmtu[id];
	s->buf_size = s->frame_max;
	if (s->buf_size < RC_WIRE_TOKEN_MAX)
		s->buf_size = RC_WIRE_TOKEN_MAX;
	if (s->buf_size < RC_WIRE_COMMIT_MAX)
		s->buf_size = RC_WIRE_COMMIT_MAX;

	ret = sim_check_init(&s->chk, n, o->senders, o->messages, &s->pl,
			     !o->quick_check);
	if (ret < 0)
		return ret;
	ret = sim_evq_init(&s->q, 4096);
	if (ret < 0)
		return ret;
	s->node = calloc(n, sizeof(*s->node));
	s->link_mem = calloc((size_t)n * n, sizeof(*s->link_mem));
	s->fmsg = calloc(SIM_FMSG_MAX, sizeof(*s->fmsg));
	if (s->node == NULL || s->link_mem == NULL || s->fmsg == NULL)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		nd = &s->node[i];
		nd->sim = s;
		nd->id = i + 1;
		nd->idx = (uint16_t)i;
		nd->timer_at = UINT64_MAX;
		nd->link_last = s->link_mem + (size_t)i * n;
		nd->sender = nd->id <= o->senders;
		nd->up = true;
		nd->sent_cap = 1024;
		nd->sent_idx = malloc(nd->sent_cap * sizeof(*nd->sent_idx));
		if (nd->sent_idx == NULL)
			return -ENOMEM;
		ret = sim_node_create(s, nd);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void schedule_pause(struct sim *s, struct sim_node *nd, uint64_t from)
{
	/* mean gap 1 ms / P; uniform keeps libm out of the replay path */
	uint64_t mean = (uint64_t)(1e6 / s->o.pause);

	sim_push(s, from + 1 + sim_rng_below(&s->rng, 2 * mean), SIM_EV_PAUSE,
		 nd->idx, 0, NULL);
}

static void handle_timer(struct sim *s, struct sim_node *nd)
{
	if (s->now != nd->timer_same_t) {
		nd->timer_same_t = s->now;
		nd->timer_same_n = 0;
	} else if (++nd->timer_same_n > TIMER_LIVELOCK) {
		sim_check_fail(&s->chk,
			"timer livelock: node %u: rc_totem_timer called %u times at %" PRIu64 " ns and next_deadline stays <= now",
			nd->id, TIMER_LIVELOCK, s->now);
		return;
	}
	nd->timer_at = UINT64_MAX;
	if (s->o.verbose)
		sim_trace(s, "node %u timer (state %d)", nd->id,
			  (int)rc_totem_state(nd->t));
	rc_totem_timer(nd->t, s->now);
	sim_after_call(s, nd);
}

static void handle_frame(struct sim *s, struct sim_node *nd,
			 struct sim_buf *b)
{
	const uint8_t *data;
	uint32_t len;
	int ret;

	data = sim_buf_data(b, &len);
	if (s->o.verbose) {
		char desc[160];

		sim_frame_describe(data, len, desc, sizeof(desc));
		sim_trace(s, "node %u recv %s", nd->id, desc);
	}
	ret = rc_totem_recv(nd->t, data, len, s->now);
	if (ret < 0 && s->o.verbose)
		sim_trace(s, "node %u dropped it: %d", nd->id, ret);
	sim_buf_put(s, b);
	sim_after_call(s, nd);
}

static void check_converge(struct sim *s)
{
	char why[256] = "";
	size_t l = 0;
	uint32_t i, n, m[RC_TOTEM_MAX_NODES];
	struct rc_ring_id r;

	if (one_ring(s, &s->final_ring)) {
		s->stable = true;	/* from now on it must stay */
		return;
	}
	for (i = 0; i < s->o.nodes && l + 48 < sizeof(why); i++) {
		const struct sim_node *nd = &s->node[i];

		rc_totem_ring(nd->t, &r, m, &n);
		l += (size_t)snprintf(why + l, sizeof(why) - l,
			"%s%u:%s(%u,%" PRIu64 ")x%u", i ? " " : "", nd->id,
			!nd->up ? "down" :
			rc_totem_state(nd->t) == RC_MEMB_OPERATIONAL ? "op" :
			rc_totem_state(nd->t) == RC_MEMB_GATHER ? "gather" :
			rc_totem_state(nd->t) == RC_MEMB_COMMIT ? "commit" :
			rc_totem_state(nd->t) == RC_MEMB_RECOVERY ? "recovery" :
			"stopped", r.rep, r.seq, n);
	}
	sim_check_fail(&s->chk,
		"convergence: %.3f ms after faults stopped (--converge) the nodes are not in one ring of all %u: node:state(ring)xmembers %s",
		(double)s->converge_ns / 1e6, s->o.nodes, why);
}

static void dispatch(struct sim *s, const struct sim_ev *ev)
{
	struct sim_node *nd = &s->node[ev->node];
	bool paused = nd->paused_until > s->now;

	switch (ev->type) {
	case SIM_EV_FRAME:
		if (ev->arg)		/* it was in the receive queue */
			nd->rxq_n--;
		if (!nd->up) {		/* a crashed node hears nothing */
			s->cut++;
			sim_buf_put(s, ev->buf);
		} else if (paused) {	/* queued by the NIC, read at resume */
			sim_pause_queue(s, nd, ev->buf);
		} else {
			handle_frame(s, nd, ev->buf);
		}
		break;
	case SIM_EV_TIMER:
		if (ev->arg != nd->timer_gen || !nd->up)
			break;		/* stale */
		if (paused)
			sim_push(s, nd->paused_until, ev->type, ev->node,
				 ev->arg, NULL);
		else
			handle_timer(s, nd);
		break;
	case SIM_EV_TRAFFIC:
		if (paused && nd->up) {
			sim_push(s, nd->paused_until, ev->type, ev->node, 0,
				 NULL);
			break;
		}
		nd->traffic_ev = false;
		if (nd->up)
			sim_after_call(s, nd);
		break;
	case SIM_EV_PAUSE:
		if (!s->faults)
			break;
		if (nd->up)
			sim_pause_node(s, nd, sim_rng_range(&s->rng, s->o.pause_min_ns,
							    s->o.pause_max_ns));
		schedule_pause(s, nd, nd->paused_until > s->now ?
			       nd->paused_until : s->now);
		break;
	case SIM_EV_FAULT_END:
		sim_end_faults(s);
		break;
	case SIM_EV_FAULT:
		if (s->faults)
			sim_fault_apply(s, &s->sched.f[ev->arg]);
		break;
	case SIM_EV_CONVERGE:
		check_converge(s);
		break;
	}
}

static void collect(const struct sim *s, struct sim_result *res)
{
	struct rc_srp_stats st;
	struct rc_memb_stats ms;
	uint32_t i, r;

	memset(res, 0, sizeof(*res));
	res->nodes = s->o.nodes;
	res->seed = s->o.seed;
	res->delivered = UINT64_MAX;
	for (i = 0; i < s->o.nodes; i++) {
		if (s->chk.node[i + 1].delivered < res->delivered)
			res->delivered = s->chk.node[i + 1].delivered;
		if (s->node[i].t == NULL)
			continue;
		rc_totem_stats_get(s->node[i].t, &st, &ms);
		res->rotations += st.rotations;
		res->retransmits += st.retransmits;
		res->token_retransmits += st.token_retransmits;
		res->holds += st.holds;
		res->wakes += st.wakes_tx;
		res->rtr_requested += st.rtr_requested;
		res->window_drops += st.window_drops;
		res->eagain += s->node[i].eagain;
		res->refused += s->node[i].refused;
		for (r = 0; r < RC_BAD_REASONS_; r++) {
			res->bad_by[r] += st.bad[r];
			res->bad += st.bad[r];
		}
		res->ms.gathers += ms.gathers;
		res->ms.rings += ms.rings;
		res->ms.token_losses += ms.token_losses;
		res->ms.consensus_timeouts += ms.consensus_timeouts;
		res->ms.joins_tx += ms.joins_tx;
		res->ms.commits_tx += ms.commits_tx;
		res->ms.merges_tx += ms.merges_tx;
		res->ms.foreign += ms.foreign;
		res->ms.stale += ms.stale;
		res->ms.leaves_rx += ms.leaves_rx;
		res->ms.fail_recv += ms.fail_recv;
		res->ms.pauses += ms.pauses;
		res->ms.failed_ignored += ms.failed_ignored;
	}
	res->bytes = s->chk.node[1].bytes;
	res->frames = s->frames;
	res->lost = s->lost;
	res->duplicated = s->duplicated;
	res->reordered = s->reordered;
	res->pauses = s->pauses;
	res->events = s->events;
	res->cut = s->cut;
	for (i = 0; i < s->chk.n_rings; i++)
		res->rings += s->chk.rings[i].have_members;
	res->excused = s->chk.excused;
	res->seq_back = s->seq_back;
	res->rx_dropped = s->rx_dropped;
	res->virtual_ns = s->done_t != UINT64_MAX ? s->done_t : s->now;
	res->n_rf = s->n_rf;
	memcpy(res->rf, s->rf, s->n_rf * sizeof(s->rf[0]));
	res->violated = s->chk.violated;
	if (res->violated)
		snprintf(res->what, sizeof(res->what), "%s (at %.6f ms virtual)",
			 s->chk.what, (double)s->now / 1e6);
}

/* Why the run is not done, for the liveness violation. */
static void not_done_why(struct sim *s, char *buf, size_t n)
{
	struct rc_ring_id f;
	uint32_t i, ri;

	if (s->faults) {
		snprintf(buf, n, "faults never stopped");
		return;
	}
	if (!one_ring(s, &f)) {
		snprintf(buf, n, "the nodes are not in one ring");
		return;
	}
	for (i = 0; i < s->o.nodes; i++) {
		const struct sim_node *nd = &s->node[i];

		if (sim_traffic_drained(s, nd))
			continue;
		snprintf(buf, n,
			 "node %u handed %" PRIu64 " of %" PRIu64 " messages to its engine, %u not yet framed",
			 nd->id, nd->next_index, s->o.messages, nd->out_n);
		return;
	}
	ri = sim_check_ring(&s->chk, f.rep, f.seq);
	for (i = 1; ri != CHECK_NONE && i <= s->o.nodes; i++) {
		if (s->chk.node[i].cur == ri &&
		    s->chk.node[i].pos == s->chk.rings[ri].msgs)
			continue;
		snprintf(buf, n,
			 "node %u delivered %" PRIu64 " of the %" PRIu64 " messages of the last ring (%u, %" PRIu64 ")",
			 i, s->chk.node[i].cur == ri ? s->chk.node[i].pos : 0,
			 s->chk.rings[ri].msgs, f.rep, f.seq);
		return;
	}
	snprintf(buf, n, "?");
}

/*
 * Every message a node's engine accepted (rc_totem_mcast returned 0) ended
 * a frame or was refused: done means its buffer came back, so one still
 * queued here was dropped by the engine unframed. (The sender's own
 * liveness check finds it too, but only as "not delivered"; this names
 * the cause.) Only a restart loses a queue (sim_node_restart).
 */
static int check_queues(struct sim *s)
{
	uint32_t i, j, idx;

	for (i = 0; i < s->o.nodes; i++) {
		const struct sim_node *nd = &s->node[i];

		if (!nd->up)
			continue;	/* (never at the end: all restart) */
		for (j = nd->sent_head; j != nd->sent_tail; j++) {
			idx = nd->sent_idx[j & (nd->sent_cap - 1)];
			if (idx == SIM_IDX_REFUSED)
				continue;
			return sim_check_fail(&s->chk,
				"liveness: node %u's engine accepted %u/%u (origin/index) and gave its buffer back, but never framed it",
				nd->id, nd->id, idx);
		}
	}
	return 0;
}

/* The end of a run that did not stop on a violation. */
static void final_checks(struct sim *s, bool stalled)
{
	uint64_t since = s->fault_end != UINT64_MAX ? s->fault_end : 0;
	char why[256];

	if (s->done_t == UINT64_MAX) {
		not_done_why(s, why, sizeof(why));
		sim_check_fail(&s->chk,
			"liveness: not done %s: %s",
			stalled ? "and no event left to run" : "by the deadline", why);
		if (!stalled) {
			size_t l = strlen(s->chk.what);

			snprintf(s->chk.what + l, sizeof(s->chk.what) - l,
				 "; %.3f ms after faults stopped%s",
				 (double)(s->now - since) / 1e6,
				 s->interval_ns ? " (deadline counts from the last message due, if later)" : "");
		}
		return;
	}
	if (check_queues(s) < 0 || sim_check_finish(&s->chk) < 0)
		return;
	sim_reform_finish(s);
}

static void run_loop(struct sim *s)
{
	struct sim_ev ev;
	uint64_t same = 0;

	for (;;) {
		if (s->chk.violated)
			return;
		if (!sim_evq_pop(&s->q, &ev)) {
			final_checks(s, s->done_t == UINT64_MAX);
			return;
		}
		if (s->done_t != UINT64_MAX && ev.t > s->done_t + SIM_SETTLE_NS) {
			s->now = s->done_t + SIM_SETTLE_NS;
			if (ev.type == SIM_EV_FRAME)
				sim_buf_put(s, ev.buf);
			final_checks(s, false);
			return;
		}
		if (s->done_t == UINT64_MAX && ev.t > s->deadline) {
			s->now = s->deadline;
			if (ev.type == SIM_EV_FRAME)
				sim_buf_put(s, ev.buf);
			final_checks(s, false);
			return;
		}
		if (ev.t != s->now) {
			s->now = ev.t;
			same = 0;
		} else if (++same > TIME_STUCK) {
			sim_check_fail(&s->chk,
				"virtual time stuck: %llu events at %" PRIu64 " ns",
				TIME_STUCK, s->now);
			return;
		}
		s->events++;
		dispatch(s, &ev);
	}
}

int sim_run(const struct sim_opts *o, struct sim_result *res)
{
	struct sim *s;
	uint32_t i;
	int ret;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	ret = sim_init(s, o);
	if (ret < 0)
		goto fini;

	for (i = 0; i < s->sched.n; i++)
		sim_push(s, s->sched.f[i].t, SIM_EV_FAULT, 0, i, NULL);
	if (s->sched.end == SIM_FAULT_AUTO) {
		s->deadline = liveness_deadline(s, SIM_AUTO_FAULT_CAP);
		sim_push(s, s->total_msgs ? SIM_AUTO_FAULT_CAP : 0,
			 SIM_EV_FAULT_END, 0, 0, NULL);
	} else if (s->faults) {
		s->deadline = liveness_deadline(s, s->sched.end);
		sim_push(s, s->sched.end, SIM_EV_FAULT_END, 0, 0, NULL);
	} else {
		s->fault_end = 0;
		s->deadline = liveness_deadline(s, 0);
		s->converge_at = s->converge_ns;
		sim_push(s, s->converge_at, SIM_EV_CONVERGE, 0, 0, NULL);
	}
	for (i = 0; i < o->nodes; i++)
		rc_totem_start(s->node[i].t, 0);
	for (i = 0; i < o->nodes; i++) {
		sim_after_call(s, &s->node[i]);
		if (o->pause > 0 && s->faults)
			schedule_pause(s, &s->node[i], 0);
	}
	run_loop(s);
	collect(s, res);
fini:
	sim_fini(s);
	free(s);
	return ret;
}
