/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire codec: structural validation of received frames and frame builders.
 * rc_wire_parse() checks every field against the frame length and fixed
 * bounds and never reads outside [buf, buf+len); it knows no engine state.
 * State-dependent checks (ring id, members, seq window) live in srp.c.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "srp_int.h"

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

#define HDR	sizeof(struct rc_wire_hdr)
#define MCH	sizeof(struct rc_wire_mcast)
#define CHK	sizeof(struct rc_wire_chunk)
#define TOK	sizeof(struct rc_wire_token)

#define OFF(type, field) offsetof(struct type, field)

void rc_wire_get_chunk(const uint8_t *p, uint32_t *len, uint32_t *msg_len,
		       uint32_t *offset, uint16_t *flags)
{
	*len = get32(p + OFF(rc_wire_chunk, len));
	*msg_len = get32(p + OFF(rc_wire_chunk, msg_len));
	*offset = get32(p + OFF(rc_wire_chunk, offset));
	*flags = get16(p + OFF(rc_wire_chunk, flags));
}

/*
 * Chunks must tile the payload exactly. A fragment that continues a message
 * may only open a frame; one that is continued may only close it.
 */
static int parse_chunks(const uint8_t *p, uint32_t payload_len, uint16_t nchunks,
			uint16_t mflags, uint32_t max_msg_size)
{
	uint32_t pos = 0;
	uint16_t safe = 0;

	for (uint32_t i = 0; i < nchunks; i++) {
		uint32_t len, msg_len, offset;
		uint16_t flags;

		if (payload_len - pos < CHK)
			return RC_BAD_LENGTH;
		rc_wire_get_chunk(p + pos, &len, &msg_len, &offset, &flags);
		pos += CHK;
		if (len > payload_len - pos)
			return RC_BAD_LENGTH;
		if (flags & ~RC_CF_ALL_)
			return RC_BAD_CHUNK;
		if (msg_len > max_msg_size || len > msg_len || offset > msg_len - len)
			return RC_BAD_CHUNK;
		if (!!(flags & RC_CF_FIRST) != (offset == 0))
			return RC_BAD_CHUNK;
		if (!!(flags & RC_CF_LAST) != (offset + len == msg_len))
			return RC_BAD_CHUNK;
		if (len == 0 && msg_len != 0)
			return RC_BAD_CHUNK;
		if (!(flags & RC_CF_FIRST) && i != 0)
			return RC_BAD_CHUNK;
		if (!(flags & RC_CF_LAST) && i != nchunks - 1u)
			return RC_BAD_CHUNK;
		safe |= flags & RC_CF_SAFE;
		pos += len;
	}
	if (pos != payload_len)
		return RC_BAD_LENGTH;
	if (!!safe != !!(mflags & RC_MF_HAS_SAFE))
		return RC_BAD_CHUNK;
	return -1;
}

static int parse_mcast(const uint8_t *p, size_t len, uint32_t max_msg_size,
		       struct rc_frame_view *v)
{
	uint32_t payload_len;

	if (len < HDR + MCH)
		return RC_BAD_SHORT;
	v->seq = get32(p + HDR + OFF(rc_wire_mcast, seq));
	v->nchunks = get16(p + HDR + OFF(rc_wire_mcast, nchunks));
	v->mflags = get16(p + HDR + OFF(rc_wire_mcast, flags));
	payload_len = get32(p + HDR + OFF(rc_wire_mcast, payload_len));
	if (payload_len != len - HDR - MCH)
		return RC_BAD_LENGTH;
	if (v->nchunks == 0 || (v->mflags & ~RC_MF_ALL_) ||
	    get32(p + HDR + OFF(rc_wire_mcast, reserved)))
		return RC_BAD_CHUNK;
	return parse_chunks(p + HDR + MCH, payload_len, v->nchunks, v->mflags,
			    max_msg_size);
}

