/*
 * One simulated run: create the engines, then pop events in (time, counter)
 * order until every node delivered everything (plus a short settle), the
 * checker reports a violation, or the liveness deadline passes. After every
 * call into a node its deadline is re-read and, if it changed, a timer event
 * of a new generation is queued; older ones are dropped when they pop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/wire.h>

#include "sim.h"

#define TIMER_LIVELOCK	100000		/* rc_srp_timer calls at one instant */
#define TIME_STUCK	50000000ull	/* events at one instant */
#define CLUSTER_ID	0x72630001u

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
	if (!s->faults)
		return;
	s->faults = false;
	s->fault_end = s->now;
	s->deadline = liveness_deadline(s, s->now);
	if (s->o.verbose)
		sim_trace(s, "faults stop; network perfect from now");
}

/* After any call into nd: keep its traffic going and its timer armed. */
void sim_after_call(struct sim *s, struct sim_node *nd)
{
	uint64_t d;

	if (nd->sender && nd->next_index < s->o.messages)
		sim_traffic_pump(s, nd);
	d = rc_srp_next_deadline(nd->srp);
	if (d == nd->timer_at)
		return;
	nd->timer_at = d;
	nd->timer_gen++;
	if (d != UINT64_MAX)
		sim_push(s, d < s->now ? s->now : d, SIM_EV_TIMER, nd->idx,
			 nd->timer_gen, NULL);
}

/* ops: the engine calls these from inside rc_srp_*() */

static void op_send(void *priv, uint32_t dst, const void *frame, size_t len)
{
	struct sim_node *nd = priv;

	sim_net_send(nd->sim, nd, dst, frame, len);
}

static void op_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
	struct sim_node *nd = priv;
	struct sim *s = nd->sim;

	if (s->o.verbose)
		sim_trace(s, "node %u deliver from %u seq %u len %zu%s",
			  nd->id, info->sender, info->seq, len,
			  info->guarantee == RC_GUARANTEE_SAFE ? " SAFE" : "");
	if (info->ring_rep != s->cfg.members[0] ||
	    info->ring_seq != s->cfg.ring_seq || info->recovered) {
		sim_check_fail(&s->chk,
			"ring: node %u delivered a message of ring (%u, %" PRIu64 ")%s, but the only ring is (%u, %" PRIu64 ")",
			nd->id, info->ring_rep, info->ring_seq,
			info->recovered ? " marked recovered" : "",
			s->cfg.members[0], s->cfg.ring_seq);
		return;
	}
	if (sim_check_deliver(&s->chk, nd->id, info, msg, len) < 0 ||
	    s->chk.nodes_done == 0)
		return;
	/* auto: faults stop once one node has everything; the rest catch up */
	if (s->faults && s->o.fault_ns == SIM_FAULT_AUTO)
		sim_end_faults(s);
	if (sim_check_all_done(&s->chk) && s->done_t == UINT64_MAX)
		s->done_t = s->now;
}

static void op_sent(void *priv, void *cookie)
{
	struct sim_node *nd = priv;

	sim_traffic_sent(nd->sim, nd, cookie);
}

static const struct rc_srp_ops sim_ops = {
	.send = op_send,
	.deliver = op_deliver,
	.sent = op_sent,
};

static uint32_t node_aru(void *ctx, uint32_t nodeid)
{
	const struct sim *s = ctx;

	return rc_srp_my_aru(s->node[nodeid - 1].srp);
}

static void make_config(const struct sim_opts *o, struct rc_srp_config *cfg,
			uint32_t nodeid)
{
	uint32_t i;

	rc_srp_config_defaults(cfg);
	cfg->cluster_id = CLUSTER_ID;
	cfg->nodeid = nodeid;
	cfg->n_members = o->nodes;
	for (i = 0; i < o->nodes; i++)
		cfg->members[i] = i + 1;
	cfg->ring_seq = 1;
	if (SIM_SET(o, OPT_ACCEL))
		cfg->accel_window = o->accel;
	if (SIM_SET(o, OPT_WINDOW))
		cfg->window_size = o->window;
	if (SIM_SET(o, OPT_MAX_MESSAGES))
		cfg->max_messages = o->max_messages;
	if (SIM_SET(o, OPT_NETMTU))
		cfg->netmtu = o->netmtu;
	if (SIM_SET(o, OPT_RTR_SLOTS))
		cfg->rtr_slots = o->rtr_slots;
	if (SIM_SET(o, OPT_SEND_QUEUE))
		cfg->send_queue_len = o->send_queue;
	/*
	 * The largest message this run sends, not the engine's 64 MiB default:
	 * the engine keeps a reassembly buffer of this size per member, and
	 * under MALLOC_PERTURB_ (set by meson test) calloc touches all of it.
	 */
	cfg->max_msg_size = o->size_max ? o->size_max : 1;
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
			if (s->node[i].srp != NULL)
				rc_srp_destroy(s->node[i].srp);
			sim_traffic_fini(&s->node[i]);
		}
	}
	free(s->node);
	free(s->queued);
	free(s->link_mem);
	sim_net_fini(s);
	sim_check_fini(&s->chk);
}

