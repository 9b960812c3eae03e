/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcastctl: the admin CLI. It talks to a running ringcastd through DPDK
 * telemetry: a SOCK_SEQPACKET Unix socket where the server first sends an
 * info object, then answers each command string with one JSON object
 * {"<command>": <value>}, read with jansson. Objects keep their fields in
 * the order sent, so `stats` prints them in the daemon's order, however
 * many. A reply jansson cannot hold whole is unreadable, an error, never
 * half-read: a duplicate field (one would hide the other), an integer above
 * 2^63 - 1 (json_int_t is long long; ringcastd's u64 values stay below).
 * `groups` is a CPG client instead (ringcast's libcpg, itself libc only): it
 * walks every group with cpg_iteration_*, as corosync-cpgtool does.
 *
 * Exit status: 0 done, 1 error or timeout, 2 no daemon at the socket.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <corosync/cpg.h>
#include <jansson.h>

#ifndef RC_VERSION
#define RC_VERSION "unknown"
#endif

#define TEL_SOCK_NAME	"dpdk_telemetry.v2"
#define REPLY_MAX	(64 * 1024)	/* DPDK 22.11 replies are <= 16 KiB */
#define IO_TIMEOUT_S	5
#define EXIT_NO_DAEMON	2
/* DPDK's telemetry serves 10 clients at once and closes any more at once;
   ringcastctl tries again for this long before it says so. */
#define TEL_BUSY_MS	1000
#define TEL_MAX_CLIENTS	10

static const char *prog = "ringcastctl";

/* ---- the telemetry connection ---- */

struct tel {
	int fd;
	const char *path;
	char buf[REPLY_MAX];
	size_t len;
	char why[JSON_ERROR_TEXT_LENGTH + 32];	/* why query() could not read buf */
};

static int tel_open_once(struct tel *t, const struct sockaddr_un *sa)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	ssize_t n;
	int ret;

	t->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -errno;
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(t->fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		ret = -errno;
		goto close_fd;
	}
	n = recv(t->fd, t->buf, sizeof(t->buf) - 1, 0);
	if (n <= 0) {
		/* DPDK closes at once when it has too many clients. */
		ret = n < 0 ? -errno : -EBUSY;
		goto close_fd;
	}
	return 0;
close_fd:
	close(t->fd);
	t->fd = -1;
	return ret;
}

/*
 * Connect and read the server's info message. Returns 0, or -errno with
 * the socket closed (-ENOENT, -ECONNREFUSED: no daemon there; -EBUSY: it
 * closed every connection at once for TEL_BUSY_MS, which DPDK's telemetry
 * does while it serves its most clients).
 */
static int tel_open(struct tel *t, const char *path)
{
	static const struct timespec pause = { .tv_nsec = 20 * 1000000L };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ret, tries = TEL_BUSY_MS / 20;

	t->path = path;
	t->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	while ((ret = tel_open_once(t, &sa)) == -EBUSY && --tries > 0)
		nanosleep(&pause, NULL);
	return ret;
}

static void tel_close(struct tel *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Send one command; the reply lands NUL-terminated in t->buf. 0 or -errno. */
static int tel_request(struct tel *t, const char *cmd)
{
	ssize_t n;

	if (send(t->fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0)
		return -errno;
	n = recv(t->fd, t->buf, sizeof(t->buf) - 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	t->len = (size_t)n;
	t->buf[n] = 0;
	return 0;
}

/* ---- reading the replies (jansson) ---- */

/* An integer field, as unsigned; 0 and *ok = 0 when missing or not one. */
static unsigned long long jnum(const json_t *o, const char *key, int *ok)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v)) {
		*ok = 0;
		return 0;
	}
	return (unsigned long long)json_integer_value(v);
}

/* Copy a string field into buf ("?" and *ok = 0 when missing or not one). */
static const char *jstr(const json_t *o, const char *key, char *buf, size_t size, int *ok)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		*ok = 0;
		snprintf(buf, size, "?");
		return buf;
	}
	snprintf(buf, size, "%s", json_string_value(v));
	return buf;
}

/* An array of integers only, as ringcastd's lists (members, nodes) are. */
static int is_num_array(const json_t *v)
{
	const json_t *e;
	size_t i;

	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, e)
		if (!json_is_integer(e))
			return 0;
	return 1;
}

