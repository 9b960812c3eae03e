/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for the membership frames of dataplane/totem/wire.c: JOIN, COMMIT and
 * MERGE built with rc_wire_put_* and read back with rc_wire_parse(). A frame
 * that breaks a rule must be rejected with its own reason (RC_BAD_MEMB for
 * fields out of bounds, RC_BAD_LENGTH for a length that disagrees with the
 * counts, RC_BAD_SHORT for a frame shorter than its fixed part).
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>


#include "srp_int.h"

#include "unit_test.h"

#define CLUSTER		7u
#define MAX_MSG		(64u << 10)

#define HDR		sizeof(struct rc_wire_hdr)
#define JN		sizeof(struct rc_wire_join)
#define CM		sizeof(struct rc_wire_commit)
#define CE		sizeof(struct rc_wire_commit_entry)

static uint8_t frame[RC_WIRE_COMMIT_MAX + RC_WIRE_JOIN_MAX + 64];

static void wr16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static void wr32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* ---- Builders ------------------------------------------------------------ */

static void join_sets(struct rc_join *j, uint64_t ring_seq,
		      const uint32_t *proc, uint16_t n_proc,
		      const uint32_t *failed, uint16_t n_failed)
{
	memset(j, 0, sizeof(*j));
	j->ring_seq = ring_seq;
	j->n_proc = n_proc;
	j->n_failed = n_failed;
	if (n_proc)
		memcpy(j->proc, proc, n_proc * sizeof(uint32_t));
	if (n_failed)
		memcpy(j->failed, failed, n_failed * sizeof(uint32_t));
}

static size_t join_frame(uint8_t *f, uint32_t sender, const struct rc_join *j)
{
	rc_wire_put_hdr(f, RC_FT_JOIN, CLUSTER, sender, 1, 12);
	return rc_wire_put_join(f, j);
}

/* A valid JOIN: proc {1, 2, 3}, failed {3}. */
static size_t good_join(uint8_t *f)
{
	struct rc_join j;

	join_sets(&j, 40, (const uint32_t[]){ 1, 2, 3 }, 3, (const uint32_t[]){ 3 }, 1);
	return join_frame(f, 2, &j);
}

/* A COMMIT of ring (1, 16) with members {1, 4, 9}, entries 0 and 2 filled. */
static void commit_of(struct rc_commit *c, const uint32_t *ids, uint16_t n)
{
	memset(c, 0, sizeof(*c));
	c->rep = ids[0];
	c->ring_seq = 16;
	c->hop = 3;
	c->n_memb = n;
	c->max_msg = 1u << 20;
	c->netmtu = 1436;
	for (uint32_t i = 0; i < n; i++) {
		c->e[i].nodeid = ids[i];
		c->e[i].old_rep = 1;
		c->e[i].old_seq = 8;
		c->e[i].my_aru = 100 + i;
		c->e[i].high_seq = 200 + i;
	}
}

static size_t commit_frame(uint8_t *f, uint32_t sender, const struct rc_commit *c)
{
	rc_wire_put_hdr(f, RC_FT_COMMIT, CLUSTER, sender, c->rep, c->ring_seq);
	return rc_wire_put_commit(f, c);
}

static size_t good_commit(uint8_t *f, struct rc_commit *c)
{
	commit_of(c, (const uint32_t[]){ 1, 4, 9 }, 3);
	c->filled = 0x5;
	return commit_frame(f, 9, c);
}

/* ---- Checks -------------------------------------------------------------- */

static int parse(const uint8_t *f, size_t len, struct rc_frame_view *v,
		 enum rc_bad_reason *why)
{
	memset(v, 0xa5, sizeof(*v));
	*why = RC_BAD_REASONS_;
	return rc_wire_parse(f, len, MAX_MSG, v, why);
}

#define EXPECT_BAD(f, len, reason) do {					\
	struct rc_frame_view v_;					\
	enum rc_bad_reason why_;					\
	int r_ = parse((f), (len), &v_, &why_);				\
	if (r_ != -EBADMSG || why_ != (reason))				\
		fprintf(stderr, "\n    line %d: ret %d why %d, want %d\n",	\
			__LINE__, r_, (int)why_, (int)(reason));	\
	CU_ASSERT_EQUAL(r_, -EBADMSG);					\
	CU_ASSERT_EQUAL(why_, (reason));				\
} while (0)

