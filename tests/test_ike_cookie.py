"""IKE_SA_INIT cookies (RFC 7296 2.6) under a flood of spoofed requests.

The topology of test_ike_init.py: charon in one namespace (192.0.2.1 on
ike0), tests/ike/ike_cookie_tool in another (192.0.2.2 on ike1), which puts
ike_cookie_check() (ike/cookie.c) in front of ike_init_respond() and counts
the IKE SAs it answered as half-open until their IKE_AUTH arrives. This is
the IKE core's responder path without the daemon: the daemon's own sockets
are tested by the interop suite.

scapy, in charon's namespace, floods the tool with IKE_SA_INIT requests
built here (curve25519 KE values from python3-cryptography) from many
spoofed source addresses. The first THRESHOLD of them are answered in full
and stay half-open; every later one gets only a COOKIE notify with a zero
responder SPI, and the half-open count stays put (no state for them).
Then charon initiates: it is asked for a cookie too, echoes it, is
answered in full and sends IKE_AUTH, which the tool opens with the keys of
the SA the cookie let through.

test_daemon_flood_*: the same flood against the xdpsec daemon (gw2gw,
xdpsec on gwA answering any peer, charon on gwB): the daemon keeps
IKE_COOKIE_THRESHOLD (64) half-open IKE SAs and answers every later request
with a lone COOKIE (seen on the wire), and charon, asked for a cookie too,
gets its tunnel: IKE SA and Child SA up, pings through.
"""
import os
import struct
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_ike_codec import K, charon_ns, decode  # noqa: E402,F401
from test_ike_init import CHARON_IP, OUR_IP, peer  # noqa: E402,F401
from netns import topology, wait_for  # noqa: E402
from strongswan import Charon, swanctl_conf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "build", "tests", "ike", "ike_cookie_tool")
THRESHOLD = 8
FLOOD = 300
COOKIE_LEN = 33  # version byte | HMAC-SHA2-256


@pytest.fixture(scope="module", autouse=True)
def built():
    subprocess.run(["flock", "/tmp/xdpsec-build.lock", "make", "-s", "-C", ROOT,
                    "build/tests/ike/ike_cookie_tool", "build/tests/ike/ike_decode"],
                   check=True)


def payload(nxt, body):
    return struct.pack("!BBH", nxt, 0, 4 + len(body)) + body


