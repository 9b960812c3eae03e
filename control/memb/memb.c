/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The membership half of Totem: failure detection, gather and consensus, the
 * commit token, the membership timers and the ring sequence. It drives the
 * ordering half (ord.c) only through the messages of split.h, which may
 * arrive there at any later time: in the daemon this half runs on the
 * control thread and the ordering half on the dataplane lcore.
 *
 *        start/token loss/join/foreign ring/leave
 *   +-----------------------------------------------+
 *   v                                               |
 * GATHER --consensus, rep sends commit--> COMMIT --all entries filled-->
 * RECOVERY --the ordering half says OPERATIONAL--> OPERATIONAL
 *
 * GATHER sends FREEZE; the FROZEN answer says what this node holds of its
 * old ring, which goes into its commit entry. The filled commit token goes
 * to the ordering half in INSTALL; recovery is the ordering half's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nodeset.h"
#include "seq.h"
#include "split.h"

#define POLL_RECHECK_NS	(1000 * 1000ull)
/*
 * Pause detection (as corosync's "Process pause detected"): this half asks to
 * be run at least every token_timeout / PAUSE_TICK_DIV; a call that comes more
 * than token_timeout / 2 after the previous one means the process (or this
 * thread) was not running, and what its timers would now conclude is stale.
 * token / 5 is corosync's own pause timer: 31 wake-ups a second at the
 * default token, the control thread's only periodic work under traffic.
 */
#define PAUSE_TICK_DIV	5

struct rc_memb {
	struct rc_totem_config cfg;
	struct rc_memb_ops ops;
	void *priv;
	uint32_t me;
	enum rc_memb_state state;
	uint64_t now;			/* time of the call being served */
	uint64_t max_ring_seq;

	struct rc_ring_id ring;		/* forming, recovering or operational */
	struct nodeset memb;
	struct rc_ring_id old_ring;	/* last operational ring */
	struct nodeset old_memb;
	bool have_old;

	/* gather */
	struct nodeset proc, failed, consensus;
	uint64_t join_deadline;
	uint64_t consensus_deadline;
	uint64_t gather_min;		/* alone: listen this long before forming */

	/* commit */
	struct rc_commit commit;
	uint8_t commit_frame[RC_WIRE_COMMIT_MAX];
	uint32_t commit_len, commit_dst;
	uint64_t commit_rtr_deadline;
	uint64_t commit_sent;
	bool token_started;

	/* the ordering half's answer to FREEZE */
	struct rc_srp_old_ring frozen;
	uint32_t freeze_pending;	/* FREEZEs not yet answered */

	/* recovery and operational */
	uint64_t since;			/* entered COMMIT/RECOVERY/OPERATIONAL */
	uint64_t merge_deadline;

	/* pause detection */
	uint64_t last_run;		/* time of the previous call; 0: none yet */
	uint64_t relearn_until;		/* after a pause: failed sets are no evidence */
	uint64_t pause_reset_at;	/* when a pause last restarted the timers */

	struct rc_memb_stats ms;
	struct rc_memb_why why;		/* of the last gather */
};

/* ---- to the ordering half ---- */

static void cmd_send(struct rc_memb *m, uint32_t dst, const void *frame, uint32_t len)
{
	struct rc_xmsg c;

	c.type = RC_X_SEND;
	c.u.send.dst = dst;
	c.u.send.len = len;
	memcpy(c.u.send.frame, frame, len);
	m->ops.cmd(m->priv, &c);
}

static void cmd_ring(struct rc_memb *m, enum rc_x_type type)
{
	struct rc_xmsg c;

	c.type = type;
	c.u.ring.ring = m->ring;
	c.u.ring.n_members = 0;
	m->ops.cmd(m->priv, &c);
}

/* ---- frames ---- */

static void put_hdr(struct rc_memb *m, uint8_t *f, uint8_t type,
		    const struct rc_ring_id *ring)
{
	rc_wire_put_hdr(f, type, m->cfg.srp.cluster_id, m->me, ring->rep, ring->seq);
}

