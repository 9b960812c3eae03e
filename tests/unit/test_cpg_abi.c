/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pins the ABI of include/corosync/{cpg,corotypes}.h: sizes, offsets, every
 * enum value and constant. The numbers are corosync 3's; a failure here means
 * a program built against corosync would misread ringcast's data.
 * Exact layouts are for LP64; other ABIs rely on cpg-values-match-corosync.
 */
#include <corosync/cpg.h>

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "unit_test.h"

#ifndef RINGCAST_COROSYNC_API
#error "built against corosync's headers, not ringcast's: fix the include order"
#endif

/* ---- Layouts ------------------------------------------------------------- */

static void test_cpg_name_is_132_bytes(void)
{
	CU_ASSERT_EQUAL(sizeof(struct cpg_name), 132);
	CU_ASSERT_EQUAL(offsetof(struct cpg_name, length), 0);
	CU_ASSERT_EQUAL(offsetof(struct cpg_name, value), 4);
	CU_ASSERT_EQUAL(sizeof(((struct cpg_name *)0)->value), CPG_MAX_NAME_LENGTH);
}

static void test_cpg_address_is_three_u32_in_order(void)
{
	CU_ASSERT_EQUAL(sizeof(struct cpg_address), 12);
	CU_ASSERT_EQUAL(offsetof(struct cpg_address, nodeid), 0);
	CU_ASSERT_EQUAL(offsetof(struct cpg_address, pid), 4);
	CU_ASSERT_EQUAL(offsetof(struct cpg_address, reason), 8);
}

static void test_cpg_iteration_description_is_140_bytes(void)
{
	CU_ASSERT_EQUAL(sizeof(struct cpg_iteration_description_t), 140);
	CU_ASSERT_EQUAL(offsetof(struct cpg_iteration_description_t, group), 0);
	CU_ASSERT_EQUAL(offsetof(struct cpg_iteration_description_t, nodeid), 132);
	CU_ASSERT_EQUAL(offsetof(struct cpg_iteration_description_t, pid), 136);
}

static void test_cs_name_is_258_bytes(void)
{
	CU_ASSERT_EQUAL(sizeof(cs_name_t), 258);
	CU_ASSERT_EQUAL(offsetof(cs_name_t, value), 2);
	CU_ASSERT_EQUAL(sizeof(((cs_name_t *)0)->value), CS_MAX_NAME_LENGTH);
}

static void test_cs_version_is_three_unpadded_bytes(void)
{
	CU_ASSERT_EQUAL(sizeof(cs_version_t), 3);
	CU_ASSERT_EQUAL(offsetof(cs_version_t, releaseCode), 0);
	CU_ASSERT_EQUAL(offsetof(cs_version_t, majorVersion), 1);
	CU_ASSERT_EQUAL(offsetof(cs_version_t, minorVersion), 2);
}

static void test_handles_and_time_are_64_bit(void)
{
	CU_ASSERT_EQUAL(sizeof(cpg_handle_t), 8);
	CU_ASSERT_EQUAL(sizeof(cpg_iteration_handle_t), 8);
	CU_ASSERT_EQUAL(sizeof(cs_time_t), 8);
	CU_ASSERT((cpg_handle_t)-1 > 0);	/* unsigned */
	CU_ASSERT((cs_time_t)-1 < 0);		/* signed */
}

static void test_enums_are_int_sized(void)
{
	CU_ASSERT_EQUAL(sizeof(cs_error_t), 4);
	CU_ASSERT_EQUAL(sizeof(cs_dispatch_flags_t), 4);
	CU_ASSERT_EQUAL(sizeof(cpg_guarantee_t), 4);
	CU_ASSERT_EQUAL(sizeof(cpg_model_t), 4);
	CU_ASSERT_EQUAL(sizeof(cpg_flow_control_state_t), 4);
}

static void test_model_data_is_just_the_model(void)
{
	CU_ASSERT_EQUAL(sizeof(cpg_model_data_t), sizeof(cpg_model_t));
	CU_ASSERT_EQUAL(offsetof(cpg_model_data_t, model), 0);
	/* cpg_model_initialize() reads the V1 struct through a cpg_model_data_t. */
	CU_ASSERT_EQUAL(offsetof(cpg_model_v1_data_t, model), 0);
}

#ifdef __LP64__
static void test_cpg_ring_id_is_16_bytes_with_seq_at_8(void)
{
	CU_ASSERT_EQUAL(sizeof(struct cpg_ring_id), 16);
	CU_ASSERT_EQUAL(offsetof(struct cpg_ring_id, nodeid), 0);
	CU_ASSERT_EQUAL(offsetof(struct cpg_ring_id, seq), 8);
}

static void test_cpg_model_v1_data_is_40_bytes_with_flags_at_32(void)
{
	CU_ASSERT_EQUAL(sizeof(cpg_model_v1_data_t), 40);
	CU_ASSERT_EQUAL(offsetof(cpg_model_v1_data_t, cpg_deliver_fn), 8);
	CU_ASSERT_EQUAL(offsetof(cpg_model_v1_data_t, cpg_confchg_fn), 16);
	CU_ASSERT_EQUAL(offsetof(cpg_model_v1_data_t, cpg_totem_confchg_fn), 24);
	CU_ASSERT_EQUAL(offsetof(cpg_model_v1_data_t, flags), 32);
}

