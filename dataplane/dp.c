/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane lcore: rx burst -> Totem engine -> tx burst, timers, the
 * adaptive idle policy, the stats snapshot and the test hook. All state is
 * one struct allocated on the port's NUMA socket; only the lcore writes it,
 * except the fields marked as written by other threads (atomics).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include <ringcast/cpgmsg.h>
#include <ringcast/hash.h>
#include <ringcast/shm.h>
#include <ringcast/wire.h>

#include "dp.h"
#include "dp_int.h"

#define PAUSE_FLUSH_BURSTS	4096	/* after a pause, at most this many bursts dropped */

/* ---- tx ---- */

static void tx_flush(struct rc_dp *dp)
{
	uint16_t sent = 0;

	while (sent < dp->ntx) {
		uint16_t n = rte_eth_tx_burst(dp->p.port, 0, dp->tx + sent, dp->ntx - sent);

		if (n == 0)
			break;
		sent += n;
	}
	if (sent < dp->ntx) {
		dp->st.tx_drops += dp->ntx - sent;
		rte_pktmbuf_free_bulk(dp->tx + sent, dp->ntx - sent);
	}
	dp->ntx = 0;
}

static const struct rte_ether_addr *mac_of(const struct rc_dp *dp, uint32_t nodeid)
{
	for (uint32_t i = 0; i < RC_TOTEM_MAX_NODES && dp->macs[i].nodeid; i++)
		if (dp->macs[i].nodeid == nodeid)
			return &dp->macs[i].mac;
	return NULL;
}

static void mac_learn(struct rc_dp *dp, uint32_t nodeid, const struct rte_ether_addr *mac)
{
	uint32_t i;

	for (i = 0; i < RC_TOTEM_MAX_NODES && dp->macs[i].nodeid; i++)
		if (dp->macs[i].nodeid == nodeid)
			break;
	if (i == RC_TOTEM_MAX_NODES) {
		i = nodeid % RC_TOTEM_MAX_NODES;	/* full: reuse a slot */
		dp->macs[i].frames = 0;
	}
	if (dp->macs[i].nodeid != nodeid)
		dp->macs[i].frames = 0;
	dp->macs[i].nodeid = nodeid;
	rte_ether_addr_copy(mac, &dp->macs[i].mac);
	dp->macs[i].last_rx = dp->now;
	dp->macs[i].frames++;
}

/*
 * An mbuf holding the Ethernet header and the shim for a frame of
 * frame_len bytes, with `room` bytes after them for the caller to fill;
 * NULL (counted as a tx drop) when there is none.
 */
static struct rte_mbuf *frame_mbuf(struct rc_dp *dp, uint32_t dst, size_t frame_len,
				   size_t room, uint8_t **data)
{
	const struct rte_ether_addr *to = dst ? mac_of(dp, dst) : NULL;
	struct rte_ether_hdr *eh;
	struct rc_wire_shim shim;
	struct rte_mbuf *m;
	uint8_t *p;

	m = rte_pktmbuf_alloc(dp->mp);
	p = m ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(HDR_LEN + room)) : NULL;
	if (!p) {
		rte_pktmbuf_free(m);
		dp->st.tx_drops++;
		return NULL;
	}
	eh = (struct rte_ether_hdr *)p;
	rte_ether_addr_copy(to ? to : &dp->group, &eh->dst_addr);
	rte_ether_addr_copy(&dp->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(dp->p.ethertype);
	shim.dst = htole32(dst);
	shim.len = htole32((uint32_t)frame_len);
	memcpy(p + sizeof(*eh), &shim, sizeof(shim));
	*data = p + HDR_LEN;
	return m;
}

static void tx_queue(struct rc_dp *dp, struct rte_mbuf *m)
{
	dp->tx[dp->ntx++] = m;
	if (dp->ntx == RC_DP_BURST)
		tx_flush(dp);
}

/* One frame of hdr|data, sealed into a single mbuf (encrypted: data is read once). */
static void send_sealed(struct rc_dp *dp, uint32_t dst, const void *hdr, size_t hdr_len,
			const void *data, size_t data_len)
{
	size_t len = RC_WIRE_AUTH_OVERHEAD + hdr_len + data_len;
	struct rte_mbuf *m;
	uint8_t *p;

	m = frame_mbuf(dp, dst, len, len, &p);
	if (!m)
		return;
	if (rc_auth_seal(dp->auth, hdr, hdr_len, data, data_len, true, p) < 0) {
		rte_pktmbuf_free(m);
		dp->st.tx_drops++;
		return;
	}
	tx_queue(dp, m);
}

static void op_send(void *priv, uint32_t dst, const void *frame, size_t len)
{
	send_sealed(priv, dst, frame, len, NULL, 0);
}

