/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's readiness protocol (sd_notify(3)) spoken directly:
 * one datagram of "KEY=VALUE" lines to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). No
 * NOTIFY_SOCKET: nothing to do. No libsystemd: the protocol is this small.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "start.h"

int rc_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len, slen;
	ssize_t n;
	int fd, ret = 0;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract: the length bounds the name */
	slen = strlen(state);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, slen, MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != slen)
		ret = -EMSGSIZE;
	close(fd);
	return ret;
}

uint64_t rc_notify_ready_wait_ns(uint64_t token_ns, uint64_t consensus_ns)
{
	uint64_t w = 4 * (token_ns + consensus_ns);

	return w > RC_READY_WAIT_MIN_NS ? w : RC_READY_WAIT_MIN_NS;
}
