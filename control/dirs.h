/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's own directories (ringcast { runtime_dir, state_dir }): made
 * if missing, and refused unless only the daemon's user can change them. A
 * directory another user may write is one where that user can put a symlink
 * or a file of their own under a name the daemon opens (its lock, pid file,
 * client socket, ring sequence, incarnation, replay floors).
 */
#ifndef RC_DIRS_H
#define RC_DIRS_H

#include <stddef.h>

/* mkdir -p with mode 0755 for what is made; 0 or -errno. */
int rc_dir_make(const char *path);
/*
 * 0 when path is a directory (not a symlink to one) owned by this process's
 * effective uid (or by root) and writable by nobody else, under parents
 * owned by root or that uid and writable by no one else unless sticky;
 * otherwise -errno (-ENOTDIR, -EPERM, ...) and in why a sentence that says
 * what to change.
 */
int rc_dir_check(const char *path, char *why, size_t why_len);

#endif /* RC_DIRS_H */
