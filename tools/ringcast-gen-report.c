/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen's output: the live line (a terminal only, once a second, with
 * \r), the table at the end, --json and --csv, and the verdict. The table
 * and files come from the RESULT messages every instance sent, so each
 * instance prints the same numbers for all of them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringcast-gen.h"

#define TICK_NS	1000000000ull

static const char *phase_name(enum rc_gen_phase p)
{
	switch (p) {
	case RC_GEN_WAIT: return "waiting";
	case RC_GEN_WARMUP: return "warm-up";
	case RC_GEN_MEASURE: return "measure";
	case RC_GEN_ENDING: return "ending";
	}
	return "?";
}

static const char *send_path(const struct rc_gen_opts *o, bool zcb)
{
	if (!zcb)
		return "copy";
	return o->zcb_alloc_each ? "zcb-each" : "zcb";
}

void rc_gen_progress_tick(struct rc_gen *g, uint64_t now)
{
	char sz[16], rx[16], tx[16], p50[16], p99[16];
	struct rc_gen_result *r = &g->cur;
	double dt, secs;

	if (g->next_tick == 0) {
		g->next_tick = now + TICK_NS;
		g->last_tick = now;
		return;
	}
	if (now < g->next_tick)
		return;
	dt = (double)(now - g->last_tick) / 1e9;
	rc_gen_fmt_size(sz, sizeof(sz), g->o.sizes[g->step]);
	if (!g->have_start) {
		printf("\r[%s %s] waiting: %zu members, %u/%u instances said hello\033[K",
		       rc_gen_mode_name(g->o.mode), sz, g->members, g->n_peers, g->o.instances);
	} else {
		secs = now < g->t_measure ? (double)(now - g->t_start) / 1e9
					  : (double)(now - g->t_measure) / 1e9;
		printf("\r[%s %s", rc_gen_mode_name(g->o.mode), sz);
		if (rc_gen_n_steps(g) > 1)
			printf(" %u/%u", g->step + 1, rc_gen_n_steps(g));
		printf("] %s %.0f/%.0fs  rx %s msg/s %.1f MB/s p50 %s p99 %s  tx %s/s "
		       "retries %" PRIu64 "  errors %" PRIu64 "\033[K",
		       phase_name(g->phase), secs,
		       g->phase == RC_GEN_WARMUP ? g->o.warmup_s : g->o.duration_s,
		       rc_gen_fmt_rate(rx, sizeof(rx), (double)g->iv_msgs / dt),
		       (double)g->iv_bytes / dt / 1e6,
		       rc_gen_fmt_ns(p50, sizeof(p50), rc_gen_hist_quantile(&g->iv_lat, 0.5)),
		       rc_gen_fmt_ns(p99, sizeof(p99), rc_gen_hist_quantile(&g->iv_lat, 0.99)),
		       rc_gen_fmt_rate(tx, sizeof(tx), (double)(r->sent_total - g->iv_sent) / dt),
		       r->retries - g->iv_retries,
		       r->seq_errors + r->crc_errors + r->format_errors + r->lost + r->foreign);
	}
	fflush(stdout);
	g->iv_msgs = g->iv_bytes = 0;
	g->iv_sent = r->sent_total;
	g->iv_retries = r->retries;
	rc_gen_hist_init(&g->iv_lat);
	g->last_tick = now;
	g->next_tick = now + TICK_NS;
}

void rc_gen_progress_clear(struct rc_gen *g)
{
	if (g->progress && g->next_tick) {
		printf("\r\033[K");
		fflush(stdout);
	}
}

/* ---- per step: rows and the "all" row ---- */

uint64_t rc_gen_result_errors(const struct rc_gen_result *r)
{
	return r->seq_errors + r->crc_errors + r->format_errors + r->lost + r->foreign;
}

static double per_s(uint64_t n, const struct rc_gen_result *r)
{
	return r->window_ns ? (double)n * 1e9 / (double)r->window_ns : 0;
}

