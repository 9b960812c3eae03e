/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded mutation loop over the frame decoder and a live engine: valid frames
 * of every type are bit-flipped, cut, extended, spliced and have fields
 * overwritten with edge values, ITERATIONS times with a fixed-seed PRNG, then
 * fed to rc_wire_parse() and to rc_srp_recv() of node 2 (and node 1, the
 * representative) of {1, 2, 3}. Built with ASan/UBSan where available. It
 * checks that every accepted frame and every frame the engines send is what
 * its headers say (tests/fuzz/frame_check.h), and that the mutator reached
 * many reject reasons, so that it is known to be effective.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "unit_test.h"

#include "frame_check.h"
#include "srp_int.h"

#define ITERATIONS	200000u
#define SEED		0x9e3779b97f4a7c15ull
#define RENEW_EVERY	20000u		/* fresh engines, so state cannot saturate */

#define CLUSTER		7u
#define RING_SEQ	5u
#define MAX_MSG		(64u << 10)
#define NETMTU		RC_NETMTU_MAX

#define HDR		sizeof(struct rc_wire_hdr)
#define CHK		sizeof(struct rc_wire_chunk)
#define OVH		RC_WIRE_MCAST_OVERHEAD

/* ---- PRNG: xorshift64*, fixed seed --------------------------------------- */

#include "xorshift.h"

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rng() % n) : 0;
}

/* ---- Engines, checking what they send and deliver ------------------------ */

struct watch {
	uint64_t sends, delivers, violations;
	uint64_t sum;		/* touches every delivered byte */
	const char *first;
};

static struct watch w;

static const uint32_t node1_id = 1, node2_id = 2;

static void live_forwarded(const struct rc_token *t);

static void violation(const char *what)
{
	if (!w.first)
		w.first = what;
	w.violations++;
}

static void on_send(void *priv, uint32_t dst, const void *frame, size_t len)
{
	struct rc_frame_view v;
	enum rc_bad_reason why;
	const char *bad;

	w.sends++;
	if (len > NETMTU) {
		violation("engine sent a frame over netmtu");
		return;
	}
	if (rc_wire_parse(frame, len, MAX_MSG, &v, &why) < 0) {
		violation("engine sent a frame that does not parse");
		return;
	}
	bad = rc_check_accepted(frame, len, MAX_MSG, &v);
	if (bad)
		violation(bad);
	if (priv == &node2_id && v.type == RC_FT_TOKEN && dst == 3)
		live_forwarded(&v.tok);
}

static void on_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
	const uint8_t *m = msg;

	w.delivers++;
	if (len > MAX_MSG)
		violation("delivered a message over max_msg_size");
	for (size_t i = 0; i < len; i++)
		w.sum += m[i];
}

static const struct rc_srp_ops ops = {
	.send = on_send,
	.deliver = on_deliver,
};

static struct rc_srp *engine(uint32_t nodeid)
{
	struct rc_srp_config c;
	struct rc_srp *srp = NULL;

	rc_srp_config_defaults(&c);
	c.cluster_id = CLUSTER;
	c.nodeid = nodeid;
	c.n_members = 3;
	c.members[0] = 1;
	c.members[1] = 2;
	c.members[2] = 3;
	c.ring_seq = RING_SEQ;
	c.netmtu = NETMTU;
	c.rtr_slots = 256;
	c.window_size = 64;
	c.max_messages = 16;
	c.accel_window = nodeid == 2 ? 4 : 0;
	c.max_msg_size = MAX_MSG;
	c.idle_rotations = 2;
	CU_ASSERT_EQUAL_FATAL(rc_srp_create(&c, &ops, (void *)(uintptr_t)(nodeid == 2 ? &node2_id : &node1_id), &srp), 0);
	return srp;
}

/* ---- Seeds: valid frames of every type ----------------------------------- */

struct frame {
	size_t len;
	uint8_t b[RC_NETMTU_MAX + 128];
};

#define N_SEEDS		15

static struct frame seeds[N_SEEDS];