/*
 * A frame whose payload lies in a trusted client's region (the engine's
 * zero-copy mode, client_io.c): the headers are sealed into an mbuf, and
 * the payload follows as a chain attached from the region (rc_zc_chain: a
 * segment per page it touches, each at its page's IOVA), counted on the
 * region's shared info, so the region outlives every mbuf that points into
 * it. In MAC mode the tag covers the client's bytes where they lie;
 * encrypted (AEAD), not a client's, or more segments than the port takes,
 * the frame is one sealed copy.
 */
static void op_send_zc(void *priv, uint32_t dst, const void *hdr, size_t hdr_len,
		       const void *data, size_t data_len)
{
	struct rc_dp *dp = priv;
	struct rc_dp_client *c;
	struct rte_mbuf *m, *x;
	uint8_t *p;
	int ret;

	c = rc_auth_mode_get(dp->auth) == RC_AUTH_MODE_AEAD ? NULL :
	    rc_dp_clients_zc(dp, data, data_len);
	ret = c ? rc_zc_chain(dp->mp, &c->zr, data, (uint32_t)data_len, &c->shinfo,
			      dp->zc_max_segs, &x) : -ENOENT;
	if (ret == -ENOMEM) {
		dp->st.tx_drops++;
		return;
	}
	if (ret < 0) {
		send_sealed(dp, dst, hdr, hdr_len, data, data_len);
		return;
	}
	m = frame_mbuf(dp, dst, RC_WIRE_AUTH_OVERHEAD + hdr_len + data_len,
		       RC_WIRE_AUTH_OVERHEAD + hdr_len, &p);
	if (!m) {
		rte_pktmbuf_free(x);	/* gives its counts on the region back */
		return;
	}
	if (rc_auth_seal(dp->auth, hdr, hdr_len, data, data_len, false, p) < 0 ||
	    rte_pktmbuf_chain(m, x) < 0) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(x);
		dp->st.tx_drops++;
		return;
	}
	dp->st.zc_frames++;
	tx_queue(dp, m);
}

/* ---- engine callbacks ---- */

/* A test-hook message: a CPG message of INJECT_GROUP. */
static bool is_inject(const uint8_t *b, size_t len)
{
	size_t hl = RC_CPG_HDR_LEN(sizeof(INJECT_GROUP) - 1);

	return len >= hl && b[0] == RC_CPG_MAGIC && b[1] == RC_CPG_MCAST &&
	       b[2] == sizeof(INJECT_GROUP) - 1 && b[3] == 0 &&
	       !memcmp(b + sizeof(struct rc_cpg_hdr), INJECT_GROUP, sizeof(INJECT_GROUP) - 1);
}

static void op_deliver(void *priv, const struct rc_srp_msg_info *info,
		       const void *msg, size_t len)
{
	struct rc_dp *dp = priv;
	const uint8_t *b = msg;
	size_t hl = RC_CPG_HDR_LEN(sizeof(INJECT_GROUP) - 1);
	uint64_t h;

	/* a recovered delivery belongs to the transitional configuration:
	   its SAFE guarantee covers that configuration's members only */
	dp->rx_flags = (info->guarantee == RC_GUARANTEE_SAFE ? RC_SHM_RX_F_SAFE : 0) |
		       (info->recovered ? RC_SHM_RX_F_TRANSITIONAL : 0);
	rc_dp_clients_deliver(dp, info->sender, msg, len);
	dp->rx_flags = 0;
	if (!is_inject(b, len))
		return;
	/* FNV-1a over the test stream's (sender, length, bytes): equal digests,
	   equal streams. */
	{
		uint32_t sender = info->sender;
		uint64_t n = len - hl;

		h = dp->digest ? dp->digest : RC_FNV1A64_OFFSET;
		h = rc_fnv1a64(h, &sender, sizeof(sender));
		h = rc_fnv1a64(h, &n, sizeof(n));
		h = rc_fnv1a64(h, b + hl, n);
	}
	dp->digest = h;
	dp->delivered++;

	/* Test messages carry (nodeid, seq, time queued): our own give a latency. */
	if (info->sender == dp->me && len >= hl + 16) {
		uint64_t t;

		memcpy(&t, b + hl + 8, sizeof(t));
		if (t && t <= dp->now) {
			uint64_t d = dp->now - t;

			dp->lat_hist[d ? 63 - __builtin_clzll(d) : 0]++;
		}
	}
}

static void op_sent(void *priv, void *cookie)
{
	struct rc_dp *dp = priv;

	if (!rc_dp_clients_sent(dp, cookie))
		dp->inject_outstanding--;	/* a test-hook message */
}

static void post(struct rc_dp *dp, struct rc_dp_event *ev)
{
	/* A full ring drops the event; the snapshot still tells the state. */
	rte_ring_enqueue_elem(dp->events, ev, sizeof(*ev));
	dp->ev_wake = true;
}

