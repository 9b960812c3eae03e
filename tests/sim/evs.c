/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Extended virtual synchrony: configuration changes and what they promise.
 * Each node's stream alternates transitional and regular configurations; a
 * transitional one lists the node, names who left, and is followed at once
 * by the regular one of the same ring, whose `joined` is what the
 * transitional one lacked. Every node that installs ring X reports the same
 * members; nodes that leave ring C for the same transitional configuration
 * delivered the same messages of C in the same order (compared as a count
 * and an order-sensitive hash, with the first difference named). At the end,
 * liveness: a sender delivered every message its current engine was handed,
 * and every node delivered every message unless it crashed since the
 * message's ring was born or EVS excuses it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void fmt_mask(char *buf, size_t n, uint32_t mask)
{
	size_t l = 0;
	uint32_t id;

	buf[0] = '\0';
	for (id = 1; id <= 32 && l + 4 < n; id++)
		if (mask & CHECK_BIT(id))
			l += (size_t)snprintf(buf + l, n - l, "%s%u", l ? "," : "", id);
	if (l == 0)
		snprintf(buf, n, "-");
}

/* The list as a mask; -1 unless strictly ascending nodeids of this run. */
static int list_mask(const struct check *c, const uint32_t *ids, uint32_t n,
		     uint32_t *mask)
{
	uint32_t i;

	*mask = 0;
	if (n > CHECK_MAX_NODES)
		return -1;
	for (i = 0; i < n; i++) {
		if (ids[i] < 1 || ids[i] > c->n_nodes ||
		    (i > 0 && ids[i] <= ids[i - 1]))
			return -1;
		*mask |= CHECK_BIT(ids[i]);
	}
	return 0;
}

/* Message i of a node's sequence in ring r: agreed order, then recovered. */
static bool seq_at(const struct check_ring *r, uint64_t pos,
		   const struct check_msg *rec, uint64_t i,
		   struct check_msg *out)
{
	if (i >= pos) {
		*out = rec[i - pos];
		return true;
	}
	if (i < r->ref_lo || i >= r->ref_lo + r->ref_n)
		return false;
	out->origin = r->ref[i - r->ref_lo].origin;
	out->index = r->ref[i - r->ref_lo].index;
	return true;
}

static int evs_mismatch(struct check *c, uint32_t ri, const struct check_group *g,
			uint32_t id)
{
	const struct check_ring *r = &c->rings[ri], *x = &c->rings[g->to];
	const struct check_node *cn = &c->node[id];
	uint64_t n = g->count < cn->count ? g->count : cn->count, i;
	uint64_t from = g->pos < cn->pos ? g->pos : cn->pos;
	struct check_msg a, b;
	char where[160] = "";

	for (i = from; i < n; i++) {
		if (!seq_at(r, g->pos, g->rec, i, &a) ||
		    !seq_at(r, cn->pos, cn->rec, i, &b))
			break;
		if (a.origin != b.origin || a.index != b.index) {
			snprintf(where, sizeof(where),
				 "; first difference at message %" PRIu64 ": node %u had %u/%u, node %u had %u/%u",
				 i, g->node, a.origin, a.index, id, b.origin, b.index);
			break;
		}
	}
	if (!where[0] && i == n && g->count != cn->count)
		snprintf(where, sizeof(where),
			 "; the shorter is a prefix of the longer");
	return sim_check_fail(c,
		"EVS: nodes %u and %u installed the same transitional configuration of ring (%u, %" PRIu64 ") from ring (%u, %" PRIu64 ") but delivered different messages of it: node %u %" PRIu64 " (%" PRIu64 " agreed + %u recovered), node %u %" PRIu64 " (%" PRIu64 " + %u)%s",
		g->node, id, x->rep, x->seq, r->rep, r->seq, g->node, g->count,
		g->pos, g->n_rec, id, cn->count, cn->pos, cn->n_rec, where);
}

