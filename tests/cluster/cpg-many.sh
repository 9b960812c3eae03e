#!/usr/bin/env bash
# cpg-many: hundreds of handles in one process and a thousand connections on
# one node, each used. cpg_many opens 500 handles in one process (each joins
# a group of its own, sends a message and gets it back), then two processes
# of 500 more hold 1000 connections on node 1 at once, all used; the daemon
# keeps working (a fresh client still sends and receives). Printed, for the
# note: attach time (p50, p99, max), the client's and the daemon's resident
# memory per idle connection. The clients keep the usual open-files limit
# (1024): a handle holds one descriptor, its socket, as with corosync.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 240

M=$rc_cpg_bin/cpg_many
[ -x "$M" ] || rc_fail "no $M"
rc_up 2
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
daemon_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$RC_CLUSTER_DIR/node1/daemon.pid")/status"; }

# 500 handles in one process
"$cluster" exec 1 bash -c "ulimit -n 1024 && exec $M -n 500 -g one -t 120" >"$out/one" 2>&1 ||
	rc_fail "500 handles in one process: $(tail -n 3 "$out/one")"
grep -q '^OK$' "$out/one" || rc_fail "500 handles: no OK: $(tail -n 3 "$out/one")"
rc_log "one process, 500 handles: $(grep -E '^(ATTACH|IDLE)' "$out/one" | tr '\n' ' ')"
rc_wait_stat 1 clients 0 10000

# 1000 connections on node 1: two processes of 500, held idle while measured
rss0=$(daemon_rss)
for k in a b; do
	rc_client 1 "$out/many-$k" bash -c "ulimit -n 1024 && exec $M -n 500 -g many-$k -w 8 -t 120"
done
rc_wait_line "$out/many-a" '^IDLE ' 120000
rc_wait_line "$out/many-b" '^IDLE ' 120000
n=$(rc_stat 1 clients)
[ "$n" -ge 1000 ] || rc_fail "only $n clients attached on node 1"
rss1=$(daemon_rss)
# a fresh client still works beside them
"$cluster" exec 1 "$M" -n 1 -g fresh -t 30 >"$out/fresh" 2>&1 ||
	rc_fail "a client beside 1000 connections failed: $(tail -n 3 "$out/fresh")"
for k in a b; do
	rc_wait_line "$out/many-$k" '^OK$' 60000
done
rc_log "1000 connections on one node, each used ($n attached at once)"
rc_log "attach: $(grep -h '^ATTACH' "$out/many-a" "$out/many-b" | tr '\n' ' ')"
rc_log "client RSS: $(grep -h '^IDLE' "$out/many-a" "$out/many-b" | tr '\n' ' ')"
rc_log "daemon RSS: $rss0 kB before, $rss1 kB with 1000 connections:" \
	"$(((rss1 - rss0) / 1000)) kB per connection"
rc_wait_stat 1 clients 0 10000
rc_log "all 1000 detached"
