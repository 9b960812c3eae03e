/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client attach on the control thread: the SOCK_SEQPACKET listening socket,
 * credentials (SO_PEERCRED against the configured allow-list; root always),
 * one shared region per connection (memfd, hugepages for the first
 * hugepage_clients), handed over with SCM_RIGHTS; once the client says it
 * has mapped the region, the region is sealed against holes, backed page by
 * page, and handed to the lcore, with the socket: after that the lcore
 * writes its one-byte wake-ups on it and reads the client's doorbell bytes
 * (include/ringcast/shm.h); this thread only watches for its hang-up, which
 * detaches the client. The welcome also carries the lcore page's memfd. The socket stays open and the region mapped until
 * the lcore reports the slot gone.
 *
 * Why the seal (include/ringcast/shm.h): a client could otherwise punch a
 * hole in its hugetlb memfd (fallocate PUNCH_HOLE, madvise MADV_REMOVE).
 * The punched huge pages go back to the pool with their reservation, and the
 * lcore's next write there needs a free huge page: with the pool empty, the
 * daemon dies of SIGBUS. F_SEAL_FUTURE_WRITE makes the punch fail (EPERM);
 * it also forbids new writable mappings, so it comes after the client's.
 * What the client punched before it is refilled by fallocate, or the client
 * is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>

#include <ringcast/cpgmsg.h>
#include <ringcast/shm.h>
#include <ringcast/shm_layout.h>

#include "config.h"
#include "ctl.h"
#include "dma.h"
#include "dp.h"
#include "numa.h"
#include "ratelog.h"
#include "start.h"

/* Linux 6.16; the asm-generic value where the headers predate it */
#if defined(SO_PASSRIGHTS)
#define RC_SO_PASSRIGHTS SO_PASSRIGHTS
#elif !defined(__sparc__) && !defined(__hppa__) && !defined(__mips__) && !defined(__alpha__)
#define RC_SO_PASSRIGHTS 83
#endif

/* No descriptors may come with a client's bytes (see on_accept). */
static void no_rights(int fd)
{
#ifdef RC_SO_PASSRIGHTS
	(void)setsockopt(fd, SOL_SOCKET, RC_SO_PASSRIGHTS, &(int){ 0 }, sizeof(int));
#else
	(void)fd;
#endif
}

#define HUGE_PAGE	(2ull << 20)
#define TX_ENTRIES	4096u		/* messages a client may queue */
#define RX_ENTRIES	65536u		/* records waiting for a dispatch (80 B each at 64 B) */
#define COMP_ENTRIES	16384u		/* buffers in flight or not yet reclaimed */
#define CTL_SIZE	(256u << 10)
#define ARENA_SLACK	(4ull << 20)	/* small messages in flight beside a largest one */
#define HELLO_NS	(5ull * 1000 * 1000 * 1000)	/* a silent connection is closed */

enum cl_state {
	CL_FREE = 0,
	CL_HELLO,	/* accepted, waiting for the hello */
	CL_MAPPING,	/* welcomed, waiting for the client to map its region */
	CL_ATTACHED,	/* the lcore has it */
	CL_CLOSING,	/* detach asked; waiting for the lcore to let go */
};

struct client {
	enum cl_state state;
	int fd;
	struct ucred cred;
	uint64_t accepted_ns;	/* CLOCK_MONOTONIC; hello and mapped must follow in HELLO_NS */
	int memfd;
	bool watched;		/* fd is in the loop's poll set */
	void *base;
	uint64_t size;
	bool huge;		/* hugepages */
	struct rc_dma_region dma;	/* as DPDK knows it: registered, mapped (dma.c) */
	struct rc_shm_hdr layout;	/* what we wrote; the lcore checks against it */
};

