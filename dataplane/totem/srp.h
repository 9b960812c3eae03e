/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Totem single-ring ordering engine (the ordering half of Totem SRP).
 * Pure C: no threads, no clock, no I/O. After rc_srp_create() it allocates
 * only reassembly buffers (deliver.c: anonymous NORESERVE mappings of
 * max_msg_size, one per sender, backed as fragments fill them).
 * The caller feeds it frames, messages and the time; it answers through the
 * callbacks in struct rc_srp_ops, always from inside the call that fed it.
 *
 *   caller                         engine
 *   rc_srp_recv(frame, now)  --->  validate, store, token visit, deliver
 *   rc_srp_mcast(msg)        --->  queue (sent on a later token visit)
 *   rc_srp_timer(now)        --->  token retransmit, end of a hold
 *                            <---  ops.send(dst, frame)   dst 0 = every node
 *                            <---  ops.deliver(msg)       agreed/safe order
 *                            <---  ops.sent(cookie)       caller's buffer free
 */
#ifndef RC_SRP_H
#define RC_SRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcast/wire.h>

#define RC_SRP_MAX_NODES	RC_MEMB_MAX
/* The largest max_msg_size any node may have: frames are parsed against it,
   so a message above this node's own limit still keeps its place in order. */
#define RC_SRP_MSG_SIZE_CAP	(1u << 30)

struct rc_srp;
struct rc_frame_view;

/* Guarantee of a message (values follow cpg_guarantee_t). */
enum rc_guarantee {
	RC_GUARANTEE_AGREED = 1,
	RC_GUARANTEE_SAFE = 3,
};

/*
 * Why a received frame was dropped; each reason has its own counter,
 * exported as bad_<name>. One X(enumerator, name) line each: the enum and
 * the names (rc_srp_bad_reason_name) are made from this list.
 */
#define RC_BAD_REASONS(X) \
	X(RC_BAD_SHORT, "short")	/* shorter than its headers say */ \
	X(RC_BAD_MAGIC, "magic") \
	X(RC_BAD_VERSION, "version") \
	X(RC_BAD_TYPE, "type") \
	X(RC_BAD_CLUSTER, "cluster")	/* another cluster's frame */ \
	X(RC_BAD_SENDER, "sender")	/* sender not in this ring, or not allowed */ \
	X(RC_BAD_RING, "ring")		/* stale or foreign ring id */ \
	X(RC_BAD_LENGTH, "length")	/* lengths inconsistent with the frame */ \
	X(RC_BAD_CHUNK, "chunk")	/* chunk flags/offsets/lengths out of bounds */ \
	X(RC_BAD_TOKEN, "token")	/* token fields out of bounds */ \
	X(RC_BAD_SEQ, "seq")		/* seq outside the receive window */ \
	X(RC_BAD_STREAM, "stream")	/* fragment does not continue its message */ \
	X(RC_BAD_MEMB, "membership")	/* join or commit fields out of bounds */

enum rc_bad_reason {
#define X(e, name) e,
	RC_BAD_REASONS(X)
#undef X
	RC_BAD_REASONS_
};

struct rc_srp_config {
	uint32_t cluster_id;
	uint32_t nodeid;		/* this node, != 0 */
	uint32_t n_members;		/* 1..RC_SRP_MAX_NODES */
	uint32_t members[RC_SRP_MAX_NODES]; /* ring order; the first is the representative */
	uint64_t ring_seq;		/* ring id = (members[0], ring_seq) */
	uint32_t netmtu;		/* largest frame, RC_NETMTU_MIN..RC_NETMTU_MAX */
	uint32_t window_size;		/* frames per rotation, whole ring */
	uint32_t max_messages;		/* frames per token visit */
	uint32_t accel_window;		/* frames sent after passing the token; 0 = classic */
	uint32_t rtr_slots;		/* receive/retransmit buffer, power of two */
	uint32_t rx_frames;		/* frames a receiver's port holds between two
					   polls (its rx ring); 0 = no limit */
	uint32_t send_queue_len;	/* messages queued before -EAGAIN */
	uint32_t max_msg_size;		/* largest message, bytes */
	uint32_t rx_msg_max;		/* largest message this node's receivers (the
					   daemon's clients) take; 0: no limit but
					   the engine's. See rc_totem_msg_limit() */
	uint64_t token_retransmit_ns;	/* resend the token without sign of progress */
	uint64_t hold_ns;		/* representative holds an idle token this long */
	uint32_t idle_rotations;	/* idle rotations before holding */
};