static size_t put_mcast(uint8_t *f, uint32_t sender, uint32_t seq,
			const uint32_t (*c)[4], unsigned int n)
{
	uint32_t pos = 0;
	uint16_t mf = 0;

	for (unsigned int i = 0; i < n; i++) {
		rc_wire_put_chunk(f + OVH + pos, c[i][0], c[i][1], c[i][2], (uint16_t)c[i][3], 0);
		memset(f + OVH + pos + CHK, 'a' + (int)i, c[i][0]);
		pos += CHK + c[i][0];
		if (c[i][3] & RC_CF_SAFE)
			mf = RC_MF_HAS_SAFE;
	}
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, (uint16_t)n, mf, pos);
	return OVH + pos;
}

static size_t put_token(uint8_t *f, uint32_t sender, uint32_t token_seq, uint32_t seq,
			uint32_t aru, uint16_t rtr_count)
{
	struct rc_token t = {
		.token_seq = token_seq, .seq = seq, .aru = aru, .aru_addr = aru < seq ? 3 : 0,
		.fcc = 5, .backlog = 2, .rtr_count = rtr_count,
	};

	for (uint16_t i = 0; i < rtr_count && aru != seq; i++)
		t.rtr[i] = aru + 1 + i % (seq - aru);
	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, sender, 1, RING_SEQ);
	return rc_wire_put_token(f, &t);
}

static void make_seeds(void)
{
	static const uint32_t whole[][4] = { { 20, 20, 0, RC_CF_FIRST | RC_CF_LAST } };
	static const uint32_t mixed[][4] = {
		{ 30, 30, 0, RC_CF_FIRST | RC_CF_LAST },
		{ 0, 0, 0, RC_CF_FIRST | RC_CF_LAST },
		{ 12, 12, 0, RC_CF_FIRST | RC_CF_LAST | RC_CF_SAFE },
		{ 100, 300, 0, RC_CF_FIRST },
	};
	static const uint32_t middle[][4] = { { 100, 300, 100, 0 } };
	static const uint32_t tail[][4] = {
		{ 100, 300, 200, RC_CF_LAST },
		{ 7, 7, 0, RC_CF_FIRST | RC_CF_LAST },
	};
	static const uint32_t big[][4] = { { 8000, MAX_MSG, 0, RC_CF_FIRST | RC_CF_SAFE } };
	unsigned int n = 0;

	seeds[n].len = put_mcast(seeds[n].b, 1, 1, whole, 1), n++;
	seeds[n].len = put_mcast(seeds[n].b, 3, 2, mixed, 4), n++;
	seeds[n].len = put_mcast(seeds[n].b, 3, 3, middle, 1), n++;
	seeds[n].len = put_mcast(seeds[n].b, 3, 4, tail, 2), n++;
	seeds[n].len = put_mcast(seeds[n].b, 1, 5, big, 1), n++;
	seeds[n].len = put_token(seeds[n].b, 1, 1, 0, 0, 0), n++;
	seeds[n].len = put_token(seeds[n].b, 1, 4, 6, 2, 3), n++;
	seeds[n].len = put_token(seeds[n].b, 1, 7, 40, 1, RC_RTR_MAX), n++;
	seeds[n].len = put_token(seeds[n].b, 3, 2, 6, 6, 0), n++;	/* to node 1 */
	rc_wire_put_hdr(seeds[n].b, RC_FT_WAKE, CLUSTER, 2, 1, RING_SEQ);
	seeds[n].len = HDR, n++;
	rc_wire_put_hdr(seeds[n].b, RC_FT_WAKE, CLUSTER, 3, 1, RING_SEQ);
	seeds[n].len = HDR, n++;
	seeds[n].len = put_mcast(seeds[n].b, 1, 6, whole, 1), n++;
	{
		struct rc_join j = { .ring_seq = 9, .n_proc = 3, .n_failed = 1,
				     .proc = { 1, 2, 3 }, .failed = { 4 } };
		struct rc_commit c = { .rep = 1, .ring_seq = 6, .hop = 1, .n_memb = 3,
				       .filled = 0x5, .max_msg = 1u << 20,
				       .netmtu = 1436 };

		for (uint32_t i = 0; i < 3; i++) {
			c.e[i].nodeid = 1 + i;
			c.e[i].old_rep = 1;
			c.e[i].old_seq = RING_SEQ;
			c.e[i].my_aru = 3;
			c.e[i].high_seq = 7;
		}
		rc_wire_put_hdr(seeds[n].b, RC_FT_JOIN, CLUSTER, 3, 1, RING_SEQ);
		seeds[n].len = rc_wire_put_join(seeds[n].b, &j), n++;
		rc_wire_put_hdr(seeds[n].b, RC_FT_COMMIT, CLUSTER, 1, 1, 6);
		seeds[n].len = rc_wire_put_commit(seeds[n].b, &c), n++;
		rc_wire_put_hdr(seeds[n].b, RC_FT_MERGE, CLUSTER, 3, 3, 4);
		seeds[n].len = HDR, n++;
	}
	CU_ASSERT_EQUAL_FATAL(n, N_SEEDS);
}

