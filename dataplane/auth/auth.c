/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sealing and opening frames (auth.h): AES-256-GCM with a key per (cluster
 * key, sender, incarnation), the frame counter as nonce, a 64-frame replay
 * window per sender, and the rotation's gossip in the envelope. Allocates
 * only in create and when a sender's new incarnation (or a new cluster key)
 * needs a key derived; the per-frame path reuses its cipher contexts.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"

#define ENV_LEN		sizeof(struct rc_wire_auth)
#define IV_LEN		12
#define HKDF_SALT	"ringcast frame key v2"

struct peer {
	uint32_t nodeid;
	uint32_t incarnation;	/* accepted; 0: none yet */
	uint64_t top;		/* highest counter accepted in it */
	uint64_t window;	/* bit i: counter top - i accepted (or old) */
	uint32_t ctx_inc[RC_AUTH_SLOTS];	/* incarnation ctx[slot] is keyed for */
	EVP_CIPHER_CTX *ctx[RC_AUTH_SLOTS];
};

struct rc_auth {
	enum rc_auth_mode mode;
	uint32_t cluster_id, me, incarnation;
	bool have[RC_AUTH_SLOTS];
	uint8_t prk[RC_AUTH_SLOTS][RC_AUTH_PRK_LEN];
	uint32_t key_id[RC_AUTH_SLOTS];
	uint8_t tx_slot;
	uint8_t newest;		/* slot of the newest key */
	uint32_t holders, users;	/* of the newest key: bits of nodes[] */
	uint64_t tx_counter;
	EVP_CIPHER_CTX *tx[RC_AUTH_SLOTS];
	EVP_CIPHER_CTX *cand;	/* a new incarnation's key, until its frame verifies */
	uint32_t n_nodes;
	uint32_t nodes[RC_AUTH_MAX_NODES];	/* ascending: the bits of holders, users */
	uint32_t n_peers;
	struct peer peers[RC_AUTH_MAX_NODES];
	uint64_t drops[RC_AUTH_DROPS_];
};

static const char *const drop_names[] = {
#define X(U, l, d) #l,
	RC_AUTH_DROP_LIST(X)
#undef X
};

static const char *const drop_descs[] = {
#define X(U, l, d) d,
	RC_AUTH_DROP_LIST(X)
#undef X
};

const char *rc_auth_drop_name(int drop)
{
	return drop >= 0 && drop < RC_AUTH_DROPS_ ? drop_names[drop] : "?";
}

const char *rc_auth_drop_desc(int drop)
{
	return drop >= 0 && drop < RC_AUTH_DROPS_ ? drop_descs[drop] : "?";
}

const char *rc_auth_mode_name(int mode)
{
	switch (mode) {
	case RC_AUTH_MODE_NONE:
		return "none (crypto off)";
	case RC_AUTH_MODE_MAC:
		return "authenticated";
	case RC_AUTH_MODE_AEAD:
		return "encrypted";
	default:
		return "unknown";
	}
}

int rc_auth_prk(const uint8_t *key, size_t len, uint8_t prk[RC_AUTH_PRK_LEN])
{
	unsigned int n = 0;

	if (len < RC_AUTH_KEY_MIN || len > RC_AUTH_KEY_MAX)
		return -EINVAL;
	if (!HMAC(EVP_sha256(), HKDF_SALT, sizeof(HKDF_SALT) - 1, key, len, prk, &n) ||
	    n != RC_AUTH_PRK_LEN)
		return -EIO;
	return 0;
}

/*
 * HKDF-Expand to one AES-256 key: T(1) = HMAC(PRK, info | 0x01), info =
 * "rc2", 0, cluster_id, sender, incarnation (little-endian). The slot only
 * says which PRK: slots are this node's own numbering.
 */
