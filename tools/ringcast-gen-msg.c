/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen's messages: building data messages, sending them (copy or
 * zcb), the deliver and confchg callbacks, and the checks on every delivery.
 *
 * A data message of size S:
 *
 *   | rc_gen_hdr (40) | pattern (S - 48) | tail (8) |
 *
 * The pattern is fixed per (sender, size) and its CRC32C is computed once
 * (crc_prefix); the tail is mix(nodeid, pid, seq), so each message's CRC is
 * crc_prefix continued over 8 bytes. Receivers check the whole CRC, the tail
 * against the header, the header against the delivered nodeid, pid and
 * length, and each sender's seq going up by exactly one.
 *
 * zcb buffers: both libraries hand a buffer back when cpg_zcb_mcast_joined
 * returns; still, a sent buffer waits in a FIFO (zfly) and is free again
 * only when this process sees its own message delivered, which is right
 * under any contract.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "ringcast-gen.h"

static struct rc_gen *gen_of(cpg_handle_t h)
{
	void *ctx = NULL;

	if (cpg_context_get(h, &ctx) != CS_OK)
		return NULL;
	return ctx;
}

static uint64_t tail_of(uint32_t nodeid, uint32_t pid, uint64_t seq)
{
	return rc_gen_mix64(((uint64_t)nodeid << 32 | pid) ^ rc_gen_mix64(seq));
}

/* ---- building ---- */

/* The template for size: a pattern only this sender uses. */
int rc_gen_tmpl_build(struct rc_gen *g, size_t size)
{
	uint64_t x = rc_gen_mix64(((uint64_t)g->nodeid << 32 | g->pid) ^ size);
	size_t i, end = size - RC_GEN_TAIL;
	uint8_t *t;

	t = realloc(g->tmpl, size);
	if (t == NULL)
		return -ENOMEM;
	g->tmpl = t;
	memset(t, 0, sizeof(struct rc_gen_hdr));
	for (i = sizeof(struct rc_gen_hdr); i + 8 <= end; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(t + i, &x, 8);
	}
	for (; i < end; i++)
		t[i] = (uint8_t)(x >> (8 * (i & 7)));
	memset(t + end, 0, RC_GEN_TAIL);
	i = sizeof(struct rc_gen_hdr);
	g->crc_prefix = rc_gen_crc32c(0, t + i, end - i);
	g->size = size;
	return 0;
}

/* Header and tail of data message seq in buf (its pattern already there). */
void rc_gen_data_fill(struct rc_gen *g, uint8_t *buf, uint64_t seq, uint64_t stamp)
{
	uint64_t tail = tail_of(g->nodeid, g->pid, seq);
	struct rc_gen_hdr hdr = {
		.magic = RC_GEN_MAGIC, .type = RC_GEN_T_DATA, .step = (uint8_t)g->step,
		.len = (uint32_t)g->size, .seq = seq, .send_ns = stamp,
		.nodeid = g->nodeid, .pid = g->pid,
		.flags = g->o.guarantee == CPG_TYPE_SAFE ? RC_GEN_F_SAFE : 0,
	};

	memcpy(buf + g->size - RC_GEN_TAIL, &tail, RC_GEN_TAIL);
	hdr.crc = rc_gen_crc32c(g->crc_prefix, &tail, RC_GEN_TAIL);
	memcpy(buf, &hdr, sizeof(hdr));
}

/* ---- sending ---- */

static void sent_one(struct rc_gen *g, uint64_t stamp_mono)
{
	g->next_seq++;
	g->cur.sent_total++;
	if (stamp_mono >= g->t_measure && stamp_mono < g->t_end)
		g->cur.sent++;
}

static int cs_to_ret(struct rc_gen *g, cs_error_t err, const char *what)
{
	if (err == CS_ERR_TRY_AGAIN) {
		g->cur.retries++;
		return -EAGAIN;
	}
	rc_gen_fail(g, "%s (message %" PRIu64 ", %zu bytes): %s", what, g->next_seq, g->size,
		 rc_gen_err(err));
	return -EIO;
}

