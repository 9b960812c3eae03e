/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen soak: a workload for fault tests. No HELLO, START or RESULT:
 * an instance joins, sends --rate messages/s until --duration ends or
 * SIGTERM, waits (up to --timeout) for its own messages to come back, and
 * leaves. It judges nothing itself beyond the message format: every send
 * accepted and every event seen goes to --history, and ringcast-check judges
 * the histories of all instances of a run together. Instances come and go
 * at any time, so faults (a killed daemon, a killed client) are part of it.
 *
 * A soak message of S bytes (8 <= S):
 *
 *   | seq word (8): seq, bit 63 set when sent SAFE | pattern (S - 8) |
 *
 * the pattern a function of (nodeid, pid, seq); the history has the CRC32C
 * of the whole message on both sides. Sizes are log-uniform between
 * --min-size and --size; with --mix each message goes by copy or by zcb (up
 * to cpg_max_atomic_msgsize_get) and, unless --guarantee says which, is
 * agreed or safe, at random.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "ringcast-gen.h"

#define BACKOFF_NS	1000000		/* after CS_ERR_TRY_AGAIN */
#define IDLE_NS		100000000
#define CATCH_UP_NS	1000000000	/* after a stall, at most 1 s of sends at once */
#define HOUSE_NS	5000000

enum { SOAK_OK, SOAK_GONE = -EPIPE };

