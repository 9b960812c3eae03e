/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcpg.so.4 (lib/) against an in-process fake daemon (fake_daemon.c), part
 * one: connection and its errors, handles, groups, dispatch modes and the
 * readability of the fd, big and wrapped records, totem confchgs. Linked
 * against the built shared library: only the exported API is reachable.
 */
#define _GNU_SOURCE
#include <ringcast/shm.h>

#include "libcpg_test.h"

/* ---- connection ---- */

static void test_initialize_without_daemon_is_library_error(void)
{
	cpg_handle_t h;

	setenv("RINGCAST_SOCKET", "/tmp/rc-no-such-daemon.sock", 1);
	CU_ASSERT_EQUAL(cpg_initialize(&h, &callbacks), CS_ERR_LIBRARY);
}

static void test_refused_connection_is_access_error(void)
{
	struct fake_opts o;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.refuse = true;
	start_with(&o);
	CU_ASSERT_EQUAL(cpg_initialize(&h, &callbacks), CS_ERR_ACCESS);
	stop();
}

/* A refusing daemon that closes with the hello unread resets the connection:
   the reset comes first, the welcome behind it. Still CS_ERR_ACCESS, every
   time (the close races the client's read, so try many times). */
static void test_refusal_after_reset_is_access_error(void)
{
	struct fake_opts o;
	cpg_handle_t h;
	int access = 0;

	fake_opts_default(&o);
	o.refuse_unread = true;
	start_with(&o);
	for (int i = 0; i < 50; i++)
		access += cpg_initialize(&h, &callbacks) == CS_ERR_ACCESS;
	CU_ASSERT_EQUAL(access, 50);
	stop();
}

static void test_bad_region_is_library_error(void)
{
	struct fake_opts o;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.bad_magic = true;
	start_with(&o);
	CU_ASSERT_EQUAL(cpg_initialize(&h, &callbacks), CS_ERR_LIBRARY);
	stop();
	o.bad_magic = false;
	o.short_file = true;	/* mapping past the file would SIGBUS */
	start_with(&o);
	CU_ASSERT_EQUAL(cpg_initialize(&h, &callbacks), CS_ERR_LIBRARY);
	stop();
}

/* The daemon cannot back the region once sealed (its pages were punched out
   before the seal and the pool is empty): initialize fails with its status. */
static void test_region_refused_at_the_seal(void)
{
	struct fake_opts o;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.refuse_sealed = true;
	start_with(&o);
	CU_ASSERT_EQUAL(cpg_initialize(&h, &callbacks), CS_ERR_NO_MEMORY);
	stop();
}

static void test_initialize_rejects_bad_parameters(void)
{
	cpg_model_v1_data_t v1 = { .model = CPG_MODEL_V1 };
	cpg_handle_t h;

	start();
	CU_ASSERT_EQUAL(cpg_initialize(NULL, &callbacks), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_model_initialize(&h, (cpg_model_t)2, (cpg_model_data_t *)&v1, NULL),
			CS_ERR_INVALID_PARAM);
	v1.flags = 0x80;
	CU_ASSERT_EQUAL(cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&v1, NULL),
			CS_ERR_INVALID_PARAM);
	v1.flags = 0;
	/* model_data->model is not read, as corosync: 9 (or 0) is fine */
	v1.model = (cpg_model_t)9;
	CU_ASSERT_EQUAL_FATAL(cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&v1,
						   NULL), CS_OK);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	CU_ASSERT_EQUAL(cpg_model_initialize(NULL, CPG_MODEL_V1, NULL, NULL), CS_ERR_INVALID_PARAM);
	/* no callbacks at all is fine, as in corosync */
	CU_ASSERT_EQUAL_FATAL(cpg_initialize(&h, NULL), CS_OK);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	stop();
}

static void test_local_get_and_max_msg_come_from_the_region(void)
{
	unsigned int node = 0;
	uint32_t max = 0;
	cpg_handle_t h;

	start();
	h = open_h();
	CU_ASSERT_EQUAL(cpg_local_get(h, &node), CS_OK);
	CU_ASSERT_EQUAL(node, fo.nodeid);
	CU_ASSERT_EQUAL(cpg_max_atomic_msgsize_get(h, &max), CS_OK);
	CU_ASSERT_EQUAL(max, fo.max_msg);
	cpg_finalize(h);
	stop();
}

