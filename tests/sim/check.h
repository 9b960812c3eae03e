/*
 * The invariant checker, fed every delivery of every node as it happens.
 * It keeps no engine state: the SAFE check asks the caller for each node's
 * my_aru through a callback, so fabricated sequences can test the checker.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "payload.h"
#include "srp.h"

/* Position k of the agreed order, as the first node to reach k saw it. */
struct check_ref {
	uint32_t index;
	uint32_t seq;
	uint8_t origin;
	uint8_t guarantee;
};

struct check_node {
	uint64_t pos;		/* messages delivered so far */
	uint64_t bytes;
	uint32_t last_seq;
	uint32_t *next;		/* [origin] next expected index: per-sender FIFO */
};

struct check {
	uint32_t n_nodes;	/* nodeids 1..n_nodes */
	uint32_t n_senders;	/* nodeids 1..n_senders send */
	uint64_t per_sender;	/* messages each sender sends */
	uint64_t total;		/* messages each node must deliver */
	struct sim_payload pl;
	bool full;		/* compare every byte, or only the ends */

	/* optional: [origin] messages handed to rc_srp_mcast so far */
	const uint64_t *queued;
	/* optional: my_aru of node (1-based), for the SAFE check */
	uint32_t (*aru)(void *ctx, uint32_t nodeid);
	void *ctx;

	struct check_node *node;	/* [nodeid - 1] */
	uint32_t *next_mem;
	struct check_ref *ref;		/* ref[i] is position ref_lo + i */
	uint64_t ref_lo, ref_n, ref_cap;
	uint32_t nodes_done;

	bool violated;
	char what[512];		/* the first violation */
};

int sim_check_init(struct check *c, uint32_t n_nodes, uint32_t n_senders,
		   uint64_t per_sender, const struct sim_payload *pl, bool full);
void sim_check_fini(struct check *c);
/* Node `nodeid` delivered a message. 0, or -1 after recording a violation. */
int sim_check_deliver(struct check *c, uint32_t nodeid,
		      const struct rc_srp_msg_info *info, const void *msg,
		      size_t len);
/* Liveness at the end: every node delivered every message. 0 or -1. */
int sim_check_finish(struct check *c);
/* Record a violation (only the first is kept). Always returns -1. */
int sim_check_fail(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline bool sim_check_all_done(const struct check *c)
{
	return c->nodes_done == c->n_nodes;
}

#endif /* SIM_CHECK_H */