static void send_join_sets(struct rc_memb *m, const struct nodeset *proc,
			   const struct nodeset *failed)
{
	uint8_t f[RC_WIRE_JOIN_MAX];
	struct rc_join j;
	uint32_t len;

	j.ring_seq = m->max_ring_seq;
	j.n_proc = (uint16_t)proc->n;
	j.n_failed = (uint16_t)failed->n;
	memcpy(j.proc, proc->id, proc->n * sizeof(uint32_t));
	memcpy(j.failed, failed->id, failed->n * sizeof(uint32_t));
	put_hdr(m, f, RC_FT_JOIN, &m->old_ring);
	len = rc_wire_put_join(f, &j);
	cmd_send(m, 0, f, len);
	m->ms.joins_tx++;
}

static void send_join(struct rc_memb *m)
{
	send_join_sets(m, &m->proc, &m->failed);
	m->join_deadline = m->now + m->cfg.join_timeout_ns;
}

/*
 * A commit token goes round in microseconds; one that makes no progress for
 * half a consensus timeout will not (a member went back to gather). Waiting
 * a whole token timeout let the other nodes' consensus timeout fail this
 * node meanwhile, which kept large groups from ever agreeing. A lost copy is
 * resent four times within that.
 */
static uint64_t commit_timeout(const struct rc_memb *m)
{
	return m->cfg.consensus_timeout_ns / 2;
}

static void commit_send(struct rc_memb *m)
{
	cmd_send(m, m->commit_dst, m->commit_frame, m->commit_len);
	m->commit_rtr_deadline = m->now + commit_timeout(m) / 4;
}

static void commit_forward(struct rc_memb *m)
{
	uint32_t i, n = m->commit.n_memb;

	for (i = 0; i < n && m->commit.e[i].nodeid != m->me; i++)
		;
	m->commit.hop++;
	put_hdr(m, m->commit_frame, RC_FT_COMMIT, &m->ring);
	m->commit_len = rc_wire_put_commit(m->commit_frame, &m->commit);
	m->commit_dst = m->commit.e[(i + 1) % n].nodeid;
	m->commit_sent = m->now;
	m->ms.commits_tx++;
	commit_send(m);
}

/* ---- state changes ---- */

static void gather_enter(struct rc_memb *m);
static void recovery_enter(struct rc_memb *m);

static uint32_t live_rep(const struct rc_memb *m, struct nodeset *live)
{
	set_sub(&m->proc, &m->failed, live);
	return live->n ? live->id[0] : 0;
}

static bool consensus_agreed(const struct rc_memb *m)
{
	struct nodeset live;

	live_rep(m, &live);
	for (uint32_t i = 0; i < live.n; i++)
		if (!set_has(&m->consensus, live.id[i]))
			return false;
	return live.n > 0;
}

/*
 * Only once the ordering half has answered the last FREEZE. The commit
 * token's max_msg and netmtu fall to this node's: once every entry is
 * filled they are the least of the members', which every member installs
 * (one node on a link that carries less frames the whole ring smaller,
 * rather than losing every larger frame, and the ring with it).
 */
static void fill_entry(struct rc_memb *m)
{
	const struct rc_srp_old_ring o = m->frozen;
	uint32_t limit = rc_totem_msg_limit(&m->cfg.srp);

	if (m->commit.max_msg > limit)
		m->commit.max_msg = limit;
	if (m->commit.netmtu > m->cfg.srp.netmtu)
		m->commit.netmtu = (uint16_t)m->cfg.srp.netmtu;
	for (uint32_t i = 0; i < m->commit.n_memb; i++) {
		struct rc_commit_entry *e = &m->commit.e[i];

		if (e->nodeid != m->me)
			continue;
		e->old_rep = o.valid ? o.rep : 0;
		e->old_seq = o.valid ? o.seq : 0;
		e->my_aru = o.valid ? o.my_aru : 0;
		e->high_seq = o.valid ? rc_seq_max(o.high_seq, o.my_aru) : 0;
		m->commit.filled |= 1u << i;
	}
}

/* Persisted first: a seq that could not be is never used (the formation fails). */
static int set_ring(struct rc_memb *m, uint32_t rep, uint64_t seq)
{
	int ret = m->ops.ring_seq ? m->ops.ring_seq(m->priv, seq) : 0;

	if (ret < 0) {
		m->ms.ring_seq_persist_failed++;
		return ret;
	}
	m->ring.rep = rep;
	m->ring.seq = seq;
	if (seq > m->max_ring_seq)
		m->max_ring_seq = seq;
	return 0;
}

