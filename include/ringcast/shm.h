/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client connection: a SOCK_SEQPACKET control socket and one shared
 * region per connection. Defined once, here, for libcpg (lib/) and the daemon
 * (control/, dataplane/). Offsets, never pointers. Sizes are _Static_asserted.
 *
 * Attach:
 *   client -> daemon   rc_ipc_hello              (SO_PEERCRED checked)
 *   daemon -> client   rc_ipc_welcome + SCM_RIGHTS [region memfd,
 *                      lcore page memfd]
 *                      (status CS_ERR_ACCESS and no fds when refused)
 *   client             maps the region writable (MAP_SHARED), the lcore
 *                      page read-only (it is sealed against writable
 *                      mappings), and closes both memfds
 *   client -> daemon   rc_ipc_mapped
 *   daemon -> client   rc_ipc_sealed             (CS_OK: attached; else
 *                      refused, and the socket closes)
 * After that the socket carries only wake-ups, one byte each: daemon to
 * client (see `sleeping`), and client to daemon, the doorbell (see
 * rc_shm_lcore), so that the socket is the one descriptor a handle holds
 * and the one cpg_fd_get() returns, as with corosync; its hang-up tells
 * either side that the other is gone. The memfd is sealed against shrinking and growing from
 * the start, and on rc_ipc_mapped against writes by any new mapping
 * (F_SEAL_FUTURE_WRITE), which also forbids punching holes in it
 * (fallocate PUNCH_HOLE, madvise MADV_REMOVE): a hole in a hugetlb region
 * would make the daemon's next write there fault for a page the pool may no
 * longer have (SIGBUS). Mappings made before the seal stay writable, which
 * is why the client maps first. The daemon touches the region only after
 * the seal, when every page is backed. Everything else goes through the
 * region:
 *
 *   region := rc_shm_hdr | tx ring | rx ring | completion ring | ctl area |
 *             tx arena | rx area                (each part 4 KiB aligned)
 *
 *   tx ring (client -> daemon)  rc_shm_desc: an mcast, message in the tx arena
 *   completion (daemon -> client) rc_shm_desc: that buffer is free again:
 *                               the daemon holds its own copy of the
 *                               payload, or (zero copy: a trusted
 *                               client's message of RC_SHM_ZC_MIN or
 *                               more) every node holds the message, and
 *                               it never reads the buffer for that send
 *                               again. The sends of one buffer complete
 *                               in their order (one refused at once, the
 *                               client not joined, may overtake one
 *                               still queued): a client's sends of one
 *                               size class are all copied or all zero
 *                               copy, and libcpg sends a buffer in place
 *                               only from RC_SHM_ZC_MIN bytes.
 *   rx ring (daemon -> client)  rc_shm_desc: a message, confchg or totem
 *                               confchg, its bytes in the rx area
 *   ctl (request/reply)         one synchronous request at a time: join,
 *                               leave, membership, iteration
 *
 * Rings are single-producer/single-consumer; head and tail are free-running
 * uint32 counters on their own cache lines; entries = 2^k. The producer
 * writes entries then releases head; the consumer acquires head, reads, then
 * releases tail.
 *
 * The daemon trusts nothing the client writes: it keeps its own copy of every
 * size and index, reads each shared field once, and disconnects a client whose
 * indexes, offsets or lengths are out of range.
 */
#ifndef RINGCAST_SHM_H
#define RINGCAST_SHM_H

#include <stdint.h>

#include <corosync/cpg.h>

#define RC_SHM_MAGIC		0x48534352u	/* "RCSH" read as little-endian */
/*
 * 2: a completion means the daemon copied the payload (it used to mean
 *    "every node holds it"): the library waits for it to hand a zcb buffer
 *    back to the application; and room_wait, the sender's backpressure
 *    wait (shm_room.h). Version 1 libraries and daemons are refused at the
 *    hello with CS_ERR_VERSION.
 * 3: zero copy again, for trusted clients: a completion of a message of
 *    RC_SHM_ZC_MIN or more may mean "every node holds it", and the library
 *    sends a buffer in place only from RC_SHM_ZC_MIN, so that the sends of
 *    one buffer still complete in their order.
 */