static void test_context_is_kept_per_handle(void)
{
	cpg_model_v1_data_t v1 = { .model = CPG_MODEL_V1 };
	int a, b;
	void *ctx = NULL;
	cpg_handle_t h;

	start();
	CU_ASSERT_EQUAL_FATAL(cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&v1, &a),
			      CS_OK);
	CU_ASSERT_EQUAL(cpg_context_get(h, &ctx), CS_OK);
	CU_ASSERT_PTR_EQUAL(ctx, &a);
	CU_ASSERT_EQUAL(cpg_context_set(h, &b), CS_OK);
	CU_ASSERT_EQUAL(cpg_context_get(h, &ctx), CS_OK);
	CU_ASSERT_PTR_EQUAL(ctx, &b);
	cpg_finalize(h);
	stop();
}

static void test_null_out_parameters_are_invalid(void)
{
	struct cpg_name n = gname("g");
	struct cpg_address list[4];
	cpg_iteration_handle_t ih;
	int entries = 4;
	cpg_handle_t h;

	start();
	h = open_h();
	CU_ASSERT_EQUAL(cpg_fd_get(h, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_context_get(h, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_local_get(h, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_max_atomic_msgsize_get(h, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_flow_control_state_get(h, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_membership_get(h, &n, NULL, &entries), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_membership_get(h, &n, list, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_join(h, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_zcb_alloc(h, 10, NULL), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, NULL),
			CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, &ih), CS_OK);
	CU_ASSERT_EQUAL(cpg_iteration_next(ih, NULL), CS_ERR_INVALID_PARAM);
	cpg_iteration_finalize(ih);
	cpg_finalize(h);
	stop();
}

/* ---- handles ---- */

static void test_finalized_and_stale_handles_are_bad(void)
{
	struct cpg_name n = gname("g");
	struct cpg_address list[4];
	cpg_flow_control_state_t fc;
	cpg_iteration_handle_t ih;
	struct iovec iov = { "x", 1 };
	cpg_handle_t h, h2;
	unsigned int node;
	int fd, entries = 4;
	uint32_t max;
	void *p;

	start();
	h = open_h();
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_OK);
	CU_ASSERT_EQUAL(cpg_finalize(h), CS_ERR_BAD_HANDLE);
	h2 = open_h();		/* may reuse the slot: the generation differs */
	CU_ASSERT_NOT_EQUAL(h, h2);
	CU_ASSERT_EQUAL(cpg_fd_get(h, &fd), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_join(h, &n), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_leave(h, &n), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_membership_get(h, &n, list, &entries), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_context_get(h, &p), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_context_set(h, NULL), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_local_get(h, &node), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_max_atomic_msgsize_get(h, &max), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_flow_control_state_get(h, &fc), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_zcb_alloc(h, 8, &p), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, &ih),
			CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_fd_get(0, &fd), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_fd_get(0xdeadbeef12345678ull, &fd), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(cpg_fd_get(h2, &fd), CS_OK);
	CU_ASSERT_EQUAL(cpg_finalize(h2), CS_OK);
	stop();
}

static void test_finalize_tells_the_daemon_at_once(void)
{
	cpg_handle_t h;

	start();
	h = open_h();
	CU_ASSERT_EQUAL(fake_clients(fk), 1);
	cpg_finalize(h);
	for (int i = 0; i < 300 && fake_clients(fk) != 0; i++)
		usleep(1000);
	CU_ASSERT_EQUAL(fake_clients(fk), 0);
	stop();
}

/* ---- groups ---- */

static void test_join_delivers_confchg_and_membership(void)
{
	struct cpg_name n = gname("grp");
	struct cpg_address list[8];
	int entries = 8;
	cpg_handle_t a, b;

	start();
	a = open_h();
	b = open_h();
	join(a, "grp");
	CU_ASSERT_EQUAL(seen.n_member, 1);
	CU_ASSERT_EQUAL(seen.n_joined, 1);
	CU_ASSERT_EQUAL(seen.joined[0].reason, CPG_REASON_JOIN);
	CU_ASSERT_EQUAL(seen.joined[0].pid, (uint32_t)getpid());
	CU_ASSERT_EQUAL(seen.group.length, 3);
	join(b, "grp");
	CU_ASSERT_EQUAL(seen.n_member, 2);
	CU_ASSERT_EQUAL(cpg_membership_get(a, &n, list, &entries), CS_OK);
	CU_ASSERT_EQUAL(entries, 2);
	CU_ASSERT_EQUAL(list[0].nodeid, fo.nodeid);
	entries = 1;	/* only written, as corosync: the list holds CPG_MEMBERS_MAX */
	CU_ASSERT_EQUAL(cpg_membership_get(a, &n, list, &entries), CS_OK);
	CU_ASSERT_EQUAL(entries, 2);
	entries = -3;
	CU_ASSERT_EQUAL(cpg_membership_get(a, &n, list, &entries), CS_OK);
	CU_ASSERT_EQUAL(entries, 2);
	cpg_finalize(a);
	cpg_finalize(b);
	stop();
}

static void test_group_errors_match_corosync(void)
{
	struct cpg_name g = gname("g"), other = gname("other"), big = gname("g");
	struct cpg_address list[4];
	int entries = 4;
	cpg_handle_t h;

	big.length = CPG_MAX_NAME_LENGTH + 1;
	start();
	h = open_h();
	CU_ASSERT_EQUAL(cpg_join(h, &big), CS_ERR_NAME_TOO_LONG);
	CU_ASSERT_EQUAL(cpg_leave(h, &big), CS_ERR_NAME_TOO_LONG);
	CU_ASSERT_EQUAL(cpg_membership_get(h, &big, list, &entries), CS_ERR_NAME_TOO_LONG);
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_ERR_NOT_EXIST);
	CU_ASSERT_EQUAL(send_str(h, "x"), CS_ERR_NOT_EXIST);
	join(h, "g");
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_EXIST);
	CU_ASSERT_EQUAL(cpg_join(h, &other), CS_ERR_EXIST);
	CU_ASSERT_EQUAL(cpg_leave(h, &other), CS_ERR_NOT_EXIST);
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_OK);
	CU_ASSERT_EQUAL(send_str(h, "x"), CS_ERR_NOT_EXIST);
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_ERR_NOT_EXIST);
	cpg_finalize(h);
	stop();
}