/* A ring seq a peer's JOIN or COMMIT may carry (engine.h: the bounds). */
static bool ring_seq_plausible(struct rc_memb *m, uint64_t seq)
{
	if (seq <= RC_RING_SEQ_MAX &&
	    (seq <= m->max_ring_seq || seq - m->max_ring_seq <= RC_RING_SEQ_JUMP_MAX))
		return true;
	m->ms.ring_seq_refused++;
	return false;
}

/* The representative of an agreed membership forms the ring. */
static void form_ring(struct rc_memb *m, const struct nodeset *live)
{
	uint64_t seq = m->max_ring_seq;

	if (m->cfg.last_ring_seq > seq)
		seq = m->cfg.last_ring_seq;
	if (m->have_old && m->old_ring.seq > seq)
		seq = m->old_ring.seq;
	seq += 4;	/* cannot wrap: every seq adopted is <= RC_RING_SEQ_MAX */
	if (seq > RC_RING_SEQ_MAX) {
		m->ms.ring_seq_refused++;	/* the others would refuse it */
		return;
	}
	if (set_ring(m, m->me, seq) < 0)
		return;		/* stay in gather; the next check tries again */

	memset(&m->commit, 0, sizeof(m->commit));
	m->commit.rep = m->me;
	m->commit.ring_seq = seq;
	m->commit.n_memb = (uint16_t)live->n;
	m->commit.max_msg = RC_SRP_MSG_SIZE_CAP;	/* each member lowers it */
	m->commit.netmtu = RC_NETMTU_MAX;		/* and this */
	for (uint32_t i = 0; i < live->n; i++)
		m->commit.e[i].nodeid = live->id[i];
	m->memb = *live;
	fill_entry(m);
	m->state = RC_MEMB_COMMIT;
	m->since = m->now;
	m->token_started = false;
	if (live->n == 1) {
		recovery_enter(m);
		return;
	}
	commit_forward(m);
}

static void check_consensus(struct rc_memb *m)
{
	struct nodeset live;

	if (m->state != RC_MEMB_GATHER || !consensus_agreed(m))
		return;
	if (live_rep(m, &live) != m->me)
		return;		/* the representative sends the commit token */
	if (live.n == 1 && m->now < m->gather_min)
		return;		/* alone so far: give others a chance to answer */
	if (m->freeze_pending)
		return;		/* FROZEN will call again */
	form_ring(m, &live);
}

/*
 * The sets changed: agreement starts over, and so does the time allowed for
 * it, or a node would fail healthy peers for not yet agreeing to sets they
 * have not heard yet (corosync restarts this timer too).
 */
static void consensus_restart(struct rc_memb *m)
{
	set_one(&m->consensus, m->me);
	m->consensus_deadline = m->now + m->cfg.consensus_timeout_ns;
}

/* Why gather starts: kept for the log (rc_memb_why_get). */
static void because(struct rc_memb *m, enum rc_memb_cause cause, uint32_t node,
		    const struct rc_ring_id *ring, uint8_t ftype)
{
	m->why.cause = cause;
	m->why.node = node;
	m->why.ring = ring ? *ring : m->ring;
	m->why.ftype = ftype;
}

static void gather_enter(struct rc_memb *m)
{
	if (m->state != RC_MEMB_GATHER) {
		struct rc_xmsg c = { .type = RC_X_FREEZE };

		m->ops.cmd(m->priv, &c);
		m->freeze_pending++;
		m->proc = m->memb;
		set_add(&m->proc, m->me);
		m->failed.n = 0;
		/*
		 * From a ring of one, listen a join_timeout before forming
		 * another: a node that keeps finding itself alone must not
		 * form a ring per frame it hears.
		 */
		m->gather_min = m->proc.n == 1 ? m->now + m->cfg.join_timeout_ns : 0;
	}
	m->state = RC_MEMB_GATHER;
	consensus_restart(m);
	m->commit_rtr_deadline = UINT64_MAX;
	m->merge_deadline = UINT64_MAX;
	m->ms.gathers++;
	send_join(m);
}

static void recovery_enter(struct rc_memb *m)
{
	struct rc_xmsg c;
	struct rc_x_install *in = &c.u.install;

	c.type = RC_X_INSTALL;
	in->ring = m->ring;
	in->n_members = m->memb.n;
	memcpy(in->members, m->memb.id, m->memb.n * sizeof(uint32_t));
	in->commit = m->commit;
	/* The representative starts the token once the commit token is back. */
	in->start = m->ring.rep != m->me || m->memb.n == 1;
	m->ops.cmd(m->priv, &c);
	m->state = RC_MEMB_RECOVERY;
	m->since = m->now;
	if (in->start)
		m->token_started = m->ring.rep == m->me;
}