/* The numbers of an array of integers, with `sep` between them; `empty` if none. */
static void print_array(FILE *out, const json_t *a, const char *sep, const char *empty)
{
	const json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
		fprintf(out, "%s%llu", i ? sep : "", (unsigned long long)json_integer_value(e));
	if (!json_array_size(a))
		fputs(empty, out);
}

/*
 * One value as `stats` and `key` print it: a string without its quotes, an
 * integer in decimal, with `sep` an array of integers joined by it ("-" when
 * empty), anything else as compact JSON (as DPDK writes it).
 */
static void print_value(FILE *out, const json_t *v, const char *sep)
{
	if (json_is_string(v))
		fputs(json_string_value(v), out);
	else if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (sep && is_num_array(v))
		print_array(out, v, sep, "-");
	else
		json_dumpf(v, out, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* ---- commands ---- */

static _Noreturn void die_no_daemon(const char *path, int err)
{
	if (err == EBUSY) {
		fprintf(stderr, "%s: the daemon at %s closed every connection at once for "
			"%d ms: it serves at most %d telemetry clients at a time (DPDK's "
			"limit); is something holding connections open?\n", prog, path,
			TEL_BUSY_MS, TEL_MAX_CLIENTS);
		exit(1);
	}
	fprintf(stderr, "%s: no daemon at %s: %s\n", prog, path, strerror(err));
	exit(EXIT_NO_DAEMON);
}

/*
 * Run cmd; *o gets the object under its key (a reference: json_decref it).
 * Returns 0; -ENOENT when the daemon answered null (unknown command or
 * refused parameters); -EPROTO when the reply is not {"cmd": {...}}
 * (t->why says why); other -errno when the connection failed.
 */
static int query(struct tel *t, const char *cmd, json_t **o)
{
	json_error_t err;
	json_t *reply, *v;
	char key[256];
	int ret;

	*o = NULL;
	ret = tel_request(t, cmd);
	if (ret < 0)
		return ret;
	reply = json_loadb(t->buf, t->len, JSON_REJECT_DUPLICATES, &err);
	if (!reply) {
		snprintf(t->why, sizeof(t->why), "%s, at byte %d", err.text, err.position);
		return -EPROTO;
	}
	snprintf(key, sizeof(key), "%s", cmd);
	key[strcspn(key, ",")] = 0;
	/* DPDK names the value after the command; else take the first field */
	v = json_object_get(reply, key);
	if (!v)
		v = json_object_iter_value(json_object_iter(reply));
	if (!v) {
		snprintf(t->why, sizeof(t->why), "not an object with a field");
		ret = -EPROTO;
	} else if (json_is_null(v)) {
		ret = -ENOENT;
	} else if (!json_is_object(v)) {
		snprintf(t->why, sizeof(t->why), "its value is not an object");
		ret = -EPROTO;
	} else {
		*o = json_incref(v);
	}
	json_decref(reply);
	return ret;
}

/* Say why query(t, cmd) failed with ret (< 0) and exit. */
static _Noreturn void die_query(struct tel *t, const char *cmd, int ret)
{
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: the daemon at %s has no command %s, or refused its parameters\n",
			prog, t->path, cmd);
		exit(1);
	}
	if (ret == -EPROTO) {
		fprintf(stderr, "%s: cannot read the reply to %s (%s): %.200s\n", prog, cmd, t->why,
			t->buf);
		exit(1);
	}
	if (ret == -EAGAIN || ret == -EWOULDBLOCK) {
		fprintf(stderr, "%s: no reply from %s within %d s\n", prog, t->path, IO_TIMEOUT_S);
		exit(1);
	}
	die_no_daemon(t->path, -ret);
}

static json_t *query_or_die(struct tel *t, const char *cmd)
{
	json_t *o;
	int ret = query(t, cmd, &o);

	if (ret < 0)
		die_query(t, cmd, ret);
	return o;
}

