/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcastd's configuration: a file in corosync.conf syntax parsed into one
 * fixed-size struct (no allocation), validated, with FILE:LINE errors and
 * warnings. After a successful parse every field is in range and the totem
 * part passes rc_totem_config_check() once the daemon sets its own nodeid.
 */
#ifndef RC_CONFIG_H
#define RC_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "dp_params.h"
#include "engine.h"
#include "start.h"

#define RC_CONFIG_MAX_NODES	RC_TOTEM_MAX_NODES	/* nodes in nodelist {} */
#define RC_CONFIG_STR_MAX	256	/* names, addresses, devargs (with the NUL) */
#define RC_CONFIG_ARGS_MAX	1024	/* dataplane.eal_args (with the NUL) */
#define RC_CONFIG_PATH_MAX	PATH_MAX /* paths (with the NUL) */
/* runtime_dir's longest: "DIR/ringcastd.sock" fits a unix socket's
   108-byte sun_path (control/attach.c checks it at build time) */
#define RC_CONFIG_SOCK_NAME	"/ringcastd.sock"
#define RC_CONFIG_RUNTIME_DIR_MAX	(108 - 1 - (sizeof(RC_CONFIG_SOCK_NAME) - 1))
#define RC_CONFIG_MAX_IDS	32	/* allow_uid and allow_gid entries, each */
#define RC_CONFIG_MAX_CLIENTS	1024	/* client connections (RC_DP_MAX_CLIENTS) */
#define RC_CONFIG_MSG_SIZE_MIN	(256u << 10)	/* totem.max_msg_size: a largest group SYNC fits */
#define RC_CONFIG_MAX_WARNINGS	32	/* kept; the rest are only counted */
#define RC_CONFIG_MSG_MAX	384	/* one warning or error, with the NUL */
#define RC_CONFIG_LINE_MAX	8192	/* longest line, without its newline */
#define RC_CONFIG_FILE_MAX	(1u << 20) /* largest file rc_config_load reads */

#define RC_CONFIG_LCORE_ANY	UINT32_MAX	/* dataplane.lcore not set */
#define RC_CONFIG_KEYFILE	"/etc/ringcast/authkey"	/* totem.keyfile default */

/* totem { crypto_cipher }, { crypto_hash }: corosync's words (configuration.md). */
enum rc_crypto_cipher {
	RC_CIPHER_NONE = 0,
	RC_CIPHER_AES256,
	RC_CIPHER_AES192,	/* corosync's; refused here */
	RC_CIPHER_AES128,	/* corosync's; refused here */
};

enum rc_crypto_hash {
	RC_HASH_NONE = 0,
	RC_HASH_MD5,
	RC_HASH_SHA1,
	RC_HASH_SHA256,
	RC_HASH_SHA384,
	RC_HASH_SHA512,
};

struct rc_config_crypto {
	int cipher;				/* enum rc_crypto_cipher, as given */
	int hash;				/* enum rc_crypto_hash, as given */
	bool secauth;				/* as given */
	enum rc_auth_mode mode;			/* what they mean (config_crypto.c) */
	bool explicit_off;			/* mode NONE because the file says so */
	char keyfile[RC_CONFIG_PATH_MAX];	/* absolute; default RC_CONFIG_KEYFILE */
	unsigned int keyfile_line;		/* 0: the default */
	unsigned int mode_line;			/* the key that chose the mode, or 0 */
};

enum rc_log_debug {
	RC_LOG_DEBUG_OFF = 0,
	RC_LOG_DEBUG_ON,
	RC_LOG_DEBUG_TRACE,
};

enum rc_log_timestamp {
	RC_LOG_TIMESTAMP_OFF = 0,
	RC_LOG_TIMESTAMP_ON,
	RC_LOG_TIMESTAMP_HIRES,
};

struct rc_config_node {
	uint32_t nodeid;			/* != 0, unique */
	char name[RC_CONFIG_STR_MAX];		/* "" when absent; unique otherwise */
	char ring0_addr[RC_CONFIG_STR_MAX];	/* "" when absent; not used yet */
};

struct rc_config_logging {
	bool to_stderr;				/* default yes */
	bool to_logfile;			/* default no; needs logfile */
	bool to_syslog;				/* default yes */
	bool blackbox;				/* default yes */
	int syslog_facility;			/* LOG_DAEMON, LOG_LOCAL0..7 */
	enum rc_log_debug debug;
	enum rc_log_timestamp timestamp;
	char logfile[RC_CONFIG_PATH_MAX];	/* absolute, or "" */
};

struct rc_config_dataplane {
	char eal_args[RC_CONFIG_ARGS_MAX];	/* split on whitespace by the daemon */
	char port[RC_CONFIG_STR_MAX];		/* devargs; "" = not set */
	uint16_t ethertype;			/* 0x0600..0xffff, default 0x88b5 */
	uint32_t lcore;				/* or RC_CONFIG_LCORE_ANY */
	enum rc_idle_policy idle;
	uint32_t idle_spin;			/* empty polls before sleeping */
	uint32_t idle_sleep_us;
	uint32_t test_hooks;			/* 1: the inject, digest and stall test hooks work */
};

