"""The worker's own Packet Too Big must not lower the MTU it uses for the
outer packets (worker/nexthop.c route_mtu).

Host to host, transport mode: hostA's stack sends full-size TCP segments to
hostB, the worker answers ICMP(v6) "too big" with the outer MTU minus the
SA's overhead, and hostA's stack keeps that in a PMTU exception of its
route to hostB, the SA's own peer. The worker re-reads its next hop every
second (longer gaps here); it used to take that exception as the outer MTU
and subtract the overhead again, so the MTU it advertised fell at every
round (1466, 1430, 1394 ... for AES-GCM over IPv6) until the stack ignored
it (below 1280) and TCP stalled. Here the exception must keep the first
value, and the worker must send no further Packet Too Big once the stack
has learnt it.

Expected MTUs (link MTU 1500), worked out from RFC 4303 / RFC 3948 sizes:
  AES-GCM, IPv6: 1500 - 40 (IPv6) - 8 (SPI, seq) - 8 (IV) - 16 (ICV)
                 = 1428 bytes of padded payload, 4-aligned; the inner packet
                 keeps its 40-byte header and gives 2 to the ESP trailer:
                 40 + 1428 - 2 = 1466.
  AES-CBC with HMAC-SHA-256-128 in UDP 4500, IPv4: 1500 - 20 - 8 (UDP) - 8
                 - 16 (IV) - 16 (ICV) = 1432, 16-aligned 1424:
                 20 + 1424 - 2 = 1442.
"""
import re
import subprocess
import time

import pytest

from netns import topology
from test_dataplane_common import host, tcp_transfer, warm_up
from test_dataplane_more import h2h_transport
from test_worker_nexthop import topo  # noqa: F401 (fixture: ns gw - ns peer)

ROUNDS = 5
GAP = 1.3           # > the worker's next-hop re-read interval (1 s)
NBYTES = 30000


def cached_mtus(ns, fam, addr):
    """The MTUs of hostA's PMTU exceptions towards addr."""
    out = ns.run(["ip", "-6" if fam == "IP6" else "-4", "route", "show", "cache"]).stdout
    blocks = re.split(r"\n(?=\S)", out.strip())
    return [int(m) for b in blocks if b.split() and b.split()[0] == addr
            for m in re.findall(r"\bmtu (\d+)", b)]


def too_big_drops(tun):
    return tun.a.d.stats()["worker"]["drops"]["too-big"]


@pytest.mark.parametrize("alg,encap,fam,inner_mtu", [
    ("gcm", False, "IP6", 1466),
    ("cbc", True, "IP4", 1442),
])
def test_own_packet_too_big_is_not_read_back_as_outer_mtu(alg, encap, fam, inner_mtu):
    with topology("h2h") as t:
        tun = h2h_transport(t, alg, encap, fam)
        a, b = t[f"HOSTA_{fam}"], t[f"HOSTB_{fam}"]
        try:
            tun.start()
            tun.add_sas()
            tun.protect(host(a), host(b), in_dir="in")
            warm_up(t.hostA, b)
            assert cached_mtus(t.hostA, fam, b) == []
            seen, drops = [], []
            for i in range(ROUNDS):
                if i:
                    time.sleep(GAP)
                tcp_transfer(t.hostA, t.hostB, b, port=5300 + i, nbytes=NBYTES)
                seen.append(cached_mtus(t.hostA, fam, b))
                drops.append(too_big_drops(tun))
            assert seen == [[inner_mtu]] * ROUNDS, seen
            assert drops[0] >= 1 and drops == [drops[0]] * ROUNDS, drops
        finally:
            tun.stop()


# An ICMP error from the peer (a router on a0's link) about an ICMP packet
# gw sent through it: the stack's own ICMP error handlers (icmpv6_err for
# any ICMPv6, icmp_err for an IPv4 echo reply; other IPv4 ones go to ping
# sockets) turn it into a PMTU exception on the route to the quoted
# destination.
PMTU_ERROR = """
import sys
from scapy.all import IP, ICMP, IPv6, ICMPv6EchoRequest, ICMPv6PacketTooBig, send
src, gw, dst, mtu = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if ":" in dst:
    send(IPv6(src=src, dst=gw) / ICMPv6PacketTooBig(mtu=mtu) /
         IPv6(src=gw, dst=dst) / ICMPv6EchoRequest(data=b"x" * 1300), verbose=0)
else:
    send(IP(src=src, dst=gw) / ICMP(type=3, code=4, nexthopmtu=mtu) /
         IP(src=gw, dst=dst, flags="DF") / ICMP(type=0), verbose=0)
"""


@pytest.mark.parametrize("peer,gw,dst,exc_mtu,want", [
    ("10.77.0.2", "10.77.0.1", "10.99.0.7", 1200, 1300),
    ("2001:db8:77::2", "2001:db8:77::1", "2001:db8:88::5", 1300, 1400),
], ids=["route-mtu4", "link-mtu6"])
def test_next_hop_mtu_leaves_pmtu_exceptions_out(topo, peer, gw, dst, exc_mtu, want):
    """The stack holds a PMTU exception of exc_mtu towards dst; the worker's
    next hop keeps the configured MTU: the route's (10.99.0.0/24 mtu 1300)
    or the link's (a0, 1400)."""
    subprocess.run(["ip", "netns", "exec", topo["peer"], "/usr/bin/python3", "-c",
                    PMTU_ERROR, peer, gw, dst, str(exc_mtu)], check=True, timeout=30)
    got = subprocess.run(["ip", "-n", topo["gw"], "route", "get", dst], check=True,
                         capture_output=True, text=True).stdout
    assert f"mtu {exc_mtu}" in got, got
    r = topo["probe"].until(dst, lambda r: r["drop"] == 0)
    assert r["drop"] == 0 and r["mtu"] == want
