/*
 * Online invariant checks: each delivery must be the message (origin, next
 * expected index) byte for byte, and must match position k of the reference
 * order, built by whichever node delivered k first. The list of invariants
 * is in docs/simulator.md; each violation's text starts with its name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define IDENTIFY_SPAN	64	/* how far to look for what a wrong message was */

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
	uint32_t i;

	memset(c, 0, sizeof(*c));
	c->n_nodes = n_nodes;
	c->n_senders = n_senders;
	c->per_sender = per_sender;
	c->total = per_sender * n_senders;
	c->pl = *pl;
	c->full = full;
	c->node = calloc(n_nodes, sizeof(*c->node));
	c->next_mem = calloc((size_t)n_nodes * (n_senders + 1), sizeof(uint32_t));
	c->ref_cap = 1024;
	c->ref = malloc(c->ref_cap * sizeof(*c->ref));
	if (c->node == NULL || c->next_mem == NULL || c->ref == NULL) {
		sim_check_fini(c);
		return -ENOMEM;
	}
	for (i = 0; i < n_nodes; i++)
		c->node[i].next = c->next_mem + (size_t)i * (n_senders + 1);
	if (c->total == 0)
		c->nodes_done = n_nodes;
	return 0;
}

void sim_check_fini(struct check *c)
{
	free(c->node);
	free(c->next_mem);
	free(c->ref);
	c->node = NULL;
	c->next_mem = NULL;
	c->ref = NULL;
}

/* Room for one more reference entry: drop what every node is past, or grow. */
static int ref_make_room(struct check *c)
{
	struct check_ref *r;
	uint64_t min = UINT64_MAX, drop;
	uint32_t i;

	for (i = 0; i < c->n_nodes; i++)
		if (c->node[i].pos < min)
			min = c->node[i].pos;
	drop = min - c->ref_lo;
	if (drop > c->ref_n)
		drop = c->ref_n;
	if (drop >= c->ref_cap / 4) {
		memmove(c->ref, c->ref + drop,
			(c->ref_n - drop) * sizeof(*c->ref));
		c->ref_lo += drop;
		c->ref_n -= drop;
		return 0;
	}
	r = realloc(c->ref, 2 * c->ref_cap * sizeof(*r));
	if (r == NULL)
		return sim_check_fail(c, "checker out of memory");
	c->ref = r;
	c->ref_cap *= 2;
	return 0;
}

static const char *gname(int g)
{
	return g == RC_GUARANTEE_SAFE ? "SAFE" :
	       g == RC_GUARANTEE_AGREED ? "AGREED" : "?";
}

/*
 * The message at hand is not (origin, idx): say what it is if it is another
 * message of the same origin nearby (a gap or a duplicate), else describe
 * the damage.
 */
static int explain_mismatch(struct check *c, uint32_t nodeid, uint64_t k,
			    uint32_t origin, uint32_t idx, const void *msg,
			    size_t len, size_t elen, int64_t off)
{
	uint64_t lo = idx > IDENTIFY_SPAN ? idx - IDENTIFY_SPAN : 0;
	uint64_t hi = idx + IDENTIFY_SPAN, j, key;

	if (hi > c->per_sender)
		hi = c->per_sender;
	for (j = lo; j < hi; j++) {
		if (j == idx)
			continue;
		key = sim_payload_key(&c->pl, origin, j);
		if (sim_payload_len(&c->pl, key) != len ||
		    sim_payload_verify(key, msg, len, true) >= 0)
			continue;
		if (j > idx)
			return sim_check_fail(c,
				"gap: node %u position %" PRIu64 ": expected %u/%u (origin/index), got %u/%" PRIu64 " (%" PRIu64 " message(s) of origin %u skipped)",
				nodeid, k, origin, idx, origin, j, j - idx, origin);
		return sim_check_fail(c,
			"duplicate: node %u position %" PRIu64 ": expected %u/%u (origin/index), got %u/%" PRIu64 " again",
			nodeid, k, origin, idx, origin, j);
	}
	if (len != elen)
		return sim_check_fail(c,
			"length: node %u position %" PRIu64 ": message %u/%u expected %zu bytes, got %zu",
			nodeid, k, origin, idx, elen, len);
	return sim_check_fail(c,
		"payload: node %u position %" PRIu64 ": message %u/%u (%zu bytes) differs first at byte %" PRId64,
		nodeid, k, origin, idx, len, off);
}

