/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/dma.c against a stub device that records every call and fails on
 * demand: a region is registered with its IOVA table and mapped when it is
 * attached, unmapped and unregistered when it is released; a device that
 * cannot map (-ENOTSUP) is said once and its regions copied on a PCI port;
 * regions over the cap, refused, or in normal pages are never registered,
 * and normal pages never go zero copy in IOVA-as-PA mode. The region's
 * address is never dereferenced here (the stub's physical addresses are
 * made up), so no memory backs it.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "dma.h"
#include "start.h"
#include "unit_test.h"

#define PAGE		(2ull << 20)
#define BASE		((uint8_t *)(uintptr_t)(64ull << 30))	/* never touched */
#define MAX_CALLS	64
#define MAX_LINES	16

enum op { OP_REGISTER = 1, OP_UNREGISTER, OP_MAP, OP_UNMAP };

struct call {
	enum op op;
	uint8_t *va;
	uint64_t iova;
	size_t len;
	uint64_t table[8];	/* OP_REGISTER: the IOVA table given */
};

static struct {
	struct call calls[MAX_CALLS];
	unsigned int n;
	int fail_register, fail_map;	/* answer instead of 0 */
	int fail_unmap;
	unsigned int fail_map_at;	/* ... from this map call on (0: the first) */
	unsigned int maps;
	bool no_phys;			/* virt2phy answers RC_DMA_BAD_IOVA */
	uint64_t phys[8];		/* virt2phy of page i of BASE */
	char lines[MAX_LINES][320];
	int levels[MAX_LINES];
	unsigned int n_lines;
} stub;

static struct rte_device *const stub_dev = (struct rte_device *)(uintptr_t)0x5eed;

static struct call *record(enum op op, void *va, uint64_t iova, size_t len)
{
	struct call *c = &stub.calls[stub.n < MAX_CALLS ? stub.n++ : MAX_CALLS - 1];

	*c = (struct call){ .op = op, .va = va, .iova = iova, .len = len };
	return c;
}

static int s_register(void *va, size_t len, uint64_t *iova, unsigned int n, size_t page)
{
	struct call *c = record(OP_REGISTER, va, 0, len);

	CU_ASSERT_EQUAL(page, PAGE);
	CU_ASSERT_EQUAL((size_t)n * page, len);
	memcpy(c->table, iova, sizeof(*iova) * (n < 8 ? n : 8));
	return stub.fail_register;
}

static int s_unregister(void *va, size_t len)
{
	record(OP_UNREGISTER, va, 0, len);
	return 0;
}

static int s_map(struct rte_device *dev, void *va, uint64_t iova, size_t len)
{
	CU_ASSERT_PTR_EQUAL(dev, stub_dev);
	record(OP_MAP, va, iova, len);
	return stub.maps++ >= stub.fail_map_at ? stub.fail_map : 0;
}

static int s_unmap(struct rte_device *dev, void *va, uint64_t iova, size_t len)
{
	CU_ASSERT_PTR_EQUAL(dev, stub_dev);
	record(OP_UNMAP, va, iova, len);
	return stub.fail_unmap;
}

static uint64_t s_virt2phy(const void *va)
{
	size_t i = (size_t)((const uint8_t *)va - BASE) / PAGE;

	return stub.no_phys || i >= 8 ? RC_DMA_BAD_IOVA : stub.phys[i];
}

static const struct rc_dma_ops stub_ops = {
	.extmem_register = s_register,
	.extmem_unregister = s_unregister,
	.dev_dma_map = s_map,
	.dev_dma_unmap = s_unmap,
	.virt2phy = s_virt2phy,
};

static void s_log(int level, const char *line)
{
	if (stub.n_lines == MAX_LINES)
		return;
	stub.levels[stub.n_lines] = level;
	snprintf(stub.lines[stub.n_lines++], sizeof(stub.lines[0]), "%s", line);
}

static unsigned int lines_with(const char *word)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < stub.n_lines; i++)
		n += strstr(stub.lines[i], word) != NULL;
	return n;
}

