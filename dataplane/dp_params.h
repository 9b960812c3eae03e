/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control thread hands the dataplane at start: the port, the idle
 * policy and the engine configuration. No DPDK here, so the configuration
 * parser (control/config.c) fills it without linking the dataplane.
 * (auth.h is pure C over libcrypto.)
 */
#ifndef RC_DP_PARAMS_H
#define RC_DP_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "engine.h"

enum rc_idle_policy {
	RC_IDLE_BUSY = 0,	/* poll forever */
	RC_IDLE_ADAPTIVE,	/* poll idle_spin times, yield as often, then sleep
				   until woken (dp.c idle(), sleep.c) */
};

struct rc_dp_params {
	uint16_t port;
	uint16_t ethertype;
	uint32_t cluster_id;
	enum rc_idle_policy idle;
	uint32_t idle_spin;
	uint32_t idle_sleep_us;
	bool zero_copy;			/* ringcast { zero_copy } is not off: set the
					   port up for chained frames where it takes them */
	bool test_hooks;		/* rc_dp_inject(), rc_dp_stall() and the
					   digest work (tests only) */
	struct rc_totem_config totem;
	struct rc_auth_params auth;	/* keys, incarnation, nodelist, floors */
};

#define RC_DP_IDLE_BACKOFF	1	/* an idle sleep grows to 2 x idle_sleep_us */

/*
 * How long an adaptive idle sleep lasts on a port whose frames cannot wake
 * the lcore (no socket: a PCI NIC): idle_sleep_us, twice that once the port
 * stayed quiet a pass (quiet > 0), and never past cap: token_timeout / 8,
 * or less on a ring of more than 4 nodes, token_timeout / (2 x members),
 * since a token waits out such a sleep at every node it visits and the
 * membership half judges token loss by how far the lcore has looked.
 * (idle_sleep_us may be up to a second; with it a token waited 100 ms at
 * each hop and the ring kept re-forming.)
 */
static inline uint64_t rc_dp_idle_poll_sleep_ns(uint32_t idle_sleep_us, uint32_t quiet,
						uint64_t cap)
{
	uint64_t ns = (uint64_t)idle_sleep_us * 1000 <<
		      (quiet < RC_DP_IDLE_BACKOFF ? quiet : RC_DP_IDLE_BACKOFF);

	return ns < cap ? ns : cap;
}

#endif /* RC_DP_PARAMS_H */
