/* SPDX-License-Identifier: BSD-3-Clause */
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
#include <sys/prctl.h>
#include <unistd.h>

#include "ringcast-gen.h"

void rc_gen_fail(struct rc_gen *g, const char *fmt, ...)
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
void rc_gen_note(struct rc_gen *g, uint64_t count, const char *fmt, ...)
{
	va_list ap;

	if (count > RC_GEN_MAX_REPORTS || g->quiet)
		return;
	rc_gen_progress_clear(g);
	fprintf(stderr, "ringcast-gen[%u]: ", g->pid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (count == RC_GEN_MAX_REPORTS)
		fputs(" (no more of this kind shown)", stderr);
	fputc('\n', stderr);
}

unsigned int rc_gen_n_steps(const struct rc_gen *g)
{
	return g->o.n_sizes;
}

struct rc_gen_result *rc_gen_res(struct rc_gen *g, unsigned int step, unsigned int peer)
{
	return &g->res[(size_t)step * g->o.instances + peer];
}

static void on_signal(int sig)
{
	rc_gen_stop = 1;
}

static bool enough_members(const struct rc_gen *g)
{
	return g->members >= g->o.instances;
}

static bool enough_peers(const struct rc_gen *g)
{
	return g->n_peers >= g->o.instances;
}

/* Connect: handle, fd, nodeid, the largest message. 0, 1 (failed), 2 (bad size). */
static int connect_cpg(struct rc_gen *g)
{
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = rc_gen_deliver_cb,
		.cpg_confchg_fn = rc_gen_confchg_cb,
		.cpg_totem_confchg_fn = rc_gen_totem_cb,
		/* the history starts with the ring this instance attached in */
		.flags = g->o.history_path ? CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF : 0,
	};
	cs_error_t err;

	err = cpg_model_initialize(&g->h, CPG_MODEL_V1, (cpg_model_data_t *)&model, g);
	if (err != CS_OK) {
		fprintf(stderr, "ringcast-gen: cpg_model_initialize: %s%s\n", rc_gen_err(err),
			err == CS_ERR_LIBRARY ? " (no daemon? for ringcast, is RINGCAST_SOCKET "
			"set?)" : "");
		return 1;
	}
	if ((err = cpg_local_get(g->h, &g->nodeid)) != CS_OK ||
	    (err = cpg_fd_get(g->h, &g->fd)) != CS_OK ||
	    (err = cpg_max_atomic_msgsize_get(g->h, &g->max_atomic)) != CS_OK) {
		fprintf(stderr, "ringcast-gen: cpg_local_get/fd_get/max_atomic_msgsize_get: %s\n",
			rc_gen_err(err));
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

static int setup(struct rc_gen *g)
{
	size_t n = (size_t)rc_gen_n_steps(g) * g->o.instances;

	g->res = calloc(n, sizeof(*g->res));
	g->zfree = calloc(g->o.zcb_pool, sizeof(*g->zfree));
	g->zfly = calloc(g->o.zcb_pool, sizeof(*g->zfly));
	if (g->res == NULL || g->zfree == NULL || g->zfly == NULL)
		return -ENOMEM;
	return 0;
}

/* Join, wait for the members, say hello, wait for everyone's hello. */
static int meet(struct rc_gen *g)
{
	struct rc_gen_hello hello = { .opts_hash = g->opts_hash, .role = g->o.role,
				   .zcb = g->o.zcb };
	cs_error_t err;
	int ret;

	err = cpg_join(g->h, &g->group);
	if (err != CS_OK) {
		rc_gen_fail(g, "cpg_join(%s): %s", g->o.group, rc_gen_err(err));
		return -EIO;
	}
	g->joined = true;
	ret = rc_gen_wait(g, enough_members, "the group to have --instances members");
	if (ret < 0)
		return ret;
	/*
	 * Sent only now: every instance that is a member by now gets every
	 * HELLO, so all agree on who came first (the first N take part).
	 */
	ret = rc_gen_send_ctl(g, RC_GEN_T_HELLO, &hello, sizeof(hello));
	if (ret < 0)
		return ret;
	g->hello_sent = true;
	return rc_gen_wait(g, enough_peers, "the other instances to say hello");
}

static void best_effort_abort(struct rc_gen *g)
{
	struct rc_gen_abort a;

	if (!g->joined || !g->failed)
		return;
	memset(&a, 0, sizeof(a));
	snprintf(a.why, sizeof(a.why), "%.190s", g->failure);
	(void)rc_gen_send_ctl(g, RC_GEN_T_ABORT, &a, sizeof(a));
}

static void teardown(struct rc_gen *g)
{
	if (g->h == 0)
		return;
	rc_gen_zcb_release(g);
	if (g->joined)
		(void)cpg_leave(g->h, &g->group);
	(void)cpg_finalize(g->h);
	g->h = 0;
}

int main(int argc, char **argv)
{
	static struct rc_gen gen;
	struct rc_gen *g = &gen;
	struct sigaction sa;
	int ret, status;
	bool ok;

	ret = rc_gen_opts_parse(argc, argv, &g->o);
	if (ret == 1)
		return 0;
	if (ret != 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* rate: wake at the scheduled time, not up to 50 us after it */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	g->pid = (uint32_t)getpid();
	g->hist_fd = -1;
	g->me = -1;
	g->order_hash = RC_GEN_FNV_OFFSET;
	g->opts_hash = rc_gen_opts_hash(&g->o);
	g->progress = g->o.progress == 1 || (g->o.progress == -1 && isatty(STDOUT_FILENO));
	g->stamp_offset = rc_gen_stamp_now(g) - rc_gen_now_ns();
	g->group.length = (uint32_t)strlen(g->o.group);
	memcpy(g->group.value, g->o.group, g->group.length);
	if (setup(g) < 0) {
		fprintf(stderr, "ringcast-gen: out of memory\n");
		return 1;
	}
	ret = connect_cpg(g);
	if (ret == 0 && g->o.history_path && rc_gen_history_open(g, g->o.history_path) < 0)
		ret = 1;
	if (ret != 0) {
		teardown(g);
		return ret;
	}
	if (g->o.mode == RC_GEN_SOAK) {
		status = rc_gen_soak(g);
		teardown(g);
		free(g->zfree);
		free(g->zfly);
		free(g->res);
		free(g->tmpl);
		return status;
	}
	rc_gen_step_reset(g);
	if (meet(g) == 0) {
		while (g->steps_done < rc_gen_n_steps(g) && !rc_gen_failed(g))
			if (rc_gen_run_step(g) < 0)
				break;
		if (!rc_gen_failed(g) && g->steps_done == rc_gen_n_steps(g))
			rc_gen_linger(g);
	}
	best_effort_abort(g);
	g->finished = true;
	rc_gen_progress_clear(g);

	rc_gen_report_table(g, stdout);
	ok = rc_gen_verdict(g, stdout);
	status = ok ? 0 : 1;
	if (g->o.json_path && rc_gen_report_json(g, g->o.json_path) < 0)
		status = 1;
	if (g->o.csv_path && rc_gen_report_csv(g, g->o.csv_path) < 0)
		status = 1;
	if (!ok && g->failed)
		fprintf(stderr, "ringcast-gen[%u]: %s\n", g->pid, g->failure);
	/* ok: every own message came back (each DONE came after its data) */
	rc_gen_history_close(g, ok ? "ok" : "error");
	teardown(g);
	free(g->res);
	free(g->zfree);
	free(g->zfly);
	free(g->tmpl);
	return status;
}
