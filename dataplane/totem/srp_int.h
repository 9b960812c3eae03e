/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal state of the ordering engine, shared by its files (srp.c, wire.c,
 * sendq.c, token.c, deliver.c). Nothing here is visible outside the engine.
 *
 * Receive/retransmit buffer: a ring of rtr_slots frames indexed by seq & mask.
 * Invariants (seq comparisons are wrap-safe, see seq.h):
 *   gc_seq <= delivered <= my_aru          every seq <= my_aru is present
 *   gc_seq <= safe_line                    every node holds every seq <= safe_line
 *   a seq s is storable iff gc_seq < s <= gc_seq + rtr_slots
 *
 *      gc_seq      delivered       my_aru               gc_seq + rtr_slots
 *   ----|--------------|---------------|-----?--?--?------|------
 *        held, delivered  held, not yet     holes possible   beyond: dropped
 *        (retransmittable) delivered
 */
#ifndef RC_SRP_INT_H
#define RC_SRP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <ringcast/wire.h>

#include "frame.h"
#include "seq.h"
#include "srp.h"

/* One message waiting to be framed. */
struct rc_sendq_ent {
	const uint8_t *data;
	uint32_t len;
	uint32_t off;		/* bytes already framed */
	uint16_t cflags;	/* RC_CF_SAFE or 0 */
	uint16_t msg_id;	/* ties a message's fragments together */
	bool zc;		/* frames point into data (rc_srp_mcast_zc) */
	bool limited;		/* held to the ring's limit (not rc_srp_mcast_first's) */
	uint8_t pre_len;	/* the message is pre[pre_len] then data */
	void *cookie;
	uint8_t pre[RC_SRP_PRE_MAX];
};

struct rc_sendq {
	struct rc_sendq_ent *ent;
	uint32_t cap;		/* power of two */
	uint32_t head, tail;	/* free-running */
	uint16_t next_id;	/* msg_id of the next message pushed */
	uint64_t bytes;		/* unframed bytes, for the backlog estimate */
};

/* Reassembly of one originator's fragmented message. */
struct rc_reasm {
	uint32_t nodeid;	/* 0: entry free */
	uint8_t *buf;		/* max_msg_size, allocated on first use */
	uint32_t msg_len;
	uint32_t got;
	uint32_t touched;	/* bytes of buf written since last given back */
	uint16_t msg_id;
	bool active;
};

/* slot_flags of a retransmit buffer entry (not a client slot's RC_SLOT_*) */
#define RC_ENTRY_PRESENT	0x01
#define RC_ENTRY_SAFE		0x02

/*
 * One ring's messages: identity, receive/retransmit buffer, delivery state.
 * The engine has two: the current ring, and the last operational ring kept
 * while a new ring recovers its messages (see rc_srp_freeze()).
 */
struct rc_ring {
	uint32_t rep;
	uint64_t seq;
	uint32_t n_members;
	uint32_t members[RC_MEMB_MAX];	/* ring order */

	uint8_t *mem;		/* rtr_slots * stride bytes */
	uint32_t *slot_seq;
	uint16_t *slot_len;
	uint8_t *slot_flags;
	/* own zero-copy frames: the slot holds the headers (RC_ZC_HDR bytes),
	   the payload is here, in the caller's buffer; NULL otherwise */
	const uint8_t **slot_ext;
	struct rc_reasm reasm[RC_MEMB_MAX];

	uint32_t my_aru;
	uint32_t delivered;
	uint32_t safe_line;
	uint32_t gc_seq;
	uint32_t high_seq;	/* highest seq held */
	bool valid;
};

enum rc_srp_mode {
	RC_SRP_RUN = 0,		/* operational: application traffic flows */
	RC_SRP_RECOVERY,	/* new ring installed, only internal messages */
	RC_SRP_FROZEN,		/* no ring: membership is gathering */
};

