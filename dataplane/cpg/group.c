/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CPG group table: groups found by name through a hash (the MCAST path)
 * and kept sorted by name (deterministic walks); members sorted by
 * (nodeid, pid). Also the two queries, membership and iterate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpgd_int.h"

static uint32_t name_hash(const uint8_t *p, uint32_t len)
{
	uint32_t h = 2166136261u ^ len;		/* FNV-1a */

	for (uint32_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

int rc_cpgd_table_init(struct rc_cpgd_table *t)
{
	memset(t, 0, sizeof(*t));
	t->hash = calloc(RC_CPGD_HASH_BUCKETS, sizeof(*t->hash));
	t->sorted = calloc(RC_CPGD_MAX_GROUPS, sizeof(*t->sorted));
	if (!t->hash || !t->sorted) {
		free(t->hash);
		free(t->sorted);
		return -ENOMEM;
	}
	return 0;
}

static void group_free(struct rc_cpgd_group *g)
{
	free(g->m);
	free(g->local);
	free(g);
}

void rc_cpgd_table_fini(struct rc_cpgd_table *t)
{
	for (uint32_t i = 0; i < t->n_groups; i++)
		group_free(t->sorted[i]);
	free(t->hash);
	free(t->sorted);
	memset(t, 0, sizeof(*t));
}

/* memcmp order; a prefix sorts first. */
int rc_cpgd_name_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

/* Position of name in t->sorted, or -(insertion point) - 1. */
static int sorted_index(const struct rc_cpgd_table *t, const uint8_t *name, uint32_t len)
{
	int lo = 0, hi = (int)t->n_groups - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct cpg_name *n = &t->sorted[mid]->name;
		int r = rc_cpgd_name_cmp((const uint8_t *)n->value, n->length, name, len);

		if (r == 0)
			return mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

struct rc_cpgd_group *rc_cpgd_group_find(const struct rc_cpgd_table *t,
					 const void *name, uint32_t len)
{
	uint32_t h = name_hash(name, len);
	struct rc_cpgd_group *g;

	for (g = t->hash[h & (RC_CPGD_HASH_BUCKETS - 1)]; g; g = g->hnext)
		if (g->hash == h && g->name.length == len && !memcmp(g->name.value, name, len))
			return g;
	return NULL;
}

int rc_cpgd_group_get(struct rc_cpgd_table *t, const void *name, uint32_t len,
		      struct rc_cpgd_group **out)
{
	struct rc_cpgd_group *g = rc_cpgd_group_find(t, name, len);
	uint32_t b;
	int pos;

	if (g) {
		*out = g;
		return 0;
	}
	if (t->n_groups >= RC_CPGD_MAX_GROUPS || len > RC_CPG_NAME_MAX)
		return -ENOSPC;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->name.length = len;
	memcpy(g->name.value, name, len);
	g->hash = name_hash(name, len);
	b = g->hash & (RC_CPGD_HASH_BUCKETS - 1);
	g->hnext = t->hash[b];
	t->hash[b] = g;
	pos = -sorted_index(t, name, len) - 1;
	memmove(&t->sorted[pos + 1], &t->sorted[pos],
		(t->n_groups - (uint32_t)pos) * sizeof(*t->sorted));
	t->sorted[pos] = g;
	t->n_groups++;
	t->gen++;
	*out = g;
	return 0;
}

void rc_cpgd_group_put(struct rc_cpgd_table *t, struct rc_cpgd_group *g)
{
	struct rc_cpgd_group **pp;
	int pos;

	if (!g || g->n)
		return;
	for (pp = &t->hash[g->hash & (RC_CPGD_HASH_BUCKETS - 1)]; *pp != g; pp = &(*pp)->hnext)
		;
	*pp = g->hnext;
	pos = sorted_index(t, (const uint8_t *)g->name.value, g->name.length);
	memmove(&t->sorted[pos], &t->sorted[pos + 1],
		(t->n_groups - (uint32_t)pos - 1) * sizeof(*t->sorted));
	t->n_groups--;
	t->gen++;
	group_free(g);
}

int rc_cpgd_group_index(const struct rc_cpgd_group *g, uint32_t nodeid, uint32_t pid)
{
	int lo = 0, hi = (int)g->n - 1;
	uint64_t key = (uint64_t)nodeid << 32 | pid;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		uint64_t k = (uint64_t)g->m[mid].nodeid << 32 | g->m[mid].pid;

		if (k == key)
			return mid;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t ncap = *cap ? *cap : 4;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, (size_t)ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int local_link(struct rc_cpgd_group *g, uint32_t slot)
{
	uint32_t i = 0;
	int ret;

	ret = grow((void **)&g->local, &g->cap_local, g->n_local + 1, sizeof(*g->local));
	if (ret < 0)
		return ret;
	while (i < g->n_local && g->local[i] < slot)
		i++;
	memmove(&g->local[i + 1], &g->local[i], (g->n_local - i) * sizeof(*g->local));
	g->local[i] = slot;
	g->n_local++;
	return 0;
}

static void local_unlink(struct rc_cpgd_group *g, uint32_t slot)
{
	for (uint32_t i = 0; i < g->n_local; i++) {
		if (g->local[i] == slot) {
			memmove(&g->local[i], &g->local[i + 1],
				(g->n_local - i - 1) * sizeof(*g->local));
			g->n_local--;
			return;
		}
	}
}

int rc_cpgd_group_add(struct rc_cpgd_table *t, struct rc_cpgd_group *g,
		      uint32_t nodeid, uint32_t pid, uint32_t slot)
{
	int pos = rc_cpgd_group_index(g, nodeid, pid);
	uint32_t at;
	int ret;

	if (pos >= 0)
		return -EEXIST;
	if (g->n >= RC_CPGD_MAX_MEMBERS || t->processes >= RC_CPGD_MAX_PROCESSES)
		return -ENOSPC;
	ret = grow((void **)&g->m, &g->cap, g->n + 1, sizeof(*g->m));
	if (ret < 0)
		return ret;
	if (slot != RC_CPGD_NO_SLOT) {
		ret = local_link(g, slot);
		if (ret < 0)
			return ret;
	}
	at = (uint32_t)(-pos - 1);
	memmove(&g->m[at + 1], &g->m[at], (g->n - at) * sizeof(*g->m));
	g->m[at] = (struct rc_cpgd_member){ .nodeid = nodeid, .pid = pid, .slot = slot };
	g->n++;
	t->gen++;
	t->processes++;
	return 0;
}

uint32_t rc_cpgd_group_del(struct rc_cpgd_table *t, struct rc_cpgd_group *g, uint32_t i)
{
	uint32_t slot = g->m[i].slot;

	if (slot != RC_CPGD_NO_SLOT)
		local_unlink(g, slot);
	memmove(&g->m[i], &g->m[i + 1], (g->n - i - 1) * sizeof(*g->m));
	g->n--;
	t->gen++;
	t->processes--;
	return slot;
}

void rc_cpgd_group_unlink(struct rc_cpgd_group *g, uint32_t i)
{
	if (g->m[i].slot == RC_CPGD_NO_SLOT)
		return;
	local_unlink(g, g->m[i].slot);
	g->m[i].slot = RC_CPGD_NO_SLOT;
}

/* ---- queries ---- */

uint32_t rc_cpgd_membership(const struct rc_cpgd *c, const struct cpg_name *name,
			    struct cpg_address *out, uint32_t max)
{
	const struct rc_cpgd_group *g;

	if (!name || name->length > RC_CPG_NAME_MAX)
		return 0;
	g = rc_cpgd_group_find(&c->table, name->value, name->length);
	if (!g)
		return 0;
	for (uint32_t i = 0; i < g->n && i < max; i++)
		out[i] = (struct cpg_address){ g->m[i].nodeid, g->m[i].pid, CPG_REASON_UNDEFINED };
	return g->n;
}

/* Entries are numbered from 0; those before `from` are counted, not written. */
struct iter_out {
	struct cpg_iteration_description_t *out;
	uint32_t from, max, n;
};

static void iter_put(struct iter_out *o, const struct cpg_name *name, uint32_t nodeid,
		     uint32_t pid)
{
	if (o->n >= o->from && o->n - o->from < o->max) {
		struct cpg_iteration_description_t *d = &o->out[o->n - o->from];

		memset(d, 0, sizeof(*d));
		d->group.length = name->length;
		memcpy(d->group.value, name->value, name->length);
		d->nodeid = nodeid;
		d->pid = pid;
	}
	o->n++;
}

uint64_t rc_cpgd_gen(const struct rc_cpgd *c)
{
	return c->table.gen;
}

uint32_t rc_cpgd_iterate(const struct rc_cpgd *c, int type, const struct cpg_name *name,
			 struct cpg_iteration_description_t *out, uint32_t max)
{
	return rc_cpgd_iterate_from(c, type, name, 0, out, max);
}

uint32_t rc_cpgd_iterate_from(const struct rc_cpgd *c, int type, const struct cpg_name *name,
			      uint32_t from, struct cpg_iteration_description_t *out,
			      uint32_t max)
{
	const struct rc_cpgd_table *t = &c->table;
	const struct rc_cpgd_group *g;
	struct iter_out o = { out, from, max, 0 };

	switch (type) {
	case CPG_ITERATION_NAME_ONLY:
		for (uint32_t i = 0; i < t->n_groups; i++)
			iter_put(&o, &t->sorted[i]->name, 0, 0);
		break;
	case CPG_ITERATION_ONE_GROUP:
		if (!name || name->length > RC_CPG_NAME_MAX)
			break;
		g = rc_cpgd_group_find(t, name->value, name->length);
		for (uint32_t j = 0; g && j < g->n; j++)
			iter_put(&o, &g->name, g->m[j].nodeid, g->m[j].pid);
		break;
	case CPG_ITERATION_ALL:
		for (uint32_t i = 0; i < t->n_groups; i++) {
			g = t->sorted[i];
			for (uint32_t j = 0; j < g->n; j++)
				iter_put(&o, &g->name, g->m[j].nodeid, g->m[j].pid);
		}
		break;
	default:
		break;
	}
	return o.n;
}
