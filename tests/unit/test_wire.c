/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for dataplane/totem/wire.c: every ordering frame type (MCAST, TOKEN,
 * WAKE) round-trips through the rc_wire_put_* builders and rc_wire_parse(),
 * and every malformed frame is rejected with its own rc_bad_reason. Each
 * reject test first shows the unbroken frame parses, so the one change it
 * makes is what gets it dropped. JOIN, COMMIT and MERGE: test_wire_memb.c.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>


#include "srp_int.h"

#include "unit_test.h"

#define CLUSTER		7u
#define REP		1u
#define RING_SEQ	0x0102030405060708ull
#define MAX_MSG		(1u << 20)

#define HDR		sizeof(struct rc_wire_hdr)
#define MCH		sizeof(struct rc_wire_mcast)
#define CHK		sizeof(struct rc_wire_chunk)
#define TOK		sizeof(struct rc_wire_token)
#define OVH		RC_WIRE_MCAST_OVERHEAD

/* Byte offsets of fields inside a frame. */
#define H_(f)		offsetof(struct rc_wire_hdr, f)
#define M_(f)		(HDR + offsetof(struct rc_wire_mcast, f))
#define T_(f)		(HDR + offsetof(struct rc_wire_token, f))
/* Field f of the chunk header starting `at` bytes into the payload. */
#define C_(at, f)	(OVH + (at) + offsetof(struct rc_wire_chunk, f))

static uint8_t frame[RC_NETMTU_MAX + 64];

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

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint8_t pattern(uint32_t offset)
{
	return (uint8_t)(offset * 31u + 7u);
}

struct chunk_spec {
	uint32_t len, msg_len, offset;
	uint16_t flags;
};

/* An MCAST frame holding `n` chunks; HAS_SAFE follows the chunks' SAFE flags. */
static size_t build_mcast(uint8_t *f, uint32_t sender, uint32_t seq,
			  const struct chunk_spec *c, unsigned int n)
{
	uint8_t *pl = f + OVH;
	uint32_t pos = 0;
	uint16_t mflags = 0;

	for (unsigned int i = 0; i < n; i++) {
		rc_wire_put_chunk(pl + pos, c[i].len, c[i].msg_len, c[i].offset,
				  c[i].flags, 0);
		pos += CHK;
		for (uint32_t b = 0; b < c[i].len; b++)
			pl[pos + b] = pattern(c[i].offset + b);
		pos += c[i].len;
		if (c[i].flags & RC_CF_SAFE)
			mflags |= RC_MF_HAS_SAFE;
	}
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, REP, RING_SEQ);
	rc_wire_put_mcast(f, seq, (uint16_t)n, mflags, pos);
	return OVH + pos;
}

/* One whole 10-byte message: the usual base for breaking a field. */
static size_t build_simple_mcast(uint8_t *f)
{
	static const struct chunk_spec c = { 10, 10, 0, RC_CF_FIRST | RC_CF_LAST };

	return build_mcast(f, 3, 5, &c, 1);
}

static size_t build_token(uint8_t *f, const struct rc_token *t)
{
	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, 1, REP, RING_SEQ);
	return rc_wire_put_token(f, t);
}

static size_t build_simple_token(uint8_t *f, uint16_t rtr_count)
{
	struct rc_token t = {
		.token_seq = 11, .seq = 1000, .aru = 400, .aru_addr = 3,
		.fcc = 20, .backlog = 9, .rtr_count = rtr_count,
	};

	for (uint16_t i = 0; i < rtr_count; i++)
		t.rtr[i] = 401 + i;
	return build_token(f, &t);
}

static size_t build_wake(uint8_t *f)
{
	rc_wire_put_hdr(f, RC_FT_WAKE, CLUSTER, 2, REP, RING_SEQ);
	return HDR;
}

static int parse(const uint8_t *f, size_t len, struct rc_frame_view *v,
		 enum rc_bad_reason *why)
{
	*why = RC_BAD_REASONS_;
	return rc_wire_parse(f, len, MAX_MSG, v, why);
}

/* Macros, so that a failure names the line of the test. */
#define EXPECT_OK(f, len) do {						\
	struct rc_frame_view v_;					\
	enum rc_bad_reason w_;						\
	CU_ASSERT_EQUAL(parse((f), (len), &v_, &w_), 0);		\
} while (0)

