/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame authentication (dataplane/auth/auth.c): good frames open in every
 * mode; forged, truncated, wrong-key, replayed, old-incarnation, unknown-node
 * and other-mode frames are dropped and counted by reason, and change no
 * state; a receiver restarted with its saved floors refuses old captures.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "unit_test.h"

#define CLUSTER	0x1234u
#define BUF	2048

static const uint8_t key_a[RC_AUTH_KEY_MIN] = "0123456789abcdef0123456789abcdef";
static const uint8_t key_b[RC_AUTH_KEY_MIN] = "0123456789abcdef0123456789abcdeX";

/* A node of {1, 2, 3} in `mode` with `key`. */
static struct rc_auth *node(uint32_t me, uint32_t inc, enum rc_auth_mode mode,
			    const uint8_t *key)
{
	struct rc_auth_params p = {
		.mode = mode,
		.cluster_id = CLUSTER,
		.me = me,
		.incarnation = inc,
		.n_nodes = 3,
		.nodes = { 1, 2, 3 },
	};
	struct rc_auth *a = NULL;

	CU_ASSERT_FATAL(rc_auth_prk(key, RC_AUTH_KEY_MIN, p.prk) == 0);
	CU_ASSERT_FATAL(rc_auth_create(&p, &a) == 0);
	return a;
}

static uint32_t tx_key_id(const struct rc_auth *a)
{
	struct rc_auth_key_status st;

	rc_auth_key_status(a, &st);
	return st.tx_id;
}

static const char msg_hdr[] = "TOTEM-HEADER-32-bytes-of-stuff!";
static const char msg_data[] = "cpg payload: the group name secret-group";

/* Seal the test message; returns the frame's length. */
static size_t seal(struct rc_auth *a, uint8_t *f)
{
	int n = rc_auth_seal(a, msg_hdr, sizeof(msg_hdr), msg_data, sizeof(msg_data), true, f);

	CU_ASSERT_FATAL(n == (int)(RC_WIRE_AUTH_OVERHEAD + sizeof(msg_hdr) + sizeof(msg_data)));
	return (size_t)n;
}

static int open_copy(struct rc_auth *a, const uint8_t *f, size_t len, struct rc_auth_rx *rx,
		     struct rc_auth_bad *bad)
{
	static uint8_t buf[BUF];

	memcpy(buf, f, len);
	return rc_auth_open(a, buf, len, rx, bad);
}

static uint64_t drops(struct rc_auth *a, enum rc_auth_drop d)
{
	uint64_t v[RC_AUTH_DROPS_];

	rc_auth_drops(a, v);
	return v[d];
}

static void body_is_message(const struct rc_auth_rx *rx)
{
	CU_ASSERT_EQUAL(rx->body_len, sizeof(msg_hdr) + sizeof(msg_data));
	CU_ASSERT(!memcmp(rx->body, msg_hdr, sizeof(msg_hdr)));
	CU_ASSERT(!memcmp(rx->body + sizeof(msg_hdr), msg_data, sizeof(msg_data)));
}

static void test_good_frame_opens_in_every_mode(void)
{
	for (int m = RC_AUTH_MODE_NONE; m <= RC_AUTH_MODE_AEAD; m++) {
		struct rc_auth *s = node(1, 7, m, key_a), *r = node(2, 9, m, key_a);
		struct rc_auth_rx rx;
		struct rc_auth_bad bad;
		uint8_t f[BUF];
		size_t len = seal(s, f);

		CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), 0);
		CU_ASSERT_EQUAL(rx.sender, 1);
		body_is_message(&rx);
		rc_auth_destroy(s);
		rc_auth_destroy(r);
	}
}

static bool contains(const uint8_t *f, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(f + i, s, n))
			return true;
	return false;
}

