/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame authentication: seals every frame a node sends into the version-2
 * envelope (include/ringcast/wire.h) and opens every frame it receives before
 * any other code reads it. Pure C over OpenSSL libcrypto (AES-256-GCM), no
 * DPDK: the lcore calls it, and so do the unit tests. One object per node,
 * used by one thread; it never logs, it counts drops by reason.
 *
 * Nonces: each (cluster key, sender, incarnation) has its own AES key,
 * derived with HKDF-SHA256; the 64-bit counter is the nonce and is never
 * reused by one incarnation. Incarnations grow across restarts
 * (rc_auth_incarnation_next, persisted before use).
 *
 * Rotation: two key slots. A new key goes into the spare slot (accepted at
 * once); every frame's envelope tells which nodes the sender knows to hold
 * and to send with the newest key, and receivers merge what they hear, so the
 * knowledge goes round the ring with the token. A node sends with the new
 * key only once every ring member is known to hold it, and drops the old
 * one only once every member is known to send with the new one.
 */
#ifndef RC_AUTH_H
#define RC_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcast/wire.h>

#define RC_AUTH_KEY_MIN		32	/* bytes in a key file */
#define RC_AUTH_KEY_MAX		4096	/* corosync's largest authkey */
#define RC_AUTH_PRK_LEN		32	/* HKDF-Extract of the key file */
#define RC_AUTH_SLOTS		2	/* key slots: the current key and the next */
#define RC_AUTH_MAX_NODES	32	/* = RC_TOTEM_MAX_NODES */
#define RC_AUTH_WINDOW		64	/* replay window, frames per sender */

/* Why a received frame was dropped: name, meaning (docs/operations.md). */
#define RC_AUTH_DROP_LIST(X) \
	X(SHORT, short, "shorter than the envelope and tag") \
	X(VERSION, version, "another wire version: an older peer, or not ringcast") \
	X(MODE, mode, "sealed in another mode: crypto differs between nodes") \
	X(KEY_SLOT, key_slot, "sealed with a key this node does not hold") \
	X(UNKNOWN_NODE, unknown_node, "sender not in the nodelist, or this node itself") \
	X(OLD_INCARNATION, old_incarnation, "from an earlier run of the sender") \
	X(REPLAY, replay, "counter already seen, or older than the replay window") \
	X(BAD_TAG, bad_tag, "tag does not verify: another key, forged or corrupted")

enum rc_auth_drop {
#define X(U, l, d) RC_AUTH_DROP_##U,
	RC_AUTH_DROP_LIST(X)
#undef X
	RC_AUTH_DROPS_
};

const char *rc_auth_drop_name(int drop);
const char *rc_auth_drop_desc(int drop);
const char *rc_auth_mode_name(int mode);

/* What a receiver remembers of a sender across its own restarts. */
struct rc_auth_floor {
	uint32_t nodeid;
	uint32_t incarnation;
	uint64_t counter;	/* frames up to this one of that incarnation are old */
};

struct rc_auth_params {
	enum rc_auth_mode mode;
	uint8_t prk[RC_AUTH_PRK_LEN];	/* rc_auth_prk() of the key file */
	uint32_t cluster_id;
	uint32_t me;
	uint32_t incarnation;		/* this run's, >= 1 */
	uint32_t n_nodes;		/* the nodelist, me included */
	uint32_t nodes[RC_AUTH_MAX_NODES];
	uint32_t n_floor;
	struct rc_auth_floor floor[RC_AUTH_MAX_NODES];
};

/* A frame that passed. */
struct rc_auth_rx {
	uint8_t *body;		/* the Totem frame, decrypted in place */
	size_t body_len;
	uint32_t sender;	/* authenticated transmitter */
	bool newest;		/* the newest frame of the sender's yet (its
				   highest counter, or a new incarnation; every
				   frame without authentication): only such a
				   frame may say where the sender is now */
};

/* A frame that did not: what the log may say about it. */
struct rc_auth_bad {
	enum rc_auth_drop drop;
	uint32_t sender;	/* as claimed (version 1: the Totem header's) */
	uint8_t version;	/* as found, 0 if too short */
	uint8_t mode;		/* the envelope's mode byte, as found */
};

struct rc_auth;

/* HKDF-Extract (SHA-256, fixed salt) of a key file's bytes. */
int rc_auth_prk(const uint8_t *key, size_t len, uint8_t prk[RC_AUTH_PRK_LEN]);

