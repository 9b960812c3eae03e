/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compile-only check of <corosync/cpg.h>: takes the address of each of the 20
 * cpg functions (and the 3 corotypes declarations) through a pointer of the
 * exact corosync 3 type, and fills each callback typedef with a function of
 * corosync's callback signature. Built with -Werror, so a prototype that
 * drifts (a lost const, int for size_t) breaks the build. Never linked.
 */
#include <corosync/cpg.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct rc_cpg_api_table {
	/* lifecycle */
	cs_error_t (*initialize)(cpg_handle_t *, cpg_callbacks_t *);
	cs_error_t (*model_initialize)(cpg_handle_t *, cpg_model_t,
				       cpg_model_data_t *, void *);
	cs_error_t (*finalize)(cpg_handle_t);
	cs_error_t (*context_get)(cpg_handle_t, void **);
	cs_error_t (*context_set)(cpg_handle_t, void *);
	/* dispatch */
	cs_error_t (*fd_get)(cpg_handle_t, int *);
	cs_error_t (*dispatch)(cpg_handle_t, cs_dispatch_flags_t);
	/* groups */
	cs_error_t (*join)(cpg_handle_t, const struct cpg_name *);
	cs_error_t (*leave)(cpg_handle_t, const struct cpg_name *);
	cs_error_t (*membership_get)(cpg_handle_t, struct cpg_name *,
				     struct cpg_address *, int *);
	cs_error_t (*local_get)(cpg_handle_t, unsigned int *);
	/* messaging */
	cs_error_t (*mcast_joined)(cpg_handle_t, cpg_guarantee_t,
				   const struct iovec *, unsigned int);
	cs_error_t (*max_atomic_msgsize_get)(cpg_handle_t, uint32_t *);
	cs_error_t (*flow_control_state_get)(cpg_handle_t,
					     cpg_flow_control_state_t *);
	/* zero-copy */
	cs_error_t (*zcb_alloc)(cpg_handle_t, size_t, void **);
	cs_error_t (*zcb_free)(cpg_handle_t, void *);
	cs_error_t (*zcb_mcast_joined)(cpg_handle_t, cpg_guarantee_t,
				       void *, size_t);
	/* iteration */
	cs_error_t (*iteration_initialize)(cpg_handle_t, cpg_iteration_type_t,
					   const struct cpg_name *,
					   cpg_iteration_handle_t *);
	cs_error_t (*iteration_next)(cpg_iteration_handle_t,
				     struct cpg_iteration_description_t *);
	cs_error_t (*iteration_finalize)(cpg_iteration_handle_t);
	/* corotypes.h */
	cs_error_t (*qb_to_cs_error)(int);
	const char *(*cs_strerror)(cs_error_t);
	cs_error_t (*hdb_error_to_cs)(int);
	uint64_t (*cs_timestamp_get)(void);
	/* callback typedefs */
	cpg_deliver_fn_t deliver;
	cpg_confchg_fn_t confchg;
	cpg_totem_confchg_fn_t totem_confchg;
};

static void on_deliver(cpg_handle_t handle, const struct cpg_name *group_name,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t msg_len)
{
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *group_name,
		       const struct cpg_address *member_list,
		       size_t member_list_entries,
		       const struct cpg_address *left_list,
		       size_t left_list_entries,
		       const struct cpg_address *joined_list,
		       size_t joined_list_entries)
{
}

static void on_totem_confchg(cpg_handle_t handle, struct cpg_ring_id ring_id,
			     uint32_t member_list_entries,
			     const uint32_t *member_list)
{
}

extern const struct rc_cpg_api_table rc_cpg_api_table;

const struct rc_cpg_api_table rc_cpg_api_table = {
	.initialize = cpg_initialize,
	.model_initialize = cpg_model_initialize,
	.finalize = cpg_finalize,
	.context_get = cpg_context_get,
	.context_set = cpg_context_set,
	.fd_get = cpg_fd_get,
	.dispatch = cpg_dispatch,
	.join = cpg_join,
	.leave = cpg_leave,
	.membership_get = cpg_membership_get,
	.local_get = cpg_local_get,
	.mcast_joined = cpg_mcast_joined,
	.max_atomic_msgsize_get = cpg_max_atomic_msgsize_get,
	.flow_control_state_get = cpg_flow_control_state_get,
	.zcb_alloc = cpg_zcb_alloc,
	.zcb_free = cpg_zcb_free,
	.zcb_mcast_joined = cpg_zcb_mcast_joined,
	.iteration_initialize = cpg_iteration_initialize,
	.iteration_next = cpg_iteration_next,
	.iteration_finalize = cpg_iteration_finalize,
	.qb_to_cs_error = qb_to_cs_error,
	.cs_strerror = cs_strerror,
	.hdb_error_to_cs = hdb_error_to_cs,
	.cs_timestamp_get = cs_timestamp_get,
	.deliver = on_deliver,
	.confchg = on_confchg,
	.totem_confchg = on_totem_confchg,
};

/* cpg_model_initialize() is handed a V1 struct cast to the base struct. */
extern const cpg_model_v1_data_t rc_cpg_model_v1_example;

const cpg_model_v1_data_t rc_cpg_model_v1_example = {
	.model = CPG_MODEL_V1,
	.cpg_deliver_fn = on_deliver,
	.cpg_confchg_fn = on_confchg,
	.cpg_totem_confchg_fn = on_totem_confchg,
	.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
};
