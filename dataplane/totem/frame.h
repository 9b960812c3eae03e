/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames in host byte order: the token, a join, a commit token and the view
 * of any parsed frame, with the parser and the builders (wire.c). Shared by
 * the ordering engine (srp_int.h) and the interface between the two halves
 * of Totem (split.h), which the membership half includes; the engine's
 * private state stays in srp_int.h. include/ringcast/wire.h has the bytes.
 */
#ifndef RC_FRAME_H
#define RC_FRAME_H

#include <stdint.h>

#include <ringcast/wire.h>

#include "srp.h"

/* A token in host byte order. */
struct rc_token {
	uint32_t token_seq;
	uint32_t seq;
	uint32_t aru;
	uint32_t aru_addr;
	uint32_t fcc;
	uint32_t backlog;
	uint16_t rtr_count;
	uint16_t flags;
	uint32_t rtr[RC_RTR_MAX];
};

/* A join in host byte order; both sets sorted ascending, no duplicates. */
struct rc_join {
	uint64_t ring_seq;
	uint16_t n_proc, n_failed;
	uint32_t proc[RC_MEMB_MAX];
	uint32_t failed[RC_MEMB_MAX];
};

struct rc_commit_entry {
	uint32_t nodeid;
	uint32_t old_rep;
	uint64_t old_seq;
	uint32_t my_aru;
	uint32_t high_seq;
};

/* A commit token in host byte order; ring id travels in the header. */
struct rc_commit {
	uint32_t rep;
	uint64_t ring_seq;
	uint32_t hop;
	uint16_t n_memb;
	uint32_t filled;
	uint32_t max_msg;	/* the least limit of the members that filled */
	uint16_t netmtu;	/* the least netmtu of the members that filled */
	struct rc_commit_entry e[RC_MEMB_MAX];
};

/* A parsed, structurally valid frame; pointers into the caller's buffer. */
struct rc_frame_view {
	uint8_t type;
	uint32_t cluster_id;
	uint32_t sender;
	uint32_t ring_rep;
	uint64_t ring_seq;
	/* RC_FT_MCAST */
	uint32_t seq;
	uint16_t nchunks;
	uint16_t mflags;
	/* RC_FT_TOKEN */
	struct rc_token tok;
	/* RC_FT_JOIN */
	struct rc_join join;
	/* RC_FT_COMMIT */
	struct rc_commit commit;
};

/* wire.c: parse one frame (structurally valid, or why not); build them */
int rc_wire_parse(const void *buf, size_t len, uint32_t max_msg_size,
		  struct rc_frame_view *v, enum rc_bad_reason *why);
void rc_wire_put_hdr(uint8_t *buf, uint8_t type, uint32_t cluster_id,
		     uint32_t sender, uint32_t ring_rep, uint64_t ring_seq);
uint32_t rc_wire_put_token(uint8_t *buf, const struct rc_token *tok);
void rc_wire_put_mcast(uint8_t *buf, uint32_t seq, uint16_t nchunks,
		       uint16_t flags, uint32_t payload_len);
void rc_wire_put_chunk(uint8_t *buf, uint32_t len, uint32_t msg_len,
		       uint32_t offset, uint16_t flags, uint16_t msg_id);
uint16_t rc_wire_chunk_msg_id(const uint8_t *buf);
uint32_t rc_wire_put_join(uint8_t *buf, const struct rc_join *j);
uint32_t rc_wire_put_commit(uint8_t *buf, const struct rc_commit *c);
void rc_wire_get_chunk(const uint8_t *buf, uint32_t *len, uint32_t *msg_len,
		       uint32_t *offset, uint16_t *flags);

#endif /* RC_FRAME_H */
