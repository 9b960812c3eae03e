/*
 * Delivery in agreed order: frames are consumed strictly in seq order up to
 * my_aru; a frame holding a SAFE chunk waits until safe_line covers it, and
 * so does everything after it. Whole chunks are delivered in place from the
 * slot; fragments are reassembled per originator.
 */
#include <endian.h>
#include <stddef.h>
#include <string.h>

#include "srp_int.h"

#define HDR	sizeof(struct rc_wire_hdr)
#define CHK	sizeof(struct rc_wire_chunk)

/* Advance my_aru over every contiguous held seq. */
void rc_aru_advance(struct rc_srp *srp)
{
	while (rc_srp_have(srp, srp->my_aru + 1))
		srp->my_aru++;
}

static void deliver_one(struct rc_srp *srp, uint32_t sender, uint32_t seq,
			uint16_t cflags, const void *msg, size_t len)
{
	struct rc_srp_msg_info info = {
		.sender = sender,
		.seq = seq,
		.guarantee = (cflags & RC_CF_SAFE) ? RC_GUARANTEE_SAFE : RC_GUARANTEE_AGREED,
	};

	srp->st.msgs_delivered++;
	srp->st.bytes_delivered += len;
	srp->ops.deliver(srp->priv, &info, msg, len);
}

/* A fragment must continue exactly where its originator's message stands. */
static void reassemble(struct rc_srp *srp, uint32_t sender, uint32_t seq,
		       const uint8_t *data, uint32_t len, uint32_t msg_len,
		       uint32_t offset, uint16_t cflags)
{
	int mi = rc_srp_member_index(srp, sender);
	struct rc_reasm *r;

	if (mi < 0) {
		srp->st.bad[RC_BAD_STREAM]++;
		return;
	}
	r = &srp->reasm[mi];
	if (cflags & RC_CF_FIRST) {
		if (r->active)
			srp->st.bad[RC_BAD_STREAM]++;	/* previous one never ended */
		r->active = true;
		r->msg_len = msg_len;
		r->got = 0;
	} else if (!r->active || r->msg_len != msg_len || r->got != offset) {
		srp->st.bad[RC_BAD_STREAM]++;
		r->active = false;
		return;
	}
	memcpy(r->buf + offset, data, len);
	r->got += len;
	if (cflags & RC_CF_LAST) {
		r->active = false;
		deliver_one(srp, sender, seq, cflags, r->buf, r->msg_len);
	}
}

static void deliver_frame(struct rc_srp *srp, uint32_t seq)
{
	const uint8_t *f = slot_frame(srp, seq);
	const uint8_t *p = f + RC_WIRE_MCAST_OVERHEAD;
	const uint8_t *end = f + srp->slot_len[slot_idx(srp, seq)];
	uint32_t sender;

	memcpy(&sender, f + offsetof(struct rc_wire_hdr, sender), sizeof(sender));
	sender = le32toh(sender);

	/* The frame was validated on receipt; chunks tile [p, end). */
	while (p < end) {
		uint32_t len, msg_len, offset;
		uint16_t cflags;

		rc_wire_get_chunk(p, &len, &msg_len, &offset, &cflags);
		p += CHK;
		if ((cflags & (RC_CF_FIRST | RC_CF_LAST)) == (RC_CF_FIRST | RC_CF_LAST))
			deliver_one(srp, sender, seq, cflags, p, len);
		else
			reassemble(srp, sender, seq, p, len, msg_len, offset, cflags);
		p += len;
	}
}

void rc_deliver_run(struct rc_srp *srp)
{
	/* ops.deliver may call back into the engine; the outer run goes on. */
	if (srp->delivering)
		return;
	srp->delivering = true;
	while (rc_seq_lt(srp->delivered, srp->my_aru)) {
		uint32_t s = srp->delivered + 1;

		if ((srp->slot_flags[slot_idx(srp, s)] & RC_SLOT_SAFE) &&
		    rc_seq_gt(s, srp->safe_line))
			break;
		deliver_frame(srp, s);
		srp->delivered = s;
	}
	srp->delivering = false;
	srp->gc_seq = rc_seq_max(srp->gc_seq, rc_seq_min(srp->delivered, srp->safe_line));
}
