/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-check: judges the --history files of every ringcast-gen instance
 * of one run together (Jepsen-style: what each client was given). Shared by
 * ringcast-check.c (reading, the walk of each history, the report) and
 * ringcast-check-rules.c (the rules that compare instances). libc only.
 */
#ifndef RINGCAST_CHECK_H
#define RINGCAST_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_CHK_NOSEQ	UINT64_MAX
#define RC_CHK_NONE	UINT32_MAX

/* One line of a history. Its text stays in the file's buffer. */
struct rc_chk_ev {
	const char *line;	/* NUL-terminated, without the newline */
	uint32_t lineno;
	char kind;		/* S D C T E */
	char g;			/* S, D: 'a', 's' or '-' (unknown) */
	bool trans;		/* D: delivered in the transitional configuration */
	uint32_t nodeid, pid;	/* D: the sender */
	uint32_t size, crc;
	uint64_t seq;		/* S, D: per-sender seq, or RC_CHK_NOSEQ */
	uint64_t k0, k1;	/* D: the message's key; C, T: a hash of the content */
};

struct rc_chk_inst {
	const char *path;
	char *text;		/* the whole file */
	uint32_t nodeid, pid;
	struct rc_chk_ev *ev;
	size_t n_ev, cap_ev;
	const char *end;	/* the E line's reason, or NULL (killed) */
	bool cut;		/* the last line had no newline (dropped) */
	bool soak;		/* mode soak: every message starts with its seq word */
};

/* A stretch of one instance's deliveries between two boundaries (C or T). */
struct rc_chk_seg {
	uint32_t inst;
	uint32_t start, end;	/* event indices of its boundaries; end RC_CHK_NONE: the end */
	uint64_t key0, key1;	/* where it starts: the ring in force and the boundary */
	uint64_t next0, next1;	/* the key of the segment after it (0, 0 at the end) */
	uint32_t group;		/* segments with the same key */
	char ring[48];
};

struct rc_chk_group {
	uint32_t *seg;
	size_t n, cap;
};

/* A hash map from a 128-bit key to a 64-bit value; key (0, 0) is reserved. */
struct rc_chk_map {
	uint64_t *k0, *k1, *v;
	size_t cap, n;
};

enum rc_chk_kind {
	RC_CHK_CRC, RC_CHK_DUPLICATE, RC_CHK_FIFO, RC_CHK_MEMBERSHIP,
	RC_CHK_LOST, RC_CHK_ORDER, RC_CHK_VSYNC, RC_CHK_CONFCHG, RC_CHK_SAFE,
	RC_CHK_PHANTOM,
	RC_CHK_KINDS
};

struct rc_chk {
	struct rc_chk_inst *inst;
	size_t n_inst;
	struct rc_chk_seg *seg;
	size_t n_seg, cap_seg;
	struct rc_chk_group *group;
	size_t n_group, cap_group;
	struct rc_chk_map groups;	/* segment key -> group index */
	uint64_t violations[RC_CHK_KINDS];
	uint64_t n_send, n_deliver, n_confchg, n_totem, n_messages, n_rings;
	unsigned int max_reports;
	bool quiet;
};

/* maps */
int rc_chk_map_init(struct rc_chk_map *m, size_t hint);
void rc_chk_map_fini(struct rc_chk_map *m);
/* 1 and *v: found; 0: not there */
int rc_chk_map_get(const struct rc_chk_map *m, uint64_t k0, uint64_t k1, uint64_t *v);
/* 0 added, 1 there already (*old has its value, unchanged), <0 no memory */
int rc_chk_map_add(struct rc_chk_map *m, uint64_t k0, uint64_t k1, uint64_t v, uint64_t *old);
void rc_chk_map_set(struct rc_chk_map *m, uint64_t k0, uint64_t k1, uint64_t v);
uint64_t rc_chk_hash(uint64_t h, const char *s, size_t len);

/* reports: the first max_reports violations in full, all counted */
void rc_chk_violation(struct rc_chk *c, enum rc_chk_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rc_chk_context(struct rc_chk *c, uint32_t inst, uint32_t ev, const char *what);
const char *rc_chk_kind_name(enum rc_chk_kind kind);
bool rc_chk_reporting(const struct rc_chk *c, enum rc_chk_kind kind);
const char *rc_chk_name(const struct rc_chk *c, uint32_t inst);

/* the rules across instances (ringcast-check-rules.c) */
int rc_chk_rules(struct rc_chk *c);

#endif /* RINGCAST_CHECK_H */
