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
pids=()
for i in 1 2 3; do
	rc_client "$i" "$out/s$i" "$S" --group stress --count "$count" --min-size 1 \
		--max-size 65536 --mode mixed --zcb-alloc-each --expect-senders 3 --seed "$i" --timeout "$bound"
	pids+=("$rc_client_pid")
done
fail=0
for i in 1 2 3; do
	wait "${pids[$((i - 1))]}" || fail=1
done
for i in 1 2 3; do
	rc_log "node $i: $(grep '^RESULT' "$out/s$i" || tail -n 3 "$out/s$i")"
done
# Any re-formation during the run, and why (the daemons log each gather),
# and the longest each lcore went without polling (a starved shared core).
for i in 1 2 3; do
	rc_log "node $i: $(rc_ctl "$i" stats 2>/dev/null |
		grep -E '^(token_losses|consensus_timeouts|lcore_max_gap_us) ' | tr '\n' ' ')"
	grep -h 'membership:' "$RC_CLUSTER_DIR/node$i/ringcastd.log" 2>/dev/null |
		sed "s/^/cpg-stress: node $i: /" || :
done
[ "$fail" -eq 0 ] || rc_fail "a stress client failed"
all=$(sed -n 's/^RESULT.* hash=\(0x[0-9a-f]*\).*/\1/p' "$out"/s[123])
# one hash from each of the three (a missing one would not show in sort -u)
[ "$(grep -c . <<<"$all")" -eq 3 ] || rc_fail "not every receiver printed a hash: $all"
hashes=$(sort -u <<<"$all")
[ "$(wc -l <<<"$hashes")" -eq 1 ] && [ -n "$hashes" ] ||
	rc_fail "receivers saw different orders: $hashes"
rc_log "3 x $count messages, one order everywhere (hash $hashes), in $(($(rc_now_ms) - t0)) ms"
