/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of fuzz_wire into the directory given: valid frames
 * of every type, alone and as scripts (the record format of fuzz_wire.c)
 * that drive node 2 through token visits, deliveries and retransmissions.
 * Generated rather than checked in, so the seeds follow the wire format.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "srp_int.h"

#define CLUSTER		7u
#define RING_SEQ	5u

#define HDR		sizeof(struct rc_wire_hdr)
#define CHK		sizeof(struct rc_wire_chunk)
#define OVH		RC_WIRE_MCAST_OVERHEAD

static const char *dir;
static int n_files;

struct script {
	size_t len;
	uint8_t b[1 << 16];
};

static int write_file(const char *name, const uint8_t *b, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	n_files++;
	return 0;
}

static void add(struct script *s, uint8_t op, const uint8_t *b, size_t len)
{
	s->b[s->len] = op;
	s->b[s->len + 1] = (uint8_t)len;
	s->b[s->len + 2] = (uint8_t)(len >> 8);
	memcpy(s->b + s->len + 3, b, len);
	s->len += 3 + len;
}

static size_t mcast(uint8_t *f, uint32_t sender, uint32_t seq, uint32_t len,
		    uint32_t msg_len, uint32_t off, bool safe)
{
	uint16_t cf = (off == 0 ? RC_CF_FIRST : 0) | (off + len == msg_len ? RC_CF_LAST : 0) |
		      (safe ? RC_CF_SAFE : 0);

	rc_wire_put_chunk(f + OVH, len, msg_len, off, cf, 0);
	memset(f + OVH + CHK, (int)seq, len);
	rc_wire_put_hdr(f, RC_FT_MCAST, CLUSTER, sender, 1, RING_SEQ);
	rc_wire_put_mcast(f, seq, 1, safe ? RC_MF_HAS_SAFE : 0, CHK + len);
	return OVH + CHK + len;
}

static size_t token(uint8_t *f, uint32_t sender, uint32_t token_seq, uint32_t seq,
		    uint32_t aru, uint32_t aru_addr, const uint32_t *rtr, uint16_t n_rtr)
{
	struct rc_token t = {
		.token_seq = token_seq, .seq = seq, .aru = aru, .aru_addr = aru_addr,
		.rtr_count = n_rtr,
	};

	if (n_rtr)
		memcpy(t.rtr, rtr, sizeof(*rtr) * n_rtr);
	rc_wire_put_hdr(f, RC_FT_TOKEN, CLUSTER, sender, 1, RING_SEQ);
	return rc_wire_put_token(f, &t);
}

int main(int argc, char **argv)
{
	static struct script s;
	static const uint32_t rtr[] = { 2, 3 };
	uint8_t f[RC_NETMTU_MAX];
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	/* single frames, raw and as one-record scripts */
	len = mcast(f, 1, 1, 20, 20, 0, false);
	if (write_file("raw-mcast", f, len))
		return 1;
	s.len = 0;
	add(&s, 0, f, len);
	if (write_file("one-mcast", s.b, s.len))
		return 1;
	len = token(f, 1, 1, 3, 1, 3, rtr, 2);
	if (write_file("raw-token", f, len))
		return 1;
	s.len = 0;
	add(&s, 0, f, len);
	if (write_file("one-token", s.b, s.len))
		return 1;
	rc_wire_put_hdr(f, RC_FT_WAKE, CLUSTER, 3, 1, RING_SEQ);
	if (write_file("raw-wake", f, HDR))
		return 1;
	s.len = 0;
	add(&s, 2, f, HDR);
	if (write_file("one-wake", s.b, s.len))
		return 1;

	/* membership frames */
	{
		struct rc_join j = { .ring_seq = RING_SEQ, .n_proc = 3, .n_failed = 1,
				     .proc = { 1, 2, 3 }, .failed = { 4 } };
		struct rc_commit c = { .rep = 1, .ring_seq = RING_SEQ + 1, .n_memb = 3,
				       .filled = 0x3, .max_msg = 1u << 20,
				       .netmtu = 1436 };

		for (uint32_t i = 0; i < 3; i++) {
			c.e[i].nodeid = 1 + i;
			c.e[i].old_rep = 1;
			c.e[i].old_seq = RING_SEQ;
			c.e[i].my_aru = 4;
			c.e[i].high_seq = 6;
		}
		rc_wire_put_hdr(f, RC_FT_JOIN, CLUSTER, 3, 1, RING_SEQ);
		len = rc_wire_put_join(f, &j);
		s.len = 0;
		add(&s, 1, f, len);
		add(&s, 0, f, len);
		add(&s, 1 | (10 << 4), f, 0);
		rc_wire_put_hdr(f, RC_FT_COMMIT, CLUSTER, 1, 1, RING_SEQ + 1);
		len = rc_wire_put_commit(f, &c);
		add(&s, 1, f, len);
		rc_wire_put_hdr(f, RC_FT_MERGE, CLUSTER, 3, 3, RING_SEQ + 2);
		add(&s, 1 | (15 << 4), f, HDR);
		add(&s, 3 | 8, (const uint8_t *)"totem", 5);
		add(&s, 1 | (15 << 4), f, 0);
		if (write_file("script-membership", s.b, s.len))
			return 1;
	}

	/* node 2: frames, a gap, the token, a retransmission, safe delivery */
	s.len = 0;
	add(&s, 0, f, mcast(f, 1, 1, 20, 20, 0, false));
	add(&s, 0, f, mcast(f, 3, 3, 100, 300, 0, false));
	add(&s, 0, f, mcast(f, 3, 4, 200, 300, 100, false));
	add(&s, 3 | (1 << 4), (const uint8_t *)"hello", 5);
	add(&s, 0, f, token(f, 1, 1, 4, 1, 3, NULL, 0));
	add(&s, 0, f, mcast(f, 1, 2, 30, 30, 0, true));
	add(&s, 0, f, token(f, 1, 4, 5, 5, 0, NULL, 0));
	add(&s, 0, f, token(f, 1, 7, 5, 5, 0, NULL, 0));
	add(&s, 0 | (15 << 4), f, 0);
	if (write_file("script-node2", s.b, s.len))
		return 1;

	/* node 1: the ring goes idle, the token is held, a wake ends the hold */
	s.len = 0;
	add(&s, 2, f, token(f, 3, 3, 0, 0, 0, NULL, 0));
	add(&s, 2, f, token(f, 3, 6, 0, 0, 0, NULL, 0));
	add(&s, 2, f, token(f, 3, 9, 0, 0, 0, NULL, 0));
	rc_wire_put_hdr(f, RC_FT_WAKE, CLUSTER, 2, 1, RING_SEQ);
	add(&s, 2 | (1 << 4), f, HDR);
	if (write_file("script-node1", s.b, s.len))
		return 1;

	printf("gen_corpus: %d seeds in %s\n", n_files, dir);
	return 0;
}