/* A fresh stub and port; physical pages 0 and 1 adjacent, 2 and 3 apart. */
static void setup(bool pci, bool iova_pa, unsigned int max_regions)
{
	struct rc_dma_port p = {
		.ops = &stub_ops, .dev = stub_dev, .name = "0000:3b:00.0", .pci = pci,
		.iova_pa = iova_pa, .max_regions = max_regions, .log = s_log,
	};

	memset(&stub, 0, sizeof(stub));
	stub.phys[0] = 0x140000000ull;
	stub.phys[1] = 0x140200000ull;
	stub.phys[2] = 0x1abc00000ull;
	stub.phys[3] = 0x0c0000000ull;
	for (int i = 4; i < 8; i++)
		stub.phys[i] = 0x200000000ull + (uint64_t)i * 3 * PAGE;
	rc_dma_init(&p);
}

static void expect(unsigned int i, enum op op, uint8_t *va, uint64_t iova, size_t len)
{
	CU_ASSERT_FATAL(i < stub.n);
	CU_ASSERT_EQUAL(stub.calls[i].op, op);
	CU_ASSERT_PTR_EQUAL(stub.calls[i].va, va);
	CU_ASSERT_EQUAL(stub.calls[i].len, len);
	if (op == OP_MAP || op == OP_UNMAP)
		CU_ASSERT_EQUAL(stub.calls[i].iova, iova);
}

static int zc(const struct rc_dma_region *r, int policy, unsigned int uid)
{
	struct rc_zc_reach reach;

	rc_dma_region_reach(r, &reach);
	return rc_zc_allowed(policy, uid, 1, &reach);	/* root with CAP_SYS_PTRACE */
}

static void test_va_mode_maps_whole_region_at_attach_and_unmaps_at_release(void)
{
	struct rc_dma_region r;
	struct rc_dma_counts n;

	setup(true, false, 4);
	CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 4 * PAGE, PAGE), 0);
	CU_ASSERT_TRUE(r.registered && r.mapped);
	/* the IOVA table is the addresses; one map call covers the region */
	CU_ASSERT_EQUAL(stub.n, 2);
	expect(0, OP_REGISTER, BASE, 0, 4 * PAGE);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(stub.calls[0].table[i], (uint64_t)(uintptr_t)(BASE + i * PAGE));
	expect(1, OP_MAP, BASE, (uint64_t)(uintptr_t)BASE, 4 * PAGE);
	CU_ASSERT_PTR_NOT_NULL(r.iova);
	CU_ASSERT_TRUE(zc(&r, RC_ZC_ROOT, 0));
	rc_dma_counts(&n);
	CU_ASSERT_TRUE(n.set && !n.iova_pa);
	CU_ASSERT_EQUAL(n.registered, 1);
	CU_ASSERT_EQUAL(n.mapped, 1);

	/* released: unmapped first (the map needs the registration), then
	   unregistered, each with what was given */
	CU_ASSERT_EQUAL(rc_dma_region_release(&r), 0);
	CU_ASSERT_EQUAL(stub.n, 4);
	expect(2, OP_UNMAP, BASE, (uint64_t)(uintptr_t)BASE, 4 * PAGE);
	expect(3, OP_UNREGISTER, BASE, 0, 4 * PAGE);
	CU_ASSERT_PTR_NULL(r.iova);
	CU_ASSERT_FALSE(r.registered || r.mapped);
	rc_dma_counts(&n);
	CU_ASSERT_EQUAL(n.registered, 0);
	CU_ASSERT_EQUAL(n.mapped, 0);
	/* a second release does nothing */
	rc_dma_region_release(&r);
	CU_ASSERT_EQUAL(stub.n, 4);
	CU_ASSERT_EQUAL(stub.n_lines, 0);
}

/* A mapping that cannot be undone: the memory must be kept (-EBUSY), and
   the counts still go down (the slot is free), said once. */
