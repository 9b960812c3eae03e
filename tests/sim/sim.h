/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-sim: N Totem engines (membership and ordering, totem.h) in one
 * process, in virtual time, over a seeded faulty network with crashes,
 * restarts, partitions and leaves. Shared state of the simulator's files:
 * options, the fault schedule, one run (struct sim) with its nodes, and the
 * result of a run.
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "evq.h"
#include "payload.h"
#include "rng.h"
#include "totem.h"
#include <ringcast/wire.h>

#define SIM_MAX_NODES		16
_Static_assert(SIM_MAX_NODES <= SIM_PAYLOAD_ORIGINS, "every node can send");
#define SIM_MAX_SIZE		(64u << 20)	/* largest message, bytes */
#define SIM_FAULT_AUTO		UINT64_MAX	/* faults until one node delivered all */
#define SIM_AUTO_FAULT_CAP	(30ull * 1000000000ull) /* ... but at most this */
#define SIM_SETTLE_NS		(50ull * 1000000ull)	/* run on after the last delivery */
#define SIM_OUT_BYTES_MAX	(64ull << 20)	/* a node's message bytes lent to its engine */
#define SIM_PAUSE_MIN_NS	(1ull * 1000000ull)
#define SIM_PAUSE_MAX_NS	(50ull * 1000000ull)
#define SIM_MAX_FAULTS		64	/* scheduled faults given on the command line */
#define SIM_SCHED_MAX		256	/* a run's schedule: given, churn and ends */
#define SIM_FAULT_TAIL		(1000ull * 1000000ull)	/* auto: faults end this long after the last scheduled one */
#define SIM_MAX_REFORMS		128	/* re-formation measurements kept per run */
#define SIM_MAX_INSTALLS	20000	/* regular configurations per run: more is a storm */

/* Options; each has a bit in sim_opts.set when given on the command line. */
enum sim_opt {
	OPT_NODES, OPT_SENDERS, OPT_SEED, OPT_MESSAGES, OPT_SIZE,
	OPT_LOSS, OPT_DUP, OPT_REORDER, OPT_REORDER_DELAY, OPT_PAUSE,
	OPT_SAFE, OPT_RATE, OPT_LATENCY, OPT_JITTER, OPT_BANDWIDTH,
	OPT_DURATION, OPT_LIVENESS, OPT_ACCEL, OPT_WINDOW, OPT_MAX_MESSAGES,
	OPT_NETMTU, OPT_RTR_SLOTS, OPT_SEND_QUEUE, OPT_QUICK_CHECK,
	OPT_SEEDS, OPT_LIST, OPT_BENCH, OPT_BENCH_FLOW, OPT_SELFTEST, OPT_VERBOSE, OPT_HELP,
	OPT_CRASH, OPT_RESTART, OPT_PARTITION, OPT_HEAL, OPT_ASYM,
	OPT_ASYM_HEAL, OPT_TOKEN_STORM, OPT_LEAVE, OPT_CHURN, OPT_CONVERGE,
	OPT_REPORT_REFORM, OPT_EXPECT_REFORM, OPT_MAX_MSG_SIZE, OPT_ZC, OPT_XDELAY,
	OPT_PAUSE_LEN, OPT_PAUSE_AT, OPT_RX_QUEUE, OPT_PAUSES, OPT_HEAVY,
	OPT_MAX_MSG_SIZE_AT, OPT_NETMTU_AT,
	OPT_COUNT_
};
_Static_assert(OPT_COUNT_ <= 63, "sim_opts.set has a bit per option");

enum sim_fault_kind {
	SIM_F_CRASH = 1,	/* node a stops: no frames, no timers */
	SIM_F_RESTART,		/* node a: fresh engine, persisted ring seq, start */
	SIM_F_PARTITION,	/* grp[]: frames between groups are dropped */
	SIM_F_HEAL,		/* one group again */
	SIM_F_ASYM,		/* frames a -> b lost with probability p */
	SIM_F_ASYM_HEAL,	/* a -> b (or all, a = 0) loss-free again */
	SIM_F_STORM,		/* token frames lost with probability p for dur */
	SIM_F_STORM_END,
	SIM_F_LEAVE,		/* node a calls rc_totem_leave() and stops */
	SIM_F_PAUSE,		/* node a stops running for dur: frames queue */
	SIM_F_PAUSE_END,	/* (the schedule's record of its end) */
	SIM_F_END,		/* faults stop: restart, heal, perfect network */
};

