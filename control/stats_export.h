/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /ringcast/stats, the counters as ringcastctl stats prints them: one walk
 * over the counter lists (RC_SRP_STATS in totem/srp.h, RC_MEMB_STATS in
 * totem/engine.h, RC_DP_STATS in dp_stats.h, RC_CPGD_STATS in cpg/cpgd.h),
 * each field once under its list's name, plus the few values made from
 * them. No DPDK: telemetry.c emits into a telemetry dict, the unit test
 * (tests/unit/test_stats_export.c) into a table it checks.
 */
#ifndef RC_STATS_EXPORT_H
#define RC_STATS_EXPORT_H

#include <stdint.h>

#include "auth.h"
#include "cpgd.h"
#include "dp_stats.h"
#include "engine.h"

/* What one /ringcast/stats reads: a consistent copy of each half's state. */
struct rc_stats_src {
	const struct rc_srp_stats *srp;		/* the lcore's snapshot */
	const struct rc_dp_stats *dp;		/* the lcore's snapshot */
	const struct rc_cpgd_stats *cpg;	/* the lcore's snapshot */
	const uint64_t *bad_auth;		/* [RC_AUTH_DROPS_], the lcore's snapshot */
	const struct rc_memb_stats *memb;	/* the control thread's view */
	uint64_t memb_cmd_lost;			/* the control thread's view */
};

/*
 * At most this many names: /ringcast/stats adds the ring's four (state,
 * ring_rep, ring_seq, members), and a DPDK telemetry dict holds 256
 * (RTE_TEL_MAX_DICT_ENTRIES, asserted in telemetry.c). ringcastctl reads
 * any number (jansson).
 */
#define RC_STATS_MAX	250

typedef void rc_stats_emit_fn(void *arg, const char *name, uint64_t value);

/* Every counter, by name, in a fixed order; names are unique. */
void rc_stats_export(const struct rc_stats_src *src, rc_stats_emit_fn *emit, void *arg);

#endif /* RC_STATS_EXPORT_H */
