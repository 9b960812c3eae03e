/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ordering half of Totem as one thread runs it (the daemon's lcore):
 * rc_srp — token, messages, retransmission, delivery — plus what a ring
 * change needs on this side: recovery of old-ring messages inside the new
 * ring, the transitional and regular configuration changes, and the frames
 * the membership half must see. It acts on the membership half's commands
 * (rc_ord_command) and answers through ops.evt; see split.h.
 *
 * Recovery runs inside the new ring: each survivor queues the old-ring
 * frames that another survivor may lack as internal messages, then a SAFE
 * "DONE". When the last DONE is delivered every survivor holds the same
 * old-ring frames, and all of them deliver those, the transitional and the
 * regular configuration at the same point of the new ring's order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nodeset.h"
#include "seq.h"
#include "split.h"

#define DONE_MAGIC	0x454e4f44u	/* "DONE" */

enum ord_mode {
	ORD_FROZEN,		/* no ring: gather or commit */
	ORD_RECOVERY,		/* a new ring, exchanging old-ring messages */
	ORD_OPERATIONAL,
	ORD_STOPPED,		/* left */
};

struct rc_ord {
	struct rc_totem_config cfg;
	struct rc_ord_ops ops;
	void *priv;
	struct rc_srp *srp;
	uint32_t me;
	enum ord_mode mode;

	struct rc_ring_id ring;		/* recovering or operational */
	struct nodeset memb;
	struct nodeset old_memb;	/* of the last operational ring */
	bool have_old;

	struct nodeset trans, done;	/* recovery */
	uint32_t recover_high;
	uint32_t done_msg[2];
	bool fail_posted;		/* FAIL_RECV sent for this ring */
};

static void post(struct rc_ord *o, const struct rc_xmsg *e)
{
	o->ops.evt(o->ops.evt_priv, e);
}

static void post_ring(struct rc_ord *o, enum rc_x_type type, const struct nodeset *s)
{
	struct rc_xmsg e;

	e.type = type;
	e.u.ring.ring = o->ring;
	e.u.ring.n_members = s ? s->n : 0;
	if (s)
		memcpy(e.u.ring.members, s->id, s->n * sizeof(uint32_t));
	post(o, &e);
}

/* ---- ring changes ---- */

static void freeze(struct rc_ord *o)
{
	struct rc_xmsg e;

	/* An operational ring is kept for recovery; a half-recovered one is dropped. */
	rc_srp_freeze(o->srp, o->mode == ORD_OPERATIONAL);
	o->mode = ORD_FROZEN;
	e.type = RC_X_FROZEN;
	rc_srp_old_ring_get(o->srp, &e.u.frozen);
	post(o, &e);
}

static void install(struct rc_ord *o, const struct rc_x_install *in, uint64_t now)
{
	struct rc_srp_old_ring old;
	uint32_t min_aru = 0, max_aru = 0, high = 0, chosen = 0;
	bool first = true;

	if (o->mode != ORD_FROZEN || in->n_members < 1 || in->n_members > RC_MEMB_MAX ||
	    in->commit.n_memb != in->n_members)
		return;		/* the membership half never sends these */
	rc_srp_old_ring_get(o->srp, &old);
	/* The commit token carries the least limit and netmtu of the
	   members: every member installs the same (docs/protocol.md). */
	if (rc_srp_install(o->srp, in->ring.seq, in->members, in->n_members,
			   in->commit.max_msg, in->commit.netmtu) < 0) {
		/* Only -ENOMEM (a reassembly buffer per member): the
		   membership half agreed to the ring and would go on as its
		   member, and the others would lose the token to this node
		   again and again. The node stops (split.h); frozen until
		   then, it delivers nothing more. */
		o->ring = in->ring;
		post_ring(o, RC_X_NO_BUFFERS, NULL);
		return;
	}
	o->ring = in->ring;
	o->memb.n = in->n_members;
	memcpy(o->memb.id, in->members, in->n_members * sizeof(uint32_t));

	/* The survivors of my old ring, and what each holds of it. */
	set_one(&o->trans, o->me);
	for (uint32_t i = 0; old.valid && i < in->commit.n_memb; i++) {
		const struct rc_commit_entry *e = &in->commit.e[i];

		if (e->old_rep != old.rep || e->old_seq != old.seq)
			continue;
		set_add(&o->trans, e->nodeid);
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
	if (old.valid) {
		/* Below max_aru one node holds everything; above it, all that have. */
		if (chosen == o->me)
			rc_srp_recovery_queue(o->srp, min_aru, max_aru);
		rc_srp_recovery_queue(o->srp, max_aru, high);
	}
	o->recover_high = high;
	o->done_msg[0] = DONE_MAGIC;
	o->done_msg[1] = o->me;
	rc_srp_ctrl_mcast(o->srp, o->done_msg, sizeof(o->done_msg), RC_GUARANTEE_SAFE);
	o->done.n = 0;
	o->mode = ORD_RECOVERY;
	o->fail_posted = false;
	if (in->start)
		rc_srp_start(o->srp, now);
}

static void confchg(struct rc_ord *o, enum rc_conf_type type, const struct nodeset *members,
		    const struct nodeset *left, const struct nodeset *joined)
{
	struct rc_confchg c;

	if (!o->ops.confchg)
		return;
	memset(&c, 0, sizeof(c));
	c.type = type;
	c.ring = o->ring;
	c.n_members = members->n;
	memcpy(c.members, members->id, members->n * sizeof(uint32_t));
	c.n_left = left->n;
	memcpy(c.left, left->id, left->n * sizeof(uint32_t));
	c.n_joined = joined->n;
	memcpy(c.joined, joined->id, joined->n * sizeof(uint32_t));
	c.msg_limit = rc_srp_msg_limit(o->srp);
	c.netmtu = rc_srp_ring_mtu(o->srp);
	o->ops.confchg(o->priv, &c);
}

static void operational_enter(struct rc_ord *o)
{
	struct nodeset left, joined, none = { 0 };

	rc_srp_recovery_finish(o->srp, o->recover_high, o->trans.id, o->trans.n);
	if (o->have_old)
		set_sub(&o->old_memb, &o->trans, &left);
	else
		left.n = 0;
	confchg(o, RC_CONF_TRANSITIONAL, &o->trans, &left, &none);
	set_sub(&o->memb, &o->trans, &joined);
	confchg(o, RC_CONF_REGULAR, &o->memb, &none, &joined);
	o->old_memb = o->memb;
	o->have_old = true;
	o->mode = ORD_OPERATIONAL;
	post_ring(o, RC_X_OPERATIONAL, &o->memb);
}

/* After every call that may have run a token visit. */
static void check_fail_recv(struct rc_ord *o)
{
	if (o->fail_posted || (o->mode != ORD_RECOVERY && o->mode != ORD_OPERATIONAL) ||
	    !rc_srp_failed_to_recv(o->srp, o->cfg.fail_recv_const))
		return;
	o->fail_posted = true;
	post_ring(o, RC_X_FAIL_RECV, NULL);
}

/* ---- from the ordering engine ---- */

/* A membership frame, or one of another ring (or of ours while frozen). */
static void memb_frame(void *priv, const struct rc_frame_view *v,
		       const void *frame, size_t len, uint64_t now)
{
	struct rc_ord *o = priv;
	struct rc_xmsg e;

	(void)now;
	if (o->mode == ORD_STOPPED)
		return;
	if (v->sender == o->me) {
		/* An MCAST keeps its originator: this node's own frames come
		   back when survivors retransmit them (it holds them). */
		if (v->type == RC_FT_MCAST)
			return;
		/* Nobody else may speak as this node: a forgery or a nodeid clash. */
		rc_srp_count_bad(o->srp, RC_BAD_SENDER);
		return;
	}
	if (v->type == RC_FT_MCAST && rc_srp_old_store(o->srp, frame, len, false) == 0)
		return;		/* a late frame of the ring we are recovering */
	e.type = RC_X_FRAME;
	e.u.frame.type = v->type;
	e.u.frame.sender = v->sender;
	e.u.frame.ring.rep = v->ring_rep;
	e.u.frame.ring.seq = v->ring_seq;
	if (v->type == RC_FT_JOIN)
		e.u.frame.u.join = v->join;
	else if (v->type == RC_FT_COMMIT)
		e.u.frame.u.commit = v->commit;
	post(o, &e);
}

static void deliver_ctrl(void *priv, const struct rc_srp_msg_info *info,
			 const void *msg, size_t len)
{
	struct rc_ord *o = priv;
	uint32_t w[2];

	if (o->mode != ORD_RECOVERY)
		return;
	if (len == sizeof(w)) {
		memcpy(w, msg, sizeof(w));
		if (w[0] != DONE_MAGIC || w[1] != info->sender || !set_has(&o->memb, w[1]))
			return;
		set_add(&o->done, w[1]);
		if (o->done.n == o->memb.n)
			operational_enter(o);
		return;
	}
	rc_srp_old_store(o->srp, msg, len, true);
}

/* ---- API ---- */

int rc_ord_create(const struct rc_totem_config *cfg, const struct rc_ord_ops *ops,
		  void *priv, struct rc_ord **out)
{
	struct rc_srp_ops so = {
		.send = ops ? ops->send : NULL,
		.send_zc = ops ? ops->send_zc : NULL,
		.deliver = ops ? ops->deliver : NULL,
		.sent = ops ? ops->sent : NULL,
		.refused = ops ? ops->refused : NULL,
		.deliver_ctrl = deliver_ctrl,
		.memb_frame = memb_frame,
	};
	struct rc_srp_config sc = cfg->srp;
	struct rc_ord *o;
	int ret;

	ret = rc_totem_config_check(cfg, NULL);
	if (ret < 0)
		return ret;
	if (!ops || !ops->send || !ops->deliver || !ops->evt || !out)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->cfg = *cfg;
	o->ops = *ops;
	o->priv = priv;
	o->me = cfg->srp.nodeid;
	sc.n_members = 1;
	sc.members[0] = o->me;
	sc.ring_seq = 0;
	/* The caller's callbacks go straight to it; the engine's two for this half to us. */
	so.ctrl_priv = o;
	ret = rc_srp_create(&sc, &so, priv, &o->srp);
	if (ret < 0) {
		free(o);
		return ret;
	}
	rc_srp_freeze(o->srp, 0);
	o->mode = ORD_FROZEN;
	*out = o;
	return 0;
}

void rc_ord_destroy(struct rc_ord *o)
{
	if (!o)
		return;
	rc_srp_destroy(o->srp);
	free(o);
}

void rc_ord_command(struct rc_ord *o, const struct rc_xmsg *c, uint64_t now)
{
	if (o->mode == ORD_STOPPED)
		return;
	switch (c->type) {
	case RC_X_SEND:
		if (c->u.send.len <= sizeof(c->u.send.frame))
			o->ops.send(o->priv, c->u.send.dst, c->u.send.frame, c->u.send.len);
		break;
	case RC_X_FREEZE:
		freeze(o);
		break;
	case RC_X_INSTALL:
		install(o, &c->u.install, now);
		break;
	case RC_X_START:
		/* The representative, once the commit token has been round twice. */
		if (o->mode == ORD_RECOVERY && rc_ring_id_eq(&c->u.ring.ring, &o->ring))
			rc_srp_start(o->srp, now);
		break;
	case RC_X_STOP:
		rc_srp_freeze(o->srp, 0);
		o->mode = ORD_STOPPED;
		break;
	default:
		break;
	}
}

int rc_ord_recv(struct rc_ord *o, const void *frame, size_t len, uint64_t now)
{
	int ret;

	if (o->mode == ORD_STOPPED)
		return 0;
	ret = rc_srp_recv(o->srp, frame, len, now);
	check_fail_recv(o);
	return ret;
}

int rc_ord_mcast_pre(struct rc_ord *o, const void *pre, size_t pre_len,
		     const void *msg, size_t len, enum rc_guarantee guarantee, bool zc,
		     void *cookie, uint64_t now)
{
	if (o->mode == ORD_STOPPED)
		return -ENOTCONN;
	return rc_srp_mcast_pre(o->srp, pre, pre_len, msg, len, guarantee, zc, cookie, now);
}

int rc_ord_mcast_first(struct rc_ord *o, const void *msg, size_t len,
		       enum rc_guarantee guarantee, void *cookie, uint64_t now)
{
	if (o->mode == ORD_STOPPED)
		return -ENOTCONN;
	return rc_srp_mcast_first(o->srp, msg, len, guarantee, cookie, now);
}

void rc_ord_timer(struct rc_ord *o, uint64_t now)
{
	if (o->mode != ORD_RECOVERY && o->mode != ORD_OPERATIONAL)
		return;
	rc_srp_timer(o->srp, now);
	check_fail_recv(o);
}

uint64_t rc_ord_next_deadline(const struct rc_ord *o)
{
	if (o->mode != ORD_RECOVERY && o->mode != ORD_OPERATIONAL)
		return UINT64_MAX;
	return rc_srp_next_deadline(o->srp);
}

uint64_t rc_ord_last_token(const struct rc_ord *o)
{
	return rc_srp_last_token(o->srp);
}

uint32_t rc_ord_my_aru(const struct rc_ord *o)
{
	return rc_srp_my_aru(o->srp);
}

void rc_ord_stats_get(const struct rc_ord *o, struct rc_srp_stats *st)
{
	rc_srp_stats_get(o->srp, st);
}

uint32_t rc_ord_msg_limit(const struct rc_ord *o)
{
	return rc_srp_msg_limit(o->srp);
}

uint32_t rc_ord_ring_mtu(const struct rc_ord *o)
{
	return rc_srp_ring_mtu(o->srp);
}

uint64_t rc_ord_queued_bytes(const struct rc_ord *o)
{
	return rc_srp_queued_bytes(o->srp);
}
