/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tx arena allocator (arena.h). Free extents: a sorted array, first fit,
 * merged with both neighbours on free, so n_ext stays at most blk.n + 1.
 * Blocks: a power-of-two hash table keyed by offset (rc_blktab, also used
 * for the private zcb buffers by address), deleted by backward shift (no
 * tombstones), grown at 1/2 load and halved below 1/8 (the arena's: at the
 * end of a window whose peak stayed below, arena.h): 2 to 8 slots per block,
 * or the 64 it starts with. All O(1) in the usual case of a few extents
 * (amortised for the table); no system call.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/shm.h>

#include "arena.h"

/* ---- the block table ---- */

#define TAB_MIN		64u		/* slots */
#define TAB_MAX		(1u << 30)	/* slots (64 GiB): never grown past */

/*
 * Keys a table's width apart (in 16-byte units) share a run: consecutive
 * keys in it take consecutive slots, and each run starts at a slot of its
 * own, hashed. The arena hands out offsets in order and completions give
 * them back in order, so the slots used walk the table the way a ring
 * does, which the cpu's prefetch follows; a hash of every key made each
 * alloc and each completion a cache miss (4096 messages in flight: a table
 * of up to a MiB). Keys at least 16 apart never collide within a run, and
 * runs collide as random keys do.
 */
static uint32_t slot_of(const struct rc_blktab *t, uint64_t key)
{
	uint64_t u = key >> 4, run = u >> t->bits;

	return (uint32_t)(u + ((run * 0x9e3779b97f4a7c15ull) >> 32)) & t->mask;
}

static int tab_resize(struct rc_blktab *t, uint32_t cap)
{
	struct rc_arena_blk *old = t->tab, *n;
	uint32_t old_cap = t->tab ? t->mask + 1 : 0;

	n = malloc(cap * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		n[i].off = RC_ARENA_NONE;
	t->tab = n;
	t->mask = cap - 1;
	t->bits = (uint32_t)__builtin_ctz(cap);
	for (uint32_t i = 0; i < old_cap; i++) {
		uint32_t s;

		if (old[i].off == RC_ARENA_NONE)
			continue;
		for (s = slot_of(t, old[i].off); n[s].off != RC_ARENA_NONE; s = (s + 1) & t->mask)
			;
		n[s] = old[i];
	}
	free(old);
	return 0;
}

int rc_blktab_init(struct rc_blktab *t)
{
	memset(t, 0, sizeof(*t));
	return tab_resize(t, TAB_MIN);
}

void rc_blktab_fini(struct rc_blktab *t)
{
	free(t->tab);
	memset(t, 0, sizeof(*t));
}

struct rc_arena_blk *rc_blktab_find(struct rc_blktab *t, uint64_t key)
{
	uint32_t s;

	if (key == RC_ARENA_NONE || t->tab == NULL)
		return NULL;
	for (s = slot_of(t, key); t->tab[s].off != RC_ARENA_NONE; s = (s + 1) & t->mask)
		if (t->tab[s].off == key)
			return &t->tab[s];
	return NULL;
}

/* One add or del more in the window; at its end, half the slots if its peak
   stayed below 1/8 load (then under 1/4: far from growing again). Not
   windowed: after a del, half the slots at once below 1/8. */
static void window_step(struct rc_blktab *t)
{
	if (!t->windowed) {
		if (t->mask + 1 > TAB_MIN && (uint64_t)t->n * 8 < t->mask + 1)
			(void)tab_resize(t, (t->mask + 1) / 2);
		return;
	}
	if (t->n > t->peak)
		t->peak = t->n;
	if (++t->ops < t->mask + 1)
		return;
	if (t->mask + 1 > TAB_MIN && (uint64_t)t->peak * 8 < t->mask + 1)
		(void)tab_resize(t, (t->mask + 1) / 2);	/* no memory: stays as it is */
	t->ops = 0;
	t->peak = t->n;
}

struct rc_arena_blk *rc_blktab_add(struct rc_blktab *t, uint64_t key)
{
	struct rc_arena_blk *b;
	uint32_t s;

	if (t->windowed)
		window_step(t);	/* first: it may halve the table */
	if ((t->n + 1) * 2 > t->mask + 1 &&
	    (t->mask + 1 >= TAB_MAX || tab_resize(t, (t->mask + 1) * 2) < 0))
		return NULL;
	for (s = slot_of(t, key); t->tab[s].off != RC_ARENA_NONE; s = (s + 1) & t->mask)
		;
	b = &t->tab[s];
	memset(b, 0, sizeof(*b));
	b->off = key;
	if (++t->n > t->peak)
		t->peak = t->n;
	return b;
}

/* Empty slot s, shifting back the entries probed past it. */
void rc_blktab_del(struct rc_blktab *t, struct rc_arena_blk *b)
{
	uint32_t s = (uint32_t)(b - t->tab), j = s, home;

	t->n--;
	for (;;) {
		t->tab[s].off = RC_ARENA_NONE;
		for (;;) {
			j = (j + 1) & t->mask;
			if (t->tab[j].off == RC_ARENA_NONE)
				goto shrink;
			home = slot_of(t, t->tab[j].off);
			/* j may move to s unless home lies cyclically in (s, j] */
			if (s <= j ? (s < home && home <= j) : (s < home || home <= j))
				continue;
			break;
		}
		t->tab[s] = t->tab[j];
		s = j;
	}
shrink:
	window_step(t);
}

/* ---- the arena ---- */

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
	if (rc_blktab_init(&a->blk) < 0) {
		free(a->ext);
		a->ext = NULL;
		return -ENOMEM;
	}
	a->blk.windowed = true;	/* a batch's completions come in bursts */
	return 0;
}

