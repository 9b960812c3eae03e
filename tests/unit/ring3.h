/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine tests' ring: node `nodeid` of {1, 2, 3}, netmtu 1500, the
 * classic (not accelerated) ring. The
 * including file defines CLUSTER, RING_SEQ and MAX_MSG first.
 */
#ifndef RC_TEST_RING3_H
#define RC_TEST_RING3_H

#include "srp.h"

static void ring_config(struct rc_srp_config *cfg, uint32_t nodeid)
{
	rc_srp_config_defaults(cfg);
	cfg->cluster_id = CLUSTER;
	cfg->nodeid = nodeid;
	cfg->n_members = 3;
	cfg->members[0] = 1;
	cfg->members[1] = 2;
	cfg->members[2] = 3;
	cfg->ring_seq = RING_SEQ;
	cfg->netmtu = 1500;
	cfg->max_msg_size = MAX_MSG;
	cfg->accel_window = 0;	/* the classic ring; accelerated tests set it */
}

#ifdef RC_SRP_INT_H
/*
 * As if this node had already passed a token with this seq, having sent
 * my_trc frames on that visit: the next token may then carry a seq up to a
 * rotation past it (recv_token checks what a rotation can add).
 */
static inline void ring_ran_to(struct rc_srp *srp, uint32_t seq, uint32_t my_trc)
{
	srp->seq_at_forward = seq;
	srp->high_tok_seq = seq;
	srp->my_trc = my_trc;
}
#endif

#endif /* RC_TEST_RING3_H */
