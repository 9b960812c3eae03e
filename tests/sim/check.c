/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Online checks of each delivery. The message is identified by what was
 * framed: (ring, seq) names a frame, the k-th delivery from that frame is
 * its k-th message (a recovered frame may skip a first chunk that continues
 * a message cut by a recovery gap). Then: it is the right message byte for
 * byte, it belongs to the node's configuration, agreed-order deliveries of a
 * ring are a prefix of that ring's reference order (built by whichever node
 * reached position k first), each origin is FIFO, and SAFE means every
 * member of the ring held it when it last forwarded the ring's token.
 * docs/simulator.md lists them all.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define REF_CAP0	256

int sim_check_fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->violated)
		return -1;
	c->violated = true;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
	return -1;
}

int sim_check_init(struct check *c, uint32_t n_nodes, uint32_t n_senders,
		   uint64_t per_sender, const struct sim_payload *pl, bool full)
{
	uint64_t bits = (uint64_t)n_senders * per_sender;
	uint32_t i, o;

	memset(c, 0, sizeof(*c));
	if (n_nodes > CHECK_MAX_NODES || n_senders > n_nodes)
		return -EINVAL;
	c->n_nodes = n_nodes;
	c->n_senders = n_senders;
	c->per_sender = per_sender;
	c->pl = *pl;
	c->full = full;
	c->seen = calloc(bits / 8 + 1, 1);
	c->safe_agreed = calloc(bits / 8 + 1, 1);
	if (c->seen == NULL || c->safe_agreed == NULL) {
		sim_check_fini(c);
		return -ENOMEM;
	}
	for (i = 1; i <= n_nodes; i++) {
		struct check_node *cn = &c->node[i];

		cn->cur = CHECK_NONE;
		cn->c_ring = CHECK_NONE;
		for (o = 0; o <= CHECK_MAX_NODES; o++)
			cn->last[o] = cn->ring_last[o] = -1;
		if (i <= n_senders && per_sender) {
			cn->ring_of = malloc(per_sender * sizeof(uint32_t));
			if (cn->ring_of == NULL) {
				sim_check_fini(c);
				return -ENOMEM;
			}
			memset(cn->ring_of, 0xff, per_sender * sizeof(uint32_t));
		}
	}
	return 0;
}

void sim_check_fini(struct check *c)
{
	struct check_group *g, *gn;
	uint32_t i, o;

	for (i = 0; i < c->n_rings; i++) {
		for (g = c->rings[i].groups; g != NULL; g = gn) {
			gn = g->next;
			free(g->rec);
			free(g);
		}
		free(c->rings[i].fr);
		free(c->rings[i].ref);
	}
	for (i = 0; i <= CHECK_MAX_NODES; i++) {
		for (o = 0; o <= CHECK_MAX_NODES; o++)
			free(c->node[i].gaps[o]);
		free(c->node[i].ring_of);
		free(c->node[i].rec);
	}
	free(c->rings);
	free(c->ring_hash);
	free(c->msgs);
	free(c->seen);
	free(c->safe_agreed);
	free(c->refused);
	c->rings = NULL;
	c->ring_hash = NULL;
	c->msgs = NULL;
	c->seen = NULL;
	c->safe_agreed = NULL;
	c->n_rings = 0;
}

/* ---- rings: a table with an open-addressing index ---- */

static uint32_t ring_slot(uint32_t rep, uint64_t seq, uint32_t cap)
{
	return (uint32_t)sim_mix64(seq * 0x9e3779b97f4a7c15ull ^ rep) & (cap - 1);
}

static uint32_t ring_find(const struct check *c, uint32_t rep, uint64_t seq)
{
	uint32_t h, v;

	if (c->hash_cap == 0)
		return CHECK_NONE;
	for (h = ring_slot(rep, seq, c->hash_cap);; h = (h + 1) & (c->hash_cap - 1)) {
		v = c->ring_hash[h];
		if (v == 0)
			return CHECK_NONE;
		if (c->rings[v - 1].rep == rep && c->rings[v - 1].seq == seq)
			return v - 1;
	}
}

