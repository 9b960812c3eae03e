/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tx arena allocator of libcpg (lib/arena.c), compiled in: first fit,
 * coalescing, frees in any order, sizes from 1 byte to the whole arena, and
 * a seeded random run checked against a shadow map of the arena.
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
	CU_ASSERT_EQUAL(a.n_blk, 0);
	CU_ASSERT_EQUAL(rc_arena_alloc(&a, 8 * 1024, &off[0]), 0);	/* whole again */
	rc_arena_fini(&a);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
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

		if (rc_arena_alloc(&a, want, &off) != 0)
			continue;
		live[n] = off;
		len[n] = (want + 15) & ~15ull;
		for (uint64_t b = off / 16; b < (off + len[n]) / 16; b++)
			bad += owner[b]++ != 0;
		used += len[n++];
		bad += a.free_bytes != SIZE - used;
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
	T(test_random_alloc_free_never_overlaps),
};

UNIT_TEST_MAIN("lib-arena", tests)
