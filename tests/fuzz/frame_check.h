/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an accepted frame must look like, checked byte by byte without wire.c:
 * used by the mutation test (tests/unit/test_wire_mutate.c) and the libFuzzer
 * target (fuzz_wire.c) on every frame rc_wire_parse() accepts and on every
 * frame the engine sends. Arithmetic is 64-bit, so no check can wrap.
 */
#ifndef RC_FRAME_CHECK_H
#define RC_FRAME_CHECK_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "srp_int.h"

static inline uint64_t rc_chk_get(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define RC_CHK_FIELD(p, type, f) \
	rc_chk_get((p) + offsetof(struct type, f), sizeof(((struct type *)0)->f))

/* Chunks of the MCAST frame f tile its payload exactly; NULL when they do. */
static inline const char *rc_check_chunks(const uint8_t *f, size_t len,
					  uint32_t max_msg_size)
{
	const size_t ovh = sizeof(struct rc_wire_hdr) + sizeof(struct rc_wire_mcast);
	const size_t chk = sizeof(struct rc_wire_chunk);
	const uint8_t *b = f + sizeof(struct rc_wire_hdr);
	uint64_t nchunks, mflags, pl, pos = 0, safe = 0;

	if (len < ovh)
		return "mcast shorter than its headers";
	nchunks = RC_CHK_FIELD(b, rc_wire_mcast, nchunks);
	mflags = RC_CHK_FIELD(b, rc_wire_mcast, flags);
	pl = RC_CHK_FIELD(b, rc_wire_mcast, payload_len);
	if (pl != len - ovh)
		return "payload_len is not the frame's";
	if (nchunks == 0)
		return "no chunks";
	if (mflags & ~(uint64_t)RC_MF_ALL_ || RC_CHK_FIELD(b, rc_wire_mcast, reserved))
		return "mcast flags or reserved";
	for (uint64_t i = 0; i < nchunks; i++) {
		const uint8_t *c = f + ovh + pos;
		uint64_t clen, msg_len, off, fl;

		if (pos + chk > pl)
			return "chunk header past the payload";
		clen = RC_CHK_FIELD(c, rc_wire_chunk, len);
		msg_len = RC_CHK_FIELD(c, rc_wire_chunk, msg_len);
		off = RC_CHK_FIELD(c, rc_wire_chunk, offset);
		fl = RC_CHK_FIELD(c, rc_wire_chunk, flags);
		pos += chk;
		if (pos + clen > pl)
			return "chunk data past the payload";
		if (msg_len > max_msg_size)
			return "message over max_msg_size";
		if (off + clen > msg_len)
			return "chunk past its message";
		if (!!(fl & RC_CF_FIRST) != (off == 0))
			return "FIRST flag vs offset";
		if (!!(fl & RC_CF_LAST) != (off + clen == msg_len))
			return "LAST flag vs end";
		if (clen == 0 && msg_len != 0)
			return "empty chunk of a message";
		if (!(fl & RC_CF_FIRST) && i != 0)
			return "continuation not first";
		if (!(fl & RC_CF_LAST) && i != nchunks - 1)
			return "continued chunk not last";
		if (fl & ~(uint64_t)RC_CF_ALL_)
			return "chunk flags";
		safe |= fl & RC_CF_SAFE;
		pos += clen;
	}
	if (pos != pl)
		return "chunks do not fill the payload";
	if (!!safe != !!(mflags & RC_MF_HAS_SAFE))
		return "HAS_SAFE vs chunks";
	return NULL;
}

/* ids[0..n) strictly ascending, none 0. */
static inline int rc_chk_ascending(const uint8_t *p, uint64_t n, size_t stride)
{
	uint64_t prev = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t id = rc_chk_get(p + i * stride, 4);

		if (id <= prev)
			return 0;
		prev = id;
	}
	return 1;
}

static inline const char *rc_check_join(const uint8_t *f, size_t len)
{
	const size_t body = sizeof(struct rc_wire_hdr) + sizeof(struct rc_wire_join);
	const uint8_t *b = f + sizeof(struct rc_wire_hdr);
	uint64_t np, nf;

	if (len < body)
		return "join shorter than its body";
	np = RC_CHK_FIELD(b, rc_wire_join, n_proc);
	nf = RC_CHK_FIELD(b, rc_wire_join, n_failed);
	if (np < 1 || np > RC_MEMB_MAX || nf > RC_MEMB_MAX ||
	    RC_CHK_FIELD(b, rc_wire_join, reserved))
		return "join counts or reserved";
	if (len != body + 4 * (np + nf))
		return "join length vs counts";
	if (!rc_chk_ascending(f + body, np, 4) || !rc_chk_ascending(f + body + 4 * np, nf, 4))
		return "join set not ascending";
	return NULL;
}