static int check_safe(struct check *c, uint32_t nodeid, uint64_t k,
		      uint32_t origin, uint32_t idx, uint32_t seq)
{
	uint32_t j, a;

	if (c->aru == NULL)
		return 0;
	for (j = 1; j <= c->n_nodes; j++) {
		a = c->aru(c->ctx, j);
		if ((int32_t)(a - seq) >= 0)
			continue;
		return sim_check_fail(c,
			"SAFE delivered early: node %u position %" PRIu64 ": message %u/%u has seq %u, but node %u has my_aru %u",
			nodeid, k, origin, idx, seq, j, a);
	}
	return 0;
}

int sim_check_deliver(struct check *c, uint32_t nodeid,
		      const struct rc_srp_msg_info *info, const void *msg,
		      size_t len)
{
	struct check_node *cn;
	struct check_ref *r;
	uint32_t origin = info->sender, idx;
	uint64_t k, key;
	size_t elen;
	int64_t off;
	int eg;

	if (c->violated)
		return -1;
	if (nodeid < 1 || nodeid > c->n_nodes)
		return sim_check_fail(c, "delivery at unknown node %u", nodeid);
	cn = &c->node[nodeid - 1];
	k = cn->pos;
	if (origin < 1 || origin > c->n_senders)
		return sim_check_fail(c,
			"unknown origin: node %u position %" PRIu64 ": got a message from node %u, which sends nothing (%zu bytes)",
			nodeid, k, origin, len);
	idx = cn->next[origin];
	if (idx >= c->per_sender)
		return sim_check_fail(c,
			"duplicate: node %u position %" PRIu64 ": got a message from origin %u after all its %" PRIu64 " messages (%zu bytes)",
			nodeid, k, origin, c->per_sender, len);
	if (c->queued != NULL && idx >= c->queued[origin])
		return sim_check_fail(c,
			"causality: node %u position %" PRIu64 ": delivered %u/%u (origin/index) before its origin queued it",
			nodeid, k, origin, idx);

	key = sim_payload_key(&c->pl, origin, idx);
	elen = sim_payload_len(&c->pl, key);
	off = 0;
	if (len != elen ||
	    (!(!c->full && sim_payload_ends_ok(key, msg, len)) &&
	     (off = sim_payload_verify(key, msg, len, c->full)) >= 0))
		return explain_mismatch(c, nodeid, k, origin, idx, msg, len,
					elen, off);
	eg = sim_payload_guarantee(&c->pl, key);
	if ((int)info->guarantee != eg)
		return sim_check_fail(c,
			"guarantee: node %u position %" PRIu64 ": message %u/%u expected %s, got %s (%d)",
			nodeid, k, origin, idx, gname(eg),
			gname(info->guarantee), (int)info->guarantee);
	if (k > 0 && (int32_t)(info->seq - cn->last_seq) < 0)
		return sim_check_fail(c,
			"seq order: node %u position %" PRIu64 ": message %u/%u has seq %u, after seq %u",
			nodeid, k, origin, idx, info->seq, cn->last_seq);

	if (k == c->ref_lo + c->ref_n) {
		if (c->ref_n == c->ref_cap && ref_make_room(c) < 0)
			return -1;
		r = &c->ref[c->ref_n++];
		r->origin = (uint8_t)origin;
		r->index = idx;
		r->seq = info->seq;
		r->guarantee = (uint8_t)eg;
	} else {
		r = &c->ref[k - c->ref_lo];
		if (r->origin != origin || r->index != idx)
			return sim_check_fail(c,
				"total order: node %u position %" PRIu64 ": expected %u/%u (origin/index) as delivered first elsewhere, got %u/%u",
				nodeid, k, r->origin, r->index, origin, idx);
		if (r->seq != info->seq)
			return sim_check_fail(c,
				"seq disagreement: node %u position %" PRIu64 ": message %u/%u expected seq %u as delivered first elsewhere, got %u",
				nodeid, k, origin, idx, r->seq, info->seq);
	}
	if (eg == RC_GUARANTEE_SAFE &&
	    check_safe(c, nodeid, k, origin, idx, info->seq) < 0)
		return -1;

	cn->next[origin] = idx + 1;
	cn->last_seq = info->seq;
	cn->bytes += len;
	if (++cn->pos == c->total)
		c->nodes_done++;
	return 0;
}

int sim_check_finish(struct check *c)
{
	struct check_node *cn;
	uint32_t i, o;

	if (c->violated)
		return -1;
	for (i = 0; i < c->n_nodes; i++) {
		cn = &c->node[i];
		if (cn->pos == c->total)
			continue;
		for (o = 1; o <= c->n_senders; o++)
			if (cn->next[o] < c->per_sender)
				break;
		return sim_check_fail(c,
			"liveness: node %u delivered %" PRIu64 " of %" PRIu64 " messages; first missing: %u/%u (origin/index)",
			i + 1, cn->pos, c->total, o, cn->next[o]);
	}
	return 0;
}
