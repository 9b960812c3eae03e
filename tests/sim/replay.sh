#!/bin/sh
# sim-replays-exactly: the same seed must give the same run, byte for byte.
# 1) one faulty run and one churn run (fault schedule included), twice each;
# 2) every replay command that --seeds --list prints, with and without
#    --churn, must reproduce that seed's result line exactly (its summary,
#    or its violation).
# usage: replay.sh path/to/ringcast-sim
# SPDX-License-Identifier: BSD-3-Clause
set -eu
sim=$1
tmp=${TMPDIR:-/tmp}/sim-replay.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

twice() {
	"$sim" "$@" > "$tmp/a" || true
	"$sim" "$@" > "$tmp/b" || true
	if ! cmp -s "$tmp/a" "$tmp/b"; then
		echo "FAIL: two runs of: ringcast-sim $*"
		diff "$tmp/a" "$tmp/b" || true
		exit 1
	fi
	grep -q '^ok \|^FAIL ' "$tmp/a" || {
		echo "FAIL: no result line from: ringcast-sim $*"
		cat "$tmp/a"
		exit 1
	}
	echo "same output twice ($(wc -l < "$tmp/a") lines): ringcast-sim $*"
}

twice --nodes 6 --seed 4242 --messages 400 --size 1:6000 --loss 8% --dup 3% \
      --reorder 8% --pause 0.02 --safe 0.3 --accel 3
twice --nodes 7 --seed 99 --churn --messages 60 --rate 200 --loss 2% \
      --report-reform

# $1: extra --seeds options. Each listed seed's command must give its line.
replays() {
	# shellcheck disable=SC2086 # word splitting is the point
	"$sim" --seeds 1:6 --list $1 > "$tmp/list" || true
	n=$(grep -c '^seed [0-9]*: .* -- replay: ' "$tmp/list" || true)
	if [ "$n" != 6 ]; then
		echo "FAIL: --seeds 1:6 --list $1 did not list 6 seeds:"
		cat "$tmp/list"
		exit 1
	fi
	grep '^seed [0-9]*: .* -- replay: ' "$tmp/list" |
		sed 's/.* -- replay: ringcast-sim //' > "$tmp/cmds"
	grep '^seed [0-9]*: .* -- replay: ' "$tmp/list" |
		sed 's/^seed [0-9]*: //; s/ -- replay: .*//' > "$tmp/want"
	: > "$tmp/got"
	while read -r cmd; do
		# the result line: the summary, or the violation (quotes as a shell would)
		# shellcheck disable=SC2086
		eval "\"\$sim\" $cmd" | grep -m1 '^ok \|^VIOLATION: ' >> "$tmp/got" || true
	done < "$tmp/cmds"
	if ! cmp -s "$tmp/want" "$tmp/got"; then
		echo "FAIL: replay commands differ from their --seeds $1 runs"
		diff "$tmp/want" "$tmp/got" || true
		exit 1
	fi
	echo "6 seeds${1:+ ($1)} replayed from their printed commands, byte for byte"
}

replays ""
replays "--churn"
