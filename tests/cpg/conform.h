/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_conform's internals, shared by cpg_conform.c (TAP output, callbacks,
 * waiting, main) and conform_checks.c (the checks). Each handle under test
 * has a struct hstate, reached from the callbacks through cpg_context_get().
 */
#ifndef CONFORM_H
#define CONFORM_H

#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct conform_opts {
	int corosync;		/* expect corosync 3.1's behaviour */
	int big;		/* run the big-message check */
	size_t big_size;
	int timeout_ms;		/* bound of every wait */
	unsigned int watchdog_s;	/* bound of the whole run */
	int verbose;
};

extern struct conform_opts opt;
extern const char *volatile conform_step;	/* for the watchdog's message */
extern unsigned int cb_context_errors;

/* Test payload: this header, then pattern_byte(tag, i) at every offset i. */
#define TMSG_MAGIC	0x46434352u	/* "RCCF" */
struct tmsg {
	uint32_t magic;
	uint32_t tag;
	uint32_t len;		/* whole message, header included */
	uint32_t pad;
};

#define MAX_EV		256
#define MAX_ADDR	32

struct conf_ev {
	struct cpg_name group;
	size_t n_memb, n_left, n_joined;
	struct cpg_address memb[MAX_ADDR], left[MAX_ADDR], joined[MAX_ADDR];
};

struct msg_ev {
	struct cpg_name group;
	uint32_t nodeid, pid;
	size_t len;
	uint32_t tag;		/* from the payload header; 0 if none */
	int bytes_ok;		/* header and every payload byte as sent */
};

struct hstate {
	const char *label;
	cpg_handle_t h;
	int fd;
	unsigned int n_conf, n_msg, n_totem;	/* may exceed MAX_EV: recorded up to it */
	struct conf_ev conf[MAX_EV];
	struct msg_ev msg[MAX_EV];
	struct cpg_ring_id ring;		/* last totem confchg */
	uint32_t totem_n;
	uint32_t totem_memb[MAX_ADDR];
	/* Deliver callback actions, keyed by the payload tag. */
	uint32_t callapi_on_tag, callapi_followup;
	int callapi_done, callapi_ok;
	char callapi_report[300];
	uint32_t finalize_on_tag;
	int finalized;
	cs_error_t finalize_ret;
	unsigned int lost_wakeups;
};

struct msgq {
	unsigned int from;	/* first event index to look at */
	uint32_t tag;		/* 0: any */
	uint32_t pid;		/* 0: any */
};

struct confq {
	unsigned int from;
	const struct cpg_name *group;
	uint32_t nodeid, pid;
	int left;		/* look in the left list, else the joined list */
};

typedef int (*cond_fn)(const struct hstate *st, const void *arg);

/* TAP */
int check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int expect(cs_error_t got, cs_error_t want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int expect_reason(uint32_t got, uint32_t want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Handles and payloads */
cs_error_t open_v1(struct hstate *st, const char *label, unsigned int flags);
cs_error_t open_plain(struct hstate *st, const char *label);
cs_error_t open_v1_model0(struct hstate *st, const char *label, unsigned int flags);
uint32_t pattern_byte(uint32_t tag, size_t i);
void fill_payload(void *buf, size_t len, uint32_t tag);
uint32_t new_tag(void);
void group_name(struct cpg_name *g, const char *what);

/* Waiting and sending */
int wait_for(struct hstate *st, cond_fn cond, const void *arg, int timeout_ms);
const struct msg_ev *find_msg(const struct hstate *st, const void *arg);
int wait_msg(struct hstate *st, unsigned int from, uint32_t tag, uint32_t pid, int ms);
const struct conf_ev *find_conf(const struct hstate *st, const struct confq *q);
const struct conf_ev *wait_conf(struct hstate *st, struct confq *q, int ms);
uint32_t conf_reason(const struct conf_ev *ev, const struct confq *q);
int conf_has_member(const struct conf_ev *ev, uint32_t nodeid, uint32_t pid);
cs_error_t mcast_retry(struct hstate *st, cpg_guarantee_t g, const struct iovec *iov,
		       unsigned int n);
cs_error_t send_tagged(struct hstate *st, cpg_guarantee_t g, uint32_t tag, size_t len);

/* Child processes */
pid_t spawn_self(char *const argv[], const char *sock_env);
int wait_child(pid_t pid, int ms);

/* The checks (conform_checks.c, conform_procs.c) */
void conform_no_daemon(void);
void conform_no_daemon_reexec(void);
void conform_params(void);
void conform_main(void);
void conform_args(void);
void conform_procs(void);
void conform_finalize_in_callback(void);
void conform_bad_handles(void);
int conform_child(const char *mode, const char *group);

#endif /* CONFORM_H */
