/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcastd's configuration parser: corosync.conf syntax into struct
 * rc_config. Line by line (a comment, `name {`, `}` or `key: value`); one
 * table per section gives each key's type, range and destination. Reads
 * only [text, text + len), writes each field within its size; the first
 * error stops the parse and is reported as "FILE:LINE: ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <ringcast/cpgmsg.h>
#include <ringcast/size.h>

#include "config.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_DEPTH	16	/* nested sections */
#define NAME_MAX_LEN	64	/* section and key names */
#define SHOW		"%.64s"	/* a value quoted in a message */
#define MS		1000000ull
/* A commit token for 32 nodes must fit after the frame shim (8) and the envelope. */
#define NETMTU_LO	((RC_WIRE_COMMIT_MAX > RC_NETMTU_MIN ? RC_WIRE_COMMIT_MAX : RC_NETMTU_MIN) + \
			 8 + RC_WIRE_AUTH_OVERHEAD)

_Static_assert(sizeof(enum rc_log_debug) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum rc_log_timestamp) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum rc_idle_policy) == sizeof(int), "enums are stored as int");

/* ---- Key tables --------------------------------------------------------- */

enum sec {
	SEC_TOP = 0,
	SEC_TOTEM,
	SEC_NODELIST,
	SEC_NODE,
	SEC_LOGGING,
	SEC_DATAPLANE,
	SEC_RINGCAST,
	SEC_SKIP,		/* unknown: its lines are checked, then ignored */
	SEC_N_
};

enum ktype {
	K_UINT,			/* decimal */
	K_HEX,			/* 0x... or decimal */
	K_MS,			/* milliseconds in the file, ns in the struct */
	K_BYTES,		/* decimal, optional K/KiB, M/MiB, G/GiB */
	K_WORD,			/* one of words[]: bool or enum */
	K_STR,
	K_PATH,			/* absolute path */
	K_IDS,			/* repeatable uint32_t list; count at count_off */
};

#define KF_REPEAT	1u	/* may be given more than once */
#define KF_POW2		2u	/* a power of two */

struct word {
	const char *w;
	int v;
};

struct key {
	const char *name;
	enum ktype type;
	unsigned int flags;
	size_t off;		/* destination, from the section's base */
	size_t size;		/* of the destination; 0: checked, not stored */
	uint64_t min, max;	/* in the file's unit */
	const struct word *words;	/* K_WORD, NULL-terminated */
	size_t count_off;	/* K_IDS */
};

#define FIELD(T, f)	.off = offsetof(T, f), .size = sizeof(((T *)0)->f)
#define C(f)		FIELD(struct rc_config, f)
#define N(f)		FIELD(struct rc_config_node, f)

static const struct word w_bool[] = {
	{ "yes", 1 }, { "no", 0 }, { "on", 1 }, { "off", 0 }, { NULL, 0 },
};
static const struct word w_facility[] = {
	{ "daemon", LOG_DAEMON },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 },
};
static const struct word w_debug[] = {
	{ "off", RC_LOG_DEBUG_OFF }, { "on", RC_LOG_DEBUG_ON },
	{ "trace", RC_LOG_DEBUG_TRACE }, { NULL, 0 },
};
static const struct word w_timestamp[] = {
	{ "off", RC_LOG_TIMESTAMP_OFF }, { "on", RC_LOG_TIMESTAMP_ON },
	{ "hires", RC_LOG_TIMESTAMP_HIRES }, { NULL, 0 },
};
static const struct word w_cipher[] = {
	{ "none", RC_CIPHER_NONE }, { "aes256", RC_CIPHER_AES256 },
	{ "aes192", RC_CIPHER_AES192 }, { "aes128", RC_CIPHER_AES128 }, { NULL, 0 },
};
static const struct word w_hash[] = {
	{ "none", RC_HASH_NONE }, { "md5", RC_HASH_MD5 }, { "sha1", RC_HASH_SHA1 },
	{ "sha256", RC_HASH_SHA256 }, { "sha384", RC_HASH_SHA384 },
	{ "sha512", RC_HASH_SHA512 }, { NULL, 0 },
};
/*
 * Every node must take every other node's group-table SYNC (its joined
 * processes, at each new ring), which is exempt from the ring's message
 * limit: the least max_msg_size holds the largest, one entry per client
 * connection with the longest group name.
 */