static void test_cpg_callbacks_is_deliver_then_confchg(void)
{
	CU_ASSERT_EQUAL(sizeof(cpg_callbacks_t), 16);
	CU_ASSERT_EQUAL(offsetof(cpg_callbacks_t, cpg_deliver_fn), 0);
	CU_ASSERT_EQUAL(offsetof(cpg_callbacks_t, cpg_confchg_fn), 8);
}
#endif

/* ---- Enum values --------------------------------------------------------- */

static void test_cs_error_values_match_corosync(void)
{
	CU_ASSERT_EQUAL(CS_OK, 1);
	CU_ASSERT_EQUAL(CS_ERR_LIBRARY, 2);
	CU_ASSERT_EQUAL(CS_ERR_VERSION, 3);
	CU_ASSERT_EQUAL(CS_ERR_INIT, 4);
	CU_ASSERT_EQUAL(CS_ERR_TIMEOUT, 5);
	CU_ASSERT_EQUAL(CS_ERR_TRY_AGAIN, 6);
	CU_ASSERT_EQUAL(CS_ERR_INVALID_PARAM, 7);
	CU_ASSERT_EQUAL(CS_ERR_NO_MEMORY, 8);
	CU_ASSERT_EQUAL(CS_ERR_BAD_HANDLE, 9);
	CU_ASSERT_EQUAL(CS_ERR_BUSY, 10);
	CU_ASSERT_EQUAL(CS_ERR_ACCESS, 11);
	CU_ASSERT_EQUAL(CS_ERR_NOT_EXIST, 12);
	CU_ASSERT_EQUAL(CS_ERR_NAME_TOO_LONG, 13);
	CU_ASSERT_EQUAL(CS_ERR_EXIST, 14);
	CU_ASSERT_EQUAL(CS_ERR_NO_SPACE, 15);
	CU_ASSERT_EQUAL(CS_ERR_INTERRUPT, 16);
	CU_ASSERT_EQUAL(CS_ERR_NAME_NOT_FOUND, 17);
	CU_ASSERT_EQUAL(CS_ERR_NO_RESOURCES, 18);
	CU_ASSERT_EQUAL(CS_ERR_NOT_SUPPORTED, 19);
	CU_ASSERT_EQUAL(CS_ERR_BAD_OPERATION, 20);
	CU_ASSERT_EQUAL(CS_ERR_FAILED_OPERATION, 21);
	CU_ASSERT_EQUAL(CS_ERR_MESSAGE_ERROR, 22);
	CU_ASSERT_EQUAL(CS_ERR_QUEUE_FULL, 23);
	CU_ASSERT_EQUAL(CS_ERR_QUEUE_NOT_AVAILABLE, 24);
	CU_ASSERT_EQUAL(CS_ERR_BAD_FLAGS, 25);
	CU_ASSERT_EQUAL(CS_ERR_TOO_BIG, 26);
	CU_ASSERT_EQUAL(CS_ERR_NO_SECTIONS, 27);
	CU_ASSERT_EQUAL(CS_ERR_CONTEXT_NOT_FOUND, 28);
	CU_ASSERT_EQUAL(CS_ERR_TOO_MANY_GROUPS, 30);
	CU_ASSERT_EQUAL(CS_ERR_SECURITY, 100);
}

static void test_dispatch_flags_are_1_to_4(void)
{
	CU_ASSERT_EQUAL(CS_DISPATCH_ONE, 1);
	CU_ASSERT_EQUAL(CS_DISPATCH_ALL, 2);
	CU_ASSERT_EQUAL(CS_DISPATCH_BLOCKING, 3);
	CU_ASSERT_EQUAL(CS_DISPATCH_ONE_NONBLOCKING, 4);
}

static void test_guarantees_are_0_to_3(void)
{
	CU_ASSERT_EQUAL(CPG_TYPE_UNORDERED, 0);
	CU_ASSERT_EQUAL(CPG_TYPE_FIFO, 1);
	CU_ASSERT_EQUAL(CPG_TYPE_AGREED, 2);
	CU_ASSERT_EQUAL(CPG_TYPE_SAFE, 3);
}

static void test_flow_control_disabled_is_0_enabled_is_1(void)
{
	CU_ASSERT_EQUAL(CPG_FLOW_CONTROL_DISABLED, 0);
	CU_ASSERT_EQUAL(CPG_FLOW_CONTROL_ENABLED, 1);
}

static void test_reasons_are_0_to_5(void)
{
	CU_ASSERT_EQUAL(CPG_REASON_UNDEFINED, 0);
	CU_ASSERT_EQUAL(CPG_REASON_JOIN, 1);
	CU_ASSERT_EQUAL(CPG_REASON_LEAVE, 2);
	CU_ASSERT_EQUAL(CPG_REASON_NODEDOWN, 3);
	CU_ASSERT_EQUAL(CPG_REASON_NODEUP, 4);
	CU_ASSERT_EQUAL(CPG_REASON_PROCDOWN, 5);
}