/*
 * The ordering half delivered a ring's configuration changes: it is the last
 * operational ring, even if this half has moved on (its next freeze keeps it).
 */
static void on_operational(struct rc_memb *m, const struct rc_x_ring *r)
{
	m->old_ring = r->ring;
	m->old_memb.n = r->n_members <= RC_MEMB_MAX ? r->n_members : 0;
	memcpy(m->old_memb.id, r->members, m->old_memb.n * sizeof(uint32_t));
	m->have_old = true;
	m->ms.rings++;		/* the ordering half ran it, even if we have moved on */
	if (m->state != RC_MEMB_RECOVERY || !rc_ring_id_eq(&r->ring, &m->ring))
		return;
	m->state = RC_MEMB_OPERATIONAL;
	m->since = m->now;
	m->commit_rtr_deadline = UINT64_MAX;
	m->merge_deadline = m->ring.rep == m->me ? m->now + m->cfg.merge_timeout_ns : UINT64_MAX;
}

/* ---- frames from the network ---- */

static bool join_is_leave(uint32_t s, const struct rc_join *j)
{
	return ids_have(j->failed, j->n_failed, s);
}

/* Failed nodes stay in proc, so that every node's two sets compare equal. */
static bool fail_node(struct rc_memb *m, uint32_t id)
{
	bool changed = set_add(&m->proc, id);

	return set_add(&m->failed, id) || changed;
}

/*
 * Is the sender's word that `id` failed evidence here? Only from a member of
 * this node's ring, or about a node outside it: a newcomer, or a node that
 * paused and was left behind, judged its failed set from timers that fired
 * while it was away, and must not make this node drop a member it has been
 * hearing itself (corosync takes a JOIN's failed list only from a member of
 * its ring too). Nor in the first moments after this node's own pause, when
 * the frames it reads were queued while it was stopped.
 */
static bool failed_is_evidence(struct rc_memb *m, uint32_t s, uint32_t id)
{
	if (m->now < m->relearn_until ||
	    (!set_has(&m->memb, s) && set_has(&m->memb, id))) {
		m->ms.failed_ignored++;
		return false;
	}
	return true;
}

static void join_in_gather(struct rc_memb *m, uint32_t s, const struct rc_join *j)
{
	bool changed = false, parted = false;

	if (set_has(&m->failed, s))
		return;
	for (uint32_t i = 0; i < j->n_failed; i++) {
		if (j->failed[i] == s) {		/* a leave */
			m->ms.leaves_rx++;
			parted = true;
		} else if (j->failed[i] == m->me && set_has(&m->memb, s) &&
			   m->now >= m->relearn_until) {
			/*
			 * A member of my ring thinks I failed: we part, and merge
			 * later. A non-member's view of me is older than any ring
			 * we shared; only its presence counts. So is a member's
			 * that this node read after its own pause: queued.
			 */
			parted = true;
		}
	}
	if (parted) {
		changed = fail_node(m, s);
	} else if (ids_have(j->failed, j->n_failed, m->me)) {
		changed = set_add(&m->proc, s);
	} else {
		changed |= set_add_all(&m->proc, j->proc, j->n_proc, 0);
		for (uint32_t i = 0; i < j->n_failed; i++)
			if (failed_is_evidence(m, s, j->failed[i]))
				changed |= fail_node(m, j->failed[i]);
	}
	if (changed)
		consensus_restart(m);
	if (!parted && set_equal_ids(&m->proc, j->proc, j->n_proc) &&
	    set_equal_ids(&m->failed, j->failed, j->n_failed))
		set_add(&m->consensus, s);
	if (changed)
		send_join(m);
	check_consensus(m);
}