static int send_copy(struct rc_gen *g, uint64_t stamp)
{
	struct iovec iov = { .iov_base = g->tmpl, .iov_len = g->size };
	cs_error_t err;

	rc_gen_data_fill(g, g->tmpl, g->next_seq, stamp);
	err = cpg_mcast_joined(g->h, g->o.guarantee, &iov, 1);
	return err == CS_OK ? 0 : cs_to_ret(g, err, "cpg_mcast_joined");
}

static int zcb_alloc(struct rc_gen *g, void **buf)
{
	cs_error_t err = cpg_zcb_alloc(g->h, g->size, buf);

	if (err == CS_OK) {
		memcpy(*buf, g->tmpl, g->size);
		return 0;
	}
	if (err == CS_ERR_NO_MEMORY)	/* no room beside the buffers the pool holds */
		err = CS_ERR_TRY_AGAIN;
	return cs_to_ret(g, err, "cpg_zcb_alloc");
}

static int send_zcb_each(struct rc_gen *g, uint64_t stamp)
{
	cs_error_t err, ferr;
	void *buf;
	int ret;

	ret = zcb_alloc(g, &buf);
	if (ret < 0)
		return ret;
	rc_gen_data_fill(g, buf, g->next_seq, stamp);
	err = cpg_zcb_mcast_joined(g->h, g->o.guarantee, buf, g->size);
	/* the library keeps a sent buffer until it is done with it */
	ferr = cpg_zcb_free(g->h, buf);
	if (err != CS_OK)
		return cs_to_ret(g, err, "cpg_zcb_mcast_joined");
	if (ferr != CS_OK)
		return cs_to_ret(g, ferr, "cpg_zcb_free");
	return 0;
}

static int send_zcb_pool(struct rc_gen *g, uint64_t stamp)
{
	cs_error_t err;
	void *buf;
	int ret;

	if (g->n_zfree > 0) {
		buf = g->zfree[--g->n_zfree];
	} else if (g->n_zalloc < g->o.zcb_pool) {
		ret = zcb_alloc(g, &buf);
		if (ret < 0)
			return ret;
		g->n_zalloc++;
	} else {
		g->cur.pool_waits++;	/* all out: one comes back with its delivery */
		return -EAGAIN;
	}
	rc_gen_data_fill(g, buf, g->next_seq, stamp);
	err = cpg_zcb_mcast_joined(g->h, g->o.guarantee, buf, g->size);
	if (err != CS_OK) {
		g->zfree[g->n_zfree++] = buf;
		return cs_to_ret(g, err, "cpg_zcb_mcast_joined");
	}
	g->zfly[g->zfly_head % g->o.zcb_pool] = (struct rc_gen_inflight){ buf, g->next_seq };
	g->zfly_head++;
	return 0;
}

/*
 * One data message stamped stamp (--clock ns; its CLOCK_MONOTONIC value is
 * stamp - stamp_offset). 0 sent, -EAGAIN not now (counted), -EIO failed.
 */
int rc_gen_send_data(struct rc_gen *g, uint64_t stamp)
{
	int ret;

	if (!g->o.zcb)
		ret = send_copy(g, stamp);
	else if (g->o.zcb_alloc_each)
		ret = send_zcb_each(g, stamp);
	else
		ret = send_zcb_pool(g, stamp);
	if (ret == 0) {
		if (rc_gen_history_on(g)) {
			uint64_t tail = tail_of(g->nodeid, g->pid, g->next_seq);

			rc_gen_history_send(g, g->next_seq, g->size, g->o.guarantee == CPG_TYPE_SAFE,
					    rc_gen_crc32c(g->crc_prefix, &tail, RC_GEN_TAIL), g->o.zcb);
		}
		sent_one(g, stamp - g->stamp_offset);
		g->blocked_since = 0;
	} else if (ret == -EAGAIN) {
		uint64_t now = rc_gen_now_ns();

		if (g->blocked_since == 0)
			g->blocked_since = now;
		else if (now - g->blocked_since > (uint64_t)(g->o.timeout_s * 1e9))
			rc_gen_fail(g, "no message accepted for %.1f s (CS_ERR_TRY_AGAIN%s)",
				 g->o.timeout_s, g->o.zcb && !g->o.zcb_alloc_each ?
				 ", or no zcb buffer came back" : "");
	}
	return ret;
}