static void test_rejoin_waits_for_the_leave_confchg(void)
{
	struct cpg_name g = gname("g");
	cpg_handle_t h;
	int want;

	start();
	h = open_h();
	join(h, "g");
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_OK);
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_TRY_AGAIN);
	want = seen.confchgs + 1;
	CU_ASSERT(dispatch_until(h, &seen.confchgs, want));
	CU_ASSERT_EQUAL(seen.n_left, 1);
	CU_ASSERT_EQUAL(seen.left[0].reason, CPG_REASON_LEAVE);
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_OK);
	CU_ASSERT_EQUAL(send_str(h, "again"), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	cpg_finalize(h);
	stop();
}

struct join_args {
	cpg_handle_t h;
	struct cpg_name g;
	cs_error_t ret;
};

static void *join_thread(void *arg)
{
	struct join_args *a = arg;

	a->ret = cpg_join(a->h, &a->g);
	return NULL;
}

/*
 * A record names no group: a message is its group's by the confchg before
 * it. The join's confchg and the messages after it can be dispatched (by
 * another thread) before cpg_join has read its answer: they came with an
 * empty group name (the one the handle knew until then).
 */
static void test_messages_after_a_join_name_its_group_before_the_answer(void)
{
	struct join_args a;
	cpg_handle_t h1, h2;
	pthread_t t;

	start();
	h1 = open_h();
	join(h1, "named");
	h2 = open_h();
	fake_set_hold_join(fk, true);
	a.h = h2;
	a.g = gname("named");
	a.ret = CS_ERR_LIBRARY;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, join_thread, &a) == 0);
	/* h2's join confchg, then h1's message: h2 is in the group */
	CU_ASSERT(dispatch_until(h2, &seen.confchgs, 2));
	CU_ASSERT_EQUAL(send_str(h1, "first"), CS_OK);
	CU_ASSERT(dispatch_until(h2, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, 5);
	CU_ASSERT_EQUAL(seen.group.length, 5);
	CU_ASSERT_EQUAL(memcmp(seen.group.value, "named", 5), 0);
	fake_set_hold_join(fk, false);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(a.ret, CS_OK);
	CU_ASSERT_EQUAL(send_str(h2, "second"), CS_OK);
	CU_ASSERT(dispatch_until(h2, &seen.msgs, 2));
	CU_ASSERT_EQUAL(seen.group.length, 5);
	cpg_finalize(h2);
	cpg_finalize(h1);
	stop();
}

