/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_conform's checks that arguments are read as corosync 3.1.7's libcpg
 * reads them: model data with .model left 0, any guarantee value, the order
 * of corosync's parameter checks; and cpg_leave of another group's name,
 * where ringcast keeps a clear answer. Each is a point where ringcast once
 * answered differently; all run against both.
 */
#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpgt.h"
#include "conform.h"

static struct hstate sa;

static int has_totem(const struct hstate *st, const void *arg)
{
	(void)arg;
	return st->n_totem > 0;
}

/* Join g and wait for our own confchg. */
static int join_and_wait(struct hstate *st, const struct cpg_name *g, const char *what)
{
	struct confq q = { .group = g, .pid = (uint32_t)getpid() };

	(void)cpg_local_get(st->h, &q.nodeid);
	if (!expect(cpg_join(st->h, g), CS_OK, "%s: cpg_join", what))
		return 0;
	return check(wait_conf(st, &q, opt.timeout_ms) != NULL, "%s: own join confchg", what);
}

static int sent_and_delivered(struct hstate *st, cpg_guarantee_t gt, const char *what)
{
	unsigned int from = st->n_msg;
	uint32_t tag = new_tag();

	if (!expect(send_tagged(st, gt, tag, 200), CS_OK, "%s: cpg_mcast_joined", what))
		return 0;
	return check(wait_msg(st, from, tag, 0, opt.timeout_ms), "%s: delivered", what);
}

/*
 * The way corosync's testcpg and cpgbench fill cpg_model_v1_data_t: only
 * callbacks and flags named, .model 0. Every valid flag combination.
 */
static void check_model_left_zero(unsigned int flags)
{
	char what[96];
	struct cpg_name g;

	snprintf(what, sizeof(what), "model data with .model 0, flags 0x%x", flags);
	if (!expect(open_v1_model0(&sa, "m0", flags), CS_OK, "%s: cpg_model_initialize", what))
		return;
	group_name(&g, flags ? "model0-totem" : "model0");
	if (join_and_wait(&sa, &g, what)) {
		if (flags & CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF)
			check(wait_for(&sa, has_totem, NULL, opt.timeout_ms),
			      "%s: the initial totem confchg arrives", what);
		else
			check(sa.n_totem == 0, "%s: no totem confchg (%u)", what, sa.n_totem);
		sent_and_delivered(&sa, CPG_TYPE_AGREED, what);
	}
	expect(cpg_finalize(sa.h), CS_OK, "%s: cpg_finalize", what);
}

/* Whatever .model says, the model argument decides. */
static void check_model_field_ignored(void)
{
	cpg_model_v1_data_t m = { .model = (cpg_model_t)7 };
	cpg_handle_t h;
	cs_error_t err;

	err = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&m, NULL);
	if (expect(err, CS_OK, "cpg_model_initialize(CPG_MODEL_V1) with .model 7 in the data"))
		cpg_finalize(h);
}

/* corosync's libcpg passes any guarantee on, and its daemon delivers it. */
static void check_any_guarantee(struct hstate *st)
{
	unsigned int from;
	void *buf = NULL;
	uint32_t tag;

	sent_and_delivered(st, (cpg_guarantee_t)9, "cpg_mcast_joined with guarantee 9");
	sent_and_delivered(st, (cpg_guarantee_t)-1, "cpg_mcast_joined with guarantee -1");
	if (!expect(cpg_zcb_alloc(st->h, 300, &buf), CS_OK, "cpg_zcb_alloc (guarantee 9)") || !buf)
		return;
	tag = new_tag();
	from = st->n_msg;
	fill_payload(buf, 300, tag);
	if (expect(cpg_zcb_mcast_joined(st->h, (cpg_guarantee_t)9, buf, 300), CS_OK,
		   "cpg_zcb_mcast_joined with guarantee 9"))
		check(wait_msg(st, from, tag, 0, opt.timeout_ms),
		      "cpg_zcb_mcast_joined with guarantee 9: delivered");
	expect(cpg_zcb_free(st->h, buf), CS_OK, "cpg_zcb_free (guarantee 9)");
}

