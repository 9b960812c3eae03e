/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Looking nodes up in a parsed configuration's nodelist: by nodeid, and
 * "which node is this one" from a nodeid, a name or a hostname. Reads only
 * cfg->nodes[0..n_nodes).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define SHOW		"%.64s"	/* a value quoted in a message */

const struct rc_config_node *rc_config_node_get(const struct rc_config *cfg,
						uint32_t nodeid)
{
	for (uint32_t i = 0; i < cfg->n_nodes && i < RC_CONFIG_MAX_NODES; i++)
		if (cfg->nodes[i].nodeid == nodeid)
			return &cfg->nodes[i];
	return NULL;
}

/* The node whose name (or, with addr, ring0_addr) is the first n bytes of s. */
static const struct rc_config_node *node_named(const struct rc_config *cfg,
					       const char *s, size_t n, int addr)
{
	for (uint32_t i = 0; i < cfg->n_nodes && i < RC_CONFIG_MAX_NODES; i++) {
		const char *v = addr ? cfg->nodes[i].ring0_addr : cfg->nodes[i].name;

		if (v[0] && strlen(v) == n && !memcmp(v, s, n))
			return &cfg->nodes[i];
	}
	return NULL;
}

int rc_config_find_self(const struct rc_config *cfg, const char *name,
			uint32_t nodeid, uint32_t *self, char *err,
			size_t errlen)
{
	const struct rc_config_node *node;
	const char *dot;

	if (err && errlen)
		err[0] = '\0';
	if (nodeid) {
		node = rc_config_node_get(cfg, nodeid);
		if (node)
			goto found;
		if (err && errlen)
			snprintf(err, errlen, "nodeid %u is not in the nodelist", nodeid);
		return -ENOENT;
	}
	if (!name || !name[0]) {
		if (err && errlen)
			snprintf(err, errlen, "no nodeid or name to find this node by");
		return -EINVAL;
	}
	node = node_named(cfg, name, strlen(name), 0);
	if (!node)
		node = node_named(cfg, name, strlen(name), 1);
	dot = strchr(name, '.');
	if (!node && dot && dot != name)
		node = node_named(cfg, name, (size_t)(dot - name), 0);
	if (node)
		goto found;
	if (err && errlen)
		snprintf(err, errlen, "no node named '" SHOW "' in the nodelist "
			 "(give its nodeid, or set its name)", name);
	return -ENOENT;
found:
	if (self)
		*self = node->nodeid;
	return 0;
}
