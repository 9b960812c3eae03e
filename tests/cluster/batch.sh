#!/usr/bin/env bash
# batch: small messages a client queued back to back travel as one CPG
# MCAST_BATCH per frame (dataplane/client_io.c tx_batch). Three nodes each
# flood 20 000 messages of 1..600 B, in runs of 7 AGREED and 7 SAFE
# (cpg_stress --guarantee mixed: a batch never mixes the two, and each
# message must be delivered with the guarantee it was sent with), through a
# bridge that loses 2% of frames, so batches are retransmitted. Every
# receiver checks every CRC and each sender's sequence; the three order
# hashes must be equal; every node must have sent batches (batch_msgs).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 300

S=$rc_cpg_bin/cpg_stress
[ -x "$S" ] || rc_fail "no $S"
count=${RC_BATCH_COUNT:-20000}
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

"$cluster" loss 2 >/dev/null
rc_stress_run "$out/b" --group batch --count "$count" --min-size 1 --max-size 600 \
	--mode copy --guarantee mixed --timeout 200 ||
	rc_fail "a client failed (lost, reordered, corrupted or wrongly flagged messages)"
"$cluster" loss off >/dev/null
hashes=$(rc_stress_one_order "$out/b") || exit 1	# it said why
! grep -h 'guarantees not checked' "$out"/b[123] || rc_fail "the guarantees were not checked"

for i in 1 2 3; do
	b=$(rc_stat "$i" batches) || exit 1
	m=$(rc_stat "$i" batch_msgs) || exit 1
	rc_log "node $i: $m messages in $b batches"
	[ "$b" -gt 0 ] && [ "$m" -ge $((2 * b)) ] ||
		rc_fail "node $i sent no batch of 2 or more ($b batches, $m messages)"
done
rc_log "3 x $count messages of 1..600 B, AGREED and SAFE, every one as sent, one order ($hashes)"
