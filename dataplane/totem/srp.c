/*
 * Engine object: configuration, creation, the receive path and timers.
 * rc_srp_recv() validates structure (wire.c), then engine state: cluster,
 * ring id, sender, seq window. Only then is anything stored or acted on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srp_int.h"

void rc_srp_config_defaults(struct rc_srp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->netmtu = 1500;
	c->window_size = 256;
	c->max_messages = 64;
	c->accel_window = 0;
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
	else if (c->accel_window > c->max_messages)
		w = "accel_window must be at most max_messages";
	else if (c->send_queue_len < 1 || (c->send_queue_len & (c->send_queue_len - 1)))
		w = "send_queue_len must be a power of two";
	else if (c->max_msg_size < 1 || c->max_msg_size > (1u << 30))
		w = "max_msg_size must be 1..1 GiB";
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

int rc_srp_member_index(const struct rc_srp *srp, uint32_t nodeid)
{
	for (uint32_t i = 0; i < srp->cfg.n_members; i++)
		if (srp->cfg.members[i] == nodeid)
			return (int)i;
	return -1;
}

int rc_srp_create(const struct rc_srp_config *cfg, const struct rc_srp_ops *ops,
		  void *priv, struct rc_srp **out)
{
	struct rc_srp *srp;
	uint32_t n;
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

	n = cfg->rtr_slots;
	srp->mask = n - 1;
	srp->stride = (cfg->netmtu + 63u) & ~63u;
	srp->slot_mem = calloc(n, srp->stride);
	srp->slot_seq = calloc(n, sizeof(*srp->slot_seq));
	srp->slot_len = calloc(n, sizeof(*srp->slot_len));
	srp->slot_flags = calloc(n, sizeof(*srp->slot_flags));
	srp->reasm = calloc(cfg->n_members, sizeof(*srp->reasm));
	ret = -ENOMEM;
	if (!srp->slot_mem || !srp->slot_seq || !srp->slot_len ||
	    !srp->slot_flags || !srp->reasm)
		goto free_srp;
	/* Lazily backed: pages are touched only by messages that need them. */
	for (uint32_t i = 0; i < cfg->n_members; i++) {
		srp->reasm[i].buf = calloc(1, cfg->max_msg_size);
		if (!srp->reasm[i].buf)
			goto free_srp;
	}
	ret = rc_sendq_init(&srp->q, cfg->send_queue_len);
	if (ret < 0)
		goto free_srp;

	srp->my_index = (uint32_t)rc_srp_member_index(srp, cfg->nodeid);
	srp->is_rep = srp->my_index == 0;
	srp->successor = cfg->members[(srp->my_index + 1) % cfg->n_members];
	srp->predecessor = cfg->members[(srp->my_index + cfg->n_members - 1) % cfg->n_members];
	srp->tok_rtr_deadline = UINT64_MAX;
	srp->hold_deadline = UINT64_MAX;
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
	if (srp->reasm)
		for (uint32_t i = 0; i < srp->cfg.n_members; i++)
			free(srp->reasm[i].buf);
	free(srp->reasm);
	rc_sendq_fini(&srp->q);
	free(srp->slot_flags);
	free(srp->slot_len);
	free(srp->slot_seq);
	free(srp->slot_mem);
	free(srp);
}

void rc_srp_start(struct rc_srp *srp, uint64_t now)
{
	struct rc_token tok;

	if (!srp->is_rep)
		return;
	memset(&tok, 0, sizeof(tok));
	rc_token_visit(srp, &tok, now);
}

void rc_srp_send_slot(struct rc_srp *srp, uint32_t seq)
{
	uint32_t len = srp->slot_len[slot_idx(srp, seq)];

	srp->ops.send(srp->priv, 0, slot_frame(srp, seq), len);
	srp->st.frames_tx++;
	srp->st.bytes_tx += len;
}

static int bad(struct rc_srp *srp, enum rc_bad_reason why)
{
	srp->st.bad[why]++;
	return -EBADMSG;
}