/*
 * ---- Live traffic ---------------------------------------------------------
 * Nodes 1 and 3 played by the test: they send frames with the next seqs,
 * resend what node 2 asks for, and hand node 2 back the token it passed on
 * with their frames added, so node 2 keeps delivering while being fuzzed.
 */

#define HIST		256u

static struct {
	uint32_t seq;			/* highest seq assigned on the ring */
	bool have_fwd;
	struct rc_token fwd;		/* what node 2 passed on last */
	uint32_t want[RC_RTR_MAX];	/* node 2's requests, still to serve */
	unsigned int n_want, next_want;
	unsigned int burst;		/* frames before the next token */
	uint32_t hist_seq[HIST];
	uint16_t hist_len[HIST];
	uint8_t hist[HIST][512];
} live;

static void live_forwarded(const struct rc_token *t)
{
	live.fwd = *t;
	live.have_fwd = true;
	memcpy(live.want, t->rtr, sizeof(t->rtr[0]) * t->rtr_count);
	live.n_want = t->rtr_count;
	live.next_want = 0;
}

static void live_reset(void)
{
	memset(&live, 0, sizeof(live));
	for (unsigned int i = 0; i < HIST; i++)
		live.hist_seq[i] = ~0u;
}

static void live_next(struct frame *out)
{
	while (live.next_want < live.n_want) {
		uint32_t s = live.want[live.next_want++];

		if (live.hist_seq[s % HIST] == s) {
			out->len = live.hist_len[s % HIST];
			memcpy(out->b, live.hist[s % HIST], out->len);
			return;
		}
	}
	if (live.burst && live.seq - live.fwd.seq < 40) {
		uint32_t c[3][4], n = 1 + below(3), s = ++live.seq;

		for (uint32_t i = 0; i < n; i++) {
			c[i][0] = c[i][1] = below(120);
			c[i][2] = 0;
			c[i][3] = RC_CF_FIRST | RC_CF_LAST | (below(4) ? 0 : RC_CF_SAFE);
		}
		live.burst--;
		out->len = put_mcast(out->b, below(2) ? 1 : 3, s, (const uint32_t (*)[4])c, n);
		live.hist_seq[s % HIST] = s;
		live.hist_len[s % HIST] = (uint16_t)out->len;
		memcpy(live.hist[s % HIST], out->b, out->len);
		return;
	} else {
		struct rc_token t = live.fwd;

		if ((int32_t)(live.seq - t.seq) < 0)
			live.seq = t.seq;
		t.token_seq += 2;
		t.seq = live.seq;
		t.rtr_count = 0;
		t.fcc = live.burst;
		t.backlog = 0;
		live.burst = below(12);
		rc_wire_put_hdr(out->b, RC_FT_TOKEN, CLUSTER, 1, 1, RING_SEQ);
		out->len = rc_wire_put_token(out->b, &t);
	}
}

/* ---- Mutations ----------------------------------------------------------- */

