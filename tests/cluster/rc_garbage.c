/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rc_garbage: sends a bounded number of hostile frames with ringcast's
 * ethertype onto an interface (the cluster's bridge, from the host), for the
 * garbage-frames test. Every frame is broadcast, so every node gets each one.
 * The frames cycle through nine kinds, and the program prints how many of
 * each counter every node should see rise:
 *
 *   kind                                   counted by the daemon in
 *   0 random bytes after a valid shim      bad_frames (bad_magic, bad_short)
 *   1 header cut short (1..31 bytes)       bad_frames (bad_short)
 *   2 wrong version, or flags/reserved set bad_frames (bad_version)
 *   3 unknown frame type                   bad_frames (bad_type)
 *   4 another cluster's id                 bad_frames (bad_cluster)
 *   5 lengths and counts past the frame    bad_frames (length, token, membership)
 *   6 a member's frame from an old ring    stale_frames (forged ring ids)
 *   7 shim addressed to no node            rx_not_mine
 *   8 shim longer than the frame           rx_runt
 *
 * Kind 6 claims a real member as sender and carries that member's MAC as
 * source (the daemons learn node MACs from frames), like a late frame of a
 * ring that is gone. Kinds 1..5 carry a sender id that is no node. Every
 * frame is in a mode-none envelope from MEMBER (a cluster with crypto off:
 * the engine's own checks are what this tests); MEMBER itself counts them
 * as bad_auth_unknown_node (a frame "from itself").
 *
 * More modes test frame authentication (tests/cluster/attacker.sh):
 *   forge  frames of every type in encrypted envelopes with made-up tags,
 *          claiming each member (current and huge ring sequences, any
 *          incarnation and counter) and naming the cluster's key id as
 *          sniffed, and some version-1 frames from node 2
 *   sniff  capture this ethertype's frames on an interface for a while
 *   replay send a capture again
 *   keyid  the key id of a capture's first sealed frame
 *
 * Ethernet payload (dataplane/dp.h): u32 dst nodeid LE (0 = all), u32 frame
 * length LE, the envelope and tag, the frame (include/ringcast/wire.h).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ringcast/wire.h"

#define KINDS		9
#define FAKE_SENDER	0x0badu	/* no node has this id */
#define NOBODY		0x7fff0001u
#define BATCH		20	/* frames between pauses */
#define PAUSE_US	1000

static uint64_t rng;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

#define OFF(type, field) __builtin_offsetof(struct type, field)
#define HDR sizeof(struct rc_wire_hdr)

static void hdr(uint8_t *f, uint8_t type, uint32_t cluster, uint32_t sender,
		uint32_t rep, uint64_t seq)
{
	memset(f, 0, HDR);
	put32(f + OFF(rc_wire_hdr, magic), RC_WIRE_MAGIC);
	f[OFF(rc_wire_hdr, version)] = RC_WIRE_VERSION;
	f[OFF(rc_wire_hdr, type)] = type;
	put32(f + OFF(rc_wire_hdr, cluster_id), cluster);
	put32(f + OFF(rc_wire_hdr, sender), sender);
	put32(f + OFF(rc_wire_hdr, ring_rep), rep);
	put64(f + OFF(rc_wire_hdr, ring_seq), seq);
}

/* A well-formed MCAST with one whole message of n bytes; returns its length. */
static size_t mcast(uint8_t *f, uint32_t cluster, uint32_t sender, uint32_t rep,
		    uint64_t seq, uint32_t n)
{
	uint8_t *b = f + HDR, *c = b + sizeof(struct rc_wire_mcast);

	hdr(f, RC_FT_MCAST, cluster, sender, rep, seq);
	memset(b, 0, sizeof(struct rc_wire_mcast) + sizeof(struct rc_wire_chunk));
	put32(b + OFF(rc_wire_mcast, seq), 1 + rnd() % 1000);
	put16(b + OFF(rc_wire_mcast, nchunks), 1);
	put32(b + OFF(rc_wire_mcast, payload_len), (uint32_t)sizeof(struct rc_wire_chunk) + n);
	put32(c + OFF(rc_wire_chunk, len), n);
	put32(c + OFF(rc_wire_chunk, msg_len), n);
	put16(c + OFF(rc_wire_chunk, flags), RC_CF_FIRST | RC_CF_LAST);
	for (uint32_t i = 0; i < n; i++)
		c[sizeof(struct rc_wire_chunk) + i] = (uint8_t)rnd();
	return HDR + sizeof(struct rc_wire_mcast) + sizeof(struct rc_wire_chunk) + n;
}

/* A well-formed TOKEN without retransmit requests. */
static size_t token(uint8_t *f, uint32_t cluster, uint32_t sender, uint32_t rep, uint64_t seq)
{
	uint8_t *b = f + HDR;

	hdr(f, RC_FT_TOKEN, cluster, sender, rep, seq);
	memset(b, 0, sizeof(struct rc_wire_token));
	put32(b + OFF(rc_wire_token, token_seq), rnd());
	put32(b + OFF(rc_wire_token, seq), 100);
	put32(b + OFF(rc_wire_token, aru), 50);
	return HDR + sizeof(struct rc_wire_token);
}

/* Kind 5: a header whose lengths or counts claim more than the frame has. */
static size_t oversized(uint8_t *f, uint32_t cluster)
{
	uint8_t *b = f + HDR;
	size_t len;

	switch (rnd() % 5) {
	case 0:	/* MCAST payload_len past the end */
		len = mcast(f, cluster, FAKE_SENDER, 1, 1, 32);
		put32(b + OFF(rc_wire_mcast, payload_len), 60000 + rnd() % 1000);
		return len;
	case 1:	/* a chunk longer than the payload */
		len = mcast(f, cluster, FAKE_SENDER, 1, 1, 32);
		put32(b + sizeof(struct rc_wire_mcast) + OFF(rc_wire_chunk, len), 1u << 20);
		return len;
	case 2:	/* TOKEN with more retransmit requests than allowed */
		len = token(f, cluster, FAKE_SENDER, 1, 1);
		put16(b + OFF(rc_wire_token, rtr_count), (uint16_t)(RC_RTR_MAX + 1 + rnd() % 60000));
		return len;
	case 3:	/* JOIN listing more nodes than a ring can have */
		hdr(f, RC_FT_JOIN, cluster, FAKE_SENDER, 1, 1);
		memset(b, 0, sizeof(struct rc_wire_join));
		put16(b + OFF(rc_wire_join, n_proc), (uint16_t)(RC_MEMB_MAX + 1 + rnd() % 1000));
		put16(b + OFF(rc_wire_join, n_failed), 0);
		return HDR + sizeof(struct rc_wire_join) + 8;
	default: /* COMMIT with 200 entries in a frame that holds one */
		hdr(f, RC_FT_COMMIT, cluster, FAKE_SENDER, 1, 1);
		memset(b, 0, sizeof(struct rc_wire_commit) + sizeof(struct rc_wire_commit_entry));
		put16(b + OFF(rc_wire_commit, n_memb), 200);
		return HDR + sizeof(struct rc_wire_commit) + sizeof(struct rc_wire_commit_entry);
	}
}

static uint32_t forge_key_id;	/* the cluster key's id, sniffed; 0: random */

/* The envelope before a body of len bytes at env + RC_WIRE_AUTH_OVERHEAD. */
static size_t envelope(uint8_t *env, size_t len, uint8_t mode, uint32_t sender, uint32_t inc,
		       uint64_t counter)
{
	uint32_t id = forge_key_id ? forge_key_id : rnd();

	memset(env, 0, RC_WIRE_AUTH_OVERHEAD);
	put32(env + OFF(rc_wire_auth, magic), RC_WIRE_MAGIC);
	env[OFF(rc_wire_auth, version)] = RC_WIRE_VERSION;
	env[OFF(rc_wire_auth, mode)] = mode;
	put32(env + OFF(rc_wire_auth, sender), sender);
	put32(env + OFF(rc_wire_auth, incarnation), inc);
	put64(env + OFF(rc_wire_auth, counter), counter);
	if (mode != RC_AUTH_MODE_NONE) {
		put32(env + OFF(rc_wire_auth, key_id), id);
		put32(env + OFF(rc_wire_auth, newest_id), id);
		put32(env + OFF(rc_wire_auth, holders), rnd());
		put32(env + OFF(rc_wire_auth, users), rnd());
	}
	for (int i = 0; i < RC_WIRE_TAG_LEN && mode != RC_AUTH_MODE_NONE; i++)
		env[sizeof(struct rc_wire_auth) + i] = (uint8_t)rnd();
	return RC_WIRE_AUTH_OVERHEAD + len;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h ? h : 1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

/* An AF_PACKET socket on iface and the address to send to (broadcast). */
static int raw_open(const char *iface, int proto, struct sockaddr_ll *sa)
{
	int fd = socket(AF_PACKET, SOCK_RAW, proto);

	if (fd < 0) {
		perror("rc_garbage: socket(AF_PACKET)");
		return -1;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sll_family = AF_PACKET;
	sa->sll_ifindex = (int)if_nametoindex(iface);
	sa->sll_halen = 6;
	sa->sll_protocol = (uint16_t)proto;
	memset(sa->sll_addr, 0xff, 6);
	if (!sa->sll_ifindex) {
		fprintf(stderr, "rc_garbage: no interface %s\n", iface);
		close(fd);
		return -1;
	}
	if (proto && bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0) {
		perror("rc_garbage: bind");
		close(fd);
		return -1;
	}
	return fd;
}

static void pace(unsigned long sent)
{
	if (sent % BATCH == 0) {
		struct timespec ts = { .tv_nsec = PAUSE_US * 1000 };

		nanosleep(&ts, NULL);
	}
}

/* A JOIN listing the members, or a COMMIT of them, or a MERGE. */
static size_t memb_frame(uint8_t *f, uint8_t type, uint32_t cluster, uint32_t sender,
			 uint32_t rep, uint64_t seq, const uint32_t *memb, uint32_t n)
{
	uint8_t *b = f + HDR;

	hdr(f, type, cluster, sender, rep, seq);
	if (type == RC_FT_JOIN) {
		memset(b, 0, sizeof(struct rc_wire_join));
		put64(b + OFF(rc_wire_join, ring_seq), seq);
		put16(b + OFF(rc_wire_join, n_proc), (uint16_t)n);
		for (uint32_t i = 0; i < n; i++)
			put32(b + sizeof(struct rc_wire_join) + 4 * i, memb[i]);
		return HDR + sizeof(struct rc_wire_join) + 4 * n;
	}
	if (type == RC_FT_COMMIT) {
		memset(b, 0, sizeof(struct rc_wire_commit) + n * sizeof(struct rc_wire_commit_entry));
		put16(b + OFF(rc_wire_commit, n_memb), (uint16_t)n);
		for (uint32_t i = 0; i < n; i++)
			put32(b + sizeof(struct rc_wire_commit) +
			      i * sizeof(struct rc_wire_commit_entry), memb[i]);
		return HDR + sizeof(struct rc_wire_commit) + n * sizeof(struct rc_wire_commit_entry);
	}
	return HDR;	/* MERGE, WAKE */
}

/*
 * forge IFACE COUNT CLUSTER_NAME RING_REP RING_SEQ MEMBERS KEY_ID [SEED]:
 * COUNT frames without the key. Every tenth is a version-1 frame from node 2
 * (as an old ringcast sends); the rest cycle through the frame types and the
 * members as sender, in encrypted envelopes naming the cluster's key (KEY_ID,
 * hex, as sniffed: 0 for random ids) with made-up tags. Prints sent,
 * v1 and, per member, how many claimed it (that node counts them as
 * unknown_node: a frame "from itself").
 */
static int forge_main(int argc, char **argv)
{
	static uint8_t pkt[2048];
	uint8_t *shim = pkt + 14, *env = shim + sizeof(struct rc_wire_shim), *f = env + RC_WIRE_AUTH_OVERHEAD;
	uint32_t memb[RC_MEMB_MAX], n = 0, cluster, rep, claimed[RC_MEMB_MAX] = { 0 };
	unsigned long count, sent = 0, v1 = 0;
	unsigned long long seq;
	struct sockaddr_ll sa;
	char *tok, *save;
	int fd;

	if (argc < 8 || argc > 9)
		return 2;
	count = strtoul(argv[2], NULL, 10);
	forge_key_id = (uint32_t)strtoul(argv[7], NULL, 16);
	cluster = fnv1a(argv[3]);
	rep = (uint32_t)strtoul(argv[4], NULL, 10);
	seq = strtoull(argv[5], NULL, 10);
	for (tok = strtok_r(argv[6], ",", &save); tok && n < RC_MEMB_MAX;
	     tok = strtok_r(NULL, ",", &save))
		memb[n++] = (uint32_t)strtoul(tok, NULL, 10);
	rng = (argc == 9 ? strtoull(argv[8], NULL, 10) : 1) * 0x9E3779B97F4A7C15ull + 1;
	if (!count || count > 100000 || !n)
		return 2;
	fd = raw_open(argv[1], 0, &sa);
	if (fd < 0)
		return 1;
	for (unsigned long i = 0; i < count; i++) {
		uint32_t who = i % n, sender = memb[who], inc;
		uint64_t s = rnd() % 2 ? seq : (1ull << 62) + rnd();
		size_t len;

		memset(pkt, 0xff, 6);
		pkt[6] = 0x02;
		memcpy(pkt + 7, "forge", 5);
		pkt[12] = RC_ETHERTYPE_DEFAULT >> 8;
		pkt[13] = RC_ETHERTYPE_DEFAULT & 0xff;
		put32(shim, 0);
		if (i % 10 == 9) {	/* what a version-1 node sends */
			len = token(env, cluster, 2, rep, seq);
			env[OFF(rc_wire_hdr, version)] = 1;
			v1++;
		} else {
			switch (i % 7) {
			case 0:
				len = mcast(f, cluster, sender, rep, s, 1 + rnd() % 1000);
				break;
			case 1:
				len = token(f, cluster, sender, rep, s);
				break;
			case 2:
				len = memb_frame(f, RC_FT_JOIN, cluster, sender, rep, s, memb, n);
				break;
			case 3:
				len = memb_frame(f, RC_FT_COMMIT, cluster, sender, rep, s, memb, n);
				break;
			case 4:
				len = memb_frame(f, RC_FT_MERGE, cluster, sender, rep, s, memb, n);
				break;
			default:
				len = memb_frame(f, RC_FT_WAKE, cluster, sender, rep, s, memb, n);
				break;
			}
			switch (rnd() % 3) {	/* any run of the sender */
			case 0:
				inc = 1 + rnd() % 4;
				break;
			case 1:
				inc = (uint32_t)time(NULL) + rnd() % 100;
				break;
			default:
				inc = 0xffffff00u + rnd() % 0xff;
				break;
			}
			len = envelope(env, len, RC_AUTH_MODE_AEAD, sender, inc,
				       rnd() % 2 ? rnd() : ((uint64_t)rnd() << 32 | rnd()));
			claimed[who]++;
		}
		put32(shim + 4, (uint32_t)len);
		if (sendto(fd, pkt, 14 + 8 + len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "rc_garbage: send: %s\n", strerror(errno));
			return 1;
		}
		pace(++sent);
	}
	close(fd);
	printf("sent %lu\nv1 %lu\n", sent, v1);
	for (uint32_t j = 0; j < n; j++)
		printf("claimed_%u %u\n", memb[j], claimed[j]);
	return 0;
}

/* sniff IFACE MS FILE: this ethertype's frames for MS ms, as u16 length + bytes. */
static int sniff_main(int argc, char **argv)
{
	static uint8_t buf[16384];
	struct sockaddr_ll sa;
	unsigned long got = 0;
	struct timespec t0, t;
	long ms;
	FILE *out;
	int fd;

	if (argc != 4)
		return 2;
	ms = strtol(argv[2], NULL, 10);
	fd = raw_open(argv[1], htons(RC_ETHERTYPE_DEFAULT), &sa);
	if (fd < 0)
		return 1;
	out = fopen(argv[3], "w");
	if (!out) {
		perror(argv[3]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left;
		ssize_t r;
		uint16_t l;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0 || r > 0xffff)
			continue;
		l = (uint16_t)r;
		if (fwrite(&l, 2, 1, out) != 1 || fwrite(buf, (size_t)r, 1, out) != 1) {
			perror("rc_garbage: write");
			return 1;
		}
		got++;
	}
	close(fd);
	if (fclose(out) != 0)
		return 1;
	printf("captured %lu\n", got);
	return 0;
}

/*
 * replay IFACE FILE [SRC_MAC [MAX [DST_MAC]]]: send a capture again (its
 * first MAX frames, default all), byte for byte, but for
 * the source MAC when one is given: a frame sent with another port's source
 * MAC teaches the bridge that port's address is here (an Ethernet-level
 * denial of service no frame authentication prevents: port security does);
 * and the destination MAC when one is given (another cluster's group: a
 * node must not even look at it).
 */
static int replay_main(int argc, char **argv)
{
	static uint8_t buf[65536];
	struct sockaddr_ll sa;
	unsigned long sent = 0;
	uint8_t src[6], dst[6];
	uint16_t l;
	unsigned long max = argc >= 5 ? strtoul(argv[4], NULL, 10) : ~0ul;
	FILE *in;
	int fd;

	if (argc < 3 || argc > 6)
		return 2;
	if (argc >= 4 && parse_mac(argv[3], src) < 0)
		return 2;
	if (argc >= 6 && parse_mac(argv[5], dst) < 0)
		return 2;
	in = fopen(argv[2], "r");
	if (!in) {
		perror(argv[2]);
		return 1;
	}
	fd = raw_open(argv[1], 0, &sa);
	if (fd < 0)
		return 1;
	while (sent < max && fread(&l, 2, 1, in) == 1 && fread(buf, l, 1, in) == 1) {
		if (argc >= 4 && l >= 12)
			memcpy(buf + 6, src, 6);
		if (argc >= 6 && l >= 12)
			memcpy(buf, dst, 6);
		if (sendto(fd, buf, l, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "rc_garbage: send: %s\n", strerror(errno));
			return 1;
		}
		pace(++sent);
	}
	fclose(in);
	close(fd);
	printf("sent %lu\n", sent);
	return 0;
}

/* keyid FILE: the key id in the envelope of a capture's first sealed frame. */
static int keyid_main(int argc, char **argv)
{
	static uint8_t buf[65536];
	const size_t at = 14 + 8 + OFF(rc_wire_auth, key_id);
	uint32_t id;
	uint16_t l;
	FILE *in;

	if (argc != 2 || !(in = fopen(argv[1], "r")))
		return 2;
	while (fread(&l, 2, 1, in) == 1 && fread(buf, l, 1, in) == 1) {
		if (l < at + 4 || buf[14 + 8 + OFF(rc_wire_auth, mode)] != RC_AUTH_MODE_AEAD)
			continue;
		memcpy(&id, buf + at, 4);
		printf("%x\n", le32toh(id));
		fclose(in);
		return 0;
	}
	fclose(in);
	return 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rc_garbage IFACE COUNT CLUSTER_NAME RING_REP RING_SEQ MEMBER MEMBER_MAC [SEED]\n"
		"Sends COUNT hostile ringcast frames (ethertype 0x%04X) on IFACE, broadcast,\n"
		"and prints what each node's counters should rise by. Needs CAP_NET_RAW.\n"
		"       rc_garbage forge IFACE COUNT CLUSTER_NAME RING_REP RING_SEQ ID,ID,.. KEY_ID [SEED]\n"
		"       rc_garbage keyid FILE\n"
		"       rc_garbage sniff IFACE MS FILE\n"
		"       rc_garbage replay IFACE FILE [SRC_MAC [MAX [DST_MAC]]]\n",
		RC_ETHERTYPE_DEFAULT);
}

int main(int argc, char **argv)
{
	static uint8_t pkt[2048];
	uint8_t *shim = pkt + 14, *env = shim + sizeof(struct rc_wire_shim), *f = env + RC_WIRE_AUTH_OVERHEAD;
	uint8_t member_mac[6];
	static const uint8_t fake_mac[6] = { 0x02, 0x72, 0x63, 0x67, 0x61, 0x72 };
	unsigned long count, expect[KINDS] = { 0 };
	uint32_t cluster, rep, member;
	unsigned long long seq;
	struct sockaddr_ll sa;
	unsigned long sent = 0;
	int fd;

	if (argc > 1 && !strcmp(argv[1], "forge"))
		return forge_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "sniff"))
		return sniff_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "replay"))
		return replay_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "keyid"))
		return keyid_main(argc - 1, argv + 1);
	if (argc < 8 || argc > 9) {
		usage();
		return 2;
	}
	count = strtoul(argv[2], NULL, 10);
	cluster = fnv1a(argv[3]);
	rep = (uint32_t)strtoul(argv[4], NULL, 10);
	seq = strtoull(argv[5], NULL, 10);
	member = (uint32_t)strtoul(argv[6], NULL, 10);
	rng = argc == 9 ? strtoull(argv[8], NULL, 10) : 1;
	rng = rng * 0x9E3779B97F4A7C15ull + 1;
	if (!count || count > 100000 || !member || parse_mac(argv[7], member_mac) < 0 || seq < 1) {
		usage();
		return 2;
	}

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0) {
		perror("rc_garbage: socket(AF_PACKET)");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sll_family = AF_PACKET;
	sa.sll_ifindex = (int)if_nametoindex(argv[1]);
	sa.sll_halen = 6;
	if (!sa.sll_ifindex) {
		fprintf(stderr, "rc_garbage: no interface %s\n", argv[1]);
		return 1;
	}
	memset(sa.sll_addr, 0xff, 6);

	for (unsigned long i = 0; i < count; i++) {
		unsigned int kind = (unsigned int)(i % KINDS);
		uint32_t dst = 0, n;
		size_t len;

		memset(pkt, 0xff, 6);		/* broadcast */
		memcpy(pkt + 6, kind == 6 ? member_mac : fake_mac, 6);
		pkt[12] = RC_ETHERTYPE_DEFAULT >> 8;
		pkt[13] = RC_ETHERTYPE_DEFAULT & 0xff;

		switch (kind) {
		case 0:	/* random bytes, never the magic */
			len = 1 + rnd() % 1400;
			for (size_t k = 0; k < len; k++)
				f[k] = (uint8_t)rnd();
			if (len >= 4 && f[0] == (RC_WIRE_MAGIC & 0xff))
				f[0] ^= 0x80;
			break;
		case 1:	/* a valid header, cut */
			hdr(f, RC_FT_WAKE, cluster, FAKE_SENDER, rep, seq);
			len = 1 + rnd() % (HDR - 1);
			break;
		case 2:	/* wrong version, or flags / reserved set */
			hdr(f, RC_FT_WAKE, cluster, FAKE_SENDER, rep, seq);
			switch (rnd() % 3) {
			case 0:
				f[OFF(rc_wire_hdr, version)] = (uint8_t)(2 + rnd() % 254);
				break;
			case 1:
				put16(f + OFF(rc_wire_hdr, flags), (uint16_t)(1 + rnd() % 0xfffe));
				break;
			default:
				put32(f + OFF(rc_wire_hdr, reserved), 1 + rnd() % 0xfffffffe);
				break;
			}
			len = HDR;
			break;
		case 3:	/* unknown type: 0, or RC_FT_MAX_ and above */
			n = rnd() % (256 - RC_FT_MAX_ + 1);
			hdr(f, (uint8_t)(n ? RC_FT_MAX_ - 1 + n : 0), cluster, FAKE_SENDER, rep, seq);
			len = HDR;
			break;
		case 4:	/* a well-formed WAKE of another cluster */
			hdr(f, RC_FT_WAKE, cluster + 1 + rnd() % 1000, FAKE_SENDER, rep, seq);
			len = HDR;
			break;
		case 5:
			len = oversized(f, cluster);
			break;
		case 6: {	/* a member's well-formed frame, from an older ring */
			uint64_t old = seq - 1 - rnd() % seq;
			uint32_t r = 1 + rnd() % 8;

			switch (rnd() % 3) {
			case 0:
				len = mcast(f, cluster, member, r, old, 1 + rnd() % 200);
				break;
			case 1:
				len = token(f, cluster, member, r, old);
				break;
			default:
				hdr(f, RC_FT_WAKE, cluster, member, r, old);
				len = HDR;
				break;
			}
			break;
		}
		case 7:	/* a good WAKE addressed to a node that is nobody */
			hdr(f, RC_FT_WAKE, cluster, FAKE_SENDER, rep, seq);
			dst = NOBODY;
			len = HDR;
			break;
		default: /* the shim claims more than the frame holds */
			hdr(f, RC_FT_WAKE, cluster, FAKE_SENDER, rep, seq);
			len = HDR;
			break;
		}
		len = envelope(env, len, RC_AUTH_MODE_NONE, member, 1, i + 1);
		put32(shim, dst);
		put32(shim + 4, kind == 8 ? (uint32_t)len + 100 + rnd() % 1000 : (uint32_t)len);
		if (sendto(fd, pkt, 14 + 8 + len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "rc_garbage: send on %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		expect[kind]++;
		sent++;
		if (sent % BATCH == 0) {
			struct timespec ts = { .tv_nsec = PAUSE_US * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	printf("sent %lu\n", sent);
	printf("expect_bad %lu\n", expect[0] + expect[1] + expect[2] + expect[3] + expect[4] +
	       expect[5]);
	printf("expect_stale %lu\n", expect[6]);
	printf("expect_not_mine %lu\n", expect[7]);
	printf("expect_runt %lu\n", expect[8]);
	return 0;
}
