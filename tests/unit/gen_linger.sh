#!/usr/bin/env bash
# ringcast-gen and cpg_stress keep dispatching after their run: a message
# the daemon delivers after the last RESULT, or after every sender's last
# message (here the fake daemon repeats the last message it echoed once it
# has been quiet 30 ms, a late duplicate) fails the run; the same runs
# against an honest fake pass.
#   gen_linger.sh FAKE_RINGCASTD RINGCAST_GEN CPG_STRESS
# SPDX-License-Identifier: BSD-3-Clause
set -uo pipefail

fake=$1 gen=$2 stress=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# run_prog PROG NAME [fake options]: ringcast-gen or cpg_stress against a
# fresh fake; sets rc, leaves its stderr in $tmp/NAME.err and the fake's
# count in $tmp/NAME.fake
run_prog() {
	local prog=$1 name=$2 sock pid out in
	shift 2
	rc=99
	coproc FAKE { exec "$fake" "$@"; }
	# bash forgets these when the coproc ends
	pid=$FAKE_PID out=${FAKE[0]} in=${FAKE[1]}
	exec {out}<&"${FAKE[0]}" {in}>&"${FAKE[1]}"
	if ! read -r -t 10 sock <&"$out"; then
		echo "FAIL: $name: the fake daemon did not start"
		kill "$pid" 2>/dev/null
		: >"$tmp/$name.fake"
		return
	fi
	if [ "$prog" = gen ]; then
		RINGCAST_SOCKET=$sock timeout 30 "$gen" flood -n 1 -s 64 -w 0 -d 0.3 \
			-g "linger-$name" --no-progress >"$tmp/$name.out" 2>"$tmp/$name.err"
	else
		RINGCAST_SOCKET=$sock timeout 30 "$stress" --count 2000 --max-size 512 \
			--group "linger-$name" --timeout 20 >"$tmp/$name.out" 2>"$tmp/$name.err"
	fi
	rc=$?
	exec {in}>&- {FAKE[1]}>&-
	cat <&"$out" >"$tmp/$name.fake"
	exec {out}<&-
	wait "$pid" 2>/dev/null
}

for prog in gen stress; do
	run_prog $prog $prog-honest
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: against an honest fake $prog exited $rc"
		cat "$tmp/$prog-honest.err"
		fails=$((fails + 1))
	fi
	run_prog $prog $prog-late --echo-late-ms 30
	if ! grep -q "late-echoed [1-9]" "$tmp/$prog-late.fake"; then
		echo "FAIL: $prog: no late duplicate was sent (did it leave at once?):" \
			"$(cat "$tmp/$prog-late.fake")"
		fails=$((fails + 1))
	elif [ "$rc" -ne 1 ] || ! grep -Eq "$([ $prog = gen ] && echo "delivered after the run ended" ||
		echo "duplicate or reorder")" "$tmp/$prog-late.err" "$tmp/$prog-late.out"; then
		echo "FAIL: $prog: a late duplicate went unseen (exit $rc)"
		cat "$tmp/$prog-late.err"
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ] && echo "ok: a message after the run fails it (ringcast-gen, cpg_stress)"
exit "$fails"
