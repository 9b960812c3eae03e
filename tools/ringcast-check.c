/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-check HISTORY...: reads every instance's --history of one run
 * (files, or directories of *.hist files), walks each one alone (CRCs,
 * phantoms, duplicates, per-sender FIFO, membership, gaps from a sender
 * that stayed a member, own messages back, a new ring after "t"
 * deliveries), cuts it into segments at each confchg and totem confchg, then
 * compares the instances segment by segment (ringcast-check-rules.c).
 * Prints the first violations with the lines involved and a summary; exit
 * 0 clean, 1 violations, 2 unreadable input.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../include/ringcast/hash.h"
#include "ringcast-check.h"

static const char *const kind_names[RC_CHK_KINDS] = {
	"crc", "duplicate", "fifo", "membership", "lost", "order", "vsync",
	"confchg", "safe", "phantom",
};

const char *rc_chk_kind_name(enum rc_chk_kind kind)
{
	return kind_names[kind];
}

static unsigned int reported;

bool rc_chk_reporting(const struct rc_chk *c, enum rc_chk_kind kind)
{
	return !c->quiet && reported <= c->max_reports && c->violations[kind] > 0;
}

void rc_chk_violation(struct rc_chk *c, enum rc_chk_kind kind, const char *fmt, ...)
{
	va_list ap;

	c->violations[kind]++;
	if (c->quiet || ++reported > c->max_reports)
		return;
	printf("VIOLATION %s: ", kind_names[kind]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

const char *rc_chk_name(const struct rc_chk *c, uint32_t inst)
{
	const char *p = strrchr(c->inst[inst].path, '/');

	return p ? p + 1 : c->inst[inst].path;
}

/* One line of context under the last violation reported. */
void rc_chk_context(struct rc_chk *c, uint32_t inst, uint32_t ev, const char *what)
{
	const struct rc_chk_ev *e;

	if (c->quiet || reported > c->max_reports)
		return;
	if (ev == RC_CHK_NONE || ev >= c->inst[inst].n_ev) {
		printf("    %s: (end of history: %s) %s\n", rc_chk_name(c, inst),
		       c->inst[inst].end ? c->inst[inst].end : "no E line, killed", what);
		return;
	}
	e = &c->inst[inst].ev[ev];
	printf("    %s:%u: %s   <- %s\n", rc_chk_name(c, inst), e->lineno, e->line, what);
}

/* ---- the map ---- */

uint64_t rc_chk_hash(uint64_t h, const char *s, size_t len)
{
	return rc_fnv1a64(h, s, len);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

int rc_chk_map_init(struct rc_chk_map *m, size_t hint)
{
	size_t cap = 16;

	while (cap < hint * 2)
		cap <<= 1;
	m->k0 = calloc(cap, sizeof(uint64_t));
	m->k1 = calloc(cap, sizeof(uint64_t));
	m->v = calloc(cap, sizeof(uint64_t));
	m->cap = cap;
	m->n = 0;
	return m->k0 && m->k1 && m->v ? 0 : -ENOMEM;
}

void rc_chk_map_fini(struct rc_chk_map *m)
{
	free(m->k0);
	free(m->k1);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static size_t slot_of(const struct rc_chk_map *m, uint64_t k0, uint64_t k1)
{
	size_t i = mix(k0 ^ mix(k1)) & (m->cap - 1);

	while (m->k0[i] || m->k1[i]) {
		if (m->k0[i] == k0 && m->k1[i] == k1)
			return i;
		i = (i + 1) & (m->cap - 1);
	}
	return i;
}

int rc_chk_map_get(const struct rc_chk_map *m, uint64_t k0, uint64_t k1, uint64_t *v)
{
	size_t i = slot_of(m, k0, k1);

	if (!m->k0[i] && !m->k1[i])
		return 0;
	*v = m->v[i];
	return 1;
}

static int grow(struct rc_chk_map *m)
{
	struct rc_chk_map n;

	if (rc_chk_map_init(&n, m->cap) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->k0[i] || m->k1[i]) {
			size_t j = slot_of(&n, m->k0[i], m->k1[i]);

			n.k0[j] = m->k0[i];
			n.k1[j] = m->k1[i];
			n.v[j] = m->v[i];
			n.n++;
		}
	}
	rc_chk_map_fini(m);
	*m = n;
	return 0;
}

int rc_chk_map_add(struct rc_chk_map *m, uint64_t k0, uint64_t k1, uint64_t v, uint64_t *old)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	i = slot_of(m, k0, k1);
	if (m->k0[i] || m->k1[i]) {
		if (old)
			*old = m->v[i];
		return 1;
	}
	m->k0[i] = k0;
	m->k1[i] = k1;
	m->v[i] = v;
	m->n++;
	return 0;
}

void rc_chk_map_set(struct rc_chk_map *m, uint64_t k0, uint64_t k1, uint64_t v)
{
	size_t i;

	if (rc_chk_map_add(m, k0, k1, v, NULL) == 1) {
		i = slot_of(m, k0, k1);
		m->v[i] = v;
	}
}

/* ---- reading ---- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		fprintf(stderr, "ringcast-check: out of memory\n");
		exit(2);
	}
	return p;
}

static int bad_line(struct rc_chk_inst *in, uint32_t lineno, const char *line)
{
	fprintf(stderr, "ringcast-check: %s:%u: not a history line: '%.80s'\n", in->path, lineno,
		line);
	return -EINVAL;
}

static uint64_t msg_k1(const struct rc_chk_ev *e)
{
	if (e->seq != RC_CHK_NOSEQ)
		return e->seq + 1;
	return 1ull << 63 | (uint64_t)e->crc << 26 | (e->size & 0x3ffffffu);
}

static int parse_line(struct rc_chk_inst *in, char *line, uint32_t lineno)
{
	struct rc_chk_ev e = { .line = line, .lineno = lineno, .kind = line[0], .g = '-',
			    .seq = RC_CHK_NOSEQ };
	char seq[32], g = '-', path = 'c';
	unsigned long long s;
	int n = 0;

	switch (line[0]) {
	case 'S':
		if (sscanf(line, "S %llu %u %c %x %c%n", &s, &e.size, &g, &e.crc, &path, &n) != 5 ||
		    line[n] != '\0' || (g != 'a' && g != 's') || s >= RC_CHK_NOSEQ >> 1)
			return bad_line(in, lineno, line);
		e.seq = s;
		e.g = g;
		e.nodeid = in->nodeid;
		e.pid = in->pid;
		break;
	case 'D':
		if (sscanf(line, "D %u %u %31s %u %x %c%n", &e.nodeid, &e.pid, seq, &e.size, &e.crc,
			   &g, &n) != 6 || (g != 'a' && g != 's' && g != '-'))
			return bad_line(in, lineno, line);
		if (strcmp(line + n, " t") == 0)
			e.trans = true;		/* in the transitional configuration */
		else if (line[n] != '\0')
			return bad_line(in, lineno, line);
		if (strcmp(seq, "-") != 0) {
			char *end;

			errno = 0;
			s = strtoull(seq, &end, 10);
			if (errno || *end || s >= RC_CHK_NOSEQ >> 1)
				return bad_line(in, lineno, line);
			e.seq = s;
		}
		e.g = g;
		e.k0 = (uint64_t)e.nodeid << 32 | e.pid;
		e.k1 = msg_k1(&e);
		break;
	case 'C':
	case 'T':
		if (line[1] != ' ')
			return bad_line(in, lineno, line);
		e.k0 = rc_chk_hash(0xcbf29ce484222325ull, line, strlen(line));
		e.k1 = rc_chk_hash(0x84222325cbf29ce4ull, line, strlen(line));
		break;
	case 'E':
		if (line[1] != ' ' || in->end)
			return bad_line(in, lineno, line);
		in->end = line + 2;
		break;
	default:
		return bad_line(in, lineno, line);
	}
	if (in->n_ev == in->cap_ev) {
		in->cap_ev = in->cap_ev ? in->cap_ev * 2 : 1024;
		in->ev = xrealloc(in->ev, in->cap_ev * sizeof(*in->ev));
	}
	in->ev[in->n_ev++] = e;
	return 0;
}

