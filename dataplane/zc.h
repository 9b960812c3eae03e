/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A zero-copy frame's payload as a chain of external-buffer mbufs pointing
 * into a client's region (zc.c). Private to dataplane/ (dp.c) and its test
 * (tests/unit/test_zc_iova.c); it is not recommended to include it anywhere
 * else.
 *
 *   region:  | page 0          | page 1          | page 2 ...
 *   payload:             [=====|====]
 *   chain:               seg 0 ->seg 1      each: buf_iova = iova[page] + offset
 */
#ifndef RC_ZC_H
#define RC_ZC_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* A client region as the lcore knows it (rc_dp_client_attach). */
struct rc_zc_region {
	const uint8_t *base;
	uint64_t size;
	const uint64_t *iova;	/* the IOVA of each page's first byte, or NULL */
	uint32_t page_shift;	/* the pages of iova: 1 << page_shift bytes */
	bool iova_va;		/* EAL runs IOVA as VA: without a table, the address */
};

/*
 * The payload [data, data + len) of region r as a chain of mbufs from mp,
 * each attached to the region (not copied) and counted once on sh, the
 * region's shared info: the region is let go only when sh is back to 1.
 * With an IOVA table no segment crosses a page, and each segment's IOVA is
 * its own page's plus the offset; without one, one segment whose IOVA is
 * the address (IOVA as VA) or RTE_BAD_IOVA (a port that reads by address).
 * 0 and *out, the chain's head (nb_segs, pkt_len set); -E2BIG when it would
 * take more than max_segs segments (nothing allocated), -EINVAL when the
 * payload is empty, not in r or too long for a segment, -ENOMEM when mp is
 * empty.
 */
int rc_zc_chain(struct rte_mempool *mp, const struct rc_zc_region *r, const void *data,
		uint32_t len, struct rte_mbuf_ext_shared_info *sh, uint16_t max_segs,
		struct rte_mbuf **out);

#endif /* RC_ZC_H */
