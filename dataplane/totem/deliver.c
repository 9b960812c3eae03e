/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delivery in agreed order: frames are consumed strictly in seq order up to
 * my_aru; a frame holding a SAFE chunk waits until safe_line covers it, and
 * so does everything after it. Whole chunks are delivered in place from the
 * slot; fragments are reassembled per originator, per ring. Internal chunks
 * (RC_CF_CTRL) go to the membership half, never to the application.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "srp_int.h"

#define CHK	sizeof(struct rc_wire_chunk)

/* Advance my_aru over every contiguous held seq. */
void rc_aru_advance(struct rc_srp *srp, struct rc_ring *r)
{
	while (rc_ring_have(srp, r, r->my_aru + 1))
		r->my_aru++;
}

/* Reassembled bytes beyond this are given back to the kernel after use. */
#define REASM_KEEP	(256u << 10)

/* The pages a large message filled go back: memory is held while used. */
static void reasm_give_back(struct rc_reasm *e)
{
	if (e->buf && e->touched > REASM_KEEP)
		madvise(e->buf, e->touched, MADV_DONTNEED);
	e->touched = 0;
}

void rc_reasm_reset(struct rc_ring *r)
{
	for (uint32_t i = 0; i < RC_MEMB_MAX; i++) {
		reasm_give_back(&r->reasm[i]);
		r->reasm[i].nodeid = 0;
		r->reasm[i].active = false;
	}
}

/* The messages being reassembled of every sender not in keep[n_keep] end
   here, unfinished. */
void rc_reasm_cut(struct rc_ring *r, const uint32_t *keep, uint32_t n_keep)
{
	for (uint32_t i = 0; i < RC_MEMB_MAX; i++) {
		bool kept = false;

		for (uint32_t k = 0; k < n_keep && !kept; k++)
			kept = r->reasm[i].nodeid == keep[k];
		if (!kept)
			r->reasm[i].active = false;
	}
}

/*
 * The entry's buffer: once per entry, never per message; as much as the
 * largest message (64 MiB by default), backed only as fragments fill it.
 * Not malloc: a malloc that fills its memory (a debugging MALLOC_PERTURB_)
 * would touch all of it here; the lcore stalled ~115 ms on it.
 */
static int reasm_map(struct rc_srp *srp, struct rc_reasm *e)
{
	void *b;

	if (e->buf)
		return 0;
	b = mmap(NULL, srp->msg_max, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b == MAP_FAILED)
		return -ENOMEM;
	e->buf = b;
	return 0;
}

/*
 * An entry with its buffer for every member of ring r, before anything of
 * the ring is delivered. A buffer that cannot be had when a message
 * arrives would make this node skip a message every other node delivers;
 * here it makes the ring fail to install on this node instead (it then
 * takes no part in that ring). -ENOMEM, counted in reasm_nomem.
 */
int rc_reasm_bind(struct rc_srp *srp, struct rc_ring *r)
{
	for (uint32_t i = 0; i < r->n_members; i++) {
		if (reasm_map(srp, &r->reasm[i]) < 0) {
			srp->st.reasm_nomem++;
			return -ENOMEM;
		}
		r->reasm[i].nodeid = r->members[i];
		r->reasm[i].active = false;
	}
	return 0;
}

/* The sender's reassembly entry (rc_reasm_bind made one per member). */
static struct rc_reasm *reasm_of(struct rc_ring *r, uint32_t sender)
{
	for (uint32_t i = 0; i < r->n_members; i++)
		if (r->reasm[i].nodeid == sender)
			return &r->reasm[i];
	return NULL;
}

static void deliver_one(struct rc_srp *srp, const struct rc_ring *r, uint32_t sender,
			uint32_t seq, uint16_t cflags, bool recovered,
			const void *msg, size_t len)
{
	struct rc_srp_msg_info info = {
		.sender = sender,
		.seq = seq,
		.guarantee = (cflags & RC_CF_SAFE) ? RC_GUARANTEE_SAFE : RC_GUARANTEE_AGREED,
		.ring_rep = r->rep,
		.ring_seq = r->seq,
		.recovered = recovered,
	};

	if (cflags & RC_CF_CTRL) {
		/* Internal messages exist only while recovering the current ring. */
		if (srp->ops.deliver_ctrl && !recovered)
			srp->ops.deliver_ctrl(srp->ops.ctrl_priv, &info, msg, len);
		return;
	}
	if (srp->mode == RC_SRP_RECOVERY && !recovered) {
		srp->st.bad[RC_BAD_STREAM]++;	/* application data before the ring is up */
		return;
	}
	srp->st.msgs_delivered++;
	srp->st.bytes_delivered += len;
	srp->ops.deliver(srp->priv, &info, msg, len);
}

