/*
 * The membership half of Totem: failure detection, gather and consensus,
 * the commit token, recovery of old-ring messages, and the transitional and
 * regular configuration changes of extended virtual synchrony. It drives the
 * ordering half only through the interface at the end of srp.h.
 *
 *        start/token loss/join/foreign ring/leave
 *   +-----------------------------------------------+
 *   v                                               |
 * GATHER --consensus, rep sends commit--> COMMIT --all entries filled-->
 * RECOVERY --every member's DONE delivered (SAFE)--> OPERATIONAL
 *
 * Recovery runs inside the new ring: each survivor queues the old-ring frames
 * that another survivor may lack as internal messages, then a SAFE "DONE".
 * When the last DONE is delivered every survivor holds the same old-ring
 * frames, and all of them deliver those, the transitional and the regular
 * configuration at the same point of the new ring's order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srp_int.h"
#include "totem.h"

#define DONE_MAGIC	0x454e4f44u	/* "DONE" */

struct nodeset {
	uint32_t n;
	uint32_t id[RC_MEMB_MAX];
};

struct rc_totem {
	struct rc_totem_config cfg;
	struct rc_totem_ops ops;
	void *priv;
	struct rc_srp *srp;
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

	/* recovery and operational */
	struct nodeset trans, done;
	uint32_t recover_high;
	uint64_t since;			/* entered COMMIT/RECOVERY/OPERATIONAL */
	uint64_t merge_deadline;
	uint32_t done_msg[2];

	struct rc_memb_stats ms;
};

/* ---- node sets: sorted ascending, no duplicates ---- */