/* The histogram the table shows: ping, round trips; others, one way. */
static const struct rc_gen_hist *shown(const struct rc_gen *g, const struct rc_gen_result *r)
{
	return g->o.mode == RC_GEN_PING ? &r->rtt : &r->lat;
}

/* Sums over the instances; rx rates are the mean per listener. */
static void all_of(struct rc_gen *g, unsigned int step, struct rc_gen_result *a,
		   uint32_t *listeners)
{
	memset(a, 0, sizeof(*a));
	rc_gen_hist_init(&a->lat);
	rc_gen_hist_init(&a->rtt);
	*listeners = 0;
	for (uint32_t i = 0; i < g->o.instances; i++) {
		const struct rc_gen_result *r = rc_gen_res(g, step, i);

		a->size = r->size;
		if (r->window_ns > a->window_ns)
			a->window_ns = r->window_ns;
		a->sent += r->sent;
		a->sent_total += r->sent_total;
		a->retries += r->retries;
		a->pool_waits += r->pool_waits;
		a->seq_errors += r->seq_errors;
		a->crc_errors += r->crc_errors;
		a->format_errors += r->format_errors;
		a->lost += r->lost;
		a->foreign += r->foreign;
		a->lat_negative += r->lat_negative;
		rc_gen_hist_merge(&a->lat, &r->lat);
		rc_gen_hist_merge(&a->rtt, &r->rtt);
		if (r->role & RC_GEN_ROLE_LISTEN) {
			a->rx_msgs += r->rx_msgs;
			a->rx_bytes += r->rx_bytes;
			a->rx_total += r->rx_total;
			(*listeners)++;
		}
	}
	if (*listeners) {
		a->rx_msgs /= *listeners;
		a->rx_bytes /= *listeners;
		a->rx_total /= *listeners;
	}
}

/* The instances of step by (nodeid, pid): idx[0..instances). */
static void sorted(struct rc_gen *g, unsigned int step, uint32_t *idx)
{
	for (uint32_t i = 0; i < g->o.instances; i++) {
		const struct rc_gen_result *r = rc_gen_res(g, step, i);
		uint32_t k = i;

		for (; k > 0; k--) {
			const struct rc_gen_result *q = rc_gen_res(g, step, idx[k - 1]);

			if (q->nodeid < r->nodeid || (q->nodeid == r->nodeid && q->pid < r->pid))
				break;
			idx[k] = idx[k - 1];
		}
		idx[k] = i;
	}
}

static bool orders_agree(struct rc_gen *g, unsigned int step)
{
	uint64_t h = rc_gen_res(g, step, 0)->order_hash;

	for (uint32_t i = 1; i < g->o.instances; i++)
		if (rc_gen_res(g, step, i)->order_hash != h)
			return false;
	return true;
}

static void row(FILE *f, struct rc_gen *g, const char *node, const char *pid, const char *role,
		const struct rc_gen_result *r, bool listens)
{
	char sent[16], rx[16], p[5][16];
	struct rc_gen_lat l;

	rc_gen_hist_summary(shown(g, r), &l);
	fprintf(f, "%5s %8s %-6s %8s %8" PRIu64, node, pid, role,
		r->sent_total ? rc_gen_fmt_rate(sent, sizeof(sent), per_s(r->sent, r)) : "-",
		r->retries);
	if (listens)
		fprintf(f, " %10s %8.1f", rc_gen_fmt_rate(rx, sizeof(rx), per_s(r->rx_msgs, r)),
			per_s(r->rx_bytes, r) / 1e6);
	else
		fprintf(f, " %10s %8s", "-", "-");
	if (l.count)
		fprintf(f, " %8s %8s %8s %8s %8s",
			rc_gen_fmt_ns(p[0], sizeof(p[0]), l.p50),
			rc_gen_fmt_ns(p[1], sizeof(p[1]), l.p90),
			rc_gen_fmt_ns(p[2], sizeof(p[2]), l.p99),
			rc_gen_fmt_ns(p[3], sizeof(p[3]), l.p999),
			rc_gen_fmt_ns(p[4], sizeof(p[4]), l.max));
	else
		fprintf(f, " %8s %8s %8s %8s %8s", "-", "-", "-", "-", "-");
	fprintf(f, " %6" PRIu64 "\n", rc_gen_result_errors(r));
}