/* The control thread sleeps until events or gone clients wait (ev_evfd). */
static void events_wake(struct rc_dp *dp)
{
	uint64_t one = 1;

	if (!dp->ev_wake)
		return;
	dp->ev_wake = false;
	if (write(dp->ev_evfd, &one, sizeof(one)) < 0)
		dp->st.memb_drops++;	/* EAGAIN: saturated, readable anyway */
}

static void op_confchg(void *priv, const struct rc_confchg *c)
{
	struct rc_dp *dp = priv;
	struct rc_dp_event ev = { .type = RC_DP_EV_CONFCHG, .c = *c };

	if (c->type == RC_CONF_REGULAR) {
		dp->n_members = c->n_members;
		memcpy(dp->members, c->members, c->n_members * sizeof(c->members[0]));
	}
	post(dp, &ev);
	rc_dp_clients_confchg(dp, c);
}

/*
 * To the membership half on the control thread. Frames may be dropped (as
 * the network may lose them): a frame of another ring, only a hint that
 * there is one and often one of many, once the ring is half full; any frame
 * once it is three quarters full. The last quarter is kept for FROZEN,
 * OPERATIONAL and FAIL_RECV, which answer a command or a ring change and are
 * never dropped: the membership half waits for FROZEN.
 */
static void op_evt(void *priv, const struct rc_xmsg *e)
{
	struct rc_dp *dp = priv;
	uint8_t ft = e->u.frame.type;
	unsigned int used = rte_ring_count(dp->to_memb);
	bool hint = ft != RC_FT_JOIN && ft != RC_FT_COMMIT && ft != RC_FT_MERGE;

	if (e->type == RC_X_FRAME &&
	    (used > MEMB_RING * 3 / 4 || (hint && used > MEMB_RING / 2))) {
		dp->st.memb_drops++;
		return;
	}
	if (rte_ring_enqueue_elem(dp->to_memb, (void *)(uintptr_t)e, sizeof(*e)) < 0)
		dp->st.memb_drops++;
	dp->memb_wake = true;
}

static void memb_commands(struct rc_dp *dp)
{
	while (rte_ring_dequeue_elem(dp->to_ord, &dp->xcmd, sizeof(dp->xcmd)) == 0)
		rc_ord_command(dp->ord, &dp->xcmd, dp->now);
}

static void memb_wake(struct rc_dp *dp)
{
	uint64_t one = 1;

	/* last_token before polled: whoever sees this polled sees that token */
	__atomic_store_n(&dp->last_token, rc_ord_last_token(dp->ord), __ATOMIC_RELAXED);
	__atomic_store_n(&dp->polled, dp->now, __ATOMIC_RELEASE);
	events_wake(dp);
	if (!dp->memb_wake)
		return;
	dp->memb_wake = false;
	if (write(dp->memb_evfd, &one, sizeof(one)) < 0)
		dp->st.memb_drops++;	/* EAGAIN: the counter is saturated, it wakes anyway */
}

/* ---- pauses ---- */

/*
 * The lcore was not running for `gap` (stopped, descheduled, stalled): what
 * the port queued meanwhile is old news, as corosync flushes its socket after
 * a pause; dropping it is loss, which the ring repairs (the token and data
 * are retransmitted). Everything is dropped, not only membership frames:
 * a LEAVE is itself a membership (JOIN) frame, so sparing the others would
 * save nothing that matters. The membership half is told, to draw its
 * conclusions again, and the control thread logs it. Client messages are
 * not touched.
 */
static void lcore_paused(struct rc_dp *dp, uint64_t gap)
{
	struct rte_mbuf *pkts[RC_DP_BURST];
	struct rc_dp_event ev = { .type = RC_DP_EV_PAUSE, .gap_ns = gap };
	struct rc_xmsg x;
	uint32_t k = 0;
	uint16_t n;

	do {
		n = rte_eth_rx_burst(dp->p.port, 0, pkts, RC_DP_BURST);
		rte_pktmbuf_free_bulk(pkts, n);
		ev.flushed += n;
	} while (n && ++k < PAUSE_FLUSH_BURSTS);
	dp->st.pauses++;
	dp->st.pause_flushed += ev.flushed;
	post(dp, &ev);
	memset(&x, 0, sizeof(x));
	x.type = RC_X_PAUSED;
	x.u.gap_ns = gap;
	op_evt(dp, &x);
}

/* The test hook: stop polling, as a stuck lcore would. */
static void stall_hook(struct rc_dp *dp)
{
	uint32_t ms = __atomic_exchange_n(&dp->stall_req, 0, __ATOMIC_ACQ_REL);
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	if (ms)
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
}

