/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The membership half of Totem on the control thread (split.h): gather,
 * consensus, the commit token and the membership timers run here, in the
 * libqb loop; the lcore runs the ordering half. Events from the lcore wake
 * the loop through an eventfd; commands go back on an SP/SC ring the lcore
 * drains every pass. The ring sequence is persisted here, before the new
 * ring that uses it is announced.
 *
 * Telemetry (another thread) reads this half's state through a seqlocked
 * copy, refreshed after every step.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <rte_seqlock.h>

#include "config.h"
#include "ctl.h"
#include "dp.h"
#include "ringseq.h"
#include "split.h"

#define CMD_WAIT_NS	(1000 * 1000 * 1000ull)	/* the lcore drains every pass */
#define EVENTS_PER_WAKE	256	/* then the loop's other work gets a turn */

static struct {
	qb_loop_t *loop;
	struct rc_dp *dp;
	struct rc_memb *m;
	char ring_seq_path[RC_CONFIG_PATH_MAX + 32];
	uint64_t persist_failed;
	qb_loop_timer_handle timer;
	bool timer_set;
	uint64_t timer_at;
	uint64_t cmd_lost;
	bool lcore_stuck;		/* a command waited CMD_WAIT_NS in vain */
	bool no_buffers;		/* a ring could not be installed: stopping */
	uint64_t gathers_logged, consensus_logged, pauses_logged;
	struct rc_xmsg ev[8];
	rte_seqlock_t lock;
	struct rc_memb_view view;
} mb;

/* A new gather since the last step: say why (corosync logs its reasons too). */
static void log_gather(const struct rc_memb_stats *ms)
{
	struct rc_memb_why w;

	if (ms->consensus_timeouts != mb.consensus_logged) {
		qb_log(LOG_NOTICE, "membership: %llu node(s) did not agree within the consensus "
		       "timeout: taken as failed",
		       (unsigned long long)(ms->consensus_timeouts - mb.consensus_logged));
		mb.consensus_logged = ms->consensus_timeouts;
	}
	if (ms->pauses != mb.pauses_logged) {
		qb_log(LOG_NOTICE, "membership: pause detected for %llu ms: timers start over, "
		       "failed sets in queued joins are no evidence",
		       (unsigned long long)(ms->pause_last_ns / 1000000));
		mb.pauses_logged = ms->pauses;
	}
	if (ms->gathers == mb.gathers_logged)
		return;
	mb.gathers_logged = ms->gathers;
	rc_memb_why_get(mb.m, &w);
	if (w.cause == RC_CAUSE_FOREIGN)
		qb_log(LOG_NOTICE, "membership: gather: %s (node %u, ring %u.%llu, type %u)",
		       rc_memb_cause_name(w.cause), w.node, w.ring.rep,
		       (unsigned long long)w.ring.seq, w.ftype);
	else if (w.node)
		qb_log(LOG_NOTICE, "membership: gather: %s from node %u (ring %u.%llu)",
		       rc_memb_cause_name(w.cause), w.node, w.ring.rep,
		       (unsigned long long)w.ring.seq);
	else
		qb_log(LOG_NOTICE, "membership: gather: %s (ring %u.%llu)",
		       rc_memb_cause_name(w.cause), w.ring.rep, (unsigned long long)w.ring.seq);
}

static void publish(void)
{
	struct rc_memb_view *v = &mb.view;

	rte_seqlock_write_lock(&mb.lock);
	v->state = rc_memb_state(mb.m);
	rc_memb_ring(mb.m, &v->ring, v->members, &v->n_members);
	rc_memb_stats_get(mb.m, &v->ms);
	v->cmd_lost = mb.cmd_lost;
	rte_seqlock_write_unlock(&mb.lock);
	log_gather(&v->ms);
}

void rc_membership_view(struct rc_memb_view *v)
{
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&mb.lock);
		*v = mb.view;
	} while (rte_seqlock_read_retry(&mb.lock, sn));
}

/* ---- the membership half's callbacks ---- */

static void cmd(void *priv, const struct rc_xmsg *c)
{
	uint64_t t0 = rc_dp_now_ns();

	(void)priv;
	while (rc_dp_memb_cmd(mb.dp, c) < 0) {
		/* The lcore is not draining: a stuck dataplane. Wait once, not per command. */
		if (mb.lcore_stuck || rc_dp_now_ns() - t0 > CMD_WAIT_NS) {
			if (!mb.cmd_lost++)
				qb_log(LOG_ERR, "the dataplane took no membership command for 1 s");
			mb.lcore_stuck = true;
			return;
		}
		sched_yield();
	}
	mb.lcore_stuck = false;
}

static uint64_t last_token(void *priv)
{
	(void)priv;
	return rc_dp_last_token(mb.dp);
}

static uint64_t polled(void *priv)
{
	(void)priv;
	return rc_dp_polled(mb.dp);
}

static void look(void *priv)
{
	(void)priv;
	rc_dp_bell(mb.dp);	/* an idle lcore sleeps until its next timer */
}