#define EXPECT_BAD(f, len, reason) do {					\
	struct rc_frame_view v_;					\
	enum rc_bad_reason w_;						\
	CU_ASSERT_EQUAL(parse((f), (len), &v_, &w_), -EBADMSG);		\
	CU_ASSERT_EQUAL(w_, (reason));					\
} while (0)

/* ---- Round trips --------------------------------------------------------- */

static void test_header_fields_sit_at_documented_offsets_little_endian(void)
{
	rc_wire_put_hdr(frame, RC_FT_WAKE, 0x11223344, 0x55667788, 0x99aabbcc,
			0x0102030405060708ull);
	CU_ASSERT_EQUAL(memcmp(frame, "RCST", 4), 0);
	CU_ASSERT_EQUAL(frame[4], RC_WIRE_VERSION);
	CU_ASSERT_EQUAL(frame[5], RC_FT_WAKE);
	CU_ASSERT_EQUAL(frame[6], 0);
	CU_ASSERT_EQUAL(frame[7], 0);
	CU_ASSERT_EQUAL(frame[8], 0x44);
	CU_ASSERT_EQUAL(frame[11], 0x11);
	CU_ASSERT_EQUAL(rd32(frame + 12), 0x55667788);
	CU_ASSERT_EQUAL(rd32(frame + 16), 0x99aabbcc);
	CU_ASSERT_EQUAL(rd32(frame + 20), 0);
	CU_ASSERT_EQUAL(frame[24], 0x08);
	CU_ASSERT_EQUAL(frame[31], 0x01);
}

