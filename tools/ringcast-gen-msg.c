/*
 * ringcast-gen's messages: building data messages, sending them (copy or
 * zcb), the deliver and confchg callbacks, and the checks on every delivery.
 *
 * A data message of size S:
 *
 *   | gen_hdr (40) | pattern (S - 48) | tail (8) |
 *
 * The pattern is fixed per (sender, size) and its CRC32C is computed once
 * (crc_prefix); the tail is mix(nodeid, pid, seq), so each message's CRC is
 * crc_prefix continued over 8 bytes. Receivers check the whole CRC, the tail
 * against the header, the header against the delivered nodeid, pid and
 * length, and each sender's seq going up by exactly one.
 *
 * zcb buffers: with ringcast a buffer belongs to the library from
 * cpg_zcb_mcast_joined until the message is delivered back to its sender;
 * corosync copies at once. So a sent buffer waits in a FIFO (zfly) and is
 * free again only when this process sees its own message delivered: right
 * under both libraries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "ringcast-gen.h"

static struct gen *gen_of(cpg_handle_t h)
{
	void *ctx = NULL;

	if (cpg_context_get(h, &ctx) != CS_OK)
		return NULL;
	return ctx;
}

static uint64_t tail_of(uint32_t nodeid, uint32_t pid, uint64_t seq)
{
	return gen_mix64(((uint64_t)nodeid << 32 | pid) ^ gen_mix64(seq));
}

/* ---- building ---- */

/* The template for size: a pattern only this sender uses. */
int gen_tmpl_build(struct gen *g, size_t size)
{
	uint64_t x = gen_mix64(((uint64_t)g->nodeid << 32 | g->pid) ^ size);
	size_t i, end = size - GEN_TAIL;
	uint8_t *t;

	t = realloc(g->tmpl, size);
	if (t == NULL)
		return -ENOMEM;
	g->tmpl = t;
	memset(t, 0, sizeof(struct gen_hdr));
	for (i = sizeof(struct gen_hdr); i + 8 <= end; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(t + i, &x, 8);
	}
	for (; i < end; i++)
		t[i] = (uint8_t)(x >> (8 * (i & 7)));
	memset(t + end, 0, GEN_TAIL);
	g->crc_prefix = gen_crc32c(0, t + sizeof(struct gen_hdr), end - sizeof(struct gen_hdr));
	g->size = size;
	return 0;
}

/* Header and tail of data message seq in buf (its pattern already there). */
void gen_data_fill(struct gen *g, uint8_t *buf, uint64_t seq, uint64_t stamp)
{
	uint64_t tail = tail_of(g->nodeid, g->pid, seq);
	struct gen_hdr hdr = {
		.magic = GEN_MAGIC, .type = GEN_T_DATA, .step = (uint8_t)g->step,
		.len = (uint32_t)g->size, .seq = seq, .send_ns = stamp,
		.nodeid = g->nodeid, .pid = g->pid,
	};

	memcpy(buf + g->size - GEN_TAIL, &tail, GEN_TAIL);
	hdr.crc = gen_crc32c(g->crc_prefix, &tail, GEN_TAIL);
	memcpy(buf, &hdr, sizeof(hdr));
}

/* ---- sending ---- */

static void sent_one(struct gen *g, uint64_t stamp_mono)
{
	g->next_seq++;
	g->cur.sent_total++;
	if (stamp_mono >= g->t_measure && stamp_mono < g->t_end)
		g->cur.sent++;
}

static int cs_to_ret(struct gen *g, cs_error_t err, const char *what)
{
	if (err == CS_ERR_TRY_AGAIN) {
		g->cur.retries++;
		return -EAGAIN;
	}
	gen_fail(g, "%s (message %" PRIu64 ", %zu bytes): %s", what, g->next_seq, g->size,
		 gen_err(err));
	return -EIO;
}

static int send_copy(struct gen *g, uint64_t stamp)
{
	struct iovec iov = { .iov_base = g->tmpl, .iov_len = g->size };
	cs_error_t err;

	gen_data_fill(g, g->tmpl, g->next_seq, stamp);
	err = cpg_mcast_joined(g->h, g->o.guarantee, &iov, 1);
	return err == CS_OK ? 0 : cs_to_ret(g, err, "cpg_mcast_joined");
}

static int zcb_alloc(struct gen *g, void **buf)
{
	cs_error_t err = cpg_zcb_alloc(g->h, g->size, buf);

	if (err == CS_OK) {
		memcpy(*buf, g->tmpl, g->size);
		return 0;
	}
	if (err == CS_ERR_NO_MEMORY)	/* corosync: no room for another mapping yet */
		err = CS_ERR_TRY_AGAIN;
	return cs_to_ret(g, err, "cpg_zcb_alloc");
}

