/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wake-up protocol over hdr->sleeping and the eventfd. Invariant kept
 * whenever the handle's lock is released outside a wait: the eventfd (and so
 * the fd cpg_fd_get() returns) is readable, or about to be, if the rx ring
 * has entries; otherwise `sleeping` is armed so the daemon's next record
 * makes it readable.
 *
 *   client                               daemon
 *   sleeping = 1 (seq_cst)               rx_head = n (release), fence
 *   fence; rx_head != rx_tail ?          xchg(sleeping, 0) == 1 ? write(efd, 1)
 *
 * Whoever takes `sleeping` back from 1 owes one eventfd increment: the daemon
 * writes it; when we take it back ourselves nobody does. wake_owed counts the
 * increments in flight or unread, so the eventfd is read only when there is
 * something to read and written only when nothing else will make it readable:
 * dispatching a busy ring costs no system call per message.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "cpg_int.h"

bool rc_rx_pending(const struct rc_cpg *h)
{
	/* pairs with the daemon's release of rx_head */
	return rc_load_acq32(&h->hdr->rx_head.v) != h->rx_tail;
}

/* Take `sleeping` back; if the daemon took it first, its write is owed. */
void rc_wake_disarm(struct rc_cpg *h)
{
	if (!h->armed)
		return;
	h->armed = false;
	if (__atomic_exchange_n(&h->hdr->sleeping, 0, __ATOMIC_SEQ_CST) == 0)
		h->wake_owed++;
}

/* Read the eventfd if a wake is owed (or always, when force). */
void rc_wake_drain(struct rc_cpg *h, bool force)
{
	uint64_t v;

	if (h->wake_owed == 0 && !force)
		return;
	if (read(h->efd, &v, sizeof(v)) == sizeof(v))
		h->wake_owed = v >= h->wake_owed ? 0 : h->wake_owed - (uint32_t)v;
	else if (force)
		h->wake_owed = 0;	/* a late write only causes a spurious wake */
}

/* Make the eventfd readable unless an increment is already owed. */
static void kick(struct rc_cpg *h)
{
	uint64_t one = 1;

	if (h->wake_owed > 0)
		return;
	if (write(h->efd, &one, sizeof(one)) == sizeof(one))
		h->wake_owed++;
}

/* Before a wait: nothing unread on the eventfd, sleeping armed. The caller
   re-checks its condition afterwards (seq_cst orders it after the store). */
void rc_wake_arm(struct rc_cpg *h)
{
	rc_wake_disarm(h);
	rc_wake_drain(h, true);
	h->armed = true;
	__atomic_store_n(&h->hdr->sleeping, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Restore the invariant before the lock is released. */
void rc_wake_settle(struct rc_cpg *h)
{
	if (h->gone || h->finalized)
		return;		/* the socket's hang-up keeps the fd readable */
	rc_wake_disarm(h);
	if (rc_rx_pending(h)) {
		kick(h);
		return;
	}
	rc_wake_drain(h, false);
	h->armed = true;
	__atomic_store_n(&h->hdr->sleeping, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rc_rx_pending(h)) {	/* raced with the daemon */
		rc_wake_disarm(h);
		kick(h);
	}
}

/*
 * Sleep until the eventfd or the socket is readable, at most timeout_ms (-1:
 * forever). Lock held on entry and return, dropped while sleeping.
 * 0 (woken: re-check), -ETIMEDOUT, or -ENOTCONN (the daemon is gone).
 */
int rc_wake_wait(struct rc_cpg *h, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = h->efd, .events = POLLIN },
		{ .fd = h->sock, .events = POLLIN | POLLRDHUP },
	};
	int n;

	pthread_mutex_unlock(&h->lock);
	n = poll(p, 2, timeout_ms);
	pthread_mutex_lock(&h->lock);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (p[1].revents && rc_conn_dead(h))
		return -ENOTCONN;
	return 0;
}
