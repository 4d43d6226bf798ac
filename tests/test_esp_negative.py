"""ESP inputs that must be refused, each with its reason and counted per SA.

Forged packets with a valid ICV (bad padding, dummy, wrong next header)
are built with python3-cryptography's AESGCM per RFC 4106, independently of
the engine.
"""
import struct

import pytest
import xsengine as xe
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw, raw

SPI = 0x2002
GCM_KEY = bytes(range(1, 21))
CBC_KEY = bytes(range(40, 56))
HMAC_KEY = bytes(range(100, 132))
SRC, DST = "192.0.2.1", "192.0.2.2"
INNER = raw(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"x" * 33))

ALGS = {"gcm": dict(enc="aes-gcm-16", enc_key=GCM_KEY),
        "cbc": dict(enc="aes-cbc", enc_key=CBC_KEY, integ="hmac-sha256-128",
                    integ_key=HMAC_KEY)}
MODES = {"tunnel": xe.MODE_TUNNEL, "transport": xe.MODE_TRANSPORT}


def pair(alg="gcm", mode="tunnel", **kw):
    """Outbound and inbound SA with the same keys."""
    common = dict(spi=SPI, mode=MODES[mode], **ALGS[alg])
    common.update(kw)
    in_kw = dict(common)
    in_kw.pop("hard_packets", None), in_kw.pop("soft_packets", None)
    out = xe.SA(dir="out", src=SRC, dst=DST, **common)
    inb = xe.SA(dir="in", src=DST, dst=SRC, **common)
    return out, inb


def sealed(alg="gcm", mode="tunnel", n=1, **kw):
    out, inb = pair(alg, mode, **kw)
    pkts = []
    for _ in range(n):
        why, wire = out.out(INNER)
        assert why == "ok"
        pkts.append(wire)
    return out, inb, pkts


# --- every single-byte change ------------------------------------------------

@pytest.mark.parametrize("mode", ["tunnel", "transport"])
@pytest.mark.parametrize("alg", ["gcm", "cbc"])
def test_every_byte_change_is_rejected(alg, mode):
    _, inb, (wire,) = sealed(alg, mode)
    esp_off = 20
    expect = {}
    for off in range(esp_off, len(wire)):
        for flip in (0x01, 0x80, 0xff):
            bad = bytearray(wire)
            bad[off] ^= flip
            why, info = xe.rx_parse(bytes(bad))
            assert why == "ok"
            got, _ = inb.inp(bytes(bad))
            if off < esp_off + 4:
                # another SPI: the caller would not find this SA
                assert info.spi != SPI and got == "wrong-sa"
            elif off < esp_off + 8:
                # sequence number: outside the window or, inside, a bad ICV
                assert got in ("icv-fail", "too-old", "replay"), off
            else:
                assert got == "icv-fail", (off, got)
            expect[got] = expect.get(got, 0) + 1
    assert inb.stats()["drops"] == expect and inb.stats()["packets"] == 0
    assert inb.inp(wire) == ("ok", INNER)      # nothing above moved the window


@pytest.mark.parametrize("mode", ["tunnel", "transport"])
@pytest.mark.parametrize("alg", ["gcm", "cbc"])
def test_every_truncation_is_rejected(alg, mode):
    _, inb, (wire,) = sealed(alg, mode)
    for n in range(len(wire)):
        assert inb.inp(wire[:n])[0] != "ok"
        assert xe.rx_parse(wire[:n])[0] in ("short-packet", "bad-ip-header")
        # the same cut with the IP length fixed reaches the ESP checks
        if n >= 20:
            p = IP(wire[:n])
            p.len, p.chksum = n, None
            why, _ = inb.inp(raw(p)[:n])
            assert why in ("short-packet", "bad-length", "icv-fail"), (n, why)
    assert inb.stats()["packets"] == 0
    assert inb.inp(wire) == ("ok", INNER)


# --- replay window --------------------------------------------------------------

def test_replay_and_too_old_and_window_edges():
    _, inb, pkts = sealed(n=100, replay_window=64)
    assert inb.inp(pkts[99]) == ("ok", INNER)          # seq 100
    assert inb.inp(pkts[99])[0] == "replay"
    assert inb.inp(pkts[36])[0] == "ok"                # seq 37: last slot of the window
    assert inb.inp(pkts[35])[0] == "too-old"           # seq 36: just left of it
    assert inb.inp(pkts[0])[0] == "too-old"
    assert inb.inp(pkts[36])[0] == "replay"
    assert inb.inp(pkts[98])[0] == "ok"
    assert inb.stats()["drops"] == {"replay": 2, "too-old": 2}
    assert inb.stats()["packets"] == 3