int rc_auth_create(const struct rc_auth_params *p, struct rc_auth **out);
void rc_auth_destroy(struct rc_auth *a);

enum rc_auth_mode rc_auth_mode_get(const struct rc_auth *a);

/*
 * Seal hdr|data into out: envelope, tag, then the frame (encrypted in AEAD
 * mode). Without copy_data (MAC and NONE modes only) data is authenticated
 * where it lies and not written: the caller sends it as its own segment
 * after the out bytes. Returns the bytes written to out (envelope, tag, hdr,
 * and data when copied), or -EINVAL / -EIO.
 */
int rc_auth_seal(struct rc_auth *a, const void *hdr, size_t hdr_len,
		 const void *data, size_t data_len, bool copy_data, uint8_t *out);

/*
 * Open a received frame in place: 0 with rx filled, or -EBADMSG with bad
 * filled (and the drop counted). Nothing but the envelope is read before the
 * tag verifies; state (replay window, incarnation) changes only after.
 */
int rc_auth_open(struct rc_auth *a, uint8_t *frame, size_t len,
		 struct rc_auth_rx *rx, struct rc_auth_bad *bad);

/* ---- rotation (auth.c) ---- */

/* A key's public name: 32 bits of HMAC(prk, "ringcast key id"), never 0. */
uint32_t rc_auth_key_id(const uint8_t prk[RC_AUTH_PRK_LEN]);

/*
 * Take a new key into the spare slot: received at once, sent with after
 * rc_auth_key_use. -EEXIST: this key is already held; -EBUSY: the spare
 * slot still holds the previous key (retire it first).
 */
int rc_auth_key_add(struct rc_auth *a, const uint8_t prk[RC_AUTH_PRK_LEN]);

/*
 * Send with the newest key, if every one of members[0..n) is known to hold
 * it: 0, -EAGAIN (*missing: the members not known yet, bit per nodelist
 * position), -EALREADY (sending with it already), -ENOENT (no new key).
 */
int rc_auth_key_use(struct rc_auth *a, const uint32_t *members, uint32_t n,
		    uint32_t *missing);

/*
 * Drop the older key, if this node sends with the newest and every member
 * is known to: 0, -EAGAIN (*missing as above), -ENOENT (one key only),
 * -EBUSY (this node still sends with the older key).
 */
int rc_auth_key_retire(struct rc_auth *a, const uint32_t *members, uint32_t n,
		       uint32_t *missing);

struct rc_auth_key_status {
	uint32_t tx_id;		/* the key frames are sealed with */
	uint32_t newest_id;	/* the newest key held */
	uint32_t other_id;	/* the key in the other slot, 0 if none */
	uint32_t holders, users;	/* of the newest key, bit per nodelist position */
	uint32_t n_nodes;
	uint32_t nodes[RC_AUTH_MAX_NODES];	/* the nodelist, ascending: bit i is nodes[i] */
};

void rc_auth_key_status(const struct rc_auth *a, struct rc_auth_key_status *st);

/* Drops by reason since create. */
void rc_auth_drops(const struct rc_auth *a, uint64_t drops[RC_AUTH_DROPS_]);

/* What to persist: one entry per sender heard from; returns the count. */
uint32_t rc_auth_floor_get(const struct rc_auth *a, struct rc_auth_floor *f, uint32_t max);

/* ---- auth_state.c: key file and state directory (start-up, control thread) ---- */

/*
 * Read a key file: a regular file of RC_AUTH_KEY_MIN..RC_AUTH_KEY_MAX bytes,
 * not readable by group or others. 0, or -errno with a sentence in err that
 * names the file.
 */
int rc_auth_key_load(const char *path, uint8_t *key, size_t *len, char *err, size_t errlen);

/* Write name in dir atomically: temporary file, fsync, rename, fsync dir. */
int rc_auth_file_replace(const char *dir, const char *name, const void *buf, size_t len,
			 unsigned int mode);

/*
 * This run's incarnation: max(last + 1, now_s), written to dir/incarnation
 * before it is returned. A corrupt file is -EINVAL (never silently reset).
 */
int rc_auth_incarnation_next(const char *dir, uint32_t now_s, uint32_t *out);

/* dir/peers: the receivers' floors. Missing file: 0 entries. */
int rc_auth_floor_save(const char *dir, const struct rc_auth_floor *f, uint32_t n);
int rc_auth_floor_load(const char *dir, struct rc_auth_floor *f, uint32_t max, uint32_t *n);

#endif /* RC_AUTH_H */
