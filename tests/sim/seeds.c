/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --seeds A:B: one run per seed, each with a fault mix drawn from the seed
 * itself (nodes, loss, duplication, reordering, pauses, SAFE, accelerated
 * ring, sizes, engine windows; with --churn also a fault phase with traffic
 * spread over it, the membership faults being drawn in faults.c). Options
 * given on the command line win over the mix. A failing seed prints one
 * line ending in the single-run command that replays it; that command is
 * re-parsed and re-run here to prove it. With --churn or --report-reform
 * the re-formation times of all seeds are summarised at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/wire.h>

#include "sim.h"

#define MIX_BYTES_BUDGET	(8u << 20)	/* payload bytes per run, all senders */
#define CHURN_BYTES_BUDGET	(2u << 20)

struct size_mix {
	uint32_t lo, hi;
};

/* From many tiny packed messages to a few large fragmented ones. */
static const struct size_mix size_mixes[] = {
	{ 1, 64 }, { 1, 64 }, { 1, 64 },
	{ 1, 1500 }, { 1, 1500 }, { 1, 1500 },
	{ 64, 9000 }, { 64, 9000 },
	{ 0, 0 },			/* one fixed size, drawn below */
	{ 1, 4096 },
	{ 1, 256 << 10 },		/* occasionally large */
};

