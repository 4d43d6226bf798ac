"""AH (RFC 4302) under attack and at its limits.

Every byte of a valid packet is changed in turn, and the engine must give the
exact reason expected for that region: the ICV covers every immutable byte
(RFC 4302 3.3.3.1), mutable fields (TOS/traffic class, flow label, TTL/hop
limit, DF) may change en route, header fields are caught by their own checks.
Every truncation is dropped with a reason. Then: replay, ESN rollover,
sequence exhaustion, lifetimes, headroom, and the per-reason counters.
"""
import ctypes
import struct

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import AH, SecurityAssociation
from scapy.packet import Raw, raw

import xsengine
from xsengine import (DROP_NAMES, EV_HARD_PACKETS, EV_SEQ_EXHAUSTED, EV_SOFT_PACKETS,
                      IPPROTO_AH, MODE_TRANSPORT, MODE_TUNNEL, SA)

SPI = 0x51515151
KEY = bytes(range(100, 132))
ALG = "hmac-sha256-128"          # ICV 16: AH is 28 bytes (IPv4), 32 (IPv6)
V4 = ("192.0.2.10", "192.0.2.20")
V6 = ("2001:db8::10", "2001:db8::20")
TOP = 1000                       # inbound: highest number seen
WINDOW = 64
REASONS = set(DROP_NAMES.values()) - {"ok"}


def sa(direction, src_dst=V4, mode=MODE_TRANSPORT, seq=TOP, **kw):
    return SA(spi=SPI, dir=direction, proto=IPPROTO_AH, mode=mode, src=src_dst[0],
              dst=src_dst[1], integ=ALG, integ_key=KEY, seq=seq,
              replay_window=WINDOW, **kw)


def plain4():
    return raw(IP(src=V4[0], dst=V4[1], tos=0x10, ttl=60, id=7, flags="DF") /
               UDP(sport=1111, dport=2222) / Raw(b"0123456789abcdefghij"))


def plain6():
    return raw(IPv6(src=V6[0], dst=V6[1], tc=0x10, fl=0x54321, hlim=60) /
               UDP(sport=1111, dport=2222) / Raw(b"0123456789abcdefghij"))


def protect(plain, src_dst=V4, mode=MODE_TRANSPORT, seq=TOP):
    why, wire = sa("out", src_dst, mode, seq=seq).out(plain)
    assert why == "ok"
    return wire


def seq_reason(n):
    """What the replay pre-check says about number n (TOP seen, window 64)."""
    if n == 0 or n == TOP:
        return "replay"
    if n <= TOP - WINDOW:
        return "too-old"
    return "icv-fail"


def expected_v4(i, wire):
    ah = 20
    if i == 0:
        return "bad-ip-header"                  # version
    if i in (1, 6, 8):
        return "ok"                             # TOS; reserved flag (0x80); TTL
    if i in (2, 3):
        return "bad-ip-header"                  # total length beyond the packet
    if i == 7:
        return "bad-ip-header"                  # fragment offset: a fragment
    if i == 9:
        return "not-ipsec"                      # protocol
    if i == ah + 1:
        return "bad-ah-header"                  # AH length
    if ah + 4 <= i < ah + 8:
        return "wrong-sa"                       # SPI: another SA's packet
    if ah + 8 <= i < ah + 12:
        b = bytearray(wire)
        b[i] ^= 0x80
        return seq_reason(struct.unpack("!I", b[ah + 8:ah + 12])[0])
    return "icv-fail"                           # ID, addresses, AH, ICV, payload


def expected_v6(i, wire):
    ah = 40
    if i == 0:
        return "bad-ip-header"                  # version
    if i in (1, 2, 3, 7):
        return "ok"                             # traffic class, flow label, hop limit
    if i in (4, 5):
        return "bad-ip-header"                  # payload length beyond the packet
    if i == 6:
        return "not-ipsec"                      # next header
    if i == ah + 1:
        return "bad-ah-header"
    if ah + 4 <= i < ah + 8:
        return "wrong-sa"
    if ah + 8 <= i < ah + 12:
        b = bytearray(wire)
        b[i] ^= 0x80
        return seq_reason(struct.unpack("!I", b[ah + 8:ah + 12])[0])
    return "icv-fail"                           # addresses, AH (incl. padding), payload


@pytest.mark.parametrize("family", ["v4", "v6"])
def test_every_byte(family):
    plain = plain4() if family == "v4" else plain6()
    src_dst = V4 if family == "v4" else V6
    wire = protect(plain, src_dst)
    assert len(wire) < 128          # so that a flipped length bit always grows it
    expected = expected_v4 if family == "v4" else expected_v6
    seen = {}
    for i in range(len(wire)):
        if family == "v4" and i in (10, 11):
            continue                # header checksum: not checked by AH (zeroed)
        b = bytearray(wire)
        b[i] ^= 0x80
        rx = sa("in", src_dst)
        why, out = rx.inp(bytes(b))
        exp = expected(i, wire)
        assert why == exp, f"byte {i}: {why}, expected {exp}"
        if why == "ok":                 # a mutable byte: delivered as changed
            exp_out = bytearray(plain)
            exp_out[i] = b[i]
            if family == "v4":
                fix_v4_csum(exp_out)
            assert out == bytes(exp_out), i
        seen[exp] = seen.get(exp, 0) + 1
    assert set(seen) >= {"ok", "icv-fail", "bad-ah-header", "wrong-sa", "too-old",
                         "bad-ip-header", "not-ipsec"}