static uint32_t edge_value(const struct frame *m)
{
	const uint32_t v[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
		(uint32_t)m->len, (uint32_t)m->len - 1, (uint32_t)m->len + 1,
		(uint32_t)(m->len - OVH), (uint32_t)(m->len - OVH) + 1,
		(uint32_t)(m->len - OVH) - 1, (uint32_t)CHK, RC_RTR_MAX, RC_RTR_MAX + 1,
		MAX_MSG, MAX_MSG + 1, RC_NETMTU_MAX, 3, 4, RING_SEQ, CLUSTER,
	};

	return v[below(sizeof(v) / sizeof(v[0]))];
}

/* Little-endian fields of 1 to 8 bytes. */
static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

struct field {
	uint32_t at;
	uint8_t bytes;
};

#define F(type, f, base) \
	{ (uint32_t)((base) + offsetof(struct type, f)), sizeof(((struct type *)0)->f) }

/* A field of the frame, as its type lays it out (a chunk's, an rtr entry's). */
static struct field pick_field(const struct frame *m)
{
	static const struct field hdr[] = {
		F(rc_wire_hdr, version, 0), F(rc_wire_hdr, type, 0), F(rc_wire_hdr, flags, 0),
		F(rc_wire_hdr, cluster_id, 0), F(rc_wire_hdr, sender, 0),
		F(rc_wire_hdr, ring_rep, 0), F(rc_wire_hdr, reserved, 0),
	};
	static const struct field mc[] = {
		F(rc_wire_mcast, seq, HDR), F(rc_wire_mcast, nchunks, HDR),
		F(rc_wire_mcast, flags, HDR), F(rc_wire_mcast, payload_len, HDR),
		F(rc_wire_mcast, reserved, HDR),
	};
	static const struct field ch[] = {
		F(rc_wire_chunk, len, 0), F(rc_wire_chunk, msg_len, 0),
		F(rc_wire_chunk, offset, 0), F(rc_wire_chunk, flags, 0),
		F(rc_wire_chunk, msg_id, 0),
	};
	static const struct field tk[] = {
		F(rc_wire_token, token_seq, HDR), F(rc_wire_token, seq, HDR),
		F(rc_wire_token, aru, HDR), F(rc_wire_token, aru_addr, HDR),
		F(rc_wire_token, fcc, HDR), F(rc_wire_token, backlog, HDR),
		F(rc_wire_token, rtr_count, HDR), F(rc_wire_token, flags, HDR),
		F(rc_wire_token, reserved, HDR),
	};
	static const struct field jn[] = {
		F(rc_wire_join, ring_seq, HDR), F(rc_wire_join, n_proc, HDR),
		F(rc_wire_join, n_failed, HDR), F(rc_wire_join, reserved, HDR),
	};
	static const struct field cm[] = {
		F(rc_wire_commit, hop, HDR), F(rc_wire_commit, n_memb, HDR),
		F(rc_wire_commit, netmtu, HDR), F(rc_wire_commit, filled, HDR),
		F(rc_wire_commit, max_msg, HDR),
	};
	static const struct field ce[] = {
		F(rc_wire_commit_entry, nodeid, 0), F(rc_wire_commit_entry, old_rep, 0),
		F(rc_wire_commit_entry, my_aru, 0), F(rc_wire_commit_entry, high_seq, 0),
	};
	const struct field none = { 0, 0 };
	uint8_t type = m->len > HDR ? m->b[offsetof(struct rc_wire_hdr, type)] : 0;
	struct field f;