_Static_assert(RC_CPG_HDR_LEN(0) + sizeof(struct rc_cpg_sync) +
	       RC_CONFIG_MAX_CLIENTS * (sizeof(struct rc_cpg_sync_ent) + RC_CPG_NAME_MAX) <=
	       RC_CONFIG_MSG_SIZE_MIN, "max_msg_size's minimum holds a largest SYNC");

static const struct word w_zero_copy[] = {
	{ "off", RC_ZC_OFF }, { "root", RC_ZC_ROOT }, { "all", RC_ZC_ALL }, { NULL, 0 },
};
static const struct word w_idle[] = {
	{ "busy", RC_IDLE_BUSY }, { "adaptive", RC_IDLE_ADAPTIVE }, { NULL, 0 },
};

static const struct key totem_keys[] = {
	{ "version", K_UINT, 0, .size = 0, .min = 2, .max = 2 },
	{ "cluster_name", K_STR, 0, C(cluster_name) },
	{ "cluster_id", K_UINT, 0, C(totem.srp.cluster_id), 1, UINT32_MAX },
	{ "token", K_MS, 0, C(totem.token_timeout_ns), 1, 600000 },
	{ "token_retransmit", K_MS, 0, C(totem.srp.token_retransmit_ns), 1, 600000 },
	{ "token_retransmits_before_loss_const", K_UINT, 0,
	  C(token_retransmits_before_loss_const), 1, 1000 },
	{ "join", K_MS, 0, C(totem.join_timeout_ns), 1, 600000 },
	{ "consensus", K_MS, 0, C(totem.consensus_timeout_ns), 1, 600000 },
	{ "merge", K_MS, 0, C(totem.merge_timeout_ns), 1, 600000 },
	{ "hold", K_MS, 0, C(totem.srp.hold_ns), 0, 600000 },
	{ "fail_recv_const", K_UINT, 0, C(totem.fail_recv_const), 1, 1000000 },
	{ "window_size", K_UINT, 0, C(totem.srp.window_size), 1, 65536 },
	{ "max_messages", K_UINT, 0, C(totem.srp.max_messages), 1, 65536 },
	{ "netmtu", K_UINT, 0, C(totem.srp.netmtu), NETMTU_LO, RC_NETMTU_MAX },
	{ "accelerated_window", K_UINT, 0, C(totem.srp.accel_window), 0, 65536 },
	{ "send_queue_len", K_UINT, KF_POW2, C(totem.srp.send_queue_len), 1, 1u << 24 },
	{ "max_msg_size", K_BYTES, 0, C(totem.srp.max_msg_size), RC_CONFIG_MSG_SIZE_MIN, 1u << 30 },
	{ "crypto_cipher", K_WORD, 0, C(crypto.cipher), .words = w_cipher },
	{ "crypto_hash", K_WORD, 0, C(crypto.hash), .words = w_hash },
	{ "secauth", K_WORD, 0, C(crypto.secauth), .words = w_bool },
	{ "keyfile", K_PATH, 0, C(crypto.keyfile) },
};

static const struct key node_keys[] = {
	{ "nodeid", K_UINT, 0, N(nodeid), 1, UINT32_MAX },
	{ "name", K_STR, 0, N(name) },
	{ "ring0_addr", K_STR, 0, N(ring0_addr) },
};

static const struct key logging_keys[] = {
	{ "to_stderr", K_WORD, 0, C(logging.to_stderr), .words = w_bool },
	{ "to_logfile", K_WORD, 0, C(logging.to_logfile), .words = w_bool },
	{ "logfile", K_PATH, 0, C(logging.logfile) },
	{ "to_syslog", K_WORD, 0, C(logging.to_syslog), .words = w_bool },
	{ "syslog_facility", K_WORD, 0, C(logging.syslog_facility), .words = w_facility },
	{ "debug", K_WORD, 0, C(logging.debug), .words = w_debug },
	{ "timestamp", K_WORD, 0, C(logging.timestamp), .words = w_timestamp },
	{ "blackbox", K_WORD, 0, C(logging.blackbox), .words = w_bool },
};

