/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen --self-test: the parts that decide pass or fail, without a
 * daemon. The histogram's buckets and quantiles; CRC32C (both paths) against
 * known values; the parsers; the option checks; and the receive checks fed
 * hand-made deliveries (a flipped byte, a duplicate, a gap, a body from
 * another message, a wrong sender, a runt, a stranger, a DONE announcing
 * more than came), each of which must be counted, and the order hash, which
 * must depend on the order; --history lines for each kind of event, readable
 * before the file is closed (as after a SIGKILL), and the soak messages'
 * seq word. Exit 0 only if every check held.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringcast-gen.h"

static int failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "self-test: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			failed++;					\
		}							\
	} while (0)

static void test_crc(void)
{
	static const char digits[] = "123456789";
	uint8_t buf[1000];

	CHECK(rc_gen_crc32c(0, digits, 9) == 0xE3069283u);
	CHECK(rc_gen_crc32c_sw(0, digits, 9) == 0xE3069283u);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len < 300; len += 13)
			CHECK(rc_gen_crc32c(0, buf + off, len) ==
			      rc_gen_crc32c_sw(0, buf + off, len));
	/* continuing a CRC equals one CRC over the whole */
	CHECK(rc_gen_crc32c(rc_gen_crc32c(0, buf, 500), buf + 500, 500) ==
	      rc_gen_crc32c(0, buf, 1000));
}

static void test_parse(void)
{
	size_t s = 0;
	double d = 0;
	uint32_t u = 0;

	CHECK(rc_gen_parse_size("64", &s) == 0 && s == 64);
	CHECK(rc_gen_parse_size("1k", &s) == 0 && s == 1024);
	CHECK(rc_gen_parse_size("64KiB", &s) == 0 && s == 65536);
	CHECK(rc_gen_parse_size("1m", &s) == 0 && s == 1048576);
	CHECK(rc_gen_parse_size("1.5k", &s) == 0 && s == 1536);
	CHECK(rc_gen_parse_size("1.1", &s) < 0);
	CHECK(rc_gen_parse_size("-1", &s) < 0);
	CHECK(rc_gen_parse_size("1x", &s) < 0);
	CHECK(rc_gen_parse_size("", &s) < 0);
	CHECK(rc_gen_parse_seconds("500ms", &d) == 0 && d == 0.5);
	CHECK(rc_gen_parse_seconds("2s", &d) == 0 && d == 2);
	CHECK(rc_gen_parse_seconds("2h", &d) < 0);
	CHECK(rc_gen_parse_count("10k", &d) == 0 && d == 10000);
	CHECK(rc_gen_parse_u32("5", 1, 64, &u) == 0 && u == 5);
	CHECK(rc_gen_parse_u32("65", 1, 64, &u) < 0);
	CHECK(rc_gen_parse_u32("5x", 1, 64, &u) < 0);
}

static int parse(struct rc_gen_opts *o, int argc, const char **argv)
{
	FILE *keep = stderr;
	int ret;

	stderr = fopen("/dev/null", "w");
	optind = 0;
	ret = rc_gen_opts_parse(argc, (char **)(uintptr_t)argv, o);
	fclose(stderr);
	stderr = keep;
	return ret;
}

static void test_opts(void)
{
	const char *a1[] = { "g", "flood", "--size", "64k", "-n", "3" };
	const char *a2[] = { "g", "flood", "--size", "10" };
	const char *a3[] = { "g", "sweep", "--size", "1k" };
	const char *a4[] = { "g", "rate" };
	const char *a5[] = { "g", "ping", "--rate", "5" };
	const char *a6[] = { "g", "flood", "--bogus" };
	const char *a7[] = { "g", "sweep", "--sizes", "64,1k,1m" };
	const char *a8[] = { "g", "fly" };
	struct rc_gen_opts o;

	CHECK(parse(&o, 6, a1) == 0 && o.sizes[0] == 65536 && o.instances == 3 &&
	      o.mode == RC_GEN_FLOOD);
	CHECK(parse(&o, 4, a2) == 2);
	CHECK(parse(&o, 4, a3) == 2);
	CHECK(parse(&o, 2, a4) == 2);
	CHECK(parse(&o, 4, a5) == 2);
	CHECK(parse(&o, 3, a6) == 2);
	CHECK(parse(&o, 4, a7) == 0 && o.n_sizes == 3 && o.sizes[2] == 1048576);
	CHECK(parse(&o, 2, a8) == 2);
	optind = 0;
}

/* ---- the receive checks ---- */