static int read_history(struct rc_chk_inst *in)
{
	FILE *f = fopen(in->path, "r");
	char *p, *nl, mode[32];
	uint32_t lineno = 1;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "ringcast-check: %s: %s\n", in->path, strerror(errno));
		if (f)
			fclose(f);
		return -EIO;
	}
	in->text = xrealloc(NULL, (size_t)len + 1);
	if (fread(in->text, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "ringcast-check: %s: short read\n", in->path);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	in->text[len] = '\0';
	nl = strchr(in->text, '\n');
	if (nl == NULL || (*nl = '\0', sscanf(in->text, "ringcast-history 1 nodeid %u pid %u mode %31s",
					      &in->nodeid, &in->pid, mode) != 3)) {
		fprintf(stderr, "ringcast-check: %s: not a ringcast-gen history (version 1)\n",
			in->path);
		return -EINVAL;
	}
	in->soak = strcmp(mode, "soak") == 0;
	for (p = nl + 1; *p; p = nl + 1) {
		lineno++;
		nl = strchr(p, '\n');
		if (nl == NULL) {	/* cut by a kill: ignored */
			in->cut = true;
			break;
		}
		*nl = '\0';
		if (parse_line(in, p, lineno) < 0)
			return -EINVAL;
	}
	return 0;
}

