/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen's loops: the pump (wait for the fd, dispatch), bounded waits,
 * the send loops of flood, rate and ping, and one whole step: START, the
 * loop until the window ends, DONE, RESULT. Single-threaded: every callback
 * runs inside rc_gen_pump().
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>

#include "ringcast-gen.h"

#define FLOOD_BATCH	64		/* sends between two dispatches */
#define BACKOFF_NS	200000		/* after CS_ERR_TRY_AGAIN: wait for the fd this long */
#define IDLE_NS		100000000	/* longest single sleep */
#define HOUSE_NS	5000000

uint64_t rc_gen_stamp_now(const struct rc_gen *g)
{
	return g->o.clock == CLOCK_MONOTONIC ? rc_gen_now_ns() : rc_gen_clock_ns(g->o.clock);
}

/* The participant with the lowest (nodeid, pid) starts each step. */
bool rc_gen_is_leader(const struct rc_gen *g)
{
	for (uint32_t i = 0; i < g->o.instances && i < g->n_peers; i++) {
		const struct rc_gen_peer *p = &g->peers[i];

		if (p->nodeid < g->nodeid || (p->nodeid == g->nodeid && p->pid < g->pid))
			return false;
	}
	return g->me >= 0 && (uint32_t)g->me < g->o.instances;
}

static void housekeeping(struct rc_gen *g, uint64_t now)
{
	cpg_flow_control_state_t fc;

	/*
	 * ringcast's libcpg reads its completion ring (sent buffers handed back)
	 * in the calls that send or allocate, and in this one: a sender that
	 * stopped sending and only dispatches must still let it run, or the
	 * daemon waits for room in that ring and stops taking its messages.
	 */
	(void)cpg_flow_control_state_get(g->h, &fc);
	if (g->have_start)
		g->phase = now < g->t_measure ? RC_GEN_WARMUP : now < g->t_end ? RC_GEN_MEASURE
									: RC_GEN_ENDING;
	if (g->progress)
		rc_gen_progress_tick(g, now);
	g->next_house = now + HOUSE_NS;
}

/*
 * Wait up to wait_ns (at most IDLE_NS; 0: just look) for the fd and dispatch
 * what is pending. 0 with *err the dispatch's answer (CS_OK when nothing was
 * pending), or -EIO when poll failed (the run is failed).
 */
int rc_gen_poll_dispatch(struct rc_gen *g, int64_t wait_ns, cs_error_t *err)
{
	struct pollfd p = { .fd = g->fd, .events = POLLIN };
	struct timespec ts;
	int r;

	*err = CS_OK;
	if (wait_ns < 0)
		wait_ns = 0;
	if (wait_ns > IDLE_NS)
		wait_ns = IDLE_NS;
	ts.tv_sec = wait_ns / 1000000000;
	ts.tv_nsec = wait_ns % 1000000000;
	r = ppoll(&p, 1, &ts, NULL);
	if (r < 0 && errno != EINTR) {
		rc_gen_fail(g, "poll: %s", strerror(errno));
		return -EIO;
	}
	if (r > 0)
		*err = cpg_dispatch(g->h, CS_DISPATCH_ALL);
	return 0;
}

/*
 * Wait up to wait_ns for the fd (0: just look), dispatch what is pending.
 * 0, or -EIO once the run has failed (or was interrupted).
 */
int rc_gen_pump(struct rc_gen *g, int64_t wait_ns)
{
	cs_error_t err;
	uint64_t now;

	if (rc_gen_poll_dispatch(g, g->o.spin ? 0 : wait_ns, &err) < 0)
		return -EIO;
	if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
		rc_gen_fail(g, "cpg_dispatch: %s: the daemon is gone or disconnected this "
			 "client (ringcast: see its log; a full receive ring does it, "
			 "--window helps)", rc_gen_err(err));
		return -EIO;
	}
	now = rc_gen_now_ns();
	if (now >= g->next_house)
		housekeeping(g, now);
	(void)rc_gen_history_flush(g);		/* what it saw, on disk before it goes on */
	return rc_gen_failed(g) ? -EIO : 0;
}

