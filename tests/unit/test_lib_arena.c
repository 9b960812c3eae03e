/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tx arena allocator of libcpg (lib/arena.c), compiled in: first fit
 * (from the start, or from an offset up), coalescing, frees in any order,
 * sizes from 1 byte to the whole arena, the room beside live zcb blocks,
 * its block table, and a seeded random run checked against a shadow map of
 * the arena.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/arena.h"
#include "unit_test.h"

static void test_sizes_round_to_sixteen_and_fill_the_arena(void)
{
	struct rc_arena a;
	uint64_t off, off2;

	CU_ASSERT_EQUAL_FATAL(rc_arena_init(&a, 4096), 0);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 1, &off), 0);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_EQUAL(rc_arena_find(&a, 0)->size, 16);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 17, &off2), 0);
	CU_ASSERT_EQUAL(off2, 16);
	CU_ASSERT_EQUAL(a.free_bytes, 4096 - 48);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 4096 - 48 + 1, &off), -EAGAIN);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 4097, &off), -EMSGSIZE);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 4096 - 48, &off), 0);
	CU_ASSERT_EQUAL(a.free_bytes, 0);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 1, &off), -EAGAIN);
	rc_arena_fini(&a);
}

static void test_out_of_order_frees_coalesce_back_to_one_extent(void)
{
	struct rc_arena a;
	uint64_t off[8];

	CU_ASSERT_EQUAL_FATAL(rc_arena_init(&a, 8 * 1024), 0);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(rc_arena_alloc(&a, 1024, &off[i]), 0);
	CU_ASSERT_EQUAL(a.n_ext, 0);
	CU_ASSERT_EQUAL(rc_arena_free(&a, off[5]), 0);
	CU_ASSERT_EQUAL(rc_arena_free(&a, off[1]), 0);
	CU_ASSERT_EQUAL(rc_arena_free(&a, off[3]), 0);
	CU_ASSERT_EQUAL(a.n_ext, 3);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 2048, &off[1]), -EAGAIN);	/* fragmented */
	CU_ASSERT_EQUAL(rc_arena_free(&a, off[2]), 0);	/* joins 1..3 */
	CU_ASSERT_EQUAL(a.n_ext, 2);
	CU_ASSERT_EQUAL(rc_arena_free(&a, off[2]), -ENOENT);
	CU_ASSERT_EQUAL(rc_arena_free(&a, 12345), -ENOENT);
	for (int i = 0; i < 8; i++)
		if (i != 1 && i != 2 && i != 3 && i != 5)
			CU_ASSERT_EQUAL(rc_arena_free(&a, off[i]), 0);
	CU_ASSERT_EQUAL(rc_arena_free(&a, off[5]), -ENOENT);
	CU_ASSERT_EQUAL(a.n_ext, 1);
	CU_ASSERT_EQUAL(a.free_bytes, 8 * 1024);
	CU_ASSERT_EQUAL(a.blk.n, 0);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 8 * 1024, &off[0]), 0);	/* whole again */
	rc_arena_fini(&a);
}

/* From an offset up: the block may split an extent in two; nothing below */
static void test_alloc_from_stays_above_the_offset_and_splits_extents(void)
{
	struct rc_arena a;
	uint64_t off, low, mid, mid2;

	CU_ASSERT_EQUAL_FATAL(rc_arena_init(&a, 8192), 0);
	CU_ASSERT_EQUAL(rc_arena_alloc_from(&a, 1024, 4096, &mid), 0);
	CU_ASSERT_EQUAL(mid, 4096);
	CU_ASSERT_EQUAL(a.n_ext, 2);		/* [0, 4096) and [5120, 8192) */
	CU_ASSERT_EQUAL(a.free_bytes, 8192 - 1024);
	CU_ASSERT_EQUAL(rc_arena_alloc_from(&a, 3072, 4096, &mid2), 0);
	CU_ASSERT_EQUAL(mid2, 5120);		/* the rest above: up to the end */
	CU_ASSERT_EQUAL(a.n_ext, 1);
	CU_ASSERT_EQUAL(rc_arena_alloc_from(&a, 16, 4096, &off), -EAGAIN);
	CU_ASSERT_EQUAL(rc_arena_alloc_from(&a, 4097, 4096, &off), -EMSGSIZE);
	CU_ASSERT_EQUAL(rc_arena_alloc_from(&a, 16, 8192 + 16, &off), -EMSGSIZE);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 4096, &low), 0);	/* below stayed whole */
	CU_ASSERT_EQUAL(low, 0);
	CU_ASSERT_EQUAL(a.n_ext, 0);
	CU_ASSERT_EQUAL(rc_arena_free(&a, mid), 0);
	CU_ASSERT_EQUAL(rc_arena_free(&a, low), 0);
	CU_ASSERT_EQUAL(a.n_ext, 1);		/* [0, 5120) coalesced */
	CU_ASSERT_EQUAL(rc_arena_alloc_from(&a, 2048, 2048, &off), 0);
	CU_ASSERT_EQUAL(off, 2048);
	CU_ASSERT_EQUAL(a.n_ext, 2);		/* [0, 2048) and [4096, 5120) */
	CU_ASSERT_EQUAL(rc_arena_free(&a, off), 0);
	CU_ASSERT_EQUAL(rc_arena_free(&a, mid2), 0);
	CU_ASSERT_EQUAL(a.n_ext, 1);
	CU_ASSERT_EQUAL(a.free_bytes, 8192);
	CU_ASSERT_EQUAL(a.blk.n, 0);
	rc_arena_fini(&a);
}

