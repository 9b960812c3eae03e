/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPG groups on one node, the stream side: each delivered CPG message and
 * each configuration change, applied to the group table in stream order and
 * reported to local slots. A bad message changes nothing; every node applies
 * the same stream to an equal table and computes the same lists.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpgd_int.h"

struct msg {
	uint8_t type;
	uint16_t name_len;
	uint32_t pid;
	const uint8_t *name;
	const uint8_t *body;
	size_t body_len;
	uint32_t count;		/* MCAST_BATCH: its messages */
};

struct sync_ent {
	const uint8_t *name;
	uint16_t name_len;
	uint32_t pid;
};

static int parse(const void *buf, size_t len, struct msg *m)
{
	struct rc_cpg_hdr h;

	if (!buf || len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	m->type = h.type;
	m->name_len = le16toh(h.name_len);
	m->pid = le32toh(h.pid);
	if (h.magic != RC_CPG_MAGIC || h.type < RC_CPG_MCAST || h.type >= RC_CPG_TYPE_MAX_ ||
	    m->name_len > RC_CPG_NAME_MAX || len < RC_CPG_HDR_LEN(m->name_len))
		return -EBADMSG;
	m->name = (const uint8_t *)buf + sizeof(h);
	m->body = m->name + m->name_len;
	m->body_len = len - RC_CPG_HDR_LEN(m->name_len);
	switch (m->type) {
	case RC_CPG_JOIN:
	case RC_CPG_LEAVE:
	case RC_CPG_PROCDOWN:
		return m->body_len ? -EBADMSG : 0;
	case RC_CPG_SYNC:
		return m->name_len || m->pid ? -EBADMSG : 0;
	case RC_CPG_MCAST_BATCH:
		m->count = rc_cpgd_batch_count(m->body, m->body_len);
		return m->count ? 0 : -EBADMSG;
	default:
		return 0;
	}
}

/* Confchg of g (before it is put) to its local members, and extra if set. */
static void notify(struct rc_cpgd *c, const struct rc_cpgd_group *g, uint32_t extra,
		   size_t n_left, size_t n_joined)
{
	uint32_t i = 0, slot;

	if (!c->ops.confchg)
		return;
	for (uint32_t j = 0; j < g->n; j++)
		c->sc_members[j] = (struct cpg_address){ g->m[j].nodeid, g->m[j].pid,
							 CPG_REASON_UNDEFINED };
	for (;;) {
		if (i < g->n_local && (extra == RC_CPGD_NO_SLOT || g->local[i] < extra)) {
			slot = g->local[i++];
		} else if (extra != RC_CPGD_NO_SLOT) {
			slot = extra;
			extra = RC_CPGD_NO_SLOT;
			if (i < g->n_local && g->local[i] == slot)
				i++;
		} else {
			break;
		}
		c->ops.confchg(c->priv, slot, &g->name, c->sc_members, g->n,
			       c->sc_left, n_left, c->sc_joined, n_joined);
	}
}

/* ---- JOIN, LEAVE, PROCDOWN, MCAST ---- */

static void apply_join(struct rc_cpgd *c, uint32_t sender, const struct msg *m)
{
	struct rc_cpgd_group *g = rc_cpgd_group_find(&c->table, m->name, m->name_len);
	uint32_t slot = RC_CPGD_NO_SLOT, unused;
	int ret;

	if (sender == c->me)
		rc_cpgd_out_delivered(c, RC_CPG_JOIN, m->name, m->name_len, m->pid, &unused);
	if (g && rc_cpgd_group_index(g, sender, m->pid) >= 0)
		return;		/* a duplicate */
	if (sender == c->me)
		slot = rc_cpgd_slot_joining(c, m->name, m->name_len, m->pid);
	ret = rc_cpgd_group_get(&c->table, m->name, m->name_len, &g);
	if (ret == 0) {
		ret = rc_cpgd_group_add(&c->table, g, sender, m->pid, slot);
		if (ret < 0)
			rc_cpgd_group_put(&c->table, g);
	}
	if (ret < 0) {
		/* Every node's table is equal: every node drops it. Our joiner
		   is told, and its handle is not joined (sends are refused). */
		c->st.full++;
		if (slot != RC_CPGD_NO_SLOT && c->slots[slot].state == RC_SLOT_JOINING)
			rc_cpgd_slot_gone(c, slot);	/* may join again */
		if (slot != RC_CPGD_NO_SLOT && c->ops.joined)
			c->ops.joined(c->priv, slot, CS_ERR_NO_RESOURCES);
		return;
	}
	if (slot != RC_CPGD_NO_SLOT) {
		c->slots[slot].in_table = true;
		if (c->slots[slot].state == RC_SLOT_JOINING)
			c->slots[slot].state = RC_SLOT_JOINED;
		if (c->ops.joined)
			c->ops.joined(c->priv, slot, CS_OK);
	}
	c->st.joins++;
	c->sc_joined[0] = (struct cpg_address){ sender, m->pid, CPG_REASON_JOIN };
	notify(c, g, RC_CPGD_NO_SLOT, 0, 1);
}

/* LEAVE (the leaver's slot hears of it too) or PROCDOWN. */
static void apply_remove(struct rc_cpgd *c, uint32_t sender, const struct msg *m)
{
	struct rc_cpgd_group *g = rc_cpgd_group_find(&c->table, m->name, m->name_len);
	uint32_t leaver = RC_CPGD_NO_SLOT, linked;
	bool leave = m->type == RC_CPG_LEAVE;
	int i;

	if (sender == c->me)
		rc_cpgd_out_delivered(c, m->type, m->name, m->name_len, m->pid, &leaver);
	i = g ? rc_cpgd_group_index(g, sender, m->pid) : -1;
	if (i < 0) {
		rc_cpgd_slot_gone(c, leaver);	/* its JOIN was dropped */
		return;
	}
	linked = rc_cpgd_group_del(&c->table, g, (uint32_t)i);
	if (leave)
		c->st.leaves++;
	else
		c->st.procdowns++;
	c->sc_left[0] = (struct cpg_address){ sender, m->pid,
					      leave ? CPG_REASON_LEAVE : CPG_REASON_PROCDOWN };
	notify(c, g, leave ? linked : RC_CPGD_NO_SLOT, 1, 0);
	rc_cpgd_slot_gone(c, linked);
	if (leaver != linked)
		rc_cpgd_slot_gone(c, leaver);
	rc_cpgd_group_put(&c->table, g);
}

/* One application message to the group's local members. */
static void deliver_one(struct rc_cpgd *c, const struct rc_cpgd_group *g, uint32_t sender,
			uint32_t pid, const void *body, size_t len)
{
	c->st.delivered += g->n_local;
	if (!c->ops.deliver)
		return;
	for (uint32_t i = 0; i < g->n_local; i++)
		c->ops.deliver(c->priv, g->local[i], sender, pid, body, len);
}

/* MCAST, or each message of an MCAST_BATCH (checked whole by parse()). */
static void apply_mcast(struct rc_cpgd *c, uint32_t sender, const struct msg *m)
{
	const struct rc_cpgd_group *g = rc_cpgd_group_find(&c->table, m->name, m->name_len);
	const uint8_t *p = m->body, *msg;
	size_t left = m->body_len;
	uint32_t len;

	if (!g || !g->n_local) {
		c->st.no_member += m->type == RC_CPG_MCAST_BATCH ? m->count : 1;
		return;
	}
	if (m->type != RC_CPG_MCAST_BATCH) {
		deliver_one(c, g, sender, m->pid, m->body, m->body_len);
		return;
	}
	while (rc_cpgd_batch_next(&p, &left, &msg, &len))
		deliver_one(c, g, sender, m->pid, msg, len);
}

/* ---- SYNC ---- */

static int ent_cmp(const void *a, const void *b)
{
	const struct sync_ent *x = a, *y = b;
	int r = rc_cpgd_name_cmp(x->name, x->name_len, y->name, y->name_len);

	if (r)
		return r;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Entries sorted; -EBADMSG for any flaw, a duplicate included. */
static int sync_parse(const struct msg *m, struct rc_cpg_sync *sh, struct sync_ent **out)
{
	struct sync_ent *e = NULL;
	size_t off = sizeof(*sh);
	uint32_t n;

	*out = NULL;
	if (m->body_len < sizeof(*sh))
		return -EBADMSG;
	memcpy(sh, m->body, sizeof(*sh));
	sh->ring_seq = le64toh(sh->ring_seq);
	sh->ring_rep = le32toh(sh->ring_rep);
	n = sh->count = le32toh(sh->count);
	if (n > RC_CPGD_MAX_PROCESSES ||
	    n > (m->body_len - sizeof(*sh)) / sizeof(struct rc_cpg_sync_ent))
		return -EBADMSG;
	if (n) {
		e = malloc(n * sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct rc_cpg_sync_ent w;

		if (m->body_len - off < sizeof(w))
			goto bad;
		memcpy(&w, m->body + off, sizeof(w));
		off += sizeof(w);
		e[i].pid = le32toh(w.pid);
		e[i].name_len = le16toh(w.name_len);
		if (e[i].name_len > RC_CPG_NAME_MAX || w.reserved ||
		    m->body_len - off < e[i].name_len)
			goto bad;
		e[i].name = m->body + off;
		off += e[i].name_len;
	}
	if (off != m->body_len)
		goto bad;
	if (n > 1)
		qsort(e, n, sizeof(*e), ent_cmp);
	for (uint32_t i = 1; i < n; i++)
		if (!ent_cmp(&e[i - 1], &e[i]))
			goto bad;
	*out = e;
	return 0;
bad:
	free(e);
	return -EBADMSG;
}

static int ring_index(const struct rc_cpgd *c, uint32_t nodeid)
{
	for (uint32_t i = 0; i < c->n_ring; i++)
		if (c->ring_members[i] == nodeid)
			return (int)i;
	return -1;
}

static bool run_has(const struct sync_ent *e, size_t n, uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].pid == pid)
			return true;
	return false;
}

/* One group: X's members not listed go (PROCDOWN), listed ones come (NODEUP). */
static void sync_group(struct rc_cpgd *c, uint32_t x, const struct cpg_name *name,
		       const struct sync_ent *e, size_t n)
{
	struct rc_cpgd_group *g = rc_cpgd_group_find(&c->table, name->value, name->length);
	size_t n_left = 0, n_joined = 0;

	for (uint32_t j = 0; g && j < g->n;) {
		if (g->m[j].nodeid != x || run_has(e, n, g->m[j].pid)) {
			j++;
			continue;
		}
		c->sc_left[n_left++] = (struct cpg_address){ x, g->m[j].pid,
							     CPG_REASON_PROCDOWN };
		rc_cpgd_slot_gone(c, rc_cpgd_group_del(&c->table, g, j));
	}
	for (size_t k = 0; k < n; k++) {
		if (!g && rc_cpgd_group_get(&c->table, name->value, name->length, &g) < 0) {
			c->st.full += n - k;
			break;
		}
		if (rc_cpgd_group_index(g, x, e[k].pid) >= 0)
			continue;
		if (rc_cpgd_group_add(&c->table, g, x, e[k].pid, RC_CPGD_NO_SLOT) < 0) {
			c->st.full++;
			continue;
		}
		c->sc_joined[n_joined++] = (struct cpg_address){ x, e[k].pid, CPG_REASON_NODEUP };
	}
	if (!g)
		return;
	c->st.procdowns += n_left;
	if (n_left || n_joined)
		notify(c, g, RC_CPGD_NO_SLOT, n_left, n_joined);
	rc_cpgd_group_put(&c->table, g);
}

static int work_cmp(const void *a, const void *b)
{
	const struct cpg_name *x = a, *y = b;

	return rc_cpgd_name_cmp((const uint8_t *)x->value, x->length,
				(const uint8_t *)y->value, y->length);
}

/* The groups X has members in, or lists, in name order, each once. */
static int sync_apply(struct rc_cpgd *c, uint32_t x, const struct sync_ent *e, size_t n)
{
	const struct rc_cpgd_table *t = &c->table;
	struct cpg_name *w;
	size_t nw = 0, k = 0;

	w = malloc((t->n_groups + n + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n_groups; i++) {
		const struct rc_cpgd_group *g = t->sorted[i];

		for (uint32_t j = 0; j < g->n; j++) {
			if (g->m[j].nodeid == x) {
				w[nw++] = g->name;
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (i && !rc_cpgd_name_cmp(e[i - 1].name, e[i - 1].name_len,
					   e[i].name, e[i].name_len))
			continue;
		memset(&w[nw], 0, sizeof(w[nw]));
		w[nw].length = e[i].name_len;
		memcpy(w[nw].value, e[i].name, e[i].name_len);
		nw++;
	}
	qsort(w, nw, sizeof(*w), work_cmp);
	for (size_t i = 0; i < nw; i++) {
		size_t lo;

		if (i && !work_cmp(&w[i - 1], &w[i]))
			continue;
		while (k < n && rc_cpgd_name_cmp(e[k].name, e[k].name_len,
						 (const uint8_t *)w[i].value, w[i].length) < 0)
			k++;
		lo = k;
		while (k < n && !rc_cpgd_name_cmp(e[k].name, e[k].name_len,
						  (const uint8_t *)w[i].value, w[i].length))
			k++;
		sync_group(c, x, &w[i], &e[lo], k - lo);
	}
	free(w);
	return 0;
}

static void ring_synced(struct rc_cpgd *c)
{
	c->synced_all = true;
	if (!c->ops.totem)
		return;
	for (uint32_t i = 0; i < c->max_slots; i++)
		if (c->slots[i].attached)
			c->ops.totem(c->priv, i, &c->ring, c->ring_members, c->n_ring);
}

static void apply_sync(struct rc_cpgd *c, uint32_t sender, const struct msg *m)
{
	struct rc_cpg_sync sh;
	struct sync_ent *e;
	int idx;

	if (sync_parse(m, &sh, &e) < 0) {
		c->st.bad++;
		return;
	}
	idx = ring_index(c, sender);
	if (!c->have_ring || sh.ring_seq != c->ring.seq || sh.ring_rep != c->ring.rep ||
	    idx < 0 || c->synced[idx]) {
		c->st.stale_sync++;
		free(e);
		return;
	}
	if (sync_apply(c, sender, e, sh.count) < 0) {
		free(e);
		return;		/* out of memory: the ring stays unsynchronised */
	}
	free(e);
	c->synced[idx] = true;
	if (++c->n_synced == c->n_ring && !c->synced_all)
		ring_synced(c);
}

/* ---- entry points ---- */

void rc_cpgd_deliver(struct rc_cpgd *c, uint32_t sender, const void *msg, size_t len)
{
	struct msg m;

	if (parse(msg, len, &m) < 0) {
		c->st.bad++;
		return;
	}
	switch (m.type) {
	case RC_CPG_MCAST:
	case RC_CPG_MCAST_BATCH:
		apply_mcast(c, sender, &m);
		break;
	case RC_CPG_JOIN:
		apply_join(c, sender, &m);
		break;
	case RC_CPG_LEAVE:
	case RC_CPG_PROCDOWN:
		apply_remove(c, sender, &m);
		break;
	case RC_CPG_SYNC:
		apply_sync(c, sender, &m);
		break;
	}
	if (c->retry)
		rc_cpgd_flush(c);
}

static bool ids_have(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Processes on nodes that left go, one confchg per group (NODEDOWN). */
static void transitional(struct rc_cpgd *c, const struct rc_confchg *cc)
{
	struct rc_cpgd_table *t = &c->table;
	uint32_t nm = cc->n_members < RC_TOTEM_MAX_NODES ? cc->n_members : RC_TOTEM_MAX_NODES;

	c->have_ring = false;
	c->synced_all = false;
	for (uint32_t i = 0; i < t->n_groups;) {
		struct rc_cpgd_group *g = t->sorted[i];
		size_t n_left = 0;

		for (uint32_t j = 0; j < g->n;) {
			if (ids_have(cc->members, nm, g->m[j].nodeid)) {
				j++;
				continue;
			}
			c->sc_left[n_left++] = (struct cpg_address){ g->m[j].nodeid, g->m[j].pid,
								     CPG_REASON_NODEDOWN };
			rc_cpgd_slot_gone(c, rc_cpgd_group_del(t, g, j));
		}
		if (n_left)
			notify(c, g, RC_CPGD_NO_SLOT, n_left, 0);
		if (g->n)
			i++;
		else
			rc_cpgd_group_put(t, g);
	}
}

void rc_cpgd_confchg(struct rc_cpgd *c, const struct rc_confchg *cc)
{
	if (cc->type == RC_CONF_TRANSITIONAL) {
		transitional(c, cc);
		return;
	}
	c->have_ring = true;
	c->synced_all = false;
	c->ring = cc->ring;
	c->n_ring = cc->n_members < RC_TOTEM_MAX_NODES ? cc->n_members : RC_TOTEM_MAX_NODES;
	memcpy(c->ring_members, cc->members, c->n_ring * sizeof(uint32_t));
	memset(c->synced, 0, sizeof(c->synced));
	c->n_synced = 0;
	rc_cpgd_sync_send(c);
}
