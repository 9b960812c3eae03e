/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client regions as DPDK sees them (dma.c): a hugetlb region is registered
 * as external memory with its IOVA table (rte_extmem_register) and
 * DMA-mapped for the port's device (rte_dev_dma_map) before the lcore gets
 * it, and both are undone once the lcore has let it go. Private to control/
 * and its tests. No DPDK here: dma_eal.c supplies the real operations, a
 * unit test a stub device.
 *
 *   region_seal -> rc_dma_region_register -> attach (iova table to the lcore)
 *   gone        -> rc_dma_region_release  -> munmap
 */
#ifndef RC_DMA_H
#define RC_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "start.h"

struct rte_device;

#define RC_DMA_BAD_IOVA		UINT64_MAX	/* RTE_BAD_IOVA */
/*
 * Regions registered at once. Each takes one of DPDK's RTE_MAX_MEMSEG_LISTS
 * (128) memory-segment lists for as long as it is registered; EAL's own
 * hugepage memory takes a few per NUMA node and page size at start (6 on a
 * one-node machine with 2 MiB and 1 GiB pages), and RC_DMA_SPARE_LISTS are
 * left for what EAL or a driver may add later.
 */
#define RC_DMA_MAX_REGIONS	64u
#define RC_DMA_SPARE_LISTS	16u

/* What DPDK does for us; each returns 0 or a negative errno. */
struct rc_dma_ops {
	int (*extmem_register)(void *va, size_t len, uint64_t *iova, unsigned int n_pages,
			       size_t page_size);
	int (*extmem_unregister)(void *va, size_t len);
	int (*dev_dma_map)(struct rte_device *dev, void *va, uint64_t iova, size_t len);
	int (*dev_dma_unmap)(struct rte_device *dev, void *va, uint64_t iova, size_t len);
	/* IOVA as PA: the physical address of va's page, faulted in first;
	   RC_DMA_BAD_IOVA when the kernel does not say (not root) */
	uint64_t (*virt2phy)(const void *va);
};

/* The port's device and the rules for this run (constant after rc_dma_init). */
struct rc_dma_port {
	const struct rc_dma_ops *ops;
	struct rte_device *dev;		/* the port's device: every region is mapped for it */
	const char *name;		/* the port, for the log */
	bool pci;			/* it DMAs: zero copy needs a mapped region */
	bool iova_pa;			/* EAL runs IOVA as PA: IOVAs are physical addresses */
	unsigned int max_regions;	/* registrations at once (rc_dma_eal_port) */
	/* one log line, syslog level (qb_log in the daemon) */
	void (*log)(int level, const char *line);
};

/* One client region's registration; owned by the control thread. */
struct rc_dma_region {
	uint8_t *base;
	size_t size;
	size_t page_size;
	uint32_t n_pages;
	uint64_t *iova;		/* the IOVA of each page's first byte, while registered;
				   the lcore reads it until the slot is gone */
	bool huge;		/* hugetlb: pinned pages, whose physical address stays */
	bool registered;	/* rte_extmem_register'd with iova */
	bool mapped;		/* rte_dev_dma_map'd for the port's device */
	bool stuck;		/* a mapping could not be undone: never free the memory */
};

/* Counts for /ringcast/status (any thread; relaxed). */
struct rc_dma_counts {
	bool set;		/* rc_dma_init has run */
	uint32_t registered;
	uint32_t mapped;
	uint32_t max;
	bool iova_pa;
};

void rc_dma_init(const struct rc_dma_port *port);
/*
 * A region whose pages are all allocated (region_seal): registered and
 * mapped where it can be. page_size 0: normal pages, never registered.
 * 0 when registered (mapped or not: r says); -ENOTSUP for normal pages,
 * -ENOSPC over the cap, another negative errno when DPDK or the kernel
 * refused (logged). Whatever the answer, the region works: it is only
 * kept from zero copy where rc_dma_region_reach says so.
 */
int rc_dma_region_register(struct rc_dma_region *r, void *base, size_t size,
			   size_t page_size);
/* After the lcore let the region go (no mbuf points into it): unmap,
   unregister, forget. Safe on a region never registered. 0, or -EBUSY
   when the device's mapping could not be undone: the caller must then
   keep the memory (never unmap it), since the device may still reach it. */
int rc_dma_region_release(struct rc_dma_region *r);
/* What rc_zc_allowed needs to know of the port and the region. */
void rc_dma_region_reach(const struct rc_dma_region *r, struct rc_zc_reach *out);
void rc_dma_counts(struct rc_dma_counts *out);

/* dma_eal.c: the real operations, and the port as EAL started it. */
extern const struct rc_dma_ops rc_dma_eal_ops;
/* Fill port for ethdev port_id (PCI or not: from the device's bus). */
int rc_dma_eal_port(uint16_t port_id, struct rc_dma_port *port);

#endif /* RC_DMA_H */
