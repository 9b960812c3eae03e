/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcpg.so.4 against the fake daemon, part two: sending when the tx ring or
 * the arena is full, flow control, callbacks that call back in or finalize
 * their handle, threads, iteration, requests that time out, and a daemon
 * that dies or writes garbage. Zero-copy buffers: test_libcpg_zcb*.c.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>

#include "libcpg_test.h"

#include <pthread.h>
#include <sys/wait.h>

/* ---- full rings, full arena, flow control ---- */

static void test_arena_full_is_try_again_until_completions(void)
{
	struct fake_opts o;
	static char buf[8192];
	struct iovec iov = { buf, sizeof(buf) };
	cpg_flow_control_state_t fc;
	cpg_handle_t h;
	int sent = 0;

	fake_opts_default(&o);
	o.arena_size = 64 * 1024;
	start_with(&o);
	h = open_h();
	join(h, "g");
	fake_set_completing(fk, false);
	while (sent < 100 && cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1) == CS_OK)
		sent++;
	CU_ASSERT(sent >= 6 && sent <= 7);	/* 64 KiB / (8 KiB + header room) */
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(cpg_flow_control_state_get(h, &fc), CS_OK);
	CU_ASSERT_EQUAL(fc, CPG_FLOW_CONTROL_ENABLED);
	CU_ASSERT(wait_echoed((uint64_t)sent));	/* never dropped */
	fake_set_completing(fk, true);
	CU_ASSERT(wait_completed((uint64_t)sent));
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_OK);
	CU_ASSERT(wait_completed((uint64_t)sent + 1));
	CU_ASSERT_EQUAL(cpg_flow_control_state_get(h, &fc), CS_OK);
	CU_ASSERT_EQUAL(fc, CPG_FLOW_CONTROL_DISABLED);
	CU_ASSERT(dispatch_until(h, &seen.msgs, sent + 1));
	cpg_finalize(h);
	stop();
}

static void test_tx_ring_full_is_try_again_until_consumed(void)
{
	struct fake_opts o;
	cpg_flow_control_state_t fc;
	cpg_handle_t h;
	int sent = 0;

	fake_opts_default(&o);
	o.tx_entries = 16;
	start_with(&o);
	h = open_h();
	join(h, "g");
	fake_set_consuming(fk, false);
	CU_ASSERT_EQUAL(cpg_flow_control_state_get(h, &fc), CS_OK);
	CU_ASSERT_EQUAL(fc, CPG_FLOW_CONTROL_DISABLED);
	while (sent < 100 && send_str(h, "x") == CS_OK)
		sent++;
	CU_ASSERT_EQUAL(sent, 16);
	CU_ASSERT_EQUAL(send_str(h, "x"), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(cpg_flow_control_state_get(h, &fc), CS_OK);
	CU_ASSERT_EQUAL(fc, CPG_FLOW_CONTROL_ENABLED);
	fake_set_consuming(fk, true);
	CU_ASSERT(wait_echoed(16));
	CU_ASSERT_EQUAL(send_str(h, "x"), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 17));
	cpg_finalize(h);
	stop();
}

/* The daemon takes no tx entry it could not complete: with the completion
   ring full it waits for the client to read it, and a client that has
   stopped sending reads it only in cpg_dispatch. A 16-entry completion
   ring, 40 messages queued that the fake daemon does not take yet. */
static cpg_handle_t start_with_40_queued(void)
{
	struct fake_opts o;
	cpg_handle_t h;
	int sent = 0;

	fake_opts_default(&o);
	o.comp_entries = 16;
	start_with(&o);
	h = open_h();
	join(h, "g");
	fake_set_consuming(fk, false);
	while (sent < 40 && send_str(h, "x") == CS_OK)
		sent++;
	CU_ASSERT_EQUAL(sent, 40);
	return h;
}

static void test_a_client_that_only_dispatches_gets_its_buffers_back(void)
{
	cpg_handle_t h = start_with_40_queued();

	fake_set_consuming(fk, true);
	CU_ASSERT(wait_echoed(16));
	/* no more sends: the rest goes out as dispatch gives completions back,
	   and the fd says when there is more (an application's poll loop) */
	for (int i = 0; i < 100 && seen.msgs < 40; i++) {
		if (!readable(h, 3000))
			break;
		CU_ASSERT_EQUAL_FATAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	}
	CU_ASSERT_EQUAL(seen.msgs, 40);
	CU_ASSERT(wait_echoed(40));
	cpg_finalize(h);
	stop();
}

static void *blocking_dispatch(void *arg);