	if (below(4) == 0 || m->len <= HDR)
		f = hdr[below(sizeof(hdr) / sizeof(hdr[0]))];
	else if (type == RC_FT_MCAST && below(3) == 0)
		f = mc[below(sizeof(mc) / sizeof(mc[0]))];
	else if (type == RC_FT_MCAST) {
		uint32_t pos = OVH, k = below(4);

		/* walk to chunk k, as far as the chunk headers say */
		while (k-- && pos + CHK <= m->len)
			pos += CHK + get_le(m->b + pos, 4);
		f = ch[below(sizeof(ch) / sizeof(ch[0]))];
		f.at += pos;
	} else if (type == RC_FT_TOKEN && below(4)) {
		f = tk[below(sizeof(tk) / sizeof(tk[0]))];
	} else if (type == RC_FT_TOKEN) {
		f.at = (uint32_t)(HDR + sizeof(struct rc_wire_token) + 4 * below(RC_RTR_MAX + 1));
		f.bytes = 4;
	} else if (type == RC_FT_JOIN && below(2)) {
		f = jn[below(sizeof(jn) / sizeof(jn[0]))];
	} else if (type == RC_FT_JOIN) {
		f.at = (uint32_t)(HDR + sizeof(struct rc_wire_join) + 4 * below(2 * RC_MEMB_MAX));
		f.bytes = 4;
	} else if (type == RC_FT_COMMIT && below(2)) {
		f = cm[below(sizeof(cm) / sizeof(cm[0]))];
	} else if (type == RC_FT_COMMIT) {
		f = ce[below(sizeof(ce) / sizeof(ce[0]))];
		f.at += (uint32_t)(HDR + sizeof(struct rc_wire_commit) +
				   sizeof(struct rc_wire_commit_entry) * below(4));
	} else {
		return none;
	}
	return f.at + f.bytes <= m->len ? f : none;
}

/* Make the lengths agree again: frame, payload_len, chunk sizes, rtr_count. */
static void fix_lengths(struct frame *m)
{
	uint8_t type;

	if (m->len < HDR)
		return;
	type = m->b[offsetof(struct rc_wire_hdr, type)];
	if (type == RC_FT_MCAST && m->len >= OVH) {
		uint32_t n = get_le(m->b + HDR + offsetof(struct rc_wire_mcast, nchunks), 2);
		uint64_t pos = 0;

		for (uint32_t i = 0; i < n; i++) {
			if (OVH + pos + CHK > m->len)
				break;
			pos += CHK + get_le(m->b + OVH + pos, 4);
		}
		if (OVH + pos > sizeof(m->b))
			return;
		if (OVH + pos > m->len)
			memset(m->b + m->len, 'z', OVH + pos - m->len);
		m->len = OVH + pos;
		put_le(m->b + HDR + offsetof(struct rc_wire_mcast, payload_len), (uint32_t)pos, 4);
	} else if (type == RC_FT_TOKEN && m->len >= HDR + sizeof(struct rc_wire_token)) {
		const size_t body = HDR + sizeof(struct rc_wire_token);
		uint32_t n = (uint32_t)(m->len - body) / 4;

		put_le(m->b + HDR + offsetof(struct rc_wire_token, rtr_count), n, 2);
		m->len = body + 4u * n;
	} else if (type == RC_FT_JOIN && m->len >= HDR + sizeof(struct rc_wire_join)) {
		const uint8_t *b = m->b + HDR;
		size_t want = HDR + sizeof(struct rc_wire_join) + 4u *
			(get_le(b + offsetof(struct rc_wire_join, n_proc), 2) +
			 get_le(b + offsetof(struct rc_wire_join, n_failed), 2));

		if (want <= sizeof(m->b))
			m->len = want;
	} else if (type == RC_FT_COMMIT && m->len >= HDR + sizeof(struct rc_wire_commit)) {
		size_t want = HDR + sizeof(struct rc_wire_commit) +
			sizeof(struct rc_wire_commit_entry) *
			get_le(m->b + HDR + offsetof(struct rc_wire_commit, n_memb), 2);

		if (want <= sizeof(m->b))
			m->len = want;
	} else if (type == RC_FT_WAKE || type == RC_FT_MERGE) {
		m->len = HDR;
	}
}

