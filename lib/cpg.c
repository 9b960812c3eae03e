/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handle lifecycle and the small calls: initialize, finalize, context,
 * local node id, message size, flow control, join, leave, membership. A
 * handle is an rc_cpg in rc_cpg_tab; every call takes a reference for its
 * duration, so finalize (even from a callback) only frees once nobody uses it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ringcast/shm_room.h>
#include <ringcast/size.h>

#include "cpg_int.h"

static void release(void *obj);

struct rc_htab rc_cpg_tab = RC_HTAB_INIT(release);

static void release(void *obj)
{
	struct rc_cpg *h = obj;

	rc_zcb_fini(h);
	rc_arena_fini(&h->arena);
	free(h->bounce);
	if (h->fork_gen == rc_fork_gen) {
		pthread_cond_destroy(&h->rx_cond);
		pthread_mutex_destroy(&h->lock);
		pthread_mutex_destroy(&h->tx_lock);
		pthread_mutex_destroy(&h->req_lock);
	}
	/* in a child of fork() the mutexes may be held by threads that do not
	   exist here: leave them, just give back the fds and the mapping */
	rc_conn_detach(h);
	free(h);
}

/* A reference to a usable handle, or -EBADF (unknown, finalized, or a
   handle of the parent process after fork()). */
int rc_cpg_get(cpg_handle_t handle, struct rc_cpg **out)
{
	void *obj;
	int ret;

	ret = rc_htab_get(&rc_cpg_tab, handle, &obj);
	if (ret < 0)
		return ret;
	*out = obj;
	if ((*out)->fork_gen != rc_fork_gen) {
		rc_htab_put(&rc_cpg_tab, handle);
		return -EBADF;
	}
	return 0;
}

cs_error_t rc_cpg_get_for(cpg_handle_t handle, const void *result, struct rc_cpg **out)
{
	*out = NULL;
	if (result == NULL)
		return CS_ERR_INVALID_PARAM;
	return rc_cs_error(rc_cpg_get(handle, out));
}

void rc_cpg_put(struct rc_cpg *h)
{
	rc_htab_put(&rc_cpg_tab, h->handle);
}

static int env_timeout(void)
{
	const char *s = getenv("RINGCAST_TIMEOUT_MS");
	long v;

	if (s == NULL || *s == '\0')
		return RC_REQ_TIMEOUT_MS;
	v = strtol(s, NULL, 10);
	return v > 0 && v < 3600 * 1000 ? (int)v : RC_REQ_TIMEOUT_MS;
}

/*
 * Up to which size cpg_zcb_mcast_joined copies (send.c); for measuring. At
 * least RC_SHM_ZC_MIN - 1: a buffer's sends in place must all be of the
 * size the daemon takes zero-copy from a trusted client, or all copied,
 * for their completions to come in their order (shm.h).
 */
static uint32_t env_zcb_copy_max(void)
{
	const char *s = getenv("RINGCAST_ZCB_COPY_MAX");
	long v;

	if (s == NULL || *s == '\0')
		return RC_ZCB_COPY_MAX;
	v = strtol(s, NULL, 10);
	if (v < 0 || v > INT32_MAX)
		return RC_ZCB_COPY_MAX;
	return v < (long)RC_SHM_ZC_MIN - 1 ? RC_SHM_ZC_MIN - 1 : (uint32_t)v;
}

/* a and b the same letters, ASCII case aside (whatever the locale) */
/*
 * How much memory a handle's private zcb buffers (send.c) may take: bytes,
 * or with the suffixes of ringcast.conf's sizes (K, KiB, M, MiB, G, GiB:
 * binary), in either case. The default, 1 GiB or a quarter of the RAM if
 * that is less, is ten times what corosync's own zcb test holds at once,
 * and makes a runaway allocation loop CS_ERR_NO_MEMORY before it makes the
 * OOM killer pick a process. Anything else means the default.
 */
static uint64_t env_zcb_max(void)
{
	const char *s = getenv("RINGCAST_ZCB_MAX");
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t dflt = RC_ZCB_MAX, v;
	char *end;
	int shift;

	if (pages > 0 && page > 0 && (uint64_t)pages / 4 < dflt / (uint64_t)page)
		dflt = (uint64_t)pages / 4 * (uint64_t)page;
	if (s == NULL || *s < '0' || *s > '9')
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return dflt;
	shift = rc_size_suffix_shift(end, true);
	if (shift < 0)
		return dflt;
	return v > (UINT64_MAX >> 8) >> shift ? dflt : v << shift;
}

