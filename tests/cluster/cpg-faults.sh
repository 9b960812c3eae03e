#!/usr/bin/env bash
# cpg-faults: what CPG clients see when processes and nodes fail, with
# cpg_watch clients in one group on every node:
#   a client killed with SIGKILL   -> PROCDOWN on every node; its region freed
#   a daemon killed                -> NODEDOWN for its processes
#   the node back, a client joins  -> JOIN
#   a partition and its heal       -> NODEDOWN on both sides, then NODEUP
# and two watchers that saw the same span of the stream print the same
# configuration changes in the same order.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 120

W=$rc_cpg_bin/cpg_watch
[ -x "$W" ] || rc_fail "no $W"
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

declare -A pid
for i in 1 2 3; do
	rc_client "$i" "$out/w$i" "$W" -g faults -t 110
	rc_wait_line "$out/w$i" '^READY' 5000
	pid[$i]=$(rc_watch_pid "$out/w$i")
done
for i in 1 2 3; do
	rc_wait_line "$out/w1" "^CONFCHG group=faults members=1:${pid[1]},2:${pid[2]},3:${pid[3]} " 5000
done
rc_log "three watchers joined: ${pid[*]}"

# A client killed: PROCDOWN everywhere, and node 2 frees its region.
rc_client 2 "$out/victim" "$W" -g faults -t 110
rc_wait_line "$out/victim" '^READY' 5000
v=$(rc_watch_pid "$out/victim")
rc_wait_line "$out/w3" "joined=2:$v:JOIN" 5000
rc_wait_stat 2 clients 2 2000
t0=$(rc_now_ms)
kill -KILL "$v"
{ wait "$v"; } 2>/dev/null || true	# killed: non-zero is the point; PROCDOWN is the check
for i in 1 2 3; do
	rc_wait_line "$out/w$i" "left=2:$v:PROCDOWN" 3000
done
rc_log "SIGKILLed client $v: PROCDOWN on all 3 nodes in $(($(rc_now_ms) - t0)) ms"
rc_wait_stat 2 clients 1 3000	# the killed client's region is freed

# A daemon killed: NODEDOWN for its watcher on the others.
t0=$(rc_now_ms)
"$cluster" kill 3 >/dev/null
for i in 1 2; do
	rc_wait_line "$out/w$i" "left=3:${pid[3]}:NODEDOWN" 3000
done
rc_log "daemon 3 killed: NODEDOWN for its client in $(($(rc_now_ms) - t0)) ms"
rc_wait_line "$out/w3" '^GONE CS_ERR_LIBRARY' 3000

# Back again; a new watcher there joins.
"$cluster" start 3 >/dev/null
rc_wait 1 3 5000
rc_client 3 "$out/w3b" "$W" -g faults -t 110
rc_wait_line "$out/w3b" '^READY' 5000
p3=$(rc_watch_pid "$out/w3b")
rc_wait_line "$out/w1" "joined=3:$p3:JOIN" 5000
rc_wait_line "$out/w3b" "^CONFCHG group=faults members=1:${pid[1]},2:${pid[2]},3:$p3 " 5000

# Partition {1,2} | {3}, then heal: NODEDOWN, then NODEUP, on both sides.
"$cluster" partition "1 2|3" >/dev/null
rc_wait_line "$out/w1" "left=3:$p3:NODEDOWN" 5000
rc_wait_line "$out/w3b" "left=1:${pid[1]}:NODEDOWN,2:${pid[2]}:NODEDOWN" 5000
t0=$(rc_now_ms)
"$cluster" heal >/dev/null
rc_wait_line "$out/w1" "joined=3:$p3:NODEUP" 5000
rc_wait_line "$out/w2" "joined=3:$p3:NODEUP" 5000
# (one confchg per node whose group sync arrives, in the same order everywhere)
rc_wait_line "$out/w3b" "joined=1:${pid[1]}:NODEUP" 5000
rc_wait_line "$out/w3b" "joined=2:${pid[2]}:NODEUP" 5000
rc_log "partition healed: NODEUP on both sides in $(($(rc_now_ms) - t0)) ms"
rc_wait_line "$out/w3b" '^TOTEM ring=[0-9.]* members=1,2,3$' 5000

# w1 and w2 saw the same stream since w2's first line: same confchgs.
# (Read into variables first: the statuses inside diff's process
# substitutions are lost, and two empty lists would compare equal.)
c2=$(grep '^CONFCHG' "$out/w2") || rc_fail "the watcher on node 2 printed no CONFCHG"
c1=$(grep '^CONFCHG' "$out/w1") || rc_fail "the watcher on node 1 printed no CONFCHG"
n2=$(wc -l <<<"$c2")
[ "$(wc -l <<<"$c1")" -ge "$n2" ] ||
	rc_fail "the watcher on node 1 printed fewer configuration changes than node 2's"
[ "$(tail -n "$n2" <<<"$c1")" = "$c2" ] ||
	rc_fail "watchers on nodes 1 and 2 saw different configuration changes"
rc_log "nodes 1 and 2 printed identical configuration changes ($n2)"