static void step_table(FILE *f, struct rc_gen *g, unsigned int step)
{
	char sz[16], node[16], pid[16];
	uint32_t listeners, idx[RC_GEN_MAX_INSTANCES];
	struct rc_gen_result a;

	rc_gen_fmt_size(sz, sizeof(sz), g->o.sizes[step]);
	fprintf(f, "\n%s: %u instance%s in group %s, %s-byte messages, %s, %s; warm-up %.1f s, "
		"measured %.1f s\n", rc_gen_mode_name(g->o.mode), g->o.instances,
		g->o.instances == 1 ? "" : "s", g->o.group, sz,
		g->o.zcb ? "cpg_zcb_mcast_joined" : "cpg_mcast_joined",
		rc_gen_guarantee_name(g->o.guarantee), g->o.warmup_s, g->o.duration_s);
	if (g->o.mode == RC_GEN_RATE)
		fprintf(f, "rate %.0f msg/s per sender, bursts of %u\n", g->o.rate, g->o.burst);
	fprintf(f, "%5s %8s %-6s %8s %8s %10s %8s %8s %8s %8s %8s %8s %6s\n", "node", "pid",
		"role", g->o.mode == RC_GEN_PING ? "pings/s" : "sent/s", "retries", "recv msg/s",
		"MB/s", g->o.mode == RC_GEN_PING ? "rtt p50" : "p50", "p90", "p99", "p99.9", "max",
		"errors");
	sorted(g, step, idx);
	for (uint32_t i = 0; i < g->o.instances; i++) {
		const struct rc_gen_result *r = rc_gen_res(g, step, idx[i]);

		snprintf(node, sizeof(node), "%u", r->nodeid);
		snprintf(pid, sizeof(pid), "%u", r->pid);
		row(f, g, node, pid, rc_gen_role_name(r->role), r, r->role & RC_GEN_ROLE_LISTEN);
	}
	all_of(g, step, &a, &listeners);
	if (g->o.instances > 1) {
		row(f, g, "all", "", "", &a, listeners > 0);
		fprintf(f, "all: sent/s and retries summed; recv msg/s and MB/s the mean per "
			"listener; latency over every delivery\n");
	}
	if (a.pool_waits)
		fprintf(f, "zcb: a sender waited %" PRIu64 " times for a buffer to come back "
			"(--zcb-pool %u)\n", a.pool_waits, g->o.zcb_pool);
	if (a.lat_negative)
		fprintf(f, "clocks: %" PRIu64 " messages arrived before they were sent: the "
			"nodes' clocks are not synchronised\n", a.lat_negative);
}

static void sweep_table(FILE *f, struct rc_gen *g)
{
	char sz[16], rx[16], p50[16], p99[16];
	struct rc_gen_result a;
	uint32_t listeners;
	struct rc_gen_lat l;

	fprintf(f, "\nsweep: per listener (mean)\n%8s %10s %9s %8s %8s %9s %6s\n", "size",
		"recv msg/s", "MB/s", "p50", "p99", "retries", "errors");
	for (unsigned int s = 0; s < g->steps_done; s++) {
		all_of(g, s, &a, &listeners);
		rc_gen_hist_summary(&a.lat, &l);
		fprintf(f, "%8s %10s %9.1f %8s %8s %9" PRIu64 " %6" PRIu64 "\n",
			rc_gen_fmt_size(sz, sizeof(sz), g->o.sizes[s]),
			rc_gen_fmt_rate(rx, sizeof(rx), per_s(a.rx_msgs, &a)),
			per_s(a.rx_bytes, &a) / 1e6, rc_gen_fmt_ns(p50, sizeof(p50), l.p50),
			rc_gen_fmt_ns(p99, sizeof(p99), l.p99), a.retries, rc_gen_result_errors(&a));
	}
}