/* The same with one blocking dispatch: it gives them back before it sleeps. */
static void test_a_blocking_dispatcher_gives_buffers_back_before_it_sleeps(void)
{
	cpg_handle_t h = start_with_40_queued();
	pthread_t t;
	void *ret;

	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, blocking_dispatch, &h), 0);
	usleep(20000);	/* likely asleep before the first record: not needed */
	fake_set_consuming(fk, true);
	for (int i = 0; i < 300 && __atomic_load_n(&seen.msgs, __ATOMIC_ACQUIRE) < 40; i++)
		usleep(10000);
	CU_ASSERT_EQUAL(__atomic_load_n(&seen.msgs, __ATOMIC_ACQUIRE), 40);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((cs_error_t)(uintptr_t)ret, CS_ERR_BAD_HANDLE);
	stop();
}

/* ---- the daemon lets a client go (shm.h, "Closing") ---- */

/* What a client queued before the daemon let it go (each send returned
   CS_OK) still goes out; a send after it fails, and says so; what was
   delivered before is still dispatched, then the error. */
static void test_a_client_let_go_still_sends_what_it_queued(void)
{
	struct fake_opts o;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.tx_entries = 16;
	start_with(&o);
	h = open_h();
	join(h, "g");
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(send_str(h, "before"), CS_OK);
	CU_ASSERT(wait_echoed(3));	/* delivered to it, not dispatched */
	fake_set_consuming(fk, false);
	CU_ASSERT_FATAL(fake_sync(fk));
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(send_str(h, "q"), CS_OK);
	fake_close(fk);
	CU_ASSERT_FATAL(fake_wait(closed, NULL, 3000));
	/* room in the ring, but past the head the daemon fixed */
	CU_ASSERT_EQUAL(send_str(h, "late"), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(send_str(h, "later"), CS_ERR_LIBRARY);
	fake_set_consuming(fk, true);
	CU_ASSERT(wait_echoed(13));
	CU_ASSERT(fake_wait(no_clients, NULL, 3000));
	CU_ASSERT_EQUAL(fake_echoed(fk), 13);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(seen.msgs, 3);
	cpg_finalize(h);
	stop();
}

/* A blocking dispatcher learns at once that the daemon let it go, not
   when the daemon has sent its queue and closed the socket. */
static struct {
	cpg_handle_t h;
	cs_error_t err;
	int done;		/* atomic */
} bd;

static void *blocking_dispatch_flag(void *arg)
{
	(void)arg;
	bd.err = cpg_dispatch(bd.h, CS_DISPATCH_BLOCKING);
	__atomic_store_n(&bd.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_a_blocking_dispatcher_learns_it_was_let_go(void)
{
	pthread_t t;
	int64_t t0;

	start();
	bd.h = open_h();
	bd.done = 0;
	join(bd.h, "g");
	fake_set_consuming(fk, false);	/* its queue does not go out yet */
	CU_ASSERT_FATAL(fake_sync(fk));
	CU_ASSERT_EQUAL(send_str(bd.h, "q"), CS_OK);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, blocking_dispatch_flag, NULL), 0);
	usleep(20000);	/* likely asleep: not needed */
	t0 = mono_ms();
	fake_close(fk);
	while (!__atomic_load_n(&bd.done, __ATOMIC_ACQUIRE) && mono_ms() - t0 < 2000)
		usleep(1000);
	CU_ASSERT_EQUAL(__atomic_load_n(&bd.done, __ATOMIC_ACQUIRE), 1);
	CU_ASSERT_EQUAL(fake_clients(fk), 1);	/* still draining */
	fake_set_consuming(fk, true);	/* the socket closes: it returns anyway */
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(bd.err, CS_ERR_LIBRARY);
	CU_ASSERT(fake_wait(no_clients, NULL, 3000));
	CU_ASSERT_EQUAL(fake_echoed(fk), 1);
	cpg_finalize(bd.h);
	stop();
}

static struct {
	cpg_handle_t h;
	uint32_t ok;		/* atomic */
	cs_error_t end;
} let_go;

static void *send_until_let_go(void *arg)
{
	uint32_t seq;
	struct iovec iov = { &seq, sizeof(seq) };
	cs_error_t err;

	(void)arg;
	for (;;) {
		seq = __atomic_load_n(&let_go.ok, __ATOMIC_RELAXED);
		err = cpg_mcast_joined(let_go.h, CPG_TYPE_AGREED, &iov, 1);
		if (err == CS_OK)
			__atomic_store_n(&let_go.ok, seq + 1, __ATOMIC_RELEASE);
		else if (err != CS_ERR_TRY_AGAIN)
			break;
	}
	let_go.end = err;
	return NULL;
}

/*
 * The same race as a client sees it: a sender retrying at once and a
 * blocking dispatcher, let go at a random point. Exactly the sends that
 * returned CS_OK are taken: one that returned CS_OK after the daemon fixed
 * its head would be lost, one taken that returned an error sent twice by a
 * caller that retries.
 */
static void test_let_go_mid_send_takes_exactly_the_ok_sends(void)
{
	unsigned int seed = 12345;
	int rounds = 30, cut = 0;

	for (int r = 0; r < rounds; r++) {
		uint32_t target = 1 + rand_r(&seed) % 1000;
		pthread_t ts, td;
		void *dret;

		start();
		let_go.h = open_h();
		let_go.ok = 0;
		join(let_go.h, "g");
		CU_ASSERT_FATAL(pthread_create(&td, NULL, blocking_dispatch, &let_go.h) == 0);
		CU_ASSERT_FATAL(pthread_create(&ts, NULL, send_until_let_go, NULL) == 0);
		for (int64_t t0 = mono_ms(); mono_ms() - t0 < 2000 &&
		     __atomic_load_n(&let_go.ok, __ATOMIC_ACQUIRE) < target;)
			usleep(100);
		fake_close(fk);
		pthread_join(ts, NULL);
		pthread_join(td, &dret);
		CU_ASSERT(fake_wait(no_clients, NULL, 3000));
		CU_ASSERT_EQUAL(let_go.end, CS_ERR_LIBRARY);
		CU_ASSERT_EQUAL((cs_error_t)(uintptr_t)dret, CS_ERR_LIBRARY);
		if (fake_echoed(fk) != let_go.ok)
			fprintf(stderr, "round %d: %u sends returned CS_OK, %llu taken\n", r,
				let_go.ok, (unsigned long long)fake_echoed(fk));
		CU_ASSERT_EQUAL(fake_echoed(fk), let_go.ok);
		cut += let_go.ok >= target;
		cpg_finalize(let_go.h);
		stop();
	}
	CU_ASSERT(cut >= rounds / 2);	/* let go mid-send, not before it */
}

/* ---- callbacks that call back in ---- */

static void test_callbacks_may_call_cpg_functions(void)
{
	cpg_handle_t h, other;

	start();
	h = open_h();
	other = open_h();
	join(h, "cb");
	seen.mcast_from_cb = 20;	/* each delivery sends the next message */
	CU_ASSERT_EQUAL(send_str(h, "ping"), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 21));
	CU_ASSERT_EQUAL(seen.cb_err, CS_OK);
	seen.mcast_from_cb = -1;	/* the next confchg asks for the membership */
	join(other, "cb");
	CU_ASSERT(dispatch_until(h, &seen.confchgs, 3));
	CU_ASSERT_EQUAL(seen.mcast_from_cb, 0);
	CU_ASSERT_EQUAL(seen.cb_err, CS_OK);
	cpg_finalize(h);
	cpg_finalize(other);
	stop();
}

