#!/usr/bin/env bash
# key-rotate: the cluster key changes under a verified ringcast-gen flood on
# 3 nodes, without a ring change. The key file is replaced atomically
# (ringcast-keygen --force; one file serves every node here); then
# `ringcastctl key load` on each node, `key use`, `key retire`. Checks the
# refusals on the way: use before anyone loaded, use while nodes 2 and 3 do
# not hold the key yet, retire while they still send with the old one. After:
# the flood verified everywhere, the ring and every node's `rings` unchanged,
# no frame failed authentication, every node sends with the new key and holds
# no other; a node restarted afterwards (reading the new file) joins. Also:
# a loaded key that other members hold is not replaced; a key command the
# stalled lcore has not carried out is not overwritten by the next.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 150
# The token of cpg-stress: a starved lcore on this shared machine must not
# re-form the ring (which this test would take for the attack's doing).
export RC_CLUSTER_TOTEM=${RC_CLUSTER_TOTEM-'token: 1000\nconsensus: 1200'}

gen=${RINGCAST_GEN:-$(dirname "$RINGCASTCTL")/ringcast-gen}
[ -x "$gen" ] || rc_fail "no ringcast-gen at $gen"

rc_up 3
ring=$(rc_same_ring "1 2 3" 3)
declare -A before
for i in 1 2 3; do
	before[$i.rings]=$(rc_stat "$i" rings)
	before[$i.bad_auth]=$(rc_stat "$i" bad_auth)
done
old_id=$(rc_ctl 1 key | awk '$1 == "sending_with" { print $2 }')
[ -n "$old_id" ] || rc_fail "ringcastctl key shows no key"

d=$RC_CLUSTER_DIR/rotate
mkdir -p "$d"
pids=()
for i in 1 2 3; do
	"$cluster" exec "$i" "$gen" flood -n 3 -g "rotate-$$" --size 1k --duration 10 \
		--window 1024 -t 60 >"$d/gen$i.out" 2>&1 &
	pids+=($!)
done

# expect_refused NODE OP REGEX: `ringcastctl key OP` fails, saying REGEX.
expect_refused() {
	local out
	if out=$(rc_ctl "$1" key "$2" 2>&1); then
		rc_fail "node $1: key $2 was accepted too early: $out"
	fi
	grep -qE -- "$3" <<<"$out" || rc_fail "node $1: key $2 refused, but not for /$3/: $out"
	rc_log "node $1: key $2 refused: $(grep -E -- "$3" <<<"$out")"
}

# retry NODE OP: `ringcastctl key OP` until it succeeds (the news of who
# holds and who sends with the key goes round with the token), 10 s at most.
retry() {
	local t0 out
	t0=$(rc_now_ms)
	until out=$(rc_ctl "$1" key "$2" 2>&1); do
		[ $(($(rc_now_ms) - t0)) -lt 10000 ] || rc_fail "node $1: key $2 still refused: $out"
		sleep 0.1
	done
}

sleep 1
expect_refused 1 use "no new key"
# The key file replaced atomically: what every node's key load reads.
"$RINGCAST_KEYGEN" --force -k "$RC_CLUSTER_DIR/authkey" >/dev/null
rc_ctl 1 key load >/dev/null || rc_fail "node 1: key load failed"
expect_refused 1 use "not yet known to hold the new key: node 2 3"
rc_ctl 2 key load >/dev/null || rc_fail "node 2: key load failed"
rc_ctl 3 key load >/dev/null || rc_fail "node 3: key load failed"
retry 1 use
# Node 1 sends with the new key: node 2 may not swap it for yet another
# (a key file replaced again before use), or node 1's frames would fail there.
cp "$RC_CLUSTER_DIR/authkey" "$d/authkey.new"
"$RINGCAST_KEYGEN" --force -k "$RC_CLUSTER_DIR/authkey" >/dev/null
expect_refused 2 load "held by other members"
cp "$d/authkey.new" "$RC_CLUSTER_DIR/authkey.tmp"
mv "$RC_CLUSTER_DIR/authkey.tmp" "$RC_CLUSTER_DIR/authkey"
expect_refused 1 retire "not yet known to send with the new key: node"
retry 2 use
retry 3 use
for i in 1 2 3; do
	retry "$i" retire
done
rc_log "new key loaded, used and the old one retired on every node"
# Every operation is in the daemon's log, refusals too.
for i in 1 2 3; do
	for want in "key load: done" "key use: done" "key retire: done"; do
		grep -qF "$want" "$RC_CLUSTER_DIR/node$i/ringcastd.log" ||
			rc_fail "node $i: no '$want' in its log"
	done
done
grep -qF "key use: not yet" "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
	rc_fail "node 1: the refused key use is not in its log"
rc_log "every key operation is in the daemons' logs"

for i in 1 2 3; do
	wait "${pids[$((i - 1))]}" ||
		rc_fail "ringcast-gen on node $i failed: $(tail -n 5 "$d/gen$i.out")"
done
now=$(rc_same_ring "1 2 3" 3)
[ "$now" = "$ring" ] || rc_fail "the ring changed from $ring to $now during the rotation"
for i in 1 2 3; do
	r=$(rc_stat "$i" rings)
	[ "$r" = "${before[$i.rings]}" ] || rc_fail "node $i: rings went from ${before[$i.rings]} to $r"
	b=$(rc_stat "$i" bad_auth)
	[ "$b" = "${before[$i.bad_auth]}" ] ||
		rc_fail "node $i: bad_auth went from ${before[$i.bad_auth]} to $b during the rotation"
	st=$(rc_ctl "$i" key)
	new_id=$(awk '$1 == "sending_with" { print $2 }' <<<"$st")
	[ "$new_id" != "$old_id" ] || rc_fail "node $i still sends with the old key $old_id"
	grep -qx "other none" <<<"$st" || rc_fail "node $i still holds another key: $st"
	rc_log "node $i: sends with $new_id (was $old_id), holds no other; rings, bad_auth unchanged"
done
rc_log "ringcast-gen flood verified on 3 nodes through the rotation; ring $ring throughout"

# A node started now reads the new key from the file, and joins.
"$cluster" stop 3 >/dev/null
"$cluster" start 3 >/dev/null
rc_wait_all "1 2 3" 3 15000
rc_same_ring "1 2 3" 3 >/dev/null
rc_log "node 3 restarted with the new key file and joined"

# A key command the lcore has not carried out (it is stalled: the command
# times out) is not overwritten by the next, which the lcore could read
# half-written: that one is refused until the first is done.
rc_ctl 1 raw "/ringcast/stall,3000" >/dev/null || rc_fail "node 1: the stall hook refused"
out=$(rc_ctl 1 key load 2>&1) && rc_fail "node 1: key load answered by a stalled lcore: $out"
grep -q "did not answer" <<<"$out" || rc_fail "node 1: a stalled key load said: $out"
expect_refused 1 load "not carried out the previous key command yet"
rc_wait_all "1 2 3" 3 20000
expect_refused 1 load "already"
rc_log "a key command is not overwritten while the lcore has not carried it out"
