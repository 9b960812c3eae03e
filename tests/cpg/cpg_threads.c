/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_threads: one handle used from three threads at once, as corosync's
 * library allows: a sender in a tight loop, a dispatcher blocked in
 * cpg_dispatch(CS_DISPATCH_BLOCKING), and a third thread calling
 * cpg_membership_get, the iteration calls and the small getters. Every
 * message must come back, in order and intact; then cpg_finalize from main
 * must end the blocking dispatch. Built with ThreadSanitizer by
 * scripts/tsan. With -DCPGT_CS_STRERROR (the Debian-built copy, linked with
 * libcorosync_common) errors are printed with corosync's cs_strerror.
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpgt.h"

#ifdef CPGT_CS_STRERROR
#define ERRSTR(e)	cs_strerror(e)
#else
#define ERRSTR(e)	cpgt_err(e)
#endif

#define MAGIC	0x54485244u	/* "THRD" */

struct tmsg {
	uint32_t magic, seq, len, crc;
};

static cpg_handle_t h;
static struct cpg_name group;
static uint32_t count = 20000, local_nodeid;
static int timeout_s = 60;
static uint32_t max_size = 2000;

/* written by the dispatcher only, read by main after a release */
static uint32_t received, bad, next_seq;
static int done_sending, self_joined;
static unsigned long memb_calls, iter_calls, third_errors, send_retries;

static int atomic_get(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static size_t msg_len(uint32_t seq)
{
	return sizeof(struct tmsg) + (cpgt_mix64(seq) % (max_size - sizeof(struct tmsg)));
}

static void deliver(cpg_handle_t hd, const struct cpg_name *g, uint32_t nodeid, uint32_t pid,
		    void *msg, size_t len)
{
	struct tmsg t;

	(void)hd;
	(void)g;
	if (nodeid != local_nodeid || pid != (uint32_t)getpid())
		return;		/* another sender's: not ours to count */
	if (len < sizeof(t)) {
		bad++;
		return;
	}
	memcpy(&t, msg, sizeof(t));
	if (t.magic != MAGIC || t.seq != next_seq || t.len != len ||
	    t.crc != cpgt_crc32c(0, (const uint8_t *)msg + sizeof(t), len - sizeof(t)))
		bad++;
	next_seq = t.seq + 1;
	__atomic_store_n(&received, received + 1, __ATOMIC_RELEASE);
}

static void confchg(cpg_handle_t hd, const struct cpg_name *g, const struct cpg_address *m,
		    size_t nm, const struct cpg_address *l, size_t nl,
		    const struct cpg_address *j, size_t nj)
{
	(void)hd;
	(void)g;
	(void)m;
	(void)nm;
	(void)l;
	(void)nl;
	for (size_t i = 0; i < nj; i++)
		if (j[i].nodeid == local_nodeid && j[i].pid == (uint32_t)getpid())
			__atomic_store_n(&self_joined, 1, __ATOMIC_RELEASE);
}

static void *dispatcher(void *arg)
{
	cs_error_t *ret = arg;

	*ret = cpg_dispatch(h, CS_DISPATCH_BLOCKING);
	return NULL;
}

static void *sender(void *arg)
{
	static uint8_t buf[65536];
	struct iovec iov = { buf, 0 };
	struct tmsg t = { .magic = MAGIC };
	cs_error_t *ret = arg;

	for (uint32_t seq = 0; seq < count; seq++) {
		size_t len = msg_len(seq);

		for (size_t i = sizeof(t); i < len; i++)
			buf[i] = (uint8_t)(cpgt_mix64(seq * 131 + i) >> 7);
		t.seq = seq;
		t.len = (uint32_t)len;
		t.crc = cpgt_crc32c(0, buf + sizeof(t), len - sizeof(t));
		memcpy(buf, &t, sizeof(t));
		iov.iov_len = len;
		while ((*ret = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN) {
			send_retries++;
			sched_yield();
		}
		if (*ret != CS_OK)
			break;
	}
	__atomic_store_n(&done_sending, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* membership, iteration, getters, until the sender is done */
static void *third(void *arg)
{
	static struct cpg_address memb[CPG_MEMBERS_MAX];
	struct cpg_iteration_description_t d;
	cpg_iteration_handle_t it;
	cpg_flow_control_state_t fc;
	unsigned int nodeid;
	void *ctx;
	int n;

	(void)arg;
	while (!atomic_get(&done_sending)) {
		n = 0;
		if (cpg_membership_get(h, &group, memb, &n) != CS_OK || n < 1)
			third_errors++;
		memb_calls++;
		if (cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, &it) == CS_OK) {
			while (cpg_iteration_next(it, &d) == CS_OK)
				;
			if (cpg_iteration_finalize(it) != CS_OK)
				third_errors++;
		} else {
			third_errors++;
		}
		iter_calls++;
		if (cpg_local_get(h, &nodeid) != CS_OK || nodeid != local_nodeid ||
		    cpg_flow_control_state_get(h, &fc) != CS_OK ||
		    cpg_context_get(h, &ctx) != CS_OK)
			third_errors++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver, .cpg_confchg_fn = confchg };
	cs_error_t err, send_ret = CS_OK, disp_ret = CS_OK;
	pthread_t td, ts, tt;
	int64_t deadline;
	char name[64];
	int c;

	while ((c = getopt(argc, argv, "n:s:t:")) != -1) {
		if (c == 'n')
			count = (uint32_t)strtoul(optarg, NULL, 0);
		else if (c == 's')
			max_size = (uint32_t)strtoul(optarg, NULL, 0);
		else if (c == 't')
			timeout_s = atoi(optarg);
		else
			return 2;
	}
	if (max_size <= sizeof(struct tmsg) || max_size > 65536) {
		fprintf(stderr, "cpg_threads: -s between %zu and 65536\n", sizeof(struct tmsg) + 1);
		return 2;
	}
	snprintf(name, sizeof(name), "threads-%ld", (long)getpid());
	cpgt_name(&group, name);
	if ((err = cpg_initialize(&h, &cb)) != CS_OK ||
	    (err = cpg_local_get(h, &local_nodeid)) != CS_OK ||
	    (err = cpg_join(h, &group)) != CS_OK) {
		fprintf(stderr, "cpg_threads: setup: %s\n", ERRSTR(err));
		return 1;
	}
	pthread_create(&td, NULL, dispatcher, &disp_ret);
	deadline = cpgt_now_ms() + timeout_s * 1000;
	while (!atomic_get(&self_joined) && cpgt_now_ms() < deadline)
		usleep(1000);
	pthread_create(&tt, NULL, third, NULL);
	pthread_create(&ts, NULL, sender, &send_ret);
	pthread_join(ts, NULL);
	while (__atomic_load_n(&received, __ATOMIC_ACQUIRE) < count && cpgt_now_ms() < deadline)
		usleep(1000);
	pthread_join(tt, NULL);
	err = cpg_finalize(h);	/* ends the blocking dispatch */
	pthread_join(td, NULL);
	printf("RESULT sent=%u received=%u bad=%u send=%s retries=%lu membership_calls=%lu "
	       "iterations=%lu third_errors=%lu finalize=%s dispatch=%s\n",
	       count, received, bad, ERRSTR(send_ret), send_retries, memb_calls, iter_calls,
	       third_errors, ERRSTR(err), ERRSTR(disp_ret));
	return send_ret == CS_OK && received == count && bad == 0 && third_errors == 0 &&
	       memb_calls > 0 && err == CS_OK &&
	       (disp_ret == CS_OK || disp_ret == CS_ERR_BAD_HANDLE) ? 0 : 1;
}
