"""The worker's next hops from the kernel (worker/nexthop.c, rtnl.c) in
network namespaces this test creates:

    ns "gw" (the worker)                       ns "peer"
    a0 10.77.0.1/24 2001:db8:77::1/64 ------- b0 10.77.0.2/24 2001:db8:77::2/64
    a1 10.66.0.1/24 ------------------------- c0 10.66.0.2/24   (ns "alt")
    routes in gw: 10.88.0.0/24 via 10.77.0.2, 2001:db8:88::/64 via 2001:db8:77::2,
                  10.99.0.0/24 via 10.77.0.2 mtu 1300

The probe (tests/worker/nhprobe.py) runs in "gw"; neighbours are really
resolved by ARP/ND with the peer namespace, waited for by polling the
change monitor (no fixed sleeps)."""
import json
import os
import subprocess
import sys
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DROP_NO_ROUTE, DROP_NO_NEIGHBOUR = 29, 30
NH_FORWARD, NH_LOCAL = 1, 2


def sh(*cmds):
    for c in cmds:
        subprocess.run(c, shell=True, check=True, capture_output=True)


def ifindex(ns, dev):
    out = subprocess.run(f"ip -n {ns} -j link show {dev}", shell=True, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)[0]["ifindex"]


def mac(ns, dev):
    out = subprocess.run(f"ip -n {ns} -j link show {dev}", shell=True, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)[0]["address"]


class Probe:
    def __init__(self, ns):
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable if sys.executable.startswith("/usr/bin") else "/usr/bin/python3",
             os.path.join(ROOT, "tests", "worker", "nhprobe.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.p.stdout.readline()) == {"ready": 1}

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def lookup(self, addr):
        return self.ask(f"lookup {addr}")

    def until(self, addr, pred, timeout=5.0):
        """Look up until pred(answer), polling the change monitor between."""
        end = time.monotonic() + timeout
        r = self.lookup(addr)
        while not pred(r) and time.monotonic() < end:
            self.ask("poll 100")
            r = self.lookup(addr)
        return r

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=5)


@pytest.fixture
def topo():
    tag = uuid.uuid4().hex[:6]
    gw, peer, alt = f"xsgw{tag}", f"xspe{tag}", f"xsal{tag}"
    try:
        sh(f"ip netns add {gw}", f"ip netns add {peer}", f"ip netns add {alt}",
           f"ip -n {gw} link add a0 type veth peer name b0 netns {peer}",
           f"ip -n {gw} link add a1 type veth peer name c0 netns {alt}",
           f"ip -n {gw} link set a0 mtu 1400",
           f"ip -n {gw} addr add 10.77.0.1/24 dev a0",
           f"ip -n {gw} addr add 2001:db8:77::1/64 dev a0 nodad",
           f"ip -n {gw} addr add 10.66.0.1/24 dev a1",
           f"ip -n {peer} addr add 10.77.0.2/24 dev b0",
           f"ip -n {peer} addr add 2001:db8:77::2/64 dev b0 nodad",
           f"ip -n {alt} addr add 10.66.0.2/24 dev c0",
           f"ip -n {gw} link set a0 up", f"ip -n {gw} link set a1 up",
           f"ip -n {gw} link set lo up",
           f"ip -n {peer} link set b0 up", f"ip -n {alt} link set c0 up",
           f"ip -n {gw} route add 10.88.0.0/24 via 10.77.0.2",
           f"ip -n {gw} route add 10.99.0.0/24 via 10.77.0.2 mtu 1300",
           f"ip -n {gw} -6 route add 2001:db8:88::/64 via 2001:db8:77::2")
        probe = Probe(gw)
        yield {"gw": gw, "peer": peer, "alt": alt, "probe": probe}
        probe.close()
    finally:
        for ns in (gw, peer, alt):
            subprocess.run(f"ip netns del {ns}", shell=True, capture_output=True)


def test_local_address(topo):
    r = topo["probe"].lookup("10.77.0.1")
    assert r["drop"] == 0 and r["kind"] == NH_LOCAL
    r = topo["probe"].lookup("2001:db8:77::1")
    assert r["drop"] == 0 and r["kind"] == NH_LOCAL


def test_no_route(topo):
    assert topo["probe"].lookup("10.200.0.1")["drop"] == DROP_NO_ROUTE
    assert topo["probe"].lookup("2001:db8:200::1")["drop"] == DROP_NO_ROUTE


@pytest.mark.parametrize("dst,hop", [("10.77.0.2", "10.77.0.2"), ("10.88.0.5", "10.77.0.2"),
                                     ("2001:db8:77::2", "2001:db8:77::2"),
                                     ("2001:db8:88::5", "2001:db8:77::2")],
                         ids=["connected4", "gateway4", "connected6", "gateway6"])
def test_neighbour_resolved_by_the_kernel(topo, dst, hop):
    p = topo["probe"]
    first = p.lookup(dst)
    # nothing was resolved yet: the first packet is dropped, resolution starts
    assert first["drop"] == DROP_NO_NEIGHBOUR
    r = p.until(dst, lambda r: r["drop"] == 0)
    assert r["drop"] == 0 and r["kind"] == NH_FORWARD
    assert r["oif"] == ifindex(topo["gw"], "a0")
    assert r["mac"] == mac(topo["peer"], "b0")
    assert r["mtu"] == 1400
    neigh = subprocess.run(f"ip -n {topo['gw']} neigh show {hop} dev a0", shell=True,
                           capture_output=True, text=True).stdout
    assert mac(topo["peer"], "b0") in neigh


def test_route_mtu_and_prefsrc(topo):
    r = topo["probe"].until("10.99.0.7", lambda r: r["drop"] == 0)
    assert r["mtu"] == 1300 and r["prefsrc"] == "10.77.0.1"


def test_unanswered_neighbour_is_asked_for(topo):
    p = topo["probe"]
    assert p.lookup("10.77.0.99")["drop"] == DROP_NO_NEIGHBOUR
    neigh = subprocess.run(f"ip -n {topo['gw']} neigh show 10.77.0.99 dev a0", shell=True,
                           capture_output=True, text=True).stdout
    assert "10.77.0.99" in neigh and ("INCOMPLETE" in neigh or "FAILED" in neigh)
    assert p.lookup("10.77.0.99")["drop"] == DROP_NO_NEIGHBOUR


def test_route_change_invalidates(topo):
    p = topo["probe"]
    r = p.until("10.88.0.5", lambda r: r["drop"] == 0)
    assert r["oif"] == ifindex(topo["gw"], "a0")
    sh(f"ip -n {topo['gw']} route replace 10.88.0.0/24 via 10.66.0.2")
    assert p.lookup("10.88.0.5")["oif"] == r["oif"]     # cached until told
    assert p.ask("poll 2000")["changed"] == 1
    r = p.lookup("10.88.0.5")
    assert r["oif"] == ifindex(topo["gw"], "a1") or r["drop"] == DROP_NO_NEIGHBOUR
    r = p.until("10.88.0.5", lambda r: r["drop"] == 0 and r["oif"] == ifindex(topo["gw"], "a1"))
    assert r["oif"] == ifindex(topo["gw"], "a1")
    assert r["mac"] == mac(topo["alt"], "c0") and r["mtu"] == 1500
