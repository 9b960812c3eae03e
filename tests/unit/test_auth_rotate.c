/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key rotation in frame authentication (dataplane/auth/auth.c): three nodes
 * pass frames round a ring as the token does; a new key is sent with only
 * once every member is known to hold it, the old one dropped only once every
 * member is known to send with the new one; no frame is refused on the way;
 * slots are each node's own (a restarted node holds the new key in slot 0).
 */
#include <errno.h>
#include <string.h>

#include "auth.h"
#include "unit_test.h"

#define BUF	512

static const uint8_t key_a[32] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
static const uint8_t key_b[32] = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
static const uint32_t members[3] = { 1, 2, 3 };
static struct rc_auth *n[4];	/* n[1..3] */

static struct rc_auth *node(uint32_t me, const uint8_t *key)
{
	static uint32_t runs;	/* every node() a later run */
	struct rc_auth_params p = {
		.mode = RC_AUTH_MODE_AEAD, .cluster_id = 9, .me = me, .incarnation = 100 + ++runs,
		.n_nodes = 3, .nodes = { 3, 1, 2 },	/* any order: bits follow nodeids */
	};
	struct rc_auth *a = NULL;

	CU_ASSERT_FATAL(rc_auth_prk(key, 32, p.prk) == 0);
	CU_ASSERT_FATAL(rc_auth_create(&p, &a) == 0);
	return a;
}

static void ring_up(void)
{
	for (uint32_t i = 1; i <= 3; i++)
		n[i] = node(i, key_a);
}

static void ring_down(void)
{
	for (uint32_t i = 1; i <= 3; i++)
		rc_auth_destroy(n[i]);
}

/* One frame from a to b; its result. */
static int pass(struct rc_auth *a, struct rc_auth *b)
{
	uint8_t f[BUF];
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	int len = rc_auth_seal(a, "frame", 5, NULL, 0, true, f);

	CU_ASSERT_FATAL(len > 0);
	return rc_auth_open(b, f, (size_t)len, &rx, &bad);
}

/* The token's trips: 1 -> 2 -> 3 -> 1, every frame accepted. */
static void rounds(int k)
{
	for (int r = 0; r < k; r++)
		for (uint32_t i = 1; i <= 3; i++)
			CU_ASSERT_EQUAL(pass(n[i], n[i % 3 + 1]), 0);
}

/* Every node to every other: all accepted. */
static void all_pairs_pass(void)
{
	for (uint32_t i = 1; i <= 3; i++)
		for (uint32_t j = 1; j <= 3; j++)
			if (i != j)
				CU_ASSERT_EQUAL(pass(n[i], n[j]), 0);
}

static void add_key(struct rc_auth *a, const uint8_t *key)
{
	uint8_t prk[RC_AUTH_PRK_LEN];

	CU_ASSERT_FATAL(rc_auth_prk(key, 32, prk) == 0);
	CU_ASSERT_EQUAL(rc_auth_key_add(a, prk), 0);
}

static void test_new_key_is_used_only_once_every_member_holds_it(void)
{
	uint32_t missing = 0;

	ring_up();
	add_key(n[1], key_b);
	rounds(2);
	/* Nodes 2 and 3 (bits 1 and 2) are not known to hold it. */
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 3, &missing), -EAGAIN);
	CU_ASSERT_EQUAL(missing, 0x6);
	add_key(n[2], key_b);
	rounds(2);
	/* Node 1 hears only node 3 on the token's way, and node 3 does not
	   hold the key, so it passes nothing on about it. */
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 3, &missing), -EAGAIN);
	CU_ASSERT_EQUAL(missing, 0x6);
	add_key(n[3], key_b);
	/* The knowledge goes round with the token: two trips reach everyone. */
	rounds(2);
	for (uint32_t i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(rc_auth_key_use(n[i], members, 3, &missing), 0);
		CU_ASSERT_EQUAL(missing, 0);
		/* Mixed senders: every frame still opens. */
		all_pairs_pass();
	}
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 3, &missing), -EALREADY);
	ring_down();
}

static void test_old_key_is_dropped_only_once_every_member_sends_with_the_new(void)
{
	struct rc_auth_key_status st;
	uint32_t missing;
	uint8_t old[BUF];
	int old_len;
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;

	ring_up();
	old_len = rc_auth_seal(n[3], "frame", 5, NULL, 0, true, old);	/* with key A */
	for (uint32_t i = 1; i <= 3; i++)
		add_key(n[i], key_b);
	rounds(2);
	/* Before using the new key: the old one is still this node's. */
	CU_ASSERT_EQUAL(rc_auth_key_retire(n[1], members, 3, &missing), -EBUSY);
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 3, &missing), 0);
	rounds(2);
	CU_ASSERT_EQUAL(rc_auth_key_retire(n[1], members, 3, &missing), -EAGAIN);
	CU_ASSERT_EQUAL(missing, 0x6);	/* 2 and 3 still send with A */
	CU_ASSERT_EQUAL(rc_auth_key_use(n[2], members, 3, &missing), 0);
	CU_ASSERT_EQUAL(rc_auth_key_use(n[3], members, 3, &missing), 0);
	rounds(2);
	for (uint32_t i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(rc_auth_key_retire(n[i], members, 3, &missing), 0);
		all_pairs_pass();
	}
	rc_auth_key_status(n[1], &st);
	CU_ASSERT_EQUAL(st.other_id, 0);
	CU_ASSERT_EQUAL(st.tx_id, st.newest_id);
	/* A frame sealed with the retired key is no longer accepted. */
	CU_ASSERT_EQUAL(rc_auth_open(n[1], old, (size_t)old_len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_KEY_SLOT);
	CU_ASSERT_EQUAL(rc_auth_key_retire(n[1], members, 3, &missing), -ENOENT);
	ring_down();
}

