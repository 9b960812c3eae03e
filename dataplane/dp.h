/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane: one DPDK port, one lcore running the Totem engine over
 * Ethernet frames. The lcore never blocks on the control thread, never logs:
 * it counts, publishes a stats snapshot under a seqlock, and posts rare
 * events (configuration changes) to an SP/SC ring the control thread drains.
 *
 *   Ethernet frame:  dst MAC | src MAC | ethertype | u32 dst nodeid (LE, 0 = all) |
 *                    u32 frame length (LE) | rc_wire_auth | tag | sealed Totem frame |
 *                    padding
 * Every received frame is opened (dataplane/auth/) before anything else
 * reads it: the shim only says where the frame ends.
 */
#ifndef RC_DP_H
#define RC_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_ether.h>
#include <rte_seqlock.h>

#include <ringcast/shm.h>
#include <ringcast/wire.h>

#include "cpgd.h"
#include "dp_params.h"
#include "dp_stats.h"
#include "engine.h"

#define RC_DP_SHIM		sizeof(struct rc_wire_shim)	/* include/ringcast/wire.h */
#define RC_DP_BURST		32
#define RC_DP_INJECT_BUFS	4096
#define RC_DP_INJECT_MAX	1024	/* largest test-hook message */
#define RC_DP_INJECT_BUF	(RC_DP_INJECT_MAX + 32)	/* + CPG header */
#define RC_DP_MAX_CLIENTS	1024	/* attached client connections */
#define RC_DP_QUEUE_BYTES	(4u << 20)	/* client messages queued, not yet framed */
#define RC_DP_ZC_MIN		RC_SHM_ZC_MIN	/* a trusted client's message sent from its region */

/* What the control thread and telemetry read; written by the lcore. */
/* Another node as this port hears it (the lcore's MAC table). */
struct rc_dp_peer {
	uint32_t nodeid;
	uint8_t mac[6];
	uint64_t last_rx_ns;		/* rc_dp_now_ns() of its last accepted frame */
	uint64_t frames_rx;		/* accepted frames from it */
};

struct rc_dp_snapshot {
	struct rc_srp_stats st;		/* the engine's ordering half */
	struct rc_dp_stats dp;		/* the lcore's own (dp_stats.h) */
	struct rc_cpgd_stats cpg;	/* the group table */
	uint64_t bad_auth[RC_AUTH_DROPS_];	/* frames that failed authentication */
	uint32_t n_floors;		/* what to persist of each sender (auth.h) */
	struct rc_auth_floor floors[RC_AUTH_MAX_NODES];
	struct rc_auth_key_status keys;	/* the cluster keys and the rotation */
	uint64_t delivered;		/* test-hook messages delivered, and their running hash */
	uint64_t digest;
	uint64_t lat_hist[64];		/* own test messages, queued -> delivered: log2 ns */
	uint32_t n_peers;		/* nodes heard, in peers[] */
	struct rc_dp_peer peers[RC_TOTEM_MAX_NODES];
};

/* Events from the lcore to the control thread. */
enum rc_dp_event_type {
	RC_DP_EV_CONFCHG = 1,
	RC_DP_EV_STOPPED,
	RC_DP_EV_AUTH,		/* frames fail authentication: at most one per reason per period */
	RC_DP_EV_PAUSE,		/* the lcore was not running: gap_ns, flushed */
	RC_DP_EV_KEY,		/* a key operation was carried out or refused: key */
};

struct rc_dp_key_event {
	int op;			/* enum rc_dp_key_op */
	int ret;		/* 0 or -errno, as rc_dp_key() returns it */
	uint32_t missing;	/* -EAGAIN: nodelist positions not yet ready */
	uint32_t tx_id, newest_id, other_id;	/* the keys after it */
};

