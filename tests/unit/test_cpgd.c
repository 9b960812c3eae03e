/* SPDX-License-Identifier: BSD-3-Clause */
#include "cpgd_harness.h"

/* ---- join, leave, procdown ---- */

static void test_join_confchg_reaches_every_member_sorted(void)
{
	cluster(3);
	attach(1, 0, 100);
	attach(2, 0, 60);
	attach(2, 1, 50);
	attach(3, 2, 7);
	join(3, 2, "g");
	EV_NONE(3);			/* nothing before delivery */
	run();
	EV(3, "s2 cc g m=3:7 l= j=3:7/1");
	EV_NONE(1);
	EV_NONE(2);
	join(2, 0, "g");		/* ordered: 1:100, 2:60, 2:50 */
	join(1, 0, "g");
	join(2, 1, "g");
	run();
	for (uint32_t id = 1; id <= 3; id++)
		TABLE(id, "g:1:100,2:50,2:60,3:7");
	EV(1, "s0 cc g m=1:100,3:7 l= j=1:100/1");
	EV(1, "s0 cc g m=1:100,2:60,3:7 l= j=2:60/1");
	EV(1, "s0 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV_NONE(1);
	EV(2, "s0 cc g m=1:100,2:60,3:7 l= j=2:60/1");
	EV(2, "s0 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV(2, "s1 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV_NONE(2);
	EV(3, "s2 cc g m=1:100,3:7 l= j=1:100/1");
	EV(3, "s2 cc g m=1:100,2:60,3:7 l= j=2:60/1");
	EV(3, "s2 cc g m=1:100,2:50,2:60,3:7 l= j=2:50/1");
	EV_NONE(3);
	CU_ASSERT_EQUAL(stats(2).joins, 4);
	CU_ASSERT_EQUAL(stats(2).groups, 1);
	CU_ASSERT_EQUAL(stats(2).processes, 4);
	cluster_fini();
}

static void test_leave_confchg_goes_to_members_and_the_leaver(void)
{
	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 50);
	attach(2, 1, 51);
	join(1, 0, "g");
	join(2, 0, "g");
	join(2, 1, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	leave(2, 1, "g");
	EV_NONE(2);
	client_send(1, 0, "pre");	/* ordered before the LEAVE */
	CU_ASSERT_TRUE(step(1));
	EV(1, "s0 dl 1:100 pre");
	EV(2, "s0 dl 1:100 pre");
	EV(2, "s1 dl 1:100 pre");	/* a leaving member still hears */
	run();
	EV(1, "s0 cc g m=1:100,2:50 l=2:51/2 j=");
	EV_NONE(1);
	EV(2, "s0 cc g m=1:100,2:50 l=2:51/2 j=");
	EV(2, "s1 cc g m=1:100,2:50 l=2:51/2 j=");
	EV_NONE(2);
	TABLE(1, "g:1:100,2:50");
	CU_ASSERT_EQUAL(stats(1).leaves, 1);
	/* The leaver is back to NONE: it may join again, and gets no mcast. */
	client_send(1, 0, "x");
	run();
	EV(2, "s0 dl 1:100 x");
	EV_NONE(2);
	ev_skip(1);
	join(2, 1, "g");
	run();
	EV(2, "s0 cc g m=1:100,2:50,2:51 l= j=2:51/1");
	EV(2, "s1 cc g m=1:100,2:50,2:51 l= j=2:51/1");
	cluster_fini();
}

static void test_detach_of_joined_client_is_procdown_everywhere(void)
{
	cluster(3);
	attach(1, 0, 100);
	attach(2, 3, 50);
	attach(2, 4, 60);
	join(1, 0, "g");
	join(2, 3, "g");
	join(2, 4, "g");
	run();
	for (uint32_t id = 1; id <= 3; id++)
		ev_skip(id);
	rc_cpgd_detach(C(2), 3);
	run();
	EV(1, "s0 cc g m=1:100,2:60 l=2:50/5 j=");
	EV_NONE(1);
	EV(2, "s4 cc g m=1:100,2:60 l=2:50/5 j=");
	EV_NONE(2);			/* not to the detached slot */
	EV_NONE(3);
	TABLE(3, "g:1:100,2:60");
	CU_ASSERT_EQUAL(stats(3).procdowns, 1);
	/* A leaving slot detached and reused: its LEAVE is not the new client's. */
	leave(2, 4, "g");
	rc_cpgd_detach(C(2), 4);
	attach(2, 4, 61);
	join(2, 4, "g");
	run();
	EV(1, "s0 cc g m=1:100 l=2:60/2 j=");
	EV(1, "s0 cc g m=1:100,2:61 l= j=2:61/1");
	EV(2, "s4 cc g m=1:100,2:61 l= j=2:61/1");
	EV_NONE(2);
	/* A detached slot is free: attach again, nothing from its past. */
	attach(2, 3, 70);
	rc_cpgd_detach(C(2), 4);
	rc_cpgd_detach(C(1), 0);
	run();
	TABLE(3, "");
	CU_ASSERT_EQUAL(stats(3).groups, 0);
	CU_ASSERT_EQUAL(stats(3).procdowns, 3);
	EV_NONE(2);
	cluster_fini();
}

static void test_detach_while_joining_then_rejoin_with_same_pid(void)
{
	struct cpg_name g = nm("g");

	cluster(2);
	attach(2, 0, 9);
	join(2, 0, "g");
	run();
	ev_skip(2);
	attach(1, 0, 100);
	join(1, 0, "g");
	rc_cpgd_detach(C(1), 0);	/* JOIN and PROCDOWN both queued */
	attach(1, 0, 100);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_TRY_AGAIN);
	run();
	EV(2, "s0 cc g m=1:100,2:9 l= j=1:100/1");
	EV(2, "s0 cc g m=2:9 l=1:100/5 j=");
	EV_NONE(1);			/* the new client heard nothing */
	join(1, 0, "g");
	run();
	EV(1, "s0 cc g m=1:100,2:9 l= j=1:100/1");
	EV_NONE(1);
	client_send(2, 0, "hi");
	run();
	EV(1, "s0 dl 2:9 hi");
	cluster_fini();
}

static void test_leave_while_joining_gets_both_confchgs(void)
{
	cluster(1);
	attach(1, 0, 100);
	join(1, 0, "g");
	leave(1, 0, "g");
	run();
	EV(1, "s0 cc g m=1:100 l= j=1:100/1");
	EV(1, "s0 cc g m= l=1:100/2 j=");
	EV_NONE(1);
	TABLE(1, "");
	join(1, 0, "g");		/* NONE again */
	cluster_fini();
}

/* ---- mcast ---- */

static void test_mcast_reaches_only_joined_local_members(void)
{
	cluster(2);
	attach(1, 0, 1);
	attach(1, 1, 2);
	attach(1, 2, 3);
	attach(2, 0, 50);
	join(1, 0, "A");
	join(1, 1, "B");
	join(2, 0, "A");
	run();
	ev_skip(1);
	ev_skip(2);
	join(1, 2, "A");		/* queued on node 1, not delivered */
	client_send(2, 0, "hello");
	CU_ASSERT_TRUE(step(2));
	EV(1, "s0 dl 2:50 hello");	/* not slot 1 (B), not slot 2 (joining) */
	EV_NONE(1);
	EV(2, "s0 dl 2:50 hello");	/* the sender too */
	EV_NONE(2);
	run();
	ev_skip(1);
	ev_skip(2);
	client_send(1, 2, "again");
	run();
	EV(1, "s0 dl 1:3 again");
	EV(1, "s2 dl 1:3 again");
	EV_NONE(1);
	EV(2, "s0 dl 1:3 again");
	client_send(1, 1, "b");
	run();
	EV(1, "s1 dl 1:2 b");
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(2).no_member, 1);
	CU_ASSERT_EQUAL(stats(1).delivered, 4);
	CU_ASSERT_EQUAL(stats(2).delivered, 2);
	cluster_fini();
}

