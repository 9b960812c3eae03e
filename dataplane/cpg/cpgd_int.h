/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the CPG group module, shared by cpgd.c (slots, messages,
 * configuration changes) and group.c (the group table). Invariants: group
 * members are sorted by (nodeid, pid) and unique; a group's `local` lists,
 * sorted, exactly the slots linked from its members; empty groups are freed.
 */
#ifndef RC_CPGD_INT_H
#define RC_CPGD_INT_H

#include "cpgd.h"

#include <ringcast/cpgmsg.h>

#define RC_CPGD_NO_SLOT		UINT32_MAX
#define RC_CPGD_HASH_BUCKETS	8192u	/* power of two, 2x the group limit */

/* One process in a group; slot links it to a local client (nodeid == me). */
struct rc_cpgd_member {
	uint32_t nodeid;
	uint32_t pid;
	uint32_t slot;		/* RC_CPGD_NO_SLOT: remote, or local and detached */
};

struct rc_cpgd_group {
	struct rc_cpgd_group *hnext;	/* hash chain */
	uint32_t hash;
	uint32_t n, cap;		/* members, sorted by (nodeid, pid) */
	struct rc_cpgd_member *m;
	uint32_t n_local, cap_local;	/* slots linked from members, sorted */
	uint32_t *local;
	struct cpg_name name;		/* bytes past length are zero */
};

struct rc_cpgd_table {
	struct rc_cpgd_group **hash;	/* RC_CPGD_HASH_BUCKETS chains */
	struct rc_cpgd_group **sorted;	/* n_groups, by name */
	uint32_t n_groups;
	uint32_t processes;		/* members over all groups */
	uint64_t gen;			/* bumped by every change of groups or members */
};

enum rc_cpgd_slot_state {
	RC_SLOT_NONE = 0,
	RC_SLOT_JOINING,	/* JOIN sent, not delivered */
	RC_SLOT_JOINED,
	RC_SLOT_LEAVING,	/* LEAVE sent, not delivered */
};

struct rc_cpgd_slot {
	bool attached;
	bool in_table;		/* its JOIN was delivered: a linked member */
	uint8_t state;		/* rc_cpgd_slot_state */
	uint32_t pid;
	struct cpg_name name;	/* the group, when state != NONE */
};

/*
 * A message this node sent (or must still send). Freed once the engine gave
 * the buffer back (rc_cpgd_sent) and, for JOIN/LEAVE/PROCDOWN, once it came
 * back in the order too: until then it is an identity in flight.
 */
struct rc_cpgd_out {
	struct rc_cpgd_out *next, *prev;
	uint8_t type;		/* rc_cpg_msg_type */
	bool queued;		/* ops.mcast took it */
	bool sent;		/* rc_cpgd_sent() */
	bool delivered;		/* came back to us in the order */
	uint32_t slot;		/* LEAVE: the leaving slot, NO_SLOT once detached */
	size_t len;
	uint8_t buf[];		/* the message */
};

struct rc_cpgd {
	uint32_t me;
	uint32_t max_slots;
	struct rc_cpgd_ops ops;
	void *priv;
	struct rc_cpgd_slot *slots;
	struct rc_cpgd_table table;
	struct rc_cpgd_out out;		/* list head, in send order */
	bool retry;			/* an unqueued PROCDOWN or SYNC waits */

	/* The current ring (regular configuration) and its SYNCs. */
	bool have_ring;
	bool sync_unsent;		/* our SYNC for it failed to queue */
	bool synced_all;		/* ops.totem went out for it */
	struct rc_ring_id ring;
	uint32_t n_ring;
	uint32_t ring_members[RC_TOTEM_MAX_NODES];
	bool synced[RC_TOTEM_MAX_NODES];
	uint32_t n_synced;

	/* Scratch lists for confchgs, RC_CPGD_MAX_MEMBERS each. */
	struct cpg_address *sc_members, *sc_left, *sc_joined;

	struct rc_cpgd_stats st;
};

/* ---- group.c: the table ---- */

int rc_cpgd_table_init(struct rc_cpgd_table *t);
void rc_cpgd_table_fini(struct rc_cpgd_table *t);
int rc_cpgd_name_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen);
struct rc_cpgd_group *rc_cpgd_group_find(const struct rc_cpgd_table *t,
					 const void *name, uint32_t len);
/* Find or create; -ENOSPC at RC_CPGD_MAX_GROUPS, -ENOMEM. */
int rc_cpgd_group_get(struct rc_cpgd_table *t, const void *name, uint32_t len,
		      struct rc_cpgd_group **out);
/* Free g if it has no member left. */
void rc_cpgd_group_put(struct rc_cpgd_table *t, struct rc_cpgd_group *g);
/* Index of (nodeid, pid), or -(insertion point) - 1. */
int rc_cpgd_group_index(const struct rc_cpgd_group *g, uint32_t nodeid, uint32_t pid);
/* Insert; -EEXIST, -ENOSPC (a limit), -ENOMEM. slot is linked if not NO_SLOT. */
int rc_cpgd_group_add(struct rc_cpgd_table *t, struct rc_cpgd_group *g,
		      uint32_t nodeid, uint32_t pid, uint32_t slot);
/* Remove member i; returns the slot it was linked to (or NO_SLOT). */
uint32_t rc_cpgd_group_del(struct rc_cpgd_table *t, struct rc_cpgd_group *g, uint32_t i);
/* Forget the slot of member i (the client is gone). */
void rc_cpgd_group_unlink(struct rc_cpgd_group *g, uint32_t i);

/* ---- cpgd.c: slots and sent messages, for apply.c ---- */

bool rc_cpgd_name_eq(const struct cpg_name *a, const void *name, uint32_t len);
/* Our own JOIN/LEAVE/PROCDOWN came back in the order: forget it as in
   flight. *slot: a LEAVE's leaving slot (NO_SLOT if none). */
bool rc_cpgd_out_delivered(struct rc_cpgd *c, uint8_t type, const void *name,
			   uint32_t len, uint32_t pid, uint32_t *slot);
/* The slot whose JOIN of (name, pid) is in flight, or NO_SLOT. */
uint32_t rc_cpgd_slot_joining(const struct rc_cpgd *c, const void *name, uint32_t len,
			      uint32_t pid);
/* The slot's member left the table: state NONE. */
void rc_cpgd_slot_gone(struct rc_cpgd *c, uint32_t slot);
/* Queue our SYNC for the current ring (first); on failure it waits. */
void rc_cpgd_sync_send(struct rc_cpgd *c);
/* Retry what failed to queue: PROCDOWNs, then our SYNC. */
void rc_cpgd_flush(struct rc_cpgd *c);

#endif /* RC_CPGD_INT_H */