/* "node N: ring REP.SEQ state STATE members K (id id id)" into buf. */
static int format_status(const json_t *o, char *buf, size_t size, unsigned long long *k,
			 char *state, size_t state_size)
{
	const json_t *m = json_object_get(o, "members");
	unsigned long long node, rep, seq;
	int ok = 1, list = is_num_array(m);
	char *mem = NULL;
	size_t mlen = 0;
	FILE *f;

	node = jnum(o, "nodeid", &ok);
	rep = jnum(o, "ring_rep", &ok);
	seq = jnum(o, "ring_seq", &ok);
	jstr(o, "state", state, state_size, &ok);
	if (!list)
		ok = 0;
	f = open_memstream(&mem, &mlen);
	if (!f)
		return -ENOMEM;
	if (list)
		print_array(f, m, " ", "");
	fclose(f);
	*k = list ? json_array_size(m) : 0;
	snprintf(buf, size, "node %llu: ring %llu.%llu state %s members %llu (%s)",
		 node, rep, seq, state, *k, mem);
	free(mem);
	return ok ? 0 : -EPROTO;
}

static int cmd_status(struct tel *t)
{
	char line[1024], state[64];
	unsigned long long k;
	json_t *o;

	o = query_or_die(t, "/ringcast/status");
	if (format_status(o, line, sizeof(line), &k, state, sizeof(state)) < 0) {
		fprintf(stderr, "%s: unexpected status reply: %.200s\n", prog, t->buf);
		json_decref(o);
		return 1;
	}
	{
		/* client regions as DPDK knows them, when the daemon says */
		unsigned long long reg, mapped, max;
		char mode[8];
		int ok = 1;

		jstr(o, "iova_mode", mode, sizeof(mode), &ok);
		reg = jnum(o, "dma_registered", &ok);
		mapped = jnum(o, "dma_mapped", &ok);
		max = jnum(o, "dma_max", &ok);
		if (ok)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 "; dma: IOVA as %s, client regions %llu registered (at most %llu), "
				 "%llu mapped", strcmp(mode, "pa") ? "VA" : "PA", reg, max, mapped);
	}
	{
		/* where the dataplane runs, when the daemon says (older ones do not) */
		char port[16], lnode[16], mem[16], cli[16];
		unsigned long long lcore;
		int ok = 1;

		jstr(o, "numa_port", port, sizeof(port), &ok);
		lcore = jnum(o, "lcore", &ok);
		jstr(o, "numa_lcore", lnode, sizeof(lnode), &ok);
		jstr(o, "numa_memory", mem, sizeof(mem), &ok);
		jstr(o, "numa_clients", cli, sizeof(cli), &ok);
		if (ok)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 "; numa: port node %s, lcore %llu on node %s, memory node %s, "
				 "client regions node %s", port, lcore, lnode, mem, cli);
	}
	printf("%s\n", line);
	json_decref(o);
	return 0;
}

static void die_on_error(const char *cmd, const json_t *o);

/* Every field, in the order the daemon sent them: one "name value" a line. */
static int cmd_stats(struct tel *t)
{
	const char *name;
	json_t *o, *v;

	o = query_or_die(t, "/ringcast/stats");
	die_on_error("stats", o);	/* a stopping daemon answers an error */
	json_object_foreach(o, name, v) {
		printf("%s ", name);
		print_value(stdout, v, ",");
		putchar('\n');
	}
	json_decref(o);
	return 0;
}

/*
 * Every node of the nodelist and how this node's port hears it, as
 * corosync-cfgtool -s shows knet links: localhost, connected (in this
 * node's ring), disconnected.
 */
