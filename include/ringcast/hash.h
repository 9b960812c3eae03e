/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one definition of each non-cryptographic hash ringcast uses: FNV-1a
 * (the test-hook digest, ringcast-gen's order hash, ringcast-check's keys,
 * the CPG test clients) and splitmix64 (the simulator's and the test
 * clients' seeded sequences). Not for anything an attacker chooses to
 * collide: they order, compare and derive what the project itself made.
 * Header-only, libc types only, so every folder and the test clients built
 * against corosync's headers include it.
 */
#ifndef RINGCAST_HASH_H
#define RINGCAST_HASH_H

#include <stddef.h>
#include <stdint.h>

#define RC_FNV1A64_OFFSET	0xcbf29ce484222325ull
#define RC_FNV1A64_PRIME	0x100000001b3ull

/* FNV-1a over len bytes, continuing from h (RC_FNV1A64_OFFSET to start). */
static inline uint64_t rc_fnv1a64(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = (const uint8_t *)buf;

	while (len--) {
		h ^= *p++;
		h *= RC_FNV1A64_PRIME;
	}
	return h;
}

#define RC_SPLITMIX64_GAMMA	0x9e3779b97f4a7c15ull

/* splitmix64's finalizer: a strong mix of the 64 bits of x. */
static inline uint64_t rc_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The next splitmix64 output of the generator whose state is *state. */
static inline uint64_t rc_splitmix64_next(uint64_t *state)
{
	*state += RC_SPLITMIX64_GAMMA;
	return rc_mix64(*state);
}

/* The splitmix64 output that follows state x, as a stateless function of x. */
static inline uint64_t rc_splitmix64(uint64_t x)
{
	return rc_mix64(x + RC_SPLITMIX64_GAMMA);
}

#endif /* RINGCAST_HASH_H */
