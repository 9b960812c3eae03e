/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast's own <corosync/cpg.h>: the Closed Process Group API, API- and
 * ABI-compatible with corosync 3, so an existing CPG program builds against it
 * unchanged and links against ringcast's lib/. Values and layouts must equal
 * corosync's (tests/unit/test_cpg_abi.c, test `cpg-values-match-corosync`).
 *
 * 20 functions: lifecycle (5), dispatch (2), groups (4), messaging (3),
 * zero-copy messaging (3), group iteration (3). All return cs_error_t.
 */
#ifndef COROSYNC_CPG_H_DEFINED	/* corosync's guard: the two never mix */
#define COROSYNC_CPG_H_DEFINED

#include <netinet/in.h>		/* corosync's cpg.h pulls it in; programs rely on it */
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <corosync/corotypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types ------------------------------------------------------------- */

/* Opaque handles; neither is a file descriptor. */
typedef uint64_t cpg_handle_t;
typedef uint64_t cpg_iteration_handle_t;

/* Delivery guarantee for cpg_mcast_joined(); all four get agreed order. */
typedef enum {
	CPG_TYPE_UNORDERED = 0,
	CPG_TYPE_FIFO = 1,
	CPG_TYPE_AGREED = 2,
	CPG_TYPE_SAFE = 3
} cpg_guarantee_t;

/* ENABLED: the sender should hold back new messages for now. */
typedef enum {
	CPG_FLOW_CONTROL_DISABLED = 0,
	CPG_FLOW_CONTROL_ENABLED = 1
} cpg_flow_control_state_t;

/* Why a member appears in a confchg left/joined list (cpg_address.reason). */
typedef enum {
	CPG_REASON_UNDEFINED = 0,
	CPG_REASON_JOIN = 1,
	CPG_REASON_LEAVE = 2,
	CPG_REASON_NODEDOWN = 3,
	CPG_REASON_NODEUP = 4,
	CPG_REASON_PROCDOWN = 5
} cpg_reason_t;

/* What cpg_iteration_next() walks over. */
typedef enum {
	CPG_ITERATION_NAME_ONLY = 1,	/* each group once, no members */
	CPG_ITERATION_ONE_GROUP = 2,	/* members of one named group */
	CPG_ITERATION_ALL = 3		/* every member of every group */
} cpg_iteration_type_t;

typedef enum {
	CPG_MODEL_V1 = 1
} cpg_model_t;

/* One process in a group: 12 bytes. */
struct cpg_address {
	uint32_t nodeid;
	uint32_t pid;
	uint32_t reason;	/* a cpg_reason_t */
};

#define CPG_MAX_NAME_LENGTH	128

/* Group name, length-prefixed, not NUL-terminated: 132 bytes. */
struct cpg_name {
	uint32_t length;
	char value[CPG_MAX_NAME_LENGTH];
};

/* Member-list size callers conventionally pass to cpg_membership_get(). */
#define CPG_MEMBERS_MAX		128

/* One step of a group iteration: 140 bytes. */
struct cpg_iteration_description_t {
	struct cpg_name group;
	uint32_t nodeid;
	uint32_t pid;
};

/*
 * Totem ring identity, passed by value to the totem confchg callback.
 *  0 nodeid  4 (padding)  8 seq       16 bytes on LP64
 */
struct cpg_ring_id {
	uint32_t nodeid;
	uint64_t seq;
};

/* ---- Callbacks ----------------------------------------------------------- */

/*
 * A message for a joined group, in agreed order. msg is writable so the
 * receiver may byte-swap in place; it is valid until the callback returns.
 */
typedef void (*cpg_deliver_fn_t)(
	cpg_handle_t handle,
	const struct cpg_name *group_name,
	uint32_t nodeid,
	uint32_t pid,
	void *msg,
	size_t msg_len);

/* Membership of a joined group changed: the new list, who left, who joined. */
typedef void (*cpg_confchg_fn_t)(
	cpg_handle_t handle,
	const struct cpg_name *group_name,
	const struct cpg_address *member_list, size_t member_list_entries,
	const struct cpg_address *left_list, size_t left_list_entries,
	const struct cpg_address *joined_list, size_t joined_list_entries);

/* The Totem ring itself changed (model V1 only). */
typedef void (*cpg_totem_confchg_fn_t)(
	cpg_handle_t handle,
	struct cpg_ring_id ring_id,
	uint32_t member_list_entries,
	const uint32_t *member_list);

/* For cpg_initialize(). */
typedef struct {
	cpg_deliver_fn_t cpg_deliver_fn;
	cpg_confchg_fn_t cpg_confchg_fn;
} cpg_callbacks_t;

