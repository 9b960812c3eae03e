/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_zcb_pool: zero-copy buffers held by the application. Rounds of -n
 * buffers of 1..-s bytes (seeded), each filled and checked, then all
 * freed: cpg_zcb_alloc may refuse only with CS_ERR_NO_MEMORY (nothing is in
 * flight, so a TRY_AGAIN could never clear), counted; round 0's sizes,
 * replayed at the end, must fit exactly as many buffers as the first time,
 * and exactly as many of them in the arena (no leak: a leak of arena room
 * would only move buffers to private memory, which takes them all). With -x K, in round 0, with every buffer held: up to K
 * buffers of each kind (in the shared arena, private up to 64 KiB, private
 * above) are sent, rewritten as soon as the call returns, and each must be
 * delivered back with the bytes it held at the call. Which kind a buffer is
 * comes from /proc/self/maps (the arena is in the daemon's memfd).
 * -L: allocate 1 MiB buffers up to the first refusal, which must be
 * CS_ERR_NO_MEMORY (RINGCAST_ZCB_MAX bounds the private ones); after a free
 * one more fits again. -H N: allocate N buffers of 1 MiB (up to the first
 * NO_MEMORY), touch them, and exit without freeing: the daemon must reclaim
 * its region with the connection (cluster test zcb-pool).
 *   RESULT rounds=R buffers=B held_max=BYTES no_memory=K alloc_fill_ms=MS round0_arena=A
 *   SENT arena=A private_small=S private_big=P (then us per send, each kind)
 *   LIMIT buffers=N arena=A private=P
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpgt.h"

#define MAX_BUFS	100000
#define MIB		(1u << 20)

static void *buf[MAX_BUFS];
static size_t len[MAX_BUFS];

/* Is p in a memfd mapping, i.e. in the region the daemon shares? */
static int in_region(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, q = (unsigned long)p;
	char line[512];
	int yes = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && q >= lo && q < hi) {
			yes = strstr(line, "memfd:") != NULL;
			break;
		}
	fclose(f);
	return yes;
}

/* ---- deliveries of our own messages (-x) ---- */

static struct {
	size_t want_len;
	uint32_t want_crc;
	unsigned int got, bad;
} dl;

static void deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid,
		    void *msg, size_t msg_len)
{
	(void)h, (void)g, (void)nodeid;
	if (pid != (uint32_t)getpid())
		return;
	dl.got++;
	if (msg_len != dl.want_len || cpgt_crc32c(0, msg, msg_len) != dl.want_crc)
		dl.bad++;
}

static void confchg(cpg_handle_t h, const struct cpg_name *g, const struct cpg_address *m,
		    size_t nm, const struct cpg_address *l, size_t nl,
		    const struct cpg_address *j, size_t nj)
{
	(void)h, (void)g, (void)m, (void)nm, (void)l, (void)nl, (void)j, (void)nj;
}

static int wait_fd(cpg_handle_t h, int ms)
{
	struct pollfd p = { .events = POLLIN };

	if (cpg_fd_get(h, &p.fd) != CS_OK)
		return -1;
	return poll(&p, 1, ms);
}

/* Send buffer i, rewrite it at once, wait for its delivery; 0 or -1. */
static int send_check(cpg_handle_t h, unsigned int i, const char *kind, double *us)
{
	unsigned int want = dl.got + 1;
	int64_t t0 = cpgt_now_ms();
	cs_error_t err;
	double s0;

	dl.want_len = len[i];
	dl.want_crc = cpgt_crc32c(0, buf[i], len[i]);
	s0 = cpgt_now_s();
	while ((err = cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, buf[i], len[i])) ==
	       CS_ERR_TRY_AGAIN && cpgt_now_ms() - t0 < 10000)
		cpg_dispatch(h, CS_DISPATCH_ALL);
	*us += (cpgt_now_s() - s0) * 1e6;
	if (err != CS_OK) {
		printf("FAIL send of %s buffer %u (%zu bytes): %s\n", kind, i, len[i],
		       cpgt_err(err));
		return -1;
	}
	memset(buf[i], 0xa5, len[i]);	/* corosync's contract: ours again */
	while (dl.got < want && cpgt_now_ms() - t0 < 10000) {
		wait_fd(h, 100);
		if ((err = cpg_dispatch(h, CS_DISPATCH_ALL)) != CS_OK) {
			printf("FAIL cpg_dispatch: %s\n", cpgt_err(err));
			return -1;
		}
	}
	if (dl.got < want || dl.bad > 0) {
		printf("FAIL %s buffer %u (%zu bytes): %s\n", kind, i, len[i],
		       dl.got < want ? "not delivered within 10 s" : "delivered other bytes");
		return -1;
	}
	memset(buf[i], (int)(i & 0xff), len[i]);	/* as the round check wants it */
	return 0;
}

