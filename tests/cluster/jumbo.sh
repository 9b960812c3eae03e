#!/usr/bin/env bash
# jumbo: a 3-node ring on veths and a bridge of MTU 9000 (scripts/cluster
# RC_CLUSTER_MTU=9000, totem netmtu 9000): the daemons keep netmtu 9000 (no
# "carries ... less than totem netmtu" warning; net_af_packet's ring frames
# are sized for it), and 8000-byte messages from ringcast-cpgbench are
# delivered, all verified, one frame each: node 1 sends far fewer frames than
# the 6 a message would take at netmtu 1500. Then node 3's link is set to
# 1500: the ring frames at the least netmtu of its members, and the same
# messages are still delivered everywhere, with no ring change.
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
# bench NAME: 8000-byte messages for 2 s from node 1, every one verified
# on every node
bench() {
	rc_cpgbench_start "$bench" "$out/$1" --duration 2 --sizes 8000 --group "jumbo-$1" --timeout 60
	for i in "${rc_bench_pids[@]}"; do
		wait "$i" || true	# each one's verdict is its last line, checked next
	done
	for i in 1 2 3; do
		grep -q '^ok:' "$out/$1-n$i.out" ||
			rc_fail "$1: node $i: not everything verified:
$(tail -n 8 "$out/$1-n$i.out")"
	done
}
bench bench
tx1=$(rc_stat 1 frames_tx)
msgs=$(sed -n 's/^result size=8000 delivered=\([0-9]*\) .*/\1/p' "$out/bench-n1.out")
[ -n "$msgs" ] && [ "$msgs" -gt 100 ] || rc_fail "too few messages to tell: '$msgs'"
frames=$((tx1 - tx0))
rc_log "$msgs messages of 8000 bytes in $frames frames (tokens included) from node 1"
[ "$frames" -lt $((3 * msgs + 500)) ] ||
	rc_fail "$frames frames for $msgs messages: not one frame each"

# One node on a link that carries 1500 bytes (its eth0 set back to 1500;
# it lowers its own netmtu, with the warning): the ring agrees on the least
# netmtu of its members, so nodes 1 and 2 frame at 1500 too, say so, and
# every message is still delivered everywhere. They framed at 9000 before,
# which node 3 never received: the ring re-formed without it, again and
# again.
"$cluster" stop 3 >/dev/null
ip -n "${RC_CLUSTER_TAG}node3" link set dev eth0 mtu 1500
"$cluster" start 3 >/dev/null
rc_wait_all "1 2 3" 3 10000
grep -q "carries 1500 bytes, less than totem netmtu 9000" "$RC_CLUSTER_DIR/node3/ringcastd.log" ||
	rc_fail "node 3 did not lower its netmtu to its link's 1500"
rings0=$(rc_stat 1 rings)
bench mixed
rings1=$(rc_stat 1 rings)
[ "$rings1" = "$rings0" ] || rc_fail "the ring re-formed $((rings1 - rings0)) time(s) during the run"
grep -q "frames of at most netmtu 1500, less than this node's 9000" "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
	rc_fail "node 1 did not say the ring frames at node 3's 1500"
msgs=$(sed -n 's/^result size=8000 delivered=\([0-9]*\) .*/\1/p' "$out/mixed-n1.out")
rc_log "node 3 at MTU 1500: the ring frames at 1500, $msgs messages of 8000 bytes verified on all 3, no ring change"