/* Node id leaves ring ri for transitional configuration `members` of ring xi. */
static int evs_leave(struct check *c, uint32_t id, uint32_t ri, uint32_t xi,
		     uint32_t members)
{
	struct check_ring *r = &c->rings[ri];
	struct check_node *cn = &c->node[id];
	struct check_group *g;
	char a[64], b[64];

	r->trans_of[id] = members;
	r->trans_to[id] = xi;
	for (g = r->groups; g != NULL; g = g->next)
		if (g->to == xi)
			break;
	if (g == NULL) {
		g = calloc(1, sizeof(*g));
		if (g == NULL)
			return sim_check_fail(c, "checker out of memory");
		if (cn->n_rec) {
			g->rec = malloc(cn->n_rec * sizeof(*g->rec));
			if (g->rec == NULL) {
				free(g);
				return sim_check_fail(c, "checker out of memory");
			}
			memcpy(g->rec, cn->rec, cn->n_rec * sizeof(*g->rec));
		}
		g->n_rec = cn->n_rec;
		g->to = xi;
		g->members = members;
		g->node = id;
		g->pos = cn->pos;
		g->count = cn->count;
		g->hash = cn->hash;
		g->next = r->groups;
		r->groups = g;
		return 0;
	}
	if (g->members != members) {
		fmt_mask(a, sizeof(a), g->members);
		fmt_mask(b, sizeof(b), members);
		return sim_check_fail(c,
			"membership agreement: leaving ring (%u, %" PRIu64 ") for ring (%u, %" PRIu64 "), node %u installed transitional members {%s}, node %u {%s}",
			r->rep, r->seq, c->rings[xi].rep, c->rings[xi].seq,
			g->node, a, id, b);
	}
	if (g->count != cn->count || g->hash != cn->hash)
		return evs_mismatch(c, ri, g, id);
	return 0;
}

static void ring_reset(struct check_node *cn)
{
	uint32_t o;

	cn->pos = cn->count = cn->hash = 0;
	cn->recovering = false;
	cn->n_rec = 0;
	cn->last_seq = 0;
	cn->c_ring = CHECK_NONE;
	for (o = 0; o <= CHECK_MAX_NODES; o++)
		cn->ring_last[o] = -1;
}

static int transitional(struct check *c, uint32_t id, uint32_t xi,
			const struct rc_confchg *cc, uint32_t mem, uint32_t left)
{
	struct check_node *cn = &c->node[id];
	const struct check_ring *x = &c->rings[xi];
	uint32_t prev;
	char a[64], b[64];

	if (cn->want_regular)
		return sim_check_fail(c,
			"confchg: node %u delivered two transitional configurations in a row (rings (%u, %" PRIu64 ") and (%u, %" PRIu64 "))",
			id, c->rings[cn->trans_ring].rep,
			c->rings[cn->trans_ring].seq, x->rep, x->seq);
	if (!(mem & CHECK_BIT(id)))
		return sim_check_fail(c,
			"confchg: node %u's transitional configuration of ring (%u, %" PRIu64 ") does not list the node",
			id, x->rep, x->seq);
	if (cc->n_joined)
		return sim_check_fail(c,
			"confchg: node %u's transitional configuration of ring (%u, %" PRIu64 ") lists %u joined node(s)",
			id, x->rep, x->seq, cc->n_joined);
	if (x->seq <= cn->max_seq)
		return sim_check_fail(c,
			"confchg: node %u installs ring (%u, %" PRIu64 ") after ring seq %" PRIu64 ": ring ids must grow",
			id, x->rep, x->seq, cn->max_seq);
	prev = cn->cur == CHECK_NONE ? CHECK_BIT(id) : c->rings[cn->cur].members;
	fmt_mask(a, sizeof(a), mem);
	fmt_mask(b, sizeof(b), prev);
	if (mem & ~prev)
		return sim_check_fail(c,
			"confchg: node %u's transitional configuration of ring (%u, %" PRIu64 ") has members {%s}, not all from its regular configuration {%s}",
			id, x->rep, x->seq, a, b);
	if (left != (cn->cur == CHECK_NONE ? 0 : prev & ~mem)) {
		fmt_mask(a, sizeof(a), left);
		fmt_mask(b, sizeof(b), cn->cur == CHECK_NONE ? 0 : prev & ~mem);
		return sim_check_fail(c,
			"confchg: node %u's transitional configuration of ring (%u, %" PRIu64 ") says left {%s}, expected {%s}",
			id, x->rep, x->seq, a, b);
	}
	if (cn->cur != CHECK_NONE && evs_leave(c, id, cn->cur, xi, mem) < 0)
		return -1;
	cn->want_regular = true;
	cn->trans_ring = xi;
	cn->trans_members = mem;
	cn->cur = CHECK_NONE;
	ring_reset(cn);
	return 0;
}

