/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for tools/ringcastctl.c: what it prints from telemetry replies, byte
 * for byte, and that a reply it cannot read ends in exit status 1 with a
 * message, never a signal or a partial answer. The real program (argv[1])
 * runs against a fake telemetry server: a thread on a SOCK_SEQPACKET socket
 * in a temporary directory that sends DPDK's info object, then answers each
 * command from the run's table ({"<command>": null} when it has none).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit_test.h"

#define OUT_MAX		(256 * 1024)
#define ARGS_MAX	8

struct answer {
	const char *cmd;	/* as sent, parameters included */
	const char *reply;
};

/* the fake server of one run */
struct fake_tel {
	const struct answer *answers;
	size_t n;
	int stop;
	pthread_t thread;
};

/* what one run of ringcastctl left */
struct run {
	int status;		/* waitpid's */
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static const char *ctl;		/* the ringcastctl under test */
static char dir[] = "/tmp/rc-ctl-test-XXXXXX";
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static int lfd = -1;
static struct run r;
static int turn_away;		/* connections closed at once before the info
				   (as DPDK with 10 clients); -1: every one */

/* ---- the fake telemetry server ---- */

static void reply_to(struct fake_tel *f, int fd, const char *cmd)
{
	char null_reply[1200];

	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->answers[i].cmd, cmd)) {
			send(fd, f->answers[i].reply, strlen(f->answers[i].reply), MSG_NOSIGNAL);
			return;
		}
	snprintf(null_reply, sizeof(null_reply), "{\"%.*s\":null}", (int)strcspn(cmd, ","), cmd);
	send(fd, null_reply, strlen(null_reply), MSG_NOSIGNAL);
}

/* Each connection in turn, as DPDK's telemetry thread serves one client. */
static void *serve(void *arg)
{
	static const char info[] =
		"{\"version\":\"DPDK 22.11.11\",\"pid\":1,\"max_output_len\":16384}";
	struct fake_tel *f = arg;
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char cmd[1024];
	ssize_t n;
	int fd;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&p, 1, 20) != 1)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (turn_away) {
			close(fd);
			if (turn_away > 0)
				turn_away--;
			continue;
		}
		send(fd, info, strlen(info), MSG_NOSIGNAL);
		while ((n = recv(fd, cmd, sizeof(cmd) - 1, 0)) > 0) {
			cmd[n] = '\0';
			reply_to(f, fd, cmd);
		}
		close(fd);
	}
	return NULL;
}

/* ---- running ringcastctl ---- */

static void read_file(const char *name, char *buf)
{
	char path[sizeof(dir) + 16];
	ssize_t n = 0, got;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	while (n < OUT_MAX - 1 && (got = read(fd, buf + n, (size_t)(OUT_MAX - 1 - n))) > 0)
		n += got;
	buf[n] = '\0';
	close(fd);
}