/* Pump until cond(g), at most --timeout. */
int rc_gen_wait(struct rc_gen *g, bool (*cond)(const struct rc_gen *g), const char *what)
{
	uint64_t deadline = rc_gen_now_ns() + (uint64_t)(g->o.timeout_s * 1e9), now;

	while (!cond(g)) {
		if (rc_gen_failed(g))
			return -EIO;
		now = rc_gen_now_ns();
		if (now >= deadline) {
			rc_gen_fail(g, "timeout after %.1f s waiting for %s", g->o.timeout_s, what);
			return -ETIMEDOUT;
		}
		if (rc_gen_pump(g, (int64_t)(deadline - now)) < 0)
			return -EIO;
	}
	return 0;
}

/* ---- the modes ---- */

/* Not a sender: dispatch until the window ends. */
static int run_listen(struct rc_gen *g)
{
	uint64_t now;

	while ((now = rc_gen_now_ns()) < g->t_end)
		if (rc_gen_pump(g, (int64_t)(g->t_end - now)) < 0)
			return -EIO;
	return 0;
}

/* Closed loop: send until CS_ERR_TRY_AGAIN, dispatch, again. */
static int run_flood(struct rc_gen *g)
{
	bool blocked;
	int ret;

	while (rc_gen_now_ns() < g->t_end) {
		blocked = false;
		for (int i = 0; i < FLOOD_BATCH; i++) {
			if (g->o.window && g->next_seq - g->own_back >= g->o.window) {
				blocked = true;		/* one comes back with a delivery */
				break;
			}
			ret = rc_gen_send_data(g, rc_gen_stamp_now(g));
			if (ret == -EAGAIN) {
				blocked = true;
				break;
			}
			if (ret < 0)
				return ret;
		}
		if (rc_gen_pump(g, blocked ? BACKOFF_NS : 0) < 0)
			return -EIO;
	}
	return 0;
}

/*
 * Open loop: message k is due at t_start + floor(k / burst) * burst / rate
 * and carries that time, sent or not: a late send shows as latency.
 */
static int run_rate(struct rc_gen *g)
{
	double period = 1e9 * (double)g->o.burst / g->o.rate;
	uint64_t k = 0, sched, now;
	bool blocked;
	int ret;

	for (;;) {
		now = rc_gen_now_ns();
		sched = g->t_start + (uint64_t)((double)(k / g->o.burst) * period);
		if (sched >= g->t_end)
			return run_listen(g);
		if (sched > now) {
			if (rc_gen_pump(g, (int64_t)(sched - now)) < 0)
				return -EIO;
			continue;
		}
		blocked = false;
		for (int n = 0; n < FLOOD_BATCH && sched <= now && sched < g->t_end; n++) {
			ret = rc_gen_send_data(g, sched + g->stamp_offset);
			if (ret == -EAGAIN) {
				blocked = true;
				break;
			}
			if (ret < 0)
				return ret;
			k++;
			sched = g->t_start + (uint64_t)((double)(k / g->o.burst) * period);
		}
		if (rc_gen_pump(g, blocked ? BACKOFF_NS : 0) < 0)
			return -EIO;
	}
}

/* One message at a time: send, wait until it is delivered back. */
static int run_ping(struct rc_gen *g)
{
	uint64_t deadline, now;
	int ret;

	while (rc_gen_now_ns() < g->t_end) {
		ret = rc_gen_send_data(g, rc_gen_stamp_now(g));
		if (ret == -EAGAIN) {
			if (rc_gen_pump(g, BACKOFF_NS) < 0)
				return -EIO;
			continue;
		}
		if (ret < 0)
			return ret;
		g->ping_seq = g->next_seq - 1;
		deadline = rc_gen_now_ns() + (uint64_t)(g->o.timeout_s * 1e9);
		while (g->ping_seq != UINT64_MAX) {
			now = rc_gen_now_ns();
			if (now >= deadline) {
				rc_gen_fail(g, "ping: message %" PRIu64 " not back after %.1f s",
					 g->next_seq - 1, g->o.timeout_s);
				return -ETIMEDOUT;
			}
			if (rc_gen_pump(g, (int64_t)(deadline - now)) < 0)
				return -EIO;
		}
	}
	return 0;
}

