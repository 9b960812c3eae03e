#!/usr/bin/env bash
# cpg-access: who may attach. The daemon checks SO_PEERCRED against
# ringcast { allow_uid allow_gid } (root always): a client of another user
# gets CS_ERR_ACCESS and the daemon logs the refusal; a member of an allowed
# group attaches and joins.
#
# The refusal is tried many times, because it races: the client's hello
# arrives before or after the daemon's answer and close. A daemon that
# closes with the hello unread resets the connection, and a client whose
# first read then fails saw a reset, not CS_ERR_ACCESS. So each attempt is
# made twice: with cpg_hostile's raw client (one read, no retry: the
# daemon's side alone) and with libcpg (cpg_initialize's answer).
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 60

W=$rc_cpg_bin/cpg_watch
H=$rc_cpg_bin/cpg_hostile
lib=${RC_LIB_DIR:-$rc_root/build/lib}
attempts=${RC_ACCESS_ATTEMPTS:-20}
for p in "$W" "$H"; do
	[ -x "$p" ] || rc_fail "no $p"
done
command -v setpriv >/dev/null || rc_skip "needs setpriv (util-linux)"
export RC_CLUSTER_RINGCAST="allow_gid: 4242"
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"

# The build tree may not be readable by other users: run a copy.
bin=$(mktemp -d /tmp/rc-access.XXXXXX)
# shellcheck disable=SC2016 # expanded when it runs, at exit
rc_on_exit 'rm -rf "$bin"'
cp "$W" "$H" "$bin"/
cp -L "$lib/libcpg.so.4" "$bin"/
chmod -R a+rX "$bin"
as_user() {	# as_user GID CMD...: uid 65534 (nobody), that group only
	local gid=$1
	shift
	"$cluster" exec 1 env LD_LIBRARY_PATH="$bin" setpriv --reuid=65534 --regid="$gid" \
		--clear-groups "$@"
}

for n in $(seq "$attempts"); do
	# The daemon's side: the first read is the welcome with CS_ERR_ACCESS
	# (status 11), never a reset.
	as_user 65534 "$bin/cpg_hostile" refused access 5 >"$out/raw$n" 2>&1 ||
		rc_fail "attempt $n: the raw refused client did not read the refusal: $(cat "$out/raw$n")"
	grep -q '^WELCOME status=11 ' "$out/raw$n" ||
		rc_fail "attempt $n: the refusal is not CS_ERR_ACCESS: $(cat "$out/raw$n")"
	# libcpg's side: cpg_initialize returns CS_ERR_ACCESS.
	if as_user 65534 "$bin/cpg_watch" -g access -t 1 >"$out/refused$n" 2>&1; then
		rc_fail "attempt $n: uid 65534 gid 65534 was let in: $(cat "$out/refused$n")"
	fi
	grep -q 'CS_ERR_ACCESS' "$out/refused$n" ||
		rc_fail "attempt $n: the refused client did not get CS_ERR_ACCESS: $(cat "$out/refused$n")"
done
grep -q 'uid 65534 gid 65534 refused' "$RC_CLUSTER_DIR/node1/ringcastd.log" ||
	rc_fail "the daemon did not log the refusal"
rc_log "uid 65534 gid 65534, $attempts times each: $(tr '\n' ' ' <"$out/raw1")/" \
	"$(tr '\n' ' ' <"$out/refused1")"

as_user 4242 "$bin/cpg_watch" -g access -t 1 >"$out/allowed" 2>&1 ||
	rc_fail "gid 4242 (allow_gid) was refused: $(cat "$out/allowed")"
grep -q '^CONFCHG group=access .*joined=1:[0-9]*:JOIN' "$out/allowed" ||
	rc_fail "the allowed client did not join: $(cat "$out/allowed")"
rc_log "uid 65534 gid 4242 (allow_gid): attached and joined"