static int open_out(const char *name)
{
	char path[sizeof(dir) + 16];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/*
 * ringcastctl -s SOCKET ARGS... against a server answering from a[0..n);
 * its exit status, stdout and stderr land in r. The words end with NULL.
 */
static void run_ctl(const struct answer *a, size_t n, ...)
{
	struct fake_tel f = { .answers = a, .n = n };
	char *argv[ARGS_MAX + 4];
	int out, err, argc = 0;
	va_list ap;
	pid_t pid;

	argv[argc++] = "ringcastctl";
	argv[argc++] = "-s";
	argv[argc++] = sock_path;
	va_start(ap, n);
	while (argc < ARGS_MAX + 3 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	out = open_out("out");
	err = open_out("err");
	CU_ASSERT_FATAL(out >= 0 && err >= 0);
	CU_ASSERT_FATAL(pthread_create(&f.thread, NULL, serve, &f) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		execv(ctl, argv);
		_exit(127);
	}
	close(out);
	close(err);
	while (waitpid(pid, &r.status, 0) < 0)
		;
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(f.thread, NULL);
	read_file("out", r.out);
	read_file("err", r.err);
}

/* r must hold exit status `code`, this stdout and this stderr, exactly. */
static void expect(int code, const char *out, const char *err)
{
	int ok = WIFEXITED(r.status) && WEXITSTATUS(r.status) == code;

	if (!ok)
		printf("\n  exit status %d (signal %d), want %d", WIFEXITED(r.status) ?
		       WEXITSTATUS(r.status) : -1, WIFSIGNALED(r.status) ? WTERMSIG(r.status) : 0,
		       code);
	CU_ASSERT(ok);
	if (strcmp(r.out, out))
		printf("\n  stdout:\n%s\n  want:\n%s", r.out, out);
	CU_ASSERT_STRING_EQUAL(r.out, out);
	if (strcmp(r.err, err))
		printf("\n  stderr:\n%s\n  want:\n%s", r.err, err);
	CU_ASSERT_STRING_EQUAL(r.err, err);
}

/* ---- what it prints ---- */

#define STATUS_REPLY \
	"{\"/ringcast/status\":{\"nodeid\":1,\"state\":\"operational\",\"ring_rep\":1," \
	"\"ring_seq\":8,\"members\":[1,2,3],\"cpg_socket\":\"/run/ringcast/ringcastd.sock\"," \
	"\"iova_mode\":\"pa\",\"dma_registered\":2,\"dma_mapped\":1,\"dma_max\":64," \
	"\"numa_port\":\"any\",\"lcore\":1,\"numa_lcore\":\"0\",\"numa_memory\":\"0\"," \
	"\"numa_clients\":\"0\"}}"

static void test_status_prints_the_ring_dma_and_the_numa_placement(void)
{
	const struct answer a[] = { { "/ringcast/status", STATUS_REPLY } };
	const struct answer older[] = { { "/ringcast/status",
		"{\"/ringcast/status\":{\"nodeid\":2,\"state\":\"gather\",\"ring_rep\":2,"
		"\"ring_seq\":12,\"members\":[]}}" } };

	run_ctl(a, 1, "status", NULL);
	expect(0, "node 1: ring 1.8 state operational members 3 (1 2 3); dma: IOVA as PA, "
		  "client regions 2 registered (at most 64), 1 mapped; numa: port node any, "
		  "lcore 1 on node 0, memory node 0, client regions node 0\n", "");
	run_ctl(older, 1, "status", NULL);
	expect(0, "node 2: ring 2.12 state gather members 0 ()\n", "");
}

/*
 * More fields than a DPDK dict holds and than the old reader kept (256),
 * named against alphabetical order: every one, in the order sent.
 */
static void test_stats_prints_every_field_in_the_order_sent(void)
{
	static char reply[32 * 1024], want[32 * 1024];
	const struct answer a[] = { { "/ringcast/stats", reply } };
	size_t rl, wl = 0;

	rl = (size_t)snprintf(reply, sizeof(reply), "{\"/ringcast/stats\":{");
	for (int i = 299; i >= 0; i--) {
		rl += (size_t)snprintf(reply + rl, sizeof(reply) - rl, "\"c%03d\":%d,", i, i * 7);
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "c%03d %d\n", i, i * 7);
	}
	snprintf(reply + rl, sizeof(reply) - rl, "\"state\":\"operational\",\"ring_rep\":1,"
		 "\"ring_seq\":8,\"members\":[1,2,3]}}");
	snprintf(want + wl, sizeof(want) - wl, "state operational\nring_rep 1\nring_seq 8\n"
		 "members 1,2,3\n");
	run_ctl(a, 1, "stats", NULL);
	expect(0, want, "");
}

static void test_stats_prints_each_kind_of_value_as_it_always_has(void)
{
	const struct answer a[] = { { "/ringcast/stats",
		"{\"/ringcast/stats\":{\"zero\":0,\"big\":9223372036854775807,\"neg\":-5,"
		"\"list\":[4,5],\"empty\":[],\"s\":\"text\",\"n\":null,"
		"\"obj\":{\"x\":1,\"y\":[1,2]},\"strs\":[\"p\",\"q\"]}}" } };

	run_ctl(a, 1, "stats", NULL);
	expect(0, "zero 0\nbig 9223372036854775807\nneg -5\nlist 4,5\nempty -\ns text\n"
		  "n null\nobj {\"x\":1,\"y\":[1,2]}\nstrs [\"p\",\"q\"]\n", "");
}

/* As DPDK escapes them (a path, an error message); the old reader printed the escapes. */
static void test_stats_and_key_print_strings_unescaped(void)
{
	const struct answer a[] = {
		{ "/ringcast/stats", "{\"/ringcast/stats\":{\"s\":\"a\\\"b\\\\c\\td\"}}" },
		{ "/ringcast/key", "{\"/ringcast/key\":{\"result\":\"error\",\"error\":"
				   "\"/etc/\\\"x\\\"/key: no\",\"other\":\"caf\\u00e9\"}}" },
	};

	run_ctl(a, 2, "stats", NULL);
	expect(0, "s a\"b\\c\td\n", "");
	run_ctl(a, 2, "key", NULL);
	expect(1, "other caf\xc3\xa9\n", "ringcastctl: key: /etc/\"x\"/key: no\n");
}

static void test_nodes_asks_each_node_of_the_nodelist(void)
{
	const struct answer a[] = {
		{ "/ringcast/nodes",
		  "{\"/ringcast/nodes\":{\"nodeid\":1,\"state\":\"operational\",\"ring_rep\":1,"
		  "\"ring_seq\":16,\"members\":[1,2,4],\"port\":\"net_af_packet0,iface=eth0\","
		  "\"link\":\"up\",\"speed_mbps\":10000,\"duplex\":\"full\","
		  "\"mac\":\"1a:d3:cf:91:8c:45\",\"nodes\":[1,2,3,4]}}" },
		{ "/ringcast/node,1",
		  "{\"/ringcast/node\":{\"nodeid\":1,\"name\":\"node1\",\"local\":1,\"in_ring\":1,"
		  "\"state\":\"operational\"}}" },
		{ "/ringcast/node,2",
		  "{\"/ringcast/node\":{\"nodeid\":2,\"name\":\"node2\",\"local\":0,\"in_ring\":1,"
		  "\"state\":\"operational\",\"mac\":\"16:6b:89:91:be:a8\",\"frames_rx\":12,"
		  "\"last_rx_ms_ago\":159}}" },
		{ "/ringcast/node,3",
		  "{\"/ringcast/node\":{\"nodeid\":3,\"name\":\"node3\",\"local\":0,\"in_ring\":0,"
		  "\"state\":\"operational\"}}" },
		{ "/ringcast/node,4",
		  "{\"/ringcast/node\":{\"nodeid\":4,\"name\":\"\",\"local\":0,\"in_ring\":1,"
		  "\"state\":\"forming\",\"mac\":\"8a:b4:34:2d:a6:31\",\"frames_rx\":201,"
		  "\"last_rx_ms_ago\":3}}" },
	};

	run_ctl(a, sizeof(a) / sizeof(a[0]), "nodes", NULL);
	expect(0, "node 1: ring 1.16 state operational members 3 (1 2 4)\n"
		  "LINK 0 port net_af_packet0,iface=eth0: up, 10000 Mb/s full-duplex, "
		  "mac 1a:d3:cf:91:8c:45\n"
		  "\tnode 1 (node1): localhost\n"
		  "\tnode 2 (node2): connected; mac 16:6b:89:91:be:a8, last frame 159 ms ago, "
		  "12 frames\n"
		  "\tnode 3 (node3): disconnected; never heard\n"
		  "\tnode 4: connected (ring re-forming); mac 8a:b4:34:2d:a6:31, last frame 3 ms "
		  "ago, 201 frames\n", "");
}

static void test_key_prints_the_keys_and_says_why_it_was_refused(void)
{
	const struct answer a[] = { { "/ringcast/key,use",
		"{\"/ringcast/key\":{\"result\":\"error\",\"error\":\"not yet known to hold the "
		"new key: node 3 (key load there; the news goes round with the token: retry)\","
		"\"sending_with\":\"0a0b0c0d\",\"newest\":\"11223344\",\"other\":\"0a0b0c0d\","
		"\"newest_held_by\":\"1 2\",\"newest_used_by\":\"\"}}" } };
	const struct answer ok[] = { { "/ringcast/key",
		"{\"/ringcast/key\":{\"result\":\"ok\",\"sending_with\":\"0a0b0c0d\","
		"\"newest\":\"0a0b0c0d\",\"other\":\"none\",\"newest_held_by\":\"1 2 3\","
		"\"newest_used_by\":\"1 2 3\"}}" } };

	run_ctl(a, 1, "key", "use", NULL);
	expect(1, "sending_with 0a0b0c0d\nnewest 11223344\nother 0a0b0c0d\nnewest_held_by 1 2\n"
		  "newest_used_by \n",
	       "ringcastctl: key use: not yet known to hold the new key: node 3 (key load "
	       "there; the news goes round with the token: retry)\n");
	run_ctl(ok, 1, "key", NULL);
	expect(0, "sending_with 0a0b0c0d\nnewest 0a0b0c0d\nother none\nnewest_held_by 1 2 3\n"
		  "newest_used_by 1 2 3\n", "");
}

static void test_test_hooks_print_one_line_or_the_refusal(void)
{
	const struct answer a[] = {
		{ "/ringcast/digest",
		  "{\"/ringcast/digest\":{\"delivered\":100,\"digest\":\"18995940b85f28a9\","
		  "\"latency_p50_ns_le\":0,\"latency_p99_ns_le\":0,\"latency_max_ns_le\":0,"
		  "\"latency_samples\":0}}" },
		{ "/ringcast/inject,5,64", "{\"/ringcast/inject\":{\"queued\":5}}" },
	};
	const struct answer off[] = { { "/ringcast/digest",
		"{\"/ringcast/digest\":{\"result\":\"error\",\"error\":\"a test hook: off\"}}" } };

	run_ctl(a, 2, "digest", NULL);
	expect(0, "delivered 100 digest 18995940b85f28a9\n", "");
	run_ctl(a, 2, "inject", "5", NULL);
	expect(0, "queued 5\n", "");
	run_ctl(a, 2, "inject", "6", "128", NULL);
	expect(1, "", "ringcastctl: the daemon refused inject 6 128 (COUNT or SIZE too large, "
		      "or its queue is full)\n");
	run_ctl(off, 1, "digest", NULL);
	expect(1, "", "ringcastctl: digest: a test hook: off\n");
}

static void test_wait_members_returns_once_the_ring_has_k(void)
{
	const struct answer a[] = { { "/ringcast/status", STATUS_REPLY } };
	const char *line = "node 1: ring 1.8 state operational members 3 (1 2 3) after ";

	run_ctl(a, 1, "wait-members", "3", "5000", NULL);
	CU_ASSERT(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	CU_ASSERT(!strncmp(r.out, line, strlen(line)));
	CU_ASSERT_STRING_EQUAL(r.err, "");
}

/* A daemon that turns connections away (DPDK serves 10 telemetry clients
   at a time) is tried again for a second, then named for what it is. */
static void test_a_daemon_with_too_many_clients_is_tried_again_then_named(void)
{
	const struct answer a[] = { { "/ringcast/status", STATUS_REPLY } };
	char want[sizeof(sock_path) + 256];

	turn_away = 5;
	run_ctl(a, 1, "status", NULL);
	CU_ASSERT(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	CU_ASSERT(!strncmp(r.out, "node 1: ring 1.8", strlen("node 1: ring 1.8")));
	CU_ASSERT_STRING_EQUAL(r.err, "");
	CU_ASSERT_EQUAL(turn_away, 0);

	turn_away = -1;
	snprintf(want, sizeof(want), "ringcastctl: the daemon at %s closed every connection "
		 "at once for 1000 ms: it serves at most 10 telemetry clients at a time "
		 "(DPDK's limit); is something holding connections open?\n", sock_path);
	run_ctl(a, 1, "status", NULL);
	expect(1, "", want);
	turn_away = 0;
}

/* ---- what it cannot read ---- */

/* A null value: the daemon has no such command, or refused its parameters. */
static void test_a_null_reply_says_the_daemon_has_no_such_command(void)
{
	char want[sizeof(sock_path) + 128];

	snprintf(want, sizeof(want), "ringcastctl: the daemon at %s has no command "
		 "/ringcast/stats, or refused its parameters\n", sock_path);
	run_ctl(NULL, 0, "stats", NULL);
	expect(1, "", want);
}

/* bad with its "/ringcast/X" named after cmd, into buf; bad itself if too long */
static const char *named(const char *bad, const char *cmd, char *buf, size_t size)
{
	const char *x = strstr(bad, "/ringcast/X");

	if (!x || strlen(bad) + strlen(cmd) >= size)
		return bad;
	snprintf(buf, size, "%.*s%s%s", (int)(x - bad), bad, cmd, x + strlen("/ringcast/X"));
	return buf;
}

/* Each of these replies to every command: exit status 1, a message, no output. */
static void test_a_malformed_reply_is_an_error_not_a_crash(void)
{
	static char deep[40001], huge[70 * 1024];
	static const char *const cmds[] = { "stats", "status", "nodes", "digest", "key" };
	const char *const bad[] = {
		"{",
		"{\"/ringcast/X\":{\"a\":1",
		"{\"/ringcast/X\":{\"a\":1}} trailing",
		"{\"/ringcast/X\":{\"a\":1,}}",
		"{\"/ringcast/X\":{\"a\":01}}",
		"{\"/ringcast/X\":{\"a\":\"unterminated}}",
		"{\"/ringcast/X\":{\"a\":\"\\u0000\"}}",
		"{\"/ringcast/X\":{\"a\":\"\xff\"}}",
		"[1,2]",
		"{}",
		"\"just a string\"",
		"{\"/ringcast/X\":5}",
		"{\"/ringcast/X\":[1,2]}",
		"{\"/ringcast/X\":{\"a\":1,\"a\":2}}",
		"{\"/ringcast/X\":{\"a\":18446744073709551615}}",
		deep,
		huge,
	};
	size_t hl;

	/* nested deeper than jansson goes (2048), and longer than ringcastctl reads */
	memset(deep, '[', sizeof(deep) - 1);
	hl = (size_t)snprintf(huge, sizeof(huge), "{\"/ringcast/X\":{\"pad\":\"");
	memset(huge + hl, 'x', sizeof(huge) - hl - 4);
	memcpy(huge + sizeof(huge) - 4, "\"}}", 4);

	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		char cmd[32], prefix[96], buf[256];

		snprintf(cmd, sizeof(cmd), "/ringcast/%s", cmds[c]);
		snprintf(prefix, sizeof(prefix), "ringcastctl: cannot read the reply to %s (", cmd);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			/* named after the command, so that only the fault is wrong */
			const struct answer a[] = { { cmd, named(bad[i], cmd, buf, sizeof(buf)) } };

			run_ctl(a, 1, cmds[c], NULL);
			if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 1 || r.out[0] ||
			    strncmp(r.err, prefix, strlen(prefix)))
				printf("\n  %s, reply %zu (%.60s): status %#x, stdout %.80s, stderr %.200s",
				       cmds[c], i, a[0].reply, (unsigned int)r.status, r.out, r.err);
			CU_ASSERT(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1);
			CU_ASSERT_STRING_EQUAL(r.out, "");
			CU_ASSERT(!strncmp(r.err, prefix, strlen(prefix)));
		}
	}
}

