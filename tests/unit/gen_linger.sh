#!/usr/bin/env bash
# ringcast-gen keeps dispatching after its run: a message the daemon
# delivers after the last RESULT (here the fake daemon repeats the last
# message it echoed once it has been quiet 30 ms, a late duplicate) fails
# the run; the same run against an honest fake passes.
#   gen_linger.sh FAKE_RINGCASTD RINGCAST_GEN
# SPDX-License-Identifier: BSD-3-Clause
set -uo pipefail

fake=$1 gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# run_gen NAME [fake options]: ringcast-gen against a fresh fake; sets rc,
# leaves its stderr in $tmp/NAME.err and the fake's count in $tmp/NAME.fake
run_gen() {
	local name=$1 sock pid out in
	shift
	coproc FAKE { exec "$fake" "$@"; }
	# bash forgets these when the coproc ends
	pid=$FAKE_PID out=${FAKE[0]} in=${FAKE[1]}
	exec {out}<&"${FAKE[0]}" {in}>&"${FAKE[1]}"
	if ! read -r -t 10 sock <&"$out"; then
		echo "FAIL: $name: the fake daemon did not start"
		fails=$((fails + 1))
		return
	fi
	RINGCAST_SOCKET=$sock timeout 30 "$gen" flood -n 1 -s 64 -w 0 -d 0.3 \
		-g "linger-$name" --no-progress >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	exec {in}>&- {FAKE[1]}>&-
	cat <&"$out" >"$tmp/$name.fake"
	exec {out}<&-
	wait "$pid" 2>/dev/null
}

run_gen honest
if [ "$rc" -ne 0 ]; then
	echo "FAIL: against an honest fake ringcast-gen exited $rc"
	cat "$tmp/honest.err"
	fails=$((fails + 1))
fi

run_gen late --echo-late-ms 30
if ! grep -q "late-echoed [1-9]" "$tmp/late.fake"; then
	echo "FAIL: no late duplicate was sent (did ringcast-gen leave at once?): $(cat "$tmp/late.fake")"
	fails=$((fails + 1))
elif [ "$rc" -ne 1 ] || ! grep -q "delivered after the run ended" "$tmp/late.err"; then
	echo "FAIL: a late duplicate went unseen (exit $rc)"
	cat "$tmp/late.err"
	fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] && echo "ok: a message after the run fails it"
exit "$fails"
