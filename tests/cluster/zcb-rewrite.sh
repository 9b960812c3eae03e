#!/usr/bin/env bash
# zcb-rewrite: corosync's zero-copy contract on 3 nodes. Each node sends
# from one reused cpg_zcb_alloc buffer and overwrites the whole buffer as
# soon as each cpg_zcb_mcast_joined returns (cpg_stress --zcb-scribble), as
# corosync's own zero-copy benchmark does. Every receiver checks every
# message's CRC and each sender's sequence, so a delivery of the overwritten
# bytes (on any node, or only on one that got a retransmission) fails it;
# the three order hashes must be equal. Phase 1: 1 B..200 000 B (copied by
# the library up to 64 KiB, sent in place above); phase 2: 1 MiB messages
# (8 per sender: 24 MiB, within a receiver's 34 MiB receive area even if
# cpg_stress does not dispatch between its sends).
#
# The senders are root, whose messages of 8 KiB or more the daemon sends
# from their regions (zero_copy: root, the default): frames authenticated
# but not encrypted (RC_CLUSTER_CRYPTO=auth), so their payloads go to the
# port as the client's own memory (zc_frames must grow on every node; an
# encrypting cipher seals a copy). The bridge loses 2% of frames, so
# retransmissions read the buffers again: a completion that came before
# every node held the message would let the rewrite reach some node's
# retransmission.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 300

S=$rc_cpg_bin/cpg_stress
[ -x "$S" ] || rc_fail "no $S"
export RC_CLUSTER_CRYPTO=${RC_CLUSTER_CRYPTO:-auth}
# A machine whose root lacks CAP_SYS_PTRACE (a container) has no client the
# default trusts: trust them all, so zero copy is what is tested.
rc_have_ptrace || export RC_CLUSTER_RINGCAST="zero_copy: all"
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

# phase NAME COUNT MIN MAX
phase() {
	local name=$1 count=$2 min=$3 max=$4 hashes
	rc_stress_run "$out/$name" --group "zcb-$name" --count "$count" --min-size "$min" \
		--max-size "$max" --mode zcb --zcb-scribble --timeout 200 ||
		rc_fail "$name: a client failed (a rewritten buffer was delivered?)"
	hashes=$(rc_stress_one_order "$out/$name") || exit 1	# it said why
	rc_log "$name: 3 x $count messages of $min..$max B, every one as sent, one order ($hashes)"
}

"$cluster" loss 2 >/dev/null
phase mixed 600 1 200000
phase mib 8 1048576 1048576

# A ring change with zero-copy messages in flight: nodes 1 and 2 send
# 512 KiB messages (30 each: what both send fits a receive area that is
# not read during a burst of sends), rewriting each buffer at once, while
# node 3 is cut off and let back: at each change the engine copies what
# recovery may still re-send out of the clients' buffers and completes
# them all (the buffers are rewritten right after), then the new ring
# carries on. The cut comes once node 1 has taken some zero-copy.
zc0=$(rc_stat 1 zc_msgs)
pids=()
for i in 1 2; do
	rc_client "$i" "$out/chg$i" "$S" --group zcb-chg --count 30 --min-size 524288 \
		--max-size 524288 --mode zcb --zcb-scribble --expect-senders 2 --seed "$i" \
		--timeout 200
	pids+=("$rc_client_pid")
done
t0=$(rc_now_ms)
until [ "$(rc_stat 1 zc_msgs)" -ge $((zc0 + 3)) ]; do
	[ $(($(rc_now_ms) - t0)) -lt 20000 ] || rc_fail "change: node 1 took nothing zero-copy"
	sleep 0.02
done
ring0=$(rc_ring 1)
"$cluster" partition "1 2|3" >/dev/null
sleep 1.5
"$cluster" heal >/dev/null
fail=0
for i in 1 2; do
	wait "${pids[$((i - 1))]}" || fail=1
	rc_log "change node $i: $(grep '^RESULT' "$out/chg$i" || tail -n 3 "$out/chg$i")"
done
[ "$fail" -eq 0 ] || rc_fail "change: a client failed (a rewritten buffer was delivered?)"
[ "$(rc_ring 1)" != "$ring0" ] || rc_fail "change: the ring did not change ($ring0)"
all=$(sed -n 's/^RESULT.* hash=\(0x[0-9a-f]*\).*/\1/p' "$out/chg"[12] | sort -u)
[ "$(grep -c . <<<"$all")" -eq 1 ] || rc_fail "change: nodes 1 and 2 saw different orders: $all"
rc_log "change: 2 x 30 messages of 512 KiB across a ring change and back, one order ($all)," \
	"$(($(rc_stat 1 zc_msgs) - zc0)) zero-copy on node 1"
# node 3 rejoins after the heal, through 2% loss: the clients may finish first
rc_wait_all "1 2 3" 3 10000
rc_same_ring "1 2 3" 3 >/dev/null

# A trusted sender killed with 1 MiB zero-copy messages in flight: its
# region stays mapped until the engine is done with them and no mbuf
# points into it, then goes (clients back to 0); the ring stays whole.
zc0=$(rc_stat 1 zc_msgs)
rc_client 1 "$out/kill1" "$S" --group zcb-kill --count 1000 --min-size 1048576 \
	--max-size 1048576 --mode zcb --expect-senders 1 --timeout 60
t0=$(rc_now_ms)
until [ "$(rc_stat 1 zc_msgs)" -ge $((zc0 + 3)) ]; do
	[ $(($(rc_now_ms) - t0)) -lt 20000 ] || rc_fail "kill: node 1 took nothing zero-copy"
	sleep 0.02
done
pkill -9 -f -- "--group zcb-kill" || rc_fail "kill: no sender to kill"
wait "$rc_client_pid" 2>/dev/null || :
rc_wait_stat 1 clients 0 10000
rc_same_ring "1 2 3" 3 >/dev/null
rc_log "kill: a sender killed with $(($(rc_stat 1 zc_msgs) - zc0)) messages taken zero-copy:" \
	"its region let go, the ring whole"
"$cluster" loss off >/dev/null
for i in 1 2 3; do
	zc=$(rc_stat "$i" zc_msgs)
	zf=$(rc_stat "$i" zc_frames)
	[ "$zc" -gt 0 ] || rc_fail "node $i sent no message zero-copy (zc_msgs $zc)"
	[ "$RC_CLUSTER_CRYPTO" = on ] || [ "$zf" -gt 0 ] ||
		rc_fail "node $i sent no frame from a client's memory (zc_frames $zf)"
	rc_log "node $i: zc_msgs $zc, zc_frames $zf, retransmits $(rc_stat "$i" retransmits)"
done
