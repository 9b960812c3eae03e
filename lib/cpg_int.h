/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcpg internals: one struct rc_cpg per cpg_handle_t, shared by the files
 * of lib/. Locking: see struct rc_cpg. Callbacks and poll() run with no lock
 * held; a handle reference keeps the struct and its mapping alive meanwhile.
 */
#ifndef RC_LIB_CPG_INT_H
#define RC_LIB_CPG_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <corosync/cpg.h>
#include <ringcast/shm.h>

#include "arena.h"
#include "handle.h"

#define RC_API			__attribute__((visibility("default")))
#define RC_REQ_TIMEOUT_MS	10000	/* default; env RINGCAST_TIMEOUT_MS */
#define RC_ZCB_COPY_MAX		65536	/* default; env RINGCAST_ZCB_COPY_MAX */
#define RC_ZCB_MAX		(1ull << 30)	/* default at most; env RINGCAST_ZCB_MAX */

/* The region's constants, read once at attach and never again. */
struct rc_geom {
	uint64_t size;
	uint32_t nodeid, max_msg;
	uint32_t tx_mask, rx_mask, comp_mask;
	uint64_t ctl_size, arena_size, rxa_size;
};

/*
 * Locks (lib/README.md): req_lock, one ctl request at a time; lock, all but
 * the tx side (dispatch, wake-ups, requests, the application state);
 * tx_lock, the tx side (send.c: the rings' tx and completion indexes, the
 * arena, zcb buffers), so a sending thread and a dispatching one do not
 * take the same lock. Order: req_lock, lock, tx_lock. Flags both sides read
 * (finalized, gone, joined) are atomic: rc_finalized() and the like. The
 * tx side and the rx side each start a cache line of their own (the struct
 * is allocated 64-aligned), so the two threads do not write one line.
 */
#define RC_CACHE_LINE	64

struct rc_cpg {
	pthread_mutex_t req_lock;	/* one ctl request at a time */
	pthread_mutex_t lock;
	pthread_cond_t rx_cond;		/* rx_busy went false */
	cpg_handle_t handle;
	unsigned int fork_gen;		/* rc_fork_gen when created */
	int timeout_ms;

	/* connection: constant from attach to release */
	int sock;			/* the one descriptor: wake-ups and hang-up */
	void *base;
	struct rc_shm_hdr *hdr;
	const struct rc_shm_lcore *lcore;	/* the daemon's lcore page, read-only */
	struct rc_shm_desc *tx, *rx, *comp;
	uint8_t *ctl, *arena_base, *rxa;
	struct rc_geom g;

	/* application state */
	cpg_model_v1_data_t model;
	void *context;
	bool joined;			/* atomic: rc_joined() */
	struct cpg_name group;		/* the group joined last (known once cpg_join returns) */
	bool join_unsure;		/* a cpg_join timed out: the daemon may apply it yet */
	struct cpg_name join_name;	/* its group */

	bool finalized;			/* atomic writes: rc_finalized() */
	bool gone;			/* atomic: daemon gone or the region corrupt */

	/* tx side (send.c), under tx_lock */
	_Alignas(RC_CACHE_LINE) pthread_mutex_t tx_lock;
	uint32_t tx_head, tx_tail, comp_tail;
	struct rc_arena arena;
	uint64_t bad_comp;		/* completions for unknown buffers, ignored */
	uint64_t zcb_gen;		/* zcb allocations so far */
	uint64_t zcb_floor;		/* zcb buffers take arena room from here up */
	uint64_t zcb_arena_idle;	/* arena bytes of the live zcb buffers in it
					   (zcb, not zcb_freed) with no send in flight:
					   held, not traffic, so not flow control's */
	uint32_t zcb_copy_max;		/* zcb sends up to this size are copied */
	struct rc_blktab priv;		/* private zcb buffers, by address */
	uint64_t priv_held;		/* their bytes and bookkeeping (send.c) */
	uint64_t zcb_max;		/* priv_held's limit */

	/* rx side (dispatch.c) and wake-up (wake.c), under lock */
	_Alignas(RC_CACHE_LINE) bool armed;	/* we set hdr->sleeping and have not taken it back */
	bool broken;			/* the daemon wrote garbage into the rx ring */
	uint32_t wake_owed;		/* wake-up bytes expected, not yet read */
	uint32_t rx_tail;
	uint32_t rx_head_seen;		/* the daemon's rx_head as last read */
	uint64_t rxa_tail;
	uint64_t rx_count;		/* records consumed */
	bool rx_busy;			/* a run of records is in its callbacks (dispatch.c) */
	pthread_t rx_owner;
	struct cpg_name rx_group;	/* the group of the confchg claimed last: a
					   message record names none, it is this one's */
	uint8_t *bounce;		/* a record that wraps the rx area, linearised */
	size_t bounce_size;

	/* ctl (request.c) */
	uint32_t req_seq;
};