#define SIM_GRP_REST	0xfe	/* partition: a node the option did not list */
#define SIM_GRP_NONE	0xff	/* partition: not a node of this run */

struct sim_fault {
	uint64_t t;		/* virtual ns */
	uint64_t dur;		/* SIM_F_STORM, SIM_F_PAUSE */
	double p;		/* SIM_F_ASYM, SIM_F_STORM */
	uint8_t kind;
	uint8_t a, b;		/* nodeids */
	uint8_t grp[SIM_MAX_NODES];	/* SIM_F_PARTITION: group of node idx */
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
	uint64_t pause_min_ns, pause_max_ns;	/* a pause lasts */
	uint32_t rx_queue;		/* frames a paused node queues; more are dropped */
	bool pauses;			/* a long-pause schedule from the seed */
	double safe;			/* fraction of SAFE messages */
	double zc;			/* fraction sent zero-copy (rc_totem_mcast_zc) */
	uint64_t xdelay_ns;		/* between a node's two halves (rc_totem_set_xdelay) */
	double rate;			/* messages/s per sender, 0 = flood */
	uint64_t latency_ns, jitter_ns;
	double bandwidth_gbps;		/* 0 = unlimited */
	uint64_t fault_ns;		/* faults stop here, or SIM_FAULT_AUTO */
	uint64_t liveness_ns;		/* after faults stop, all delivered within */
	/* engine overrides, used when their bit in `set` is on */
	uint32_t accel, window, max_messages, netmtu, rtr_slots, send_queue;
	uint32_t max_msg_size;
	uint32_t node_max_msg[SIM_MAX_NODES + 1];	/* --max-msg-size-at: [nodeid], 0: as the others */
	uint32_t node_netmtu[SIM_MAX_NODES + 1];	/* --netmtu-at: [nodeid], 0: as the others */
	bool quick_check;		/* verify ends of payloads, not every byte */
	int verbose;
	/* membership faults */
	struct sim_fault faults[SIM_MAX_FAULTS];	/* as given, in order */
	uint32_t n_faults;
	bool churn;			/* a random schedule from the seed */
	bool heavy;			/* --seeds: a harsher network mix */
	uint64_t converge_ns;		/* 0: token + 2 * consensus + 1 s */
	bool report_reform;
	uint64_t expect_reform_ns;	/* 0: no bound */
	/* modes */
	uint64_t seeds_lo, seeds_hi;
	bool list, bench, bench_flow, selftest;
	uint64_t set;			/* 1 << enum sim_opt */
};

/* A run's schedule: given and churn faults plus their ends, by time. */
struct sim_sched {
	struct sim_fault f[SIM_SCHED_MAX];
	uint32_t n;
	uint64_t end;			/* faults stop, or SIM_FAULT_AUTO */
};

enum sim_reform_kind {
	SIM_RF_CRASH = 0,
	SIM_RF_PARTITION,
	SIM_RF_MERGE,		/* heal, restart, end of faults */
	SIM_RF_LEAVE,
	SIM_RF_KINDS_
};

/*
 * Time from a fault until the nodes it affects run a ring that reflects it:
 * crash/leave: a ring without the node; partition: each side its own ring;
 * merge: one ring of every node that can reach each other.
 */
struct sim_reform {
	uint64_t t;		/* the fault */
	uint64_t dur;		/* UINT64_MAX: not (yet) reflected */
	uint64_t superseded;	/* another fault came first, at; 0 if not */
	uint32_t affected;	/* nodes that must reflect it (mask) */
	uint8_t kind;
	uint8_t node;		/* crash, leave, restart: the node */
	uint8_t grp[SIM_MAX_NODES];	/* connectivity groups at the fault */
};

