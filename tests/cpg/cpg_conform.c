/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_conform: API conformance of a libcpg. Calls every function of
 * <corosync/cpg.h> against a running daemon and checks the results and error
 * codes an application sees, printing one TAP line per check ("ok N - ...",
 * "not ok N - ...", plan at the end) and exiting 1 if any check failed.
 *
 * Expectations are ringcast's by default; --corosync expects corosync 3.1's
 * on the points where the two deliberately differ (docs/compatibility.md) and
 * skips the checks corosync's library would crash on (NULL out-parameters).
 * Every wait is bounded by --timeout-ms; an alarm() watchdog bounds the run.
 * Pure API user: libc and the standard CPG headers only.
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpgt.h"
#include "conform.h"

/* ---- options and TAP output --------------------------------------------- */

struct conform_opts opt = {
	.big_size = 16u << 20,
	.timeout_ms = 5000,
	.watchdog_s = 180,
	.big = 1,
};

static unsigned int n_checks, n_failed;
static const char *tap_prefix = "";
const char *volatile conform_step = "start";

static void vreport(int ok, const char *directive, const char *fmt, va_list ap)
{
	n_checks++;
	if (!ok)
		n_failed++;
	printf("%s%s %u - ", tap_prefix, ok ? "ok" : "not ok", n_checks);
	vprintf(fmt, ap);
	if (directive)
		printf(" # %s", directive);
	putchar('\n');
	fflush(stdout);
}

int check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ok, NULL, fmt, ap);
	va_end(ap);
	return ok;
}

void skip(const char *why, const char *fmt, ...)
{
	char directive[200];
	va_list ap;

	snprintf(directive, sizeof(directive), "SKIP %s", why);
	va_start(ap, fmt);
	vreport(1, directive, fmt, ap);
	va_end(ap);
}

