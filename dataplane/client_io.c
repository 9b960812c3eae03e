/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Clients on the lcore: takes mcasts from each client's tx ring into the
 * Totem engine, answers its requests, and writes what the CPG group table
 * delivers into its rx ring. Every region is hostile: each shared index,
 * offset and length is read once into lcore memory and checked; a client
 * that breaks the layout, or stops dispatching until its rx area is full,
 * is disconnected (PROCDOWN for its group) and the others carry on. The
 * steps on the region itself, and their memory orderings, are the daemon's
 * side in <ringcast/shm_daemon.h>, shared with the unit tests' fake daemon.
 *
 *   control: attach(slot) --cmds--> lcore ... lcore --gone--> control: unmap
 * A slot is reported gone only once the engine holds none of its buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_memory.h>
#include <rte_ring_elem.h>

#include <ringcast/cpgmsg.h>
#include <ringcast/shm_daemon.h>
#include <ringcast/shm_layout.h>
#include <ringcast/shm_room.h>

#include "dp_int.h"

#define COOKIE_CLIENT	(1ull << 63)
#define COOKIE_BATCH	(1ull << 62)	/* | the batch's buffer (malloc'd) */
#define COOKIE_SLOT_SHIFT 48
#define BATCH_MAX	256	/* client messages in one MCAST_BATCH, at most */
_Static_assert(BATCH_MAX <= RC_CPG_BATCH_MAX, "receivers take our batches");
#define CMDS		(2 * RC_DP_MAX_CLIENTS)
#define BELL_READS	64	/* doorbell messages read per wake-up, at most */
#define BELL_FDS	16	/* descriptors a peek installs, at most (more:
				   MSG_CTRUNC; the queued message keeps them) */

enum cmd_type {
	CMD_ATTACH = 1,
	CMD_DETACH,
};

struct cmd {
	uint32_t type;
	uint32_t pad_;
	struct rc_dp_client_attach a;
};

static const char *const gone_str[] = {
#define X(e, words) [e] = words,
	RC_DP_GONE_REASONS(X)
#undef X
};

const char *rc_dp_gone_reason_str(int reason)
{
	if (reason < 0 || reason >= (int)(sizeof(gone_str) / sizeof(gone_str[0])))
		return "unknown";
	return gone_str[reason];
}

/* ---- leaving ---- */

/* The control thread may free the slot's region. The ring holds
   RC_DP_MAX_CLIENTS * 2 and a slot is gone once per attach. */
static void post_gone(struct rc_dp *dp, uint32_t slot, int reason)
{
	struct rc_dp_client_gone g = { .slot = slot, .reason = reason };

	/* before the control thread may close the socket */
	if (dp->clients[slot].watched) {
		rc_dp_sleep_unwatch(dp, dp->clients[slot].wake_fd);
		dp->clients[slot].watched = false;
	}
	rte_ring_enqueue_elem(dp->gone, &g, sizeof(g));
	dp->ev_wake = true;
}

/* A slot becomes used and joins the live list, or leaves both (the last
   entry takes its place: rc_dp_clients_poll walks the list backwards). */
static void live_add(struct rc_dp *dp, uint32_t slot)
{
	struct rc_dp_client *c = &dp->clients[slot];

	c->used = true;
	c->live_at = (uint16_t)dp->n_clients;
	dp->live[dp->n_clients++] = (uint16_t)slot;
}

static void live_remove(struct rc_dp *dp, uint32_t slot)
{
	struct rc_dp_client *c = &dp->clients[slot];

	c->used = false;
	dp->live[c->live_at] = dp->live[--dp->n_clients];
	dp->clients[dp->live[c->live_at]].live_at = c->live_at;
}

static void maybe_gone(struct rc_dp *dp, uint32_t slot)
{
	struct rc_dp_client *c = &dp->clients[slot];

	/* detach_pending: the group table has not been told (PROCDOWN) yet;
	   detach_pending() clears it, then comes back here */
	if (!c->used || !c->dying || c->detach_pending || c->inflight)
		return;		/* the engine still reads the region */
	if (rte_mbuf_ext_refcnt_read(&c->shinfo) != 1) {
		/* A NIC frees sent mbufs only when its tx ring wraps: on a
		   quiet ring, never. Ask it to, at most once a millisecond
		   (-ENOTSUP: the next sends free them). */
		if (dp->now - dp->tx_cleanup_at >= 1000000) {
			dp->tx_cleanup_at = dp->now;
			(void)rte_eth_tx_done_cleanup(dp->p.port, 0, 0);
		}
		if (rte_mbuf_ext_refcnt_read(&c->shinfo) != 1)
			return;	/* the port still reads the region */
	}
	/* a client let go whose queue all went out: the engine and the port
	   are done with it too, now; say so before the socket closes (not
	   after a stop, which dropped what the engine held) */
	if (c->drained && c->reason != RC_DP_GONE_STOPPED) {
		rc_shmd_drained(&c->shm);
		rc_shm_room_wake(c->shm.h);
	}
	live_remove(dp, slot);
	post_gone(dp, slot, c->reason);
}