static void test_mcast_hdr_ends_at_room_end(void)
{
	uint8_t room[64];
	struct rc_cpg_hdr h;
	size_t hl;

	cluster(1);
	attach(1, 0, 0x01020304);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room)), 0);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 5, room, sizeof(room)), 0);
	join(1, 0, "grp");
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, 10), 0);	/* too small */
	memset(room, 0xee, sizeof(room));
	hl = rc_cpgd_mcast_hdr(C(1), 0, room, 11);			/* exact */
	CU_ASSERT_EQUAL(hl, 11);
	memcpy(&h, room, sizeof(h));
	CU_ASSERT_EQUAL(h.magic, RC_CPG_MAGIC);
	CU_ASSERT_EQUAL(h.type, RC_CPG_MCAST);
	CU_ASSERT_EQUAL(h.name_len, 3);
	CU_ASSERT_EQUAL(h.pid, 0x01020304);
	CU_ASSERT_EQUAL(memcmp(room + 8, "grp", 3), 0);
	CU_ASSERT_EQUAL(room[11], 0xee);
	hl = rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room));
	CU_ASSERT_EQUAL(hl, 11);
	CU_ASSERT_EQUAL(room[sizeof(room) - 11], RC_CPG_MAGIC);
	CU_ASSERT_EQUAL(memcmp(room + sizeof(room) - 3, "grp", 3), 0);
	run();
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room)), 11);
	leave(1, 0, "grp");
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, room, sizeof(room)), 0);
	cluster_fini();
}

