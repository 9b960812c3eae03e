#!/usr/bin/env bash
# garbage-frames: with a 3-node ring up, 2000 hostile frames with ringcast's
# ethertype go onto the bridge from the host (tests/cluster/rc_garbage.c:
# random bytes, cut headers, wrong versions and types, another cluster's id,
# lengths past the frame, a member's frames from old rings, bad shims).
# Afterwards every daemon is alive and operational in the same ring as
# before, each node's counters rose by what was sent (bad_frames,
# stale_frames, rx_not_mine, rx_runt), and the ring still delivers.
# The cluster runs with crypto off (the frames come in mode-none envelopes
# from node 1): this tests the engine's own checks, the defence behind the
# key; tests/cluster/attacker.sh tests the key.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 90
export RC_CLUSTER_CRYPTO=off

[ -x "${RC_GARBAGE:-}" ] || rc_fail "no rc_garbage (RC_GARBAGE=${RC_GARBAGE:-})"
frames=2000

rc_up 3
ring=$(rc_same_ring "1 2 3" 3)
rep=${ring%.*}
seq=${ring#*.}
counters="bad_frames stale_frames rx_not_mine rx_runt bad_auth_unknown_node"
declare -A before
for i in 1 2 3; do
	for c in $counters; do
		before[$i.$c]=$(rc_stat "$i" "$c")
	done
done

member_mac=$(ip -n "${RC_CLUSTER_TAG}node1" -o link show eth0 |
	sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
[ -n "$member_mac" ] || rc_fail "cannot read node 1's MAC"
out=$("$RC_GARBAGE" "${RC_CLUSTER_TAG}br0" "$frames" "$RC_CLUSTER_NAME" "$rep" "$seq" 1 \
	"$member_mac" 7) || rc_fail "rc_garbage failed: $out"
declare -A expect
while read -r k v; do
	expect[$k]=$v
done <<<"$out"
rc_log "sent ${expect[sent]} frames: ${expect[expect_bad]} bad, ${expect[expect_stale]} stale," \
	"${expect[expect_not_mine]} not for anyone, ${expect[expect_runt]} runts"

# Let the counters settle: until bad_frames stops moving (at most 5 s).
settle() {
	local i=$1 last=-1 now t0
	t0=$(rc_now_ms)
	while [ $(($(rc_now_ms) - t0)) -lt 5000 ]; do
		now=$(rc_stat "$i" bad_frames)
		[ "$now" = "$last" ] && return 0
		last=$now
		sleep 0.2
	done
}

for i in 1 2 3; do
	pid=$(cat "$RC_CLUSTER_DIR/node$i/daemon.pid")
	if [ -e "$RC_CLUSTER_DIR/node$i/exit.$pid" ]; then
		rc_fail "node $i's daemon died: exit status $(cat "$RC_CLUSTER_DIR/node$i/exit.$pid")"
	fi
	settle "$i"
done
now=$(rc_same_ring "1 2 3" 3)
[ "$now" = "$ring" ] || rc_fail "the ring changed from $ring to $now under garbage"

# check NODE COUNTER EXPECTED: the rise is at least 90% of what was sent
# (af_packet may drop a few under the burst) and at most that plus slack for
# the ring's own traffic.
check() {
	local i=$1 c=$2 want=$3 slack=$4 got
	got=$(rc_stat "$i" "$c") || exit 1	# (inside $((...)) its failure would be lost)
	got=$((got - ${before[$i.$c]}))
	if [ $((got * 10)) -lt $((want * 9)) ] || [ "$got" -gt $((want + slack)) ]; then
		rc_fail "node $i: $c rose by $got, expected $want (-10%, +$slack)"
	fi
	echo -n " $c +$got"
}
for i in 1 2 3; do
	line="node $i:"
	# Node 1 is the member the envelopes claim to come from: to node 1 a
	# frame "from itself" is a forgery, dropped before the engine.
	if [ "$i" -eq 1 ]; then
		line+=$(check "$i" bad_auth_unknown_node $((expect[expect_bad] + expect[expect_stale])) 5)
	else
		line+=$(check "$i" bad_frames "${expect[expect_bad]}" 5)
		line+=$(check "$i" stale_frames "${expect[expect_stale]}" 5)
	fi
	line+=$(check "$i" rx_runt "${expect[expect_runt]}" 5)
	# Unicast tokens flooded before the bridge learned a MAC count here too.
	line+=$(check "$i" rx_not_mine "${expect[expect_not_mine]}" 1000)
	rc_log "$line"
done

# The ring still delivers, in one order.
rc_ctl 2 inject 100 200 >/dev/null
d0=$(rc_ctl 1 digest | awk '{ print $2 }')
t0=$(rc_now_ms)
while :; do
	# every node must answer: a node missing from the list would leave the
	# others alike
	all=
	for i in 1 2 3; do
		d=$(rc_ctl "$i" digest) || rc_fail "node $i does not answer digest"
		all+=$d$'\n'
	done
	digests=$(sort -u <<<"${all%$'\n'}")
	if [ "$(wc -l <<<"$digests")" -eq 1 ] && [[ $digests == "delivered 100 "* ]]; then
		break
	fi
	[ $(($(rc_now_ms) - t0)) -lt 10000 ] ||
		rc_fail "after the garbage, 100 messages were not delivered alike: $digests (before: $d0)"
	sleep 0.05
done
rc_log "ring $ring intact; then 100 messages delivered alike: $digests"
