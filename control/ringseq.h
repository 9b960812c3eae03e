/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The persisted ring sequence (ringseq.c): strict load, atomic store.
 * Shared by ringcastd's start-up and its membership thread.
 */
#ifndef RC_RINGSEQ_H
#define RC_RINGSEQ_H

#include <stddef.h>
#include <stdint.h>

/*
 * 0 with *seq (0 when the file does not exist); -errno with a sentence in
 * why when it cannot be read, is not one decimal number, or holds a value
 * above RC_RING_SEQ_MAX (engine.h).
 */
int rc_ringseq_load(const char *path, uint64_t *seq, char *why, size_t why_len);
/* Durable on return 0; -errno otherwise (the old value is intact). */
int rc_ringseq_store(const char *path, uint64_t seq);

#endif /* RC_RINGSEQ_H */
