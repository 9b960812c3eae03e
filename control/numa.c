/* SPDX-License-Identifier: BSD-3-Clause */
/* Client regions on the dataplane's NUMA node (numa.h). */
#include <errno.h>
#include <numaif.h>
#include <stdint.h>

#include "numa.h"

#define MASK_BITS	1024u	/* nodes a mask can name */

static int mask_of(int node, unsigned long *mask, size_t words)
{
	if (node < 0 || (unsigned int)node >= MASK_BITS)
		return -EINVAL;
	for (size_t i = 0; i < words; i++)
		mask[i] = 0;
	mask[(unsigned int)node / (8 * sizeof(long))] |= 1ul << ((unsigned int)node % (8 * sizeof(long)));
	return 0;
}

int rc_numa_prefer(void *base, size_t len, int node)
{
	unsigned long mask[MASK_BITS / (8 * sizeof(long))];

	if (node < 0)
		return 0;
	if (mask_of(node, mask, sizeof(mask) / sizeof(mask[0])) < 0)
		return -EINVAL;
	if (mbind(base, len, MPOL_PREFERRED, mask, MASK_BITS + 1, 0) < 0)
		return -errno;
	return 0;
}

/* The policy rc_numa_thread_prefer() replaced (one thread uses these). */
static struct {
	int mode;
	unsigned long mask[MASK_BITS / (8 * sizeof(long))];
	int saved;
} prior;

int rc_numa_thread_prefer(int node)
{
	unsigned long mask[MASK_BITS / (8 * sizeof(long))];

	if (node < 0)
		return 0;
	if (mask_of(node, mask, sizeof(mask) / sizeof(mask[0])) < 0)
		return -EINVAL;
	if (get_mempolicy(&prior.mode, prior.mask, MASK_BITS + 1, NULL, 0) < 0)
		return -errno;
	if (set_mempolicy(MPOL_PREFERRED, mask, MASK_BITS + 1) < 0)
		return -errno;
	prior.saved = 1;
	return 0;
}

void rc_numa_thread_restore(void)
{
	if (!prior.saved)
		return;
	prior.saved = 0;
	if (prior.mode == MPOL_DEFAULT)
		(void)set_mempolicy(MPOL_DEFAULT, NULL, 0);
	else
		(void)set_mempolicy(prior.mode, prior.mask, MASK_BITS + 1);
}

int rc_numa_node_of(const void *p)
{
	int node = -1;

	if (get_mempolicy(&node, NULL, 0, (void *)(uintptr_t)p, MPOL_F_NODE | MPOL_F_ADDR) < 0)
		return -errno;
	return node;
}
