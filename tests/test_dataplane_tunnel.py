"""Traffic through two xdpsec peers, checked on the wire by scapy.

gw2gw (lanA - gwA - [tap] - gwB - lanB), tunnel mode, manually keyed SAs
both ways and PROTECT policies for lanA <-> lanB (IPv4 and IPv6 LANs over
one outer family, so mixed inner/outer is covered): ping both ways, a TCP
transfer (digest checked) and numbered UDP datagrams, per algorithm and
encapsulation. h2h in transport mode (TC egress -> internal veth -> worker,
decrypted into the local stack). The NAT topology with ESP in UDP.

On the tap between the peers every IP packet must be ESP / AH / ESP in UDP
4500, no LAN address may appear as an outer one, and scapy decrypts every
packet with the configured keys; the echo requests lanA sent (captured on
lanA's link) come out byte for byte, TTL/hop limit one lower (gwA routed
them).
"""
import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6

from netns import topology, wan_tap
from test_dataplane_common import (Peer, Tunnel, alg, assert_echo_requests_match,
                                   assert_only_ipsec, decrypt_all, gw2gw_tunnel,
                                   host, lan_sels, outer, ping_all, tcp_transfer, udp_roundtrip,
                                   warm_up, wire_seqs)

CASES = [
    # id, outer family, algorithm, ESP in UDP
    ("gcm-outer4", "IP4", "gcm", False),
    ("gcm-outer6", "IP6", "gcm", False),
    ("chacha-outer4", "IP4", "chacha", False),
    ("cbc-sha256-outer6", "IP6", "cbc", False),
    ("espinudp-gcm-outer4", "IP4", "gcm", True),
    ("espinudp-chacha-outer6", "IP6", "chacha", True),
    ("ah-sha256-outer4", "IP4", "ah", False),
    ("ah-sha256-outer6", "IP6", "ah", False),
]


def lan_addrs(t):
    return [t[f"{k}_{f}"] for k in ("LANA", "LANB") for f in ("IP4", "IP6")]


@pytest.mark.parametrize("outer_fam,alg_name,encap", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_gw2gw_tunnel(outer_fam, alg_name, encap):
    with gw2gw_tunnel(outer_fam, alg_name=alg_name, encap=encap) as (t, tun):
        for sel_a, sel_b in lan_sels(t):
            tun.protect(sel_a, sel_b)
        warm_up(t.lanA, t["LANB_IP4"], t["LANB_IP6"])
        with t.wan.capture(t["WAN_TAP_IF"]) as wire, \
                t.lanA.capture(t["LANA_IF"], "icmp or icmp6") as sent:
            for fam in ("IP4", "IP6"):
                ping_all(t.lanA, t[f"LANB_{fam}"])
                ping_all(t.lanB, t[f"LANA_{fam}"])
            tcp_transfer(t.lanA, t.lanB, t["LANB_IP4"], port=5001)
            tcp_transfer(t.lanA, t.lanB, t["LANB_IP6"], port=5002, nbytes=20000)
            udp_roundtrip(t.lanA, t.lanB, t["LANB_IP4"], port=6001)
            udp_roundtrip(t.lanB, t.lanA, t["LANA_IP6"], port=6002)
        pkts = assert_only_ipsec(wire, lan_addrs(t))
        a_out, b_out = tun.a.local, tun.b.local
        inner_ab = decrypt_all(tun.scapy_sa("ab", a_out, b_out), pkts, a_out)
        inner_ba = decrypt_all(tun.scapy_sa("ba", b_out, a_out), pkts, b_out)
        assert len(inner_ab) > 60 and len(inner_ba) > 30
        mac = t.lanA.mac(t["LANA_IF"])
        assert_echo_requests_match([p for p in sent.stop() if p.src == mac], inner_ab)
        lanA = {t["LANA_IP4"], t["LANA_IP6"]}
        assert all(p.src in lanA for p in inner_ab), [p.summary() for p in inner_ab[:3]]
        # one sequence number per packet, none twice, up to the SA's counter
        seqs = sorted(wire_seqs(pkts, a_out))
        sa = tun.a.d.js("state", "get", "dst", b_out, "proto", alg(alg_name, 1)[0],
                        "spi", hex(tun.spi["ab"]))
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) and seqs[-1] == sa["seq"]
        assert sa["packets"] == sa["seq"]