struct sim_buf;
struct sim_slot;

struct sim_node {
	struct sim *sim;
	struct rc_totem *t;
	uint32_t id;			/* nodeid, index + 1 */
	uint16_t idx;

	/* life */
	bool up;			/* false: crashed or left; not called */
	bool left;			/* down because it left */
	uint64_t persisted;		/* the last ring seq of ops.ring_seq */
	uint32_t restarts;
	uint8_t group;			/* partition group */
	/* its last regular configuration (simulator's record) */
	bool in_ring;
	struct rc_ring_id ring;
	uint32_t ring_members;		/* mask */
	/* its last transitional configuration, judged at the regular one */
	bool pair_pending;
	uint32_t pair_from;		/* checker's index of the ring it left */
	uint32_t pair_left;		/* mask */
	/* indexes queued, not yet seen in a sent frame (SIM_IDX_REFUSED: refused) */
	uint32_t *sent_idx;
	uint32_t sent_head, sent_tail, sent_cap;

	uint64_t timer_at;		/* deadline of the live timer event */
	uint32_t timer_gen;		/* timer events of older generations are stale */
	uint64_t timer_same_t;		/* livelock guard: timer calls at one time */
	uint32_t timer_same_n;
	uint64_t paused_until;
	uint32_t rxq_n;			/* frames queued while paused */

	uint64_t tx_free_ps;		/* the link is busy until then (picoseconds) */
	uint64_t *link_last;		/* [dst idx] last in-order arrival */

	/* traffic (traffic.c) */
	bool sender;
	uint64_t next_index;		/* next message to hand to rc_totem_mcast */
	struct sim_slot *ready;		/* holds next_index, refused with -EAGAIN */
	struct sim_slot *free_slots;
	struct sim_slot **slots;	/* every slot, by id */
	uint32_t n_slots, cap_slots;
	uint32_t out_n;			/* slots lent to the engine */
	uint64_t out_bytes;
	uint64_t eagain;
	uint64_t refused;		/* above the ring's message limit */
	uint32_t send_max;		/* its engine's max_msg_size */
	uint32_t mtu;			/* its engine's netmtu: its link drops larger frames */
	bool traffic_ev;		/* a SIM_EV_TRAFFIC is queued */
};

struct sim {
	struct sim_opts o;
	struct sim_rng rng;		/* network and pauses */
	struct sim_evq q;
	struct check chk;
	struct sim_payload pl;
	struct rc_totem_config cfg;	/* node 1's; the others differ in nodeid */
	struct sim_node *node;
	uint64_t *link_mem;
	struct sim_sched sched;
	struct check_msg *fmsg;		/* scratch: one frame's messages */

	uint64_t now;
	bool faults;
	bool end_queued;		/* auto: the end of faults is queued */
	uint64_t fault_end;		/* when faults stopped, UINT64_MAX before */
	uint64_t deadline;		/* liveness: done by then */
	uint64_t done_t;		/* last delivery, UINT64_MAX before */
	uint64_t total_msgs, total_sent;
	uint64_t interval_ns;		/* rate mode: between one sender's messages */
	uint64_t ps_per_byte;		/* serialization, 0 = unlimited bandwidth */
	uint32_t frame_max;		/* larger frames are a violation */
	uint64_t too_big;		/* frames a receiver's link dropped: larger than
					   its netmtu (--netmtu-at) */

	/* membership faults */
	double asym[SIM_MAX_NODES][SIM_MAX_NODES];	/* [from][to] loss */
	double storm;			/* token loss while a storm lasts */
	uint64_t converge_ns;
	uint64_t converge_at;		/* one ring of all by then */
	bool converged;			/* one ring of all since faults stopped */
	bool stable;			/* ... at the deadline: it must stay */
	struct rc_ring_id final_ring;
	bool confchg_flag;		/* a regular configuration was installed */
	uint64_t rings;			/* regular configurations installed */
	struct sim_reform rf[SIM_MAX_REFORMS];
	uint32_t n_rf;

