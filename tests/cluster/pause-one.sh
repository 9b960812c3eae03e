#!/usr/bin/env bash
# pause-one: a stopped daemon must not make healthy nodes part (issue 17).
# On 3 and then 5 nodes, under a verified `ringcast-gen rate` between the
# healthy nodes, one node's daemon is stopped with SIGSTOP for 1, 3 and 8 s
# and continued; then the representative (node 1) for 3 s; then only node
# N's lcore, through the stall test hook (dataplane { test_hooks: on }, as
# scripts/cluster writes it), for
# 3 s. Each case: the workload passes (no "left the group"), no healthy
# node's transitional configuration lacks another healthy node, and the
# paused node is back in the ring of all within 20 s. A failed case in which
# a healthy node logged a pause of its own (the machine did not run it for
# half a token: it was not healthy) is void and tried again, twice at most.
# RC_PAUSE_REPEAT=N runs every case N times (default 1); RC_PAUSE_NODES
# ("3 5") and RC_PAUSE_SECS ("1 3 8") narrow it; the counts are printed.
# RC_PAUSE_KEEP=DIR keeps the daemon logs of a failed case there.
# RC_PAUSE_ALL=1 pauses the representative and the lcore for every length.
# RC_PAUSE_LCORE=0 leaves out the lcore case.
# The token timeout is RC_PAUSE_TOKEN ms (default 1000, as cpg-stress): on a
# shared 2-core CI machine healthy daemons are descheduled for hundreds of
# ms at times, and a healthy node that misses the token is not what this
# test is about; pause detection starts at half of it (500 ms).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
repeat=${RC_PAUSE_REPEAT:-1}
sizes=${RC_PAUSE_NODES:-3 5}
secs_list=${RC_PAUSE_SECS:-1 3 8}
rc_begin $((60 + repeat * 150 * 2))

gen=${RINGCAST_GEN:-$rc_root/build/tools/ringcast-gen}
[ -x "$gen" ] || rc_fail "no ringcast-gen at $gen"
lcore=${RC_PAUSE_LCORE:-1}
export RC_CLUSTER_TOTEM="token: ${RC_PAUSE_TOKEN:-1000}"
out=$RC_CLUSTER_DIR/clients
passed=0
failed=0
voided=0

# log_lines NODE: lines in its daemon log so far.
log_lines() {
	local f=$RC_CLUSTER_DIR/node$1/ringcastd.log
	[ -f "$f" ] && wc -l <"$f" || echo 0
}