static void test_a_member_without_the_key_blocks_the_switch(void)
{
	uint32_t missing;

	ring_up();
	add_key(n[1], key_b);
	add_key(n[2], key_b);
	rounds(5);
	CU_ASSERT_EQUAL(pass(n[2], n[1]), 0);	/* a multicast of node 2's */
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 3, &missing), -EAGAIN);
	CU_ASSERT_EQUAL(missing, 0x4);
	/* Without node 3 in the ring, the two may switch. */
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 2, &missing), 0);
	ring_down();
}

static void test_bad_orders_are_refused(void)
{
	uint8_t prk[RC_AUTH_PRK_LEN];
	uint32_t missing;

	ring_up();
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 3, &missing), -ENOENT);
	CU_ASSERT_EQUAL(rc_auth_key_retire(n[1], members, 3, &missing), -ENOENT);
	CU_ASSERT_FATAL(rc_auth_prk(key_a, 32, prk) == 0);
	CU_ASSERT_EQUAL(rc_auth_key_add(n[1], prk), -EEXIST);	/* the key in use */
	add_key(n[1], key_b);
	CU_ASSERT_FATAL(rc_auth_prk(key_b, 32, prk) == 0);
	CU_ASSERT_EQUAL(rc_auth_key_add(n[1], prk), -EEXIST);
	/* A loaded key not used yet may be replaced (a wrong file loaded). */
	{
		static const uint8_t key_c[32] = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";

		add_key(n[1], key_c);
	}
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 1, &missing), 0);
	/* Now the spare slot holds key A, which others may still send with. */
	CU_ASSERT_FATAL(rc_auth_prk(key_b, 32, prk) == 0);
	CU_ASSERT_EQUAL(rc_auth_key_add(n[1], prk), -EBUSY);
	ring_down();
}

static void test_slots_are_local_a_restarted_node_holds_the_new_key_in_slot_0(void)
{
	uint32_t missing;

	ring_up();
	for (uint32_t i = 1; i <= 3; i++)
		add_key(n[i], key_b);
	rounds(2);
	for (uint32_t i = 1; i <= 3; i++)
		CU_ASSERT_EQUAL(rc_auth_key_use(n[i], members, 3, &missing), 0);
	rounds(2);
	for (uint32_t i = 1; i <= 3; i++)
		CU_ASSERT_EQUAL(rc_auth_key_retire(n[i], members, 3, &missing), 0);
	/* Node 3 restarts with the key file now holding B: B in its slot 0,
	   B in slot 1 of the others. */
	rc_auth_destroy(n[3]);
	n[3] = node(3, key_b);
	all_pairs_pass();
	ring_down();
}

/*
 * A loaded key that another member is known to hold may be sent with by
 * it at any time (its key use needs only every member's holding): this
 * node must keep it. Replacing it (another key loaded before use) cut the
 * link one way: node 1 sent with B, node 2 had dropped B for C.
 */
static void test_a_key_others_hold_is_not_replaced(void)
{
	static const uint8_t key_c[32] = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
	uint8_t prk[RC_AUTH_PRK_LEN];
	uint32_t missing;

	ring_up();
	for (uint32_t i = 1; i <= 3; i++)
		add_key(n[i], key_b);
	rounds(2);		/* each knows that all hold B */
	CU_ASSERT_FATAL(rc_auth_prk(key_c, 32, prk) == 0);
	CU_ASSERT_EQUAL(rc_auth_key_add(n[2], prk), -EALREADY);	/* nobody sends with B yet */
	CU_ASSERT_EQUAL(rc_auth_key_use(n[1], members, 3, &missing), 0);
	CU_ASSERT_EQUAL(rc_auth_key_add(n[2], prk), -EALREADY);	/* node 1 does */
	all_pairs_pass();
	ring_down();
}

/* A key of 32 zero bytes is one anyone can compute tags with. */
static void test_a_zero_key_is_refused(void)
{
	uint8_t prk[RC_AUTH_PRK_LEN] = { 0 };

	ring_up();
	CU_ASSERT_EQUAL(rc_auth_key_add(n[1], prk), -EINVAL);
	all_pairs_pass();
	ring_down();
}

static const struct unit_test tests[] = {
	T(test_new_key_is_used_only_once_every_member_holds_it),
	T(test_old_key_is_dropped_only_once_every_member_sends_with_the_new),
	T(test_a_member_without_the_key_blocks_the_switch),
	T(test_bad_orders_are_refused),
	T(test_slots_are_local_a_restarted_node_holds_the_new_key_in_slot_0),
	T(test_a_key_others_hold_is_not_replaced),
	T(test_a_zero_key_is_refused),
};

UNIT_TEST_MAIN("auth-rotate", tests)