	/* frame buffers (net.c) */
	struct sim_buf *buf_free;
	uint32_t buf_size;

	/* counters */
	uint64_t events, frames, lost, duplicated, reordered, pauses;
	uint64_t cut;			/* dropped by partitions, asym, storms, crashes */
	uint64_t seq_back;		/* ops.ring_seq reported a lower seq than before */
	uint64_t rx_dropped;		/* a paused node's full receive queue */
	/* nodes (mask of idx) not healthy: a frame to or from them was lost or
	   cut, or they paused, crashed, left or restarted (pause.c) */
	uint32_t unhealthy;
};

struct sim_result {
	uint32_t nodes;
	uint64_t seed;
	uint64_t delivered, bytes;	/* per node */
	uint64_t rotations, retransmits, token_retransmits, bad, holds, wakes;
	uint64_t rtr_requested, window_drops;
	uint64_t eagain;		/* rc_totem_mcast refusals, all senders */
	uint64_t refused;		/* messages above the ring's limit, all senders */
	uint64_t bad_by[RC_BAD_REASONS_];
	uint64_t frames, lost, duplicated, reordered, pauses, events;
	uint64_t cut, excused, seq_back, rx_dropped;
	uint64_t rings;			/* distinct regular configurations */
	struct rc_memb_stats ms;	/* summed over the nodes' last engines */
	uint64_t virtual_ns;		/* when the last message was delivered */
	struct sim_reform rf[SIM_MAX_REFORMS];
	uint32_t n_rf;
	bool violated;
	char what[700];
};