static int derive(const struct rc_auth *a, uint8_t slot, uint32_t sender, uint32_t inc,
		  uint8_t key[32])
{
	uint8_t rec[3 + 1 + 4 + 4 + 4 + 1];
	unsigned int n = 0;
	uint32_t v;

	memcpy(rec, "rc2", 3);
	rec[3] = 0;
	v = htole32(a->cluster_id);
	memcpy(rec + 4, &v, 4);
	v = htole32(sender);
	memcpy(rec + 8, &v, 4);
	v = htole32(inc);
	memcpy(rec + 12, &v, 4);
	rec[16] = 0x01;
	if (!HMAC(EVP_sha256(), a->prk[slot], RC_AUTH_PRK_LEN, rec, sizeof(rec), key, &n) ||
	    n != 32)
		return -EIO;
	return 0;
}

static int key_ctx(const struct rc_auth *a, EVP_CIPHER_CTX *ctx, uint8_t slot, uint32_t sender,
		   uint32_t inc, int enc)
{
	uint8_t key[32];
	int ok;

	if (derive(a, slot, sender, inc, key) < 0)
		return -EIO;
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, enc);
	memset(key, 0, sizeof(key));
	return ok ? 0 : -EIO;
}

uint32_t rc_auth_key_id(const uint8_t prk[RC_AUTH_PRK_LEN])
{
	static const char label[] = "ringcast key id";
	uint8_t h[32];
	unsigned int n = 0;
	uint32_t id = 0;

	if (HMAC(EVP_sha256(), prk, RC_AUTH_PRK_LEN, (const uint8_t *)label, sizeof(label) - 1,
		 h, &n))
		memcpy(&id, h, 4);
	id = le32toh(id);
	return id ? id : 1;
}

/* Bit of a node in holders/users, 0 when it is not in the nodelist. */
static uint32_t bit_of(const struct rc_auth *a, uint32_t nodeid)
{
	for (uint32_t i = 0; i < a->n_nodes; i++)
		if (a->nodes[i] == nodeid)
			return 1u << i;
	return 0;
}

static struct peer *peer_of(struct rc_auth *a, uint32_t nodeid)
{
	for (uint32_t i = 0; i < a->n_peers; i++)
		if (a->peers[i].nodeid == nodeid)
			return &a->peers[i];
	return NULL;
}

void rc_auth_destroy(struct rc_auth *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->n_peers; i++)
		for (int s = 0; s < RC_AUTH_SLOTS; s++)
			EVP_CIPHER_CTX_free(a->peers[i].ctx[s]);
	for (int s = 0; s < RC_AUTH_SLOTS; s++)
		EVP_CIPHER_CTX_free(a->tx[s]);
	EVP_CIPHER_CTX_free(a->cand);
	memset(a->prk, 0, sizeof(a->prk));
	free(a);
}

