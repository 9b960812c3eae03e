/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringcast-gen's small helpers: error names, clocks, CRC32C (SSE4.2 when the
 * CPU has it, else slicing-by-8; both give the same values), FNV-1a, and the
 * parsers and formatters for sizes, durations and rates. libc only.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_names.h"
#include "ringcast-gen.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

volatile sig_atomic_t rc_gen_stop;

const char *rc_gen_err(cs_error_t err)
{
	return rc_cs_error_name(err);
}

uint64_t rc_gen_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t rc_gen_now_ns(void)
{
	return rc_gen_clock_ns(CLOCK_MONOTONIC);
}

/* ---- CRC32C (Castagnoli, reflected 0x82F63B78); crc starts at 0 ---- */

static uint32_t crc_tab[8][256];
static int crc_impl;		/* 0 not chosen, 1 table, 2 sse4.2 */

static void crc_init(void)
{
	uint32_t c;

	for (int i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (int i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^
					crc_tab[0][crc_tab[t - 1][i] & 0xff];
	crc_impl = 1;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		crc_impl = 2;
#endif
}

static uint32_t crc_table(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t w;

	while (len && ((uintptr_t)p & 7)) {
		c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
		len--;
	}
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		w ^= c;
		c = crc_tab[7][w & 0xff] ^ crc_tab[6][(w >> 8) & 0xff] ^
		    crc_tab[5][(w >> 16) & 0xff] ^ crc_tab[4][(w >> 24) & 0xff] ^
		    crc_tab[3][(w >> 32) & 0xff] ^ crc_tab[2][(w >> 40) & 0xff] ^
		    crc_tab[1][(w >> 48) & 0xff] ^ crc_tab[0][w >> 56];
	}
	while (len--)
		c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_sse42(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64, w;

	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8(c, *p++);
		len--;
	}
	c64 = c;
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		c64 = _mm_crc32_u64(c64, w);
	}
	c = (uint32_t)c64;
	while (len--)
		c = _mm_crc32_u8(c, *p++);
	return c;
}
#endif

uint32_t rc_gen_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	if (!crc_impl)
		crc_init();
	return ~crc_table(~crc, buf, len);
}

uint32_t rc_gen_crc32c(uint32_t crc, const void *buf, size_t len)
{
	if (!crc_impl)
		crc_init();
#if defined(__x86_64__)
	if (crc_impl == 2)
		return ~crc_sse42(~crc, buf, len);
#endif
	return ~crc_table(~crc, buf, len);
}

/* ---- FNV-1a, splitmix64 ---- */

uint64_t rc_gen_fnv1a(uint64_t h, const void *buf, size_t len)
{
	return rc_fnv1a64(h, buf, len);
}

uint64_t rc_gen_mix64(uint64_t x)
{
	return rc_splitmix64(x);
}

/* ---- parsing ---- */

/* A decimal number with an optional suffix; *end at the suffix. */
static int parse_number(const char *s, double *v, const char **end)
{
	char *e;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &e);
	if (e == s || errno != 0 || !isfinite(*v) || *v < 0)
		return -EINVAL;
	*end = e;
	return 0;
}

/* Bytes: 64, 1k, 1K, 1KiB, 1kb = 1024; m, g likewise (powers of 1024). */
int rc_gen_parse_size(const char *s, size_t *out)
{
	static const struct { const char *sfx; double mul; } sfx[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1024.0 }, { "kb", 1024.0 }, { "kib", 1024.0 },
		{ "m", 1048576.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
		{ "g", 1073741824.0 }, { "gb", 1073741824.0 }, { "gib", 1073741824.0 },
	};
	const char *end;
	double v;

	if (parse_number(s, &v, &end) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (strcasecmp(end, sfx[i].sfx) == 0) {
			v *= sfx[i].mul;
			if (v != floor(v) || v > (double)SIZE_MAX / 2)
				return -EINVAL;
			*out = (size_t)v;
			return 0;
		}
	}
	return -EINVAL;
}

/* Seconds: 5, 0.5, 500ms, 2s, 1m (a minute). */
int rc_gen_parse_seconds(const char *s, double *out)
{
	const char *end;
	double v;

	if (parse_number(s, &v, &end) < 0)
		return -EINVAL;
	if (*end == '\0' || strcmp(end, "s") == 0)
		*out = v;
	else if (strcmp(end, "ms") == 0)
		*out = v / 1000;
	else if (strcmp(end, "us") == 0)
		*out = v / 1e6;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		*out = v * 60;
	else
		return -EINVAL;
	return 0;
}

/* A count: 1000, 10k, 1.5m, 2M (powers of 1000). */
int rc_gen_parse_count(const char *s, double *out)
{
	const char *end;
	double v;

	if (parse_number(s, &v, &end) < 0)
		return -EINVAL;
	if (*end == '\0')
		*out = v;
	else if (strcasecmp(end, "k") == 0)
		*out = v * 1e3;
	else if (strcasecmp(end, "m") == 0)
		*out = v * 1e6;
	else
		return -EINVAL;
	return 0;
}

int rc_gen_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *e;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno != 0 || *e != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* ---- formatting ---- */

char *rc_gen_fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 10000)
		snprintf(buf, len, "%.2fus", (double)ns / 1e3);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 10000000)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	return buf;
}

char *rc_gen_fmt_size(char *buf, size_t len, size_t bytes)
{
	if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		snprintf(buf, len, "%zum", bytes >> 20);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, len, "%zuk", bytes >> 10);
	else
		snprintf(buf, len, "%zu", bytes);
	return buf;
}

char *rc_gen_fmt_rate(char *buf, size_t len, double v)
{
	if (v < 10000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.2fM", v / 1e6);
	return buf;
}
