/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rx side: cpg_fd_get() and cpg_dispatch(). Each rx descriptor is read
 * once, checked against the rx area, handed to its callback with no lock
 * held, then consumed: rx_tail + 1 and rxa_tail = off + round(len), given
 * back to the daemon as soon as its callback returns. Up to RUN_MAX records
 * are claimed under the lock at once, delivered one after another without
 * it and consumed together: two lock operations per run, not per record (a
 * sending thread takes tx_lock, not this one).
 * Records are normally contiguous in the rx area; one that wraps its end is
 * copied to a bounce buffer first (and ends its run). One run is in its
 * callbacks at a time per handle (rx_busy); a callback may call any cpg
 * function, cpg_finalize() included.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ringcast/cpg_ext.h>

#include "cpg_int.h"

_Static_assert(RINGCAST_DELIVERY_SAFE == RC_SHM_RX_F_SAFE &&
	       RINGCAST_DELIVERY_TRANSITIONAL == RC_SHM_RX_F_TRANSITIONAL,
	       "the API's delivery flags are the rx record's");

/* dispatch_run: with `now` a constant at its one call site, GCC would clone
   it and take the TLS address in the clone again, once per run. */
#if defined(__has_attribute) && __has_attribute(noipa)
#define RC_NOIPA	__attribute__((noipa))
#else
#define RC_NOIPA	__attribute__((noinline))
#endif

/* The delivery a deliver callback on this thread is in (a callback may
   dispatch another handle: each call saves and restores the outer one). */
struct rc_rx_now {
	cpg_handle_t handle;
	uint32_t flags;
	bool in;
};
static __thread struct rc_rx_now rx_now;

/* A bounce buffer larger than this is freed once its record is consumed. */
#define BOUNCE_KEEP	(256u << 10)

/* Records claimed together: they are handed to their callbacks one after
   another with no lock held, then consumed together. */
#define RUN_MAX		32

/* What a run of records asks for, copied out under the lock. */
struct rc_rx_run {
	struct cpg_name group;
	cpg_model_v1_data_t cb;
	uint32_t n;
	struct rc_rx_rec {
		uint16_t type;
		uint32_t len;
		const uint8_t *rec;	/* in the rx area or the bounce buffer */
		uint64_t end;		/* rxa_tail once it is consumed */
	} r[RUN_MAX];
};

/* Where the record at byte position pos lies; wrapped ones are linearised. */
static int rx_record(struct rc_cpg *h, uint64_t pos, uint32_t len, const uint8_t **rec)
{
	uint64_t at = pos % h->g.rxa_size, first = h->g.rxa_size - at;
	uint8_t *b;

	if (len <= first) {
		*rec = h->rxa + at;
		return 0;
	}
	if (h->bounce_size < len) {
		b = realloc(h->bounce, len);
		if (b == NULL)
			return -ENOMEM;
		h->bounce = b;
		h->bounce_size = len;
	}
	memcpy(h->bounce, h->rxa + at, first);
	memcpy(h->bounce + first, h->rxa, len - first);
	*rec = h->bounce;
	return 0;
}

/* The record's own lengths agree with desc.len. */
static bool rx_valid(uint16_t type, const uint8_t *rec, uint32_t len)
{
	const struct rc_shm_rx_msg *m = (const void *)rec;
	const struct rc_shm_rx_confchg *c = (const void *)rec;
	const struct rc_shm_rx_totem *t = (const void *)rec;

	switch (type) {
	case RC_SHM_RX_MSG:
		return len >= sizeof(*m) && m->len <= len - sizeof(*m);
	case RC_SHM_RX_CONFCHG:
		return len >= sizeof(*c) && c->group.length <= CPG_MAX_NAME_LENGTH &&
		       ((uint64_t)c->n_member + c->n_left + c->n_joined) *
		       sizeof(struct cpg_address) <= len - sizeof(*c);
	case RC_SHM_RX_TOTEM:
		return len >= sizeof(*t) &&
		       (uint64_t)t->n_members * sizeof(uint32_t) <= len - sizeof(*t);
	default:
		return false;
	}
}

/*
 * Check the record of descriptor d, which starts at or after byte position
 * from (the end of the record before it), and describe it in *r. 1 valid,
 * 0 it wraps the area (valid, in the bounce buffer), -EPROTO garbage,
 * -ENOMEM.
 */
