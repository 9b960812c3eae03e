/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the CPG client tests (cpg_conform, cpg_stress): error
 * names, a monotonic clock, group names, CRC32C and FNV-1a. It uses libc and
 * the standard CPG headers only, so the programs build against ringcast's
 * include/corosync or against corosync's installed headers alike.
 */
#ifndef CPGT_H
#define CPGT_H

#include <corosync/corotypes.h>
#include <corosync/cpg.h>

#include "../../include/ringcast/hash.h"
#include "../../tools/cs_names.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* "CS_ERR_TRY_AGAIN" for CS_ERR_TRY_AGAIN (tools/cs_names.h). */
static inline const char *cpgt_err(cs_error_t err)
{
	return rc_cs_error_name(err);
}

/* Monotonic time in milliseconds and in seconds. */
static inline int64_t cpgt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline double cpgt_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A group name from a C string (truncated to CPG_MAX_NAME_LENGTH). */
static inline void cpgt_name(struct cpg_name *n, const char *s)
{
	size_t len = strlen(s);

	if (len > CPG_MAX_NAME_LENGTH)
		len = CPG_MAX_NAME_LENGTH;
	memset(n, 0, sizeof(*n));
	n->length = (uint32_t)len;
	memcpy(n->value, s, len);
}

static inline int cpgt_name_eq(const struct cpg_name *a, const struct cpg_name *b)
{
	return a->length == b->length && a->length <= CPG_MAX_NAME_LENGTH &&
	       memcmp(a->value, b->value, a->length) == 0;
}

static uint32_t cpgt_crc_table[256];

static inline void cpgt_crc_init(void)
{
	for (int i = 0; i < 256; i++) {
		uint32_t c = (uint32_t)i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		cpgt_crc_table[i] = c;
	}
}

/* CRC32C (Castagnoli, reflected 0x82F63B78), table-driven; crc starts at 0.
   Any thread: the table is made once (a sending and a dispatching thread
   may be first at the same time). */
static inline uint32_t cpgt_crc32c(uint32_t crc, const void *buf, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const uint32_t *table = cpgt_crc_table;
	const uint8_t *p = buf;

	pthread_once(&once, cpgt_crc_init);
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#define CPGT_FNV_OFFSET	RC_FNV1A64_OFFSET

/* FNV-1a over len bytes, continuing from h (include/ringcast/hash.h). */
static inline uint64_t cpgt_fnv1a(uint64_t h, const void *buf, size_t len)
{
	return rc_fnv1a64(h, buf, len);
}

/* splitmix64 (include/ringcast/hash.h): payload bytes and sizes derive from it. */
static inline uint64_t cpgt_mix64(uint64_t x)
{
	return rc_splitmix64(x);
}

#endif /* CPGT_H */
