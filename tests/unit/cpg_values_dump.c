/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints every value a CPG program can see in <corosync/cpg.h>, one
 * "NAME VALUE" per line: enum values, constants, printf formats, sizes and
 * offsets. Built twice, against ringcast's headers and against corosync's;
 * compare_values.sh diffs the two outputs.
 * Define RC_DUMP_EXPECT_OURS or RC_DUMP_EXPECT_COROSYNC: a build that picked up
 * the wrong headers then fails to compile instead of comparing with itself.
 */
#include <corosync/cpg.h>

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#if defined(RC_DUMP_EXPECT_OURS) && !defined(RINGCAST_COROSYNC_API)
#error "expected ringcast's include/corosync, got another cpg.h"
#endif
#if defined(RC_DUMP_EXPECT_COROSYNC) && defined(RINGCAST_COROSYNC_API)
#error "expected corosync's installed cpg.h, got ringcast's"
#endif

#define VAL(x)		printf("%s %lld\n", #x, (long long)(x))
#define UVAL(x)		printf("%s %llu\n", #x, (unsigned long long)(x))
#define STR(x)		printf("%s \"%s\"\n", #x, x)
#define SIZE(t)		printf("sizeof(%s) %zu\n", #t, sizeof(t))
#define OFF(t, f)	printf("offsetof(%s,%s) %zu\n", #t, #f, offsetof(t, f))
#define SIGNED(t)	printf("signed(%s) %d\n", #t, !((t)-1 > (t)0))

static void dump_corotypes(void)
{
	VAL(CS_FALSE);
	VAL(CS_TRUE);
	VAL(CS_MAX_NAME_LENGTH);
	VAL(CS_TIME_END);
	VAL(CS_MAX(3, 7));
	VAL(CS_MAX(-1, -2));
	VAL(CS_IPC_TIMEOUT_MS);
	VAL(CS_TRACK_CURRENT);
	VAL(CS_TRACK_CHANGES);
	VAL(CS_TRACK_CHANGES_ONLY);
	UVAL(CS_TIME_MS_IN_SEC);
	UVAL(CS_TIME_US_IN_SEC);
	UVAL(CS_TIME_NS_IN_SEC);
	UVAL(CS_TIME_US_IN_MSEC);
	UVAL(CS_TIME_NS_IN_MSEC);
	UVAL(CS_TIME_NS_IN_USEC);
	STR(CS_PRI_NODE_ID);
	STR(CS_PRI_NODE_ID_PADDED);
	STR(CS_PRI_RING_ID_SEQ);
	STR(CS_PRI_RING_ID);

	VAL(CS_DISPATCH_ONE);
	VAL(CS_DISPATCH_ALL);
	VAL(CS_DISPATCH_BLOCKING);
	VAL(CS_DISPATCH_ONE_NONBLOCKING);

	VAL(CS_OK);
	VAL(CS_ERR_LIBRARY);
	VAL(CS_ERR_VERSION);
	VAL(CS_ERR_INIT);
	VAL(CS_ERR_TIMEOUT);
	VAL(CS_ERR_TRY_AGAIN);
	VAL(CS_ERR_INVALID_PARAM);
	VAL(CS_ERR_NO_MEMORY);
	VAL(CS_ERR_BAD_HANDLE);
	VAL(CS_ERR_BUSY);
	VAL(CS_ERR_ACCESS);
	VAL(CS_ERR_NOT_EXIST);
	VAL(CS_ERR_NAME_TOO_LONG);
	VAL(CS_ERR_EXIST);
	VAL(CS_ERR_NO_SPACE);
	VAL(CS_ERR_INTERRUPT);
	VAL(CS_ERR_NAME_NOT_FOUND);
	VAL(CS_ERR_NO_RESOURCES);
	VAL(CS_ERR_NOT_SUPPORTED);
	VAL(CS_ERR_BAD_OPERATION);
	VAL(CS_ERR_FAILED_OPERATION);
	VAL(CS_ERR_MESSAGE_ERROR);
	VAL(CS_ERR_QUEUE_FULL);
	VAL(CS_ERR_QUEUE_NOT_AVAILABLE);
	VAL(CS_ERR_BAD_FLAGS);
	VAL(CS_ERR_TOO_BIG);
	VAL(CS_ERR_NO_SECTIONS);
	VAL(CS_ERR_CONTEXT_NOT_FOUND);
	VAL(CS_ERR_TOO_MANY_GROUPS);
	VAL(CS_ERR_SECURITY);

	SIZE(cs_time_t);
	SIGNED(cs_time_t);
	SIZE(cs_error_t);
	SIGNED(cs_error_t);
	SIZE(cs_dispatch_flags_t);
	SIGNED(cs_dispatch_flags_t);
	SIZE(cs_name_t);
	OFF(cs_name_t, length);
	OFF(cs_name_t, value);
	SIZE(cs_version_t);
	OFF(cs_version_t, releaseCode);
	OFF(cs_version_t, majorVersion);
	OFF(cs_version_t, minorVersion);
}