struct rc_config_ringcast {
	char runtime_dir[RC_CONFIG_PATH_MAX];	/* absolute */
	char state_dir[RC_CONFIG_PATH_MAX];	/* absolute */
	uint32_t n_allow_uid, n_allow_gid;	/* each <= RC_CONFIG_MAX_IDS */
	uint32_t allow_uid[RC_CONFIG_MAX_IDS];	/* no duplicates */
	uint32_t allow_gid[RC_CONFIG_MAX_IDS];
	uint64_t max_rx_backlog;		/* bytes: a client's rx area; half is its largest message */
	uint32_t hugepage_clients;		/* connections with hugepage regions at once */
	uint32_t max_clients_per_uid;		/* connections of one non-root uid at once */
	int zero_copy;				/* enum rc_zero_copy */
};

struct rc_config {
	/*
	 * totem {}: times in ns. srp.nodeid, srp.members and srp.n_members
	 * stay 0: the daemon sets srp.nodeid from rc_config_find_self().
	 */
	struct rc_totem_config totem;
	char cluster_name[RC_CONFIG_STR_MAX];	/* "" when absent */
	uint32_t token_retransmits_before_loss_const;
	bool cluster_id_from_name;		/* cluster_id was not given */
	struct rc_config_crypto crypto;		/* totem { crypto_*, secauth, keyfile } */

	/* nodelist {}: in file order */
	uint32_t n_nodes;			/* 1..RC_CONFIG_MAX_NODES */
	struct rc_config_node nodes[RC_CONFIG_MAX_NODES];

	struct rc_config_logging logging;
	struct rc_config_dataplane dataplane;
	struct rc_config_ringcast ringcast;

	/* "FILE:LINE: ..." for unknown sections and keys, in file order */
	uint32_t n_warnings;			/* <= RC_CONFIG_MAX_WARNINGS */
	uint32_t warnings_lost;			/* warnings beyond the array */
	char warnings[RC_CONFIG_MAX_WARNINGS][RC_CONFIG_MSG_MAX];
};

/* Every default; the nodelist empty, no warnings. */
void rc_config_init(struct rc_config *cfg);

/*
 * Parse len bytes of text (no NUL needed; a NUL inside is an error); name is
 * the file name used in messages. cfg is initialised first. Returns 0, or
 * -EINVAL with "name:line: ..." in err (always NUL-terminated when errlen >
 * 0; err may be NULL). On error only cfg's warnings are meaningful.
 */
int rc_config_parse(const char *text, size_t len, const char *name,
		    struct rc_config *cfg, char *err, size_t errlen);

/*
 * Read and parse a file (at most RC_CONFIG_FILE_MAX bytes). Returns 0,
 * -EINVAL for a bad file, or the -errno of opening or reading it, with a
 * message naming the file in err.
 */
int rc_config_load(const char *path, struct rc_config *cfg, char *err,
		   size_t errlen);

/* Warning i (0 <= i < rc_config_warning_count()), or NULL. */
uint32_t rc_config_warning_count(const struct rc_config *cfg);
const char *rc_config_warning(const struct rc_config *cfg, uint32_t i);

/*
 * This node's nodeid: nodeid when not 0 (it must be in the nodelist), else
 * the node whose name is `name`, else whose ring0_addr is `name`, else whose
 * name is the part of `name` before its first '.' (a hostname's short form).
 * Returns 0 with *self set, -ENOENT when no node matches, -EINVAL when
 * neither nodeid nor name is given; err says why.
 */
int rc_config_find_self(const struct rc_config *cfg, const char *name,
			uint32_t nodeid, uint32_t *self, char *err,
			size_t errlen);

/*
 * config_crypto.c: the crypto keys' meaning, checked at the end of the
 * parse; lines are where each key was given (0: not given). 0, or -EINVAL
 * with the line to blame in *line and the reason in msg.
 */
int rc_config_crypto_finish(struct rc_config *cfg, unsigned int cipher_line,
			    unsigned int hash_line, unsigned int secauth_line,
			    unsigned int *line, char *msg, size_t msglen);

/*
 * Read the cluster key the configuration names (nothing in mode NONE). 0, or
 * -errno with "CONF:LINE: key 'keyfile' in totem: ..." (or, for the default
 * file, what to do about it) in err.
 */
int rc_config_key_load(const struct rc_config *cfg, const char *conf, uint8_t *key,
		       size_t *len, char *err, size_t errlen);

/* The node with this nodeid, or NULL. */
const struct rc_config_node *rc_config_node_get(const struct rc_config *cfg,
						uint32_t nodeid);

/*
 * devargs.c: the port's devargs for EAL (dataplane.port, plus net_af_packet's
 * framesz/blocksz when netmtu needs frames above its default 2048 bytes and
 * none were given). 0 or -ENAMETOOLONG. rc_config_afp_framesz: the ring
 * frame size a netmtu needs, 0 when the default does.
 */
int rc_config_port_devargs(const char *port, uint32_t netmtu, char *out, size_t len);
uint32_t rc_config_afp_framesz(uint32_t netmtu);
/* net_af_packet's interface (its iface= argument) into ifname: 0; -ENOENT
   (another driver, or none given), -ENAMETOOLONG. */
int rc_config_port_iface(const char *port, char *ifname, size_t len);
/* Frames the port's rx ring holds: net_af_packet's framecnt (512 unless
   given), else the 1024 descriptors the dataplane asks for. */
uint32_t rc_config_port_rx_frames(const char *port);

#endif /* RC_CONFIG_H */