static void init_gen(struct rc_gen *g, uint32_t nodeid, uint32_t pid)
{
	memset(g, 0, sizeof(*g));
	g->o.instances = 2;
	g->o.role = RC_GEN_ROLE_BOTH;
	g->o.sizes[0] = 256;
	g->o.n_sizes = 1;
	g->o.group = "self-test";
	g->o.clock = CLOCK_MONOTONIC;
	g->nodeid = nodeid;
	g->pid = pid;
	g->quiet = true;
	g->order_hash = RC_GEN_FNV_OFFSET;
	g->peers[0] = (struct rc_gen_peer){ .nodeid = 1, .pid = 100 };
	g->peers[1] = (struct rc_gen_peer){ .nodeid = 2, .pid = 200 };
	g->n_peers = 2;
	g->me = nodeid == 1 ? 0 : 1;
	rc_gen_step_reset(g);
	g->have_start = true;
	g->t_start = g->t_measure = 0;
	g->t_end = UINT64_MAX;
}

static size_t data_msg(struct rc_gen *s, uint8_t *buf, uint64_t seq)
{
	memcpy(buf, s->tmpl, s->size);
	rc_gen_data_fill(s, buf, seq, rc_gen_now_ns());
	return s->size;
}

static size_t ctl_msg(uint8_t *buf, uint8_t type, uint32_t nodeid, uint32_t pid,
		      const void *payload, size_t len)
{
	struct rc_gen_hdr hdr = {
		.magic = RC_GEN_MAGIC, .type = type, .len = (uint32_t)(sizeof(hdr) + len),
		.crc = rc_gen_crc32c(0, payload, len), .nodeid = nodeid, .pid = pid,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), payload, len);
	return sizeof(hdr) + len;
}

static void test_receive(void)
{
	static struct rc_gen rx, tx, other;
	uint8_t buf[512], bad[512];
	struct rc_gen_done done = { .next_seq = 10 };
	uint64_t h_ab, h_ba;
	size_t len;

	init_gen(&rx, 1, 100);
	init_gen(&tx, 2, 200);
	init_gen(&other, 3, 300);
	CHECK(rc_gen_tmpl_build(&tx, 256) == 0);
	CHECK(rc_gen_tmpl_build(&other, 256) == 0);

	for (uint64_t seq = 0; seq < 2; seq++) {		/* 0, 1: good */
		len = data_msg(&tx, buf, seq);
		rc_gen_deliver(&rx, 2, 200, buf, len);
	}
	CHECK(rx.cur.rx_total == 2 && rx.cur.rx_msgs == 2 && rx.cur.lat.count == 2);
	CHECK(rx.cur.crc_errors + rx.cur.seq_errors + rx.cur.format_errors == 0);

	len = data_msg(&tx, buf, 2);				/* 2 with a flipped byte */
	memcpy(bad, buf, len);
	bad[100] ^= 0x10;
	rc_gen_deliver(&rx, 2, 200, bad, len);
	CHECK(rx.cur.crc_errors == 1);
	rc_gen_deliver(&rx, 2, 200, buf, len);			/* 2 again: a duplicate */
	CHECK(rx.cur.seq_errors == 1);
	len = data_msg(&tx, buf, 4);				/* 3 lost */
	rc_gen_deliver(&rx, 2, 200, buf, len);
	CHECK(rx.cur.seq_errors == 2);
	len = data_msg(&tx, buf, 6);				/* 5's header, 6's body */
	memcpy(bad, buf, len);
	((struct rc_gen_hdr *)bad)->seq = 5;
	rc_gen_deliver(&rx, 2, 200, bad, len);
	CHECK(rx.cur.crc_errors == 2 && rx.cur.seq_errors == 2);
	len = data_msg(&tx, buf, 6);
	rc_gen_deliver(&rx, 2, 999, buf, len);			/* not its sender */
	CHECK(rx.cur.format_errors == 1);
	rc_gen_deliver(&rx, 2, 200, buf, 20);			/* a runt */
	CHECK(rx.cur.format_errors == 2);
	len = data_msg(&other, buf, 0);				/* not an instance */
	rc_gen_deliver(&rx, 3, 300, buf, len);
	CHECK(rx.cur.foreign == 1);
	len = data_msg(&tx, buf, 6);
	rc_gen_deliver(&rx, 2, 200, buf, len);
	CHECK(rx.cur.seq_errors == 2 && rx.cur.rx_total == 7);
	len = ctl_msg(buf, RC_GEN_T_DONE, 2, 200, &done, sizeof(done));	/* 7, 8, 9 never came */
	rc_gen_deliver(&rx, 2, 200, buf, len);
	CHECK(rx.cur.lost == 3 && rx.peers[1].done && rx.peers[1].done_seq == 10);
	CHECK(!rx.failed);
	len = data_msg(&tx, buf, 10);				/* data after its DONE */
	rc_gen_deliver(&rx, 2, 200, buf, len);
	CHECK(rx.failed);

	/* own messages: round trip, and the window */
	init_gen(&tx, 2, 200);
	CHECK(rc_gen_tmpl_build(&tx, 256) == 0);
	len = data_msg(&tx, buf, 0);
	rc_gen_deliver(&tx, 2, 200, buf, len);
	CHECK(tx.cur.rtt.count == 1 && tx.own_back == 1);
	tx.t_measure = UINT64_MAX;				/* warm-up: not counted */
	len = data_msg(&tx, buf, 1);
	rc_gen_deliver(&tx, 2, 200, buf, len);
	CHECK(tx.cur.rtt.count == 1 && tx.cur.rx_msgs == 1 && tx.cur.rx_total == 2);

	/* the order hash depends on the order */
	init_gen(&rx, 1, 100);
	init_gen(&tx, 2, 200);
	init_gen(&other, 1, 100);
	CHECK(rc_gen_tmpl_build(&tx, 256) == 0 && rc_gen_tmpl_build(&other, 256) == 0);
	len = data_msg(&other, buf, 0);
	rc_gen_deliver(&rx, 1, 100, buf, len);
	len = data_msg(&tx, bad, 0);
	rc_gen_deliver(&rx, 2, 200, bad, len);
	h_ab = rx.order_hash;
	init_gen(&rx, 1, 100);
	rc_gen_deliver(&rx, 2, 200, bad, len);
	rc_gen_deliver(&rx, 1, 100, buf, len);
	h_ba = rx.order_hash;
	CHECK(h_ab != h_ba);
	CHECK(rx.cur.seq_errors + rx.cur.crc_errors + rx.cur.format_errors == 0);
	free(tx.tmpl);
	free(other.tmpl);
}

