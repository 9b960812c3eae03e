/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for control/config_crypto.c: totem { crypto_cipher, crypto_hash,
 * secauth, keyfile } in corosync's words, what each combination means, the
 * errors (FILE:LINE, key) for the rest, and the key file read before start
 * (missing, wrong size, group- or world-readable), naming both fixes.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_test.h"

#define TOTEM(lines)	"totem {\n" lines "}\n" NODES

static void test_default_is_encrypted_with_the_default_keyfile(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(NODES), 0);
	CU_ASSERT_EQUAL(cfg.crypto.mode, RC_AUTH_MODE_AEAD);
	CU_ASSERT_FALSE(cfg.crypto.explicit_off);
	CU_ASSERT_STRING_EQUAL(cfg.crypto.keyfile, "/etc/ringcast/authkey");
	CU_ASSERT_EQUAL(cfg.crypto.keyfile_line, 0);
}

static void test_corosync_combinations_map_to_modes(void)
{
	static const struct {
		const char *text;
		enum rc_auth_mode mode;
		bool off;
	} cases[] = {
		{ TOTEM(" crypto_cipher: aes256\n crypto_hash: sha256\n"), RC_AUTH_MODE_AEAD, 0 },
		{ TOTEM(" crypto_cipher: aes256\n crypto_hash: sha512\n"), RC_AUTH_MODE_AEAD, 0 },
		{ TOTEM(" crypto_cipher: none\n crypto_hash: sha256\n"), RC_AUTH_MODE_MAC, 0 },
		{ TOTEM(" crypto_hash: sha1\n"), RC_AUTH_MODE_MAC, 0 },
		{ TOTEM(" crypto_cipher: none\n crypto_hash: none\n"), RC_AUTH_MODE_NONE, 1 },
		{ TOTEM(" secauth: on\n"), RC_AUTH_MODE_AEAD, 0 },
		{ TOTEM(" secauth: off\n"), RC_AUTH_MODE_NONE, 1 },
		/* crypto_* win over secauth, as in corosync */
		{ TOTEM(" secauth: off\n crypto_cipher: aes256\n crypto_hash: sha256\n"),
		  RC_AUTH_MODE_AEAD, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(parse(cases[i].text), 0);
		CU_ASSERT_EQUAL(cfg.crypto.mode, cases[i].mode);
		CU_ASSERT_EQUAL(cfg.crypto.explicit_off, cases[i].off);
		CU_ASSERT_EQUAL(rc_config_warning_count(&cfg), 0);
	}
}

static void test_cipher_without_hash_is_an_error(void)
{
	EXPECT_ERROR(TOTEM(" crypto_cipher: aes256\n"),
		     "t.conf:2: key 'crypto_cipher' in totem: aes256 needs a crypto_hash");
	EXPECT_ERROR(TOTEM(" crypto_hash: none\n crypto_cipher: aes256\n"),
		     "t.conf:3: key 'crypto_cipher'", "needs a crypto_hash");
}

static void test_unsupported_and_unknown_values_are_errors(void)
{
	EXPECT_ERROR(TOTEM(" crypto_cipher: aes128\n crypto_hash: sha256\n"),
		     "t.conf:2: key 'crypto_cipher' in totem: aes128 is not supported");
	EXPECT_ERROR(TOTEM(" crypto_cipher: 3des\n"),
		     "t.conf:2: key 'crypto_cipher' in totem: '3des' is not one of: none, aes256");
	EXPECT_ERROR(TOTEM(" crypto_hash: sha3\n"),
		     "t.conf:2: key 'crypto_hash' in totem: 'sha3' is not one of");
	EXPECT_ERROR(TOTEM(" secauth: maybe\n"), "t.conf:2: key 'secauth'");
	EXPECT_ERROR(TOTEM(" keyfile: etc/authkey\n"),
		     "t.conf:2: key 'keyfile' in totem: 'etc/authkey' is not an absolute path");
	EXPECT_ERROR(TOTEM(" crypto_hash: sha256\n crypto_hash: sha1\n"),
		     "t.conf:3: key 'crypto_hash' in totem: duplicate key");
}

static void test_half_an_off_switch_is_an_error(void)
{
	EXPECT_ERROR(TOTEM(" crypto_hash: none\n"),
		     "t.conf:2: key 'crypto_hash' in totem:",
		     "give both crypto_cipher: none and crypto_hash: none");
	EXPECT_ERROR(TOTEM(" crypto_cipher: none\n"), "t.conf:2: key 'crypto_cipher'");
}

/* The envelope comes out of netmtu: a commit token for 32 nodes must still fit. */
static void test_netmtu_leaves_room_for_shim_and_envelope(void)
{
	EXPECT_ERROR(TOTEM(" netmtu: 879\n"), "t.conf:2:", "'netmtu'", "out of range");
	CU_ASSERT_EQUAL(parse(TOTEM(" netmtu: 880\n")), 0);
	CU_ASSERT(880 - 8 - RC_WIRE_AUTH_OVERHEAD == RC_WIRE_COMMIT_MAX);
}

/* ---- The key file ------------------------------------------------------- */

static char dir[64];

static void key_file(const char *name, size_t len, mode_t mode)
{
	char path[128];
	uint8_t b[8192];
	int fd;

	memset(b, 7, sizeof(b));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, b, len) == (ssize_t)len);
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

