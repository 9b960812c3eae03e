/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness of the split's tests (test_split.c, test_msg_limit.c): each
 * half of Totem alone (split.h), its messages to the other half captured,
 * the other half's messages fed by hand at the test's chosen times. All
 * static: each program has its own copy; it sets up `cfg` before the tests.
 */
#ifndef RC_SPLIT_HARNESS_H
#define RC_SPLIT_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "split.h"

#include "unit_test.h"

#define CLUSTER		7u
#define T0		1000000000ull
#define MS		1000000ull
#define MAXQ		256

static struct rc_totem_config cfg __attribute__((unused));

/* ---- a membership half with its commands captured ---- */

static struct rc_xmsg cmds[MAXQ] __attribute__((unused));
static unsigned int n_cmds __attribute__((unused));
static uint64_t token_at __attribute__((unused));	/* what the ordering half "saw" last */
static uint64_t polled_at __attribute__((unused));	/* how far it has read its frames; 0: up to now */
static uint64_t persisted[MAXQ] __attribute__((unused));	/* ring seqs handed to ops.ring_seq */
static unsigned int n_persisted __attribute__((unused));
static int persist_ret __attribute__((unused));		/* what ops.ring_seq answers */

static inline void cap_cmd(void *priv, const struct rc_xmsg *c)
{
	(void)priv;
	if (n_cmds < MAXQ)
		cmds[n_cmds++] = *c;
}

static inline uint64_t cap_last_token(void *priv)
{
	(void)priv;
	return token_at;
}

static inline uint64_t cap_polled(void *priv)
{
	(void)priv;
	return polled_at ? polled_at : UINT64_MAX;
}

static inline int cap_ring_seq(void *priv, uint64_t seq)
{
	(void)priv;
	if (persist_ret == 0 && n_persisted < MAXQ)
		persisted[n_persisted++] = seq;
	return persist_ret;
}

static inline struct rc_memb *memb_new(uint32_t me)
{
	struct rc_memb_ops ops = {
		.cmd = cap_cmd, .last_token = cap_last_token, .polled = cap_polled,
		.ring_seq = cap_ring_seq,
	};
	struct rc_totem_config c = cfg;
	struct rc_memb *m = NULL;

	c.srp.nodeid = me;
	n_cmds = 0;
	token_at = 0;
	polled_at = 0;
	n_persisted = 0;
	persist_ret = 0;
	CU_ASSERT_FATAL(rc_memb_create(&c, &ops, NULL, &m) == 0);
	return m;
}

static inline unsigned int count_cmd(uint32_t type)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_cmds; i++)
		n += cmds[i].type == type;
	return n;
}

static inline const struct rc_xmsg *last_cmd(uint32_t type)
{
	for (unsigned int i = n_cmds; i-- > 0;)
		if (cmds[i].type == type)
			return &cmds[i];
	return NULL;
}

/* SEND commands whose frame is of Totem frame type ft. */
static inline unsigned int count_sent(uint8_t ft)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_cmds; i++) {
		struct rc_wire_hdr h;

		if (cmds[i].type != RC_X_SEND)
			continue;
		memcpy(&h, cmds[i].u.send.frame, sizeof(h));
		n += h.type == ft;
	}
	return n;
}

static inline void run_timers(struct rc_memb *m, uint64_t from, uint64_t to)
{
	for (uint64_t now = from; now <= to; now += MS)
		if (now >= rc_memb_next_deadline(m))
			rc_memb_timer(m, now);
}

static inline void send_frozen(struct rc_memb *m, uint64_t now, uint32_t rep, uint64_t seq)
{
	struct rc_xmsg e = { .type = RC_X_FROZEN };

	e.u.frozen.valid = seq != 0;
	e.u.frozen.rep = rep;
	e.u.frozen.seq = seq;
	rc_memb_event(m, &e, now);
}

static inline void send_ring_evt(struct rc_memb *m, uint64_t now, uint32_t type,
			  struct rc_ring_id r, uint32_t n, const uint32_t *ids)
{
	struct rc_xmsg e = { .type = type };

	e.u.ring.ring = r;
	e.u.ring.n_members = n;
	memcpy(e.u.ring.members, ids, n * sizeof(uint32_t));
	rc_memb_event(m, &e, now);
}

/* Node 1 alone: start, FROZEN (nothing held), the ring it forms, operational. */
static inline struct rc_ring_id form_alone(struct rc_memb *m)
{
	const struct rc_xmsg *in;
	struct rc_ring_id r = { 0, 0 };

	rc_memb_start(m, T0);
	send_frozen(m, T0, 0, 0);
	for (uint64_t now = T0; now < T0 + 100 * MS && !last_cmd(RC_X_INSTALL); now += MS)
		run_timers(m, now, now);
	in = last_cmd(RC_X_INSTALL);
	CU_ASSERT_FATAL(in != NULL);
	r = in->u.install.ring;
	token_at = T0 + 199 * MS;	/* the ordering half runs the ring */
	send_ring_evt(m, T0 + 200 * MS, RC_X_OPERATIONAL, r, 1, (uint32_t[]){ 1 });
	CU_ASSERT_EQUAL(rc_memb_state(m), RC_MEMB_OPERATIONAL);
	return r;
}

/* Node 1's commit token of ring (1, seq) for {1, 2}, its own entry filled,
   the ring's message limit lowered to max_msg so far. */
