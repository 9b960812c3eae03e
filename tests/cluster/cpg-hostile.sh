#!/usr/bin/env bash
# cpg-hostile: clients that break their shared region (tx index, offset,
# length, type; rx tail past the head, rx tails moved back; unknown
# request), a connection that never says hello, a client that rings its
# doorbell without end, and a client that joins and never reads while
# another floods its group. Each but the ringer is disconnected with a log
# line naming why; the daemon, its ring and a well-behaved client on the
# same node carry on.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 150

W=$rc_cpg_bin/cpg_watch
H=$rc_cpg_bin/cpg_hostile
S=$rc_cpg_bin/cpg_stress
for p in "$W" "$H" "$S"; do
	[ -x "$p" ] || rc_fail "no $p"
done
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

rc_client 1 "$out/good" "$W" -g hostile -t 140
rc_wait_line "$out/good" '^READY' 5000
ring=$(rc_same_ring "1 2 3" 3)

kicks=0
for mode in tx-index tx-offset tx-len tx-type rx-tail rx-back req; do
	"$cluster" exec 1 "$H" "$mode" hostile 10 >"$out/h-$mode" 2>&1 ||
		rc_fail "hostile client ($mode) was not disconnected: $(cat "$out/h-$mode")"
	kicks=$((kicks + 1))
	rc_log "$(cat "$out/h-$mode")"
done
rc_wait_stat 1 client_kicks "$kicks" 3000
rc_wait_stat 1 clients 1 3000
grep -q 'disconnected: bad tx ring index or entry' "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
	rc_fail "node 1 logged no disconnect reason"
now=$(rc_same_ring "1 2 3" 3)
[ "$now" = "$ring" ] || rc_fail "the ring changed from $ring to $now"

# A client that writes a PROCDOWN of the good client into its messages'
# header room: the daemon writes the headers itself, so the group sees its
# plain messages and the good client stays a member on every node.
good=$(rc_watch_pid "$out/good")
"$cluster" exec 1 "$H" forge hostile "$good" >"$out/h-forge" 2>&1 ||
	rc_fail "the forging client failed: $(cat "$out/h-forge")"
rc_wait_line "$out/good" '^MSG nodeid=1 pid=[0-9]* len=64$' 5000
if grep -q "left=1:$good:" "$out/good"; then
	rc_fail "a forged header removed the good client from its group"
fi
rc_log "$(cat "$out/h-forge"): the group saw plain messages"

# A connection that never says hello is closed (it would hold a client slot).
"$cluster" exec 1 "$H" silent hostile 10 >"$out/h-silent" 2>&1 ||
	rc_fail "a silent connection was not closed: $(cat "$out/h-silent")"
rc_log "$(cat "$out/h-silent")"
grep -q 'sent no hello' "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
	rc_fail "node 1 did not log the silent connection"
# Nor one that takes its region and never says it mapped it (it would hold
# a region, unsealed).
"$cluster" exec 1 "$H" unmapped hostile 10 >"$out/h-unmapped" 2>&1 ||
	rc_fail "an unmapped connection was not closed: $(cat "$out/h-unmapped")"
rc_log "$(cat "$out/h-unmapped")"
grep -q 'did not map its region' "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
	rc_fail "node 1 did not log the unmapped connection"
# (after the cases above, whose lines it would crowd out of the limit)
# An allowed user that sends garbage hellos in a loop does not flood the
# log: a few lines each 10 s (ratelog.h), not one per connection.
before=$(grep -c 'bad hello' "$RC_CLUSTER_DIR/node1/ringcastd.log" || :)
python3 - "$RC_CLUSTER_DIR/node1/run/ringcastd.sock" <<'PY' || rc_fail "the bad-hello loop failed"
import socket, sys
for _ in range(500):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    s.send(b"\xff" * 8)
    s.recv(64)      # the daemon closes it
    s.close()