struct rc_dp_auth_event {
	int drop;		/* enum rc_auth_drop */
	uint32_t sender;	/* as the last such frame claimed */
	uint8_t version;	/* its envelope's version byte */
	uint8_t mode;		/* its mode byte (RC_AUTH_DROP_MODE) */
	struct rte_ether_addr mac;	/* its source MAC */
	uint64_t total;		/* drops for this reason since start */
};

struct rc_dp_event {
	enum rc_dp_event_type type;
	struct rc_confchg c;
	struct rc_dp_auth_event auth;
	uint64_t gap_ns;
	uint32_t flushed;
	struct rc_dp_key_event key;
};

struct rc_dp;
struct rc_xmsg;

/* CLOCK_MONOTONIC in ns: the dataplane's clock, and the control thread's. */
static inline uint64_t rc_dp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Set up the port, mempool, engine and event ring on `socket`. */
int rc_dp_create(const struct rc_dp_params *p, int socket, struct rc_dp **out);
void rc_dp_destroy(struct rc_dp *dp);
/* The lcore's main loop (rte_eal_remote_launch); returns after a clean leave. */
int rc_dp_run(void *arg);
/* Ask the lcore to leave the ring and return. */
void rc_dp_stop(struct rc_dp *dp);
/* Has the lcore left its loop (rc_dp_run about to return)? Any thread. The
   STOPPED event says so too, but a full event ring drops events: this never
   gets lost. */
bool rc_dp_stopped(struct rc_dp *dp);
/* Wake the lcore should it sleep (any thread; the calls below that queue
   something for it ring it themselves). */
void rc_dp_bell(struct rc_dp *dp);
/* The lcore page's memfd (shm.h, rc_shm_lcore), handed to every client. */
int rc_dp_lcore_fd(struct rc_dp *dp);
/* The largest payload clients may send in the current ring (the lcore
   page's max_msg: cpg_max_atomic_msgsize_get). Any thread. */
uint32_t rc_dp_max_msg(const struct rc_dp *dp);
/* Does a frame wake the idle lcore (the port driver has a socket), or does
   it sleep in slices of idle_sleep_us? */
bool rc_dp_wakes_on_frames(const struct rc_dp *dp);

/* Control/telemetry side. */
void rc_dp_snapshot_read(struct rc_dp *dp, struct rc_dp_snapshot *s);
/* Drain up to n events; returns how many were copied. */
unsigned int rc_dp_events(struct rc_dp *dp, struct rc_dp_event *ev, unsigned int n);
/* Readable (an eventfd: read it, then drain) once rc_dp_events() or
   rc_dp_clients_gone() may have something: the control thread sleeps on it. */
int rc_dp_events_fd(struct rc_dp *dp);
/*
 * The membership half of Totem (control thread) and the ordering half
 * (lcore) talk through two SP/SC rings of struct rc_xmsg (split.h). The
 * eventfd becomes readable when the lcore queued events; a command is
 * -ENOBUFS when the ring is full (the lcore drains it every pass).
 */
int rc_dp_memb_fd(struct rc_dp *dp);
unsigned int rc_dp_memb_events(struct rc_dp *dp, struct rc_xmsg *e, unsigned int n);
int rc_dp_memb_cmd(struct rc_dp *dp, const struct rc_xmsg *c);
/* When the lcore last received a token (CLOCK_MONOTONIC ns). */
uint64_t rc_dp_last_token(struct rc_dp *dp);
/* The start of the lcore's last pass that has read its port. */
uint64_t rc_dp_polled(struct rc_dp *dp);
/*
 * Test hooks, only when the configuration turned them on (dataplane
 * test_hooks; -EPERM otherwise). rc_dp_inject: the lcore queues `count`
 * messages of `size` bytes (-EMSGSIZE above RC_DP_INJECT_MAX). rc_dp_stall:
 * the lcore stops polling for `ms` (1..60000) milliseconds, as a descheduled
 * or stuck lcore would (-EINVAL out of range).
 */