static struct {
	qb_loop_t *loop;
	struct rc_dp *dp;
	const struct rc_config *cfg;
	uint32_t nodeid;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool warned_no_huge;
	uint32_t n_huge;		/* regions in hugepages now */
	bool said_quota;		/* logged that hugepage_clients was reached */
	int spare_fd;			/* given back to accept (and refuse) at EMFILE */
	int numa_node;			/* client regions' node (-1: any) */
	bool said_numa;			/* logged that it could not be preferred */
	struct rc_ratelog refusals;	/* log lines of refused connections */
	struct rc_ratelog faults;	/* of allowed clients that break the protocol */
	struct client c[RC_DP_MAX_CLIENTS];
} cl = { .fd = -1, .spare_fd = -1 };

_Static_assert(RC_DP_MAX_CLIENTS == RC_CONFIG_MAX_CLIENTS,
	       "the configuration's bounds are the dataplane's slots");

/* A warning of rate limiter r, at most RC_RATELOG_BURST a period; the
   count of those held back (`what`s) goes with the next one logged. */
static void __attribute__((format(printf, 3, 0))) limited_log(struct rc_ratelog *r,
							       const char *what,
							       const char *fmt, va_list ap)
{
	char line[256];
	uint32_t held;

	if (!rc_ratelog_ok(r, rc_dp_now_ns(), &held))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (held)
		qb_log(LOG_WARNING, "%s (and %u %s%s not logged before it)", line, held, what,
		       held == 1 ? "" : "s");
	else
		qb_log(LOG_WARNING, "%s", line);
}

/* What r held back, once its period is over: a count in one line. */
static void limited_summary(struct rc_ratelog *r, const char *what, uint64_t now)
{
	if (!r->held || now - r->start < RC_RATELOG_PERIOD_NS)
		return;
	qb_log(LOG_WARNING, "%u client %s%s not logged in the last %llu s", r->held, what,
	       r->held == 1 ? "" : "s", (unsigned long long)((now - r->start) / 1000000000ull));
	*r = (struct rc_ratelog){ 0 };
}

/* A refused connection's warning. */
static void __attribute__((format(printf, 1, 2))) refusal_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	limited_log(&cl.refusals, "refusal", fmt, ap);
	va_end(ap);
}

/* An allowed client that broke the attach protocol (a bad hello, silence):
   a local user may do that in a loop, thousands of times a second. */
static void __attribute__((format(printf, 1, 2))) fault_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	limited_log(&cl.faults, "client fault", fmt, ap);
	va_end(ap);
}

static bool allowed(const struct ucred *u)
{
	const struct rc_config_ringcast *r = &cl.cfg->ringcast;

	if (u->uid == 0 || u->uid == getuid())
		return true;
	for (uint32_t i = 0; i < r->n_allow_uid; i++)
		if (r->allow_uid[i] == u->uid)
			return true;
	for (uint32_t i = 0; i < r->n_allow_gid; i++)
		if (r->allow_gid[i] == u->gid)
			return true;
	return false;
}

static void welcome(int fd, cs_error_t status, uint64_t size, const int *fds, int nfds)
{
	struct rc_ipc_welcome w = { .type = RC_IPC_WELCOME, .status = status, .region_size = size };
	struct iovec iov = { &w, sizeof(w) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		u.h.cmsg_level = SOL_SOCKET;
		u.h.cmsg_type = SCM_RIGHTS;
		u.h.cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(&u.h), fds, sizeof(int) * (size_t)nfds);
	}
	if (sendmsg(fd, &m, MSG_NOSIGNAL) < 0)
		qb_log(LOG_INFO, "client: cannot answer its hello: %s", strerror(errno));
}

/*
 * Refuse a connection at accept: answer with STATUS and close, so that the
 * client reads the answer whatever it sent. Closing a SOCK_SEQPACKET socket
 * with data unread in its receive queue (the client's hello, sent right
 * after connect, often before we accept) makes the kernel set ECONNRESET
 * on the peer, and the peer's next recvmsg returns that error ahead of the
 * welcome queued for it: the client would see a reset, not the refusal.
 * So: shut our receiving side first (from then on the client's sends fail
 * with EPIPE, which libcpg expects from a refusing daemon, and nothing new
 * can be queued), discard what is already queued, answer, close. No state
 * is kept and nothing waits on the client.
 */