def test_forged_packet_does_not_move_window():
    _, inb, pkts = sealed(n=3)
    bad = bytearray(pkts[2])
    bad[-1] ^= 1
    assert inb.inp(bytes(bad))[0] == "icv-fail"
    assert inb.inp(pkts[0])[0] == "ok"
    assert inb.inp(pkts[2])[0] == "ok"


# --- ESN rollover with scapy -------------------------------------------------------

def scapy_sa(esn_hi, seq_lo=1):
    # scapy's encrypt(seq_num=0) falls back to the SA counter: pass it here
    return SecurityAssociation(ESP, spi=SPI, crypt_algo="AES-GCM", crypt_key=GCM_KEY,
                               tunnel_header=IP(src=SRC, dst=DST), esn_en=True, esn=esn_hi,
                               seq_num=seq_lo)


def test_esn_rollover_outbound():
    out = xe.SA(dir="out", spi=SPI, src=SRC, dst=DST, esn=True, seq=(1 << 32) - 2, **ALGS["gcm"])
    for seq in ((1 << 32) - 1, 1 << 32, (1 << 32) + 1):
        why, wire = out.out(INNER)
        assert why == "ok"
        esp = IP(wire)[ESP]
        assert esp.seq == seq & 0xffffffff and esp.data[:8] == struct.pack("!Q", seq)
        assert raw(scapy_sa(seq >> 32).decrypt(IP(wire))) == INNER
        with pytest.raises(Exception):       # the high bits are in the ICV
            scapy_sa((seq >> 32) ^ 1).decrypt(IP(wire))


def test_esn_rollover_inbound():
    inb = xe.SA(dir="in", spi=SPI, src=DST, dst=SRC, esn=True, seq=(1 << 32) - 3, **ALGS["gcm"])
    for seq in ((1 << 32) - 2, (1 << 32) - 1, 1 << 32, (1 << 32) + 1):
        wire = raw(scapy_sa(seq >> 32, seq & 0xffffffff).encrypt(IP(INNER)))
        assert IP(wire)[ESP].seq == seq & 0xffffffff
        assert inb.inp(wire) == ("ok", INNER)
    # an old low half now means the next epoch, whose ICV does not match
    wire = raw(scapy_sa(0, 5).encrypt(IP(INNER)))
    assert inb.inp(wire)[0] == "icv-fail"


# --- counter exhaustion and lifetimes ----------------------------------------------------

def test_outbound_counter_exhaustion_without_esn():
    out = xe.SA(dir="out", spi=SPI, src=SRC, dst=DST, seq=(1 << 32) - 2, **ALGS["gcm"])
    why, wire = out.out(INNER)
    assert why == "ok" and IP(wire)[ESP].seq == 0xffffffff
    assert out.events() == 0
    assert out.out(INNER)[0] == "seq-exhausted"
    assert out.events() == xe.EV_SEQ_EXHAUSTED
    assert out.out(INNER)[0] == "seq-exhausted"        # never wraps
    assert out.events() == 0                           # raised once
    assert out.stats()["drops"] == {"seq-exhausted": 2} and out.stats()["packets"] == 1


@pytest.mark.parametrize("direction", ["out", "in"])
@pytest.mark.parametrize("unit", ["packets", "bytes"])
def test_soft_and_hard_lifetimes(direction, unit):
    size = len(INNER)
    lim = {"packets": (2, 3), "bytes": (2 * size, 3 * size)}[unit]
    kw = {f"soft_{unit}": lim[0], f"hard_{unit}": lim[1]}
    ev_soft = xe.EV_SOFT_PACKETS if unit == "packets" else xe.EV_SOFT_BYTES
    ev_hard = xe.EV_HARD_PACKETS if unit == "packets" else xe.EV_HARD_BYTES
    if direction == "out":
        sa = xe.SA(dir="out", spi=SPI, src=SRC, dst=DST, **ALGS["gcm"], **kw)
        send = sa.out
    else:
        _, _, pkts = sealed(n=5)
        sa = xe.SA(dir="in", spi=SPI, src=DST, dst=SRC, **ALGS["gcm"], **kw)
        it = iter(pkts)
        send = lambda _: sa.inp(next(it))   # noqa: E731
    assert send(INNER)[0] == "ok" and sa.events() == 0
    assert send(INNER)[0] == "ok" and sa.events() == ev_soft
    assert send(INNER)[0] == "ok" and sa.events() == 0
    assert send(INNER)[0] == "lifetime-expired" and sa.events() == ev_hard
    assert send(INNER)[0] == "lifetime-expired" and sa.events() == 0
    assert sa.stats()["packets"] == 3 and sa.stats()["bytes"] == 3 * size
    assert sa.stats()["drops"] == {"lifetime-expired": 2}