int rc_dp_inject(struct rc_dp *dp, uint32_t count, uint32_t size);
int rc_dp_stall(struct rc_dp *dp, uint32_t ms);

/*
 * Key rotation (auth.h), any thread but the lcore, one at a time: the lcore
 * carries it out against the members of its last regular configuration and
 * answers within a pass. 0 or -errno as rc_auth_key_add/use/retire;
 * *missing: the members not known to hold (use) or to send with (retire)
 * the new key. -ETIMEDOUT when the lcore did not answer within 2 s.
 */
enum rc_dp_key_op {
	RC_DP_KEY_ADD = 1,
	RC_DP_KEY_USE,
	RC_DP_KEY_RETIRE,
};

int rc_dp_key(struct rc_dp *dp, enum rc_dp_key_op op, const uint8_t prk[RC_AUTH_PRK_LEN],
	      uint32_t *missing);

/*
 * Clients. The control thread accepted the connection, checked it and made
 * the region (its header filled in, see include/ringcast/shm.h); the lcore
 * uses the region until it reports the slot gone. Slots are the control
 * thread's to choose (< RC_DP_MAX_CLIENTS), each attached once until gone.
 */
struct rc_dp_client_attach {
	uint32_t slot;
	uint32_t pid;
	void *base;		/* the mapped region */
	const struct rc_shm_hdr *layout;	/* the control thread's copy of its header */
	uint64_t size;
	int wake_fd;		/* the client's socket: a byte wakes it (shm.h) */
	bool zc;		/* trusted, and the port may read the region: its
				   messages of RC_DP_ZC_MIN or more go out from it */
	/* The IOVA of each page's first byte (pages of 1 << page_shift
	   bytes), as registered with DPDK; NULL when the region is not
	   registered. The control thread frees it after the slot is gone. */
	const uint64_t *iova;
	uint8_t page_shift;
};

/* Why the lcore let a client go: X(enumerator, what the log says), one
   list for the enum and the words (rc_dp_gone_reason_str). */
#define RC_DP_GONE_REASONS(X) \
	X(RC_DP_GONE_DETACHED, "disconnected")	/* the control thread asked (socket closed) */ \
	X(RC_DP_GONE_BAD_TX, "bad tx ring index or entry") \
	X(RC_DP_GONE_BAD_RX, "bad rx or completion index") \
	X(RC_DP_GONE_BAD_REQ, "malformed request") \
	X(RC_DP_GONE_BACKLOG, "receive backlog full (not dispatching)")	/* rx area or ring full */ \
	X(RC_DP_GONE_STOPPED, "daemon stopping") \
	X(RC_DP_GONE_BUSY, "its slot still in the group table (internal error)") \
	X(RC_DP_GONE_BAD_BELL, "passed descriptors on its socket")

enum rc_dp_gone_reason {
#define X(e, words) e,
	RC_DP_GONE_REASONS(X)
#undef X
};

struct rc_dp_client_gone {
	uint32_t slot;
	int reason;		/* rc_dp_gone_reason */
};

int rc_dp_client_attach(struct rc_dp *dp, const struct rc_dp_client_attach *a);
/* The port may send a client's bytes in place (constant after create). */
bool rc_dp_zero_copy_port(const struct rc_dp *dp);
int rc_dp_client_detach(struct rc_dp *dp, uint32_t slot);
/* Slots whose region the lcore no longer touches. */
unsigned int rc_dp_clients_gone(struct rc_dp *dp, struct rc_dp_client_gone *g, unsigned int n);
const char *rc_dp_gone_reason_str(int reason);

/* port.c */
/* mtu: the Ethernet payload netmtu needs (a NIC is set to it); max_segs:
   segments the port takes in one frame (1: no chains) */
int rc_port_setup(uint16_t port, uint16_t nb_desc, struct rte_mempool *mp,
		  bool zero_copy, uint32_t mtu, struct rte_ether_addr *mac, uint16_t *max_segs);

#endif /* RC_DP_H */