static void refuse(int fd, cs_error_t status)
{
	char b[64];

	if (shutdown(fd, SHUT_RD) < 0)
		qb_log(LOG_INFO, "client: shutdown before refusing: %s", strerror(errno));
	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
	welcome(fd, status, 0, NULL, 0);
	close(fd);
}

/* ---- regions ---- */

/*
 * Sizes: the rx area is max_rx_backlog (what may wait unread); the largest
 * message a client may send or receive is about half of it, so a record
 * always fits once the client has caught up, and at most totem's
 * max_msg_size: this node's own message limit (rc_totem_msg_limit, with
 * rx_msg_max from max_rx_backlog) as a payload. The region says so for
 * good; the lcore page says what the current ring agreed, never more.
 */
static uint32_t client_max_msg(void)
{
	const struct rc_srp_config *s = &cl.cfg->totem.srp;
	uint32_t l = rc_totem_msg_limit(s);

	return rc_shm_payload_max(l < s->max_msg_size ? l : s->max_msg_size);
}

static int region_create(struct client *c)
{
	uint32_t max = client_max_msg();
	uint64_t arena = RC_SHM_ROUND(max + RC_SHM_TX_HDR + ARENA_SLACK, HUGE_PAGE);
	uint64_t rxa = RC_SHM_ROUND(cl.cfg->ringcast.max_rx_backlog, RC_SHM_ALIGN);
	struct rc_shm_hdr *h = &c->layout;
	int ret;

	ret = rc_shm_layout(h, TX_ENTRIES, RX_ENTRIES, COMP_ENTRIES, CTL_SIZE, arena, rxa);
	if (ret < 0)
		return ret;
	/* Whole huge pages: the rx area takes the rest of the last one. */
	rxa += RC_SHM_ROUND(h->size, HUGE_PAGE) - h->size;
	rc_shm_layout(h, TX_ENTRIES, RX_ENTRIES, COMP_ENTRIES, CTL_SIZE, arena, rxa);
	h->nodeid = cl.nodeid;
	h->max_msg = max;

	c->size = h->size;
	/* Hugepages for the first hugepage_clients connections: a region is
	   whole huge pages, allocated at the seal. Beyond, normal pages, backed
	   only where used: hundreds of mostly idle handles cost little. */
	c->memfd = -1;
	if (cl.n_huge < cl.cfg->ringcast.hugepage_clients)
		c->memfd = memfd_create("ringcast-client",
					MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
					MFD_HUGE_2MB);
	if (c->memfd >= 0) {
		c->base = MAP_FAILED;
		if (ftruncate(c->memfd, (off_t)c->size) == 0)
			c->base = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED,
				       c->memfd, 0);
		if (c->base == MAP_FAILED) {
			close(c->memfd);
			c->memfd = -1;
		}
	}
	c->huge = c->memfd >= 0;
	cl.n_huge += c->huge;
	if (c->memfd < 0) {
		if (!cl.warned_no_huge && cl.n_huge < cl.cfg->ringcast.hugepage_clients) {
			qb_log(LOG_WARNING, "no hugepages for a %llu MiB client region: "
			       "using normal pages", (unsigned long long)(c->size >> 20));
			cl.warned_no_huge = true;
		} else if (!cl.said_quota && cl.n_huge >= cl.cfg->ringcast.hugepage_clients) {
			qb_log(LOG_INFO, "%u client regions in hugepages (hugepage_clients): "
			       "more connections get normal pages, backed where used",
			       cl.cfg->ringcast.hugepage_clients);
			cl.said_quota = true;
		}
		c->memfd = memfd_create("ringcast-client", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (c->memfd < 0)
			return -errno;
		if (ftruncate(c->memfd, (off_t)c->size) < 0) {
			ret = -errno;
			goto close_memfd;
		}
		c->base = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
		if (c->base == MAP_FAILED) {
			ret = -errno;
			goto close_memfd;
		}
	}
	/* Near the lcore: pages faulted in from now on (normal pages) come
	   from its node when they can; hugepages follow at the seal. */
	ret = rc_numa_prefer(c->base, c->size, cl.numa_node);
	if (ret < 0 && ret != -ENOSYS && !cl.said_numa) {
		qb_log(LOG_WARNING, "client regions cannot prefer NUMA node %d: %s",
		       cl.numa_node, strerror(-ret));
		cl.said_numa = true;
	}
	/* Its size is fixed: a client cannot shrink it under the lcore's feet.
	   No F_SEAL_SEAL yet: region_seal() adds F_SEAL_FUTURE_WRITE. */
	if (fcntl(c->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		ret = -errno;
		goto unmap;
	}
	memcpy(c->base, h, sizeof(*h));
	/* Registered with DPDK only once sealed and backed (mapped()): the
	   IOVA table needs every page allocated. */
	return 0;

unmap:
	munmap(c->base, c->size);
close_memfd:
	close(c->memfd);
	c->memfd = -1;
	c->base = NULL;
	cl.n_huge -= c->huge;
	c->huge = false;
	return ret;
}

/*
 * The client has mapped its region: no hole can be punched in it from now
 * on, and none is left. 0, or a negative errno and a log line (the client
 * is refused).
 */
static int region_seal(struct client *c)
{
	const int want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL;
	int seals, ret;

	/* F_SEAL_SEAL may be the client's own already (then this fails): the
	   seals we need are checked, not assumed. */
	if (fcntl(c->memfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0 &&
	    errno != EPERM) {
		ret = -errno;
		goto unsealed;
	}
	seals = fcntl(c->memfd, F_GET_SEALS);
	if (seals < 0 || (seals & want) != want) {
		ret = seals < 0 ? -errno : -EPERM;
		goto unsealed;
	}
	/*
	 * Huge pages punched out before the seal are gone from the pool's
	 * reservation for this file: allocate every page now (the ones never
	 * touched take their reservation). After this the lcore never faults
	 * on the region.
	 */
	ret = 0;
	if (c->huge) {
		/* hugetlbfs takes the allocating thread's policy, not the mapping's */
		(void)rc_numa_thread_prefer(cl.numa_node);
		ret = fallocate(c->memfd, 0, 0, (off_t)c->size) < 0 ? -errno : 0;
		rc_numa_thread_restore();
	}
	if (ret < 0) {
		refusal_log("client pid %d refused: its region lost pages (hole punched) "
			    "before it was sealed, and they cannot be refilled: %s",
			    c->cred.pid, strerror(-ret));
		return ret;
	}
	return 0;

unsealed:
	refusal_log("client pid %d refused: its region cannot be sealed against holes "
		    "(seals 0x%x): %s", c->cred.pid, (unsigned int)fcntl(c->memfd, F_GET_SEALS),
		    strerror(-ret));
	return ret;
}

/* After the lcore let the region go, or before it ever had it. */
static void region_destroy(struct client *c)
{
	/* no mbuf points into it (the lcore waits for that): the port's
	   mapping and DPDK's registration go before the memory does */
	if (rc_dma_region_release(&c->dma) < 0)
		c->base = NULL;	/* still in the device's reach: kept for good (logged) */
	if (c->base && c->base != MAP_FAILED)
		munmap(c->base, c->size);
	if (c->base && c->huge)
		cl.n_huge--;
	c->huge = false;
	if (c->memfd >= 0)
		close(c->memfd);
	c->base = NULL;
	c->memfd = -1;
}

/* ---- connections ---- */

/* No more events from the socket; it stays open (the lcore may still send
   wake-ups on it until it reports the slot gone). */
static void sock_unwatch(struct client *c)
{
	if (c->fd >= 0 && c->watched) {
		qb_loop_poll_del(cl.loop, c->fd);
		c->watched = false;
	}
}

static void sock_close(struct client *c)
{
	sock_unwatch(c);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

static void client_free(struct client *c)
{
	sock_close(c);
	region_destroy(c);
	c->state = CL_FREE;
}

static int32_t on_client(int32_t fd, int32_t revents, void *data);
static void detach(struct client *c);

static void hello(struct client *c)
{
	struct rc_ipc_hello h;
	int fds[2], ret;
	ssize_t n;

	n = recv(c->fd, &h, sizeof(h), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != (ssize_t)sizeof(h) || h.type != RC_IPC_HELLO) {
		if (n > 0)
			fault_log("client pid %d: bad hello", c->cred.pid);
		client_free(c);
		return;
	}
	if (h.version != RC_IPC_VERSION || h.shm_version != RC_SHM_VERSION) {
		fault_log("client pid %d: protocol %u/%u, this daemon speaks %u/%u",
			  c->cred.pid, h.version, h.shm_version, RC_IPC_VERSION, RC_SHM_VERSION);
		welcome(c->fd, CS_ERR_VERSION, 0, NULL, 0);
		client_free(c);
		return;
	}
	ret = region_create(c);
	if (ret < 0) {
		qb_log(LOG_ERR, "client pid %d: cannot make its region: %s", c->cred.pid,
		       strerror(-ret));
		welcome(c->fd, CS_ERR_NO_MEMORY, 0, NULL, 0);
		client_free(c);
		return;
	}
	c->state = CL_MAPPING;
	fds[0] = c->memfd;
	fds[1] = rc_dp_lcore_fd(cl.dp);
	welcome(c->fd, CS_OK, c->size, fds, 2);
}

static void sealed(int fd, cs_error_t status)
{
	struct rc_ipc_sealed s = { .type = RC_IPC_SEALED, .status = status };

	if (send(fd, &s, sizeof(s), MSG_NOSIGNAL) < 0)
		qb_log(LOG_INFO, "client: cannot answer its mapped: %s", strerror(errno));
}

/*
 * Did the process have CAP_SYS_PTRACE when it attached (rc_zc_allowed)?
 * Read from /proc by the pid SO_PEERCRED gave at connect: a process that
 * exited since and whose pid went to another would be judged by that one's,
 * which must then be root with the capability too.
 */
static int may_ptrace(pid_t pid)
{
	char path[32], buf[4096];
	unsigned long long caps;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;	/* in a pid namespace this one does not see */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return rc_caps_effective(buf, &caps) == 0 && (caps >> RC_CAP_SYS_PTRACE & 1);
}

/* The client mapped its region: seal it, then the lcore may touch it. */
static void mapped(struct client *c)
{
	struct rc_ipc_mapped m;
	uint32_t slot = (uint32_t)(c - cl.c);
	struct rc_dp_client_attach a;
	struct rc_zc_reach reach;
	int policy = cl.cfg->ringcast.zero_copy, ptrace, zc = 0;
	ssize_t n;

	n = recv(c->fd, &m, sizeof(m), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != (ssize_t)sizeof(m) || m.type != RC_IPC_MAPPED) {
		if (n > 0)
			fault_log("client pid %d: bad message instead of mapped", c->cred.pid);
		client_free(c);
		return;
	}
	if (region_seal(c) < 0) {
		sealed(c->fd, CS_ERR_NO_MEMORY);
		client_free(c);
		return;
	}
	/* Every page is allocated now: its IOVA is known. Only a client whose
	   messages may go out in place, on a port that takes client memory,
	   needs its region known to DPDK (the others' are copied): they take
	   none of the registrations. A region DPDK does not know still works;
	   rc_zc_allowed says whether the port may read it in place. */
	if (rc_dp_zero_copy_port(cl.dp)) {
		ptrace = policy == RC_ZC_ROOT && c->cred.uid == 0 && may_ptrace(c->cred.pid);
		if (rc_zc_trusted(policy, c->cred.uid, ptrace))
			(void)rc_dma_region_register(&c->dma, c->base, c->size,
						     c->huge ? HUGE_PAGE : 0);
		rc_dma_region_reach(&c->dma, &reach);
		zc = rc_zc_allowed(policy, c->cred.uid, ptrace, &reach);
	}
	a = (struct rc_dp_client_attach){
		.slot = slot,
		.pid = (uint32_t)c->cred.pid,
		.base = c->base,
		.size = c->size,
		.wake_fd = c->fd,
		.layout = &c->layout,
		.zc = zc,
		.iova = c->dma.iova,	/* freed in region_destroy, after the slot is gone */
		.page_shift = c->dma.iova ? (uint8_t)__builtin_ctzll(c->dma.page_size) : 0,
	};
	if (rc_dp_client_attach(cl.dp, &a) < 0) {
		sealed(c->fd, CS_ERR_TRY_AGAIN);
		client_free(c);
		return;
	}
	c->state = CL_ATTACHED;
	/* From now on its bytes are doorbells the lcore reads (shm.h): watch
	   only for the hang-up, which is reported whatever the events. */
	if (qb_loop_poll_mod(cl.loop, QB_LOOP_MED, c->fd, 0, c, on_client) < 0) {
		qb_log(LOG_WARNING, "client pid %d: cannot change its watch", c->cred.pid);
		sealed(c->fd, CS_ERR_TRY_AGAIN);
		detach(c);	/* its doorbell would wake this thread for nothing */
		return;
	}
	sealed(c->fd, CS_OK);
	qb_log(LOG_DEBUG, "client pid %d uid %d attached (slot %u, %llu MiB region in %s "
	       "pages, %s, zero copy %s)", c->cred.pid, c->cred.uid, slot,
	       (unsigned long long)(c->size >> 20), c->huge ? "huge" : "normal",
	       c->dma.mapped ? "registered and DMA-mapped" :
	       c->dma.registered ? "registered, not DMA-mapped" : "not registered",
	       a.zc ? "on" : "off");
}

static void detach(struct client *c)
{
	if (c->state == CL_ATTACHED) {
		/* the socket stays open for the lcore's wake-ups until it is gone */
		sock_unwatch(c);
		c->state = CL_CLOSING;
		/* The ring holds two commands per slot: attach, detach. */
		rc_dp_client_detach(cl.dp, (uint32_t)(c - cl.c));
	} else if (c->state == CL_HELLO || c->state == CL_MAPPING) {
		client_free(c);		/* the lcore never had it */
	} else {
		sock_close(c);
	}
}

static int32_t on_client(int32_t fd, int32_t revents, void *data)
{
	struct client *c = data;
	char b;

	if (c->state == CL_HELLO && (revents & POLLIN)) {
		hello(c);
		return 0;
	}
	if (c->state == CL_MAPPING && (revents & POLLIN)) {
		mapped(c);
		return 0;
	}
	/* Attached: its bytes are the lcore's; only the hang-up is ours. */
	if (c->state == CL_ATTACHED) {
		if (revents & (POLLHUP | POLLERR | POLLNVAL))
			detach(c);
		return 0;
	}
	/* Before: anything but silence ends the connection. */
	if (revents & (POLLHUP | POLLERR | POLLNVAL) || recv(fd, &b, 1, MSG_DONTWAIT) >= 0 ||
	    (errno != EAGAIN && errno != EINTR))
		detach(c);
	return 0;
}

/* Connections of uid, in any state but free. */
static uint32_t uid_count(uid_t uid)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < RC_DP_MAX_CLIENTS; i++)
		n += cl.c[i].state != CL_FREE && cl.c[i].cred.uid == uid;
	return n;
}

static int32_t on_accept(int32_t fd, int32_t revents, void *data)
{
	socklen_t len = sizeof(struct ucred);
	struct client *c = NULL;
	struct ucred u;
	int s;

	s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0 && (errno == EMFILE || errno == ENFILE) && cl.spare_fd >= 0) {
		/* Out of descriptors: the connection would stay in the backlog
		   and the socket readable, spinning this loop. Give back the spare
		   one, take the connection, close it (the client sees the
		   refusal as a hang-up), and keep a spare again. */
		close(cl.spare_fd);
		s = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (s >= 0)
			close(s);
		cl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		refusal_log("client refused: out of file descriptors (%u connections; "
			    "raise LimitNOFILE)", rc_clients_count());
		return 0;
	}
	if (s < 0)
		return 0;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &len) < 0) {
		close(s);
		return 0;
	}
	if (!allowed(&u)) {
		refusal_log("client pid %d uid %d gid %d refused: not in allow_uid or "
			    "allow_gid", u.pid, u.uid, u.gid);
		refuse(s, CS_ERR_ACCESS);
		return 0;
	}
	if (u.uid != 0 && uid_count(u.uid) >= cl.cfg->ringcast.max_clients_per_uid) {
		refusal_log("client pid %d uid %d refused: that uid has %u connections "
			    "already (max_clients_per_uid)", u.pid, u.uid,
			    cl.cfg->ringcast.max_clients_per_uid);
		refuse(s, CS_ERR_NO_RESOURCES);
		return 0;
	}
	for (uint32_t i = 0; i < RC_DP_MAX_CLIENTS && !c; i++)
		if (cl.c[i].state == CL_FREE)
			c = &cl.c[i];
	if (!c) {
		refusal_log("client pid %d refused: %u clients attached already", u.pid,
			    RC_DP_MAX_CLIENTS);
		refuse(s, CS_ERR_NO_RESOURCES);
		return 0;
	}
	/* Its bytes are read on the lcore (the doorbell, shm.h): no descriptors
	   may come with them, whose last release could block there (Linux
	   6.16; the listening socket passes it on to connections made before
	   this; older kernels ignore it, and the lcore lets such a client go,
	   its message left for this thread's close). */
	no_rights(s);
	c->state = CL_HELLO;
	c->accepted_ns = rc_dp_now_ns();
	c->fd = s;
	c->cred = u;
	if (qb_loop_poll_add(cl.loop, QB_LOOP_MED, s, POLLIN, c, on_client) < 0) {
		close(s);
		c->fd = -1;
		c->state = CL_FREE;
		return 0;
	}
	c->watched = true;
	return 0;
}

