/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy chains as a DMAing port would read them (dataplane/zc.c), on a
 * real EAL: a hugetlb client region made as control/attach.c makes one,
 * registered through control/dma.c with the real operations (dma_eal.c),
 * then chains built at many offsets and lengths, across every 2 MiB
 * boundary. Every segment's IOVA must be what the kernel says its first
 * byte is (IOVA as PA: /proc/self/pagemap, PFN x 4 KiB + offset, read here
 * independently; IOVA as VA: its address), its last byte must be at that
 * IOVA + length - 1, and it must not cross a page. Software ports never
 * read IOVAs, so no cluster test can see a wrong one.
 *
 * Argument: pa or va (the EAL IOVA mode). Needs root (pagemap's frame
 * numbers) and free hugepages; exits 77 (skipped) without them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "dma.h"
#include "unit_test.h"
#include "xorshift.h"
#include "zc.h"

#define PAGE		(2ull << 20)
#define PAGES		6u
#define MAX_PAYLOAD	9000u	/* netmtu's ceiling: a zero-copy frame's payload */

static struct {
	bool pa;
	int pagemap;
	int memfd;
	uint8_t *base;
	struct rc_dma_region dma;
	struct rc_zc_region zr;
	struct rte_mempool *mp;
	struct rte_mbuf_ext_shared_info sh;
	uint64_t chains, segs, split;
} t = { .pagemap = -1, .memfd = -1 };

static void no_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
	CU_FAIL("the region's count reached 0");
}

/* What the kernel says va is: its physical address (PA) or itself (VA). */
static uint64_t kernel_iova(const void *va)
{
	uint64_t e, psz = (uint64_t)sysconf(_SC_PAGESIZE);
	off_t at = (off_t)((uintptr_t)va / psz * sizeof(e));

	if (!t.pa)
		return (uint64_t)(uintptr_t)va;
	if (pread(t.pagemap, &e, sizeof(e), at) != (ssize_t)sizeof(e) || !(e >> 63))
		return RC_DMA_BAD_IOVA;		/* not present */
	return (e & ((1ull << 55) - 1)) * psz + (uintptr_t)va % psz;
}

/* Build the chain of [off, off + len) and check every segment. */
static void check_chain(uint64_t off, uint32_t len)
{
	const uint8_t *want = t.base + off;
	struct rte_mbuf *m = NULL;
	uint32_t n = 0, total = 0;
	int ret;

	ret = rc_zc_chain(t.mp, &t.zr, want, len, &t.sh, UINT16_MAX, &m);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	for (struct rte_mbuf *s = m; s; s = s->next, n++) {
		const uint8_t *a = rte_pktmbuf_mtod(s, const uint8_t *);
		uint64_t iova = rte_pktmbuf_iova(s), at = (uint64_t)(a - t.base);

		CU_ASSERT_PTR_EQUAL(a, want);		/* the payload, in order */
		CU_ASSERT(RTE_MBUF_HAS_EXTBUF(s) && s->shinfo == &t.sh);
		CU_ASSERT(s->data_len > 0);
		/* its own page's IOVA plus the offset, first byte and last */
		CU_ASSERT_EQUAL(iova, kernel_iova(a));
		CU_ASSERT_EQUAL(iova + s->data_len - 1, kernel_iova(a + s->data_len - 1));
		/* what DPDK has registered for the region agrees: its
		   memseg's IOVA, not a fresh look at pagemap */
		{
			const struct rte_memseg *ms =
				rte_mem_virt2memseg(a, rte_mem_virt2memseg_list(a));

			CU_ASSERT_PTR_NOT_NULL_FATAL(ms);
			CU_ASSERT_EQUAL(iova, ms->iova + (uint64_t)(a - (const uint8_t *)ms->addr));
		}
		/* and it never crosses a page */
		CU_ASSERT_EQUAL(at / PAGE, (at + s->data_len - 1) / PAGE);
		if (iova != kernel_iova(a) || at / PAGE != (at + s->data_len - 1) / PAGE)
			fprintf(stderr, "off %#llx len %u: segment %u at %#llx, %u B, iova %#llx, "
				"kernel %#llx\n", (unsigned long long)off, len, n,
				(unsigned long long)at, s->data_len, (unsigned long long)iova,
				(unsigned long long)kernel_iova(a));
		want += s->data_len;
		total += s->data_len;
	}
	CU_ASSERT_EQUAL(total, len);
	CU_ASSERT_EQUAL(m->pkt_len, len);
	CU_ASSERT_EQUAL(m->nb_segs, n);
	/* one count per segment on the region, given back when freed */
	CU_ASSERT_EQUAL(rte_mbuf_ext_refcnt_read(&t.sh), 1 + n);
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(rte_mbuf_ext_refcnt_read(&t.sh), 1);
	t.chains++;
	t.segs += n;
	t.split += n > 1;
}