static void test_finalize_inside_a_callback_is_safe(void)
{
	cpg_handle_t h;
	int fd;

	h = start_with_pending("fin", 5);
	seen.finalize_at = 2;
	/* the dispatch comes back; like corosync's it reports the handle gone */
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(seen.msgs, 2);	/* nothing after the finalize */
	CU_ASSERT_EQUAL(seen.cb_err, CS_OK);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_fd_get(h, &fd), CS_ERR_BAD_HANDLE);

	/* the same from a blocking dispatch */
	memset(&seen, 0, sizeof(seen));
	seen.cb_err = CS_OK;
	h = open_h();
	join(h, "fin");
	CU_ASSERT_EQUAL(send_str(h, "m"), CS_OK);
	seen.finalize_at = 1;
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_BLOCKING), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(seen.msgs, 1);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_ERR_BAD_HANDLE);
	stop();
}

static void *blocking_dispatch(void *arg)
{
	cpg_handle_t h = *(cpg_handle_t *)arg;

	return (void *)(uintptr_t)cpg_dispatch(h, CS_DISPATCH_BLOCKING);
}

static void test_finalize_from_another_thread_ends_blocking_dispatch(void)
{
	pthread_t t;
	cpg_handle_t h;
	void *ret;

	start();
	h = open_h();
	join(h, "g");
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, blocking_dispatch, &h), 0);
	CU_ASSERT_EQUAL(send_str(h, "one"), CS_OK);
	for (int i = 0; i < 300 && __atomic_load_n(&seen.msgs, __ATOMIC_ACQUIRE) < 1; i++)
		usleep(1000);
	CU_ASSERT_EQUAL(seen.msgs, 1);
	usleep(20000);	/* let it block again */
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	pthread_join(t, &ret);
	CU_ASSERT_EQUAL((cs_error_t)(uintptr_t)ret, CS_ERR_BAD_HANDLE);
	stop();
}

/* Another thread finalizes while the dispatcher is between two callbacks
   of one run (lib/dispatch.c): nothing after it is delivered. */