/* Up to k held buffers of each kind sent and checked. */
static int send_kinds(cpg_handle_t h, unsigned int held_n, unsigned int k)
{
	static const char *const names[3] = { "arena", "private_small", "private_big" };
	unsigned int n[3] = { 0 };
	double us[3] = { 0 };

	for (unsigned int i = 0; i < held_n; i++) {
		int kind = in_region(buf[i]) ? 0 : len[i] <= 65536 ? 1 : 2;

		if (n[kind] >= k)
			continue;
		if (send_check(h, i, names[kind], &us[kind]) < 0)
			return -1;
		n[kind]++;
	}
	printf("SENT arena=%u private_small=%u private_big=%u us_per_send=%.0f/%.0f/%.0f\n",
	       n[0], n[1], n[2], n[0] ? us[0] / n[0] : 0, n[1] ? us[1] / n[1] : 0,
	       n[2] ? us[2] / n[2] : 0);
	if (n[0] == 0 || n[1] == 0 || n[2] == 0) {
		printf("FAIL not every kind of buffer was there to send\n");
		return -1;
	}
	return 0;
}

/* ---- -L, -H ---- */

static int limit(cpg_handle_t h)
{
	unsigned int i, arena = 0;
	cs_error_t err = CS_OK;
	void *again;

	for (i = 0; i < 65536; i++) {
		err = cpg_zcb_alloc(h, MIB, &buf[i]);
		if (err != CS_OK)
			break;
		memset(buf[i], (int)i, MIB);
		arena += in_region(buf[i]);
	}
	if (err != CS_ERR_NO_MEMORY) {
		printf("FAIL limit: buffer %u of 1 MiB: %s\n", i, cpgt_err(err));
		return 1;
	}
	printf("LIMIT buffers=%u arena=%u private=%u\n", i, arena, i - arena);
	if (i == 0 || cpg_zcb_free(h, buf[i - 1]) != CS_OK ||
	    cpg_zcb_alloc(h, MIB, &again) != CS_OK || cpg_zcb_free(h, again) != CS_OK) {
		printf("FAIL limit: no room again after a free\n");
		return 1;
	}
	while (i-- > 1)
		if (cpg_zcb_free(h, buf[i - 1]) != CS_OK) {
			printf("FAIL limit: cpg_zcb_free\n");
			return 1;
		}
	return cpg_finalize(h) == CS_OK ? 0 : 1;
}