#define RC_SHM_VERSION		3
#define RC_SHM_ZC_MIN		8192u	/* a trusted client's messages from here go zero-copy */
#define RC_SHM_ALIGN		4096u
#define RC_SHM_LINE		64
#define RC_SHM_MSG_ALIGN	16u		/* tx buffers and rx records */
#define RC_IPC_VERSION		4	/* 2: rc_ipc_mapped, rc_ipc_sealed;
					   3: wake-ups on the socket, no eventfd;
					   4: the lcore page, the doorbell */
#define RC_SOCKET_DEFAULT	"/run/ringcast/ringcastd.sock"

/* ---- control socket ---- */

enum rc_ipc_type {
	RC_IPC_HELLO = 1,	/* client -> daemon */
	RC_IPC_WELCOME = 2,	/* daemon -> client */
	RC_IPC_MAPPED = 3,	/* client -> daemon: the region is mapped */
	RC_IPC_SEALED = 4,	/* daemon -> client: sealed, backed, attached */
};

struct rc_ipc_hello {
	uint32_t type;		/* RC_IPC_HELLO */
	uint32_t version;	/* RC_IPC_VERSION */
	uint32_t shm_version;	/* RC_SHM_VERSION */
	uint32_t flags;		/* 0 */
};
_Static_assert(sizeof(struct rc_ipc_hello) == 16, "hello is 16 bytes");

struct rc_ipc_welcome {
	uint32_t type;		/* RC_IPC_WELCOME */
	int32_t status;		/* a cs_error_t: CS_OK, CS_ERR_ACCESS, CS_ERR_VERSION, ... */
	uint64_t region_size;	/* bytes to mmap from the memfd */
};
_Static_assert(sizeof(struct rc_ipc_welcome) == 16, "welcome is 16 bytes");

struct rc_ipc_mapped {
	uint32_t type;		/* RC_IPC_MAPPED */
	uint32_t flags;		/* 0 */
};
_Static_assert(sizeof(struct rc_ipc_mapped) == 8, "mapped is 8 bytes");

struct rc_ipc_sealed {
	uint32_t type;		/* RC_IPC_SEALED */
	int32_t status;		/* CS_OK, or CS_ERR_NO_MEMORY / CS_ERR_LIBRARY: refused */
};
_Static_assert(sizeof(struct rc_ipc_sealed) == 8, "sealed is 8 bytes");

/* ---- ring entries ---- */

enum rc_shm_desc_type {
	/* tx ring */
	RC_SHM_TX_MCAST = 1,		/* off (from the arena's start)/len: RC_SHM_TX_HDR
					   bytes of room, then the payload */
	/* completion ring */
	RC_SHM_COMP_FREE = 2,		/* off: the tx buffer is free again (copied) */
	/* rx ring: off is a free-running byte position in the rx area */
	RC_SHM_RX_MSG = 3,		/* rc_shm_rx_msg + payload */
	RC_SHM_RX_CONFCHG = 4,		/* rc_shm_rx_confchg + cpg_address[] */
	RC_SHM_RX_TOTEM = 5,		/* rc_shm_rx_totem + uint32 members[] */
};

enum rc_shm_sleep {
	RC_SHM_AWAKE = 0,
	RC_SHM_SLEEP = 1,		/* wake me with the next record */
	RC_SHM_KICK = 2,		/* wake me at your next pass */
};

enum rc_shm_desc_flags {
	RC_SHM_F_SAFE = 1,		/* TX: CPG_TYPE_SAFE; otherwise agreed */
};

struct rc_shm_desc {
	uint64_t off;
	uint32_t len;		/* bytes at off, header included */
	uint16_t type;		/* rc_shm_desc_type */
	uint16_t flags;		/* rc_shm_desc_flags */
};
_Static_assert(sizeof(struct rc_shm_desc) == 16, "ring entry is 16 bytes");

