"""The namespace topologies of scripts/topo.sh and the helpers of tests/netns.py:
each topology routes IPv4 and IPv6 end to end by the path drawn in the script, the
NAT rewrites the source, and nothing with the prefix survives a delete, a create
that fails halfway, or a test that fails."""
import os
import subprocess
import sys
import textwrap

import pytest
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import Ether

import netns
from netns import gw2gw, h2h, nat, topology, topo_sh, leftovers  # noqa: F401

KEYS = {
    "gw2gw": ["LANA", "GWA_LAN", "GWA_WAN", "GWB_WAN", "GWB_LAN", "LANB"],
    "h2h": ["HOSTA", "HOSTB"],
    "nat": ["LANA", "GWA_LAN", "GWA_WAN", "NAT_IN", "NAT_OUT", "GWB_WAN", "GWB_LAN", "LANB"],
}
NODES = {
    "gw2gw": ["lanA", "gwA", "gwB", "lanB"],
    "h2h": ["hostA", "hostB"],
    "nat": ["lanA", "gwA", "nat", "gwB", "lanB"],
}


def echo_requests(pkts):
    """(source, destination) of every ICMP/ICMPv6 echo request captured."""
    out = []
    for p in pkts:
        if IP in p and ICMP in p and p[ICMP].type == 8:
            out.append((p[IP].src, p[IP].dst))
        elif ICMPv6EchoRequest in p:
            out.append((p[IPv6].src, p[IPv6].dst))
    return out


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_names_printed_and_removed(kind):
    with topology(kind) as t:
        p = t.prefix
        assert t["PREFIX"] == p and t["TOPO"] == kind
        assert sorted(t.nodes) == sorted(NODES[kind])
        assert all(t[f"NS_{n.upper()}"] == f"{p}-{n}" for n in NODES[kind])
        for key in KEYS[kind]:
            dev = t[f"{key}_IF"]
            assert dev.startswith(p) and len(dev) <= 15
            assert t[f"{key}_IP4"].count(".") == 3 and ":" in t[f"{key}_IP6"]
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True,
                                text=True).stdout
        assert all(f"{p}-{n}" in listed for n in NODES[kind])
        # veths live only inside the topology's namespaces, addresses are usable
        assert sorted(leftovers(p)) == sorted(f"{p}-{n}" for n in NODES[kind])
        for key in KEYS[kind]:
            node = next(n for n in NODES[kind] if key.startswith(n.upper()))
            addrs = getattr(t, node).run(["ip", "-o", "addr", "show", "dev",
                                          t[f"{key}_IF"]]).stdout
            assert f"{t[key + '_IP4']}/24" in addrs and f"{t[key + '_IP6']}/64" in addrs
            assert "tentative" not in addrs
    assert leftovers(p) == []


def test_gw2gw_routes_through_both_gateways(gw2gw):
    t = gw2gw
    with t.gwA.capture(t["GWA_WAN_IF"], "icmp or icmp6") as wan:
        for fam in ("IP4", "IP6"):
            assert t.lanA.ping(t[f"LANB_{fam}"]), fam
            assert t.lanB.ping(t[f"LANA_{fam}"]), fam
    seen = echo_requests(wan.stop())
    for fam in ("IP4", "IP6"):
        assert (t[f"LANA_{fam}"], t[f"LANB_{fam}"]) in seen, seen
        assert (t[f"LANB_{fam}"], t[f"LANA_{fam}"]) in seen, seen
    # two forwarding hops: the reply's TTL is 64 - 2
    r = t.lanA.run(["ping", "-n", "-c", "1", "-W", "2", t["LANB_IP4"]])
    assert "ttl=62" in r.stdout, r.stdout


def test_h2h_one_link(h2h):
    t = h2h
    with t.hostB.capture(t["HOSTB_IF"], "icmp or icmp6") as cap:
        assert t.hostA.ping(t["HOSTB_IP4"]) and t.hostA.ping(t["HOSTB_IP6"])
    seen = echo_requests(cap.stop())
    assert (t["HOSTA_IP4"], t["HOSTB_IP4"]) in seen and \
        (t["HOSTA_IP6"], t["HOSTB_IP6"]) in seen, seen


