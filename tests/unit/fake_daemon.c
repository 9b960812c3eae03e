/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake ringcastd of the libcpg tests (fake_daemon.h). One thread owns
 * every client's daemon-side state; the test thread talks to it through
 * atomics only. It plays the daemon's side of shm.h with the daemon's own
 * steps (shm_daemon.h, shm_room.h): reads each shared index once, releases
 * its own, and wakes a client with a byte on its socket only when it takes
 * `sleeping` from non-zero to 0 (a KICK without a new record too), a
 * waiting sender only when it takes `room_wait` from 1 to 0. Only what is
 * a test's stays here: the group model, held completions, wrapped records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ringcast/shm_daemon.h>
#include <ringcast/shm_lcore.h>
#include <ringcast/shm_layout.h>
#include <ringcast/shm_room.h>

#include "fake_daemon.h"

#define FAKE_MAX_CLIENTS	16
#define FAKE_MAX_HELD		65536

struct fclient {
	int sock;		/* also carries the wake-up bytes */
	uint8_t *base;
	uint64_t size;		/* the mapping's, ours: never the client-written header's */
	struct rc_shmd shm;	/* the daemon's view of the region */
	uint32_t pid;
	uint32_t last_req;
	bool join_held;		/* a JOIN applied, its answer held back */
	int32_t join_status;
	bool joined;
	struct cpg_name group;
	bool leave_pending;	/* its leave confchg is not consumed yet */
	uint32_t leave_rx;	/* rx index just past that confchg */
	uint64_t held[FAKE_MAX_HELD];	/* completions held back */
	uint32_t n_held;
	bool wake;
	bool closing;		/* let go (fake_close): takes up to close_head */
	uint32_t close_head;
	uint64_t drop_at;	/* ms: its queue is out, DRAINED then, and the
				   socket closes after the linger */
	bool drained;
};

struct fake {
	struct fake_opts o;
	char path[108];
	int lsock;
	pthread_t thread;
	struct fclient *c[FAKE_MAX_CLIENTS];
	uint64_t gen;		/* bumped by every join, leave and drop */
	/* switches and commands from the test thread */
	uint32_t stop, dead, consuming, completing, answering, hold_join;
	uint32_t garbage, garbage_sent;
	uint32_t close_cmds, close_done;
	uint32_t sync_req, sync_done;	/* fake_sync */
	uint32_t linger_ms;		/* fake_set_drained_linger */
	uint32_t queued;		/* tx entries not taken, all clients, last pass */
	uint32_t totem_cmds;
	uint32_t totem_done;
	uint32_t totem_rep;
	uint64_t totem_seq;
	/* echo_late_ms: the last message echoed, and when to echo it again */
	uint8_t *late;
	uint32_t late_len, late_pid;
	uint16_t late_flags;
	uint64_t late_at;	/* ms, 0: nothing to repeat */
	/* counters for the test thread */
	uint64_t echoed, completed, bad, room_wakes, late_echoed;
	uint32_t clients;
};