/* Draws everything, always in the same order, then keeps what is not set. */
void sim_seed_mix(struct sim_opts *o, uint64_t seed)
{
	/* rc_totem needs room for a commit token of 32 members (816 bytes) */
	static const uint32_t mtus[] = { RC_WIRE_COMMIT_MAX, 1024, 1500, 9000 };
	static const double rates[] = { 200, 1000, 5000, 20000, 100000 };
	struct sim_opts m = *o;
	struct sim_rng r, z;
	struct size_mix sz;
	uint64_t total, avg;

	sim_rng_seed(&r, sim_mix64(seed ^ 0x6d69782d6d697821ull));
	sim_rng_seed(&z, sim_mix64(seed ^ 0x7a65726f636f7079ull));
	m.seed = seed;
	m.nodes = (uint32_t)(sim_rng_chance(&r, 0.5) ? sim_rng_range(&r, 2, 5) :
			     sim_rng_range(&r, 2, SIM_MAX_NODES));
	m.senders = sim_rng_chance(&r, 0.7) ? m.nodes :
		(uint32_t)sim_rng_range(&r, 1, m.nodes);
	m.loss = sim_rng_chance(&r, 0.25) ? 0 :
		(double)sim_rng_below(&r, 101) / 1000;
	m.dup = sim_rng_chance(&r, 0.5) ? 0 :
		(double)sim_rng_below(&r, 51) / 1000;
	m.reorder = sim_rng_chance(&r, 0.5) ? 0 :
		(double)sim_rng_below(&r, 101) / 1000;
	m.pause = sim_rng_chance(&r, 0.25) ?
		(double)sim_rng_range(&r, 2, 40) / 1000 : 0;
	m.safe = sim_rng_chance(&r, 0.6) ? 0 : sim_rng_chance(&r, 0.4) ? 1 :
		(double)sim_rng_range(&r, 1, 9) / 10;

	sz = size_mixes[sim_rng_below(&r, sizeof(size_mixes) /
				       sizeof(size_mixes[0]))];
	if (sz.hi == 0)
		sz.lo = sz.hi = (uint32_t)sim_rng_range(&r, 1, 2048);
	m.size_min = sz.lo;
	m.size_max = sz.hi;
	avg = ((uint64_t)sz.lo + sz.hi) / 2 + 1;
	total = sim_rng_range(&r, 300, 4000);
	if (total > MIX_BYTES_BUDGET / avg)
		total = MIX_BYTES_BUDGET / avg;
	/* big rings deliver everything everywhere: keep their work similar */
	total = total * 6 / (m.nodes < 6 ? 6 : m.nodes) + 1;
	m.messages = total / m.senders + 1;

	/* slow senders let the ring go idle: holds and wakes */
	m.rate = sim_rng_chance(&r, 0.2) ?
		rates[sim_rng_below(&r, sizeof(rates) / sizeof(rates[0]))] : 0;
	if (m.rate > 0 && m.messages > (uint64_t)(2 * m.rate) + 1)
		m.messages = (uint64_t)(2 * m.rate) + 1;	/* <= 2 s of traffic */
	m.fault_ns = sim_rng_chance(&r, 0.25) ?
		sim_rng_range(&r, 1, 100) * 1000000ull : SIM_FAULT_AUTO;
	m.latency_ns = sim_rng_chance(&r, 0.8) ? 20000 :
		sim_rng_range(&r, 1, 200) * 1000ull;
	m.jitter_ns = sim_rng_chance(&r, 0.8) ? 2000 :
		sim_rng_range(&r, 0, 50) * 1000ull;
	m.bandwidth_gbps = sim_rng_chance(&r, 0.8) ? 10 :
		sim_rng_chance(&r, 0.5) ? 1 : 100;

	/* engine settings: mostly its defaults */
	m.set &= ~((1ull << OPT_ACCEL) | (1ull << OPT_NETMTU) |
		   (1ull << OPT_WINDOW) | (1ull << OPT_MAX_MESSAGES));
	if (sim_rng_chance(&r, 0.35)) {
		m.accel = sim_rng_chance(&r, 0.3) ? 0 :
			(uint32_t)sim_rng_range(&r, 2, 8);
		m.set |= 1ull << OPT_ACCEL;
	}
	if (sim_rng_chance(&r, 0.4)) {
		m.netmtu = mtus[sim_rng_below(&r, 4)];
		m.set |= 1ull << OPT_NETMTU;
	}
	if (sim_rng_chance(&r, 0.2)) {
		m.window = (uint32_t)sim_rng_range(&r, 10, 200);
		m.max_messages = (uint32_t)sim_rng_range(&r, 1,
			m.window < 50 ? m.window : 50);
		if (SIM_SET(&m, OPT_ACCEL) && m.max_messages < m.accel)
			m.max_messages = m.accel;
		m.set |= (1ull << OPT_WINDOW) | (1ull << OPT_MAX_MESSAGES);
	}
	if (o->churn) {
		/* a fault phase of its own; traffic mostly spread over it */
		m.fault_ns = sim_rng_range(&r, 500, 2500) * 1000000ull;
		total = sim_rng_range(&r, 100, 1500);
		if (total > CHURN_BYTES_BUDGET / avg)
			total = CHURN_BYTES_BUDGET / avg + 1;
		m.messages = total / m.senders + 1;
		m.rate = 0;
		if (sim_rng_chance(&r, 0.7))
			m.rate = (double)m.messages * 1e9 / (double)m.fault_ns *
				(double)sim_rng_range(&r, 80, 150) / 100;
		if (m.rate > 0)
			m.rate = (double)(uint64_t)(m.rate + 1);
	}

	/* --heavy: a harsher network, from a stream of its own as well */
	if (o->heavy) {
		struct sim_rng h;

		sim_rng_seed(&h, sim_mix64(seed ^ 0x6865617679212121ull));
		m.loss = (double)sim_rng_below(&h, 201) / 1000;
		m.dup = (double)sim_rng_range(&h, 10, 50) / 1000;
		m.reorder = (double)sim_rng_range(&h, 10, 100) / 1000;
	}
	if (o->pauses) {
		/* long pauses on rings of 3..16 under steady traffic; mostly no
		   loss, so the healthy pairs are many (pause.c) */
		struct sim_rng p;

		sim_rng_seed(&p, sim_mix64(seed ^ 0x70617573652d6d78ull));
		m.nodes = (uint32_t)sim_rng_range(&p, 3, SIM_MAX_NODES);
		m.senders = m.nodes;
		m.pause = 0;
		if (sim_rng_chance(&p, 0.75))
			m.loss = 0;
		m.fault_ns = SIM_FAULT_AUTO;
		total = sim_rng_range(&p, 100, 1000);
		if (total > CHURN_BYTES_BUDGET / avg)
			total = CHURN_BYTES_BUDGET / avg + 1;
		m.messages = total / m.senders + 1;
		m.rate = (double)sim_rng_range(&p, 20, 500);
	}

#define KEEP(opt, field) do { if (!SIM_SET(o, opt)) o->field = m.field; } while (0)
	KEEP(OPT_NODES, nodes);
	KEEP(OPT_LOSS, loss);
	KEEP(OPT_DUP, dup);
	KEEP(OPT_REORDER, reorder);
	KEEP(OPT_PAUSE, pause);
	KEEP(OPT_SAFE, safe);
	/* Drawn last, from its own stream: the other choices of a seed stay
	   what they were before zero-copy existed. */
	m.zc = sim_rng_chance(&z, 0.5) ? 0 : (double)sim_rng_range(&z, 1, 10) / 10;
	KEEP(OPT_ZC, zc);
	/* Likewise: half the seeds delay what passes between a node's halves. */
	m.xdelay_ns = sim_rng_chance(&z, 0.5) ? 0 : sim_rng_range(&z, 1, 2000) * 1000;
	KEEP(OPT_XDELAY, xdelay_ns);
	KEEP(OPT_MESSAGES, messages);
	KEEP(OPT_RATE, rate);
	KEEP(OPT_DURATION, fault_ns);
	if ((o->n_faults || o->pauses) && !o->churn && !SIM_SET(o, OPT_DURATION))
		o->fault_ns = SIM_FAULT_AUTO;	/* the given faults set the end */
	KEEP(OPT_LATENCY, latency_ns);
	KEEP(OPT_JITTER, jitter_ns);
	KEEP(OPT_BANDWIDTH, bandwidth_gbps);
	if (!SIM_SET(o, OPT_SIZE)) {
		o->size_min = m.size_min;
		o->size_max = m.size_max;
	}
	if (!SIM_SET(o, OPT_SENDERS))
		o->senders = m.senders;
	if (o->senders > o->nodes)
		o->senders = o->nodes;
	if (!SIM_SET(o, OPT_ACCEL) && SIM_SET(&m, OPT_ACCEL)) {
		o->accel = m.accel;
		o->set |= 1ull << OPT_ACCEL;
	}
	if (!SIM_SET(o, OPT_NETMTU) && SIM_SET(&m, OPT_NETMTU)) {
		o->netmtu = m.netmtu;
		o->set |= 1ull << OPT_NETMTU;
	}
	if (!SIM_SET(o, OPT_WINDOW) && !SIM_SET(o, OPT_MAX_MESSAGES) &&
	    SIM_SET(&m, OPT_WINDOW)) {
		o->window = m.window;
		o->max_messages = m.max_messages;
		o->set |= (1ull << OPT_WINDOW) | (1ull << OPT_MAX_MESSAGES);
	}
#undef KEEP
	o->seed = seed;
}

