#!/usr/bin/env bash
# ordered-delivery: 2000 test messages injected on each of 3 nodes at once
# (sizes 64, 300 and 1000 bytes); every node delivers all 6000, and the
# three digests (a running hash of sender and payload, in delivery order)
# are equal: the same messages in the same order everywhere.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 90

per_node=2000
total=$((3 * per_node))
rc_up 3
rc_same_ring "1 2 3" 3 >/dev/null

sizes=(0 64 300 1000)
t0=$(rc_now_ms)
pids=()
for i in 1 2 3; do
	rc_ctl "$i" inject "$per_node" "${sizes[$i]}" >/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || rc_fail "ringcastctl inject failed"
done

declare -A last
while :; do
	done_nodes=0
	for i in 1 2 3; do
		last[$i]=$(rc_ctl "$i" digest)
		n=$(awk '{ print $2 }' <<<"${last[$i]}")
		[ "$n" -le "$total" ] || rc_fail "node $i delivered $n messages, more than the $total sent"
		[ "$n" -eq "$total" ] && done_nodes=$((done_nodes + 1))
	done
	[ "$done_nodes" -eq 3 ] && break
	[ $(($(rc_now_ms) - t0)) -lt 30000 ] ||
		rc_fail "not all delivered within 30 s: ${last[1]} / ${last[2]} / ${last[3]}"
	sleep 0.05
done
ms=$(($(rc_now_ms) - t0))
for i in 1 2 3; do
	rc_log "node $i: ${last[$i]}"
done
if [ "${last[1]}" != "${last[2]}" ] || [ "${last[2]}" != "${last[3]}" ]; then
	rc_fail "the nodes delivered different sequences"
fi
rc_log "$total messages delivered in one order on 3 nodes in $ms ms"
rc_same_ring "1 2 3" 3 >/dev/null
