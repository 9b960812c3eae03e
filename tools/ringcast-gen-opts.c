/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen's command line: the mode (one word), options, --help. Every
 * bad value is named on stderr and gives exit status 2. rc_gen_opts_hash()
 * covers the options all instances of a run must share (checked at HELLO).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringcast-gen.h"

static void usage(FILE *f)
{
	fputs(
"usage: ringcast-gen MODE [OPTIONS]\n"
"\n"
"A CPG traffic generator: joins a process group, sends and receives through\n"
"the standard CPG API (libcpg), verifies every message and reports\n"
"throughput and latency. Run one instance per node, all with the same\n"
"--group and --instances; they find each other in the group, start together,\n"
"and exchange their results through it at the end.\n"
"\n"
"Modes:\n"
"  flood      closed loop: send as fast as the library takes messages; on\n"
"             CS_ERR_TRY_AGAIN dispatch and retry (each one counted)\n"
"  rate       open loop: --rate messages/s per sender (--burst at a time);\n"
"             latency counts from each message's scheduled send time, so a\n"
"             stall shows as latency rather than a lower rate\n"
"  ping       one message at a time: send, wait for it to come back; the\n"
"             round trip (client -> daemon -> ring -> client) per message\n"
"  sweep      flood over --sizes, one step of --warmup + --duration each\n"
"  soak       for fault tests: no meeting, no exchange: join, send --rate\n"
"             messages/s of random sizes (--min-size to --size) until\n"
"             --duration ends or SIGTERM, wait for its own messages back,\n"
"             leave; every event goes to --history, which ringcast-check\n"
"             judges afterwards. Exit 0 done, 1 an error, 3 the daemon went\n"
"             away (its connection ended)\n"
"\n"
"Options:\n"
"  -g, --group NAME       the CPG group (default ringcast-gen); it must not be\n"
"                         used by anything else during the run\n"
"  -n, --instances N      instances to wait for before starting (default 1)\n"
"  -r, --role ROLE        send, listen or both (default both): listeners\n"
"                         measure and fully verify what is delivered;\n"
"                         senders only check sequence and order\n"
"  -s, --size BYTES       message size, header included (default 1k;\n"
"                         at least 48); suffixes k, m (x1024)\n"
"      --sizes LIST       sweep: sizes, comma-separated (default 64,1k,64k,1m)\n"
"  -d, --duration SEC     measured time per step (default 10); 500ms, 2s work\n"
"  -w, --warmup SEC       unmeasured time before it (default 1)\n"
"      --rate N           rate: messages/s per sender (10k = 10000)\n"
"      --burst N          rate: messages sent at each scheduled instant\n"
"                         (default 1; every N/rate seconds N messages)\n"
"  -z, --zcb              send with cpg_zcb_alloc + cpg_zcb_mcast_joined; a\n"
"                         buffer is reused only once its message came\n"
"                         back; corosync refuses\n"
"                         zcb sends above cpg_max_atomic_msgsize_get()\n"
"      --zcb-pool N       zcb buffers at most (default 16384), allocated as\n"
"                         needed; CS_ERR_TRY_AGAIN from cpg_zcb_alloc counts\n"
"                         as a retry\n"
"      --zcb-alloc-each   zcb: allocate and free a buffer per message\n"
"      --window N         flood, sweep: at most N of this sender's messages\n"
"                         sent and not yet delivered back (default 0: no\n"
"                         limit but CS_ERR_TRY_AGAIN). ringcast disconnects\n"
"                         a client whose receive ring (65 536 entries) fills;\n"
"                         a window below it keeps a sender's own messages\n"
"                         from filling it while the sender is descheduled\n"
"      --guarantee G      agreed (default) or safe\n"
"      --clock CLOCK      send-time stamps: monotonic (default) or realtime\n"
"  -t, --timeout SEC      bound on every wait: for members, the start, a\n"
"                         ping's return, the end exchange (default 30)\n"
"      --json FILE        results as JSON (\"-\": stdout); %n in FILE becomes\n"
"                         the nodeid and %p the pid\n"
"      --csv FILE         results as CSV, one row per instance and step\n"
"      --history FILE     every send accepted, delivery, confchg and totem\n"
"                         confchg, one line each, in the order seen (%n, %p\n"
"                         as for --json); tools/ringcast-check judges them\n"
"      --min-size BYTES   soak: the smallest message (default 8, at least 8)\n"
"      --mix              soak: each message copy or zcb, and (without\n"
"                         --guarantee) agreed or safe, at random (zcb only up\n"
"                         to cpg_max_atomic_msgsize_get)\n"
"      --seed N           soak: seeds the sizes and choices (default 1)\n"
"      --progress         a live line every second (default when stdout is\n"
"                         a terminal); --no-progress: never\n"
"      --spin             poll without sleeping (lowest latency, a busy core;\n"
"                         retries then count every attempt)\n"
"  -v, --verbose          membership and protocol events on stderr\n"
"      --self-test        check histogram, CRC, parsers and the receive checks\n"
"                         on hand-made messages, without a daemon\n"
"  -h, --help             this text;  -V, --version\n"
"\n"
"Measured per receiving instance, over its measured window: messages/s and\n"
"MB/s delivered (MB = 10^6 bytes of whole messages); latency percentiles\n"
"p50, p90, p99, p99.9 and max (send stamp -> delivery, log-linear histogram,\n"
"~3% resolution); for ping the round trip of its own messages. Per sender:\n"
"messages/s sent and CS_ERR_TRY_AGAIN retries.\n"
"Latency across nodes compares clocks of different machines: it is only\n"
"meaningful when they are synchronised (PTP; use --clock realtime). On one\n"
"host, CLOCK_MONOTONIC is shared by all processes, network namespaces too.\n"
"\n"
"Verified as it runs: each sender's sequence (no loss, duplicate or\n"
"reorder), a CRC32C of every payload, and agreed order: every instance\n"
"folds (nodeid, pid, seq) of each delivery into a hash; the instances\n"
"compare hashes at the end. Any violation is reported; exit status 1.\n"
"\n"
"Exit status: 0 all verified; 1 a violation, an error or a timeout;\n"
"2 bad options.\n"
"\n"
"Examples:\n"
"  ringcast-gen flood --size 64 --duration 5\n"
"  ringcast-gen ping --size 1k --zcb --duration 3\n"
"  ringcast-gen sweep --sizes 64,1k,64k,1m --duration 5 --csv sweep.csv\n"
"  # three nodes, one instance each (here through scripts/cluster):\n"
"  for i in 1 2 3; do scripts/cluster exec $i ringcast-gen flood -n 3 \\\n"
"      --size 1k --duration 5 --json gen-%n.json & done; wait\n"
"  # node 1 sends 20000 msg/s in bursts of 10, nodes 2 and 3 listen:\n"
"  ringcast-gen rate -n 3 --rate 20k --burst 10        # on node 1\n"
"  ringcast-gen rate -n 3 --rate 20k --burst 10 --role listen  # 2 and 3\n",
	      f);
}

