/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcpg's handle table (lib/handle.c), compiled in: handles of destroyed
 * objects stay invalid once their slot is reused, an object is released
 * once, after its last reference, a put too many changes nothing, slots
 * span pages, and get/put/destroy (which take no lock) hold up against
 * threads that get, put, destroy, create and scan the same handles at once
 * (scripts/tsan runs it under ThreadSanitizer too).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../lib/cpg_int.h"
#include "../../lib/handle.h"
#include "unit_test.h"

#define MAGIC	0x5eedf00dL

struct obj {
	uint64_t handle;	/* the handle create gave it (create writes it) */
	long payload;		/* plain: MAGIC from before create to release */
	int released;		/* atomic: release() calls */
	int tag;
};

/* Plain accesses to payload: under ThreadSanitizer, a get that does not
   acquire what create published, or a release that runs before a holder's
   last read, is a reported race. */
static void release(void *o)
{
	((struct obj *)o)->payload = 0;
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

static void test_a_put_too_many_changes_nothing(void)
{
	struct rc_htab *t = fresh();
	struct obj a = { 0 }, b = { 0 };
	uint64_t ha, hb;
	void *o;

	/* after the release: the destroyed handle stays dead, the slot free */
	CU_ASSERT_EQUAL_FATAL(rc_htab_create(t, &a, &ha), 0);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, ha), 0);
	CU_ASSERT_EQUAL(a.released, 1);
	rc_htab_put(t, ha);
	rc_htab_put(t, ha);
	CU_ASSERT_EQUAL(rc_htab_get(t, ha, &o), -EBADF);
	CU_ASSERT_EQUAL(a.released, 1);
	CU_ASSERT_EQUAL_FATAL(rc_htab_create(t, &b, &hb), 0);
	CU_ASSERT_EQUAL((uint32_t)hb, (uint32_t)ha);
	/* a stale handle's put does not touch the slot's new object */
	rc_htab_put(t, ha);
	CU_ASSERT_EQUAL(rc_htab_get(t, hb, &o), 0);
	rc_htab_put(t, hb);
	CU_ASSERT_EQUAL(b.released, 0);
	/* one too many on a live handle: the object is still released once */
	rc_htab_put(t, hb);
	CU_ASSERT_EQUAL(b.released, 0);
	CU_ASSERT_EQUAL(rc_htab_destroy(t, hb), 0);
	CU_ASSERT_EQUAL(b.released, 1);
	rc_htab_put(t, hb);
	CU_ASSERT_EQUAL(b.released, 1);
	CU_ASSERT_EQUAL(rc_htab_get(t, hb, &o), -EBADF);
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
#define FIXED		248	/* live throughout: with the cells, page 0 is full and
				   slots the churn adds (when a destroyed one is still
				   held) come from page 1, made under the threads */
#define POOL		400000
#define MIN_GETS	20000
#define MIN_DESTROYS	2000

static struct rc_htab *st;
static uint64_t cells[CELLS];		/* atomic: a handle in use */
static struct obj fixed[FIXED], pool[POOL];
static uint32_t pool_next;		/* atomic */
static int stop_flag, churners_done;	/* atomic */
static long bad_obj, gets_ok, destroys_ok, scans;	/* atomic */

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
		if (o->handle != hd || o->payload != MAGIC ||
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
		uint64_t hd = __atomic_load_n(&cells[c], __ATOMIC_ACQUIRE);

		i = __atomic_fetch_add(&pool_next, 1, __ATOMIC_RELAXED);
		if (i >= POOL)
			break;
		/* both churners go for the same cells: one destroy wins */
		if (rc_htab_destroy(st, hd) < 0)
			continue;	/* pool[i] stays unused (handle 0) */
		__atomic_fetch_add(&destroys_ok, 1, __ATOMIC_RELAXED);
		pool[i].payload = MAGIC;
		if (rc_htab_create(st, &pool[i], &pool[i].handle) < 0)
			break;
		__atomic_store_n(&cells[c], pool[i].handle, __ATOMIC_RELEASE);
	}
	__atomic_fetch_add(&churners_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Every object destroy_if is shown is intact; it destroys none. */
static bool intact(void *v, void *arg)
{
	struct obj *o = v;

	(void)arg;
	if (o->payload != MAGIC)
		__atomic_fetch_add(&bad_obj, 1, __ATOMIC_RELAXED);
	return false;
}

static void *scanner(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		rc_htab_destroy_if(st, intact, NULL);
		__atomic_fetch_add(&scans, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

static bool enough(void)
{
	/* the churn ends when the pool is used up: readers go on to their count */
	return __atomic_load_n(&gets_ok, __ATOMIC_RELAXED) >= MIN_GETS &&
	       (__atomic_load_n(&destroys_ok, __ATOMIC_RELAXED) >= MIN_DESTROYS ||
		__atomic_load_n(&churners_done, __ATOMIC_ACQUIRE) == CHURNERS) &&
	       __atomic_load_n(&scans, __ATOMIC_RELAXED) >= 10;
}

static void test_threads_never_see_a_released_or_foreign_object(void)
{
	pthread_t th[READERS + CHURNERS + 1];
	struct timespec t0;
	uint32_t used;

	st = fresh();
	for (int i = 0; i < FIXED; i++) {
		fixed[i].payload = MAGIC;
		CU_ASSERT_EQUAL_FATAL(rc_htab_create(st, &fixed[i], &fixed[i].handle), 0);
	}
	for (int c = 0; c < CELLS; c++) {
		uint32_t i = pool_next++;

		pool[i].payload = MAGIC;
		CU_ASSERT_EQUAL_FATAL(rc_htab_create(st, &pool[i], &pool[i].handle), 0);
		cells[c] = pool[i].handle;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < READERS; i++)
		pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < CHURNERS; i++)
		pthread_create(&th[READERS + i], NULL, churner, (void *)(uintptr_t)(i + 1));
	pthread_create(&th[READERS + CHURNERS], NULL, scanner, NULL);
	/* at least 0.3 s and the counts, at most 10 s (a loaded machine) */
	while (elapsed(&t0) < 10 && (elapsed(&t0) < 0.3 || !enough())) {
		struct timespec ms = { 0, 10 * 1000 * 1000 };

		nanosleep(&ms, NULL);
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < READERS + CHURNERS + 1; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(bad_obj, 0);
	CU_ASSERT(gets_ok >= MIN_GETS);
	CU_ASSERT(destroys_ok >= MIN_DESTROYS);
	CU_ASSERT(scans >= 10);
	/* the cells' objects are live; every other one was released once */
	for (int c = 0; c < CELLS; c++)
		CU_ASSERT_EQUAL(rc_htab_destroy(st, cells[c]), 0);
	used = pool_next < POOL ? pool_next : POOL;
	for (uint32_t i = 0; i < used; i++)
		if (pool[i].handle != 0 && pool[i].released != 1) {
			CU_FAIL("an object released other than once");
			break;
		}
	for (int i = 0; i < FIXED; i++)
		CU_ASSERT_EQUAL(fixed[i].released, 0);
	/* freed slots are reused: the cells' objects and those readers and
	   the scanner still held after their destroy, never more */
	CU_ASSERT(st->n <= FIXED + CELLS + READERS + 1);
	drop(st);
}

static const struct unit_test tests[] = {
	T(test_released_after_the_last_put_and_stale_once_destroyed),
	T(test_a_put_too_many_changes_nothing),
	T(test_slots_span_pages_and_free_ones_are_reused),
	T(test_threads_never_see_a_released_or_foreign_object),
};

UNIT_TEST_MAIN("lib-handle", tests)
