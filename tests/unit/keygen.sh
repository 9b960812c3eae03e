#!/bin/sh
# ringcast-keygen: writes a key of the asked size, mode 0400, different each
# time; refuses to overwrite without --force; replaces with it; refuses bad
# sizes. Argument: the ringcast-keygen binary.
# SPDX-License-Identifier: BSD-3-Clause
set -eu
kg=$1
d=$(mktemp -d /tmp/rc-keygen-XXXXXX)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$kg" -k "$d/k1" >/dev/null
[ "$(stat -c %s "$d/k1")" = 32 ] || fail "default size is not 32"
[ "$(stat -c %a "$d/k1")" = 400 ] || fail "mode is $(stat -c %a "$d/k1"), not 400"
"$kg" -k "$d/k2" -s 256 >/dev/null
[ "$(stat -c %s "$d/k2")" = 256 ] || fail "-s 256 ignored"
cmp -s "$d/k1" "$d/k2" && fail "two keys alike"
cp "$d/k1" "$d/k1.before"
if "$kg" -k "$d/k1" 2>"$d/err"; then fail "overwrote without --force"; fi
grep -q "exists" "$d/err" || fail "no reason given: $(cat "$d/err")"
cmp -s "$d/k1" "$d/k1.before" || fail "the refused run changed the key"
"$kg" -k "$d/k1" --force >/dev/null
cmp -s "$d/k1" "$d/k1.before" && fail "--force did not replace the key"
[ "$(stat -c %a "$d/k1")" = 400 ] || fail "mode after --force is $(stat -c %a "$d/k1")"
ls -A "$d" | grep -q '^\.' && fail "a temporary file was left: $(ls -A "$d")"
for s in 31 4097 x; do
	if "$kg" -k "$d/k3" -s "$s" 2>/dev/null; then fail "size $s accepted"; fi
done
[ ! -e "$d/k3" ] || fail "a refused size wrote a key"
echo "ringcast-keygen: ok"