/*
 * A join the daemon applies after the request timed out (a ring that took
 * long to form): the handle was in the group, got its messages, and could
 * neither send (NOT_EXIST) nor leave (NOT_EXIST); a second cpg_join said
 * CS_ERR_EXIST. The next join or leave now learns what became of it.
 */
static void test_a_join_applied_after_its_timeout_is_joined_at_the_next_call(void)
{
	struct cpg_name g = gname("late");
	cpg_handle_t h;

	start();
	setenv("RINGCAST_TIMEOUT_MS", "200", 1);
	h = open_h();
	fake_set_hold_join(fk, true);
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_TIMEOUT);
	fake_set_hold_join(fk, false);	/* applied; the late answer is ignored */
	CU_ASSERT(fake_sync(fk));
	CU_ASSERT_EQUAL(send_str(h, "early"), CS_ERR_NOT_EXIST);
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_OK);
	CU_ASSERT_EQUAL(send_str(h, "now"), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.group.length, 4);
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_OK);
	cpg_finalize(h);

	stop();

	/* a join that timed out and was never applied, while another handle
	   of this process is in the group: the daemon's EXIST is about that
	   one, and this handle is not joined (no CS_OK) */
	{
		struct fake_opts o;
		cpg_handle_t other;

		fake_opts_default(&o);
		o.one_join_per_pid = true;
		start_with(&o);
		setenv("RINGCAST_TIMEOUT_MS", "200", 1);
		other = open_h();

		join(other, "late");
		h = open_h();
		fake_set_answering(fk, false);
		CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_TIMEOUT);
		fake_set_answering(fk, true);
		CU_ASSERT(fake_sync(fk));
		CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_EXIST);
		CU_ASSERT_EQUAL(send_str(h, "no"), CS_ERR_NOT_EXIST);
		cpg_finalize(h);
		cpg_finalize(other);
		stop();
	}

	/* the same, left at once instead */
	start();
	setenv("RINGCAST_TIMEOUT_MS", "200", 1);
	h = open_h();
	fake_set_hold_join(fk, true);
	CU_ASSERT_EQUAL(cpg_join(h, &g), CS_ERR_TIMEOUT);
	fake_set_hold_join(fk, false);
	CU_ASSERT(fake_sync(fk));
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_OK);
	CU_ASSERT_EQUAL(cpg_leave(h, &g), CS_ERR_NOT_EXIST);
	cpg_finalize(h);
	stop();
}

/* ---- messages and dispatch ---- */

/* corosync's library passes any guarantee on; its daemon delivers it */
static void test_mcast_takes_any_guarantee_as_corosync(void)
{
	struct iovec iov = { "odd", 3 };
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "anyg");
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, (cpg_guarantee_t)9, &iov, 1), CS_OK);
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, (cpg_guarantee_t)-1, &iov, 1), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 2));
	CU_ASSERT_EQUAL(seen.len, 3);
	CU_ASSERT_EQUAL(fake_bad(fk), 0);
	cpg_finalize(h);
	stop();
}

static void test_mcast_is_echoed_with_sender_and_group(void)
{
	struct iovec iov[3] = { { "hel", 3 }, { NULL, 0 }, { "lo", 2 } };
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "echo");
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_SAFE, iov, 3), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.len, 5);
	CU_ASSERT_EQUAL(memcmp(seen.payload, "hello", 5), 0);
	CU_ASSERT_EQUAL(seen.nodeid, fo.nodeid);
	CU_ASSERT_EQUAL(seen.pid, (uint32_t)getpid());
	CU_ASSERT_EQUAL(seen.group.length, 4);
	CU_ASSERT_EQUAL(memcmp(seen.group.value, "echo", 4), 0);
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, NULL, 0), CS_OK);	/* empty message */
	CU_ASSERT(dispatch_until(h, &seen.msgs, 2));
	CU_ASSERT_EQUAL(seen.len, 0);
	CU_ASSERT_EQUAL(fake_bad(fk), 0);
	cpg_finalize(h);
	stop();
}