static int parse_token(const uint8_t *p, size_t len, struct rc_frame_view *v)
{
	struct rc_token *t = &v->tok;
	const uint8_t *b = p + HDR;

	if (len < HDR + TOK)
		return RC_BAD_SHORT;
	t->token_seq = get32(b + OFF(rc_wire_token, token_seq));
	t->seq = get32(b + OFF(rc_wire_token, seq));
	t->aru = get32(b + OFF(rc_wire_token, aru));
	t->aru_addr = get32(b + OFF(rc_wire_token, aru_addr));
	t->fcc = get32(b + OFF(rc_wire_token, fcc));
	t->backlog = get32(b + OFF(rc_wire_token, backlog));
	t->rtr_count = get16(b + OFF(rc_wire_token, rtr_count));
	t->flags = get16(b + OFF(rc_wire_token, flags));
	if (t->rtr_count > RC_RTR_MAX)
		return RC_BAD_TOKEN;
	if (len != HDR + TOK + 4u * t->rtr_count)
		return RC_BAD_LENGTH;
	if ((t->flags & ~RC_TF_ALL_) || get32(b + OFF(rc_wire_token, reserved)))
		return RC_BAD_TOKEN;
	if (rc_seq_gt(t->aru, t->seq))
		return RC_BAD_TOKEN;
	for (uint32_t i = 0; i < t->rtr_count; i++) {
		t->rtr[i] = get32(b + TOK + 4 * i);
		if (rc_seq_gt(t->rtr[i], t->seq))
			return RC_BAD_TOKEN;
	}
	return -1;
}

#define JN	sizeof(struct rc_wire_join)
#define CM	sizeof(struct rc_wire_commit)
#define CE	sizeof(struct rc_wire_commit_entry)

/* A node set on the wire is strictly ascending and free of nodeid 0. */
static bool set_ok(const uint32_t *ids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == 0 || (i && ids[i] <= ids[i - 1]))
			return false;
	return true;
}

static int parse_join(const uint8_t *p, size_t len, struct rc_frame_view *v)
{
	struct rc_join *j = &v->join;
	const uint8_t *b = p + HDR;

	if (len < HDR + JN)
		return RC_BAD_SHORT;
	j->ring_seq = get64(b + OFF(rc_wire_join, ring_seq));
	j->n_proc = get16(b + OFF(rc_wire_join, n_proc));
	j->n_failed = get16(b + OFF(rc_wire_join, n_failed));
	if (j->n_proc > RC_MEMB_MAX || j->n_failed > RC_MEMB_MAX ||
	    get32(b + OFF(rc_wire_join, reserved)))
		return RC_BAD_MEMB;
	if (len != HDR + JN + 4u * (j->n_proc + j->n_failed))
		return RC_BAD_LENGTH;
	for (uint32_t i = 0; i < j->n_proc; i++)
		j->proc[i] = get32(b + JN + 4 * i);
	for (uint32_t i = 0; i < j->n_failed; i++)
		j->failed[i] = get32(b + JN + 4 * (j->n_proc + i));
	if (!j->n_proc || !set_ok(j->proc, j->n_proc) || !set_ok(j->failed, j->n_failed))
		return RC_BAD_MEMB;
	return -1;
}

static int parse_commit(const uint8_t *p, size_t len, struct rc_frame_view *v)
{
	struct rc_commit *c = &v->commit;
	const uint8_t *b = p + HDR;
	uint32_t ids[RC_MEMB_MAX];

	if (len < HDR + CM)
		return RC_BAD_SHORT;
	c->rep = v->ring_rep;
	c->ring_seq = v->ring_seq;
	c->hop = get32(b + OFF(rc_wire_commit, hop));
	c->n_memb = get16(b + OFF(rc_wire_commit, n_memb));
	c->filled = get32(b + OFF(rc_wire_commit, filled));
	c->max_msg = get32(b + OFF(rc_wire_commit, max_msg));
	c->netmtu = get16(b + OFF(rc_wire_commit, netmtu));
	if (c->n_memb == 0 || c->n_memb > RC_MEMB_MAX ||
	    c->netmtu < RC_WIRE_COMMIT_MAX || c->netmtu > RC_NETMTU_MAX)
		return RC_BAD_MEMB;
	/* every node takes a frame's worth, none more than the protocol's cap */
	if (c->max_msg < RC_WIRE_MAX_MSG_MIN || c->max_msg > RC_SRP_MSG_SIZE_CAP)
		return RC_BAD_MEMB;
	if (len != HDR + CM + CE * c->n_memb)
		return RC_BAD_LENGTH;
	if (c->n_memb < 32 && (c->filled >> c->n_memb))
		return RC_BAD_MEMB;
	for (uint32_t i = 0; i < c->n_memb; i++) {
		const uint8_t *e = b + CM + CE * i;

		c->e[i].nodeid = get32(e + OFF(rc_wire_commit_entry, nodeid));
		c->e[i].old_rep = get32(e + OFF(rc_wire_commit_entry, old_rep));
		c->e[i].old_seq = get64(e + OFF(rc_wire_commit_entry, old_seq));
		c->e[i].my_aru = get32(e + OFF(rc_wire_commit_entry, my_aru));
		c->e[i].high_seq = get32(e + OFF(rc_wire_commit_entry, high_seq));
		ids[i] = c->e[i].nodeid;
		if (rc_seq_gt(c->e[i].my_aru, c->e[i].high_seq))
			return RC_BAD_MEMB;
	}
	/* The ring is its members in ascending order; the first one forms it. */
	if (!set_ok(ids, c->n_memb) || ids[0] != c->rep)
		return RC_BAD_MEMB;
	return -1;
}