static void test_wake_round_trips(void)
{
	struct rc_frame_view v;
	enum rc_bad_reason why;

	rc_wire_put_hdr(frame, RC_FT_WAKE, 0xdeadbeef, 42, 17, 0xfedcba9876543210ull);
	CU_ASSERT_EQUAL_FATAL(parse(frame, HDR, &v, &why), 0);
	CU_ASSERT_EQUAL(v.type, RC_FT_WAKE);
	CU_ASSERT_EQUAL(v.cluster_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(v.sender, 42);
	CU_ASSERT_EQUAL(v.ring_rep, 17);
	CU_ASSERT_EQUAL(v.ring_seq, 0xfedcba9876543210ull);
}

static void test_token_without_rtr_round_trips(void)
{
	struct rc_token t = {
		.token_seq = 0xfffffff0, .seq = 0x80000001, .aru = 0x80000000,
		.aru_addr = 3, .fcc = 123, .backlog = 0xffffffff, .rtr_count = 0,
		.flags = RC_TF_IDLE,
	};
	struct rc_frame_view v;
	enum rc_bad_reason why;
	size_t len = build_token(frame, &t);

	CU_ASSERT_EQUAL(len, HDR + TOK);
	CU_ASSERT_EQUAL_FATAL(parse(frame, len, &v, &why), 0);
	CU_ASSERT_EQUAL(v.type, RC_FT_TOKEN);
	CU_ASSERT_EQUAL(v.sender, 1);
	CU_ASSERT_EQUAL(v.tok.token_seq, t.token_seq);
	CU_ASSERT_EQUAL(v.tok.seq, t.seq);
	CU_ASSERT_EQUAL(v.tok.aru, t.aru);
	CU_ASSERT_EQUAL(v.tok.aru_addr, t.aru_addr);
	CU_ASSERT_EQUAL(v.tok.fcc, t.fcc);
	CU_ASSERT_EQUAL(v.tok.backlog, t.backlog);
	CU_ASSERT_EQUAL(v.tok.rtr_count, 0);
	CU_ASSERT_EQUAL(v.tok.flags, RC_TF_IDLE);
}

static void test_token_with_max_rtr_entries_round_trips(void)
{
	struct rc_token t = { .token_seq = 1, .seq = 1000, .aru = 10, .rtr_count = RC_RTR_MAX };
	struct rc_frame_view v;
	enum rc_bad_reason why;
	size_t len;

	for (uint32_t i = 0; i < RC_RTR_MAX; i++)
		t.rtr[i] = 1000 - 3 * i;
	len = build_token(frame, &t);
	CU_ASSERT_EQUAL(len, RC_WIRE_TOKEN_MAX);
	CU_ASSERT_EQUAL_FATAL(parse(frame, len, &v, &why), 0);
	CU_ASSERT_EQUAL(v.tok.rtr_count, RC_RTR_MAX);
	CU_ASSERT_EQUAL(memcmp(v.tok.rtr, t.rtr, sizeof(t.rtr)), 0);
	CU_ASSERT_EQUAL(rd32(frame + HDR + TOK + 4 * 5), 1000 - 15);
}

static void test_mcast_with_one_whole_chunk_round_trips(void)
{
	static const struct chunk_spec c = { 100, 100, 0, RC_CF_FIRST | RC_CF_LAST };
	struct rc_frame_view v;
	enum rc_bad_reason why;
	uint32_t len, msg_len, offset;
	uint16_t flags;
	size_t flen = build_mcast(frame, 3, 0xabcdef01, &c, 1);

	CU_ASSERT_EQUAL(flen, OVH + CHK + 100);
	CU_ASSERT_EQUAL_FATAL(parse(frame, flen, &v, &why), 0);
	CU_ASSERT_EQUAL(v.type, RC_FT_MCAST);
	CU_ASSERT_EQUAL(v.sender, 3);
	CU_ASSERT_EQUAL(v.ring_rep, REP);
	CU_ASSERT_EQUAL(v.ring_seq, RING_SEQ);
	CU_ASSERT_EQUAL(v.cluster_id, CLUSTER);
	CU_ASSERT_EQUAL(v.seq, 0xabcdef01);
	CU_ASSERT_EQUAL(v.nchunks, 1);
	CU_ASSERT_EQUAL(v.mflags, 0);
	CU_ASSERT_EQUAL(rd32(frame + M_(payload_len)), CHK + 100);
	rc_wire_get_chunk(frame + OVH, &len, &msg_len, &offset, &flags);
	CU_ASSERT_EQUAL(len, 100);
	CU_ASSERT_EQUAL(msg_len, 100);
	CU_ASSERT_EQUAL(offset, 0);
	CU_ASSERT_EQUAL(flags, RC_CF_FIRST | RC_CF_LAST);
}

static void test_mcast_with_fragments_and_safe_chunk_round_trips(void)
{
	/* end of a long message, two whole ones (one SAFE), start of another */
	static const struct chunk_spec c[] = {
		{ 300, 1000, 700, RC_CF_LAST },
		{ 5, 5, 0, RC_CF_FIRST | RC_CF_LAST | RC_CF_SAFE },
		{ 0, 0, 0, RC_CF_FIRST | RC_CF_LAST },
		{ 400, 5000, 0, RC_CF_FIRST },
	};
	struct rc_frame_view v;
	enum rc_bad_reason why;
	size_t flen = build_mcast(frame, 2, 9, c, 4);
	const uint8_t *p = frame + OVH;

	CU_ASSERT_EQUAL_FATAL(parse(frame, flen, &v, &why), 0);
	CU_ASSERT_EQUAL(v.nchunks, 4);
	CU_ASSERT_EQUAL(v.mflags, RC_MF_HAS_SAFE);
	for (unsigned int i = 0; i < 4; i++) {
		uint32_t len, msg_len, offset;
		uint16_t flags;

		rc_wire_get_chunk(p, &len, &msg_len, &offset, &flags);
		CU_ASSERT_EQUAL(len, c[i].len);
		CU_ASSERT_EQUAL(msg_len, c[i].msg_len);
		CU_ASSERT_EQUAL(offset, c[i].offset);
		CU_ASSERT_EQUAL(flags, c[i].flags);
		if (len)
			CU_ASSERT_EQUAL(p[CHK], pattern(offset));
		p += CHK + len;
	}
	CU_ASSERT_PTR_EQUAL(p, frame + flen);
}

static void test_zero_length_message_is_accepted(void)
{
	static const struct chunk_spec c = { 0, 0, 0, RC_CF_FIRST | RC_CF_LAST };

	EXPECT_OK(frame, build_mcast(frame, 3, 1, &c, 1));
}

static void test_internal_chunk_is_accepted(void)
{
	static const struct chunk_spec c[] = {
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST | RC_CF_CTRL },
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST | RC_CF_CTRL | RC_CF_SAFE },
	};

	EXPECT_OK(frame, build_mcast(frame, 3, 1, c, 2));
}

static void test_middle_fragment_alone_in_frame_is_accepted(void)
{
	static const struct chunk_spec c = { 100, 1000, 100, 0 };

	EXPECT_OK(frame, build_mcast(frame, 3, 1, &c, 1));
}

