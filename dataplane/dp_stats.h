/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcore's own counters (beside the engine's and the group table's), one
 * X(field, name, div) line each, as RC_SRP_STATS in totem/srp.h: the struct
 * and the export (control/stats_export.c) are made from this list. The
 * lcore counts into rc_dp.st and copies it whole into the snapshot. No DPDK
 * here, so the exporter and its test include it without EAL.
 */
#ifndef RC_DP_STATS_H
#define RC_DP_STATS_H

#include <stdint.h>

#define RC_DP_STATS(X) \
	X(tx_drops, "tx_drops", 1)		/* frames the port did not take */ \
	X(rx_not_mine, "rx_not_mine", 1)	/* other ethertype, or unicast to another node */ \
	X(rx_runt, "rx_runt", 1)		/* too short for Ethernet + shim */ \
	X(memb_drops, "memb_event_drops", 1)	/* events for the membership half dropped */ \
	X(max_gap_ns, "lcore_max_gap_us", 1000)	/* longest the lcore went without polling */ \
	X(pauses, "lcore_pauses", 1)		/* gaps > token_timeout / 2: the lcore was not running */ \
	X(pause_flushed, "lcore_pause_flushed", 1)	/* frames dropped from the port after a pause */ \
	X(client_kicks, "client_kicks", 1)	/* clients disconnected for bad regions or backlog */ \
	X(client_bad_mcast, "client_bad_mcast", 1)	/* tx entries dropped: not joined */ \
	X(client_wakes, "client_wakes", 1)	/* wake-up bytes sent to sleeping clients */ \
	X(clients, "clients", 1)		/* attached client connections now */ \
	X(zc_frames, "zc_frames", 1)		/* frames sent from a client's region, not copied */ \
	X(zc_msgs, "zc_msgs", 1)		/* client messages taken zero-copy */ \
	X(batches, "batches", 1)		/* MCAST_BATCHes sent (client_io.c tx_batch) */ \
	X(batch_msgs, "batch_msgs", 1)		/* client messages sent in them */ \
	X(idle_sleeps, "idle_sleeps", 1)	/* times the idle lcore slept in the kernel */ \
	X(idle_wake_frame, "idle_wake_frame", 1)	/* ... woken by a frame */ \
	X(idle_wake_client, "idle_wake_client", 1)	/* ... by a client's doorbell */ \
	X(idle_wake_bell, "idle_wake_bell", 1)	/* ... by the control thread */ \
	X(idle_wake_timer, "idle_wake_timer", 1)	/* ... by its timeout */ \
	X(idle_watch_fail, "idle_watch_fail", 1)	/* client sockets it could not watch */ \
	X(idle_port_errors, "idle_port_errors", 1)	/* errors taken from the port's socket */ \
	X(frames_per_s, "frames_per_s", 1)	/* over the last full second: */ \
	X(bytes_per_s, "bytes_per_s", 1) \
	X(tokens_per_s, "tokens_per_s", 1) \
	X(rotations_per_s, "rotations_per_s", 1)

struct rc_dp_stats {
#define X(field, name, div) uint64_t field;
	RC_DP_STATS(X)
#undef X
};

#endif /* RC_DP_STATS_H */