/* For cpg_model_initialize(): the model field tells which struct follows. */
typedef struct {
	cpg_model_t model;
} cpg_model_data_t;

/* cpg_model_v1_data_t.flags: also deliver the current ring at start-up. */
#define CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF	0x01

/*
 * Model V1 data: 40 bytes on LP64.
 *  0 model  4 (padding)  8 deliver  16 confchg  24 totem_confchg  32 flags
 */
typedef struct {
	cpg_model_t model;
	cpg_deliver_fn_t cpg_deliver_fn;
	cpg_confchg_fn_t cpg_confchg_fn;
	cpg_totem_confchg_fn_t cpg_totem_confchg_fn;
	unsigned int flags;
} cpg_model_v1_data_t;

/* ---- Lifecycle ----------------------------------------------------------- */

/* Connect with the two basic callbacks (copied; callbacks may be freed). */
cs_error_t cpg_initialize(
	cpg_handle_t *handle,
	cpg_callbacks_t *callbacks);

/* Connect with a model; model_data points at e.g. a cpg_model_v1_data_t. */
cs_error_t cpg_model_initialize(
	cpg_handle_t *handle,
	cpg_model_t model,
	cpg_model_data_t *model_data,
	void *context);

/* Disconnect; the process drops out of every group it joined. */
cs_error_t cpg_finalize(
	cpg_handle_t handle);

/* The caller's own pointer, stored with the handle. */
cs_error_t cpg_context_get(
	cpg_handle_t handle,
	void **context);

cs_error_t cpg_context_set(
	cpg_handle_t handle,
	void *context);

/* ---- Dispatch ------------------------------------------------------------ */

/* Readable when callbacks are pending; pass it to poll(), then dispatch. */
cs_error_t cpg_fd_get(
	cpg_handle_t handle,
	int *fd);

/* Run pending callbacks on the calling thread. */
cs_error_t cpg_dispatch(
	cpg_handle_t handle,
	cs_dispatch_flags_t dispatch_types);

/* ---- Groups -------------------------------------------------------------- */

cs_error_t cpg_join(
	cpg_handle_t handle,
	const struct cpg_name *group);

cs_error_t cpg_leave(
	cpg_handle_t handle,
	const struct cpg_name *group);

/*
 * Current members of groupName. *member_list_entries holds the array's
 * capacity on entry and the member count on return.
 */
cs_error_t cpg_membership_get(
	cpg_handle_t handle,
	struct cpg_name *groupName,
	struct cpg_address *member_list,
	int *member_list_entries);

/* This node's id. */
cs_error_t cpg_local_get(
	cpg_handle_t handle,
	unsigned int *local_nodeid);

/* ---- Messaging ----------------------------------------------------------- */

/* Send the gathered iovec to the group(s) joined on handle. */
cs_error_t cpg_mcast_joined(
	cpg_handle_t handle,
	cpg_guarantee_t guarantee,
	const struct iovec *iovec,
	unsigned int iov_len);

/* Largest message that crosses the ring unfragmented. */
cs_error_t cpg_max_atomic_msgsize_get(
	cpg_handle_t handle,
	uint32_t *size);

cs_error_t cpg_flow_control_state_get(
	cpg_handle_t handle,
	cpg_flow_control_state_t *flow_control_enabled);

/* ---- Zero-copy messaging ------------------------------------------------- */

/* A buffer in memory shared with the daemon, for cpg_zcb_mcast_joined(). */
cs_error_t cpg_zcb_alloc(
	cpg_handle_t handle,
	size_t size,
	void **buffer);

cs_error_t cpg_zcb_free(
	cpg_handle_t handle,
	void *buffer);

cs_error_t cpg_zcb_mcast_joined(
	cpg_handle_t handle,
	cpg_guarantee_t guarantee,
	void *msg,
	size_t msg_len);

/* ---- Group iteration ----------------------------------------------------- */

/* group is required for CPG_ITERATION_ONE_GROUP and must be NULL otherwise. */
cs_error_t cpg_iteration_initialize(
	cpg_handle_t handle,
	cpg_iteration_type_t iteration_type,
	const struct cpg_name *group,
	cpg_iteration_handle_t *cpg_iteration_handle);

/* CS_ERR_NO_SECTIONS once the walk is over. */
cs_error_t cpg_iteration_next(
	cpg_iteration_handle_t handle,
	struct cpg_iteration_description_t *description);

cs_error_t cpg_iteration_finalize(
	cpg_iteration_handle_t handle);

#ifdef __cplusplus
}
#endif

#endif /* COROSYNC_CPG_H_DEFINED */
