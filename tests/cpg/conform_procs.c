/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_conform's checks across processes and from inside callbacks: another
 * process (this program re-executed with --child) joins our group, sends,
 * then leaves, finalizes or is killed, and we check the confchg reasons; and
 * a callback that finalizes its own handle, under CS_DISPATCH_BLOCKING and
 * CS_DISPATCH_ALL.
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpgt.h"
#include "conform.h"

#define CHILD_TAG	0xC41D0001u

/* Exit codes of the child, by the step that failed. */
enum {
	CHILD_OK = 0,
	CHILD_INIT = 10,
	CHILD_JOIN = 11,
	CHILD_NO_JOIN_CONFCHG = 12,
	CHILD_NO_PARENT = 13,
	CHILD_MCAST = 14,
	CHILD_NO_DELIVERY = 15,
	CHILD_LEAVE = 16,
	CHILD_FINALIZE = 17,
	CHILD_NOT_KILLED = 18,
};

static struct hstate st2, st3, stc;

/*
 * The child: join group, check the parent (getppid) is a member, send one
 * message and see it delivered, then:
 *   leave     cpg_leave, then cpg_finalize     (others see LEAVE)
 *   finalize  cpg_finalize without leaving
 *   kill      wait to be killed (SIGKILL from the parent)
 */
int conform_child(const char *mode, const char *group)
{
	const struct conf_ev *ev;
	struct cpg_name g;
	unsigned int local = 0;
	struct confq q = { 0 };

	if (open_plain(&stc, "child") != CS_OK)
		return CHILD_INIT;
	(void)cpg_local_get(stc.h, &local);
	cpgt_name(&g, group);
	if (cpg_join(stc.h, &g) != CS_OK)
		return CHILD_JOIN;
	q.group = &g;
	q.nodeid = local;
	q.pid = (uint32_t)getpid();
	ev = wait_conf(&stc, &q, opt.timeout_ms);
	if (ev == NULL)
		return CHILD_NO_JOIN_CONFCHG;
	if (!conf_has_member(ev, local, (uint32_t)getppid()))
		return CHILD_NO_PARENT;
	if (send_tagged(&stc, CPG_TYPE_AGREED, CHILD_TAG, 256) != CS_OK)
		return CHILD_MCAST;
	if (!wait_msg(&stc, 0, CHILD_TAG, q.pid, opt.timeout_ms))
		return CHILD_NO_DELIVERY;
	if (strcmp(mode, "leave") == 0) {
		if (cpg_leave(stc.h, &g) != CS_OK)
			return CHILD_LEAVE;
		q.left = 1;
		q.from = stc.n_conf;
		(void)wait_conf(&stc, &q, opt.timeout_ms);
		return cpg_finalize(stc.h) == CS_OK ? CHILD_OK : CHILD_FINALIZE;
	}
	if (strcmp(mode, "finalize") == 0)
		return cpg_finalize(stc.h) == CS_OK ? CHILD_OK : CHILD_FINALIZE;
	sleep((unsigned int)(opt.timeout_ms / 1000 + 2));
	return CHILD_NOT_KILLED;
}

/*
 * corosync's cpg_membership_get only writes *member_list_entries (the list
 * holds CPG_MEMBERS_MAX): a 1 or a 0 passed in does not cut the answer.
 * Called while the child and we are the group's two members.
 */
static void membership_count_is_output(struct hstate *st, const struct cpg_name *g)
{
	struct cpg_address memb[CPG_MEMBERS_MAX];
	struct cpg_name name = *g;
	int n;

	n = 1;
	expect(cpg_membership_get(st->h, &name, memb, &n), CS_OK,
	       "cpg_membership_get with *member_list_entries 1");
	check(n == 2, "cpg_membership_get with 1 passed in: both members (%d)", n);
	n = 0;
	expect(cpg_membership_get(st->h, &name, memb, &n), CS_OK,
	       "cpg_membership_get with *member_list_entries 0");
	check(n == 2, "cpg_membership_get with 0 passed in: both members (%d)", n);
}

