/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tx arena allocator. Its metadata is private to the client (never in
 * the shared region, which the daemon also writes): free extents sorted by
 * offset, first fit, coalesced on free; allocated blocks in a block table by
 * offset, each with its in-flight count and zcb state. Frees come in any
 * order (zcb buffers live arbitrarily long); sizes from 1 B to the arena.
 * The block table also keeps the private zcb buffers (send.c), by address.
 * Not thread-safe: the handle's lock guards it.
 */
#ifndef RC_LIB_ARENA_H
#define RC_LIB_ARENA_H

#include <stdbool.h>
#include <stdint.h>

struct rc_arena_blk {
	uint64_t off;		/* key; RC_ARENA_NONE: empty slot */
	uint64_t size;		/* bytes reserved, RC_SHM_MSG_ALIGN multiple (a private
				   zcb buffer: what it counts, send.c) */
	uint64_t cap;		/* zcb: payload bytes the application asked for */
	uint32_t inflight;	/* sent, completion not seen yet */
	uint64_t zcb_gen;	/* zcb: which allocation this is (send.c) */
	uint64_t sends, done;	/* zcb sends in place, and their completions */
	bool zcb;
	bool zcb_freed;		/* cpg_zcb_free() came while in flight */
};

#define RC_ARENA_NONE	UINT64_MAX

/*
 * Blocks by key (16-aligned): open addressing, linear probing, grown at 1/2
 * load, halved below 1/8 load: at once after a del (at most 8 slots per
 * block, or the 64 it starts with: what zcb_max counts for private
 * buffers, send.c), or, `windowed` (the arena's own table), when a window
 * of as many adds and dels as it has slots ends with its peak below 1/8:
 * halving at once made a table whose blocks come and go in bursts (a CPG
 * batch's completions free hundreds) resize back and forth. Never past
 * 2^30 slots (add: NULL).
 */
struct rc_blktab {
	struct rc_arena_blk *tab;
	uint32_t mask, n;
	uint32_t bits;		/* log2(mask + 1) */
	bool windowed;
	uint32_t ops, peak;	/* windowed: adds and dels in this window, most blocks in it */
};

int rc_blktab_init(struct rc_blktab *t);
void rc_blktab_fini(struct rc_blktab *t);
/* The block with that key, or NULL. Valid until the next add or del. */
struct rc_arena_blk *rc_blktab_find(struct rc_blktab *t, uint64_t key);
/* A new block for key (not in the table yet), other fields zero; NULL: no
   memory, or 2^29 blocks. */
struct rc_arena_blk *rc_blktab_add(struct rc_blktab *t, uint64_t key);
void rc_blktab_del(struct rc_blktab *t, struct rc_arena_blk *b);

struct rc_arena_ext {
	uint64_t off, len;
};

struct rc_arena {
	uint64_t size, free_bytes;
	struct rc_arena_ext *ext;	/* free extents, sorted, never adjacent */
	uint32_t n_ext, cap_ext;
	struct rc_blktab blk;		/* allocated blocks, by offset */
};

int rc_arena_init(struct rc_arena *a, uint64_t size);
void rc_arena_fini(struct rc_arena *a);
/*
 * Reserve len bytes (rounded up to RC_SHM_MSG_ALIGN); *off is their offset in
 * the arena. 0, -EAGAIN (no room now), -EMSGSIZE (larger than the arena) or
 * -ENOMEM (metadata). The block's other fields start zero.
 */
int rc_arena_alloc(struct rc_arena *a, uint64_t len, uint64_t *off);
/* The same, first fit at or above offset from (16-aligned): -EMSGSIZE when
   len is larger than the arena above it. */
int rc_arena_alloc_from(struct rc_arena *a, uint64_t len, uint64_t from, uint64_t *off);
/* The block that starts at off, or NULL. Valid until the next alloc/free. */
struct rc_arena_blk *rc_arena_find(struct rc_arena *a, uint64_t off);
/* Give back the block that starts at off. 0 or -ENOENT. */
int rc_arena_free(struct rc_arena *a, uint64_t off);
/*
 * Would len bytes fit at or above from if the arena held nothing but its
 * live zcb blocks (zcb, not zcb_freed)? That is, would waiting for every
 * other block (copies and freed zcb buffers in flight) make room? 1 or 0;
 * -ENOMEM. A sort of those blocks: for a slow path.
 */
int rc_arena_fits_beside_zcb(struct rc_arena *a, uint64_t len, uint64_t from);

#endif /* RC_LIB_ARENA_H */
