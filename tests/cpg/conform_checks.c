/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_conform's checks on one process: parameters and error codes, a handle's
 * life in one group (join, the four guarantees, gathered and zero-copy sends,
 * the fd, the dispatch flags, callbacks that call back in, iteration, a big
 * message, leave and re-join) and what is left of a handle after finalize.
 * Where ringcast and corosync differ on purpose, `differ` says what each does.
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpgt.h"
#include "conform.h"

/*
 * The deliberate differences (docs/compatibility.md), with what corosync
 * 3.1.7 was observed to do (tests/cpg/README.md).
 */
struct differ {
	cs_error_t mcast_unjoined;	/* cpg_mcast_joined, never joined */
	cs_error_t mcast_after_leave;	/* cpg_mcast_joined after a completed leave */
	cs_error_t rejoin;		/* cpg_join after a completed leave */
	cs_error_t big;			/* cpg_mcast_joined of --big-size bytes */
};

static const struct differ ringcast_differ = {
	.mcast_unjoined = CS_ERR_NOT_EXIST,
	.mcast_after_leave = CS_ERR_NOT_EXIST,
	.rejoin = CS_OK,
	.big = CS_OK,
};

static const struct differ corosync_differ = {
	.mcast_unjoined = CS_OK,	/* no reply is read: dropped silently */
	.mcast_after_leave = CS_OK,	/* likewise */
	.rejoin = CS_ERR_EXIST,		/* even seconds later: a handle joins once */
	.big = CS_OK,			/* libcpg sends it in 1 MiB fragments */
};

static const struct differ *differ(void)
{
	return opt.corosync ? &corosync_differ : &ringcast_differ;
}

#define NULL_CRASHES	"corosync's libcpg dereferences the NULL pointer"

/* A check corosync's library cannot take (it would crash): skipped there. */
#define EXPECT_RC(call, want, ...)					\
	do {								\
		if (opt.corosync)					\
			skip(NULL_CRASHES, __VA_ARGS__);		\
		else							\
			expect((call), (want), __VA_ARGS__);		\
	} while (0)

static struct hstate st0, st1, stx;

/* ---- no daemon ----------------------------------------------------------- */

void conform_no_daemon(void)
{
	cpg_model_v1_data_t m = { .model = CPG_MODEL_V1 };
	cpg_callbacks_t cb = { NULL, NULL };
	cpg_handle_t h;
	cs_error_t err;

	conform_step = "no daemon";
	err = cpg_initialize(&h, &cb);
	expect(err, CS_ERR_LIBRARY, "no daemon: cpg_initialize");
	if (err == CS_OK)
		cpg_finalize(h);
	err = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&m, NULL);
	expect(err, CS_ERR_LIBRARY, "no daemon: cpg_model_initialize");
	if (err == CS_OK)
		cpg_finalize(h);
}

void conform_no_daemon_reexec(void)
{
	char *argv[] = { "cpg_conform", "--no-daemon", "--sub", NULL };
	char sock[128];
	int status;
	pid_t pid;

	if (opt.corosync) {
		skip("corosync ignores RINGCAST_SOCKET: run cpg_conform --corosync --no-daemon "
		     "where no corosync runs",
		     "no daemon: cpg_initialize returns CS_ERR_LIBRARY");
		return;
	}
	conform_step = "no daemon (child)";
	snprintf(sock, sizeof(sock), "/nonexistent-rcconform-%ld/ringcastd.sock",
		 (long)getpid());
	pid = spawn_self(argv, sock);
	status = pid < 0 ? -1 : wait_child(pid, opt.timeout_ms);
	check(status == 0,
	      "no daemon (RINGCAST_SOCKET=%s): cpg_initialize and cpg_model_initialize "
	      "return CS_ERR_LIBRARY", sock);
}

/* ---- parameters, on handles that never join ------------------------------ */

static void check_name_too_long(cpg_handle_t h)
{
	struct cpg_address memb[CPG_MEMBERS_MAX];
	cpg_iteration_handle_t it;
	struct cpg_name g;
	int n = CPG_MEMBERS_MAX;

	memset(&g, 'x', sizeof(g));
	g.length = CPG_MAX_NAME_LENGTH + 1;
	expect(cpg_join(h, &g), CS_ERR_NAME_TOO_LONG, "cpg_join of a 129-byte name");
	expect(cpg_leave(h, &g), CS_ERR_NAME_TOO_LONG, "cpg_leave of a 129-byte name");
	expect(cpg_membership_get(h, &g, memb, &n), CS_ERR_NAME_TOO_LONG,
	       "cpg_membership_get of a 129-byte name");
	expect(cpg_iteration_initialize(h, CPG_ITERATION_ONE_GROUP, &g, &it),
	       CS_ERR_NAME_TOO_LONG, "cpg_iteration_initialize(ONE_GROUP) of a 129-byte name");
}