static void test_iteration_types_are_1_to_3(void)
{
	CU_ASSERT_EQUAL(CPG_ITERATION_NAME_ONLY, 1);
	CU_ASSERT_EQUAL(CPG_ITERATION_ONE_GROUP, 2);
	CU_ASSERT_EQUAL(CPG_ITERATION_ALL, 3);
}

static void test_model_v1_is_1(void)
{
	CU_ASSERT_EQUAL(CPG_MODEL_V1, 1);
}

/* ---- Constants and macros ------------------------------------------------ */

static void test_cpg_constants_match_corosync(void)
{
	CU_ASSERT_EQUAL(CPG_MAX_NAME_LENGTH, 128);
	CU_ASSERT_EQUAL(CPG_MEMBERS_MAX, 128);
	CU_ASSERT_EQUAL(CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF, 0x01);
}

static void test_cs_constants_match_corosync(void)
{
	CU_ASSERT_EQUAL(CS_FALSE, 0);
	CU_ASSERT_EQUAL(CS_TRUE, 1);
	CU_ASSERT_EQUAL(CS_MAX_NAME_LENGTH, 256);
	CU_ASSERT_EQUAL(CS_TIME_END, INT64_MAX);
	CU_ASSERT_EQUAL(CS_IPC_TIMEOUT_MS, -1);
	CU_ASSERT_EQUAL(CS_TRACK_CURRENT, 0x01);
	CU_ASSERT_EQUAL(CS_TRACK_CHANGES, 0x02);
	CU_ASSERT_EQUAL(CS_TRACK_CHANGES_ONLY, 0x04);
	CU_ASSERT_EQUAL(CS_TIME_MS_IN_SEC, 1000ULL);
	CU_ASSERT_EQUAL(CS_TIME_US_IN_SEC, 1000000ULL);
	CU_ASSERT_EQUAL(CS_TIME_NS_IN_SEC, 1000000000ULL);
	CU_ASSERT_EQUAL(CS_TIME_US_IN_MSEC, 1000ULL);
	CU_ASSERT_EQUAL(CS_TIME_NS_IN_MSEC, 1000000ULL);
	CU_ASSERT_EQUAL(CS_TIME_NS_IN_USEC, 1000ULL);
}

static void test_cs_max_returns_the_larger(void)
{
	CU_ASSERT_EQUAL(CS_MAX(3, 7), 7);
	CU_ASSERT_EQUAL(CS_MAX(7, 3), 7);
	CU_ASSERT_EQUAL(CS_MAX(-1, -2), -1);
}

static void test_pri_formats_print_like_corosync(void)
{
	char buf[64];

	snprintf(buf, sizeof(buf), CS_PRI_NODE_ID, (uint32_t)4000000000u);
	CU_ASSERT_STRING_EQUAL(buf, "4000000000");
	snprintf(buf, sizeof(buf), CS_PRI_NODE_ID_PADDED, (uint32_t)7);
	CU_ASSERT_STRING_EQUAL(buf, "         7");
	snprintf(buf, sizeof(buf), CS_PRI_RING_ID_SEQ, (uint64_t)0x1a2b);
	CU_ASSERT_STRING_EQUAL(buf, "1a2b");
	snprintf(buf, sizeof(buf), CS_PRI_RING_ID, (uint32_t)0x1f, (uint64_t)0x2a);
	CU_ASSERT_STRING_EQUAL(buf, "1f.2a");
}

static void test_cs_timestamp_get_never_goes_back(void)
{
	uint64_t a, b;

	a = cs_timestamp_get();
	b = cs_timestamp_get();
	CU_ASSERT(a > 0);
	CU_ASSERT(b >= a);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_cpg_name_is_132_bytes),
	T(test_cpg_address_is_three_u32_in_order),
	T(test_cpg_iteration_description_is_140_bytes),
	T(test_cs_name_is_258_bytes),
	T(test_cs_version_is_three_unpadded_bytes),
	T(test_handles_and_time_are_64_bit),
	T(test_enums_are_int_sized),
	T(test_model_data_is_just_the_model),
#ifdef __LP64__
	T(test_cpg_ring_id_is_16_bytes_with_seq_at_8),
	T(test_cpg_model_v1_data_is_40_bytes_with_flags_at_32),
	T(test_cpg_callbacks_is_deliver_then_confchg),
#endif
	T(test_cs_error_values_match_corosync),
	T(test_dispatch_flags_are_1_to_4),
	T(test_guarantees_are_0_to_3),
	T(test_flow_control_disabled_is_0_enabled_is_1),
	T(test_reasons_are_0_to_5),
	T(test_iteration_types_are_1_to_3),
	T(test_model_v1_is_1),
	T(test_cpg_constants_match_corosync),
	T(test_cs_constants_match_corosync),
	T(test_cs_max_returns_the_larger),
	T(test_pri_formats_print_like_corosync),
	T(test_cs_timestamp_get_never_goes_back),
};

UNIT_TEST_MAIN("cpg_abi", tests)
