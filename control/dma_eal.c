/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dma.c's operations on a running EAL: external memory, the port device's
 * DMA map, physical addresses from /proc/self/pagemap; and the cap on
 * registrations from the memory-segment lists EAL left free.
 */
#include <errno.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_memory.h>

#include "dma.h"

_Static_assert(RC_DMA_BAD_IOVA == RTE_BAD_IOVA, "one bad IOVA");

/* DPDK's -1 and rte_errno as a negative errno. */
static int eal_ret(int ret)
{
	if (ret == 0)
		return 0;
	if (ret > 0)
		return -ENODEV;		/* no DMA mapping for this device's bus or
					   driver (a vdev, or a PCI device on uio) */
	return rte_errno ? -rte_errno : -EIO;
}

static int eal_extmem_register(void *va, size_t len, uint64_t *iova, unsigned int n_pages,
			       size_t page_size)
{
	rte_errno = 0;
	return eal_ret(rte_extmem_register(va, len, iova, n_pages, page_size));
}

static int eal_extmem_unregister(void *va, size_t len)
{
	rte_errno = 0;
	return eal_ret(rte_extmem_unregister(va, len));
}

static int eal_dev_dma_map(struct rte_device *dev, void *va, uint64_t iova, size_t len)
{
	rte_errno = 0;
	return eal_ret(rte_dev_dma_map(dev, va, iova, len));
}

static int eal_dev_dma_unmap(struct rte_device *dev, void *va, uint64_t iova, size_t len)
{
	rte_errno = 0;
	return eal_ret(rte_dev_dma_unmap(dev, va, iova, len));
}

/* pagemap shows a frame only for a page mapped in this process: a read maps
   the shared hugetlb page that region_seal's fallocate allocated. */
static uint64_t eal_virt2phy(const void *va)
{
	(void)*(const volatile uint8_t *)va;
	return rte_mem_virt2phy(va);
}

const struct rc_dma_ops rc_dma_eal_ops = {
	.extmem_register = eal_extmem_register,
	.extmem_unregister = eal_extmem_unregister,
	.dev_dma_map = eal_dev_dma_map,
	.dev_dma_unmap = eal_dev_dma_unmap,
	.virt2phy = eal_virt2phy,
};

static int count_list(const struct rte_memseg_list *msl, void *arg)
{
	(void)msl;
	(*(unsigned int *)arg)++;
	return 0;
}

int rc_dma_eal_port(uint16_t port_id, struct rc_dma_port *port)
{
	struct rte_eth_dev_info info;
	unsigned int used = 0, left;
	int ret;

	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret < 0)
		return ret;
	/* EAL reserved its lists at start; what is left, less a margin */
	rte_memseg_list_walk(count_list, &used);
	left = used < RTE_MAX_MEMSEG_LISTS ? RTE_MAX_MEMSEG_LISTS - used : 0;
	left = left > RC_DMA_SPARE_LISTS ? left - RC_DMA_SPARE_LISTS : 0;
	port->ops = &rc_dma_eal_ops;
	port->dev = info.device;
	port->name = rte_dev_name(info.device);
	/* from the device's bus, as the dataplane decides (port.c), not from
	   the configured string: the two must never disagree */
	port->pci = !strcmp(rte_bus_name(rte_dev_bus(info.device)), "pci");
	port->iova_pa = rte_eal_iova_mode() == RTE_IOVA_PA;
	port->max_regions = left < RC_DMA_MAX_REGIONS ? left : RC_DMA_MAX_REGIONS;
	return 0;
}
