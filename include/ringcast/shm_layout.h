/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the parts of a client region (shm.h) go, computed once for the daemon
 * (and the test suite's fake daemon) that lays a region out, and checked by
 * libcpg that maps one. Header-only: both sides compile the same code.
 *
 *   0        tx_off     rx_off     comp_off   ctl_off   arena_off   rxa_off    size
 *   | hdr    | tx ring  | rx ring  | comp ring| ctl     | tx arena  | rx area  |
 *   each part starts RC_SHM_ALIGN-aligned; ring entries are 2^k.
 */
#ifndef RINGCAST_SHM_LAYOUT_H
#define RINGCAST_SHM_LAYOUT_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <ringcast/cpgmsg.h>
#include <ringcast/shm.h>

/*
 * Message limits (docs/protocol.md, "The ring's message limit"). A client's
 * rx area of rx_area bytes takes a payload of up to half of it less two
 * alignment units, so that its record always fits once the client has
 * caught up. As a Totem message that payload comes with at least the CPG
 * header (a group name only lengthens it): the node advertises that for
 * its clients (rc_srp_config.rx_msg_max), at most the protocol's 1 GiB.
 */
static inline uint32_t rc_shm_rx_msg_max(uint64_t rx_area)
{
	uint64_t m = rx_area / 2 - 2 * RC_SHM_MSG_ALIGN + sizeof(struct rc_cpg_hdr);

	return m > (1u << 30) ? (1u << 30) : (uint32_t)m;
}

/* The payload a client may send when Totem messages may be `limit` bytes:
   less the header of the longest group name, so any group's fits. */
static inline uint32_t rc_shm_payload_max(uint32_t limit)
{
	return limit > RC_CPG_HDR_LEN(RC_CPG_NAME_MAX) ?
		limit - (uint32_t)RC_CPG_HDR_LEN(RC_CPG_NAME_MAX) : 0;
}

static inline int rc_shm_is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/*
 * Fill the constant part of *hdr (magic, version, size, entries, offsets and
 * sizes; nodeid and max_msg are the caller's) and zero everything else.
 * Returns 0, or -EINVAL when an entry count is not a power of two or a size
 * is zero or absurd (the region would pass 2^48 bytes).
 */
static inline int rc_shm_layout(struct rc_shm_hdr *hdr, uint32_t tx_entries,
				uint32_t rx_entries, uint32_t comp_entries, uint64_t ctl_size,
				uint64_t arena_size, uint64_t rxa_size)
{
	const uint64_t limit = (uint64_t)1 << 48;
	uint64_t pos;

	if (!rc_shm_is_pow2(tx_entries) || !rc_shm_is_pow2(rx_entries) ||
	    !rc_shm_is_pow2(comp_entries))
		return -EINVAL;
	if (ctl_size == 0 || arena_size == 0 || rxa_size == 0 ||
	    ctl_size > limit || arena_size > limit || rxa_size > limit)
		return -EINVAL;

	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = RC_SHM_MAGIC;
	hdr->version = RC_SHM_VERSION;
	hdr->tx_entries = tx_entries;
	hdr->rx_entries = rx_entries;
	hdr->comp_entries = comp_entries;

	pos = RC_SHM_ROUND(sizeof(*hdr), RC_SHM_ALIGN);
	hdr->tx_off = pos;
	pos = RC_SHM_ROUND(pos + (uint64_t)tx_entries * sizeof(struct rc_shm_desc), RC_SHM_ALIGN);
	hdr->rx_off = pos;
	pos = RC_SHM_ROUND(pos + (uint64_t)rx_entries * sizeof(struct rc_shm_desc), RC_SHM_ALIGN);
	hdr->comp_off = pos;
	pos = RC_SHM_ROUND(pos + (uint64_t)comp_entries * sizeof(struct rc_shm_desc), RC_SHM_ALIGN);
	hdr->ctl_off = pos;
	hdr->ctl_size = ctl_size;
	pos = RC_SHM_ROUND(pos + ctl_size, RC_SHM_ALIGN);
	hdr->arena_off = pos;
	hdr->arena_size = arena_size;
	pos = RC_SHM_ROUND(pos + arena_size, RC_SHM_ALIGN);
	hdr->rxa_off = pos;
	hdr->rxa_size = rxa_size;
	pos = RC_SHM_ROUND(pos + rxa_size, RC_SHM_ALIGN);
	hdr->size = pos;
	return 0;
}

/* [off, off + len) lies inside [RC_SHM_ALIGN, size), without overflow. */
static inline int rc_shm_part_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off >= RC_SHM_ALIGN && off % RC_SHM_ALIGN == 0 && off <= size &&
	       len <= size - off;
}

/*
 * Check a mapped header against the size actually mapped: magic, version,
 * size, 2^k entries, every part inside the region, aligned, after the header
 * page and not overlapping another part. Returns 0 or -EPROTO (-EPROTONOSUPPORT
 * for another version).
 */
static inline int rc_shm_layout_check(const struct rc_shm_hdr *hdr, uint64_t mapped)
{
	uint64_t off[6], len[6];
	int i, j;

	if (mapped < RC_SHM_ALIGN || hdr->magic != RC_SHM_MAGIC)
		return -EPROTO;
	if (hdr->version != RC_SHM_VERSION)
		return -EPROTONOSUPPORT;
	if (hdr->size != mapped)
		return -EPROTO;
	if (!rc_shm_is_pow2(hdr->tx_entries) || !rc_shm_is_pow2(hdr->rx_entries) ||
	    !rc_shm_is_pow2(hdr->comp_entries) || hdr->tx_entries > (1u << 30) ||
	    hdr->rx_entries > (1u << 30) || hdr->comp_entries > (1u << 30))
		return -EPROTO;
	if (hdr->ctl_size == 0 || hdr->arena_size == 0 || hdr->rxa_size == 0)
		return -EPROTO;

	off[0] = hdr->tx_off;    len[0] = (uint64_t)hdr->tx_entries * sizeof(struct rc_shm_desc);
	off[1] = hdr->rx_off;    len[1] = (uint64_t)hdr->rx_entries * sizeof(struct rc_shm_desc);
	off[2] = hdr->comp_off;  len[2] = (uint64_t)hdr->comp_entries * sizeof(struct rc_shm_desc);
	off[3] = hdr->ctl_off;   len[3] = hdr->ctl_size;
	off[4] = hdr->arena_off; len[4] = hdr->arena_size;
	off[5] = hdr->rxa_off;   len[5] = hdr->rxa_size;
	for (i = 0; i < 6; i++) {
		if (!rc_shm_part_ok(off[i], len[i], mapped))
			return -EPROTO;
		for (j = 0; j < i; j++)
			if (off[i] < off[j] + len[j] && off[j] < off[i] + len[i])
				return -EPROTO;
	}
	return 0;
}

#endif /* RINGCAST_SHM_LAYOUT_H */