static void test_aead_hides_the_payload_and_mac_does_not(void)
{
	struct rc_auth *e = node(1, 1, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *m = node(1, 1, RC_AUTH_MODE_MAC, key_a);
	uint8_t f[BUF];
	size_t len;

	len = seal(e, f);
	CU_ASSERT(!contains(f, len, "secret-group"));
	CU_ASSERT(!contains(f, len, "TOTEM-HEADER"));
	len = seal(m, f);
	CU_ASSERT(contains(f, len, "secret-group"));
	rc_auth_destroy(e);
	rc_auth_destroy(m);
}

static void test_every_flipped_bit_is_a_bad_tag(void)
{
	for (int m = RC_AUTH_MODE_MAC; m <= RC_AUTH_MODE_AEAD; m++) {
		struct rc_auth *s = node(1, 7, m, key_a), *r = node(2, 9, m, key_a);
		struct rc_auth_rx rx;
		struct rc_auth_bad bad;
		uint8_t f[BUF];
		size_t len = seal(s, f), tagged = 0;

		/* The receiver knows run 7 of node 1 (counter 1), then gets
		   counter 2. */
		CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), 0);
		len = seal(s, f);
		/* Every bit of tag and body, and the counter and incarnation in
		   the envelope: each one forged copy. */
		for (size_t bit = 8 * 12; bit < 8 * len; bit++) {
			uint8_t g[BUF];

			memcpy(g, f, len);
			g[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CU_ASSERT_EQUAL(rc_auth_open(r, g, len, &rx, &bad), -EBADMSG);
			if (bad.drop == RC_AUTH_DROP_BAD_TAG)
				tagged++;
		}
		/* Incarnation bits cleared look like an older run (old_incarnation),
		   counter 2's bit 1 cleared like counter 0 (replay), a key id
		   changed like a key not held (key_slot); every other flip,
		   incarnation or counter set higher included, is a bad tag. */
		CU_ASSERT_EQUAL(drops(r, RC_AUTH_DROP_OLD_INCARNATION), 3);
		CU_ASSERT_EQUAL(drops(r, RC_AUTH_DROP_REPLAY), 1);
		CU_ASSERT_EQUAL(drops(r, RC_AUTH_DROP_KEY_SLOT), 32);
		CU_ASSERT_EQUAL(tagged, 8 * len - 8 * 12 - 4 - 32);
		/* The real frame still opens: the forgeries changed nothing. */
		CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), 0);
		body_is_message(&rx);
		rc_auth_destroy(s);
		rc_auth_destroy(r);
	}
}

static void test_truncated_frames_are_dropped(void)
{
	struct rc_auth *s = node(1, 7, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t f[BUF];
	size_t len = seal(s, f);

	for (size_t n = 0; n < len; n++) {
		CU_ASSERT_EQUAL(open_copy(r, f, n, &rx, &bad), -EBADMSG);
		CU_ASSERT(bad.drop == (n < RC_WIRE_AUTH_OVERHEAD ? RC_AUTH_DROP_SHORT
								  : RC_AUTH_DROP_BAD_TAG));
	}
	CU_ASSERT_EQUAL(drops(r, RC_AUTH_DROP_SHORT), RC_WIRE_AUTH_OVERHEAD);
	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), 0);
	rc_auth_destroy(s);
	rc_auth_destroy(r);
}

static void test_another_key_is_not_held(void)
{
	struct rc_auth *s = node(1, 7, RC_AUTH_MODE_AEAD, key_b);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t f[BUF];
	size_t len = seal(s, f);

	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_KEY_SLOT);	/* its key id is not ours */
	/* The same key id with another key (a forger copying a sniffed id): bad tag. */
	memcpy(f + 24, &(uint32_t){ htole32(tx_key_id(r)) }, 4);
	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_BAD_TAG);
	CU_ASSERT_EQUAL(bad.sender, 1);
	rc_auth_destroy(s);
	rc_auth_destroy(r);
}

