/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcpg.so.4 against the fake daemon, part four: zero-copy buffers. Sent
 * in place or copied, reusable at return (corosync's contract), foreign
 * and oversized buffers refused, a send waiting for the daemon's
 * completion (its copy, or every node holding the message: zero copy);
 * nothing in place below the zero-copy size;
 * private buffers refused as arena ones are; threads. Where a buffer is
 * placed, and the limits: test_libcpg_zcb_place.c.
 */
#define _GNU_SOURCE
#include "libcpg_test.h"

#include <ringcast/shm.h>

#include <dlfcn.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>

/*
 * The library's poll(), as this program sees it. A thread that set
 * close_in_poll has the daemon let it go (DRAINED stored, socket closed)
 * inside its first non-blocking poll, the one with which libcpg asks
 * whether the socket closed: as a thread descheduled between its look at
 * the region and that poll. (The executable's definition comes first for
 * libcpg too; the fake daemon's thread never sets the flag.)
 */
static __thread bool close_in_poll;
static int (*real_poll)(struct pollfd *, nfds_t, int);

/* before any thread: the fake daemon's polls too */
__attribute__((constructor)) static void find_poll(void)
{
	real_poll = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (close_in_poll && timeout == 0) {
		close_in_poll = false;
		fake_close(fk);
		(void)fake_wait(no_clients, NULL, 3000);	/* DRAINED, then the close */
	}
	return real_poll(fds, n, timeout);
}

/* ---- sending ---- */

static void test_zcb_buffer_is_sent_and_reusable(void)
{
	cpg_handle_t h;
	char *p = NULL;

	start();
	h = open_h();
	join(h, "z");
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(h, 100, (void **)&p), CS_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL((uintptr_t)p % 16, 0);
	memcpy(p, "zero-copy", 9);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, p, 9), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, 9);
	CU_ASSERT_EQUAL(memcmp(seen.payload, "zero-copy", 9), 0);
	CU_ASSERT(wait_completed(1));
	memcpy(p, "again", 5);	/* the buffer stays the application's */
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(h, CPG_TYPE_SAFE, p, 5), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 2));
	CU_ASSERT_EQUAL(memcmp(seen.payload, "again", 5), 0);
	CU_ASSERT_EQUAL(cpg_zcb_free(h, p), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_free(h, p), CS_ERR_INVALID_PARAM);
	cpg_finalize(h);
	stop();
}

static void test_zcb_rejects_foreign_and_oversized_buffers(void)
{
	cpg_handle_t a, b;
	char local[16];
	void *p, *q;

	start();
	a = open_h();
	b = open_h();
	join(a, "z");
	join(b, "z");
	/* as corosync: a buffer larger than a message (sending it whole is TOO_BIG) */
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(a, (size_t)fo.max_msg + 1, &p), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, p, (size_t)fo.max_msg + 1),
			CS_ERR_TOO_BIG);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, p), CS_OK);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(a, 64, &p), CS_OK);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(b, 64, &q), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, p, 65), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, q, 8), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, local, 8), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, (char *)p + 16, 8),
			CS_ERR_INVALID_PARAM);
	/* corosync's order: too big before a buffer that is not one */
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, local, (size_t)fo.max_msg + 1),
			CS_ERR_TOO_BIG);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, q), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, local), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, p, 64), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, p), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_free(b, q), CS_OK);
	cpg_finalize(a);
	cpg_finalize(b);
	stop();
}

/* corosync's contract: the buffer may be rewritten as soon as the call returns */
static void test_zcb_small_send_is_copied_buffer_free_at_return(void)
{
	cpg_handle_t h;
	char *p = NULL;

	start();
	h = open_h();
	join(h, "z");
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(h, 100, (void **)&p), CS_OK);
	fake_set_consuming(fk, false);	/* the daemon reads it only later */
	memcpy(p, "as sent", 7);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, p, 7), CS_OK);
	memcpy(p, "REWRITE", 7);
	fake_set_consuming(fk, true);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, 7);
	CU_ASSERT_EQUAL(memcmp(seen.payload, "as sent", 7), 0);
	CU_ASSERT_EQUAL(cpg_zcb_free(h, p), CS_OK);
	cpg_finalize(h);
	stop();
}

