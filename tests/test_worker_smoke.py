"""The AF_XDP worker end to end with the real BPF programs, in namespaces
this test creates (tests/worker/worker_smoke.c runs the worker in "gw"):

    ns peer               ns gw (worker)                      ns lan
    p0 192.0.2.2 ------- w0 192.0.2.1  [xdp-wan, XSK]
                          l0 10.3.0.1  [xdp-lan, XSK] ------- l1 10.3.0.5
                             2001:db8:3::1                       2001:db8:3::5
                          i0 [XSK, internal] ---- i1 (gw's own stack)

SAs (AES-GCM-16, tunnel): in SPI 0x1001 192.0.2.2 -> 192.0.2.1 (slot 0),
out SPI 0x2002 192.0.2.1 -> 192.0.2.2 (slot 1); every IPv4 packet from
the LAN (IPv4 and IPv6) is PROTECTed with slot 1. scapy builds and
checks the ESP."""
import contextlib
import json
import os
import subprocess
import uuid

import pytest
from scapy.all import IP, IPv6, UDP, ESP, ICMP, Raw, raw, defragment
from scapy.layers.ipsec import SecurityAssociation

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE = os.environ.get("XS_WORKER_SMOKE",
                       os.path.join(ROOT, "build", "tests", "worker", "worker_smoke"))
PEERPY = os.path.join(ROOT, "tests", "worker", "wkpeer.py")
KEY = bytes(range(1, 33)) + bytes.fromhex("cafebabe")
PY = "/usr/bin/python3"


def sh(*cmds):
    for c in cmds:
        subprocess.run(c, shell=True, check=True, capture_output=True)


def mac(ns, dev):
    out = subprocess.run(f"ip -n {ns} -j link show {dev}", shell=True, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)[0]["address"]


