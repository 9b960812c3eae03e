# shellcheck shell=bash
# Shared by the cluster tests (sourced, not run). Each test gets its own
# cluster directory and names (tag "rct", bridge rctbr0, namespaces
# rctnodeI), so a developer's scripts/cluster (tag "rc") can stay up
# beside it. A trap takes the cluster down however the test ends; a
# watchdog bounds its time.
#
# The test's exit status is its verdict, so nothing may lose it:
#  - The EXIT trap is rc_cleanup and nothing else: it must read $? before
#    any other command runs. A test that needs its own clean-up registers it
#    with rc_on_exit (never `trap '...; rc_cleanup' EXIT`: the first command
#    in such a trap replaces the status, and a failed test exits 0).
#  - No `|| true` after a check; `|| true` only where a failure is expected
#    and the next line checks what matters.
#  - No pipeline whose reader may stop early (grep -q, head) while the
#    writer is still writing: under pipefail the writer's SIGPIPE or EPIPE
#    fails the pipeline although the check passed. Capture the output
#    first, then match it.
#  - A helper's failure inside $(...) only ends the subshell: assign it on
#    its own line (set -e then stops the test) or add `|| exit 1`; never
#    inside $((...)), [ ... ] or a loop condition, where the status is lost.
#
# Skips (exit 77) when not root, when ringcastd is not built, or when DPDK
# cannot start net_af_packet here.
#
# From meson: RC_SOURCE_ROOT, RC_BUILD_RINGCASTD, RINGCASTCTL, RINGCAST_KEYGEN,
# RC_GARBAGE. scripts/cluster up makes the cluster's key (frames are
# encrypted by default; RC_CLUSTER_CRYPTO=auth|off for the other modes).
# RINGCASTD in the environment wins over the built one. RC_CLUSTER_TAG in
# the environment (1..6 lowercase letters and digits) replaces "rct": two
# checkouts can then run their cluster tests at once, each with its own
# names, directories (/run/ringcast-test-TAG) and DPDK file prefixes.

set -euo pipefail

rc_test=$(basename "$0" .sh)
rc_root=${RC_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cluster="$rc_root/scripts/cluster"

export RINGCASTD=${RINGCASTD:-${RC_BUILD_RINGCASTD:-$rc_root/build/control/ringcastd}}
export RINGCASTCTL=${RINGCASTCTL:-$rc_root/build/tools/ringcastctl}
export RINGCAST_KEYGEN=${RINGCAST_KEYGEN:-$rc_root/build/tools/ringcast-keygen}
export RC_CLUSTER_TAG=${RC_CLUSTER_TAG:-rct}
if [ "$RC_CLUSTER_TAG" = rct ]; then
	rc_run_root=/run/ringcast-test
	export RC_CLUSTER_NAME=t-$rc_test
else
	rc_run_root=/run/ringcast-test-$RC_CLUSTER_TAG
	export RC_CLUSTER_NAME=$RC_CLUSTER_TAG-$rc_test
fi
export RC_CLUSTER_DIR=$rc_run_root/$rc_test

rc_skip() {
	echo "SKIP $rc_test: $*"
	exit 77
}

rc_fail() {
	echo "FAIL $rc_test: $*" >&2
	exit 1
}

rc_log() { echo "$rc_test: $*"; }

rc_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

[ "$(id -u)" -eq 0 ] || rc_skip "needs root (network namespaces)"
[ -x "$RINGCASTD" ] || rc_skip "no ringcastd at $RINGCASTD (not built yet?)"
[ -x "$RINGCASTCTL" ] || rc_fail "no ringcastctl at $RINGCASTCTL"
[ -x "$RINGCAST_KEYGEN" ] || rc_fail "no ringcast-keygen at $RINGCAST_KEYGEN"
for tool in ip nft; do
	command -v "$tool" >/dev/null || rc_skip "needs $tool"
done

rc_watchdog_pid=
rc_exit_hooks=()

# rc_on_exit CMD: run CMD (a string, eval'd) when the test ends, before the
# cluster goes down, however it ends. Its failure fails a test that passed.
rc_on_exit() {
	rc_exit_hooks+=("$1")
}

rc_cleanup() {
	local rc=$? hook
	# Every step below runs whatever the others did: no errexit here, and
	# the status is the one captured above (or worse, never better).
	set +e
	trap - EXIT INT TERM
	[ -n "$rc_watchdog_pid" ] && kill "$rc_watchdog_pid" 2>/dev/null
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -f "$RC_CLUSTER_DIR/cluster.env" ]; then
		echo "--- $rc_test failed (status $rc); the cluster as it was:" >&2
		"$cluster" status >&2 2>&1 || true
		for f in "$RC_CLUSTER_DIR"/node*/; do
			i=${f%/}
			i=${i##*node}
			echo "--- node $i counters: $(rc_ctl "$i" stats 2>/dev/null | grep -E \
				'^(gathers|rings|token_losses|consensus_timeouts|fail_recv|foreign_frames|memb_event_drops|stale_frames|retransmits|token_retransmits|bad_frames|tx_drops|client_kicks) ' |
				tr '\n' ' ')" >&2
		done
		for f in "$RC_CLUSTER_DIR"/node*/ringcastd.log "$RC_CLUSTER_DIR"/node*/daemon.out; do
			[ -s "$f" ] || continue
			echo "--- tail of $f" >&2
			tail -n 20 "$f" >&2
		done
	fi
	for hook in "${rc_exit_hooks[@]}"; do
		if ! eval "$hook"; then
			echo "$rc_test: clean-up step failed: $hook" >&2
			[ "$rc" -ne 0 ] || rc=1
		fi
	done
	# A test that leaves its namespaces behind has not passed.
	# It also fails when a daemon exited unexpectedly (a crash, a
	# self-stop): what it says about that is the test's failure.
	if ! "$cluster" down >/dev/null; then
		echo "FAIL $rc_test: scripts/cluster down failed" >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
	rmdir "$rc_run_root" 2>/dev/null	# only when empty; another test's may remain
	exit "$rc"
}