static void check_iteration_params(cpg_handle_t h)
{
	struct cpg_iteration_description_t d;
	cpg_iteration_handle_t it;
	struct cpg_name g;

	group_name(&g, "params");
	expect(cpg_iteration_initialize(h, (cpg_iteration_type_t)0, NULL, &it),
	       CS_ERR_INVALID_PARAM, "cpg_iteration_initialize with type 0");
	expect(cpg_iteration_initialize(h, (cpg_iteration_type_t)4, NULL, &it),
	       CS_ERR_INVALID_PARAM, "cpg_iteration_initialize with type 4");
	expect(cpg_iteration_initialize(h, CPG_ITERATION_ONE_GROUP, NULL, &it),
	       CS_ERR_INVALID_PARAM, "cpg_iteration_initialize(ONE_GROUP) without a group");
	expect(cpg_iteration_initialize(h, CPG_ITERATION_ALL, &g, &it),
	       CS_ERR_INVALID_PARAM, "cpg_iteration_initialize(ALL) with a group");
	expect(cpg_iteration_initialize(h, CPG_ITERATION_NAME_ONLY, &g, &it),
	       CS_ERR_INVALID_PARAM, "cpg_iteration_initialize(NAME_ONLY) with a group");
	expect(cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, NULL),
	       CS_ERR_INVALID_PARAM, "cpg_iteration_initialize with a NULL handle pointer");

	if (!expect(cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, &it), CS_OK,
		    "cpg_iteration_initialize(ALL)"))
		return;
	expect(cpg_iteration_next(it, NULL), CS_ERR_INVALID_PARAM,
	       "cpg_iteration_next with a NULL description");
	expect(cpg_iteration_finalize(it), CS_OK, "cpg_iteration_finalize");
	expect(cpg_iteration_next(it, &d), CS_ERR_BAD_HANDLE,
	       "cpg_iteration_next on a finalized (stale) iteration handle");
	expect(cpg_iteration_finalize(it), CS_ERR_BAD_HANDLE,
	       "cpg_iteration_finalize twice");
}

static void check_null_out_params(struct hstate *st)
{
	cpg_model_v1_data_t m = { .model = CPG_MODEL_V1 };
	struct cpg_address memb[CPG_MEMBERS_MAX];
	cpg_callbacks_t cb = { NULL, NULL };
	struct cpg_name g;
	int n = CPG_MEMBERS_MAX;

	group_name(&g, "params");
	EXPECT_RC(cpg_initialize(NULL, &cb), CS_ERR_INVALID_PARAM,
		  "cpg_initialize with a NULL handle pointer");
	EXPECT_RC(cpg_model_initialize(NULL, CPG_MODEL_V1, (cpg_model_data_t *)&m, NULL),
		  CS_ERR_INVALID_PARAM, "cpg_model_initialize with a NULL handle pointer");
	EXPECT_RC(cpg_fd_get(st->h, NULL), CS_ERR_INVALID_PARAM, "cpg_fd_get(NULL)");
	EXPECT_RC(cpg_context_get(st->h, NULL), CS_ERR_INVALID_PARAM, "cpg_context_get(NULL)");
	EXPECT_RC(cpg_local_get(st->h, NULL), CS_ERR_INVALID_PARAM, "cpg_local_get(NULL)");
	EXPECT_RC(cpg_max_atomic_msgsize_get(st->h, NULL), CS_ERR_INVALID_PARAM,
		  "cpg_max_atomic_msgsize_get(NULL)");
	EXPECT_RC(cpg_flow_control_state_get(st->h, NULL), CS_ERR_INVALID_PARAM,
		  "cpg_flow_control_state_get(NULL)");
	EXPECT_RC(cpg_zcb_alloc(st->h, 100, NULL), CS_ERR_INVALID_PARAM,
		  "cpg_zcb_alloc with a NULL buffer pointer");
	expect(cpg_membership_get(st->h, &g, NULL, &n), CS_ERR_INVALID_PARAM,
	       "cpg_membership_get with a NULL member list");
	expect(cpg_membership_get(st->h, &g, memb, NULL), CS_ERR_INVALID_PARAM,
	       "cpg_membership_get with a NULL entry count");
}

static void check_initialize_variants(void)
{
	cpg_model_v1_data_t m = { .model = CPG_MODEL_V1 };
	cpg_handle_t h;
	cs_error_t err;

	err = cpg_model_initialize(&h, (cpg_model_t)0, (cpg_model_data_t *)&m, NULL);
	expect(err, CS_ERR_INVALID_PARAM, "cpg_model_initialize with model 0");
	if (err == CS_OK)
		cpg_finalize(h);
	err = cpg_model_initialize(&h, (cpg_model_t)2, (cpg_model_data_t *)&m, NULL);
	expect(err, CS_ERR_INVALID_PARAM, "cpg_model_initialize with model 2");
	if (err == CS_OK)
		cpg_finalize(h);
	m.flags = 0x100;
	err = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&m, NULL);
	expect(err, CS_ERR_INVALID_PARAM, "cpg_model_initialize with unknown V1 flags 0x100");
	if (err == CS_OK)
		cpg_finalize(h);

	err = cpg_model_initialize(&h, CPG_MODEL_V1, NULL, NULL);
	if (expect(err, CS_OK, "cpg_model_initialize with NULL model data"))
		expect(cpg_finalize(h), CS_OK, "cpg_finalize of that handle");
	err = cpg_initialize(&h, NULL);
	if (expect(err, CS_OK, "cpg_initialize with NULL callbacks"))
		expect(cpg_finalize(h), CS_OK, "cpg_finalize of that handle");
}

