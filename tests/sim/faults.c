/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership faults: the run's schedule (faults given on the command line,
 * plus with --churn a random one drawn from the seed), how each prints, and
 * what each does when its time comes. The schedule is a pure function of
 * the options, so it is printed before a run and replays from the seed.
 * Every fault ends at the end of the fault phase: down nodes restart,
 * partitions heal, asymmetric loss and token storms stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MS		1000000ull
#define US		1000ull

uint64_t sim_converge_default(const struct rc_totem_config *cfg)
{
	return cfg->token_timeout_ns + 2 * cfg->consensus_timeout_ns +
	       1000 * MS;
}

static int add(struct sim_sched *sc, const struct sim_fault *f)
{
	if (sc->n == SIM_SCHED_MAX)
		return -ENOSPC;
	sc->f[sc->n++] = *f;
	return 0;
}

/* Crashes and leaves, each restarted later; partitions and heals;
 * asymmetric loss; token storms. At least one node is always up. */
static void churn(const struct sim_opts *o, struct sim_sched *sc, uint64_t end)
{
	uint64_t down_until[SIM_MAX_NODES] = { 0 }, part_until = 0;
	uint64_t storm_until = 0, t, back;
	uint32_t n = o->nodes, i, up, a, b, k;
	struct sim_fault f;
	struct sim_rng r;

	sim_rng_seed(&r, sim_mix64(o->seed ^ 0x636875726e210000ull));
	t = sim_rng_range(&r, 5000, 60000) * US;
	while (t + 20 * MS < end && sc->n + 4 < SIM_SCHED_MAX) {
		memset(&f, 0, sizeof(f));
		f.t = t;
		k = (uint32_t)sim_rng_below(&r, 100);
		for (up = 0, i = 0; i < n; i++)
			up += down_until[i] <= t;
		if (k < 40 && up >= 2) {
			/* crash (or, one time in three, leave) and restart */
			do
				a = (uint32_t)sim_rng_below(&r, n);
			while (down_until[a] > t);
			f.kind = k < 27 ? SIM_F_CRASH : SIM_F_LEAVE;
			f.a = (uint8_t)(a + 1);
			add(sc, &f);
			back = t + sim_rng_range(&r, 100000, 900000) * US;
			down_until[a] = UINT64_MAX;
			if (back < end) {
				f.kind = SIM_F_RESTART;
				f.t = back;
				add(sc, &f);
				down_until[a] = back;
			}
		} else if (k < 62 && part_until <= t) {
			uint32_t groups = sim_rng_chance(&r, 0.7) ? 2 : 3, seen = 0;

			f.kind = SIM_F_PARTITION;
			memset(f.grp, SIM_GRP_NONE, sizeof(f.grp));
			for (i = 0; i < n; i++) {
				f.grp[i] = (uint8_t)sim_rng_below(&r, groups);
				seen |= 1u << f.grp[i];
			}
			if (seen == 1u << f.grp[0])	/* one group: split one off */
				f.grp[sim_rng_below(&r, n)] ^= 1;
			add(sc, &f);
			part_until = t + sim_rng_range(&r, 100000, 900000) * US;
			if (part_until < end) {
				memset(f.grp, 0, sizeof(f.grp));
				f.kind = SIM_F_HEAL;
				f.t = part_until;
				add(sc, &f);
			}
		} else if (k < 78) {
			a = (uint32_t)sim_rng_below(&r, n);
			b = (uint32_t)sim_rng_below(&r, n - 1);
			b += b >= a;
			f.kind = SIM_F_ASYM;
			f.a = (uint8_t)(a + 1);
			f.b = (uint8_t)(b + 1);
			f.p = (double)sim_rng_range(&r, 30, 100) / 100;
			add(sc, &f);
			f.t = t + sim_rng_range(&r, 50000, 600000) * US;
			if (f.t < end) {
				f.kind = SIM_F_ASYM_HEAL;
				f.p = 0;
				add(sc, &f);
			}
		} else if (k < 90 && storm_until <= t) {
			f.kind = SIM_F_STORM;
			f.p = (double)sim_rng_range(&r, 30, 100) / 100;
			f.dur = sim_rng_range(&r, 50000, 400000) * US;
			if (t + f.dur >= end)
				f.dur = end - t - 1 * US;
			storm_until = t + f.dur;
			add(sc, &f);
		}
		t += sim_rng_range(&r, 30000, 500000) * US;
	}
}

