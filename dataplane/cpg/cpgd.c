/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPG groups on one node, the client side: slots, the JOIN/LEAVE/PROCDOWN/
 * SYNC messages they cause and those messages' buffers. A (name, pid) has at
 * most one JOIN and one LEAVE or PROCDOWN of this node in flight at a time,
 * so each of our messages that comes back names one slot, or none.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpgd_int.h"

/* ---- helpers ---- */

bool rc_cpgd_name_eq(const struct cpg_name *a, const void *name, uint32_t len)
{
	return a->length == len && !memcmp(a->value, name, len);
}

static void name_set(struct cpg_name *dst, const struct cpg_name *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->length = src->length;
	memcpy(dst->value, src->value, src->length);
}

static void hdr_put(uint8_t *p, uint8_t type, const struct cpg_name *name, uint32_t pid)
{
	struct rc_cpg_hdr h = {
		.magic = RC_CPG_MAGIC,
		.type = type,
		.name_len = htole16(name ? (uint16_t)name->length : 0),
		.pid = htole32(pid),
	};

	memcpy(p, &h, sizeof(h));
	if (name)
		memcpy(p + sizeof(h), name->value, name->length);
}

/* The one place an errno becomes a cs_error_t. */
static cs_error_t cs_of(int ret)
{
	switch (ret) {
	case 0:
		return CS_OK;
	case -EAGAIN:
	case -EBUSY:
		return CS_ERR_TRY_AGAIN;
	case -ENOMEM:
		return CS_ERR_NO_MEMORY;
	case -EMSGSIZE:
		return CS_ERR_TOO_BIG;
	default:
		return CS_ERR_LIBRARY;
	}
}

static struct rc_cpgd_slot *slot_get(struct rc_cpgd *c, uint32_t slot)
{
	if (slot >= c->max_slots || !c->slots[slot].attached)
		return NULL;
	return &c->slots[slot];
}

/* ---- messages we send ---- */

static struct rc_cpgd_out *out_alloc(uint8_t type, const struct cpg_name *name,
				     uint32_t pid, size_t body)
{
	size_t hl = RC_CPG_HDR_LEN(name ? name->length : 0);
	struct rc_cpgd_out *o = calloc(1, sizeof(*o) + hl + body);

	if (!o)
		return NULL;
	o->type = type;
	o->slot = RC_CPGD_NO_SLOT;
	o->len = hl + body;
	hdr_put(o->buf, type, name, pid);
	return o;
}

static void out_link(struct rc_cpgd *c, struct rc_cpgd_out *o)
{
	o->next = &c->out;
	o->prev = c->out.prev;
	c->out.prev->next = o;
	c->out.prev = o;
}

static void out_free(struct rc_cpgd_out *o)
{
	o->prev->next = o->next;
	o->next->prev = o->prev;
	free(o);
}

static int out_queue(struct rc_cpgd *c, struct rc_cpgd_out *o, bool first)
{
	int ret = c->ops.mcast(c->priv, o->buf, o->len, first, o);

	if (ret == 0)
		o->queued = true;
	return ret > 0 ? -EIO : ret;
}

/* Link and queue; on failure the message is gone. */
static int out_send(struct rc_cpgd *c, struct rc_cpgd_out *o, bool first)
{
	int ret;

	out_link(c, o);
	ret = out_queue(c, o, first);
	if (ret < 0)
		out_free(o);
	return ret;
}

/* Freed once the engine is done with it and, but for SYNC, it came back. */
static void out_maybe_free(struct rc_cpgd_out *o)
{
	if (o->sent && (o->delivered || o->type == RC_CPG_SYNC))
		out_free(o);
}

static bool out_is(const struct rc_cpgd_out *o, uint8_t type, const void *name,
		   uint32_t len, uint32_t pid)
{
	struct rc_cpg_hdr h;

	memcpy(&h, o->buf, sizeof(h));
	return o->type == type && le16toh(h.name_len) == len && le32toh(h.pid) == pid &&
	       !memcmp(o->buf + sizeof(h), name, len);
}