static void recv_join(struct rc_memb *m, uint32_t s, const struct rc_join *j)
{
	m->ms.joins_rx++;
	if (!ring_seq_plausible(m, j->ring_seq))
		return;		/* the whole join: its other fields are no better */
	if (m->state != RC_MEMB_GATHER) {
		bool member = set_has(&m->memb, s);

		/*
		 * A member's join from before this ring is history; so is a
		 * leave (its sender lists itself failed) from a node that is
		 * already out of the ring, e.g. the second copy of a leave; and
		 * a non-member that still counts me failed merges once its own
		 * gather ends and it hears our MERGE. While a ring forms, a node
		 * its consensus declared failed does not undo it: it merges with
		 * the ring once the ring is up.
		 */
		if ((member && j->ring_seq < m->ring.seq) ||
		    (!member && (join_is_leave(s, j) ||
				 ids_have(j->failed, j->n_failed, m->me))) ||
		    (m->state != RC_MEMB_OPERATIONAL && set_has(&m->failed, s))) {
			m->ms.stale++;
			return;
		}
	}
	/* Adopted only from a join acted on, never from one dropped here. */
	if (j->ring_seq > m->max_ring_seq &&
	    !(m->state == RC_MEMB_GATHER && set_has(&m->failed, s)))
		m->max_ring_seq = j->ring_seq;
	if (m->state != RC_MEMB_GATHER) {
		because(m, join_is_leave(s, j) ? RC_CAUSE_LEAVE : RC_CAUSE_JOIN, s, NULL, 0);
		gather_enter(m);
	}
	join_in_gather(m, s, j);
}

static void recv_commit(struct rc_memb *m, uint32_t s, const struct rc_commit *c)
{
	uint32_t i, n = c->n_memb, ids[RC_MEMB_MAX];
	struct nodeset live;

	for (i = 0; i < n && c->e[i].nodeid != m->me; i++)
		;
	if (i == n || c->e[(i + n - 1) % n].nodeid != s ||
	    (m->have_old && c->ring_seq <= m->old_ring.seq)) {
		m->ms.stale++;
		return;
	}
	if (!ring_seq_plausible(m, c->ring_seq))
		return;
	for (i = 0; i < n; i++)
		ids[i] = c->e[i].nodeid;
	switch (m->state) {
	case RC_MEMB_GATHER:
		/*
		 * A ring id is used once: a late copy of the commit token of a
		 * ring this node already committed to (and left before it ran)
		 * would form that ring again, and its seqs would name two frames.
		 * A restarted node has no ring yet: the one it persisted is its
		 * floor (its seq is stored before a ring is taken, set_ring).
		 */
		if (c->ring_seq <= m->ring.seq || c->ring_seq <= m->cfg.last_ring_seq) {
			m->ms.stale++;
			return;
		}
		/* Only the ring this node agreed to, with its former's entry filled. */
		live_rep(m, &live);
		if (!set_equal_ids(&live, ids, n) || !(c->filled & 1u)) {
			m->ms.stale++;
			return;
		}
		if (m->freeze_pending)
			return;		/* no entry to fill yet: the rep resends */
		if (set_ring(m, c->rep, c->ring_seq) < 0)
			return;		/* not durable: this formation fails */
		m->commit = *c;
		m->memb = live;
		fill_entry(m);
		m->state = RC_MEMB_COMMIT;
		m->since = m->now;
		m->token_started = false;
		commit_forward(m);
		return;
	case RC_MEMB_COMMIT:
	case RC_MEMB_RECOVERY:
		if (c->rep != m->ring.rep || c->ring_seq != m->ring.seq ||
		    (int32_t)(c->hop - m->commit.hop) <= 0)
			return;		/* a copy already handled */
		/* A copy of this ring names the members this node agreed to;
		   one that does not is from a faulty node (its entries would
		   make this node's transitional configuration). */
		if (!set_equal_ids(&m->memb, ids, n)) {
			m->ms.stale++;
			return;
		}
		m->commit = *c;
		if (m->state == RC_MEMB_COMMIT) {
			m->since = m->now;	/* progress: the commit timeout starts over */
			if (c->filled != (n == 32 ? UINT32_MAX : (1u << n) - 1))
				return;
			recovery_enter(m);
			commit_forward(m);
		} else if (m->ring.rep == m->me && !m->token_started) {
			/* Back after the second rotation: every member is installed. */
			m->commit_rtr_deadline = UINT64_MAX;
			m->token_started = true;
			cmd_ring(m, RC_X_START);
		}
		return;
	default:
		m->ms.stale++;
		return;
	}
}

