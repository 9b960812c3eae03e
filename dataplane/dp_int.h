/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's private state, shared by dp.c (port, engine, idle policy)
 * and client_io.c (client regions, CPG groups). One allocation on the port's
 * NUMA socket; fields grouped by the thread that writes them.
 */
#ifndef RC_DP_INT_H
#define RC_DP_INT_H

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_seqlock.h>

#include <ringcast/shm_daemon.h>

#include "cpgd.h"
#include "dp.h"
#include "split.h"
#include "zc.h"

#define HDR_LEN		(sizeof(struct rte_ether_hdr) + RC_DP_SHIM)
#define PUBLISH_NS	(100 * 1000 * 1000ull)
#define EVENTS		64
#define MEMB_RING	1024	/* messages between the halves of Totem, each way */
#define LAT_BUCKETS	64	/* log2 buckets of nanoseconds */
#define INJECT_GROUP	"ringcast.inject"	/* test-hook messages' CPG group */
#define AUTH_REPORT_NS	(5 * 1000 * 1000 * 1000ull)	/* one RC_DP_EV_AUTH per reason per */

/* A node heard on the port: where it is, and when it was last heard. */
struct mac_entry {
	uint32_t nodeid;
	struct rte_ether_addr mac;
	uint64_t last_rx;	/* lcore clock, ns: the last frame the engine accepted */
	uint64_t frames;	/* frames accepted from it */
};

/*
 * One attached client, lcore only. Every size and index the lcore uses is
 * its own copy (shm, the daemon's view of the region: shm_daemon.h); the
 * shared header is read field by field, once, and checked.
 */
struct rc_dp_client {
	bool used;		/* attached, region mapped */
	bool dying;		/* detached or kicked: waiting for in-flight buffers */
	bool wake;		/* rx records written since the last wake check */
	bool room;		/* tx_tail or comp_head moved since the last room check */
	bool detach_pending;	/* dying, the group table not told yet */
	bool draining;		/* let go (hang-up, backlog): its queued mcasts go out first */
	bool drained;		/* ... and all of them were taken (not cut short) */
	bool watched;		/* its socket is in the idle sleep's epoll set */
	bool tx_blocked;	/* tx entries left that the last drain could not take */
	bool zc;		/* its large messages go out from its region (rc_dp_client_attach) */
	uint16_t live_at;	/* its index in rc_dp.live while used */
	uint32_t drain_head;	/* the tx head when it was let go (rc_shmd_tx_close) */
	int reason;		/* rc_dp_gone_reason once draining or dying */
	uint8_t *base;
	uint64_t size;
	int wake_fd;		/* the client's socket, open until the slot is gone */
	uint32_t pid;
	struct rc_shmd shm;	/* the region: my indexes, the client's last checked */
	uint32_t req_seen;	/* last request answered (or, join_wait, taken) */
	bool join_wait;		/* req_seen is a JOIN answered once it is applied */
	uint32_t inflight;	/* tx buffers the engine still reads */
	uint64_t sent, delivered;
	uint64_t rx_checked;	/* rc_dp.now of the pass that last read its rx tails */
	/* mbufs pointing into the region (zero copy) hold a count here, one
	   per segment; the region is let go only once it is back to 1
	   (maybe_gone) */
	struct rte_mbuf_ext_shared_info shinfo;
	struct rc_zc_region zr;	/* the region and its IOVAs, for rc_zc_chain */
};

/* An MCAST_BATCH the engine holds (client_io.c tx_batch), on rc_dp.batches. */
struct rc_dp_batch {
	struct rc_dp_batch *prev, *next;
	uint8_t data[];
};

struct rc_dp {
	/* constant after create */
	struct rc_dp_params p;
	uint32_t me;
	struct rte_mempool *mp;
	struct rte_ring *events;
	struct rte_ring *cmds;		/* control -> lcore: attach, detach */
	struct rte_ring *gone;		/* lcore -> control: a client's region is free */
	struct rte_ring *to_ord;	/* control -> lcore: the membership half's commands */
	struct rte_ring *to_memb;	/* lcore -> control: the ordering half's events */
	int memb_evfd;			/* written when to_memb got something */
	int ev_evfd;			/* written when events or gone got something */
	struct rc_ord *ord;		/* the ordering half of Totem */
	struct rc_cpgd *cpgd;
	struct rc_auth *auth;		/* seals and opens every frame (lcore only) */
	struct rte_ether_addr mac, group;
	int epfd;			/* the idle sleep's (sleep.c): bell, port, clients */
	int bell_fd;			/* eventfd: the control thread queued a command */
	int lcore_fd;			/* memfd of lcore_page, handed to each client */
	int port_fd;			/* the port driver's socket, or -1 */
	struct rc_shm_lcore *lcore_page;	/* `sleeping`: clients ring then */
	bool no_pwait2;			/* epoll_pwait2 refused: epoll_wait, in ms */

	/* written by other threads */
	volatile int stop __rte_cache_aligned;
	uint32_t inject_req;		/* messages asked for, taken by the lcore */
	uint32_t inject_size;
	uint32_t key_seq;		/* key request number (release: key_op, key_prk) */
	int key_op;			/* enum rc_dp_key_op */
	uint8_t key_prk[RC_AUTH_PRK_LEN];

