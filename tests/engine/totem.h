/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The single-thread joiner, for the simulator and the tests only: the
 * membership half (control/memb/memb.c) and the ordering half
 * (dataplane/totem/ord.c over srp.c) of one node behind one API, their
 * messages passed in-process (totem.c). The daemon never links this: it runs
 * the halves on two threads and joins them itself through split.h.
 *
 *   rc_totem_start()  -> GATHER: join messages, consensus
 *                     -> COMMIT: commit token rotates twice over the new ring
 *                     -> RECOVERY: old-ring messages exchanged in the new ring
 *                     -> OPERATIONAL: transitional then regular confchg, traffic
 *   token loss, a foreign ring, a join or a leave -> GATHER again
 */
#ifndef RC_TOTEM_H
#define RC_TOTEM_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct rc_totem;

struct rc_totem_ops {
	void (*send)(void *priv, uint32_t dst, const void *frame, size_t len);
	/* info->ring_rep/ring_seq: the ring it was sent in; info->recovered:
	   delivered by recovery, before the transitional configuration. */
	void (*deliver)(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len);
	void (*sent)(void *priv, void *cookie);
	/* Optional: refused before any of it was framed, above the ring's
	   message limit (rc_srp_ops.refused); NULL: sent tells that. */
	void (*refused)(void *priv, void *cookie);
	/* Optional: a frame whose payload is still the caller's (rc_totem_mcast_zc). */
	void (*send_zc)(void *priv, uint32_t dst, const void *hdr, size_t hdr_len,
			const void *data, size_t data_len);
	void (*confchg)(void *priv, const struct rc_confchg *c);
	/* A new ring sequence is about to be used: persist it before returning;
	   -errno fails that ring formation. */
	int (*ring_seq)(void *priv, uint64_t seq);
};

int rc_totem_create(const struct rc_totem_config *cfg, const struct rc_totem_ops *ops,
		    void *priv, struct rc_totem **out);
void rc_totem_destroy(struct rc_totem *t);
/*
 * Messages between the halves arrive after a random delay of 0..max_ns
 * (in order), as between the daemon's control thread and lcore; 0: at once.
 */
void rc_totem_set_xdelay(struct rc_totem *t, uint64_t max_ns, uint64_t seed);

/* Start in gather: find the ring (or form one alone) from `now`. */
void rc_totem_start(struct rc_totem *t, uint64_t now);
/* Leave cleanly: tell the ring, stop. Others re-form at once. */
void rc_totem_leave(struct rc_totem *t, uint64_t now);

int rc_totem_recv(struct rc_totem *t, const void *frame, size_t len, uint64_t now);
/* Queue a message; it is sent once a ring is operational. */
int rc_totem_mcast(struct rc_totem *t, const void *msg, size_t len,
		   enum rc_guarantee guarantee, void *cookie, uint64_t now);
/* Zero-copy: msg is read until every node holds it (see rc_srp_mcast_zc). */
int rc_totem_mcast_zc(struct rc_totem *t, const void *msg, size_t len,
		      enum rc_guarantee guarantee, void *cookie, uint64_t now);
/* pre (kept by the engine) then msg, zero-copy if zc (see rc_srp_mcast_pre). */
int rc_totem_mcast_pre(struct rc_totem *t, const void *pre, size_t pre_len,
		       const void *msg, size_t len, enum rc_guarantee guarantee, bool zc,
		       void *cookie, uint64_t now);
/* Ahead of every queued message (see rc_srp_mcast_first). */
int rc_totem_mcast_first(struct rc_totem *t, const void *msg, size_t len,
			 enum rc_guarantee guarantee, void *cookie, uint64_t now);
void rc_totem_timer(struct rc_totem *t, uint64_t now);
uint64_t rc_totem_next_deadline(const struct rc_totem *t);

enum rc_memb_state rc_totem_state(const struct rc_totem *t);
/* The current ring and, when operational, its members. */
void rc_totem_ring(const struct rc_totem *t, struct rc_ring_id *id,
		   uint32_t *members, uint32_t *n_members);
/* The current ring's message limit (rc_ord_msg_limit). */
uint32_t rc_totem_ring_msg_limit(const struct rc_totem *t);
/* For checkers: all seqs <= the result of the current ring are held. */
uint32_t rc_totem_my_aru(const struct rc_totem *t);

void rc_totem_stats_get(const struct rc_totem *t, struct rc_srp_stats *st,
			struct rc_memb_stats *ms);

#endif /* RC_TOTEM_H */
