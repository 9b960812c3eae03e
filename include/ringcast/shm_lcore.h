/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Making the lcore page (shm.h, struct rc_shm_lcore), as the daemon hands
 * it to every client: one page of a memfd, magic and version written,
 * sealed so that a client can map it only read-only and never resize it.
 * Header-only for the daemon (dataplane/sleep.c) and the unit tests' fake
 * daemon (tests/unit/fake_daemon.c); unlike shm_daemon.h it makes system
 * calls, once, at start. The includer defines _GNU_SOURCE (memfd_create,
 * F_ADD_SEALS).
 */
#ifndef RINGCAST_SHM_LCORE_H
#define RINGCAST_SHM_LCORE_H

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ringcast/shm.h>

/* The page's memfd, its writable mapping at *page for the daemon; or
   -errno, with nothing left open or mapped. */
static inline int rc_shm_lcore_create(const char *name, struct rc_shm_lcore **page)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), err;
	struct rc_shm_lcore *p = MAP_FAILED;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, RC_SHM_LCORE_SIZE) == 0)
		p = mmap(NULL, RC_SHM_LCORE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		p->magic = RC_SHM_LCORE_MAGIC;
		p->version = RC_SHM_VERSION;
		/* clients map it read-only: no new writable mapping, no resizing */
		if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) == 0) {
			*page = p;
			return fd;
		}
	}
	err = errno;
	if (p != MAP_FAILED)
		munmap(p, RC_SHM_LCORE_SIZE);
	close(fd);
	return -err;
}

#endif /* RINGCAST_SHM_LCORE_H */
