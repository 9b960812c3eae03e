/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /ringcast/: status, stats, nodes and node
 * (every node of the nodelist and how this port hears it), and the test
 * hook (inject, digest, stall). They run on DPDK's telemetry thread and read only
 * the dataplane's seqlocked snapshot, constant configuration and the port's
 * link, or post a request the lcore picks up. DPDK cannot unregister a
 * command, so each runs through guarded(): under a read lock, and only while
 * the dataplane exists; rc_telemetry_detach() takes the write lock before
 * the daemon destroys it, so no command reads freed memory at shutdown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "config.h"
#include "ctl.h"
#include "dma.h"
#include "dp.h"
#include "stats_export.h"

/* set once before registration; tel_dp cleared by rc_telemetry_detach() */
/* writers first: a stream of commands must not hold off rc_telemetry_detach() */
static pthread_rwlock_t tel_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static struct rc_dp *tel_dp;
static const struct rc_config *tel_cfg;
static uint16_t tel_port;
static char tel_socket[RC_CONFIG_PATH_MAX + 32];
static struct {
	int port, lcore_node, memory, clients;
	unsigned int lcore;
	bool set;
} tel_numa;

void rc_telemetry_numa(int port_node, unsigned int lcore, int lcore_node, int memory_node,
		       int client_node)
{
	tel_numa.port = port_node;
	tel_numa.lcore = lcore;
	tel_numa.lcore_node = lcore_node;
	tel_numa.memory = memory_node;
	tel_numa.clients = client_node;
	__atomic_store_n(&tel_numa.set, true, __ATOMIC_RELEASE);
}

/* A node as status shows it: its number, or "any" (not known: a vdev). */
static void add_node(struct rte_tel_data *d, const char *name, int node)
{
	char b[16];

	snprintf(b, sizeof(b), "%d", node);
	rte_tel_data_add_dict_string(d, name, node < 0 ? "any" : b);
}

static const char *state_name(enum rc_memb_state s)
{
	switch (s) {
	case RC_MEMB_GATHER:
		return "gather";
	case RC_MEMB_COMMIT:
		return "commit";
	case RC_MEMB_RECOVERY:
		return "recovery";
	case RC_MEMB_OPERATIONAL:
		return "operational";
	default:
		return "stopped";
	}
}

static void add_ring(struct rte_tel_data *d, const struct rc_memb_view *s)
{
	struct rte_tel_data *m = rte_tel_data_alloc();

	rte_tel_data_add_dict_string(d, "state", state_name(s->state));
	rte_tel_data_add_dict_u64(d, "ring_rep", s->ring.rep);
	rte_tel_data_add_dict_u64(d, "ring_seq", s->ring.seq);
	if (!m)
		return;
	rte_tel_data_start_array(m, RTE_TEL_U64_VAL);
	for (uint32_t i = 0; i < s->n_members; i++)
		rte_tel_data_add_array_u64(m, s->members[i]);
	rte_tel_data_add_dict_container(d, "members", m, 0);
}

static int cmd_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rc_dma_counts dma;
	struct rc_memb_view v;

	rc_membership_view(&v);
	rc_dma_counts(&dma);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "nodeid", rc_ctl_nodeid());
	add_ring(d, &v);
	rte_tel_data_add_dict_string(d, "cpg_socket", tel_socket);
	/* what cpg_max_atomic_msgsize_get says now: the ring's agreed limit */
	rte_tel_data_add_dict_u64(d, "cpg_max_msg", rc_dp_max_msg(tel_dp));
	if (dma.set) {
		/* client regions as DPDK knows them (control/dma.c) */
		rte_tel_data_add_dict_string(d, "iova_mode", dma.iova_pa ? "pa" : "va");
		rte_tel_data_add_dict_u64(d, "dma_registered", dma.registered);
		rte_tel_data_add_dict_u64(d, "dma_mapped", dma.mapped);
		rte_tel_data_add_dict_u64(d, "dma_max", dma.max);
	}
	if (__atomic_load_n(&tel_numa.set, __ATOMIC_ACQUIRE)) {
		add_node(d, "numa_port", tel_numa.port);
		rte_tel_data_add_dict_u64(d, "lcore", tel_numa.lcore);
		add_node(d, "numa_lcore", tel_numa.lcore_node);
		add_node(d, "numa_memory", tel_numa.memory);
		add_node(d, "numa_clients", tel_numa.clients);
	}
	return 0;
}

