/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Send queue and framing: packs queued messages into frames up to netmtu and
 * fragments large ones. A message that fits in one frame is never split; a
 * larger one fills the rest of the current frame and continues in the next.
 * The queue holds the caller's pointers; ops.sent() hands each buffer back
 * once its last byte has been copied into a frame. An application message
 * is never framed above the current ring's message limit: refused when
 * queued, or, queued under an older ring's larger limit, at its first frame.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srp_int.h"

#define HDR		sizeof(struct rc_wire_hdr)
#define CHK		sizeof(struct rc_wire_chunk)
/* A fragment smaller than this does not start in a frame's tail. */
#define MIN_FRAG	256u

int rc_sendq_init(struct rc_sendq *q, uint32_t cap)
{
	memset(q, 0, sizeof(*q));
	q->ent = calloc(cap, sizeof(*q->ent));
	if (!q->ent)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

void rc_sendq_fini(struct rc_sendq *q)
{
	free(q->ent);
	q->ent = NULL;
}

/*
 * A ring ended with the head message partly framed: its fragments in that
 * ring can never complete, so it starts again from its first byte.
 */
void rc_sendq_rewind(struct rc_sendq *q)
{
	struct rc_sendq_ent *e;

	if (q->head == q->tail)
		return;
	e = &q->ent[q->head & (q->cap - 1)];
	q->bytes += e->off;
	e->off = 0;
}

/*
 * Entries an ordinary message may not take: kept for rc_srp_mcast_first(),
 * so that a full queue never holds the CPG group sync back behind the
 * messages it must precede (a few: one per ring change not yet framed).
 */
static uint32_t first_reserve(const struct rc_sendq *q)
{
	return q->cap >= 16 ? 4 : q->cap / 4;
}

static int sendq_push(struct rc_sendq *q, const void *msg, size_t len,
		      uint16_t cflags, void *cookie, uint32_t reserve, bool limited)
{
	struct rc_sendq_ent *e;

	if (rc_sendq_count(q) >= q->cap - reserve)
		return -EAGAIN;
	e = &q->ent[q->tail & (q->cap - 1)];
	e->data = msg;
	e->len = (uint32_t)len;
	e->off = 0;
	e->cflags = cflags;
	e->msg_id = q->next_id++;
	e->zc = false;
	e->limited = limited;
	e->pre_len = 0;
	e->cookie = cookie;
	q->tail++;
	q->bytes += len;
	return 0;
}

/* limited: held to the ring's message limit too, not only max_msg_size. */
static int mcast_check(struct rc_srp *srp, const void *msg, size_t len,
		       enum rc_guarantee guarantee, bool limited)
{
	if (guarantee != RC_GUARANTEE_AGREED && guarantee != RC_GUARANTEE_SAFE)
		return -EINVAL;
	if (len && !msg)
		return -EINVAL;
	if (len > srp->cfg.max_msg_size || (limited && len > srp->ring_limit)) {
		srp->st.msg_refused_limit++;
		return -EMSGSIZE;
	}
	return 0;
}

static int mcast(struct rc_srp *srp, const void *msg, size_t len,
		 enum rc_guarantee guarantee, void *cookie, uint64_t now, bool limited);

/*
 * Ahead of everything queued: the caller's first message of a new ring (the
 * CPG group sync) goes out before application messages queued earlier. A
 * head message already partly framed keeps its place (no two messages of
 * this node interleave their fragments): the new one goes right after it.
 * It may take the entries ordinary messages leave free (first_reserve).
 */
int rc_srp_mcast_first(struct rc_srp *srp, const void *msg, size_t len,
		       enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	struct rc_sendq *q = &srp->q;
	struct rc_sendq_ent *e;
	uint32_t mask = q->cap - 1;
	int ret = mcast_check(srp, msg, len, guarantee, false);

	if (ret < 0)
		return ret;
	if (q->head == q->tail)
		return mcast(srp, msg, len, guarantee, cookie, now, false);
	if (rc_sendq_count(q) == q->cap)
		return -EAGAIN;
	q->head--;
	e = &q->ent[q->head & mask];
	if (q->ent[(q->head + 1) & mask].off) {
		/* the partly framed one moves to the new head; ours takes its place */
		*e = q->ent[(q->head + 1) & mask];
		e = &q->ent[(q->head + 1) & mask];
	}
	e->data = msg;
	e->len = (uint32_t)len;
	e->off = 0;
	e->cflags = guarantee == RC_GUARANTEE_SAFE ? RC_CF_SAFE : 0;
	e->msg_id = q->next_id++;
	e->zc = false;
	e->limited = false;
	e->pre_len = 0;
	e->cookie = cookie;
	q->bytes += len;
	return 0;
}

int rc_srp_mcast_pre(struct rc_srp *srp, const void *pre, size_t pre_len,
		     const void *msg, size_t len, enum rc_guarantee guarantee, bool zc,
		     void *cookie, uint64_t now)
{
	struct rc_sendq *q = &srp->q;
	uint32_t tail = q->tail;
	struct rc_sendq_ent *e;
	int ret;

	if (pre_len > RC_SRP_PRE_MAX || (pre_len && !pre) || len > SIZE_MAX - pre_len)
		return -EINVAL;
	if (len && !msg)
		return -EINVAL;
	/* queued with the total length, then told where its first bytes are */
	ret = rc_srp_mcast(srp, msg ? msg : pre, pre_len + len, guarantee, cookie, now);
	if (ret < 0)
		return ret;
	e = &q->ent[tail & (q->cap - 1)];
	if (pre_len)
		memcpy(e->pre, pre, pre_len);
	e->pre_len = (uint8_t)pre_len;
	e->data = msg;
	e->zc = zc && pre_len + len >= RC_SRP_ZC_MIN;
	return 0;
}

int rc_srp_mcast_zc(struct rc_srp *srp, const void *msg, size_t len,
		    enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	return rc_srp_mcast_pre(srp, NULL, 0, msg, len, guarantee, true, cookie, now);
}

int rc_srp_ctrl_mcast(struct rc_srp *srp, const void *msg, size_t len,
		      enum rc_guarantee guarantee)
{
	if (len > srp->msg_max)
		return -EMSGSIZE;
	return sendq_push(&srp->ctrl, msg, len, RC_CF_CTRL |
			  (guarantee == RC_GUARANTEE_SAFE ? RC_CF_SAFE : 0), NULL, 0, false);
}

static uint32_t frame_payload_max(const struct rc_srp *srp)
{
	return srp->ring_mtu - (uint32_t)RC_WIRE_MCAST_OVERHEAD;
}

/* Frames the queue would fill: what this node adds to the token's backlog. */
uint32_t rc_sendq_backlog_frames(const struct rc_srp *srp)
{
	const struct rc_sendq *q = &srp->q, *c = &srp->ctrl;
	uint64_t bytes = c->bytes + (uint64_t)rc_sendq_count(c) * CHK;

	if (srp->mode == RC_SRP_RUN)
		bytes += q->bytes + (uint64_t)rc_sendq_count(q) * CHK;
	uint32_t per = frame_payload_max(srp);

	if (!bytes)
		return 0;
	bytes = (bytes + per - 1) / per;
	return bytes > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)bytes;
}

