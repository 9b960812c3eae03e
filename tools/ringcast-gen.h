/*
 * ringcast-gen: the CPG traffic generator. One process per node joins a
 * group; the instances meet there, start together, run, then exchange their
 * results through the group. Only the standard CPG API (<corosync/cpg.h>), so
 * the same sources build against ringcast's libcpg and Debian's libcpg-dev.
 *
 * Files: ringcast-gen.c (main, the run's steps and their exchange),
 * -opts.c (options, --help), -util.c (clocks, CRC32C, FNV-1a, parsing,
 * formatting), -hist.c (latency histogram), -msg.c (messages: build, verify,
 * the callbacks, zcb buffers), -modes.c (the send loops), -report.c
 * (progress line, table, JSON, CSV).
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

#ifndef RC_VERSION
#define RC_VERSION "unknown"
#endif

#define GEN_MAX_STEPS		32	/* sizes in a sweep */
#define GEN_MAX_INSTANCES	64
#define GEN_MAX_SENDERS		256	/* distinct (nodeid, pid) a receiver tracks */
#define GEN_MAX_SIZE		(64u << 20)
#define GEN_MAX_REPORTS		10	/* detailed lines per kind of error */

/* ---- options ---- */

enum gen_mode { GEN_FLOOD, GEN_RATE, GEN_PING, GEN_SWEEP };

#define GEN_ROLE_SEND	1u
#define GEN_ROLE_LISTEN	2u
#define GEN_ROLE_BOTH	(GEN_ROLE_SEND | GEN_ROLE_LISTEN)

struct gen_opts {
	enum gen_mode mode;
	const char *group;
	uint32_t instances;
	unsigned int role;		/* GEN_ROLE_* */
	size_t sizes[GEN_MAX_STEPS];	/* one per step; flood, rate, ping: one */
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
	int progress;			/* -1: when stdout is a terminal */
	bool spin, verbose;
};

/* 0 ok, 2 after printing why (exit status 2), 1 for --help/--version done. */
int gen_opts_parse(int argc, char **argv, struct gen_opts *o);
uint64_t gen_opts_hash(const struct gen_opts *o);
const char *gen_mode_name(enum gen_mode m);
const char *gen_role_name(unsigned int role);
const char *gen_guarantee_name(cpg_guarantee_t g);

/* ---- util ---- */

extern volatile sig_atomic_t gen_stop;	/* SIGINT, SIGTERM */

const char *gen_err(cs_error_t err);
uint64_t gen_now_ns(void);			/* CLOCK_MONOTONIC */
uint64_t gen_clock_ns(clockid_t clock);
uint32_t gen_crc32c(uint32_t crc, const void *buf, size_t len);
uint64_t gen_fnv1a(uint64_t h, const void *buf, size_t len);
uint64_t gen_mix64(uint64_t x);
#define GEN_FNV_OFFSET	0xcbf29ce484222325ull

int gen_parse_size(const char *s, size_t *out);		/* 64, 1k, 64KiB, 1m */
int gen_parse_seconds(const char *s, double *out);	/* 5, 0.5, 500ms, 2s */
int gen_parse_count(const char *s, double *out);	/* 1000, 10k, 1.5m */
int gen_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
char *gen_fmt_ns(char *buf, size_t len, uint64_t ns);	/* 850ns, 12.3us, 4.56ms */
char *gen_fmt_size(char *buf, size_t len, size_t bytes);	/* 64, 1k, 64k, 1m */
char *gen_fmt_rate(char *buf, size_t len, double per_s);	/* 1234, 45.6k, 1.23M */

/* ---- latency histogram (ns): 2^k ranges, each in 32 linear buckets ---- */

#define GEN_HIST_SUB_BITS	5
#define GEN_HIST_SUB		(1u << GEN_HIST_SUB_BITS)
#define GEN_HIST_MAX_EXP	40	/* up to 2^41 ns (~36 min); beyond, clamped */
#define GEN_HIST_BUCKETS	((GEN_HIST_MAX_EXP - GEN_HIST_SUB_BITS + 2) * GEN_HIST_SUB)

struct gen_hist {
	uint64_t count, sum, min, max;
	uint64_t b[GEN_HIST_BUCKETS];
};

struct gen_lat {
	uint64_t count, min, p50, p90, p99, p999, max, mean;
};

void gen_hist_init(struct gen_hist *h);
void gen_hist_add(struct gen_hist *h, uint64_t ns);
void gen_hist_merge(struct gen_hist *dst, const struct gen_hist *src);
uint64_t gen_hist_quantile(const struct gen_hist *h, double q);
void gen_hist_summary(const struct gen_hist *h, struct gen_lat *l);
int gen_hist_self_test(void);

/* ---- messages on the wire ---- */

#define GEN_MAGIC	0x31474352u	/* "RCG1" */

enum gen_type {
	GEN_T_DATA = 1,
	GEN_T_HELLO,
	GEN_T_START,
	GEN_T_DONE,
	GEN_T_RESULT,
	GEN_T_ABORT,
};

/*
 * Every message starts with this header (host byte order: the instances of
 * a run are one architecture). Data messages end with an 8-byte tail derived
 * from (nodeid, pid, seq); crc is CRC32C over everything after the header.
 */
struct gen_hdr {
	uint32_t magic;
	uint8_t type;			/* enum gen_type */
	uint8_t step;
	uint16_t flags;
	uint32_t len;			/* whole message, header included */
	uint32_t crc;
	uint64_t seq;			/* data: per sender, from 0, over the whole run */
	uint64_t send_ns;		/* data: (scheduled) send time, --clock */
	uint32_t nodeid, pid;		/* the sender, as it knows itself */
};
_Static_assert(sizeof(struct gen_hdr) == 40, "gen_hdr is 40 bytes");

