/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /ringcast/stats from the counter lists: every field of every list is
 * emitted once, under its list's name, divided by its list's divisor; the
 * rest are sums (frames_tx, bad_frames, bad_auth), the per-reason drop
 * counters and the control thread's own. Names are unique across lists: the
 * unit test stats-export checks that, and that docs/operations.md documents
 * each name.
 */
#include <stdio.h>

#include "stats_export.h"

#define EMIT_LIST(LIST, st)							\
	do {									\
		LIST(EMIT_ONE)							\
	} while (0)
#define EMIT_ONE(field, name, div)	emit(arg, name, st->field / (div));

static void srp_export(const struct rc_srp_stats *st, rc_stats_emit_fn *emit, void *arg)
{
	char name[64];
	uint64_t sum = 0;

	/* every frame this node sent on the ring, tokens included */
	emit(arg, "frames_tx", st->frames_tx + st->tokens_tx);
	EMIT_LIST(RC_SRP_STATS, st);
	for (int r = 0; r < RC_BAD_REASONS_; r++) {
		snprintf(name, sizeof(name), "bad_%s", rc_srp_bad_reason_name(r));
		emit(arg, name, st->bad[r]);
		sum += st->bad[r];
	}
	emit(arg, "bad_frames", sum);
}

static void auth_export(const uint64_t *drops, rc_stats_emit_fn *emit, void *arg)
{
	char name[64];
	uint64_t sum = 0;

	for (int r = 0; r < RC_AUTH_DROPS_; r++) {
		snprintf(name, sizeof(name), "bad_auth_%s", rc_auth_drop_name(r));
		emit(arg, name, drops[r]);
		sum += drops[r];
	}
	emit(arg, "bad_auth", sum);
}

static void memb_export(const struct rc_memb_stats *st, rc_stats_emit_fn *emit, void *arg)
{
	EMIT_LIST(RC_MEMB_STATS, st);
}

static void dp_export(const struct rc_dp_stats *st, rc_stats_emit_fn *emit, void *arg)
{
	EMIT_LIST(RC_DP_STATS, st);
}

static void cpg_export(const struct rc_cpgd_stats *st, rc_stats_emit_fn *emit, void *arg)
{
	EMIT_LIST(RC_CPGD_STATS, st);
}

void rc_stats_export(const struct rc_stats_src *src, rc_stats_emit_fn *emit, void *arg)
{
	srp_export(src->srp, emit, arg);
	auth_export(src->bad_auth, emit, arg);
	memb_export(src->memb, emit, arg);
	emit(arg, "memb_cmd_lost", src->memb_cmd_lost);
	dp_export(src->dp, emit, arg);
	cpg_export(src->cpg, emit, arg);
}
