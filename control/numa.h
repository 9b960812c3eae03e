/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client regions on the dataplane's NUMA node (libnuma's mbind and
 * set_mempolicy): the lcore copies client payloads out of the region (the
 * port reads trusted clients' large ones there itself) and writes every
 * delivery into it, so its pages belong near the lcore and the port. A preference, never a binding: a node without free memory
 * does not make an attach fail.
 */
#ifndef RC_NUMA_H
#define RC_NUMA_H

#include <stddef.h>

/* Pages of [base, base + len) that are faulted in from now on come from
   node when they can (node < 0: nothing done). 0, or -errno; -ENOSYS when
   the kernel has no NUMA support (then there is nothing to place). */
int rc_numa_prefer(void *base, size_t len, int node);
/* This thread's own allocations (hugetlbfs fallocate uses the task's
   policy, not the mapping's) prefer node, until rc_numa_thread_restore()
   puts back the policy it had (numactl's, say). 0 when nothing was changed
   (node < 0) or it was; -errno otherwise (and nothing to restore). */
int rc_numa_thread_prefer(int node);
void rc_numa_thread_restore(void);
/* The node holding the page at p (faulted in), or -errno. */
int rc_numa_node_of(const void *p);

#endif /* RC_NUMA_H */