static void test_replayed_frame_is_dropped_and_window_allows_reorder(void)
{
	struct rc_auth *s = node(1, 7, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	static uint8_t f[100][BUF];
	size_t len[100];

	for (int i = 0; i < 100; i++)
		len[i] = seal(s, f[i]);
	CU_ASSERT_EQUAL(open_copy(r, f[10], len[10], &rx, &bad), 0);
	CU_ASSERT_TRUE(rx.newest);
	CU_ASSERT_EQUAL(open_copy(r, f[10], len[10], &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_REPLAY);
	/* Late but within the window: accepted once, and not the newest (it
	   may not say where its sender is: a late frame replayed from another
	   port would move it there). */
	CU_ASSERT_EQUAL(open_copy(r, f[3], len[3], &rx, &bad), 0);
	CU_ASSERT_FALSE(rx.newest);
	CU_ASSERT_EQUAL(open_copy(r, f[11], len[11], &rx, &bad), 0);
	CU_ASSERT_TRUE(rx.newest);
	CU_ASSERT_EQUAL(open_copy(r, f[3], len[3], &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(open_copy(r, f[99], len[99], &rx, &bad), 0);
	/* 99 - 20 >= 64: older than the window, even if never seen. */
	CU_ASSERT_EQUAL(open_copy(r, f[20], len[20], &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_REPLAY);
	CU_ASSERT_EQUAL(open_copy(r, f[50], len[50], &rx, &bad), 0);
	CU_ASSERT_EQUAL(drops(r, RC_AUTH_DROP_REPLAY), 3);
	rc_auth_destroy(s);
	rc_auth_destroy(r);
}

static void test_old_incarnation_is_dropped_after_a_newer_one(void)
{
	struct rc_auth *old = node(1, 7, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *now = node(1, 8, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t fo[BUF], fn[BUF];
	size_t lo = seal(old, fo), ln;

	seal(now, fn);		/* counter 2 in the new run, counter 1 in the old */
	ln = seal(now, fn);
	CU_ASSERT_EQUAL(rc_auth_open(r, fn, ln, &rx, &bad), 0);
	CU_ASSERT_EQUAL(rc_auth_open(r, fo, lo, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_OLD_INCARNATION);
	rc_auth_destroy(old);
	rc_auth_destroy(now);
	rc_auth_destroy(r);
}

static void test_unknown_and_own_nodeids_are_dropped(void)
{
	struct rc_auth *stranger = node(4, 1, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r2 = node(2, 10, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t f[BUF];
	size_t len = seal(stranger, f);

	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_UNKNOWN_NODE);
	CU_ASSERT_EQUAL(bad.sender, 4);
	len = seal(r2, f);	/* "from node 2" back to node 2 */
	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_UNKNOWN_NODE);
	rc_auth_destroy(stranger);
	rc_auth_destroy(r);
	rc_auth_destroy(r2);
}

static void test_other_mode_version_and_slot_are_dropped(void)
{
	struct rc_auth *off = node(1, 7, RC_AUTH_MODE_NONE, key_a);
	struct rc_auth *s = node(1, 7, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t f[BUF];
	size_t len = seal(off, f);

	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_MODE);
	len = seal(s, f);
	f[24] ^= 0x5a;		/* key_id: a key this node does not hold */
	CU_ASSERT_EQUAL(open_copy(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_KEY_SLOT);
	f[24] ^= 0x5a;
	f[4] = RC_WIRE_VERSION + 1;
	CU_ASSERT_EQUAL(open_copy(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_VERSION);
	f[4] = RC_WIRE_VERSION;
	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), 0);
	rc_auth_destroy(off);
	rc_auth_destroy(s);
	rc_auth_destroy(r);
}

static void test_version_1_frame_names_its_sender(void)
{
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	/* A version-1 Totem header: magic, version 1, type, ..., sender 3 at 12. */
	uint8_t f[32] = { 0x52, 0x43, 0x53, 0x54, 1, 2, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0 };

	CU_ASSERT_EQUAL(rc_auth_open(r, f, sizeof(f), &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_VERSION);
	CU_ASSERT_EQUAL(bad.version, 1);
	CU_ASSERT_EQUAL(bad.sender, 3);
	rc_auth_destroy(r);
}

/* A peer of any older envelope version (2: no agreed message limit; 3: no
   CPG batches) is named from its envelope: the log can say which node to
   upgrade. */
static void test_older_envelope_versions_name_their_sender(void)
{
	struct rc_auth *s = node(3, 7, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t f[BUF];
	size_t len = seal(s, f);

	for (uint8_t v = 2; v < RC_WIRE_VERSION; v++) {
		f[4] = v;
		CU_ASSERT_EQUAL(open_copy(r, f, len, &rx, &bad), -EBADMSG);
		CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_VERSION);
		CU_ASSERT_EQUAL(bad.version, v);
		CU_ASSERT_EQUAL(bad.sender, 3);
	}
	rc_auth_destroy(s);
	rc_auth_destroy(r);
}

static void test_detached_data_is_authenticated_in_place(void)
{
	struct rc_auth *s = node(1, 7, RC_AUTH_MODE_MAC, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_MAC, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t f[BUF];
	int n = rc_auth_seal(s, msg_hdr, sizeof(msg_hdr), msg_data, sizeof(msg_data), false, f);

	/* Only envelope, tag and header written: the data goes as its own segment. */
	CU_ASSERT_EQUAL(n, (int)(RC_WIRE_AUTH_OVERHEAD + sizeof(msg_hdr)));
	memcpy(f + n, msg_data, sizeof(msg_data));
	CU_ASSERT_EQUAL(rc_auth_open(r, f, (size_t)n + sizeof(msg_data), &rx, &bad), 0);
	body_is_message(&rx);
	/* Encryption cannot leave the data where it is. */
	rc_auth_destroy(s);
	s = node(1, 7, RC_AUTH_MODE_AEAD, key_a);
	CU_ASSERT_EQUAL(rc_auth_seal(s, msg_hdr, 4, msg_data, 4, false, f), -EINVAL);
	rc_auth_destroy(s);
	rc_auth_destroy(r);
}

/*
 * A receiver that restarts remembers, through its saved floors, what it had
 * accepted: an old capture of a node's earlier run, or of frames it had
 * already seen from this run, is refused; the node's new frames are not.
 */
static void test_restarted_receiver_refuses_old_captures(void)
{
	struct rc_auth *gone = node(1, 5, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_params p = {
		.mode = RC_AUTH_MODE_AEAD, .cluster_id = CLUSTER, .me = 2, .incarnation = 10,
		.n_nodes = 3, .nodes = { 1, 2, 3 },
	};
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	static uint8_t cap[3][BUF];
	size_t len[3];
	struct rc_auth *r2, *fresh;

	for (int i = 0; i < 3; i++)
		len[i] = seal(gone, cap[i]);
	CU_ASSERT_EQUAL(open_copy(r, cap[0], len[0], &rx, &bad), 0);
	CU_ASSERT_EQUAL(open_copy(r, cap[1], len[1], &rx, &bad), 0);
	p.n_floor = rc_auth_floor_get(r, p.floor, RC_AUTH_MAX_NODES);
	CU_ASSERT_EQUAL(p.n_floor, 1);
	CU_ASSERT_EQUAL(p.floor[0].incarnation, 5);
	CU_ASSERT_EQUAL(p.floor[0].counter, 2);
	rc_auth_destroy(r);

	/* Without the floors, a restarted receiver takes the capture... */
	CU_ASSERT_FATAL(rc_auth_prk(key_a, sizeof(key_a), p.prk) == 0);
	{
		struct rc_auth_params q = p;

		q.n_floor = 0;
		CU_ASSERT_FATAL(rc_auth_create(&q, &fresh) == 0);
		CU_ASSERT_EQUAL(open_copy(fresh, cap[0], len[0], &rx, &bad), 0);
		rc_auth_destroy(fresh);
	}
	/* ...with them it does not; the frame it never saw still passes. */
	CU_ASSERT_FATAL(rc_auth_create(&p, &r2) == 0);
	CU_ASSERT_EQUAL(open_copy(r2, cap[0], len[0], &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_REPLAY);
	CU_ASSERT_EQUAL(open_copy(r2, cap[1], len[1], &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(open_copy(r2, cap[2], len[2], &rx, &bad), 0);
	rc_auth_destroy(r2);
	/* A floor of a later incarnation makes every frame of run 5 old. */
	p.floor[0].incarnation = 6;
	p.floor[0].counter = 0;
	CU_ASSERT_FATAL(rc_auth_create(&p, &r2) == 0);
	CU_ASSERT_EQUAL(open_copy(r2, cap[2], len[2], &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_OLD_INCARNATION);
	rc_auth_destroy(r2);
	rc_auth_destroy(gone);
}

static void test_counters_and_nonces_never_repeat(void)
{
	struct rc_auth *s = node(1, 7, RC_AUTH_MODE_AEAD, key_a);
	uint8_t f[BUF], g[BUF];
	uint64_t c1, c2;

	seal(s, f);
	seal(s, g);
	memcpy(&c1, f + 16, 8);
	memcpy(&c2, g + 16, 8);
	CU_ASSERT(c2 == c1 + 1);
	/* Same message, next counter: different ciphertext. */
	CU_ASSERT(memcmp(f + 40, g + 40, 16 + sizeof(msg_hdr)) != 0);
	rc_auth_destroy(s);
}

static void test_keys_depend_on_cluster_sender_and_incarnation(void)
{
	struct rc_auth_params p = {
		.mode = RC_AUTH_MODE_AEAD, .cluster_id = CLUSTER + 1, .me = 1, .incarnation = 7,
		.n_nodes = 3, .nodes = { 1, 2, 3 },
	};
	struct rc_auth *other, *r = node(2, 9, RC_AUTH_MODE_AEAD, key_a);
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	uint8_t f[BUF];
	size_t len;

	CU_ASSERT_FATAL(rc_auth_prk(key_a, sizeof(key_a), p.prk) == 0);
	CU_ASSERT_FATAL(rc_auth_create(&p, &other) == 0);
	len = seal(other, f);	/* same key, another cluster id */
	CU_ASSERT_EQUAL(rc_auth_open(r, f, len, &rx, &bad), -EBADMSG);
	CU_ASSERT_EQUAL(bad.drop, RC_AUTH_DROP_BAD_TAG);
	rc_auth_destroy(other);
	rc_auth_destroy(r);
}

static void test_key_sizes_outside_the_range_are_refused(void)
{
	uint8_t big[RC_AUTH_KEY_MAX + 1] = { 0 }, prk[RC_AUTH_PRK_LEN];

	CU_ASSERT_EQUAL(rc_auth_prk(big, RC_AUTH_KEY_MIN - 1, prk), -EINVAL);
	CU_ASSERT_EQUAL(rc_auth_prk(big, RC_AUTH_KEY_MAX + 1, prk), -EINVAL);
	CU_ASSERT_EQUAL(rc_auth_prk(big, RC_AUTH_KEY_MAX, prk), 0);
	CU_ASSERT_STRING_EQUAL(rc_auth_drop_name(RC_AUTH_DROP_BAD_TAG), "bad_tag");
}

static const struct unit_test tests[] = {
	T(test_good_frame_opens_in_every_mode),
	T(test_aead_hides_the_payload_and_mac_does_not),
	T(test_every_flipped_bit_is_a_bad_tag),
	T(test_truncated_frames_are_dropped),
	T(test_another_key_is_not_held),
	T(test_replayed_frame_is_dropped_and_window_allows_reorder),
	T(test_old_incarnation_is_dropped_after_a_newer_one),
	T(test_unknown_and_own_nodeids_are_dropped),
	T(test_other_mode_version_and_slot_are_dropped),
	T(test_version_1_frame_names_its_sender),
	T(test_older_envelope_versions_name_their_sender),
	T(test_detached_data_is_authenticated_in_place),
	T(test_restarted_receiver_refuses_old_captures),
	T(test_counters_and_nonces_never_repeat),
	T(test_keys_depend_on_cluster_sender_and_incarnation),
	T(test_key_sizes_outside_the_range_are_refused),
};

UNIT_TEST_MAIN("auth", tests)
