/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcpg's handle table (lib/handle.c), compiled in: handles of destroyed
 * objects stay invalid once their slot is reused, an object is released
 * once, after its last reference, slots span pages, and get/put/destroy
 * (which take no lock) hold up against threads that get, put, destroy and
 * create the same handles at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../lib/cpg_int.h"
#include "../../lib/handle.h"
#include "unit_test.h"

struct obj {
	uint64_t handle;	/* the handle create gave it; 0 before */
	int released;		/* atomic: release() calls */
	int tag;
};

static void release(void *o)
{
	__atomic_fetch_add(&((struct obj *)o)->released, 1, __ATOMIC_RELAXED);
}

/* handle.c's fork hooks name both of libcpg's tables */
struct rc_htab rc_cpg_tab = RC_HTAB_INIT(release);
struct rc_htab rc_iter_tab = RC_HTAB_INIT(release);

static struct rc_htab *fresh(void)
{
	struct rc_htab *t = calloc(1, sizeof(*t));

	rc_fork_guard();
	pthread_mutex_init(&t->lock, NULL);
	t->release = release;
	return t;
}

/* The pages too: a table of these tests is dropped whole. */
static void drop(struct rc_htab *t)
{
	for (uint32_t p = 0; p < RC_HTAB_PAGES; p++)
		free(t->pages[p]);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static void test_released_after_the_last_put_and_stale_once_destroyed(void)
{
	struct rc_htab *t = fresh();
	struct obj a = { 0 }, b = { 0 };
	uint64_t ha, hb;
	void *o;

	CU_ASSERT_EQUAL_FATAL(rc_htab_create(t, &a, &ha), 0);
	CU_ASSERT_NOT_EQUAL(ha, 0);
	CU_ASSERT_EQUAL(rc_htab_get(t, ha, &o), 0);
	CU_ASSERT_PTR_EQUAL(o, &a);
	CU_ASSERT_EQUAL(rc_htab_get(t, ha, &o), 0);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, ha), 0);
	/* invalid at once, released only when both gets are put */
	CU_ASSERT_EQUAL(rc_htab_get(t, ha, &o), -EBADF);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, ha), -EBADF);
	rc_htab_put(t, ha);
	CU_ASSERT_EQUAL(a.released, 0);
	/* the slot is still held: a create takes another */
	CU_ASSERT_EQUAL_FATAL(rc_htab_create(t, &b, &hb), 0);
	CU_ASSERT_NOT_EQUAL((uint32_t)hb, (uint32_t)ha);
	rc_htab_put(t, ha);
	CU_ASSERT_EQUAL(a.released, 1);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, hb), 0);
	CU_ASSERT_EQUAL(b.released, 1);
	/* both slots free again: the first is reused under a new generation */
	CU_ASSERT_EQUAL_FATAL(rc_htab_create(t, &b, &hb), 0);
	CU_ASSERT_EQUAL((uint32_t)hb, (uint32_t)ha);
	CU_ASSERT_NOT_EQUAL(hb, ha);
	CU_ASSERT_EQUAL(rc_htab_get(t, ha, &o), -EBADF);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, ha), -EBADF);
	CU_ASSERT_EQUAL(rc_htab_get(t, hb, &o), 0);
	CU_ASSERT_PTR_EQUAL(o, &b);
	rc_htab_put(t, hb);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, hb), 0);
	CU_ASSERT_EQUAL(b.released, 2);
	CU_ASSERT_EQUAL(a.released, 1);
	/* never made: an index past the end, handle 0 */
	CU_ASSERT_EQUAL(rc_htab_get(t, hb + 5, &o), -EBADF);
	CU_ASSERT_EQUAL(rc_htab_get(t, 0, &o), -EBADF);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, (uint64_t)1 << 32 | 70000), -EBADF);
	drop(t);
}

#define MANY	700	/* three pages */

static bool odd_tag(void *o, void *arg)
{
	(void)arg;
	return ((struct obj *)o)->tag & 1;
}