static bool in_ring(const struct rc_memb_view *v, uint32_t nodeid)
{
	for (uint32_t i = 0; i < v->n_members; i++)
		if (v->members[i] == nodeid)
			return true;
	return false;
}

static void mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* /ringcast/nodes: this node, its ring, its port's link, the nodelist. */
static int cmd_nodes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *ids = rte_tel_data_alloc();
	struct rte_ether_addr mac;
	struct rte_eth_link link;
	struct rc_memb_view v;
	char buf[32];

	rc_membership_view(&v);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "nodeid", rc_ctl_nodeid());
	add_ring(d, &v);
	rte_tel_data_add_dict_string(d, "port", tel_cfg->dataplane.port);
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(tel_port, &link) == 0) {
		rte_tel_data_add_dict_string(d, "link", link.link_status ? "up" : "down");
		rte_tel_data_add_dict_u64(d, "speed_mbps",
					  link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 :
					  link.link_speed);
		rte_tel_data_add_dict_string(d, "duplex", link.link_duplex ? "full" : "half");
	} else {
		rte_tel_data_add_dict_string(d, "link", "unknown");
	}
	if (rte_eth_macaddr_get(tel_port, &mac) == 0) {
		mac_str(mac.addr_bytes, buf, sizeof(buf));
		rte_tel_data_add_dict_string(d, "mac", buf);
	}
	if (!ids)
		return 0;
	rte_tel_data_start_array(ids, RTE_TEL_U64_VAL);
	for (uint32_t i = 0; i < tel_cfg->n_nodes; i++)
		rte_tel_data_add_array_u64(ids, tel_cfg->nodes[i].nodeid);
	rte_tel_data_add_dict_container(d, "nodes", ids, 0);
	return 0;
}

/*
 * /ringcast/node,ID: one node of the nodelist: its name, whether it is in
 * this node's ring, and what this port last heard from it.
 */
static int cmd_node(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct rc_config_node *n = NULL;
	struct rc_dp_snapshot snap, *s = &snap;
	struct rc_memb_view v;
	unsigned long id;
	char *end, buf[32];

	if (!params || !*params)
		return -1;
	id = strtoul(params, &end, 10);
	if (*end || id == 0 || id > UINT32_MAX)
		return -1;
	for (uint32_t i = 0; i < tel_cfg->n_nodes; i++)
		if (tel_cfg->nodes[i].nodeid == id)
			n = &tel_cfg->nodes[i];
	if (!n)
		return -1;
	rc_dp_snapshot_read(tel_dp, s);
	rc_membership_view(&v);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "nodeid", id);
	rte_tel_data_add_dict_string(d, "name", n->name);
	rte_tel_data_add_dict_u64(d, "local", id == rc_ctl_nodeid());
	rte_tel_data_add_dict_u64(d, "in_ring", in_ring(&v, (uint32_t)id));
	rte_tel_data_add_dict_string(d, "state", v.state == RC_MEMB_OPERATIONAL ?
				     "operational" : "forming");
	for (uint32_t i = 0; i < s->n_peers; i++) {
		if (s->peers[i].nodeid != id)
			continue;
		mac_str(s->peers[i].mac, buf, sizeof(buf));
		rte_tel_data_add_dict_string(d, "mac", buf);
		rte_tel_data_add_dict_u64(d, "frames_rx", s->peers[i].frames_rx);
		rte_tel_data_add_dict_u64(d, "last_rx_ms_ago",
					  (rc_dp_now_ns() - s->peers[i].last_rx_ns) / 1000000);
	}
	return 0;
}

