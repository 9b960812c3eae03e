/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A handle table like corosync's hdb: a 64-bit handle is (generation << 32 |
 * index), so a finalized or stale handle never finds the object again even
 * once its slot is reused. Objects are reference counted: destroy makes the
 * handle invalid at once, the object is released when the last get is put.
 *
 * get and put take no lock (every cpg call does both, from the sending and
 * the dispatching thread at once): an entry's generation, liveness and
 * reference count are one atomic word, changed by compare-and-swap. Entries
 * live in pages that never move, so an index read without the lock always
 * names memory that stays valid. create takes the table's mutex, to find a
 * free slot and to add pages.
 */
#ifndef RC_LIB_HANDLE_H
#define RC_LIB_HANDLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* word: gen << 32 | RC_HENT_LIVE | refs. gen is never 0 (handle 0 is never
   valid); refs 0 and not live: the slot is free. */
#define RC_HENT_LIVE	(1u << 31)
#define RC_HENT_REFS	(RC_HENT_LIVE - 1)

struct rc_hent {
	uint64_t word;		/* atomic */
	void *obj;		/* written before the word that makes it live */
	uint32_t orphans;	/* in a child of fork(): the references the
				   parent's threads held at the fork (atomic) */
};

#define RC_HTAB_PAGE_BITS	8
#define RC_HTAB_PAGE		(1u << RC_HTAB_PAGE_BITS)	/* entries per page */
#define RC_HTAB_PAGES		4096	/* so at most 1 Mi handles per table */

struct rc_htab {
	pthread_mutex_t lock;		/* create, and the page list's growth */
	uint32_t n;			/* slots in use so far; atomic, grows only */
	void (*release)(void *obj);	/* after the last put, no lock held */
	struct rc_hent *pages[RC_HTAB_PAGES];	/* atomic; never freed nor moved */
};

#define RC_HTAB_INIT(rel)	{ .lock = PTHREAD_MUTEX_INITIALIZER, .release = (rel) }

/* A new handle for obj with one reference (the table's). 0 or -ENOMEM. */
int rc_htab_create(struct rc_htab *t, void *obj, uint64_t *handle);
/* Take a reference. 0 or -EBADF (unknown, stale or destroyed). */
int rc_htab_get(struct rc_htab *t, uint64_t handle, void **obj);
/* Drop a reference taken by get (or create). */
void rc_htab_put(struct rc_htab *t, uint64_t handle);
/* Invalidate handle and drop the table's reference. 0 or -EBADF. */
int rc_htab_destroy(struct rc_htab *t, uint64_t handle);
/* In a child of fork(), after rc_htab_destroy: drop the references the
   parent's threads held, but the caller's own (its put releases). */
void rc_htab_orphan(struct rc_htab *t, uint64_t handle);
/* Destroy every live handle whose object matches pred (called with a
   reference held). */
void rc_htab_destroy_if(struct rc_htab *t, bool (*pred)(void *obj, void *arg), void *arg);

/* Fork: the tables' locks are held across fork() and rc_fork_gen counts
   forks in this process image, so a child can tell its parent's handles. */
extern volatile unsigned int rc_fork_gen;
void rc_fork_guard(void);	/* once, before the first handle exists */

#endif /* RC_LIB_HANDLE_H */