static void test_message_of_max_msg_size_is_accepted(void)
{
	static const struct chunk_spec c = { 100, MAX_MSG, MAX_MSG - 100, RC_CF_LAST };

	EXPECT_OK(frame, build_mcast(frame, 3, 1, &c, 1));
}

static void test_frame_of_netmtu_max_is_accepted(void)
{
	struct chunk_spec c = { 0, 0, 0, RC_CF_FIRST | RC_CF_LAST };
	size_t len;

	c.len = c.msg_len = RC_NETMTU_MAX - (uint32_t)(OVH + CHK);
	len = build_mcast(frame, 3, 1, &c, 1);
	CU_ASSERT_EQUAL(len, RC_NETMTU_MAX);
	EXPECT_OK(frame, len);
}

/* ---- Any frame: header --------------------------------------------------- */

static void test_frame_shorter_than_header_is_short(void)
{
	size_t len = build_simple_mcast(frame);

	EXPECT_OK(frame, len);
	for (size_t n = 0; n < HDR; n++)
		EXPECT_BAD(frame, n, RC_BAD_SHORT);
	build_simple_token(frame, 2);
	for (size_t n = 0; n < HDR; n++)
		EXPECT_BAD(frame, n, RC_BAD_SHORT);
	build_wake(frame);
	for (size_t n = 0; n < HDR; n++)
		EXPECT_BAD(frame, n, RC_BAD_SHORT);
}

static void test_frame_longer_than_netmtu_max_is_rejected(void)
{
	struct chunk_spec c = { 0, 0, 0, RC_CF_FIRST | RC_CF_LAST };
	size_t len;

	/* structurally valid in every other way */
	c.len = c.msg_len = RC_NETMTU_MAX + 1 - (uint32_t)(OVH + CHK);
	len = build_mcast(frame, 3, 1, &c, 1);
	CU_ASSERT_EQUAL(len, RC_NETMTU_MAX + 1);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);

	build_wake(frame);
	EXPECT_BAD(frame, RC_NETMTU_MAX + 1, RC_BAD_LENGTH);
	build_simple_token(frame, 0);
	EXPECT_BAD(frame, RC_NETMTU_MAX + 1, RC_BAD_LENGTH);
}

static void test_bad_magic_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	EXPECT_OK(frame, len);
	frame[0] ^= 0x01;
	EXPECT_BAD(frame, len, RC_BAD_MAGIC);
	wr32(frame, htobe32(RC_WIRE_MAGIC));	/* byte-swapped magic */
	EXPECT_BAD(frame, len, RC_BAD_MAGIC);

	len = build_simple_token(frame, 1);
	frame[3] = 0;
	EXPECT_BAD(frame, len, RC_BAD_MAGIC);
	len = build_wake(frame);
	wr32(frame, 0);
	EXPECT_BAD(frame, len, RC_BAD_MAGIC);
}

static void test_bad_version_is_rejected(void)
{
	/* 1: before the envelope; 2: before the agreed message limit; 3: before
	   MCAST_BATCH; 4: before the agreed netmtu */
	static const uint8_t bad[] = { 0, 1, 2, 3, 4, 6, 0x81, 0xff };
	size_t len;

	for (unsigned int i = 0; i < sizeof(bad); i++) {
		len = build_simple_mcast(frame);
		frame[H_(version)] = bad[i];
		EXPECT_BAD(frame, len, RC_BAD_VERSION);
		len = build_simple_token(frame, 0);
		frame[H_(version)] = bad[i];
		EXPECT_BAD(frame, len, RC_BAD_VERSION);
		len = build_wake(frame);
		frame[H_(version)] = bad[i];
		EXPECT_BAD(frame, len, RC_BAD_VERSION);
	}
}

static void test_nonzero_header_flags_are_rejected_as_version(void)
{
	size_t len = build_simple_mcast(frame);

	wr16(frame + H_(flags), 0x0001);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
	wr16(frame + H_(flags), 0x8000);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
	len = build_simple_token(frame, 0);
	wr16(frame + H_(flags), 0x0100);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
	len = build_wake(frame);
	wr16(frame + H_(flags), 0xffff);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
}

static void test_nonzero_header_reserved_is_rejected_as_version(void)
{
	size_t len = build_simple_mcast(frame);

	wr32(frame + H_(reserved), 1);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
	len = build_simple_token(frame, 0);
	wr32(frame + H_(reserved), 0x80000000);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
	len = build_wake(frame);
	wr32(frame + H_(reserved), 0x00010000);
	EXPECT_BAD(frame, len, RC_BAD_VERSION);
}

