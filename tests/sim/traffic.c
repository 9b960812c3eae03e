/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The message generator. Each sender hands messages 0, 1, 2, ... to its
 * engine, as fast as it accepts them (flood) or on a fixed schedule (--rate).
 * A message's buffer is a slot lent to the engine until ops.sent(slot);
 * slots are reused, so the steady state allocates nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define POISON	0xa5	/* written over a buffer the engine gave back */

struct sim_slot {
	struct sim_slot *next;		/* free list */
	uint8_t *buf;
	uint32_t cap, len;
	uint32_t id;			/* the cookie is id + 1 */
	uint64_t index;
	enum rc_guarantee g;
	bool out;			/* lent to the engine */
};

static struct sim_slot *slot_get(struct sim_node *nd, uint32_t len)
{
	struct sim_slot *sl = nd->free_slots, **tab;
	uint8_t *p;

	if (sl != NULL) {
		nd->free_slots = sl->next;
	} else {
		if (nd->n_slots == nd->cap_slots) {
			tab = realloc(nd->slots, (2 * nd->cap_slots + 16) *
					  sizeof(*tab));
			if (tab == NULL)
				return NULL;
			nd->slots = tab;
			nd->cap_slots = 2 * nd->cap_slots + 16;
		}
		sl = calloc(1, sizeof(*sl));
		if (sl == NULL)
			return NULL;
		sl->id = nd->n_slots;
		nd->slots[nd->n_slots++] = sl;
	}
	if (sl->cap < len || sl->buf == NULL) {
		p = realloc(sl->buf, len ? len : 1);
		if (p == NULL) {
			sl->next = nd->free_slots;
			nd->free_slots = sl;
			return NULL;
		}
		sl->buf = p;
		sl->cap = len;
	}
	return sl;
}

static void slot_put(struct sim_node *nd, struct sim_slot *sl)
{
	sl->next = nd->free_slots;
	nd->free_slots = sl;
}

static inline void *cookie_of(const struct sim_slot *sl)
{
	return (void *)(uintptr_t)(sl->id + 1);
}

void sim_traffic_fini(struct sim_node *nd)
{
	uint32_t i;

	for (i = 0; i < nd->n_slots; i++) {
		free(nd->slots[i]->buf);
		free(nd->slots[i]);
	}
	free(nd->slots);
	nd->slots = NULL;
	nd->n_slots = nd->cap_slots = 0;
	nd->free_slots = NULL;
	nd->ready = NULL;
}

static int note_queued(struct sim *s, struct sim_node *nd, uint32_t index);

/* Is message `key` sent zero-copy? (--zc: a fraction, fixed per message) */
static bool zero_copy(const struct sim *s, uint64_t key)
{
	uint64_t h;

	if (s->o.zc <= 0.0)
		return false;
	if (s->o.zc >= 1.0)
		return true;
	h = sim_mix64(key ^ 0x7a637a637a637a63ull);
	return (double)(h >> 11) * 0x1.0p-53 < s->o.zc;
}

/* Fill a slot with message nd->next_index; NULL when the node must wait. */
static struct sim_slot *prepare(struct sim *s, struct sim_node *nd)
{
	struct sim_slot *sl;
	uint64_t key = sim_payload_key(&s->pl, nd->id, nd->next_index);
	uint32_t len = sim_payload_len(&s->pl, key);

	if (nd->out_n > 0 && nd->out_bytes + len > SIM_OUT_BYTES_MAX)
		return NULL;
	sl = slot_get(nd, len);
	if (sl == NULL) {
		sim_check_fail(&s->chk, "simulator out of memory");
		return NULL;
	}
	sim_payload_fill(key, sl->buf, len);
	sl->len = len;
	sl->index = nd->next_index;
	sl->g = sim_payload_guarantee(&s->pl, key);
	return sl;
}

/* The engine refused sl's message: the checker holds it to the limit. */
static int refuse(struct sim *s, struct sim_node *nd, const struct sim_slot *sl)
{
	uint32_t lim = rc_totem_ring_msg_limit(nd->t);

	if (nd->send_max < lim)
		lim = nd->send_max;
	nd->refused++;
	if (s->o.verbose)
		sim_trace(s, "node %u refused %u/%" PRIu64 " len %u (limit %u)",
			  nd->id, nd->id, sl->index, sl->len, lim);
	return sim_check_refused(&s->chk, nd->id, (uint32_t)sl->index, sl->len, lim);
}

