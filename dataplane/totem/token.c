/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A token visit: serve retransmission requests, send new frames within the
 * flow-control budget, update aru/fcc/backlog, ask for what is missing, then
 * pass the token on (before the last accel_window frames: Accelerated Ring).
 * The representative may hold an idle token for hold_ns; a WAKE frame or a
 * local message ends the hold at once.
 */
#include <string.h>

#include "srp_int.h"

/*
 * Frames this visit may send (Totem flow control, sized for the transport):
 *  - my window (srp->win, window_size..rc_flow_win_cap()) per rotation,
 *    less what the other nodes sent in the last one (fcc less my own last
 *    visit: those frames are a rotation old), retransmissions included;
 *  - while another node has a backlog, at most max_messages or an even part
 *    of the window per visit, whichever is more; else the whole window: one
 *    sender alone may fill the ring;
 *  - a share of the window proportional to this node's part of the ring's
 *    backlog;
 *  - never so far ahead that a receiver's buffer could not hold it.
 * Any run of visits by distinct nodes (a rotation) still sends at most the
 * largest window: each visit's allowance already counts the ones before it.
 */
uint32_t rc_flow_allowed(const struct rc_srp *srp, const struct rc_token *tok,
			 uint32_t retransmitted, uint32_t my_backlog)
{
	const struct rc_srp_config *c = &srp->cfg;
	uint32_t win = srp->win;
	uint32_t others = tok->fcc > srp->my_trc ? tok->fcc - srp->my_trc : 0;
	uint32_t others_backlog = tok->backlog > srp->my_pbl ? tok->backlog - srp->my_pbl : 0;
	uint32_t fair = win / srp->r->n_members;
	uint32_t allowed = !others_backlog ? win : fair > c->max_messages ? fair : c->max_messages;
	uint32_t in_flight = tok->seq - srp->r->gc_seq;
	uint32_t room = (c->rtr_slots / 2 > in_flight) ? c->rtr_slots / 2 - in_flight : 0;
	uint64_t total;

	if (others >= win)
		allowed = 0;
	else if (win - others < allowed)
		allowed = win - others;
	allowed = allowed > retransmitted ? allowed - retransmitted : 0;

	total = (uint64_t)others_backlog + my_backlog;
	if (my_backlog && total > win) {
		uint64_t share = (uint64_t)win * my_backlog / total;

		if (share < 1)
			share = 1;
		if (share < allowed)
			allowed = (uint32_t)share;
	}
	return allowed < room ? allowed : room;
}

/*
 * After a visit: a rotation that came back asking for retransmissions (or
 * made me serve some) halves my window, down to window_size; one that let me
 * use all I was allowed grows it by half, up to rc_flow_win_cap(): what
 * the receive buffers and the receivers' rx rings hold. Loss is the
 * transport's only signal that it is full.
 */
static void window_adapt(struct rc_srp *srp, bool retransmissions, bool used_all)
{
	uint32_t lo = srp->cfg.window_size, hi = rc_flow_win_cap(&srp->cfg);

	if (retransmissions)
		srp->win = srp->win / 2 > lo ? srp->win / 2 : lo;
	else if (used_all && srp->win < hi)
		srp->win = hi - srp->win > srp->win / 2 ? srp->win + srp->win / 2 : hi;
}

static bool rtr_listed(const struct rc_token *tok, uint32_t seq)
{
	for (uint32_t i = 0; i < tok->rtr_count; i++)
		if (tok->rtr[i] == seq)
			return true;
	return false;
}

/* Resend what others asked for and this node holds; keep the rest listed. */
static uint32_t serve_rtr(struct rc_srp *srp, struct rc_token *tok)
{
	uint32_t served = 0, keep = 0;

	for (uint32_t i = 0; i < tok->rtr_count; i++) {
		uint32_t s = tok->rtr[i];

		if (rc_seq_le(s, srp->r->gc_seq))
			continue;	/* every node held it: the request is stale */
		if (served < srp->cfg.max_messages && rc_srp_have(srp, s)) {
			rc_srp_send_slot(srp, s);
			srp->st.retransmits++;
			served++;
			continue;
		}
		tok->rtr[keep++] = s;
	}
	tok->rtr_count = (uint16_t)keep;
	return served;
}

/*
 * Ask for holes up to `limit`: the token's seq on arrival, or with an
 * accelerated ring the seq of the token this node passed last, since frames
 * sent after a token pass may still be on their way.
 */
/* Retransmit requests a token may carry without outgrowing netmtu. */
static uint32_t rtr_cap(const struct rc_srp *srp)
{
	uint32_t fit = (srp->ring_mtu - (uint32_t)(sizeof(struct rc_wire_hdr) +
						     sizeof(struct rc_wire_token))) / 4;

	return fit < RC_RTR_MAX ? fit : RC_RTR_MAX;
}

static void request_missing(struct rc_srp *srp, struct rc_token *tok, uint32_t limit)
{
	uint32_t cap = rtr_cap(srp);

	for (uint32_t s = srp->r->my_aru + 1;
	     rc_seq_le(s, limit) && tok->rtr_count < cap; s++) {
		if (rc_srp_have(srp, s) || rtr_listed(tok, s))
			continue;
		tok->rtr[tok->rtr_count++] = s;
		srp->st.rtr_requested++;
	}
}

static void forward_token(struct rc_srp *srp, const struct rc_token *tok, uint64_t now)
{
	if (srp->r->n_members == 1) {
		srp->held = *tok;
		srp->self_token = true;
		return;
	}
	rc_wire_put_hdr(srp->tok_frame, RC_FT_TOKEN, srp->cfg.cluster_id,
			srp->cfg.nodeid, srp->r->rep, srp->r->seq);
	srp->tok_frame_len = rc_wire_put_token(srp->tok_frame, tok);
	srp->ops.send(srp->priv, srp->successor, srp->tok_frame, srp->tok_frame_len);
	srp->st.tokens_tx++;
	srp->tok_rtr_deadline = now + srp->cfg.token_retransmit_ns;
}

