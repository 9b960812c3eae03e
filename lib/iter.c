/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group iteration: cpg_iteration_initialize() takes a snapshot with
 * RC_REQ_ITERATE requests (one per ctl area's worth of entries) into a
 * private array; next walks it, then says CS_ERR_NO_SECTIONS. Iteration handles live in their own generation-checked
 * table; finalizing the cpg handle finalizes its iterations too (corosync).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpg_int.h"

struct rc_iter {
	cpg_handle_t owner;
	uint32_t n, pos;	/* pos: atomic, next() may race with itself */
	struct cpg_iteration_description_t *d;
};

static void iter_release(void *obj)
{
	struct rc_iter *it = obj;

	free(it->d);
	free(it);
}

struct rc_htab rc_iter_tab = RC_HTAB_INIT(iter_release);

struct iter_args {
	cpg_iteration_type_t type;
	const struct cpg_name *group;
	struct rc_iter *it;
};

/*
 * The snapshot, in pages when it does not fit the ctl area: each page says
 * the total and the group table's generation; a page from another
 * generation (the table changed meanwhile) starts the snapshot again.
 */
#define ITER_RESTARTS	64

static int do_iterate(struct rc_cpg *h, void *arg)
{
	struct iter_args *a = arg;
	struct cpg_iteration_description_t *d = NULL;
	struct rc_req_more first, more;
	const void *entries;
	uint32_t count, got;
	int ret, tries = 0;

again:
	free(d);
	d = NULL;
	got = 0;
	ret = rc_req_page(h, RC_REQ_ITERATE, (uint32_t)a->type, a->group, 0,
			  sizeof(struct cpg_iteration_description_t), &entries, &count, &first);
	if (ret < 0)
		return ret;
	d = malloc((first.total ? first.total : 1) * sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	for (;;) {
		if (count > first.total - got)
			count = first.total - got;
		memcpy(d + got, entries, count * sizeof(*d));
		got += count;
		if (got == first.total)
			break;
		if (count == 0)
			return free(d), -EPROTO;	/* a daemon that makes no progress */
		ret = rc_req_page(h, RC_REQ_ITERATE, (uint32_t)a->type, a->group, got,
				  sizeof(struct cpg_iteration_description_t), &entries, &count,
				  &more);
		if (ret < 0)
			return free(d), ret;
		if (more.gen != first.gen || more.total != first.total) {
			if (++tries > ITER_RESTARTS)
				return free(d), -EAGAIN;	/* the table never held still */
			goto again;
		}
	}
	for (uint32_t i = 0; i < got; i++)	/* never hand out a bad length */
		if (d[i].group.length > CPG_MAX_NAME_LENGTH)
			d[i].group.length = CPG_MAX_NAME_LENGTH;
	a->it->d = d;
	a->it->n = got;
	a->it->owner = h->handle;
	return 0;
}

static int iterate(cpg_handle_t handle, struct iter_args *a, cpg_iteration_handle_t *out)
{
	struct rc_cpg *h;
	int ret;

	ret = rc_cpg_get(handle, &h);
	if (ret < 0)
		return ret;
	a->it = calloc(1, sizeof(*a->it));
	if (a->it == NULL) {
		ret = -ENOMEM;
		goto put;
	}
	pthread_mutex_lock(&h->req_lock);
	pthread_mutex_lock(&h->lock);
	ret = rc_usable(h);
	if (ret == 0)
		ret = do_iterate(h, a);
	/* under the lock: a finalize drops its owner's iterations after it set
	   finalized under it, so it sees this one, or this one sees finalized
	   (its answer may have come before the finalize: it is not wanted) */
	if (ret == 0 && rc_finalized(h))
		ret = -EBADF;
	if (ret == 0)
		ret = rc_htab_create(&rc_iter_tab, a->it, out);
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_unlock(&h->req_lock);
	if (ret < 0)
		iter_release(a->it);
put:
	rc_cpg_put(h);
	return ret;
}

RC_API cs_error_t cpg_iteration_initialize(cpg_handle_t handle,
					   cpg_iteration_type_t iteration_type,
					   const struct cpg_name *group,
					   cpg_iteration_handle_t *cpg_iteration_handle)
{
	struct iter_args a = { iteration_type, group, NULL };

	/* corosync's order: a long name wins over every other complaint */
	if (group != NULL && group->length > CPG_MAX_NAME_LENGTH)
		return CS_ERR_NAME_TOO_LONG;
	if (cpg_iteration_handle == NULL)
		return CS_ERR_INVALID_PARAM;
	if ((iteration_type == CPG_ITERATION_ONE_GROUP) != (group != NULL))
		return CS_ERR_INVALID_PARAM;
	if (iteration_type != CPG_ITERATION_NAME_ONLY &&
	    iteration_type != CPG_ITERATION_ONE_GROUP && iteration_type != CPG_ITERATION_ALL)
		return CS_ERR_INVALID_PARAM;
	return rc_cs_error(iterate(handle, &a, cpg_iteration_handle));
}

RC_API cs_error_t cpg_iteration_next(cpg_iteration_handle_t handle,
				     struct cpg_iteration_description_t *description)
{
	struct rc_iter *it;
	void *obj;
	uint32_t pos;
	int ret;

	if (description == NULL)
		return CS_ERR_INVALID_PARAM;
	ret = rc_htab_get(&rc_iter_tab, handle, &obj);
	if (ret < 0)
		return rc_cs_error(ret);
	it = obj;
	pos = __atomic_load_n(&it->pos, __ATOMIC_RELAXED);
	do {
		if (pos >= it->n) {
			ret = -ENODATA;
			break;
		}
	} while (!__atomic_compare_exchange_n(&it->pos, &pos, pos + 1, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	if (ret == 0)
		*description = it->d[pos];
	rc_htab_put(&rc_iter_tab, handle);
	return rc_cs_error(ret);
}

RC_API cs_error_t cpg_iteration_finalize(cpg_iteration_handle_t handle)
{
	return rc_cs_error(rc_htab_destroy(&rc_iter_tab, handle));
}

static bool owned_by(void *obj, void *arg)
{
	return ((struct rc_iter *)obj)->owner == *(cpg_handle_t *)arg;
}

void rc_iter_drop_owner(cpg_handle_t owner)
{
	rc_htab_destroy_if(&rc_iter_tab, owned_by, &owner);
}