void fake_opts_default(struct fake_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tx_entries = 256;
	o->rx_entries = 1024;
	o->comp_entries = 256;
	o->ctl_size = 64 * 1024;
	o->arena_size = 1 << 20;
	o->rxa_size = 1 << 20;
	o->nodeid = 7;
	o->max_msg = 64 * 1024;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- rx records ---- */

/* n bytes at pos of the rx area, across its end when the record wraps. */
static void rxa_write(struct fclient *c, uint64_t pos, const void *p, size_t n)
{
	uint64_t at = pos % c->shm.rxa_size, first = c->shm.rxa_size - at;

	if (n <= first) {
		memcpy(c->shm.rxa + at, p, n);
	} else {
		memcpy(c->shm.rxa + at, p, first);
		memcpy(c->shm.rxa, (const uint8_t *)p + first, n - first);
	}
}

/* Room for a record of len bytes? Its position in *pos. A client whose rx
   tails are out of range gets none (the daemon would disconnect it). */
static bool rx_room(struct fake *f, struct fclient *c, uint64_t len, uint64_t *pos)
{
	return rc_shmd_rx_reserve(&c->shm, len, !f->o.wrap_records, pos) == 0;
}

/* Write a record of up to three parts at pos and publish it. */
static void rx_put(struct fclient *c, uint64_t pos, uint16_t type, const void *p1, size_t n1,
		   const void *p2, size_t n2, const void *p3, size_t n3)
{
	rxa_write(c, pos, p1, n1);
	if (n2)
		rxa_write(c, pos + n1, p2, n2);
	if (n3)
		rxa_write(c, pos + n1 + n2, p3, n3);
	rc_shmd_rx_commit(&c->shm, pos, n1 + n2 + n3, type);
	c->wake = true;
}

static void wake(struct fclient *c)
{
	const uint8_t one = 1;

	/* a client whose own records are pending asks for its byte (KICK) */
	if (rc_shmd_kicked(&c->shm))
		c->wake = true;
	if (!c->wake)
		return;
	c->wake = false;
	if (rc_shmd_wake(&c->shm))
		(void)send(c->sock, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static bool same(const struct cpg_name *a, const struct cpg_name *b)
{
	return a->length == b->length && memcmp(a->value, b->value, a->length) == 0;
}

/* Members of name (optionally leaving out `skip`) into out; returns the count. */
static uint32_t members(struct fake *f, const struct cpg_name *name, struct cpg_address *out,
			uint32_t max)
{
	uint32_t n = 0;

	for (int i = 0; i < FAKE_MAX_CLIENTS; i++) {
		struct fclient *c = f->c[i];

		if (c == NULL || !c->joined || !same(&c->group, name))
			continue;
		if (n < max) {
			out[n].nodeid = f->o.nodeid;
			out[n].pid = c->pid;
			out[n].reason = CPG_REASON_UNDEFINED;
		}
		n++;
	}
	return n;
}

/* A confchg of name to its members and to `extra` (a leaver). */
static void confchg(struct fake *f, const struct cpg_name *name, struct fclient *who,
		    uint32_t reason, struct fclient *extra)
{
	struct rc_shm_rx_confchg cc;
	struct cpg_address m[FAKE_MAX_CLIENTS], a = { f->o.nodeid, who->pid, reason };
	bool left = reason != CPG_REASON_JOIN;
	uint64_t pos;

	memset(&cc, 0, sizeof(cc));
	cc.group = *name;
	cc.n_member = members(f, name, m, FAKE_MAX_CLIENTS);
	cc.n_left = left;
	cc.n_joined = !left;
	for (int i = 0; i < FAKE_MAX_CLIENTS; i++) {
		struct fclient *c = f->c[i];

		if (c == NULL || c->closing ||
		    !((c->joined && same(&c->group, name)) || c == extra))
			continue;	/* nothing goes to a client let go */
		if (!rx_room(f, c, sizeof(cc) + (cc.n_member + 1) * sizeof(a), &pos))
			continue;	/* the tests never fill the ring around a confchg */
		rx_put(c, pos, RC_SHM_RX_CONFCHG, &cc, sizeof(cc), m, cc.n_member * sizeof(a),
		       &a, sizeof(a));
		if (c == extra) {
			c->leave_pending = true;
			c->leave_rx = c->shm.rx_head;
		}
	}
}

static void totem(struct fake *f, struct fclient *c, uint32_t rep, uint64_t seq)
{
	struct rc_shm_rx_totem t = { .rep = rep, .n_members = 2, .seq = seq };
	uint32_t m[2] = { f->o.nodeid, f->o.nodeid + 1 };
	uint64_t pos;

	if (rx_room(f, c, sizeof(t) + sizeof(m), &pos))
		rx_put(c, pos, RC_SHM_RX_TOTEM, &t, sizeof(t), m, sizeof(m), NULL, 0);
}

/* ---- ctl ---- */

static int32_t do_join(struct fake *f, struct fclient *c, const struct cpg_name *name)
{
	if (c->joined)
		return CS_ERR_EXIST;
	if (c->leave_pending && (int32_t)(rc_load_acq32(&c->shm.h->rx_tail.v) - c->leave_rx) < 0)
		return CS_ERR_TRY_AGAIN;
	if (name->length > CPG_MAX_NAME_LENGTH)
		return CS_ERR_NAME_TOO_LONG;
	for (int i = 0; f->o.one_join_per_pid && i < FAKE_MAX_CLIENTS; i++)
		if (f->c[i] != NULL && f->c[i] != c && f->c[i]->pid == c->pid &&
		    f->c[i]->joined && same(&f->c[i]->group, name))
			return CS_ERR_EXIST;
	c->leave_pending = false;
	c->joined = true;
	f->gen++;
	c->group = *name;
	confchg(f, name, c, CPG_REASON_JOIN, NULL);
	return CS_OK;
}

static int32_t do_leave(struct fake *f, struct fclient *c, const struct cpg_name *name)
{
	if (!c->joined || !same(&c->group, name))
		return CS_ERR_NOT_EXIST;
	c->joined = false;
	f->gen++;
	confchg(f, name, c, CPG_REASON_LEAVE, c);
	return CS_OK;
}

/* The whole answer into all[] (at most FAKE_MAX_CLIENTS entries); the count. */
static uint32_t do_iterate(struct fake *f, uint32_t type, const struct cpg_name *name,
			   struct cpg_iteration_description_t *all)
{
	uint32_t n = 0;

	for (int i = 0; i < FAKE_MAX_CLIENTS; i++) {
		struct fclient *c = f->c[i];
		bool dup = false;

		if (c == NULL || !c->joined)
			continue;
		if (type == CPG_ITERATION_ONE_GROUP && !same(&c->group, name))
			continue;
		if (type == CPG_ITERATION_NAME_ONLY)
			for (uint32_t j = 0; j < n; j++)
				dup |= same(&all[j].group, &c->group);
		if (dup)
			continue;
		memset(&all[n], 0, sizeof(all[n]));
		all[n].group = c->group;
		if (type != CPG_ITERATION_NAME_ONLY) {
			all[n].nodeid = f->o.nodeid;
			all[n].pid = c->pid;
		}
		n++;
	}
	return n;
}

static void serve_ctl(struct fake *f, struct fclient *c)
{
	uint32_t seq = rc_shmd_req_seq(&c->shm), max, total = 0, count = 0;
	struct rc_shmd_req r;
	int32_t status = CS_OK;

	if (c->join_held && !rc_load_acq32(&f->hold_join)) {
		c->join_held = false;
		rc_shmd_reply(&c->shm, c->last_req, c->join_status, 0, 0, f->gen);
		c->wake = true;
	}
	if (seq == c->last_req || !rc_load_acq32(&f->answering))
		return;
	if (rc_shmd_tx_head(&c->shm) != c->shm.tx_tail)
		return;		/* mcasts queued before the request go first */
	c->last_req = seq;
	rc_shmd_req_read(&c->shm, &r);
	switch (r.type) {
	case RC_REQ_JOIN:
		status = do_join(f, c, &r.name);
		/* EXIST for this very client: said as ringcastd does (shm.h) */
		if (status == CS_ERR_EXIST && c->joined && same(&c->group, &r.name))
			total = 1;
		if (rc_load_acq32(&f->hold_join)) {
			/* applied: its confchg is out, and what comes after */
			c->join_held = true;
			c->join_status = status;
			return;
		}
		break;
	case RC_REQ_LEAVE:
		status = do_leave(f, c, &r.name);
		break;
	case RC_REQ_MEMBERSHIP:
		max = (uint32_t)(c->shm.ctl_size / sizeof(struct cpg_address));
		total = members(f, &r.name, (struct cpg_address *)c->shm.ctl, max);
		break;
	case RC_REQ_ITERATE: {
		/* in pages of what the ctl area holds, from req_from on */
		struct cpg_iteration_description_t all[FAKE_MAX_CLIENTS];

		max = (uint32_t)(c->shm.ctl_size / sizeof(struct cpg_iteration_description_t));
		total = do_iterate(f, r.arg, &r.name, all);
		count = r.from >= total ? 0 : total - r.from < max ? total - r.from : max;
		memcpy(c->shm.ctl, all + (r.from < total ? r.from : total), count * sizeof(all[0]));
		break;
	}
	default:
		status = CS_ERR_INVALID_PARAM;
	}
	rc_shmd_reply(&c->shm, seq, status, r.type == RC_REQ_ITERATE ? count : total, total,
		      f->gen);
	c->wake = true;
}

/* ---- tx ---- */

/* Every completion entry unread (or the client's tail out of range). */
static bool comp_full(struct fclient *c)
{
	int64_t used = rc_shmd_comp_used(&c->shm);

	return used < 0 || used > c->shm.comp_mask;
}

static bool complete(struct fake *f, struct fclient *c, uint64_t off)
{
	if (comp_full(c))
		return false;
	rc_shmd_comp_push(&c->shm, off);
	__atomic_fetch_add(&f->completed, 1, __ATOMIC_RELEASE);
	return true;
}

static void flush_held(struct fake *f, struct fclient *c)
{
	uint32_t i = 0;

	while (i < c->n_held && complete(f, c, c->held[i]))
		i++;
	memmove(c->held, c->held + i, (c->n_held - i) * sizeof(c->held[0]));
	c->n_held -= i;
}

/* Echo one mcast to the sender's group. false: no room anywhere yet. */
static bool echo(struct fake *f, struct fclient *from, const uint8_t *payload, uint32_t len,
		 uint16_t tx_flags)
{
	struct rc_shm_rx_msg m = {
		.nodeid = f->o.nodeid, .pid = from->pid, .len = len,
		.flags = ((tx_flags & RC_SHM_F_SAFE) ? RC_SHM_RX_F_SAFE : 0) | f->o.rx_flags,
	};
	uint64_t pos[FAKE_MAX_CLIENTS];
	int i;

	if (!from->joined)
		return true;
	for (i = 0; i < FAKE_MAX_CLIENTS; i++) {
		struct fclient *c = f->c[i];

		if (c != NULL && !c->closing && c->joined && same(&c->group, &from->group) &&
		    !rx_room(f, c, sizeof(m) + len, &pos[i]))
			return false;
	}
	for (i = 0; i < FAKE_MAX_CLIENTS; i++) {
		struct fclient *c = f->c[i];

		/* nothing goes to a client let go */
		if (c != NULL && !c->closing && c->joined && same(&c->group, &from->group))
			rx_put(c, pos[i], RC_SHM_RX_MSG, &m, sizeof(m), payload, len, NULL, 0);
	}
	return true;
}

/* false: the client broke the protocol and is dropped. */
static bool serve_tx(struct fake *f, struct fclient *c)
{
	uint32_t head = c->closing ? c->close_head : rc_shmd_tx_head(&c->shm);
	struct rc_shm_desc d;

	if (!rc_shmd_tx_head_ok(&c->shm, head))
		return false;
	while (c->shm.tx_tail != head) {
		if (!c->closing &&
		    (c->n_held == FAKE_MAX_HELD || (rc_load_acq32(&f->completing) && comp_full(c))))
			break;
		if (rc_shmd_tx_peek(&c->shm, &d) < 0)
			return false;
		if (!echo(f, c, rc_shmd_tx_payload(&c->shm, &d), d.len - RC_SHM_TX_HDR, d.flags))
			break;
		if (f->late && d.len - RC_SHM_TX_HDR <= f->o.max_msg) {
			f->late_len = d.len - RC_SHM_TX_HDR;
			memcpy(f->late, rc_shmd_tx_payload(&c->shm, &d), f->late_len);
			f->late_pid = c->pid;
			f->late_flags = d.flags;
			f->late_at = now_ms() + f->o.echo_late_ms;
		}
		/* the daemon writes its header into the room the client left */
		memset(c->shm.arena + d.off, 0xA5, RC_SHM_TX_HDR);
		if (c->closing)
			;	/* no completion: the most ringcastd may drop */
		else if (!rc_load_acq32(&f->completing) || !complete(f, c, d.off))
			c->held[c->n_held++] = d.off;
		c->shm.tx_tail++;
		rc_shmd_tx_release(&c->shm);
		__atomic_fetch_add(&f->echoed, 1, __ATOMIC_RELEASE);
	}
	return true;
}

/* ---- clients ---- */

static void drop(struct fake *f, int i)
{
	struct fclient *c = f->c[i];

	if (c->joined) {
		c->joined = false;
		f->gen++;
		confchg(f, &c->group, c, CPG_REASON_PROCDOWN, NULL);
	}
	for (int j = 0; j < FAKE_MAX_CLIENTS; j++)
		if (f->c[j] != NULL)
			wake(f->c[j]);
	munmap(c->base, c->size);
	close(c->sock);
	free(c);
	f->c[i] = NULL;
	__atomic_fetch_sub(&f->clients, 1, __ATOMIC_RELEASE);
}

/* The lcore page (shm.h, rc_shm_lcore): this daemon never sleeps, so a
   client never rings; sealed as the daemon seals it. One per process. */
static struct rc_shm_lcore *lcore_page;	/* `sleeping` stays 0 */

static int lcore_page_fd(void)
{
	static int fd = -1;

	if (fd < 0 && (fd = rc_shm_lcore_create("fake-lcore", &lcore_page)) < 0)
		abort();
	return fd;
}

void fake_set_ring_max_msg(struct fake *f, uint32_t max_msg)
{
	(void)f;
	lcore_page_fd();
	/* pairs with the acquire in libcpg's rc_cpg_max_msg, as the daemon's */
	__atomic_store_n(&lcore_page->max_msg, max_msg, __ATOMIC_RELEASE);
}

static int send_welcome(int sock, int32_t status, uint64_t size, int memfd)
{
	struct rc_ipc_welcome w = { .type = RC_IPC_WELCOME, .status = status, .region_size = size };
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[2] = { memfd, status == CS_OK ? lcore_page_fd() : -1 };

	memset(&cbuf, 0, sizeof(cbuf));

	if (status == CS_OK) {
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cbuf.c.cmsg_level = SOL_SOCKET;
		cbuf.c.cmsg_type = SCM_RIGHTS;
		cbuf.c.cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(&cbuf.c), fds, sizeof(fds));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == sizeof(w) ? 0 : -1;
}

/*
 * The client maps, then says so: seal the memfd against holes like the
 * daemon (a mapping made after the seal could not be writable), answer.
 * Anything else is left to the loop, which drops a socket that speaks.
 */
static void await_mapped(struct fake *f, int sock, int memfd)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct rc_ipc_mapped m;
	struct rc_ipc_sealed s = { .type = RC_IPC_SEALED, .status = CS_OK };

	if (poll(&p, 1, 5000) != 1 || recv(sock, &m, sizeof(m), MSG_PEEK) != sizeof(m) ||
	    m.type != RC_IPC_MAPPED || recv(sock, &m, sizeof(m), 0) != sizeof(m))
		return;
	if (f->o.refuse_sealed)
		s.status = CS_ERR_NO_MEMORY;
	else if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) < 0)
		abort();
	send(sock, &s, sizeof(s), MSG_NOSIGNAL);
}