static bool token_is_idle(const struct rc_srp *srp, const struct rc_token *tok)
{
	return tok->rtr_count == 0 && tok->backlog == 0 && tok->aru == tok->seq &&
	       tok->seq == srp->seq_at_forward && rc_sendq_count(&srp->q) == 0 &&
	       rc_sendq_count(&srp->ctrl) == 0 && srp->mode == RC_SRP_RUN;
}

static void visit(struct rc_srp *srp, struct rc_token *tok, uint64_t now)
{
	struct rc_ring *r = srp->r;
	uint32_t seq_in = tok->seq, aru_in = tok->aru, rtr_in = tok->rtr_count;
	uint32_t served, allowed, n = 0, first, early, sent, cbl, limit;
	uint64_t v;

	/* A full rotation saw aru >= this: every node holds it. */
	r->safe_line = rc_seq_max(r->safe_line, rc_seq_min(srp->aru_at_forward, aru_in));
	srp->high_tok_seq = rc_seq_max(srp->high_tok_seq, seq_in);

	served = serve_rtr(srp, tok);
	cbl = rc_sendq_backlog_frames(srp);
	allowed = rc_flow_allowed(srp, tok, served, cbl);
	first = tok->seq + 1;
	while (n < allowed && rc_sendq_build_frame(srp, first + n))
		n++;
	/* Used all it may, or may send nothing though it has a backlog (the
	   others' rotation filled this node's window: another node's grew
	   while it flooded alone): grow. Else a node whose window stayed
	   small waited for the flood to end. */
	window_adapt(srp, rtr_in > 0 || served > 0,
		     (allowed > 0 && n == allowed) || (allowed == 0 && served == 0 && cbl > 0));
	tok->seq += n;
	srp->high_tok_seq = tok->seq;
	rc_aru_advance(srp, r);

	if (rc_seq_lt(r->my_aru, tok->aru) || tok->aru_addr == srp->cfg.nodeid ||
	    tok->aru_addr == 0) {
		tok->aru = rc_seq_min(r->my_aru, tok->seq);
		tok->aru_addr = tok->aru == tok->seq ? 0 : srp->cfg.nodeid;
	}

	limit = seq_in;
	if (srp->cfg.accel_window)
		limit = rc_seq_min(limit, srp->seq_at_forward);
	request_missing(srp, tok, limit);
	/* A hole that stays while the ring moves on: fail_recv_const counts these visits. */
	if (r->my_aru == srp->aru_last_visit && rc_seq_lt(r->my_aru, seq_in))
		srp->aru_stuck++;
	else
		srp->aru_stuck = 0;
	srp->aru_last_visit = r->my_aru;

	sent = n + served;
	v = (uint64_t)tok->fcc + sent;
	tok->fcc = v > srp->my_trc ? (uint32_t)(v - srp->my_trc) : 0;
	srp->my_trc = sent;
	cbl = rc_sendq_backlog_frames(srp);
	v = (uint64_t)tok->backlog + cbl;
	v = v > srp->my_pbl ? v - srp->my_pbl : 0;
	tok->backlog = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	srp->my_pbl = cbl;

	if (srp->is_rep) {
		srp->st.rotations++;
		if (n == 0 && served == 0 && token_is_idle(srp, tok))
			srp->idle_visits++;
		else
			srp->idle_visits = 0;
		if (srp->idle_visits >= srp->cfg.idle_rotations && srp->cfg.hold_ns)
			tok->flags |= RC_TF_IDLE;
		else
			tok->flags &= (uint16_t)~RC_TF_IDLE;
		srp->wake_pending = false;
	} else {
		srp->ring_idle = tok->flags & RC_TF_IDLE;
		srp->wake_sent = false;
	}
	tok->token_seq++;
	srp->aru_at_forward = tok->aru;
	srp->seq_at_forward = tok->seq;

	early = n > srp->cfg.accel_window ? n - srp->cfg.accel_window : 0;
	for (uint32_t i = 0; i < early; i++)
		rc_srp_send_slot(srp, first + i);
	forward_token(srp, tok, now);
	for (uint32_t i = early; i < n; i++)
		rc_srp_send_slot(srp, first + i);

	rc_deliver_run(srp);
}

void rc_token_visit(struct rc_srp *srp, struct rc_token *tok, uint64_t now)
{
	srp->tok_rtr_deadline = UINT64_MAX;	/* the token came back: progress */
	srp->last_token_ns = now;
	if (srp->is_rep && srp->cfg.hold_ns && !srp->wake_pending &&
	    srp->idle_visits >= srp->cfg.idle_rotations && token_is_idle(srp, tok)) {
		srp->held = *tok;
		srp->holding = true;
		srp->hold_deadline = now + srp->cfg.hold_ns;
		srp->st.holds++;
		return;
	}
	visit(srp, tok, now);
}

/*
 * woken: a WAKE or a local message ended the hold, so traffic is coming and
 * the ring leaves idle mode. A hold that simply ran out keeps it: the next
 * idle visit holds again at once, so an idle ring turns about 1/hold times
 * a second.
 */
void rc_token_release_hold(struct rc_srp *srp, uint64_t now, bool woken)
{
	struct rc_token tok;

	if (!srp->holding)
		return;
	srp->holding = false;
	srp->hold_deadline = UINT64_MAX;
	if (woken)
		srp->idle_visits = 0;
	tok = srp->held;
	visit(srp, &tok, now);
}
