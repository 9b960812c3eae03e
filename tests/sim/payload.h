/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every message is: its length, guarantee and bytes are a pure function
 * of (traffic seed, origin, index), so the checker recomputes the expected
 * message from what it already knows and needs no header inside the payload.
 */
#ifndef SIM_PAYLOAD_H
#define SIM_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rng.h"
#include "srp.h"

#define SIM_PAYLOAD_ORIGINS	16	/* origins are nodeids 1..16 */

struct sim_payload {
	uint64_t seed;
	uint32_t size_min, size_max;	/* bytes, inclusive */
	double safe;			/* fraction sent with RC_GUARANTEE_SAFE */
	uint64_t base[SIM_PAYLOAD_ORIGINS + 1];	/* per origin, from seed */
};

void sim_payload_init(struct sim_payload *p, uint64_t seed, uint32_t size_min,
		      uint32_t size_max, double safe);

#define SIM_GOLDEN		0x9e3779b97f4a7c15ull

/* Inline: the checker runs these for every delivery at every node. */

/* The key every other property of message (origin, index) derives from. */
static inline uint64_t sim_payload_key(const struct sim_payload *p,
				       uint32_t origin, uint64_t index)
{
	return sim_mix64(p->base[origin] + index * SIM_GOLDEN);
}

static inline uint32_t sim_payload_len(const struct sim_payload *p,
				       uint64_t key)
{
	uint64_t span = (uint64_t)p->size_max - p->size_min + 1;

	return p->size_min + (uint32_t)(((key >> 32) * span) >> 32);
}

static inline enum rc_guarantee sim_payload_guarantee(
	const struct sim_payload *p, uint64_t key)
{
	uint64_t h;

	if (p->safe <= 0.0)
		return RC_GUARANTEE_AGREED;
	if (p->safe >= 1.0)
		return RC_GUARANTEE_SAFE;
	h = sim_mix64(key ^ 0x5afe5afe5afe5afeull);
	if ((double)(h >> 11) * 0x1.0p-53 < p->safe)
		return RC_GUARANTEE_SAFE;
	return RC_GUARANTEE_AGREED;
}

void sim_payload_fill(uint64_t key, void *buf, size_t len);
/* Word w (bytes 8w..8w+7) of message key: one multiply per word. */
static inline uint64_t sim_payload_word(uint64_t key, size_t w)
{
	uint64_t x = key + (w + 1) * SIM_GOLDEN;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 32);
}

/* n (1..8) bytes at p as a little-endian number. */
static inline uint64_t sim_get_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8) {
		memcpy(&v, p, 8);
		return v;
	}
#endif
	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The quick check: the first and the last 8 bytes are right (len >= 8). */
static inline bool sim_payload_ends_ok(uint64_t key, const uint8_t *m,
				       size_t len)
{
	size_t w = (len - 1) / 8, n = len - 8 * w;
	uint64_t first, last;

	if (len < 8)
		return false;
	first = sim_get_le64(m, 8) ^ sim_payload_word(key, 0);
	last = sim_get_le64(m + 8 * w, n) ^ sim_payload_word(key, w);
	if (n < 8)
		last &= (1ull << (8 * n)) - 1;
	return (first | last) == 0;
}

/*
 * Compare msg against the message for key: every byte when full, else the
 * first and last 8 bytes. -1 when equal, else the first differing offset.
 */
int64_t sim_payload_verify(uint64_t key, const void *msg, size_t len,
			   bool full);

#endif /* SIM_PAYLOAD_H */