int rc_auth_create(const struct rc_auth_params *p, struct rc_auth **out)
{
	struct rc_auth *a;
	int ret = -ENOMEM;

	if (p->mode > RC_AUTH_MODE_AEAD || !p->me || !p->incarnation ||
	    p->n_nodes > RC_AUTH_MAX_NODES || p->n_floor > RC_AUTH_MAX_NODES)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->mode = p->mode;
	a->cluster_id = p->cluster_id;
	a->me = p->me;
	a->incarnation = p->incarnation;
	a->have[0] = true;
	memcpy(a->prk[0], p->prk, RC_AUTH_PRK_LEN);
	a->key_id[0] = rc_auth_key_id(p->prk);
	for (uint32_t i = 0; i < p->n_nodes; i++) {
		struct peer *q;
		uint32_t j;

		/* the nodelist, ascending, without duplicates */
		for (j = 0; j < a->n_nodes && a->nodes[j] < p->nodes[i]; j++)
			;
		if (p->nodes[i] && (j == a->n_nodes || a->nodes[j] != p->nodes[i])) {
			memmove(a->nodes + j + 1, a->nodes + j, (a->n_nodes - j) * 4);
			a->nodes[j] = p->nodes[i];
			a->n_nodes++;
		}

		if (p->nodes[i] == p->me || !p->nodes[i] || peer_of(a, p->nodes[i]))
			continue;
		q = &a->peers[a->n_peers++];
		q->nodeid = p->nodes[i];
		q->window = 1;		/* counter 0 is never sent */
		for (int s = 0; s < RC_AUTH_SLOTS; s++)
			if (!(q->ctx[s] = EVP_CIPHER_CTX_new()))
				goto fail;
	}
	/* What this node saw of each sender before it restarted. */
	for (uint32_t i = 0; i < p->n_floor; i++) {
		struct peer *q = peer_of(a, p->floor[i].nodeid);

		if (!q)
			continue;
		q->incarnation = p->floor[i].incarnation;
		q->top = p->floor[i].counter;
		q->window = ~0ull;
	}
	a->cand = EVP_CIPHER_CTX_new();
	for (int s = 0; s < RC_AUTH_SLOTS; s++)
		a->tx[s] = EVP_CIPHER_CTX_new();
	if (!a->cand || !a->tx[0] || !a->tx[1])
		goto fail;
	ret = key_ctx(a, a->tx[0], 0, a->me, a->incarnation, 1);
	if (ret < 0)
		goto fail;
	a->holders = a->users = bit_of(a, a->me);
	*out = a;
	return 0;
fail:
	rc_auth_destroy(a);
	return ret;
}

enum rc_auth_mode rc_auth_mode_get(const struct rc_auth *a)
{
	return a->mode;
}

static void iv_of(uint64_t counter, uint8_t iv[IV_LEN])
{
	uint64_t c = htole64(counter);

	memcpy(iv, &c, 8);
	memset(iv + 8, 0, IV_LEN - 8);
}

/* The GCM tag, got after a seal or set before an open: as a parameter, not
   through EVP_CIPHER_CTX_ctrl, which OpenSSL 3 turns into one after a
   lookup by name for every frame. A cipher from a legacy ENGINE takes no
   parameters: ctrl then. 1 or 0, as EVP calls answer. */
static int tag_param(EVP_CIPHER_CTX *ctx, uint8_t *tag, bool set)
{
	OSSL_PARAM p[2] = {
		OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag,
						  RC_WIRE_TAG_LEN),
		OSSL_PARAM_construct_end(),
	};

	if (set ? EVP_CIPHER_CTX_set_params(ctx, p) : EVP_CIPHER_CTX_get_params(ctx, p))
		return 1;
	return EVP_CIPHER_CTX_ctrl(ctx, set ? EVP_CTRL_GCM_SET_TAG : EVP_CTRL_GCM_GET_TAG,
				   RC_WIRE_TAG_LEN, tag);
}

