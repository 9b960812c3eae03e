#!/usr/bin/env bash
# bad-config: a configuration with one bad value makes ringcastd exit with
# status 1 and "FILE:LINE: ..." on stderr, naming the right line, before it
# starts anything: no runtime directory, pid or lock file, no DPDK runtime
# directory or telemetry socket. Runs in a namespace of its own, so a daemon
# that did start would find only an isolated eth0. The crypto cases: an
# unknown cipher, a cipher without a hash, a key file missing, of the wrong
# size, or readable by group or others; and with no keyfile given and the
# default one absent, the refusal names both fixes (a key, or crypto off).
# A runtime or state directory that another user can change is refused too.
# Without -f, a start that fails later still exits 1; a good one exits 0.
# netmtu above what the port carries is lowered with a warning, and the
# node runs (it failed with "Cannot allocate memory").
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 60

"$cluster" net 1 >/dev/null
ns=${RC_CLUSTER_TAG}node1
d=$RC_CLUSTER_DIR/bad
mkdir -p "$d"
prefix=rc-$RC_CLUSTER_NAME-bad
rc_on_exit "rm -rf /var/run/dpdk/$prefix"	# what a daemon that started left

# good_config KEY_LINE_SECTION...: a valid file; the cases below break one line.
good_config() {
	cat <<CONF
totem {
	cluster_name: $RC_CLUSTER_NAME
	token: 200
	crypto_cipher: aes256
	crypto_hash: sha256
	keyfile: $d/authkey
}
nodelist {
	node {
		nodeid: 1
		name: node1
	}
	node {
		nodeid: 2
		name: node2
	}
}
logging {
	to_stderr: yes
	to_syslog: no
}
dataplane {
	eal_args: "--no-pci --file-prefix=$prefix --no-huge --no-shconf"
	port: "net_af_packet0,iface=eth0"
	idle: adaptive
}
ringcast {
	runtime_dir: $d/run
	state_dir: $d/state
}
CONF
}

cases=0
# bad_case NAME SED_EXPR PATTERN: break the file with SED_EXPR; the error must
# name the line PATTERN is on (in the broken file).
bad_case() {
	local name=$1 expr=$2 pattern=$3 conf="$d/$1.conf" line rc=0 err
	good_config | sed "$expr" >"$conf"
	line=$(grep -n -m1 -e "$pattern" "$conf" | cut -d: -f1)
	[ -n "$line" ] || rc_fail "$name: pattern '$pattern' not in the test's own file"
	err=$(ip netns exec "$ns" timeout 20 "$RINGCASTD" -c "$conf" -f -i 1 2>&1 >/dev/null) || rc=$?
	[ "$rc" -eq 1 ] || rc_fail "$name: ringcastd exited with status $rc, not 1 (stderr: $err)"
	grep -q -- "$conf:$line: " <<<"$err" ||
		rc_fail "$name: stderr does not name $conf:$line: $err"
	[ ! -e "$d/run" ] || rc_fail "$name: the runtime directory was created: $(ls -A "$d/run")"
	[ ! -e "/var/run/dpdk/$prefix" ] || rc_fail "$name: DPDK's runtime directory was created"
	rc_log "$name: exit 1, $(head -n1 <<<"$err")"
	cases=$((cases + 1))
}

"$RINGCAST_KEYGEN" -k "$d/authkey" >/dev/null
"$RINGCAST_KEYGEN" -k "$d/shortkey" >/dev/null
truncate -s 16 "$d/shortkey"
"$RINGCAST_KEYGEN" -k "$d/groupkey" >/dev/null
chmod 0440 "$d/groupkey"

# First, the unbroken file is good: it gets past the configuration (and is
# stopped at once; af_packet may or may not start in this namespace).
good_config >"$d/good.conf"
rc=0
err=$(ip netns exec "$ns" timeout 2 "$RINGCASTD" -c "$d/good.conf" -f -i 1 2>&1) || rc=$?
if grep -q "$d/good.conf:[0-9]" <<<"$err"; then
	rc_fail "the test's good configuration is rejected: $err"
