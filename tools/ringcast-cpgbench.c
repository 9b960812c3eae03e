/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-cpgbench: corosync's own benchmark pattern against any libcpg. One
 * thread calls cpg_mcast_joined(CPG_TYPE_AGREED) in a tight loop, retrying at
 * once on CS_ERR_TRY_AGAIN; a second thread sits in cpg_dispatch(BLOCKING).
 * Every instance (sender or not) verifies what it is delivered: per-sender
 * seq, length, CRC32C over everything after the header (the tail carries the
 * seq, so no two messages are alike), and the count the sender's END claims.
 *
 *   sender:  wait for --nodes members -> per size: send for --duration, END
 *            (count), wait for its own END -> FINISH -> wait for it -> report
 *   others:  dispatch until FINISH, report what was delivered per step
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ringcast-gen.h"

#define MAGIC		0x42504352u	/* "RCPB" */
#define MAX_STEPS	16
#define MAX_SENDERS	8

enum { T_DATA = 1, T_END, T_FINISH };

struct hdr {
	uint32_t magic;
	uint8_t type, step;
	uint16_t pad;
	uint32_t len;		/* the whole message */
	uint32_t crc;		/* CRC32C of the bytes after the header */
	uint64_t seq;		/* data: per sender, from 0; END: data sent in the step */
	uint32_t nodeid, pid;
};
_Static_assert(sizeof(struct hdr) == 32, "header is 32 bytes");
#define TAIL		8
#define MIN_SIZE	(sizeof(struct hdr) + TAIL)

/* What one instance saw of one step. */
struct step {
	size_t size;
	uint64_t t_first, t_end;	/* first data, END delivered (ns) */
	uint64_t msgs, bytes;
	uint64_t claimed;		/* the END's count */
	bool ended;
	/* sender only */
	uint64_t t_start, t_stop, sent, retries;
};

struct sender {
	uint32_t nodeid, pid;
	uint64_t next_seq;
};

static struct {
	cpg_handle_t h;
	uint32_t nodeid, pid;
	size_t sizes[MAX_STEPS];
	unsigned int n_sizes;
	double duration;
	uint32_t nodes;
	bool send;
	const char *group;
	double timeout;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t members;
	bool finished, gone;
	unsigned int own_ends;		/* own ENDs delivered back */
	struct step steps[MAX_STEPS];
	struct sender senders[MAX_SENDERS];
	unsigned int n_senders;
	uint64_t seq_err, crc_err, fmt_err, count_err, foreign;
	uint64_t delivered_total;
} B = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.duration = 10,
	.nodes = 3,
	.group = "cpgbench",
	.timeout = 120,
};

static struct sender *sender_of(uint32_t nodeid, uint32_t pid)
{
	for (unsigned int i = 0; i < B.n_senders; i++)
		if (B.senders[i].nodeid == nodeid && B.senders[i].pid == pid)
			return &B.senders[i];
	if (B.n_senders == MAX_SENDERS)
		return NULL;
	B.senders[B.n_senders] = (struct sender){ .nodeid = nodeid, .pid = pid };
	return &B.senders[B.n_senders++];
}

static void on_data(const struct hdr *m, const uint8_t *p, size_t len, uint32_t nodeid,
		    uint32_t pid)
{
	struct sender *s = sender_of(nodeid, pid);
	struct step *st;
	uint64_t tail;

	if (m->step >= B.n_sizes || s == NULL) {
		B.fmt_err++;
		return;
	}
	st = &B.steps[m->step];
	if (len != st->size || m->len != len) {
		B.fmt_err++;
		return;
	}
	if (rc_gen_crc32c(0, p + sizeof(*m), len - sizeof(*m)) != m->crc)
		B.crc_err++;
	memcpy(&tail, p + len - TAIL, TAIL);
	if (m->seq != s->next_seq || tail != rc_gen_mix64(m->seq ^ ((uint64_t)nodeid << 32 | pid)))
		B.seq_err++;
	s->next_seq = m->seq + 1;
	if (st->msgs == 0)
		st->t_first = rc_gen_now_ns();
	st->msgs++;
	st->bytes += len;
}

/*
 * The clock is read only where a time is kept (a step's first message, its
 * END), and the waiters are woken only for what they wait for: per message,
 * both cost more than the CPG call being measured (corosync's cpgbench does
 * neither). Every count under B.lock, which the main thread reads them by.
 */