static void test_failed_unmap_keeps_the_memory(void)
{
	struct rc_dma_region r;
	struct rc_dma_counts n;

	setup(true, false, 4);
	CU_ASSERT_EQUAL_FATAL(rc_dma_region_register(&r, BASE, 4 * PAGE, PAGE), 0);
	stub.fail_unmap = -EIO;
	CU_ASSERT_EQUAL(rc_dma_region_release(&r), -EBUSY);
	stub.fail_unmap = 0;
	CU_ASSERT_FALSE(r.registered || r.mapped);
	rc_dma_counts(&n);
	CU_ASSERT_EQUAL(n.mapped, 0);
	CU_ASSERT_EQUAL(n.registered, 0);
	CU_ASSERT_EQUAL(stub.n_lines, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(stub.lines[0], "memory is kept"));
}

static void test_pa_mode_table_is_physical_and_maps_each_run(void)
{
	struct rc_dma_region r;

	setup(true, true, 4);
	CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 4 * PAGE, PAGE), 0);
	CU_ASSERT_TRUE(r.registered && r.mapped);
	expect(0, OP_REGISTER, BASE, 0, 4 * PAGE);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(stub.calls[0].table[i], stub.phys[i]);
		CU_ASSERT_EQUAL(r.iova[i], stub.phys[i]);
	}
	/* pages 0 and 1 are adjacent in physical memory: one run; 2, 3 alone */
	CU_ASSERT_EQUAL(stub.n, 4);
	expect(1, OP_MAP, BASE, stub.phys[0], 2 * PAGE);
	expect(2, OP_MAP, BASE + 2 * PAGE, stub.phys[2], PAGE);
	expect(3, OP_MAP, BASE + 3 * PAGE, stub.phys[3], PAGE);
	CU_ASSERT_TRUE(zc(&r, RC_ZC_ROOT, 0));

	rc_dma_region_release(&r);
	CU_ASSERT_EQUAL(stub.n, 8);
	expect(4, OP_UNMAP, BASE, stub.phys[0], 2 * PAGE);
	expect(5, OP_UNMAP, BASE + 2 * PAGE, stub.phys[2], PAGE);
	expect(6, OP_UNMAP, BASE + 3 * PAGE, stub.phys[3], PAGE);
	expect(7, OP_UNREGISTER, BASE, 0, 4 * PAGE);
}