static void kick(struct rc_dp *dp, uint32_t slot, int reason)
{
	struct rc_dp_client *c = &dp->clients[slot];

	if (!c->used || c->dying)
		return;
	c->dying = true;
	c->detach_pending = true;	/* may be inside a group-table callback */
	c->reason = reason;
	if (reason != RC_DP_GONE_DETACHED && reason != RC_DP_GONE_STOPPED)
		dp->st.client_kicks++;
}

/*
 * Let the client go, gently: it closed its connection, or stopped reading
 * (reason). What it queued (each send got CS_OK) still goes out, up to the
 * tx head rc_shmd_tx_close fixes now and tells the client, which finds out
 * from it whether its last send is in (shm.h, "Closing"); nothing is
 * delivered to it any more; then it leaves its group (PROCDOWN) like any
 * client that is gone. A kick, for a client that broke the layout, drops
 * its queue instead.
 */
static void drain(struct rc_dp *dp, uint32_t slot, int reason)
{
	struct rc_dp_client *c = &dp->clients[slot];

	if (!c->used || c->dying || c->draining)
		return;
	c->drain_head = rc_shmd_tx_close(&c->shm);
	c->draining = true;
	c->reason = reason;
	c->wake = true;		/* a dispatcher asleep learns it now (libcpg) */
}

/* Outside any group-table callback: PROCDOWN, then free once idle. */
static void detach_pending(struct rc_dp *dp, uint32_t slot)
{
	dp->clients[slot].detach_pending = false;
	rc_cpgd_detach(dp->cpgd, slot);
	maybe_gone(dp, slot);
}

/* ---- rings ---- */

static void comp_push(struct rc_dp_client *c, uint64_t off)
{
	rc_shmd_comp_push(&c->shm, off);
	c->room = true;
}

/* A closing (draining) client may read its completions no more: does one
   fit now? (A tail out of range: no; it is going anyway.) */
static bool comp_fits(struct rc_dp_client *c)
{
	int64_t used = rc_shmd_comp_used(&c->shm);

	return used >= 0 && (uint64_t)used <= c->shm.comp_mask;
}

/* The buffer at off is the client's again: a closing client's completion
   goes only where it fits (shm.h, "Closing"), never waited for. */
static void comp_give(struct rc_dp_client *c, uint64_t off)
{
	if (!c->draining || comp_fits(c))
		comp_push(c, off);
}

static void rx_commit(struct rc_dp_client *c, uint64_t pos, size_t len, uint16_t type)
{
	rc_shmd_rx_commit(&c->shm, pos, len, type);
	c->wake = true;
	c->delivered++;
}

static struct rc_dp_client *live(struct rc_dp *dp, uint32_t slot)
{
	struct rc_dp_client *c = &dp->clients[slot];

	return slot < RC_DP_MAX_CLIENTS && c->used && !c->dying && !c->draining ? c : NULL;
}

/*
 * Room for an rx record of len bytes for slot: the client, the record's
 * position in *pos (it may wrap the area's end: rc_shmd_rx_write), or NULL
 * (gone, or kicked now: indexes out of range, or its rx area full).
 */
static struct rc_dp_client *rx_begin(struct rc_dp *dp, uint32_t slot, size_t len, uint64_t *pos)
{
	struct rc_dp_client *c = live(dp, slot);
	int ret;

	if (!c)
		return NULL;
	/* The tails once a pass, at its first record for the client (a client
	   that wrote them wrong is gone at its next delivery); otherwise only
	   when the ones last read leave no room. */
	ret = c->rx_checked != dp->now ? rc_shmd_rx_tails(&c->shm) : 0;
	c->rx_checked = dp->now;
	/* Whole where it fits (the client dispatches it in place); wrapped
	   only where skipping to the area's start would not fit (a client
	   holding one message of half the area unread): libcpg copies a
	   wrapped record once more. */
	if (ret == 0)
		ret = rc_shmd_rx_reserve(&c->shm, len, true, pos);
	if (ret == -ENOBUFS)
		ret = rc_shmd_rx_reserve(&c->shm, len, false, pos);
	if (ret == -EPROTO) {
		kick(dp, slot, RC_DP_GONE_BAD_RX);
		return NULL;
	}
	if (ret < 0) {
		/* it stopped reading: let it go, but what it queued (every
		   send that returned CS_OK) still goes out first */
		drain(dp, slot, RC_DP_GONE_BACKLOG);
		return NULL;
	}
	return c;
}

/* ---- the group table's callbacks ---- */

/*
 * The SYNC goes ahead of every queued message, always (never to the tail:
 * a client message queued earlier would be delivered before the NODEUP that
 * introduces its sender); the engine keeps entries free for it.
 */
static int cpg_mcast(void *priv, const void *msg, size_t len, bool first, void *cookie)
{
	struct rc_dp *dp = priv;

	if (first)
		return rc_ord_mcast_first(dp->ord, msg, len, RC_GUARANTEE_AGREED, cookie,
					  dp->now);
	return rc_ord_mcast_pre(dp->ord, NULL, 0, msg, len, RC_GUARANTEE_AGREED, false,
				cookie, dp->now);
}