/* A buffer's message came back: the buffer is ours again. */
static void zcb_back(struct rc_gen *g, uint64_t seq)
{
	while (g->zfly_tail != g->zfly_head) {
		struct rc_gen_inflight *f = &g->zfly[g->zfly_tail % g->o.zcb_pool];

		if (f->seq > seq)
			return;
		g->zfree[g->n_zfree++] = f->buf;
		g->zfly_tail++;
		if (f->seq == seq)
			return;
	}
}

/* Every zcb buffer back to the library (end of a step, or of the run). */
void rc_gen_zcb_release(struct rc_gen *g)
{
	while (g->zfly_tail != g->zfly_head) {
		g->zfree[g->n_zfree++] = g->zfly[g->zfly_tail % g->o.zcb_pool].buf;
		g->zfly_tail++;
	}
	while (g->n_zfree > 0)
		(void)cpg_zcb_free(g->h, g->zfree[--g->n_zfree]);
	g->n_zalloc = 0;
}

/* A control message, retried on CS_ERR_TRY_AGAIN for up to --timeout. */
int rc_gen_send_ctl(struct rc_gen *g, enum rc_gen_type type, const void *payload, size_t len)
{
	uint64_t deadline = rc_gen_now_ns() + (uint64_t)(g->o.timeout_s * 1e9);
	struct rc_gen_hdr hdr = {
		.magic = RC_GEN_MAGIC, .type = (uint8_t)type, .step = (uint8_t)g->step,
		.len = (uint32_t)(sizeof(hdr) + len), .nodeid = g->nodeid, .pid = g->pid,
	};
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)payload, .iov_len = len },
	};
	cs_error_t err;

	hdr.crc = rc_gen_crc32c(0, payload, len);
	for (;;) {
		err = cpg_mcast_joined(g->h, CPG_TYPE_AGREED, iov, 2);
		if (err == CS_OK)
			return 0;
		if (err != CS_ERR_TRY_AGAIN || type == RC_GEN_T_ABORT) {
			if (type != RC_GEN_T_ABORT)
				rc_gen_fail(g, "cpg_mcast_joined (control message %d): %s", type,
					 rc_gen_err(err));
			return -EIO;
		}
		if (rc_gen_now_ns() > deadline) {
			rc_gen_fail(g, "control message %d: CS_ERR_TRY_AGAIN for %.1f s", type,
				 g->o.timeout_s);
			return -ETIMEDOUT;
		}
		if (rc_gen_pump(g, 1000000) < 0)
			return -EIO;
	}
}

/* ---- receiving ---- */

static struct rc_gen_sender *sender_of(struct rc_gen *g, uint32_t nodeid, uint32_t pid)
{
	unsigned int i = g->last_sender;

	if (i < g->n_senders && g->senders[i].nodeid == nodeid && g->senders[i].pid == pid)
		return &g->senders[i];
	for (i = 0; i < g->n_senders; i++)
		if (g->senders[i].nodeid == nodeid && g->senders[i].pid == pid)
			return &g->senders[g->last_sender = i];
	if (g->n_senders == RC_GEN_MAX_SENDERS)
		return NULL;
	g->senders[g->n_senders] = (struct rc_gen_sender){ .nodeid = nodeid, .pid = pid };
	return &g->senders[g->last_sender = g->n_senders++];
}

static int peer_index(const struct rc_gen *g, uint32_t nodeid, uint32_t pid)
{
	for (unsigned int i = 0; i < g->n_peers; i++)
		if (g->peers[i].nodeid == nodeid && g->peers[i].pid == pid)
			return (int)i;
	return -1;
}

static bool participant(const struct rc_gen *g, uint32_t nodeid, uint32_t pid)
{
	int i = peer_index(g, nodeid, pid);

	return i >= 0 && (uint32_t)i < g->o.instances;
}

