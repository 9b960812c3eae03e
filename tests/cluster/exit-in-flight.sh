#!/usr/bin/env bash
# exit-in-flight: a process that dies with messages still in flight leaves
# its groups. cpg_many -x joins three groups, sends one message from each
# handle and exits at once, 60 times over, on node 1 while a load keeps the
# token moving. Every such process must be gone from every group on every
# node afterwards (its PROCDOWN sent after its last message), and node 1's
# slots free again. A regression test: the daemon once freed such a slot
# when its last message was framed before the group table was told, so the
# process stayed a member everywhere and the next client in that slot
# inherited its groups.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 180

M=$rc_cpg_bin/cpg_many
gen=${RINGCAST_GEN:-$rc_root/build/tools/ringcast-gen}
[ -x "$M" ] || rc_fail "no $M"
[ -x "$gen" ] || rc_fail "no $gen"
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

# a load between nodes 2 and 3: the token never rests
for i in 2 3; do
	rc_client "$i" "$out/load$i" "$gen" rate --rate 2k -s 256 -n 2 -g load -w 0 -d 15 \
		-t 60 --no-progress
done
sleep 1
for k in $(seq 1 60); do
	"$cluster" exec 1 "$M" -n 3 -g "ghost$k" -x >"$out/x$k" 2>&1 ||
		rc_fail "run $k: cpg_many failed: $(cat "$out/x$k")"
	grep -q '^SENT n=3$' "$out/x$k" || rc_fail "run $k: $(cat "$out/x$k")"
done
rc_log "60 processes exited with their messages in flight"
rc_wait_stat 1 clients 0 10000
t0=$(rc_now_ms)
for i in 1 2 3; do
	while g=$(rc_ctl "$i" groups) && grep -q '^group ghost' <<<"$g"; do
		[ $(($(rc_now_ms) - t0)) -lt 10000 ] ||
			rc_fail "node $i still lists members of exited processes:
$(grep -A3 '^group ghost' <<<"$g" | head -n 12)"
		sleep 0.2
	done
done
rc_log "no exited process is left in any group, on any node"