/* ---- MCAST_BATCH ---- */

/* A batch of node id's slot, as the lcore builds it (client_io.c tx_batch),
   queued on node id: header from rc_cpgd_batch_hdr, then each payload. */
static void client_send_batch(uint32_t id, uint32_t slot, const char *const *msgs,
			      unsigned int n)
{
	struct node *nd = N(id);
	uint8_t room[200], *buf;
	size_t hl, body = 0;

	hl = rc_cpgd_batch_hdr(nd->c, slot, room, sizeof(room));
	CU_ASSERT_FATAL(hl > 0);
	buf = malloc(hl + 512);
	CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, room + sizeof(room) - hl, hl);
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_FATAL(rc_cpgd_batch_add(buf + hl, &body, 512, msgs[i],
						  (uint32_t)strlen(msgs[i])));
	CU_ASSERT_FATAL(nd->nq < QMAX);
	nd->q[nd->nq++] = (struct qmsg){ buf, hl + body, NULL, buf };
}

static void test_batch_delivers_each_message_in_order_everywhere(void)
{
	static const char *const m[] = { "one", "", "three", "4" };

	cluster(2);
	attach(1, 0, 10);
	attach(1, 1, 11);
	attach(2, 0, 20);
	join(1, 0, "A");
	join(1, 1, "A");
	join(2, 0, "A");
	run();
	ev_skip(1);
	ev_skip(2);
	client_send_batch(1, 1, m, 4);
	client_send(1, 0, "after");
	run();
	for (uint32_t id = 1; id <= 2; id++) {
		/* each message to every local member before the next message */
		for (unsigned int i = 0; i < 4; i++) {
			char want[64];

			for (uint32_t s = 0; s < (id == 1 ? 2u : 1u); s++) {
				snprintf(want, sizeof(want), "s%u dl 1:11 %s", s, m[i]);
				EV(id, want);
			}
		}
		if (id == 1) {
			EV(1, "s0 dl 1:10 after");
			EV(1, "s1 dl 1:10 after");
		} else {
			EV(2, "s0 dl 1:10 after");
		}
		EV_NONE(id);
	}
	CU_ASSERT_EQUAL(stats(1).delivered, 10);
	CU_ASSERT_EQUAL(stats(2).delivered, 5);
	CU_ASSERT_EQUAL(stats(1).bad, 0);
	cluster_fini();
}

static void test_batch_without_local_member_counts_each_message(void)
{
	static const char *const m[] = { "a", "b", "c" };

	cluster(2);
	attach(1, 0, 10);
	join(1, 0, "A");
	run();
	ev_skip(1);
	ev_skip(2);
	client_send_batch(1, 0, m, 3);
	run();
	EV(1, "s0 dl 1:10 a");
	EV(1, "s0 dl 1:10 b");
	EV(1, "s0 dl 1:10 c");
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(2).no_member, 3);
	cluster_fini();
}

static void test_batch_add_stops_at_cap(void)
{
	uint8_t body[16];
	size_t len = 0;

	CU_ASSERT_TRUE(rc_cpgd_batch_add(body, &len, sizeof(body), "abcd", 4));
	CU_ASSERT_EQUAL(len, 8);
	CU_ASSERT_FALSE(rc_cpgd_batch_add(body, &len, sizeof(body), "abcde", 5));
	CU_ASSERT_EQUAL(len, 8);		/* nothing written */
	CU_ASSERT_TRUE(rc_cpgd_batch_add(body, &len, sizeof(body), "wxyz", 4));
	CU_ASSERT_EQUAL(len, 16);
	CU_ASSERT_FALSE(rc_cpgd_batch_add(body, &len, sizeof(body), "", 0));
	CU_ASSERT_EQUAL(rc_cpgd_batch_count(body, len), 2);
	len = 20;				/* already past the cap */
	CU_ASSERT_FALSE(rc_cpgd_batch_add(body, &len, sizeof(body), "", 0));
}