# --- forged contents with a valid ICV ------------------------------------------------

def forge(plain_with_trailer, seq=1):
    """RFC 4106 ESP packet, sealed with python3-cryptography."""
    iv = struct.pack("!Q", 0x1122334455667788)
    aad = struct.pack("!II", SPI, seq)
    ct = AESGCM(GCM_KEY[:16]).encrypt(GCM_KEY[16:] + iv, plain_with_trailer, aad)
    return raw(IP(src=SRC, dst=DST, proto=50) / Raw(aad + iv + ct))


def inbound(mode="tunnel"):
    return xe.SA(dir="in", spi=SPI, src=DST, dst=SRC, mode=MODES[mode], **ALGS["gcm"])


def test_forge_reference_is_accepted():
    pad = -(len(INNER) + 2) % 4
    assert inbound().inp(forge(INNER + bytes(range(1, pad + 1)) + bytes([pad, 4]))) == ("ok", INNER)


@pytest.mark.parametrize("padding", [b"\x01\x02\x04", b"\x00\x00\x00", b"\x02\x03\x04",
                                     b"\x01\x02\x03\x04\x05\x06\x07\xff"])
def test_bad_padding_content(padding):
    body = INNER + b"\0" * (-(len(INNER) + len(padding) + 2) % 4)
    sa = inbound()
    assert sa.inp(forge(body + padding + bytes([len(padding), 4])))[0] == "bad-padding"
    assert sa.stats()["drops"] == {"bad-padding": 1}


def test_pad_length_past_payload():
    sa = inbound()
    assert sa.inp(forge(b"\x01\x02" + bytes([250, 4])))[0] == "bad-padding"
    assert sa.stats()["drops"] == {"bad-padding": 1}


def test_dummy_packet_is_dropped_silently_and_counted():
    sa = inbound()
    assert sa.inp(forge(b"\x99" * 10 + bytes([0, 59])))[0] == "dummy"
    assert sa.stats()["drops"] == {"dummy": 1} and sa.stats()["packets"] == 0


@pytest.mark.parametrize("mode,nh,why", [("tunnel", 6, "bad-next-header"),
                                          ("tunnel", 41, "bad-ip-header"),
                                          ("transport", 0, "bad-next-header")])
def test_next_header_not_allowed_for_mode(mode, nh, why):
    pad = -(len(INNER) + 2) % 4
    sa = inbound(mode)
    assert sa.inp(forge(INNER + bytes(range(1, pad + 1)) + bytes([pad, nh])))[0] == why
    assert sa.stats()["drops"] == {why: 1}


def test_tunnel_inner_length_past_payload():
    bad = bytearray(INNER)
    bad[3] += 8                                   # IPv4 total length too long
    pad = -(len(bad) + 2) % 4
    sa = inbound()
    assert sa.inp(forge(bytes(bad) + bytes(range(1, pad + 1)) + bytes([pad, 4])))[0] == "bad-ip-header"


# --- encapsulation and outer-header checks -------------------------------------------

def test_nat_keepalive_and_non_esp_marker():
    keepalive = raw(IP(src=SRC, dst=DST) / UDP(sport=4500, dport=4500) / Raw(b"\xff"))
    assert xe.rx_parse(keepalive)[0] == "nat-keepalive"
    ike = raw(IP(src=SRC, dst=DST) / UDP(sport=4500, dport=4500) / Raw(b"\0\0\0\0" + b"I" * 28))
    assert xe.rx_parse(ike)[0] == "not-ipsec"
    assert xe.rx_parse(raw(IP(src=SRC, dst=DST) / TCP()))[0] == "not-ipsec"
    frag = IP(src=SRC, dst=DST, proto=50, flags="MF") / Raw(b"\0" * 40)
    assert xe.rx_parse(raw(frag))[0] == "bad-ip-header"
    assert xe.rx_parse(raw(IP(src=SRC, dst=DST, proto=50) / Raw(b"\1\2\3\4")))[0] == "short-packet"
    why, info = xe.rx_parse(raw(IP(src=SRC, dst=DST) / UDP(sport=1000, dport=4500) /
                                Raw(struct.pack("!II", SPI, 1) + b"\0" * 40)))
    assert why == "ok" and info.udp_encap == 1 and info.spi == SPI
    assert (info.sport, info.dport, info.ipsec_off) == (1000, 4500, 28)


