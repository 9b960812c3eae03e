/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What both halves of the Totem engine and their callers share: ring ids,
 * configuration changes, the engine configuration and its check, the
 * membership state and counters. No DPDK, no clock, no I/O. The halves'
 * interface to each other is split.h; the single-thread joiner used by the
 * simulator and the tests is tests/engine/totem.h.
 */
#ifndef RC_ENGINE_H
#define RC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srp.h"

/* Nodes in one ring: one number under three names (wire.h's RC_MEMB_MAX,
   the ring's member mask; srp.h's RC_SRP_MAX_NODES; this one, for callers
   of the engine), whose arrays are filled from one another's sets. */
#define RC_TOTEM_MAX_NODES	RC_MEMB_MAX
_Static_assert(RC_TOTEM_MAX_NODES == RC_SRP_MAX_NODES && RC_SRP_MAX_NODES == RC_MEMB_MAX,
	       "one maximum of nodes per ring");

/*
 * Ring sequence bounds. Each ring formed takes the highest seq known plus 4,
 * so a seq at most RC_RING_SEQ_MAX never wraps (2^62 / 4 rings would take
 * ages at any formation rate), and plain comparisons of seqs are right. A
 * JOIN or COMMIT whose seq is above RC_RING_SEQ_MAX, or more than
 * RC_RING_SEQ_JUMP_MAX above the highest seq this node knows, is refused
 * (rc_memb_stats.ring_seq_refused): one forged or corrupt frame cannot push
 * every node's ring sequence to where it wraps.
 */
#define RC_RING_SEQ_MAX		(1ull << 62)
#define RC_RING_SEQ_JUMP_MAX	(1ull << 32)

enum rc_memb_state {
	RC_MEMB_GATHER = 1,
	RC_MEMB_COMMIT,
	RC_MEMB_RECOVERY,
	RC_MEMB_OPERATIONAL,
	RC_MEMB_STOPPED,	/* after rc_totem_leave() */
};

struct rc_totem_config {
	/* Ordering parameters; members/n_members/ring_seq are ignored. */
	struct rc_srp_config srp;
	uint64_t last_ring_seq;		/* persisted; new rings use a higher one */
	uint64_t token_timeout_ns;	/* no token this long: token lost */
	uint64_t join_timeout_ns;	/* resend our join this often in gather */
	uint64_t consensus_timeout_ns;	/* silent nodes in gather become failed */
	uint64_t merge_timeout_ns;	/* representative announces its ring */
	uint32_t fail_recv_const;	/* rotations without progress on a hole */
};

enum rc_conf_type {
	RC_CONF_TRANSITIONAL = 0,
	RC_CONF_REGULAR = 1,
};

struct rc_ring_id {
	uint32_t rep;
	uint64_t seq;
};

static inline bool rc_ring_id_eq(const struct rc_ring_id *a, const struct rc_ring_id *b)
{
	return a->rep == b->rep && a->seq == b->seq;
}

struct rc_confchg {
	enum rc_conf_type type;
	struct rc_ring_id ring;		/* the ring this configuration belongs to */
	uint32_t n_members, n_left, n_joined;
	uint32_t members[RC_TOTEM_MAX_NODES];	/* sorted by nodeid */
	uint32_t left[RC_TOTEM_MAX_NODES];
	uint32_t joined[RC_TOTEM_MAX_NODES];
	uint32_t msg_limit;		/* the ring's message limit (the same at
					   every member; see rc_totem_msg_limit) */
	uint32_t netmtu;		/* the ring's largest frame: the least of
					   its members' netmtu */
};

/*
 * The membership half's counters, one X(field, name, div) line each, as
 * RC_SRP_STATS in srp.h: the struct and the export are made from this list.
 */
#define RC_MEMB_STATS(X) \
	X(gathers, "gathers", 1)		/* times gather was entered */ \
	X(rings, "rings", 1)			/* rings installed (operational) */ \
	X(token_losses, "token_losses", 1) \
	X(consensus_timeouts, "consensus_timeouts", 1) \
	X(joins_tx, "joins_tx", 1) \
	X(joins_rx, "joins_rx", 1) \
	X(commits_tx, "commits_tx", 1) \
	X(merges_tx, "merges_tx", 1) \
	X(foreign, "foreign_frames", 1)	/* frames of another ring that started a merge */ \
	X(stale, "stale_frames", 1)		/* old joins, commits and frames, ignored */ \
	X(leaves_rx, "leaves_rx", 1) \
	X(fail_recv, "fail_recv", 1)		/* gave up on a hole this node cannot receive */ \
	X(pauses, "memb_pauses", 1)		/* this half was not run for > token_timeout / 2 */ \
	X(pause_last_ns, "memb_pause_last_ms", 1000000)	/* how long, the last */ \
	X(pause_max_ns, "memb_pause_max_ms", 1000000)	/* and the longest */ \
	X(failed_ignored, "failed_ignored", 1)	/* ids of a JOIN's failed set not taken as evidence */ \
	X(ring_seq_refused, "ring_seq_refused", 1)	/* joins and commits with an implausible ring seq */ \
	X(ring_seq_persist_failed, "ring_seq_persist_failed", 1) /* formations failed: seq not persisted */

struct rc_memb_stats {
#define X(field, name, div) uint64_t field;
	RC_MEMB_STATS(X)
#undef X
};

void rc_totem_config_defaults(struct rc_totem_config *cfg);
/*
 * This node's message limit: the largest message it can deliver, what its
 * engine reassembles (max_msg_size, and at least a frame: netmtu) and what
 * its receivers take (rx_msg_max, if set). Each node advertises it in the
 * commit token; a ring's limit is the least of its members'.
 */
uint32_t rc_totem_msg_limit(const struct rc_srp_config *c);
int rc_totem_config_check(const struct rc_totem_config *cfg, const char **why);

#endif /* RC_ENGINE_H */