static void test_unknown_type_is_rejected(void)
{
	static const uint8_t bad[] = { 0, RC_FT_MAX_, RC_FT_MAX_ + 1, 0x81, 0xff };
	size_t len;

	for (unsigned int i = 0; i < sizeof(bad); i++) {
		len = build_simple_mcast(frame);
		frame[H_(type)] = bad[i];
		EXPECT_BAD(frame, len, RC_BAD_TYPE);
		len = build_wake(frame);
		frame[H_(type)] = bad[i];
		EXPECT_BAD(frame, len, RC_BAD_TYPE);
	}
}

static void test_sender_zero_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr32(frame + H_(sender), 0);
	EXPECT_BAD(frame, len, RC_BAD_SENDER);
	len = build_simple_token(frame, 3);
	wr32(frame + H_(sender), 0);
	EXPECT_BAD(frame, len, RC_BAD_SENDER);
	len = build_wake(frame);
	wr32(frame + H_(sender), 0);
	EXPECT_BAD(frame, len, RC_BAD_SENDER);
}

/* ---- MCAST body ---------------------------------------------------------- */

static void test_mcast_shorter_than_its_body_is_short(void)
{
	build_simple_mcast(frame);
	for (size_t n = HDR; n < OVH; n++)
		EXPECT_BAD(frame, n, RC_BAD_SHORT);
}

static void test_mcast_payload_len_larger_than_frame_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	EXPECT_OK(frame, len);
	wr32(frame + M_(payload_len), (uint32_t)(len - OVH + 1));
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
	wr32(frame + M_(payload_len), 0xffffffff);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
	/* the frame cut by one byte, payload_len still the builder's */
	len = build_simple_mcast(frame);
	EXPECT_BAD(frame, len - 1, RC_BAD_LENGTH);
}

static void test_mcast_payload_len_smaller_than_frame_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr32(frame + M_(payload_len), (uint32_t)(len - OVH - 1));
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
	wr32(frame + M_(payload_len), 0);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
	/* one extra byte after a well-formed frame */
	len = build_simple_mcast(frame);
	EXPECT_BAD(frame, len + 1, RC_BAD_LENGTH);
}

static void test_mcast_with_zero_chunks_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr16(frame + M_(nchunks), 0);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	/* and an empty payload */
	rc_wire_put_mcast(frame, 5, 0, 0, 0);
	EXPECT_BAD(frame, OVH, RC_BAD_CHUNK);
}

static void test_mcast_with_more_chunks_than_present_is_rejected(void)
{
	static const struct chunk_spec c[] = {
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST },
		{ 20, 20, 0, RC_CF_FIRST | RC_CF_LAST },
	};
	size_t len = build_mcast(frame, 3, 5, c, 2);

	EXPECT_OK(frame, len);
	wr16(frame + M_(nchunks), 3);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
	wr16(frame + M_(nchunks), 0xffff);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
}

static void test_mcast_with_unknown_flags_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr16(frame + M_(flags), RC_MF_ALL_ + 1);	/* the first unknown bit */
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	wr16(frame + M_(flags), 0x8000);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_mcast_with_nonzero_reserved_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr32(frame + M_(reserved), 1);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_payload_too_short_for_a_chunk_header_is_rejected(void)
{
	build_simple_mcast(frame);
	/* 15 bytes of payload: not even a chunk header */
	wr32(frame + M_(payload_len), CHK - 1);
	EXPECT_BAD(frame, OVH + CHK - 1, RC_BAD_LENGTH);
}

static void test_chunk_len_beyond_payload_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr32(frame + C_(0, len), 11);
	wr32(frame + C_(0, msg_len), 11);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
	wr32(frame + C_(0, len), 0xffffffff);
	wr32(frame + C_(0, msg_len), 0xffffffff);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
}

