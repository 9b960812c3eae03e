/*
 * --selftest-checker: proves the checker can fail. Each case feeds it a
 * fabricated delivery sequence (no engine involved) and expects either no
 * violation or one whose text names the broken invariant.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define ST_NODES	3
#define ST_SENDERS	2
#define ST_PER_SENDER	3

struct st {
	struct check c;
	uint32_t aru[ST_NODES + 1];
	uint64_t queued[ST_SENDERS + 1];
	uint8_t buf[4096];
};

static uint32_t st_aru(void *ctx, uint32_t nodeid)
{
	const struct st *t = ctx;

	return t->aru[nodeid];
}

static int st_init(struct st *t, uint64_t per_sender, double safe)
{
	struct sim_payload pl;
	uint32_t i;
	int ret;

	sim_payload_init(&pl, 0x5e1f7e57, 1, 200, safe);
	ret = sim_check_init(&t->c, ST_NODES, ST_SENDERS, per_sender, &pl, true);
	if (ret < 0)
		return ret;
	for (i = 0; i <= ST_NODES; i++)
		t->aru[i] = UINT32_MAX / 2;
	for (i = 0; i <= ST_SENDERS; i++)
		t->queued[i] = per_sender;
	t->c.aru = st_aru;
	t->c.ctx = t;
	t->c.queued = t->queued;
	return 0;
}

/* Node `node` delivers message (origin, index) as seq; flip/cut damage it. */
static int give(struct st *t, uint32_t node, uint32_t origin, uint64_t index,
		uint32_t seq, int flip, int cut, int other_g)
{
	struct rc_srp_msg_info info;
	uint64_t key = sim_payload_key(&t->c.pl, origin, index);
	uint32_t len = sim_payload_len(&t->c.pl, key);

	sim_payload_fill(key, t->buf, len);
	if (flip >= 0 && (uint32_t)flip < len)
		t->buf[flip] ^= 0x40;
	info.sender = origin;
	info.seq = seq;
	info.guarantee = sim_payload_guarantee(&t->c.pl, key);
	if (other_g)
		info.guarantee = info.guarantee == RC_GUARANTEE_SAFE ?
			RC_GUARANTEE_AGREED : RC_GUARANTEE_SAFE;
	return sim_check_deliver(&t->c, node, &info, t->buf,
				 len - (uint32_t)cut);
}

/* Every node delivers the agreed order: 1/0 2/0 1/1 2/1 ... */
static void give_all(struct st *t, uint32_t node, uint64_t per_sender)
{
	uint64_t i;
	uint32_t o;

	for (i = 0; i < per_sender; i++)
		for (o = 1; o <= ST_SENDERS; o++)
			give(t, node, o, i, (uint32_t)(i * ST_SENDERS + o), -1, 0, 0);
}

static int case_agreement_passes(struct st *t)
{
	uint32_t n;

	for (n = 1; n <= ST_NODES; n++)
		give_all(t, n, ST_PER_SENDER);
	return sim_check_finish(&t->c);
}

static int case_long_run_passes(struct st *t)
{
	uint64_t i;
	uint32_t n, o;

	/* nodes in lockstep with lags: the reference is trimmed and grown */
	for (i = 0; i < 20000; i++)
		for (o = 1; o <= ST_SENDERS; o++)
			for (n = 1; n <= ST_NODES; n++)
				if (give(t, n, o, i, (uint32_t)(i * 2 + o), -1, 0, 0))
					return -1;
	return sim_check_finish(&t->c);
}

static int case_disagreement(struct st *t)
{
	give(t, 1, 1, 0, 1, -1, 0, 0);
	give(t, 2, 2, 0, 1, -1, 0, 0);
	return 0;
}

static int case_duplicate(struct st *t)
{
	give(t, 1, 1, 0, 1, -1, 0, 0);
	give(t, 1, 1, 0, 2, -1, 0, 0);
	return 0;
}

static int case_gap(struct st *t)
{
	give(t, 1, 1, 1, 1, -1, 0, 0);
	return 0;
}

static int case_corrupt_byte(struct st *t)
{
	give(t, 1, 2, 0, 1, 0, 0, 0);
	return 0;
}

static int case_short_message(struct st *t)
{
	give(t, 1, 2, 0, 1, -1, 1, 0);
	return 0;
}