int rc_srp_mcast(struct rc_srp *srp, const void *msg, size_t len,
		 enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	return mcast(srp, msg, len, guarantee, cookie, now, true);
}

static int mcast(struct rc_srp *srp, const void *msg, size_t len,
		 enum rc_guarantee guarantee, void *cookie, uint64_t now, bool limited)
{
	int ret = mcast_check(srp, msg, len, guarantee, limited);

	if (ret < 0)
		return ret;
	ret = sendq_push(&srp->q, msg, len,
			 guarantee == RC_GUARANTEE_SAFE ? RC_CF_SAFE : 0, cookie,
			 first_reserve(&srp->q), limited);
	if (ret < 0 || srp->mode != RC_SRP_RUN)
		return ret;

	if (srp->holding) {
		/* Released by the next rc_srp_timer(), never inside the caller's
		   call: a visit delivers, and the caller may be a delivery handler. */
		srp->hold_deadline = now;
		srp->idle_visits = 0;
	} else if (srp->ring_idle && !srp->wake_sent && !srp->is_rep) {
		uint8_t f[HDR];

		rc_wire_put_hdr(f, RC_FT_WAKE, srp->cfg.cluster_id, srp->cfg.nodeid,
				srp->r->rep, srp->r->seq);
		srp->ops.send(srp->priv, srp->r->rep, f, sizeof(f));
		srp->wake_sent = true;
		srp->st.wakes_tx++;
	}
	return 0;
}

/* Bytes [off, off + n) of e's message: its own prefix, then the caller's data. */
static void copy_out(const struct rc_sendq_ent *e, uint32_t off, uint32_t n, uint8_t *dst)
{
	if (off < e->pre_len) {
		uint32_t k = e->pre_len - off < n ? e->pre_len - off : n;

		memcpy(dst, e->pre + off, k);
		dst += k;
		off += k;
		n -= k;
	}
	if (n)
		memcpy(dst, e->data + (off - e->pre_len), n);
}

/*
 * A zero-copy message's next frame: its headers in the slot, one chunk whose
 * data stays in the caller's buffer. Its last frame queues the buffer's
 * release for when every node holds it (rc_srp_zc_release).
 */