/* An ordering frame of another ring, or a MERGE announcement. */
static void recv_foreign(struct rc_memb *m, const struct rc_x_frame *f)
{
	uint32_t s = f->sender;

	if (rc_ring_id_eq(&f->ring, &m->ring)) {
		if (f->type != RC_FT_MERGE)
			m->ms.stale++;	/* our ring's frame, after we left it */
		return;		/* our own ring's MERGE: nothing to merge */
	}
	if (set_has(&m->memb, s) && f->ring.seq <= m->ring.seq) {
		m->ms.stale++;
		return;
	}
	switch (m->state) {
	case RC_MEMB_OPERATIONAL:
		m->ms.foreign++;
		because(m, RC_CAUSE_FOREIGN, s, &f->ring, f->type);
		gather_enter(m);
		/* fall through */
	case RC_MEMB_GATHER:
		if (!set_has(&m->failed, s) && set_add(&m->proc, s)) {
			consensus_restart(m);
			send_join(m);
		}
		return;
	default:
		return;		/* merge once this ring is up */
	}
}

/* This node cannot receive what the others hold: it leaves them. */
static void on_fail_recv(struct rc_memb *m, const struct rc_x_ring *r)
{
	struct nodeset others, me;

	if ((m->state != RC_MEMB_RECOVERY && m->state != RC_MEMB_OPERATIONAL) ||
	    !rc_ring_id_eq(&r->ring, &m->ring))
		return;		/* about a ring this half has already left */
	set_one(&me, m->me);
	set_sub(&m->memb, &me, &others);
	m->ms.fail_recv++;
	because(m, RC_CAUSE_FAIL_RECV, 0, NULL, 0);
	gather_enter(m);
	m->failed = others;
	consensus_restart(m);
	send_join(m);
}

/* ---- pause detection ---- */

static uint64_t pause_tick(const struct rc_memb *m)
{
	return m->cfg.token_timeout_ns / PAUSE_TICK_DIV;
}

/*
 * This half was not run for `gap`: every timer that is now overdue measured
 * the pause, not the other nodes. Conclusions are drawn again from now on:
 * the token timeout, the commit timeout and consensus start over, the
 * failed set of a gather is emptied, and for half a consensus timeout the
 * failed sets of the frames read (queued while stopped) are no evidence.
 * A node that really died is then failed one token timeout (or one
 * consensus timeout) after the resume instead of at once. The timers are
 * restarted at most once every two token timeouts, so a token deadline is
 * always reached between two restarts: pauses that keep coming (an
 * overloaded host) delay failure detection by a bounded time, not for as
 * long as they last.
 */
static void pause_detected(struct rc_memb *m, uint64_t gap, bool own)
{
	if (own) {
		m->ms.pauses++;
		m->ms.pause_last_ns = gap;
		if (gap > m->ms.pause_max_ns)
			m->ms.pause_max_ns = gap;
	}
	if (m->pause_reset_at && m->now - m->pause_reset_at < 2 * m->cfg.token_timeout_ns)
		return;
	m->pause_reset_at = m->now;
	m->relearn_until = m->now + m->cfg.consensus_timeout_ns / 2;
	switch (m->state) {
	case RC_MEMB_GATHER:
		m->failed.n = 0;
		consensus_restart(m);
		send_join(m);
		break;
	case RC_MEMB_COMMIT:
	case RC_MEMB_RECOVERY:
	case RC_MEMB_OPERATIONAL:
		m->since = m->now;	/* the token (commit) timeout starts over */
		break;
	default:
		break;
	}
}

/* Every call into this half: was it running all along? */
static void ran(struct rc_memb *m, uint64_t now)
{
	m->now = now;
	if (m->state != RC_MEMB_STOPPED && m->last_run && now > m->last_run &&
	    now - m->last_run > m->cfg.token_timeout_ns / 2)
		pause_detected(m, now - m->last_run, true);
	if (now > m->last_run)
		m->last_run = now;
}

void rc_memb_returned(struct rc_memb *m, uint64_t now)
{
	if (now > m->last_run)
		m->last_run = now;
}

/* ---- API ---- */

