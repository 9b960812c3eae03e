/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The idle lcore's sleep (dp.c idle(), after its spin and yield phases). It
 * sleeps in the kernel on one epoll set until something needs it:
 *
 *   the port's socket     a frame arrived (net_af_packet, net_af_xdp: the
 *                         driver's own socket, found once at start)
 *   each client's socket  a client rang: it gave the lcore work while the
 *                         lcore page said `sleeping` (shm.h, rc_shm_lcore)
 *   the bell eventfd      the control thread queued a command
 *   the timeout           the engine's next deadline, or the next check
 *
 * Without a port socket (a PCI port, an unknown driver) frames cannot wake
 * it before its timeout. Lcore only, but for
 * rc_dp_bell() (any thread) and create/destroy (control thread).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_packet.h>

#include <rte_ethdev.h>

#include <ringcast/shm_layout.h>
#include <ringcast/shm_lcore.h>

#include "dp_int.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

#define EV_BELL		UINT64_MAX
#define EV_PORT		(UINT64_MAX - 1)
#define EVENTS_MAX	32

/* The socket the port's driver reads frames from, or -1: the one socket of
   the driver's family in this process (af_packet: bound to an interface). */
static int port_socket(uint16_t port)
{
	struct rte_eth_dev_info info;
	int family, found = -1, n = 0;
	struct dirent *e;
	DIR *d;

	if (rte_eth_dev_info_get(port, &info) < 0 || info.driver_name == NULL)
		return -1;
	if (strcmp(info.driver_name, "net_af_packet") == 0)
		family = AF_PACKET;
	else if (strcmp(info.driver_name, "net_af_xdp") == 0)
		family = AF_XDP;
	else
		return -1;
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name), dom = 0;
		socklen_t len = sizeof(dom);
		struct stat st;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
			continue;
		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0 || dom != family)
			continue;
		if (family == AF_PACKET) {
			struct sockaddr_ll sll = { 0 };
			socklen_t sl = sizeof(sll);

			if (getsockname(fd, (struct sockaddr *)&sll, &sl) < 0 || sll.sll_ifindex == 0)
				continue;
		}
		found = fd;
		n++;
	}
	closedir(d);
	return n == 1 ? found : -1;	/* several: not sure which, poll in slices */
}

static int watch(struct rc_dp *dp, int fd, uint64_t what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = what };

	return epoll_ctl(dp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int rc_dp_sleep_create(struct rc_dp *dp)
{
	int ret;

	dp->epfd = epoll_create1(EPOLL_CLOEXEC);
	dp->bell_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dp->epfd < 0 || dp->bell_fd < 0)
		return -errno;
	ret = rc_shm_lcore_create("ringcast-lcore", &dp->lcore_page);
	if (ret < 0)
		return ret;
	dp->lcore_fd = ret;
	rc_dp_max_msg_publish(dp, rc_totem_msg_limit(&dp->p.totem.srp));	/* alone */
	ret = watch(dp, dp->bell_fd, EV_BELL);
	if (ret < 0)
		return ret;
	dp->port_fd = port_socket(dp->p.port);
	if (dp->port_fd >= 0 && watch(dp, dp->port_fd, EV_PORT) < 0)
		dp->port_fd = -1;
	return 0;
}

/*
 * What clients may send now: the ring's agreed message limit (and no more
 * than this node's max_msg_size) as a payload, on the lcore page
 * (shm.h, rc_shm_lcore.max_msg). At start, and whenever the engine's limit
 * changes, i.e. when a ring is installed (its limit holds from then: dp.c's
 * loop, which the regular configuration then confirms), from the lcore.
 */
void rc_dp_max_msg_publish(struct rc_dp *dp, uint32_t ring_limit)
{
	uint32_t own = dp->p.totem.srp.max_msg_size;

	/* pairs with the acquire in libcpg's rc_cpg_max_msg (lib/cpg_int.h) */
	__atomic_store_n(&dp->lcore_page->max_msg,
			 rc_shm_payload_max(ring_limit < own ? ring_limit : own), __ATOMIC_RELEASE);
}

