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

#endif /* RC_DP_PARAMS_H */