/* corosync's cpg_zcb_mcast_joined says TOO_BIG before it looks at msg. */
static void check_zcb_too_big_first(struct hstate *st)
{
	char local[64];

	expect(cpg_zcb_mcast_joined(st->h, CPG_TYPE_AGREED, local, SIZE_MAX / 2),
	       CS_ERR_TOO_BIG, "cpg_zcb_mcast_joined of SIZE_MAX/2 bytes: TOO_BIG before the buffer");
}

/*
 * cpg_leave naming a group the handle is not in. corosync 3.1.7: CS_OK, but
 * nothing is left (no confchg, still a member) and the handle can never
 * leave its group again (NOT_EXIST). ringcast: NOT_EXIST, and the real leave
 * works (docs/compatibility.md).
 */
static void check_leave_other_name(struct hstate *st, const struct cpg_name *g)
{
	struct confq q = { .group = g, .pid = (uint32_t)getpid(), .left = 1 };
	const struct conf_ev *ev;
	struct cpg_name other;

	(void)cpg_local_get(st->h, &q.nodeid);
	group_name(&other, "never-joined");
	expect(cpg_leave(st->h, &other), opt.corosync ? CS_OK : CS_ERR_NOT_EXIST,
	       "cpg_leave naming a group the handle is not in");
	q.from = st->n_conf;
	if (opt.corosync) {
		expect(cpg_leave(st->h, g), CS_ERR_NOT_EXIST,
		       "corosync: its own group cannot be left after that");
		return;
	}
	if (!expect(cpg_leave(st->h, g), CS_OK, "cpg_leave of the joined group after it"))
		return;
	ev = wait_conf(st, &q, opt.timeout_ms);
	if (check(ev != NULL, "that leave: own confchg, us in the left list"))
		expect_reason(conf_reason(ev, &q), CPG_REASON_LEAVE, "that leave: reason");
}

/* corosync checks a name's length before every other parameter. */
static void check_iteration_order(struct hstate *st)
{
	cpg_iteration_handle_t it;
	struct cpg_name g;

	memset(&g, 'y', sizeof(g));
	g.length = CPG_MAX_NAME_LENGTH + 1;
	expect(cpg_iteration_initialize(st->h, CPG_ITERATION_ALL, &g, &it), CS_ERR_NAME_TOO_LONG,
	       "cpg_iteration_initialize(ALL) with a 129-byte group: NAME_TOO_LONG first");
	expect(cpg_iteration_initialize(st->h, (cpg_iteration_type_t)0, &g, &it),
	       CS_ERR_NAME_TOO_LONG,
	       "cpg_iteration_initialize(type 0) with a 129-byte group: NAME_TOO_LONG first");
	expect(cpg_iteration_initialize(st->h, CPG_ITERATION_ONE_GROUP, &g, NULL),
	       CS_ERR_NAME_TOO_LONG,
	       "cpg_iteration_initialize(ONE_GROUP, 129 bytes, NULL handle): NAME_TOO_LONG first");
	expect(cpg_iteration_initialize(st->h, (cpg_iteration_type_t)9, NULL, &it),
	       CS_ERR_INVALID_PARAM, "cpg_iteration_initialize(type 9) without a group");
}

void conform_args(void)
{
	struct cpg_name g;

	conform_step = "model data as corosync programs fill it";
	check_model_left_zero(0);
	check_model_left_zero(CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF);
	check_model_field_ignored();

	conform_step = "arguments as corosync reads them";
	if (!expect(open_v1_model0(&sa, "args", 0), CS_OK, "cpg_model_initialize (arguments)"))
		return;
	check_iteration_order(&sa);
	group_name(&g, "args");
	if (join_and_wait(&sa, &g, "arguments")) {
		check_any_guarantee(&sa);
		check_zcb_too_big_first(&sa);
		check_leave_other_name(&sa, &g);
	}
	expect(cpg_finalize(sa.h), CS_OK, "cpg_finalize (arguments)");
}