/* Defaults for everything but cluster_id, nodeid and the members. */
void rc_srp_config_defaults(struct rc_srp_config *cfg);
/* 0, or -EINVAL with a static description of the first bad field in *why. */
int rc_srp_config_check(const struct rc_srp_config *cfg, const char **why);

/* Where a delivered message sat in the stream. */
struct rc_srp_msg_info {
	uint32_t sender;		/* originating node */
	uint32_t seq;			/* seq of the frame holding its last byte */
	enum rc_guarantee guarantee;
	uint32_t ring_rep;		/* the ring it was sent in */
	uint64_t ring_seq;
	int recovered;			/* delivered by recovery, before the
					   transitional configuration */
};

/*
 * None of these may call rc_srp_recv() on the same engine: a received frame
 * (the token, while a visit sends and frames) lives in the engine's own
 * parse buffer until the call that fed it returns (a caller that loops
 * frames back queues them).
 */
struct rc_srp_ops {
	/* Send a frame. dst is a nodeid, or 0 for every other node. */
	void (*send)(void *priv, uint32_t dst, const void *frame, size_t len);
	/* Deliver a message, in agreed order; msg is valid during the call. */
	void (*deliver)(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len);
	/* The engine no longer reads the buffer given to rc_srp_mcast(). */
	void (*sent)(void *priv, void *cookie);
	/*
	 * Optional: a message queued under an older ring's larger message
	 * limit was refused before any of it was framed (msg_refused_limit);
	 * the engine no longer reads its buffer. NULL: ops.sent tells that.
	 */
	void (*refused)(void *priv, void *cookie);
	/*
	 * Optional: send a frame whose payload is a caller's zero-copy buffer
	 * (rc_srp_mcast_zc): hdr is the frame's first hdr_len bytes, data the
	 * rest, still the caller's memory. Without it such frames are copied
	 * into one buffer and go through send().
	 */
	void (*send_zc)(void *priv, uint32_t dst, const void *hdr, size_t hdr_len,
			const void *data, size_t data_len);
	/*
	 * For the membership half (optional): an internal message delivered
	 * in order, and frames that are not the current ring's ordering
	 * frames (membership frames, other rings' frames).
	 */
	void (*deliver_ctrl)(void *priv, const struct rc_srp_msg_info *info,
			     const void *msg, size_t len);
	void (*memb_frame)(void *priv, const struct rc_frame_view *v,
			   const void *frame, size_t len, uint64_t now);
	/* The first argument of those two (NULL: the priv of rc_srp_create). */
	void *ctrl_priv;
};

/*
 * The ordering half's counters, one X(field, name, div) line each: the field
 * of struct rc_srp_stats, its name in /ringcast/stats (ringcastctl stats),
 * and what the export divides it by (1: as counted). The struct and the
 * export (control/stats_export.c) are both made from this list; what each
 * means to an operator is in docs/operations.md, whose table the unit test
 * `stats-export` holds to it. A new counter: a line here, its increment, a
 * line there.
 */
