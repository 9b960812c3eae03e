#!/bin/sh
# Test 'docs-man': every man page in docs/man formats with `groff -man -ww`
# without a warning, every .so alias points at a page that exists, every
# function of include/corosync/cpg.h has a page that names it and says where
# ringcast differs from corosync, every key config.c knows is in
# ringcast.conf(5), every page is installed, every cross-reference resolves.
# Usage: check_man.sh MANDIR CPG_H CONFIG_C
# SPDX-License-Identifier: BSD-3-Clause
set -u
mandir=$1 cpg_h=$2 config_c=$3
fail=0
bad() { echo "check_man: $*" >&2; fail=1; }

if ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: groff is not installed (apt-get install groff, or scripts/setup)"
	exit 77
fi

# The page a .so alias points at, or the page itself.
resolve() {
	first=$(head -n 1 "$1")
	case "$first" in
	".so "*) echo "$mandir/$(basename "${first#.so }")" ;;
	*) echo "$1" ;;
	esac
}

pages=0
for p in "$mandir"/*.[1-8]; do
	pages=$((pages + 1))
	name=$(basename "$p")
	first=$(head -n 1 "$p")
	case "$first" in
	".so "*)
		target=${first#.so }
		[ "$(wc -l <"$p")" -eq 1 ] || bad "$name: an alias is one .so line"
		sec=${name##*.}
		[ "$target" = "man$sec/$(basename "$target")" ] ||
			bad "$name: .so $target is not man$sec/PAGE.$sec"
		[ -f "$mandir/$(basename "$target")" ] || bad "$name: .so target $target missing"
		;;
	*)
		out=$(LC_ALL=C groff -man -ww -z "$p" 2>&1)
		[ -z "$out" ] || bad "$name: groff warns: $out"
		;;
	esac
	grep -q "'$name'" "$mandir/meson.build" || bad "$name: not installed by $mandir/meson.build"
	# every reference to a ringcast or cpg page resolves
	for ref in $(sed -n 's/^\.BR \(cpg_[a-z_]*\|ringcast[a-z.\\-]*\) (\([1-8]\)).*/\1.\2/p' "$p" |
		     sed 's/\\-/-/g'); do
		[ -f "$mandir/$ref" ] || bad "$name: refers to $ref, which does not exist"
	done
done
[ "$pages" -gt 0 ] || bad "no pages in $mandir"

fns=$(sed -n 's/^cs_error_t \(cpg_[a-z_]*\)($/\1/p' "$cpg_h")
[ "$(echo "$fns" | wc -w)" -ge 20 ] || bad "found only $(echo "$fns" | wc -w) functions in $cpg_h"
for fn in $fns; do
	p="$mandir/$fn.3"
	if [ ! -f "$p" ]; then
		bad "$fn: no page $fn.3"
		continue
	fi
	real=$(resolve "$p")
	[ -f "$real" ] || continue
	sed -n '/^\.SH NAME/,/^\.SH/p' "$real" | grep -q "\\b$fn\\b" ||
		bad "$fn: $(basename "$real") does not name it in NAME"
	grep -q '^\.SH DIFFERENCES FROM COROSYNC' "$real" ||
		bad "$fn: $(basename "$real") has no DIFFERENCES FROM COROSYNC section"
	grep -q "$fn (3)" "$mandir/cpg_overview.3" || bad "$fn: not listed in cpg_overview.3"
done

keys=$(sed -n 's/^[[:space:]]*{ "\([a-z0-9_]*\)", K_.*/\1/p' "$config_c")
[ "$(echo "$keys" | wc -w)" -ge 30 ] || bad "found only $(echo "$keys" | wc -w) keys in $config_c"
for k in $keys; do
	grep -q "\\\\fB$k\\\\fR" "$mandir/ringcast.conf.5" || bad "key $k missing from ringcast.conf.5"
done

[ "$fail" -eq 0 ] && echo "check_man: $pages pages, $(echo "$fns" | wc -w) functions, $(echo "$keys" | wc -w) keys: ok"
exit $fail
