#!/usr/bin/env bash
# kill-one: SIGKILL node 3 of 3; nodes 1 and 2 form a 2-member ring within
# 1 s of the signal (token loss, gather, consensus). Started again
# (scripts/cluster start), node 3 rejoins: one 3-member ring, a new ring id.
# Then node 2 crashes unannounced: scripts/cluster exits and down say so.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 60

rc_up 3
before=$(rc_same_ring "1 2 3" 3)

pid=$(cat "$RC_CLUSTER_DIR/node3/daemon.pid")
"$cluster" expect-exit 3 kill
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

# A crash nobody asked for (node 2, SIGSEGV) is written down: `exits` lists
# it, and `down` fails (after taking everything down) with the same line,
# so no cluster test passes over a daemon that died under it.
pid=$(cat "$RC_CLUSTER_DIR/node2/daemon.pid")
kill -SEGV "$pid"
rc_exit_status 2 "$pid" 5000 >/dev/null
want="node 2: ringcastd (pid $pid) was killed by signal 11"
ex=$("$cluster" exits) && rc_fail "scripts/cluster exits said nothing of the crash"
grep -qF "$want" <<<"$ex" || rc_fail "scripts/cluster exits: '$ex', not '$want'"
if "$cluster" down >/dev/null 2>"$RC_CLUSTER_DIR.down.err"; then
	rc_fail "scripts/cluster down passed over the crash"
fi
grep -qF "$want" "$RC_CLUSTER_DIR.down.err" || rc_fail "down did not name the crash: $(cat "$RC_CLUSTER_DIR.down.err")"
rm -f "$RC_CLUSTER_DIR.down.err"
[ ! -e "$RC_CLUSTER_DIR/cluster.env" ] || rc_fail "down left the cluster behind"
rc_log "an unannounced SIGSEGV of node 2: listed by exits, down failed naming it"