static int hash_grow(struct check *c)
{
	uint32_t cap = c->hash_cap ? 2 * c->hash_cap : 64, i, h;
	uint32_t *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	for (i = 0; i < c->n_rings; i++) {
		h = ring_slot(c->rings[i].rep, c->rings[i].seq, cap);
		while (t[h])
			h = (h + 1) & (cap - 1);
		t[h] = i + 1;
	}
	free(c->ring_hash);
	c->ring_hash = t;
	c->hash_cap = cap;
	return 0;
}

uint32_t sim_check_ring(struct check *c, uint32_t rep, uint64_t seq)
{
	struct check_ring *r;
	uint32_t i = ring_find(c, rep, seq), h;

	if (i != CHECK_NONE)
		return i;
	if (2 * (c->n_rings + 1) > c->hash_cap && hash_grow(c) < 0)
		goto oom;
	if (c->n_rings == c->cap_rings) {
		uint32_t cap = c->cap_rings ? 2 * c->cap_rings : 16;

		r = realloc(c->rings, cap * sizeof(*r));
		if (r == NULL)
			goto oom;
		c->rings = r;
		c->cap_rings = cap;
	}
	i = c->n_rings++;
	r = &c->rings[i];
	memset(r, 0, sizeof(*r));
	r->rep = rep;
	r->seq = seq;
	r->born = ++c->events;
	memset(r->first_idx, 0xff, sizeof(r->first_idx));
	memset(r->trans_to, 0xff, sizeof(r->trans_to));
	h = ring_slot(rep, seq, c->hash_cap);
	while (c->ring_hash[h])
		h = (h + 1) & (c->hash_cap - 1);
	c->ring_hash[h] = i + 1;
	return i;
oom:
	sim_check_fail(c, "checker out of memory");
	return CHECK_NONE;
}

/* ---- frames ---- */

bool sim_check_frame_known(struct check *c, uint32_t rep, uint64_t ring_seq,
			   uint32_t seq)
{
	uint32_t i = ring_find(c, rep, ring_seq);

	return i != CHECK_NONE && seq >= 1 && seq <= c->rings[i].n_fr &&
	       c->rings[i].fr[seq - 1].known;
}

int sim_check_framed(struct check *c, uint32_t sender, uint32_t rep,
		     uint64_t ring_seq, uint32_t seq, const struct check_msg *m,
		     uint32_t n)
{
	struct check_ring *r;
	struct check_frame *f;
	uint32_t i = sim_check_ring(c, rep, ring_seq), k;

	if (i == CHECK_NONE)
		return -1;
	r = &c->rings[i];
	if (seq == 0 || seq > (1u << 30))
		return sim_check_fail(c,
			"frame: node %u sent a data frame with seq %u in ring (%u, %" PRIu64 ")",
			sender, seq, rep, ring_seq);
	if (seq > r->cap_fr) {
		uint32_t cap = r->cap_fr ? r->cap_fr : 64;

		while (cap < seq)
			cap *= 2;
		f = realloc(r->fr, cap * sizeof(*f));
		if (f == NULL)
			return sim_check_fail(c, "checker out of memory");
		memset(f + r->cap_fr, 0, (cap - r->cap_fr) * sizeof(*f));
		r->fr = f;
		r->cap_fr = cap;
	}
	if (seq > r->n_fr)
		r->n_fr = seq;
	f = &r->fr[seq - 1];
	if (f->known)
		return 0;
	if (c->n_msgs + n > c->cap_msgs) {
		uint64_t cap = c->cap_msgs ? 2 * c->cap_msgs : 4096;
		struct check_msg *p;

		while (cap < c->n_msgs + n)
			cap *= 2;
		p = realloc(c->msgs, cap * sizeof(*p));
		if (p == NULL)
			return sim_check_fail(c, "checker out of memory");
		c->msgs = p;
		c->cap_msgs = cap;
	}
	f->known = true;
	f->first = (uint32_t)c->n_msgs;
	f->n = (uint16_t)n;
	for (k = 0; k < n; k++) {
		if (m[k].origin != sender)
			return sim_check_fail(c, "frame: message of origin %u in a frame of node %u",
					      m[k].origin, sender);
		c->msgs[c->n_msgs++] = m[k];
		if (r->first_idx[sender] == CHECK_NONE)
			r->first_idx[sender] = m[k].index;
		/* liveness asks which ring a message is owed in, delivered
		   by its sender or not (it may have crashed first) */
		if (c->node[sender].ring_of != NULL && m[k].index < c->per_sender)
			c->node[sender].ring_of[m[k].index] = i;
	}
	r->msgs += n;
	return 0;
}

