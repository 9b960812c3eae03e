# shellcheck shell=bash disable=SC2154 # the caller sets the variables below
# scripts/lib/netns.sh: the network and bookkeeping half of a cluster on one
# machine, shared by scripts/cluster (ringcastd) and scripts/corosync-cluster
# (corosync). Sourced, never run; it only defines functions.
#
# The network: one bridge TAGbr0 and, per node I, a network namespace
# TAGnodeI whose eth0 is the peer of a veth TAGvI, a port of the bridge. All
# of them at one MTU, the bridge without STP (ports forward at once), IPv6
# off on every link (no router solicitations or MLD on the segment).
#
# The cluster directory $dir: cluster.env (NAME=VALUE lines, sourced back;
# its presence says the directory is ours) and made, what was made, one
# "KIND NAME" a line in the order made, which teardown undoes newest first.
# Kinds: link (ip link del), netns (ip netns del), nft (a table of family
# bridge), mount (umount); any other kind goes to the caller's hook. Tests
# append their own link and netns lines to made (tests/cluster/attacker.sh),
# so its format is an interface.
#
# The caller sets, before calling:
#   prog        its name for messages ("scripts/cluster")
#   env_prefix  its variables' prefix ("RC_CLUSTER"): messages name
#               ${env_prefix}_TAG, _MTU and _DIR
#   what        what it runs, for messages ("cluster", "corosync cluster")
#   dir         the cluster directory
#   tag         the name tag (check_tag validates it and sets bridge)
#   mtu         the links' MTU (check_mtu validates it)
#   max_nodes   the largest N (check_count)
#   nodes       N, once known (dir_start or the sourced cluster.env set it)
#
# Provides:
#   say TEXT…, die TEXT… (to stderr as "$prog: TEXT", exit 1), usage (the
#   running script's header comment), now_ms, need_root (exit 2 if not root)
#   check_tag, check_mtu, check_count N, check_node I
#   ns_of I, veth_of I, exists_netns NAME, exists_link NAME
#   dir_check_free, dir_start N NAME=VALUE…, env_load, made KIND NAME,
#   made_once KIND NAME, made_undo [HOOK], dir_remove
#   net_check_free N, net_make N [HOOK]
# SPDX-License-Identifier: BSD-3-Clause

say() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

# The header comment of the script being run (not of this file), from line 2
# to the first `set -` line, without the SPDX line.
usage() {
	sed -n '2,/^set -/{/^set -/d;/SPDX-License-Identifier/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[-1]}"
}

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		printf '%s: must run as root (it creates network namespaces, veths and a bridge)\n' \
			"$prog" >&2
		exit 2
	fi
}

# ---- names and numbers --------------------------------------------------------

# The tag makes every name: at most 6 characters, so TAGnodeI and TAGvI stay
# within a link name's 15.
check_tag() {
	[[ $tag =~ ^[a-z][a-z0-9]{0,5}$ ]] ||
		die "${env_prefix}_TAG must be 1..6 lowercase letters and digits, starting with a letter"
	bridge=${tag}br0
}

check_mtu() {
	if ! { [[ $mtu =~ ^[0-9]+$ ]] && [ "$mtu" -ge 1500 ] && [ "$mtu" -le 9000 ]; }; then
		die "${env_prefix}_MTU must be 1500..9000"
	fi
}

check_count() {
	if ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt "$max_nodes" ]; then
		die "N must be 1..$max_nodes, not '$1'"
	fi
}

check_node() {
	if ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt "$nodes" ]; then
		die "no node '$1' (nodes are 1..$nodes)"
	fi
}

ns_of() { echo "${tag}node$1"; }
veth_of() { echo "${tag}v$1"; }

exists_netns() { [ -e "/var/run/netns/$1" ]; }
exists_link() { ip link show dev "$1" >/dev/null 2>&1; }

# ---- the cluster directory ------------------------------------------------------

dir_check_free() {
	if [ -f "$dir/cluster.env" ]; then
		die "a $what is already up in $dir ($prog down first)"
	fi
}

