/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handle table (handle.h). Handles are (gen << 32 | index); gen starts
 * at a per-process random value and moves on at each destroy, so a stale
 * handle fails with -EBADF. get, put and destroy change an entry's word
 * (gen, live, refs) by compare-and-swap and take no lock; create holds the
 * table's mutex while it looks for a free slot or adds one.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cpg_int.h"
#include "handle.h"

volatile unsigned int rc_fork_gen;

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static uint32_t gen_seed;

static uint32_t next_gen(uint32_t gen)
{
	gen++;
	return gen ? gen : 1;
}

static uint64_t make_handle(uint32_t gen, uint32_t idx)
{
	return (uint64_t)gen << 32 | idx;
}

static uint32_t word_gen(uint64_t w)
{
	return (uint32_t)(w >> 32);
}

/* The entry of slot idx, or NULL if no such slot was ever made. Any thread:
   a page is published before the count that covers it. */
static struct rc_hent *entry(struct rc_htab *t, uint32_t idx)
{
	struct rc_hent *page;

	if (idx >= __atomic_load_n(&t->n, __ATOMIC_ACQUIRE))
		return NULL;
	page = __atomic_load_n(&t->pages[idx / RC_HTAB_PAGE], __ATOMIC_ACQUIRE);
	return &page[idx % RC_HTAB_PAGE];
}

/* Lock held: a new slot at the end, not live yet. */
static struct rc_hent *grow(struct rc_htab *t)
{
	uint32_t i = t->n;
	struct rc_hent *page, *e;

	if (i / RC_HTAB_PAGE >= RC_HTAB_PAGES)
		return NULL;
	page = t->pages[i / RC_HTAB_PAGE];
	if (page == NULL) {
		page = calloc(RC_HTAB_PAGE, sizeof(*page));
		if (page == NULL)
			return NULL;
		__atomic_store_n(&t->pages[i / RC_HTAB_PAGE], page, __ATOMIC_RELEASE);
	}
	e = &page[i % RC_HTAB_PAGE];
	/* tables differ in their sequences, so one's handles are not the other's */
	__atomic_store_n(&e->word,
			 (uint64_t)next_gen(gen_seed ^ (uint32_t)(uintptr_t)t ^ i * 0x9e3779b9u) << 32,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&t->n, i + 1, __ATOMIC_RELEASE);
	return e;
}

