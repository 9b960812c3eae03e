#!/usr/bin/env bash
# idle-wake: the idle lcore sleeps until something needs it (dataplane
# sleep.c): on an af_packet port it sleeps up to its next timer (at most
# token / 8 = 20 ms with the default token of 160 ms), and idle_sleep_us,
# set to 20000 here, only matters to a port without a socket. 1 KiB
# messages at 50 msg/s from node 1 are still delivered on every node within
# a few milliseconds: the client's doorbell wakes the sending lcore, the
# frame wakes each receiving one. Slept through instead (a daemon that
# sleeps idle_sleep_us slices: p50 40 ms measured), each message would wait
# half a sleep on the sender and again on the receivers. The counters say
# which wake-ups happened.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 90

gen=${RINGCAST_GEN:-$(dirname "$RINGCASTCTL")/ringcast-gen}
[ -x "$gen" ] || rc_fail "no ringcast-gen at $gen"
export RC_CLUSTER_DATAPLANE='idle_sleep_us: 20000'
rc_up 3
rc_same_ring "1 2 3" 3 >/dev/null
for i in 1 2 3; do
	grep -q 'idle lcore wakes on frames' "$RC_CLUSTER_DIR/node$i/ringcastd.log" ||
		rc_fail "node $i: no socket found on the port to wake on (see its log)"
done
declare -A before
for i in 1 2 3; do
	for k in idle_wake_frame idle_wake_client; do
		before[$i.$k]=$(rc_stat "$i" "$k")
	done
done

d=$RC_CLUSTER_DIR
pids=()
for i in 1 2 3; do
	role=listen
	[ "$i" = 1 ] && role=both
	"$cluster" exec "$i" "$gen" rate --rate 50 --size 1k -n 3 -g idle-wake --role "$role" \
		-d 3 -w 1 --no-progress >"$d/gen$i.out" 2>&1 &
	pids+=($!)
done
for i in 1 2 3; do
	wait "${pids[$((i - 1))]}" ||
		rc_fail "ringcast-gen on node $i failed: $(tail -n 5 "$d/gen$i.out")"
done
all=$(awk '$1 == "all"' "$d/gen1.out")
p50=$(awk '{ print $6 }' <<<"$all")
rc_log "50 msg/s of 1 KiB, idle_sleep_us 20000: $(sed 's/  */ /g' <<<"$all")"
# p50 as ringcast-gen prints it: 123.4us or 1.23ms
us=$(awk -v v="$p50" 'BEGIN { if (v ~ /us$/) print int(v); else if (v ~ /ms$/) print int(v * 1000); else print -1 }')
[ "$us" -ge 0 ] || rc_fail "no p50 in ringcast-gen's output: $all"
[ "$us" -lt 5000 ] || rc_fail "p50 $p50: the lcores slept through the messages"
for i in 1 2 3; do
	f=$(($(rc_stat "$i" idle_wake_frame) - before[$i.idle_wake_frame]))
	[ "$f" -gt 0 ] || rc_fail "node $i: no sleep ended by a frame"
done
c=$(($(rc_stat 1 idle_wake_client) - before[1.idle_wake_client]))
[ "$c" -gt 0 ] || rc_fail "node 1: no sleep ended by its client's doorbell"
rc_log "woken by frames on every node and by the client's doorbell on node 1 ($c times)"

# The port's interface down under node 3's daemon: the kernel puts an error
# (ENETDOWN) on the driver's socket, which ends every sleep at once until
# someone takes it (the driver's sends fail earlier while the link is down
# and do not): the lcore does (idle_port_errors). While the link is down
# node 3 keeps sleeping: a few hundred wake-ups a second at most, not a
# spinning lcore's hundreds of thousands.
e0=$(rc_stat 3 idle_port_errors)
"$cluster" exec 3 ip link set eth0 down
sleep 0.3
w0=$(($(rc_stat 3 idle_wake_frame) + $(rc_stat 3 idle_wake_timer)))
t0=$(rc_now_ms)
sleep 1
w1=$(($(rc_stat 3 idle_wake_frame) + $(rc_stat 3 idle_wake_timer)))
t1=$(rc_now_ms)
"$cluster" exec 3 ip link set eth0 up
rate=$(((w1 - w0) * 1000 / (t1 - t0)))
e1=$(rc_stat 3 idle_port_errors)
rc_log "node 3 with its eth0 down: $((e1 - e0)) port error(s) taken, $rate wake-ups/s"
[ "$rate" -lt 20000 ] || rc_fail "node 3 wakes $rate times a second: its sleeps end at once"
[ "$e1" -gt "$e0" ] || rc_fail "node 3: no error taken from the port's socket with eth0 down"