def helper(ns, *args):
    """Start wkpeer.py in ns; returns the process once it is listening."""
    p = subprocess.Popen(["ip", "netns", "exec", ns, PY, PEERPY, *map(str, args)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p


def listen(ns, *args):
    p = helper(ns, *args)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    return p


def results(p):
    out, err = p.communicate(timeout=30)
    lines = out.split()
    assert lines and lines[-1] in ("end",) or lines, err
    return [bytes.fromhex(x) for x in lines if x not in ("end", "none")]


def run(ns, *args):
    p = helper(ns, *args)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    return out


@contextlib.contextmanager
def topology(*extra):
    tag = uuid.uuid4().hex[:6]
    ns = {"gw": f"xwg{tag}", "peer": f"xwp{tag}", "lan": f"xwl{tag}"}
    g, pe, la = ns["gw"], ns["peer"], ns["lan"]
    proc = None
    try:
        sh(*(f"ip netns add {n}" for n in ns.values()))
        sh(f"ip -n {g} link add w0 type veth peer name p0 netns {pe}",
           f"ip -n {g} link add l0 type veth peer name l1 netns {la}",
           f"ip -n {g} link add i0 type veth peer name i1",
           f"ip -n {g} addr add 192.0.2.1/24 dev w0",
           f"ip -n {g} addr add 10.3.0.1/24 dev l0",
           f"ip -n {g} addr add 2001:db8:3::1/64 dev l0 nodad",
           f"ip -n {la} addr add 2001:db8:3::5/64 dev l1 nodad",
           f"ip -n {pe} addr add 192.0.2.2/24 dev p0",
           f"ip -n {la} addr add 10.3.0.5/24 dev l1",
           *(f"ip -n {g} link set {d} up" for d in ("lo", "w0", "l0", "i0", "i1")),
           f"ip -n {pe} link set p0 up", f"ip -n {la} link set l1 up",
           f"ip -n {la} route add default via 10.3.0.1",
           f"ip -n {la} -6 route add default via 2001:db8:3::1",
           f"ip -n {g} route add 10.2.0.0/24 via 192.0.2.2",
           f"ip netns exec {g} sysctl -qw net.ipv4.conf.all.rp_filter=0",
           f"ip netns exec {g} sysctl -qw net.ipv4.conf.i1.rp_filter=0",
           f"ip netns exec {g} sysctl -qw net.ipv4.conf.default.rp_filter=0")
        # neighbours the worker will need (the kernel resolves them)
        subprocess.run(f"ip netns exec {g} ping -c1 -W2 10.3.0.5", shell=True, capture_output=True)
        subprocess.run(f"ip netns exec {g} ping -c1 -W2 192.0.2.2", shell=True, capture_output=True)
        subprocess.run(f"ip netns exec {g} ping -6 -c1 -W2 2001:db8:3::5", shell=True, capture_output=True)
        proc = subprocess.Popen(["ip", "netns", "exec", g, SMOKE, "w0", "l0", "i0", KEY.hex(), *extra],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        ns["proc"] = proc
        ns["w0mac"] = mac(g, "w0")
        yield ns
    finally:
        if proc and proc.poll() is None:
            proc.kill()
        for n in (g, pe, la):
            subprocess.run(f"ip netns del {n}", shell=True, capture_output=True)


@pytest.fixture(scope="module")
def gw():
    with topology() as ns:
        yield ns


def send_esp(gw, seq, dst, dport, payload, *frag):
    src = "2001:db8:2::5" if ":" in dst else "10.2.0.5"
    run(gw["peer"], "send-esp", "p0", gw["w0mac"], seq, KEY.hex(), src, dst,
        dport, payload.hex(), *frag)


def expected_inner(dst, dport, payload, ttl):
    p = IP(src="10.2.0.5", dst=dst, ttl=ttl) / UDP(sport=4321, dport=dport) / Raw(payload)
    return raw(p)


def test_inbound_esp_decrypted_and_forwarded_to_lan(gw):
    sn = listen(gw["lan"], "sniff", "l1", "UDP:9999", 5)
    send_esp(gw, 1, "10.3.0.5", 9999, b"through the tunnel")
    got = results(sn)
    assert got == [expected_inner("10.3.0.5", 9999, b"through the tunnel", 63)]


def test_inbound_esp_for_this_host_reaches_its_socket(gw):
    rx = listen(gw["gw"], "recv-udp", "10.3.0.1", 9998, 5)
    send_esp(gw, 2, "10.3.0.1", 9998, b"to the gateway itself")
    assert results(rx) == [b"to the gateway itself"]


def test_replayed_esp_is_not_delivered(gw):
    sn = listen(gw["lan"], "sniff", "l1", "UDP:9999", 2)
    send_esp(gw, 1, "10.3.0.5", 9999, b"replayed")
    assert results(sn) == []


def test_outer_fragments_are_reassembled_then_decrypted(gw):
    sn = listen(gw["lan"], "sniff", "l1", "UDP:9999", 5)
    payload = bytes(range(256)) * 5
    send_esp(gw, 3, "10.3.0.5", 9999, payload, 600)
    assert results(sn) == [expected_inner("10.3.0.5", 9999, payload, 63)]


def test_overlapping_outer_fragments_are_dropped(gw):
    sn = listen(gw["lan"], "sniff", "l1", "UDP:9999", 2)
    send_esp(gw, 4, "10.3.0.5", 9999, bytes(1000), "dup:600")
    assert results(sn) == []


def test_inbound_ipv6_inside_ipv4_forwarded_to_lan(gw):
    sn = listen(gw["lan"], "sniff", "l1", "UDP:9997", 5)
    send_esp(gw, 5, "2001:db8:3::5", 9997, b"six in four")
    got = results(sn)
    want = IPv6(src="2001:db8:2::5", dst="2001:db8:3::5", hlim=63) / \
        UDP(sport=4321, dport=9997) / Raw(b"six in four")
    assert got == [raw(want)]


def outbound_sa():
    return SecurityAssociation(ESP, spi=0x2002, crypt_algo="AES-GCM", crypt_key=KEY,
                               tunnel_header=IP(src="192.0.2.1", dst="192.0.2.2"))


def test_outbound_lan_traffic_is_encrypted(gw):
    sn = listen(gw["peer"], "sniff", "p0", "ESP", 5)
    run(gw["lan"], "send-udp", "10.2.0.5", 7777, b"protect me".hex())
    got = results(sn)
    assert len(got) == 1
    outer = IP(got[0])
    assert outer.src == "192.0.2.1" and outer.dst == "192.0.2.2"
    # lower numbers may have gone to lan's ICMP port-unreachables about the
    # datagrams the earlier tests delivered, or to its MLD reports
    assert outer[ESP].spi == 0x2002 and outer[ESP].seq >= 1
    inner = outbound_sa().decrypt(outer)
    assert inner.src == "10.3.0.5" and inner.dst == "10.2.0.5" and inner.ttl == 63
    assert raw(inner[UDP].payload) == b"protect me"
    # the UDP checksum (possibly left partial by the veth) is complete and right
    fixed = inner.copy()
    fixed[UDP].chksum = None
    fixed.chksum = None
    assert raw(IP(raw(fixed))) == raw(inner)


def test_outbound_ipv6_lan_traffic_is_encrypted(gw):
    # lan also sends MLD reports, which the policy protects too: take a few
    sn = listen(gw["peer"], "sniff", "p0", "ESP", 3, 4)
    run(gw["lan"], "send-udp", "2001:db8:2::5", 7779, b"v6 protect me".hex())
    inners = [outbound_sa().decrypt(IP(x)) for x in results(sn)]
    udp = [p for p in inners if UDP in p and p[UDP].dport == 7779]
    assert len(udp) == 1
    inner = udp[0]
    assert inner.src == "2001:db8:3::5" and inner.dst == "2001:db8:2::5"
    assert inner.hlim == 63 and raw(inner[UDP].payload) == b"v6 protect me"
    fixed = inner.copy()
    fixed[UDP].chksum = None
    assert raw(IPv6(raw(fixed))) == raw(inner)


def test_ttl_1_from_lan_gets_time_exceeded(gw):
    sn = listen(gw["lan"], "sniff", "l1", "ICMP", 5)
    run(gw["lan"], "send-udp", "10.2.0.5", 7780, b"short-lived".hex(), 1, 1)
    got = results(sn)
    assert len(got) == 1
    icmp = IP(got[0])
    assert icmp.src == "10.3.0.1" and icmp.dst == "10.3.0.5"
    assert icmp[ICMP].type == 11 and icmp[ICMP].code == 0
    quoted = icmp[ICMP].payload
    assert quoted.dst == "10.2.0.5" and quoted.ttl == 1
    assert raw(quoted).endswith(b"short-lived")


def test_too_big_with_df_gets_frag_needed(gw):
    sn = listen(gw["lan"], "sniff", "l1", "ICMP", 5)
    run(gw["lan"], "send-udp", "10.2.0.5", 7777, (b"D" * 1460).hex())
    got = results(sn)
    assert len(got) == 1
    icmp = IP(got[0])
    assert icmp.src == "10.3.0.1" and icmp.dst == "10.3.0.5"
    assert icmp[ICMP].type == 3 and icmp[ICMP].code == 4
    # 1500 - outer IPv4 20 - ESP 8 - IV 8 - ICV 16 = 1448, 4-aligned, - 2
    assert icmp[ICMP].nexthopmtu == 1446
    quoted = icmp[ICMP].payload
    assert quoted.src == "10.3.0.5" and quoted.dst == "10.2.0.5"


def test_too_big_without_df_is_fragmented_before_encryption(gw):
    sn = listen(gw["peer"], "sniff", "p0", "ESP", 5, 2)
    payload = (bytes(range(256)) * 6)[:1460]   # one 1488-byte datagram from lan
    run(gw["lan"], "send-udp", "10.2.0.5", 7778, payload.hex(), 0)
    got = results(sn)
    assert len(got) == 2
    frags = [outbound_sa().decrypt(IP(x)) for x in got]
    assert all(len(raw(f)) <= 1446 for f in frags)
    whole = defragment(frags)
    assert len(whole) == 1
    assert raw(whole[0][UDP].payload) == payload


def test_counters_and_live_sad_fields(gw):
    proc = gw["proc"]
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    kv = dict(line.split() for line in out.splitlines())
    assert int(kv["drop.replay"]) == 1
    # ttl-exceeded: ours, and lan's MLD reports (hop limit 1) that the
    # PROTECT-all IPv6 policy sends to the worker
    assert int(kv["drop.too-big"]) == 1 and int(kv["drop.ttl-exceeded"]) >= 1
    assert int(kv["sad0.packets"]) == 4 and int(kv["sad0.replay_top"]) == 5
    assert int(kv["drop.reasm-bad"]) == 1 and "drop.reasm-timeout" not in kv
    assert 4 <= int(kv["sad1.packets"]) <= 20
    assert int(kv["sad1.seq"]) == int(kv["sad1.packets"])
    assert int(kv["sad0.use_time"]) > 0 and int(kv["sad1.bytes"]) > 1536
    assert int(kv["rx"]) >= 7 and int(kv["tx"]) >= 6
    # the inbound SA's soft limit is 2 packets: one soft-packets event
    assert int(kv["event.0"]) == 2 and int(kv["sa_events"]) == 1


def test_bench_no_crypto_sas_send_and_take_plaintext_esp():
    """worker_smoke nocrypto: both SAs have XS_SA_BENCH_NO_CRYPTO (benchmark
    only): ESP as usual, payload in plaintext, IV and ICV zero."""
    with topology("nocrypto") as ns:
        sn = listen(ns["peer"], "sniff", "p0", "ESP", 5, 3)
        run(ns["lan"], "send-udp", "10.2.0.5", 7777, b"baseline".hex())
        esps = [IP(x)[ESP] for x in results(sn)]
        mine = [e for e in esps if e.data[-17] == 4]  # IPv4 inside, not lan's MLD
        assert len(mine) == 1 and mine[0].spi == 0x2002 and mine[0].seq >= 1
        data = mine[0].data
        assert data[:8] == bytes(8) and data[-16:] == bytes(16)
        pad, nh = data[-18], data[-17]
        assert nh == 4 and data[-18 - pad:-18] == bytes(range(1, pad + 1))
        p = IP(data[8:-18 - pad])
        assert p.src == "10.3.0.5" and p.dst == "10.2.0.5" and p.ttl == 63
        assert len(p) == p.len and raw(p[UDP].payload) == b"baseline"
        fixed = p.copy()
        fixed[UDP].chksum = None
        fixed.chksum = None
        assert raw(IP(raw(fixed))) == raw(p)

        sn = listen(ns["lan"], "sniff", "l1", "UDP:9999", 5)
        run(ns["peer"], "send-esp", "p0", ns["w0mac"], 1, "nocrypto", "10.2.0.5",
            "10.3.0.5", 9999, b"plain esp".hex())
        assert results(sn) == [expected_inner("10.3.0.5", 9999, b"plain esp", 63)]
        # real AES-GCM ESP has an ICV that is not zero: refused
        sn = listen(ns["lan"], "sniff", "l1", "UDP:9999", 2)
        run(ns["peer"], "send-esp", "p0", ns["w0mac"], 2, KEY.hex(), "10.2.0.5",
            "10.3.0.5", 9999, b"encrypted".hex())
        assert results(sn) == []
        proc = ns["proc"]
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        kv = dict(line.split() for line in out.splitlines())
        assert int(kv["drop.icv-fail"]) == 1 and int(kv["sad0.packets"]) == 1
        assert int(kv["sad0.replay_top"]) == 1 and int(kv["sad1.seq"]) >= 1
