/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A seeded mutation loop over rc_auth_open (dataplane/auth/auth.c), in the
 * unit and fuzz suites, under ASan/UBSan when the compiler has them: valid
 * frames of every mode, cut, bit-flipped, overwritten with random bytes or
 * spliced with another frame's envelope. No input may crash or overrun, none
 * changed in a covered byte may open, and every drop is counted once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "unit_test.h"
#include "xorshift.h"

#define ITERATIONS	100000
#define BUF		2048

static const uint8_t key[32] = "mutate-mutate-mutate-mutate-mut!";

static struct rc_auth *node(uint32_t me, enum rc_auth_mode mode, uint32_t inc)
{
	struct rc_auth_params p = {
		.mode = mode, .cluster_id = 5, .me = me, .incarnation = inc,
		.n_nodes = 3, .nodes = { 1, 2, 3 },
	};
	struct rc_auth *a = NULL;

	CU_ASSERT_FATAL(rc_auth_prk(key, sizeof(key), p.prk) == 0);
	CU_ASSERT_FATAL(rc_auth_create(&p, &a) == 0);
	return a;
}

static void test_mutated_frames_never_open_and_never_crash(void)
{
	for (int m = RC_AUTH_MODE_MAC; m <= RC_AUTH_MODE_AEAD; m++) {
		struct rc_auth *s = node(1, m, 7), *r = node(2, m, 9);
		uint64_t drops[RC_AUTH_DROPS_], total = 0, opened = 0, refused = 0;

		rng_state = 42 + (uint64_t)m;
		for (int i = 0; i < ITERATIONS; i++) {
			uint8_t body[1200], f[BUF], g[BUF];
			size_t blen = 1 + rng() % sizeof(body), len;
			struct rc_auth_rx rx;
			struct rc_auth_bad bad;
			int n, how = (int)(rng() % 5), ret;
			bool changed = true;

			for (size_t k = 0; k < blen; k++)
				body[k] = (uint8_t)rng();
			n = rc_auth_seal(s, body, blen, NULL, 0, true, f);
			CU_ASSERT_FATAL(n > 0);
			len = (size_t)n;
			memcpy(g, f, len);
			switch (how) {
			case 0:	/* cut short */
				len = rng() % len;
				break;
			case 1:	/* one to eight bits flipped */
				for (int k = 1 + (int)(rng() % 8); k > 0; k--) {
					size_t at = rng() % len;

					g[at] ^= (uint8_t)(1u << (rng() % 8));
				}
				changed = memcmp(f, g, len) != 0;
				break;
			case 2:	/* random bytes after a real envelope */
				for (size_t k = sizeof(struct rc_wire_auth); k < len; k++)
					g[k] = (uint8_t)rng();
				break;
			case 3:	/* all random, any length */
				len = rng() % BUF;
				for (size_t k = 0; k < len; k++)
					g[k] = (uint8_t)rng();
				break;
			default: /* grown: bytes appended */
				for (size_t k = 1 + rng() % 64; k > 0; k--)
					g[len++] = (uint8_t)rng();
				break;
			}
			ret = rc_auth_open(r, g, len, &rx, &bad);
			if (ret == 0) {
				opened++;
				/* Only an unchanged frame opens, and it opens whole. */
				CU_ASSERT_FALSE(changed);
				CU_ASSERT_EQUAL(rx.body_len, blen);
				CU_ASSERT(!memcmp(rx.body, body, blen));
			} else {
				CU_ASSERT_EQUAL(ret, -EBADMSG);
				CU_ASSERT(bad.drop < RC_AUTH_DROPS_);
				refused++;
			}
		}
		rc_auth_drops(r, drops);
		for (int d = 0; d < RC_AUTH_DROPS_; d++)
			total += drops[d];
		CU_ASSERT_EQUAL(total, refused);
		CU_ASSERT(opened + refused == ITERATIONS);
		CU_ASSERT(drops[RC_AUTH_DROP_BAD_TAG] > 0 && drops[RC_AUTH_DROP_SHORT] > 0);
		rc_auth_destroy(s);
		rc_auth_destroy(r);
	}
}

static const struct unit_test tests[] = {
	T(test_mutated_frames_never_open_and_never_crash),
};

UNIT_TEST_MAIN("auth-mutate", tests)