_Static_assert(RC_STATS_MAX + 4 <= RTE_TEL_MAX_DICT_ENTRIES,
	       "/ringcast/stats must fit one telemetry dict");

static void emit_u64(void *arg, const char *name, uint64_t value)
{
	rte_tel_data_add_dict_u64(arg, name, value);
}

/* Every counter (stats_export.c), then the ring as status shows it. */
static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rc_dp_snapshot s;
	struct rc_memb_view v;
	struct rc_stats_src src = {
		.srp = &s.st,
		.dp = &s.dp,
		.cpg = &s.cpg,
		.bad_auth = s.bad_auth,
		.memb = &v.ms,
	};

	rc_dp_snapshot_read(tel_dp, &s);
	rc_membership_view(&v);
	src.memb_cmd_lost = v.cmd_lost;
	rte_tel_data_start_dict(d);
	rc_stats_export(&src, emit_u64, d);
	add_ring(d, &v);
	return 0;
}

/* The test hooks answer only a configuration meant for tests. */
static bool hooks_off(struct rte_tel_data *d)
{
	if (tel_cfg->dataplane.test_hooks)
		return false;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", "error");
	rte_tel_data_add_dict_string(d, "error", "a test hook: off unless the configuration "
				     "says dataplane { test_hooks: on } (tests only)");
	return true;
}

/* /ringcast/inject,COUNT[,SIZE] */
static int cmd_inject(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long count, size = 64;
	char *end;

	if (hooks_off(d))
		return 0;
	if (!params || !*params)
		return -1;
	count = strtoul(params, &end, 10);
	if (*end == ',')
		size = strtoul(end + 1, &end, 10);
	if (*end || count == 0 || count > 10000000 || size > RC_DP_INJECT_MAX)
		return -1;
	if (rc_dp_inject(tel_dp, (uint32_t)count, (uint32_t)size) < 0)
		return -1;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "queued", count);
	return 0;
}

/* /ringcast/stall,MS */
static int cmd_stall(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long ms;
	char *end;

	(void)cmd;
	if (hooks_off(d))
		return 0;
	if (!params || !*params)
		return -1;
	ms = strtoul(params, &end, 10);
	if (*end || ms == 0 || ms > 60000 || rc_dp_stall(tel_dp, (uint32_t)ms) < 0)
		return -1;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "stall_ms", ms);
	return 0;
}

/* The upper bound of the log2 bucket holding quantile q (0..1). */
static uint64_t lat_quantile(const uint64_t *h, double q, uint64_t *count)
{
	uint64_t n = 0, acc = 0;

	for (int i = 0; i < 64; i++)
		n += h[i];
	*count = n;
	if (!n)
		return 0;
	for (int i = 0; i < 64; i++) {
		acc += h[i];
		if ((double)acc >= q * (double)n)
			return i >= 62 ? (uint64_t)INT64_MAX : (2ull << i);
	}
	/* JSON readers (ringcastctl's jansson) take signed 64-bit integers */
	return (uint64_t)INT64_MAX;
}

static int cmd_digest(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rc_dp_snapshot s;
	char hex[20];

	if (hooks_off(d))
		return 0;
	rc_dp_snapshot_read(tel_dp, &s);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)s.digest);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "delivered", s.delivered);
	rte_tel_data_add_dict_string(d, "digest", hex);
	{
		uint64_t n;

		rte_tel_data_add_dict_u64(d, "latency_p50_ns_le", lat_quantile(s.lat_hist, 0.5, &n));
		rte_tel_data_add_dict_u64(d, "latency_p99_ns_le", lat_quantile(s.lat_hist, 0.99, &n));
		rte_tel_data_add_dict_u64(d, "latency_max_ns_le", lat_quantile(s.lat_hist, 1.0, &n));
		rte_tel_data_add_dict_u64(d, "latency_samples", n);
	}
	return 0;
}

/* "2 3": the nodeids of the bits set in mask (bit i: nodes[i]). */
static void node_list(const struct rc_auth_key_status *k, uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < k->n_nodes && used < len; i++)
		if (mask >> i & 1)
			used += (size_t)snprintf(buf + used, len - used, "%s%u", used ? " " : "",
						 k->nodes[i]);
}