static void test_finalize_from_another_thread_ends_a_run(void)
{
	cpg_handle_t h;

	h = start_with_pending("fin", 5);
	seen.finalize_elsewhere_at = 2;
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(seen.msgs, 2);
	CU_ASSERT_EQUAL(seen.cb_err, CS_OK);
	stop();
}

/* For test_records_give_their_room_back_during_a_run. */
static struct {
	int n;
	cs_error_t send_err;
	bool echoed;
} room_run;

static void room_run_cb(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid,
			uint32_t pid, void *msg, size_t len)
{
	struct iovec iov = { msg, len };

	(void)g, (void)nodeid, (void)pid;
	if (++room_run.n == 1) {	/* one more, with no room for it yet */
		room_run.send_err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
	} else if (room_run.n == 2) {	/* the first record's room is back by now */
		for (int i = 0; i < 2000 && fake_echoed(fk) < 5; i++)
			usleep(1000);
		room_run.echoed = fake_echoed(fk) >= 5;
	}
}

/*
 * Records claimed as one run give their room back to the daemon one by one,
 * as each callback returns, not when the run ends: the daemon does not wait
 * for a client whose rx area is full (it disconnects it). Four records fill
 * the area; the first callback sends a fifth, the second waits for the
 * daemon to write it into the room the first record left.
 */
static void test_records_give_their_room_back_during_a_run(void)
{
	cpg_callbacks_t cb = { room_run_cb, confchg_cb };
	struct fake_opts o;
	uint8_t m[112];		/* a 128-byte record: 16 of header */
	struct iovec iov = { m, sizeof(m) };
	cpg_handle_t h;

	fake_opts_default(&o);
	o.rxa_size = 4 * 128;
	o.wrap_records = true;	/* any four records fit, wherever they start */
	start_with(&o);
	memset(&room_run, 0, sizeof(room_run));
	CU_ASSERT_EQUAL_FATAL(cpg_initialize(&h, &cb), CS_OK);
	join(h, "room");
	memset(m, 7, sizeof(m));
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_OK);
	CU_ASSERT(wait_echoed(4));
	CU_ASSERT(readable(h, 1000));
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CU_ASSERT_EQUAL(room_run.send_err, CS_OK);
	CU_ASSERT(room_run.echoed);
	CU_ASSERT(room_run.n >= 4);
	cpg_finalize(h);
	stop();
}

struct sender {
	cpg_handle_t h;
	uint32_t id, n, errors;
};