#define RC_SRP_STATS(X) \
	X(frames_tx, "mcast_frames_tx", 1)	/* MCAST frames sent, new and resent */ \
	X(bytes_tx, "bytes_tx", 1)		/* their bytes */ \
	X(frames_rx, "frames_rx", 1)		/* frames handed to rc_srp_recv */ \
	X(bytes_rx, "bytes_rx", 1) \
	X(tokens_rx, "tokens_rx", 1) \
	X(tokens_tx, "tokens_tx", 1) \
	X(rotations, "rotations", 1)		/* token visits at the representative */ \
	X(retransmits, "retransmits", 1)	/* frames this node resent on request */ \
	X(rtr_requested, "rtr_requested", 1)	/* seqs this node asked for */ \
	X(token_retransmits, "token_retransmits", 1) \
	X(dup_tokens, "dup_tokens", 1) \
	X(dup_frames, "dup_frames", 1)		/* MCAST frames already held */ \
	X(window_drops, "window_drops", 1)	/* frames beyond the receive window */ \
	X(holds, "holds", 1)			/* times the token was held idle */ \
	X(wakes_tx, "wakes_tx", 1) \
	X(wakes_rx, "wakes_rx", 1) \
	X(msgs_delivered, "delivered", 1) \
	X(bytes_delivered, "delivered_bytes", 1) \
	X(msgs_sent, "msgs_sent", 1)		/* messages fully framed */ \
	X(recovery_gaps, "recovery_gaps", 1)	/* old-ring seqs no survivor held */ \
	X(old_late, "old_late", 1)		/* old-ring frames from the network after install */ \
	X(reasm_nomem, "reasm_nomem", 1)	/* reassembly buffer could not be had */ \
	X(msg_too_big, "msg_too_big", 1)	/* above this node's max_msg_size, not delivered */ \
	X(msg_refused_limit, "msg_refused_limit", 1)	/* own messages above the ring's limit, refused */ \
	X(limit_above_own, "ring_limit_above_own", 1)	/* rings installed with a limit or netmtu above this node's */

struct rc_srp_stats {
#define X(field, name, div) uint64_t field;
	RC_SRP_STATS(X)
#undef X
	uint64_t bad[RC_BAD_REASONS_];	/* exported as bad_<rc_srp_bad_reason_name()> */
};

int rc_srp_create(const struct rc_srp_config *cfg, const struct rc_srp_ops *ops,
		  void *priv, struct rc_srp **out);
void rc_srp_destroy(struct rc_srp *srp);

/* Begin operation at `now`; the representative creates the first token. */
void rc_srp_start(struct rc_srp *srp, uint64_t now);

/*
 * A frame from the network. Returns 0 when accepted (or a harmless
 * duplicate), -EBADMSG when dropped as bad (counted by reason).
 */
int rc_srp_recv(struct rc_srp *srp, const void *frame, size_t len, uint64_t now);

/*
 * Queue a message; msg stays the caller's and must stay valid until
 * ops.sent(cookie). Returns 0, -EAGAIN when the queue is full, -EMSGSIZE
 * over max_msg_size or the ring's message limit (rc_srp_msg_limit: counted
 * in msg_refused_limit), -EINVAL for a bad guarantee. A message queued
 * under a larger limit than the ring it would be framed in is refused
 * then: counted, never framed, and its buffer given back by ops.sent.
 */
int rc_srp_mcast(struct rc_srp *srp, const void *msg, size_t len,
		 enum rc_guarantee guarantee, void *cookie, uint64_t now);

/*
 * As rc_srp_mcast(), zero-copy: the frames carrying the message point into
 * msg instead of holding a copy (ops.send_zc sends them as they are), so
 * msg is read until every node holds the message, and ops.sent(cookie)
 * comes only then. Such a message is never packed with others; one shorter
 * than RC_SRP_ZC_MIN is copied as usual. A ring change copies what is still
 * needed into the engine, so the buffer is free after it too.
 */
#define RC_SRP_ZC_MIN	1024u
int rc_srp_mcast_zc(struct rc_srp *srp, const void *msg, size_t len,
		    enum rc_guarantee guarantee, void *cookie, uint64_t now);

/*
 * The message is pre[0..pre_len) followed by msg[0..len): the engine keeps
 * its own copy of pre (at most RC_SRP_PRE_MAX bytes: a header the caller
 * wants to be the one sent, whatever happens to msg's memory). zc: as
 * rc_srp_mcast_zc() for the bytes of msg; the frames that carry pre are
 * copied.
 */
#define RC_SRP_PRE_MAX	144u
int rc_srp_mcast_pre(struct rc_srp *srp, const void *pre, size_t pre_len,
		     const void *msg, size_t len, enum rc_guarantee guarantee, bool zc,
		     void *cookie, uint64_t now);

/*
 * As rc_srp_mcast(), but ahead of every queued message. -EBUSY while the
 * queue's head message is partly sent (it may not be overtaken then). Only
 * max_msg_size bounds it, not the ring's limit: the daemon's group sync
 * (dataplane/cpg/), which reaches no client's receive area, must never be
 * refused.
 */
