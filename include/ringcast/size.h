/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte sizes with a binary suffix, as ringcast.conf's sizes
 * (control/config.c) and libcpg's RINGCAST_ZCB_MAX (lib/cpg.c) read them:
 * none, K or KiB, M or MiB, G or GiB, all powers of 1024.
 */
#ifndef RINGCAST_SIZE_H
#define RINGCAST_SIZE_H

#include <stdbool.h>
#include <stddef.h>

/* The shift the suffix s stands for (0 for none), or -1 when s is no
   suffix. With nocase, letters match in either case. */
static inline int rc_size_suffix_shift(const char *s, bool nocase)
{
	static const struct {
		const char *suffix;
		int shift;
	} sizes[] = {
		{ "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
		{ "G", 30 }, { "GiB", 30 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *a = s, *b = sizes[i].suffix;

		for (; *a != '\0' && *b != '\0'; a++, b++)
			if (nocase ? (*a | 0x20) != (*b | 0x20) : *a != *b)
				break;
		if (*a == '\0' && *b == '\0')
			return sizes[i].shift;
	}
	return -1;
}

#endif /* RINGCAST_SIZE_H */