/* Every receiver takes RC_CPG_BATCH_MAX messages in a batch, no more. */
static void test_batch_count_stops_at_max(void)
{
	static uint8_t body[(RC_CPG_BATCH_MAX + 1) * RC_CPG_BATCH_REC];
	size_t len = 0;

	for (uint32_t i = 0; i < RC_CPG_BATCH_MAX; i++)
		CU_ASSERT_FATAL(rc_cpgd_batch_add(body, &len, sizeof(body), "", 0));
	CU_ASSERT_EQUAL(rc_cpgd_batch_count(body, len), RC_CPG_BATCH_MAX);
	CU_ASSERT_FATAL(rc_cpgd_batch_add(body, &len, sizeof(body), "", 0));
	CU_ASSERT_EQUAL(rc_cpgd_batch_count(body, len), 0);
	CU_ASSERT_EQUAL(rc_cpgd_batch_count(body, 0), 0);	/* no message */
}

/* A batch with any flaw delivers none of its messages, on every node. */
static void test_malformed_batch_delivers_nothing(void)
{
	uint8_t b[128], body[64];
	size_t hl, len, bl;
	uint32_t v;

	cluster(2);
	attach(1, 0, 10);
	attach(2, 0, 20);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	hl = put_msg(b, RC_CPG_MCAST_BATCH, "g", 10);
	bl = 0;
	CU_ASSERT_FATAL(rc_cpgd_batch_add(body, &bl, sizeof(body), "xy", 2));
	CU_ASSERT_FATAL(rc_cpgd_batch_add(body, &bl, sizeof(body), "z", 1));
	memcpy(b + hl, body, bl);
	len = hl + bl;
	inject(1, b, hl);			/* no message at all */
	inject(1, b, len - 1);			/* last record short by a byte */
	inject(1, b, hl + bl - 3);		/* a record header cut */
	b[len] = 0;
	inject(1, b, len + 1);			/* a byte after the last record */
	v = 0xffffffffu;			/* a length past the end */
	memcpy(b + hl + 6, &v, sizeof(v));
	inject(1, b, len);
	v = 2;
	memcpy(b + hl + 6, &v, sizeof(v));	/* 2 where 1 is: overruns by one */
	inject(1, b, len);
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(1).bad, 6);
	CU_ASSERT_EQUAL(stats(2).bad, 6);
	CU_ASSERT_EQUAL(stats(1).delivered, 0);
	v = 1;
	memcpy(b + hl + 6, &v, sizeof(v));	/* whole again */
	inject(1, b, len);
	EV(1, "s0 dl 1:10 xy");
	EV(1, "s0 dl 1:10 z");
	EV(2, "s0 dl 1:10 xy");
	EV(2, "s0 dl 1:10 z");
	cluster_fini();
}

/* ---- error codes ---- */

static void test_join_error_codes(void)
{
	struct cpg_name g = nm("g"), h = nm("h"), big = nm("g");

	big.length = 129;
	cluster(1);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_BAD_HANDLE);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), SLOTS, &g), CS_ERR_BAD_HANDLE);
	attach(1, 0, 100);
	attach(1, 1, 100);
	attach(1, 2, 200);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &big), CS_ERR_NAME_TOO_LONG);
	big.length = 128;
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 2, &big), CS_OK);
	N(1)->fail_errno = EAGAIN;
	N(1)->fail_count = 1;
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(rc_cpgd_mcast_hdr(C(1), 0, (uint8_t[16]){ 0 }, 16), 0);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_OK);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_EXIST);	/* joining */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &h), CS_ERR_EXIST);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_EXIST);	/* same pid */
	run();
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_EXIST);	/* joined */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_EXIST);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &h), CS_OK);		/* other name */
	leave(1, 0, "g");
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_ERR_TRY_AGAIN);	/* leaving */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &h), CS_ERR_TRY_AGAIN);
	rc_cpgd_detach(C(1), 1);
	attach(1, 1, 100);
	/* the slot's LEAVE of (g, 100) is in flight, whatever the slot */
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_TRY_AGAIN);
	run();
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 0, &g), CS_OK);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &g), CS_ERR_EXIST);
	N(1)->fail_errno = EBUSY;
	N(1)->fail_count = 1;
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, &h), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(rc_cpgd_join(C(1), 1, NULL), CS_ERR_INVALID_PARAM);
	cluster_fini();
}

