#!/usr/bin/env bash
# cpg-stress: one client on each of 3 nodes joins one group and sends
# RC_STRESS_COUNT (default 100 000) messages of random sizes from 1 B to
# 64 KiB, each with a CRC, alternating cpg_mcast_joined and
# cpg_zcb_mcast_joined. Every receiver checks every CRC and each sender's
# sequence, and hashes the (sender, seq) order it saw: the three hashes must
# be equal.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
count=${RC_STRESS_COUNT:-100000}
bound=${RC_STRESS_TIMEOUT:-600}
rc_begin $((bound + 60))

# Default timeouts. A token loss here splits the ring at worst, and a
# partition may lose messages under EVS: the test then fails, and prints
# each node's token losses, longest lcore stall and gather causes.
S=$rc_cpg_bin/cpg_stress
[ -x "$S" ] || rc_fail "no $S"
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

t0=$(rc_now_ms)
fail=0
rc_stress_run "$out/s" --group stress --count "$count" --min-size 1 --max-size 65536 \
	--mode mixed --zcb-alloc-each --timeout "$bound" || fail=1
# Any re-formation during the run, and why (the daemons log each gather),
# and the longest each lcore went without polling (a starved shared core).
for i in 1 2 3; do
	rc_log "node $i: $(rc_ctl "$i" stats 2>/dev/null |
		grep -E '^(token_losses|consensus_timeouts|lcore_max_gap_us) ' | tr '\n' ' ')"
	grep -h 'membership:' "$RC_CLUSTER_DIR/node$i/ringcastd.log" 2>/dev/null |
		sed "s/^/cpg-stress: node $i: /" || :
done
[ "$fail" -eq 0 ] || rc_fail "a stress client failed"
hashes=$(rc_stress_one_order "$out/s") || exit 1	# it said why
rc_log "3 x $count messages, one order everywhere (hash $hashes), in $(($(rc_now_ms) - t0)) ms"