static int regular(struct check *c, uint32_t id, uint32_t xi,
		   const struct rc_confchg *cc, uint32_t mem, uint32_t joined)
{
	struct check_node *cn = &c->node[id];
	struct check_ring *x = &c->rings[xi];
	char a[64], b[64];

	if (!cn->want_regular || cn->trans_ring != xi)
		return sim_check_fail(c,
			"confchg: node %u's regular configuration of ring (%u, %" PRIu64 ") does not follow a transitional configuration of that ring",
			id, x->rep, x->seq);
	if (!(mem & CHECK_BIT(id)) || cc->n_left || cc->ring.rep != cc->members[0] ||
	    (cn->trans_members & ~mem))
		return sim_check_fail(c,
			"confchg: node %u's regular configuration of ring (%u, %" PRIu64 ") is malformed (%u members, first %u, %u left, transitional members not all in it)",
			id, x->rep, x->seq, cc->n_members,
			cc->n_members ? cc->members[0] : 0, cc->n_left);
	if (joined != (mem & ~cn->trans_members)) {
		fmt_mask(a, sizeof(a), joined);
		fmt_mask(b, sizeof(b), mem & ~cn->trans_members);
		return sim_check_fail(c,
			"confchg: node %u's regular configuration of ring (%u, %" PRIu64 ") says joined {%s}, expected {%s}",
			id, x->rep, x->seq, a, b);
	}
	if (x->have_members && x->members != mem) {
		fmt_mask(a, sizeof(a), x->members);
		fmt_mask(b, sizeof(b), mem);
		return sim_check_fail(c,
			"membership agreement: ring (%u, %" PRIu64 "): an earlier node installed members {%s}, node %u installs {%s}",
			x->rep, x->seq, a, id, b);
	}
	if (sim_check_limit_ring(c, id, xi, cc, mem) < 0)
		return -1;
	x->members = mem;
	x->have_members = true;
	x->installed |= CHECK_BIT(id);
	cn->want_regular = false;
	cn->cur = xi;
	cn->max_seq = x->seq;
	ring_reset(cn);
	return 0;
}

int sim_check_confchg(struct check *c, uint32_t id, const struct rc_confchg *cc)
{
	uint32_t xi, mem, left, joined;

	if (c->violated)
		return -1;
	if (id < 1 || id > c->n_nodes)
		return sim_check_fail(c, "confchg at unknown node %u", id);
	c->events++;
	if (list_mask(c, cc->members, cc->n_members, &mem) < 0 ||
	    list_mask(c, cc->left, cc->n_left, &left) < 0 ||
	    list_mask(c, cc->joined, cc->n_joined, &joined) < 0 ||
	    cc->n_members == 0 || (mem & left))
		return sim_check_fail(c,
			"confchg: node %u's %s configuration of ring (%u, %" PRIu64 ") has a member, left or joined list that is empty, unsorted, repeats or names an unknown node",
			id, cc->type == RC_CONF_REGULAR ? "regular" : "transitional",
			cc->ring.rep, cc->ring.seq);
	xi = sim_check_ring(c, cc->ring.rep, cc->ring.seq);
	if (xi == CHECK_NONE)
		return -1;
	if (cc->type == RC_CONF_TRANSITIONAL)
		return transitional(c, id, xi, cc, mem, left);
	if (cc->type == RC_CONF_REGULAR)
		return regular(c, id, xi, cc, mem, joined);
	return sim_check_fail(c, "confchg: node %u: unknown type %d", id,
			      (int)cc->type);
}

void sim_check_node_down(struct check *c, uint32_t id)
{
	struct check_node *cn = &c->node[id];

	cn->reset_at = ++c->events;
	cn->cur = CHECK_NONE;
	cn->want_regular = false;
	ring_reset(cn);
}

void sim_check_node_restart(struct check *c, uint32_t id, uint64_t first)
{
	c->node[id].epoch_first = first;
}

static bool safe_agreed(const struct check *c, uint32_t o, uint32_t k)
{
	uint64_t bit = (uint64_t)(o - 1) * c->per_sender + k;

	return (c->safe_agreed[bit / 8] >> (bit % 8)) & 1;
}

/*
 * Why node q may lack message k of origin o (q != o); NULL: no excuse.
 * A crash since the message's ring was born loses what q held of it; a
 * crash before does not (q's later incarnation is held to everything after).
 * A SAFE message some node delivered in agreed order was held by every
 * member of its ring, and recovery delivers what a survivor holds: no
 * parting excuses a member that installed the ring and did not crash.
 */