void diag(const char *fmt, ...)
{
	va_list ap;

	printf("%s# ", tap_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* One check of a return code: "DESC: GOT" or "DESC: GOT, want WANT". */
int expect(cs_error_t got, cs_error_t want, const char *fmt, ...)
{
	char desc[300], g[40];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	snprintf(g, sizeof(g), "%s", cpgt_err(got));
	if (got == want)
		return check(1, "%s: %s", desc, g);
	return check(0, "%s: %s, want %s", desc, g, cpgt_err(want));
}

static const char *reason_name(uint32_t r)
{
	switch (r) {
	case CPG_REASON_UNDEFINED: return "UNDEFINED";
	case CPG_REASON_JOIN: return "JOIN";
	case CPG_REASON_LEAVE: return "LEAVE";
	case CPG_REASON_NODEDOWN: return "NODEDOWN";
	case CPG_REASON_NODEUP: return "NODEUP";
	case CPG_REASON_PROCDOWN: return "PROCDOWN";
	}
	return "?";
}

/* One check of a confchg reason: "DESC: LEAVE" or "DESC: JOIN (1), want LEAVE (2)". */
int expect_reason(uint32_t got, uint32_t want, const char *fmt, ...)
{
	char desc[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (got == want)
		return check(1, "%s: %s", desc, reason_name(got));
	return check(0, "%s: %s (%u), want %s (%u)", desc, reason_name(got), got,
		     reason_name(want), want);
}

static void watchdog(int sig)
{
	char line[300];
	int n;

	(void)sig;
	n = snprintf(line, sizeof(line),
		     "%snot ok %u - watchdog: no progress within %u s, stuck in: %s\n",
		     tap_prefix, n_checks + 1, opt.watchdog_s, conform_step);
	if (n > 0)
		(void)!write(STDOUT_FILENO, line, (size_t)n);
	_exit(3);
}

/* ---- handle state, recorded by the callbacks ----------------------------- */

unsigned int cb_context_errors;

/* The handle's own state, through cpg_context_get(), as applications do. */
static struct hstate *state_of(cpg_handle_t h)
{
	void *ctx = NULL;

	if (cpg_context_get(h, &ctx) != CS_OK || ctx == NULL ||
	    ((struct hstate *)ctx)->h != h) {
		cb_context_errors++;
		return NULL;
	}
	return ctx;
}

uint32_t pattern_byte(uint32_t tag, size_t i)
{
	return (uint8_t)(tag * 37u + i * 7u + (i >> 8));
}

void fill_payload(void *buf, size_t len, uint32_t tag)
{
	struct tmsg hdr = { .magic = TMSG_MAGIC, .tag = tag, .len = (uint32_t)len };
	uint8_t *p = buf;
	size_t i;

	if (len < sizeof(hdr)) {
		memset(buf, 0xab, len);
		return;
	}
	memcpy(p, &hdr, sizeof(hdr));
	for (i = sizeof(hdr); i < len; i++)
		p[i] = (uint8_t)pattern_byte(tag, i);
}

/* 1 when msg is a well-formed test payload; its tag (0 if none) in *tag. */
static int check_payload(const void *msg, size_t len, uint32_t *tag)
{
	const uint8_t *p = msg;
	struct tmsg hdr;
	size_t i;

	*tag = 0;
	if (len < sizeof(hdr))
		return 0;
	memcpy(&hdr, p, sizeof(hdr));
	if (hdr.magic != TMSG_MAGIC)
		return 0;
	*tag = hdr.tag;
	if (hdr.len != len)
		return 0;
	for (i = sizeof(hdr); i < len; i++)
		if (p[i] != (uint8_t)pattern_byte(hdr.tag, i))
			return 0;
	return 1;
}

/* From a deliver callback: the calls an application typically makes there. */
static void call_api_in_callback(struct hstate *st, const struct cpg_name *group)
{
	struct cpg_address memb[CPG_MEMBERS_MAX];
	cpg_flow_control_state_t fc;
	cs_error_t e[6];
	unsigned int local = 0;
	uint32_t atomic = 0;
	void *ctx = NULL;
	struct iovec iov;
	char buf[64];
	int n = CPG_MEMBERS_MAX;
	struct cpg_name g = *group;

	e[0] = cpg_local_get(st->h, &local);
	e[1] = cpg_membership_get(st->h, &g, memb, &n);
	e[2] = cpg_context_get(st->h, &ctx);
	e[3] = cpg_flow_control_state_get(st->h, &fc);
	e[4] = cpg_max_atomic_msgsize_get(st->h, &atomic);
	fill_payload(buf, sizeof(buf), st->callapi_followup);
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	e[5] = cpg_mcast_joined(st->h, CPG_TYPE_AGREED, &iov, 1);
	snprintf(st->callapi_report, sizeof(st->callapi_report),
		 "local_get %s, membership_get %s, context_get %s, flow_control_state_get %s, "
		 "max_atomic_msgsize_get %s, mcast_joined %s",
		 cpgt_err(e[0]), cpgt_err(e[1]), cpgt_err(e[2]), cpgt_err(e[3]),
		 cpgt_err(e[4]), cpgt_err(e[5]));
	st->callapi_ok = e[0] == CS_OK && e[1] == CS_OK && e[2] == CS_OK &&
			 e[3] == CS_OK && e[4] == CS_OK && e[5] == CS_OK &&
			 ctx == st && local != 0;
	st->callapi_done = 1;
}

static void deliver_cb(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
		       uint32_t pid, void *msg, size_t len)
{
	struct hstate *st = state_of(h);
	struct msg_ev *ev;
	uint32_t tag;
	int ok;

	if (st == NULL)
		return;
	ok = check_payload(msg, len, &tag);
	if (st->n_msg < MAX_EV) {
		ev = &st->msg[st->n_msg];
		ev->group = *group;
		ev->nodeid = nodeid;
		ev->pid = pid;
		ev->len = len;
		ev->tag = tag;
		ev->bytes_ok = ok;
	}
	st->n_msg++;
	if (tag != 0 && tag == st->callapi_on_tag)
		call_api_in_callback(st, group);
	if (tag != 0 && tag == st->finalize_on_tag) {
		st->finalized = 1;
		st->finalize_ret = cpg_finalize(h);
	}
}

static void copy_addrs(struct cpg_address *dst, const struct cpg_address *src, size_t n)
{
	if (n > MAX_ADDR)
		n = MAX_ADDR;
	if (n)
		memcpy(dst, src, n * sizeof(*src));
}

static void confchg_cb(cpg_handle_t h, const struct cpg_name *group,
		       const struct cpg_address *memb, size_t n_memb,
		       const struct cpg_address *left, size_t n_left,
		       const struct cpg_address *joined, size_t n_joined)
{
	struct hstate *st = state_of(h);
	struct conf_ev *ev;

	if (st == NULL)
		return;
	if (st->n_conf < MAX_EV) {
		ev = &st->conf[st->n_conf];
		ev->group = *group;
		ev->n_memb = n_memb;
		ev->n_left = n_left;
		ev->n_joined = n_joined;
		copy_addrs(ev->memb, memb, n_memb);
		copy_addrs(ev->left, left, n_left);
		copy_addrs(ev->joined, joined, n_joined);
	}
	st->n_conf++;
}

static void totem_cb(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n,
		     const uint32_t *memb)
{
	struct hstate *st = state_of(h);

	if (st == NULL)
		return;
	st->ring = ring;
	st->totem_n = n;
	memcpy(st->totem_memb, memb, (n > MAX_ADDR ? MAX_ADDR : n) * sizeof(*memb));
	st->n_totem++;
}

cs_error_t open_v1(struct hstate *st, const char *label, unsigned int flags)
{
	cpg_model_v1_data_t m = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = deliver_cb,
		.cpg_confchg_fn = confchg_cb,
		.cpg_totem_confchg_fn = totem_cb,
		.flags = flags,
	};
	cs_error_t err;

	memset(st, 0, sizeof(*st));
	st->label = label;
	st->fd = -1;
	err = cpg_model_initialize(&st->h, CPG_MODEL_V1, (cpg_model_data_t *)&m, st);
	if (err == CS_OK)
		(void)cpg_fd_get(st->h, &st->fd);
	return err;
}

/*
 * As corosync's own testcpg and cpgbench fill the model data: designated
 * initialisers naming callbacks and flags only, so .model stays 0.
 */
cs_error_t open_v1_model0(struct hstate *st, const char *label, unsigned int flags)
{
	cpg_model_v1_data_t m = {
		.cpg_deliver_fn = deliver_cb,
		.cpg_confchg_fn = confchg_cb,
		.cpg_totem_confchg_fn = totem_cb,
		.flags = flags,
	};
	cs_error_t err;

	memset(st, 0, sizeof(*st));
	st->label = label;
	st->fd = -1;
	err = cpg_model_initialize(&st->h, CPG_MODEL_V1, (cpg_model_data_t *)&m, st);
	if (err == CS_OK)
		(void)cpg_fd_get(st->h, &st->fd);
	return err;
}

cs_error_t open_plain(struct hstate *st, const char *label)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver_cb, .cpg_confchg_fn = confchg_cb };
	cs_error_t err;

	memset(st, 0, sizeof(*st));
	st->label = label;
	st->fd = -1;
	err = cpg_initialize(&st->h, &cb);
	if (err == CS_OK) {
		(void)cpg_context_set(st->h, st);
		(void)cpg_fd_get(st->h, &st->fd);
	}
	return err;
}

