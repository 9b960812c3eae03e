/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's own directories: made, then checked (dirs.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dirs.h"

int rc_dir_make(const char *path)
{
	char p[RC_CONFIG_PATH_MAX];

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Every directory above path (as the kernel resolves it: symlinks such as
 * /var/run -> /run followed) is owned by root or this daemon's user, and
 * writable by no one else unless it is sticky (/tmp): otherwise another
 * user could rename the directory away and put one of their own there.
 */
static int parents_check(const char *path, uid_t me, char *why, size_t why_len)
{
	char real[PATH_MAX];
	struct stat st;
	char *slash;

	if (realpath(path, real) == NULL) {
		int e = errno;

		snprintf(why, why_len, "%s: %s", path, strerror(e));
		return -e;
	}
	while ((slash = strrchr(real, '/')) != NULL) {
		if (slash == real)
			slash[1] = '\0';	/* the root itself, last */
		else
			*slash = '\0';
		if (stat(real, &st) < 0) {
			int e = errno;

			snprintf(why, why_len, "%s: %s", real, strerror(e));
			return -e;
		}
		if (st.st_uid != me && st.st_uid != 0) {
			snprintf(why, why_len, "%s, above %s, is owned by uid %u, not by this "
				 "daemon's (uid %u) or root", real, path, (unsigned)st.st_uid,
				 (unsigned)me);
			return -EPERM;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
			snprintf(why, why_len, "%s, above %s, is writable by its %s (mode %04o) "
				 "and not sticky: another user could replace %s", real, path,
				 (st.st_mode & S_IWOTH) ? "other users" : "group",
				 (unsigned)(st.st_mode & 07777), path);
			return -EPERM;
		}
		if (slash == real)
			break;
	}
	return 0;
}

int rc_dir_check(const char *path_in, char *why, size_t why_len)
{
	char path[RC_CONFIG_PATH_MAX];
	uid_t me = geteuid();
	struct stat st;
	size_t n;

	/* "dir/" would make lstat follow a symlink named dir */
	if (snprintf(path, sizeof(path), "%s", path_in) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	if (lstat(path, &st) < 0) {
		int e = errno;

		snprintf(why, why_len, "%s: %s", path, strerror(e));
		return -e;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, why_len, "%s is a symbolic link: name the directory itself", path);
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "%s is not a directory", path);
		return -ENOTDIR;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		snprintf(why, why_len, "%s is owned by uid %u, not by this daemon's (uid %u) "
			 "or root: chown it", path, (unsigned)st.st_uid, (unsigned)me);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, why_len, "%s is writable by its %s (mode %04o): chmod go-w it",
			 path, (st.st_mode & S_IWOTH) ? "other users" : "group",
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return parents_check(path, me, why, why_len);
}
