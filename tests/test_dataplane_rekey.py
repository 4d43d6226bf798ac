"""SA replacement under traffic, and a daemon killed under traffic.

gw2gw, AES-GCM tunnel, PROTECT lanA <-> lanB (IPv4), numbered UDP
datagrams lanA -> lanB at a fixed rate:

- rekey in the documented order (docs/operations.md): the new inbound SA
  on gwB, then the new outbound SA on gwA (the PROTECT policy re-points to
  the newest SA matching its template), then the old outbound SA, and the
  old inbound SA once the new one carries the traffic. Every datagram
  arrives, and both SPIs carried some of them.
- kill -9 of gwA's daemon: from then on lanA's traffic stops reaching lanB
  (fail closed: xdp-lan counts them no-worker) and the WAN carries nothing
  but IPsec, before and after.
"""
import json
import subprocess

from netns import wait_for, _read_until
from test_dataplane_common import (UdpReceiver, assert_only_ipsec, gw2gw_tunnel,
                                   lan_sels, udp_send, warm_up, wire_seqs)

COUNT = 2000
RATE = 1000.0
HOOK_LAN, DROP_NO_WORKER = 1, 21          # maps/types.h, maps/drop_reasons.h


def bpftool(*args):
    return json.loads(subprocess.run(["bpftool", "-j", *args], check=True,
                                     capture_output=True, text=True).stdout)


def no_worker_drops(ns, dev):
    """xdp-lan's no-worker count, read from the programs' xs_stats by map id
    (the pins died with the daemon's mount namespace)."""
    info = json.loads(ns.run(["ip", "-j", "-d", "link", "show", "dev", dev]).stdout)[0]
    prog = bpftool("prog", "show", "id", str(info["xdp"]["prog"]["id"]))
    stats = next(m for m in prog["map_ids"]
                 if bpftool("map", "show", "id", str(m))["name"] == "xs_stats")
    entry = next(e for e in bpftool("map", "dump", "id", str(stats))
                 if e["formatted"]["key"] == HOOK_LAN)
    return sum(cpu["value"]["drops"][DROP_NO_WORKER] for cpu in entry["formatted"]["values"])


def protect_ipv4(t, tun):
    for sel_a, sel_b in lan_sels(t, ("IP4",)):
        tun.protect(sel_a, sel_b)
    warm_up(t.lanA, t["LANB_IP4"])


def sa_get(peer, dst, spi):
    return peer.d.js("state", "get", "dst", dst, "proto", "esp", "spi", hex(spi))


def test_rekey_under_traffic_loses_nothing():
    with gw2gw_tunnel("IP4") as (t, tun):
        protect_ipv4(t, tun)
        a, b = tun.a, tun.b
        old, new = tun.spi["ab"], tun.spi["ab"] + 1
        rx = UdpReceiver(t.lanB, t["LANB_IP4"], 7001, COUNT)
        try:
            tx = udp_send(t.lanA, t["LANB_IP4"], 7001, COUNT, rate=RATE, wait=False)
            _read_until(tx, b"QUARTER", 20)
            assert sa_get(b, b.local, old)["packets"] > 0
            b.d.cli(*tun.sa_words(new, b.remote, b.local, 1, ["replay-window", "64"]))
            a.d.cli(*tun.sa_words(new, a.local, a.remote, 1))
            slot = sa_get(a, a.remote, new)["slot"]
            out_pol = [p for p in a.d.js("policy", "list") if p["dir"] == "out"]
            assert [p["sa_slot"] for p in out_pol] == [slot]
            a.d.cli("state", "delete", "dst", a.remote, "proto", "esp", "spi", hex(old))
            wait_for(lambda: sa_get(b, b.local, new)["packets"] > 0, timeout=10,
                     what="traffic on the new SA")
            b.d.cli("state", "delete", "dst", b.local, "proto", "esp", "spi", hex(old))
            assert tx.wait(timeout=30) == 0
            got = rx.result()
        finally:
            rx.close()
        missing = sorted(set(range(COUNT)) - set(got))
        assert not missing and len(got) == COUNT, f"lost {len(missing)}: {missing[:20]}"
        assert 0 < sa_get(b, b.local, new)["packets"] < COUNT
        assert sa_get(b, b.local, new)["drops"] == 0
        worker = b.d.stats()["worker"]["drops"]
        assert worker["unknown-spi"] == 0 and worker["replay"] == 0


def test_kill9_under_traffic_leaks_nothing():
    with gw2gw_tunnel("IP4") as (t, tun):
        protect_ipv4(t, tun)
        count = 3000
        rx = UdpReceiver(t.lanB, t["LANB_IP4"], 7002, count, idle=2.0)
        try:
            with t.wan.capture(t["WAN_TAP_IF"]) as wire:
                tx = udp_send(t.lanA, t["LANB_IP4"], 7002, count, rate=RATE, wait=False)
                _read_until(tx, b"QUARTER", 20)
                tun.a.d.kill9()
                assert tx.wait(timeout=30) == 0
                got = rx.result()
            pkts = assert_only_ipsec(wire, [t["LANA_IP4"], t["LANB_IP4"]])
        finally:
            rx.close()
        sent_esp = wire_seqs(pkts, tun.a.local)
        # traffic flowed before the kill, and stopped with it: everything lanB
        # got was carried by ESP seen on the wire, well short of the total
        assert len(got) >= count // 4 and len(got) < count // 2, len(got)
        assert len(sent_esp) >= len(got)
        assert got == list(range(len(got))), "lanB got a gap or a late packet"
        # the rest was dropped by gwA's xdp-lan as no-worker (the packets in
        # the dead worker's rings at the kill are lost uncounted)
        dropped = no_worker_drops(t.gwA, t["GWA_LAN_IF"])
        assert count - len(got) - 64 <= dropped <= count - len(got)