int rc_htab_create(struct rc_htab *t, void *obj, uint64_t *handle)
{
	struct rc_hent *e = NULL;
	uint64_t w = 0;
	uint32_t i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->n; i++) {
		e = entry(t, i);
		/* acquire: the last put read the old object before it freed the slot */
		w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
		if ((w & (RC_HENT_LIVE | RC_HENT_REFS)) == 0)
			break;
	}
	if (i == t->n) {
		e = grow(t);
		if (e == NULL) {
			pthread_mutex_unlock(&t->lock);
			return -ENOMEM;
		}
		w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
	}
	/* A free slot: no get can take it (not live), no put or destroy
	   touches it (no reference), other creates wait for the lock. */
	__atomic_store_n(&e->obj, obj, __ATOMIC_RELAXED);
	/* before the handle works: *handle may be the object's own field */
	*handle = make_handle(word_gen(w), i);
	/* release: a get that sees it live sees obj */
	__atomic_store_n(&e->word, (uint64_t)word_gen(w) << 32 | RC_HENT_LIVE | 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int rc_htab_get(struct rc_htab *t, uint64_t handle, void **obj)
{
	struct rc_hent *e = entry(t, (uint32_t)handle);
	uint64_t w;

	if (e == NULL)
		return -EBADF;
	w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
	do {
		if (word_gen(w) != (uint32_t)(handle >> 32) || !(w & RC_HENT_LIVE))
			return -EBADF;
		/* refs cannot overflow: each one is a thread inside a call */
	} while (!__atomic_compare_exchange_n(&e->word, &w, w + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	*obj = __atomic_load_n(&e->obj, __ATOMIC_RELAXED);
	return 0;
}

/* A reference taken by get on handle may still be in w: the slot holds
   handle's object (live, or destroyed once since) and some reference. */
static bool held(uint64_t w, uint64_t handle)
{
	uint32_t gen = (uint32_t)(handle >> 32);

	return (w & RC_HENT_REFS) != 0 &&
	       word_gen(w) == (w & RC_HENT_LIVE ? gen : next_gen(gen));
}

void rc_htab_put(struct rc_htab *t, uint64_t handle)
{
	struct rc_hent *e = entry(t, (uint32_t)handle);
	void *obj;
	uint64_t w;

	if (e == NULL)
		return;
	/* before the reference goes: the slot may be reused the moment after */
	obj = __atomic_load_n(&e->obj, __ATOMIC_RELAXED);
	w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
	do {
		/* A put with no get behind it (a bug) changes nothing: one more
		   decrement would bring a released object back to life. */
		if (!held(w, handle))
			return;
		/* acq_rel: what this holder did is done before release() runs */
	} while (!__atomic_compare_exchange_n(&e->word, &w, w - 1, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	if ((w & (RC_HENT_LIVE | RC_HENT_REFS)) == 1)
		t->release(obj);	/* destroyed, and this was the last reference */
}

int rc_htab_destroy(struct rc_htab *t, uint64_t handle)
{
	struct rc_hent *e = entry(t, (uint32_t)handle);
	uint32_t gen = (uint32_t)(handle >> 32);
	uint64_t w, nw;
	void *obj;

	if (e == NULL)
		return -EBADF;
	w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	do {
		if (word_gen(w) != gen || !(w & RC_HENT_LIVE))
			return -EBADF;
		/* the object of this very word: if the slot changed since, the
		   exchange below fails and the handle is found stale */
		obj = __atomic_load_n(&e->obj, __ATOMIC_RELAXED);
		/* no longer live, a new generation, the table's reference gone
		   (live with none: only after a put too many, which put refuses) */
		nw = (uint64_t)next_gen(gen) << 32 | ((w & RC_HENT_REFS) ? (w & RC_HENT_REFS) - 1 : 0);
	} while (!__atomic_compare_exchange_n(&e->word, &w, nw, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	if ((nw & RC_HENT_REFS) == 0)
		t->release(obj);
	return 0;
}

/*
 * In a child of fork(): handle was destroyed by the caller, who still
 * holds its own reference. Those the parent's threads held at the fork
 * (noted then, orphans_note) will never be given back here: they are
 * dropped, so the last put releases the object. References the child's
 * own threads take meanwhile stay counted.
 */
void rc_htab_orphan(struct rc_htab *t, uint64_t handle)
{
	struct rc_hent *e = entry(t, (uint32_t)handle);
	uint32_t k;
	uint64_t w;

	if (e == NULL || (k = __atomic_exchange_n(&e->orphans, 0, __ATOMIC_ACQ_REL)) == 0)
		return;
	w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
	do {
		if ((w & RC_HENT_LIVE) || !held(w, handle) || (w & RC_HENT_REFS) <= k)
			return;
	} while (!__atomic_compare_exchange_n(&e->word, &w, w - k, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
}

/* At the fork, in the child (one thread, the table locked): each live
   handle's references but the table's are its parent threads'. */
static void orphans_note(struct rc_htab *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		struct rc_hent *e = entry(t, i);
		uint64_t w = e->word;

		e->orphans = (w & RC_HENT_LIVE) && (w & RC_HENT_REFS) ?
			     (uint32_t)((w & RC_HENT_REFS) - 1) : 0;
	}
}

void rc_htab_destroy_if(struct rc_htab *t, bool (*pred)(void *obj, void *arg), void *arg)
{
	for (uint32_t i = 0; i < __atomic_load_n(&t->n, __ATOMIC_ACQUIRE); i++) {
		uint64_t w = __atomic_load_n(&entry(t, i)->word, __ATOMIC_RELAXED);
		uint64_t handle = make_handle(word_gen(w), i);
		void *obj;
		bool hit;

		if (!(w & RC_HENT_LIVE) || rc_htab_get(t, handle, &obj) < 0)
			continue;
		hit = pred(obj, arg);
		rc_htab_put(t, handle);
		if (hit)
			rc_htab_destroy(t, handle);
	}
}

/* ---- fork ---- */

static void fork_prepare(void)
{
	pthread_mutex_lock(&rc_cpg_tab.lock);
	pthread_mutex_lock(&rc_iter_tab.lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&rc_iter_tab.lock);
	pthread_mutex_unlock(&rc_cpg_tab.lock);
}

static void fork_child(void)
{
	rc_fork_gen++;
	orphans_note(&rc_cpg_tab);
	pthread_mutex_unlock(&rc_iter_tab.lock);
	pthread_mutex_unlock(&rc_cpg_tab.lock);
}

static void fork_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	gen_seed = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16 ^ (uint32_t)ts.tv_sec;
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void rc_fork_guard(void)
{
	pthread_once(&fork_once, fork_init);
}
