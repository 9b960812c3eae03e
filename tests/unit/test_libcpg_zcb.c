/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcpg.so.4 against the fake daemon, part four: zero-copy buffers. Sent
 * in place or copied, reusable at return (corosync's contract), foreign
 * and oversized buffers refused, a send waiting for the daemon's copy, and
 * what a full arena means to cpg_zcb_alloc.
 */
#define _GNU_SOURCE
#include "libcpg_test.h"

#include <pthread.h>

/* ---- sending ---- */

static void test_zcb_buffer_is_sent_in_place_and_reusable(void)
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
};

static void *zcb_send_thread(void *arg)
{
	struct zsend *z = arg;

	z->err = cpg_zcb_mcast_joined(z->h, CPG_TYPE_AGREED, z->p, z->len);
	__atomic_store_n(&z->returned, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Above the copy size the buffer is sent in place: the call returns only
   once the daemon has completed it (taken its own copy). */
static void test_zcb_large_send_returns_once_the_daemon_took_it(void)
{
	struct zsend z = { 0 };
	pthread_t t;

	setenv("RINGCAST_ZCB_COPY_MAX", "0", 1);	/* read when the handle opens */
	start();
	z.h = open_h();
	unsetenv("RINGCAST_ZCB_COPY_MAX");
	join(z.h, "z");
	z.len = 3000;
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
	CU_ASSERT_EQUAL(seen.len, 3000);
	CU_ASSERT_EQUAL(seen.payload[255], 0x11);
	CU_ASSERT_EQUAL(cpg_zcb_free(z.h, z.p), CS_OK);
	cpg_finalize(z.h);
	stop();
}

/* A send waiting for the daemon's copy ends when another thread finalizes */
static void test_zcb_send_waiting_ends_at_finalize(void)
{
	struct zsend z = { 0 };
	pthread_t t;

	setenv("RINGCAST_ZCB_COPY_MAX", "0", 1);
	start();
	z.h = open_h();
	unsetenv("RINGCAST_ZCB_COPY_MAX");
	join(z.h, "z");
	z.len = 100;
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

/* TRY_AGAIN only while the daemon holds buffers in flight; when the
   application's own buffers leave no room, NO_MEMORY. */
static void test_zcb_alloc_no_memory_when_held_buffers_fill_the_arena(void)
{
	struct fake_opts o;
	void *p, *q, *r;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.arena_size = 64 * 1024;
	start_with(&o);
	h = open_h();
	join(h, "z");
	CU_ASSERT_EQUAL(cpg_zcb_alloc(h, 64 * 1024 + 1, &r), CS_ERR_NO_MEMORY);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(h, 30000, &p), CS_OK);
	CU_ASSERT_EQUAL_FATAL(cpg_zcb_alloc(h, 30000, &q), CS_OK);
	CU_ASSERT_EQUAL(cpg_zcb_alloc(h, 10000, &r), CS_ERR_NO_MEMORY);
	CU_ASSERT_EQUAL(cpg_zcb_free(h, q), CS_OK);
	fake_set_completing(fk, false);
	memset(p, 0x5a, 30000);
	CU_ASSERT_EQUAL(cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, p, 30000), CS_OK);
	CU_ASSERT(wait_echoed(1));
	/* the library's copy of p is in flight: room comes back */
	CU_ASSERT_EQUAL(cpg_zcb_alloc(h, 30000, &q), CS_ERR_TRY_AGAIN);
	fake_set_completing(fk, true);
	CU_ASSERT(wait_completed(1));
	CU_ASSERT_EQUAL(cpg_zcb_alloc(h, 30000, &q), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, 30000);
	CU_ASSERT_EQUAL(seen.payload[255], 0x5a);
	cpg_finalize(h);	/* with zcb buffers still allocated */
	stop();
}

static const struct unit_test tests[] = {
	T(test_zcb_buffer_is_sent_in_place_and_reusable),
	T(test_zcb_rejects_foreign_and_oversized_buffers),
	T(test_zcb_small_send_is_copied_buffer_free_at_return),
	T(test_zcb_large_send_returns_once_the_daemon_took_it),
	T(test_zcb_send_waiting_ends_at_finalize),
	T(test_zcb_alloc_no_memory_when_held_buffers_fill_the_arena),
};

UNIT_TEST_MAIN("libcpg-zcb", tests)
