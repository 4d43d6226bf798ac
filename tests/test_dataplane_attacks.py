"""What a gateway accepts from its WAN, and what its SPD lets through.

gw2gw, AES-GCM tunnel, PROTECT lanA <-> lanB (IPv4). Frames are injected
into gwB's WAN from the tap namespace between the gateways:

- ESP that scapy encrypts with the SA's key and fresh sequence numbers is
  decrypted and forwarded to lanB, byte for byte (TTL one lower);
- an unknown SPI, a replayed frame, a flipped ciphertext byte, and ESP
  truncated below its header or below IV + ICV are dropped and counted
  (unknown-spi, replay, icv-fail, short-packet / bad-length) and never
  reach lanB: a valid marker packet sent after them is the first thing
  lanB sees;
- DISCARD drops one flow at gwA (policy-discard), BYPASS lets one flow
  cross the WAN in plaintext (seen on the tap), and plaintext arriving on
  gwB's WAN that an inbound PROTECT policy covers is dropped (unprotected).
"""
from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import Ether

from netns import wait_for
from test_dataplane_common import (forwarded, gw2gw_tunnel,
                                   lan_sels, outer, warm_up)


def counters(tun):
    st = tun.b.d.stats()
    return st["hooks"]["xdp-wan"]["drops"], st["worker"]["drops"]


def wait_counted(tun, hook, reason, at_least):
    def now():
        wan, worker = counters(tun)
        return (wan if hook == "xdp-wan" else worker)[reason]
    return wait_for(lambda: now() >= at_least, timeout=10,
                    what=f"{hook} {reason} >= {at_least}")


def inject(t, frames):
    """Sends frames from the tap namespace into gwB's WAN."""
    t.wan.sendp(t.prefix + "wb", frames)


def test_scapy_esp_delivered_bad_esp_dropped():
    with gw2gw_tunnel("IP4") as (t, tun):
        for sel_a, sel_b in lan_sels(t, ("IP4",)):
            tun.protect(sel_a, sel_b)
        warm_up(t.lanA, t["LANB_IP4"])
        a_wan, b_wan = tun.a.local, tun.b.local
        eth = Ether(src=t.gwA.mac(t["GWA_WAN_IF"]), dst=t.gwB.mac(t["GWB_WAN_IF"]))
        sa = tun.scapy_sa("ab", a_wan, b_wan)

        def esp(seq, dport, body=b"scapy-built ESP payload"):
            inner = IP(src=t["LANA_IP4"], dst=t["LANB_IP4"], ttl=64) / \
                UDP(sport=40000 + seq % 1000, dport=dport) / (body + seq.to_bytes(4, "big"))
            return inner, eth / sa.encrypt(inner, seq_num=seq)

        # scapy ESP with fresh sequence numbers is delivered to lanB as sent
        good = [esp(s, 7777) for s in (1000, 1001, 1002)]
        sniffer = t.lanB.sniffer(t["LANB_IF"], "udp port 7777", count=3, timeout=10)
        inject(t, [f for _, f in good])
        got = sniffer.result()
        assert [bytes(p[IP]) for p in got] == [forwarded(i) for i, _ in good]

        wan0, wk0 = counters(tun)
        replay = good[0][1]
        _, tampered = esp(2000, 7778)
        raw = bytearray(bytes(tampered))
        raw[len(raw) - 30] ^= 0x01                         # inside the ciphertext
        _, short = esp(2001, 7778)
        hdr_len = len(Ether()) + 20
        bad = [
            eth / IP(src=a_wan, dst=b_wan) / ESP(spi=0xdead, seq=5) / (b"\x00" * 48),
            replay,
            bytes(raw),
            bytes(eth / IP(src=a_wan, dst=b_wan, proto=50)) + bytes(short)[hdr_len:hdr_len + 6],
        ]
        # ESP whose body is shorter than IV + ICV: fix the IP length too
        cut = IP(bytes(short[IP])[:20 + 8 + 8 + 4])
        cut.len = 40
        del cut.chksum
        bad.append(eth / IP(bytes(cut)))
        _, marker = esp(2002, 7778, b"marker")
        sniffer = t.lanB.sniffer(t["LANB_IF"], "udp port 7778", count=1, timeout=10)
        inject(t, bad)
        wait_counted(tun, "xdp-wan", "unknown-spi", wan0["unknown-spi"] + 1)
        wait_counted(tun, "worker", "replay", wk0["replay"] + 1)
        wait_counted(tun, "worker", "icv-fail", wk0["icv-fail"] + 1)

        def short_drops():
            wan, wk = counters(tun)
            return sum(d["short-packet"] + d["bad-length"] for d in (wan, wk))
        wait_for(lambda: short_drops() >= sum(d["short-packet"] + d["bad-length"]
                                              for d in (wan0, wk0)) + 2,
                 what="2 truncated ESP counted")
        inject(t, [marker])
        first = sniffer.result()
        assert len(first) == 1 and first[0][UDP].load.startswith(b"marker"), \
            [p.summary() for p in first]
        sa_b = tun.b.d.js("state", "get", "dst", b_wan, "proto", "esp",
                          "spi", hex(tun.spi["ab"]))
        assert sa_b["drops"] >= 2 and sa_b["replay_top"] == 2002


