#!/usr/bin/env bash
# backlog-close: "CS_OK means delivered" for a client the daemon lets go
# because it stopped reading. On node 1, processes one after another send
# in bursts (retrying CS_ERR_TRY_AGAIN at once, a millisecond between
# bursts, so that the listener never falls as far behind) and never dispatch:
# their own messages fill their rx area, and the daemon lets them go
# (receive backlog) while they send. What each had queued when that
# happened (every send that returned CS_OK) must still reach a listener on
# node 2, in order, and nothing more; each sender must have stopped at the
# daemon letting it go (CS_ERR_LIBRARY). Before the daemon drained such a
# client and told it where its queue ends (shm.h, "Closing"), each round
# lost up to a whole tx ring of CS_OK sends.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 130

F=$rc_cpg_bin/cpg_fin_race
[ -x "$F" ] || rc_fail "no $F"
rc_up 2
# node 2's listener takes the same stream that fills the senders' receive
# areas: give it twice the room, so that only the senders are let go
"$cluster" stop 2 >/dev/null
sed -i 's/^\tstate_dir: .*/&\n\tmax_rx_backlog: 68M/' "$RC_CLUSTER_DIR/node2/ringcast.conf"
grep -q 'max_rx_backlog: 68M' "$RC_CLUSTER_DIR/node2/ringcast.conf" || rc_fail "could not configure node 2"
"$cluster" start 2 >/dev/null
rc_wait_all "1 2" 2 10000
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
rounds=6 zrounds=2 brounds=2

rc_client 2 "$out/listen" "$F" listen -g backlog -i 2 -t 110
lpid=$rc_client_pid
rc_on_exit "kill $lpid 2>/dev/null; wait $lpid 2>/dev/null; :"
rc_wait_line "$out/listen" '^READY$' 10000
: >"$out/sent"
for k in $(seq 1 "$rounds"); do
	# bursts of 256 sends a millisecond apart, then of 1024 (more of the
	# tx ring queued when the daemon lets the sender go)
	burst=$((k <= rounds / 2 ? 256 : 1024))
	"$cluster" exec 1 "$F" send -g backlog -S -b "$burst" -m 4000000000 >"$out/s$k" 2>&1 ||
		rc_fail "round $k: the sender failed: $(cat "$out/s$k")"
	grep '^SENT ' "$out/s$k" >>"$out/sent" || rc_fail "round $k: $(cat "$out/s$k")"
	rc_log "round $k (bursts of $burst): $(cat "$out/s$k")"
done
# zcb buffers of 60 000 bytes sent in place (RINGCAST_ZCB_COPY_MAX=0): each
# call returns once the daemon is done with the buffer, so the one in flight
# when the daemon lets the sender go must say CS_OK exactly when it went out
for k in $(seq $((rounds + 1)) $((rounds + zrounds))); do
	"$cluster" exec 1 env RINGCAST_ZCB_COPY_MAX=0 "$F" send -g backlog -S -z 60000 -m 4000000000 \
		>"$out/s$k" 2>&1 || rc_fail "round $k: the sender failed: $(cat "$out/s$k")"
	grep '^SENT ' "$out/s$k" >>"$out/sent" || rc_fail "round $k: $(cat "$out/s$k")"
	rc_log "round $k (zcb in place, 60 000 B): $(cat "$out/s$k")"
done
# a dispatcher stuck for 3 s in its first callback (the application's
# fault) while the sender goes on: the area fills behind it and the daemon
# lets the client go; the dispatcher, once out, still gets all it was
# written before (its own messages, in order), then CS_ERR_LIBRARY
first=$((rounds + zrounds + 1)) last=$((rounds + zrounds + brounds))
for k in $(seq "$first" "$last"); do
	"$cluster" exec 1 "$F" send -g backlog -S -B 3000 -m 4000000000 >"$out/s$k" 2>&1 ||
		rc_fail "round $k: the sender failed: $(cat "$out/s$k")"
	grep '^SENT ' "$out/s$k" >>"$out/sent" || rc_fail "round $k: $(cat "$out/s$k")"
	own=$(grep '^OWN ' "$out/s$k") || rc_fail "round $k: no OWN line: $(cat "$out/s$k")"
	rc_log "round $k (a callback stuck 3 s): $(tr '\n' ' ' <"$out/s$k")"
	read -r _ _ n bad disp <<<"$own"
	[ "$disp" = disp=CS_ERR_LIBRARY ] || rc_fail "round $k: the dispatcher returned ${disp#disp=}"
	[ "$bad" = bad=0 ] || rc_fail "round $k: its own messages out of order: $own"
	# what its area held when it was let go: the ring's 65 536 records,
	# less the few confchgs among them
	[ "${n#n=}" -ge 65000 ] || rc_fail "round $k: only ${n#n=} of its own messages delivered to it"
done
all=$((rounds + zrounds + brounds))
kill -USR1 "$lpid"	# the senders are done: it stops once quiet
rc_wait_line "$out/listen" '^DONE ' 30000
grep -q '^DONE .* overflow=0 why=told$' "$out/listen" ||
	rc_fail "the listener: $(grep -E '^(ERR|DONE)' "$out/listen")"
rc_check_sent "$out/sent" "$out/listen" CS_ERR_LIBRARY
k=0
while read -r _ pid ok _; do
	pid=${pid#pid=} ok=${ok#ok=} k=$((k + 1))
	# not vacuous: it sent past what its rx area holds (the ring's 65 536
	# records; the area's 34 MiB, 560 messages of 60 000 bytes)
	min=$((k > rounds && k <= rounds + zrounds ? 560 : 65536))
	[ "$ok" -gt "$min" ] || rc_fail "pid $pid: only $ok sends before it was let go"
done <"$out/sent"
# the daemon said why it let each go
n=$(grep -c 'disconnected: receive backlog full' "$RC_CLUSTER_DIR/node1/ringcastd.log" || :)
[ "$n" = "$all" ] || rc_fail "node 1 logged $n backlog disconnects, not $all"
rc_log "$all senders let go mid-send for their backlog: $rc_sent_total sends returned CS_OK"
rc_log "every CS_OK send arrived, in order, and nothing else"
