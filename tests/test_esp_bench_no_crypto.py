"""XS_SA_BENCH_NO_CRYPTO (engine/sa.h, benchmark only): ESP framing, sequence
numbers, replay window and counters as usual, the payload in plaintext, IV
and ICV zero. Checked byte for byte against scapy's ESP/IP parsing; an SA
without the flag must reject such a packet as icv-fail, and the other way
round."""
import pytest
import xsengine as xe
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP
from scapy.packet import Raw, raw

SPI = 0x4242
SRC, DST = "192.0.2.1", "192.0.2.2"
INNER = raw(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"x" * 33))
ALGS = {  # alg: (SA arguments, IV bytes, ICV bytes, alignment)
    "gcm": (dict(enc="aes-gcm-16", enc_key=bytes(range(36))), 8, 16, 4),
    "chacha": (dict(enc="chacha20-poly1305", enc_key=bytes(range(36))), 8, 16, 4),
    "cbc": (dict(enc="aes-cbc", enc_key=bytes(range(32)), integ="hmac-sha256-128",
                 integ_key=bytes(range(100, 132))), 16, 16, 16),
}


def pair(alg, out_flags=xe.F_BENCH_NO_CRYPTO, in_flags=xe.F_BENCH_NO_CRYPTO, **kw):
    args = ALGS[alg][0]
    out = xe.SA(spi=SPI, dir="out", src=SRC, dst=DST, flags=out_flags, **args, **kw)
    inb = xe.SA(spi=SPI, dir="in", src=DST, dst=SRC, flags=in_flags, **args, **kw)
    return out, inb


def expected_esp_data(inner, iv_len, icv_len, align, next_header):
    pad = (align - (len(inner) + 2) % align) % align
    return (bytes(iv_len) + inner + bytes(range(1, pad + 1)) +
            bytes([pad, next_header]) + bytes(icv_len))


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_tunnel_esp_carries_plaintext_with_zero_iv_and_icv(alg):
    out, inb = pair(alg)
    _, iv_len, icv_len, align = ALGS[alg]
    for seq in (1, 2, 3):
        why, wire = out.out(INNER)
        assert why == "ok"
        ip = IP(wire)
        assert (ip.src, ip.dst, ip.proto, ip.len) == (SRC, DST, 50, len(wire))
        fixed = IP(wire)
        del fixed.chksum
        assert IP(raw(fixed)).chksum == ip.chksum
        esp = ip[ESP]
        assert (esp.spi, esp.seq) == (SPI, seq)
        assert esp.data == expected_esp_data(INNER, iv_len, icv_len, align, 4)
        why, got = inb.inp(wire)
        assert why == "ok" and got == INNER
    assert out.stats()["packets"] == 3 and inb.stats()["packets"] == 3
    assert out.stats()["bytes"] == 3 * len(INNER)


def test_transport_ipv6_keeps_framing():
    src, dst = "2001:db8::1", "2001:db8::2"
    inner = raw(IPv6(src=src, dst=dst) / UDP(sport=5, dport=6) / Raw(b"abc"))
    args = ALGS["gcm"][0]
    out = xe.SA(spi=SPI, dir="out", src=src, dst=dst, mode=xe.MODE_TRANSPORT,
                flags=xe.F_BENCH_NO_CRYPTO, **args)
    inb = xe.SA(spi=SPI, dir="in", src=dst, dst=src, mode=xe.MODE_TRANSPORT,
                flags=xe.F_BENCH_NO_CRYPTO, **args)
    why, wire = out.out(inner)
    assert why == "ok"
    p = IPv6(wire)
    assert p.nh == 50 and p[ESP].spi == SPI and p[ESP].seq == 1
    assert p[ESP].data == expected_esp_data(inner[40:], 8, 16, 4, 17)
    why, got = inb.inp(wire)
    assert why == "ok" and got == inner


def test_replay_window_still_applies():
    out, inb = pair("gcm")
    _, first = out.out(INNER)
    _, second = out.out(INNER)
    assert inb.inp(second)[0] == "ok"
    assert inb.inp(first)[0] == "ok"
    assert inb.inp(first)[0] == "replay"
    assert inb.stats()["drops"] == {"replay": 1}


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_sa_without_the_flag_rejects_it_as_icv_fail(alg):
    out, _ = pair(alg)
    _, real_in = pair(alg, in_flags=0)
    _, wire = out.out(INNER)
    assert real_in.inp(wire)[0] == "icv-fail"
    assert real_in.stats()["drops"] == {"icv-fail": 1}


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_flagged_sa_rejects_real_esp_as_icv_fail(alg):
    real_out, _ = pair(alg, out_flags=0)
    _, bench_in = pair(alg)
    _, wire = real_out.out(INNER)
    assert bench_in.inp(wire)[0] == "icv-fail"


def test_any_nonzero_icv_byte_is_rejected():
    out, inb = pair("gcm")
    _, wire = out.out(INNER)
    for i in range(1, 17):
        bad = bytearray(wire)
        bad[-i] = 1
        assert inb.inp(bytes(bad))[0] == "icv-fail"
    assert inb.inp(wire)[0] == "ok"


def test_refused_for_ah():
    with pytest.raises(xe.EngineError, match="bench-no-crypto is for ESP only"):
        xe.SA(spi=SPI, dir="out", proto=xe.IPPROTO_AH, integ="hmac-sha256-128",
              integ_key=bytes(32), flags=xe.F_BENCH_NO_CRYPTO)
