/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPG messages: what the daemons put inside Totem messages. Every CPG event
 * travels in the total order, so every node applies it at the same point of
 * the stream. Little-endian; parsed with memcpy (no alignment is assumed).
 *
 *   msg     := rc_cpg_hdr  name[name_len]  body
 *   MCAST   body = application payload            (name = the sender's group)
 *   MCAST_BATCH body = { le32 len, byte[len] }*n, 1 <= n <= RC_CPG_BATCH_MAX, filling the body
 *           exactly: n application messages of one process to its group,
 *           consecutive in its send order, delivered one after the other at
 *           this point of the stream. The daemon packs a client's queued
 *           small messages this way (one CPG header and one Totem chunk
 *           instead of one each); a batch with any flaw is dropped whole.
 *   JOIN    body = empty                          (name, pid join)
 *   LEAVE   body = empty                          (name, pid leave)
 *   PROCDOWN body = empty                         (name, pid died without leaving)
 *   SYNC    body = rc_cpg_sync { rc_cpg_sync_ent name[name_len] }*count
 *           name_len = 0, pid = 0: the sender's joined processes, sent first
 *           in each new ring; ring_seq says which ring it belongs to.
 *
 * The sending node is the Totem sender; the daemon fills pid and name from
 * its own record of the client, never from the client.
 */
#ifndef RINGCAST_CPGMSG_H
#define RINGCAST_CPGMSG_H

#include <stdint.h>

#define RC_CPG_MAGIC		0xC7u
#define RC_CPG_NAME_MAX		128	/* CPG_MAX_NAME_LENGTH */

enum rc_cpg_msg_type {
	RC_CPG_MCAST = 1,
	RC_CPG_JOIN = 2,
	RC_CPG_LEAVE = 3,
	RC_CPG_PROCDOWN = 4,
	RC_CPG_SYNC = 5,
	RC_CPG_MCAST_BATCH = 6,
	RC_CPG_TYPE_MAX_ = 7,
};

struct rc_cpg_hdr {
	uint8_t magic;		/* RC_CPG_MAGIC */
	uint8_t type;		/* rc_cpg_msg_type */
	uint16_t name_len;	/* 0..RC_CPG_NAME_MAX */
	uint32_t pid;
};
_Static_assert(sizeof(struct rc_cpg_hdr) == 8, "CPG header is 8 bytes");

/* Header plus a name of name_len bytes. */
#define RC_CPG_HDR_LEN(name_len)	(sizeof(struct rc_cpg_hdr) + (name_len))

/* MCAST_BATCH: each message's length before its bytes (le32); at most
   RC_CPG_BATCH_MAX messages (a receiver drops a batch of more, as every
   other receiver does). */
#define RC_CPG_BATCH_REC		4u
#define RC_CPG_BATCH_MAX		1024u

struct rc_cpg_sync {
	uint64_t ring_seq;	/* the ring whose confchg triggered it */
	uint32_t ring_rep;
	uint32_t count;		/* entries that follow */
};
_Static_assert(sizeof(struct rc_cpg_sync) == 16, "sync header is 16 bytes");

struct rc_cpg_sync_ent {
	uint32_t pid;
	uint16_t name_len;	/* 0..RC_CPG_NAME_MAX; name bytes follow */
	uint16_t reserved;	/* 0 */
};
_Static_assert(sizeof(struct rc_cpg_sync_ent) == 8, "sync entry is 8 bytes");

#endif /* RINGCAST_CPGMSG_H */