static int check_fault(const struct sim_opts *o, struct sim_fault *f)
{
	uint32_t i, seen = 0, top = 0;

	if (f->kind == SIM_F_PARTITION) {
		/* unlisted nodes of this run form one more group */
		for (i = 0; i < o->nodes; i++)
			if (f->grp[i] < SIM_GRP_REST && f->grp[i] >= top)
				top = f->grp[i] + 1u;
		for (i = 0; i < SIM_MAX_NODES; i++) {
			if (i >= o->nodes && f->grp[i] < SIM_GRP_REST)
				return -1;	/* names a node beyond --nodes */
			if (i >= o->nodes)
				f->grp[i] = SIM_GRP_NONE;
			else if (f->grp[i] == SIM_GRP_REST)
				f->grp[i] = (uint8_t)top;
		}
	}

	if ((f->kind == SIM_F_CRASH || f->kind == SIM_F_RESTART ||
	     f->kind == SIM_F_LEAVE || f->kind == SIM_F_ASYM || f->kind == SIM_F_PAUSE) &&
	    (f->a < 1 || f->a > o->nodes))
		return -1;
	if ((f->kind == SIM_F_ASYM || (f->kind == SIM_F_ASYM_HEAL && f->a)) &&
	    (f->b < 1 || f->b > o->nodes || f->a == f->b))
		return -1;
	if (f->kind == SIM_F_PARTITION) {
		for (i = 0; i < o->nodes; i++)
			seen |= 1u << f->grp[i];
		if (seen == 1u << f->grp[0])
			return -1;
	}
	return 0;
}

int sim_schedule_build(const struct sim_opts *o, struct sim_sched *sc)
{
	struct sim_fault f, tmp;
	uint64_t last = 0;
	uint32_t i, j;
	char buf[128];

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < o->n_faults; i++) {
		f = o->faults[i];
		sim_fault_format(&f, buf, sizeof(buf));
		if (check_fault(o, &f) < 0) {
			fprintf(stderr, "ringcast-sim: fault '%s' names a node outside 1..%u or splits nothing\n",
				buf, o->nodes);
			return -EINVAL;
		}
		if (o->fault_ns != SIM_FAULT_AUTO &&
		    f.t + (f.kind == SIM_F_STORM || f.kind == SIM_F_PAUSE ? f.dur : 0) >=
		    o->fault_ns) {
			fprintf(stderr, "ringcast-sim: fault '%s' is not before the end of faults (--duration)\n",
				buf);
			return -EINVAL;
		}
		add(sc, &f);
	}
	sc->end = o->fault_ns;
	if (o->churn && sc->end == SIM_FAULT_AUTO) {
		struct sim_rng r;

		sim_rng_seed(&r, sim_mix64(o->seed ^ 0x656e642d6f662d66ull));
		sc->end = sim_rng_range(&r, 500, 2500) * MS;
	}
	if (o->churn)
		churn(o, sc, sc->end);
	if (o->pauses)
		sim_pause_schedule(o, sc);
	for (i = 0, j = sc->n; i < j; i++) {
		if (sc->f[i].kind != SIM_F_STORM && sc->f[i].kind != SIM_F_PAUSE)
			continue;
		f = sc->f[i];
		f.kind = f.kind == SIM_F_STORM ? SIM_F_STORM_END : SIM_F_PAUSE_END;
		f.t += f.dur;
		if (add(sc, &f) < 0)
			return -ENOSPC;
	}
	/* stable sort by time: a given order at one instant is kept */
	for (i = 1; i < sc->n; i++) {
		tmp = sc->f[i];
		for (j = i; j > 0 && sc->f[j - 1].t > tmp.t; j--)
			sc->f[j] = sc->f[j - 1];
		sc->f[j] = tmp;
	}
	for (i = 0; i < sc->n; i++)
		if (sc->f[i].t > last)
			last = sc->f[i].t;
	if (sc->end == SIM_FAULT_AUTO && sc->n)
		sc->end = last + SIM_FAULT_TAIL;
	return 0;
}

