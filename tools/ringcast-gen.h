/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen: the CPG traffic generator. One process per node joins a
 * group; the instances meet there, start together, run, then exchange their
 * results through the group. Only the standard CPG API (<corosync/cpg.h>), so
 * the same sources build against ringcast's libcpg and Debian's libcpg-dev.
 *
 * Files: ringcast-gen.c (main: connect, meet, steps, report, finalize),
 * -history.c (--history), -soak.c (the soak mode, for fault tests),
 * -opts.c (options, --help), -util.c (clocks, CRC32C, FNV-1a, parsing,
 * formatting), -hist.c (latency histogram), -msg.c (messages: build, verify,
 * the callbacks, zcb buffers), -modes.c (the pump, the send loops, one step
 * and its exchange), -report.c (progress line, table, JSON, CSV),
 * -selftest.c (--self-test).
 *
 * Every instance runs one step per size (sweep: several; other modes: one):
 *
 *   HELLO (each, once) -> START (lowest participant) -> warm-up -> measured
 *   window -> DONE (each: how many it sent) -> RESULT (each: its numbers)
 *
 * All of them are CPG messages in the group, so every instance sees them in
 * the same order; a DONE is delivered after every data message its sender
 * sent, so once all DONEs are in, each receiver has seen the step whole.
 */
#ifndef RINGCAST_GEN_H
#define RINGCAST_GEN_H

#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../include/ringcast/hash.h"

#ifndef RC_VERSION
#define RC_VERSION "unknown"
#endif

#define RC_GEN_MAX_STEPS		32	/* sizes in a sweep */
#define RC_GEN_MAX_INSTANCES	64
#define RC_GEN_MAX_SENDERS		256	/* distinct (nodeid, pid) a receiver tracks */
#define RC_GEN_MAX_SIZE		(64u << 20)
#define RC_GEN_MAX_REPORTS		10	/* detailed lines per kind of error */

/* ---- options ---- */

enum rc_gen_mode { RC_GEN_FLOOD, RC_GEN_RATE, RC_GEN_PING, RC_GEN_SWEEP, RC_GEN_SOAK };

#define RC_GEN_ROLE_SEND	1u
#define RC_GEN_ROLE_LISTEN	2u
#define RC_GEN_ROLE_BOTH	(RC_GEN_ROLE_SEND | RC_GEN_ROLE_LISTEN)

struct rc_gen_opts {
	enum rc_gen_mode mode;
	const char *group;
	uint32_t instances;
	unsigned int role;		/* RC_GEN_ROLE_* */
	size_t sizes[RC_GEN_MAX_STEPS];	/* one per step; flood, rate, ping: one */
	unsigned int n_sizes;
	double duration_s, warmup_s, timeout_s;
	double rate;			/* messages/s per sender (rate) */
	uint32_t burst;			/* messages per scheduled instant (rate) */
	bool zcb, zcb_alloc_each;
	uint32_t zcb_pool;		/* zcb buffers at most */
	uint32_t window;		/* flood: own messages in flight at most; 0 any */
	cpg_guarantee_t guarantee;
	clockid_t clock;		/* the send-time stamp's clock */
	const char *json_path, *csv_path;
	const char *history_path;	/* --history: every event, one line each */
	size_t min_size;		/* soak: sizes from min_size to sizes[0] */
	bool mix;			/* soak: copy/zcb per message */
	bool mix_guarantee;		/* soak: and agreed/safe (--mix, no --guarantee) */
	uint64_t seed;			/* soak: sizes and choices */
	int progress;			/* -1: when stdout is a terminal */
	bool spin, verbose;
};

/* 0 ok, 2 after printing why (exit status 2), 1 for --help/--version done. */
int rc_gen_opts_parse(int argc, char **argv, struct rc_gen_opts *o);
uint64_t rc_gen_opts_hash(const struct rc_gen_opts *o);
const char *rc_gen_mode_name(enum rc_gen_mode m);
const char *rc_gen_role_name(unsigned int role);
const char *rc_gen_guarantee_name(cpg_guarantee_t g);

/* ---- util ---- */

extern volatile sig_atomic_t rc_gen_stop;	/* SIGINT, SIGTERM */

const char *rc_gen_err(cs_error_t err);
uint64_t rc_gen_now_ns(void);			/* CLOCK_MONOTONIC */
uint64_t rc_gen_clock_ns(clockid_t clock);
uint32_t rc_gen_crc32c(uint32_t crc, const void *buf, size_t len);
uint64_t rc_gen_fnv1a(uint64_t h, const void *buf, size_t len);
uint64_t rc_gen_mix64(uint64_t x);
#define RC_GEN_FNV_OFFSET	RC_FNV1A64_OFFSET