/* The rx record's flags reach the deliver callback, and only it. */
static void test_delivery_flags_say_safe_and_transitional(void)
{
	struct iovec iov = { "m", 1 };
	struct fake_opts o;
	uint32_t flags = 99;
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "flags");
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.flags_err, CS_OK);
	CU_ASSERT_EQUAL(seen.flags, 0);
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_SAFE, &iov, 1), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 2));
	CU_ASSERT_EQUAL(seen.flags_err, CS_OK);
	CU_ASSERT_EQUAL(seen.flags, RINGCAST_DELIVERY_SAFE);
	/* outside a deliver callback: no delivery to describe */
	CU_ASSERT_EQUAL(ringcast_cpg_delivery_flags(h, &flags), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(flags, 99);
	CU_ASSERT_EQUAL(ringcast_cpg_delivery_flags(h, NULL), CS_ERR_INVALID_PARAM);
	cpg_finalize(h);
	stop();

	fake_opts_default(&o);
	o.rx_flags = RC_SHM_RX_F_TRANSITIONAL;
	start_with(&o);
	h = open_h();
	join(h, "flags");
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_SAFE, &iov, 1), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 1));
	CU_ASSERT_EQUAL(seen.flags_err, CS_OK);
	CU_ASSERT_EQUAL(seen.flags, RINGCAST_DELIVERY_SAFE | RINGCAST_DELIVERY_TRANSITIONAL);
	cpg_finalize(h);
	stop();
}

static void test_mcast_rejects_bad_iovec_and_size(void)
{
	static char big[64 * 1024 + 1];
	struct iovec iov = { big, sizeof(big) };
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "g");
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, NULL, 1), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_ERR_TOO_BIG);
	iov.iov_len = fo.max_msg;
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_OK);
	cpg_finalize(h);
	stop();
}

static void test_dispatch_modes_on_an_empty_ring(void)
{
	cpg_handle_t h;

	start();
	h = open_h();
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(cpg_dispatch(h, (cs_dispatch_flags_t)0), CS_ERR_INVALID_PARAM);
	CU_ASSERT_EQUAL(cpg_dispatch(h, (cs_dispatch_flags_t)5), CS_ERR_INVALID_PARAM);
	CU_ASSERT_FALSE(readable(h, 0));
	cpg_finalize(h);
	stop();
}

static void test_fd_becomes_readable_when_a_message_arrives(void)
{
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "g");
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CU_ASSERT_FALSE(readable(h, 0));
	CU_ASSERT_EQUAL(send_str(h, "ping"), CS_OK);
	CU_ASSERT(readable(h, 3000));
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE), CS_OK);
	CU_ASSERT_EQUAL(seen.msgs, 1);
	CU_ASSERT_FALSE(readable(h, 0));
	cpg_finalize(h);
	stop();
}

static void test_dispatch_one_leaves_fd_readable_while_more_pending(void)
{
	cpg_handle_t h;

	start();
	h = open_h();
	join(h, "g");
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(send_str(h, "m"), CS_OK);
	CU_ASSERT(wait_echoed(3));
	for (int i = 1; i <= 3; i++) {
		CU_ASSERT(readable(h, 1000));
		CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE), CS_OK);
		CU_ASSERT_EQUAL(seen.msgs, i);
	}
	CU_ASSERT_FALSE(readable(h, 0));
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(send_str(h, "m"), CS_OK);
	CU_ASSERT(wait_echoed(4));
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_OK);
	CU_ASSERT_EQUAL(seen.msgs, 4);
	CU_ASSERT_FALSE(readable(h, 0));
	cpg_finalize(h);
	stop();
}

