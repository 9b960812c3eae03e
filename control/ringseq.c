/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The persisted ring sequence (state_dir/ringseq, one decimal line): read
 * once at start, strictly, and refused when implausible; written before each
 * new ring uses it, atomically (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves the old value or the new one, never a torn one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "ringseq.h"

int rc_ringseq_load(const char *path, uint64_t *seq, char *why, size_t why_len)
{
	char buf[32], *end;
	unsigned long long v;
	ssize_t n;
	int fd;

	*seq = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;	/* a first start: rings begin at 4 */
		snprintf(why, why_len, "cannot open it: %s", strerror(errno));
		return -errno;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(why, why_len, "cannot read it: %s", strerror(errno));
		return -EIO;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	errno = 0;
	v = n > 0 && buf[0] >= '0' && buf[0] <= '9' ? strtoull(buf, &end, 10) : 0;
	if (n == 0 || buf[0] < '0' || buf[0] > '9' || *end || errno) {
		snprintf(why, why_len, "it does not hold one decimal number");
		return -EINVAL;
	}
	if (v > RC_RING_SEQ_MAX) {
		snprintf(why, why_len, "it holds %llu, above the most a ring sequence may be "
			 "(%llu): a value from a faulty or forged frame", v,
			 (unsigned long long)RC_RING_SEQ_MAX);
		return -ERANGE;
	}
	*seq = v;
	return 0;
}

int rc_ringseq_store(const char *path, uint64_t seq)
{
	char tmp[PATH_MAX], dir[PATH_MAX], buf[32], *slash;
	int fd, n, err = 0;

	if (seq > RC_RING_SEQ_MAX)
		return -ERANGE;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp) ||
	    (size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)seq);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) < 0)
		err = errno ? errno : EIO;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		return -err;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = errno;
	close(fd);
	return -err;
}
