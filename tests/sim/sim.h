/*
 * ringcast-sim: N Totem engines in one process, in virtual time, over a
 * seeded faulty network. Shared state of the simulator's files: options,
 * one run (struct sim) with its nodes, and the result of a run.
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "evq.h"
#include "payload.h"
#include "rng.h"
#include "srp.h"

#define SIM_MAX_NODES		16
_Static_assert(SIM_MAX_NODES <= SIM_PAYLOAD_ORIGINS, "every node can send");
#define SIM_MAX_SIZE		(64u << 20)	/* largest message, bytes */
#define SIM_FAULT_AUTO		UINT64_MAX	/* faults until one node delivered all */
#define SIM_AUTO_FAULT_CAP	(30ull * 1000000000ull) /* ... but at most this */
#define SIM_SETTLE_NS		(50ull * 1000000ull)	/* run on after the last delivery */
#define SIM_OUT_BYTES_MAX	(64ull << 20)	/* a node's message bytes lent to its engine */
#define SIM_PAUSE_MIN_NS	(1ull * 1000000ull)
#define SIM_PAUSE_MAX_NS	(50ull * 1000000ull)

/* Options; each has a bit in sim_opts.set when given on the command line. */
enum sim_opt {
	OPT_NODES, OPT_SENDERS, OPT_SEED, OPT_MESSAGES, OPT_SIZE,
	OPT_LOSS, OPT_DUP, OPT_REORDER, OPT_REORDER_DELAY, OPT_PAUSE,
	OPT_SAFE, OPT_RATE, OPT_LATENCY, OPT_JITTER, OPT_BANDWIDTH,
	OPT_DURATION, OPT_LIVENESS, OPT_ACCEL, OPT_WINDOW, OPT_MAX_MESSAGES,
	OPT_NETMTU, OPT_RTR_SLOTS, OPT_SEND_QUEUE, OPT_QUICK_CHECK,
	OPT_SEEDS, OPT_LIST, OPT_BENCH, OPT_SELFTEST, OPT_VERBOSE, OPT_HELP,
	OPT_COUNT_
};

#define SIM_SET(o, opt)		(((o)->set >> (opt)) & 1)

struct sim_opts {
	uint32_t nodes;
	uint32_t senders;		/* nodes 1..senders send */
	uint64_t seed;
	uint64_t messages;		/* per sender */
	uint32_t size_min, size_max;
	double loss, dup, reorder;	/* per frame per destination */
	uint64_t reorder_delay_ns;	/* a reordered frame is late by up to this */
	double pause;			/* per node, chance per ms to pause */
	double safe;			/* fraction of SAFE messages */
	double rate;			/* messages/s per sender, 0 = flood */
	uint64_t latency_ns, jitter_ns;
	double bandwidth_gbps;		/* 0 = unlimited */
	uint64_t fault_ns;		/* faults stop here, or SIM_FAULT_AUTO */
	uint64_t liveness_ns;		/* after faults stop, all delivered within */
	/* engine overrides, used when their bit in `set` is on */
	uint32_t accel, window, max_messages, netmtu, rtr_slots, send_queue;
	bool quick_check;		/* verify ends of payloads, not every byte */
	int verbose;
	/* modes */
	uint64_t seeds_lo, seeds_hi;
	bool list, bench, selftest;
	uint64_t set;			/* 1 << enum sim_opt */
};

struct sim_buf;
struct sim_slot;

struct sim_node {
	struct sim *sim;
	struct rc_srp *srp;
	uint32_t id;			/* nodeid, index + 1 */
	uint16_t idx;

	uint64_t timer_at;		/* deadline of the live timer event */
	uint32_t timer_gen;		/* timer events of older generations are stale */
	uint64_t timer_same_t;		/* livelock guard: timer calls at one time */
	uint32_t timer_same_n;
	uint64_t paused_until;

	uint64_t tx_free_ps;		/* the link is busy until then (picoseconds) */
	uint64_t *link_last;		/* [dst idx] last in-order arrival */

