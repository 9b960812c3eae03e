/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulator's only source of randomness: xoshiro256** seeded through
 * splitmix64, plus mix64() for values derived statelessly from a key. Never
 * rand(): the same seed must give the same run, on every libc.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include <ringcast/hash.h>

struct sim_rng {
	uint64_t s[4];
};

/* splitmix64's finalizer and generator (include/ringcast/hash.h). */
static inline uint64_t sim_mix64(uint64_t x)
{
	return rc_mix64(x);
}

static inline uint64_t sim_splitmix64(uint64_t *state)
{
	return rc_splitmix64_next(state);
}

static inline void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	uint64_t st = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&st);
}

static inline uint64_t sim_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = sim_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sim_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static inline double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n); n == 0 gives 0. Lemire's multiply, bias < 2^-64 * n. */
static inline uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)sim_rng_next(r) * n) >> 64);
}

/* Uniform in [lo, hi]. */
static inline uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
	return lo + sim_rng_below(r, hi - lo + 1);
}

/* True with probability p; draws nothing when p <= 0. */
static inline bool sim_rng_chance(struct sim_rng *r, double p)
{
	if (p <= 0.0)
		return false;
	return sim_rng_unit(r) < p;
}

#endif /* SIM_RNG_H */
