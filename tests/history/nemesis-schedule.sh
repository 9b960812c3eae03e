#!/usr/bin/env bash
# scripts/nemesis --dry-run: the same seed gives the same fault schedule,
# another seed another one, and --faults keeps out the kinds it does not
# name. No root, no cluster.
set -euo pipefail
nemesis=$1
a=$("$nemesis" --dry-run --seed 42 --duration 120 --nodes 5)
b=$("$nemesis" --dry-run --seed 42 --duration 120 --nodes 5)
c=$("$nemesis" --dry-run --seed 43 --duration 120 --nodes 5)
echo "$a"
[ "$(grep -c '^fault: ' <<<"$a")" -ge 20 ] || { echo "too few faults in 120 s" >&2; exit 1; }
[ "$a" = "$b" ] || { echo "seed 42 gave two schedules" >&2; exit 1; }
[ "$a" != "$c" ] || { echo "seeds 42 and 43 gave one schedule" >&2; exit 1; }
for k in kill term pause partition loss link ckill cterm; do
	grep -q "^fault: .* $k " <<<"$a" || { echo "no '$k' in 120 s of all kinds" >&2; exit 1; }
done
d=$("$nemesis" --dry-run --seed 42 --duration 120 --nodes 5 --faults kill,loss)
if grep -vqE '^fault: [0-9.]+s #[0-9]+ (kill|loss) ' <<<"$d"; then
	echo "--faults kill,loss let another kind through" >&2
	exit 1
fi
if "$nemesis" --dry-run --faults kill,bogus >/dev/null 2>&1; then
	echo "an unknown kind was accepted" >&2
	exit 1
fi