static int send_zcb_each(struct gen *g, uint64_t stamp)
{
	cs_error_t err, ferr;
	void *buf;
	int ret;

	ret = zcb_alloc(g, &buf);
	if (ret < 0)
		return ret;
	gen_data_fill(g, buf, g->next_seq, stamp);
	err = cpg_zcb_mcast_joined(g->h, g->o.guarantee, buf, g->size);
	/* the library keeps a sent buffer until it is done with it */
	ferr = cpg_zcb_free(g->h, buf);
	if (err != CS_OK)
		return cs_to_ret(g, err, "cpg_zcb_mcast_joined");
	if (ferr != CS_OK)
		return cs_to_ret(g, ferr, "cpg_zcb_free");
	return 0;
}

static int send_zcb_pool(struct gen *g, uint64_t stamp)
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
	gen_data_fill(g, buf, g->next_seq, stamp);
	err = cpg_zcb_mcast_joined(g->h, g->o.guarantee, buf, g->size);
	if (err != CS_OK) {
		g->zfree[g->n_zfree++] = buf;
		return cs_to_ret(g, err, "cpg_zcb_mcast_joined");
	}
	g->zfly[g->zfly_head % g->o.zcb_pool] = (struct gen_inflight){ buf, g->next_seq };
	g->zfly_head++;
	return 0;
}

/*
 * One data message stamped stamp (--clock ns; its CLOCK_MONOTONIC value is
 * stamp - stamp_offset). 0 sent, -EAGAIN not now (counted), -EIO failed.
 */
int gen_send_data(struct gen *g, uint64_t stamp)
{
	int ret;

	if (!g->o.zcb)
		ret = send_copy(g, stamp);
	else if (g->o.zcb_alloc_each)
		ret = send_zcb_each(g, stamp);
	else
		ret = send_zcb_pool(g, stamp);
	if (ret == 0) {
		sent_one(g, stamp - g->stamp_offset);
		g->blocked_since = 0;
	} else if (ret == -EAGAIN) {
		uint64_t now = gen_now_ns();

		if (g->blocked_since == 0)
			g->blocked_since = now;
		else if (now - g->blocked_since > (uint64_t)(g->o.timeout_s * 1e9))
			gen_fail(g, "no message accepted for %.1f s (CS_ERR_TRY_AGAIN%s)",
				 g->o.timeout_s, g->o.zcb && !g->o.zcb_alloc_each ?
				 ", or no zcb buffer came back" : "");
	}
	return ret;
}

/* A buffer's message came back: the buffer is ours again. */
static void zcb_back(struct gen *g, uint64_t seq)
{
	while (g->zfly_tail != g->zfly_head) {
		struct gen_inflight *f = &g->zfly[g->zfly_tail % g->o.zcb_pool];

		if (f->seq > seq)
			return;
		g->zfree[g->n_zfree++] = f->buf;
		g->zfly_tail++;
		if (f->seq == seq)
			return;
	}
}

/* Every zcb buffer back to the library (end of a step, or of the run). */
void gen_zcb_release(struct gen *g)
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
int gen_send_ctl(struct gen *g, enum gen_type type, const void *payload, size_t len)
{
	uint64_t deadline = gen_now_ns() + (uint64_t)(g->o.timeout_s * 1e9);
	struct gen_hdr hdr = {
		.magic = GEN_MAGIC, .type = (uint8_t)type, .step = (uint8_t)g->step,
		.len = (uint32_t)(sizeof(hdr) + len), .nodeid = g->nodeid, .pid = g->pid,
	};
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)payload, .iov_len = len },
	};
	cs_error_t err;

	hdr.crc = gen_crc32c(0, payload, len);
	for (;;) {
		err = cpg_mcast_joined(g->h, CPG_TYPE_AGREED, iov, 2);
		if (err == CS_OK)
			return 0;
		if (err != CS_ERR_TRY_AGAIN || type == GEN_T_ABORT) {
			if (type != GEN_T_ABORT)
				gen_fail(g, "cpg_mcast_joined (control message %d): %s", type,
					 gen_err(err));
			return -EIO;
		}
		if (gen_now_ns() > deadline) {
			gen_fail(g, "control message %d: CS_ERR_TRY_AGAIN for %.1f s", type,
				 g->o.timeout_s);
			return -ETIMEDOUT;
		}
		if (gen_pump(g, 1000000) < 0)
			return -EIO;
	}
}

/* ---- receiving ---- */

static struct gen_sender *sender_of(struct gen *g, uint32_t nodeid, uint32_t pid)
{
	static unsigned int last;
	unsigned int i;

