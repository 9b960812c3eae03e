#!/usr/bin/env bash
# ctl-view: ringcastctl shows what corosync-cfgtool -s and corosync-cpgtool
# show: `nodes` lists every node of the nodelist (localhost, connected while
# in this node's ring, disconnected once gone) and the port's link; `groups`
# lists every CPG group of the cluster with its members on every node (node,
# pid), and drops the members of a node that died; `status` shows the NUMA
# nodes of the port, the lcore, the dataplane's memory and client regions,
# and the client regions registered with DPDK and DMA-mapped for the port
# (node 1's client holds one, in hugepages while any are free; a vdev maps
# every registered one);
# `stats` prints every counter of docs/operations.md's table, once, and no
# other. Its cluster runs as a production configuration would, without the
# test hooks: `inject` and `digest` are refused, saying how to turn them on.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 90

W=$rc_cpg_bin/cpg_watch
[ -x "$W" ] || rc_fail "no $W"
export RC_CLUSTER_TEST_HOOKS=off
rc_up 3
for c in "inject 1" digest "raw /ringcast/stall,10"; do
	# shellcheck disable=SC2086 # the command's words
	v=$(rc_ctl 1 $c 2>&1) && rc_fail "$c: accepted (exit 0) with test_hooks off: $v"
	[[ $v == *"test_hooks: on"* ]] || rc_fail "$c: the refusal does not say how to turn it on: $v"
done
rc_log "test hooks refused when the configuration leaves them off"
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

declare -A pid
for i in 1 2 3; do
	rc_client "$i" "$out/a$i" "$W" -g alpha -t 80
	rc_wait_line "$out/a$i" '^READY' 5000
	pid[$i]=$(rc_watch_pid "$out/a$i")
done
rc_client 2 "$out/b2" "$W" -g beta -t 80
rc_wait_line "$out/b2" '^READY' 5000
b=$(rc_watch_pid "$out/b2")
rc_wait_line "$out/a1" "^CONFCHG group=alpha members=1:${pid[1]},2:${pid[2]},3:${pid[3]} " 5000

# nodes, from node 1
v=$(rc_ctl 1 nodes) || rc_fail "ringcastctl nodes failed"
echo "$v"
[[ $v == *"node 1: ring "*" state operational members 3 (1 2 3)"* ]] ||
	rc_fail "nodes: no status line"
# status says where the dataplane runs (a vdev's node is not known: any)
st=$(rc_ctl 1 status) || rc_fail "ringcastctl status failed"
[[ $st =~ \;\ numa:\ port\ node\ (any|[0-9]+),\ lcore\ [0-9]+\ on\ node\ [0-9]+,\ memory\ node\ [0-9]+,\ client\ regions\ node\ [0-9]+$ ]] ||
	rc_fail "status does not show the NUMA placement: $st"
[[ $st =~ \;\ dma:\ IOVA\ as\ (PA|VA),\ client\ regions\ ([0-9]+)\ registered\ \(at\ most\ [1-9][0-9]*\),\ ([0-9]+)\ mapped\; ]] ||
	rc_fail "status does not show the client regions' registration: $st"
[ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ] ||
	rc_fail "status: a registered region is not mapped for the vdev: $st"
# (registered: a trusted client's region in hugepages, 26 of them by default)
free2m=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if [ "$free2m" -ge 26 ] && rc_have_ptrace &&
	[ "${BASH_REMATCH[2]}" -lt 1 ]; then
	rc_fail "status: node 1's client region is not registered: $st"
fi
rc_log "status: $st"
[[ $v =~ LINK\ 0\ port\ net_af_packet0,iface=eth0:\ up ]] || rc_fail "nodes: the link is not up"
grep -qE '^	node 1 \(node1\): localhost$' <<<"$v" || rc_fail "nodes: node 1 is not localhost"
for i in 2 3; do
	grep -qE "^	node $i \\(node$i\\): connected; mac ([0-9a-f]{2}:){5}[0-9a-f]{2}, last frame [0-9]+ ms ago, [1-9][0-9]* frames$" \
		<<<"$v" || rc_fail "nodes: node $i is not connected"
done

# groups, from node 3: both groups, members on every node
g=$(rc_ctl 3 groups) || rc_fail "ringcastctl groups failed"
echo "$g"
want="group alpha: 3 members
	node 1 pid ${pid[1]}
	node 2 pid ${pid[2]}
	node 3 pid ${pid[3]}
group beta: 1 member
	node 2 pid $b"
[ "$g" = "$want" ] || rc_fail "groups from node 3: expected
$want"
g1=$(rc_ctl 1 groups) || rc_fail "ringcastctl groups on node 1 failed"
[ "$g1" = "$want" ] || rc_fail "groups from node 1 differ from node 3's: $g1"

# stats, from node 1: every name of the table in docs/operations.md once, and
# nothing else; the group table's and the engine's values come through
rc_wait_stat 1 cpg_groups 2 2000
rc_wait_stat 1 cpg_processes 4 2000
st=$(rc_ctl 1 stats) || rc_fail "ringcastctl stats failed"
doc=$(awk '/^## / { on = /^## Reading `stats`/ }
	on && /^\| `/ {
		split($0, col, "|")
		s = col[2]
		while (match(s, /`[^`]*`/)) {
			print substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$rc_root/docs/operations.md" | sort)
[ "$(wc -l <<<"$doc")" -gt 50 ] || rc_fail "cannot read the stats table of docs/operations.md"
names=$(awk '{ print $1 }' <<<"$st" | sort)
[ "$names" = "$doc" ] || rc_fail "stats names differ from docs/operations.md (< documented, > printed):
$(diff <(echo "$doc") <(echo "$names"))"
for k in rtr_requested dup_frames window_drops wakes_tx msgs_sent recovery_gaps reasm_nomem \
	fail_recv cpg_full cpg_no_member cpg_stale_sync; do
	grep -qE "^$k [0-9]+$" <<<"$st" || rc_fail "stats: no counter $k"
done
sent=$(awk '$1 == "msgs_sent" { print $2 }' <<<"$st")
[ "$sent" -gt 0 ] || rc_fail "stats: msgs_sent is $sent after node 1 joined a group"
rc_log "stats: $(wc -l <<<"$names") names, as documented; msgs_sent $sent"

# node 3 dies: disconnected on node 1, its member gone from alpha
"$cluster" kill 3 >/dev/null
rc_wait 1 2 5000
rc_wait_line "$out/a1" "left=3:${pid[3]}:NODEDOWN" 3000
v=$(rc_ctl 1 nodes) || rc_fail "ringcastctl nodes failed"
echo "$v"
grep -qE '^	node 3 \(node3\): disconnected; mac .*, last frame [0-9]+ ms ago' <<<"$v" ||
	rc_fail "nodes: node 3 is not disconnected after its daemon was killed"
grep -qE '^	node 2 \(node2\): connected; ' <<<"$v" || rc_fail "nodes: node 2 not connected"
g=$(rc_ctl 1 groups) || rc_fail "ringcastctl groups failed"
echo "$g"
want="group alpha: 2 members
	node 1 pid ${pid[1]}
	node 2 pid ${pid[2]}
group beta: 1 member
	node 2 pid $b"
[ "$g" = "$want" ] || rc_fail "groups after node 3 died: expected
$want"