/*
 * What room would be left above an offset with only the live zcb blocks
 * there: copies and freed zcb blocks (in flight) do not count, blocks below
 * the offset do not, and the room must be one run.
 */
static void test_fits_beside_zcb_counts_only_live_zcb_blocks_above(void)
{
	struct rc_arena a;
	uint64_t off[5];

	CU_ASSERT_EQUAL_FATAL(rc_arena_init(&a, 8192), 0);
	/* [0,1024) copy | [1024,2048) zcb | [2048,3072) freed zcb |
	   [3072,4096) copy | [4096,5120) zcb | [5120,8192) free */
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL_FATAL(rc_arena_alloc(&a, 1024, &off[i]), 0);
	rc_arena_find(&a, off[1])->zcb = true;
	rc_arena_find(&a, off[2])->zcb = true;
	rc_arena_find(&a, off[2])->zcb_freed = true;
	rc_arena_find(&a, off[4])->zcb = true;
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 3072, 1024), 1);	/* the tail */
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 3073, 1024), 0);
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 2048, 1024), 1);	/* [2048,4096) */
	rc_arena_find(&a, off[4])->size = 4096;	/* (a made-up block to the end) */
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 2048, 1024), 1);
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 2049, 1024), 0);
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 2049, 0), 0);	/* no run of it */
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 2048, 1536), 1);	/* from inside one */
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 2049, 1536), 0);
	CU_ASSERT_EQUAL(rc_arena_fits_beside_zcb(&a, 1, 8192), 0);	/* nothing above */
	rc_arena_fini(&a);
}