static int add_path(struct rc_chk *c, const char *path, size_t *cap)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "ringcast-check: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names;
		int n = scandir(path, &names, NULL, alphasort), ret = 0;

		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			size_t l = strlen(names[i]->d_name);

			if (ret == 0 && l > 5 && strcmp(names[i]->d_name + l - 5, ".hist") == 0) {
				char *full = xrealloc(NULL, strlen(path) + l + 2);

				sprintf(full, "%s/%s", path, names[i]->d_name);
				ret = add_path(c, full, cap);
			}
			free(names[i]);
		}
		free(names);
		return ret;
	}
	if (c->n_inst == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		c->inst = xrealloc(c->inst, *cap * sizeof(*c->inst));
	}
	memset(&c->inst[c->n_inst], 0, sizeof(c->inst[0]));
	c->inst[c->n_inst].path = path;
	if (read_history(&c->inst[c->n_inst]) < 0)
		return -EINVAL;
	c->n_inst++;
	return 0;
}

/* ---- one instance alone ---- */

struct members {
	uint64_t *k;	/* nodeid << 32 | pid */
	size_t n, cap;
};

/* "C members left joined": the member list */
static void parse_members(const char *line, struct members *m)
{
	const char *p = line + 2;
	unsigned int nodeid, pid;
	int used;

	m->n = 0;
	if (p[0] == '-' && p[1] == ' ')
		return;
	while (sscanf(p, "%u:%u%n", &nodeid, &pid, &used) == 2) {
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 16;
			m->k = xrealloc(m->k, m->cap * sizeof(*m->k));
		}
		m->k[m->n++] = (uint64_t)nodeid << 32 | pid;
		p += used;
		if (*p != ',')
			break;
		p++;
	}
}

static bool is_member(const struct members *m, uint64_t k)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->k[i] == k)
			return true;
	return false;
}

static void seg_begin(struct rc_chk *c, uint32_t inst, uint32_t ev, const char *ring)
{
	const struct rc_chk_ev *e = &c->inst[inst].ev[ev];
	struct rc_chk_seg *s;
	uint64_t g;

	if (c->n_seg == c->cap_seg) {
		c->cap_seg = c->cap_seg ? c->cap_seg * 2 : 256;
		c->seg = xrealloc(c->seg, c->cap_seg * sizeof(*c->seg));
	}
	s = &c->seg[c->n_seg];
	memset(s, 0, sizeof(*s));
	s->inst = inst;
	s->start = ev;
	s->end = RC_CHK_NONE;
	snprintf(s->ring, sizeof(s->ring), "%s", ring);
	s->key0 = rc_chk_hash(e->k0, ring, strlen(ring)) | 1;
	s->key1 = rc_chk_hash(e->k1, ring, strlen(ring));
	if (c->n_seg > 0 && c->seg[c->n_seg - 1].inst == inst &&
	    c->seg[c->n_seg - 1].end == ev) {
		c->seg[c->n_seg - 1].next0 = s->key0;
		c->seg[c->n_seg - 1].next1 = s->key1;
	}
	if (rc_chk_map_add(&c->groups, s->key0, s->key1, c->n_group, &g) == 1) {
		s->group = (uint32_t)g;
	} else {
		if (c->n_group == c->cap_group) {
			c->cap_group = c->cap_group ? c->cap_group * 2 : 256;
			c->group = xrealloc(c->group, c->cap_group * sizeof(*c->group));
		}
		memset(&c->group[c->n_group], 0, sizeof(c->group[0]));
		s->group = (uint32_t)c->n_group++;
	}
	struct rc_chk_group *gr = &c->group[s->group];

	if (gr->n == gr->cap) {
		gr->cap = gr->cap ? gr->cap * 2 : 8;
		gr->seg = xrealloc(gr->seg, gr->cap * sizeof(*gr->seg));
	}
	gr->seg[gr->n++] = (uint32_t)c->n_seg++;
}

