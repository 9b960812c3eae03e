/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For tests that need a mapping to fail: run the case in a child of fork()
 * under an address-space limit a little above what it maps already.
 */
#ifndef RC_AS_LIMIT_H
#define RC_AS_LIMIT_H

#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Limit this process's address space to what it maps now plus extra
   bytes. 0, or -1. */
static inline int as_limit_now_plus(unsigned long extra)
{
	unsigned long pages = 0;
	struct rlimit rl;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lu", &pages) != 1) {
		fclose(f);
		return -1;
	}
	fclose(f);
	rl.rlim_cur = rl.rlim_max = pages * (unsigned long)sysconf(_SC_PAGESIZE) + extra;
	return setrlimit(RLIMIT_AS, &rl);
}

/* Wait for the child: its exit status (printed when not 0), -1 if it did
   not exit. */
static inline int child_status(pid_t pid)
{
	int status = -1;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status) != 0)
		fprintf(stderr, "\n    child: exit %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

#endif /* RC_AS_LIMIT_H */
