/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_fin_race: "CS_OK means delivered" while another thread finalizes.
 *
 *   cpg_fin_race send -g GROUP [-s MS] [-m N]
 *     joins GROUP, waits until another member is there, then one thread
 *     sends in a tight loop (retrying CS_ERR_TRY_AGAIN at once), one sits
 *     in cpg_dispatch(CS_DISPATCH_BLOCKING), and main calls cpg_finalize
 *     after a random 1..MS ms (default 8). The sender stops at N CS_OK
 *     sends (default 20000: less than a receiver's 65 536 records, so no
 *     receiver falls behind far enough to be let go). Prints "SENT pid=P
 *     ok=N": N sends returned CS_OK (seq 0..N-1); every one of them must
 *     reach the other members, though the handle was finalized under the
 *     sender.
 *   cpg_fin_race send -g GROUP -S [-b B] [-z BYTES] [-B MS] [-m N]
 *     the same without a dispatcher: nothing is read, so once its rx area
 *     is full the daemon lets the client go (a backlog) while the sender
 *     sends, paced to bursts of B sends (default 256) a millisecond apart
 *     so that the other members' dispatchers, on a loaded machine, never
 *     fall as far behind (its own rx area fills whatever the rate; larger
 *     bursts leave more queued in its tx ring when it is let go). -z: each
 *     message is BYTES long, sent with cpg_zcb_mcast_joined from one
 *     cpg_zcb_alloc buffer (in place with RINGCAST_ZCB_COPY_MAX=0 in the
 *     environment: the call returns once the daemon is done with it). -B:
 *     a dispatcher thread after all, whose first callback of its own
 *     messages blocks MS ms (an application stuck in a callback), so the
 *     area fills behind it; once the sender has stopped, main waits for it
 *     to deliver what was written before the let-go and return, and prints
 *     "OWN pid=P n=N bad=B disp=ERR": N of its own messages delivered (the
 *     seqs 0..N-1 in order, else B counts), and what cpg_dispatch
 *     returned (it must be CS_ERR_LIBRARY).
 *     Main waits (20 s at most) for the sender to stop, then
 *     finalizes. Every CS_OK send must still reach the other members; the
 *     sender must have stopped at the daemon letting it go
 *     (CS_ERR_LIBRARY).
 *   cpg_fin_race listen -g GROUP [-i S] [-t S]
 *     joins GROUP, prints READY, then counts every sender's messages by pid
 *     (each must carry the next seq) until, after a SIGUSR1 (the senders
 *     are done), S seconds pass without one (-i, default 2), or -t
 *     (default 60) in all. Prints "GOT pid=P n=N bad=B" per sender, then
 *     "DONE senders=N overflow=O why=told|total|error" (an error of
 *     cpg_dispatch is printed first: "ERR name").
 *
 * tests/cluster/fin-race.sh runs one listener and many senders.
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpgt.h"

#define MAGIC		0x46494e52u	/* "FINR" */
#define MAX_SENDERS	256

struct fmsg {
	uint32_t magic, seq;
};

static cpg_handle_t h;
static struct cpg_name group;
static uint32_t local_nodeid;
static int other_member;		/* atomic */
static uint32_t ok_sends;		/* atomic: the sender's CS_OK count */
static cs_error_t send_err;
static uint32_t max_sends = 20000;
static int sender_done;			/* atomic */
static uint32_t burst;			/* -S: sends between pauses */
static size_t zcb_size;			/* -z: zcb sends of this size */
static int block_ms;			/* -B */
static uint32_t own_n, own_bad;		/* the dispatcher's, own messages */
static cs_error_t disp_err;

/* listener: by pid */
static struct {
	uint32_t nodeid, pid, n, bad;
	size_t len;		/* its first message's: every one the same */
} got[MAX_SENDERS];
static int n_got, overflow;
static int64_t last_ms;			/* the main thread's, as got[] */
static volatile sig_atomic_t told;	/* SIGUSR1: the senders are done */