static int bad(const char *what, const char *value)
{
	if (what && value)
		fprintf(stderr, "ringcast-gen: bad %s: '%s'\n", what, value);
	else if (what)
		fprintf(stderr, "ringcast-gen: %s\n", what);
	fprintf(stderr, "Try 'ringcast-gen --help'.\n");
	return 2;
}

static int parse_sizes(const char *s, struct rc_gen_opts *o)
{
	char buf[512], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	o->n_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_sizes == RC_GEN_MAX_STEPS)
			return -E2BIG;
		if (rc_gen_parse_size(tok, &o->sizes[o->n_sizes]) < 0)
			return -EINVAL;
		o->n_sizes++;
	}
	return o->n_sizes ? 0 : -EINVAL;
}

/* soak: sizes min_size..size, --rate (default 100/s), --window (default 1000) */
static int soak_opts(struct rc_gen_opts *o, size_t size, bool have_sizes, bool have_rate,
		     bool have_window, bool have_guarantee)
{
	if (have_sizes)
		return bad("soak takes --size (the largest) and --min-size, not --sizes", NULL);
	if (size < o->min_size || size > RC_GEN_MAX_SIZE)
		return bad("soak: --size must be at least --min-size and at most 64m", NULL);
	if (o->history_path == NULL)
		return bad("soak needs --history FILE (what it checks is judged from it)", NULL);
	if (o->zcb && o->mix)
		return bad("soak: --zcb (every message) or --mix (some), not both", NULL);
	if (o->zcb)
		o->zcb_alloc_each = true;
	o->mix_guarantee = o->mix && !have_guarantee;
	o->sizes[0] = size;
	o->n_sizes = 1;
	if (!have_rate)
		o->rate = 100;
	if (!have_window)
		o->window = 1000;
	return 0;
}