static void test_region_is_registered_with_each_pages_iova(void)
{
	CU_ASSERT_TRUE_FATAL(t.dma.registered);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.dma.iova);
	CU_ASSERT_EQUAL(t.dma.n_pages, PAGES);
	for (uint32_t i = 0; i < PAGES; i++) {
		CU_ASSERT_EQUAL(t.dma.iova[i], kernel_iova(t.base + i * PAGE));
		CU_ASSERT_EQUAL(rte_mem_virt2iova(t.base + i * PAGE + 12345),
				kernel_iova(t.base + i * PAGE) + 12345);
	}
}

static void test_chains_across_every_page_boundary(void)
{
	static const uint32_t before[] = { 1, 2, 63, 64, 1000, 4095, 4096, 4097, 8191,
					   8999, 9000 };
	static const uint32_t lens[] = { 1, 2, 64, 1500, 4096, 8192, 8999, 9000 };

	for (uint32_t p = 1; p < PAGES; p++)
		for (size_t b = 0; b < RTE_DIM(before); b++)
			for (size_t l = 0; l < RTE_DIM(lens); l++)
				check_chain(p * PAGE - before[b], lens[l]);
	/* the region's first and last bytes */
	check_chain(0, MAX_PAYLOAD);
	check_chain(PAGES * PAGE - MAX_PAYLOAD, MAX_PAYLOAD);
	check_chain(PAGES * PAGE - 1, 1);
	CU_ASSERT(t.split > 0);
}

static void test_chains_at_random_offsets_and_lengths(void)
{
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 20000; i++) {
		uint32_t len = 1 + (uint32_t)(rng() % MAX_PAYLOAD);
		uint64_t off = rng() % (PAGES * PAGE - len + 1);

		check_chain(off, len);
	}
}

static void test_chain_the_port_cannot_take_is_refused(void)
{
	struct rte_mbuf *m = NULL;

	/* across a boundary: two segments; a port taking one gets a copy */
	CU_ASSERT_EQUAL(rc_zc_chain(t.mp, &t.zr, t.base + PAGE - 100, 200, &t.sh, 1, &m), -E2BIG);
	CU_ASSERT_EQUAL(rte_mbuf_ext_refcnt_read(&t.sh), 1);
	CU_ASSERT_EQUAL(rc_zc_chain(t.mp, &t.zr, t.base + PAGE - 100, 200, &t.sh, 2, &m), 0);
	CU_ASSERT_EQUAL(m->nb_segs, 2);
	rte_pktmbuf_free(m);
	/* outside the region */
	CU_ASSERT_EQUAL(rc_zc_chain(t.mp, &t.zr, t.base + PAGES * PAGE - 10, 11, &t.sh, 8, &m),
			-EINVAL);
	CU_ASSERT_EQUAL(rte_mbuf_ext_refcnt_read(&t.sh), 1);
}

static const struct unit_test tests[] = {
	T(test_region_is_registered_with_each_pages_iova),
	T(test_chains_across_every_page_boundary),
	T(test_chains_at_random_offsets_and_lengths),
	T(test_chain_the_port_cannot_take_is_refused),
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void say(int level, const char *line)
{
	printf("log %d: %s\n", level, line);
}

/* A client region as control/attach.c makes it: sealed hugetlb memfd,
   every page allocated by fallocate. false: no free hugepages. */
static bool region_make(void)
{
	t.memfd = memfd_create("ringcast-client", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
			       MFD_HUGE_2MB);
	if (t.memfd < 0 || ftruncate(t.memfd, (off_t)(PAGES * PAGE)) < 0)
		return false;
	t.base = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, t.memfd, 0);
	if (t.base == MAP_FAILED)
		return false;
	if (fcntl(t.memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) < 0 ||
	    fallocate(t.memfd, 0, 0, (off_t)(PAGES * PAGE)) < 0)
		return false;
	return true;
}

