/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What frame authentication keeps on disk: the key file (read once at
 * start), this node's incarnation and the floors of its peers (state_dir).
 * Every write is atomic: a temporary file, fsync, rename, fsync of the
 * directory; a crash leaves the old file or the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"

#define INC_FILE	"incarnation"
#define PEERS_FILE	"peers"

int rc_auth_key_load(const char *path, uint8_t *key, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		ret = -EPERM;
		snprintf(err, errlen, "%s: owned by uid %u, not root or this daemon's (uid %u): "
			 "another user could read or replace it; chown it", path,
			 (unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (st.st_mode & 077) {
		ret = -EPERM;
		snprintf(err, errlen, "%s: readable or writable by group or others "
			 "(mode %03o): chmod 0400 it", path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (st.st_size < RC_AUTH_KEY_MIN || st.st_size > RC_AUTH_KEY_MAX) {
		snprintf(err, errlen, "%s: %lld bytes, a key is %d to %d bytes "
			 "(ringcast-keygen makes one)", path, (long long)st.st_size,
			 RC_AUTH_KEY_MIN, RC_AUTH_KEY_MAX);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, key + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s: short read", path);
			goto out;
		}
		got += (size_t)n;
	}
	*len = got;
	ret = 0;
out:
	close(fd);
	return ret;
}

int rc_auth_file_replace(const char *dir, const char *name, const void *buf, size_t len,
			 unsigned int mode)
{
	char tmp[4096], path[4096];
	size_t done = 0;
	int fd, dfd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	/* A new file of its own: one left behind (or planted) would keep
	   its mode and owner for the key written into it. */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) {	/* not narrowed by the umask either way */
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fsync(dfd) < 0)
		ret = -errno;
	close(dfd);
	return ret;
}

/* The whole of a small file, NUL-terminated; -ENOENT when missing. */
static int read_small(const char *dir, const char *name, char *buf, size_t size)
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == size - 1)
		return -EFBIG;
	buf[n] = '\0';
	return 0;
}

int rc_auth_incarnation_next(const char *dir, uint32_t now_s, uint32_t *out)
{
	char buf[64], *end;
	unsigned long long last = 0;
	uint32_t next;
	int ret;

	ret = read_small(dir, INC_FILE, buf, sizeof(buf));
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (ret == 0) {
		errno = 0;
		last = strtoull(buf, &end, 10);
		if (errno || end == buf || (*end && *end != '\n') || last >= UINT32_MAX)
			return -EINVAL;
	}
	next = (uint32_t)last + 1;
	if (now_s > next)
		next = now_s;
	ret = snprintf(buf, sizeof(buf), "%" PRIu32 "\n", next);
	ret = rc_auth_file_replace(dir, INC_FILE, buf, (size_t)ret, 0600);
	if (ret < 0)
		return ret;
	*out = next;
	return 0;
}

int rc_auth_floor_save(const char *dir, const struct rc_auth_floor *f, uint32_t n)
{
	char buf[RC_AUTH_MAX_NODES * 64];
	size_t len = 0;

	for (uint32_t i = 0; i < n && i < RC_AUTH_MAX_NODES; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%" PRIu32 " %" PRIu32
					" %" PRIu64 "\n", f[i].nodeid, f[i].incarnation,
					f[i].counter);
	return rc_auth_file_replace(dir, PEERS_FILE, buf, len, 0600);
}

int rc_auth_floor_load(const char *dir, struct rc_auth_floor *f, uint32_t max, uint32_t *n)
{
	char buf[RC_AUTH_MAX_NODES * 64 + 64], *line, *save;
	int ret;

	*n = 0;
	ret = read_small(dir, PEERS_FILE, buf, sizeof(buf));
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long id, inc, ctr;
		char extra;

		if (sscanf(line, "%llu %llu %llu %c", &id, &inc, &ctr, &extra) != 3 ||
		    !id || id > UINT32_MAX || inc > UINT32_MAX)
			return -EINVAL;
		if (*n == max)
			return -EFBIG;
		f[*n].nodeid = (uint32_t)id;
		f[*n].incarnation = (uint32_t)inc;
		f[*n].counter = ctr;
		(*n)++;
	}
	return 0;
}