int rc_auth_seal(struct rc_auth *a, const void *hdr, size_t hdr_len,
		 const void *data, size_t data_len, bool copy_data, uint8_t *out)
{
	struct rc_wire_auth env = {
		.magic = htole32(RC_WIRE_MAGIC),
		.version = RC_WIRE_VERSION,
		.mode = (uint8_t)a->mode,
		.sender = htole32(a->me),
		.incarnation = htole32(a->incarnation),
		.key_id = htole32(a->key_id[a->tx_slot]),
		.newest_id = htole32(a->key_id[a->newest]),
		.holders = htole32(a->holders),
		.users = htole32(a->users),
	};
	EVP_CIPHER_CTX *ctx = a->tx[a->tx_slot];
	uint8_t iv[IV_LEN], *tag = out + ENV_LEN, *body = tag + RC_WIRE_TAG_LEN;
	size_t written = RC_WIRE_AUTH_OVERHEAD + hdr_len + (copy_data ? data_len : 0);
	int n, ok;

	if (!copy_data && a->mode == RC_AUTH_MODE_AEAD)
		return -EINVAL;
	if (hdr_len + data_len > INT32_MAX)
		return -EINVAL;
	env.counter = htole64(++a->tx_counter);
	memcpy(out, &env, ENV_LEN);
	if (a->mode != RC_AUTH_MODE_AEAD) {
		memcpy(body, hdr, hdr_len);
		if (copy_data && data_len)
			memcpy(body + hdr_len, data, data_len);
	}
	if (a->mode == RC_AUTH_MODE_NONE) {
		memset(tag, 0, RC_WIRE_TAG_LEN);
		return (int)written;
	}
	iv_of(a->tx_counter, iv);
	ok = EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) &&
	     EVP_EncryptUpdate(ctx, NULL, &n, out, (int)ENV_LEN);
	if (a->mode == RC_AUTH_MODE_AEAD) {
		ok = ok && EVP_EncryptUpdate(ctx, body, &n, hdr, (int)hdr_len) &&
		     (!data_len ||
		      EVP_EncryptUpdate(ctx, body + hdr_len, &n, data, (int)data_len));
	} else {
		ok = ok && EVP_EncryptUpdate(ctx, NULL, &n, hdr, (int)hdr_len) &&
		     (!data_len || EVP_EncryptUpdate(ctx, NULL, &n, data, (int)data_len));
	}
	ok = ok && EVP_EncryptFinal_ex(ctx, iv, &n) && tag_param(ctx, tag, false);
	return ok ? (int)written : -EIO;
}

/* The replay window: 0 when counter c may be new. */
static int window_check(const struct peer *q, uint64_t c)
{
	if (c > q->top)
		return 0;
	if (q->top - c >= RC_AUTH_WINDOW)
		return -1;
	return (q->window >> (q->top - c) & 1) ? -1 : 0;
}

static void window_add(struct peer *q, uint64_t c)
{
	if (c > q->top) {
		uint64_t d = c - q->top;

		q->window = d >= RC_AUTH_WINDOW ? 1 : (q->window << d) | 1;
		q->top = c;
	} else {
		q->window |= 1ull << (q->top - c);
	}
}

static int verify(struct rc_auth *a, EVP_CIPHER_CTX *ctx, uint8_t *frame, size_t len,
		  uint64_t counter)
{
	uint8_t iv[IV_LEN], *tag = frame + ENV_LEN, *body = tag + RC_WIRE_TAG_LEN;
	int blen = (int)(len - RC_WIRE_AUTH_OVERHEAD), n, ok;

	iv_of(counter, iv);
	ok = EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv) &&
	     EVP_DecryptUpdate(ctx, NULL, &n, frame, (int)ENV_LEN);
	if (a->mode == RC_AUTH_MODE_AEAD)
		ok = ok && (!blen || EVP_DecryptUpdate(ctx, body, &n, body, blen));
	else
		ok = ok && (!blen || EVP_DecryptUpdate(ctx, NULL, &n, body, blen));
	ok = ok && tag_param(ctx, tag, true) &&
	     EVP_DecryptFinal_ex(ctx, iv, &n) > 0;
	return ok ? 0 : -1;
}

static int drop(struct rc_auth *a, struct rc_auth_bad *bad, enum rc_auth_drop why)
{
	a->drops[why]++;
	bad->drop = why;
	return -EBADMSG;
}

int rc_auth_open(struct rc_auth *a, uint8_t *frame, size_t len,
		 struct rc_auth_rx *rx, struct rc_auth_bad *bad)
{
	struct rc_wire_auth env;
	EVP_CIPHER_CTX *ctx;
	struct peer *q;
	uint32_t sender, inc, key_id;
	uint64_t counter;
	uint8_t slot;

