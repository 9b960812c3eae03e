#!/usr/bin/env bash
# A single-node corosync 3 (Debian's package) for running the tests/cpg
# programs against the real thing. It lives in its own network namespace
# (libqb's IPC sockets are abstract, so per namespace: clients must run in
# it too) with a private /run (its pid file) and its own state directory; it
# never touches a system corosync. Run as root.
#
#   tests/cpg/corosync-1node.sh up          start it; returns once it serves CPG
#   tests/cpg/corosync-1node.sh exec CMD…   run CMD in its namespace
#   tests/cpg/corosync-1node.sh down        stop it, remove what up made
#
# Environment: RC_COROSYNC_NS (default rccoro), RC_COROSYNC_DIR (default
# /var/tmp/rc-corosync; not under /run, which corosync sees replaced).
# Needs: apt-get install -y corosync libcpg-dev
# SPDX-License-Identifier: BSD-3-Clause
set -euo pipefail

ns=${RC_COROSYNC_NS:-rccoro}
dir=${RC_COROSYNC_DIR:-/var/tmp/rc-corosync}
prog="tests/cpg/corosync-1node.sh"

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

# A failed up takes down what it made, then dies with msg.
up_failed() {
	local msg=$1
	down
	die "$msg"
}

up() {
	command -v corosync >/dev/null || die "no corosync (apt-get install -y corosync)"
	[ ! -e "$dir/corosync.pid" ] || die "already up ($dir/corosync.pid); down first"
	mkdir -p "$dir/state"
	cat >"$dir/corosync.conf" <<-EOF
	totem {
		version: 2
		cluster_name: rctest
		transport: knet
		crypto_cipher: none
		crypto_hash: none
	}
	logging {
		to_stderr: yes
		to_logfile: no
		to_syslog: no
		timestamp: on
	}
	nodelist {
		node {
			name: n1
			nodeid: 1
			ring0_addr: 127.0.0.1
		}
	}
	system {
		state_dir: $dir/state
		sched_rr: no
		move_to_root_cgroup: no
	}
	EOF
	ip netns add "$ns" || die "network namespace $ns exists (down first?)"
	ip -n "$ns" link set lo up
	# shellcheck disable=SC2016 # $1 is expanded by the inner sh
	ip netns exec "$ns" unshare -m sh -c \
		'mount --make-rprivate / && mount -t tmpfs tmpfs /run && exec corosync -f -c "$1"' \
		sh "$dir/corosync.conf" >"$dir/corosync.out" 2>&1 &
	echo $! >"$dir/corosync.pid"
	for _ in $(seq 100); do
		grep -q 'ready to provide service' "$dir/corosync.out" && return 0
		kill -0 "$(cat "$dir/corosync.pid")" 2>/dev/null ||
			up_failed "corosync exited: $(tail -n 5 "$dir/corosync.out")"
		sleep 0.1
	done
	up_failed "corosync not ready within 10 s: $(tail -n 5 "$dir/corosync.out")"
}

down() {
	local pid
	if [ -f "$dir/corosync.pid" ]; then
		pid=$(cat "$dir/corosync.pid")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir"
}

case ${1:-} in
up) up ;;
exec) shift; exec ip netns exec "$ns" "$@" ;;
down) down ;;
*) sed -n '2,/^set -/{/^set -/d;/SPDX-License-Identifier/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