static void deliver(cpg_handle_t hd, const struct cpg_name *g, uint32_t nodeid, uint32_t pid,
		    void *msg, size_t len)
{
	struct fmsg m;
	int i;

	(void)hd;
	(void)g;
	if (nodeid == local_nodeid && pid == (uint32_t)getpid()) {
		/* a sender's own copy: in order, and the first blocks (-B) */
		if (len >= sizeof(m)) {
			memcpy(&m, msg, sizeof(m));
			own_bad += m.magic != MAGIC || m.seq != own_n;
		} else {
			own_bad++;
		}
		if (own_n++ == 0 && block_ms > 0)
			usleep((useconds_t)block_ms * 1000);
		return;
	}
	last_ms = cpgt_now_ms();
	for (i = 0; i < n_got; i++)
		if (got[i].nodeid == nodeid && got[i].pid == pid)
			break;
	if (i == n_got) {
		if (n_got == MAX_SENDERS) {
			overflow++;
			return;
		}
		got[n_got].nodeid = nodeid;
		got[n_got].len = len;
		got[n_got++].pid = pid;
	}
	if (len < sizeof(m) || len != got[i].len) {
		got[i].bad++;
		return;
	}
	memcpy(&m, msg, sizeof(m));
	if (m.magic != MAGIC || m.seq != got[i].n)
		got[i].bad++;
	/* -z: the rest is seq's low byte, written before the send; another
	   byte means the buffer was rewritten while the daemon still read it */
	for (size_t k = sizeof(m); k < len; k++)
		if (((const uint8_t *)msg)[k] != (uint8_t)(m.seq & 0xff)) {
			got[i].bad++;
			break;
		}
	got[i].n++;
}

static void confchg(cpg_handle_t hd, const struct cpg_name *g, const struct cpg_address *m,
		    size_t nm, const struct cpg_address *l, size_t nl,
		    const struct cpg_address *j, size_t nj)
{
	int other = 0;

	(void)hd;
	(void)g;
	(void)l;
	(void)nl;
	(void)j;
	(void)nj;
	for (size_t i = 0; i < nm; i++)
		other |= m[i].nodeid != local_nodeid;
	__atomic_store_n(&other_member, other, __ATOMIC_RELEASE);
}

static void on_usr1(int sig)
{
	(void)sig;
	told = 1;
}

static void *dispatcher(void *arg)
{
	(void)arg;
	/* ended by the finalize, or (-B) by the daemon letting it go */
	disp_err = cpg_dispatch(h, CS_DISPATCH_BLOCKING);
	return NULL;
}

static void *sender(void *arg)
{
	struct fmsg m = { .magic = MAGIC };
	struct iovec iov = { &m, sizeof(m) };
	void *zb = NULL;
	cs_error_t err;

	(void)arg;
	if (zcb_size && (err = cpg_zcb_alloc(h, zcb_size, &zb)) != CS_OK) {
		send_err = err;
		__atomic_store_n(&sender_done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	/* until the finalize makes a send fail (CS_ERR_BAD_HANDLE) */
	for (;;) {
		m.seq = __atomic_load_n(&ok_sends, __ATOMIC_RELAXED);
		if (m.seq == max_sends) {
			/* enough: wait for the finalize, which fails any call */
			struct timespec ms = { 0, 1000000 };
			unsigned int id;

			nanosleep(&ms, NULL);
			err = cpg_local_get(h, &id);
			if (err != CS_OK) {
				send_err = err;
				break;
			}
			continue;
		}
		if (zb) {
			memset(zb, (int)(m.seq & 0xff), zcb_size);
			memcpy(zb, &m, sizeof(m));
			err = cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, zb, zcb_size);
		} else {
			err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
		}
		if (err == CS_OK && burst && m.seq % burst == burst - 1) {
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, NULL);
		}
		if (err == CS_OK)
			__atomic_store_n(&ok_sends, m.seq + 1, __ATOMIC_RELEASE);
		else if (err != CS_ERR_TRY_AGAIN) {
			send_err = err;	/* the finalize: BAD_HANDLE */
			break;
		}
	}
	__atomic_store_n(&sender_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int start(void)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver, .cpg_confchg_fn = confchg };
	cs_error_t err;

	if ((err = cpg_initialize(&h, &cb)) != CS_OK ||
	    (err = cpg_local_get(h, &local_nodeid)) != CS_OK) {
		fprintf(stderr, "cpg_fin_race: initialize: %s\n", cpgt_err(err));
		return -1;
	}
	while ((err = cpg_join(h, &group)) == CS_ERR_TRY_AGAIN)
		usleep(1000);
	if (err != CS_OK) {
		fprintf(stderr, "cpg_fin_race: join: %s\n", cpgt_err(err));
		return -1;
	}
	return 0;
}

