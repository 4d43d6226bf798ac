#!/bin/sh
# Install everything xdpsec needs to build and test, from Debian's apt.
# Idempotent and quick when all is present.
set -eu

PKGS="make gcc clang-16 llvm-16 lld-16 libclang-rt-16-dev bpftool
libbpf-dev libxdp-dev libelf-dev zlib1g-dev pkg-config libssl-dev nettle-dev libsodium-dev
libcmocka-dev libjansson-dev python3 python3-pytest python3-scapy python3-cryptography
iproute2 iputils-ping nftables tcpdump tshark iperf3 ethtool jq
strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins
qemu-system-x86 busybox-static"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