int rc_gen_parse_size(const char *s, size_t *out);		/* 64, 1k, 64KiB, 1m */
int rc_gen_parse_seconds(const char *s, double *out);	/* 5, 0.5, 500ms, 2s */
int rc_gen_parse_count(const char *s, double *out);	/* 1000, 10k, 1.5m */
int rc_gen_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
char *rc_gen_fmt_ns(char *buf, size_t len, uint64_t ns);	/* 850ns, 12.3us, 4.56ms */
char *rc_gen_fmt_size(char *buf, size_t len, size_t bytes);	/* 64, 1k, 64k, 1m */
char *rc_gen_fmt_rate(char *buf, size_t len, double per_s);	/* 1234, 45.6k, 1.23M */

/* ---- latency histogram (ns): 2^k ranges, each in 32 linear buckets ---- */

#define RC_GEN_HIST_SUB_BITS	5
#define RC_GEN_HIST_SUB		(1u << RC_GEN_HIST_SUB_BITS)
#define RC_GEN_HIST_MAX_EXP	40	/* up to 2^41 ns (~36 min); beyond, clamped */
#define RC_GEN_HIST_BUCKETS	((RC_GEN_HIST_MAX_EXP - RC_GEN_HIST_SUB_BITS + 2) * RC_GEN_HIST_SUB)

struct rc_gen_hist {
	uint64_t count, sum, min, max;
	uint64_t b[RC_GEN_HIST_BUCKETS];
};

struct rc_gen_lat {
	uint64_t count, min, p50, p90, p99, p999, max, mean;
};

void rc_gen_hist_init(struct rc_gen_hist *h);
void rc_gen_hist_add(struct rc_gen_hist *h, uint64_t ns);
void rc_gen_hist_merge(struct rc_gen_hist *dst, const struct rc_gen_hist *src);
uint64_t rc_gen_hist_quantile(const struct rc_gen_hist *h, double q);
void rc_gen_hist_summary(const struct rc_gen_hist *h, struct rc_gen_lat *l);
int rc_gen_hist_self_test(void);

/* ---- --self-test (ringcast-gen-selftest.c): no daemon needed ---- */

int rc_gen_self_test(void);
uint32_t rc_gen_crc32c_sw(uint32_t crc, const void *buf, size_t len);	/* the table path */

/* ---- messages on the wire ---- */

#define RC_GEN_MAGIC	0x31474352u	/* "RCG1" */

enum rc_gen_type {
	RC_GEN_T_DATA = 1,
	RC_GEN_T_HELLO,
	RC_GEN_T_START,
	RC_GEN_T_DONE,
	RC_GEN_T_RESULT,
	RC_GEN_T_ABORT,
};

/*
 * Every message starts with this header (host byte order: the instances of
 * a run are one architecture). Data messages end with an 8-byte tail derived
 * from (nodeid, pid, seq); crc is CRC32C over everything after the header.
 */
struct rc_gen_hdr {
	uint32_t magic;
	uint8_t type;			/* enum rc_gen_type */
	uint8_t step;
	uint16_t flags;
	uint32_t len;			/* whole message, header included */
	uint32_t crc;
	uint64_t seq;			/* data: per sender, from 0, over the whole run */
	uint64_t send_ns;		/* data: (scheduled) send time, --clock */
	uint32_t nodeid, pid;		/* the sender, as it knows itself */
};
_Static_assert(sizeof(struct rc_gen_hdr) == 40, "rc_gen_hdr is 40 bytes");

#define RC_GEN_F_SAFE	0x0001u	/* hdr.flags: a data message sent CPG_TYPE_SAFE */

#define RC_GEN_TAIL	8
#define RC_GEN_MIN_SIZE	(sizeof(struct rc_gen_hdr) + RC_GEN_TAIL)

struct rc_gen_hello {
	uint64_t opts_hash;		/* options all instances must share */
	uint32_t role, zcb;
};

struct rc_gen_who {
	uint32_t nodeid, pid;
};

struct rc_gen_start {
	uint32_t step, n;
	uint64_t size;
	struct rc_gen_who who[RC_GEN_MAX_INSTANCES];	/* the participants, n of them */
};

struct rc_gen_done {
	uint64_t next_seq;		/* data messages sent so far, this run */
};