static int hold(cpg_handle_t h, unsigned int n)
{
	unsigned int i;
	cs_error_t err = CS_OK;

	for (i = 0; i < n; i++) {
		err = cpg_zcb_alloc(h, MIB, &buf[i]);
		if (err != CS_OK)
			break;
		memset(buf[i], (int)i, MIB);
	}
	if (err != CS_OK && err != CS_ERR_NO_MEMORY) {
		printf("FAIL hold: buffer %u: %s\n", i, cpgt_err(err));
		return 1;
	}
	printf("HELD buffers=%u bytes=%llu (then exits without freeing)\n", i,
	       (unsigned long long)i * MIB);
	fflush(stdout);
	return 0;	/* no cpg_zcb_free, no cpg_finalize */
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { deliver, confchg };
	unsigned int rounds = 100, n = 2000, max = 100000, held_n = 0, first_n = 0, send_k = 0;
	unsigned int in_arena = 0, first_arena = 0;
	unsigned long long seed = 1, no_mem = 0, total = 0;
	uint64_t held, held_max = 0, first_held = 0;
	struct cpg_name group;
	double alloc_s = 0;
	cpg_handle_t h;
	cs_error_t err;
	int c, hold_n = -1, lim = 0;

	while ((c = getopt(argc, argv, "r:n:s:S:H:x:L")) != -1) {
		switch (c) {
		case 'r': rounds = (unsigned int)atoi(optarg); break;
		case 'n': n = (unsigned int)atoi(optarg); break;
		case 's': max = (unsigned int)atoi(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'H': hold_n = atoi(optarg); break;
		case 'x': send_k = (unsigned int)atoi(optarg); break;
		case 'L': lim = 1; break;
		default: return 2;
		}
	}
	if (n > MAX_BUFS || max == 0)
		return 2;
	if ((err = cpg_initialize(&h, &cb)) != CS_OK) {
		printf("FAIL cpg_initialize: %s\n", cpgt_err(err));
		return 1;
	}
	if (hold_n >= 0)
		return hold(h, hold_n > MAX_BUFS ? MAX_BUFS : (unsigned int)hold_n);
	if (lim)
		return limit(h);
	cpgt_name(&group, "zcb-pool");
	if (send_k > 0 && (err = cpg_join(h, &group)) != CS_OK) {
		printf("FAIL cpg_join: %s\n", cpgt_err(err));
		return 1;
	}
	/* rounds 0..rounds-1, then round 0's sizes once more: with nothing held
	   the library must take exactly as many as the first time */
	for (unsigned int r = 0; r <= rounds; r++) {
		unsigned int rs = r == rounds ? 0 : r;
		double t0 = cpgt_now_s();

		held = 0;
		for (held_n = 0; held_n < n; held_n++) {
			size_t sz = 1 + cpgt_mix64(seed ^ ((uint64_t)rs << 32 | held_n)) % max;

			err = cpg_zcb_alloc(h, sz, &buf[held_n]);
			if (err == CS_ERR_NO_MEMORY) {
				no_mem++;
				break;
			}
			if (err != CS_OK) {
				printf("FAIL round %u buffer %u (%zu bytes, %llu held): %s\n", r,
				       held_n, sz, (unsigned long long)held, cpgt_err(err));
				return 1;
			}
			len[held_n] = sz;
			memset(buf[held_n], (int)(held_n & 0xff), sz);
			held += sz;
		}
		alloc_s += cpgt_now_s() - t0;
		if (r == 0 || r == rounds)
			for (unsigned int i = in_arena = 0; i < held_n; i++)
				in_arena += (unsigned int)in_region(buf[i]);
		if (r == 0 && send_k > 0 && send_kinds(h, held_n, send_k) < 0)
			return 1;
		for (unsigned int i = 0; i < held_n; i++) {
			const uint8_t *p = buf[i];

			if (p[0] != (uint8_t)i || p[len[i] - 1] != (uint8_t)i) {
				printf("FAIL round %u: buffer %u was overwritten\n", r, i);
				return 1;
			}
			if ((err = cpg_zcb_free(h, buf[i])) != CS_OK) {
				printf("FAIL round %u: cpg_zcb_free: %s\n", r, cpgt_err(err));
				return 1;
			}
		}
		if (r == 0) {
			first_n = held_n;
			first_held = held;
			first_arena = in_arena;
			/* freed: now anything but a live buffer */
			if (held_n > 0 && (cpg_zcb_free(h, buf[0]) != CS_ERR_INVALID_PARAM ||
					   cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, buf[0], 1) !=
						   CS_ERR_INVALID_PARAM)) {
				printf("FAIL a freed buffer was taken for a live one\n");
				return 1;
			}
		} else if (r == rounds && (held_n != first_n || in_arena != first_arena)) {
			printf("FAIL round 0 again got %u buffers (%llu bytes, %u in the arena), the "
			       "first time %u (%llu, %u): the library leaks\n", held_n,
			       (unsigned long long)held, in_arena, first_n,
			       (unsigned long long)first_held, first_arena);
			return 1;
		}
		if (r == rounds)
			break;
		total += held_n;
		if (held > held_max)
			held_max = held;
	}
	printf("RESULT rounds=%u buffers=%llu held_max=%llu no_memory=%llu alloc_fill_ms=%.1f "
	       "round0_arena=%u\n", rounds, total, (unsigned long long)held_max, no_mem,
	       alloc_s * 1000 / (rounds + 1), first_arena);
	return cpg_finalize(h) == CS_OK ? 0 : 1;
}