# rc_begin SECONDS: arm the cleanup trap and the watchdog.
rc_begin() {
	local bound=$1
	# A cluster left by an earlier, killed run of this same test goes first.
	"$cluster" down >/dev/null 2>&1 || true
	trap rc_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# (only the sleep, which outlives the subshell killed at clean-up, is
	# kept off the test's output; the FAIL line must reach the log)
	(
		sleep "$bound" </dev/null >/dev/null 2>&1
		echo "FAIL $rc_test: over its time bound of $bound s" >&2
		kill -TERM $$ 2>/dev/null
	) </dev/null >/dev/null &
	rc_watchdog_pid=$!
}

# rc_up N: a cluster of N nodes; prints up's line. Skips when DPDK cannot
# start net_af_packet here; fails on anything else.
rc_up() {
	local out
	if out=$("$cluster" up "$1" 2>&1); then
		echo "$out"
		return 0
	fi
	if grep -qsE 'EAL init failed|port net_af_packet0 not found|rte_pmd_init_internals' \
		"$RC_CLUSTER_DIR"/node*/daemon.out "$RC_CLUSTER_DIR"/node*/ringcastd.log; then
		echo "$out" >&2
		rc_skip "DPDK could not start net_af_packet here"
	fi
	echo "$out" >&2
	rc_fail "scripts/cluster up $1 failed"
}

# rc_ctl NODE ARGS...: ringcastctl against node NODE.
rc_ctl() {
	local i=$1
	shift
	"$RINGCASTCTL" -s "/var/run/dpdk/rc-$RC_CLUSTER_NAME-$i/dpdk_telemetry.v2" "$@"
}

# rc_stat NODE NAME: one counter from ringcastctl stats.
rc_stat() {
	local v
	v=$(rc_ctl "$1" stats | awk -v k="$2" '$1 == k { print $2 }')
	[ -n "$v" ] || rc_fail "node $1: no '$2' in stats"
	echo "$v"
}

# rc_ring NODE: "REP.SEQ" of the node's ring, from its status line.
rc_ring() {
	rc_ctl "$1" status | sed -n 's/^node [0-9]*: ring \([0-9.]*\) .*/\1/p'
}

# rc_wait NODE K TIMEOUT_MS: wait for a K-member ring; prints nothing.
# (ringcastctl wait-members itself, as scripts/cluster wait-members runs it,
# without a shell's start-up in the measured time.)
rc_wait() {
	rc_ctl "$1" wait-members "$2" "$3" >/dev/null ||
		rc_fail "node $1 did not reach a $2-member ring within $3 ms"
}