static void test_chunk_msg_len_over_max_msg_size_is_rejected(void)
{
	static const struct chunk_spec c = { 100, MAX_MSG + 1, MAX_MSG + 1 - 100, RC_CF_LAST };
	size_t len = build_mcast(frame, 3, 1, &c, 1);

	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	len = build_simple_mcast(frame);
	wr32(frame + C_(0, msg_len), 0xffffffff);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_chunk_len_over_msg_len_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr32(frame + C_(0, msg_len), 9);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_chunk_offset_plus_len_over_msg_len_is_rejected(void)
{
	static const struct chunk_spec c = { 100, 1000, 900, RC_CF_LAST };
	static const struct chunk_spec whole = { 100, 100, 0, RC_CF_FIRST | RC_CF_LAST };
	size_t len = build_mcast(frame, 3, 1, &c, 1);

	EXPECT_OK(frame, len);
	wr32(frame + C_(0, offset), 901);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	wr16(frame + C_(0, flags), 0);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	wr32(frame + C_(0, offset), 0xffffffff);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	/* offset + len wraps to 0x60, inside msg_len */
	wr32(frame + C_(0, offset), 0xfffffffc);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	/* offset + len wraps to 0 */
	wr32(frame + C_(0, offset), 0u - 100u);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);

	/* len == msg_len at offset 0xffffffff: the sum wraps to msg_len - 1 */
	len = build_mcast(frame, 3, 1, &whole, 1);
	EXPECT_OK(frame, len);
	wr32(frame + C_(0, offset), 0xffffffff);
	wr16(frame + C_(0, flags), 0);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	wr16(frame + C_(0, flags), RC_CF_LAST);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_first_flag_with_nonzero_offset_is_rejected(void)
{
	static const struct chunk_spec c = { 100, 1000, 100, RC_CF_FIRST };
	size_t len = build_mcast(frame, 3, 1, &c, 1);

	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_offset_zero_without_first_flag_is_rejected(void)
{
	static const struct chunk_spec c[] = {
		{ 100, 1000, 0, 0 },
		{ 10, 10, 0, RC_CF_LAST },
	};

	EXPECT_BAD(frame, build_mcast(frame, 3, 1, &c[0], 1), RC_BAD_CHUNK);
	EXPECT_BAD(frame, build_mcast(frame, 3, 1, &c[1], 1), RC_BAD_CHUNK);
}

static void test_last_flag_before_end_of_message_is_rejected(void)
{
	static const struct chunk_spec c = { 100, 1000, 0, RC_CF_FIRST | RC_CF_LAST };

	EXPECT_BAD(frame, build_mcast(frame, 3, 1, &c, 1), RC_BAD_CHUNK);
}

static void test_chunk_ending_message_without_last_flag_is_rejected(void)
{
	static const struct chunk_spec c[] = {
		{ 100, 1000, 900, 0 },
		{ 10, 10, 0, RC_CF_FIRST },
	};

	EXPECT_BAD(frame, build_mcast(frame, 3, 1, &c[0], 1), RC_BAD_CHUNK);
	EXPECT_BAD(frame, build_mcast(frame, 3, 1, &c[1], 1), RC_BAD_CHUNK);
}

static void test_zero_length_chunk_of_nonzero_message_is_rejected(void)
{
	static const struct chunk_spec c[] = {
		{ 0, 1000, 1000, RC_CF_LAST },	/* empty tail */
		{ 0, 1000, 500, 0 },		/* empty middle */
	};

	EXPECT_BAD(frame, build_mcast(frame, 3, 1, &c[0], 1), RC_BAD_CHUNK);
	EXPECT_BAD(frame, build_mcast(frame, 3, 1, &c[1], 1), RC_BAD_CHUNK);
}

static void test_continuation_chunk_not_first_in_frame_is_rejected(void)
{
	static const struct chunk_spec ok[] = {
		{ 100, 1000, 900, RC_CF_LAST },
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST },
	};
	static const struct chunk_spec bad[] = {
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST },
		{ 100, 1000, 900, RC_CF_LAST },
	};

	EXPECT_OK(frame, build_mcast(frame, 3, 1, ok, 2));
	EXPECT_BAD(frame, build_mcast(frame, 3, 1, bad, 2), RC_BAD_CHUNK);
}

static void test_continued_chunk_not_last_in_frame_is_rejected(void)
{
	static const struct chunk_spec ok[] = {
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST },
		{ 100, 1000, 0, RC_CF_FIRST },
	};
	static const struct chunk_spec bad[] = {
		{ 100, 1000, 0, RC_CF_FIRST },
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST },
	};

	EXPECT_OK(frame, build_mcast(frame, 3, 1, ok, 2));
	EXPECT_BAD(frame, build_mcast(frame, 3, 1, bad, 2), RC_BAD_CHUNK);
}

