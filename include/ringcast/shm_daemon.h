/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's side of one client region (shm.h), header-only, so that the
 * lcore (dataplane/client_io.c) and the test suite's fake daemon
 * (tests/unit/fake_daemon.c) run the same steps with the same memory
 * orderings; libcpg (lib/) is the other side. No allocation, no system call:
 * each step reports, and the caller acts (the lcore disconnects the client,
 * the fake waits, drops it, or sends the wake-up byte).
 *
 * Invariants: the daemon's own indexes and the region's sizes live in
 * struct rc_shmd, in the daemon's memory, filled from the daemon's copy of
 * the layout (never from the region's header, which the client can write);
 * the region only ever receives them, by a release. Every index, entry and
 * request field the client writes is read once, into the caller's memory,
 * and checked against the daemon's copy before it is used.
 *
 *   rx record    rc_shmd_rx_reserve -> rc_shmd_rx_write (or, whole, write at
 *                rc_shmd_rx_ptr) -> rc_shmd_rx_commit
 *                (rc_shmd_rx_tails: check the client's tails now, not only
 *                when the ones last read leave no room)
 *   tx entry     rc_shmd_tx_head, rc_shmd_tx_head_ok -> rc_shmd_tx_peek,
 *                tx_tail++ -> rc_shmd_tx_release; letting the client go,
 *                rc_shmd_tx_close: the head to take entries up to
 *   completion   rc_shmd_comp_used (room) -> rc_shmd_comp_push
 *   request      rc_shmd_req_seq -> rc_shmd_req_read -> rc_shmd_reply
 *   wake-up      rc_shmd_kicked; after records or a reply, rc_shmd_wake:
 *                true -> send one byte on the client's socket
 *   room         rc_shm_room_wake (shm_room.h), after tx_tail or comp_head
 */
#ifndef RINGCAST_SHM_DAEMON_H
#define RINGCAST_SHM_DAEMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <ringcast/shm.h>

struct rc_shmd {
	struct rc_shm_hdr *h;			/* the mapped region */
	struct rc_shm_desc *tx, *rx, *comp;
	uint8_t *ctl, *arena, *rxa;
	uint64_t ctl_size, arena_size, rxa_size;
	uint32_t tx_mask, rx_mask, comp_mask;
	uint32_t max_msg;
	/* mine, published to the region with a release */
	uint32_t tx_tail, rx_head, comp_head;
	uint64_t rxa_head;
	uint64_t rxa_head_at;			/* rxa_head % rxa_size, kept without a division */
	/* the client's, as last checked: they only move forward */
	uint32_t rx_tail_seen, comp_tail_seen;
	uint64_t rxa_tail_seen;
};

/* The request the client released with req_seq, as read once. */
struct rc_shmd_req {
	uint32_t type;		/* rc_shm_req_type */
	uint32_t arg;
	uint32_t from;
	struct cpg_name name;	/* length unchecked: the caller checks it */
};

/*
 * The daemon's view of the region mapped at base, from l, the daemon's own
 * copy of its layout (rc_shm_layout, checked with rc_shm_layout_check). The
 * region is new: every index starts at 0.
 */
static inline void rc_shmd_init(struct rc_shmd *d, void *base, const struct rc_shm_hdr *l)
{
	uint8_t *b = base;

	memset(d, 0, sizeof(*d));
	d->h = base;
	d->tx = (struct rc_shm_desc *)(b + l->tx_off);
	d->rx = (struct rc_shm_desc *)(b + l->rx_off);
	d->comp = (struct rc_shm_desc *)(b + l->comp_off);
	d->ctl = b + l->ctl_off;
	d->arena = b + l->arena_off;
	d->rxa = b + l->rxa_off;
	d->ctl_size = l->ctl_size;
	d->arena_size = l->arena_size;
	d->rxa_size = l->rxa_size;
	d->tx_mask = l->tx_entries - 1;
	d->rx_mask = l->rx_entries - 1;
	d->comp_mask = l->comp_entries - 1;
	d->max_msg = l->max_msg;
}

/* ---- rx records ---- */

/* rc_shmd_rx_reserve's room, by the tails last read. */
static inline bool rc_shmd_rx_fits(const struct rc_shmd *d, uint64_t need, bool whole,
				   uint64_t *pos)
{
	uint64_t p = d->rxa_head, at = d->rxa_head_at;

	if (whole && at + need > d->rxa_size)
		p += d->rxa_size - at;		/* skip the end */
	if (need > d->rxa_size || p + need - d->rxa_tail_seen > d->rxa_size ||
	    d->rx_head - d->rx_tail_seen > d->rx_mask)
		return false;
	*pos = p;
	return true;
}

/* Read the client's rx tails again: 0, or -EPROTO when they went back or
   past what was written. */
static inline int rc_shmd_rx_tails(struct rc_shmd *d)
{
	/* both pair with the releases in libcpg's rx_consume and dispatch_run
	   (lib/dispatch.c) */
	uint64_t tail = rc_load_acq64(&d->h->rxa_tail);
	uint32_t rtail = rc_load_acq32(&d->h->rx_tail.v);

	if (tail < d->rxa_tail_seen || tail > d->rxa_head ||
	    rtail - d->rx_tail_seen > d->rx_head - d->rx_tail_seen)
		return -EPROTO;
	d->rxa_tail_seen = tail;
	d->rx_tail_seen = rtail;
	return 0;
}

/*
 * Room in the rx area and a free rx ring entry for a record of len bytes:
 * its free-running byte position in *pos. whole: a record that would pass
 * the area's end starts at the area's start instead, the bytes skipped
 * counted as used until the client consumes it; without, it wraps (written
 * with rc_shmd_rx_write; libcpg linearises it). The daemon wraps a record
 * only where skipping would not fit: a record of half the area, which every
 * client must be able to hold two of, often would not beside one unread.
 * 0; -EPROTO: the client's rx tails went back or past what was written
 * (seen when they are read: when the tails last read leave no room, or
 * rc_shmd_rx_tails); -ENOBUFS: no room, the client is not dispatching.
 */
static inline int rc_shmd_rx_reserve(struct rc_shmd *d, uint64_t len, bool whole, uint64_t *pos)
{
	uint64_t need = RC_SHM_ROUND(len, RC_SHM_MSG_ALIGN);
	int ret;

	/* The tails as last read only move forward: room they leave is room.
	   Reading the client's lines for every record would pull them across
	   cpus while it writes them for every record it consumes. */
	if (rc_shmd_rx_fits(d, need, whole, pos))
		return 0;
	ret = rc_shmd_rx_tails(d);
	if (ret < 0)
		return ret;
	return rc_shmd_rx_fits(d, need, whole, pos) ? 0 : -ENOBUFS;
}

/* pos % rxa_size for pos at rxa_head or a reserve's skip past the end (the
   only positions rc_shmd_rx_reserve gives): no division per record. */
static inline uint64_t rc_shmd_rx_at(const struct rc_shmd *d, uint64_t pos)
{
	if (pos == d->rxa_head)
		return d->rxa_head_at;
	if (pos - d->rxa_head == d->rxa_size - d->rxa_head_at)
		return 0;
	return pos % d->rxa_size;
}

/* Where the record at pos starts (whole: all of it is there). */
static inline uint8_t *rc_shmd_rx_ptr(const struct rc_shmd *d, uint64_t pos)
{
	return d->rxa + rc_shmd_rx_at(d, pos);
}

/* Write n bytes at byte off of the record reserved at pos, going on at the
   area's start past its end (a record reserved without whole). */
static inline void rc_shmd_rx_write(const struct rc_shmd *d, uint64_t pos, uint64_t off,
				    const void *src, uint64_t n)
{
	uint64_t at = rc_shmd_rx_at(d, pos) + off, first;

	if (at >= d->rxa_size)
		at -= d->rxa_size;	/* off < rxa_size */
	first = d->rxa_size - at;
	if (n <= first) {
		memcpy(d->rxa + at, src, n);
	} else {
		memcpy(d->rxa + at, src, first);
		memcpy(d->rxa, (const uint8_t *)src + first, n - first);
	}
}

/* Publish the record of len bytes written at pos (rc_shmd_rx_reserve). */
static inline void rc_shmd_rx_commit(struct rc_shmd *d, uint64_t pos, uint64_t len, uint16_t type)
{
	struct rc_shm_desc e = { .off = pos, .len = (uint32_t)len, .type = type };
	uint64_t rlen = RC_SHM_ROUND(len, RC_SHM_MSG_ALIGN), at = rc_shmd_rx_at(d, pos) + rlen;

	d->rx[d->rx_head & d->rx_mask] = e;
	d->rx_head++;
	d->rxa_head = pos + rlen;
	d->rxa_head_at = at >= d->rxa_size ? at - d->rxa_size : at;	/* rlen <= rxa_size */
	/* pairs with the acquire of rx_head in libcpg's rx_claim (lib/dispatch.c),
	   after which the client reads the entry and the record's bytes */
	rc_store_rel64(&d->h->rxa_head, d->rxa_head);
	rc_store_rel32(&d->h->rx_head.v, d->rx_head);
}

/* ---- completions ---- */

/* Completion entries the client has not read, or -EPROTO when its tail went
   back or past my head. */
static inline int64_t rc_shmd_comp_used(struct rc_shmd *d)
{
	/* pairs with the release in libcpg's rc_comp_drain (lib/send.c) */
	uint32_t tail = rc_load_acq32(&d->h->comp_tail.v);

	if (tail - d->comp_tail_seen > d->comp_head - d->comp_tail_seen)
		return -EPROTO;
	d->comp_tail_seen = tail;
	return d->comp_head - tail;
}

/* The tx buffer at off is the client's again (once published: comp_push
   does both). The caller knows there is a free entry (rc_shmd_comp_used, or
   what it has in flight). */
static inline void rc_shmd_comp_write(struct rc_shmd *d, uint64_t off)
{
	struct rc_shm_desc e = { .off = off, .type = RC_SHM_COMP_FREE };

	d->comp[d->comp_head & d->comp_mask] = e;
	d->comp_head++;
}

/* The entries written so far are the client's to read. */
static inline void rc_shmd_comp_publish(struct rc_shmd *d)
{
	/* pairs with the acquire in libcpg's rc_comp_drain (lib/send.c) */
	rc_store_rel32(&d->h->comp_head.v, d->comp_head);
}

static inline void rc_shmd_comp_push(struct rc_shmd *d, uint64_t off)
{
	rc_shmd_comp_write(d, off);
	rc_shmd_comp_publish(d);
}

/* ---- tx entries ---- */

/* The client's tx head, unchecked (rc_shmd_tx_head_ok): pairs with the
   release in libcpg's tx_push (lib/send.c). */
static inline uint32_t rc_shmd_tx_head(const struct rc_shmd *d)
{
	return rc_load_acq32(&d->h->tx_head.v);
}

/*
 * Copy n bytes the client may be rewriting into daemon memory, once: the
 * compiler barrier keeps the copy real (without it a compiler may read the
 * shared source again where the copy is used, as if nobody else wrote it),
 * so every check and every use see the same bytes.
 */
static inline void rc_shmd_copy_once(void *dst, const volatile void *src, size_t n)
{
	memcpy(dst, (const void *)(uintptr_t)src, n);
	__asm__ __volatile__("" ::: "memory");
}

/* head is no further from my tail than the ring holds. */
static inline bool rc_shmd_tx_head_ok(const struct rc_shmd *d, uint32_t head)
{
	return head - d->tx_tail <= d->tx_mask + 1;
}

/*
 * Read the entry at index i (tx_tail <= i < a checked head) once, into *e,
 * and check it: an mcast, its buffer aligned and inside the arena, room for
 * RC_SHM_TX_HDR, a payload of at most max_msg, no unknown flag. 0 or
 * -EPROTO. rc_shmd_tx_peek: the entry at my tail.
 */
static inline int rc_shmd_tx_peek_at(const struct rc_shmd *d, uint32_t i, struct rc_shm_desc *e)
{
	rc_shmd_copy_once(e, &d->tx[i & d->tx_mask], sizeof(*e));
	if (e->type != RC_SHM_TX_MCAST || e->off % RC_SHM_MSG_ALIGN ||
	    e->len < RC_SHM_TX_HDR || e->off > d->arena_size ||
	    e->len > d->arena_size - e->off || e->len - RC_SHM_TX_HDR > d->max_msg ||
	    (e->flags & ~RC_SHM_F_SAFE))
		return -EPROTO;
	return 0;
}

static inline int rc_shmd_tx_peek(const struct rc_shmd *d, struct rc_shm_desc *e)
{
	return rc_shmd_tx_peek_at(d, d->tx_tail, e);
}

/* The payload of a checked entry (rc_shmd_tx_peek): e->len - RC_SHM_TX_HDR bytes. */
static inline const uint8_t *rc_shmd_tx_payload(const struct rc_shmd *d,
						const struct rc_shm_desc *e)
{
	return d->arena + e->off + RC_SHM_TX_HDR;
}

/* The entries below tx_tail are taken: the client may reuse them. Pairs
   with the acquire in libcpg's tx_room (lib/send.c). */
static inline void rc_shmd_tx_release(struct rc_shmd *d)
{
	rc_store_rel32(&d->h->tx_tail.v, d->tx_tail);
}

/*
 * Let the client go (shm.h, "Closing"): from now on take its entries up to
 * the head returned (unchecked: rc_shmd_tx_head_ok) and no further. The
 * client learns from close_state whether its last push is before it.
 */
static inline uint32_t rc_shmd_tx_close(struct rc_shmd *d)
{
	uint32_t head;

	__atomic_store_n(&d->h->close_state, RC_SHM_CLOSING, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	head = rc_shmd_tx_head(d);
	__atomic_store_n(&d->h->close_head, head, __ATOMIC_RELAXED);
	rc_store_rel32(&d->h->close_state, RC_SHM_CLOSED);
	return head;
}

/* Every entry before the head rc_shmd_tx_close returned went out, and the
   daemon holds nothing of the client's any more (shm.h, "Closing"). The
   caller then wakes a sender waiting for room (rc_shm_room_wake). */
static inline void rc_shmd_drained(struct rc_shmd *d)
{
	rc_store_rel32(&d->h->close_state, RC_SHM_DRAINED);
}

/* ---- requests ---- */

/* The client's last request number; pairs with the release in libcpg's
   request (lib/request.c), after which the request's fields are read. */
static inline uint32_t rc_shmd_req_seq(const struct rc_shmd *d)
{
	return rc_load_acq32(&d->h->ctl.req_seq);
}

/* The request's fields, each read once (after rc_shmd_req_seq). */
static inline void rc_shmd_req_read(const struct rc_shmd *d, struct rc_shmd_req *r)
{
	const struct rc_shm_ctl *ctl = &d->h->ctl;

	r->type = __atomic_load_n(&ctl->req_type, __ATOMIC_RELAXED);
	r->arg = __atomic_load_n(&ctl->req_arg, __ATOMIC_RELAXED);
	r->from = __atomic_load_n(&ctl->req_from, __ATOMIC_RELAXED);
	rc_shmd_copy_once(&r->name, &ctl->req_name, sizeof(r->name));
}

/* Answer request seq: count entries in the ctl area, of total in the whole
   answer; gen, the group table's generation. */
static inline void rc_shmd_reply(struct rc_shmd *d, uint32_t seq, int32_t status,
				 uint32_t count, uint32_t total, uint64_t gen)
{
	struct rc_shm_ctl *ctl = &d->h->ctl;

	ctl->rep_status = status;
	ctl->rep_count = count;
	ctl->rep_total = total;
	ctl->rep_gen = gen;
	/* pairs with the acquire in libcpg's answered (lib/request.c) */
	rc_store_rel32(&ctl->rep_seq, seq);
}

/* ---- wake-up (`sleeping`, shm.h; the client's side is lib/wake.c) ---- */

/* The client asks for its byte with nothing new: its own records are pending. */
static inline bool rc_shmd_kicked(const struct rc_shmd *d)
{
	return __atomic_load_n(&d->h->sleeping, __ATOMIC_RELAXED) == RC_SHM_KICK;
}

/*
 * After releasing records or a reply: take `sleeping` back. true when the
 * client had set it (SLEEP, KICK): the caller owes it one byte on its
 * socket. The fence orders those releases before the read of the flag;
 * with the client's store of SLEEP and its fence before it re-checks
 * rx_head, either the client sees the records or this sees the flag. The
 * exchange is seq_cst like the client's own (rc_wake_disarm) and the one in
 * rc_shm_room_wake; the fence is what the pairing needs.
 */
static inline bool rc_shmd_wake(struct rc_shmd *d)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_exchange_n(&d->h->sleeping, RC_SHM_AWAKE, __ATOMIC_SEQ_CST) !=
	       RC_SHM_AWAKE;
}

#endif /* RINGCAST_SHM_DAEMON_H */