int rc_dp_stall(struct rc_dp *dp, uint32_t ms)
{
	if (!dp->p.test_hooks)
		return -EPERM;
	if (ms == 0 || ms > 60000)
		return -EINVAL;
	__atomic_store_n(&dp->stall_req, ms, __ATOMIC_RELEASE);
	rc_dp_bell(dp);
	return 0;
}

/* ---- rx ---- */

/* A frame failed authentication: the control thread logs it, at most once a period. */
static void auth_report(struct rc_dp *dp, const struct rc_auth_bad *bad,
			const struct rte_ether_addr *mac)
{
	struct rc_dp_event ev = { .type = RC_DP_EV_AUTH };
	uint64_t drops[RC_AUTH_DROPS_];

	if (dp->auth_reported[bad->drop] &&
	    dp->now - dp->auth_reported[bad->drop] < AUTH_REPORT_NS)
		return;
	dp->auth_reported[bad->drop] = dp->now;
	rc_auth_drops(dp->auth, drops);
	ev.auth.drop = (int)bad->drop;
	ev.auth.sender = bad->sender;
	ev.auth.version = bad->version;
	ev.auth.mode = bad->mode;
	rte_ether_addr_copy(mac, &ev.auth.mac);
	ev.auth.total = drops[bad->drop];
	post(dp, &ev);
}

static void rx_one(struct rc_dp *dp, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	struct rc_auth_rx rx;
	struct rc_auth_bad bad;
	struct rc_wire_shim shim;
	uint8_t *p;
	uint32_t len;

	if (m->pkt_len < HDR_LEN || m->data_len != m->pkt_len) {
		dp->st.rx_runt++;
		return;
	}
	p = rte_pktmbuf_mtod(m, uint8_t *);
	eh = (const struct rte_ether_hdr *)p;
	if (eh->ether_type != rte_cpu_to_be_16(dp->p.ethertype)) {
		dp->st.rx_not_mine++;
		return;
	}
	/* Another cluster's group (allmulticast or promiscuous mode lets it
	   in), or a unicast to another port: not ours, and dropped before it
	   costs a decryption or counts as a forgery (two clusters on one
	   segment, with one key or two, filled bad_auth on each other). */
	if (!rte_is_same_ether_addr(&eh->dst_addr, &dp->group) &&
	    !rte_is_same_ether_addr(&eh->dst_addr, &dp->mac) &&
	    !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
		dp->st.rx_not_mine++;
		return;
	}
	memcpy(&shim, p + sizeof(*eh), sizeof(shim));
	if (shim.dst && le32toh(shim.dst) != dp->me) {
		dp->st.rx_not_mine++;
		return;
	}
	len = le32toh(shim.len);
	if (len > m->pkt_len - HDR_LEN) {
		dp->st.rx_runt++;
		return;
	}
	p += HDR_LEN;
	/* Nothing past the envelope is read before it verifies. */
	if (rc_auth_open(dp->auth, p, len, &rx, &bad) < 0) {
		auth_report(dp, &bad, &eh->src_addr);
		return;
	}
	if (rc_ord_recv(dp->ord, rx.body, rx.body_len, dp->now) < 0)
		return;
	/* Learn where a node is only from authentic frames the engine accepted,
	   and from their transmitter (a retransmission names its originator),
	   and only from its newest: an older frame never seen here (dropped
	   while this lcore was paused, say) is no replay to the window, and
	   sent again from another port it would move the node there, and its
	   token with it, until the node's next frame. */
	if (rx.newest)
		mac_learn(dp, rx.sender, &eh->src_addr);
}

/* ---- key rotation ---- */

