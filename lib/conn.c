/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection to ringcastd: connect the SOCK_SEQPACKET socket, hello,
 * welcome with [memfd, lcore page memfd], map and check both, mapped, sealed (the
 * daemon seals the region against holes once our mapping exists, so it must
 * exist first: include/ringcast/shm.h). The socket is then the handle's one
 * descriptor, the one cpg_fd_get() returns, as with corosync: readable when
 * the daemon sent a wake-up byte (wake.c) or hung up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ringcast/shm_layout.h>

#include "cpg_int.h"

#define RC_REGION_MAX	((uint64_t)1 << 46)

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENOTCONN;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -ENOTCONN;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -ENOTCONN;
	}
	return fd;
}

/* 0 once sock is readable; -ETIMEDOUT, or -ENOTCONN if poll fails. */
static int wait_readable(int sock, int timeout_ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -ETIMEDOUT;
	return n < 0 ? -ENOTCONN : 0;
}

/* Receive the welcome and its fds within the timeout. */
static int recv_welcome(int sock, int timeout_ms, struct rc_ipc_welcome *w, int fds[2])
{
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = w, .iov_len = sizeof(*w) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *c;
	int nfds = 0, n;
	ssize_t got;

	n = wait_readable(sock, timeout_ms);
	if (n < 0)
		return n;
	got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	/* A daemon that closed with our hello unread (one that refuses us
	   without reading it) leaves a reset pending on the socket: the kernel
	   reports it once, ahead of the welcome queued behind it. Read again. */
	if (got < 0 && errno == ECONNRESET) {
		msg.msg_controllen = sizeof(cbuf.buf);
		msg.msg_flags = 0;
		got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	}
	if (got < 0)
		return -ENOTCONN;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (nfds < 2)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (got == 0)
		n = -ENOTCONN;
	else if ((size_t)got != sizeof(*w) || w->type != RC_IPC_WELCOME || (msg.msg_flags & MSG_CTRUNC))
		n = -EPROTO;
	else if (w->status != CS_OK)
		n = rc_errno_from_cs(w->status);
	else if (nfds != 2)
		n = -EPROTO;
	else
		return 0;
	while (nfds > 0)
		close(fds[--nfds]);
	return n == 0 ? -EPROTO : n;
}

/* Tell the daemon the region is mapped; wait for its answer. */
static int mapped_sealed(int sock, int timeout_ms)
{
	struct rc_ipc_mapped m = { .type = RC_IPC_MAPPED, .flags = 0 };
	struct rc_ipc_sealed s;
	ssize_t got;
	int n;

	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		return -ENOTCONN;
	n = wait_readable(sock, timeout_ms);
	if (n < 0)
		return n;
	got = recv(sock, &s, sizeof(s), MSG_DONTWAIT);
	while (got == 1) {	/* a wake-up, should one come first: not the answer */
		n = wait_readable(sock, timeout_ms);
		if (n < 0)
			return n;
		got = recv(sock, &s, sizeof(s), MSG_DONTWAIT);
	}
	if (got <= 0)
		return -ENOTCONN;
	if ((size_t)got != sizeof(s) || s.type != RC_IPC_SEALED)
		return -EPROTO;
	if (s.status != CS_OK) {
		n = rc_errno_from_cs(s.status);
		return n < 0 ? n : -EPROTO;
	}
	return 0;
}