def test_udp_encapsulation_must_match_sa():
    _, _, (plain,) = sealed()
    _, udp_in, (udp,) = sealed(udp_encap=(4500, 4500))
    assert udp_in.inp(plain)[0] == "bad-encap"
    assert inbound().inp(udp)[0] == "bad-encap"
    assert udp_in.stats()["drops"] == {"bad-encap": 1}


def test_wrong_direction():
    out, inb, (wire,) = sealed()
    assert out.inp(wire)[0] == "wrong-sa"
    assert inb.out(INNER)[0] == "wrong-sa"
    assert out.stats()["drops"] == {"wrong-sa": 1} and inb.stats()["drops"] == {"wrong-sa": 1}


def test_no_room():
    out, _ = pair()
    import ctypes
    buf = (ctypes.c_uint8 * (len(INNER) + 400))()
    ctypes.memmove(ctypes.addressof(buf) + 8, INNER, len(INNER))
    p = xe.Pkt()
    p.data = ctypes.cast(ctypes.addressof(buf) + 8, ctypes.POINTER(ctypes.c_uint8))
    p.len, p.headroom, p.tailroom = len(INNER), 8, 300
    assert xe.lib().xs_esp_out(out._h, ctypes.byref(p)) == xe.DROP["no-room"]
    assert out.stats()["drops"] == {"no-room": 1}


# --- SA validation ---------------------------------------------------------------------

BAD_SAS = [
    dict(spi=255, enc="aes-gcm-16", enc_key=GCM_KEY),
    dict(enc="aes-gcm-16", enc_key=GCM_KEY[:16]),
    dict(enc="aes-gcm-16", enc_key=GCM_KEY, integ="hmac-sha1-96", integ_key=bytes(20)),
    dict(enc="chacha20-poly1305", enc_key=bytes(32)),
    dict(enc="null"),
    dict(enc="aes-cbc", enc_key=bytes(16)),
    dict(enc="aes-cbc", enc_key=bytes(20), integ="hmac-sha1-96", integ_key=bytes(20)),
    dict(enc="aes-cbc", enc_key=bytes(16), integ="hmac-sha256-128", integ_key=bytes(20)),
    dict(enc="aes-gmac", enc_key=bytes(17)),
    dict(enc="aes-gcm-16", enc_key=GCM_KEY, replay_window=65537),
    dict(enc="aes-gcm-16", enc_key=GCM_KEY, seq=1 << 32),
    dict(enc="aes-gcm-16", enc_key=GCM_KEY, flags=xe.F_DF_SET | xe.F_DF_CLEAR),
    dict(proto=xe.IPPROTO_AH, enc="aes-cbc", enc_key=bytes(16), integ="hmac-sha1-96",
         integ_key=bytes(20)),
    dict(proto=xe.IPPROTO_AH, integ="hmac-sha1-96", integ_key=bytes(20), udp_encap=(1, 2)),
    dict(proto=xe.IPPROTO_AH, integ="aes128-gmac", integ_key=bytes(16)),
    dict(enc="aes-gcm-16", enc_key=GCM_KEY, mode=xe.MODE_TRANSPORT, tfc_pad=100),
]


@pytest.mark.parametrize("cfg", BAD_SAS)
def test_invalid_sa_is_refused_with_a_reason(cfg):
    cfg = dict(cfg)
    cfg.setdefault("spi", SPI)
    with pytest.raises(xe.EngineError) as e:
        xe.SA(dir="out", src=SRC, dst=DST, **cfg)
    msg = str(e.value)
    assert len(msg) > 10 and GCM_KEY.hex() not in msg and "\\x" not in msg


@pytest.mark.parametrize("cfg", [
    dict(enc="aes-gmac", enc_key=bytes(36)),
    dict(enc="null", integ="hmac-sha512-256", integ_key=bytes(64)),
    dict(proto=xe.IPPROTO_AH, integ="aes256-gmac", integ_key=bytes(36)),
    dict(proto=xe.IPPROTO_AH, integ="hmac-sha384-192", integ_key=bytes(48), esn=True,
         seq=1 << 40),
])
def test_valid_sa_is_accepted(cfg):
    xe.SA(dir="in", spi=SPI, src=SRC, dst=DST, **cfg).close()
