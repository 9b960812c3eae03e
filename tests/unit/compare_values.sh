#!/bin/sh
# Diffs cpg_values_dump built against ringcast's include/corosync ($1) with the
# same program built against corosync's installed headers ($2). Any difference
# fails. Without $2 (no corosync headers on this host) the test is skipped (77).
# SPDX-License-Identifier: BSD-3-Clause
set -u

ours=${1:?usage: compare_values.sh OURS_DUMP [COROSYNC_DUMP]}
theirs=${2:-}

if [ -z "$theirs" ]; then
	echo "corosync's cpg.h is not installed: nothing to compare against"
	exit 77
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$ours" >"$tmp/ours" || { echo "FAIL: $ours exited $?"; exit 1; }
"$theirs" >"$tmp/corosync" || { echo "FAIL: $theirs exited $?"; exit 1; }

# Guard against comparing two empty or truncated dumps.
n=$(wc -l <"$tmp/corosync")
if [ "$n" -lt 100 ]; then
	echo "FAIL: corosync dump has only $n lines"
	exit 1
fi

if ! diff -u "$tmp/corosync" "$tmp/ours"; then
	echo "FAIL: ringcast's headers differ from corosync's (- corosync, + ringcast)"
	exit 1
fi
echo "ok: $n values match corosync"
exit 0