static void on_data(struct rc_gen *g, const struct rc_gen_hdr *hdr, const uint8_t *msg, size_t len,
		    uint64_t now)
{
	bool listen = g->o.role & RC_GEN_ROLE_LISTEN;
	struct rc_gen_sender *s;
	uint64_t key[2], tail, lat, stamp;
	bool own;

	if (!participant(g, hdr->nodeid, hdr->pid)) {
		rc_gen_note(g, ++g->cur.foreign, "data from %u/%u, not an instance of this run "
			 "(is something else using group %s?)", hdr->nodeid, hdr->pid, g->o.group);
		return;
	}
	if (len < RC_GEN_MIN_SIZE) {
		rc_gen_note(g, ++g->cur.format_errors, "%zu-byte data message from %u/%u", len,
			 hdr->nodeid, hdr->pid);
		return;
	}
	memcpy(&tail, msg + len - RC_GEN_TAIL, RC_GEN_TAIL);
	if (listen && rc_gen_crc32c(0, msg + sizeof(*hdr), len - sizeof(*hdr)) != hdr->crc)
		rc_gen_note(g, ++g->cur.crc_errors, "CRC error: %u/%u seq %" PRIu64 ", %zu bytes",
			 hdr->nodeid, hdr->pid, hdr->seq, len);
	else if (tail != tail_of(hdr->nodeid, hdr->pid, hdr->seq))
		rc_gen_note(g, ++g->cur.crc_errors, "check word of %u/%u seq %" PRIu64
			 " belongs to another message", hdr->nodeid, hdr->pid, hdr->seq);
	s = sender_of(g, hdr->nodeid, hdr->pid);
	if (s == NULL)
		return;
	{
		/* Its DONE came after all its data, in its order and so in the
		   agreed one: data after it is a duplicate or out of order, and
		   may come after this instance's RESULT, which would not count
		   it. */
		int i = peer_index(g, hdr->nodeid, hdr->pid);

		if (i >= 0 && g->peers[i].done && hdr->step == g->step)
			rc_gen_fail(g, "data from %u/%u (seq %" PRIu64 ") after its DONE",
				    hdr->nodeid, hdr->pid, hdr->seq);
	}
	if (hdr->seq != s->next_seq)
		rc_gen_note(g, ++g->cur.seq_errors, "seq error: %u/%u sent seq %" PRIu64
			 ", expected %" PRIu64 " (%s)", hdr->nodeid, hdr->pid, hdr->seq,
			 s->next_seq, hdr->seq > s->next_seq ? "loss or reorder"
							     : "duplicate or reorder");
	s->next_seq = hdr->seq + 1;
	key[0] = (uint64_t)hdr->nodeid << 32 | hdr->pid;
	key[1] = hdr->seq;
	g->order_hash = rc_gen_fnv1a(g->order_hash, key, sizeof(key));
	g->cur.rx_total++;

	if (hdr->nodeid == g->nodeid && hdr->pid == g->pid) {
		g->own_back = hdr->seq + 1;
		if (g->o.zcb && !g->o.zcb_alloc_each)
			zcb_back(g, hdr->seq);
		if (hdr->seq == g->ping_seq)
			g->ping_seq = UINT64_MAX;
	}
	own = hdr->nodeid == g->nodeid && hdr->pid == g->pid;
	if ((!listen && !own) || !g->have_start)
		return;
	stamp = g->o.clock == CLOCK_MONOTONIC ? now : rc_gen_clock_ns(g->o.clock);
	lat = stamp >= hdr->send_ns ? stamp - hdr->send_ns : 0;
	if (listen) {		/* the live line shows the warm-up too */
		g->iv_msgs++;
		g->iv_bytes += len;
		rc_gen_hist_add(&g->iv_lat, lat);
	}
	if (now < g->t_measure || now >= g->t_end)
		return;
	if (stamp < hdr->send_ns)
		g->cur.lat_negative++;
	if (own)
		rc_gen_hist_add(&g->cur.rtt, lat);
	if (!listen)
		return;
	g->cur.rx_msgs++;
	g->cur.rx_bytes += len;
	rc_gen_hist_add(&g->cur.lat, lat);
}