def init_request(spi_i):
    """IKE_SA_INIT for aes256gcm16-prfsha384-x25519 (charon's first
    proposal), written from RFC 7296 3.1-3.9 without our builder."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    xforms = [
        (3, 1, 20, struct.pack("!HH", 0x800E, 256)),  # ENCR AES-GCM-16, 256 bits
        (3, 2, 6, b""),                               # PRF HMAC-SHA2-384
        (0, 4, 31, b""),                              # DH curve25519
    ]
    body = b"".join(struct.pack("!BBHBBH", last, 0, 8 + len(a), t, 0, i) + a
                    for last, t, i, a in xforms)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(body), 1, 1, 0, len(xforms)) + body
    pub = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw,
                                                                PublicFormat.Raw)
    chain = (payload(34, prop) + payload(40, struct.pack("!HH", 31, 0) + pub) +
             payload(0, os.urandom(32)))
    hdr = struct.pack("!QQBBBBII", spi_i, 0, 33, 0x20, 34, 0x08, 0, 28 + len(chain))
    return hdr + chain


def spoofed(n):
    """n distinct source addresses, none of them on the link."""
    return [f"10.66.{i // 250}.{i % 250 + 1}" for i in range(n)]


def flood(ns, ours_mac, sources, iface="ike0", dst=OUR_IP):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    src_mac = ns.mac(iface)
    frames = [Ether(src=src_mac, dst=ours_mac) / IP(src=s, dst=dst) /
              UDP(sport=500, dport=500) / init_request(int.from_bytes(os.urandom(8), "big") | 1)
              for s in sources]
    ns.sendp(iface, frames)
    return frames


def test_flood_demands_cookies_legit_peer_connects(peer, tmp_path):
    ns, swanctl, d, ours = peer
    # answers to the spoofed sources leave towards charon's namespace;
    # static neighbours both ways: no ARP queue for the burst to overflow
    ours.run(f"ip route add default via {CHARON_IP} dev ike1 && "
             f"ip neigh replace {CHARON_IP} lladdr {ns.mac('ike0')} dev ike1")
    ns.run(f"ip neigh replace {OUR_IP} lladdr {ours.mac('ike1')} dev ike0")
    # its output to a file: a full pipe would stall it in the middle of the flood
    out_path, err_path = tmp_path / "tool.out", tmp_path / "tool.err"
    with open(out_path, "w") as out_f, open(err_path, "w") as err_f:
        tool = ours.popen([TOOL, "aes256gcm16-prfsha384-x25519", OUR_IP, str(THRESHOLD),
                           "20000"], stdout=out_f, stderr=err_f)
    init = None
    try:
        wait_for(lambda: tool.poll() is not None or ":500 " in ours.run(
            ["ss", "-Hnlu", "sport", "=", ":500"]).stdout, timeout=10, what="the tool")
        sources = spoofed(FLOOD)
        frames = flood(ns, ours.mac("ike1"), sources)
        init = ns.popen(["swanctl", "--initiate", "--child", "net", "--timeout", "20",
                         "--uri", f"unix://{d}/run/charon.vici"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        env=dict(os.environ, SWANCTL_DIR=str(d / "swanctl")))
        tool.wait(timeout=40)
    finally:
        for p in (tool, init):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    import json
    lines = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert tool.returncode == 0, (err_path.read_text(), lines[-3:],
                                  (d / "charon.log").read_text()[-3000:])
    inits = [x for x in lines if x["event"] != "auth"]
    flood_lines = [x for x in inits if x["from"] != CHARON_IP]
    legit = [x for x in inits if x["from"] == CHARON_IP]
    assert len(flood_lines) == FLOOD and {x["from"] for x in flood_lines} == set(sources)

    # the first THRESHOLD are answered in full and stay half-open ...
    accepted = [x for x in flood_lines if x["event"] == "init"]
    assert [x["result"] for x in accepted] == [0] * THRESHOLD
    assert [x["half_open"] for x in accepted] == list(range(1, THRESHOLD + 1))
    assert flood_lines[:THRESHOLD] == accepted
    # ... every later one gets a COOKIE only, and no state is made
    cookies = flood_lines[THRESHOLD:]
    assert all(x["event"] == "cookie" and x["half_open"] == THRESHOLD for x in cookies)
    sent = {bytes(f)[42:50]: f for f in frames}  # Ether 14 + IP 20 + UDP 8: SPIi
    seen = set()
    for x in cookies[:20] + cookies[-5:]:
        r = decode(bytes.fromhex(x["response"]), tmp=tmp_path)
        assert r["ok"], r
        assert r["exchange"] == K["EXCHANGE_IKE_SA_INIT"] and r["flags"] == 0x20
        assert r["spi_r"] == "0" * 16 and bytes.fromhex(r["spi_i"]) in sent
        assert [n["name"] for n in r["notify"]] == ["cookie"] and r["sa"] == []
        cookie = r["notify"][0]["data"]
        assert len(bytes.fromhex(cookie)) == COOKIE_LEN
        seen.add(cookie)
    assert len(seen) == 25  # one per (Ni, IPi, SPIi)

    # charon: asked for a cookie, echoes it, gets in, and its IKE_AUTH opens
    assert [(x["event"], x["had_cookie"]) for x in legit[:2]] == [
        ("cookie", False), ("init", True)], legit
    assert legit[1]["result"] == 0 and legit[1]["half_open"] == THRESHOLD + 1
    r = decode(bytes.fromhex(legit[1]["response"]), tmp=tmp_path)
    assert r["ok"] and r["ke"]["group"] == K["DH_CURVE25519"], r
    assert lines[-1]["event"] == "auth" and lines[-1]["open"] == "ok", lines[-1]
    assert lines[-1]["inner_len"] > 0


DAEMON_THRESHOLD = 64  # IKE_COOKIE_THRESHOLD (ike/cookie.h)
PROP = "aes256gcm16-prfsha384-x25519"


def ike_packets(pkts):
    """(src, dst, IKE bytes) of each UDP 500 datagram captured."""
    from scapy.layers.inet import IP, UDP
    return [(p[IP].src, p[IP].dst, bytes(p[UDP].payload)) for p in pkts
            if UDP in p and p[UDP].dport == 500 or UDP in p and p[UDP].sport == 500]


def is_cookie_only(m):
    """An IKE_SA_INIT response with a zero SPIr and a lone COOKIE notify."""
    return (m[18] == 34 and m[19] & 0x20 and m[8:16] == bytes(8) and m[16] == 41 and
            m[28] == 0 and int.from_bytes(m[30:32], "big") == 4 + 4 + COOKIE_LEN and
            int.from_bytes(m[34:36], "big") == 16390)


def test_daemon_flood_demands_cookies_charon_connects(tmp_path):
    from test_ike_interop import A_ID, B_ID, PSK, Daemon
    with topology("gw2gw") as t:
        d = Daemon(t.gwA, "ck", tmp_path)
        c = Charon(t.gwB, tmp_path / "charon")
        try:
            d.run()
            c.start()
            common = dict(name="gw", proposals=PROP, esp_proposals="aes256gcm16",
                          secret=PSK)
            d.load(swanctl_conf(local="192.0.2.1", remote="%any", local_ts="10.1.0.0/24",
                                remote_ts="10.2.0.0/24", local_id=A_ID, remote_id=B_ID,
                                **common), t["GWA_WAN_IF"], t["GWA_LAN_IF"])
            c.load(swanctl_conf(local="192.0.2.2", remote="192.0.2.1", local_ts="10.2.0.0/24",
                                remote_ts="10.1.0.0/24", local_id=B_ID, remote_id=A_ID,
                                **common))
            # answers to the spoofed sources go towards gwB (and die there)
            t.gwA.run("ip route add 10.66.0.0/16 via 192.0.2.2")
            cap = t.gwB.capture(t["GWB_WAN_IF"], "udp port 500")
            sources = spoofed(FLOOD)
            for k in range(0, FLOOD, 50):   # bursts the daemon's socket buffer takes
                flood(t.gwB, t.gwA.mac(t["GWA_WAN_IF"]), sources[k:k + 50],
                      iface=t["GWB_WAN_IF"], dst="192.0.2.1")
            half = wait_for(lambda: len(d.sas()) >= DAEMON_THRESHOLD and d.sas(),
                            timeout=20, what="the half-open IKE SAs")
            c.initiate("net")
            sas = wait_for(lambda: [s for s in d.sas() if s["state"] == "ESTABLISHED" and
                                    s["child_sas"]], timeout=20, what="charon's IKE SA")
            assert t.lanB.ping(t["LANA_IP4"], count=2) and t.lanA.ping(t["LANB_IP4"], count=2)
            pkts = ike_packets(cap.stop())
            after = d.sas()
        finally:
            d.stop()
            c.stop()
    # the flood made exactly THRESHOLD half-open SAs, whatever came after
    assert len(half) == DAEMON_THRESHOLD
    assert {s["state"] for s in half} == {"CONNECTING"}
    connecting = [s for s in after if s["state"] == "CONNECTING"]
    assert len(connecting) == DAEMON_THRESHOLD and len(sas) == 1
    assert sas[0]["remote_id"] == B_ID and sas[0]["child_sas"][0]["state"] == "INSTALLED"
    to_flood = [m for src, dst, m in pkts if dst.startswith("10.66.")]
    cookies = [m for m in to_flood if is_cookie_only(m)]
    full = [m for m in to_flood if not is_cookie_only(m)]
    # (a capture may miss a few of a burst; none of them is a full answer)
    assert len(full) == DAEMON_THRESHOLD and len(cookies) + len(full) <= FLOOD
    assert len(cookies) >= 0.9 * (FLOOD - DAEMON_THRESHOLD)
    assert all(m[16] == 33 for m in full)  # SA first: a real answer
    # charon: a COOKIE first, then its request again with the cookie first
    theirs = [(src, m) for src, dst, m in pkts if "192.0.2.2" in (src, dst) and m[18] == 34]
    (s1, q1), (s2, r1), (s3, q2), (s4, r2) = theirs[:4]
    assert (s1, s2, s3, s4) == ("192.0.2.2", "192.0.2.1", "192.0.2.2", "192.0.2.1")
    assert is_cookie_only(r1) and q2[16] == 41 and int.from_bytes(q2[34:36], "big") == 16390
    assert q2[36:36 + COOKIE_LEN] == r1[36:36 + COOKIE_LEN]
    assert r2[16] == 33 and r2[8:16] != bytes(8)