	if (last < g->n_senders && g->senders[last].nodeid == nodeid &&
	    g->senders[last].pid == pid)
		return &g->senders[last];
	for (i = 0; i < g->n_senders; i++)
		if (g->senders[i].nodeid == nodeid && g->senders[i].pid == pid)
			return &g->senders[last = i];
	if (g->n_senders == GEN_MAX_SENDERS)
		return NULL;
	g->senders[g->n_senders] = (struct gen_sender){ .nodeid = nodeid, .pid = pid };
	return &g->senders[last = g->n_senders++];
}

static int peer_index(const struct gen *g, uint32_t nodeid, uint32_t pid)
{
	for (unsigned int i = 0; i < g->n_peers; i++)
		if (g->peers[i].nodeid == nodeid && g->peers[i].pid == pid)
			return (int)i;
	return -1;
}

static bool participant(const struct gen *g, uint32_t nodeid, uint32_t pid)
{
	int i = peer_index(g, nodeid, pid);

	return i >= 0 && (uint32_t)i < g->o.instances;
}

static void on_data(struct gen *g, const struct gen_hdr *hdr, const uint8_t *msg, size_t len,
		    uint64_t now)
{
	bool listen = g->o.role & GEN_ROLE_LISTEN;
	struct gen_sender *s;
	uint64_t key[2], tail, lat, stamp;

	if (!participant(g, hdr->nodeid, hdr->pid)) {
		gen_note(g, ++g->cur.foreign, "data from %u/%u, not an instance of this run "
			 "(is something else using group %s?)", hdr->nodeid, hdr->pid, g->o.group);
		return;
	}
	if (len < GEN_MIN_SIZE) {
		gen_note(g, ++g->cur.format_errors, "%zu-byte data message from %u/%u", len,
			 hdr->nodeid, hdr->pid);
		return;
	}
	memcpy(&tail, msg + len - GEN_TAIL, GEN_TAIL);
	if (listen && gen_crc32c(0, msg + sizeof(*hdr), len - sizeof(*hdr)) != hdr->crc)
		gen_note(g, ++g->cur.crc_errors, "CRC error: %u/%u seq %" PRIu64 ", %zu bytes",
			 hdr->nodeid, hdr->pid, hdr->seq, len);
	else if (tail != tail_of(hdr->nodeid, hdr->pid, hdr->seq))
		gen_note(g, ++g->cur.crc_errors, "check word of %u/%u seq %" PRIu64
			 " belongs to another message", hdr->nodeid, hdr->pid, hdr->seq);
	s = sender_of(g, hdr->nodeid, hdr->pid);
	if (s == NULL)
		return;
	if (hdr->seq != s->next_seq)
		gen_note(g, ++g->cur.seq_errors, "seq error: %u/%u sent seq %" PRIu64
			 ", expected %" PRIu64 " (%s)", hdr->nodeid, hdr->pid, hdr->seq,
			 s->next_seq, hdr->seq > s->next_seq ? "loss or reorder"
							     : "duplicate or reorder");
	s->next_seq = hdr->seq + 1;
	key[0] = (uint64_t)hdr->nodeid << 32 | hdr->pid;
	key[1] = hdr->seq;
	g->order_hash = gen_fnv1a(g->order_hash, key, sizeof(key));
	g->cur.rx_total++;

	if (hdr->nodeid == g->nodeid && hdr->pid == g->pid) {
		g->own_back = hdr->seq + 1;
		if (g->o.zcb && !g->o.zcb_alloc_each)
			zcb_back(g, hdr->seq);
		if (hdr->seq == g->ping_seq)
			g->ping_seq = UINT64_MAX;
	}
	if (!listen && !(hdr->nodeid == g->nodeid && hdr->pid == g->pid))
		return;
	if (now < g->t_measure || now >= g->t_end || !g->have_start)
		return;
	stamp = g->o.clock == CLOCK_MONOTONIC ? now : gen_clock_ns(g->o.clock);
	if (stamp >= hdr->send_ns) {
		lat = stamp - hdr->send_ns;
	} else {
		lat = 0;
		g->cur.lat_negative++;
	}
	if (hdr->nodeid == g->nodeid && hdr->pid == g->pid)
		gen_hist_add(&g->cur.rtt, lat);
	if (!listen)
		return;
	g->cur.rx_msgs++;
	g->cur.rx_bytes += len;
	gen_hist_add(&g->cur.lat, lat);
	g->iv_msgs++;
	g->iv_bytes += len;
	gen_hist_add(&g->iv_lat, lat);
}