# case_run N HOW VICTIM SECS: one case; returns 1 (and says why) if it failed.
case_run() {
	local n=$1 how=$2 victim=$3 secs=$4 i j healthy="" pids=() pid fail=0
	local -A from
	for i in $(seq 1 "$n"); do
		[ "$i" = "$victim" ] || healthy+="$i "
		from[$i]=$(log_lines "$i")
	done
	mkdir -p "$out"
	local g
	g=pause-$n-$how-$victim-$secs-$RANDOM
	for i in $healthy; do
		rc_client "$i" "$out/gen$i" "$gen" rate --rate 2k -s 2k -n $((n - 1)) -g "$g" \
			-w 1 -d $((secs + 4)) -t 60 --no-progress
		pids+=("$rc_client_pid")
	done
	sleep 2		# the instances found each other; the load runs
	pid=$(cat "$RC_CLUSTER_DIR/node$victim/daemon.pid")
	if [ "$how" = lcore ]; then
		rc_ctl "$victim" raw "/ringcast/stall,$((secs * 1000))" >/dev/null ||
			{ echo "stall hook refused"; fail=1; }
		sleep "$secs"
	else
		kill -STOP "$pid"
		sleep "$secs"
		kill -CONT "$pid"
	fi
	for p in "${pids[@]}"; do
		wait "$p" || fail=1
	done
	for i in $healthy; do
		if grep -q 'left the group' "$out/gen$i" || ! grep -q . "$out/gen$i"; then
			echo "node $i: $(grep -m1 -E 'left the group|FAIL|error' "$out/gen$i" || echo 'no output')"
			fail=1
		fi
	done
	[ "$fail" = 0 ] || { for i in $healthy; do tail -n 3 "$out/gen$i"; done; }
	# No healthy node may report another healthy node gone (NODEDOWN).
	for i in $healthy; do
		while read -r line; do
			for j in $healthy; do
				[[ " ${line#*members:} " == *" $j "* ]] && continue
				echo "node $i: healthy node $j left: $line"
				fail=1
			done
		done < <(tail -n +$((from[$i] + 1)) "$RC_CLUSTER_DIR/node$i/ringcastd.log" |
			grep 'transitional configuration' | sed 's/ (left.*//')
	done
	# The paused node is back.
	if ! rc_ctl "$victim" wait-members "$n" 20000 >/dev/null; then
		echo "node $victim did not rejoin a $n-member ring within 20 s"
		fail=1
	fi
	for i in $healthy; do
		rc_ctl "$i" wait-members "$n" 20000 >/dev/null || fail=1
	done
	if [ "$fail" != 0 ] && [ -n "${RC_PAUSE_KEEP:-}" ]; then
		mkdir -p "$RC_PAUSE_KEEP/$g"
		for i in $(seq 1 "$n"); do
			cp "$RC_CLUSTER_DIR/node$i/ringcastd.log" "$RC_PAUSE_KEEP/$g/node$i.log"
		done
		cp "$out"/gen* "$RC_PAUSE_KEEP/$g/"
	fi
	# A "healthy" node that was itself not running for half a token (the
	# machine descheduled it; its daemon logs it) is not healthy: void.
	if [ "$fail" != 0 ]; then
		for i in $healthy; do
			if tail -n +$((from[$i] + 1)) "$RC_CLUSTER_DIR/node$i/ringcastd.log" |
				grep -q 'pause detected'; then
				echo "void: node $i was not running for a while itself:"
				tail -n +$((from[$i] + 1)) "$RC_CLUSTER_DIR/node$i/ringcastd.log" |
					grep 'pause detected' | tail -n 2
				fail=2
			fi
		done
	fi
	grep -h -E 'pause detected' "$RC_CLUSTER_DIR/node$victim/ringcastd.log" 2>/dev/null |
		tail -n 2 | sed "s/^/    node $victim: /" || :
	return "$fail"
}

for n in $sizes; do
	rc_up "$n" >/dev/null
	cases=()
	for s in $secs_list; do
		cases+=("sigstop $n $s")
	done
	# the representative and the lcore alone: 3 s, or every length with
	# RC_PAUSE_ALL=1
	for s in $([ "${RC_PAUSE_ALL:-0}" = 1 ] && echo "$secs_list" || echo 3); do
		cases+=("sigstop 1 $s")
		[ "$lcore" = 0 ] || cases+=("lcore $n $s")
	done
	for c in "${cases[@]}"; do
		read -r how victim secs <<<"$c"
		for r in $(seq 1 "$repeat"); do
			for try in 1 2 3; do
				t0=$(rc_now_ms)
				st=0
				res=$(case_run "$n" "$how" "$victim" "$secs" 2>&1) || st=$?
				[ "$st" = 2 ] || break
				voided=$((voided + 1))
				rc_log "void $n nodes, $how node $victim for $secs s (run $r, try $try):"
				echo "$res" | sed 's/^/    /'
				rc_wait_all "$(seq 1 "$n")" "$n" 20000
			done
			if [ "$st" = 0 ]; then
				passed=$((passed + 1))
				rc_log "ok   $n nodes, $how node $victim for $secs s (run $r) in $(($(rc_now_ms) - t0)) ms"
			else
				failed=$((failed + 1))
				rc_log "FAIL $n nodes, $how node $victim for $secs s (run $r):"
				echo "$res" | sed 's/^/    /'
			fi
		done
	done
	"$cluster" down >/dev/null 2>&1
done
rc_log "$passed passed, $failed failed, $voided void (a healthy node paused itself; retried)"
[ "$failed" = 0 ] || rc_fail "$failed case(s) failed"
