/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A handle table like corosync's hdb: a 64-bit handle is (generation << 32 |
 * index), so a finalized or stale handle never finds the object again even
 * once its slot is reused. Objects are reference counted: destroy makes the
 * handle invalid at once, the object is released when the last get is put.
 */
#ifndef RC_LIB_HANDLE_H
#define RC_LIB_HANDLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct rc_hent {
	void *obj;
	uint32_t gen;		/* never 0: handle 0 is never valid */
	uint32_t refs;		/* 0: slot free */
	bool live;		/* not destroyed yet */
};

struct rc_htab {
	pthread_mutex_t lock;
	struct rc_hent *ents;
	uint32_t n, cap;
	void (*release)(void *obj);	/* after the last put, no lock held */
};

#define RC_HTAB_INIT(rel)	{ PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, (rel) }

/* A new handle for obj with one reference (the table's). 0 or -ENOMEM. */
int rc_htab_create(struct rc_htab *t, void *obj, uint64_t *handle);
/* Take a reference. 0 or -EBADF (unknown, stale or destroyed). */
int rc_htab_get(struct rc_htab *t, uint64_t handle, void **obj);
/* Drop a reference taken by get (or create). */
void rc_htab_put(struct rc_htab *t, uint64_t handle);
/* Invalidate handle and drop the table's reference. 0 or -EBADF. */
int rc_htab_destroy(struct rc_htab *t, uint64_t handle);
/* Destroy every live handle whose object matches pred. */
void rc_htab_destroy_if(struct rc_htab *t, bool (*pred)(void *obj, void *arg), void *arg);

/* Fork: the tables' locks are held across fork() and rc_fork_gen counts
   forks in this process image, so a child can tell its parent's handles. */
extern volatile unsigned int rc_fork_gen;
void rc_fork_guard(void);	/* once, before the first handle exists */

#endif /* RC_LIB_HANDLE_H */
