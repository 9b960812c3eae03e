/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sets of nodeids, kept sorted ascending without duplicates: the membership
 * half's proc/failed/consensus sets and the ordering half's configurations.
 */
#ifndef RC_NODESET_H
#define RC_NODESET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <ringcast/wire.h>

struct nodeset {
	uint32_t n;
	uint32_t id[RC_MEMB_MAX];
};

static inline bool ids_have(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static inline bool set_has(const struct nodeset *s, uint32_t id)
{
	return ids_have(s->id, s->n, id);
}

static inline bool set_add(struct nodeset *s, uint32_t id)
{
	uint32_t i;

	if (set_has(s, id) || s->n == RC_MEMB_MAX)
		return false;
	for (i = s->n; i > 0 && s->id[i - 1] > id; i--)
		s->id[i] = s->id[i - 1];
	s->id[i] = id;
	s->n++;
	return true;
}

static inline bool set_add_all(struct nodeset *s, const uint32_t *ids, uint32_t n, uint32_t except)
{
	bool changed = false;

	for (uint32_t i = 0; i < n; i++)
		if (ids[i] != except)
			changed |= set_add(s, ids[i]);
	return changed;
}

static inline bool set_equal_ids(const struct nodeset *s, const uint32_t *ids, uint32_t n)
{
	return s->n == n && !memcmp(s->id, ids, n * sizeof(*ids));
}

/* out = a \ b */
static inline void set_sub(const struct nodeset *a, const struct nodeset *b, struct nodeset *out)
{
	out->n = 0;
	for (uint32_t i = 0; i < a->n; i++)
		if (!set_has(b, a->id[i]))
			out->id[out->n++] = a->id[i];
}

static inline void set_one(struct nodeset *s, uint32_t id)
{
	s->n = 1;
	s->id[0] = id;
}

#endif /* RC_NODESET_H */