struct zsend {
	cpg_handle_t h;
	void *p;
	size_t len;
	cs_error_t err;
	int returned;
	uint64_t ns;		/* how long the call took */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A handle (joined to "z", in a 64 KiB share) whose zcb buffers from
   RC_SHM_ZC_MIN up are sent in place: RINGCAST_ZCB_COPY_MAX 0 when opened. */
static cpg_handle_t open_in_place(void)
{
	cpg_handle_t h;

	setenv("RINGCAST_ZCB_COPY_MAX", "0", 1);	/* read when the handle opens */
	start_share(64 * 1024, 64 * 1024);
	h = open_h();
	unsetenv("RINGCAST_ZCB_COPY_MAX");
	join(h, "z");
	return h;
}

static void *zcb_send_thread(void *arg)
{
	struct zsend *z = arg;
	uint64_t t0 = mono_ns();

	z->err = cpg_zcb_mcast_joined(z->h, CPG_TYPE_AGREED, z->p, z->len);
	z->ns = mono_ns() - t0;
	__atomic_store_n(&z->returned, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Above the copy size the buffer is sent in place: the call returns only
   once the daemon has completed it (taken its own copy). */
static void test_zcb_large_send_returns_once_the_daemon_took_it(void)
{
	struct zsend z = { 0 };
	pthread_t t;

	z.h = open_in_place();
	z.len = 9000;
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &z.p), CS_OK);
	memset(z.p, 0x11, z.len);
	fake_set_completing(fk, false);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_thread, &z), 0);
	CU_ASSERT(wait_echoed(1));
	usleep(50 * 1000);
	CU_ASSERT_EQUAL(__atomic_load_n(&z.returned, __ATOMIC_ACQUIRE), 0);
	fake_set_completing(fk, true);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(z.err, CS_OK);
	CU_ASSERT(fake_completed(fk) >= 1);
	memset(z.p, 0x22, z.len);	/* ours again */
	CU_ASSERT(dispatch_until(z.h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, 9000);
	CU_ASSERT_EQUAL(seen.payload[255], 0x11);
	CU_ASSERT_EQUAL(cpg_zcb_free(z.h, z.p), CS_OK);
	cpg_finalize(z.h);
	stop();
}

/*
 * No buffer is sent in place below RC_SHM_ZC_MIN, whatever
 * RINGCAST_ZCB_COPY_MAX says: the daemon completes a trusted client's
 * zero-copy sends (that size and above) only once every node holds them and
 * copied ones at once, and a buffer's completions must come in its sends'
 * order for the in-place wait to count them. So a 1000-byte send of a large
 * in-place buffer is a copy: it returns with the daemon completing nothing.
 */
static void test_zcb_nothing_in_place_below_the_zero_copy_size(void)
{
	struct zsend z = { 0 };
	pthread_t t;

	z.h = open_in_place();
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, 20000, &z.p), CS_OK);
	CU_ASSERT(in_region(z.p));
	memset(z.p, 0x44, 20000);
	fake_set_completing(fk, false);
	z.len = RC_SHM_ZC_MIN - 1;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_thread, &z), 0);
	CU_ASSERT(wait_echoed(1));
	for (int i = 0; i < 1000 && !__atomic_load_n(&z.returned, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	CU_ASSERT_EQUAL(__atomic_load_n(&z.returned, __ATOMIC_ACQUIRE), 1);	/* copied */
	fake_set_completing(fk, true);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(z.err, CS_OK);
	CU_ASSERT(dispatch_until(z.h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, RC_SHM_ZC_MIN - 1);
	CU_ASSERT_EQUAL(seen.payload[255], 0x44);
	CU_ASSERT_EQUAL(cpg_zcb_free(z.h, z.p), CS_OK);
	cpg_finalize(z.h);
	stop();
}

/* A send waiting for the daemon's copy ends when another thread finalizes */
static void test_zcb_send_waiting_ends_at_finalize(void)
{
	struct zsend z = { 0 };
	pthread_t t;

	z.h = open_in_place();
	z.len = 9000;
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &z.p), CS_OK);
	fake_set_completing(fk, false);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_thread, &z), 0);
	CU_ASSERT(wait_echoed(1));
	CU_ASSERT_EQUAL(cpg_finalize(z.h), CS_OK);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(z.err, CS_ERR_BAD_HANDLE);
	fake_set_completing(fk, true);
	stop();
}