static void *send_many(void *arg)
{
	struct sender *s = arg;

	for (uint32_t i = 0; i < s->n; i++) {
		uint32_t m[2] = { s->id, i };
		struct iovec iov = { m, sizeof(m) };
		cs_error_t e;

		while ((e = cpg_mcast_joined(s->h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN)
			sched_yield();
		if (e != CS_OK)
			s->errors++;
	}
	return NULL;
}

static uint32_t last_of[4];
static int order_errors, thread_msgs;

static void order_cb(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid,
		     void *msg, size_t len)
{
	uint32_t m[2];

	(void)g, (void)nodeid, (void)pid;
	if (len != sizeof(m)) {
		order_errors++;
		return;
	}
	memcpy(m, msg, sizeof(m));
	if (m[0] >= 4 || m[1] != last_of[m[0]])
		order_errors++;
	else
		last_of[m[0]]++;
	if (++thread_msgs == 4 * 2000)
		cpg_finalize(h);
}

static void test_threads_send_while_one_dispatches(void)
{
	cpg_callbacks_t cb = { order_cb, NULL };
	struct sender s[4];
	pthread_t t[4], d;
	cpg_handle_t h;
	void *ret;

	start();
	CU_ASSERT_EQUAL_FATAL(cpg_initialize(&h, &cb), CS_OK);
	CU_ASSERT_FATAL(cpg_join(h, &(struct cpg_name){ 1, "t" }) == CS_OK);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&d, NULL, blocking_dispatch, &h), 0);
	for (uint32_t i = 0; i < 4; i++) {
		s[i] = (struct sender){ h, i, 2000, 0 };
		pthread_create(&t[i], NULL, send_many, &s[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(s[i].errors, 0);
	}
	pthread_join(d, &ret);	/* its callback finalizes after the last message */
	CU_ASSERT_EQUAL((cs_error_t)(uintptr_t)ret, CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(thread_msgs, 8000);
	CU_ASSERT_EQUAL(order_errors, 0);
	stop();
}

/*
 * The library's poll(), as this program sees it: a thread that set
 * slow_poll is held 20 ms before it sleeps, as a preempted thread is
 * between dropping the handle's lock and entering poll. (The executable's
 * definition comes first for libcpg too; the fake daemon's thread never
 * sets the flag.)
 */
static __thread bool slow_poll;
static int (*real_poll)(struct pollfd *, nfds_t, int);

/* before any thread: the fake daemon's polls too */
__attribute__((constructor)) static void find_poll(void)
{
	real_poll = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (slow_poll)
		usleep(20000);
	return real_poll(fds, n, timeout);
}

/*
 * The answer's wake-up comes while the requesting thread is between its
 * lock and its poll; the blocking dispatcher, in its own poll, wakes, finds
 * no record and reads the byte before it sleeps again. The request then
 * slept until its timeout though its answer had come.
 */
static void test_a_request_whose_wake_the_dispatcher_took_does_not_wait_for_the_timeout(void)
{
	struct cpg_address list[8];
	struct cpg_name g = gname("stolen");
	int64_t worst = 0, t0;
	pthread_t d;
	cpg_handle_t h;
	void *ret;

	start();
	setenv("RINGCAST_TIMEOUT_MS", "3000", 1);
	h = open_h();
	CU_ASSERT_EQUAL_FATAL(cpg_join(h, &g), CS_OK);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&d, NULL, blocking_dispatch, &h), 0);
	usleep(20000);		/* the dispatcher asleep in its poll */
	slow_poll = true;
	for (int i = 0; i < 5; i++) {
		int n = 8;

		t0 = mono_ms();
		CU_ASSERT_EQUAL(cpg_membership_get(h, &g, list, &n), CS_OK);
		if (mono_ms() - t0 > worst)
			worst = mono_ms() - t0;
	}
	slow_poll = false;
	if (worst >= 1000)
		fprintf(stderr, "\n    a request took %lld ms\n", (long long)worst);
	CU_ASSERT(worst < 1000);
	cpg_finalize(h);
	pthread_join(d, &ret);
	stop();
}

static uint32_t trickle_stop;

/* One message every 200 us on h until told to stop: the dispatcher is
   woken all the time. */
static void *trickle(void *arg)
{
	cpg_handle_t h = *(cpg_handle_t *)arg;

	while (!__atomic_load_n(&trickle_stop, __ATOMIC_ACQUIRE)) {
		cs_error_t e = send_str(h, "drip");

		if (e != CS_OK && e != CS_ERR_TRY_AGAIN)
			break;
		usleep(200);
	}
	return NULL;
}

/*
 * A request waits on the socket the blocking dispatcher waits on, and both
 * arm the one `sleeping` flag: the dispatcher, woken for a message, took
 * the flag back (or read the byte) that the answer's wake-up needed, and
 * the request slept until its timeout though its answer had come.
 */
static void test_requests_beside_a_busy_dispatcher_do_not_wait_for_the_timeout(void)
{
	struct cpg_address list[8];
	struct cpg_name g = gname("busy");
	int64_t worst = 0, t0;
	pthread_t d, s;
	cpg_handle_t h;
	void *ret;

	start();
	setenv("RINGCAST_TIMEOUT_MS", "2000", 1);
	h = open_h();
	CU_ASSERT_EQUAL_FATAL(cpg_join(h, &g), CS_OK);
	__atomic_store_n(&trickle_stop, 0, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&d, NULL, blocking_dispatch, &h), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&s, NULL, trickle, &h), 0);
	for (int i = 0; i < 300 && worst < 1500; i++) {
		int n = 8;

		t0 = mono_ms();
		CU_ASSERT_EQUAL(cpg_membership_get(h, &g, list, &n), CS_OK);
		if (mono_ms() - t0 > worst)
			worst = mono_ms() - t0;
	}
	__atomic_store_n(&trickle_stop, 1, __ATOMIC_RELEASE);
	pthread_join(s, NULL);
	if (worst >= 500)
		fprintf(stderr, "\n    a request beside a busy dispatcher took %lld ms\n",
			(long long)worst);
	CU_ASSERT(worst < 500);
	cpg_finalize(h);
	pthread_join(d, &ret);
	stop();
}

/* ---- iteration ---- */

static int iterate_count(cpg_handle_t h, cpg_iteration_type_t type, const struct cpg_name *g);