static void dump_cpg(void)
{
	VAL(CPG_MAX_NAME_LENGTH);
	VAL(CPG_MEMBERS_MAX);
	VAL(CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF);

	VAL(CPG_TYPE_UNORDERED);
	VAL(CPG_TYPE_FIFO);
	VAL(CPG_TYPE_AGREED);
	VAL(CPG_TYPE_SAFE);
	VAL(CPG_FLOW_CONTROL_DISABLED);
	VAL(CPG_FLOW_CONTROL_ENABLED);
	VAL(CPG_REASON_UNDEFINED);
	VAL(CPG_REASON_JOIN);
	VAL(CPG_REASON_LEAVE);
	VAL(CPG_REASON_NODEDOWN);
	VAL(CPG_REASON_NODEUP);
	VAL(CPG_REASON_PROCDOWN);
	VAL(CPG_ITERATION_NAME_ONLY);
	VAL(CPG_ITERATION_ONE_GROUP);
	VAL(CPG_ITERATION_ALL);
	VAL(CPG_MODEL_V1);

	SIZE(cpg_handle_t);
	SIGNED(cpg_handle_t);
	SIZE(cpg_iteration_handle_t);
	SIGNED(cpg_iteration_handle_t);
	SIZE(cpg_guarantee_t);
	SIGNED(cpg_guarantee_t);
	SIZE(cpg_flow_control_state_t);
	SIGNED(cpg_flow_control_state_t);
	SIZE(cpg_reason_t);
	SIGNED(cpg_reason_t);
	SIZE(cpg_iteration_type_t);
	SIGNED(cpg_iteration_type_t);
	SIZE(cpg_model_t);
	SIGNED(cpg_model_t);

	SIZE(struct cpg_address);
	OFF(struct cpg_address, nodeid);
	OFF(struct cpg_address, pid);
	OFF(struct cpg_address, reason);

	SIZE(struct cpg_name);
	OFF(struct cpg_name, length);
	OFF(struct cpg_name, value);

	SIZE(struct cpg_iteration_description_t);
	OFF(struct cpg_iteration_description_t, group);
	OFF(struct cpg_iteration_description_t, nodeid);
	OFF(struct cpg_iteration_description_t, pid);

	SIZE(struct cpg_ring_id);
	OFF(struct cpg_ring_id, nodeid);
	OFF(struct cpg_ring_id, seq);

	SIZE(cpg_deliver_fn_t);
	SIZE(cpg_confchg_fn_t);
	SIZE(cpg_totem_confchg_fn_t);

	SIZE(cpg_callbacks_t);
	OFF(cpg_callbacks_t, cpg_deliver_fn);
	OFF(cpg_callbacks_t, cpg_confchg_fn);

	SIZE(cpg_model_data_t);
	OFF(cpg_model_data_t, model);

	SIZE(cpg_model_v1_data_t);
	OFF(cpg_model_v1_data_t, model);
	OFF(cpg_model_v1_data_t, cpg_deliver_fn);
	OFF(cpg_model_v1_data_t, cpg_confchg_fn);
	OFF(cpg_model_v1_data_t, cpg_totem_confchg_fn);
	OFF(cpg_model_v1_data_t, flags);
}

int main(void)
{
	dump_corotypes();
	dump_cpg();
	return 0;
}
