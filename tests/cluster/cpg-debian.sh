#!/usr/bin/env bash
# cpg-debian: programs built against Debian's libcpg-dev (corosync's
# <corosync/cpg.h> and -lcpg, no ringcast header) run unchanged against
# ringcast's libcpg.so.4 through LD_LIBRARY_PATH: a classic CPG program,
# the whole conformance program in its corosync-built form, and a threaded
# program that also links corosync's libcorosync_common.
# shellcheck source=tests/cluster/lib.sh
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"
rc_begin 80

lib=${RC_LIB_DIR:-$rc_root/build/lib}
smoke=$rc_cpg_bin/cpg_debian_smoke
conform=$rc_cpg_bin/cpg_conform_corosync
[ -x "$smoke" ] || rc_skip "no $smoke (libcpg-dev not installed at build time)"
[ -e "$lib/libcpg.so.4" ] || rc_fail "no $lib/libcpg.so.4"
# The loader must pick ringcast's library, not Debian's. (ldd's output is
# captured, then matched: `ldd | grep -q` under pipefail fails now and then
# when grep has its line and exits while ldd is still writing.)
deps=$(LD_LIBRARY_PATH=$lib ldd "$smoke") || rc_fail "ldd $smoke failed: $deps"
[[ $deps == *"libcpg.so.4 => $lib/libcpg.so.4 "* ]] ||
	rc_fail "with LD_LIBRARY_PATH=$lib, $smoke does not load $lib/libcpg.so.4: $deps"
rc_up 3
out=$RC_CLUSTER_DIR/clients
mkdir -p "$out"
"$cluster" exec 1 env LD_LIBRARY_PATH="$lib" "$smoke" >"$out/smoke" 2>&1 ||
	rc_fail "the Debian-built program failed: $(tail -n 5 "$out/smoke")"
rc_log "Debian-built program: $(tail -n 1 "$out/smoke")"
"$cluster" exec 2 env LD_LIBRARY_PATH="$lib" "$conform" >"$out/conform" 2>&1 ||
	rc_fail "Debian-built cpg_conform failed: $(grep '^not ok' "$out/conform" | head -n 5)"
# (an exit status of 0 must come with checks that ran and none that failed)
ok=$(grep -c '^ok' "$out/conform") || rc_fail "Debian-built cpg_conform ran no checks"
! grep -q '^not ok' "$out/conform" ||
	rc_fail "Debian-built cpg_conform exited 0 with failed checks: $(grep '^not ok' "$out/conform")"
rc_log "Debian-built cpg_conform: $ok checks passed"
# A program that also links corosync's libcorosync_common (cs_strerror), one
# handle used by a sender, a blocking dispatcher and a membership/iteration
# thread at once.
threads=$rc_cpg_bin/cpg_threads_corosync
if [ -x "$threads" ]; then
	"$cluster" exec 3 env LD_LIBRARY_PATH="$lib" "$threads" -n 5000 >"$out/threads" 2>&1 ||
		rc_fail "Debian-built cpg_threads (with libcorosync_common) failed: $(tail -n 3 "$out/threads")"
	rc_log "Debian-built cpg_threads with libcorosync_common: $(tail -n 1 "$out/threads")"
else
	rc_log "no $threads (libcorosync-common-dev not installed at build time): not run"
fi