static const struct key dataplane_keys[] = {
	{ "eal_args", K_STR, 0, C(dataplane.eal_args) },
	{ "port", K_STR, 0, C(dataplane.port) },
	{ "ethertype", K_HEX, 0, C(dataplane.ethertype), 0x0600, 0xffff },
	{ "lcore", K_UINT, 0, C(dataplane.lcore), 0, 1023 },
	{ "idle", K_WORD, 0, C(dataplane.idle), .words = w_idle },
	{ "idle_spin", K_UINT, 0, C(dataplane.idle_spin), 0, 100000000 },
	{ "idle_sleep_us", K_UINT, 0, C(dataplane.idle_sleep_us), 0, 1000000 },
	{ "test_hooks", K_WORD, 0, C(dataplane.test_hooks), .words = w_bool },
};

static const struct key ringcast_keys[] = {
	{ "runtime_dir", K_PATH, 0, C(ringcast.runtime_dir) },
	{ "state_dir", K_PATH, 0, C(ringcast.state_dir) },
	{ "allow_uid", K_IDS, KF_REPEAT, C(ringcast.allow_uid), 0, UINT32_MAX - 1,
	  .count_off = offsetof(struct rc_config, ringcast.n_allow_uid) },
	{ "allow_gid", K_IDS, KF_REPEAT, C(ringcast.allow_gid), 0, UINT32_MAX - 1,
	  .count_off = offsetof(struct rc_config, ringcast.n_allow_gid) },
	{ "max_rx_backlog", K_BYTES, 0, C(ringcast.max_rx_backlog), 4u << 20, 1ull << 40 },
	{ "hugepage_clients", K_UINT, 0, C(ringcast.hugepage_clients), 0, RC_CONFIG_MAX_CLIENTS },
	{ "zero_copy", K_WORD, 0, C(ringcast.zero_copy), .words = w_zero_copy },
	{ "max_clients_per_uid", K_UINT, 0, C(ringcast.max_clients_per_uid), 1,
	  RC_CONFIG_MAX_CLIENTS },
};

struct section {
	const char *name;
	const struct key *keys;
	size_t n_keys;
};

static const struct section sections[SEC_N_] = {
	[SEC_TOP] = { "", NULL, 0 },
	[SEC_TOTEM] = { "totem", totem_keys, ARRAY_SIZE(totem_keys) },
	[SEC_NODELIST] = { "nodelist", NULL, 0 },
	[SEC_NODE] = { "node", node_keys, ARRAY_SIZE(node_keys) },
	[SEC_LOGGING] = { "logging", logging_keys, ARRAY_SIZE(logging_keys) },
	[SEC_DATAPLANE] = { "dataplane", dataplane_keys, ARRAY_SIZE(dataplane_keys) },
	[SEC_RINGCAST] = { "ringcast", ringcast_keys, ARRAY_SIZE(ringcast_keys) },
	[SEC_SKIP] = { NULL, NULL, 0 },
};

#define MAX_KEYS	32	/* per section: the seen mask */
_Static_assert(ARRAY_SIZE(totem_keys) <= MAX_KEYS, "seen mask");
_Static_assert(ARRAY_SIZE(logging_keys) <= MAX_KEYS, "seen mask");
_Static_assert(ARRAY_SIZE(dataplane_keys) <= MAX_KEYS, "seen mask");
_Static_assert(ARRAY_SIZE(ringcast_keys) <= MAX_KEYS, "seen mask");

/* ---- Parser state ------------------------------------------------------- */

struct level {
	enum sec kind;
	unsigned int line;		/* where it was opened */
	char name[NAME_MAX_LEN + 1];
};

struct parser {
	const char *file;
	struct rc_config *cfg;
	char *err;
	size_t errlen;
	unsigned int line;
	int depth;			/* open sections; stack[0] is the top */
	struct level stack[MAX_DEPTH + 1];
	uint32_t seen[SEC_N_];		/* keys given (node: in this node) */
	unsigned int seen_line[SEC_N_][MAX_KEYS];
	unsigned int sec_line[SEC_N_];	/* first opened at */
	unsigned int node_line[RC_CONFIG_MAX_NODES];
	unsigned int nodeid_line[RC_CONFIG_MAX_NODES];
	unsigned int name_line[RC_CONFIG_MAX_NODES];
};