static char *read_all(const char *path)
{
	static char text[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_history(void)
{
	static struct rc_gen rx, tx;
	static const uint32_t ring_members[] = { 1, 2 };
	const struct cpg_address memb[] = { { 1, 100, 0 }, { 2, 200, 0 } };
	const struct cpg_address joined[] = { { 2, 200, 1 } };
	char path[] = "/tmp/ringcast-gen-selftest-XXXXXX", want[1024], *got;
	uint8_t buf[512];
	uint32_t soak_crc, gen_crc, runt_crc;
	size_t len;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	init_gen(&rx, 1, 100);
	init_gen(&tx, 2, 200);
	rx.hist_fd = -1;
	rx.o.mode = RC_GEN_SOAK;
	CHECK(rc_gen_history_open(&rx, path) == 0);
	rc_gen_history_totem(&rx, 1, 8, ring_members, 2);
	rc_gen_history_confchg(&rx, memb, 2, NULL, 0, joined, 1);
	soak_crc = rc_gen_soak_fill(buf, 100, 2, 200, 7, true);
	rc_gen_deliver(&rx, 2, 200, buf, 100);			/* soak: seq 7, SAFE */
	runt_crc = rc_gen_crc32c(0, buf, 5);
	rc_gen_deliver(&rx, 2, 200, buf, 5);			/* shorter than the seq word */
	CHECK(rx.soak_rx == 1 && rx.soak_bad == 1 && rx.own_back == 0);
	rx.o.mode = RC_GEN_FLOOD;
	CHECK(rc_gen_tmpl_build(&tx, 256) == 0);
	len = data_msg(&tx, buf, 3);
	gen_crc = ((struct rc_gen_hdr *)buf)->crc;
	rc_gen_deliver(&rx, 2, 200, buf, len);			/* ringcast-gen data: seq 3 */
	rc_gen_history_send(&rx, 5, 64, false, 0xabcdef01u, true);
	CHECK(rc_gen_history_flush(&rx) == 0);
	snprintf(want, sizeof(want),
		 "ringcast-history 1 nodeid 1 pid 100 mode soak group self-test\n"
		 "T 1.8 1,2\n"
		 "C 1:100,2:200 - 2:200:1\n"
		 "D 2 200 7 100 %08x s\n"
		 "D 2 200 - 5 %08x -\n"
		 "D 2 200 3 256 %08x a\n"
		 "S 5 64 a abcdef01 z\n", soak_crc, runt_crc, gen_crc);
	got = read_all(path);					/* as a SIGKILL leaves it */
	CHECK(got && strcmp(got, want) == 0);
	rc_gen_history_close(&rx, "ok");
	strcat(want, "E ok\n");
	got = read_all(path);
	CHECK(got && strcmp(got, want) == 0);
	CHECK(!rc_gen_history_on(&rx));
	unlink(path);
	free(tx.tmpl);
}

int rc_gen_self_test(void)
{
	failed = rc_gen_hist_self_test();
	if (failed)
		fprintf(stderr, "self-test: histogram: %d failures\n", failed);
	test_crc();
	test_parse();
	test_opts();
	test_receive();
	test_history();
	printf("ringcast-gen self-test: %s\n", failed ? "FAIL" : "ok");
	return failed ? 1 : 0;
}