static int create(cpg_handle_t *handle, const cpg_model_v1_data_t *model, void *context)
{
	struct rc_cpg *h;
	int ret;

	rc_fork_guard();
	/* 64-aligned: the tx and rx sides start cache lines (cpg_int.h) */
	h = aligned_alloc(RC_CACHE_LINE, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->req_lock, NULL);
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->tx_lock, NULL);
	pthread_cond_init(&h->rx_cond, NULL);
	h->fork_gen = rc_fork_gen;
	h->model = *model;
	h->context = context;
	h->timeout_ms = env_timeout();
	h->zcb_copy_max = env_zcb_copy_max();
	h->zcb_max = env_zcb_max();

	ret = rc_conn_attach(h);
	if (ret < 0)
		goto free;
	ret = rc_arena_init(&h->arena, h->g.arena_size);
	if (ret < 0)
		goto detach;
	ret = rc_zcb_init(h);
	if (ret < 0)
		goto arena;
	ret = rc_htab_create(&rc_cpg_tab, h, &h->handle);
	if (ret < 0)
		goto zcb;
	pthread_mutex_lock(&h->lock);
	rc_wake_settle(h);	/* the ring the daemon sent at attach makes the fd readable */
	pthread_mutex_unlock(&h->lock);
	*handle = h->handle;
	return 0;
zcb:
	rc_zcb_fini(h);
arena:
	rc_arena_fini(&h->arena);
detach:
	rc_conn_detach(h);
free:
	pthread_cond_destroy(&h->rx_cond);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->tx_lock);
	pthread_mutex_destroy(&h->req_lock);
	free(h);
	return ret;
}

RC_API cs_error_t cpg_model_initialize(cpg_handle_t *handle, cpg_model_t model,
				       cpg_model_data_t *model_data, void *context)
{
	cpg_model_v1_data_t v1;

	/* As corosync: the model argument decides, model_data->model is not
	   read (programs that name only callbacks and flags leave it 0). */
	if (handle == NULL || model != CPG_MODEL_V1)
		return CS_ERR_INVALID_PARAM;
	memset(&v1, 0, sizeof(v1));
	if (model_data != NULL) {
		memcpy(&v1, model_data, sizeof(v1));
		if (v1.flags & ~(unsigned int)CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF)
			return CS_ERR_INVALID_PARAM;
	}
	v1.model = CPG_MODEL_V1;
	return rc_cs_error(create(handle, &v1, context));
}

RC_API cs_error_t cpg_initialize(cpg_handle_t *handle, cpg_callbacks_t *callbacks)
{
	cpg_model_v1_data_t v1;

	if (handle == NULL)
		return CS_ERR_INVALID_PARAM;
	memset(&v1, 0, sizeof(v1));
	v1.model = CPG_MODEL_V1;
	if (callbacks != NULL) {
		v1.cpg_deliver_fn = callbacks->cpg_deliver_fn;
		v1.cpg_confchg_fn = callbacks->cpg_confchg_fn;
	}
	return rc_cs_error(create(handle, &v1, NULL));
}

RC_API cs_error_t cpg_finalize(cpg_handle_t handle)
{
	struct rc_cpg *h;
	void *obj;
	int ret;

	ret = rc_htab_get(&rc_cpg_tab, handle, &obj);
	if (ret < 0)
		return rc_cs_error(ret);
	h = obj;
	/* only one finalize wins; the loser sees a bad handle */
	ret = rc_htab_destroy(&rc_cpg_tab, handle);
	if (ret < 0) {
		rc_htab_put(&rc_cpg_tab, handle);
		return rc_cs_error(ret);
	}
	if (h->fork_gen == rc_fork_gen) {
		pthread_mutex_lock(&h->lock);
		/* atomic: a dispatching thread reads it between callbacks unlocked */
		__atomic_store_n(&h->finalized, true, __ATOMIC_RELAXED);
		/* A send that looked before the store pushes before the hang-up:
		   the daemon sends what a leaving client queued until then, and
		   would never send what came after. Senders take tx_lock, then
		   see finalized; those asleep for room wake now, not at their
		   bound. */
		pthread_mutex_lock(&h->tx_lock);
		pthread_mutex_unlock(&h->tx_lock);
		rc_shm_room_wake(h->hdr);
		/* the daemon sees the hang-up at once; our pollers wake on it */
		shutdown(h->sock, SHUT_RDWR);
		pthread_cond_broadcast(&h->rx_cond);
		pthread_mutex_unlock(&h->lock);
		rc_iter_drop_owner(handle);
	} else {
		/* a child's copy: calls of the parent's threads that were in
		   progress at the fork hold references nobody here gives back */
		rc_htab_orphan(&rc_cpg_tab, handle);
	}
	rc_htab_put(&rc_cpg_tab, handle);
	return CS_OK;
}

