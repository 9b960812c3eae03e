#!/bin/sh
# sim-replays-exactly: the same seed must give the same run, byte for byte.
# 1) one faulty run, twice; 2) every replay command --seeds --list prints
# must reproduce that seed's summary line exactly.
# usage: replay.sh path/to/ringcast-sim
set -eu
sim=$1
tmp=${TMPDIR:-/tmp}/sim-replay.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

args="--nodes 6 --seed 4242 --messages 400 --size 1:6000 --loss 8% --dup 3%
      --reorder 8% --pause 0.02 --safe 0.3 --accel 3"
"$sim" $args > "$tmp/a"
"$sim" $args > "$tmp/b"
if ! cmp -s "$tmp/a" "$tmp/b"; then
	echo "FAIL: two runs of: ringcast-sim $args"
	diff "$tmp/a" "$tmp/b" || true
	exit 1
fi
echo "same output twice: $(cat "$tmp/a")"

"$sim" --seeds 1:6 --list > "$tmp/list"
grep -c '^seed [0-9]*: ok .* -- replay: ' "$tmp/list" | grep -qx 6 || {
	echo "FAIL: --seeds 1:6 --list did not list 6 passing seeds:"
	cat "$tmp/list"
	exit 1
}
grep '^seed ' "$tmp/list" | sed 's/.* -- replay: ringcast-sim //' > "$tmp/cmds"
grep '^seed ' "$tmp/list" | sed 's/^seed [0-9]*: //; s/ -- replay: .*//' > "$tmp/want"
: > "$tmp/got"
while read -r cmd; do
	# shellcheck disable=SC2086 # word splitting is the point
	"$sim" $cmd >> "$tmp/got"
done < "$tmp/cmds"
if ! cmp -s "$tmp/want" "$tmp/got"; then
	echo "FAIL: replay commands differ from their --seeds runs"
	diff "$tmp/want" "$tmp/got" || true
	exit 1
fi
echo "6 seeds replayed from their printed commands, byte for byte"
