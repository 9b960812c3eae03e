#!/usr/bin/env bash
# hostile-rewrite: a client that keeps rewriting its messages' bytes in its
# shared arena while they are in flight (cpg_hostile rewrite, speaking the
# shm ABI itself), on a network that loses 5% of frames, so that some
# nodes get some frames only from retransmissions. Each node's watcher
# prints a CRC of every message it delivers: for every message all three
# delivered, the CRCs must be equal.
#
# The client runs as uid 65534 (let in by allow_gid), which the default
# `zero_copy: root` (root with CAP_SYS_PTRACE) does not trust: the daemon copies its payloads into its
# frames once and never reads the arena again for a message, and takes
# none of its messages zero-copy (zc_msgs stays 0). A daemon that sent its
# 16 000-byte messages from its region (zero_copy: all, or a uid check
# gone: RC_REWRITE_ZERO_COPY=all shows it) re-reads the arena for
# retransmissions and delivers different bytes on different nodes.
# Then the same client as root without CAP_SYS_PTRACE (a confined root, as
# in a container): not trusted either, zc_msgs does not move.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 240

W=$rc_cpg_bin/cpg_watch
H=$rc_cpg_bin/cpg_hostile
lib=${RC_LIB_DIR:-$rc_root/build/lib}
for p in "$W" "$H"; do
	[ -x "$p" ] || rc_fail "no $p"
done
command -v setpriv >/dev/null || rc_skip "needs setpriv (util-linux)"
n=${RC_REWRITE_COUNT:-200}
export RC_CLUSTER_RINGCAST="allow_gid: 4242
zero_copy: ${RC_REWRITE_ZERO_COPY:-root}"
rc_up 3
# The build tree may not be readable by other users: run a copy.
bin=$(mktemp -d /tmp/rc-rewrite.XXXXXX)
# shellcheck disable=SC2016 # expanded when it runs, at exit
rc_on_exit 'rm -rf "$bin"'
cp "$H" "$bin"/
cp -L "$lib/libcpg.so.4" "$bin"/
chmod -R a+rX "$bin"
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
for i in 1 2 3; do
	rc_client "$i" "$out/w$i" "$W" -g rewrite -t 200 -c
	rc_wait_line "$out/w$i" '^READY' 10000
done
"$cluster" loss 5 >/dev/null
"$cluster" exec 1 env LD_LIBRARY_PATH="$bin" setpriv --reuid=65534 --regid=4242 \
	--clear-groups "$bin/cpg_hostile" rewrite rewrite "$n" >"$out/h" 2>&1 ||
	rc_fail "the rewriting client failed: $(cat "$out/h")"
rc_log "$(cat "$out/h")"
# Every message once on every node, unless a node was cut off for a while
# (loss can re-form the ring, and EVS lets a node that was alone miss
# messages): wait up to 60 s, then compare the messages all three have.
t0=$(rc_now_ms)
for i in 1 2 3; do
	until [ "$(grep -c ' len=16000 ' "$out/w$i")" -ge "$n" ] ||
		[ $(($(rc_now_ms) - t0)) -ge 60000 ]; do
		sleep 0.2
	done
done
"$cluster" loss off >/dev/null
for i in 1 2 3; do
	grep ' len=16000 ' "$out/w$i" | sed 's/.* crc=\(0x[0-9a-f]*\) id=\([0-9]*\)$/\2 \1/' |
		sort -n >"$out/crc$i"
done
join "$out/crc1" "$out/crc2" | join - "$out/crc3" >"$out/common"
common=$(wc -l <"$out/common")
[ "$common" -ge $((n / 2)) ] ||
	rc_fail "only $common of $n messages were delivered on all three nodes"
rtx=$(rc_stat 1 retransmits)
zc=$(rc_stat 1 zc_msgs)
diverged=$(awk '$2 != $3 || $2 != $4' "$out/common")
[ -z "$diverged" ] ||
	rc_fail "nodes delivered different bytes for one message (id crc1 crc2 crc3): $(
		head -n 3 <<<"$diverged" | tr '\n' ';') node 1 retransmits $rtx, zc_msgs $zc"
[ "$zc" -eq 0 ] || rc_fail "node 1 took $zc of an untrusted client's messages zero-copy"
rc_log "$common of $n messages rewritten in flight, delivered on all 3 nodes under 5% loss:" \
	"the same bytes everywhere ($(cut -d' ' -f2 "$out/common" | sort -u | wc -l) distinct" \
	"payloads; node 1 retransmits $rtx)"
z0=$(rc_stat 1 zc_msgs)
"$cluster" exec 1 setpriv --bounding-set=-sys_ptrace "$H" rewrite rewrite2 20 >"$out/h2" 2>&1 ||
	rc_fail "the confined root client failed: $(cat "$out/h2")"
z1=$(rc_stat 1 zc_msgs)
[ "$z1" -eq "$z0" ] ||
	rc_fail "node 1 took $((z1 - z0)) messages of a root client without CAP_SYS_PTRACE zero-copy"
rc_log "a root client without CAP_SYS_PTRACE: $(head -n 1 "$out/h2"), none zero-copy"