static bool one_queued(void *arg)
{
	(void)arg;
	return fake_queued(fk) == 1;
}

static bool returned(void *arg)
{
	return __atomic_load_n(&((struct zsend *)arg)->returned, __ATOMIC_ACQUIRE) != 0;
}

/*
 * The daemon lets the client go (shm.h, "Closing") while an in-place send
 * waits for its completion, and drops it. The entry was before the head
 * the daemon fixed, so it went out: the send says CS_OK once the daemon
 * holds nothing of the client's (it closes the socket), not
 * CS_ERR_LIBRARY, which a caller would answer by sending it again. The
 * same for a send queued, not yet taken, when the daemon let it go; one
 * after it fails.
 */
static void test_zcb_in_place_send_the_daemon_let_go_of_is_ok(void)
{
	for (int queued = 0; queued < 2; queued++) {
		struct zsend z = { 0 };
		pthread_t t;

		z.h = open_in_place();
		z.len = 9000;
		CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &z.p), CS_OK);
		memset(z.p, 0x55, z.len);
		fake_set_completing(fk, false);
		fake_set_consuming(fk, !queued);
		/* the socket stays open a while after DRAINED: the send must
		   end at DRAINED, not at the close */
		fake_set_drained_linger(fk, 1000);
		CU_ASSERT_FATAL(fake_sync(fk));
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_thread, &z), 0);
		if (!queued) {
			CU_ASSERT(wait_echoed(1));	/* taken, its completion held */
		} else {
			CU_ASSERT(fake_wait(one_queued, NULL, 3000));	/* not taken */
		}
		usleep(20 * 1000);
		CU_ASSERT_EQUAL(__atomic_load_n(&z.returned, __ATOMIC_ACQUIRE), 0);
		fake_close(fk);		/* drops what it held: no completion ever */
		CU_ASSERT_FATAL(fake_wait(closed, NULL, 3000));
		fake_set_consuming(fk, true);
		/* a regression fails here rather than hangs */
		CU_ASSERT_FATAL(fake_wait(returned, &z, 5000));
		CU_ASSERT_EQUAL(fake_clients(fk), 1);	/* before the socket closed */
		pthread_join(t, NULL);
		CU_ASSERT_EQUAL(z.err, CS_OK);
		CU_ASSERT_EQUAL(fake_echoed(fk), 1);
		CU_ASSERT_EQUAL(fake_completed(fk), 0);
		CU_ASSERT(fake_wait(no_clients, NULL, 3000));
		CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(z.h, CPG_TYPE_AGREED, z.p, z.len),
				CS_ERR_LIBRARY);
		cpg_finalize(z.h);
		stop();
	}
}

static void *zcb_send_closing_thread(void *arg)
{
	close_in_poll = true;
	return zcb_send_thread(arg);
}

/*
 * The same, with DRAINED and the socket's close both landing between the
 * waiting send's look at the region's state and its look at the socket:
 * it saw the socket closed and said CS_ERR_LIBRARY for a message every
 * node delivers (a caller sends it again). It looks at the socket first
 * now, so what the daemon stored before it closed is seen.
 */
