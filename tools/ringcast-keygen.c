/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-keygen: writes a cluster key (totem { keyfile }) of random bytes
 * from getrandom(2), mode 0400. A new file is created exclusively (O_EXCL:
 * an existing key is never touched); --force replaces one atomically
 * (temporary file, fsync, rename, fsync of the directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "auth.h"

#define DEFAULT_KEY	"/etc/ringcast/authkey"
#define DEFAULT_SIZE	RC_AUTH_KEY_MIN

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringcast-keygen [-k FILE] [-s BYTES] [--force]\n"
		"Writes a new ringcast cluster key: random bytes, mode 0400. Copy the same\n"
		"file to every node (totem { keyfile }).\n\n"
		"  -k, --key-file FILE  where (default " DEFAULT_KEY ")\n"
		"  -s, --size BYTES     key length, %d..%d (default %d)\n"
		"  -f, --force          replace an existing key (atomically)\n"
		"  -h, --help           this text\n",
		RC_AUTH_KEY_MIN, RC_AUTH_KEY_MAX, DEFAULT_SIZE);
}

static int random_bytes(uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		got += (size_t)r;
	}
	return 0;
}

/* O_EXCL: fails with EEXIST rather than touch a key that is there. */
static int create_new(const char *path, const uint8_t *b, size_t n)
{
	char dbuf[PATH_MAX];
	size_t done = 0;
	int fd, dfd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0400);
	if (fd < 0)
		return -errno;
	while (done < n && !ret) {
		ssize_t w = write(fd, b + done, n - done);

		if (w < 0 && errno != EINTR)
			ret = -errno;
		else if (w > 0)
			done += (size_t)w;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret) {
		unlink(path);
		return ret;
	}
	snprintf(dbuf, sizeof(dbuf), "%s", path);
	dfd = open(dirname(dbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-file", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_KEY;
	static uint8_t key[RC_AUTH_KEY_MAX];
	char dbuf[PATH_MAX], nbuf[PATH_MAX], *end;
	unsigned long size = DEFAULT_SIZE;
	int c, force = 0, ret;

	while ((c = getopt_long(argc, argv, "k:s:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			path = optarg;
			break;
		case 's':
			errno = 0;
			size = strtoul(optarg, &end, 10);
			if (errno || *end || size < RC_AUTH_KEY_MIN || size > RC_AUTH_KEY_MAX) {
				fprintf(stderr, "ringcast-keygen: size '%s': give %d..%d bytes\n",
					optarg, RC_AUTH_KEY_MIN, RC_AUTH_KEY_MAX);
				return 1;
			}
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (strlen(path) >= sizeof(dbuf)) {
		fprintf(stderr, "ringcast-keygen: path too long\n");
		return 1;
	}
	ret = random_bytes(key, size);
	if (ret < 0) {
		fprintf(stderr, "ringcast-keygen: getrandom: %s\n", strerror(-ret));
		return 1;
	}
	snprintf(dbuf, sizeof(dbuf), "%s", path);
	snprintf(nbuf, sizeof(nbuf), "%s", path);
	if (force)
		ret = rc_auth_file_replace(dirname(dbuf), basename(nbuf), key, size, 0400);
	else
		ret = create_new(path, key, size);
	memset(key, 0, sizeof(key));
	if (ret == -EEXIST) {
		fprintf(stderr, "ringcast-keygen: %s exists: every node needs the same key; "
			"give --force to replace it\n", path);
		return 1;
	}
	if (ret < 0) {
		fprintf(stderr, "ringcast-keygen: cannot write %s: %s\n", path, strerror(-ret));
		return 1;
	}
	printf("ringcast-keygen: wrote a %lu-byte key to %s (mode 0400)\n", size, path);
	return 0;
}