/* ---- waiting ------------------------------------------------------------- */

/*
 * Poll the handle's fd and dispatch until cond holds or timeout_ms pass. If
 * cond holds only after one last dispatch at the deadline, the fd missed a
 * wakeup: counted, reported, and still a failure of the wait.
 */
int wait_for(struct hstate *st, cond_fn cond, const void *arg, int timeout_ms)
{
	int64_t deadline = cpgt_now_ms() + timeout_ms, left;
	struct pollfd pfd;
	cs_error_t err;
	int r;

	for (;;) {
		if (cond(st, arg))
			return 1;
		left = deadline - cpgt_now_ms();
		if (left <= 0)
			break;
		pfd.fd = st->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR) {
			diag("%s: poll: %s", st->label, strerror(errno));
			return 0;
		}
		if (r > 0) {
			err = cpg_dispatch(st->h, CS_DISPATCH_ALL);
			if (err != CS_OK) {
				diag("%s: cpg_dispatch(ALL): %s", st->label, cpgt_err(err));
				return cond(st, arg);
			}
		}
	}
	(void)cpg_dispatch(st->h, CS_DISPATCH_ALL);
	if (cond(st, arg)) {
		st->lost_wakeups++;
		diag("%s: the event was pending but the fd never became readable", st->label);
	}
	return 0;
}