/* run.c */
/* 0 ran (res->violated says how), -EINVAL bad configuration, -ENOMEM. */
int sim_run(const struct sim_opts *o, struct sim_result *res);
void sim_after_call(struct sim *s, struct sim_node *nd);
void sim_trace(const struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_end_faults(struct sim *s);
void sim_update_converged(struct sim *s);
int sim_push(struct sim *s, uint64_t t, uint8_t type, uint16_t node,
	     uint32_t arg, struct sim_buf *buf);

/* node.c */
#define SIM_FMSG_MAX	(RC_NETMTU_MAX / sizeof(struct rc_wire_chunk) + 1)
void sim_make_config(const struct sim_opts *o, struct rc_totem_config *cfg,
		     uint32_t nodeid, uint64_t last_ring_seq);
int sim_node_create(struct sim *s, struct sim_node *nd);
void sim_node_crash(struct sim *s, struct sim_node *nd, bool leave);
int sim_node_restart(struct sim *s, struct sim_node *nd);

/* net.c */
void sim_net_send(struct sim *s, struct sim_node *from, uint32_t dst,
		  const void *frame, size_t len);
const uint8_t *sim_buf_data(const struct sim_buf *b, uint32_t *len);
void sim_buf_put(struct sim *s, struct sim_buf *b);
void sim_net_fini(struct sim *s);
void sim_frame_describe(const void *frame, size_t len, char *out, size_t n);
bool sim_net_reaches(const struct sim *s, uint32_t from_idx, uint32_t to_idx);

/* traffic.c */
void sim_traffic_pump(struct sim *s, struct sim_node *nd);
void sim_traffic_sent(struct sim *s, struct sim_node *nd, void *cookie);
/* The engine refused a queued message: above its ring's message limit. */
void sim_traffic_refused(struct sim *s, struct sim_node *nd, void *cookie);
#define SIM_IDX_REFUSED	UINT32_MAX
void sim_traffic_fini(struct sim_node *nd);
/* The engine was destroyed: every lent buffer is the simulator's again. */
void sim_traffic_reclaim(struct sim *s, struct sim_node *nd);
bool sim_traffic_drained(const struct sim *s, const struct sim_node *nd);

/* faults.c */
/* The run's schedule: given faults, churn from the seed, ends; -EINVAL. */
int sim_schedule_build(const struct sim_opts *o, struct sim_sched *sc);
void sim_fault_format(const struct sim_fault *f, char *buf, size_t n);
/* --crash and friends: parse one value into o->faults; format them back. */
int sim_fault_parse(struct sim_opts *o, int opt, const char *name, const char *v);
void sim_faults_format(const struct sim_opts *o, char *buf, size_t n);
void sim_groups_format(char *buf, size_t n, const uint8_t *grp);
void sim_schedule_print(const struct sim_opts *o, FILE *f);
void sim_fault_apply(struct sim *s, const struct sim_fault *f);
uint64_t sim_converge_default(const struct rc_totem_config *cfg);

/* pause.c */
/* With --pauses: 1..3 long pauses of random nodes at random times. */
void sim_pause_schedule(const struct sim_opts *o, struct sim_sched *sc);
/* Node idx stops for dur from now (a longer pause already on wins). */
void sim_pause_node(struct sim *s, struct sim_node *nd, uint64_t dur);
/* A frame arrives at a paused node: queue it, or drop it when full. */
void sim_pause_queue(struct sim *s, struct sim_node *nd, struct sim_buf *b);
/* Nodes that may legitimately be parted from: a lost or cut frame between
   a and b (both), a pause, crash, leave or restart (the node). */
void sim_pair_break(struct sim *s, uint32_t a_idx, uint32_t b_idx);
void sim_node_unhealthy(struct sim *s, uint32_t idx);
/*
 * No healthy pair parts (violation if so): the transitional configuration
 * records what the node left, the regular one that follows judges it
 * (the new ring's members are known then).
 */
void sim_pair_leave(struct sim *s, struct sim_node *nd,
		    const struct rc_confchg *cc);
void sim_pair_check(struct sim *s, struct sim_node *nd,
		    const struct rc_confchg *cc);
/*
 * Node id left ring `from` (ring index, CHECK_NONE: none) for ring to_ri of
 * members `to` (mask), seeing the nodes of `left` (mask) leave; `unhealthy`
 * (mask, CHECK_BIT) had faults. 0, or -1 after recording a violation.
 */
int sim_pair_judge(struct check *c, uint32_t unhealthy, uint32_t id,
		   uint32_t from, uint32_t to_ri, uint32_t to, uint32_t left);

/* reform.c */
void sim_reform_fault(struct sim *s, const struct sim_fault *f);
void sim_reform_update(struct sim *s);
int sim_reform_finish(struct sim *s);
const char *sim_reform_kind_name(int kind);
void sim_reform_print(const struct sim_result *r, FILE *f);
/* Aggregate of many runs: add one run, print p50/p99/max per kind. */
struct sim_reform_agg;
struct sim_reform_agg *sim_reform_agg_new(void);
void sim_reform_agg_add(struct sim_reform_agg *a, const struct sim_result *r);
void sim_reform_agg_print(const struct sim_reform_agg *a, FILE *f);
void sim_reform_agg_free(struct sim_reform_agg *a);

/* opts.c */
void sim_opts_defaults(struct sim_opts *o);
/* 0, 1 when --help was printed, or -EINVAL after printing why. */
int sim_opts_parse(struct sim_opts *o, int argc, char **argv);
/* The command line that replays o as a single run. */
void sim_opts_format(const struct sim_opts *o, char *buf, size_t n);
/* Value parsers and formats shared with faults.c; -EINVAL when bad. */
int sim_opt_bad(const char *opt, const char *val, const char *what);
int sim_parse_u64(const char *s, uint64_t *out, bool dec);
int sim_parse_prob(const char *s, double *out);
int sim_parse_duration(const char *s, uint64_t unit_ns, uint64_t *out);
void sim_fmt_double(char *buf, size_t n, double v);
void sim_fmt_duration(char *buf, size_t n, uint64_t ns);
void sim_result_format(const struct sim_result *r, char *buf, size_t n);

/* seeds.c */
void sim_seed_mix(struct sim_opts *o, uint64_t seed);
int sim_seeds_main(const struct sim_opts *o);

/* bench.c */
int sim_bench_main(const struct sim_opts *o);
int sim_bench_flow_main(const struct sim_opts *o);

/* selftest.c */
int sim_selftest_checker(void);

#endif /* SIM_H */
