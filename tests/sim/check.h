/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The invariant checker (engine-independent), fed every frame a node first
 * sends, every delivery and every configuration change as they happen.
 * Deliveries are identified through what was framed, never guessed from the
 * payload: (ring, seq) names a frame, and the frame's messages are known.
 * It keeps no engine state: the caller reports each node's my_aru whenever
 * it forwards a ring's token (sim_check_token), which is what the SAFE check
 * judges, so fabricated runs can test it.
 *
 *   check.c  rings, frames, per-delivery checks (order, FIFO, payload, SAFE)
 *   evs.c    configuration changes, EVS groups, liveness at the end
 *   limit.c  message limits: each ring agrees on its members' least, a
 *            refused message is above it and delivered nowhere, a node
 *            delivers nothing above its own
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "payload.h"
#include "totem.h"

#define CHECK_MAX_NODES		SIM_PAYLOAD_ORIGINS	/* nodeids 1..16 */
#define CHECK_NONE		UINT32_MAX

/* Nodes as a bitmask: bit id - 1. */
#define CHECK_BIT(id)		(1u << ((id) - 1))

/* A message whose last chunk is in a frame. */
struct check_msg {
	uint32_t index;
	uint8_t origin;
	uint8_t cont;		/* that chunk continues a fragmented message */
};

/* One frame of a ring: its messages are msgs[first .. first + n). */
struct check_frame {
	uint32_t first;
	uint16_t n;
	bool known;
};

/* Position k of a ring's agreed order, as the first node to reach k saw it. */
struct check_ref {
	uint32_t index;
	uint32_t seq;
	uint8_t origin;
};

/* The nodes that left ring r for the same transitional configuration. */
struct check_group {
	struct check_group *next;
	uint32_t to;		/* ring index of the new ring */
	uint32_t members;	/* the transitional configuration, a mask */
	uint32_t node;		/* the first node that installed it */
	uint64_t pos;		/* its deliveries in agreed order in r */
	uint64_t count, hash;	/* all its deliveries of r: number, order hash */
	struct check_msg *rec;	/* its recovered deliveries */
	uint32_t n_rec;
};

/* A ring (configuration) the checker has heard of. */
struct check_ring {
	uint32_t rep;
	uint64_t seq;
	uint64_t born;		/* check.events when first heard of */
	uint32_t members;	/* regular configuration, once one was installed */
	bool have_members;
	uint32_t installed;	/* nodes that installed the regular configuration */
	uint32_t trans_of[CHECK_MAX_NODES + 1];	/* [node] transitional members when it left */
	uint32_t trans_to[CHECK_MAX_NODES + 1];	/* [node] the ring it left for */
	/*
	 * [node] its my_aru when it last forwarded this ring's token, kept
	 * after it left the ring (gather, crash, restart): a SAFE delivery in
	 * the ring is judged against it. A member vouches for what it holds
	 * only through the aru of the tokens it forwards.
	 */
	uint32_t tok_aru[CHECK_MAX_NODES + 1];
	uint32_t tok_from;	/* nodes that forwarded its token (mask) */
	struct check_frame *fr;	/* fr[seq - 1] */
	uint32_t n_fr, cap_fr;
	uint64_t msgs;		/* application messages framed */
	uint32_t limit;		/* agreed message limit, once installed (0: not yet) */
	uint32_t first_idx[CHECK_MAX_NODES + 1];	/* [origin] first index framed */
	struct check_ref *ref;	/* ref[i] is position ref_lo + i */
	uint64_t ref_lo, ref_n, ref_cap;
	struct check_group *groups;
};

/* Missing indexes lo..hi of one origin at one node. */
struct check_gap {
	uint32_t lo, hi;
};

struct check_node {
	/* whole life, across restarts */
	uint64_t delivered, bytes;
	int64_t last[CHECK_MAX_NODES + 1];	/* [origin] last index delivered */
	struct check_gap *gaps[CHECK_MAX_NODES + 1];
	uint32_t n_gaps[CHECK_MAX_NODES + 1], cap_gaps[CHECK_MAX_NODES + 1];
	uint32_t *ring_of;	/* [index] ring whose frame ended its message, CHECK_NONE: never framed */
	uint64_t max_seq;	/* highest ring seq installed */
	uint64_t reset_at;	/* check.events at its last crash or leave (0: never) */
	uint64_t epoch_first;	/* first index its current incarnation was handed */

	/* configuration */
	uint32_t cur;		/* ring of the current regular configuration */
	bool want_regular;	/* a transitional configuration was delivered */
	uint32_t trans_ring, trans_members;

	/* deliveries in cur */
	uint64_t pos;		/* in agreed order */
	uint64_t count, hash;	/* all, and an order-sensitive hash */
	bool recovering;	/* a recovered delivery was seen */
	uint32_t last_seq;
	int64_t ring_last[CHECK_MAX_NODES + 1];	/* [origin], agreed order only */
	struct check_msg *rec;
	uint32_t n_rec, cap_rec;

	/* identification cursor: the frame being delivered */
	uint32_t c_ring, c_seq, c_pos;
	bool c_recovered;
};