# dir_start N NAME=VALUE…: the directory, its cluster.env (nodes=N, then the
# pairs in order) and an empty record; sets nodes.
dir_start() {
	local n=$1
	shift
	mkdir -p "$dir"
	{
		printf 'nodes=%d\n' "$n"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$dir/cluster.env"
	: >"$dir/made"
	nodes=$n
}

# The variables of the cluster recorded in $dir (the caller then checks
# them: they name what teardown removes).
env_load() {
	[ -f "$dir/cluster.env" ] || die "no cluster in $dir ($prog up N first)"
	# shellcheck disable=SC1091
	. "$dir/cluster.env"
}

made() { echo "$1 $2" >>"$dir/made"; }

# made_once KIND NAME: recorded unless it already is (a node restarted).
made_once() {
	grep -qxF -- "$1 $2" "$dir/made" 2>/dev/null || made "$1" "$2"
}

# made_undo [HOOK]: undo the record, newest first; HOOK KIND NAME is called
# for a kind not listed above. Each step is best effort: what is already
# gone is no error.
made_undo() {
	local hook=${1:-} kind name
	[ -f "$dir/made" ] || return 0
	tac "$dir/made" | while read -r kind name; do
		case $kind in
		nft)
			nft delete table bridge "$name" 2>/dev/null || true ;;
		mount)
			umount "$name" 2>/dev/null || umount -l "$name" 2>/dev/null || true ;;
		link)
			ip link del "$name" 2>/dev/null || true ;;
		netns)
			ip netns del "$name" 2>/dev/null || true ;;
		*)
			[ -z "$hook" ] || "$hook" "$kind" "$name" ;;
		esac
	done
}

# The directory itself, unless it is one no cluster may own.
dir_remove() {
	case $dir in
	/ | /run | /var/run | /tmp | /var/tmp | /var/lib | /etc | "") die "refusing to remove $dir" ;;
	esac
	rm -rf -- "$dir"
}

# ---- the network ------------------------------------------------------------------

# net_check_free N: before anything is made, none of the names may exist
# (they would be another cluster's, which only its own directory may remove).
net_check_free() {
	local n=$1 i busy=()

	exists_link "$bridge" && busy+=("bridge $bridge")
	for i in $(seq 1 "$n"); do
		exists_netns "$(ns_of "$i")" && busy+=("namespace $(ns_of "$i")")
		exists_link "$(veth_of "$i")" && busy+=("link $(veth_of "$i")")
	done
	if [ ${#busy[@]} -gt 0 ]; then
		die "already there: ${busy[*]}; another $what is up (its ${env_prefix}_DIR has to take it down)"
	fi
}

# net_make N [HOOK]: the bridge, then each node's namespace and veth, each
# recorded as soon as it exists. HOOK I NS runs for each node once its links
# are set up, before its eth0 goes up (corosync-cluster gives it an address).
net_make() {
	local n=$1 hook=${2:-} i ns veth

	ip link add "$bridge" type bridge
	made link "$bridge"
	ip link set "$bridge" mtu "$mtu"
	# Forward at once: no STP listening/learning delay on new ports.
	ip link set "$bridge" type bridge stp_state 0 forward_delay 0 2>/dev/null || true
	sysctl -qw "net.ipv6.conf.$bridge.disable_ipv6=1" 2>/dev/null || true
	ip link set "$bridge" up
	for i in $(seq 1 "$n"); do
		ns=$(ns_of "$i")
		veth=$(veth_of "$i")
		ip netns add "$ns"
		made netns "$ns"
		ip link add "$veth" type veth peer name eth0 netns "$ns"
		made link "$veth"
		ip link set "$veth" mtu "$mtu"
		ip -n "$ns" link set eth0 mtu "$mtu"
		ip link set "$veth" master "$bridge"
		# No IPv6 chatter (router solicitations, MLD) on the segment:
		# the nodes see only their own frames.
		sysctl -qw "net.ipv6.conf.$veth.disable_ipv6=1" 2>/dev/null || true
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 \
			2>/dev/null || true
		ip link set "$veth" up
		ip -n "$ns" link set lo up
		[ -z "$hook" ] || "$hook" "$i" "$ns"
		ip -n "$ns" link set eth0 up
	done
}
