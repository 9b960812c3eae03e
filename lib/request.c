/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Synchronous requests through hdr->ctl: fill req_*, release req_seq + 1,
 * wait for rep_seq == req_seq. Spin a few microseconds first (the dataplane
 * answers fast), then sleep on the socket with `sleeping` armed (a few ms
 * at a time: RC_REQ_RECHECK_MS), watching it for a dead daemon. One request
 * at a time per handle (req_lock).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cpg_int.h"

#define RC_REQ_SPIN_NS	20000	/* 20 us */
/*
 * The longest one sleep lasts before the answer is looked at again. The
 * socket and `sleeping` are shared with whatever else waits on the handle
 * (a blocking dispatcher, an application's own poll on cpg_fd_get): one
 * may read the answer's wake-up byte before this thread's poll begins, or
 * take `sleeping` back just before the daemon looked at it, and nothing
 * would wake this thread until its timeout. A request waits about a token
 * rotation, so the few extra looks cost nothing.
 */
#define RC_REQ_RECHECK_MS	2

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static bool answered(const struct rc_cpg *h)
{
	/* pairs with the daemon's release of rep_seq after it wrote the reply */
	return rc_load_acq32(&h->hdr->ctl.rep_seq) == h->req_seq;
}

static int wait_reply(struct rc_cpg *h)
{
	uint64_t start = now_ns(), deadline, t;
	int ret, spins = 0;

	deadline = start + (uint64_t)h->timeout_ms * 1000000u;
	while (!answered(h)) {
		if (++spins % 64 == 0 && now_ns() - start > RC_REQ_SPIN_NS)
			break;
		cpu_relax();
	}
	for (;;) {
		if (answered(h))
			return 0;
		if (h->finalized)
			return -EBADF;
		/* let go (shm.h, "Closing"): the daemon answers no more (but
		   a JOIN it had taken); an answer written before it is seen
		   (the acquire of close_state), so look once more */
		if (rc_gone(h) || rc_let_go(h))
			return answered(h) ? 0 : -ENOTCONN;
		rc_wake_arm(h);
		if (answered(h))
			return 0;
		t = now_ns();
		if (t >= deadline)
			return -ETIMEDOUT;
		t = (deadline - t + 999999) / 1000000;
		ret = rc_wake_wait(h, t < RC_REQ_RECHECK_MS ? (int)t : RC_REQ_RECHECK_MS);
		if (ret == -ETIMEDOUT)
			continue;	/* the loop re-checks, then times out */
		if (ret < 0 && !h->finalized)
			return ret;
	}
}

int rc_req(struct rc_cpg *h, uint32_t type, uint32_t arg, const struct cpg_name *name,
	   size_t entry_size, const void **entries, uint32_t *count)
{
	return rc_req_page(h, type, arg, name, 0, entry_size, entries, count, NULL);
}

int rc_req_page(struct rc_cpg *h, uint32_t type, uint32_t arg, const struct cpg_name *name,
		uint32_t from, size_t entry_size, const void **entries, uint32_t *count,
		struct rc_req_more *more)
{
	struct rc_shm_ctl *ctl = &h->hdr->ctl;
	uint32_t n;
	int ret;

	if (rc_gone(h))
		return -ENOTCONN;
	ctl->req_type = type;
	ctl->req_arg = arg;
	ctl->req_from = from;
	/* zero-padded past length: the daemon may compare whole names */
	memset(&ctl->req_name, 0, sizeof(ctl->req_name));
	if (name != NULL) {
		ctl->req_name.length = name->length;
		memcpy(ctl->req_name.value, name->value, name->length);
	}
	h->req_seq++;
	rc_store_rel32(&ctl->req_seq, h->req_seq);	/* pairs with the daemon's acquire */
	rc_bell(h);

	ret = wait_reply(h);
	rc_wake_settle(h);	/* we may have read a wake meant for the application */
	if (ret < 0)
		return ret;

	ret = rc_errno_from_cs(__atomic_load_n(&ctl->rep_status, __ATOMIC_RELAXED));
	n = __atomic_load_n(&ctl->rep_count, __ATOMIC_RELAXED);
	if (entry_size > 0 && n > h->g.ctl_size / entry_size)
		n = (uint32_t)(h->g.ctl_size / entry_size);	/* never read past the ctl area */
	if (entries != NULL)
		*entries = h->ctl;
	if (count != NULL)
		*count = entry_size > 0 ? n : 0;
	if (more != NULL) {
		more->total = __atomic_load_n(&ctl->rep_total, __ATOMIC_RELAXED);
		more->gen = __atomic_load_n(&ctl->rep_gen, __ATOMIC_RELAXED);
	}
	return ret;
}
