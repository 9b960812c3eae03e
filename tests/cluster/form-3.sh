#!/usr/bin/env bash
# form-3: three daemons started together form one ring, every node
# operational with the same three members, within 2 s of the first start.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 60

out=$(rc_up 3)
echo "$out"
ms=$(sed -n 's/.* \([0-9][0-9]*\) ms after start$/\1/p' <<<"$out")
[ -n "$ms" ] || rc_fail "cannot read the time from: $out"
ring=$(rc_same_ring "1 2 3" 3)
rc_log "ring $ring formed $ms ms after start"
[ "$ms" -le 2000 ] || rc_fail "the ring formed after $ms ms, more than 2000 ms"
# scripts/cluster asks for `timestamp: hires`: the log says milliseconds
line=$(head -n 1 "$RC_CLUSTER_DIR/node1/ringcastd.log")
grep -qE '[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ' <<<"$line" ||
	rc_fail "timestamp: hires, but no milliseconds in the log: $line"