static void mutate_once(struct frame *m)
{
	uint32_t pos, n;
	struct field f;

	switch (below(10)) {
	case 0:			/* flip a bit */
		if (m->len)
			m->b[below((uint32_t)m->len)] ^= (uint8_t)(1u << below(8));
		break;
	case 1:			/* a random byte */
		if (m->len)
			m->b[below((uint32_t)m->len)] = (uint8_t)rng();
		break;
	case 2:			/* an aligned word set to an edge value */
		n = 1u << below(3);
		if (m->len >= n) {
			pos = below((uint32_t)(m->len - n + 1)) & ~(n - 1);
			put_le(m->b + pos, edge_value(m), n);
		}
		break;
	case 3:			/* a field of this frame type: edge value or nudge */
	case 4:
		f = pick_field(m);
		if (!f.bytes)
			break;
		if (below(2))
			put_le(m->b + f.at, edge_value(m), f.bytes);
		else
			put_le(m->b + f.at, get_le(m->b + f.at, f.bytes) + below(5) - 2, f.bytes);
		if (below(2))
			fix_lengths(m);
		break;
	case 5:			/* cut */
		m->len = below((uint32_t)m->len + 1);
		break;
	case 6:			/* extend */
		n = below(4) ? 1 + below(64) : below(200);
		if (below(50) == 0)
			n = (uint32_t)(RC_NETMTU_MAX - m->len) + below(8);
		if (m->len + n > sizeof(m->b))
			n = (uint32_t)(sizeof(m->b) - m->len);
		for (uint32_t i = 0; i < n; i++)
			m->b[m->len + i] = below(2) ? 0 : (uint8_t)rng();
		m->len += n;
		if (below(4) == 0)
			fix_lengths(m);
		break;
	case 7: {		/* splice in bytes of another seed */
		const struct frame *o = &seeds[below(N_SEEDS)];
		uint32_t from = below((uint32_t)o->len), at;

		n = 1 + below(64);
		if (from + n > o->len)
			n = (uint32_t)o->len - from;
		at = below((uint32_t)m->len + 1);
		if (at + n > sizeof(m->b))
			n = (uint32_t)(sizeof(m->b) - at);
		memcpy(m->b + at, o->b + from, n);
		if (at + n > m->len)
			m->len = at + n;
		break;
	}
	case 8:			/* a header field of another node, ring or cluster */
		if (m->len >= HDR) {
			static const size_t fields[] = {
				offsetof(struct rc_wire_hdr, cluster_id),
				offsetof(struct rc_wire_hdr, sender),
				offsetof(struct rc_wire_hdr, ring_rep),
				offsetof(struct rc_wire_hdr, ring_seq),
			};
			put_le(m->b + fields[below(4)], below(6), 4);
		}
		break;
	default:		/* the type byte */
		if (m->len > offsetof(struct rc_wire_hdr, type))
			m->b[offsetof(struct rc_wire_hdr, type)] = (uint8_t)below(8);
		break;
	}
}

/* ---- The loop ------------------------------------------------------------ */