static void cpg_deliver(void *priv, uint32_t slot, uint32_t nodeid, uint32_t pid,
			const void *data, size_t len)
{
	struct rc_dp *dp = priv;
	struct rc_shm_rx_msg m = { .nodeid = nodeid, .pid = pid, .len = (uint32_t)len,
				   .flags = dp->rx_flags };
	uint64_t pos;
	struct rc_dp_client *c = rx_begin(dp, slot, sizeof(m) + len, &pos);

	if (!c)
		return;
	rc_shmd_rx_write(&c->shm, pos, 0, &m, sizeof(m));
	rc_shmd_rx_write(&c->shm, pos, sizeof(m), data, len);
	rx_commit(c, pos, sizeof(m) + len, RC_SHM_RX_MSG);
}

static void cpg_confchg(void *priv, uint32_t slot, const struct cpg_name *group,
			const struct cpg_address *members, size_t n_members,
			const struct cpg_address *left, size_t n_left,
			const struct cpg_address *joined, size_t n_joined)
{
	struct rc_dp *dp = priv;
	struct rc_shm_rx_confchg h = {
		.group = *group,
		.n_member = (uint32_t)n_members,
		.n_left = (uint32_t)n_left,
		.n_joined = (uint32_t)n_joined,
	};
	size_t a = sizeof(struct cpg_address);
	size_t len = sizeof(h) + a * (n_members + n_left + n_joined);
	uint64_t pos;
	struct rc_dp_client *c = rx_begin(dp, slot, len, &pos);

	if (!c)
		return;
	rc_shmd_rx_write(&c->shm, pos, 0, &h, sizeof(h));
	rc_shmd_rx_write(&c->shm, pos, sizeof(h), members, a * n_members);
	rc_shmd_rx_write(&c->shm, pos, sizeof(h) + a * n_members, left, a * n_left);
	rc_shmd_rx_write(&c->shm, pos, sizeof(h) + a * (n_members + n_left), joined,
			 a * n_joined);
	rx_commit(c, pos, len, RC_SHM_RX_CONFCHG);
}

static void cpg_totem(void *priv, uint32_t slot, const struct rc_ring_id *ring,
		      const uint32_t *members, size_t n_members)
{
	struct rc_dp *dp = priv;
	struct rc_shm_rx_totem h = {
		.rep = ring->rep,
		.n_members = (uint32_t)n_members,
		.seq = ring->seq,
	};
	size_t len = sizeof(h) + sizeof(uint32_t) * n_members;
	uint64_t pos;
	struct rc_dp_client *c = rx_begin(dp, slot, len, &pos);

	if (!c)
		return;
	rc_shmd_rx_write(&c->shm, pos, 0, &h, sizeof(h));
	rc_shmd_rx_write(&c->shm, pos, sizeof(h), members, sizeof(uint32_t) * n_members);
	rx_commit(c, pos, len, RC_SHM_RX_TOTEM);
}

/* Answer request seq: n entries in all, those from `first` on in the ctl
   area (at most max; a longer answer is asked for in pages). */
static void reply(struct rc_dp *dp, struct rc_dp_client *c, uint32_t seq, cs_error_t st,
		  uint32_t n, uint32_t first, uint32_t max)
{
	rc_shmd_reply(&c->shm, seq, st, n <= first ? 0 : n - first < max ? n - first : max,
		      n, rc_cpgd_gen(dp->cpgd));
	c->req_seen = seq;
	c->wake = true;
}

/* The JOIN came back through the ring: now cpg_join has its answer. */
static void cpg_joined(void *priv, uint32_t slot, cs_error_t st)
{
	struct rc_dp *dp = priv;
	struct rc_dp_client *c;

	if (slot >= RC_DP_MAX_CLIENTS)
		return;
	c = &dp->clients[slot];
	if (!c->used || c->dying || !c->join_wait)
		return;
	c->join_wait = false;
	reply(dp, c, c->req_seen, st, 0, 0, 0);
}

static const struct rc_cpgd_ops cpgd_ops = {
	.mcast = cpg_mcast,
	.deliver = cpg_deliver,
	.confchg = cpg_confchg,
	.totem = cpg_totem,
	.joined = cpg_joined,
};

/* ---- attach ---- */

/* ---- zero copy ---- */

/* The count never reaches 0 (the attached region holds 1): nothing to free. */
static void ext_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

struct rc_dp_client *rc_dp_clients_zc(struct rc_dp *dp, const void *p, size_t len)
{
	const uint8_t *b = p;

	/* the last frame's client first: a message's frames come in a row */
	for (uint32_t i = 0; i <= dp->n_clients; i++) {
		uint32_t s = i == 0 ? dp->zc_last : dp->live[i - 1];
		struct rc_dp_client *c = &dp->clients[s];

		if (!c->used || !c->zc || b < c->base || len > c->size ||
		    (size_t)(b - c->base) > c->size - len)
			continue;
		dp->zc_last = (uint16_t)s;
		return c;
	}
	return NULL;
}

/* ---- attach ---- */