#define EXPECT_GOOD(f, len, v) do {					\
	enum rc_bad_reason why_;					\
	int r_ = parse((f), (len), (v), &why_);				\
	if (r_ != 0)							\
		fprintf(stderr, "\n    line %d: rejected, why %d\n",	\
			__LINE__, (int)why_);				\
	CU_ASSERT_EQUAL_FATAL(r_, 0);					\
} while (0)

/* ---- JOIN ---------------------------------------------------------------- */

static void test_join_round_trips_every_field(void)
{
	struct rc_frame_view v;
	struct rc_join j;
	size_t len;

	join_sets(&j, 0x0123456789abcdefull, (const uint32_t[]){ 1, 5, 9, 0xfffffffeu }, 4,
		  (const uint32_t[]){ 5, 0xfffffffeu }, 2);
	rc_wire_put_hdr(frame, RC_FT_JOIN, CLUSTER, 9, 5, 0x1122334455667788ull);
	len = rc_wire_put_join(frame, &j);
	CU_ASSERT_EQUAL(len, HDR + JN + 4 * (4 + 2));

	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.type, RC_FT_JOIN);
	CU_ASSERT_EQUAL(v.cluster_id, CLUSTER);
	CU_ASSERT_EQUAL(v.sender, 9);
	CU_ASSERT_EQUAL(v.ring_rep, 5);
	CU_ASSERT_EQUAL(v.ring_seq, 0x1122334455667788ull);
	CU_ASSERT_EQUAL(v.join.ring_seq, 0x0123456789abcdefull);
	CU_ASSERT_EQUAL(v.join.n_proc, 4);
	CU_ASSERT_EQUAL(v.join.n_failed, 2);
	CU_ASSERT_EQUAL(memcmp(v.join.proc, j.proc, 4 * sizeof(uint32_t)), 0);
	CU_ASSERT_EQUAL(memcmp(v.join.failed, j.failed, 2 * sizeof(uint32_t)), 0);
}

static void test_join_is_little_endian_on_the_wire(void)
{
	struct rc_join j;

	join_sets(&j, 0x0102030405060708ull, (const uint32_t[]){ 0x0a0b0c0du }, 1,
		  (const uint32_t[]){ 0x11223344u }, 1);
	join_frame(frame, 2, &j);
	CU_ASSERT_EQUAL(frame[HDR + offsetof(struct rc_wire_join, ring_seq)], 0x08);
	CU_ASSERT_EQUAL(frame[HDR + offsetof(struct rc_wire_join, n_proc)], 1);
	CU_ASSERT_EQUAL(frame[HDR + offsetof(struct rc_wire_join, n_failed)], 1);
	CU_ASSERT_EQUAL(frame[HDR + JN], 0x0d);
	CU_ASSERT_EQUAL(rd32(frame + HDR + JN), 0x0a0b0c0du);
	CU_ASSERT_EQUAL(rd32(frame + HDR + JN + 4), 0x11223344u);
}

static void test_join_with_32_proc_and_32_failed_round_trips(void)
{
	struct rc_frame_view v;
	struct rc_join j;
	size_t len;

	memset(&j, 0, sizeof(j));
	j.ring_seq = 7;
	j.n_proc = RC_MEMB_MAX;
	j.n_failed = RC_MEMB_MAX;
	for (uint32_t i = 0; i < RC_MEMB_MAX; i++) {
		j.proc[i] = 10 + 3 * i;
		j.failed[i] = 10 + 3 * i;
	}
	len = join_frame(frame, 10, &j);
	CU_ASSERT_EQUAL(len, RC_WIRE_JOIN_MAX);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.join.n_proc, RC_MEMB_MAX);
	CU_ASSERT_EQUAL(v.join.n_failed, RC_MEMB_MAX);
	CU_ASSERT_EQUAL(memcmp(v.join.proc, j.proc, sizeof(j.proc)), 0);
	CU_ASSERT_EQUAL(memcmp(v.join.failed, j.failed, sizeof(j.failed)), 0);
}

static void test_join_with_no_failed_nodes_is_good(void)
{
	struct rc_frame_view v;
	struct rc_join j;
	size_t len;

	join_sets(&j, 0, (const uint32_t[]){ 3 }, 1, NULL, 0);
	len = join_frame(frame, 3, &j);
	CU_ASSERT_EQUAL(len, HDR + JN + 4);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.join.n_proc, 1);
	CU_ASSERT_EQUAL(v.join.proc[0], 3);
	CU_ASSERT_EQUAL(v.join.n_failed, 0);
}

