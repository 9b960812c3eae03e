/*
 * DPDK telemetry commands under /ringcast/: status, stats, and the test hook
 * (inject, digest). They run on DPDK's telemetry thread and read only the
 * dataplane's seqlocked snapshot, or post a request the lcore picks up.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "ctl.h"
#include "dp.h"

static struct rc_dp *tel_dp;	/* set once before registration */

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
	struct rc_memb_view v;

	rc_membership_view(&v);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "nodeid", rc_ctl_nodeid());
	add_ring(d, &v);
	return 0;
}

static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rc_dp_snapshot s;
	struct rc_memb_view v;
	uint64_t bad = 0;
	char name[64];

	rc_dp_snapshot_read(tel_dp, &s);
	rc_membership_view(&v);
	rte_tel_data_start_dict(d);
#define U(k, v) rte_tel_data_add_dict_u64(d, k, v)
	U("frames_rx", s.st.frames_rx);
	U("frames_tx", s.st.frames_tx + s.st.tokens_tx);
	U("bytes_rx", s.st.bytes_rx);
	U("bytes_tx", s.st.bytes_tx);
	U("tokens_rx", s.st.tokens_rx);
	U("tokens_tx", s.st.tokens_tx);
	U("rotations", s.st.rotations);
	U("retransmits", s.st.retransmits);
	U("token_retransmits", s.st.token_retransmits);
	U("holds", s.st.holds);
	U("wakes_rx", s.st.wakes_rx);
	U("dup_tokens", s.st.dup_tokens);
	U("old_late", s.st.old_late);
	U("msg_too_big", s.st.msg_too_big);
	U("delivered", s.st.msgs_delivered);
	U("delivered_bytes", s.st.bytes_delivered);
	U("tx_drops", s.tx_drops);
	U("rx_not_mine", s.rx_not_mine);
	U("rx_runt", s.rx_runt);
	for (int r = 0; r < RC_BAD_REASONS_; r++) {
		snprintf(name, sizeof(name), "bad_%s", rc_srp_bad_reason_name(r));
		U(name, s.st.bad[r]);
		bad += s.st.bad[r];
	}
	U("bad_frames", bad);
	U("gathers", v.ms.gathers);
	U("rings", v.ms.rings);
	U("token_losses", v.ms.token_losses);
	U("stale_frames", v.ms.stale);
	U("consensus_timeouts", v.ms.consensus_timeouts);
	U("fail_recv", v.ms.fail_recv);
	U("joins_rx", v.ms.joins_rx);
	U("foreign_frames", v.ms.foreign);
	U("ring_seq_refused", v.ms.ring_seq_refused);
	U("ring_seq_persist_failed", v.ms.ring_seq_persist_failed);
	U("memb_event_drops", s.memb_drops);
	U("lcore_max_gap_us", s.max_gap_ns / 1000);
	U("memb_cmd_lost", v.cmd_lost);
	U("frames_per_s", s.frames_per_s);
	U("bytes_per_s", s.bytes_per_s);
	U("tokens_per_s", s.tokens_per_s);
	U("rotations_per_s", s.rotations_per_s);
	U("clients", s.clients);
	U("client_kicks", s.client_kicks);
	U("client_bad_mcast", s.client_bad_mcast);
	U("zc_frames", s.zc_frames);
	U("cpg_groups", s.cpg.groups);
	U("cpg_processes", s.cpg.processes);
	U("cpg_joins", s.cpg.joins);
	U("cpg_leaves", s.cpg.leaves);
	U("cpg_procdowns", s.cpg.procdowns);
	U("cpg_delivered", s.cpg.delivered);
	U("cpg_bad", s.cpg.bad);
	U("cpg_full", s.cpg.full);
#undef U
	add_ring(d, &v);
	return 0;
}

/* /ringcast/inject,COUNT[,SIZE] */
static int cmd_inject(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long count, size = 64;
	char *end;

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
			return i >= 63 ? UINT64_MAX : (2ull << i);
	}
	return UINT64_MAX;
}

static int cmd_digest(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rc_dp_snapshot s;
	char hex[20];

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

int rc_telemetry_register(struct rc_dp *dp)
{
	tel_dp = dp;
	if (rte_telemetry_register_cmd("/ringcast/status", cmd_status,
				       "Ring id, state and members of this node") ||
	    rte_telemetry_register_cmd("/ringcast/stats", cmd_stats,
				       "Frame, token, delivery and bad-frame counters, rates") ||
	    rte_telemetry_register_cmd("/ringcast/inject", cmd_inject,
				       "Test hook: queue COUNT[,SIZE] messages from this node") ||
	    rte_telemetry_register_cmd("/ringcast/digest", cmd_digest,
				       "Messages delivered and a hash of their order"))
		return -1;
	return 0;
}
