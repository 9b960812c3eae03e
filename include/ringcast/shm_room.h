/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backpressure over hdr->room_wait (shm.h), both sides' steps, header-only so
 * the daemon, the test suite's fake daemon and libcpg run the same code. The
 * daemon never blocks: it wakes the futex only when a sender flagged itself.
 *
 *   sender (tx ring or arena full)        daemon (tx_tail or comp_head moved,
 *                                          or close_state DRAINED: shm.h)
 *   room_wait = 1 (seq_cst), fence        index = n (release), fence
 *   tx_tail, comp_head moved ? retry      room_wait && xchg(room_wait, 0) ?
 *   else futex_wait(room_wait, 1, t)        futex_wake(room_wait, all)
 *
 * Either the sender sees the new index or the daemon sees the flag. The
 * region is MAP_SHARED in both processes: a shared (not private) futex.
 */
#ifndef RINGCAST_SHM_ROOM_H
#define RINGCAST_SHM_ROOM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ringcast/shm.h>

/* The daemon, after releasing tx_tail or comp_head: wake a waiting sender.
   true when one had flagged itself (a system call was made). */
static inline bool rc_shm_room_wake(struct rc_shm_hdr *h)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&h->room_wait, __ATOMIC_RELAXED) == 0 ||
	    __atomic_exchange_n(&h->room_wait, 0, __ATOMIC_SEQ_CST) == 0)
		return false;
	(void)syscall(SYS_futex, &h->room_wait, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	return true;
}

/* The sender: flag itself, then re-check the indexes before rc_shm_room_sleep(). */
static inline void rc_shm_room_arm(struct rc_shm_hdr *h)
{
	__atomic_store_n(&h->room_wait, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Sleep while the flag stays set, at most ns. 0 (woken, or the flag was
   already taken back), -ETIMEDOUT, -EINTR. */
static inline int rc_shm_room_sleep(struct rc_shm_hdr *h, uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
			       .tv_nsec = (long)(ns % 1000000000u) };

	if (syscall(SYS_futex, &h->room_wait, FUTEX_WAIT, 1, &ts, NULL, 0) == 0)
		return 0;
	return errno == EAGAIN ? 0 : -errno;
}

#endif /* RINGCAST_SHM_ROOM_H */