static void deliver_fn(cpg_handle_t handle, const struct cpg_name *group, uint32_t nodeid,
		       uint32_t pid, void *msg, size_t len)
{
	const uint8_t *p = msg;
	struct hdr m;

	(void)handle;
	(void)group;
	pthread_mutex_lock(&B.lock);
	if (len < sizeof(m)) {
		B.fmt_err++;
		pthread_mutex_unlock(&B.lock);
		return;
	}
	memcpy(&m, p, sizeof(m));
	if (m.magic != MAGIC || m.nodeid != nodeid || m.pid != pid) {
		B.foreign++;
		pthread_mutex_unlock(&B.lock);
		return;
	}
	B.delivered_total++;
	if (m.type == T_DATA) {
		on_data(&m, p, len, nodeid, pid);
		pthread_mutex_unlock(&B.lock);
		return;
	} else if (m.type == T_END && m.step < B.n_sizes) {
		struct step *st = &B.steps[m.step];

		st->t_end = rc_gen_now_ns();
		st->claimed = m.seq;
		st->ended = true;
		if (st->claimed != st->msgs)
			B.count_err++;
		if (nodeid == B.nodeid && pid == B.pid)
			B.own_ends++;
	} else if (m.type == T_FINISH) {
		B.finished = true;
	} else {
		B.fmt_err++;
	}
	pthread_cond_broadcast(&B.cond);
	pthread_mutex_unlock(&B.lock);
}

static void confchg_fn(cpg_handle_t handle, const struct cpg_name *group,
		       const struct cpg_address *members, size_t n_members,
		       const struct cpg_address *left, size_t n_left,
		       const struct cpg_address *joined, size_t n_joined)
{
	(void)handle;
	(void)group;
	(void)members;
	(void)left;
	(void)n_left;
	(void)joined;
	(void)n_joined;
	pthread_mutex_lock(&B.lock);
	B.members = (uint32_t)n_members;
	pthread_cond_broadcast(&B.cond);
	pthread_mutex_unlock(&B.lock);
}

static void *dispatcher(void *arg)
{
	cs_error_t err;

	(void)arg;
	err = cpg_dispatch(B.h, CS_DISPATCH_BLOCKING);
	pthread_mutex_lock(&B.lock);
	if (!B.finished)
		fprintf(stderr, "cpgbench: cpg_dispatch returned %s\n", rc_gen_err(err));
	B.gone = true;
	pthread_cond_broadcast(&B.cond);
	pthread_mutex_unlock(&B.lock);
	return NULL;
}

/* Wait (lock held) until cond() or the timeout; false on timeout or gone. */
static bool wait_for(bool (*cond)(void), double secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)secs;
	while (!cond() && !B.gone)
		if (pthread_cond_timedwait(&B.cond, &B.lock, &ts) == ETIMEDOUT)
			return cond();
	return cond();
}

static bool have_members(void) { return B.members >= B.nodes; }
static bool is_finished(void) { return B.finished; }
static unsigned int want_ends;
static bool have_ends(void) { return B.own_ends >= want_ends; }

/* A control message, retried at once on CS_ERR_TRY_AGAIN like the data. */
static cs_error_t send_ctl(uint8_t type, uint8_t step, uint64_t arg)
{
	struct hdr m = { .magic = MAGIC, .type = type, .step = step, .len = sizeof(m),
			 .seq = arg, .nodeid = B.nodeid, .pid = B.pid };
	struct iovec iov = { &m, sizeof(m) };
	cs_error_t err;

	while ((err = cpg_mcast_joined(B.h, CPG_TYPE_AGREED, &iov, 1)) == CS_ERR_TRY_AGAIN)
		;
	return err;
}