/* ---- reference order of a ring ---- */

/*
 * Lowest agreed-order position a node may still deliver in ring ri: nodes in
 * it are at their position; members that have not installed it yet may start
 * at 0; nodes past it (a later ring, or a crash since it was born) need none.
 */
static uint64_t ring_low(const struct check *c, uint32_t ri)
{
	const struct check_ring *r = &c->rings[ri];
	uint64_t low = UINT64_MAX;
	uint32_t id;

	for (id = 1; id <= c->n_nodes; id++) {
		const struct check_node *cn = &c->node[id];

		if (cn->cur == ri) {
			if (cn->pos < low)
				low = cn->pos;
			continue;
		}
		if (!(r->members & CHECK_BIT(id)) || cn->max_seq >= r->seq ||
		    cn->reset_at > r->born)
			continue;
		return 0;
	}
	return low;
}

void sim_check_trim(struct check *c, uint32_t ri)
{
	struct check_ring *r = &c->rings[ri];
	uint64_t low = ring_low(c, ri), drop;

	drop = low > r->ref_lo ? low - r->ref_lo : 0;
	if (drop > r->ref_n)
		drop = r->ref_n;
	if (drop == 0)
		return;
	memmove(r->ref, r->ref + drop, (r->ref_n - drop) * sizeof(*r->ref));
	r->ref_lo += drop;
	r->ref_n -= drop;
}

static int ref_make_room(struct check *c, uint32_t ri)
{
	struct check_ring *r = &c->rings[ri];
	struct check_ref *p;
	uint64_t cap;

	sim_check_trim(c, ri);
	if (r->ref_n < r->ref_cap * 3 / 4 && r->ref_cap)
		return 0;
	cap = r->ref_cap ? 2 * r->ref_cap : REF_CAP0;
	p = realloc(r->ref, cap * sizeof(*p));
	if (p == NULL)
		return sim_check_fail(c, "checker out of memory");
	r->ref = p;
	r->ref_cap = cap;
	return 0;
}

/* ---- one delivery ---- */

static const char *gname(int g)
{
	return g == RC_GUARANTEE_SAFE ? "SAFE" :
	       g == RC_GUARANTEE_AGREED ? "AGREED" : "?";
}

/* 0 when msg is message m (key in *keyp), else -1 with *off the first
 * differing byte. */
static int same_msg(const struct check *c, const struct check_msg *m,
		    uint32_t sender, const void *msg, size_t len, int64_t *off,
		    uint64_t *keyp)
{
	uint64_t key = sim_payload_key(&c->pl, m->origin, m->index);

	*keyp = key;
	*off = -1;
	if (m->origin != sender || sim_payload_len(&c->pl, key) != len)
		return -1;
	*off = sim_payload_verify(key, msg, len, c->full);
	return *off >= 0 ? -1 : 0;
}

