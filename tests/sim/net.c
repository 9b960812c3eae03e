/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The network: one copy of each frame in a pooled, reference-counted buffer,
 * one arrival event per destination. Per-sender serialization at the link
 * bandwidth, then latency + jitter; links are FIFO except for frames picked
 * for reordering. Partitions, asymmetric loss and token storms decide at
 * send time; a crashed node drops what arrives for it (run.c). Loss,
 * duplication and reordering apply only while faults are on, and every
 * random choice comes from the run's one PRNG.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/wire.h>

#include "sim.h"

struct sim_buf {
	struct sim_buf *next;		/* free list */
	uint32_t refs;			/* arrival events still holding it */
	uint32_t len;
	uint8_t data[] __attribute__((aligned(16)));
};

const uint8_t *sim_buf_data(const struct sim_buf *b, uint32_t *len)
{
	*len = b->len;
	return b->data;
}

static struct sim_buf *buf_get(struct sim *s)
{
	struct sim_buf *b = s->buf_free;

	if (b != NULL) {
		s->buf_free = b->next;
		return b;
	}
	return malloc(sizeof(*b) + s->buf_size);
}

void sim_buf_put(struct sim *s, struct sim_buf *b)
{
	if (b->refs > 1) {
		b->refs--;
		return;
	}
	b->refs = 0;
	b->next = s->buf_free;
	s->buf_free = b;
}

void sim_net_fini(struct sim *s)
{
	struct sim_buf *b;

	while ((b = s->buf_free) != NULL) {
		s->buf_free = b->next;
		free(b);
	}
}

bool sim_net_reaches(const struct sim *s, uint32_t from_idx, uint32_t to_idx)
{
	return s->node[from_idx].group == s->node[to_idx].group;
}

/* Partitions, asymmetric loss and token storms: true if the frame is cut. */
static bool cut(struct sim *s, struct sim_node *from, uint32_t d,
		const struct sim_buf *b)
{
	const char *why = NULL;

	if (!sim_net_reaches(s, from->idx, d))
		why = "partitioned";
	else if (s->asym[from->idx][d] > 0 &&
		 sim_rng_chance(&s->rng, s->asym[from->idx][d]))
		why = "asymmetric loss";
	else if (s->storm > 0 && b->data[5] == RC_FT_TOKEN &&
		 sim_rng_chance(&s->rng, s->storm))
		why = "token storm";
	if (why == NULL)
		return false;
	s->cut++;
	sim_pair_break(s, from->idx, d);
	if (s->o.verbose > 1)
		sim_trace(s, "net: %u -> %u cut: %s", from->id, d + 1, why);
	return true;
}

/* Queue one arrival of b at node d, or lose it. */
static void arrive(struct sim *s, struct sim_node *from, uint32_t d,
		   struct sim_buf *b, uint64_t depart)
{
	struct sim_rng *r = &s->rng;
	uint64_t t;
	int copies = 1, i;

	/* a link of a smaller MTU: the frame never arrives (not a fault: as
	   a real NIC or switch port drops it) */
	if (b->len > s->node[d].mtu) {
		s->too_big++;
		if (s->o.verbose > 1)
			sim_trace(s, "net: %u -> %u: %u-byte frame, larger than its netmtu %u",
				  from->id, d + 1, b->len, s->node[d].mtu);
		return;
	}
	if (s->faults && cut(s, from, d, b))
		return;
	if (s->faults && sim_rng_chance(r, s->o.loss)) {
		s->lost++;
		sim_pair_break(s, from->idx, d);
		if (s->o.verbose > 1)
			sim_trace(s, "net: %u -> %u lost", from->id, d + 1);
		return;
	}
	if (s->faults && sim_rng_chance(r, s->o.dup)) {
		s->duplicated++;
		copies = 2;
	}
	for (i = 0; i < copies; i++) {
		t = depart + s->o.latency_ns;
		if (s->o.jitter_ns)
			t += sim_rng_below(r, s->o.jitter_ns + 1);
		if (s->faults && sim_rng_chance(r, s->o.reorder)) {
			/* late, and not holding back the frames behind it */
			t += 1 + sim_rng_below(r, s->o.reorder_delay_ns);
			s->reordered++;
		} else {
			if (t < from->link_last[d])
				t = from->link_last[d];
			from->link_last[d] = t;
		}
		if (sim_push(s, t, SIM_EV_FRAME, (uint16_t)d, 0, b) < 0)
			return;
		b->refs++;
	}
}