/* Parse cmd as the command line would, run it, and say if it failed alike. */
static int replay(const char *cmd, const char *what)
{
	struct sim_opts o;
	struct sim_result res;
	char *copy, *argv[256], *tok, *save = NULL;
	int argc = 0, ret;

	copy = strdup(cmd);
	if (copy == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ", &save); tok && argc < 255;
	     tok = strtok_r(NULL, " ", &save)) {
		size_t l = strlen(tok);

		if (l >= 2 && tok[0] == '\'' && tok[l - 1] == '\'') {
			tok[l - 1] = '\0';	/* as a shell would */
			tok++;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	sim_opts_defaults(&o);
	ret = sim_opts_parse(&o, argc, argv);
	if (ret == 0)
		ret = sim_run(&o, &res);
	free(copy);
	if (ret < 0)
		return ret;
	return res.violated && strcmp(res.what, what) == 0 ? 0 : 1;
}

int sim_seeds_main(const struct sim_opts *base)
{
	struct sim_opts o;
	struct sim_result res;
	struct sim_reform_agg *agg = NULL;
	uint64_t seed, passed = 0, failed = 0;
	char cmd[4096], line[1024];
	int ret;

	if (base->churn || base->report_reform) {
		agg = sim_reform_agg_new();
		if (agg == NULL)
			return 2;
	}
	/*
	 * Runs allocate and free the same large buffers seed after seed: keep
	 * them in the heap instead of paying fresh page faults for each run.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	for (seed = base->seeds_lo;; seed++) {
		o = *base;
		sim_seed_mix(&o, seed);
		sim_opts_format(&o, cmd, sizeof(cmd));
		ret = sim_run(&o, &res);
		if (ret == 0 && agg != NULL)
			sim_reform_agg_add(agg, &res);
		if (ret < 0) {
			failed++;
			printf("seed %" PRIu64 ": ERROR: %s -- replay: %s\n", seed,
			       strerror(-ret), cmd);
		} else if (res.violated) {
			failed++;
			printf("seed %" PRIu64 ": VIOLATION: %s -- replay: %s\n",
			       seed, res.what, cmd);
			if (replay(cmd, res.what) != 0)
				printf("seed %" PRIu64 ": WARNING: the replay command does not reproduce it\n",
				       seed);
		} else {
			passed++;
			if (base->list) {
				sim_result_format(&res, line, sizeof(line));
				printf("seed %" PRIu64 ": %s -- replay: %s\n", seed,
				       line, cmd);
			}
		}
		fflush(stdout);
		if (seed == base->seeds_hi)
			break;
	}
	if (agg != NULL) {
		sim_reform_agg_print(agg, stdout);
		sim_reform_agg_free(agg);
	}
	printf("seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64 " passed, %" PRIu64
	       " failed\n", base->seeds_lo, base->seeds_hi, passed, failed);
	return failed ? 1 : 0;
}