/* ---- entry points ---- */

static void dma_log(int level, const char *line)
{
	qb_log(level, "%s", line);
}

/* The start's line on zero copy: what the policy, the port and EAL allow. */
static void zc_start_log(const struct rc_config *cfg, const struct rc_dma_port *dp,
			 bool zc_port)
{
	const char *who = cfg->ringcast.zero_copy == RC_ZC_ALL ? "all" :
			  "root's (with CAP_SYS_PTRACE)";

	if (cfg->ringcast.zero_copy == RC_ZC_OFF)
		qb_log(LOG_INFO, "zero copy off (zero_copy: off): every client payload is copied");
	else if (!zc_port)
		qb_log(LOG_NOTICE, "zero copy off: the port's driver is neither one known to "
		       "read chained frames by their address at once (net_af_packet, net_tap) "
		       "nor a PCI device with chained tx, so every client payload is copied");
	else if (dp->pci)
		qb_log(LOG_INFO, "zero copy for %s clients' messages of %u KiB or more from "
		       "hugepage regions registered with DPDK and DMA-mapped for PCI port %s "
		       "(IOVA as %s, at most %u regions); other regions are copied", who,
		       RC_DP_ZC_MIN >> 10, cfg->dataplane.port, dp->iova_pa ? "PA" : "VA",
		       dp->max_regions);
	else
		qb_log(LOG_INFO, "zero copy for %s clients' messages of %u KiB or more (IOVA as "
		       "%s%s)", who, RC_DP_ZC_MIN >> 10, dp->iova_pa ? "PA" : "VA",
		       dp->iova_pa ? ": hugepage regions only" : "");
}

