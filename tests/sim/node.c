/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One node's life and the engine's callbacks. A node is created with
 * rc_totem_create() (configuration from rc_totem_config_defaults() plus the
 * run's engine options), crashes (no more calls; its engine is kept, untouched,
 * until a restart) or leaves (rc_totem_leave, then no more calls), and
 * restarts with a fresh engine and the ring seq it last persisted. The
 * callbacks feed the checker: every first transmission of a data frame
 * (which messages it ends, matched in order to ops.sent), every token the
 * node forwards (with its my_aru then, for the SAFE check), every delivery
 * and every configuration change.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/wire.h>

#include "sim.h"

#define CLUSTER_ID	0x72630001u

/* ---- ops: the engine calls these from inside rc_totem_*() ---- */

/* An MCAST a node sends for the first time: tell the checker what it holds. */
static void note_frame(struct sim *s, struct sim_node *nd, const uint8_t *f,
		       size_t len)
{
	struct rc_wire_hdr h;
	struct rc_wire_mcast mc;
	struct rc_wire_chunk ch;
	size_t pos = RC_WIRE_MCAST_OVERHEAD;
	uint32_t n = 0, i;

	if (len < RC_WIRE_MCAST_OVERHEAD)
		return;
	memcpy(&h, f, sizeof(h));
	memcpy(&mc, f + sizeof(h), sizeof(mc));
	if (le32toh(h.sender) != nd->id ||
	    sim_check_frame_known(&s->chk, le32toh(h.ring_rep),
				  le64toh(h.ring_seq), le32toh(mc.seq)))
		return;		/* a retransmission */
	for (i = 0; i < le16toh(mc.nchunks) && pos + sizeof(ch) <= len; i++) {
		uint16_t fl;

		memcpy(&ch, f + pos, sizeof(ch));
		pos += sizeof(ch) + le32toh(ch.len);
		fl = le16toh(ch.flags);
		if ((fl & RC_CF_CTRL) || !(fl & RC_CF_LAST))
			continue;
		/* messages refused before their first frame never end one */
		while (nd->sent_head != nd->sent_tail &&
		       nd->sent_idx[nd->sent_head & (nd->sent_cap - 1)] == SIM_IDX_REFUSED)
			nd->sent_head++;
		if (nd->sent_head == nd->sent_tail) {
			sim_check_fail(&s->chk,
				"node %u sent a frame (seq %u) ending a message it never queued",
				nd->id, le32toh(mc.seq));
			return;
		}
		s->fmsg[n].origin = (uint8_t)nd->id;
		s->fmsg[n].cont = !(fl & RC_CF_FIRST);
		s->fmsg[n++].index =
			nd->sent_idx[nd->sent_head++ & (nd->sent_cap - 1)];
	}
	sim_check_framed(&s->chk, nd->id, le32toh(h.ring_rep),
			 le64toh(h.ring_seq), le32toh(mc.seq), s->fmsg, n);
}

/*
 * A TOKEN the node forwards (or retransmits): what it holds of that ring
 * now, at least the aru it vouched for in it. Read here, as the ordering
 * half sends it, not from the membership state: that half may have left
 * the ring already while this one still runs it (rc_totem_set_xdelay).
 */
static void note_token(struct sim *s, struct sim_node *nd, const uint8_t *f)
{
	struct rc_wire_hdr h;

	memcpy(&h, f, sizeof(h));
	sim_check_token(&s->chk, nd->id, le32toh(h.ring_rep), le64toh(h.ring_seq),
			rc_totem_my_aru(nd->t));
}

static void op_send(void *priv, uint32_t dst, const void *frame, size_t len)
{
	struct sim_node *nd = priv;

	if (len > sizeof(struct rc_wire_hdr) &&
	    ((const uint8_t *)frame)[5] == RC_FT_MCAST)
		note_frame(nd->sim, nd, frame, len);
	else if (len > sizeof(struct rc_wire_hdr) &&
		 ((const uint8_t *)frame)[5] == RC_FT_TOKEN)
		note_token(nd->sim, nd, frame);
	sim_net_send(nd->sim, nd, dst, frame, len);
}