/* A request of rc_dp_key: carried out here, on the lcore, which owns dp->auth. */
static void key_command(struct rc_dp *dp, uint32_t seq)
{
	uint32_t missing = 0;
	int ret;

	switch (dp->key_op) {
	case RC_DP_KEY_ADD:
		ret = rc_auth_key_add(dp->auth, dp->key_prk);
		break;
	case RC_DP_KEY_USE:
		ret = rc_auth_key_use(dp->auth, dp->members, dp->n_members, &missing);
		break;
	case RC_DP_KEY_RETIRE:
		ret = rc_auth_key_retire(dp->auth, dp->members, dp->n_members, &missing);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	memset(dp->key_prk, 0, sizeof(dp->key_prk));
	{
		/* for the log: who changed the keys, and to what */
		struct rc_dp_event ev = { .type = RC_DP_EV_KEY };
		struct rc_auth_key_status st;

		rc_auth_key_status(dp->auth, &st);
		ev.key = (struct rc_dp_key_event){
			.op = dp->key_op, .ret = ret, .missing = missing,
			.tx_id = st.tx_id, .newest_id = st.newest_id, .other_id = st.other_id,
		};
		post(dp, &ev);
	}
	dp->key_ret = ret;
	dp->key_missing = missing;
	dp->key_seen = seq;
	/* pairs with the acquire in rc_dp_key */
	__atomic_store_n(&dp->key_done, seq, __ATOMIC_RELEASE);
}

/* ---- test hook and snapshot ---- */

/* Test messages are CPG messages of INJECT_GROUP, pid 0: no client joins it. */
static void inject_pump(struct rc_dp *dp)
{
	uint32_t req = __atomic_exchange_n(&dp->inject_req, 0, __ATOMIC_ACQUIRE);
	uint32_t size = __atomic_load_n(&dp->inject_size, __ATOMIC_RELAXED);
	struct rc_cpg_hdr ch = {
		.magic = RC_CPG_MAGIC,
		.type = RC_CPG_MCAST,
		.name_len = sizeof(INJECT_GROUP) - 1,
	};
	size_t hl = RC_CPG_HDR_LEN(ch.name_len);

	dp->inject_left += req;
	while (dp->inject_left && dp->inject_outstanding < RC_DP_INJECT_BUFS) {
		uint8_t *b = dp->inject_buf +
			     (size_t)(dp->inject_seq % RC_DP_INJECT_BUFS) * RC_DP_INJECT_BUF;
		uint32_t hdr[4] = { dp->me, dp->inject_seq };

		memcpy(b, &ch, sizeof(ch));
		memcpy(b + sizeof(ch), INJECT_GROUP, ch.name_len);
		memcpy(&hdr[2], &dp->now, sizeof(dp->now));
		memcpy(b + hl, hdr, size < sizeof(hdr) ? size : sizeof(hdr));
		for (uint32_t i = sizeof(hdr); i < size; i++)
			b[hl + i] = (uint8_t)(dp->inject_seq + i);
		if (rc_ord_mcast_pre(dp->ord, NULL, 0, b, hl + size, RC_GUARANTEE_AGREED, false,
				     NULL, dp->now) < 0)
			break;
		dp->inject_seq++;
		dp->inject_outstanding++;
		dp->inject_left--;
	}
}

static void publish(struct rc_dp *dp)
{
	struct rc_dp_snapshot *s = &dp->snap;
	struct rc_srp_stats st;

	rc_ord_stats_get(dp->ord, &st);
	if (dp->now - dp->last_second >= 1000000000ull) {
		dp->st.frames_per_s = st.frames_rx + st.frames_tx - dp->sec_base.frames_rx -
				      dp->sec_base.frames_tx;
		dp->st.bytes_per_s = st.bytes_rx + st.bytes_tx - dp->sec_base.bytes_rx -
				     dp->sec_base.bytes_tx;
		dp->st.tokens_per_s = st.tokens_rx - dp->sec_base.tokens_rx;
		dp->st.rotations_per_s = st.rotations - dp->sec_base.rotations;
		dp->sec_base = st;
		dp->last_second = dp->now;
	}
	dp->st.clients = dp->n_clients;
	rte_seqlock_write_lock(&dp->lock);
	s->st = st;
	s->dp = dp->st;
	rc_auth_drops(dp->auth, s->bad_auth);
	s->n_floors = rc_auth_floor_get(dp->auth, s->floors, RC_AUTH_MAX_NODES);
	rc_auth_key_status(dp->auth, &s->keys);
	s->delivered = dp->delivered;
	s->digest = dp->digest;
	memcpy(s->lat_hist, dp->lat_hist, sizeof(s->lat_hist));
	rc_cpgd_stats_get(dp->cpgd, &s->cpg);
	s->n_peers = 0;
	for (uint32_t i = 0; i < RC_TOTEM_MAX_NODES && dp->macs[i].nodeid; i++) {
		struct rc_dp_peer *p = &s->peers[s->n_peers++];

		p->nodeid = dp->macs[i].nodeid;
		memcpy(p->mac, dp->macs[i].mac.addr_bytes, sizeof(p->mac));
		p->last_rx_ns = dp->macs[i].last_rx;
		p->frames_rx = dp->macs[i].frames;
	}
	rte_seqlock_write_unlock(&dp->lock);
	dp->last_publish = dp->now;
}

/*
 * Adaptive: spin idle_spin times, yield the core as many times, then sleep
 * in the kernel (sleep.c) until something needs the lcore: a client that
 * gives work, the control thread, a frame where the port has a socket
 * (rc_dp_wakes_on_frames), or the next timer, which is the engine's next
 * deadline, the next snapshot, or token_timeout / 8 (the membership half
 * judges token loss by how far the lcore has looked, rc_dp_polled). A port
 * without a socket cannot wake it: there it sleeps idle_sleep_us, doubled
 * while the port stays quiet, up to twice that, and never past
 * token_timeout / 8 (rc_dp_idle_poll_sleep_ns). On a shared core this keeps
 * idle daemons from taking the CPU their peers need; on a dedicated one,
 * `idle: busy` never sleeps.
 */
static void idle(struct rc_dp *dp, uint32_t *empty, uint64_t deadline)
{
	uint32_t n = ++*empty, spin = dp->p.idle_spin, quiet;
	uint64_t sleep_ns = dp->p.totem.token_timeout_ns / 8;
	uint64_t next_publish = dp->last_publish + PUBLISH_NS;

	if (dp->p.idle == RC_IDLE_BUSY || n < spin || deadline <= dp->now) {
		rte_pause();
		return;
	}
	if (n < 2 * spin) {
		sched_yield();
		return;
	}
	if (dp->port_fd < 0) {
		/* the token sleeps out one such wait at every node it visits:
		   a rotation's worth stays under half the token timeout */
		uint64_t cap = dp->n_members > 4 ?
			       dp->p.totem.token_timeout_ns / (2 * dp->n_members) : sleep_ns;

		quiet = n - 2 * spin;
		sleep_ns = rc_dp_idle_poll_sleep_ns(dp->p.idle_sleep_us, quiet, cap);
	}
	if (next_publish > dp->now && next_publish - dp->now < sleep_ns)
		sleep_ns = next_publish - dp->now;
	if (deadline - dp->now < sleep_ns)
		sleep_ns = deadline - dp->now;
	if (sleep_ns && !rc_dp_sleep(dp, sleep_ns))
		*empty = 0;	/* a client has work after all */
}

int rc_dp_run(void *arg)
{
	struct rc_dp *dp = arg;
	struct rte_mbuf *pkts[RC_DP_BURST];
	struct rc_dp_event ev = { .type = RC_DP_EV_STOPPED };
	uint64_t deadline, t, gap;
	uint32_t empty = 0, lim;

	/* Idle sleeps of tens of microseconds: the default 50 us slack would double them. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	dp->now = rc_dp_now_ns();
	dp->last_second = dp->now;
	deadline = rc_ord_next_deadline(dp->ord);
	/* acquire: the leave queued before the stop is seen by the drain below */
	while (!__atomic_load_n(&dp->stop, __ATOMIC_ACQUIRE)) {
		uint16_t n;
		bool work, clients;

		stall_hook(dp);
		t = rc_dp_now_ns();
		/* Descheduled, or a long pass: what a shared core costs (idle sleeps too). */
		if (t - dp->now > dp->st.max_gap_ns)
			dp->st.max_gap_ns = t - dp->now;
		gap = t - dp->now;
		dp->now = t;
		if (gap > dp->slept + dp->p.totem.token_timeout_ns / 2)
			lcore_paused(dp, gap - dp->slept);
		dp->slept = 0;
		memb_commands(dp);
		/* A new ring's limit holds from its install (not its regular
		   configuration, after recovery): clients learn it then, so
		   fewer sends made under the old one are refused silently. */
		if (rc_ord_ring_mtu(dp->ord) != dp->ring_mtu)
			rc_dp_batch_room_set(dp, rc_ord_ring_mtu(dp->ord));
		lim = rc_ord_msg_limit(dp->ord);
		if (lim != dp->ring_limit) {
			dp->ring_limit = lim;
			rc_dp_max_msg_publish(dp, lim);
		}
		{
			/* pairs with the release in rc_dp_key */
			uint32_t seq = __atomic_load_n(&dp->key_seq, __ATOMIC_ACQUIRE);

			if (seq != dp->key_seen)
				key_command(dp, seq);
		}
		n = rte_eth_rx_burst(dp->p.port, 0, pkts, RC_DP_BURST);
		for (uint16_t i = 0; i < n; i++) {
			rx_one(dp, pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
		if (dp->inject_left || __atomic_load_n(&dp->inject_req, __ATOMIC_RELAXED))
			inject_pump(dp);
		clients = rc_dp_clients_poll(dp);
		if (dp->now >= deadline)
			rc_ord_timer(dp->ord, dp->now);
		deadline = rc_ord_next_deadline(dp->ord);
		work = n || dp->ntx || dp->inject_left || clients;
		tx_flush(dp);
		memb_wake(dp);
		if (dp->now - dp->last_publish >= PUBLISH_NS)
			publish(dp);
		if (work)
			empty = 0;
		else
			idle(dp, &empty, deadline);
	}
	/* The control thread queued the leave before it asked us to stop. */
	dp->now = rc_dp_now_ns();
	memb_commands(dp);
	tx_flush(dp);
	rc_dp_clients_stop(dp);
	publish(dp);
	/* before the event, which a full ring would drop: the control thread
	   reads this flag whenever it drains (at least once a second) */
	__atomic_store_n(&dp->stopped, 1, __ATOMIC_RELEASE);
	post(dp, &ev);
	events_wake(dp);
	return 0;
}

/* ---- control side ---- */

void rc_dp_stop(struct rc_dp *dp)
{
	__atomic_store_n(&dp->stop, 1, __ATOMIC_RELEASE);
	rc_dp_bell(dp);
}

bool rc_dp_stopped(struct rc_dp *dp)
{
	/* pairs with the release at the end of rc_dp_run */
	return __atomic_load_n(&dp->stopped, __ATOMIC_ACQUIRE) != 0;
}

void rc_dp_snapshot_read(struct rc_dp *dp, struct rc_dp_snapshot *s)
{
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&dp->lock);
		*s = dp->snap;
	} while (rte_seqlock_read_retry(&dp->lock, sn));
}

unsigned int rc_dp_events(struct rc_dp *dp, struct rc_dp_event *ev, unsigned int n)
{
	return rte_ring_dequeue_burst_elem(dp->events, ev, sizeof(*ev), n, NULL);
}

int rc_dp_inject(struct rc_dp *dp, uint32_t count, uint32_t size)
{
	if (!dp->inject_buf)
		return -EPERM;
	if (size > RC_DP_INJECT_MAX)
		return -EMSGSIZE;
	__atomic_store_n(&dp->inject_size, size, __ATOMIC_RELAXED);
	__atomic_fetch_add(&dp->inject_req, count, __ATOMIC_RELEASE);
	rc_dp_bell(dp);
	return 0;
}

int rc_dp_key(struct rc_dp *dp, enum rc_dp_key_op op, const uint8_t prk[RC_AUTH_PRK_LEN],
	      uint32_t *missing)
{
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
	uint64_t t0 = rc_dp_now_ns();
	uint32_t seq;
	int ret = -ETIMEDOUT;

	pthread_mutex_lock(&one);
	seq = __atomic_load_n(&dp->key_seq, __ATOMIC_RELAXED);
	/* A request that timed out may not be carried out yet: the lcore
	   still reads key_op and key_prk (and then clears key_prk), so they
	   are not written again until it is done. Pairs with the release in
	   key_command. */
	if (__atomic_load_n(&dp->key_done, __ATOMIC_ACQUIRE) != seq) {
		pthread_mutex_unlock(&one);
		return -EINPROGRESS;
	}
	seq++;
	dp->key_op = (int)op;
	if (prk)
		memcpy(dp->key_prk, prk, RC_AUTH_PRK_LEN);
	/* pairs with the acquire on the lcore */
	__atomic_store_n(&dp->key_seq, seq, __ATOMIC_RELEASE);
	rc_dp_bell(dp);
	while (rc_dp_now_ns() - t0 < 2000000000ull) {
		/* pairs with the release in key_command */
		if (__atomic_load_n(&dp->key_done, __ATOMIC_ACQUIRE) == seq) {
			ret = dp->key_ret;
			*missing = dp->key_missing;
			break;
		}
		usleep(1000);
	}
	pthread_mutex_unlock(&one);
	return ret;
}

int rc_dp_memb_fd(struct rc_dp *dp)
{
	return dp->memb_evfd;
}

int rc_dp_events_fd(struct rc_dp *dp)
{
	return dp->ev_evfd;
}

unsigned int rc_dp_memb_events(struct rc_dp *dp, struct rc_xmsg *e, unsigned int n)
{
	return rte_ring_dequeue_burst_elem(dp->to_memb, e, sizeof(*e), n, NULL);
}

int rc_dp_memb_cmd(struct rc_dp *dp, const struct rc_xmsg *c)
{
	if (rte_ring_enqueue_elem(dp->to_ord, (void *)(uintptr_t)c, sizeof(*c)) < 0)
		return -ENOBUFS;
	rc_dp_bell(dp);
	return 0;
}

uint64_t rc_dp_last_token(struct rc_dp *dp)
{
	return __atomic_load_n(&dp->last_token, __ATOMIC_RELAXED);
}

uint64_t rc_dp_polled(struct rc_dp *dp)
{
	return __atomic_load_n(&dp->polled, __ATOMIC_ACQUIRE);
}

static void memb_free(struct rc_dp *dp)
{
	rte_ring_free(dp->to_ord);
	rte_ring_free(dp->to_memb);
	if (dp->memb_evfd >= 0)
		close(dp->memb_evfd);
	if (dp->ev_evfd >= 0)
		close(dp->ev_evfd);
}

int rc_dp_create(const struct rc_dp_params *p, int socket, struct rc_dp **out)
{
	struct rc_ord_ops ops = {
		.send = op_send,
		.deliver = op_deliver,
		.sent = op_sent,
		.confchg = op_confchg,
		.evt = op_evt,
	};
	/* + 128: a software port's own frame headers (af_packet's ring frames
	   are sized for netmtu, rc_config_port_devargs, and must fit an mbuf) */
	uint32_t room = p->totem.srp.netmtu + RC_WIRE_AUTH_OVERHEAD + HDR_LEN +
			RTE_PKTMBUF_HEADROOM + 128;
	struct rc_dp *dp;
	uint16_t max_segs;
	int ret;

	dp = rte_zmalloc_socket("rc_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE, socket);
	if (!dp)
		return -ENOMEM;
	dp->p = *p;
	dp->me = p->totem.srp.nodeid;
	dp->memb_evfd = -1;
	dp->ev_evfd = -1;
	dp->epfd = dp->bell_fd = dp->lcore_fd = dp->port_fd = -1;
	ops.evt_priv = dp;
	rte_seqlock_init(&dp->lock);
	if (p->test_hooks) {
		dp->inject_buf = rte_malloc_socket("rc_inject", (size_t)RC_DP_INJECT_BUFS *
						   RC_DP_INJECT_BUF, RTE_CACHE_LINE_SIZE, socket);
		if (!dp->inject_buf) {
			rte_free(dp);
			return -ENOMEM;
		}
	}
	if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	dp->mp = rte_pktmbuf_pool_create("rc_mbuf", 8191, 256, 0, (uint16_t)room, socket);
	ret = -rte_errno;
	if (!dp->mp)
		goto free_dp;
	dp->events = rte_ring_create_elem("rc_events", sizeof(struct rc_dp_event), EVENTS,
					  socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	ret = -rte_errno;
	if (!dp->events)
		goto free_pool;
	dp->to_ord = rte_ring_create_elem("rc_to_ord", sizeof(struct rc_xmsg), MEMB_RING,
					  socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp->to_memb = rte_ring_create_elem("rc_to_memb", sizeof(struct rc_xmsg), MEMB_RING,
					   socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp->memb_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dp->ev_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = dp->memb_evfd < 0 || dp->ev_evfd < 0 ? -errno : -ENOMEM;
	if (!dp->to_ord || !dp->to_memb || dp->memb_evfd < 0 || dp->ev_evfd < 0)
		goto free_ring;
	ret = rc_port_setup(p->port, 1024, dp->mp, p->zero_copy,
			    p->totem.srp.netmtu + RC_DP_SHIM + RC_WIRE_AUTH_OVERHEAD, &dp->mac,
			    &max_segs);
	if (ret < 0)
		goto free_ring;
	/* Without chained frames a zero-copy frame would be copied whole
	   (the engine's scratch): clients' messages are copied and packed.
	   The headers take one segment, the payload the rest. */
	dp->zc_port = max_segs >= 2;
	dp->zc_max_segs = (uint16_t)(max_segs - 1);
	dp->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	if (dp->zc_port)
		ops.send_zc = op_send_zc;
	/* Locally administered group address derived from the cluster id. */
	dp->group.addr_bytes[0] = 0x03;
	dp->group.addr_bytes[1] = 0x52;		/* 'R' */
	dp->group.addr_bytes[2] = (uint8_t)(p->cluster_id >> 24);
	dp->group.addr_bytes[3] = (uint8_t)(p->cluster_id >> 16);
	dp->group.addr_bytes[4] = (uint8_t)(p->cluster_id >> 8);
	dp->group.addr_bytes[5] = (uint8_t)p->cluster_id;
	ret = rc_auth_create(&p->auth, &dp->auth);
	if (ret < 0)
		goto stop_port;
	ret = rc_ord_create(&p->totem, &ops, dp, &dp->ord);
	if (ret < 0)
		goto destroy_auth;
	ret = rc_dp_sleep_create(dp);
	if (ret < 0)
		goto destroy_sleep;
	ret = rc_dp_clients_create(dp, socket);
	if (ret < 0)
		goto destroy_sleep;
	*out = dp;
	return 0;

destroy_sleep:
	rc_dp_sleep_destroy(dp);
	rc_ord_destroy(dp->ord);
destroy_auth:
	rc_auth_destroy(dp->auth);
stop_port:
	rte_eth_dev_stop(p->port);
free_ring:
	memb_free(dp);
	rte_ring_free(dp->events);
free_pool:
	rte_mempool_free(dp->mp);
free_dp:
	rte_free(dp->inject_buf);
	rte_free(dp);
	return ret;
}

void rc_dp_destroy(struct rc_dp *dp)
{
	if (!dp)
		return;
	rc_dp_clients_destroy(dp);
	rc_dp_sleep_destroy(dp);
	rc_ord_destroy(dp->ord);
	rc_auth_destroy(dp->auth);
	rte_eth_dev_stop(dp->p.port);
	rte_eth_dev_close(dp->p.port);
	memb_free(dp);
	rte_ring_free(dp->events);
	rte_mempool_free(dp->mp);
	rte_free(dp->inject_buf);
	rte_free(dp);
}