static int has_msg(const struct hstate *st, const void *arg)
{
	return find_msg(st, arg) != NULL;
}

const struct msg_ev *find_msg(const struct hstate *st, const void *arg)
{
	const struct msgq *q = arg;
	unsigned int i;

	for (i = q->from; i < st->n_msg && i < MAX_EV; i++)
		if ((q->tag == 0 || st->msg[i].tag == q->tag) &&
		    (q->pid == 0 || st->msg[i].pid == q->pid))
			return &st->msg[i];
	return NULL;
}

int wait_msg(struct hstate *st, unsigned int from, uint32_t tag, uint32_t pid, int ms)
{
	struct msgq q = { .from = from, .tag = tag, .pid = pid };

	return wait_for(st, has_msg, &q, ms);
}

static const struct cpg_address *find_addr(const struct cpg_address *a, size_t n,
					   uint32_t nodeid, uint32_t pid)
{
	size_t i;

	for (i = 0; i < n && i < MAX_ADDR; i++)
		if (a[i].nodeid == nodeid && a[i].pid == pid)
			return &a[i];
	return NULL;
}

/* The first confchg of q->group at or after q->from naming (nodeid, pid) in
 * its joined (q->left == 0) or left (q->left == 1) list. */
const struct conf_ev *find_conf(const struct hstate *st, const struct confq *q)
{
	const struct conf_ev *ev;
	unsigned int i;

	for (i = q->from; i < st->n_conf && i < MAX_EV; i++) {
		ev = &st->conf[i];
		if (!cpgt_name_eq(&ev->group, q->group))
			continue;
		if (q->left ? find_addr(ev->left, ev->n_left, q->nodeid, q->pid)
			    : find_addr(ev->joined, ev->n_joined, q->nodeid, q->pid))
			return ev;
	}
	return NULL;
}

static int has_conf(const struct hstate *st, const void *arg)
{
	return find_conf(st, arg) != NULL;
}

const struct conf_ev *wait_conf(struct hstate *st, struct confq *q, int ms)
{
	wait_for(st, has_conf, q, ms);
	return find_conf(st, q);
}

uint32_t conf_reason(const struct conf_ev *ev, const struct confq *q)
{
	const struct cpg_address *a;

	a = q->left ? find_addr(ev->left, ev->n_left, q->nodeid, q->pid)
		    : find_addr(ev->joined, ev->n_joined, q->nodeid, q->pid);
	return a ? a->reason : 0;
}

int conf_has_member(const struct conf_ev *ev, uint32_t nodeid, uint32_t pid)
{
	return find_addr(ev->memb, ev->n_memb, nodeid, pid) != NULL;
}

/* cpg_mcast_joined, retrying CS_ERR_TRY_AGAIN (dispatching in between). */
cs_error_t mcast_retry(struct hstate *st, cpg_guarantee_t g, const struct iovec *iov,
		       unsigned int n)
{
	int64_t deadline = cpgt_now_ms() + opt.timeout_ms;
	struct pollfd pfd = { .fd = st->fd, .events = POLLIN };
	cs_error_t err;

	for (;;) {
		err = cpg_mcast_joined(st->h, g, iov, n);
		if (err != CS_ERR_TRY_AGAIN || cpgt_now_ms() > deadline)
			return err;
		if (poll(&pfd, 1, 10) > 0)
			(void)cpg_dispatch(st->h, CS_DISPATCH_ALL);
	}
}