static void attach(struct rc_dp *dp, const struct rc_dp_client_attach *a)
{
	const struct rc_shm_hdr *l = a->layout;
	struct rc_dp_client *c;

	if (a->slot >= RC_DP_MAX_CLIENTS || dp->clients[a->slot].used)
		return;
	c = &dp->clients[a->slot];
	/* The control thread's own copy of what it wrote: checked anyway. */
	if (rc_shm_layout_check(l, a->size) < 0) {
		post_gone(dp, a->slot, RC_DP_GONE_BAD_RX);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->base = a->base;
	c->size = a->size;
	c->wake_fd = a->wake_fd;
	c->pid = a->pid;
	rc_shmd_init(&c->shm, a->base, l);
	c->req_seen = 0;
	c->join_wait = false;
	c->zc = a->zc && dp->zc_port;
	c->shinfo.free_cb = ext_free;
	c->shinfo.fcb_opaque = c;
	rte_mbuf_ext_refcnt_set(&c->shinfo, 1);
	c->zr = (struct rc_zc_region){ .base = a->base, .size = a->size, .iova = a->iova,
				       .page_shift = a->page_shift, .iova_va = dp->iova_va };
	live_add(dp, a->slot);
	if (rc_cpgd_attach(dp->cpgd, a->slot, a->pid) < 0) {
		/* the group table still holds the slot: never share its state */
		live_remove(dp, a->slot);
		post_gone(dp, a->slot, RC_DP_GONE_BUSY);
		return;
	}
	rc_dp_sleep_watch(dp, c->wake_fd, a->slot);	/* its doorbell */
	c->watched = true;
}

/* ---- requests ---- */

static void request(struct rc_dp *dp, uint32_t slot, uint32_t seq)
{
	struct rc_dp_client *c = &dp->clients[slot];
	struct rc_shmd_req r;
	uint32_t max, n = 0, first = 0;
	cs_error_t st;

	rc_shmd_req_read(&c->shm, &r);
	/* reply entries the ctl area holds, for this kind of request */
	max = (uint32_t)(c->shm.ctl_size / (r.type == RC_REQ_MEMBERSHIP ?
		sizeof(struct cpg_address) : sizeof(struct cpg_iteration_description_t)));
	if (r.name.length > CPG_MAX_NAME_LENGTH) {
		st = CS_ERR_NAME_TOO_LONG;
		goto reply;
	}
	switch (r.type) {
	case RC_REQ_JOIN:
		/* answered when the JOIN is applied (cpg_joined): a JOIN every
		   node drops at a table limit is an error, not CS_OK */
		c->req_seen = seq;
		c->join_wait = true;
		st = rc_cpgd_join(dp->cpgd, slot, &r.name);
		if (st == CS_OK || !c->join_wait)
			return;
		c->join_wait = false;
		/* EXIST for this very client (a join it gave up waiting for):
		   say so, as the one entry counted (shm.h) */
		if (st == CS_ERR_EXIST && rc_cpgd_slot_in(dp->cpgd, slot, &r.name))
			n = 1;
		break;
	case RC_REQ_LEAVE:
		st = rc_cpgd_leave(dp->cpgd, slot, &r.name);
		break;
	case RC_REQ_MEMBERSHIP:
		n = rc_cpgd_membership(dp->cpgd, &r.name, (struct cpg_address *)c->shm.ctl, max);
		st = CS_OK;
		break;
	case RC_REQ_ITERATE:
		if (r.arg < CPG_ITERATION_NAME_ONLY || r.arg > CPG_ITERATION_ALL) {
			st = CS_ERR_INVALID_PARAM;
			break;
		}
		/* a long answer comes in pages: the client asks from `from` on */
		first = r.from;
		n = rc_cpgd_iterate_from(dp->cpgd, (int)r.arg, &r.name, r.from,
					 (struct cpg_iteration_description_t *)c->shm.ctl, max);
		st = CS_OK;
		break;
	default:
		kick(dp, slot, RC_DP_GONE_BAD_REQ);
		return;
	}
reply:
	reply(dp, c, seq, st, n, first, max);
}

/* ---- tx ---- */

/* May e go into a batch that starts with first? Same guarantee, and not of
   the sizes libcpg sends in place. */
static bool batchable(const struct rc_shm_desc *e, const struct rc_shm_desc *first)
{
	return !((e->flags ^ first->flags) & RC_SHM_F_SAFE) &&
	       e->len - RC_SHM_TX_HDR < RC_SHM_ZC_MIN;
}

/*
 * Small messages a client queued back to back go into the engine as one
 * CPG MCAST_BATCH (ringcast/cpgmsg.h) that fits one frame: one CPG header
 * (with the group's name), one Totem chunk and one engine message for many,
 * so a frame carries up to 40% more 64-byte messages. Nothing waits to be
 * batched: only what is already queued is. The bytes are copied here, once
 * (every node delivers this copy, whatever the client writes afterwards),
 * so each message completes now; the batch's buffer goes with ops.sent.
 * Completing now lets a batch's completions overtake those of messages
 * taken alone before it, which is fine for buffers sent once; libcpg sends
 * a buffer several times (in place) only from RC_SHM_ZC_MIN bytes, whose
 * sends must complete in their order (shm.h), so those are never batched.
 * Entries taken (at least 2), 0 to take the first alone, -EAGAIN when
 * the engine takes nothing now, or another error of the engine's (the
 * entries go alone for the rest of this pass).
 */
static int tx_batch(struct rc_dp *dp, uint32_t slot, uint32_t head,
		    const struct rc_shm_desc *first, uint64_t room)
{
	struct rc_dp_client *c = &dp->clients[slot];
	uint8_t hdr[RC_CPG_HDR_LEN(RC_CPG_NAME_MAX)];
	uint64_t off[BATCH_MAX];
	uint32_t len[BATCH_MAX];
	struct rc_shm_desc d;
	/* completions free for the messages: one each, pushed now */
	uint64_t max = room < BATCH_MAX ? room : BATCH_MAX;
	size_t hl, cap, blen = 0, need;
	struct rc_dp_batch *b;
	uint32_t n = 0;
	int ret;

	cap = dp->batch_room < dp->ring_limit ? dp->batch_room : dp->ring_limit;
	if (max < 2 || head - c->shm.tx_tail < 2 || !batchable(first, first) ||
	    2 * ((uint64_t)first->len - RC_SHM_TX_HDR + RC_CPG_BATCH_REC) > cap)
		return 0;
	/* the next one must go with it, or nothing is worth building */
	if (rc_shmd_tx_peek_at(&c->shm, c->shm.tx_tail + 1, &d) < 0 || !batchable(&d, first))
		return 0;
	hl = rc_cpgd_batch_hdr(dp->cpgd, slot, hdr, sizeof(hdr));
	if (!hl || hl >= cap)
		return 0;	/* not joined: the single path hands it back */
	cap -= hl;
	/* which entries: each descriptor read once, kept for the copy below */
	d = *first;
	for (;;) {
		need = RC_CPG_BATCH_REC + (size_t)(d.len - RC_SHM_TX_HDR);
		if (need > cap - blen)
			break;
		off[n] = d.off;
		len[n++] = d.len - RC_SHM_TX_HDR;
		blen += need;
		/* a bad entry is left to the single path, which kicks the client */
		if (n == max || c->shm.tx_tail + n == head ||
		    rc_shmd_tx_peek_at(&c->shm, c->shm.tx_tail + n, &d) < 0 || !batchable(&d, first))
			break;
	}
	if (n < 2)
		return 0;
	b = malloc(sizeof(*b) + blen);
	if (!b)
		return 0;
	blen = 0;
	for (uint32_t i = 0; i < n; i++)
		(void)rc_cpgd_batch_add(b->data, &blen, cap, c->shm.arena + off[i] + RC_SHM_TX_HDR,
					len[i]);
	ret = rc_ord_mcast_pre(dp->ord, hdr + sizeof(hdr) - hl, hl, b->data, blen,
			       (first->flags & RC_SHM_F_SAFE) ? RC_GUARANTEE_SAFE :
			       RC_GUARANTEE_AGREED, false,
			       (void *)((uintptr_t)b | COOKIE_BATCH), dp->now);
	if (ret < 0) {
		free(b);
		return ret;
	}
	/* the engine holds it until ops.sent; a stopping lcore frees the rest */
	b->prev = &dp->batches;
	b->next = dp->batches.next;
	b->next->prev = b;
	dp->batches.next = b;
	for (uint32_t i = 0; i < n; i++)
		if (!c->draining || comp_fits(c))
			rc_shmd_comp_write(&c->shm, off[i]);
	rc_shmd_comp_publish(&c->shm);
	c->room = true;
	c->sent += n;
	dp->st.batches++;
	dp->st.batch_msgs += n;
	return (int)n;
}

/* Take the client's mcasts into the engine; false if it had nothing. */
static bool tx_drain(struct rc_dp *dp, uint32_t slot, bool *empty)
{
	struct rc_dp_client *c = &dp->clients[slot];
	uint32_t head = c->draining ? c->drain_head : rc_shmd_tx_head(&c->shm), taken = 0;
	uint8_t hdr[RC_CPG_HDR_LEN(RC_CPG_NAME_MAX)];
	uint64_t room = BATCH_MAX;
	int64_t used;
	bool zc, batching = true;
	int ret;

	if (!rc_shmd_tx_head_ok(&c->shm, head)) {
		kick(dp, slot, RC_DP_GONE_BAD_TX);
		return true;
	}
	while (c->shm.tx_tail != head) {
		struct rc_shm_desc d;
		size_t hl;

		/* every message completes: room for its completion first,
		   except for a closing client, which may read them no more
		   (comp_give) */
		if (!c->draining) {
			if ((used = rc_shmd_comp_used(&c->shm)) < 0) {
				kick(dp, slot, RC_DP_GONE_BAD_RX);
				return true;
			}
			if ((uint64_t)used + c->inflight > c->shm.comp_mask)
				break;		/* completions unread: wait */
			room = (uint64_t)c->shm.comp_mask + 1 - (uint64_t)used - c->inflight;
		}
		/* A copied message completes when it is framed, so a client's
		   arena does not bound what it has in the ring: take no more
		   while this node's unframed queue holds
		   RC_DP_QUEUE_BYTES or more. The client's tx ring then fills and
		   its sends wait (shm_room.h), paced by the ring, instead of the
		   ring being handed more than receivers can take. */
		if (rc_ord_queued_bytes(dp->ord) >= RC_DP_QUEUE_BYTES)
			break;
		if (rc_shmd_tx_peek(&c->shm, &d) < 0) {
			kick(dp, slot, RC_DP_GONE_BAD_TX);
			return true;
		}
		/* The CPG header is built here and kept by the engine: the client
		   cannot change what group, pid or type its message claims. The
		   payload of an untrusted client, or a small one, is copied: the
		   engine copies it into its frames once, when it frames it, and
		   sends, retransmits and delivers only that copy, so a client that
		   rewrites its arena cannot make two nodes deliver different
		   bytes; the completion (ops.sent) comes at that copy. A trusted
		   client's (c->zc: root, by default; it could rewrite this
		   daemon's memory anyway) of RC_DP_ZC_MIN or more goes out from
		   its region: the frames point into it, retransmissions and this
		   node's delivery read it again, and the completion comes once
		   every node holds the message. libcpg returns from a send in
		   place only at that completion, so an application that rewrites
		   its buffer after the call changes nothing in flight. */
		zc = c->zc && d.len - RC_SHM_TX_HDR >= RC_DP_ZC_MIN;
		if (!zc && batching) {
			ret = tx_batch(dp, slot, head, &d, room);
			if (ret == -EAGAIN)
				break;
			if (ret > 0) {
				c->shm.tx_tail += (uint32_t)ret;
				taken += (uint32_t)ret;
				continue;
			}
			batching = ret == 0;
		}
		hl = rc_cpgd_mcast_hdr(dp->cpgd, slot, hdr, sizeof(hdr));
		if (!hl) {
			dp->st.client_bad_mcast++;		/* not joined: hand it back */
			comp_give(c, d.off);
		} else {
			ret = rc_ord_mcast_pre(dp->ord, hdr + sizeof(hdr) - hl, hl,
					       rc_shmd_tx_payload(&c->shm, &d),
					       d.len - RC_SHM_TX_HDR,
					       (d.flags & RC_SHM_F_SAFE) ? RC_GUARANTEE_SAFE :
					       RC_GUARANTEE_AGREED, zc,
					       (void *)(uintptr_t)(COOKIE_CLIENT |
						       ((uint64_t)slot << COOKIE_SLOT_SHIFT) |
						       d.off / RC_SHM_MSG_ALIGN), dp->now);
			/* -ENOTCONN: the ring was left (the daemon stops); the
			   entry stays, not taken, so a client let go is not
			   DRAINED (it goes as STOPPED) */
			if (ret == -EAGAIN || ret == -ENOTCONN)
				break;
			if (ret < 0) {
				/* -EMSGSIZE: above the ring's limit, counted there */
				if (ret != -EMSGSIZE)
					dp->st.client_bad_mcast++;
				comp_give(c, d.off);
			} else {
				c->inflight++;
				c->sent++;
				dp->st.zc_msgs += zc;
			}
		}
		c->shm.tx_tail++;
		taken++;
	}
	if (taken) {
		rc_shmd_tx_release(&c->shm);
		c->room = true;
	}
	*empty = c->shm.tx_tail == head;
	/* what is left waits for completions read or the engine's queue,
	   not for another look: the idle sleep need not stay awake for it */
	c->tx_blocked = !*empty;
	return taken != 0;
}

bool rc_dp_clients_sent(struct rc_dp *dp, void *cookie)
{
	uint64_t v = (uint64_t)(uintptr_t)cookie;
	struct rc_dp_client *c;
	uint32_t slot;

	if (!cookie)
		return false;
	if (v & COOKIE_BATCH) {
		struct rc_dp_batch *b = (void *)(uintptr_t)(v & ~COOKIE_BATCH);

		b->prev->next = b->next;
		b->next->prev = b->prev;
		free(b);
		return true;
	}
	if (!(v & COOKIE_CLIENT)) {
		rc_cpgd_sent(dp->cpgd, cookie);
		return true;
	}
	slot = (uint32_t)((v & ~COOKIE_CLIENT) >> COOKIE_SLOT_SHIFT);
	c = &dp->clients[slot];
	c->inflight--;
	/* a client let go gets it too, while it fits, until it is gone (its
	   queue may be out, and the client dying, before its messages are) */
	if (!c->dying || c->draining)
		comp_give(c, (v & ((1ull << COOKIE_SLOT_SHIFT) - 1)) * RC_SHM_MSG_ALIGN);
	if (c->dying)
		maybe_gone(dp, slot);
	return true;
}

/* ---- the poll ---- */

static bool commands(struct rc_dp *dp)
{
	struct cmd cmd[8];
	unsigned int n, i;
	bool any = false;

	while ((n = rte_ring_dequeue_burst_elem(dp->cmds, cmd, sizeof(cmd[0]), 8, NULL))) {
		any = true;
		for (i = 0; i < n; i++) {
			if (cmd[i].type == CMD_ATTACH)
				attach(dp, &cmd[i].a);
			else if (cmd[i].a.slot < RC_DP_MAX_CLIENTS)
				drain(dp, cmd[i].a.slot, RC_DP_GONE_DETACHED);
		}
	}
	return any;
}

static void wake(struct rc_dp *dp, struct rc_dp_client *c)
{
	const uint8_t one = 1;

	c->wake = false;
	if (rc_shmd_wake(&c->shm)) {
		dp->st.client_wakes++;
		/* one byte per sleep: the socket buffer cannot fill unless the
		   client stops reading, and then it has a byte to read already */
		if (send(c->wake_fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* EAGAIN: a wake-up is already waiting; EPIPE: it left */
		}
	}
}

bool rc_dp_clients_poll(struct rc_dp *dp)
{
	bool work = false;

	if (rte_ring_count(dp->cmds))
		work = commands(dp);
	/*
	 * Only the used slots, backwards from a place that moves one on each
	 * pass: the first one walked fills the unframed queue first
	 * (tx_drain stops at RC_DP_QUEUE_BYTES), so with a fixed start one
	 * client that always has entries kept every one walked after it from
	 * sending at all. A slot that goes (maybe_gone) takes the last one's
	 * place in the list: a place not walked yet is then skipped this
	 * pass, and none is walked twice.
	 */
	uint32_t n = dp->n_clients, first = dp->poll_first < n ? dp->poll_first : 0;

	dp->poll_first = first + 1 < n ? first + 1 : 0;	/* no division per pass */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = first >= k ? first - k : first + n - k, s;
		struct rc_dp_client *c;
		uint32_t req;
		bool empty = true;

		if (i >= dp->n_clients)
			continue;	/* the list shrank behind the walk */
		s = dp->live[i];
		c = &dp->clients[s];
		if (c->detach_pending)
			detach_pending(dp, s);
		else if (c->used && c->dying)
			maybe_gone(dp, s);	/* waiting for the engine to let go */
		if (!c->used || c->dying)
			continue;
		req = rc_shmd_req_seq(&c->shm);
		/* its own records are pending and it wants its socket readable */
		if (rc_shmd_kicked(&c->shm))
			c->wake = true;
		if (rc_cpgd_sync_pending(dp->cpgd))
			empty = false;	/* nothing may overtake the ring's SYNC */
		else if (tx_drain(dp, s, &empty))
			work = true;
		if (c->draining) {
			if (empty && !c->dying) {
				c->drained = true;
				kick(dp, s, c->reason);	/* DETACHED or BACKLOG */
			}
			continue;
		}
		if (req != c->req_seen && empty && !c->dying && !c->join_wait) {
			request(dp, s, req);
			work = true;
		}
	}
	for (uint32_t i = 0; i < dp->n_clients; i++) {
		struct rc_dp_client *c = &dp->clients[dp->live[i]];

		if (c->wake)
			wake(dp, c);
		if (c->room) {		/* a sender may wait for it (shm_room.h) */
			c->room = false;
			rc_shm_room_wake(c->shm.h);
		}
	}
	return work;
}

/*
 * The idle sleep's last look (sleep.c), after it set the lcore page's
 * `sleeping`: would rc_dp_clients_poll() find work? A client that gives
 * work after this look sees the flag and rings (shm.h, rc_shm_lcore).
 */
bool rc_dp_clients_pending(struct rc_dp *dp)
{
	bool sync = rc_cpgd_sync_pending(dp->cpgd);

	if (rte_ring_count(dp->cmds))
		return true;
	for (uint32_t i = 0; i < dp->n_clients; i++) {
		struct rc_dp_client *c = &dp->clients[dp->live[i]];

		/* a delivery or room since the last pass (room too for one
		   dying: a client let go gets its completions until it is gone) */
		if (c->wake || c->room)
			return true;
		if (c->dying) {
			if (c->detach_pending ||
			    (!c->inflight && rte_mbuf_ext_refcnt_read(&c->shinfo) == 1))
				return true;	/* the next pass lets it go */
			continue;	/* waits for the engine or the port (the next
					   timer's pass asks the port again) */
		}
		if (rc_shmd_kicked(&c->shm))
			return true;	/* (one let go may still ask, not knowing) */
		if (c->draining) {	/* the next pass drains it or lets it go */
			if (!c->tx_blocked && !sync)
				return true;
			continue;	/* and the clients after it may have work */
		}
		/* tx the last drain could not take waits for the client's
		   completions or the engine, and a request for the tx before it:
		   neither needs another look (a client that reads its completions
		   sends next, and rings) */
		if (sync || c->tx_blocked)
			continue;
		if (__atomic_load_n(&c->shm.h->tx_head.v, __ATOMIC_RELAXED) != c->shm.tx_tail ||
		    (__atomic_load_n(&c->shm.h->ctl.req_seq, __ATOMIC_RELAXED) != c->req_seen &&
		     !c->join_wait))
			return true;
	}
	return false;
}

/*
 * A client's socket woke the idle sleep (sleep.c): its doorbell bytes, read
 * and dropped, or its hang-up. The socket is open while the slot is watched
 * (post_gone unwatches it before the control thread may close it). An end
 * of file (a hang-up, a half-close, an empty message) is a detach: what it
 * queued still goes out first. A message is peeked at before it is taken:
 * one that carries descriptors (SO_PASSRIGHTS is off, but older kernels
 * ignore that) is left queued and the client goes; the duplicates the peek
 * installed are closed here, never the last reference (the queued message
 * holds one), and the message itself is released when the control thread
 * closes the socket, off the lcore (the last release of some descriptors
 * can block).
 */
void rc_dp_clients_rang(struct rc_dp *dp, uint32_t slot, uint32_t events)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(BELL_FDS * sizeof(int))];
	} u;
	struct rc_dp_client *c;
	bool bad = false, eof = (events & (EPOLLHUP | EPOLLERR)) != 0;
	uint8_t b[64];

	if (slot >= RC_DP_MAX_CLIENTS)
		return;
	c = &dp->clients[slot];
	if (!c->used || !c->watched)
		return;
	for (int i = 0; i < BELL_READS && !eof && !bad; i++) {
		struct iovec iov = { b, sizeof(b) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
		ssize_t n = recvmsg(c->wake_fd, &m, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0)
			break;		/* EAGAIN: all read */
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t k = 0; k < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(h) + k * sizeof(int), sizeof(fd));
				close(fd);
			}
			bad = true;
		}
		bad |= (m.msg_flags & MSG_CTRUNC) != 0;
		eof = n == 0;
		if (!bad && !eof && recv(c->wake_fd, b, sizeof(b), MSG_DONTWAIT) < 0)
			break;
	}
	if (!bad && !eof)
		return;
	rc_dp_sleep_unwatch(dp, c->wake_fd);
	c->watched = false;
	if (bad)
		kick(dp, slot, RC_DP_GONE_BAD_BELL);
	else
		drain(dp, slot, RC_DP_GONE_DETACHED);
}

