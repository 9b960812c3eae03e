/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast wire format: every frame the Totem engine sends or accepts.
 * Defined once, here; docs/protocol.md describes it in prose. All multi-byte
 * fields are little-endian (the Ethernet header's are big-endian, as
 * Ethernet's). Sizes are _Static_asserted so a change is deliberate.
 *
 *   Ethernet frame := dst MAC  src MAC  ethertype  rc_wire_shim  on the wire
 *   on the wire := rc_wire_auth  tag[16]  sealed(frame)       (wire version 3)
 *   frame := rc_wire_hdr  body
 *   body  := rc_wire_mcast { rc_wire_chunk data }*nchunks      (RC_FT_MCAST)
 *          | rc_wire_token  uint32 rtr[rtr_count]               (RC_FT_TOKEN)
 *          | (empty)                                            (RC_FT_WAKE)
 *          | rc_wire_join  uint32 proc[n_proc] uint32 failed[n_failed] (RC_FT_JOIN)
 *          | rc_wire_commit rc_wire_commit_entry[n_memb]          (RC_FT_COMMIT)
 *          | (empty)                                            (RC_FT_MERGE)
 * MCAST, TOKEN and WAKE belong to the ordering half and carry the ring id
 * they were sent in; JOIN and MERGE carry the sender's ring id, COMMIT the
 * id of the ring it is forming.
 */
#ifndef RINGCAST_WIRE_H
#define RINGCAST_WIRE_H

#include <stdint.h>

#define RC_WIRE_MAGIC		0x54534352u	/* "RCST" read as little-endian */
/* 1: frames without rc_wire_auth (before 0.2); 2: a commit token without
   max_msg (each node had its own message limit); 3: no CPG MCAST_BATCH
   (cpgmsg.h: a version-3 node would drop batches its peers deliver); 4: a
   commit token without netmtu (each node framed at its own) */
#define RC_WIRE_VERSION		5
#define RC_ETHERTYPE_DEFAULT	0x88B5

/*
 * Between the Ethernet header and the envelope: the node a frame is for
 * (0: every node; a token goes to the group address until its successor's
 * MAC is learned, and the others drop it by this), and the length of what
 * follows, since Ethernet pads short frames and the engine checks lengths
 * exactly.
 */
struct rc_wire_shim {
	uint32_t dst;		/* nodeid, or 0 */
	uint32_t len;		/* bytes of the envelope, tag and frame */
};
_Static_assert(sizeof(struct rc_wire_shim) == 8, "shim is 8 bytes");

/*
 * Authentication envelope, 40 bytes, then a 16-byte tag, then the Totem
 * frame: encrypted (RC_AUTH_MODE_AEAD, AES-256-GCM), or in the clear and
 * authenticated (RC_AUTH_MODE_MAC, GMAC), or neither (RC_AUTH_MODE_NONE, the
 * tag is zero). The envelope is the GCM additional data; magic and version
 * sit where a version-1 frame has them, so an old peer is recognised.
 *  0 magic   4 version  5 mode  6 reserved(0)
 *  8 sender (the transmitting node)   12 incarnation   16 counter
 * 24 key_id: the cluster key that sealed it
 * 28 newest_id: the newest key the sender holds (a rotation's new key)
 * 32 holders, 36 users: nodes (bit i: the i-th nodeid of the nodelist in
 *    ascending order) the sender knows to hold newest_id, to send with it
 * A frame's key is derived per (cluster key, cluster_id, sender,
 * incarnation); the counter, never repeated by one incarnation, is the nonce
 * and the replay-window position. See docs/protocol.md "Frame authentication".
 */
struct rc_wire_auth {
	uint32_t magic;		/* RC_WIRE_MAGIC */
	uint8_t version;	/* RC_WIRE_VERSION */
	uint8_t mode;		/* RC_AUTH_MODE_* */
	uint16_t reserved;
	uint32_t sender;
	uint32_t incarnation;
	uint64_t counter;
	uint32_t key_id;
	uint32_t newest_id;
	uint32_t holders;
	uint32_t users;
};
_Static_assert(sizeof(struct rc_wire_auth) == 40, "auth envelope is 40 bytes");

#define RC_WIRE_TAG_LEN		16
#define RC_WIRE_AUTH_OVERHEAD	(sizeof(struct rc_wire_auth) + RC_WIRE_TAG_LEN)

enum rc_auth_mode {
	RC_AUTH_MODE_NONE = 0,	/* crypto_cipher: none, crypto_hash: none */
	RC_AUTH_MODE_MAC = 1,	/* authenticated, in the clear */
	RC_AUTH_MODE_AEAD = 2,	/* authenticated and encrypted (the default) */
};

/* Frame types. */
enum rc_frame_type {
	RC_FT_MCAST = 1,	/* ordered data: one seq, one or more chunks */
	RC_FT_TOKEN = 2,	/* the ring's token, unicast to the successor */
	RC_FT_WAKE = 3,		/* "I have data": ends a token hold early */
	RC_FT_JOIN = 4,		/* gather: my view of who is alive and who failed */
	RC_FT_COMMIT = 5,	/* commit token forming a new ring */
	RC_FT_MERGE = 6,	/* representative: "my ring is here" */
	RC_FT_MAX_ = 7,
};

/*
 * Common header, 32 bytes.
 *  0 magic     4 version  5 type  6 flags(0)  8 cluster_id
 * 12 sender   16 ring_rep 20 reserved(0)      24 ring_seq
 * `sender` is the node that originated the frame; a retransmitted MCAST keeps
 * its originator here.
 */
struct rc_wire_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t cluster_id;
	uint32_t sender;
	uint32_t ring_rep;
	uint32_t reserved;
	uint64_t ring_seq;
};
_Static_assert(sizeof(struct rc_wire_hdr) == 32, "wire header is 32 bytes");

