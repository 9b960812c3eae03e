/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_zcb_pool: zero-copy buffers held by the application. Rounds of up to
 * -n buffers of 1..-s bytes (seeded), each filled and checked, then all
 * freed: cpg_zcb_alloc may refuse only with CS_ERR_NO_MEMORY (nothing is in
 * flight, so a TRY_AGAIN could never clear); round 0's sizes, replayed at
 * the end, must fit exactly as many buffers as the first time (no leak). With -H N: allocate N buffers of 1 MiB (up to
 * the first NO_MEMORY), touch them, and exit without freeing: the daemon
 * must reclaim them with the connection (cluster test zcb-pool).
 *   RESULT rounds=R buffers=B held_max=BYTES no_memory=K
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpgt.h"

#define MAX_BUFS	100000

static void *buf[MAX_BUFS];
static size_t len[MAX_BUFS];

static int hold(cpg_handle_t h, unsigned int n)
{
	unsigned int i;
	cs_error_t err = CS_OK;

	for (i = 0; i < n; i++) {
		err = cpg_zcb_alloc(h, 1u << 20, &buf[i]);
		if (err != CS_OK)
			break;
		memset(buf[i], (int)i, 1u << 20);
	}
	if (err != CS_OK && err != CS_ERR_NO_MEMORY) {
		printf("FAIL hold: buffer %u: %s\n", i, cpgt_err(err));
		return 1;
	}
	printf("HELD buffers=%u bytes=%u (then exits without freeing)\n", i, i << 20);
	fflush(stdout);
	return 0;	/* no cpg_zcb_free, no cpg_finalize */
}

int main(int argc, char **argv)
{
	unsigned int rounds = 100, n = 2000, max = 100000, held_n = 0, first_n = 0;
	unsigned long long seed = 1, no_mem = 0, total = 0;
	uint64_t held, held_max = 0, first_held = 0;
	cpg_handle_t h;
	cs_error_t err;
	int c, hold_n = -1;

	while ((c = getopt(argc, argv, "r:n:s:S:H:")) != -1) {
		switch (c) {
		case 'r': rounds = (unsigned int)atoi(optarg); break;
		case 'n': n = (unsigned int)atoi(optarg); break;
		case 's': max = (unsigned int)atoi(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'H': hold_n = atoi(optarg); break;
		default: return 2;
		}
	}
	if (n > MAX_BUFS || max == 0)
		return 2;
	if ((err = cpg_initialize(&h, NULL)) != CS_OK) {
		printf("FAIL cpg_initialize: %s\n", cpgt_err(err));
		return 1;
	}
	if (hold_n >= 0)
		return hold(h, hold_n > MAX_BUFS ? MAX_BUFS : (unsigned int)hold_n);
	/* rounds 0..rounds-1, then round 0's sizes once more: on an empty arena
	   the allocator must take exactly as many as the first time */
	for (unsigned int r = 0; r <= rounds; r++) {
		unsigned int rs = r == rounds ? 0 : r;

		held = 0;
		for (held_n = 0; held_n < n; held_n++) {
			size_t sz = 1 + cpgt_mix64(seed ^ ((uint64_t)rs << 32 | held_n)) % max;

			err = cpg_zcb_alloc(h, sz, &buf[held_n]);
			if (err == CS_ERR_NO_MEMORY) {
				no_mem++;
				break;
			}
			if (err != CS_OK) {
				printf("FAIL round %u buffer %u (%zu bytes, %llu held): %s\n", r,
				       held_n, sz, (unsigned long long)held, cpgt_err(err));
				return 1;
			}
			len[held_n] = sz;
			memset(buf[held_n], (int)(held_n & 0xff), sz);
			held += sz;
		}
		for (unsigned int i = 0; i < held_n; i++) {
			const uint8_t *p = buf[i];

			if (p[0] != (uint8_t)i || p[len[i] - 1] != (uint8_t)i) {
				printf("FAIL round %u: buffer %u was overwritten\n", r, i);
				return 1;
			}
			if ((err = cpg_zcb_free(h, buf[i])) != CS_OK) {
				printf("FAIL round %u: cpg_zcb_free: %s\n", r, cpgt_err(err));
				return 1;
			}
		}
		if (r == 0) {
			first_n = held_n;
			first_held = held;
		} else if (r == rounds && held_n != first_n) {
			printf("FAIL round 0 again got %u buffers (%llu bytes), the first time %u "
			       "(%llu): the arena leaks\n", held_n, (unsigned long long)held,
			       first_n, (unsigned long long)first_held);
			return 1;
		}
		if (r == rounds)
			break;
		total += held_n;
		if (held > held_max)
			held_max = held;
	}
	printf("RESULT rounds=%u buffers=%llu held_max=%llu no_memory=%llu\n", rounds, total,
	       (unsigned long long)held_max, no_mem);
	return cpg_finalize(h) == CS_OK ? 0 : 1;
}
