/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the frame decoder and live engines. The whole input is
 * parsed as one frame, then read as a script of records
 *
 *   op:u8  len:u16le  bytes[len]
 *
 *   op & 3 == 0   bytes are a frame for node 2 of the fixed ring {1, 2, 3}
 *   op & 3 == 1   bytes are a frame for a whole Totem node (rc_totem: the
 *                 membership half too), nodeid 2, that started alone
 *   op & 3 == 2   bytes are a frame for node 1, the representative
 *   op & 3 == 3   a message of len bytes is queued, on node 2 or, if op & 8,
 *                 on the Totem node; SAFE if op & 4
 *   then the clock moves on by (op >> 4) * 4 ms and every timer runs.
 *
 * Every frame the parser accepts and every frame an engine sends must pass
 * frame_check.h; a violation aborts, which libFuzzer reports as a crash.
 * Built with RC_FUZZ_MAIN, main() replays the files named on the command
 * line instead (no libFuzzer needed: reproduces crashes with any compiler).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_check.h"
#include "srp_int.h"
#include "totem.h"

#define CLUSTER		7u
#define RING_SEQ	5u
#define MAX_MSG		(16u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_wire: %s\n", what);
	abort();
}

static void check_frame(const uint8_t *f, size_t len)
{
	struct rc_frame_view v;
	enum rc_bad_reason why = RC_BAD_REASONS_;
	const char *bad;

	if (rc_wire_parse(f, len, MAX_MSG, &v, &why) < 0) {
		if ((unsigned int)why >= RC_BAD_REASONS_)
			fail("rejected without a valid reason");
		return;
	}
	bad = rc_check_accepted(f, len, MAX_MSG, &v);
	if (bad)
		fail(bad);
}

static void on_send(void *priv, uint32_t dst, const void *frame, size_t len)
{
	struct rc_frame_view v;
	enum rc_bad_reason why;

	if (len > RC_NETMTU_MAX || rc_wire_parse(frame, len, MAX_MSG, &v, &why) < 0)
		fail("an engine sent a frame that does not parse");
	check_frame(frame, len);
}

static volatile uint8_t sink;

static void on_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
	const uint8_t *m = msg;
	uint8_t x = 0;

	if (len > MAX_MSG)
		fail("delivered a message over max_msg_size");
	for (size_t i = 0; i < len; i++)
		x ^= m[i];
	sink = x;
}

static const struct rc_srp_ops ops = {
	.send = on_send,
	.deliver = on_deliver,
};

static void on_confchg(void *priv, const struct rc_confchg *c)
{
	if (c->n_members > RC_TOTEM_MAX_NODES || c->n_left > RC_TOTEM_MAX_NODES ||
	    c->n_joined > RC_TOTEM_MAX_NODES)
		fail("configuration change out of bounds");
}

static int on_ring_seq(void *priv, uint64_t seq)
{
	(void)priv;
	(void)seq;
	return 0;
}

static const struct rc_totem_ops totem_ops = {
	.send = on_send,
	.deliver = on_deliver,
	.confchg = on_confchg,
	.ring_seq = on_ring_seq,
};

static void small_config(struct rc_srp_config *c, uint32_t nodeid)
{
	/* small buffers: fresh engines for every input stay cheap */
	c->cluster_id = CLUSTER;
	c->nodeid = nodeid;
	c->netmtu = 1500;
	c->rtr_slots = 64;
	c->send_queue_len = 64;
	c->window_size = 16;
	c->max_messages = 8;
	c->accel_window = nodeid == 2 ? 2 : 0;
	c->max_msg_size = MAX_MSG;
	c->idle_rotations = 2;
}

static struct rc_totem *totem_node(void)
{
	struct rc_totem_config c;
	struct rc_totem *t = NULL;

	rc_totem_config_defaults(&c);
	small_config(&c.srp, 2);
	c.last_ring_seq = RING_SEQ;
	if (rc_totem_create(&c, &totem_ops, NULL, &t) < 0)
		fail("rc_totem_create");
	return t;
}

static struct rc_srp *engine(uint32_t nodeid)
{
	struct rc_srp_config c;
	struct rc_srp *srp = NULL;

	rc_srp_config_defaults(&c);
	small_config(&c, nodeid);
	c.n_members = 3;
	c.members[0] = 1;
	c.members[1] = 2;
	c.members[2] = 3;
	c.ring_seq = RING_SEQ;
	if (rc_srp_create(&c, &ops, NULL, &srp) < 0)
		fail("rc_srp_create");
	return srp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[MAX_MSG];
	struct rc_srp *n1, *n2;
	struct rc_totem *t;
	uint64_t now = 1000000000ull;
	size_t pos = 0;

	check_frame(data, size);

	n1 = engine(1);
	n2 = engine(2);
	t = totem_node();
	rc_srp_start(n1, now);
	rc_totem_start(t, now);
	while (size - pos >= 3) {
		uint8_t op = data[pos];
		size_t len = data[pos + 1] | (size_t)data[pos + 2] << 8;
		const uint8_t *b = data + pos + 3;
		enum rc_guarantee g = (op & 4) ? RC_GUARANTEE_SAFE : RC_GUARANTEE_AGREED;
		int r;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		pos += len;
		switch (op & 3) {
		case 0:
			check_frame(b, len);
			r = rc_srp_recv(n2, b, len, now);
			break;
		case 1:
			check_frame(b, len);
			r = rc_totem_recv(t, b, len, now);
			break;
		case 2:
			check_frame(b, len);
			r = rc_srp_recv(n1, b, len, now);
			break;
		default:
			/* over max_msg_size is refused before a byte is read */
			memcpy(msg, b, len < sizeof(msg) ? len : sizeof(msg));
			if (op & 8)
				r = rc_totem_mcast(t, msg, len, g, NULL, now);
			else
				r = rc_srp_mcast(n2, msg, len, g, NULL, now);
			if (r == -EAGAIN || (r == -EMSGSIZE && len > MAX_MSG))
				r = 0;
			break;
		}
		if (r != 0 && r != -EBADMSG)
			fail("unexpected return code");
		now += (uint64_t)(op >> 4) * 4000000u;
		rc_srp_timer(n1, now);
		rc_srp_timer(n2, now);
		rc_totem_timer(t, now);
	}
	rc_totem_destroy(t);
	rc_srp_destroy(n2);
	rc_srp_destroy(n1);
	return 0;
}

#ifdef RC_FUZZ_MAIN
int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("fuzz_wire: %d inputs replayed\n", argc - 1);
	return 0;
}
#endif