static int cmd_nodes(struct tel *t)
{
	char line[1024], state[64], port[256], link[16], duplex[16], mac[32], name[256];
	unsigned long long id, v, k;
	const json_t *ids, *e;
	json_t *o, *n;
	char cmd[64];
	int ok = 1, ok2;
	size_t i;

	o = query_or_die(t, "/ringcast/nodes");
	ids = json_object_get(o, "nodes");
	if (format_status(o, line, sizeof(line), &k, state, sizeof(state)) < 0 ||
	    !is_num_array(ids)) {
		fprintf(stderr, "%s: unexpected nodes reply: %.200s\n", prog, t->buf);
		json_decref(o);
		return 1;
	}
	jstr(o, "port", port, sizeof(port), &ok);
	jstr(o, "link", link, sizeof(link), &ok);
	ok2 = 1;
	jstr(o, "mac", mac, sizeof(mac), &ok2);
	if (!ok2)
		strcpy(mac, "unknown");
	printf("%s\n", line);
	printf("LINK 0 port %s: %s", port, link);
	ok2 = 1;
	v = jnum(o, "speed_mbps", &ok2);
	if (ok2 && v)
		printf(", %llu Mb/s", v);
	ok2 = 1;
	jstr(o, "duplex", duplex, sizeof(duplex), &ok2);
	if (ok2)
		printf(" %s-duplex", duplex);
	printf(", mac %s\n", mac);
	json_array_foreach(ids, i, e) {
		snprintf(cmd, sizeof(cmd), "/ringcast/node,%llu",
			 (unsigned long long)json_integer_value(e));
		n = query_or_die(t, cmd);
		id = jnum(n, "nodeid", &ok);
		jstr(n, "name", name, sizeof(name), &ok);
		jstr(n, "state", state, sizeof(state), &ok);
		if (!ok) {
			fprintf(stderr, "%s: unexpected node reply: %.200s\n", prog, t->buf);
			json_decref(n);
			json_decref(o);
			return 1;
		}
		printf("\tnode %llu%s%s%s: ", id, *name ? " (" : "", name, *name ? ")" : "");
		if (jnum(n, "local", &ok)) {
			printf("localhost\n");
		} else {
			if (jnum(n, "in_ring", &ok))
				printf(strcmp(state, "operational") ? "connected (ring re-forming)"
								    : "connected");
			else
				printf("disconnected");
			ok2 = 1;
			jstr(n, "mac", mac, sizeof(mac), &ok2);
			v = jnum(n, "last_rx_ms_ago", &ok2);
			if (ok2)
				printf("; mac %s, last frame %llu ms ago, %llu frames\n", mac, v,
				       jnum(n, "frames_rx", &ok2));
			else
				printf("; never heard\n");
		}
		json_decref(n);
	}
	json_decref(o);
	return 0;
}

static const char *cs_why(cs_error_t e)
{
	switch (e) {
	case CS_ERR_LIBRARY:
		return "no ringcastd answers there";
	case CS_ERR_ACCESS:
		return "refused: run as root, or be in allow_uid/allow_gid";
	case CS_ERR_NO_RESOURCES:
		return "the daemon has no client slot free";
	case CS_ERR_TIMEOUT:
		return "the daemon did not answer in time";
	default:
		return "error";
	}
}

static int desc_cmp(const void *a, const void *b)
{
	const struct cpg_iteration_description_t *x = a, *y = b;
	uint32_t n = x->group.length < y->group.length ? x->group.length : y->group.length;
	int c = memcmp(x->group.value, y->group.value, n);

	if (c || x->group.length != y->group.length)
		return c ? c : x->group.length < y->group.length ? -1 : 1;
	if (x->nodeid != y->nodeid)
		return x->nodeid < y->nodeid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int same_group(const struct cpg_name *a, const struct cpg_name *b)
{
	return a->length == b->length && !memcmp(a->value, b->value, a->length);
}

static void print_group_name(const struct cpg_name *g)
{
	for (uint32_t i = 0; i < g->length && i < CPG_MAX_NAME_LENGTH; i++) {
		unsigned char ch = (unsigned char)g->value[i];

		if (ch > ' ' && ch < 127 && ch != '\\')
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
}

/*
 * Every process group of the cluster with its members (node, pid), as
 * corosync-cpgtool shows them. The daemon's client socket comes from its
 * status (cpg_socket); this program attaches as a CPG client, joins nothing.
 */
static int cmd_groups(struct tel *t)
{
	struct cpg_iteration_description_t *d = NULL, *nd;
	cpg_callbacks_t cb = { NULL, NULL };
	cpg_iteration_handle_t it;
	char sock[256];
	size_t n = 0, cap = 0;
	cpg_handle_t h;
	cs_error_t e;
	int ok = 1;
	json_t *o;

	o = query_or_die(t, "/ringcast/status");
	jstr(o, "cpg_socket", sock, sizeof(sock), &ok);
	json_decref(o);
	if (ok)
		setenv("RINGCAST_SOCKET", sock, 1);
	else
		snprintf(sock, sizeof(sock), "%s", getenv("RINGCAST_SOCKET") ?
			 getenv("RINGCAST_SOCKET") : "/run/ringcast/ringcastd.sock");
	e = cpg_initialize(&h, &cb);
	if (e != CS_OK) {
		fprintf(stderr, "%s: CPG socket %s: %s (cs_error %d)\n", prog, sock, cs_why(e), e);
		return 1;
	}
	e = cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, &it);
	while (e == CS_OK) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nd = realloc(d, cap * sizeof(*d));
			if (!nd) {
				e = CS_ERR_NO_MEMORY;
				break;
			}
			d = nd;
		}
		e = cpg_iteration_next(it, &d[n]);
		if (e == CS_OK)
			n++;
	}
	cpg_finalize(h);
	if (e != CS_ERR_NO_SECTIONS) {
		fprintf(stderr, "%s: iterating the groups: %s (cs_error %d)\n", prog, cs_why(e), e);
		free(d);
		return 1;
	}
	qsort(d, n, sizeof(*d), desc_cmp);
	if (n == 0)
		printf("no groups\n");
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && same_group(&d[i].group, &d[j].group); j++)
			;
		printf("group ");
		print_group_name(&d[i].group);
		printf(": %zu member%s\n", j - i, j - i == 1 ? "" : "s");
		for (size_t k = i; k < j; k++)
			printf("\tnode %u pid %u\n", d[k].nodeid, d[k].pid);
	}
	free(d);
	return 0;
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

