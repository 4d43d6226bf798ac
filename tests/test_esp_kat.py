"""Published ESP packets: RFC 7634 Appendix A (ChaCha20-Poly1305) and
draft-mcgrew-gcm-test-01 (AES-GCM ESP), transcribed from the documents
(hex below; cross-checked against a public transcription of both).

The engine's explicit IV is always the 64-bit sequence number, while the
published packets use IVs unrelated to their sequence numbers. So:
decapsulation takes the published packet byte for byte; for encapsulation,
an ESN SA whose counter equals the published IV gives the same nonce, hence
byte-identical ciphertext, and its tag (over our AAD) is checked with
python3-cryptography.
"""
import struct

import xsengine as xe
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from scapy.layers.inet import IP
from scapy.packet import Raw, raw


def h(s):
    return bytes.fromhex("".join(s.split()))


# RFC 7634 Appendix A: ESP example
RFC7634 = dict(
    key=h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f a0a1a2a3"),
    spi=0x01020304, seq=5, iv=h("1011121314151617"),
    plain=h("""45 00 00 54 a6 f2 00 00 40 01 e7 78 c6 33 64 05
               c0 00 02 05 08 00 5b 7a 3a 08 00 00 55 3b ec 10
               00 07 36 27 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13
               14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23
               24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33
               34 35 36 37 01 02 02 04"""),
    ct_tag=h("""24 03 94 28 b9 7f 41 7e 3c 13 75 3a 4f 05 08 7b
                67 c3 52 e6 a7 fa b1 b9 82 d4 66 ef 40 7a e5 c6
                14 ee 80 99 d5 28 44 eb 61 aa 95 df ab 4c 02 f7
                2a a7 1e 7c 4c 4f 64 c9 be fe 2f ac c6 38 e8 f3
                cb ec 16 3f ac 46 9b 50 27 73 f6 fb 94 e6 64 da
                91 65 b8 28 29 f6 41 e0 76 aa a8 26 6b 7f b0 f7
                b1 1b 36 99 07 e1 ad 43"""))

# draft-mcgrew-gcm-test-01, test case with a 64-bit (extended) sequence number
GCM_ESN = dict(
    key=h("4c80cdefbb5d10da906ac73c3613a634 2e443b68"),
    spi=0x4321, seq=0x8765432100000000, iv=h("4956ed7e3b244cfe"),
    plain=h("""45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000
               00000000045f736970045f7564700373 69700963796265726369747902646b00
               0021000101020201"""),
    ct_tag=h("""fecf537e729d5b07dc30df528dd22b76 8d1b98736696a6fd348509fa13ceac34
                cfa2436f14a3f3cf65925bf1f4a13c5d 15b21e1884f5ff6247aeabb786b93bce
                61bc17d768fd9732459018148f6cbe72 2fd04796562dfdb4"""))

# draft-mcgrew-gcm-test-01, AES-256 test case
GCM_256 = dict(
    key=h("abbccddef00112233445566778899aababbccddef00112233445566778899aab 11223344"),
    spi=0x4a2cbfe3, seq=2, iv=h("0102030405060708"),
    plain=h("""4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000
               7002400020bf0000020405b401010402 01020201"""),
    ct_tag=h("""ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763
                748a637985771d347f0545659f14e99d ef842d8eb335f4eecfdbf831824b4c49
                15956c96"""))

SRC, DST = "192.0.2.1", "192.0.2.2"


def esp_packet(v):
    return struct.pack("!II", v["spi"], v["seq"] & 0xffffffff) + v["iv"] + v["ct_tag"]


def test_transcriptions_are_self_consistent():
    """The vectors open with an independent AEAD, so no digit was lost."""
    for v, cls in ((RFC7634, ChaCha20Poly1305), (GCM_ESN, AESGCM), (GCM_256, AESGCM)):
        esn = v["seq"] > 0xffffffff
        aad = struct.pack("!I", v["spi"]) + (struct.pack("!I", v["seq"] >> 32) if esn else b"") \
            + struct.pack("!I", v["seq"] & 0xffffffff)
        assert cls(v["key"][:-4]).decrypt(v["key"][-4:] + v["iv"], v["ct_tag"], aad) == v["plain"]


def test_rfc7634_decapsulation():
    v = RFC7634
    sa = xe.SA(dir="in", spi=v["spi"], src=DST, dst=SRC, enc="chacha20-poly1305", enc_key=v["key"])
    wire = raw(IP(src=SRC, dst=DST, proto=50) / Raw(esp_packet(v)))
    assert sa.inp(wire) == ("ok", v["plain"][:0x54])


def test_rfc7634_encapsulation_ciphertext():
    v = RFC7634
    counter = struct.unpack("!Q", v["iv"])[0]
    sa = xe.SA(dir="out", spi=v["spi"], src=SRC, dst=DST, enc="chacha20-poly1305",
               enc_key=v["key"], esn=True, seq=counter - 1)
    why, wire = sa.out(v["plain"][:0x54])
    assert why == "ok"
    esp = wire[20:]
    assert esp[8:16] == v["iv"]
    assert esp[16:-16] == v["ct_tag"][:-16]            # RFC ciphertext, byte for byte
    aad = struct.pack("!III", v["spi"], counter >> 32, counter & 0xffffffff)
    assert ChaCha20Poly1305(v["key"][:32]).decrypt(v["key"][32:] + v["iv"], esp[16:], aad) == v["plain"]


def transport_sa(v, direction, **kw):
    return xe.SA(dir=direction, spi=v["spi"], mode=xe.MODE_TRANSPORT, src=SRC, dst=DST,
                 enc="aes-gcm-16", enc_key=v["key"], **kw)


def test_mcgrew_esn_packet_decapsulation():
    # next header 1 in the vector: the plaintext is the payload of a
    # transport-mode packet, delivered behind the (rebuilt) outer header
    v = GCM_ESN
    sa = transport_sa(v, "in", esn=True, seq=v["seq"] - 1)
    wire = raw(IP(src=SRC, dst=DST, proto=50) / Raw(esp_packet(v)))
    why, got = sa.inp(wire)
    assert why == "ok"
    payload = v["plain"][:-4]                          # padding 01 02, pad length 2, nh 1
    assert got == raw(IP(src=SRC, dst=DST, proto=1) / Raw(payload))


def test_mcgrew_aes256_decapsulation():
    v = GCM_256
    sa = transport_sa(v, "in")
    wire = raw(IP(src=SRC, dst=DST, proto=50) / Raw(esp_packet(v)))
    assert sa.inp(wire) == ("ok", raw(IP(src=SRC, dst=DST, proto=1) / Raw(v["plain"][:-4])))


def test_mcgrew_encapsulation_ciphertext():
    v = GCM_ESN
    counter = struct.unpack("!Q", v["iv"])[0]
    sa = transport_sa(v, "out", esn=True, seq=counter - 1)
    why, wire = sa.out(raw(IP(src=SRC, dst=DST, proto=1) / Raw(v["plain"][:-4])))
    assert why == "ok"
    esp = wire[20:]
    assert esp[8:16] == v["iv"]
    assert esp[16:-16] == v["ct_tag"][:-16]
    aad = struct.pack("!III", v["spi"], counter >> 32, counter & 0xffffffff)
    assert AESGCM(v["key"][:16]).decrypt(v["key"][16:] + v["iv"], esp[16:], aad) == v["plain"]