/*
 * A message in the tx arena starts with room for the CPG header the daemon
 * writes itself (group, pid: never taken from the client); the payload
 * follows at RC_SHM_TX_HDR. The buffer starts RC_SHM_MSG_ALIGN-aligned.
 */
#define RC_SHM_TX_HDR		160u
_Static_assert(RC_SHM_TX_HDR % RC_SHM_MSG_ALIGN == 0, "payload stays aligned");

/*
 * What the daemon knows of a delivery and the CPG callback cannot say; a
 * client reads it with ringcast_cpg_delivery_flags() (<ringcast/cpg_ext.h>,
 * whose RINGCAST_DELIVERY_* have these values).
 */
enum rc_shm_rx_flags {
	RC_SHM_RX_F_SAFE = 1,		/* sent CPG_TYPE_SAFE */
	RC_SHM_RX_F_TRANSITIONAL = 2,	/* delivered in the transitional
					   configuration (recovered at a ring
					   change), not in the regular one */
};

/* rx area records: each starts RC_SHM_MSG_ALIGN-aligned at desc.off. */
struct rc_shm_rx_msg {
	uint32_t nodeid;
	uint32_t pid;
	uint32_t len;		/* payload bytes that follow */
	uint32_t flags;		/* rc_shm_rx_flags (0 from daemons before them) */
};
_Static_assert(sizeof(struct rc_shm_rx_msg) == 16, "rx message header is 16 bytes");

struct rc_shm_rx_confchg {
	struct cpg_name group;
	uint32_t n_member, n_left, n_joined;
	/* then struct cpg_address [n_member], [n_left], [n_joined] */
};
_Static_assert(sizeof(struct rc_shm_rx_confchg) == 144, "rx confchg header is 144 bytes");

struct rc_shm_rx_totem {
	uint32_t rep;		/* cpg_ring_id.nodeid */
	uint32_t n_members;
	uint64_t seq;		/* cpg_ring_id.seq */
	/* then uint32_t members[n_members] */
};
_Static_assert(sizeof(struct rc_shm_rx_totem) == 16, "rx totem header is 16 bytes");

/* ---- synchronous requests (ctl) ---- */

enum rc_shm_req_type {
	RC_REQ_JOIN = 1,	/* name; status CS_OK or CS_ERR_EXIST (rep_total 1:
				   this client is in that group, from a join whose
				   answer it stopped waiting for; 0: another) */
	RC_REQ_LEAVE = 2,	/* name; CS_OK or CS_ERR_NOT_EXIST */
	RC_REQ_MEMBERSHIP = 3,	/* name; reply cpg_address[count] */
	RC_REQ_ITERATE = 4,	/* arg = cpg_iteration_type_t, name for ONE_GROUP;
				   reply cpg_iteration_description_t[count] */
};

/*
 * The client fills req_* and the name, then releases req_seq + 1. The daemon
 * answers once every mcast the client queued before the request has been
 * taken from the tx ring (a join orders before the messages that follow it),
 * writes the reply into the ctl area and releases rep_seq = req_seq.
 */
struct rc_shm_ctl {
	uint32_t req_seq;
	uint32_t req_type;
	uint32_t req_arg;
	uint32_t req_from;	/* ITERATE: the first entry wanted (a page of a long answer) */
	struct cpg_name req_name;
	uint32_t rep_seq __attribute__((aligned(RC_SHM_LINE)));
	int32_t rep_status;	/* a cs_error_t */
	uint32_t rep_count;	/* entries in the ctl area: the answer's from req_from on */
	uint32_t rep_total;	/* entries of the whole answer (version 2) */
	uint64_t rep_gen;	/* ITERATE: the group table's generation; the pages of one
				   answer agree only if they carry the same (version 2) */
};