static void on_hello(struct gen *g, const struct gen_hdr *hdr, const struct gen_hello *m)
{
	struct gen_peer *p;

	if (peer_index(g, hdr->nodeid, hdr->pid) >= 0 || g->n_peers == GEN_MAX_INSTANCES)
		return;
	p = &g->peers[g->n_peers];
	*p = (struct gen_peer){ .nodeid = hdr->nodeid, .pid = hdr->pid, .role = m->role,
				.zcb = m->zcb };
	if (hdr->nodeid == g->nodeid && hdr->pid == g->pid) {
		g->me = (int)g->n_peers;
		if ((uint32_t)g->me >= g->o.instances)
			gen_fail(g, "group %s already has its %u instances (a run is going on?): "
				 "use another --group", g->o.group, g->o.instances);
	}
	g->n_peers++;
	if (g->o.verbose)
		fprintf(stderr, "ringcast-gen[%u]: hello from %u/%u (%s%s), %u/%u\n", g->pid,
			hdr->nodeid, hdr->pid, gen_role_name(m->role), m->zcb ? ", zcb" : "",
			g->n_peers, g->o.instances);
	if (g->n_peers <= g->o.instances && m->opts_hash != g->opts_hash)
		gen_fail(g, "instance %u/%u runs with other options (mode, sizes, duration, "
			 "warmup, rate, burst, guarantee, clock or instances differ)",
			 hdr->nodeid, hdr->pid);
}

static void on_start(struct gen *g, const struct gen_hdr *hdr, const struct gen_start *m,
		     uint64_t now)
{
	bool in = false;

	if (m->step != g->step || m->n != g->o.instances || m->n > GEN_MAX_INSTANCES) {
		gen_fail(g, "start of step %u for %u instances from %u/%u; expected step %u "
			 "of %u", m->step, m->n, hdr->nodeid, hdr->pid, g->step, g->o.instances);
		return;
	}
	for (uint32_t i = 0; i < m->n; i++)
		if (m->who[i].nodeid == g->nodeid && m->who[i].pid == g->pid)
			in = true;
	if (!in) {
		gen_fail(g, "group %s already has its %u instances (a run is going on): use "
			 "another --group", g->o.group, g->o.instances);
		return;
	}
	g->have_start = true;
	g->started_run = true;
	g->t_start = now;
	g->t_measure = now + (uint64_t)(g->o.warmup_s * 1e9);
	g->t_end = g->t_measure + (uint64_t)(g->o.duration_s * 1e9);
	g->phase = g->o.warmup_s > 0 ? GEN_WARMUP : GEN_MEASURE;
	if (g->o.verbose)
		fprintf(stderr, "ringcast-gen[%u]: start of step %u (%" PRIu64 " bytes)\n",
			g->pid, m->step, m->size);
}

static void on_done(struct gen *g, const struct gen_hdr *hdr, const struct gen_done *m)
{
	int i = peer_index(g, hdr->nodeid, hdr->pid);
	struct gen_sender *s;
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
		gen_note(g, g->cur.lost, "%u/%u sent %" PRIu64 " messages, the last "
			 "%" PRIu64 " never came", hdr->nodeid, hdr->pid, m->next_seq,
			 m->next_seq - got);
	} else if (got > m->next_seq) {
		gen_note(g, ++g->cur.seq_errors, "%u/%u sent %" PRIu64 " messages but seq %"
			 PRIu64 " came", hdr->nodeid, hdr->pid, m->next_seq, got - 1);
	}
}

static void on_result(struct gen *g, const struct gen_hdr *hdr, const void *msg, size_t len)
{
	int i = peer_index(g, hdr->nodeid, hdr->pid);

	if (i < 0 || (uint32_t)i >= g->o.instances || hdr->step != g->step)
		return;
	if (len != sizeof(struct gen_result)) {
		gen_fail(g, "result of %u/%u is %zu bytes, expected %zu (another version?)",
			 hdr->nodeid, hdr->pid, len, sizeof(struct gen_result));
		return;
	}
	memcpy(gen_res(g, g->step, (unsigned int)i), msg, len);
	g->peers[i].have_result = true;
	for (uint32_t k = 0; k < g->o.instances; k++)
		if (!g->peers[k].have_result)
			return;
	/*
	 * The step is over everywhere. Move on here, not in the main loop: the
	 * next START may come in this same dispatch.
	 */
	g->steps_done = g->step + 1;
	if (g->steps_done < gen_n_steps(g)) {
		g->step++;
		gen_step_reset(g);
	}
}