static int sim_init(struct sim *s, const struct sim_opts *o)
{
	struct rc_srp_config cfg;
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
	s->faults = o->fault_ns > 0;
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

	make_config(o, &s->cfg, 1);
	ret = rc_srp_config_check(&s->cfg, &why);
	if (ret < 0) {
		fprintf(stderr, "ringcast-sim: engine configuration rejected: %s\n",
			why ? why : "?");
		return -EINVAL;
	}
	s->frame_max = s->cfg.netmtu;
	s->buf_size = s->cfg.netmtu > RC_WIRE_TOKEN_MAX ? s->cfg.netmtu :
			RC_WIRE_TOKEN_MAX;

	ret = sim_check_init(&s->chk, n, o->senders, o->messages, &s->pl,
			     !o->quick_check);
	if (ret < 0)
		return ret;
	ret = sim_evq_init(&s->q, 4096);
	if (ret < 0)
		return ret;
	s->node = calloc(n, sizeof(*s->node));
	s->queued = calloc(n + 1, sizeof(*s->queued));
	s->link_mem = calloc((size_t)n * n, sizeof(*s->link_mem));
	if (s->node == NULL || s->queued == NULL || s->link_mem == NULL)
		return -ENOMEM;
	s->chk.queued = s->queued;
	s->chk.aru = node_aru;
	s->chk.ctx = s;

	for (i = 0; i < n; i++) {
		nd = &s->node[i];
		nd->sim = s;
		nd->id = i + 1;
		nd->idx = (uint16_t)i;
		nd->timer_at = UINT64_MAX;
		nd->link_last = s->link_mem + (size_t)i * n;
		nd->sender = nd->id <= o->senders;
		make_config(o, &cfg, nd->id);
		ret = rc_srp_create(&cfg, &sim_ops, nd, &nd->srp);
		if (ret < 0) {
			fprintf(stderr, "ringcast-sim: rc_srp_create(node %u): %s\n",
				nd->id, strerror(-ret));
			return ret;
		}
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
			"timer livelock: node %u: rc_srp_timer called %u times at %" PRIu64 " ns and next_deadline stays <= now",
			nd->id, TIMER_LIVELOCK, s->now);
		return;
	}
	nd->timer_at = UINT64_MAX;
	if (s->o.verbose)
		sim_trace(s, "node %u timer", nd->id);
	rc_srp_timer(nd->srp, s->now);
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
		char desc[128];

		sim_frame_describe(data, len, desc, sizeof(desc));
		sim_trace(s, "node %u recv %s", nd->id, desc);
	}
	ret = rc_srp_recv(nd->srp, data, len, s->now);
	if (ret < 0 && s->o.verbose)
		sim_trace(s, "node %u dropped it: %d", nd->id, ret);
	sim_buf_put(s, b);
	sim_after_call(s, nd);
}

static void dispatch(struct sim *s, const struct sim_ev *ev)
{
	struct sim_node *nd = &s->node[ev->node];
	bool paused = nd->paused_until > s->now;

	switch (ev->type) {
	case SIM_EV_FRAME:
		if (paused)	/* queued by the NIC, read at resume */
			sim_push(s, nd->paused_until, ev->type, ev->node, 0,
				 ev->buf);
		else
			handle_frame(s, nd, ev->buf);
		break;
	case SIM_EV_TIMER:
		if (ev->arg != nd->timer_gen)
			break;		/* stale */
		if (paused)
			sim_push(s, nd->paused_until, ev->type, ev->node,
				 ev->arg, NULL);
		else
			handle_timer(s, nd);
		break;
	case SIM_EV_TRAFFIC:
		if (paused) {
			sim_push(s, nd->paused_until, ev->type, ev->node, 0,
				 NULL);
			break;
		}
		nd->traffic_ev = false;
		sim_after_call(s, nd);
		break;
	case SIM_EV_PAUSE:
		if (!s->faults)
			break;
		nd->paused_until = s->now + sim_rng_range(&s->rng,
			SIM_PAUSE_MIN_NS, SIM_PAUSE_MAX_NS);
		s->pauses++;
		if (s->o.verbose)
			sim_trace(s, "node %u pauses for %.3f ms", nd->id,
				  (double)(nd->paused_until - s->now) / 1e6);
		schedule_pause(s, nd, nd->paused_until);
		break;
	case SIM_EV_FAULT_END:
		sim_end_faults(s);
		break;
	}
}