static int fail_at(struct parser *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_key(struct parser *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record the error "FILE:LINE: msg" (line 0: "FILE: msg"); -EINVAL. */
static int fail_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	char msg[RC_CONFIG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen) {
		if (line)
			snprintf(p->err, p->errlen, "%s:%u: %s", p->file, line, msg);
		else
			snprintf(p->err, p->errlen, "%s: %s", p->file, msg);
	}
	return -EINVAL;
}

/* "where" of the innermost open section: "totem", "nodelist.node", ... */
static void where(const struct parser *p, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 1; i <= p->depth && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i > 1 ? "." : "",
				 p->stack[i].name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* "FILE:LINE: key 'K' in SECTION: msg" */
static int fail_key(struct parser *p, const char *key, const char *fmt, ...)
{
	char msg[RC_CONFIG_MSG_MAX], sec[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where(p, sec, sizeof(sec));
	if (p->depth)
		return fail_at(p, p->line, "key '%s' in %s: %s", key, sec, msg);
	return fail_at(p, p->line, "key '%s' outside any section: %s", key, msg);
}

static void warn(struct parser *p, const char *fmt, ...)
{
	struct rc_config *cfg = p->cfg;
	char *w;
	va_list ap;
	int n;

	if (cfg->n_warnings >= RC_CONFIG_MAX_WARNINGS) {
		cfg->warnings_lost++;
		return;
	}
	w = cfg->warnings[cfg->n_warnings++];
	n = snprintf(w, RC_CONFIG_MSG_MAX, "%s:%u: ", p->file, p->line);
	if (n < 0 || n >= RC_CONFIG_MSG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(w + n, RC_CONFIG_MSG_MAX - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- Values ------------------------------------------------------------- */

static char *skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Digits in the given base into *v: 0, -EINVAL (not a number), -ERANGE. */
static int parse_digits(const char *s, unsigned int base, uint64_t *v,
			const char **end)
{
	uint64_t x = 0;
	int any = 0, over = 0;

	for (;; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			break;
		if (x > (UINT64_MAX - d) / base)
			over = 1;
		else
			x = x * base + d;
		any = 1;
	}
	*end = s;
	*v = x;
	if (!any)
		return -EINVAL;
	return over ? -ERANGE : 0;
}

/* A number as the key's type reads it, in the file's unit. */
static int parse_number(const struct key *k, const char *s, uint64_t *v)
{
	const char *end;
	int ret, shift;

	if (k->type == K_HEX && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		ret = parse_digits(s + 2, 16, v, &end);
	} else {
		ret = parse_digits(s, 10, v, &end);
	}
	if (ret == -EINVAL)
		return ret;
	if (k->type == K_BYTES) {
		shift = rc_size_suffix_shift(end, false);
		if (shift < 0)
			return -EINVAL;
		if (shift && *v > (UINT64_MAX >> shift))
			return -ERANGE;
		*v <<= shift;
		return ret;
	}
	return *end ? -EINVAL : ret;
}

static void store_uint(void *dst, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (size) {
	case 1: memcpy(dst, &u8, 1); break;
	case 2: memcpy(dst, &u16, 2); break;
	case 4: memcpy(dst, &u32, 4); break;
	case 8: memcpy(dst, &v, 8); break;
	default: break;		/* size 0: checked only */
	}
}

static int set_number(struct parser *p, const struct key *k, char *base,
		      const char *val)
{
	uint64_t v;
	int ret;

	ret = parse_number(k, val, &v);
	if (ret == -EINVAL) {
		if (k->type == K_BYTES)
			return fail_key(p, k->name, "'" SHOW "' is not a size in bytes "
					"(a number, optionally with K, M or G)", val);
		return fail_key(p, k->name, "'" SHOW "' is not a number", val);
	}
	if (ret == -ERANGE || v < k->min || v > k->max) {
		if (k->type == K_HEX)
			return fail_key(p, k->name, "'" SHOW "' is out of range "
					"0x%04llx..0x%04llx", val,
					(unsigned long long)k->min,
					(unsigned long long)k->max);
		return fail_key(p, k->name, "'" SHOW "' is out of range %llu..%llu%s",
				val, (unsigned long long)k->min,
				(unsigned long long)k->max,
				k->type == K_MS ? " (milliseconds)" :
				k->type == K_BYTES ? " (bytes)" : "");
	}
	if ((k->flags & KF_POW2) && (v & (v - 1)))
		return fail_key(p, k->name, "%llu is not a power of two",
				(unsigned long long)v);

	if (k->type == K_IDS) {
		uint32_t *ids = (uint32_t *)(void *)(base + k->off);
		uint32_t *n = (uint32_t *)(void *)(base + k->count_off);

		for (uint32_t i = 0; i < *n; i++)
			if (ids[i] == v)
				return 0;	/* already allowed */
		if (*n >= RC_CONFIG_MAX_IDS)
			return fail_key(p, k->name, "more than %d entries",
					RC_CONFIG_MAX_IDS);
		ids[(*n)++] = (uint32_t)v;
		return 0;
	}
	if (k->type == K_MS)
		v *= MS;
	store_uint(base + k->off, k->size, v);
	return 0;
}

static int set_word(struct parser *p, const struct key *k, char *base,
		    const char *val)
{
	char list[128];
	size_t used = 0;

	for (const struct word *w = k->words; w->w; w++) {
		if (strcmp(val, w->w))
			continue;
		if (k->size == sizeof(bool)) {
			bool b = w->v != 0;

			memcpy(base + k->off, &b, sizeof(b));
		} else {
			memcpy(base + k->off, &w->v, sizeof(w->v));
		}
		return 0;
	}
	list[0] = '\0';
	for (const struct word *w = k->words; w->w && used < sizeof(list); w++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 w == k->words ? "" : ", ", w->w);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return fail_key(p, k->name, "'" SHOW "' is not one of: %s", val, list);
}

static int set_string(struct parser *p, const struct key *k, char *base,
		      const char *val)
{
	size_t n = strlen(val);

	if (n >= k->size)
		return fail_key(p, k->name, "value too long (%zu characters, at most %zu)",
				n, k->size - 1);
	if (k->type == K_PATH && val[0] != '/')
		return fail_key(p, k->name, "'" SHOW "' is not an absolute path", val);
	if (k->off == offsetof(struct rc_config, ringcast.runtime_dir) &&
	    n > RC_CONFIG_RUNTIME_DIR_MAX)
		return fail_key(p, k->name, "%zu characters, at most %zu: the client socket "
				"DIR" RC_CONFIG_SOCK_NAME " must fit a unix socket's path (108 bytes)",
				n, (size_t)RC_CONFIG_RUNTIME_DIR_MAX);
	memcpy(base + k->off, val, n + 1);
	return 0;
}

/* ---- Statements --------------------------------------------------------- */

static enum sec child_kind(enum sec parent, const char *name)
{
	static const enum sec top[] = {
		SEC_TOTEM, SEC_NODELIST, SEC_LOGGING, SEC_DATAPLANE, SEC_RINGCAST,
	};

	if (parent == SEC_TOP) {
		for (size_t i = 0; i < ARRAY_SIZE(top); i++)
			if (!strcmp(name, sections[top[i]].name))
				return top[i];
	} else if (parent == SEC_NODELIST && !strcmp(name, "node")) {
		return SEC_NODE;
	}
	return SEC_SKIP;
}

static int open_section(struct parser *p, const char *name)
{
	enum sec parent = p->stack[p->depth].kind;
	enum sec kind = child_kind(parent, name);
	struct level *l;

	if (p->depth >= MAX_DEPTH)
		return fail_at(p, p->line, "section '%s': sections nested too deeply "
			       "(at most %d levels)", name, MAX_DEPTH);
	if (kind == SEC_SKIP && parent == SEC_TOP) {
		warn(p, "unknown section '%s', ignored", name);
	} else if (kind == SEC_SKIP && parent != SEC_SKIP) {
		char sec[128];

		where(p, sec, sizeof(sec));
		warn(p, "unknown section '%s' in %s, ignored", name, sec);
	}
	if (kind == SEC_NODE) {
		uint32_t n = p->cfg->n_nodes;

		if (n >= RC_CONFIG_MAX_NODES)
			return fail_at(p, p->line, "section 'node' in nodelist: more "
				       "than %d nodes", RC_CONFIG_MAX_NODES);
		memset(&p->cfg->nodes[n], 0, sizeof(p->cfg->nodes[n]));
		p->seen[SEC_NODE] = 0;
		p->node_line[n] = p->line;
	}
	if (!p->sec_line[kind])
		p->sec_line[kind] = p->line;

	l = &p->stack[++p->depth];
	l->kind = kind;
	l->line = p->line;
	snprintf(l->name, sizeof(l->name), "%s", name);
	return 0;
}

static unsigned int key_line(const struct parser *p, enum sec s, const char *key)
{
	for (size_t i = 0; i < sections[s].n_keys; i++)
		if (!strcmp(sections[s].keys[i].name, key))
			return (p->seen[s] >> i & 1) ? p->seen_line[s][i] : 0;
	return 0;
}

/* A node is complete: it has a nodeid, and its nodeid, name and ring0_addr are new. */
static int close_node(struct parser *p, const struct level *l)
{
	struct rc_config *cfg = p->cfg;
	uint32_t n = cfg->n_nodes;
	struct rc_config_node *node = &cfg->nodes[n];

	p->nodeid_line[n] = key_line(p, SEC_NODE, "nodeid");
	p->name_line[n] = key_line(p, SEC_NODE, "name");
	if (!p->nodeid_line[n])
		return fail_at(p, l->line, "section 'node' in nodelist: key 'nodeid' "
			       "missing");
	for (uint32_t i = 0; i < n; i++) {
		if (cfg->nodes[i].nodeid == node->nodeid)
			return fail_at(p, p->nodeid_line[n], "key 'nodeid' in "
				       "nodelist.node: %u is already the nodeid of "
				       "the node at line %u", node->nodeid,
				       p->node_line[i]);
		if (node->name[0] && !strcmp(cfg->nodes[i].name, node->name))
			return fail_at(p, p->name_line[n], "key 'name' in "
				       "nodelist.node: '" SHOW "' is already the "
				       "name of the node at line %u", node->name,
				       p->node_line[i]);
		/* a daemon finds itself by its host's name or address: two
		   nodes with one address would both take the first's nodeid */
		if (node->ring0_addr[0] &&
		    !strcmp(cfg->nodes[i].ring0_addr, node->ring0_addr))
			return fail_at(p, key_line(p, SEC_NODE, "ring0_addr"),
				       "key 'ring0_addr' in nodelist.node: '" SHOW
				       "' is already the ring0_addr of the node "
				       "at line %u", node->ring0_addr,
				       p->node_line[i]);
	}
	cfg->n_nodes++;
	return 0;
}

static int close_section(struct parser *p)
{
	struct level *l;

	if (p->depth == 0)
		return fail_at(p, p->line, "'}' without an open section");
	l = &p->stack[p->depth--];
	if (l->kind == SEC_NODE)
		return close_node(p, l);
	return 0;
}

static int key_value(struct parser *p, const char *key, char *v)
{
	enum sec kind = p->stack[p->depth].kind;
	const struct section *s = &sections[kind];
	const struct key *k = NULL;
	char *base, *end;
	size_t i;

	v = skip_ws(v);
	if (*v == '"') {
		end = strchr(v + 1, '"');
		if (!end)
			return fail_key(p, key, "unterminated quoted value");
		*end++ = '\0';
		end = skip_ws(end);
		if (*end && *end != '#')
			return fail_key(p, key, "text after the quoted value");
		v++;
	} else {
		end = strchr(v, '#');
		if (end)
			*end = '\0';
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*v)
			return fail_key(p, key, "missing value");
	}

	for (i = 0; i < s->n_keys; i++) {
		if (!strcmp(s->keys[i].name, key)) {
			k = &s->keys[i];
			break;
		}
	}
	if (!k) {
		char sec[128];

		if (kind == SEC_SKIP)
			return 0;
		where(p, sec, sizeof(sec));
		if (kind == SEC_TOP)
			warn(p, "unknown key '%s' outside any section, ignored", key);
		else
			warn(p, "unknown key '%s' in %s, ignored", key, sec);
		return 0;
	}
	if ((p->seen[kind] >> i & 1) && !(k->flags & KF_REPEAT))
		return fail_key(p, key, "duplicate key (first set at line %u)",
				p->seen_line[kind][i]);
	if (!(p->seen[kind] >> i & 1))
		p->seen_line[kind][i] = p->line;
	p->seen[kind] |= 1u << i;

	base = kind == SEC_NODE ? (char *)&p->cfg->nodes[p->cfg->n_nodes]
				: (char *)p->cfg;
	switch (k->type) {
	case K_WORD:
		return set_word(p, k, base, v);
	case K_STR:
	case K_PATH:
		return set_string(p, k, base, v);
	default:
		return set_number(p, k, base, v);
	}
}

/* One line, NUL-terminated, without its newline. */
static int parse_line(struct parser *p, char *line, size_t len)
{
	char name[NAME_MAX_LEN + 1];
	char *s;
	size_t n;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\0')
			return fail_at(p, p->line, "NUL byte in line");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail_at(p, p->line, "control character 0x%02x in line", c);
	}

	s = skip_ws(line);
	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '}') {
		s = skip_ws(s + 1);
		if (*s && *s != '#')
			return fail_at(p, p->line, "text after '}' (one statement per line)");
		return close_section(p);
	}
	for (n = 0; is_name_char(s[n]); n++)
		;
	if (n == 0)
		return fail_at(p, p->line, "expected 'key: value', 'section {' or '}'");
	if (n > NAME_MAX_LEN)
		return fail_at(p, p->line, "name '%.*s...' too long (at most %d characters)",
			       16, s, NAME_MAX_LEN);
	memcpy(name, s, n);
	name[n] = '\0';
	s = skip_ws(s + n);
	if (*s == ':')
		return key_value(p, name, s + 1);
	if (*s == '{') {
		s = skip_ws(s + 1);
		if (*s && *s != '#')
			return fail_at(p, p->line, "text after '%s {' (one statement "
				       "per line)", name);
		return open_section(p, name);
	}
	return fail_at(p, p->line, "expected ':' or '{' after '%s'", name);
}

/* ---- Whole file --------------------------------------------------------- */

static int seen(const struct parser *p, enum sec s, const char *key)
{
	return key_line(p, s, key) != 0;
}

static uint32_t cluster_id_hash(const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h ? h : 1;
}

/* Values given by others: token_retransmit, consensus, hold, rtr_slots, cluster_id. */
static void derive(struct rc_config *cfg, int retransmit_set, int consensus_set,
		   int hold_set, int cluster_id_set)
{
	struct rc_totem_config *t = &cfg->totem;
	uint64_t n = cfg->token_retransmits_before_loss_const;
	uint32_t need = 4 * t->srp.window_size;

	/* corosync: token / (token_retransmits_before_loss_const + 0.2) */
	if (!retransmit_set)
		t->srp.token_retransmit_ns = t->token_timeout_ns * 5 / (5 * n + 1);
	/*
	 * corosync: 1.2 x token. A node must answer in gather within this, so
	 * it must outlast the scheduling stalls the token itself tolerates.
	 */
	if (!consensus_set)
		t->consensus_timeout_ns = t->token_timeout_ns * 6 / 5;
	/* corosync holds 0.8 token_retransmit; ours is 8 ms unless that is too long */
	if (!hold_set && t->srp.hold_ns >= t->srp.token_retransmit_ns)
		t->srp.hold_ns = t->srp.token_retransmit_ns * 4 / 5;
	while (t->srp.rtr_slots && t->srp.rtr_slots < need)
		t->srp.rtr_slots <<= 1;
	cfg->cluster_id_from_name = !cluster_id_set;
	if (!cluster_id_set)
		t->srp.cluster_id = cluster_id_hash(cfg->cluster_name);
}

static int finish(struct parser *p)
{
	struct rc_config *cfg = p->cfg;
	struct rc_totem_config check;
	const char *why = NULL;
	char msg[RC_CONFIG_MSG_MAX];
	unsigned int cline = 0;

	if (p->depth > 0) {
		struct level *l = &p->stack[p->depth];

		return fail_at(p, l->line, "section '%s' is not closed at end of file",
			       l->name);
	}
	if (!p->sec_line[SEC_NODELIST])
		return fail_at(p, 0, "section 'nodelist' missing (at least one "
			       "node is needed)");
	if (!cfg->n_nodes)
		return fail_at(p, p->sec_line[SEC_NODELIST], "section 'nodelist' "
			       "has no node");
	if (cfg->logging.to_logfile && !cfg->logging.logfile[0]) {
		unsigned int line = key_line(p, SEC_LOGGING, "to_logfile");

		return fail_at(p, line, "key 'logfile' in logging: missing, but "
			       "to_logfile is yes");
	}

	cfg->crypto.keyfile_line = key_line(p, SEC_TOTEM, "keyfile");
	if (rc_config_crypto_finish(cfg, key_line(p, SEC_TOTEM, "crypto_cipher"),
				    key_line(p, SEC_TOTEM, "crypto_hash"),
				    key_line(p, SEC_TOTEM, "secauth"), &cline, msg, sizeof(msg)) < 0)
		return fail_at(p, cline, "%s", msg);

	derive(cfg, seen(p, SEC_TOTEM, "token_retransmit"), seen(p, SEC_TOTEM, "consensus"),
	       seen(p, SEC_TOTEM, "hold"), seen(p, SEC_TOTEM, "cluster_id"));
	check = cfg->totem;
	check.srp.nodeid = cfg->nodes[0].nodeid;
	if (rc_totem_config_check(&check, &why) < 0)
		return fail_at(p, p->sec_line[SEC_TOTEM], "section 'totem': %s",
			       why ? why : "invalid");

	return 0;
}

void rc_config_init(struct rc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	rc_totem_config_defaults(&cfg->totem);
	cfg->token_retransmits_before_loss_const = 4;
	derive(cfg, 0, 0, 0, 0);

	cfg->crypto.mode = RC_AUTH_MODE_AEAD;
	snprintf(cfg->crypto.keyfile, sizeof(cfg->crypto.keyfile), "%s", RC_CONFIG_KEYFILE);

	cfg->logging.to_stderr = true;
	cfg->logging.to_syslog = true;
	cfg->logging.blackbox = true;
	cfg->logging.syslog_facility = LOG_DAEMON;
	cfg->logging.debug = RC_LOG_DEBUG_OFF;
	cfg->logging.timestamp = RC_LOG_TIMESTAMP_OFF;

	cfg->dataplane.ethertype = 0x88b5;
	cfg->dataplane.lcore = RC_CONFIG_LCORE_ANY;
	cfg->dataplane.idle = RC_IDLE_ADAPTIVE;
	cfg->dataplane.idle_spin = 256;
	cfg->dataplane.idle_sleep_us = 50;

	snprintf(cfg->ringcast.runtime_dir, sizeof(cfg->ringcast.runtime_dir),
		 "/run/ringcast");
	snprintf(cfg->ringcast.state_dir, sizeof(cfg->ringcast.state_dir),
		 "/var/lib/ringcast");
	cfg->ringcast.max_rx_backlog = 34ull << 20;
	cfg->ringcast.hugepage_clients = 64;
	cfg->ringcast.zero_copy = RC_ZC_ROOT;
	cfg->ringcast.max_clients_per_uid = RC_CONFIG_MAX_CLIENTS / 2;
}

int rc_config_parse(const char *text, size_t len, const char *name,
		    struct rc_config *cfg, char *err, size_t errlen)
{
	char line[RC_CONFIG_LINE_MAX + 1];
	struct parser p = {
		.file = name ? name : "(config)",
		.cfg = cfg,
		.err = err,
		.errlen = errlen,
	};
	size_t pos = 0;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!cfg || (!text && len))
		return -EINVAL;
	rc_config_init(cfg);
	p.stack[0].kind = SEC_TOP;

	while (pos < len && ret == 0) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		pos += n + (nl ? 1 : 0);
		p.line++;
		if (n && start[n - 1] == '\r')
			n--;
		if (n > RC_CONFIG_LINE_MAX)
			return fail_at(&p, p.line, "line too long (more than %d "
				       "characters)", RC_CONFIG_LINE_MAX);
		memcpy(line, start, n);
		line[n] = '\0';
		ret = parse_line(&p, line, n);
	}
	if (ret == 0)
		ret = finish(&p);
	return ret;
}

int rc_config_load(const char *path, struct rc_config *cfg, char *err,
		   size_t errlen)
{
	struct stat st;
	size_t len = 0;
	char *buf;
	int fd, ret;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !cfg)
		return -EINVAL;
	rc_config_init(cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto report;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto close_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto close_fd;
	}
	buf = malloc(RC_CONFIG_FILE_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, RC_CONFIG_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto free_buf;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > RC_CONFIG_FILE_MAX) {
			ret = -EFBIG;
			goto free_buf;
		}
	}
	ret = rc_config_parse(buf, len, path, cfg, err, errlen);
	free(buf);
	close(fd);
	return ret;

free_buf:
	free(buf);
close_fd:
	close(fd);
report:
	if (err && errlen) {
		if (ret == -EFBIG)
			snprintf(err, errlen, "%s: larger than %u bytes", path,
				 RC_CONFIG_FILE_MAX);
		else
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
	}
	return ret;
}

uint32_t rc_config_warning_count(const struct rc_config *cfg)
{
	return cfg->n_warnings < RC_CONFIG_MAX_WARNINGS ? cfg->n_warnings
							: RC_CONFIG_MAX_WARNINGS;
}

const char *rc_config_warning(const struct rc_config *cfg, uint32_t i)
{
	return i < rc_config_warning_count(cfg) ? cfg->warnings[i] : NULL;
}