/* A reply of the right form without the fields a command needs. */
static void test_a_reply_without_the_needed_fields_is_an_error(void)
{
	static char want[4][512];
	const char *status = "{\"/ringcast/status\":{\"nodeid\":1,\"state\":\"operational\"}}";
	const char *digest = "{\"/ringcast/digest\":{\"delivered\":\"many\"}}";
	const char *key = "{\"/ringcast/key\":{\"sending_with\":\"0a0b0c0d\"}}";
	const struct answer a[] = {
		{ "/ringcast/status", status },
		{ "/ringcast/nodes", status },
		{ "/ringcast/digest", digest },
		{ "/ringcast/key", key },
	};

	snprintf(want[0], sizeof(want[0]), "ringcastctl: unexpected status reply: %s\n", status);
	snprintf(want[1], sizeof(want[1]), "ringcastctl: unexpected nodes reply: %s\n", status);
	snprintf(want[2], sizeof(want[2]), "ringcastctl: unexpected digest reply: %s\n", digest);
	snprintf(want[3], sizeof(want[3]), "ringcastctl: unexpected key reply: %s\n", key);
	run_ctl(a, 4, "status", NULL);
	expect(1, "", want[0]);
	run_ctl(a, 4, "nodes", NULL);
	expect(1, "", want[1]);
	run_ctl(a, 4, "digest", NULL);
	expect(1, "", want[2]);
	run_ctl(a, 4, "key", NULL);
	expect(1, "", want[3]);
}