static void test_chunk_with_unknown_flags_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr16(frame + C_(0, flags), RC_CF_FIRST | RC_CF_LAST | (RC_CF_ALL_ + 1));
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
	wr16(frame + C_(0, flags), 0xffff);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_chunk_msg_id_round_trips_and_any_value_parses(void)
{
	size_t len = build_simple_mcast(frame);
	struct rc_frame_view v;
	enum rc_bad_reason why;

	wr16(frame + C_(0, msg_id), 0xbeef);
	CU_ASSERT_EQUAL(rc_wire_parse(frame, len, MAX_MSG, &v, &why), 0);
	CU_ASSERT_EQUAL(rc_wire_chunk_msg_id(frame + OVH), 0xbeef);
}

static void test_has_safe_without_safe_chunk_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	wr16(frame + M_(flags), RC_MF_HAS_SAFE);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_safe_chunk_without_has_safe_is_rejected(void)
{
	static const struct chunk_spec c[] = {
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST },
		{ 10, 10, 0, RC_CF_FIRST | RC_CF_LAST | RC_CF_SAFE },
	};
	size_t len = build_mcast(frame, 3, 1, c, 2);

	EXPECT_OK(frame, len);
	wr16(frame + M_(flags), 0);
	EXPECT_BAD(frame, len, RC_BAD_CHUNK);
}

static void test_trailing_garbage_after_last_chunk_is_rejected(void)
{
	size_t len = build_simple_mcast(frame);

	/* payload_len covers 4 bytes no chunk claims */
	memset(frame + len, 0, 4);
	wr32(frame + M_(payload_len), (uint32_t)(len + 4 - OVH));
	EXPECT_BAD(frame, len + 4, RC_BAD_LENGTH);
	/* a whole chunk's worth, one chunk declared */
	memset(frame + len, 0, CHK);
	wr32(frame + M_(payload_len), (uint32_t)(len + CHK - OVH));
	EXPECT_BAD(frame, len + CHK, RC_BAD_LENGTH);
}

/* ---- TOKEN body ---------------------------------------------------------- */

static void test_token_shorter_than_its_body_is_short(void)
{
	size_t len = build_simple_token(frame, 0);

	EXPECT_OK(frame, len);
	for (size_t n = HDR; n < HDR + TOK; n++)
		EXPECT_BAD(frame, n, RC_BAD_SHORT);
}

static void test_token_with_rtr_count_over_max_is_rejected(void)
{
	size_t len = build_simple_token(frame, RC_RTR_MAX);

	EXPECT_OK(frame, len);
	/* even with the length matching the count */
	wr16(frame + T_(rtr_count), RC_RTR_MAX + 1);
	wr32(frame + len, 401);
	EXPECT_BAD(frame, len + 4, RC_BAD_TOKEN);
	wr16(frame + T_(rtr_count), 0xffff);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
}

static void test_token_length_not_matching_rtr_count_is_rejected(void)
{
	size_t len = build_simple_token(frame, 4);

	EXPECT_OK(frame, len);
	EXPECT_BAD(frame, len - 4, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len - 1, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len + 1, RC_BAD_LENGTH);
	wr32(frame + len, 401);
	EXPECT_BAD(frame, len + 4, RC_BAD_LENGTH);
	wr16(frame + T_(rtr_count), 3);
	EXPECT_BAD(frame, len, RC_BAD_LENGTH);
}

static void test_token_with_unknown_flags_is_rejected(void)
{
	size_t len = build_simple_token(frame, 1);

	wr16(frame + T_(flags), RC_TF_IDLE);
	EXPECT_OK(frame, len);
	wr16(frame + T_(flags), RC_TF_ALL_ + 1);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
	wr16(frame + T_(flags), 0xffff);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
}

static void test_token_with_nonzero_reserved_is_rejected(void)
{
	size_t len = build_simple_token(frame, 1);

	wr32(frame + T_(reserved), 0x100);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
}

static void test_token_with_aru_beyond_seq_is_rejected(void)
{
	size_t len = build_simple_token(frame, 0);

	wr32(frame + T_(aru), 1000);		/* == seq */
	EXPECT_OK(frame, len);
	wr32(frame + T_(aru), 1001);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
	wr32(frame + T_(aru), 1000u + 0x7fffffffu);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
	/* aru just before a wrapped seq is fine */
	wr32(frame + T_(seq), 3);
	wr32(frame + T_(aru), 0xfffffffe);
	EXPECT_OK(frame, len);
}

