/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handle table (handle.h). Handles are (gen << 32 | index); gen starts
 * at a per-process random value and moves on at each destroy, so a stale
 * handle fails with -EBADF. One mutex per table; gets are short.
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

int rc_htab_create(struct rc_htab *t, void *obj, uint64_t *handle)
{
	struct rc_hent *e;
	uint32_t i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->n; i++)
		if (t->ents[i].refs == 0)
			break;
	if (i == t->n) {
		if (t->n == t->cap) {
			uint32_t cap = t->cap ? t->cap * 2 : 16;
			struct rc_hent *n = realloc(t->ents, cap * sizeof(*n));

			if (n == NULL) {
				pthread_mutex_unlock(&t->lock);
				return -ENOMEM;
			}
			t->ents = n;
			t->cap = cap;
		}
		e = &t->ents[t->n++];
		/* tables differ in their sequences, so one's handles are not the other's */
		e->gen = next_gen(gen_seed ^ (uint32_t)(uintptr_t)t ^ i * 0x9e3779b9u);
	}
	e = &t->ents[i];
	e->obj = obj;
	e->refs = 1;
	e->live = true;
	*handle = make_handle(e->gen, i);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* Lock held. The entry for a live handle, or NULL. */
static struct rc_hent *find(struct rc_htab *t, uint64_t handle)
{
	uint32_t idx = (uint32_t)handle, gen = (uint32_t)(handle >> 32);

	if (idx >= t->n || t->ents[idx].gen != gen || !t->ents[idx].live)
		return NULL;
	return &t->ents[idx];
}

int rc_htab_get(struct rc_htab *t, uint64_t handle, void **obj)
{
	struct rc_hent *e;

	pthread_mutex_lock(&t->lock);
	e = find(t, handle);
	if (e == NULL) {
		pthread_mutex_unlock(&t->lock);
		return -EBADF;
	}
	e->refs++;
	*obj = e->obj;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* Lock held: drop one reference of slot idx; the object if it was the last. */
static void *unref(struct rc_htab *t, uint32_t idx)
{
	struct rc_hent *e = &t->ents[idx];
	void *obj = NULL;

	if (e->refs > 0 && --e->refs == 0) {
		obj = e->obj;
		e->obj = NULL;
		e->live = false;
	}
	return obj;
}

void rc_htab_put(struct rc_htab *t, uint64_t handle)
{
	uint32_t idx = (uint32_t)handle;
	void *obj = NULL;

	pthread_mutex_lock(&t->lock);
	if (idx < t->n)
		obj = unref(t, idx);
	pthread_mutex_unlock(&t->lock);
	if (obj != NULL)
		t->release(obj);
}

int rc_htab_destroy(struct rc_htab *t, uint64_t handle)
{
	struct rc_hent *e;
	void *obj;

	pthread_mutex_lock(&t->lock);
	e = find(t, handle);
	if (e == NULL) {
		pthread_mutex_unlock(&t->lock);
		return -EBADF;
	}
	e->live = false;
	e->gen = next_gen(e->gen);
	obj = unref(t, (uint32_t)handle);
	pthread_mutex_unlock(&t->lock);
	if (obj != NULL)
		t->release(obj);
	return 0;
}

void rc_htab_destroy_if(struct rc_htab *t, bool (*pred)(void *obj, void *arg), void *arg)
{
	uint64_t handle;
	uint32_t i;
	bool hit;

	for (i = 0;; i++) {
		pthread_mutex_lock(&t->lock);
		if (i >= t->n) {
			pthread_mutex_unlock(&t->lock);
			return;
		}
		hit = t->ents[i].live && pred(t->ents[i].obj, arg);
		handle = make_handle(t->ents[i].gen, i);
		pthread_mutex_unlock(&t->lock);
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
