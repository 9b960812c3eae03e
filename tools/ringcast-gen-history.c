/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen --history FILE: every send the library accepted, every
 * delivery, confchg and totem confchg, one text line each, in the order this
 * instance saw them. Lines collect in a buffer written with write(2) at each
 * pump and when it fills, so a SIGKILLed instance leaves every line up to its
 * last few milliseconds, and at most one cut line at the end (ringcast-check
 * ignores a last line without its newline). No fsync: a killed process's
 * writes are in the page cache already. The format: docs/man/ringcast-gen.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringcast-gen.h"

#ifdef RINGCAST_COROSYNC_API
#include <ringcast/cpg_ext.h>
#else	/* ringcast-gen-corosync: built against corosync's headers */
#define RINGCAST_DELIVERY_TRANSITIONAL	0x2u
cs_error_t ringcast_cpg_delivery_flags(cpg_handle_t handle, uint32_t *flags);
#endif

/* Weak: ringcast-gen also runs on corosync's libcpg, which lacks it. */
#pragma weak ringcast_cpg_delivery_flags

#define HISTORY_BUF	(256u << 10)
#define HISTORY_FLUSH	(192u << 10)	/* a write once this much is waiting */
#define HISTORY_LINE	4096u		/* room kept for one line */

int rc_gen_history_open(struct rc_gen *g, const char *path)
{
	char name[512];

	rc_gen_path_expand(g, path, name, sizeof(name));
	g->hist_fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (g->hist_fd < 0) {
		fprintf(stderr, "ringcast-gen: --history %s: %s\n", name, strerror(errno));
		return -errno;
	}
	g->hist_buf = malloc(HISTORY_BUF);
	if (g->hist_buf == NULL) {
		close(g->hist_fd);
		g->hist_fd = -1;
		return -ENOMEM;
	}
	g->hist_len = 0;
	rc_gen_history_line(g, "ringcast-history 1 nodeid %u pid %u mode %s group %s\n",
			    g->nodeid, g->pid, rc_gen_mode_name(g->o.mode), g->o.group);
	return rc_gen_history_flush(g);
}

int rc_gen_history_flush(struct rc_gen *g)
{
	size_t off = 0;
	ssize_t n;

	if (!rc_gen_history_on(g))
		return 0;
	while (off < g->hist_len) {
		n = write(g->hist_fd, g->hist_buf + off, g->hist_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc_gen_fail(g, "--history: write: %s", n < 0 ? strerror(errno) : "short");
			close(g->hist_fd);
			g->hist_fd = -1;
			free(g->hist_buf);
			g->hist_buf = NULL;
			return -EIO;
		}
		off += (size_t)n;
	}
	g->hist_len = 0;
	return 0;
}

/* One line (or part of one, which the caller finishes). */
void rc_gen_history_line(struct rc_gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!rc_gen_history_on(g))
		return;
	if (g->hist_len + HISTORY_LINE > HISTORY_BUF && rc_gen_history_flush(g) < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(g->hist_buf + g->hist_len, HISTORY_BUF - g->hist_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		g->hist_len += (size_t)n < HISTORY_BUF - g->hist_len ? (size_t)n
							      : HISTORY_BUF - g->hist_len - 1;
	if (g->hist_len >= HISTORY_FLUSH)
		(void)rc_gen_history_flush(g);
}

void rc_gen_history_send(struct rc_gen *g, uint64_t seq, size_t size, bool safe, uint32_t crc,
			 bool zcb)
{
	rc_gen_history_line(g, "S %" PRIu64 " %zu %c %08x %c\n", seq, size, safe ? 's' : 'a',
			    crc, zcb ? 'z' : 'c');
}

/* " t": delivered in the transitional configuration (ringcast's library
   says so; corosync's cannot, and its lines never have it) */
static const char *transitional(struct rc_gen *g)
{
	uint32_t f;

	if (ringcast_cpg_delivery_flags != NULL &&
	    ringcast_cpg_delivery_flags(g->h, &f) == CS_OK &&
	    (f & RINGCAST_DELIVERY_TRANSITIONAL))
		return " t";
	return "";
}

/* seq UINT64_MAX: not a data message (no per-sender seq); guarantee 0: unknown.
   Called from the deliver callback. */
void rc_gen_history_deliver(struct rc_gen *g, uint32_t nodeid, uint32_t pid, uint64_t seq,
			    size_t size, uint32_t crc, char guarantee)
{
	if (!rc_gen_history_on(g))
		return;
	if (seq == UINT64_MAX)
		rc_gen_history_line(g, "D %u %u - %zu %08x %c%s\n", nodeid, pid, size, crc,
				    guarantee ? guarantee : '-', transitional(g));
	else
		rc_gen_history_line(g, "D %u %u %" PRIu64 " %zu %08x %c%s\n", nodeid, pid, seq,
				    size, crc, guarantee ? guarantee : '-', transitional(g));
}

/* " n:p[:r],n:p[:r]" or " -"; reasons only for left and joined */
static void addr_list(struct rc_gen *g, const struct cpg_address *a, size_t n, bool reason)
{
	if (n == 0) {
		rc_gen_history_line(g, " -");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (reason)
			rc_gen_history_line(g, "%c%u:%u:%u", i ? ',' : ' ', a[i].nodeid, a[i].pid,
					    a[i].reason);
		else
			rc_gen_history_line(g, "%c%u:%u", i ? ',' : ' ', a[i].nodeid, a[i].pid);
	}
}

void rc_gen_history_confchg(struct rc_gen *g, const struct cpg_address *memb, size_t n_memb,
			    const struct cpg_address *left, size_t n_left,
			    const struct cpg_address *joined, size_t n_joined)
{
	if (!rc_gen_history_on(g))
		return;
	rc_gen_history_line(g, "C");
	addr_list(g, memb, n_memb, false);
	addr_list(g, left, n_left, true);
	addr_list(g, joined, n_joined, true);
	rc_gen_history_line(g, "\n");
}

void rc_gen_history_totem(struct rc_gen *g, uint32_t rep, uint64_t seq, const uint32_t *members,
			  size_t n)
{
	if (!rc_gen_history_on(g))
		return;
	rc_gen_history_line(g, "T %u.%" PRIu64, rep, seq);
	if (n == 0)
		rc_gen_history_line(g, " -");
	for (size_t i = 0; i < n; i++)
		rc_gen_history_line(g, "%c%u", i ? ',' : ' ', members[i]);
	rc_gen_history_line(g, "\n");
}

/* The last line: why this instance stopped (see the man page). */
void rc_gen_history_close(struct rc_gen *g, const char *why)
{
	if (!rc_gen_history_on(g))
		return;
	rc_gen_history_line(g, "E %s\n", why);
	if (rc_gen_history_flush(g) < 0)
		return;
	close(g->hist_fd);
	g->hist_fd = -1;
	free(g->hist_buf);
	g->hist_buf = NULL;
}