static bool ids_have(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool set_has(const struct nodeset *s, uint32_t id)
{
	return ids_have(s->id, s->n, id);
}

static bool set_add(struct nodeset *s, uint32_t id)
{
	uint32_t i;

	if (set_has(s, id) || s->n == RC_MEMB_MAX)
		return false;
	for (i = s->n; i > 0 && s->id[i - 1] > id; i--)
		s->id[i] = s->id[i - 1];
	s->id[i] = id;
	s->n++;
	return true;
}

static bool set_add_all(struct nodeset *s, const uint32_t *ids, uint32_t n, uint32_t except)
{
	bool changed = false;

	for (uint32_t i = 0; i < n; i++)
		if (ids[i] != except)
			changed |= set_add(s, ids[i]);
	return changed;
}

static bool set_equal_ids(const struct nodeset *s, const uint32_t *ids, uint32_t n)
{
	return s->n == n && !memcmp(s->id, ids, n * sizeof(*ids));
}

/* out = a \ b */
static void set_sub(const struct nodeset *a, const struct nodeset *b, struct nodeset *out)
{
	out->n = 0;
	for (uint32_t i = 0; i < a->n; i++)
		if (!set_has(b, a->id[i]))
			out->id[out->n++] = a->id[i];
}

static void set_one(struct nodeset *s, uint32_t id)
{
	s->n = 1;
	s->id[0] = id;
}

/* ---- frames ---- */

static void put_hdr(struct rc_totem *t, uint8_t *f, uint8_t type,
		    const struct rc_ring_id *ring)
{
	rc_wire_put_hdr(f, type, t->cfg.srp.cluster_id, t->me, ring->rep, ring->seq);
}

static void send_join_sets(struct rc_totem *t, const struct nodeset *proc,
			   const struct nodeset *failed)
{
	uint8_t f[RC_WIRE_JOIN_MAX];
	struct rc_join j;
	uint32_t len;

	j.ring_seq = t->max_ring_seq;
	j.n_proc = (uint16_t)proc->n;
	j.n_failed = (uint16_t)failed->n;
	memcpy(j.proc, proc->id, proc->n * sizeof(uint32_t));
	memcpy(j.failed, failed->id, failed->n * sizeof(uint32_t));
	put_hdr(t, f, RC_FT_JOIN, &t->old_ring);
	len = rc_wire_put_join(f, &j);
	t->ops.send(t->priv, 0, f, len);
	t->ms.joins_tx++;
}

static void send_join(struct rc_totem *t)
{
	send_join_sets(t, &t->proc, &t->failed);
	t->join_deadline = t->now + t->cfg.join_timeout_ns;
}

/*
 * A commit token goes round in microseconds; one that makes no progress for
 * half a consensus timeout will not (a member went back to gather). Waiting
 * a whole token timeout let the other nodes' consensus timeout fail this
 * node meanwhile, which kept large groups from ever agreeing. A lost copy is
 * resent four times within that.
 */
static uint64_t commit_timeout(const struct rc_totem *t)
{
	return t->cfg.consensus_timeout_ns / 2;
}

static void commit_send(struct rc_totem *t)
{
	t->ops.send(t->priv, t->commit_dst, t->commit_frame, t->commit_len);
	t->commit_rtr_deadline = t->now + commit_timeout(t) / 4;
}

static void commit_forward(struct rc_totem *t)
{
	uint32_t i, n = t->commit.n_memb;

	for (i = 0; i < n && t->commit.e[i].nodeid != t->me; i++)
		;
	t->commit.hop++;
	put_hdr(t, t->commit_frame, RC_FT_COMMIT, &t->ring);
	t->commit_len = rc_wire_put_commit(t->commit_frame, &t->commit);
	t->commit_dst = t->commit.e[(i + 1) % n].nodeid;
	t->commit_sent = t->now;
	t->ms.commits_tx++;
	commit_send(t);
}

/* ---- state changes ---- */

static void gather_enter(struct rc_totem *t);
static void recovery_enter(struct rc_totem *t);

static uint32_t live_rep(const struct rc_totem *t, struct nodeset *live)
{
	set_sub(&t->proc, &t->failed, live);
	return live->n ? live->id[0] : 0;
}

static bool consensus_agreed(const struct rc_totem *t)
{
	struct nodeset live;

	live_rep(t, &live);
	for (uint32_t i = 0; i < live.n; i++)
		if (!set_has(&t->consensus, live.id[i]))
			return false;
	return live.n > 0;
}

static void fill_entry(struct rc_totem *t)
{
	struct rc_srp_old_ring o;

	rc_srp_old_ring_get(t->srp, &o);
	for (uint32_t i = 0; i < t->commit.n_memb; i++) {
		struct rc_commit_entry *e = &t->commit.e[i];

		if (e->nodeid != t->me)
			continue;
		e->old_rep = o.valid ? o.rep : 0;
		e->old_seq = o.valid ? o.seq : 0;
		e->my_aru = o.valid ? o.my_aru : 0;
		e->high_seq = o.valid ? rc_seq_max(o.high_seq, o.my_aru) : 0;
		t->commit.filled |= 1u << i;
	}
}

static void set_ring(struct rc_totem *t, uint32_t rep, uint64_t seq)
{
	t->ring.rep = rep;
	t->ring.seq = seq;
	if (seq > t->max_ring_seq)
		t->max_ring_seq = seq;
	if (t->ops.ring_seq)
		t->ops.ring_seq(t->priv, seq);
}

/* The representative of an agreed membership forms the ring. */
static void form_ring(struct rc_totem *t, const struct nodeset *live)
{
	uint64_t seq = t->max_ring_seq;

	if (t->cfg.last_ring_seq > seq)
		seq = t->cfg.last_ring_seq;
	if (t->have_old && t->old_ring.seq > seq)
		seq = t->old_ring.seq;
	seq += 4;

	memset(&t->commit, 0, sizeof(t->commit));
	t->commit.rep = t->me;
	t->commit.ring_seq = seq;
	t->commit.n_memb = (uint16_t)live->n;
	for (uint32_t i = 0; i < live->n; i++)
		t->commit.e[i].nodeid = live->id[i];
	set_ring(t, t->me, seq);
	t->memb = *live;
	fill_entry(t);
	t->state = RC_MEMB_COMMIT;
	t->since = t->now;
	t->token_started = false;
	if (live->n == 1) {
		recovery_enter(t);
		return;
	}
	commit_forward(t);
}

static void check_consensus(struct rc_totem *t)
{
	struct nodeset live;

	if (t->state != RC_MEMB_GATHER || !consensus_agreed(t))
		return;
	if (live_rep(t, &live) != t->me)
		return;		/* the representative sends the commit token */
	if (live.n == 1 && t->now < t->gather_min)
		return;		/* alone so far: give others a chance to answer */
	form_ring(t, &live);
}

/*
 * The sets changed: agreement starts over, and so does the time allowed for
 * it, or a node would fail healthy peers for not yet agreeing to sets they
 * have not heard yet (corosync restarts this timer too).
 */
static void consensus_restart(struct rc_totem *t)
{
	set_one(&t->consensus, t->me);
	t->consensus_deadline = t->now + t->cfg.consensus_timeout_ns;
}

static void gather_enter(struct rc_totem *t)
{
	if (t->state != RC_MEMB_GATHER) {
		rc_srp_freeze(t->srp, t->state == RC_MEMB_OPERATIONAL);
		t->proc = t->memb;
		set_add(&t->proc, t->me);
		t->failed.n = 0;
		/*
		 * From a ring of one, listen a join_timeout before forming
		 * another: a node that keeps finding itself alone must not
		 * form a ring per frame it hears.
		 */
		t->gather_min = t->proc.n == 1 ? t->now + t->cfg.join_timeout_ns : 0;
	}
	t->state = RC_MEMB_GATHER;
	consensus_restart(t);
	t->commit_rtr_deadline = UINT64_MAX;
	t->merge_deadline = UINT64_MAX;
	t->ms.gathers++;
	send_join(t);
}

static void recovery_enter(struct rc_totem *t)
{
	struct rc_srp_old_ring o;
	uint32_t min_aru = 0, max_aru = 0, high = 0, chosen = 0;
	bool first = true;

	rc_srp_old_ring_get(t->srp, &o);
	rc_srp_install(t->srp, t->ring.seq, t->memb.id, t->memb.n);

	/* The survivors of my old ring, and what each holds of it. */
	set_one(&t->trans, t->me);
	for (uint32_t i = 0; o.valid && i < t->commit.n_memb; i++) {
		const struct rc_commit_entry *e = &t->commit.e[i];

		if (e->old_rep != o.rep || e->old_seq != o.seq)
			continue;
		set_add(&t->trans, e->nodeid);
		if (first || rc_seq_lt(e->my_aru, min_aru))
			min_aru = e->my_aru;
		if (first || rc_seq_gt(e->my_aru, max_aru)) {
			max_aru = e->my_aru;
			chosen = e->nodeid;
		}
		if (first || rc_seq_gt(e->high_seq, high))
			high = e->high_seq;
		first = false;
	}
	if (o.valid) {
		/* Below max_aru one node holds everything; above it, all that have. */
		if (chosen == t->me)
			rc_srp_recovery_queue(t->srp, min_aru, max_aru);
		rc_srp_recovery_queue(t->srp, max_aru, high);
	}
	t->recover_high = high;
	t->done_msg[0] = DONE_MAGIC;
	t->done_msg[1] = t->me;
	rc_srp_ctrl_mcast(t->srp, t->done_msg, sizeof(t->done_msg), RC_GUARANTEE_SAFE);
	t->done.n = 0;
	t->state = RC_MEMB_RECOVERY;
	t->since = t->now;
	if (t->ring.rep != t->me || t->memb.n == 1) {
		rc_srp_start(t->srp, t->now);
		t->token_started = t->ring.rep == t->me;
	}
}

static void confchg(struct rc_totem *t, enum rc_conf_type type, const struct nodeset *members,
		    const struct nodeset *left, const struct nodeset *joined)
{
	struct rc_confchg c;

	if (!t->ops.confchg)
		return;
	memset(&c, 0, sizeof(c));
	c.type = type;
	c.ring = t->ring;
	c.n_members = members->n;
	memcpy(c.members, members->id, members->n * sizeof(uint32_t));
	c.n_left = left->n;
	memcpy(c.left, left->id, left->n * sizeof(uint32_t));
	c.n_joined = joined->n;
	memcpy(c.joined, joined->id, joined->n * sizeof(uint32_t));
	t->ops.confchg(t->priv, &c);
}

static void operational_enter(struct rc_totem *t)
{
	struct nodeset left, joined, none = { 0 };

	rc_srp_recovery_finish(t->srp, t->recover_high);
	if (t->have_old)
		set_sub(&t->old_memb, &t->trans, &left);
	else
		left.n = 0;
	confchg(t, RC_CONF_TRANSITIONAL, &t->trans, &left, &none);
	set_sub(&t->memb, &t->trans, &joined);
	confchg(t, RC_CONF_REGULAR, &t->memb, &none, &joined);

	t->old_ring = t->ring;
	t->old_memb = t->memb;
	t->have_old = true;
	t->state = RC_MEMB_OPERATIONAL;
	t->since = t->now;
	t->commit_rtr_deadline = UINT64_MAX;
	t->merge_deadline = t->ring.rep == t->me ? t->now + t->cfg.merge_timeout_ns : UINT64_MAX;
	t->ms.rings++;
}

/* ---- frames from the network ---- */

static bool join_is_leave(uint32_t s, const struct rc_join *j)
{
	return ids_have(j->failed, j->n_failed, s);
}

/* Failed nodes stay in proc, so that every node's two sets compare equal. */
static bool fail_node(struct rc_totem *t, uint32_t id)
{
	bool changed = set_add(&t->proc, id);

	return set_add(&t->failed, id) || changed;
}

static void join_in_gather(struct rc_totem *t, uint32_t s, const struct rc_join *j)
{
	bool changed = false, parted = false;

	if (set_has(&t->failed, s))
		return;
	for (uint32_t i = 0; i < j->n_failed; i++) {
		if (j->failed[i] == s) {		/* a leave */
			t->ms.leaves_rx++;
			parted = true;
		} else if (j->failed[i] == t->me && set_has(&t->memb, s)) {
			/*
			 * A member of my ring thinks I failed: we part, and merge
			 * later. A non-member's view of me is older than any ring
			 * we shared; only its presence counts.
			 */
			parted = true;
		}
	}
	if (parted) {
		changed = fail_node(t, s);
	} else if (ids_have(j->failed, j->n_failed, t->me)) {
		changed = set_add(&t->proc, s);
	} else {
		changed |= set_add_all(&t->proc, j->proc, j->n_proc, 0);
		for (uint32_t i = 0; i < j->n_failed; i++)
			changed |= fail_node(t, j->failed[i]);
	}
	if (changed)
		consensus_restart(t);
	if (!parted && set_equal_ids(&t->proc, j->proc, j->n_proc) &&
	    set_equal_ids(&t->failed, j->failed, j->n_failed))
		set_add(&t->consensus, s);
	if (changed)
		send_join(t);
	check_consensus(t);
}


static void recv_join(struct rc_totem *t, uint32_t s, const struct rc_join *j)
{
	t->ms.joins_rx++;
	if (j->ring_seq > t->max_ring_seq)
		t->max_ring_seq = j->ring_seq;
	if (t->state != RC_MEMB_GATHER) {
		bool member = set_has(&t->memb, s);

		/*
		 * A member's join from before this ring is history; so is a
		 * leave (its sender lists itself failed) from a node that is
		 * already out of the ring, e.g. the second copy of a leave; and
		 * a non-member that still counts me failed merges once its own
		 * gather ends and it hears our MERGE. While a ring forms, a node
		 * its consensus declared failed does not undo it: it merges with
		 * the ring once the ring is up.
		 */
		if ((member && j->ring_seq < t->ring.seq) ||
		    (!member && (join_is_leave(s, j) ||
				 ids_have(j->failed, j->n_failed, t->me))) ||
		    (t->state != RC_MEMB_OPERATIONAL && set_has(&t->failed, s))) {
			t->ms.stale++;
			return;
		}
		gather_enter(t);
	}
	join_in_gather(t, s, j);
}

static void recv_commit(struct rc_totem *t, uint32_t s, const struct rc_commit *c)
{
	uint32_t i, n = c->n_memb, ids[RC_MEMB_MAX];
	struct nodeset live;

	for (i = 0; i < n && c->e[i].nodeid != t->me; i++)
		;
	if (i == n || c->e[(i + n - 1) % n].nodeid != s ||
	    (t->have_old && c->ring_seq <= t->old_ring.seq)) {
		t->ms.stale++;
		return;
	}
	switch (t->state) {
	case RC_MEMB_GATHER:
		/* Only the ring this node agreed to, with its former's entry filled. */
		live_rep(t, &live);
		for (i = 0; i < n; i++)
			ids[i] = c->e[i].nodeid;
		if (!set_equal_ids(&live, ids, n) || !(c->filled & 1u)) {
			t->ms.stale++;
			return;
		}
		t->commit = *c;
		set_ring(t, c->rep, c->ring_seq);
		t->memb = live;
		fill_entry(t);
		t->state = RC_MEMB_COMMIT;
		t->since = t->now;
		t->token_started = false;
		commit_forward(t);
		return;
	case RC_MEMB_COMMIT:
	case RC_MEMB_RECOVERY:
		if (c->rep != t->ring.rep || c->ring_seq != t->ring.seq ||
		    (int32_t)(c->hop - t->commit.hop) <= 0)
			return;		/* a copy already handled */
		t->commit = *c;
		if (t->state == RC_MEMB_COMMIT) {
			t->since = t->now;	/* progress: the commit timeout starts over */
			if (c->filled != (n == 32 ? UINT32_MAX : (1u << n) - 1))
				return;
			recovery_enter(t);
			commit_forward(t);
		} else if (t->ring.rep == t->me && !t->token_started) {
			/* Back after the second rotation: every member is installed. */
			t->commit_rtr_deadline = UINT64_MAX;
			t->token_started = true;
			rc_srp_start(t->srp, t->now);
		}
		return;
	default:
		t->ms.stale++;
		return;
	}
}

/* An ordering frame of another ring, or a MERGE announcement. */
static void recv_foreign(struct rc_totem *t, const struct rc_frame_view *v,
			 const void *frame, size_t len)
{
	uint32_t s = v->sender;

	if (v->type == RC_FT_MCAST && rc_srp_old_store(t->srp, frame, len) == 0)
		return;		/* a late frame of the ring we are recovering */
	if (v->ring_rep == t->ring.rep && v->ring_seq == t->ring.seq) {
		if (v->type != RC_FT_MERGE)
			t->ms.stale++;	/* our ring's frame, after we left it */
		return;		/* our own ring's MERGE: nothing to merge */
	}
	if (set_has(&t->memb, s) && v->ring_seq <= t->ring.seq) {
		t->ms.stale++;
		return;
	}
	switch (t->state) {
	case RC_MEMB_OPERATIONAL:
		t->ms.foreign++;
		gather_enter(t);
		/* fall through */
	case RC_MEMB_GATHER:
		if (!set_has(&t->failed, s) && set_add(&t->proc, s)) {
			consensus_restart(t);
			send_join(t);
		}
		return;
	default:
		return;		/* merge once this ring is up */
	}
}

static void memb_frame(void *priv, const struct rc_frame_view *v,
		       const void *frame, size_t len, uint64_t now)
{
	struct rc_totem *t = priv;

	(void)now;
	if (t->state == RC_MEMB_STOPPED)
		return;
	if (v->sender == t->me) {
		/* Nobody else may speak as this node: a forgery or a nodeid clash. */
		t->srp->st.bad[RC_BAD_SENDER]++;
		return;
	}
	switch (v->type) {
	case RC_FT_JOIN:
		recv_join(t, v->sender, &v->join);
		break;
	case RC_FT_COMMIT:
		recv_commit(t, v->sender, &v->commit);
		break;
	default:
		recv_foreign(t, v, frame, len);
		break;
	}
}

static void deliver_ctrl(void *priv, const struct rc_srp_msg_info *info,
			 const void *msg, size_t len)
{
	struct rc_totem *t = priv;
	uint32_t w[2];

	if (t->state != RC_MEMB_RECOVERY)
		return;
	if (len == sizeof(w)) {
		memcpy(w, msg, sizeof(w));
		if (w[0] != DONE_MAGIC || w[1] != info->sender || !set_has(&t->memb, w[1]))
			return;
		set_add(&t->done, w[1]);
		if (t->done.n == t->memb.n)
			operational_enter(t);
		return;
	}
	rc_srp_old_store(t->srp, msg, len);
}

/* ---- trampolines from the ordering half ---- */

static void srp_send(void *priv, uint32_t dst, const void *frame, size_t len)
{
	struct rc_totem *t = priv;

	t->ops.send(t->priv, dst, frame, len);
}

static void srp_send_zc(void *priv, uint32_t dst, const void *hdr, size_t hdr_len,
			const void *data, size_t data_len)
{
	struct rc_totem *t = priv;

	t->ops.send_zc(t->priv, dst, hdr, hdr_len, data, data_len);
}

static void srp_deliver(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len)
{
	struct rc_totem *t = priv;

	t->ops.deliver(t->priv, info, msg, len);
}

static void srp_sent(void *priv, void *cookie)
{
	struct rc_totem *t = priv;

	if (t->ops.sent)
		t->ops.sent(t->priv, cookie);
}

/* ---- API ---- */

void rc_totem_config_defaults(struct rc_totem_config *c)
{
	memset(c, 0, sizeof(*c));
	rc_srp_config_defaults(&c->srp);
	c->token_timeout_ns = 160 * 1000 * 1000ull;
	c->srp.token_retransmit_ns = 38 * 1000 * 1000ull;	/* token / 4.2 */
	c->join_timeout_ns = 20 * 1000 * 1000ull;
	c->consensus_timeout_ns = 80 * 1000 * 1000ull;
	c->merge_timeout_ns = 200 * 1000 * 1000ull;
	c->fail_recv_const = 2500;
}

int rc_totem_config_check(const struct rc_totem_config *c, const char **why)
{
	struct rc_srp_config s = c->srp;
	const char *w = NULL;
	int ret;

	s.n_members = 1;
	s.members[0] = s.nodeid;
	ret = rc_srp_config_check(&s, &w);
	if (!ret) {
		if (c->srp.netmtu < RC_WIRE_COMMIT_MAX)
			w = "netmtu too small for membership frames";
		else if (c->token_timeout_ns <= c->srp.token_retransmit_ns)
			w = "token timeout must exceed token retransmit";
		else if (!c->join_timeout_ns || c->join_timeout_ns >= c->consensus_timeout_ns)
			w = "join timeout must be shorter than consensus";
		else if (!c->merge_timeout_ns)
			w = "merge timeout must not be 0";
		else if (!c->fail_recv_const)
			w = "fail_recv_const must not be 0";
	}
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}

int rc_totem_create(const struct rc_totem_config *cfg, const struct rc_totem_ops *ops,
		    void *priv, struct rc_totem **out)
{
	struct rc_srp_ops so = {
		.send = srp_send,
		.deliver = srp_deliver,
		.sent = srp_sent,
		.deliver_ctrl = deliver_ctrl,
		.memb_frame = memb_frame,
	};
	struct rc_srp_config sc = cfg->srp;
	struct rc_totem *t;
	int ret;

	if (ops && ops->send_zc)
		so.send_zc = srp_send_zc;
	ret = rc_totem_config_check(cfg, NULL);
	if (ret < 0)
		return ret;
	if (!ops || !ops->send || !ops->deliver || !out)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->ops = *ops;
	t->priv = priv;
	t->me = cfg->srp.nodeid;
	t->max_ring_seq = cfg->last_ring_seq;
	sc.n_members = 1;
	sc.members[0] = t->me;
	sc.ring_seq = 0;
	ret = rc_srp_create(&sc, &so, t, &t->srp);
	if (ret < 0) {
		free(t);
		return ret;
	}
	rc_srp_freeze(t->srp, 0);
	t->state = RC_MEMB_STOPPED;
	t->commit_rtr_deadline = UINT64_MAX;
	t->merge_deadline = UINT64_MAX;
	t->join_deadline = UINT64_MAX;
	t->consensus_deadline = UINT64_MAX;
	*out = t;
	return 0;
}

void rc_totem_destroy(struct rc_totem *t)
{
	if (!t)
		return;
	rc_srp_destroy(t->srp);
	free(t);
}

/* A node that knows nobody gathers: proc = {me}, and it listens first. */
void rc_totem_start(struct rc_totem *t, uint64_t now)
{
	t->now = now;
	t->memb.n = 0;
	gather_enter(t);
}

void rc_totem_leave(struct rc_totem *t, uint64_t now)
{
	struct nodeset proc = t->memb, failed;

	t->now = now;
	if (t->state == RC_MEMB_STOPPED)
		return;
	set_add(&proc, t->me);
	set_one(&failed, t->me);
	/* Twice: one lost copy should not cost the others a token timeout. */
	send_join_sets(t, &proc, &failed);
	send_join_sets(t, &proc, &failed);
	rc_srp_freeze(t->srp, 0);
	t->state = RC_MEMB_STOPPED;
}

int rc_totem_recv(struct rc_totem *t, const void *frame, size_t len, uint64_t now)
{
	t->now = now;
	if (t->state == RC_MEMB_STOPPED)
		return 0;
	return rc_srp_recv(t->srp, frame, len, now);
}

int rc_totem_mcast(struct rc_totem *t, const void *msg, size_t len,
		   enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	t->now = now;
	if (t->state == RC_MEMB_STOPPED)
		return -ENOTCONN;
	return rc_srp_mcast(t->srp, msg, len, guarantee, cookie, now);
}

int rc_totem_mcast_pre(struct rc_totem *t, const void *pre, size_t pre_len,
		       const void *msg, size_t len, enum rc_guarantee guarantee, bool zc,
		       void *cookie, uint64_t now)
{
	t->now = now;
	if (t->state == RC_MEMB_STOPPED)
		return -ENOTCONN;
	return rc_srp_mcast_pre(t->srp, pre, pre_len, msg, len, guarantee, zc, cookie, now);
}

int rc_totem_mcast_zc(struct rc_totem *t, const void *msg, size_t len,
		      enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	t->now = now;
	if (t->state == RC_MEMB_STOPPED)
		return -ENOTCONN;
	return rc_srp_mcast_zc(t->srp, msg, len, guarantee, cookie, now);
}

int rc_totem_mcast_first(struct rc_totem *t, const void *msg, size_t len,
			 enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	t->now = now;
	if (t->state == RC_MEMB_STOPPED)
		return -ENOTCONN;
	return rc_srp_mcast_first(t->srp, msg, len, guarantee, cookie, now);
}

void rc_totem_timer(struct rc_totem *t, uint64_t now)
{
	t->now = now;
	switch (t->state) {
	case RC_MEMB_GATHER:
		if (now >= t->consensus_deadline) {
			struct nodeset live;

			live_rep(t, &live);
			for (uint32_t i = 0; i < live.n; i++) {
				if (!set_has(&t->consensus, live.id[i])) {
					set_add(&t->failed, live.id[i]);
					t->ms.consensus_timeouts++;
				}
			}
			consensus_restart(t);
			send_join(t);
		} else if (now >= t->join_deadline) {
			send_join(t);
		}
		check_consensus(t);
		break;
	case RC_MEMB_COMMIT:
		if (now - t->since >= commit_timeout(t)) {
			t->ms.token_losses++;
			gather_enter(t);
			break;
		}
		if (now >= t->commit_rtr_deadline)
			commit_send(t);
		break;
	case RC_MEMB_RECOVERY:
	case RC_MEMB_OPERATIONAL: {
		uint64_t last = rc_srp_last_token(t->srp);

		if (last < t->since)
			last = t->since;
		if (now - last >= t->cfg.token_timeout_ns) {
			t->ms.token_losses++;
			gather_enter(t);
			break;
		}
		if (rc_srp_failed_to_recv(t->srp, t->cfg.fail_recv_const)) {
			struct nodeset others;
			struct nodeset me;

			set_one(&me, t->me);
			set_sub(&t->memb, &me, &others);
			t->ms.fail_recv++;
			gather_enter(t);
			t->failed = others;
			consensus_restart(t);
			send_join(t);
			break;
		}
		if (t->state == RC_MEMB_RECOVERY && now >= t->commit_rtr_deadline) {
			/* Until the commit is back (representative) or the ring runs. */
			if (t->token_started || (t->ring.rep != t->me &&
			    rc_srp_last_token(t->srp) > t->commit_sent))
				t->commit_rtr_deadline = UINT64_MAX;
			else
				commit_send(t);
		}
		if (now >= t->merge_deadline) {
			uint8_t f[sizeof(struct rc_wire_hdr)];

			put_hdr(t, f, RC_FT_MERGE, &t->ring);
			t->ops.send(t->priv, 0, f, sizeof(f));
			t->ms.merges_tx++;
			t->merge_deadline = now + t->cfg.merge_timeout_ns;
		}
		rc_srp_timer(t->srp, now);
		break;
	}
	default:
		break;
	}
}

uint64_t rc_totem_next_deadline(const struct rc_totem *t)
{
	uint64_t d = UINT64_MAX, x;

	switch (t->state) {
	case RC_MEMB_GATHER:
		d = t->consensus_deadline < t->join_deadline ? t->consensus_deadline
							      : t->join_deadline;
		if (t->gather_min > t->now && t->gather_min < d)
			d = t->gather_min;
		break;
	case RC_MEMB_COMMIT:
		d = t->since + commit_timeout(t);
		if (t->commit_rtr_deadline < d)
			d = t->commit_rtr_deadline;
		break;
	case RC_MEMB_RECOVERY:
	case RC_MEMB_OPERATIONAL:
		x = rc_srp_last_token(t->srp);
		if (x < t->since)
			x = t->since;
		d = x + t->cfg.token_timeout_ns;
		if (t->commit_rtr_deadline < d)
			d = t->commit_rtr_deadline;
		if (t->merge_deadline < d)
			d = t->merge_deadline;
		x = rc_srp_next_deadline(t->srp);
		if (x < d)
			d = x;
		break;
	default:
		break;
	}
	return d;
}

enum rc_memb_state rc_totem_state(const struct rc_totem *t)
{
	return t->state;
}

void rc_totem_ring(const struct rc_totem *t, struct rc_ring_id *id,
		   uint32_t *members, uint32_t *n_members)
{
	if (id)
		*id = t->state == RC_MEMB_OPERATIONAL ? t->ring : t->old_ring;
	if (members && n_members) {
		const struct nodeset *s = t->state == RC_MEMB_OPERATIONAL ? &t->memb
									  : &t->old_memb;

		memcpy(members, s->id, s->n * sizeof(uint32_t));
		*n_members = s->n;
	}
}

uint32_t rc_totem_my_aru(const struct rc_totem *t)
{
	return rc_srp_my_aru(t->srp);
}

void rc_totem_stats_get(const struct rc_totem *t, struct rc_srp_stats *st,
			struct rc_memb_stats *ms)
{
	if (st)
		rc_srp_stats_get(t->srp, st);
	if (ms)
		*ms = t->ms;
}