enum {
	OPT_SIZES = 256, OPT_RATE, OPT_BURST, OPT_ZCB_POOL, OPT_ZCB_EACH, OPT_GUARANTEE,
	OPT_CLOCK, OPT_WINDOW, OPT_JSON, OPT_CSV, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_SPIN,
	OPT_SELF_TEST, OPT_HISTORY, OPT_MIN_SIZE, OPT_MIX, OPT_SEED,
};

int rc_gen_opts_parse(int argc, char **argv, struct rc_gen_opts *o)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "instances", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, OPT_SIZES },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "zcb", no_argument, NULL, 'z' },
		{ "zcb-pool", required_argument, NULL, OPT_ZCB_POOL },
		{ "zcb-alloc-each", no_argument, NULL, OPT_ZCB_EACH },
		{ "guarantee", required_argument, NULL, OPT_GUARANTEE },
		{ "clock", required_argument, NULL, OPT_CLOCK },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "spin", no_argument, NULL, OPT_SPIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "self-test", no_argument, NULL, OPT_SELF_TEST },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
		{ "mix", no_argument, NULL, OPT_MIX },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ NULL, 0, NULL, 0 },
	};
	bool have_size = false, have_sizes = false, have_rate = false, have_burst = false;
	bool have_min = false, have_window = false, have_guarantee = false;
	char *end;
	const char *mode = NULL;
	size_t size = 1024;
	double v;
	int c;

	*o = (struct rc_gen_opts){
		.group = "ringcast-gen", .instances = 1, .role = RC_GEN_ROLE_BOTH,
		.duration_s = 10, .warmup_s = 1, .timeout_s = 30, .burst = 1,
		.zcb_pool = 16384, .guarantee = CPG_TYPE_AGREED, .clock = CLOCK_MONOTONIC,
		.progress = -1, .min_size = RC_GEN_SOAK_MIN, .seed = 1,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":g:n:r:s:d:w:zt:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (*optarg == '\0' || strlen(optarg) > CPG_MAX_NAME_LENGTH)
				return bad("--group (1 to 128 bytes)", optarg);
			o->group = optarg;
			break;
		case 'n':
			if (rc_gen_parse_u32(optarg, 1, RC_GEN_MAX_INSTANCES, &o->instances) < 0)
				return bad("--instances (1 to 64)", optarg);
			break;
		case 'r':
			if (strcmp(optarg, "send") == 0)
				o->role = RC_GEN_ROLE_SEND;
			else if (strcmp(optarg, "listen") == 0)
				o->role = RC_GEN_ROLE_LISTEN;
			else if (strcmp(optarg, "both") == 0)
				o->role = RC_GEN_ROLE_BOTH;
			else
				return bad("--role (send, listen or both)", optarg);
			break;
		case 's':
			if (rc_gen_parse_size(optarg, &size) < 0)
				return bad("--size", optarg);
			have_size = true;
			break;
		case OPT_SIZES:
			if (parse_sizes(optarg, o) < 0)
				return bad("--sizes (up to 32 sizes, comma-separated)", optarg);
			have_sizes = true;
			break;
		case 'd':
			if (rc_gen_parse_seconds(optarg, &o->duration_s) < 0 ||
			    o->duration_s <= 0 || o->duration_s > 86400)
				return bad("--duration (seconds, more than 0)", optarg);
			break;
		case 'w':
			if (rc_gen_parse_seconds(optarg, &o->warmup_s) < 0 || o->warmup_s > 3600)
				return bad("--warmup (seconds)", optarg);
			break;
		case 't':
			if (rc_gen_parse_seconds(optarg, &o->timeout_s) < 0 || o->timeout_s < 0.1 ||
			    o->timeout_s > 86400)
				return bad("--timeout (seconds, at least 0.1)", optarg);
			break;
		case OPT_RATE:
			if (rc_gen_parse_count(optarg, &v) < 0 || v <= 0 || v > 1e9)
				return bad("--rate (messages/s, more than 0)", optarg);
			o->rate = v;
			have_rate = true;
			break;
		case OPT_BURST:
			if (rc_gen_parse_u32(optarg, 1, 1000000, &o->burst) < 0)
				return bad("--burst (1 to 1000000)", optarg);
			have_burst = true;
			break;
		case 'z':
			o->zcb = true;
			break;
		case OPT_ZCB_POOL:
			if (rc_gen_parse_u32(optarg, 1, 65536, &o->zcb_pool) < 0)
				return bad("--zcb-pool (1 to 65536)", optarg);
			break;
		case OPT_ZCB_EACH:
			o->zcb = o->zcb_alloc_each = true;
			break;
		case OPT_GUARANTEE:
			if (strcmp(optarg, "agreed") == 0)
				o->guarantee = CPG_TYPE_AGREED;
			else if (strcmp(optarg, "safe") == 0)
				o->guarantee = CPG_TYPE_SAFE;
			else
				return bad("--guarantee (agreed or safe)", optarg);
			have_guarantee = true;
			break;
		case OPT_CLOCK:
			if (strcmp(optarg, "monotonic") == 0)
				o->clock = CLOCK_MONOTONIC;
			else if (strcmp(optarg, "realtime") == 0)
				o->clock = CLOCK_REALTIME;
			else
				return bad("--clock (monotonic or realtime)", optarg);
			break;
		case OPT_WINDOW:
			if (rc_gen_parse_u32(optarg, 0, 1u << 30, &o->window) < 0)
				return bad("--window (messages, 0: no limit)", optarg);
			have_window = true;
			break;
		case OPT_HISTORY:
			if (*optarg == '\0')
				return bad("--history (a file name)", optarg);
			o->history_path = optarg;
			break;
		case OPT_MIN_SIZE:
			if (rc_gen_parse_size(optarg, &o->min_size) < 0 ||
			    o->min_size < RC_GEN_SOAK_MIN)
				return bad("--min-size (at least 8 bytes)", optarg);
			have_min = true;
			break;
		case OPT_MIX: o->mix = true; break;
		case OPT_SEED:
			errno = 0;
			o->seed = strtoull(optarg, &end, 0);
			if (errno || *optarg == '\0' || *end != '\0' || *optarg == '-')
				return bad("--seed (an unsigned integer)", optarg);
			break;
		case OPT_JSON: o->json_path = optarg; break;
		case OPT_CSV: o->csv_path = optarg; break;
		case OPT_PROGRESS: o->progress = 1; break;
		case OPT_NO_PROGRESS: o->progress = 0; break;
		case OPT_SPIN: o->spin = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); return 1;
		case 'V': printf("ringcast-gen %s\n", RC_VERSION); return 1;
		case OPT_SELF_TEST:
			exit(rc_gen_self_test());
		case ':':
			fprintf(stderr, "ringcast-gen: %s needs a value\n", argv[optind - 1]);
			return bad(NULL, NULL);
		default:
			if (optopt)
				fprintf(stderr, "ringcast-gen: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "ringcast-gen: unknown option '%s'\n",
					argv[optind - 1]);
			return bad(NULL, NULL);
		}
	}
	if (optind >= argc)
		return bad("no mode: flood, rate, ping, sweep or soak", NULL);
	mode = argv[optind++];
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (strcmp(mode, "flood") == 0)
		o->mode = RC_GEN_FLOOD;
	else if (strcmp(mode, "rate") == 0)
		o->mode = RC_GEN_RATE;
	else if (strcmp(mode, "ping") == 0)
		o->mode = RC_GEN_PING;
	else if (strcmp(mode, "sweep") == 0)
		o->mode = RC_GEN_SWEEP;
	else if (strcmp(mode, "soak") == 0)
		o->mode = RC_GEN_SOAK;
	else
		return bad("mode (flood, rate, ping, sweep or soak)", mode);
	if (o->mode == RC_GEN_SOAK)
		return soak_opts(o, have_size ? size : 256 * 1024, have_sizes, have_rate,
				 have_window, have_guarantee);
	if (have_min || o->mix)
		return bad("--min-size and --mix are for the soak mode", NULL);

	if (o->mode == RC_GEN_SWEEP) {
		if (have_size)
			return bad("sweep takes --sizes, not --size", NULL);
		if (!have_sizes)
			parse_sizes("64,1k,64k,1m", o);
	} else {
		if (have_sizes)
			return bad("--sizes is for sweep; use --size", NULL);
		o->sizes[0] = size;
		o->n_sizes = 1;
	}
	for (unsigned int i = 0; i < o->n_sizes; i++) {
		if (o->sizes[i] < RC_GEN_MIN_SIZE || o->sizes[i] > RC_GEN_MAX_SIZE) {
			char b[64];

			snprintf(b, sizeof(b), "%zu", o->sizes[i]);
			return bad("message size (48 bytes to 64m: the 40-byte header and an "
				   "8-byte check word come first)", b);
		}
	}
	if (o->mode == RC_GEN_RATE && !have_rate)
		return bad("rate needs --rate N (messages/s per sender)", NULL);
	if (o->window && o->mode != RC_GEN_FLOOD && o->mode != RC_GEN_SWEEP)
		return bad("--window is for flood and sweep", NULL);
	if (o->mode != RC_GEN_RATE && (have_rate || have_burst))
		return bad("--rate and --burst are for the rate mode", NULL);
	if (o->mode == RC_GEN_PING && o->role == RC_GEN_ROLE_SEND)
		return bad("ping needs its own messages back: --role both", NULL);
	return 0;
}