void sim_traffic_pump(struct sim *s, struct sim_node *nd)
{
	/* (a node that is down is never pumped: run.c) */
	struct sim_slot *sl;
	uint64_t limit = s->o.messages, due;
	int ret;

	if (s->interval_ns) {
		due = s->now / s->interval_ns + 1;
		if (due < limit)
			limit = due;
	}
	while (nd->next_index < limit && !s->chk.violated) {
		sl = nd->ready;
		if (sl == NULL) {
			sl = prepare(s, nd);
			if (sl == NULL)
				break;
		}
		/* lent before the call: the engine may deliver or release it inside */
		nd->ready = NULL;
		sl->out = true;
		nd->out_n++;
		nd->out_bytes += sl->len;
		if (zero_copy(s, sim_payload_key(&s->pl, nd->id, sl->index)))
			ret = rc_totem_mcast_zc(nd->t, sl->buf, sl->len, sl->g,
						cookie_of(sl), s->now);
		else
			ret = rc_totem_mcast(nd->t, sl->buf, sl->len, sl->g,
					     cookie_of(sl), s->now);
		if (ret == 0) {
			/* run.c matches these, in queue order, to the frames that
			   end each message */
			if (note_queued(s, nd, (uint32_t)sl->index) < 0)
				return;
			if (s->o.verbose)
				sim_trace(s, "node %u mcast %u/%" PRIu64 " len %u%s",
					  nd->id, nd->id, sl->index, sl->len,
					  sl->g == RC_GUARANTEE_SAFE ? " SAFE" : "");
			nd->next_index++;
			continue;
		}
		sl->out = false;
		nd->out_n--;
		nd->out_bytes -= sl->len;
		if (ret == -EMSGSIZE) {
			/* above the ring's limit (or its own): never framed */
			if (refuse(s, nd, sl) < 0)
				return;
			slot_put(nd, sl);
			nd->next_index++;
			continue;
		}
		nd->ready = sl;
		if (ret == -EAGAIN) {
			nd->eagain++;
			break;
		}
		sim_check_fail(&s->chk,
			"rc_totem_mcast: node %u message %u/%" PRIu64 " (%u bytes, %s) returned %d",
			nd->id, nd->id, sl->index, sl->len,
			sl->g == RC_GUARANTEE_SAFE ? "SAFE" : "AGREED", ret);
		return;
	}
	/* rate mode: wake up when the next message is due */
	if (s->interval_ns && nd->next_index < s->o.messages &&
	    nd->next_index == limit && !nd->traffic_ev) {
		nd->traffic_ev = true;
		sim_push(s, nd->next_index * s->interval_ns, SIM_EV_TRAFFIC,
			 nd->idx, 0, NULL);
	}
}

void sim_traffic_sent(struct sim *s, struct sim_node *nd, void *cookie)
{
	uintptr_t id = (uintptr_t)cookie;
	struct sim_slot *sl;

	sl = id >= 1 && id <= nd->n_slots ? nd->slots[id - 1] : NULL;
	if (sl == NULL || !sl->out) {
		sim_check_fail(&s->chk,
			"ops.sent: node %u released a buffer it does not hold (cookie %p)",
			nd->id, cookie);
		return;
	}
	sl->out = false;
	nd->out_n--;
	nd->out_bytes -= sl->len;
	if (!s->o.quick_check)
		memset(sl->buf, POISON, sl->len);
	slot_put(nd, sl);
	s->total_sent++;
}

/* Queued under an older ring's larger limit, refused before its first
   frame: it will end no frame (node.c skips its queue entry). */
void sim_traffic_refused(struct sim *s, struct sim_node *nd, void *cookie)
{
	uintptr_t id = (uintptr_t)cookie;
	struct sim_slot *sl;
	uint32_t i;

	sl = id >= 1 && id <= nd->n_slots ? nd->slots[id - 1] : NULL;
	if (sl == NULL || !sl->out) {
		sim_check_fail(&s->chk,
			"ops.refused: node %u refused a buffer it does not hold (cookie %p)",
			nd->id, cookie);
		return;
	}
	for (i = nd->sent_head; i != nd->sent_tail; i++)
		if (nd->sent_idx[i & (nd->sent_cap - 1)] == (uint32_t)sl->index)
			break;
	if (i == nd->sent_tail) {
		sim_check_fail(&s->chk, "ops.refused: node %u refused %u/%" PRIu64
			       ", which is not queued", nd->id, nd->id, sl->index);
		return;
	}
	nd->sent_idx[i & (nd->sent_cap - 1)] = SIM_IDX_REFUSED;
	if (refuse(s, nd, sl) < 0)
		return;
	sim_traffic_sent(s, nd, cookie);
	s->total_sent--;	/* handed back, not sent */
}

static int note_queued(struct sim *s, struct sim_node *nd, uint32_t index)
{
	if (nd->sent_tail - nd->sent_head == nd->sent_cap) {
		uint32_t cap = 2 * nd->sent_cap, i, *p = malloc(cap * sizeof(*p));

		if (p == NULL) {
			sim_check_fail(&s->chk, "simulator out of memory");
			return -1;
		}
		for (i = 0; i < nd->sent_cap; i++)
			p[i] = nd->sent_idx[(nd->sent_head + i) & (nd->sent_cap - 1)];
		free(nd->sent_idx);
		nd->sent_idx = p;
		nd->sent_head = 0;
		nd->sent_tail = nd->sent_cap;
		nd->sent_cap = cap;
	}
	nd->sent_idx[nd->sent_tail++ & (nd->sent_cap - 1)] = index;
	return 0;
}

void sim_traffic_reclaim(struct sim *s, struct sim_node *nd)
{
	uint32_t i;

	for (i = 0; i < nd->n_slots; i++) {
		struct sim_slot *sl = nd->slots[i];

		if (!sl->out)
			continue;
		sl->out = false;
		if (!s->o.quick_check)
			memset(sl->buf, POISON, sl->len);
		slot_put(nd, sl);
	}
	nd->out_n = 0;
	nd->out_bytes = 0;
}

bool sim_traffic_drained(const struct sim *s, const struct sim_node *nd)
{
	return !nd->sender || (nd->next_index == s->o.messages && nd->out_n == 0);
}
