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

#define RC_TOTEM_MAX_NODES	32

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
};

struct rc_memb_stats {
	uint64_t gathers;		/* times gather was entered */
	uint64_t rings;			/* rings installed (operational) */
	uint64_t token_losses;
	uint64_t consensus_timeouts;
	uint64_t joins_tx, joins_rx;
	uint64_t commits_tx;
	uint64_t merges_tx;
	uint64_t foreign;		/* frames of another ring that started a merge */
	uint64_t stale;			/* old joins, commits and frames, ignored */
	uint64_t leaves_rx;
	uint64_t fail_recv;		/* gave up on a hole this node cannot receive */
	uint64_t pauses;		/* this half was not run for > token_timeout / 2 */
	uint64_t pause_last_ns, pause_max_ns;	/* how long, the last and longest */
	uint64_t failed_ignored;	/* ids of a JOIN's failed set not taken as evidence */
	uint64_t ring_seq_refused;	/* joins and commits with an implausible ring seq */
	uint64_t ring_seq_persist_failed; /* ring formations failed: seq not persisted */
};

void rc_totem_config_defaults(struct rc_totem_config *cfg);
int rc_totem_config_check(const struct rc_totem_config *cfg, const char **why);

#endif /* RC_ENGINE_H */