static int rx_check(struct rc_cpg *h, const struct rc_shm_desc *d, uint64_t from,
		    struct rc_rx_rec *r)
{
	int ret;

	/* inside [from, rxa_tail + rxa_size), aligned, whole */
	if (d->off < from || d->off % RC_SHM_MSG_ALIGN != 0 ||
	    d->off - h->rxa_tail > h->g.rxa_size ||
	    RC_SHM_ROUND((uint64_t)d->len, RC_SHM_MSG_ALIGN) > h->g.rxa_size - (d->off - h->rxa_tail))
		return -EPROTO;
	ret = rx_record(h, d->off, d->len, &r->rec);
	if (ret < 0)
		return ret;
	if (!rx_valid(d->type, r->rec, d->len))
		return -EPROTO;
	r->type = d->type;
	r->len = d->len;
	return r->rec == h->bounce ? 0 : 1;
}

/*
 * Claim the records from rx_tail on, at most max, and describe them in
 * *run. 1 claimed (run->n of them), 0 none pending, -EAGAIN (called from
 * this handle's own callback), -EPROTO (garbage from the daemon: the handle
 * is unusable from now on), -ENOMEM. A run ends at a record that wraps the
 * area (the bounce buffer holds one record), at a confchg (the messages
 * after it are of its group: the next run's), and before a record that
 * fails its check, which the next claim then reports. Lock held.
 */
static int rx_claim(struct rc_cpg *h, struct rc_rx_run *run, uint32_t max)
{
	struct rc_shm_desc d;
	uint64_t from = h->rxa_tail;
	uint32_t head;
	int ret;

	while (h->rx_busy) {
		if (pthread_equal(h->rx_owner, pthread_self()))
			return -EAGAIN;
		pthread_cond_wait(&h->rx_cond, &h->lock);
	}
	if (h->broken)
		return -EPROTO;
	if (h->finalized)
		return 0;
	/* Entries up to the head last read are published already: the daemon's
	   line is read again only when they are all consumed. */
	head = h->rx_head_seen;
	if (head == h->rx_tail) {
		head = rc_load_acq32(&h->hdr->rx_head.v);	/* pairs with the daemon's release */
		if (head == h->rx_tail)
			return 0;
		if (head - h->rx_tail > h->g.rx_mask + 1)
			goto garbage;
		h->rx_head_seen = head;
	}
	run->group = h->rx_group;
	for (run->n = 0; run->n < max && h->rx_tail + run->n != head;) {
		memcpy(&d, &h->rx[(h->rx_tail + run->n) & h->g.rx_mask], sizeof(d));
		ret = rx_check(h, &d, from, &run->r[run->n]);
		if (ret < 0 && run->n > 0)
			break;		/* the next claim reports it */
		if (ret == -EPROTO)
			goto garbage;
		if (ret < 0)
			return ret;
		from = d.off + RC_SHM_ROUND((uint64_t)d.len, RC_SHM_MSG_ALIGN);
		run->r[run->n++].end = from;
		if (d.type == RC_SHM_RX_CONFCHG) {
			/* the group of the messages after it: the next run's */
			memcpy(&h->rx_group, run->r[run->n - 1].rec +
			       offsetof(struct rc_shm_rx_confchg, group), sizeof(h->rx_group));
			break;
		}
		if (ret == 0)
			break;		/* in the bounce buffer */
	}
	run->cb = h->model;
	h->rx_busy = true;
	h->rx_owner = pthread_self();
	return 1;
garbage:
	/* drop the connection: the daemon cleans up, our fd reports the hang-up */
	h->broken = true;
	rc_set_gone(h);
	shutdown(h->sock, SHUT_RDWR);
	return -EPROTO;
}