static const char *excuse(const struct check *c, uint32_t q, uint32_t o,
			  uint32_t k, uint32_t *ring)
{
	const struct check_ring *r;
	uint32_t ri = c->node[o].ring_of[k];

	*ring = ri;
	if (ri == CHECK_NONE)
		/* an older engine of its sender took it and was destroyed
		   before framing it (its current one's are all framed, or
		   the sender's own check has failed) */
		return k < c->node[o].epoch_first ? "never framed: its sender restarted" : NULL;
	r = &c->rings[ri];
	if (c->node[q].reset_at > r->born)
		return "crashed or left after that ring was born";
	if (!(r->installed & CHECK_BIT(q)))
		return "not in that ring";
	if (safe_agreed(c, o, k))
		return NULL;
	if (r->trans_to[q] != r->trans_to[o])
		return "left that ring for another ring than the sender";
	if (r->trans_of[o] && !(r->trans_of[o] & CHECK_BIT(q)))
		return "parted from the sender when that ring ended";
	return NULL;
}

static int missing(struct check *c, uint32_t q, uint32_t o, uint32_t lo,
		   uint32_t hi)
{
	const struct check_ring *r;
	uint32_t k, ri;

	for (k = lo; k <= hi; k++) {
		if (sim_check_is_refused(c, o, k))
			continue;	/* never framed: delivered nowhere */
		if (excuse(c, q, o, k, &ri) != NULL) {
			c->excused++;
			continue;
		}
		if (ri == CHECK_NONE)
			return sim_check_fail(c,
				"liveness: node %u never delivered %u/%u (origin/index), which no frame ever carried",
				q, o, k);
		r = &c->rings[ri];
		return sim_check_fail(c,
			"liveness: node %u never delivered %u/%u (origin/index), framed in ring (%u, %" PRIu64 "); node %u installed that ring, has not crashed since, and %s",
			q, o, k, r->rep, r->seq, q,
			safe_agreed(c, o, k) ?
			"the message is SAFE and was delivered there in agreed order, so every member held it" :
			r->trans_of[o] ? "moved on with the sender" :
			"the sender never moved on from that ring");
	}
	return 0;
}

/*
 * The first message its current engine was handed (from epoch_first on)
 * that sender o did not deliver and did not refuse; -1: none. Older
 * engines' messages are lost with them when they crashed or left.
 */
static int64_t own_missing(const struct check *c, const struct check_node *cn, uint32_t o)
{
	int64_t k, from = (int64_t)cn->epoch_first;

	for (uint32_t g = 0; g < cn->n_gaps[o]; g++)
		for (k = cn->gaps[o][g].lo; k <= (int64_t)cn->gaps[o][g].hi; k++)
			if (k >= from && !sim_check_is_refused(c, o, (uint32_t)k))
				return k;
	for (k = cn->last[o] + 1 > from ? cn->last[o] + 1 : from;
	     k < (int64_t)c->per_sender; k++)
		if (!sim_check_is_refused(c, o, (uint32_t)k))
			return k;
	return -1;
}

int sim_check_finish(struct check *c)
{
	const struct check_node *cn;
	const struct check_ring *r;
	uint32_t q, o, g, ri;
	int64_t k;

	if (c->violated)
		return -1;
	for (o = 1; o <= c->n_senders; o++) {
		cn = &c->node[o];
		if (c->per_sender == 0)
			continue;
		k = own_missing(c, cn, o);
		if (k < 0)
			continue;
		ri = cn->ring_of[k];
		if (ri == CHECK_NONE)
			return sim_check_fail(c,
				"liveness: node %u did not deliver its own message %u/%" PRId64 " (origin/index), which its engine (handed messages from %" PRIu64 " on) never framed: it delivered %" PRIu64 " messages in all",
				o, o, k, cn->epoch_first, cn->delivered);
		r = &c->rings[ri];
		return sim_check_fail(c,
			"liveness: node %u did not deliver its own message %u/%" PRId64 " (origin/index), which its engine (handed messages from %" PRIu64 " on) framed in ring (%u, %" PRIu64 "): it delivered %" PRIu64 " messages in all",
			o, o, k, cn->epoch_first, r->rep, r->seq, cn->delivered);
	}
	for (q = 1; q <= c->n_nodes; q++) {
		cn = &c->node[q];
		for (o = 1; o <= c->n_senders; o++) {
			if (o == q || c->per_sender == 0)
				continue;
			for (g = 0; g < cn->n_gaps[o]; g++)
				if (missing(c, q, o, cn->gaps[o][g].lo,
					    cn->gaps[o][g].hi) < 0)
					return -1;
			if (cn->last[o] + 1 < (int64_t)c->per_sender &&
			    missing(c, q, o, (uint32_t)(cn->last[o] + 1),
				    (uint32_t)(c->per_sender - 1)) < 0)
				return -1;
		}
	}
	return 0;
}
