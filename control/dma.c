/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client regions registered with DPDK and DMA-mapped for the port, on the
 * control thread (dma.h). A region is registered only when its pages are
 * hugetlb (pinned: a physical address that stays), all allocated (after
 * region_seal), and fewer than the cap are registered; its IOVA table is
 * each page's physical address (IOVA as PA) or address (IOVA as VA). It is
 * mapped in runs of pages whose IOVAs follow each other (one run in VA
 * mode) and unmapped run by run, then unregistered, only once the lcore has
 * let it go. Nothing here is fatal: a region that is not registered or not
 * mapped still works, and rc_zc_allowed decides what it may do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dma.h"

enum said {
	SAID_CAP = 1 << 0,	/* a region over the cap */
	SAID_NOTSUP = 1 << 1,	/* the device cannot map */
	SAID_PHYS = 1 << 2,	/* no physical address from the kernel */
	SAID_REGISTER = 1 << 3,	/* rte_extmem_register refused */
	SAID_MAP = 1 << 4,	/* rte_dev_dma_map refused */
	SAID_UNDO = 1 << 5,	/* unmap or unregister refused */
};

static struct {
	struct rc_dma_port port;
	uint32_t registered;	/* relaxed: telemetry reads them */
	uint32_t mapped;
	bool set;		/* release: port is constant from then on */
	unsigned int said;	/* enum said: each said once */
} dma;

