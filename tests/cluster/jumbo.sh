#!/usr/bin/env bash
# jumbo: a 3-node ring on veths and a bridge of MTU 9000 (scripts/cluster
# RC_CLUSTER_MTU=9000, totem netmtu 9000): the daemons keep netmtu 9000 (no
# "carries ... less than totem netmtu" warning; net_af_packet's ring frames
# are sized for it), and 8000-byte messages from ringcast-cpgbench are
# delivered, all verified, one frame each: node 1 sends far fewer frames than
# the 6 a message would take at netmtu 1500.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 90

bench=${RC_CPGBENCH:-$rc_root/build/tools/ringcast-cpgbench}
[ -x "$bench" ] || rc_skip "ringcast-cpgbench not built"
export RC_CLUSTER_MTU=9000
rc_up 3
rc_same_ring "1 2 3" 3 >/dev/null
for i in 1 2 3; do
	if grep -q 'less than totem netmtu' "$RC_CLUSTER_DIR/node$i/ringcastd.log"; then
		rc_fail "node $i lowered netmtu: $(grep 'less than totem netmtu' "$RC_CLUSTER_DIR/node$i/ringcastd.log")"
	fi
done
tx0=$(rc_stat 1 frames_tx)

out=$RC_CLUSTER_DIR
rc_cpgbench_start "$bench" "$out/bench" --duration 2 --sizes 8000 --group jumbo --timeout 60
for i in "${rc_bench_pids[@]}"; do
	wait "$i" || true	# each one's verdict is its last line, checked next
done
for i in 1 2 3; do
	grep -q '^ok:' "$out/bench-n$i.out" ||
		rc_fail "node $i: not everything verified:
$(tail -n 8 "$out/bench-n$i.out")"
done
tx1=$(rc_stat 1 frames_tx)
msgs=$(sed -n 's/^result size=8000 delivered=\([0-9]*\) .*/\1/p' "$out/bench-n1.out")
[ -n "$msgs" ] && [ "$msgs" -gt 100 ] || rc_fail "too few messages to tell: '$msgs'"
frames=$((tx1 - tx0))
rc_log "$msgs messages of 8000 bytes in $frames frames (tokens included) from node 1"
[ "$frames" -lt $((3 * msgs + 500)) ] ||
	rc_fail "$frames frames for $msgs messages: not one frame each"