/* The run's n records are done with: the daemon may reuse their room. */
static void rx_consume(struct rc_cpg *h, const struct rc_rx_run *run)
{
	/* a large wrapped record's copy is not kept for the next (one per
	   lap of the area at most; up to half the area each) */
	if (h->bounce_size > BOUNCE_KEEP && run->r[run->n - 1].rec == h->bounce) {
		free(h->bounce);
		h->bounce = NULL;
		h->bounce_size = 0;
	}
	h->rx_tail += run->n;
	h->rx_count += run->n;
	h->rxa_tail = run->r[run->n - 1].end;
	/* both pair with the daemon's acquire before it reuses the slot or bytes */
	rc_store_rel64(&h->hdr->rxa_tail, h->rxa_tail);
	rc_store_rel32(&h->hdr->rx_tail.v, h->rx_tail);
	h->rx_busy = false;
	pthread_cond_broadcast(&h->rx_cond);
}

/* Run the record's callback. false: a record corosync would never have sent,
   dropped unseen (it does not count as dispatched). */
static bool rx_call(cpg_handle_t handle, const struct rc_rx_run *c, const struct rc_rx_rec *r,
		    bool first, struct rc_rx_now *now)
{
	const struct rc_shm_rx_msg *m = (const void *)r->rec;
	const struct rc_shm_rx_confchg *cc = (const void *)r->rec;
	const struct rc_shm_rx_totem *t = (const void *)r->rec;
	const struct cpg_address *a;
	struct cpg_ring_id ring;

	switch (r->type) {
	case RC_SHM_RX_MSG:
		if (c->cb.cpg_deliver_fn != NULL) {
			struct rc_rx_now outer = *now;

			now->handle = handle;
			now->flags = m->flags & (RINGCAST_DELIVERY_SAFE |
						 RINGCAST_DELIVERY_TRANSITIONAL);
			now->in = true;
			c->cb.cpg_deliver_fn(handle, &c->group, m->nodeid, m->pid,
					     (void *)(uintptr_t)(m + 1), m->len);
			*now = outer;
		}
		break;
	case RC_SHM_RX_CONFCHG:
		a = (const void *)(cc + 1);
		if (c->cb.cpg_confchg_fn != NULL)
			c->cb.cpg_confchg_fn(handle, &cc->group, a, cc->n_member,
					     a + cc->n_member, cc->n_left,
					     a + cc->n_member + cc->n_left, cc->n_joined);
		break;
	case RC_SHM_RX_TOTEM:
		/* the daemon sends the ring at attach; corosync shows it only on request */
		if (first && !(c->cb.flags & CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF))
			return false;
		ring.nodeid = t->rep;
		ring.seq = t->seq;
		if (c->cb.cpg_totem_confchg_fn != NULL)
			c->cb.cpg_totem_confchg_fn(handle, ring, t->n_members,
						   (const uint32_t *)(t + 1));
		break;
	}
	return true;	/* counts even without a callback, as in corosync */
}

/*
 * Deliver a run of records (at most max); *seen counts those delivered
 * (records corosync would never have sent are consumed unseen). 1 a run
 * was claimed, 0 none pending, <0 error. A finalize (by a callback or
 * another thread) seen between two callbacks ends the run: what is left
 * of it is consumed undelivered, as corosync drops what a finalized
 * handle had not dispatched. Lock held.
 */
static RC_NOIPA int dispatch_run(struct rc_cpg *h, uint32_t max, uint32_t *seen,
				  struct rc_rx_now *now)
{
	struct rc_rx_run run;
	uint64_t count;
	uint32_t tail;
	int ret;

	*seen = 0;
	ret = rx_claim(h, &run, max);
	if (ret <= 0)
		return ret;
	count = h->rx_count;	/* after the claim, which may have waited for another run */
	tail = h->rx_tail;
	pthread_mutex_unlock(&h->lock);
	for (uint32_t i = 0; i < run.n; i++) {
		/* finalize stores it under the lock; read here without: relaxed
		   is enough, the record bytes are ours until consumed */
		if (i > 0 && rc_finalized(h))
			break;
		*seen += rx_call(h->handle, &run, &run.r[i], count + i == 0, now);
		/* Its room back to the daemon now, not at the run's end: the
		   daemon does not wait for a client whose area is full. Only the
		   run's owner writes the tails (rx_busy); rx_consume sets ours. */
		if (i + 1 < run.n) {
			rc_store_rel64(&h->hdr->rxa_tail, run.r[i].end);
			rc_store_rel32(&h->hdr->rx_tail.v, tail + i + 1);
		}
	}
	pthread_mutex_lock(&h->lock);
	rx_consume(h, &run);
	return 1;
}

