/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine object: configuration, creation, the receive path and timers.
 * rc_srp_recv() validates structure (wire.c), then engine state: cluster,
 * ring id, sender, seq window, and for a token what one rotation can have
 * changed. Only then is anything stored or acted on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine.h"
#include "srp_int.h"

void rc_srp_config_defaults(struct rc_srp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->netmtu = 1500;
	c->window_size = 256;
	c->max_messages = 64;
	c->accel_window = 128;
	c->rtr_slots = 4096;
	c->send_queue_len = 4096;
	c->max_msg_size = 64u << 20;
	c->token_retransmit_ns = 20 * 1000 * 1000ull;
	c->hold_ns = 8 * 1000 * 1000ull;
	c->idle_rotations = 8;
}

int rc_srp_config_check(const struct rc_srp_config *c, const char **why)
{
	const char *w = NULL;

	if (c->nodeid == 0)
		w = "nodeid must not be 0";
	else if (c->n_members < 1 || c->n_members > RC_SRP_MAX_NODES)
		w = "member count out of range";
	else if (c->netmtu < RC_NETMTU_MIN || c->netmtu > RC_NETMTU_MAX)
		w = "netmtu out of range";
	else if (c->max_messages < 1 || c->window_size < c->max_messages)
		w = "max_messages must be 1..window_size";
	else if (c->rtr_slots < 64 || (c->rtr_slots & (c->rtr_slots - 1)) ||
		 c->rtr_slots > (1u << 24))
		w = "rtr_slots must be a power of two in 64..16M";
	else if (c->window_size > c->rtr_slots / 4)
		w = "window_size must be at most rtr_slots/4";
	else if (c->accel_window > c->rtr_slots / 4)
		w = "accel_window must be at most rtr_slots/4";
	else if (c->send_queue_len < 1 || (c->send_queue_len & (c->send_queue_len - 1)))
		w = "send_queue_len must be a power of two";
	else if (c->max_msg_size < 1 || c->max_msg_size > RC_SRP_MSG_SIZE_CAP)
		w = "max_msg_size must be 1..1 GiB";
	else if (c->rx_msg_max && (c->rx_msg_max < RC_WIRE_MAX_MSG_MIN ||
				   c->rx_msg_max > RC_SRP_MSG_SIZE_CAP))
		w = "rx_msg_max must be 0 or 256..1 GiB";
	else if (c->token_retransmit_ns == 0)
		w = "token_retransmit must not be 0";
	else if (c->hold_ns >= c->token_retransmit_ns)
		w = "hold must be shorter than token_retransmit";

	for (uint32_t i = 0; !w && i < c->n_members; i++) {
		if (c->members[i] == 0)
			w = "member nodeid 0";
		for (uint32_t j = 0; !w && j < i; j++)
			if (c->members[i] == c->members[j])
				w = "duplicate member";
	}
	if (!w) {
		bool me = false;

		for (uint32_t i = 0; i < c->n_members; i++)
			me |= c->members[i] == c->nodeid;
		if (!me)
			w = "nodeid is not a member";
	}
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

int rc_ring_member_index(const struct rc_ring *r, uint32_t nodeid)
{
	for (uint32_t i = 0; i < r->n_members; i++)
		if (r->members[i] == nodeid)
			return (int)i;
	return -1;
}

int rc_srp_member_index(const struct rc_srp *srp, uint32_t nodeid)
{
	return rc_ring_member_index(srp->r, nodeid);
}

static int ring_alloc(struct rc_srp *srp, struct rc_ring *r)
{
	uint32_t n = srp->cfg.rtr_slots;

	r->mem = calloc(n, srp->stride);
	r->slot_seq = calloc(n, sizeof(*r->slot_seq));
	r->slot_len = calloc(n, sizeof(*r->slot_len));
	r->slot_flags = calloc(n, sizeof(*r->slot_flags));
	r->slot_ext = calloc(n, sizeof(*r->slot_ext));
	if (!r->mem || !r->slot_seq || !r->slot_len || !r->slot_flags || !r->slot_ext)
		return -ENOMEM;
	return 0;
}

static void ring_free(const struct rc_srp *srp, struct rc_ring *r)
{
	for (uint32_t i = 0; i < RC_MEMB_MAX; i++)
		if (r->reasm[i].buf)
			munmap(r->reasm[i].buf, srp->msg_max);
	free(r->slot_ext);
	free(r->slot_flags);
	free(r->slot_len);
	free(r->slot_seq);
	free(r->mem);
}

/* Make r an empty ring with this identity; buffers are kept. */
static void ring_reset(struct rc_srp *srp, struct rc_ring *r, uint64_t seq,
		       const uint32_t *members, uint32_t n)
{
	memset(r->slot_flags, 0, srp->cfg.rtr_slots);
	memset(r->slot_ext, 0, srp->cfg.rtr_slots * sizeof(*r->slot_ext));
	rc_reasm_reset(r);
	r->rep = members[0];
	r->seq = seq;
	r->n_members = n;
	memcpy(r->members, members, n * sizeof(*members));
	r->my_aru = r->delivered = r->safe_line = r->gc_seq = r->high_seq = 0;
	r->valid = true;
}

/* Token and hold state start afresh with every ring. */
static void token_reset(struct rc_srp *srp)
{
	const struct rc_ring *r = srp->r;

	srp->my_index = (uint32_t)rc_ring_member_index(r, srp->cfg.nodeid);
	srp->is_rep = srp->my_index == 0;
	srp->successor = r->members[(srp->my_index + 1) % r->n_members];
	srp->predecessor = r->members[(srp->my_index + r->n_members - 1) % r->n_members];
	srp->high_tok_seq = 0;
	srp->have_token_seq = false;
	srp->last_token_seq = 0;
	srp->aru_at_forward = srp->seq_at_forward = 0;
	srp->my_trc = srp->my_pbl = 0;
	srp->win = srp->cfg.window_size;
	srp->tok_rtr_deadline = UINT64_MAX;
	srp->hold_deadline = UINT64_MAX;
	srp->holding = srp->self_token = false;
	srp->idle_visits = 0;
	srp->wake_pending = srp->ring_idle = srp->wake_sent = false;
	srp->aru_stuck = 0;
	srp->aru_last_visit = 0;
}

int rc_srp_create(const struct rc_srp_config *cfg, const struct rc_srp_ops *ops,
		  void *priv, struct rc_srp **out)
{
	struct rc_srp *srp;
	int ret;

	ret = rc_srp_config_check(cfg, NULL);
	if (ret < 0)
		return ret;
	if (!ops || !ops->send || !ops->deliver || !out)
		return -EINVAL;

	srp = calloc(1, sizeof(*srp));
	if (!srp)
		return -ENOMEM;
	srp->cfg = *cfg;
	srp->ops = *ops;
	srp->priv = priv;
	if (!srp->ops.ctrl_priv)
		srp->ops.ctrl_priv = priv;
	srp->mask = cfg->rtr_slots - 1;
	srp->msg_max = cfg->max_msg_size > cfg->netmtu ? cfg->max_msg_size : cfg->netmtu;
	srp->own_limit = rc_totem_msg_limit(cfg);
	srp->ring_limit = srp->own_limit;
	srp->ring_mtu = cfg->netmtu;
	srp->stride = (cfg->netmtu + 63u) & ~63u;
	srp->r = &srp->rings[0];
	srp->old = &srp->rings[1];

	ret = ring_alloc(srp, &srp->rings[0]);
	if (ret == 0)
		ret = ring_alloc(srp, &srp->rings[1]);
	if (ret == 0)
		ret = rc_sendq_init(&srp->q, cfg->send_queue_len);
	if (ret == 0)
		ret = rc_sendq_init(&srp->ctrl, 4 * cfg->rtr_slots);
	if (ret == 0) {
		srp->zc = calloc(cfg->rtr_slots, sizeof(*srp->zc));
		srp->scratch = malloc(srp->stride);
		if (!srp->zc || !srp->scratch)
			ret = -ENOMEM;
	}
	if (ret < 0)
		goto free_srp;

	ring_reset(srp, srp->r, cfg->ring_seq, cfg->members, cfg->n_members);
	ret = rc_reasm_bind(srp, srp->r);
	if (ret < 0)
		goto free_srp;
	token_reset(srp);
	*out = srp;
	return 0;

free_srp:
	rc_srp_destroy(srp);
	return ret;
}

void rc_srp_destroy(struct rc_srp *srp)
{
	if (!srp)
		return;
	free(srp->scratch);
	free(srp->zc);
	rc_sendq_fini(&srp->ctrl);
	rc_sendq_fini(&srp->q);
	ring_free(srp, &srp->rings[1]);
	ring_free(srp, &srp->rings[0]);
	free(srp);
}

void rc_srp_start(struct rc_srp *srp, uint64_t now)
{
	struct rc_token tok;

	/* last_token_ns stays the last real visit (the rep's is below): the
	   membership half reads "a token came after my commit token" from it. */
	if (!srp->is_rep || srp->mode == RC_SRP_FROZEN)
		return;
	memset(&tok, 0, sizeof(tok));
	rc_token_visit(srp, &tok, now);
}

void rc_srp_send_slot(struct rc_srp *srp, uint32_t seq)
{
	uint32_t i = slot_idx(srp, seq), len = srp->r->slot_len[i];
	const uint8_t *ext = srp->r->slot_ext[i];

	if (!ext) {
		srp->ops.send(srp->priv, 0, slot_frame(srp, seq), len);
	} else if (srp->ops.send_zc) {
		srp->ops.send_zc(srp->priv, 0, slot_frame(srp, seq), RC_ZC_HDR, ext,
				 len - RC_ZC_HDR);
	} else {
		memcpy(srp->scratch, slot_frame(srp, seq), RC_ZC_HDR);
		memcpy(srp->scratch + RC_ZC_HDR, ext, len - RC_ZC_HDR);
		srp->ops.send(srp->priv, 0, srp->scratch, len);
	}
	srp->st.frames_tx++;
	srp->st.bytes_tx += len;
}

void rc_srp_zc_release(struct rc_srp *srp, bool all)
{
	while (srp->zc_head != srp->zc_tail) {
		struct rc_zc_done *d = &srp->zc[srp->zc_head & srp->mask];

		if (!all && rc_seq_gt(d->seq, srp->r->gc_seq))
			break;
		srp->zc_head++;
		if (srp->ops.sent)
			srp->ops.sent(srp->priv, d->cookie);
	}
}

/*
 * At a ring change: payloads that may still be needed (recovery re-sends
 * what some survivor lacks, above gc_seq) are copied into their slots; at
 * or below gc_seq every node has them, and nothing reads them again.
 */
void rc_ring_zc_linearize(struct rc_srp *srp, struct rc_ring *r)
{
	for (uint32_t i = 0; i < srp->cfg.rtr_slots; i++) {
		const uint8_t *ext = r->slot_ext[i];

		if (!ext)
			continue;
		r->slot_ext[i] = NULL;
		if ((r->slot_flags[i] & RC_ENTRY_PRESENT) && rc_seq_gt(r->slot_seq[i], r->gc_seq))
			memcpy(r->mem + (size_t)i * srp->stride + RC_ZC_HDR, ext,
			       r->slot_len[i] - RC_ZC_HDR);
	}
}

void rc_ring_store(struct rc_srp *srp, struct rc_ring *r, uint32_t seq,
		   const void *frame, uint32_t len, bool safe)
{
	uint32_t i = slot_idx(srp, seq);

	if (frame)
		memcpy(rc_ring_frame(srp, r, seq), frame, len);
	r->slot_seq[i] = seq;
	r->slot_len[i] = (uint16_t)len;
	r->slot_ext[i] = NULL;
	r->slot_flags[i] = RC_ENTRY_PRESENT | (safe ? RC_ENTRY_SAFE : 0);
	r->high_seq = rc_seq_max(r->high_seq, seq);
}

static int bad(struct rc_srp *srp, enum rc_bad_reason why)
{
	srp->st.bad[why]++;
	return -EBADMSG;
}

static int recv_mcast(struct rc_srp *srp, const struct rc_frame_view *v,
		      const void *frame, size_t len)
{
	struct rc_ring *r = srp->r;
	uint32_t s = v->seq;

	/* No node may run further ahead of the last token seen than one
	   rotation: the other nodes' visits, at most the largest window. */
	if (rc_seq_gt(s, srp->high_tok_seq + rc_flow_win_max(&srp->cfg) + srp->cfg.max_messages))
		return bad(srp, RC_BAD_SEQ);
	/* The token's holder passed a later seq: the successor has the token. */
	if (srp->tok_rtr_deadline != UINT64_MAX && rc_seq_gt(s, srp->seq_at_forward))
		srp->tok_rtr_deadline = UINT64_MAX;

	if (rc_seq_le(s, r->gc_seq) || rc_srp_have(srp, s)) {
		srp->st.dup_frames++;
		return 0;
	}
	if (s - r->gc_seq > srp->cfg.rtr_slots) {
		srp->st.window_drops++;
		return 0;
	}
	rc_ring_store(srp, r, s, frame, (uint32_t)len, v->mflags & RC_MF_HAS_SAFE);
	if (s == r->my_aru + 1) {
		rc_aru_advance(srp, r);
		rc_deliver_run(srp);
	}
	return 0;
}

/*
 * A token is one rotation after the one this node passed on: every other
 * member visited it once since. What that allows (protocol.md, "What a
 * receiver checks"); the ring's members share window_size, max_messages,
 * rtr_slots and accelerated_window.
 */
static bool token_possible(const struct rc_srp *srp, const struct rc_token *t)
{
	const struct rc_ring *r = srp->r;
	uint64_t others = r->n_members - 1, mm = srp->cfg.max_messages;
	uint32_t fresh;

	/* A node alone with a backlog may frame its whole window in a visit
	   (flow control, token.c), and its accelerated frames after it. */
	if (mm < rc_flow_win_max(&srp->cfg))
		mm = rc_flow_win_max(&srp->cfg);
	mm += srp->cfg.accel_window;

	/* each visit adds one to token_seq */
	if (srp->have_token_seq && t->token_seq - srp->last_token_seq > r->n_members)
		return false;
	/* seq never goes back, and is never below a frame of this ring already
	   seen: a frame exists only once a token passed its seq */
	if (rc_seq_lt(t->seq, srp->high_tok_seq) || rc_seq_lt(t->seq, r->high_seq))
		return false;
	/* each other member framed at most mm new frames */
	fresh = t->seq - srp->seq_at_forward;
	if (fresh > others * mm || t->seq - r->gc_seq > 2 * srp->cfg.rtr_slots)
		return false;
	/* (aru <= seq is a structural check, wire.c) */
	if (t->aru_addr && rc_srp_member_index(srp, t->aru_addr) < 0)
		return false;
	/* fcc: what each member sent on its last visit, new frames and at most
	   max_messages retransmissions each */
	return t->fcc <= srp->my_trc + fresh + others * mm;
}

static int recv_token(struct rc_srp *srp, struct rc_frame_view *v, uint64_t now)
{
	struct rc_token *t = &v->tok;

	if (v->sender != srp->predecessor)
		return bad(srp, RC_BAD_SENDER);
	if (srp->holding || srp->self_token ||
	    (srp->have_token_seq && !rc_seq_gt(t->token_seq, srp->last_token_seq))) {
		srp->st.dup_tokens++;
		return 0;
	}
	if (!token_possible(srp, t))
		return bad(srp, RC_BAD_TOKEN);
	srp->have_token_seq = true;
	srp->last_token_seq = t->token_seq;
	srp->st.tokens_rx++;
	rc_token_visit(srp, t, now);
	return 0;
}

int rc_srp_recv(struct rc_srp *srp, const void *frame, size_t len, uint64_t now)
{
	struct rc_frame_view *v = &srp->rx_view;
	enum rc_bad_reason why;
	bool memb_type;

	srp->st.frames_rx++;
	srp->st.bytes_rx += len;
	if (len > srp->cfg.netmtu && len > RC_WIRE_COMMIT_MAX)
		return bad(srp, RC_BAD_LENGTH);
	if (rc_wire_parse(frame, len, RC_SRP_MSG_SIZE_CAP, v, &why) < 0)
		return bad(srp, why);
	if (v->cluster_id != srp->cfg.cluster_id)
		return bad(srp, RC_BAD_CLUSTER);
	memb_type = v->type == RC_FT_JOIN || v->type == RC_FT_COMMIT || v->type == RC_FT_MERGE;
	if (!memb_type && len > srp->cfg.netmtu)
		return bad(srp, RC_BAD_LENGTH);
	if (memb_type || srp->mode == RC_SRP_FROZEN ||
	    v->ring_rep != srp->r->rep || v->ring_seq != srp->r->seq) {
		if (!srp->ops.memb_frame)
			return bad(srp, memb_type ? RC_BAD_TYPE : RC_BAD_RING);
		srp->ops.memb_frame(srp->ops.ctrl_priv, v, frame, len, now);
		return 0;
	}
	if (rc_srp_member_index(srp, v->sender) < 0)
		return bad(srp, RC_BAD_SENDER);

	switch (v->type) {
	case RC_FT_MCAST:
		return recv_mcast(srp, v, frame, len);
	case RC_FT_TOKEN:
		return recv_token(srp, v, now);
	case RC_FT_WAKE:
		srp->st.wakes_rx++;
		if (!srp->is_rep)
			return bad(srp, RC_BAD_SENDER);
		if (srp->holding)
			rc_token_release_hold(srp, now, true);
		else
			srp->wake_pending = true;
		return 0;
	}
	return bad(srp, RC_BAD_TYPE);
}

void rc_srp_freeze(struct rc_srp *srp, int keep)
{
	/* Zero-copy buffers go back: what recovery may need is copied in. */
	if (srp->mode == RC_SRP_RUN)
		rc_ring_zc_linearize(srp, srp->r);
	rc_srp_zc_release(srp, true);
	if (keep && srp->mode == RC_SRP_RUN) {
		struct rc_ring *t = srp->old;

		srp->old = srp->r;
		srp->r = t;
	}
	srp->r->valid = false;
	srp->mode = RC_SRP_FROZEN;
	srp->tok_rtr_deadline = UINT64_MAX;
	srp->hold_deadline = UINT64_MAX;
	srp->holding = srp->self_token = false;
	srp->ctrl.head = srp->ctrl.tail;
	srp->ctrl.bytes = 0;
	rc_sendq_rewind(&srp->q);
}

void rc_srp_old_ring_get(const struct rc_srp *srp, struct rc_srp_old_ring *o)
{
	const struct rc_ring *r = srp->old;

	memset(o, 0, sizeof(*o));
	if (!r->valid)
		return;
	o->valid = 1;
	o->rep = r->rep;
	o->seq = r->seq;
	o->n_members = r->n_members;
	memcpy(o->members, r->members, r->n_members * sizeof(r->members[0]));
	o->my_aru = r->my_aru;
	o->high_seq = r->high_seq;
}

int rc_srp_install(struct rc_srp *srp, uint64_t ring_seq,
		   const uint32_t *members, uint32_t n_members, uint32_t msg_limit,
		   uint32_t netmtu)
{
	if (n_members < 1 || n_members > RC_MEMB_MAX)
		return -EINVAL;
	ring_reset(srp, srp->r, ring_seq, members, n_members);
	if (rc_srp_member_index(srp, srp->cfg.nodeid) < 0) {
		srp->r->valid = false;
		return -EINVAL;
	}
	if (rc_reasm_bind(srp, srp->r) < 0) {
		srp->r->valid = false;
		return -ENOMEM;
	}
	token_reset(srp);
	/* This node filled its own limit into the commit token: never above
	   it. A token that says more broke that rule: counted, and this node
	   keeps to its own (it may then refuse what others send). */
	if (msg_limit > srp->own_limit || netmtu > srp->cfg.netmtu)
		srp->st.limit_above_own++;
	srp->ring_limit = msg_limit && msg_limit < srp->own_limit ? msg_limit : srp->own_limit;
	srp->ring_mtu = netmtu && netmtu < srp->cfg.netmtu ? netmtu : srp->cfg.netmtu;
	srp->mode = RC_SRP_RECOVERY;
	return 0;
}

uint32_t rc_srp_msg_limit(const struct rc_srp *srp)
{
	return srp->ring_limit;
}

uint32_t rc_srp_ring_mtu(const struct rc_srp *srp)
{
	return srp->ring_mtu;
}

int rc_srp_recovery_queue(struct rc_srp *srp, uint32_t after, uint32_t upto)
{
	struct rc_ring *o = srp->old;
	int ret;

	if (!o->valid)
		return 0;
	/* The old ring held at most rtr_slots frames: bound what a peer's entry claims. */
	if (rc_seq_gt(upto, after + srp->cfg.rtr_slots))
		upto = after + srp->cfg.rtr_slots;
	for (uint32_t s = after + 1; rc_seq_le(s, upto); s++) {
		if (!rc_ring_have(srp, o, s))
			continue;
		ret = rc_srp_ctrl_mcast(srp, rc_ring_frame(srp, o, s),
					o->slot_len[slot_idx(srp, s)], RC_GUARANTEE_AGREED);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int rc_srp_old_store(struct rc_srp *srp, const void *frame, size_t len, bool recovery)
{
	struct rc_ring *o = srp->old;
	struct rc_frame_view *v = &srp->old_view;
	enum rc_bad_reason why;

	if (!o->valid || len > srp->cfg.netmtu ||
	    rc_wire_parse(frame, len, RC_SRP_MSG_SIZE_CAP, v, &why) < 0 ||
	    v->type != RC_FT_MCAST || v->cluster_id != srp->cfg.cluster_id ||
	    v->ring_rep != o->rep || v->ring_seq != o->seq ||
	    rc_ring_member_index(o, v->sender) < 0)
		return -EINVAL;
	/*
	 * After install only recovery carries old frames: each survivor's
	 * entry said what it held when it froze, and recovery re-sends that to
	 * all. A late copy from the network taken now would be delivered by
	 * this node alone, while the others record a gap at its seq (EVS).
	 */
	if (!recovery && srp->mode != RC_SRP_FROZEN) {
		srp->st.old_late++;
		return 0;
	}
	if (rc_seq_le(v->seq, o->gc_seq) || rc_ring_have(srp, o, v->seq))
		return 0;
	if (v->seq - o->gc_seq > srp->cfg.rtr_slots)
		return -ERANGE;
	rc_ring_store(srp, o, v->seq, frame, (uint32_t)len, v->mflags & RC_MF_HAS_SAFE);
	rc_aru_advance(srp, o);
	return 0;
}

void rc_srp_recovery_finish(struct rc_srp *srp, uint32_t high, const uint32_t *trans,
			    uint32_t n_trans)
{
	struct rc_ring *o = srp->old;

	if (o->valid) {
		if (rc_seq_gt(high, o->delivered + srp->cfg.rtr_slots))
			high = o->delivered + srp->cfg.rtr_slots;
		while (rc_seq_lt(o->delivered, high)) {
			uint32_t s = ++o->delivered;

			if (rc_ring_have(srp, o, s)) {
				rc_deliver_frame(srp, o, s, true);
			} else {
				/* a frame of a member that did not survive: it
				   may have cut its message, and the 16-bit id
				   alone could join a later one of the same length
				   to it (every survivor skips the same gaps, so
				   every one ends the same). A survivor's frames
				   are all held: its messages go on. */
				srp->st.recovery_gaps++;
				rc_reasm_cut(o, trans, n_trans);
			}
		}
		o->valid = false;
	}
	srp->mode = RC_SRP_RUN;
}

uint64_t rc_srp_last_token(const struct rc_srp *srp)
{
	return srp->last_token_ns;
}

int rc_srp_failed_to_recv(const struct rc_srp *srp, uint32_t fail_recv_const)
{
	return srp->mode != RC_SRP_FROZEN && srp->aru_stuck >= fail_recv_const;
}

void rc_srp_timer(struct rc_srp *srp, uint64_t now)
{
	if (srp->mode == RC_SRP_FROZEN)
		return;
	if (srp->holding && now >= srp->hold_deadline)
		rc_token_release_hold(srp, now, false);
	if (srp->self_token) {
		struct rc_token tok = srp->held;

		srp->self_token = false;
		rc_token_visit(srp, &tok, now);
	}
	if (now >= srp->tok_rtr_deadline) {
		srp->ops.send(srp->priv, srp->successor, srp->tok_frame, srp->tok_frame_len);
		srp->st.token_retransmits++;
		srp->tok_rtr_deadline = now + srp->cfg.token_retransmit_ns;
	}
}

uint64_t rc_srp_next_deadline(const struct rc_srp *srp)
{
	uint64_t d = srp->tok_rtr_deadline;

	if (srp->holding && srp->hold_deadline < d)
		d = srp->hold_deadline;
	if (srp->self_token)
		d = 0;
	return d;
}

void rc_srp_count_bad(struct rc_srp *srp, enum rc_bad_reason why)
{
	if ((unsigned int)why < RC_BAD_REASONS_)
		srp->st.bad[why]++;
}

void rc_srp_stats_get(const struct rc_srp *srp, struct rc_srp_stats *st)
{
	*st = srp->st;
}

const char *rc_srp_bad_reason_name(enum rc_bad_reason r)
{
	static const char *const names[RC_BAD_REASONS_] = {
#define X(e, name) [e] = name,
		RC_BAD_REASONS(X)
#undef X
	};

	return (unsigned)r < RC_BAD_REASONS_ ? names[r] : "unknown";
}

uint32_t rc_srp_my_aru(const struct rc_srp *srp)
{
	return srp->r->my_aru;
}

uint32_t rc_srp_backlog(const struct rc_srp *srp)
{
	return rc_sendq_count(&srp->q);
}

uint64_t rc_srp_queued_bytes(const struct rc_srp *srp)
{
	return srp->q.bytes;
}