/* ---- from the engine ---- */

void rc_dp_clients_deliver(struct rc_dp *dp, uint32_t sender, const void *msg, size_t len)
{
	rc_cpgd_deliver(dp->cpgd, sender, msg, len);
}

void rc_dp_clients_confchg(struct rc_dp *dp, const struct rc_confchg *c)
{
	rc_cpgd_confchg(dp->cpgd, c);
}

/* ---- control side ---- */

bool rc_dp_zero_copy_port(const struct rc_dp *dp)
{
	return dp->zc_port;
}

int rc_dp_client_attach(struct rc_dp *dp, const struct rc_dp_client_attach *a)
{
	struct cmd c = { .type = CMD_ATTACH, .a = *a };

	if (rte_ring_enqueue_elem(dp->cmds, &c, sizeof(c)))
		return -ENOBUFS;
	rc_dp_bell(dp);
	return 0;
}

int rc_dp_client_detach(struct rc_dp *dp, uint32_t slot)
{
	struct cmd c = { .type = CMD_DETACH, .a = { .slot = slot } };

	if (rte_ring_enqueue_elem(dp->cmds, &c, sizeof(c)))
		return -ENOBUFS;
	rc_dp_bell(dp);
	return 0;
}

unsigned int rc_dp_clients_gone(struct rc_dp *dp, struct rc_dp_client_gone *g, unsigned int n)
{
	return rte_ring_dequeue_burst_elem(dp->gone, g, sizeof(*g), n, NULL);
}