static void __attribute__((format(printf, 3, 4))) say(enum said what, int level,
						       const char *fmt, ...)
{
	char line[320];
	va_list ap;

	if (dma.said & what)
		return;
	dma.said |= what;
	if (!dma.port.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dma.port.log(level, line);
}

/* What a region kept from the port costs, for the log. */
static const char *consequence(void)
{
	return dma.port.pci ? "their messages are copied" :
	       "the port reads them by address, so zero copy is unaffected";
}

static void count(uint32_t *n, int by)
{
	__atomic_store_n(n, *n + (uint32_t)by, __ATOMIC_RELAXED);
}

void rc_dma_init(const struct rc_dma_port *port)
{
	__atomic_store_n(&dma.set, false, __ATOMIC_RELAXED);
	dma.port = *port;
	dma.said = 0;
	__atomic_store_n(&dma.registered, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&dma.mapped, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&dma.set, true, __ATOMIC_RELEASE);	/* pairs with rc_dma_counts */
}

/* Pages [i, end) whose IOVAs follow each other: one map call. */
static uint32_t run_end(const struct rc_dma_region *r, uint32_t i)
{
	uint32_t j = i + 1;

	while (j < r->n_pages && r->iova[j] == r->iova[j - 1] + r->page_size)
		j++;
	return j;
}

/* Unmap the runs of pages [0, end); 0 or the first error. */
static int unmap_runs(const struct rc_dma_region *r, uint32_t end)
{
	int ret = 0, err;

	for (uint32_t i = 0, j; i < end; i = j) {
		j = run_end(r, i);
		err = dma.port.ops->dev_dma_unmap(dma.port.dev, r->base + (size_t)i * r->page_size,
						  r->iova[i], (size_t)(j - i) * r->page_size);
		if (err < 0 && !ret)
			ret = err;
	}
	return ret;
}

static int map_runs(struct rc_dma_region *r)
{
	int ret;

	for (uint32_t i = 0, j; i < r->n_pages; i = j) {
		j = run_end(r, i);
		ret = dma.port.ops->dev_dma_map(dma.port.dev, r->base + (size_t)i * r->page_size,
						r->iova[i], (size_t)(j - i) * r->page_size);
		if (ret < 0) {
			if (unmap_runs(r, i) < 0)
				r->stuck = true;	/* the device may still reach some */
			return ret;
		}
	}
	return 0;
}

/* Each page's IOVA: its physical address (faulted in first), or its address. */
static int iova_table(struct rc_dma_region *r)
{
	for (uint32_t i = 0; i < r->n_pages; i++) {
		uint8_t *va = r->base + (size_t)i * r->page_size;

		r->iova[i] = dma.port.iova_pa ? dma.port.ops->virt2phy(va) : (uint64_t)(uintptr_t)va;
		if (r->iova[i] == RC_DMA_BAD_IOVA)
			return -EFAULT;
	}
	return 0;
}

int rc_dma_region_register(struct rc_dma_region *r, void *base, size_t size,
			   size_t page_size)
{
	int ret;

	*r = (struct rc_dma_region){ .base = base, .size = size, .page_size = page_size,
				     .huge = page_size != 0 };
	if (!page_size)
		return -ENOTSUP;	/* normal pages: may move, and one list each is too dear */
	if (size % page_size || (uintptr_t)base % page_size || size / page_size > UINT32_MAX)
		return -EINVAL;
	if (dma.registered >= dma.port.max_regions) {
		say(SAID_CAP, LOG_INFO, "client regions beyond %u are not registered with DPDK "
		    "(each would take one of its memory-segment lists): %s",
		    dma.port.max_regions, consequence());
		return -ENOSPC;
	}
	r->n_pages = (uint32_t)(size / page_size);
	r->iova = calloc(r->n_pages, sizeof(*r->iova));
	if (!r->iova)
		return -ENOMEM;
	ret = iova_table(r);
	if (ret < 0) {
		say(SAID_PHYS, LOG_WARNING, "IOVA as PA, but the kernel does not give this process "
		    "the physical addresses of client regions (/proc/self/pagemap needs "
		    "CAP_SYS_ADMIN): regions not registered, %s", consequence());
		goto free_table;
	}
	ret = dma.port.ops->extmem_register(r->base, r->size, r->iova, r->n_pages, page_size);
	if (ret < 0) {
		say(SAID_REGISTER, LOG_WARNING, "a client region cannot be registered with DPDK "
		    "(rte_extmem_register: %s): %s", strerror(-ret), consequence());
		goto free_table;
	}
	r->registered = true;
	count(&dma.registered, 1);
	ret = map_runs(r);
	if (ret == -ENOTSUP) {
		say(SAID_NOTSUP, LOG_INFO, "port %s cannot DMA-map client regions (it answers "
		    "-ENOTSUP): %s", dma.port.name, consequence());
		return 0;
	}
	if (ret < 0) {
		say(SAID_MAP, LOG_WARNING, "a client region cannot be DMA-mapped for port %s "
		    "(rte_dev_dma_map: %s): %s", dma.port.name, strerror(-ret), consequence());
		return 0;
	}
	r->mapped = true;
	count(&dma.mapped, 1);
	return 0;

free_table:
	free(r->iova);
	r->iova = NULL;
	return ret;
}

int rc_dma_region_release(struct rc_dma_region *r)
{
	int ret, kept = r->stuck ? -EBUSY : 0;

	if (r->mapped) {
		ret = unmap_runs(r, r->n_pages);
		if (ret < 0) {
			/* The device may still reach these pages: they must never
			   go back to the system (another owner's data would be
			   on the wire or overwritten). Kept, and said. */
			say(SAID_UNDO, LOG_WARNING, "a client region cannot be DMA-unmapped for "
			    "port %s: %s; its memory is kept, never reused", dma.port.name,
			    strerror(-ret));
			kept = -EBUSY;
		}
		count(&dma.mapped, -1);
	}
	if (r->registered) {
		ret = dma.port.ops->extmem_unregister(r->base, r->size);
		if (ret < 0)
			say(SAID_UNDO, LOG_WARNING, "a client region cannot be unregistered from "
			    "DPDK: %s", strerror(-ret));
		count(&dma.registered, -1);
	}
	free(r->iova);
	*r = (struct rc_dma_region){ 0 };
	return kept;
}

void rc_dma_region_reach(const struct rc_dma_region *r, struct rc_zc_reach *out)
{
	*out = (struct rc_zc_reach){
		.pci_port = dma.port.pci,
		.iova_pa = dma.port.iova_pa,
		.huge = r->huge,
		.registered = r->registered,
		.mapped = r->mapped,
	};
}

void rc_dma_counts(struct rc_dma_counts *out)
{
	*out = (struct rc_dma_counts){ 0 };
	if (!__atomic_load_n(&dma.set, __ATOMIC_ACQUIRE))	/* pairs with rc_dma_init */
		return;
	out->set = true;
	out->registered = __atomic_load_n(&dma.registered, __ATOMIC_RELAXED);
	out->mapped = __atomic_load_n(&dma.mapped, __ATOMIC_RELAXED);
	out->max = dma.port.max_regions;
	out->iova_pa = dma.port.iova_pa;
}
