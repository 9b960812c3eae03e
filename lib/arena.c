/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tx arena allocator (arena.h). Free extents: a sorted array, first fit,
 * merged with both neighbours on free, so n_ext stays at most n_blk + 1.
 * Blocks: a power-of-two hash table keyed by offset, deleted by backward
 * shift (no tombstones), grown at 1/2 load. All O(1) in the usual case of a
 * few extents; no system call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/shm.h>

#include "arena.h"

static uint32_t slot_of(const struct rc_arena *a, uint64_t off)
{
	return (uint32_t)(((off >> 4) * 0x9e3779b97f4a7c15ull) >> 32) & a->tab_mask;
}

static int tab_resize(struct rc_arena *a, uint32_t cap)
{
	struct rc_arena_blk *old = a->tab, *n;
	uint32_t old_cap = a->tab ? a->tab_mask + 1 : 0;

	n = malloc(cap * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		n[i].off = RC_ARENA_NONE;
	a->tab = n;
	a->tab_mask = cap - 1;
	for (uint32_t i = 0; i < old_cap; i++) {
		uint32_t s;

		if (old[i].off == RC_ARENA_NONE)
			continue;
		for (s = slot_of(a, old[i].off); n[s].off != RC_ARENA_NONE; s = (s + 1) & a->tab_mask)
			;
		n[s] = old[i];
	}
	free(old);
	return 0;
}

int rc_arena_init(struct rc_arena *a, uint64_t size)
{
	memset(a, 0, sizeof(*a));
	size &= ~(uint64_t)(RC_SHM_MSG_ALIGN - 1);
	a->size = size;
	a->free_bytes = size;
	a->cap_ext = 16;
	a->ext = malloc(a->cap_ext * sizeof(*a->ext));
	if (a->ext == NULL)
		return -ENOMEM;
	if (size > 0) {
		a->ext[0].off = 0;
		a->ext[0].len = size;
		a->n_ext = 1;
	}
	if (tab_resize(a, 64) < 0) {
		free(a->ext);
		a->ext = NULL;
		return -ENOMEM;
	}
	return 0;
}

void rc_arena_fini(struct rc_arena *a)
{
	free(a->ext);
	free(a->tab);
	memset(a, 0, sizeof(*a));
}

struct rc_arena_blk *rc_arena_find(struct rc_arena *a, uint64_t off)
{
	uint32_t s;

	if (off == RC_ARENA_NONE)
		return NULL;
	for (s = slot_of(a, off); a->tab[s].off != RC_ARENA_NONE; s = (s + 1) & a->tab_mask)
		if (a->tab[s].off == off)
			return &a->tab[s];
	return NULL;
}

/* Room for one more free extent. */
static int ext_reserve(struct rc_arena *a)
{
	struct rc_arena_ext *n;

	if (a->n_ext < a->cap_ext)
		return 0;
	n = realloc(a->ext, 2 * a->cap_ext * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	a->ext = n;
	a->cap_ext *= 2;
	return 0;
}

int rc_arena_alloc(struct rc_arena *a, uint64_t len, uint64_t *off)
{
	struct rc_arena_blk *b;
	uint32_t i, s;

	if (len == 0)
		len = 1;
	if (len > a->size)
		return -EMSGSIZE;
	len = RC_SHM_ROUND(len, RC_SHM_MSG_ALIGN);
	if (len > a->free_bytes)
		return -EAGAIN;
	if ((a->n_blk + 1) * 2 > a->tab_mask + 1 && tab_resize(a, (a->tab_mask + 1) * 2) < 0)
		return -ENOMEM;
	for (i = 0; i < a->n_ext; i++)
		if (a->ext[i].len >= len)
			break;
	if (i == a->n_ext)
		return -EAGAIN;

	*off = a->ext[i].off;
	a->ext[i].off += len;
	a->ext[i].len -= len;
	if (a->ext[i].len == 0) {
		memmove(&a->ext[i], &a->ext[i + 1], (a->n_ext - i - 1) * sizeof(*a->ext));
		a->n_ext--;
	}
	a->free_bytes -= len;

	for (s = slot_of(a, *off); a->tab[s].off != RC_ARENA_NONE; s = (s + 1) & a->tab_mask)
		;
	b = &a->tab[s];
	memset(b, 0, sizeof(*b));
	b->off = *off;
	b->size = len;
	a->n_blk++;
	return 0;
}

/* Remove the block in slot s, shifting back the entries probed past it. */
static void tab_delete(struct rc_arena *a, uint32_t s)
{
	uint32_t j = s, home;

	for (;;) {
		a->tab[s].off = RC_ARENA_NONE;
		for (;;) {
			j = (j + 1) & a->tab_mask;
			if (a->tab[j].off == RC_ARENA_NONE)
				return;
			home = slot_of(a, a->tab[j].off);
			/* j may move to s unless home lies cyclically in (s, j] */
			if (s <= j ? (s < home && home <= j) : (s < home || home <= j))
				continue;
			break;
		}
		a->tab[s] = a->tab[j];
		s = j;
	}
}

int rc_arena_free(struct rc_arena *a, uint64_t off)
{
	struct rc_arena_blk *b = rc_arena_find(a, off);
	uint64_t len;
	uint32_t lo = 0, hi = a->n_ext;
	bool left, right;

	if (b == NULL)
		return -ENOENT;
	len = b->size;
	/* reserve before touching anything, so failure leaves the block allocated */
	if (ext_reserve(a) < 0)
		return -ENOMEM;
	tab_delete(a, (uint32_t)(b - a->tab));
	a->n_blk--;
	a->free_bytes += len;

	while (lo < hi) {	/* first extent after off */
		uint32_t mid = (lo + hi) / 2;

		if (a->ext[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	left = lo > 0 && a->ext[lo - 1].off + a->ext[lo - 1].len == off;
	right = lo < a->n_ext && off + len == a->ext[lo].off;
	if (left && right) {
		a->ext[lo - 1].len += len + a->ext[lo].len;
		memmove(&a->ext[lo], &a->ext[lo + 1], (a->n_ext - lo - 1) * sizeof(*a->ext));
		a->n_ext--;
	} else if (left) {
		a->ext[lo - 1].len += len;
	} else if (right) {
		a->ext[lo].off = off;
		a->ext[lo].len += len;
	} else {
		memmove(&a->ext[lo + 1], &a->ext[lo], (a->n_ext - lo) * sizeof(*a->ext));
		a->ext[lo].off = off;
		a->ext[lo].len = len;
		a->n_ext++;
	}
	return 0;
}
