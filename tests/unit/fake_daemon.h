/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-process stand-in for ringcastd, for the libcpg tests: one thread that
 * listens on a temporary socket (exported as RINGCAST_SOCKET), welcomes each
 * client with a real memfd region laid out by rc_shm_layout() and the lcore
 * page (the region sealed against holes once the client says it has mapped it),
 * answers ctl requests from a one-node group model, and echoes every tx
 * mcast to the members of the sender's group, then completes it. Switches
 * make it refuse, stop consuming, hold completions, stop answering, or die.
 */
#ifndef RC_FAKE_DAEMON_H
#define RC_FAKE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

struct fake_opts {
	uint32_t tx_entries, rx_entries, comp_entries;
	uint64_t ctl_size, arena_size, rxa_size;
	uint32_t nodeid, max_msg;
	bool refuse;		/* welcome with CS_ERR_ACCESS, no fds */
	bool refuse_unread;	/* the same without reading the hello: the close
				   resets the connection (a pending ECONNRESET) */
	bool bad_magic;		/* hand over a region with a wrong magic */
	bool short_file;	/* region_size larger than the memfd */
	bool refuse_sealed;	/* answer the client's mapped with CS_ERR_NO_MEMORY */
	bool totem_at_attach;	/* an RX_TOTEM record right after attach */
	bool wrap_records;	/* rx records may wrap the end of the rx area */
	bool one_join_per_pid;	/* as ringcastd: a process is in a group once (a
				   second handle's join is CS_ERR_EXIST) */
	uint32_t echo_late_ms;	/* the last message echoed is echoed once more
				   when nothing else came for this long: a late
				   duplicate (0: never) */
	uint32_t rx_flags;	/* rc_shm_rx_flags added to every echoed message
				   (RC_SHM_RX_F_SAFE is set from the send's) */
};

struct fake;

/* Defaults: 256 tx, 1024 rx, 256 comp, 64 KiB ctl, 1 MiB arena and rx
   area, nodeid 7, max_msg 64 KiB. */
void fake_opts_default(struct fake_opts *o);
int fake_start(const struct fake_opts *o, struct fake **out);
void fake_stop(struct fake *f);

void fake_die(struct fake *f);		/* close every socket, stop serving */
void fake_set_consuming(struct fake *f, bool on);	/* take tx entries */
void fake_set_completing(struct fake *f, bool on);	/* post completions (held ones too) */
void fake_set_answering(struct fake *f, bool on);	/* answer ctl requests */
/* Apply a JOIN (its confchg, then the group's messages, go out) but hold
   its answer back until the switch is off again. */
void fake_set_hold_join(struct fake *f, bool on);
void fake_send_totem(struct fake *f, uint32_t rep, uint64_t seq);	/* to every client */
/* Let every client go as the daemon does (shm_daemon.h, rc_shmd_tx_close):
   take its entries up to the head fixed now, then close its socket 20 ms
   later, storing DRAINED just before. From the close on it gets no record
   and no completion (held ones are dropped): the most ringcastd may drop. */
void fake_close(struct fake *f);
bool fake_closed(struct fake *f);	/* every fake_close so far is done */
/* Wait until the fake's thread starts a pass after this call: every switch
   set before it applies from then on. false after 5 s without one. */
bool fake_sync(struct fake *f);
/* After DRAINED, keep a closing client's socket open ms longer (default 0). */
void fake_set_drained_linger(struct fake *f, uint32_t ms);
uint32_t fake_queued(struct fake *f);	/* tx entries not taken, as last seen */
void fake_send_garbage(struct fake *f);	/* an rx descriptor pointing outside the area */
uint32_t fake_garbage_sent(struct fake *f);	/* such descriptors written so far */
/* The lcore page's max_msg: what the current ring agreed (0: none). */
void fake_set_ring_max_msg(struct fake *f, uint32_t max_msg);

uint64_t fake_echoed(struct fake *f);	/* tx mcasts taken */
uint64_t fake_late_echoed(struct fake *f);	/* echo_late_ms duplicates sent */
uint64_t fake_completed(struct fake *f);	/* completions posted */
uint32_t fake_clients(struct fake *f);	/* attached clients */
uint64_t fake_bad(struct fake *f);	/* malformed tx entries seen */
uint64_t fake_room_wakes(struct fake *f);	/* waiting senders woken (shm_room.h) */

/* Poll pred(arg) every 100 us until it holds or ms pass; returns pred's last value. */
bool fake_wait(bool (*pred)(void *arg), void *arg, int ms);

#endif /* RC_FAKE_DAEMON_H */