void rc_gen_report_table(struct rc_gen *g, FILE *f)
{
	for (unsigned int s = 0; s < g->steps_done; s++)
		step_table(f, g, s);
	if (g->o.mode == RC_GEN_SWEEP && g->steps_done > 1)
		sweep_table(f, g);
	fflush(f);
}

/*
 * ok when nothing failed, no instance saw an error and all orders agree;
 * with f, says so (and what went wrong) on it.
 */
bool rc_gen_verdict(struct rc_gen *g, FILE *f)
{
	uint64_t errors = 0, delivered = 0;
	struct rc_gen_result a;
	uint32_t listeners;
	bool order = true;

	for (unsigned int s = 0; s < g->steps_done; s++) {
		all_of(g, s, &a, &listeners);
		errors += rc_gen_result_errors(&a);
		delivered += a.rx_total;
		if (orders_agree(g, s))
			continue;
		order = false;
		if (f == NULL)
			continue;
		fprintf(f, "ORDER: step %u: the instances delivered in different orders:", s);
		for (uint32_t i = 0; i < g->o.instances; i++)
			fprintf(f, " %u/%u=%016" PRIx64, rc_gen_res(g, s, i)->nodeid,
				rc_gen_res(g, s, i)->pid, rc_gen_res(g, s, i)->order_hash);
		fputc('\n', f);
	}
	if (f == NULL)
		goto out;
	if (g->steps_done)
		fprintf(f, "verify: %" PRIu64 " errors (sequence, CRC, format, lost, foreign) "
			"over %u instance%s; order %s (hash %016" PRIx64 ")\n", errors,
			g->o.instances, g->o.instances == 1 ? "" : "s",
			order ? "the same everywhere" : "DIFFERS",
			rc_gen_res(g, g->steps_done - 1, 0)->order_hash);
	if (g->failed)
		fprintf(f, "FAIL: %s\n", g->failure);
	else if (rc_gen_stop)
		fprintf(f, "FAIL: interrupted\n");
	else if (errors || !order)
		fprintf(f, "FAIL: verification\n");
	else
		fprintf(f, "ok: %" PRIu64 " messages delivered per listener, all verified\n",
			delivered);
	fflush(f);
out:
	return !rc_gen_failed(g) && errors == 0 && order && g->steps_done == rc_gen_n_steps(g);
}

/* ---- files ---- */

/* path with %n -> nodeid, %p -> pid, %% -> % into buf */
void rc_gen_path_expand(const struct rc_gen *g, const char *path, char *buf, size_t len)
{
	size_t o = 0;

	for (const char *p = path; *p && o + 12 < len; p++) {
		if (p[0] == '%' && p[1] == 'n')
			o += (size_t)snprintf(buf + o, len - o, "%u", g->nodeid), p++;
		else if (p[0] == '%' && p[1] == 'p')
			o += (size_t)snprintf(buf + o, len - o, "%u", g->pid), p++;
		else if (p[0] == '%' && p[1] == '%')
			buf[o++] = '%', p++;
		else
			buf[o++] = *p;
	}
	buf[o] = '\0';
}

/* "-" is stdout */
static FILE *open_out(struct rc_gen *g, const char *path, char *buf, size_t len)
{
	if (strcmp(path, "-") == 0)
		return stdout;
	rc_gen_path_expand(g, path, buf, len);
	return fopen(buf, "w");
}

static int close_out(FILE *f, const char *name)
{
	int bad = ferror(f);

	if (f == stdout)
		return fflush(f) || bad ? -EIO : 0;
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "ringcast-gen: writing %s failed\n", name);
		return -EIO;
	}
	return 0;
}