/* Which framed message this delivery is; NULL after a violation. */
static const struct check_msg *identify(struct check *c, uint32_t id,
					uint32_t ri, const struct rc_srp_msg_info *info,
					const void *msg, size_t len, uint64_t *keyp)
{
	struct check_node *cn = &c->node[id];
	struct check_ring *r = &c->rings[ri];
	const struct check_frame *f;
	const struct check_msg *m;
	uint64_t key;
	size_t elen;
	int64_t off;
	uint32_t j;

	if (info->seq == 0 || info->seq > r->n_fr || !r->fr[info->seq - 1].known)
		return sim_check_fail(c,
			"phantom: node %u delivered a message (origin %u, %zu bytes) from seq %u of ring (%u, %" PRIu64 "), which no node ever sent",
			id, info->sender, len, info->seq, r->rep, r->seq), NULL;
	f = &r->fr[info->seq - 1];
	if (cn->c_ring != ri || cn->c_seq != info->seq ||
	    cn->c_recovered != !!info->recovered) {
		cn->c_ring = ri;
		cn->c_seq = info->seq;
		cn->c_recovered = !!info->recovered;
		cn->c_pos = 0;
	}
	j = cn->c_pos;
	/* recovery may drop a message cut by a gap: only a frame's first chunk */
	if (j == 0 && f->n > 1 && info->recovered && c->msgs[f->first].cont &&
	    same_msg(c, &c->msgs[f->first], info->sender, msg, len, &off,
		     keyp) < 0)
		j = 1;
	if (j >= f->n)
		return sim_check_fail(c,
			"duplicate: node %u delivered message %u of frame seq %u of ring (%u, %" PRIu64 "), which carries %u (origin %u, %zu bytes)",
			id, j + 1, info->seq, r->rep, r->seq, f->n, info->sender, len), NULL;
	m = &c->msgs[f->first + j];
	cn->c_pos = j + 1;
	if (same_msg(c, m, info->sender, msg, len, &off, &key) == 0) {
		*keyp = key;
		return m;
	}
	elen = sim_payload_len(&c->pl, key);
	if (m->origin != info->sender)
		return sim_check_fail(c,
			"origin: node %u: message %u of frame seq %u of ring (%u, %" PRIu64 ") is %u/%u (origin/index), delivered as from node %u",
			id, j + 1, info->seq, r->rep, r->seq, m->origin, m->index,
			info->sender), NULL;
	if (len != elen)
		return sim_check_fail(c,
			"length: node %u: message %u/%u (seq %u of ring (%u, %" PRIu64 ")) expected %zu bytes, got %zu",
			id, m->origin, m->index, info->seq, r->rep, r->seq, elen, len), NULL;
	return sim_check_fail(c,
		"payload: node %u: message %u/%u (%zu bytes, seq %u of ring (%u, %" PRIu64 ")) differs first at byte %" PRId64,
		id, m->origin, m->index, len, info->seq, r->rep, r->seq, off), NULL;
}

/* The delivery is in the node's current configuration. */
static int check_config(struct check *c, uint32_t id, uint32_t ri,
			const struct rc_srp_msg_info *info)
{
	struct check_node *cn = &c->node[id];
	const struct check_ring *r = &c->rings[ri], *cur;

	if (cn->want_regular)
		return sim_check_fail(c,
			"old ring: node %u delivered %s message of ring (%u, %" PRIu64 ") after its transitional configuration of ring (%u, %" PRIu64 ")",
			id, info->recovered ? "a recovered" : "a",
			r->rep, r->seq, c->rings[cn->trans_ring].rep,
			c->rings[cn->trans_ring].seq);
	if (cn->cur == CHECK_NONE)
		return sim_check_fail(c,
			"configuration: node %u delivered a message of ring (%u, %" PRIu64 ") before installing any configuration",
			id, r->rep, r->seq);
	cur = &c->rings[cn->cur];
	if (cn->cur != ri)
		return sim_check_fail(c,
			"%s: node %u delivered %s message of ring (%u, %" PRIu64 ") in regular configuration (%u, %" PRIu64 ")",
			r->seq < cur->seq ? "old ring" : "configuration", id,
			info->recovered ? "a recovered" : "a", r->rep, r->seq,
			cur->rep, cur->seq);
	if (!info->recovered && cn->recovering)
		return sim_check_fail(c,
			"configuration: node %u delivered a message of ring (%u, %" PRIu64 ") in agreed order after recovered ones",
			id, r->rep, r->seq);
	return 0;
}

int sim_check_token(struct check *c, uint32_t id, uint32_t rep, uint64_t seq,
		    uint32_t aru)
{
	struct check_ring *r;
	uint32_t ri;

	if (c->violated)
		return -1;
	if (id < 1 || id > c->n_nodes)
		return sim_check_fail(c, "token forwarded by unknown node %u", id);
	ri = sim_check_ring(c, rep, seq);
	if (ri == CHECK_NONE)
		return -1;
	r = &c->rings[ri];
	r->tok_aru[id] = aru;
	r->tok_from |= CHECK_BIT(id);
	return 0;
}

/*
 * A SAFE message is delivered in agreed order only once every member of its
 * ring holds it: a full rotation of the token with aru >= its seq, and a
 * member lowers the aru it forwards to its own my_aru. So every member but
 * the deliverer (it holds what it delivers) must have forwarded the ring's
 * token with my_aru >= seq by now. Its my_aru at its last forward stays on
 * record when it leaves the ring: a member that went to gather, crashed or
 * restarted still counts, which is where an early SAFE delivery hides.
 */
