/*
 * Send queue and framing: packs queued messages into frames up to netmtu and
 * fragments large ones. A message that fits in one frame is never split; a
 * larger one fills the rest of the current frame and continues in the next.
 * The queue holds the caller's pointers; ops.sent() hands each buffer back
 * once its last byte has been copied into a frame.
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

static uint32_t frame_payload_max(const struct rc_srp *srp)
{
	return srp->cfg.netmtu - (uint32_t)RC_WIRE_MCAST_OVERHEAD;
}

/* Frames the queue would fill: what this node adds to the token's backlog. */
uint32_t rc_sendq_backlog_frames(const struct rc_srp *srp)
{
	const struct rc_sendq *q = &srp->q;
	uint64_t bytes = q->bytes + (uint64_t)rc_sendq_count(q) * CHK;
	uint32_t per = frame_payload_max(srp);

	if (!bytes)
		return 0;
	bytes = (bytes + per - 1) / per;
	return bytes > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)bytes;
}

int rc_srp_mcast(struct rc_srp *srp, const void *msg, size_t len,
		 enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	struct rc_sendq *q = &srp->q;
	struct rc_sendq_ent *e;

	if (guarantee != RC_GUARANTEE_AGREED && guarantee != RC_GUARANTEE_SAFE)
		return -EINVAL;
	if (len > srp->cfg.max_msg_size)
		return -EMSGSIZE;
	if (len && !msg)
		return -EINVAL;
	if (rc_sendq_count(q) == q->cap)
		return -EAGAIN;

	e = &q->ent[q->tail & (q->cap - 1)];
	e->data = msg;
	e->len = (uint32_t)len;
	e->off = 0;
	e->cflags = guarantee == RC_GUARANTEE_SAFE ? RC_CF_SAFE : 0;
	e->cookie = cookie;
	q->tail++;
	q->bytes += len;

	if (srp->holding) {
		rc_token_release_hold(srp, now);
	} else if (srp->ring_idle && !srp->wake_sent && !srp->is_rep) {
		uint8_t f[HDR];

		rc_wire_put_hdr(f, RC_FT_WAKE, srp->cfg.cluster_id, srp->cfg.nodeid,
				srp->cfg.members[0], srp->cfg.ring_seq);
		srp->ops.send(srp->priv, srp->cfg.members[0], f, sizeof(f));
		srp->wake_sent = true;
		srp->st.wakes_tx++;
	}
	return 0;
}

/*
 * Fill the slot of `seq` with queued data. Returns the frame length, or 0
 * when there is nothing to send.
 */
uint32_t rc_sendq_build_frame(struct rc_srp *srp, uint32_t seq)
{
	struct rc_sendq *q = &srp->q;
	uint8_t *f = slot_frame(srp, seq);
	uint32_t max = frame_payload_max(srp);
	uint32_t pos = 0;
	uint16_t nchunks = 0, mflags = 0;
	uint8_t *pl = f + RC_WIRE_MCAST_OVERHEAD;

	while (q->head != q->tail && nchunks < UINT16_MAX) {
		struct rc_sendq_ent *e = &q->ent[q->head & (q->cap - 1)];
		uint32_t rem = e->len - e->off;
		uint32_t room = max - pos;
		uint32_t take;
		uint16_t cf = e->cflags;

		if (room < CHK)
			break;
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
		rc_wire_put_chunk(pl + pos, take, e->len, e->off, cf);
		if (take)
			memcpy(pl + pos + CHK, e->data + e->off, take);
		pos += CHK + take;
		nchunks++;
		if (cf & RC_CF_SAFE)
			mflags |= RC_MF_HAS_SAFE;
		e->off += take;
		q->bytes -= take;
		if (!(cf & RC_CF_LAST))
			break;		/* frame is full */
		q->head++;
		srp->st.msgs_sent++;
		if (srp->ops.sent)
			srp->ops.sent(srp->priv, e->cookie);
	}
	if (!nchunks)
		return 0;

	rc_wire_put_hdr(f, RC_FT_MCAST, srp->cfg.cluster_id, srp->cfg.nodeid,
			srp->cfg.members[0], srp->cfg.ring_seq);
	rc_wire_put_mcast(f, seq, nchunks, mflags, pos);
	srp->slot_seq[slot_idx(srp, seq)] = seq;
	srp->slot_len[slot_idx(srp, seq)] = (uint16_t)(RC_WIRE_MCAST_OVERHEAD + pos);
	srp->slot_flags[slot_idx(srp, seq)] = RC_SLOT_PRESENT |
		((mflags & RC_MF_HAS_SAFE) ? RC_SLOT_SAFE : 0);
	return (uint32_t)RC_WIRE_MCAST_OVERHEAD + pos;
}
