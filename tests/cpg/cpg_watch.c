/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_watch: joins a group and prints every callback as one line, flushed,
 * until killed or --timeout runs out. The cluster fault tests read its output
 * to see PROCDOWN, NODEDOWN and NODEUP as a client sees them:
 *
 *   READY nodeid=N pid=P
 *   CONFCHG group=G members=n:p,... left=n:p:REASON,... joined=n:p:REASON,...
 *   TOTEM ring=REP.SEQ members=n,...
 *   MSG nodeid=N pid=P len=L            (with -c: ... len=L crc=0xC id=I: the
 *                                        CRC32C, and the first 4 bytes as a u32)
 *   MAX bytes=B                         (-m: cpg_max_atomic_msgsize_get, after READY)
 *   SENT len=L ERR                      (-S L, repeatable: one message of L bytes
 *                                        sent, and what cpg_mcast_joined said)
 *
 * -D LEN:MS: the deliver callback of each message of LEN bytes takes MS ms
 * (an application busy with it: the record stays unread meanwhile).
 * -W N: send (-s, -S) only once the group has N members.
 *
 * Standard API only, so it runs against corosync as well.
 */
#include <getopt.h>
#include <sys/uio.h>
#include <unistd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpgt.h"

static const char *reason(uint32_t r)
{
	switch (r) {
	case CPG_REASON_JOIN: return "JOIN";
	case CPG_REASON_LEAVE: return "LEAVE";
	case CPG_REASON_NODEDOWN: return "NODEDOWN";
	case CPG_REASON_NODEUP: return "NODEUP";
	case CPG_REASON_PROCDOWN: return "PROCDOWN";
	default: return "UNDEFINED";
	}
}

static void list(const char *tag, const struct cpg_address *a, size_t n, int with_reason)
{
	printf(" %s=", tag);
	for (size_t i = 0; i < n; i++) {
		printf("%s%u:%u", i ? "," : "", a[i].nodeid, a[i].pid);
		if (with_reason)
			printf(":%s", reason(a[i].reason));
	}
}

static size_t n_members;	/* of the group, as the last confchg said */

static void on_confchg(cpg_handle_t h, const struct cpg_name *g,
		       const struct cpg_address *m, size_t nm,
		       const struct cpg_address *l, size_t nl,
		       const struct cpg_address *j, size_t nj)
{
	n_members = nm;
	printf("CONFCHG group=%.*s", (int)g->length, g->value);
	list("members", m, nm, 0);
	list("left", l, nl, 1);
	list("joined", j, nj, 1);
	printf("\n");
	fflush(stdout);
}

static void on_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n, const uint32_t *m)
{
	printf("TOTEM ring=%u.%llu members=", ring.nodeid, (unsigned long long)ring.seq);
	for (uint32_t i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", m[i]);
	printf("\n");
	fflush(stdout);
}

static int print_crc;
static size_t slow_len;
static unsigned int slow_ms;

static void on_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid,
		       uint32_t pid, void *msg, size_t len)
{
	uint32_t id = 0;

	if (print_crc) {
		memcpy(&id, msg, len < sizeof(id) ? len : sizeof(id));
		printf("MSG nodeid=%u pid=%u len=%zu crc=0x%08x id=%u\n", nodeid, pid, len,
		       cpgt_crc32c(0, msg, len), id);
	} else
		printf("MSG nodeid=%u pid=%u len=%zu\n", nodeid, pid, len);
	fflush(stdout);
	if (slow_ms && len == slow_len)
		usleep(slow_ms * 1000u);
}

int main(int argc, char **argv)
{
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = on_deliver,
		.cpg_confchg_fn = on_confchg,
		.cpg_totem_confchg_fn = on_totem,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	const char *group = "watch";
	int timeout_s = 60, send = 0, c, show_max = 0;
	size_t wait_members = 0;
	size_t sizes[16], n_sizes = 0;
	struct cpg_name name;
	cpg_handle_t h;
	unsigned int nodeid;
	int64_t end;
	cs_error_t err;
	int fd;

	while ((c = getopt(argc, argv, "g:t:scmS:D:W:")) != -1) {
		switch (c) {
		case 'W':
			wait_members = strtoul(optarg, NULL, 10);
			break;
		case 'D':
			if (sscanf(optarg, "%zu:%u", &slow_len, &slow_ms) != 2) {
				fprintf(stderr, "cpg_watch: -D LEN:MS\n");
				return 2;
			}
			break;
		case 'c': print_crc = 1; break;
		case 'g': group = optarg; break;
		case 't': timeout_s = atoi(optarg); break;
		case 's': send = 1; break;
		case 'm': show_max = 1; break;
		case 'S':
			if (n_sizes < sizeof(sizes) / sizeof(sizes[0]))
				sizes[n_sizes++] = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: cpg_watch [-g GROUP] [-t SECONDS] [-s (send one message)] "
				"[-c (CRC of each message)] [-m (print the largest message)] "
				"[-S BYTES (send one of that size; repeatable)] "
				"[-D LEN:MS (MS ms in the callback of a LEN-byte message)] "
				"[-W N (send once the group has N members)]\n");
			return 2;
		}
	}
	cpgt_name(&name, group);
	err = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&model, NULL);
	if (err != CS_OK) {
		fprintf(stderr, "cpg_model_initialize: %s\n", cpgt_err(err));
		return 1;
	}
	if ((err = cpg_join(h, &name)) != CS_OK || (err = cpg_fd_get(h, &fd)) != CS_OK ||
	    (err = cpg_local_get(h, &nodeid)) != CS_OK) {
		fprintf(stderr, "cpg_join/fd_get/local_get: %s\n", cpgt_err(err));
		return 1;
	}
	printf("READY nodeid=%u pid=%d\n", nodeid, (int)getpid());
	fflush(stdout);
	end = cpgt_now_ms() + (int64_t)timeout_s * 1000;
	while (n_members < wait_members && cpgt_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) < 0 || cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			break;
	}
	if (send) {
		struct iovec iov = { (void *)"hello", 5 };

		while ((err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN)
			cpg_dispatch(h, CS_DISPATCH_ALL);
		if (err != CS_OK) {	/* the tests rely on the exit status */
			fprintf(stderr, "cpg_mcast_joined: %s\n", cpgt_err(err));
			return 1;
		}
	}
	if (show_max) {
		uint32_t max = 0;

		err = cpg_max_atomic_msgsize_get(h, &max);
		printf("MAX bytes=%u %s\n", max, cpgt_err(err));
		fflush(stdout);
	}
	for (size_t i = 0; i < n_sizes; i++) {
		uint8_t *b = calloc(1, sizes[i] ? sizes[i] : 1);
		struct iovec iov = { b, sizes[i] };
		uint32_t id = (uint32_t)i;

		if (b == NULL)
			return 1;
		memcpy(b, &id, sizes[i] < sizeof(id) ? sizes[i] : sizeof(id));
		while ((err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN)
			cpg_dispatch(h, CS_DISPATCH_ALL);
		printf("SENT len=%zu %s\n", sizes[i], cpgt_err(err));
		fflush(stdout);
		free(b);
	}
	end = cpgt_now_ms() + (int64_t)timeout_s * 1000;
	while (cpgt_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) < 0)
			break;
		err = cpg_dispatch(h, CS_DISPATCH_ALL);
		if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
			printf("GONE %s\n", cpgt_err(err));
			fflush(stdout);
			return 1;
		}
	}
	cpg_finalize(h);
	return 0;
}