/* One child in `mode`; the reason we must see when it goes. */
static void run_child(struct hstate *st, const struct cpg_name *g, const char *mode,
		      uint32_t want_reason, const char *why)
{
	char group[CPG_MAX_NAME_LENGTH + 1], tmo[16], mode_arg[16];
	char *argv[] = { "cpg_conform", "--timeout-ms", tmo, "--child", mode_arg, group, NULL };
	struct confq q = { .group = g };
	const struct conf_ev *ev;
	unsigned int local = 0;
	int status;
	pid_t pid;

	snprintf(mode_arg, sizeof(mode_arg), "%s", mode);
	memcpy(group, g->value, g->length);
	group[g->length] = '\0';
	snprintf(tmo, sizeof(tmo), "%d", opt.timeout_ms);
	(void)cpg_local_get(st->h, &local);
	q.from = st->n_conf;
	q.nodeid = local;
	pid = spawn_self(argv, NULL);
	if (!check(pid > 0, "%s: fork", mode))
		return;
	q.pid = (uint32_t)pid;
	ev = wait_conf(st, &q, opt.timeout_ms);
	check(ev && conf_reason(ev, &q) == CPG_REASON_JOIN && conf_has_member(ev, local, q.pid) &&
	      conf_has_member(ev, local, (uint32_t)getpid()),
	      "%s: another process's join: confchg, reason JOIN, both of us members", mode);
	check(wait_msg(st, 0, CHILD_TAG, q.pid, opt.timeout_ms),
	      "%s: its message is delivered with its pid", mode);
	if (strcmp(mode, "kill") == 0) {
		membership_count_is_output(st, g);
		kill(pid, SIGKILL);
	}

	q.left = 1;
	ev = wait_conf(st, &q, opt.timeout_ms);
	if (check(ev != NULL, "%s: its departure: confchg with it in the left list", mode)) {
		expect_reason(conf_reason(ev, &q), want_reason, "%s: left-list reason (%s)", mode,
			      why);
		check(!conf_has_member(ev, local, q.pid) &&
		      conf_has_member(ev, local, (uint32_t)getpid()),
		      "%s: it is gone from the member list, we stay", mode);
	}
	status = wait_child(pid, opt.timeout_ms);
	if (strcmp(mode, "kill") == 0)
		check(status != -1 && WIFSIGNALED(status), "%s: the child died of SIGKILL", mode);
	else
		check(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == CHILD_OK,
		      "%s: the child's own checks passed (exit %d)", mode,
		      status == -1 ? -1 : WEXITSTATUS(status));
}

void conform_procs(void)
{
	struct confq q = { 0 };
	struct cpg_name g;
	unsigned int local = 0;

	conform_step = "other processes";
	if (!expect(open_plain(&st2, "h2"), CS_OK, "cpg_initialize (process checks)"))
		return;
	(void)cpg_local_get(st2.h, &local);
	group_name(&g, "procs");
	expect(cpg_join(st2.h, &g), CS_OK, "cpg_join (process checks)");
	q.group = &g;
	q.nodeid = local;
	q.pid = (uint32_t)getpid();
	if (!check(wait_conf(&st2, &q, opt.timeout_ms) != NULL, "own join confchg (process checks)"))
		goto out;
	run_child(&st2, &g, "leave", CPG_REASON_LEAVE, "cpg_leave");
	run_child(&st2, &g, "finalize", CPG_REASON_PROCDOWN,
		  "cpg_finalize without cpg_leave, as corosync");
	run_child(&st2, &g, "kill", CPG_REASON_PROCDOWN, "killed");
	check(st2.lost_wakeups == 0, "the fd signalled every pending callback (%u missed)",
	      st2.lost_wakeups);
out:
	expect(cpg_finalize(st2.h), CS_OK, "cpg_finalize (process checks)");
}

/* A deliver callback finalizes its own handle; dispatch must come back. */
static void finalize_in_callback(cs_dispatch_flags_t flags, const char *fname)
{
	struct pollfd pfd = { .events = POLLIN };
	struct confq q = { 0 };
	struct cpg_name g;
	unsigned int local = 0;
	cs_error_t err;
	int fd;

	conform_step = fname;
	if (!expect(open_v1(&st3, "h3", 0), CS_OK, "cpg_model_initialize (finalize in callback)"))
		return;
	pfd.fd = st3.fd;
	(void)cpg_local_get(st3.h, &local);
	group_name(&g, fname);
	expect(cpg_join(st3.h, &g), CS_OK, "cpg_join (finalize in callback)");
	q.group = &g;
	q.nodeid = local;
	q.pid = (uint32_t)getpid();
	if (!check(wait_conf(&st3, &q, opt.timeout_ms) != NULL,
		   "own join confchg (finalize in callback)")) {
		cpg_finalize(st3.h);
		return;
	}
	st3.finalize_on_tag = new_tag();
	expect(send_tagged(&st3, CPG_TYPE_AGREED, st3.finalize_on_tag, 100), CS_OK,
	       "cpg_mcast_joined (finalize in callback)");
	/* BLOCKING only returns once the handle is finalized: call it only
	 * when the join confchg came and the message is pending. */
	if (!check(poll(&pfd, 1, opt.timeout_ms) == 1, "%s: the fd becomes readable", fname)) {
		cpg_finalize(st3.h);
		return;
	}
	err = cpg_dispatch(st3.h, flags);
	check(st3.finalized, "%s: the callback ran and finalized its handle", fname);
	if (!st3.finalized) {
		cpg_finalize(st3.h);
		return;
	}
	check(err == CS_OK || err == CS_ERR_BAD_HANDLE,
	      "%s returns after its callback finalized the handle: %s", fname, cpgt_err(err));
	expect(st3.finalize_ret, CS_OK, "cpg_finalize from inside a deliver callback");
	expect(cpg_fd_get(st3.h, &fd), CS_ERR_BAD_HANDLE,
	       "the handle finalized in its callback is gone");
	expect(cpg_dispatch(st3.h, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE,
	       "cpg_dispatch on the handle finalized in its callback");
}

void conform_finalize_in_callback(void)
{
	finalize_in_callback(CS_DISPATCH_BLOCKING, "cpg_dispatch(BLOCKING)");
	finalize_in_callback(CS_DISPATCH_ALL, "cpg_dispatch(ALL)");
}