/* An answer larger than the ctl area comes whole, in pages */
static void test_iteration_is_not_cut_at_the_ctl_area(void)
{
	struct cpg_iteration_description_t d;
	cpg_iteration_handle_t it;
	struct fake_opts o;
	cpg_handle_t h[7];
	char name[8];
	int i;

	fake_opts_default(&o);
	o.ctl_size = 2 * sizeof(struct cpg_iteration_description_t);
	start_with(&o);
	for (i = 0; i < 7; i++) {
		h[i] = open_h();
		snprintf(name, sizeof(name), "p%d", i);
		join(h[i], name);
	}
	CU_ASSERT_EQUAL(iterate_count(h[0], CPG_ITERATION_ALL, NULL), 7);
	CU_ASSERT_EQUAL(iterate_count(h[3], CPG_ITERATION_NAME_ONLY, NULL), 7);
	CU_ASSERT_EQUAL_FATAL(cpg_iteration_initialize(h[0], CPG_ITERATION_ALL, NULL, &it), CS_OK);
	for (i = 0; i < 7 && cpg_iteration_next(it, &d) == CS_OK; i++)
		CU_ASSERT_EQUAL(d.group.value[1], '0' + i);
	CU_ASSERT_EQUAL(i, 7);
	CU_ASSERT_EQUAL(cpg_iteration_finalize(it), CS_OK);
	for (i = 0; i < 7; i++)
		cpg_finalize(h[i]);
	stop();
}

static int iterate_count(cpg_handle_t h, cpg_iteration_type_t type, const struct cpg_name *g)
{
	struct cpg_iteration_description_t d;
	cpg_iteration_handle_t it;
	cs_error_t e;
	int n = 0;

	if (cpg_iteration_initialize(h, type, g, &it) != CS_OK)
		return -1;
	while ((e = cpg_iteration_next(it, &d)) == CS_OK)
		n++;
	if (e != CS_ERR_NO_SECTIONS || cpg_iteration_finalize(it) != CS_OK)
		return -1;
	return n;
}

struct iter_args {
	cpg_handle_t h;
	cpg_iteration_handle_t it;
	cs_error_t ret;
};

static void *slow_iterate(void *arg)
{
	struct iter_args *a = arg;

	slow_poll = true;
	a->ret = cpg_iteration_initialize(a->h, CPG_ITERATION_ALL, NULL, &a->it);
	return NULL;
}

/*
 * A finalize from another thread while the answer to an iteration's
 * request is in: the iteration is its handle's, and goes with it. It was
 * created after the finalize had dropped its handle's iterations, and
 * outlived it (CS_OK, and cpg_iteration_next worked).
 */
static void test_an_iteration_answered_after_a_finalize_goes_with_it(void)
{
	struct cpg_iteration_description_t d;
	struct iter_args a;
	pthread_t t;

	start();
	a.h = open_h();
	a.ret = CS_ERR_LIBRARY;
	a.it = 0;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, slow_iterate, &a), 0);
	usleep(15000);		/* asked, answered (the fake answers within 1 ms), about
				   to sleep (held 20 ms); later, the test proves nothing */
	CU_ASSERT_EQUAL(cpg_finalize(a.h), CS_OK);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(a.ret, CS_ERR_BAD_HANDLE);
	if (a.ret == CS_OK) {
		CU_ASSERT_EQUAL(cpg_iteration_next(a.it, &d), CS_ERR_BAD_HANDLE);
		cpg_iteration_finalize(a.it);
	}
	stop();
}

static void test_iteration_walks_a_snapshot(void)
{
	struct cpg_name a = gname("alpha"), big = gname("x");
	struct cpg_iteration_description_t d;
	cpg_iteration_handle_t it, it2;
	cpg_handle_t h1, h2, h3;

	big.length = 200;
	start();
	h1 = open_h();
	h2 = open_h();
	h3 = open_h();
	join(h1, "alpha");
	join(h2, "alpha");
	join(h3, "beta");
	CU_ASSERT_EQUAL(iterate_count(h1, CPG_ITERATION_NAME_ONLY, NULL), 2);
	CU_ASSERT_EQUAL(iterate_count(h1, CPG_ITERATION_ONE_GROUP, &a), 2);
	CU_ASSERT_EQUAL(iterate_count(h1, CPG_ITERATION_ALL, NULL), 3);

	CU_ASSERT_EQUAL_FATAL(cpg_iteration_initialize(h1, CPG_ITERATION_ONE_GROUP, &a, &it), CS_OK);
	CU_ASSERT_EQUAL(cpg_iteration_next(it, &d), CS_OK);
	CU_ASSERT_EQUAL(d.group.length, 5);
	CU_ASSERT_EQUAL(d.nodeid, fo.nodeid);
	CU_ASSERT_EQUAL(d.pid, (uint32_t)getpid());
	CU_ASSERT_EQUAL(cpg_iteration_finalize(it), CS_OK);
	CU_ASSERT_EQUAL(cpg_iteration_next(it, &d), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_iteration_finalize(it), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_iteration_next(h1, &d), CS_ERR_BAD_HANDLE);	/* not an iteration */

	CU_ASSERT_EQUAL(cpg_iteration_initialize(h1, CPG_ITERATION_ONE_GROUP, NULL, &it),
			CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h1, CPG_ITERATION_ALL, &a, &it),
			CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h1, (cpg_iteration_type_t)9, NULL, &it),
			CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h1, CPG_ITERATION_ONE_GROUP, &big, &it),
			CS_ERR_NAME_TOO_LONG);
	/* corosync checks the name's length before anything else */
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h1, CPG_ITERATION_ALL, &big, &it),
			CS_ERR_NAME_TOO_LONG);
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h1, CPG_ITERATION_ONE_GROUP, &big, NULL),
			CS_ERR_NAME_TOO_LONG);

	/* finalizing the cpg handle finalizes its iterations */
	CU_ASSERT_EQUAL_FATAL(cpg_iteration_initialize(h2, CPG_ITERATION_ALL, NULL, &it), CS_OK);
	CU_ASSERT_EQUAL_FATAL(cpg_iteration_initialize(h1, CPG_ITERATION_ALL, NULL, &it2), CS_OK);
	cpg_finalize(h2);
	CU_ASSERT_EQUAL(cpg_iteration_next(it, &d), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_iteration_next(it2, &d), CS_OK);
	CU_ASSERT_EQUAL(cpg_iteration_finalize(it2), CS_OK);
	cpg_finalize(h1);
	cpg_finalize(h3);
	stop();
}