static void on_hello(struct rc_gen *g, const struct rc_gen_hdr *hdr, const struct rc_gen_hello *m)
{
	struct rc_gen_peer *p;

	if (peer_index(g, hdr->nodeid, hdr->pid) >= 0 || g->n_peers == RC_GEN_MAX_INSTANCES)
		return;
	p = &g->peers[g->n_peers];
	*p = (struct rc_gen_peer){ .nodeid = hdr->nodeid, .pid = hdr->pid, .role = m->role,
				.zcb = m->zcb };
	if (hdr->nodeid == g->nodeid && hdr->pid == g->pid) {
		g->me = (int)g->n_peers;
		if ((uint32_t)g->me >= g->o.instances)
			rc_gen_fail(g, "group %s already has its %u instances (a run is "
				    "going on?): use another --group", g->o.group,
				    g->o.instances);
	}
	g->n_peers++;
	if (g->o.verbose)
		fprintf(stderr, "ringcast-gen[%u]: hello from %u/%u (%s%s), %u/%u\n", g->pid,
			hdr->nodeid, hdr->pid, rc_gen_role_name(m->role), m->zcb ? ", zcb" : "",
			g->n_peers, g->o.instances);
	if (g->n_peers <= g->o.instances && m->opts_hash != g->opts_hash)
		rc_gen_fail(g, "instance %u/%u runs with other options (mode, sizes, duration, "
			 "warmup, rate, burst, guarantee, clock or instances differ)",
			 hdr->nodeid, hdr->pid);
}

static void on_start(struct rc_gen *g, const struct rc_gen_hdr *hdr, const struct rc_gen_start *m,
		     uint64_t now)
{
	bool in = false;

	if (m->step != g->step || m->n != g->o.instances || m->n > RC_GEN_MAX_INSTANCES) {
		rc_gen_fail(g, "start of step %u for %u instances from %u/%u; expected step %u "
			 "of %u", m->step, m->n, hdr->nodeid, hdr->pid, g->step, g->o.instances);
		return;
	}
	for (uint32_t i = 0; i < m->n; i++)
		if (m->who[i].nodeid == g->nodeid && m->who[i].pid == g->pid)
			in = true;
	if (!in) {
		rc_gen_fail(g, "group %s already has its %u instances (a run is going on): use "
			 "another --group", g->o.group, g->o.instances);
		return;
	}
	g->have_start = true;
	g->started_run = true;
	g->t_start = now;
	g->t_measure = now + (uint64_t)(g->o.warmup_s * 1e9);
	g->t_end = g->t_measure + (uint64_t)(g->o.duration_s * 1e9);
	g->phase = g->o.warmup_s > 0 ? RC_GEN_WARMUP : RC_GEN_MEASURE;
	if (g->o.verbose)
		fprintf(stderr, "ringcast-gen[%u]: start of step %u (%" PRIu64 " bytes)\n",
			g->pid, m->step, m->size);
}

static void on_done(struct rc_gen *g, const struct rc_gen_hdr *hdr, const struct rc_gen_done *m)
{
	int i = peer_index(g, hdr->nodeid, hdr->pid);
	struct rc_gen_sender *s;
	uint64_t got;

	if (i < 0 || (uint32_t)i >= g->o.instances || hdr->step != g->step)
		return;
	g->peers[i].done = true;
	g->peers[i].done_seq = m->next_seq;
	if (m->next_seq == 0)
		return;
	s = sender_of(g, hdr->nodeid, hdr->pid);
	got = s ? s->next_seq : 0;
	if (got < m->next_seq) {
		g->cur.lost += m->next_seq - got;
		rc_gen_note(g, g->cur.lost, "%u/%u sent %" PRIu64 " messages, the last "
			 "%" PRIu64 " never came", hdr->nodeid, hdr->pid, m->next_seq,
			 m->next_seq - got);
	} else if (got > m->next_seq) {
		rc_gen_note(g, ++g->cur.seq_errors, "%u/%u sent %" PRIu64 " messages but seq %"
			 PRIu64 " came", hdr->nodeid, hdr->pid, m->next_seq, got - 1);
	}
}

