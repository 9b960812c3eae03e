#!/usr/bin/env bash
# fair-share: clients of one node take turns at its send queue. On node 1 a
# client sends 64-byte messages at 20 msg/s; a second one, attached after
# it, floods 64 KiB messages for 5 s. The daemon takes no client messages
# while 4 MiB of the node's are unframed, and it walked its clients from
# the newest: the flooder refilled the queue before the first client was
# looked at, whose messages waited for the whole flood (p50 3.2 s, max
# 7.2 s measured over an 8 s run). Now the walk starts one client further
# on each pass: the first client's messages wait behind at most the
# queue's 4 MiB (tens of ms). The same with the client on node 2: its
# node's window, never grown, was filled by the flooder's every rotation
# and its messages waited for the whole flood too (p50 3.15 s, max 7.13 s
# measured); now a starved visit grows it (dataplane/totem/token.c).
# Both verify everything they delivered.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 90
export RC_CLUSTER_TOTEM=${RC_CLUSTER_TOTEM-'token: 1000\nconsensus: 1200'}

gen=${RINGCAST_GEN:-$(dirname "$RINGCASTCTL")/ringcast-gen}
[ -x "$gen" ] || rc_fail "no ringcast-gen at $gen"
rc_up 3
rc_same_ring "1 2 3" 3 >/dev/null

d=$RC_CLUSTER_DIR
# pair NODE: the 20 msg/s client on NODE (attached first), the flooder on node 1
pair() {
	local node=$1 apid flood row max us mb
	"$cluster" exec "$node" "$gen" rate --rate 20 --size 64 -n 1 -g "fair-a$node" -d 7 -w 1 \
		--progress >"$d/a$node.out" 2>&1 &
	apid=$!
	# its live line says it measures (the flood then falls in its window)
	rc_wait_line "$d/a$node.out" '\] measure ' 15000
	"$cluster" exec 1 "$gen" flood --size 64k -n 1 -g "fair-b$node" -d 5 -w 0 --no-progress \
		>"$d/b$node.out" 2>&1 || rc_fail "the flooder failed: $(tail -n 5 "$d/b$node.out")"
	wait "$apid" || rc_fail "the 20 msg/s client failed: $(tail -n 5 "$d/a$node.out")"
	for f in "a$node" "b$node"; do
		grep -q '^ok: ' "$d/$f.out" || rc_fail "client $f did not verify: $(tail -n 3 "$d/$f.out")"
	done
	flood=$(tr '\r' '\n' <"$d/b$node.out" | awk '$3 == "both"')
	row=$(tr '\r' '\n' <"$d/a$node.out" | awk '$3 == "both"')
	rc_log "flooder on node 1: $(sed 's/  */ /g' <<<"$flood")"
	rc_log "20 msg/s on node $node beside it: $(sed 's/  */ /g' <<<"$row")"
	# its max latency, as ringcast-gen prints it: 123.4us, 1.23ms or 1.23s
	max=$(awk '{ print $12 }' <<<"$row")
	us=$(awk -v v="$max" 'BEGIN { if (v ~ /us$/) print int(v); else if (v ~ /ms$/) print int(v * 1000);
		else if (v ~ /s$/) print int(v * 1000000); else print -1 }')
	[ "$us" -ge 0 ] || rc_fail "no max latency in ringcast-gen's output: $row"
	mb=$(awk '{ print int($7) }' <<<"$flood")
	[ "$mb" -gt 0 ] || rc_fail "the flooder moved nothing: $flood"
	[ "$us" -lt 1000000 ] ||
		rc_fail "node $node: the client's messages waited up to $max behind the flooder's"
	rc_log "node $node: the client's messages waited at most $max beside a flood of $mb MB/s"
}
pair 2
pair 1