/* A free-running counter on its own cache line. */
struct rc_shm_idx {
	uint32_t v;
	uint8_t pad_[RC_SHM_LINE - sizeof(uint32_t)];
};
_Static_assert(sizeof(struct rc_shm_idx) == RC_SHM_LINE, "index fills a line");

struct rc_shm_hdr {
	/* written by the daemon before the region is handed over; constant */
	uint32_t magic;
	uint32_t version;
	uint64_t size;			/* the whole region */
	uint32_t nodeid;		/* cpg_local_get() */
	uint32_t max_msg;		/* cpg_max_atomic_msgsize_get() */
	uint32_t tx_entries, rx_entries, comp_entries, reserved;
	uint64_t tx_off, rx_off, comp_off;	/* rc_shm_desc arrays */
	uint64_t ctl_off, ctl_size;		/* reply entries */
	uint64_t arena_off, arena_size;		/* tx buffers, the client allocates */
	uint64_t rxa_off, rxa_size;		/* rx records, the daemon allocates */

	/* indexes: each written by one side only */
	struct rc_shm_idx tx_head __attribute__((aligned(RC_SHM_LINE)));	/* client */
	struct rc_shm_idx tx_tail;	/* daemon */
	struct rc_shm_idx comp_head;	/* daemon */
	struct rc_shm_idx comp_tail;	/* client */
	struct rc_shm_idx rx_head;	/* daemon */
	struct rc_shm_idx rx_tail;	/* client */
	/* rx area bytes: the daemon has written up to rxa_head; the client has
	   consumed up to rxa_tail (free-running byte positions, 64 bits) */
	uint64_t rxa_head __attribute__((aligned(RC_SHM_LINE)));	/* daemon */
	uint64_t rxa_tail __attribute__((aligned(RC_SHM_LINE)));	/* client */
	/* the client sets RC_SHM_SLEEP (seq_cst) before it sleeps and re-checks
	   its rings; the daemon, after a seq_cst fence, exchanges it with 0 and
	   sends one byte on the socket each time it got a value other than 0.
	   RC_SHM_KICK asks for that byte at the daemon's next pass even with
	   nothing new: the client's own records are pending and its descriptor
	   must become readable (a client cannot write to its own socket). */
	uint32_t sleeping __attribute__((aligned(RC_SHM_LINE)));
	/* backpressure (shm_room.h): a sender that found the tx ring or the
	   arena full sets 1 (seq_cst) and re-checks tx_tail and comp_head
	   before it sleeps on this word (a futex); the daemon, after releasing
	   either index (or close_state = DRAINED, for an in-place zcb send)
	   and a seq_cst fence, exchanges it with 0 and wakes the futex each
	   time it got 1 */
	uint32_t room_wait __attribute__((aligned(RC_SHM_LINE)));
	/* counters the daemon keeps for the client (flow control, tests) */
	uint64_t backlog_bytes __attribute__((aligned(RC_SHM_LINE)));	/* daemon: reserved, 0 today */
	/* the daemon lets the client go (a hang-up, or it stopped reading):
	   rc_shm_close_state, then the tx head it takes entries up to. See
	   "Closing" below. 0 (RC_SHM_OPEN) in daemons before it: never closed
	   this way, as before. */
	uint32_t close_state;	/* daemon */
	uint32_t close_head;	/* daemon, before close_state = RC_SHM_CLOSED */
	/* (close_state then goes to RC_SHM_DRAINED once all of it went out) */
	struct rc_shm_ctl ctl __attribute__((aligned(RC_SHM_LINE)));
};
_Static_assert(sizeof(struct rc_shm_hdr) % RC_SHM_LINE == 0, "header fills whole lines");
_Static_assert(sizeof(struct rc_shm_hdr) <= RC_SHM_ALIGN, "header fits in its page");