struct check {
	uint32_t n_nodes;	/* nodeids 1..n_nodes */
	uint32_t n_senders;	/* nodeids 1..n_senders send */
	uint64_t per_sender;	/* messages each sender sends */
	struct sim_payload pl;
	bool full;		/* compare every byte, or only the ends */

	struct check_node node[CHECK_MAX_NODES + 1];	/* [nodeid] */
	struct check_ring *rings;
	uint32_t n_rings, cap_rings;
	uint32_t *ring_hash;	/* open addressing: ring index + 1, 0 free */
	uint32_t hash_cap;
	struct check_msg *msgs;	/* every framed message, by frame */
	uint64_t n_msgs, cap_msgs;

	uint8_t *seen;		/* [origin][index] bits: delivered somewhere */
	uint8_t *safe_agreed;	/* [origin][index] bits: SAFE, delivered in agreed order somewhere */
	uint64_t distinct;	/* messages delivered somewhere */
	uint64_t events;	/* confchgs, crashes: orders ring births */
	uint64_t excused;	/* (message, node) pairs EVS lets go undelivered */
	uint32_t limit[CHECK_MAX_NODES + 1];	/* [node] its own message limit, 0: unchecked */
	uint8_t *refused;	/* [origin][index] bits: refused by its sender (NULL: none) */
	uint64_t n_refused;

	bool violated;
	char what[640];		/* the first violation */
};

int sim_check_init(struct check *c, uint32_t n_nodes, uint32_t n_senders,
		   uint64_t per_sender, const struct sim_payload *pl, bool full);
void sim_check_fini(struct check *c);

/* Record a violation (only the first is kept). Always returns -1. */
int sim_check_fail(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* check.c */
/* The ring (rep, seq)'s index, created if new; CHECK_NONE out of memory. */
uint32_t sim_check_ring(struct check *c, uint32_t rep, uint64_t seq);
bool sim_check_frame_known(struct check *c, uint32_t rep, uint64_t ring_seq,
			   uint32_t seq);
/* The first transmission of frame seq of a ring, by its sender. 0 or -1. */
int sim_check_framed(struct check *c, uint32_t sender, uint32_t rep,
		     uint64_t ring_seq, uint32_t seq, const struct check_msg *m,
		     uint32_t n);
/* Node `nodeid` delivered a message. 0, or -1 after recording a violation. */
int sim_check_deliver(struct check *c, uint32_t nodeid,
		      const struct rc_srp_msg_info *info, const void *msg,
		      size_t len);
/* Give ring memory back where every node is past it. */
void sim_check_trim(struct check *c, uint32_t ring);
/*
 * Node `nodeid` forwards the token of ring (rep, seq) holding every seq of
 * it up to aru (its my_aru as it sends the token). 0 or -1.
 */
int sim_check_token(struct check *c, uint32_t nodeid, uint32_t rep,
		    uint64_t seq, uint32_t aru);

/* evs.c */
int sim_check_confchg(struct check *c, uint32_t nodeid,
		      const struct rc_confchg *cc);
/* The node crashed or left: its memory is gone from now on. */
void sim_check_node_down(struct check *c, uint32_t nodeid);
/*
 * The node restarts with a fresh engine, to be handed messages from index
 * `first` on: an epoch begins (what older engines held is lost).
 */
void sim_check_node_restart(struct check *c, uint32_t nodeid, uint64_t first);
/*
 * At the end: every sender delivered every message its current engine was
 * handed, and every node delivered every message of every sender unless it
 * crashed since that message's ring was born, or EVS excuses it (it was not
 * in that ring, or parted from the sender at its end) and the message was
 * not SAFE and delivered in agreed order there. 0 or -1.
 */
int sim_check_finish(struct check *c);

/* limit.c */
/* Sender `origin` refused message `index` (len bytes) under its ring's limit. */
int sim_check_refused(struct check *c, uint32_t origin, uint32_t index, size_t len,
		      uint32_t ring_limit);
/* A delivery: never above the node's own limit, nor its ring's, nor refused. */
int sim_check_limit_deliver(struct check *c, uint32_t id, uint32_t ri, uint32_t origin,
			    uint32_t index, size_t len);
/* A regular configuration: every member installs the least of their limits. */
int sim_check_limit_ring(struct check *c, uint32_t id, uint32_t ri,
			 const struct rc_confchg *cc, uint32_t mem);

static inline bool sim_check_is_refused(const struct check *c, uint32_t origin,
					uint32_t index)
{
	uint64_t bit;

	if (c->refused == NULL || origin < 1 || origin > c->n_senders ||
	    index >= c->per_sender)
		return false;
	bit = (uint64_t)(origin - 1) * c->per_sender + index;
	return (c->refused[bit / 8] >> (bit % 8)) & 1;
}

static inline bool sim_check_all_seen(const struct check *c)
{
	return c->distinct + c->n_refused == c->per_sender * c->n_senders;
}

static inline uint64_t sim_check_mix(uint64_t h, uint32_t origin,
				     uint32_t index)
{
	return sim_mix64(h * 0x100000001b3ull ^
			 ((uint64_t)origin << 32 | index));
}

#endif /* SIM_CHECK_H */