static int check_safe(struct check *c, uint32_t id, uint32_t ri,
		      const struct check_msg *m, uint32_t seq)
{
	const struct check_ring *r = &c->rings[ri];
	uint32_t j;

	for (j = 1; j <= c->n_nodes; j++) {
		if (j == id || !(r->members & CHECK_BIT(j)))
			continue;
		if (!(r->tok_from & CHECK_BIT(j)))
			return sim_check_fail(c,
				"SAFE delivered early: node %u: message %u/%u has seq %u in ring (%u, %" PRIu64 "), but node %u, a member of it, never forwarded its token",
				id, m->origin, m->index, seq, r->rep, r->seq, j);
		if ((int32_t)(r->tok_aru[j] - seq) >= 0)
			continue;
		return sim_check_fail(c,
			"SAFE delivered early: node %u: message %u/%u has seq %u in ring (%u, %" PRIu64 "), but node %u, a member of it, had my_aru %u when it last forwarded its token",
			id, m->origin, m->index, seq, r->rep, r->seq, j,
			r->tok_aru[j]);
	}
	return 0;
}

/* Agreed order: position pos of ring ri is this message at every node. */
static int check_ref(struct check *c, uint32_t id, uint32_t ri,
		     const struct check_msg *m, uint32_t seq)
{
	struct check_ring *r = &c->rings[ri];
	struct check_node *cn = &c->node[id];
	uint64_t k = cn->pos;
	struct check_ref *e;

	if (k < r->ref_lo)
		return 0;	/* a late installer below what was trimmed */
	if (k == r->ref_lo + r->ref_n) {
		if (r->ref_n == r->ref_cap && ref_make_room(c, ri) < 0)
			return -1;
		if (k != r->ref_lo + r->ref_n)
			return 0;
		e = &r->ref[r->ref_n++];
		e->origin = m->origin;
		e->index = m->index;
		e->seq = seq;
		return 0;
	}
	e = &r->ref[k - r->ref_lo];
	if (e->origin != m->origin || e->index != m->index)
		return sim_check_fail(c,
			"total order: node %u position %" PRIu64 " of ring (%u, %" PRIu64 "): expected %u/%u (origin/index, seq %u) as delivered first elsewhere, got %u/%u (seq %u)",
			id, k, r->rep, r->seq, e->origin, e->index, e->seq,
			m->origin, m->index, seq);
	return 0;
}

static int add_gap(struct check *c, struct check_node *cn, uint32_t o,
		   uint32_t lo, uint32_t hi)
{
	struct check_gap *g;

	if (cn->n_gaps[o] == cn->cap_gaps[o]) {
		uint32_t cap = cn->cap_gaps[o] ? 2 * cn->cap_gaps[o] : 8;

		g = realloc(cn->gaps[o], cap * sizeof(*g));
		if (g == NULL)
			return sim_check_fail(c, "checker out of memory");
		cn->gaps[o] = g;
		cn->cap_gaps[o] = cap;
	}
	cn->gaps[o][cn->n_gaps[o]].lo = lo;
	cn->gaps[o][cn->n_gaps[o]++].hi = hi;
	return 0;
}

static int fifo(struct check *c, uint32_t id, uint32_t ri,
		const struct check_msg *m, bool recovered)
{
	struct check_node *cn = &c->node[id];
	const struct check_ring *r = &c->rings[ri];
	uint32_t o = m->origin, k = m->index;
	int64_t want;

	if ((int64_t)k <= cn->last[o])
		return sim_check_fail(c,
			"%s: node %u delivered %u/%u (origin/index) in ring (%u, %" PRIu64 ") after %u/%" PRId64,
			(int64_t)k == cn->last[o] ? "duplicate" : "FIFO", id, o,
			k, r->rep, r->seq, o, cn->last[o]);
	if (!recovered) {
		want = cn->ring_last[o] >= 0 ? cn->ring_last[o] + 1 :
			(int64_t)r->first_idx[o];
		/* messages its sender refused were never framed */
		while (want < (int64_t)k && sim_check_is_refused(c, o, (uint32_t)want))
			want++;
		if ((int64_t)k != want)
			return sim_check_fail(c,
				"gap: node %u delivered %u/%u (origin/index) in ring (%u, %" PRIu64 ") where %u/%" PRId64 " comes next (%" PRId64 " message(s) of origin %u skipped)",
				id, o, k, r->rep, r->seq, o, want,
				(int64_t)k - want, o);
	}
	if ((int64_t)k > cn->last[o] + 1 &&
	    add_gap(c, cn, o, (uint32_t)(cn->last[o] + 1), k - 1) < 0)
		return -1;
	return 0;
}

