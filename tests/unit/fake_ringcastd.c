/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake_daemon.c as a process of its own, for tests that run a whole CPG
 * program (ringcast-gen, say) against a daemon that misbehaves on purpose.
 * Prints its socket's path on one line (give it to the program as
 * RINGCAST_SOCKET) and serves until its standard input ends or a signal
 * comes; then prints "late-echoed N" and exits 0.
 *
 *   fake_ringcastd [--echo-late-ms MS]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_daemon.h"

static void on_signal(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct fake_opts o;
	struct fake *f;
	struct sigaction sa;
	char buf[64];
	int ret;

	fake_opts_default(&o);
	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--echo-late-ms") && i + 1 < argc) {
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || v == 0 || v > 60000) {
				fprintf(stderr, "fake_ringcastd: --echo-late-ms: 1..60000\n");
				return 2;
			}
			o.echo_late_ms = (uint32_t)v;
		} else {
			fprintf(stderr, "usage: fake_ringcastd [--echo-late-ms MS]\n");
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: read() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ret = fake_start(&o, &f);
	if (ret < 0) {
		fprintf(stderr, "fake_ringcastd: %s\n", strerror(-ret));
		return 1;
	}
	printf("%s\n", getenv("RINGCAST_SOCKET"));
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	printf("late-echoed %llu\n", (unsigned long long)fake_late_echoed(f));
	fake_stop(f);
	return 0;
}
