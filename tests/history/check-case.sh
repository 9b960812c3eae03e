#!/usr/bin/env bash
# One case of ringcast-check's own tests: CHECKER DIR. DIR holds hand-made
# histories and 'expect': "ok", "unreadable", or the violation kinds the
# checker must report, all of them and no other. Exit 0 when it does.
set -euo pipefail
checker=$1 dir=$2
want=$(grep -v '^#' "$dir/expect" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
rc=0
out=$("$checker" "$dir" 2>&1) || rc=$?
echo "$out"
summary=$(tail -n 1 <<<"$out")
case $want in
"ok ")
	[ "$rc" -eq 0 ] && [[ $summary == *": no violation" ]] && exit 0 ;;
"unreadable ")
	[ "$rc" -eq 2 ] && exit 0 ;;
*)
	if [ "$rc" -eq 1 ] && [[ $summary =~ violations?\ \((.*)\)$ ]]; then
		got=$(sed 's/ [0-9]*//g; s/,/\n/g' <<<"${BASH_REMATCH[1]}" | sed 's/ //g;/^$/d' |
			sort -u | tr '\n' ' ')
		[ "$got" = "$want" ] && exit 0
		echo "expected violations: $want; reported: $got" >&2
		exit 1
	fi ;;
esac
echo "expected: $want; exit status $rc" >&2
exit 1