static inline void commit_from_1_limit(struct rc_memb *m, uint64_t now, uint64_t seq,
				       uint32_t filled, uint32_t max_msg)
{
	struct rc_xmsg e = { .type = RC_X_FRAME };
	struct rc_commit *c = &e.u.frame.u.commit;

	e.u.frame.type = RC_FT_COMMIT;
	e.u.frame.sender = 1;
	e.u.frame.ring.rep = 1;
	e.u.frame.ring.seq = seq;
	memset(c, 0, sizeof(*c));
	c->rep = 1;
	c->ring_seq = seq;
	c->hop = 1;
	c->n_memb = 2;
	c->e[0].nodeid = 1;
	c->e[1].nodeid = 2;
	c->filled = filled;
	c->max_msg = max_msg;
	c->netmtu = RC_NETMTU_MAX;
	rc_memb_event(m, &e, now);
}

static inline void commit_from_1(struct rc_memb *m, uint64_t now, uint64_t seq)
{
	commit_from_1_limit(m, now, seq, 1, 1u << 20);
}

/* ---- an ordering half with its events and callbacks captured ---- */

static struct rc_xmsg evts[MAXQ] __attribute__((unused));
static unsigned int n_evts __attribute__((unused)), n_confchg __attribute__((unused));
static struct rc_confchg confchgs[8] __attribute__((unused));
/* the cookies ops.sent and ops.refused gave back, in order */
static void *sent_ck[MAXQ] __attribute__((unused)), *refused_ck[MAXQ] __attribute__((unused));
static unsigned int n_sent __attribute__((unused)), n_refused __attribute__((unused));
static uint32_t install_limit __attribute__((unused));	/* install_alone()'s commit max_msg */
static uint16_t install_netmtu __attribute__((unused));	/* and netmtu (0: RC_NETMTU_MAX) */
static size_t max_frame __attribute__((unused));	/* the largest frame ord sent */
static bool no_refused_op __attribute__((unused));	/* ord_new_as(): no ops.refused, as the daemon */

static inline void cap_evt(void *priv, const struct rc_xmsg *e)
{
	(void)priv;
	if (n_evts < MAXQ)
		evts[n_evts++] = *e;
}

static inline void nop_send(void *priv, uint32_t dst, const void *f, size_t len)
{
	(void)priv, (void)dst, (void)f;
	if (len > max_frame)
		max_frame = len;
}

static inline void nop_deliver(void *priv, const struct rc_srp_msg_info *info,
			const void *msg, size_t len)
{
	(void)priv, (void)info, (void)msg, (void)len;
}

static inline void cap_confchg(void *priv, const struct rc_confchg *c)
{
	(void)priv;
	if (n_confchg < 8)
		confchgs[n_confchg] = *c;
	n_confchg++;
}

static inline void cap_sent(void *priv, void *cookie)
{
	(void)priv;
	if (n_sent < MAXQ)
		sent_ck[n_sent++] = cookie;
}

static inline void cap_refused(void *priv, void *cookie)
{
	(void)priv;
	if (n_refused < MAXQ)
		refused_ck[n_refused++] = cookie;
}

static inline struct rc_ord *ord_new_as(uint32_t me)
{
	struct rc_ord_ops ops = {
		.send = nop_send, .deliver = nop_deliver, .confchg = cap_confchg,
		.sent = cap_sent, .refused = no_refused_op ? NULL : cap_refused, .evt = cap_evt,
	};
	struct rc_totem_config c = cfg;
	struct rc_ord *o = NULL;

	c.srp.nodeid = me;
	n_evts = n_confchg = n_sent = n_refused = 0;
	CU_ASSERT_FATAL(rc_ord_create(&c, &ops, NULL, &o) == 0);
	return o;
}

static inline struct rc_ord *ord_new(void)
{
	return ord_new_as(1);
}

static inline const struct rc_xmsg *last_evt(uint32_t type)
{
	for (unsigned int i = n_evts; i-- > 0;)
		if (evts[i].type == type)
			return &evts[i];
	return NULL;
}

static inline void cmd_simple(struct rc_ord *o, uint32_t type, uint64_t now)
{
	struct rc_xmsg c = { .type = type };

	rc_ord_command(o, &c, now);
}

static inline void install_alone(struct rc_ord *o, uint64_t seq, bool start, uint64_t now)
{
	struct rc_xmsg c = { .type = RC_X_INSTALL };
	struct rc_x_install *in = &c.u.install;

	in->ring.rep = 1;
	in->ring.seq = seq;
	in->n_members = 1;
	in->members[0] = 1;
	in->commit.rep = 1;
	in->commit.ring_seq = seq;
	in->commit.n_memb = 1;
	in->commit.filled = 1;
	in->commit.max_msg = install_limit;
	in->commit.netmtu = install_netmtu ? install_netmtu : RC_NETMTU_MAX;
	in->commit.e[0].nodeid = 1;
	in->start = start;
	rc_ord_command(o, &c, now);
}

/* Run the ordering half's timers until it says OPERATIONAL (or time runs out). */
static inline bool ord_until_operational(struct rc_ord *o, uint64_t from)
{
	unsigned int seen = n_evts;

	for (uint64_t now = from; now < from + 100 * MS; now += MS / 10) {
		if (now >= rc_ord_next_deadline(o))
			rc_ord_timer(o, now);
		for (unsigned int i = seen; i < n_evts; i++)
			if (evts[i].type == RC_X_OPERATIONAL)
				return true;
	}
	return false;
}

#endif /* RC_SPLIT_HARNESS_H */