def test_discard_bypass_unprotected():
    with gw2gw_tunnel("IP4") as (t, tun):
        lan_a, lan_b = lan_sels(t, ("IP4",))[0]
        sel = ["src", lan_a, "dst", lan_b, "proto", "udp"]
        tun.a.d.cli("policy", "add", *sel, "dport", "9001", "dir", "out", "action", "block")
        tun.a.d.cli("policy", "add", *sel, "dport", "9002", "dir", "out")
        tun.b.d.cli("policy", "add", *sel, "dport", "9002", "dir", "fwd")
        tun.protect(lan_a, lan_b)
        pols = {p["dport"]: p["action"] for p in tun.a.d.js("policy", "list")}
        assert pols["9001"] == "discard" and pols["9002"] == "bypass"
        warm_up(t.lanA, t["LANB_IP4"])
        a0 = tun.a.d.stats()["hooks"]["xdp-lan"]["drops"]["policy-discard"]
        b0 = counters(tun)[0]["unprotected"]
        lanA_mac, gwB_mac = t.lanA.mac(t["LANA_IF"]), t.gwB.mac(t["GWB_WAN_IF"])
        sniffer = t.lanB.sniffer(t["LANB_IF"], "udp and (port 9001 or port 9002 or "
                                 "port 9003)", count=3, timeout=15)
        with t.wan.capture(t["WAN_TAP_IF"]) as wire:
            plain = [Ether(src=lanA_mac, dst=t.gwA.mac(t["GWA_LAN_IF"])) /
                     IP(src=t["LANA_IP4"], dst=t["LANB_IP4"]) /
                     UDP(sport=5555, dport=9001) / b"discard me"] * 4
            t.lanA.sendp(t["LANA_IF"], plain)
            wait_for(lambda: tun.a.d.stats()["hooks"]["xdp-lan"]["drops"]
                     ["policy-discard"] >= a0 + 4, what="4 policy-discard at gwA")
            # plaintext that should have been protected, straight into gwB's WAN
            unprot = Ether(dst=gwB_mac) / IP(src=t["LANA_IP4"], dst=t["LANB_IP4"], ttl=63) / \
                UDP(sport=5555, dport=9003) / b"unprotected"
            inject(t, [unprot] * 3)
            wait_for(lambda: counters(tun)[0]["unprotected"] >= b0 + 3,
                     what="3 unprotected at gwB")
            bypass = [Ether(src=lanA_mac, dst=t.gwA.mac(t["GWA_LAN_IF"])) /
                      IP(src=t["LANA_IP4"], dst=t["LANB_IP4"]) /
                      UDP(sport=5555, dport=9002) / (b"bypass %d" % i) for i in range(3)]
            t.lanA.sendp(t["LANA_IF"], bypass)
            got = sniffer.result()
        assert [p[UDP].load for p in got] == [b"bypass %d" % i for i in range(3)]
        pkts = wire.stop()
        assert wire.dropped == 0
        from_a = [p for p in pkts if outer(p) is not None and outer(p).src == t["LANA_IP4"]]
        ports = sorted(p[UDP].dport for p in from_a if UDP in p)
        # the BYPASS flow crossed in plaintext; the discarded one never left gwA
        # (the unprotected frames went straight into gwB, not past the tap)
        assert ports == [9002] * 3, ports