static void key_status(struct rte_tel_data *d)
{
	struct rc_dp_snapshot *s = malloc(sizeof(*s));
	char buf[400];

	if (!s)
		return;
	rc_dp_snapshot_read(tel_dp, s);
	snprintf(buf, sizeof(buf), "%08x", s->keys.tx_id);
	rte_tel_data_add_dict_string(d, "sending_with", buf);
	snprintf(buf, sizeof(buf), "%08x", s->keys.newest_id);
	rte_tel_data_add_dict_string(d, "newest", buf);
	snprintf(buf, sizeof(buf), "%08x", s->keys.other_id);
	rte_tel_data_add_dict_string(d, "other", s->keys.other_id ? buf : "none");
	node_list(&s->keys, s->keys.holders, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "newest_held_by", buf);
	node_list(&s->keys, s->keys.users, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "newest_used_by", buf);
	free(s);
}

/*
 * /ringcast/key[,load|use|retire]: the cluster keys; load the key file
 * (replaced atomically beforehand) as the new key; send with it once every
 * member holds it; drop the old one once every member sends with the new.
 */
static int cmd_key(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct rc_config *cfg = tel_cfg;
	uint8_t key[RC_AUTH_KEY_MAX];
	uint8_t prk[RC_AUTH_PRK_LEN];
	char err[RC_CONFIG_PATH_MAX + 512];
	char buf[400];
	struct rc_dp_snapshot *s;
	uint32_t missing = 0;
	size_t len = 0;
	int ret = 0;

	err[0] = '\0';
	rte_tel_data_start_dict(d);
	if (cfg->crypto.mode == RC_AUTH_MODE_NONE) {
		rte_tel_data_add_dict_string(d, "result", "error");
		rte_tel_data_add_dict_string(d, "error", "frame authentication is off");
		return 0;
	}
	if (!params || !*params) {
		rte_tel_data_add_dict_string(d, "result", "ok");
		key_status(d);
		return 0;
	}
	if (!strcmp(params, "load")) {
		ret = rc_auth_key_load(cfg->crypto.keyfile, key, &len, err, sizeof(err));
		if (ret == 0)
			ret = rc_auth_prk(key, len, prk);
		memset(key, 0, sizeof(key));
		if (ret == 0)
			ret = rc_dp_key(tel_dp, RC_DP_KEY_ADD, prk, &missing);
		else if (ret != -EINVAL && ret != -EPERM && ret != -ENOENT)
			snprintf(err, sizeof(err), "%s: %s", cfg->crypto.keyfile, strerror(-ret));
		memset(prk, 0, sizeof(prk));
		if (ret == -EEXIST)
			snprintf(err, sizeof(err), "%s holds a key this node has already",
				 cfg->crypto.keyfile);
		else if (ret == -EBUSY)
			snprintf(err, sizeof(err), "the previous key is not retired yet "
				 "(key retire, once every member sends with the new one)");
		else if (ret == -EALREADY)
			snprintf(err, sizeof(err), "the key loaded before is held by other "
				 "members, who may send with it: key use and key retire it "
				 "before loading another");
	} else if (!strcmp(params, "use") || !strcmp(params, "retire")) {
		int use = params[0] == 'u';

		ret = rc_dp_key(tel_dp, use ? RC_DP_KEY_USE : RC_DP_KEY_RETIRE, NULL, &missing);
		s = malloc(sizeof(*s));
		if (s && ret == -EAGAIN) {
			rc_dp_snapshot_read(tel_dp, s);
			node_list(&s->keys, missing, buf, sizeof(buf));
			snprintf(err, sizeof(err), "not yet known to %s the new key: node %s "
				 "(key %s there; the news goes round with the token: retry)",
				 use ? "hold" : "send with", buf, use ? "load" : "use");
		} else if (ret == -ENOENT) {
			snprintf(err, sizeof(err), use ? "no new key: key load first"
						       : "only one key: nothing to retire");
		} else if (ret == -EALREADY) {
			snprintf(err, sizeof(err), "already sending with the newest key");
		} else if (ret == -EBUSY) {
			snprintf(err, sizeof(err), "this node still sends with the old key: key use first");
		}
		free(s);
	} else {
		rte_tel_data_add_dict_string(d, "result", "error");
		rte_tel_data_add_dict_string(d, "error", "usage: /ringcast/key[,load|use|retire]");
		return 0;
	}
	if (ret == -ETIMEDOUT)
		snprintf(err, sizeof(err), "the dataplane did not answer (yet: the command "
			 "may still be carried out; key shows the keys)");
	else if (ret == -EINPROGRESS)
		snprintf(err, sizeof(err), "the dataplane has not carried out the previous "
			 "key command yet: retry");
	else if (ret && !err[0])
		snprintf(err, sizeof(err), "%s", strerror(-ret));
	rte_tel_data_add_dict_string(d, "result", ret == 0 ? "ok" : "error");
	if (ret)
		rte_tel_data_add_dict_string(d, "error", err);
	key_status(d);
	return 0;
}

