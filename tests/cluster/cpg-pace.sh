#!/usr/bin/env bash
# cpg-pace: corosync's benchmark pattern against a 3-node ring. Node 1's
# ringcast-cpgbench sends from one thread retrying at once on
# CS_ERR_TRY_AGAIN while another sits in cpg_dispatch(BLOCKING); nodes 2, 3
# dispatch. Every instance verifies everything (seq, CRC, counts); no node
# counts a token loss meanwhile (the sender is paced by the daemon, not
# competing with it: include/ringcast/shm_room.h); and node 1's control
# thread stays asleep while only the lcore has work (it wakes for events and
# a 1/s check, not on a 20 ms timer).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 120

bench=${RC_CPGBENCH:-$rc_root/build/tools/ringcast-cpgbench}
[ -x "$bench" ] || rc_skip "ringcast-cpgbench not built"
rc_up 3
ring=$(rc_same_ring "1 2 3" 3)
declare -A lost0
for i in 1 2 3; do
	lost0[$i]=$(rc_stat "$i" token_losses)
done
pid=$(cat "$RC_CLUSTER_DIR/node1/daemon.pid")
ctx() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/task/$pid/status"; }

out=$RC_CLUSTER_DIR
rc_cpgbench_start "$bench" "$out/bench" --duration 2 --sizes 64,8000,200000 --group pace --timeout 60
pids=("${rc_bench_pids[@]}")
sleep 1
c0=$(ctx)
t0=$(rc_now_ms)
sleep 3
c1=$(ctx)
t1=$(rc_now_ms)
for i in "${pids[@]}"; do
	wait "$i" || true	# each one's verdict is its last line, checked next
done
for i in 1 2 3; do
	grep -q '^ok:' "$out/bench-n$i.out" ||
		rc_fail "node $i: not everything verified:
$(tail -n 12 "$out/bench-n$i.out")"
done
rc_log "node 1: $(grep '^result size=200000' "$out/bench-n1.out")"
for i in 1 2 3; do
	lost=$(rc_stat "$i" token_losses)
	[ "$lost" = "${lost0[$i]}" ] ||
		rc_fail "node $i counted $((lost - lost0[$i])) token losses while the sender ran"
done
now=$(rc_same_ring "1 2 3" 3)
[ "$now" = "$ring" ] || rc_fail "the ring changed from $ring to $now while the sender ran"
rate=$(( (c1 - c0) * 1000 / (t1 - t0) ))
rc_log "node 1's control thread: $rate wake-ups/s under traffic"
# The pause check (control/memb/memb.c, as corosync's) runs every token / 5,
# 31 times a second at the default 160 ms token; on top of it the thread
# wakes for events only. The 20 ms poll this test was written against woke
# it 50 times a second on its own, and a 1 ms one 1000.
[ "$rate" -le $((25 + 32)) ] ||
	rc_fail "node 1's control thread woke $rate times a second under traffic"

# A message no instance sent (a stray member's, 64 bytes of zeros) fails
# the run: every instance counts it foreign, says FAIL and exits 1. (It was
# counted, printed nowhere, and the run said ok.) The stray joins first and
# sends once the three instances are in the group, which they wait for
# (--nodes 4) before node 1 sends: every instance gets it, in its run.
rc_client 2 "$out/stray.out" "$rc_cpg_bin/cpg_watch" -g pace2 -t 30 -W 4 -S 64
spid=$rc_client_pid
rc_wait_line "$out/stray.out" '^READY ' 10000
rc_cpgbench_start "$bench" "$out/stray" --duration 2 --sizes 8000 --group pace2 --timeout 60 \
	--nodes 4
rc_wait_line "$out/stray.out" '^SENT len=64 CS_OK$' 20000
for k in 0 1 2; do
	st=0
	wait "${rc_bench_pids[$k]}" || st=$?
	i=$((3 - k))
	[ "$st" = 1 ] || rc_fail "node $i: exit status $st with a stray message: $(tail -n 2 "$out/stray-n$i.out")"
	grep -q '^FAIL: .* foreign 1$' "$out/stray-n$i.out" ||
		rc_fail "node $i: the stray message not reported: $(tail -n 2 "$out/stray-n$i.out")"
done
kill "$spid" 2>/dev/null || :
rc_log "a stray message in the group failed every instance (exit 1, foreign 1)"
