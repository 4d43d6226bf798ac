"""Dataplane combinations not covered by test_dataplane_tunnel/rekey.

- rekey under traffic of the reverse direction (lanB -> lanA, IPv4), and of
  the forward direction over IPv6 (inner and outer), in the documented order
  (docs/operations.md); no numbered datagram may be lost.
- host to host transport mode (IPv4 and IPv6) with ESP in UDP 4500, and with
  AH: ping and a TCP transfer; the wire carries only UDP 4500 ESP, resp. only
  AH, and scapy decrypts/verifies it with the configured keys.
"""
import pytest
from scapy.layers.ipsec import AH, ESP

from netns import _read_until, topology, wait_for, wan_tap
from test_dataplane_common import (Peer, Tunnel, UdpReceiver, assert_echo_requests_match,
                                   assert_transport_esp, decrypt_all, gw2gw_tunnel,
                                   lan_sels, run_transport, udp_send, warm_up)

COUNT = 2000
RATE = 1000.0


def sa_get(peer, dst, spi):
    return peer.d.js("state", "get", "dst", dst, "proto", "esp", "spi", hex(spi))


def rekey_under_traffic(t, tun, direction, fam, port):
    """Numbered UDP from the sending side's LAN to the other's while the SA
    of that direction is replaced: new inbound, new outbound, old outbound
    deleted, old inbound deleted once the new one carries traffic."""
    for sel_a, sel_b in lan_sels(t, (fam,)):
        tun.protect(sel_a, sel_b)
    warm_up(t.lanA, t[f"LANB_{fam}"])
    warm_up(t.lanB, t[f"LANA_{fam}"])
    if direction == "ab":
        tx_peer, rx_peer, src_lan, dst_lan, reqid = tun.a, tun.b, t.lanA, t.lanB, 1
        dst_addr = t[f"LANB_{fam}"]
    else:
        tx_peer, rx_peer, src_lan, dst_lan, reqid = tun.b, tun.a, t.lanB, t.lanA, 2
        dst_addr = t[f"LANA_{fam}"]
    old = tun.spi[direction]
    new = old + 1
    rx = UdpReceiver(dst_lan, dst_addr, port, COUNT)
    try:
        tx = udp_send(src_lan, dst_addr, port, COUNT, rate=RATE, wait=False)
        _read_until(tx, b"QUARTER", 20)
        assert sa_get(rx_peer, rx_peer.local, old)["packets"] > 0
        rx_peer.d.cli(*tun.sa_words(new, rx_peer.remote, rx_peer.local, reqid,
                                    ["replay-window", "64"]))
        tx_peer.d.cli(*tun.sa_words(new, tx_peer.local, tx_peer.remote, reqid))
        slot = sa_get(tx_peer, tx_peer.remote, new)["slot"]
        out_pol = [p for p in tx_peer.d.js("policy", "list") if p["dir"] == "out" and
                   p["sa_slot"] == slot]
        assert len(out_pol) == 1, tx_peer.d.js("policy", "list")
        tx_peer.d.cli("state", "delete", "dst", tx_peer.remote, "proto", "esp",
                      "spi", hex(old))
        wait_for(lambda: sa_get(rx_peer, rx_peer.local, new)["packets"] > 0, timeout=10,
                 what="traffic on the new SA")
        rx_peer.d.cli("state", "delete", "dst", rx_peer.local, "proto", "esp",
                      "spi", hex(old))
        assert tx.wait(timeout=30) == 0
        got = rx.result()
    finally:
        rx.close()
    missing = sorted(set(range(COUNT)) - set(got))
    assert not missing and len(got) == COUNT, f"lost {len(missing)}: {missing[:20]}"
    new_sa = sa_get(rx_peer, rx_peer.local, new)
    assert 0 < new_sa["packets"] < COUNT and new_sa["drops"] == 0
    worker = rx_peer.d.stats()["worker"]["drops"]
    assert worker["unknown-spi"] == 0 and worker["replay"] == 0


def test_rekey_reverse_direction_under_traffic_loses_nothing():
    with gw2gw_tunnel("IP4") as (t, tun):
        rekey_under_traffic(t, tun, "ba", "IP4", 7101)


def test_rekey_ipv6_under_traffic_loses_nothing():
    with gw2gw_tunnel("IP6") as (t, tun):
        rekey_under_traffic(t, tun, "ab", "IP6", 7102)


def h2h_transport(t, alg_name, encap, fam):
    a = Peer(t.hostA, "a", t["HOSTA_IF"], None, t[f"HOSTA_{fam}"], t[f"HOSTB_{fam}"])
    b = Peer(t.hostB, "b", t["HOSTB_IF"], None, t[f"HOSTB_{fam}"], t[f"HOSTA_{fam}"])
    return Tunnel(a, b, alg_name, mode="transport", encap=encap,
                  spi_ab=0x7001, spi_ba=0x8001)


def run_h2h(t, tun, fam):
    return run_transport(t, tun, t.hostA, t.hostB, t[f"HOSTA_{fam}"], t[f"HOSTB_{fam}"],
                         5104)


@pytest.mark.parametrize("fam", ["IP4", "IP6"])
def test_h2h_transport_espinudp(fam):
    """Transport ESP in UDP 4500: only that on the wire; scapy decrypts the
    echo requests hostA sent to the same ICMP bytes (the IP header of a
    transport SA's packet is the outer one, so ICMP is what is compared)."""
    with topology("h2h") as t, wan_tap(t, "HOSTA", "HOSTB"):
        tun = h2h_transport(t, "gcm", True, fam)
        try:
            pkts, sent = run_h2h(t, tun, fam)
            assert_transport_esp(tun, pkts, sent)
        finally:
            tun.stop()


@pytest.mark.parametrize("fam", ["IP4", "IP6"])
def test_h2h_transport_ah(fam):
    """Transport AH (HMAC-SHA-256-128): only AH on the wire, scapy verifies
    every ICV and the echo requests come out byte for byte."""
    with topology("h2h") as t, wan_tap(t, "HOSTA", "HOSTB"):
        tun = h2h_transport(t, "ah", False, fam)
        try:
            pkts, sent = run_h2h(t, tun, fam)
            assert all(AH in p and ESP not in p for p in pkts), \
                [p.summary() for p in pkts[:3]]
            inner = decrypt_all(tun.scapy_sa("ab", tun.a.local, tun.b.local), pkts,
                                tun.a.local)
            back = decrypt_all(tun.scapy_sa("ba", tun.b.local, tun.a.local), pkts,
                               tun.b.local)
            assert len(inner) > 40 and len(back) > 3
            assert assert_echo_requests_match(sent, inner, hop=0) == 3
        finally:
            tun.stop()