/* One instance's numbers for one step; sent whole as a RESULT. */
struct rc_gen_result {
	uint32_t nodeid, pid, role, zcb;
	uint64_t size;
	uint64_t window_ns;		/* the measured window */
	uint64_t sent;			/* data sent in the window */
	uint64_t sent_total;		/* data sent in the step */
	uint64_t retries;		/* CS_ERR_TRY_AGAIN from a send or zcb alloc */
	uint64_t pool_waits;		/* no free zcb buffer: waited for one back */
	uint64_t rx_msgs, rx_bytes;	/* data delivered in the window */
	uint64_t rx_total;		/* data delivered in the step */
	uint64_t seq_errors, crc_errors, format_errors, lost, foreign;
	uint64_t lat_negative;		/* delivered "before" sent: clocks differ */
	uint64_t order_hash;		/* all data delivered so far, in order */
	struct rc_gen_hist lat;		/* send -> delivery, every delivery */
	struct rc_gen_hist rtt;		/* send -> delivery back to the sender */
};

struct rc_gen_abort {
	char why[200];
};

/* ---- the state of one instance ---- */

struct rc_gen_peer {
	uint32_t nodeid, pid, role, zcb;
	bool done, have_result, left;
	uint64_t done_seq;
};

struct rc_gen_sender {
	uint32_t nodeid, pid;
	uint64_t next_seq;		/* the seq expected next */
};

struct rc_gen_inflight {
	void *buf;
	uint64_t seq;
};

enum rc_gen_phase { RC_GEN_WAIT, RC_GEN_WARMUP, RC_GEN_MEASURE, RC_GEN_ENDING };

struct rc_gen {
	struct rc_gen_opts o;
	uint64_t opts_hash;
	cpg_handle_t h;
	int fd;
	struct cpg_name group;
	uint32_t nodeid, pid, max_atomic;
	bool joined;
	uint64_t stamp_offset;		/* --clock minus CLOCK_MONOTONIC */

	/* the group */
	size_t members;
	bool hello_sent, started_run, finished;
	struct rc_gen_peer peers[RC_GEN_MAX_INSTANCES];	/* in HELLO order */
	unsigned int n_peers;		/* HELLOs seen (the first N take part) */
	int me;				/* my index in peers[], -1: none yet */

	/* the step */
	unsigned int step;
	bool have_start;		/* START of this step delivered */
	enum rc_gen_phase phase;
	uint64_t t_start, t_measure, t_end;	/* CLOCK_MONOTONIC ns */
	size_t size;
	struct rc_gen_result cur;		/* this step, this instance */
	struct rc_gen_result *res;		/* [step * instances + peer], delivered */
	unsigned int steps_done;		/* steps whose results all came */
	unsigned int wait_step;

	/* sending */
	uint64_t next_seq;
	uint8_t *tmpl;			/* a data message's bytes, header aside */
	uint32_t crc_prefix;		/* CRC32C of the payload before the tail */
	uint64_t blocked_since;		/* first CS_ERR_TRY_AGAIN in a row, or 0 */
	void **zfree;			/* zcb buffers free for reuse */
	uint32_t n_zfree, n_zalloc;
	struct rc_gen_inflight *zfly;	/* zcb buffers sent, FIFO, until back */
	uint32_t zfly_head, zfly_tail;	/* zfly[] ring of zcb_pool entries */
	uint64_t ping_seq;		/* ping: UINT64_MAX when none is out */
	uint64_t own_back;		/* own data messages delivered back */

	/* receiving */
	struct rc_gen_sender senders[RC_GEN_MAX_SENDERS];
	unsigned int n_senders, last_sender;
	uint64_t order_hash;
	uint64_t deliveries;		/* messages of this run's instances delivered */

	/* progress, one line a second */
	bool progress;
	uint64_t next_tick, last_tick, next_house;
	uint64_t iv_msgs, iv_bytes;
	uint64_t iv_sent, iv_retries;	/* cur.sent_total, cur.retries at the last line */
	struct rc_gen_hist iv_lat;

	/* --history */
	int hist_fd;
	char *hist_buf;			/* NULL: no --history */
	size_t hist_len;

	/* soak */
	uint64_t rng;
	uint64_t soak_sent, soak_rx, soak_confchgs, soak_bad;
	bool self_left;			/* a confchg listed this process as left */

	/* failure: the first fatal error, and counted violations */
	char failure[256];
	bool failed, quiet;		/* quiet: no error details (self-test) */
};

#define rc_gen_failed(g)	((g)->failed || rc_gen_stop)