/*
 * Closing. The daemon lets a client go when it hangs up and when it stops
 * reading its rx area until no record fits (a backlog). Every send that
 * returned CS_OK must still go out, so the daemon takes the client's tx
 * entries up to a head it fixes, and says which head:
 *   daemon: close_state = CLOSING (seq_cst); fence; head = tx_head
 *           (acquire); close_head = head; close_state = CLOSED (release)
 *   client: tx_head = i + 1 (release); fence (seq_cst, the bell's);
 *           load close_state (acquire)
 * A client that reads OPEN after its push knows the daemon's load of tx_head
 * comes later and sees it: entry i goes out. One that reads CLOSING waits
 * for CLOSED or later (the daemon stores it next); then entry i goes out
 * if and only if i < close_head, and the client is gone either way (its sends fail from
 * now on). Nothing more is delivered to it (the daemon wakes a sleeper so
 * that it learns at once). Completions for a closing client are pushed
 * while its ring has room, until it is gone, and dropped otherwise: the
 * daemon never waits for it to read them. Once every entry before
 * close_head was taken (sent, or refused as for a client still there: too
 * large, not joined) and the daemon holds nothing of the client's (its
 * engine and port are done with the region), it stores DRAINED (release)
 * and wakes a sender waiting for room (shm_room.h), then lets the slot
 * go and the socket closes. So an in-place send of a zcb buffer, waiting
 * for a completion that may never come, ends at DRAINED with CS_OK if its
 * entry was before close_head (as a completion would have ended it). A socket that closes without DRAINED (the
 * daemon stopped or died, or cut the client off for breaking the layout
 * while it drained) promises nothing about the entries not completed.
 */
enum rc_shm_close_state {
	RC_SHM_OPEN = 0,
	RC_SHM_CLOSING = 1,
	RC_SHM_CLOSED = 2,
	RC_SHM_DRAINED = 3,
};

/*
 * The lcore page: one page per daemon, mapped read-only by every client. An
 * idle lcore sleeps until a frame arrives, a timer is due or someone rings:
 * it sets `sleeping` (seq_cst), looks once more at every client's rings and
 * requests, then sleeps in the kernel. A client that has just released
 * tx_head, ctl.req_seq or a KICK in `sleeping` (each followed by a seq_cst
 * fence) and finds `sleeping` set rings: it sends one byte on its socket,
 * which the lcore reads and ignores. Either the lcore's last look sees the
 * client's release, or the client sees the flag: nothing waits for a timer.
 * While the lcore is awake no client makes a system call to reach it.
 */
struct rc_shm_lcore {
	uint32_t magic;		/* RC_SHM_LCORE_MAGIC */
	uint32_t version;	/* RC_SHM_VERSION */
	/* the largest payload a client may send now: the ring's agreed message
	   limit less the CPG header (docs/protocol.md, "The ring's message
	   limit"), at most the region's max_msg. The lcore stores it (release)
	   at start and at each regular configuration; libcpg loads it
	   (acquire) at each send and in cpg_max_atomic_msgsize_get. 0 (a
	   daemon before it): the region's max_msg. */
	uint32_t max_msg;
	uint32_t sleeping __attribute__((aligned(RC_SHM_LINE)));	/* 1: ring */
};
#define RC_SHM_LCORE_MAGIC	0x4c435352u	/* "RSCL" read as little-endian */
#define RC_SHM_LCORE_SIZE	RC_SHM_ALIGN
_Static_assert(sizeof(struct rc_shm_lcore) <= RC_SHM_LCORE_SIZE, "lcore page is one page");

/* Round up to a power-of-two alignment. */
#define RC_SHM_ROUND(x, a)	(((x) + (uint64_t)(a) - 1) & ~((uint64_t)(a) - 1))

/*
 * The one spelling of an acquire load and a release store, for the indexes
 * above (and any other word one thread publishes to another): the writer
 * fills what an index covers, then releases the index; the reader acquires
 * the index, then reads. Each use says what it pairs with.
 */
static inline uint32_t rc_load_acq32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void rc_store_rel32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint64_t rc_load_acq64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void rc_store_rel64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#endif /* RINGCAST_SHM_H */
