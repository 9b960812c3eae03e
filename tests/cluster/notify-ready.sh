#!/usr/bin/env bash
# notify-ready: under a service manager (a fake NOTIFY_SOCKET here, as
# systemd's Type=notify gives), ringcastd says READY=1 once its first ring is
# formed: at READY=1 the node is operational and STATUS names that first
# ring; the ring changes that follow (the node merges into the running
# cluster) bring no second READY; SIGTERM (systemctl stop) says STOPPING=1
# and leaves cleanly.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 90

command -v python3 >/dev/null || rc_skip "needs python3 for the fake notify socket"
ndir=$rc_run_root/notify-$rc_test
rm -rf "$ndir"
mkdir -p "$ndir"
sock=$ndir/notify.sock
out=$ndir/notify.out
tel=/var/run/dpdk/rc-$RC_CLUSTER_NAME-2/dpdk_telemetry.v2
python3 "$(dirname "$0")/notify_listen.py" "$sock" "$out" "$RINGCASTCTL" -s "$tel" status &
lpid=$!
rc_on_exit "kill $lpid 2>/dev/null; wait $lpid 2>/dev/null; rm -rf '$ndir'"
rc_wait_line "$out" '^LISTENING$' 5000

rc_up 2
"$cluster" stop 2 >/dev/null
# node 2 comes back under the "service manager"
NOTIFY_SOCKET=$sock "$cluster" start 2
rc_wait_all "1 2" 2 20000
rc_wait_line "$out" '^AT_READY ' 10000
cat "$out"

ready=$(grep -c 'READY=1' "$out") || true
[ "$ready" -eq 1 ] || rc_fail "$ready READY=1 messages, expected exactly one"
grep -qE '^AT_READY node 2: ring [0-9]+\.[0-9]+ state operational members ' "$out" ||
	rc_fail "node 2 was not operational when READY=1 came: $(grep AT_READY "$out")"
# the first regular configuration node 2 logged since its restart
first=$(awk '/ringcastd .* node 2 on / { n = NR; r = "" }
	     n && !r && /regular configuration, ring/ { r = $0 } END { print r }' \
	"$RC_CLUSTER_DIR/node2/ringcastd.log")
[[ $first =~ ring\ ([0-9]+\.[0-9]+),\ members:((\ [0-9]+)+) ]] ||
	rc_fail "no regular configuration in node 2's log since its restart"
want="STATUS=ring ${BASH_REMATCH[1]}, $(wc -w <<<"${BASH_REMATCH[2]}") members"
grep -qF "READY=1|$want" "$out" || rc_fail "READY=1 does not carry '$want'"
rings=$(awk '/ringcastd .* node 2 on / { n = 0 } /regular configuration/ { n++ } END { print n }' \
	"$RC_CLUSTER_DIR/node2/ringcastd.log")
rc_log "READY=1 at the first of $rings regular configurations since the restart ($want)"

# systemctl stop: SIGTERM, STOPPING=1, a clean leave (exit 0)
pid=$(cat "$RC_CLUSTER_DIR/node2/daemon.pid")
"$cluster" stop 2 >/dev/null
st=$(rc_exit_status 2 "$pid" 10000)
[ "$st" -eq 0 ] || rc_fail "exit status $st after SIGTERM"
rc_wait_line "$out" 'STOPPING=1' 5000