int rc_srp_mcast_first(struct rc_srp *srp, const void *msg, size_t len,
		       enum rc_guarantee guarantee, void *cookie, uint64_t now);

/* Run due timers. */
void rc_srp_timer(struct rc_srp *srp, uint64_t now);
/* When rc_srp_timer() next needs to run; UINT64_MAX for never. */
uint64_t rc_srp_next_deadline(const struct rc_srp *srp);

void rc_srp_stats_get(const struct rc_srp *srp, struct rc_srp_stats *st);
/* A frame dropped by the caller for `why` (the ordering half's own checks):
   counted with the engine's bad frames. */
void rc_srp_count_bad(struct rc_srp *srp, enum rc_bad_reason why);
const char *rc_srp_bad_reason_name(enum rc_bad_reason r);

/* For checkers: every seq <= the returned value is held by this node. */
uint32_t rc_srp_my_aru(const struct rc_srp *srp);
/* Messages queued and not yet fully framed. */
uint32_t rc_srp_backlog(const struct rc_srp *srp);
/* Bytes of queued messages not yet framed. */
uint64_t rc_srp_queued_bytes(const struct rc_srp *srp);

/*
 * Interface of the membership half (memb.c). In the daemon these calls cross
 * from the control thread to the dataplane lcore; each names what it reads
 * or changes so that it can become a message on a ring.
 */

/* The last operational ring, as recovery needs it. */
struct rc_srp_old_ring {
	int valid;
	uint32_t rep;
	uint64_t seq;
	uint32_t n_members;
	uint32_t members[RC_SRP_MAX_NODES];
	uint32_t my_aru;		/* every seq <= my_aru is held */
	uint32_t high_seq;		/* highest seq held */
};

/*
 * Stop ordering. keep: the current ring was operational and its messages are
 * kept for recovery; else the current ring is dropped (an aborted recovery)
 * and any older ring kept so far stays.
 */
void rc_srp_freeze(struct rc_srp *srp, int keep);
void rc_srp_old_ring_get(const struct rc_srp *srp, struct rc_srp_old_ring *o);
/*
 * Install a new ring in recovery mode: only internal messages flow.
 * msg_limit and netmtu: the ring's message limit and largest frame, agreed
 * in its commit token (at most this node's own; 0: this node's own).
 */
int rc_srp_install(struct rc_srp *srp, uint64_t ring_seq,
		   const uint32_t *members, uint32_t n_members, uint32_t msg_limit,
		   uint32_t netmtu);
/* The current ring's message limit: larger messages are refused. */
uint32_t rc_srp_msg_limit(const struct rc_srp *srp);
/* The current ring's largest frame: this node frames no larger. */
uint32_t rc_srp_ring_mtu(const struct rc_srp *srp);
/* Queue, as internal messages, every old-ring frame held with after < seq <= upto. */
int rc_srp_recovery_queue(struct rc_srp *srp, uint32_t after, uint32_t upto);
/* Queue an internal message (after the recovery frames). */
int rc_srp_ctrl_mcast(struct rc_srp *srp, const void *msg, size_t len,
		      enum rc_guarantee guarantee);
/*
 * Store a frame of the old ring: from recovery (recovery true), or late from
 * the network while frozen. 0 when it was the old ring's (kept, or, late
 * after install, dropped and counted in old_late); -EINVAL when it is not.
 */
int rc_srp_old_store(struct rc_srp *srp, const void *frame, size_t len, bool recovery);
/*
 * Deliver the old ring's messages up to `high`, skipping what no one held,
 * and go operational. trans[n_trans]: the survivors (the transitional
 * configuration): every frame of theirs is held once recovery is done, so
 * a skipped seq was another member's, and ends its message being
 * reassembled.
 */
void rc_srp_recovery_finish(struct rc_srp *srp, uint32_t high, const uint32_t *trans,
			    uint32_t n_trans);
/* When a token of the current ring last arrived. */
uint64_t rc_srp_last_token(const struct rc_srp *srp);
/* True once this node failed fail_recv_const visits in a row to fill a hole. */
int rc_srp_failed_to_recv(const struct rc_srp *srp, uint32_t fail_recv_const);

#endif /* RC_SRP_H */