static cs_error_t send_u64(cpg_handle_t h, uint64_t v)
{
	struct iovec iov = { &v, sizeof(v) };
	cs_error_t e;

	while ((e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN)
		sched_yield();
	return e;
}

static void test_dispatch_all_delivers_a_burst_of_10000(void)
{
	struct fake_opts o;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.rx_entries = 16384;
	start_with(&o);
	h = open_h();
	join(h, "burst");
	for (uint64_t i = 0; i < 10000; i++)
		if (send_u64(h, i) != CS_OK)
			break;
	CU_ASSERT(wait_echoed(10000));
	CU_ASSERT(readable(h, 1000));
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CU_ASSERT_EQUAL(seen.msgs, 10000);
	CU_ASSERT_EQUAL(seen.out_of_order, 0);
	CU_ASSERT_FALSE(readable(h, 0));
	cpg_finalize(h);
	stop();
}

static void test_records_that_wrap_the_rx_area_arrive_whole(void)
{
	struct fake_opts o;
	uint8_t buf[200];
	struct iovec iov = { buf, 0 };
	cpg_handle_t h;
	int bad = 0;

	fake_opts_default(&o);
	o.rxa_size = 1008;	/* not a power of two: records land everywhere */
	o.wrap_records = true;
	start_with(&o);
	h = open_h();
	join(h, "wrap");
	for (int i = 0; i < 60; i++) {
		iov.iov_len = 17 + (size_t)(i * 37) % 180;
		memset(buf, i, iov.iov_len);
		CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_OK);
		CU_ASSERT(dispatch_until(h, &seen.msgs, i + 1));
		if (seen.len != iov.iov_len || memcmp(seen.payload, buf, iov.iov_len) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	cpg_finalize(h);
	stop();
}

/* For test_a_run_with_a_wrapped_record_arrives_whole. */
static struct {
	int n, bad;
	uint8_t next;
} wrap_run;

static void wrap_run_cb(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid,
			uint32_t pid, void *msg, size_t len)
{
	const uint8_t *p = msg;

	(void)h, (void)g, (void)nodeid, (void)pid;
	wrap_run.n++;
	for (size_t i = 0; i < len; i++)
		wrap_run.bad += p[i] != wrap_run.next;
	wrap_run.bad += len != 150u + wrap_run.next % 7;
	wrap_run.next++;
}

/* Several records pending at once, the area's end inside one of them,
   dispatched in one call (records claimed in runs, lib/dispatch.c): every
   one arrives whole and in order, wherever the wrap falls. */
static void test_a_run_with_a_wrapped_record_arrives_whole(void)
{
	cpg_callbacks_t cb = { wrap_run_cb, confchg_cb };
	struct fake_opts o;
	uint8_t buf[200];
	struct iovec iov = { buf, 0 };
	cpg_handle_t h;

	fake_opts_default(&o);
	o.rxa_size = 1008;
	o.wrap_records = true;
	start_with(&o);
	memset(&wrap_run, 0, sizeof(wrap_run));
	CU_ASSERT_EQUAL_FATAL(cpg_initialize(&h, &cb), CS_OK);
	join(h, "wrap-run");
	for (int round = 0; round < 40; round++) {
		int before = wrap_run.n;

		for (int i = 0; i < 4; i++) {	/* 4 x 166..172 bytes: all fit at once */
			uint8_t v = (uint8_t)(wrap_run.next + i);

			iov.iov_len = 150u + v % 7;
			memset(buf, v, iov.iov_len);
			CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_OK);
		}
		CU_ASSERT(wait_echoed(4 * (uint64_t)(round + 1)));
		CU_ASSERT(dispatch_until(h, &wrap_run.n, before + 4));
	}
	CU_ASSERT_EQUAL(wrap_run.n, 160);
	CU_ASSERT_EQUAL(wrap_run.bad, 0);
	cpg_finalize(h);
	stop();
}

static void test_big_messages_round_trip(void)
{
	struct fake_opts o;
	size_t n = 16u << 20;
	uint8_t *buf = malloc(n + 1);
	struct iovec iov = { buf, n + 1 };
	uint32_t max;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.max_msg = (uint32_t)n;
	o.arena_size = 34u << 20;
	o.rxa_size = 34u << 20;
	start_with(&o);
	h = open_h();
	join(h, "big");
	CU_ASSERT_EQUAL(cpg_max_atomic_msgsize_get(h, &max), CS_OK);
	CU_ASSERT_EQUAL(max, n);
	CU_ASSERT_EQUAL(cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CS_ERR_TOO_BIG);
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 13));
	iov.iov_len = n;
	seen.expect = buf;
	for (int k = 0; k < 3; k++)	/* three: the arena and the rx area must recycle */
		CU_ASSERT_EQUAL(send_retry(h, &iov, 1), CS_OK);
	CU_ASSERT(dispatch_until(h, &seen.msgs, 3));
	CU_ASSERT_EQUAL(seen.len, n);
	CU_ASSERT_EQUAL(seen.mismatches, 0);
	free(buf);
	cpg_finalize(h);
	stop();
}

