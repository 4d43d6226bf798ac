#!/bin/bash
# Network-namespace topologies for the xdpsec demo and the dataplane tests.
#
#   topo.sh create gw2gw|h2h|nat [--prefix P]   build one, print KEY=value lines
#   topo.sh delete gw2gw|h2h|nat --prefix P     remove it (idempotent)
#
# gw2gw, gateway to gateway:
#
#   lanA [la]--[gal] gwA [gaw]------WAN------[gbw] gwB [gbl]--[lb] lanB
#   10.1.0.2     10.1.0.1   192.0.2.1     192.0.2.2   10.2.0.1     10.2.0.2
#   fd00:1::2    fd00:1::1  2001:db8::1 2001:db8::2   fd00:2::1    fd00:2::2
#
# h2h, host to host:
#
#   hostA [ha]---------[hb] hostB
#   192.0.2.1     192.0.2.2
#   2001:db8::1   2001:db8::2
#
# nat, gwA behind a masquerading NAT (nftables, IPv4 and IPv6):
#
#   lanA [la]--[gal] gwA [gaw]----[ni] nat [no]----[gbw] gwB [gbl]--[lb] lanB
#                   100.64.0.1  100.64.0.254  198.51.100.1  198.51.100.2
#                   fd00:64::1  fd00:64::fe 2001:db8:100::1 2001:db8:100::2
#   (LAN addresses as in gw2gw; traffic leaving nat by [no] gets the source
#    198.51.100.1 / 2001:db8:100::1; nat forwards new flows only from the inside)
#
# Namespaces are named P-<node> (P-lanA, P-gwA, ...) and interfaces P<tag>, the tag
# in brackets above, so parallel runs with distinct prefixes never collide. Veths are
# created directly inside their namespaces; nothing is added to the caller's. Every
# namespace has IPv6 DAD and router solicitation off, so addresses work at once.
# Gateways forward; LAN hosts route by default through their gateway; in gw2gw each
# gateway routes the remote LAN through its peer, so plaintext works before IPsec.
#
# create prints PREFIX, TOPO, NS_<NODE> and, per interface, <KEY>_IF, <KEY>_IP4 and
# <KEY>_IP6 (prefix lengths /24 and /64), e.g. GWA_WAN_IF=xs123gaw, GWA_WAN_IP4=192.0.2.1.
# A create that fails halfway deletes the namespaces it made and nothing else.
# delete ends the processes still running in the namespaces, then removes them.
set -eu

PREFIX_MAX=12		# 12 + a 3-character tag fits IFNAMSIZ - 1 = 15
LINK_WAIT_TRIES=500	# polls of 20 ms each

usage() {
	echo "usage: $0 create|delete gw2gw|h2h|nat [--prefix P]" >&2
	exit 2
}

die() {
	echo "topo: $*" >&2
	exit 1
}

nodes_of() {
	case $1 in
	gw2gw) echo "lanA gwA gwB lanB" ;;
	h2h) echo "hostA hostB" ;;
	nat) echo "lanA gwA nat gwB lanB" ;;
	*) usage ;;
	esac
}

ns_of() {
	echo "$PREFIX-$1"
}

ns_exists() {
	ip netns list | awk '{ print $1 }' | grep -qxF -- "$1"
}

emit() {
	OUT="$OUT$1=$2
"
}

upper() {
	echo "$1" | tr '[:lower:]' '[:upper:]'
}

# Ends every process left in the namespace (TERM, then KILL), then removes it.
del_ns() {
	local ns=$1 pids tries sig
	ns_exists "$ns" || return 0
	for sig in TERM KILL; do
		pids=$(ip netns pids "$ns")
		[ -z "$pids" ] && break
		# shellcheck disable=SC2086
		kill -s "$sig" $pids 2>/dev/null || true
		tries=100
		while [ -n "$(ip netns pids "$ns")" ] && [ $tries -gt 0 ]; do
			sleep 0.02
			tries=$((tries - 1))
		done
	done
	ip netns del "$ns"
}

add_ns() {
	local node=$1 ns
	ns=$(ns_of "$node")
	ip netns add "$ns"
	CREATED="$CREATED $ns"
	ip netns exec "$ns" sysctl -q -w \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.router_solicitations=0 >/dev/null
	ip -n "$ns" link set lo up
	emit "NS_$(upper "$node")" "$ns"
}

forwarding_on() {
	ip netns exec "$(ns_of "$1")" sysctl -q -w \
		net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
}

# veth NODE_A TAG_A NODE_B TAG_B: one veth pair, each end in its node's namespace.
veth() {
	ip link add "$PREFIX$2" netns "$(ns_of "$1")" type veth \
		peer name "$PREFIX$4" netns "$(ns_of "$3")"
	LINKS="$LINKS $(ns_of "$1"):$PREFIX$2 $(ns_of "$3"):$PREFIX$4"
}

# addr NODE TAG KEY IPV4 IPV6
addr() {
	local ns dev
	ns=$(ns_of "$1")
	dev=$PREFIX$2
	ip -n "$ns" addr add "$4/24" dev "$dev"
	ip -n "$ns" -6 addr add "$5/64" dev "$dev" nodad
	ip -n "$ns" link set "$dev" up
	emit "$3_IF" "$dev"
	emit "$3_IP4" "$4"
	emit "$3_IP6" "$5"
}