/*
 * A fragment must continue exactly where its originator's message stands,
 * and belong to the same message (msg_id): in recovery a skipped gap can cut
 * a message, and without the id the tail of one message could be spliced
 * onto the head of another of the same length. A cut is counted, not bad.
 */
static void reassemble(struct rc_srp *srp, struct rc_ring *r, uint32_t sender,
		       uint32_t seq, const uint8_t *data, uint32_t len,
		       uint32_t msg_len, uint32_t offset, uint16_t cflags,
		       uint16_t msg_id, bool recovered)
{
	struct rc_reasm *e;

	/*
	 * Above what this node reassembles: the frames keep their place in the
	 * order, the message is not delivered here; counted once, at its first
	 * fragment. Senders keep to the ring's agreed limit, the least of the
	 * members' (sendq.c), so only a faulty member gets here.
	 */
	if (msg_len > srp->msg_max) {
		if (cflags & RC_CF_FIRST)
			srp->st.msg_too_big++;
		return;
	}
	e = reasm_of(r, sender);
	if (!e) {
		srp->st.reasm_nomem++;	/* not a member: the engine never lets one here */
		return;
	}
	if (cflags & RC_CF_FIRST) {
		if (e->active && !recovered)
			srp->st.bad[RC_BAD_STREAM]++;	/* previous one never ended */
		e->active = true;
		e->msg_len = msg_len;
		e->msg_id = msg_id;
		e->got = 0;
	} else if (!e->active || e->msg_len != msg_len || e->got != offset ||
		   e->msg_id != msg_id) {
		if (!recovered)
			srp->st.bad[RC_BAD_STREAM]++;
		e->active = false;
		return;
	}
	memcpy(e->buf + offset, data, len);
	e->got += len;
	if (e->got > e->touched)
		e->touched = e->got;
	if (cflags & RC_CF_LAST) {
		e->active = false;
		deliver_one(srp, r, sender, seq, cflags, recovered, e->buf, e->msg_len);
		reasm_give_back(e);
	}
}

void rc_deliver_frame(struct rc_srp *srp, struct rc_ring *r, uint32_t seq, bool recovered)
{
	const uint8_t *f = rc_ring_frame(srp, r, seq);
	const uint8_t *p = f + RC_WIRE_MCAST_OVERHEAD;
	const uint8_t *end = f + r->slot_len[slot_idx(srp, seq)];
	const uint8_t *ext = r->slot_ext[slot_idx(srp, seq)];
	uint32_t sender;

	memcpy(&sender, f + offsetof(struct rc_wire_hdr, sender), sizeof(sender));
	sender = le32toh(sender);

	/* The frame was validated on receipt (or built here); chunks tile [p, end).
	   An own zero-copy frame has one chunk whose data is at ext. */
	while (p < end) {
		uint32_t len, msg_len, offset;
		uint16_t cflags;
		const uint8_t *data;

		rc_wire_get_chunk(p, &len, &msg_len, &offset, &cflags);
		p += CHK;
		data = ext ? ext : p;
		if ((cflags & (RC_CF_FIRST | RC_CF_LAST)) == (RC_CF_FIRST | RC_CF_LAST))
			deliver_one(srp, r, sender, seq, cflags, recovered, data, len);
		else
			reassemble(srp, r, sender, seq, data, len, msg_len, offset, cflags,
				   rc_wire_chunk_msg_id(p - CHK), recovered);
		if (ext)
			break;
		p += len;
	}
}

void rc_deliver_run(struct rc_srp *srp)
{
	struct rc_ring *r = srp->r;

	/* ops.deliver may call back into the engine; the outer run goes on. */
	if (srp->delivering)
		return;
	srp->delivering = true;
	while (srp->mode != RC_SRP_FROZEN && r == srp->r &&
	       rc_seq_lt(r->delivered, r->my_aru)) {
		uint32_t s = r->delivered + 1;

		if ((r->slot_flags[slot_idx(srp, s)] & RC_ENTRY_SAFE) &&
		    rc_seq_gt(s, r->safe_line))
			break;
		r->delivered = s;
		rc_deliver_frame(srp, r, s, false);
	}
	r->gc_seq = rc_seq_max(r->gc_seq, rc_seq_min(r->delivered, r->safe_line));
	srp->delivering = false;
	if (r == srp->r)
		rc_srp_zc_release(srp, false);
}