/* ---- one step ---- */

static bool have_start(const struct rc_gen *g)
{
	return g->have_start;
}

static bool all_done(const struct rc_gen *g)
{
	for (uint32_t i = 0; i < g->o.instances; i++)
		if (!g->peers[i].done)
			return false;
	return true;
}

static bool step_over(const struct rc_gen *g)
{
	return g->steps_done > g->wait_step;
}

int rc_gen_run_step(struct rc_gen *g)
{
	uint64_t errs;
	unsigned int step = g->step;
	struct rc_gen_start start;
	struct rc_gen_done done;
	int ret;

	if (rc_gen_is_leader(g)) {
		memset(&start, 0, sizeof(start));
		start.step = step;
		start.n = g->o.instances;
		start.size = g->o.sizes[step];
		for (uint32_t i = 0; i < g->o.instances; i++)
			start.who[i] = (struct rc_gen_who){ g->peers[i].nodeid, g->peers[i].pid };
		ret = rc_gen_send_ctl(g, RC_GEN_T_START, &start, sizeof(start));
		if (ret < 0)
			return ret;
	}
	ret = rc_gen_wait(g, have_start, "the start (sent by the instance with the lowest "
		       "nodeid)");
	if (ret < 0)
		return ret;
	ret = rc_gen_tmpl_build(g, g->o.sizes[step]);
	if (ret < 0) {
		rc_gen_fail(g, "out of memory for %zu-byte messages", g->o.sizes[step]);
		return ret;
	}

	if (!(g->o.role & RC_GEN_ROLE_SEND))
		ret = run_listen(g);
	else if (g->o.mode == RC_GEN_RATE)
		ret = run_rate(g);
	else if (g->o.mode == RC_GEN_PING)
		ret = run_ping(g);
	else
		ret = run_flood(g);
	if (ret < 0)
		return ret;

	g->phase = RC_GEN_ENDING;
	done.next_seq = g->next_seq;
	ret = rc_gen_send_ctl(g, RC_GEN_T_DONE, &done, sizeof(done));
	if (ret < 0)
		return ret;
	ret = rc_gen_wait(g, all_done, "the other instances to finish sending");
	if (ret < 0)
		return ret;
	/* my DONE came after all my messages: every zcb buffer is back */
	rc_gen_zcb_release(g);
	g->cur.window_ns = g->t_end - g->t_measure;
	g->cur.order_hash = g->order_hash;
	ret = rc_gen_send_ctl(g, RC_GEN_T_RESULT, &g->cur, sizeof(g->cur));
	if (ret < 0)
		return ret;
	errs = rc_gen_result_errors(&g->cur);
	g->wait_step = step;
	ret = rc_gen_wait(g, step_over, "the other instances' results");
	/* the verdict reads the RESULTs: what came after mine must not
	   have added an error it would not see */
	if (ret == 0 && rc_gen_result_errors(&g->cur) != errs)
		rc_gen_fail(g, "%" PRIu64 " error(s) counted after this instance's result",
			    rc_gen_result_errors(&g->cur) - errs);
	return ret;
}

/*
 * The run is over everywhere, but a duplicate the ring would deliver late
 * would come after the last RESULT, unseen by an instance that left at
 * once: keep dispatching RC_GEN_LINGER_MS. Nothing from this run's
 * instances but configuration changes may come now (every instance sent
 * its last message, its RESULT, before the step ended), so any such
 * delivery fails the run.
 */
void rc_gen_linger(struct rc_gen *g)
{
	uint64_t end = rc_gen_now_ns() + (uint64_t)RC_GEN_LINGER_MS * 1000000u, now;
	uint64_t seen = g->deliveries;

	while (!rc_gen_failed(g) && (now = rc_gen_now_ns()) < end)
		if (rc_gen_pump(g, (int64_t)(end - now)) < 0)
			break;
	if (!rc_gen_failed(g) && g->deliveries != seen)
		rc_gen_fail(g, "%" PRIu64 " message(s) delivered after the run ended "
			    "(a duplicate?)", g->deliveries - seen);
}