static int do_send(int max_ms, bool stall)
{
	pthread_t ts, td;
	int64_t t0 = cpgt_now_ms();
	struct timespec ts_wait;
	unsigned int seed = (unsigned int)getpid() ^ (unsigned int)t0;
	int ms;

	if (start() < 0)
		return 1;
	/* the listener (on another node) is a member before the first message */
	while (!__atomic_load_n(&other_member, __ATOMIC_ACQUIRE)) {
		if (cpgt_now_ms() - t0 > 10000) {
			fprintf(stderr, "cpg_fin_race: no other member in 10 s\n");
			return 1;
		}
		cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING);
		usleep(1000);
	}
	if (((!stall || block_ms > 0) && pthread_create(&td, NULL, dispatcher, NULL) != 0) ||
	    pthread_create(&ts, NULL, sender, NULL) != 0) {
		fprintf(stderr, "cpg_fin_race: pthread_create failed\n");
		return 1;
	}
	if (stall) {
		/* the daemon lets it go once its rx area is full */
		ms = 0;
		while (!__atomic_load_n(&sender_done, __ATOMIC_ACQUIRE) && ms < 20000) {
			usleep(10000);
			ms += 10;
		}
		if (block_ms > 0) {
			/* what was written before the let-go, then the error */
			pthread_join(td, NULL);
			printf("OWN pid=%d n=%u bad=%u disp=%s\n", (int)getpid(), own_n, own_bad,
			       cpgt_err(disp_err));
		}
	} else {
		ms = 1 + (int)(rand_r(&seed) % (unsigned int)max_ms);
		ts_wait.tv_sec = ms / 1000;
		ts_wait.tv_nsec = (long)(ms % 1000) * 1000000L;
		nanosleep(&ts_wait, NULL);
	}
	if (cpg_finalize(h) != CS_OK) {
		fprintf(stderr, "cpg_fin_race: finalize failed\n");
		return 1;
	}
	pthread_join(ts, NULL);
	if (!stall)
		pthread_join(td, NULL);
	printf("SENT pid=%d ok=%u after=%dms end=%s\n", (int)getpid(),
	       __atomic_load_n(&ok_sends, __ATOMIC_ACQUIRE), ms, cpgt_err(send_err));
	return 0;
}

static int do_listen(int idle_s, int total_s)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int64_t t0 = cpgt_now_ms(), told_ms = 0;
	const char *why = "total";
	struct pollfd p = { .events = POLLIN };
	cs_error_t err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (start() < 0 || cpg_fd_get(h, &p.fd) != CS_OK)
		return 1;
	printf("READY\n");
	fflush(stdout);
	while (cpgt_now_ms() - t0 <= (int64_t)total_s * 1000) {
		int64_t now = cpgt_now_ms();

		if (told && !told_ms)
			told_ms = now;
		/* quiet for idle_s since both the signal and the last message */
		if (told_ms && now - (last_ms > told_ms ? last_ms : told_ms) > (int64_t)idle_s * 1000) {
			why = "told";
			break;
		}
		err = cpg_dispatch(h, CS_DISPATCH_ALL);
		if (err != CS_OK) {
			printf("ERR %s\n", cpgt_err(err));
			why = "error";
			break;
		}
		poll(&p, 1, 50);	/* readable: more to dispatch */
	}
	for (int i = 0; i < n_got; i++)
		printf("GOT pid=%u n=%u bad=%u\n", got[i].pid, got[i].n, got[i].bad);
	printf("DONE senders=%d overflow=%d why=%s\n", n_got, overflow, why);
	cpg_finalize(h);
	return 0;
}

int main(int argc, char **argv)
{
	const char *g = "fin-race";
	int c, max_ms = 8, idle_s = 2, total_s = 60;
	bool stall = false;

	if (argc < 2 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "listen") != 0)) {
		fprintf(stderr, "usage: cpg_fin_race send [-g GROUP] [-s MS | -S [-b B] [-z BYTES] [-B MS]] [-m N] | listen [-g GROUP] [-i S] [-t S]\n");
		return 2;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "g:s:Sb:z:B:m:i:t:")) != -1) {
		switch (c) {
		case 'g': g = optarg; break;
		case 's': max_ms = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 'S': stall = true; break;
		case 'b': burst = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'z': zcb_size = (size_t)strtoul(optarg, NULL, 0); break;
		case 'B': block_ms = atoi(optarg); break;
		case 'm': max_sends = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'i': idle_s = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 't': total_s = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		default: return 2;
		}
	}
	if (stall && !burst)
		burst = 256;
	if (zcb_size && zcb_size < sizeof(struct fmsg))
		zcb_size = sizeof(struct fmsg);
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpgt_name(&group, g);
	return strcmp(argv[1], "send") == 0 ? do_send(max_ms, stall) : do_listen(idle_s, total_s);
}