/* 1/123 seq 5 */
static const char *msg_name(const struct rc_chk_ev *e, char *buf, size_t len)
{
	if (e->seq == RC_CHK_NOSEQ)
		snprintf(buf, len, "%u/%u (no seq, crc %08x)", e->nodeid, e->pid, e->crc);
	else
		snprintf(buf, len, "%u/%u seq %" PRIu64, e->nodeid, e->pid, e->seq);
	return buf;
}

/* in the map of sends and deliveries: delivered at least once */
#define SEEN	(1ull << 62)

/* per (receiver, sender): the next seq expected + 1 (0 none); bit 63: it left since */
#define ABSENT	(1ull << 63)

/*
 * Per process (nodeid << 32 | pid, 1): its history's index + 1 when every
 * history of that process is whole (an E line, nothing cut), 0 when one is
 * not. A whole history holds every message the process sent: ringcast's
 * libcpg returns CS_OK for every message the daemon took in, even one
 * taken as the daemon lets the client go (lib/send.c, tx_push), and
 * ringcast-gen writes the S line of each before its E line; but see
 * in_flight().
 */
static void whole_senders(const struct rc_chk *c, struct rc_chk_map *whole)
{
	for (uint32_t i = 0; i < c->n_inst; i++) {
		const struct rc_chk_inst *in = &c->inst[i];
		uint64_t k = (uint64_t)in->nodeid << 32 | in->pid;
		bool ok = in->end != NULL && !in->cut;

		if (rc_chk_map_add(whole, k, 1, ok ? i + 1 : 0, NULL) == 1 && !ok)
			rc_chk_map_set(whole, k, 1, 0);
	}
}

/*
 * Where a "t" delivery may be: recovered as its ring ended
 * (ringcast_cpg_delivery_flags(3)), so the next totem confchg is of
 * another ring than the one in force. Whether a regular delivery may
 * follow a "t" one before the confchg that ends their ring cannot be
 * told from a history: a ring entered with nobody lost shows no boundary
 * until all its SYNCs are in, and it may lose members before that, after
 * regular deliveries of its own.
 */
static void check_transitional(struct rc_chk *c, uint32_t i)
{
	const struct rc_chk_inst *in = &c->inst[i];
	uint32_t t = RC_CHK_NONE;
	char ring[48] = "", next[48], n1[80];

	for (uint32_t k = 0; k < in->n_ev; k++) {
		const struct rc_chk_ev *e = &in->ev[k];

		switch (e->kind) {
		case 'D':
			if (e->trans && t == RC_CHK_NONE)
				t = k;
			break;
		case 'T':
			if (sscanf(e->line, "T %47s", next) != 1)
				next[0] = '\0';
			if (t != RC_CHK_NONE && next[0] && strcmp(next, ring) == 0) {
				msg_name(&in->ev[t], n1, sizeof(n1));
				rc_chk_violation(c, RC_CHK_VSYNC, "%s delivered %s in the "
						 "transitional configuration (t), then a totem "
						 "confchg of ring %s, the ring in force: no new ring",
						 rc_chk_name(c, i), n1, next);
				rc_chk_context(c, i, t, "transitional");
				rc_chk_context(c, i, k, "the same ring again");
			}
			snprintf(ring, sizeof(ring), "%s", next);
			t = RC_CHK_NONE;
			break;
		}
	}
}

