/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --bench: fault-free 3-node rings where every node floods, first 64-byte
 * then 1 KiB messages. Process CPU time covers the whole simulated run
 * (engines, network, checker), so the figure bounds the engine's own cost.
 * Order is still checked in full; payloads only at their ends.
 *
 * --bench-flow: what flow control lets the transport carry, in virtual time:
 * payload Gbit/s delivered at every node for 2, 4, 8, 16 nodes, one sender
 * then all, 1 KiB messages on a 10 Gbit/s, 5 us (+1 us jitter) network.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "sim.h"

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_one(const struct sim_opts *base, uint32_t size,
		     uint64_t total)
{
	struct sim_opts o = *base;
	struct sim_result res;
	char line[1024];
	double t0, cpu, msgs;
	int ret;

	if (!SIM_SET(base, OPT_NODES))
		o.nodes = 3;
	if (!SIM_SET(base, OPT_SENDERS))
		o.senders = o.nodes;
	if (!SIM_SET(base, OPT_SIZE))
		o.size_min = o.size_max = size;
	if (!SIM_SET(base, OPT_MESSAGES))
		o.messages = (total + o.senders - 1) / o.senders;
	o.loss = o.dup = o.reorder = o.pause = 0;
	o.fault_ns = 0;
	o.quick_check = true;

	t0 = cpu_seconds();
	ret = sim_run(&o, &res);
	cpu = cpu_seconds() - t0;
	if (ret < 0)
		return 2;
	sim_result_format(&res, line, sizeof(line));
	printf("%s\n", line);
	if (res.violated) {
		printf("VIOLATION: %s\n", res.what);
		return 1;
	}
	msgs = (double)res.delivered;
	printf("bench size=%u:%u nodes=%u: %" PRIu64 " messages ordered at every node in %.3f CPU-s: %.2f M msgs/CPU-s, %.1f MB/s payload per CPU-s (virtual %.1f ms)\n",
	       o.size_min, o.size_max, o.nodes, res.delivered, cpu,
	       msgs / cpu / 1e6, (double)res.bytes / cpu / 1e6,
	       (double)res.virtual_ns / 1e6);
	fflush(stdout);
	return 0;
}

int sim_bench_main(const struct sim_opts *o)
{
	int ret;

	if (SIM_SET(o, OPT_SIZE))
		return bench_one(o, o->size_min, 2000000);
	ret = bench_one(o, 64, 2000000);
	if (ret == 0)
		ret = bench_one(o, 1024, 300000);
	return ret;
}

/* Payload Gbit/s per node of one fault-free run, or -1 after a failure. */
static double flow_one(const struct sim_opts *base, uint32_t nodes, uint32_t senders,
		       uint64_t messages)
{
	struct sim_opts o = *base;
	struct sim_result res;

	o.nodes = nodes;
	o.senders = SIM_SET(base, OPT_SENDERS) && base->senders <= nodes ? base->senders
									 : senders;
	if (!SIM_SET(base, OPT_MESSAGES))
		o.messages = messages;
	if (!SIM_SET(base, OPT_SIZE))
		o.size_min = o.size_max = 1024;
	if (!SIM_SET(base, OPT_BANDWIDTH))
		o.bandwidth_gbps = 10;
	if (!SIM_SET(base, OPT_LATENCY))
		o.latency_ns = 5000;
	if (!SIM_SET(base, OPT_JITTER))
		o.jitter_ns = 1000;
	o.loss = o.dup = o.reorder = o.pause = 0;
	o.fault_ns = 0;
	o.quick_check = true;
	if (sim_run(&o, &res) < 0 || res.violated || res.virtual_ns == 0) {
		printf("nodes=%u senders=%u: %s\n", nodes, o.senders,
		       res.violated ? res.what : "run failed");
		return -1;
	}
	return (double)res.bytes * 8 / (double)res.virtual_ns;
}

int sim_bench_flow_main(const struct sim_opts *o)
{
	static const uint32_t nodes[] = { 2, 4, 8, 16 };
	double one, all;

	printf("payload Gbit/s delivered per node (virtual time); %s\n",
	       "all senders: links are serialized per sender only, so the sum may pass the link rate");
	printf("%6s %12s %12s\n", "nodes", "one sender", "all senders");
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		one = flow_one(o, nodes[i], 1, 50000);
		all = flow_one(o, nodes[i], nodes[i], 20000);
		if (one < 0 || all < 0)
			return 1;
		printf("%6u %12.2f %12.2f\n", nodes[i], one, all);
		fflush(stdout);
	}
	return 0;
}