static void accept_one(struct fake *f)
{
	struct rc_ipc_hello hello;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct rc_shm_hdr lay;
	struct fclient *c;
	int sock, memfd, slot;

	sock = accept4(f->lsock, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		return;
	if (f->o.refuse_unread) {
		/* Wait until the hello is queued, answer, close with it unread:
		   what a daemon that refuses at accept does when the client's
		   hello beats it. The close sets ECONNRESET on the client's
		   socket ahead of the queued welcome. */
		struct pollfd p = { .fd = sock, .events = POLLIN };

		if (poll(&p, 1, 5000) == 1)
			send_welcome(sock, CS_ERR_ACCESS, 0, -1);
		close(sock);
		return;
	}
	if (recv(sock, &hello, sizeof(hello), 0) != sizeof(hello) || hello.type != RC_IPC_HELLO ||
	    getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		close(sock);
		return;
	}
	if (f->o.refuse) {
		send_welcome(sock, CS_ERR_ACCESS, 0, -1);
		close(sock);
		return;
	}
	for (slot = 0; slot < FAKE_MAX_CLIENTS && f->c[slot] != NULL; slot++)
		;
	if (slot == FAKE_MAX_CLIENTS ||
	    rc_shm_layout(&lay, f->o.tx_entries, f->o.rx_entries, f->o.comp_entries,
			  f->o.ctl_size, f->o.arena_size, f->o.rxa_size) < 0) {
		send_welcome(sock, CS_ERR_NO_RESOURCES, 0, -1);
		close(sock);
		return;
	}
	c = calloc(1, sizeof(*c));
	memfd = memfd_create("rc-fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (c == NULL || memfd < 0 || ftruncate(memfd, (off_t)lay.size) < 0)
		abort();
	c->base = mmap(NULL, lay.size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (c->base == MAP_FAILED)
		abort();
	c->size = lay.size;
	lay.nodeid = f->o.nodeid;
	lay.max_msg = f->o.max_msg;
	memcpy(c->base, &lay, sizeof(lay));
	rc_shmd_init(&c->shm, c->base, &lay);
	c->sock = sock;
	c->pid = (uint32_t)cred.pid;
	if (f->o.bad_magic)
		c->shm.h->magic ^= 1;
	f->c[slot] = c;
	__atomic_fetch_add(&f->clients, 1, __ATOMIC_RELEASE);
	if (f->o.totem_at_attach)
		totem(f, c, f->o.nodeid, 0x10);
	send_welcome(sock, CS_OK, lay.size + (f->o.short_file ? RC_SHM_ALIGN : 0), memfd);
	await_mapped(f, sock, memfd);
	close(memfd);
	wake(c);
}

static bool serve(struct fake *f, int i)
{
	struct fclient *c = f->c[i];
	uint32_t rx = c->shm.rx_head, comp = c->shm.comp_head, tx = c->shm.tx_tail;
	uint32_t req = c->last_req;

	if (rc_load_acq32(&f->completing))
		flush_held(f, c);
	if (rc_load_acq32(&f->consuming) && !serve_tx(f, c)) {
		__atomic_fetch_add(&f->bad, 1, __ATOMIC_RELEASE);
		drop(f, i);
		return true;
	}
	if (c->closing && c->shm.tx_tail == c->close_head) {
		/* what it queued is out: the socket closes a moment later, as
		   in ringcastd (PROCDOWN, the engine lets go, the control
		   thread closes it), and a sender has time to try again */
		uint64_t ms = now_ms();

		if (!c->drop_at) {
			c->drop_at = ms + 20;
		} else if (ms >= c->drop_at && !c->drained) {
			rc_shmd_drained(&c->shm);	/* as ringcastd's maybe_gone */
			rc_shm_room_wake(c->shm.h);
			c->drained = true;
			c->drop_at = ms + rc_load_acq32(&f->linger_ms);
		}
		if (c->drained && ms >= c->drop_at) {
			drop(f, i);
			return true;
		}
	}
	serve_ctl(f, c);
	wake(c);
	if ((comp != c->shm.comp_head || tx != c->shm.tx_tail) && rc_shm_room_wake(c->shm.h))
		__atomic_fetch_add(&f->room_wakes, 1, __ATOMIC_RELEASE);
	return rx != c->shm.rx_head || comp != c->shm.comp_head || tx != c->shm.tx_tail ||
	       req != c->last_req;
}

static void commands(struct fake *f)
{
	uint32_t t = rc_load_acq32(&f->totem_cmds), closes = rc_load_acq32(&f->close_cmds);
	struct rc_shm_desc bad = { .off = 1ull << 40, .len = 64, .type = RC_SHM_RX_MSG };

	for (; f->totem_done != t; f->totem_done++)
		for (int i = 0; i < FAKE_MAX_CLIENTS; i++)
			if (f->c[i] != NULL) {
				totem(f, f->c[i], rc_load_acq32(&f->totem_rep),
				      rc_load_acq64(&f->totem_seq));
				wake(f->c[i]);
			}
	if (f->close_done != closes) {
		for (int i = 0; i < FAKE_MAX_CLIENTS; i++)
			if (f->c[i] != NULL && !f->c[i]->closing) {
				f->c[i]->close_head = rc_shmd_tx_close(&f->c[i]->shm);
				f->c[i]->closing = true;
				f->c[i]->n_held = 0;	/* dropped, as below */
				f->c[i]->wake = true;	/* as ringcastd: a sleeper learns it */
			}
		rc_store_rel32(&f->close_done, closes);
	}
	if (__atomic_exchange_n(&f->garbage, 0, __ATOMIC_ACQ_REL))
		for (int i = 0; i < FAKE_MAX_CLIENTS; i++) {
			struct fclient *c = f->c[i];

			if (c == NULL)
				continue;
			/* not rc_shmd_rx_commit: no record, and rxa_head stays */
			c->shm.rx[c->shm.rx_head & c->shm.rx_mask] = bad;
			c->shm.rx_head++;
			rc_store_rel32(&c->shm.h->rx_head.v, c->shm.rx_head);
			c->wake = true;
			wake(c);
			__atomic_add_fetch(&f->garbage_sent, 1, __ATOMIC_RELEASE);
		}
}

/* echo_late_ms: nothing came for that long; the last message once more. */
static void late_echo(struct fake *f)
{
	if (!f->late_at || now_ms() < f->late_at)
		return;
	for (int i = 0; i < FAKE_MAX_CLIENTS; i++) {
		struct fclient *c = f->c[i];

		if (c != NULL && c->pid == f->late_pid && c->joined && !c->closing &&
		    echo(f, c, f->late, f->late_len, f->late_flags)) {
			__atomic_fetch_add(&f->late_echoed, 1, __ATOMIC_RELEASE);
			break;
		}
	}
	f->late_at = 0;
}

static void *run(void *arg)
{
	struct fake *f = arg;
	struct pollfd p[FAKE_MAX_CLIENTS + 1];
	int idx[FAKE_MAX_CLIENTS + 1], n, i;
	bool busy;

	while (!rc_load_acq32(&f->stop) && !rc_load_acq32(&f->dead)) {
		uint32_t queued = 0;

		/* every switch set before this is seen by the pass below */
		rc_store_rel32(&f->sync_done, rc_load_acq32(&f->sync_req));
		commands(f);
		busy = false;
		for (i = 0; i < FAKE_MAX_CLIENTS; i++)
			if (f->c[i] != NULL) {
				busy |= serve(f, i);
				if (f->c[i] != NULL)
					queued += rc_shmd_tx_head(&f->c[i]->shm) - f->c[i]->shm.tx_tail;
			}
		rc_store_rel32(&f->queued, queued);
		late_echo(f);
		if (busy)
			continue;
		p[0].fd = f->lsock;
		p[0].events = POLLIN;
		for (i = 0, n = 1; i < FAKE_MAX_CLIENTS; i++) {
			if (f->c[i] == NULL)
				continue;
			p[n].fd = f->c[i]->sock;
			p[n].events = POLLIN | POLLRDHUP;
			idx[n++] = i;
		}
		if (poll(p, (nfds_t)n, 1) <= 0)
			continue;
		if (p[0].revents & POLLIN)
			accept_one(f);
		for (i = 1; i < n; i++)
			if (p[i].revents)
				drop(f, idx[i]);	/* the socket carries nothing but a hang-up */
	}
	for (i = 0; i < FAKE_MAX_CLIENTS; i++) {
		if (f->c[i] == NULL)
			continue;
		munmap(f->c[i]->base, f->c[i]->size);
		close(f->c[i]->sock);
		free(f->c[i]);
		f->c[i] = NULL;
	}
	close(f->lsock);
	unlink(f->path);
	return NULL;
}

int fake_start(const struct fake_opts *o, struct fake **out)
{
	static int serial;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -ENOMEM;
	f->o = *o;
	if (o->echo_late_ms && (f->late = malloc(o->max_msg)) == NULL) {
		free(f);
		return -ENOMEM;
	}
	f->consuming = f->completing = f->answering = 1;
	fake_set_ring_max_msg(f, 0);	/* none published: the region's max_msg */
	snprintf(f->path, sizeof(f->path), "/tmp/rc-fake-%d-%d.sock", (int)getpid(), serial++);
	unlink(f->path);
	strcpy(sa.sun_path, f->path);
	f->lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (f->lsock < 0 || bind(f->lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->lsock, 16) < 0) {
		int err = errno;

		free(f->late);
		free(f);
		return -err;
	}
	setenv("RINGCAST_SOCKET", f->path, 1);
	if (pthread_create(&f->thread, NULL, run, f) != 0) {
		close(f->lsock);
		free(f->late);
		free(f);
		return -EAGAIN;
	}
	*out = f;
	return 0;
}

void fake_die(struct fake *f)
{
	rc_store_rel32(&f->dead, 1);
	pthread_join(f->thread, NULL);
	f->thread = 0;
}

void fake_stop(struct fake *f)
{
	if (f->thread) {
		rc_store_rel32(&f->stop, 1);
		pthread_join(f->thread, NULL);
	}
	free(f->late);
	free(f);
}

void fake_set_consuming(struct fake *f, bool on) { rc_store_rel32(&f->consuming, on); }
void fake_set_completing(struct fake *f, bool on) { rc_store_rel32(&f->completing, on); }
void fake_set_answering(struct fake *f, bool on) { rc_store_rel32(&f->answering, on); }
void fake_set_hold_join(struct fake *f, bool on) { rc_store_rel32(&f->hold_join, on); }
void fake_send_garbage(struct fake *f) { rc_store_rel32(&f->garbage, 1); }
void fake_close(struct fake *f) { __atomic_fetch_add(&f->close_cmds, 1, __ATOMIC_RELEASE); }
bool fake_closed(struct fake *f) { return rc_load_acq32(&f->close_done) == rc_load_acq32(&f->close_cmds); }
uint32_t fake_queued(struct fake *f) { return rc_load_acq32(&f->queued); }

bool fake_sync(struct fake *f)
{
	uint32_t want = __atomic_add_fetch(&f->sync_req, 1, __ATOMIC_ACQ_REL);
	struct timespec ts = { 0, 100000 };

	/* a pass starts at most 1 ms apart (its poll's bound) */
	for (int i = 0; i < 50000 && (int32_t)(rc_load_acq32(&f->sync_done) - want) < 0; i++)
		nanosleep(&ts, NULL);
	return (int32_t)(rc_load_acq32(&f->sync_done) - want) >= 0;
}

void fake_set_drained_linger(struct fake *f, uint32_t ms) { rc_store_rel32(&f->linger_ms, ms); }
uint32_t fake_garbage_sent(struct fake *f) { return rc_load_acq32(&f->garbage_sent); }
uint64_t fake_echoed(struct fake *f) { return rc_load_acq64(&f->echoed); }
uint64_t fake_completed(struct fake *f) { return rc_load_acq64(&f->completed); }
uint32_t fake_clients(struct fake *f) { return rc_load_acq32(&f->clients); }
uint64_t fake_bad(struct fake *f) { return rc_load_acq64(&f->bad); }
uint64_t fake_room_wakes(struct fake *f) { return rc_load_acq64(&f->room_wakes); }
uint64_t fake_late_echoed(struct fake *f) { return rc_load_acq64(&f->late_echoed); }

void fake_send_totem(struct fake *f, uint32_t rep, uint64_t seq)
{
	rc_store_rel32(&f->totem_rep, rep);
	rc_store_rel64(&f->totem_seq, seq);
	__atomic_fetch_add(&f->totem_cmds, 1, __ATOMIC_RELEASE);
}

bool fake_wait(bool (*pred)(void *arg), void *arg, int ms)
{
	struct timespec ts = { 0, 100000 };

	for (int i = 0; i < ms * 10; i++) {
		if (pred(arg))
			return true;
		nanosleep(&ts, NULL);
	}
	return pred(arg);
}
