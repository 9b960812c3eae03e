/*
 * ringcast-gen: main. Connects, joins --group, meets the other instances
 * (HELLO once --instances members are there), runs each step, prints the
 * table and writes --json/--csv, then leaves and finalizes. Exit status 0
 * only when every instance verified everything; 2 for bad options.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringcast-gen.h"

void gen_fail(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	if (g->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(g->failure, sizeof(g->failure), fmt, ap);
	va_end(ap);
	g->failed = true;
}

/* The first few errors of a kind, in detail, on stderr. */
void gen_note(struct gen *g, uint64_t count, const char *fmt, ...)
{
	va_list ap;

	if (count > GEN_MAX_REPORTS)
		return;
	gen_progress_clear(g);
	fprintf(stderr, "ringcast-gen[%u]: ", g->pid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (count == GEN_MAX_REPORTS)
		fputs(" (no more of this kind shown)", stderr);
	fputc('\n', stderr);
}

unsigned int gen_n_steps(const struct gen *g)
{
	return g->o.n_sizes;
}

struct gen_result *gen_res(struct gen *g, unsigned int step, unsigned int peer)
{
	return &g->res[(size_t)step * g->o.instances + peer];
}

static void on_signal(int sig)
{
	gen_stop = 1;
}

static bool enough_members(const struct gen *g)
{
	return g->members >= g->o.instances;
}

static bool enough_peers(const struct gen *g)
{
	return g->n_peers >= g->o.instances;
}

/* Connect: handle, fd, nodeid, the largest message. 0, 1 (failed), 2 (bad size). */
static int connect_cpg(struct gen *g)
{
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = gen_deliver_cb,
		.cpg_confchg_fn = gen_confchg_cb,
	};
	cs_error_t err;

	err = cpg_model_initialize(&g->h, CPG_MODEL_V1, (cpg_model_data_t *)&model, g);
	if (err != CS_OK) {
		fprintf(stderr, "ringcast-gen: cpg_model_initialize: %s%s\n", gen_err(err),
			err == CS_ERR_LIBRARY ? " (no daemon? for ringcast, is RINGCAST_SOCKET "
			"set?)" : "");
		return 1;
	}
	if ((err = cpg_local_get(g->h, &g->nodeid)) != CS_OK ||
	    (err = cpg_fd_get(g->h, &g->fd)) != CS_OK ||
	    (err = cpg_max_atomic_msgsize_get(g->h, &g->max_atomic)) != CS_OK) {
		fprintf(stderr, "ringcast-gen: cpg_local_get/fd_get/max_atomic_msgsize_get: %s\n",
			gen_err(err));
		return 1;
	}
	/* corosync refuses zcb sends above its atomic size (CS_ERR_TOO_BIG) */
	for (unsigned int i = 0; g->o.zcb && i < g->o.n_sizes; i++) {
		if (g->o.sizes[i] > g->max_atomic) {
			fprintf(stderr, "ringcast-gen: --zcb: %zu-byte messages are larger than "
				"cpg_max_atomic_msgsize_get() = %u; zero-copy cannot send them\n",
				g->o.sizes[i], g->max_atomic);
			return 2;
		}
	}
	return 0;
}

static int setup(struct gen *g)
{
	size_t n = (size_t)gen_n_steps(g) * g->o.instances;

	g->res = calloc(n, sizeof(*g->res));
	g->zfree = calloc(g->o.zcb_pool, sizeof(*g->zfree));
	g->zfly = calloc(g->o.zcb_pool, sizeof(*g->zfly));
	if (g->res == NULL || g->zfree == NULL || g->zfly == NULL)
		return -ENOMEM;
	return 0;
}

/* Join, wait for the members, say hello, wait for everyone's hello. */
static int meet(struct gen *g)
{
	struct gen_hello hello = { .opts_hash = g->opts_hash, .role = g->o.role,
				   .zcb = g->o.zcb };
	cs_error_t err;
	int ret;

	err = cpg_join(g->h, &g->group);
	if (err != CS_OK) {
		gen_fail(g, "cpg_join(%s): %s", g->o.group, gen_err(err));
		return -EIO;
	}
	g->joined = true;
	ret = gen_wait(g, enough_members, "the group to have --instances members");
	if (ret < 0)
		return ret;
	/*
	 * Sent only now: every instance that is a member by now gets every
	 * HELLO, so all agree on who came first (the first N take part).
	 */
	ret = gen_send_ctl(g, GEN_T_HELLO, &hello, sizeof(hello));
	if (ret < 0)
		return ret;
	g->hello_sent = true;
	return gen_wait(g, enough_peers, "the other instances to say hello");
}

static void best_effort_abort(struct gen *g)
{
	struct gen_abort a;

	if (!g->joined || !g->failed)
		return;
	memset(&a, 0, sizeof(a));
	snprintf(a.why, sizeof(a.why), "%.190s", g->failure);
	(void)gen_send_ctl(g, GEN_T_ABORT, &a, sizeof(a));
}

static void teardown(struct gen *g)
{
	if (g->h == 0)
		return;
	gen_zcb_release(g);
	if (g->joined)
		(void)cpg_leave(g->h, &g->group);
	(void)cpg_finalize(g->h);
	g->h = 0;
}

int main(int argc, char **argv)
{
	static struct gen gen;
	struct gen *g = &gen;
	struct sigaction sa;
	int ret, status;
	bool ok;

	ret = gen_opts_parse(argc, argv, &g->o);
	if (ret == 1)
		return 0;
	if (ret != 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	g->pid = (uint32_t)getpid();
	g->me = -1;
	g->order_hash = GEN_FNV_OFFSET;
	g->opts_hash = gen_opts_hash(&g->o);
	g->progress = g->o.progress == 1 || (g->o.progress == -1 && isatty(STDOUT_FILENO));
	g->stamp_offset = gen_stamp_now(g) - gen_now_ns();
	g->group.length = (uint32_t)strlen(g->o.group);
	memcpy(g->group.value, g->o.group, g->group.length);
	if (setup(g) < 0) {
		fprintf(stderr, "ringcast-gen: out of memory\n");
		return 1;
	}
	ret = connect_cpg(g);
	if (ret != 0) {
		teardown(g);
		return ret;
	}
	gen_step_reset(g);
	if (meet(g) == 0) {
		while (g->steps_done < gen_n_steps(g) && !gen_failed(g))
			if (gen_run_step(g) < 0)
				break;
	}
	best_effort_abort(g);
	g->finished = true;
	gen_progress_clear(g);

	gen_report_table(g, stdout);
	ok = gen_verdict(g, stdout);
	status = ok ? 0 : 1;
	if (g->o.json_path && gen_report_json(g, g->o.json_path) < 0)
		status = 1;
	if (g->o.csv_path && gen_report_csv(g, g->o.csv_path) < 0)
		status = 1;
	if (!ok && g->failed)
		fprintf(stderr, "ringcast-gen[%u]: %s\n", g->pid, g->failure);
	teardown(g);
	free(g->res);
	free(g->zfree);
	free(g->zfly);
	free(g->tmpl);
	return status;
}
