#!/usr/bin/env bash
# nemesis: 60 s of seeded faults on 5 nodes under the soak workload
# (scripts/nemesis), judged by ringcast-check from every client's history;
# fails on a safety violation (liveness problems are printed, not failed).
# Every fault kind, SIGSTOP included, and agreed and SAFE messages mixed
# (SAFE deliveries recovered at a ring change are marked transitional and
# judged as such: docs/protocol.md). A light workload (20 msg/s per node, up
# to 64 KiB) keeps the 2-core machine's liveness noise down; heavier runs
# are for running by hand. RC_NEMESIS_SEED, RC_NEMESIS_FAULTS,
# RC_NEMESIS_GUARANTEE, RC_NEMESIS_RATE and RC_NEMESIS_DURATION override
# seed, kinds, guarantee, rate and length.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 380

seed=${RC_NEMESIS_SEED:-1}
kinds=${RC_NEMESIS_FAULTS:-kill,term,pause,partition,loss,link,ckill,cterm}
guarantee=${RC_NEMESIS_GUARANTEE:-mixed}
rate=${RC_NEMESIS_RATE:-20}
t=${RC_NEMESIS_DURATION:-60}
export RINGCAST_GEN=${RINGCAST_GEN:-$rc_root/build/tools/ringcast-gen}
export RINGCAST_CHECK=${RINGCAST_CHECK:-$rc_root/build/tools/ringcast-check}
rc_log "seed $seed, faults $kinds, $guarantee, $rate msg/s, $t s (rerun: RC_NEMESIS_SEED=$seed)"
st=0
out=$("$rc_root/scripts/nemesis" --seed "$seed" --duration "$t" --nodes 5 --faults "$kinds" \
	--guarantee "$guarantee" --rate "$rate" --max-size 64k 2>&1) ||
	st=$?
echo "$out"
if [ "$st" -eq 2 ] && grep -qE 'EAL init failed|net_af_packet' <<<"$out"; then
	rc_skip "DPDK could not start net_af_packet here"
fi
[ "$st" -eq 0 ] || rc_fail "scripts/nemesis --seed $seed exited with $st"
summary=$(grep '^nemesis: seed' <<<"$out" | tail -n 1)
[[ $summary =~ ([0-9]+)\ faults,\ ([0-9]+)\ messages\ checked ]] ||
	rc_fail "no summary line from scripts/nemesis"
[ "${BASH_REMATCH[1]}" -ge 5 ] || rc_fail "only ${BASH_REMATCH[1]} faults injected in $t s"
[ "${BASH_REMATCH[2]}" -ge 1000 ] || rc_fail "only ${BASH_REMATCH[2]} messages checked"