static const struct unit_test tests[] = {
	T(test_status_prints_the_ring_dma_and_the_numa_placement),
	T(test_stats_prints_every_field_in_the_order_sent),
	T(test_stats_prints_each_kind_of_value_as_it_always_has),
	T(test_stats_and_key_print_strings_unescaped),
	T(test_nodes_asks_each_node_of_the_nodelist),
	T(test_key_prints_the_keys_and_says_why_it_was_refused),
	T(test_test_hooks_print_one_line_or_the_refusal),
	T(test_wait_members_returns_once_the_ring_has_k),
	T(test_a_daemon_with_too_many_clients_is_tried_again_then_named),
	T(test_a_null_reply_says_the_daemon_has_no_such_command),
	T(test_a_malformed_reply_is_an_error_not_a_crash),
	T(test_a_reply_without_the_needed_fields_is_an_error),
};

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[sizeof(dir) + 16];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s RINGCASTCTL\n", argv[0]);
		return 1;
	}
	ctl = argv[1];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/dpdk_telemetry.v2", dir);
	memcpy(sa.sun_path, sock_path, sizeof(sock_path));
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0) {
		perror("fake telemetry socket");
		return 1;
	}
	ret = unit_test_run("ringcastctl", tests, sizeof(tests) / sizeof(tests[0]));
	close(lfd);
	unlink(sock_path);
	snprintf(path, sizeof(path), "%s/out", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/err", dir);
	unlink(path);
	rmdir(dir);
	return ret;
}