int rc_wire_parse(const void *buf, size_t len, uint32_t max_msg_size,
		  struct rc_frame_view *v, enum rc_bad_reason *why)
{
	const uint8_t *p = buf;
	int r;

	if (len < HDR) {
		r = RC_BAD_SHORT;
		goto bad;
	}
	if (len > RC_NETMTU_MAX) {
		r = RC_BAD_LENGTH;
		goto bad;
	}
	if (get32(p + OFF(rc_wire_hdr, magic)) != RC_WIRE_MAGIC) {
		r = RC_BAD_MAGIC;
		goto bad;
	}
	if (p[OFF(rc_wire_hdr, version)] != RC_WIRE_VERSION) {
		r = RC_BAD_VERSION;
		goto bad;
	}
	v->type = p[OFF(rc_wire_hdr, type)];
	v->cluster_id = get32(p + OFF(rc_wire_hdr, cluster_id));
	v->sender = get32(p + OFF(rc_wire_hdr, sender));
	v->ring_rep = get32(p + OFF(rc_wire_hdr, ring_rep));
	v->ring_seq = get64(p + OFF(rc_wire_hdr, ring_seq));
	if (get16(p + OFF(rc_wire_hdr, flags)) || get32(p + OFF(rc_wire_hdr, reserved))) {
		r = RC_BAD_VERSION;
		goto bad;
	}
	if (v->sender == 0) {
		r = RC_BAD_SENDER;
		goto bad;
	}

	switch (v->type) {
	case RC_FT_MCAST:
		r = parse_mcast(p, len, max_msg_size, v);
		break;
	case RC_FT_TOKEN:
		r = parse_token(p, len, v);
		break;
	case RC_FT_WAKE:
	case RC_FT_MERGE:
		r = len == HDR ? -1 : RC_BAD_LENGTH;
		break;
	case RC_FT_JOIN:
		r = parse_join(p, len, v);
		break;
	case RC_FT_COMMIT:
		r = parse_commit(p, len, v);
		break;
	default:
		r = RC_BAD_TYPE;
		break;
	}
	if (r < 0)
		return 0;
bad:
	*why = (enum rc_bad_reason)r;
	return -EBADMSG;
}

void rc_wire_put_hdr(uint8_t *p, uint8_t type, uint32_t cluster_id,
		     uint32_t sender, uint32_t ring_rep, uint64_t ring_seq)
{
	put32(p + OFF(rc_wire_hdr, magic), RC_WIRE_MAGIC);
	p[OFF(rc_wire_hdr, version)] = RC_WIRE_VERSION;
	p[OFF(rc_wire_hdr, type)] = type;
	put16(p + OFF(rc_wire_hdr, flags), 0);
	put32(p + OFF(rc_wire_hdr, cluster_id), cluster_id);
	put32(p + OFF(rc_wire_hdr, sender), sender);
	put32(p + OFF(rc_wire_hdr, ring_rep), ring_rep);
	put32(p + OFF(rc_wire_hdr, reserved), 0);
	put64(p + OFF(rc_wire_hdr, ring_seq), ring_seq);
}