int rc_memb_create(const struct rc_totem_config *cfg, const struct rc_memb_ops *ops,
		   void *priv, struct rc_memb **out)
{
	struct rc_memb *m;
	int ret;

	ret = rc_totem_config_check(cfg, NULL);
	if (ret < 0)
		return ret;
	if (!ops || !ops->cmd || !ops->last_token || !out)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->ops = *ops;
	m->priv = priv;
	m->me = cfg->srp.nodeid;
	m->max_ring_seq = cfg->last_ring_seq;
	m->state = RC_MEMB_STOPPED;
	m->commit_rtr_deadline = UINT64_MAX;
	m->merge_deadline = UINT64_MAX;
	m->join_deadline = UINT64_MAX;
	m->consensus_deadline = UINT64_MAX;
	*out = m;
	return 0;
}

void rc_memb_destroy(struct rc_memb *m)
{
	free(m);
}

/* A node that knows nobody gathers: proc = {me}, and it listens first. */
void rc_memb_start(struct rc_memb *m, uint64_t now)
{
	m->now = now;
	m->last_run = now;
	m->memb.n = 0;
	because(m, RC_CAUSE_START, 0, NULL, 0);
	gather_enter(m);
}

void rc_memb_leave(struct rc_memb *m, uint64_t now)
{
	struct nodeset proc = m->memb, failed;
	struct rc_xmsg c = { .type = RC_X_STOP };

	m->now = now;
	if (m->state == RC_MEMB_STOPPED)
		return;
	set_add(&proc, m->me);
	set_one(&failed, m->me);
	/* Twice: one lost copy should not cost the others a token timeout. */
	send_join_sets(m, &proc, &failed);
	send_join_sets(m, &proc, &failed);
	m->ops.cmd(m->priv, &c);
	m->state = RC_MEMB_STOPPED;
}

void rc_memb_event(struct rc_memb *m, const struct rc_xmsg *e, uint64_t now)
{
	const struct rc_x_frame *f = &e->u.frame;

	if (m->state == RC_MEMB_STOPPED)
		return;
	ran(m, now);
	switch (e->type) {
	case RC_X_FRAME:
		if (f->type == RC_FT_JOIN)
			recv_join(m, f->sender, &f->u.join);
		else if (f->type == RC_FT_COMMIT)
			recv_commit(m, f->sender, &f->u.commit);
		else
			recv_foreign(m, f);
		break;
	case RC_X_FROZEN:
		if (m->freeze_pending && --m->freeze_pending == 0) {
			m->frozen = e->u.frozen;
			check_consensus(m);
		}
		break;
	case RC_X_OPERATIONAL:
		on_operational(m, &e->u.ring);
		break;
	case RC_X_FAIL_RECV:
		on_fail_recv(m, &e->u.ring);
		break;
	case RC_X_PAUSED:
		/* the ordering half's thread stalled: what it forwards now is old */
		pause_detected(m, e->u.gap_ns, false);
		break;
	default:
		break;
	}
}

static uint64_t token_deadline(const struct rc_memb *m)
{
	uint64_t last = m->ops.last_token(m->priv);

	return (last > m->since ? last : m->since) + m->cfg.token_timeout_ns;
}

/* How far the ordering half has looked for the token (see rc_memb_ops.polled). */
static uint64_t polled(const struct rc_memb *m, uint64_t now)
{
	uint64_t p = m->ops.polled ? m->ops.polled(m->priv) : now;

	return p < now ? p : now;
}