	/* traffic (traffic.c) */
	bool sender;
	uint64_t next_index;		/* next message to hand to rc_srp_mcast */
	struct sim_slot *ready;		/* holds next_index, refused with -EAGAIN */
	struct sim_slot *free_slots;
	struct sim_slot **slots;	/* every slot, by id */
	uint32_t n_slots, cap_slots;
	uint32_t out_n;			/* slots lent to the engine */
	uint64_t out_bytes;
	uint64_t eagain;
	bool traffic_ev;		/* a SIM_EV_TRAFFIC is queued */
};

struct sim {
	struct sim_opts o;
	struct sim_rng rng;		/* network and pauses */
	struct sim_evq q;
	struct check chk;
	struct sim_payload pl;
	struct rc_srp_config cfg;	/* node 1's; the others differ in nodeid */
	struct sim_node *node;
	uint64_t *queued;		/* [nodeid] messages accepted by rc_srp_mcast */
	uint64_t *link_mem;

	uint64_t now;
	bool faults;
	uint64_t fault_end;		/* when faults stopped, UINT64_MAX before */
	uint64_t deadline;		/* liveness: done by then */
	uint64_t done_t;		/* last delivery, UINT64_MAX before */
	uint64_t total_msgs, total_sent;
	uint64_t interval_ns;		/* rate mode: between one sender's messages */
	uint64_t ps_per_byte;		/* serialization, 0 = unlimited bandwidth */
	uint32_t frame_max;		/* larger frames are a violation */

	/* frame buffers (net.c) */
	struct sim_buf *buf_free;
	uint32_t buf_size;

	/* counters */
	uint64_t events, frames, lost, duplicated, reordered, pauses;
};

struct sim_result {
	uint32_t nodes;
	uint64_t seed;
	uint64_t delivered, bytes;	/* per node */
	uint64_t rotations, retransmits, token_retransmits, bad, holds, wakes;
	uint64_t rtr_requested, window_drops;
	uint64_t eagain;		/* rc_srp_mcast refusals, all senders */
	uint64_t bad_by[RC_BAD_REASONS_];
	uint64_t frames, lost, duplicated, reordered, pauses, events;
	uint64_t virtual_ns;		/* when the last message was delivered */
	bool violated;
	char what[600];
};

/* run.c */
/* 0 ran (res->violated says how), -EINVAL bad configuration, -ENOMEM. */
int sim_run(const struct sim_opts *o, struct sim_result *res);
void sim_after_call(struct sim *s, struct sim_node *nd);
void sim_trace(const struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_end_faults(struct sim *s);
int sim_push(struct sim *s, uint64_t t, uint8_t type, uint16_t node,
	     uint32_t arg, struct sim_buf *buf);

/* net.c */
void sim_net_send(struct sim *s, struct sim_node *from, uint32_t dst,
		  const void *frame, size_t len);
const uint8_t *sim_buf_data(const struct sim_buf *b, uint32_t *len);
void sim_buf_put(struct sim *s, struct sim_buf *b);
void sim_net_fini(struct sim *s);
void sim_frame_describe(const void *frame, size_t len, char *out, size_t n);

/* traffic.c */
void sim_traffic_pump(struct sim *s, struct sim_node *nd);
void sim_traffic_sent(struct sim *s, struct sim_node *nd, void *cookie);
void sim_traffic_fini(struct sim_node *nd);

/* opts.c */
void sim_opts_defaults(struct sim_opts *o);
/* 0, 1 when --help was printed, or -EINVAL after printing why. */
int sim_opts_parse(struct sim_opts *o, int argc, char **argv);
/* The command line that replays o as a single run. */
void sim_opts_format(const struct sim_opts *o, char *buf, size_t n);
void sim_result_format(const struct sim_result *r, char *buf, size_t n);

/* seeds.c */
void sim_seed_mix(struct sim_opts *o, uint64_t seed);
int sim_seeds_main(const struct sim_opts *o);

/* bench.c */
int sim_bench_main(const struct sim_opts *o);

/* selftest.c */
int sim_selftest_checker(void);

#endif /* SIM_H */