static void test_zcb_in_place_send_let_go_just_before_its_look_at_the_socket_is_ok(void)
{
	struct zsend z = { 0 };
	pthread_t t;

	z.h = open_in_place();
	z.len = 9000;
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &z.p), CS_OK);
	memset(z.p, 0x66, z.len);
	fake_set_completing(fk, false);
	CU_ASSERT_FATAL(fake_sync(fk));
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_closing_thread, &z), 0);
	CU_ASSERT_FATAL(fake_wait(returned, &z, 5000));
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(z.err, CS_OK);
	CU_ASSERT_EQUAL(fake_echoed(fk), 1);
	CU_ASSERT_EQUAL(fake_completed(fk), 0);
	cpg_finalize(z.h);
	stop();
}

/*
 * The daemon let the client go with an in-place send queued, then died
 * before taking it (its socket closed without DRAINED): nothing says the
 * message went out, so the send says CS_ERR_LIBRARY, not CS_OK.
 */
static void test_zcb_in_place_send_let_go_then_the_daemon_died_is_error(void)
{
	struct zsend z = { 0 };
	pthread_t t;

	z.h = open_in_place();
	z.len = 9000;
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &z.p), CS_OK);
	fake_set_consuming(fk, false);
	CU_ASSERT_FATAL(fake_sync(fk));
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_thread, &z), 0);
	CU_ASSERT(fake_wait(one_queued, NULL, 3000));
	fake_close(fk);		/* its entry is before the head fixed now */
	CU_ASSERT_FATAL(fake_wait(closed, NULL, 3000));
	fake_die(fk);		/* every socket closed, nothing taken */
	CU_ASSERT_FATAL(fake_wait(returned, &z, 5000));
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(z.err, CS_ERR_LIBRARY);
	cpg_finalize(z.h);
	stop();
}

/*
 * Another thread frees the buffer while a send of it waits for the
 * daemon's copy (in place): the free is deferred to the completion, the
 * send goes on and says CS_OK, the buffer is no longer live at once, and
 * its room comes back with the completion.
 */
static void test_zcb_free_during_an_in_place_send_is_deferred(void)
{
	struct zsend z = { 0 };
	pthread_t t;
	void *q;

	z.h = open_in_place();
	z.len = 9000;
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &z.p), CS_OK);
	CU_ASSERT(in_region(z.p));
	memset(z.p, 0x33, z.len);
	fake_set_completing(fk, false);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_thread, &z), 0);
	CU_ASSERT(wait_echoed(1));	/* queued in place: the thread waits */
	CU_ASSERT_EQUAL(cpg_zcb_free(z.h, z.p), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_free(z.h, z.p), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &q), CS_OK);
	CU_ASSERT_PTR_NOT_EQUAL(q, z.p);	/* its room is still the daemon's */
	CU_ASSERT_EQUAL(cpg_zcb_free(z.h, q), CS_OK);
	usleep(20 * 1000);
	CU_ASSERT_EQUAL(__atomic_load_n(&z.returned, __ATOMIC_ACQUIRE), 0);
	fake_set_completing(fk, true);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(z.err, CS_OK);
	CU_ASSERT(dispatch_until(z.h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, 9000);
	CU_ASSERT_EQUAL(seen.payload[255], 0x33);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &q), CS_OK);
	CU_ASSERT_PTR_EQUAL(q, z.p);	/* back with the completion */
	cpg_finalize(z.h);
	stop();
}

/*
 * Another thread frees a private buffer while a send of it waits for
 * arena room (its copy), lock dropped: the send finds it gone when it
 * wakes and says CS_ERR_INVALID_PARAM; it never copies freed memory (room
 * comes right after the free, so a send that kept the old pointer would
 * say CS_OK). Whether the free lands inside the 2 ms wait is the
 * scheduler's: a few tries, until one did (the send took longer than the
 * free's delay and found the buffer gone).
 */