/* A directory of plain files (EAL's runtime directory of this run), gone. */
static void remove_dir(const char *path)
{
	char f[PATH_MAX + 256];
	struct dirent *e;
	DIR *d = opendir(path);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(f, sizeof(f), "%s/%s", path, e->d_name);
		unlink(f);
	}
	closedir(d);
	rmdir(path);
}

int main(int argc, char **argv)
{
	char prefix[64], mode[32];
	char *eal[] = { argv[0], "-l", "0", "--no-pci", "--in-memory", prefix, mode,
			"--log-level=lib.eal:error", "--no-telemetry", "--vdev", "net_null0",
			NULL };
	struct rc_dma_port port;
	uint64_t t0, took;
	uint16_t port_id;
	char rundir[PATH_MAX];
	int ret;

	t.pa = argc < 2 || strcmp(argv[1], "va") != 0;
	if (geteuid() != 0) {
		printf("skipped: needs root (physical addresses in /proc/self/pagemap)\n");
		return 77;
	}
	if (!region_make()) {
		printf("skipped: no %u free hugepages: %s\n", PAGES, strerror(errno));
		return 77;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=rc-zc-iova-%d", (int)getpid());
	snprintf(mode, sizeof(mode), "--iova-mode=%s", t.pa ? "pa" : "va");
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		printf("skipped: EAL does not start in IOVA-as-%s mode here\n", t.pa ? "PA" : "VA");
		return 77;
	}
	if ((rte_eal_iova_mode() == RTE_IOVA_PA) != t.pa) {
		printf("EAL runs in the other IOVA mode\n");
		return 1;
	}
	t.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	t.mp = rte_pktmbuf_pool_create("zc-iova", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (t.pagemap < 0 || !t.mp || rte_eth_dev_get_port_by_name("net_null0", &port_id) < 0 ||
	    rc_dma_eal_port(port_id, &port) < 0) {
		printf("cannot set up: pagemap, pool or port\n");
		return 1;
	}
	/* through the daemon's own path: control/dma.c with DPDK's operations */
	port.log = say;
	rc_dma_init(&port);
	t0 = now_us();
	ret = rc_dma_region_register(&t.dma, t.base, PAGES * PAGE, PAGE);
	took = now_us() - t0;
	printf("IOVA as %s; region of %u pages: register %d, registered %d, mapped %d, "
	       "in %llu us\n", t.pa ? "PA" : "VA", PAGES, ret, t.dma.registered, t.dma.mapped,
	       (unsigned long long)took);
	for (uint32_t i = 0; i < PAGES && t.dma.iova; i++)
		printf("  page %u at %p: iova %#llx\n", i, (void *)(t.base + i * PAGE),
		       (unsigned long long)t.dma.iova[i]);
	/* what the lcore gets in rc_dp_client_attach (client_io.c's attach) */
	t.zr = (struct rc_zc_region){ .base = t.base, .size = PAGES * PAGE, .iova = t.dma.iova,
				      .page_shift = (uint32_t)__builtin_ctzll(PAGE),
				      .iova_va = !t.pa };
	t.sh.free_cb = no_free;
	rte_mbuf_ext_refcnt_set(&t.sh, 1);

	ret = unit_test_run("zc-iova", tests, RTE_DIM(tests));
	printf("%llu chains, %llu segments, %llu split at a page\n",
	       (unsigned long long)t.chains, (unsigned long long)t.segs,
	       (unsigned long long)t.split);
	t0 = now_us();
	rc_dma_region_release(&t.dma);
	printf("released in %llu us\n", (unsigned long long)(now_us() - t0));
	if (rte_mem_virt2memseg_list(t.base) != NULL) {
		printf("the region is still registered after its release\n");
		ret = 1;
	}
	rte_mempool_free(t.mp);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_dir(rundir);	/* EAL leaves its runtime directory behind */
	return ret;
}