/* A reply {"result": "error", "error": WHY}: say WHY and exit 1. */
static void die_on_error(const char *cmd, const json_t *o)
{
	char why[256];
	int ok = 1;

	jstr(o, "error", why, sizeof(why), &ok);
	if (!ok)
		return;
	fprintf(stderr, "%s: %s: %s\n", prog, cmd, why);
	exit(1);
}

static int cmd_inject(struct tel *t, int argc, char **argv)
{
	unsigned long count, size = 64;
	char cmd[128];
	int ok = 1, ret;
	json_t *o;

	if (argc < 1 || argc > 2 || parse_count(argv[0], 0xffffffffu, &count) < 0 || !count ||
	    (argc == 2 && parse_count(argv[1], 0xffffffffu, &size) < 0)) {
		fprintf(stderr, "%s: usage: inject COUNT [SIZE] (COUNT >= 1, SIZE in bytes)\n", prog);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "/ringcast/inject,%lu,%lu", count, size);
	ret = query(t, cmd, &o);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: the daemon refused inject %lu %lu (COUNT or SIZE too large, or its queue is full)\n",
			prog, count, size);
		return 1;
	}
	if (ret < 0)
		die_query(t, cmd, ret);
	die_on_error("inject", o);
	printf("queued %llu\n", jnum(o, "queued", &ok));
	json_decref(o);
	return ok ? 0 : 1;
}

static int cmd_digest(struct tel *t)
{
	char hex[80];
	unsigned long long n;
	int ok = 1;
	json_t *o;

	o = query_or_die(t, "/ringcast/digest");
	die_on_error("digest", o);
	n = jnum(o, "delivered", &ok);
	jstr(o, "digest", hex, sizeof(hex), &ok);
	json_decref(o);
	if (!ok) {
		fprintf(stderr, "%s: unexpected digest reply: %.200s\n", prog, t->buf);
		return 1;
	}
	printf("delivered %llu digest %s\n", n, hex);
	return 0;
}

/* key [load|use|retire]: the cluster keys, and rotating them (ringcastctl(8)). */
static int cmd_key(struct tel *t, int argc, char **argv)
{
	char cmd[64], result[16], error[512];
	const char *name;
	json_t *o, *v;
	int ok = 1;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "load") && strcmp(argv[0], "use") &&
			 strcmp(argv[0], "retire"))) {
		fprintf(stderr, "%s: usage: key [load|use|retire]\n", prog);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "/ringcast/key%s%s", argc ? "," : "", argc ? argv[0] : "");
	o = query_or_die(t, cmd);
	jstr(o, "result", result, sizeof(result), &ok);
	if (!ok) {
		fprintf(stderr, "%s: unexpected key reply: %.200s\n", prog, t->buf);
		json_decref(o);
		return 1;
	}
	json_object_foreach(o, name, v) {
		if (!strcmp(name, "result") || !strcmp(name, "error"))
			continue;
		printf("%s ", name);
		print_value(stdout, v, NULL);
		putchar('\n');
	}
	jstr(o, "error", error, sizeof(error), &ok);
	json_decref(o);
	if (strcmp(result, "ok")) {
		fprintf(stderr, "%s: key%s%s: %s\n", prog, argc ? " " : "", argc ? argv[0] : "",
			error);
		return 1;
	}
	return 0;
}