PY
t0=$(rc_now_ms)
until [ $(($(rc_now_ms) - t0)) -ge 500 ]; do sleep 0.1; done	# the last ones handled
after=$(grep -c 'bad hello' "$RC_CLUSTER_DIR/node1/ringcastd.log" || :)
[ $((after - before)) -le 6 ] ||
	rc_fail "500 bad hellos logged $((after - before)) lines (not rate limited)"
[ $((after - before)) -ge 1 ] || rc_fail "500 bad hellos logged nothing"
rc_log "500 bad hellos: $((after - before)) log lines"

# The good client still works: a message from node 2 reaches it.
"$cluster" exec 2 "$W" -g hostile -t 1 -s >"$out/sender" 2>&1 ||
	rc_fail "the sender on node 2 failed: $(cat "$out/sender")"
rc_wait_line "$out/good" '^MSG nodeid=2 ' 5000
rc_log "the well-behaved client on node 1 still receives"

# A client that rings its doorbell without end (bytes on its socket): the
# lcore reads and ignores them, it stays attached, and the good client on
# the same node still receives while it rings.
rc_client 1 "$out/ring" "$H" ring hostile 3
ringer=$rc_client_pid
n0=$(grep -c '^MSG nodeid=2 ' "$out/good") || n0=0
"$cluster" exec 2 "$W" -g hostile -t 1 -s >"$out/sender-ring" 2>&1 ||
	rc_fail "the sender on node 2 failed while a client rang: $(cat "$out/sender-ring")"
wait "$ringer" || rc_fail "the ringing client: $(cat "$out/ring")"
n=$(grep -c '^MSG nodeid=2 ' "$out/good") || n=0
[ "$n" -gt "$n0" ] || rc_fail "the good client received nothing while another rang its doorbell"
rc_log "a client rang its doorbell for 3 s ($(cat "$out/ring")); still attached, the good client still receives"
# Descriptors with the doorbell: refused by the kernel (Linux 6.16 and
# later: the daemon turned SO_PASSRIGHTS off), or else the client goes.
"$cluster" exec 1 "$H" bell-fds hostile 10 >"$out/h-bell-fds" 2>&1 ||
	rc_fail "a client that passed a descriptor on its socket: $(cat "$out/h-bell-fds")"
rc_log "doorbell with a descriptor: $(cat "$out/h-bell-fds")"
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
if [ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "${kmin%%[!0-9]*}" -ge 16 ]; }; then
	grep -q '^REFUSED by the kernel' "$out/h-bell-fds" ||
		rc_fail "Linux $(uname -r) took a descriptor on a daemon socket: SO_PASSRIGHTS not off"
else
	grep -q 'disconnected: passed descriptors' "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
		rc_fail "node 1 did not log why it let the descriptor-passing client go"
fi

# A slow consumer: joins, never reads; a flood of 64 KiB messages fills its
# 34 MiB receive area and the daemon lets it go. The flood itself completes.
rc_client 2 "$out/slow" "$H" slow hostile 60
slow=$rc_client_pid
rc_wait_line "$out/good" 'joined=2:[0-9]*:JOIN' 5000
"$cluster" exec 1 "$S" --group hostile --count 1500 --min-size 65536 --max-size 65536 \
	--mode copy --expect-senders 1 --timeout 60 >"$out/flood" 2>&1 ||
	rc_fail "the flood failed: $(tail -n 3 "$out/flood")"
wait "$slow" || rc_fail "the slow consumer was not disconnected: $(cat "$out/slow")"
rc_log "slow consumer: $(cat "$out/slow"); flood: $(grep RESULT "$out/flood")"
grep -q 'disconnected: receive backlog full' "$RC_CLUSTER_DIR/node2/ringcastd.log" ||
	rc_fail "node 2 logged no backlog disconnect"
rc_wait_line "$out/good" 'left=2:[0-9]*:PROCDOWN' 5000
# (the flood loads this 2-core machine; the ring is only asked to hold 3 members)
rc_same_ring "1 2 3" 3 >/dev/null