	memset(bad, 0, sizeof(*bad));
	if (len >= 5)
		bad->version = frame[4];
	/* A version-1 frame: say who, from its Totem header (offset 12). */
	if (len >= 16 && le32toh(*(const uint32_t *)(const void *)frame) == RC_WIRE_MAGIC &&
	    frame[4] == 1) {
		memcpy(&sender, frame + 12, 4);
		bad->sender = le32toh(sender);
		return drop(a, bad, RC_AUTH_DROP_VERSION);
	}
	if (len < RC_WIRE_AUTH_OVERHEAD || len - RC_WIRE_AUTH_OVERHEAD > INT32_MAX)
		return drop(a, bad, RC_AUTH_DROP_SHORT);
	memcpy(&env, frame, ENV_LEN);
	sender = le32toh(env.sender);
	inc = le32toh(env.incarnation);
	counter = le64toh(env.counter);
	bad->sender = sender;
	bad->mode = env.mode;
	if (le32toh(env.magic) != RC_WIRE_MAGIC || env.version != RC_WIRE_VERSION ||
	    env.reserved)
		return drop(a, bad, RC_AUTH_DROP_VERSION);
	if (env.mode != (uint8_t)a->mode)
		return drop(a, bad, RC_AUTH_DROP_MODE);
	q = sender != a->me ? peer_of(a, sender) : NULL;
	if (!q)
		return drop(a, bad, RC_AUTH_DROP_UNKNOWN_NODE);
	if (a->mode == RC_AUTH_MODE_NONE)
		goto pass;	/* nothing here is authentic: no window either */
	key_id = le32toh(env.key_id);
	for (slot = 0; slot < RC_AUTH_SLOTS; slot++)
		if (a->have[slot] && a->key_id[slot] == key_id)
			break;
	if (slot == RC_AUTH_SLOTS)
		return drop(a, bad, RC_AUTH_DROP_KEY_SLOT);
	if (inc < q->incarnation || !inc)
		return drop(a, bad, RC_AUTH_DROP_OLD_INCARNATION);
	if (inc == q->incarnation && window_check(q, counter) < 0)
		return drop(a, bad, RC_AUTH_DROP_REPLAY);
	ctx = q->ctx[slot];
	if (q->ctx_inc[slot] != inc) {
		/* A new run of the sender (or a forgery claiming one), or a new
		   cluster key: its key in a spare context, kept only if the frame
		   verifies. */
		ctx = a->cand;
		if (key_ctx(a, ctx, slot, sender, inc, 0) < 0)
			return drop(a, bad, RC_AUTH_DROP_BAD_TAG);
	}
	if (verify(a, ctx, frame, len, counter) < 0)
		return drop(a, bad, RC_AUTH_DROP_BAD_TAG);
	if (ctx == a->cand) {
		a->cand = q->ctx[slot];
		q->ctx[slot] = ctx;
		q->ctx_inc[slot] = inc;
	}
	if (inc > q->incarnation) {
		q->incarnation = inc;
		q->top = 0;
		q->window = 1;
	}
	/* What the sender knows of the newest key, if it is ours too. */
	if (le32toh(env.newest_id) == a->key_id[a->newest]) {
		a->holders |= le32toh(env.holders) | bit_of(a, sender);
		a->users |= le32toh(env.users);
	}
	if (slot == a->newest)
		a->users |= bit_of(a, sender);
	rx->newest = counter > q->top;
	window_add(q, counter);
	goto out;
pass:
	rx->newest = true;
out:
	rx->body = frame + RC_WIRE_AUTH_OVERHEAD;
	rx->body_len = len - RC_WIRE_AUTH_OVERHEAD;
	rx->sender = sender;
	return 0;
}

/* ---- rotation ---- */

