/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPG groups on one node: the group table every node keeps alike, and the
 * node's local clients. Pure C like the Totem engine: no thread, no clock,
 * no DPDK. The dataplane feeds it delivered messages and configuration
 * changes in stream order and asks it for the header of each client mcast;
 * it answers through ops with ordered messages to send and with deliveries,
 * confchgs and totem confchgs for local client slots.
 *
 *   client join   -> rc_cpgd_join()  -> ops.mcast(JOIN)   ... delivered:
 *   rc_cpgd_deliver(JOIN) -> table += (node, pid) -> ops.confchg(JOIN) to the
 *                            group's local members (the joiner included)
 *   totem transitional confchg -> NODEDOWN for processes on nodes that left
 *   totem regular confchg      -> ops.mcast(SYNC, first): my joined processes
 *   each SYNC delivered        -> NODEUP for a node new to this ring,
 *                                 PROCDOWN for processes it no longer has
 *   all SYNCs of the ring in   -> ops.totem() to every local client
 *
 * Lists in confchgs are sorted by (nodeid, pid); every node computes the same.
 * The ops callbacks run inside the call that caused them and must not call
 * back into rc_cpgd.
 */
#ifndef RC_CPGD_H
#define RC_CPGD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <corosync/cpg.h>

#include "engine.h"

struct rc_cpgd;

/*
 * Table limits. A JOIN (or a SYNC entry) that would pass one is dropped and
 * counted in stats.full (cpg_full in ringcastctl stats), the same way on
 * every node whose table agrees.
 */
#define RC_CPGD_MAX_GROUPS	4096u
#define RC_CPGD_MAX_MEMBERS	1024u	/* per group */
#define RC_CPGD_MAX_PROCESSES	65536u	/* members over all groups */

struct rc_cpgd_ops {
	/* Queue an ordered message. first: ahead of every message queued so
	   far (the SYNC at a new ring). The buffer stays untouched until
	   rc_cpgd_sent(cookie). Returns 0 or -errno (-EAGAIN: queue full;
	   a failed PROCDOWN or SYNC is tried again on later calls). */
	int (*mcast)(void *priv, const void *msg, size_t len, bool first, void *cookie);
	/* A message of the slot's group; data/len is the application payload.
	   Slots whose JOIN was delivered get it until their LEAVE is. */
	void (*deliver)(void *priv, uint32_t slot, uint32_t nodeid, uint32_t pid,
			const void *data, size_t len);
	void (*confchg)(void *priv, uint32_t slot, const struct cpg_name *group,
			const struct cpg_address *members, size_t n_members,
			const struct cpg_address *left, size_t n_left,
			const struct cpg_address *joined, size_t n_joined);
	/* The ring, once its groups are synchronised (and at attach). */
	void (*totem)(void *priv, uint32_t slot, const struct rc_ring_id *ring,
		      const uint32_t *members, size_t n_members);
	/* Optional: the slot's JOIN was applied, the same at every node: CS_OK
	   (in the group), or CS_ERR_NO_RESOURCES (dropped at a table limit:
	   the slot is not joined). The answer to the client's cpg_join. */
	void (*joined)(void *priv, uint32_t slot, cs_error_t status);
};

/*
 * The group table's counters and its size now, one X(field, name, div) line
 * each, as RC_SRP_STATS in srp.h: the struct and the export are made from
 * this list.
 */
#define RC_CPGD_STATS(X) \
	X(bad, "cpg_bad", 1)			/* malformed CPG messages, dropped */ \
	X(stale_sync, "cpg_stale_sync", 1)	/* SYNCs of another ring, a non-member, repeated */ \
	X(joins, "cpg_joins", 1) \
	X(leaves, "cpg_leaves", 1) \
	X(procdowns, "cpg_procdowns", 1) \
	X(delivered, "cpg_delivered", 1)	/* (message, local member) pairs */ \
	X(no_member, "cpg_no_member", 1)	/* mcasts with no local member to take them */ \
	X(full, "cpg_full", 1)		/* joins (JOIN, SYNC entries) dropped at a limit */ \
	X(groups, "cpg_groups", 1)		/* table size now */ \
	X(processes, "cpg_processes", 1)

struct rc_cpgd_stats {
#define X(field, name, div) uint64_t field;
	RC_CPGD_STATS(X)
#undef X
};

/* 0, -EINVAL (no ops.mcast, max_slots 0), -ENOMEM. */
int rc_cpgd_create(uint32_t nodeid, uint32_t max_slots, const struct rc_cpgd_ops *ops,
		   void *priv, struct rc_cpgd **out);
/* Frees buffers still out with ops.mcast: the engine must not read them. */
void rc_cpgd_destroy(struct rc_cpgd *c);

/* ---- local clients (slot < max_slots) ---- */

/* A client connected; if a ring is synchronised it gets ops.totem() now.
   -EINVAL: slot out of range; -EBUSY: slot attached. */