void gen_deliver(struct gen *g, uint32_t nodeid, uint32_t pid, const void *msg, size_t len)
{
	uint64_t now = gen_now_ns();
	const uint8_t *p = msg;
	struct gen_hdr hdr;
	size_t plen;

	if (len < sizeof(hdr)) {
		gen_note(g, ++g->cur.format_errors, "%zu-byte message from %u/%u", len, nodeid, pid);
		return;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	if (hdr.magic != GEN_MAGIC || hdr.len != len || hdr.nodeid != nodeid || hdr.pid != pid) {
		gen_note(g, ++g->cur.format_errors, "bad header from %u/%u (%zu bytes): magic "
			 "%08x len %u nodeid %u pid %u", nodeid, pid, len, hdr.magic, hdr.len,
			 hdr.nodeid, hdr.pid);
		return;
	}
	if (hdr.type == GEN_T_DATA) {
		on_data(g, &hdr, p, len, now);
		return;
	}
	plen = len - sizeof(hdr);
	if (gen_crc32c(0, p + sizeof(hdr), plen) != hdr.crc) {
		gen_note(g, ++g->cur.crc_errors, "CRC error in control message %u from %u/%u",
			 hdr.type, nodeid, pid);
		return;
	}
	/* control messages: copied out, the delivered buffer may be unaligned */
	switch (hdr.type) {
	case GEN_T_HELLO: {
		struct gen_hello m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		on_hello(g, &hdr, &m);
		return;
	}
	case GEN_T_START: {
		struct gen_start m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		on_start(g, &hdr, &m, now);
		return;
	}
	case GEN_T_DONE: {
		struct gen_done m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		on_done(g, &hdr, &m);
		return;
	}
	case GEN_T_RESULT:
		on_result(g, &hdr, p + sizeof(hdr), plen);
		return;
	case GEN_T_ABORT: {
		struct gen_abort m;

		if (plen != sizeof(m))
			break;
		memcpy(&m, p + sizeof(hdr), sizeof(m));
		m.why[sizeof(m.why) - 1] = '\0';
		if (participant(g, nodeid, pid) && g->steps_done < gen_n_steps(g))
			gen_fail(g, "instance %u/%u gave up: %s", nodeid, pid, m.why);
		return;
	}
	}
	gen_note(g, ++g->cur.format_errors, "control message %u from %u/%u: %zu bytes",
		 hdr.type, nodeid, pid, plen);
}

void gen_deliver_cb(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
		    uint32_t pid, void *msg, size_t len)
{
	struct gen *g = gen_of(h);

	if (g != NULL)
		gen_deliver(g, nodeid, pid, msg, len);
}

void gen_confchg_cb(cpg_handle_t h, const struct cpg_name *group,
		    const struct cpg_address *memb, size_t n_memb,
		    const struct cpg_address *left, size_t n_left,
		    const struct cpg_address *joined, size_t n_joined)
{
	struct gen *g = gen_of(h);
	int i;

	if (g == NULL)
		return;
	g->members = n_memb;
	if (g->o.verbose)
		fprintf(stderr, "ringcast-gen[%u]: group %s: %zu members (+%zu -%zu)\n", g->pid,
			g->o.group, n_memb, n_joined, n_left);
	for (size_t k = 0; k < n_left; k++) {
		i = peer_index(g, left[k].nodeid, left[k].pid);
		if (i < 0 || (uint32_t)i >= g->o.instances)
			continue;
		g->peers[i].left = true;
		/* once the last results are in, the others may go */
		if (!g->finished && g->steps_done < gen_n_steps(g) &&
		    !(left[k].nodeid == g->nodeid && left[k].pid == g->pid))
			gen_fail(g, "instance %u/%u left the group before the end (reason %u)",
				 left[k].nodeid, left[k].pid, left[k].reason);
	}
}

/* A new step: its numbers start from zero (the seq and order hash go on). */
void gen_step_reset(struct gen *g)
{
	struct gen_result *r = &g->cur;

	memset(r, 0, sizeof(*r));
	gen_hist_init(&r->lat);
	gen_hist_init(&r->rtt);
	r->nodeid = g->nodeid;
	r->pid = g->pid;
	r->role = g->o.role;
	r->zcb = g->o.zcb;
	r->size = g->o.sizes[g->step];
	for (unsigned int i = 0; i < g->n_peers; i++)
		g->peers[i].done = g->peers[i].have_result = false;
	g->have_start = false;
	g->phase = GEN_WAIT;
	g->t_start = g->t_measure = g->t_end = UINT64_MAX;
	g->ping_seq = UINT64_MAX;
	g->iv_msgs = g->iv_bytes = g->iv_sent = g->iv_retries = 0;
	g->blocked_since = 0;
	gen_hist_init(&g->iv_lat);
}