struct rc_srp {
	struct rc_srp_config cfg;
	struct rc_srp_ops ops;
	void *priv;
	enum rc_srp_mode mode;

	uint32_t my_index;	/* position in the current ring */
	uint32_t successor;	/* nodeid the token goes to */
	uint32_t predecessor;	/* nodeid the token comes from */
	bool is_rep;

	uint32_t mask;
	uint32_t stride;	/* bytes per slot */
	/*
	 * Largest message inside the engine: recovery re-sends old frames (up
	 * to netmtu bytes) as internal messages whatever the application's
	 * max_msg_size, which rc_srp_mcast() alone enforces.
	 */
	uint32_t msg_max;
	/*
	 * Message limits (docs/protocol.md, "The ring's message limit"): this
	 * node's own, rc_totem_msg_limit(), advertised in the commit token;
	 * and the current ring's, the least of its members', installed with
	 * it. An application message above the ring's limit is refused when
	 * it is queued or, queued under an older ring, when it would be framed.
	 */
	uint32_t own_limit;
	uint32_t ring_limit;
	/* The ring's largest frame, the least of its members' netmtu (its
	   commit token): what this node frames, never above cfg.netmtu. */
	uint32_t ring_mtu;
	struct rc_ring *r;	/* current ring */
	struct rc_ring *old;	/* last operational ring, while recovering */
	struct rc_ring rings[2];

	/* frames parsed by rc_srp_recv, and by rc_srp_old_store, which it may
	   call (through the ordering half): 1.6 KB each, off the lcore's stack */
	struct rc_frame_view rx_view, old_view;

	bool delivering;	/* inside rc_deliver_run() */
	uint32_t high_tok_seq;	/* highest token.seq seen: a frame may not run far past it */

	/* token */
	bool have_token_seq;
	uint32_t last_token_seq;	/* duplicate detection */
	uint32_t aru_at_forward;	/* token.aru when I last passed it */
	uint32_t seq_at_forward;	/* token.seq when I last passed it */
	uint32_t my_trc;		/* frames I sent on my last visit */
	uint32_t my_pbl;		/* backlog I reported on my last visit */
	uint32_t win;			/* my window: window_size..rc_flow_win_cap() */
	uint8_t tok_frame[RC_WIRE_TOKEN_MAX];
	uint32_t tok_frame_len;
	uint64_t tok_rtr_deadline;	/* UINT64_MAX: not armed */
	uint64_t last_token_ns;		/* when a new token last arrived */
	uint32_t aru_stuck;		/* visits with holes and no progress */
	uint32_t aru_last_visit;

	/* idle hold */
	uint32_t idle_visits;
	bool holding;
	bool wake_pending;
	bool ring_idle;		/* last token said the ring is idle */
	bool wake_sent;
	uint64_t hold_deadline;
	struct rc_token held;	/* the token while held, or a single-node ring's */
	bool self_token;	/* single-node ring: visit again at next timer */

	/* zero-copy messages fully framed, released once gc_seq reaches seq */
	struct rc_zc_done {
		uint32_t seq;	/* the seq of its last frame */
		void *cookie;
	} *zc;
	uint32_t zc_head, zc_tail;	/* free-running, rtr_slots entries */
	uint8_t *scratch;		/* one frame, for copying a zero-copy one */

	struct rc_sendq q;	/* application messages */
	struct rc_sendq ctrl;	/* internal messages (recovery), sent first */

	struct rc_srp_stats st;
};

/* Frame headers of a zero-copy frame: everything up to its one chunk's data. */
#define RC_ZC_HDR	(RC_WIRE_MCAST_OVERHEAD + sizeof(struct rc_wire_chunk))