int rc_cpgd_attach(struct rc_cpgd *c, uint32_t slot, uint32_t pid);
/* CS_OK (JOIN queued), CS_ERR_EXIST (this slot is joined or joining, or this
   pid has the name on another slot), CS_ERR_NAME_TOO_LONG, CS_ERR_TRY_AGAIN
   (send queue full, or the slot's leave is not delivered yet, or a leave or
   PROCDOWN of this pid and name is), CS_ERR_BAD_HANDLE (slot not attached). */
cs_error_t rc_cpgd_join(struct rc_cpgd *c, uint32_t slot, const struct cpg_name *name);
/* CS_OK (LEAVE queued), CS_ERR_NOT_EXIST (not joined or joining to that
   name), CS_ERR_TRY_AGAIN, CS_ERR_BAD_HANDLE. */
cs_error_t rc_cpgd_leave(struct rc_cpgd *c, uint32_t slot, const struct cpg_name *name);
/* The slot is in (or joining) the group name. */
bool rc_cpgd_slot_in(const struct rc_cpgd *c, uint32_t slot, const struct cpg_name *name);
/* The client is gone: PROCDOWN for its group if it joined or is joining
   (none if leaving: the LEAVE covers it). The slot is free on return and
   nothing of the old client reaches it again. */
void rc_cpgd_detach(struct rc_cpgd *c, uint32_t slot);
/*
 * Header for an mcast of `slot`: written so that it ends at room + room_len
 * (the payload follows). Returns the header length, or 0 when the slot is
 * neither joined nor joining (CS_ERR_NOT_EXIST for the client).
 */
size_t rc_cpgd_mcast_hdr(struct rc_cpgd *c, uint32_t slot, void *room, size_t room_len);
/* The same for an MCAST_BATCH (cpgmsg.h) of the slot's messages. */
size_t rc_cpgd_batch_hdr(struct rc_cpgd *c, uint32_t slot, void *room, size_t room_len);
/*
 * MCAST_BATCH bodies. rc_cpgd_batch_add appends one message (len bytes at
 * msg) to the body of *body_len bytes at body, if it stays within cap:
 * true, or false and nothing written. rc_cpgd_batch_next reads the record
 * at *p of the *left bytes left: its message in *msg and *len, *p and
 * *left past it; false when the record is cut short. rc_cpgd_batch_count:
 * the number of messages of a well-formed body (1..RC_CPG_BATCH_MAX,
 * records filling it exactly), else 0.
 */
bool rc_cpgd_batch_add(uint8_t *body, size_t *body_len, size_t cap, const void *msg,
		       uint32_t len);
bool rc_cpgd_batch_next(const uint8_t **p, size_t *left, const uint8_t **msg, uint32_t *len);
uint32_t rc_cpgd_batch_count(const uint8_t *body, size_t len);

/* ---- queries (synchronous requests) ---- */

/* Members of `name`, sorted; returns the total, fills at most max. */
uint32_t rc_cpgd_membership(const struct rc_cpgd *c, const struct cpg_name *name,
			    struct cpg_address *out, uint32_t max);
/* cpg_iteration_type_t: NAME_ONLY (one entry per group, nodeid = pid = 0),
   ONE_GROUP (members of name), ALL. Returns the total, fills at most max. */
uint32_t rc_cpgd_iterate(const struct rc_cpgd *c, int type, const struct cpg_name *name,
			 struct cpg_iteration_description_t *out, uint32_t max);
/* The same answer from its entry `from` on: out[0] is entry `from`. Returns
   the total (from 0); fills at most max. */
uint32_t rc_cpgd_iterate_from(const struct rc_cpgd *c, int type, const struct cpg_name *name,
			      uint32_t from, struct cpg_iteration_description_t *out,
			      uint32_t max);
/* Changes whenever a group or a member comes or goes: two answers with the
   same generation come from the same table. */
uint64_t rc_cpgd_gen(const struct rc_cpgd *c);

/* ---- from the Totem engine, in stream order ---- */

void rc_cpgd_deliver(struct rc_cpgd *c, uint32_t sender, const void *msg, size_t len);
void rc_cpgd_confchg(struct rc_cpgd *c, const struct rc_confchg *cc);
/* The engine no longer reads a buffer rc_cpgd gave to ops.mcast. */
void rc_cpgd_sent(struct rc_cpgd *c, void *cookie);

void rc_cpgd_stats_get(const struct rc_cpgd *c, struct rc_cpgd_stats *st);

/*
 * This ring's SYNC is not queued yet (the engine refused it for now): the
 * caller takes no client message into the engine until it is, so that none
 * is delivered before the NODEUP the SYNC brings.
 */
bool rc_cpgd_sync_pending(const struct rc_cpgd *c);

#endif /* RC_CPGD_H */