cs_error_t send_tagged(struct hstate *st, cpg_guarantee_t g, uint32_t tag, size_t len)
{
	struct iovec iov;
	cs_error_t err;

	iov.iov_base = malloc(len ? len : 1);
	if (iov.iov_base == NULL)
		return CS_ERR_NO_MEMORY;
	iov.iov_len = len;
	fill_payload(iov.iov_base, len, tag);
	err = mcast_retry(st, g, &iov, 1);
	free(iov.iov_base);
	return err;
}

uint32_t new_tag(void)
{
	static uint32_t next = 0x100;

	return next++;
}

/* Unique per run: pid and a clock nonce (pids repeat across hosts). */
void group_name(struct cpg_name *g, const char *what)
{
	static unsigned int nonce;
	char s[CPG_MAX_NAME_LENGTH + 1];

	if (nonce == 0)
		nonce = (unsigned int)cpgt_mix64((uint64_t)cpgt_now_ms() ^
						 ((uint64_t)getpid() << 32)) | 1;
	snprintf(s, sizeof(s), "rcconform-%ld-%08x-%s", (long)getpid(), nonce, what);
	cpgt_name(g, s);
}

/* ---- spawning helpers (re-exec of this program) -------------------------- */

pid_t spawn_self(char *const argv[], const char *sock_env)
{
	pid_t pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid != 0)
		return pid;
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	if (sock_env)
		setenv("RINGCAST_SOCKET", sock_env, 1);
	execv("/proc/self/exe", argv);
	_exit(127);
}

/* waitpid with a bound; -1 on timeout (the child is then killed). */
int wait_child(pid_t pid, int ms)
{
	int64_t deadline = cpgt_now_ms() + ms;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 || cpgt_now_ms() > deadline)
			break;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	return -1;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cpg_conform [--corosync] [--no-big] [--big-size BYTES]\n"
		"                   [--timeout-ms MS] [--watchdog SEC] [-v]\n"
		"       cpg_conform [--corosync] --no-daemon\n"
		"Checks every cpg_* function against a running daemon; TAP output.\n"
		"  --corosync    expect corosync 3.1's behaviour where ringcast differs\n"
		"  --no-big      skip the big-message check (default 16 MiB)\n"
		"  --no-daemon   only check that initialize fails with CS_ERR_LIBRARY\n"
		"                (no daemon reachable; ringcast: RINGCAST_SOCKET)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "corosync", no_argument, NULL, 'C' },
		{ "no-big", no_argument, NULL, 'B' },
		{ "big-size", required_argument, NULL, 'b' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ "no-daemon", no_argument, NULL, 'N' },
		{ "sub", no_argument, NULL, 'S' },
		{ "child", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *child_mode = NULL;
	int no_daemon = 0, c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': opt.corosync = 1; break;
		case 'B': opt.big = 0; break;
		case 'b': opt.big_size = strtoul(optarg, NULL, 0); break;
		case 't': opt.timeout_ms = atoi(optarg); break;
		case 'w': opt.watchdog_s = (unsigned int)atoi(optarg); break;
		case 'N': no_daemon = 1; break;
		case 'S': tap_prefix = "# "; break;
		case 'c': child_mode = optarg; break;
		case 'v': opt.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (opt.timeout_ms <= 0 || opt.big_size < sizeof(struct tmsg)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, watchdog);
	alarm(opt.watchdog_s);

	if (child_mode) {
		if (optind >= argc) {
			usage(stderr);
			return 2;
		}
		return conform_child(child_mode, argv[optind]);
	}
	if (no_daemon) {
		conform_no_daemon();
	} else {
		conform_no_daemon_reexec();
		conform_params();
		conform_main();
		conform_args();
		conform_procs();
		conform_finalize_in_callback();
		conform_bad_handles();
	}
	if (cb_context_errors)
		check(0, "callbacks found their handle through cpg_context_get (%u failures)",
		      cb_context_errors);
	printf("%s1..%u\n", tap_prefix, n_checks);
	printf("%s# %u checks, %u failed%s\n", tap_prefix, n_checks, n_failed,
	       opt.corosync ? " (corosync expectations)" : "");
	return n_failed ? 1 : 0;
}