static void test_zcb_free_during_a_send_waiting_for_room_is_invalid_param(void)
{
	static char buf[8192];
	struct iovec iov = { buf, sizeof(buf) };
	struct fake_opts o;
	struct zsend z = { 0 };
	int waited = 0, other = 0;
	uint64_t sent = 0;
	pthread_t t;

	fake_opts_default(&o);
	o.arena_size = 64 * 1024;	/* copies only: every buffer private */
	start_with(&o);
	z.h = open_h();
	join(z.h, "z");
	z.len = sizeof(buf);	/* its copy needs the room of one of those */
	for (int i = 0; i < 30 && !waited; i++) {
		fake_set_completing(fk, false);
		while (cpg_mcast_joined(z.h, CPG_TYPE_AGREED, &iov, 1) == CS_OK)
			sent++;		/* the arena is full of copies in flight */
		CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(z.h, z.len, &z.p), CS_OK);
		z.returned = 0;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, zcb_send_thread, &z), 0);
		usleep(300);
		CU_ASSERT_EQUAL(cpg_zcb_free(z.h, z.p), CS_OK);
		fake_set_completing(fk, true);	/* room: wakes the send */
		pthread_join(t, NULL);
		if (z.err == CS_ERR_INVALID_PARAM && z.ns > 300 * 1000)
			waited = 1;
		else if (z.err != CS_ERR_INVALID_PARAM && z.err != CS_ERR_TRY_AGAIN)
			other++;	/* CS_OK: it sent a freed buffer */
		CU_ASSERT(wait_completed(sent));
	}
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT(waited);
	cpg_finalize(z.h);
	stop();
}

/* ---- private buffers ---- */

/* Private buffers are checked as arena ones: only live ones of this handle */
static void test_zcb_private_buffers_refuse_foreign_and_freed_pointers(void)
{
	cpg_handle_t a, b;
	char local[64];
	char *p, *q;

	start();
	a = open_h();
	b = open_h();
	join(a, "z");
	join(b, "z");
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(a, 100, (void **)&p), CS_OK);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(b, 100, (void **)&q), CS_OK);
	CU_ASSERT_FALSE(in_region(p));
	CU_ASSERT_EQUAL((uintptr_t)p % 16, 0);
	memcpy(p, "private", 7);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, p, 7), CS_OK);
	CU_ASSERT(dispatch_until(a, &seen.msgs, 1));
	CU_ASSERT_EQUAL(memcmp(seen.payload, "private", 7), 0);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, p, 101), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, q, 7), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, p + 16, 7), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, local, 7), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, q), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, p + 16), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, local), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, p), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(a, CPG_TYPE_AGREED, p, 7), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(a, p), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_free(b, q), CS_OK);
	cpg_finalize(a);
	cpg_finalize(b);
	stop();
}

/* ---- threads ---- */

/* Every byte of a message is its first byte; its size names its sender. */
static int th_msgs, th_bad;

static void th_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid,
		       void *msg, size_t len)
{
	const uint8_t *b = msg;

	(void)h, (void)g, (void)nodeid, (void)pid;
	for (size_t i = 1; i < len; i++)
		if (b[i] != b[0]) {
			__atomic_add_fetch(&th_bad, 1, __ATOMIC_RELAXED);
			break;
		}
	__atomic_add_fetch(&th_msgs, 1, __ATOMIC_RELEASE);
}

struct zthread {
	cpg_handle_t h;
	unsigned int id, sent, in_arena;
	int errors;
};

enum { TH_N = 4, TH_ITER = 150, TH_HOLD = 8 };

/* Allocate, fill, send (arena in place, private copied), free; holding a
   few so that the arena's share fills and private buffers above the copy
   size come too. */