/*
 * MCAST body, 16 bytes, followed by nchunks chunks filling exactly
 * payload_len bytes.
 */
struct rc_wire_mcast {
	uint32_t seq;		/* ring sequence number of this frame */
	uint16_t nchunks;	/* >= 1 */
	uint16_t flags;		/* RC_MF_*: summary of the chunks */
	uint32_t payload_len;	/* bytes of chunks that follow */
	uint32_t reserved;
};
_Static_assert(sizeof(struct rc_wire_mcast) == 16, "mcast body is 16 bytes");

#define RC_MF_HAS_SAFE		0x0001u	/* some chunk is CPG_TYPE_SAFE */
#define RC_MF_ALL_		0x0001u

/*
 * Chunk header, 16 bytes, followed by len bytes of message data. A message is
 * one chunk (FIRST|LAST) or a run of fragments from one sender, carried in
 * increasing seq, offsets contiguous.
 */
struct rc_wire_chunk {
	uint32_t len;		/* data bytes in this chunk */
	uint32_t msg_len;	/* whole message length */
	uint32_t offset;	/* where this chunk sits in the message */
	uint16_t flags;		/* RC_CF_* */
	uint16_t msg_id;	/* sender's message counter, mod 2^16: the fragments
				   of one message carry the same id */
};
_Static_assert(sizeof(struct rc_wire_chunk) == 16, "chunk header is 16 bytes");

#define RC_CF_FIRST		0x0001u
#define RC_CF_LAST		0x0002u
#define RC_CF_SAFE		0x0004u
#define RC_CF_CTRL		0x0008u	/* engine-internal (recovery), not for the application */
#define RC_CF_ALL_		0x000Fu

/*
 * Token body, 32 bytes, followed by rtr_count uint32 sequence numbers that
 * some node asks to be retransmitted.
 */
struct rc_wire_token {
	uint32_t token_seq;	/* +1 per hop: duplicate detection */
	uint32_t seq;		/* highest seq assigned on the ring */
	uint32_t aru;		/* all-received-up-to, lowered by any node */
	uint32_t aru_addr;	/* node that last lowered aru, 0 = none */
	uint32_t fcc;		/* frames sent during the last rotation */
	uint32_t backlog;	/* frames queued on all nodes */
	uint16_t rtr_count;
	uint16_t flags;		/* RC_TF_* */
	uint32_t reserved;
};
_Static_assert(sizeof(struct rc_wire_token) == 32, "token body is 32 bytes");

#define RC_TF_IDLE		0x0001u	/* the holder may hold the token next visit */
#define RC_TF_ALL_		0x0001u

#define RC_RTR_MAX		128	/* retransmit requests one token carries */

/*
 * JOIN body, 16 bytes, then n_proc then n_failed nodeids, each set sorted
 * ascending without duplicates. A node that leaves lists itself as failed.
 */
struct rc_wire_join {
	uint64_t ring_seq;	/* highest ring seq the sender knows */
	uint16_t n_proc;
	uint16_t n_failed;
	uint32_t reserved;
};
_Static_assert(sizeof(struct rc_wire_join) == 16, "join body is 16 bytes");

/*
 * COMMIT body, 16 bytes, then n_memb entries in ring order. max_msg is the
 * new ring's message limit: each member lowers it to its own limit (the
 * largest message it can deliver) when it fills its entry, so once every
 * entry is filled it is the least of the members', the same at every member
 * (docs/protocol.md, "The ring's message limit").
 */
struct rc_wire_commit {
	uint32_t hop;		/* +1 per hop: duplicate detection */
	uint16_t n_memb;
	uint16_t netmtu;	/* the ring's largest frame, RC_WIRE_COMMIT_MAX (no
				   node takes less) ..RC_NETMTU_MAX: each member
				   lowers it to its own, as max_msg (since wire
				   version 5) */
	uint32_t filled;	/* bit i: entry i carries its node's old-ring state */
	uint32_t max_msg;	/* RC_WIRE_MAX_MSG_MIN..1 GiB */
};
_Static_assert(sizeof(struct rc_wire_commit) == 16, "commit body is 16 bytes");

struct rc_wire_commit_entry {
	uint32_t nodeid;
	uint32_t old_rep;	/* the node's last operational ring, 0 if none */
	uint64_t old_seq;
	uint32_t my_aru;	/* in that ring */
	uint32_t high_seq;	/* highest seq it holds in that ring */
};
_Static_assert(sizeof(struct rc_wire_commit_entry) == 24, "commit entry is 24 bytes");

#define RC_MEMB_MAX		32	/* nodes in one ring (filled is a 32-bit mask) */
/* The least message limit a node may advertise: every node delivers
   messages of a frame (its engine takes at least netmtu). */
#define RC_WIRE_MAX_MSG_MIN	RC_NETMTU_MIN

#define RC_WIRE_MCAST_OVERHEAD \
	(sizeof(struct rc_wire_hdr) + sizeof(struct rc_wire_mcast))
#define RC_WIRE_TOKEN_MAX \
	(sizeof(struct rc_wire_hdr) + sizeof(struct rc_wire_token) + 4 * RC_RTR_MAX)

#define RC_WIRE_JOIN_MAX \
	(sizeof(struct rc_wire_hdr) + sizeof(struct rc_wire_join) + 8 * RC_MEMB_MAX)
#define RC_WIRE_COMMIT_MAX \
	(sizeof(struct rc_wire_hdr) + sizeof(struct rc_wire_commit) + \
	 sizeof(struct rc_wire_commit_entry) * RC_MEMB_MAX)

#define RC_NETMTU_MIN		256
#define RC_NETMTU_MAX		9000

#endif /* RINGCAST_WIRE_H */
