/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark, not a test (meson test --benchmark auth-aead): what sealing and
 * opening a frame costs one core, per mode and frame size: frames/s and
 * payload bytes/s for rc_auth_seal + rc_auth_open (the lcore does one of each
 * per frame it sends or receives). Prints a table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct rc_auth *node(uint32_t me, enum rc_auth_mode mode)
{
	static const uint8_t key[32] = "bench-key-bench-key-bench-key-!!";
	struct rc_auth_params p = {
		.mode = mode, .cluster_id = 1, .me = me, .incarnation = 1,
		.n_nodes = 2, .nodes = { 1, 2 },
	};
	struct rc_auth *a;

	if (rc_auth_prk(key, sizeof(key), p.prk) < 0 || rc_auth_create(&p, &a) < 0) {
		fprintf(stderr, "bench_auth: cannot create\n");
		exit(1);
	}
	return a;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 1024, 8952 };
	static uint8_t in[9000], frame[9100];
	double secs = argc > 1 ? atof(argv[1]) : 0.5;

	printf("%-14s %6s %12s %12s %12s\n", "mode", "bytes", "seal+open/s", "MB/s", "ns/frame");
	for (int m = RC_AUTH_MODE_MAC; m <= RC_AUTH_MODE_AEAD; m++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct rc_auth *tx = node(1, m), *rx = node(2, m);
			struct rc_auth_rx r;
			struct rc_auth_bad b;
			unsigned long n = 0;
			double t0 = now_s(), t;

			memset(in, 0x5a, sizes[s]);
			do {
				for (int k = 0; k < 256; k++, n++) {
					int len = rc_auth_seal(tx, in, sizes[s], NULL, 0, true, frame);

					if (len < 0 || rc_auth_open(rx, frame, (size_t)len, &r, &b) < 0) {
						fprintf(stderr, "bench_auth: frame %lu failed\n", n);
						return 1;
					}
				}
				t = now_s() - t0;
			} while (t < secs);
			printf("%-14s %6zu %12.0f %12.1f %12.0f\n", rc_auth_mode_name(m), sizes[s],
			       (double)n / t, (double)n * (double)sizes[s] / t / 1e6, t * 1e9 / (double)n);
			rc_auth_destroy(tx);
			rc_auth_destroy(rx);
		}
	}
	return 0;
}
