#!/usr/bin/env bash
# stop-one: SIGTERM node 2 of 3. It leaves the ring cleanly (a leave, not a
# token loss), so nodes 1 and 3 form a 2-member ring within 200 ms of the
# signal; node 2 exits with status 0. The signal is sent here, right after
# the clock is read, so the time is the ring's and not a shell's start-up.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 60

rc_up 3
before=$(rc_same_ring "1 2 3" 3)
pid=$(cat "$RC_CLUSTER_DIR/node2/daemon.pid")

"$cluster" expect-exit 2 term
t0=$(rc_now_ms)
kill -TERM "$pid"
rc_wait_all "1 3" 2 5000
ms=$(($(rc_now_ms) - t0))
after=$(rc_same_ring "1 3" 2)
rc_log "SIGTERM node 2: ring $before -> $after (nodes 1 3) in $ms ms"

status=$(rc_exit_status 2 "$pid" 10000)
[ "$status" = 0 ] || rc_fail "node 2 exited with status $status after SIGTERM, not 0"
[ "$ms" -le 200 ] || rc_fail "the 2-member ring took $ms ms, more than 200 ms"