static inline const char *rc_check_commit(const uint8_t *f, size_t len)
{
	const size_t body = sizeof(struct rc_wire_hdr) + sizeof(struct rc_wire_commit);
	const size_t ce = sizeof(struct rc_wire_commit_entry);
	const uint8_t *b = f + sizeof(struct rc_wire_hdr);
	uint64_t n, filled;

	if (len < body)
		return "commit shorter than its body";
	n = RC_CHK_FIELD(b, rc_wire_commit, n_memb);
	filled = RC_CHK_FIELD(b, rc_wire_commit, filled);
	if (n < 1 || n > RC_MEMB_MAX || RC_CHK_FIELD(b, rc_wire_commit, netmtu) < RC_WIRE_COMMIT_MAX ||
	    RC_CHK_FIELD(b, rc_wire_commit, netmtu) > RC_NETMTU_MAX)
		return "commit count or netmtu";
	if (RC_CHK_FIELD(b, rc_wire_commit, max_msg) < RC_WIRE_MAX_MSG_MIN ||
	    RC_CHK_FIELD(b, rc_wire_commit, max_msg) > (1u << 30))
		return "commit max_msg out of range";
	if (len != body + ce * n)
		return "commit length vs count";
	if (filled >> n)
		return "commit filled past its members";
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *e = f + body + ce * i;

		if ((int32_t)(RC_CHK_FIELD(e, rc_wire_commit_entry, high_seq) -
			      RC_CHK_FIELD(e, rc_wire_commit_entry, my_aru)) < 0)
			return "commit entry aru past high_seq";
	}
	if (!rc_chk_ascending(f + body, n, ce))
		return "commit members not ascending";
	if (rc_chk_get(f + body, 4) != RC_CHK_FIELD(f, rc_wire_hdr, ring_rep))
		return "commit not formed by its representative";
	return NULL;
}

/* A frame rc_wire_parse() accepted into v is what it says; NULL when it is. */
static inline const char *rc_check_accepted(const uint8_t *f, size_t len,
					    uint32_t max_msg_size,
					    const struct rc_frame_view *v)
{
	const size_t hdr = sizeof(struct rc_wire_hdr);
	const size_t tok = sizeof(struct rc_wire_token);
	const uint8_t *b = f + hdr;

	if (len < hdr || len > RC_NETMTU_MAX)
		return "length out of bounds";
	if (RC_CHK_FIELD(f, rc_wire_hdr, magic) != RC_WIRE_MAGIC ||
	    RC_CHK_FIELD(f, rc_wire_hdr, version) != RC_WIRE_VERSION ||
	    RC_CHK_FIELD(f, rc_wire_hdr, flags) || RC_CHK_FIELD(f, rc_wire_hdr, reserved))
		return "header magic, version, flags or reserved";
	if (v->type != RC_CHK_FIELD(f, rc_wire_hdr, type) ||
	    v->sender != RC_CHK_FIELD(f, rc_wire_hdr, sender) ||
	    v->cluster_id != RC_CHK_FIELD(f, rc_wire_hdr, cluster_id) ||
	    v->ring_rep != RC_CHK_FIELD(f, rc_wire_hdr, ring_rep) ||
	    v->ring_seq != RC_CHK_FIELD(f, rc_wire_hdr, ring_seq))
		return "view differs from the header";
	if (v->sender == 0)
		return "sender 0";

	switch (v->type) {
	case RC_FT_MCAST:
		if (v->seq != RC_CHK_FIELD(b, rc_wire_mcast, seq) ||
		    v->nchunks != RC_CHK_FIELD(b, rc_wire_mcast, nchunks) ||
		    v->mflags != RC_CHK_FIELD(b, rc_wire_mcast, flags))
			return "view differs from the mcast body";
		return rc_check_chunks(f, len, max_msg_size);
	case RC_FT_TOKEN: {
		const struct rc_token *t = &v->tok;

		if (len < hdr + tok)
			return "token shorter than its body";
		if (t->rtr_count > RC_RTR_MAX)
			return "rtr_count over max";
		if (len != hdr + tok + 4u * t->rtr_count)
			return "token length vs rtr_count";
		if (t->rtr_count != RC_CHK_FIELD(b, rc_wire_token, rtr_count) ||
		    t->seq != RC_CHK_FIELD(b, rc_wire_token, seq) ||
		    t->aru != RC_CHK_FIELD(b, rc_wire_token, aru))
			return "view differs from the token body";
		if (t->flags & ~RC_TF_ALL_ || RC_CHK_FIELD(b, rc_wire_token, reserved))
			return "token flags or reserved";
		if ((int32_t)(t->seq - t->aru) < 0)
			return "aru beyond seq";
		for (uint32_t i = 0; i < t->rtr_count; i++) {
			if (t->rtr[i] != rc_chk_get(b + tok + 4 * i, 4))
				return "view differs from the rtr list";
			if ((int32_t)(t->seq - t->rtr[i]) < 0)
				return "rtr entry beyond seq";
		}
		return NULL;
	}
	case RC_FT_WAKE:
	case RC_FT_MERGE:
		return len == hdr ? NULL : "wake or merge with a body";
	case RC_FT_JOIN:
		return rc_check_join(f, len);
	case RC_FT_COMMIT:
		return rc_check_commit(f, len);
	default:
		return "unknown type";
	}
}

#endif /* RC_FRAME_CHECK_H */