static void op_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
	struct sim_node *nd = priv;
	struct sim *s = nd->sim;

	if (s->o.verbose)
		sim_trace(s, "node %u deliver from %u seq %u ring (%u, %" PRIu64 ") len %zu%s%s",
			  nd->id, info->sender, info->seq, info->ring_rep,
			  info->ring_seq, len,
			  info->guarantee == RC_GUARANTEE_SAFE ? " SAFE" : "",
			  info->recovered ? " recovered" : "");
	if (sim_check_deliver(&s->chk, nd->id, info, msg, len) < 0)
		return;
	/* auto: faults stop once every message reached some node */
	if (s->faults && s->sched.end == SIM_FAULT_AUTO &&
	    sim_check_all_seen(&s->chk) && !s->end_queued) {
		s->end_queued = true;	/* outside this engine call */
		sim_push(s, s->now, SIM_EV_FAULT_END, 0, 0, NULL);
	}
}

static void op_sent(void *priv, void *cookie)
{
	struct sim_node *nd = priv;

	sim_traffic_sent(nd->sim, nd, cookie);
}

static void op_refused(void *priv, void *cookie)
{
	struct sim_node *nd = priv;

	sim_traffic_refused(nd->sim, nd, cookie);
}

static void fmt_ids(char *buf, size_t n, const uint32_t *ids, uint32_t k)
{
	size_t l = 0;
	uint32_t i;

	buf[0] = '\0';
	for (i = 0; i < k && l + 4 < n; i++)
		l += (size_t)snprintf(buf + l, n - l, "%s%u", i ? "," : "", ids[i]);
}

static void op_confchg(void *priv, const struct rc_confchg *cc)
{
	struct sim_node *nd = priv;
	struct sim *s = nd->sim;
	char m[64], l[64], j[64];
	uint32_t i;

	if (s->o.verbose) {
		fmt_ids(m, sizeof(m), cc->members, cc->n_members);
		fmt_ids(l, sizeof(l), cc->left, cc->n_left);
		fmt_ids(j, sizeof(j), cc->joined, cc->n_joined);
		sim_trace(s, "node %u confchg %s ring (%u, %" PRIu64 ") members {%s} left {%s} joined {%s} limit %u",
			  nd->id, cc->type == RC_CONF_REGULAR ? "regular" : "transitional",
			  cc->ring.rep, cc->ring.seq, m, l, j, cc->msg_limit);
	}
	if (cc->type == RC_CONF_REGULAR) {
		sim_pair_check(s, nd, cc);
		nd->in_ring = true;
		nd->ring = cc->ring;
		nd->ring_members = 0;
		for (i = 0; i < cc->n_members && i < RC_TOTEM_MAX_NODES; i++)
			if (cc->members[i] >= 1 && cc->members[i] <= SIM_MAX_NODES)
				nd->ring_members |= CHECK_BIT(cc->members[i]);
		s->confchg_flag = true;
		if (++s->rings > SIM_MAX_INSTALLS) {
			sim_check_fail(&s->chk,
				"membership storm: %u regular configurations installed by %.3f ms (node %u now installs ring (%u, %" PRIu64 ") of %u member(s))",
				SIM_MAX_INSTALLS, (double)s->now / 1e6, nd->id,
				cc->ring.rep, cc->ring.seq, cc->n_members);
			return;
		}
	} else {
		sim_pair_leave(s, nd, cc);
	}
	if (cc->type != RC_CONF_REGULAR && s->stable) {
		sim_check_fail(&s->chk,
			"convergence: node %u left ring (%u, %" PRIu64 ") for ring (%u, %" PRIu64 ") after every node was in it at the --converge deadline, on a perfect network",
			nd->id, s->final_ring.rep, s->final_ring.seq,
			cc->ring.rep, cc->ring.seq);
		return;
	}
	sim_check_confchg(&s->chk, nd->id, cc);
}

static int op_ring_seq(void *priv, uint64_t seq)
{
	struct sim_node *nd = priv;

	if (seq < nd->persisted)
		nd->sim->seq_back++;
	nd->persisted = seq;
	if (nd->sim->o.verbose > 1)
		sim_trace(nd->sim, "node %u persists ring seq %" PRIu64, nd->id, seq);
	return 0;
}

static const struct rc_totem_ops sim_ops = {
	.send = op_send,
	.deliver = op_deliver,
	.sent = op_sent,
	.refused = op_refused,
	.confchg = op_confchg,
	.ring_seq = op_ring_seq,
};

