/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message limits (docs/protocol.md, "The ring's message limit"): every
 * member of a ring installs the same limit, the least of the members' own;
 * a message its sender refused is above its ring's limit and is delivered
 * nowhere; no node delivers a message above its own limit, nor above the
 * limit of the ring it was sent in. The run tells the checker each node's
 * own limit (c->limit; 0 leaves that node unchecked).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "check.h"

int sim_check_refused(struct check *c, uint32_t origin, uint32_t index, size_t len,
		      uint32_t ring_limit)
{
	uint64_t bit;

	if (c->violated)
		return -1;
	if (origin < 1 || origin > c->n_senders || index >= c->per_sender)
		return sim_check_fail(c, "refused: unknown message %u/%u", origin, index);
	if (len <= ring_limit)
		return sim_check_fail(c,
			"refused: node %u refused its message %u (%zu bytes), within its ring's limit %u",
			origin, index, len, ring_limit);
	if (c->refused == NULL) {
		c->refused = calloc(c->per_sender * c->n_senders / 8 + 1, 1);
		if (c->refused == NULL)
			return sim_check_fail(c, "checker out of memory");
	}
	bit = (uint64_t)(origin - 1) * c->per_sender + index;
	if ((c->seen[bit / 8] >> (bit % 8)) & 1)
		return sim_check_fail(c,
			"refused: node %u refused its message %u, which a node delivered",
			origin, index);
	if (!((c->refused[bit / 8] >> (bit % 8)) & 1)) {
		c->refused[bit / 8] |= (uint8_t)(1u << (bit % 8));
		c->n_refused++;
	}
	return 0;
}

int sim_check_limit_deliver(struct check *c, uint32_t id, uint32_t ri, uint32_t origin,
			    uint32_t index, size_t len)
{
	const struct check_ring *r = &c->rings[ri];

	if (sim_check_is_refused(c, origin, index))
		return sim_check_fail(c,
			"refused: node %u delivered %u/%u (origin/index), which its sender refused",
			id, origin, index);
	if (c->limit[id] && len > c->limit[id])
		return sim_check_fail(c,
			"limit: node %u delivered %u/%u (%zu bytes) in ring (%u, %" PRIu64 "), above its own limit %u",
			id, origin, index, len, r->rep, r->seq, c->limit[id]);
	if (r->limit && len > r->limit)
		return sim_check_fail(c,
			"limit: node %u delivered %u/%u (%zu bytes), above the limit %u of ring (%u, %" PRIu64 ") it was sent in",
			id, origin, index, len, r->limit, r->rep, r->seq);
	return 0;
}

int sim_check_limit_ring(struct check *c, uint32_t id, uint32_t ri,
			 const struct rc_confchg *cc, uint32_t mem)
{
	struct check_ring *r = &c->rings[ri];
	uint32_t least = UINT32_MAX;

	for (uint32_t n = 1; n <= c->n_nodes; n++) {
		if (!(mem & CHECK_BIT(n)))
			continue;
		if (!c->limit[n])
			return 0;	/* a node the run does not know: unchecked */
		if (c->limit[n] < least)
			least = c->limit[n];
	}
	if (cc->msg_limit != least)
		return sim_check_fail(c,
			"limit: node %u installed ring (%u, %" PRIu64 ") with message limit %u, the least of its members' is %u",
			id, r->rep, r->seq, cc->msg_limit, least);
	if (r->limit && r->limit != cc->msg_limit)
		return sim_check_fail(c,
			"limit agreement: ring (%u, %" PRIu64 "): an earlier node installed limit %u, node %u installs %u",
			r->rep, r->seq, r->limit, id, cc->msg_limit);
	r->limit = cc->msg_limit;
	return 0;
}