void conform_params(void)
{
	struct pollfd pfd;
	cpg_flow_control_state_t fc = (cpg_flow_control_state_t)-1;
	unsigned int local = 0;
	uint32_t atomic = 0;
	void *ctx = NULL, *buf = NULL;
	struct cpg_name g;
	struct iovec iov;
	char msg[100];
	cs_error_t err;
	int fd = -1;

	conform_step = "initialize variants";
	check_initialize_variants();

	conform_step = "unjoined handle";
	if (!expect(open_plain(&st0, "h0"), CS_OK, "cpg_initialize"))
		return;
	expect(cpg_context_get(st0.h, &ctx), CS_OK, "cpg_context_get");
	check(ctx == &st0, "cpg_context_get returns what cpg_context_set stored");
	expect(cpg_context_set(st0.h, (void *)msg), CS_OK, "cpg_context_set");
	(void)cpg_context_get(st0.h, &ctx);
	check(ctx == (void *)msg, "cpg_context_get returns the new context");
	(void)cpg_context_set(st0.h, &st0);

	expect(cpg_fd_get(st0.h, &fd), CS_OK, "cpg_fd_get");
	check(fd >= 0 && fcntl(fd, F_GETFD) != -1, "cpg_fd_get gives an open descriptor (%d)", fd);
	expect(cpg_local_get(st0.h, &local), CS_OK, "cpg_local_get");
	check(local != 0, "cpg_local_get: nodeid %u is not 0", local);
	expect(cpg_max_atomic_msgsize_get(st0.h, &atomic), CS_OK, "cpg_max_atomic_msgsize_get");
	check(atomic > 0, "cpg_max_atomic_msgsize_get: %u bytes", atomic);
	expect(cpg_flow_control_state_get(st0.h, &fc), CS_OK, "cpg_flow_control_state_get");
	check(fc == CPG_FLOW_CONTROL_DISABLED || fc == CPG_FLOW_CONTROL_ENABLED,
	      "cpg_flow_control_state_get: %d is DISABLED or ENABLED", (int)fc);

	conform_step = "dispatch with nothing pending";
	expect(cpg_dispatch(st0.h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN,
	       "cpg_dispatch(ONE_NONBLOCKING) with nothing pending");
	expect(cpg_dispatch(st0.h, CS_DISPATCH_ALL), CS_OK,
	       "cpg_dispatch(ALL) with nothing pending");
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	check(poll(&pfd, 1, 0) == 0, "the fd is not readable with nothing pending");
	if (opt.corosync) {
		skip("corosync's cpg_dispatch blocks on an unknown flag",
		     "cpg_dispatch with flag 0");
		skip("corosync's cpg_dispatch blocks on an unknown flag",
		     "cpg_dispatch with flag 5");
	} else {
		expect(cpg_dispatch(st0.h, (cs_dispatch_flags_t)0), CS_ERR_INVALID_PARAM,
		       "cpg_dispatch with flag 0");
		expect(cpg_dispatch(st0.h, (cs_dispatch_flags_t)5), CS_ERR_INVALID_PARAM,
		       "cpg_dispatch with flag 5");
	}

	conform_step = "NULL out-parameters";
	check_null_out_params(&st0);
	conform_step = "names too long";
	check_name_too_long(st0.h);
	conform_step = "iteration parameters";
	check_iteration_params(st0.h);

	conform_step = "not joined";
	group_name(&g, "nojoin");
	expect(cpg_leave(st0.h, &g), CS_ERR_NOT_EXIST, "cpg_leave of a group never joined");
	fill_payload(msg, sizeof(msg), new_tag());
	iov.iov_base = msg;
	iov.iov_len = sizeof(msg);
	expect(cpg_mcast_joined(st0.h, CPG_TYPE_AGREED, &iov, 1), differ()->mcast_unjoined,
	       "cpg_mcast_joined on a handle that never joined");
	if (expect(cpg_zcb_alloc(st0.h, sizeof(msg), &buf), CS_OK, "cpg_zcb_alloc (unjoined)")) {
		fill_payload(buf, sizeof(msg), new_tag());
		expect(cpg_zcb_mcast_joined(st0.h, CPG_TYPE_AGREED, buf, sizeof(msg)),
		       CS_ERR_NOT_EXIST, "cpg_zcb_mcast_joined on a handle that never joined");
		expect(cpg_zcb_free(st0.h, buf), CS_OK, "cpg_zcb_free (unjoined)");
	}
	/* Nothing of the above may have come back. */
	(void)cpg_dispatch(st0.h, CS_DISPATCH_ALL);
	check(st0.n_msg == 0 && st0.n_conf == 0,
	      "an unjoined handle gets no callbacks (%u messages, %u confchgs)",
	      st0.n_msg, st0.n_conf);

	conform_step = "128-byte name";
	if (expect(open_plain(&stx, "hx"), CS_OK, "cpg_initialize (second handle)")) {
		memset(&g, 'n', sizeof(g));
		g.length = CPG_MAX_NAME_LENGTH;
		snprintf(g.value, 20, "rcconf-%ld", (long)getpid());
		g.value[strlen(g.value)] = '-';
		err = cpg_join(stx.h, &g);
		expect(err, CS_OK, "cpg_join of a 128-byte name");
		if (err == CS_OK) {
			struct confq q = { .from = 0, .group = &g, .nodeid = local,
					   .pid = (uint32_t)getpid() };
			check(wait_conf(&stx, &q, opt.timeout_ms) != NULL,
			      "own confchg for the 128-byte name, name intact");
		}
		expect(cpg_finalize(stx.h), CS_OK, "cpg_finalize (second handle)");
	}
	expect(cpg_finalize(st0.h), CS_OK, "cpg_finalize (unjoined handle)");
}

/* ---- one handle's life in a group ---------------------------------------- */

static int has_totem(const struct hstate *st, const void *arg)
{
	(void)arg;
	return st->n_totem > 0;
}

static const struct msg_ev *send_and_wait(struct hstate *st, cpg_guarantee_t g,
					  size_t len, const char *what)
{
	unsigned int from = st->n_msg;
	uint32_t tag = new_tag();
	struct msgq q = { .from = from, .tag = tag };

	if (!expect(send_tagged(st, g, tag, len), CS_OK, "cpg_mcast_joined (%s)", what))
		return NULL;
	wait_msg(st, from, tag, 0, opt.timeout_ms);
	return find_msg(st, &q);
}

static void check_own_delivery(const struct msg_ev *m, const struct cpg_name *g,
			       unsigned int local, size_t len, const char *what)
{
	if (m == NULL) {
		check(0, "%s: delivered to the sender (it never came)", what);
		return;
	}
	check(m->nodeid == local && m->pid == (uint32_t)getpid() && m->len == len &&
	      m->bytes_ok && cpgt_name_eq(&m->group, g),
	      "%s: delivered to the sender (nodeid %u pid %u, %zu bytes, bytes %s, group %s)",
	      what, m->nodeid, m->pid, m->len, m->bytes_ok ? "intact" : "WRONG",
	      cpgt_name_eq(&m->group, g) ? "right" : "WRONG");
}

static void check_guarantees(struct hstate *st, const struct cpg_name *g, unsigned int local)
{
	static const cpg_guarantee_t gs[] = {
		CPG_TYPE_UNORDERED, CPG_TYPE_FIFO, CPG_TYPE_AGREED, CPG_TYPE_SAFE,
	};
	unsigned int from = st->n_msg, i, n;
	uint32_t tags[4];
	int in_order = 1;

	check_own_delivery(send_and_wait(st, CPG_TYPE_AGREED, 1000, "AGREED"), g, local,
			   1000, "CPG_TYPE_AGREED");
	check_own_delivery(send_and_wait(st, CPG_TYPE_SAFE, 1000, "SAFE"), g, local,
			   1000, "CPG_TYPE_SAFE");

	from = st->n_msg;
	for (i = 0; i < 4; i++) {
		tags[i] = new_tag();
		expect(send_tagged(st, gs[i], tags[i], 200 + i), CS_OK,
		       "cpg_mcast_joined with guarantee %d", (int)gs[i]);
	}
	wait_msg(st, from, tags[3], 0, opt.timeout_ms);
	for (i = 0, n = from; i < 4; i++) {
		while (n < st->n_msg && n < MAX_EV && st->msg[n].tag != tags[i])
			n++;
		if (n >= st->n_msg || n >= MAX_EV || !st->msg[n].bytes_ok)
			in_order = 0;
	}
	check(in_order, "UNORDERED, FIFO, AGREED, SAFE sent in a row arrive intact, in order");
}

static void check_gather_and_empty(struct hstate *st, const struct cpg_name *g,
				   unsigned int local)
{
	char buf[1000];
	struct iovec iov[3];
	unsigned int from, i;
	uint32_t tag = new_tag(), marker;
	struct msgq q = { .tag = tag };
	int empty = 0;

	fill_payload(buf, sizeof(buf), tag);
	iov[0].iov_base = buf;
	iov[0].iov_len = 300;
	iov[1].iov_base = buf + 300;
	iov[1].iov_len = 0;
	iov[2].iov_base = buf + 300;
	iov[2].iov_len = 700;
	q.from = st->n_msg;
	expect(mcast_retry(st, CPG_TYPE_AGREED, iov, 3), CS_OK,
	       "cpg_mcast_joined of 3 iovecs (300 + 0 + 700 bytes)");
	wait_msg(st, q.from, tag, 0, opt.timeout_ms);
	check_own_delivery(find_msg(st, &q), g, local, sizeof(buf),
			   "3 iovecs gathered into one message");

	from = st->n_msg;
	iov[0].iov_len = 0;
	expect(mcast_retry(st, CPG_TYPE_AGREED, iov, 1), CS_OK,
	       "cpg_mcast_joined of a 0-byte message");
	marker = new_tag();
	expect(send_tagged(st, CPG_TYPE_AGREED, marker, 64), CS_OK, "cpg_mcast_joined (marker)");
	wait_msg(st, from, marker, 0, opt.timeout_ms);
	for (i = from; i < st->n_msg && i < MAX_EV; i++)
		if (st->msg[i].len == 0 && st->msg[i].pid == (uint32_t)getpid())
			empty = 1;
	check(empty, "a 0-byte message is delivered, with msg_len 0");
}

/* One buffer, sent, overwritten with the next message at once, sent again. */
static void check_zcb_rewrite(struct hstate *st, size_t size)
{
	struct msgq qa = { 0 }, qb = { 0 };
	void *buf = NULL;

	if (!expect(cpg_zcb_alloc(st->h, size, &buf), CS_OK, "cpg_zcb_alloc(%zu) (reuse)", size) ||
	    !buf)
		return;
	qa.from = qb.from = st->n_msg;
	qa.tag = new_tag();
	qb.tag = new_tag();
	fill_payload(buf, size, qa.tag);
	expect(cpg_zcb_mcast_joined(st->h, CPG_TYPE_AGREED, buf, size), CS_OK,
	       "cpg_zcb_mcast_joined(%zu) (first use)", size);
	fill_payload(buf, size, qb.tag);
	expect(cpg_zcb_mcast_joined(st->h, CPG_TYPE_AGREED, buf, size), CS_OK,
	       "cpg_zcb_mcast_joined(%zu) (same buffer, rewritten at once)", size);
	memset(buf, 0x5a, size);
	wait_msg(st, qb.from, qb.tag, 0, opt.timeout_ms);
	check(find_msg(st, &qa) && find_msg(st, &qa)->bytes_ok && find_msg(st, &qb) &&
	      find_msg(st, &qb)->bytes_ok,
	      "a %zu-byte zcb buffer rewritten right after cpg_zcb_mcast_joined returns: "
	      "both messages arrive as they were sent", size);
	expect(cpg_zcb_free(st->h, buf), CS_OK, "cpg_zcb_free(%zu) (reuse)", size);
}

static void check_zcb(struct hstate *st, const struct cpg_name *g, unsigned int local)
{
	static const size_t sizes[] = { 1000, 65536 };
	struct msgq qa = { 0 };
	void *buf = NULL;
	unsigned int i;
	uint32_t tag;

	for (i = 0; i < 2; i++) {
		if (!expect(cpg_zcb_alloc(st->h, sizes[i], &buf), CS_OK,
			    "cpg_zcb_alloc(%zu)", sizes[i]))
			continue;
		check(buf != NULL, "cpg_zcb_alloc gives a buffer");
		if (buf == NULL)
			continue;
		tag = new_tag();
		fill_payload(buf, sizes[i], tag);
		qa.from = st->n_msg;
		qa.tag = tag;
		expect(cpg_zcb_mcast_joined(st->h, CPG_TYPE_AGREED, buf, sizes[i]), CS_OK,
		       "cpg_zcb_mcast_joined(%zu)", sizes[i]);
		wait_msg(st, qa.from, tag, 0, opt.timeout_ms);
		check_own_delivery(find_msg(st, &qa), g, local, sizes[i], "zero-copy message");
		expect(cpg_zcb_free(st->h, buf), CS_OK, "cpg_zcb_free(%zu)", sizes[i]);
	}

	/*
	 * Corosync copies the buffer before cpg_zcb_mcast_joined returns, so
	 * applications rewrite and resend it at once (corosync's cpgbenchzc),
	 * and so may they on ringcast: 4 KiB (the library copies it) and
	 * 200 000 B (sent in place; the call waits for the daemon's copy, or,
	 * zero-copy for a trusted client, until every node holds it).
	 */
	check_zcb_rewrite(st, 4096);
	check_zcb_rewrite(st, 200000);
}

static void check_fd_and_dispatch(struct hstate *st)
{
	struct pollfd pfd = { .fd = st->fd, .events = POLLIN };
	struct msgq q = { 0 };
	unsigned int from;
	uint32_t tag;

	conform_step = "fd";
	(void)cpg_dispatch(st->h, CS_DISPATCH_ALL);
	check(poll(&pfd, 1, 0) == 0, "the fd is not readable after cpg_dispatch(ALL) drained it");
	q.from = st->n_msg;
	q.tag = tag = new_tag();
	expect(send_tagged(st, CPG_TYPE_AGREED, tag, 100), CS_OK, "cpg_mcast_joined (fd check)");
	pfd.revents = 0;
	check(poll(&pfd, 1, opt.timeout_ms) == 1 && (pfd.revents & POLLIN),
	      "the fd becomes readable when a message is pending");
	expect(cpg_dispatch(st->h, CS_DISPATCH_ALL), CS_OK, "cpg_dispatch(ALL) after poll");
	/* What woke us may be a configuration change (the ring can re-form on a
	   loaded machine): poll and dispatch until the message is in. */
	for (int64_t end = cpgt_now_ms() + opt.timeout_ms;
	     find_msg(st, &q) == NULL && cpgt_now_ms() < end;) {
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) == 1)
			(void)cpg_dispatch(st->h, CS_DISPATCH_ALL);
	}
	check(find_msg(st, &q) != NULL, "poll and cpg_dispatch(ALL) delivered the message");

	conform_step = "dispatch ONE";
	from = st->n_msg;
	expect(send_tagged(st, CPG_TYPE_AGREED, new_tag(), 100), CS_OK, "cpg_mcast_joined (1/2)");
	expect(send_tagged(st, CPG_TYPE_AGREED, new_tag(), 100), CS_OK, "cpg_mcast_joined (2/2)");
	/* CS_DISPATCH_ONE blocks until a callback: only call it with one pending. */
	pfd.revents = 0;
	if (!check(poll(&pfd, 1, opt.timeout_ms) == 1,
		   "the fd becomes readable (before cpg_dispatch(ONE))"))
		return;
	expect(cpg_dispatch(st->h, CS_DISPATCH_ONE), CS_OK, "cpg_dispatch(ONE)");
	check(st->n_msg == from + 1, "cpg_dispatch(ONE) ran exactly one callback (%u)",
	      st->n_msg - from);
	expect(cpg_dispatch(st->h, CS_DISPATCH_ONE), CS_OK, "cpg_dispatch(ONE) again");
	check(st->n_msg == from + 2, "the second cpg_dispatch(ONE) ran the next one (%u)",
	      st->n_msg - from);

	conform_step = "dispatch ONE_NONBLOCKING";
	from = st->n_msg;
	expect(send_tagged(st, CPG_TYPE_AGREED, new_tag(), 100), CS_OK, "cpg_mcast_joined (nb)");
	pfd.revents = 0;
	(void)poll(&pfd, 1, opt.timeout_ms);
	expect(cpg_dispatch(st->h, CS_DISPATCH_ONE_NONBLOCKING), CS_OK,
	       "cpg_dispatch(ONE_NONBLOCKING) with a message pending");
	check(st->n_msg == from + 1, "cpg_dispatch(ONE_NONBLOCKING) ran exactly one callback (%u)",
	      st->n_msg - from);
}