bool rc_cpgd_out_delivered(struct rc_cpgd *c, uint8_t type, const void *name,
			   uint32_t len, uint32_t pid, uint32_t *slot)
{
	struct rc_cpgd_out *o;

	*slot = RC_CPGD_NO_SLOT;
	for (o = c->out.next; o != &c->out; o = o->next) {
		if (!o->queued || o->delivered || !out_is(o, type, name, len, pid))
			continue;
		*slot = o->slot;
		o->delivered = true;
		out_maybe_free(o);
		return true;
	}
	return false;
}

/* A LEAVE or PROCDOWN of (name, pid) not yet come back (or not yet queued). */
static bool removal_in_flight(const struct rc_cpgd *c, const struct cpg_name *name,
			      uint32_t pid)
{
	const struct rc_cpgd_out *o;

	for (o = c->out.next; o != &c->out; o = o->next)
		if (!o->delivered &&
		    (out_is(o, RC_CPG_LEAVE, name->value, name->length, pid) ||
		     out_is(o, RC_CPG_PROCDOWN, name->value, name->length, pid)))
			return true;
	return false;
}

/* Our queued control messages not yet delivered back. */
static bool control_in_flight(const struct rc_cpgd *c)
{
	const struct rc_cpgd_out *o;

	for (o = c->out.next; o != &c->out; o = o->next)
		if (o->type != RC_CPG_SYNC && o->queued && !o->delivered)
			return true;
	return false;
}

void rc_cpgd_sent(struct rc_cpgd *c, void *cookie)
{
	struct rc_cpgd_out *o;

	for (o = c->out.next; o != &c->out; o = o->next) {
		if (o == cookie) {
			o->sent = true;
			out_maybe_free(o);
			break;
		}
	}
	if (c->retry)
		rc_cpgd_flush(c);
}

/* ---- SYNC ---- */

/*
 * Our processes in the table, as the stream has left them: every (me, pid)
 * entry, sorted by (name, pid) as the table keeps them. Not the attached
 * slots: a client that went away is still a member until the PROCDOWN (or
 * LEAVE) queued behind its last messages is ordered; a SYNC without it,
 * sent ahead of those, would remove it first and its messages would come
 * after its leave confchg. An entry whose slot is gone with no removal in
 * flight (the PROCDOWN could not be allocated) is left out: the SYNC is
 * what removes it then.
 */
static int sync_build(struct rc_cpgd *c, struct rc_cpgd_out **out)
{
	const struct rc_cpgd_table *t = &c->table;
	struct rc_cpgd_out *o = NULL;
	struct rc_cpg_sync sh;
	uint32_t k = 0;
	size_t body = sizeof(sh), off;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			o = out_alloc(RC_CPG_SYNC, NULL, 0, body);
			if (!o)
				return -ENOMEM;
			sh = (struct rc_cpg_sync){
				.ring_seq = htole64(c->ring.seq),
				.ring_rep = htole32(c->ring.rep),
				.count = htole32(k),
			};
			off = RC_CPG_HDR_LEN(0);
			memcpy(o->buf + off, &sh, sizeof(sh));
			off += sizeof(sh);
		}
		for (uint32_t i = 0; i < t->n_groups; i++) {
			const struct rc_cpgd_group *g = t->sorted[i];

			for (uint32_t j = 0; j < g->n; j++) {
				const struct rc_cpgd_member *m = &g->m[j];
				struct rc_cpg_sync_ent e;

				if (m->nodeid != c->me ||
				    (m->slot == RC_CPGD_NO_SLOT &&
				     !removal_in_flight(c, &g->name, m->pid)))
					continue;
				if (pass == 0) {
					k++;
					body += sizeof(e) + g->name.length;
					continue;
				}
				e = (struct rc_cpg_sync_ent){
					.pid = htole32(m->pid),
					.name_len = htole16((uint16_t)g->name.length),
				};
				memcpy(o->buf + off, &e, sizeof(e));
				off += sizeof(e);
				memcpy(o->buf + off, g->name.value, g->name.length);
				off += g->name.length;
			}
		}
	}
	*out = o;
	return 0;
}