/* Parse a totem section naming dir/name as keyfile (line 2), then load it. */
static int key_with(const char *name, uint8_t *key, size_t *len)
{
	char text[512];

	snprintf(text, sizeof(text), "totem {\n keyfile: %s/%s\n}\n" NODES, dir, name);
	CU_ASSERT_EQUAL_FATAL(parse(text), 0);
	CU_ASSERT_EQUAL(cfg.crypto.keyfile_line, 2);
	return rc_config_key_load(&cfg, "c.conf", key, len, err, sizeof(err));
}

static void test_keyfile_is_read_and_checked(void)
{
	static uint8_t key[RC_AUTH_KEY_MAX];
	size_t len = 0;

	snprintf(dir, sizeof(dir), "/tmp/rc-config-key-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	key_file("good", 32, 0400);
	CU_ASSERT_EQUAL(key_with("good", key, &len), 0);
	CU_ASSERT_EQUAL(len, 32);
	CU_ASSERT_EQUAL(key[0], 7);

	CU_ASSERT_EQUAL(key_with("missing", key, &len), -ENOENT);
	CU_ASSERT(strstr(err, "c.conf:2: key 'keyfile' in totem: ") != NULL);
	CU_ASSERT(strstr(err, "/missing: cannot read") != NULL);
	key_file("small", 16, 0400);
	CU_ASSERT_EQUAL(key_with("small", key, &len), -EINVAL);
	CU_ASSERT(strstr(err, "c.conf:2: key 'keyfile' in totem: ") != NULL);
	CU_ASSERT(strstr(err, "16 bytes") != NULL);
	key_file("big", 4097, 0400);
	CU_ASSERT_EQUAL(key_with("big", key, &len), -EINVAL);
	key_file("grp", 32, 0640);
	CU_ASSERT_EQUAL(key_with("grp", key, &len), -EPERM);
	CU_ASSERT(strstr(err, "group or others") != NULL);
	key_file("world", 32, 0404);
	CU_ASSERT_EQUAL(key_with("world", key, &len), -EPERM);
	/* mode 0400, but another user's: they can read and replace it */
	if (geteuid() == 0) {
		char path[160];

		key_file("theirs", 32, 0400);
		snprintf(path, sizeof(path), "%s/theirs", dir);
		CU_ASSERT_FATAL(chown(path, 65534, 65534) == 0);
		CU_ASSERT_EQUAL(key_with("theirs", key, &len), -EPERM);
		CU_ASSERT(strstr(err, "owned by uid 65534") != NULL);
	}
	CU_ASSERT_EQUAL(system("rm -rf /tmp/rc-config-key-*") == 0, 1);
}

static void test_missing_default_key_names_both_fixes(void)
{
	static uint8_t key[RC_AUTH_KEY_MAX];
	size_t len = 0;

	CU_ASSERT_EQUAL_FATAL(parse(NODES), 0);
	/* the default path, moved where no key is */
	snprintf(cfg.crypto.keyfile, sizeof(cfg.crypto.keyfile), "/nonexistent-rc/authkey");
	CU_ASSERT_EQUAL(rc_config_key_load(&cfg, "c.conf", key, &len, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT(strstr(err, "c.conf: ") == err);
	CU_ASSERT(strstr(err, "ringcast-keygen") != NULL);
	CU_ASSERT(strstr(err, "crypto_cipher: none") != NULL);
	CU_ASSERT(strstr(err, "crypto_hash: none") != NULL);
}

static void test_no_key_is_read_when_crypto_is_off(void)
{
	static uint8_t key[RC_AUTH_KEY_MAX];
	size_t len = 99;

	CU_ASSERT_EQUAL_FATAL(parse(TOTEM(" crypto_cipher: none\n crypto_hash: none\n"
					  " keyfile: /nonexistent-rc/authkey\n")), 0);
	CU_ASSERT_EQUAL(rc_config_key_load(&cfg, "c.conf", key, &len, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(len, 0);
}

static const struct unit_test tests[] = {
	T(test_default_is_encrypted_with_the_default_keyfile),
	T(test_corosync_combinations_map_to_modes),
	T(test_cipher_without_hash_is_an_error),
	T(test_unsupported_and_unknown_values_are_errors),
	T(test_half_an_off_switch_is_an_error),
	T(test_netmtu_leaves_room_for_shim_and_envelope),
	T(test_keyfile_is_read_and_checked),
	T(test_missing_default_key_names_both_fixes),
	T(test_no_key_is_read_when_crypto_is_off),
};

int main(int argc, char **argv)
{
	(void)configs_dir;
	(void)load;
	(void)has_warning;
	return unit_test_run("config-crypto", tests, sizeof(tests) / sizeof(tests[0]));
}