static void check_callback_calls_api(struct hstate *st)
{
	unsigned int from = st->n_msg;
	uint32_t tag = new_tag();

	conform_step = "callback calls the API";
	st->callapi_on_tag = tag;
	st->callapi_followup = new_tag();
	expect(send_tagged(st, CPG_TYPE_AGREED, tag, 100), CS_OK, "cpg_mcast_joined (callapi)");
	wait_msg(st, from, st->callapi_followup, 0, opt.timeout_ms);
	check(st->callapi_done && st->callapi_ok, "a deliver callback calls cpg_* functions: %s",
	      st->callapi_done ? st->callapi_report : "callback never ran");
	check(wait_msg(st, from, st->callapi_followup, 0, 0),
	      "the message sent from inside the callback is delivered");
	st->callapi_on_tag = 0;
}

/* Walks one iteration; 1 if an entry matched. The end must be NO_SECTIONS. */
static int iterate(cpg_handle_t h, cpg_iteration_type_t type, const struct cpg_name *g,
		   const struct cpg_name *want_group, uint32_t nodeid, uint32_t pid,
		   const char *what)
{
	struct cpg_iteration_description_t d;
	cpg_iteration_handle_t it;
	cs_error_t err = CS_OK;
	int found = 0, n, foreign = 0;

	if (!expect(cpg_iteration_initialize(h, type, g, &it), CS_OK,
		    "cpg_iteration_initialize(%s)", what))
		return 0;
	for (n = 0; n < 100000; n++) {
		err = cpg_iteration_next(it, &d);
		if (err != CS_OK)
			break;
		if (g && !cpgt_name_eq(&d.group, g))
			foreign++;
		if (cpgt_name_eq(&d.group, want_group) &&
		    (type == CPG_ITERATION_NAME_ONLY || (d.nodeid == nodeid && d.pid == pid)))
			found = 1;
	}
	expect(err, CS_ERR_NO_SECTIONS, "cpg_iteration_next(%s) ends after %d entries", what, n);
	check(found, "cpg_iteration(%s) finds our group%s", what,
	      type == CPG_ITERATION_NAME_ONLY ? "" : " with us in it");
	if (g)
		check(foreign == 0, "cpg_iteration(%s) stays in its group (%d others)", what,
		      foreign);
	expect(cpg_iteration_finalize(it), CS_OK, "cpg_iteration_finalize(%s)", what);
	return found;
}

