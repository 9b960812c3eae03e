/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A log-linear latency histogram in nanoseconds, HdrHistogram-like: values
 * below 32 have a bucket each; above, each power-of-two range [2^e, 2^(e+1))
 * is split into 32 equal buckets, so a bucket is at most 1/32 (~3%) of its
 * value wide. Quantiles report the bucket's highest value (never below the
 * true one), clamped to the exact maximum. Values past 2^41 ns count in the
 * last bucket.
 *
 *   index:  0..31        v itself
 *           32*(e-4)+s   e = floor(log2 v) >= 5, s = (v >> (e-5)) - 32
 */
#include <string.h>

#include "ringcast-gen.h"

static unsigned int bucket_of(uint64_t v)
{
	unsigned int e;

	if (v < RC_GEN_HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	if (e > RC_GEN_HIST_MAX_EXP)
		return RC_GEN_HIST_BUCKETS - 1;
	return RC_GEN_HIST_SUB * (e - RC_GEN_HIST_SUB_BITS + 1) +
	       (unsigned int)((v >> (e - RC_GEN_HIST_SUB_BITS)) - RC_GEN_HIST_SUB);
}

/* The highest value that falls into bucket i. */
static uint64_t bucket_high(unsigned int i)
{
	unsigned int e, s;

	if (i < RC_GEN_HIST_SUB)
		return i;
	e = i / RC_GEN_HIST_SUB + RC_GEN_HIST_SUB_BITS - 1;
	s = i % RC_GEN_HIST_SUB;
	return (((uint64_t)(RC_GEN_HIST_SUB + s + 1)) << (e - RC_GEN_HIST_SUB_BITS)) - 1;
}

void rc_gen_hist_init(struct rc_gen_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void rc_gen_hist_add(struct rc_gen_hist *h, uint64_t ns)
{
	h->b[bucket_of(ns)]++;
	h->count++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void rc_gen_hist_merge(struct rc_gen_hist *dst, const struct rc_gen_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned int i = 0; i < RC_GEN_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The value at rank ceil(q * count); 0 when empty. */
uint64_t rc_gen_hist_quantile(const struct rc_gen_hist *h, double q)
{
	uint64_t rank, seen = 0, v;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned int i = 0; i < RC_GEN_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = bucket_high(i);
			return v > h->max ? h->max : v < h->min ? h->min : v;
		}
	}
	return h->max;
}

void rc_gen_hist_summary(const struct rc_gen_hist *h, struct rc_gen_lat *l)
{
	memset(l, 0, sizeof(*l));
	l->count = h->count;
	if (h->count == 0)
		return;
	l->min = h->min;
	l->max = h->max;
	l->mean = h->sum / h->count;
	l->p50 = rc_gen_hist_quantile(h, 0.50);
	l->p90 = rc_gen_hist_quantile(h, 0.90);
	l->p99 = rc_gen_hist_quantile(h, 0.99);
	l->p999 = rc_gen_hist_quantile(h, 0.999);
}

/* Bucket bounds, relative error, quantiles of known data. 0 ok. */
int rc_gen_hist_self_test(void)
{
	static struct rc_gen_hist h;
	unsigned int prev = 0;
	int bad = 0;
	uint64_t q;

	for (uint64_t v = 0; v < (1u << 20); v += 1 + v / 64) {
		unsigned int i = bucket_of(v);

		if (i < prev || bucket_high(i) < v || (v >= RC_GEN_HIST_SUB &&
		    (double)(bucket_high(i) - v) > (double)v / RC_GEN_HIST_SUB))
			bad++;
		prev = i;
	}
	if (bucket_of(UINT64_MAX) != RC_GEN_HIST_BUCKETS - 1 ||
	    bucket_of((2ull << RC_GEN_HIST_MAX_EXP) - 1) != RC_GEN_HIST_BUCKETS - 1)
		bad++;
	rc_gen_hist_init(&h);
	for (uint64_t v = 1; v <= 1000; v++)
		rc_gen_hist_add(&h, v * 1000);	/* 1 us .. 1 ms */
	q = rc_gen_hist_quantile(&h, 0.5);
	if (q < 500000 || q > 500000 + 500000 / RC_GEN_HIST_SUB)
		bad++;
	q = rc_gen_hist_quantile(&h, 0.99);
	if (q < 990000 || q > 990000 + 990000 / RC_GEN_HIST_SUB)
		bad++;
	if (rc_gen_hist_quantile(&h, 1.0) != 1000000 || h.min != 1000 || h.count != 1000)
		bad++;
	return bad;
}
