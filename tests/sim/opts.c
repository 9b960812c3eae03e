/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line: one table of options (name, argument, help, example) drives
 * getopt_long, --help and the replay command line, so the three cannot drift.
 * Every value is parsed strictly; a bad one is an error naming the option.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcast/wire.h>

#include "sim.h"

#define NS_US	UINT64_C(1000)
#define NS_MS	UINT64_C(1000000)
#define NS_S	UINT64_C(1000000000)

struct opt_desc {
	const char *name;
	const char *arg;	/* NULL: a flag */
	const char *help;
	const char *example;
};

static const struct opt_desc descs[OPT_COUNT_] = {
	[OPT_NODES] = { "nodes", "N", "nodes (engines), 2..16 (default 3)",
		"--nodes 16" },
	[OPT_SENDERS] = { "senders", "K",
		"nodes 1..K send, the others only receive (default: all)",
		"--senders 1" },
	[OPT_SEED] = { "seed", "S", "seed of the network, pauses, payloads and --churn (default 1)",
		"--seed 42" },
	[OPT_MESSAGES] = { "messages", "M",
		"messages each sender sends; every node delivers K*M (default 1000; k/M suffixes)",
		"--messages 20k" },
	[OPT_SIZE] = { "size", "MIN:MAX",
		"message sizes, uniform in bytes, up to 64MiB; K/KiB and M/MiB suffixes (default 1:1024)",
		"--size 64  or  --size 1:256K" },
	[OPT_LOSS] = { "loss", "P",
		"chance a frame is lost, per frame and destination (0..1 or N%)",
		"--loss 5%" },
	[OPT_DUP] = { "dup", "P", "chance a frame arrives twice, per destination",
		"--dup 0.02" },
	[OPT_REORDER] = { "reorder", "P",
		"chance a frame is delayed so later frames overtake it",
		"--reorder 0.1" },
	[OPT_REORDER_DELAY] = { "reorder-delay", "T",
		"a reordered frame is late by up to T (default 200us)",
		"--reorder-delay 1ms" },
	[OPT_PAUSE] = { "pause", "P",
		"per node, chance per ms of starting a CPU pause (--pause-len): frames queue, timers wait",
		"--pause 0.01" },
	[OPT_PAUSE_LEN] = { "pause-len", "MIN:MAX",
		"length of a --pause pause, uniform (default 1ms:50ms; bare numbers = ms)",
		"--pause-len 500ms:10s" },
	[OPT_PAUSE_AT] = { "pause-at", "N@T:DUR",
		"node N stops running at T for DUR: timers and traffic wait, frames queue (--rx-queue) (repeatable)",
		"--pause-at 3@200ms:3s" },
	[OPT_RX_QUEUE] = { "rx-queue", "N",
		"frames a paused node queues; later ones are dropped, as a NIC ring drops (default 4096)",
		"--rx-queue 512" },
	[OPT_PAUSES] = { "pauses", NULL,
		"a random schedule from the seed: 1..3 pauses of 0.5..10 s of random nodes at random times",
		"--pauses --seed 7" },
	[OPT_SAFE] = { "safe", "P", "fraction of messages sent with SAFE guarantee",
		"--safe 1" },
	[OPT_ZC] = { "zc", "P",
		"fraction of messages sent zero-copy (their buffer is poisoned once released)",
		"--zc 0.5" },
	[OPT_XDELAY] = { "xdelay", "T",
		"each message between a node's membership and ordering halves (the daemon's control thread and lcore) is late by up to T, in order (default 0; bare number = us)",
		"--xdelay 300us" },
	[OPT_RATE] = { "rate", "R",
		"messages/s per sender; 0 = flood, as fast as the engine accepts (default 0; k/M)",
		"--rate 50k" },
	[OPT_LATENCY] = { "latency", "T", "one-way latency; bare number = us (default 20us)",
		"--latency 100us" },
	[OPT_JITTER] = { "jitter", "T", "extra latency, uniform 0..T; bare number = us (default 2us)",
		"--jitter 10" },
	[OPT_BANDWIDTH] = { "bandwidth", "GBPS",
		"per-sender link in Gbit/s, frames leave one after another; 0 = unlimited (default 10)",
		"--bandwidth 1" },
	[OPT_DURATION] = { "duration", "T",
		"faults stop at T of virtual time; 'auto' = once one node has delivered every message, the others catch up on a perfect network (at most 30s) (default auto; bare number = s). Alias --fault-time",
		"--duration 200ms" },
	[OPT_LIVENESS] = { "liveness", "T",
		"after faults stop (and, with --rate, the last message is due), every node must deliver everything within T (default 10s)",
		"--liveness 2s" },
	[OPT_ACCEL] = { "accel", "N", "engine accel_window: frames sent after passing the token (0 = classic)",
		"--accel 4" },
	[OPT_WINDOW] = { "window", "N", "engine window_size: frames per rotation", "--window 50" },
	[OPT_MAX_MESSAGES] = { "max-messages", "N", "engine max_messages: frames per token visit",
		"--max-messages 5" },
	[OPT_NETMTU] = { "netmtu", "N", "engine netmtu: largest frame; rc_totem needs 816..9000",
		"--netmtu 9000" },
	[OPT_RTR_SLOTS] = { "rtr-slots", "N", "engine rtr_slots: receive buffer, a power of two",
		"--rtr-slots 256" },
	[OPT_SEND_QUEUE] = { "send-queue", "N", "engine send_queue_len: messages queued before -EAGAIN",
		"--send-queue 64" },
	[OPT_MAX_MSG_SIZE_AT] = { "max-msg-size-at", "N@SIZE",
		"node N's engine max_msg_size (repeatable): each ring agrees on its members' least limit; a sender refuses larger messages",
		"--max-msg-size-at 3@4K" },
	[OPT_NETMTU_AT] = { "netmtu-at", "N@MTU",
		"node N's engine netmtu (repeatable): its link drops larger frames; each ring agrees on its members' least",
		"--netmtu-at 3@1436" },
	[OPT_MAX_MSG_SIZE] = { "max-msg-size", "N",
		"engine max_msg_size (default: the run's largest message); K/M suffixes",
		"--max-msg-size 64K" },
	[OPT_QUICK_CHECK] = { "quick-check", NULL,
		"verify each payload's length and first and last 8 bytes instead of every byte",
		"--quick-check" },
	[OPT_SEEDS] = { "seeds", "A:B",
		"run every seed in A..B with a fault mix derived from the seed; options given also apply",
		"--seeds 1:500" },
	[OPT_LIST] = { "list", NULL,
		"with --seeds: print every seed's result and replay command, not only failures",
		"--seeds 1:5 --list" },
	[OPT_BENCH] = { "bench", NULL,
		"3 fault-free nodes flooding 64 B, then 1 KiB messages; prints messages per CPU-second",
		"--bench" },
	[OPT_BENCH_FLOW] = { "bench-flow", NULL,
		"flow control sized for the transport: 1 KiB payload Gbit/s per node at 2, 4, 8, 16 nodes, one sender (50k messages) and all (20k each), 10 Gbit/s, 5us +1us",
		"--bench-flow" },
	[OPT_SELFTEST] = { "selftest-checker", NULL,
		"feed the checker fabricated bad sequences; fail unless it catches each",
		"--selftest-checker" },
	[OPT_VERBOSE] = { "verbose", NULL, "trace events to stderr (-vv: also every send, loss)",
		"-v" },
	[OPT_HELP] = { "help", NULL, "this text", "--help" },
	[OPT_CRASH] = { "crash", "N@T",
		"node N crashes at T: no frames in or out, no timers (repeatable; bare T = ms)",
		"--crash 3@200ms" },
	[OPT_RESTART] = { "restart", "N@T",
		"node N restarts at T: fresh engine, the ring seq it persisted, rc_totem_start",
		"--restart 3@900ms" },
	[OPT_PARTITION] = { "partition", "A,B|C,D@T",
		"from T frames between groups are dropped; unlisted nodes form one more group ('/' also separates groups)",
		"--partition '1,2|3,4,5@100ms'" },
	[OPT_HEAL] = { "heal", "@T", "the partition ends at T", "--heal @600ms" },
	[OPT_ASYM] = { "asym", "A>B:P@T",
		"from T frames from A to B (only) are lost with probability P",
		"--asym '2>3:100%@100ms'" },
	[OPT_ASYM_HEAL] = { "asym-heal", "[A>B]@T",
		"asymmetric loss A>B (or all of it) ends at T", "--asym-heal @500ms" },
	[OPT_TOKEN_STORM] = { "token-storm", "P@T:DUR",
		"token frames are lost with probability P from T for DUR",
		"--token-storm 90%@100ms:300ms" },
	[OPT_LEAVE] = { "leave", "N@T",
		"node N leaves cleanly at T (rc_totem_leave) and stops until the end of faults",
		"--leave 2@150ms" },
	[OPT_CHURN] = { "churn", NULL,
		"a random fault schedule from the seed: crashes, leaves and restarts, partitions and heals, asymmetric loss, token storms (fault phase 0.5..2.5 s unless --duration)",
		"--churn --seed 7" },
	[OPT_HEAVY] = { "heavy", NULL,
		"with --seeds: a harsher network mix, loss 0..20 %, duplication 1..5 % and reordering 1..10 % in every seed",
		"--seeds 1:1000 --heavy" },
	[OPT_CONVERGE] = { "converge", "T",
		"after faults stop every node must be in one ring within T (default token + 2 * consensus timeout + 1 s; bare number = s)",
		"--converge 2s" },
	[OPT_REPORT_REFORM] = { "report-reform", NULL,
		"print the time from each crash, partition, merge and leave until the ring reflects it; with --seeds, p50/p99/max per kind",
		"--report-reform" },
	[OPT_EXPECT_REFORM] = { "expect-reform-under", "T",
		"fail the run if a re-formation takes longer than T (bare number = ms)",
		"--expect-reform-under 40ms" },
};