void rc_arena_fini(struct rc_arena *a)
{
	free(a->ext);
	rc_blktab_fini(&a->blk);
	memset(a, 0, sizeof(*a));
}

struct rc_arena_blk *rc_arena_find(struct rc_arena *a, uint64_t off)
{
	return rc_blktab_find(&a->blk, off);
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
	return rc_arena_alloc_from(a, len, 0, off);
}

int rc_arena_alloc_from(struct rc_arena *a, uint64_t len, uint64_t from, uint64_t *off)
{
	struct rc_arena_blk *b;
	uint64_t at = 0, end = 0;
	uint32_t i;

	if (len == 0)
		len = 1;
	if (from > a->size || len > a->size - from)
		return -EMSGSIZE;
	len = RC_SHM_ROUND(len, RC_SHM_MSG_ALIGN);
	if (len > a->free_bytes)
		return -EAGAIN;
	for (i = 0; i < a->n_ext; i++) {
		at = a->ext[i].off > from ? a->ext[i].off : from;
		end = a->ext[i].off + a->ext[i].len;
		if (at < end && end - at >= len)
			break;
	}
	if (i == a->n_ext)
		return -EAGAIN;
	/* the metadata first, so that a failure changes nothing */
	if (at > a->ext[i].off && at + len < end && ext_reserve(a) < 0)
		return -ENOMEM;
	b = rc_blktab_add(&a->blk, at);
	if (b == NULL)
		return -ENOMEM;
	b->size = len;

	if (at == a->ext[i].off) {		/* from the extent's start */
		a->ext[i].off += len;
		a->ext[i].len -= len;
		if (a->ext[i].len == 0) {
			memmove(&a->ext[i], &a->ext[i + 1], (a->n_ext - i - 1) * sizeof(*a->ext));
			a->n_ext--;
		}
	} else if (at + len == end) {		/* up to its end */
		a->ext[i].len -= len;
	} else {				/* from its middle: two extents */
		memmove(&a->ext[i + 2], &a->ext[i + 1], (a->n_ext - i - 1) * sizeof(*a->ext));
		a->ext[i + 1].off = at + len;
		a->ext[i + 1].len = end - at - len;
		a->ext[i].len = at - a->ext[i].off;
		a->n_ext++;
	}
	a->free_bytes -= len;
	*off = at;
	return 0;
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
	rc_blktab_del(&a->blk, b);
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

static int by_off(const void *x, const void *y)
{
	const struct rc_arena_ext *a = x, *b = y;

	return a->off < b->off ? -1 : a->off > b->off;
}

int rc_arena_fits_beside_zcb(struct rc_arena *a, uint64_t len, uint64_t from)
{
	const struct rc_blktab *t = &a->blk;
	struct rc_arena_ext *held;
	uint64_t at = from;
	uint32_t n = 0, i;
	int ret = 0;

	if (len == 0)
		len = 1;
	if (from > a->size || len > a->size - from)
		return 0;
	len = RC_SHM_ROUND(len, RC_SHM_MSG_ALIGN);
	held = malloc(((size_t)t->n + 1) * sizeof(*held));
	if (held == NULL)
		return -ENOMEM;
	for (i = 0; i <= t->mask; i++) {
		const struct rc_arena_blk *b = &t->tab[i];

		if (b->off != RC_ARENA_NONE && b->zcb && !b->zcb_freed && b->off + b->size > from)
			held[n++] = (struct rc_arena_ext){ b->off, b->size };
	}
	qsort(held, n, sizeof(*held), by_off);
	for (i = 0; i < n && ret == 0; i++) {	/* the gaps between them, from `from` up */
		if (held[i].off > at && held[i].off - at >= len)
			ret = 1;
		if (held[i].off + held[i].len > at)
			at = held[i].off + held[i].len;
	}
	if (ret == 0 && a->size - at >= len)
		ret = 1;
	free(held);
	return ret;
}