static void test_slots_span_pages_and_free_ones_are_reused(void)
{
	static struct obj objs[MANY], more[MANY / 2];
	struct rc_htab *t = fresh();
	uint64_t h[MANY];
	uint32_t n;
	void *o;

	for (int i = 0; i < MANY; i++) {
		objs[i] = (struct obj){ .tag = i };
		CU_ASSERT_EQUAL_FATAL(rc_htab_create(t, &objs[i], &h[i]), 0);
		CU_ASSERT_EQUAL((uint32_t)h[i], (uint32_t)i);
	}
	for (int i = 0; i < MANY; i++) {
		CU_ASSERT_EQUAL(rc_htab_get(t, h[i], &o), 0);
		CU_ASSERT_PTR_EQUAL(o, &objs[i]);
		rc_htab_put(t, h[i]);
	}
	n = t->n;
	rc_htab_destroy_if(t, odd_tag, NULL);
	for (int i = 0; i < MANY; i++) {
		CU_ASSERT_EQUAL(objs[i].released, i & 1);
		CU_ASSERT_EQUAL(rc_htab_get(t, h[i], &o), i & 1 ? -EBADF : 0);
		if (!(i & 1))
			rc_htab_put(t, h[i]);
	}
	/* as many creates as were freed: no new slot */
	for (int i = 0; i < MANY / 2; i++) {
		uint64_t nh;

		CU_ASSERT_EQUAL_FATAL(rc_htab_create(t, &more[i], &nh), 0);
		CU_ASSERT_EQUAL((uint32_t)nh & 1, 1);
	}
	CU_ASSERT_EQUAL(t->n, n);
	drop(t);
}

/* ---- threads ---- */

#define CELLS		8
#define READERS		3
#define CHURNERS	2
#define POOL		400000

static struct rc_htab *st;
static uint64_t cells[CELLS];		/* atomic: a handle in use */
static struct obj pool[POOL];
static uint32_t pool_next;		/* atomic */
static int stop_flag;			/* atomic */
static long bad_obj, gets_ok, destroys_ok;	/* atomic */

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *reader(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		uint64_t hd = __atomic_load_n(&cells[next_rand(&s) % CELLS], __ATOMIC_ACQUIRE);
		struct obj *o;
		void *v;

		if (rc_htab_get(st, hd, &v) < 0)
			continue;
		o = v;
		/* held: it is the handle's own object, and not released */
		if (__atomic_load_n(&o->handle, __ATOMIC_RELAXED) != hd ||
		    __atomic_load_n(&o->released, __ATOMIC_RELAXED) != 0)
			__atomic_fetch_add(&bad_obj, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&gets_ok, 1, __ATOMIC_RELAXED);
		rc_htab_put(st, hd);
	}
	return NULL;
}

static void *churner(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0xbf58476d1ce4e5b9ull + 7;

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		uint32_t c = next_rand(&s) % CELLS, i;
		uint64_t hd = __atomic_load_n(&cells[c], __ATOMIC_ACQUIRE), nh;

		i = __atomic_fetch_add(&pool_next, 1, __ATOMIC_RELAXED);
		if (i >= POOL) {
			__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
			break;
		}
		/* both churners go for the same cells: one destroy wins */
		if (rc_htab_destroy(st, hd) < 0)
			continue;	/* pool[i] stays unused (handle 0) */
		__atomic_fetch_add(&destroys_ok, 1, __ATOMIC_RELAXED);
		/* the handle is known only after create: readers take it from
		   the cell, after it is written here */
		if (rc_htab_create(st, &pool[i], &nh) < 0)
			break;
		__atomic_store_n(&pool[i].handle, nh, __ATOMIC_RELAXED);
		__atomic_store_n(&cells[c], nh, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_threads_never_see_a_released_or_foreign_object(void)
{
	pthread_t th[READERS + CHURNERS];
	struct timespec end, now;
	uint32_t used;

	st = fresh();
	for (int c = 0; c < CELLS; c++) {
		uint32_t i = pool_next++;

		CU_ASSERT_EQUAL_FATAL(rc_htab_create(st, &pool[i], &pool[i].handle), 0);
		cells[c] = pool[i].handle;
	}
	for (int i = 0; i < READERS; i++)
		pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < CHURNERS; i++)
		pthread_create(&th[READERS + i], NULL, churner, (void *)(uintptr_t)(i + 1));
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 1;
	do {
		struct timespec ms = { 0, 10 * 1000 * 1000 };

		nanosleep(&ms, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED) &&
		 (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec)));
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < READERS + CHURNERS; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(bad_obj, 0);
	CU_ASSERT(gets_ok > 1000);
	CU_ASSERT(destroys_ok > 100);
	/* the cells' objects are live; every other one was released once */
	for (int c = 0; c < CELLS; c++)
		CU_ASSERT_EQUAL(rc_htab_destroy(st, cells[c]), 0);
	used = pool_next < POOL ? pool_next : POOL;
	for (uint32_t i = 0; i < used; i++)
		if (pool[i].handle != 0 && pool[i].released != 1) {
			CU_FAIL("an object released other than once");
			break;
		}
	/* freed slots are reused: the cells' objects and those readers
	   still held after their destroy, never more */
	CU_ASSERT(st->n <= CELLS + READERS);
	drop(st);
}

static const struct unit_test tests[] = {
	T(test_released_after_the_last_put_and_stale_once_destroyed),
	T(test_slots_span_pages_and_free_ones_are_reused),
	T(test_threads_never_see_a_released_or_foreign_object),
};

UNIT_TEST_MAIN("lib-handle", tests)
