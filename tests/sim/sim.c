/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-sim: main. Picks the mode (one run, --seeds, --bench, --bench-flow,
 * --selftest-checker) and turns the outcome into the exit status:
 * 0 no violation, 1 violation, 2 bad usage or a run that could not start.
 */
#include <inttypes.h>
#include <stdio.h>

#include "sim.h"

/* -v: the counters that do not fit the summary line. */
static void print_details(const struct sim_result *r)
{
	int i;

	fprintf(stderr, "frames=%" PRIu64 " events=%" PRIu64 " rtr_requested=%" PRIu64
		" window_drops=%" PRIu64 " eagain=%" PRIu64, r->frames, r->events,
		r->rtr_requested, r->window_drops, r->eagain);
	fprintf(stderr, " gathers=%" PRIu64 " rings_formed=%" PRIu64 " token_losses=%" PRIu64
		" consensus_timeouts=%" PRIu64 " joins_tx=%" PRIu64 " commits_tx=%" PRIu64
		" merges_tx=%" PRIu64 " foreign=%" PRIu64 " stale=%" PRIu64
		" leaves_rx=%" PRIu64 " fail_recv=%" PRIu64 " ring_seq_back=%" PRIu64,
		r->ms.gathers, r->ms.rings, r->ms.token_losses,
		r->ms.consensus_timeouts, r->ms.joins_tx, r->ms.commits_tx,
		r->ms.merges_tx, r->ms.foreign, r->ms.stale, r->ms.leaves_rx,
		r->ms.fail_recv, r->seq_back);
	fprintf(stderr, " memb_pauses=%" PRIu64 " failed_ignored=%" PRIu64 " rx_dropped=%" PRIu64,
		r->ms.pauses, r->ms.failed_ignored, r->rx_dropped);
	for (i = 0; i < RC_BAD_REASONS_; i++)
		if (r->bad_by[i])
			fprintf(stderr, " bad_%s=%" PRIu64,
				rc_srp_bad_reason_name((enum rc_bad_reason)i),
				r->bad_by[i]);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	struct sim_opts o;
	struct sim_result res;
	char line[4096];
	int ret;

	sim_opts_defaults(&o);
	ret = sim_opts_parse(&o, argc, argv);
	if (ret == 1)
		return 0;
	if (ret < 0)
		return 2;
	if (o.selftest)
		return sim_selftest_checker();
	if (o.bench)
		return sim_bench_main(&o);
	if (o.bench_flow)
		return sim_bench_flow_main(&o);
	if (SIM_SET(&o, OPT_SEEDS))
		return sim_seeds_main(&o);

	sim_schedule_print(&o, stdout);
	fflush(stdout);
	ret = sim_run(&o, &res);
	if (ret < 0)
		return 2;
	if (o.verbose)
		print_details(&res);
	if (res.violated)
		printf("VIOLATION: %s\n", res.what);
	sim_result_format(&res, line, sizeof(line));
	printf("%s\n", line);
	if (res.violated) {
		sim_opts_format(&o, line, sizeof(line));
		printf("replay: %s\n", line);
	}
	if (o.report_reform)
		sim_reform_print(&res, stdout);
	return res.violated ? 1 : 0;
}
