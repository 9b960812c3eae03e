/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tx side: cpg_mcast_joined() copies into an arena buffer, the zcb calls
 * hand out arena buffers or private ones (below). A tx buffer is
 * [RC_SHM_TX_HDR room for the daemon's header | payload]; the descriptor
 * names it by its offset in the arena and covers room + payload. Buffers
 * come back through the completion ring, drained before every allocation;
 * the daemon completes a buffer once it no longer reads it: once it has
 * copied it into its frames, or, for a trusted client's message of
 * RC_SHM_ZC_MIN or more (zero copy), once every node holds it. No ring slot or no arena room: wait, tx_lock dropped,
 * at most RC_ROOM_WAIT_NS for the daemon to make some (shm_room.h), then
 * CS_ERR_TRY_AGAIN; so a caller that retries at once is paced by the daemon
 * instead of taking its CPU.
 *
 * corosync's contract for cpg_zcb_mcast_joined: the buffer may be written
 * again as soon as the call returns. Up to zcb_copy_max bytes, and from a
 * private buffer at any size, the library copies it into a fresh arena
 * buffer (cheaper than a round trip to the lcore); above, an arena buffer
 * is sent in place and the call waits for the daemon's completion of that
 * send: for the daemon's own copy, or until every node holds the message
 * (zero copy). zcb_copy_max is at least RC_SHM_ZC_MIN - 1, so a buffer's
 * sends in place are all of a size the daemon treats alike, and complete
 * in their order.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ringcast/shm_room.h>

#include "cpg_int.h"

#define RC_ROOM_WAIT_NS	(2 * 1000 * 1000ull)	/* then CS_ERR_TRY_AGAIN */
#define WAIT_TAKEN_CHECK_NS	(10 * 1000 * 1000ull)	/* is the daemon still there? */

/* The indexes a "no room" was decided on: the daemon moving either makes room. */
struct room_seen {
	uint32_t tx_tail, comp_head;
};

/* A completion for the buffer at off: one send of it is over. */
static void complete(struct rc_cpg *h, uint64_t off)
{
	struct rc_arena_blk *b = rc_arena_find(&h->arena, off);

	if (b == NULL || b->inflight == 0) {
		h->bad_comp++;
		return;
	}
	b->done++;
	if (--b->inflight > 0)
		return;
	if (!b->zcb || b->zcb_freed)
		rc_arena_free(&h->arena, off);
	else
		h->zcb_arena_idle += b->size;	/* held again, not in flight */
}

void rc_comp_drain(struct rc_cpg *h)
{
	uint32_t head, n;
	struct rc_shm_desc d;

	head = rc_load_acq32(&h->hdr->comp_head.v);	/* pairs with the daemon's release */
	n = head - h->comp_tail;
	if (n == 0)
		return;
	if (n > h->g.comp_mask + 1) {
		h->bad_comp++;
		return;
	}
	for (; h->comp_tail != head; h->comp_tail++) {
		memcpy(&d, &h->comp[h->comp_tail & h->g.comp_mask], sizeof(d));
		if (d.type == RC_SHM_COMP_FREE)
			complete(h, d.off);
		else
			h->bad_comp++;
	}
	rc_store_rel32(&h->hdr->comp_tail.v, h->comp_tail);	/* slots may be reused */
}

/*
 * Only from half full: a sending thread drains the ring at every send, and
 * the daemon waits only when it is full, so below half the dispatcher
 * leaves tx_lock (and its cache line) to the sender. Every record of a
 * message the daemon took comes back to this client, so a dispatcher
 * reaches a point with nothing pending after the ring filled.
 */
void rc_comp_reap(struct rc_cpg *h, bool wait)
{
	/* both acquire: the daemon's release of comp_head, ours of comp_tail */
	uint32_t used = rc_load_acq32(&h->hdr->comp_head.v) - rc_load_acq32(&h->hdr->comp_tail.v);

	if (used <= h->g.comp_mask / 2)
		return;
	if (wait)
		pthread_mutex_lock(&h->tx_lock);	/* its holders never sleep with it */
	else if (pthread_mutex_trylock(&h->tx_lock) != 0)
		return;
	rc_comp_drain(h);
	pthread_mutex_unlock(&h->tx_lock);
}

/* A tx ring slot is free. 0, -EAGAIN, or -EPROTO (tail out of range). */
static int tx_room(struct rc_cpg *h)
{
	uint32_t tail;

	if (h->tx_head - h->tx_tail <= h->g.tx_mask)
		return 0;
	tail = rc_load_acq32(&h->hdr->tx_tail.v);	/* pairs with the daemon's release */
	if (h->tx_head - tail > h->g.tx_mask + 1)
		return -EPROTO;
	h->tx_tail = tail;
	return h->tx_head - tail <= h->g.tx_mask ? 0 : -EAGAIN;
}

/*
 * The daemon let us go (shm.h, "Closing") as we pushed entry i: does it
 * still go out? It waits for the daemon's second store, which follows the
 * first at once unless the daemon is descheduled or dies between them.
 */
static bool pushed_in(struct rc_cpg *h, uint32_t i, uint32_t state)
{
	for (unsigned int spins = 0; state == RC_SHM_CLOSING; spins += spins < 1000) {
		if (spins >= 64) {
			/* died between the two stores: it sends nothing more
			   (still CLOSING after the socket closed: a daemon that
			   went on to CLOSED, then DRAINED, closed it too) */
			if (rc_conn_closed(h) &&
			    rc_load_acq32(&h->hdr->close_state) == RC_SHM_CLOSING)
				return false;
			if (spins < 1000) {
				sched_yield();
			} else {	/* the lcore is stopped (a debugger, SIGSTOP) */
				struct timespec ms = { 0, 1000000 };

				nanosleep(&ms, NULL);
			}
		}
		state = rc_load_acq32(&h->hdr->close_state);
	}
	return (int32_t)(__atomic_load_n(&h->hdr->close_head, __ATOMIC_RELAXED) - i) > 0;
}

/*
 * Queue the entry: 0, or -ENOTCONN when the daemon has let us go and will
 * not take it (the handle is gone from now on). An entry the daemon took
 * in before it let us go still goes out: 0, and the next send fails.
 */
static int tx_push(struct rc_cpg *h, uint64_t off, uint32_t len, cpg_guarantee_t guarantee)
{
	struct rc_shm_desc *d = &h->tx[h->tx_head & h->g.tx_mask];
	uint32_t i = h->tx_head, state;

	d->off = off;
	d->len = len;
	d->type = RC_SHM_TX_MCAST;
	d->flags = guarantee == CPG_TYPE_SAFE ? RC_SHM_F_SAFE : 0;
	h->tx_head++;
	rc_store_rel32(&h->hdr->tx_head.v, h->tx_head);	/* pairs with the daemon's acquire */
	rc_bell(h);	/* its seq_cst fence orders the push before this load:
			   the close handshake needs it (shm.h, "Closing") */
	state = rc_load_acq32(&h->hdr->close_state);
	if (__builtin_expect(state == RC_SHM_OPEN, 1))
		return 0;
	rc_set_gone(h);
	return pushed_in(h, i, state) ? 0 : -ENOTCONN;
}

/* No room: is it only for now, or is the daemon gone? */
static int no_room(struct rc_cpg *h)
{
	return rc_conn_dead(h) ? -ENOTCONN : -EAGAIN;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Take back what the daemon freed, and note the indexes looked at. */
static void room_look(struct rc_cpg *h, struct room_seen *s)
{
	rc_comp_drain(h);
	s->comp_head = h->comp_tail;
	s->tx_tail = rc_load_acq32(&h->hdr->tx_tail.v);	/* pairs with the daemon's release */
}

/*
 * No room after room_look(s): sleep, tx_lock dropped, until the daemon moves
 * tx_tail or comp_head, or until *deadline (0: set it now). 0: look again;
 * -EAGAIN once the deadline passed, -ENOTCONN when the daemon is gone.
 */
static int room_wait(struct rc_cpg *h, const struct room_seen *s, uint64_t *deadline)
{
	uint64_t now = now_ns();

	if (*deadline == 0)
		*deadline = now + RC_ROOM_WAIT_NS;
	else if (now >= *deadline)
		return no_room(h);
	rc_shm_room_arm(h->hdr);
	if (rc_load_acq32(&h->hdr->tx_tail.v) != s->tx_tail ||
	    rc_load_acq32(&h->hdr->comp_head.v) != s->comp_head)
		return 0;	/* moved meanwhile: the flag costs the daemon one wake */
	pthread_mutex_unlock(&h->tx_lock);
	(void)rc_shm_room_sleep(h->hdr, *deadline - now);
	pthread_mutex_lock(&h->tx_lock);
	return 0;
}

static int mcast(struct rc_cpg *h, cpg_guarantee_t guarantee, const struct iovec *iov,
		 unsigned int iov_len, size_t total)
{
	struct rc_arena_blk *b;
	struct room_seen seen;
	uint64_t off, deadline = 0;
	uint8_t *p;
	int ret;

	for (;;) {
		ret = rc_usable(h);
		if (ret < 0)
			return ret;
		if (!rc_joined(h))
			return -ENOENT;
		room_look(h, &seen);
		ret = tx_room(h);
		if (ret == 0)
			ret = rc_arena_alloc(&h->arena, RC_SHM_TX_HDR + total, &off);
		if (ret != -EAGAIN)
			break;
		ret = room_wait(h, &seen, &deadline);
		if (ret < 0)
			return ret;
	}
	if (ret < 0)
		return ret;
	p = h->arena_base + off + RC_SHM_TX_HDR;
	for (unsigned int i = 0; i < iov_len; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	b = rc_arena_find(&h->arena, off);
	b->inflight = 1;
	return tx_push(h, off, (uint32_t)(RC_SHM_TX_HDR + total), guarantee);
}

RC_API cs_error_t cpg_mcast_joined(cpg_handle_t handle, cpg_guarantee_t guarantee,
				   const struct iovec *iovec, unsigned int iov_len)
{
	struct rc_cpg *h;
	size_t total = 0;
	int ret;

	/* Any guarantee is taken, as corosync does: SAFE is SAFE, the rest AGREED. */
	if (iovec == NULL && iov_len > 0)
		return CS_ERR_INVALID_PARAM;
	for (unsigned int i = 0; i < iov_len; i++) {
		if (iovec[i].iov_base == NULL && iovec[i].iov_len > 0)
			return CS_ERR_INVALID_PARAM;
		if (iovec[i].iov_len > UINT32_MAX - RC_SHM_TX_HDR - total)
			return CS_ERR_TOO_BIG;
		total += iovec[i].iov_len;
	}
	ret = rc_cpg_get(handle, &h);
	if (ret < 0)
		return rc_cs_error(ret);
	if (total > rc_cpg_max_msg(h)) {	/* the ring's agreed limit */
		rc_cpg_put(h);
		return CS_ERR_TOO_BIG;
	}
	pthread_mutex_lock(&h->tx_lock);
	ret = mcast(h, guarantee, iovec, iov_len, total);
	pthread_mutex_unlock(&h->tx_lock);
	rc_cpg_put(h);
	return rc_cs_error(ret);
}

/* ---- zero-copy buffers ---- */

/*
 * Copies in flight that a largest message's copy finds room beside, below
 * zcb_floor. Without it a largest message needed all of [0, floor) free,
 * and copies go first fit from 0: one small copy in flight, another
 * thread's say, kept it out. The daemon's arena is a largest message and
 * 4 MiB (ARENA_SLACK, control/attach.c) in whole 2 MiB pages: this keeps
 * 1 MiB of that for copies and leaves 3 to 5 MiB to zcb buffers.
 */
#define COPY_SLACK	(1ull << 20)

/*
 * A zcb buffer is of one of two kinds:
 *  - in the arena, at or above zcb_floor: the daemon can read it, so a send
 *    above zcb_copy_max goes in place. The arena below zcb_floor never
 *    holds one: whatever the application holds, the copy of a largest
 *    message finds room there, beside COPY_SLACK of smaller copies in
 *    flight, and all of it once the copies in flight have come back.
 *  - private: the process's own memory (malloc), in h->priv by address, at
 *    most zcb_max bytes of them and their bookkeeping (PRIV_COST each);
 *    every send copies it into the arena, as a copied send of an arena
 *    buffer does. A buffer of up to zcb_copy_max bytes is always copied,
 *    so it is private first (arena room would buy it nothing); a larger
 *    one when the arena's share has no room.
 */

/* The live zcb buffer whose payload starts at p, or NULL; *priv: which kind.
   tx_lock held. */
static struct rc_arena_blk *zcb_find(struct rc_cpg *h, const void *p, bool *priv)
{
	uintptr_t q = (uintptr_t)p, base = (uintptr_t)h->arena_base;
	struct rc_arena_blk *b;

	*priv = q < base || q - base >= h->g.arena_size;
	if (*priv)
		return rc_blktab_find(&h->priv, q);
	if (q - base < RC_SHM_TX_HDR)
		return NULL;
	b = rc_arena_find(&h->arena, q - base - RC_SHM_TX_HDR);
	return b != NULL && b->zcb && !b->zcb_freed ? b : NULL;
}

/* A buffer in the arena's share (above zcb_floor): 0 or rc_arena_alloc()'s. */
static int arena_zcb_alloc(struct rc_cpg *h, size_t size, void **buffer)
{
	struct rc_arena_blk *b;
	uint64_t off;
	int ret;

	if (size > h->arena.size)
		return -EMSGSIZE;
	ret = rc_arena_alloc_from(&h->arena, RC_SHM_TX_HDR + (uint64_t)size, h->zcb_floor, &off);
	if (ret < 0)
		return ret;
	b = rc_arena_find(&h->arena, off);
	b->zcb = true;
	b->cap = size;
	b->zcb_gen = ++h->zcb_gen;
	h->zcb_arena_idle += b->size;
	*buffer = h->arena_base + off + RC_SHM_TX_HDR;
	return 0;
}

/*
 * What a private buffer counts against zcb_max besides its bytes (rounded
 * up to 16, as allocated): its bookkeeping, so that the limit bounds the
 * memory tiny buffers take too. Up to 8 slots of h->priv (rc_blktab, not
 * windowed: at most 8 slots a block) and malloc's chunk header: 528 bytes.
 */
#define PRIV_COST	(8 * sizeof(struct rc_arena_blk) + RC_SHM_MSG_ALIGN)
_Static_assert(PRIV_COST == 528, "cpg_zcb_alloc.3 and compatibility.md name 528 bytes");

/* A private buffer: 0, or -ENOMEM (past zcb_max, or out of memory). */
static int priv_alloc(struct rc_cpg *h, size_t size, void **buffer)
{
	struct rc_arena_blk *b;
	uint64_t bytes;
	void *p;

	if (size > h->zcb_max)
		return -ENOMEM;
	bytes = RC_SHM_ROUND(size > 0 ? size : 1, RC_SHM_MSG_ALIGN);
	if (bytes + PRIV_COST > h->zcb_max - h->priv_held)
		return -ENOMEM;
	if (posix_memalign(&p, RC_SHM_MSG_ALIGN, bytes) != 0)
		return -ENOMEM;
	b = rc_blktab_add(&h->priv, (uintptr_t)p);
	if (b == NULL) {
		free(p);
		return -ENOMEM;
	}
	b->size = bytes + PRIV_COST;	/* what it counts in priv_held */
	b->cap = size;
	b->zcb = true;
	h->priv_held += b->size;
	*buffer = p;
	return 0;
}

static void priv_free(struct rc_cpg *h, struct rc_arena_blk *b)
{
	void *p = (void *)(uintptr_t)b->off;

	h->priv_held -= b->size;
	rc_blktab_del(&h->priv, b);
	free(p);
}

/*
 * A new buffer, tx_lock held: 0; -EAGAIN when only copies in flight keep it
 * out (the caller waits for them); -ENOMEM when waiting would not help: the
 * buffers the application holds fill both the arena's share and zcb_max.
 * "Fill" is by runs, not bytes: held buffers that leave enough free bytes
 * in the share but no run of them long enough are -ENOMEM too, so that
 * every -EAGAIN clears once the daemon completes what is in flight.
 */
static int zcb_place(struct rc_cpg *h, size_t size, void **buffer)
{
	bool in_place = size > h->zcb_copy_max;	/* a send of it may skip the copy */
	int ret;

	if (!in_place && priv_alloc(h, size, buffer) == 0)
		return 0;
	ret = arena_zcb_alloc(h, size, buffer);
	if (ret == 0 || (in_place && priv_alloc(h, size, buffer) == 0))
		return 0;
	if (ret == -EAGAIN &&
	    rc_arena_fits_beside_zcb(&h->arena, RC_SHM_TX_HDR + (uint64_t)size, h->zcb_floor) == 1)
		return -EAGAIN;
	return -ENOMEM;
}

int rc_zcb_init(struct rc_cpg *h)
{
	uint64_t keep = RC_SHM_ROUND(RC_SHM_TX_HDR + (uint64_t)h->g.max_msg, RC_SHM_MSG_ALIGN) +
			COPY_SLACK;

	h->zcb_floor = keep < h->arena.size ? keep : h->arena.size;
	return rc_blktab_init(&h->priv);
}

void rc_zcb_fini(struct rc_cpg *h)
{
	struct rc_blktab *t = &h->priv;

	for (uint32_t i = 0; t->tab != NULL && i <= t->mask; i++)
		if (t->tab[i].off != RC_ARENA_NONE)
			free((void *)(uintptr_t)t->tab[i].off);
	rc_blktab_fini(t);
	h->priv_held = 0;
}

RC_API cs_error_t cpg_zcb_alloc(cpg_handle_t handle, size_t size, void **buffer)
{
	struct room_seen seen;
	struct rc_cpg *h;
	uint64_t deadline = 0;
	cs_error_t err;
	int ret;

	err = rc_cpg_get_for(handle, buffer, &h);
	if (err != CS_OK)
		return err;
	pthread_mutex_lock(&h->tx_lock);
	for (;;) {
		ret = rc_usable(h);
		if (ret < 0)
			break;
		room_look(h, &seen);
		ret = zcb_place(h, size, buffer);
		if (ret != -EAGAIN)
			break;
		ret = room_wait(h, &seen, &deadline);
		if (ret < 0)
			break;
	}
	pthread_mutex_unlock(&h->tx_lock);
	rc_cpg_put(h);
	return rc_cs_error(ret);
}

RC_API cs_error_t cpg_zcb_free(cpg_handle_t handle, void *buffer)
{
	struct rc_arena_blk *b;
	struct rc_cpg *h;
	bool priv;
	int ret;

	ret = rc_cpg_get(handle, &h);
	if (ret < 0)
		return rc_cs_error(ret);
	pthread_mutex_lock(&h->tx_lock);
	ret = rc_finalized(h) ? -EBADF : 0;
	if (ret == 0) {
		rc_comp_drain(h);
		b = zcb_find(h, buffer, &priv);
		if (b == NULL) {
			ret = -EINVAL;
		} else if (priv) {
			priv_free(h, b);	/* a send copies it under tx_lock: never in flight */
		} else if (b->inflight > 0) {
			b->zcb_freed = true;	/* freed by its last completion */
		} else {
			h->zcb_arena_idle -= b->size;
			rc_arena_free(&h->arena, b->off);
		}
	}
	pthread_mutex_unlock(&h->tx_lock);
	rc_cpg_put(h);
	return rc_cs_error(ret);
}

/*
 * Wait, tx_lock held (dropped while sleeping), until the daemon has completed
 * send number `nr` of the zcb buffer at off, allocation gen, pushed as tx
 * entry i: the daemon reads it no more (its copy is made, or every node
 * holds the message), the application may write the buffer again. The
 * daemon completes the sends of one buffer in order (shm.h). As corosync's
 * request and response, no timeout: only a daemon that goes away ends the
 * wait early, or one that let us go (shm.h, "Closing") and is done with
 * our region: its DRAINED stands for a completion it may have dropped.
 */
static int wait_taken(struct rc_cpg *h, uint64_t off, uint64_t gen, uint64_t nr, uint32_t i)
{
	struct rc_arena_blk *b;
	struct room_seen seen;
	bool closed;

	for (;;) {
		/* the socket first: a daemon that let us go stores DRAINED,
		   then closes it, so a close seen here comes with the DRAINED
		   (and the completions) read below; looked at after them, a
		   close could hide a DRAINED stored just before it */
		closed = rc_conn_closed(h);
		room_look(h, &seen);
		b = rc_arena_find(&h->arena, off);
		if (b == NULL || !b->zcb || b->zcb_gen != gen || b->done >= nr)
			return 0;
		if (rc_finalized(h))
			return -EBADF;		/* another thread finalized the handle */
		/* A daemon that let us go may never complete it (a closing
		   client's completions are dropped when they do not fit);
		   DRAINED says every entry before close_head was taken (sent,
		   or refused: a completion does not say which either) and it
		   reads our region no more. */
		if (rc_load_acq32(&h->hdr->close_state) == RC_SHM_DRAINED)
			return (int32_t)(__atomic_load_n(&h->hdr->close_head, __ATOMIC_RELAXED) - i) > 0 ?
			       0 : -ENOTCONN;
		/* not rc_conn_dead: one that let us go reads the buffer until
		   DRAINED; a socket closed without it is a daemon gone */
		if (closed)
			return -ENOTCONN;
		/* The completion moves comp_head, and DRAINED comes with a
		   wake: either wakes a flagged waiter (shm_room.h); the bound
		   only re-checks that the daemon lives. */
		rc_shm_room_arm(h->hdr);
		if (rc_load_acq32(&h->hdr->comp_head.v) != seen.comp_head ||
		    rc_load_acq32(&h->hdr->close_state) == RC_SHM_DRAINED)
			continue;
		pthread_mutex_unlock(&h->tx_lock);
		(void)rc_shm_room_sleep(h->hdr, WAIT_TAKEN_CHECK_NS);
		pthread_mutex_lock(&h->tx_lock);
	}
}

/*
 * A copy of the zcb buffer's bytes sent instead of it: 0; -EAGAIN when the
 * arena has no room for the copy now (the caller waits for room: below
 * zcb_floor only copies in flight can take it); -EMSGSIZE when the arena
 * could never hold it (as cpg_mcast_joined of that size); -ENOMEM.
 */
static int zcb_send_copy(struct rc_cpg *h, const void *msg, size_t len,
			 cpg_guarantee_t guarantee)
{
	struct rc_arena_blk *b;
	uint64_t off;
	int ret;

	ret = rc_arena_alloc(&h->arena, RC_SHM_TX_HDR + len, &off);
	if (ret < 0)
		return ret;
	memcpy(h->arena_base + off + RC_SHM_TX_HDR, msg, len);
	b = rc_arena_find(&h->arena, off);
	b->inflight = 1;
	return tx_push(h, off, (uint32_t)(RC_SHM_TX_HDR + len), guarantee);
}

RC_API cs_error_t cpg_zcb_mcast_joined(cpg_handle_t handle, cpg_guarantee_t guarantee,
				       void *msg, size_t msg_len)
{
	struct rc_arena_blk *b = NULL;
	struct room_seen seen;
	struct rc_cpg *h;
	uint64_t off, deadline = 0;
	bool priv;
	int ret;

	if (msg == NULL)
		return CS_ERR_INVALID_PARAM;
	ret = rc_cpg_get(handle, &h);
	if (ret < 0)
		return rc_cs_error(ret);
	pthread_mutex_lock(&h->tx_lock);
	for (;;) {
		ret = rc_usable(h);
		if (ret == 0 && msg_len > rc_cpg_max_msg(h))
			ret = -EMSGSIZE;	/* corosync's first check after the handle */
		if (ret < 0)
			break;
		room_look(h, &seen);
		b = zcb_find(h, msg, &priv);	/* again after each wait: it may be freed */
		if (b == NULL || msg_len > b->cap)
			ret = -EINVAL;
		else if (!rc_joined(h))
			ret = -ENOENT;
		else if (b->inflight == UINT32_MAX)
			ret = -EAGAIN;
		else if ((ret = tx_room(h)) == 0 && (priv || msg_len <= h->zcb_copy_max)) {
			/*
			 * A small buffer, or a private one (the daemon cannot
			 * read it), is copied and the call returns. With no arena
			 * room for the copy it waits for room like any send, then
			 * says TRY_AGAIN: sending in place would block until the
			 * daemon frames it, and a caller that also dispatches (one
			 * thread) would stop reading meanwhile.
			 */
			ret = zcb_send_copy(h, msg, msg_len, guarantee);
			if (ret != -EAGAIN)
				goto out;
		}
		if (ret == -EAGAIN) {
			ret = room_wait(h, &seen, &deadline);
			if (ret == 0)
				continue;
		}
		break;
	}
	if (ret == 0) {
		uint64_t gen = b->zcb_gen, nr = ++b->sends;
		uint32_t i = h->tx_head;

		off = b->off;
		if (b->inflight++ == 0)
			h->zcb_arena_idle -= b->size;	/* traffic while in flight */
		ret = tx_push(h, off, (uint32_t)(RC_SHM_TX_HDR + msg_len), guarantee);
		if (ret == 0)
			ret = wait_taken(h, off, gen, nr, i);
	}
out:
	pthread_mutex_unlock(&h->tx_lock);
	rc_cpg_put(h);
	return rc_cs_error(ret);
}