static void test_enotsup_is_said_once_and_regions_are_copied_on_pci(void)
{
	struct rc_dma_region a, b;

	setup(true, false, 4);
	stub.fail_map = -ENOTSUP;
	CU_ASSERT_EQUAL(rc_dma_region_register(&a, BASE, 2 * PAGE, PAGE), 0);
	CU_ASSERT_EQUAL(rc_dma_region_register(&b, BASE + 2 * PAGE, 2 * PAGE, PAGE), 0);
	/* registered (their IOVAs still go into mbufs), not mapped */
	CU_ASSERT_TRUE(a.registered && !a.mapped && b.registered && !b.mapped);
	CU_ASSERT_EQUAL(lines_with("-ENOTSUP"), 1);
	CU_ASSERT_EQUAL(stub.n_lines, 1);
	CU_ASSERT_EQUAL(stub.levels[0], LOG_INFO);
	CU_ASSERT_PTR_NOT_NULL(strstr(stub.lines[0], "0000:3b:00.0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(stub.lines[0], "copied"));
	/* a PCI port would DMA from them: copied */
	CU_ASSERT_FALSE(zc(&a, RC_ZC_ROOT, 0));
	CU_ASSERT_FALSE(zc(&b, RC_ZC_ALL, 0));
	/* nothing mapped, so nothing unmapped; unregistered */
	stub.n = 0;
	rc_dma_region_release(&a);
	rc_dma_region_release(&b);
	CU_ASSERT_EQUAL(stub.n, 2);
	expect(0, OP_UNREGISTER, BASE, 0, 2 * PAGE);
	expect(1, OP_UNREGISTER, BASE + 2 * PAGE, 0, 2 * PAGE);
}

static void test_enotsup_on_a_vdev_keeps_zero_copy(void)
{
	struct rc_dma_region r;

	setup(false, true, 4);
	stub.fail_map = -ENOTSUP;
	CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 2 * PAGE, PAGE), 0);
	CU_ASSERT_TRUE(r.registered && !r.mapped);
	CU_ASSERT_EQUAL(lines_with("-ENOTSUP"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(stub.lines[0], "unaffected"));
	/* it reads by address: zero copy as before */
	CU_ASSERT_TRUE(zc(&r, RC_ZC_ROOT, 0));
	rc_dma_region_release(&r);
}

static void test_map_failing_midway_unmaps_the_runs_mapped(void)
{
	struct rc_dma_region r;

	setup(true, true, 4);
	stub.fail_map = -ENOMEM;	/* vfio's table of user maps is full */
	stub.fail_map_at = 1;
	CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 4 * PAGE, PAGE), 0);
	CU_ASSERT_TRUE(r.registered && !r.mapped);
	/* register, map run 0, map run 1 (fails), unmap run 0 */
	CU_ASSERT_EQUAL(stub.n, 4);
	expect(1, OP_MAP, BASE, stub.phys[0], 2 * PAGE);
	expect(2, OP_MAP, BASE + 2 * PAGE, stub.phys[2], PAGE);
	expect(3, OP_UNMAP, BASE, stub.phys[0], 2 * PAGE);
	CU_ASSERT_EQUAL(lines_with("cannot be DMA-mapped"), 1);
	CU_ASSERT_EQUAL(stub.levels[0], LOG_WARNING);
	CU_ASSERT_FALSE(zc(&r, RC_ZC_ROOT, 0));
	CU_ASSERT_EQUAL(rc_dma_region_release(&r), 0);
	CU_ASSERT_EQUAL(stub.calls[stub.n - 1].op, OP_UNREGISTER);
	CU_ASSERT_EQUAL(stub.n, 5);

	/* and when undoing run 0 fails too, the memory must be kept */
	setup(true, true, 4);
	stub.fail_map = -ENOMEM;
	stub.fail_map_at = 1;
	stub.fail_unmap = -EIO;
	CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 4 * PAGE, PAGE), 0);
	CU_ASSERT_TRUE(r.registered && !r.mapped);
	stub.fail_unmap = 0;
	CU_ASSERT_EQUAL(rc_dma_region_release(&r), -EBUSY);
}

static void test_regions_over_the_cap_are_not_registered(void)
{
	struct rc_dma_region r[3];
	struct rc_dma_counts n;

	setup(true, false, 2);
	CU_ASSERT_EQUAL(rc_dma_region_register(&r[0], BASE, PAGE, PAGE), 0);
	CU_ASSERT_EQUAL(rc_dma_region_register(&r[1], BASE + PAGE, PAGE, PAGE), 0);
	stub.n = 0;
	CU_ASSERT_EQUAL(rc_dma_region_register(&r[2], BASE + 2 * PAGE, PAGE, PAGE), -ENOSPC);
	CU_ASSERT_EQUAL(stub.n, 0);	/* DPDK never asked */
	CU_ASSERT_FALSE(r[2].registered || r[2].mapped);
	CU_ASSERT_PTR_NULL(r[2].iova);
	CU_ASSERT_FALSE(zc(&r[2], RC_ZC_ROOT, 0));
	CU_ASSERT_EQUAL(lines_with("beyond 2"), 1);
	rc_dma_counts(&n);
	CU_ASSERT_EQUAL(n.registered, 2);
	CU_ASSERT_EQUAL(n.max, 2);
	/* said once; a released one makes room */
	CU_ASSERT_EQUAL(rc_dma_region_register(&r[2], BASE + 2 * PAGE, PAGE, PAGE), -ENOSPC);
	CU_ASSERT_EQUAL(stub.n_lines, 1);
	rc_dma_region_release(&r[2]);
	CU_ASSERT_EQUAL(stub.n, 0);
	rc_dma_region_release(&r[0]);
	CU_ASSERT_EQUAL(rc_dma_region_register(&r[2], BASE + 2 * PAGE, PAGE, PAGE), 0);
	CU_ASSERT_TRUE(r[2].registered && r[2].mapped);
	rc_dma_region_release(&r[1]);
	rc_dma_region_release(&r[2]);
	rc_dma_counts(&n);
	CU_ASSERT_EQUAL(n.registered, 0);
}