int rc_auth_key_add(struct rc_auth *a, const uint8_t prk[RC_AUTH_PRK_LEN])
{
	uint8_t spare = a->tx_slot ^ 1;
	uint32_t id = rc_auth_key_id(prk);
	uint8_t any = 0;
	int ret;

	/* Never a key of zeros: anyone could seal frames with it (no key
	   file gives one; a buffer cleared too early would). */
	for (size_t i = 0; i < RC_AUTH_PRK_LEN; i++)
		any |= prk[i];
	if (!any)
		return -EINVAL;
	for (int s = 0; s < RC_AUTH_SLOTS; s++)
		if (a->have[s] && a->key_id[s] == id)
			return -EEXIST;
	/* The spare slot holds the key this node sent with before: others may
	   still send with it until it is retired. */
	if (a->have[spare] && a->newest != spare)
		return -EBUSY;
	/* A newer key not used yet may be replaced (a wrong file loaded) only
	   while no other member is known to hold it: one that is may send
	   with it at any time (key use waits for holders only), and this
	   node must still read it. */
	if (a->have[spare] && (a->holders | a->users) & ~bit_of(a, a->me))
		return -EALREADY;
	memcpy(a->prk[spare], prk, RC_AUTH_PRK_LEN);
	ret = key_ctx(a, a->tx[spare], spare, a->me, a->incarnation, 1);
	if (ret < 0) {
		a->have[spare] = false;
		a->newest = a->tx_slot;
		return ret;
	}
	a->have[spare] = true;
	a->key_id[spare] = id;
	a->newest = spare;
	a->holders = bit_of(a, a->me);
	a->users = 0;
	for (uint32_t i = 0; i < a->n_peers; i++)
		a->peers[i].ctx_inc[spare] = 0;
	return 0;
}

/* Members (other than this node) whose bit is not in known. */
static uint32_t missing_of(const struct rc_auth *a, const uint32_t *members, uint32_t n,
			   uint32_t known)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < n; i++)
		if (members[i] != a->me)
			m |= bit_of(a, members[i]) & ~known;
	return m;
}

int rc_auth_key_use(struct rc_auth *a, const uint32_t *members, uint32_t n,
		    uint32_t *missing)
{
	*missing = 0;
	if (a->newest == a->tx_slot)
		return a->have[a->tx_slot ^ 1] ? -EALREADY : -ENOENT;
	*missing = missing_of(a, members, n, a->holders);
	if (*missing)
		return -EAGAIN;
	a->tx_slot = a->newest;
	a->users |= bit_of(a, a->me);
	return 0;
}

int rc_auth_key_retire(struct rc_auth *a, const uint32_t *members, uint32_t n,
		       uint32_t *missing)
{
	uint8_t old = a->newest ^ 1;

	*missing = 0;
	if (!a->have[old])
		return -ENOENT;
	if (a->tx_slot != a->newest)
		return -EBUSY;
	*missing = missing_of(a, members, n, a->users);
	if (*missing)
		return -EAGAIN;
	a->have[old] = false;
	a->key_id[old] = 0;
	memset(a->prk[old], 0, RC_AUTH_PRK_LEN);
	return 0;
}

void rc_auth_key_status(const struct rc_auth *a, struct rc_auth_key_status *st)
{
	memset(st, 0, sizeof(*st));
	st->tx_id = a->key_id[a->tx_slot];
	st->newest_id = a->key_id[a->newest];
	st->other_id = a->have[a->newest ^ 1] ? a->key_id[a->newest ^ 1] : 0;
	st->holders = a->holders;
	st->users = a->users;
	st->n_nodes = a->n_nodes;
	memcpy(st->nodes, a->nodes, sizeof(st->nodes));
}

void rc_auth_drops(const struct rc_auth *a, uint64_t drops[RC_AUTH_DROPS_])
{
	memcpy(drops, a->drops, sizeof(a->drops));
}

uint32_t rc_auth_floor_get(const struct rc_auth *a, struct rc_auth_floor *f, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < a->n_peers && n < max; i++) {
		if (!a->peers[i].incarnation)
			continue;
		f[n].nodeid = a->peers[i].nodeid;
		f[n].incarnation = a->peers[i].incarnation;
		f[n].counter = a->peers[i].top;
		n++;
	}
	return n;
}