/*
 * The send a whole history's process was in when it ended "gone" or
 * "error" may have gone out without its S line: corosync's libcpg
 * answers CS_ERR_LIBRARY when its daemon dies after taking the request
 * (ringcast-gen-corosync writes histories too), and a zcb send whose
 * cpg_zcb_free fails after the send succeeded ends the run without it.
 * That one message, the seq after its last S line, is no phantom.
 */
static bool in_flight(const struct rc_chk_inst *s, uint64_t seq)
{
	uint64_t next = 0;

	if (strcmp(s->end, "ok") == 0 || strcmp(s->end, "drain-timeout") == 0)
		return false;	/* it stopped sending on its own */
	for (size_t k = 0; k < s->n_ev; k++)
		if (s->ev[k].kind == 'S' && s->ev[k].seq + 1 > next)
			next = s->ev[k].seq + 1;
	return seq == next;
}

static void walk(struct rc_chk *c, uint32_t i, struct rc_chk_map *sent, struct rc_chk_map *fifo,
		 const struct rc_chk_map *whole)
{
	struct rc_chk_inst *in = &c->inst[i];
	struct members m = { 0 };
	uint64_t *senders = NULL, v, self = (uint64_t)in->nodeid << 32 | in->pid;
	size_t n_senders = 0, cap_senders = 0;
	struct rc_chk_map own;
	char ring[48] = "?", name[80];
	bool joined = false;

	rc_chk_map_init(&own, 64);
	for (uint32_t k = 0; k < in->n_ev; k++) {
		struct rc_chk_ev *e = &in->ev[k];

		switch (e->kind) {
		case 'S':
			c->n_send++;
			break;
		case 'D': {
			uint64_t next;

			c->n_deliver++;
			msg_name(e, name, sizeof(name));
			if (!joined) {
				rc_chk_violation(c, RC_CHK_MEMBERSHIP, "%s delivered %s before its "
						 "first confchg (it is in no group yet)",
						 rc_chk_name(c, i), name);
				rc_chk_context(c, i, k, "delivery");
			} else if (!is_member(&m, e->k0)) {
				rc_chk_violation(c, RC_CHK_MEMBERSHIP, "%s delivered %s, not a member "
						 "of its current configuration", rc_chk_name(c, i),
						 name);
				rc_chk_context(c, i, k, "delivery");
			}
			/* soak sends nothing shorter than its 8-byte seq word, so a
			   soak history's delivery without a seq was cut or corrupted
			   (the other modes' control messages have none: not judged) */
			if (in->soak && e->seq == RC_CHK_NOSEQ) {
				rc_chk_violation(c, RC_CHK_CRC, "%s delivered a %u-byte message from "
						 "%u/%u without a seq: every soak message starts with "
						 "its 8-byte seq word, so it was cut or corrupted",
						 rc_chk_name(c, i), e->size, e->nodeid, e->pid);
				rc_chk_context(c, i, k, "delivered");
			}
			/* the CRC and size every instance must agree on */
			if (rc_chk_map_add(sent, e->k0, e->k1, (uint64_t)i << 32 | k | SEEN, &v) == 1) {
				const struct rc_chk_ev *r = &c->inst[(v & ~SEEN) >> 32].ev[(uint32_t)v];

				if (!(v & SEEN)) {	/* the first delivery of a message sent */
					c->n_messages++;
					rc_chk_map_set(sent, e->k0, e->k1, v | SEEN);
				}
				v &= ~SEEN;

				if (e->seq != RC_CHK_NOSEQ && (r->crc != e->crc || r->size != e->size)) {
					rc_chk_violation(c, RC_CHK_CRC, "%s: %s delivered with %u bytes, "
							 "CRC %08x; %s: %u bytes, CRC %08x",
							 rc_chk_name(c, i), name, e->size, e->crc,
							 r->kind == 'S' ? "sent" : "elsewhere",
							 r->size, r->crc);
					rc_chk_context(c, i, k, "delivered");
					rc_chk_context(c, (uint32_t)(v >> 32), (uint32_t)v,
						       r->kind == 'S' ? "sent" : "delivered");
				}
			} else {
				c->n_messages++;
				/* neither sent nor delivered before: from a sender whose
				   whole history is here, a message it never sent (an
				   invented one, or a seq corrupted on the way) */
				if (e->seq != RC_CHK_NOSEQ &&
				    rc_chk_map_get(whole, e->k0, 1, &v) == 1 && v != 0 &&
				    !in_flight(&c->inst[v - 1], e->seq)) {
					rc_chk_violation(c, RC_CHK_PHANTOM, "%s delivered %s, which "
							 "its sender never sent (its history is "
							 "whole and has no S line for it)",
							 rc_chk_name(c, i), name);
					rc_chk_context(c, i, k, "delivered");
					rc_chk_context(c, (uint32_t)v - 1, RC_CHK_NONE,
						       "the sender's whole history");
				}
			}
			if (e->k0 == self && e->seq != RC_CHK_NOSEQ)
				rc_chk_map_add(&own, e->seq + 1, 1, k, NULL);
			if (e->seq == RC_CHK_NOSEQ)
				break;
			if (rc_chk_map_get(fifo, e->k0, (uint64_t)i + 1, &v) == 1) {
				next = (v & ~ABSENT) - 1;
				if (e->seq + 1 == next) {
					rc_chk_violation(c, RC_CHK_DUPLICATE, "%s delivered %s twice "
							 "in a row", rc_chk_name(c, i), name);
					rc_chk_context(c, i, k, "the second time");
				} else if (e->seq < next) {
					rc_chk_violation(c, RC_CHK_FIFO, "%s delivered %s after seq "
							 "%" PRIu64 " of the same sender",
							 rc_chk_name(c, i), name, next - 1);
					rc_chk_context(c, i, k, "out of order (or a duplicate)");
				} else if (e->seq > next && !(v & ABSENT)) {
					rc_chk_violation(c, RC_CHK_LOST, "%s: after seq %" PRIu64 " of "
							 "%u/%u it delivered seq %" PRIu64 ": %" PRIu64
							 " lost although the sender stayed a member",
							 rc_chk_name(c, i), next - 1, e->nodeid, e->pid,
							 e->seq, e->seq - next);
					rc_chk_context(c, i, k, "after the gap");
				}
				if (e->seq + 1 > next)
					rc_chk_map_set(fifo, e->k0, (uint64_t)i + 1, e->seq + 2);
			} else {
				rc_chk_map_add(fifo, e->k0, (uint64_t)i + 1, e->seq + 2, NULL);
				if (n_senders == cap_senders) {
					cap_senders = cap_senders ? cap_senders * 2 : 16;
					senders = xrealloc(senders, cap_senders * sizeof(*senders));
				}
				senders[n_senders++] = e->k0;
			}
			break;
		}
		case 'C':
			c->n_confchg++;
			parse_members(e->line, &m);
			for (size_t s = 0; s < n_senders; s++)
				if (!is_member(&m, senders[s]) &&
				    rc_chk_map_get(fifo, senders[s], (uint64_t)i + 1, &v) == 1)
					rc_chk_map_set(fifo, senders[s], (uint64_t)i + 1, v | ABSENT);
			if (joined)
				c->seg[c->n_seg - 1].end = k;
			joined = true;
			seg_begin(c, i, k, ring);
			break;
		case 'T':
			c->n_totem++;
			sscanf(e->line, "T %47s", ring);
			if (joined) {
				c->seg[c->n_seg - 1].end = k;
				seg_begin(c, i, k, ring);
			}
			break;
		}
	}
	/*
	 * Every message it sent came back to it, when it ended connected and
	 * waiting for them: "ok" (all back, it says) and soak's
	 * "drain-timeout" (it stopped sending and waited --timeout, still
	 * served by its daemon: a daemon that drops a client's last messages
	 * ends it so). Not "gone" (the daemon went away, and what it had not
	 * yet sent on with it), "error" (it stopped on a failure of its own
	 * without waiting: its last messages may still have been on their
	 * way), nor a history without an E line (killed).
	 */
	if (in->end && (strcmp(in->end, "ok") == 0 || strcmp(in->end, "drain-timeout") == 0)) {
		for (uint32_t k = 0; k < in->n_ev; k++) {
			const struct rc_chk_ev *e = &in->ev[k];

			if (e->kind != 'S' || rc_chk_map_get(&own, e->seq + 1, 1, &v) == 1)
				continue;
			rc_chk_violation(c, RC_CHK_LOST, "%s sent seq %" PRIu64 " (accepted) and "
					 "ended (E %s) without it delivered back",
					 rc_chk_name(c, i), e->seq, in->end);
			rc_chk_context(c, i, k, "accepted here");
			rc_chk_context(c, i, RC_CHK_NONE, "");
		}
	}
	rc_chk_map_fini(&own);
	free(m.k);
	free(senders);
	check_transitional(c, i);
}

