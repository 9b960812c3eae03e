#!/usr/bin/env bash
# fin-race: "CS_OK means delivered" while another thread finalizes the
# handle. On node 1, 40 processes one after another each run corosync's
# pattern (a sender thread retrying at once, a blocking dispatcher) and
# finalize from main after a random 1..20 ms, mid-send; each prints how
# many sends returned CS_OK. A listener on node 2 must have every one of
# them, in order, and nothing more. libcpg's finalize passes through the
# sender's lock after it marks the handle finalized, so no send pushes
# after the daemon has seen the hang-up (what the daemon sends for a
# leaving client is fixed then).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 150

F=$rc_cpg_bin/cpg_fin_race
[ -x "$F" ] || rc_fail "no $F"
rc_up 2
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
rounds=40

rc_client 2 "$out/listen" "$F" listen -g fin-race -i 10 -t 100
rc_wait_line "$out/listen" '^READY$' 10000
: >"$out/sent"
for k in $(seq 1 "$rounds"); do
	"$cluster" exec 1 "$F" send -g fin-race -s 20 >"$out/s$k" 2>&1 ||
		rc_fail "round $k: the sender failed: $(cat "$out/s$k")"
	grep '^SENT ' "$out/s$k" >>"$out/sent" || rc_fail "round $k: $(cat "$out/s$k")"
done
rc_log "$rounds senders finalized mid-send: $(awk '{ sub("ok=", "", $3); s += $3 } END { print s }' "$out/sent") sends returned CS_OK"
rc_wait_line "$out/listen" '^DONE ' 30000
while read -r _ pid ok _; do
	pid=${pid#pid=} ok=${ok#ok=}
	line=$(grep "^GOT pid=$pid " "$out/listen") ||
		{ [ "$ok" = 0 ] && continue; rc_fail "pid $pid: $ok sends returned CS_OK, none arrived"; }
	n=$(sed 's/.* n=\([0-9]*\).*/\1/' <<<"$line")
	bad=$(sed 's/.* bad=\([0-9]*\).*/\1/' <<<"$line")
	[ "$bad" = 0 ] || rc_fail "pid $pid: $bad messages out of order or malformed"
	[ "$n" = "$ok" ] || rc_fail "pid $pid: $ok sends returned CS_OK, $n arrived"
done <"$out/sent"
[ "$(grep -c '^GOT ' "$out/listen")" -le "$rounds" ] || rc_fail "messages from unknown senders: $(cat "$out/listen")"
rc_log "every CS_OK send arrived, in order, and nothing else"