uint32_t rc_dp_max_msg(const struct rc_dp *dp)
{
	return dp->lcore_page ? __atomic_load_n(&dp->lcore_page->max_msg, __ATOMIC_RELAXED) : 0;
}

void rc_dp_sleep_destroy(struct rc_dp *dp)
{
	if (dp->lcore_page != NULL)
		munmap(dp->lcore_page, RC_SHM_LCORE_SIZE);
	dp->lcore_page = NULL;
	if (dp->lcore_fd >= 0)
		close(dp->lcore_fd);
	if (dp->bell_fd >= 0)
		close(dp->bell_fd);
	if (dp->epfd >= 0)
		close(dp->epfd);
	dp->lcore_fd = dp->bell_fd = dp->epfd = -1;
}

void rc_dp_bell(struct rc_dp *dp)
{
	uint64_t one = 1;

	if (write(dp->bell_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, it is readable anyway */
	}
}

int rc_dp_lcore_fd(struct rc_dp *dp)
{
	return dp->lcore_fd;
}

bool rc_dp_wakes_on_frames(const struct rc_dp *dp)
{
	return dp->port_fd >= 0;
}

void rc_dp_sleep_watch(struct rc_dp *dp, int fd, uint32_t slot)
{
	if (watch(dp, fd, slot) < 0)
		dp->st.idle_watch_fail++;	/* it still works, waking with the timeout */
}

void rc_dp_sleep_unwatch(struct rc_dp *dp, int fd)
{
	/* ENOENT: never watched (refused at attach) or dropped at its hang-up */
	(void)epoll_ctl(dp->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* The port's socket reported an error (the interface went down and up: the
   kernel keeps ENETDOWN on it, the driver never reads it): take it, or
   every sleep would end at once. */
static void port_error(struct rc_dp *dp)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(dp->port_fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
		dp->st.idle_port_errors++;
}

static int wait_events(struct rc_dp *dp, struct epoll_event *ev, uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	int n;

	if (!dp->no_pwait2) {
		n = epoll_pwait2(dp->epfd, ev, EVENTS_MAX, &ts, NULL);
		if (n >= 0 || errno == EINTR)
			return n;
		/* before Linux 5.11, or a seccomp filter that refuses it */
		dp->no_pwait2 = true;
	}
	return epoll_wait(dp->epfd, ev, EVENTS_MAX, (int)((ns + 999999) / 1000000));
}

bool rc_dp_sleep(struct rc_dp *dp, uint64_t ns)
{
	struct epoll_event ev[EVENTS_MAX];
	uint64_t t0, t1;
	int n;

	/* seq_cst: the clients' releases and our last look are ordered */
	__atomic_store_n(&dp->lcore_page->sleeping, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rc_dp_clients_pending(dp)) {
		__atomic_store_n(&dp->lcore_page->sleeping, 0, __ATOMIC_RELAXED);
		return false;
	}
	dp->st.idle_sleeps++;
	t0 = rc_dp_now_ns();
	n = wait_events(dp, ev, ns);
	__atomic_store_n(&dp->lcore_page->sleeping, 0, __ATOMIC_RELAXED);
	/* what it slept, not what it asked for: a pause on top of a sleep cut
	   short must still show (lcore_paused) */
	t1 = rc_dp_now_ns();
	dp->slept = t1 - t0 < ns ? t1 - t0 : ns;
	if (n <= 0) {
		if (n == 0)
			dp->st.idle_wake_timer++;
		return true;
	}
	for (int i = 0; i < n; i++) {
		uint64_t what = ev[i].data.u64, v;

		if (what == EV_PORT) {
			dp->st.idle_wake_frame++;
			if (ev[i].events & EPOLLERR)
				port_error(dp);
		} else if (what == EV_BELL) {
			dp->st.idle_wake_bell++;
			if (read(dp->bell_fd, &v, sizeof(v)) < 0) {
				/* EAGAIN: read already */
			}
		} else {
			dp->st.idle_wake_client++;
			rc_dp_clients_rang(dp, (uint32_t)what, ev[i].events);
		}
	}
	return true;
}