static uint64_t rnd(struct rc_gen *g)
{
	uint64_t x = g->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

uint32_t rc_gen_soak_fill(uint8_t *buf, size_t size, uint32_t nodeid, uint32_t pid, uint64_t seq,
			  bool safe)
{
	uint64_t w = seq | (safe ? RC_GEN_SOAK_SAFE : 0);
	uint64_t x = rc_gen_mix64(((uint64_t)nodeid << 32 | pid) ^ rc_gen_mix64(seq)) | 1;
	size_t i;

	memcpy(buf, &w, RC_GEN_SOAK_MIN);
	for (i = RC_GEN_SOAK_MIN; i + 8 <= size; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	for (; i < size; i++)
		buf[i] = (uint8_t)(x >> (8 * (i & 7)));
	return rc_gen_crc32c(0, buf, size);
}

static size_t pick_size(struct rc_gen *g)
{
	double lo = log((double)g->o.min_size), hi = log((double)g->o.sizes[0] + 1);
	double u = (double)(rnd(g) >> 11) / 9007199254740992.0;
	size_t s = (size_t)exp(lo + u * (hi - lo));

	if (s < g->o.min_size)
		s = g->o.min_size;
	return s > g->o.sizes[0] ? g->o.sizes[0] : s;
}

/* The next message: chosen once, kept until it is accepted. */
struct soak_msg {
	bool ready, safe, zcb, filled;
	size_t size;
	uint32_t crc;
};

static int cs_ret(struct rc_gen *g, cs_error_t err, const char *what)
{
	if (err == CS_ERR_TRY_AGAIN)
		return -EAGAIN;
	if (err == CS_ERR_LIBRARY)
		return SOAK_GONE;
	rc_gen_fail(g, "%s: %s", what, rc_gen_err(err));
	return -EIO;
}

static int soak_send(struct rc_gen *g, struct soak_msg *m)
{
	cpg_guarantee_t gt;
	cs_error_t err, ferr;
	struct iovec iov;
	void *buf;
	int ret;

	if (!m->ready) {
		uint64_t r = rnd(g);

		m->size = pick_size(g);
		m->safe = g->o.mix_guarantee ? (r & 1) : g->o.guarantee == CPG_TYPE_SAFE;
		m->zcb = g->o.zcb || (g->o.mix && (r & 2));
		if (m->zcb && m->size > g->max_atomic)
			m->zcb = false;
		m->ready = true;
		m->filled = false;
	}
	gt = m->safe ? CPG_TYPE_SAFE : CPG_TYPE_AGREED;
	if (m->zcb) {
		err = cpg_zcb_alloc(g->h, m->size, &buf);
		if (err == CS_ERR_NO_MEMORY)
			err = CS_ERR_TRY_AGAIN;
		if (err != CS_OK)
			return cs_ret(g, err, "cpg_zcb_alloc");
		m->crc = rc_gen_soak_fill(buf, m->size, g->nodeid, g->pid, g->next_seq, m->safe);
		err = cpg_zcb_mcast_joined(g->h, gt, buf, m->size);
		ferr = cpg_zcb_free(g->h, buf);
		if (err == CS_OK && ferr != CS_OK)
			err = ferr;
		ret = err == CS_OK ? 0 : cs_ret(g, err, "cpg_zcb_mcast_joined");
	} else {
		if (!m->filled) {
			m->crc = rc_gen_soak_fill(g->tmpl, m->size, g->nodeid, g->pid, g->next_seq,
						  m->safe);
			m->filled = true;
		}
		iov.iov_base = g->tmpl;
		iov.iov_len = m->size;
		err = cpg_mcast_joined(g->h, gt, &iov, 1);
		ret = err == CS_OK ? 0 : cs_ret(g, err, "cpg_mcast_joined");
	}
	if (ret == 0) {
		rc_gen_history_send(g, g->next_seq, m->size, m->safe, m->crc, m->zcb);
		g->next_seq++;
		g->soak_sent++;
		m->ready = false;
	} else if (ret == -EAGAIN) {
		g->cur.retries++;
	}
	return ret;
}

/* Wait up to wait_ns for the fd, dispatch. 0, SOAK_GONE, -EIO. */
static int soak_pump(struct rc_gen *g, int64_t wait_ns)
{
	cpg_flow_control_state_t fc;
	cs_error_t err;
	uint64_t now;

	if (rc_gen_poll_dispatch(g, wait_ns, &err) < 0)
		return -EIO;
	if (err == CS_ERR_LIBRARY || err == CS_ERR_BAD_HANDLE)
		return SOAK_GONE;
	if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
		rc_gen_fail(g, "cpg_dispatch: %s", rc_gen_err(err));
		return -EIO;
	}
	now = rc_gen_now_ns();
	if (now >= g->next_house) {
		/* lets ringcast's libcpg read its completion ring (see -modes.c) */
		(void)cpg_flow_control_state_get(g->h, &fc);
		g->next_house = now + HOUSE_NS;
	}
	if (rc_gen_history_flush(g) < 0)
		return -EIO;
	return g->failed ? -EIO : 0;
}

/* Send at --rate until the end or SIGTERM. 0, SOAK_GONE, -EIO. */
static int soak_loop(struct rc_gen *g)
{
	double period = 1e9 / g->o.rate;
	uint64_t t0 = rc_gen_now_ns(), t_end, k = 0, due, now;
	uint64_t timeout = (uint64_t)(g->o.timeout_s * 1e9);
	struct soak_msg m = { .ready = false };
	int64_t wait;
	int ret;

	t_end = t0 + (uint64_t)(g->o.duration_s * 1e9);
	while (!rc_gen_stop) {
		now = rc_gen_now_ns();
		if (now >= t_end)
			return 0;
		due = t0 + (uint64_t)((double)k * period);
		if (now > due + CATCH_UP_NS) {
			k = (uint64_t)((double)(now - CATCH_UP_NS - t0) / period);
			due = t0 + (uint64_t)((double)k * period);
		}
		wait = (int64_t)(due - now);
		if (due <= now && (g->o.window == 0 || g->next_seq - g->own_back < g->o.window)) {
			ret = soak_send(g, &m);
			if (ret == 0) {
				k++;
				g->blocked_since = 0;
				wait = 0;
			} else if (ret == -EAGAIN) {
				if (g->blocked_since == 0)
					g->blocked_since = now;
				else if (now - g->blocked_since > timeout) {
					rc_gen_fail(g, "soak: no message accepted for %.1f s "
						    "(CS_ERR_TRY_AGAIN)", g->o.timeout_s);
					return -EIO;
				}
				wait = BACKOFF_NS;
			} else {
				return ret;
			}
		} else if (due <= now) {
			wait = IDLE_NS;		/* the window is full: one comes back */
		}
		ret = soak_pump(g, wait);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Own messages back, or --timeout. 0, SOAK_GONE, -EIO, -ETIMEDOUT. */
static int soak_drain(struct rc_gen *g)
{
	uint64_t deadline = rc_gen_now_ns() + (uint64_t)(g->o.timeout_s * 1e9);
	int ret;

	while (g->own_back < g->next_seq) {
		if (rc_gen_now_ns() >= deadline)
			return -ETIMEDOUT;
		ret = soak_pump(g, 10000000);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Leave, and dispatch until the confchg that says so: it closes this
 * history's last configuration with the same line the others' histories
 * have, so ringcast-check compares that stretch too (it stayed open, and a
 * loss in it went unjudged, when the history ended before the leave).
 */
static int soak_leave(struct rc_gen *g)
{
	uint64_t deadline = rc_gen_now_ns() + (uint64_t)(g->o.timeout_s * 1e9);
	cs_error_t err;
	int ret;

	err = cpg_leave(g->h, &g->group);
	if (err != CS_OK) {
		rc_gen_fail(g, "cpg_leave(%s): %s", g->o.group, rc_gen_err(err));
		return err == CS_ERR_LIBRARY ? SOAK_GONE : -EIO;
	}
	g->joined = false;
	while (!g->self_left) {
		if (rc_gen_now_ns() >= deadline) {
			rc_gen_fail(g, "no confchg with its own leave %.1f s after cpg_leave",
				    g->o.timeout_s);
			return -EIO;
		}
		ret = soak_pump(g, 10000000);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void rc_gen_soak_deliver(struct rc_gen *g, uint32_t nodeid, uint32_t pid, const void *msg,
			 size_t len)
{
	uint32_t crc = rc_gen_crc32c(0, msg, len);
	uint64_t w, seq;

	if (len < RC_GEN_SOAK_MIN) {
		rc_gen_history_deliver(g, nodeid, pid, UINT64_MAX, len, crc, 0);
		rc_gen_note(g, ++g->soak_bad, "soak: %zu-byte message from %u/%u", len, nodeid, pid);
		return;
	}
	memcpy(&w, msg, sizeof(w));
	seq = w & ~RC_GEN_SOAK_SAFE;
	rc_gen_history_deliver(g, nodeid, pid, seq, len, crc, w & RC_GEN_SOAK_SAFE ? 's' : 'a');
	g->soak_rx++;
	if (nodeid == g->nodeid && pid == g->pid && seq + 1 > g->own_back)
		g->own_back = seq + 1;
}

/* The whole soak run; the exit status: 0 done, 3 the daemon went away, 1 else. */
int rc_gen_soak(struct rc_gen *g)
{
	const char *why;
	cs_error_t err;
	int ret;

	g->rng = rc_gen_mix64(g->o.seed ^ ((uint64_t)g->nodeid << 32 | g->pid)) | 1;
	g->tmpl = malloc(g->o.sizes[0]);
	if (g->tmpl == NULL) {
		fprintf(stderr, "ringcast-gen: out of memory\n");
		return 1;
	}
	err = cpg_join(g->h, &g->group);
	if (err != CS_OK) {
		rc_gen_fail(g, "cpg_join(%s): %s", g->o.group, rc_gen_err(err));
		ret = err == CS_ERR_LIBRARY ? SOAK_GONE : -EIO;
	} else {
		g->joined = true;
		ret = soak_loop(g);
		if (ret == 0)
			ret = soak_drain(g);
		if (ret == 0)
			ret = soak_leave(g);
	}
	why = ret == 0 ? "ok" : ret == SOAK_GONE ? "gone" : ret == -ETIMEDOUT ? "drain-timeout"
								     : "error";
	rc_gen_history_close(g, why);
	printf("soak: %u/%u sent %" PRIu64 " (%" PRIu64 " retries), delivered %" PRIu64
	       ", %" PRIu64 " confchgs, own back %" PRIu64 "/%" PRIu64 ": %s\n", g->nodeid, g->pid,
	       g->soak_sent, g->cur.retries, g->soak_rx, g->soak_confchgs, g->own_back,
	       g->next_seq, why);
	if (ret == -ETIMEDOUT)
		fprintf(stderr, "ringcast-gen[%u]: soak: %" PRIu64 " own messages not back after "
			"%.1f s\n", g->pid, g->next_seq - g->own_back, g->o.timeout_s);
	else if (ret == -EIO && g->failed)
		fprintf(stderr, "ringcast-gen[%u]: %s\n", g->pid, g->failure);
	if (ret == SOAK_GONE)
		g->joined = false;	/* nothing to leave */
	return ret == 0 ? 0 : ret == SOAK_GONE ? 3 : 1;
}