static void test_totem_confchg_at_attach_only_with_the_flag(void)
{
	cpg_model_v1_data_t v1 = { .model = CPG_MODEL_V1, .cpg_deliver_fn = deliver_cb,
				   .cpg_confchg_fn = confchg_cb, .cpg_totem_confchg_fn = totem_cb };
	struct fake_opts o;
	cpg_handle_t h;

	fake_opts_default(&o);
	o.totem_at_attach = true;
	start_with(&o);
	v1.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF;
	CU_ASSERT_EQUAL_FATAL(cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&v1, NULL),
			      CS_OK);
	/* the record came before initialize returned: the fd is readable, at
	   the daemon's next pass (the library asks it for the byte: KICK) */
	CU_ASSERT(readable(h, 1000));
	CU_ASSERT(dispatch_until(h, &seen.totems, 1));
	CU_ASSERT_EQUAL(seen.ring.nodeid, fo.nodeid);
	CU_ASSERT_EQUAL(seen.ring.seq, 0x10);
	CU_ASSERT_EQUAL(seen.ring_members, 2);
	cpg_finalize(h);

	seen.totems = 0;
	v1.flags = 0;
	CU_ASSERT_EQUAL_FATAL(cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&v1, NULL),
			      CS_OK);
	/* the dropped record is not "one dispatched" */
	CU_ASSERT_EQUAL(cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(seen.totems, 0);
	CU_ASSERT_FALSE(readable(h, 0));
	fake_send_totem(fk, 3, 0x20);
	CU_ASSERT(dispatch_until(h, &seen.totems, 1));
	CU_ASSERT_EQUAL(seen.ring.nodeid, 3);
	CU_ASSERT_EQUAL(seen.ring.seq, 0x20);
	cpg_finalize(h);
	stop();
}

static const struct unit_test tests[] = {
	T(test_initialize_without_daemon_is_library_error),
	T(test_refused_connection_is_access_error),
	T(test_refusal_after_reset_is_access_error),
	T(test_bad_region_is_library_error),
	T(test_region_refused_at_the_seal),
	T(test_initialize_rejects_bad_parameters),
	T(test_local_get_and_max_msg_come_from_the_region),
	T(test_context_is_kept_per_handle),
	T(test_null_out_parameters_are_invalid),
	T(test_finalized_and_stale_handles_are_bad),
	T(test_finalize_tells_the_daemon_at_once),
	T(test_join_delivers_confchg_and_membership),
	T(test_group_errors_match_corosync),
	T(test_rejoin_waits_for_the_leave_confchg),
	T(test_messages_after_a_join_name_its_group_before_the_answer),
	T(test_a_join_applied_after_its_timeout_is_joined_at_the_next_call),
	T(test_mcast_is_echoed_with_sender_and_group),
	T(test_mcast_takes_any_guarantee_as_corosync),
	T(test_delivery_flags_say_safe_and_transitional),
	T(test_mcast_rejects_bad_iovec_and_size),
	T(test_dispatch_modes_on_an_empty_ring),
	T(test_fd_becomes_readable_when_a_message_arrives),
	T(test_dispatch_one_leaves_fd_readable_while_more_pending),
	T(test_dispatch_all_delivers_a_burst_of_10000),
	T(test_records_that_wrap_the_rx_area_arrive_whole),
	T(test_a_run_with_a_wrapped_record_arrives_whole),
	T(test_big_messages_round_trip),
	T(test_totem_confchg_at_attach_only_with_the_flag),
};

UNIT_TEST_MAIN("libcpg", tests)
