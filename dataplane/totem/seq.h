/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence number comparison, defined once. Ring seqs and token seqs are
 * uint32 and wrap; a is "before" b when the signed distance is negative.
 */
#ifndef RC_SEQ_H
#define RC_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool rc_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool rc_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool rc_seq_gt(uint32_t a, uint32_t b)
{
	return rc_seq_lt(b, a);
}

static inline uint32_t rc_seq_min(uint32_t a, uint32_t b)
{
	return rc_seq_lt(a, b) ? a : b;
}

static inline uint32_t rc_seq_max(uint32_t a, uint32_t b)
{
	return rc_seq_lt(a, b) ? b : a;
}

#endif /* RC_SEQ_H */