static void test_token_with_rtr_entry_beyond_seq_is_rejected(void)
{
	size_t len = build_simple_token(frame, 3);

	EXPECT_OK(frame, len);
	wr32(frame + HDR + TOK + 4 * 2, 1000);	/* == seq: fine */
	EXPECT_OK(frame, len);
	wr32(frame + HDR + TOK + 4 * 2, 1001);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
	wr32(frame + HDR + TOK + 4 * 2, 1000);
	wr32(frame + HDR + TOK, 0x7fffffff);
	EXPECT_BAD(frame, len, RC_BAD_TOKEN);
}

/* ---- WAKE ---------------------------------------------------------------- */

static void test_wake_with_trailing_bytes_is_rejected(void)
{
	size_t len = build_wake(frame);

	EXPECT_OK(frame, len);
	memset(frame + len, 0, 64);
	EXPECT_BAD(frame, len + 1, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len + 4, RC_BAD_LENGTH);
	EXPECT_BAD(frame, len + 64, RC_BAD_LENGTH);
}

/* ---- Runner -------------------------------------------------------------- */


static const struct unit_test tests[] = {
	T(test_header_fields_sit_at_documented_offsets_little_endian),
	T(test_wake_round_trips),
	T(test_token_without_rtr_round_trips),
	T(test_token_with_max_rtr_entries_round_trips),
	T(test_mcast_with_one_whole_chunk_round_trips),
	T(test_mcast_with_fragments_and_safe_chunk_round_trips),
	T(test_zero_length_message_is_accepted),
	T(test_internal_chunk_is_accepted),
	T(test_middle_fragment_alone_in_frame_is_accepted),
	T(test_message_of_max_msg_size_is_accepted),
	T(test_frame_of_netmtu_max_is_accepted),
	T(test_frame_shorter_than_header_is_short),
	T(test_frame_longer_than_netmtu_max_is_rejected),
	T(test_bad_magic_is_rejected),
	T(test_bad_version_is_rejected),
	T(test_nonzero_header_flags_are_rejected_as_version),
	T(test_nonzero_header_reserved_is_rejected_as_version),
	T(test_unknown_type_is_rejected),
	T(test_sender_zero_is_rejected),
	T(test_mcast_shorter_than_its_body_is_short),
	T(test_mcast_payload_len_larger_than_frame_is_rejected),
	T(test_mcast_payload_len_smaller_than_frame_is_rejected),
	T(test_mcast_with_zero_chunks_is_rejected),
	T(test_mcast_with_more_chunks_than_present_is_rejected),
	T(test_mcast_with_unknown_flags_is_rejected),
	T(test_mcast_with_nonzero_reserved_is_rejected),
	T(test_payload_too_short_for_a_chunk_header_is_rejected),
	T(test_chunk_len_beyond_payload_is_rejected),
	T(test_chunk_msg_len_over_max_msg_size_is_rejected),
	T(test_chunk_len_over_msg_len_is_rejected),
	T(test_chunk_offset_plus_len_over_msg_len_is_rejected),
	T(test_first_flag_with_nonzero_offset_is_rejected),
	T(test_offset_zero_without_first_flag_is_rejected),
	T(test_last_flag_before_end_of_message_is_rejected),
	T(test_chunk_ending_message_without_last_flag_is_rejected),
	T(test_zero_length_chunk_of_nonzero_message_is_rejected),
	T(test_continuation_chunk_not_first_in_frame_is_rejected),
	T(test_continued_chunk_not_last_in_frame_is_rejected),
	T(test_chunk_with_unknown_flags_is_rejected),
	T(test_chunk_msg_id_round_trips_and_any_value_parses),
	T(test_has_safe_without_safe_chunk_is_rejected),
	T(test_safe_chunk_without_has_safe_is_rejected),
	T(test_trailing_garbage_after_last_chunk_is_rejected),
	T(test_token_shorter_than_its_body_is_short),
	T(test_token_with_rtr_count_over_max_is_rejected),
	T(test_token_length_not_matching_rtr_count_is_rejected),
	T(test_token_with_unknown_flags_is_rejected),
	T(test_token_with_nonzero_reserved_is_rejected),
	T(test_token_with_aru_beyond_seq_is_rejected),
	T(test_token_with_rtr_entry_beyond_seq_is_rejected),
	T(test_wake_with_trailing_bytes_is_rejected),
};

UNIT_TEST_MAIN("wire", tests)