/* ---- requests that never end, daemons that die or lie ---- */

static void test_request_without_reply_times_out(void)
{
	struct cpg_name g = gname("g");
	cpg_handle_t h;

	start();
	setenv("RINGCAST_TIMEOUT_MS", "200", 1);
	h = open_h();
	fake_set_answering(fk, false);
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_TIMEOUT);
	cpg_finalize(h);
	stop();
}

static void *die_later(void *arg)
{
	usleep(100000);
	fake_die(arg);
	return NULL;
}

static void test_daemon_death_during_a_request_is_library_error(void)
{
	struct cpg_name g = gname("g");
	pthread_t t;
	cpg_handle_t h;

	start();
	h = open_h();
	fake_set_answering(fk, false);
	pthread_create(&t, NULL, die_later, fk);
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_LIBRARY);
	pthread_join(t, NULL);
	cpg_finalize(h);
	stop();
}

static void test_daemon_death_is_library_error_and_fd_readable(void)
{
	struct cpg_name g = gname("g");
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "g");
	CU_ASSERT_EQUAL(send_str(h, "last words"), CS_OK);
	CU_ASSERT(wait_echoed(1));
	fake_die(fk);
	CU_ASSERT(readable(h, 1000));
	/* what arrived before the death is still delivered, then the error */
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CU_ASSERT_EQUAL(seen.msgs, 1);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_BLOCKING), CS_ERR_LIBRARY);
	CU_ASSERT(readable(h, 0));
	CU_ASSERT_EQUAL(send_str(h, "x"), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	stop();
}

static void test_garbage_rx_descriptor_is_library_error(void)
{
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "g");
	fake_send_garbage(fk);
	CU_ASSERT(readable(h, 1000));
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE), CS_ERR_LIBRARY);
	CU_ASSERT(readable(h, 1000));	/* the hang-up keeps it readable */
	CU_ASSERT_EQUAL(send_str(h, "x"), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	stop();
}

static bool garbage_written(void *arg)
{
	(void)arg;
	return fake_garbage_sent(fk) > 0;
}

/* Records claimed together (a run, lib/dispatch.c) end before a bad one:
   what came before it is delivered, then the error. */
static void test_garbage_after_good_records_comes_after_them(void)
{
	cpg_handle_t h;

	h = start_with_pending("g", 5);
	fake_send_garbage(fk);
	CU_ASSERT(fake_wait(garbage_written, NULL, 3000));
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(seen.msgs, 5);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
	CU_ASSERT_EQUAL(seen.msgs, 5);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	stop();
}

/*
 * The lcore page says what the daemon's ring agreed (docs/protocol.md, "The
 * ring's message limit"): above it a send is CS_ERR_TOO_BIG at the call, and
 * cpg_max_atomic_msgsize_get says it; never more than the region's max_msg;
 * 0 (an older daemon) leaves the region's.
 */
static void test_the_rings_agreed_limit_bounds_sends_at_the_call(void)
{
	static uint8_t b[2048];
	struct iovec iov = { b, 1001 };
	uint32_t max = 0;
	cpg_handle_t h;
	void *z = NULL;

	start();
	h = open_h();
	join(h, "limit");
	fake_set_ring_max_msg(fk, 1000);
	CU_ASSERT_EQUAL(cpg_max_atomic_msgsize_get(h, &max), CS_OK);
	CU_ASSERT_EQUAL(max, 1000);
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_ERR_TOO_BIG);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(h, 2048, &z), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, z, 1001), CS_ERR_TOO_BIG);
	iov.iov_len = 1000;
	CU_ASSERT_EQUAL(send_retry(h, &iov, 1), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, z, 1000), CS_OK);
	/* the ring grew: so does what may be sent, up to the region's */
	fake_set_ring_max_msg(fk, fo.max_msg + 1);
	CU_ASSERT_EQUAL(cpg_max_atomic_msgsize_get(h, &max), CS_OK);
	CU_ASSERT_EQUAL(max, fo.max_msg);
	CU_ASSERT_EQUAL(send_retry(h, &iov, 1), CS_OK);
	fake_set_ring_max_msg(fk, 0);
	CU_ASSERT_EQUAL(cpg_max_atomic_msgsize_get(h, &max), CS_OK);
	CU_ASSERT_EQUAL(max, fo.max_msg);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 3));
	cpg_zcb_free(h, z);
	cpg_finalize(h);
	stop();
}