static void test_leave_error_codes(void)
{
	struct cpg_name g = nm("g"), h = nm("h"), gg = nm("gg");

	cluster(1);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_BAD_HANDLE);
	attach(1, 0, 100);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_NOT_EXIST);	/* none */
	join(1, 0, "g");
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &h), CS_ERR_NOT_EXIST);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &gg), CS_ERR_NOT_EXIST);
	run();
	N(1)->fail_errno = EAGAIN;
	N(1)->fail_count = 1;
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_TRY_AGAIN);
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_OK);	/* still joined */
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_NOT_EXIST);	/* leaving */
	run();
	CU_ASSERT_EQUAL(rc_cpgd_leave(C(1), 0, &g), CS_ERR_NOT_EXIST);	/* left */
	cluster_fini();
}

static void test_attach_errors(void)
{
	cluster(1);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), SLOTS, 1), -EINVAL);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 1), 0);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 1), -EBUSY);
	rc_cpgd_detach(C(1), 0);
	rc_cpgd_detach(C(1), 0);	/* harmless */
	rc_cpgd_detach(C(1), SLOTS);
	CU_ASSERT_EQUAL(rc_cpgd_attach(C(1), 0, 1), 0);
	CU_ASSERT_EQUAL(rc_cpgd_create(1, 0, &ops, NULL, &(struct rc_cpgd *){ NULL }), -EINVAL);
	cluster_fini();
}

/* ---- duplicates ---- */

static void test_duplicate_join_and_leave_messages_are_ignored(void)
{
	uint8_t b[64];
	size_t len;

	cluster(2);
	attach(1, 0, 100);
	attach(2, 0, 50);
	join(1, 0, "g");
	join(2, 0, "g");
	run();
	ev_skip(1);
	ev_skip(2);
	len = put_msg(b, RC_CPG_JOIN, "g", 50);
	inject(2, b, len);		/* (2, 50) is a member already */
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(1).joins, 2);
	len = put_msg(b, RC_CPG_LEAVE, "g", 51);
	inject(2, b, len);		/* not a member */
	len = put_msg(b, RC_CPG_PROCDOWN, "h", 50);
	inject(2, b, len);		/* no such group */
	EV_NONE(1);
	TABLE(1, "g:1:100,2:50");
	len = put_msg(b, RC_CPG_LEAVE, "g", 50);
	inject(2, b, len);
	EV(1, "s0 cc g m=1:100 l=2:50/2 j=");
	EV(2, "s0 cc g m=1:100 l=2:50/2 j=");
	inject(2, b, len);		/* again */
	EV_NONE(1);
	EV_NONE(2);
	CU_ASSERT_EQUAL(stats(1).leaves, 1);
	TABLE(2, "g:1:100");
	CU_ASSERT_EQUAL(stats(1).bad, 0);
	cluster_fini();
}

static const struct unit_test tests[] = {
	T(test_join_confchg_reaches_every_member_sorted),
	T(test_leave_confchg_goes_to_members_and_the_leaver),
	T(test_detach_of_joined_client_is_procdown_everywhere),
	T(test_detach_while_joining_then_rejoin_with_same_pid),
	T(test_leave_while_joining_gets_both_confchgs),
	T(test_mcast_reaches_only_joined_local_members),
	T(test_mcast_hdr_ends_at_room_end),
	T(test_batch_delivers_each_message_in_order_everywhere),
	T(test_batch_without_local_member_counts_each_message),
	T(test_batch_add_stops_at_cap),
	T(test_batch_count_stops_at_max),
	T(test_malformed_batch_delivers_nothing),
	T(test_join_error_codes),
	T(test_leave_error_codes),
	T(test_attach_errors),
	T(test_duplicate_join_and_leave_messages_are_ignored),
};

UNIT_TEST_MAIN("cpgd", tests)
