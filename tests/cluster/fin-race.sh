#!/usr/bin/env bash
# fin-race: "CS_OK means delivered" while another thread finalizes the
# handle. On node 1, 80 processes one after another each run corosync's
# pattern (a sender thread retrying at once, a blocking dispatcher) and
# finalize from main after a random 1..8 ms, mid-send (at most 20 000
# sends each, so no receiver falls behind far enough to be let go); each
# prints how many sends returned CS_OK. A listener on node 2 must have every one of
# them, in order, and nothing more. libcpg's finalize passes through the
# sender's lock after it marks the handle finalized, so no send pushes
# after the daemon has seen the hang-up (what the daemon sends for a
# leaving client is fixed then).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 140

F=$rc_cpg_bin/cpg_fin_race
[ -x "$F" ] || rc_fail "no $F"
rc_up 2
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
rounds=80

rc_client 2 "$out/listen" "$F" listen -g fin-race -i 2 -t 100
lpid=$rc_client_pid
rc_on_exit "kill $lpid 2>/dev/null; wait $lpid 2>/dev/null; :"
rc_wait_line "$out/listen" '^READY$' 10000
: >"$out/sent"
for k in $(seq 1 "$rounds"); do
	"$cluster" exec 1 "$F" send -g fin-race -s 8 -m 20000 >"$out/s$k" 2>&1 ||
		rc_fail "round $k: the sender failed: $(cat "$out/s$k")"
	grep '^SENT ' "$out/s$k" >>"$out/sent" || rc_fail "round $k: $(cat "$out/s$k")"
done
kill -USR1 "$lpid"	# the senders are done: it stops once quiet
rc_wait_line "$out/listen" '^DONE ' 30000
grep -q '^DONE .* overflow=0 why=told$' "$out/listen" ||
	rc_fail "the listener: $(grep -E '^(ERR|DONE)' "$out/listen")"
# each sender stopped at its finalize, not at some other error
rc_check_sent "$out/sent" "$out/listen" CS_ERR_BAD_HANDLE
total=$rc_sent_total cut=$rc_sent_cut
# not vacuous: most rounds were cut short in the middle of sending
[ "$cut" -ge $((rounds / 2)) ] || rc_fail "only $cut of $rounds rounds sent anything before their finalize"
rc_log "$rounds senders finalized mid-send ($cut of them after CS_OK sends): $total sends returned CS_OK"
rc_log "every CS_OK send arrived, in order, and nothing else"