fi
rm -rf "$d/run" "$d/state" "/var/run/dpdk/$prefix"
# a node id with more after it is not that node id
for bad in 2abc -1 ""; do
	rc=0
	err=$(ip netns exec "$ns" timeout 20 "$RINGCASTD" -c "$d/good.conf" -t -i "$bad" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && grep -q "bad nodeid" <<<"$err" ||
		rc_fail "-i '$bad': exit status $rc ($err), not 1 with 'bad nodeid'"
done

bad_case token-not-a-number 's/token: 200/token: fast/' 'token: fast'
bad_case token-out-of-range 's/token: 200/token: 0/' 'token: 0'
bad_case idle-unknown-word 's/idle: adaptive/idle: lazy/' 'idle: lazy'
bad_case to-stderr-capitalised 's/to_stderr: yes/to_stderr: Yes/' 'to_stderr: Yes'
bad_case duplicate-nodeid 's/nodeid: 2/nodeid:  1/' 'nodeid:  1'
bad_case runtime-dir-relative "s|runtime_dir: .*|runtime_dir: relative/run|" 'runtime_dir: relative'
# shellcheck disable=SC2016 # sed's $d: delete the last line (the final '}')
bad_case unclosed-section '$d' '^ringcast {'
bad_case cipher-unknown 's/crypto_cipher: aes256/crypto_cipher: blowfish/' 'crypto_cipher: blowfish'
bad_case cipher-without-hash '/crypto_hash: sha256/d' 'crypto_cipher: aes256'
bad_case keyfile-missing "s|keyfile: .*|keyfile: $d/nokey|" 'keyfile: '
bad_case keyfile-wrong-size "s|keyfile: .*|keyfile: $d/shortkey|" 'keyfile: '
bad_case keyfile-group-readable "s|keyfile: .*|keyfile: $d/groupkey|" 'keyfile: '

# No keyfile given, and none at the default path (where this test never
# writes): the refusal says what to do, both ways, and nothing starts.
if [ ! -e /etc/ringcast/authkey ]; then
	good_config | sed '/keyfile: /d' >"$d/nokey.conf"
	rc=0
	err=$(ip netns exec "$ns" timeout 20 "$RINGCASTD" -c "$d/nokey.conf" -f -i 1 2>&1 >/dev/null) ||
		rc=$?
	[ "$rc" -eq 1 ] || rc_fail "default key missing: exit status $rc, not 1 ($err)"
	grep -qF "$d/nokey.conf: " <<<"$err" || rc_fail "default key missing: no file named: $err"
	grep -qF "ringcast-keygen" <<<"$err" || rc_fail "default key missing: no keygen fix: $err"
	grep -qF "crypto_cipher: none" <<<"$err" || rc_fail "default key missing: no off fix: $err"
	[ ! -e "$d/run" ] || rc_fail "default key missing: the runtime directory was created"
	rc_log "default key missing: exit 1, $err"
	cases=$((cases + 1))
fi

# A runtime directory other users can write (they could plant a symlink
# under a name the daemon opens), and a state directory owned by another
# user: refused, naming the directory and the fix; nothing taken there.
mkdir -p "$d/wrun" "$d/ostate"
chmod 0777 "$d/wrun"
chown 65534 "$d/ostate"
for c in "wrun|runtime_dir|writable by its other users" "ostate|state_dir|owned by uid 65534"; do
	IFS='|' read -r dir key want <<<"$c"
	good_config | sed "s|$key: .*|$key: $d/$dir|" >"$d/$dir.conf"
	rc=0
	err=$(ip netns exec "$ns" timeout 20 "$RINGCASTD" -c "$d/$dir.conf" -f -i 1 2>&1 >/dev/null) ||
		rc=$?
	[ "$rc" -eq 1 ] || rc_fail "$key $dir: exit status $rc, not 1 ($err)"
	grep -qF "$d/$dir is $want" <<<"$err" || rc_fail "$key $dir: the reason is not given: $err"
	[ ! -e "$d/wrun/ringcastd.lock" ] || rc_fail "$key $dir: a lock was taken in $d/wrun"
	rc_log "$key $dir: exit 1, $err"
	cases=$((cases + 1))
done

rc_log "$cases bad files rejected before anything started"

# Without -f (in the background), a start that fails after the
# configuration (here: a port on an interface that does not exist) still
# exits 1 with its reason on stderr; it exited 0 with the message lost.
good_config | sed 's/iface=eth0/iface=nosuchif0/' >"$d/noport.conf"
rc=0
err=$(ip netns exec "$ns" timeout 20 "$RINGCASTD" -c "$d/noport.conf" -i 1 2>&1 >/dev/null) || rc=$?
[ "$rc" -eq 1 ] || rc_fail "a port that cannot start, in the background: exit status $rc, not 1 ($err)"
[ -n "$err" ] || rc_fail "a port that cannot start, in the background: nothing on stderr"
rc_log "a port that cannot start, in the background: exit 1, $(tail -n 1 <<<"$err")"
rm -rf "$d/run" "$d/state" "/var/run/dpdk/$prefix"
# and one that starts: exit 0 once it runs, the daemon left running
rc=0
ip netns exec "$ns" timeout 20 "$RINGCASTD" -c "$d/good.conf" -i 1 >/dev/null 2>&1 || rc=$?
[ -s "$d/run/ringcastd.pid" ] && pid=$(cat "$d/run/ringcastd.pid") || pid=
[ -n "$pid" ] && rc_on_exit "kill $pid 2>/dev/null || :"
[ "$rc" -eq 0 ] || rc_fail "a good start in the background: exit status $rc"
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || rc_fail "a good start in the background: no daemon running"
kill "$pid"
t0=$(rc_now_ms)
while kill -0 "$pid" 2>/dev/null; do
	[ $(($(rc_now_ms) - t0)) -lt 10000 ] || rc_fail "the background daemon did not stop on SIGTERM"
	sleep 0.05
done
rc_log "a good start in the background: exit 0, the daemon ran until SIGTERM"

# netmtu above what the port carries is lowered with a warning, and the
# daemon runs: af_packet's ring frames are sized for the lowered value
# (they were sized for 9000, took larger mbufs than the pool's, and the
# port failed with "Cannot allocate memory").
rm -rf "$d/run" "$d/state" "/var/run/dpdk/$prefix"
good_config | sed 's/^\ttoken: 200$/\ttoken: 200\n\tnetmtu: 9000/' >"$d/jumbo.conf"
grep -q "netmtu: 9000" "$d/jumbo.conf" || rc_fail "the netmtu case did not set netmtu"
ip netns exec "$ns" timeout 20 "$RINGCASTD" -c "$d/jumbo.conf" -i 1 -f >"$d/jumbo.err" 2>&1 &
jpid=$!
rc_on_exit "kill $jpid 2>/dev/null || :"
rc_wait_line "$d/jumbo.err" "regular configuration, ring|exiting|Cannot allocate" 15000
grep -q "regular configuration, ring" "$d/jumbo.err" ||
	rc_fail "netmtu 9000 on a 1500-byte port: no ring ($(grep -v '^EAL' "$d/jumbo.err" | tail -n 3))"
grep -q "carries 1500 bytes, less than totem netmtu 9000: using 1500" "$d/jumbo.err" ||
	rc_fail "netmtu 9000 on a 1500-byte port: no warning"
kill "$jpid"
rc=0
wait "$jpid" || rc=$?
[ "$rc" -eq 0 ] || rc_fail "the netmtu 9000 daemon exited $rc on SIGTERM"
rc_log "netmtu 9000 on a 1500-byte port: lowered with a warning, the daemon ran"