void rc_cpgd_sync_send(struct rc_cpgd *c)
{
	struct rc_cpgd_out *o;

	c->sync_unsent = true;
	if (sync_build(c, &o) < 0 || out_send(c, o, true) < 0) {
		c->retry = true;
		return;
	}
	c->sync_unsent = false;
}

bool rc_cpgd_sync_pending(const struct rc_cpgd *c)
{
	return c->sync_unsent;
}

/*
 * A SYNC lists the table as delivered so far, so it is only correct ahead
 * of every control message of ours not yet delivered: a late one waits
 * until none is in flight.
 */
void rc_cpgd_flush(struct rc_cpgd *c)
{
	struct rc_cpgd_out *o;

	c->retry = false;
	for (o = c->out.next; o != &c->out; o = o->next) {
		if (o->queued)
			continue;
		if (out_queue(c, o, false) < 0) {
			c->retry = true;
			return;
		}
	}
	if (!c->sync_unsent)
		return;
	if (control_in_flight(c))
		c->retry = true;
	else
		rc_cpgd_sync_send(c);
}

/* ---- create / destroy ---- */

int rc_cpgd_create(uint32_t nodeid, uint32_t max_slots, const struct rc_cpgd_ops *ops,
		   void *priv, struct rc_cpgd **out)
{
	struct rc_cpgd *c;
	size_t sc = RC_CPGD_MAX_MEMBERS * sizeof(struct cpg_address);
	int ret = -ENOMEM;

	if (!ops || !ops->mcast || !out || max_slots == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->me = nodeid;
	c->max_slots = max_slots;
	c->ops = *ops;
	c->priv = priv;
	c->out.next = c->out.prev = &c->out;
	c->slots = calloc(max_slots, sizeof(*c->slots));
	c->sc_members = malloc(sc);
	c->sc_left = malloc(sc);
	c->sc_joined = malloc(sc);
	if (!c->slots || !c->sc_members || !c->sc_left || !c->sc_joined)
		goto free_c;
	ret = rc_cpgd_table_init(&c->table);
	if (ret < 0)
		goto free_c;
	*out = c;
	return 0;
free_c:
	free(c->slots);
	free(c->sc_members);
	free(c->sc_left);
	free(c->sc_joined);
	free(c);
out:
	return ret;
}

void rc_cpgd_destroy(struct rc_cpgd *c)
{
	if (!c)
		return;
	while (c->out.next != &c->out)
		out_free(c->out.next);
	rc_cpgd_table_fini(&c->table);
	free(c->slots);
	free(c->sc_members);
	free(c->sc_left);
	free(c->sc_joined);
	free(c);
}

/* ---- local clients ---- */

int rc_cpgd_attach(struct rc_cpgd *c, uint32_t slot, uint32_t pid)
{
	struct rc_cpgd_slot *s;

	if (slot >= c->max_slots)
		return -EINVAL;
	s = &c->slots[slot];
	if (s->attached)
		return -EBUSY;
	memset(s, 0, sizeof(*s));
	s->attached = true;
	s->pid = pid;
	if (c->synced_all && c->ops.totem)
		c->ops.totem(c->priv, slot, &c->ring, c->ring_members, c->n_ring);
	return 0;
}

cs_error_t rc_cpgd_join(struct rc_cpgd *c, uint32_t slot, const struct cpg_name *name)
{
	struct rc_cpgd_slot *s = slot_get(c, slot);
	struct rc_cpgd_out *o;
	int ret;

	if (!s)
		return CS_ERR_BAD_HANDLE;
	if (!name)
		return CS_ERR_INVALID_PARAM;
	if (name->length > RC_CPG_NAME_MAX)
		return CS_ERR_NAME_TOO_LONG;
	if (s->state == RC_SLOT_JOINING || s->state == RC_SLOT_JOINED)
		return CS_ERR_EXIST;
	if (s->state == RC_SLOT_LEAVING)
		return CS_ERR_TRY_AGAIN;
	for (uint32_t i = 0; i < c->max_slots; i++) {
		const struct rc_cpgd_slot *t = &c->slots[i];

		if (t->attached && t->pid == s->pid &&
		    (t->state == RC_SLOT_JOINING || t->state == RC_SLOT_JOINED) &&
		    rc_cpgd_name_eq(&t->name, name->value, name->length))
			return CS_ERR_EXIST;
	}
	if (removal_in_flight(c, name, s->pid))
		return CS_ERR_TRY_AGAIN;
	o = out_alloc(RC_CPG_JOIN, name, s->pid, 0);
	if (!o)
		return CS_ERR_NO_MEMORY;
	ret = out_send(c, o, false);
	if (ret < 0)
		return cs_of(ret);
	name_set(&s->name, name);
	s->state = RC_SLOT_JOINING;
	s->in_table = false;
	return CS_OK;
}

bool rc_cpgd_slot_in(const struct rc_cpgd *c, uint32_t slot, const struct cpg_name *name)
{
	const struct rc_cpgd_slot *s = slot < c->max_slots && c->slots[slot].attached ?
				       &c->slots[slot] : NULL;

	return s && name && (s->state == RC_SLOT_JOINING || s->state == RC_SLOT_JOINED) &&
	       rc_cpgd_name_eq(&s->name, name->value, name->length);
}

cs_error_t rc_cpgd_leave(struct rc_cpgd *c, uint32_t slot, const struct cpg_name *name)
{
	struct rc_cpgd_slot *s = slot_get(c, slot);
	struct rc_cpgd_out *o;
	int ret;

	if (!s)
		return CS_ERR_BAD_HANDLE;
	if (!name || (s->state != RC_SLOT_JOINING && s->state != RC_SLOT_JOINED) ||
	    !rc_cpgd_name_eq(&s->name, name->value, name->length))
		return CS_ERR_NOT_EXIST;
	o = out_alloc(RC_CPG_LEAVE, &s->name, s->pid, 0);
	if (!o)
		return CS_ERR_NO_MEMORY;
	o->slot = slot;
	ret = out_send(c, o, false);
	if (ret < 0)
		return cs_of(ret);
	s->state = RC_SLOT_LEAVING;
	return CS_OK;
}

/* The member of slot stays in the table, linked to no slot. */
static void slot_unlink(struct rc_cpgd *c, uint32_t slot)
{
	struct rc_cpgd_slot *s = &c->slots[slot];
	struct rc_cpgd_group *g;
	int i;

	if (!s->in_table)
		return;
	g = rc_cpgd_group_find(&c->table, s->name.value, s->name.length);
	i = g ? rc_cpgd_group_index(g, c->me, s->pid) : -1;
	if (i >= 0 && g->m[i].slot == slot)
		rc_cpgd_group_unlink(g, (uint32_t)i);
}

void rc_cpgd_detach(struct rc_cpgd *c, uint32_t slot)
{
	struct rc_cpgd_slot *s = slot_get(c, slot);
	struct rc_cpgd_out *o;

	if (!s)
		return;
	slot_unlink(c, slot);
	switch (s->state) {
	case RC_SLOT_JOINING:
	case RC_SLOT_JOINED:
		o = out_alloc(RC_CPG_PROCDOWN, &s->name, s->pid, 0);
		if (!o)
			break;	/* the next ring's SYNC drops the process */
		out_link(c, o);
		if (out_queue(c, o, false) < 0)
			c->retry = true;
		break;
	case RC_SLOT_LEAVING:
		for (o = c->out.next; o != &c->out; o = o->next)
			if (o->slot == slot)
				o->slot = RC_CPGD_NO_SLOT;
		break;
	default:
		break;
	}
	memset(s, 0, sizeof(*s));
}

uint32_t rc_cpgd_slot_joining(const struct rc_cpgd *c, const void *name, uint32_t len,
			      uint32_t pid)
{
	for (uint32_t i = 0; i < c->max_slots; i++) {
		const struct rc_cpgd_slot *s = &c->slots[i];

		if (s->attached && !s->in_table && s->pid == pid &&
		    (s->state == RC_SLOT_JOINING || s->state == RC_SLOT_LEAVING) &&
		    rc_cpgd_name_eq(&s->name, name, len))
			return i;
	}
	return RC_CPGD_NO_SLOT;
}

void rc_cpgd_slot_gone(struct rc_cpgd *c, uint32_t slot)
{
	struct rc_cpgd_slot *s;

	if (slot >= c->max_slots)
		return;
	s = &c->slots[slot];
	s->in_table = false;
	s->state = RC_SLOT_NONE;
}

static size_t slot_hdr(struct rc_cpgd *c, uint32_t slot, uint8_t type, void *room,
		       size_t room_len)
{
	struct rc_cpgd_slot *s = slot_get(c, slot);
	size_t hl;

	if (!s || (s->state != RC_SLOT_JOINING && s->state != RC_SLOT_JOINED))
		return 0;
	hl = RC_CPG_HDR_LEN(s->name.length);
	if (!room || room_len < hl)
		return 0;
	hdr_put((uint8_t *)room + room_len - hl, type, &s->name, s->pid);
	return hl;
}

size_t rc_cpgd_mcast_hdr(struct rc_cpgd *c, uint32_t slot, void *room, size_t room_len)
{
	return slot_hdr(c, slot, RC_CPG_MCAST, room, room_len);
}

size_t rc_cpgd_batch_hdr(struct rc_cpgd *c, uint32_t slot, void *room, size_t room_len)
{
	return slot_hdr(c, slot, RC_CPG_MCAST_BATCH, room, room_len);
}

bool rc_cpgd_batch_add(uint8_t *body, size_t *body_len, size_t cap, const void *msg,
		       uint32_t len)
{
	uint32_t le = htole32(len);

	if (*body_len > cap || cap - *body_len < RC_CPG_BATCH_REC ||
	    cap - *body_len - RC_CPG_BATCH_REC < len)
		return false;
	memcpy(body + *body_len, &le, sizeof(le));
	if (len)
		memcpy(body + *body_len + RC_CPG_BATCH_REC, msg, len);
	*body_len += RC_CPG_BATCH_REC + len;
	return true;
}

bool rc_cpgd_batch_next(const uint8_t **p, size_t *left, const uint8_t **msg, uint32_t *len)
{
	uint32_t rec;

	if (*left < RC_CPG_BATCH_REC)
		return false;
	memcpy(&rec, *p, sizeof(rec));
	rec = le32toh(rec);
	if (rec > *left - RC_CPG_BATCH_REC)
		return false;
	*msg = *p + RC_CPG_BATCH_REC;
	*len = rec;
	*p += RC_CPG_BATCH_REC + rec;
	*left -= RC_CPG_BATCH_REC + rec;
	return true;
}

uint32_t rc_cpgd_batch_count(const uint8_t *body, size_t len)
{
	const uint8_t *msg;
	uint32_t n = 0, rec;

	while (len)
		if (!rc_cpgd_batch_next(&body, &len, &msg, &rec) || ++n > RC_CPG_BATCH_MAX)
			return 0;
	return n;
}

void rc_cpgd_stats_get(const struct rc_cpgd *c, struct rc_cpgd_stats *st)
{
	*st = c->st;
	st->groups = c->table.n_groups;
	st->processes = c->table.processes;
}