static void test_join_with_no_proc_is_bad_memb(void)
{
	struct rc_join j;
	size_t len;

	join_sets(&j, 0, NULL, 0, NULL, 0);
	len = join_frame(frame, 3, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	/* A failed set alone is no better. */
	join_sets(&j, 0, NULL, 0, (const uint32_t[]){ 3 }, 1);
	len = join_frame(frame, 3, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_join_with_over_32_nodes_is_bad_memb(void)
{
	size_t len = good_join(frame);

	/* The counts are checked before the length that would follow from them. */
	wr16(frame + HDR + offsetof(struct rc_wire_join, n_proc), RC_MEMB_MAX + 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	len = good_join(frame);
	wr16(frame + HDR + offsetof(struct rc_wire_join, n_failed), RC_MEMB_MAX + 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	len = good_join(frame);
	wr16(frame + HDR + offsetof(struct rc_wire_join, n_proc), 0xffff);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_join_over_32_nodes_with_matching_length_is_bad_memb(void)
{
	struct rc_join j;
	size_t len;

	memset(&j, 0, sizeof(j));
	j.n_proc = RC_MEMB_MAX;
	for (uint32_t i = 0; i < RC_MEMB_MAX; i++)
		j.proc[i] = i + 1;
	len = join_frame(frame, 1, &j);
	/* Append a 33rd id and count it: every length agrees, the bound does not. */
	wr32(frame + len, RC_MEMB_MAX + 1);
	len += 4;
	wr16(frame + HDR + offsetof(struct rc_wire_join, n_proc), RC_MEMB_MAX + 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_join_with_unsorted_or_duplicate_ids_is_bad_memb(void)
{
	struct rc_join j;
	size_t len;

	join_sets(&j, 0, (const uint32_t[]){ 1, 3, 2 }, 3, NULL, 0);
	len = join_frame(frame, 1, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);

	join_sets(&j, 0, (const uint32_t[]){ 1, 2, 2 }, 3, NULL, 0);
	len = join_frame(frame, 1, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);

	join_sets(&j, 0, (const uint32_t[]){ 1, 2, 3 }, 3, (const uint32_t[]){ 3, 2 }, 2);
	len = join_frame(frame, 1, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);

	join_sets(&j, 0, (const uint32_t[]){ 1, 2, 3 }, 3, (const uint32_t[]){ 2, 2 }, 2);
	len = join_frame(frame, 1, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_join_with_nodeid_0_is_bad_memb(void)
{
	struct rc_join j;
	size_t len;

	join_sets(&j, 0, (const uint32_t[]){ 0, 1 }, 2, NULL, 0);
	len = join_frame(frame, 1, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);

	join_sets(&j, 0, (const uint32_t[]){ 1 }, 1, (const uint32_t[]){ 0 }, 1);
	len = join_frame(frame, 1, &j);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_join_length_must_match_the_counts(void)
{
	size_t len = good_join(frame);

	EXPECT_BAD(frame, len - 4, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len - 1, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len + 1, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len + 4, RC_BAD_LENGTH);
	/* Counts that ask for more ids than the frame holds. */
	len = good_join(frame);
	wr16(frame + HDR + offsetof(struct rc_wire_join, n_failed), 2);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
	len = good_join(frame);
	wr16(frame + HDR + offsetof(struct rc_wire_join, n_failed), 0);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
}

static void test_join_shorter_than_its_body_is_bad_short(void)
{
	good_join(frame);
	EXPECT_BAD(frame, HDR, RC_BAD_SHORT);
	EXPECT_BAD(frame, HDR + JN - 1, RC_BAD_SHORT);
	EXPECT_BAD(frame, HDR - 1, RC_BAD_SHORT);
}

static void test_join_with_reserved_bits_set_is_rejected(void)
{
	size_t len = good_join(frame);

	wr32(frame + HDR + offsetof(struct rc_wire_join, reserved), 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	len = good_join(frame);
	wr32(frame + HDR + offsetof(struct rc_wire_join, reserved), 0x80000000u);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	/* The header's reserved words are a later version's, as for every frame. */
	len = good_join(frame);
	wr32(frame + offsetof(struct rc_wire_hdr, reserved), 1);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
	len = good_join(frame);
	wr16(frame + offsetof(struct rc_wire_hdr, flags), 1);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
}

static void test_good_join_helper_is_accepted(void)
{
	struct rc_frame_view v;
	size_t len = good_join(frame);

	/* The malformed cases above differ from this frame in one field only. */
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.join.n_proc, 3);
	CU_ASSERT_EQUAL(v.join.n_failed, 1);
	CU_ASSERT_EQUAL(v.join.failed[0], 3);
}

/* ---- COMMIT -------------------------------------------------------------- */

static void test_commit_round_trips_every_field(void)
{
	struct rc_frame_view v;
	struct rc_commit c;
	size_t len;

	commit_of(&c, (const uint32_t[]){ 2, 4, 9 }, 3);
	c.ring_seq = 0xa1a2a3a4a5a6a7a8ull;
	c.hop = 0xdeadbeefu;
	c.filled = 0x6;
	c.max_msg = 0x3ffffff1u;
	c.netmtu = 8937;
	c.e[1].old_rep = 0;
	c.e[1].old_seq = 0;
	c.e[2].old_seq = 0x0102030405060708ull;
	c.e[2].my_aru = 0xfffffff0u;
	c.e[2].high_seq = 0xfffffff0u;
	len = commit_frame(frame, 9, &c);
	CU_ASSERT_EQUAL(len, HDR + CM + 3 * CE);

	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.type, RC_FT_COMMIT);
	CU_ASSERT_EQUAL(v.sender, 9);
	CU_ASSERT_EQUAL(v.ring_rep, 2);
	CU_ASSERT_EQUAL(v.ring_seq, c.ring_seq);
	CU_ASSERT_EQUAL(v.commit.rep, 2);
	CU_ASSERT_EQUAL(v.commit.ring_seq, c.ring_seq);
	CU_ASSERT_EQUAL(v.commit.hop, 0xdeadbeefu);
	CU_ASSERT_EQUAL(v.commit.n_memb, 3);
	CU_ASSERT_EQUAL(v.commit.filled, 0x6);
	CU_ASSERT_EQUAL(v.commit.max_msg, 0x3ffffff1u);
	CU_ASSERT_EQUAL(v.commit.netmtu, 8937);
	for (uint32_t i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(v.commit.e[i].nodeid, c.e[i].nodeid);
		CU_ASSERT_EQUAL(v.commit.e[i].old_rep, c.e[i].old_rep);
		CU_ASSERT_EQUAL(v.commit.e[i].old_seq, c.e[i].old_seq);
		CU_ASSERT_EQUAL(v.commit.e[i].my_aru, c.e[i].my_aru);
		CU_ASSERT_EQUAL(v.commit.e[i].high_seq, c.e[i].high_seq);
	}
}

static void test_commit_entry_layout_is_little_endian(void)
{
	struct rc_commit c;
	const uint8_t *e;

	good_commit(frame, &c);
	e = frame + HDR + CM + CE;	/* entry 1, node 4 */
	CU_ASSERT_EQUAL(rd32(e + offsetof(struct rc_wire_commit_entry, nodeid)), 4);
	CU_ASSERT_EQUAL(rd32(e + offsetof(struct rc_wire_commit_entry, old_rep)), 1);
	CU_ASSERT_EQUAL(e[offsetof(struct rc_wire_commit_entry, old_seq)], 8);
	CU_ASSERT_EQUAL(rd32(e + offsetof(struct rc_wire_commit_entry, my_aru)), 101);
	CU_ASSERT_EQUAL(rd32(e + offsetof(struct rc_wire_commit_entry, high_seq)), 201);
	CU_ASSERT_EQUAL(rd32(frame + HDR + offsetof(struct rc_wire_commit, hop)), 3);
	CU_ASSERT_EQUAL(rd32(frame + HDR + offsetof(struct rc_wire_commit, filled)), 0x5);
	CU_ASSERT_EQUAL(rd32(frame + HDR + offsetof(struct rc_wire_commit, max_msg)), 1u << 20);
	CU_ASSERT_EQUAL(offsetof(struct rc_wire_commit, max_msg), 12);
	CU_ASSERT_EQUAL(rd16(frame + HDR + offsetof(struct rc_wire_commit, netmtu)), 1436);
	CU_ASSERT_EQUAL(offsetof(struct rc_wire_commit, netmtu), 6);
	CU_ASSERT_EQUAL(frame[HDR + offsetof(struct rc_wire_commit, n_memb)], 3);
}

static void test_commit_of_32_members_all_filled_round_trips(void)
{
	struct rc_frame_view v;
	struct rc_commit c;
	uint32_t ids[RC_MEMB_MAX];
	size_t len;

	for (uint32_t i = 0; i < RC_MEMB_MAX; i++)
		ids[i] = 100 + i;
	commit_of(&c, ids, RC_MEMB_MAX);
	c.filled = UINT32_MAX;
	len = commit_frame(frame, 131, &c);
	CU_ASSERT_EQUAL(len, RC_WIRE_COMMIT_MAX);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.commit.n_memb, RC_MEMB_MAX);
	CU_ASSERT_EQUAL(v.commit.filled, UINT32_MAX);
	CU_ASSERT_EQUAL(v.commit.e[31].nodeid, 131);
	CU_ASSERT_EQUAL(v.commit.e[31].high_seq, 231);
}

static void test_commit_aru_may_wrap_below_high_seq(void)
{
	struct rc_frame_view v;
	struct rc_commit c;
	size_t len;

	good_commit(frame, &c);
	c.e[0].my_aru = 0xfffffffeu;	/* wrap-safe: before 2 */
	c.e[0].high_seq = 2;
	len = commit_frame(frame, 9, &c);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.commit.e[0].my_aru, 0xfffffffeu);
	CU_ASSERT_EQUAL(v.commit.e[0].high_seq, 2);
}

static void test_commit_with_no_members_or_over_32_is_bad_memb(void)
{
	struct rc_frame_view v;
	struct rc_commit c;
	size_t len;

	/*
	 * First a good commit whose first member is the rep below: without the
	 * count check, the member list of an empty commit would be whatever the
	 * parser last left there, and would match.
	 */
	commit_of(&c, (const uint32_t[]){ 1 }, 1);
	len = commit_frame(frame, 1, &c);
	EXPECT_GOOD(frame, len, &v);
	c.n_memb = 0;
	len = commit_frame(frame, 1, &c);
	CU_ASSERT_EQUAL(len, HDR + CM);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);

	len = good_commit(frame, &c);
	wr16(frame + HDR + offsetof(struct rc_wire_commit, n_memb), RC_MEMB_MAX + 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_commit_over_32_members_with_matching_length_is_bad_memb(void)
{
	struct rc_commit c;
	uint32_t ids[RC_MEMB_MAX];
	size_t len;

	for (uint32_t i = 0; i < RC_MEMB_MAX; i++)
		ids[i] = i + 1;
	commit_of(&c, ids, RC_MEMB_MAX);
	len = commit_frame(frame, 32, &c);
	memset(frame + len, 0, CE);
	wr32(frame + len, RC_MEMB_MAX + 1);
	len += CE;
	wr16(frame + HDR + offsetof(struct rc_wire_commit, n_memb), RC_MEMB_MAX + 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_commit_length_must_match_n_memb(void)
{
	struct rc_commit c;
	size_t len = good_commit(frame, &c);

	EXPECT_BAD(frame, len - CE, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len - 1, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len + 1, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len + CE, RC_BAD_LENGTH);
	wr16(frame + HDR + offsetof(struct rc_wire_commit, n_memb), 4);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
}

static void test_commit_shorter_than_its_body_is_bad_short(void)
{
	struct rc_commit c;

	good_commit(frame, &c);
	EXPECT_BAD(frame, HDR, RC_BAD_SHORT);
	EXPECT_BAD(frame, HDR + CM - 1, RC_BAD_SHORT);
}

static void test_commit_with_unsorted_or_duplicate_members_is_bad_memb(void)
{
	struct rc_commit c;
	size_t len;

	commit_of(&c, (const uint32_t[]){ 1, 9, 4 }, 3);
	len = commit_frame(frame, 4, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);

	commit_of(&c, (const uint32_t[]){ 1, 4, 4 }, 3);
	len = commit_frame(frame, 4, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);

	commit_of(&c, (const uint32_t[]){ 1, 1 }, 2);
	len = commit_frame(frame, 1, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_commit_with_nodeid_0_is_bad_memb(void)
{
	struct rc_commit c;
	size_t len;

	/* 0 can only sort first, where it also is the header's representative. */
	commit_of(&c, (const uint32_t[]){ 0, 4 }, 2);
	len = commit_frame(frame, 4, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_commit_whose_first_member_is_not_the_rep_is_bad_memb(void)
{
	struct rc_commit c;
	size_t len;

	good_commit(frame, &c);
	c.rep = 4;		/* header names 4, members start with 1 */
	len = commit_frame(frame, 9, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	c.rep = 0;
	len = commit_frame(frame, 9, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
}

static void test_commit_with_aru_above_high_seq_is_bad_memb(void)
{
	struct rc_commit c;
	size_t len;

	good_commit(frame, &c);
	c.e[2].my_aru = c.e[2].high_seq + 1;
	len = commit_frame(frame, 9, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	/* Equal is fine: every seq held up to the highest one held. */
	c.e[2].my_aru = c.e[2].high_seq;
	len = commit_frame(frame, 9, &c);
	{
		struct rc_frame_view v;

		EXPECT_GOOD(frame, len, &v);
	}
}

static void test_commit_with_filled_bit_beyond_n_memb_is_bad_memb(void)
{
	struct rc_commit c;
	size_t len;

	good_commit(frame, &c);
	c.filled = 0x8;		/* bit 3 of a 3-member ring */
	len = commit_frame(frame, 9, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	c.filled = 0x80000007u;
	len = commit_frame(frame, 9, &c);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	c.filled = 0x7;		/* every bit of the ring: fine */
	len = commit_frame(frame, 9, &c);
	{
		struct rc_frame_view v;

		EXPECT_GOOD(frame, len, &v);
		CU_ASSERT_EQUAL(v.commit.filled, 0x7);
	}
}

/* The ring's frame size: no member takes less than a commit token for 32
   nodes (RC_WIRE_COMMIT_MAX, rc_totem_config_check), nor more than
   RC_NETMTU_MAX. A version-4 commit (0 there, reserved then) is refused,
   never read as a frame size of 0. */
static void test_commit_netmtu_outside_816_to_9000_is_bad_memb(void)
{
	struct rc_frame_view v;
	struct rc_commit c;
	size_t len = good_commit(frame, &c);
	const size_t at = HDR + offsetof(struct rc_wire_commit, netmtu);

	wr16(frame + at, 0);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	wr16(frame + at, RC_WIRE_COMMIT_MAX - 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	wr16(frame + at, RC_NETMTU_MAX + 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	wr16(frame + at, RC_WIRE_COMMIT_MAX);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.commit.netmtu, RC_WIRE_COMMIT_MAX);
	wr16(frame + at, RC_NETMTU_MAX);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.commit.netmtu, RC_NETMTU_MAX);
}

/* Every node takes a frame's worth; none more than the protocol's cap. A
   version-2 commit (max_msg 0, reserved then) is refused, never read as a
   limit of 0. */
static void test_commit_max_msg_outside_256_to_1GiB_is_bad_memb(void)
{
	struct rc_frame_view v;
	struct rc_commit c;
	size_t len = good_commit(frame, &c);
	const size_t at = HDR + offsetof(struct rc_wire_commit, max_msg);

	wr32(frame + at, 0);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	wr32(frame + at, RC_WIRE_MAX_MSG_MIN - 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	wr32(frame + at, (1u << 30) + 1);
	EXPECT_BAD(frame, len, RC_BAD_MEMB);
	wr32(frame + at, RC_WIRE_MAX_MSG_MIN);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.commit.max_msg, RC_WIRE_MAX_MSG_MIN);
	wr32(frame + at, 1u << 30);
	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.commit.max_msg, 1u << 30);
}

static void test_good_commit_helper_is_accepted(void)
{
	struct rc_frame_view v;
	struct rc_commit c;
	size_t len = good_commit(frame, &c);

	EXPECT_GOOD(frame, len, &v);
	CU_ASSERT_EQUAL(v.commit.n_memb, 3);
	CU_ASSERT_EQUAL(v.commit.filled, 0x5);
}

/* ---- MERGE --------------------------------------------------------------- */

static void test_merge_is_a_bare_header(void)
{
	struct rc_frame_view v;

	rc_wire_put_hdr(frame, RC_FT_MERGE, CLUSTER, 3, 3, 0x99);
	EXPECT_GOOD(frame, HDR, &v);
	CU_ASSERT_EQUAL(v.type, RC_FT_MERGE);
	CU_ASSERT_EQUAL(v.sender, 3);
	CU_ASSERT_EQUAL(v.ring_rep, 3);
	CU_ASSERT_EQUAL(v.ring_seq, 0x99);
}

static void test_merge_with_trailing_bytes_is_bad_length(void)
{
	rc_wire_put_hdr(frame, RC_FT_MERGE, CLUSTER, 3, 3, 0x99);
	memset(frame + HDR, 0, 16);
	EXPECT_BAD(frame, HDR + 1, RC_BAD_LENGTH);
	EXPECT_BAD(frame, HDR + 4, RC_BAD_LENGTH);
	EXPECT_BAD(frame, HDR + 16, RC_BAD_LENGTH);
	EXPECT_BAD(frame, HDR - 1, RC_BAD_SHORT);
}

static void test_membership_frame_from_sender_0_is_bad_sender(void)
{
	struct rc_commit c;
	size_t len;

	rc_wire_put_hdr(frame, RC_FT_MERGE, CLUSTER, 0, 3, 0x99);
	EXPECT_BAD(frame, HDR, RC_BAD_SENDER);
	len = good_join(frame);
	wr32(frame + offsetof(struct rc_wire_hdr, sender), 0);
	EXPECT_BAD(frame, len, RC_BAD_SENDER);
	len = good_commit(frame, &c);
	wr32(frame + offsetof(struct rc_wire_hdr, sender), 0);
	EXPECT_BAD(frame, len, RC_BAD_SENDER);
}

static void test_frame_type_past_merge_is_bad_type(void)
{
	rc_wire_put_hdr(frame, RC_FT_MAX_, CLUSTER, 3, 3, 0x99);
	EXPECT_BAD(frame, HDR, RC_BAD_TYPE);
}

/* ---- Runner -------------------------------------------------------------- */


static const struct unit_test tests[] = {
	T(test_join_round_trips_every_field),
	T(test_join_is_little_endian_on_the_wire),
	T(test_join_with_32_proc_and_32_failed_round_trips),
	T(test_join_with_no_failed_nodes_is_good),
	T(test_good_join_helper_is_accepted),
	T(test_join_with_no_proc_is_bad_memb),
	T(test_join_with_over_32_nodes_is_bad_memb),
	T(test_join_over_32_nodes_with_matching_length_is_bad_memb),
	T(test_join_with_unsorted_or_duplicate_ids_is_bad_memb),
	T(test_join_with_nodeid_0_is_bad_memb),
	T(test_join_length_must_match_the_counts),
	T(test_join_shorter_than_its_body_is_bad_short),
	T(test_join_with_reserved_bits_set_is_rejected),
	T(test_commit_round_trips_every_field),
	T(test_commit_entry_layout_is_little_endian),
	T(test_commit_of_32_members_all_filled_round_trips),
	T(test_commit_aru_may_wrap_below_high_seq),
	T(test_good_commit_helper_is_accepted),
	T(test_commit_with_no_members_or_over_32_is_bad_memb),
	T(test_commit_over_32_members_with_matching_length_is_bad_memb),
	T(test_commit_length_must_match_n_memb),
	T(test_commit_shorter_than_its_body_is_bad_short),
	T(test_commit_with_unsorted_or_duplicate_members_is_bad_memb),
	T(test_commit_with_nodeid_0_is_bad_memb),
	T(test_commit_whose_first_member_is_not_the_rep_is_bad_memb),
	T(test_commit_with_aru_above_high_seq_is_bad_memb),
	T(test_commit_with_filled_bit_beyond_n_memb_is_bad_memb),
	T(test_commit_netmtu_outside_816_to_9000_is_bad_memb),
	T(test_commit_max_msg_outside_256_to_1GiB_is_bad_memb),
	T(test_merge_is_a_bare_header),
	T(test_merge_with_trailing_bytes_is_bad_length),
	T(test_membership_frame_from_sender_0_is_bad_sender),
	T(test_frame_type_past_merge_is_bad_type),
};

UNIT_TEST_MAIN("wire_memb", tests)