/* s as a JSON string (quotes, backslashes and controls escaped) */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_lat(FILE *f, const char *key, const struct rc_gen_hist *h)
{
	struct rc_gen_lat l;

	rc_gen_hist_summary(h, &l);
	fprintf(f, "\"%s\":{\"count\":%" PRIu64 ",\"min\":%" PRIu64 ",\"mean\":%" PRIu64
		",\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"p999\":%" PRIu64
		",\"max\":%" PRIu64 "}", key, l.count, l.min, l.mean, l.p50, l.p90, l.p99,
		l.p999, l.max);
}

static void json_result(FILE *f, const struct rc_gen_opts *o, const struct rc_gen_result *r,
			const char *who)
{
	fprintf(f, "{%s\"role\":\"%s\",\"send_path\":\"%s\",\"window_s\":%.6f,"
		"\"sent\":%" PRIu64 ",\"sent_total\":%" PRIu64 ",\"sent_per_s\":%.1f,"
		"\"retries\":%" PRIu64 ",\"zcb_pool_waits\":%" PRIu64 ",\"received\":%" PRIu64
		",\"received_total\":%" PRIu64 ",\"recv_msg_per_s\":%.1f,\"recv_mb_per_s\":%.3f,",
		who, rc_gen_role_name(r->role), send_path(o, r->zcb), (double)r->window_ns / 1e9,
		r->sent, r->sent_total, per_s(r->sent, r), r->retries, r->pool_waits, r->rx_msgs,
		r->rx_total, per_s(r->rx_msgs, r), per_s(r->rx_bytes, r) / 1e6);
	json_lat(f, "latency_ns", &r->lat);
	fputc(',', f);
	json_lat(f, "rtt_ns", &r->rtt);
	fprintf(f, ",\"errors\":{\"seq\":%" PRIu64 ",\"crc\":%" PRIu64 ",\"format\":%" PRIu64
		",\"lost\":%" PRIu64 ",\"foreign\":%" PRIu64 "},\"clock_negative\":%" PRIu64
		",\"order_hash\":\"%016" PRIx64 "\"}", r->seq_errors, r->crc_errors,
		r->format_errors, r->lost, r->foreign, r->lat_negative, r->order_hash);
}