/* Writes the token body after an already written header; returns frame length. */
uint32_t rc_wire_put_token(uint8_t *p, const struct rc_token *t)
{
	uint8_t *b = p + HDR;

	put32(b + OFF(rc_wire_token, token_seq), t->token_seq);
	put32(b + OFF(rc_wire_token, seq), t->seq);
	put32(b + OFF(rc_wire_token, aru), t->aru);
	put32(b + OFF(rc_wire_token, aru_addr), t->aru_addr);
	put32(b + OFF(rc_wire_token, fcc), t->fcc);
	put32(b + OFF(rc_wire_token, backlog), t->backlog);
	put16(b + OFF(rc_wire_token, rtr_count), t->rtr_count);
	put16(b + OFF(rc_wire_token, flags), t->flags);
	put32(b + OFF(rc_wire_token, reserved), 0);
	for (uint32_t i = 0; i < t->rtr_count; i++)
		put32(b + TOK + 4 * i, t->rtr[i]);
	return HDR + TOK + 4u * t->rtr_count;
}

void rc_wire_put_mcast(uint8_t *p, uint32_t seq, uint16_t nchunks,
		       uint16_t flags, uint32_t payload_len)
{
	uint8_t *b = p + HDR;

	put32(b + OFF(rc_wire_mcast, seq), seq);
	put16(b + OFF(rc_wire_mcast, nchunks), nchunks);
	put16(b + OFF(rc_wire_mcast, flags), flags);
	put32(b + OFF(rc_wire_mcast, payload_len), payload_len);
	put32(b + OFF(rc_wire_mcast, reserved), 0);
}

uint16_t rc_wire_chunk_msg_id(const uint8_t *p)
{
	return get16(p + OFF(rc_wire_chunk, msg_id));
}

void rc_wire_put_chunk(uint8_t *p, uint32_t len, uint32_t msg_len,
		       uint32_t offset, uint16_t flags, uint16_t msg_id)
{
	put32(p + OFF(rc_wire_chunk, len), len);
	put32(p + OFF(rc_wire_chunk, msg_len), msg_len);
	put32(p + OFF(rc_wire_chunk, offset), offset);
	put16(p + OFF(rc_wire_chunk, flags), flags);
	put16(p + OFF(rc_wire_chunk, msg_id), msg_id);
}

/* Writes the join body after an already written header; returns frame length. */
uint32_t rc_wire_put_join(uint8_t *p, const struct rc_join *j)
{
	uint8_t *b = p + HDR;

	put64(b + OFF(rc_wire_join, ring_seq), j->ring_seq);
	put16(b + OFF(rc_wire_join, n_proc), j->n_proc);
	put16(b + OFF(rc_wire_join, n_failed), j->n_failed);
	put32(b + OFF(rc_wire_join, reserved), 0);
	for (uint32_t i = 0; i < j->n_proc; i++)
		put32(b + JN + 4 * i, j->proc[i]);
	for (uint32_t i = 0; i < j->n_failed; i++)
		put32(b + JN + 4 * (j->n_proc + i), j->failed[i]);
	return HDR + JN + 4u * (j->n_proc + j->n_failed);
}

/* Writes the commit body after an already written header; returns frame length. */
uint32_t rc_wire_put_commit(uint8_t *p, const struct rc_commit *c)
{
	uint8_t *b = p + HDR;

	put32(b + OFF(rc_wire_commit, hop), c->hop);
	put16(b + OFF(rc_wire_commit, n_memb), c->n_memb);
	put16(b + OFF(rc_wire_commit, netmtu), c->netmtu);
	put32(b + OFF(rc_wire_commit, filled), c->filled);
	put32(b + OFF(rc_wire_commit, max_msg), c->max_msg);
	for (uint32_t i = 0; i < c->n_memb; i++) {
		uint8_t *e = b + CM + CE * i;

		put32(e + OFF(rc_wire_commit_entry, nodeid), c->e[i].nodeid);
		put32(e + OFF(rc_wire_commit_entry, old_rep), c->e[i].old_rep);
		put64(e + OFF(rc_wire_commit_entry, old_seq), c->e[i].old_seq);
		put32(e + OFF(rc_wire_commit_entry, my_aru), c->e[i].my_aru);
		put32(e + OFF(rc_wire_commit_entry, high_seq), c->e[i].high_seq);
	}
	return HDR + CM + CE * c->n_memb;
}
