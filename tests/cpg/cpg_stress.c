/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_stress: the multi-node CPG load test. Joins a group, waits until it
 * has --expect-members members, then sends --count messages of seeded random
 * sizes while it receives. Every message carries a header
 *
 *   magic "RCST" | sender nodeid | sender pid | seq | len | CRC32C(payload)
 *
 * and the receiver checks: CRC, header against the delivered nodeid/pid/len,
 * per-sender seq going up by exactly 1 (no loss, no duplicate, FIFO). Each
 * delivery's (nodeid, pid, seq) is folded in delivery order into a 64-bit
 * FNV-1a hash: equal hashes on all receivers mean the same agreed order.
 * Done when --expect-count messages have come from each of --expect-senders
 * senders (then it dispatches 100 ms longer: a late duplicate still
 * counts); prints one RESULT line (or --json) and exits 1 on any error or
 * timeout. Never spins: CS_ERR_TRY_AGAIN is counted, then the fd is polled
 * for 1 ms and dispatched before the retry. Pure API user.
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpgt.h"

/* ringcast's <ringcast/cpg_ext.h>, weak: NULL on corosync's libcpg. */
#define STRESS_DELIVERY_SAFE	0x1u
cs_error_t ringcast_cpg_delivery_flags(cpg_handle_t handle, uint32_t *flags)
	__attribute__((weak));

#define STRESS_MAGIC	0x54534352u	/* "RCST" */
#define MAX_SENDERS	1024
#define SEND_BURST	32
#define MAX_REPORTS	10		/* detailed error lines per kind */

struct stress_hdr {
	uint32_t magic;
	uint32_t nodeid;
	uint32_t pid;
	uint32_t seq;		/* 0, 1, 2, ... per sender */
	uint32_t len;		/* whole message, header included */
	uint32_t crc;		/* CRC32C of the bytes after the header */
};
_Static_assert(sizeof(struct stress_hdr) == 24, "stress header is 24 bytes");

enum send_mode { MODE_COPY, MODE_ZCB, MODE_MIXED };

struct opts {
	const char *group;
	uint32_t count;			/* messages to send */
	uint32_t expect_count;		/* messages to receive from each sender */
	uint32_t expect_senders;
	uint32_t expect_members;
	size_t min_size, max_size;
	enum send_mode mode;
	int zcb_alloc_each;
	int zcb_scribble;	/* rewrite the zcb buffer as soon as the send returns */
	cpg_guarantee_t guarantee;
	bool guarantee_mixed;	/* runs of 7 AGREED, then 7 SAFE, ... */
	uint64_t seed;
	int timeout_s;
	int json, verbose;
};

struct sender {
	uint32_t nodeid, pid;
	uint32_t next_seq;
	uint64_t received;
};

struct stress {
	struct opts o;
	cpg_handle_t h;
	struct cpg_name group;
	unsigned int nodeid;
	uint32_t pid;
	int fd;
	/* receiving */
	struct sender senders[MAX_SENDERS];
	unsigned int n_senders, n_complete;
	uint64_t received, bytes, hash;
	uint64_t crc_errors, seq_errors, format_errors;
	size_t members;			/* in the group's last confchg */
	unsigned int members_left;	/* processes that left during the run */
	/* sending */
	int started;
	uint32_t sent;
	uint64_t retries;
	uint8_t *buf;			/* the copy path's message */
	void *zcb;			/* the reused zero-copy buffer */
	size_t buf_len, zcb_len;
	uint32_t buf_seq, zcb_seq;	/* message in each; UINT32_MAX: none */
	double t_start, t_end;
	const char *failure;		/* first fatal error */
	char failure_buf[200];
};

static struct stress S;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (S.failure)
		return;
	va_start(ap, fmt);
	vsnprintf(S.failure_buf, sizeof(S.failure_buf), fmt, ap);
	va_end(ap);
	S.failure = S.failure_buf;
}