/* 1 when a reply says the command was refused or is unknown: its value is
   null, or an object whose "result" is "error"; else 0. */
static int raw_refused(const char *reply)
{
	json_t *o = json_loads(reply, 0, NULL), *v;
	const char *key;
	int refused = 0;

	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		return 0;	/* printed as it came: not ours to judge */
	}
	json_object_foreach(o, key, v) {
		json_t *r = json_is_object(v) ? json_object_get(v, "result") : NULL;

		if (json_is_null(v) ||
		    (json_is_string(r) && !strcmp(json_string_value(r), "error")))
			refused = 1;
	}
	json_decref(o);
	return refused;
}

static int cmd_raw(struct tel *t, const char *cmd)
{
	int ret = tel_request(t, cmd);

	if (ret == -EAGAIN || ret == -EWOULDBLOCK) {
		fprintf(stderr, "%s: no reply from %s within %d s\n", prog, t->path, IO_TIMEOUT_S);
		return 1;
	}
	if (ret < 0)
		die_no_daemon(t->path, -ret);
	printf("%s\n", t->buf);
	return raw_refused(t->buf);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Poll the status every 2 ms (reconnecting while the daemon is not there
 * yet or restarts) until the node is operational with exactly K members.
 */
static int cmd_wait_members(struct tel *t, const char *path, int argc, char **argv)
{
	const struct timespec tick = { .tv_nsec = 2 * 1000 * 1000 };
	unsigned long k, timeout = 20000;
	char line[1024] = "", state[64];
	int last_err = ENOENT, connected = 0, ever = 0;
	uint64_t start = now_ms(), el;

	if (argc < 1 || argc > 2 || parse_count(argv[0], 1024, &k) < 0 ||
	    (argc == 2 && parse_count(argv[1], 86400000, &timeout) < 0)) {
		fprintf(stderr, "%s: usage: wait-members K [TIMEOUT_MS]\n", prog);
		return 1;
	}
	for (;;) {
		el = now_ms() - start;
		if (!connected) {
			int ret = tel_open(t, path);

			if (ret == 0)
				connected = ever = 1;
			else
				last_err = -ret;
		}
		if (connected) {
			unsigned long long have;
			int up;
			json_t *o;

			if (query(t, "/ringcast/status", &o) < 0) {
				tel_close(t);
				connected = 0;
			} else {
				up = format_status(o, line, sizeof(line), &have, state,
						   sizeof(state)) == 0 &&
				     !strcmp(state, "operational") && have == k;
				json_decref(o);
				if (up) {
					printf("%s after %llu ms\n", line, (unsigned long long)el);
					return 0;
				}
			}
		}
		if (el >= timeout)
			break;
		nanosleep(&tick, NULL);
	}
	if (!ever)
		die_no_daemon(path, last_err);
	fprintf(stderr, "%s: timeout after %lu ms waiting for %lu members; last status: %s\n",
		prog, timeout, k, line[0] ? line : "(none)");
	return 1;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringcastctl [-p FILE_PREFIX | -s SOCKET] COMMAND [ARGS]\n"
		"Ask a running ringcastd for its state through DPDK telemetry.\n\n"
		"  -p, --prefix PREFIX  the daemon's EAL --file-prefix: the socket is\n"
		"                       /var/run/dpdk/PREFIX/" TEL_SOCK_NAME " (as root)\n"
		"  -s, --socket PATH    the telemetry socket itself\n"
		"                       (default: $RINGCAST_TELEMETRY)\n"
		"  -h, --help           this text\n"
		"  -v, --version        print the version\n\n"
		"commands:\n"
		"  status               node N: ring REP.SEQ state STATE members K (ids)\n"
		"  stats                every counter and rate, one 'name value' a line\n"
		"  key [load|use|retire]  the cluster keys; rotate: load the replaced key\n"
		"                       file on every node, then use, then retire\n"
		"  inject COUNT [SIZE]  test hook: this node sends COUNT messages of SIZE\n"
		"                       bytes (default 64); dataplane { test_hooks: on }\n"
		"  digest               test hook: delivered N digest HEX: equal digests at\n"
		"                       equal counts mean identical delivery sequences\n"
		"  wait-members K [MS]  wait (default 20000 ms) until the node is operational\n"
		"                       with K members; prints the status and the wait\n"
		"  nodes                every node of the nodelist: localhost, connected\n"
		"                       (in this node's ring) or disconnected; the port's link\n"
		"  groups               every CPG group of the cluster and its members\n"
		"                       (node, pid); attaches as a CPG client\n"
		"  raw CMD              send a telemetry command, print the JSON reply\n\n"
		"exit status: 0 done, 1 error or timeout, 2 no daemon at the socket\n\n"
		"examples:\n"
		"  ringcastctl -p rc-local-1 status\n"
		"  RINGCAST_TELEMETRY=/var/run/dpdk/rc-local-2/dpdk_telemetry.v2 ringcastctl stats\n"
		"  ringcastctl -p rc-local-1 inject 1000 256\n"
		"  ringcastctl -p rc-local-1 raw /ethdev/stats,0\n"
		"  scripts/cluster exec 1 ringcastctl digest\n");
}

