/*
 * --bench: fault-free 3-node rings where every node floods, first 64-byte
 * then 1 KiB messages. Process CPU time covers the whole simulated run
 * (engines, network, checker), so the figure bounds the engine's own cost.
 * Order is still checked in full; payloads only at their ends.
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