static void on_result(struct rc_gen *g, const struct rc_gen_hdr *hdr, const void *msg, size_t len)
{
	int i = peer_index(g, hdr->nodeid, hdr->pid);

	if (i < 0 || (uint32_t)i >= g->o.instances || hdr->step != g->step)
		return;
	if (len != sizeof(struct rc_gen_result)) {
		rc_gen_fail(g, "result of %u/%u is %zu bytes, expected %zu (another version?)",
			 hdr->nodeid, hdr->pid, len, sizeof(struct rc_gen_result));
		return;
	}
	memcpy(rc_gen_res(g, g->step, (unsigned int)i), msg, len);
	g->peers[i].have_result = true;
	for (uint32_t k = 0; k < g->o.instances; k++)
		if (!g->peers[k].have_result)
			return;
	/*
	 * The step is over everywhere. Move on here, not in the main loop: the
	 * next START may come in this same dispatch.
	 */
	g->steps_done = g->step + 1;
	if (g->steps_done < rc_gen_n_steps(g)) {
		g->step++;
		rc_gen_step_reset(g);
	}
}

/*
 * --history: a data message by its seq, anything else without one; the CRC
 * of what follows the header (the sender's S line has the same), or of the
 * whole message when it is shorter than a header.
 */
static void history_delivery(struct rc_gen *g, uint32_t nodeid, uint32_t pid, const uint8_t *msg,
			     size_t len)
{
	struct rc_gen_hdr hdr;

	if (len < sizeof(hdr)) {
		rc_gen_history_deliver(g, nodeid, pid, UINT64_MAX, len, rc_gen_crc32c(0, msg, len), 0);
		return;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	rc_gen_history_deliver(g, nodeid, pid, hdr.magic == RC_GEN_MAGIC &&
			       hdr.type == RC_GEN_T_DATA ? hdr.seq : UINT64_MAX, len,
			       rc_gen_crc32c(0, msg + sizeof(hdr), len - sizeof(hdr)),
			       hdr.flags & RC_GEN_F_SAFE ? 's' : 'a');
}

void rc_gen_deliver(struct rc_gen *g, uint32_t nodeid, uint32_t pid, const void *msg, size_t len)
{
	uint64_t now = rc_gen_now_ns();
	const uint8_t *p = msg;
	struct rc_gen_hdr hdr;
	size_t plen;

	if (g->o.mode == RC_GEN_SOAK) {
		rc_gen_soak_deliver(g, nodeid, pid, msg, len);
		return;
	}
	if (rc_gen_history_on(g))
		history_delivery(g, nodeid, pid, msg, len);

	if (len < sizeof(hdr)) {
		rc_gen_note(g, ++g->cur.format_errors, "%zu-byte message from %u/%u", len, nodeid,
			    pid);
		return;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	if (hdr.magic != RC_GEN_MAGIC || hdr.len != len || hdr.nodeid != nodeid || hdr.pid != pid) {
		rc_gen_note(g, ++g->cur.format_errors, "bad header from %u/%u (%zu bytes): magic "
			 "%08x len %u nodeid %u pid %u", nodeid, pid, len, hdr.magic, hdr.len,
			 hdr.nodeid, hdr.pid);
		return;
	}
	if (hdr.type == RC_GEN_T_DATA) {
		on_data(g, &hdr, p, len, now);
		return;
	}
	plen = len - sizeof(hdr);
	if (rc_gen_crc32c(0, p + sizeof(hdr), plen) != hdr.crc) {
		rc_gen_note(g, ++g->cur.crc_errors, "CRC error in control message %u from %u/%u",
			 hdr.type, nodeid, pid);
		return;
	}
	/* control messages: copied out, the delivered buffer may be unaligned */
	switch (hdr.type) {
	case RC_GEN_T_HELLO: {
		struct rc_gen_hello m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		on_hello(g, &hdr, &m);
		return;
	}
	case RC_GEN_T_START: {
		struct rc_gen_start m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		on_start(g, &hdr, &m, now);
		return;
	}
	case RC_GEN_T_DONE: {
		struct rc_gen_done m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		on_done(g, &hdr, &m);
		return;
	}
	case RC_GEN_T_RESULT:
		on_result(g, &hdr, p + sizeof(hdr), plen);
		return;
	case RC_GEN_T_ABORT: {
		struct rc_gen_abort m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		m.why[sizeof(m.why) - 1] = '\0';
		if (participant(g, nodeid, pid) && g->steps_done < rc_gen_n_steps(g))
			rc_gen_fail(g, "instance %u/%u gave up: %s", nodeid, pid, m.why);
		return;
	}
	}
	rc_gen_note(g, ++g->cur.format_errors, "control message %u from %u/%u: %zu bytes",
		 hdr.type, nodeid, pid, plen);
}

void rc_gen_deliver_cb(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
		    uint32_t pid, void *msg, size_t len)
{
	struct rc_gen *g = gen_of(h);

	if (g != NULL) {
		/* the linger's count: an instance of this run (another client
		   joining the group later is not ours to judge) */
		if (participant(g, nodeid, pid))
			g->deliveries++;
		rc_gen_deliver(g, nodeid, pid, msg, len);
	}
}

void rc_gen_confchg_cb(cpg_handle_t h, const struct cpg_name *group,
		    const struct cpg_address *memb, size_t n_memb,
		    const struct cpg_address *left, size_t n_left,
		    const struct cpg_address *joined, size_t n_joined)
{
	struct rc_gen *g = gen_of(h);
	int i;

	if (g == NULL)
		return;
	rc_gen_history_confchg(g, memb, n_memb, left, n_left, joined, n_joined);
	g->members = n_memb;
	g->soak_confchgs++;
	if (g->o.verbose)
		fprintf(stderr, "ringcast-gen[%u]: group %s: %zu members (+%zu -%zu)\n", g->pid,
			g->o.group, n_memb, n_joined, n_left);
	for (size_t k = 0; k < n_left; k++) {
		if (left[k].nodeid == g->nodeid && left[k].pid == g->pid)
			g->self_left = true;
		i = peer_index(g, left[k].nodeid, left[k].pid);
		if (i < 0 || (uint32_t)i >= g->o.instances)
			continue;
		g->peers[i].left = true;
		/* once the last results are in, the others may go */
		if (!g->finished && g->steps_done < rc_gen_n_steps(g) &&
		    !(left[k].nodeid == g->nodeid && left[k].pid == g->pid))
			rc_gen_fail(g, "instance %u/%u left the group before the end (reason %u)",
				 left[k].nodeid, left[k].pid, left[k].reason);
	}
}

void rc_gen_totem_cb(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n_members,
		  const uint32_t *members)
{
	struct rc_gen *g = gen_of(h);

	if (g != NULL)
		rc_gen_history_totem(g, ring.nodeid, ring.seq, members, n_members);
}

/* A new step: its numbers start from zero (the seq and order hash go on). */
void rc_gen_step_reset(struct rc_gen *g)
{
	struct rc_gen_result *r = &g->cur;

	memset(r, 0, sizeof(*r));
	rc_gen_hist_init(&r->lat);
	rc_gen_hist_init(&r->rtt);
	r->nodeid = g->nodeid;
	r->pid = g->pid;
	r->role = g->o.role;
	r->zcb = g->o.zcb;
	r->size = g->o.sizes[g->step];
	for (unsigned int i = 0; i < g->n_peers; i++)
		g->peers[i].done = g->peers[i].have_result = false;
	g->have_start = false;
	g->phase = RC_GEN_WAIT;
	g->t_start = g->t_measure = g->t_end = UINT64_MAX;
	g->ping_seq = UINT64_MAX;
	g->iv_msgs = g->iv_bytes = g->iv_sent = g->iv_retries = 0;
	g->blocked_since = 0;
	rc_gen_hist_init(&g->iv_lat);
}
