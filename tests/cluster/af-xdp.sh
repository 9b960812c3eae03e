#!/usr/bin/env bash
# af-xdp: a 3-node ring on DPDK's net_af_xdp (RC_CLUSTER_PORT), the second
# transport. One cpg_stress client a node sends RC_XDP_COUNT (default 3000)
# messages of 1 B..64 KiB, copied and zcb alternately; every receiver checks
# every CRC and each sender's sequence, and the three order hashes must be
# equal. The clients are root, whom `zero_copy: root` trusts, but
# net_af_xdp takes no chained frames in DPDK 22.11: the daemon must say so
# at start and copy every payload (zc_msgs 0), never hand the driver an
# mbuf pointing into a client's memory.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 200

S=$rc_cpg_bin/cpg_stress
[ -x "$S" ] || rc_fail "no $S"
count=${RC_XDP_COUNT:-3000}
export RC_CLUSTER_PORT=net_af_xdp0,iface=eth0
rc_up 3
rc_same_ring "1 2 3" 3 >/dev/null
for i in 1 2 3; do
	grep -q "zero copy off: the port's driver" "$RC_CLUSTER_DIR/node$i/ringcastd.log" ||
		rc_fail "node $i did not say its port gets no zero copy: $(grep -i 'zero copy' \
			"$RC_CLUSTER_DIR/node$i/ringcastd.log")"
done
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
rc_stress_run "$out/s" --group xdp --count "$count" --min-size 1 --max-size 65536 \
	--mode mixed --timeout 150 || rc_fail "a stress client failed"
hashes=$(rc_stress_one_order "$out/s") || exit 1	# it said why
for i in 1 2 3; do
	zc=$(rc_stat "$i" zc_msgs)
	[ "$zc" -eq 0 ] || rc_fail "node $i took $zc messages zero-copy on net_af_xdp"
done
rc_log "net_af_xdp: 3 x $count messages, one order everywhere ($hashes), none zero-copy"