void sim_net_send(struct sim *s, struct sim_node *from, uint32_t dst,
		  const void *frame, size_t len)
{
	struct sim_buf *b;
	uint64_t start, depart;
	uint32_t d, n = s->o.nodes;

	if (len > s->frame_max || len == 0) {
		sim_check_fail(&s->chk,
			"frame size: node %u sent a %zu-byte frame to %u (netmtu %u)",
			from->id, len, dst, s->cfg.srp.netmtu);
		return;
	}
	if (dst > n || dst == from->id) {
		sim_check_fail(&s->chk,
			"destination: node %u sent a frame to node %u (nodes 1..%u)",
			from->id, dst, n);
		return;
	}
	b = buf_get(s);
	if (b == NULL) {
		sim_check_fail(&s->chk, "simulator out of memory");
		return;
	}
	memcpy(b->data, frame, len);
	b->len = (uint32_t)len;
	b->refs = 0;
	s->frames++;

	/* the sender's frames leave one after another */
	start = (uint64_t)s->now * 1000;
	if (start < from->tx_free_ps)
		start = from->tx_free_ps;
	from->tx_free_ps = start + len * s->ps_per_byte;
	depart = (from->tx_free_ps + 999) / 1000;

	if (s->o.verbose > 1) {
		char desc[128];

		sim_frame_describe(frame, len, desc, sizeof(desc));
		sim_trace(s, "node %u send to %u: %s", from->id, dst, desc);
	}
	if (dst != 0) {
		arrive(s, from, dst - 1, b, depart);
	} else {
		for (d = 0; d < n; d++)
			if (d != from->idx)
				arrive(s, from, d, b, depart);
	}
	if (b->refs == 0) {
		b->refs = 1;
		sim_buf_put(s, b);
	}
}

void sim_frame_describe(const void *frame, size_t len, char *out, size_t n)
{
	struct rc_wire_hdr h;
	struct rc_wire_mcast m;
	struct rc_wire_token t;

	if (len < sizeof(h)) {
		snprintf(out, n, "runt %zu bytes", len);
		return;
	}
	memcpy(&h, frame, sizeof(h));
	if (h.type == RC_FT_MCAST && len >= sizeof(h) + sizeof(m)) {
		memcpy(&m, (const uint8_t *)frame + sizeof(h), sizeof(m));
		snprintf(out, n, "MCAST from %u ring (%u, %" PRIu64 ") seq %u chunks %u len %zu",
			 h.sender, h.ring_rep, h.ring_seq, m.seq, m.nchunks, len);
	} else if (h.type == RC_FT_TOKEN && len >= sizeof(h) + sizeof(t)) {
		memcpy(&t, (const uint8_t *)frame + sizeof(h), sizeof(t));
		snprintf(out, n,
			 "TOKEN from %u ring (%u, %" PRIu64 ") token_seq %u seq %u aru %u fcc %u backlog %u rtr %u%s",
			 h.sender, h.ring_rep, h.ring_seq, t.token_seq, t.seq, t.aru, t.fcc, t.backlog,
			 t.rtr_count, (t.flags & RC_TF_IDLE) ? " idle" : "");
	} else if (h.type == RC_FT_WAKE) {
		snprintf(out, n, "WAKE from %u", h.sender);
	} else if (h.type == RC_FT_JOIN && len >= sizeof(h) + sizeof(struct rc_wire_join)) {
		struct rc_wire_join j;

		memcpy(&j, (const uint8_t *)frame + sizeof(h), sizeof(j));
		snprintf(out, n, "JOIN from %u ring (%u, %" PRIu64 ") ring_seq %" PRIu64 " proc %u failed %u",
			 h.sender, h.ring_rep, h.ring_seq, j.ring_seq, j.n_proc,
			 j.n_failed);
	} else if (h.type == RC_FT_COMMIT && len >= sizeof(h) + sizeof(struct rc_wire_commit)) {
		struct rc_wire_commit c;

		memcpy(&c, (const uint8_t *)frame + sizeof(h), sizeof(c));
		snprintf(out, n, "COMMIT from %u ring (%u, %" PRIu64 ") hop %u members %u filled 0x%x",
			 h.sender, h.ring_rep, h.ring_seq, c.hop, c.n_memb, c.filled);
	} else if (h.type == RC_FT_MERGE) {
		snprintf(out, n, "MERGE from %u ring (%u, %" PRIu64 ")", h.sender,
			 h.ring_rep, h.ring_seq);
	} else {
		snprintf(out, n, "type %u from %u len %zu", h.type, h.sender,
			 len);
	}
}