static int run_step(unsigned int i, uint8_t *buf, uint64_t *seq)
{
	struct step *st = &B.steps[i];
	size_t len = st->size;
	struct hdr m = { .magic = MAGIC, .type = T_DATA, .step = (uint8_t)i,
			 .len = (uint32_t)len, .nodeid = B.nodeid, .pid = B.pid };
	struct iovec iov = { buf, len };
	uint64_t t_end, sent = 0, retries = 0, tail;
	uint32_t body;
	cs_error_t err;

	for (size_t k = sizeof(m); k < len - TAIL; k++)
		buf[k] = (uint8_t)rc_gen_mix64(k + i);
	body = rc_gen_crc32c(0, buf + sizeof(m), len - sizeof(m) - TAIL);
	st->t_start = rc_gen_now_ns();
	t_end = st->t_start + (uint64_t)(B.duration * 1e9);
	for (;;) {
		m.seq = *seq;
		tail = rc_gen_mix64(m.seq ^ ((uint64_t)B.nodeid << 32 | B.pid));
		memcpy(buf + len - TAIL, &tail, TAIL);
		m.crc = rc_gen_crc32c(body, &tail, TAIL);
		memcpy(buf, &m, sizeof(m));
		err = cpg_mcast_joined(B.h, CPG_TYPE_AGREED, &iov, 1);
		if (err == CS_OK) {
			sent++;
			(*seq)++;
		} else if (err == CS_ERR_TRY_AGAIN) {
			retries++;
		} else {
			fprintf(stderr, "cpgbench: cpg_mcast_joined: %s\n", rc_gen_err(err));
			return -1;
		}
		/* the clock every 16 calls of small messages (every call from
		   64 KiB, which may each wait long): the rate is taken over the
		   times read, so nothing is skewed */
		if ((len >= 65536 || (sent + retries) % 16 == 0) && rc_gen_now_ns() >= t_end)
			break;
	}
	st->t_stop = rc_gen_now_ns();
	st->sent = sent;
	st->retries = retries;
	return send_ctl(T_END, (uint8_t)i, sent) == CS_OK ? 0 : -1;
}

static int usage(FILE *f, int ret)
{
	fprintf(f,
		"usage: ringcast-cpgbench [--send] [--nodes N] [--duration S] [--sizes A,B,...]\n"
		"                         [--group NAME] [--timeout S]\n"
		"corosync's cpgbench pattern: a sender thread retrying at once on\n"
		"CS_ERR_TRY_AGAIN, a dispatcher thread in cpg_dispatch(BLOCKING). One\n"
		"instance per node; the one with --send sends once --nodes are in the\n"
		"group, each size for --duration seconds (default 10). Sizes default to\n"
		"64,320,1600,8000,40000,200000,1000000. Every instance verifies per-sender\n"
		"seq, CRC32C and the END counts; the last line is 'ok: ...' or 'FAIL: ...'.\n");
	return ret;
}

static int parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "send", no_argument, NULL, 's' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "group", required_argument, NULL, 'g' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sizes = "64,320,1600,8000,40000,200000,1000000";
	char *copy, *tok, *save;
	int c;

	while ((c = getopt_long(argc, argv, "sn:d:z:g:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 's': B.send = true; break;
		case 'n':
			if (rc_gen_parse_u32(optarg, 1, 64, &B.nodes) < 0)
				return usage(stderr, 2);
			break;
		case 'd':
			if (rc_gen_parse_seconds(optarg, &B.duration) < 0 || B.duration <= 0)
				return usage(stderr, 2);
			break;
		case 'z': sizes = optarg; break;
		case 'g': B.group = optarg; break;
		case 't':
			if (rc_gen_parse_seconds(optarg, &B.timeout) < 0)
				return usage(stderr, 2);
			break;
		case 'h': return usage(stdout, 1);
		default: return usage(stderr, 2);
		}
	}
	copy = strdup(sizes);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (B.n_sizes == MAX_STEPS || rc_gen_parse_size(tok, &B.sizes[B.n_sizes]) < 0 ||
		    B.sizes[B.n_sizes] < MIN_SIZE || B.sizes[B.n_sizes] > RC_GEN_MAX_SIZE) {
			fprintf(stderr, "cpgbench: bad size '%s' (%zu..%u bytes)\n", tok,
				(size_t)MIN_SIZE, RC_GEN_MAX_SIZE);
			free(copy);
			return 2;
		}
		B.steps[B.n_sizes].size = B.sizes[B.n_sizes];
		B.n_sizes++;
	}
	free(copy);
	return B.n_sizes ? 0 : usage(stderr, 2);
}

/* Every message checked, every step ended, no stray or foreign message:
   what "ok" and the exit status say. */
static bool complete(void)
{
	for (unsigned int i = 0; i < B.n_sizes; i++)
		if (!B.steps[i].ended)
			return false;
	return B.finished;
}

static uint64_t errors(void)
{
	return B.seq_err + B.crc_err + B.fmt_err + B.count_err + B.foreign;
}

