#!/usr/bin/env bash
# stop-stuck: SIGTERM node 2 of 3 while its lcore is held inside one call
# (the stall test hook, 4 s, as a port driver's rx or tx burst that does not
# return would hold it). Within about 2 s of the signal the daemon logs that
# its lcore has not stopped and that the lcore's last pass began seconds ago
# (held in a call, not looping past the stop); once the hold ends it leaves,
# nodes 1 and 3 form a 2-member ring, and it exits with status 0. The stop
# is noticed from the dataplane's stopped flag as well as its STOPPED event,
# which a full event ring would drop.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 60

hold_ms=4000
rc_up 3
rc_same_ring "1 2 3" 3 >/dev/null
pid=$(cat "$RC_CLUSTER_DIR/node2/daemon.pid")
log=$RC_CLUSTER_DIR/node2/ringcastd.log

rc_ctl 2 raw "/ringcast/stall,$hold_ms" >/dev/null || rc_fail "the stall hook was refused"
sleep 0.3	# the lcore is in the hook
"$cluster" expect-exit 2 term
t0=$(rc_now_ms)
kill -TERM "$pid"
rc_wait_line "$log" "the lcore has not stopped [0-9]+ ms after the signal: its last pass began [0-9]+ ms ago \(it is held inside one call" 3500
warn_ms=$(($(rc_now_ms) - t0))
status=$(rc_exit_status 2 "$pid" 15000)
ms=$(($(rc_now_ms) - t0))
rc_wait_all "1 3" 2 10000
after=$(rc_same_ring "1 3" 2)
rc_log "lcore held ${hold_ms} ms: warned after $warn_ms ms, exited (status $status) after $ms ms; nodes 1 3 in ring $after"

[ "$status" = 0 ] || rc_fail "node 2 exited with status $status after SIGTERM, not 0"
# it waited for the lcore (a clean leave), and no longer than the hold needs
[ "$ms" -ge $((hold_ms - 1000)) ] || rc_fail "node 2 exited after $ms ms, before its lcore could have stopped"
[ "$ms" -le $((hold_ms + 3000)) ] || rc_fail "node 2 took $ms ms to exit, a hold of $hold_ms ms"
grep -q "left the ring; exiting" "$log" || rc_fail "node 2 did not log its exit"