static void test_mutated_frames_are_rejected_or_consistent_and_never_crash(void)
{
	static struct frame m;
	static const uint8_t payload[3000];
	struct rc_srp *n2 = NULL, *n1 = NULL;
	uint64_t parse_bad[RC_BAD_REASONS_] = { 0 };
	uint64_t engine_bad[RC_BAD_REASONS_] = { 0 };
	uint64_t accepted = 0, live_dropped = 0, now = 1000000000ull;
	unsigned int parse_kinds = 0, engine_kinds = 0;

	rng_state = SEED;
	memset(&w, 0, sizeof(w));
	make_seeds();
	for (uint32_t it = 0; it < ITERATIONS; it++) {
		struct rc_frame_view v;
		enum rc_bad_reason why = RC_BAD_REASONS_;
		const char *bad;
		int r1, r2;

		if (it % RENEW_EVERY == 0) {
			struct rc_srp_stats st;

			if (n2) {
				rc_srp_stats_get(n2, &st);
				for (int i = 0; i < RC_BAD_REASONS_; i++)
					engine_bad[i] += st.bad[i];
				rc_srp_stats_get(n1, &st);
				for (int i = 0; i < RC_BAD_REASONS_; i++)
					engine_bad[i] += st.bad[i];
			}
			rc_srp_destroy(n2);
			rc_srp_destroy(n1);
			live_reset();
			n2 = engine(2);
			n1 = engine(1);
			rc_srp_start(n1, now);
		}

		live_next(&m);
		if (rc_srp_recv(n2, m.b, m.len, now) != 0)
			live_dropped++;
		if (below(2))
			m = seeds[below(N_SEEDS)];
		for (uint32_t k = 1 + below(4); k; k--)
			mutate_once(&m);

		if (rc_wire_parse(m.b, m.len, MAX_MSG, &v, &why) == 0) {
			accepted++;
			bad = rc_check_accepted(m.b, m.len, MAX_MSG, &v);
			if (bad)
				violation(bad);
		} else if ((unsigned int)why < RC_BAD_REASONS_) {
			parse_bad[why]++;
		} else {
			violation("rejected without a valid reason");
		}

		r2 = rc_srp_recv(n2, m.b, m.len, now);
		r1 = rc_srp_recv(n1, m.b, m.len, now);
		if ((r2 != 0 && r2 != -EBADMSG) || (r1 != 0 && r1 != -EBADMSG))
			violation("rc_srp_recv returned neither 0 nor -EBADMSG");

		/* keep the engines moving: seeds unmutated, time, own traffic */
		if (below(8) == 0) {
			const struct frame *sd = &seeds[below(N_SEEDS)];

			rc_srp_recv(n2, sd->b, sd->len, now);
		}
		if (below(64) == 0)
			rc_srp_mcast(n2, payload, below(sizeof(payload)),
				     below(2) ? RC_GUARANTEE_SAFE : RC_GUARANTEE_AGREED, NULL, now);
		now += 1000 + below(100000);
		if (below(16) == 0)
			now += 30 * 1000 * 1000ull;
		rc_srp_timer(n2, now);
		rc_srp_timer(n1, now);
	}
	{
		struct rc_srp_stats st;

		rc_srp_stats_get(n2, &st);
		for (int i = 0; i < RC_BAD_REASONS_; i++)
			engine_bad[i] += st.bad[i];
		rc_srp_stats_get(n1, &st);
		for (int i = 0; i < RC_BAD_REASONS_; i++)
			engine_bad[i] += st.bad[i];
	}
	rc_srp_destroy(n2);
	rc_srp_destroy(n1);

	printf("\n    %u mutated frames, %" PRIu64 " accepted by the parser, "
	       "%" PRIu64 " engine sends, %" PRIu64 " deliveries, %" PRIu64
	       " live frames dropped\n",
	       ITERATIONS, accepted, w.sends, w.delivers, live_dropped);
	printf("    %-10s %10s %10s\n", "reason", "parser", "engines");
	for (int i = 0; i < RC_BAD_REASONS_; i++) {
		printf("    %-10s %10" PRIu64 " %10" PRIu64 "\n",
		       rc_srp_bad_reason_name((enum rc_bad_reason)i), parse_bad[i], engine_bad[i]);
		parse_kinds += parse_bad[i] > 0;
		engine_kinds += engine_bad[i] > 0;
	}
	if (w.first)
		printf("    first violation: %s (%" PRIu64 " in all)\n", w.first, w.violations);

	CU_ASSERT_EQUAL(w.violations, 0);
	/* the mutator is effective: most parser reasons, and engine-only ones */
	CU_ASSERT(parse_bad[RC_BAD_SHORT] && parse_bad[RC_BAD_MAGIC] &&
		  parse_bad[RC_BAD_VERSION] && parse_bad[RC_BAD_TYPE] &&
		  parse_bad[RC_BAD_SENDER] && parse_bad[RC_BAD_LENGTH] &&
		  parse_bad[RC_BAD_CHUNK] && parse_bad[RC_BAD_TOKEN]);
	CU_ASSERT(engine_bad[RC_BAD_CLUSTER] && engine_bad[RC_BAD_RING] &&
		  engine_bad[RC_BAD_SENDER] && engine_bad[RC_BAD_SEQ]);
	CU_ASSERT(parse_bad[RC_BAD_MEMB]);
	CU_ASSERT(parse_kinds >= 9);
	CU_ASSERT(engine_kinds >= 12);
	/* and leaves enough frames valid to reach the engine's deeper paths */
	CU_ASSERT(accepted > ITERATIONS / 20);
	CU_ASSERT(w.delivers > 0);
}

/* ---- Runner -------------------------------------------------------------- */

static const struct unit_test tests[] = {
	T(test_mutated_frames_are_rejected_or_consistent_and_never_crash),
};

UNIT_TEST_MAIN("wire_mutate", tests)