/* The block table alone, keyed by anything 16-aligned (addresses too) */
static void test_block_table_adds_finds_and_deletes_across_growth(void)
{
	struct rc_blktab t;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(rc_blktab_init(&t), 0);
	for (uint64_t k = 1; k <= 5000; k++) {
		struct rc_arena_blk *b = rc_blktab_add(&t, k << 20);

		bad += b == NULL;
		if (b != NULL)
			b->cap = k;
	}
	CU_ASSERT_EQUAL(t.n, 5000);
	for (uint64_t k = 1; k <= 5000; k += 2)
		rc_blktab_del(&t, rc_blktab_find(&t, k << 20));
	for (uint64_t k = 1; k <= 5000; k++) {
		struct rc_arena_blk *b = rc_blktab_find(&t, k << 20);

		bad += k % 2 ? b != NULL : b == NULL || b->cap != k;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(t.n, 2500);
	CU_ASSERT_PTR_NULL(rc_blktab_find(&t, RC_ARENA_NONE));
	rc_blktab_fini(&t);
}

/* A table emptied shrinks back at once: at most 8 slots per block (or its
   first 64), so a table that once held many blocks does not keep their
   memory (what zcb_max counts for private buffers). */
static void test_block_table_shrinks_as_it_empties(void)
{
	struct rc_blktab t;
	uint32_t max_cap = 0;
	int bad = 0, loose = 0;

	CU_ASSERT_EQUAL_FATAL(rc_blktab_init(&t), 0);
	for (uint64_t k = 1; k <= 20000; k++)
		bad += rc_blktab_add(&t, k << 4) == NULL;
	max_cap = t.mask + 1;
	CU_ASSERT(max_cap >= 40000);
	for (uint64_t k = 20000; k > 10; k--) {
		rc_blktab_del(&t, rc_blktab_find(&t, k << 4));
		loose += t.mask + 1 > 64 && t.mask + 1 > 8 * t.n + 8;
	}
	for (uint64_t k = 1; k <= 10; k++)
		bad += rc_blktab_find(&t, k << 4) == NULL;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(loose, 0);
	CU_ASSERT_EQUAL(t.mask + 1, 64);
	rc_blktab_fini(&t);
}

/* Windowed (the arena's), an emptied table shrinks too: once a window of as
   many adds and dels as it has slots peaked below 1/8 load, it halves, down
   to its first 64. */
static void test_windowed_block_table_shrinks_as_it_empties(void)
{
	struct rc_blktab t;
	uint32_t max_cap = 0;
	uint64_t ops = 0;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(rc_blktab_init(&t), 0);
	t.windowed = true;
	for (uint64_t k = 1; k <= 20000; k++)
		bad += rc_blktab_add(&t, k << 4) == NULL;
	max_cap = t.mask + 1;
	CU_ASSERT(max_cap >= 40000);
	for (uint64_t k = 20000; k > 10; k--)
		rc_blktab_del(&t, rc_blktab_find(&t, k << 4));
	/* a client that goes on with a few blocks: one in, one out */
	while (t.mask + 1 > 64 && ops < 4ull * max_cap) {
		bad += rc_blktab_add(&t, 99999 << 4) == NULL;
		rc_blktab_del(&t, rc_blktab_find(&t, 99999 << 4));
		ops += 2;
	}
	for (uint64_t k = 1; k <= 10; k++)
		bad += rc_blktab_find(&t, k << 4) == NULL;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(t.mask + 1, 64);
	CU_ASSERT(ops <= 3ull * max_cap);	/* the fill's window, then max_cap + max_cap/2 + ... */
	rc_blktab_fini(&t);
}

/* Blocks that come and go in bursts (a batch's completions free hundreds at
   once) do not make a windowed table resize back and forth: it keeps the
   size its peak needs. */
static void test_block_table_keeps_its_size_through_bursts(void)
{
	struct rc_blktab t;
	uint32_t resizes = 0, cap;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(rc_blktab_init(&t), 0);
	t.windowed = true;
	cap = t.mask + 1;
	for (int round = 0; round < 200; round++) {
		for (uint64_t k = 1; k <= 600; k++) {
			bad += rc_blktab_add(&t, k << 4) == NULL;
			resizes += t.mask + 1 != cap;
			cap = t.mask + 1;
		}
		for (uint64_t k = 1; k <= 600; k++) {
			rc_blktab_del(&t, rc_blktab_find(&t, k << 4));
			resizes += t.mask + 1 != cap;
			cap = t.mask + 1;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(t.n, 0);
	CU_ASSERT(resizes <= 5);	/* 64 -> 2048 in the first round, then none */
	CU_ASSERT_EQUAL(cap, 2048);
	rc_blktab_fini(&t);
	{
		struct rc_arena a;	/* the arena's own table is the windowed kind */

		CU_ASSERT_EQUAL_FATAL(rc_arena_init(&a, 1 << 20), 0);
		CU_ASSERT_TRUE(a.blk.windowed);
		rc_arena_fini(&a);
	}
}

/* (t->mask + 1) * 2 wraps at 2^31 slots: a table at its limit does not grow.
   Made up, not filled: its slots are never read. */
static void test_block_table_never_grows_past_its_limit(void)
{
	struct rc_arena_blk dummy;
	struct rc_blktab t = { .tab = &dummy, .mask = (1u << 30) - 1, .n = 1u << 29 };

	CU_ASSERT_PTR_NULL(rc_blktab_add(&t, 16));
	CU_ASSERT_EQUAL(t.mask, (1u << 30) - 1);
	t.mask = UINT32_MAX >> 1;	/* 2^31 slots: the multiply would wrap to 0 */
	t.n = 1u << 30;
	CU_ASSERT_PTR_NULL(rc_blktab_add(&t, 16));
	CU_ASSERT_EQUAL(t.mask, UINT32_MAX >> 1);
	CU_ASSERT_PTR_EQUAL(t.tab, &dummy);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* How far slot b lies from slot a, walking up the table. */
static uint32_t slot_dist(const struct rc_blktab *t, const struct rc_arena_blk *a,
			  const struct rc_arena_blk *b)
{
	return (uint32_t)((b - t->tab) - (a - t->tab)) & t->mask;
}

/*
 * The arena hands out offsets in order (a client's copies, 224 bytes each at
 * 64-byte payloads) and completions give them back in order: consecutive
 * keys take slots a fixed step apart, so the table is walked as a ring is,
 * not at random (a cache miss for every alloc and completion).
 */
static void test_block_table_keeps_consecutive_keys_together(void)
{
	struct rc_blktab t;
	struct rc_arena_blk *prev = NULL, *b;
	uint32_t near = 0;

	CU_ASSERT_EQUAL_FATAL(rc_blktab_init(&t), 0);
	for (uint64_t i = 0; i < 4096; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(rc_blktab_add(&t, i * 224));
	for (uint64_t i = 0; i < 4096; i++, prev = b) {
		b = rc_blktab_find(&t, i * 224);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		near += prev && slot_dist(&t, prev, b) <= 224 / 16 + 2;
	}
	CU_ASSERT(near >= 4095 * 9 / 10);
	rc_blktab_fini(&t);
}

/* Keys exactly a table's width apart would all want one slot if runs of
   keys were not placed by a hash: one cluster of them all, every lookup a
   walk through it. Placed by a hash, no cluster is long. */
static void test_block_table_spreads_keys_a_width_apart(void)
{
	const uint64_t n = 1000, width = 2048;	/* 1000 blocks: 2048 slots */
	struct rc_blktab t;
	uint32_t run = 0, longest = 0;

	CU_ASSERT_EQUAL_FATAL(rc_blktab_init(&t), 0);
	for (uint64_t i = 0; i < n; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(rc_blktab_add(&t, i * width * 16));
	CU_ASSERT_EQUAL_FATAL(t.mask + 1, width);
	for (uint64_t i = 0; i < n; i++)
		CU_ASSERT_PTR_NOT_NULL(rc_blktab_find(&t, i * width * 16));
	for (uint32_t s = 0; s < 2 * width; s++) {	/* twice round: clusters wrap */
		run = t.tab[s & t.mask].off == RC_ARENA_NONE ? 0 : run + 1;
		if (run > longest)
			longest = run;
	}
	CU_ASSERT(longest < 100);
	rc_blktab_fini(&t);
}

static void test_random_alloc_free_never_overlaps(void)
{
	enum { SIZE = 1 << 20, LIVE = 2000 };
	static uint8_t owner[SIZE / 16];	/* 1: allocated */
	static uint64_t live[LIVE], len[LIVE];
	struct rc_arena a;
	uint64_t s = 0x9e3779b97f4a7c15ull, off, used = 0;
	int n = 0, bad = 0;

	memset(owner, 0, sizeof(owner));
	CU_ASSERT_EQUAL_FATAL(rc_arena_init(&a, SIZE), 0);
	for (int step = 0; step < 200000; step++) {
		if (n > 0 && (n == LIVE || rng(&s) % 2)) {
			int k = (int)(rng(&s) % (uint64_t)n);

			for (uint64_t b = live[k] / 16; b < (live[k] + len[k]) / 16; b++)
				owner[b] = 0;
			bad += rc_arena_free(&a, live[k]) != 0;
			used -= len[k];
			live[k] = live[--n];
			len[k] = len[n];
			continue;
		}
		uint64_t want = rng(&s) % 3 ? 1 + rng(&s) % 512 : 1 + rng(&s) % 65536;
		uint64_t from = rng(&s) % 4 ? 0 : (rng(&s) % SIZE) & ~15ull;

		if (rc_arena_alloc_from(&a, want, from, &off) != 0)
			continue;
		bad += off < from;
		live[n] = off;
		len[n] = (want + 15) & ~15ull;
		for (uint64_t b = off / 16; b < (off + len[n]) / 16; b++)
			bad += owner[b]++ != 0;
		used += len[n++];
		bad += a.free_bytes != SIZE - used;
		bad += a.n_ext > a.blk.n + 1;
	}
	CU_ASSERT_EQUAL(bad, 0);
	while (n > 0)
		CU_ASSERT_EQUAL(rc_arena_free(&a, live[--n]), 0);
	CU_ASSERT_EQUAL(a.n_ext, 1);
	CU_ASSERT_EQUAL(a.free_bytes, SIZE);
	rc_arena_fini(&a);
}

static const struct unit_test tests[] = {
	T(test_sizes_round_to_sixteen_and_fill_the_arena),
	T(test_out_of_order_frees_coalesce_back_to_one_extent),
	T(test_alloc_from_stays_above_the_offset_and_splits_extents),
	T(test_fits_beside_zcb_counts_only_live_zcb_blocks_above),
	T(test_block_table_adds_finds_and_deletes_across_growth),
	T(test_block_table_shrinks_as_it_empties),
	T(test_windowed_block_table_shrinks_as_it_empties),
	T(test_block_table_keeps_its_size_through_bursts),
	T(test_block_table_never_grows_past_its_limit),
	T(test_block_table_keeps_consecutive_keys_together),
	T(test_block_table_spreads_keys_a_width_apart),
	T(test_random_alloc_free_never_overlaps),
};

UNIT_TEST_MAIN("lib-arena", tests)