/* The lcore stopped: every region is free (the engine sends no more). */
void rc_dp_clients_stop(struct rc_dp *dp)
{
	for (uint32_t s = 0; s < RC_DP_MAX_CLIENTS; s++) {
		struct rc_dp_client *c = &dp->clients[s];

		if (!c->used)
			continue;
		if (!c->dying)
			kick(dp, s, RC_DP_GONE_STOPPED);
		/* Even one already dying: a NIC may still hold mbufs that point
		   into it until the port is stopped, so the control thread frees
		   every region only after rc_dp_destroy (a STOPPED gone). */
		c->reason = RC_DP_GONE_STOPPED;
		c->inflight = 0;
		rte_mbuf_ext_refcnt_set(&c->shinfo, 1);
		detach_pending(dp, s);
	}
}

/* A batch is one chunk of one frame of the ring (its netmtu, the least of
   its members'): larger, it would go out in fragments. */
void rc_dp_batch_room_set(struct rc_dp *dp, uint32_t ring_mtu)
{
	dp->ring_mtu = ring_mtu;
	dp->batch_room = ring_mtu - (uint32_t)RC_WIRE_MCAST_OVERHEAD -
			 (uint32_t)sizeof(struct rc_wire_chunk);
}

int rc_dp_clients_create(struct rc_dp *dp, int socket)
{
	int ret;

	/* exact: an attach and a detach per slot must always fit */
	dp->cmds = rte_ring_create_elem("rc_cmds", sizeof(struct cmd), CMDS, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (!dp->cmds)
		return -rte_errno;
	dp->gone = rte_ring_create_elem("rc_gone", sizeof(struct rc_dp_client_gone), CMDS,
					socket, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (!dp->gone) {
		ret = -rte_errno;
		goto free_cmds;
	}
	dp->batches.next = dp->batches.prev = &dp->batches;
	rc_dp_batch_room_set(dp, dp->p.totem.srp.netmtu);
	ret = rc_cpgd_create(dp->me, RC_DP_MAX_CLIENTS, &cpgd_ops, dp, &dp->cpgd);
	if (ret < 0)
		goto free_gone;
	return 0;

free_gone:
	rte_ring_free(dp->gone);
free_cmds:
	rte_ring_free(dp->cmds);
	return ret;
}

void rc_dp_clients_destroy(struct rc_dp *dp)
{
	/* batches the engine still held: it is never run again */
	while (dp->batches.next && dp->batches.next != &dp->batches) {
		struct rc_dp_batch *b = dp->batches.next;

		dp->batches.next = b->next;
		free(b);
	}
	rc_cpgd_destroy(dp->cpgd);
	rte_ring_free(dp->gone);
	rte_ring_free(dp->cmds);
}
