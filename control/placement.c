/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the dataplane's memory is, and what the port may reach: the lcore
 * that runs the loop and the node its memory (engine state, mbuf pool,
 * rings) comes from, both where the port is; whose messages the port may
 * read in place (a DMAing port: only regions registered and mapped for it,
 * control/dma.c). Pure: callers pass what EAL, ethdev and the kernel report.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "start.h"

int rc_zc_trusted(int policy, unsigned int uid, int ptrace)
{
	return policy == RC_ZC_ALL || (policy == RC_ZC_ROOT && uid == 0 && ptrace);
}

int rc_zc_allowed(int policy, unsigned int uid, int ptrace, const struct rc_zc_reach *r)
{
	if (!rc_zc_trusted(policy, uid, ptrace))
		return 0;
	if (r->iova_pa && !r->huge)
		return 0;	/* a normal page's physical address can move */
	if (r->pci_port)
		return r->huge && r->registered && r->mapped;
	return 1;
}

int rc_caps_effective(const char *status, unsigned long long *caps)
{
	for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;

		if (strncmp(p, "CapEff:", 7))
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		errno = 0;
		*caps = strtoull(p, &end, 16);
		if (end == p || errno || (*end != '\n' && *end != '\0'))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int rc_place_dataplane(const int *lcore_node, unsigned int n_lcores, int port_node,
		       int configured, struct rc_placement *out)
{
	int first = -1;

	if (configured >= 0) {
		if ((unsigned int)configured >= n_lcores || lcore_node[configured] == RC_NOT_WORKER)
			return -EINVAL;
		out->lcore = (unsigned int)configured;
	} else {
		for (unsigned int i = 0; i < n_lcores; i++) {
			if (lcore_node[i] == RC_NOT_WORKER)
				continue;
			if (first < 0)
				first = (int)i;
			if (port_node < 0 || lcore_node[i] == port_node) {
				first = (int)i;
				break;
			}
		}
		if (first < 0)
			return -ENOENT;
		out->lcore = (unsigned int)first;
	}
	out->node = port_node >= 0 ? port_node : lcore_node[out->lcore];
	out->cross = port_node >= 0 && lcore_node[out->lcore] >= 0 &&
		     lcore_node[out->lcore] != port_node;
	return 0;
}
