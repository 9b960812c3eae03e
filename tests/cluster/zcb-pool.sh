#!/usr/bin/env bash
# zcb-pool: zero-copy buffers the application holds. cpg_zcb_pool runs 100
# rounds of up to 2000 buffers of 1..100 000 bytes, each filled, checked and
# freed: refusals are CS_ERR_NO_MEMORY only (never a TRY_AGAIN that cannot
# clear), and round 0 replayed at the end fits exactly as before. Then a
# client allocates up to 100 buffers of 1 MiB and exits without freeing:
# the daemon reclaims its region (clients back to 0, huge pages back to
# where they were).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 200

P=$rc_cpg_bin/cpg_zcb_pool
[ -x "$P" ] || rc_fail "no $P"
rc_up 1
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
huge_free() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }

"$cluster" exec 1 "$P" -r 100 -n 2000 -s 100000 >"$out/pool" 2>&1 ||
	rc_fail "cpg_zcb_pool failed: $(tail -n 3 "$out/pool")"
rc_log "$(tail -n 1 "$out/pool")"
rc_wait_stat 1 clients 0 5000

before=$(huge_free)
"$cluster" exec 1 "$P" -H 100 >"$out/hold" 2>&1 ||
	rc_fail "the holding client failed: $(cat "$out/hold")"
rc_log "$(cat "$out/hold")"
rc_wait_stat 1 clients 0 5000
t0=$(rc_now_ms)
until [ "$(huge_free)" -ge "$before" ]; do
	# (other processes on this machine may take huge pages meanwhile)
	[ $(($(rc_now_ms) - t0)) -lt 5000 ] ||
		rc_fail "huge pages free: $(huge_free), $before before the client that did not free"
	sleep 0.05
done
rc_log "a client that exited holding its buffers: region reclaimed (huge pages free $(huge_free), $before before)"