/* Groups as "1,2|3,4"; nodes outside the run or unlisted are left out. */
void sim_groups_format(char *buf, size_t n, const uint8_t *grp)
{
	uint32_t done = 0, i, j, nodes = SIM_MAX_NODES;
	size_t l = 0;

	buf[0] = '\0';
	for (i = 0; i < nodes; i++) {
		if ((done & (1u << i)) || grp[i] >= SIM_GRP_REST)
			continue;
		if (l)
			l += (size_t)snprintf(buf + l, n - l, "|");
		for (j = i; j < nodes && l < n; j++) {
			if (grp[j] != grp[i])
				continue;
			done |= 1u << j;
			l += (size_t)snprintf(buf + l, n - l, "%s%u",
					      j == i ? "" : ",", j + 1);
		}
	}
}

/* e.g. "crash node 3"; the option syntax follows from it (docs/simulator.md). */
void sim_fault_format(const struct sim_fault *f, char *buf, size_t n)
{
	char g[80];

	switch (f->kind) {
	case SIM_F_CRASH:
		snprintf(buf, n, "crash node %u", f->a);
		break;
	case SIM_F_RESTART:
		snprintf(buf, n, "restart node %u", f->a);
		break;
	case SIM_F_LEAVE:
		snprintf(buf, n, "leave node %u", f->a);
		break;
	case SIM_F_PARTITION:
		sim_groups_format(g, sizeof(g), f->grp);
		snprintf(buf, n, "partition %s", g);
		break;
	case SIM_F_HEAL:
		snprintf(buf, n, "heal");
		break;
	case SIM_F_ASYM:
		snprintf(buf, n, "asym %u>%u loss %g%%", f->a, f->b, f->p * 100);
		break;
	case SIM_F_ASYM_HEAL:
		if (f->a)
			snprintf(buf, n, "asym-heal %u>%u", f->a, f->b);
		else
			snprintf(buf, n, "asym-heal all");
		break;
	case SIM_F_STORM:
		snprintf(buf, n, "token-storm loss %g%% for %.3fms", f->p * 100,
			 (double)f->dur / 1e6);
		break;
	case SIM_F_STORM_END:
		snprintf(buf, n, "token-storm ends");
		break;
	case SIM_F_PAUSE:
		snprintf(buf, n, "pause node %u for %.3fms", f->a, (double)f->dur / 1e6);
		break;
	case SIM_F_PAUSE_END:
		snprintf(buf, n, "node %u resumes", f->a);
		break;
	case SIM_F_END:
		snprintf(buf, n, "end of faults: down nodes restart, partitions heal, network perfect");
		break;
	default:
		snprintf(buf, n, "?");
	}
}

/* ---- option syntax (opts.c parses everything else) ---- */

/* "N@T": a node and a time (bare number: ms). */
static int parse_at(const char *s, uint64_t *t)
{
	const char *at = strchr(s, '@');

	return at && sim_parse_duration(at + 1, MS, t) == 0 ? 0 : -EINVAL;
}