/*
 * Rare (once per new ring), synced: the sequence is durable before use
 * (ringseq.c writes it atomically). A failure fails this ring formation:
 * the membership half stays in gather and tries again.
 */
static int ring_seq(void *priv, uint64_t seq)
{
	int ret;

	(void)priv;
	ret = rc_ringseq_store(mb.ring_seq_path, seq);
	if (ret < 0 && (!mb.persist_failed++ || mb.persist_failed % 64 == 0))
		qb_log(LOG_ERR, "cannot persist the ring sequence in %s: %s: no ring forms "
		       "until it can (%llu failure(s))", mb.ring_seq_path, strerror(-ret),
		       (unsigned long long)mb.persist_failed);
	return ret;
}

/* ---- the loop ---- */

static void on_timer(void *data);

/* After every step: the next deadline may have moved either way. */
static void rearm(void)
{
	uint64_t d = rc_memb_next_deadline(mb.m), now = rc_dp_now_ns();

	publish();
	if (mb.timer_set && mb.timer_at == d)
		return;
	if (mb.timer_set)
		qb_loop_timer_del(mb.loop, mb.timer);
	mb.timer_set = false;
	if (d == UINT64_MAX)
		return;
	if (qb_loop_timer_add(mb.loop, QB_LOOP_HIGH, d > now ? d - now : 0, NULL, on_timer,
			      &mb.timer) == 0) {
		mb.timer_set = true;
		mb.timer_at = d;
	}
}

static void on_timer(void *data)
{
	uint64_t now = rc_dp_now_ns();

	(void)data;
	mb.timer_set = false;
	/* The token deadline follows the last token: early is normal, act when due. */
	if (now >= rc_memb_next_deadline(mb.m)) {
		rc_memb_timer(mb.m, now);
		rc_memb_returned(mb.m, rc_dp_now_ns());
	}
	rearm();
}

static int32_t on_events(int32_t fd, int32_t revents, void *data)
{
	uint64_t cnt, one = 1;
	unsigned int n, done = 0;

	(void)revents;
	(void)data;
	if (read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		qb_log(LOG_WARNING, "membership eventfd: %s", strerror(errno));
	while (done < EVENTS_PER_WAKE && (n = rc_dp_memb_events(mb.dp, mb.ev, 8)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			if (mb.ev[i].type == RC_X_NO_BUFFERS && !mb.no_buffers) {
				/* A member that cannot deliver a ring's messages must
				   not stay in it: it stops, as on SIGTERM, and exits 1. */
				mb.no_buffers = true;
				qb_log(LOG_CRIT, "ring %u.%llu: cannot map a reassembly buffer per "
				       "member (max_msg_size of address space each: an address "
				       "space limit or strict overcommit); stopping",
				       mb.ev[i].u.ring.ring.rep,
				       (unsigned long long)mb.ev[i].u.ring.ring.seq);
				raise(SIGTERM);
			}
			rc_memb_event(mb.m, &mb.ev[i], rc_dp_now_ns());
			rc_memb_returned(mb.m, rc_dp_now_ns());
		}
		done += n;
	}
	/* More waiting (a flood of another ring's frames): come back after the
	   loop's timers and signals have had their turn. */
	if (done >= EVENTS_PER_WAKE && write(fd, &one, sizeof(one)) < 0)
		qb_log(LOG_WARNING, "membership eventfd: %s", strerror(errno));
	rearm();
	return 0;
}

int rc_membership_start(qb_loop_t *loop, struct rc_dp *dp, const struct rc_totem_config *cfg,
			const char *ring_seq_path)
{
	struct rc_memb_ops ops = {
		.cmd = cmd, .last_token = last_token, .polled = polled, .look = look,
		.ring_seq = ring_seq,
	};
	int ret;

	mb.loop = loop;
	mb.dp = dp;
	rte_seqlock_init(&mb.lock);
	snprintf(mb.ring_seq_path, sizeof(mb.ring_seq_path), "%s", ring_seq_path);
	ret = rc_memb_create(cfg, &ops, NULL, &mb.m);
	if (ret < 0)
		return ret;
	ret = qb_loop_poll_add(loop, QB_LOOP_HIGH, rc_dp_memb_fd(dp), POLLIN, NULL, on_events);
	if (ret < 0) {
		rc_memb_destroy(mb.m);
		mb.m = NULL;
		return ret;
	}
	rc_memb_start(mb.m, rc_dp_now_ns());
	rc_memb_returned(mb.m, rc_dp_now_ns());
	rearm();
	return 0;
}

/* Tell the ring we go (the lcore sends it before it stops), stop the timers. */
void rc_membership_leave(void)
{
	if (!mb.m)
		return;
	rc_memb_leave(mb.m, rc_dp_now_ns());
	if (mb.timer_set)
		qb_loop_timer_del(mb.loop, mb.timer);
	mb.timer_set = false;
	publish();
}

bool rc_membership_failed(void)
{
	return mb.no_buffers;
}

void rc_membership_stop(void)
{
	if (!mb.m)
		return;
	qb_loop_poll_del(mb.loop, rc_dp_memb_fd(mb.dp));
	rc_memb_destroy(mb.m);
	mb.m = NULL;
}