/* Daemon gone: a reason to stop once nothing is left to deliver. */
static int idle_status(struct rc_cpg *h)
{
	if (h->finalized)
		return -EBADF;
	if (rc_conn_dead(h))
		return -ENOTCONN;
	return -EAGAIN;
}

static int dispatch(struct rc_cpg *h, cs_dispatch_flags_t how)
{
	bool one = how == CS_DISPATCH_ONE || how == CS_DISPATCH_ONE_NONBLOCKING;
	/* once per call: in a shared library each access to a __thread
	   variable is a call (__tls_get_addr) */
	struct rc_rx_now *now = &rx_now;
	uint64_t n = 0;
	uint32_t seen;
	int ret;

	rc_wake_disarm(h);
	/* A client that only dispatches must still get its buffers back, or the
	   daemon stops taking its messages once the completion ring is full. */
	rc_comp_reap(h, false);
	for (;;) {
		ret = dispatch_run(h, one ? 1 : RUN_MAX, &seen, now);
		if (ret < 0)
			break;
		if (h->finalized) {	/* by a callback or another thread: as corosync */
			ret = -EBADF;
			break;
		}
		if (ret == 1) {
			n += seen;
			if (one && seen) {
				ret = 0;
				break;
			}
			continue;
		}
		/* nothing pending */
		if (rc_gone(h) || rc_let_go(h)) {
			/* let go: nothing comes after what was delivered
			   before (looked at again: it may have come between) */
			if (rc_rx_pending(h))
				continue;
			ret = -ENOTCONN;
			break;
		}
		/* before returning or sleeping: with our completions unread the
		   daemon might write nothing more, and nothing would wake us */
		rc_comp_reap(h, true);
		if (how == CS_DISPATCH_ALL || how == CS_DISPATCH_ONE_NONBLOCKING) {
			ret = 0;
			if (n == 0) {
				/* woken for nothing: the daemon may be gone, or a stale wake */
				ret = idle_status(h);
				rc_wake_drain(h, true);
				if (ret == -EAGAIN)
					ret = how == CS_DISPATCH_ALL ? 0 : -EAGAIN;
			}
			break;
		}
		/* ONE or BLOCKING: sleep until the daemon writes something */
		rc_wake_arm(h);
		if (rc_rx_pending(h))
			continue;
		ret = rc_wake_wait(h, -1);
		if (ret < 0 && ret != -ENOTCONN)
			break;
		/* -ENOTCONN: deliver what is left, then report it */
	}
	rc_wake_settle(h);
	return ret;
}

RC_API cs_error_t cpg_dispatch(cpg_handle_t handle, cs_dispatch_flags_t dispatch_types)
{
	struct rc_cpg *h;
	int ret;

	ret = rc_cpg_get(handle, &h);
	if (ret < 0)
		return rc_cs_error(ret);
	if (dispatch_types != CS_DISPATCH_ONE && dispatch_types != CS_DISPATCH_ALL &&
	    dispatch_types != CS_DISPATCH_BLOCKING &&
	    dispatch_types != CS_DISPATCH_ONE_NONBLOCKING) {
		rc_cpg_put(h);
		return CS_ERR_INVALID_PARAM;
	}
	pthread_mutex_lock(&h->lock);
	ret = h->finalized ? -EBADF : dispatch(h, dispatch_types);
	pthread_mutex_unlock(&h->lock);
	rc_cpg_put(h);
	return rc_cs_error(ret);
}

RC_API cs_error_t cpg_fd_get(cpg_handle_t handle, int *fd)
{
	struct rc_cpg *h;
	cs_error_t err;

	err = rc_cpg_get_for(handle, fd, &h);
	if (err != CS_OK)
		return err;
	*fd = h->sock;
	rc_cpg_put(h);
	return CS_OK;
}

RC_API cs_error_t ringcast_cpg_delivery_flags(cpg_handle_t handle, uint32_t *flags)
{
	if (flags == NULL)
		return CS_ERR_INVALID_PARAM;
	if (!rx_now.in || rx_now.handle != handle)
		return CS_ERR_BAD_HANDLE;
	*flags = rx_now.flags;
	return CS_OK;
}
