/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the libcpg test programs (test_libcpg*.c):
 * the fake daemon's lifetime, callbacks that record what they saw, and
 * helpers to join, send, wait and dispatch. Everything is static: each
 * program gets its own copy.
 */
#ifndef RC_LIBCPG_TEST_H
#define RC_LIBCPG_TEST_H

#include <corosync/cpg.h>
#include <ringcast/cpg_ext.h>

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ringcast/shm.h>

#include "fake_daemon.h"
#include "unit_test.h"

static struct fake *fk;
static struct fake_opts fo;

/* ---- what the callbacks saw ---- */

static struct {
	int msgs, confchgs, totems;
	uint32_t nodeid, pid;
	struct cpg_name group;
	size_t len;
	uint8_t payload[256];
	size_t n_member, n_left, n_joined;
	struct cpg_address left[4], joined[4];
	struct cpg_ring_id ring;
	uint32_t ring_members;
	uint64_t next_seq;	/* for ordered bursts: payload is a uint64 counter */
	int out_of_order;
	int finalize_at;	/* finalize own handle at this message (0: never) */
	int finalize_elsewhere_at;	/* the same from another thread, waited for */
	int mcast_from_cb;	/* messages a callback still sends */
	cs_error_t cb_err;	/* first error a callback's own call saw */
	const uint8_t *expect;	/* long payloads are compared with this whole */
	int mismatches;
	uint32_t flags;		/* ringcast_cpg_delivery_flags() of the last message */
	cs_error_t flags_err;	/* and what it returned */
} seen;

static inline void *finalize_thread(void *arg)
{
	return (void *)(uintptr_t)cpg_finalize(*(cpg_handle_t *)arg);
}

static inline void deliver_cb(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid,
			      uint32_t pid, void *msg, size_t len)
{
	__atomic_add_fetch(&seen.msgs, 1, __ATOMIC_RELEASE);
	seen.nodeid = nodeid;
	seen.pid = pid;
	seen.group = *g;
	seen.len = len;
	seen.flags_err = ringcast_cpg_delivery_flags(h, &seen.flags);
	memcpy(seen.payload, msg, len < sizeof(seen.payload) ? len : sizeof(seen.payload));
	if (seen.expect != NULL && len > sizeof(seen.payload) && memcmp(msg, seen.expect, len) != 0)
		seen.mismatches++;
	if (len == sizeof(uint64_t)) {
		uint64_t v;

		memcpy(&v, msg, sizeof(v));
		if (v != seen.next_seq)
			seen.out_of_order++;
		seen.next_seq = v + 1;
	}
	if (seen.mcast_from_cb > 0) {
		struct iovec iov = { msg, len };
		void *ctx;
		cs_error_t e;

		seen.mcast_from_cb--;
		e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
		if (e == CS_OK)
			e = cpg_context_get(h, &ctx);
		if (e != CS_OK && seen.cb_err == CS_OK)
			seen.cb_err = e;
	}
	if (seen.finalize_elsewhere_at && seen.msgs == seen.finalize_elsewhere_at) {
		pthread_t t;
		void *r = (void *)(uintptr_t)CS_ERR_LIBRARY;

		if (pthread_create(&t, NULL, finalize_thread, &h) == 0)
			pthread_join(t, &r);
		if ((cs_error_t)(uintptr_t)r != CS_OK && seen.cb_err == CS_OK)
			seen.cb_err = (cs_error_t)(uintptr_t)r;
	}
	if (seen.finalize_at && seen.msgs == seen.finalize_at) {
		cs_error_t e = cpg_finalize(h);

		if (e != CS_OK && seen.cb_err == CS_OK)
			seen.cb_err = e;
	}
}

static inline void confchg_cb(cpg_handle_t h, const struct cpg_name *g,
			      const struct cpg_address *m, size_t nm,
			      const struct cpg_address *l, size_t nl,
			      const struct cpg_address *j, size_t nj)
{
	seen.confchgs++;
	seen.group = *g;
	seen.n_member = nm;
	seen.n_left = nl;
	seen.n_joined = nj;
	memcpy(seen.left, l, (nl < 4 ? nl : 4) * sizeof(*l));
	memcpy(seen.joined, j, (nj < 4 ? nj : 4) * sizeof(*j));
	(void)m;
	if (seen.mcast_from_cb < 0) {	/* ask the daemon from inside a callback */
		struct cpg_address list[8];
		struct cpg_name copy = *g;
		int n = 8;
		cs_error_t e = cpg_membership_get(h, &copy, list, &n);

		if (e != CS_OK && seen.cb_err == CS_OK)
			seen.cb_err = e;
		seen.mcast_from_cb = 0;
	}
}

static inline void totem_cb(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n,
			    const uint32_t *members)
{
	seen.totems++;
	seen.ring = ring;
	seen.ring_members = n;
	(void)h;
	(void)members;
}

static cpg_callbacks_t callbacks = { deliver_cb, confchg_cb };

/* ---- helpers ---- */

static inline void start_with(const struct fake_opts *o)
{
	memset(&seen, 0, sizeof(seen));
	seen.cb_err = CS_OK;
	fo = *o;
	CU_ASSERT_FATAL(fake_start(&fo, &fk) == 0);
}