def fix_v4_csum(b):
    b[10:12] = b"\0\0"
    s = sum(struct.unpack("!10H", bytes(b[:20])))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    b[10:12] = struct.pack("!H", ~s & 0xffff)


def test_mutable_ipv4_fields_change_en_route():
    plain = plain4()
    wire = protect(plain)
    for off, val in ((1, 0xff), (8, 1), (6, 0x00), (6, 0x80)):   # TOS, TTL, DF cleared, reserved
        b = bytearray(wire)
        b[off] = val
        fix_v4_csum(b)                  # as a router does
        why, out = sa("in").inp(bytes(b))
        assert why == "ok", (off, val)
        assert out[off] == val and out[:off] + out[off + 1:10] == plain[:off] + plain[off + 1:10]
        assert out[12:] == plain[12:]
        assert raw(IP(out)) == out      # checksum recomputed over the result
    b = bytearray(wire)
    b[6] |= 0x20                        # more fragments: a fragment, never AH-verified
    fix_v4_csum(b)
    assert sa("in").inp(bytes(b))[0] == "bad-ip-header"


def test_mutable_ipv6_fields_change_en_route():
    plain = plain6()
    wire = protect(plain, V6)
    b = bytearray(wire)
    b[0:4] = bytes([0x6f, 0xff, 0xff, 0xff])      # traffic class, flow label
    b[7] = 1                                      # hop limit
    why, out = sa("in", V6).inp(bytes(b))
    assert why == "ok"
    assert out == bytes(b[:4]) + plain[4:7] + b"\x01" + plain[8:]


@pytest.mark.parametrize("family", ["v4", "v6"])
@pytest.mark.parametrize("mode", [MODE_TRANSPORT, MODE_TUNNEL], ids=["transport", "tunnel"])
def test_every_truncation(family, mode):
    plain = plain4() if family == "v4" else plain6()
    src_dst = V4 if family == "v4" else V6
    wire = protect(plain, src_dst, mode)
    for n in range(len(wire)):
        why, _ = sa("in", src_dst, mode).inp(wire[:n])
        assert why in REASONS, (n, why)
        # the same cut with the IP length adjusted, so the AH code sees it
        b = bytearray(wire[:n])
        if family == "v4" and n >= 20:
            b[2:4] = struct.pack("!H", n)
            fix_v4_csum(b)
        elif family == "v6" and n >= 40:
            b[4:6] = struct.pack("!H", n - 40)
        why, _ = sa("in", src_dst, mode).inp(bytes(b))
        assert why in REASONS, (n, why)
        hdr = 20 if family == "v4" else 40
        if hdr + 12 <= n < hdr + len(wire) - len(plain) - (hdr if mode == MODE_TUNNEL else 0):
            assert why == "short-packet", (n, why)   # inside the AH header
        elif n >= hdr + 12:
            assert why == "icv-fail", (n, why)


def test_every_ah_length_value():
    wire = protect(plain4())
    for v in range(256):
        b = bytearray(wire)
        b[21] = v
        why, _ = sa("in").inp(bytes(b))
        assert why == ("ok" if v == wire[21] else "bad-ah-header"), v


def test_replay_and_too_old_and_counters():
    rx = sa("in")
    pkts = [protect(plain4(), seq=TOP + k) for k in range(3)]       # 1001..1003
    assert rx.inp(pkts[1])[0] == "ok"
    assert rx.inp(pkts[1])[0] == "replay"
    assert rx.inp(pkts[0])[0] == "ok"                               # late but in window
    assert rx.inp(pkts[0])[0] == "replay"
    old = protect(plain4(), seq=TOP - WINDOW - 10)
    assert rx.inp(old)[0] == "too-old"
    forged = bytearray(pkts[2])
    forged[-1] ^= 1
    assert rx.inp(bytes(forged))[0] == "icv-fail"
    assert rx.inp(pkts[2])[0] == "ok"                               # forgery did not burn it
    st = rx.stats()
    assert st["packets"] == 3 and st["bytes"] == 3 * len(plain4())
    assert st["drops"] == {"replay": 2, "too-old": 1, "icv-fail": 1}


def test_esn_rollover():
    start = 0xfffffffe
    tx = sa("out", seq=start, esn=True)
    rx = sa("in", seq=start, esn=True)
    plain = plain4()
    for full in (0xffffffff, 1 << 32, (1 << 32) + 1):
        why, wire = tx.out(plain)
        assert why == "ok"
        assert IP(wire)[AH].seq == full & 0xffffffff
        # scapy verifies with the implicit high bits, and only with them
        ref = SecurityAssociation(AH, spi=SPI, auth_algo="SHA2-256-128", auth_key=KEY,
                                  esn_en=True, esn=full >> 32)
        assert raw(ref.decrypt(IP(wire))) == plain
        if full >> 32:
            with pytest.raises(Exception):
                SecurityAssociation(AH, spi=SPI, auth_algo="SHA2-256-128", auth_key=KEY,
                                    esn_en=True, esn=0).decrypt(IP(wire))
        assert rx.inp(wire) == ("ok", plain)
    assert rx.stats()["packets"] == 3