static void usage(FILE *f)
{
	fputs("usage: ringcast-check [--quiet] [--reports N] HISTORY|DIR...\n"
	      "\n"
	      "Judges the --history files of every ringcast-gen instance of one run\n"
	      "together (a directory: each *.hist in it). Checked: CRC and size of every\n"
	      "delivery against the send and the other deliveries (in soak, one\n"
	      "without a seq is a cut message); from a sender whose history is whole,\n"
	      "only messages it sent (else: phantom); no duplicate, per-sender FIFO;\n"
	      "no delivery from a process outside the receiver's current membership;\n"
	      "no gap from a sender that stayed a member; an instance that ended\n"
	      "waiting for its own messages (E ok, E drain-timeout) has them all\n"
	      "back; a new ring after transitional (t) deliveries; per\n"
	      "configuration (the stretch between two confchgs or totem confchgs):\n"
	      "one order, virtual synchrony, agreeing confchgs and totem confchgs,\n"
	      "SAFE delivery. Prints the first --reports N violations (default 10)\n"
	      "with the lines involved, then a summary. Exit 0: none; 1: violations;\n"
	      "2: unreadable input.\n", f);
}

int main(int argc, char **argv)
{
	struct rc_chk c = { .max_reports = 10 };
	struct rc_chk_map sent, fifo, whole;
	size_t cap = 0;
	uint64_t total = 0;
	int a = 1;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "--quiet") == 0 || strcmp(argv[a], "-q") == 0) {
			c.quiet = true;
		} else if (strcmp(argv[a], "--reports") == 0 && a + 1 < argc) {
			c.max_reports = (unsigned int)strtoul(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (a == argc) {
		usage(stderr);
		return 2;
	}
	for (; a < argc; a++)
		if (add_path(&c, argv[a], &cap) < 0)
			return 2;
	if (c.n_inst == 0) {
		fprintf(stderr, "ringcast-check: no history (*.hist) found\n");
		return 2;
	}
	if (rc_chk_map_init(&sent, 1 << 16) < 0 || rc_chk_map_init(&fifo, 1024) < 0 ||
	    rc_chk_map_init(&whole, c.n_inst) < 0 || rc_chk_map_init(&c.groups, 1024) < 0)
		return 2;
	whole_senders(&c, &whole);
	/* the sends first: each delivery is compared with its send */
	for (uint32_t i = 0; i < c.n_inst; i++)
		for (uint32_t k = 0; k < c.inst[i].n_ev; k++) {
			struct rc_chk_ev *e = &c.inst[i].ev[k];

			if (e->kind == 'S')
				rc_chk_map_add(&sent, (uint64_t)e->nodeid << 32 | e->pid, e->seq + 1,
					       (uint64_t)i << 32 | k, NULL);
		}
	for (uint32_t i = 0; i < c.n_inst; i++)
		walk(&c, i, &sent, &fifo, &whole);
	if (rc_chk_rules(&c) < 0)
		return 2;
	for (int k = 0; k < RC_CHK_KINDS; k++)
		total += c.violations[k];
	printf("ringcast-check: %zu histories, %" PRIu64 " sends, %" PRIu64 " deliveries of %"
	       PRIu64 " messages, %" PRIu64 " confchgs, %" PRIu64 " totem confchgs of %" PRIu64
	       " rings, %zu configurations: ", c.n_inst, c.n_send, c.n_deliver, c.n_messages,
	       c.n_confchg, c.n_totem, c.n_rings, c.n_group);
	if (total == 0) {
		printf("no violation\n");
		return 0;
	}
	printf("%" PRIu64 " violation%s (", total, total == 1 ? "" : "s");
	for (int k = 0, first = 1; k < RC_CHK_KINDS; k++) {
		if (!c.violations[k])
			continue;
		printf("%s%s %" PRIu64, first ? "" : ", ", kind_names[k], c.violations[k]);
		first = 0;
	}
	printf(")\n");
	return 1;
}
