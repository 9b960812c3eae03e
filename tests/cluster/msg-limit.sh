#!/usr/bin/env bash
# msg-limit (issue 13): node 3 of 3 runs with max_rx_backlog 8M, nodes 1 and
# 2 with the default 34M. The ring agrees on the least of the members'
# message limits, so cpg_max_atomic_msgsize_get says node 3's on every node
# (half of 8 MiB less framing, less the CPG header of the longest group
# name); a client on node 1 gets CS_ERR_TOO_BIG at the call for messages
# above it (one just above, one of 12 MB that node 1 alone could take);
# messages up to it are delivered on all three nodes; no client is
# disconnected (client_kicks 0 everywhere: before, node 3's member of the
# group was, its receive area could not hold a 12 MB message), and nothing
# reached the engine to be refused there (msg_refused_limit 0).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 120

watch=$rc_cpg_bin/cpg_watch
[ -x "$watch" ] || rc_skip "cpg_watch not built"
rc_up 3 >/dev/null
# node 3 again, with the smaller receive area
"$cluster" stop 3 >/dev/null
sed -i 's/^\tstate_dir: .*/&\n\tmax_rx_backlog: 8M/' "$RC_CLUSTER_DIR/node3/ringcast.conf"
grep -q 'max_rx_backlog: 8M' "$RC_CLUSTER_DIR/node3/ringcast.conf" ||
	rc_fail "could not configure node 3"
"$cluster" start 3 >/dev/null
rc_wait_all "1 2 3" 3 10000
ring=$(rc_same_ring "1 2 3" 3)

# Node 3's limit: 8 MiB / 2 - 32 (its clients' records) + 8 (the CPG header
# without a name) as a Totem message; a payload of that less 8 + 128 (the
# header with the longest name). Nodes 1 and 2 alone: 34 MiB, likewise.
agreed=$(( (8 << 20) / 2 - 32 + 8 - 136 ))
alone=$(( (34 << 20) / 2 - 32 + 8 - 136 ))
rc_log "ring $ring: expect cpg_max_atomic_msgsize_get $agreed (node 1 alone: $alone)"

out=$RC_CLUSTER_DIR
pids=()
for i in 3 2; do
	rc_client "$i" "$out/watch$i.out" "$watch" -g lim -t 60 -m -c
	pids+=("$rc_client_pid")
done
for i in 3 2; do
	rc_wait_line "$out/watch$i.out" '^CONFCHG group=lim members=2:[0-9]+,3:' 10000
done
sizes=(1000 "$agreed" $((agreed + 1)) 12000000 3000000)
want=(CS_OK CS_OK CS_ERR_TOO_BIG CS_ERR_TOO_BIG CS_OK)
args=()
for s in "${sizes[@]}"; do
	args+=(-S "$s")
done
rc_client 1 "$out/watch1.out" "$watch" -g lim -t 60 -m -c "${args[@]}"
pids+=("$rc_client_pid")
rc_wait_line "$out/watch1.out" "^SENT len=3000000 " 20000
rc_wait_line "$out/watch2.out" "^MSG nodeid=1 .*len=3000000 " 20000

for i in 1 2 3; do
	k=$(rc_stat "$i" client_kicks)
	[ "$k" = 0 ] || rc_fail "node $i disconnected $k client(s):
$(grep -h 'client' "$out/node$i/ringcastd.log" | tail -n 3)"
done
for n in "${!sizes[@]}"; do
	grep -q "^SENT len=${sizes[n]} ${want[n]}\$" "$out/watch1.out" ||
		rc_fail "node 1: a ${sizes[n]}-byte message: expected ${want[n]}, got:
$(grep "^SENT len=${sizes[n]} " "$out/watch1.out")"
done
for i in 1 2 3; do
	grep -q "^MAX bytes=$agreed CS_OK\$" "$out/watch$i.out" ||
		rc_fail "node $i: cpg_max_atomic_msgsize_get: expected $agreed, got: $(grep '^MAX' "$out/watch$i.out")"
done
for i in 1 2 3; do
	rc_wait_line "$out/watch$i.out" "^MSG nodeid=1 .*len=3000000 " 20000
	for s in 1000 "$agreed" 3000000; do
		n=$(grep -c "^MSG nodeid=1 pid=[0-9]* len=$s " "$out/watch$i.out")
		[ "$n" = 1 ] || rc_fail "node $i delivered the $s-byte message $n times"
	done
	n=$(grep -c '^MSG nodeid=1 ' "$out/watch$i.out")
	[ "$n" = 3 ] || rc_fail "node $i delivered $n messages from node 1, not 3"
	! grep -q '^GONE' "$out/watch$i.out" || rc_fail "node $i's client is gone: $(grep '^GONE' "$out/watch$i.out")"
	[ "$(rc_stat "$i" msg_refused_limit)" = 0 ] || rc_fail "node $i: msg_refused_limit not 0"
	[ "$(rc_stat "$i" msg_too_big)" = 0 ] || rc_fail "node $i: msg_too_big not 0"
done
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
rc_log "agreed limit $agreed on all nodes; node 1 refused $((agreed + 1)) and 12000000 at the call; 3 messages delivered everywhere, no client disconnected"

# Two messages of the limit may wait unread in node 3's 8 MiB area: a
# client there busy with the first (1.5 s in its callback) when the
# second comes. A record that would pass the area's end went to its start
# and the skipped bytes counted as used: from where a 2.5 MB message left
# the area's head, the second did not fit and the client was let go,
# holding half of max_rx_backlog. Records wrap now.
pids=()
rc_client 3 "$out/slow3.out" "$watch" -g lim2 -t 60 -D "$agreed:1500"
pids+=("$rc_client_pid")
rc_wait_line "$out/slow3.out" '^CONFCHG group=lim2 members=3:' 10000
rc_client 1 "$out/send1.out" "$watch" -g lim2 -t 60 -S 2500000 -S "$agreed" -S "$agreed"
pids+=("$rc_client_pid")
rc_wait_line "$out/send1.out" "^SENT len=$agreed CS_OK" 20000
t0=$(rc_now_ms)
until [ "$(grep -c "^MSG nodeid=1 .*len=$agreed\$" "$out/slow3.out")" = 2 ]; do
	! grep -q '^GONE' "$out/slow3.out" ||
		rc_fail "node 3's busy client was let go: $(grep '^GONE' "$out/slow3.out"); $(grep -h 'disconnected' "$out/node3/ringcastd.log" | tail -n 2)"
	[ $(($(rc_now_ms) - t0)) -lt 20000 ] ||
		rc_fail "node 3's busy client got $(grep -c "^MSG nodeid=1 .*len=$agreed\$" "$out/slow3.out") of the two largest messages"
	sleep 0.1
done
k=$(rc_stat 3 client_kicks)
[ "$k" = 0 ] || rc_fail "node 3 disconnected $k client(s)"
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
rc_log "two messages of the limit waited unread in node 3's area, the client busy with the first: both delivered"
