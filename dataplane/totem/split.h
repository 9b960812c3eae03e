/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two halves of Totem, and the messages that are all they share.
 *
 *   membership half: rc_memb (memb.c)       ordering half: rc_ord (ord.c)
 *   the daemon's control thread             the daemon's dataplane lcore
 *   gather, consensus, the commit token,    token, messages, retransmission,
 *   join/consensus/merge/commit timers,     recovery of old-ring messages,
 *   token loss, the ring sequence           configuration changes, delivery
 *
 *             SEND frame, FREEZE, INSTALL, START, STOP  --->
 *       <---  FRAME (membership, or another ring's), FROZEN, OPERATIONAL,
 *             FAIL_RECV, PAUSED (the ordering half's thread did not run)
 *
 * Each half takes the other's messages in the order they were made, at any
 * later time; besides them the membership half reads only the time of the
 * last token and how far the ordering half has read its frames (for the
 * token-loss timer), and it may ask the ordering half to look at its frames
 * now (rc_memb_ops.look). rc_totem (totem.h) joins
 * the halves with in-process queues, optionally delayed (the simulator's
 * model of two threads); ringcastd joins them with SP/SC rings between its
 * control thread and its lcore.
 *
 * Asynchrony rules the halves keep:
 *  - The ordering half decides what a freeze keeps (the ring it was
 *    operational in, if any) and reports it in FROZEN; the membership half
 *    fills its commit entry only from the FROZEN answering its last FREEZE.
 *  - OPERATIONAL is the ordering half's word that a ring's configuration
 *    changes were delivered; the membership half takes that ring as its last
 *    operational ring even if it has already gone back to gather.
 *  - FAIL_RECV and START name their ring; a stale one is ignored.
 */
#ifndef RC_SPLIT_H
#define RC_SPLIT_H

#include <stdint.h>

#include "engine.h"
#include "frame.h"

#define RC_X_FRAME_MAX \
	(RC_WIRE_COMMIT_MAX > RC_WIRE_JOIN_MAX ? RC_WIRE_COMMIT_MAX : RC_WIRE_JOIN_MAX)

enum rc_x_type {
	/* membership -> ordering */
	RC_X_SEND = 1,		/* send a membership frame */
	RC_X_FREEZE,		/* stop ordering; answered by FROZEN */
	RC_X_INSTALL,		/* a new ring: recovery starts */
	RC_X_START,		/* the representative starts the new ring's token */
	RC_X_STOP,		/* left the ring: ignore everything from now on */
	/* ordering -> membership */
	RC_X_FRAME = 16,	/* join, commit, merge, or a frame of another ring */
	RC_X_FROZEN,		/* the old ring, as the commit entry needs it */
	RC_X_OPERATIONAL,	/* the ring's configuration changes are delivered */
	RC_X_FAIL_RECV,		/* this node cannot fill a hole in the ring */
	RC_X_PAUSED,		/* the ordering half's thread was not running for gap_ns */
	RC_X_NO_BUFFERS,	/* the new ring could not be installed here: no memory
				   for its reassembly buffers; this node must stop */
};

/* A received frame, parsed and checked by the ordering half. */
struct rc_x_frame {
	uint8_t type;			/* RC_FT_* */
	uint32_t sender;		/* never this node */
	struct rc_ring_id ring;		/* of the header */
	union {
		struct rc_join join;	/* RC_FT_JOIN */
		struct rc_commit commit; /* RC_FT_COMMIT */
	} u;
};

struct rc_x_install {
	struct rc_ring_id ring;
	uint32_t n_members;
	uint32_t members[RC_MEMB_MAX];	/* sorted; members[0] is ring.rep */
	struct rc_commit commit;	/* every member's entry filled */
	uint8_t start;			/* start the token now: not the rep, or alone */
};

/* START, FAIL_RECV: the ring; OPERATIONAL: the ring and its members. */
struct rc_x_ring {
	struct rc_ring_id ring;
	uint32_t n_members;
	uint32_t members[RC_MEMB_MAX];
};

struct rc_xmsg {
	uint32_t type;			/* enum rc_x_type */
	union {
		struct {
			uint32_t dst;	/* 0: every node */
			uint32_t len;
			uint8_t frame[RC_X_FRAME_MAX];
		} send;
		struct rc_x_frame frame;
		struct rc_x_install install;
		struct rc_srp_old_ring frozen;
		struct rc_x_ring ring;
		uint64_t gap_ns;	/* PAUSED */
	} u;
};

/* ---- membership half ---- */

struct rc_memb;

struct rc_memb_ops {
	/* To the ordering half, in this order. */
	void (*cmd)(void *priv, const struct rc_xmsg *m);
	/* When the ordering half last received a token (0: never). */
	uint64_t (*last_token)(void *priv);
	/*
	 * Optional: the time up to which the ordering half has read its frames
	 * (NULL: always now). A token that waits unread behind a descheduled
	 * ordering half is not lost: token loss is judged at this time.
	 */
	uint64_t (*polled)(void *priv);
	/*
	 * Optional: this half waits for the ordering half to have read its
	 * frames up to a deadline (polled() behind it): ask it to look now
	 * (the daemon's lcore may be asleep until its next timer).
	 */
	void (*look)(void *priv);
	/*
	 * A new ring sequence is about to be used: persist it before returning.
	 * 0, or -errno when it could not be: that ring formation fails.
	 */
	int (*ring_seq)(void *priv, uint64_t seq);
};

int rc_memb_create(const struct rc_totem_config *cfg, const struct rc_memb_ops *ops,
		   void *priv, struct rc_memb **out);
void rc_memb_destroy(struct rc_memb *m);
void rc_memb_start(struct rc_memb *m, uint64_t now);
void rc_memb_leave(struct rc_memb *m, uint64_t now);
void rc_memb_event(struct rc_memb *m, const struct rc_xmsg *e, uint64_t now);
void rc_memb_timer(struct rc_memb *m, uint64_t now);
/*
 * The caller's clock after a call into this half returned. The next call's
 * gap (pause detection) is measured from here, so time spent inside a call
 * (the synced write of the ring sequence, a wait for the lcore) is not a
 * pause. Callers on a real clock call it after every call; optional.
 */
void rc_memb_returned(struct rc_memb *m, uint64_t now);
uint64_t rc_memb_next_deadline(const struct rc_memb *m);
enum rc_memb_state rc_memb_state(const struct rc_memb *m);
/* The current ring and, when operational, its members (else the last operational). */
void rc_memb_ring(const struct rc_memb *m, struct rc_ring_id *id,
		  uint32_t *members, uint32_t *n_members);
void rc_memb_stats_get(const struct rc_memb *m, struct rc_memb_stats *ms);

/* Why the last gather began (for the log; each gather counts in ms.gathers). */
enum rc_memb_cause {
	RC_CAUSE_START = 1,
	RC_CAUSE_TOKEN_LOST,
	RC_CAUSE_COMMIT_LOST,
	RC_CAUSE_JOIN,			/* node: its join */
	RC_CAUSE_LEAVE,			/* node: it left */
	RC_CAUSE_FOREIGN,		/* node, ring, ftype: a frame of that ring */
	RC_CAUSE_FAIL_RECV,
};

struct rc_memb_why {
	enum rc_memb_cause cause;
	uint32_t node;
	struct rc_ring_id ring;		/* FOREIGN: the frame's; else the ring left */
	uint8_t ftype;
};

void rc_memb_why_get(const struct rc_memb *m, struct rc_memb_why *w);
const char *rc_memb_cause_name(enum rc_memb_cause c);

/* ---- ordering half ---- */

struct rc_ord;

struct rc_ord_ops {
	/* As in struct rc_totem_ops. */
	void (*send)(void *priv, uint32_t dst, const void *frame, size_t len);
	void (*send_zc)(void *priv, uint32_t dst, const void *hdr, size_t hdr_len,
			const void *data, size_t data_len);
	void (*deliver)(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len);
	void (*sent)(void *priv, void *cookie);
	void (*refused)(void *priv, void *cookie);	/* optional */
	void (*confchg)(void *priv, const struct rc_confchg *c);
	/* To the membership half, in this order; called with evt_priv. */
	void (*evt)(void *evt_priv, const struct rc_xmsg *e);
	void *evt_priv;
};

int rc_ord_create(const struct rc_totem_config *cfg, const struct rc_ord_ops *ops,
		  void *priv, struct rc_ord **out);
void rc_ord_destroy(struct rc_ord *o);
void rc_ord_command(struct rc_ord *o, const struct rc_xmsg *c, uint64_t now);
int rc_ord_recv(struct rc_ord *o, const void *frame, size_t len, uint64_t now);
/* rc_srp_mcast_pre() (zc false and no prefix: rc_srp_mcast()); -ENOTCONN once stopped. */
int rc_ord_mcast_pre(struct rc_ord *o, const void *pre, size_t pre_len,
		     const void *msg, size_t len, enum rc_guarantee guarantee, bool zc,
		     void *cookie, uint64_t now);
int rc_ord_mcast_first(struct rc_ord *o, const void *msg, size_t len,
		       enum rc_guarantee guarantee, void *cookie, uint64_t now);
void rc_ord_timer(struct rc_ord *o, uint64_t now);
uint64_t rc_ord_next_deadline(const struct rc_ord *o);
uint64_t rc_ord_last_token(const struct rc_ord *o);
uint32_t rc_ord_my_aru(const struct rc_ord *o);
/* The current ring's message limit (rc_srp_msg_limit). */
uint32_t rc_ord_msg_limit(const struct rc_ord *o);
/* The current ring's largest frame (rc_srp_ring_mtu). */
uint32_t rc_ord_ring_mtu(const struct rc_ord *o);
/* Bytes this node has queued and not yet framed (rc_srp_queued_bytes). */
uint64_t rc_ord_queued_bytes(const struct rc_ord *o);
void rc_ord_stats_get(const struct rc_ord *o, struct rc_srp_stats *st);

#endif /* RC_SPLIT_H */
