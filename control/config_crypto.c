/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * totem { crypto_cipher, crypto_hash, secauth, keyfile }: what corosync's
 * words mean here (docs/configuration.md has the table), checked once the
 * whole file is read, and the key file read before anything starts.
 * Frame authentication is on unless the file turns it off explicitly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

static const char *const cipher_names[] = { "none", "aes256", "aes192", "aes128" };

#define FIXES	"create the key with `ringcast-keygen -k %s` and copy it to every node, " \
		"or turn frame authentication off explicitly: totem { crypto_cipher: none " \
		"crypto_hash: none }"

int rc_config_crypto_finish(struct rc_config *cfg, unsigned int cipher_line,
			    unsigned int hash_line, unsigned int secauth_line,
			    unsigned int *line, char *msg, size_t msglen)
{
	struct rc_config_crypto *c = &cfg->crypto;

	if (cipher_line && (c->cipher == RC_CIPHER_AES192 || c->cipher == RC_CIPHER_AES128)) {
		*line = cipher_line;
		snprintf(msg, msglen, "key 'crypto_cipher' in totem: %s is not supported: "
			 "ringcast encrypts with aes256 (AES-256-GCM), or use none",
			 cipher_names[c->cipher]);
		return -EINVAL;
	}
	if (!cipher_line && !hash_line) {
		/* secauth alone, as corosync 2 spelled it; nothing: on. */
		c->mode = !secauth_line || c->secauth ? RC_AUTH_MODE_AEAD : RC_AUTH_MODE_NONE;
		c->explicit_off = secauth_line && !c->secauth;
		c->mode_line = secauth_line;
		return 0;
	}
	/* Either crypto key given: the other one defaults to none, as in corosync. */
	if (c->cipher != RC_CIPHER_NONE && c->hash == RC_HASH_NONE) {
		*line = cipher_line;
		snprintf(msg, msglen, "key 'crypto_cipher' in totem: %s needs a crypto_hash "
			 "(an encrypted frame is also authenticated; corosync refuses this "
			 "too): set crypto_hash: sha256", cipher_names[c->cipher]);
		return -EINVAL;
	}
	if (c->cipher != RC_CIPHER_NONE)
		c->mode = RC_AUTH_MODE_AEAD;
	else if (c->hash != RC_HASH_NONE)
		c->mode = RC_AUTH_MODE_MAC;
	else
		c->mode = RC_AUTH_MODE_NONE;
	c->explicit_off = c->mode == RC_AUTH_MODE_NONE && cipher_line && hash_line;
	if (c->mode == RC_AUTH_MODE_NONE && !c->explicit_off) {
		/* "crypto_hash: none" alone: the cipher is none by default, so this
		   turns authentication off; say it in full instead. */
		*line = cipher_line ? cipher_line : hash_line;
		snprintf(msg, msglen, "key '%s' in totem: to turn frame authentication off, "
			 "give both crypto_cipher: none and crypto_hash: none",
			 cipher_line ? "crypto_cipher" : "crypto_hash");
		return -EINVAL;
	}
	c->mode_line = cipher_line ? cipher_line : hash_line;
	return 0;
}

int rc_config_key_load(const struct rc_config *cfg, const char *conf, uint8_t *key,
		       size_t *len, char *err, size_t errlen)
{
	const struct rc_config_crypto *c = &cfg->crypto;
	char why[RC_CONFIG_MSG_MAX];
	int ret;

	*len = 0;
	if (c->mode == RC_AUTH_MODE_NONE)
		return 0;
	ret = rc_auth_key_load(c->keyfile, key, len, why, sizeof(why));
	if (ret == 0)
		return 0;
	if (c->keyfile_line)
		snprintf(err, errlen, "%s:%u: key 'keyfile' in totem: %s%s", conf,
			 c->keyfile_line, why,
			 ret == -ENOENT ? " (ringcast-keygen makes one)" : "");
	else if (ret == -ENOENT)
		snprintf(err, errlen, "%s: frames are authenticated by default and the key "
			 "file is missing: %s; " FIXES, conf, why, c->keyfile);
	else
		snprintf(err, errlen, "%s: totem { keyfile } (default %s): %s", conf,
			 c->keyfile, why);
	return ret;
}
