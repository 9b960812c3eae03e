/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's control side: main(), logging setup and telemetry. Runs on
 * the EAL main thread; the dataplane lcore is reached only through dp.h.
 */
#ifndef RC_CTL_H
#define RC_CTL_H

#include <stdint.h>

#include <qb/qbloop.h>

#include "engine.h"

struct rc_dp;
struct rc_config;
struct rc_config_logging;

uint32_t rc_ctl_nodeid(void);
int rc_telemetry_register(struct rc_dp *dp, const struct rc_config *cfg, uint16_t port);
/* For /ringcast/status: the NUMA nodes of the port (-1: unknown, a vdev),
   of the lcore, of the dataplane's memory and of client regions. */
void rc_telemetry_numa(int port_node, unsigned int lcore, int lcore_node, int memory_node,
		       int client_node);
/* Before rc_dp_destroy(): commands from now on answer "stopping". */
void rc_telemetry_detach(void);
int rc_log_setup(const struct rc_config_logging *lg, int foreground);

/* attach.c: the client socket, credentials and regions */
/* numa_node: where client regions should be (the dataplane's; -1: anywhere);
   port: the ethdev port, whose device client regions are DMA-mapped for */
int rc_clients_start(qb_loop_t *loop, struct rc_dp *dp, const struct rc_config *cfg,
		     uint32_t nodeid, int numa_node, uint16_t port);
void rc_clients_poll_gone(void);
void rc_clients_stop(void);
uint32_t rc_clients_count(void);

/* membership.c: the membership half of Totem on this thread */
struct rc_memb_view {
	enum rc_memb_state state;
	struct rc_ring_id ring;		/* current if operational, else the last */
	uint32_t n_members;
	uint32_t members[RC_TOTEM_MAX_NODES];
	struct rc_memb_stats ms;
	uint64_t cmd_lost;		/* commands the dataplane never took */
};

int rc_membership_start(qb_loop_t *loop, struct rc_dp *dp, const struct rc_totem_config *cfg,
			const char *ring_seq_path);
void rc_membership_leave(void);
void rc_membership_stop(void);
/* The node stopped because it could not take part in a ring (exit 1). */
bool rc_membership_failed(void);
/* Any thread: a consistent copy. */
void rc_membership_view(struct rc_memb_view *v);

#endif /* RC_CTL_H */