# rc_wait_all "NODES" K TIMEOUT_MS: rc_wait on every node listed, at once
# (so each one's time counts from now, not from the previous one's end).
rc_wait_all() {
	local i pids=()
	for i in $1; do
		rc_wait "$i" "$2" "$3" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || exit 1
	done
}

# rc_exit_status NODE PID TIMEOUT_MS: wait for the daemon PID of NODE to
# exit (scripts/cluster records its status in exit.PID); prints the status.
rc_exit_status() {
	local f=$RC_CLUSTER_DIR/node$1/exit.$2 t0
	t0=$(rc_now_ms)
	until [ -s "$f" ]; do
		[ $(($(rc_now_ms) - t0)) -lt "$3" ] ||
			rc_fail "node $1 still running $3 ms after the signal"
		sleep 0.02
	done
	cat "$f"
}

# rc_same_ring "NODES" K: every node listed is operational with K members,
# all in one ring; prints the ring's REP.SEQ.
rc_same_ring() {
	local nodes=$1 k=$2 i st first=""
	for i in $nodes; do
		st=$(rc_ctl "$i" status) || rc_fail "node $i does not answer"
		[[ $st =~ ring\ ([0-9]+\.[0-9]+)\ state\ operational\ members\ $k\  ]] ||
			rc_fail "node $i: expected operational with $k members, got: $st"
		[ -z "$first" ] && first=${BASH_REMATCH[1]}
		[ "${BASH_REMATCH[1]}" = "$first" ] ||
			rc_fail "node $i is in ring ${BASH_REMATCH[1]}, another node in $first"
	done
	echo "$first"
}

# ---- CPG clients (tests/cpg programs, run in a node's namespace) ----------

rc_cpg_bin=${RC_CPG_BIN:-$rc_root/build/tests/cpg}

# rc_client NODE OUTFILE PROGRAM ARGS...: start a client in the background;
# its pid (the program's own: scripts/cluster exec execs it) in rc_client_pid.
rc_client() {
	local i=$1 out=$2
	shift 2
	"$cluster" exec "$i" "$@" >"$out" 2>&1 &
	rc_client_pid=$!
}