static void report(uint64_t count, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Details of the first few errors of a kind go to stderr. */
static void report(uint64_t count, const char *fmt, ...)
{
	va_list ap;

	if (count > MAX_REPORTS)
		return;
	fprintf(stderr, "cpg_stress[%u]: ", S.pid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- messages ------------------------------------------------------------ */

static size_t msg_size(uint32_t seq)
{
	uint64_t r = cpgt_mix64(S.o.seed ^ cpgt_mix64(S.nodeid) ^ ((uint64_t)seq << 20));
	size_t span = S.o.max_size - S.o.min_size + 1;
	size_t len = S.o.min_size + (size_t)(r % span);

	return len < sizeof(struct stress_hdr) ? sizeof(struct stress_hdr) : len;
}

/* Fills buf with message seq; returns its length. */
static size_t build(uint8_t *buf, uint32_t seq)
{
	size_t len = msg_size(seq), i;
	uint64_t x = cpgt_mix64(S.o.seed ^ ((uint64_t)S.pid << 32) ^ seq);
	struct stress_hdr hdr;

	for (i = sizeof(hdr); i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	for (; i < len; i++)
		buf[i] = (uint8_t)(x >> (8 * (i & 7)));
	hdr.magic = STRESS_MAGIC;
	hdr.nodeid = S.nodeid;
	hdr.pid = S.pid;
	hdr.seq = seq;
	hdr.len = (uint32_t)len;
	hdr.crc = cpgt_crc32c(0, buf + sizeof(hdr), len - sizeof(hdr));
	memcpy(buf, &hdr, sizeof(hdr));
	return len;
}

static struct sender *sender_of(uint32_t nodeid, uint32_t pid)
{
	static unsigned int last;
	unsigned int i;

	if (last < S.n_senders && S.senders[last].nodeid == nodeid && S.senders[last].pid == pid)
		return &S.senders[last];
	for (i = 0; i < S.n_senders; i++)
		if (S.senders[i].nodeid == nodeid && S.senders[i].pid == pid)
			return &S.senders[last = i];
	if (S.n_senders == MAX_SENDERS)
		return NULL;
	S.senders[S.n_senders].nodeid = nodeid;
	S.senders[S.n_senders].pid = pid;
	return &S.senders[last = S.n_senders++];
}

static cpg_guarantee_t guarantee_of(uint32_t seq);

static void deliver_cb(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
		       uint32_t pid, void *msg, size_t len)
{
	struct stress_hdr hdr;
	struct sender *s;
	uint8_t key[12];

	if (!cpgt_name_eq(group, &S.group)) {
		report(++S.format_errors, "message for another group");
		return;
	}
	if (len < sizeof(hdr)) {
		report(++S.format_errors, "%zu-byte message from %u/%u", len, nodeid, pid);
		return;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	if (hdr.magic != STRESS_MAGIC || hdr.len != len || hdr.nodeid != nodeid ||
	    hdr.pid != pid) {
		report(++S.format_errors,
		       "bad header from %u/%u (%zu bytes): magic %08x nodeid %u pid %u len %u",
		       nodeid, pid, len, hdr.magic, hdr.nodeid, hdr.pid, hdr.len);
		return;
	}
	if (cpgt_crc32c(0, (uint8_t *)msg + sizeof(hdr), len - sizeof(hdr)) != hdr.crc)
		report(++S.crc_errors, "CRC error: %u/%u seq %u, %zu bytes", nodeid, pid,
		       hdr.seq, len);
	s = sender_of(nodeid, pid);
	if (s == NULL) {
		report(++S.format_errors, "more than %d senders", MAX_SENDERS);
		return;
	}
	if (hdr.seq != s->next_seq)
		report(++S.seq_errors, "seq error: %u/%u sent seq %u, expected %u (%s)", nodeid,
		       pid, hdr.seq, s->next_seq,
		       hdr.seq > s->next_seq ? "loss or reorder" : "duplicate or reorder");
	s->next_seq = hdr.seq + 1;
	if (S.o.guarantee_mixed && ringcast_cpg_delivery_flags) {
		uint32_t fl = 0;

		/* every instance runs with the same options: the sender's choice */
		if (ringcast_cpg_delivery_flags(h, &fl) == CS_OK &&
		    !!(fl & STRESS_DELIVERY_SAFE) != (guarantee_of(hdr.seq) == CPG_TYPE_SAFE))
			report(++S.format_errors, "%u/%u seq %u delivered as %s, sent %s", nodeid,
			       pid, hdr.seq, fl & STRESS_DELIVERY_SAFE ? "SAFE" : "AGREED",
			       guarantee_of(hdr.seq) == CPG_TYPE_SAFE ? "SAFE" : "AGREED");
	}
	if (++s->received == S.o.expect_count)
		S.n_complete++;
	S.received++;
	S.bytes += len;
	memcpy(key, &nodeid, 4);
	memcpy(key + 4, &pid, 4);
	memcpy(key + 8, &hdr.seq, 4);
	S.hash = cpgt_fnv1a(S.hash, key, sizeof(key));
}

static void confchg_cb(cpg_handle_t h, const struct cpg_name *group,
		       const struct cpg_address *memb, size_t n_memb,
		       const struct cpg_address *left, size_t n_left,
		       const struct cpg_address *joined, size_t n_joined)
{
	size_t i;

	if (!cpgt_name_eq(group, &S.group))
		return;
	S.members = n_memb;
	for (i = 0; i < n_left; i++) {
		if (S.started) {
			S.members_left++;
			if (S.o.verbose)
				fprintf(stderr, "cpg_stress[%u]: %u/%u left (reason %u)\n", S.pid,
					left[i].nodeid, left[i].pid, left[i].reason);
		}
	}
	if (S.o.verbose)
		fprintf(stderr, "cpg_stress[%u]: confchg: %zu members (+%zu -%zu)\n", S.pid,
			n_memb, n_joined, n_left);
}

/* ---- sending ------------------------------------------------------------- */

static cpg_guarantee_t guarantee_of(uint32_t seq)
{
	if (!S.o.guarantee_mixed)
		return S.o.guarantee;
	return (seq / 7) & 1 ? CPG_TYPE_SAFE : CPG_TYPE_AGREED;
}

static int use_zcb(uint32_t seq)
{
	return S.o.mode == MODE_ZCB || (S.o.mode == MODE_MIXED && (seq & 1));
}

/* One attempt at message S.sent (a retry reuses the message built). */
static cs_error_t send_one(void)
{
	uint32_t seq = S.sent;
	struct iovec iov;
	cs_error_t err;
	void *zbuf;
	size_t len;

	if (!use_zcb(seq)) {
		if (S.buf_seq != seq) {
			S.buf_len = build(S.buf, seq);
			S.buf_seq = seq;
		}
		iov.iov_base = S.buf;
		iov.iov_len = S.buf_len;
		return cpg_mcast_joined(S.h, guarantee_of(seq), &iov, 1);
	}
	if (!S.o.zcb_alloc_each) {
		if (S.zcb_seq != seq) {
			S.zcb_len = build(S.zcb, seq);
			S.zcb_seq = seq;
		}
		err = cpg_zcb_mcast_joined(S.h, guarantee_of(seq), S.zcb, S.zcb_len);
		if (S.o.zcb_scribble) {
			/* corosync's contract: the buffer is ours again at once */
			memset(S.zcb, 0xa5, S.zcb_len);
			S.zcb_seq = UINT32_MAX;
		}
		return err;
	}
	err = cpg_zcb_alloc(S.h, msg_size(seq), &zbuf);
	if (err != CS_OK)
		return err;
	len = build(zbuf, seq);
	err = cpg_zcb_mcast_joined(S.h, guarantee_of(seq), zbuf, len);
	if (cpg_zcb_free(S.h, zbuf) != CS_OK && err == CS_OK)
		fail("cpg_zcb_free failed");
	return err;
}

/* Up to SEND_BURST messages; 1 when the last one met CS_ERR_TRY_AGAIN. */
static int send_burst(void)
{
	cs_error_t err;
	int i;

	for (i = 0; i < SEND_BURST && S.sent < S.o.count; i++) {
		err = send_one();
		if (err == CS_OK) {
			S.sent++;
			continue;
		}
		if (err == CS_ERR_TRY_AGAIN || (err == CS_ERR_NO_MEMORY && S.o.zcb_alloc_each)) {
			S.retries++;
			return 1;
		}
		fail("%s of message %u: %s",
		     use_zcb(S.sent) ? "cpg_zcb_mcast_joined" : "cpg_mcast_joined", S.sent,
		     cpgt_err(err));
		return 0;
	}
	return 0;
}

/* ---- main loop ----------------------------------------------------------- */

static int done(void)
{
	return S.n_complete >= S.o.expect_senders && S.sent >= S.o.count;
}

/*
 * Everything came: dispatch STRESS_LINGER_MS longer, so that a duplicate
 * delivered late is still counted (a seq error) rather than missed by an
 * instance that had already left.
 */
#define STRESS_LINGER_MS	100
static void linger(void)
{
	double end = cpgt_now_s() + STRESS_LINGER_MS / 1e3, now;
	struct pollfd pfd = { .fd = S.fd, .events = POLLIN };
	cs_error_t err;
	int r;

	while (!S.failure && done() && (now = cpgt_now_s()) < end) {
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)((end - now) * 1e3) + 1);
		if (r < 0 && errno != EINTR) {
			fail("poll: %s", strerror(errno));
			break;
		}
		if (r > 0 && (err = cpg_dispatch(S.h, CS_DISPATCH_ALL)) != CS_OK)
			fail("cpg_dispatch: %s", cpgt_err(err));
	}
}

static void run(void)
{
	double deadline = cpgt_now_s() + S.o.timeout_s, next_progress = 0, now;
	struct pollfd pfd = { .fd = S.fd, .events = POLLIN };
	cs_error_t err;
	int blocked = 0, ms, r;

	while (!S.failure && !done()) {
		now = cpgt_now_s();
		if (now > deadline) {
			fail("timeout after %d s: %s", S.o.timeout_s,
			     S.started ? "not everything was delivered"
				       : "the group never had enough members");
			break;
		}
		if (!S.started && S.members >= S.o.expect_members) {
			S.started = 1;
			S.t_start = now;
		}
		blocked = 0;
		if (S.started && S.sent < S.o.count)
			blocked = send_burst();
		if (S.o.verbose && now >= next_progress) {
			fprintf(stderr, "cpg_stress[%u]: members %zu sent %u received %" PRIu64
				" senders %u/%u retries %" PRIu64 "\n", S.pid, S.members, S.sent,
				S.received, S.n_complete, S.o.expect_senders, S.retries);
			next_progress = now + 1;
		}
		if (S.started && S.sent < S.o.count)
			ms = blocked ? 1 : 0;
		else
			ms = 100;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno != EINTR) {
			fail("poll: %s", strerror(errno));
			break;
		}
		if (r > 0) {
			err = cpg_dispatch(S.h, CS_DISPATCH_ALL);
			if (err != CS_OK)
				fail("cpg_dispatch: %s", cpgt_err(err));
		}
	}
	S.t_end = cpgt_now_s();
	if (!S.started)
		S.t_start = S.t_end;
	linger();
}

static void print_result(void)
{
	double elapsed = S.t_end - S.t_start;
	double rate = elapsed > 0 ? (double)S.received / elapsed : 0;
	int ok = S.failure == NULL && S.crc_errors == 0 && S.seq_errors == 0 &&
		 S.format_errors == 0;

	if (S.o.json) {
		printf("{\"nodeid\":%u,\"pid\":%u,\"received\":%" PRIu64 ",\"hash\":\"0x%016" PRIx64
		       "\",\"crc_errors\":%" PRIu64 ",\"seq_errors\":%" PRIu64
		       ",\"format_errors\":%" PRIu64 ",\"retries\":%" PRIu64
		       ",\"elapsed_s\":%.3f,\"rate_msg_s\":%.0f,\"sent\":%u,\"senders\":%u"
		       ",\"bytes\":%" PRIu64 ",\"ok\":%s",
		       S.nodeid, S.pid, S.received, S.hash, S.crc_errors, S.seq_errors,
		       S.format_errors, S.retries, elapsed, rate, S.sent, S.n_senders, S.bytes,
		       ok ? "true" : "false");
		if (S.failure)
			printf(",\"failure\":\"%s\"", S.failure);
		printf("}\n");
	} else {
		printf("RESULT nodeid=%u pid=%u received=%" PRIu64 " hash=0x%016" PRIx64
		       " crc_errors=%" PRIu64 " seq_errors=%" PRIu64 " retries=%" PRIu64
		       " elapsed=%.3fs rate=%.0fmsg/s sent=%u senders=%u format_errors=%" PRIu64
		       " bytes=%" PRIu64 " status=%s\n",
		       S.nodeid, S.pid, S.received, S.hash, S.crc_errors, S.seq_errors,
		       S.retries, elapsed, rate, S.sent, S.n_senders, S.format_errors, S.bytes,
		       ok ? "ok" : "FAIL");
	}
	fflush(stdout);
	if (S.failure)
		fprintf(stderr, "cpg_stress[%u]: FAIL: %s\n", S.pid, S.failure);
}

static void reset_rx(void)
{
	memset(S.senders, 0, sizeof(S.senders));
	S.n_senders = S.n_complete = 0;
	S.received = S.bytes = 0;
	S.crc_errors = S.seq_errors = S.format_errors = 0;
	S.hash = CPGT_FNV_OFFSET;
}

/*
 * --self-test: the receive checks against hand-made deliveries, no daemon.
 * Proves each error counter can count and the hash depends on order.
 */
static int self_test(void)
{
	static const char digits[] = "123456789";
	uint8_t buf[1100], bad[1100];
	uint64_t h_ab, h_ba;
	size_t len, i;
	int failed = 0;

#define ST(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "self-test: %s\n", #cond);	\
			failed++;					\
		}							\
	} while (0)
	ST(cpgt_crc32c(0, digits, 9) == 0xE3069283u);
	S.o.seed = 1;
	S.o.min_size = 1;
	S.o.max_size = 1000;
	S.o.expect_count = 5;
	S.o.expect_senders = 1;
	S.nodeid = 7;
	S.pid = 1234;
	reset_rx();
	cpgt_name(&S.group, "self-test");
	for (i = 0; i < 1000; i++) {
		len = msg_size((uint32_t)i);
		ST(len >= sizeof(struct stress_hdr) && len <= 1000);
	}
	for (i = 0; i < 2; i++) {			/* seq 0, 1: good */
		len = build(buf, (uint32_t)i);
		deliver_cb(0, &S.group, 7, 1234, buf, len);
	}
	len = build(buf, 2);				/* seq 2, a byte flipped */
	memcpy(bad, buf, len);
	bad[len - 1] ^= 0x40;
	deliver_cb(0, &S.group, 7, 1234, bad, len);
	deliver_cb(0, &S.group, 7, 1234, buf, len);	/* seq 2 again */
	bad[len - 1] ^= 0x40;				/* bad magic */
	bad[0] ^= 1;
	deliver_cb(0, &S.group, 7, 1234, bad, len);
	len = build(buf, 4);				/* seq 3 lost */
	deliver_cb(0, &S.group, 7, 1234, buf, len);
	deliver_cb(0, &S.group, 7, 999, buf, len);	/* not its sender */
	deliver_cb(0, &S.group, 7, 1234, buf, 10);	/* shorter than the header */
	ST(S.crc_errors == 1);
	ST(S.seq_errors == 2);
	ST(S.format_errors == 3);
	ST(S.received == 5);
	ST(S.n_complete == 1);

	reset_rx();
	S.nodeid = 1;
	len = build(buf, 0);
	deliver_cb(0, &S.group, 1, 1234, buf, len);
	S.nodeid = 2;
	len = build(buf, 0);
	deliver_cb(0, &S.group, 2, 1234, buf, len);
	h_ab = S.hash;
	reset_rx();
	deliver_cb(0, &S.group, 2, 1234, buf, len);
	S.nodeid = 1;
	len = build(buf, 0);
	deliver_cb(0, &S.group, 1, 1234, buf, len);
	h_ba = S.hash;
	ST(h_ab != h_ba);
	ST(S.seq_errors == 0 && S.crc_errors == 0 && S.format_errors == 0);
#undef ST
	printf("cpg_stress self-test: %s\n", failed ? "FAIL" : "ok");
	return failed ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cpg_stress [--group G] [--count N] [--min-size B] [--max-size B]\n"
		"                  [--mode copy|zcb|mixed] [--zcb-alloc-each] [--zcb-scribble]\n"
		"                  [--expect-senders K] [--expect-members M] [--expect-count N]\n"
		"                  [--guarantee agreed|safe|mixed] [--seed S] [--timeout SEC]\n"
		"                  [--json] [-v]\n"
		"       cpg_stress --self-test   (the receive checks, without a daemon)\n"
		"Joins G, waits for M members (default K), sends N messages of sizes in\n"
		"[min, max] (raised to the 24-byte header), and receives until N (or\n"
		"--expect-count) messages came from each of K senders. --count 0 listens\n"
		"only (then --expect-count is required). zcb reuses one cpg_zcb_alloc\n"
		"buffer; --zcb-alloc-each allocates and frees one per message;\n"
		"--zcb-scribble overwrites the reused buffer as soon as each\n"
		"cpg_zcb_mcast_joined returns (corosync's contract allows it). Prints\n"
		"RESULT nodeid= pid= received= hash= crc_errors= seq_errors= retries=\n"
		"elapsed= rate= ...; exit 0 only without any error. --guarantee mixed\n"
		"sends runs of 7 AGREED and 7 SAFE messages in turn.\n"
		"Defaults: --group rc-stress --count 1000 --min-size 1 --max-size 65536\n"
		"          --mode copy --expect-senders 1 --seed 1 --timeout 60\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'n' },
		{ "min-size", required_argument, NULL, 'm' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "mode", required_argument, NULL, 'o' },
		{ "zcb-alloc-each", no_argument, NULL, 'Z' },
		{ "zcb-scribble", no_argument, NULL, 'W' },
		{ "expect-senders", required_argument, NULL, 'k' },
		{ "expect-members", required_argument, NULL, 'e' },
		{ "expect-count", required_argument, NULL, 'c' },
		{ "guarantee", required_argument, NULL, 'G' },
		{ "seed", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "self-test", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_expect_count = 0, have_members = 0;

	*o = (struct opts){
		.group = "rc-stress", .count = 1000, .expect_senders = 1,
		.min_size = 1, .max_size = 65536, .mode = MODE_COPY,
		.guarantee = CPG_TYPE_AGREED, .seed = 1, .timeout_s = 60,
	};
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'g': o->group = optarg; break;
		case 'n': o->count = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'm': o->min_size = strtoul(optarg, NULL, 0); break;
		case 'M': o->max_size = strtoul(optarg, NULL, 0); break;
		case 'Z': o->zcb_alloc_each = 1; break;
		case 'W': o->zcb_scribble = 1; break;
		case 'k': o->expect_senders = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'e': o->expect_members = (uint32_t)strtoul(optarg, NULL, 0);
			  have_members = 1; break;
		case 'c': o->expect_count = (uint32_t)strtoul(optarg, NULL, 0);
			  have_expect_count = 1; break;
		case 's': o->seed = strtoull(optarg, NULL, 0); break;
		case 't': o->timeout_s = atoi(optarg); break;
		case 'j': o->json = 1; break;
		case 'v': o->verbose = 1; break;
		case 'o':
			if (strcmp(optarg, "copy") == 0)
				o->mode = MODE_COPY;
			else if (strcmp(optarg, "zcb") == 0)
				o->mode = MODE_ZCB;
			else if (strcmp(optarg, "mixed") == 0)
				o->mode = MODE_MIXED;
			else
				return -1;
			break;
		case 'G':
			if (strcmp(optarg, "agreed") == 0)
				o->guarantee = CPG_TYPE_AGREED;
			else if (strcmp(optarg, "safe") == 0)
				o->guarantee = CPG_TYPE_SAFE;
			else if (strcmp(optarg, "mixed") == 0)
				o->guarantee_mixed = true;
			else
				return -1;
			break;
		case 'T': exit(self_test());
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (!have_expect_count)
		o->expect_count = o->count;
	if (!have_members)
		o->expect_members = o->expect_senders;
	if (optind != argc || o->min_size > o->max_size || o->max_size > (256u << 20) ||
	    o->expect_senders == 0 || o->expect_count == 0 || o->timeout_s <= 0 ||
	    strlen(o->group) > CPG_MAX_NAME_LENGTH)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver_cb, .cpg_confchg_fn = confchg_cb };
	size_t max_len;
	cs_error_t err;

	if (parse(argc, argv, &S.o) < 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (S.o.guarantee_mixed && !ringcast_cpg_delivery_flags)
		fprintf(stderr, "cpg_stress: delivery guarantees not checked: this libcpg has "
			"no ringcast_cpg_delivery_flags\n");
	S.pid = (uint32_t)getpid();
	S.hash = CPGT_FNV_OFFSET;
	S.buf_seq = S.zcb_seq = UINT32_MAX;
	cpgt_name(&S.group, S.o.group);
	max_len = S.o.max_size < sizeof(struct stress_hdr) ? sizeof(struct stress_hdr)
							    : S.o.max_size;

	err = cpg_initialize(&S.h, &cb);
	if (err != CS_OK) {
		fprintf(stderr, "cpg_stress: cpg_initialize: %s\n", cpgt_err(err));
		return 1;
	}
	if ((err = cpg_local_get(S.h, &S.nodeid)) != CS_OK ||
	    (err = cpg_fd_get(S.h, &S.fd)) != CS_OK) {
		fprintf(stderr, "cpg_stress: cpg_local_get/cpg_fd_get: %s\n", cpgt_err(err));
		return 1;
	}
	S.buf = malloc(max_len);
	if (S.buf == NULL)
		return 1;
	if (S.o.count && S.o.mode != MODE_COPY && !S.o.zcb_alloc_each) {
		err = cpg_zcb_alloc(S.h, max_len, &S.zcb);
		if (err != CS_OK) {
			fprintf(stderr, "cpg_stress: cpg_zcb_alloc(%zu): %s\n", max_len,
				cpgt_err(err));
			return 1;
		}
	}
	err = cpg_join(S.h, &S.group);
	if (err != CS_OK) {
		fprintf(stderr, "cpg_stress: cpg_join(%s): %s\n", S.o.group, cpgt_err(err));
		return 1;
	}

	run();
	print_result();

	if (S.zcb)
		(void)cpg_zcb_free(S.h, S.zcb);
	(void)cpg_leave(S.h, &S.group);
	(void)cpg_finalize(S.h);
	free(S.buf);
	return (S.failure || S.crc_errors || S.seq_errors || S.format_errors) ? 1 : 0;
}
