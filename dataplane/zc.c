/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The payload of a zero-copy frame, attached from a client's region: one
 * external-buffer mbuf per page it touches (zc.h). A port that DMAs reads
 * each segment at its IOVA, and in IOVA-as-PA mode two pages next to each
 * other in the region need not be next to each other in physical memory:
 * a segment that crossed a page would be read, past the boundary, from
 * whatever frame follows the first page. Each segment holds one count on
 * the region's shared info until the port frees it.
 */
#include <errno.h>

#include "zc.h"

int rc_zc_chain(struct rte_mempool *mp, const struct rc_zc_region *r, const void *data,
		uint32_t len, struct rte_mbuf_ext_shared_info *sh, uint16_t max_segs,
		struct rte_mbuf **out)
{
	const uint8_t *p = data;
	struct rte_mbuf *head = NULL, *tail = NULL, *m;
	uint64_t off = (uint64_t)(p - r->base);
	uint64_t page = r->iova ? 1ull << r->page_shift : 0;
	uint32_t segs = 1;

	if (!len || p < r->base || off > r->size || len > r->size - off || len > UINT16_MAX)
		return -EINVAL;
	if (page)
		segs = (uint32_t)(((off + len - 1) >> r->page_shift) - (off >> r->page_shift) + 1);
	if (segs > max_segs)
		return -E2BIG;
	while (len) {
		uint32_t n = len;
		rte_iova_t iova;

		off = (uint64_t)(p - r->base);
		if (page) {
			uint64_t in = off & (page - 1);

			if (n > page - in)
				n = (uint32_t)(page - in);
			iova = r->iova[off >> r->page_shift] + in;
		} else {
			iova = r->iova_va ? (rte_iova_t)(uintptr_t)p : RTE_BAD_IOVA;
		}
		m = rte_pktmbuf_alloc(mp);
		if (!m) {
			rte_pktmbuf_free(head);		/* gives their counts back */
			return -ENOMEM;
		}
		rte_mbuf_ext_refcnt_update(sh, 1);
		rte_pktmbuf_attach_extbuf(m, (void *)(uintptr_t)p, iova, (uint16_t)n, sh);
		m->data_len = (uint16_t)n;
		m->pkt_len = n;
		if (!head) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
		p += n;
		len -= n;
	}
	*out = head;
	return 0;
}
