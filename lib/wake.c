/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wake-up protocol over hdr->sleeping and the socket. Invariant kept
 * whenever the handle's lock is released outside a wait: the socket (the fd
 * cpg_fd_get() returns) is readable, or about to be, if the rx ring has
 * entries; otherwise `sleeping` is armed so the daemon's next record makes
 * it readable.
 *
 *   client                               daemon (lcore)
 *   sleeping = SLEEP (seq_cst)           rx_head = n (release), fence
 *   fence; rx_head != rx_tail ?          xchg(sleeping, 0) != 0 ? send(sock, 1 byte)
 *
 * Whoever takes `sleeping` back from non-zero owes one byte: the daemon
 * sends it; when we take it back ourselves nobody does. wake_owed counts
 * the bytes in flight or unread, so the socket is read only when there is
 * something to read: dispatching a busy ring costs no system call per
 * message. A client cannot write to its own socket: when its records are
 * pending and no byte is owed, it sets KICK, and the daemon's next pass
 * takes it back and sends the byte as for SLEEP.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
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

/* Read the wake-up bytes owed (all there are, when force). */
void rc_wake_drain(struct rc_cpg *h, bool force)
{
	uint8_t b[16];
	ssize_t n;

	while (h->wake_owed > 0 || force) {
		n = recv(h->sock, b, sizeof(b), MSG_DONTWAIT);
		if (n > 0) {
			h->wake_owed -= h->wake_owed > 0;	/* one message, one byte */
			continue;
		}
		/* none (EAGAIN), or the daemon is gone (0, an error): the hang-up
		   keeps the socket readable; a late byte only wakes once more */
		if (force)
			h->wake_owed = 0;
		break;
	}
}

/*
 * The doorbell (shm.h, rc_shm_lcore): after the release that gives the lcore
 * work, a fence, then one byte on the socket if the lcore sleeps. Either its
 * last look before sleeping sees our release, or we see its flag. A full
 * socket buffer (EAGAIN) means bytes are waiting for it already.
 */
void rc_bell(struct rc_cpg *h)
{
	const uint8_t one = 1;

	/* unconditional: tx_push's close check relies on it too */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&h->lcore->sleeping, __ATOMIC_RELAXED) &&
	    send(h->sock, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* EAGAIN: rung already; EPIPE: the daemon is gone (the hang-up says so) */
	}
}

/* Make the socket readable soon unless a byte is owed already: ask the
   daemon for one (KICK); armed as for a sleep, and taken back the same way. */
static void kick(struct rc_cpg *h)
{
	if (h->wake_owed > 0)
		return;
	h->armed = true;
	__atomic_store_n(&h->hdr->sleeping, RC_SHM_KICK, __ATOMIC_SEQ_CST);
	rc_bell(h);
}

/* Before a wait: nothing unread on the eventfd, sleeping armed. The caller
   re-checks its condition afterwards (seq_cst orders it after the store). */
void rc_wake_arm(struct rc_cpg *h)
{
	rc_wake_disarm(h);
	rc_wake_drain(h, true);
	h->armed = true;
	__atomic_store_n(&h->hdr->sleeping, RC_SHM_SLEEP, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Restore the invariant before the lock is released. */
void rc_wake_settle(struct rc_cpg *h)
{
	if (rc_gone(h) || h->finalized)
		return;		/* the socket's hang-up keeps the fd readable */
	rc_wake_disarm(h);
	if (rc_rx_pending(h)) {
		kick(h);
		return;
	}
	rc_wake_drain(h, false);
	h->armed = true;
	__atomic_store_n(&h->hdr->sleeping, RC_SHM_SLEEP, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rc_rx_pending(h)) {	/* raced with the daemon */
		rc_wake_disarm(h);
		kick(h);
	}
}

/*
 * Sleep until the socket is readable (a wake-up, or the daemon hung up), at
 * most timeout_ms (-1: forever). Lock held on entry and return, dropped
 * while sleeping. 0 (woken: re-check), -ETIMEDOUT, or -ENOTCONN (the
 * daemon is gone).
 */
int rc_wake_wait(struct rc_cpg *h, int timeout_ms)
{
	struct pollfd p = { .fd = h->sock, .events = POLLIN | POLLRDHUP };
	int n;

	pthread_mutex_unlock(&h->lock);
	n = poll(&p, 1, timeout_ms);
	pthread_mutex_lock(&h->lock);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if ((p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) && rc_conn_dead(h))
		return -ENOTCONN;
	return 0;
}