	/* written by the lcore, read by the control thread */
	uint64_t last_token __rte_cache_aligned;	/* rc_ord_last_token(), relaxed */
	uint64_t polled;		/* the start of the last pass whose rx is done */
	int stopped;			/* rc_dp_run left its loop (release) */
	uint32_t key_done;		/* key request answered (release: key_ret, key_missing) */
	int key_ret;
	uint32_t key_missing;

	/* lcore only */
	uint64_t now __rte_cache_aligned;
	struct rte_mbuf *tx[RC_DP_BURST];
	uint16_t ntx;
	struct mac_entry macs[RC_TOTEM_MAX_NODES];
	uint32_t inject_left, inject_outstanding, inject_seq;
	struct rc_dp_stats st;		/* counted here, copied whole by publish() */
	uint64_t auth_reported[RC_AUTH_DROPS_];	/* when each reason was last posted */
	uint32_t key_seen;		/* key requests carried out */
	uint32_t n_members;		/* the last regular configuration: key rotation's ring */
	uint32_t members[RC_TOTEM_MAX_NODES];
	uint64_t delivered, digest;
	uint32_t rx_flags;		/* rc_shm_rx_flags of the delivery in progress */
	uint64_t lat_hist[LAT_BUCKETS];	/* own test messages: queued -> delivered */
	uint64_t last_publish, last_second;
	struct rc_srp_stats sec_base;	/* counters at the start of the second */
	uint32_t n_clients;		/* used slots: live[0 .. n_clients) */
	uint32_t poll_first;		/* where rc_dp_clients_poll starts: 0..n_clients-1 */
	uint32_t ring_limit;		/* the engine's message limit last published */
	uint32_t batch_room;		/* an MCAST_BATCH, header included, at most (one chunk
					   of one frame of the ring: ring_mtu) */
	uint32_t ring_mtu;		/* the current ring's largest frame */
	struct rc_dp_batch batches;	/* list head: the batches the engine holds */
	uint64_t tx_cleanup_at;		/* last rte_eth_tx_done_cleanup for a dying client */
	uint16_t live[RC_DP_MAX_CLIENTS];	/* the used slots, in no order */
	bool zc_port;			/* the port takes chained frames: zero copy possible */
	bool iova_va;			/* EAL runs IOVA as VA */
	uint16_t zc_max_segs;		/* payload segments the port takes after the headers */
	uint16_t zc_last;		/* the slot of the last zero-copy frame (a guess) */
	uint32_t stall_req;		/* test hook: ms to stop polling (rc_dp_stall) */
	uint64_t slept;			/* the idle sleep asked for by the last pass, ns */
	bool memb_wake;			/* write memb_evfd at the end of this pass */
	bool ev_wake;			/* write ev_evfd at the end of this pass */
	struct rc_xmsg xcmd;		/* the command being handled */
	struct rc_dp_client clients[RC_DP_MAX_CLIENTS];
	/* test hook: RC_DP_INJECT_BUFS of RC_DP_INJECT_BUF bytes, only with test_hooks */
	uint8_t *inject_buf;

	/* read by others under the seqlock */
	rte_seqlock_t lock __rte_cache_aligned;
	struct rc_dp_snapshot snap;
};

/* sleep.c */
int rc_dp_sleep_create(struct rc_dp *dp);
void rc_dp_sleep_destroy(struct rc_dp *dp);
/* Clients may send up to the ring's message limit: on the lcore page. */
void rc_dp_max_msg_publish(struct rc_dp *dp, uint32_t ring_limit);
/* Sleep at most ns, or until a frame, a client or the control thread wakes
   the lcore; false, without sleeping, when a client turns out to have work. */
bool rc_dp_sleep(struct rc_dp *dp, uint64_t ns);
void rc_dp_sleep_watch(struct rc_dp *dp, int fd, uint32_t slot);
void rc_dp_sleep_unwatch(struct rc_dp *dp, int fd);

/* client_io.c */
/* Has a client given the lcore work it has not taken yet (sleep.c's last look)? */
bool rc_dp_clients_pending(struct rc_dp *dp);
/* A client's socket is readable (its doorbell) or hung up: read it. */
void rc_dp_clients_rang(struct rc_dp *dp, uint32_t slot, uint32_t events);
int rc_dp_clients_create(struct rc_dp *dp, int socket);
void rc_dp_batch_room_set(struct rc_dp *dp, uint32_t ring_mtu);
void rc_dp_clients_destroy(struct rc_dp *dp);
/* One pass over every client: commands, tx rings, requests, wake-ups.
   Returns true when it did work. */
bool rc_dp_clients_poll(struct rc_dp *dp);
/* Engine callbacks routed through the group table. */
void rc_dp_clients_deliver(struct rc_dp *dp, uint32_t sender, const void *msg, size_t len);
void rc_dp_clients_confchg(struct rc_dp *dp, const struct rc_confchg *c);
/* A buffer given to rc_totem_mcast* is free; false when it was not a client's or cpgd's. */
bool rc_dp_clients_sent(struct rc_dp *dp, void *cookie);
/* The zero-copy client whose region holds [p, p + len), or NULL. */
struct rc_dp_client *rc_dp_clients_zc(struct rc_dp *dp, const void *p, size_t len);
/* The lcore stopped: report every client gone. */
void rc_dp_clients_stop(struct rc_dp *dp);

#endif /* RC_DP_INT_H */