int sim_check_deliver(struct check *c, uint32_t id,
		      const struct rc_srp_msg_info *info, const void *msg,
		      size_t len)
{
	struct check_node *cn;
	const struct check_msg *m;
	struct check_ring *r;
	uint64_t key, bit;
	uint32_t ri;
	int eg;

	if (c->violated)
		return -1;
	if (id < 1 || id > c->n_nodes)
		return sim_check_fail(c, "delivery at unknown node %u", id);
	cn = &c->node[id];
	ri = cn->cur;		/* nearly always its current ring */
	if (ri == CHECK_NONE || c->rings[ri].rep != info->ring_rep ||
	    c->rings[ri].seq != info->ring_seq)
		ri = ring_find(c, info->ring_rep, info->ring_seq);
	if (ri == CHECK_NONE)
		return sim_check_fail(c,
			"phantom: node %u delivered a message (origin %u, %zu bytes) of ring (%u, %" PRIu64 "), which never carried data",
			id, info->sender, len, info->ring_rep, info->ring_seq);
	if (check_config(c, id, ri, info) < 0)
		return -1;
	r = &c->rings[ri];
	m = identify(c, id, ri, info, msg, len, &key);
	if (m == NULL)
		return -1;
	eg = sim_payload_guarantee(&c->pl, key);
	if ((int)info->guarantee != eg)
		return sim_check_fail(c,
			"guarantee: node %u: message %u/%u expected %s, got %s (%d)",
			id, m->origin, m->index, gname(eg),
			gname(info->guarantee), (int)info->guarantee);
	if (sim_check_limit_deliver(c, id, ri, m->origin, m->index, len) < 0 ||
	    fifo(c, id, ri, m, info->recovered) < 0)
		return -1;
	if (cn->count > 0 && (int32_t)(info->seq - cn->last_seq) < 0)
		return sim_check_fail(c,
			"seq order: node %u: message %u/%u has seq %u in ring (%u, %" PRIu64 "), after seq %u",
			id, m->origin, m->index, info->seq, r->rep, r->seq,
			cn->last_seq);
	bit = (uint64_t)(m->origin - 1) * c->per_sender + m->index;
	if (!info->recovered) {
		if (check_ref(c, id, ri, m, info->seq) < 0)
			return -1;
		if (eg == RC_GUARANTEE_SAFE) {
			if (check_safe(c, id, ri, m, info->seq) < 0)
				return -1;
			/* every member held it: liveness excuses none of them */
			if (m->origin <= c->n_senders && m->index < c->per_sender)
				c->safe_agreed[bit / 8] |= (uint8_t)(1u << (bit % 8));
		}
		cn->pos++;
		cn->ring_last[m->origin] = m->index;
	} else {
		if (cn->n_rec == cn->cap_rec) {
			uint32_t cap = cn->cap_rec ? 2 * cn->cap_rec : 64;
			struct check_msg *p = realloc(cn->rec, cap * sizeof(*p));

			if (p == NULL)
				return sim_check_fail(c, "checker out of memory");
			cn->rec = p;
			cn->cap_rec = cap;
		}
		cn->rec[cn->n_rec++] = *m;
		cn->recovering = true;
	}
	cn->last[m->origin] = m->index;
	cn->last_seq = info->seq;
	cn->count++;
	cn->hash = sim_check_mix(cn->hash, m->origin, m->index);
	cn->delivered++;
	cn->bytes += len;
	if (m->origin <= c->n_senders && m->index < c->per_sender) {
		if (!(c->seen[bit / 8] & (1u << (bit % 8)))) {
			c->seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
			c->distinct++;
		}
	}
	return 0;
}