# rc_have_ptrace: this shell (and so the clients it starts as root) has
# CAP_SYS_PTRACE in its effective set: `zero_copy: root` trusts them.
rc_have_ptrace() {
	local caps
	caps=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	[ -n "$caps" ] && (((16#$caps >> 19) & 1))
}

# rc_stress_run OUT ARGS...: cpg_stress ARGS --expect-senders 3 --seed I on
# nodes 1, 2 and 3 at once, each one's output in OUT<I>; waits for the
# three and logs each RESULT line. Returns 1 when one failed.
rc_stress_run() {
	local out=$1 i fail=0 pids=()
	shift
	for i in 1 2 3; do
		rc_client "$i" "$out$i" "$rc_cpg_bin/cpg_stress" "$@" --expect-senders 3 --seed "$i"
		pids+=("$rc_client_pid")
	done
	for i in 1 2 3; do
		wait "${pids[$((i - 1))]}" || fail=1
	done
	for i in 1 2 3; do
		rc_log "node $i: $(grep '^RESULT' "$out$i" || tail -n 3 "$out$i")"
	done
	return "$fail"
}

# rc_stress_one_order OUT: the order hash all three of OUT1..3 printed
# (fails unless every one printed one and they are equal; in $(...) the
# caller exits too: hashes=$(rc_stress_one_order OUT) || exit 1).
rc_stress_one_order() {
	local all hashes
	all=$(sed -n 's/^RESULT.* hash=\(0x[0-9a-f]*\).*/\1/p' "$1"[123])
	# one from each of the three (a missing one would not show in sort -u)
	[ "$(grep -c . <<<"$all")" -eq 3 ] || rc_fail "not every receiver printed a hash: $all"
	hashes=$(sort -u <<<"$all")
	[ "$(wc -l <<<"$hashes")" -eq 1 ] && [ -n "$hashes" ] ||
		rc_fail "receivers saw different orders: $hashes"
	echo "$hashes"
}

# rc_wait_line FILE REGEX TIMEOUT_MS: wait for a line matching REGEX.
rc_wait_line() {
	local f=$1 re=$2 limit=$3 t0
	t0=$(rc_now_ms)
	until grep -qE -- "$re" "$f" 2>/dev/null; do
		[ $(($(rc_now_ms) - t0)) -lt "$limit" ] ||
			rc_fail "no line /$re/ in $(basename "$f") within $limit ms; it has:
$(tail -n 5 "$f" 2>/dev/null)"
		sleep 0.02
	done
}

# rc_watch_pid FILE: the pid a cpg_watch printed in its READY line.
rc_watch_pid() {
	local p
	# sed stops at the first READY itself: `sed | head -n 1` under pipefail
	# could fail on sed's SIGPIPE.
	p=$(sed -n '/^READY nodeid=[0-9]* pid=[0-9]*$/{s/.* pid=//p;q}' "$1")
	[ -n "$p" ] || rc_fail "no READY line in $(basename "$1")"
	echo "$p"
}

# rc_wait_stat NODE NAME VALUE TIMEOUT_MS: wait until a counter has VALUE
# (the stats snapshot is published every 100 ms).
rc_wait_stat() {
	local i=$1 k=$2 want=$3 limit=$4 t0 v
	t0=$(rc_now_ms)
	while :; do
		# (in the loop's condition, rc_stat's failure would end the wait
		# as if the value had come)
		v=$(rc_stat "$i" "$k") || exit 1
		[ "$v" != "$want" ] || return 0
		[ $(($(rc_now_ms) - t0)) -lt "$limit" ] ||
			rc_fail "node $i: $k is $v, not $want, after $limit ms"
		sleep 0.05
	done
}

# rc_check_sent SENT LISTEN END: the senders of tests/cpg/cpg_fin_race.c
# ("SENT pid=P ok=N after=T end=E" lines, collected in SENT) each stopped
# with END, and its listener's output LISTEN ("GOT pid=P n=N bad=B") holds
# exactly the N sends each got CS_OK for, in order and intact, and no
# message of any other process. Sets rc_sent_total (CS_OK sends in all)
# and rc_sent_cut (senders with any).
rc_check_sent() {
	local sent=$1 listen=$2 want=$3 pid ok end line n bad gp
	rc_sent_total=0 rc_sent_cut=0
	while read -r _ pid ok _ end; do
		pid=${pid#pid=} ok=${ok#ok=}
		[ "$end" = "end=$want" ] || rc_fail "pid $pid stopped with ${end#end=}, not $want"
		rc_sent_total=$((rc_sent_total + ok))
		[ "$ok" = 0 ] || rc_sent_cut=$((rc_sent_cut + 1))
		line=$(grep "^GOT pid=$pid " "$listen") ||
			{ [ "$ok" = 0 ] && continue; rc_fail "pid $pid: $ok sends returned CS_OK, none arrived"; }
		n=$(sed 's/.* n=\([0-9]*\).*/\1/' <<<"$line")
		bad=$(sed 's/.* bad=\([0-9]*\).*/\1/' <<<"$line")
		[ "$bad" = 0 ] || rc_fail "pid $pid: $bad messages out of order or malformed"
		[ "$n" = "$ok" ] || rc_fail "pid $pid: $ok sends returned CS_OK, $n arrived"
	done <"$sent"
	while read -r _ gp _; do
		grep -q "^SENT $gp " "$sent" || rc_fail "messages from ${gp#pid=}, which no sender sent"
	done < <(grep '^GOT ' "$listen")
}

# rc_cpgbench_start BENCH OUT ARGS...: ringcast-cpgbench (BENCH) with ARGS
# and --nodes 3 on nodes 3, 2, 1 (node 1 --send), in the background, each
# writing OUT-nI.out; their pids in rc_bench_pids, node 3's first.
rc_cpgbench_start() {
	local bench=$1 out=$2 i
	shift 2
	rc_bench_pids=()
	for i in 3 2 1; do
		local args=(--nodes 3 "$@")
		[ "$i" = 1 ] && args+=(--send)
		"$cluster" exec "$i" "$bench" "${args[@]}" >"$out-n$i.out" 2>&1 &
		rc_bench_pids+=($!)
	done
}
