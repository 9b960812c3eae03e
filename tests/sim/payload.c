/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message contents: byte k of message `key` is byte k%8 (little-endian) of
 * sim_payload_word(key, k/8). Cheap to generate, and a shifted, lost or
 * foreign fragment changes the bytes it lands on.
 */
#include <string.h>

#include "payload.h"
#include "rng.h"

void sim_payload_init(struct sim_payload *p, uint64_t seed, uint32_t size_min,
		      uint32_t size_max, double safe)
{
	uint32_t o;

	p->seed = seed;
	p->size_min = size_min;
	p->size_max = size_max;
	p->safe = safe;
	for (o = 0; o <= SIM_PAYLOAD_ORIGINS; o++)
		p->base[o] = sim_mix64(seed ^ ((uint64_t)o << 56));
}

static inline void put_le64(uint8_t *b, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

void sim_payload_fill(uint64_t key, void *buf, size_t len)
{
	uint8_t *b = buf;
	size_t w, nw = len / 8;
	uint64_t v;

	for (w = 0; w < nw; w++) {
		v = sim_payload_word(key, w);
		/* little-endian hosts only copy; others go byte by byte */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(b + 8 * w, &v, 8);
#else
		put_le64(b + 8 * w, v, 8);
#endif
	}
	if (len % 8)
		put_le64(b + 8 * nw, sim_payload_word(key, nw), len % 8);
}

/* Compare bytes [from, to) of msg; from is a multiple of 8. */
static inline int64_t verify_range(uint64_t key, const uint8_t *m, size_t from,
			    size_t to)
{
	uint64_t diff;
	size_t w, off, n;

	for (w = from / 8; w * 8 < to; w++) {
		off = w * 8;
		n = to - off < 8 ? to - off : 8;
		diff = sim_get_le64(m + off, n) ^ sim_payload_word(key, w);
		if (n < 8)
			diff &= (1ull << (8 * n)) - 1;
		if (diff)
			return (int64_t)(off + (size_t)__builtin_ctzll(diff) / 8);
	}
	return -1;
}

int64_t sim_payload_verify(uint64_t key, const void *msg, size_t len,
			   bool full)
{
	const uint8_t *m = msg;
	int64_t ret;

	if (!full && sim_payload_ends_ok(key, m, len))
		return -1;
	if (full || len <= 16)
		return verify_range(key, m, 0, len);
	ret = verify_range(key, m, 0, 8);
	if (ret >= 0)
		return ret;
	return verify_range(key, m, (len - 1) / 8 * 8, len);
}