def test_h2h_transport():
    """Locally generated traffic both ways, IPv4 and IPv6, transport mode."""
    with topology("h2h") as t, wan_tap(t, "HOSTA", "HOSTB"):
        a = Peer(t.hostA, "a", t["HOSTA_IF"], None, t["HOSTA_IP4"], t["HOSTB_IP4"])
        b = Peer(t.hostB, "b", t["HOSTB_IF"], None, t["HOSTB_IP4"], t["HOSTA_IP4"])
        tun4 = Tunnel(a, b, "gcm", mode="transport")
        a6 = Peer(t.hostA, "a", t["HOSTA_IF"], None, t["HOSTA_IP6"], t["HOSTB_IP6"])
        b6 = Peer(t.hostB, "b", t["HOSTB_IF"], None, t["HOSTB_IP6"], t["HOSTA_IP6"])
        a6.d, b6.d = a.d, b.d
        tun6 = Tunnel(a6, b6, "chacha", mode="transport", spi_ab=0x3001, spi_ba=0x4001,
                      reqids=(3, 4))
        try:
            tun4.start()
            tun4.add_sas()
            tun6.add_sas()
            for tun, fam in ((tun4, "IP4"), (tun6, "IP6")):
                tun.protect(host(t[f"HOSTA_{fam}"]), host(t[f"HOSTB_{fam}"]), in_dir="in")
            warm_up(t.hostA, t["HOSTB_IP4"], t["HOSTB_IP6"])
            with t.wan.capture(t["WAN_TAP_IF"]) as wire, \
                    t.hostA.capture("xsi-" + a.d.name, "icmp or icmp6") as sent:
                for fam in ("IP4", "IP6"):
                    ping_all(t.hostA, t[f"HOSTB_{fam}"])
                    ping_all(t.hostB, t[f"HOSTA_{fam}"])
                    tcp_transfer(t.hostA, t.hostB, t[f"HOSTB_{fam}"], port=5001)
            pkts = assert_only_ipsec(wire, [])
            for p in pkts:
                assert p.haslayer("ESP"), p.summary()
            inner = []
            for tun in (tun4, tun6):
                inner += decrypt_all(tun.scapy_sa("ab", tun.a.local, tun.b.local), pkts,
                                     tun.a.local)
            assert len(inner) > 60
            # what hostA's stack sent, seen before TC redirected it to the worker
            mine = {t["HOSTA_IP4"], t["HOSTA_IP6"]}
            sent_pkts = [p for p in sent.stop() if p.haslayer(IP) and p[IP].src in mine or
                         p.haslayer(IPv6) and p[IPv6].src in mine]
            assert assert_echo_requests_match(sent_pkts, inner, hop=0) == 6
        finally:
            tun4.stop()


@pytest.mark.parametrize("fam,icmp,port", [("IP4", "icmp", 5003), ("IP6", "icmp6", 5103)])
def test_nat_espinudp(fam, icmp, port):
    """gwA behind a masquerading NAT: ESP in UDP 4500; gwB's SAs name the
    NAT's public address, as gwB sees its peer. Seen between NAT and gwB:
    only UDP 4500 ESP between the NAT's address and gwB, decrypted to lanA's
    pings byte for byte (TTL/hop limit one lower)."""
    with topology("nat") as t:
        a = Peer(t.gwA, "a", t["GWA_WAN_IF"], t["GWA_LAN_IF"], t[f"GWA_WAN_{fam}"],
                 t[f"GWB_WAN_{fam}"])
        b = Peer(t.gwB, "b", t["GWB_WAN_IF"], t["GWB_LAN_IF"], t[f"GWB_WAN_{fam}"],
                 t[f"NAT_OUT_{fam}"])
        tun = Tunnel(a, b, "gcm", encap=True)
        try:
            tun.start()
            tun.add_sas()
            for sel_a, sel_b in lan_sels(t, (fam,)):
                tun.protect(sel_a, sel_b)
            warm_up(t.lanA, t[f"LANB_{fam}"])
            with t.nat.capture(t["NAT_OUT_IF"]) as wire, \
                    t.lanA.capture(t["LANA_IF"], icmp) as sent:
                ping_all(t.lanA, t[f"LANB_{fam}"], count=5)
                tcp_transfer(t.lanA, t.lanB, t[f"LANB_{fam}"], port=port, nbytes=20000)
            pkts = assert_only_ipsec(wire, lan_addrs(t) + [t[f"GWA_WAN_{fam}"]])
            assert pkts and all(UDP in p and p[UDP].dport == 4500 for p in pkts)
            nat_addr = t[f"NAT_OUT_{fam}"]
            assert {outer(p).src for p in pkts} == {nat_addr, b.local}
            inner = decrypt_all(tun.scapy_sa("ab", nat_addr, b.local), pkts, nat_addr)
            back = decrypt_all(tun.scapy_sa("ba", b.local, nat_addr), pkts, b.local)
            assert len(back) >= 5
            mac = t.lanA.mac(t["LANA_IF"])
            assert assert_echo_requests_match([p for p in sent.stop() if p.src == mac],
                                              inner) == 5
        finally:
            tun.stop()
