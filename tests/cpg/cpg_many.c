/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_many: one process holding many CPG handles at once, each used, as an
 * application with one handle per resource or per worker does.
 *
 *   cpg_many [-n HANDLES] [-g PREFIX] [-w SECONDS] [-t SECONDS] [-x]
 *
 * Opens HANDLES (default 500) with cpg_initialize, timing each; joins each
 * to its own group PREFIX-I (one process may join a group once); sends one
 * message from each and dispatches every handle until it has its own
 * message back; then, idle, prints its resident memory and waits -w
 * SECONDS (default 0: none) so that a test can measure the daemon, and
 * finalizes everything. Lines:
 *   ATTACH n=N p50_us=.. p99_us=.. max_us=..
 *   USED n=N delivered=N
 *   IDLE rss_kb=.. handles=N
 * and "OK" at the end; exit 1 with "FAIL: ..." at the first error.
 * -x: exit at once after the sends (no dispatch, no finalize, "SENT" then
 * _exit), as a process that dies with its messages still in flight: the
 * daemon must still send them and then take its handles out of their
 * groups (PROCDOWN).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpgt.h"

static int got_own;		/* handles that have their message back */
static uint32_t my_pid;

struct h {
	cpg_handle_t h;
	int fd;
	int back;
};

static struct h *hs;

static void deliver(cpg_handle_t handle, const struct cpg_name *group, uint32_t nodeid,
		    uint32_t pid, void *msg, size_t len)
{
	void *ctx = NULL;
	struct h *x;

	(void)group;
	(void)nodeid;
	if (cpg_context_get(handle, &ctx) != CS_OK || ctx == NULL)
		return;
	x = ctx;
	if (pid == my_pid && len == sizeof(x->h) && memcmp(msg, &x->h, len) == 0 && !x->back) {
		x->back = 1;
		got_own++;
	}
}

static cpg_callbacks_t cbs = { .cpg_deliver_fn = deliver };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void fail(const char *what, int i, cs_error_t e)
{
	printf("FAIL: %s on handle %d: %s\n", what, i, cpgt_err(e));
	exit(1);
}

int main(int argc, char **argv)
{
	int n = 500, wait_s = 0, timeout_s = 60, opt, exit_at_once = 0;
	const char *prefix = "many";
	uint64_t *attach_ns;
	int64_t deadline;
	cs_error_t e;

	while ((opt = getopt(argc, argv, "n:g:w:t:x")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'g':
			prefix = optarg;
			break;
		case 'w':
			wait_s = atoi(optarg);
			break;
		case 't':
			timeout_s = atoi(optarg);
			break;
		case 'x':
			exit_at_once = 1;
			break;
		default:
			fprintf(stderr, "usage: cpg_many [-n HANDLES] [-g PREFIX] [-w SECONDS] "
				"[-t SECONDS] [-x]\n");
			return 2;
		}
	}
	if (n < 1 || n > 100000) {
		fprintf(stderr, "cpg_many: -n must be 1..100000\n");
		return 2;
	}
	my_pid = (uint32_t)getpid();
	hs = calloc((size_t)n, sizeof(*hs));
	attach_ns = calloc((size_t)n, sizeof(*attach_ns));
	if (hs == NULL || attach_ns == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		double t0 = cpgt_now_s();

		e = cpg_initialize(&hs[i].h, &cbs);
		attach_ns[i] = (uint64_t)((cpgt_now_s() - t0) * 1e9);
		if (e != CS_OK)
			fail("cpg_initialize", i, e);
		if ((e = cpg_context_set(hs[i].h, &hs[i])) != CS_OK)
			fail("cpg_context_set", i, e);
		if ((e = cpg_fd_get(hs[i].h, &hs[i].fd)) != CS_OK)
			fail("cpg_fd_get", i, e);
	}
	qsort(attach_ns, (size_t)n, sizeof(*attach_ns), cmp_u64);
	printf("ATTACH n=%d p50_us=%llu p99_us=%llu max_us=%llu\n", n,
	       (unsigned long long)attach_ns[n / 2] / 1000,
	       (unsigned long long)attach_ns[(n * 99) / 100] / 1000,
	       (unsigned long long)attach_ns[n - 1] / 1000);
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		struct cpg_name g;
		char name[64];

		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		cpgt_name(&g, name);
		do {
			e = cpg_join(hs[i].h, &g);
		} while (e == CS_ERR_TRY_AGAIN && usleep(1000) == 0);
		if (e != CS_OK)
			fail("cpg_join", i, e);
	}
	for (int i = 0; i < n; i++) {
		struct iovec iov = { &hs[i].h, sizeof(hs[i].h) };

		do {
			e = cpg_mcast_joined(hs[i].h, CPG_TYPE_AGREED, &iov, 1);
		} while (e == CS_ERR_TRY_AGAIN && usleep(1000) == 0);
		if (e != CS_OK)
			fail("cpg_mcast_joined", i, e);
	}
	if (exit_at_once) {
		printf("SENT n=%d\n", n);
		fflush(stdout);
		_exit(0);
	}
	/* Dispatch whatever is readable until every handle has its message. */
	deadline = cpgt_now_ms() + (int64_t)timeout_s * 1000;
	while (got_own < n) {
		struct pollfd *p = calloc((size_t)n, sizeof(*p));

		if (p == NULL)
			return 1;
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = hs[i].fd, .events = POLLIN };
		if (poll(p, (nfds_t)n, 100) < 0 && errno != EINTR) {
			printf("FAIL: poll: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			e = cpg_dispatch(hs[i].h, CS_DISPATCH_ALL);
			if (e != CS_OK && e != CS_ERR_TRY_AGAIN)
				fail("cpg_dispatch", i, e);
		}
		free(p);
		if (cpgt_now_ms() > deadline) {
			printf("FAIL: only %d of %d handles had their message back in %d s\n",
			       got_own, n, timeout_s);
			return 1;
		}
	}
	printf("USED n=%d delivered=%d\n", n, got_own);
	printf("IDLE rss_kb=%ld handles=%d\n", rss_kb(), n);
	fflush(stdout);
	if (wait_s > 0)
		sleep((unsigned int)wait_s);
	for (int i = 0; i < n; i++)
		if ((e = cpg_finalize(hs[i].h)) != CS_OK)
			fail("cpg_finalize", i, e);
	printf("OK\n");
	free(hs);
	free(attach_ns);
	return 0;
}
