#!/usr/bin/env bash
# kill-one: SIGKILL node 3 of 3; nodes 1 and 2 form a 2-member ring within
# 1 s of the signal (token loss, gather, consensus). Started again
# (scripts/cluster start), node 3 rejoins: one 3-member ring, a new ring id.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 60

rc_up 3
before=$(rc_same_ring "1 2 3" 3)

pid=$(cat "$RC_CLUSTER_DIR/node3/daemon.pid")
t0=$(rc_now_ms)
kill -KILL "$pid"
rc_wait_all "1 2" 2 5000
ms=$(($(rc_now_ms) - t0))
after=$(rc_same_ring "1 2" 2)
rc_log "SIGKILL node 3: ring $before -> $after (nodes 1 2) in $ms ms"
[ "$ms" -le 1000 ] || rc_fail "the 2-member ring took $ms ms, more than 1000 ms"

[ "$(rc_exit_status 3 "$pid" 5000)" = 137 ] || rc_fail "node 3 was not killed by SIGKILL"

t0=$(rc_now_ms)
"$cluster" start 3 >/dev/null
for i in 1 2 3; do
	rc_wait "$i" 3 10000
done
ms=$(($(rc_now_ms) - t0))
again=$(rc_same_ring "1 2 3" 3)
rc_log "node 3 restarted: one ring $again again, $ms ms after its start"
[ "$again" != "$after" ] || rc_fail "the ring id did not change when node 3 rejoined"