uint64_t rc_gen_opts_hash(const struct rc_gen_opts *o)
{
	uint64_t h = RC_GEN_FNV_OFFSET;
	uint64_t v[8] = {
		(uint64_t)o->mode, o->instances, o->n_sizes, o->burst,
		(uint64_t)llround(o->duration_s * 1e6), (uint64_t)llround(o->warmup_s * 1e6),
		(uint64_t)llround(o->rate * 1e3), (uint64_t)o->guarantee,
	};

	h = rc_gen_fnv1a(h, v, sizeof(v));
	for (unsigned int i = 0; i < o->n_sizes; i++) {
		uint64_t s = o->sizes[i];

		h = rc_gen_fnv1a(h, &s, sizeof(s));
	}
	v[0] = (uint64_t)o->clock;
	return rc_gen_fnv1a(h, v, sizeof(v[0]));
}

const char *rc_gen_mode_name(enum rc_gen_mode m)
{
	switch (m) {
	case RC_GEN_FLOOD: return "flood";
	case RC_GEN_RATE: return "rate";
	case RC_GEN_PING: return "ping";
	case RC_GEN_SWEEP: return "sweep";
	case RC_GEN_SOAK: return "soak";
	}
	return "?";
}

const char *rc_gen_role_name(unsigned int role)
{
	switch (role) {
	case RC_GEN_ROLE_SEND: return "send";
	case RC_GEN_ROLE_LISTEN: return "listen";
	case RC_GEN_ROLE_BOTH: return "both";
	}
	return "?";
}

const char *rc_gen_guarantee_name(cpg_guarantee_t g)
{
	return g == CPG_TYPE_SAFE ? "safe" : "agreed";
}