static void collect(const struct sim *s, struct sim_result *res)
{
	struct rc_srp_stats st;
	uint32_t i, r;

	memset(res, 0, sizeof(*res));
	res->nodes = s->o.nodes;
	res->seed = s->o.seed;
	res->delivered = UINT64_MAX;
	for (i = 0; i < s->o.nodes; i++) {
		if (s->chk.node[i].pos < res->delivered)
			res->delivered = s->chk.node[i].pos;
		rc_srp_stats_get(s->node[i].srp, &st);
		res->rotations += st.rotations;
		res->retransmits += st.retransmits;
		res->token_retransmits += st.token_retransmits;
		res->holds += st.holds;
		res->wakes += st.wakes_tx;
		res->rtr_requested += st.rtr_requested;
		res->window_drops += st.window_drops;
		res->eagain += s->node[i].eagain;
		for (r = 0; r < RC_BAD_REASONS_; r++) {
			res->bad_by[r] += st.bad[r];
			res->bad += st.bad[r];
		}
	}
	res->bytes = s->chk.node[0].bytes;
	res->frames = s->frames;
	res->lost = s->lost;
	res->duplicated = s->duplicated;
	res->reordered = s->reordered;
	res->pauses = s->pauses;
	res->events = s->events;
	res->virtual_ns = s->done_t != UINT64_MAX ? s->done_t : s->now;
	res->violated = s->chk.violated;
	if (res->violated)
		snprintf(res->what, sizeof(res->what), "%s (at %.6f ms virtual)",
			 s->chk.what, (double)s->now / 1e6);
}

/* The end of a run that did not stop on a violation. */
static void final_checks(struct sim *s, bool stalled)
{
	uint64_t since = s->fault_end != UINT64_MAX ? s->fault_end : 0;
	size_t l;

	if (sim_check_finish(&s->chk) < 0) {
		l = strlen(s->chk.what);
		if (stalled)
			snprintf(s->chk.what + l, sizeof(s->chk.what) - l,
				 "; no event left to run");
		else
			snprintf(s->chk.what + l, sizeof(s->chk.what) - l,
				 "; still missing %.3f ms after faults stopped%s",
				 (double)(s->now - since) / 1e6,
				 s->interval_ns ? " (deadline counts from the last message due, if later)" : "");
		return;
	}
	if (s->total_sent != s->total_msgs)
		sim_check_fail(&s->chk,
			"ops.sent: %" PRIu64 " of %" PRIu64 " message buffers never released after every node delivered them",
			s->total_msgs - s->total_sent, s->total_msgs);
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

	if (o->fault_ns == SIM_FAULT_AUTO) {
		s->deadline = liveness_deadline(s, SIM_AUTO_FAULT_CAP);
		sim_push(s, SIM_AUTO_FAULT_CAP, SIM_EV_FAULT_END, 0, 0, NULL);
	} else {
		s->deadline = liveness_deadline(s, o->fault_ns);
		if (s->faults)
			sim_push(s, o->fault_ns, SIM_EV_FAULT_END, 0, 0, NULL);
		else
			s->fault_end = 0;
	}
	for (i = 0; i < o->nodes; i++)
		rc_srp_start(s->node[i].srp, 0);
	for (i = 0; i < o->nodes; i++) {
		sim_after_call(s, &s->node[i]);
		if (o->pause > 0 && s->faults)
			schedule_pause(s, &s->node[i], 0);
	}
	if (s->total_msgs == 0) {
		s->done_t = 0;
		sim_end_faults(s);
	}
	run_loop(s);
	collect(s, res);
fini:
	sim_fini(s);
	free(s);
	return ret;
}
