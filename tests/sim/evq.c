/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binary min-heap of events keyed by (t, ctr). ctr is unique and increasing,
 * so the order is total and no two runs with the same seed can differ. The
 * array only grows; a steady-state push or pop never allocates.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "evq.h"

static inline bool before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->ctr < b->ctr);
}

int sim_evq_init(struct sim_evq *q, size_t cap)
{
	q->heap = malloc(cap * sizeof(*q->heap));
	if (q->heap == NULL)
		return -ENOMEM;
	q->n = 0;
	q->cap = cap;
	q->ctr = 0;
	return 0;
}

void sim_evq_fini(struct sim_evq *q)
{
	free(q->heap);
	q->heap = NULL;
	q->n = q->cap = 0;
}

int sim_evq_push(struct sim_evq *q, uint64_t t, uint8_t type, uint16_t node,
		 uint32_t arg, struct sim_buf *buf)
{
	struct sim_ev ev, *h;
	size_t i, parent;

	if (q->n == q->cap) {
		h = realloc(q->heap, 2 * q->cap * sizeof(*h));
		if (h == NULL)
			return -ENOMEM;
		q->heap = h;
		q->cap *= 2;
	}
	ev.t = t;
	ev.ctr = q->ctr++;
	ev.buf = buf;
	ev.arg = arg;
	ev.node = node;
	ev.type = type;

	h = q->heap;
	i = q->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!before(&ev, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = ev;
	return 0;
}

int sim_evq_pop(struct sim_evq *q, struct sim_ev *ev)
{
	struct sim_ev *h = q->heap, last;
	size_t i, child, n;

	if (q->n == 0)
		return 0;
	*ev = h[0];
	n = --q->n;
	if (n == 0)
		return 1;
	last = h[n];
	i = 0;
	for (;;) {
		child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n && before(&h[child + 1], &h[child]))
			child++;
		if (!before(&h[child], &last))
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = last;
	return 1;
}