# Dead, or dying (a SIGBUS dumps core first): the exit status, or no answer.
node1_dead() {
	local pid f
	pid=$(cat "$RC_CLUSTER_DIR/node1/daemon.pid")
	f=$RC_CLUSTER_DIR/node1/exit.$pid
	for _ in $(seq 10); do
		[ -s "$f" ] && break
		sleep 0.1
	done
	if [ -s "$f" ]; then
		echo "node 1's daemon (pid $pid) died, exit status $(cat "$f")$(
			[ "$(cat "$f")" = 135 ] && echo ' (SIGBUS)')"
		return 0
	fi
	timeout 5 "$RINGCASTCTL" -s "/var/run/dpdk/rc-$RC_CLUSTER_NAME-1/dpdk_telemetry.v2" status \
		>/dev/null 2>&1 && return 1
	echo "node 1's daemon (pid $pid) does not answer"
}

# A client that punches holes in its hugetlb region and empties the pool:
# the daemon's next write into a hole would need a free huge page, and
# without one it dies of SIGBUS. Last here: it skips when the pool cannot be
# emptied; the pages the client took are freed when it exits.
#  - punch: after attach, its rx area (fallocate, then MADV_REMOVE), then it
#    sends itself a message. The region is sealed: both are refused, and the
#    daemon delivers into the rx area.
#  - punch-early: the whole region past the header, before it says it has
#    mapped it (not sealed yet): the daemon cannot refill the holes and
#    refuses it.
punch() {
	local mode=$1 prc=0
	timeout 30 "$cluster" exec 1 "$H" "$mode" punch 10 >"$out/h-$mode" 2>&1 || prc=$?
	rc_log "$mode: $(tr '\n' ' ' <"$out/h-$mode")"
	if why=$(node1_dead); then
		rc_fail "$why after a client punched its region ($mode)"
	fi
	[ "$prc" -ne 3 ] || rc_skip "client regions are not hugetlb here: $(cat "$out/h-$mode")"
	[ "$prc" -eq 0 ] || rc_fail "the punching client ($mode): $(cat "$out/h-$mode")"
}
punch punch
punch punch-early
# Every check that does not need an empty pool comes first.
grep -q '^PUNCH refused: Operation not permitted' "$out/h-punch" &&
	grep -q '^MADV_REMOVE refused: Operation not permitted' "$out/h-punch" ||
	rc_fail "a client punched holes in its sealed region: $(cat "$out/h-punch")"
grep -q '^DELIVERED' "$out/h-punch" ||
	rc_fail "no delivery into the punching client's region: $(cat "$out/h-punch")"
rc_wait_stat 1 clients 1 3000
# (taking a GiB of huge pages loads this 2-core machine like the flood: the
# ring is asked to hold its 3 members, not to keep its id)
rc_same_ring "1 2 3" 3 >/dev/null
n0=$(grep -c '^MSG nodeid=2 ' "$out/good") || n0=0	# (grep -c: status 1 when 0)
"$cluster" exec 2 "$W" -g hostile -t 1 -s >"$out/sender2" 2>&1 ||
	rc_fail "the second sender on node 2 failed: $(cat "$out/sender2")"
for _ in $(seq 50); do
	n=$(grep -c '^MSG nodeid=2 ' "$out/good") || n=0
	[ "$n" -gt "$n0" ] && break
	sleep 0.1
done
[ "$n" -gt "$n0" ] ||
	rc_fail "the well-behaved client on node 1 stopped receiving after the punches"
for m in punch punch-early; do
	grep -q '^NOT EXHAUSTED' "$out/h-$m" &&
		rc_skip "could not take every free huge page (others allocating?): $(cat "$out/h-$m")"
done
grep -q '^REFUSED at the seal' "$out/h-punch-early" ||
	rc_fail "a region punched before its seal was not refused: $(cat "$out/h-punch-early")"
grep -q 'refused: its region lost pages (hole punched)' "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
	rc_fail "node 1 logged no reason for refusing the punched region"
rc_log "punched regions: refused by the seal, or refused at attach; node 1 carries on"