/* Map the region and check it; fill h's pointers and constants. */
static int map_region(struct rc_cpg *h, int memfd, uint64_t size)
{
	struct rc_shm_hdr *hdr;
	struct stat st;
	int ret;

	if (size < RC_SHM_ALIGN || size > RC_REGION_MAX)
		return -EPROTO;
	/* a file shorter than the mapping would SIGBUS us */
	if (fstat(memfd, &st) < 0 || st.st_size < 0 || (uint64_t)st.st_size < size)
		return -EPROTO;
	h->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (h->base == MAP_FAILED) {
		h->base = NULL;
		return -ENOMEM;
	}
	hdr = h->base;
	ret = rc_shm_layout_check(hdr, size);
	if (ret < 0) {
		munmap(h->base, size);
		h->base = NULL;
		return ret;
	}
	h->hdr = hdr;
	h->g.size = size;
	h->g.nodeid = hdr->nodeid;
	h->g.max_msg = hdr->max_msg;
	h->g.tx_mask = hdr->tx_entries - 1;
	h->g.rx_mask = hdr->rx_entries - 1;
	h->g.comp_mask = hdr->comp_entries - 1;
	h->g.ctl_size = hdr->ctl_size;
	h->g.arena_size = hdr->arena_size;
	h->g.rxa_size = hdr->rxa_size;
	h->tx = (struct rc_shm_desc *)((uint8_t *)h->base + hdr->tx_off);
	h->rx = (struct rc_shm_desc *)((uint8_t *)h->base + hdr->rx_off);
	h->comp = (struct rc_shm_desc *)((uint8_t *)h->base + hdr->comp_off);
	h->ctl = (uint8_t *)h->base + hdr->ctl_off;
	h->arena_base = (uint8_t *)h->base + hdr->arena_off;
	h->rxa = (uint8_t *)h->base + hdr->rxa_off;

	/* our indexes start where the daemon left them (0 for a new region) */
	h->tx_head = h->tx_tail = rc_load_acq32(&hdr->tx_head.v);
	h->comp_tail = rc_load_acq32(&hdr->comp_tail.v);
	h->rx_tail = h->rx_head_seen = rc_load_acq32(&hdr->rx_tail.v);
	h->rxa_tail = rc_load_acq64(&hdr->rxa_tail);
	h->req_seq = rc_load_acq32(&hdr->ctl.req_seq);
	return 0;
}

/* Map the lcore page read-only (the daemon sealed it against writable
   mappings) and check it. */
static int map_lcore(struct rc_cpg *h, int fd)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0 || st.st_size < (off_t)RC_SHM_LCORE_SIZE)
		return -EPROTO;
	p = mmap(NULL, RC_SHM_LCORE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	h->lcore = p;
	if (h->lcore->magic != RC_SHM_LCORE_MAGIC || h->lcore->version != RC_SHM_VERSION)
		return -EPROTO;
	return 0;
}

int rc_conn_attach(struct rc_cpg *h)
{
	struct rc_ipc_hello hello = {
		.type = RC_IPC_HELLO,
		.version = RC_IPC_VERSION,
		.shm_version = RC_SHM_VERSION,
		.flags = 0,
	};
	struct rc_ipc_welcome w;
	/* not from the environment of a set-id program's caller */
	const char *path = secure_getenv("RINGCAST_SOCKET");
	int fds[2], ret;

	h->sock = -1;
	ret = sock_connect(path != NULL && *path != '\0' ? path : RC_SOCKET_DEFAULT);
	if (ret < 0)
		return ret;
	h->sock = ret;
	/* A daemon that refuses (CS_ERR_ACCESS) may answer and close before the
	   hello is sent: the answer is still there to read. */
	if (send(h->sock, &hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello) &&
	    errno != EPIPE && errno != ECONNRESET) {
		ret = -ENOTCONN;
		goto fail;
	}
	ret = recv_welcome(h->sock, h->timeout_ms, &w, fds);
	if (ret < 0)
		goto fail;
	ret = map_region(h, fds[0], w.region_size);
	if (ret == 0)
		ret = map_lcore(h, fds[1]);
	close(fds[0]);		/* the mappings keep the memory */
	close(fds[1]);
	if (ret < 0)
		goto fail;
	ret = mapped_sealed(h->sock, h->timeout_ms);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	rc_conn_detach(h);
	return ret;
}

void rc_conn_detach(struct rc_cpg *h)
{
	if (h->base != NULL)
		munmap(h->base, h->g.size);
	h->base = NULL;
	h->hdr = NULL;
	if (h->lcore != NULL)
		munmap((void *)(uintptr_t)h->lcore, RC_SHM_LCORE_SIZE);
	h->lcore = NULL;
	if (h->sock >= 0)
		close(h->sock);
	h->sock = -1;
}

/*
 * Has the daemon closed our socket (it let us go and holds nothing of ours
 * any more, or it died)? Polls without blocking; after the welcome the
 * socket carries only wake-up bytes, which are peeked at and left for
 * rc_wake_drain(): end-of-file or an error means closed. Sets h->gone.
 * lock or tx_lock held.
 */
bool rc_conn_closed(struct rc_cpg *h)
{
	struct pollfd p = { .fd = h->sock, .events = POLLIN | POLLRDHUP };
	char buf[64];
	ssize_t n;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (!(p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))) {
		n = recv(h->sock, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK);
		if (n != 0 && (n > 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return false;
	}
	rc_set_gone(h);
	return true;
}

/* Is the daemon gone? (gone is also set by a send that found the daemon
   had let us go: shm.h, "Closing".) */
bool rc_conn_dead(struct rc_cpg *h)
{
	return rc_gone(h) || rc_conn_closed(h);
}