/*
 * The largest payload this handle may send now: what the daemon's current
 * ring agreed (its lcore page; docs/protocol.md, "The ring's message
 * limit"), never more than the region's max_msg. Any thread: the page is
 * constant but for this word.
 */
static inline uint32_t rc_cpg_max_msg(const struct rc_cpg *h)
{
	/* pairs with the release in the daemon's rc_dp_max_msg_publish */
	uint32_t m = h->lcore ? __atomic_load_n(&h->lcore->max_msg, __ATOMIC_ACQUIRE) : 0;

	return m && m < h->g.max_msg ? m : h->g.max_msg;
}

/* The flags both locks' holders read. Relaxed: each is re-read where it
   matters, and a late sight of one only delays an error by one wait. */
static inline bool rc_finalized(const struct rc_cpg *h)
{
	return __atomic_load_n(&h->finalized, __ATOMIC_RELAXED);
}

static inline bool rc_gone(const struct rc_cpg *h)
{
	return __atomic_load_n(&h->gone, __ATOMIC_RELAXED);
}

static inline void rc_set_gone(struct rc_cpg *h)
{
	__atomic_store_n(&h->gone, true, __ATOMIC_RELAXED);
}

static inline bool rc_joined(const struct rc_cpg *h)
{
	return __atomic_load_n(&h->joined, __ATOMIC_RELAXED);
}

static inline void rc_set_joined(struct rc_cpg *h, bool joined)
{
	__atomic_store_n(&h->joined, joined, __ATOMIC_RELAXED);
}

/* The daemon has let us go (shm.h, "Closing"): it takes no new entry,
   delivers nothing more, and closes the socket once its queue is out. */
static inline bool rc_let_go(const struct rc_cpg *h)
{
	return rc_load_acq32(&h->hdr->close_state) != RC_SHM_OPEN;
}

/* 0, or why the handle cannot be used: -EBADF finalized, -ENOTCONN the
   daemon gone or it let us go. Either lock, or none. */
static inline int rc_usable(const struct rc_cpg *h)
{
	if (rc_finalized(h))
		return -EBADF;
	if (rc_gone(h) || rc_let_go(h))
		return -ENOTCONN;
	return 0;
}

/* error.c: the one place where errors become cs_error_t */
cs_error_t rc_cs_error(int ret);
int rc_errno_from_cs(int32_t status);

/* cpg.c, iter.c */
extern struct rc_htab rc_cpg_tab;
extern struct rc_htab rc_iter_tab;
int rc_cpg_get(cpg_handle_t handle, struct rc_cpg **out);
/* For calls with a result pointer: CS_ERR_INVALID_PARAM when it is NULL
   (checked first, as corosync does), else rc_cpg_get() as a cs_error_t. */
cs_error_t rc_cpg_get_for(cpg_handle_t handle, const void *result, struct rc_cpg **out);
void rc_cpg_put(struct rc_cpg *h);

/* conn.c */
int rc_conn_attach(struct rc_cpg *h);
void rc_conn_detach(struct rc_cpg *h);
bool rc_conn_dead(struct rc_cpg *h);
bool rc_conn_closed(struct rc_cpg *h);

/* wake.c (lock held) */
bool rc_rx_pending(const struct rc_cpg *h);
void rc_wake_disarm(struct rc_cpg *h);
void rc_wake_drain(struct rc_cpg *h, bool force);
void rc_wake_arm(struct rc_cpg *h);
void rc_wake_settle(struct rc_cpg *h);
int rc_wake_wait(struct rc_cpg *h, int timeout_ms);
/* After releasing tx_head, ctl.req_seq or a KICK: wake a sleeping lcore.
   Any lock or none: it touches only the socket and the lcore page. */
void rc_bell(struct rc_cpg *h);

/* request.c (req_lock and lock held) */
int rc_req(struct rc_cpg *h, uint32_t type, uint32_t arg, const struct cpg_name *name,
	   size_t entry_size, const void **entries, uint32_t *count);
/* A page of a long answer: entries from `from` on; more: the whole answer's
   size and the table generation it was taken from. */
struct rc_req_more {
	uint32_t total;
	uint64_t gen;
};
int rc_req_page(struct rc_cpg *h, uint32_t type, uint32_t arg, const struct cpg_name *name,
		uint32_t from, size_t entry_size, const void **entries, uint32_t *count,
		struct rc_req_more *more);

/* send.c (tx_lock held) */
void rc_comp_drain(struct rc_cpg *h);
/* send.c, tx_lock not held (dispatch): drain once the completion ring is
   half full, so a client that only dispatches still gets its buffers back.
   wait: take tx_lock; else only if it is free. */
void rc_comp_reap(struct rc_cpg *h, bool wait);
/* send.c: after the arena's init; fini frees the private zcb buffers */
int rc_zcb_init(struct rc_cpg *h);
void rc_zcb_fini(struct rc_cpg *h);

/* iter.c */
void rc_iter_drop_owner(cpg_handle_t owner);

#endif /* RC_LIB_CPG_INT_H */