#define GEN_TAIL	8
#define GEN_MIN_SIZE	(sizeof(struct gen_hdr) + GEN_TAIL)

struct gen_hello {
	uint64_t opts_hash;		/* options all instances must share */
	uint32_t role, zcb;
};

struct gen_who {
	uint32_t nodeid, pid;
};

struct gen_start {
	uint32_t step, n;
	uint64_t size;
	struct gen_who who[GEN_MAX_INSTANCES];	/* the participants, n of them */
};

struct gen_done {
	uint64_t next_seq;		/* data messages sent so far, this run */
};

/* One instance's numbers for one step; sent whole as a RESULT. */
struct gen_result {
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
	struct gen_hist lat;		/* send -> delivery, every delivery */
	struct gen_hist rtt;		/* send -> delivery back to the sender */
};

struct gen_abort {
	char why[200];
};

/* ---- the state of one instance ---- */

struct gen_peer {
	uint32_t nodeid, pid, role, zcb;
	bool done, have_result, left;
	uint64_t done_seq;
};

struct gen_sender {
	uint32_t nodeid, pid;
	uint64_t next_seq;		/* the seq expected next */
};

struct gen_inflight {
	void *buf;
	uint64_t seq;
};

enum gen_phase { GEN_WAIT, GEN_WARMUP, GEN_MEASURE, GEN_ENDING };

struct gen {
	struct gen_opts o;
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
	struct gen_peer peers[GEN_MAX_INSTANCES];	/* in HELLO order */
	unsigned int n_peers;		/* HELLOs seen (the first N take part) */
	int me;				/* my index in peers[], -1: none yet */

	/* the step */
	unsigned int step;
	bool have_start;		/* START of this step delivered */
	enum gen_phase phase;
	uint64_t t_start, t_measure, t_end;	/* CLOCK_MONOTONIC ns */
	size_t size;
	struct gen_result cur;		/* this step, this instance */
	struct gen_result *res;		/* [step * instances + peer], delivered */
	unsigned int steps_done;		/* steps whose results all came */
	unsigned int wait_step;

	/* sending */
	uint64_t next_seq;
	uint8_t *tmpl;			/* a data message's bytes, header aside */
	uint32_t crc_prefix;		/* CRC32C of the payload before the tail */
	uint64_t blocked_since;		/* first CS_ERR_TRY_AGAIN in a row, or 0 */
	void **zfree;			/* zcb buffers free for reuse */
	uint32_t n_zfree, n_zalloc;
	struct gen_inflight *zfly;	/* zcb buffers sent, FIFO, until back */
	uint32_t zfly_head, zfly_tail;	/* zfly[] ring of zcb_pool entries */
	uint64_t ping_seq;		/* ping: UINT64_MAX when none is out */
	uint64_t own_back;		/* own data messages delivered back */

	/* receiving */
	struct gen_sender senders[GEN_MAX_SENDERS];
	unsigned int n_senders;
	uint64_t order_hash;

	/* progress, one line a second */
	bool progress;
	uint64_t next_tick, last_tick, next_house;
	uint64_t iv_msgs, iv_bytes;
	uint64_t iv_sent, iv_retries;	/* cur.sent_total, cur.retries at the last line */
	struct gen_hist iv_lat;

	/* failure: the first fatal error, and counted violations */
	char failure[256];
	bool failed;
};

#define gen_failed(g)	((g)->failed || gen_stop)

void gen_fail(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gen_note(struct gen *g, uint64_t count, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
unsigned int gen_n_steps(const struct gen *g);
struct gen_result *gen_res(struct gen *g, unsigned int step, unsigned int peer);

/* ---- messages (ringcast-gen-msg.c) ---- */

void gen_deliver_cb(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
		    uint32_t pid, void *msg, size_t len);
void gen_confchg_cb(cpg_handle_t h, const struct cpg_name *group,
		    const struct cpg_address *memb, size_t n_memb,
		    const struct cpg_address *left, size_t n_left,
		    const struct cpg_address *joined, size_t n_joined);
void gen_deliver(struct gen *g, uint32_t nodeid, uint32_t pid, const void *msg, size_t len);
int gen_tmpl_build(struct gen *g, size_t size);
void gen_data_fill(struct gen *g, uint8_t *buf, uint64_t seq, uint64_t stamp);
int gen_send_data(struct gen *g, uint64_t stamp);
int gen_send_ctl(struct gen *g, enum gen_type type, const void *payload, size_t len);
void gen_zcb_release(struct gen *g);
void gen_step_reset(struct gen *g);

/* ---- waiting and sending (ringcast-gen-modes.c) ---- */

int gen_pump(struct gen *g, int64_t wait_ns);
uint64_t gen_stamp_now(const struct gen *g);
bool gen_is_leader(const struct gen *g);
int gen_wait(struct gen *g, bool (*cond)(const struct gen *g), const char *what);
int gen_run_step(struct gen *g);

/* ---- output (ringcast-gen-report.c) ---- */

void gen_progress_tick(struct gen *g, uint64_t now);
void gen_progress_clear(struct gen *g);
void gen_report_table(struct gen *g, FILE *f);
int gen_report_json(struct gen *g, const char *path);
int gen_report_csv(struct gen *g, const char *path);
bool gen_verdict(struct gen *g, FILE *f);

#endif /* RINGCAST_GEN_H */
