#!/bin/sh
# Runs fuzz_wire for the fuzz suite, from a fresh seed corpus made by
# gen_corpus in a temporary directory (the source tree is never written).
#   run_fuzz.sh fuzz GEN FUZZER SECONDS ARTIFACT_DIR
#       libFuzzer for SECONDS, -seed=1; a crash input is kept in ARTIFACT_DIR
#   run_fuzz.sh replay GEN REPLAYER
#       each seed once through the same target, built without libFuzzer
# SPDX-License-Identifier: BSD-3-Clause
set -u

mode=${1:?usage: run_fuzz.sh fuzz|replay GEN PROGRAM [SECONDS ARTIFACT_DIR]}
gen=${2:?}
prog=${3:?}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/seed" "$tmp/corpus" || exit 1
"$gen" "$tmp/seed" || exit 1

case $mode in
fuzz)
	secs=${4:?}
	art=${5:?}
	mkdir -p "$art" || exit 1
	# new inputs go to $tmp/corpus; the seeds are only read
	# -error_exitcode: libFuzzer's default, 77, would read as "skipped"
	"$prog" -max_total_time="$secs" -seed=1 -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
		-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
		-artifact_prefix="$art/" "$tmp/corpus" "$tmp/seed"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "fuzz_wire failed; reproduce with: fuzz_wire_replay $art/<crash file>" >&2
		exit 1
	fi
	;;
replay)
	"$prog" "$tmp"/seed/*
	;;
*)
	echo "run_fuzz.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