def test_nat_rewrites_source(nat):
    t = nat
    with t.gwB.capture(t["GWB_WAN_IF"], "icmp or icmp6") as cap:
        for fam in ("IP4", "IP6"):
            assert t.lanA.ping(t[f"LANB_{fam}"]), fam
            assert t.gwA.ping(t[f"GWB_WAN_{fam}"]), fam
    seen = echo_requests(cap.stop())
    for fam in ("IP4", "IP6"):
        assert (t[f"NAT_OUT_{fam}"], t[f"LANB_{fam}"]) in seen, seen
        assert (t[f"NAT_OUT_{fam}"], t[f"GWB_WAN_{fam}"]) in seen, seen
    inside = {t[f"{k}_{f}"] for k in ("LANA", "GWA_WAN") for f in ("IP4", "IP6")}
    assert not inside & {src for src, _ in seen}, seen
    # the NAT lets in only what answers a flow from the inside
    for fam in ("IP4", "IP6"):
        assert not t.lanB.ping(t[f"LANA_{fam}"], wait=1), fam
        assert not t.gwB.ping(t[f"GWA_WAN_{fam}"], wait=1), fam


def test_scapy_sender_and_sniffer(h2h):
    t = h2h
    frame = (Ether(src=t.hostA.mac(t["HOSTA_IF"]), dst=t.hostB.mac(t["HOSTB_IF"])) /
             IP(src=t["HOSTA_IP4"], dst=t["HOSTB_IP4"]) / UDP(sport=4321, dport=9999) /
             b"xdpsec topo probe")
    sniffer = t.hostB.sniffer(t["HOSTB_IF"], "udp port 9999", count=1, timeout=10)
    t.hostA.sendp(t["HOSTA_IF"], [frame])
    pkts = sniffer.result()
    assert len(pkts) == 1 and bytes(pkts[0]) == bytes(frame)


def test_wait_for_polls_and_times_out():
    calls = []
    assert netns.wait_for(lambda: calls.append(1) or len(calls) >= 3, timeout=5) is True
    assert len(calls) == 3
    with pytest.raises(TimeoutError):
        netns.wait_for(lambda: False, timeout=0.1, what="nothing")


def test_delete_ends_processes_and_is_idempotent():
    with topology("h2h") as t:
        p = t.hostA.popen(["sleep", "600"])
        netns.wait_for(lambda: str(p.pid) in subprocess.run(
            ["ip", "netns", "pids", t.hostA.name], capture_output=True,
            text=True).stdout.split(), what="sleep in hostA")
        prefix = t.prefix
    assert p.wait(timeout=10) != 0
    assert leftovers(prefix) == []
    r = topo_sh("delete", "h2h", prefix)
    assert r.returncode == 0 and leftovers(prefix) == [], r.stderr


def test_failed_create_removes_only_what_it_made():
    prefix = netns.unique_prefix()
    taken = f"{prefix}-gwB"
    subprocess.run(["ip", "netns", "add", taken], check=True)
    try:
        r = topo_sh("create", "gw2gw", prefix)
        assert r.returncode != 0 and r.stdout == ""
        assert leftovers(prefix) == [taken]
    finally:
        subprocess.run(["ip", "netns", "del", taken], check=True)
    assert leftovers(prefix) == []


@pytest.mark.parametrize("prefix", ["9lives", "has-dash", "abcdefghijklm", ""])
def test_bad_prefix_refused(prefix):
    r = topo_sh("create", "h2h", prefix)
    assert r.returncode != 0 and "prefix" in r.stderr and r.stdout == ""
    if prefix:
        assert leftovers(prefix) == []


def test_fixture_cleans_up_after_failing_test(tmp_path):
    record = tmp_path / "prefix"
    test = tmp_path / "test_boom.py"
    test.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
        from netns import gw2gw  # noqa: F401

        def test_boom(gw2gw):
            open({str(record)!r}, "w").write(gw2gw.prefix)
            assert gw2gw.lanA.ping(gw2gw["LANB_IP4"])
            raise RuntimeError("the test body fails on purpose")
        """))
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                        str(test)], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1 and "1 failed" in r.stdout, r.stdout + r.stderr
    assert "fails on purpose" in r.stdout
    prefix = record.read_text()
    assert prefix.startswith("xt") and leftovers(prefix) == []
