/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mutation tests' PRNG: xorshift64*, one state per test program, seeded
 * by the test (rng_state = SEED) so that every run replays the same inputs.
 */
#ifndef RC_TEST_XORSHIFT_H
#define RC_TEST_XORSHIFT_H

#include <stdint.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

#endif /* RC_TEST_XORSHIFT_H */
