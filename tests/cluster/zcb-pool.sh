#!/usr/bin/env bash
# zcb-pool: zero-copy buffers the application holds, as corosync's own test
# program holds them. cpg_zcb_pool runs rounds of 2000 buffers of 1..100 000
# bytes (about 100 MB), each filled, checked and freed: every one must
# allocate (the arena's share, then the process's own memory), and round 0
# replayed at the end puts exactly as many in the arena as before (leaked
# arena room would only push buffers to private memory, which takes them
# all: the count of buffers alone could not tell). In round 0, with all 2000
# held, a few buffers of each kind (in the arena, private up to 64 KiB,
# private above) are sent, rewritten at once, and must come back as sent.
# With RINGCAST_ZCB_MAX=16M, 1 MiB buffers allocate up to exactly 15
# private ones (besides the arena's: each counts 528 bytes of bookkeeping
# too, so a 16th does not fit), then CS_ERR_NO_MEMORY. Then a client
# allocates 100 buffers of 1 MiB and exits without freeing: the daemon
# reclaims its region (clients back to 0, huge pages back to where they
# were); the private ones went with the process's memory.
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

"$cluster" exec 1 "$P" -r 100 -n 2000 -s 100000 -x 3 >"$out/pool" 2>&1 ||
	rc_fail "cpg_zcb_pool failed: $(tail -n 3 "$out/pool")"
rc_log "$(grep '^SENT' "$out/pool")"
rc_log "$(tail -n 1 "$out/pool")"
result=$(tail -n 1 "$out/pool")
[[ $result =~ ^RESULT\ rounds=100\ buffers=200000\ .*\ no_memory=0\  ]] ||
	rc_fail "not every buffer of every round allocated: $result"
rc_wait_stat 1 clients 0 5000

"$cluster" exec 1 env RINGCAST_ZCB_MAX=16M "$P" -L >"$out/limit" 2>&1 ||
	rc_fail "cpg_zcb_pool -L failed: $(tail -n 3 "$out/limit")"
rc_log "RINGCAST_ZCB_MAX=16M: $(cat "$out/limit"), then CS_ERR_NO_MEMORY"
limit=$(cat "$out/limit")
[[ $limit =~ ^LIMIT\ buffers=[0-9]+\ arena=[0-9]+\ private=15$ ]] ||
	rc_fail "RINGCAST_ZCB_MAX=16M: expected 15 private buffers of 1 MiB, got: $limit"
rc_wait_stat 1 clients 0 5000

before=$(huge_free)
"$cluster" exec 1 "$P" -H 100 >"$out/hold" 2>&1 ||
	rc_fail "the holding client failed: $(cat "$out/hold")"
rc_log "$(cat "$out/hold")"
hold=$(cat "$out/hold")
[[ $hold =~ ^HELD\ buffers=100\  ]] || rc_fail "not all 100 buffers of 1 MiB allocated: $hold"
rc_wait_stat 1 clients 0 5000
t0=$(rc_now_ms)
until [ "$(huge_free)" -ge "$before" ]; do
	# (other processes on this machine may take huge pages meanwhile)
	[ $(($(rc_now_ms) - t0)) -lt 5000 ] ||
		rc_fail "huge pages free: $(huge_free), $before before the client that did not free"
	sleep 0.05
done
rc_log "a client that exited holding its buffers: region reclaimed (huge pages free $(huge_free), $before before)"