static void *zcb_worker(void *arg)
{
	struct zthread *z = arg;
	void *held[TH_HOLD] = { 0 };
	uint64_t s = 0x9e3779b97f4a7c15ull * (z->id + 1);

	for (unsigned int i = 0; i < TH_ITER; i++) {
		size_t len;
		void *p;
		cs_error_t e;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		len = 1 + s % 150000;
		if (cpg_zcb_alloc(z->h, len, &p) != CS_OK) {
			z->errors++;
			continue;
		}
		memset(p, (int)(z->id * 64 + i % 64), len);
		z->in_arena += in_region(p);
		/* (each TRY_AGAIN comes after a 2 ms wait: 2000 of them, a bug) */
		for (int k = 0; (e = cpg_zcb_mcast_joined(z->h, CPG_TYPE_AGREED, p, len)) ==
				CS_ERR_TRY_AGAIN && k < 2000; k++)
			sched_yield();
		z->errors += e != CS_OK;
		z->sent += e == CS_OK;
		memset(p, 0xff, len);	/* ours again */
		if (held[i % TH_HOLD] != NULL && cpg_zcb_free(z->h, held[i % TH_HOLD]) != CS_OK)
			z->errors++;
		held[i % TH_HOLD] = p;
	}
	for (int k = 0; k < TH_HOLD; k++)
		if (held[k] != NULL && cpg_zcb_free(z->h, held[k]) != CS_OK)
			z->errors++;
	return NULL;
}

static void *th_dispatch(void *arg)
{
	return (void *)(uintptr_t)cpg_dispatch(*(cpg_handle_t *)arg, CS_DISPATCH_BLOCKING);
}

static void test_zcb_threads_alloc_send_free_on_one_handle(void)
{
	cpg_callbacks_t cb = { th_deliver, NULL };
	struct zthread z[TH_N];
	pthread_t t[TH_N], d;
	cpg_handle_t h;
	unsigned int sent = 0, in_arena = 0;

	start_share(150000, 1 << 20);	/* some of the buffers held fit */
	th_msgs = th_bad = 0;
	CU_ASSERT_EQUAL_FATAL(cpg_initialize(&h, &cb), CS_OK);
	CU_ASSERT_EQUAL_FATAL(cpg_join(h, &(struct cpg_name){ 1, "t" }), CS_OK);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&d, NULL, th_dispatch, &h), 0);
	for (unsigned int i = 0; i < TH_N; i++) {
		z[i] = (struct zthread){ .h = h, .id = i };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, zcb_worker, &z[i]), 0);
	}
	for (unsigned int i = 0; i < TH_N; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(z[i].errors, 0);
		sent += z[i].sent;
		in_arena += z[i].in_arena;
	}
	CU_ASSERT_EQUAL(sent, TH_N * TH_ITER);
	CU_ASSERT(in_arena > 0 && in_arena < sent);	/* both kinds were sent */
	for (int i = 0; i < 3000 && __atomic_load_n(&th_msgs, __ATOMIC_ACQUIRE) < (int)sent; i++)
		usleep(1000);
	CU_ASSERT_EQUAL(th_msgs, (int)sent);
	CU_ASSERT_EQUAL(th_bad, 0);
	cpg_finalize(h);
	pthread_join(d, NULL);
	stop();
}

static const struct unit_test tests[] = {
	T(test_zcb_buffer_is_sent_and_reusable),
	T(test_zcb_rejects_foreign_and_oversized_buffers),
	T(test_zcb_small_send_is_copied_buffer_free_at_return),
	T(test_zcb_large_send_returns_once_the_daemon_took_it),
	T(test_zcb_nothing_in_place_below_the_zero_copy_size),
	T(test_zcb_send_waiting_ends_at_finalize),
	T(test_zcb_free_during_an_in_place_send_is_deferred),
	T(test_zcb_in_place_send_the_daemon_let_go_of_is_ok),
	T(test_zcb_in_place_send_let_go_then_the_daemon_died_is_error),
	T(test_zcb_in_place_send_let_go_just_before_its_look_at_the_socket_is_ok),
	T(test_zcb_free_during_a_send_waiting_for_room_is_invalid_param),
	T(test_zcb_private_buffers_refuse_foreign_and_freed_pointers),
	T(test_zcb_threads_alloc_send_free_on_one_handle),
};

UNIT_TEST_MAIN("libcpg-zcb", tests)