static void check_big(struct hstate *st, const struct cpg_name *g, unsigned int local)
{
	struct msgq q = { .from = st->n_msg, .tag = new_tag() };
	struct iovec iov;
	double t0;
	cs_error_t err;

	conform_step = "big message";
	iov.iov_len = opt.big_size;
	iov.iov_base = malloc(opt.big_size);
	if (!check(iov.iov_base != NULL, "malloc(%zu)", opt.big_size))
		return;
	fill_payload(iov.iov_base, opt.big_size, q.tag);
	t0 = cpgt_now_s();
	err = mcast_retry(st, CPG_TYPE_AGREED, &iov, 1);
	expect(err, differ()->big, "cpg_mcast_joined of a %zu-byte message", opt.big_size);
	if (err == CS_OK) {
		wait_msg(st, q.from, q.tag, 0, opt.timeout_ms * 6);
		check_own_delivery(find_msg(st, &q), g, local, opt.big_size, "big message");
		diag("%zu bytes sent and delivered in %.3f s", opt.big_size, cpgt_now_s() - t0);
	}
	free(iov.iov_base);
}

static void check_leave_and_rejoin(struct hstate *st, const struct cpg_name *g,
				   unsigned int local)
{
	struct cpg_address memb[CPG_MEMBERS_MAX];
	struct confq q = { .group = g, .nodeid = local, .pid = (uint32_t)getpid() };
	const struct conf_ev *ev;
	struct cpg_name gm;
	char msg[100];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	int n = CPG_MEMBERS_MAX, i, listed = 0;
	cs_error_t err;

	conform_step = "leave";
	q.from = st->n_conf;
	q.left = 1;
	expect(cpg_leave(st->h, g), CS_OK, "cpg_leave");
	ev = wait_conf(st, &q, opt.timeout_ms);
	check(ev != NULL, "leave: own confchg with itself in the left list");
	if (ev) {
		expect_reason(conf_reason(ev, &q), CPG_REASON_LEAVE, "leave: left-list reason");
		check(!conf_has_member(ev, local, q.pid),
		      "leave: the member list no longer has us");
	}
	gm = *g;
	err = cpg_membership_get(st->h, &gm, memb, &n);
	for (i = 0; err == CS_OK && i < n && i < CPG_MEMBERS_MAX; i++)
		if (memb[i].nodeid == local && memb[i].pid == q.pid)
			listed = 1;
	check(err == CS_OK && !listed, "cpg_membership_get after leave: %s, %d members, us %s",
	      cpgt_err(err), n, listed ? "LISTED" : "not listed");

	fill_payload(msg, sizeof(msg), new_tag());
	expect(cpg_mcast_joined(st->h, CPG_TYPE_AGREED, &iov, 1), differ()->mcast_after_leave,
	       "cpg_mcast_joined after a completed leave");
	expect(cpg_leave(st->h, g), CS_ERR_NOT_EXIST, "cpg_leave twice");

	conform_step = "re-join";
	q.from = st->n_conf;
	q.left = 0;
	err = cpg_join(st->h, g);
	expect(err, differ()->rejoin, "cpg_join after a completed leave (re-join)");
	if (err == CS_OK) {
		check(wait_conf(st, &q, opt.timeout_ms) != NULL,
		      "re-join: own confchg with itself in the joined list");
		check_own_delivery(send_and_wait(st, CPG_TYPE_AGREED, 500, "after re-join"), g,
				   local, 500, "after re-join");
	}
}