static inline void start(void)
{
	struct fake_opts o;

	fake_opts_default(&o);
	start_with(&o);
}

static inline void stop(void)
{
	fake_stop(fk);
	fk = NULL;
	unsetenv("RINGCAST_TIMEOUT_MS");
}

static inline cpg_handle_t open_h(void)
{
	cpg_handle_t h = 0;

	CU_ASSERT_EQUAL_FATAL(cpg_initialize(&h, &callbacks), CS_OK);
	return h;
}

static inline struct cpg_name gname(const char *s)
{
	struct cpg_name n;

	memset(&n, 0, sizeof(n));
	n.length = (uint32_t)strlen(s);
	memcpy(n.value, s, n.length);
	return n;
}

static inline bool readable(cpg_handle_t h, int ms)
{
	struct pollfd p = { .events = POLLIN };

	if (cpg_fd_get(h, &p.fd) != CS_OK)
		return false;
	return poll(&p, 1, ms) == 1;
}

/* Dispatch (ALL) until *counter reaches want or 3 s pass. */
static inline bool dispatch_until(cpg_handle_t h, const int *counter, int want)
{
	for (int i = 0; i < 300 && *counter < want; i++) {
		readable(h, 10);
		if (cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			return false;
	}
	return *counter >= want;
}

static inline void join(cpg_handle_t h, const char *g)
{
	struct cpg_name n = gname(g);
	int want = seen.confchgs + 1;

	CU_ASSERT_EQUAL_FATAL(cpg_join(h, &n), CS_OK);
	CU_ASSERT_FATAL(dispatch_until(h, &seen.confchgs, want));
}

/* Monotonic milliseconds, for deadlines that hold on a loaded machine. */
static inline int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline cs_error_t send_str(cpg_handle_t h, const char *s)
{
	struct iovec iov = { (void *)(uintptr_t)s, strlen(s) };

	return cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
}

static uint64_t want_echoed, want_completed;

static inline bool echoed_enough(void *arg)
{
	(void)arg;
	return fake_echoed(fk) >= want_echoed;
}

static inline bool completed_enough(void *arg)
{
	(void)arg;
	return fake_completed(fk) >= want_completed;
}

/* fake_wait predicates: every fake_close done; no client attached. */
static inline bool closed(void *arg)
{
	(void)arg;
	return fake_closed(fk);
}

static inline bool no_clients(void *arg)
{
	(void)arg;
	return fake_clients(fk) == 0;
}

static inline bool wait_echoed(uint64_t n)
{
	want_echoed = n;
	return fake_wait(echoed_enough, NULL, 3000);
}

/* A fake daemon, and a handle joined to g with n short messages echoed
   back to it, none dispatched yet. */
static inline cpg_handle_t start_with_pending(const char *g, int n)
{
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, g);
	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(send_str(h, "m"), CS_OK);
	CU_ASSERT(wait_echoed((uint64_t)n));
	return h;
}

static inline bool wait_completed(uint64_t n)
{
	want_completed = n;
	return fake_wait(completed_enough, NULL, 3000);
}

/* Send, dispatching while the library says TRY_AGAIN (at most 3 s). */
static inline cs_error_t send_retry(cpg_handle_t h, const struct iovec *iov, unsigned int n)
{
	cs_error_t e = CS_ERR_TRY_AGAIN;

	for (int i = 0; i < 300 && e == CS_ERR_TRY_AGAIN; i++) {
		e = cpg_mcast_joined(h, CPG_TYPE_AGREED, iov, n);
		if (e == CS_ERR_TRY_AGAIN) {
			readable(h, 10);
			cpg_dispatch(h, CS_DISPATCH_ALL);
		}
	}
	return e;
}

/* ---- zero-copy buffers ---- */

#define ZCB_COPY_SLACK	(1u << 20)	/* lib/send.c's COPY_SLACK */

/* Where the arena's share for zcb buffers starts (lib/send.c, zcb_floor):
   past the room for a largest message's copy and ZCB_COPY_SLACK more. */
static inline uint64_t zcb_floor(uint32_t max_msg)
{
	return RC_SHM_ROUND(RC_SHM_TX_HDR + (uint64_t)max_msg, 16) + ZCB_COPY_SLACK;
}

/* A fake daemon whose arena has `share` bytes for zcb buffers above
   zcb_floor(max_msg), and an rx area that a largest message fits. */
static inline void start_share(uint32_t max_msg, uint64_t share)
{
	struct fake_opts o;

	fake_opts_default(&o);
	o.max_msg = max_msg;
	o.arena_size = zcb_floor(max_msg) + share;
	if (o.rxa_size < 2 * o.arena_size)
		o.rxa_size = 2 * o.arena_size;
	start_with(&o);
}

/* Is p in a memfd mapping, i.e. in the region the daemon shares? */
static inline bool in_region(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t q = (uintptr_t)p;
	unsigned long lo, hi;
	char line[512];
	bool yes = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && q >= lo && q < hi) {
			yes = strstr(line, "memfd:") != NULL;
			break;
		}
	fclose(f);
	return yes;
}

#endif /* RC_LIBCPG_TEST_H */