int rc_clients_start(qb_loop_t *loop, struct rc_dp *dp, const struct rc_config *cfg,
		     uint32_t nodeid, int numa_node, uint16_t port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rc_dma_port dma_port;
	int ret;

	cl.loop = loop;
	cl.dp = dp;
	cl.cfg = cfg;
	cl.nodeid = nodeid;
	cl.numa_node = numa_node;
	ret = rc_dma_eal_port(port, &dma_port);
	if (ret < 0)
		return ret;
	dma_port.log = dma_log;
	rc_dma_init(&dma_port);
	zc_start_log(cfg, &dma_port, rc_dp_zero_copy_port(dp));
	cl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (uint32_t i = 0; i < RC_DP_MAX_CLIENTS; i++)
		cl.c[i] = (struct client){ .fd = -1, .memfd = -1 };
	_Static_assert(sizeof(cl.path) == RC_CONFIG_RUNTIME_DIR_MAX + sizeof(RC_CONFIG_SOCK_NAME),
		       "config.c's runtime_dir bound is sun_path's");
	ret = snprintf(cl.path, sizeof(cl.path), "%s" RC_CONFIG_SOCK_NAME,
		       cfg->ringcast.runtime_dir);
	if (ret < 0 || (size_t)ret >= sizeof(cl.path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, cl.path, sizeof(cl.path));
	cl.fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cl.fd < 0)
		return -errno;
	no_rights(cl.fd);	/* for connections queued before their accept */
	unlink(cl.path);	/* ours: we hold the runtime directory's lock */
	if (bind(cl.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(cl.path, 0666) < 0 || listen(cl.fd, SOMAXCONN) < 0) {
		ret = -errno;
		goto close_fd;
	}
	ret = qb_loop_poll_add(loop, QB_LOOP_MED, cl.fd, POLLIN, NULL, on_accept);
	if (ret < 0)
		goto close_fd;
	return 0;

close_fd:
	close(cl.fd);
	cl.fd = -1;
	return ret;
}

/*
 * Regions the lcore let go of (a disconnect we asked for, or a kick), and
 * connections that never said hello: a slot is not held by a silent peer.
 */
void rc_clients_poll_gone(void)
{
	struct rc_dp_client_gone g[16];
	uint64_t now = rc_dp_now_ns();
	unsigned int n;

	if (!cl.dp)
		return;
	/* warnings held back by the rate limits, once the flood is over */
	limited_summary(&cl.refusals, "refusal", now);
	limited_summary(&cl.faults, "fault", now);
	for (uint32_t i = 0; i < RC_DP_MAX_CLIENTS; i++) {
		struct client *c = &cl.c[i];

		if ((c->state == CL_HELLO || c->state == CL_MAPPING) &&
		    now - c->accepted_ns > HELLO_NS) {
			fault_log("client pid %d %s in %llu s: closed", c->cred.pid,
				  c->state == CL_HELLO ? "sent no hello" : "did not map its region",
				  (unsigned long long)(HELLO_NS / 1000000000ull));
			client_free(c);
		}
	}
	while ((n = rc_dp_clients_gone(cl.dp, g, 16)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			struct client *c;

			if (g[i].slot >= RC_DP_MAX_CLIENTS)
				continue;
			c = &cl.c[g[i].slot];
			/* The lcore stopped: rc_clients_stop() frees every
			   region at once, after the dataplane is destroyed. */
			if (g[i].reason == RC_DP_GONE_STOPPED)
				continue;
			if (g[i].reason != RC_DP_GONE_DETACHED)
				qb_log(LOG_WARNING, "client pid %d disconnected: %s",
				       c->cred.pid, rc_dp_gone_reason_str(g[i].reason));
			else
				qb_log(LOG_DEBUG, "client pid %d gone", c->cred.pid);
			client_free(c);
		}
	}
}

/* After the lcore stopped for good: everything is ours to free. */
void rc_clients_stop(void)
{
	if (cl.fd >= 0) {
		qb_loop_poll_del(cl.loop, cl.fd);
		close(cl.fd);
		cl.fd = -1;
		unlink(cl.path);
	}
	for (uint32_t i = 0; i < RC_DP_MAX_CLIENTS; i++)
		if (cl.c[i].state != CL_FREE)
			client_free(&cl.c[i]);
}

uint32_t rc_clients_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < RC_DP_MAX_CLIENTS; i++)
		n += cl.c[i].state != CL_FREE;
	return n;
}