static void test_normal_pages_are_never_registered_nor_zero_copy_in_pa_mode(void)
{
	struct rc_dma_region r;

	for (int pci = 0; pci <= 1; pci++) {
		setup(pci, true, 4);
		CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 4 * PAGE, 0), -ENOTSUP);
		CU_ASSERT_EQUAL(stub.n, 0);
		CU_ASSERT_FALSE(r.huge || r.registered || r.mapped);
		CU_ASSERT_FALSE(zc(&r, RC_ZC_ROOT, 0));
		CU_ASSERT_FALSE(zc(&r, RC_ZC_ALL, 1000));
		rc_dma_region_release(&r);
		CU_ASSERT_EQUAL(stub.n, 0);
	}
	/* IOVA as VA: a software port reads them by address, a PCI port not */
	setup(false, false, 4);
	rc_dma_region_register(&r, BASE, 4 * PAGE, 0);
	CU_ASSERT_TRUE(zc(&r, RC_ZC_ROOT, 0));
	setup(true, false, 4);
	rc_dma_region_register(&r, BASE, 4 * PAGE, 0);
	CU_ASSERT_FALSE(zc(&r, RC_ZC_ROOT, 0));
}

static void test_refused_registration_is_copied_on_pci(void)
{
	struct rc_dma_region r;

	setup(true, false, 4);
	stub.fail_register = -ENOSPC;	/* DPDK's lists ran out after all */
	CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 2 * PAGE, PAGE), -ENOSPC);
	CU_ASSERT_EQUAL(stub.n, 1);	/* no map without a registration */
	CU_ASSERT_FALSE(r.registered || r.mapped);
	CU_ASSERT_PTR_NULL(r.iova);
	CU_ASSERT_EQUAL(lines_with("rte_extmem_register"), 1);
	CU_ASSERT_FALSE(zc(&r, RC_ZC_ROOT, 0));
	rc_dma_region_release(&r);
	CU_ASSERT_EQUAL(stub.n, 1);
}

static void test_no_physical_address_is_not_registered(void)
{
	struct rc_dma_region r;

	setup(true, true, 4);
	stub.no_phys = true;	/* not root: pagemap shows no frames */
	CU_ASSERT_EQUAL(rc_dma_region_register(&r, BASE, 2 * PAGE, PAGE), -EFAULT);
	CU_ASSERT_EQUAL(stub.n, 0);
	CU_ASSERT_EQUAL(lines_with("pagemap"), 1);
	CU_ASSERT_FALSE(zc(&r, RC_ZC_ROOT, 0));
	/* on a software port, the hugepages still go in place */
	setup(false, true, 4);
	stub.no_phys = true;
	rc_dma_region_register(&r, BASE, 2 * PAGE, PAGE);
	CU_ASSERT_TRUE(zc(&r, RC_ZC_ROOT, 0));
}

static const struct unit_test tests[] = {
	T(test_va_mode_maps_whole_region_at_attach_and_unmaps_at_release),
	T(test_pa_mode_table_is_physical_and_maps_each_run),
	T(test_failed_unmap_keeps_the_memory),
	T(test_enotsup_is_said_once_and_regions_are_copied_on_pci),
	T(test_enotsup_on_a_vdev_keeps_zero_copy),
	T(test_map_failing_midway_unmaps_the_runs_mapped),
	T(test_regions_over_the_cap_are_not_registered),
	T(test_normal_pages_are_never_registered_nor_zero_copy_in_pa_mode),
	T(test_refused_registration_is_copied_on_pci),
	T(test_no_physical_address_is_not_registered),
};

UNIT_TEST_MAIN("dma", tests)
