/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_debian_smoke: a classic CPG program, built only against Debian's
 * libcpg-dev (corosync's <corosync/cpg.h>, -lcpg), never ringcast's headers.
 * Run against ringcast's libcpg.so.4 with LD_LIBRARY_PATH, it proves that a
 * binary compiled for corosync works unchanged: initialize, join, send 100
 * messages, receive them in order and intact, check the membership, leave,
 * finalize. Prints which libcpg.so.4 the dynamic linker picked (--expect-lib
 * SUBSTRING fails the run if that path lacks SUBSTRING). Exit 0 on success.
 */
#define _GNU_SOURCE
#include <corosync/cpg.h>

#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef RINGCAST_COROSYNC_API
#error "cpg_debian_smoke must be built against corosync's cpg.h, not ringcast's"
#endif

#define N_MSGS		100
#define MSG_MAGIC	0x534d4f4bu	/* "SMOK" */

struct smoke_msg {
	unsigned int magic;
	unsigned int seq;
	unsigned int len;
};

static struct cpg_name group;
static unsigned int local_nodeid;
static unsigned int received, bad, joined_self, left_self;
static int timeout_ms = 10000;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static unsigned char pattern(unsigned int seq, size_t i)
{
	return (unsigned char)(seq * 13u + i);
}

static void deliver(cpg_handle_t handle, const struct cpg_name *group_name, uint32_t nodeid,
		    uint32_t pid, void *msg, size_t msg_len)
{
	const unsigned char *p = msg;
	struct smoke_msg m;
	size_t i;
	int ok;

	(void)handle;
	(void)group_name;
	if (msg_len < sizeof(m)) {
		bad++;
		return;
	}
	memcpy(&m, msg, sizeof(m));
	ok = m.magic == MSG_MAGIC && m.seq == received && m.len == msg_len &&
	     nodeid == local_nodeid && pid == (uint32_t)getpid();
	for (i = sizeof(m); ok && i < msg_len; i++)
		ok = p[i] == pattern(m.seq, i);
	if (!ok) {
		bad++;
		fprintf(stderr, "bad message %u: seq %u len %zu from %u/%u\n", received, m.seq,
			msg_len, nodeid, pid);
	}
	received++;
}

static void confchg(cpg_handle_t handle, const struct cpg_name *group_name,
		    const struct cpg_address *member_list, size_t member_list_entries,
		    const struct cpg_address *left_list, size_t left_list_entries,
		    const struct cpg_address *joined_list, size_t joined_list_entries)
{
	size_t i;

	(void)handle;
	(void)member_list;
	(void)member_list_entries;
	if (group_name->length != group.length ||
	    memcmp(group_name->value, group.value, group.length) != 0)
		return;
	for (i = 0; i < joined_list_entries; i++)
		if (joined_list[i].nodeid == local_nodeid &&
		    joined_list[i].pid == (uint32_t)getpid() &&
		    joined_list[i].reason == CPG_REASON_JOIN)
			joined_self = 1;
	for (i = 0; i < left_list_entries; i++)
		if (left_list[i].nodeid == local_nodeid &&
		    left_list[i].pid == (uint32_t)getpid() &&
		    left_list[i].reason == CPG_REASON_LEAVE)
			left_self = 1;
}

/* Poll and dispatch until *flag reaches want or the timeout passes. */
static int wait_until(cpg_handle_t handle, int fd, unsigned int *flag, unsigned int want)
{
	long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	cs_error_t err;

	while (*flag < want) {
		long left = deadline - now_ms();

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return 0;
		if (pfd.revents & POLLIN) {
			err = cpg_dispatch(handle, CS_DISPATCH_ALL);
			if (err != CS_OK) {
				fprintf(stderr, "cpg_dispatch: error %d\n", err);
				return 0;
			}
		}
	}
	return 1;
}

#define STEP(ok, ...)							\
	do {								\
		if (ok) {						\
			printf("ok - ");				\
		} else {						\
			printf("FAIL - ");				\
			failed++;					\
		}							\
		printf(__VA_ARGS__);					\
		putchar('\n');						\
	} while (0)

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "expect-lib", required_argument, NULL, 'l' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	cpg_callbacks_t callbacks = { .cpg_deliver_fn = deliver, .cpg_confchg_fn = confchg };
	struct cpg_address members[CPG_MEMBERS_MAX];
	const char *expect_lib = NULL, *libpath;
	unsigned char buf[4096];
	cpg_handle_t handle;
	struct smoke_msg m;
	struct iovec iov;
	char name[64];
	int c, fd = -1, n_members = CPG_MEMBERS_MAX, i, failed = 0, self = 0;
	unsigned int seq, sent = 0;
	size_t k, len;
	cs_error_t err;
	Dl_info info;

	snprintf(name, sizeof(name), "rc-debian-smoke-%ld", (long)getpid());
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'g': snprintf(name, sizeof(name), "%s", optarg); break;
		case 'l': expect_lib = optarg; break;
		case 't': timeout_ms = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: cpg_debian_smoke [--group G] [--expect-lib SUBSTR] "
					"[--timeout-ms MS]\n");
			return 2;
		}
	}
	group.length = (uint32_t)strlen(name);
	memcpy(group.value, name, group.length);

	libpath = dladdr((void *)cpg_initialize, &info) && info.dli_fname ? info.dli_fname : "?";
	printf("# libcpg in use: %s\n", libpath);
	if (expect_lib)
		STEP(strstr(libpath, expect_lib) != NULL, "libcpg path contains \"%s\"", expect_lib);

	err = cpg_initialize(&handle, &callbacks);
	STEP(err == CS_OK, "cpg_initialize (%d)", err);
	if (err != CS_OK)
		return 1;
	err = cpg_local_get(handle, &local_nodeid);
	STEP(err == CS_OK && local_nodeid != 0, "cpg_local_get: nodeid %u", local_nodeid);
	err = cpg_fd_get(handle, &fd);
	STEP(err == CS_OK && fd >= 0, "cpg_fd_get: %d", fd);
	err = cpg_join(handle, &group);
	STEP(err == CS_OK, "cpg_join %s (%d)", name, err);
	STEP(wait_until(handle, fd, &joined_self, 1), "own join confchg, reason JOIN");

	for (seq = 0; seq < N_MSGS; seq++) {
		long deadline = now_ms() + timeout_ms;

		len = sizeof(m) + (seq * 397u) % (sizeof(buf) - sizeof(m));
		m.magic = MSG_MAGIC;
		m.seq = seq;
		m.len = (unsigned int)len;
		memcpy(buf, &m, sizeof(m));
		for (k = sizeof(m); k < len; k++)
			buf[k] = pattern(seq, k);
		iov.iov_base = buf;
		iov.iov_len = len;
		do {
			err = cpg_mcast_joined(handle, CPG_TYPE_AGREED, &iov, 1);
			if (err == CS_ERR_TRY_AGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLIN };

				if (poll(&pfd, 1, 1) > 0)
					cpg_dispatch(handle, CS_DISPATCH_ALL);
			}
		} while (err == CS_ERR_TRY_AGAIN && now_ms() < deadline);
		if (err != CS_OK)
			break;
		sent++;
	}
	STEP(sent == N_MSGS, "cpg_mcast_joined: %u of %d sent (last %d)", sent, N_MSGS, err);
	STEP(wait_until(handle, fd, &received, N_MSGS) && bad == 0,
	     "received %u of %d, in order and intact (%u bad)", received, N_MSGS, bad);

	err = cpg_membership_get(handle, &group, members, &n_members);
	for (i = 0; err == CS_OK && i < n_members; i++)
		if (members[i].nodeid == local_nodeid && members[i].pid == (uint32_t)getpid())
			self = 1;
	STEP(err == CS_OK && self, "cpg_membership_get: %d members, us among them", n_members);

	err = cpg_leave(handle, &group);
	STEP(err == CS_OK, "cpg_leave (%d)", err);
	STEP(wait_until(handle, fd, &left_self, 1), "own leave confchg, reason LEAVE");
	err = cpg_finalize(handle);
	STEP(err == CS_OK, "cpg_finalize (%d)", err);

	printf("%s: cpg_debian_smoke, %d failed\n", failed ? "FAIL" : "PASS", failed);
	return failed ? 1 : 0;
}