void sim_make_config(const struct sim_opts *o, struct rc_totem_config *cfg,
		     uint32_t nodeid, uint64_t last_ring_seq)
{
	struct rc_srp_config *sc = &cfg->srp;

	rc_totem_config_defaults(cfg);
	cfg->last_ring_seq = last_ring_seq;
	sc->cluster_id = CLUSTER_ID;
	sc->nodeid = nodeid;
	sc->n_members = 1;
	sc->members[0] = nodeid;
	if (SIM_SET(o, OPT_ACCEL))
		sc->accel_window = o->accel;
	if (SIM_SET(o, OPT_WINDOW))
		sc->window_size = o->window;
	if (SIM_SET(o, OPT_MAX_MESSAGES))
		sc->max_messages = o->max_messages;
	if (SIM_SET(o, OPT_NETMTU))
		sc->netmtu = o->netmtu;
	if (SIM_SET(o, OPT_RTR_SLOTS))
		sc->rtr_slots = o->rtr_slots;
	if (SIM_SET(o, OPT_SEND_QUEUE))
		sc->send_queue_len = o->send_queue;
	/*
	 * The largest message this run sends, not the engine's 64 MiB default:
	 * the engine keeps a reassembly buffer of this size per member, and
	 * under MALLOC_PERTURB_ (set by meson test) malloc touches all of it.
	 * (Recovery re-sends whole frames as internal messages: the engine
	 * must take those even when this is smaller than a frame.)
	 */
	sc->max_msg_size = o->size_max ? o->size_max : 1;
	if (SIM_SET(o, OPT_MAX_MSG_SIZE))
		sc->max_msg_size = o->max_msg_size;
	if (nodeid <= SIM_MAX_NODES && o->node_max_msg[nodeid])
		sc->max_msg_size = o->node_max_msg[nodeid];
	if (nodeid <= SIM_MAX_NODES && o->node_netmtu[nodeid])
		sc->netmtu = o->node_netmtu[nodeid];
}

int sim_node_create(struct sim *s, struct sim_node *nd)
{
	struct rc_totem_config cfg;
	int ret;

	sim_make_config(&s->o, &cfg, nd->id, nd->persisted);
	nd->send_max = cfg.srp.max_msg_size;
	nd->mtu = cfg.srp.netmtu;
	s->chk.limit[nd->id] = rc_totem_msg_limit(&cfg.srp);
	ret = rc_totem_create(&cfg, &sim_ops, nd, &nd->t);
	if (ret < 0) {
		fprintf(stderr, "ringcast-sim: rc_totem_create(node %u): %s\n",
			nd->id, strerror(-ret));
		return ret;
	}
	rc_totem_set_xdelay(nd->t, s->o.xdelay_ns, s->o.seed ^ ((uint64_t)nd->id << 32));
	return 0;
}

/* Crash (no more calls) or leave (rc_totem_leave, then no more calls). */
void sim_node_crash(struct sim *s, struct sim_node *nd, bool leave)
{
	if (!nd->up)
		return;
	if (leave)
		rc_totem_leave(nd->t, s->now);
	nd->up = false;
	nd->left = leave;
	nd->timer_gen++;
	nd->timer_at = UINT64_MAX;
	nd->paused_until = 0;
	nd->in_ring = false;
	nd->pair_pending = false;
	sim_node_unhealthy(s, nd->idx);
	sim_check_node_down(&s->chk, nd->id);
}

/* A fresh engine with the ring seq it persisted, started now. */
int sim_node_restart(struct sim *s, struct sim_node *nd)
{
	int ret;

	if (nd->up)
		sim_node_crash(s, nd, false);	/* an instant reboot */
	rc_totem_destroy(nd->t);
	nd->t = NULL;
	sim_traffic_reclaim(s, nd);
	nd->sent_head = nd->sent_tail = 0;
	/* the new engine is handed messages from next_index on: those the
	   sender must deliver itself */
	sim_check_node_restart(&s->chk, nd->id, nd->next_index);
	ret = sim_node_create(s, nd);
	if (ret < 0)
		return sim_check_fail(&s->chk, "restart: rc_totem_create(node %u) failed: %s",
				      nd->id, strerror(-ret));
	nd->up = true;
	nd->left = false;
	nd->restarts++;
	nd->timer_at = UINT64_MAX;
	nd->timer_gen++;
	rc_totem_start(nd->t, s->now);
	sim_after_call(s, nd);
	return 0;
}