static void test_fork_child_cannot_use_parent_handles(void)
{
	cpg_handle_t h;
	int status = -1;
	pid_t pid;

	start();
	h = open_h();
	join(h, "g");
	pid = fork();
	if (pid == 0) {
		int bad = cpg_dispatch(h, CS_DISPATCH_ALL) != CS_ERR_BAD_HANDLE;

		bad |= send_str(h, "child") != CS_ERR_BAD_HANDLE;
		bad |= cpg_finalize(h) != CS_OK;	/* releases the child's copy only */
		_exit(bad);
	}
	CU_ASSERT_FATAL(pid > 0);
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(send_str(h, "parent"), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(fake_clients(fk), 1);
	cpg_finalize(h);
	stop();
}

/*
 * The same while a thread of the parent sits in a blocking dispatch: it
 * holds a reference to the handle, which the child inherits but no thread
 * of the child will ever give back. The child's finalize released its
 * copy only at the last reference, so never: its socket stayed open, and
 * once the parent died the daemon saw no hang-up while the child lived.
 */
static void test_fork_child_finalize_releases_its_copy_under_a_parent_dispatcher(void)
{
	cpg_handle_t h;
	int status = -1, fd = -1;
	pthread_t d;
	void *ret;
	pid_t pid;

	start();
	h = open_h();
	join(h, "g");
	CU_ASSERT_EQUAL_FATAL(cpg_fd_get(h, &fd), CS_OK);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&d, NULL, blocking_dispatch, &h), 0);
	usleep(20000);		/* inside cpg_dispatch, holding its reference */
	pid = fork();
	if (pid == 0) {
		int bad = cpg_finalize(h) != CS_OK;

		bad |= (fcntl(fd, F_GETFD) != -1) << 1;	/* the socket's copy is closed */
		_exit(bad);
	}
	CU_ASSERT_FATAL(pid > 0);
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fprintf(stderr, "\n    child: %d\n", WEXITSTATUS(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	CU_ASSERT_EQUAL(send_str(h, "parent"), CS_OK);
	cpg_finalize(h);
	pthread_join(d, &ret);
	stop();
}

static const struct unit_test tests[] = {
	T(test_arena_full_is_try_again_until_completions),
	T(test_tx_ring_full_is_try_again_until_consumed),
	T(test_a_client_that_only_dispatches_gets_its_buffers_back),
	T(test_a_blocking_dispatcher_gives_buffers_back_before_it_sleeps),
	T(test_a_client_let_go_still_sends_what_it_queued),
	T(test_let_go_mid_send_takes_exactly_the_ok_sends),
	T(test_a_blocking_dispatcher_learns_it_was_let_go),
	T(test_callbacks_may_call_cpg_functions),
	T(test_finalize_inside_a_callback_is_safe),
	T(test_finalize_from_another_thread_ends_blocking_dispatch),
	T(test_finalize_from_another_thread_ends_a_run),
	T(test_records_give_their_room_back_during_a_run),
	T(test_threads_send_while_one_dispatches),
	T(test_requests_beside_a_busy_dispatcher_do_not_wait_for_the_timeout),
	T(test_a_request_whose_wake_the_dispatcher_took_does_not_wait_for_the_timeout),
	T(test_iteration_walks_a_snapshot),
	T(test_an_iteration_answered_after_a_finalize_goes_with_it),
	T(test_iteration_is_not_cut_at_the_ctl_area),
	T(test_request_without_reply_times_out),
	T(test_daemon_death_during_a_request_is_library_error),
	T(test_daemon_death_is_library_error_and_fd_readable),
	T(test_garbage_rx_descriptor_is_library_error),
	T(test_garbage_after_good_records_comes_after_them),
	T(test_fork_child_cannot_use_parent_handles),
	T(test_fork_child_finalize_releases_its_copy_under_a_parent_dispatcher),
	T(test_the_rings_agreed_limit_bounds_sends_at_the_call),
};

UNIT_TEST_MAIN("libcpg-send", tests)