static int case_wrong_guarantee(struct st *t)
{
	give(t, 1, 1, 0, 1, -1, 0, 1);
	return 0;
}

static int case_safe_too_early(struct st *t)
{
	t->aru[3] = 4;
	give(t, 1, 1, 0, 5, -1, 0, 0);
	return 0;
}

static int case_seq_disagreement(struct st *t)
{
	give(t, 1, 1, 0, 5, -1, 0, 0);
	give(t, 2, 1, 0, 6, -1, 0, 0);
	return 0;
}

static int case_seq_backwards(struct st *t)
{
	give(t, 1, 1, 0, 5, -1, 0, 0);
	give(t, 1, 2, 0, 4, -1, 0, 0);
	return 0;
}

static int case_missing_message(struct st *t)
{
	give_all(t, 1, ST_PER_SENDER);
	give_all(t, 2, ST_PER_SENDER);
	give_all(t, 3, ST_PER_SENDER - 1);
	return sim_check_finish(&t->c);
}

static int case_unknown_origin(struct st *t)
{
	give(t, 1, 3, 0, 1, -1, 0, 0);
	return 0;
}

static int case_extra_message(struct st *t)
{
	give_all(t, 1, ST_PER_SENDER);
	give(t, 1, 1, 0, 100, -1, 0, 0);
	return 0;
}

static int case_before_queued(struct st *t)
{
	t->queued[2] = 0;
	give(t, 1, 2, 0, 1, -1, 0, 0);
	return 0;
}

struct st_case {
	const char *name;
	int (*run)(struct st *t);
	uint64_t per_sender;
	double safe;
	const char *expect;	/* NULL: no violation */
};

static const struct st_case cases[] = {
	{ "agreeing_sequences_pass", case_agreement_passes, ST_PER_SENDER, 0.5, NULL },
	{ "long_run_trims_reference_and_passes", case_long_run_passes, 20000, 0.3, NULL },
	{ "disagreement_is_total_order_violation", case_disagreement, ST_PER_SENDER, 0, "total order" },
	{ "repeated_message_is_duplicate", case_duplicate, ST_PER_SENDER, 0, "duplicate" },
	{ "skipped_message_is_gap", case_gap, ST_PER_SENDER, 0, "gap" },
	{ "flipped_byte_is_payload_violation", case_corrupt_byte, ST_PER_SENDER, 0, "payload" },
	{ "short_message_is_length_violation", case_short_message, ST_PER_SENDER, 0, "length" },
	{ "wrong_guarantee_is_caught", case_wrong_guarantee, ST_PER_SENDER, 0.5, "guarantee" },
	{ "safe_before_every_aru_is_caught", case_safe_too_early, ST_PER_SENDER, 1, "SAFE delivered early" },
	{ "different_seq_for_one_message_is_caught", case_seq_disagreement, ST_PER_SENDER, 0, "seq disagreement" },
	{ "seq_going_back_is_caught", case_seq_backwards, ST_PER_SENDER, 0, "seq order" },
	{ "undelivered_message_is_liveness_violation", case_missing_message, ST_PER_SENDER, 0, "liveness" },
	{ "message_from_non_sender_is_caught", case_unknown_origin, ST_PER_SENDER, 0, "unknown origin" },
	{ "message_beyond_the_last_is_duplicate", case_extra_message, ST_PER_SENDER, 0, "duplicate" },
	{ "delivery_before_mcast_is_causality_violation", case_before_queued, ST_PER_SENDER, 0, "causality" },
};

int sim_selftest_checker(void)
{
	static struct st t;
	const struct st_case *k;
	size_t i, failed = 0;
	bool ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = &cases[i];
		memset(&t, 0, sizeof(t));
		if (st_init(&t, k->per_sender, k->safe) < 0) {
			printf("FAIL %s: out of memory\n", k->name);
			return 1;
		}
		k->run(&t);
		if (k->expect == NULL)
			ok = !t.c.violated;
		else
			ok = t.c.violated && strstr(t.c.what, k->expect) != NULL;
		printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", k->name,
		       t.c.violated ? ": " : "", t.c.violated ? t.c.what : "");
		if (!ok)
			failed++;
		sim_check_fini(&t.c);
	}
	printf("selftest-checker: %zu of %zu cases passed\n",
	       sizeof(cases) / sizeof(cases[0]) - failed,
	       sizeof(cases) / sizeof(cases[0]));
	return failed ? 1 : 0;
}
