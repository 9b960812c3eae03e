/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpg_hostile: a client that speaks ringcast's attach protocol itself
 * (include/ringcast/shm.h, not libcpg) and then breaks its region in one
 * way. The daemon must disconnect it and carry on. Exit 0 when the daemon
 * closed the connection within the timeout ("KICKED"), 1 otherwise.
 *
 *   tx-index   tx head far beyond the ring       tx-offset  entry outside the arena
 *   tx-len     absurd entry length               tx-type    unknown entry type
 *   rx-tail    rx area tail beyond the head (seen at the next delivery)
 *   rx-back    join, consume its confchg, send itself a message (the
 *              daemon reads the tails at its delivery), then move both rx
 *              tails back to 0 and send another: seen at that delivery
 *   req        unknown request type              slow       join, never read
 *   silent     connect, never say hello (the daemon closes it after 5 s)
 *   unmapped   hello, then never say the region is mapped (the same)
 *   forge PID  join, then send messages whose header room claims to be a
 *              PROCDOWN of process PID (and keep rewriting it): the daemon
 *              writes headers itself, so the group sees plain messages.
 *              Exit 0 after sending (no disconnect expected).
 *   rewrite N  join, then send N messages of 16 000 bytes (the first 4: the
 *              message's number, kept), and rewrite the rest of each
 *              message's bytes in a loop from the moment it is queued until
 *              the daemon completes it (at most 2 s): whatever the daemon
 *              reads, every node must deliver the same bytes for each
 *              message. Exit 0 after sending (no disconnect expected).
 *   punch      join, fault in every huge page of its rx area, punch it out
 *              of the memfd (fallocate PUNCH_HOLE), take every free huge
 *              page of the pool, then send itself a message: the daemon's
 *              write of the delivery needs a fresh huge page. Prints what
 *              happened (PUNCH refused or PUNCHED; EXHAUSTED or NOT
 *              EXHAUSTED; DELIVERED or CLOSED); exit 0 on DELIVERED or
 *              CLOSED (the test tells a kick from a dead daemon), 1 when
 *              neither happened within the timeout, 3 when the region is
 *              not hugetlb (nothing to test). The daemon seals the region
 *              against holes at attach, so the punch should be refused.
 *   punch-early  the same before saying it has mapped its region (not
 *              sealed yet): the whole region past the header; prints
 *              whether the daemon then ATTACHED (refilled) or REFUSED it. Frees the pages it took
 *              before it exits (and the kernel does when it is killed).
 *   ring       attached, rings its doorbell without end for TIMEOUT_S:
 *              bytes on its socket as fast as the socket takes them (the
 *              lcore reads and ignores them, shm.h rc_shm_lcore). Prints
 *              "RANG n bytes"; exit 0 if it is still attached at the end.
 *   bell-fds   attached, rings its doorbell with a descriptor attached
 *              (SCM_RIGHTS): the kernel refuses it (EPERM: the daemon turned
 *              SO_PASSRIGHTS off, Linux 6.16) and the client stays, or the
 *              daemon lets the client go. Prints which; exit 0 on either.
 *   refused    run by a user the daemon does not allow: hello, then one
 *              recvmsg, no retry. Prints "WELCOME status=N" (and whether
 *              the hello went out or met a closed socket) and exits 0 when
 *              that first read is a refusing welcome; prints "RESET" or
 *              what else it got and exits 1. A daemon that closes with the
 *              hello unread in its queue makes the kernel reset the
 *              connection, and the first read fails with ECONNRESET
 *              although the welcome is queued behind the error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ringcast/cpgmsg.h>
#include <ringcast/shm.h>

static int sock_connect(void)
{
	const char *path = getenv("RINGCAST_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path)
		path = RC_SOCKET_DEFAULT;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

static int region_fd = -1;

/* hello, welcome, mmap: the region, not yet sealed nor seen by the lcore */
static struct rc_shm_hdr *welcomed(int fd)
{
	struct rc_ipc_hello hello = { RC_IPC_HELLO, RC_IPC_VERSION, RC_SHM_VERSION, 0 };
	struct rc_ipc_welcome w;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct iovec iov = { &w, sizeof(w) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	int fds[2];
	void *p;

	if (send(fd, &hello, sizeof(hello), 0) != sizeof(hello) ||
	    recvmsg(fd, &m, 0) != sizeof(w) || w.status != CS_OK || !CMSG_FIRSTHDR(&m)) {
		fprintf(stderr, "attach failed (status %d)\n", w.status);
		exit(2);
	}
	memcpy(fds, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(fds));
	region_fd = fds[0];
	p = mmap(NULL, w.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

/* mapped, sealed: the daemon's status (CS_OK: attached) */
static int mapped(int fd)
{
	struct rc_ipc_mapped m = { RC_IPC_MAPPED, 0 };
	struct rc_ipc_sealed s;

	if (send(fd, &m, sizeof(m), 0) != sizeof(m) || recv(fd, &s, sizeof(s), 0) != sizeof(s) ||
	    s.type != RC_IPC_SEALED)
		return -1;
	return s.status;
}

static int refused(int fd, int timeout_s)
{
	struct rc_ipc_hello hello = { RC_IPC_HELLO, RC_IPC_VERSION, RC_SHM_VERSION, 0 };
	struct rc_ipc_welcome w;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	const char *sent = "hello sent";
	ssize_t n;

	if (send(fd, &hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello)) {
		if (errno != EPIPE && errno != ECONNRESET) {
			printf("HELLO FAILED: %s\n", strerror(errno));
			return 1;
		}
		sent = "hello met a closed socket";
	}
	if (poll(&p, 1, timeout_s * 1000) != 1) {
		printf("NO ANSWER within %d s (%s)\n", timeout_s, sent);
		return 1;
	}
	n = recv(fd, &w, sizeof(w), MSG_DONTWAIT);
	if (n < 0) {
		printf("%s (%s)\n", errno == ECONNRESET ? "RESET" : strerror(errno), sent);
		return 1;
	}
	if (n != sizeof(w) || w.type != RC_IPC_WELCOME) {
		printf("NOT A WELCOME: %zd bytes (%s)\n", n, sent);
		return 1;
	}
	printf("WELCOME status=%d (%s)\n", w.status, sent);
	return w.status != CS_OK ? 0 : 1;
}

static struct rc_shm_hdr *attach(int fd)
{
	struct rc_shm_hdr *h = welcomed(fd);
	int st = mapped(fd);

	if (st != CS_OK) {
		fprintf(stderr, "attach failed at the seal (status %d)\n", st);
		exit(2);
	}
	return h;
}

static void request(struct rc_shm_hdr *h, uint32_t type, const char *group)
{
	uint32_t seq = h->ctl.req_seq + 1;

	h->ctl.req_type = type;
	h->ctl.req_name.length = (uint32_t)strlen(group);
	memcpy(h->ctl.req_name.value, group, strlen(group));
	__atomic_store_n(&h->ctl.req_seq, seq, __ATOMIC_RELEASE);
}

static void push_tx(struct rc_shm_hdr *h, uint64_t off, uint32_t len, uint16_t type)
{
	struct rc_shm_desc *tx = (struct rc_shm_desc *)((char *)h + h->tx_off);
	uint32_t head = h->tx_head.v;

	tx[head & (h->tx_entries - 1)] = (struct rc_shm_desc){ off, len, type, 0 };
	__atomic_store_n(&h->tx_head.v, head + 1, __ATOMIC_RELEASE);
}

/* Messages whose header room forges a PROCDOWN of `victim`; see the top. */
static int forge(struct rc_shm_hdr *h, const char *group, uint32_t victim)
{
	uint8_t *arena = (uint8_t *)h + h->arena_off;
	struct rc_cpg_hdr ch = {
		.magic = RC_CPG_MAGIC,
		.type = RC_CPG_PROCDOWN,
		.name_len = (uint16_t)strlen(group),
		.pid = victim,
	};
	size_t hl = RC_CPG_HDR_LEN(ch.name_len);
	struct timespec ms = { 0, 1000000 };

	request(h, RC_REQ_JOIN, group);
	for (int i = 0; i < 5000 && __atomic_load_n(&h->ctl.rep_seq, __ATOMIC_ACQUIRE) !=
	     h->ctl.req_seq; i++)
		nanosleep(&ms, NULL);
	for (uint32_t m = 0; m < 8; m++) {
		uint64_t off = (uint64_t)m * 4096;
		uint8_t *room = arena + off + RC_SHM_TX_HDR - hl;

		memset(arena + off + RC_SHM_TX_HDR, 'F', 64);
		for (int k = 0; k < 2; k++) {	/* before the push, and after it */
			memcpy(room, &ch, sizeof(ch));
			memcpy(room + sizeof(ch), group, ch.name_len);
			if (k == 0)
				push_tx(h, off, RC_SHM_TX_HDR + 64, RC_SHM_TX_MCAST);
		}
		nanosleep(&ms, NULL);
	}
	sleep(1);
	printf("FORGED 8 messages claiming PROCDOWN of pid %u in %s\n", victim, group);
	return 0;
}

/* Messages rewritten while in flight; see the top. */
static int rewrite(struct rc_shm_hdr *h, const char *group, uint32_t n)
{
	uint8_t *arena = (uint8_t *)h + h->arena_off;
	struct timespec ms = { 0, 1000000 }, t0, t;
	const uint32_t len = 16000, slots = 8;
	uint32_t done = 0, k = 0;

	request(h, RC_REQ_JOIN, group);
	for (int i = 0; i < 5000 && __atomic_load_n(&h->ctl.rep_seq, __ATOMIC_ACQUIRE) !=
	     h->ctl.req_seq; i++)
		nanosleep(&ms, NULL);
	for (uint32_t m = 0; m < n; m++) {
		uint64_t off = (uint64_t)(m % slots) * 32768;
		uint8_t *p = arena + off + RC_SHM_TX_HDR;
		uint32_t want = m + 1;

		memset(p, (int)(m & 0xff), len);
		memcpy(p, &m, sizeof(m));
		push_tx(h, off, RC_SHM_TX_HDR + len, RC_SHM_TX_MCAST);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {	/* rewrite until this send comes back */
			memset(p + 16 + (k % 8) * 1998, (int)(0x80 | (k & 0x7f)), 1998);
			k++;
			clock_gettime(CLOCK_MONOTONIC, &t);
			done = __atomic_load_n(&h->comp_head.v, __ATOMIC_ACQUIRE);
		} while ((int32_t)(done - want) < 0 && t.tv_sec - t0.tv_sec < 2);
		__atomic_store_n(&h->comp_tail.v, done, __ATOMIC_RELEASE);
	}
	sleep(1);
	printf("REWROTE %u messages (%u rewrites while in flight) in %s\n", n, k, group);
	return 0;
}

/* ---- punch ---- */

#define HUGE_PAGE	(2ull << 20)

static long meminfo(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = atol(line + kl + 1);
	fclose(f);
	return v;
}

/* Huge pages anyone may still take: free ones not promised to a mapping. */
static long pool_avail(void)
{
	return meminfo("HugePages_Free") - meminfo("HugePages_Rsvd");
}

/*
 * Take every huge page the pool has left, topping up for a while if others
 * free some. Private anonymous hugetlb mappings: they go back to the pool
 * when this process exits, however it ends. True if none is left.
 */
static bool exhaust(long *taken)
{
	for (int round = 0; round < 50; round++) {
		long n = pool_avail();
		void *p;

		if (n <= 0)
			return true;
		p = mmap(NULL, (size_t)n * HUGE_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED) {
			/* someone took some meanwhile: fewer, one at a time */
			p = mmap(NULL, HUGE_PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
			if (p == MAP_FAILED)
				continue;
			n = 1;
		}
		*taken += n;
	}
	return pool_avail() <= 0;
}

static uint32_t rx_head(struct rc_shm_hdr *h)
{
	return __atomic_load_n(&h->rx_head.v, __ATOMIC_ACQUIRE);
}

static int punch(struct rc_shm_hdr *h, int fd, const char *group, int timeout_s)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t from = h->rxa_off / HUGE_PAGE * HUGE_PAGE, len = h->size - from;
	volatile uint8_t *rxa = (uint8_t *)h + from;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t seen;
	long taken = 0;
	bool full;
	struct statfs sf;
	char b;

	if (fstatfs(region_fd, &sf) < 0 || sf.f_type != 0x958458f6 /* HUGETLBFS_MAGIC */) {
		printf("REGION of normal pages: nothing to punch that the daemon could fault on\n");
		return 3;
	}
	request(h, RC_REQ_JOIN, group);
	for (int i = 0; i < 5000 && __atomic_load_n(&h->ctl.rep_seq, __ATOMIC_ACQUIRE) !=
	     h->ctl.req_seq; i++)
		nanosleep(&ms, NULL);
	for (int i = 0; i < 5000 && rx_head(h) == 0; i++)	/* our JOIN confchg */
		nanosleep(&ms, NULL);
	/* Every page of the rx area allocated: a punch then gives them back. */
	for (uint64_t o = 0; o < len; o += HUGE_PAGE)
		(void)rxa[o];
	if (fallocate(region_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from,
		      (off_t)len) < 0)
		printf("PUNCH refused: %s\n", strerror(errno));
	else
		printf("PUNCHED %llu MiB at %llu MiB\n", (unsigned long long)(len >> 20),
		       (unsigned long long)(from >> 20));
	/* the same through the mapping, without the fd */
	if (madvise((uint8_t *)h + from, len, MADV_REMOVE) < 0)
		printf("MADV_REMOVE refused: %s\n", strerror(errno));
	else
		printf("MADV_REMOVE PUNCHED %llu MiB\n", (unsigned long long)(len >> 20));
	full = exhaust(&taken);
	printf("%s: took %ld huge pages; pool free %ld reserved %ld\n",
	       full ? "EXHAUSTED" : "NOT EXHAUSTED", taken, meminfo("HugePages_Free"),
	       meminfo("HugePages_Rsvd"));
	fflush(stdout);
	/* The daemon writes its own message's delivery into our rx area. */
	seen = rx_head(h);
	memset((uint8_t *)h + h->arena_off + RC_SHM_TX_HDR, 'P', 64);
	push_tx(h, 0, RC_SHM_TX_HDR + 64, RC_SHM_TX_MCAST);
	for (int i = 0; i < timeout_s * 1000; i++) {
		if (rx_head(h) != seen) {
			printf("DELIVERED into the rx area after the punch\n");
			return 0;
		}
		if (poll(&p, 1, 1) > 0 && recv(fd, &b, 1, MSG_DONTWAIT) <= 0) {
			printf("CLOSED by the daemon (or it died)\n");
			return 0;
		}
	}
	printf("NEITHER delivered nor closed after %d s\n", timeout_s);
	return 1;
}

/*
 * Punch before saying mapped (the region is not sealed yet): every page
 * past the header, faulted in first so the punch frees it, then the pool
 * emptied. The daemon must refill the holes before the lcore touches the
 * region, or refuse the client. Prints the daemon's answer.
 */
static int punch_early(int fd)
{
	struct rc_shm_hdr *h = welcomed(fd);
	uint64_t size = h->size;
	volatile uint8_t *b = (uint8_t *)h;
	long taken = 0;
	bool full;
	int st;

	for (uint64_t o = 0; o < size; o += HUGE_PAGE)
		(void)b[o];
	if (fallocate(region_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)HUGE_PAGE,
		      (off_t)(size - HUGE_PAGE)) < 0)
		printf("PUNCH refused: %s\n", strerror(errno));
	else
		printf("PUNCHED %llu MiB before the seal\n",
		       (unsigned long long)((size - HUGE_PAGE) >> 20));
	full = exhaust(&taken);
	printf("%s: took %ld huge pages; pool free %ld reserved %ld\n",
	       full ? "EXHAUSTED" : "NOT EXHAUSTED", taken, meminfo("HugePages_Free"),
	       meminfo("HugePages_Rsvd"));
	fflush(stdout);
	st = mapped(fd);
	if (st == CS_OK)
		printf("ATTACHED: the daemon refilled the region\n");
	else if (st < 0)
		printf("CLOSED by the daemon (or it died) at the seal\n");
	else
		printf("REFUSED at the seal (status %d)\n", st);
	return 0;
}

/* The daemon closed the socket within timeout_s? */
/* Wait (at most 5 s) until the daemon has written more than n rx records. */
static bool rx_past(struct rc_shm_hdr *h, uint32_t n)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 5000 && rx_head(h) == n; i++)
		nanosleep(&ms, NULL);
	return rx_head(h) != n;
}

/* Our own message of 40 bytes from arena offset off (not 64: cpg-hostile.sh
   waits for the forged messages by that length). */
static void send_self(struct rc_shm_hdr *h, uint64_t off)
{
	memset((uint8_t *)h + h->arena_off + off + RC_SHM_TX_HDR, 'B', 40);
	push_tx(h, off, RC_SHM_TX_HDR + 40, RC_SHM_TX_MCAST);
}

/* rx-back; see the top. 1 when the setup failed. */
static int rx_back(struct rc_shm_hdr *h, const char *group)
{
	struct rc_shm_desc *rx = (struct rc_shm_desc *)((char *)h + h->rx_off);
	struct rc_shm_desc d;
	uint32_t head;

	request(h, RC_REQ_JOIN, group);
	if (!rx_past(h, 0)) {
		printf("no confchg after the join\n");
		return 1;
	}
	head = rx_head(h);		/* consume all of it, as a client does */
	d = rx[(head - 1) & (h->rx_entries - 1)];
	__atomic_store_n(&h->rxa_tail, d.off + RC_SHM_ROUND((uint64_t)d.len, RC_SHM_MSG_ALIGN),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&h->rx_tail.v, head, __ATOMIC_RELEASE);
	send_self(h, 0);		/* its delivery: the daemon reads those tails */
	if (!rx_past(h, head)) {
		printf("own message not delivered\n");
		return 1;
	}
	__atomic_store_n(&h->rxa_tail, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&h->rx_tail.v, 0, __ATOMIC_RELEASE);
	send_self(h, 4096);
	return 0;
}

static int kicked(int fd, int timeout_s)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;

	if (poll(&p, 1, timeout_s * 1000) <= 0)
		return 0;
	return recv(fd, &b, 1, MSG_DONTWAIT) <= 0;
}

/* Bytes on the socket for timeout_s, as fast as it takes them. */
static int ring(int fd, int timeout_s)
{
	uint8_t b[64] = { 0 };
	struct timespec t0, t;
	uint64_t n = 0;
	ssize_t r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		r = send(fd, b, 1 + n % sizeof(b), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0)
			n += (uint64_t)r;
		else if (errno != EAGAIN)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < timeout_s);
	printf("RANG %llu bytes\n", (unsigned long long)n);
	if (r < 0 && errno != EAGAIN) {
		printf("DISCONNECTED: %s\n", strerror(errno));
		return 1;
	}
	return kicked(fd, 0) ? 1 : 0;
}

/* One doorbell byte with a descriptor attached. */
static int bell_fds(int fd, int timeout_s)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	uint8_t b = 1;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	memset(&u, 0, sizeof(u));
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = SCM_RIGHTS;
	u.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&u.h), &null, sizeof(int));
	if (sendmsg(fd, &m, MSG_NOSIGNAL) < 0) {
		if (errno != EPERM) {
			printf("SEND FAILED: %s\n", strerror(errno));
			return 1;
		}
		printf("REFUSED by the kernel (EPERM)\n");
		return kicked(fd, 0) ? 1 : 0;	/* and still attached */
	}
	if (!kicked(fd, timeout_s)) {
		printf("NOT KICKED (bell-fds) after %d s\n", timeout_s);
		return 1;
	}
	printf("KICKED (bell-fds)\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *group = argc > 2 ? argv[2] : "hostile";
	int timeout_s = argc > 3 ? atoi(argv[3]) : 10;
	struct rc_shm_hdr *h;
	int fd = sock_connect();
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(mode, "silent")) {
		if (!kicked(fd, timeout_s)) {
			printf("NOT CLOSED (silent) after %d s\n", timeout_s);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("CLOSED (silent) after %.3f s\n", (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		return 0;
	}
	if (!strcmp(mode, "punch-early"))
		return punch_early(fd);
	if (!strcmp(mode, "refused"))
		return refused(fd, timeout_s);
	if (!strcmp(mode, "unmapped")) {	/* welcomed, never says mapped */
		welcomed(fd);
		if (!kicked(fd, timeout_s)) {
			printf("NOT CLOSED (unmapped) after %d s\n", timeout_s);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("CLOSED (unmapped) after %.3f s\n", (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		return 0;
	}
	h = attach(fd);
	if (!strcmp(mode, "rewrite"))
		return rewrite(h, argc > 2 ? argv[2] : "hostile",
			       argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 100);
	if (!strcmp(mode, "forge"))
		return forge(h, group, (uint32_t)timeout_s);
	if (!strcmp(mode, "punch"))
		return punch(h, fd, group, timeout_s);
	if (!strcmp(mode, "ring"))
		return ring(fd, timeout_s);
	if (!strcmp(mode, "bell-fds"))
		return bell_fds(fd, timeout_s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(mode, "tx-index")) {
		__atomic_store_n(&h->tx_head.v, h->tx_tail.v + h->tx_entries + 5, __ATOMIC_RELEASE);
	} else if (!strcmp(mode, "tx-offset")) {
		push_tx(h, h->arena_size + 4096, RC_SHM_TX_HDR + 8, RC_SHM_TX_MCAST);
	} else if (!strcmp(mode, "tx-len")) {
		push_tx(h, 0, 0xffffffffu, RC_SHM_TX_MCAST);
	} else if (!strcmp(mode, "tx-type")) {
		push_tx(h, 0, RC_SHM_TX_HDR + 8, 77);
	} else if (!strcmp(mode, "rx-back")) {
		if (rx_back(h, group))
			return 1;
	} else if (!strcmp(mode, "rx-tail")) {
		__atomic_store_n(&h->rxa_tail, (uint64_t)1 << 40, __ATOMIC_RELEASE);
		request(h, RC_REQ_JOIN, group);		/* its confchg finds the tail */
	} else if (!strcmp(mode, "req")) {
		request(h, 99, group);
	} else if (!strcmp(mode, "slow")) {
		request(h, RC_REQ_JOIN, group);		/* and never read a thing */
	} else {
		fprintf(stderr, "usage: cpg_hostile tx-index|tx-offset|tx-len|tx-type|rx-tail|rx-back|"
			"req|slow|silent|unmapped|punch|punch-early|ring|refused\n\t[GROUP [TIMEOUT_S]] | forge GROUP PID\n");
		return 2;
	}
	if (!kicked(fd, timeout_s)) {
		printf("NOT KICKED (%s) after %d s\n", mode, timeout_s);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("KICKED (%s) after %.3f s\n", mode,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