@pytest.mark.parametrize("esn", [False, True], ids=["noesn", "esn"])
def test_seq_exhaustion_never_wraps(esn):
    last = (1 << 64) - 1 if esn else (1 << 32) - 1
    tx = sa("out", seq=last - 1, esn=esn)
    why, wire = tx.out(plain4())
    assert why == "ok" and IP(wire)[AH].seq == 0xffffffff
    why, out = tx.out(plain4())
    assert why == "seq-exhausted"
    assert tx.events() & EV_SEQ_EXHAUSTED
    for _ in range(3):
        why, _ = tx.out(plain4())
        assert why != "ok"
    st = tx.stats()
    assert st["packets"] == 1 and st["drops"]["seq-exhausted"] == 1
    assert sum(st["drops"].values()) == 4


def test_lifetimes():
    tx = sa("out", soft_packets=1, hard_packets=2)
    assert tx.out(plain4())[0] == "ok"
    assert tx.events() & EV_SOFT_PACKETS
    assert tx.out(plain4())[0] == "ok"
    assert tx.out(plain4())[0] == "lifetime-expired"
    assert tx.events() & EV_HARD_PACKETS
    # inbound: only verified packets count
    rx = sa("in", hard_packets=1)
    good = [protect(plain4(), seq=TOP + k) for k in range(2)]
    bad = bytearray(good[0])
    bad[-1] ^= 1
    assert rx.inp(bytes(bad))[0] == "icv-fail"
    assert rx.inp(good[0])[0] == "ok"
    assert rx.inp(good[1])[0] == "lifetime-expired"


def test_no_headroom():
    tx = sa("out", seq=0)
    plain = plain4()
    buf = (ctypes.c_uint8 * (len(plain) + 64))()
    ctypes.memmove(ctypes.addressof(buf) + 10, plain, len(plain))
    p = xsengine.Pkt()
    p.data = ctypes.cast(ctypes.addressof(buf) + 10, ctypes.POINTER(ctypes.c_uint8))
    p.len, p.headroom, p.tailroom = len(plain), 10, 54
    rc = xsengine.lib().xs_ah_out(tx._h, ctypes.byref(p))
    assert DROP_NAMES[rc] == "no-room"
    assert ctypes.string_at(p.data, p.len) == plain
    why, wire = tx.out(plain)
    assert why == "ok" and IP(wire)[AH].seq == 1       # no number was spent
    assert tx.stats()["drops"] == {"no-room": 1}


def test_wrong_direction_and_proto():
    wire = protect(plain4())
    assert sa("out").inp(wire)[0] == "wrong-sa"
    assert sa("in").out(plain4())[0] == "wrong-sa"
    esp = SA(spi=SPI, dir="in", mode=MODE_TRANSPORT, src=V4[0], dst=V4[1],
             enc="null", integ=ALG, integ_key=KEY)
    assert xsengine.lib().xs_ah_in(esp._h, *_parsed(wire)) == xsengine.DROP["wrong-proto"]


def _parsed(wire):
    buf, p = SA._buf(wire)
    info = xsengine.RxInfo()
    assert xsengine.lib().xs_rx_parse(ctypes.byref(p), ctypes.byref(info)) == 0
    _parsed.keep = buf
    return ctypes.byref(p), ctypes.byref(info)


def test_tunnel_payload_checks():
    """A verified tunnel packet must carry exactly one IPv4/IPv6 packet."""
    ref = SecurityAssociation(AH, spi=SPI, auth_algo="SHA2-256-128", auth_key=KEY)
    # transport-mode AH (next header UDP) arriving on a tunnel SA
    wire = raw(ref.encrypt(IP(src=V4[0], dst=V4[1]) / UDP() / Raw(b"x" * 20), seq_num=TOP + 1))
    assert sa("in", mode=MODE_TUNNEL).inp(wire)[0] == "bad-next-header"
    # next header says IPv4, the inner packet is IPv6
    tun = IP(src=V4[0], dst=V4[1], proto=4)
    wire = raw(ref.encrypt(tun / Raw(plain6()), seq_num=TOP + 1))
    assert sa("in", mode=MODE_TUNNEL).inp(wire)[0] == "bad-next-header"
    # inner IPv4 length disagrees with what AH carries
    inner = bytearray(plain4())
    inner[3] -= 4
    fix_v4_csum(inner)
    wire = raw(ref.encrypt(tun / Raw(bytes(inner)), seq_num=TOP + 1))
    rx = sa("in", mode=MODE_TUNNEL)
    assert rx.inp(wire)[0] == "bad-length"
    assert rx.stats()["drops"] == {"bad-length": 1} and rx.stats()["packets"] == 0
