/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine configuration both halves read: defaults (the simulator's;
 * the daemon derives its own from the configuration file) and the check
 * every caller runs before creating either half.
 */
#include <errno.h>
#include <string.h>

#include "engine.h"

void rc_totem_config_defaults(struct rc_totem_config *c)
{
	memset(c, 0, sizeof(*c));
	rc_srp_config_defaults(&c->srp);
	c->token_timeout_ns = 160 * 1000 * 1000ull;
	c->srp.token_retransmit_ns = 38 * 1000 * 1000ull;	/* token / 4.2 */
	c->join_timeout_ns = 20 * 1000 * 1000ull;
	c->consensus_timeout_ns = 80 * 1000 * 1000ull;
	c->merge_timeout_ns = 200 * 1000 * 1000ull;
	c->fail_recv_const = 2500;
}

uint32_t rc_totem_msg_limit(const struct rc_srp_config *c)
{
	uint32_t l = c->max_msg_size > c->netmtu ? c->max_msg_size : c->netmtu;

	if (c->rx_msg_max && c->rx_msg_max < l)
		l = c->rx_msg_max;
	return l;
}

int rc_totem_config_check(const struct rc_totem_config *c, const char **why)
{
	struct rc_srp_config s = c->srp;
	const char *w = NULL;
	int ret;

	s.n_members = 1;
	s.members[0] = s.nodeid;
	ret = rc_srp_config_check(&s, &w);
	if (!ret) {
		if (c->srp.netmtu < RC_WIRE_COMMIT_MAX)
			w = "netmtu too small for membership frames";
		else if (c->token_timeout_ns <= c->srp.token_retransmit_ns)
			w = "token timeout must exceed token retransmit";
		else if (!c->join_timeout_ns || c->join_timeout_ns >= c->consensus_timeout_ns)
			w = "join timeout must be shorter than consensus";
		else if (!c->merge_timeout_ns)
			w = "merge timeout must not be 0";
		else if (!c->fail_recv_const)
			w = "fail_recv_const must not be 0";
		else if (c->last_ring_seq > RC_RING_SEQ_MAX)
			w = "last ring sequence implausibly high";
	}
	if (why)
		*why = w;
	return w ? -EINVAL : 0;
}