static void report(void)
{

	printf("%-8s %10s %12s %10s %12s %10s %12s\n", "size", "sent", "send msg/s", "retries",
	       "deliv msg/s", "MB/s", "delivered");
	for (unsigned int i = 0; i < B.n_sizes; i++) {
		struct step *st = &B.steps[i];
		double secs = st->ended && st->msgs ? (double)(st->t_end - (B.send ? st->t_start :
							st->t_first)) / 1e9 : 0;
		double rate = secs > 0 ? (double)st->msgs / secs : 0;

		printf("%-8zu %10" PRIu64 " %12.0f %10" PRIu64 " %12.0f %10.2f %12" PRIu64 "\n",
		       st->size, st->sent,
		       st->t_stop > st->t_start ? (double)st->sent * 1e9 /
		       (double)(st->t_stop - st->t_start) : 0, st->retries, rate,
		       rate * (double)st->size / 1e6, st->msgs);
		printf("result size=%zu delivered=%" PRIu64 " claimed=%" PRIu64 " secs=%.6f "
		       "msg_per_s=%.1f mb_per_s=%.3f sent=%" PRIu64 " retries=%" PRIu64 "\n",
		       st->size, st->msgs, st->claimed, secs, rate, rate * (double)st->size / 1e6,
		       st->sent, st->retries);
	}
	if (errors() == 0 && complete())
		printf("ok: %u steps, every message verified (seq, CRC32C, END counts)\n",
		       B.n_sizes);
	else
		printf("FAIL: %s seq %" PRIu64 " crc %" PRIu64 " format %" PRIu64 " count %"
		       PRIu64 " foreign %" PRIu64 "\n", !complete() ? "incomplete;" : "", B.seq_err,
		       B.crc_err, B.fmt_err, B.count_err, B.foreign);
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver_fn, .cpg_confchg_fn = confchg_fn };
	struct cpg_name name;
	pthread_t th;
	uint8_t *buf = NULL;
	uint64_t seq = 0;
	unsigned int nodeid;
	cs_error_t err;
	int ret;

	ret = parse(argc, argv);
	if (ret)
		return ret == 1 ? 0 : ret;
	setvbuf(stdout, NULL, _IOLBF, 0);
	err = cpg_initialize(&B.h, &cb);
	if (err != CS_OK) {
		fprintf(stderr, "cpgbench: cpg_initialize: %s\n", rc_gen_err(err));
		return 1;
	}
	if (cpg_local_get(B.h, &nodeid) != CS_OK)
		return 1;
	B.nodeid = nodeid;
	B.pid = (uint32_t)getpid();
	name.length = (uint32_t)strlen(B.group);
	memcpy(name.value, B.group, name.length);
	while ((err = cpg_join(B.h, &name)) == CS_ERR_TRY_AGAIN)
		usleep(1000);
	if (err != CS_OK) {
		fprintf(stderr, "cpgbench: cpg_join: %s\n", rc_gen_err(err));
		return 1;
	}
	if (pthread_create(&th, NULL, dispatcher, NULL) != 0)
		return 1;

	ret = 1;
	if (B.send) {
		size_t max = 0;

		for (unsigned int i = 0; i < B.n_sizes; i++)
			max = B.sizes[i] > max ? B.sizes[i] : max;
		buf = calloc(1, max);
		pthread_mutex_lock(&B.lock);
		if (!buf || !wait_for(have_members, B.timeout)) {
			fprintf(stderr, "cpgbench: %u of %u members\n", B.members, B.nodes);
			goto out_locked;
		}
		pthread_mutex_unlock(&B.lock);
		for (unsigned int i = 0; i < B.n_sizes; i++) {
			if (run_step(i, buf, &seq) < 0)
				goto out;
			pthread_mutex_lock(&B.lock);
			want_ends = i + 1;
			if (!wait_for(have_ends, B.timeout)) {
				fprintf(stderr, "cpgbench: my END of step %u not delivered\n", i);
				goto out_locked;
			}
			pthread_mutex_unlock(&B.lock);
		}
		if (send_ctl(T_FINISH, 0, 0) != CS_OK)
			goto out;
	}
	pthread_mutex_lock(&B.lock);
	wait_for(is_finished, B.send ? B.timeout : B.timeout + B.duration * B.n_sizes * 3);
	report();
	ret = errors() || !complete() ? 1 : 0;
out_locked:
	pthread_mutex_unlock(&B.lock);
out:
	fflush(stdout);
	fflush(stderr);
	_exit(ret);	/* the dispatcher thread stays blocked in cpg_dispatch */
}