#define OPT_FAULT_TIME	OPT_COUNT_	/* alias of --duration */

/* Print text word-wrapped into a column starting at `indent`. */
static void wrap(FILE *f, const char *text, int indent, int width)
{
	const char *p = text, *sp;
	int col = indent, len;

	while (*p) {
		sp = strchr(p, ' ');
		len = sp ? (int)(sp - p) : (int)strlen(p);
		if (col > indent && col + 1 + len > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", len, p);
		col += len;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	char left[48];
	int i;

	fprintf(f,
"usage: ringcast-sim [options]\n"
"Runs N Totem engines (membership and ordering) in one process in virtual\n"
"time over a seeded, faulty network with crashes, restarts, partitions and\n"
"leaves; checks total order, extended virtual synchrony, configuration\n"
"agreement, FIFO, payloads, SAFE, convergence and liveness, and prints one\n"
"summary line. Exit 0: no violation; 1: violation; 2: usage.\n"
"Durations take ns, us, ms or s (e.g. 500ms, 2s, 10us).\n\n");
	for (i = 0; i < OPT_COUNT_; i++) {
		if (descs[i].name == NULL)
			continue;
		snprintf(left, sizeof(left), "%s--%s%s%s",
			 i == OPT_VERBOSE ? "-v, " : i == OPT_HELP ? "-h, " : "",
			 descs[i].name, descs[i].arg ? " " : "",
			 descs[i].arg ? descs[i].arg : "");
		fprintf(f, "  %-22s ", left);
		wrap(f, descs[i].help, 25, 79);
		fprintf(f, "%25se.g. %s\n", "", descs[i].example);
	}
	fprintf(f,
"\nexamples:\n"
"  ringcast-sim --nodes 5 --seed 7 --messages 2000 --size 1:4K --loss 5%% --dup 1%% --reorder 5%%\n"
"  ringcast-sim --nodes 3 --size 1M --messages 3 --loss 0.1\n"
"  ringcast-sim --nodes 5 --crash 1@100ms --partition '2,3|4,5@400ms' --heal @900ms --report-reform\n"
"  ringcast-sim --seeds 1:500\n"
"  ringcast-sim --seeds 1:200 --churn --report-reform\n"
"  ringcast-sim --bench\n");
}

int sim_opt_bad(const char *opt, const char *val, const char *what)
{
	fprintf(stderr, "ringcast-sim: --%s: '%s' %s\n"
		"Try 'ringcast-sim --help'.\n", opt, val, what);
	return -EINVAL;
}

/* Unsigned integer with optional decimal suffix (k, M, G) when dec. */
int sim_parse_u64(const char *s, uint64_t *out, bool dec)
{
	char *end;
	uint64_t v, mul = 1;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (dec && *end) {
		if (strcmp(end, "k") == 0 || strcmp(end, "K") == 0)
			mul = 1000;
		else if (strcmp(end, "M") == 0)
			mul = 1000000;
		else if (strcmp(end, "G") == 0)
			mul = 1000000000;
		else
			return -EINVAL;
		end += strlen(end);
	}
	if (*end || (mul > 1 && v > UINT64_MAX / mul))
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int parse_u32_in(const char *opt, const char *s, uint32_t lo,
			uint32_t hi, uint32_t *out)
{
	char what[64];
	uint64_t v;

	if (sim_parse_u64(s, &v, false) < 0 || v < lo || v > hi) {
		snprintf(what, sizeof(what), "is not an integer in %u..%u", lo, hi);
		return sim_opt_bad(opt, s, what);
	}
	*out = (uint32_t)v;
	return 0;
}

/* A non-negative decimal number with an optional suffix left in *rest. */
static int parse_num(const char *s, double *v, const char **rest)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || !isfinite(*v) || *v < 0)
		return -EINVAL;
	*rest = end;
	return 0;
}

int sim_parse_prob(const char *s, double *out)
{
	const char *rest;
	double v;

	if (parse_num(s, &v, &rest) < 0)
		return -EINVAL;
	if (strcmp(rest, "%") == 0)
		v /= 100;
	else if (*rest)
		return -EINVAL;
	if (v > 1)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A duration: number and unit (ns, us, ms, s); bare numbers in unit_ns. */
int sim_parse_duration(const char *s, uint64_t unit_ns, uint64_t *out)
{
	const char *rest;
	double v;

	if (parse_num(s, &v, &rest) < 0)
		return -EINVAL;
	if (strcmp(rest, "ns") == 0)
		unit_ns = 1;
	else if (strcmp(rest, "us") == 0)
		unit_ns = NS_US;
	else if (strcmp(rest, "ms") == 0)
		unit_ns = NS_MS;
	else if (strcmp(rest, "s") == 0)
		unit_ns = NS_S;
	else if (*rest)
		return -EINVAL;
	v *= (double)unit_ns;
	if (v >= 1e18)
		return -EINVAL;
	*out = (uint64_t)(v + 0.5);
	return 0;
}

/* Bytes with optional binary suffix: K, KiB, M, MiB. */
static int parse_bytes(const char *s, uint64_t *out)
{
	const char *rest;
	double v;
	uint64_t mul = 1;

	if (parse_num(s, &v, &rest) < 0)
		return -EINVAL;
	if (strcmp(rest, "K") == 0 || strcmp(rest, "KiB") == 0 ||
	    strcmp(rest, "k") == 0)
		mul = 1024;
	else if (strcmp(rest, "M") == 0 || strcmp(rest, "MiB") == 0)
		mul = 1024 * 1024;
	else if (*rest)
		return -EINVAL;
	v *= (double)mul;
	if (v != floor(v) || v > (double)SIM_MAX_SIZE)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

static int parse_size(struct sim_opts *o, const char *s)
{
	char buf[64], *colon;
	uint64_t lo, hi;

	if (strlen(s) >= sizeof(buf))
		return sim_opt_bad("size", s, "is too long");
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (parse_bytes(buf, &lo) < 0)
		return sim_opt_bad("size", s, "is not MIN:MAX or N, in bytes up to 64MiB");
	hi = lo;
	if (colon && parse_bytes(colon + 1, &hi) < 0)
		return sim_opt_bad("size", s, "is not MIN:MAX or N, in bytes up to 64MiB");
	if (lo > hi)
		return sim_opt_bad("size", s, "has MIN > MAX");
	o->size_min = (uint32_t)lo;
	o->size_max = (uint32_t)hi;
	return 0;
}

static int parse_seeds(struct sim_opts *o, const char *s)
{
	char buf[64], *colon;

	if (strlen(s) >= sizeof(buf))
		return sim_opt_bad("seeds", s, "is too long");
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (sim_parse_u64(buf, &o->seeds_lo, false) < 0)
		return sim_opt_bad("seeds", s, "is not A:B with A <= B");
	o->seeds_hi = o->seeds_lo;
	if (colon && sim_parse_u64(colon + 1, &o->seeds_hi, false) < 0)
		return sim_opt_bad("seeds", s, "is not A:B with A <= B");
	if (o->seeds_lo > o->seeds_hi)
		return sim_opt_bad("seeds", s, "is not A:B with A <= B");
	return 0;
}

void sim_opts_defaults(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->nodes = 3;
	o->seed = 1;
	o->messages = 1000;
	o->size_min = 1;
	o->size_max = 1024;
	o->reorder_delay_ns = 200 * NS_US;
	o->latency_ns = 20 * NS_US;
	o->jitter_ns = 2 * NS_US;
	o->bandwidth_gbps = 10;
	o->fault_ns = SIM_FAULT_AUTO;
	o->liveness_ns = 10 * NS_S;
	o->pause_min_ns = SIM_PAUSE_MIN_NS;
	o->pause_max_ns = SIM_PAUSE_MAX_NS;
	o->rx_queue = 4096;
}

/* "MIN:MAX" durations, bare numbers in ms. */
static int parse_pause_len(struct sim_opts *o, const char *name, const char *v)
{
	const char *colon = strchr(v, ':');
	char buf[32];
	uint64_t lo, hi;

	if (colon == NULL || (size_t)(colon - v) >= sizeof(buf))
		return sim_opt_bad(name, v, "is not MIN:MAX (e.g. 500ms:10s)");
	memcpy(buf, v, (size_t)(colon - v));
	buf[colon - v] = '\0';
	if (sim_parse_duration(buf, NS_MS, &lo) < 0 ||
	    sim_parse_duration(colon + 1, NS_MS, &hi) < 0 || lo == 0 || hi < lo ||
	    hi > 60 * NS_S)
		return sim_opt_bad(name, v, "is not MIN:MAX with 0 < MIN <= MAX <= 60s");
	o->pause_min_ns = lo;
	o->pause_max_ns = hi;
	return 0;
}

/* N@MTU: node N's netmtu. */
static int parse_netmtu_at(struct sim_opts *o, const char *name, const char *v)
{
	const char *at = strchr(v, '@');
	char node[16];
	uint32_t n, m;

	if (at == NULL || at == v || (size_t)(at - v) >= sizeof(node))
		return sim_opt_bad(name, v, "is not N@MTU (e.g. 3@1436)");
	memcpy(node, v, (size_t)(at - v));
	node[at - v] = '\0';
	if (parse_u32_in(name, node, 1, SIM_MAX_NODES, &n) < 0 ||
	    parse_u32_in(name, at + 1, RC_NETMTU_MIN, RC_NETMTU_MAX, &m) < 0)
		return -EINVAL;
	o->node_netmtu[n] = m;
	return 0;
}

/* N@SIZE: node N's max_msg_size. */
static int parse_max_msg_at(struct sim_opts *o, const char *name, const char *v)
{
	const char *at = strchr(v, '@');
	char node[16];
	uint32_t n;
	uint64_t u;

	if (at == NULL || at == v || (size_t)(at - v) >= sizeof(node))
		return sim_opt_bad(name, v, "is not N@SIZE (e.g. 3@4K)");
	memcpy(node, v, (size_t)(at - v));
	node[at - v] = '\0';
	if (parse_u32_in(name, node, 1, SIM_MAX_NODES, &n) < 0)
		return -EINVAL;
	if (parse_bytes(at + 1, &u) < 0 || u == 0)
		return sim_opt_bad(name, v, "is not N@SIZE with a size in 1..64MiB");
	o->node_max_msg[n] = (uint32_t)u;
	return 0;
}

static int parse_one(struct sim_opts *o, int id, const char *v)
{
	const char *name = descs[id].name, *rest;
	uint64_t u;
	double d;

	switch (id) {
	case OPT_NODES:
		return parse_u32_in(name, v, 2, SIM_MAX_NODES, &o->nodes);
	case OPT_SENDERS:
		return parse_u32_in(name, v, 1, SIM_MAX_NODES, &o->senders);
	case OPT_SEED:
		if (sim_parse_u64(v, &o->seed, false) < 0)
			return sim_opt_bad(name, v, "is not an unsigned 64-bit integer");
		return 0;
	case OPT_MESSAGES:
		if (sim_parse_u64(v, &u, true) < 0 || u > UINT32_MAX)
			return sim_opt_bad(name, v, "is not a count up to 4G");
		o->messages = u;
		return 0;
	case OPT_SIZE:
		return parse_size(o, v);
	case OPT_LOSS:
	case OPT_DUP:
	case OPT_REORDER:
	case OPT_PAUSE:
	case OPT_SAFE:
	case OPT_ZC:
		if (sim_parse_prob(v, &d) < 0)
			return sim_opt_bad(name, v, "is not a probability (0..1 or 0%..100%)");
		*(id == OPT_LOSS ? &o->loss : id == OPT_DUP ? &o->dup :
		  id == OPT_REORDER ? &o->reorder : id == OPT_PAUSE ? &o->pause :
		  id == OPT_ZC ? &o->zc : &o->safe) = d;
		return 0;
	case OPT_RATE:
		if (parse_num(v, &d, &rest) < 0)
			return sim_opt_bad(name, v, "is not a rate in messages/s");
		if (strcmp(rest, "k") == 0 || strcmp(rest, "K") == 0)
			d *= 1e3;
		else if (strcmp(rest, "M") == 0)
			d *= 1e6;
		else if (*rest || d > 1e9)
			return sim_opt_bad(name, v, "is not a rate in messages/s up to 1G");
		o->rate = d;
		return 0;
	case OPT_REORDER_DELAY:
	case OPT_LATENCY:
	case OPT_JITTER:
	case OPT_XDELAY:
		if (sim_parse_duration(v, NS_US, &u) < 0 || u > 10 * NS_S)
			return sim_opt_bad(name, v, "is not a duration up to 10s (e.g. 20us)");
		if (id == OPT_REORDER_DELAY && u == 0)
			return sim_opt_bad(name, v, "must be > 0");
		*(id == OPT_LATENCY ? &o->latency_ns : id == OPT_JITTER ? &o->jitter_ns :
		  id == OPT_XDELAY ? &o->xdelay_ns : &o->reorder_delay_ns) = u;
		return 0;
	case OPT_BANDWIDTH:
		if (parse_num(v, &d, &rest) < 0 || *rest || d > 1e6)
			return sim_opt_bad(name, v, "is not a bandwidth in Gbit/s");
		o->bandwidth_gbps = d;
		return 0;
	case OPT_DURATION:
		if (strcmp(v, "auto") == 0) {
			o->fault_ns = SIM_FAULT_AUTO;
			return 0;
		}
		if (sim_parse_duration(v, NS_S, &u) < 0 || u > 3600 * NS_S)
			return sim_opt_bad(name, v, "is not 'auto' or a duration up to 1h (e.g. 500ms)");
		o->fault_ns = u;
		return 0;
	case OPT_LIVENESS:
		if (sim_parse_duration(v, NS_S, &u) < 0 || u == 0 || u > 3600 * NS_S)
			return sim_opt_bad(name, v, "is not a duration in (0, 1h] (e.g. 10s)");
		o->liveness_ns = u;
		return 0;
	case OPT_ACCEL:
		return parse_u32_in(name, v, 0, 1u << 20, &o->accel);
	case OPT_WINDOW:
		return parse_u32_in(name, v, 1, 1u << 20, &o->window);
	case OPT_MAX_MESSAGES:
		return parse_u32_in(name, v, 1, 1u << 20, &o->max_messages);
	case OPT_NETMTU:
		return parse_u32_in(name, v, RC_NETMTU_MIN, RC_NETMTU_MAX,
				    &o->netmtu);
	case OPT_RTR_SLOTS:
		return parse_u32_in(name, v, 1, 1u << 24, &o->rtr_slots);
	case OPT_SEND_QUEUE:
		return parse_u32_in(name, v, 1, 1u << 24, &o->send_queue);
	case OPT_MAX_MSG_SIZE:
		if (parse_bytes(v, &u) < 0 || u == 0)
			return sim_opt_bad(name, v, "is not a size in 1..64MiB");
		o->max_msg_size = (uint32_t)u;
		return 0;
	case OPT_MAX_MSG_SIZE_AT:
		return parse_max_msg_at(o, name, v);
	case OPT_NETMTU_AT:
		return parse_netmtu_at(o, name, v);
	case OPT_SEEDS:
		return parse_seeds(o, v);
	case OPT_QUICK_CHECK:
		o->quick_check = true;
		return 0;
	case OPT_LIST:
		o->list = true;
		return 0;
	case OPT_BENCH:
		o->bench = true;
		return 0;
	case OPT_BENCH_FLOW:
		o->bench_flow = true;
		return 0;
	case OPT_SELFTEST:
		o->selftest = true;
		return 0;
	case OPT_VERBOSE:
		o->verbose++;
		return 0;
	case OPT_CRASH:
	case OPT_RESTART:
	case OPT_PARTITION:
	case OPT_HEAL:
	case OPT_ASYM:
	case OPT_ASYM_HEAL:
	case OPT_TOKEN_STORM:
	case OPT_LEAVE:
	case OPT_PAUSE_AT:
		return sim_fault_parse(o, id, descs[id].name, v);
	case OPT_PAUSE_LEN:
		return parse_pause_len(o, name, v);
	case OPT_RX_QUEUE:
		return parse_u32_in(name, v, 0, 1u << 24, &o->rx_queue);
	case OPT_PAUSES:
		o->pauses = true;
		return 0;
	case OPT_HEAVY:
		o->heavy = true;
		return 0;
	case OPT_CHURN:
		o->churn = true;
		return 0;
	case OPT_REPORT_REFORM:
		o->report_reform = true;
		return 0;
	case OPT_CONVERGE:
	case OPT_EXPECT_REFORM:
		if (sim_parse_duration(v, id == OPT_CONVERGE ? NS_S : NS_MS, &u) < 0 ||
		    u == 0 || u > 3600 * NS_S)
			return sim_opt_bad(name, v, "is not a duration in (0, 1h]");
		*(id == OPT_CONVERGE ? &o->converge_ns : &o->expect_reform_ns) = u;
		return 0;
	}
	return -EINVAL;
}

int sim_opts_parse(struct sim_opts *o, int argc, char **argv)
{
	struct option lo[OPT_COUNT_ + 2];
	int i, n = 0, c, ret;

	for (i = 0; i < OPT_COUNT_; i++) {
		lo[n].name = descs[i].name;
		lo[n].has_arg = descs[i].arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = 256 + i;
		n++;
	}
	lo[n++] = (struct option){ "fault-time", required_argument, NULL,
				   256 + OPT_FAULT_TIME };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
		if (c == 'v')
			c = 256 + OPT_VERBOSE;
		if (c == 'h' || c == 256 + OPT_HELP) {
			usage(stdout);
			return 1;
		}
		if (c == 256 + OPT_FAULT_TIME)
			c = 256 + OPT_DURATION;
		if (c == '?' || c == ':') {
			if (optopt > 0 && optopt < 256)
				fprintf(stderr, "ringcast-sim: option -%c %s\n", optopt,
					c == ':' ? "needs a value" : "is unknown");
			else
				fprintf(stderr, "ringcast-sim: option '%s' %s\n",
					argv[optind - 1],
					c == ':' ? "needs a value" : "is unknown or ambiguous");
			fprintf(stderr, "Try 'ringcast-sim --help'.\n");
			return -EINVAL;
		}
		ret = parse_one(o, c - 256, optarg);
		if (ret < 0)
			return ret;
		o->set |= 1ull << (c - 256);
	}
	if (optind < argc) {
		fprintf(stderr, "ringcast-sim: unexpected argument '%s'\n"
			"Try 'ringcast-sim --help'.\n", argv[optind]);
		return -EINVAL;
	}
	if (!SIM_SET(o, OPT_SENDERS))
		o->senders = o->nodes;
	if (o->senders > o->nodes) {
		fprintf(stderr, "ringcast-sim: --senders %u is more than --nodes %u\n",
			o->senders, o->nodes);
		return -EINVAL;
	}
	if (o->list && !SIM_SET(o, OPT_SEEDS)) {
		fprintf(stderr, "ringcast-sim: --list goes with --seeds\n");
		return -EINVAL;
	}
	if (o->heavy && !SIM_SET(o, OPT_SEEDS)) {
		fprintf(stderr, "ringcast-sim: --heavy goes with --seeds\n");
		return -EINVAL;
	}
	return 0;
}

/* The shortest plain decimal that reads back as exactly v. */
void sim_fmt_double(char *buf, size_t n, double v)
{
	int prec;

	for (prec = 0; prec <= 12; prec++) {
		snprintf(buf, n, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, n, "%.17g", v);
}

void sim_fmt_duration(char *buf, size_t n, uint64_t ns)
{
	if (ns % NS_S == 0 && ns)
		snprintf(buf, n, "%" PRIu64 "s", ns / NS_S);
	else if (ns % NS_MS == 0 && ns)
		snprintf(buf, n, "%" PRIu64 "ms", ns / NS_MS);
	else if (ns % NS_US == 0)
		snprintf(buf, n, "%" PRIu64 "us", ns / NS_US);
	else
		snprintf(buf, n, "%" PRIu64 "ns", ns);
}

void sim_opts_format(const struct sim_opts *o, char *buf, size_t n)
{
	char a[32], b[32], c[32], d[32];
	size_t l;

#define ADD(...) do { l = strlen(buf); snprintf(buf + l, n - l, __VA_ARGS__); } while (0)
	buf[0] = '\0';
	ADD("ringcast-sim --nodes %u", o->nodes);
	if (o->senders != o->nodes)
		ADD(" --senders %u", o->senders);
	ADD(" --seed %" PRIu64 " --messages %" PRIu64 " --size %u:%u", o->seed,
	    o->messages, o->size_min, o->size_max);
	sim_fmt_double(a, sizeof(a), o->loss);
	sim_fmt_double(b, sizeof(b), o->dup);
	sim_fmt_double(c, sizeof(c), o->reorder);
	ADD(" --loss %s --dup %s --reorder %s", a, b, c);
	if (o->reorder_delay_ns != 200 * NS_US) {
		sim_fmt_duration(a, sizeof(a), o->reorder_delay_ns);
		ADD(" --reorder-delay %s", a);
	}
	sim_fmt_double(a, sizeof(a), o->pause);
	sim_fmt_double(b, sizeof(b), o->safe);
	sim_fmt_double(c, sizeof(c), o->rate);
	ADD(" --pause %s --safe %s --rate %s", a, b, c);
	if (o->pause_min_ns != SIM_PAUSE_MIN_NS || o->pause_max_ns != SIM_PAUSE_MAX_NS) {
		sim_fmt_duration(a, sizeof(a), o->pause_min_ns);
		sim_fmt_duration(b, sizeof(b), o->pause_max_ns);
		ADD(" --pause-len %s:%s", a, b);
	}
	if (o->rx_queue != 4096)
		ADD(" --rx-queue %u", o->rx_queue);
	if (o->zc > 0) {
		sim_fmt_double(a, sizeof(a), o->zc);
		ADD(" --zc %s", a);
	}
	if (o->xdelay_ns) {
		sim_fmt_duration(a, sizeof(a), o->xdelay_ns);
		ADD(" --xdelay %s", a);
	}
	sim_fmt_duration(a, sizeof(a), o->latency_ns);
	sim_fmt_duration(b, sizeof(b), o->jitter_ns);
	sim_fmt_double(c, sizeof(c), o->bandwidth_gbps);
	if (o->fault_ns == SIM_FAULT_AUTO)
		snprintf(d, sizeof(d), "auto");
	else
		sim_fmt_duration(d, sizeof(d), o->fault_ns);
	ADD(" --latency %s --jitter %s --bandwidth %s --duration %s", a, b, c, d);
	if (o->liveness_ns != 10 * NS_S) {
		sim_fmt_duration(a, sizeof(a), o->liveness_ns);
		ADD(" --liveness %s", a);
	}
	if (SIM_SET(o, OPT_ACCEL))
		ADD(" --accel %u", o->accel);
	if (SIM_SET(o, OPT_WINDOW))
		ADD(" --window %u", o->window);
	if (SIM_SET(o, OPT_MAX_MESSAGES))
		ADD(" --max-messages %u", o->max_messages);
	if (SIM_SET(o, OPT_NETMTU))
		ADD(" --netmtu %u", o->netmtu);
	if (SIM_SET(o, OPT_RTR_SLOTS))
		ADD(" --rtr-slots %u", o->rtr_slots);
	if (SIM_SET(o, OPT_SEND_QUEUE))
		ADD(" --send-queue %u", o->send_queue);
	if (SIM_SET(o, OPT_MAX_MSG_SIZE))
		ADD(" --max-msg-size %u", o->max_msg_size);
	for (uint32_t i = 1; i <= SIM_MAX_NODES; i++)
		if (o->node_max_msg[i])
			ADD(" --max-msg-size-at %u@%u", i, o->node_max_msg[i]);
	for (uint32_t i = 1; i <= SIM_MAX_NODES; i++)
		if (o->node_netmtu[i])
			ADD(" --netmtu-at %u@%u", i, o->node_netmtu[i]);
	if (o->quick_check)
		ADD(" --quick-check");
	if (o->churn)
		ADD(" --churn");
	if (o->pauses)
		ADD(" --pauses");
	if (o->converge_ns) {
		sim_fmt_duration(a, sizeof(a), o->converge_ns);
		ADD(" --converge %s", a);
	}
	if (o->expect_reform_ns) {
		sim_fmt_duration(a, sizeof(a), o->expect_reform_ns);
		ADD(" --expect-reform-under %s", a);
	}
	l = strlen(buf);
	sim_faults_format(o, buf + l, n - l);
#undef ADD
}

void sim_result_format(const struct sim_result *r, char *buf, size_t n)
{
	snprintf(buf, n,
		 "%s nodes=%u seed=%" PRIu64 " delivered=%" PRIu64 " msgs (per node) bytes=%" PRIu64
		 " rotations=%" PRIu64 " retransmits=%" PRIu64 " token_retransmits=%" PRIu64
		 " bad=%" PRIu64 " holds=%" PRIu64 " wakes=%" PRIu64 " lost=%" PRIu64
		 " duplicated=%" PRIu64 " reordered=%" PRIu64 " pauses=%" PRIu64
		 " cut=%" PRIu64 " rings=%" PRIu64 " excused=%" PRIu64
		 " virtual=%.3f ms",
		 r->violated ? "FAIL" : "ok", r->nodes, r->seed, r->delivered,
		 r->bytes, r->rotations, r->retransmits, r->token_retransmits,
		 r->bad, r->holds, r->wakes, r->lost, r->duplicated, r->reordered,
		 r->pauses, r->cut, r->rings, r->excused,
		 (double)r->virtual_ns / 1e6);
	if (r->refused) {
		size_t l = strlen(buf);

		snprintf(buf + l, n - l, " refused=%" PRIu64, r->refused);
	}
}