/* srp.c */
int rc_srp_member_index(const struct rc_srp *srp, uint32_t nodeid);
int rc_ring_member_index(const struct rc_ring *r, uint32_t nodeid);
void rc_srp_send_slot(struct rc_srp *srp, uint32_t seq);
/* Zero-copy buffers whose frames every node holds go back (ops.sent). */
void rc_srp_zc_release(struct rc_srp *srp, bool all);
/* Copy a ring's zero-copy payloads into its slots; the buffers are free then. */
void rc_ring_zc_linearize(struct rc_srp *srp, struct rc_ring *r);

void rc_ring_store(struct rc_srp *srp, struct rc_ring *r, uint32_t seq,
		   const void *frame, uint32_t len, bool safe);

static inline uint32_t slot_idx(const struct rc_srp *srp, uint32_t seq)
{
	return seq & srp->mask;
}

static inline bool rc_ring_have(const struct rc_srp *srp, const struct rc_ring *r,
				uint32_t seq)
{
	uint32_t i = slot_idx(srp, seq);

	return (r->slot_flags[i] & RC_ENTRY_PRESENT) && r->slot_seq[i] == seq;
}

static inline uint8_t *rc_ring_frame(const struct rc_srp *srp, const struct rc_ring *r,
				     uint32_t seq)
{
	return r->mem + (size_t)slot_idx(srp, seq) * srp->stride;
}

static inline bool rc_srp_have(const struct rc_srp *srp, uint32_t seq)
{
	return rc_ring_have(srp, srp->r, seq);
}

static inline uint8_t *slot_frame(const struct rc_srp *srp, uint32_t seq)
{
	return rc_ring_frame(srp, srp->r, seq);
}

/* sendq.c */
int rc_sendq_init(struct rc_sendq *q, uint32_t cap);
void rc_sendq_fini(struct rc_sendq *q);
static inline uint32_t rc_sendq_count(const struct rc_sendq *q)
{
	return q->tail - q->head;
}
void rc_sendq_rewind(struct rc_sendq *q);
uint32_t rc_sendq_backlog_frames(const struct rc_srp *srp);
/* Build the frame for `seq` from the queue into its slot; 0 if queue empty. */
uint32_t rc_sendq_build_frame(struct rc_srp *srp, uint32_t seq);

/* token.c */
void rc_token_visit(struct rc_srp *srp, struct rc_token *tok, uint64_t now);
void rc_token_release_hold(struct rc_srp *srp, uint64_t now, bool woken);
uint32_t rc_flow_allowed(const struct rc_srp *srp, const struct rc_token *tok,
			 uint32_t retransmitted, uint32_t my_backlog);

/* The largest window any node may use: a quarter of the receive buffer, so
   two rotations in flight still leave half of it (rc_flow_allowed's room).
   A received frame further ahead than this is a bad seq. */
static inline uint32_t rc_flow_win_max(const struct rc_srp_config *c)
{
	return c->rtr_slots / 4 > c->window_size ? c->rtr_slots / 4 : c->window_size;
}

/* The largest window this node grows to: rc_flow_win_max(), and no more
   than half what a receiver's rx ring holds (a rotation's frames arrive
   between two of its polls), but never below window_size. */
static inline uint32_t rc_flow_win_cap(const struct rc_srp_config *c)
{
	uint32_t hi = rc_flow_win_max(c);

	if (c->rx_frames && c->rx_frames / 2 < hi)
		hi = c->rx_frames / 2 > c->window_size ? c->rx_frames / 2 : c->window_size;
	return hi;
}

/* deliver.c */
void rc_deliver_run(struct rc_srp *srp);
void rc_aru_advance(struct rc_srp *srp, struct rc_ring *r);
void rc_deliver_frame(struct rc_srp *srp, struct rc_ring *r, uint32_t seq, bool recovered);
void rc_reasm_reset(struct rc_ring *r);
void rc_reasm_cut(struct rc_ring *r, const uint32_t *keep, uint32_t n_keep);
int rc_reasm_bind(struct rc_srp *srp, struct rc_ring *r);

#endif /* RC_SRP_INT_H */