int rc_gen_report_json(struct rc_gen *g, const char *path)
{
	char name[4096], who[64];
	struct rc_gen_result a;
	uint32_t listeners;
	FILE *f;

	f = open_out(g, path, name, sizeof(name));
	if (f == NULL) {
		fprintf(stderr, "ringcast-gen: --json %s: %s\n", name, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\"tool\":\"ringcast-gen\",\"version\":\"%s\",\"mode\":\"%s\",\"group\":",
		RC_VERSION, rc_gen_mode_name(g->o.mode));
	json_str(f, g->o.group);
	fprintf(f, ",\"instances\":%u,\"nodeid\":%u,\"pid\":%u,\"guarantee\":\"%s\",\"zcb\":%s,"
		"\"warmup_s\":%.3f,\"duration_s\":%.3f,\"clock\":\"%s\"",
		g->o.instances, g->nodeid,
		g->pid, rc_gen_guarantee_name(g->o.guarantee), g->o.zcb ? "true" : "false",
		g->o.warmup_s, g->o.duration_s,
		g->o.clock == CLOCK_MONOTONIC ? "monotonic" : "realtime");
	if (g->o.mode == RC_GEN_RATE)
		fprintf(f, ",\"rate\":%.3f,\"burst\":%u", g->o.rate, g->o.burst);
	fprintf(f, ",\"steps\":[");
	for (unsigned int s = 0; s < g->steps_done; s++) {
		fprintf(f, "%s{\"size\":%zu,\"order_agrees\":%s,\"instances\":[", s ? "," : "",
			g->o.sizes[s], orders_agree(g, s) ? "true" : "false");
		for (uint32_t i = 0; i < g->o.instances; i++) {
			const struct rc_gen_result *r = rc_gen_res(g, s, i);

			snprintf(who, sizeof(who), "\"nodeid\":%u,\"pid\":%u,", r->nodeid, r->pid);
			if (i)
				fputc(',', f);
			json_result(f, &g->o, r, who);
		}
		all_of(g, s, &a, &listeners);
		a.role = RC_GEN_ROLE_BOTH;
		a.zcb = g->o.zcb;
		snprintf(who, sizeof(who), "\"listeners\":%u,", listeners);
		fprintf(f, "],\"all\":");
		json_result(f, &g->o, &a, who);
		fputc('}', f);
	}
	fprintf(f, "],\"ok\":%s", rc_gen_verdict(g, NULL) ? "true" : "false");
	if (g->failed) {
		fprintf(f, ",\"failure\":");
		json_str(f, g->failure);
	}
	fprintf(f, "}\n");
	return close_out(f, name);
}

static void csv_row(FILE *f, struct rc_gen *g, unsigned int step,
		    const struct rc_gen_result *r, bool instance)
{
	struct rc_gen_lat l, t;

	rc_gen_hist_summary(&r->lat, &l);
	rc_gen_hist_summary(&r->rtt, &t);
	fprintf(f, "%s,%u,%zu,%s,%s,", rc_gen_mode_name(g->o.mode), step, g->o.sizes[step],
		send_path(&g->o, instance ? r->zcb : g->o.zcb),
		rc_gen_guarantee_name(g->o.guarantee));
	if (instance)
		fprintf(f, "%u,%u,%s,", r->nodeid, r->pid, rc_gen_role_name(r->role));
	else
		fprintf(f, "all,all,all,");
	fprintf(f, "%.6f,%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%.1f,%.3f,",
		(double)r->window_ns / 1e9, r->sent, per_s(r->sent, r), r->retries, r->rx_msgs,
		per_s(r->rx_msgs, r), per_s(r->rx_bytes, r) / 1e6);
	fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",",
		l.count, l.p50, l.p90, l.p99, l.p999, l.max);
	fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",",
		t.count, t.p50, t.p90, t.p99, t.p999, t.max);
	fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",",
		r->seq_errors, r->crc_errors, r->format_errors, r->lost, r->foreign);
	if (instance)
		fprintf(f, "%016" PRIx64, r->order_hash);
	fputc('\n', f);
}

int rc_gen_report_csv(struct rc_gen *g, const char *path)
{
	char name[4096];
	struct rc_gen_result a;
	uint32_t listeners;
	FILE *f;

	f = open_out(g, path, name, sizeof(name));
	if (f == NULL) {
		fprintf(stderr, "ringcast-gen: --csv %s: %s\n", name, strerror(errno));
		return -errno;
	}
	fprintf(f, "mode,step,size,send_path,guarantee,nodeid,pid,role,window_s,sent,sent_per_s,"
		"retries,received,recv_msg_per_s,recv_mb_per_s,lat_count,lat_p50_ns,lat_p90_ns,"
		"lat_p99_ns,lat_p999_ns,lat_max_ns,rtt_count,rtt_p50_ns,rtt_p90_ns,rtt_p99_ns,"
		"rtt_p999_ns,rtt_max_ns,seq_errors,crc_errors,format_errors,lost,foreign,"
		"order_hash\n");
	for (unsigned int s = 0; s < g->steps_done; s++) {
		all_of(g, s, &a, &listeners);
		a.role = RC_GEN_ROLE_BOTH;
		a.zcb = g->o.zcb;
		for (uint32_t i = 0; i <= g->o.instances; i++)
			csv_row(f, g, s, i < g->o.instances ? rc_gen_res(g, s, i) : &a,
				i < g->o.instances);
	}
	return close_out(f, name);
}