static void prefix_path(char *buf, size_t size, const char *prefix)
{
	const char *base = "/var/run";
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	/* DPDK's own rule (eal_create_runtime_dir). */
	if (getuid() != 0)
		base = xdg && *xdg ? xdg : "/tmp";
	snprintf(buf, size, "%s/dpdk/%s/%s", base, prefix, TEL_SOCK_NAME);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("RINGCAST_TELEMETRY"), *cmd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 256];
	struct tel *t;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+p:s:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prefix_path(path, sizeof(path), optarg);
			sock = path;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("ringcastctl %s\n", RC_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (!sock || !*sock) {
		fprintf(stderr, "%s: which daemon? give -p FILE_PREFIX or -s SOCKET, "
			"or set RINGCAST_TELEMETRY\n", prog);
		return 1;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		perror(prog);
		return 1;
	}
	t->fd = -1;

	if (!strcmp(cmd, "wait-members")) {
		ret = cmd_wait_members(t, sock, argc, argv);
		goto out;
	}
	if (strcmp(cmd, "status") && strcmp(cmd, "stats") && strcmp(cmd, "inject") &&
	    strcmp(cmd, "digest") && strcmp(cmd, "raw") && strcmp(cmd, "nodes") &&
	    strcmp(cmd, "groups") && strcmp(cmd, "key")) {
		fprintf(stderr, "%s: unknown command '%s' (try --help)\n", prog, cmd);
		ret = 1;
		goto out;
	}
	if ((!strcmp(cmd, "raw") && (argc != 1 || argv[0][0] != '/')) ||
	    (strcmp(cmd, "raw") && strcmp(cmd, "inject") && strcmp(cmd, "key") && argc != 0)) {
		fprintf(stderr, "%s: usage: %s\n", prog,
			!strcmp(cmd, "raw") ? "raw /COMMAND[,PARAMS]" : cmd);
		ret = 1;
		goto out;
	}
	ret = tel_open(t, sock);
	if (ret < 0)
		die_no_daemon(sock, -ret);
	if (!strcmp(cmd, "status"))
		ret = cmd_status(t);
	else if (!strcmp(cmd, "stats"))
		ret = cmd_stats(t);
	else if (!strcmp(cmd, "inject"))
		ret = cmd_inject(t, argc, argv);
	else if (!strcmp(cmd, "key"))
		ret = cmd_key(t, argc, argv);
	else if (!strcmp(cmd, "digest"))
		ret = cmd_digest(t);
	else if (!strcmp(cmd, "nodes"))
		ret = cmd_nodes(t);
	else if (!strcmp(cmd, "groups"))
		ret = cmd_groups(t);
	else
		ret = cmd_raw(t, argv[0]);
out:
	tel_close(t);
	free(t);
	return ret;
}