RC_API cs_error_t cpg_context_get(cpg_handle_t handle, void **context)
{
	struct rc_cpg *h;
	cs_error_t err;

	err = rc_cpg_get_for(handle, context, &h);
	if (err != CS_OK)
		return err;
	pthread_mutex_lock(&h->lock);
	*context = h->context;
	pthread_mutex_unlock(&h->lock);
	rc_cpg_put(h);
	return CS_OK;
}

RC_API cs_error_t cpg_context_set(cpg_handle_t handle, void *context)
{
	struct rc_cpg *h;
	int ret;

	ret = rc_cpg_get(handle, &h);
	if (ret < 0)
		return rc_cs_error(ret);
	pthread_mutex_lock(&h->lock);
	h->context = context;
	pthread_mutex_unlock(&h->lock);
	rc_cpg_put(h);
	return CS_OK;
}

RC_API cs_error_t cpg_local_get(cpg_handle_t handle, unsigned int *local_nodeid)
{
	struct rc_cpg *h;
	cs_error_t err;

	err = rc_cpg_get_for(handle, local_nodeid, &h);
	if (err != CS_OK)
		return err;
	*local_nodeid = h->g.nodeid;
	rc_cpg_put(h);
	return CS_OK;
}

RC_API cs_error_t cpg_max_atomic_msgsize_get(cpg_handle_t handle, uint32_t *size)
{
	struct rc_cpg *h;
	cs_error_t err;

	err = rc_cpg_get_for(handle, size, &h);
	if (err != CS_OK)
		return err;
	*size = rc_cpg_max_msg(h);
	rc_cpg_put(h);
	return CS_OK;
}

/*
 * Enabled while the tx ring is more than 3/4 full, less than 1/4 of the arena
 * is free, or the daemon has more than half an arena queued for this client.
 * The zcb buffers the application holds in the arena are not counted (the
 * arena is what they leave): they are not traffic, and holding them must
 * not switch flow control on for good (an application that waits for it
 * to go off would wait forever). One sent in place counts while its send
 * is in flight: that is traffic.
 */
RC_API cs_error_t cpg_flow_control_state_get(cpg_handle_t handle,
					     cpg_flow_control_state_t *flow_control_enabled)
{
	struct rc_cpg *h;
	uint32_t used;
	uint64_t backlog;
	bool on;
	cs_error_t err;

	err = rc_cpg_get_for(handle, flow_control_enabled, &h);
	if (err != CS_OK)
		return err;
	pthread_mutex_lock(&h->tx_lock);
	rc_comp_drain(h);
	h->tx_tail = rc_load_acq32(&h->hdr->tx_tail.v);
	used = h->tx_head - h->tx_tail;
	backlog = __atomic_load_n(&h->hdr->backlog_bytes, __ATOMIC_RELAXED);
	on = (uint64_t)used * 4 > (uint64_t)(h->g.tx_mask + 1) * 3 ||
	     h->arena.free_bytes * 4 < h->arena.size - h->zcb_arena_idle ||
	     backlog > h->g.arena_size / 2;
	pthread_mutex_unlock(&h->tx_lock);
	*flow_control_enabled = on ? CPG_FLOW_CONTROL_ENABLED : CPG_FLOW_CONTROL_DISABLED;
	rc_cpg_put(h);
	return CS_OK;
}

/* ---- groups ---- */

static int check_name(const struct cpg_name *name)
{
	if (name == NULL)
		return -EINVAL;
	if (name->length > CPG_MAX_NAME_LENGTH)
		return -ENAMETOOLONG;
	return 0;
}

static bool same_name(const struct cpg_name *a, const struct cpg_name *b)
{
	return a->length == b->length && memcmp(a->value, b->value, a->length) == 0;
}