# route NODE DEST4 VIA4 DEST6 VIA6
route() {
	local ns
	ns=$(ns_of "$1")
	ip -n "$ns" route add "$2" via "$3"
	ip -n "$ns" -6 route add "$4" via "$5"
}

link_ready() {
	local ns=${1%%:*} dev=${1#*:}
	ip -n "$ns" link show dev "$dev" | grep -q 'LOWER_UP' &&
		[ -z "$(ip -n "$ns" -6 addr show dev "$dev" tentative)" ]
}

wait_links() {
	local l tries
	for l in $LINKS; do
		tries=$LINK_WAIT_TRIES
		until link_ready "$l"; do
			tries=$((tries - 1))
			[ $tries -gt 0 ] || die "link ${l#*:} in ${l%%:*} did not come up"
			sleep 0.02
		done
	done
}

lan_sides() {
	veth lanA la gwA gal
	addr lanA la LANA 10.1.0.2 fd00:1::2
	addr gwA gal GWA_LAN 10.1.0.1 fd00:1::1
	route lanA default 10.1.0.1 default fd00:1::1
	veth gwB gbl lanB lb
	addr gwB gbl GWB_LAN 10.2.0.1 fd00:2::1
	addr lanB lb LANB 10.2.0.2 fd00:2::2
	route lanB default 10.2.0.1 default fd00:2::1
	forwarding_on gwA
	forwarding_on gwB
}

build_gw2gw() {
	lan_sides
	veth gwA gaw gwB gbw
	addr gwA gaw GWA_WAN 192.0.2.1 2001:db8::1
	addr gwB gbw GWB_WAN 192.0.2.2 2001:db8::2
	route gwA 10.2.0.0/24 192.0.2.2 fd00:2::/64 2001:db8::2
	route gwB 10.1.0.0/24 192.0.2.1 fd00:1::/64 2001:db8::1
}

build_h2h() {
	veth hostA ha hostB hb
	addr hostA ha HOSTA 192.0.2.1 2001:db8::1
	addr hostB hb HOSTB 192.0.2.2 2001:db8::2
}

nat_rules() {
	ip netns exec "$(ns_of nat)" nft -f - <<-EOF
	table inet xdpsec_topo_nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "${PREFIX}no" masquerade
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			iifname "${PREFIX}ni" accept
		}
	}
	EOF
}

build_nat() {
	lan_sides
	veth gwA gaw nat ni
	addr gwA gaw GWA_WAN 100.64.0.1 fd00:64::1
	addr nat ni NAT_IN 100.64.0.254 fd00:64::fe
	veth nat no gwB gbw
	addr nat no NAT_OUT 198.51.100.1 2001:db8:100::1
	addr gwB gbw GWB_WAN 198.51.100.2 2001:db8:100::2
	forwarding_on nat
	route gwA default 100.64.0.254 default fd00:64::fe
	route gwB default 198.51.100.1 default 2001:db8:100::1
	route nat 10.1.0.0/24 100.64.0.1 fd00:1::/64 fd00:64::1
	route nat 10.2.0.0/24 198.51.100.2 fd00:2::/64 2001:db8:100::2
	nat_rules
}

undo_create() {
	local ns
	for ns in $CREATED; do
		del_ns "$ns" || echo "topo: could not delete $ns" >&2
	done
}

on_create_exit() {
	local rc=$?
	[ $rc -eq 0 ] || undo_create
	exit $rc
}

create() {
	local node
	OUT="" CREATED="" LINKS=""
	trap on_create_exit EXIT
	trap 'exit 130' INT TERM
	emit PREFIX "$PREFIX"
	emit TOPO "$TOPO"
	for node in $(nodes_of "$TOPO"); do
		add_ns "$node"
	done
	"build_$TOPO"
	wait_links
	trap - EXIT INT TERM
	printf '%s' "$OUT"
}

delete() {
	local node
	for node in $(nodes_of "$TOPO"); do
		del_ns "$(ns_of "$node")"
	done
}

[ $# -ge 2 ] || usage
ACTION=$1 TOPO=$2
shift 2
PREFIX="" GIVEN=""
while [ $# -gt 0 ]; do
	case $1 in
	--prefix) [ $# -ge 2 ] || usage; PREFIX=$2 GIVEN=1; shift 2 ;;
	*) usage ;;
	esac
done
nodes_of "$TOPO" >/dev/null
[ "$(id -u)" = 0 ] || die "must run as root"

case $ACTION in
create)
	[ -n "$GIVEN" ] || PREFIX="xs$$"
	;;
delete)
	[ -n "$GIVEN" ] || die "delete needs --prefix (printed as PREFIX= by create)"
	;;
*) usage ;;
esac
echo "$PREFIX" | grep -Eqx "[A-Za-z][A-Za-z0-9]{0,$((PREFIX_MAX - 1))}" ||
	die "prefix '$PREFIX' must be a letter and up to $((PREFIX_MAX - 1)) letters or digits"
"$ACTION"
