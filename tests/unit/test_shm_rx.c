/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's side of a client's rx ring (include/ringcast/shm_daemon.h):
 * records reserved and committed against the client's tails as last read,
 * which are read again only when those leave no room; positions kept
 * without a division, a record that would pass the area's end moved to its
 * start.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/shm_daemon.h>
#include <ringcast/shm_layout.h>

#include "unit_test.h"

#define RXA	1008u	/* not a power of two */

struct region {
	struct rc_shm_hdr lay;
	void *base;
	struct rc_shmd d;
};

static void region_open(struct region *r)
{
	CU_ASSERT_EQUAL_FATAL(rc_shm_layout(&r->lay, 16, 64, 16, 4096, 4096, RXA), 0);
	r->base = aligned_alloc(4096, (r->lay.size + 4095) / 4096 * 4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->base);
	memset(r->base, 0, r->lay.size);
	memcpy(r->base, &r->lay, sizeof(r->lay));
	rc_shmd_init(&r->d, r->base, &r->lay);
}

/* The client consumed everything up to the daemon's head. */
static void client_catch_up(struct region *r)
{
	rc_store_rel64(&r->d.h->rxa_tail, r->d.rxa_head);
	rc_store_rel32(&r->d.h->rx_tail.v, r->d.rx_head);
}

static int put(struct region *r, uint64_t len)
{
	uint64_t pos = 0;
	int ret = rc_shmd_rx_reserve(&r->d, len, true, &pos);

	if (ret == 0) {
		memset(rc_shmd_rx_ptr(&r->d, pos), 0xab, len);
		rc_shmd_rx_commit(&r->d, pos, len, RC_SHM_RX_MSG);
	}
	return ret;
}

static void test_a_full_area_has_room_again_once_the_client_reads(void)
{
	struct region r;
	int n = 0;

	region_open(&r);
	while (put(&r, 100) == 0)
		n++;
	CU_ASSERT_EQUAL(n, RXA / 112);
	CU_ASSERT_EQUAL(put(&r, 100), -ENOBUFS);
	client_catch_up(&r);
	CU_ASSERT_EQUAL(put(&r, 100), 0);
	free(r.base);
}

/*
 * While the tails last read leave room reserving does not read the client's
 * lines (it writes them for every record it consumes): a tail it wrote back
 * is seen when room runs short, or at once when asked (rc_shmd_rx_tails,
 * which the lcore does at its first record for a client in each pass).
 */
static void test_a_tail_written_back_is_seen_when_room_runs_short(void)
{
	struct region r;
	int n = 0, ret;

	region_open(&r);
	while (put(&r, 100) == 0)
		;
	client_catch_up(&r);
	CU_ASSERT_EQUAL(put(&r, 100), 0);	/* full by the old tails: reads them */
	rc_store_rel64(&r.d.h->rxa_tail, 0);	/* back before what it had consumed, */
	rc_store_rel32(&r.d.h->rx_tail.v, 0);	/* unseen while there is room */
	CU_ASSERT_EQUAL(rc_shmd_rx_tails(&r.d), -EPROTO);	/* asked: seen at once */
	while ((ret = put(&r, 100)) == 0)
		n++;
	CU_ASSERT_EQUAL(ret, -EPROTO);
	CU_ASSERT_EQUAL(n, RXA / 112 - 1);
	free(r.base);
}

/* Odd sizes all the way round, several times: each record lies whole where
   the free-running position says, and the area's end is skipped. */
static void test_records_land_where_their_positions_say(void)
{
	struct region r;
	uint64_t pos = 0;
	int bad = 0, skips = 0;

	region_open(&r);
	for (int i = 0; i < 2000; i++) {
		uint64_t len = 24 + (uint64_t)(i * 53) % 300, at;

		CU_ASSERT_EQUAL_FATAL(rc_shmd_rx_reserve(&r.d, len, true, &pos), 0);
		at = pos % RXA;
		skips += pos != r.d.rxa_head;
		bad += rc_shmd_rx_ptr(&r.d, pos) != (uint8_t *)r.d.rxa + at || at + len > RXA;
		rc_shmd_rx_commit(&r.d, pos, len, RC_SHM_RX_MSG);
		bad += r.d.rxa_head_at != r.d.rxa_head % RXA;
		client_catch_up(&r);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(skips > 100);
	free(r.base);
}

/*
 * Without whole, a record passes the area's end and goes on at its start:
 * two records of nearly half the area fit beside each other wherever the
 * head stands, with the first unread (the daemon's case: a client busy
 * with one message of the ring's limit when the next comes). With whole
 * they did not from a head a quarter in: the skip counted as used.
 */
static void test_two_records_of_half_the_area_fit_wherever_the_head_is(void)
{
	const uint64_t half = RXA / 2 - 2 * RC_SHM_MSG_ALIGN;
	uint8_t src[RXA], back[RXA];
	struct region r;
	uint64_t pos = 0, at;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	region_open(&r);
	CU_ASSERT_EQUAL(put(&r, RXA / 4), 0);
	client_catch_up(&r);
	CU_ASSERT_EQUAL_FATAL(rc_shmd_rx_reserve(&r.d, half, false, &pos), 0);
	rc_shmd_rx_write(&r.d, pos, 0, src, half);
	rc_shmd_rx_commit(&r.d, pos, half, RC_SHM_RX_MSG);
	/* the first unread: whole finds no room, a wrapped record does */
	CU_ASSERT_EQUAL(rc_shmd_rx_reserve(&r.d, half, true, &pos), -ENOBUFS);
	CU_ASSERT_EQUAL_FATAL(rc_shmd_rx_reserve(&r.d, half, false, &pos), 0);
	at = pos % RXA;
	CU_ASSERT(at + half > RXA);		/* it does wrap */
	rc_shmd_rx_write(&r.d, pos, 0, src, 40);	/* in two writes, as the daemon's */
	rc_shmd_rx_write(&r.d, pos, 40, src + 40, half - 40);
	rc_shmd_rx_commit(&r.d, pos, half, RC_SHM_RX_MSG);
	memcpy(back, r.d.rxa + at, RXA - at);
	memcpy(back + (RXA - at), r.d.rxa, half - (RXA - at));
	CU_ASSERT_EQUAL(memcmp(back, src, half), 0);
	/* and nothing more fits until the client reads */
	CU_ASSERT_EQUAL(rc_shmd_rx_reserve(&r.d, RC_SHM_MSG_ALIGN * 4, false, &pos), -ENOBUFS);
	free(r.base);
}

static const struct unit_test tests[] = {
	T(test_a_full_area_has_room_again_once_the_client_reads),
	T(test_a_tail_written_back_is_seen_when_room_runs_short),
	T(test_records_land_where_their_positions_say),
	T(test_two_records_of_half_the_area_fit_wherever_the_head_is),
};

UNIT_TEST_MAIN("shm-rx", tests)