void rc_memb_timer(struct rc_memb *m, uint64_t now)
{
	uint64_t p;

	ran(m, now);
	switch (m->state) {
	case RC_MEMB_GATHER:
		/* judged where the ordering half has read, as token loss is */
		if (polled(m, now) >= m->consensus_deadline) {
			struct nodeset live;

			live_rep(m, &live);
			for (uint32_t i = 0; i < live.n; i++) {
				if (!set_has(&m->consensus, live.id[i])) {
					set_add(&m->failed, live.id[i]);
					m->ms.consensus_timeouts++;
				}
			}
			consensus_restart(m);
			send_join(m);
			if (m->freeze_pending) {
				/* Unanswered this long: ask again (freezing is idempotent). */
				struct rc_xmsg c = { .type = RC_X_FREEZE };

				m->ops.cmd(m->priv, &c);
				m->freeze_pending = 1;
			}
		} else if (now >= m->join_deadline) {
			send_join(m);
		}
		check_consensus(m);
		break;
	case RC_MEMB_COMMIT:
		if (now - m->since >= commit_timeout(m)) {
			m->ms.token_losses++;
			because(m, RC_CAUSE_COMMIT_LOST, 0, NULL, 0);
			gather_enter(m);
			break;
		}
		if (now >= m->commit_rtr_deadline)
			commit_send(m);
		break;
	case RC_MEMB_RECOVERY:
	case RC_MEMB_OPERATIONAL:
		/* polled first: a token it read is then in last_token (dp.c orders them) */
		p = polled(m, now);
		if (p >= token_deadline(m)) {
			m->ms.token_losses++;
			because(m, RC_CAUSE_TOKEN_LOST, 0, NULL, 0);
			gather_enter(m);
			break;
		}
		if (m->state == RC_MEMB_RECOVERY && now >= m->commit_rtr_deadline) {
			/* Until the commit is back (representative) or the ring runs. */
			if (m->token_started || (m->ring.rep != m->me &&
			    m->ops.last_token(m->priv) > m->commit_sent))
				m->commit_rtr_deadline = UINT64_MAX;
			else
				commit_send(m);
		}
		if (now >= m->merge_deadline) {
			uint8_t f[sizeof(struct rc_wire_hdr)];

			put_hdr(m, f, RC_FT_MERGE, &m->ring);
			cmd_send(m, 0, f, sizeof(f));
			m->ms.merges_tx++;
			m->merge_deadline = now + m->cfg.merge_timeout_ns;
		}
		break;
	default:
		break;
	}
}

/* A deadline is due but the ordering half has not read that far: ask it to
   look, and check again shortly. */
static uint64_t behind(const struct rc_memb *m)
{
	if (m->ops.look)
		m->ops.look(m->priv);
	return m->now + POLL_RECHECK_NS;
}

uint64_t rc_memb_next_deadline(const struct rc_memb *m)
{
	uint64_t d = UINT64_MAX, x;

	switch (m->state) {
	case RC_MEMB_GATHER:
		d = m->consensus_deadline;
		if (d <= m->now && polled(m, m->now) < d)
			d = behind(m);
		if (m->join_deadline < d)
			d = m->join_deadline;
		if (m->gather_min > m->now && m->gather_min < d)
			d = m->gather_min;
		break;
	case RC_MEMB_COMMIT:
		d = m->since + commit_timeout(m);
		if (m->commit_rtr_deadline < d)
			d = m->commit_rtr_deadline;
		break;
	case RC_MEMB_RECOVERY:
	case RC_MEMB_OPERATIONAL:
		x = polled(m, m->now);
		d = token_deadline(m);
		if (d <= m->now && x < d)
			d = behind(m);
		if (m->commit_rtr_deadline < d)
			d = m->commit_rtr_deadline;
		if (m->merge_deadline < d)
			d = m->merge_deadline;
		break;
	default:
		return d;
	}
	x = m->last_run + pause_tick(m);	/* to tell a pause from a quiet time */
	return x < d ? x : d;
}

enum rc_memb_state rc_memb_state(const struct rc_memb *m)
{
	return m->state;
}

void rc_memb_ring(const struct rc_memb *m, struct rc_ring_id *id,
		  uint32_t *members, uint32_t *n_members)
{
	if (id)
		*id = m->state == RC_MEMB_OPERATIONAL ? m->ring : m->old_ring;
	if (members && n_members) {
		const struct nodeset *s = m->state == RC_MEMB_OPERATIONAL ? &m->memb
									  : &m->old_memb;

		memcpy(members, s->id, s->n * sizeof(uint32_t));
		*n_members = s->n;
	}
}

void rc_memb_stats_get(const struct rc_memb *m, struct rc_memb_stats *ms)
{
	*ms = m->ms;
}

void rc_memb_why_get(const struct rc_memb *m, struct rc_memb_why *w)
{
	*w = m->why;
}

const char *rc_memb_cause_name(enum rc_memb_cause c)
{
	switch (c) {
	case RC_CAUSE_START:
		return "starting";
	case RC_CAUSE_TOKEN_LOST:
		return "the token was lost";
	case RC_CAUSE_COMMIT_LOST:
		return "the commit token was lost";
	case RC_CAUSE_JOIN:
		return "a join";
	case RC_CAUSE_LEAVE:
		return "a leave";
	case RC_CAUSE_FOREIGN:
		return "a frame of another ring";
	case RC_CAUSE_FAIL_RECV:
		return "this node cannot receive the ring's messages";
	}
	return "?";
}
