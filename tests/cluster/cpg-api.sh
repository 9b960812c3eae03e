#!/usr/bin/env bash
# cpg-api: the CPG API conformance program (tests/cpg/cpg_conform: every
# function and every error code) against a 3-node cluster, on two nodes at
# once, built against ringcast's headers and library.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 110

C=$rc_cpg_bin/cpg_conform
[ -x "$C" ] || rc_fail "no $C"
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
rc_client 1 "$out/c1" "$C"
p1=$rc_client_pid
rc_client 2 "$out/c2" "$C"
p2=$rc_client_pid
fail=0
wait "$p1" || fail=1
wait "$p2" || fail=1
for i in 1 2; do
	grep '^not ok' "$out/c$i" >&2 || true	# (shows them; the verdict is below)
	ok=$(grep -c '^ok' "$out/c$i") || ok=0
	bad=$(grep -c '^not ok' "$out/c$i") || bad=0
	rc_log "node $i: $ok checks passed, $bad failed"
	# an exit status of 0 must come with checks that ran and none that failed
	[ "$ok" -gt 0 ] && [ "$bad" -eq 0 ] || fail=1
done
[ "$fail" -eq 0 ] || rc_fail "cpg_conform failed"