static int recv_mcast(struct rc_srp *srp, const struct rc_frame_view *v,
		      const void *frame, size_t len)
{
	uint32_t s = v->seq, i;

	/* The token's holder passed a later seq: the successor has the token. */
	if (srp->tok_rtr_deadline != UINT64_MAX && rc_seq_gt(s, srp->seq_at_forward))
		srp->tok_rtr_deadline = UINT64_MAX;

	if (rc_seq_le(s, srp->gc_seq) || rc_srp_have(srp, s)) {
		srp->st.dup_frames++;
		return 0;
	}
	/* No node may run further ahead of the last token seen than one rotation. */
	if (rc_seq_gt(s, srp->high_tok_seq + srp->cfg.window_size + srp->cfg.max_messages))
		return bad(srp, RC_BAD_SEQ);
	if (s - srp->gc_seq > srp->cfg.rtr_slots) {
		srp->st.window_drops++;
		return 0;
	}
	i = slot_idx(srp, s);
	memcpy(slot_frame(srp, s), frame, len);
	srp->slot_seq[i] = s;
	srp->slot_len[i] = (uint16_t)len;
	srp->slot_flags[i] = RC_SLOT_PRESENT |
		((v->mflags & RC_MF_HAS_SAFE) ? RC_SLOT_SAFE : 0);
	if (s == srp->my_aru + 1) {
		rc_aru_advance(srp);
		rc_deliver_run(srp);
	}
	return 0;
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
	/* The ring's seq never goes back, nor jumps past what buffers can hold. */
	if (rc_seq_lt(t->seq, srp->high_tok_seq) ||
	    t->seq - srp->gc_seq > 2 * srp->cfg.rtr_slots)
		return bad(srp, RC_BAD_TOKEN);
	if (t->aru_addr && rc_srp_member_index(srp, t->aru_addr) < 0)
		return bad(srp, RC_BAD_TOKEN);
	srp->have_token_seq = true;
	srp->last_token_seq = t->token_seq;
	srp->st.tokens_rx++;
	rc_token_visit(srp, t, now);
	return 0;
}

int rc_srp_recv(struct rc_srp *srp, const void *frame, size_t len, uint64_t now)
{
	struct rc_frame_view v;
	enum rc_bad_reason why;

	srp->st.frames_rx++;
	srp->st.bytes_rx += len;
	if (len > srp->cfg.netmtu)
		return bad(srp, RC_BAD_LENGTH);
	if (rc_wire_parse(frame, len, srp->cfg.max_msg_size, &v, &why) < 0)
		return bad(srp, why);
	if (v.cluster_id != srp->cfg.cluster_id)
		return bad(srp, RC_BAD_CLUSTER);
	if (v.ring_rep != srp->cfg.members[0] || v.ring_seq != srp->cfg.ring_seq)
		return bad(srp, RC_BAD_RING);
	if (rc_srp_member_index(srp, v.sender) < 0)
		return bad(srp, RC_BAD_SENDER);

	switch (v.type) {
	case RC_FT_MCAST:
		return recv_mcast(srp, &v, frame, len);
	case RC_FT_TOKEN:
		return recv_token(srp, &v, now);
	case RC_FT_WAKE:
		srp->st.wakes_rx++;
		if (!srp->is_rep)
			return bad(srp, RC_BAD_SENDER);
		if (srp->holding)
			rc_token_release_hold(srp, now);
		else
			srp->wake_pending = true;
		return 0;
	}
	return bad(srp, RC_BAD_TYPE);
}

void rc_srp_timer(struct rc_srp *srp, uint64_t now)
{
	if (srp->holding && now >= srp->hold_deadline)
		rc_token_release_hold(srp, now);
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

void rc_srp_stats_get(const struct rc_srp *srp, struct rc_srp_stats *st)
{
	*st = srp->st;
}

const char *rc_srp_bad_reason_name(enum rc_bad_reason r)
{
	static const char *const names[RC_BAD_REASONS_] = {
		[RC_BAD_SHORT] = "short",
		[RC_BAD_MAGIC] = "magic",
		[RC_BAD_VERSION] = "version",
		[RC_BAD_TYPE] = "type",
		[RC_BAD_CLUSTER] = "cluster",
		[RC_BAD_SENDER] = "sender",
		[RC_BAD_RING] = "ring",
		[RC_BAD_LENGTH] = "length",
		[RC_BAD_CHUNK] = "chunk",
		[RC_BAD_TOKEN] = "token",
		[RC_BAD_SEQ] = "seq",
		[RC_BAD_STREAM] = "stream",
	};

	return (unsigned)r < RC_BAD_REASONS_ ? names[r] : "unknown";
}

uint32_t rc_srp_my_aru(const struct rc_srp *srp)
{
	return srp->my_aru;
}

uint32_t rc_srp_backlog(const struct rc_srp *srp)
{
	return rc_sendq_count(&srp->q);
}