static uint32_t zc_frame(struct rc_srp *srp, uint32_t seq, struct rc_sendq_ent *e)
{
	struct rc_sendq *q = &srp->q;
	uint8_t *f = slot_frame(srp, seq);
	uint32_t take = e->len - e->off, max = frame_payload_max(srp) - CHK;
	uint16_t cf = e->cflags, mflags = (cf & RC_CF_SAFE) ? RC_MF_HAS_SAFE : 0;

	if (take > max)
		take = max;
	if (e->off == 0)
		cf |= RC_CF_FIRST;
	if (e->off + take == e->len)
		cf |= RC_CF_LAST;
	rc_wire_put_chunk(f + RC_WIRE_MCAST_OVERHEAD, take, e->len, e->off, cf, e->msg_id);
	rc_wire_put_hdr(f, RC_FT_MCAST, srp->cfg.cluster_id, srp->cfg.nodeid,
			srp->r->rep, srp->r->seq);
	rc_wire_put_mcast(f, seq, 1, mflags, (uint32_t)CHK + take);
	rc_ring_store(srp, srp->r, seq, NULL, (uint32_t)RC_ZC_HDR + take, mflags != 0);
	if (e->off < e->pre_len)	/* the engine's own prefix: this frame is a copy */
		copy_out(e, e->off, take, f + RC_ZC_HDR);
	else
		srp->r->slot_ext[slot_idx(srp, seq)] = e->data + (e->off - e->pre_len);
	e->off += take;
	q->bytes -= take;
	if (cf & RC_CF_LAST) {
		struct rc_zc_done *d = &srp->zc[srp->zc_tail++ & srp->mask];

		d->seq = seq;
		d->cookie = e->cookie;
		q->head++;
		srp->st.msgs_sent++;
	}
	return (uint32_t)RC_ZC_HDR + take;
}

/*
 * Head messages queued under a larger limit than this ring's (the ring
 * changed since): refused before any byte of them is framed, so no other
 * node ever sees them, and handed back (ops.refused, else ops.sent).
 */
static void refuse_over_limit(struct rc_srp *srp, struct rc_sendq *q)
{
	while (q->head != q->tail) {
		struct rc_sendq_ent *e = &q->ent[q->head & (q->cap - 1)];

		if (e->off || !e->limited || e->len <= srp->ring_limit)
			return;
		q->head++;
		q->bytes -= e->len;
		srp->st.msg_refused_limit++;
		if (srp->ops.refused)
			srp->ops.refused(srp->priv, e->cookie);
		else if (srp->ops.sent)
			srp->ops.sent(srp->priv, e->cookie);
	}
}

/*
 * Fill the slot of `seq` with queued data. Returns the frame length, or 0
 * when there is nothing to send.
 */
uint32_t rc_sendq_build_frame(struct rc_srp *srp, uint32_t seq)
{
	struct rc_sendq *q = rc_sendq_count(&srp->ctrl) ? &srp->ctrl : &srp->q;
	uint8_t *f = slot_frame(srp, seq);
	uint32_t max = frame_payload_max(srp);
	uint32_t pos = 0;
	uint16_t nchunks = 0, mflags = 0;
	uint8_t *pl = f + RC_WIRE_MCAST_OVERHEAD;

	if (q == &srp->q && srp->mode != RC_SRP_RUN)
		return 0;	/* application data waits for an operational ring */
	if (q == &srp->q)
		refuse_over_limit(srp, q);
	if (q->head != q->tail && q->ent[q->head & (q->cap - 1)].zc)
		return zc_frame(srp, seq, &q->ent[q->head & (q->cap - 1)]);
	while (q->head != q->tail && nchunks < UINT16_MAX) {
		struct rc_sendq_ent *e;
		uint32_t rem, room = max - pos, take;
		uint16_t cf;

		if (q == &srp->q)
			refuse_over_limit(srp, q);	/* the next one may be over */
		if (q->head == q->tail)
			break;
		e = &q->ent[q->head & (q->cap - 1)];
		rem = e->len - e->off;
		cf = e->cflags;

		if (room < CHK || e->zc)
			break;		/* (a zero-copy message starts its own frame) */
		if (rem + CHK <= room) {
			take = rem;
		} else if (e->off == 0 && rem + CHK <= max) {
			break;		/* fits whole in the next frame */
		} else if (room >= CHK + MIN_FRAG || pos == 0) {
			take = room - CHK;
		} else {
			break;
		}
		if (e->off == 0)
			cf |= RC_CF_FIRST;
		if (e->off + take == e->len)
			cf |= RC_CF_LAST;
		rc_wire_put_chunk(pl + pos, take, e->len, e->off, cf, e->msg_id);
		if (take)
			copy_out(e, e->off, take, pl + pos + CHK);
		pos += CHK + take;
		nchunks++;
		if (cf & RC_CF_SAFE)
			mflags |= RC_MF_HAS_SAFE;
		e->off += take;
		q->bytes -= take;
		if (!(cf & RC_CF_LAST))
			break;		/* frame is full */
		q->head++;
		if (q == &srp->q) {
			srp->st.msgs_sent++;
			if (srp->ops.sent)
				srp->ops.sent(srp->priv, e->cookie);
		}
	}
	if (!nchunks)
		return 0;

	rc_wire_put_hdr(f, RC_FT_MCAST, srp->cfg.cluster_id, srp->cfg.nodeid,
			srp->r->rep, srp->r->seq);
	rc_wire_put_mcast(f, seq, nchunks, mflags, pos);
	rc_ring_store(srp, srp->r, seq, NULL, (uint32_t)RC_WIRE_MCAST_OVERHEAD + pos,
		      mflags & RC_MF_HAS_SAFE);
	return (uint32_t)RC_WIRE_MCAST_OVERHEAD + pos;
}