/* Run one request on a usable handle; both locks held around fn. */
static int with_req(cpg_handle_t handle, int (*fn)(struct rc_cpg *h, void *arg), void *arg)
{
	struct rc_cpg *h;
	int ret;

	ret = rc_cpg_get(handle, &h);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&h->req_lock);
	pthread_mutex_lock(&h->lock);
	ret = rc_usable(h);
	if (ret == 0)
		ret = fn(h, arg);
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_unlock(&h->req_lock);
	rc_cpg_put(h);
	return ret;
}

static int do_join(struct rc_cpg *h, void *arg)
{
	const struct cpg_name *name = arg;
	struct rc_req_more more = { 0 };
	struct cpg_name n;
	int ret;

	if (rc_joined(h))
		return -EEXIST;		/* one group per handle */
	memset(&n, 0, sizeof(n));
	n.length = name->length;
	memcpy(n.value, name->value, name->length);
	ret = rc_req_page(h, RC_REQ_JOIN, 0, &n, 0, 0, NULL, NULL, &more);
	if (ret == -EEXIST && h->join_unsure && more.total == 1) {
		/* the join that timed out was applied after all (the daemon
		   says EXIST for this very handle, shm.h): joined to that
		   group, the one named now */
		h->group = h->join_name;
		h->join_unsure = false;
		rc_set_joined(h, true);
		return 0;
	}
	if (ret == -ETIMEDOUT) {
		/* the daemon may still apply it: the next join or leave asks */
		h->join_unsure = true;
		h->join_name = n;
		return ret;
	}
	if (ret != -ENOTCONN)
		h->join_unsure = false;
	if (ret == 0) {
		h->group = n;
		rc_set_joined(h, true);
	}
	return ret;
}

/*
 * A name other than the joined group's is NOT_EXIST. (corosync 3.1.7 says
 * CS_OK, leaves nothing, and the handle can then never leave its group:
 * docs/compatibility.md.)
 */
static int do_leave(struct rc_cpg *h, void *arg)
{
	const struct cpg_name *name = arg;
	int ret;

	if (!rc_joined(h) && h->join_unsure && same_name(&h->join_name, name)) {
		/* a join that timed out: the daemon knows whether it was applied
		   (it answers this only after the join) */
		ret = rc_req(h, RC_REQ_LEAVE, 0, &h->join_name, 0, NULL, NULL);
		if (ret == 0 || ret == -ENOENT)
			h->join_unsure = false;
		if (ret == 0)
			h->group = h->join_name;	/* messages in flight name it */
		return ret;
	}
	if (!rc_joined(h) || !same_name(&h->group, name))
		return -ENOENT;
	ret = rc_req(h, RC_REQ_LEAVE, 0, &h->group, 0, NULL, NULL);
	if (ret == 0)
		rc_set_joined(h, false);	/* h->group stays: messages in flight name it */
	return ret;
}

RC_API cs_error_t cpg_join(cpg_handle_t handle, const struct cpg_name *group)
{
	int ret = check_name(group);

	if (ret == 0)
		ret = with_req(handle, do_join, (void *)(uintptr_t)group);
	return rc_cs_error(ret);
}

RC_API cs_error_t cpg_leave(cpg_handle_t handle, const struct cpg_name *group)
{
	int ret = check_name(group);

	if (ret == 0)
		ret = with_req(handle, do_leave, (void *)(uintptr_t)group);
	return rc_cs_error(ret);
}

struct membership_args {
	const struct cpg_name *name;
	struct cpg_address *list;
	int *entries;
};

static int do_membership(struct rc_cpg *h, void *arg)
{
	struct membership_args *m = arg;
	const void *entries;
	uint32_t count;
	int ret;

	ret = rc_req(h, RC_REQ_MEMBERSHIP, 0, m->name, sizeof(struct cpg_address), &entries,
		     &count);
	if (ret < 0)
		return ret;
	/* As corosync: *entries is only written; the list holds CPG_MEMBERS_MAX */
	if (count > CPG_MEMBERS_MAX)
		count = CPG_MEMBERS_MAX;
	memcpy(m->list, entries, count * sizeof(struct cpg_address));
	*m->entries = (int)count;
	return 0;
}

RC_API cs_error_t cpg_membership_get(cpg_handle_t handle, struct cpg_name *groupName,
				     struct cpg_address *member_list, int *member_list_entries)
{
	struct membership_args m = { groupName, member_list, member_list_entries };
	int ret = check_name(groupName);

	if (ret == 0 && (member_list == NULL || member_list_entries == NULL))
		ret = -EINVAL;
	if (ret == 0)
		ret = with_req(handle, do_membership, &m);
	return rc_cs_error(ret);
}