static int parse_node(const char *s, const char *end, uint8_t *id)
{
	char buf[16];
	uint64_t v;

	if (end - s <= 0 || end - s >= (long)sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	if (sim_parse_u64(buf, &v, false) < 0 || v < 1 || v > SIM_MAX_NODES)
		return -EINVAL;
	*id = (uint8_t)v;
	return 0;
}

/* "A,B|C,D@T" or with '/' between groups. */
static int parse_groups(const char *s, struct sim_fault *f)
{
	const char *p = s, *e;
	uint8_t g = 0, id;

	memset(f->grp, SIM_GRP_REST, sizeof(f->grp));
	for (;;) {
		e = p + strcspn(p, ",|/@");
		if (parse_node(p, e, &id) < 0 || f->grp[id - 1] != SIM_GRP_REST)
			return -EINVAL;
		f->grp[id - 1] = g;
		if (*e == '|' || *e == '/')
			g++;
		else if (*e != ',')
			break;
		p = e + 1;
	}
	return *e == '@' && g >= 1 ? parse_at(e, &f->t) : -EINVAL;
}

/* "A>B" up to stop; the rest in *rest. */
static int parse_pair(const char *s, char stop, struct sim_fault *f,
		      const char **rest)
{
	const char *gt = strchr(s, '>'), *e;

	if (gt == NULL)
		return -EINVAL;
	e = strchr(gt, stop);
	if (e == NULL || parse_node(s, gt, &f->a) < 0 ||
	    parse_node(gt + 1, e, &f->b) < 0 || f->a == f->b)
		return -EINVAL;
	*rest = e;
	return 0;
}

int sim_fault_parse(struct sim_opts *o, int id, const char *name, const char *v)
{
	const char *rest, *colon;
	struct sim_fault f;
	char buf[32];
	int ret = 0;

	if (o->n_faults == SIM_MAX_FAULTS)
		return sim_opt_bad(name, v, "is one fault too many (at most 64)");
	memset(&f, 0, sizeof(f));
	switch (id) {
	case OPT_CRASH:
	case OPT_RESTART:
	case OPT_LEAVE:
		f.kind = id == OPT_CRASH ? SIM_F_CRASH : id == OPT_RESTART ?
			SIM_F_RESTART : SIM_F_LEAVE;
		ret = strchr(v, '@') ? parse_node(v, strchr(v, '@'), &f.a) : -EINVAL;
		if (ret == 0)
			ret = parse_at(v, &f.t);
		if (ret < 0)
			return sim_opt_bad(name, v, "is not N@T, a node 1..16 and a time (e.g. 3@200ms)");
		break;
	case OPT_PARTITION:
		f.kind = SIM_F_PARTITION;
		if (parse_groups(v, &f) < 0)
			return sim_opt_bad(name, v, "is not groups of nodes and a time, e.g. 1,2|3,4@100ms, each node once");
		break;
	case OPT_HEAL:
		f.kind = SIM_F_HEAL;
		if (sim_parse_duration(v[0] == '@' ? v + 1 : v, MS, &f.t) < 0)
			return sim_opt_bad(name, v, "is not @T (e.g. @600ms)");
		break;
	case OPT_ASYM:
		f.kind = SIM_F_ASYM;
		if (parse_pair(v, ':', &f, &rest) < 0 || !strchr(rest, '@') ||
		    (size_t)(strchr(rest, '@') - rest - 1) >= sizeof(buf))
			return sim_opt_bad(name, v, "is not A>B:P@T (e.g. 2>3:50%@100ms)");
		memcpy(buf, rest + 1, (size_t)(strchr(rest, '@') - rest - 1));
		buf[strchr(rest, '@') - rest - 1] = '\0';
		if (sim_parse_prob(buf, &f.p) < 0 || f.p <= 0 || parse_at(rest, &f.t) < 0)
			return sim_opt_bad(name, v, "is not A>B:P@T with 0 < P <= 1 (e.g. 2>3:50%@100ms)");
		break;
	case OPT_ASYM_HEAL:
		f.kind = SIM_F_ASYM_HEAL;
		if (v[0] == '@')
			ret = parse_at(v, &f.t);
		else if (parse_pair(v, '@', &f, &rest) == 0)
			ret = parse_at(rest, &f.t);
		else
			ret = -EINVAL;
		if (ret < 0)
			return sim_opt_bad(name, v, "is not @T or A>B@T");
		break;
	case OPT_PAUSE_AT:
		f.kind = SIM_F_PAUSE;
		colon = strchr(v, '@') ? strchr(strchr(v, '@'), ':') : NULL;
		if (colon == NULL || parse_node(v, strchr(v, '@'), &f.a) < 0 ||
		    (size_t)(colon - strchr(v, '@')) >= sizeof(buf))
			return sim_opt_bad(name, v, "is not N@T:DUR (e.g. 3@200ms:3s)");
		memcpy(buf, strchr(v, '@') + 1, (size_t)(colon - strchr(v, '@') - 1));
		buf[colon - strchr(v, '@') - 1] = '\0';
		if (sim_parse_duration(buf, MS, &f.t) < 0 ||
		    sim_parse_duration(colon + 1, MS, &f.dur) < 0 || f.dur == 0 ||
		    f.dur > 60000 * MS)
			return sim_opt_bad(name, v, "is not N@T:DUR with 0 < DUR <= 60s");
		break;
	case OPT_TOKEN_STORM:
		f.kind = SIM_F_STORM;
		colon = strchr(v, '@') ? strchr(strchr(v, '@'), ':') : NULL;
		if (colon == NULL || (size_t)(strchr(v, '@') - v) >= sizeof(buf) ||
		    (size_t)(colon - strchr(v, '@')) >= sizeof(buf))
			return sim_opt_bad(name, v, "is not P@T:DUR (e.g. 90%@100ms:300ms)");
		memcpy(buf, v, (size_t)(strchr(v, '@') - v));
		buf[strchr(v, '@') - v] = '\0';
		ret = sim_parse_prob(buf, &f.p);
		memcpy(buf, strchr(v, '@') + 1, (size_t)(colon - strchr(v, '@') - 1));
		buf[colon - strchr(v, '@') - 1] = '\0';
		if (ret < 0 || f.p <= 0 || sim_parse_duration(buf, MS, &f.t) < 0 ||
		    sim_parse_duration(colon + 1, MS, &f.dur) < 0 || f.dur == 0)
			return sim_opt_bad(name, v, "is not P@T:DUR with 0 < P <= 1 and DUR > 0");
		break;
	default:
		return -EINVAL;
	}
	if (f.t > 3600000 * MS)
		return sim_opt_bad(name, v, "is later than 1h");
	o->faults[o->n_faults++] = f;
	return 0;
}

/* The given faults as options, for the replay command line. */
void sim_faults_format(const struct sim_opts *o, char *buf, size_t n)
{
	const struct sim_fault *f;
	char a[32], b[32], c[80], *p;
	size_t l;
	uint32_t i;

#define ADD(...) do { l = strlen(buf); snprintf(buf + l, n - l, __VA_ARGS__); } while (0)
	buf[0] = '\0';
	for (i = 0; i < o->n_faults; i++) {
		f = &o->faults[i];
		sim_fmt_duration(a, sizeof(a), f->t);
		switch (f->kind) {
		case SIM_F_CRASH:
		case SIM_F_RESTART:
		case SIM_F_LEAVE:
			ADD(" --%s %u@%s", f->kind == SIM_F_CRASH ? "crash" :
			    f->kind == SIM_F_RESTART ? "restart" : "leave", f->a, a);
			break;
		case SIM_F_PARTITION:
			sim_groups_format(c, sizeof(c), f->grp);
			for (p = c; *p; p++)
				if (*p == '|')
					*p = '/';	/* no quoting needed */
			ADD(" --partition %s@%s", c, a);
			break;
		case SIM_F_HEAL:
			ADD(" --heal @%s", a);
			break;
		case SIM_F_ASYM:
			sim_fmt_double(b, sizeof(b), f->p);
			ADD(" --asym '%u>%u:%s@%s'", f->a, f->b, b, a);
			break;
		case SIM_F_ASYM_HEAL:
			if (f->a)
				ADD(" --asym-heal '%u>%u@%s'", f->a, f->b, a);
			else
				ADD(" --asym-heal @%s", a);
			break;
		case SIM_F_STORM:
			sim_fmt_double(b, sizeof(b), f->p);
			sim_fmt_duration(c, sizeof(c), f->dur);
			ADD(" --token-storm %s@%s:%s", b, a, c);
			break;
		case SIM_F_PAUSE:
			sim_fmt_duration(c, sizeof(c), f->dur);
			ADD(" --pause-at %u@%s:%s", f->a, a, c);
			break;
		}
	}
#undef ADD
}

void sim_schedule_print(const struct sim_opts *o, FILE *out)
{
	struct sim_sched sc;
	struct sim_fault end = { .kind = SIM_F_END };
	char buf[160];
	uint32_t i;

	if (sim_schedule_build(o, &sc) < 0 || (sc.n == 0 && !o->churn))
		return;
	for (i = 0; i < sc.n; i++) {
		sim_fault_format(&sc.f[i], buf, sizeof(buf));
		fprintf(out, "fault t=%.3fms %s\n", (double)sc.f[i].t / 1e6, buf);
	}
	sim_fault_format(&end, buf, sizeof(buf));
	if (sc.end != SIM_FAULT_AUTO)
		fprintf(out, "fault t=%.3fms %s\n", (double)sc.end / 1e6, buf);
}

void sim_fault_apply(struct sim *s, const struct sim_fault *f)
{
	uint32_t i, j;
	bool did = false;
	char buf[160];

	if (s->o.verbose) {
		sim_fault_format(f, buf, sizeof(buf));
		sim_trace(s, "fault: %s", buf);
	}
	switch (f->kind) {
	case SIM_F_CRASH:
	case SIM_F_LEAVE:
		sim_node_crash(s, &s->node[f->a - 1], f->kind == SIM_F_LEAVE);
		break;
	case SIM_F_RESTART:
		sim_node_restart(s, &s->node[f->a - 1]);
		break;
	case SIM_F_PARTITION:
		for (i = 0; i < s->o.nodes; i++)
			s->node[i].group = f->grp[i];
		for (i = 0; i < s->o.nodes; i++)
			for (j = 0; j < s->o.nodes; j++)
				if (f->grp[i] != f->grp[j])
					sim_pair_break(s, i, j);
		break;
	case SIM_F_HEAL:
		for (i = 0; i < s->o.nodes; i++)
			s->node[i].group = 0;
		break;
	case SIM_F_ASYM:
		s->asym[f->a - 1][f->b - 1] = f->p;
		sim_pair_break(s, f->a - 1u, f->b - 1u);
		break;
	case SIM_F_ASYM_HEAL:
		if (f->a)
			s->asym[f->a - 1][f->b - 1] = 0;
		else
			memset(s->asym, 0, sizeof(s->asym));
		break;
	case SIM_F_STORM:
		s->storm = f->p;
		break;
	case SIM_F_STORM_END:
		s->storm = 0;
		break;
	case SIM_F_PAUSE:
		sim_pause_node(s, &s->node[f->a - 1], f->dur);
		return;
	case SIM_F_PAUSE_END:
		return;
	case SIM_F_END:
		for (i = 0; i < s->o.nodes; i++) {
			did |= s->node[i].group != 0 || !s->node[i].up;
			s->node[i].group = 0;
			for (j = 0; j < s->o.nodes; j++)
				s->asym[i][j] = 0;
		}
		s->storm = 0;
		for (i = 0; i < s->o.nodes; i++)
			if (!s->node[i].up)
				sim_node_restart(s, &s->node[i]);
		if (!did)
			return;
		break;
	}
	sim_reform_fault(s, f);
}