static int guarded(int (*fn)(const char *, const char *, struct rte_tel_data *),
		   const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret = 0;

	pthread_rwlock_rdlock(&tel_lock);
	if (tel_dp != NULL) {
		ret = fn(cmd, params, d);
	} else {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "result", "error");
		rte_tel_data_add_dict_string(d, "error", "the daemon is stopping");
	}
	pthread_rwlock_unlock(&tel_lock);
	return ret;
}

#define GUARD(fn)								\
	static int fn##_guarded(const char *cmd, const char *params,		\
				struct rte_tel_data *d)				\
	{									\
		return guarded(fn, cmd, params, d);				\
	}
GUARD(cmd_status)
GUARD(cmd_stats)
GUARD(cmd_inject)
GUARD(cmd_nodes)
GUARD(cmd_node)
GUARD(cmd_stall)
GUARD(cmd_digest)
GUARD(cmd_key)

void rc_telemetry_detach(void)
{
	pthread_rwlock_wrlock(&tel_lock);
	tel_dp = NULL;
	pthread_rwlock_unlock(&tel_lock);
}

int rc_telemetry_register(struct rc_dp *dp, const struct rc_config *cfg, uint16_t port)
{
	tel_dp = dp;
	tel_cfg = cfg;
	tel_port = port;
	snprintf(tel_socket, sizeof(tel_socket), "%s/ringcastd.sock", cfg->ringcast.runtime_dir);
	if (rte_telemetry_register_cmd("/ringcast/status", cmd_status_guarded,
				       "Ring id, state and members of this node") ||
	    rte_telemetry_register_cmd("/ringcast/stats", cmd_stats_guarded,
				       "Frame, token, delivery and bad-frame counters, rates") ||
	    rte_telemetry_register_cmd("/ringcast/inject", cmd_inject_guarded,
				       "Test hook (dataplane test_hooks: on): queue COUNT[,SIZE] messages from this node") ||
	    rte_telemetry_register_cmd("/ringcast/nodes", cmd_nodes_guarded,
				       "This node, its ring and port link, the nodelist's ids") ||
	    rte_telemetry_register_cmd("/ringcast/node", cmd_node_guarded,
				       "Node ID of the nodelist: name, in ring, last frame heard") ||
	    rte_telemetry_register_cmd("/ringcast/stall", cmd_stall_guarded,
				       "Test hook (dataplane test_hooks: on): the lcore stops polling for MS ms") ||
	    rte_telemetry_register_cmd("/ringcast/digest", cmd_digest_guarded,
				       "Test hook (dataplane test_hooks: on): injected messages delivered, a hash of their order") ||
	    rte_telemetry_register_cmd("/ringcast/key", cmd_key_guarded,
				       "Cluster keys; ,load ,use ,retire: rotate without downtime"))
		return -1;
	return 0;
}