void rc_gen_fail(struct rc_gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rc_gen_note(struct rc_gen *g, uint64_t count, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
unsigned int rc_gen_n_steps(const struct rc_gen *g);
struct rc_gen_result *rc_gen_res(struct rc_gen *g, unsigned int step, unsigned int peer);

/* ---- --history (ringcast-gen-history.c) ---- */

#define rc_gen_history_on(g)	((g)->hist_buf != NULL)

void rc_gen_path_expand(const struct rc_gen *g, const char *path, char *buf, size_t len);
int rc_gen_history_open(struct rc_gen *g, const char *path);
int rc_gen_history_flush(struct rc_gen *g);
void rc_gen_history_line(struct rc_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rc_gen_history_send(struct rc_gen *g, uint64_t seq, size_t size, bool safe, uint32_t crc,
			 bool zcb);
void rc_gen_history_deliver(struct rc_gen *g, uint32_t nodeid, uint32_t pid, uint64_t seq,
			    size_t size, uint32_t crc, char guarantee);
void rc_gen_history_confchg(struct rc_gen *g, const struct cpg_address *memb, size_t n_memb,
			    const struct cpg_address *left, size_t n_left,
			    const struct cpg_address *joined, size_t n_joined);
void rc_gen_history_totem(struct rc_gen *g, uint32_t rep, uint64_t seq, const uint32_t *members,
			  size_t n);
void rc_gen_history_close(struct rc_gen *g, const char *why);

/* ---- the soak mode (ringcast-gen-soak.c) ---- */

#define RC_GEN_SOAK_MIN	8	/* a soak message starts with its 8-byte seq word */
#define RC_GEN_SOAK_SAFE	(1ull << 63)	/* in the seq word: sent CPG_TYPE_SAFE */

int rc_gen_soak(struct rc_gen *g);
void rc_gen_soak_deliver(struct rc_gen *g, uint32_t nodeid, uint32_t pid, const void *msg,
			 size_t len);
uint32_t rc_gen_soak_fill(uint8_t *buf, size_t size, uint32_t nodeid, uint32_t pid, uint64_t seq,
			  bool safe);

/* ---- messages (ringcast-gen-msg.c) ---- */

void rc_gen_deliver_cb(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
		    uint32_t pid, void *msg, size_t len);
void rc_gen_confchg_cb(cpg_handle_t h, const struct cpg_name *group,
		    const struct cpg_address *memb, size_t n_memb,
		    const struct cpg_address *left, size_t n_left,
		    const struct cpg_address *joined, size_t n_joined);
void rc_gen_totem_cb(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n_members,
		  const uint32_t *members);
void rc_gen_deliver(struct rc_gen *g, uint32_t nodeid, uint32_t pid, const void *msg, size_t len);
int rc_gen_tmpl_build(struct rc_gen *g, size_t size);
void rc_gen_data_fill(struct rc_gen *g, uint8_t *buf, uint64_t seq, uint64_t stamp);
int rc_gen_send_data(struct rc_gen *g, uint64_t stamp);
int rc_gen_send_ctl(struct rc_gen *g, enum rc_gen_type type, const void *payload, size_t len);
void rc_gen_zcb_release(struct rc_gen *g);
void rc_gen_step_reset(struct rc_gen *g);

/* ---- waiting and sending (ringcast-gen-modes.c) ---- */

int rc_gen_poll_dispatch(struct rc_gen *g, int64_t wait_ns, cs_error_t *err);
int rc_gen_pump(struct rc_gen *g, int64_t wait_ns);
uint64_t rc_gen_stamp_now(const struct rc_gen *g);
bool rc_gen_is_leader(const struct rc_gen *g);
int rc_gen_wait(struct rc_gen *g, bool (*cond)(const struct rc_gen *g), const char *what);
int rc_gen_run_step(struct rc_gen *g);
/* After the last step: dispatch a while longer; late data fails the run. */
#define RC_GEN_LINGER_MS	100u
void rc_gen_linger(struct rc_gen *g);

/* ---- output (ringcast-gen-report.c) ---- */

void rc_gen_progress_tick(struct rc_gen *g, uint64_t now);
void rc_gen_progress_clear(struct rc_gen *g);
void rc_gen_report_table(struct rc_gen *g, FILE *f);
int rc_gen_report_json(struct rc_gen *g, const char *path);
int rc_gen_report_csv(struct rc_gen *g, const char *path);
/* What a result counts as errors (the verdict sums them). */
uint64_t rc_gen_result_errors(const struct rc_gen_result *r);
bool rc_gen_verdict(struct rc_gen *g, FILE *f);

#endif /* RINGCAST_GEN_H */