static void check_finalized(struct hstate *st, const struct cpg_name *g)
{
	struct cpg_address memb[CPG_MEMBERS_MAX];
	struct cpg_iteration_description_t d;
	cpg_iteration_handle_t it, it2;
	cpg_flow_control_state_t fc;
	struct cpg_name gm;
	unsigned int local;
	uint32_t atomic;
	char msg[64];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	void *ctx, *buf;
	int n = CPG_MEMBERS_MAX, fd;
	cs_error_t err;

	conform_step = "finalize";
	err = cpg_iteration_initialize(st->h, CPG_ITERATION_ALL, NULL, &it);
	expect(err, CS_OK, "cpg_iteration_initialize (left open across finalize)");
	if (!expect(cpg_finalize(st->h), CS_OK, "cpg_finalize"))
		return;
	expect(cpg_finalize(st->h), CS_ERR_BAD_HANDLE, "cpg_finalize twice");
	if (err == CS_OK)
		expect(cpg_iteration_next(it, &d), CS_ERR_BAD_HANDLE,
		       "cpg_iteration_next on an iteration of a finalized handle");
	expect(cpg_fd_get(st->h, &fd), CS_ERR_BAD_HANDLE, "after finalize: cpg_fd_get");
	expect(cpg_dispatch(st->h, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE,
	       "after finalize: cpg_dispatch");
	expect(cpg_join(st->h, g), CS_ERR_BAD_HANDLE, "after finalize: cpg_join");
	expect(cpg_leave(st->h, g), CS_ERR_BAD_HANDLE, "after finalize: cpg_leave");
	expect(cpg_mcast_joined(st->h, CPG_TYPE_AGREED, &iov, 1), CS_ERR_BAD_HANDLE,
	       "after finalize: cpg_mcast_joined");
	gm = *g;
	expect(cpg_membership_get(st->h, &gm, memb, &n), CS_ERR_BAD_HANDLE,
	       "after finalize: cpg_membership_get");
	expect(cpg_local_get(st->h, &local), CS_ERR_BAD_HANDLE, "after finalize: cpg_local_get");
	expect(cpg_context_get(st->h, &ctx), CS_ERR_BAD_HANDLE, "after finalize: cpg_context_get");
	expect(cpg_context_set(st->h, NULL), CS_ERR_BAD_HANDLE, "after finalize: cpg_context_set");
	expect(cpg_max_atomic_msgsize_get(st->h, &atomic), CS_ERR_BAD_HANDLE,
	       "after finalize: cpg_max_atomic_msgsize_get");
	expect(cpg_flow_control_state_get(st->h, &fc), CS_ERR_BAD_HANDLE,
	       "after finalize: cpg_flow_control_state_get");
	expect(cpg_zcb_alloc(st->h, 100, &buf), CS_ERR_BAD_HANDLE, "after finalize: cpg_zcb_alloc");
	expect(cpg_iteration_initialize(st->h, CPG_ITERATION_ALL, NULL, &it2), CS_ERR_BAD_HANDLE,
	       "after finalize: cpg_iteration_initialize");
}

void conform_main(void)
{
	struct cpg_address memb[CPG_MEMBERS_MAX];
	struct confq q = { 0 };
	const struct conf_ev *ev;
	cpg_flow_control_state_t fc;
	struct cpg_name g, g2;
	unsigned int local = 0, i;
	uint32_t pid = (uint32_t)getpid();
	void *ctx = NULL;
	int n = CPG_MEMBERS_MAX, listed = 0;
	cs_error_t err;

	conform_step = "join";
	if (!expect(open_v1(&st1, "h1", CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF), CS_OK,
		    "cpg_model_initialize (V1, DELIVER_INITIAL_TOTEM_CONF)"))
		return;
	(void)cpg_context_get(st1.h, &ctx);
	check(ctx == &st1, "cpg_model_initialize stores its context argument");
	expect(cpg_local_get(st1.h, &local), CS_OK, "cpg_local_get");
	group_name(&g, "main");
	group_name(&g2, "other");

	if (!expect(cpg_join(st1.h, &g), CS_OK, "cpg_join"))
		return;
	expect(cpg_join(st1.h, &g), CS_ERR_EXIST, "cpg_join of the same group twice");
	expect(cpg_join(st1.h, &g2), CS_ERR_EXIST, "cpg_join of a second group on one handle");
	q.group = &g;
	q.nodeid = local;
	q.pid = pid;
	ev = wait_conf(&st1, &q, opt.timeout_ms);
	check(ev != NULL, "join: own confchg with itself in the joined list");
	if (ev) {
		expect_reason(conf_reason(ev, &q), CPG_REASON_JOIN, "join: joined-list reason");
		check(conf_has_member(ev, local, pid), "join: the member list has us");
	}

	/* Membership is per (nodeid, pid): a process is in a group once. */
	if (expect(open_plain(&stx, "hx"), CS_OK, "cpg_initialize (second handle)")) {
		expect(cpg_join(stx.h, &g), CS_ERR_EXIST,
		       "cpg_join of our group from a second handle of this process");
		expect(cpg_finalize(stx.h), CS_OK, "cpg_finalize (second handle)");
	}

	conform_step = "totem confchg";
	check(wait_for(&st1, has_totem, NULL, opt.timeout_ms),
	      "DELIVER_INITIAL_TOTEM_CONF: a totem confchg arrives");
	if (st1.n_totem) {
		for (i = 0; i < st1.totem_n && i < MAX_ADDR; i++)
			if (st1.totem_memb[i] == local)
				listed = 1;
		check(st1.ring.nodeid != 0 && st1.ring.seq != 0,
		      "totem confchg: ring id %x.%llx is not zero", st1.ring.nodeid,
		      (unsigned long long)st1.ring.seq);
		check(listed, "totem confchg: %u members, ours among them", st1.totem_n);
	}

	conform_step = "membership";
	err = cpg_membership_get(st1.h, &g, memb, &n);
	listed = 0;
	for (i = 0; err == CS_OK && i < (unsigned int)n && i < CPG_MEMBERS_MAX; i++)
		if (memb[i].nodeid == local && memb[i].pid == pid)
			listed = 1;
	expect(err, CS_OK, "cpg_membership_get");
	check(n >= 1 && listed, "cpg_membership_get: %d members, us among them", n);

	conform_step = "messages";
	check_guarantees(&st1, &g, local);
	check_gather_and_empty(&st1, &g, local);
	conform_step = "zero copy";
	check_zcb(&st1, &g, local);
	check_fd_and_dispatch(&st1);
	check_callback_calls_api(&st1);
	expect(cpg_flow_control_state_get(st1.h, &fc), CS_OK,
	       "cpg_flow_control_state_get after traffic (%d)", (int)fc);

	conform_step = "iteration";
	iterate(st1.h, CPG_ITERATION_ALL, NULL, &g, local, pid, "ALL");
	iterate(st1.h, CPG_ITERATION_NAME_ONLY, NULL, &g, local, pid, "NAME_ONLY");
	iterate(st1.h, CPG_ITERATION_ONE_GROUP, &g, &g, local, pid, "ONE_GROUP");

	if (opt.big)
		check_big(&st1, &g, local);
	else
		skip("--no-big", "cpg_mcast_joined of a %zu-byte message", opt.big_size);

	check_leave_and_rejoin(&st1, &g, local);
	check(st1.lost_wakeups == 0, "the fd signalled every pending callback (%u missed)",
	      st1.lost_wakeups);
	check_finalized(&st1, &g);
}

/* ---- handles that were never issued -------------------------------------- */

void conform_bad_handles(void)
{
	static const cpg_handle_t bad[] = { 0, 0x5a5a5a5a5a5a5a5aull };
	struct cpg_iteration_description_t d;
	struct cpg_name g;
	unsigned int local, i;
	char msg[16] = { 0 };
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	int fd;

	conform_step = "bad handles";
	group_name(&g, "bad");
	for (i = 0; i < 2; i++) {
		expect(cpg_fd_get(bad[i], &fd), CS_ERR_BAD_HANDLE,
		       "never-issued handle %#llx: cpg_fd_get", (unsigned long long)bad[i]);
		expect(cpg_dispatch(bad[i], CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE,
		       "never-issued handle %#llx: cpg_dispatch", (unsigned long long)bad[i]);
		expect(cpg_join(bad[i], &g), CS_ERR_BAD_HANDLE,
		       "never-issued handle %#llx: cpg_join", (unsigned long long)bad[i]);
		expect(cpg_mcast_joined(bad[i], CPG_TYPE_AGREED, &iov, 1), CS_ERR_BAD_HANDLE,
		       "never-issued handle %#llx: cpg_mcast_joined", (unsigned long long)bad[i]);
		expect(cpg_local_get(bad[i], &local), CS_ERR_BAD_HANDLE,
		       "never-issued handle %#llx: cpg_local_get", (unsigned long long)bad[i]);
		expect(cpg_finalize(bad[i]), CS_ERR_BAD_HANDLE,
		       "never-issued handle %#llx: cpg_finalize", (unsigned long long)bad[i]);
		expect(cpg_iteration_next(bad[i], &d), CS_ERR_BAD_HANDLE,
		       "never-issued iteration handle %#llx: cpg_iteration_next",
		       (unsigned long long)bad[i]);
		expect(cpg_iteration_finalize(bad[i]), CS_ERR_BAD_HANDLE,
		       "never-issued iteration handle %#llx: cpg_iteration_finalize",
		       (unsigned long long)bad[i]);
	}
}
